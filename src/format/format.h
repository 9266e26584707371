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

struct tarn_pq_meta;      /* Parquet footer (see the Parquet section below) */
struct tarn_pq_row_group;

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
    /* Parquet: decode only these columns, given as indexes into the file's
    ** full schema (tarn_pq_meta.schema), in the order wanted; the reader's
    ** schema then holds just these. NULL = every column. An index out of
    ** range or listed twice is TARN_ERR_INVALID. */
    const int *columns;
    int ncolumns;
    /* Parquet: called once per row group when the file is opened, with the
    ** row group's statistics; returning false skips the row group (its rows
    ** are neither counted nor read). NULL = read every row group. */
    bool (*row_group_filter)(void *ud, const struct tarn_pq_meta *m,
                             const struct tarn_pq_row_group *rg);
    void *row_group_filter_ud;
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
/* Values that did not fit a type forced by tarn_read_options.types and were
** read as NULL, as counted by the cursors closed so far (reading a file
** twice counts them twice): in every column, or in column col. Only the CSV
** reader counts them; other formats return 0. */
int64_t tarn_reader_cast_errors(const tarn_reader *r);
int64_t tarn_reader_column_cast_errors(const tarn_reader *r, int col);
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

/* ---- Parallel text output of a whole reader (text_parallel.c) ----
** The same text as the writer above, for every row of a reader: worker
** threads read the splits' batches through cursors and format each batch
** into its own buffer; the calling thread writes the buffers to fd in file
** order. At most two batches per thread are in memory at once (a batch
** and its text). */
typedef struct tarn_text_options {
    tarn_format_kind kind; /* TARN_FORMAT_CSV (default) or TARN_FORMAT_JSONL */
    bool header;           /* CSV: the column names first; default true */
    int nthreads;          /* worker threads; 0 = one per CPU */
    int64_t limit;         /* write at most this many rows (read in order
                              on the calling thread); -1 (default) = all */
} tarn_text_options;

/* Fill o with the defaults above. */
void tarn_text_options_init(tarn_text_options *o);
/* Write every row of r (or the first o->limit) to fd as o->kind. r must be
** freshly opened and is not read by anyone else meanwhile. *rows (may be
** NULL) receives the rows written. Returns TARN_OK, TARN_ERR_UNSUPPORTED
** for a kind that is not text, TARN_ERR_IO when fd cannot be written, or
** the reader's first error in file order, after the text of every row
** before it has been written. */
int tarn_text_write_reader(tarn_reader *r, int fd, const tarn_text_options *o, int64_t *rows,
                           tarn_error *err);

/* ---- Parquet writer (parquet_writer.c) ---- */

/* Writes batches of a flat schema as one Parquet file. Each tarn type maps
** to its standard physical and logical type (both LogicalType and the legacy
** ConvertedType are written): boolean -> BOOLEAN; int -> INT32; bigint ->
** INT64; double -> DOUBLE; decimal(p,s) -> INT32 (p <= 9), INT64 (p <= 18)
** or FIXED_LEN_BYTE_ARRAY of the fewest bytes (p > 18), DECIMAL(p,s);
** string -> BYTE_ARRAY STRING/UTF8; date -> INT32 DATE; timestamp -> INT64
** TIMESTAMP(isAdjustedToUTC=true, MICROS)/TIMESTAMP_MICROS.
**
** Columns are dictionary-encoded (RLE_DICTIONARY pages, PLAIN dictionary
** page) while that pays, else PLAIN; a chunk whose dictionary outgrows
** dictionary_bytes continues in PLAIN. Definition levels are RLE. Each
** column chunk carries min/max (in the type's order), null and NaN counts.
**
** The file appears atomically: the writer fills a temporary file in the
** destination's directory and renames it over path on close; abort (or a
** failed close) removes it and leaves path as it was.
**
**     tarn_parquet_write_options o; tarn_parquet_write_options_init(&o);
**     tarn_parquet_writer *w;
**     if (tarn_parquet_writer_open(&w, path, schema, &o, &err)) ...;
**     while (...next batch b...)
**         if (tarn_parquet_writer_write(w, &b, &err)) { tarn_parquet_writer_abort(w); ... }
**     if (tarn_parquet_writer_close(w, NULL, &err)) ...;
**
** Memory: the writer holds one row group's encoded, compressed pages, plus
** one page and one dictionary per column (for more than 64 columns both
** limits shrink so that all pages, and all dictionaries, stay near 64 MiB),
** plus one copy of the last batch in background mode. With the defaults a
** row group is cut at 128 MiB of encoded data or 1 Mi rows, whichever
** comes first: a 1M-row WHO-shaped CSV converts in about 50 MB. */

