/*
** job.c: what every built-in job shares: dispatch by command name,
** logging, access checks, results and their summary, and the target and
** source prefix rules. The jobs themselves are in extract.c, clean.c and
** repartition.c; staging and publishing in commit.c.
*/
#include "jobs/jobs_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

uint64_t tarn_jobs_test_hash_mask = ~(uint64_t)0;
int tarn_jobs_test_commit_stop = -1;
int tarn_jobs_test_dedupe_path = 0;

void jobs_log(const tarn_job_env *env, const char *fmt, ...)
{
    if (!env->log)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    env->log(env->log_ud, line);
}

int jobs_allow(const tarn_job_env *env, const char *action, const char *bucket, const char *key,
               tarn_error *err)
{
    if (!env->allow)
        return TARN_OK;
    tarn_error e = {0};
    if (env->allow(env->allow_ud, action, bucket, key, &e) == TARN_OK)
        return TARN_OK;
    if (e.msg[0])
        return tarn_error_set(err, TARN_ERR_ACCESS, "%s", e.msg);
    return tarn_error_set(err, TARN_ERR_ACCESS,
                          "AccessDenied: the job's role may not %s on s3://%s/%s (grant it "
                          "in the role's policy)", action, bucket, key);
}

int jobs_nthreads(const tarn_job_env *env)
{
    return env->nthreads > 0 ? env->nthreads : tarn_cpu_count();
}

void jobs_result_add_file(tarn_job_result *res, const char *bucket, const char *key,
                          int64_t bytes, int64_t rows)
{
    res->files = tarn_xrealloc(res->files, (size_t)(res->nfiles + 1) * sizeof *res->files);
    tarn_job_file *f = &res->files[res->nfiles++];
    f->uri = tarn_xasprintf("s3://%s/%s", bucket, key);
    f->bytes = bytes;
    f->rows = rows;
    res->bytes_out += bytes;
}

void jobs_summary(tarn_job_result *res, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    char *s = tarn_xasprintf("%s%s\n", res->summary ? res->summary : "", line);
    free(res->summary);
    res->summary = s;
}

const char *jobs_bytes_str(int64_t n, char *buf, size_t size)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%lld bytes", (long long)n);
    else
        snprintf(buf, size, "%.1f %s", v, units[u]);
    return buf;
}

void tarn_job_result_free(tarn_job_result *res)
{
    if (!res)
        return;
    for (int i = 0; i < res->ncols; i++)
        free(res->cols[i].name);
    for (int i = 0; i < res->nfiles; i++)
        free(res->files[i].uri);
    free(res->cols);
    free(res->files);
    free(res->summary);
    memset(res, 0, sizeof *res);
}

int jobs_prefix_parse(const char *what, const char *uri, tarn_uri *out, tarn_error *err)
{
    if (!tarn_is_s3_uri(uri))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "--%s '%s': expected an s3://bucket/prefix/ location", what, uri);
    int rc = tarn_uri_parse(uri, out, err);
    if (rc) {
        tarn_error_prefix(err, "--%s: ", what);
        return rc;
    }
    size_t n = strlen(out->key);
    if (n && out->key[n - 1] != '/') {
        if (n + 1 > TARN_KEY_MAX)
            return tarn_error_set(err, TARN_ERR_INVALID, "--%s '%s': key too long", what, uri);
        out->key[n] = '/';
        out->key[n + 1] = '\0';
    }
    return TARN_OK;
}

int jobs_check_disjoint(const tarn_uri *src, const tarn_uri *dst, tarn_error *err)
{
    if (strcmp(src->bucket, dst->bucket) != 0)
        return TARN_OK;
    size_t a = strlen(src->key), b = strlen(dst->key);
    size_t n = a < b ? a : b;
    if (strncmp(src->key, dst->key, n) != 0)
        return TARN_OK;
    return tarn_error_set(err, TARN_ERR_INVALID,
                          "the source s3://%s/%s and the target s3://%s/%s overlap; a job "
                          "replaces everything under its target, so give it a separate prefix",
                          src->bucket, src->key, dst->bucket, dst->key);
}

/* ---- dispatch ---- */

static int run_extract(const tarn_job_args *a, const tarn_job_env *env, tarn_job_result *res,
                       tarn_error *err)
{
    tarn_extract_args x;
    int rc = tarn_extract_args_parse(a, &x, err);
    return rc ? rc : tarn_job_extract(&x, env, res, err);
}

static int run_clean(const tarn_job_args *a, const tarn_job_env *env, tarn_job_result *res,
                     tarn_error *err)
{
    tarn_clean_args x;
    int rc = tarn_clean_args_parse(a, &x, err);
    if (!rc)
        rc = tarn_job_clean(&x, env, res, err);
    tarn_clean_args_free(&x);
    return rc;
}

static int run_repartition(const tarn_job_args *a, const tarn_job_env *env,
                           tarn_job_result *res, tarn_error *err)
{
    tarn_repartition_args x;
    int rc = tarn_repartition_args_parse(a, &x, err);
    if (!rc)
        rc = tarn_job_repartition(&x, env, res, err);
    tarn_repartition_args_free(&x);
    return rc;
}

static const struct {
    const char *name;
    int (*run)(const tarn_job_args *, const tarn_job_env *, tarn_job_result *, tarn_error *);
} builtins[] = {
    {"tarn.extract", run_extract},
    {"tarn.clean", run_clean},
    {"tarn.repartition", run_repartition},
};

bool tarn_job_is_builtin(const char *command)
{
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (strcmp(command, builtins[i].name) == 0)
            return true;
    return false;
}

int tarn_job_run(const char *command, const tarn_job_args *args, const tarn_job_env *env,
                 tarn_job_result *res, tarn_error *err)
{
    memset(res, 0, sizeof *res);
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (strcmp(command, builtins[i].name) == 0)
            return builtins[i].run(args, env, res, err);
    return tarn_error_set(err, TARN_ERR_INVALID,
                          "unknown job command '%s': the built-in ones are tarn.extract, "
                          "tarn.clean and tarn.repartition", command);
}
