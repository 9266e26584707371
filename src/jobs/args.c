/*
** args.c: Glue-style job arguments: the `--key value` string map
** (tarn_job_args, jobs.h) and the typed lookups each job's argument parser
** uses (jobs_int.h): required strings, integers, byte counts, choices, and
** the check that every key is one the job knows.
*/
#include "jobs/jobs_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void tarn_job_args_init(tarn_job_args *a)
{
    memset(a, 0, sizeof *a);
}

void tarn_job_args_free(tarn_job_args *a)
{
    for (int i = 0; i < a->n; i++) {
        free(a->keys[i]);
        free(a->vals[i]);
    }
    free(a->keys);
    free(a->vals);
    memset(a, 0, sizeof *a);
}

static const char *bare_key(const char *key)
{
    return strncmp(key, "--", 2) == 0 ? key + 2 : key;
}

static int find_key(const tarn_job_args *a, const char *key)
{
    key = bare_key(key);
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->keys[i], key) == 0)
            return i;
    return -1;
}

void tarn_job_args_set(tarn_job_args *a, const char *key, const char *value)
{
    int i = find_key(a, key);
    if (i >= 0) {
        free(a->vals[i]);
        a->vals[i] = tarn_xstrdup(value);
        return;
    }
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 8;
        a->keys = tarn_xrealloc(a->keys, (size_t)a->cap * sizeof *a->keys);
        a->vals = tarn_xrealloc(a->vals, (size_t)a->cap * sizeof *a->vals);
    }
    a->keys[a->n] = tarn_xstrdup(bare_key(key));
    a->vals[a->n] = tarn_xstrdup(value);
    a->n++;
}

const char *tarn_job_args_get(const tarn_job_args *a, const char *key)
{
    int i = find_key(a, key);
    return i >= 0 ? a->vals[i] : NULL;
}

int tarn_job_args_parse(tarn_job_args *a, int argc, char *const *argv, tarn_error *err)
{
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (strncmp(w, "--", 2) != 0 || w[2] == '\0' || w[2] == '=')
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "job argument '%s' is not of the form --key value", w);
        const char *eq = strchr(w, '=');
        if (eq) {
            char *key = tarn_xstrndup(w, (size_t)(eq - w));
            tarn_job_args_set(a, key, eq + 1);
            free(key);
        } else if (i + 1 < argc) {
            tarn_job_args_set(a, w, argv[++i]);
        } else {
            return tarn_error_set(err, TARN_ERR_INVALID, "job argument '%s' has no value", w);
        }
    }
    return TARN_OK;
}

int tarn_job_parse_bytes(const char *key, const char *s, int64_t *out, tarn_error *err)
{
    static const struct { const char *suffix; int shift; } units[] = {
        {"", 0}, {"b", 0}, {"k", 10}, {"kb", 10}, {"kib", 10}, {"m", 20}, {"mb", 20},
        {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30}, {"t", 40}, {"tb", 40}, {"tib", 40},
    };
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || !isdigit((unsigned char)s[0]) || errno)
        goto bad;
    while (*end == ' ')
        end++;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(end, units[i].suffix) != 0)
            continue;
        if (v > (unsigned long long)(INT64_MAX >> units[i].shift))
            goto bad;
        *out = (int64_t)(v << units[i].shift);
        return TARN_OK;
    }
bad:
    return tarn_error_set(err, TARN_ERR_INVALID,
                          "--%s '%s': expected a byte count such as 1048576, 512MiB or 10GiB",
                          key, s);
}

/* ---- typed lookups for the jobs' parsers ---- */

int jobs_arg_required(const tarn_job_args *a, const char *key, const char **out,
                      tarn_error *err)
{
    *out = tarn_job_args_get(a, key);
    if (!*out || !**out)
        return tarn_error_set(err, TARN_ERR_INVALID, "missing job argument --%s", key);
    return TARN_OK;
}

int jobs_arg_bytes(const tarn_job_args *a, const char *key, int64_t def, int64_t min,
                   int64_t *out, tarn_error *err)
{
    const char *v = tarn_job_args_get(a, key);
    *out = def;
    if (!v)
        return TARN_OK;
    int rc = tarn_job_parse_bytes(key, v, out, err);
    if (!rc && *out < min)
        rc = tarn_error_set(err, TARN_ERR_INVALID, "--%s %s: must be at least %lld bytes", key,
                            v, (long long)min);
    return rc;
}

