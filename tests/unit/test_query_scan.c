/*
** test_query_scan.c: the query engine's scan layer (query/vtab.c, scan.c,
** prune.c, filter.c): catalog tables as SQLite virtual tables over a
** partitioned Parquet table (several row groups, country=X/ folders), a
** CSV table with a header and a JSON lines table, in a temporary home.
** Checks values of every type and NULLs, declared types, partition
** pruning (counters, bytes), row-group skipping, pushed filters against
** unpushed ones, count(*) without decoding, the bytes cutoff, cancel, a
** deleted object's error and the EXPLAIN log.
*/
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "test_util.h"
#include "format/format.h"
#include "query/query_int.h"

#define ROWS 300        /* per partition */
#define RG_ROWS 100     /* rows per row group */
#define DAY0 18628      /* 2021-01-01 */

typedef struct fixture {
    char home[64];
    tarn_store *st;
    tarn_catalog *cat;
    sqlite3 *db;
    tarn_qscan_ctx ctx;
} fixture;

/* ---- building the data ---- */

static void sales_schema(tarn_schema *s)
{
    tarn_schema_init(s);
    tarn_schema_add(s, "id", (tarn_type){TARN_TYPE_BIGINT, 0, 0});
    tarn_schema_add(s, "name", (tarn_type){TARN_TYPE_STRING, 0, 0});
    tarn_schema_add(s, "amount", (tarn_type){TARN_TYPE_DOUBLE, 0, 0});
    tarn_schema_add(s, "day", (tarn_type){TARN_TYPE_DATE, 0, 0});
    tarn_schema_add(s, "ts", (tarn_type){TARN_TYPE_TIMESTAMP, 0, 0});
    tarn_schema_add(s, "flag", (tarn_type){TARN_TYPE_BOOLEAN, 0, 0});
    tarn_schema_add(s, "qty", (tarn_type){TARN_TYPE_INT, 0, 0});
    tarn_schema_add(s, "price", (tarn_type){TARN_TYPE_DECIMAL, 10, 2});
}

