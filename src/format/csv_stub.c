/*
** csv_stub.c: placeholder operations table until csv_reader.c lands;
** deleted then.
*/
#include "format/format_internal.h"

const tarn_format_ops tarn_csv_ops = {TARN_FORMAT_UNKNOWN, NULL, NULL, NULL, NULL, NULL};
