/*
** text_writer.c: CSV and JSON-lines text of column batches: the formatting
** core (text_format.h), which writes rows into a memory buffer and is
** shared with the parallel output of text_parallel.c, and the sequential
** writer to a file descriptor on top of it (format.h, tarn_text_writer_*),
** for `file cat`, conversions and query results.
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
** Every value prints exactly as tarn_value_format (table/value_format.c)
** prints it, but faster, because this is the hot path of `file cat`:
** integers from a table of digit pairs, in halves of four and eight digits
** whose divisions do not wait on each other; dates through a small cache
** of recently formatted days (files are often sorted or clustered by date);
** doubles that are integral or have few decimals without printf, after a
** check that the short text reads back as the same double (see
** fmt_double_fast for why that text is then exactly printf's); strings
** scanned 16 (SSE2) or 8 bytes at a time for characters that need quoting
** or escaping, and copied whole. Nothing is allocated per row.
*/
#include "format/text_format.h"

#include "format/copy_inline.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Room every fixed-width value fits in once formatted (the widest is a
** decimal(38,38): sign, "0.", 38 digits). */
#define VALUE_MAX 80
/* The sequential writer writes its buffer out once it holds this much. */
#define FLUSH_AT (256 * 1024)

/* ---- output buffer ---- */

/* Make room for n more bytes after o in out (o points into out->data);
** returns where o now is. */
static char *out_grow(tarn_buf *out, char *o, size_t n)
{
    size_t len = (size_t)(o - out->data);
    size_t cap = out->cap * 2;
    while (cap < len + n + 1)
        cap *= 2;
    out->data = tarn_xrealloc(out->data, cap);
    out->cap = cap;
    return out->data + len;
}

/* Where appending to out starts (allocating a first buffer); *end
** receives the end of its room. */
static char *out_begin(tarn_buf *out, char **end)
{
    if (!out->data) {
        out->data = tarn_xmalloc(64 * 1024);
        out->cap = 64 * 1024;
        out->len = 0;
    }
    *end = out->data + out->cap;
    return out->data + out->len;
}

/* Ensure n bytes of room at o, with end the buffer's end. */
#define ROOM(n)                                                          \
    do {                                                                 \
        if ((size_t)(end - o) < (size_t)(n) + 1) {                       \
            o = out_grow(out, o, (size_t)(n));                           \
            end = out->data + out->cap;                                  \
        }                                                                \
    } while (0)

/* ---- numbers ---- */

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Write the n low digits of v ending at p (moving back), two at a time. */
static inline void put_digits(char *p, uint64_t v, int n)
{
    while (n >= 2) {
        p -= 2;
        memcpy(p, digit_pairs + (v % 100) * 2, 2);
        v /= 100;
        n -= 2;
    }
    if (n)
        *--p = (char)('0' + v % 10);
}

/* The helpers below cut a number in halves of four or eight digits, so the
** divisions of each half do not wait on one another. */

/* v < 100, as 1 or 2 digits at o; returns the end. */
static inline char *put_lt100(char *o, uint32_t v)
{
    if (v < 10) {
        *o = (char)('0' + v);
        return o + 1;
    }
    memcpy(o, digit_pairs + v * 2, 2);
    return o + 2;
}

/* v < 10^4, as 1 to 4 digits. */
static inline char *put_lt1e4(char *o, uint32_t v)
{
    if (v < 100)
        return put_lt100(o, v);
    o = put_lt100(o, v / 100);
    memcpy(o, digit_pairs + (v % 100) * 2, 2);
    return o + 2;
}

/* v < 10^4, as exactly 4 digits. */
static inline char *put4(char *o, uint32_t v)
{
    memcpy(o, digit_pairs + (v / 100) * 2, 2);
    memcpy(o + 2, digit_pairs + (v % 100) * 2, 2);
    return o + 4;
}

/* v < 10^8, as 1 to 8 digits. */
static inline char *put_lt1e8(char *o, uint32_t v)
{
    if (v < 10000)
        return put_lt1e4(o, v);
    o = put_lt1e4(o, v / 10000);
    return put4(o, v % 10000);
}

/* v < 10^8, as exactly 8 digits. */
static inline char *put8(char *o, uint32_t v)
{
    o = put4(o, v / 10000);
    return put4(o, v % 10000);
}

