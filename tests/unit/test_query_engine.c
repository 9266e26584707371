/*
** test_query_engine.c: the query engine (query.h) over a fresh home:
** executions recorded with every field, result files byte-exact (.csv
** quoting, NULL, empty strings, embedded quotes and newlines; .txt for
** utility and DDL statements), metadata JSON, workgroups (primary by
** default, disabled, unknown), the utility statements over catalog tables
** made with catalog.h, DROP TABLE keeping data, views, MSCK REPAIR,
** cancel, history, get, results and statement splitting. Statements here
** need no scan (no SELECT reads a catalog table's files).
*/
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include <sqlite3.h>

#include "catalog/catalog.h"
#include "format/format.h"
#include "query/query.h"
#include "store/store.h"

typedef struct fixture {
    char home[64];
    tarn_store *st;
    tarn_catalog *cat;
    tarn_query *q;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->home, sizeof f->home, "/tmp/tarn-qengine-XXXXXX");
    if (!mkdtemp(f->home))
        return -1;
    tarn_error err = {0};
    if (tarn_store_open(&f->st, f->home, &err) || tarn_catalog_open(f->home, &f->cat, &err) ||
        tarn_query_open(f->st, f->cat, &f->q, &err))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tarn_query_close(f->q);
    tarn_catalog_close(f->cat);
    tarn_store_close(f->st);
    test_rmtree(f->home);
    free(f);
    return 0;
}

/* Run sql in database db (workgroup primary); the execution into *ex. */
static void run(fixture *f, const char *sql, const char *db, tarn_qexec *ex, tarn_error *err)
{
    tarn_query_options o;
    tarn_query_options_init(&o);
    o.database = db;
    assert_int_equal(tarn_query_execute(f->q, sql, &o, NULL, ex, err), TARN_OK);
}

/* The object at an s3:// URI as a string (caller frees). */
static char *object_text(fixture *f, const char *uri)
{
    tarn_uri u;
    tarn_error err = {0};
    assert_int_equal(tarn_uri_parse(uri, &u, &err), TARN_OK);
    char *data = NULL;
    size_t n = 0;
    assert_int_equal(tarn_object_get(f->st, u.bucket, u.key, 0, -1, &data, &n, &err), TARN_OK);
    char *s = malloc(n + 1);
    memcpy(s, data, n);
    s[n] = 0;
    free(data);
    return s;
}

static bool object_exists(fixture *f, const char *uri)
{
    tarn_uri u;
    tarn_error err = {0};
    tarn_object_info info;
    return tarn_uri_parse(uri, &u, &err) == TARN_OK &&
           tarn_object_head(f->st, u.bucket, u.key, &info, &err) == TARN_OK;
}

static void expect_result(fixture *f, const char *sql, const char *db, const char *want)
{
    tarn_qexec ex;
    tarn_error err = {0};
    run(f, sql, db, &ex, &err);
    if (ex.state != TARN_QSTATE_SUCCEEDED)
        fail_msg("%s: %s", sql, err.msg);
    char *got = object_text(f, ex.output_location);
    assert_string_equal(got, want);
    free(got);
    tarn_qexec_free(&ex);
}

static void expect_failure(fixture *f, const char *sql, const char *db, const char *want)
{
    tarn_qexec ex;
    tarn_error err = {0};
    run(f, sql, db, &ex, &err);
    assert_int_equal(ex.state, TARN_QSTATE_FAILED);
    assert_string_equal(ex.state_reason, want);
    assert_string_equal(err.msg, want);
    assert_null(ex.output_location);
    tarn_qexec_free(&ex);
}

static bool is_athena_id(const char *id)
{
    if (strlen(id) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? id[i] != '-' : !strchr("0123456789abcdef", id[i]))
            return false;
    }
    return true;
}

