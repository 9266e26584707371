/*
** commit.c: how a job publishes its output atomically: staging objects
** under T/_tarn_staging/<run id>/, the manifest that decides a commit,
** publishing (deletes, then moves), and the recovery every run does
** first. The protocol and what a crash at each step leaves are described
** in jobs.h; this file follows it step by step.
*/
#define _GNU_SOURCE
#include "jobs/jobs_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STAGING_DIR "_tarn_staging/"
#define MANIFEST "_commit"
#define MANIFEST_MAGIC "tarn-commit 1"

/* A decided commit: staged names (relative to S) and final keys
** (relative to T), both sorted by final key. */
typedef struct manifest {
    int n;
    char **staged;
    char **keys;
} manifest;

static void manifest_free(manifest *m)
{
    for (int i = 0; i < m->n; i++) {
        free(m->staged[i]);
        free(m->keys[i]);
    }
    free(m->staged);
    free(m->keys);
    memset(m, 0, sizeof *m);
}

/* ---- manifest text ---- */

static void put_escaped(tarn_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '%' || c < 0x21 || c == 0x7F)
            tarn_buf_appendf(b, "%%%02X", c);
        else
            tarn_buf_putc(b, (char)c);
    }
}

static void manifest_text(tarn_buf *b, const char *run_id, const manifest *m)
{
    tarn_buf_appendf(b, "%s %s %d\n", MANIFEST_MAGIC, run_id, m->n);
    for (int i = 0; i < m->n; i++) {
        tarn_buf_appendf(b, "%s ", m->staged[i]);
        put_escaped(b, m->keys[i]);
        tarn_buf_putc(b, '\n');
    }
}

/* Parse a manifest; the count in its header must match its lines (puts
** are atomic, so a short manifest means damage, not a crash). */
static int manifest_parse(manifest *m, const char *text, size_t len, const char *where,
                          tarn_error *err)
{
    memset(m, 0, sizeof *m);
    const char *end = text + len, *nl = memchr(text, '\n', len);
    size_t ml = strlen(MANIFEST_MAGIC);
    if (!nl || len <= ml || strncmp(text, MANIFEST_MAGIC " ", ml + 1) != 0)
        goto bad;
    const char *sp = nl;
    while (sp > text && sp[-1] != ' ')
        sp--;
    long want = strtol(sp, NULL, 10);
    if (want < 0 || want > (long)(len / 2))
        goto bad;
    m->staged = tarn_xcalloc((size_t)want + 1, sizeof *m->staged);
    m->keys = tarn_xcalloc((size_t)want + 1, sizeof *m->keys);
    for (const char *p = nl + 1; p < end && m->n < want;) {
        const char *e = memchr(p, '\n', (size_t)(end - p)), *gap;
        if (!e || !(gap = memchr(p, ' ', (size_t)(e - p))))
            goto bad;
        tarn_buf k;
        tarn_buf_init(&k, 0);
        tarn_hive_unescape(&k, gap + 1, (size_t)(e - gap - 1));
        m->staged[m->n] = tarn_xstrndup(p, (size_t)(gap - p));
        m->keys[m->n++] = k.data ? k.data : tarn_xstrdup("");
        p = e + 1;
    }
    if (m->n == want)
        return TARN_OK;
bad:
    manifest_free(m);
    return tarn_error_set(err, TARN_ERR_CORRUPT,
                          "commit manifest %s is damaged; remove it with 'tarn s3 rm' and rerun "
                          "the job", where);
}

/* ---- listing what is under T ---- */

typedef struct key_list {
    int n, cap;
    char **keys;
    const char *skip;      /* keys starting with this are left out */
    size_t skip_len;
} key_list;

static void key_list_free(key_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->keys[i]);
    free(l->keys);
    memset(l, 0, sizeof *l);
}

static int collect_key(void *ctx, const tarn_object_info *obj, const char *common_prefix)
{
    key_list *l = ctx;
    if (!obj || (l->skip && strncmp(obj->key, l->skip, l->skip_len) == 0))
        return 0;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->keys = tarn_xrealloc(l->keys, (size_t)l->cap * sizeof *l->keys);
    }
    l->keys[l->n++] = tarn_xstrdup(obj->key);
    return 0;
}

