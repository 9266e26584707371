/*
** glob.c: the glob syntax of Glue crawler Exclusions (crawl.h,
** tarn_crawl_glob_match). '*' matches within one folder level, '**' across
** levels ("**" followed by '/' may also match no folder at all), '?' one
** byte other than '/', [...] one byte of a set ([!...] or [^...] negates,
** a-z ranges), {a,b} alternatives (not nested), '\' takes the next byte
** literally.
**
** fnmatch(3) has no '**' and no braces, so the matcher is here: braces are
** expanded into at most 64 plain patterns, each compiled into a token list
** and run as an NFA over the key (one pass, a state set as wide as the
** pattern), so no key or pattern can make it backtrack exponentially.
*/
#include "crawl/crawl_int.h"

#include <stdlib.h>
#include <string.h>

#define GLOB_MAX_ALTERNATIVES 64
#define GLOB_MAX_PATTERN 4096

enum glob_tok {
    G_LIT,         /* one byte */
    G_ANY,         /* '?': one byte but '/' */
    G_CLASS,       /* [...]: one byte of the set, never '/' */
    G_STAR,        /* '*': any bytes but '/' */
    G_DSTAR,       /* '**': any bytes */
    G_DSTAR_SLASH  /* '**' '/': nothing, or any bytes ending in '/' */
};

typedef struct glob_token {
    unsigned char kind;
    unsigned char lit;
    uint8_t set[32]; /* G_CLASS: bit per byte value */
} glob_token;

/* Parse a [...] class starting at p (just after '['); fills t, returns the
** position after ']' or NULL when it is not closed. */
static const char *parse_class(const char *p, glob_token *t)
{
    bool neg = false;
    memset(t->set, 0, sizeof t->set);
    if (*p == '!' || *p == '^') {
        neg = true;
        p++;
    }
    bool first = true;
    while (*p && (*p != ']' || first)) {
        unsigned char lo = (unsigned char)*p;
        if (lo == '\\' && p[1])
            lo = (unsigned char)*++p;
        p++;
        unsigned char hi = lo;
        if (p[0] == '-' && p[1] && p[1] != ']') {
            p++;
            hi = (unsigned char)*p;
            if (hi == '\\' && p[1])
                hi = (unsigned char)*++p;
            p++;
        }
        for (unsigned c = lo; c <= hi; c++)
            t->set[c >> 3] |= (uint8_t)(1u << (c & 7));
        first = false;
    }
    if (*p != ']')
        return NULL;
    if (neg)
        for (size_t i = 0; i < sizeof t->set; i++)
            t->set[i] = (uint8_t)~t->set[i];
    t->set['/' >> 3] &= (uint8_t)~(1u << ('/' & 7));
    t->kind = G_CLASS;
    return p + 1;
}

/* Compile a brace-free pattern into toks (room for strlen(pat) tokens).
** Returns the token count, or -1 for an unclosed '['. */
static int compile(const char *pat, glob_token *toks)
{
    int n = 0;
    for (const char *p = pat; *p;) {
        glob_token *t = &toks[n++];
        if (*p == '*' && p[1] == '*') {
            p += 2;
            while (*p == '*')
                p++;
            t->kind = G_DSTAR;
            if (*p == '/') {
                t->kind = G_DSTAR_SLASH;
                p++;
            }
        } else if (*p == '*') {
            t->kind = G_STAR;
            p++;
        } else if (*p == '?') {
            t->kind = G_ANY;
            p++;
        } else if (*p == '[') {
            if (!(p = parse_class(p + 1, t)))
                return -1;
        } else {
            if (*p == '\\' && p[1])
                p++;
            t->kind = G_LIT;
            t->lit = (unsigned char)*p++;
        }
    }
    return n;
}

/* Add the states reachable from set states without reading a byte. */
static void closure(const glob_token *toks, int n, uint8_t *st)
{
    for (int i = 0; i < n; i++)
        if (st[i] && toks[i].kind >= G_STAR)
            st[i + 1] = 1;
}

