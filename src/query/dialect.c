/*
** dialect.c: the Athena (Trino) syntax SQLite lacks, as a rewrite of the
** statement's tokens before it is prepared (query_int.h, "dialect"):
**
**   DATE '2021-01-01'              -> '2021-01-01' (validated)
**   TIMESTAMP '2021-01-01 10:00'   -> '2021-01-01 10:00:00.000000'
**   DECIMAL '1.5', DOUBLE '2'      -> 1.5, 2 (other typed literals alike)
**   CAST(x AS BIGINT)              -> __tarn_cast_bigint(x)
**   TRY_CAST(x AS DECIMAL(10,2))   -> __tarn_try_cast_decimal(x, 10, 2)
**   `name`                         -> "name"
**   TRY(e)                         -> (e) with CAST and the functions
**                                     that can fail in their NULL-giving
**                                     __tarn_try_ forms
**   a IS [NOT] DISTINCT FROM b     -> a IS NOT b / a IS b
**   current_timestamp, localtimestamp -> now()
**   IF(c, a[, b])                  -> (CASE WHEN c THEN a ELSE b END)
**   EXTRACT(YEAR FROM x)           -> year(x)
**   x + INTERVAL '7' DAY           -> date_add('day', 7, x)
**   POSITION(a IN b)               -> __tarn_position(a, b)
**   SUBSTRING(s FROM a FOR b)      -> substr(s, a, b)
**   ORDER BY a, b DESC             -> ORDER BY a NULLS LAST, b DESC
**                                     (Trino sorts NULLs last both ways)
**   OFFSET 5 LIMIT 10, OFFSET 5    -> LIMIT 10 OFFSET 5, LIMIT -1 OFFSET 5
**   FETCH FIRST 10 ROWS ONLY       -> LIMIT 10;  LIMIT ALL -> LIMIT -1
**   (VALUES (1, 'a')) AS t(id, name) -> (SELECT NULL AS "id", NULL AS
**                                     "name" WHERE 0 UNION ALL VALUES
**                                     (1, 'a')) AS t  (SELECT alike)
**
** ROLLUP, CUBE, GROUPING SETS, UNNEST and ARRAY[...] are refused with
** NOT_SUPPORTED rather than left to a syntax error. Text inside string literals, quoted identifiers and comments is never
** touched. Every byte of the result remembers the byte of the user's text
** it came from (tarn_qtext.origin) so errors point at the user's line and
** column. The cast helpers and now() live in functions_cast.c and
** functions_date.c; the tokenizer is shared through dialect_int.h.
*/
#include "query/dialect_int.h"
#include "query/query_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- tokenizer --------------------------------------------------------- */

static bool is_ident_start(unsigned char c)
{
    return isalpha(c) || c == '_' || c >= 0x80;
}

static bool is_ident_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* Length of a quoted token opened by q at s[i] (the quote doubled inside
** stands for itself); runs to the end when unterminated. */
static size_t quoted_len(const char *s, size_t len, size_t i, char q)
{
    size_t k = i + 1;
    while (k < len) {
        if (s[k] == q) {
            if (k + 1 < len && s[k + 1] == q) {
                k += 2;
                continue;
            }
            return k + 1 - i;
        }
        k++;
    }
    return len - i;
}

static size_t number_len(const char *s, size_t len, size_t i)
{
    size_t k = i;
    while (k < len && isdigit((unsigned char)s[k]))
        k++;
    if (k < len && s[k] == '.')
        for (k++; k < len && isdigit((unsigned char)s[k]); k++)
            ;
    if (k < len && (s[k] == 'e' || s[k] == 'E')) {
        size_t e = k + 1;
        if (e < len && (s[e] == '+' || s[e] == '-'))
            e++;
        if (e < len && isdigit((unsigned char)s[e])) {
            while (e < len && isdigit((unsigned char)s[e]))
                e++;
            k = e;
        }
    }
    return k - i;
}

static size_t punct_len(const char *s, size_t len, size_t i)
{
    static const char *two[] = {"<=", ">=", "<>", "!=", "||", "==", "->", "=>"};
    if (i + 1 < len)
        for (size_t t = 0; t < sizeof two / sizeof two[0]; t++)
            if (s[i] == two[t][0] && s[i + 1] == two[t][1])
                return 2;
    return 1;
}

/* Kind and length of the token starting at s[i] (i < len). */
static size_t token_at(const char *s, size_t len, size_t i, int *kind)
{
    unsigned char c = (unsigned char)s[i];
    size_t k;
    if (isspace(c)) {
        for (k = i; k < len && isspace((unsigned char)s[k]); k++)
            ;
        return *kind = TARN_QTOK_SPACE, k - i;
    }
    if (c == '-' && i + 1 < len && s[i + 1] == '-') {
        for (k = i; k < len && s[k] != '\n'; k++)
            ;
        return *kind = TARN_QTOK_COMMENT, k - i;
    }
    if (c == '/' && i + 1 < len && s[i + 1] == '*') {
        for (k = i + 2; k + 1 < len && !(s[k] == '*' && s[k + 1] == '/'); k++)
            ;
        return *kind = TARN_QTOK_COMMENT, (k + 1 < len ? k + 2 : len) - i;
    }
    if (c == '\'' || c == '"' || c == '`') {
        *kind = c == '\'' ? TARN_QTOK_STRING : c == '"' ? TARN_QTOK_QIDENT : TARN_QTOK_BQIDENT;
        return quoted_len(s, len, i, (char)c);
    }
    if (isdigit(c) || (c == '.' && i + 1 < len && isdigit((unsigned char)s[i + 1])))
        return *kind = TARN_QTOK_NUMBER, number_len(s, len, i);
    if (is_ident_start(c)) {
        for (k = i + 1; k < len && is_ident_char((unsigned char)s[k]); k++)
            ;
        return *kind = TARN_QTOK_IDENT, k - i;
    }
    return *kind = TARN_QTOK_PUNCT, punct_len(s, len, i);
}

tarn_qtok *tarn_qtok_split(const char *text, size_t len, size_t *n)
{
    size_t cap = 64, cnt = 0;
    tarn_qtok *toks = tarn_xmalloc(cap * sizeof *toks);
    for (size_t i = 0; i < len;) {
        int kind;
        size_t l = token_at(text, len, i, &kind);
        if (cnt == cap)
            toks = tarn_xrealloc(toks, (cap *= 2) * sizeof *toks);
        toks[cnt++] = (tarn_qtok){kind, i, l};
        i += l;
    }
    *n = cnt;
    return toks;
}