/* Every key under prefix (after s3:ListBucket), except those under skip. */
static int list_keys(const tarn_job_env *env, const char *bucket, const char *prefix,
                     const char *skip, key_list *out, tarn_error *err)
{
    memset(out, 0, sizeof *out);
    out->skip = skip;
    out->skip_len = skip ? strlen(skip) : 0;
    int rc = jobs_allow(env, TARN_S3_LIST_BUCKET, bucket, prefix, err);
    if (rc)
        return rc;
    tarn_list_request req = {prefix, NULL, NULL, 0};
    rc = tarn_object_list_all(env->store, bucket, &req, collect_key, out, err);
    if (rc)
        key_list_free(out);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool in_sorted(char *const *keys, int n, const char *key)
{
    return n > 0 && bsearch(&key, keys, (size_t)n, sizeof *keys, cmp_str) != NULL;
}

/* ---- publishing (step 5, also what recovery redoes) ---- */

/* Move the staged object to its final key: a rename when the store keeps
** objects as local files, else copy and delete. A staged object that is
** gone was moved by an earlier attempt. */
static int move_object(const tarn_job_env *env, const char *bucket, const char *from,
                       const char *to, tarn_error *err)
{
    char *path = NULL;
    tarn_error e = {0};
    int rc = tarn_object_local_path(env->store, bucket, from, &path, &e);
    if (rc == TARN_ERR_NOTFOUND)
        return TARN_OK;
    if (rc == TARN_OK) {
        rc = tarn_object_put_move(env->store, bucket, to, path, err);
        free(path);
        return rc;
    }
    rc = tarn_object_copy(env->store, bucket, from, bucket, to, err);
    return rc ? rc : tarn_object_delete(env->store, bucket, from, err);
}

static int delete_object(const tarn_job_env *env, const char *bucket, const char *key,
                         tarn_error *err)
{
    int rc = jobs_allow(env, TARN_S3_DELETE_OBJECT, bucket, key, err);
    if (!rc)
        rc = tarn_object_delete(env->store, bucket, key, err);
    return rc == TARN_ERR_NOTFOUND ? TARN_OK : rc;
}

/* Moving staged objects into place: each move ends with the store
** flushing a folder to disk, so they run on several threads whose flushes
** the file system can share. */
#define MOVE_THREADS 8

typedef struct mover {
    const tarn_job_env *env;
    const char *bucket, *T, *S;
    const manifest *m;
    int limit;             /* move entries [0, limit) */
    atomic_int next;
    pthread_mutex_t mu;
    int rc;
    tarn_error err;
} mover;

static void *move_worker(void *arg)
{
    mover *mv = arg;
    for (;;) {
        int i = atomic_fetch_add(&mv->next, 1);
        pthread_mutex_lock(&mv->mu);
        bool stop = i >= mv->limit || mv->rc;
        pthread_mutex_unlock(&mv->mu);
        if (stop)
            break;
        char *from = tarn_xasprintf("%s%s", mv->S, mv->m->staged[i]);
        char *to = tarn_xasprintf("%s%s", mv->T, mv->m->keys[i]);
        tarn_error e = {0};
        int rc = move_object(mv->env, mv->bucket, from, to, &e);
        free(from);
        free(to);
        if (rc) {
            pthread_mutex_lock(&mv->mu);
            if (!mv->rc) {
                mv->rc = rc;
                mv->err = e;
            }
            pthread_mutex_unlock(&mv->mu);
        }
    }
    return NULL;
}

/* Move entries [0, limit) of m from S to T. */
static int move_all(const tarn_job_env *env, const char *bucket, const char *T, const char *S,
                    const manifest *m, int limit, tarn_error *err)
{
    for (int i = 0; i < limit; i++) {
        char *to = tarn_xasprintf("%s%s", T, m->keys[i]);
        int rc = jobs_allow(env, TARN_S3_PUT_OBJECT, bucket, to, err);
        free(to);
        if (rc)
            return rc;
    }
    mover mv = {env, bucket, T, S, m, limit, 0, PTHREAD_MUTEX_INITIALIZER, 0, {0}};
    int n = limit < MOVE_THREADS ? limit : MOVE_THREADS;
    pthread_t tid[MOVE_THREADS];
    int started = 0;
    for (int i = 1; i < n; i++)
        if (pthread_create(&tid[started], NULL, move_worker, &mv) == 0)
            started++;
    move_worker(&mv);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    if (mv.rc)
        *err = mv.err;
    return mv.rc;
}

/* Delete what under T is not in m (sorted), then move m's staged objects
** from S into place, then delete the manifest. */
static int publish(const tarn_job_env *env, const char *bucket, const char *T, const char *S,
                   const manifest *m, tarn_error *err)
{
    key_list old;
    char *skip = tarn_xasprintf("%s%s", T, STAGING_DIR);
    int rc = list_keys(env, bucket, T, skip, &old, err);
    free(skip);
    size_t tl = strlen(T);
    for (int i = 0; !rc && i < old.n; i++)
        if (!in_sorted(m->keys, m->n, old.keys[i] + tl))
            rc = delete_object(env, bucket, old.keys[i], err);
    key_list_free(&old);
    int stop = tarn_jobs_test_commit_stop;
    if (!rc)
        rc = move_all(env, bucket, T, S, m, stop >= 0 && stop < m->n ? stop : m->n, err);
    if (!rc && stop >= 0 && stop < m->n)
        return tarn_error_set(err, TARN_ERR_INTERNAL, "test hook: commit stopped after %d moves",
                              stop);
    if (!rc) {
        char *mk = tarn_xasprintf("%s%s", S, MANIFEST);
        rc = delete_object(env, bucket, mk, err);
        free(mk);
    }
    return rc;
}

/* ---- recovery (step 6) ---- */

static int recover_one(const tarn_job_env *env, const char *bucket, const char *T,
                       const char *S, tarn_error *err)
{
    char *mk = tarn_xasprintf("%s%s", S, MANIFEST);
    char *text = NULL;
    size_t len = 0;
    tarn_error e = {0};
    int rc = jobs_allow(env, TARN_S3_GET_OBJECT, bucket, mk, err);
    if (!rc) {
        rc = tarn_object_get(env->store, bucket, mk, 0, -1, &text, &len, &e);
        if (rc && rc != TARN_ERR_NOTFOUND)
            *err = e;
    }
    if (rc == TARN_OK) {
        manifest m;
        char *where = tarn_xasprintf("s3://%s/%s", bucket, mk);
        rc = manifest_parse(&m, text, len, where, err);
        free(where);
        if (!rc) {
            jobs_log(env, "recovery: finishing the committed run in s3://%s/%s (%d objects)",
                     bucket, S, m.n);
            rc = publish(env, bucket, T, S, &m, err);
            manifest_free(&m);
        }
    } else if (rc == TARN_ERR_NOTFOUND) {
        key_list staged;
        rc = list_keys(env, bucket, S, NULL, &staged, err);
        if (!rc && staged.n)
            jobs_log(env, "recovery: removing %d objects an unfinished run left in s3://%s/%s",
                     staged.n, bucket, S);
        for (int i = 0; !rc && i < staged.n; i++)
            rc = delete_object(env, bucket, staged.keys[i], err);
        key_list_free(&staged);
    }
    free(text);
    free(mk);
    return rc;
}

static int collect_folder(void *ctx, const tarn_object_info *obj, const char *common_prefix)
{
    key_list *l = ctx;
    if (!common_prefix)
        return 0;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->keys = tarn_xrealloc(l->keys, (size_t)l->cap * sizeof *l->keys);
    }
    l->keys[l->n++] = tarn_xstrdup(common_prefix);
    return 0;
}