/* Run the NFA of toks[0..n) over key; true if it ends in the final state. */
static bool run(const glob_token *toks, int n, const char *key)
{
    uint8_t *cur = tarn_xcalloc((size_t)n + 1, 2);
    uint8_t *next = cur + n + 1;
    cur[0] = 1;
    closure(toks, n, cur);
    bool alive = true;
    for (const unsigned char *k = (const unsigned char *)key; *k && alive; k++) {
        unsigned char c = *k;
        memset(next, 0, (size_t)n + 1);
        alive = false;
        for (int i = 0; i < n; i++) {
            if (!cur[i])
                continue;
            const glob_token *t = &toks[i];
            bool adv = false, stay = false;
            switch (t->kind) {
            case G_LIT: adv = c == t->lit; break;
            case G_ANY: adv = c != '/'; break;
            case G_CLASS: adv = (t->set[c >> 3] >> (c & 7)) & 1; break;
            case G_STAR: stay = c != '/'; break;
            case G_DSTAR: stay = true; break;
            default: stay = true; adv = c == '/'; break;
            }
            if (adv)
                next[i + 1] = 1;
            if (stay)
                next[i] = 1;
            alive |= adv || stay;
        }
        closure(toks, n, next);
        memcpy(cur, next, (size_t)n + 1);
    }
    bool ok = alive && cur[n];
    free(cur);
    return ok;
}

/* Where the brace group starting at open ends ('}'), or NULL if unclosed or
** nested. Classes and escapes inside are skipped. */
static const char *brace_end(const char *open)
{
    for (const char *p = open + 1; *p; p++) {
        if (*p == '\\' && p[1])
            p++;
        else if (*p == '{')
            return NULL;
        else if (*p == '}')
            return p;
    }
    return NULL;
}

/* The first unescaped '{' outside a class, or NULL. */
static const char *brace_open(const char *p)
{
    for (; *p; p++) {
        if (*p == '\\' && p[1])
            p++;
        else if (*p == '[') {
            const char *q = p + 1;
            if (*q == '!' || *q == '^')
                q++;
            if (*q == ']')
                q++;
            while (*q && *q != ']')
                q += (*q == '\\' && q[1]) ? 2 : 1;
            if (!*q)
                return NULL;
            p = q;
        } else if (*p == '{')
            return p;
    }
    return NULL;
}

typedef struct alt_list {
    char *items[GLOB_MAX_ALTERNATIVES];
    int n;
} alt_list;

/* Expand the braces of pat into out; -1 on a malformed or too wide pattern. */
static int expand(const char *pat, alt_list *out)
{
    const char *open = brace_open(pat);
    if (!open) {
        if (out->n == GLOB_MAX_ALTERNATIVES)
            return -1;
        out->items[out->n++] = tarn_xstrdup(pat);
        return 0;
    }
    const char *close = brace_end(open);
    if (!close)
        return -1;
    const char *a = open + 1;
    for (const char *p = a;; p++) {
        if (*p == '\\' && p[1] && p + 1 < close) {
            p++;
            continue;
        }
        if (p != close && *p != ',')
            continue;
        char *one = tarn_xasprintf("%.*s%.*s%s", (int)(open - pat), pat, (int)(p - a), a,
                                   close + 1);
        int rc = expand(one, out);
        free(one);
        if (rc)
            return rc;
        if (p == close)
            break;
        a = p + 1;
    }
    return 0;
}

static void alt_free(alt_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->items[i]);
    l->n = 0;
}

int tarn_crawl_glob_match(const char *pat, const char *key, tarn_error *err)
{
    if (!pat || strlen(pat) > GLOB_MAX_PATTERN)
        return -tarn_error_set(err, TARN_ERR_INVALID, "exclusion pattern is missing or longer "
                               "than %d bytes", GLOB_MAX_PATTERN);
    alt_list alts = {.n = 0};
    if (expand(pat, &alts)) {
        alt_free(&alts);
        return -tarn_error_set(err, TARN_ERR_INVALID, "exclusion pattern '%s' is malformed: "
                               "a '{' is not closed, braces are nested, or it has more than "
                               "%d alternatives", pat, GLOB_MAX_ALTERNATIVES);
    }
    int result = 0;
    for (int i = 0; i < alts.n && result == 0; i++) {
        glob_token *toks = tarn_xcalloc(strlen(alts.items[i]) + 1, sizeof *toks);
        int n = compile(alts.items[i], toks);
        if (n < 0)
            result = -tarn_error_set(err, TARN_ERR_INVALID, "exclusion pattern '%s' is "
                                     "malformed: a '[' is not closed", pat);
        else
            result = run(toks, n, key ? key : "") ? 1 : 0;
        free(toks);
    }
    alt_free(&alts);
    return result;
}
