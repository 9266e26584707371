/*
** statements.c: which kind a statement is, and the utility statements that
** read the catalog: SHOW DATABASES|SCHEMAS, SHOW TABLES, SHOW COLUMNS, SHOW
** PARTITIONS, SHOW CREATE TABLE|VIEW and DESCRIBE. The catalog-changing
** statements are in statements_ddl.c; SELECT and EXPLAIN in sqlrun.c.
*/
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jobs/jobs.h"
#include "query/engine_int.h"

static const qstmt kind_select = {"DML", false, qstmt_select};
static const qstmt kind_explain = {"UTILITY", true, qstmt_explain};
static const qstmt kind_show = {"UTILITY", true, qstmt_show};
static const qstmt kind_describe = {"UTILITY", true, qstmt_describe};
static const qstmt kind_msck = {"DDL", true, qstmt_msck};
static const qstmt kind_create = {"DDL", true, qstmt_create};
static const qstmt kind_drop = {"DDL", true, qstmt_drop};

const qstmt *qstmt_classify(const char *sql)
{
    static const struct {
        const char *word;
        const qstmt *kind;
    } first[] = {{"EXPLAIN", &kind_explain}, {"SHOW", &kind_show},
                 {"DESCRIBE", &kind_describe}, {"DESC", &kind_describe},
                 {"MSCK", &kind_msck},       {"CREATE", &kind_create},
                 {"DROP", &kind_drop}};
    qlex lx;
    qlex_init(&lx, sql, strlen(sql));
    qtok t = qlex_next(&lx);
    for (size_t i = 0; i < sizeof first / sizeof first[0]; i++)
        if (qtok_is(&lx, t, first[i].word))
            return first[i].kind;
    return &kind_select;
}

int qparse_table_name(qrun *r, qlex *lx, char **db, char **name, size_t *at, tarn_error *err)
{
    (void)err;
    qtok t = qlex_next(lx);
    *at = t.off;
    if (!qtok_ident(t))
        return qrun_fail(r, t.off, TARN_ERR_INVALID, "SYNTAX_ERROR",
                         "a table name was expected here");
    char *first = qtok_name(lx, t);
    qtok dot = qlex_peek(lx);
    if (qtok_punct(lx, dot, '.')) {
        qlex_next(lx);
        qtok t2 = qlex_next(lx);
        if (!qtok_ident(t2)) {
            free(first);
            return qrun_fail(r, t2.off, TARN_ERR_INVALID, "SYNTAX_ERROR",
                             "a table name was expected after '.'");
        }
        *db = first;
        *name = qtok_name(lx, t2);
        return TARN_OK;
    }
    *db = tarn_xstrdup(r->database);
    *name = first;
    return TARN_OK;
}

int qload_table(qrun *r, const char *db, const char *name, size_t off, tarn_cat_table *t,
                tarn_error *err)
{
    tarn_error e = {0};
    int rc = tarn_catalog_table_get(r->q->cat, db, name, t, &e);
    if (rc == TARN_ERR_NOTFOUND)
        return qrun_fail(r, off, rc, "TABLE_NOT_FOUND",
                         "Table 'awsdatacatalog.%s.%s' does not exist", db, name);
    if (rc) {
        *err = e;
        r->category = TARN_QERR_SYSTEM;
        r->type = TARN_QERRTYPE_INTERNAL;
    }
    return rc;
}

/* The statement must end here. */
static int expect_end(qrun *r, qlex *lx)
{
    qtok t = qlex_next(lx);
    if (t.kind == QT_END)
        return TARN_OK;
    return qrun_fail(r, t.off, TARN_ERR_INVALID, "SYNTAX_ERROR", "mismatched input '%.*s'",
                     (int)t.len, lx->s + t.off);
}

/* [LIKE] 'pattern' (Hive's: '*' any, '|' alternatives); NULL if none. */
static char *parse_like(qlex *lx)
{
    qlex_accept(lx, "LIKE");
    qtok t = qlex_peek(lx);
    if (t.kind != QT_STRING)
        return NULL;
    qlex_next(lx);
    return qtok_string(lx, t);
}

