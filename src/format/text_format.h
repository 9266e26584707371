/*
** text_format.h: CSV and JSON-lines formatting of column batches into
** memory, private to format/. text_writer.c implements it (and the
** sequential tarn_text_writer on top of it); text_parallel.c calls it from
** several worker threads at once, each with its own output buffer.
*/
#ifndef TARN_TEXT_FORMAT_H
#define TARN_TEXT_FORMAT_H

#include "format/format.h"

/* What formatting a schema needs, prepared once and then only read, so
** any number of threads may format batches with one tarn_text_fmt. */
typedef struct tarn_text_fmt {
    tarn_format_kind kind; /* TARN_FORMAT_CSV or TARN_FORMAT_JSONL */
    int ncols;
    char **keys;           /* JSON: "\"name\":" per column, escaped */
    size_t *key_len;
} tarn_text_fmt;

/* Prepare formatting of schema s as kind. Returns TARN_OK, or
** TARN_ERR_UNSUPPORTED (kind is not CSV or JSON lines) with err filled.
** Free with tarn_text_fmt_free (also after a failed init). */
int tarn_text_fmt_init(tarn_text_fmt *f, tarn_format_kind kind, const tarn_schema *s,
                       tarn_error *err);
void tarn_text_fmt_free(tarn_text_fmt *f);

/* Append the CSV header line (the column names, quoted where needed) to
** out. Nothing for JSON lines. */
void tarn_text_fmt_header(const tarn_text_fmt *f, const tarn_schema *s, tarn_buf *out);

/* Append rows from, from+1, ... of b to out, one line each, stopping after
** the row that brings out->len to stop_at or more (SIZE_MAX: every row).
** Returns the index of the first row not formatted (b->nrows when all
** were). b's columns must match the schema f was made for (asserted by
** the callers through the column count). out grows as needed; its limit
** is not applied. */
int64_t tarn_text_fmt_rows(const tarn_text_fmt *f, const tarn_batch *b, int64_t from,
                           tarn_buf *out, size_t stop_at);

#endif
