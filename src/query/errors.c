/*
** errors.c: SQLite's error on a connection in Athena's words
** (tarn_qerror_from_sqlite, query_int.h): the Athena error code, the line
** and column in the user's text (through the rewrite's origin map), and
** the object named as Athena names it:
**
**   no such table: t        TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.db.t' does not exist
**   no such column: x       COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved
**   no such function: f     FUNCTION_NOT_FOUND: line 1:8: Function 'f' not registered
**   near "x": syntax error  SYNTAX_ERROR: line 1:10: mismatched input 'x'
**
** Messages the Athena functions raise already start with their code
** ("INVALID_CAST_ARGUMENT: ...") and pass through. Where SQLite gives no
** offset, the name is looked up among the statement's tokens.
*/
#include "query/dialect_int.h"
#include "query/query_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* What the error reports: filled by the matchers below. */
typedef struct qerr {
    sqlite3 *db;
    const tarn_qtext *t;
    const char *user_sql;
    const char *database;
    const char *msg;        /* SQLite's message */
    long off;               /* offset in the user's text, -1 unknown */
} qerr;

/* User offset of rewritten offset o (-1 stays -1). */
static long user_offset(const qerr *q, long o)
{
    if (o < 0 || !q->t || !q->t->origin)
        return o < 0 ? -1 : o;
    return (long)q->t->origin[(size_t)o <= q->t->len ? (size_t)o : q->t->len];
}

/* Offset (in the rewritten text) of the identifier token naming `name`;
** prefer_from: prefer one right after FROM/JOIN/INTO/TABLE (or after a
** qualifier there, pointing at the qualifier). -1 when absent. */
static long find_name(const qerr *q, const char *name, bool prefer_from)
{
    if (!q->t || !q->t->sql)
        return -1;
    size_t n;
    tarn_qtok *toks = tarn_qtok_split(q->t->sql, q->t->len, &n);
    long first = -1, best = -1;
    size_t prev = n, prev2 = n, prev3 = n;    /* previous significant tokens */
    for (size_t i = 0; i < n && best < 0; i++) {
        if (toks[i].kind == TARN_QTOK_SPACE || toks[i].kind == TARN_QTOK_COMMENT)
            continue;
        char id[256];
        if (tarn_qtok_ident(q->t->sql, &toks[i], id, sizeof id) && strcasecmp(id, name) == 0) {
            if (first < 0)
                first = (long)toks[i].off;
            static const char *kw[] = {"from", "join", "into", "table", "update"};
            for (size_t k = 0; prefer_from && k < sizeof kw / sizeof kw[0]; k++) {
                if (prev < n && tarn_qtok_is(q->t->sql, &toks[prev], kw[k]))
                    best = (long)toks[i].off;
                else if (prev3 < n && tarn_qtok_is(q->t->sql, &toks[prev3], kw[k]) && prev < n &&
                         toks[prev].len == 1 && q->t->sql[toks[prev].off] == '.')
                    best = (long)toks[prev2].off;
            }
        }
        prev3 = prev2, prev2 = prev, prev = i;
    }
    free(toks);
    return best >= 0 ? best : first;
}

/* Write "CODE: line L:C: " (or "CODE: " when the position is unknown). */
static int prefix(const qerr *q, char *out, size_t cap, const char *code)
{
    int line, col;
    if (q->off < 0)
        return snprintf(out, cap, "%s: ", code);
    tarn_qtext_position(q->user_sql, (size_t)q->off, &line, &col);
    return snprintf(out, cap, "%s: line %d:%d: ", code, line, col);
}

/* The rest of msg after a fixed opening, or NULL. */
static const char *after(const char *msg, const char *opening)
{
    size_t l = strlen(opening);
    return strncmp(msg, opening, l) == 0 ? msg + l : NULL;
}

static void lower_copy(char *dst, size_t cap, const char *src, size_t n)
{
    size_t k = 0;
    for (; k < n && k + 1 < cap; k++)
        dst[k] = (char)tolower((unsigned char)src[k]);
    dst[k] = '\0';
}

/* Locate the last dotted component of name when SQLite gave no offset. */
static void locate(qerr *q, const char *name, bool prefer_from)
{
    if (q->off >= 0)
        return;
    const char *dot = strrchr(name, '.');
    q->off = user_offset(q, find_name(q, dot ? dot + 1 : name, prefer_from));
}

