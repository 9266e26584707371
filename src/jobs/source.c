/*
** source.c: the objects a job reads: list a prefix in key order, leave out
** names Hive, Spark and Athena treat as hidden (a segment after the prefix
** that starts with '_' or '.': _errors/, _tarn_staging/, _SUCCESS,
** .crc files), check the access callback, and find each object's local
** file for the readers.
*/
#include "jobs/jobs_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct lister {
    jobs_sources *s;
    size_t plen;
    int cap;
} lister;

static int add_object(void *ctx, const tarn_object_info *obj, const char *common_prefix)
{
    lister *l = ctx;
    if (!obj || tarn_key_hidden(obj->key + l->plen) || obj->key[strlen(obj->key) - 1] == '/')
        return 0;
    jobs_sources *s = l->s;
    if (s->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        s->files = tarn_xrealloc(s->files, (size_t)l->cap * sizeof *s->files);
    }
    jobs_source *f = &s->files[s->n++];
    memset(f, 0, sizeof *f);
    f->key = tarn_xstrdup(obj->key);
    f->uri = tarn_xasprintf("s3://%s/%s", s->where.bucket, obj->key);
    f->size = obj->size;
    s->bytes += obj->size;
    return 0;
}

/* List prefix (or, when key names one object, just that object). */
static int list_prefix(jobs_sources *s, const tarn_job_env *env, const char *key,
                       tarn_error *err)
{
    lister l = {s, strlen(key), 0};
    tarn_list_request req = {key, NULL, NULL, 0};
    int rc = tarn_object_list_all(env->store, s->where.bucket, &req, add_object, &l, err);
    if (rc || s->n)
        return rc;
    size_t n = strlen(key);
    if (n && key[n - 1] == '/') {
        tarn_object_info info;
        tarn_error e = {0};
        char *k = tarn_xstrndup(key, n - 1);
        if (tarn_object_head(env->store, s->where.bucket, k, &info, &e) == TARN_OK) {
            tarn_object_info one = {k, info.size, info.mtime, ""};
            l.plen = 0;
            add_object(&l, &one, NULL);
        }
        free(k);
    }
    return TARN_OK;
}

int jobs_sources_list(jobs_sources *s, const tarn_job_env *env, const char *uri,
                      tarn_error *err)
{
    memset(s, 0, sizeof *s);
    int rc = jobs_prefix_parse("source_path", uri, &s->where, err);
    if (!rc && !tarn_bucket_exists(env->store, s->where.bucket))
        rc = tarn_error_set(err, TARN_ERR_NOTFOUND,
                            "NoSuchBucket: the source bucket '%s' does not exist", s->where.bucket);
    if (!rc)
        rc = jobs_allow(env, TARN_S3_LIST_BUCKET, s->where.bucket, s->where.key, err);
    if (!rc)
        rc = list_prefix(s, env, s->where.key, err);
    if (!rc && s->n == 0)
        rc = tarn_error_set(err, TARN_ERR_NOTFOUND,
                            "no objects to read under s3://%s/%s (names starting with '_' or "
                            "'.' are skipped); check --source_path and that the previous job "
                            "wrote there", s->where.bucket, s->where.key);
    for (int i = 0; !rc && i < s->n; i++) {
        jobs_source *f = &s->files[i];
        rc = jobs_allow(env, TARN_S3_GET_OBJECT, s->where.bucket, f->key, err);
        if (!rc)
            rc = tarn_object_local_path(env->store, s->where.bucket, f->key, &f->path, err);
    }
    if (rc)
        jobs_sources_free(s);
    return rc;
}

void jobs_sources_free(jobs_sources *s)
{
    for (int i = 0; i < s->n; i++) {
        free(s->files[i].key);
        free(s->files[i].uri);
        free(s->files[i].path);
    }
    free(s->files);
    memset(s, 0, sizeof *s);
}
