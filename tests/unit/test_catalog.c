/*
** test_catalog.c: the state database (catalog/catalog.h): opening and
** migrating, refusing foreign or newer files, databases, tables with
** columns, partition keys and versions, partitions in value order,
** transactions, roles, jobs and job runs with the forward-only state rule,
** ids, and two processes writing at once (fork). Each test gets a fresh
** mkdtemp home.
*/
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"
#include "catalog/catalog.h"

typedef struct fixture {
    char home[64];
    tarn_catalog *cat;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->home, sizeof f->home, "/tmp/tarn-cat-test-XXXXXX");
    if (!mkdtemp(f->home))
        return -1;
    tarn_error err = {0};
    if (tarn_catalog_open(f->home, &f->cat, &err)) {
        fprintf(stderr, "open: %s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tarn_catalog_close(f->cat);
    test_rmtree(f->home);
    free(f);
    return 0;
}

/* One integer from a SQL query on the catalog's own connection. */
static int64_t sql_int(tarn_catalog *cat, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(tarn_catalog_db(cat), sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Assert rc is TARN_OK, printing the error otherwise. */
#define OK(call)                                                       \
    do {                                                               \
        tarn_error e_ = {0};                                           \
        int rc_ = (call);                                              \
        if (rc_ != TARN_OK)                                            \
            fail_msg("%s failed: %s", #call, e_.msg);                  \
    } while (0)
#define E (&e_)

/* Assert call fails with code and its message contains needle. */
static void expect_fail(int rc, const tarn_error *err, int code, const char *needle)
{
    if (rc != code)
        fail_msg("expected status %d, got %d: %s", code, rc, err->msg);
    if (!strstr(err->msg, needle))
        fail_msg("message '%s' lacks '%s'", err->msg, needle);
}

static tarn_cat_column cols3[] = {
    {"Country", "string", "ISO name"}, {"year", "bigint", NULL}, {"value", "double", NULL}};
static tarn_cat_column pkeys1[] = {{"region", "string", NULL}};

static tarn_cat_table sample_table(const char *db, const char *name)
{
    tarn_cat_table t = {0};
    t.database = (char *)db;
    t.name = (char *)name;
    t.location = "s3://silver/who/";
    t.classification = "parquet";
    t.parameters = "{\"classification\":\"parquet\",\"recordCount\":\"10\"}";
    t.columns = cols3;
    t.ncolumns = 3;
    t.partition_keys = pkeys1;
    t.npartition_keys = 1;
    t.row_count = 10;
    return t;
}

/* ---- opening ---- */

static void test_open_sets_up_file(void **state)
{
    fixture *f = *state;
    assert_int_equal(tarn_catalog_schema_version(f->cat), tarn_catalog_schema_latest());
    assert_true(tarn_catalog_schema_latest() >= 1);
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM pragma_journal_mode "
                                     "WHERE journal_mode = 'wal'"), 1);
    assert_int_equal(sql_int(f->cat, "PRAGMA foreign_keys"), 1);
    const char *tables[] = {"stacks", "stack_resources", "stack_events", "stack_outputs",
                            "stack_exports", "buckets", "roles", "jobs", "job_runs", "crawlers",
                            "crawl_runs", "databases", "tables", "columns", "partitions",
                            "table_versions", "workflows", "triggers", "workflow_runs",
                            "workflow_run_nodes", "workgroups", "query_executions"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                                  "AND name = '%s'", tables[i]);
        if (sql_int(f->cat, sql) != 1)
            fail_msg("table %s missing", tables[i]);
    }
    char path[128];
    snprintf(path, sizeof path, "%s/catalog.db", f->home);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
}

static void test_reopen_keeps_data(void **state)
{
    fixture *f = *state;
    OK(tarn_catalog_database_create(f->cat, "keep", "d", NULL, NULL, E));
    tarn_catalog_close(f->cat);
    OK(tarn_catalog_open(f->home, &f->cat, E));
    tarn_cat_database db;
    OK(tarn_catalog_database_get(f->cat, "keep", &db, E));
    assert_string_equal(db.description, "d");
    tarn_cat_database_free(&db);
}

static void test_open_creates_nested_home(void **state)
{
    fixture *f = *state;
    char home[128];
    snprintf(home, sizeof home, "%s/a/b/c", f->home);
    tarn_catalog *c2 = NULL;
    OK(tarn_catalog_open(home, &c2, E));
    assert_int_equal(tarn_catalog_schema_version(c2), tarn_catalog_schema_latest());
    tarn_catalog_close(c2);
}

static void test_newer_schema_refused(void **state)
{
    fixture *f = *state;
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", tarn_catalog_schema_latest() + 1);
    assert_int_equal(sqlite3_exec(tarn_catalog_db(f->cat), sql, NULL, NULL, NULL), SQLITE_OK);
    tarn_catalog *c2 = NULL;
    tarn_error err = {0};
    expect_fail(tarn_catalog_open(f->home, &c2, &err), &err, TARN_ERR_UNSUPPORTED,
                "newer than this tarn knows");
    assert_null(c2);
}

static void test_foreign_files_refused(void **state)
{
    fixture *f = *state;
    char home[128], path[160];
    snprintf(home, sizeof home, "%s/other", f->home);
    mkdir(home, 0777);
    snprintf(path, sizeof path, "%s/catalog.db", home);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    tarn_catalog *c2 = NULL;
    tarn_error err = {0};
    expect_fail(tarn_catalog_open(home, &c2, &err), &err, TARN_ERR_CORRUPT, "not a tarn catalog");

    FILE *fp = fopen(path, "w");
    for (int i = 0; i < 64; i++)
        fputs("garbage garbage garbage garbage garbage garbage garbage garbage\n", fp);
    fclose(fp);
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_open(home, &c2, &err), &err, TARN_ERR_CORRUPT, "catalog.db");
}