bool tarn_qtok_is(const char *text, const tarn_qtok *tok, const char *kw)
{
    return tok->kind == TARN_QTOK_IDENT && strlen(kw) == tok->len &&
           strncasecmp(text + tok->off, kw, tok->len) == 0;
}

bool tarn_qtok_ident(const char *text, const tarn_qtok *tok, char *out, size_t cap)
{
    const char *p = text + tok->off;
    size_t o = 0;
    if (tok->kind == TARN_QTOK_IDENT) {
        if (tok->len >= cap)
            return false;
        for (size_t k = 0; k < tok->len; k++)
            out[o++] = (char)tolower((unsigned char)p[k]);
    } else if (tok->kind == TARN_QTOK_QIDENT || tok->kind == TARN_QTOK_BQIDENT) {
        char q = p[0];
        size_t end = tok->len >= 2 && p[tok->len - 1] == q ? tok->len - 1 : tok->len;
        for (size_t k = 1; k < end; k++) {
            if (o + 1 >= cap)
                return false;
            out[o++] = p[k];
            if (p[k] == q && k + 1 < end && p[k + 1] == q)
                k++;
        }
    } else {
        return false;
    }
    out[o] = '\0';
    return true;
}

/* ---- statements ---------------------------------------------------------- */

size_t tarn_qdialect_statement_len(const char *sql, size_t len, bool *complete)
{
    for (size_t i = 0; i < len;) {
        int kind;
        size_t l = token_at(sql, len, i, &kind);
        if (kind == TARN_QTOK_PUNCT && sql[i] == ';') {
            if (complete)
                *complete = true;
            return i + 1;
        }
        i += l;
    }
    if (complete)
        *complete = false;
    return len;
}

bool tarn_qdialect_blank(const char *sql, size_t len)
{
    for (size_t i = 0; i < len;) {
        int kind;
        size_t l = token_at(sql, len, i, &kind);
        if (kind != TARN_QTOK_SPACE && kind != TARN_QTOK_COMMENT && !(kind == TARN_QTOK_PUNCT && sql[i] == ';'))
            return false;
        i += l;
    }
    return true;
}

/* ---- positions ------------------------------------------------------- */

void tarn_qtext_position(const char *text, size_t off, int *line, int *col)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < off && text[i]; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++;    /* one column per character, not per UTF-8 byte */
        }
    }
    *line = l;
    *col = c;
}

void tarn_qtext_free(tarn_qtext *t)
{
    if (!t)
        return;
    free(t->sql);
    free(t->origin);
    t->sql = NULL;
    t->origin = NULL;
    t->len = 0;
}

/* ---- the rewrite ------------------------------------------------------- */

enum { ACT_KEEP, ACT_DROP, ACT_REPLACE };

/* What happens to each token: kept, dropped, or replaced by text whose
** bytes all map back to user offset origin; text can be put before and
** after it whatever happens to it (mapped to the token's first byte). */
typedef struct action {
    int what;
    char *text;     /* ACT_REPLACE (owned) */
    size_t origin;
    char *prefix, *suffix;  /* owned, or NULL */
} action;

typedef struct rewriter {
    const char *sql;
    size_t len;
    tarn_qtok *toks;
    size_t n;
    action *act;
    /* For the last token of a rewritten `x + INTERVAL ...`: the index of
    ** the first token of its whole expression (else 0 and unused), so a
    ** chained interval wraps all of it. */
    size_t *operand_start;
    size_t try_end;     /* tokens before it are inside TRY(...) */
    tarn_error *err;
} rewriter;

static bool significant(const tarn_qtok *t)
{
    return t->kind != TARN_QTOK_SPACE && t->kind != TARN_QTOK_COMMENT;
}

/* Index of the first significant token after i (n when none). */
static size_t next_sig(const rewriter *rw, size_t i)
{
    for (i++; i < rw->n && !significant(&rw->toks[i]); i++)
        ;
    return i;
}

static bool is_punct(const rewriter *rw, size_t i, const char *p)
{
    return i < rw->n && rw->toks[i].kind == TARN_QTOK_PUNCT && rw->toks[i].len == strlen(p) &&
           memcmp(rw->sql + rw->toks[i].off, p, rw->toks[i].len) == 0;
}

static bool is_kw(const rewriter *rw, size_t i, const char *kw)
{
    return i < rw->n && tarn_qtok_is(rw->sql, &rw->toks[i], kw);
}

static void replace(rewriter *rw, size_t i, char *text, size_t origin)
{
    free(rw->act[i].text);
    rw->act[i].what = ACT_REPLACE;
    rw->act[i].text = text;
    rw->act[i].origin = origin;
}

static void drop_range(rewriter *rw, size_t from, size_t to)
{
    for (size_t k = from; k < to && k < rw->n; k++) {
        free(rw->act[k].text);
        rw->act[k].what = ACT_DROP;
        rw->act[k].text = NULL;
    }
}

/* Put text before (prefix) or after token i; text is owned. */
static void add_around(rewriter *rw, size_t i, char *text, bool before)
{
    char **slot = before ? &rw->act[i].prefix : &rw->act[i].suffix;
    if (*slot) {
        char *joined = before ? tarn_xasprintf("%s%s", text, *slot) : tarn_xasprintf("%s%s", *slot, text);
        free(*slot);
        free(text);
        text = joined;
    }
    *slot = text;
}

