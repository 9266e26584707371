/*
** text_writer.c: CSV and JSON-lines output of column batches to a file
** descriptor (format.h, tarn_text_writer_*), for `file cat`, conversions
** and query results.
**
** CSV follows RFC 4180: a field is quoted when it holds the delimiter, a
** quote, CR or LF, or has leading or trailing spaces, with inner quotes
** doubled; an empty string is written as "" so it stays distinct from
** NULL, which is an empty field. Records end with LF (not RFC 4180's CRLF:
** what the Unix tools and DuckDB, Athena and Spark readers expect).
**
** JSON lines: one object per row with every column as a key in schema order;
** NULL is null; booleans true/false; int, bigint, decimal and finite
** doubles are JSON numbers; NaN and infinities, which JSON cannot express,
** are null; dates "YYYY-MM-DD"; timestamps "YYYY-MM-DD HH:MM:SS[.ffffff]";
** strings escaped per RFC 8259 with invalid UTF-8 bytes replaced by U+FFFD,
** so the output is always valid JSON.
**
** Values are formatted straight into one 64 KiB output buffer (no per-row
** allocation, no stdio); doubles print in the shortest form that reads back
** as the same value, as tarn_value_format (table/value_format.c) does,
** which also formats decimals here.
*/
#include "format/format.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUT_CAP (64 * 1024)
/* Room every fixed-width value fits in once formatted. */
#define VALUE_MAX 80

struct tarn_text_writer {
    int fd;
    tarn_format_kind kind;
    int ncols;
    char **keys;     /* JSON: "\"name\":" per column, escaped */
    size_t *key_len;
    char *out;
    size_t len;
    tarn_buf *spill; /* if set, flushes go here instead of to fd */
    int rc;          /* first write failure, sticky */
    tarn_error err;
};

/* Write the buffered bytes to the descriptor (or the spill buffer). */
static int out_flush(tarn_text_writer *w)
{
    if (w->spill && !w->rc && tarn_buf_append(w->spill, w->out, w->len))
        w->rc = tarn_error_set(&w->err, TARN_ERR_LIMIT, "text writer: column name too long");
    if (w->spill)
        w->len = 0;
    size_t off = 0;
    while (off < w->len && !w->rc) {
        ssize_t n = write(w->fd, w->out + off, w->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            w->rc = tarn_error_errno(&w->err, TARN_ERR_IO, errno, "cannot write output");
        else
            off += (size_t)n;
    }
    w->len = 0;
    return w->rc;
}

/* Make room for n bytes (n <= OUT_CAP) in the buffer. */
static inline void out_room(tarn_text_writer *w, size_t n)
{
    if (w->len + n > OUT_CAP)
        out_flush(w);
}

static inline void out_byte(tarn_text_writer *w, char c)
{
    out_room(w, 1);
    w->out[w->len++] = c;
}

/* Append n bytes of any length. */
static void out_bytes(tarn_text_writer *w, const char *p, size_t n)
{
    while (n) {
        if (w->len == OUT_CAP)
            out_flush(w);
        size_t k = OUT_CAP - w->len;
        if (k > n)
            k = n;
        memcpy(w->out + w->len, p, k);
        w->len += k;
        p += k;
        n -= k;
    }
}

/* Decimal digits of v at dst; returns the length. */
static size_t fmt_i64(char *dst, int64_t v)
{
    char tmp[24];
    int pos = (int)sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--pos] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--pos] = '-';
    size_t n = sizeof tmp - (size_t)pos;
    memcpy(dst, tmp + pos, n);
    return n;
}

/* Zero-padded width-digit number (v >= 0). */
static inline void fmt_pad(char *dst, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        dst[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* YYYY-MM-DD; years outside 0..9999 fall back to printf. */
static size_t fmt_date(char *dst, int32_t days)
{
    int y;
    unsigned m, d;
    tarn_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return (size_t)snprintf(dst, VALUE_MAX, "%04d-%02u-%02u", y, m, d);
    fmt_pad(dst, (unsigned)y, 4);
    dst[4] = '-';
    fmt_pad(dst + 5, m, 2);
    dst[7] = '-';
    fmt_pad(dst + 8, d, 2);
    return 10;
}

/* YYYY-MM-DD HH:MM:SS[.ffffff] of microseconds since the epoch. */
static size_t fmt_timestamp(char *dst, int64_t us)
{
    int64_t secs = us / 1000000, frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        secs--;
    }
    int64_t days = secs / 86400, sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        days--;
    }
    size_t n = fmt_date(dst, (int32_t)days);
    dst[n] = ' ';
    fmt_pad(dst + n + 1, (unsigned)(sod / 3600), 2);
    dst[n + 3] = ':';
    fmt_pad(dst + n + 4, (unsigned)(sod / 60 % 60), 2);
    dst[n + 6] = ':';
    fmt_pad(dst + n + 7, (unsigned)(sod % 60), 2);
    n += 9;
    if (frac) {
        dst[n] = '.';
        fmt_pad(dst + n + 1, (unsigned)frac, 6);
        n += 7;
    }
    return n;
}

