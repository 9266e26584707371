/*
** statements_ddl.c: the statements that change the catalog: CREATE and
** DROP DATABASE|SCHEMA, CREATE [OR REPLACE] VIEW and DROP VIEW (a view is
** a catalog table of type VIRTUAL_VIEW with its SQL in the parameter
** view_original_text, as Glue keeps Athena's views), DROP TABLE (catalog
** only: the data stays, as Athena does for external tables), MSCK REPAIR
** TABLE (registers the key=value folders found under the table's
** location). CREATE TABLE AS SELECT is in ctas.c.
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "jobs/jobs.h"
#include "query/engine_int.h"

int qstmt_ctas(qrun *r, qlex *lx, tarn_error *err); /* ctas.c */

/* An identifier at lx, or a SYNTAX_ERROR naming what was expected. */
static int parse_ident(qrun *r, qlex *lx, const char *what, char **out, size_t *at)
{
    qtok t = qlex_next(lx);
    *at = t.off;
    if (!qtok_ident(t))
        return qrun_fail(r, t.off, TARN_ERR_INVALID, "SYNTAX_ERROR", "%s was expected here",
                         what);
    *out = qtok_name(lx, t);
    return TARN_OK;
}

/* IF NOT EXISTS / IF EXISTS. */
static bool parse_if(qlex *lx, bool not)
{
    size_t pos = lx->pos;
    if (qlex_accept(lx, "IF") && (!not || qlex_accept(lx, "NOT")) && qlex_accept(lx, "EXISTS"))
        return true;
    lx->pos = pos;
    return false;
}

/* Pass on a catalog error that is not the user's. */
static int catalog_fail(qrun *r, int rc, tarn_error *e, tarn_error *err)
{
    *err = *e;
    r->category = TARN_QERR_SYSTEM;
    r->type = TARN_QERRTYPE_DDL;
    return rc;
}

static int create_database(qrun *r, qlex *lx, tarn_error *err)
{
    bool if_not = parse_if(lx, true);
    char *name = NULL, *comment = NULL, *location = NULL;
    size_t at;
    int rc = parse_ident(r, lx, "a database name", &name, &at);
    while (!rc) {
        bool is_comment = qlex_accept(lx, "COMMENT");
        if (!is_comment && !qlex_accept(lx, "LOCATION"))
            break;
        qtok t = qlex_next(lx);
        if (t.kind != QT_STRING)
            rc = qrun_fail(r, t.off, TARN_ERR_INVALID, "SYNTAX_ERROR", "a string was expected");
        else if (is_comment)
            comment = qtok_string(lx, t);
        else
            location = qtok_string(lx, t);
    }
    tarn_error e = {0};
    if (!rc) {
        rc = tarn_catalog_database_create(r->q->cat, name, comment, location, NULL, &e);
        if (rc == TARN_ERR_EXISTS && if_not)
            rc = TARN_OK;
        else if (rc == TARN_ERR_EXISTS)
            rc = qrun_fail(r, at, rc, "SCHEMA_ALREADY_EXISTS", "Schema '%s' already exists",
                           name);
        else if (rc == TARN_ERR_INVALID)
            rc = qrun_fail(r, at, rc, "INVALID_SCHEMA_NAME", "%s", e.msg);
        else if (rc)
            rc = catalog_fail(r, rc, &e, err);
    }
    free(name);
    free(comment);
    free(location);
    return rc;
}

static int drop_database(qrun *r, qlex *lx, tarn_error *err)
{
    bool if_exists = parse_if(lx, false);
    char *name = NULL;
    size_t at;
    int rc = parse_ident(r, lx, "a database name", &name, &at);
    bool cascade = !rc && qlex_accept(lx, "CASCADE");
    if (!rc && !cascade)
        qlex_accept(lx, "RESTRICT");
    tarn_error e = {0};
    if (!rc) {
        rc = tarn_catalog_database_delete(r->q->cat, name, cascade, &e);
        if (rc == TARN_ERR_NOTFOUND && if_exists)
            rc = TARN_OK;
        else if (rc == TARN_ERR_NOTFOUND)
            rc = qrun_fail(r, at, rc, "SCHEMA_NOT_FOUND", "Schema '%s' does not exist", name);
        else if (rc == TARN_ERR_NOTEMPTY)
            rc = qrun_fail(r, at, rc, "SCHEMA_NOT_EMPTY",
                           "Cannot drop non-empty schema '%s' (drop its tables first, or add "
                           "CASCADE)",
                           name);
        else if (rc)
            rc = catalog_fail(r, rc, &e, err);
    }
    free(name);
    return rc;
}