/* Decimal digits of v at o; returns the end. */
static inline char *put_u64(char *o, uint64_t v)
{
    if (v < 100000000)
        return put_lt1e8(o, (uint32_t)v);
    if (v < 10000000000000000ULL) {
        o = put_lt1e8(o, (uint32_t)(v / 100000000));
        return put8(o, (uint32_t)(v % 100000000));
    }
    o = put_lt1e4(o, (uint32_t)(v / 10000000000000000ULL));
    v %= 10000000000000000ULL;
    o = put8(o, (uint32_t)(v / 100000000));
    return put8(o, (uint32_t)(v % 100000000));
}

static inline char *put_i64(char *o, int64_t v)
{
    if (v < 0) {
        *o++ = '-';
        return put_u64(o, (uint64_t)0 - (uint64_t)v);
    }
    return put_u64(o, (uint64_t)v);
}

/* v (< 10^width) zero-padded to width digits. */
static inline char *put_pad(char *o, uint64_t v, int width)
{
    put_digits(o + width, v, width);
    return o + width;
}

/* Powers of ten that are exact doubles and exact uint64s. */
static const double pow10_d[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
static const uint64_t pow10_u[] = {1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL,
                                   1000000ULL, 10000000ULL, 100000000ULL, 1000000000ULL,
                                   10000000000ULL, 100000000000ULL, 1000000000000ULL,
                                   10000000000000ULL, 100000000000000ULL,
                                   1000000000000000ULL, 10000000000000000ULL,
                                   100000000000000000ULL, 1000000000000000000ULL};

/* The text tarn_double_format gives v, without printf, for the common
** doubles: zero, and 1e-4 <= |v| < 1e15 with at most 8 decimals and 15
** significant digits. Returns its length at o, or 0 for any other v (the
** caller then uses tarn_double_format).
**
** Why the text is the same: tarn_double_format prints "%.15g", the 15-digit
** decimal nearest v, when that reads back as v. Here m / 10^k is tried for
** k = 0..8 (m = v * 10^k rounded, below 10^15): m and 10^k are exact
** doubles, so m / 10^k is the correctly rounded quotient, which is what
** strtod makes of the text "m * 10^-k"; when it equals v, that text has at
** most 15 significant digits and lies within half an ulp of v, and 15-digit
** decimals near v are more than an ulp apart, so it is the nearest one:
** %.15g's digits. In this range %.15g uses plain notation, and its
** trailing zeros are stripped here as %g strips them. */
static size_t fmt_double_fast(char *o, double v)
{
    double a = fabs(v);
    char *p = o;
    if (a == 0.0) {
        if (signbit(v))
            *p++ = '-';
        *p++ = '0';
        return (size_t)(p - o);
    }
    if (!(a >= 1e-4 && a < 1e15))
        return 0; /* also NaN */
    for (int k = 0; k <= 8; k++) {
        double t = a * pow10_d[k];
        if (t >= 1e15)
            return 0;
        double m = (double)(uint64_t)(t + 0.5);
        if (m / pow10_d[k] != a)
            continue;
        uint64_t u = (uint64_t)m;
        while (k > 0 && u % 10 == 0) {
            u /= 10;
            k--;
        }
        if (v < 0)
            *p++ = '-';
        p = put_u64(p, u / pow10_u[k]);
        if (k) {
            *p++ = '.';
            p = put_pad(p, u % pow10_u[k], k);
        }
        return (size_t)(p - o);
    }
    return 0;
}

/* A decimal's text as tarn_value_format gives it ("-0.05", "12.30"):
** 64-bit arithmetic when the unscaled value fits, else the general code. */
static size_t fmt_decimal(char *o, const tarn_column *c, int64_t i)
{
    __int128 v = ((const __int128 *)c->values)[i];
    unsigned scale = c->type.scale;
    if (v > INT64_MAX || v < -INT64_MAX || scale > 18)
        return tarn_value_format(c, i, o, VALUE_MAX);
    char *p = o;
    uint64_t u = (uint64_t)(v < 0 ? -v : v);
    if (v < 0)
        *p++ = '-';
    p = put_u64(p, u / pow10_u[scale]);
    if (scale) {
        *p++ = '.';
        p = put_pad(p, u % pow10_u[scale], (int)scale);
    }
    return (size_t)(p - o);
}

/* ---- dates and timestamps ---- */

/* Recently formatted days: a direct-mapped cache, one per formatting call,
** shared by the date and timestamp columns. Only four-digit years are
** cached. */
#define DAY_CACHE 256

typedef struct day_cache {
    int32_t day[DAY_CACHE];
    char text[DAY_CACHE][10];
} day_cache;

static void day_cache_init(day_cache *dc)
{
    for (int h = 0; h < DAY_CACHE; h++)
        dc->day[h] = h + 1; /* belongs to slot h + 1: never found in slot h */
}

/* YYYY-MM-DD at o; years outside 0..9999 as tarn_value_format prints
** them. Returns the length. */
static size_t fmt_date(char *o, int32_t days, day_cache *dc)
{
    unsigned h = (unsigned)days & (DAY_CACHE - 1);
    if (dc->day[h] == days) {
        memcpy(o, dc->text[h], 10);
        return 10;
    }
    int y;
    unsigned m, d;
    tarn_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return (size_t)snprintf(o, VALUE_MAX, "%04d-%02u-%02u", y, m, d);
    put_pad(o, (unsigned)y, 4);
    o[4] = '-';
    put_pad(o + 5, m, 2);
    o[7] = '-';
    put_pad(o + 8, d, 2);
    dc->day[h] = days;
    memcpy(dc->text[h], o, 10);
    return 10;
}

/* YYYY-MM-DD HH:MM:SS[.ffffff] of microseconds since the epoch. */
static size_t fmt_timestamp(char *o, int64_t us, day_cache *dc)
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
    size_t n = fmt_date(o, (int32_t)days, dc);
    char *p = o + n;
    *p++ = ' ';
    p = put_pad(p, (uint64_t)(sod / 3600), 2);
    *p++ = ':';
    p = put_pad(p, (uint64_t)(sod / 60 % 60), 2);
    *p++ = ':';
    p = put_pad(p, (uint64_t)(sod % 60), 2);
    if (frac) {
        *p++ = '.';
        p = put_pad(p, (uint64_t)frac, 6);
    }
    return (size_t)(p - o);
}

