/*
** dialect_int.h: what the dialect files of query/ share among themselves
** (dialect.c, functions*.c, errors.c); the rest of query/ uses only the
** dialect part of query_int.h.
**
**   tokens    a small SQL tokenizer that knows string literals, quoted
**             identifiers and comments (dialect.c; errors.c uses it to find
**             a name in the text when SQLite gives no offset).
**   time      dates and timestamps as query_int.h stores them (ISO text),
**             parsed to microseconds since 1970-01-01 UTC and back
**             (functions_date.c).
**   errors    how a function reports an Athena error through SQLite: the
**             message starts with the Athena code ("INVALID_CAST_ARGUMENT:
**             Cannot cast 'abc' to BIGINT") and errors.c passes it through.
*/
#ifndef TARN_QUERY_DIALECT_INT_H
#define TARN_QUERY_DIALECT_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "core/core.h"

/* ---- tokens ---------------------------------------------------------- */

enum tarn_qtok_kind {
    TARN_QTOK_SPACE,    /* white space */
    TARN_QTOK_COMMENT,  /* -- to the end of the line, or slash-star ... */
    TARN_QTOK_STRING,   /* '...' ('' inside), or unterminated to the end */
    TARN_QTOK_QIDENT,   /* "..." identifier ("" inside) */
    TARN_QTOK_BQIDENT,  /* `...` identifier (`` inside) */
    TARN_QTOK_IDENT,    /* a bare word: identifier or keyword */
    TARN_QTOK_NUMBER,   /* 12, 1.5, 1e3, .5 */
    TARN_QTOK_PUNCT     /* one operator or punctuation (two for <= >= <> != || ...) */
};

typedef struct tarn_qtok {
    int kind;           /* TARN_QTOK_* */
    size_t off, len;    /* bytes of the token in the text */
} tarn_qtok;

/* Split text[0..len) into tokens covering every byte, in order. Returns a
** malloc'd array (caller frees) and its count in *n; never fails on any
** input (unterminated quotes run to the end). */
tarn_qtok *tarn_qtok_split(const char *text, size_t len, size_t *n);

/* True if tok is a bare word equal to kw, ignoring ASCII case. */
bool tarn_qtok_is(const char *text, const tarn_qtok *tok, const char *kw);

/* The identifier a token names (bare word, "x" or `x`) written into out
** (unquoted, lower-cased when bare); false if tok is not an identifier
** or does not fit in cap bytes. */
bool tarn_qtok_ident(const char *text, const tarn_qtok *tok, char *out, size_t cap);

/* ---- time ------------------------------------------------------------ */

#define TARN_QTIME_US_PER_DAY 86400000000LL

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t tarn_qtime_days(int64_t y, int m, int d);
void tarn_qtime_civil(int64_t days, int64_t *y, int *m, int *d);
/* Days in month m (1-12) of year y. */
int tarn_qtime_month_days(int64_t y, int m);

/* Parse a date or timestamp as Trino's literals and casts accept it:
** "Y-M-D" (year 4 digits, month and day 1 or 2), then optionally a space
** or 'T', "H:M[:S[.fraction]]", optional spaces and a zone ("UTC", "Z",
** "+HH:MM", "-HHMM"), which is applied (the result is UTC). *us gets
** microseconds since the epoch (fraction digits past six are dropped);
** *has_time says whether a time part was present. False on anything else
** (out-of-range month, day, hour, ...). */
bool tarn_qtime_parse(const char *s, size_t n, int64_t *us, bool *has_time);

/* Write a date "YYYY-MM-DD" (out >= 16 bytes) or a timestamp
** "YYYY-MM-DD HH:MM:SS.ffffff" (out >= 40 bytes); returns the length. */
int tarn_qtime_format_date(int64_t days, char *out);
int tarn_qtime_format_ts(int64_t us, char *out);

/* Floor division for microseconds -> days and the like. */
static inline int64_t tarn_qtime_floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ---- registration (one per functions_*.c; functions.c calls them) ----- */

int tarn_qfunc_register_date(sqlite3 *db);
int tarn_qfunc_register_string(sqlite3 *db);
int tarn_qfunc_register_regexp(sqlite3 *db);
int tarn_qfunc_register_math(sqlite3 *db);
int tarn_qfunc_register_agg(sqlite3 *db);
int tarn_qfunc_register_cast(sqlite3 *db);
int tarn_qfunc_register_json(sqlite3 *db);
int tarn_qfunc_register_text(sqlite3 *db);

/* One scalar function of a table: name, argument count (-1 any), function,
** and a pointer handed to it as user data. */
typedef struct tarn_qfunc_def {
    const char *name;
    int nargs;
    void (*fn)(sqlite3_context *, int, sqlite3_value **);
    const void *data;
} tarn_qfunc_def;

/* Register n scalar functions (SQLITE_DETERMINISTIC unless volatile_),
** each also as "__tarn_try_<name>", the form TRY(...) calls: there
** tarn_qfunc_fail gives NULL instead of the error. Such functions read
** their data with tarn_qfunc_data, not sqlite3_user_data. */
int tarn_qfunc_register_table(sqlite3 *db, const tarn_qfunc_def *defs, size_t n, bool volatile_);
const void *tarn_qfunc_data(sqlite3_context *ctx);

/* Report an Athena error from a table-registered function: "CODE:
** message", or NULL as the result inside TRY. */
void tarn_qfunc_fail(sqlite3_context *ctx, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Report an Athena error from any other function (always an error). */
void tarn_qfunc_error(sqlite3_context *ctx, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Both of the above: NULL as the result when null_instead. */
void tarn_qfunc_verror(sqlite3_context *ctx, bool null_instead, const char *code, const char *fmt,
                       va_list ap);

/* The functions TRY(...) may call in their __tarn_try_ form (those of the
** tables above that can fail), NULL-terminated (dialect.c). */
extern const char *const tarn_qdialect_try_names[];

/* True if any of the argc arguments is SQL NULL. */
bool tarn_qfunc_any_null(int argc, sqlite3_value **argv);

/* The text of a value (NULL for SQL NULL); numbers are converted. */
const char *tarn_qfunc_text(sqlite3_value *v, int *n);

/* Read argument v as a date or timestamp (text per query_int.h). Returns
** 1 and fills *us / *has_time, 0 for NULL (the caller returns NULL), -1
** after reporting INVALID_FUNCTION_ARGUMENT naming fname. */
int tarn_qfunc_time_arg(sqlite3_context *ctx, sqlite3_value *v, const char *fname,
                        int64_t *us, bool *has_time);

#endif