/* Compression codecs; the values are Parquet's CompressionCodec numbers. */
typedef enum tarn_parquet_codec {
    TARN_PARQUET_NONE = 0,
    TARN_PARQUET_SNAPPY = 1,
    TARN_PARQUET_GZIP = 2,
    TARN_PARQUET_ZSTD = 6
} tarn_parquet_codec;

/* One entry of the file's key-value metadata. */
typedef struct tarn_parquet_kv {
    const char *key;
    const char *value;     /* may be NULL: key without value */
} tarn_parquet_kv;

typedef struct tarn_parquet_write_options {
    tarn_parquet_codec codec;  /* default TARN_PARQUET_SNAPPY */
    int compression_level;     /* 0 = the codec's default (zstd 3, gzip 6) */
    int64_t row_group_bytes;   /* cut a row group once its encoded,
                                  uncompressed data reaches this; 128 MiB */
    int64_t row_group_rows;    /* ... or once it has this many rows; 1 Mi */
    int64_t page_bytes;        /* data page target size, uncompressed; 1 MiB */
    int64_t page_rows;         /* most rows in one data page; 128 Ki */
    bool dictionary;           /* try dictionary encoding; default true */
    int64_t dictionary_bytes;  /* largest dictionary per column chunk; past
                                  it the chunk goes on in PLAIN; 1 MiB */
    int data_page_version;     /* 1 (default) or 2 */
    const bool *required;      /* NULL (all OPTIONAL), or one flag per
                                  schema column: true = REQUIRED, the column
                                  has no nulls (a null is then an error) */
    const tarn_parquet_kv *kv; /* key-value metadata, copied at open */
    int nkv;
    int nthreads;              /* threads encoding columns in parallel;
                                  0 = one per CPU (at most 4), 1 = none */
    bool background;           /* encode each batch on a background thread
                                  while the caller makes the next one:
                                  write() copies the batch and returns, and
                                  a failure in encoding it is reported by
                                  the next write() or by close(); default
                                  true */
} tarn_parquet_write_options;

/* Fill o with the defaults above. */
void tarn_parquet_write_options_init(tarn_parquet_write_options *o);
/* "snappy", "zstd", "gzip", "none" / "uncompressed" (any case) -> *out.
** TARN_ERR_INVALID with the accepted names otherwise. */
int tarn_parquet_codec_parse(const char *name, tarn_parquet_codec *out, tarn_error *err);

typedef struct tarn_parquet_writer tarn_parquet_writer;

/* What a finished file holds. */
typedef struct tarn_parquet_write_info {
    int64_t rows;
    int64_t row_groups;
    int64_t file_bytes;
} tarn_parquet_write_info;

/* Start writing schema s to path (a local file; its directory must exist;
** an existing file is replaced on close). The schema and options are
** copied. Returns TARN_OK with *out set, or TARN_ERR_INVALID (bad option,
** empty or duplicate column names), TARN_ERR_UNSUPPORTED (codec) or
** TARN_ERR_IO / TARN_ERR_NOTFOUND (cannot create the temporary file). */
int tarn_parquet_writer_open(tarn_parquet_writer **out, const char *path,
                             const tarn_schema *s,
                             const tarn_parquet_write_options *o, tarn_error *err);
/* Append the rows of b, whose columns must match the schema (same count,
** types, precision and scale); b is not used after the call returns.
** Returns TARN_OK, or an error after which the writer only accepts abort
** (or a close, which then fails): TARN_ERR_INVALID (schema mismatch, a
** null in a REQUIRED column, a decimal outside its precision),
** TARN_ERR_LIMIT (a value over Parquet's 2 GiB page limit), TARN_ERR_IO.
** With options.background an encoding failure of b may instead come from
** the next write() or from close(). */
int tarn_parquet_writer_write(tarn_parquet_writer *w, const tarn_batch *b, tarn_error *err);
/* Finish the file (last row group, footer), fsync it and rename it to the
** destination. Always frees w. On failure the temporary file is removed
** and the destination left as it was. info may be NULL. */
int tarn_parquet_writer_close(tarn_parquet_writer *w, tarn_parquet_write_info *info,
                              tarn_error *err);