/* Format a non-string, non-NULL value at o (VALUE_MAX bytes of room). NaN
** and infinities come out as CSV text; the JSON caller handles them
** first. */
static size_t fmt_value(char *o, const tarn_column *c, int64_t i, day_cache *dc)
{
    switch (c->type.id) {
    case TARN_TYPE_BOOLEAN:
        if (((const uint8_t *)c->values)[i]) {
            memcpy(o, "true", 4);
            return 4;
        }
        memcpy(o, "false", 5);
        return 5;
    case TARN_TYPE_INT: return (size_t)(put_i64(o, ((const int32_t *)c->values)[i]) - o);
    case TARN_TYPE_BIGINT: return (size_t)(put_i64(o, ((const int64_t *)c->values)[i]) - o);
    case TARN_TYPE_DATE: return fmt_date(o, ((const int32_t *)c->values)[i], dc);
    case TARN_TYPE_TIMESTAMP: return fmt_timestamp(o, ((const int64_t *)c->values)[i], dc);
    case TARN_TYPE_DOUBLE: {
        double v = ((const double *)c->values)[i];
        size_t n = fmt_double_fast(o, v);
        return n ? n : tarn_double_format(v, o, VALUE_MAX);
    }
    case TARN_TYPE_DECIMAL: return fmt_decimal(o, c, i);
    default: return tarn_value_format(c, i, o, VALUE_MAX);
    }
}

/* Row i of string column c; "" when the column holds no bytes at all (its
** data buffer is then NULL, which memcmp and memcpy must not see). */
static inline const char *col_str(const tarn_column *c, int64_t i, size_t *n)
{
    *n = (size_t)(c->offsets[i + 1] - c->offsets[i]);
    return c->data ? c->data + c->offsets[i] : "";
}

/* ---- scanning eight bytes at a time ---- */

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Nonzero when some byte of w equals c (exact as a yes/no answer). */
static inline uint64_t has_byte(uint64_t w, unsigned char c)
{
    uint64_t x = w ^ (ONES * c);
    return (x - ONES) & ~x & HIGHS;
}