/* ---- databases ---- */

static void test_database_crud(void **state)
{
    fixture *f = *state;
    OK(tarn_catalog_database_create(f->cat, "Sales", "all sales", "s3://b/sales/",
                                    "{\"owner\":\"ops\"}", E));
    tarn_error err = {0};
    expect_fail(tarn_catalog_database_create(f->cat, "sales", NULL, NULL, NULL, &err), &err,
                TARN_ERR_EXISTS, "AlreadyExistsException: database 'sales' already exists");
    OK(tarn_catalog_database_create(f->cat, "archive", NULL, NULL, NULL, E));
    tarn_cat_database db;
    OK(tarn_catalog_database_get(f->cat, "SALES", &db, E));
    assert_string_equal(db.name, "sales");
    assert_string_equal(db.description, "all sales");
    assert_string_equal(db.location, "s3://b/sales/");
    assert_string_equal(db.parameters, "{\"owner\":\"ops\"}");
    assert_true(db.create_time > 1600000000000LL);
    tarn_cat_database_free(&db);

    tarn_cat_database *dbs = NULL;
    size_t n = 0;
    OK(tarn_catalog_database_list(f->cat, &dbs, &n, E));
    assert_int_equal(n, 2);
    assert_string_equal(dbs[0].name, "archive");
    assert_null(dbs[0].description);
    assert_string_equal(dbs[0].parameters, "{}");
    assert_string_equal(dbs[1].name, "sales");
    tarn_cat_database_list_free(dbs, n);

    OK(tarn_catalog_database_delete(f->cat, "archive", false, E));
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_database_get(f->cat, "archive", &db, &err), &err, TARN_ERR_NOTFOUND,
                "EntityNotFoundException: database 'archive' does not exist");
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_database_delete(f->cat, "archive", false, &err), &err,
                TARN_ERR_NOTFOUND, "database 'archive'");
}

static void test_database_bad_input(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    expect_fail(tarn_catalog_database_create(f->cat, "", NULL, NULL, NULL, &err), &err,
                TARN_ERR_INVALID, "name is empty");
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_database_create(f->cat, "a\nb", NULL, NULL, NULL, &err), &err,
                TARN_ERR_INVALID, "control character");
    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_database_create(f->cat, longname, NULL, NULL, NULL, &err), &err,
                TARN_ERR_INVALID, "the limit is 255");
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_database_create(f->cat, "p", NULL, NULL, "{\"a\": ", &err), &err,
                TARN_ERR_INVALID, "not valid JSON: line 1");
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_database_create(f->cat, "p", NULL, NULL, "{\"a\": 1}", &err), &err,
                TARN_ERR_INVALID, "the value of 'a' must be a string");
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_database_create(f->cat, "p", NULL, NULL, "[\"a\"]", &err), &err,
                TARN_ERR_INVALID, "must be an object");
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM databases"), 0);
}

static void test_database_delete_refuses_tables(void **state)
{
    fixture *f = *state;
    OK(tarn_catalog_database_create(f->cat, "lake", NULL, NULL, NULL, E));
    tarn_cat_table t = sample_table("lake", "who");
    OK(tarn_catalog_table_create(f->cat, &t, E));
    const char *v[] = {"europe"};
    tarn_cat_partition p = {.values = (char **)v, .nvalues = 1, .location = "s3://x/europe/"};
    OK(tarn_catalog_partitions_add(f->cat, "lake", "who", &p, 1, TARN_CAT_FAIL_EXISTING, E));
    tarn_error err = {0};
    expect_fail(tarn_catalog_database_delete(f->cat, "lake", false, &err), &err,
                TARN_ERR_NOTEMPTY, "database 'lake' is not empty: it has 1 table ('who')");
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM tables"), 1);
    OK(tarn_catalog_database_delete(f->cat, "lake", true, E));
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM databases"), 0);
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM tables"), 0);
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM columns"), 0);
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM partitions"), 0);
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM table_versions"), 0);
}

