/*
** test_jobs_clean.c: the tarn.clean job (jobs/clean*.c) and what it is
** built from: snake_case names (jobs/snake.c), argument parsing, exact
** duplicate removal (in memory, with forced hash collisions, and spilled
** with a tiny memory budget), casts and their error counts, rows set
** aside in _errors/, schema widening across files, and the commit
** protocol (jobs/commit.c): reruns give the same bytes, a run that fails
** leaves the previous output as it was, and a commit stopped half way is
** finished by recovery. Each test runs against a fresh mkdtemp store.
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
#include <unistd.h>

#include "test_util.h"
#include "jobs/jobs.h"

typedef struct fixture {
    char home[64];
    tarn_store *st;
    const char *deny_action;   /* the access callback denies this... */
    const char *deny_suffix;   /* ...on keys ending with this */
    char log[8192];            /* the last run's log */
} fixture;

static void log_line(void *ud, const char *line)
{
    fixture *f = ud;
    size_t n = strlen(f->log);
    snprintf(f->log + n, sizeof f->log - n, "%s\n", line);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->home, sizeof f->home, "/tmp/tarn-clean-test-XXXXXX");
    if (!mkdtemp(f->home))
        return -1;
    tarn_error err = {0};
    if (tarn_store_open(&f->st, f->home, &err) || tarn_bucket_create(f->st, "raw", &err) ||
        tarn_bucket_create(f->st, "silver", &err))
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
    tarn_jobs_test_hash_mask = ~(uint64_t)0;
    tarn_jobs_test_commit_stop = -1;
    tarn_jobs_test_dedupe_path = 0;
    return 0;
}

static void put(fixture *f, const char *bucket, const char *key, const char *text)
{
    tarn_error err = {0};
    assert_int_equal(tarn_object_put(f->st, bucket, key, text, strlen(text), &err), TARN_OK);
}

static int deny(void *ud, const char *action, const char *bucket, const char *key, tarn_error *err)
{
    fixture *f = ud;
    size_t n = strlen(key), k = f->deny_suffix ? strlen(f->deny_suffix) : 0;
    if (f->deny_action && strcmp(action, f->deny_action) == 0 && n >= k &&
        strcmp(key + n - k, f->deny_suffix) == 0)
        return tarn_error_set(err, TARN_ERR_ACCESS, "AccessDenied: test denies %s on %s", action, key);
    return TARN_OK;
}

/* Run tarn.clean with NULL-terminated key/value pairs. */
static int run_clean(fixture *f, const char *run_id, tarn_job_result *res, tarn_error *err, ...)
{
    tarn_job_args a;
    tarn_job_args_init(&a);
    va_list ap;
    va_start(ap, err);
    for (const char *k; (k = va_arg(ap, const char *)) != NULL;)
        tarn_job_args_set(&a, k, va_arg(ap, const char *));
    va_end(ap);
    tarn_job_env env = {.store = f->st, .run_id = run_id, .allow = deny, .allow_ud = f,
                        .log = log_line, .log_ud = f, .nthreads = 2};
    f->log[0] = '\0';
    int rc = tarn_job_run("tarn.clean", &a, &env, res, err);
    tarn_job_args_free(&a);
    return rc;
}

/* An object's bytes as a string ("" if missing). */
static char *get(fixture *f, const char *bucket, const char *key)
{
    char *data = NULL;
    size_t n = 0;
    tarn_error err = {0};
    if (tarn_object_get(f->st, bucket, key, 0, -1, &data, &n, &err))
        return strdup("");
    char *s = malloc(n + 1);
    memcpy(s, data, n);
    s[n] = '\0';
    free(data);
    return s;
}