/* Format a non-string, non-NULL value into dst (VALUE_MAX bytes). NaN and
** infinities come out as CSV text; the JSON caller handles them first. */
static size_t fmt_value(char *dst, const tarn_column *c, int64_t i)
{
    switch (c->type.id) {
    case TARN_TYPE_BOOLEAN:
        if (((const uint8_t *)c->values)[i]) {
            memcpy(dst, "true", 4);
            return 4;
        }
        memcpy(dst, "false", 5);
        return 5;
    case TARN_TYPE_INT: return fmt_i64(dst, ((const int32_t *)c->values)[i]);
    case TARN_TYPE_BIGINT: return fmt_i64(dst, ((const int64_t *)c->values)[i]);
    case TARN_TYPE_DATE: return fmt_date(dst, ((const int32_t *)c->values)[i]);
    case TARN_TYPE_TIMESTAMP: return fmt_timestamp(dst, ((const int64_t *)c->values)[i]);
    case TARN_TYPE_DOUBLE: {
        double v = ((const double *)c->values)[i];
        if (isfinite(v))
            return tarn_double_format(v, dst, VALUE_MAX);
        return tarn_value_format(c, i, dst, VALUE_MAX);
    }
    default: return tarn_value_format(c, i, dst, VALUE_MAX);
    }
}

/* Row i of string column c; "" when the column holds no bytes at all (its
** data buffer is then NULL, which memcmp and memcpy must not see). */
static inline const char *col_str(const tarn_column *c, int64_t i, size_t *n)
{
    *n = (size_t)(c->offsets[i + 1] - c->offsets[i]);
    return c->data ? c->data + c->offsets[i] : "";
}

/* ---- CSV ---- */

/* Does this field need quotes under RFC 4180 (plus edge spaces)? */
static bool csv_needs_quote(const char *s, size_t n)
{
    if (n == 0)
        return true; /* empty string, as opposed to NULL */
    if (s[0] == ' ' || s[n - 1] == ' ')
        return true;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == ',' || ch == '"' || ch == '\n' || ch == '\r')
            return true;
    }
    return false;
}

static void csv_field(tarn_text_writer *w, const char *s, size_t n)
{
    if (!csv_needs_quote(s, n)) {
        out_bytes(w, s, n);
        return;
    }
    out_byte(w, '"');
    const char *end = s + n;
    while (s < end) {
        const char *q = memchr(s, '"', (size_t)(end - s));
        size_t run = q ? (size_t)(q - s) + 1 : (size_t)(end - s);
        out_bytes(w, s, run);
        if (q)
            out_byte(w, '"'); /* the quote just copied, doubled */
        s += run;
    }
    out_byte(w, '"');
}

static void csv_row(tarn_text_writer *w, const tarn_batch *b, int64_t r)
{
    for (int j = 0; j < b->ncols; j++) {
        const tarn_column *c = &b->cols[j];
        if (j)
            out_byte(w, ',');
        if (!tarn_column_is_valid(c, r))
            continue;
        if (c->type.id == TARN_TYPE_STRING) {
            size_t n;
            const char *s = col_str(c, r, &n);
            csv_field(w, s, n);
        } else {
            out_room(w, VALUE_MAX);
            w->len += fmt_value(w->out + w->len, c, r);
        }
    }
    out_byte(w, '\n');
}

