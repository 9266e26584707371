/*
** csv_sniff.c: CSV dialect and header detection (csv_internal.h).
**
** Dialect: every delimiter (, ; tab |) and quote (" ') not fixed by the
** options is tried on the first SNIFF_ROWS records (at most SNIFF_BYTES).
** For each delimiter, a quote character counts only if it quotes some
** field (one that never does is the same as no quoting); among those the
** one with the most records of the most common field count, less quoting
** errors, wins, and '"' when none quotes anything. Then the delimiter
** that gives more than one column wins, then the one with the most such
** records (less errors), then the one with more columns; ties keep the
** earlier candidate, so ',' wins when nothing tells them apart.
**
** Header: the first record is a header when a column whose later sampled
** values (opts.sample_rows) all have a type (int, date...) holds a first
** value of another kind ("Cases" above numbers). When no sampled column is
** typed, the file is all strings and the first record is a header unless
** one of its values is typed; this matches DuckDB, which treats the first
** row of an all-VARCHAR file as its header. Header names are trimmed of
** blanks; an empty one becomes column<i> and a repeated one gets _1, _2...
** Without a header the columns are column0, column1... zero-padded to the
** width of the last index (column00..column10), as DuckDB names them.
*/
#include "format/csv_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNIFF_ROWS 2000
#define SNIFF_BYTES (1u << 20)
#define DEFAULT_SAMPLE_ROWS 20480

/* How one candidate dialect reads the start of the file. */
typedef struct dialect_score {
    int delim, quote;
    int ncols;     /* most common field count */
    int good;      /* records with that count */
    int errors;    /* records with quoting errors */
    int64_t quoted; /* quoted fields */
} dialect_score;

static const char *detect_newline(const char *p, size_t n)
{
    size_t lim = n < SNIFF_BYTES ? n : SNIFF_BYTES;
    for (size_t i = 0; i < lim; i++) {
        if (p[i] == '\n')
            return "lf";
        if (p[i] == '\r')
            return i + 1 < n && p[i + 1] == '\n' ? "crlf" : "cr";
    }
    return "none";
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The most common value of counts[0..n) and how often it occurs; of
** equally common values, the one seen first (the header's, usually). */
static uint32_t modal_count(const uint32_t *counts, int n, int *freq)
{
    uint32_t *sorted = tarn_xmalloc(sizeof(uint32_t) * (size_t)(n ? n : 1));
    memcpy(sorted, counts, sizeof(uint32_t) * (size_t)n);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_u32);
    uint32_t best = 0;
    int best_n = 0, best_at = n;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && sorted[j] == sorted[i])
            j++;
        if (j - i >= best_n) {
            int at = 0;
            while (counts[at] != sorted[i])
                at++;
            if (j - i > best_n || at < best_at) {
                best = sorted[i];
                best_n = j - i;
                best_at = at;
            }
        }
        i = j;
    }
    free(sorted);
    *freq = best_n;
    return best;
}

static void score_dialect(const char *data, size_t len, int delim, int quote, dialect_score *sc)
{
    const char *end = data + (len < 2 * SNIFF_BYTES ? len : 2 * SNIFF_BYTES);
    csv_scanner s;
    csv_block b;
    csv_scanner_init(&s, data, end, 1, delim, quote, true);
    csv_block_init(&b, 0, SNIFF_ROWS, SNIFF_ROWS);
    int rows = 0, errors = 0;
    uint32_t *counts = tarn_xmalloc(sizeof(uint32_t) * SNIFF_ROWS);
    while (rows + errors < SNIFF_ROWS && s.p < end && s.p < data + SNIFF_BYTES) {
        b.cap = SNIFF_ROWS - rows - errors;
        b.bad_cap = b.cap;
        csv_scan_block(&s, &b, data + SNIFF_BYTES);
        memcpy(counts + rows, b.counts, sizeof(uint32_t) * (size_t)b.nrows);
        rows += b.nrows;
        errors += b.nbad;
    }
    memset(sc, 0, sizeof *sc);
    sc->delim = delim;
    sc->quote = quote;
    sc->errors = errors;
    sc->quoted = s.nquoted;
    if (rows > 0)
        sc->ncols = (int)modal_count(counts, rows, &sc->good);
    free(counts);
    csv_block_free(&b);
}

/* Is quote candidate a a better reading than b (same delimiter)? */
static bool better_quote(const dialect_score *a, const dialect_score *b)
{
    if ((a->quoted > 0) != (b->quoted > 0))
        return a->quoted > 0;
    if (a->good - a->errors != b->good - b->errors)
        return a->good - a->errors > b->good - b->errors;
    return a->quoted > b->quoted;
}