/* Whether name matches a SHOW ... LIKE pattern: alternatives split on
** '|', each a glob with '*' (case-insensitive, as names are lower-case). */
static bool like_match(const char *pattern, const char *name)
{
    if (!pattern)
        return true;
    char *p = tarn_xstrdup(pattern), *save = NULL;
    bool hit = false;
    for (char *alt = strtok_r(p, "|", &save); alt && !hit; alt = strtok_r(NULL, "|", &save))
        hit = fnmatch(alt, name, FNM_CASEFOLD) == 0;
    free(p);
    return hit;
}

static int show_databases(qrun *r, qlex *lx, tarn_error *err)
{
    char *pat = parse_like(lx);
    int rc = expect_end(r, lx);
    tarn_cat_database *dbs = NULL;
    size_t n = 0;
    if (!rc)
        rc = tarn_catalog_database_list(r->q->cat, &dbs, &n, err);
    if (!rc)
        rc = qresult_one_column(r->res, "database_name", err);
    for (size_t i = 0; i < n && !rc; i++)
        if (like_match(pat, dbs[i].name))
            rc = qresult_row1(r->res, dbs[i].name, err);
    tarn_cat_database_list_free(dbs, n);
    free(pat);
    return rc;
}

/* A SCHEMA_NOT_FOUND failure for a database the catalog lacks. */
static int database_check(qrun *r, const char *db, size_t off, tarn_error *err)
{
    tarn_cat_database d;
    tarn_error e = {0};
    int rc = tarn_catalog_database_get(r->q->cat, db, &d, &e);
    if (rc == TARN_ERR_NOTFOUND)
        return qrun_fail(r, off, rc, "SCHEMA_NOT_FOUND", "Schema '%s' does not exist", db);
    if (rc)
        *err = e;
    else
        tarn_cat_database_free(&d);
    return rc;
}

static int show_tables(qrun *r, qlex *lx, tarn_error *err)
{
    char *db = NULL;
    size_t at = lx->pos;
    if (qlex_accept(lx, "IN") || qlex_accept(lx, "FROM")) {
        qtok t = qlex_next(lx);
        at = t.off;
        if (!qtok_ident(t))
            return qrun_fail(r, t.off, TARN_ERR_INVALID, "SYNTAX_ERROR",
                             "a database name was expected here");
        db = qtok_name(lx, t);
    }
    char *pat = parse_like(lx);
    const char *dbname = db ? db : r->database;
    int rc = expect_end(r, lx);
    if (!rc)
        rc = database_check(r, dbname, at, err);
    tarn_cat_table *ts = NULL;
    size_t n = 0;
    if (!rc)
        rc = tarn_catalog_table_list(r->q->cat, dbname, &ts, &n, err);
    if (!rc)
        rc = qresult_one_column(r->res, "tab_name", err);
    for (size_t i = 0; i < n && !rc; i++)
        if (like_match(pat, ts[i].name))
            rc = qresult_row1(r->res, ts[i].name, err);
    tarn_cat_table_list_free(ts, n);
    free(pat);
    free(db);
    return rc;
}

/* Parse a table name then the end, and load the table. */
static int table_statement(qrun *r, qlex *lx, tarn_cat_table *t, tarn_error *err)
{
    char *db = NULL, *name = NULL;
    size_t at = 0;
    int rc = qparse_table_name(r, lx, &db, &name, &at, err);
    if (!rc && (qlex_accept(lx, "IN") || qlex_accept(lx, "FROM"))) {
        qtok d = qlex_next(lx); /* SHOW COLUMNS IN t IN db */
        if (qtok_ident(d)) {
            free(db);
            db = qtok_name(lx, d);
        }
    }
    if (!rc)
        rc = expect_end(r, lx);
    if (!rc)
        rc = qload_table(r, db, name, at, t, err);
    free(db);
    free(name);
    return rc;
}