/* A Parquet object as text: "name:type,..." then one line per row,
** values separated by '|', NULL as \N. */
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
    while (tarn_reader_next(r, &b, &err) == 1) {
        for (int64_t i = 0; i < b.nrows; i++) {
            for (int c = 0; c < b.ncols; c++) {
                char v[256];
                if (!tarn_column_is_valid(&b.cols[c], i))
                    snprintf(v, sizeof v, "\\N");
                else
                    tarn_value_format(&b.cols[c], i, v, sizeof v);
                tarn_buf_appendf(&out, "%s%s", c ? "|" : "", v);
            }
            tarn_buf_putc(&out, '\n');
        }
    }
    tarn_batch_free(&b);
    tarn_reader_close(r);
    return out.data;
}

typedef struct key_list {
    char buf[4096];
} key_list;

static int add_key(void *ctx, const tarn_object_info *obj, const char *cp)
{
    key_list *l = ctx;
    if (obj)
        snprintf(l->buf + strlen(l->buf), sizeof l->buf - strlen(l->buf), "%s\n", obj->key);
    return 0;
}

/* Every key in bucket under prefix, one a line. */
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

/* ---- snake_case ---- */

static void snake_one(const char *in, const char *want)
{
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_snake_case(&b, in, strlen(in));
    assert_string_equal(b.data, want);
    tarn_buf_free(&b);
}

static void snake_case_names(void **state)
{
    snake_one("Date_reported", "date_reported");
    snake_one(" Notes ", "notes");
    snake_one("Source URL", "source_url");
    snake_one("Côte", "cote");
    snake_one("1st", "c_1st");
    snake_one("", "col");
    snake_one("%%%", "col");
    snake_one("__a__b__", "a_b");
    snake_one("Straße", "strasse");
    snake_one("Œuvre Ça", "oeuvre_ca");
    snake_one("Łódź", "lodz");
    snake_one("naïve café", "naive_cafe");
    snake_one("Cases (per 100k)", "cases_per_100k");
    snake_one("温度", "col");
    snake_one("a\xff" "b", "a_b");
}

static void snake_collisions(void **state)
{
    const char *in[] = {"A", "a", "a_2", "A ", "", "%"};
    char **out = tarn_snake_names(in, 6);
    assert_string_equal(out[0], "a");
    assert_string_equal(out[1], "a_3");
    assert_string_equal(out[2], "a_2");
    assert_string_equal(out[3], "a_4");
    assert_string_equal(out[4], "col");
    assert_string_equal(out[5], "col_2");
    tarn_snake_names_free(out, 6);
}

/* ---- arguments ---- */

static void clean_arguments(void **state)
{
    tarn_job_args a;
    tarn_job_args_init(&a);
    char *argv[] = {"--source_path", "s3://raw/x/", "--target_path=s3://silver/x/",
                    "--cast", "Amount:decimal(10,2), n:bigint", "--TempDir", "s3://tmp/",
                    "--memory_budget_bytes", "64MiB"};
    tarn_error err = {0};
    assert_int_equal(tarn_job_args_parse(&a, 9, argv, &err), TARN_OK);
    tarn_clean_args c;
    assert_int_equal(tarn_clean_args_parse(&a, &c, &err), TARN_OK);
    assert_string_equal(c.target_path, "s3://silver/x/");
    assert_int_equal(c.ncasts, 2);
    assert_string_equal(c.casts[0].column, "amount");
    assert_int_equal(c.casts[0].type.id, TARN_TYPE_DECIMAL);
    assert_int_equal(c.casts[0].type.scale, 2);
    assert_int_equal(c.casts[1].type.id, TARN_TYPE_BIGINT);
    assert_int_equal(c.memory_budget_bytes, 64LL << 20);
    tarn_clean_args_free(&c);
    tarn_job_args_set(&a, "--sourcepath", "typo");
    assert_int_equal(tarn_clean_args_parse(&a, &c, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "--sourcepath"));
    tarn_clean_args_free(&c);
    tarn_job_args_free(&a);
    char *bad[] = {"--cast"};
    assert_int_equal(tarn_job_args_parse(&a, 1, bad, &err), TARN_ERR_INVALID);
    tarn_job_args_free(&a);
}

/* ---- the job ---- */

