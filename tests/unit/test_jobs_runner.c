/*
** test_jobs_runner.c: the job runner (jobs/runner*.c, pythonshell.c) and
** the roles it loads (iam/role_load.c). Each test gets a fresh home with
** buckets raw, silver and scripts, roles and jobs put straight into
** catalog.db, and runs jobs in child processes as `tarn job run` does:
** success with its recorded counts, arguments and log; failure; a denied
** access that keeps the previous output; refused starts (missing job,
** glueetl, unknown command, missing or untrusting role, MaxConcurrentRuns);
** timeout; a crashed child; retries chained by previous_run_id;
** pythonshell success, failure and a denied script; stop; reaping runs a
** dead process left (also at every start); the detached start of
** `--no-wait`; the job listing; and loading roles by name or ARN.
*/
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"
#include "iam/iam.h"
#include "jobs/jobs.h"

#define OK(x) assert_int_equal((x), TARN_OK)
#define E (&(tarn_error){0})

static const char TRUST_GLUE[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
    "{\"Service\":\"glue.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";
static const char TRUST_EC2[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
    "{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";
static const char ALLOW_ALL[] =
    "[{\"PolicyName\":\"all\",\"PolicyDocument\":{\"Version\":\"2012-10-17\",\"Statement\":"
    "[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}}]";
static const char READ_ONLY[] =
    "[{\"PolicyName\":\"read\",\"PolicyDocument\":{\"Version\":\"2012-10-17\",\"Statement\":"
    "[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:ListBucket\"],\"Resource\":\"*\"}]}}]";
static const char NO_SCRIPTS[] =
    "[{\"PolicyName\":\"data\",\"PolicyDocument\":{\"Version\":\"2012-10-17\",\"Statement\":"
    "[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"NotResource\":\"arn:aws:s3:::scripts/*\"}]}}]";

static const char CSV[] = "id,Full Name\n1,ann\n1,ann\n2,bob\nx,cy\n";

typedef struct fixture {
    char home[64];
    tarn_store *st;
    tarn_catalog *cat;
    tarn_runner_env env;
} fixture;

static void put_role(fixture *f, const char *name, const char *trust, const char *inline_json,
                     bool replace)
{
    char arn[200];
    snprintf(arn, sizeof arn, "arn:aws:iam::000000000000:role/%s", name);
    tarn_cat_role r = {.name = (char *)name, .arn = arn, .trust_policy = (char *)trust,
                       .inline_policies = (char *)inline_json, .managed_arns = "[]"};
    OK(tarn_catalog_role_put(f->cat, &r, replace, E));
}

static void put_job(fixture *f, const char *name, const char *command, const char *script,
                    const char *role, const char *defaults, int64_t retries, int64_t concurrent)
{
    tarn_cat_job j = {.name = (char *)name, .command_name = (char *)command,
                      .script_location = (char *)script, .role = (char *)role,
                      .default_args = (char *)defaults, .max_retries = retries,
                      .max_concurrent_runs = concurrent};
    OK(tarn_catalog_job_put(f->cat, &j, true, E));
}

static void put(fixture *f, const char *bucket, const char *key, const char *text)
{
    OK(tarn_object_put(f->st, bucket, key, text, strlen(text), E));
}

#define CLEAN_ARGS "{\"--source_path\":\"s3://raw/in/\",\"--target_path\":\"s3://silver/out/\"," \
                   "\"--cast\":\"id:bigint\"}"

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->home, sizeof f->home, "/tmp/tarn-runner-test-XXXXXX");
    if (!mkdtemp(f->home))
        return -1;
    tarn_error err = {0};
    if (tarn_store_open(&f->st, f->home, &err) || tarn_catalog_open(f->home, &f->cat, &err))
        return -1;
    const char *buckets[] = {"raw", "silver", "scripts"};
    for (int i = 0; i < 3; i++)
        if (tarn_bucket_create(f->st, buckets[i], &err))
            return -1;
    f->env = (tarn_runner_env){f->home, f->st, f->cat};
    put_role(f, "GlueRole", TRUST_GLUE, ALLOW_ALL, false);
    put(f, "raw", "in/data.csv", CSV);
    put_job(f, "clean", "tarn.clean", NULL, "arn:aws:iam::000000000000:role/GlueRole",
            CLEAN_ARGS, 0, 1);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tarn_catalog_close(f->cat);
    tarn_store_close(f->st);
    test_rmtree(f->home);
    free(f);
    return 0;
}