static int table_not_found(qerr *q, const char *name, tarn_error *err)
{
    char lname[256], buf[TARN_ERROR_MAX];
    lower_copy(lname, sizeof lname, name, strlen(name));
    locate(q, lname, true);
    char *dot = strchr(lname, '.');
    const char *db = q->database ? q->database : "default", *table = lname;
    if (dot) {
        *dot = '\0';
        table = dot + 1;
        if (strcmp(lname, "main") != 0 && strcmp(lname, "temp") != 0)
            db = lname;
    }
    int n = prefix(q, buf, sizeof buf, "TABLE_NOT_FOUND");
    snprintf(buf + n, sizeof buf - (size_t)n, "Table 'awsdatacatalog.%s.%s' does not exist", db, table);
    return tarn_error_set(err, TARN_ERR_NOTFOUND, "%s", buf);
}

/* One SQLite message shape and its Athena form; %s in fmt is the name
** the message carries (up to the first of stop, lower-cased). */
static const struct mapping {
    const char *opening;    /* SQLite's message starts so */
    const char *stop;       /* the name ends before one of these */
    const char *code;
    const char *fmt;
    int status;
    bool lower, prefer_from;
} mappings[] = {
    {"no such column: ", "", "COLUMN_NOT_FOUND", "Column '%s' cannot be resolved",
     TARN_ERR_NOTFOUND, true, false},
    {"no such function: ", "", "FUNCTION_NOT_FOUND", "Function '%s' not registered",
     TARN_ERR_NOTFOUND, true, false},
    {"wrong number of arguments to function ", "(", "FUNCTION_NOT_FOUND",
     "Unexpected parameters for function %s: wrong number of arguments", TARN_ERR_NOTFOUND, true, false},
    {"ambiguous column name: ", "", "AMBIGUOUS_NAME", "Column '%s' is ambiguous", TARN_ERR_INVALID,
     true, false},
    {"near \"", "\"", "SYNTAX_ERROR", "mismatched input '%s'", TARN_ERR_INVALID, false, false},
    {"unrecognized token: \"", "", "SYNTAX_ERROR", "token recognition error at: '%s'",
     TARN_ERR_INVALID, false, false},
    {"misuse of aggregate", "", "EXPRESSION_NOT_SCALAR",
     "aggregate functions are not allowed here (WHERE, GROUP BY or nested aggregates)%s",
     TARN_ERR_INVALID, false, false},
    {"misuse of window function", "", "EXPRESSION_NOT_SCALAR",
     "window functions are not allowed here%s", TARN_ERR_INVALID, false, false},
    {"table ", " ", "ALREADY_EXISTS", "Table '%s' already exists", TARN_ERR_EXISTS, true, true},
};

static int mapped(qerr *q, const struct mapping *m, const char *rest, tarn_error *err)
{
    char name[256] = "", buf[TARN_ERROR_MAX];
    size_t n = strlen(rest);
    if (m->stop[0] && strstr(rest, m->stop))
        n = (size_t)(strstr(rest, m->stop) - rest);
    if (strncmp(m->opening, "unrecognized", 12) == 0 && n > 0 && rest[n - 1] == '"')
        n--;
    if (strncmp(m->opening, "misuse", 6) == 0)
        n = 0;
    if (m->lower)
        lower_copy(name, sizeof name, rest, n);
    else
        snprintf(name, sizeof name, "%.*s", (int)n, rest);
    if (name[0])
        locate(q, name, m->prefer_from);
    int k = prefix(q, buf, sizeof buf, m->code);
    snprintf(buf + k, sizeof buf - (size_t)k, m->fmt, name);
    return tarn_error_set(err, m->status, "%s", buf);
}

/* True if msg starts with an Athena code our functions put there. */
static bool has_athena_code(const char *msg)
{
    size_t k = 0;
    while (isupper((unsigned char)msg[k]) || msg[k] == '_')
        k++;
    return k >= 4 && msg[k] == ':' && msg[k + 1] == ' ';
}

/* The k-th (1-based) term of the last ORDER BY of the rewritten text:
** its offset there and its value when it is a number. */
static long order_by_term(const qerr *q, int k, long *value)
{
    size_t n, i, start = 0;
    long off = -1;
    if (!q->t || !q->t->sql)
        return -1;
    tarn_qtok *toks = tarn_qtok_split(q->t->sql, q->t->len, &n);
    for (i = 0; i + 2 < n; i++)
        if (tarn_qtok_is(q->t->sql, &toks[i], "order") && tarn_qtok_is(q->t->sql, &toks[i + 2], "by"))
            start = i + 3;
    int term = 1, depth = 0;
    for (i = start; start && i < n && off < 0; i++) {
        char c = toks[i].kind == TARN_QTOK_PUNCT ? q->t->sql[toks[i].off] : 0;
        depth += c == '(' ? 1 : c == ')' ? -1 : 0;
        if (c == ',' && depth == 0)
            term++;
        else if (term == k && toks[i].kind == TARN_QTOK_NUMBER)
            off = (long)toks[i].off, *value = atol(q->t->sql + toks[i].off);
    }
    free(toks);
    return off;
}