static const char *who_csv =
    "Date_reported,Country,New_cases, Notes \n"
    "2020-01-03,France,1,\n"
    "2020-01-03,Spain,2,a\n"
    "2020-01-03,France,1,\n"
    "2020-01-04,France,3,\n"
    "2020-01-03,Spain,2,a\n"
    "2020-01-03,Spain,2,b\n";

static void clean_renames_types_and_dedupes(void **state)
{
    fixture *f = *state;
    put(f, "raw", "who/data.csv", who_csv);
    tarn_job_result res;
    tarn_error err = {0};
    assert_int_equal(run_clean(f, "r1", &res, &err, "source_path", "s3://raw/who/", "target_path",
                               "s3://silver/who", NULL), TARN_OK);
    assert_int_equal(res.rows_in, 6);
    assert_int_equal(res.duplicates, 2);
    assert_int_equal(res.rows_out, 4);
    assert_int_equal(res.nfiles, 1);
    assert_string_equal(res.files[0].uri, "s3://silver/who/part-00000.parquet");
    assert_int_equal(res.ncols, 4);
    assert_int_equal(res.cols[3].nulls, 2);
    assert_non_null(strstr(res.summary, "dropped 2 duplicate rows"));
    char *t = table_text(f, "silver", "who/part-00000.parquet");
    assert_string_equal(t, "date_reported:date,country:string,new_cases:int,notes:string\n"
                           "2020-01-03|France|1|\\N\n"
                           "2020-01-03|Spain|2|a\n"
                           "2020-01-04|France|3|\\N\n"
                           "2020-01-03|Spain|2|b\n");
    free(t);
    char *k = keys(f, "silver", "");
    assert_string_equal(k, "who/part-00000.parquet\n");
    free(k);
    tarn_job_result_free(&res);
}

/* nfiles CSV texts of n rows each with many duplicates (within and
** across files); *expect gets the distinct rows in order, found here by
** comparing text lines, independently of the job. */
static char **dup_files(int nfiles, int n, char **expect)
{
    tarn_buf want;
    tarn_buf_init(&want, 0);
    tarn_buf_appendf(&want, "a:int,b:string,c:int\n");
    char **files = calloc((size_t)nfiles, sizeof *files);
    char **seen = calloc(2000, sizeof *seen);
    int nseen = 0;
    srand(11);
    for (int k = 0; k < nfiles; k++) {
        tarn_buf csv;
        tarn_buf_init(&csv, 0);
        tarn_buf_appendf(&csv, "a,b,c\n");
        for (int i = 0; i < n; i++) {
            char line[64];
            snprintf(line, sizeof line, "%d,s%d,%d", rand() % 7, rand() % 5, rand() % 3);
            tarn_buf_appendf(&csv, "%s\n", line);
            bool dup = false;
            for (int j = 0; j < nseen && !dup; j++)
                dup = strcmp(seen[j], line) == 0;
            if (dup)
                continue;
            seen[nseen++] = strdup(line);
            for (char *p = line; *p; p++)
                if (*p == ',')
                    *p = '|';
            tarn_buf_appendf(&want, "%s\n", line);
        }
        files[k] = csv.data;
    }
    for (int j = 0; j < nseen; j++)
        free(seen[j]);
    free(seen);
    *expect = want.data;
    return files;
}

/* Rows with many duplicates; *expect gets the distinct ones in order
** (computed here by comparing the text lines, independently of the job). */
static char *dup_rows(char **expect)
{
    tarn_buf csv, want;
    tarn_buf_init(&csv, 0);
    tarn_buf_init(&want, 0);
    tarn_buf_append(&csv, "a,b,c\n", 6);
    tarn_buf_append(&want, "a:int,b:string,c:int\n", 21);
    char **seen = calloc(2000, sizeof *seen);
    int nseen = 0;
    srand(11);
    for (int i = 0; i < 2000; i++) {
        char line[64];
        snprintf(line, sizeof line, "%d,s%d,%d", rand() % 7, rand() % 5, rand() % 3);
        tarn_buf_appendf(&csv, "%s\n", line);
        bool dup = false;
        for (int j = 0; j < nseen && !dup; j++)
            dup = strcmp(seen[j], line) == 0;
        if (dup)
            continue;
        seen[nseen++] = strdup(line);
        for (char *p = line; *p; p++)
            if (*p == ',')
                *p = '|';
        tarn_buf_appendf(&want, "%s\n", line);
    }
    for (int j = 0; j < nseen; j++)
        free(seen[j]);
    free(seen);
    *expect = want.data;
    return csv.data;
}