static tarn_cat_job_run get_run(fixture *f, const char *id)
{
    tarn_cat_job_run r;
    OK(tarn_catalog_job_run_get(f->cat, id, &r, E));
    return r;
}

static char *read_file(const char *path)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static size_t run_count(fixture *f, const char *job)
{
    tarn_cat_job_run *rs = NULL;
    size_t n = 0;
    OK(tarn_catalog_job_run_list(f->cat, job, &rs, &n, E));
    tarn_cat_job_run_list_free(rs, n);
    return n;
}

/* Whether the run's scratch folder (its pythonshell script) is gone. */
static bool scratch_gone(fixture *f, const char *id)
{
    char dir[200];
    snprintf(dir, sizeof dir, "%s/tmp/job-%s", f->home, id);
    struct stat sb;
    return stat(dir, &sb) != 0;
}

/* ---- built-in jobs ---- */

static void test_success_recorded(void **state)
{
    fixture *f = *state;
    tarn_job_args args;
    tarn_job_args_init(&args);
    tarn_job_args_set(&args, "--cast", "id:string");   /* the run's own wins */
    tarn_job_args_set(&args, "--WORKFLOW_NAME", "wf");
    tarn_job_start_opts o = {.args = &args, .trigger_name = "t-start",
                             .workflow_run_id = "wr_1"};
    char id[TARN_CATALOG_ID_MAX];
    OK(tarn_job_run_wait(&f->env, "clean", &o, id, E));
    tarn_job_args_free(&args);
    tarn_cat_job_run r = get_run(f, id);
    assert_int_equal(r.state, TARN_JOB_SUCCEEDED);
    assert_int_equal(r.attempt, 0);
    assert_int_equal(r.rows_in, 4);
    assert_int_equal(r.rows_out, 3);
    assert_int_equal(r.values_nulled, 0);  /* id stayed a string */
    assert_true(r.bytes_in > 0 && r.bytes_out > 0);
    assert_true(r.pid > 0 && r.pid != getpid());
    assert_true(r.completed_on >= r.started_on && r.started_on > 0);
    assert_null(r.error_message);
    assert_string_equal(r.trigger_name, "t-start");
    assert_string_equal(r.workflow_run_id, "wr_1");
    assert_non_null(strstr(r.arguments, "\"--cast\":\"id:string\""));
    assert_non_null(strstr(r.arguments, "\"--source_path\":\"s3://raw/in/\""));
    assert_non_null(strstr(r.arguments, "\"--JOB_NAME\":\"clean\""));
    assert_non_null(strstr(r.arguments, "\"--WORKFLOW_NAME\":\"wf\""));
    char *log = tarn_job_log_path(f->home, id);
    assert_string_equal(r.log_path, log);
    const char *text = read_file(log);
    assert_non_null(strstr(text, "tarn.clean as role"));
    assert_non_null(strstr(text, "SUCCEEDED"));
    free(log);
    char *summary = NULL;
    OK(tarn_job_run_summary(f->home, id, &summary, E));
    assert_non_null(strstr(summary, "dropped 1 duplicate rows"));
    free(summary);
    tarn_object_info info;
    OK(tarn_object_head(f->st, "silver", "out/part-00000.parquet", &info, E));
    tarn_cat_job_run_free(&r);
}

static void test_extract_file_url(void **state)
{
    fixture *f = *state;
    char path[128], args[512];
    snprintf(path, sizeof path, "%s/source.csv", f->home);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(CSV, fp);
    fclose(fp);
    snprintf(args, sizeof args, "{\"--source_url\":\"file://%s\",\"--target_path\":"
             "\"s3://raw/dl/\"}", path);
    put_job(f, "extract", "tarn.extract", NULL, "GlueRole", args, 0, 1);
    char id[TARN_CATALOG_ID_MAX];
    OK(tarn_job_run_wait(&f->env, "extract", NULL, id, E));
    tarn_cat_job_run r = get_run(f, id);
    assert_int_equal(r.state, TARN_JOB_SUCCEEDED);
    assert_int_equal(r.bytes_out, (int64_t)strlen(CSV));
    char *data = NULL;
    size_t n = 0;
    OK(tarn_object_get(f->st, "raw", "dl/source.csv", 0, -1, &data, &n, E));
    assert_int_equal(n, strlen(CSV));
    assert_memory_equal(data, CSV, n);
    free(data);
    tarn_cat_job_run_free(&r);
}