static int show_columns(qrun *r, qlex *lx, tarn_error *err)
{
    if (!qlex_accept(lx, "IN") && !qlex_accept(lx, "FROM"))
        return qrun_fail(r, lx->pos, TARN_ERR_INVALID, "SYNTAX_ERROR",
                         "SHOW COLUMNS takes IN or FROM and a table name");
    tarn_cat_table t;
    int rc = table_statement(r, lx, &t, err);
    if (rc)
        return rc;
    rc = qresult_one_column(r->res, "field", err);
    for (size_t i = 0; i < t.ncolumns && !rc; i++)
        rc = qresult_row1(r->res, t.columns[i].name, err);
    for (size_t i = 0; i < t.npartition_keys && !rc; i++)
        rc = qresult_row1(r->res, t.partition_keys[i].name, err);
    tarn_cat_table_free(&t);
    return rc;
}

/* "k1=v1/k2=v2" for a partition, values escaped as in folder names. */
static int partition_spec(const tarn_cat_table *t, const tarn_cat_partition *p, tarn_buf *out)
{
    int rc = TARN_OK;
    for (size_t k = 0; k < p->nvalues && k < t->npartition_keys && !rc; k++) {
        if (k)
            rc = tarn_buf_putc(out, '/');
        if (!rc)
            rc = tarn_hive_folder(out, t->partition_keys[k].name, p->values[k],
                                  strlen(p->values[k]));
    }
    return rc;
}

static int show_partitions(qrun *r, qlex *lx, tarn_error *err)
{
    tarn_cat_table t;
    size_t at = lx->pos;
    int rc = table_statement(r, lx, &t, err);
    if (rc)
        return rc;
    if (t.npartition_keys == 0) {
        rc = qrun_fail(r, at, TARN_ERR_INVALID, "NOT_SUPPORTED",
                       "Table '%s.%s' is not partitioned", t.database, t.name);
        tarn_cat_table_free(&t);
        return rc;
    }
    tarn_cat_partition *ps = NULL;
    size_t n = 0;
    rc = tarn_catalog_partition_list(r->q->cat, t.database, t.name, &ps, &n, err);
    if (!rc)
        rc = qresult_one_column(r->res, "partition", err);
    tarn_buf b;
    tarn_buf_init(&b, 0);
    for (size_t i = 0; i < n && !rc; i++) {
        tarn_buf_reset(&b);
        rc = partition_spec(&t, &ps[i], &b);
        if (!rc)
            rc = qresult_row1(r->res, b.data, err);
    }
    tarn_buf_free(&b);
    tarn_cat_partition_list_free(ps, n);
    tarn_cat_table_free(&t);
    return rc;
}

/* Emit text one row per line. */
static int emit_lines(qrun *r, const char *text, tarn_error *err)
{
    int rc = TARN_OK;
    const char *p = text;
    while (*p && !rc) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        const char *vals[1] = {p};
        rc = qresult_row(r->res, vals, &n, err);
        p += n + (nl ? 1 : 0);
    }
    return rc;
}

static int show_create(qrun *r, qlex *lx, tarn_error *err)
{
    bool view = qlex_accept(lx, "VIEW");
    if (!view && !qlex_accept(lx, "TABLE"))
        return qrun_fail(r, lx->pos, TARN_ERR_INVALID, "SYNTAX_ERROR",
                         "SHOW CREATE takes TABLE or VIEW");
    tarn_cat_table t;
    int rc = table_statement(r, lx, &t, err);
    if (rc)
        return rc;
    tarn_buf b;
    tarn_buf_init(&b, 0);
    char *text = qsql_view_text(&t);
    if (text) {
        rc = tarn_buf_appendf(&b, "CREATE VIEW %s.%s AS\n%s\n", t.database, t.name, text);
    } else if (view) {
        rc = qrun_fail(r, 0, TARN_ERR_INVALID, "NOT_SUPPORTED",
                       "Relation '%s.%s' is a table, not a view", t.database, t.name);
    } else {
        rc = tarn_catalog_table_ddl(&t, &b, err);
        if (rc) {
            r->category = TARN_QERR_SYSTEM;
            r->type = TARN_QERRTYPE_INTERNAL;
        }
    }
    if (!rc)
        rc = qresult_one_column(r->res, "createtab_stmt", err);
    if (!rc)
        rc = emit_lines(r, b.data ? b.data : "", err);
    free(text);
    tarn_buf_free(&b);
    tarn_cat_table_free(&t);
    return rc;
}