/* DROP TABLE or DROP VIEW: the catalog entry only. */
static int drop_relation(qrun *r, qlex *lx, bool view, tarn_error *err)
{
    bool if_exists = parse_if(lx, false);
    char *db = NULL, *name = NULL;
    size_t at = 0;
    int rc = qparse_table_name(r, lx, &db, &name, &at, err);
    tarn_cat_table t;
    tarn_error e = {0};
    if (!rc) {
        rc = tarn_catalog_table_get(r->q->cat, db, name, &t, &e);
        bool is_view = !rc && t.table_type && strcmp(t.table_type, "VIRTUAL_VIEW") == 0;
        if (!rc)
            tarn_cat_table_free(&t);
        if (rc == TARN_ERR_NOTFOUND && if_exists)
            rc = -1;
        else if (rc == TARN_ERR_NOTFOUND)
            rc = qrun_fail(r, at, rc, "TABLE_NOT_FOUND", "%s 'awsdatacatalog.%s.%s' does not exist",
                           view ? "View" : "Table", db, name);
        else if (rc)
            rc = catalog_fail(r, rc, &e, err);
        else if (is_view != view)
            rc = qrun_fail(r, at, TARN_ERR_INVALID, "INVALID_VIEW",
                           "'%s.%s' is a %s: use DROP %s", db, name, is_view ? "view" : "table",
                           is_view ? "VIEW" : "TABLE");
    }
    if (!rc) {
        rc = tarn_catalog_table_delete(r->q->cat, db, name, &e);
        if (rc)
            rc = catalog_fail(r, rc, &e, err);
    }
    free(db);
    free(name);
    return rc < 0 ? TARN_OK : rc;
}

int qstmt_drop(qrun *r, tarn_error *err)
{
    qlex lx;
    qlex_init(&lx, r->sql, strlen(r->sql));
    qlex_next(&lx); /* DROP */
    if (qlex_accept(&lx, "DATABASE") || qlex_accept(&lx, "SCHEMA"))
        return drop_database(r, &lx, err);
    if (qlex_accept(&lx, "TABLE"))
        return drop_relation(r, &lx, false, err);
    if (qlex_accept(&lx, "VIEW"))
        return drop_relation(r, &lx, true, err);
    qtok t = qlex_next(&lx);
    return qrun_fail(r, t.off, TARN_ERR_UNSUPPORTED, "NOT_SUPPORTED",
                     "DROP %.*s is not supported (DATABASE, SCHEMA, TABLE or VIEW)", (int)t.len,
                     r->sql + t.off);
}