/* One partition's Parquet file: ids base..base+ROWS-1, row i has day
** DAY0+i, a NULL name every 10th row. */
static void write_sales(fixture *f, const char *country, int64_t base)
{
    tarn_schema s;
    sales_schema(&s);
    tarn_batch b;
    tarn_batch_init(&b, &s, ROWS);
    for (int i = 0; i < ROWS; i++) {
        char name[16];
        snprintf(name, sizeof name, "n%d", i % 20);
        tarn_column_append_i64(&b.cols[0], base + i);
        if (i % 10 == 0)
            tarn_column_append_null(&b.cols[1]);
        else
            tarn_column_append_str(&b.cols[1], name, strlen(name));
        tarn_column_append_double(&b.cols[2], i * 0.5);
        tarn_column_append_i32(&b.cols[3], DAY0 + i);
        tarn_column_append_i64(&b.cols[4], (int64_t)(DAY0 + i) * 86400000000LL + i * 1000001LL);
        tarn_column_append_bool(&b.cols[5], i % 2 == 0);
        tarn_column_append_i32(&b.cols[6], i % 7);
        tarn_column_append_i128(&b.cols[7], (__int128)i * 100 + 25);
    }
    b.nrows = ROWS;
    tarn_parquet_write_options o;
    tarn_parquet_write_options_init(&o);
    o.row_group_rows = RG_ROWS;
    o.background = false;
    o.nthreads = 1;
    char path[128], key[128];
    snprintf(path, sizeof path, "%s/sales-%s.parquet", f->home, country);
    tarn_parquet_writer *w;
    tarn_error err = {0};
    assert_int_equal(tarn_parquet_writer_open(&w, path, &s, &o, &err), TARN_OK);
    assert_int_equal(tarn_parquet_writer_write(w, &b, &err), TARN_OK);
    assert_int_equal(tarn_parquet_writer_close(w, NULL, &err), TARN_OK);
    snprintf(key, sizeof key, "sales/country=%s/part-0.parquet", country);
    assert_int_equal(tarn_object_put_file(f->st, "data", key, path, &err), TARN_OK);
    unlink(path);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

static void put(fixture *f, const char *key, const char *text)
{
    tarn_error err = {0};
    assert_int_equal(tarn_object_put(f->st, "data", key, text, strlen(text), &err), TARN_OK);
}

static void make_sales(fixture *f)
{
    tarn_error err = {0};
    static tarn_cat_column cols[] = {
        {"id", "bigint", NULL},   {"name", "string", NULL}, {"amount", "double", NULL},
        {"day", "date", NULL},    {"ts", "timestamp", NULL}, {"flag", "boolean", NULL},
        {"qty", "int", NULL},     {"price", "decimal(10,2)", NULL},
        {"extra", "string", NULL}, /* not in the files (added later) */
    };
    static tarn_cat_column keys[] = {{"country", "string", NULL}};
    tarn_cat_table t = {.database = "db", .name = "sales", .location = "s3://data/sales/",
                        .classification = "parquet", .columns = cols, .ncolumns = 9,
                        .partition_keys = keys, .npartition_keys = 1, .row_count = -1};
    assert_int_equal(tarn_catalog_table_create(f->cat, &t, &err), TARN_OK);
    write_sales(f, "FR", 0);
    write_sales(f, "DE", 1000);
    char *fr[] = {"FR"}, *de[] = {"DE"};
    tarn_cat_partition p[] = {{.values = fr, .nvalues = 1, .location = "s3://data/sales/country=FR/"},
                              {.values = de, .nvalues = 1, .location = "s3://data/sales/country=DE/"}};
    assert_int_equal(tarn_catalog_partitions_add(f->cat, "db", "sales", p, 2, TARN_CAT_FAIL_EXISTING,
                                                 &err), TARN_OK);
}

/* The columns of the JSON lines tables. */
static tarn_cat_column event_cols[] = {{"id", "bigint", NULL}, {"kind", "string", NULL},
                                       {"v", "double", NULL}, {"tags", "array<string>", NULL}};

static void make_text_tables(fixture *f)
{
    tarn_error err = {0};
    static tarn_cat_column pc[] = {{"id", "bigint", NULL}, {"name", "string", NULL},
                                   {"born", "date", NULL}};
    tarn_cat_table people = {
        .database = "db", .name = "people", .location = "s3://data/people/",
        .classification = "csv",
        .serde_library = "org.apache.hadoop.hive.serde2.OpenCSVSerde",
        .serde_parameters = "{\"quoteChar\":\"\\\"\",\"separatorChar\":\";\"}",
        .parameters = "{\"classification\":\"csv\",\"skip.header.line.count\":\"1\"}",
        .columns = pc, .ncolumns = 3, .row_count = -1};
    assert_int_equal(tarn_catalog_table_create(f->cat, &people, &err), TARN_OK);
    put(f, "people/a.csv", "id;name;born\n1;Ann;1990-05-01\n2;\"Smith; J\";1985-12-31\n3;Bo;\n");
    put(f, "people/b.csv", "id;name;born\n4;007;2000-01-01\n");
    put(f, "people/_SUCCESS", "not data");
    put(f, "people/.hidden/x.csv", "garbage\"\n");
    put(f, "people/sub_$folder$", "5;x;\n6;y;\n");
    tarn_cat_table events = {.database = "db", .name = "events", .location = "s3://data/events/",
                             .classification = "json",
                             .serde_library = "org.openx.data.jsonserde.JsonSerDe",
                             .columns = event_cols, .ncolumns = 4, .row_count = -1};
    assert_int_equal(tarn_catalog_table_create(f->cat, &events, &err), TARN_OK);
    put(f, "events/e.json",
        "{\"id\":1,\"kind\":\"a\",\"v\":1.5,\"tags\":[\"x\",\"y\"]}\n{\"id\":2,\"kind\":null,\"v\":2}\n{\"id\":3,\"kind\":\"c\"}\n");
}

/* JSON lines partitioned by an int and a date key, one partition with
** the Hive default (NULL) value, one without a location (derived). */
static void make_logs_table(fixture *f)
{
    tarn_error err = {0};
    static tarn_cat_column cols[] = {{"msg", "string", NULL}};
    static tarn_cat_column keys[] = {{"year", "int", NULL}, {"dt", "date", NULL}};
    tarn_cat_table t = {.database = "db", .name = "logs", .location = "s3://data/logs/",
                        .classification = "json", .columns = cols, .ncolumns = 1,
                        .partition_keys = keys, .npartition_keys = 2, .row_count = -1};
    assert_int_equal(tarn_catalog_table_create(f->cat, &t, &err), TARN_OK);
    char *a[] = {"2020", "2020-12-31"}, *b[] = {"2021", "2021-01-02"},
         *c[] = {"2021", "__HIVE_DEFAULT_PARTITION__"};
    tarn_cat_partition p[] = {
        {.values = a, .nvalues = 2, .location = "s3://data/logs/year=2020/dt=2020-12-31"},
        {.values = b, .nvalues = 2},
        {.values = c, .nvalues = 2, .location = "s3://data/logs/year=2021/nodate/"}};
    assert_int_equal(tarn_catalog_partitions_add(f->cat, "db", "logs", p, 3, TARN_CAT_FAIL_EXISTING,
                                                 &err), TARN_OK);
    put(f, "logs/year=2020/dt=2020-12-31/a.json", "{\"msg\":\"old\"}\n");
    put(f, "logs/year=2021/dt=2021-01-02/b.json", "{\"msg\":\"new\"}\n{\"msg\":\"newer\"}\n");
    put(f, "logs/year=2021/nodate/c.json", "{\"msg\":\"undated\"}\n");
}

/* A LazySimpleSerDe text table: '|' fields, no quoting, no header, 11
** columns (so the reader names its columns with two digits). */
static void make_plain_table(fixture *f)
{
    tarn_error err = {0};
    static tarn_cat_column pc[11];
    static char names[11][8];
    for (int i = 0; i < 11; i++) {
        snprintf(names[i], sizeof names[i], "c%d", i);
        pc[i] = (tarn_cat_column){names[i], i == 1 ? "string" : "bigint", NULL};
    }
    tarn_cat_table t = {.database = "db", .name = "plain", .location = "s3://data/plain",
                        .classification = "csv",
                        .serde_library = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                        .serde_parameters = "{\"field.delim\":\"|\"}",
                        .columns = pc, .ncolumns = 11, .row_count = -1};
    assert_int_equal(tarn_catalog_table_create(f->cat, &t, &err), TARN_OK);
    put(f, "plain/x", "0|\"a|2|3|4|5|6|7|8|9|10\n100|b\"|102|103|104|105|106|107|108|109|110\n");
}

/* A gzip-compressed JSON lines table (the reader inflates it). */
static void make_gzip_table(fixture *f)
{
    tarn_error err = {0};
    char path[128];
    snprintf(path, sizeof path, "%s/g.json.gz", f->home);
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    for (int i = 0; i < 1000; i++)
        gzprintf(gz, "{\"id\":%d,\"kind\":\"k%d\",\"v\":%d.25}\n", i, i % 3, i);
    gzclose(gz);
    assert_int_equal(tarn_object_put_file(f->st, "data", "gz/part-0.json.gz", path, &err), TARN_OK);
    unlink(path);
    tarn_cat_table t = {.database = "db", .name = "gz", .location = "s3://data/gz/",
                        .classification = "json", .columns = event_cols, .ncolumns = 4, .row_count = -1};
    assert_int_equal(tarn_catalog_table_create(f->cat, &t, &err), TARN_OK);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->home, sizeof f->home, "/tmp/tarn-qscan-XXXXXX");
    if (!mkdtemp(f->home))
        return -1;
    tarn_error err = {0};
    if (tarn_store_open(&f->st, f->home, &err) || tarn_catalog_open(f->home, &f->cat, &err) ||
        tarn_bucket_create(f->st, "data", &err) ||
        tarn_catalog_database_create(f->cat, "db", NULL, NULL, NULL, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    make_sales(f);
    make_text_tables(f);
    make_gzip_table(f);
    make_plain_table(f);
    make_logs_table(f);
    f->ctx.store = f->st;
    f->ctx.cat = f->cat;
    tarn_buf_init(&f->ctx.explain_log, 0);
    assert_int_equal(sqlite3_open(":memory:", &f->db), SQLITE_OK);
    assert_int_equal(tarn_qscan_register(f->db, &f->ctx, &err), TARN_OK);
    const char *tables[] = {"sales", "people", "events", "gz", "plain", "logs"};
    for (int i = 0; i < 6; i++)
        if (tarn_qscan_expose(f->db, &f->ctx, "db", tables[i], true, &err)) {
            fprintf(stderr, "expose: %s\n", err.msg);
            return -1;
        }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sqlite3_close(f->db);
    tarn_buf_free(&f->ctx.explain_log);
    tarn_catalog_close(f->cat);
    tarn_store_close(f->st);
    test_rmtree(f->home);
    free(f);
    return 0;
}

/* ---- running queries ---- */

static void reset_counters(fixture *f)
{
    tarn_buf log = f->ctx.explain_log;
    tarn_buf_reset(&log);
    tarn_qscan_ctx keep = {.store = f->st, .cat = f->cat, .explain_log = log,
                           .explain = f->ctx.explain, .explain_only = f->ctx.explain_only, .bytes_cutoff = f->ctx.bytes_cutoff,
                           .cancel = f->ctx.cancel};
    f->ctx = keep;
}

/* Every row of sql as "a|b|c" lines (NULL as "NULL") into out. */
static int run(fixture *f, const char *sql, char *out, size_t n)
{
    reset_counters(f);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(f->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        snprintf(out, n, "prepare: %s", sqlite3_errmsg(f->db));
        return rc;
    }
    size_t o = 0;
    out[0] = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st) && o < n; i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);
            o += (size_t)snprintf(out + o, n - o, "%s%s", i ? "|" : "", v ? v : "NULL");
        }
        if (o < n)
            o += (size_t)snprintf(out + o, n - o, "\n");
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void expect(fixture *f, const char *sql, const char *want)
{
    char got[8192];
    int rc = run(f, sql, got, sizeof got);
    if (rc != SQLITE_OK)
        fprintf(stderr, "%s: %s (%s)\n", sql, sqlite3_errmsg(f->db), f->ctx.err.msg);
    assert_int_equal(rc, SQLITE_OK);
    assert_string_equal(got, want);
}