/* Run clean on the rows in s3://raw/d/ into target; check the output is
** expect and return the part's bytes. */
static char *dedupe_run(fixture *f, const char *target, const char *budget, const char *expect)
{
    tarn_job_result res;
    tarn_error err = {0};
    char uri[64];
    snprintf(uri, sizeof uri, "s3://silver/%s/", target);
    int rc = run_clean(f, "r", &res, &err, "source_path", "s3://raw/d/", "target_path", uri,
                       "memory_budget_bytes", budget ? budget : "1GiB", NULL);
    if (rc)
        fail_msg("%s", err.msg);
    char key[64];
    snprintf(key, sizeof key, "%s/part-00000.parquet", target);
    char *t = table_text(f, "silver", key);
    if (strcmp(t, expect) != 0) {
        FILE *a = fopen("/tmp/tarn_clean_got", "w"), *b = fopen("/tmp/tarn_clean_want", "w");
        fputs(t, a);
        fputs(expect, b);
        fclose(a);
        fclose(b);
        fail_msg("%s: output differs (see /tmp/tarn_clean_got and _want)", target);
    }
    free(t);
    assert_int_equal(res.rows_in - res.duplicates, res.rows_out);
    tarn_job_result_free(&res);
    char *path = NULL;
    assert_int_equal(tarn_object_local_path(f->st, "silver", key, &path, &err), TARN_OK);
    FILE *fp = fopen(path, "rb");
    free(path);
    char *bytes = calloc(1, 1 << 20);
    fread(bytes, 1, (1 << 20) - 1, fp);
    fclose(fp);
    return bytes;
}

/* What the log says about the way duplicates were found: 1 in memory, 2
** by candidates, 3 through whole-row spill files. */
static int way_taken(const fixture *f)
{
    if (strstr(f->log, "do not fit the memory budget either"))
        return 3;
    if (strstr(f->log, "comparing them"))
        return 2;
    return strstr(f->log, "spill") ? 0 : 1;
}

static void dedupe_is_exact(void **state)
{
    fixture *f = *state;
    char *expect, *csv = dup_rows(&expect);
    put(f, "raw", "d/rows.csv", csv);
    char *plain = dedupe_run(f, "plain", NULL, expect);
    const uint64_t masks[] = {0, 3, ~(uint64_t)0};
    for (int way = 1; way <= 3; way++) {
        for (int m = 0; m < 3; m++) {
            tarn_jobs_test_dedupe_path = way;
            tarn_jobs_test_hash_mask = masks[m]; /* 0: every row has the same hash */
            char target[32];
            snprintf(target, sizeof target, "w%d_m%d", way, m);
            char *got = dedupe_run(f, target, NULL, expect);
            assert_int_equal(way_taken(f), way);
            assert_memory_equal(plain, got, 1 << 19);
            free(got);
        }
    }
    free(plain);
    free(csv);
    free(expect);
}

/* Many files of many splits each: workers read parts in parallel, the
** output keeps the input order whichever way duplicates are found. */
static void order_holds_across_parts(void **state)
{
    fixture *f = *state;
    char *expect, **files = dup_files(3, 200000, &expect);
    for (int k = 0; k < 3; k++) {
        char key[32];
        snprintf(key, sizeof key, "d/%d.csv", k);
        put(f, "raw", key, files[k]);
        free(files[k]);
    }
    free(files);
    char *plain = dedupe_run(f, "plain", NULL, expect);
    assert_int_equal(way_taken(f), 1);
    for (int way = 2; way <= 3; way++) {
        tarn_jobs_test_dedupe_path = way;
        char target[16];
        snprintf(target, sizeof target, "w%d", way);
        char *got = dedupe_run(f, target, NULL, expect);
        assert_int_equal(way_taken(f), way);
        assert_memory_equal(plain, got, 1 << 19);
        free(got);
    }
    free(plain);
    free(expect);
}

