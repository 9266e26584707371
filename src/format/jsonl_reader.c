/*
** jsonl_reader.c: the JSON-lines reader (tarn_jsonl_ops, dispatched by
** reader.c): one JSON object per line, read into typed column batches.
**
** Columns are the keys of all lines in order of first appearance. A scalar
** value's type is inferred through infer.h: JSON numbers as int, bigint or
** double, true/false as boolean, strings that read as dates or timestamps
** as date/timestamp (other strings, even "5", stay strings), and a column
** whose lines disagree widens (int -> bigint -> double, date -> timestamp,
** anything else -> string, where numbers and booleans keep their JSON
** text). Arrays and objects are kept as compact JSON text in a string
** column. null and missing keys are NULL; with a key repeated in one
** object, the last value wins. Blank lines are skipped; a line that is not
** valid JSON or not an object goes to on_bad_row with its line number and
** the reason.
**
** open() cuts the file into splits at line starts every JL_SPLIT_BYTES
** and checks them on parallel threads, each keeping its own columns and
** inference; merging them in file order settles the columns, their order
** and types (so the schema is final, as format.h requires) and reports bad
** lines with their line numbers. Each cursor then parses its split again
** and converts values. Invalid UTF-8 is read as Latin-1 (format.h).
**
** Lines are parsed by the hand-written scanner below, not jansson:
** json_loadb builds a tree of allocated nodes per line, which the reader
** would then walk twice, while the scanner only records spans into the
** line (no allocation per row) and validates RFC 8259 syntax on the way.
** The input layer (input.c) maps the file and handles gzip and UTF-16.
*/
#include "format/format_internal.h"
#include "format/infer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define JL_SPLIT_BYTES (8u << 20) /* bytes per split (parallel scans) */
#define JL_MAX_COLUMNS 16384      /* distinct keys in one file */
#define JL_MAX_DEPTH 512          /* nesting of arrays and objects */
#define JL_BAD_TEXT_MAX 256       /* bytes of a bad line quoted in reports */
#define JL_DEFAULT_BATCH 65536

/* ---- the line scanner ---- */

typedef enum jl_kind { JL_NULL, JL_FALSE, JL_TRUE, JL_NUMBER, JL_STRING, JL_NESTED } jl_kind;

/* One key/value of a line's object: spans into the line. A string's span
** is its raw content between the quotes; esc says it holds escapes. */
typedef struct jl_pair {
    const char *key;
    size_t key_len;
    const char *val;
    size_t val_len;
    jl_kind kind;
    bool key_esc, val_esc;
    int col; /* column index once looked up */
} jl_pair;

/* Per-thread parse state, reused line after line. */
typedef struct jl_parser {
    jl_pair *pairs;
    size_t npairs, cap;
    tarn_buf key;      /* a decoded key */
    tarn_buf val;      /* a decoded string or compacted nested value */
    const char *why;   /* why the last line was bad */
    size_t why_at;     /* at which byte of the line */
} jl_parser;

static void jl_parser_init(jl_parser *ps)
{
    memset(ps, 0, sizeof *ps);
    tarn_buf_init(&ps->key, 0);
    tarn_buf_init(&ps->val, 0);
}

static void jl_parser_free(jl_parser *ps)
{
    free(ps->pairs);
    tarn_buf_free(&ps->key);
    tarn_buf_free(&ps->val);
}

/* Where and why a line failed to parse. */
typedef struct jl_fail {
    const char *why;
    const char *at;
} jl_fail;

/* Record a failure at `at`; returns NULL for the scanners to pass up. */
static const char *jl_failed(jl_fail *f, const char *at, const char *why)
{
    f->why = why;
    f->at = at;
    return NULL;
}

static inline bool jl_is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline const char *jl_ws(const char *p, const char *end)
{
    while (p < end && jl_is_ws(*p))
        p++;
    return p;
}

static inline bool jl_is_hex(char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* Scan a string whose opening quote is at p[-1]. Returns the position of
** the closing quote, or NULL with f filled. *esc tells if it has escapes. */
static const char *jl_scan_string(const char *p, const char *end, bool *esc,
                                  jl_fail *f)
{
    *esc = false;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return p;
        if (c < 0x20)
            return jl_failed(f, p, "control character inside a string (escape it)");
        if (c != '\\') {
            p++;
            continue;
        }
        *esc = true;
        if (p + 1 >= end)
            break;
        char e = p[1];
        if (e == 'u') {
            if (end - p < 6 || !jl_is_hex(p[2]) || !jl_is_hex(p[3]) || !jl_is_hex(p[4]) ||
                !jl_is_hex(p[5]))
                return jl_failed(f, p, "bad \\u escape in a string (expected 4 hex digits)");
            p += 6;
        } else if (strchr("\"\\/bfnrt", e) && e) {
            p += 2;
        } else {
            return jl_failed(f, p, "bad escape in a string");
        }
    }
    return jl_failed(f, p, "unterminated string");
}

/* Scan a number per RFC 8259 at p. Returns its end or NULL. */
static const char *jl_scan_number(const char *p, const char *end)
{
    if (p < end && *p == '-')
        p++;
    if (p >= end || *p < '0' || *p > '9')
        return NULL;
    if (*p == '0')
        p++;
    else
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    if (p < end && *p == '.') {
        const char *d = ++p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == d)
            return NULL;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        const char *d = p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == d)
            return NULL;
    }
    return p;
}

