/*
** sqlrun.c: statements SQLite runs: SELECT (with joins, CTEs, window
** functions, UNION, subqueries) and EXPLAIN. Each statement gets a fresh
** in-memory connection with the scan's virtual table module and the Athena
** functions registered (query_int.h), and exposes exactly the catalog
** tables and views its text names: tables of the current database under
** their bare names, db.t for any database (tarn_qscan_expose), views as
** temporary SQLite views over their stored SQL. The text is rewritten by
** the dialect before SQLite parses it; SQLite's errors come back in
** Athena's words (tarn_qerror_from_sqlite).
*/
#include <ctype.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "query/engine_int.h"

#define QVIEW_DEPTH_MAX 8  /* views over views, at most this deep */

/* What one statement's connection has exposed so far. */
typedef struct qexposed {
    char **keys;           /* "db.name" */
    size_t n, cap;
    int scan_rc;           /* the scan module failed to register: its error */
    tarn_error scan_err;
} qexposed;

static bool exposed_has(qexposed *x, const char *key)
{
    for (size_t i = 0; i < x->n; i++)
        if (strcmp(x->keys[i], key) == 0)
            return true;
    return false;
}

static void exposed_add(qexposed *x, const char *key)
{
    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 16;
        x->keys = tarn_xrealloc(x->keys, x->cap * sizeof *x->keys);
    }
    x->keys[x->n++] = tarn_xstrdup(key);
}

static void exposed_free(qexposed *x)
{
    for (size_t i = 0; i < x->n; i++)
        free(x->keys[i]);
    free(x->keys);
}

