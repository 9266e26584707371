/*
** classify_csv.c: Glue's built-in CSV classifier over a text sample
** (crawl_int.h, crawl_classify_csv). It picks the delimiter, decides
** whether the first row is a header by Glue's rule, and types each column
** bigint, double, boolean or string, nothing else: a crawler's CSV table
** keeps dates as strings, unlike tarn's own CSV reader (format/infer.c),
** which is why this file does not use it. The sample is at most 1 MB, so
** the few passes over it (one per candidate delimiter, one to type) cost
** nothing next to reading it.
*/
#include "crawl/crawl_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEADER_FIELD_MAX 150  /* every header field but the last is shorter */
#define NAME_MAX_BYTES 255

static const char delimiters[] = {',', '|', '\t', ';', '\x01'};

/* One field of a record: bytes inside the quotes for a quoted field. */
typedef struct csv_field {
    const char *p;
    size_t len;
    bool quoted;
} csv_field;

/* A pass over the sample with one delimiter. */
typedef struct csv_cursor {
    const char *data, *end, *pos;
    char delim;
    bool truncated;  /* the file goes on past the sample */
} csv_cursor;

enum rec_status { REC_OK, REC_END, REC_PARTIAL };

/* Scan one field at *pp up to the delimiter or the end of the line. Sets
** *eol when the record ends after it and *open when a quote never closes. */
static const char *scan_field(const csv_cursor *c, const char *p, csv_field *f, bool *eol,
                              bool *open)
{
    *open = false;
    f->quoted = p < c->end && *p == '"';
    if (f->quoted) {
        const char *q = ++p;
        while (q < c->end && !(*q == '"' && !(q + 1 < c->end && q[1] == '"')))
            q += *q == '"' ? 2 : 1;
        if (q >= c->end) {
            *open = true;
            f->p = p;
            f->len = (size_t)(c->end - p);
            return c->end;
        }
        f->p = p;
        f->len = (size_t)(q - p);
        p = q + 1;
        while (p < c->end && *p != c->delim && *p != '\n' && *p != '\r')
            p++; /* stray text after the closing quote is dropped */
    } else {
        f->p = p;
        while (p < c->end && *p != c->delim && *p != '\n' && *p != '\r')
            p++;
        f->len = (size_t)(p - f->p);
    }
    *eol = p >= c->end || *p != c->delim;
    return p < c->end && *p == c->delim ? p + 1 : p;
}

/* Skip a line ending at p (\n, \r\n or \r). */
static const char *skip_eol(const csv_cursor *c, const char *p)
{
    if (p < c->end && *p == '\r')
        p++;
    else if (p < c->end && *p == '\n')
        return p + 1;
    if (p < c->end && *p == '\n' && p[-1] == '\r')
        p++;
    return p;
}

/* Scan the next non-blank record: up to maxf fields into f (f may be NULL),
** the field count into *nf. REC_END when the sample is used up; REC_PARTIAL
** for a last record the sample cut short (or whose quote never closes). */
static int next_record(csv_cursor *c, csv_field *f, size_t maxf, size_t *nf)
{
    while (c->pos < c->end && (*c->pos == '\n' || *c->pos == '\r'))
        c->pos++;
    if (c->pos >= c->end)
        return REC_END;
    const char *p = c->pos;
    size_t n = 0;
    bool eol = false, open = false;
    while (!eol) {
        csv_field tmp;
        p = scan_field(c, p, n < maxf && f ? &f[n] : &tmp, &eol, &open);
        n++;
        if (open)
            break;
    }
    bool cut = open || (p >= c->end && c->truncated);
    c->pos = skip_eol(c, p);
    *nf = n;
    return cut ? REC_PARTIAL : REC_OK;
}

/* What one delimiter makes of the sample. */
typedef struct csv_shape {
    size_t ncols;      /* the field count of the first record */
    size_t records;    /* complete records within the sampling limit */
    bool consistent;   /* every one of them has ncols fields */
} csv_shape;

/* Count fields per record with delimiter d over the sample. */
static csv_shape measure(const char *data, size_t n, bool truncated, char d)
{
    csv_cursor c = {data, data + n, data, d, truncated};
    csv_shape s = {0, 0, true};
    size_t nf;
    int st;
    while (s.records < TARN_CRAWL_SAMPLE_RECORDS &&
           (st = next_record(&c, NULL, 0, &nf)) == REC_OK) {
        if (s.records == 0)
            s.ncols = nf;
        else if (nf != s.ncols)
            s.consistent = false;
        s.records++;
    }
    return s;
}

