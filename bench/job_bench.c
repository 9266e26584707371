/*
** job_bench.c: times the clean and repartition jobs on one CSV file, the
** way the pipeline runs them (raw -> silver -> gold buckets in a store).
** Usage:
**
**     job_bench HOME CSV|ZIP|URL [THREADS [BUDGET]]
**
** HOME is a scratch store directory (created; buckets raw, silver and gold
** are made if missing). A CSV is copied into s3://raw/data/ first (not
** timed); a .zip path or an http(s) URL goes there through tarn.extract
** (timed). Prints each job's wall and CPU time, its summary and the
** process's peak resident memory so far; JOB_BENCH_LOG=1 shows the logs.
*/
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "jobs/jobs.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static long peak_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

static double t_start;

static void log_line(void *ud, const char *line)
{
    if (ud)
        fprintf(stderr, "  %7.3f | %s\n", now() - t_start, line);
}

static int run(const char *name, tarn_job_args *a, tarn_job_env *env)
{
    tarn_job_result res;
    tarn_error err = {0};
    double t0 = now(), c0 = cpu_s();
    t_start = t0;
    int rc = tarn_job_run(name, a, env, &res, &err);
    double t1 = now(), c1 = cpu_s();
    if (rc)
        fprintf(stderr, "%s failed: %s\n", name, err.msg);
    else
        printf("%-17s %7.3f s wall, %7.3f s CPU, peak RSS %ld MB\n%s", name, t1 - t0, c1 - c0,
               peak_mb(), res.summary);
    tarn_job_result_free(&res);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: job_bench HOME CSV [THREADS [BUDGET]]\n");
        return 2;
    }
    tarn_store *st;
    tarn_error err = {0};
    if (tarn_store_open(&st, argv[1], &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    const char *buckets[] = {"raw", "silver", "gold"};
    for (int i = 0; i < 3; i++)
        if (!tarn_bucket_exists(st, buckets[i]))
            tarn_bucket_create(st, buckets[i], &err);
    tarn_job_env env = {.store = st, .run_id = "bench", .log = log_line,
                        .log_ud = getenv("JOB_BENCH_LOG")};
    env.nthreads = argc > 3 ? atoi(argv[3]) : 0;
    tarn_job_args a;
    tarn_job_args_init(&a);
    size_t n = strlen(argv[2]);
    bool url = strncmp(argv[2], "http", 4) == 0;
    if (url || (n > 4 && strcmp(argv[2] + n - 4, ".zip") == 0)) {
        char *src = url ? strdup(argv[2]) : tarn_xasprintf("file://%s", realpath(argv[2], NULL));
        tarn_job_args_set(&a, "--source_url", src);
        tarn_job_args_set(&a, "--target_path", "s3://raw/data/");
        free(src);
        if (run("tarn.extract", &a, &env))
            return 1;
        tarn_job_args_free(&a);
        tarn_job_args_init(&a);
    } else if (tarn_object_put_file(st, "raw", "data/input.csv", argv[2], &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    tarn_job_args_set(&a, "--source_path", "s3://raw/data/");
    tarn_job_args_set(&a, "--target_path", "s3://silver/data/");
    if (argc > 4)
        tarn_job_args_set(&a, "--memory_budget_bytes", argv[4]);
    int rc = run("tarn.clean", &a, &env);
    tarn_job_args_free(&a);
    tarn_job_args_init(&a);
    tarn_job_args_set(&a, "--source_path", "s3://silver/data/");
    tarn_job_args_set(&a, "--target_path", "s3://gold/data/");
    tarn_job_args_set(&a, "--partition_keys", "country");
    if (argc > 4)
        tarn_job_args_set(&a, "--memory_budget_bytes", argv[4]);
    if (!rc)
        rc = run("tarn.repartition", &a, &env);
    tarn_job_args_free(&a);
    tarn_store_close(st);
    return rc ? 1 : 0;
}