static void test_select_csv_exact(void **state)
{
    fixture *f = *state;
    tarn_qexec ex;
    tarn_error err = {0};
    run(f,
        "SELECT 1 AS a, 'x\"y' AS \"b,1\", NULL AS c, '' AS d, 'l1' || char(10) || 'l2' AS e, "
        "2.5 AS g UNION ALL SELECT -7, 'plain', 'z', NULL, 'caf\xc3\xa9', NULL;",
        NULL, &ex, &err);
    assert_int_equal(ex.state, TARN_QSTATE_SUCCEEDED);
    assert_true(is_athena_id(ex.id));
    assert_string_equal(ex.statement_type, "DML");
    assert_string_equal(ex.workgroup, "primary");
    assert_string_equal(ex.database, "default");
    assert_string_equal(ex.catalog, "AwsDataCatalog");
    assert_int_equal(ex.rows_returned, 2);
    assert_int_equal(ex.bytes_scanned, 0);
    assert_null(ex.state_reason);
    assert_true(ex.submitted_on > 0 && ex.completed_on >= ex.submitted_on);
    assert_true(ex.execution_ms >= 0);
    char *want_loc = NULL;
    assert_true(asprintf(&want_loc, "s3://tarn-athena-results/%s.csv", ex.id) > 0);
    assert_string_equal(ex.output_location, want_loc);
    char *csv = object_text(f, ex.output_location);
    assert_string_equal(csv, "\"a\",\"b,1\",\"c\",\"d\",\"e\",\"g\"\n"
                             "\"1\",\"x\"\"y\",,\"\",\"l1\nl2\",\"2.5\"\n"
                             "\"-7\",\"plain\",\"z\",,\"caf\xc3\xa9\",\n");
    free(csv);
    char *meta_uri = NULL;
    assert_true(asprintf(&meta_uri, "%s.metadata", want_loc) > 0);
    char *meta = object_text(f, meta_uri);
    json_t *m = json_loads(meta, 0, NULL);
    assert_non_null(m);
    assert_string_equal(json_string_value(json_object_get(m, "statement_type")), "DML");
    assert_int_equal(json_integer_value(json_object_get(m, "row_count")), 2);
    json_t *cols = json_object_get(m, "columns");
    assert_int_equal(json_array_size(cols), 6);
    const char *want_types[] = {"bigint", "varchar", "varchar", "varchar", "varchar", "double"};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(cols, i), "type")),
                            want_types[i]);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(cols, 1), "name")), "b,1");
    json_decref(m);
    free(meta);
    free(meta_uri);
    /* The stored execution matches what execute returned. */
    tarn_qexec got;
    assert_int_equal(tarn_query_get(f->q, ex.id, &got, &err), TARN_OK);
    assert_string_equal(got.id, ex.id);
    assert_string_equal(got.query, "SELECT 1 AS a, 'x\"y' AS \"b,1\", NULL AS c, '' AS d, "
                                   "'l1' || char(10) || 'l2' AS e, 2.5 AS g UNION ALL SELECT "
                                   "-7, 'plain', 'z', NULL, 'caf\xc3\xa9', NULL");
    assert_int_equal(got.state, TARN_QSTATE_SUCCEEDED);
    assert_string_equal(got.output_location, want_loc);
    assert_int_equal(got.rows_returned, 2);
    assert_int_equal(got.submitted_on, ex.submitted_on);
    assert_int_equal(got.completed_on, ex.completed_on);
    assert_int_equal(got.execution_ms, ex.execution_ms);
    assert_string_equal(got.statement_type, "DML");
    tarn_qexec_free(&got);
    free(want_loc);
    tarn_qexec_free(&ex);
}

static void test_zero_rows_header_only(void **state)
{
    expect_result(*state, "SELECT 1 AS a, 'b' AS b WHERE 1 = 0", NULL, "\"a\",\"b\"\n");
}

/* Expressions without an alias are named _col<i>, as Athena names them. */
static void test_unaliased_columns(void **state)
{
    expect_result(*state, "SELECT count(*), 1 + 1 AS two, 3, 4 AS `my col` FROM (SELECT 1)",
                  NULL, "\"_col0\",\"two\",\"_col2\",\"my col\"\n\"1\",\"2\",\"3\",\"4\"\n");
}

/* Boolean expressions print true/false (SQLite has 0/1); literals are
** unnamed expressions, as in Athena. */
static void test_boolean_results(void **state)
{
    expect_result(*state, "SELECT true, false AS f, 2 > 1, 1 IS NULL, CAST(CAST('t' AS BOOLEAN) AS "
                          "VARCHAR), 3 > ALL (SELECT 1 UNION SELECT 2), 1 + 1",
                  NULL, "\"_col0\",\"f\",\"_col2\",\"_col3\",\"_col4\",\"_col5\",\"_col6\"\n"
                        "\"true\",\"false\",\"true\",\"false\",\"true\",\"true\",\"2\"\n");
}

/* A sink that collects what the engine hands it. */
typedef struct collect {
    size_t ncols, rows;
    tarn_buf text;
} collect;

static int collect_columns(void *ud, size_t n, const char *const *names,
                           const char *const *types, tarn_error *err)
{
    (void)err;
    collect *c = ud;
    c->ncols = n;
    for (size_t i = 0; i < n; i++)
        tarn_buf_appendf(&c->text, "%s:%s|", names[i], types[i]);
    return 0;
}

static int collect_row(void *ud, size_t n, const char *const *vals, const size_t *lens,
                       tarn_error *err)
{
    (void)err;
    collect *c = ud;
    c->rows++;
    for (size_t i = 0; i < n; i++)
        tarn_buf_appendf(&c->text, "%.*s|", vals[i] ? (int)lens[i] : 4,
                         vals[i] ? vals[i] : "NULL");
    return 0;
}

