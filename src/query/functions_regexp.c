/*
** functions_regexp.c: regexp_like, regexp_extract, regexp_replace and
** regexp_count on POSIX extended regular expressions (glibc's regex.h),
** with the Java syntax users write for Trino translated: \d \D inside and
** outside brackets, \w \s (\W \S outside), (?:...) groups, a leading (?i),
** and $1 group references in replacements. Lazy and possessive
** quantifiers, look-around and back-references are refused with
** INVALID_FUNCTION_ARGUMENT rather than matched differently. POSIX picks
** the longest of the leftmost matches where Java picks the first
** alternative; the patterns users write rarely tell the two apart.
** A compiled pattern is cached on the statement (sqlite3_set_auxdata).
*/
#include "query/dialect_int.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GROUPS 32

/* A compiled pattern: Java group k is POSIX group map[k]. */
typedef struct jregex {
    regex_t re;
    int ngroups;            /* Java's capturing groups */
    int map[MAX_GROUPS + 1];
} jregex;

static void jregex_free(void *p)
{
    jregex *r = p;
    regfree(&r->re);
    free(r);
}

/* One escape inside brackets (the letter after the backslash) into body;
** ], - and ^ are only noted: translate_class places them where POSIX
** reads them literally. NULL or what is wrong. */
static const char *class_escape(char c, tarn_buf *body, bool *rbracket, bool *dash, bool *caret)
{
    switch (c) {
    case 'd': tarn_buf_appendf(body, "0-9"); break;
    case 'w': tarn_buf_appendf(body, "A-Za-z0-9_"); break;
    case 's': tarn_buf_appendf(body, "[:space:]"); break;
    case 't': tarn_buf_putc(body, '\t'); break;
    case 'n': tarn_buf_putc(body, '\n'); break;
    case 'r': tarn_buf_putc(body, '\r'); break;
    case ']': *rbracket = true; break;
    case '-': *dash = true; break;
    case '^': *caret = true; break;
    case '\0': return "pattern ends inside a bracket expression";
    default:
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            return "this escape is not supported inside brackets";
        tarn_buf_putc(body, c);
    }
    return NULL;
}

/* Translate a bracket expression starting at p[*i] == '[' into out. */
static const char *translate_class(const char *p, size_t *i, tarn_buf *out)
{
    tarn_buf body;
    bool neg = false, rbracket = false, dash = false, caret = false;
    size_t k = *i + 1;
    tarn_buf_init(&body, 0);
    if (p[k] == '^')
        neg = true, k++;
    if (p[k] == ']')
        rbracket = true, k++;
    for (; p[k] && p[k] != ']'; k++) {
        if (p[k] == '[' && p[k + 1] == ':') {   /* POSIX class passes */
            const char *e = strstr(p + k, ":]");
            if (!e)
                break;
            tarn_buf_append(&body, p + k, (size_t)(e + 2 - (p + k)));
            k = (size_t)(e + 1 - p);
            continue;
        }
        if (p[k] != '\\') {
            if (p[k] == '^')
                caret = true;
            else
                tarn_buf_putc(&body, p[k]);
            continue;
        }
        const char *e = class_escape(p[++k], &body, &rbracket, &dash, &caret);
        if (e) {
            tarn_buf_free(&body);
            return e;
        }
    }
    if (p[k] != ']') {
        tarn_buf_free(&body);
        return "Unclosed character class";
    }
    tarn_buf_appendf(out, "[%s%s%s%s%s]", neg ? "^" : "", rbracket ? "]" : "",
                     body.data ? body.data : "", caret ? "^" : "", dash ? "-" : "");
    tarn_buf_free(&body);
    *i = k;
    return NULL;
}

