/*
** table.h: tarn's in-memory data model: types, schemas and typed column
** batches in the Arrow layout (validity bitmap, fixed-width value vectors,
** offsets + bytes for strings). Readers fill batches, writers and the query
** engine consume them; nothing passes rows of strings.
**
** Memory: a batch owns its vectors. tarn_batch_reset() empties a batch but
** keeps its capacity, so a reader that refills one batch allocates nothing
** per row once the batch has grown to its working size.
*/
#ifndef TARN_TABLE_H
#define TARN_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/* Column types, named as Athena / the Glue catalog name them. */
typedef enum tarn_type_id {
    TARN_TYPE_BOOLEAN = 0, /* values: uint8_t, 0 or 1 (one byte each) */
    TARN_TYPE_INT,         /* values: int32_t */
    TARN_TYPE_BIGINT,      /* values: int64_t */
    TARN_TYPE_DOUBLE,      /* values: double */
    TARN_TYPE_DECIMAL,     /* values: __int128 unscaled, with precision/scale */
    TARN_TYPE_STRING,      /* offsets: int64_t[n+1] into data (UTF-8) */
    TARN_TYPE_DATE,        /* values: int32_t days since 1970-01-01 */
    TARN_TYPE_TIMESTAMP    /* values: int64_t microseconds since epoch, UTC */
} tarn_type_id;

#define TARN_TYPE_COUNT 8
#define TARN_DECIMAL_MAX_PRECISION 38

typedef struct tarn_type {
    tarn_type_id id;
    uint8_t precision; /* decimal only: 1..38 */
    uint8_t scale;     /* decimal only: 0..precision */
} tarn_type;

/* The Athena name of a type into buf ("bigint", "decimal(10,2)"). */
const char *tarn_type_name(tarn_type t, char *buf, size_t n);
/* Parse an Athena type name ("int", "integer", "varchar", "decimal(p,s)"...).
** Returns TARN_OK or TARN_ERR_INVALID with a message listing valid names. */
int tarn_type_parse(const char *s, tarn_type *out, tarn_error *err);
/* Bytes per value in the values vector (0 for strings). */
size_t tarn_type_width(tarn_type_id id);

typedef struct tarn_field {
    char *name; /* owned, UTF-8 */
    tarn_type type;
} tarn_field;

typedef struct tarn_schema {
    int ncols;
    tarn_field *fields; /* owned */
} tarn_schema;

void tarn_schema_init(tarn_schema *s);
void tarn_schema_free(tarn_schema *s);
/* Append a field (the name is copied). */
void tarn_schema_add(tarn_schema *s, const char *name, tarn_type type);
void tarn_schema_copy(tarn_schema *dst, const tarn_schema *src);
/* Index of the column named name, or -1. */
int tarn_schema_find(const tarn_schema *s, const char *name);

/* One column of a batch. For fixed-width types `values` holds `length`
** elements of the type's width; for strings `offsets` holds length+1
** int64_t offsets into `data`. `validity` is a bitmap (bit i set = row i is
** non-NULL, LSB first); NULL rows still occupy a slot (value zero, empty
** string). */
typedef struct tarn_column {
    tarn_type type;
    int64_t length;
    int64_t null_count;
    int64_t capacity;   /* rows allocated in values/offsets/validity */
    uint8_t *validity;  /* capacity/8+1 bytes */
    void *values;       /* fixed-width types */
    int64_t *offsets;   /* strings: capacity+1 */
    char *data;         /* strings: bytes */
    size_t data_len;
    size_t data_cap;
} tarn_column;

typedef struct tarn_batch {
    int ncols;
    int64_t nrows;
    tarn_column *cols;  /* ncols columns, each of nrows length when complete */
} tarn_batch;

/* Set up a batch for schema with room for capacity rows per column. */
void tarn_batch_init(tarn_batch *b, const tarn_schema *s, int64_t capacity);
/* Empty every column, keeping allocations. */
void tarn_batch_reset(tarn_batch *b);
void tarn_batch_free(tarn_batch *b);

void tarn_column_init(tarn_column *c, tarn_type type, int64_t capacity);
void tarn_column_free(tarn_column *c);
void tarn_column_reset(tarn_column *c);
/* Grow to hold at least rows rows (amortized doubling). */
void tarn_column_reserve(tarn_column *c, int64_t rows);

static inline bool tarn_column_is_valid(const tarn_column *c, int64_t i)
{
    return (c->validity[i >> 3] >> (i & 7)) & 1;
}

/* Appenders: each adds one row at the end. The caller reserves capacity
** first, or lets them grow the column (amortized, not per row). */
void tarn_column_append_null(tarn_column *c);
void tarn_column_append_bool(tarn_column *c, bool v);
void tarn_column_append_i32(tarn_column *c, int32_t v);
void tarn_column_append_i64(tarn_column *c, int64_t v);
void tarn_column_append_double(tarn_column *c, double v);
void tarn_column_append_i128(tarn_column *c, __int128 v);
void tarn_column_append_str(tarn_column *c, const char *s, size_t n);