static void test_sink_sees_rows(void **state)
{
    fixture *f = *state;
    collect c = {0};
    tarn_buf_init(&c.text, 0);
    tarn_query_sink sink = {&c, collect_columns, collect_row};
    tarn_qexec ex;
    tarn_error err = {0};
    assert_int_equal(tarn_query_execute(f->q, "SELECT 'a' AS x, NULL AS y", NULL, &sink, &ex,
                                        &err),
                     TARN_OK);
    assert_int_equal(ex.state, TARN_QSTATE_SUCCEEDED);
    assert_int_equal(c.rows, 1);
    assert_string_equal(c.text.data, "x:varchar|y:varchar|a|NULL|");
    tarn_buf_free(&c.text);
    tarn_qexec_free(&ex);
}

/* A database "sales" with tables orders (partitioned) and customers. */
static void make_catalog(fixture *f)
{
    tarn_error err = {0};
    assert_int_equal(tarn_catalog_database_create(f->cat, "sales", NULL, NULL, NULL, &err), 0);
    assert_int_equal(tarn_catalog_database_create(f->cat, "gold", NULL, NULL, NULL, &err), 0);
    tarn_cat_column cols[] = {{"id", "bigint", NULL}, {"amount", "decimal(10,2)", "in EUR"}};
    tarn_cat_column keys[] = {{"country", "string", NULL}};
    tarn_cat_table t = {.database = "sales", .name = "orders",
                        .location = "s3://data/orders/", .classification = "parquet",
                        .columns = cols, .ncolumns = 2, .partition_keys = keys,
                        .npartition_keys = 1, .row_count = -1};
    assert_int_equal(tarn_catalog_table_create(f->cat, &t, &err), 0);
    tarn_cat_table c = {.database = "sales", .name = "customers",
                        .location = "s3://data/customers/", .classification = "csv",
                        .columns = cols, .ncolumns = 1, .row_count = -1};
    assert_int_equal(tarn_catalog_table_create(f->cat, &c, &err), 0);
}

static void test_show_databases_and_tables(void **state)
{
    fixture *f = *state;
    make_catalog(f);
    expect_result(f, "SHOW DATABASES", NULL, "gold\nsales\n");
    expect_result(f, "show schemas like 's*'", NULL, "sales\n");
    expect_result(f, "SHOW TABLES", "sales", "customers\norders\n");
    expect_result(f, "SHOW TABLES IN sales 'ord*|x'", NULL, "orders\n");
    expect_result(f, "SHOW TABLES IN gold", NULL, "");
    expect_result(f, "SHOW COLUMNS IN orders", "sales", "id\namount\ncountry\n");
    expect_result(f, "SHOW PARTITIONS sales.orders", NULL, "");
    expect_failure(f, "SHOW TABLES IN nope", NULL,
                   "SCHEMA_NOT_FOUND: line 1:16: Schema 'nope' does not exist");
    tarn_qexec ex;
    tarn_error err = {0};
    run(f, "SHOW TABLES", "sales", &ex, &err);
    assert_string_equal(ex.statement_type, "UTILITY");
    assert_non_null(strstr(ex.output_location, ".txt"));
    char *meta_uri = NULL;
    assert_true(asprintf(&meta_uri, "%s.metadata", ex.output_location) > 0);
    char *meta = object_text(f, meta_uri);
    assert_string_equal(meta, "{\"statement_type\":\"UTILITY\",\"row_count\":2,\"columns\":"
                              "[{\"name\":\"tab_name\",\"type\":\"varchar\"}]}");
    free(meta);
    free(meta_uri);
    tarn_qexec_free(&ex);
}

static void test_describe(void **state)
{
    fixture *f = *state;
    make_catalog(f);
    expect_result(f, "DESCRIBE orders", "sales",
                  "id\tbigint\t\namount\tdecimal(10,2)\tin EUR\n\t\t\n"
                  "# Partition Information\t\t\n# col_name\tdata_type\tcomment\n\t\t\n"
                  "country\tstring\t\n");
    expect_result(f, "describe sales.customers", NULL, "id\tbigint\t\n");
    expect_failure(f, "DESCRIBE sales.nope", NULL,
                   "TABLE_NOT_FOUND: line 1:10: Table 'awsdatacatalog.sales.nope' does not "
                   "exist");
    expect_failure(f, "DESCRIBE orders", NULL,
                   "TABLE_NOT_FOUND: line 1:10: Table 'awsdatacatalog.default.orders' does not "
                   "exist");
}

