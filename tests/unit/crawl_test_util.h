/*
** crawl_test_util.h: what the crawl tests share (test_crawl_*.c): a tarn
** home in a fresh temporary folder with its store, catalog and one
** database, objects put from text, and reading a table and its parameters
** back. Header-only (static), included after cmocka.h.
*/
#ifndef TARN_CRAWL_TEST_UTIL_H
#define TARN_CRAWL_TEST_UTIL_H

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "catalog/catalog.h"
#include "format/format.h"
#include "store/store.h"

typedef struct crawl_test_home {
    char home[64];
    tarn_store *st;
    tarn_catalog *cat;
} crawl_test_home;

/* A new home holding database db and the buckets named after it (a NULL
** ends the list); NULL on failure (printed). Free with crawl_test_close. */
static inline crawl_test_home *crawl_test_open(const char *db, ...)
{
    crawl_test_home *h = calloc(1, sizeof *h);
    snprintf(h->home, sizeof h->home, "/tmp/tarn-crawl-test-XXXXXX");
    tarn_error err = {0};
    int rc = mkdtemp(h->home) ? TARN_OK : TARN_ERR_IO;
    if (!rc)
        rc = tarn_store_open(&h->st, h->home, &err);
    if (!rc)
        rc = tarn_catalog_open(h->home, &h->cat, &err);
    if (!rc)
        rc = tarn_catalog_database_create(h->cat, db, NULL, NULL, NULL, &err);
    va_list ap;
    va_start(ap, db);
    for (const char *b; !rc && (b = va_arg(ap, const char *));)
        rc = tarn_bucket_create(h->st, b, &err);
    va_end(ap);
    if (rc) {
        fprintf(stderr, "crawl test setup: %s\n", err.msg);
        return NULL;
    }
    return h;
}

static inline void crawl_test_close(crawl_test_home *h)
{
    tarn_catalog_close(h->cat);
    tarn_store_close(h->st);
    test_rmtree(h->home);
    free(h);
}

static inline void crawl_test_put_text(tarn_store *st, const char *bucket, const char *key,
                                       const char *text)
{
    tarn_error err = {0};
    assert_int_equal(tarn_object_put(st, bucket, key, text, strlen(text), &err), TARN_OK);
}

/* Store batch b (rows of schema s) as bucket/key, a Parquet file made by
** tarn's writer with its default (snappy) compression. */
static inline void crawl_test_put_parquet(crawl_test_home *h, const char *bucket, const char *key,
                                          const tarn_schema *s, const tarn_batch *b)
{
    char path[128];
    snprintf(path, sizeof path, "%s/tmp.parquet", h->home);
    tarn_parquet_write_options o;
    tarn_parquet_write_options_init(&o);
    assert_int_equal(o.codec, TARN_PARQUET_SNAPPY);
    o.background = false;
    o.nthreads = 1;
    tarn_parquet_writer *w;
    tarn_error err = {0};
    assert_int_equal(tarn_parquet_writer_open(&w, path, s, &o, &err), TARN_OK);
    assert_int_equal(tarn_parquet_writer_write(w, b, &err), TARN_OK);
    assert_int_equal(tarn_parquet_writer_close(w, NULL, &err), TARN_OK);
    assert_int_equal(tarn_object_put_file(h->st, bucket, key, path, &err), TARN_OK);
    remove(path);
}

/* A parameter of a table or partition ("<none>" if absent). */
static inline const char *crawl_test_param(const char *json, const char *key)
{
    static char out[256];
    json_t *o = json_loads(json, 0, NULL);
    json_t *v = json_object_get(o, key);
    snprintf(out, sizeof out, "%s", json_is_string(v) ? json_string_value(v) : "<none>");
    json_decref(o);
    return out;
}

/* Assert each "key=value" of the NULL-terminated kv is a parameter of json. */
static inline void crawl_test_assert_params(const char *json, const char *const *kv)
{
    for (; *kv; kv++) {
        const char *eq = strchr(*kv, '=');
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)(eq - *kv), *kv);
        if (strcmp(crawl_test_param(json, key), eq + 1) != 0)
            fail_msg("parameter %s is '%s', expected '%s'", key, crawl_test_param(json, key),
                     eq + 1);
    }
}

/* Table db.name, or fail the test. */
static inline tarn_cat_table crawl_test_table(tarn_catalog *cat, const char *db,
                                              const char *name)
{
    tarn_cat_table t;
    tarn_error err = {0};
    if (tarn_catalog_table_get(cat, db, name, &t, &err))
        fail_msg("table %s.%s: %s", db, name, err.msg);
    return t;
}

#endif