static void test_cast_errors_counted(void **state)
{
    fixture *f = *state;
    char id[TARN_CATALOG_ID_MAX];
    OK(tarn_job_run_wait(&f->env, "clean", NULL, id, E));
    tarn_cat_job_run r = get_run(f, id);
    assert_int_equal(r.values_nulled, 1);   /* "x" is not a bigint */
    assert_int_equal(r.rows_out, 3);
    tarn_cat_job_run_free(&r);
}

static void test_failure_recorded(void **state)
{
    fixture *f = *state;
    put_job(f, "bad", "tarn.clean", NULL, "GlueRole",
            "{\"--source_path\":\"s3://nosuchbucket/in/\",\"--target_path\":\"s3://silver/x/\"}",
            0, 1);
    char id[TARN_CATALOG_ID_MAX];
    tarn_error err = {0};
    assert_int_not_equal(tarn_job_run_wait(&f->env, "bad", NULL, id, &err), TARN_OK);
    assert_non_null(strstr(err.msg, "job 'bad' run jr_"));
    assert_non_null(strstr(err.msg, "FAILED: "));
    assert_non_null(strstr(err.msg, "nosuchbucket"));
    tarn_cat_job_run r = get_run(f, id);
    assert_int_equal(r.state, TARN_JOB_FAILED);
    assert_non_null(strstr(r.error_message, "nosuchbucket"));
    assert_true(r.completed_on > 0);
    assert_non_null(strstr(read_file(r.log_path), "FAILED"));
    tarn_cat_job_run_free(&r);
}

/* Every object under bucket/prefix with its bytes, as "key=bytes\n..." */
static char *snapshot(fixture *f, const char *bucket)
{
    tarn_list_request req = {0};
    tarn_list_page page = {0};
    OK(tarn_object_list(f->st, bucket, &req, &page, E));
    tarn_buf b;
    tarn_buf_init(&b, 0);
    for (size_t i = 0; i < page.nobjects; i++) {
        char *data = NULL;
        size_t n = 0;
        OK(tarn_object_get(f->st, bucket, page.objects[i].key, 0, -1, &data, &n, E));
        tarn_buf_appendf(&b, "%s=", page.objects[i].key);
        tarn_buf_append(&b, data, n);
        tarn_buf_putc(&b, '\n');
        free(data);
    }
    tarn_list_page_free(&page);
    return b.data;
}

static void test_access_denied_keeps_output(void **state)
{
    fixture *f = *state;
    OK(tarn_job_run_wait(&f->env, "clean", NULL, NULL, E));
    char *before = snapshot(f, "silver");
    assert_non_null(strstr(before, "out/part-00000.parquet="));
    put_role(f, "GlueRole", TRUST_GLUE, READ_ONLY, true);
    put(f, "raw", "in/more.csv", "id,Full Name\n7,dee\n");
    char id[TARN_CATALOG_ID_MAX];
    tarn_error err = {0};
    assert_int_equal(tarn_job_run_wait(&f->env, "clean", NULL, id, &err), TARN_ERR_ACCESS);
    tarn_cat_job_run r = get_run(f, id);
    assert_int_equal(r.state, TARN_JOB_FAILED);
    const char *m = r.error_message;
    assert_non_null(strstr(m, "AccessDenied: role 'GlueRole'"));
    assert_non_null(strstr(m, "s3:PutObject"));
    assert_non_null(strstr(m, "arn:aws:s3:::silver/out/"));
    char *after = snapshot(f, "silver");
    assert_string_equal(before, after);
    free(before);
    free(after);
    tarn_cat_job_run_free(&r);
}

static void test_retries_chain(void **state)
{
    fixture *f = *state;
    put_job(f, "flaky", "tarn.clean", NULL, "GlueRole",
            "{\"--source_path\":\"s3://nosuchbucket/\",\"--target_path\":\"s3://silver/y/\"}", 2,
            1);
    char id[TARN_CATALOG_ID_MAX];
    assert_int_not_equal(tarn_job_run_wait(&f->env, "flaky", NULL, id, E), TARN_OK);
    tarn_cat_job_run *rs = NULL;
    size_t n = 0;
    OK(tarn_catalog_job_run_list(f->cat, "flaky", &rs, &n, E));
    assert_int_equal(n, 3);
    /* newest first: attempts 2, 1, 0, each retrying the one after it */
    assert_string_equal(rs[0].id, id);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(rs[i].attempt, 2 - (int64_t)i);
        assert_int_equal(rs[i].state, TARN_JOB_FAILED);
        if (i < 2)
            assert_string_equal(rs[i].previous_run_id, rs[i + 1].id);
        else
            assert_null(rs[i].previous_run_id);
        assert_non_null(strstr(rs[i].arguments, "--JOB_NAME"));
    }
    tarn_cat_job_run_list_free(rs, n);
}