/* A view's columns: names and catalog types of its SELECT's result. */
static int view_columns(qrun *r, const char *text, tarn_cat_table *v, tarn_error *err)
{
    sqlite3 *db;
    int rc = qsql_open(r, text, &db, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    tarn_qtext qt = {0};
    rc = qsql_prepare(r, db, text, &st, &qt, err);
    if (!rc) {
        int n = sqlite3_column_count(st);
        v->columns = tarn_xcalloc((size_t)n + 1, sizeof *v->columns);
        v->ncolumns = (size_t)n;
        for (int i = 0; i < n; i++) {
            char buf[256];
            const char *decl =
                tarn_qdecl_catalog_type(sqlite3_column_decltype(st, i), buf, sizeof buf);
            char auto_name[16];
            v->columns[i].name = tarn_xstrdup(qsql_column_name(st, i, text, auto_name,
                                                                 sizeof auto_name));
            v->columns[i].type = tarn_xstrdup(decl ? decl : "string");
        }
    }
    sqlite3_finalize(st);
    tarn_qtext_free(&qt);
    sqlite3_close(db);
    return rc;
}

/* The view's table parameters with its SQL. */
static char *view_parameters(const char *text)
{
    json_t *p = json_pack("{s:s, s:s, s:s}", "presto_view", "true", "comment", "Presto View",
                          QVIEW_PARAM, text);
    char *s = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(p);
    return s;
}

static int create_view(qrun *r, qlex *lx, bool replace, tarn_error *err)
{
    char *db = NULL, *name = NULL;
    size_t at = 0;
    int rc = qparse_table_name(r, lx, &db, &name, &at, err);
    if (!rc && !qlex_accept(lx, "AS"))
        rc = qrun_fail(r, lx->pos, TARN_ERR_INVALID, "SYNTAX_ERROR",
                       "CREATE VIEW takes AS and a SELECT");
    tarn_cat_table v = {0};
    if (!rc) {
        const char *text = r->sql + qlex_peek(lx).off;
        v.database = db;
        v.name = name;
        v.table_type = "VIRTUAL_VIEW";
        v.parameters = view_parameters(text);
        v.row_count = -1;
        rc = view_columns(r, text, &v, err);
    }
    tarn_error e = {0};
    if (!rc) {
        rc = tarn_catalog_table_create(r->q->cat, &v, &e);
        if (rc == TARN_ERR_EXISTS && replace)
            rc = tarn_catalog_table_update(r->q->cat, &v, &e);
        if (rc == TARN_ERR_EXISTS)
            rc = qrun_fail(r, at, rc, "ALREADY_EXISTS", "View already exists: '%s.%s'", db,
                           name);
        else if (rc == TARN_ERR_NOTFOUND)
            rc = qrun_fail(r, at, rc, "SCHEMA_NOT_FOUND", "Schema '%s' does not exist", db);
        else if (rc)
            rc = catalog_fail(r, rc, &e, err);
    }
    for (size_t i = 0; i < v.ncolumns; i++) {
        free(v.columns[i].name);
        free(v.columns[i].type);
    }
    free(v.columns);
    free(v.parameters);
    free(db);
    free(name);
    return rc;
}

int qstmt_create(qrun *r, tarn_error *err)
{
    qlex lx;
    qlex_init(&lx, r->sql, strlen(r->sql));
    qlex_next(&lx); /* CREATE */
    if (qlex_accept(&lx, "DATABASE") || qlex_accept(&lx, "SCHEMA"))
        return create_database(r, &lx, err);
    bool replace = false;
    size_t pos = lx.pos;
    if (qlex_accept(&lx, "OR") && qlex_accept(&lx, "REPLACE"))
        replace = true;
    else
        lx.pos = pos;
    if (qlex_accept(&lx, "VIEW"))
        return create_view(r, &lx, replace, err);
    if (!replace && qlex_accept(&lx, "TABLE"))
        return qstmt_ctas(r, &lx, err);
    qtok t = qlex_next(&lx);
    return qrun_fail(r, t.off, TARN_ERR_UNSUPPORTED, "NOT_SUPPORTED",
                     "CREATE %.*s is not supported (tarn knows CREATE DATABASE, CREATE VIEW and "
                     "CREATE TABLE ... AS SELECT; crawlers and stacks create external tables)",
                     (int)t.len, r->sql + t.off);
}

/* ---- MSCK REPAIR TABLE ---- */

typedef struct msck_state {
    const tarn_cat_table *t;
    size_t prefix_len;
    char *last;             /* the last partition folder seen, "k=v/.../" */
    char **specs;           /* folders found, in order */
    size_t n, cap;
} msck_state;

/* The partition folder part of key rel ("k1=v1/k2=v2/"), or 0 when rel
** is not inside a folder per partition key, in order. */
static size_t partition_folders(const tarn_cat_table *t, const char *rel)
{
    const char *p = rel;
    for (size_t k = 0; k < t->npartition_keys; k++) {
        const char *slash = strchr(p, '/'), *eq = strchr(p, '=');
        size_t kl = strlen(t->partition_keys[k].name);
        if (!slash || !eq || eq > slash || (size_t)(eq - p) != kl ||
            strncasecmp(p, t->partition_keys[k].name, kl) != 0)
            return 0;
        p = slash + 1;
    }
    return (size_t)(p - rel);
}

static int msck_visit(void *ud, const tarn_object_info *obj, const char *common_prefix)
{
    msck_state *s = ud;
    (void)common_prefix;
    if (!obj || strlen(obj->key) <= s->prefix_len)
        return 0;
    const char *rel = obj->key + s->prefix_len;
    size_t n = partition_folders(s->t, rel);
    if (n == 0 || (s->last && strlen(s->last) == n && strncmp(s->last, rel, n) == 0))
        return 0;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->specs = tarn_xrealloc(s->specs, s->cap * sizeof *s->specs);
    }
    s->specs[s->n++] = tarn_xstrndup(rel, n);
    s->last = s->specs[s->n - 1];
    return 0;
}

