/*
** boolcols.c: which result columns of a statement are boolean expressions.
**
** SQLite has no boolean type: `id > 5`, `a AND b`, `x IS NULL` give the
** integers 0 and 1, and only a column read from a table declares
** "boolean". Athena prints such columns as true/false and types them
** boolean, so the engine asks this file which of the outermost SELECT's
** items are, at their top level, a comparison, a logical operator, a
** predicate (IS, LIKE, IN, BETWEEN, EXISTS), TRUE/FALSE, or a call of a
** function that returns boolean. Operators inside parentheses (function
** arguments, subqueries, OVER (...)) or inside CASE ... END do not count.
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/dialect_int.h"
#include "query/query_int.h"

/* The significant tokens of a statement (no blanks, no comments). */
typedef struct btoks {
    const char *sql;
    tarn_qtok *t;
    size_t n;
} btoks;

static bool is_word(const btoks *b, size_t i, const char *kw)
{
    return i < b->n && tarn_qtok_is(b->sql, &b->t[i], kw);
}

static bool is_punct(const btoks *b, size_t i, const char *p)
{
    return i < b->n && b->t[i].kind == TARN_QTOK_PUNCT && strlen(p) == b->t[i].len &&
           strncmp(b->sql + b->t[i].off, p, b->t[i].len) == 0;
}

/* The token after the parenthesis group opening at i (i is "("). */
static size_t after_group(const btoks *b, size_t i)
{
    int depth = 0;
    for (; i < b->n; i++) {
        depth += is_punct(b, i, "(") - is_punct(b, i, ")");
        if (depth == 0)
            return i + 1;
    }
    return b->n;
}

/* True if token i at the top level of an item makes it boolean. */
static bool bool_token(const btoks *b, size_t i)
{
    static const char *const ops[] = {"=", "==", "<>", "!=", "<", ">", "<=", ">="};
    static const char *const words[] = {"AND", "OR",      "NOT",    "IS",     "LIKE",
                                        "GLOB", "REGEXP", "IN",     "BETWEEN", "EXISTS"};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        if (is_punct(b, i, ops[k]))
            return true;
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
        if (is_word(b, i, words[k]))
            return true;
    return false;
}

/* Functions that return boolean. */
static bool bool_function(const btoks *b, size_t i)
{
    static const char *const fns[] = {"regexp_like", "starts_with", "is_nan", "is_finite",
                                      "is_infinite", "bool_and", "bool_or", "every",
                                      "__tarn_cast_boolean", "__tarn_try_cast_boolean",
                                      "__tarn_quantified"};
    for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++)
        if (is_word(b, i, fns[k]))
            return true;
    return false;
}

/* Is the item in tokens [from, to) boolean? */
static bool item_is_bool(const btoks *b, size_t from, size_t to)
{
    size_t end = from;
    int cases = 0;
    while (end < to && !(cases == 0 && is_word(b, end, "AS"))) {
        cases += is_word(b, end, "CASE") - is_word(b, end, "END");
        end = is_punct(b, end, "(") ? after_group(b, end) : end + 1;
    }
    if (end > from + 1 && is_punct(b, from, "(") && is_punct(b, end - 1, ")") &&
        after_group(b, from) == end) {
        /* A scalar subquery is as boolean as its own column: unknown. */
        if (is_word(b, from + 1, "SELECT") || is_word(b, from + 1, "WITH") ||
            is_word(b, from + 1, "VALUES"))
            return false;
        return item_is_bool(b, from + 1, end - 1);
    }
    if (end == from + 1 && (is_word(b, from, "TRUE") || is_word(b, from, "FALSE")))
        return true;
    if (from + 1 < end && bool_function(b, from) && is_punct(b, from + 1, "(") &&
        after_group(b, from + 1) == end)
        return true;
    cases = 0;
    for (size_t i = from; i < end;) {
        cases += is_word(b, i, "CASE") - is_word(b, i, "END");
        if (cases == 0 && bool_token(b, i))
            return true;
        i = is_punct(b, i, "(") ? after_group(b, i) : i + 1;
    }
    return false;
}

/* Where the outermost SELECT's items start: after its first top-level
** SELECT [DISTINCT|ALL]; b->n if there is none. */
static size_t items_start(const btoks *b)
{
    for (size_t i = 0; i < b->n;) {
        if (is_word(b, i, "SELECT"))
            return i + 1 + (is_word(b, i + 1, "DISTINCT") || is_word(b, i + 1, "ALL"));
        i = is_punct(b, i, "(") ? after_group(b, i) : i + 1;
    }
    return b->n;
}

/* True where a top-level token ends the select list. */
static bool list_end(const btoks *b, size_t i)
{
    static const char *const words[] = {"FROM",  "WHERE", "GROUP",     "HAVING", "ORDER", "LIMIT",
                                        "UNION", "INTERSECT", "EXCEPT", "WINDOW"};
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
        if (is_word(b, i, words[k]))
            return true;
    return is_punct(b, i, ";");
}

void tarn_qbool_columns(const char *sql, size_t len, bool *out, size_t n)
{
    memset(out, 0, n * sizeof *out);
    if (!sql)
        return;
    size_t nall;
    tarn_qtok *all = tarn_qtok_split(sql, len, &nall);
    btoks b = {sql, tarn_xcalloc(nall + 1, sizeof *b.t), 0};
    for (size_t i = 0; i < nall; i++)
        if (all[i].kind != TARN_QTOK_SPACE && all[i].kind != TARN_QTOK_COMMENT)
            b.t[b.n++] = all[i];
    free(all);
    size_t col = 0, from = items_start(&b);
    int cases = 0;
    for (size_t i = from; from < b.n && col < n; ) {
        bool end = i >= b.n || (cases == 0 && list_end(&b, i));
        if (end || (cases == 0 && is_punct(&b, i, ","))) {
            /* t.* or * stands for columns we cannot count: stop. */
            if (i > from && is_punct(&b, i - 1, "*") && (i - 1 == from || is_punct(&b, i - 2, ".")))
                break;
            out[col++] = item_is_bool(&b, from, i);
            if (end)
                break;
            from = ++i;
            continue;
        }
        cases += is_word(&b, i, "CASE") - is_word(&b, i, "END");
        i = is_punct(&b, i, "(") ? after_group(&b, i) : i + 1;
    }
    free(b.t);
}