/* ---- tables ---- */

static void test_table_create_get(void **state)
{
    fixture *f = *state;
    OK(tarn_catalog_database_create(f->cat, "lake", NULL, NULL, NULL, E));
    tarn_cat_table t = sample_table("Lake", "WHO_Data");
    t.description = "life expectancy";
    t.serde_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
    OK(tarn_catalog_table_create(f->cat, &t, E));
    tarn_cat_table g;
    OK(tarn_catalog_table_get(f->cat, "lake", "who_data", &g, E));
    assert_string_equal(g.database, "lake");
    assert_string_equal(g.name, "who_data");
    assert_string_equal(g.description, "life expectancy");
    assert_string_equal(g.table_type, "EXTERNAL_TABLE");
    assert_string_equal(g.location, "s3://silver/who/");
    assert_string_equal(g.classification, "parquet");
    assert_string_equal(g.serde_library, t.serde_library);
    assert_string_equal(g.serde_parameters, "{}");
    assert_string_equal(g.parameters, "{\"classification\":\"parquet\",\"recordCount\":\"10\"}");
    assert_int_equal(g.ncolumns, 3);
    assert_string_equal(g.columns[0].name, "country");
    assert_string_equal(g.columns[0].comment, "ISO name");
    assert_string_equal(g.columns[1].name, "year");
    assert_string_equal(g.columns[1].type, "bigint");
    assert_null(g.columns[1].comment);
    assert_string_equal(g.columns[2].name, "value");
    assert_int_equal(g.npartition_keys, 1);
    assert_string_equal(g.partition_keys[0].name, "region");
    assert_int_equal(g.row_count, 10);
    assert_int_equal(g.version, 1);
    assert_true(g.create_time > 0 && g.update_time == g.create_time);
    tarn_cat_table_free(&g);

    tarn_error err = {0};
    expect_fail(tarn_catalog_table_create(f->cat, &t, &err), &err, TARN_ERR_EXISTS,
                "AlreadyExistsException: table 'lake.who_data' already exists");
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_table_get(f->cat, "lake", "nope", &g, &err), &err,
                TARN_ERR_NOTFOUND, "EntityNotFoundException: table 'lake.nope' does not exist");
    memset(&err, 0, sizeof err);
    t.database = "missing";
    expect_fail(tarn_catalog_table_create(f->cat, &t, &err), &err, TARN_ERR_NOTFOUND,
                "database 'missing' does not exist");
}

static void test_table_bad_columns(void **state)
{
    fixture *f = *state;
    OK(tarn_catalog_database_create(f->cat, "lake", NULL, NULL, NULL, E));
    tarn_cat_column dup[] = {{"a", "int", NULL}, {"A", "string", NULL}};
    tarn_cat_table t = sample_table("lake", "t");
    t.columns = dup;
    t.ncolumns = 2;
    t.npartition_keys = 0;
    tarn_error err = {0};
    expect_fail(tarn_catalog_table_create(f->cat, &t, &err), &err, TARN_ERR_INVALID,
                "column name 'a' is used twice");
    tarn_cat_column clash[] = {{"region", "int", NULL}};
    t.columns = clash;
    t.ncolumns = 1;
    t.npartition_keys = 1;
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_table_create(f->cat, &t, &err), &err, TARN_ERR_INVALID,
                "column name 'region' is used twice");
    tarn_cat_column notype[] = {{"x", "", NULL}};
    t.columns = notype;
    t.npartition_keys = 0;
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_table_create(f->cat, &t, &err), &err, TARN_ERR_INVALID,
                "column 1 'x': the type must be");
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM tables"), 0);
}