/* Scan true, false or null at p. Returns its end or NULL. */
static const char *jl_scan_literal(const char *p, const char *end, jl_kind *kind)
{
    static const struct { const char *word; size_t n; jl_kind kind; } lits[] = {
        {"true", 4, JL_TRUE}, {"false", 5, JL_FALSE}, {"null", 4, JL_NULL}};
    for (size_t i = 0; i < 3; i++) {
        if ((size_t)(end - p) >= lits[i].n && memcmp(p, lits[i].word, lits[i].n) == 0) {
            *kind = lits[i].kind;
            return p + lits[i].n;
        }
    }
    return NULL;
}

/* Scan one scalar (string, number or literal) at p; fill pv's value. */
static const char *jl_scan_scalar(const char *p, const char *end, jl_pair *pv, jl_fail *f)
{
    const char *q;
    if (*p == '"') {
        q = jl_scan_string(p + 1, end, &pv->val_esc, f);
        if (!q)
            return NULL;
        pv->kind = JL_STRING;
        pv->val = p + 1;
        pv->val_len = (size_t)(q - p - 1);
        return q + 1;
    }
    if (*p == '-' || (*p >= '0' && *p <= '9')) {
        q = jl_scan_number(p, end);
        if (!q)
            return jl_failed(f, p, "bad number");
        pv->kind = JL_NUMBER;
    } else {
        q = jl_scan_literal(p, end, &pv->kind);
        if (!q)
            return jl_failed(f, p, "expected a value");
    }
    pv->val = p;
    pv->val_len = (size_t)(q - p);
    return q;
}

/* The nested-value walker: the open arrays and objects, and what it
** expects next. */
enum { NEST_VALUE_OR_CLOSE, NEST_KEY_OR_CLOSE, NEST_VALUE, NEST_KEY, NEST_COLON, NEST_NEXT };

typedef struct jl_nest {
    char stack[JL_MAX_DEPTH]; /* '[' or '{' per open container */
    int depth;
    int st;
} jl_nest;

/* Open a container at p ('[' or '{'). */
static const char *jl_nest_open(jl_nest *n, const char *p, jl_fail *f)
{
    if (n->depth == JL_MAX_DEPTH)
        return jl_failed(f, p, "arrays or objects nested too deep");
    n->stack[n->depth++] = *p;
    n->st = *p == '[' ? NEST_VALUE_OR_CLOSE : NEST_KEY_OR_CLOSE;
    return p + 1;
}

/* After a value: ',' or the close of the innermost container. */
static const char *jl_nest_next(jl_nest *n, const char *p, jl_fail *f)
{
    bool array = n->stack[n->depth - 1] == '[';
    if (*p == ',') {
        n->st = array ? NEST_VALUE : NEST_KEY;
        return p + 1;
    }
    if (*p != (array ? ']' : '}'))
        return jl_failed(f, p, array ? "expected ',' or ']'" : "expected ',' or '}'");
    n->depth--;
    n->st = NEST_NEXT;
    return p + 1;
}

/* One step of the walk at p, a non-blank byte. Returns where the next
** step starts, or NULL with f filled. */
static const char *jl_nest_step(jl_nest *n, const char *p, const char *end, jl_fail *f)
{
    jl_pair tmp;
    switch (n->st) {
    case NEST_VALUE_OR_CLOSE:
    case NEST_KEY_OR_CLOSE:
        if (*p == (n->st == NEST_VALUE_OR_CLOSE ? ']' : '}')) {
            n->depth--;
            n->st = NEST_NEXT;
            return p + 1;
        }
        n->st = n->st == NEST_VALUE_OR_CLOSE ? NEST_VALUE : NEST_KEY;
        return p;
    case NEST_KEY:
        if (*p != '"')
            return jl_failed(f, p, "expected a string key");
        p = jl_scan_string(p + 1, end, &tmp.key_esc, f);
        n->st = NEST_COLON;
        return p ? p + 1 : NULL;
    case NEST_COLON:
        if (*p != ':')
            return jl_failed(f, p, "expected ':' after a key");
        n->st = NEST_VALUE;
        return p + 1;
    case NEST_VALUE:
        if (*p == '[' || *p == '{')
            return jl_nest_open(n, p, f);
        n->st = NEST_NEXT;
        return jl_scan_scalar(p, end, &tmp, f);
    default:
        return jl_nest_next(n, p, f);
    }
}

/* Skip over a whole array or object starting at p ('[' or '{'), checking
** its syntax without recursion. Returns its end or NULL with f filled. */
static const char *jl_skip_nested(const char *p, const char *end, jl_fail *f)
{
    jl_nest n = {.depth = 0, .st = NEST_VALUE};
    do {
        p = jl_ws(p, end);
        if (p >= end)
            return jl_failed(f, p, "line ends inside an array or object");
        p = jl_nest_step(&n, p, end, f);
    } while (p && n.depth > 0);
    return p;
}