/* Recover every run folder under T + "_tarn_staging/". */
static int recover_prefix(const tarn_job_env *env, const char *bucket, const char *T,
                          tarn_error *err)
{
    char *root = tarn_xasprintf("%s%s", T, STAGING_DIR);
    key_list runs = {0};
    int rc = jobs_allow(env, TARN_S3_LIST_BUCKET, bucket, root, err);
    if (!rc) {
        tarn_list_request req = {root, "/", NULL, 0};
        rc = tarn_object_list_all(env->store, bucket, &req, collect_folder, &runs, err);
    }
    for (int i = 0; !rc && i < runs.n; i++)
        rc = recover_one(env, bucket, T, runs.keys[i], err);
    key_list_free(&runs);
    free(root);
    return rc;
}

int tarn_job_recover(const tarn_job_env *env, const char *target_uri, tarn_error *err)
{
    tarn_uri t;
    int rc = jobs_prefix_parse("target_path", target_uri, &t, err);
    return rc ? rc : recover_prefix(env, t.bucket, t.key, err);
}

/* ---- the output of one run ---- */

static bool run_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 128 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

int jobs_output_open(jobs_output *o, const tarn_job_env *env, const char *target_uri,
                     tarn_error *err)
{
    memset(o, 0, sizeof *o);
    o->env = env;
    int rc = jobs_prefix_parse("target_path", target_uri, &o->target, err);
    if (rc)
        return rc;
    if (!tarn_bucket_exists(env->store, o->target.bucket))
        return tarn_error_set(err, TARN_ERR_NOTFOUND,
                              "NoSuchBucket: the target bucket '%s' does not exist (create it, "
                              "e.g. with 'tarn s3 mb s3://%s')", o->target.bucket, o->target.bucket);
    char gen[64];
    const char *id = env->run_id;
    if (!id) {
        snprintf(gen, sizeof gen, "run-%lld-%d", (long long)time(NULL), (int)getpid());
        id = gen;
    }
    if (!run_id_ok(id))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "run id '%s' may only hold letters, digits, '-', '_' and '.'", id);
    rc = recover_prefix(env, o->target.bucket, o->target.key, err);
    if (rc) {
        tarn_error_prefix(err, "recovering the output of an earlier run: ");
        return rc;
    }
    o->staging = tarn_xasprintf("%s%s%s/", o->target.key, STAGING_DIR, id);
    return TARN_OK;
}