/* The catalog's table_type of db.name into *type (owned), or NULL when
** the catalog has no such table. */
static int lookup_type(qrun *r, const char *db, const char *name, char **type, tarn_error *err)
{
    *type = NULL;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(tarn_catalog_db(r->q->cat),
                                "SELECT table_type FROM tables WHERE database_name = ?1 AND "
                                "name = ?2",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return tarn_catalog_sql_error(r->q->cat, rc, "looking up a table", err);
    sqlite3_bind_text(st, 1, db, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *type = tarn_xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return tarn_catalog_sql_error(r->q->cat, rc, "looking up a table", err);
    return TARN_OK;
}

static int expose_text(qrun *r, sqlite3 *db, const char *text, qexposed *x, int depth,
                       tarn_error *err);

/* Create a view of the current database as a temporary SQLite view. */
static int expose_view(qrun *r, sqlite3 *db, const char *name, qexposed *x, int depth,
                       tarn_error *err)
{
    tarn_cat_table t;
    int rc = tarn_catalog_table_get(r->q->cat, r->database, name, &t, err);
    if (rc)
        return rc;
    char *text = qsql_view_text(&t);
    tarn_cat_table_free(&t);
    if (!text)
        return tarn_error_set(err, TARN_ERR_CORRUPT,
                              "view '%s.%s' has no stored SQL (parameter %s)", r->database,
                              name, QVIEW_PARAM);
    tarn_qtext qt = {0};
    rc = expose_text(r, db, text, x, depth + 1, err);
    if (!rc)
        rc = tarn_qdialect_rewrite(text, strlen(text), &qt, err);
    if (!rc) {
        char *sql = sqlite3_mprintf("CREATE TEMP VIEW \"%w\" AS %s", name, qt.sql);
        char *msg = NULL;
        if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
            rc = tarn_error_set(err, TARN_ERR_INVALID, "view '%s.%s' is invalid: %s",
                                r->database, name, msg ? msg : "");
        sqlite3_free(msg);
        sqlite3_free(sql);
    }
    tarn_qtext_free(&qt);
    free(text);
    return rc;
}

/* Expose db.name if the catalog has it (and it is not exposed yet). */
static int expose_one(qrun *r, sqlite3 *sdb, const char *db, const char *name, qexposed *x,
                      int depth, tarn_error *err)
{
    char *key = tarn_xasprintf("%s.%s", db, name);
    char *type = NULL;
    int rc = exposed_has(x, key) ? TARN_OK : lookup_type(r, db, name, &type, err);
    if (!rc && type) {
        exposed_add(x, key);
        bool is_default = strcmp(db, r->database) == 0;
        if (strcmp(type, "VIRTUAL_VIEW") == 0) {
            if (is_default && depth < QVIEW_DEPTH_MAX)
                rc = expose_view(r, sdb, name, x, depth, err);
        } else if (x->scan_rc) {
            rc = x->scan_rc;
            *err = x->scan_err;
        } else {
            rc = tarn_qscan_expose(sdb, r->ctx, db, name, is_default, err);
        }
    }
    free(type);
    free(key);
    return rc;
}

/* Expose every catalog table or view that text names (name, db.name). */
static int expose_text(qrun *r, sqlite3 *db, const char *text, qexposed *x, int depth,
                       tarn_error *err)
{
    qlex lx;
    qlex_init(&lx, text, strlen(text));
    int rc = TARN_OK;
    bool after_dot = false;
    for (qtok t = qlex_next(&lx); t.kind != QT_END && !rc; t = qlex_next(&lx)) {
        if (!qtok_ident(t) || after_dot) {
            after_dot = qtok_punct(&lx, t, '.');
            continue;
        }
        char *first = qtok_name(&lx, t), *second = NULL;
        if (qtok_punct(&lx, qlex_peek(&lx), '.')) {
            qlex_next(&lx);
            qtok t2 = qlex_peek(&lx);
            if (qtok_ident(t2)) {
                qlex_next(&lx);
                second = qtok_name(&lx, t2);
            }
        }
        if (second)
            rc = expose_one(r, db, first, second, x, depth, err);
        else
            rc = expose_one(r, db, r->database, first, x, depth, err);
        free(first);
        free(second);
    }
    return rc;
}

/* SQLite's progress callback: a non-zero return interrupts the statement. */
static int progress_cancel(void *ud)
{
    volatile sig_atomic_t *cancel = ud;
    return *cancel != 0;
}

int qsql_open(qrun *r, const char *text, sqlite3 **out, tarn_error *err)
{
    sqlite3 *db = NULL;
    *out = NULL;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        sqlite3_close(db);
        r->category = TARN_QERR_SYSTEM;
        r->type = TARN_QERRTYPE_INTERNAL;
        return tarn_error_set(err, TARN_ERR_NOMEM, "query: cannot open a SQLite connection");
    }
    qexposed x = {0};
    x.scan_rc = tarn_qscan_register(db, r->ctx, &x.scan_err);
    int rc = tarn_qfunc_register(db, err);
    if (r->cancel)
        sqlite3_progress_handler(db, 1000, progress_cancel, (void *)r->cancel);
    if (!rc)
        rc = expose_text(r, db, text, &x, 0, err);
    exposed_free(&x);
    if (rc) {
        r->category = TARN_QERR_USER;
        r->type = TARN_QERRTYPE_DATA;
        sqlite3_close(db);
        return rc;
    }
    *out = db;
    return TARN_OK;
}

/* Authorizer for user statements: no ATTACH or DETACH (they could
** create files), nothing else restricted. */
static int deny_attach(void *ud, int action, const char *a, const char *b, const char *c,
                       const char *d)
{
    (void)ud, (void)a, (void)b, (void)c, (void)d;
    return action == SQLITE_ATTACH || action == SQLITE_DETACH ? SQLITE_DENY : SQLITE_OK;
}

int qsql_prepare(qrun *r, sqlite3 *db, const char *sql, sqlite3_stmt **st, tarn_qtext *qt,
                 tarn_error *err)
{
    *st = NULL;
    int rc = tarn_qdialect_rewrite(sql, strlen(sql), qt, err);
    if (rc) {
        r->category = TARN_QERR_USER;
        r->type = TARN_QERRTYPE_USER;
        return rc;
    }
    sqlite3_set_authorizer(db, deny_attach, NULL);
    int src = sqlite3_prepare_v2(db, qt->sql, (int)qt->len, st, NULL);
    sqlite3_set_authorizer(db, NULL, NULL);
    if (src == SQLITE_OK && *st && !sqlite3_stmt_readonly(*st)) {
        sqlite3_finalize(*st);
        *st = NULL;
        return qrun_fail(r, 0, TARN_ERR_UNSUPPORTED, "NOT_SUPPORTED",
                         "tarn runs SELECT, SHOW, DESCRIBE, EXPLAIN, MSCK REPAIR TABLE and "
                         "CREATE|DROP TABLE|VIEW|DATABASE statements; this one changes data");
    }
    if (src == SQLITE_OK && *st)
        return TARN_OK;
    if (src == SQLITE_OK)
        return qrun_fail(r, 0, TARN_ERR_INVALID, "SYNTAX_ERROR", "the statement is empty");
    int category = TARN_QERR_USER;
    rc = tarn_qerror_from_sqlite(db, qt, sql, r->database, &category, err);
    r->category = category;
    r->type = category == TARN_QERR_SYSTEM ? TARN_QERRTYPE_INTERNAL : TARN_QERRTYPE_USER;
    return rc ? rc : TARN_ERR_INVALID;
}

int qsql_step_error(qrun *r, sqlite3 *db, const tarn_qtext *qt, const char *user_sql,
                    tarn_error *err)
{
    const tarn_qscan_ctx *c = r->ctx;
    if (c->cutoff_hit) {
        r->ex->state = TARN_QSTATE_CANCELLED;
        return tarn_error_set(err, TARN_ERR_LIMIT,
                              "Bytes scanned limit was exceeded: the workgroup's "
                              "BytesScannedCutoffPerQuery is %lld bytes and the query had read "
                              "%lld bytes",
                              (long long)c->bytes_cutoff, (long long)c->bytes_scanned);
    }
    if (r->cancel && *r->cancel) {
        r->ex->state = TARN_QSTATE_CANCELLED;
        return tarn_error_set(err, TARN_ERR_LIMIT, "Query cancelled by user");
    }
    if (c->err.code) {
        *err = c->err;
        r->category = TARN_QERR_USER;
        r->type = TARN_QERRTYPE_DATA;
        return c->err.code;
    }
    int category = TARN_QERR_USER;
    int rc = tarn_qerror_from_sqlite(db, qt, user_sql, r->database, &category, err);
    r->category = category;
    r->type = category == TARN_QERR_SYSTEM ? TARN_QERRTYPE_INTERNAL : TARN_QERRTYPE_USER;
    return rc ? rc : TARN_ERR_INTERNAL;
}

/* True if column i's current value is a boolean by its subtype. */
static bool bool_value(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_INTEGER &&
           sqlite3_value_subtype(sqlite3_column_value(st, i)) == TARN_QBOOL_SUBTYPE;
}

const char *qsql_text(sqlite3_stmt *st, int i, bool is_bool, size_t *n)
{
    int type = sqlite3_column_type(st, i);
    *n = 0;
    if (type == SQLITE_NULL)
        return NULL;
    const char *decl = sqlite3_column_decltype(st, i);
    if (type == SQLITE_INTEGER &&
        (is_bool || (decl && strcmp(decl, "boolean") == 0) || bool_value(st, i))) {
        bool v = sqlite3_column_int64(st, i) != 0;
        *n = v ? 4 : 5;
        return v ? "true" : "false";
    }
    const char *s = (const char *)sqlite3_column_text(st, i);
    *n = (size_t)sqlite3_column_bytes(st, i);
    return s ? s : "";
}

/* True if sql has the quoted identifier "name" (or `name`). */
static bool quoted_in(const char *sql, const char *name)
{
    qlex lx;
    qlex_init(&lx, sql, strlen(sql));
    bool hit = false;
    for (qtok t = qlex_next(&lx); t.kind != QT_END && !hit; t = qlex_next(&lx)) {
        if (t.kind != QT_QIDENT)
            continue;
        char *v = qtok_name(&lx, t);
        hit = strcasecmp(v, name) == 0;
        free(v);
    }
    return hit;
}

const char *qsql_column_name(sqlite3_stmt *st, int i, const char *sql, char *buf, size_t n)
{
    const char *name = sqlite3_column_name(st, i);
    if (!name)
        name = "";
    bool ident = isalpha((unsigned char)name[0]) || name[0] == '_';
    for (const char *p = name; ident && *p; p++)
        ident = isalnum((unsigned char)*p) || *p == '_';
    /* Literals and niladic functions that SQLite names by their text are
    ** unnamed expressions in Athena (SELECT true -> _col0). */
    static const char *const unnamed[] = {"true", "false", "null", "current_date",
                                          "current_time", "current_timestamp"};
    for (size_t k = 0; ident && k < sizeof unnamed / sizeof unnamed[0]; k++)
        ident = strcasecmp(name, unnamed[k]) != 0;
    if (ident || sqlite3_column_origin_name(st, i) || quoted_in(sql, name))
        return name;
    snprintf(buf, n, "_col%d", i);
    return buf;
}

/* Room for a catalog type read back from a declared type. */
#define TYPE_BUF 256

/* The Athena type of column i: its declared type (in buf of n bytes),
** else from the value. */
static const char *column_type(sqlite3_stmt *st, int i, bool have_row, bool is_bool, char *buf,
                               size_t n)
{
    const char *decl = tarn_qdecl_catalog_type(sqlite3_column_decltype(st, i), buf, n);
    if (!decl && (is_bool || (have_row && bool_value(st, i))))
        return "boolean";
    if (decl || !have_row)
        return decl;
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: return "bigint";
    case SQLITE_FLOAT: return "double";
    case SQLITE_BLOB: return "varbinary";
    default: return "varchar";
    }
}