/* The delimiter the sample is written with, or 0: consistent records of at
** least 2 fields, the most columns winning, then the order of the list. */
static char pick_delimiter(const char *data, size_t n, bool truncated)
{
    char best = 0;
    size_t best_cols = 0;
    for (size_t i = 0; i < sizeof delimiters; i++) {
        if (!memchr(data, delimiters[i], n))
            continue;
        csv_shape s = measure(data, n, truncated, delimiters[i]);
        if (s.consistent && s.records >= 2 && s.ncols >= 2 && s.ncols > best_cols) {
            best = delimiters[i];
            best_cols = s.ncols;
        }
    }
    return best;
}

/* Trim blanks around p[0..*n). */
static const char *trim(const char *p, size_t *n)
{
    while (*n && (*p == ' ' || *p == '\t')) {
        p++;
        (*n)--;
    }
    while (*n && (p[*n - 1] == ' ' || p[*n - 1] == '\t'))
        (*n)--;
    return p;
}

/* [+-]?digits, with *big set when it does not fit 64 bits. */
static bool is_integer_text(const char *p, size_t n, bool *big)
{
    size_t i = (n && (p[0] == '+' || p[0] == '-')) ? 1 : 0;
    if (i == n)
        return false;
    for (size_t j = i; j < n; j++)
        if (p[j] < '0' || p[j] > '9')
            return false;
    char buf[32];
    *big = n >= sizeof buf;
    if (!*big) {
        memcpy(buf, p, n);
        buf[n] = 0;
        errno = 0;
        (void)strtoll(buf, NULL, 10);
        *big = errno == ERANGE;
    }
    return true;
}

/* [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)? */
static bool is_double_text(const char *p, size_t n)
{
    size_t i = (n && (p[0] == '+' || p[0] == '-')) ? 1 : 0, digits = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9') {
        i++;
        digits++;
    }
    if (i < n && p[i] == '.')
        for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
            digits++;
    if (!digits)
        return false;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        size_t e = i;
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == e)
            return false;
    }
    return i == n;
}

unsigned crawl_value_kind(const char *p, size_t n)
{
    p = trim(p, &n);
    if (n == 0)
        return 0;
    if ((n == 4 && strncasecmp(p, "true", 4) == 0) || (n == 5 && strncasecmp(p, "false", 5) == 0))
        return CRAWL_K_BOOL;
    bool big = false;
    if (is_integer_text(p, n, &big))
        return big ? CRAWL_K_DOUBLE : CRAWL_K_BIGINT;
    return is_double_text(p, n) ? CRAWL_K_DOUBLE : CRAWL_K_STRING;
}

tarn_type crawl_kinds_type(unsigned k)
{
    tarn_type_id id = TARN_TYPE_STRING;
    unsigned num = CRAWL_K_INT | CRAWL_K_BIGINT | CRAWL_K_DOUBLE;
    if (k == 0 || (k & CRAWL_K_STRING) || ((k & CRAWL_K_BOOL) && (k & num)))
        id = TARN_TYPE_STRING;
    else if (k & CRAWL_K_BOOL)
        id = TARN_TYPE_BOOLEAN;
    else if (k & CRAWL_K_DOUBLE)
        id = TARN_TYPE_DOUBLE;
    else if (k & CRAWL_K_BIGINT)
        id = TARN_TYPE_BIGINT;
    else
        id = TARN_TYPE_INT;
    return (tarn_type){.id = id};
}

/* A header field is a name Glue accepts: not empty, at most 255 bytes, no
** control characters. */
static bool valid_name(const char *p, size_t n)
{
    if (n == 0 || n > NAME_MAX_BYTES)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
            return false;
    return true;
}

/* A header name's text: trimmed, doubled quotes collapsed. Caller frees. */
static char *field_text(const csv_field *f, size_t *len)
{
    size_t n = f->len;
    const char *p = trim(f->p, &n);
    char *s = tarn_xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        s[k++] = p[i];
        if (f->quoted && p[i] == '"' && i + 1 < n && p[i + 1] == '"')
            i++;
    }
    s[k] = 0;
    *len = k;
    return s;
}

/* What the typing pass gathers. */
typedef struct csv_typing {
    size_t ncols;
    csv_field *first;    /* the first record's fields */
    unsigned *kinds;     /* per column: kinds of the later records */
    unsigned *first_kind;
    size_t data_records; /* records after the first */
    size_t data_bytes;   /* bytes they span */
    size_t all_bytes;    /* bytes every record spans, the first included */
    bool any_typed;      /* a later record has a non-string field */
    bool quoted;
} csv_typing;

