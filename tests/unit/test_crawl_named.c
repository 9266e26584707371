/*
** test_crawl_named.c: stored crawlers run by name (crawl.h,
** tarn_crawler_load and tarn_crawler_run_by_name) the way the reference
** pipeline runs them. Roles are stored with tarn_catalog_role_put and
** crawlers with tarn_crawler_put, as `tarn stack deploy` does; the data is
** put in the store: a WHO-shaped CSV in raw, snappy Parquet part files
** (tarn's writer) in silver, Hive folders country=X/ of Parquet in gold.
** Checks the tables, types, parameters and partitions Glue would write,
** the crawl runs and the crawler's state, and that the role decides:
** AccessDenied naming role, action and resource for a role that may not
** read, a role Glue may not assume, a missing role.
*/
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crawl_test_util.h"
#include "catalog/catalog.h"
#include "crawl/crawl.h"
#include "format/format.h"
#include "store/store.h"

#define GLUE_TRUST                                                                         \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"     \
    "{\"Service\":\"glue.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"
#define LAMBDA_TRUST                                                                       \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"     \
    "{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"
/* Read the three data buckets (list and get). */
#define READ_POLICY                                                                        \
    "[{\"PolicyName\":\"read-data\",\"PolicyDocument\":{\"Version\":\"2012-10-17\","       \
    "\"Statement\":[{\"Sid\":\"List\",\"Effect\":\"Allow\",\"Action\":\"s3:ListBucket\","  \
    "\"Resource\":[\"arn:aws:s3:::raw\",\"arn:aws:s3:::silver\",\"arn:aws:s3:::gold\"]},"  \
    "{\"Sid\":\"Get\",\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":"     \
    "[\"arn:aws:s3:::raw/*\",\"arn:aws:s3:::silver/*\",\"arn:aws:s3:::gold/*\"]}]}}]"
/* Listing only: no s3:GetObject. */
#define LIST_POLICY                                                                        \
    "[{\"PolicyName\":\"list-only\",\"PolicyDocument\":{\"Version\":\"2012-10-17\","       \
    "\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:List*\",\"Resource\":\"*\"}}}]"

typedef crawl_test_home fixture;

static void put_role(fixture *f, const char *name, const char *trust, const char *inl)
{
    char arn[128];
    snprintf(arn, sizeof arn, "arn:aws:iam::123456789012:role/%s", name);
    tarn_cat_role r = {.name = (char *)name, .arn = arn, .trust_policy = (char *)trust,
                       .inline_policies = (char *)inl};
    tarn_error err = {0};
    assert_int_equal(tarn_catalog_role_put(f->cat, &r, false, &err), TARN_OK);
}

static int setup(void **state)
{
    fixture *f = crawl_test_open("etl_poc", "raw", "silver", "gold", (const char *)NULL);
    if (!f)
        return -1;
    put_role(f, "CrawlerRole", GLUE_TRUST, READ_POLICY);
    put_role(f, "ListOnlyRole", GLUE_TRUST, LIST_POLICY);
    put_role(f, "LambdaRole", LAMBDA_TRUST, READ_POLICY);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    crawl_test_close(*state);
    return 0;
}

/* Store a crawler of one target, as a stack deploy does. */
static void put_crawler(fixture *f, const char *name, const char *role, const char *path,
                        const char *prefix)
{
    tarn_crawl_target t = {.path = path};
    tarn_crawler_config c;
    tarn_crawler_config_init(&c);
    c.name = name;
    c.role = role;
    c.database = "etl_poc";
    c.table_prefix = prefix;
    c.targets = &t;
    c.ntargets = 1;
    tarn_error err = {0};
    assert_int_equal(tarn_crawler_put(f->cat, &c, false, &err), TARN_OK);
}

/* A snappy Parquet file as the cleaning job writes it: date_reported date,
** country_code string, new_cases bigint, ratio double; rows rows from
** first. */
static void put_parquet(fixture *f, const char *bucket, const char *key, int first, int rows)
{
    tarn_schema s;
    tarn_schema_init(&s);
    tarn_schema_add(&s, "date_reported", (tarn_type){.id = TARN_TYPE_DATE});
    tarn_schema_add(&s, "country_code", (tarn_type){.id = TARN_TYPE_STRING});
    tarn_schema_add(&s, "new_cases", (tarn_type){.id = TARN_TYPE_BIGINT});
    tarn_schema_add(&s, "ratio", (tarn_type){.id = TARN_TYPE_DOUBLE});
    tarn_batch b;
    tarn_batch_init(&b, &s, rows);
    for (int i = first; i < first + rows; i++) {
        tarn_column_append_i32(&b.cols[0], 18322 + i);
        tarn_column_append_str(&b.cols[1], "FR", 2);
        tarn_column_append_i64(&b.cols[2], (int64_t)i * 1000000000LL);
        tarn_column_append_double(&b.cols[3], i * 0.25);
    }
    b.nrows = rows;
    crawl_test_put_parquet(f, bucket, key, &s, &b);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

/* Run crawler name into a fresh res (freed by the caller). */
static int run(fixture *f, const char *name, tarn_crawl_result *res, tarn_error *err)
{
    tarn_crawl_result_init(res);
    memset(err, 0, sizeof *err);
    return tarn_crawler_run_by_name(f->st, f->cat, name, NULL, res, err);
}

static size_t table_count(fixture *f)
{
    tarn_cat_table *ts;
    size_t n;
    tarn_error err = {0};
    assert_int_equal(tarn_catalog_table_list(f->cat, "etl_poc", &ts, &n, &err), TARN_OK);
    tarn_cat_table_list_free(ts, n);
    return n;
}

/* One value from catalog.db as text ("<null>" for NULL, "<none>" for no row). */
static const char *query1(fixture *f, const char *sql, const char *arg)
{
    static char out[1024];
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(tarn_catalog_db(f->cat), sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        snprintf(out, sizeof out, "%s", v ? (const char *)v : "<null>");
    } else {
        snprintf(out, sizeof out, "<none>");
    }
    sqlite3_finalize(st);
    return out;
}

static const char *crawler_state(fixture *f, const char *name)
{
    return query1(f, "SELECT state FROM crawlers WHERE name = ?", name);
}

static const char *last_run(fixture *f, const char *name, const char *column)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM crawl_runs WHERE crawler_name = ? ORDER BY "
             "started_on DESC, rowid DESC LIMIT 1", column);
    return query1(f, sql, name);
}