/* Room for one more pair. */
static jl_pair *jl_push_pair(jl_parser *ps)
{
    if (ps->npairs == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 16;
        ps->pairs = tarn_xrealloc(ps->pairs, ps->cap * sizeof *ps->pairs);
    }
    jl_pair *pv = &ps->pairs[ps->npairs++];
    memset(pv, 0, sizeof *pv);
    return pv;
}

/* Mark the line bad at p. */
static int jl_bad(jl_parser *ps, const char *line, const char *p, const char *why)
{
    ps->why = why;
    ps->why_at = (size_t)(p - line);
    return -1;
}

/* Parse one key: value member at p (after '{' or ','); returns its end. */
static const char *jl_parse_member(jl_parser *ps, const char *p, const char *end,
                                   jl_fail *f)
{
    if (p >= end || *p != '"')
        return jl_failed(f, p, "expected a string key");
    jl_pair *pv = jl_push_pair(ps);
    const char *q = jl_scan_string(p + 1, end, &pv->key_esc, f);
    if (!q)
        return NULL;
    pv->key = p + 1;
    pv->key_len = (size_t)(q - p - 1);
    p = jl_ws(q + 1, end);
    if (p >= end || *p != ':')
        return jl_failed(f, p, "expected ':' after a key");
    p = jl_ws(p + 1, end);
    if (p >= end)
        return jl_failed(f, p, "expected a value");
    if (*p == '[' || *p == '{') {
        q = jl_skip_nested(p, end, f);
        if (!q)
            return NULL;
        pv->kind = JL_NESTED;
        pv->val = p;
        pv->val_len = (size_t)(q - p);
        return q;
    }
    return jl_scan_scalar(p, end, pv, f);
}

/* Parse a non-blank line as one JSON object into ps->pairs. Returns 0, or
** -1 with ps->why / ps->why_at saying what is wrong. */
static int jl_parse_line(jl_parser *ps, const char *line, const char *end)
{
    ps->npairs = 0;
    jl_fail fl = {0};
    const char *p = jl_ws(line, end);
    if (p >= end || *p != '{')
        return jl_bad(ps, line, p, *p == '[' ? "a JSON array, expected an object"
                                             : "not a JSON object (expected '{')");
    p = jl_ws(p + 1, end);
    if (p < end && *p == '}') {
        p++;
    } else {
        for (;;) {
            const char *q = jl_parse_member(ps, p, end, &fl);
            if (!q)
                return jl_bad(ps, line, fl.at, fl.why);
            p = jl_ws(q, end);
            if (p < end && *p == ',') {
                p = jl_ws(p + 1, end);
                continue;
            }
            if (p < end && *p == '}') {
                p++;
                break;
            }
            return jl_bad(ps, line, p,
                          p < end ? "expected ',' or '}'" : "line ends inside the object");
        }
    }
    p = jl_ws(p, end);
    if (p < end)
        return jl_bad(ps, line, p, "more text after the object (one object per line)");
    return 0;
}

/* Append the UTF-8 encoding of code point cp. */
static void jl_put_utf8(tarn_buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    tarn_buf_append(b, u, n);
}

static uint32_t jl_hex4(const char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v = v * 16 + (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

/* Decode \uXXXX at p (already checked), pairing surrogates; a lone
** surrogate becomes U+FFFD. Returns the bytes consumed. */
static size_t jl_decode_u(tarn_buf *b, const char *p, const char *end)
{
    uint32_t cp = jl_hex4(p + 2);
    if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 12 && p[6] == '\\' && p[7] == 'u') {
        uint32_t lo = jl_hex4(p + 8);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            jl_put_utf8(b, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
            return 12;
        }
    }
    jl_put_utf8(b, cp >= 0xD800 && cp <= 0xDFFF ? 0xFFFD : cp);
    return 6;
}

/* Decode a scanned string's escapes into b (reset first). */
static void jl_decode(tarn_buf *b, const char *p, size_t n)
{
    const char *end = p + n;
    tarn_buf_reset(b);
    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        if (!bs) {
            tarn_buf_append(b, p, (size_t)(end - p));
            return;
        }
        tarn_buf_append(b, p, (size_t)(bs - p));
        if (bs[1] == 'u') {
            p = bs + jl_decode_u(b, bs, end);
            continue;
        }
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        tarn_buf_putc(b, to[strchr(from, bs[1]) - from]);
        p = bs + 2;
    }
}

/* A nested value as compact JSON (whitespace outside strings dropped). */
static void jl_compact(tarn_buf *b, const char *p, size_t n)
{
    tarn_buf_reset(b);
    const char *end = p + n;
    while (p < end) {
        const char *s = p;
        while (p < end && !jl_is_ws(*p) && *p != '"')
            p++;
        if (p < end && *p == '"') {
            bool esc;
            jl_fail fl;
            const char *q = jl_scan_string(p + 1, end, &esc, &fl);
            p = q ? q + 1 : end; /* scanned before, so q is never NULL */
        }
        tarn_buf_append(b, s, (size_t)(p - s));
        while (p < end && jl_is_ws(*p))
            p++;
    }
}

