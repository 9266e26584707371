/*
** test_crawl_pipeline.c: the crawlers over what the reference pipeline
** really writes. The WHO sample (examples/data) goes to raw as the extract
** job leaves it; tarn.clean writes silver and tarn.repartition writes gold
** (jobs/jobs.h); then three stored crawlers run by name under one role, as
** the glue-catalog stack declares them. Checks each layer's table as Glue
** would write it and that its Athena DDL is produced.
*/
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "crawl_test_util.h"
#include "crawl/crawl.h"
#include "jobs/jobs.h"

#define SAMPLE TARN_SOURCE_DIR "/examples/data/who_covid_sample.csv"
#define TRUST                                                                                \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"       \
    "{\"Service\":[\"glue.amazonaws.com\"]},\"Action\":[\"sts:AssumeRole\"]}]}"
#define MANAGED "[\"arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole\"," \
                "\"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"]"

typedef crawl_test_home fixture;

static int setup(void **state)
{
    fixture *f = crawl_test_open("etl_poc", "etl-poc-data-raw", "etl-poc-data-silver",
                                 "etl-poc-data-gold", (const char *)NULL);
    if (!f)
        return -1;
    tarn_cat_role r = {.name = "CrawlerRole", .arn = "arn:aws:iam::123456789012:role/CrawlerRole",
                       .trust_policy = TRUST, .managed_arns = MANAGED};
    tarn_error err = {0};
    if (tarn_catalog_role_put(f->cat, &r, false, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    crawl_test_close(*state);
    return 0;
}

/* Run built-in job cmd with the NULL-terminated key, value pairs kv. */
static void run_job(fixture *f, const char *cmd, const char *const *kv, tarn_job_result *res)
{
    tarn_job_args a;
    tarn_job_args_init(&a);
    for (; *kv; kv += 2)
        tarn_job_args_set(&a, kv[0], kv[1]);
    tarn_job_env env = {.store = f->st, .nthreads = 1};
    tarn_error err = {0};
    if (tarn_job_run(cmd, &a, &env, res, &err))
        fail_msg("%s: %s", cmd, err.msg);
    tarn_job_args_free(&a);
}

/* Store crawler name over s3://bucket/who_covid/ and run it by name. */
static void crawl(fixture *f, const char *name, const char *bucket, const char *prefix)
{
    char path[128];
    snprintf(path, sizeof path, "s3://%s/who_covid/", bucket);
    tarn_crawl_target t = {.path = path};
    tarn_crawler_config c;
    tarn_crawler_config_init(&c);
    c.name = name;
    c.role = "arn:aws:iam::123456789012:role/CrawlerRole";
    c.database = "etl_poc";
    c.table_prefix = prefix;
    c.targets = &t;
    c.ntargets = 1;
    c.delete_behavior = TARN_CRAWL_DELETE_LOG;
    tarn_error err = {0};
    assert_int_equal(tarn_crawler_put(f->cat, &c, false, &err), TARN_OK);
    tarn_crawl_result res;
    tarn_crawl_result_init(&res);
    if (tarn_crawler_run_by_name(f->st, f->cat, name, "wr_test", &res, &err))
        fail_msg("%s: %s", name, err.msg);
    assert_int_equal(res.tables_created, 1);
    tarn_crawl_run_info *runs;
    size_t n;
    assert_int_equal(tarn_crawl_run_list(f->cat, name, &runs, &n, &err), TARN_OK);
    assert_int_equal(n, 1);
    assert_string_equal(runs[0].id, res.run_id);
    assert_string_equal(runs[0].workflow_run_id, "wr_test");
    tarn_crawl_run_info_list_free(runs, n);
    tarn_crawl_result_free(&res);
}

/* "name:type,..." of a column list. */
static const char *cols_text(const tarn_cat_column *c, size_t n)
{
    static char out[1024];
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && k < sizeof out; i++)
        k += (size_t)snprintf(out + k, sizeof out - k, "%s%s:%s", i ? "," : "", c[i].name,
                              c[i].type);
    return out;
}

/* The table's DDL holds needle. */
static void assert_ddl_has(const tarn_cat_table *t, const char *needle)
{
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_error err = {0};
    assert_int_equal(tarn_catalog_table_ddl(t, &b, &err), TARN_OK);
    if (!strstr(b.data, needle))
        fail_msg("no '%s' in:\n%s", needle, b.data);
    tarn_buf_free(&b);
}

static void check_raw(fixture *f)
{
    tarn_cat_table t = crawl_test_table(f->cat, "etl_poc", "raw_who_covid");
    assert_string_equal(cols_text(t.columns, t.ncolumns),
                        "date_reported:string,country_code:string,country:string,"
                        "who_region:string,new_cases:bigint,cumulative_cases:bigint,"
                        "new_deaths:bigint,cumulative_deaths:bigint,notes:string");
    static const char *const params[] = {"classification=csv", "skip.header.line.count=1",
                                         "delimiter=,", "areColumnsQuoted=true",
                                         "recordCount=202", "objectCount=1", NULL};
    crawl_test_assert_params(t.parameters, params);
    assert_string_equal(t.serde_library, "org.apache.hadoop.hive.serde2.OpenCSVSerde");
    assert_ddl_has(&t, "'skip.header.line.count'='1'");
    tarn_cat_table_free(&t);
}

static void check_silver(fixture *f, int64_t rows)
{
    tarn_cat_table t = crawl_test_table(f->cat, "etl_poc", "silver_who_covid");
    assert_string_equal(t.location, "s3://etl-poc-data-silver/who_covid/");
    assert_string_equal(t.classification, "parquet");
    assert_int_equal(t.npartition_keys, 0);
    /* types from the files: the cleaning job's date and int columns */
    assert_string_equal(t.columns[0].name, "date_reported");
    assert_string_equal(t.columns[0].type, "date");
    assert_string_equal(t.columns[4].name, "new_cases");
    assert_string_equal(t.columns[4].type, "int");
    assert_int_equal(t.row_count, rows);
    tarn_cat_table_free(&t);
}

static void check_gold(fixture *f, int64_t rows, int64_t partitions)
{
    tarn_cat_table t = crawl_test_table(f->cat, "etl_poc", "gold_who_covid");
    assert_string_equal(cols_text(t.partition_keys, t.npartition_keys), "country:string");
    for (size_t i = 0; i < t.ncolumns; i++)
        assert_string_not_equal(t.columns[i].name, "country");
    assert_int_equal(t.row_count, rows);
    assert_ddl_has(&t, "PARTITIONED BY (\n  `country` string)");
    tarn_cat_table_free(&t);
    tarn_cat_partition *ps;
    size_t n;
    tarn_error err = {0};
    assert_int_equal(tarn_catalog_partition_list(f->cat, "etl_poc", "gold_who_covid", &ps, &n,
                                                 &err), TARN_OK);
    assert_int_equal((int64_t)n, partitions);
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        char loc[512];
        snprintf(loc, sizeof loc, "s3://etl-poc-data-gold/who_covid/country=%s/", ps[i].values[0]);
        assert_string_equal(ps[i].location, loc);
        sum += atoll(crawl_test_param(ps[i].parameters, "recordCount"));
    }
    assert_int_equal(sum, rows);
    tarn_cat_partition_list_free(ps, n);
}