static void assert_column(const tarn_cat_table *t, size_t i, const char *name, const char *type)
{
    assert_true(i < t->ncolumns);
    assert_string_equal(t->columns[i].name, name);
    assert_string_equal(t->columns[i].type, type);
}

#define WHO_HEADER \
    "Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,Ratio\n"

static void test_raw_csv(void **state)
{
    fixture *f = *state;
    crawl_test_put_text(f->st, "raw", "who/WHO-COVID-19-global-data.csv",
             WHO_HEADER
             "2020-01-03,AF,Afghanistan,EMRO,0,0,0.0\n"
             "2020-01-04,AF,Afghanistan,EMRO,12,12,1.5\n"
             "2020-01-03,FR,France,EURO,3,3,2.25\n"
             "2020-01-04,FR,France,EURO,,3,\n");
    put_crawler(f, "raw-crawler", "CrawlerRole", "s3://raw/who/", "raw_");
    tarn_crawl_result res;
    tarn_error err;
    assert_int_equal(run(f, "raw-crawler", &res, &err), TARN_OK);
    assert_int_equal(res.tables_created, 1);
    assert_int_equal(res.objects_crawled, 1);
    char sum[512];
    assert_string_equal(tarn_crawl_result_summary(&res, sum, sizeof sum),
                        "tables: 1 created, 0 updated, 0 deleted, 0 deprecated; partitions: 0 "
                        "added, 0 updated, 0 removed, 0 deprecated; objects: 1 crawled, 0 "
                        "skipped; 0 changes logged");
    tarn_crawl_result_free(&res);
    tarn_cat_table t = crawl_test_table(f->cat, "etl_poc", "raw_who");
    assert_string_equal(t.location, "s3://raw/who/");
    assert_string_equal(t.classification, "csv");
    assert_int_equal(t.ncolumns, 7);
    assert_int_equal(t.npartition_keys, 0);
    assert_column(&t, 0, "date_reported", "string"); /* dates stay string in CSV */
    assert_column(&t, 1, "country_code", "string");
    assert_column(&t, 2, "country", "string");
    assert_column(&t, 3, "who_region", "string");
    assert_column(&t, 4, "new_cases", "bigint");
    assert_column(&t, 5, "cumulative_cases", "bigint");
    assert_column(&t, 6, "ratio", "double");
    assert_string_equal(t.serde_library, "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe");
    assert_string_equal(crawl_test_param(t.serde_parameters, "field.delim"), ",");
    assert_string_equal(t.input_format, "org.apache.hadoop.mapred.TextInputFormat");
    static const char *const params[] = {
        "classification=csv", "skip.header.line.count=1", "delimiter=,",
        "areColumnsQuoted=false", "columnsOrdered=true", "compressionType=none",
        "typeOfData=file", "recordCount=4", "objectCount=1", "UPDATED_BY_CRAWLER=raw-crawler",
        "CrawlerSchemaSerializerVersion=1.0", "CrawlerSchemaDeserializerVersion=1.0", NULL};
    crawl_test_assert_params(t.parameters, params);
    assert_int_equal(t.row_count, 4);
    /* the DDL Athena would take for it */
    tarn_buf ddl;
    tarn_buf_init(&ddl, 0);
    assert_int_equal(tarn_catalog_table_ddl(&t, &ddl, &err), TARN_OK);
    assert_non_null(strstr(ddl.data, "ROW FORMAT DELIMITED\n  FIELDS TERMINATED BY ','\n"));
    assert_non_null(strstr(ddl.data, "'skip.header.line.count'='1'"));
    tarn_buf_free(&ddl);
    tarn_cat_table_free(&t);
    assert_string_equal(crawler_state(f, "raw-crawler"), "READY");
    assert_string_equal(last_run(f, "raw-crawler", "state"), "SUCCEEDED");
    assert_string_equal(last_run(f, "raw-crawler", "tables_created"), "1");
}