/* Declare st's columns to the result (types from row when have_row;
** is_bool from tarn_qbool_columns). */
static int declare_columns(qrun *r, sqlite3_stmt *st, const char *sql, bool have_row,
                           const bool *is_bool, tarn_error *err)
{
    int n = sqlite3_column_count(st);
    const char **names = tarn_xcalloc((size_t)n + 1, sizeof *names);
    const char **types = tarn_xcalloc((size_t)n + 1, sizeof *types);
    char *bufs = tarn_xcalloc((size_t)n + 1, 16);
    char *tbufs = tarn_xcalloc((size_t)n + 1, TYPE_BUF);
    for (int i = 0; i < n; i++) {
        names[i] = qsql_column_name(st, i, sql, bufs + 16 * i, 16);
        types[i] = column_type(st, i, have_row, is_bool[i], tbufs + TYPE_BUF * i, TYPE_BUF);
    }
    int rc = qresult_columns(r->res, (size_t)n, names, types, err);
    free(names);
    free(types);
    free(bufs);
    free(tbufs);
    return rc;
}

/* Step st to the end, each row into the result. */
static int rows_to_result(qrun *r, sqlite3 *db, sqlite3_stmt *st, const tarn_qtext *qt,
                          const char *user_sql, tarn_error *err)
{
    size_t n = (size_t)sqlite3_column_count(st);
    const char **vals = tarn_xcalloc(n + 1, sizeof *vals);
    size_t *lens = tarn_xcalloc(n + 1, sizeof *lens);
    bool *is_bool = tarn_xcalloc(n + 1, sizeof *is_bool);
    tarn_qbool_columns(qt->sql, qt->len, is_bool, n);
    int rc = TARN_OK, src;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        if (!r->res->columns_sent)
            rc = declare_columns(r, st, user_sql, true, is_bool, err);
        for (size_t i = 0; i < n && !rc; i++)
            vals[i] = qsql_text(st, (int)i, is_bool[i], &lens[i]);
        if (!rc)
            rc = qresult_row(r->res, vals, lens, err);
    }
    if (!rc && src != SQLITE_DONE)
        rc = qsql_step_error(r, db, qt, user_sql, err);
    if (!rc && !r->res->columns_sent)
        rc = declare_columns(r, st, user_sql, false, is_bool, err);
    free(vals);
    free(lens);
    free(is_bool);
    return rc;
}