/* Give up: remove the temporary file and free w. NULL is allowed. */
void tarn_parquet_writer_abort(tarn_parquet_writer *w);

/* ---- Parquet file metadata, for inspect and the query engine (parquet_meta.c) ---- */

/* A Parquet file's footer, decoded: its schema, row groups and, per column
** chunk, physical and logical type, encodings, codec, sizes and typed
** statistics. tarn_parquet_meta_open() reads only the footer (no data
** pages). Everything it points to is owned by the tarn_pq_meta and lives
** until tarn_parquet_meta_close().
**
** Types: a Parquet leaf column reads as one tarn type (tarn_pq_leaf.type):
** BOOLEAN boolean; INT32 int (INT_8/16/32, UINT_8/16 too), date (DATE),
** decimal (DECIMAL), bigint (UINT_32); INT64 bigint, timestamp
** (TIMESTAMP millis/micros/nanos: microseconds, nanoseconds floored),
** decimal (DECIMAL), decimal(20,0) (UINT_64, so no value wraps negative);
** INT96 timestamp (Impala/Spark Julian day + nanoseconds); FLOAT, DOUBLE
** and FLOAT16 double; BYTE_ARRAY string (bytes as stored), decimal
** (DECIMAL); FIXED_LEN_BYTE_ARRAY decimal (DECIMAL), string in canonical
** form (UUID), double (FLOAT16), ISO-8601 duration text (INTERVAL), string
** as stored (STRING, ENUM, JSON), else string of lower-case hex digits. TIME (any unit) reads as string "HH:MM:SS[.ffffff]".
** A DECIMAL of precision above 38 reads as string (its exact decimal
** text). An unknown logical type reads as its physical type. A top-level
** field that is a group or repeated (lists, maps, structs) reads as one
** string column of JSON text, one value per row. */

/* Statistics of a column chunk or a page, typed as the leaf reads in tarn.
** min/max are given only when they are trustworthy: the writer's newer
** min_value/max_value fields, or the legacy min/max for types whose legacy
** order is signed (never for strings, decimals or unsigned integers); never
** with a NaN. Strings (and string-typed leaves) use min_str/max_str. */
typedef struct tarn_pq_stats {
    bool has_min, has_max;
    tarn_stat_value min, max;      /* fixed-width types */
    const char *min_str, *max_str; /* string types: bytes, not NUL-terminated */
    size_t min_len, max_len;
    bool min_exact, max_exact;     /* false when the writer truncated them */
    bool has_null_count, has_distinct_count;
    int64_t null_count, distinct_count;
} tarn_pq_stats;

/* A primitive (leaf) column of the Parquet schema. */
typedef struct tarn_pq_leaf {
    const char *path;     /* dotted path from the root ("a.list.element") */
    int field;            /* its top-level field's index in tarn_pq_meta.schema */
    int physical;         /* PQ physical type: 0 BOOLEAN .. 7 FIXED_LEN_BYTE_ARRAY */
    int type_length;      /* FIXED_LEN_BYTE_ARRAY width, else 0 */
    int repetition;       /* 0 required, 1 optional, 2 repeated */
    int max_def, max_rep; /* definition / repetition levels */
    int converted;        /* ConvertedType code, -1 if none */
    int logical;          /* LogicalType member id, 0 if none */
    int precision, scale; /* DECIMAL */
    const char *logical_name; /* "DECIMAL(10,2)", "TIMESTAMP(MICROS,UTC)", "" */
    tarn_type type;       /* the tarn type its values read as */
} tarn_pq_leaf;

/* One column chunk: one leaf within one row group. */
typedef struct tarn_pq_chunk {
    int codec;                  /* CompressionCodec code */
    uint32_t encodings;         /* bit (1u << code) per Encoding the writer lists */
    int64_t num_values;         /* values including NULLs */
    int64_t compressed_size, uncompressed_size;
    int64_t data_page_offset;
    int64_t dictionary_page_offset; /* -1 when there is none */
    tarn_pq_stats stats;
} tarn_pq_chunk;