static void test_table_update_versions(void **state)
{
    fixture *f = *state;
    OK(tarn_catalog_database_create(f->cat, "lake", NULL, NULL, NULL, E));
    tarn_cat_table t = sample_table("lake", "who");
    OK(tarn_catalog_table_create(f->cat, &t, E));
    tarn_cat_column wider[] = {{"country", "string", NULL}, {"year", "bigint", NULL},
                               {"value", "double", NULL}, {"sex", "string", NULL}};
    t.columns = wider;
    t.ncolumns = 4;
    t.parameters = "{\"recordCount\":\"20\"}";
    OK(tarn_catalog_table_update(f->cat, &t, E));
    OK(tarn_catalog_table_update(f->cat, &t, E)); /* no change: same version */

    tarn_cat_table g;
    OK(tarn_catalog_table_get(f->cat, "lake", "who", &g, E));
    assert_int_equal(g.version, 2);
    assert_int_equal(g.ncolumns, 4);
    assert_string_equal(g.columns[3].name, "sex");
    assert_string_equal(g.parameters, "{\"recordCount\":\"20\"}");
    tarn_cat_table_free(&g);

    tarn_cat_table_version *v = NULL;
    size_t n = 0;
    OK(tarn_catalog_table_versions(f->cat, "lake", "who", &v, &n, E));
    assert_int_equal(n, 2);
    assert_int_equal(v[0].version, 2);
    assert_int_equal(v[1].version, 1);
    json_t *newest = json_loads(v[0].definition, 0, NULL), *oldest = json_loads(v[1].definition,
                                                                                0, NULL);
    assert_non_null(newest);
    assert_non_null(oldest);
    json_t *ncols = json_object_get(json_object_get(newest, "StorageDescriptor"), "Columns");
    json_t *ocols = json_object_get(json_object_get(oldest, "StorageDescriptor"), "Columns");
    assert_int_equal(json_array_size(ncols), 4);
    assert_int_equal(json_array_size(ocols), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ncols, 3), "Name")),
                        "sex");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(newest, "PartitionKeys"), 0), "Name")),
                        "region");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(oldest, "Parameters"), "recordCount")), "10");
    json_decref(newest);
    json_decref(oldest);
    tarn_cat_table_versions_free(v, n);

    tarn_cat_table missing = sample_table("lake", "ghost");
    tarn_error err = {0};
    expect_fail(tarn_catalog_table_update(f->cat, &missing, &err), &err, TARN_ERR_NOTFOUND,
                "table 'lake.ghost' does not exist");
}

static void test_table_key_change_with_partitions(void **state)
{
    fixture *f = *state;
    OK(tarn_catalog_database_create(f->cat, "lake", NULL, NULL, NULL, E));
    tarn_cat_table t = sample_table("lake", "who");
    OK(tarn_catalog_table_create(f->cat, &t, E));
    const char *v[] = {"asia"};
    tarn_cat_partition p = {.values = (char **)v, .nvalues = 1};
    OK(tarn_catalog_partitions_add(f->cat, "lake", "who", &p, 1, TARN_CAT_FAIL_EXISTING, E));
    tarn_cat_column two[] = {{"region", "string", NULL}, {"day", "string", NULL}};
    t.partition_keys = two;
    t.npartition_keys = 2;
    tarn_error err = {0};
    expect_fail(tarn_catalog_table_update(f->cat, &t, &err), &err, TARN_ERR_INVALID,
                "its partition keys cannot become 2");
    OK(tarn_catalog_partition_delete(f->cat, "lake", "who", v, 1, E));
    OK(tarn_catalog_table_update(f->cat, &t, E));
}

static void test_table_list_delete(void **state)
{
    fixture *f = *state;
    OK(tarn_catalog_database_create(f->cat, "lake", NULL, NULL, NULL, E));
    OK(tarn_catalog_database_create(f->cat, "other", NULL, NULL, NULL, E));
    const char *names[] = {"zeta", "alpha", "mid"};
    for (int i = 0; i < 3; i++) {
        tarn_cat_table t = sample_table("lake", names[i]);
        OK(tarn_catalog_table_create(f->cat, &t, E));
    }
    tarn_cat_table t = sample_table("other", "alpha");
    OK(tarn_catalog_table_create(f->cat, &t, E));
    tarn_cat_table *ts = NULL;
    size_t n = 0;
    OK(tarn_catalog_table_list(f->cat, "lake", &ts, &n, E));
    assert_int_equal(n, 3);
    assert_string_equal(ts[0].name, "alpha");
    assert_string_equal(ts[1].name, "mid");
    assert_string_equal(ts[2].name, "zeta");
    assert_int_equal(ts[2].ncolumns, 3);
    tarn_cat_table_list_free(ts, n);
    OK(tarn_catalog_table_delete(f->cat, "lake", "mid", E));
    OK(tarn_catalog_table_list(f->cat, "lake", &ts, &n, E));
    assert_int_equal(n, 2);
    tarn_cat_table_list_free(ts, n);
    tarn_error err = {0};
    expect_fail(tarn_catalog_table_delete(f->cat, "lake", "mid", &err), &err, TARN_ERR_NOTFOUND,
                "table 'lake.mid' does not exist");
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_table_list(f->cat, "nodb", &ts, &n, &err), &err, TARN_ERR_NOTFOUND,
                "database 'nodb'");
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM tables WHERE database_name='other'"),
                     1);
}

/* ---- partitions ---- */

/* A two-key table lake.events(yr, name). */
static void make_two_key_table(tarn_catalog *cat)
{
    OK(tarn_catalog_database_create(cat, "lake", NULL, NULL, NULL, E));
    tarn_cat_column keys[] = {{"yr", "string", NULL}, {"name", "string", NULL}};
    tarn_cat_table t = sample_table("lake", "events");
    t.partition_keys = keys;
    t.npartition_keys = 2;
    OK(tarn_catalog_table_create(cat, &t, E));
}

