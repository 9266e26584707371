/*
** format_internal.h: what the format readers share inside format/ and
** nothing outside may use: the reader and cursor structs, the per-format
** operations table that reader.c dispatches through, and the input layer
** (input.c) that maps a file, inflates gzip and normalizes encodings.
*/
#ifndef TARN_FORMAT_INTERNAL_H
#define TARN_FORMAT_INTERNAL_H

#include "format/format.h"

/* A whole input file as UTF-8 bytes in memory. For a plain UTF-8 file the
** bytes are the mmapped file (after any BOM); gzip input is inflated and
** UTF-16 converted into a temporary file (deleted at once) that is mapped
** instead, so every reader sees one contiguous, seekable byte range. */
typedef struct tarn_input {
    const char *data;     /* first byte after any BOM */
    size_t len;
    void *map;            /* what to munmap (may be NULL for an empty file) */
    size_t map_len;
    bool gzip;
    const char *encoding; /* "utf-8", "utf-8-bom", "utf-16le", "utf-16be" */
} tarn_input;

/* Map path (inflating gzip, converting UTF-16). Errors name the file.
** tmp_dir: where temporary files go (NULL = $TMPDIR or /tmp). */
int tarn_input_open(tarn_input *in, const char *path, const char *tmp_dir,
                    tarn_error *err);
void tarn_input_close(tarn_input *in);

/* One format's implementation. open() fills r->schema, r->info, r->rows,
** r->bad_rows, r->nsplits and r->impl (after checking every row, so the
** schema is final). cursor_open() creates a cursor over split i, whose
** impl is the format's own; cursor_next() fills the batch (resetting it
** first) and returns 1, 0 at the end, or a negative value with err. */
typedef struct tarn_format_ops {
    tarn_format_kind kind;
    int (*open)(tarn_reader *r, tarn_error *err);
    int (*cursor_open)(tarn_reader *r, int split, tarn_cursor *c, tarn_error *err);
    int (*cursor_next)(tarn_cursor *c, tarn_batch *b, tarn_error *err);
    void (*cursor_close)(tarn_cursor *c);
    void (*close)(tarn_reader *r);
} tarn_format_ops;

struct tarn_reader {
    const tarn_format_ops *ops;
    char *path;                /* as given, for messages */
    tarn_read_options opts;
    tarn_schema schema;
    tarn_input_info info;
    int64_t rows;
    int64_t bad_rows;
    int nsplits;
    void *impl;
    /* tarn_reader_next()'s sequential walk over the splits */
    int next_split;
    tarn_cursor *cur;
};

struct tarn_cursor {
    tarn_reader *r;
    int split;
    void *impl;
};

extern const tarn_format_ops tarn_csv_ops;     /* csv_reader.c */
extern const tarn_format_ops tarn_jsonl_ops;   /* jsonl_reader.c */
extern const tarn_format_ops tarn_parquet_ops; /* parquet_reader.c */

#endif
