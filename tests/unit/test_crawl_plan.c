/*
** test_crawl_plan.c: the crawl planner and its helpers (crawl/crawl.h,
** tarn_crawl_plan, tarn_crawl_glob_match), with no store and no catalog:
** Hive key=value folders as partitions, plain folders as partition_N,
** dissimilar sibling folders as separate tables (AWS's year=2017 example)
** and CombineCompatibleSchemas joining them, the 70% majority rule, type
** widening across files, table names, Hive unescaping, format and
** compression boundaries, TableLevelConfiguration, name clashes, and the
** exclusion glob syntax.
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

#include "crawl_test_util.h"
#include "crawl/crawl.h"

#define MAXOBJ 32

typedef struct objset {
    tarn_crawl_object o[MAXOBJ];
    size_t n;
} objset;

/* Add an object whose classification has columns cols ("a:int,b:string"). */
static void add(objset *s, const char *bucket, const char *key, tarn_crawl_format f,
                const char *cols, int64_t records)
{
    tarn_crawl_object *o = &s->o[s->n++];
    memset(o, 0, sizeof *o);
    o->bucket = bucket;
    o->key = key;
    o->size = 1000;
    tarn_crawl_class_init(&o->cls);
    o->cls.format = f;
    o->cls.records = records;
    o->cls.records_exact = true;
    o->cls.avg_record_size = 10;
    if (f == TARN_CRAWL_CSV) {
        o->cls.delimiter = ',';
        o->cls.header = true;
    }
    char *copy = strdup(cols ? cols : "");
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        *colon = '\0';
        tarn_type t;
        tarn_error err = {0};
        assert_int_equal(tarn_type_parse(colon + 1, &t, &err), TARN_OK);
        tarn_schema_add(&o->cls.schema, tok, t);
    }
    free(copy);
}

static void objset_free(objset *s)
{
    for (size_t i = 0; i < s->n; i++)
        tarn_crawl_class_free(&s->o[i].cls);
}

/* Plan s for one target path with the given prefix. */
static tarn_crawl_layout plan1(objset *s, const char *path, const char *prefix, bool combine,
                               int level)
{
    tarn_crawl_target t = {.path = path};
    tarn_crawler_config c;
    tarn_crawler_config_init(&c);
    c.name = "crawler1";
    c.database = "db";
    c.table_prefix = prefix;
    c.targets = &t;
    c.ntargets = 1;
    c.combine_compatible = combine;
    c.table_level = level;
    tarn_crawl_layout l;
    tarn_error err = {0};
    assert_int_equal(tarn_crawl_plan(&c, s->o, s->n, &l, &err), TARN_OK);
    return l;
}

/* "name:type,..." of a table's columns. */
static const char *cols_text(const tarn_cat_column *c, size_t n)
{
    static char out[1024];
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        k += (size_t)snprintf(out + k, sizeof out - k, "%s%s:%s", i ? "," : "", c[i].name,
                              c[i].type);
    return out;
}