/* n rows with n/100 duplicates (rows repeated from far back). */
static char *few_dups(int n, char **expect)
{
    tarn_buf csv, want;
    tarn_buf_init(&csv, 0);
    tarn_buf_init(&want, 0);
    tarn_buf_appendf(&csv, "id,name\n");
    tarn_buf_appendf(&want, "id:int,name:string\n");
    for (int i = 0; i < n; i++) {
        int id = i % 100 == 99 ? i - 97 : i;
        tarn_buf_appendf(&csv, "%d,n%d\n", id, id);
        if (id == i)
            tarn_buf_appendf(&want, "%d|n%d\n", id, id);
    }
    *expect = want.data;
    return csv.data;
}

static void dedupe_spills_with_a_tiny_budget(void **state)
{
    fixture *f = *state;
    char *expect, *csv = few_dups(3000, &expect);
    put(f, "raw", "d/rows.csv", csv);
    char *mem = dedupe_run(f, "mem", NULL, expect);
    assert_int_equal(way_taken(f), 1);
    char *cand = dedupe_run(f, "cand", "64KiB", expect);
    assert_int_equal(way_taken(f), 2);
    assert_non_null(strstr(f->log, "60 of 3000 rows share a hash"));
    char *spill = dedupe_run(f, "spill", "4096", expect);
    assert_int_equal(way_taken(f), 3);
    assert_memory_equal(mem, cand, 1 << 19);
    assert_memory_equal(mem, spill, 1 << 19);
    tarn_jobs_test_hash_mask = 1;
    char *both = dedupe_run(f, "spill_collide", "4096", expect);
    assert_memory_equal(mem, both, 1 << 19);
    free(mem);
    free(cand);
    free(spill);
    free(both);
    free(csv);
    free(expect);
}

/* So many distinct rows that 256 spill files each pass a tiny budget:
** each is split by further hash bits, and the result is still exact. */
static void spill_files_split_when_too_big(void **state)
{
    fixture *f = *state;
    char *expect, *csv = few_dups(400000, &expect);
    put(f, "raw", "d/rows.csv", csv);
    char *mem = dedupe_run(f, "mem", NULL, expect);
    tarn_jobs_test_dedupe_path = 3;
    char *spill = dedupe_run(f, "spill", "4096", expect);
    assert_non_null(strstr(f->log, "spill files further"));
    assert_memory_equal(mem, spill, 1 << 19);
    free(mem);
    free(spill);
    free(csv);
    free(expect);
}