/* An Athena error at user offset off: "CODE: line L:C: message". */
static int fail_at(rewriter *rw, int status, size_t off, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail_at(rewriter *rw, int status, size_t off, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    int line, col;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tarn_qtext_position(rw->sql, off, &line, &col);
    return tarn_error_set(rw->err, status, "%s: line %d:%d: %s", code, line, col, msg);
}

/* The content of string token i with '' undone (caller frees). */
static char *string_value(const rewriter *rw, size_t i)
{
    const tarn_qtok *t = &rw->toks[i];
    const char *p = rw->sql + t->off;
    size_t end = t->len >= 2 && p[t->len - 1] == '\'' ? t->len - 1 : t->len;
    char *out = tarn_xmalloc(t->len + 1);
    size_t o = 0;
    for (size_t k = 1; k < end; k++) {
        out[o++] = p[k];
        if (p[k] == '\'' && k + 1 < end && p[k + 1] == '\'')
            k++;
    }
    out[o] = '\0';
    return out;
}

/* DATE '...' / TIMESTAMP '...' at token i (the keyword) with the string at
** s: the literal becomes the canonical text. */
static int rewrite_time_literal(rewriter *rw, size_t i, size_t s, bool is_date)
{
    char *v = string_value(rw, s);
    int64_t us;
    bool has_time;
    bool ok = tarn_qtime_parse(v, strlen(v), &us, &has_time) && !(is_date && has_time);
    if (!ok) {
        int rc = fail_at(rw, TARN_ERR_INVALID, rw->toks[i].off, "INVALID_LITERAL",
                         "'%s' is not a valid %s literal", v, is_date ? "date" : "timestamp");
        free(v);
        return rc;
    }
    free(v);
    char buf[48];
    buf[0] = '\'';
    int n = is_date ? tarn_qtime_format_date(tarn_qtime_floordiv(us, TARN_QTIME_US_PER_DAY), buf + 1)
                    : tarn_qtime_format_ts(us, buf + 1);
    buf[n + 1] = '\'';
    buf[n + 2] = '\0';
    drop_range(rw, i, s);
    replace(rw, s, tarn_xstrdup(buf), rw->toks[i].off);
    return TARN_OK;
}

/* A numeric typed literal (DECIMAL '1.5', BIGINT '7'): the number itself. */
static int rewrite_number_literal(rewriter *rw, size_t i, size_t s, const char *type)
{
    char *v = string_value(rw, s);
    char *b = v, *end;
    while (isspace((unsigned char)*b))
        b++;
    size_t l = strlen(b);
    while (l > 0 && isspace((unsigned char)b[l - 1]))
        b[--l] = '\0';
    bool integral = strcasecmp(type, "decimal") != 0 && strcasecmp(type, "double") != 0 &&
                    strcasecmp(type, "real") != 0;
    if (integral)
        (void)strtoll(b, &end, 10);
    else
        (void)strtod(b, &end);
    if (l == 0 || *end != '\0' || !(isdigit((unsigned char)*b) || *b == '-' || *b == '+' || *b == '.')) {
        int rc = fail_at(rw, TARN_ERR_INVALID, rw->toks[i].off, "INVALID_LITERAL",
                         "'%s' is not a valid %s literal", v, type);
        free(v);
        return rc;
    }
    char *text = tarn_xasprintf("(%s)", b);
    for (char *p = text; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    free(v);
    drop_range(rw, i, s);
    replace(rw, s, text, rw->toks[i].off);
    return TARN_OK;
}

static int rewrite_typed_literal(rewriter *rw, size_t i)
{
    static const char *numeric[] = {"decimal", "double", "real", "bigint", "integer",
                                    "int", "smallint", "tinyint"};
    size_t s = next_sig(rw, i);
    if (s >= rw->n || rw->toks[s].kind != TARN_QTOK_STRING)
        return TARN_OK;
    if (is_kw(rw, i, "date") || is_kw(rw, i, "timestamp"))
        return rewrite_time_literal(rw, i, s, is_kw(rw, i, "date"));
    if (is_kw(rw, i, "varchar") || is_kw(rw, i, "char")) {
        drop_range(rw, i, s);   /* VARCHAR 'x' is the string 'x' */
        return TARN_OK;
    }
    for (size_t k = 0; k < sizeof numeric / sizeof numeric[0]; k++)
        if (is_kw(rw, i, numeric[k]))
            return rewrite_number_literal(rw, i, s, numeric[k]);
    return TARN_OK;
}

/* The target of a CAST, as the helper's suffix and its extra arguments. */
typedef struct cast_type {
    const char *helper;     /* "bigint", ... ; NULL: SQLite's own CAST */
    int nparams;            /* numbers in parentheses after the name */
    long params[2];
    size_t last;            /* index of the type's last token */
} cast_type;

static const struct {
    const char *name, *helper;
    int min_params, max_params;
} cast_names[] = {
    {"bigint", "bigint", 0, 0},     {"integer", "integer", 0, 0}, {"int", "integer", 0, 0},
    {"smallint", "smallint", 0, 0}, {"tinyint", "tinyint", 0, 0}, {"double", "double", 0, 0},
    {"real", "real", 0, 0},         {"float", "real", 0, 0},      {"varchar", "varchar", 0, 1},
    {"string", "varchar", 0, 0},    {"char", "char", 0, 1},       {"boolean", "boolean", 0, 0},
    {"date", "date", 0, 0},         {"timestamp", "timestamp", 0, 1},
    {"decimal", "decimal", 0, 2},   {"numeric", "decimal", 0, 2},  {"varbinary", NULL, 0, 0},
};

/* Parse "( n [, n] )" after the type name at token i into ct; false when
** it is not that shape. */
static bool cast_params(rewriter *rw, size_t i, cast_type *ct)
{
    size_t k = next_sig(rw, i);
    ct->last = i;
    if (!is_punct(rw, k, "("))
        return true;
    for (;;) {
        k = next_sig(rw, k);
        if (k >= rw->n || rw->toks[k].kind != TARN_QTOK_NUMBER || ct->nparams == 2)
            return false;
        ct->params[ct->nparams++] = strtol(rw->sql + rw->toks[k].off, NULL, 10);
        k = next_sig(rw, k);
        if (is_punct(rw, k, ")"))
            break;
        if (!is_punct(rw, k, ","))
            return false;
    }
    ct->last = k;
    return true;
}

/* "WITH TIME ZONE" / "WITHOUT TIME ZONE" after a timestamp type. */
static size_t skip_time_zone(rewriter *rw, size_t last)
{
    size_t a = next_sig(rw, last), b = next_sig(rw, a), c = next_sig(rw, b);
    if ((is_kw(rw, a, "with") || is_kw(rw, a, "without")) && is_kw(rw, b, "time") &&
        is_kw(rw, c, "zone"))
        return c;
    return last;
}

static int parse_cast_type(rewriter *rw, size_t i, cast_type *ct)
{
    char name[64];
    memset(ct, 0, sizeof *ct);
    if (!tarn_qtok_ident(rw->sql, &rw->toks[i], name, sizeof name))
        return fail_at(rw, TARN_ERR_INVALID, rw->toks[i].off, "SYNTAX_ERROR",
                       "mismatched input '%.*s'. Expecting: <type>", (int)rw->toks[i].len,
                       rw->sql + rw->toks[i].off);
    for (size_t k = 0; k < sizeof cast_names / sizeof cast_names[0]; k++) {
        if (strcmp(name, cast_names[k].name) != 0)
            continue;
        if (!cast_params(rw, i, ct) || ct->nparams < cast_names[k].min_params ||
            ct->nparams > cast_names[k].max_params)
            return fail_at(rw, TARN_ERR_INVALID, rw->toks[i].off, "TYPE_NOT_FOUND",
                           "Unknown type: %s with these parameters", name);
        ct->helper = cast_names[k].helper;
        if (strcmp(name, "timestamp") == 0) {
            ct->nparams = 0;    /* precision: tarn keeps microseconds */
            ct->last = skip_time_zone(rw, ct->last);
        }
        if (strcmp(name, "double") == 0 && is_kw(rw, next_sig(rw, i), "precision"))
            ct->last = next_sig(rw, i);
        return TARN_OK;
    }
    if (!strcmp(name, "json") || !strcmp(name, "array") || !strcmp(name, "map") ||
        !strcmp(name, "row") || !strcmp(name, "time") || !strcmp(name, "ipaddress"))
        return fail_at(rw, TARN_ERR_UNSUPPORTED, rw->toks[i].off, "NOT_SUPPORTED",
                       "tarn cannot cast to %s", name);
    return fail_at(rw, TARN_ERR_INVALID, rw->toks[i].off, "TYPE_NOT_FOUND", "Unknown type: %s",
                   name);
}

/* Index of the parenthesis closing the one at open, and of the last AS at
** depth one inside (n when absent). */
static size_t matching_paren(const rewriter *rw, size_t open, size_t *as)
{
    int depth = 0;
    *as = rw->n;
    for (size_t k = open; k < rw->n; k++) {
        if (is_punct(rw, k, "("))
            depth++;
        else if (is_punct(rw, k, ")") && --depth == 0)
            return k;
        else if (depth == 1 && is_kw(rw, k, "as"))
            *as = k;
    }
    return rw->n;
}

/* CAST( expr AS type ) or TRY_CAST(...) at token i. */
static int rewrite_cast(rewriter *rw, size_t i, bool try_)
{
    size_t open = next_sig(rw, i), as, close;
    if (!is_punct(rw, open, "("))
        return TARN_OK;
    close = matching_paren(rw, open, &as);
    if (close >= rw->n || as >= rw->n)
        return TARN_OK;     /* SQLite reports the malformed CAST */
    size_t tname = next_sig(rw, as);
    cast_type ct;
    int rc = parse_cast_type(rw, tname, &ct);
    if (rc != TARN_OK)
        return rc;
    if (next_sig(rw, ct.last) != close)
        return fail_at(rw, TARN_ERR_INVALID, rw->toks[next_sig(rw, ct.last)].off, "SYNTAX_ERROR",
                       "mismatched input '%.*s'. Expecting: ')'",
                       (int)rw->toks[next_sig(rw, ct.last)].len,
                       rw->sql + rw->toks[next_sig(rw, ct.last)].off);
    if (!ct.helper) {   /* varbinary: SQLite's CAST AS BLOB */
        if (try_)
            replace(rw, i, tarn_xstrdup("CAST"), rw->toks[i].off);
        drop_range(rw, tname, close);
        replace(rw, tname, tarn_xstrdup("BLOB"), rw->toks[tname].off);
        return TARN_OK;
    }
    replace(rw, i, tarn_xasprintf("__tarn_%scast_%s", try_ ? "try_" : "", ct.helper),
            rw->toks[i].off);
    size_t from = as;
    while (from > open + 1 && !significant(&rw->toks[from - 1]))
        from--;
    drop_range(rw, from, close);
    if (ct.nparams == 1)
        replace(rw, as, tarn_xasprintf(", %ld", ct.params[0]), rw->toks[as].off);
    else if (ct.nparams == 2)
        replace(rw, as, tarn_xasprintf(", %ld, %ld", ct.params[0], ct.params[1]),
                rw->toks[as].off);
    return TARN_OK;
}

/* `name` -> "name" (a double quote inside is doubled, `` is one `). */
static void rewrite_backquote(rewriter *rw, size_t i)
{
    char *name = tarn_xmalloc(rw->toks[i].len + 1);
    tarn_qtok_ident(rw->sql, &rw->toks[i], name, rw->toks[i].len + 1);
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_buf_putc(&b, '"');
    for (const char *p = name; *p; p++) {
        if (*p == '"')
            tarn_buf_putc(&b, '"');
        tarn_buf_putc(&b, *p);
    }
    tarn_buf_putc(&b, '"');
    free(name);
    replace(rw, i, b.data, rw->toks[i].off);
}

/* IS [NOT] DISTINCT FROM at token i (IS). */
static void rewrite_distinct(rewriter *rw, size_t i)
{
    size_t a = next_sig(rw, i);
    bool neg = is_kw(rw, a, "not");
    size_t d = neg ? next_sig(rw, a) : a, f = next_sig(rw, d);
    if (!is_kw(rw, d, "distinct") || !is_kw(rw, f, "from"))
        return;
    drop_range(rw, i + 1, f + 1);
    replace(rw, i, tarn_xstrdup(neg ? "IS" : "IS NOT"), rw->toks[i].off);
}

/* Index of the last significant token before i (n when none). */
static size_t prev_sig(const rewriter *rw, size_t i)
{
    while (i > 0) {
        i--;
        if (significant(&rw->toks[i]))
            return i;
    }
    return rw->n;
}

/* The depth-one commas inside the parentheses open..close (at most max;
** returns how many there are). */
static int depth_one_commas(const rewriter *rw, size_t open, size_t close, size_t *at, int max)
{
    int depth = 0, count = 0;
    for (size_t k = open; k < close; k++) {
        if (is_punct(rw, k, "("))
            depth++;
        else if (is_punct(rw, k, ")"))
            depth--;
        else if (depth == 1 && is_punct(rw, k, ",") && count++ < max)
            at[count - 1] = k;
    }
    return count;
}

/* IF(c, a[, b]) -> (CASE WHEN c THEN a ELSE b END): only the branch
** taken is evaluated, as in Trino. */
static void rewrite_if(rewriter *rw, size_t i)
{
    size_t open = next_sig(rw, i), as, commas[2];
    size_t close = matching_paren(rw, open, &as);
    if (close >= rw->n)
        return;
    int n = depth_one_commas(rw, open, close, commas, 2);
    if (n < 1 || n > 2)
        return;     /* SQLite reports the call */
    drop_range(rw, i, open);
    replace(rw, open, tarn_xstrdup("(CASE WHEN "), rw->toks[i].off);
    replace(rw, commas[0], tarn_xstrdup(" THEN "), rw->toks[commas[0]].off);
    if (n == 2)
        replace(rw, commas[1], tarn_xstrdup(" ELSE "), rw->toks[commas[1]].off);
    replace(rw, close, tarn_xstrdup(" END)"), rw->toks[close].off);
}

/* EXTRACT(field FROM x) -> field(x). */
static int rewrite_extract(rewriter *rw, size_t i)
{
    static const struct { const char *field, *fn; } fields[] = {
        {"year", "year"}, {"quarter", "quarter"}, {"month", "month"}, {"week", "week"},
        {"day", "day"}, {"day_of_month", "day"}, {"day_of_week", "day_of_week"},
        {"dow", "day_of_week"}, {"day_of_year", "day_of_year"}, {"doy", "day_of_year"},
        {"year_of_week", "year_of_week"}, {"yow", "year_of_week"}, {"hour", "hour"},
        {"minute", "minute"}, {"second", "second"},
    };
    size_t open = next_sig(rw, i), f = next_sig(rw, open), from = next_sig(rw, f);
    if (!is_punct(rw, open, "(") || !is_kw(rw, from, "from"))
        return TARN_OK;
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        if (is_kw(rw, f, fields[k].field)) {
            replace(rw, i, tarn_xstrdup(fields[k].fn), rw->toks[i].off);
            drop_range(rw, open + 1, next_sig(rw, from));
            return TARN_OK;
        }
    }
    return fail_at(rw, TARN_ERR_INVALID, rw->toks[f].off, "SYNTAX_ERROR",
                   "Invalid EXTRACT field: %.*s", (int)rw->toks[f].len, rw->sql + rw->toks[f].off);
}

/* Words that end an ORDER BY list at its own depth. */
static bool ends_order_by(const rewriter *rw, size_t k)
{
    static const char *words[] = {"limit", "offset", "fetch", "rows", "range", "groups",
                                  "union", "except", "intersect", "window"};
    if (is_punct(rw, k, ";"))
        return true;
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
        if (is_kw(rw, k, words[w]))
            return true;
    return false;
}

/* Close one ORDER BY term ending at token last: Trino puts NULLs last in
** both directions, SQLite first when ascending. */
static void close_term(rewriter *rw, size_t last, bool has_nulls)
{
    if (last < rw->n && !has_nulls && !is_kw(rw, last, "desc"))
        add_around(rw, last, tarn_xstrdup(" NULLS LAST"), false);
}

/* ORDER BY at token i (ORDER): each ascending term gets NULLS LAST. */
static void rewrite_order_by(rewriter *rw, size_t i)
{
    size_t by = next_sig(rw, i), last = rw->n;
    bool has_nulls = false;
    int depth = 0;
    if (!is_kw(rw, by, "by"))
        return;
    for (size_t k = next_sig(rw, by); k < rw->n; k = next_sig(rw, k)) {
        if (depth == 0 && (is_punct(rw, k, ")") || ends_order_by(rw, k)))
            break;
        if (is_punct(rw, k, "("))
            depth++;
        else if (is_punct(rw, k, ")"))
            depth--;
        if (depth == 0 && is_punct(rw, k, ",")) {
            close_term(rw, last, has_nulls);
            has_nulls = false;
            last = rw->n;
            continue;
        }
        has_nulls |= depth == 0 && is_kw(rw, k, "nulls");
        last = k;
    }
    close_term(rw, last, has_nulls);
}

/* Words before a parenthesis that make it a group, not a call. */
static bool is_clause_word(const rewriter *rw, size_t k)
{
    static const char *words[] = {"and", "or", "not", "where", "select", "when", "then", "else",
                                  "on", "in", "by", "between", "having", "as", "return", "case"};
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
        if (is_kw(rw, k, words[w]))
            return true;
    return false;
}

/* First token of the operand that ends at token p (n when there is no
** simple one): a name (a.b.c), a literal, a call, a parenthesized group,
** or an expression an earlier interval rewrite built. */
static size_t operand_start(const rewriter *rw, size_t p)
{
    if (p >= rw->n)
        return rw->n;
    if (rw->operand_start[p])
        return rw->operand_start[p] - 1;
    const tarn_qtok *t = &rw->toks[p];
    if (is_punct(rw, p, ")")) {
        int depth = 0;
        for (size_t k = p + 1; k-- > 0;) {
            depth += is_punct(rw, k, ")") ? 1 : is_punct(rw, k, "(") ? -1 : 0;
            if (depth == 0) {
                size_t f = prev_sig(rw, k);
                return f < rw->n && rw->toks[f].kind == TARN_QTOK_IDENT && !is_clause_word(rw, f) ? f : k;
            }
        }
        return rw->n;
    }
    if (t->kind == TARN_QTOK_STRING) {  /* DATE '...' was a literal */
        size_t kw = prev_sig(rw, p);
        return kw < rw->n && rw->act[kw].what == ACT_DROP ? kw : p;
    }
    if (t->kind != TARN_QTOK_IDENT && t->kind != TARN_QTOK_QIDENT && t->kind != TARN_QTOK_NUMBER &&
        t->kind != TARN_QTOK_BQIDENT)
        return rw->n;
    while (p > 0) {
        size_t dot = prev_sig(rw, p), q = dot < rw->n ? prev_sig(rw, dot) : rw->n;
        if (!is_punct(rw, dot, ".") || q >= rw->n)
            break;
        p = q;
    }
    return p;
}

/* x op ALL|ANY|SOME (subquery) at token i (the comparison operator).
** SQLite has no quantified comparisons. = ANY and <> ALL are IN and NOT
** IN. Otherwise the subquery is summed up once by an aggregate over its
** rows (named by a first SELECT that yields none), so it stays
** uncorrelated, and x is judged against the summary:
** __tarn_quantified('op', all, x, (SELECT __tarn_quantified_summary(
** "__tarn_v") FROM (SELECT NULL AS "__tarn_v" WHERE 0 UNION ALL
** subquery))). */
static int rewrite_quantified(rewriter *rw, size_t i)
{
    static const char *ops[] = {"=", "<>", "!=", "<", "<=", ">", ">="};
    size_t q = next_sig(rw, i), open = next_sig(rw, q), as, o;
    for (o = 0; o < sizeof ops / sizeof ops[0] && !is_punct(rw, i, ops[o]); o++)
        ;
    bool all = is_kw(rw, q, "all");
    if (o == sizeof ops / sizeof ops[0] || !(all || is_kw(rw, q, "any") || is_kw(rw, q, "some")) ||
        !is_punct(rw, open, "(") || !is_kw(rw, next_sig(rw, open), "select"))
        return TARN_OK;
    size_t close = matching_paren(rw, open, &as);
    size_t start = operand_start(rw, prev_sig(rw, i)), before = prev_sig(rw, start);
    static const char *arith[] = {"+", "-", "*", "/", "%", "||"};
    bool bare = start < rw->n;
    for (size_t a = 0; bare && a < sizeof arith / sizeof arith[0]; a++)
        bare = !is_punct(rw, before, arith[a]);
    if (!bare || close >= rw->n)
        return fail_at(rw, TARN_ERR_UNSUPPORTED, rw->toks[i].off, "NOT_SUPPORTED",
                       "put the expression before '%s %s' in parentheses", ops[o],
                       all ? "ALL" : "ANY");
    bool eq = !strcmp(ops[o], "="), ne = !strcmp(ops[o], "<>") || !strcmp(ops[o], "!=");
    if ((eq && !all) || (ne && all)) {
        replace(rw, i, tarn_xstrdup(eq ? "IN" : "NOT IN"), rw->toks[i].off);
        drop_range(rw, q, open);
        return TARN_OK;
    }
    add_around(rw, start, tarn_xasprintf("__tarn_quantified('%s', %d, ", ops[o], all), true);
    replace(rw, i, tarn_xstrdup(", (SELECT __tarn_quantified_summary(\"__tarn_v\") FROM"),
            rw->toks[i].off);
    drop_range(rw, q, open);
    add_around(rw, next_sig(rw, open), tarn_xstrdup("SELECT NULL AS \"__tarn_v\" WHERE 0 UNION ALL "),
               true);
    add_around(rw, close, tarn_xstrdup("))"), false);
    return TARN_OK;
}

/* x + INTERVAL 'n' unit / x - INTERVAL ... at token i (the operator) ->
** date_add('unit', [-]n, x). */
static int rewrite_interval(rewriter *rw, size_t i)
{
    static const char *units[] = {"year", "month", "day", "hour", "minute", "second"};
    size_t kw = next_sig(rw, i), str = next_sig(rw, kw), unit = next_sig(rw, str), u;
    if (!is_kw(rw, kw, "interval") || str >= rw->n || rw->toks[str].kind != TARN_QTOK_STRING)
        return TARN_OK;
    for (u = 0; u < sizeof units / sizeof units[0] && !is_kw(rw, unit, units[u]); u++)
        ;
    char *v = string_value(rw, str), *end;
    long long n = strtoll(v, &end, 10);
    bool ok = u < sizeof units / sizeof units[0] && *v && *end == '\0';
    free(v);
    if (!ok || is_kw(rw, next_sig(rw, unit), "to"))
        return fail_at(rw, TARN_ERR_UNSUPPORTED, rw->toks[kw].off, "NOT_SUPPORTED",
                       "tarn supports INTERVAL 'n' YEAR|MONTH|DAY|HOUR|MINUTE|SECOND only");
    size_t start = operand_start(rw, prev_sig(rw, i));
    if (start >= rw->n)
        return fail_at(rw, TARN_ERR_UNSUPPORTED, rw->toks[i].off, "NOT_SUPPORTED",
                       "put the expression before '%c INTERVAL' in parentheses",
                       rw->sql[rw->toks[i].off]);
    add_around(rw, start, tarn_xasprintf("date_add('%s', %lld, ", units[u],
                                         rw->sql[rw->toks[i].off] == '-' ? -n : n), true);
    replace(rw, i, tarn_xstrdup(")"), rw->toks[i].off);
    drop_range(rw, i + 1, unit + 1);
    rw->operand_start[unit] = start + 1;
    return TARN_OK;
}

const char *const tarn_qdialect_try_names[] = {
    "date_trunc", "date_add", "date_diff", "date_format", "date_parse", "format_datetime",
    "from_iso8601_date",
    "from_iso8601_timestamp", "to_iso8601", "from_unixtime", "to_unixtime", "last_day_of_month",
    "year", "month", "day", "day_of_week", "day_of_year", "quarter", "week", "year_of_week",
    "hour", "minute", "second", "millisecond", "day_of_month", "dow", "doy", "week_of_year",
    "yow", "split_part", "strpos", "lpad", "rpad", "concat", "regexp_like", "regexp_extract",
    "regexp_replace", "regexp_count", "round", "mod", "random", "rand", "json_extract_scalar",
    "json_extract", "json_size", NULL};

/* TRY(expr) at token i: the parentheses stay, and inside them CAST and
** the functions that can fail take their forms that give NULL. */
static void rewrite_try(rewriter *rw, size_t i)
{
    size_t open = next_sig(rw, i), as;
    size_t close = matching_paren(rw, open, &as);
    if (close >= rw->n)
        return;
    drop_range(rw, i, open);
    if (close > rw->try_end)
        rw->try_end = close;
}

/* Inside TRY: a call of a function that can fail calls its try form. */
static bool rewrite_try_call(rewriter *rw, size_t i)
{
    if (i >= rw->try_end || !is_punct(rw, next_sig(rw, i), "("))
        return false;
    for (const char *const *n = tarn_qdialect_try_names; *n; n++) {
        if (is_kw(rw, i, *n)) {
            replace(rw, i, tarn_xasprintf("__tarn_try_%s", *n), rw->toks[i].off);
            return true;
        }
    }
    return false;
}

/* POSITION(a IN b) -> __tarn_position(a, b); SUBSTRING(s FROM a [FOR b])
** -> substr(s, a, b). */
static void rewrite_keyword_args(rewriter *rw, size_t i, bool position)
{
    size_t open = next_sig(rw, i), as;
    size_t close = matching_paren(rw, open, &as);
    int depth = 0;
    bool changed = false;
    for (size_t k = open; k < close; k++) {
        depth += is_punct(rw, k, "(") ? 1 : is_punct(rw, k, ")") ? -1 : 0;
        if (depth == 1 && (position ? is_kw(rw, k, "in") : is_kw(rw, k, "from") || is_kw(rw, k, "for"))) {
            replace(rw, k, tarn_xstrdup(","), rw->toks[k].off);
            changed = true;
        }
    }
    if (changed)
        replace(rw, i, tarn_xstrdup(position ? "__tarn_position" : "substr"), rw->toks[i].off);
}

/* FETCH FIRST|NEXT n ROW|ROWS ONLY -> LIMIT n (the clause's tokens stay
** in place, so a following OFFSET can still find them). */
static void rewrite_fetch(rewriter *rw, size_t i)
{
    size_t first = next_sig(rw, i), n = next_sig(rw, first), rows = next_sig(rw, n);
    size_t only = next_sig(rw, rows);
    if (!(is_kw(rw, first, "first") || is_kw(rw, first, "next")) || n >= rw->n ||
        rw->toks[n].kind != TARN_QTOK_NUMBER || !(is_kw(rw, rows, "row") || is_kw(rw, rows, "rows")) ||
        !is_kw(rw, only, "only"))
        return;
    replace(rw, i, tarn_xstrdup("LIMIT"), rw->toks[i].off);
    drop_range(rw, first, n);
    drop_range(rw, n + 1, only + 1);
}

/* The last token of the LIMIT n / FETCH ... ONLY clause after token i at
** the same depth, or n. */
static size_t limit_clause_end(const rewriter *rw, size_t i)
{
    int depth = 0;
    for (size_t k = next_sig(rw, i); k < rw->n; k = next_sig(rw, k)) {
        depth += is_punct(rw, k, "(") ? 1 : is_punct(rw, k, ")") ? -1 : 0;
        if (depth < 0 || (depth == 0 && is_punct(rw, k, ";")))
            return rw->n;
        if (depth == 0 && is_kw(rw, k, "limit"))
            return next_sig(rw, k);
        if (depth == 0 && is_kw(rw, k, "fetch")) {
            size_t only = next_sig(rw, next_sig(rw, next_sig(rw, next_sig(rw, k))));
            return is_kw(rw, only, "only") ? only : rw->n;
        }
    }
    return rw->n;
}

/* Trino's OFFSET n [ROWS] comes before LIMIT; SQLite wants LIMIT first and
** no OFFSET alone. LIMIT n OFFSET m (SQLite's order) is left alone. */
static void rewrite_offset(rewriter *rw, size_t i)
{
    size_t n = next_sig(rw, i), rows = next_sig(rw, n), before = prev_sig(rw, prev_sig(rw, i));
    if (n >= rw->n || rw->toks[n].kind != TARN_QTOK_NUMBER || is_kw(rw, before, "limit"))
        return;
    size_t last = is_kw(rw, rows, "row") || is_kw(rw, rows, "rows") ? rows : n;
    size_t end = limit_clause_end(rw, last);
    char *count = tarn_xstrndup(rw->sql + rw->toks[n].off, rw->toks[n].len);
    if (end < rw->n) {
        drop_range(rw, i, next_sig(rw, last));
        add_around(rw, end, tarn_xasprintf(" OFFSET %s", count), false);
    } else {
        drop_range(rw, i + 1, last + 1);
        replace(rw, i, tarn_xasprintf("LIMIT -1 OFFSET %s", count), rw->toks[i].off);
    }
    free(count);
}

/* Words that cannot be a table alias (they go on with the statement). */
static bool is_reserved(const rewriter *rw, size_t k)
{
    static const char *words[] = {"and", "or", "not", "union", "except", "intersect", "on", "join",
                                  "inner", "left", "right", "full", "cross", "natural", "using",
                                  "where", "group", "order", "limit", "having", "then", "else",
                                  "when", "end", "in", "is", "as", "select", "from", "window",
                                  "offset", "fetch", "values", "like", "between", "exists"};
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
        if (is_kw(rw, k, words[w]))
            return true;
    return false;
}

/* Column aliases on a derived table, (SELECT ...|VALUES ...) [AS] t(a, b):
** SQLite has none, so a first SELECT that names the columns and yields no
** row goes in front: (SELECT NULL AS "a", NULL AS "b" WHERE 0 UNION ALL
** SELECT ...) AS t. Token i is the opening parenthesis. */
static void rewrite_derived_aliases(rewriter *rw, size_t i)
{
    size_t first = next_sig(rw, i), as, cols_as;
    if (!is_kw(rw, first, "select") && !is_kw(rw, first, "values"))
        return;
    size_t close = matching_paren(rw, i, &as), alias = next_sig(rw, close);
    if (is_kw(rw, alias, "as"))
        alias = next_sig(rw, alias);
    size_t lp = next_sig(rw, alias);
    if (alias >= rw->n || (rw->toks[alias].kind != TARN_QTOK_IDENT && rw->toks[alias].kind != TARN_QTOK_QIDENT) ||
        is_reserved(rw, alias) || !is_punct(rw, lp, "("))
        return;
    size_t rp = matching_paren(rw, lp, &cols_as);
    tarn_buf head;
    tarn_buf_init(&head, 0);
    tarn_buf_appendf(&head, "SELECT ");
    for (size_t k = next_sig(rw, lp); k < rp; k = next_sig(rw, next_sig(rw, k))) {
        char name[256];
        if (!tarn_qtok_ident(rw->sql, &rw->toks[k], name, sizeof name) || strchr(name, '"') ||
            !(is_punct(rw, next_sig(rw, k), ",") || next_sig(rw, k) == rp)) {
            tarn_buf_free(&head);
            return;     /* not a plain list of names: SQLite reports it */
        }
        tarn_buf_appendf(&head, "%sNULL AS \"%s\"", k == next_sig(rw, lp) ? "" : ", ", name);
    }
    tarn_buf_appendf(&head, " WHERE 0 UNION ALL ");
    add_around(rw, first, head.data, true);
    drop_range(rw, alias + 1, rp + 1);
}

/* Trino syntax tarn does not run: say so instead of a syntax error. */
static int refuse_unsupported(rewriter *rw, size_t i)
{
    static const char *words[] = {"rollup", "cube", "unnest", "array", "map", "row"};
    size_t next = next_sig(rw, i);
    bool grouping_sets = is_kw(rw, i, "grouping") && is_kw(rw, next, "sets");
    for (size_t w = 0; w < sizeof words / sizeof words[0] && !grouping_sets; w++) {
        if (!is_kw(rw, i, words[w]) || !(is_punct(rw, next, "(") || is_punct(rw, next, "[")))
            continue;
        if (w >= 3 && is_punct(rw, next, "(") && strcmp(words[w], "unnest") != 0)
            continue;   /* map(...), row(...), array(...) may be user functions */
        return fail_at(rw, TARN_ERR_UNSUPPORTED, rw->toks[i].off, "NOT_SUPPORTED",
                       "tarn does not support %s", w < 2 ? "ROLLUP and CUBE" : w == 2 ? "UNNEST"
                                                   : "ARRAY, MAP and ROW values");
    }
    if (grouping_sets)
        return fail_at(rw, TARN_ERR_UNSUPPORTED, rw->toks[i].off, "NOT_SUPPORTED",
                       "tarn does not support GROUPING SETS");
    return TARN_OK;
}

/* Small rewrites the keyword table names. */
static void rewrite_position(rewriter *rw, size_t i)
{
    rewrite_keyword_args(rw, i, true);
}

static void rewrite_substring(rewriter *rw, size_t i)
{
    rewrite_keyword_args(rw, i, false);
}

static void rewrite_limit_all(rewriter *rw, size_t i)
{
    size_t all = next_sig(rw, i);
    if (is_kw(rw, all, "all"))
        replace(rw, all, tarn_xstrdup("-1"), rw->toks[all].off);
}

static void rewrite_now(rewriter *rw, size_t i)
{
    if (!is_punct(rw, next_sig(rw, i), "("))
        replace(rw, i, tarn_xstrdup("now()"), rw->toks[i].off);
}

/* Keyword -> rewrite (call: only when a parenthesis follows). */
static const struct {
    const char *kw;
    bool call;
    void (*fn)(rewriter *, size_t);
} word_rewrites[] = {
    {"position", true, rewrite_position},    {"substring", true, rewrite_substring},
    {"try", true, rewrite_try},              {"if", true, rewrite_if},
    {"order", false, rewrite_order_by},      {"offset", false, rewrite_offset},
    {"fetch", false, rewrite_fetch},         {"limit", false, rewrite_limit_all},
    {"is", false, rewrite_distinct},         {"current_timestamp", false, rewrite_now},
    {"localtimestamp", false, rewrite_now},
};

static int rewrite_word(rewriter *rw, size_t i)
{
    for (size_t k = 0; k < sizeof word_rewrites / sizeof word_rewrites[0]; k++) {
        if (is_kw(rw, i, word_rewrites[k].kw) &&
            (!word_rewrites[k].call || is_punct(rw, next_sig(rw, i), "("))) {
            word_rewrites[k].fn(rw, i);
            return TARN_OK;
        }
    }
    int rc = refuse_unsupported(rw, i);
    if (rc != TARN_OK || rewrite_try_call(rw, i))
        return rc;
    if (is_kw(rw, i, "extract"))
        return rewrite_extract(rw, i);
    if (is_kw(rw, i, "cast") || is_kw(rw, i, "try_cast"))
        return rewrite_cast(rw, i, is_kw(rw, i, "try_cast") || i < rw->try_end);
    return rewrite_typed_literal(rw, i);
}

/* Mark every token's action; stops at the first error. */
static int plan(rewriter *rw)
{
    for (size_t i = 0; i < rw->n; i++) {
        if (rw->act[i].what == ACT_DROP)
            continue;
        int rc = TARN_OK;
        if (rw->toks[i].kind == TARN_QTOK_BQIDENT)
            rewrite_backquote(rw, i);
        else if (is_punct(rw, i, "+") || is_punct(rw, i, "-"))
            rc = rewrite_interval(rw, i);
        else if (is_punct(rw, i, "("))
            rewrite_derived_aliases(rw, i);
        else if (rw->toks[i].kind == TARN_QTOK_PUNCT)
            rc = rewrite_quantified(rw, i);
        else if (rw->toks[i].kind == TARN_QTOK_IDENT && rw->act[i].what == ACT_KEEP)
            rc = rewrite_word(rw, i);
        if (rc != TARN_OK)
            return rc;
    }
    return TARN_OK;
}

/* Append n bytes to out with their origins (base + k when step, else base). */
static void emit(tarn_buf *out, tarn_buf *orig, const char *p, size_t n, size_t base, bool step)
{
    tarn_buf_append(out, p, n);
    for (size_t k = 0; k < n; k++) {
        size_t o = step ? base + k : base;
        tarn_buf_append(orig, &o, sizeof o);
    }
}

static void assemble(const rewriter *rw, tarn_qtext *out)
{
    tarn_buf sql, orig;
    tarn_buf_init(&sql, 0);
    tarn_buf_init(&orig, 0);
    for (size_t i = 0; i < rw->n; i++) {
        const action *a = &rw->act[i];
        if (a->prefix)
            emit(&sql, &orig, a->prefix, strlen(a->prefix), rw->toks[i].off, false);
        if (a->what == ACT_KEEP)
            emit(&sql, &orig, rw->sql + rw->toks[i].off, rw->toks[i].len, rw->toks[i].off, true);
        else if (a->what == ACT_REPLACE)
            emit(&sql, &orig, a->text, strlen(a->text), a->origin, false);
        if (a->suffix)
            emit(&sql, &orig, a->suffix, strlen(a->suffix), rw->toks[i].off, false);
    }
    size_t end = rw->len;
    tarn_buf_append(&orig, &end, sizeof end);
    if (!sql.data)
        tarn_buf_putc(&sql, '\0'), sql.len = 0;
    out->sql = sql.data;
    out->len = sql.len;
    out->origin = (size_t *)orig.data;
}

int tarn_qdialect_rewrite(const char *sql, size_t len, tarn_qtext *out, tarn_error *err)
{
    rewriter rw = {.sql = sql, .len = len, .err = err};
    memset(out, 0, sizeof *out);
    rw.toks = tarn_qtok_split(sql, len, &rw.n);
    rw.act = tarn_xcalloc(rw.n + 1, sizeof *rw.act);
    rw.operand_start = tarn_xcalloc(rw.n + 1, sizeof *rw.operand_start);
    int rc = plan(&rw);
    if (rc == TARN_OK)
        assemble(&rw, out);
    for (size_t i = 0; i < rw.n; i++) {
        free(rw.act[i].text);
        free(rw.act[i].prefix);
        free(rw.act[i].suffix);
    }
    free(rw.operand_start);
    free(rw.act);
    free(rw.toks);
    return rc;
}
