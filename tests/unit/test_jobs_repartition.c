/*
** test_jobs_repartition.c: the tarn.repartition job (jobs/repartition.c):
** Hive folders for one and several keys with escaped values, NULL and
** empty values in __HIVE_DEFAULT_PARTITION__, key columns left out of the
** data files, rows in input order, more part files past
** --target_file_bytes, the same bytes when a tiny budget makes it spill,
** argument errors, and an overwrite that removes partitions the new
** input lacks. Each test runs against a fresh mkdtemp store.
*/
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "jobs/jobs.h"

typedef struct fixture {
    char home[64];
    tarn_store *st;
    char log[16384];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->home, sizeof f->home, "/tmp/tarn-repart-test-XXXXXX");
    if (!mkdtemp(f->home))
        return -1;
    tarn_error err = {0};
    if (tarn_store_open(&f->st, f->home, &err) || tarn_bucket_create(f->st, "silver", &err) ||
        tarn_bucket_create(f->st, "gold", &err))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tarn_store_close(f->st);
    test_rmtree(f->home);
    free(f);
    return 0;
}

typedef struct row {
    const char *country;   /* NULL = NULL */
    const char *code;
    int n;
} row;

/* Write rows as a Parquet object (country string, code string, n int). */
static void put_rows(fixture *f, const char *key, const row *rows, int nrows)
{
    tarn_schema s;
    tarn_schema_init(&s);
    tarn_schema_add(&s, "country", (tarn_type){TARN_TYPE_STRING, 0, 0});
    tarn_schema_add(&s, "code", (tarn_type){TARN_TYPE_STRING, 0, 0});
    tarn_schema_add(&s, "n", (tarn_type){TARN_TYPE_INT, 0, 0});
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    for (int i = 0; i < nrows; i++) {
        if (rows[i].country)
            tarn_column_append_str(&b.cols[0], rows[i].country, strlen(rows[i].country));
        else
            tarn_column_append_null(&b.cols[0]);
        tarn_column_append_str(&b.cols[1], rows[i].code, strlen(rows[i].code));
        tarn_column_append_i32(&b.cols[2], rows[i].n);
    }
    b.nrows = nrows;
    char path[128];
    snprintf(path, sizeof path, "%s/input.parquet", f->home);
    tarn_parquet_write_options o;
    tarn_parquet_write_options_init(&o);
    tarn_parquet_writer *w;
    tarn_error err = {0};
    assert_int_equal(tarn_parquet_writer_open(&w, path, &s, &o, &err), TARN_OK);
    assert_int_equal(tarn_parquet_writer_write(w, &b, &err), TARN_OK);
    assert_int_equal(tarn_parquet_writer_close(w, NULL, &err), TARN_OK);
    assert_int_equal(tarn_object_put_file(f->st, "silver", key, path, &err), TARN_OK);
    unlink(path);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

static void log_line(void *ud, const char *line)
{
    fixture *f = ud;
    size_t n = strlen(f->log);
    snprintf(f->log + n, sizeof f->log - n, "%s\n", line);
}

static int run(fixture *f, tarn_job_result *res, tarn_error *err, ...)
{
    tarn_job_args a;
    tarn_job_args_init(&a);
    va_list ap;
    va_start(ap, err);
    for (const char *k; (k = va_arg(ap, const char *)) != NULL;)
        tarn_job_args_set(&a, k, va_arg(ap, const char *));
    va_end(ap);
    tarn_job_env env = {.store = f->st, .run_id = "r", .log = log_line, .log_ud = f, .nthreads = 2};
    f->log[0] = '\0';
    int rc = tarn_job_run("tarn.repartition", &a, &env, res, err);
    tarn_job_args_free(&a);
    return rc;
}

typedef struct key_list {
    char buf[16384];
} key_list;

static int add_key(void *ctx, const tarn_object_info *obj, const char *cp)
{
    key_list *l = ctx;
    if (obj)
        snprintf(l->buf + strlen(l->buf), sizeof l->buf - strlen(l->buf), "%s\n", obj->key);
    return 0;
}

static char *keys(fixture *f, const char *bucket, const char *prefix)
{
    key_list *l = calloc(1, sizeof *l);
    tarn_list_request req = {prefix, NULL, NULL, 0};
    tarn_error err = {0};
    assert_int_equal(tarn_object_list_all(f->st, bucket, &req, add_key, l, &err), TARN_OK);
    char *s = strdup(l->buf);
    free(l);
    return s;
}

/* A Parquet object as "name:type,...\n" and rows "v|v\n" (NULL as \N). */
static char *table_text(fixture *f, const char *bucket, const char *key)
{
    char *path = NULL;
    tarn_error err = {0};
    assert_int_equal(tarn_object_local_path(f->st, bucket, key, &path, &err), TARN_OK);
    tarn_reader *r;
    assert_int_equal(tarn_reader_open(&r, path, NULL, &err), TARN_OK);
    free(path);
    const tarn_schema *s = tarn_reader_schema(r);
    tarn_buf out;
    tarn_buf_init(&out, 0);
    for (int c = 0; c < s->ncols; c++) {
        char t[32];
        tarn_buf_appendf(&out, "%s%s:%s", c ? "," : "", s->fields[c].name,
                         tarn_type_name(s->fields[c].type, t, sizeof t));
    }
    tarn_buf_putc(&out, '\n');
    tarn_batch b;
    tarn_batch_init(&b, s, 0);
    while (tarn_reader_next(r, &b, &err) == 1)
        for (int64_t i = 0; i < b.nrows; i++)
            for (int c = 0; c < b.ncols; c++) {
                char v[256];
                if (!tarn_column_is_valid(&b.cols[c], i))
                    snprintf(v, sizeof v, "\\N");
                else
                    tarn_value_format(&b.cols[c], i, v, sizeof v);
                tarn_buf_appendf(&out, "%s%s%s", c ? "|" : "", v, c == b.ncols - 1 ? "\n" : "");
            }
    tarn_batch_free(&b);
    tarn_reader_close(r);
    return out.data;
}

static const row sample[] = {
    {"France", "FR", 1},        {"Côte d'Ivoire", "CI", 2}, {NULL, "XX", 3},
    {"", "YY", 4},              {"a/b=c:d", "ZZ", 5},       {"France", "FR", 6},
    {"Curaçao", "CW", 7},       {"x\001y%", "Q", 8},
};

static void folders_are_hive_escaped(void **state)
{
    fixture *f = *state;
    put_rows(f, "t/part-00000.parquet", sample, 8);
    tarn_job_result res;
    tarn_error err = {0};
    assert_int_equal(run(f, &res, &err, "source_path", "s3://silver/t/", "target_path",
                         "s3://gold/t/", "partition_keys", "Country", NULL), TARN_OK);
    assert_int_equal(res.partitions, 6);
    assert_int_equal(res.rows_out, 8);
    assert_int_equal(res.ncols, 2);
    tarn_job_result_free(&res);
    char *k = keys(f, "gold", "");
    assert_string_equal(k, "t/country=Curaçao/part-00000.parquet\n"
                           "t/country=Côte d%27Ivoire/part-00000.parquet\n"
                           "t/country=France/part-00000.parquet\n"
                           "t/country=__HIVE_DEFAULT_PARTITION__/part-00000.parquet\n"
                           "t/country=a%2Fb%3Dc%3Ad/part-00000.parquet\n"
                           "t/country=x%01y%25/part-00000.parquet\n");
    free(k);
    char *t = table_text(f, "gold", "t/country=France/part-00000.parquet");
    assert_string_equal(t, "code:string,n:int\nFR|1\nFR|6\n");
    free(t);
    t = table_text(f, "gold", "t/country=__HIVE_DEFAULT_PARTITION__/part-00000.parquet");
    assert_string_equal(t, "code:string,n:int\nXX|3\nYY|4\n");
    free(t);
    /* the folder names decode back to the values */
    const char *folders[] = {"a%2Fb%3Dc%3Ad", "x%01y%25", "Côte d%27Ivoire"};
    const char *values[] = {"a/b=c:d", "x\001y%", "Côte d'Ivoire"};
    for (int i = 0; i < 3; i++) {
        tarn_buf b;
        tarn_buf_init(&b, 0);
        tarn_hive_unescape(&b, folders[i], strlen(folders[i]));
        assert_string_equal(b.data, values[i]);
        tarn_buf_free(&b);
    }
}

static void several_keys_and_file_size(void **state)
{
    fixture *f = *state;
    put_rows(f, "t/in.parquet", sample, 8);
    tarn_job_result res;
    tarn_error err = {0};
    assert_int_equal(run(f, &res, &err, "source_path", "s3://silver/t/", "target_path",
                         "s3://gold/k/", "partition_keys", "country, CODE", "target_file_bytes",
                         "4", NULL), TARN_OK);
    assert_int_equal(res.ncols, 1);
    tarn_job_result_free(&res);
    char *k = keys(f, "gold", "k/country=France/");
    assert_string_equal(k, "k/country=France/code=FR/part-00000.parquet\n"
                           "k/country=France/code=FR/part-00001.parquet\n");
    free(k);
    char *t = table_text(f, "gold", "k/country=France/code=FR/part-00001.parquet");
    assert_string_equal(t, "n:int\n6\n");
    free(t);
    k = keys(f, "gold", "k/country=__HIVE_DEFAULT_PARTITION__/");
    assert_string_equal(k, "k/country=__HIVE_DEFAULT_PARTITION__/code=XX/part-00000.parquet\n"
                           "k/country=__HIVE_DEFAULT_PARTITION__/code=YY/part-00000.parquet\n");
    free(k);
}

/* Every object under prefix: its key and table text. */
static char *tree_text(fixture *f, const char *prefix)
{
    char *k = keys(f, "gold", prefix);
    tarn_buf out;
    tarn_buf_init(&out, 0);
    for (char *line = k, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        *nl = '\0';
        char *t = table_text(f, "gold", line);
        tarn_buf_appendf(&out, "%s\n%s", line + strlen(prefix), t);
        free(t);
    }
    free(k);
    return out.data;
}

static void spilling_changes_nothing(void **state)
{
    fixture *f = *state;
    static char names[50][16];
    row *rows = calloc(6000, sizeof *rows);
    for (int i = 0; i < 50; i++)
        snprintf(names[i], sizeof names[i], "land %02d", i);
    for (int i = 0; i < 6000; i++)
        rows[i] = (row){(i * 7) % 51 == 50 ? NULL : names[(i * 7) % 51], "cc", i};
    put_rows(f, "s/a.parquet", rows, 2000); /* three files, read in parallel */
    put_rows(f, "s/b.parquet", rows + 2000, 2000);
    put_rows(f, "s/c.parquet", rows + 4000, 2000);
    free(rows);
    tarn_buf want;
    tarn_buf_init(&want, 0);
    tarn_buf_appendf(&want, "code:string,n:int\n");
    for (int i = 0; i < 6000; i++)
        if ((i * 7) % 51 == 7)
            tarn_buf_appendf(&want, "cc|%d\n", i);
    tarn_job_result res;
    tarn_error err = {0};
    assert_int_equal(run(f, &res, &err, "source_path", "s3://silver/s/", "target_path",
                         "s3://gold/mem/", "partition_keys", "country", NULL), TARN_OK);
    assert_null(strstr(f->log, "spilled"));
    tarn_job_result_free(&res);
    assert_int_equal(run(f, &res, &err, "source_path", "s3://silver/s/", "target_path",
                         "s3://gold/disk/", "partition_keys", "country", "memory_budget_bytes",
                         "8192", NULL), TARN_OK);
    assert_non_null(strstr(f->log, "spilled"));
    assert_int_equal(res.partitions, 51);
    tarn_job_result_free(&res);
    char *a = tree_text(f, "mem/"), *b = tree_text(f, "disk/");
    if (strcmp(a, b) != 0) {
        FILE *fa = fopen("/tmp/jobs_tree_a", "w"), *fb = fopen("/tmp/jobs_tree_b", "w");
        fputs(a, fa);
        fputs(b, fb);
        fclose(fa);
        fclose(fb);
    }
    assert_string_equal(a, b);
    free(a);
    free(b);
    char *t = table_text(f, "gold", "disk/country=land 07/part-00000.parquet");
    assert_string_equal(t, want.data);
    free(t);
    tarn_buf_free(&want);
    /* and byte for byte */
    char *k = keys(f, "gold", "mem/");
    for (char *line = k, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        *nl = '\0';
        char other[512], *x, *y;
        size_t nx, ny;
        snprintf(other, sizeof other, "disk/%s", line + 4);
        assert_int_equal(tarn_object_get(f->st, "gold", line, 0, -1, &x, &nx, &err), TARN_OK);
        assert_int_equal(tarn_object_get(f->st, "gold", other, 0, -1, &y, &ny, &err), TARN_OK);
        assert_int_equal(nx, ny);
        assert_memory_equal(x, y, nx);
        free(x);
        free(y);
    }
    free(k);
}

static void argument_errors(void **state)
{
    fixture *f = *state;
    put_rows(f, "t/in.parquet", sample, 8);
    tarn_job_result res;
    tarn_error err = {0};
    assert_int_equal(run(f, &res, &err, "source_path", "s3://silver/t/", "target_path",
                         "s3://gold/t/", "partition_keys", "region", NULL), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "'region'"));
    assert_non_null(strstr(err.msg, "country, code, n"));
    tarn_job_result_free(&res);
    assert_int_equal(run(f, &res, &err, "source_path", "s3://silver/t/", "target_path",
                         "s3://gold/t/", "partition_keys", "country,code,n", NULL), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "every column"));
    tarn_job_result_free(&res);
    assert_int_equal(run(f, &res, &err, "source_path", "s3://silver/t/", "target_path",
                         "s3://gold/t/", "partition_keys", "country,Country", NULL), TARN_ERR_INVALID);
    tarn_job_result_free(&res);
    assert_int_equal(run(f, &res, &err, "source_path", "s3://silver/t/", "target_path",
                         "s3://gold/t/", NULL), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "--partition_keys"));
    tarn_job_result_free(&res);
    char *k = keys(f, "gold", "");
    assert_string_equal(k, "");
    free(k);
}