/* Is p[0..n) valid UTF-8? Runs of ASCII are skipped 8 bytes at a time. */
static bool jl_utf8_valid(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p, *end = s + n;
    while (s < end) {
        uint64_t w;
        if (end - s >= 8 && (memcpy(&w, s, 8), (w & 0x8080808080808080ULL) == 0)) {
            s += 8;
            continue;
        }
        if (*s < 0x80) {
            s++;
            continue;
        }
        size_t k = *s >= 0xF0 ? 4 : *s >= 0xE0 ? 3 : *s >= 0xC2 ? 2 : 0;
        if (k == 0 || *s > 0xF4 || (size_t)(end - s) < k)
            return false;
        for (size_t i = 1; i < k; i++)
            if ((s[i] & 0xC0) != 0x80)
                return false;
        if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0) ||
            (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))
            return false; /* overlong, surrogate or past U+10FFFF */
        s += k;
    }
    return true;
}

/* p[0..n) with each byte of an invalid UTF-8 sequence read as Latin-1
** (format.h's rule for invalid input), into b (reset first). */
static void jl_latin1_fix(tarn_buf *b, const char *p, size_t n)
{
    tarn_buf_reset(b);
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && (unsigned char)p[j] < 0x80)
            j++;
        tarn_buf_append(b, p + i, j - i);
        if (j == n)
            break;
        size_t k = 1;
        while (k <= 4 && j + k <= n && !jl_utf8_valid(p + j, k))
            k++;
        if (k <= 4 && j + k <= n) {
            tarn_buf_append(b, p + j, k); /* a valid sequence */
        } else {
            unsigned char c = (unsigned char)p[j];
            char two[2] = {(char)(0xC0 | (c >> 6)), (char)(0x80 | (c & 0x3F))};
            tarn_buf_append(b, two, 2);
            k = 1;
        }
        i = j + k;
    }
}

/* ---- columns ---- */

/* Columns by key, in order of first appearance, with a hash table from key
** to index and, during open, each column's type inference. One per chunk
** while checking, one for the file after merging. */
typedef struct jl_cols {
    int ncols, cap;
    char **names;          /* decoded keys, owned */
    size_t *name_len;
    uint32_t *slots;       /* column index + 1, 0 = empty */
    uint32_t nslots;
    tarn_infer *infer;
} jl_cols;

#define JL_KEY_SEED 0x6a736f6eULL

static void jl_cols_free(jl_cols *t)
{
    for (int c = 0; c < t->ncols; c++)
        free(t->names[c]);
    free(t->names);
    free(t->name_len);
    free(t->slots);
    free(t->infer);
    memset(t, 0, sizeof *t);
}

/* The slot where key k[0..n) lives or would go. */
static uint32_t jl_slot(const jl_cols *t, const char *k, size_t n)
{
    uint32_t mask = t->nslots - 1;
    uint32_t i = (uint32_t)tarn_hash64(k, n, JL_KEY_SEED) & mask;
    for (;;) {
        uint32_t v = t->slots[i];
        if (!v)
            return i;
        int c = (int)v - 1;
        if (t->name_len[c] == n && memcmp(t->names[c], k, n) == 0)
            return i;
        i = (i + 1) & mask;
    }
}

/* Column of key k, or -1. */
static int jl_find(const jl_cols *t, const char *k, size_t n)
{
    if (!t->nslots)
        return -1;
    return (int)t->slots[jl_slot(t, k, n)] - 1;
}

/* Double the hash table and re-place every column. */
static void jl_rehash(jl_cols *t)
{
    free(t->slots);
    t->nslots = t->nslots ? t->nslots * 2 : 64;
    t->slots = tarn_xcalloc(t->nslots, sizeof *t->slots);
    for (int c = 0; c < t->ncols; c++)
        t->slots[jl_slot(t, t->names[c], t->name_len[c])] = (uint32_t)c + 1;
}

/* Column of key k, adding it if new; -1 past JL_MAX_COLUMNS. */
static int jl_find_or_add(jl_cols *t, const char *k, size_t n)
{
    int c = jl_find(t, k, n);
    if (c >= 0)
        return c;
    if (t->ncols == JL_MAX_COLUMNS)
        return -1;
    if (t->ncols == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->names = tarn_xrealloc(t->names, (size_t)t->cap * sizeof *t->names);
        t->name_len = tarn_xrealloc(t->name_len, (size_t)t->cap * sizeof *t->name_len);
        t->infer = tarn_xrealloc(t->infer, (size_t)t->cap * sizeof *t->infer);
    }
    c = t->ncols++;
    t->names[c] = tarn_xstrndup(k, n);
    t->name_len[c] = n;
    tarn_infer_init(&t->infer[c]);
    if ((uint32_t)t->ncols * 2 > t->nslots)
        jl_rehash(t);
    else
        t->slots[jl_slot(t, k, n)] = (uint32_t)c + 1;
    return c;
}

/* The key of pv, decoded if it has escapes (into ps->key). */
static const char *jl_key(jl_parser *ps, const jl_pair *pv, size_t *n)
{
    if (!pv->key_esc) {
        *n = pv->key_len;
        return pv->key;
    }
    jl_decode(&ps->key, pv->key, pv->key_len);
    *n = ps->key.len;
    return ps->key.data ? ps->key.data : "";
}