/* ---- refused starts ---- */

static void expect_refused(fixture *f, const char *job, int code, const char *const *parts)
{
    tarn_job_handle *h = (tarn_job_handle *)1;
    tarn_error err = {0};
    assert_int_equal(tarn_job_start(&f->env, job, NULL, &h, &err), code);
    assert_null(h);
    for (const char *const *p = parts; *p; p++)
        if (!strstr(err.msg, *p))
            fail_msg("'%s' not in '%s'", *p, err.msg);
}

static void test_refused_starts(void **state)
{
    fixture *f = *state;
    expect_refused(f, "nosuch", TARN_ERR_NOTFOUND,
                   (const char *[]){"EntityNotFoundException: job 'nosuch' does not exist", NULL});
    put_job(f, "spark", "glueetl", "s3://scripts/x.py", "GlueRole", NULL, 0, 1);
    expect_refused(f, "spark", TARN_ERR_UNSUPPORTED,
                   (const char *[]){"glueetl", "tarn.clean", "tarn.repartition", "pythonshell",
                                    NULL});
    put_job(f, "odd", "fortran", NULL, "GlueRole", NULL, 0, 1);
    expect_refused(f, "odd", TARN_ERR_INVALID, (const char *[]){"unknown Command.Name 'fortran'",
                                                                "pythonshell", NULL});
    put_job(f, "norole", "tarn.clean", NULL, "Ghost", CLEAN_ARGS, 0, 1);
    expect_refused(f, "norole", TARN_ERR_NOTFOUND,
                   (const char *[]){"job 'norole'", "role 'Ghost' does not exist", NULL});
    put_role(f, "Ec2Role", TRUST_EC2, ALLOW_ALL, false);
    put_job(f, "ec2", "tarn.clean", NULL, "Ec2Role", CLEAN_ARGS, 0, 1);
    expect_refused(f, "ec2", TARN_ERR_ACCESS, (const char *[]){"role 'Ec2Role' cannot be given",
                                                               "glue.amazonaws.com",
                                                               "sts:AssumeRole", NULL});
    put_job(f, "noscript", "pythonshell", NULL, "GlueRole", NULL, 0, 1);
    expect_refused(f, "noscript", TARN_ERR_INVALID,
                   (const char *[]){"Command.ScriptLocation", NULL});
    const char *jobs[] = {"spark", "odd", "norole", "ec2", "noscript"};
    for (int i = 0; i < 5; i++)
        assert_int_equal(run_count(f, jobs[i]), 0);
}

/* ---- pythonshell ---- */

static const char SLEEP_PY[] = "import time\nprint('sleeping', flush=True)\ntime.sleep(60)\n";

static void test_pythonshell_success(void **state)
{
    fixture *f = *state;
    put(f, "scripts", "hello.py",
        "import os, sys\nprint('hello from python')\nprint('argv', ' '.join(sys.argv[1:]))\n"
        "print('home', os.environ['TARN_HOME'])\nprint('bin', os.environ['TARN_BIN'])\n"
        "print('script', os.path.abspath(sys.argv[0]))\n"
        "sys.stderr.write('a warning\\n')\n");
    put_job(f, "py", "pythonshell", "s3://scripts/hello.py", "GlueRole",
            "{\"--greeting\":\"hi there\"}", 0, 1);
    char id[TARN_CATALOG_ID_MAX];
    OK(tarn_job_run_wait(&f->env, "py", NULL, id, E));
    tarn_cat_job_run r = get_run(f, id);
    assert_int_equal(r.state, TARN_JOB_SUCCEEDED);
    const char *log = read_file(r.log_path);
    assert_non_null(strstr(log, "hello from python"));
    assert_non_null(strstr(log, "--greeting hi there"));
    char want[256];
    snprintf(want, sizeof want, "--JOB_RUN_ID %s", id);
    assert_non_null(strstr(log, want));
    assert_non_null(strstr(log, "--JOB_NAME py"));
    snprintf(want, sizeof want, "home %s\n", f->home);
    assert_non_null(strstr(log, want));
    assert_non_null(strstr(log, "bin /"));
    assert_non_null(strstr(log, "a warning"));
    snprintf(want, sizeof want, "script %s/tmp/job-%s/hello.py\n", f->home, id);
    assert_non_null(strstr(log, want));
    assert_true(scratch_gone(f, id));
    tarn_cat_job_run_free(&r);
}