int jobs_output_temp(jobs_output *o, const char *hint, char **path, tarn_error *err)
{
    return tarn_object_staging_path(o->env->store, hint, path, err);
}

static char *staged_name(int i)
{
    return tarn_xasprintf("o-%06d", i);
}

int jobs_output_add(jobs_output *o, const char *relkey, const char *local_path, int64_t rows,
                    tarn_error *err)
{
    const char *bucket = o->target.bucket;
    char *final = tarn_xasprintf("%s%s", o->target.key, relkey);
    int rc = tarn_key_check(final, false, err);
    if (!rc && strncmp(relkey, STAGING_DIR, strlen(STAGING_DIR)) == 0)
        rc = tarn_error_set(err, TARN_ERR_INVALID, "output name '%s' is reserved for staging", relkey);
    free(final);
    struct stat sb;
    if (!rc && stat(local_path, &sb) != 0)
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot read '%s'", local_path);
    char *name = staged_name(o->n), *key = tarn_xasprintf("%s%s", o->staging, name);
    if (!rc)
        rc = jobs_allow(o->env, TARN_S3_PUT_OBJECT, bucket, key, err);
    if (!rc)
        rc = tarn_object_put_move(o->env->store, bucket, key, local_path, err);
    free(name);
    free(key);
    if (rc)
        return rc;
    if (o->n == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 16;
        o->keys = tarn_xrealloc(o->keys, (size_t)o->cap * sizeof *o->keys);
        o->rows = tarn_xrealloc(o->rows, (size_t)o->cap * sizeof *o->rows);
        o->bytes = tarn_xrealloc(o->bytes, (size_t)o->cap * sizeof *o->bytes);
    }
    o->keys[o->n] = tarn_xstrdup(relkey);
    o->rows[o->n] = rows;
    o->bytes[o->n] = (int64_t)sb.st_size;
    o->n++;
    return TARN_OK;
}

/* The manifest of o's objects, sorted by final key; order[i] is the
** index in o of the i-th entry. */
static int cmp_index(const void *a, const void *b, void *keys)
{
    char *const *k = keys;
    return strcmp(k[*(const int *)a], k[*(const int *)b]);
}

static void build_manifest(const jobs_output *o, manifest *m, int *order)
{
    m->n = o->n;
    m->keys = tarn_xcalloc((size_t)o->n + 1, sizeof *m->keys);
    m->staged = tarn_xcalloc((size_t)o->n + 1, sizeof *m->staged);
    for (int i = 0; i < o->n; i++)
        order[i] = i;
    qsort_r(order, (size_t)o->n, sizeof *order, cmp_index, o->keys);
    for (int i = 0; i < o->n; i++) {
        m->keys[i] = tarn_xstrdup(o->keys[order[i]]);
        m->staged[i] = staged_name(order[i]);
    }
}