static void test_reference_pipeline(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    assert_int_equal(tarn_object_put_file(f->st, "etl-poc-data-raw",
                                          "who_covid/WHO-COVID-19-global-data.csv", SAMPLE,
                                          &err), TARN_OK);
    const char *clean[] = {"source_path", "s3://etl-poc-data-raw/who_covid/", "target_path",
                           "s3://etl-poc-data-silver/who_covid/", NULL};
    const char *repart[] = {"source_path", "s3://etl-poc-data-silver/who_covid/",
                            "target_path", "s3://etl-poc-data-gold/who_covid/",
                            "partition_keys", "country", NULL};
    tarn_job_result cr = {0}, rr = {0};
    run_job(f, "tarn.clean", clean, &cr);
    run_job(f, "tarn.repartition", repart, &rr);
    assert_true(rr.partitions > 1);
    crawl(f, "etl-poc-raw-crawler", "etl-poc-data-raw", "raw_");
    crawl(f, "etl-poc-silver-crawler", "etl-poc-data-silver", "silver_");
    crawl(f, "etl-poc-gold-crawler", "etl-poc-data-gold", "gold_");
    check_raw(f);
    check_silver(f, cr.rows_out);
    check_gold(f, rr.rows_out, rr.partitions);
    tarn_job_result_free(&cr);
    tarn_job_result_free(&rr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reference_pipeline, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