static void casts_count_their_errors(void **state)
{
    fixture *f = *state;
    put(f, "raw", "c/data.csv", "Id,Amount\n1,10\n2,abc\n3,\n4,5.5\n");
    tarn_job_result res;
    tarn_error err = {0};
    assert_int_equal(run_clean(f, "r", &res, &err, "source_path", "s3://raw/c/", "target_path",
                               "s3://silver/c/", "cast", "amount:int,id:bigint", NULL), TARN_OK);
    assert_int_equal(res.cols[1].cast_errors, 2);
    assert_int_equal(res.cols[1].nulls, 3);
    assert_int_equal(res.cols[0].cast_errors, 0);
    assert_non_null(strstr(res.summary, "amount: 2 values did not cast"));
    char *t = table_text(f, "silver", "c/part-00000.parquet");
    assert_string_equal(t, "id:bigint,amount:int\n1|10\n2|\\N\n3|\\N\n4|\\N\n");
    free(t);
    tarn_job_result_free(&res);
    /* the same through JSON lines, where tarn casts after reading */
    put(f, "raw", "j/data.jsonl",
        "{\"id\": 1, \"amount\": \"10\"}\n{\"id\": 2, \"amount\": \"abc\"}\n"
        "{\"id\": 3, \"amount\": null}\n{\"id\": 4, \"amount\": \"5.5\"}\n");
    assert_int_equal(run_clean(f, "r", &res, &err, "source_path", "s3://raw/j/", "target_path",
                               "s3://silver/j/", "cast", "amount:int", NULL), TARN_OK);
    assert_int_equal(res.cols[1].cast_errors, 2);
    t = table_text(f, "silver", "j/part-00000.parquet");
    assert_string_equal(t, "id:int,amount:int\n1|10\n2|\\N\n3|\\N\n4|\\N\n");
    free(t);
    tarn_job_result_free(&res);
    /* --on_cast_errors fail stops the job and publishes nothing */
    assert_int_equal(run_clean(f, "r", &res, &err, "source_path", "s3://raw/c/", "target_path",
                               "s3://silver/c2/", "cast", "amount:int", "on_cast_errors", "fail",
                               NULL), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "2 values of column 'amount' do not cast to int"));
    tarn_job_result_free(&res);
    char *k = keys(f, "silver", "c2/");
    assert_string_equal(k, "");
    free(k);
    assert_int_equal(run_clean(f, "r", &res, &err, "source_path", "s3://raw/c/", "target_path",
                               "s3://silver/c3/", "cast", "nosuch:int", NULL), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "'nosuch'"));
    tarn_job_result_free(&res);
}

static void bad_rows_go_to_errors(void **state)
{
    fixture *f = *state;
    put(f, "raw", "bad/data.csv", "a,b\n1,x\n2,y,extra\n3,\"z\"\n");
    tarn_job_result res;
    tarn_error err = {0};
    assert_int_equal(run_clean(f, "r", &res, &err, "source_path", "s3://raw/bad/", "target_path",
                               "s3://silver/bad/", NULL), TARN_OK);
    assert_int_equal(res.rows_rejected, 1);
    assert_int_equal(res.rows_out, 2);
    assert_int_equal(res.nfiles, 2);
    assert_string_equal(res.files[0].uri, "s3://silver/bad/_errors/errors.jsonl");
    tarn_job_result_free(&res);
    char *text = get(f, "silver", "bad/_errors/errors.jsonl");
    json_error_t je;
    json_t *o = json_loads(text, JSON_DISABLE_EOF_CHECK, &je);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "file")), "s3://raw/bad/data.csv");
    assert_int_equal(json_integer_value(json_object_get(o, "line")), 3);
    assert_non_null(strstr(json_string_value(json_object_get(o, "reason")), "expected 2 fields"));
    assert_string_equal(json_string_value(json_object_get(o, "text")), "2,y,extra");
    json_decref(o);
    assert_int_equal(strchr(text, '\n') - text + 1, (long)strlen(text)); /* one line */
    free(text);
    assert_int_equal(run_clean(f, "r", &res, &err, "source_path", "s3://raw/bad/", "target_path",
                               "s3://silver/bad2/", "on_bad_rows", "fail", NULL), TARN_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "s3://raw/bad/data.csv line 3: expected 2 fields"));
    tarn_job_result_free(&res);
}

static void files_widen_to_one_schema(void **state)
{
    fixture *f = *state;
    put(f, "raw", "w/1.csv", "K,V\n1,10\n");
    put(f, "raw", "w/2.csv", "k,v,w\n2,1.5,z\n");
    put(f, "raw", "w/_skip.csv", "garbage\"\n");
    put(f, "raw", "w/.hidden", "x\n");
    put(f, "raw", "w/sub/_tmp/y.csv", "q\n1\n");
    tarn_job_result res;
    tarn_error err = {0};
    assert_int_equal(run_clean(f, "r", &res, &err, "source_path", "s3://raw/w/", "target_path",
                               "s3://silver/w/", NULL), TARN_OK);
    assert_int_equal(res.files_in, 2);
    char *t = table_text(f, "silver", "w/part-00000.parquet");
    assert_string_equal(t, "k:int,v:double,w:string\n1|10|\\N\n2|1.5|z\n");
    free(t);
    tarn_job_result_free(&res);
}