static void test_drop_table_keeps_data(void **state)
{
    fixture *f = *state;
    make_catalog(f);
    tarn_error err = {0};
    assert_int_equal(tarn_bucket_create(f->st, "data", &err), 0);
    assert_int_equal(tarn_object_put(f->st, "data", "orders/country=FR/a.csv", "x\n", 2, &err),
                     0);
    tarn_qexec ex;
    run(f, "DROP TABLE sales.orders", NULL, &ex, &err);
    assert_int_equal(ex.state, TARN_QSTATE_SUCCEEDED);
    assert_string_equal(ex.statement_type, "DDL");
    char *txt = object_text(f, ex.output_location);
    assert_string_equal(txt, "");
    free(txt);
    tarn_qexec_free(&ex);
    tarn_cat_table t;
    assert_int_equal(tarn_catalog_table_get(f->cat, "sales", "orders", &t, &err),
                     TARN_ERR_NOTFOUND);
    assert_true(object_exists(f, "s3://data/orders/country=FR/a.csv"));
    expect_failure(f, "DROP TABLE orders", "sales",
                   "TABLE_NOT_FOUND: line 1:12: Table 'awsdatacatalog.sales.orders' does not "
                   "exist");
    expect_result(f, "DROP TABLE IF EXISTS orders", "sales", "");
}

static void test_databases_and_views(void **state)
{
    fixture *f = *state;
    expect_result(f, "CREATE DATABASE lab", NULL, "");
    expect_failure(f, "CREATE DATABASE lab", NULL,
                   "SCHEMA_ALREADY_EXISTS: line 1:17: Schema 'lab' already exists");
    expect_result(f, "CREATE SCHEMA IF NOT EXISTS lab", NULL, "");
    expect_result(f, "CREATE VIEW v AS SELECT 1 AS x, 'a' AS y", "lab", "");
    expect_result(f, "SELECT y, x + 1 AS z FROM v", "lab", "\"y\",\"z\"\n\"a\",\"2\"\n");
    expect_result(f, "CREATE VIEW w AS SELECT x * 10 AS big FROM v", "lab", "");
    expect_result(f, "SELECT big FROM w", "lab", "\"big\"\n\"10\"\n");
    expect_result(f, "SHOW CREATE VIEW v", "lab",
                  "CREATE VIEW lab.v AS\nSELECT 1 AS x, 'a' AS y\n");
    expect_failure(f, "DROP TABLE v", "lab", "INVALID_VIEW: line 1:12: 'lab.v' is a view: use "
                                             "DROP VIEW");
    expect_failure(f, "DROP DATABASE lab", NULL,
                   "SCHEMA_NOT_EMPTY: line 1:15: Cannot drop non-empty schema 'lab' (drop its "
                   "tables first, or add CASCADE)");
    expect_result(f, "DROP VIEW w", "lab", "");
    expect_result(f, "DROP VIEW v", "lab", "");
    expect_result(f, "DROP DATABASE lab", NULL, "");
    expect_failure(f, "DROP DATABASE lab", NULL,
                   "SCHEMA_NOT_FOUND: line 1:15: Schema 'lab' does not exist");
}

static void test_msck_repair(void **state)
{
    fixture *f = *state;
    make_catalog(f);
    tarn_error err = {0};
    assert_int_equal(tarn_bucket_create(f->st, "data", &err), 0);
    const char *keys[] = {"orders/country=FR/a.parquet", "orders/country=FR/b.parquet",
                          "orders/country=C%C3%B4te%3A/c.parquet", "orders/_tmp/x.parquet",
                          "orders/loose.parquet", "other/country=DE/d.parquet"};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(tarn_object_put(f->st, "data", keys[i], "x", 1, &err), 0);
    expect_result(f, "MSCK REPAIR TABLE orders", "sales",
                  "Repair: Added partition to metastore orders:country=C%C3%B4te%3A\n"
                  "Repair: Added partition to metastore orders:country=FR\n");
    expect_result(f, "SHOW PARTITIONS orders", "sales", "country=C\xc3\xb4te%3A\ncountry=FR\n");
    tarn_cat_partition p;
    const char *vals[] = {"C\xc3\xb4te:"};
    assert_int_equal(tarn_catalog_partition_get(f->cat, "sales", "orders", vals, 1, &p, &err),
                     0);
    assert_string_equal(p.location, "s3://data/orders/country=C%C3%B4te%3A/");
    tarn_cat_partition_free(&p);
    /* A second repair finds nothing new. */
    expect_result(f, "MSCK REPAIR TABLE sales.orders", NULL, "");
}

