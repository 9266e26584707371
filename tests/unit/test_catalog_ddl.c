/*
** test_catalog_ddl.c: the Athena DDL of catalog tables (catalog.h,
** tarn_catalog_table_ddl): the exact statement for a partitioned Parquet
** table, a CSV table with LazySimpleSerDe (delimited form, tab delimiter),
** a quoted CSV table with OpenCSVSerde, JSON, escaping of identifiers and
** literals, defaults taken from the classification, and the refusals.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"

static tarn_cat_column gold_cols[] = {
    {"date_reported", "date", NULL},
    {"new_cases", "bigint", NULL},
    {"ratio", "double", "share of cases"},
};
static tarn_cat_column gold_keys[] = {{"country", "string", NULL}};

static tarn_cat_table gold_table(void)
{
    return (tarn_cat_table){
        .database = "etl_poc",
        .name = "gold_who",
        .location = "s3://etl-poc-data-gold/who/",
        .classification = "parquet",
        .input_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        .output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        .serde_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        .serde_parameters = "{\"serialization.format\":\"1\"}",
        .parameters = "{\"recordCount\":\"5\",\"classification\":\"parquet\","
                      "\"compressionType\":\"none\"}",
        .columns = gold_cols,
        .ncolumns = 3,
        .partition_keys = gold_keys,
        .npartition_keys = 1,
        .row_count = 5,
    };
}

/* The DDL of t, or fail the test. */
static char *ddl(const tarn_cat_table *t)
{
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_error err = {0};
    int rc = tarn_catalog_table_ddl(t, &b, &err);
    if (rc)
        fail_msg("ddl: %s", err.msg);
    return b.data;
}

static void test_parquet_partitioned(void **state)
{
    (void)state;
    tarn_cat_table t = gold_table();
    char *s = ddl(&t);
    assert_string_equal(s,
        "CREATE EXTERNAL TABLE `etl_poc`.`gold_who`(\n"
        "  `date_reported` date,\n"
        "  `new_cases` bigint,\n"
        "  `ratio` double COMMENT 'share of cases')\n"
        "PARTITIONED BY (\n"
        "  `country` string)\n"
        "ROW FORMAT SERDE\n"
        "  'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'\n"
        "WITH SERDEPROPERTIES (\n"
        "  'serialization.format'='1')\n"
        "STORED AS INPUTFORMAT\n"
        "  'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'\n"
        "OUTPUTFORMAT\n"
        "  'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'\n"
        "LOCATION\n"
        "  's3://etl-poc-data-gold/who/'\n"
        "TBLPROPERTIES (\n"
        "  'classification'='parquet',\n"
        "  'compressionType'='none',\n"
        "  'recordCount'='5');\n");
    free(s);
}

static tarn_cat_column raw_cols[] = {
    {"date_reported", "string", NULL},
    {"country", "string", NULL},
    {"new_cases", "bigint", NULL},
};

static void test_csv_lazy_simple(void **state)
{
    (void)state;
    tarn_cat_table t = {
        .database = "etl_poc",
        .name = "raw_who",
        .location = "s3://etl-poc-data-raw/who/",
        .classification = "csv",
        .input_format = "org.apache.hadoop.mapred.TextInputFormat",
        .output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        .serde_library = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
        .serde_parameters = "{\"field.delim\":\"\\t\"}",
        .parameters = "{\"skip.header.line.count\":\"1\",\"delimiter\":\"\\t\","
                      "\"classification\":\"csv\",\"areColumnsQuoted\":\"false\"}",
        .columns = raw_cols,
        .ncolumns = 3,
    };
    char *s = ddl(&t);
    assert_string_equal(s,
        "CREATE EXTERNAL TABLE `etl_poc`.`raw_who`(\n"
        "  `date_reported` string,\n"
        "  `country` string,\n"
        "  `new_cases` bigint)\n"
        "ROW FORMAT DELIMITED\n"
        "  FIELDS TERMINATED BY '\\t'\n"
        "STORED AS INPUTFORMAT\n"
        "  'org.apache.hadoop.mapred.TextInputFormat'\n"
        "OUTPUTFORMAT\n"
        "  'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'\n"
        "LOCATION\n"
        "  's3://etl-poc-data-raw/who/'\n"
        "TBLPROPERTIES (\n"
        "  'areColumnsQuoted'='false',\n"
        "  'classification'='csv',\n"
        "  'delimiter'='\\t',\n"
        "  'skip.header.line.count'='1');\n");
    free(s);
}