/* Messages without a name: end of input, ORDER BY positions, UNION arity. */
static int unnamed(qerr *q, tarn_error *err)
{
    char buf[TARN_ERROR_MAX];
    const char *rest;
    int k;
    if (strcmp(q->msg, "incomplete input") == 0) {
        q->off = (long)strlen(q->user_sql);
        k = prefix(q, buf, sizeof buf, "SYNTAX_ERROR");
        snprintf(buf + k, sizeof buf - (size_t)k, "mismatched input '<EOF>'");
        return tarn_error_set(err, TARN_ERR_INVALID, "%s", buf);
    }
    if ((rest = strstr(q->msg, "ORDER BY term out of range"))) {
        long pos = 0;   /* SQLite says which term ("2nd"); Athena the position */
        q->off = user_offset(q, order_by_term(q, atoi(q->msg), &pos));
        k = prefix(q, buf, sizeof buf, "INVALID_COLUMN_REFERENCE");
        snprintf(buf + k, sizeof buf - (size_t)k, "ORDER BY position %ld is not in select list", pos);
        return tarn_error_set(err, TARN_ERR_INVALID, "%s", buf);
    }
    if (strstr(q->msg, "do not have the same number of result columns")) {
        k = prefix(q, buf, sizeof buf, "TYPE_MISMATCH");
        snprintf(buf + k, sizeof buf - (size_t)k, "query parts of the set operation have different numbers of columns");
        return tarn_error_set(err, TARN_ERR_INVALID, "%s", buf);
    }
    k = prefix(q, buf, sizeof buf, "GENERIC_USER_ERROR");
    snprintf(buf + k, sizeof buf - (size_t)k, "%s", q->msg);
    return tarn_error_set(err, TARN_ERR_INVALID, "%s", buf);
}

/* Errors of the machine, not of the query (category SYSTEM); a message
** that already names its Athena code (a scan's "HIVE_CURSOR_ERROR: ...")
** keeps it. */
static int system_error(qerr *q, int code, int *category, tarn_error *err)
{
    *category = TARN_QERR_SYSTEM;
    int status = code == SQLITE_NOMEM ? TARN_ERR_NOMEM : TARN_ERR_IO;
    if (has_athena_code(q->msg))
        return tarn_error_set(err, status, "%s", q->msg);
    return tarn_error_set(err, status, "%s: %s",
                          code == SQLITE_NOMEM ? "EXCEEDED_LOCAL_MEMORY_LIMIT" : "GENERIC_INTERNAL_ERROR", q->msg);
}

int tarn_qerror_from_sqlite(sqlite3 *db, const tarn_qtext *t, const char *user_sql,
                            const char *database, int *category, tarn_error *err)
{
    int code = sqlite3_errcode(db) & 0xff;
    qerr q = {db, t, user_sql ? user_sql : "", database, sqlite3_errmsg(db), -1};
    q.off = user_offset(&q, sqlite3_error_offset(db));
    *category = TARN_QERR_USER;
    const char *rest;
    if (code == SQLITE_NOMEM || code == SQLITE_IOERR || code == SQLITE_CORRUPT ||
        code == SQLITE_FULL || code == SQLITE_CANTOPEN || code == SQLITE_NOTADB)
        return system_error(&q, code, category, err);
    if (code == SQLITE_INTERRUPT)
        return tarn_error_set(err, TARN_ERR_INVALID, "USER_CANCELED: Query was canceled");
    if (has_athena_code(q.msg))
        return tarn_error_set(err, strncmp(q.msg, "NOT_SUPPORTED", 13) == 0 ? TARN_ERR_UNSUPPORTED
                                                                              : TARN_ERR_INVALID,
                              "%s", q.msg);
    if ((rest = after(q.msg, "no such table: ")))
        return table_not_found(&q, rest, err);
    for (size_t i = 0; i < sizeof mappings / sizeof mappings[0]; i++)
        if ((rest = after(q.msg, mappings[i].opening)) &&
            (strcmp(mappings[i].code, "ALREADY_EXISTS") != 0 || strstr(rest, " already exists")))
            return mapped(&q, &mappings[i], rest, err);
    return unnamed(&q, err);
}