/* Nonzero when some byte of w is below c (c <= 128). */
static inline uint64_t has_less(uint64_t w, unsigned char c)
{
    return (w - ONES * c) & ~w & HIGHS;
}

/* Bytes that make a CSV field need quotes. */
static inline bool csv_special(unsigned char ch)
{
    return ch == ',' || ch == '"' || ch == '\n' || ch == '\r';
}

/* Nonzero when the 8 bytes in w hold a byte that makes a CSV field need
** quotes. */
static inline uint64_t csv_special_word(uint64_t w)
{
    return has_byte(w, ',') | has_byte(w, '"') | has_byte(w, '\n') | has_byte(w, '\r');
}

#ifdef __SSE2__
/* The same for 16 bytes at p. */
static inline bool csv_special_16(const char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(',')),
                                          _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))),
                             _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')),
                                          _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
    return _mm_movemask_epi8(m) != 0;
}
#endif

/* Does this field need quotes under RFC 4180 (plus edge spaces)? Blocks
** that overlap the last one cover the tail, so nothing past s + n is read. */
static inline bool csv_needs_quote(const char *s, size_t n)
{
    if (n == 0)
        return true; /* empty string, as opposed to NULL */
    if (s[0] == ' ' || s[n - 1] == ' ')
        return true;
    uint64_t w;
#ifdef __SSE2__
    if (n >= 16) {
        for (size_t i = 0; i + 16 < n; i += 16)
            if (csv_special_16(s + i))
                return true;
        return csv_special_16(s + n - 16);
    }
#endif
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&w, s + i, 8);
            if (csv_special_word(w))
                return true;
        }
        memcpy(&w, s + n - 8, 8);
        return csv_special_word(w) != 0;
    }
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, s, 4);
        memcpy(&hi, s + n - 4, 4);
        w = lo | (uint64_t)hi << 32;
        return csv_special_word(w) != 0;
    }
    for (size_t i = 0; i < n; i++)
        if (csv_special((unsigned char)s[i]))
            return true;
    return false;
}

/* Length of the leading run of s that JSON takes as is: printable ASCII
** other than '"' and '\\'. */
static size_t json_plain_run(const unsigned char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if ((w & HIGHS) | has_less(w, 0x20) | has_byte(w, '"') | has_byte(w, '\\'))
            break;
    }
    while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
        i++;
    return i;
}

/* ---- CSV ---- */

/* s as one CSV field at o (room for 2n + 2 bytes); returns the end. */
static inline char *csv_field(char *o, const char *s, size_t n)
{
    if (!csv_needs_quote(s, n))
        return tarn_copy_bytes(o, s, n);
    *o++ = '"';
    const char *end = s + n;
    while (s < end) {
        const char *q = memchr(s, '"', (size_t)(end - s));
        size_t run = q ? (size_t)(q - s) + 1 : (size_t)(end - s);
        memcpy(o, s, run);
        o += run;
        if (q)
            *o++ = '"'; /* the quote just copied, doubled */
        s += run;
    }
    *o++ = '"';
    return o;
}