/* The candidate types of one value (see infer.h). */
static uint32_t jl_value_cands(jl_parser *ps, const jl_pair *pv)
{
    const uint32_t dates = TARN_CAND_DATE | TARN_CAND_DATE_DMY | TARN_CAND_DATE_MDY |
                           TARN_CAND_TIMESTAMP;
    switch (pv->kind) {
    case JL_TRUE:
    case JL_FALSE: return TARN_CAND_BOOL;
    case JL_NUMBER: return tarn_infer_classify(pv->val, pv->val_len) & TARN_CAND_NUMERIC;
    case JL_STRING:
        if (pv->val_len == 0 || pv->val[0] < '0' || pv->val[0] > '9')
            return 0; /* every date form starts with a digit */
        if (!pv->val_esc)
            return tarn_infer_classify(pv->val, pv->val_len) & dates;
        jl_decode(&ps->val, pv->val, pv->val_len);
        return tarn_infer_classify(ps->val.data, ps->val.len) & dates;
    default: return 0;
    }
}

/* ---- open: settle columns and types, chunk by chunk in parallel ---- */

/* The reader's private state. */
typedef struct jl_impl {
    tarn_input in;
    size_t page;
    size_t *split_at;      /* nsplits + 1 byte offsets into in.data */
    bool *latin1;          /* per split: fix invalid UTF-8 as Latin-1 */
    jl_cols cols;
    tarn_textfmt *fmt;     /* per column: how values convert */
} jl_impl;

/* What checking one chunk (= split) of the file found. */
typedef struct jl_chunk {
    int64_t lines, rows, nbad;
    bool bad_utf8;         /* holds invalid UTF-8 (read as Latin-1) */
    int64_t limit_line;    /* > 0: the chunk's line that passed JL_MAX_COLUMNS */
    jl_cols cols;
} jl_chunk;

/* One checking thread's scratch. */
typedef struct jl_checker {
    jl_parser ps;
    int64_t *stamp;        /* per chunk column: last line that gave it a value */
    int stamp_cap;
} jl_checker;

/* The next line at *pos in [data, data+len): returns its start, sets *end
** to its end without the newline (and a CR before it) and moves *pos past
** the newline. */
static inline const char *jl_next_line(const char *data, size_t len, size_t *pos,
                                       const char **end)
{
    const char *s = data + *pos, *stop = data + len;
    const char *nl = memchr(s, '\n', (size_t)(stop - s));
    const char *e = nl ? nl : stop;
    *pos = (size_t)(e - data) + (nl != NULL);
    if (e > s && e[-1] == '\r')
        e--;
    *end = e;
    return s;
}

/* Give the mapped pages wholly inside [from, to) of the input back to the
** kernel: read-only file pages, so a later touch just reads them again. */
static void jl_release(const jl_impl *im, size_t from, size_t to)
{
    uintptr_t a = ((uintptr_t)(im->in.data + from) + im->page - 1) & ~(uintptr_t)(im->page - 1);
    uintptr_t b = (uintptr_t)(im->in.data + to) & ~(uintptr_t)(im->page - 1);
    if (im->in.map && b > a)
        madvise((void *)a, b - a, MADV_DONTNEED);
}

/* Register a parsed line's columns (in order of appearance) and feed each
** column's last value to its inference. Returns false past JL_MAX_COLUMNS. */
static bool jl_check_fields(jl_checker *ck, jl_cols *t, int64_t line, bool infer)
{
    jl_parser *ps = &ck->ps;
    for (size_t i = 0; i < ps->npairs; i++) {
        size_t n;
        const char *k = jl_key(ps, &ps->pairs[i], &n);
        if ((ps->pairs[i].col = jl_find_or_add(t, k, n)) < 0)
            return false;
    }
    if (t->ncols > ck->stamp_cap) {
        ck->stamp = tarn_xrealloc(ck->stamp, (size_t)t->cap * sizeof *ck->stamp);
        memset(ck->stamp + ck->stamp_cap, 0,
               (size_t)(t->cap - ck->stamp_cap) * sizeof *ck->stamp);
        ck->stamp_cap = t->cap;
    }
    for (size_t i = ps->npairs; i-- > 0;) {
        jl_pair *pv = &ps->pairs[i];
        if (ck->stamp[pv->col] == line)
            continue; /* an earlier duplicate key: the last value wins */
        ck->stamp[pv->col] = line;
        tarn_infer *inf = &t->infer[pv->col];
        if (pv->kind == JL_NULL || !infer || (inf->seen && inf->cands == 0))
            continue;
        tarn_infer_add_mask(inf, jl_value_cands(ps, pv));
    }
    return true;
}

/* Check every line of split i into ch. */
static void jl_check_chunk(const jl_impl *im, int i, bool infer, jl_checker *ck, jl_chunk *ch)
{
    size_t pos = im->split_at[i], to = im->split_at[i + 1];
    if (ck->stamp_cap) /* stamps index this chunk's columns, by its lines */
        memset(ck->stamp, 0, (size_t)ck->stamp_cap * sizeof *ck->stamp);
    while (pos < to) {
        const char *end, *s = jl_next_line(im->in.data, to, &pos, &end);
        ch->lines++;
        if (jl_ws(s, end) == end)
            continue;
        if (jl_parse_line(&ck->ps, s, end) < 0) {
            ch->nbad++;
        } else if (!jl_check_fields(ck, &ch->cols, ch->lines, infer)) {
            ch->limit_line = ch->lines;
            break;
        } else {
            ch->rows++;
        }
    }
    ch->bad_utf8 = !jl_utf8_valid(im->in.data + im->split_at[i], to - im->split_at[i]);
    jl_release(im, im->split_at[i], to);
}