int qstmt_show(qrun *r, tarn_error *err)
{
    qlex lx;
    qlex_init(&lx, r->sql, strlen(r->sql));
    qlex_next(&lx); /* SHOW */
    if (qlex_accept(&lx, "DATABASES") || qlex_accept(&lx, "SCHEMAS"))
        return show_databases(r, &lx, err);
    if (qlex_accept(&lx, "TABLES"))
        return show_tables(r, &lx, err);
    if (qlex_accept(&lx, "COLUMNS"))
        return show_columns(r, &lx, err);
    if (qlex_accept(&lx, "PARTITIONS"))
        return show_partitions(r, &lx, err);
    if (qlex_accept(&lx, "CREATE"))
        return show_create(r, &lx, err);
    qtok t = qlex_next(&lx);
    return qrun_fail(r, t.off, TARN_ERR_UNSUPPORTED, "NOT_SUPPORTED",
                     "SHOW %.*s is not supported (tarn knows SHOW DATABASES, TABLES, COLUMNS, "
                     "PARTITIONS, CREATE TABLE, CREATE VIEW)",
                     (int)t.len, r->sql + t.off);
}

/* DESCRIBE's rows for one list of columns: name, type, comment. */
static int describe_columns(qrun *r, const tarn_cat_column *cols, size_t n, tarn_error *err)
{
    int rc = TARN_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        const char *vals[3] = {cols[i].name, cols[i].type,
                               cols[i].comment ? cols[i].comment : ""};
        rc = qresult_row_strs(r->res, vals, err);
    }
    return rc;
}

int qstmt_describe(qrun *r, tarn_error *err)
{
    qlex lx;
    qlex_init(&lx, r->sql, strlen(r->sql));
    qlex_next(&lx); /* DESCRIBE */
    if (!qlex_accept(&lx, "FORMATTED"))
        qlex_accept(&lx, "EXTENDED");
    tarn_cat_table t;
    int rc = table_statement(r, &lx, &t, err);
    if (rc)
        return rc;
    const char *names[3] = {"col_name", "data_type", "comment"};
    const char *types[3] = {"varchar", "varchar", "varchar"};
    rc = qresult_columns(r->res, 3, names, types, err);
    if (!rc)
        rc = describe_columns(r, t.columns, t.ncolumns, err);
    if (!rc && t.npartition_keys > 0) {
        const char *blank[3] = {"", "", ""};
        const char *head[3] = {"# Partition Information", "", ""};
        const char *cols[3] = {"# col_name", "data_type", "comment"};
        rc = qresult_row_strs(r->res, blank, err);
        if (!rc)
            rc = qresult_row_strs(r->res, head, err);
        if (!rc)
            rc = qresult_row_strs(r->res, cols, err);
        if (!rc)
            rc = qresult_row_strs(r->res, blank, err);
        if (!rc)
            rc = describe_columns(r, t.partition_keys, t.npartition_keys, err);
    }
    tarn_cat_table_free(&t);
    return rc;
}

char *qsql_view_text(const tarn_cat_table *t)
{
    if (!t->table_type || strcmp(t->table_type, "VIRTUAL_VIEW") != 0 || !t->parameters)
        return NULL;
    json_t *p = json_loads(t->parameters, 0, NULL);
    const char *s = json_string_value(json_object_get(p, QVIEW_PARAM));
    char *out = s ? tarn_xstrdup(s) : NULL;
    json_decref(p);
    return out;
}