int qstmt_select(qrun *r, tarn_error *err)
{
    sqlite3 *db;
    int rc = qsql_open(r, r->sql, &db, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    tarn_qtext qt = {0};
    rc = qsql_prepare(r, db, r->sql, &st, &qt, err);
    if (!rc)
        rc = rows_to_result(r, db, st, &qt, r->sql, err);
    sqlite3_finalize(st);
    tarn_qtext_free(&qt);
    sqlite3_close(db);
    return rc;
}

/* SQLite's EXPLAIN QUERY PLAN of st's text, indented as a tree. */
static int explain_plan(qrun *r, sqlite3 *db, const tarn_qtext *qt, tarn_error *err)
{
    char *sql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", qt->sql);
    sqlite3_stmt *st = NULL;
    int rc = TARN_OK;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        rc = tarn_error_set(err, TARN_ERR_INVALID, "EXPLAIN: %s", sqlite3_errmsg(db));
    int ids[64] = {0}, depths[64] = {0}, nids = 0;
    const char *head[1] = {"SQLite query plan:"};
    if (!rc)
        rc = qresult_row_strs(r->res, head, err);
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        int id = sqlite3_column_int(st, 0), parent = sqlite3_column_int(st, 1), depth = 1;
        for (int i = 0; i < nids; i++)
            if (ids[i] == parent)
                depth = depths[i] + 1;
        if (nids < 64) {
            ids[nids] = id;
            depths[nids++] = depth;
        }
        char *line = tarn_xasprintf("%*s%s", depth * 2, "",
                                    (const char *)sqlite3_column_text(st, 3));
        const char *vals[1] = {line};
        rc = qresult_row_strs(r->res, vals, err);
        free(line);
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return rc;
}

/* Run st to the end with the scan logging its decisions; rows dropped. */
static int explain_scan(qrun *r, sqlite3 *db, sqlite3_stmt *st, const tarn_qtext *qt,
                        const char *inner, tarn_error *err)
{
    r->ctx->explain = true;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW)
        ;
    r->ctx->explain = false;
    int rc = src == SQLITE_DONE ? TARN_OK : qsql_step_error(r, db, qt, inner, err);
    const char *head[1] = {"Scan decisions:"};
    if (!rc)
        rc = qresult_row_strs(r->res, head, err);
    const char *p = r->ctx->explain_log.data ? r->ctx->explain_log.data : "";
    while (*p && !rc) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = tarn_xasprintf("  %.*s", (int)n, p);
        const char *vals[1] = {line};
        rc = qresult_row_strs(r->res, vals, err);
        free(line);
        p += n + (nl ? 1 : 0);
    }
    return rc;
}

int qstmt_explain(qrun *r, tarn_error *err)
{
    qlex lx;
    qlex_init(&lx, r->sql, strlen(r->sql));
    qlex_next(&lx); /* EXPLAIN */
    qtok t = qlex_peek(&lx);
    const char *inner = r->sql + t.off;
    sqlite3 *db;
    int rc = qsql_open(r, inner, &db, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    tarn_qtext qt = {0};
    const char *names[1] = {"Query Plan"}, *types[1] = {"varchar"};
    rc = qsql_prepare(r, db, inner, &st, &qt, err);
    if (!rc)
        rc = qresult_columns(r->res, 1, names, types, err);
    if (!rc)
        rc = explain_plan(r, db, &qt, err);
    if (!rc)
        rc = explain_scan(r, db, st, &qt, inner, err);
    sqlite3_finalize(st);
    tarn_qtext_free(&qt);
    sqlite3_close(db);
    return rc;
}