/* ---- tests ---- */

static void test_parquet_values(void **state)
{
    fixture *f = *state;
    expect(f, "SELECT id, name, amount, day, ts, flag, qty, price, country FROM db.sales "
              "WHERE id = 1005",
           "1005|n5|2.5|2021-01-06|2021-01-06 00:00:05.000005|0|5|5.25|DE\n");
    expect(f, "SELECT id, name FROM sales WHERE id IN (0, 10) ORDER BY id", "0|NULL\n10|NULL\n");
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(f->db, "SELECT id, day, ts, price, country FROM db.sales",
                                        -1, &st, NULL), SQLITE_OK);
    /* Text-valued columns are declared with TEXT affinity; the catalog
    ** type comes back through tarn_qdecl_catalog_type. */
    static const char *const decl[][2] = {{"bigint", "bigint"},
                                           {"date text", "date"},
                                           {"timestamp text", "timestamp"},
                                           {"decimal(10,2)", "decimal(10,2)"},
                                           {"string text", "string"}};
    char buf[64];
    for (int i = 0; i < 5; i++) {
        assert_string_equal(sqlite3_column_decltype(st, i), decl[i][0]);
        assert_string_equal(tarn_qdecl_catalog_type(sqlite3_column_decltype(st, i), buf,
                                                    sizeof buf), decl[i][1]);
    }
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(f->db, "SELECT tags FROM events", -1, &st, NULL), SQLITE_OK);
    assert_string_equal(tarn_qdecl_catalog_type(sqlite3_column_decltype(st, 0), buf, sizeof buf),
                        "array<string>");
    sqlite3_finalize(st);
    expect(f, "SELECT typeof(id), typeof(amount), typeof(day), typeof(flag), typeof(price) "
              "FROM sales WHERE id = 1",
           "integer|real|text|integer|real\n");
}