/* Byte offsets where splits start: line starts about JL_SPLIT_BYTES apart
** (a longer line makes a longer split). At least one split. */
static int jl_plan_splits(jl_impl *im)
{
    const char *data = im->in.data;
    size_t len = im->in.len, pos = 0;
    int n = 0;
    im->split_at = tarn_xmalloc((len / JL_SPLIT_BYTES + 2) * sizeof *im->split_at);
    im->split_at[0] = 0;
    while (len - pos > JL_SPLIT_BYTES) {
        const char *nl = memchr(data + pos + JL_SPLIT_BYTES, '\n', len - pos - JL_SPLIT_BYTES);
        if (!nl || (size_t)(nl - data) + 1 >= len)
            break;
        pos = (size_t)(nl - data) + 1;
        im->split_at[++n] = pos;
    }
    im->split_at[++n] = len;
    return n;
}

typedef struct jl_job {
    const jl_impl *im;
    jl_chunk *chunks;
    int nchunks;
    bool infer;
    atomic_int next;
} jl_job;

/* A checking thread: take chunks until none is left. */
static void *jl_check_worker(void *arg)
{
    jl_job *job = arg;
    jl_checker ck = {0};
    jl_parser_init(&ck.ps);
    int i;
    while ((i = atomic_fetch_add(&job->next, 1)) < job->nchunks)
        jl_check_chunk(job->im, i, job->infer, &ck, &job->chunks[i]);
    jl_parser_free(&ck.ps);
    free(ck.stamp);
    return NULL;
}