static void test_partitions_value_order(void **state)
{
    fixture *f = *state;
    make_two_key_table(f->cat);
    const char *vals[][2] = {{"2017", "b"}, {"2017", "a!"}, {"10", "z"}, {"2017", "a"},
                             {"9", "x"},    {"2017", ""},   {"10", "y"}};
    size_t n = sizeof vals / sizeof vals[0];
    tarn_cat_partition parts[7];
    for (size_t i = 0; i < n; i++)
        parts[i] = (tarn_cat_partition){.values = (char **)vals[i], .nvalues = 2,
                                        .location = "s3://x/y/"};
    OK(tarn_catalog_partitions_add(f->cat, "lake", "events", parts, n, TARN_CAT_FAIL_EXISTING, E));
    tarn_cat_partition *got = NULL;
    size_t ng = 0;
    OK(tarn_catalog_partition_list(f->cat, "lake", "events", &got, &ng, E));
    /* byte order of the first value, then of the second */
    const char *want[][2] = {{"10", "y"},   {"10", "z"}, {"2017", ""}, {"2017", "a"},
                             {"2017", "a!"}, {"2017", "b"}, {"9", "x"}};
    assert_int_equal(ng, n);
    for (size_t i = 0; i < ng; i++) {
        assert_int_equal(got[i].nvalues, 2);
        assert_string_equal(got[i].values[0], want[i][0]);
        assert_string_equal(got[i].values[1], want[i][1]);
        assert_string_equal(got[i].location, "s3://x/y/");
        assert_string_equal(got[i].parameters, "{}");
    }
    tarn_cat_partition_list_free(got, ng);
}

static void test_partition_get_delete(void **state)
{
    fixture *f = *state;
    make_two_key_table(f->cat);
    const char *v[] = {"2020", "quote\"and\\slash"};
    tarn_cat_partition p = {.values = (char **)v, .nvalues = 2, .location = "s3://b/k/",
                            .parameters = "{\"objectCount\":\"3\"}"};
    OK(tarn_catalog_partitions_add(f->cat, "lake", "events", &p, 1, TARN_CAT_FAIL_EXISTING, E));
    tarn_cat_partition g;
    OK(tarn_catalog_partition_get(f->cat, "LAKE", "Events", v, 2, &g, E));
    assert_string_equal(g.values[1], "quote\"and\\slash");
    assert_string_equal(g.location, "s3://b/k/");
    assert_string_equal(g.parameters, "{\"objectCount\":\"3\"}");
    tarn_cat_partition_free(&g);
    const char *other[] = {"2020", "nope"};
    tarn_error err = {0};
    expect_fail(tarn_catalog_partition_get(f->cat, "lake", "events", other, 2, &g, &err), &err,
                TARN_ERR_NOTFOUND, "partition ['2020', 'nope'] of table 'lake.events' does not");
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_partition_get(f->cat, "lake", "events", other, 1, &g, &err), &err,
                TARN_ERR_INVALID, "needs 2 values, one per partition key; got 1");
    OK(tarn_catalog_partition_delete(f->cat, "lake", "events", v, 2, E));
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_partition_delete(f->cat, "lake", "events", v, 2, &err), &err,
                TARN_ERR_NOTFOUND, "does not exist");
}

static void test_partition_batch_modes(void **state)
{
    fixture *f = *state;
    make_two_key_table(f->cat);
    const char *a[] = {"1", "a"}, *b[] = {"1", "b"}, *c[] = {"1", "c"};
    tarn_cat_partition pa = {.values = (char **)a, .nvalues = 2, .location = "s3://old/"};
    OK(tarn_catalog_partitions_add(f->cat, "lake", "events", &pa, 1, TARN_CAT_FAIL_EXISTING, E));
    tarn_cat_partition batch[] = {{.values = (char **)b, .nvalues = 2},
                                  {.values = (char **)a, .nvalues = 2, .location = "s3://new/"},
                                  {.values = (char **)c, .nvalues = 2}};
    tarn_error err = {0};
    expect_fail(tarn_catalog_partitions_add(f->cat, "lake", "events", batch, 3,
                                            TARN_CAT_FAIL_EXISTING, &err),
                &err, TARN_ERR_EXISTS, "AlreadyExistsException: partition ['1', 'a']");
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM partitions"), 1); /* all or none */
    OK(tarn_catalog_partitions_add(f->cat, "lake", "events", batch, 3, TARN_CAT_SKIP_EXISTING, E));
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM partitions"), 3);
    tarn_cat_partition g;
    OK(tarn_catalog_partition_get(f->cat, "lake", "events", a, 2, &g, E));
    assert_string_equal(g.location, "s3://old/");
    tarn_cat_partition_free(&g);
    OK(tarn_catalog_partitions_add(f->cat, "lake", "events", batch, 3, TARN_CAT_REPLACE_EXISTING,
                                   E));
    OK(tarn_catalog_partition_get(f->cat, "lake", "events", a, 2, &g, E));
    assert_string_equal(g.location, "s3://new/");
    tarn_cat_partition_free(&g);
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM partitions"), 3);
    tarn_cat_partition bad = {.values = (char **)a, .nvalues = 1};
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_partitions_add(f->cat, "lake", "events", &bad, 1,
                                            TARN_CAT_SKIP_EXISTING, &err),
                &err, TARN_ERR_INVALID, "needs 2 values");
}