static void test_workgroups(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    tarn_qworkgroup w = {.name = "analysts", .enabled = false,
                         .output_location = "s3://results/analysts/"};
    assert_int_equal(tarn_query_workgroup_put(f->q, &w, &err), 0);
    tarn_query_options o;
    tarn_query_options_init(&o);
    o.workgroup = "analysts";
    tarn_qexec ex;
    assert_int_equal(tarn_query_execute(f->q, "SELECT 1", &o, NULL, &ex, &err), TARN_OK);
    assert_int_equal(ex.state, TARN_QSTATE_FAILED);
    assert_string_equal(ex.state_reason, "INVALID_REQUEST: WorkGroup analysts is disabled");
    assert_int_equal(ex.error_category, 2);
    assert_int_equal(ex.error_type, 1000);
    assert_null(ex.output_location);
    tarn_qexec_free(&ex);
    /* Enabled, its bucket missing: a clear failure; with the bucket: stored there. */
    w.enabled = true;
    assert_int_equal(tarn_query_workgroup_put(f->q, &w, &err), 0);
    assert_int_equal(tarn_query_execute(f->q, "SELECT 1", &o, NULL, &ex, &err), TARN_OK);
    assert_int_equal(ex.state, TARN_QSTATE_FAILED);
    assert_non_null(strstr(ex.state_reason, "Unable to verify/create output bucket results"));
    tarn_qexec_free(&ex);
    assert_int_equal(tarn_bucket_create(f->st, "results", &err), 0);
    assert_int_equal(tarn_query_execute(f->q, "SELECT 1", &o, NULL, &ex, &err), TARN_OK);
    assert_int_equal(ex.state, TARN_QSTATE_SUCCEEDED);
    assert_int_equal(strncmp(ex.output_location, "s3://results/analysts/", 22), 0);
    tarn_qexec_free(&ex);
    /* An unknown workgroup records nothing. */
    o.workgroup = "nope";
    assert_int_equal(tarn_query_execute(f->q, "SELECT 1", &o, NULL, &ex, &err),
                     TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "WorkGroup nope is not found"));
    /* A cutoff below AWS's minimum is refused. */
    tarn_qworkgroup small = {.name = "small", .enabled = true, .bytes_cutoff = 1000};
    assert_int_equal(tarn_query_workgroup_put(f->q, &small, &err), TARN_ERR_INVALID);
    tarn_qworkgroup *ws;
    size_t n;
    assert_int_equal(tarn_query_workgroup_list(f->q, &ws, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(ws[0].name, "analysts");
    assert_string_equal(ws[1].name, "primary");
    assert_string_equal(ws[1].output_location, "s3://tarn-athena-results/");
    assert_true(ws[1].enabled);
    assert_int_equal(ws[1].bytes_cutoff, 0);
    tarn_qworkgroup_list_free(ws, n);
    /* A workgroup row written with only its configuration JSON. */
    sqlite3 *db = tarn_catalog_db(f->cat);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO workgroups (name, configuration, create_time) "
                                  "VALUES ('fromjson', '{\"ResultConfiguration\":{\"OutputLocation\":"
                                  "\"s3://results/json/\"},\"BytesScannedCutoffPerQuery\":"
                                  "20000000,\"EnforceWorkGroupConfiguration\":true}', 1)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    tarn_qworkgroup j;
    assert_int_equal(tarn_query_workgroup_get(f->q, "fromjson", &j, &err), 0);
    assert_string_equal(j.output_location, "s3://results/json/");
    assert_int_equal(j.bytes_cutoff, 20000000);
    assert_true(j.enforce && j.enabled);
    tarn_qworkgroup_free(&j);
    /* History: newest first, filtered by workgroup. */
    tarn_qexec *hs;
    assert_int_equal(tarn_query_history(f->q, "analysts", 0, &hs, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(hs[0].state, TARN_QSTATE_SUCCEEDED);
    assert_int_equal(hs[2].state, TARN_QSTATE_FAILED);
    tarn_qexec_list_free(hs, n);
    assert_int_equal(tarn_query_history(f->q, "primary", 0, &hs, &n, &err), 0);
    assert_int_equal(n, 0);
    tarn_qexec_list_free(hs, n);
}

static void test_sql_error_recorded(void **state)
{
    fixture *f = *state;
    tarn_qexec ex;
    tarn_error err = {0};
    run(f, "SELEC 1", NULL, &ex, &err);
    assert_int_equal(ex.state, TARN_QSTATE_FAILED);
    assert_int_equal(ex.error_category, 2);
    assert_non_null(ex.state_reason);
    assert_null(ex.output_location);
    tarn_qexec got;
    assert_int_equal(tarn_query_get(f->q, ex.id, &got, &err), 0);
    assert_int_equal(got.state, TARN_QSTATE_FAILED);
    assert_string_equal(got.state_reason, ex.state_reason);
    assert_int_equal(got.error_category, 2);
    assert_int_equal(got.error_type, 1000);
    assert_int_equal(got.rows_returned, -1);
    assert_int_equal(tarn_query_results(f->q, ex.id, 1, &err), TARN_ERR_NOTFOUND);
    tarn_qexec_free(&got);
    tarn_qexec_free(&ex);
    assert_int_equal(tarn_query_get(f->q, "nope", &got, &err), TARN_ERR_NOTFOUND);
    /* Statements that change data are refused. */
    run(f, "CREATE TEMP TABLE x(a)", NULL, &ex, &err);
    assert_int_equal(ex.state, TARN_QSTATE_FAILED);
    tarn_qexec_free(&ex);
    run(f, "ATTACH 'x.db' AS x", NULL, &ex, &err);
    assert_int_equal(ex.state, TARN_QSTATE_FAILED);
    tarn_qexec_free(&ex);
}

static void test_cancel(void **state)
{
    fixture *f = *state;
    volatile sig_atomic_t cancel = 1;
    tarn_query_options o;
    tarn_query_options_init(&o);
    o.cancel = &cancel;
    tarn_qexec ex;
    tarn_error err = {0};
    assert_int_equal(tarn_query_execute(f->q,
                                        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
                                        "FROM c) SELECT count(*) FROM c",
                                        &o, NULL, &ex, &err),
                     TARN_OK);
    assert_int_equal(ex.state, TARN_QSTATE_CANCELLED);
    assert_string_equal(ex.state_reason, "Query cancelled by user");
    assert_null(ex.output_location);
    tarn_qexec_free(&ex);
}

static void test_results_to_fd(void **state)
{
    fixture *f = *state;
    tarn_qexec ex;
    tarn_error err = {0};
    run(f, "SELECT 'r' AS k", NULL, &ex, &err);
    char path[128];
    snprintf(path, sizeof path, "%s/out.csv", f->home);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    assert_true(fd >= 0);
    assert_int_equal(tarn_query_results(f->q, ex.id, fd, &err), 0);
    close(fd);
    FILE *fp = fopen(path, "rb");
    char buf[64] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    assert_int_equal(n, 8);
    assert_string_equal(buf, "\"k\"\n\"r\"\n");
    tarn_qexec_free(&ex);
}

static int split_collect(void *ud, const char *s, size_t n)
{
    tarn_buf *b = ud;
    tarn_buf_appendf(b, "[%.*s]", (int)n, s);
    return 0;
}

static void test_split(void **state)
{
    (void)state;
    tarn_buf b;
    tarn_buf_init(&b, 0);
    const char *text = "SELECT ';' AS \"a;b\"; -- x;y\n;  ;SELECT 2 /* ; */;\nSELECT 3";
    assert_int_equal(tarn_query_split(text, strlen(text), split_collect, &b), 0);
    assert_string_equal(b.data, "[SELECT ';' AS \"a;b\"][SELECT 2 /* ; */][\nSELECT 3]");
    tarn_buf_free(&b);
    assert_true(tarn_query_incomplete("SELECT 1", 8));
    assert_false(tarn_query_incomplete("SELECT 1;", 9));
    assert_true(tarn_query_incomplete("SELECT ';", 9));
    assert_false(tarn_query_incomplete("  -- note", 9));
}


/* The rows of the Parquet object at bucket/key as "v,v,...;" text. */
static char *parquet_rows(fixture *f, const char *bucket, const char *key)
{
    tarn_error err = {0};
    char *path = NULL;
    assert_int_equal(tarn_object_local_path(f->st, bucket, key, &path, &err), TARN_OK);
    tarn_read_options o;
    tarn_read_options_init(&o);
    tarn_reader *rd;
    assert_int_equal(tarn_reader_open(&rd, path, &o, &err), TARN_OK);
    tarn_batch b;
    tarn_batch_init(&b, tarn_reader_schema(rd), 1024);
    tarn_buf out;
    tarn_buf_init(&out, 0);
    const tarn_schema *s = tarn_reader_schema(rd);
    for (int i = 0; i < s->ncols; i++) {
        char tn[64];
        tarn_buf_appendf(&out, "%s%s:%s", i ? "," : "", s->fields[i].name,
                         tarn_type_name(s->fields[i].type, tn, sizeof tn));
    }
    tarn_buf_putc(&out, ';');
    while (tarn_reader_next(rd, &b, &err) == 1) {
        for (int64_t r = 0; r < b.nrows; r++) {
            for (int c = 0; c < b.ncols; c++) {
                char v[128];
                bool valid = tarn_column_is_valid(&b.cols[c], r);
                tarn_value_format(&b.cols[c], r, v, sizeof v);
                tarn_buf_appendf(&out, "%s%s", c ? "," : "", valid ? v : "NULL");
            }
            tarn_buf_putc(&out, ';');
        }
    }
    tarn_batch_free(&b);
    tarn_reader_close(rd);
    free(path);
    return out.data;
}

static void test_ctas_partitioned(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    assert_int_equal(tarn_bucket_create(f->st, "lake", &err), 0);
    expect_result(f, "CREATE DATABASE lab", NULL, "");
    tarn_qexec ex;
    run(f,
        "CREATE TABLE sales WITH (format = 'PARQUET', external_location = 's3://lake/sales', "
        "partitioned_by = ARRAY['country']) AS "
        "SELECT * FROM (SELECT 1 AS id, CAST('12.35' AS VARCHAR) AS amount, '2024-01-02' AS day, "
        "'FR' AS country UNION ALL SELECT 2, '7', '2024-02-29', 'a/b' UNION ALL "
        "SELECT 3, NULL, NULL, 'FR') ORDER BY id",
        "lab", &ex, &err);
    if (ex.state != TARN_QSTATE_SUCCEEDED)
        fail_msg("%s", err.msg);
    assert_string_equal(ex.statement_type, "DDL");
    char *txt = object_text(f, ex.output_location);
    assert_string_equal(txt, "3\n");
    free(txt);
    char key[256];
    snprintf(key, sizeof key, "sales/country=FR/%s_00000.parquet", ex.id);
    char *rows = parquet_rows(f, "lake", key);
    assert_string_equal(rows, "id:bigint,amount:string,day:string;1,12.35,2024-01-02;"
                              "3,NULL,NULL;");
    free(rows);
    snprintf(key, sizeof key, "sales/country=a%%2Fb/%s_00000.parquet", ex.id);
    rows = parquet_rows(f, "lake", key);
    assert_string_equal(rows, "id:bigint,amount:string,day:string;2,7,2024-02-29;");
    free(rows);
    tarn_qexec_free(&ex);
    tarn_cat_table t;
    assert_int_equal(tarn_catalog_table_get(f->cat, "lab", "sales", &t, &err), 0);
    assert_string_equal(t.location, "s3://lake/sales/");
    assert_string_equal(t.classification, "parquet");
    assert_int_equal(t.ncolumns, 3);
    assert_int_equal(t.npartition_keys, 1);
    assert_string_equal(t.partition_keys[0].name, "country");
    assert_int_equal(t.row_count, 3);
    tarn_cat_table_free(&t);
    expect_result(f, "SHOW PARTITIONS sales", "lab", "country=FR\ncountry=a%2Fb\n");
    /* Again: the table exists; elsewhere: the location holds objects. */
    expect_failure(f, "CREATE TABLE sales AS SELECT 1 AS x", "lab",
                   "TABLE_ALREADY_EXISTS: line 1:14: Table 'awsdatacatalog.lab.sales' already "
                   "exists");
    expect_failure(f, "CREATE TABLE s2 WITH (external_location = 's3://lake/sales/') AS SELECT 1 "
                      "AS x",
                   "lab",
                   "HIVE_PATH_ALREADY_EXISTS: line 1:14: Target directory for table 'lab.s2' "
                   "already exists: s3://lake/sales/");
    expect_failure(f, "CREATE TABLE s3 WITH (partitioned_by = ARRAY['id']) AS SELECT 1 AS id, "
                      "2 AS x",
                   "lab",
                   "INVALID_TABLE_PROPERTY: line 1:1: Partition keys must be the last columns "
                   "in the table and in the same order as the table properties: [id]");
    /* Without external_location: under the output location's tables/<id>/. */
    run(f, "CREATE TABLE plain AS SELECT 5 AS n, 0.5 AS d", "lab", &ex, &err);
    assert_int_equal(ex.state, TARN_QSTATE_SUCCEEDED);
    snprintf(key, sizeof key, "tables/%s/%s_00000.parquet", ex.id, ex.id);
    rows = parquet_rows(f, "tarn-athena-results", key);
    assert_string_equal(rows, "n:bigint,d:double;5,0.5;");
    free(rows);
    tarn_qexec_free(&ex);
}


/* ---- typed_values: an eponymous virtual table registered on every new
** SQLite connection, with the declared types the scan gives its columns,
** so that typed results and CTAS conversions are tested without the scan. */

typedef struct tv_cursor {
    sqlite3_vtab_cursor base;
    int row;
} tv_cursor;

static int tv_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **out, char **err)
{
    (void)aux, (void)argc, (void)argv, (void)err;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(d date, ts timestamp, dec decimal(10,2), "
                                      "b boolean, i int, s string)");
    *out = rc == SQLITE_OK ? sqlite3_malloc(sizeof **out) : NULL;
    if (*out)
        memset(*out, 0, sizeof **out);
    return rc;
}

static int tv_disconnect(sqlite3_vtab *v)
{
    sqlite3_free(v);
    return SQLITE_OK;
}

static int tv_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
    (void)v;
    info->estimatedCost = 2;
    return SQLITE_OK;
}

static int tv_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
    (void)v;
    tv_cursor *c = sqlite3_malloc(sizeof *c);
    memset(c, 0, sizeof *c);
    *out = &c->base;
    return SQLITE_OK;
}