/* A quoted CSV (a country name with a comma) is read with OpenCSVSerde. */
static void test_raw_quoted_csv(void **state)
{
    fixture *f = *state;
    crawl_test_put_text(f->st, "raw", "q/data.csv",
             "country,new_cases\n\"Bonaire, Sint Eustatius and Saba\",4\nFrance,5\n");
    put_crawler(f, "q-crawler", "CrawlerRole", "s3://raw/q/", NULL);
    tarn_crawl_result res;
    tarn_error err;
    assert_int_equal(run(f, "q-crawler", &res, &err), TARN_OK);
    tarn_crawl_result_free(&res);
    tarn_cat_table t = crawl_test_table(f->cat, "etl_poc", "q");
    assert_int_equal(t.ncolumns, 2);
    assert_column(&t, 1, "new_cases", "bigint");
    assert_string_equal(t.serde_library, "org.apache.hadoop.hive.serde2.OpenCSVSerde");
    assert_string_equal(crawl_test_param(t.serde_parameters, "separatorChar"), ",");
    assert_string_equal(crawl_test_param(t.serde_parameters, "quoteChar"), "\"");
    assert_string_equal(crawl_test_param(t.parameters, "areColumnsQuoted"), "true");
    assert_string_equal(crawl_test_param(t.parameters, "skip.header.line.count"), "1");
    tarn_cat_table_free(&t);
}