static void test_partition_needs_keys(void **state)
{
    fixture *f = *state;
    OK(tarn_catalog_database_create(f->cat, "lake", NULL, NULL, NULL, E));
    tarn_cat_table t = sample_table("lake", "flat");
    t.npartition_keys = 0;
    OK(tarn_catalog_table_create(f->cat, &t, E));
    const char *v[] = {"x"};
    tarn_cat_partition p = {.values = (char **)v, .nvalues = 1};
    tarn_error err = {0};
    expect_fail(tarn_catalog_partitions_add(f->cat, "lake", "flat", &p, 1, TARN_CAT_FAIL_EXISTING,
                                            &err),
                &err, TARN_ERR_INVALID, "table 'lake.flat' has no partition keys");
}

/* ---- transactions ---- */

static void test_transactions(void **state)
{
    fixture *f = *state;
    OK(tarn_catalog_begin(f->cat, E));
    assert_true(tarn_catalog_in_transaction(f->cat));
    tarn_error err = {0};
    expect_fail(tarn_catalog_begin(f->cat, &err), &err, TARN_ERR_INVALID, "already open");
    OK(tarn_catalog_database_create(f->cat, "gone", NULL, NULL, NULL, E));
    tarn_catalog_rollback(f->cat);
    assert_false(tarn_catalog_in_transaction(f->cat));
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM databases"), 0);

    OK(tarn_catalog_begin(f->cat, E));
    OK(tarn_catalog_database_create(f->cat, "kept", NULL, NULL, NULL, E));
    /* a failing operation undoes only itself */
    memset(&err, 0, sizeof err);
    tarn_cat_column dup[] = {{"a", "int", NULL}, {"a", "int", NULL}};
    tarn_cat_table t = {.database = "kept", .name = "t", .columns = dup, .ncolumns = 2};
    assert_int_equal(tarn_catalog_table_create(f->cat, &t, &err), TARN_ERR_INVALID);
    memset(&err, 0, sizeof err);
    assert_int_equal(tarn_catalog_database_create(f->cat, "kept", NULL, NULL, NULL, &err),
                     TARN_ERR_EXISTS);
    OK(tarn_catalog_commit(f->cat, E));
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM databases WHERE name='kept'"), 1);
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_commit(f->cat, &err), &err, TARN_ERR_INVALID, "no transaction");
}

/* ---- roles, jobs, job runs ---- */

static void test_roles(void **state)
{
    fixture *f = *state;
    tarn_cat_role r = {.name = "GlueRole", .arn = "arn:aws:iam::000000000000:role/GlueRole",
                       .trust_policy = "{\"Version\":\"2012-10-17\",\"Statement\":[]}",
                       .managed_arns = "[\"arn:aws:iam::aws:policy/AmazonS3FullAccess\"]"};
    OK(tarn_catalog_role_put(f->cat, &r, false, E));
    tarn_error err = {0};
    expect_fail(tarn_catalog_role_put(f->cat, &r, false, &err), &err, TARN_ERR_EXISTS,
                "EntityAlreadyExists: role 'GlueRole'");
    r.description = "updated";
    OK(tarn_catalog_role_put(f->cat, &r, true, E));
    tarn_cat_role g;
    OK(tarn_catalog_role_get(f->cat, "GlueRole", &g, E));
    assert_string_equal(g.description, "updated");
    assert_string_equal(g.inline_policies, "[]");
    assert_string_equal(g.managed_arns, "[\"arn:aws:iam::aws:policy/AmazonS3FullAccess\"]");
    tarn_cat_role_free(&g);
    tarn_cat_role bad = r;
    bad.name = "bad name";
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_role_put(f->cat, &bad, false, &err), &err, TARN_ERR_INVALID,
                "role name 'bad name' has ' '");
    OK(tarn_catalog_role_delete(f->cat, "GlueRole", E));
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_role_get(f->cat, "GlueRole", &g, &err), &err, TARN_ERR_NOTFOUND,
                "NoSuchEntity: role 'GlueRole' does not exist");
}

static void put_job(tarn_catalog *cat, const char *name)
{
    tarn_cat_job j = {.name = (char *)name, .command_name = "tarn.clean", .role = "CleanRole",
                      .default_args = "{\"--source\":\"s3://raw/\"}"};
    OK(tarn_catalog_job_put(cat, &j, false, E));
}