static void test_pythonshell_failure(void **state)
{
    fixture *f = *state;
    put(f, "scripts", "boom.py", "import sys\nprint('working')\n"
                                 "sys.stderr.write('line one\\nboom: bad input\\n')\nsys.exit(3)\n");
    put_job(f, "boom", "pythonshell", "s3://scripts/boom.py", "GlueRole", NULL, 0, 1);
    char id[TARN_CATALOG_ID_MAX];
    tarn_error err = {0};
    assert_int_not_equal(tarn_job_run_wait(&f->env, "boom", NULL, id, &err), TARN_OK);
    tarn_cat_job_run r = get_run(f, id);
    assert_int_equal(r.state, TARN_JOB_FAILED);
    assert_non_null(strstr(r.error_message, "s3://scripts/boom.py exited with status 3"));
    assert_non_null(strstr(r.error_message, "line one | boom: bad input"));
    assert_non_null(strstr(err.msg, "boom: bad input"));
    assert_non_null(strstr(read_file(r.log_path), "working"));
    tarn_cat_job_run_free(&r);
}

static void test_pythonshell_script_denied(void **state)
{
    fixture *f = *state;
    put(f, "scripts", "hello.py", "print('never')\n");
    put_role(f, "NoScripts", TRUST_GLUE, NO_SCRIPTS, false);
    put_job(f, "py", "pythonshell", "s3://scripts/hello.py", "NoScripts", NULL, 0, 1);
    char id[TARN_CATALOG_ID_MAX];
    assert_int_equal(tarn_job_run_wait(&f->env, "py", NULL, id, E), TARN_ERR_ACCESS);
    tarn_cat_job_run r = get_run(f, id);
    assert_non_null(strstr(r.error_message, "AccessDenied: role 'NoScripts'"));
    assert_non_null(strstr(r.error_message, "s3:GetObject"));
    assert_non_null(strstr(r.error_message, "arn:aws:s3:::scripts/hello.py"));
    tarn_cat_job_run_free(&r);
    put_job(f, "gone", "pythonshell", "s3://scripts/missing.py", "GlueRole", NULL, 0, 1);
    assert_int_not_equal(tarn_job_run_wait(&f->env, "gone", NULL, id, E), TARN_OK);
    r = get_run(f, id);
    assert_int_equal(r.state, TARN_JOB_FAILED);
    assert_non_null(strstr(r.error_message, "fetching the script s3://scripts/missing.py"));
    tarn_cat_job_run_free(&r);
}

/* ---- timeout, crash, stop, concurrency ---- */

static void test_timeout(void **state)
{
    fixture *f = *state;
    put(f, "scripts", "sleep.py", SLEEP_PY);
    put_job(f, "slow", "pythonshell", "s3://scripts/sleep.py", "GlueRole", NULL, 2, 1);
    tarn_job_start_opts o = {.timeout_ms = 300};
    char id[TARN_CATALOG_ID_MAX];
    tarn_error err = {0};
    assert_int_equal(tarn_job_run_wait(&f->env, "slow", &o, id, &err), TARN_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "TIMEOUT"));
    tarn_cat_job_run r = get_run(f, id);
    assert_int_equal(r.state, TARN_JOB_TIMEOUT);
    assert_non_null(strstr(r.error_message, "timed out"));
    assert_non_null(strstr(read_file(r.log_path), "timed out"));
    assert_int_equal(run_count(f, "slow"), 1);   /* no retry after TIMEOUT */
    assert_true(scratch_gone(f, id));
    tarn_cat_job_run_free(&r);
}

/* Start job and poll until its child has recorded RUNNING; returns the
** child's pid. */
static pid_t start_running(fixture *f, const char *job, tarn_job_handle **h)
{
    OK(tarn_job_start(&f->env, job, NULL, h, E));
    for (int i = 0; i < 3000; i++) {
        tarn_cat_job_run r = get_run(f, tarn_job_handle_run_id(*h));
        pid_t pid = r.state == TARN_JOB_RUNNING ? (pid_t)r.pid : 0;
        tarn_cat_job_run_free(&r);
        if (pid)
            return pid;
        usleep(10000);
    }
    fail_msg("the run never became RUNNING");
    return 0;
}