static void test_silver_parquet(void **state)
{
    fixture *f = *state;
    put_parquet(f, "silver", "who/part-00000-a1.snappy.parquet", 0, 3);
    put_parquet(f, "silver", "who/part-00001-a1.snappy.parquet", 3, 4);
    crawl_test_put_text(f->st, "silver", "who/_SUCCESS", "");
    crawl_test_put_text(f->st, "silver", "who/_errors/part-00000.jsonl",
                        "{\"line\":1}\n{\"line\":2}\n");
    put_crawler(f, "silver-crawler", "arn:aws:iam::123456789012:role/CrawlerRole",
                "s3://silver/who/", "silver_");
    tarn_crawl_result res;
    tarn_error err;
    assert_int_equal(run(f, "silver-crawler", &res, &err), TARN_OK);
    assert_int_equal(res.tables_created, 1);
    assert_int_equal(res.objects_crawled, 2);
    assert_int_equal(res.objects_excluded, 2); /* _SUCCESS and _errors/ are hidden */
    tarn_crawl_result_free(&res);
    assert_int_equal(table_count(f), 1);
    tarn_cat_table t = crawl_test_table(f->cat, "etl_poc", "silver_who");
    assert_string_equal(t.classification, "parquet");
    assert_int_equal(t.ncolumns, 4);
    assert_int_equal(t.npartition_keys, 0);
    assert_column(&t, 0, "date_reported", "date"); /* Parquet types come from the file */
    assert_column(&t, 1, "country_code", "string");
    assert_column(&t, 2, "new_cases", "bigint");
    assert_column(&t, 3, "ratio", "double");
    assert_string_equal(t.serde_library,
                        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe");
    assert_string_equal(t.input_format,
                        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat");
    assert_string_equal(crawl_test_param(t.parameters, "recordCount"), "7");
    assert_string_equal(crawl_test_param(t.parameters, "objectCount"), "2");
    assert_string_equal(crawl_test_param(t.parameters, "skip.header.line.count"), "<none>");
    assert_int_equal(t.row_count, 7);
    tarn_cat_table_free(&t);
}

/* The partition with values vals[0] has location loc. */
static void assert_partition(fixture *f, const char *table, const char *value, const char *loc,
                             const char *records)
{
    const char *vals[] = {value};
    tarn_cat_partition p;
    tarn_error err = {0};
    if (tarn_catalog_partition_get(f->cat, "etl_poc", table, vals, 1, &p, &err))
        fail_msg("partition %s: %s", value, err.msg);
    assert_string_equal(p.location, loc);
    assert_string_equal(crawl_test_param(p.parameters, "recordCount"), records);
    tarn_cat_partition_free(&p);
}

static void test_gold_hive_partitions(void **state)
{
    fixture *f = *state;
    put_parquet(f, "gold", "who/country=France/part-00000.snappy.parquet", 0, 2);
    put_parquet(f, "gold", "who/country=Germany/part-00000.snappy.parquet", 2, 3);
    put_parquet(f, "gold", "who/country=C\xc3\xb4te d%27Ivoire/part-00000.snappy.parquet", 5, 1);
    put_parquet(f, "gold", "who/country=__HIVE_DEFAULT_PARTITION__/part-00000.snappy.parquet",
                6, 1);
    put_crawler(f, "gold-crawler", "CrawlerRole", "s3://gold/who/", "gold_");
    tarn_crawl_result res;
    tarn_error err;
    assert_int_equal(run(f, "gold-crawler", &res, &err), TARN_OK);
    assert_int_equal(res.tables_created, 1);
    assert_int_equal(res.partitions_created, 4);
    tarn_crawl_result_free(&res);
    assert_int_equal(table_count(f), 1);
    tarn_cat_table t = crawl_test_table(f->cat, "etl_poc", "gold_who");
    assert_string_equal(t.location, "s3://gold/who/");
    assert_int_equal(t.npartition_keys, 1);
    assert_string_equal(t.partition_keys[0].name, "country");
    assert_string_equal(t.partition_keys[0].type, "string");
    assert_int_equal(t.ncolumns, 4);
    assert_column(&t, 0, "date_reported", "date");
    assert_column(&t, 2, "new_cases", "bigint");
    assert_string_equal(crawl_test_param(t.parameters, "recordCount"), "7");
    assert_string_equal(crawl_test_param(t.parameters, "objectCount"), "4");
    tarn_cat_table_free(&t);
    assert_partition(f, "gold_who", "France", "s3://gold/who/country=France/", "2");
    assert_partition(f, "gold_who", "Germany", "s3://gold/who/country=Germany/", "3");
    assert_partition(f, "gold_who", "C\xc3\xb4te d'Ivoire",
                     "s3://gold/who/country=C\xc3\xb4te d%27Ivoire/", "1");
    assert_partition(f, "gold_who", "__HIVE_DEFAULT_PARTITION__",
                     "s3://gold/who/country=__HIVE_DEFAULT_PARTITION__/", "1");
    /* a new folder on a second run: one partition added, nothing updated */
    put_parquet(f, "gold", "who/country=Spain/part-00000.snappy.parquet", 7, 2);
    assert_int_equal(run(f, "gold-crawler", &res, &err), TARN_OK);
    assert_int_equal(res.tables_created, 0);
    assert_int_equal(res.tables_updated, 0);
    assert_int_equal(res.partitions_created, 1);
    tarn_crawl_result_free(&res);
    assert_partition(f, "gold_who", "Spain", "s3://gold/who/country=Spain/", "2");
    assert_string_equal(query1(f, "SELECT count(*) FROM crawl_runs WHERE crawler_name = ? AND "
                               "state = 'SUCCEEDED'", "gold-crawler"), "2");
}

/* A two-row WHO CSV as raw/who/who.csv. */
static void put_small_csv(fixture *f)
{
    crawl_test_put_text(f->st, "raw", "who/who.csv",
                        WHO_HEADER "2020-01-03,AF,Afghanistan,EMRO,0,0,0.0\n"
                                   "2020-01-04,AF,Afghanistan,EMRO,1,1,0.5\n");
}

/* A role without s3:GetObject: the crawl fails, naming role, action and
** object; the run is FAILED, the crawler READY, no table is written. */
static void test_access_denied(void **state)
{
    fixture *f = *state;
    put_small_csv(f);
    put_crawler(f, "denied-crawler", "ListOnlyRole", "s3://raw/who/", NULL);
    tarn_crawl_result res;
    tarn_error err;
    assert_int_equal(run(f, "denied-crawler", &res, &err), TARN_ERR_ACCESS);
    assert_non_null(strstr(err.msg, "AccessDenied"));
    assert_non_null(strstr(err.msg, "ListOnlyRole"));
    assert_non_null(strstr(err.msg, "s3:GetObject"));
    assert_non_null(strstr(err.msg, "arn:aws:s3:::raw/who/who.csv"));
    assert_true(res.run_id[0] != '\0');
    assert_int_equal(res.bytes_read, 0);
    tarn_crawl_result_free(&res);
    assert_int_equal(table_count(f), 0);
    assert_string_equal(crawler_state(f, "denied-crawler"), "READY");
    assert_string_equal(last_run(f, "denied-crawler", "state"), "FAILED");
    assert_non_null(strstr(last_run(f, "denied-crawler", "error_message"), "s3:GetObject"));
    /* the same crawler with a role that may read succeeds */
    put_crawler(f, "allowed-crawler", "CrawlerRole", "s3://raw/who/", NULL);
    assert_int_equal(run(f, "allowed-crawler", &res, &err), TARN_OK);
    tarn_crawl_result_free(&res);
    assert_int_equal(table_count(f), 1);
}

/* A role that cannot list the target's bucket fails before reading. */
static void test_list_denied(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    assert_int_equal(tarn_bucket_create(f->st, "other", &err), TARN_OK);
    crawl_test_put_text(f->st, "other", "x/a.csv", "a,b\n1,2\n3,4\n");
    put_crawler(f, "other-crawler", "CrawlerRole", "s3://other/x/", NULL);
    tarn_crawl_result res;
    assert_int_equal(run(f, "other-crawler", &res, &err), TARN_ERR_ACCESS);
    assert_non_null(strstr(err.msg, "CrawlerRole"));
    assert_non_null(strstr(err.msg, "s3:ListBucket"));
    assert_non_null(strstr(err.msg, "arn:aws:s3:::other"));
    tarn_crawl_result_free(&res);
    assert_string_equal(crawler_state(f, "other-crawler"), "READY");
}

/* Roles Glue cannot assume, or that do not exist, fail the crawl too. */
static void test_role_refused(void **state)
{
    fixture *f = *state;
    put_small_csv(f);
    put_crawler(f, "lambda-crawler", "LambdaRole", "s3://raw/who/", NULL);
    put_crawler(f, "ghost-crawler", "arn:aws:iam::123456789012:role/Ghost", "s3://raw/who/",
                NULL);
    tarn_crawl_result res;
    tarn_error err;
    assert_int_equal(run(f, "lambda-crawler", &res, &err), TARN_ERR_ACCESS);
    assert_non_null(strstr(err.msg, "LambdaRole"));
    assert_non_null(strstr(err.msg, "glue.amazonaws.com"));
    tarn_crawl_result_free(&res);
    assert_string_equal(last_run(f, "lambda-crawler", "state"), "FAILED");
    assert_string_equal(crawler_state(f, "lambda-crawler"), "READY");
    assert_int_equal(run(f, "ghost-crawler", &res, &err), TARN_ERR_ACCESS);
    assert_non_null(strstr(err.msg, "'Ghost' does not exist"));
    tarn_crawl_result_free(&res);
    assert_string_equal(last_run(f, "ghost-crawler", "state"), "FAILED");
    assert_int_equal(table_count(f), 0);
    /* an unknown crawler */
    assert_int_equal(run(f, "nobody", &res, &err), TARN_ERR_NOTFOUND);
    assert_string_equal(err.msg, "EntityNotFoundException: crawler 'nobody' does not exist");
    tarn_crawl_result_free(&res);
}

/* tarn_crawler_load gives back what tarn_crawler_put stored. */
static void test_load_round_trip(void **state)
{
    fixture *f = *state;
    const char *ex1[] = {"**/_tmp/**", "*.bak"};
    tarn_crawl_target t[2] = {{.path = "s3://raw/a/", .exclusions = ex1, .nexclusions = 2},
                              {.path = "s3://raw/b"}};
    tarn_crawler_config c;
    tarn_crawler_config_init(&c);
    c.name = "full";
    c.role = "CrawlerRole";
    c.database = "etl_poc";
    c.table_prefix = "p_";
    c.targets = t;
    c.ntargets = 2;
    c.update_behavior = TARN_CRAWL_UPDATE_LOG;
    c.delete_behavior = TARN_CRAWL_DELETE_FROM_DATABASE;
    c.recrawl = TARN_CRAWL_NEW_FOLDERS_ONLY;
    c.combine_compatible = true;
    c.table_level = 3;
    tarn_error err = {0};
    assert_int_equal(tarn_crawler_put(f->cat, &c, false, &err), TARN_OK);
    tarn_crawler_def d;
    assert_int_equal(tarn_crawler_load(f->cat, "full", &d, &err), TARN_OK);
    assert_string_equal(d.cfg.name, "full");
    assert_string_equal(d.cfg.role, "CrawlerRole");
    assert_string_equal(d.role, "CrawlerRole");
    assert_string_equal(d.cfg.database, "etl_poc");
    assert_string_equal(d.cfg.table_prefix, "p_");
    assert_string_equal(d.state, "READY");
    assert_null(d.description);
    assert_null(d.schedule);
    assert_int_equal(d.cfg.ntargets, 2);
    assert_string_equal(d.cfg.targets[0].path, "s3://raw/a/");
    assert_int_equal(d.cfg.targets[0].nexclusions, 2);
    assert_string_equal(d.cfg.targets[0].exclusions[1], "*.bak");
    assert_string_equal(d.cfg.targets[1].path, "s3://raw/b");
    assert_int_equal(d.cfg.targets[1].nexclusions, 0);
    assert_int_equal(d.cfg.update_behavior, TARN_CRAWL_UPDATE_LOG);
    assert_int_equal(d.cfg.delete_behavior, TARN_CRAWL_DELETE_FROM_DATABASE);
    assert_int_equal(d.cfg.recrawl, TARN_CRAWL_NEW_FOLDERS_ONLY);
    assert_true(d.cfg.combine_compatible);
    assert_int_equal(d.cfg.table_level, 3);
    tarn_crawler_def_free(&d);
    /* a damaged row is an error naming the crawler and the column */
    sqlite3_exec(tarn_catalog_db(f->cat), "UPDATE crawlers SET targets = '{\"S3Targets\":[{}]}' "
                 "WHERE name = 'full'", NULL, NULL, NULL);
    assert_int_equal(tarn_crawler_load(f->cat, "full", &d, &err), TARN_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "'full'"));
    assert_non_null(strstr(err.msg, "Path"));
    sqlite3_exec(tarn_catalog_db(f->cat), "UPDATE crawlers SET targets = '{}', "
                 "schema_change_policy = '{\"UpdateBehavior\":\"SOMETIMES\"}' WHERE name = "
                 "'full'", NULL, NULL, NULL);
    assert_int_equal(tarn_crawler_load(f->cat, "full", &d, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "crawler 'full'"));
    assert_non_null(strstr(err.msg, "UpdateBehavior 'SOMETIMES'"));
}

/* What the state probe saw while the crawl ran. */
typedef struct probe {
    fixture *f;
    const char *crawler;
    char seen[16];
    bool deny_reads;
} probe;

/* An access check that records the crawler's state in catalog.db. */
static int probe_allow(void *ud, const char *action, const char *bucket, const char *key,
                       tarn_error *err)
{
    probe *p = ud;
    (void)bucket;
    snprintf(p->seen, sizeof p->seen, "%s", crawler_state(p->f, p->crawler));
    if (p->deny_reads && strcmp(action, "s3:GetObject") == 0)
        return tarn_error_set(err, TARN_ERR_ACCESS, "AccessDenied: probe on %s", key);
    return TARN_OK;
}

/* The crawler is RUNNING while it crawls and READY after, failed or not. */
static void test_state_during_run(void **state)
{
    fixture *f = *state;
    crawl_test_put_text(f->st, "raw", "s/a.csv", "a,b\n1,2\n3,4\n");
    put_crawler(f, "state-crawler", "CrawlerRole", "s3://raw/s/", NULL);
    for (int deny = 0; deny < 2; deny++) {
        tarn_crawler_def d;
        tarn_error err = {0};
        assert_int_equal(tarn_crawler_load(f->cat, "state-crawler", &d, &err), TARN_OK);
        probe p = {.f = f, .crawler = "state-crawler", .deny_reads = deny};
        d.cfg.allow = probe_allow;
        d.cfg.allow_ud = &p;
        tarn_crawl_result res;
        tarn_crawl_result_init(&res);
        assert_int_equal(tarn_crawl_run(f->st, f->cat, &d.cfg, &res, &err),
                         deny ? TARN_ERR_ACCESS : TARN_OK);
        assert_string_equal(p.seen, "RUNNING");
        assert_string_equal(crawler_state(f, "state-crawler"), "READY");
        assert_string_equal(last_run(f, "state-crawler", "state"),
                            deny ? "FAILED" : "SUCCEEDED");
        tarn_crawl_result_free(&res);
        tarn_crawler_def_free(&d);
    }
}

/* Many partitions classified on several threads: every file is counted
** into its own partition, as on one thread. */
static void test_parallel_classification(void **state)
{
    fixture *f = *state;
    enum { NPART = 24 };
    for (int i = 0; i < NPART; i++) {
        char key[96];
        snprintf(key, sizeof key, "many/country=C%02d/part-00000.snappy.parquet", i);
        put_parquet(f, "gold", key, i, 1 + i % 5);
    }
    for (int threads = 1; threads <= 4; threads += 3) {
        tarn_crawl_target t = {.path = "s3://gold/many/"};
        tarn_crawler_config c;
        tarn_crawler_config_init(&c);
        c.name = threads == 1 ? "one-thread" : "four-threads";
        c.database = "etl_poc";
        c.table_prefix = threads == 1 ? "t1_" : "t4_";
        c.targets = &t;
        c.ntargets = 1;
        c.nthreads = threads;
        tarn_crawl_result res;
        tarn_crawl_result_init(&res);
        tarn_error err = {0};
        assert_int_equal(tarn_crawl_run(f->st, f->cat, &c, &res, &err), TARN_OK);
        assert_int_equal(res.objects_crawled, NPART);
        assert_int_equal(res.partitions_created, NPART);
        tarn_crawl_result_free(&res);
        char table[16], loc[96], recs[16];
        snprintf(table, sizeof table, "%smany", c.table_prefix);
        for (int i = 0; i < NPART; i++) {
            char value[8];
            snprintf(value, sizeof value, "C%02d", i);
            snprintf(loc, sizeof loc, "s3://gold/many/country=%s/", value);
            snprintf(recs, sizeof recs, "%d", 1 + i % 5);
            assert_partition(f, table, value, loc, recs);
        }
    }
}

/* The listings `tarn crawler list` and `tarn crawler runs` print. */
static void test_listings(void **state)
{
    fixture *f = *state;
    put_small_csv(f);
    put_crawler(f, "b-denied", "ListOnlyRole", "s3://raw/who/", NULL);
    put_crawler(f, "a-raw", "CrawlerRole", "s3://raw/who/", "raw_");
    put_crawler(f, "c-idle", "CrawlerRole", "s3://gold/who/", NULL);
    tarn_crawl_result res;
    tarn_error err;
    assert_int_equal(run(f, "a-raw", &res, &err), TARN_OK);
    tarn_crawl_result_free(&res);
    crawl_test_put_text(f->st, "raw", "who/more.csv", WHO_HEADER "2020-01-05,AF,A,EMRO,1,2,0.5\n"
                                                                 "2020-01-06,AF,A,EMRO,3,4,0.5\n");
    assert_int_equal(run(f, "a-raw", &res, &err), TARN_OK);
    tarn_crawl_result_free(&res);
    assert_int_equal(run(f, "b-denied", &res, &err), TARN_ERR_ACCESS);
    tarn_crawl_result_free(&res);
    tarn_crawler_info *cs;
    size_t n;
    assert_int_equal(tarn_crawler_list(f->cat, &cs, &n, &err), TARN_OK);
    assert_int_equal(n, 3);
    assert_string_equal(cs[0].name, "a-raw");
    assert_string_equal(cs[0].database, "etl_poc");
    assert_string_equal(cs[0].role, "CrawlerRole");
    assert_string_equal(cs[0].table_prefix, "raw_");
    assert_int_equal(cs[0].npaths, 1);
    assert_string_equal(cs[0].paths[0], "s3://raw/who/");
    assert_string_equal(cs[0].state, "READY");
    assert_true(cs[0].has_last);
    assert_string_equal(cs[0].last.state, "SUCCEEDED");
    /* the second run only refreshed the statistics: not a schema update */
    assert_int_equal(cs[0].last.tables_created + cs[0].last.tables_updated, 0);
    assert_string_equal(cs[1].name, "b-denied");
    assert_string_equal(cs[1].last.state, "FAILED");
    assert_non_null(strstr(cs[1].last.error_message, "AccessDenied"));
    assert_true(cs[1].last.completed_on >= cs[1].last.started_on);
    assert_string_equal(cs[2].name, "c-idle");
    assert_false(cs[2].has_last);
    tarn_crawler_info_list_free(cs, n);
    tarn_crawl_run_info *rs;
    assert_int_equal(tarn_crawl_run_list(f->cat, "a-raw", &rs, &n, &err), TARN_OK);
    assert_int_equal(n, 2);
    assert_int_equal(rs[0].tables_created, 0); /* newest first */
    assert_int_equal(rs[1].tables_created, 1);
    tarn_cat_table t = crawl_test_table(f->cat, "etl_poc", "raw_who");
    assert_string_equal(crawl_test_param(t.parameters, "recordCount"), "4");
    assert_string_equal(crawl_test_param(t.parameters, "objectCount"), "2");
    tarn_cat_table_free(&t);
    assert_string_equal(rs[1].crawler, "a-raw");
    assert_true(rs[1].id[0] == 'c' && rs[1].id[1] == 'r');
    assert_null(rs[1].error_message);
    assert_non_null(rs[1].log_path);
    tarn_crawl_run_info_list_free(rs, n);
    assert_int_equal(tarn_crawl_run_list(f->cat, "c-idle", &rs, &n, &err), TARN_OK);
    assert_int_equal(n, 0);
    tarn_crawl_run_info_list_free(rs, n);
    assert_int_equal(tarn_crawl_run_list(f->cat, "nobody", &rs, &n, &err), TARN_ERR_NOTFOUND);
    assert_string_equal(err.msg, "EntityNotFoundException: crawler 'nobody' does not exist");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_raw_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_quoted_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silver_parquet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gold_hive_partitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_role_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_during_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_classification, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listings, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