static void test_jobs(void **state)
{
    fixture *f = *state;
    put_job(f->cat, "clean");
    tarn_cat_job g;
    OK(tarn_catalog_job_get(f->cat, "clean", &g, E));
    assert_string_equal(g.command_name, "tarn.clean");
    assert_int_equal(g.timeout_minutes, 2880);
    assert_int_equal(g.max_concurrent_runs, 1);
    assert_int_equal(g.max_retries, 0);
    assert_string_equal(g.default_args, "{\"--source\":\"s3://raw/\"}");
    tarn_cat_job_free(&g);
    tarn_error err = {0};
    tarn_cat_job j = {.name = "clean", .command_name = "tarn.clean", .role = "R"};
    expect_fail(tarn_catalog_job_put(f->cat, &j, false, &err), &err, TARN_ERR_EXISTS,
                "AlreadyExistsException: job 'clean'");
    j.command_name = NULL;
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_job_put(f->cat, &j, true, &err), &err, TARN_ERR_INVALID,
                "has no command name");
    char id[TARN_CATALOG_ID_MAX];
    OK(tarn_catalog_job_run_start(f->cat, "clean", NULL, 0, NULL, NULL, NULL, id, E));
    OK(tarn_catalog_job_delete(f->cat, "clean", E));
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM job_runs"), 0);
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_job_run_start(f->cat, "clean", NULL, 0, NULL, NULL, NULL, id, &err),
                &err, TARN_ERR_NOTFOUND, "job 'clean' does not exist");
}

static void test_job_run_states(void **state)
{
    fixture *f = *state;
    put_job(f->cat, "clean");
    char id[TARN_CATALOG_ID_MAX];
    OK(tarn_catalog_job_run_start(f->cat, "clean", "{\"--day\":\"1\"}", 0, "t1", NULL, NULL, id,
                                  E));
    assert_int_equal(strlen(id), 3 + 32);
    assert_memory_equal(id, "jr_", 3);
    assert_int_equal(strspn(id + 3, "0123456789abcdef"), 32);
    tarn_cat_job_run r;
    OK(tarn_catalog_job_run_get(f->cat, id, &r, E));
    assert_int_equal(r.state, TARN_JOB_STARTING);
    assert_string_equal(r.arguments, "{\"--day\":\"1\"}");
    assert_string_equal(r.trigger_name, "t1");
    assert_int_equal(r.completed_on, 0);
    int64_t active = 0;
    OK(tarn_catalog_job_runs_active(f->cat, "clean", &active, E));
    assert_int_equal(active, 1);

    r.state = TARN_JOB_RUNNING;
    r.pid = 4242;
    OK(tarn_catalog_job_run_update(f->cat, &r, E));
    r.state = TARN_JOB_STARTING;
    tarn_error err = {0};
    expect_fail(tarn_catalog_job_run_update(f->cat, &r, &err), &err, TARN_ERR_INVALID,
                "is RUNNING and cannot become STARTING");
    r.state = TARN_JOB_SUCCEEDED;
    r.rows_in = 100;
    r.rows_out = 98;
    r.rows_rejected = 2;
    OK(tarn_catalog_job_run_update(f->cat, &r, E));
    r.state = TARN_JOB_TIMEOUT;
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_job_run_update(f->cat, &r, &err), &err, TARN_ERR_INVALID,
                "is SUCCEEDED and cannot become TIMEOUT (it has already ended)");
    tarn_cat_job_run_free(&r);

    OK(tarn_catalog_job_run_get(f->cat, id, &r, E));
    assert_int_equal(r.state, TARN_JOB_SUCCEEDED);
    assert_int_equal(r.rows_out, 98);
    assert_int_equal(r.rows_rejected, 2);
    assert_int_equal(r.pid, 4242);
    assert_true(r.completed_on >= r.started_on && r.completed_on > 0);
    tarn_cat_job_run_free(&r);
    OK(tarn_catalog_job_runs_active(f->cat, "clean", &active, E));
    assert_int_equal(active, 0);

    char id2[TARN_CATALOG_ID_MAX];
    OK(tarn_catalog_job_run_start(f->cat, "clean", NULL, 1, NULL, NULL, id, id2, E));
    assert_string_not_equal(id, id2);
    tarn_cat_job_run *runs = NULL;
    size_t n = 0;
    OK(tarn_catalog_job_run_list(f->cat, "clean", &runs, &n, E));
    assert_int_equal(n, 2);
    assert_string_equal(runs[0].id, id2); /* newest first */
    assert_string_equal(runs[0].previous_run_id, id);
    assert_int_equal(runs[0].attempt, 1);
    tarn_cat_job_run_list_free(runs, n);
    memset(&err, 0, sizeof err);
    expect_fail(tarn_catalog_job_run_get(f->cat, "jr_nope", &r, &err), &err, TARN_ERR_NOTFOUND,
                "job run 'jr_nope' does not exist");
}