static void sources_and_targets_must_not_overlap(void **state)
{
    fixture *f = *state;
    put(f, "raw", "a/x.csv", "a\n1\n");
    tarn_job_result res;
    tarn_error err = {0};
    assert_int_equal(run_clean(f, "r", &res, &err, "source_path", "s3://raw/a/", "target_path",
                               "s3://raw/a/out/", NULL), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "overlap"));
    tarn_job_result_free(&res);
    assert_int_equal(run_clean(f, "r", &res, &err, "source_path", "s3://raw/none/", "target_path",
                               "s3://silver/none/", NULL), TARN_ERR_NOTFOUND);
    tarn_job_result_free(&res);
}

static void empty_inputs(void **state)
{
    fixture *f = *state;
    put(f, "raw", "e/header.csv", "Id,Name\n");
    tarn_job_result res;
    tarn_error err = {0};
    assert_int_equal(run_clean(f, "r", &res, &err, "source_path", "s3://raw/e/", "target_path",
                               "s3://silver/e/", NULL), TARN_OK);
    assert_int_equal(res.rows_out, 0);
    tarn_job_result_free(&res);
    char *t = table_text(f, "silver", "e/part-00000.parquet");
    assert_string_equal(t, "id:string,name:string\n");
    free(t);
    put(f, "raw", "z/empty.csv", "");
    assert_int_equal(run_clean(f, "r", &res, &err, "source_path", "s3://raw/z/", "target_path",
                               "s3://silver/z/", NULL), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "no columns"));
    tarn_job_result_free(&res);
}

/* ---- publishing ---- */

static void reruns_give_the_same_bytes(void **state)
{
    fixture *f = *state;
    put(f, "raw", "who/data.csv", who_csv);
    tarn_job_result res;
    tarn_error err = {0};
    assert_int_equal(run_clean(f, "r1", &res, &err, "source_path", "s3://raw/who/", "target_path",
                               "s3://silver/who/", NULL), TARN_OK);
    tarn_job_result_free(&res);
    char *k1 = keys(f, "silver", ""), *b1 = get(f, "silver", "who/part-00000.parquet");
    size_t n1 = 0;
    {
        tarn_object_info info;
        tarn_object_head(f->st, "silver", "who/part-00000.parquet", &info, &err);
        n1 = (size_t)info.size;
    }
    assert_int_equal(run_clean(f, "r2", &res, &err, "source_path", "s3://raw/who/", "target_path",
                               "s3://silver/who/", NULL), TARN_OK);
    tarn_job_result_free(&res);
    char *k2 = keys(f, "silver", ""), *b2 = get(f, "silver", "who/part-00000.parquet");
    assert_string_equal(k1, k2);
    assert_true(n1 > 100);
    assert_memory_equal(b1, b2, n1);
    free(k1);
    free(k2);
    free(b1);
    free(b2);
}