static void test_column_missing_from_files(void **state)
{
    fixture *f = *state;
    expect(f, "SELECT count(*) FROM sales WHERE extra IS NULL", "600\n");
    expect(f, "SELECT count(*) FROM sales WHERE extra = 'x'", "0\n");
    expect(f, "SELECT id, extra FROM sales WHERE id = 7", "7|NULL\n");
    expect(f, "SELECT count(*) FROM sales WHERE extra IS NULL AND id < 10", "10\n");
}

static void test_expose_again(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    sqlite3_stmt *st;
    /* While a statement reads the table, exposing it again is harmless. */
    assert_int_equal(sqlite3_prepare_v2(f->db, "SELECT id FROM db.sales", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(tarn_qscan_expose(f->db, &f->ctx, "DB", "Sales", true, &err), TARN_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    sqlite3_finalize(st);
    /* A changed definition is declared anew. */
    tarn_cat_table t;
    assert_int_equal(tarn_catalog_table_get(f->cat, "db", "events", &t, &err), TARN_OK);
    free(t.columns[2].name);
    t.columns[2].name = strdup("value");
    assert_int_equal(tarn_catalog_table_update(f->cat, &t, &err), TARN_OK);
    tarn_cat_table_free(&t);
    assert_int_equal(tarn_qscan_expose(f->db, &f->ctx, "db", "events", false, &err), TARN_OK);
    expect(f, "SELECT id, value FROM db.events WHERE id = 1", "1|NULL\n");
    assert_int_equal(tarn_qscan_expose(f->db, &f->ctx, "db", "nosuch", false, &err),
                     TARN_ERR_NOTFOUND);
}

static void test_count_without_decoding(void **state)
{
    fixture *f = *state;
    expect(f, "SELECT count(*) FROM sales", "600\n");
    assert_int_equal(f->ctx.rows_read, 0);
    assert_int_equal(f->ctx.objects_read, 2);
    assert_true(f->ctx.bytes_scanned > 0);
    int64_t count_bytes = f->ctx.bytes_scanned;
    expect(f, "SELECT count(*), sum(id) FROM sales", "600|389700\n");
    assert_int_equal(f->ctx.rows_read, 600);
    assert_true(f->ctx.bytes_scanned > count_bytes);
}

static void test_partition_pruning(void **state)
{
    fixture *f = *state;
    expect(f, "SELECT count(*), sum(id), sum(amount) FROM sales", "600|389700|44850.0\n");
    int64_t full = f->ctx.bytes_scanned;
    assert_int_equal(f->ctx.partitions_read, 2);
    expect(f, "SELECT count(*), sum(id), sum(amount) FROM sales WHERE country = 'FR'",
           "300|44850|22425.0\n");
    assert_int_equal(f->ctx.partitions_read, 1);
    assert_int_equal(f->ctx.partitions_pruned, 1);
    assert_int_equal(f->ctx.objects_read, 1);
    assert_true(f->ctx.bytes_scanned < full);
    expect(f, "SELECT min(id) FROM sales WHERE country IN ('DE', 'XX')", "1000\n");
    assert_int_equal(f->ctx.partitions_pruned, 1);
    expect(f, "SELECT count(*) FROM sales WHERE country > 'E'", "300\n");
    assert_int_equal(f->ctx.partitions_read, 1);
    /* OR of constraints on different columns: one scan, nothing lost. */
    expect(f, "SELECT count(*) FROM sales WHERE country = 'FR' OR id = 1005", "301\n");
    expect(f, "SELECT count(*) FROM sales WHERE (country = 'DE' AND id < 1003) OR "
              "(country = 'FR' AND id < 2)", "5\n");
    expect(f, "SELECT count(*) FROM sales WHERE country = 'FR' OR id = abs(-1005)", "301\n");
    expect(f, "SELECT count(*) FROM sales WHERE id = abs(-1005) OR id = abs(-5) OR id = 5",
           "2\n");
    expect(f, "SELECT count(*) FROM sales WHERE country = 'none'", "0\n");
    assert_int_equal(f->ctx.objects_read, 0);
    assert_int_equal(f->ctx.bytes_scanned, 0);
}

/* A query, its rows, and one counter's value after it (counter: an
** offset into tarn_qscan_ctx, or NO_COUNTER). */
typedef struct scan_case {
    const char *sql, *want;
    size_t counter;
    int64_t value;
} scan_case;

#define NO_COUNTER ((size_t)-1)
#define CTR(name) offsetof(tarn_qscan_ctx, name)

static void run_cases(fixture *f, const scan_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        expect(f, cases[i].sql, cases[i].want);
        if (cases[i].counter == NO_COUNTER)
            continue;
        const int64_t *ctr = (const int64_t *)((const char *)&f->ctx + cases[i].counter);
        if (*ctr != cases[i].value)
            fprintf(stderr, "%s: counter %lld, expected %lld\n", cases[i].sql, (long long)*ctr,
                    (long long)cases[i].value);
        assert_int_equal(*ctr, cases[i].value);
    }
}

static void test_typed_partition_keys(void **state)
{
    static const scan_case cases[] = {
        {"SELECT msg, year, typeof(year), dt FROM logs ORDER BY msg",
         "new|2021|integer|2021-01-02\nnewer|2021|integer|2021-01-02\n"
         "old|2020|integer|2020-12-31\nundated|2021|integer|NULL\n", NO_COUNTER, 0},
        {"SELECT count(*) FROM logs WHERE year = 2021", "3\n", CTR(partitions_pruned), 1},
        {"SELECT count(*) FROM logs WHERE year = '2021'", "3\n", CTR(partitions_pruned), 1},
        {"SELECT msg FROM logs WHERE dt >= '2021-01-01'", "new\nnewer\n", CTR(partitions_read), 1},
        {"SELECT msg FROM logs WHERE dt IS NULL", "undated\n", CTR(partitions_pruned), 2},
        {"SELECT count(*) FROM logs WHERE year IN (2019, 2020) OR dt = '2021-01-02'", "3\n",
         NO_COUNTER, 0},
        {"SELECT count(*) FROM logs WHERE year > 2020 AND dt <> '2021-01-02'", "0\n",
         CTR(objects_read), 0},
    };
    run_cases(*state, cases, sizeof cases / sizeof cases[0]);
}

/* A date compares with a timestamp as its midnight (Trino), whether the
** scan evaluates the comparison (data columns, row groups, date partition
** keys) or SQLite does (inside OR, IN lists): the collation tarn_time. */
static void test_dates_against_timestamps(void **state)
{
    static const scan_case cases[] = {
        {"SELECT id FROM people WHERE born = '2000-01-01 00:00:00.000000'", "4\n", NO_COUNTER, 0},
        {"SELECT id FROM people WHERE born >= '1990-05-01 00:00:00.000000' ORDER BY id", "1\n4\n",
         NO_COUNTER, 0},
        {"SELECT id FROM people WHERE born < '1990-05-01 00:00:00.000001' ORDER BY id", "1\n2\n",
         NO_COUNTER, 0},
        {"SELECT id FROM people WHERE born IN ('1985-12-31 00:00:00.000000') OR id = 1 ORDER BY id",
         "1\n2\n", NO_COUNTER, 0},
        {"SELECT count(*) FROM sales WHERE day = '2021-01-06 00:00:00.000000'", "2\n",
         CTR(row_groups_skipped), 4},
        {"SELECT count(*) FROM sales WHERE day <= '2021-01-06 00:00:00.000000' OR id < 0", "12\n",
         NO_COUNTER, 0},
        {"SELECT count(*) FROM sales WHERE ts = '2021-01-01'", "2\n", NO_COUNTER, 0},
        {"SELECT count(*) FROM sales WHERE ts IN ('2021-01-01', '2021-01-02') OR id < 0", "2\n",
         NO_COUNTER, 0},
        {"SELECT count(*) FROM sales WHERE ts < '2021-01-03'", "4\n", NO_COUNTER, 0},
        {"SELECT msg FROM logs WHERE dt = '2020-12-31 00:00:00.000000'", "old\n",
         CTR(partitions_read), 1},
        /* Sorting and grouping stay binary: every date has the same length. */
        {"SELECT count(DISTINCT day), min(day), max(ts) FROM sales WHERE id < 3",
         "3|2021-01-01|2021-01-03 00:00:02.000002\n", NO_COUNTER, 0},
        /* The collation itself. */
        {"SELECT '2021-01-01' = '2021-01-01 00:00:00.000000' COLLATE tarn_time, "
         "'2021-01-01' < '2021-01-01 00:00:00.000001' COLLATE tarn_time, "
         "'2021-01-02' > '2021-01-01 23:59:59.999999' COLLATE tarn_time, "
         "'2021-01-01' = '2021-01-01 00:00:00.000000', 'ab' < 'abc' COLLATE tarn_time",
         "1|1|1|0|1\n", NO_COUNTER, 0},
    };
    run_cases(*state, cases, sizeof cases / sizeof cases[0]);
}

static void test_row_group_skipping(void **state)
{
    static const scan_case cases[] = {
        /* Rows 243.. of each partition: only the last of three row groups. */
        {"SELECT count(*), min(day) FROM sales WHERE day >= '2021-09-01'", "114|2021-09-01\n",
         CTR(row_groups_skipped), 4},
        {"SELECT count(*) FROM sales WHERE day >= '2021-09-01'", "114\n", CTR(row_groups_read), 2},
        {"SELECT count(*) FROM sales WHERE id < 50", "50\n", CTR(row_groups_skipped), 5},
        {"SELECT count(*) FROM sales WHERE name = 'zzz'", "0\n", CTR(row_groups_read), 0},
        {"SELECT count(*) FROM sales WHERE name > 'zz'", "0\n", CTR(objects_skipped), 2},
        /* IN lists: a row group is read if some value lies within its range. */
        {"SELECT count(*) FROM sales WHERE day IN ('2021-01-02', '2021-10-20')", "4\n",
         CTR(row_groups_read), 4},
        {"SELECT count(*) FROM sales WHERE amount IN (149.5, 1000)", "2\n", CTR(row_groups_read), 2},
        /* An equality with an expression: known at the scan, skips too. */
        {"SELECT name FROM sales WHERE id = abs(-1005)", "n5\n", CTR(row_groups_read), 1},
        /* Timestamps: a date-only text is a prefix (sorts before that day). */
        {"SELECT count(*) FROM sales WHERE ts >= '2021-09-01'", "114\n", CTR(row_groups_skipped), 4},
        {"SELECT id FROM sales WHERE ts = '2021-01-06 00:00:05.000005' ORDER BY id", "5\n1005\n",
         CTR(row_groups_read), 2},
        {"SELECT count(*) FROM sales WHERE ts = '2021-01-06 00:00:05'", "0\n", NO_COUNTER, 0},
        {"SELECT count(*) FROM sales WHERE ts > '2021-01-06 00:00:05'", "590\n", NO_COUNTER, 0},
    };
    run_cases(*state, cases, sizeof cases / sizeof cases[0]);
}

static void test_pushed_equals_unpushed(void **state)
{
    fixture *f = *state;
    const char *pairs[][2] = {
        {"amount > 10.5 AND name <> 'n7'", "amount + 0 > 10.5 AND name || '' <> 'n7'"},
        {"name IS NULL", "coalesce(name, 'x') = 'x'"},
        {"name IS NOT NULL AND qty <= 3", "coalesce(name, 'x') <> 'x' AND qty + 0 <= 3"},
        {"day < '2021-02-01' AND flag = 1", "day || '' < '2021-02-01' AND flag + 0 = 1"},
        {"ts >= '2021-03-01 00:00:00' AND price > 100", "ts || '' >= '2021-03-01 00:00:00' AND price + 0 > 100"},
        {"ts < '2021-01-05 00:00:03.000003' OR ts > '2021-10-01'",
         "ts || '' < '2021-01-05 00:00:03.000003' OR ts || '' > '2021-10-01'"},
        {"ts >= '2021-01-05 00:00:04' AND ts <= '2021-01-09'",
         "ts || '' >= '2021-01-05 00:00:04' AND ts || '' <= '2021-01-09'"},
        {"id IN (3, 1004, 7.0, 99999)", "id + 0 IN (3, 1004, 7.0, 99999)"},
        {"name IN ('n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9', 'n11', NULL)",
         "name || '' IN ('n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9', 'n11', NULL)"},
        {"qty IN (SELECT qty FROM sales WHERE id < 3)", "qty + 0 IN (SELECT qty FROM sales WHERE id < 3)"},
        {"id != 1003 AND amount <= 20", "id + 0 != 1003 AND amount + 0 <= 20"},
        {"name >= 'n15' AND country = 'DE'", "name || '' >= 'n15' AND country || '' = 'DE'"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        char a[4096], b[4096], sql[512];
        snprintf(sql, sizeof sql, "SELECT count(*), total(id), group_concat(id) FROM "
                 "(SELECT id FROM sales WHERE %s ORDER BY id)", pairs[i][0]);
        assert_int_equal(run(f, sql, a, sizeof a), SQLITE_OK);
        snprintf(sql, sizeof sql, "SELECT count(*), total(id), group_concat(id) FROM "
                 "(SELECT id FROM sales WHERE %s ORDER BY id)", pairs[i][1]);
        assert_int_equal(run(f, sql, b, sizeof b), SQLITE_OK);
        assert_string_equal(a, b);
        assert_true(strncmp(a, "0|", 2) != 0);
    }
}

static void test_csv_and_json(void **state)
{
    fixture *f = *state;
    static const scan_case cases[] = {
        {"SELECT id, name, born FROM people ORDER BY id",
         "1|Ann|1990-05-01\n2|Smith; J|1985-12-31\n3|Bo|NULL\n4|007|2000-01-01\n", NO_COUNTER, 0},
        {"SELECT count(*) FROM people", "4\n", NO_COUNTER, 0},
        /* A string column compared with text that reads as a number: text. */
        {"SELECT id FROM people WHERE name = '007'", "4\n", NO_COUNTER, 0},
        {"SELECT id FROM people WHERE name IN ('Ann', 'Bo') ORDER BY id", "1\n3\n", NO_COUNTER, 0},
        /* ... also where SQLite compares itself (IN lists, inside OR, CASE,
        ** joins): '007' is not '7' nor '7.0', as in Athena. */
        {"SELECT count(*) FROM people WHERE name IN ('7', '7.0')", "0\n", NO_COUNTER, 0},
        {"SELECT id FROM people WHERE name = '7' OR id = 1", "1\n", NO_COUNTER, 0},
        {"SELECT id FROM people WHERE name IN ('007', '7.0') OR id = 1 ORDER BY id", "1\n4\n",
         NO_COUNTER, 0},
        {"SELECT sum(CASE WHEN name = '7.0' THEN 1 ELSE 0 END) FROM people", "0\n", NO_COUNTER, 0},
        {"SELECT count(*) FROM people a JOIN people b ON a.name = b.name || '.0'", "0\n",
         NO_COUNTER, 0},
        {"SELECT count(*) FROM people WHERE born IN ('2000-01-01', '1990-05-01') OR id < 0", "2\n",
         NO_COUNTER, 0},
        {"SELECT name FROM db.people WHERE born < '1989-01-01'", "Smith; J\n", NO_COUNTER, 0},
        {"SELECT id, kind, v FROM events ORDER BY id", "1|a|1.5\n2|NULL|2.0\n3|c|NULL\n",
         NO_COUNTER, 0},
        {"SELECT id FROM events WHERE kind IS NULL", "2\n", NO_COUNTER, 0},
        {"SELECT tags FROM events WHERE id = 1", "[\"x\",\"y\"]\n", NO_COUNTER, 0},
        {"SELECT c0, c1, c10 FROM plain ORDER BY c0", "0|\"a|10\n100|b\"|110\n", NO_COUNTER, 0},
        {"SELECT c1 FROM plain WHERE c9 > 10", "b\"\n", NO_COUNTER, 0},
        /* gzip JSON lines: bytes scanned are the compressed object's. */
        {"SELECT count(*), sum(id), max(v) FROM gz WHERE kind = 'k1'", "333|166167|997.25\n",
         NO_COUNTER, 0},
    };
    run_cases(f, cases, sizeof cases / sizeof cases[0]);
    tarn_object_info info;
    tarn_error err = {0};
    assert_int_equal(tarn_object_head(f->st, "data", "gz/part-0.json.gz", &info, &err), TARN_OK);
    assert_int_equal(f->ctx.bytes_scanned, info.size);
}

static void test_joins(void **state)
{
    fixture *f = *state;
    expect(f, "SELECT count(*), sum(b.amount) FROM sales a JOIN sales b "
              "ON a.id = b.id AND a.country = b.country WHERE a.qty = 2",
           "86|6407.0\n");
    /* The outer side read once; the inner side by a filtered scan for the
    ** first lookup, then once more into the join index (not per row). */
    assert_int_equal(f->ctx.objects_read + f->ctx.objects_skipped, 6);
    expect(f, "SELECT p.name, e.kind, e.v FROM people p JOIN events e ON e.id = p.id ORDER BY p.id",
           "Ann|a|1.5\nSmith; J|NULL|2.0\nBo|c|NULL\n");
    expect(f, "SELECT p.id, s.name FROM people p LEFT JOIN sales s ON s.id = p.id + 1000 "
              "AND s.country = 'DE' ORDER BY p.id",
           "1|n1\n2|n2\n3|n3\n4|n4\n");
    expect(f, "SELECT count(*) FROM sales a JOIN events e ON a.name = 'n' || e.id", "90\n");
}

static void test_cutoff(void **state)
{
    fixture *f = *state;
    f->ctx.bytes_cutoff = 100;
    char out[256];
    assert_int_not_equal(run(f, "SELECT sum(id) FROM sales", out, sizeof out), SQLITE_OK);
    assert_true(f->ctx.cutoff_hit);
    assert_non_null(strstr(f->ctx.err.msg, "Bytes scanned limit was exceeded"));
    assert_true(f->ctx.bytes_scanned > 100);
    f->ctx.bytes_cutoff = 0;
    expect(f, "SELECT count(*) FROM people", "4\n");
    assert_false(f->ctx.cutoff_hit);
}

static void test_cancel(void **state)
{
    fixture *f = *state;
    volatile sig_atomic_t flag = 1;
    f->ctx.cancel = &flag;
    char out[256];
    assert_int_not_equal(run(f, "SELECT sum(id) FROM sales", out, sizeof out), SQLITE_OK);
    assert_non_null(strstr(f->ctx.err.msg, "cancel"));
    flag = 0;
    expect(f, "SELECT count(*) FROM sales WHERE country = 'FR'", "300\n");
    f->ctx.cancel = NULL;
}

static void test_deleted_object(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    assert_int_equal(tarn_object_delete(f->st, "data", "sales/country=DE/part-0.parquet", &err),
                     TARN_OK);
    char out[256];
    assert_int_not_equal(run(f, "SELECT count(*) FROM sales WHERE country = 'DE'", out, sizeof out),
                         SQLITE_OK);
    assert_non_null(strstr(f->ctx.err.msg, "s3://data/sales/country=DE/: no objects"));
    assert_non_null(strstr(f->ctx.err.msg, "MSCK REPAIR TABLE"));
    /* The other partition still answers. */
    expect(f, "SELECT count(*) FROM sales WHERE country = 'FR'", "300\n");
    put(f, "sales/country=DE/part-1.parquet", "PAR1 this is not parquet PAR1");
    assert_int_not_equal(run(f, "SELECT sum(id) FROM sales WHERE country = 'DE'", out, sizeof out),
                         SQLITE_OK);
    assert_non_null(strstr(f->ctx.err.msg, "s3://data/sales/country=DE/part-1.parquet: "));
    assert_non_null(strstr(sqlite3_errmsg(f->db), "part-1.parquet"));
    assert_null(strstr(f->ctx.err.msg, f->home));
    assert_non_null(strstr(f->ctx.err.msg, "Parquet"));
}

static void test_object_deleted_during_scan(void **state)
{
    fixture *f = *state;
    reset_counters(f);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(f->db, "SELECT id FROM sales", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW); /* listed both, reading DE */
    tarn_error err = {0};
    assert_int_equal(tarn_object_delete(f->st, "data", "sales/country=FR/part-0.parquet", &err),
                     TARN_OK);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    assert_int_equal(rc, SQLITE_ERROR);
    assert_string_equal(f->ctx.err.msg, "HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split "
                        "s3://data/sales/country=FR/part-0.parquet: object does "
                        "not exist (the table's data was deleted or moved; run the crawler or "
                        "MSCK REPAIR TABLE)");
    assert_int_equal(f->ctx.err.code, TARN_ERR_NOTFOUND);
    sqlite3_finalize(st);
}

static void test_explain_log(void **state)
{
    fixture *f = *state;
    f->ctx.explain = true;
    expect(f, "SELECT count(*) FROM sales WHERE country = 'FR' AND id >= 250", "50\n");
    const char *log = f->ctx.explain_log.data;
    assert_non_null(log);
    assert_non_null(strstr(log, "scan db.sales: partition country=FR read"));
    assert_non_null(strstr(log, "scan db.sales: partition country=DE skipped by country = 'FR'"));
    assert_non_null(strstr(log, "row group 0 of s3://data/sales/country=FR/part-0.parquet "
                                "skipped (max(id) < 250)"));
    assert_non_null(strstr(log, "scan db.sales: object s3://data/sales/country=FR/part-0.parquet read"));
    assert_null(strstr(log, "country=DE/part-0.parquet"));
    expect(f, "SELECT count(*) FROM sales WHERE day < '2021-01-03' AND name IS NULL", "2\n");
    assert_non_null(strstr(f->ctx.explain_log.data, "row group 1 of s3://data/sales/country=DE/"
                                                    "part-0.parquet skipped (min(day) >= 2021-01-03)"));
    /* EXPLAIN alone: the same decisions, no rows, no data decoded. */
    f->ctx.explain_only = true;
    expect(f, "SELECT count(*), sum(id) FROM sales WHERE country = 'FR' AND id >= 250", "0|NULL\n");
    assert_int_equal(f->ctx.rows_read, 0);
    assert_int_equal(f->ctx.row_groups_read, 1);
    assert_int_equal(f->ctx.row_groups_skipped, 2);
    assert_int_equal(f->ctx.partitions_pruned, 1);
    assert_non_null(strstr(f->ctx.explain_log.data, "skipped (max(id) < 250)"));
    expect(f, "SELECT count(*) FROM people", "0\n");
    assert_int_equal(f->ctx.bytes_scanned, 0);
    f->ctx.explain = false;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parquet_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_column_missing_from_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expose_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count_without_decoding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partition_pruning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed_partition_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dates_against_timestamps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_row_group_skipping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pushed_equals_unpushed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_and_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_joins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cutoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_object_deleted_during_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explain_log, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