/* Translate the escape at p[*i] == '\\' (outside brackets) into out. */
static const char *translate_escape(const char *p, size_t *i, tarn_buf *out)
{
    char c = p[++*i];
    switch (c) {
    case 'd': tarn_buf_appendf(out, "[0-9]"); return NULL;
    case 'D': tarn_buf_appendf(out, "[^0-9]"); return NULL;
    case 'w': case 'W': case 's': case 'S': case 'b': case 'B':
        tarn_buf_putc(out, '\\'), tarn_buf_putc(out, c);    /* GNU extensions */
        return NULL;
    case 't': tarn_buf_putc(out, '\t'); return NULL;
    case 'n': tarn_buf_putc(out, '\n'); return NULL;
    case 'r': tarn_buf_putc(out, '\r'); return NULL;
    case '\0': return "pattern ends with a backslash";
    default:
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            return "this escape (back-reference, \\p{...}, \\A, \\z ...) is not supported";
        tarn_buf_putc(out, '\\'), tarn_buf_putc(out, c);
        return NULL;
    }
}

/* Translate Java pattern p into POSIX ERE in out, filling the group map
** and *icase; NULL or what is not supported. */
static const char *translate(const char *p, tarn_buf *out, jregex *r, bool *icase)
{
    int posix_groups = 0;
    size_t i = 0;
    if (strncmp(p, "(?i)", 4) == 0)
        *icase = true, i = 4;
    for (; p[i]; i++) {
        const char *e = NULL;
        char c = p[i];
        if (c == '[') {
            e = translate_class(p, &i, out);
        } else if (c == '\\') {
            e = translate_escape(p, &i, out);
        } else if (c == '(') {
            posix_groups++;
            if (p[i + 1] == '?' && p[i + 2] == ':')
                i += 2;
            else if (p[i + 1] == '?')
                e = "look-around and inline flags are not supported";
            else if (r->ngroups < MAX_GROUPS)
                r->map[++r->ngroups] = posix_groups;
            else
                e = "too many groups";
            tarn_buf_putc(out, '(');
        } else if ((c == '*' || c == '+' || c == '?' || c == '}') && (p[i + 1] == '?' || p[i + 1] == '+')) {
            e = "lazy and possessive quantifiers are not supported";
        } else {
            tarn_buf_putc(out, c);
        }
        if (e)
            return e;
    }
    return NULL;
}

/* The compiled pattern of argument idx (cached); NULL after reporting. */
static jregex *pattern_arg(sqlite3_context *ctx, sqlite3_value **argv, int idx)
{
    jregex *r = sqlite3_get_auxdata(ctx, idx);
    if (r)
        return r;
    const char *p = (const char *)sqlite3_value_text(argv[idx]);
    r = calloc(1, sizeof *r);
    if (!r)
        return sqlite3_result_error_nomem(ctx), NULL;
    tarn_buf ere;
    tarn_buf_init(&ere, 1 << 20);
    bool icase = false;
    const char *e = translate(p, &ere, r, &icase);
    int rc = e ? 0 : regcomp(&r->re, ere.data ? ere.data : "", REG_EXTENDED | (icase ? REG_ICASE : 0));
    tarn_buf_free(&ere);
    if (e || rc != 0) {
        char msg[200] = "";
        if (!e)
            regerror(rc, &r->re, msg, sizeof msg);
        tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT", "invalid regular expression '%.200s': %s",
                         p, e ? e : msg);
        free(r);
        return NULL;
    }
    sqlite3_set_auxdata(ctx, idx, r, jregex_free);
    return sqlite3_get_auxdata(ctx, idx);   /* NULL if SQLite freed it at once */
}

static void fn_regexp_like(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    jregex *r;
    if (tarn_qfunc_any_null(argc, argv) || !(r = pattern_arg(ctx, argv, 1)))
        return;
    sqlite3_result_int(ctx, regexec(&r->re, (const char *)sqlite3_value_text(argv[0]), 0, NULL, 0) == 0);
}

/* regexp_extract(s, pattern[, group]): the group of the first match, NULL
** when nothing matches. */
static void fn_regexp_extract(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    jregex *r;
    if (tarn_qfunc_any_null(argc, argv) || !(r = pattern_arg(ctx, argv, 1)))
        return;
    int64_t g = argc > 2 ? sqlite3_value_int64(argv[2]) : 0;
    if (g < 0 || g > r->ngroups)
        return tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT",
                                "Pattern has %d groups. Cannot access group %lld", r->ngroups,
                                (long long)g);
    regmatch_t m[MAX_GROUPS + 1];
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    if (regexec(&r->re, s, MAX_GROUPS + 1, m, 0) != 0)
        return;
    int pg = g == 0 ? 0 : r->map[g];
    if (m[pg].rm_so < 0)
        return;     /* the group took no part in the match */
    sqlite3_result_text(ctx, s + m[pg].rm_so, (int)(m[pg].rm_eo - m[pg].rm_so), SQLITE_TRANSIENT);
}