/* CSV rows of b from `from` on; see tarn_text_fmt_rows. */
static int64_t csv_rows(const tarn_batch *b, int64_t from, tarn_buf *out, size_t stop_at)
{
    day_cache dc;
    day_cache_init(&dc);
    char *end, *o = out_begin(out, &end);
    int64_t r = from;
    while (r < b->nrows) {
        for (int j = 0; j < b->ncols; j++) {
            const tarn_column *c = &b->cols[j];
            ROOM(VALUE_MAX + 1);
            if (j)
                *o++ = ',';
            if (c->null_count && !tarn_column_is_valid(c, r))
                continue;
            if (c->type.id == TARN_TYPE_STRING) {
                size_t n;
                const char *s = col_str(c, r, &n);
                ROOM(2 * n + 2);
                o = csv_field(o, s, n);
            } else if (c->type.id == TARN_TYPE_INT) {
                o = put_i64(o, ((const int32_t *)c->values)[r]);
            } else {
                o += fmt_value(o, c, r, &dc);
            }
        }
        ROOM(1);
        *o++ = '\n';
        r++;
        if ((size_t)(o - out->data) >= stop_at)
            break;
    }
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return r;
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

/* The escape for byte ch (< 0x20, '"' or '\\') at o; returns its length. */
static size_t json_escape_byte(char *o, unsigned char ch)
{
    static const char hex[] = "0123456789abcdef";
    o[0] = '\\';
    switch (ch) {
    case '"': o[1] = '"'; return 2;
    case '\\': o[1] = '\\'; return 2;
    case '\n': o[1] = 'n'; return 2;
    case '\r': o[1] = 'r'; return 2;
    case '\t': o[1] = 't'; return 2;
    case '\b': o[1] = 'b'; return 2;
    case '\f': o[1] = 'f'; return 2;
    default:
        memcpy(o + 1, "u00", 3);
        o[4] = hex[ch >> 4];
        o[5] = hex[ch & 15];
        return 6;
    }
}

/* s as a JSON string literal at o (room for 6n + 2 bytes); returns the
** end. Runs of plain bytes are copied at once. */
static char *json_string(char *o, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    *o++ = '"';
    while (p < end) {
        size_t run = json_plain_run(p, (size_t)(end - p));
        o = tarn_copy_bytes(o, (const char *)p, run);
        p += run;
        if (p == end)
            break;
        size_t seq = *p >= 0x80 ? utf8_seq_len(p, end) : 0;
        if (seq) {
            memcpy(o, p, seq);
            o += seq;
            p += seq;
        } else if (*p >= 0x80) {
            memcpy(o, "\xEF\xBF\xBD", 3); /* U+FFFD */
            o += 3;
            p++;
        } else {
            o += json_escape_byte(o, *p++);
        }
    }
    *o++ = '"';
    return o;
}

/* One value of a JSON row at o (room for VALUE_MAX + 2); returns the end. */
static char *json_fixed(char *o, const tarn_column *c, int64_t r, day_cache *dc)
{
    tarn_type_id t = c->type.id;
    if (t == TARN_TYPE_DOUBLE && !isfinite(((const double *)c->values)[r])) {
        memcpy(o, "null", 4);
        return o + 4;
    }
    bool quoted = t == TARN_TYPE_DATE || t == TARN_TYPE_TIMESTAMP;
    if (quoted)
        *o++ = '"';
    o += fmt_value(o, c, r, dc);
    if (quoted)
        *o++ = '"';
    return o;
}

/* JSON lines of b from `from` on; see tarn_text_fmt_rows. */
static int64_t json_rows(const tarn_text_fmt *f, const tarn_batch *b, int64_t from, tarn_buf *out,
                         size_t stop_at)
{
    day_cache dc;
    day_cache_init(&dc);
    char *end, *o = out_begin(out, &end);
    int64_t r = from;
    while (r < b->nrows) {
        ROOM(1);
        *o++ = '{';
        for (int j = 0; j < b->ncols; j++) {
            const tarn_column *c = &b->cols[j];
            ROOM(f->key_len[j] + VALUE_MAX + 4);
            if (j)
                *o++ = ',';
            o = tarn_copy_bytes(o, f->keys[j], f->key_len[j]);
            if (c->null_count && !tarn_column_is_valid(c, r)) {
                memcpy(o, "null", 4);
                o += 4;
            } else if (c->type.id == TARN_TYPE_STRING) {
                size_t n;
                const char *s = col_str(c, r, &n);
                ROOM(6 * n + 2);
                o = json_string(o, s, n);
            } else if (c->type.id == TARN_TYPE_INT) {
                o = put_i64(o, ((const int32_t *)c->values)[r]);
            } else {
                o = json_fixed(o, c, r, &dc);
            }
        }
        ROOM(2);
        memcpy(o, "}\n", 2);
        o += 2;
        r++;
        if ((size_t)(o - out->data) >= stop_at)
            break;
    }
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return r;
}

/* ---- the shared formatter ---- */

int tarn_text_fmt_init(tarn_text_fmt *f, tarn_format_kind kind, const tarn_schema *s,
                       tarn_error *err)
{
    memset(f, 0, sizeof *f);
    if (kind != TARN_FORMAT_CSV && kind != TARN_FORMAT_JSONL)
        return tarn_error_set(err, TARN_ERR_UNSUPPORTED,
                              "text output as %s is not supported: use csv or jsonl",
                              tarn_format_name(kind));
    f->kind = kind;
    f->ncols = s->ncols;
    if (kind != TARN_FORMAT_JSONL)
        return TARN_OK;
    size_t ncols = (size_t)(s->ncols ? s->ncols : 1);
    f->keys = tarn_xcalloc(ncols, sizeof *f->keys);
    f->key_len = tarn_xcalloc(ncols, sizeof *f->key_len);
    for (int j = 0; j < s->ncols; j++) {
        const char *name = s->fields[j].name;
        size_t n = strlen(name);
        char *k = tarn_xmalloc(6 * n + 4);
        char *e = json_string(k, name, n);
        *e++ = ':';
        *e = '\0';
        f->keys[j] = k;
        f->key_len[j] = (size_t)(e - k);
    }
    return TARN_OK;
}

void tarn_text_fmt_free(tarn_text_fmt *f)
{
    for (int j = 0; f->keys && j < f->ncols; j++)
        free(f->keys[j]);
    free(f->keys);
    free(f->key_len);
    memset(f, 0, sizeof *f);
}

void tarn_text_fmt_header(const tarn_text_fmt *f, const tarn_schema *s, tarn_buf *out)
{
    if (f->kind != TARN_FORMAT_CSV)
        return;
    char *end, *o = out_begin(out, &end);
    for (int j = 0; j < s->ncols; j++) {
        const char *name = s->fields[j].name;
        size_t n = strlen(name);
        ROOM(2 * n + 3);
        if (j)
            *o++ = ',';
        o = csv_field(o, name, n);
    }
    ROOM(1);
    *o++ = '\n';
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
}

int64_t tarn_text_fmt_rows(const tarn_text_fmt *f, const tarn_batch *b, int64_t from,
                           tarn_buf *out, size_t stop_at)
{
    if (from >= b->nrows)
        return b->nrows;
    if (f->kind == TARN_FORMAT_CSV)
        return csv_rows(b, from, out, stop_at);
    return json_rows(f, b, from, out, stop_at);
}

/* ---- the sequential writer ---- */

struct tarn_text_writer {
    int fd;
    tarn_text_fmt fmt;
    tarn_buf out;
    int rc;          /* first write failure, sticky */
    tarn_error err;
};

/* Write the buffered bytes to the descriptor. */
static int out_flush(tarn_text_writer *w)
{
    size_t off = 0;
    while (off < w->out.len && !w->rc) {
        ssize_t n = write(w->fd, w->out.data + off, w->out.len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            w->rc = tarn_error_errno(&w->err, TARN_ERR_IO, errno, "cannot write output");
        else
            off += (size_t)n;
    }
    tarn_buf_reset(&w->out);
    return w->rc;
}

int tarn_text_writer_open(tarn_text_writer **out, int fd, tarn_format_kind k,
                          const tarn_schema *s, bool header, tarn_error *err)
{
    tarn_text_writer *w = tarn_xcalloc(1, sizeof *w);
    int rc = tarn_text_fmt_init(&w->fmt, k, s, err);
    if (rc) {
        tarn_text_fmt_free(&w->fmt);
        free(w);
        return rc;
    }
    w->fd = fd;
    tarn_buf_init(&w->out, 0);
    if (header)
        tarn_text_fmt_header(&w->fmt, s, &w->out);
    *out = w;
    return TARN_OK;
}

int tarn_text_writer_write(tarn_text_writer *w, const tarn_batch *b, tarn_error *err)
{
    if (b->ncols != w->fmt.ncols)
        return tarn_error_set(err, TARN_ERR_INTERNAL,
                              "text writer: batch has %d columns, schema has %d",
                              b->ncols, w->fmt.ncols);
    int64_t r = 0;
    while (r < b->nrows && !w->rc) {
        r = tarn_text_fmt_rows(&w->fmt, b, r, &w->out, FLUSH_AT);
        if (w->out.len >= FLUSH_AT)
            out_flush(w);
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
    tarn_text_fmt_free(&w->fmt);
    tarn_buf_free(&w->out);
    free(w);
    return rc;
}