/* ---- JSON ---- */

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0. */
static size_t utf8_seq_len(const unsigned char *p, const unsigned char *end)
{
    size_t n;
    unsigned min;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        n = 2;
        min = 0x80;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        n = 3;
        min = 0x800;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        n = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    unsigned cp = p[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* The escape for byte ch (< 0x20, '"' or '\\') into dst; returns length. */
static size_t json_escape_byte(char *dst, unsigned char ch)
{
    static const char hex[] = "0123456789abcdef";
    dst[0] = '\\';
    switch (ch) {
    case '"': dst[1] = '"'; return 2;
    case '\\': dst[1] = '\\'; return 2;
    case '\n': dst[1] = 'n'; return 2;
    case '\r': dst[1] = 'r'; return 2;
    case '\t': dst[1] = 't'; return 2;
    case '\b': dst[1] = 'b'; return 2;
    case '\f': dst[1] = 'f'; return 2;
    default:
        memcpy(dst + 1, "u00", 3);
        dst[4] = hex[ch >> 4];
        dst[5] = hex[ch & 15];
        return 6;
    }
}

/* s as a JSON string literal. Runs of plain bytes are copied at once. */
static void json_string(tarn_text_writer *w, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
    out_byte(w, '"');
    while (p < end) {
        unsigned char ch = *p;
        if (ch >= 0x20 && ch != '"' && ch != '\\' && ch < 0x80) {
            p++;
            continue;
        }
        size_t seq = ch >= 0x80 ? utf8_seq_len(p, end) : 0;
        if (seq) {
            p += seq;
            continue;
        }
        out_bytes(w, (const char *)run, (size_t)(p - run));
        out_room(w, 6);
        if (ch >= 0x80) {
            memcpy(w->out + w->len, "\xEF\xBF\xBD", 3); /* U+FFFD */
            w->len += 3;
        } else {
            w->len += json_escape_byte(w->out + w->len, ch);
        }
        run = ++p;
    }
    out_bytes(w, (const char *)run, (size_t)(p - run));
    out_byte(w, '"');
}

static void json_value(tarn_text_writer *w, const tarn_column *c, int64_t r)
{
    if (!tarn_column_is_valid(c, r)) {
        out_bytes(w, "null", 4);
        return;
    }
    tarn_type_id t = c->type.id;
    if (t == TARN_TYPE_STRING) {
        size_t n;
        const char *s = col_str(c, r, &n);
        json_string(w, s, n);
        return;
    }
    if (t == TARN_TYPE_DOUBLE && !isfinite(((const double *)c->values)[r])) {
        out_bytes(w, "null", 4);
        return;
    }
    bool quoted = t == TARN_TYPE_DATE || t == TARN_TYPE_TIMESTAMP;
    out_room(w, VALUE_MAX + 2);
    if (quoted)
        w->out[w->len++] = '"';
    w->len += fmt_value(w->out + w->len, c, r);
    if (quoted)
        w->out[w->len++] = '"';
}

static void json_row(tarn_text_writer *w, const tarn_batch *b, int64_t r)
{
    out_byte(w, '{');
    for (int j = 0; j < b->ncols; j++) {
        if (j)
            out_byte(w, ',');
        out_bytes(w, w->keys[j], w->key_len[j]);
        json_value(w, &b->cols[j], r);
    }
    out_bytes(w, "}\n", 2);
}

/* ---- the writer ---- */

/* Pre-render each column's JSON key ("name":) with the string escaper,
** spilling into a buffer rather than the output. */
static void json_prepare_keys(tarn_text_writer *w, const tarn_schema *s)
{
    w->keys = tarn_xcalloc((size_t)(s->ncols ? s->ncols : 1), sizeof *w->keys);
    w->key_len = tarn_xcalloc((size_t)(s->ncols ? s->ncols : 1), sizeof *w->key_len);
    tarn_buf key;
    tarn_buf_init(&key, 0);
    w->spill = &key;
    for (int j = 0; j < s->ncols; j++) {
        const char *name = s->fields[j].name;
        json_string(w, name, strlen(name));
        out_byte(w, ':');
        out_flush(w);
        w->keys[j] = tarn_xstrndup(key.data ? key.data : "", key.len);
        w->key_len[j] = key.len;
        tarn_buf_reset(&key);
    }
    w->spill = NULL;
    tarn_buf_free(&key);
}

static void csv_header(tarn_text_writer *w, const tarn_schema *s)
{
    for (int j = 0; j < s->ncols; j++) {
        if (j)
            out_byte(w, ',');
        csv_field(w, s->fields[j].name, strlen(s->fields[j].name));
    }
    out_byte(w, '\n');
}

int tarn_text_writer_open(tarn_text_writer **out, int fd, tarn_format_kind k,
                          const tarn_schema *s, bool header, tarn_error *err)
{
    if (k != TARN_FORMAT_CSV && k != TARN_FORMAT_JSONL)
        return tarn_error_set(err, TARN_ERR_UNSUPPORTED,
                              "text output as %s is not supported: use csv or jsonl",
                              tarn_format_name(k));
    tarn_text_writer *w = tarn_xcalloc(1, sizeof *w);
    w->fd = fd;
    w->kind = k;
    w->ncols = s->ncols;
    w->out = tarn_xmalloc(OUT_CAP);
    if (k == TARN_FORMAT_JSONL)
        json_prepare_keys(w, s);
    else if (header)
        csv_header(w, s);
    *out = w;
    return TARN_OK;
}

int tarn_text_writer_write(tarn_text_writer *w, const tarn_batch *b, tarn_error *err)
{
    if (b->ncols != w->ncols)
        return tarn_error_set(err, TARN_ERR_INTERNAL,
                              "text writer: batch has %d columns, schema has %d",
                              b->ncols, w->ncols);
    for (int64_t r = 0; r < b->nrows && !w->rc; r++) {
        if (w->kind == TARN_FORMAT_CSV)
            csv_row(w, b, r);
        else
            json_row(w, b, r);
    }
    if (w->rc) {
        if (err)
            *err = w->err;
        return w->rc;
    }
    return TARN_OK;
}

int tarn_text_writer_close(tarn_text_writer *w, tarn_error *err)
{
    if (!w)
        return TARN_OK;
    int rc = out_flush(w);
    if (rc && err)
        *err = w->err;
    for (int j = 0; w->keys && j < w->ncols; j++)
        free(w->keys[j]);
    free(w->keys);
    free(w->key_len);
    free(w->out);
    free(w);
    return rc;
}