/* Append replacement rep for match m of s: $n is group n, \$ a dollar. */
static const char *append_replacement(tarn_buf *b, const char *rep, const char *s,
                                      const regmatch_t *m, const jregex *r)
{
    for (const char *q = rep; *q; q++) {
        if (*q == '\\' && q[1]) {
            tarn_buf_putc(b, *++q);
        } else if (*q == '$') {
            if (q[1] < '0' || q[1] > '9')
                return "Illegal group reference";
            int g = 0;
            while (q[1] >= '0' && q[1] <= '9' && g * 10 + (q[1] - '0') <= r->ngroups)
                g = g * 10 + (*++q - '0');
            if (g > r->ngroups || (q[1] >= '0' && q[1] <= '9' && g == 0))
                return "Illegal group reference";
            int pg = g == 0 ? 0 : r->map[g];
            if (m[pg].rm_so >= 0)
                tarn_buf_append(b, s + m[pg].rm_so, (size_t)(m[pg].rm_eo - m[pg].rm_so));
        } else {
            tarn_buf_putc(b, *q);
        }
    }
    return NULL;
}

/* regexp_replace(s, pattern[, replacement]): every match replaced (removed
** when no replacement is given). */
static void fn_regexp_replace(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    jregex *r;
    if (tarn_qfunc_any_null(argc, argv) || !(r = pattern_arg(ctx, argv, 1)))
        return;
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    const char *rep = argc > 2 ? (const char *)sqlite3_value_text(argv[2]) : "";
    size_t n = strlen(s), at = 0;
    regmatch_t m[MAX_GROUPS + 1];
    tarn_buf b;
    tarn_buf_init(&b, 1 << 28);
    while (at <= n && regexec(&r->re, s + at, MAX_GROUPS + 1, m, at ? REG_NOTBOL : 0) == 0) {
        tarn_buf_append(&b, s + at, (size_t)m[0].rm_so);
        const char *e = append_replacement(&b, rep, s + at, m, r);
        if (e) {
            tarn_buf_free(&b);
            return tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT", "%s", e);
        }
        at += (size_t)m[0].rm_eo;
        if (m[0].rm_eo == m[0].rm_so) {     /* empty match: keep one byte, move on */
            if (at < n)
                tarn_buf_putc(&b, s[at]);
            at++;
        }
    }
    if (at < n)
        tarn_buf_append(&b, s + at, n - at);
    sqlite3_result_text(ctx, b.data ? b.data : "", (int)b.len, SQLITE_TRANSIENT);
    tarn_buf_free(&b);
}

static void fn_regexp_count(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    jregex *r;
    if (tarn_qfunc_any_null(argc, argv) || !(r = pattern_arg(ctx, argv, 1)))
        return;
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    size_t n = strlen(s), at = 0;
    int64_t count = 0;
    regmatch_t m[1];
    while (at <= n && regexec(&r->re, s + at, 1, m, at ? REG_NOTBOL : 0) == 0) {
        count++;
        at += m[0].rm_eo > m[0].rm_so ? (size_t)m[0].rm_eo : (size_t)m[0].rm_eo + 1;
    }
    sqlite3_result_int64(ctx, count);
}

int tarn_qfunc_register_regexp(sqlite3 *db)
{
    static const tarn_qfunc_def defs[] = {
        {"regexp_like", 2, fn_regexp_like, NULL},       {"regexp_extract", 2, fn_regexp_extract, NULL},
        {"regexp_extract", 3, fn_regexp_extract, NULL}, {"regexp_replace", 2, fn_regexp_replace, NULL},
        {"regexp_replace", 3, fn_regexp_replace, NULL}, {"regexp_count", 2, fn_regexp_count, NULL},
    };
    return tarn_qfunc_register_table(db, defs, sizeof defs / sizeof defs[0], false);
}