static void test_crash(void **state)
{
    fixture *f = *state;
    put(f, "scripts", "sleep.py", SLEEP_PY);
    put_job(f, "slow", "pythonshell", "s3://scripts/sleep.py", "GlueRole", NULL, 0, 1);
    tarn_job_handle *h = NULL;
    pid_t pid = start_running(f, "slow", &h);
    kill(pid, SIGKILL);
    bool done = false;
    tarn_job_state st = TARN_JOB_RUNNING;
    while (!done)
        OK(tarn_job_poll(h, 1000, &done, &st, E));
    assert_int_equal(st, TARN_JOB_FAILED);
    tarn_cat_job_run r = get_run(f, tarn_job_handle_run_id(h));
    assert_int_equal(r.state, TARN_JOB_FAILED);
    assert_non_null(strstr(r.error_message, "run crashed: signal 9"));
    const char *log = read_file(r.log_path);
    assert_non_null(strstr(log, "pythonshell as role"));
    assert_non_null(strstr(log, "run crashed: signal 9"));
    assert_true(scratch_gone(f, r.id));
    tarn_cat_job_run_free(&r);
    tarn_job_handle_free(h);
}

static void test_concurrency_and_stop(void **state)
{
    fixture *f = *state;
    put(f, "scripts", "sleep.py", SLEEP_PY);
    put_job(f, "slow", "pythonshell", "s3://scripts/sleep.py", "GlueRole", NULL, 3, 1);
    tarn_job_handle *h = NULL;
    start_running(f, "slow", &h);
    expect_refused(f, "slow", TARN_ERR_LIMIT,
                   (const char *[]){"ConcurrentRunsExceededException", "job 'slow'",
                                    "MaxConcurrentRuns is 1", NULL});
    OK(tarn_job_stop(h, E));
    bool done = false;
    tarn_job_state st = TARN_JOB_RUNNING;
    OK(tarn_job_poll(h, 0, &done, &st, E));
    assert_true(done);
    assert_int_equal(st, TARN_JOB_STOPPED);
    tarn_cat_job_run r = get_run(f, tarn_job_handle_run_id(h));
    assert_int_equal(r.state, TARN_JOB_STOPPED);
    tarn_cat_job_run_free(&r);
    tarn_job_handle_free(h);
    assert_int_equal(run_count(f, "slow"), 1);   /* no retry after STOPPED */
    /* with the first run over, a second may start; freeing stops it */
    OK(tarn_job_start(&f->env, "slow", NULL, &h, E));
    char id[TARN_CATALOG_ID_MAX];
    memcpy(id, tarn_job_handle_run_id(h), sizeof id);
    tarn_job_handle_free(h);
    r = get_run(f, id);
    assert_int_equal(r.state, TARN_JOB_STOPPED);
    tarn_cat_job_run_free(&r);
}

static void test_cancel_stops_the_run(void **state)
{
    fixture *f = *state;
    put(f, "scripts", "sleep.py", SLEEP_PY);
    put_job(f, "slow", "pythonshell", "s3://scripts/sleep.py", "GlueRole", NULL, 2, 1);
    volatile sig_atomic_t cancel = 1;   /* as if Ctrl-C came at once */
    tarn_job_start_opts o = {.cancel = &cancel};
    char id[TARN_CATALOG_ID_MAX];
    tarn_error err = {0};
    assert_int_not_equal(tarn_job_run_wait(&f->env, "slow", &o, id, &err), TARN_OK);
    assert_non_null(strstr(err.msg, "STOPPED"));
    tarn_cat_job_run r = get_run(f, id);
    assert_int_equal(r.state, TARN_JOB_STOPPED);
    tarn_cat_job_run_free(&r);
    assert_int_equal(run_count(f, "slow"), 1);
}

/* ---- reaping and detached runs ---- */

/* Record a RUNNING run of job "clean" whose process (a child that has
** exited) is gone; returns that pid. */
static pid_t stale_run(fixture *f, char id[TARN_CATALOG_ID_MAX])
{
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    waitpid(dead, NULL, 0);
    OK(tarn_catalog_job_run_start(f->cat, "clean", NULL, 0, NULL, NULL, NULL, id, E));
    tarn_cat_job_run r = get_run(f, id);
    r.state = TARN_JOB_RUNNING;
    r.pid = dead;
    OK(tarn_catalog_job_run_update(f->cat, &r, E));
    tarn_cat_job_run_free(&r);
    return dead;
}

