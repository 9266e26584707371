/*
** parquet_stub.c: placeholder operations table until the Parquet reader
** lands (reading a Parquet file reports it as unsupported). Deleted when
** parquet_reader.c defines tarn_parquet_ops.
*/
#include "format/format_internal.h"

const tarn_format_ops tarn_parquet_ops = {TARN_FORMAT_PARQUET, NULL, NULL, NULL, NULL, NULL};
