/*
** file_parquet.h: the Parquet part of `tarn file inspect` (file_parquet.c):
** a file's footer as text tables or as JSON members. cli_file.c prints the
** lines every format shares and calls these for Parquet files.
*/
#ifndef TARN_FILE_PARQUET_H
#define TARN_FILE_PARQUET_H

#include <stdbool.h>
#include <stdio.h>

#include "format/format.h"

/* Print m as text on stdout: its key-value metadata keys, the schema (each column's tarn type, Parquet physical and logical type
** and repetition; the leaves of nested columns under them), then the
** first max_groups row groups, each with one line per column chunk
** (codec, encodings, values, sizes, NULL count, min and max; "-" where the
** file records none) and a line saying how many were left out. Tables are
** boxed when boxed is true. */
void tarn_cli_parquet_text(const tarn_pq_meta *m, bool boxed, int max_groups);

/* Print the same facts for every row group as members of a JSON object
** being written on stdout: each starts with ',', nothing is closed. */
void tarn_cli_parquet_json(const tarn_pq_meta *m);

/* Write n bytes (any bytes, NULs included) as a JSON string literal to f. */
void tarn_cli_json_bytes(FILE *f, const char *s, size_t n);

#endif