static int tv_close(sqlite3_vtab_cursor *c)
{
    sqlite3_free(c);
    return SQLITE_OK;
}

static int tv_filter(sqlite3_vtab_cursor *c, int idx, const char *s, int argc, sqlite3_value **v)
{
    (void)idx, (void)s, (void)argc, (void)v;
    ((tv_cursor *)c)->row = 0;
    return SQLITE_OK;
}

static int tv_next(sqlite3_vtab_cursor *c)
{
    ((tv_cursor *)c)->row++;
    return SQLITE_OK;
}

static int tv_eof(sqlite3_vtab_cursor *c)
{
    return ((tv_cursor *)c)->row >= 2;
}

static int tv_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
    int row = ((tv_cursor *)cur)->row;
    if (col == 3)
        sqlite3_result_int(ctx, row == 0);
    else if (col == 4)
        sqlite3_result_int(ctx, row == 0 ? 7 : -3);
    else if (row == 1)
        sqlite3_result_null(ctx);
    else if (col == 0)
        sqlite3_result_text(ctx, "2024-02-29", -1, SQLITE_STATIC);
    else if (col == 1)
        sqlite3_result_text(ctx, "2024-02-29 13:45:01.500000", -1, SQLITE_STATIC);
    else if (col == 2)
        sqlite3_result_double(ctx, 12.345);
    else
        sqlite3_result_text(ctx, "a", -1, SQLITE_STATIC);
    return SQLITE_OK;
}