/* Every key under prefix with its ETag (the MD5 of its bytes). */
static char *tree_md5(fixture *f, const char *prefix)
{
    char *k = keys(f, "gold", prefix);
    tarn_buf out;
    tarn_buf_init(&out, 0);
    for (char *line = k, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        *nl = '\0';
        tarn_object_info info;
        tarn_error err = {0};
        assert_int_equal(tarn_object_head(f->st, "gold", line, &info, &err), TARN_OK);
        assert_int_equal(strlen(info.etag), 34);
        tarn_buf_appendf(&out, "%s %s\n", line, info.etag);
    }
    free(k);
    return out.data;
}

static void overwrite_replaces_every_partition(void **state)
{
    fixture *f = *state;
    put_rows(f, "t/in.parquet", sample, 8);
    tarn_job_result res;
    tarn_error err = {0};
    assert_int_equal(run(f, &res, &err, "source_path", "s3://silver/t/", "target_path",
                         "s3://gold/t/", "partition_keys", "country", NULL), TARN_OK);
    tarn_job_result_free(&res);
    char *first = tree_md5(f, "t/");
    assert_int_equal(run(f, &res, &err, "source_path", "s3://silver/t/", "target_path",
                         "s3://gold/t/", "partition_keys", "country", NULL), TARN_OK);
    tarn_job_result_free(&res);
    char *again = tree_md5(f, "t/");
    assert_string_equal(first, again); /* a rerun gives the same bytes */
    free(first);
    free(again);
    const row fewer[] = {{"France", "FR", 9}, {"Spain", "ES", 10}};
    put_rows(f, "t/in.parquet", fewer, 2);
    assert_int_equal(run(f, &res, &err, "source_path", "s3://silver/t/", "target_path",
                         "s3://gold/t/", "partition_keys", "country", NULL), TARN_OK);
    tarn_job_result_free(&res);
    char *k = keys(f, "gold", "");
    assert_string_equal(k, "t/country=France/part-00000.parquet\n"
                           "t/country=Spain/part-00000.parquet\n");
    free(k);
    char *t = table_text(f, "gold", "t/country=France/part-00000.parquet");
    assert_string_equal(t, "code:string,n:int\nFR|9\n");
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(folders_are_hive_escaped, setup, teardown),
        cmocka_unit_test_setup_teardown(several_keys_and_file_size, setup, teardown),
        cmocka_unit_test_setup_teardown(spilling_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(argument_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(overwrite_replaces_every_partition, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