static void a_failed_run_leaves_the_previous_output(void **state)
{
    fixture *f = *state;
    put(f, "raw", "who/data.csv", who_csv);
    put(f, "raw", "bad/data.csv", "a,b\n1,x\n2,y,extra\n");
    tarn_job_result res;
    tarn_error err = {0};
    assert_int_equal(run_clean(f, "r1", &res, &err, "source_path", "s3://raw/bad/", "target_path",
                               "s3://silver/out/", NULL), TARN_OK);
    tarn_job_result_free(&res);
    char *before = keys(f, "silver", ""), *t0 = table_text(f, "silver", "out/part-00000.parquet");
    char *e0 = get(f, "silver", "out/_errors/errors.jsonl");
    /* denied while publishing the new part */
    f->deny_action = TARN_S3_PUT_OBJECT;
    f->deny_suffix = "part-00000.parquet";
    assert_int_equal(run_clean(f, "r2", &res, &err, "source_path", "s3://raw/who/", "target_path",
                               "s3://silver/out/", NULL), TARN_ERR_ACCESS);
    assert_non_null(strstr(err.msg, "AccessDenied"));
    tarn_job_result_free(&res);
    /* denied while staging */
    f->deny_suffix = "o-000000";
    assert_int_equal(run_clean(f, "r3", &res, &err, "source_path", "s3://raw/who/", "target_path",
                               "s3://silver/out/", NULL), TARN_ERR_ACCESS);
    tarn_job_result_free(&res);
    f->deny_action = NULL;
    char *after = keys(f, "silver", ""), *t1 = table_text(f, "silver", "out/part-00000.parquet");
    char *e1 = get(f, "silver", "out/_errors/errors.jsonl");
    assert_string_equal(before, after);
    assert_string_equal(t0, t1);
    assert_string_equal(e0, e1);
    free(before);
    free(after);
    free(t0);
    free(t1);
    free(e0);
    free(e1);
    /* the next good run replaces everything, _errors/ included */
    assert_int_equal(run_clean(f, "r4", &res, &err, "source_path", "s3://raw/who/", "target_path",
                               "s3://silver/out/", NULL), TARN_OK);
    tarn_job_result_free(&res);
    char *k = keys(f, "silver", "");
    assert_string_equal(k, "out/part-00000.parquet\n");
    free(k);
}

static void recovery_finishes_or_undoes(void **state)
{
    fixture *f = *state;
    put(f, "raw", "who/data.csv", who_csv);
    put(f, "raw", "bad/data.csv", "a,b\n1,x\n2,y,extra\n");
    tarn_job_result res;
    tarn_error err = {0};
    assert_int_equal(run_clean(f, "r1", &res, &err, "source_path", "s3://raw/bad/", "target_path",
                               "s3://silver/out/", NULL), TARN_OK);
    tarn_job_result_free(&res);
    /* a commit that dies after deciding, before moving anything */
    tarn_jobs_test_commit_stop = 0;
    assert_int_equal(run_clean(f, "r2", &res, &err, "source_path", "s3://raw/who/", "target_path",
                               "s3://silver/out/", NULL), TARN_ERR_INTERNAL);
    tarn_job_result_free(&res);
    tarn_jobs_test_commit_stop = -1;
    char *k = keys(f, "silver", "");
    /* the old part stays until the new one replaces it; the old _errors/ is gone */
    assert_string_equal(k, "out/_tarn_staging/r2/_commit\nout/_tarn_staging/r2/o-000000\n"
                           "out/part-00000.parquet\n");
    char *t0 = table_text(f, "silver", "out/part-00000.parquet");
    assert_string_equal(t0, "a:int,b:string\n1|x\n");
    free(t0);
    free(k);
    /* a run that died before deciding left staged objects only */
    put(f, "silver", "out/_tarn_staging/dead/o-000000", "partial");
    tarn_job_env env = {.store = f->st};
    assert_int_equal(tarn_job_recover(&env, "s3://silver/out/", &err), TARN_OK);
    k = keys(f, "silver", "");
    assert_string_equal(k, "out/part-00000.parquet\n");
    free(k);
    char *t = table_text(f, "silver", "out/part-00000.parquet");
    assert_non_null(strstr(t, "date_reported:date"));
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(snake_case_names),
        cmocka_unit_test(snake_collisions),
        cmocka_unit_test(clean_arguments),
        cmocka_unit_test_setup_teardown(clean_renames_types_and_dedupes, setup, teardown),
        cmocka_unit_test_setup_teardown(dedupe_is_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(dedupe_spills_with_a_tiny_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(order_holds_across_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(spill_files_split_when_too_big, setup, teardown),
        cmocka_unit_test_setup_teardown(casts_count_their_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_rows_go_to_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(files_widen_to_one_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(sources_and_targets_must_not_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(reruns_give_the_same_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_run_leaves_the_previous_output, setup, teardown),
        cmocka_unit_test_setup_teardown(recovery_finishes_or_undoes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