/* Is delimiter candidate a a better reading than b? */
static bool better_delim(const dialect_score *a, const dialect_score *b)
{
    if ((a->ncols > 1) != (b->ncols > 1))
        return a->ncols > 1;
    if (a->good - a->errors != b->good - b->errors)
        return a->good - a->errors > b->good - b->errors;
    return a->ncols > b->ncols;
}

static void sniff_dialect(const char *data, size_t len, const tarn_read_options *o,
                          dialect_score *best)
{
    static const int delims[] = {',', ';', '\t', '|'};
    static const int quotes[] = {'"', '\''};
    int nd = o->dialect.delimiter ? 1 : 4, nq = o->dialect.quote ? 1 : 2;
    bool have = false;
    memset(best, 0, sizeof *best);
    best->delim = ',';
    best->quote = '"';
    for (int i = 0; i < nd; i++) {
        int d = o->dialect.delimiter ? (unsigned char)o->dialect.delimiter : delims[i];
        dialect_score bq;
        bool have_q = false;
        for (int j = 0; j < nq; j++) {
            int q = quotes[j];
            if (o->dialect.quote)
                q = o->dialect.quote == '\x01' ? -1 : (unsigned char)o->dialect.quote;
            if (q == d)
                continue;
            dialect_score sc;
            score_dialect(data, len, d, q, &sc);
            if (!have_q || better_quote(&sc, &bq))
                bq = sc;
            have_q = true;
        }
        if (have_q && (!have || better_delim(&bq, best)))
            *best = bq;
        have |= have_q;
    }
}

/* Infer each column's type over the sample that follows the first record. */
static void sample_types(csv_scanner *s, int ncols, int64_t sample_rows, tarn_infer *inf)
{
    csv_block b;
    csv_block_init(&b, ncols, 1024, 0);
    for (int c = 0; c < ncols; c++)
        tarn_infer_init(&inf[c]);
    int64_t seen = 0;
    while (seen < sample_rows && s->p < s->end) {
        int64_t want = sample_rows - seen;
        b.cap = want < 1024 ? (int)want : 1024;
        csv_scan_block(s, &b, s->end);
        for (int c = 0; c < ncols; c++)
            tarn_infer_feed(&inf[c], b.fields + c, (size_t)ncols, (size_t)b.nrows);
        seen += b.nrows;
    }
    csv_block_free(&b);
}

/* The header rule (see the top of this file). first holds the first
** record's ncols fields; inf the types of the records after it. */
static bool looks_like_header(const tarn_text *first, int ncols, const tarn_infer *inf)
{
    bool typed_cols = false, typed_first = false;
    for (int c = 0; c < ncols; c++) {
        const tarn_text *v = &first[c];
        uint32_t cl = tarn_infer_classify(v->p, v->len);
        if (v->len && cl != 0 && !(v->flags & TARN_TEXT_ESCAPED))
            typed_first = true;
        tarn_textfmt f = tarn_infer_result(&inf[c]);
        if (f.type.id == TARN_TYPE_STRING)
            continue;
        typed_cols = true;
        if (v->len && !tarn_text_fits(&f, v->p, v->len))
            return true;
    }
    return !typed_cols && !typed_first;
}

/* Name of column i of n when it has none: column<i>, zero-padded. */
static char *default_name(int i, int n)
{
    int width = 1;
    for (int m = n - 1; m >= 10; m /= 10)
        width++;
    return tarn_xasprintf("column%0*d", width, i);
}

/* A set of names (not owned), each with the next suffix to try when it
** is repeated; open addressing, at most half full. */
typedef struct name_set {
    struct { const char *name; int next; } *slot;
    size_t mask;
} name_set;

static void name_set_init(name_set *s, int n)
{
    size_t cap = 16;
    while (cap < 2 * (size_t)n + 2)
        cap *= 2;
    s->slot = tarn_xcalloc(cap, sizeof *s->slot);
    s->mask = cap - 1;
}

/* The slot holding name, or the empty slot where it goes. */
static size_t name_set_find(const name_set *s, const char *name)
{
    size_t i = (size_t)tarn_hash64(name, strlen(name), 0) & s->mask;
    while (s->slot[i].name && strcmp(s->slot[i].name, name) != 0)
        i = (i + 1) & s->mask;
    return i;
}

/* name if unused, else name_1, name_2... (the first free); the result is
** added to the set and returned (owned by the caller; name is freed). */
static char *name_unique(name_set *s, char *name)
{
    size_t i = name_set_find(s, name);
    if (s->slot[i].name) {
        size_t base = i;
        char *try = NULL;
        for (int k = s->slot[base].next ? s->slot[base].next : 1;; k++) {
            free(try);
            try = tarn_xasprintf("%s_%d", name, k);
            i = name_set_find(s, try);
            if (!s->slot[i].name) {
                s->slot[base].next = k + 1;
                break;
            }
        }
        free(name);
        name = try;
    }
    s->slot[i].name = name;
    s->slot[i].next = 0;
    return name;
}

