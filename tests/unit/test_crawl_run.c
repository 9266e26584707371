/*
** test_crawl_run.c: whole crawls (crawl/crawl.h, tarn_crawl_run) over a
** store and a catalog in a fresh temporary home, with Parquet files made by
** tarn's writer: Hive-partitioned Parquet into one table with exact record
** counts and types from the files, gzip CSV, JSON lines, exclusions and
** hidden files, UpdateBehavior UPDATE_IN_DATABASE vs LOG, DeleteBehavior
** DELETE vs DEPRECATE vs LOG for tables and partitions,
** CRAWL_NEW_FOLDERS_ONLY, the access check, the run record and log, and
** that a large CSV is sampled, not read.
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
#include <unistd.h>
#include <zlib.h>

#include "crawl_test_util.h"
#include "catalog/catalog.h"
#include "crawl/crawl.h"
#include "format/format.h"
#include "store/store.h"

typedef crawl_test_home fixture;

static int setup(void **state)
{
    *state = crawl_test_open("db", "gold", "raw", (const char *)NULL);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    crawl_test_close(*state);
    return 0;
}

static void put_gzip(fixture *f, const char *bucket, const char *key, const char *text)
{
    size_t n = strlen(text), cap = compressBound((uLong)n) + 64;
    unsigned char *out = malloc(cap);
    z_stream zs = {0};
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                     Z_OK);
    zs.next_in = (unsigned char *)text;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t len = cap - zs.avail_out;
    deflateEnd(&zs);
    tarn_error err = {0};
    assert_int_equal(tarn_object_put(f->st, bucket, key, out, len, &err), TARN_OK);
    free(out);
}

/* A Parquet file of rows rows (id bigint, name string, day date, score
** double, and with extra an int column "extra") as bucket/key. */
static void put_parquet(fixture *f, const char *bucket, const char *key, int rows, bool extra)
{
    tarn_schema s;
    tarn_schema_init(&s);
    tarn_schema_add(&s, "id", (tarn_type){.id = TARN_TYPE_BIGINT});
    tarn_schema_add(&s, "name", (tarn_type){.id = TARN_TYPE_STRING});
    tarn_schema_add(&s, "day", (tarn_type){.id = TARN_TYPE_DATE});
    tarn_schema_add(&s, "score", (tarn_type){.id = TARN_TYPE_DOUBLE});
    if (extra)
        tarn_schema_add(&s, "extra", (tarn_type){.id = TARN_TYPE_INT});
    tarn_batch b;
    tarn_batch_init(&b, &s, rows);
    for (int i = 0; i < rows; i++) {
        tarn_column_append_i64(&b.cols[0], i);
        tarn_column_append_str(&b.cols[1], "x", 1);
        tarn_column_append_i32(&b.cols[2], 18000 + i);
        tarn_column_append_double(&b.cols[3], i * 0.5);
        if (extra)
            tarn_column_append_i32(&b.cols[4], i);
    }
    b.nrows = rows;
    crawl_test_put_parquet(f, bucket, key, &s, &b);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

static void del(fixture *f, const char *bucket, const char *key)
{
    tarn_error err = {0};
    assert_int_equal(tarn_object_delete(f->st, bucket, key, &err), TARN_OK);
}

/* A config for one target; the caller may change policies. */
static tarn_crawler_config config(const char *name, const tarn_crawl_target *t,
                                  const char *prefix)
{
    tarn_crawler_config c;
    tarn_crawler_config_init(&c);
    c.name = name;
    c.database = "db";
    c.table_prefix = prefix;
    c.targets = t;
    c.ntargets = 1;
    return c;
}

/* Run c into a fresh res (freed by the caller); returns the status. */
static int crawl(fixture *f, const tarn_crawler_config *c, tarn_crawl_result *res)
{
    tarn_crawl_result_init(res);
    tarn_error err = {0};
    int rc = tarn_crawl_run(f->st, f->cat, c, res, &err);
    if (rc)
        fprintf(stderr, "crawl: %s\n", err.msg);
    return rc;
}

static tarn_cat_table get_table(fixture *f, const char *name)
{
    return crawl_test_table(f->cat, "db", name);
}

static bool table_exists(fixture *f, const char *name)
{
    tarn_cat_table t;
    tarn_error err = {0};
    int rc = tarn_catalog_table_get(f->cat, "db", name, &t, &err);
    if (rc == TARN_OK)
        tarn_cat_table_free(&t);
    return rc == TARN_OK;
}

static size_t partition_count(fixture *f, const char *table)
{
    tarn_cat_partition *p;
    size_t n;
    tarn_error err = {0};
    assert_int_equal(tarn_catalog_partition_list(f->cat, "db", table, &p, &n, &err), TARN_OK);
    tarn_cat_partition_list_free(p, n);
    return n;
}

/* One column of the newest crawl run of crawler as text. */
static const char *last_run(fixture *f, const char *crawler, const char *column)
{
    static char out[512];
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM crawl_runs WHERE crawler_name = ? ORDER BY "
             "started_on DESC, rowid DESC LIMIT 1", column);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(tarn_catalog_db(f->cat), sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, crawler, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const unsigned char *v = sqlite3_column_text(st, 0);
    snprintf(out, sizeof out, "%s", v ? (const char *)v : "<null>");
    sqlite3_finalize(st);
    return out;
}

static void test_parquet_partitions(void **state)
{
    fixture *f = *state;
    put_parquet(f, "gold", "who/country=FR/part-00000.parquet", 3, false);
    put_parquet(f, "gold", "who/country=DE/part-00000.parquet", 2, false);
    crawl_test_put_text(f->st, "gold", "who/_SUCCESS", "");
    tarn_crawl_target t = {.path = "s3://gold/who/"};
    tarn_crawler_config c = config("gold-crawler", &t, "gold_");
    tarn_crawl_result res;
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    assert_int_equal(res.tables_created, 1);
    assert_int_equal(res.partitions_created, 2);
    assert_int_equal(res.objects_excluded, 1);
    char sum[512];
    assert_non_null(strstr(tarn_crawl_result_summary(&res, sum, sizeof sum), "1 created"));
    tarn_cat_table tb = get_table(f, "gold_who");
    assert_string_equal(tb.classification, "parquet");
    assert_string_equal(tb.location, "s3://gold/who/");
    assert_int_equal(tb.ncolumns, 4);
    assert_string_equal(tb.columns[2].name, "day");
    assert_string_equal(tb.columns[2].type, "date"); /* Parquet types come from the file */
    assert_string_equal(tb.columns[3].type, "double");
    assert_string_equal(tb.partition_keys[0].name, "country");
    assert_string_equal(crawl_test_param(tb.parameters, "recordCount"), "5");
    assert_string_equal(crawl_test_param(tb.parameters, "objectCount"), "2");
    assert_string_equal(crawl_test_param(tb.parameters, "compressionType"), "none");
    assert_string_equal(crawl_test_param(tb.parameters, "typeOfData"), "file");
    assert_string_equal(crawl_test_param(tb.parameters, "UPDATED_BY_CRAWLER"), "gold-crawler");
    assert_string_equal(crawl_test_param(tb.parameters, "CrawlerSchemaSerializerVersion"), "1.0");
    assert_string_equal(tb.input_format,
                        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat");
    assert_int_equal(tb.row_count, 5);
    assert_int_equal(tb.version, 1);
    tarn_cat_table_free(&tb);
    const char *vals[] = {"FR"};
    tarn_cat_partition p;
    tarn_error err = {0};
    assert_int_equal(tarn_catalog_partition_get(f->cat, "db", "gold_who", vals, 1, &p, &err),
                     TARN_OK);
    assert_string_equal(p.location, "s3://gold/who/country=FR/");
    assert_string_equal(crawl_test_param(p.parameters, "recordCount"), "3");
    tarn_cat_partition_free(&p);
    /* the run is recorded, its log written */
    assert_string_equal(last_run(f, "gold-crawler", "state"), "SUCCEEDED");
    assert_string_equal(last_run(f, "gold-crawler", "tables_created"), "1");
    assert_non_null(res.log_path);
    assert_int_equal(access(res.log_path, R_OK), 0);
    tarn_crawl_result_free(&res);
    /* a second crawl over the same data changes nothing */
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    assert_int_equal(res.tables_created + res.tables_updated + res.partitions_created, 0);
    assert_int_equal(res.tables_unchanged, 1);
    tb = get_table(f, "gold_who");
    assert_int_equal(tb.version, 1);
    tarn_cat_table_free(&tb);
    tarn_crawl_result_free(&res);
}

static void test_gzip_csv(void **state)
{
    fixture *f = *state;
    put_gzip(f, "raw", "who/who.csv.gz",
             "Date_reported,Country_code,New_cases,Ratio\n"
             "2020-03-01,AF,0,0.5\n2020-03-08,AF,24,1.5\n2020-03-15,AF,18,2\n");
    tarn_crawl_target t = {.path = "s3://raw/who"};
    tarn_crawler_config c = config("raw-crawler", &t, "raw_");
    tarn_crawl_result res;
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    tarn_cat_table tb = get_table(f, "raw_who");
    assert_string_equal(tb.classification, "csv");
    assert_string_equal(crawl_test_param(tb.parameters, "compressionType"), "gzip");
    assert_string_equal(crawl_test_param(tb.parameters, "skip.header.line.count"), "1");
    assert_string_equal(crawl_test_param(tb.parameters, "delimiter"), ",");
    assert_string_equal(crawl_test_param(tb.parameters, "columnsOrdered"), "true");
    assert_string_equal(crawl_test_param(tb.parameters, "areColumnsQuoted"), "false");
    assert_string_equal(crawl_test_param(tb.parameters, "recordCount"), "3");
    assert_string_equal(tb.serde_library, "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe");
    assert_string_equal(crawl_test_param(tb.serde_parameters, "field.delim"), ",");
    assert_string_equal(tb.columns[0].name, "date_reported");
    assert_string_equal(tb.columns[0].type, "string"); /* dates stay string in CSV */
    assert_string_equal(tb.columns[2].type, "bigint");
    assert_string_equal(tb.columns[3].type, "double");
    tarn_cat_table_free(&tb);
    tarn_crawl_result_free(&res);
}

static void test_json_and_exclusions(void **state)
{
    fixture *f = *state;
    crawl_test_put_text(f->st, "raw", "ev/a.json",
                        "{\"id\": 1, \"tags\": [1]}\n{\"id\": 2, \"tags\": []}\n");
    crawl_test_put_text(f->st, "raw", "ev/b.tmp", "x,y\n1,2\n3,4\n");
    crawl_test_put_text(f->st, "raw", "ev/.hidden.json", "{\"z\": 1}\n");
    crawl_test_put_text(f->st, "raw", "ev/notes.bin", "\x01\x02\x03\x00\x04");
    const char *ex[] = {"*.tmp"};
    tarn_crawl_target t = {.path = "s3://raw/ev/", .exclusions = ex, .nexclusions = 1};
    tarn_crawler_config c = config("ev", &t, NULL);
    tarn_crawl_result res;
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    assert_int_equal(res.objects_listed, 4);
    assert_int_equal(res.objects_excluded, 2);
    assert_int_equal(res.objects_unknown, 1);
    assert_non_null(strstr(res.log.data, "skipped s3://raw/ev/notes.bin"));
    tarn_cat_table tb = get_table(f, "ev");
    assert_string_equal(tb.classification, "json");
    assert_string_equal(tb.serde_library, "org.openx.data.jsonserde.JsonSerDe");
    assert_string_equal(crawl_test_param(tb.serde_parameters, "paths"), "id,tags");
    assert_string_equal(tb.columns[0].type, "int");
    assert_string_equal(tb.columns[1].type, "string");
    assert_string_equal(crawl_test_param(tb.parameters, "objectCount"), "1");
    tarn_cat_table_free(&tb);
    tarn_crawl_result_free(&res);
}

static void test_update_vs_log(void **state)
{
    fixture *f = *state;
    crawl_test_put_text(f->st, "raw", "t/f.csv", "a,b\n1,x\n2,y\n");
    tarn_crawl_target t = {.path = "s3://raw/t/"};
    tarn_crawler_config c = config("c1", &t, NULL);
    tarn_crawl_result res;
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    tarn_crawl_result_free(&res);
    crawl_test_put_text(f->st, "raw", "t/f.csv", "a,b,c\n1,x,1.5\n2,y,2.5\n");
    c.update_behavior = TARN_CRAWL_UPDATE_LOG;
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    assert_int_equal(res.tables_updated, 0);
    assert_int_equal(res.changes_logged, 1);
    assert_non_null(strstr(res.log.data, "schema change detected for table 'db.t'"));
    assert_non_null(strstr(res.log.data, "column 'c' double added"));
    tarn_cat_table tb = get_table(f, "t");
    assert_int_equal(tb.ncolumns, 2);
    tarn_cat_table_free(&tb);
    tarn_crawl_result_free(&res);
    c.update_behavior = TARN_CRAWL_UPDATE_IN_DATABASE;
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    assert_int_equal(res.tables_updated, 1);
    tb = get_table(f, "t");
    assert_int_equal(tb.ncolumns, 3);
    assert_string_equal(tb.columns[2].type, "double");
    assert_int_equal(tb.version, 2);
    tarn_cat_table_free(&tb);
    tarn_crawl_result_free(&res);
}

/* Crawl raw/<ds>/ once, delete its data, crawl again with behaviour d. */
static tarn_crawl_result crawl_then_remove(fixture *f, const char *ds, tarn_crawl_delete d)
{
    char key[64], path[64];
    snprintf(key, sizeof key, "%s/f.csv", ds);
    snprintf(path, sizeof path, "s3://raw/%s/", ds);
    crawl_test_put_text(f->st, "raw", key, "a,b\n1,x\n2,y\n");
    tarn_crawl_target t = {.path = path};
    tarn_crawler_config c = config("c2", &t, NULL);
    tarn_crawl_result res;
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    assert_int_equal(res.tables_created, 1);
    tarn_crawl_result_free(&res);
    del(f, "raw", key);
    c.delete_behavior = d;
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    return res;
}

static void test_delete_behaviors(void **state)
{
    fixture *f = *state;
    tarn_crawl_result res = crawl_then_remove(f, "ds1", TARN_CRAWL_DELETE_LOG);
    assert_int_equal(res.changes_logged, 1);
    assert_non_null(strstr(res.log.data, "DeleteBehavior LOG"));
    tarn_cat_table tb = get_table(f, "ds1");
    assert_string_equal(crawl_test_param(tb.parameters, "DEPRECATED_BY_CRAWLER"), "<none>");
    tarn_cat_table_free(&tb);
    tarn_crawl_result_free(&res);

    res = crawl_then_remove(f, "ds2", TARN_CRAWL_DEPRECATE_IN_DATABASE);
    assert_int_equal(res.tables_deprecated, 1);
    tb = get_table(f, "ds2");
    assert_string_not_equal(crawl_test_param(tb.parameters, "DEPRECATED_BY_CRAWLER"), "<none>");
    tarn_cat_table_free(&tb);
    tarn_crawl_result_free(&res);

    res = crawl_then_remove(f, "ds3", TARN_CRAWL_DELETE_FROM_DATABASE);
    assert_int_equal(res.tables_deleted, 1);
    assert_false(table_exists(f, "ds3"));
    assert_true(table_exists(f, "ds1"));
    tarn_crawl_result_free(&res);
}

static void test_partition_removed(void **state)
{
    fixture *f = *state;
    put_parquet(f, "gold", "p/country=FR/a.parquet", 3, false);
    put_parquet(f, "gold", "p/country=DE/a.parquet", 2, false);
    put_parquet(f, "gold", "p/country=IT/a.parquet", 2, false);
    tarn_crawl_target t = {.path = "s3://gold/p/"};
    tarn_crawler_config c = config("c3", &t, NULL);
    tarn_crawl_result res;
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    tarn_crawl_result_free(&res);
    del(f, "gold", "p/country=DE/a.parquet");
    assert_int_equal(crawl(f, &c, &res), TARN_OK); /* DEPRECATE, the default */
    assert_int_equal(res.partitions_deprecated, 1);
    assert_int_equal(partition_count(f, "p"), 3);
    const char *de[] = {"DE"};
    tarn_cat_partition p;
    tarn_error err = {0};
    assert_int_equal(tarn_catalog_partition_get(f->cat, "db", "p", de, 1, &p, &err), TARN_OK);
    assert_string_not_equal(crawl_test_param(p.parameters, "DEPRECATED_BY_CRAWLER"), "<none>");
    tarn_cat_partition_free(&p);
    tarn_crawl_result_free(&res);
    del(f, "gold", "p/country=IT/a.parquet");
    c.delete_behavior = TARN_CRAWL_DELETE_FROM_DATABASE;
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    assert_int_equal(res.partitions_deleted, 2);
    assert_int_equal(partition_count(f, "p"), 1);
    tarn_cat_table tb = get_table(f, "p");
    assert_string_equal(crawl_test_param(tb.parameters, "recordCount"), "3");
    tarn_cat_table_free(&tb);
    tarn_crawl_result_free(&res);
}

static void test_new_folders_only(void **state)
{
    fixture *f = *state;
    put_parquet(f, "gold", "n/country=FR/a.parquet", 3, false);
    put_parquet(f, "gold", "n/country=DE/a.parquet", 2, false);
    tarn_crawl_target t = {.path = "s3://gold/n/"};
    tarn_crawler_config c = config("c4", &t, NULL);
    c.delete_behavior = TARN_CRAWL_DELETE_FROM_DATABASE;
    tarn_crawl_result res;
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    tarn_crawl_result_free(&res);
    put_parquet(f, "gold", "n/country=IT/a.parquet", 4, false);
    put_parquet(f, "gold", "n/country=FR/a.parquet", 3, true); /* schema change, old folder */
    del(f, "gold", "n/country=DE/a.parquet");
    c.recrawl = TARN_CRAWL_NEW_FOLDERS_ONLY;
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    assert_int_equal(res.partitions_created, 1);
    assert_int_equal(res.partitions_deleted + res.tables_deleted + res.tables_updated, 0);
    assert_int_equal(res.objects_old, 1);
    assert_int_equal(res.objects_crawled, 1);
    assert_int_equal(partition_count(f, "n"), 3); /* DE kept, IT added */
    tarn_cat_table tb = get_table(f, "n");
    assert_int_equal(tb.ncolumns, 4);
    tarn_cat_table_free(&tb);
    tarn_crawl_result_free(&res);
    assert_int_equal(crawl(f, &c, &res), TARN_OK); /* nothing new */
    assert_int_equal(res.objects_crawled, 0);
    assert_int_equal(res.partitions_created, 0);
    assert_int_equal(partition_count(f, "n"), 3);
    tarn_crawl_result_free(&res);
}

static int deny_secret(void *ud, const char *action, const char *bucket, const char *key,
                       tarn_error *err)
{
    int *calls = ud;
    (*calls)++;
    if (strcmp(action, "s3:GetObject") == 0 && strstr(key, "secret"))
        return tarn_error_set(err, TARN_ERR_ACCESS, "AccessDenied: s3:GetObject on "
                              "arn:aws:s3:::%s/%s", bucket, key);
    return TARN_OK;
}

static void test_access_denied(void **state)
{
    fixture *f = *state;
    crawl_test_put_text(f->st, "raw", "acc/open.csv", "a,b\n1,2\n3,4\n");
    tarn_crawl_target t = {.path = "s3://raw/acc/"};
    tarn_crawler_config c = config("c5", &t, NULL);
    int calls = 0;
    c.allow = deny_secret;
    c.allow_ud = &calls;
    tarn_crawl_result res;
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    assert_int_equal(calls, 2); /* ListBucket, then GetObject for the one object */
    tarn_crawl_result_free(&res);
    crawl_test_put_text(f->st, "raw", "acc/secret.csv", "a,b\n1,2\n3,4\n");
    tarn_crawl_result_init(&res);
    tarn_error err = {0};
    assert_int_equal(tarn_crawl_run(f->st, f->cat, &c, &res, &err), TARN_ERR_ACCESS);
    assert_non_null(strstr(err.msg, "AccessDenied"));
    assert_string_equal(last_run(f, "c5", "state"), "FAILED");
    assert_non_null(strstr(last_run(f, "c5", "error_message"), "AccessDenied"));
    tarn_crawl_result_free(&res);
    /* the crawler is READY again: the next run starts */
    c.allow = NULL;
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    tarn_crawl_result_free(&res);
}

/* Mark crawler name RUNNING with a run owned by process pid. */
static void fake_running(fixture *f, const char *name, long long pid)
{
    char sql[512];
    snprintf(sql, sizeof sql, "UPDATE crawlers SET state = 'RUNNING' WHERE name = '%s'; "
             "INSERT INTO crawl_runs (id, crawler_name, state, started_on, pid) VALUES "
             "('cr_fake%lld', '%s', 'RUNNING', 1, %lld)", name, pid, name, pid);
    assert_int_equal(sqlite3_exec(tarn_catalog_db(f->cat), sql, NULL, NULL, NULL), SQLITE_OK);
}

static void test_running_crawler(void **state)
{
    fixture *f = *state;
    crawl_test_put_text(f->st, "raw", "r/f.csv", "a,b\n1,2\n3,4\n");
    tarn_crawl_target t = {.path = "s3://raw/r/"};
    tarn_crawler_config c = config("c8", &t, NULL);
    tarn_crawl_result res;
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    tarn_crawl_result_free(&res);
    /* a run by a live process: refused */
    fake_running(f, "c8", (long long)getppid());
    tarn_crawl_result_init(&res);
    tarn_error err = {0};
    assert_int_equal(tarn_crawl_run(f->st, f->cat, &c, &res, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "CrawlerRunningException"));
    tarn_crawl_result_free(&res);
    /* a run whose process is gone: marked FAILED, and the crawl goes on */
    assert_int_equal(sqlite3_exec(tarn_catalog_db(f->cat), "DELETE FROM crawl_runs WHERE id "
                                  "LIKE 'cr_fake%'", NULL, NULL, NULL), SQLITE_OK);
    fake_running(f, "c8", 999999999LL);
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    tarn_crawl_result_free(&res);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(tarn_catalog_db(f->cat), "SELECT state FROM crawl_runs "
                                        "WHERE id = 'cr_fake999999999'", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "FAILED");
    sqlite3_finalize(st);
}

static void test_missing_database(void **state)
{
    fixture *f = *state;
    crawl_test_put_text(f->st, "raw", "m/f.csv", "a,b\n1,2\n3,4\n");
    tarn_crawl_target t = {.path = "s3://raw/m/"};
    tarn_crawler_config c = config("c6", &t, NULL);
    c.database = "nodb";
    tarn_crawl_result res;
    tarn_crawl_result_init(&res);
    tarn_error err = {0};
    assert_int_equal(tarn_crawl_run(f->st, f->cat, &c, &res, &err), TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "EntityNotFoundException"));
    tarn_crawl_result_free(&res);
}

static void test_large_csv_is_sampled(void **state)
{
    fixture *f = *state;
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_buf_appendf(&b, "id,value,label\n");
    int rows = 0;
    for (; b.len < 3u << 20; rows++)
        tarn_buf_appendf(&b, "%08d,%09d.%d,label-%02d\n", rows, rows * 7, rows % 10, rows % 97);
    tarn_error err = {0};
    assert_int_equal(tarn_object_put(f->st, "raw", "big/big.csv", b.data, b.len, &err), TARN_OK);
    tarn_crawl_target t = {.path = "s3://raw/big/"};
    tarn_crawler_config c = config("c7", &t, NULL);
    tarn_crawl_result res;
    assert_int_equal(crawl(f, &c, &res), TARN_OK);
    assert_true(res.bytes_read <= (1 << 20) + 8);
    /* 1,000 records of ~35 bytes: the crawl stops reading well before 1 MB */
    assert_true(res.bytes_read < 128 * 1024);
    tarn_cat_table tb = get_table(f, "big");
    long long est = atoll(crawl_test_param(tb.parameters, "recordCount"));
    assert_true(est > rows * 0.9 && est < rows * 1.1);
    assert_int_equal(atoll(crawl_test_param(tb.parameters, "sizeKey")), (long long)b.len);
    tarn_cat_table_free(&tb);
    tarn_crawl_result_free(&res);
    tarn_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parquet_partitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_and_exclusions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_vs_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_behaviors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partition_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_folders_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_running_crawler, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_csv_is_sampled, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
