/*
** jsonl_stub.c: placeholder operations table until jsonl_reader.c lands;
** deleted then.
*/
#include "format/format_internal.h"

const tarn_format_ops tarn_jsonl_ops = {TARN_FORMAT_UNKNOWN, NULL, NULL, NULL, NULL, NULL};