static void test_reap(void **state)
{
    fixture *f = *state;
    char gone[TARN_CATALOG_ID_MAX], alive[TARN_CATALOG_ID_MAX], fresh[TARN_CATALOG_ID_MAX];
    pid_t dead = stale_run(f, gone);
    OK(tarn_catalog_job_run_start(f->cat, "clean", NULL, 0, NULL, NULL, NULL, alive, E));
    OK(tarn_catalog_job_run_start(f->cat, "clean", NULL, 0, NULL, NULL, NULL, fresh, E));
    pid_t sleeper = fork();   /* a live process started with the run */
    if (sleeper == 0) {
        pause();
        _exit(0);
    }
    tarn_cat_job_run r = get_run(f, alive);
    r.state = TARN_JOB_RUNNING;
    r.pid = sleeper;
    OK(tarn_catalog_job_run_update(f->cat, &r, E));
    tarn_cat_job_run_free(&r);
    /* a live process that started an hour before its run: a reused pid */
    char reused[TARN_CATALOG_ID_MAX];
    stale_run(f, reused);
    r = get_run(f, reused);
    r.pid = sleeper;
    OK(tarn_catalog_job_run_update(f->cat, &r, E));
    tarn_cat_job_run_free(&r);
    char sql[200];
    snprintf(sql, sizeof sql, "UPDATE job_runs SET started_on = started_on + 3600000 WHERE "
             "id = '%s'", reused);
    assert_int_equal(sqlite3_exec(tarn_catalog_db(f->cat), sql, NULL, NULL, NULL), SQLITE_OK);
    char dir[200];
    snprintf(dir, sizeof dir, "%s/tmp", f->home);
    mkdir(dir, 0755);
    snprintf(dir, sizeof dir, "%s/tmp/job-%s", f->home, gone);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(dir, sizeof dir, "%s/tmp/job-%s/script.py", f->home, gone);
    fclose(fopen(dir, "w"));
    OK(tarn_job_runs_reap(f->cat, E));
    assert_true(scratch_gone(f, gone));
    r = get_run(f, gone);
    assert_int_equal(r.state, TARN_JOB_FAILED);
    char want[256];
    snprintf(want, sizeof want, "run interrupted: process %d ended without recording a result",
             (int)dead);
    assert_string_equal(r.error_message, want);
    tarn_cat_job_run_free(&r);
    r = get_run(f, alive);
    assert_int_equal(r.state, TARN_JOB_RUNNING);
    tarn_cat_job_run_free(&r);
    r = get_run(f, reused);
    assert_int_equal(r.state, TARN_JOB_FAILED);
    tarn_cat_job_run_free(&r);
    kill(sleeper, SIGKILL);
    waitpid(sleeper, NULL, 0);
    r = get_run(f, fresh);   /* STARTING without a pid, just recorded */
    assert_int_equal(r.state, TARN_JOB_STARTING);
    tarn_cat_job_run_free(&r);
}

static void test_start_reaps_stale_runs(void **state)
{
    fixture *f = *state;
    char stale[TARN_CATALOG_ID_MAX];
    stale_run(f, stale);
    /* MaxConcurrentRuns is 1: the stale run must not count */
    OK(tarn_job_run_wait(&f->env, "clean", NULL, NULL, E));
    tarn_cat_job_run r = get_run(f, stale);
    assert_int_equal(r.state, TARN_JOB_FAILED);
    assert_non_null(strstr(r.error_message, "run interrupted"));
    tarn_cat_job_run_free(&r);
}

static void test_detached(void **state)
{
    fixture *f = *state;
    put(f, "scripts", "quick.py", "print('detached ok')\n");
    put_job(f, "quick", "pythonshell", "s3://scripts/quick.py", "GlueRole", NULL, 0, 1);
    char id[TARN_CATALOG_ID_MAX];
    tarn_error err = {0};
    assert_int_equal(tarn_job_start_detached(&f->env, "quick", NULL, id, &err),
                     TARN_ERR_INTERNAL);   /* the catalog must be closed first */
    tarn_catalog_close(f->cat);
    tarn_runner_env env = {f->home, NULL, NULL};
    OK(tarn_job_start_detached(&env, "quick", NULL, id, E));
    OK(tarn_catalog_open(f->home, &f->cat, E));
    assert_memory_equal(id, "jr_", 3);
    tarn_cat_job_run r = {0};
    for (int i = 0; i < 6000; i++) {
        r = get_run(f, id);
        if (tarn_job_state_final(r.state))
            break;
        tarn_cat_job_run_free(&r);
        usleep(10000);
    }
    assert_int_equal(r.state, TARN_JOB_SUCCEEDED);
    assert_non_null(strstr(read_file(r.log_path), "detached ok"));
    tarn_cat_job_run_free(&r);
    memset(&err, 0, sizeof err);
    assert_int_equal(tarn_job_start_detached(&env, "nosuch", NULL, id, &err),
                     TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "job 'nosuch' does not exist"));
}