static void test_hive_partitions(void **state)
{
    objset s = {.n = 0};
    add(&s, "gold", "who/country=FR/part-00000.parquet", TARN_CRAWL_PARQUET,
        "day:date,cases:bigint", 3);
    add(&s, "gold", "who/country=DE/part-00000.parquet", TARN_CRAWL_PARQUET,
        "day:date,cases:bigint", 2);
    add(&s, "gold", "who/country=US/part-00000.parquet", TARN_CRAWL_PARQUET,
        "day:date,cases:bigint", 5);
    tarn_crawl_layout l = plan1(&s, "s3://gold/who/", "gold_", false, 0);
    assert_int_equal(l.ntables, 1);
    const tarn_crawl_table *t = &l.tables[0];
    assert_string_equal(t->table.name, "gold_who");
    assert_string_equal(t->table.location, "s3://gold/who/");
    assert_string_equal(cols_text(t->table.columns, t->table.ncolumns), "day:date,cases:bigint");
    assert_string_equal(cols_text(t->table.partition_keys, t->table.npartition_keys),
                        "country:string");
    assert_int_equal(t->npartitions, 3);
    assert_string_equal(t->partitions[0].values[0], "DE");
    assert_string_equal(t->partitions[1].values[0], "FR");
    assert_string_equal(t->partitions[2].values[0], "US");
    assert_string_equal(t->partitions[0].location, "s3://gold/who/country=DE/");
    assert_string_equal(crawl_test_param(t->partitions[2].parameters, "recordCount"), "5");
    assert_string_equal(crawl_test_param(t->table.parameters, "recordCount"), "10");
    assert_string_equal(crawl_test_param(t->table.parameters, "objectCount"), "3");
    assert_string_equal(crawl_test_param(t->table.parameters, "classification"), "parquet");
    assert_string_equal(crawl_test_param(t->table.parameters, "UPDATED_BY_CRAWLER"), "crawler1");
    assert_string_equal(t->table.serde_library,
                        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe");
    assert_int_equal(t->table.row_count, 10);
    assert_int_equal(l.nfolders, 3);
    assert_string_equal(l.folders[0], "s3://gold/who/country=DE/");
    tarn_crawl_layout_free(&l);
    objset_free(&s);
}

static void test_plain_folders(void **state)
{
    objset s = {.n = 0};
    add(&s, "raw", "logs/2020/01/a.csv", TARN_CRAWL_CSV, "a:bigint,b:string", 1);
    add(&s, "raw", "logs/2020/02/b.csv", TARN_CRAWL_CSV, "a:bigint,b:string", 1);
    add(&s, "raw", "logs/2021/01/c.csv", TARN_CRAWL_CSV, "a:bigint,b:string", 1);
    tarn_crawl_layout l = plan1(&s, "s3://raw/logs", NULL, false, 0);
    assert_int_equal(l.ntables, 1);
    const tarn_crawl_table *t = &l.tables[0];
    assert_string_equal(t->table.name, "logs");
    assert_string_equal(cols_text(t->table.partition_keys, t->table.npartition_keys),
                        "partition_0:string,partition_1:string");
    assert_int_equal(t->npartitions, 3);
    assert_string_equal(t->partitions[2].values[0], "2021");
    assert_string_equal(t->partitions[2].values[1], "01");
    assert_string_equal(t->partitions[2].location, "s3://raw/logs/2021/01/");
    assert_string_equal(crawl_test_param(t->table.parameters, "skip.header.line.count"), "1");
    assert_string_equal(crawl_test_param(t->table.parameters, "delimiter"), ",");
    assert_string_equal(crawl_test_param(t->table.parameters, "compressionType"), "none");
    tarn_crawl_layout_free(&l);
    objset_free(&s);
}

static void test_dissimilar_siblings_and_combine(void **state)
{
    objset s = {.n = 0};
    add(&s, "bucket", "table1/year=2017/data1.json", TARN_CRAWL_JSON, "a:int,b:int", 1);
    add(&s, "bucket", "table1/year=2018/data2.json", TARN_CRAWL_JSON, "c:int,d:int", 1);
    tarn_crawl_layout l = plan1(&s, "s3://bucket/table1/", NULL, false, 0);
    assert_int_equal(l.ntables, 2);
    assert_string_equal(l.tables[0].table.name, "year_2017");
    assert_string_equal(l.tables[0].table.location, "s3://bucket/table1/year=2017/");
    assert_int_equal(l.tables[0].table.npartition_keys, 0);
    assert_string_equal(l.tables[1].table.name, "year_2018");
    tarn_crawl_layout_free(&l);

    l = plan1(&s, "s3://bucket/table1/", NULL, true, 0);
    assert_int_equal(l.ntables, 1);
    const tarn_crawl_table *t = &l.tables[0];
    assert_string_equal(t->table.name, "table1");
    assert_string_equal(cols_text(t->table.columns, t->table.ncolumns),
                        "a:int,b:int,c:int,d:int");
    assert_string_equal(cols_text(t->table.partition_keys, t->table.npartition_keys),
                        "year:string");
    assert_string_equal(crawl_test_param(t->table.serde_parameters, "paths"), "a,b,c,d");
    tarn_crawl_layout_free(&l);
    objset_free(&s);
}

static void test_majority_rule(void **state)
{
    objset s = {.n = 0};
    add(&s, "bkt", "t/p=1/f.parquet", TARN_CRAWL_PARQUET, "a:int,b:int,c:int,d:int", 1);
    add(&s, "bkt", "t/p=2/f.parquet", TARN_CRAWL_PARQUET, "a:int,b:int,c:int,d:int", 1);
    add(&s, "bkt", "t/p=3/f.parquet", TARN_CRAWL_PARQUET, "a:int,b:int,c:int,d:int,e:int", 1);
    add(&s, "bkt", "t/p=4/f.parquet", TARN_CRAWL_PARQUET, "x:int,y:int", 1);
    tarn_crawl_layout l = plan1(&s, "s3://bkt/t/", NULL, false, 0);
    assert_int_equal(l.ntables, 1); /* 3 of 4 similar: over 70% */
    assert_int_equal(l.tables[0].table.ncolumns, 7);
    assert_int_equal(l.tables[0].npartitions, 4);
    tarn_crawl_layout_free(&l);
    objset_free(&s);
    objset s2 = {.n = 0}; /* 2 of 3 similar: not over 70% */
    add(&s2, "bkt", "t/p=1/f.parquet", TARN_CRAWL_PARQUET, "a:int,b:int,c:int,d:int", 1);
    add(&s2, "bkt", "t/p=2/f.parquet", TARN_CRAWL_PARQUET, "a:int,b:int,c:int,d:int", 1);
    add(&s2, "bkt", "t/p=3/f.parquet", TARN_CRAWL_PARQUET, "x:int,y:int", 1);
    l = plan1(&s2, "s3://bkt/t/", NULL, false, 0);
    assert_int_equal(l.ntables, 3);
    assert_string_equal(l.tables[0].table.name, "p_1");
    tarn_crawl_layout_free(&l);
    objset_free(&s2);
}

static void test_widening_across_files(void **state)
{
    objset s = {.n = 0};
    add(&s, "bkt", "t/f1.json", TARN_CRAWL_JSON, "x:int,y:bigint,z:string,w:int", 1);
    add(&s, "bkt", "t/f2.json", TARN_CRAWL_JSON, "x:double,y:string,z:bigint,w:bigint", 1);
    tarn_crawl_layout l = plan1(&s, "s3://bkt/t/", NULL, false, 0);
    assert_int_equal(l.ntables, 1);
    assert_string_equal(cols_text(l.tables[0].table.columns, l.tables[0].table.ncolumns),
                        "x:double,y:string,z:string,w:bigint");
    tarn_crawl_layout_free(&l);
    objset_free(&s);
}

static void test_names_and_unescape(void **state)
{
    objset s = {.n = 0};
    add(&s, "bkt", "Who Covid.v2/path=a%2Fb%3Dc/f.parquet", TARN_CRAWL_PARQUET, "n:int", 1);
    tarn_crawl_layout l = plan1(&s, "s3://bkt/Who Covid.v2/", "Raw-", false, 0);
    assert_int_equal(l.ntables, 1);
    assert_string_equal(l.tables[0].table.name, "raw_who_covid_v2");
    assert_string_equal(l.tables[0].partitions[0].values[0], "a/b=c");
    assert_string_equal(l.tables[0].partitions[0].location,
                        "s3://bkt/Who Covid.v2/path=a%2Fb%3Dc/");
    tarn_crawl_layout_free(&l);
    objset_free(&s);
}

static void test_formats_do_not_mix(void **state)
{
    objset s = {.n = 0};
    add(&s, "bkt", "t/f1.csv", TARN_CRAWL_CSV, "a:bigint,b:string", 1);
    add(&s, "bkt", "t/f2.json", TARN_CRAWL_JSON, "a:int,b:string", 1);
    add(&s, "bkt", "t/f3.csv.gz", TARN_CRAWL_CSV, "a:bigint,b:string", 1);
    s.o[2].cls.gzip = true;
    add(&s, "bkt", "t/junk.bin", TARN_CRAWL_UNKNOWN, NULL, 0);
    tarn_crawl_layout l = plan1(&s, "s3://bkt/t/", NULL, false, 0);
    assert_int_equal(l.ntables, 3);
    assert_string_equal(l.tables[0].table.name, "f1_csv");
    assert_string_equal(l.tables[0].table.location, "s3://bkt/t/f1.csv");
    assert_string_equal(l.tables[1].table.name, "f2_json");
    assert_string_equal(l.tables[2].table.name, "f3_csv_gz");
    assert_string_equal(crawl_test_param(l.tables[2].table.parameters, "compressionType"), "gzip");
    assert_int_equal(l.objects, 4);
    assert_int_equal(l.objects_unknown, 1);
    tarn_crawl_layout_free(&l);
    objset_free(&s);
}

static void test_mixed_depth(void **state)
{
    objset s = {.n = 0};
    add(&s, "bkt", "t/top.parquet", TARN_CRAWL_PARQUET, "a:int", 1);
    add(&s, "bkt", "t/sub/x.parquet", TARN_CRAWL_PARQUET, "a:int", 1);
    tarn_crawl_layout l = plan1(&s, "s3://bkt/t/", NULL, false, 0);
    assert_int_equal(l.ntables, 2);
    assert_string_equal(l.tables[0].table.name, "sub");
    assert_string_equal(l.tables[1].table.name, "t");
    assert_int_equal(l.tables[1].table.npartition_keys, 0);
    tarn_crawl_layout_free(&l);
    objset_free(&s);
}

static void test_table_level(void **state)
{
    objset s = {.n = 0};
    add(&s, "bkt", "data/a/x=1/f.parquet", TARN_CRAWL_PARQUET, "n:int", 1);
    add(&s, "bkt", "data/b/x=1/f.parquet", TARN_CRAWL_PARQUET, "n:int", 1);
    add(&s, "bkt", "data/b/x=2/f.parquet", TARN_CRAWL_PARQUET, "n:int", 1);
    tarn_crawl_layout l = plan1(&s, "s3://bkt/data/", NULL, false, 0);
    assert_int_equal(l.ntables, 1);
    assert_string_equal(cols_text(l.tables[0].table.partition_keys,
                                  l.tables[0].table.npartition_keys),
                        "partition_0:string,x:string");
    tarn_crawl_layout_free(&l);
    /* bucket = 1, data = 2, a and b = 3 */
    l = plan1(&s, "s3://bkt/data/", NULL, false, 3);
    assert_int_equal(l.ntables, 2);
    assert_string_equal(l.tables[0].table.name, "a");
    assert_string_equal(l.tables[1].table.name, "b");
    assert_int_equal(l.tables[1].npartitions, 2);
    assert_string_equal(l.tables[1].table.partition_keys[0].name, "x");
    tarn_crawl_layout_free(&l);
    objset_free(&s);
}

static void test_partition_key_wins_over_column(void **state)
{
    objset s = {.n = 0};
    add(&s, "bkt", "t/country=FR/f.parquet", TARN_CRAWL_PARQUET, "country:string,n:int", 1);
    tarn_crawl_layout l = plan1(&s, "s3://bkt/t/", NULL, false, 0);
    assert_string_equal(cols_text(l.tables[0].table.columns, l.tables[0].table.ncolumns),
                        "n:int");
    assert_string_equal(l.tables[0].table.partition_keys[0].name, "country");
    tarn_crawl_layout_free(&l);
    objset_free(&s);
}

static void test_name_clash_across_targets(void **state)
{
    objset s = {.n = 0};
    add(&s, "bk1", "data/f.parquet", TARN_CRAWL_PARQUET, "n:int", 1);
    add(&s, "bk2", "data/f.parquet", TARN_CRAWL_PARQUET, "n:int", 1);
    tarn_crawl_target t[2] = {{.path = "s3://bk1/data/"}, {.path = "s3://bk2/data/"}};
    tarn_crawler_config c;
    tarn_crawler_config_init(&c);
    c.name = "x";
    c.database = "db";
    c.targets = t;
    c.ntargets = 2;
    tarn_crawl_layout l;
    tarn_error err = {0};
    assert_int_equal(tarn_crawl_plan(&c, s.o, s.n, &l, &err), TARN_OK);
    assert_int_equal(l.ntables, 2);
    assert_string_equal(l.tables[0].table.name, "data");
    assert_int_equal(strncmp(l.tables[1].table.name, "data_", 5), 0);
    assert_int_equal(strlen(l.tables[1].table.name), 13);
    tarn_crawl_layout_free(&l);
    objset_free(&s);
}

static int gm(const char *pat, const char *key)
{
    tarn_error err = {0};
    return tarn_crawl_glob_match(pat, key, &err);
}

static void test_glob(void **state)
{
    assert_int_equal(gm("*.csv", "a.csv"), 1);
    assert_int_equal(gm("*.csv", "d/a.csv"), 0);
    assert_int_equal(gm("**.csv", "d/a.csv"), 1);
    assert_int_equal(gm("**/*.csv", "d/e/a.csv"), 1);
    assert_int_equal(gm("**/*.csv", "a.csv"), 1);
    assert_int_equal(gm("d/**", "d/x/y.json"), 1);
    assert_int_equal(gm("d/**", "e/x/y.json"), 0);
    assert_int_equal(gm("?.csv", "a.csv"), 1);
    assert_int_equal(gm("?.csv", "ab.csv"), 0);
    assert_int_equal(gm("[a-c]*.csv", "b1.csv"), 1);
    assert_int_equal(gm("[!a-c]*.csv", "b1.csv"), 0);
    assert_int_equal(gm("[!a-c]*.csv", "x1.csv"), 1);
    assert_int_equal(gm("*.{csv,json}", "a.json"), 1);
    assert_int_equal(gm("*.{csv,json}", "a.txt"), 0);
    assert_int_equal(gm("{x,y}/*.{a,b}", "y/q.b"), 1);
    assert_int_equal(gm("\\*.csv", "*.csv"), 1);
    assert_int_equal(gm("\\*.csv", "a.csv"), 0);
    assert_int_equal(gm("year=201[0-7]/**", "year=2015/m=1/f.csv"), 1);
    assert_true(gm("[abc", "a") < 0);
    assert_true(gm("{a,b", "a") < 0);
    assert_true(gm("{a,{b,c}}", "a") < 0);
    /* many stars against a long key: linear, no blow-up */
    char key[1001];
    memset(key, 'a', 1000);
    key[1000] = '\0';
    assert_int_equal(gm("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", key), 0);
    assert_int_equal(gm("**a**a**a**a**a**a**a**a**a**a**a**b", key), 0);
}

static void test_configuration_json(void **state)
{
    tarn_crawler_config c;
    tarn_crawler_config_init(&c);
    tarn_error err = {0};
    assert_int_equal(tarn_crawl_configuration_parse(
                         "{\"Version\":1.0,\"Grouping\":{\"TableGroupingPolicy\":"
                         "\"CombineCompatibleSchemas\",\"TableLevelConfiguration\":3}}",
                         &c, &err), TARN_OK);
    assert_true(c.combine_compatible);
    assert_int_equal(c.table_level, 3);
    assert_int_equal(tarn_crawl_configuration_parse("{\"Grouping\":{\"TableLevelConfiguration\":0}}",
                                                    &c, &err), TARN_ERR_INVALID);
    assert_int_equal(tarn_crawl_configuration_parse("[1]", &c, &err), TARN_ERR_INVALID);
    tarn_crawl_delete d;
    assert_int_equal(tarn_crawl_delete_parse("DELETE_FROM_DATABASE", &d, &err), TARN_OK);
    assert_int_equal(d, TARN_CRAWL_DELETE_FROM_DATABASE);
    assert_int_equal(tarn_crawl_delete_parse("REMOVE", &d, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "DEPRECATE_IN_DATABASE"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hive_partitions),
        cmocka_unit_test(test_plain_folders),
        cmocka_unit_test(test_dissimilar_siblings_and_combine),
        cmocka_unit_test(test_majority_rule),
        cmocka_unit_test(test_widening_across_files),
        cmocka_unit_test(test_names_and_unescape),
        cmocka_unit_test(test_formats_do_not_mix),
        cmocka_unit_test(test_mixed_depth),
        cmocka_unit_test(test_table_level),
        cmocka_unit_test(test_partition_key_wins_over_column),
        cmocka_unit_test(test_name_clash_across_targets),
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_configuration_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