/* No two objects with one name, and no name that is also a folder of
** another ("a" and "a/b"): either would fail half way through publishing. */
static int check_keys(const manifest *m, tarn_error *err)
{
    for (int i = 0; i < m->n; i++) {
        if (i > 0 && strcmp(m->keys[i], m->keys[i - 1]) == 0)
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "the output would hold two objects named '%s'", m->keys[i]);
        char *k = tarn_xstrdup(m->keys[i]);
        for (char *s = strchr(k, '/'); s; s = strchr(s + 1, '/')) {
            *s = '\0';
            bool clash = in_sorted(m->keys, m->n, k);
            *s = '/';
            if (clash) {
                int rc = tarn_error_set(err, TARN_ERR_INVALID,
                                        "the output would hold '%s' both as an object and as a "
                                        "folder of '%s'", m->keys[i], k);
                free(k);
                return rc;
            }
        }
        free(k);
    }
    return TARN_OK;
}

/* Step 3: ask about every access publishing will make. */
static int check_access(const jobs_output *o, const manifest *m, tarn_error *err)
{
    const tarn_job_env *env = o->env;
    const char *b = o->target.bucket, *T = o->target.key;
    key_list old;
    char *skip = tarn_xasprintf("%s%s", T, STAGING_DIR);
    int rc = list_keys(env, b, T, skip, &old, err);
    free(skip);
    size_t tl = strlen(T);
    for (int i = 0; !rc && i < old.n; i++)
        if (!in_sorted(m->keys, m->n, old.keys[i] + tl))
            rc = jobs_allow(env, TARN_S3_DELETE_OBJECT, b, old.keys[i], err);
    key_list_free(&old);
    for (int i = 0; !rc && i < m->n; i++) {
        char *to = tarn_xasprintf("%s%s", T, m->keys[i]);
        char *from = tarn_xasprintf("%s%s", o->staging, m->staged[i]);
        rc = jobs_allow(env, TARN_S3_PUT_OBJECT, b, to, err);
        if (!rc)
            rc = jobs_allow(env, TARN_S3_DELETE_OBJECT, b, from, err);
        free(to);
        free(from);
    }
    return rc;
}

int jobs_output_commit(jobs_output *o, tarn_job_result *res, tarn_error *err)
{
    manifest m;
    int *order = tarn_xcalloc((size_t)o->n + 1, sizeof *order);
    build_manifest(o, &m, order);
    const char *b = o->target.bucket;
    char *mk = tarn_xasprintf("%s%s", o->staging, MANIFEST);
    int rc = check_keys(&m, err);
    if (!rc)
        rc = check_access(o, &m, err);
    if (!rc)
        rc = jobs_allow(o->env, TARN_S3_PUT_OBJECT, b, mk, err);
    if (!rc) {
        tarn_buf text;
        tarn_buf_init(&text, 0);
        const char *id = o->staging + strlen(o->target.key) + strlen(STAGING_DIR);
        char *run = tarn_xstrndup(id, strlen(id) - 1);
        manifest_text(&text, run, &m);
        rc = tarn_object_put(o->env->store, b, mk, text.data, text.len, err);
        free(run);
        tarn_buf_free(&text);
    }
    if (!rc) {
        o->committed = true;
        jobs_log(o->env, "commit: publishing %d objects under s3://%s/%s", m.n, b, o->target.key);
        rc = publish(o->env, b, o->target.key, o->staging, &m, err);
    }
    for (int i = 0; !rc && i < m.n; i++) {
        char *key = tarn_xasprintf("%s%s", o->target.key, m.keys[i]);
        jobs_result_add_file(res, b, key, o->bytes[order[i]], o->rows[order[i]]);
        free(key);
    }
    manifest_free(&m);
    free(order);
    free(mk);
    return rc;
}

void jobs_output_free(jobs_output *o)
{
    if (!o->committed && o->staging) {
        for (int i = 0; i < o->n; i++) {
            char *name = staged_name(i), *key = tarn_xasprintf("%s%s", o->staging, name);
            tarn_error e = {0};
            delete_object(o->env, o->target.bucket, key, &e);
            free(name);
            free(key);
        }
    }
    for (int i = 0; i < o->n; i++)
        free(o->keys[i]);
    free(o->keys);
    free(o->rows);
    free(o->bytes);
    free(o->staging);
    memset(o, 0, sizeof *o);
}