static int tv_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *id)
{
    *id = ((tv_cursor *)c)->row;
    return SQLITE_OK;
}

static const sqlite3_module tv_module = {
    .xConnect = tv_connect, .xBestIndex = tv_best_index, .xDisconnect = tv_disconnect,
    .xOpen = tv_open, .xClose = tv_close, .xFilter = tv_filter, .xNext = tv_next,
    .xEof = tv_eof, .xColumn = tv_column, .xRowid = tv_rowid};

static int tv_init(sqlite3 *db, char **err, const void *api)
{
    (void)err, (void)api;
    return sqlite3_create_module(db, "typed_values", &tv_module, NULL);
}

static void test_typed_columns(void **state)
{
    fixture *f = *state;
    sqlite3_auto_extension((void (*)(void))tv_init);
    tarn_qexec ex;
    tarn_error err = {0};
    run(f, "SELECT * FROM typed_values", NULL, &ex, &err);
    if (ex.state != TARN_QSTATE_SUCCEEDED)
        fail_msg("%s", err.msg);
    char *csv = object_text(f, ex.output_location);
    assert_string_equal(csv, "\"d\",\"ts\",\"dec\",\"b\",\"i\",\"s\"\n"
                             "\"2024-02-29\",\"2024-02-29 13:45:01.500000\",\"12.345\",\"true\","
                             "\"7\",\"a\"\n"
                             ",,,\"false\",\"-3\",\n");
    free(csv);
    char *meta_uri = NULL;
    assert_true(asprintf(&meta_uri, "%s.metadata", ex.output_location) > 0);
    char *meta = object_text(f, meta_uri);
    assert_string_equal(meta, "{\"statement_type\":\"DML\",\"row_count\":2,\"columns\":["
                              "{\"name\":\"d\",\"type\":\"date\"},"
                              "{\"name\":\"ts\",\"type\":\"timestamp\"},"
                              "{\"name\":\"dec\",\"type\":\"decimal(10,2)\"},"
                              "{\"name\":\"b\",\"type\":\"boolean\"},"
                              "{\"name\":\"i\",\"type\":\"integer\"},"
                              "{\"name\":\"s\",\"type\":\"varchar\"}]}");
    free(meta);
    free(meta_uri);
    tarn_qexec_free(&ex);
    /* CTAS keeps the declared types in Parquet and in the catalog. */
    assert_int_equal(tarn_bucket_create(f->st, "lake", &err), 0);
    assert_int_equal(tarn_catalog_database_create(f->cat, "default", NULL, NULL, NULL, &err), 0);
    run(f, "CREATE TABLE typed WITH (external_location = 's3://lake/typed/') AS "
           "SELECT * FROM typed_values",
        NULL, &ex, &err);
    if (ex.state != TARN_QSTATE_SUCCEEDED)
        fail_msg("%s", err.msg);
    char key[128];
    snprintf(key, sizeof key, "typed/%s_00000.parquet", ex.id);
    char *rows = parquet_rows(f, "lake", key);
    assert_string_equal(rows, "d:date,ts:timestamp,dec:decimal(10,2),b:boolean,i:int,s:string;"
                              "2024-02-29,2024-02-29 13:45:01.500000,12.35,true,7,a;"
                              "NULL,NULL,NULL,false,-3,NULL;");
    free(rows);
    tarn_qexec_free(&ex);
    expect_result(f, "DESCRIBE typed", NULL,
                  "d\tdate\t\nts\ttimestamp\t\ndec\tdecimal(10,2)\t\nb\tboolean\t\n"
                  "i\tint\t\ns\tstring\t\n");
    sqlite3_reset_auto_extension();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_select_csv_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_rows_header_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unaliased_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_boolean_results, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sink_sees_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_show_databases_and_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_table_keeps_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_databases_and_views, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msck_repair, setup, teardown),
        cmocka_unit_test_setup_teardown(test_workgroups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sql_error_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_to_fd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ctas_partitioned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed_columns, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
