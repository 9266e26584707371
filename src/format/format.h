/*
** format.h: reading and writing the file formats tarn handles: CSV, JSON
** lines (and, from the Parquet issue on, Parquet). Readers turn a local file
** into typed column batches (table.h) with one schema for the whole file;
** they never allocate per row.
**
** Inputs are local paths (callers resolve s3:// URIs through store.h first).
** gzip-compressed input is read transparently; UTF-16 input with a BOM is
** converted to UTF-8; invalid UTF-8 is kept by reading those bytes as
** Latin-1, and reported once as a warning.
**
** Typical use:
**
**     tarn_read_options o; tarn_read_options_init(&o);
**     tarn_reader *r;
**     if (tarn_reader_open(&r, path, &o, &err)) ...;
**     const tarn_schema *s = tarn_reader_schema(r);
**     tarn_batch b; tarn_batch_init(&b, s, 0);
**     while ((rc = tarn_reader_next(r, &b, &err)) == 1) { ...use b...; }
**     if (rc < 0) ...err...;
**     tarn_batch_free(&b); tarn_reader_close(r);
**
** For parallel scans a reader divides its input into splits (record-aligned
** byte ranges of a CSV or JSON-lines file; row groups of Parquet); each
** split is read by its own cursor, one thread per cursor.
*/
#ifndef TARN_FORMAT_H
#define TARN_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core.h"
#include "table/table.h"

typedef enum tarn_format_kind {
    TARN_FORMAT_UNKNOWN = 0, /* in options: detect from content and name */
    TARN_FORMAT_CSV,
    TARN_FORMAT_JSONL,
    TARN_FORMAT_PARQUET
} tarn_format_kind;

const char *tarn_format_name(tarn_format_kind k); /* "csv", "jsonl", ... */

/* A CSV dialect. In options, 0 / -1 mean "sniff it". */
typedef struct tarn_csv_dialect {
    char delimiter;   /* ',' ';' '\t' '|' (0 = sniff) */
    char quote;       /* '"' or '\'' ; 0 = sniff; '\x01' = no quoting */
    int header;       /* 1 = first row is a header, 0 = none, -1 = sniff */
} tarn_csv_dialect;

/* What the reader found out about the bytes of the file. */
typedef struct tarn_input_info {
    tarn_format_kind format;
    bool gzip;               /* input was gzip-compressed */
    const char *encoding;    /* "utf-8", "utf-8-bom", "utf-16le", "utf-16be" */
    const char *newline;     /* "lf", "crlf", "cr", "none" */
    bool latin1_fallback;    /* invalid UTF-8 was read as Latin-1 */
    tarn_csv_dialect dialect; /* CSV: what was sniffed or given */
} tarn_input_info;

/* A row the reader could not use: ragged (wrong field count), an
** unterminated quote, a bad JSON line. The reader calls the options'
** on_bad_row for each; the callback returns 0 to skip the row (the caller
** records it) or nonzero to stop reading with an error. Without a callback
** bad rows are an error. */
typedef struct tarn_bad_row {
    const char *file;     /* path as given to the reader */
    int64_t line;         /* 1-based physical line where the row starts */
    const char *reason;   /* "expected 5 fields, found 7" ... */
    const char *text;     /* the raw row (may be truncated), NUL-terminated */
} tarn_bad_row;

typedef int (*tarn_bad_row_fn)(void *ud, const tarn_bad_row *row);

typedef struct tarn_read_options {
    tarn_format_kind format;   /* TARN_FORMAT_UNKNOWN: detect */
    tarn_csv_dialect dialect;  /* CSV overrides; zero/-1 fields sniffed */
    int64_t batch_rows;        /* rows per batch; 0 = default (65536) */
    int64_t sample_rows;       /* rows sampled for type inference; 0 = 20480 */
    bool all_strings;          /* skip inference: every column is string */
    const tarn_schema *types;  /* optional: force these column types by name */
    int nthreads;              /* threads for the whole-file passes; 0 = CPUs */
    tarn_bad_row_fn on_bad_row;
    void *bad_row_ud;
    const char *tmp_dir;       /* where to inflate gzip / convert UTF-16;
                                  NULL = $TMPDIR or /tmp */
} tarn_read_options;

void tarn_read_options_init(tarn_read_options *o);

typedef struct tarn_reader tarn_reader;
typedef struct tarn_cursor tarn_cursor;

/* Open path, detect its format (unless given), sniff the dialect, infer the
** schema and check it over every row, widening a column whose later values
** do not fit (never truncating). On success *out owns everything and the
** schema is final. On failure returns a status and fills err (file, line,
** what was expected). */
int tarn_reader_open(tarn_reader **out, const char *path,
                     const tarn_read_options *o, tarn_error *err);
const tarn_schema *tarn_reader_schema(const tarn_reader *r);
const tarn_input_info *tarn_reader_info(const tarn_reader *r);
/* Rows in the file (data rows, without header and without bad rows). */
int64_t tarn_reader_row_count(const tarn_reader *r);
/* Bad rows seen while checking the file (each was reported to on_bad_row). */
int64_t tarn_reader_bad_rows(const tarn_reader *r);
/* Fill b (reset first; must have been initialized for this schema) with the
** next rows in file order. Returns 1 with rows, 0 at the end, or a negative
** value with err filled. */
int tarn_reader_next(tarn_reader *r, tarn_batch *b, tarn_error *err);
void tarn_reader_close(tarn_reader *r);

/* Parallel scans: the number of independent splits, and a cursor over split
** i. Cursors of one reader may run on different threads at once; each fills
** its own batch. Rows of split i come before those of split i+1. */
int tarn_reader_split_count(const tarn_reader *r);
int tarn_cursor_open(tarn_reader *r, int split, tarn_cursor **out, tarn_error *err);
int tarn_cursor_next(tarn_cursor *c, tarn_batch *b, tarn_error *err);
void tarn_cursor_close(tarn_cursor *c);

/* Detect a file's format from its first bytes and its name. */
tarn_format_kind tarn_format_detect(const char *path, const void *head, size_t n);

/* Writers: CSV and JSON lines text output of batches (used by `file cat`,
** `file convert` and query results). The writer escapes as RFC 4180
** (CSV) or JSON requires. */
typedef struct tarn_text_writer tarn_text_writer;
int tarn_text_writer_open(tarn_text_writer **out, int fd, tarn_format_kind k,
                          const tarn_schema *s, bool header, tarn_error *err);
int tarn_text_writer_write(tarn_text_writer *w, const tarn_batch *b, tarn_error *err);
int tarn_text_writer_close(tarn_text_writer *w, tarn_error *err);

/* ---- Parquet writer (parquet_writer.c) ---- */

/* ---- Parquet file metadata, for inspect and the query engine (parquet_meta.c) ---- */

#endif