static void test_csv_open_csv(void **state)
{
    (void)state;
    tarn_cat_table t = {
        .database = "db",
        .name = "quoted",
        .location = "s3://raw/q/",
        .classification = "csv",
        .input_format = "org.apache.hadoop.mapred.TextInputFormat",
        .output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        .serde_library = "org.apache.hadoop.hive.serde2.OpenCSVSerde",
        .serde_parameters = "{\"separatorChar\":\",\",\"quoteChar\":\"\\\"\","
                            "\"escapeChar\":\"\\\\\"}",
        .parameters = "{\"skip.header.line.count\":\"1\"}",
        .columns = raw_cols,
        .ncolumns = 1,
    };
    char *s = ddl(&t);
    assert_string_equal(s,
        "CREATE EXTERNAL TABLE `db`.`quoted`(\n"
        "  `date_reported` string)\n"
        "ROW FORMAT SERDE\n"
        "  'org.apache.hadoop.hive.serde2.OpenCSVSerde'\n"
        "WITH SERDEPROPERTIES (\n"
        "  'escapeChar'='\\\\',\n"
        "  'quoteChar'='\"',\n"
        "  'separatorChar'=',')\n"
        "STORED AS INPUTFORMAT\n"
        "  'org.apache.hadoop.mapred.TextInputFormat'\n"
        "OUTPUTFORMAT\n"
        "  'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'\n"
        "LOCATION\n"
        "  's3://raw/q/'\n"
        "TBLPROPERTIES (\n"
        "  'classification'='csv',\n"
        "  'skip.header.line.count'='1');\n");
    free(s);
}

/* Only a classification: the SerDe and formats it implies; odd names and
** values escaped. */
static void test_defaults_and_escaping(void **state)
{
    (void)state;
    tarn_cat_column cols[] = {{"we`ird", "string", "it's"}};
    tarn_cat_table t = {
        .name = "j",
        .location = "s3://b/j/",
        .classification = "json",
        .description = "a\x01table",
        .columns = cols,
        .ncolumns = 1,
    };
    char *s = ddl(&t);
    assert_string_equal(s,
        "CREATE EXTERNAL TABLE `j`(\n"
        "  `we``ird` string COMMENT 'it\\'s')\n"
        "COMMENT 'a\\001table'\n"
        "ROW FORMAT SERDE\n"
        "  'org.openx.data.jsonserde.JsonSerDe'\n"
        "STORED AS INPUTFORMAT\n"
        "  'org.apache.hadoop.mapred.TextInputFormat'\n"
        "OUTPUTFORMAT\n"
        "  'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'\n"
        "LOCATION\n"
        "  's3://b/j/'\n"
        "TBLPROPERTIES (\n"
        "  'classification'='json');\n");
    free(s);
    /* a csv table with only its crawler parameters gets the delimited form */
    t.classification = "csv";
    t.parameters = "{\"delimiter\":\"|\"}";
    t.description = NULL;
    s = ddl(&t);
    assert_non_null(strstr(s, "ROW FORMAT DELIMITED\n  FIELDS TERMINATED BY '|'\n"));
    free(s);
}

static void test_refusals(void **state)
{
    (void)state;
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_error err = {0};
    tarn_cat_table t = gold_table();
    t.location = NULL;
    assert_int_equal(tarn_catalog_table_ddl(&t, &b, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "etl_poc.gold_who"));
    assert_non_null(strstr(err.msg, "location"));
    t = gold_table();
    t.ncolumns = 0;
    assert_int_equal(tarn_catalog_table_ddl(&t, &b, &err), TARN_ERR_INVALID);
    t = gold_table();
    t.table_type = "VIRTUAL_VIEW";
    assert_int_equal(tarn_catalog_table_ddl(&t, &b, &err), TARN_ERR_UNSUPPORTED);
    t = gold_table();
    t.serde_library = t.input_format = NULL;
    t.classification = "avro";
    assert_int_equal(tarn_catalog_table_ddl(&t, &b, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "SerDe"));
    assert_int_equal(b.len, 0); /* nothing written on failure */
    /* a buffer too small for the statement is an error, not a cut text */
    tarn_buf small;
    tarn_buf_init(&small, 64);
    t = gold_table();
    assert_int_equal(tarn_catalog_table_ddl(&t, &small, &err), TARN_ERR_LIMIT);
    tarn_buf_free(&small);
    tarn_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parquet_partitioned),
        cmocka_unit_test(test_csv_lazy_simple),
        cmocka_unit_test(test_csv_open_csv),
        cmocka_unit_test(test_defaults_and_escaping),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