/* Check every chunk with up to nthreads threads (this one included). */
static void jl_check_all(jl_job *job, int nthreads)
{
    int n = nthreads > 0 ? nthreads : tarn_cpu_count();
    if (n > job->nchunks)
        n = job->nchunks;
    pthread_t tids[64];
    int started = 0;
    for (int t = 1; t < n && t < 64; t++)
        if (pthread_create(&tids[started], NULL, jl_check_worker, job) == 0)
            started++;
    jl_check_worker(job);
    for (int t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
}

/* Hand a bad line to on_bad_row. TARN_OK to skip it, else the error that
** stops the read. */
static int jl_report_bad(tarn_reader *r, const jl_parser *ps, int64_t line,
                         const char *text, size_t n, tarn_error *err)
{
    char reason[160], shown[JL_BAD_TEXT_MAX + 1];
    snprintf(reason, sizeof reason, "%s (column %zu)", ps->why, ps->why_at + 1);
    size_t k = n < JL_BAD_TEXT_MAX ? n : JL_BAD_TEXT_MAX;
    memcpy(shown, text, k);
    shown[k] = '\0';
    r->bad_rows++;
    tarn_bad_row row = {.file = r->path, .line = line, .reason = reason, .text = shown};
    if (r->opts.on_bad_row && r->opts.on_bad_row(r->opts.bad_row_ud, &row) == 0)
        return TARN_OK;
    return tarn_error_set(err, TARN_ERR_CORRUPT, "'%s' line %lld: %s", r->path,
                          (long long)line, reason);
}

/* Report split i's bad lines in order, parsing it again (only splits that
** have bad lines are). base: lines before the split. */
static int jl_report_chunk(tarn_reader *r, const jl_impl *im, int i, int64_t base,
                           tarn_error *err)
{
    jl_parser ps;
    jl_parser_init(&ps);
    size_t pos = im->split_at[i], to = im->split_at[i + 1];
    int64_t line = base;
    int rc = TARN_OK;
    while (pos < to && rc == TARN_OK) {
        const char *end, *s = jl_next_line(im->in.data, to, &pos, &end);
        line++;
        if (jl_ws(s, end) != end && jl_parse_line(&ps, s, end) < 0)
            rc = jl_report_bad(r, &ps, line, s, (size_t)(end - s), err);
    }
    jl_parser_free(&ps);
    return rc;
}

/* Fold a chunk's columns into the file's, in the chunk's order. */
static int jl_merge_cols(tarn_reader *r, jl_impl *im, const jl_chunk *ch, tarn_error *err)
{
    for (int c = 0; c < ch->cols.ncols; c++) {
        int g = jl_find_or_add(&im->cols, ch->cols.names[c], ch->cols.name_len[c]);
        if (g < 0)
            return tarn_error_set(err, TARN_ERR_LIMIT,
                                  "'%s': more than %d distinct keys; tarn reads at most %d "
                                  "columns from a JSON-lines file",
                                  r->path, JL_MAX_COLUMNS, JL_MAX_COLUMNS);
        tarn_infer_merge(&im->cols.infer[g], &ch->cols.infer[c]);
    }
    return TARN_OK;
}

/* Merge the chunks in file order: bad lines reported with their file line
** numbers, columns in order of first appearance, rows counted. */
static int jl_merge_chunks(tarn_reader *r, jl_impl *im, jl_chunk *chunks, int n,
                           tarn_error *err)
{
    int64_t base = 0;
    for (int i = 0; i < n; i++) {
        const jl_chunk *ch = &chunks[i];
        int rc = ch->nbad ? jl_report_chunk(r, im, i, base, err) : TARN_OK;
        if (rc == TARN_OK && ch->limit_line)
            rc = tarn_error_set(err, TARN_ERR_LIMIT,
                                "'%s' line %lld: more than %d distinct keys; tarn reads at "
                                "most %d columns from a JSON-lines file",
                                r->path, (long long)(base + ch->limit_line), JL_MAX_COLUMNS,
                                JL_MAX_COLUMNS);
        if (rc == TARN_OK)
            rc = jl_merge_cols(r, im, ch, err);
        if (rc)
            return rc;
        r->rows += ch->rows;
        base += ch->lines;
        im->latin1[i] = ch->bad_utf8;
        r->info.latin1_fallback |= ch->bad_utf8;
    }
    return TARN_OK;
}

/* Check the whole file: splits, columns, types, row and bad-row counts. */
static int jl_check_file(tarn_reader *r, jl_impl *im, tarn_error *err)
{
    r->nsplits = jl_plan_splits(im);
    jl_job job = {.im = im, .nchunks = r->nsplits, .infer = !r->opts.all_strings};
    job.chunks = tarn_xcalloc((size_t)r->nsplits, sizeof *job.chunks);
    im->latin1 = tarn_xcalloc((size_t)r->nsplits, sizeof *im->latin1);
    atomic_init(&job.next, 0);
    jl_check_all(&job, r->opts.nthreads);
    int rc = jl_merge_chunks(r, im, job.chunks, r->nsplits, err);
    for (int i = 0; i < r->nsplits; i++)
        jl_cols_free(&job.chunks[i].cols);
    free(job.chunks);
    return rc;
}

/* Build the final schema: inferred types, or strings (all_strings), or the
** types the caller forces by column name. */
static void jl_build_schema(tarn_reader *r, jl_impl *im)
{
    const jl_cols *t = &im->cols;
    im->fmt = tarn_xcalloc((size_t)(t->ncols ? t->ncols : 1), sizeof *im->fmt);
    for (int c = 0; c < t->ncols; c++) {
        tarn_textfmt f = tarn_infer_result(&t->infer[c]);
        if (r->opts.all_strings)
            f = tarn_textfmt_of((tarn_type){.id = TARN_TYPE_STRING});
        int forced = r->opts.types ? tarn_schema_find(r->opts.types, t->names[c]) : -1;
        if (forced >= 0)
            f = tarn_textfmt_of(r->opts.types->fields[forced].type);
        im->fmt[c] = f;
        if (jl_utf8_valid(t->names[c], t->name_len[c])) {
            tarn_schema_add(&r->schema, t->names[c], f.type);
            continue;
        }
        tarn_buf name;
        tarn_buf_init(&name, 0);
        jl_latin1_fix(&name, t->names[c], t->name_len[c]);
        tarn_schema_add(&r->schema, name.data, f.type);
        tarn_buf_free(&name);
        r->info.latin1_fallback = true;
    }
}

/* What the bytes look like: gzip, encoding, line endings. */
static void jl_fill_info(tarn_reader *r, const jl_impl *im)
{
    tarn_input_info *info = &r->info;
    info->format = TARN_FORMAT_JSONL;
    info->gzip = im->in.gzip;
    info->encoding = im->in.encoding ? im->in.encoding : "utf-8";
    const char *nl = im->in.len ? memchr(im->in.data, '\n', im->in.len) : NULL;
    if (nl)
        info->newline = nl > im->in.data && nl[-1] == '\r' ? "crlf" : "lf";
    else
        info->newline = im->in.len && memchr(im->in.data, '\r', im->in.len) ? "cr" : "none";
    info->dialect.header = 0;
}

static void jl_close(tarn_reader *r)
{
    jl_impl *im = r->impl;
    if (!im)
        return;
    tarn_input_close(&im->in);
    jl_cols_free(&im->cols);
    free(im->fmt);
    free(im->split_at);
    free(im->latin1);
    free(im);
    r->impl = NULL;
}

static int jl_open(tarn_reader *r, tarn_error *err)
{
    jl_impl *im = tarn_xcalloc(1, sizeof *im);
    r->impl = im;
    long page = sysconf(_SC_PAGESIZE);
    im->page = page > 0 ? (size_t)page : 4096;
    int rc = tarn_input_open(&im->in, r->path, r->opts.tmp_dir, err);
    if (rc)
        return rc;
    jl_fill_info(r, im);
    rc = jl_check_file(r, im, err);
    if (rc)
        return rc;
    jl_build_schema(r, im);
    return TARN_OK;
}

/* ---- cursors: convert the lines of one split ---- */

typedef struct jl_cursor {
    const jl_impl *im;
    const char *data;
    size_t pos, end;
    size_t released;   /* pages before this were given back */
    bool fix_utf8;     /* the split holds invalid UTF-8 */
    tarn_buf fixed;    /* a string value read as Latin-1 where invalid */
    int64_t batch_rows;
    jl_parser ps;
    int32_t *slot; /* per column: the pair that gives its value this row, or -1 */
} jl_cursor;

static int jl_cursor_open(tarn_reader *r, int split, tarn_cursor *c, tarn_error *err)
{
    jl_impl *im = r->impl;
    jl_cursor *jc = tarn_xcalloc(1, sizeof *jc);
    jc->im = im;
    jc->data = im->in.data;
    jc->pos = im->split_at[split];
    jc->end = im->split_at[split + 1];
    jc->batch_rows = r->opts.batch_rows > 0 ? r->opts.batch_rows : JL_DEFAULT_BATCH;
    jl_parser_init(&jc->ps);
    jc->released = jc->pos;
    jc->fix_utf8 = im->latin1[split];
    tarn_buf_init(&jc->fixed, 0);
    jc->slot = tarn_xmalloc((size_t)(im->cols.ncols ? im->cols.ncols : 1) * sizeof *jc->slot);
    c->impl = jc;
    return TARN_OK;
}

/* The text a value converts from, for a typed (non-string) column. */
static const char *jl_value_text(jl_parser *ps, const jl_pair *pv, size_t *n)
{
    switch (pv->kind) {
    case JL_TRUE: *n = 4; return "true";
    case JL_FALSE: *n = 5; return "false";
    case JL_STRING:
        if (pv->val_esc) {
            jl_decode(&ps->val, pv->val, pv->val_len);
            *n = ps->val.len;
            return ps->val.data ? ps->val.data : "";
        }
        /* fall through */
    default: *n = pv->val_len; return pv->val;
    }
}

/* Append a string, reading invalid UTF-8 as Latin-1 if the split has any. */
static void jl_append_str(jl_cursor *jc, tarn_column *col, const char *s, size_t n)
{
    if (jc->fix_utf8 && !jl_utf8_valid(s, n)) {
        jl_latin1_fix(&jc->fixed, s, n);
        s = jc->fixed.data;
        n = jc->fixed.len;
    }
    tarn_column_append_str(col, n ? s : "", n);
}

/* Append pv's value to column col of type f. */
static void jl_append(jl_cursor *jc, tarn_column *col, const tarn_textfmt *f,
                      const jl_pair *pv)
{
    jl_parser *ps = &jc->ps;
    if (pv->kind == JL_NULL) {
        tarn_column_append_null(col);
        return;
    }
    if (f->type.id == TARN_TYPE_STRING && pv->kind == JL_NESTED) {
        jl_compact(&ps->val, pv->val, pv->val_len);
        jl_append_str(jc, col, ps->val.data, ps->val.len);
        return;
    }
    size_t n;
    const char *s = jl_value_text(ps, pv, &n);
    if (f->type.id == TARN_TYPE_STRING)
        jl_append_str(jc, col, s, n);
    else if (!tarn_text_append(col, f, s, n, false))
        tarn_column_append_null(col); /* only with a forced type */
}

/* Append one parsed line as a row of b. */
static void jl_fill_row(jl_cursor *jc, tarn_batch *b)
{
    const jl_impl *im = jc->im;
    jl_parser *ps = &jc->ps;
    int ncols = im->cols.ncols;
    for (int c = 0; c < ncols; c++)
        jc->slot[c] = -1;
    for (size_t i = ps->npairs; i-- > 0;) {
        size_t n;
        const char *k = jl_key(ps, &ps->pairs[i], &n);
        int c = jl_find(&im->cols, k, n);
        if (c >= 0 && jc->slot[c] < 0)
            jc->slot[c] = (int32_t)i;
    }
    for (int c = 0; c < ncols; c++) {
        if (jc->slot[c] < 0)
            tarn_column_append_null(&b->cols[c]);
        else
            jl_append(jc, &b->cols[c], &im->fmt[c], &ps->pairs[jc->slot[c]]);
    }
    b->nrows++;
}

static int jl_cursor_next(tarn_cursor *c, tarn_batch *b, tarn_error *err)
{
    jl_cursor *jc = c->impl;
    tarn_batch_reset(b);
    while (jc->pos < jc->end && b->nrows < jc->batch_rows) {
        const char *end, *s = jl_next_line(jc->data, jc->end, &jc->pos, &end);
        if (jl_ws(s, end) == end || jl_parse_line(&jc->ps, s, end) < 0)
            continue; /* blank, or bad and reported by open() */
        jl_fill_row(jc, b);
    }
    jl_release(jc->im, jc->released, jc->pos);
    jc->released = jc->pos;
    return b->nrows > 0;
}

static void jl_cursor_close(tarn_cursor *c)
{
    jl_cursor *jc = c->impl;
    if (!jc)
        return;
    jl_parser_free(&jc->ps);
    tarn_buf_free(&jc->fixed);
    free(jc->slot);
    free(jc);
    c->impl = NULL;
}

const tarn_format_ops tarn_jsonl_ops = {
    .kind = TARN_FORMAT_JSONL,
    .open = jl_open,
    .cursor_open = jl_cursor_open,
    .cursor_next = jl_cursor_next,
    .cursor_close = jl_cursor_close,
    .close = jl_close,
};