static void test_job_list(void **state)
{
    fixture *f = *state;
    put_job(f, "another", "pythonshell", "s3://scripts/a.py", "GlueRole", NULL, 0, 1);
    char id[TARN_CATALOG_ID_MAX];
    OK(tarn_job_run_wait(&f->env, "clean", NULL, id, E));
    tarn_job_info *jobs = NULL;
    size_t n = 0;
    OK(tarn_job_list(f->cat, &jobs, &n, E));
    assert_int_equal(n, 2);
    assert_string_equal(jobs[0].name, "another");
    assert_null(jobs[0].last_run_id);
    assert_string_equal(jobs[1].name, "clean");
    assert_string_equal(jobs[1].command, "tarn.clean");
    assert_string_equal(jobs[1].last_run_id, id);
    assert_int_equal(jobs[1].last_state, TARN_JOB_SUCCEEDED);
    tarn_job_info_list_free(jobs, n);
}

/* ---- role_load.c ---- */

static void test_role_load(void **state)
{
    fixture *f = *state;
    tarn_iam_role *role = NULL;
    OK(tarn_iam_role_load(f->cat, "arn:aws:iam::000000000000:role/path/GlueRole", &role, E));
    assert_string_equal(tarn_iam_role_name(role), "GlueRole");
    assert_true(tarn_iam_can_assume(role, "glue.amazonaws.com"));
    OK(tarn_iam_s3_allow(role, "s3:PutObject", "silver", "a/b", E));
    tarn_iam_role_free(role);
    put_role(f, "Reader", TRUST_GLUE, READ_ONLY, false);
    OK(tarn_iam_role_load(f->cat, "Reader", &role, E));
    tarn_error err = {0};
    assert_int_equal(tarn_iam_s3_allow(role, "s3:PutObject", "silver", "a/b", &err),
                     TARN_ERR_ACCESS);
    assert_non_null(strstr(err.msg, "AccessDenied: role 'Reader'"));
    assert_non_null(strstr(err.msg, "arn:aws:s3:::silver/a/b"));
    OK(tarn_iam_s3_allow(role, "s3:ListBucket", "silver", "a/", E));
    tarn_iam_role_free(role);
    memset(&err, 0, sizeof err);
    assert_int_equal(tarn_iam_role_load(f->cat, "arn:aws:iam::1:role/Nobody", &role, &err),
                     TARN_ERR_NOTFOUND);
    assert_null(role);
    assert_non_null(strstr(err.msg, "role 'Nobody' does not exist"));
    memset(&err, 0, sizeof err);
    assert_int_equal(tarn_iam_role_load(f->cat, "", &role, &err), TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "no role given"));
    /* managed policies are loaded with the role */
    tarn_cat_role m = {.name = "Managed", .arn = "arn:aws:iam::000000000000:role/Managed",
                       .trust_policy = (char *)TRUST_GLUE, .inline_policies = "[]",
                       .managed_arns = "[\"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"]"};
    OK(tarn_catalog_role_put(f->cat, &m, false, E));
    OK(tarn_iam_role_load(f->cat, "Managed", &role, E));
    OK(tarn_iam_s3_allow(role, "s3:GetObject", "raw", "in/data.csv", E));
    memset(&err, 0, sizeof err);
    assert_int_equal(tarn_iam_s3_allow(role, "s3:DeleteObject", "raw", "in/data.csv", &err),
                     TARN_ERR_ACCESS);
    assert_non_null(strstr(err.msg, "s3:DeleteObject"));
    tarn_iam_role_free(role);
    /* an unknown managed policy fails the load, naming it */
    m.name = "Unknown";
    m.arn = "arn:aws:iam::000000000000:role/Unknown";
    m.managed_arns = "[\"arn:aws:iam::aws:policy/NoSuchPolicy\"]";
    OK(tarn_catalog_role_put(f->cat, &m, false, E));
    memset(&err, 0, sizeof err);
    assert_int_not_equal(tarn_iam_role_load(f->cat, "Unknown", &role, &err), TARN_OK);
    assert_null(role);
    assert_non_null(strstr(err.msg, "NoSuchPolicy"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_success_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extract_file_url, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cast_errors_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_denied_keeps_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_starts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pythonshell_success, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pythonshell_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pythonshell_script_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrency_and_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_stops_the_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_reaps_stale_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_role_load, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