typedef struct tarn_pq_row_group {
    int index;                  /* position in the file */
    int64_t rows;
    int64_t total_byte_size;    /* uncompressed, as the writer recorded it */
    int64_t compressed_size;    /* sum of its chunks' compressed sizes */
    const tarn_pq_chunk *chunks; /* one per leaf, in leaf order */
} tarn_pq_row_group;

typedef struct tarn_pq_kv {
    const char *key, *value;    /* NUL-terminated; value "" if absent */
} tarn_pq_kv;

typedef struct tarn_pq_meta {
    const char *path;
    int64_t file_size;
    int32_t version;
    const char *created_by;     /* "" if absent */
    int64_t rows;               /* sum of the row groups' rows */
    tarn_schema schema;         /* the top-level fields, as tarn reads them */
    int nleaves;
    const tarn_pq_leaf *leaves;
    int nrow_groups;
    const tarn_pq_row_group *row_groups;
    int nkv;
    const tarn_pq_kv *kv;       /* the file's key/value metadata */
    void *impl;                 /* private to the Parquet reader */
} tarn_pq_meta;

/* Read path's footer. On success *out is owned by the caller (free with
** tarn_parquet_meta_close). Fails with TARN_ERR_CORRUPT for a file that is
** not Parquet or whose footer is damaged, TARN_ERR_UNSUPPORTED for an
** encrypted file, TARN_ERR_NOTFOUND / TARN_ERR_IO from the file system. */
int tarn_parquet_meta_open(tarn_pq_meta **out, const char *path, tarn_error *err);
void tarn_parquet_meta_close(tarn_pq_meta *m);

/* Names of Parquet codes ("INT32", "SNAPPY", "RLE_DICTIONARY"); "?" for an
** unknown code. */
const char *tarn_parquet_type_name(int physical);
const char *tarn_parquet_codec_name(int codec);
const char *tarn_parquet_encoding_name(int encoding);

/* One page header of a column chunk. */
typedef struct tarn_pq_page {
    int type;                   /* 0 data, 1 index, 2 dictionary, 3 data v2 */
    int64_t offset;             /* of the page header in the file */
    int32_t header_size, compressed_size, uncompressed_size;
    int32_t num_values;
    int32_t num_nulls, num_rows; /* data page v2 only, else -1 */
    int encoding;
    bool has_crc;
    tarn_pq_stats stats;        /* the page's own statistics, if written */
} tarn_pq_page;

/* Walk the page headers of the chunk of leaf in row_group, without
** decoding any data. On success *pages (malloc'ed, caller frees) holds
** *npages entries; strings in their statistics live as long as m. It adds
** to m's memory, so calls on one m must not run on two threads at once. */
int tarn_parquet_pages(tarn_pq_meta *m, int row_group, int leaf, tarn_pq_page **pages,
                       int *npages, tarn_error *err);

/* The footer behind an open Parquet reader (NULL for other formats), and
** the row group (index into meta->row_groups) that split reads. */
const tarn_pq_meta *tarn_reader_parquet_meta(const tarn_reader *r);
int tarn_reader_parquet_row_group(const tarn_reader *r, int split);

/* ---- Whole-file conversion (convert.c) ---- */

typedef struct tarn_convert_options {
    tarn_read_options read;             /* how to read the source */
    tarn_format_kind to;                /* parquet (default), csv or jsonl */
    tarn_parquet_write_options parquet; /* when writing Parquet */
} tarn_convert_options;

typedef struct tarn_convert_result {
    tarn_format_kind from, to;
    int64_t rows;       /* rows written */
    int64_t bad_rows;   /* rows the reader skipped (reported to on_bad_row) */
    int64_t bytes_out;  /* size of the file written */
} tarn_convert_result;

void tarn_convert_options_init(tarn_convert_options *o);
/* "parquet", "csv", "jsonl"/"json"/"ndjson" -> kind; UNKNOWN otherwise. */
tarn_format_kind tarn_format_from_name(const char *name);
/* Read the local file src whole and write it to the local path dst in
** format o->to. dst appears atomically (its directory must exist); on
** failure it is left as it was. */
int tarn_file_convert(const char *src, const char *dst, const tarn_convert_options *o,
                      tarn_convert_result *res, tarn_error *err);

#endif