/* Walk the sample with delimiter d, gathering kinds per column. */
static void type_columns(const char *data, size_t n, bool truncated, char d, csv_typing *t)
{
    csv_cursor c = {data, data + n, data, d, truncated};
    csv_field *f = tarn_xcalloc(t->ncols, sizeof *f);
    size_t nf, records = 0;
    const char *data_start = NULL, *first_start = NULL;
    while (records < TARN_CRAWL_SAMPLE_RECORDS) {
        csv_field *dst = records == 0 ? t->first : f;
        if (next_record(&c, dst, t->ncols, &nf) != REC_OK)
            break;
        records++;
        for (size_t i = 0; i < t->ncols; i++) {
            unsigned k = crawl_value_kind(dst[i].p, dst[i].len);
            t->quoted |= dst[i].quoted;
            if (records == 1) {
                t->first_kind[i] = k;
                continue;
            }
            t->kinds[i] |= k;
            t->any_typed |= k && k != CRAWL_K_STRING;
        }
        if (records == 1) {
            data_start = c.pos;
            first_start = dst[0].p - (dst[0].quoted ? 1 : 0);
        } else {
            t->data_records++;
        }
    }
    if (data_start) {
        t->data_bytes = (size_t)(c.pos - data_start);
        t->all_bytes = (size_t)(c.pos - first_start);
    }
    free(f);
}

/* Glue's header rule over the first record. */
static bool is_header(const csv_typing *t)
{
    if (!t->any_typed)
        return false;
    for (size_t i = 0; i < t->ncols; i++) {
        size_t n = t->first[i].len;
        const char *p = trim(t->first[i].p, &n);
        if (t->first_kind[i] != CRAWL_K_STRING || !valid_name(p, n))
            return false;
        if (i + 1 < t->ncols && n >= HEADER_FIELD_MAX)
            return false;
    }
    return true;
}

/* Build out's schema and counts from a finished typing pass. */
static void fill_class(const csv_typing *t, bool header, char d, bool truncated,
                       tarn_crawl_class *out)
{
    crawl_name_map map;
    crawl_name_map_init(&map);
    for (size_t i = 0; i < t->ncols; i++) {
        unsigned k = header ? t->kinds[i] : t->kinds[i] | t->first_kind[i];
        tarn_type ty = crawl_kinds_type(k);
        if (header) {
            size_t len;
            char *name = field_text(&t->first[i], &len);
            crawl_schema_add_unique(&out->schema, &map, name, len, ty);
            free(name);
        } else {
            char nm[32];
            int len = snprintf(nm, sizeof nm, "col%zu", i);
            crawl_schema_add_unique(&out->schema, &map, nm, (size_t)len, ty);
        }
    }
    crawl_name_map_free(&map);
    out->format = TARN_CRAWL_CSV;
    out->delimiter = d;
    out->header = header;
    out->quoted = t->quoted;
    size_t recs = t->data_records + (header ? 0 : 1);
    size_t bytes = header ? t->data_bytes : t->all_bytes;
    out->records = (int64_t)recs;
    out->avg_record_size = recs ? (int64_t)((bytes + recs / 2) / recs) : 0;
    if (out->avg_record_size < 1)
        out->avg_record_size = 1;
    out->records_exact = !truncated;
}

bool crawl_classify_csv(const char *data, size_t n, bool truncated, tarn_crawl_class *out)
{
    char d = pick_delimiter(data, n, truncated);
    if (!d) {
        snprintf(out->reason, sizeof out->reason, "not CSV: no delimiter among , | tab ; "
                 "\\u0001 gives 2 or more columns on every one of 2 or more records");
        return false;
    }
    csv_shape s = measure(data, n, truncated, d);
    if (s.ncols > TARN_CRAWL_MAX_COLUMNS) {
        snprintf(out->reason, sizeof out->reason, "CSV with %zu columns (more than %d)",
                 s.ncols, TARN_CRAWL_MAX_COLUMNS);
        return false;
    }
    csv_typing t = {.ncols = s.ncols};
    t.first = tarn_xcalloc(s.ncols, sizeof *t.first);
    t.kinds = tarn_xcalloc(s.ncols, sizeof *t.kinds);
    t.first_kind = tarn_xcalloc(s.ncols, sizeof *t.first_kind);
    type_columns(data, n, truncated, d, &t);
    bool header = is_header(&t);
    size_t data_rows = t.data_records + (header ? 0 : 1);
    bool ok = data_rows >= 2;
    if (ok)
        fill_class(&t, header, d, truncated || s.records >= TARN_CRAWL_SAMPLE_RECORDS, out);
    else
        snprintf(out->reason, sizeof out->reason, "not CSV: %zu data row%s (Glue needs 2)",
                 data_rows, data_rows == 1 ? "" : "s");
    free(t.first);
    free(t.kinds);
    free(t.first_kind);
    return ok;
}