/* Column names from the header fields (or defaults when hdr is NULL). */
static void make_names(csv_sniffed *out, const tarn_text *hdr, int quote)
{
    tarn_buf scratch;
    tarn_buf_init(&scratch, 0);
    name_set set;
    name_set_init(&set, out->ncols);
    out->names = tarn_xcalloc((size_t)out->ncols, sizeof(char *));
    for (int i = 0; i < out->ncols; i++) {
        char *name = NULL;
        if (hdr) {
            size_t n;
            const char *p = csv_text_clean(&hdr[i], quote, true, &scratch, &n);
            if (!csv_utf8_valid(hdr[i].p, hdr[i].len))
                out->names_latin1 = true;
            while (n && (*p == ' ' || *p == '\t'))
                p++, n--;
            while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
                n--;
            if (n)
                name = tarn_xstrndup(p, n);
        }
        out->names[i] = name_unique(&set, name ? name : default_name(i, out->ncols));
    }
    free(set.slot);
    tarn_buf_free(&scratch);
}

/* Decide whether the first record (nf fields in first, scan status st) is
** the header; s is just past it. Fixes out->ncols when the header is given. */
static int decide_header(const tarn_read_options *o, const char *path, const tarn_text *first,
                         uint32_t nf, int st, int64_t line, const csv_scanner *s,
                         csv_sniffed *out, tarn_error *err)
{
    if (o->dialect.header == 0)
        return TARN_OK;
    if (o->dialect.header == 1) {
        if (st != CSV_ROW_OK)
            return tarn_error_set(err, TARN_ERR_CORRUPT,
                                  "'%s' line %lld: the header row has an unterminated or "
                                  "malformed quoted field", path, (long long)line);
        if (nf > CSV_MAX_COLUMNS)
            return tarn_error_set(err, TARN_ERR_LIMIT,
                                  "'%s': the header has %u columns; tarn reads at most %d",
                                  path, nf, CSV_MAX_COLUMNS);
        out->ncols = (int)nf;
        out->header = true;
        return TARN_OK;
    }
    if (st != CSV_ROW_OK || nf != (uint32_t)out->ncols)
        return TARN_OK;
    tarn_infer *inf = tarn_xcalloc((size_t)out->ncols, sizeof *inf);
    csv_scanner rest = *s;
    sample_types(&rest, out->ncols, o->sample_rows > 0 ? o->sample_rows : DEFAULT_SAMPLE_ROWS,
                 inf);
    out->header = looks_like_header(first, out->ncols, inf);
    free(inf);
    return TARN_OK;
}

/* Read the first record (after blank lines), decide whether it is the
** header, and name the columns. */
static int sniff_header(const char *data, size_t len, const tarn_read_options *o,
                        const char *path, csv_sniffed *out, tarn_error *err)
{
    csv_scanner s;
    csv_scanner_init(&s, data, data + len, 1, out->delim, out->quote, out->ncols > 1);
    while (s.p < s.end && (*s.p == '\n' || *s.p == '\r') && out->ncols > 1)
        s.p += (*s.p == '\r' && s.p + 1 < s.end && s.p[1] == '\n') ? 2 : 1, s.line++;
    const char *rec = s.p;
    int64_t line = s.line;
    uint32_t maxf = CSV_MAX_COLUMNS + 1, nf;
    tarn_text *first = tarn_xcalloc(maxf, sizeof(tarn_text));
    int st = csv_scan_record(&s, first, maxf, &nf);
    int rc = decide_header(o, path, first, nf, st, line, &s, out, err);
    if (rc == TARN_OK) {
        out->data = out->header ? s.p : rec;
        out->data_line = out->header ? s.line : line;
        make_names(out, out->header ? first : NULL, out->quote);
    }
    free(first);
    return rc;
}

int csv_sniff(const char *data, size_t len, const tarn_read_options *o, const char *path,
              csv_sniffed *out, tarn_error *err)
{
    memset(out, 0, sizeof *out);
    out->newline = detect_newline(data, len);
    dialect_score best;
    sniff_dialect(data, len, o, &best);
    out->delim = best.delim;
    out->quote = best.quote;
    out->ncols = best.ncols;
    out->data = data + len;
    out->data_line = 1;
    if (out->ncols > CSV_MAX_COLUMNS)
        return tarn_error_set(err, TARN_ERR_LIMIT,
                              "'%s': %d columns found; tarn reads at most %d", path, out->ncols,
                              CSV_MAX_COLUMNS);
    if (out->ncols == 0)
        return TARN_OK;
    return sniff_header(data, len, o, path, out, err);
}

void csv_sniffed_free(csv_sniffed *s)
{
    for (int i = 0; s->names && i < s->ncols; i++)
        free(s->names[i]);
    free(s->names);
    s->names = NULL;
}