static void test_new_id(void **state)
{
    enum { N = 500 };
    static char ids[N][TARN_CATALOG_ID_MAX];
    for (int i = 0; i < N; i++) {
        OK(tarn_catalog_new_id("wr", ids[i], E));
        assert_int_equal(strlen(ids[i]), 35);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(ids[i], ids[j]);
    }
    char id[TARN_CATALOG_ID_MAX];
    tarn_error err = {0};
    expect_fail(tarn_catalog_new_id("toolong", id, &err), &err, TARN_ERR_INVALID, "1 to 6");
}

/* ---- two processes ---- */

enum { PER_PROC = 150 };

/* What one process does: open its own handle, then start and finish runs
** and add partitions, each change its own short transaction. Returns 0 on
** success (exit status of the child). */
static int writer(const char *home, const char *tag)
{
    tarn_catalog *cat = NULL;
    tarn_error err = {0};
    if (tarn_catalog_open(home, &cat, &err))
        return 1;
    int bad = 0;
    for (int i = 0; i < PER_PROC && !bad; i++) {
        char id[TARN_CATALOG_ID_MAX], val[32];
        tarn_cat_job_run r = {0};
        bad |= tarn_catalog_job_run_start(cat, "clean", NULL, 0, NULL, NULL, NULL, id, &err);
        snprintf(r.id, sizeof r.id, "%s", id);
        r.state = TARN_JOB_SUCCEEDED;
        bad |= bad ? 0 : tarn_catalog_job_run_update(cat, &r, &err);
        snprintf(val, sizeof val, "%s-%03d", tag, i);
        const char *v[] = {val};
        tarn_cat_partition p = {.values = (char **)v, .nvalues = 1};
        bad |= bad ? 0 : tarn_catalog_partitions_add(cat, "lake", "who", &p, 1,
                                                     TARN_CAT_FAIL_EXISTING, &err);
    }
    if (bad)
        fprintf(stderr, "writer %s: %s\n", tag, err.msg);
    tarn_catalog_close(cat);
    return bad ? 1 : 0;
}

static void test_two_processes_write(void **state)
{
    fixture *f = *state;
    put_job(f->cat, "clean");
    OK(tarn_catalog_database_create(f->cat, "lake", NULL, NULL, NULL, E));
    tarn_cat_table t = sample_table("lake", "who");
    OK(tarn_catalog_table_create(f->cat, &t, E));
    tarn_catalog_close(f->cat); /* a handle never crosses fork() */
    f->cat = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(writer(f->home, "child"));
    int mine = writer(f->home, "parent");
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(mine, 0);
    OK(tarn_catalog_open(f->home, &f->cat, E));
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM job_runs WHERE state='SUCCEEDED'"),
                     2 * PER_PROC);
    assert_int_equal(sql_int(f->cat, "SELECT count(DISTINCT id) FROM job_runs"), 2 * PER_PROC);
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM partitions"), 2 * PER_PROC);
    assert_int_equal(sql_int(f->cat, "SELECT count(*) FROM pragma_integrity_check "
                                     "WHERE integrity_check = 'ok'"), 1);
}

/* Two processes opening (and so migrating) a brand-new catalog at once. */
static void test_two_processes_first_open(void **state)
{
    fixture *f = *state;
    for (int round = 0; round < 5; round++) {
        char home[128];
        snprintf(home, sizeof home, "%s/fresh%d", f->home, round);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            tarn_catalog *c = NULL;
            int rc = tarn_catalog_open(home, &c, NULL);
            rc = rc ? rc : tarn_catalog_database_create(c, "child", NULL, NULL, NULL, NULL);
            tarn_catalog_close(c);
            _exit(rc ? 1 : 0);
        }
        tarn_catalog *c = NULL;
        OK(tarn_catalog_open(home, &c, E));
        OK(tarn_catalog_database_create(c, "parent", NULL, NULL, NULL, E));
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_int_equal(tarn_catalog_schema_version(c), tarn_catalog_schema_latest());
        assert_int_equal(sql_int(c, "SELECT count(*) FROM databases"), 2);
        tarn_catalog_close(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_sets_up_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_creates_nested_home, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_files_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_database_crud, setup, teardown),
        cmocka_unit_test_setup_teardown(test_database_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_database_delete_refuses_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_create_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_bad_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_update_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_key_change_with_partitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_list_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partitions_value_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partition_get_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partition_batch_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partition_needs_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_run_states, setup, teardown),
        cmocka_unit_test(test_new_id),
        cmocka_unit_test_setup_teardown(test_two_processes_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_processes_first_open, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