/* The partition a folder spec stands for (values unescaped). */
static void spec_partition(const msck_state *s, const char *bucket, const char *prefix,
                           const char *spec, tarn_cat_partition *p)
{
    memset(p, 0, sizeof *p);
    p->nvalues = s->t->npartition_keys;
    p->values = tarn_xcalloc(p->nvalues, sizeof *p->values);
    const char *q = spec;
    for (size_t k = 0; k < p->nvalues; k++) {
        const char *eq = strchr(q, '='), *slash = strchr(q, '/');
        tarn_buf b;
        tarn_buf_init(&b, 0);
        tarn_hive_unescape(&b, eq + 1, (size_t)(slash - eq - 1));
        p->values[k] = tarn_xstrdup(b.data ? b.data : "");
        tarn_buf_free(&b);
        q = slash + 1;
    }
    p->location = tarn_xasprintf("s3://%s/%s%s", bucket, prefix, spec);
}

/* Add the folders the catalog lacks, and report them as Hive does. */
static int msck_register(qrun *r, msck_state *s, const tarn_uri *u, tarn_error *err)
{
    tarn_cat_partition *add = tarn_xcalloc(s->n + 1, sizeof *add);
    size_t nadd = 0;
    int rc = qresult_one_column(r->res, "result", err);
    for (size_t i = 0; i < s->n && !rc; i++) {
        tarn_cat_partition p, have;
        spec_partition(s, u->bucket, u->key, s->specs[i], &p);
        tarn_error e = {0};
        if (tarn_catalog_partition_get(r->q->cat, s->t->database, s->t->name,
                                       (const char *const *)p.values, p.nvalues, &have,
                                       &e) == TARN_OK) {
            tarn_cat_partition_free(&have);
            tarn_cat_partition_free(&p);
            continue;
        }
        add[nadd++] = p;
        char *line = tarn_xasprintf("Repair: Added partition to metastore %s:%.*s", s->t->name,
                                    (int)strlen(s->specs[i]) - 1, s->specs[i]);
        const char *vals[1] = {line};
        rc = qresult_row_strs(r->res, vals, err);
        free(line);
    }
    tarn_error e = {0};
    if (!rc && nadd > 0) {
        rc = tarn_catalog_partitions_add(r->q->cat, s->t->database, s->t->name, add, nadd,
                                         TARN_CAT_SKIP_EXISTING, &e);
        if (rc)
            rc = catalog_fail(r, rc, &e, err);
    }
    for (size_t i = 0; i < nadd; i++)
        tarn_cat_partition_free(&add[i]);
    free(add);
    return rc;
}

int qstmt_msck(qrun *r, tarn_error *err)
{
    qlex lx;
    qlex_init(&lx, r->sql, strlen(r->sql));
    qlex_next(&lx); /* MSCK */
    if (!qlex_accept(&lx, "REPAIR") || !qlex_accept(&lx, "TABLE"))
        return qrun_fail(r, lx.pos, TARN_ERR_INVALID, "SYNTAX_ERROR",
                         "MSCK takes REPAIR TABLE and a table name");
    char *db = NULL, *name = NULL;
    size_t at = 0;
    tarn_cat_table t;
    int rc = qparse_table_name(r, &lx, &db, &name, &at, err);
    if (!rc)
        rc = qload_table(r, db, name, at, &t, err);
    free(db);
    free(name);
    if (rc)
        return rc;
    tarn_uri u;
    msck_state s = {.t = &t};
    if (t.npartition_keys == 0 || !t.location) {
        rc = qresult_one_column(r->res, "result", err);
    } else if (!(rc = tarn_uri_parse(t.location, &u, err))) {
        size_t kl = strlen(u.key);
        if (kl && u.key[kl - 1] != '/' && kl < TARN_KEY_MAX)
            strcat(u.key, "/");
        s.prefix_len = strlen(u.key);
        tarn_list_request req = {.prefix = u.key};
        rc = tarn_object_list_all(r->q->store, u.bucket, &req, msck_visit, &s, err);
        if (!rc)
            rc = msck_register(r, &s, &u, err);
    }
    for (size_t i = 0; i < s.n; i++)
        free(s.specs[i]);
    free(s.specs);
    tarn_cat_table_free(&t);
    return rc;
}