/* The string at row i (not NUL-terminated); *n receives its length. */
static inline const char *tarn_column_str(const tarn_column *c, int64_t i,
                                          size_t *n)
{
    *n = (size_t)(c->offsets[i + 1] - c->offsets[i]);
    return c->data + c->offsets[i];
}

/* Format row i of c as text into buf (NULL -> empty string, returns 0).
** Dates as YYYY-MM-DD, timestamps as YYYY-MM-DD HH:MM:SS[.ffffff],
** doubles in shortest round-trip form, decimals with their scale. Returns
** the length written (truncated to n-1) or, for strings, copies up to n-1. */
size_t tarn_value_format(const tarn_column *c, int64_t i, char *buf, size_t n);

/* A double as the shortest text that reads back as the same value, in
** plain notation for ordinary magnitudes ("2000", "0.1", "1e+20"); NaN and
** infinities as "NaN", "Infinity", "-Infinity". Returns the length. */
size_t tarn_double_format(double v, char *buf, size_t n);

/* Calendar helpers shared by readers and writers. */
int32_t tarn_days_from_civil(int64_t y, unsigned m, unsigned d);
void tarn_civil_from_days(int32_t days, int *y, unsigned *m, unsigned *d);
bool tarn_date_valid(int64_t y, unsigned m, unsigned d);

/* ---- Column statistics (stats.c) -----------------------------------------
** Per-column count, NULL count, min, max and approximate distinct count
** (HyperLogLog) over any number of batches. Each thread keeps its own
** tarn_table_stats and tarn_stats_merge() combines them; the result does not
** depend on how rows were divided. Adding a batch allocates nothing except
** when a string column's min or max changes and outgrows its buffer.
**
** Ordering: numbers, dates and timestamps by value; booleans false < true;
** strings by unsigned bytes (so UTF-8 sorts by code point). Doubles: NaN is
** counted (nan_count, and in count) but left out of min and max; a column
** whose only values are NaN has min = max = NaN. -0.0 and 0.0 are one
** distinct value, as are all NaNs. */
typedef union tarn_stat_value {
    int64_t i;    /* boolean (0/1), int, bigint, date, timestamp */
    double d;     /* double */
    __int128 dec; /* decimal, unscaled */
} tarn_stat_value;

typedef struct tarn_column_stats {
    tarn_type type;
    int64_t count;       /* non-NULL values */
    int64_t null_count;
    int64_t nan_count;   /* doubles only */
    bool has_minmax;     /* a value (other than NaN) has been seen */
    tarn_stat_value min, max; /* fixed-width types, valid if has_minmax */
    char *min_str, *max_str;  /* strings: owned bytes, not NUL-terminated */
    size_t min_len, max_len, min_cap, max_cap;
    tarn_hll *hll;       /* owned; NULL for booleans (counted exactly) */
} tarn_column_stats;

typedef struct tarn_table_stats {
    int ncols;
    int64_t rows;
    tarn_column_stats *cols; /* owned, one per schema column */
} tarn_table_stats;

/* Empty statistics for the columns of schema s. Free with tarn_stats_free. */
void tarn_stats_init(tarn_table_stats *st, const tarn_schema *s);
void tarn_stats_free(tarn_table_stats *st);
/* Fold every row of b in. b's columns must have the types st was made for
** (same schema); a mismatch is a bug and is asserted. */
void tarn_stats_add(tarn_table_stats *st, const tarn_batch *b);
/* dst += src (same schema). src is unchanged. */
void tarn_stats_merge(tarn_table_stats *dst, const tarn_table_stats *src);
/* Approximate number of distinct non-NULL values (exact for booleans and
** never more than count). */
int64_t tarn_stats_distinct(const tarn_column_stats *cs);
/* The column's min (max if want_max) as text, formatted as
** tarn_value_format does, into buf; "" and 0 if the column has none.
** Returns the length written (at most n-1). */
size_t tarn_stats_format(const tarn_column_stats *cs, bool want_max, char *buf, size_t n);

/* Something that yields batches in independent parts (the splits of a
** file): open part i, take its batches, close it. Parts may be read on
** different threads at once. next returns 1 with rows, 0 at the end of the
** part, or a negative value with err filled. */
typedef struct tarn_batch_source {
    int nparts;
    void *ud;
    int (*open)(void *ud, int part, void **cursor, tarn_error *err);
    int (*next)(void *cursor, tarn_batch *b, tarn_error *err);
    void (*close)(void *cursor);
} tarn_batch_source;

/* Statistics over every batch of src, with up to nthreads threads (0 = one
** per CPU) each taking the next unread part and keeping its own statistics,
** merged at the end. On success *out is initialized (the caller frees it
** with tarn_stats_free); on failure returns the first error any thread met
** and leaves *out empty. */
int tarn_stats_collect(tarn_table_stats *out, const tarn_schema *s,
                       const tarn_batch_source *src, int nthreads, tarn_error *err);
/* ---- end column statistics ---- */

#endif