int jobs_arg_int(const tarn_job_args *a, const char *key, int def, int min, int max, int *out,
                 tarn_error *err)
{
    const char *v = tarn_job_args_get(a, key);
    *out = def;
    if (!v)
        return TARN_OK;
    errno = 0;
    char *end;
    long x = strtol(v, &end, 10);
    if (end == v || *end || errno || x < min || x > max)
        return tarn_error_set(err, TARN_ERR_INVALID, "--%s '%s': expected a whole number from %d to %d",
                              key, v, min, max);
    *out = (int)x;
    return TARN_OK;
}

int jobs_arg_choice(const tarn_job_args *a, const char *key, const char *const *choices,
                    int *out, tarn_error *err)
{
    const char *v = tarn_job_args_get(a, key);
    *out = 0;
    if (!v)
        return TARN_OK;
    tarn_buf list;
    tarn_buf_init(&list, 0);
    for (int i = 0; choices[i]; i++) {
        if (strcasecmp(v, choices[i]) == 0) {
            *out = i;
            tarn_buf_free(&list);
            return TARN_OK;
        }
        tarn_buf_appendf(&list, "%s%s", i ? ", " : "", choices[i]);
    }
    int rc = tarn_error_set(err, TARN_ERR_INVALID, "--%s '%s': expected one of %s", key, v, list.data);
    tarn_buf_free(&list);
    return rc;
}

int jobs_arg_codec(const tarn_job_args *a, tarn_parquet_codec *out, tarn_error *err)
{
    const char *v = tarn_job_args_get(a, "compression");
    *out = TARN_PARQUET_SNAPPY;
    if (!v)
        return TARN_OK;
    int rc = tarn_parquet_codec_parse(v, out, err);
    if (rc)
        tarn_error_prefix(err, "--compression: ");
    return rc;
}

/* Keys Glue itself or the runner passes to every job (mixed case or with
** '-', like --TempDir, --job-language, --JOB_RUN_ID), which jobs ignore. */
static bool glue_key(const char *k)
{
    for (const char *p = k; *p; p++)
        if (*p == '-' || isupper((unsigned char)*p))
            return true;
    return false;
}

int jobs_args_check(const tarn_job_args *a, const char *job, const char *const *known,
                    tarn_error *err)
{
    for (int i = 0; i < a->n; i++) {
        bool ok = glue_key(a->keys[i]);
        for (int k = 0; !ok && known[k]; k++)
            ok = strcmp(a->keys[i], known[k]) == 0;
        if (ok)
            continue;
        tarn_buf list;
        tarn_buf_init(&list, 0);
        for (int k = 0; known[k]; k++)
            tarn_buf_appendf(&list, "%s--%s", k ? ", " : "", known[k]);
        int rc = tarn_error_set(err, TARN_ERR_INVALID,
                                "%s does not take the argument --%s; it takes %s", job,
                                a->keys[i], list.data);
        tarn_buf_free(&list);
        return rc;
    }
    return TARN_OK;
}

/* Split s at commas outside parentheses ("a:decimal(10,2),b:int"),
** trimming blanks; empty items are dropped. Returns the item count;
** *items is malloc'ed with malloc'ed strings. */
int jobs_split_list(const char *s, char ***items)
{
    int n = 0, cap = 4, depth = 0;
    char **v = tarn_xmalloc((size_t)cap * sizeof *v);
    const char *start = s;
    for (const char *p = s;; p++) {
        if (*p == '(')
            depth++;
        else if (*p == ')' && depth > 0)
            depth--;
        if (*p && (*p != ',' || depth > 0))
            continue;
        const char *b = start, *e = p;
        while (b < e && isspace((unsigned char)*b))
            b++;
        while (e > b && isspace((unsigned char)e[-1]))
            e--;
        if (e > b) {
            if (n == cap)
                v = tarn_xrealloc(v, (size_t)(cap *= 2) * sizeof *v);
            v[n++] = tarn_xstrndup(b, (size_t)(e - b));
        }
        if (!*p)
            break;
        start = p + 1;
    }
    *items = v;
    return n;
}
