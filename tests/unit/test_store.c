/*
** test_store.c: the object store (store.h): URI parsing, bucket and key
** rules, put/get/head/delete/copy, atomic puts, listings (order, prefix,
** delimiter, start-after, pages) and transfers, each against a fresh
** mkdtemp home.
*/
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"
#include "store/store.h"

typedef struct fixture {
    char home[64];
    tarn_store *st;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->home, sizeof f->home, "/tmp/tarn-store-test-XXXXXX");
    if (!mkdtemp(f->home))
        return -1;
    tarn_error err = {0};
    if (tarn_store_open(&f->st, f->home, &err))
        return -1;
    if (tarn_bucket_create(f->st, "bkt", &err))
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

static void put_str(fixture *f, const char *bucket, const char *key, const char *s)
{
    tarn_error err = {0};
    int rc = tarn_object_put(f->st, bucket, key, s, strlen(s), &err);
    if (rc)
        fail_msg("put %s/%s: %s", bucket, key, err.msg);
}

/* Write a file straight into the bucket folder (fast setup for big lists). */
static void raw_file(fixture *f, const char *bucket, const char *key)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/buckets/%s/%s", f->home, bucket, key);
    for (char *s = strchr(path + strlen(f->home) + 9, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(path, 0777);
        *s = '/';
    }
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(key, fp);
    fclose(fp);
}

/* ---- URIs and names ---- */

static void test_uri_parse(void **state)
{
    tarn_uri u;
    tarn_error err = {0};
    assert_int_equal(tarn_uri_parse("s3://my-bucket/dir/file.txt", &u, &err), TARN_OK);
    assert_string_equal(u.bucket, "my-bucket");
    assert_string_equal(u.key, "dir/file.txt");
    assert_int_equal(tarn_uri_parse("s3://my-bucket", &u, &err), TARN_OK);
    assert_string_equal(u.key, "");
    assert_int_equal(tarn_uri_parse("s3://my-bucket/", &u, &err), TARN_OK);
    assert_string_equal(u.key, "");
    assert_int_equal(tarn_uri_parse("s3://my-bucket/dir/", &u, &err), TARN_OK);
    assert_string_equal(u.key, "dir/");
    assert_true(tarn_is_s3_uri("s3://x"));
    assert_false(tarn_is_s3_uri("/tmp/s3://x"));
    assert_int_equal(tarn_uri_parse("/local/path", &u, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "/local/path"));
    assert_int_equal(tarn_uri_parse("s3:///key", &u, &err), TARN_ERR_INVALID);
    assert_int_equal(tarn_uri_parse("s3://Bad_Bucket/k", &u, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "InvalidBucketName"));
    assert_int_equal(tarn_uri_parse("s3://bkt/a/../../etc/passwd", &u, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "a/../../etc/passwd"));
}

static void test_bucket_names(void **state)
{
    const char *good[] = {"abc", "my-bucket.v1", "0ab", "a.b-c",
                          "a23456789012345678901234567890123456789012345678901234567890123"};
    const char *bad[] = {"ab", "AB", "-abc", "abc-", ".abc", "abc.", "a..b", "a_b", "192.168.1.1",
                         "xn--abc", "abc-s3alias", "a b", "",
                         "a234567890123456789012345678901234567890123456789012345678901234"};
    tarn_error err = {0};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(tarn_bucket_name_check(good[i], &err), TARN_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(tarn_bucket_name_check(bad[i], &err), TARN_ERR_INVALID);
        assert_non_null(strstr(err.msg, "InvalidBucketName"));
    }
    tarn_bucket_name_check("AB", &err);
    assert_string_equal(err.msg, "InvalidBucketName: 'AB': bucket names are 3-63 characters of "
                                 "lower-case letters, digits, '.' and '-'");
}

static void test_key_rules(void **state)
{
    const char *good[] = {"a", "a/b/c", "dir/file.txt", "a/.hidden", "a/..b", "...", "a b/c",
                          "r\xc3\xa9sum\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac.txt", "\xf0\x9f\x98\x80"};
    const char *bad[] = {"", "../x", "a/../../x", "a/./b", "/a", "a//b", "a/", ".", "..", "a/..",
                         "\xff", "a/\xc0\xaf", "\xed\xa0\x80", "\xe6\x97"};
    tarn_error err = {0};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(tarn_key_check(good[i], false, &err), TARN_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(tarn_key_check(bad[i], false, &err), TARN_ERR_INVALID);
    /* The error names the key. */
    tarn_key_check("a/../../x", false, &err);
    assert_non_null(strstr(err.msg, "'a/../../x'"));
    /* A trailing '/' is a prefix, valid only as one. */
    assert_int_equal(tarn_key_check("dir/", true, &err), TARN_OK);
    assert_int_equal(tarn_key_check("", true, &err), TARN_OK);
    assert_int_equal(tarn_key_check("a//", true, &err), TARN_ERR_INVALID);
    /* NUL inside. */
    assert_int_equal(tarn_key_check_len("a\0b", 3, false, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "NUL"));
    /* Length: 1024 bytes is the limit. */
    char key[1026];
    memset(key, 'k', sizeof key);
    key[1024] = '\0';
    assert_int_equal(tarn_key_check(key, false, &err), TARN_OK);
    key[1024] = 'k';
    key[1025] = '\0';
    assert_int_equal(tarn_key_check(key, false, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "1025"));
}

/* ---- objects ---- */

static void test_put_get_head(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    put_str(f, "bkt", "greeting.txt", "hello");
    char *data;
    size_t n;
    assert_int_equal(tarn_object_get(f->st, "bkt", "greeting.txt", 0, -1, &data, &n, &err), TARN_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(data, "hello", 5);
    free(data);
    assert_int_equal(tarn_object_get(f->st, "bkt", "greeting.txt", 1, 3, &data, &n, &err), TARN_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(data, "ell", 3);
    free(data);
    assert_int_equal(tarn_object_get(f->st, "bkt", "greeting.txt", 3, -1, &data, &n, &err), TARN_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(data, "lo", 2);
    free(data);
    assert_int_equal(tarn_object_get(f->st, "bkt", "greeting.txt", 4, 100, &data, &n, &err), TARN_OK);
    assert_int_equal(n, 1);
    free(data);
    assert_int_equal(tarn_object_get(f->st, "bkt", "greeting.txt", 10, 5, &data, &n, &err), TARN_OK);
    assert_int_equal(n, 0);
    free(data);
    assert_int_equal(tarn_object_get(f->st, "bkt", "greeting.txt", -1, 5, &data, &n, &err), TARN_ERR_INVALID);

    tarn_object_info info;
    time_t now = time(NULL);
    assert_int_equal(tarn_object_head(f->st, "bkt", "greeting.txt", &info, &err), TARN_OK);
    assert_int_equal(info.size, 5);
    assert_string_equal(info.etag, "\"5d41402abc4b2a76b9719d911017c592\"");   /* md5("hello") */
    assert_true(info.mtime >= now - 5 && info.mtime <= now + 5);
    /* Overwrite: the ETag follows the content. */
    put_str(f, "bkt", "greeting.txt", "");
    assert_int_equal(tarn_object_head(f->st, "bkt", "greeting.txt", &info, &err), TARN_OK);
    assert_int_equal(info.size, 0);
    assert_string_equal(info.etag, "\"d41d8cd98f00b204e9800998ecf8427e\"");   /* md5("") */
}

static void test_etag_stale_cache(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    put_str(f, "bkt", "k", "hello");
    /* Someone rewrites the file behind the store's back. */
    char path[256];
    snprintf(path, sizeof path, "%s/buckets/bkt/k", f->home);
    FILE *fp = fopen(path, "w");
    fputs("abc", fp);
    fclose(fp);
    tarn_object_info info;
    assert_int_equal(tarn_object_head(f->st, "bkt", "k", &info, &err), TARN_OK);
    assert_string_equal(info.etag, "\"900150983cd24fb0d6963f7d28e17f72\"");   /* md5("abc") */
}

static void test_missing(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    char *data;
    size_t n;
    tarn_object_info info;
    assert_int_equal(tarn_object_get(f->st, "bkt", "nope", 0, -1, &data, &n, &err), TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "NoSuchKey"));
    assert_non_null(strstr(err.msg, "s3://bkt/nope"));
    assert_int_equal(tarn_object_head(f->st, "nobucket", "k", &info, &err), TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "NoSuchBucket"));
    assert_non_null(strstr(err.msg, "tarn s3 mb s3://nobucket"));
    assert_int_equal(tarn_object_put(f->st, "nobucket", "k", "x", 1, &err), TARN_ERR_NOTFOUND);
    /* A folder is not an object. */
    put_str(f, "bkt", "dir/file", "x");
    assert_int_equal(tarn_object_head(f->st, "bkt", "dir", &info, &err), TARN_ERR_NOTFOUND);
}

static void test_traversal_refused(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    const char *keys[] = {"../escaped", "a/../../escaped", "a/./b", "/abs", "a//b"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(tarn_object_put(f->st, "bkt", keys[i], "x", 1, &err), TARN_ERR_INVALID);
        assert_non_null(strstr(err.msg, keys[i]));
    }
    char path[256];
    struct stat sb;
    snprintf(path, sizeof path, "%s/buckets/escaped", f->home);
    assert_int_not_equal(stat(path, &sb), 0);
    snprintf(path, sizeof path, "%s/escaped", f->home);
    assert_int_not_equal(stat(path, &sb), 0);
    char *data;
    size_t n;
    assert_int_equal(tarn_object_get(f->st, "bkt", "../../etc/passwd", 0, -1, &data, &n, &err), TARN_ERR_INVALID);
    assert_int_equal(tarn_object_delete(f->st, "bkt", "..", &err), TARN_ERR_INVALID);
}

static void test_non_ascii_key(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    const char *key = "donn\xc3\xa9" "es/\xe6\x97\xa5\xe6\x9c\xac.csv";
    put_str(f, "bkt", key, "utf8");
    tarn_object_info info;
    assert_int_equal(tarn_object_head(f->st, "bkt", key, &info, &err), TARN_OK);
    assert_int_equal(info.size, 4);
}

static void test_key_folder_clash(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    put_str(f, "bkt", "a", "object");
    assert_int_equal(tarn_object_put(f->st, "bkt", "a/b", "x", 1, &err), TARN_ERR_EXISTS);
    assert_non_null(strstr(err.msg, "s3://bkt/a/b"));
    put_str(f, "bkt", "d/e", "x");
    assert_int_equal(tarn_object_put(f->st, "bkt", "d", "x", 1, &err), TARN_ERR_EXISTS);
    assert_non_null(strstr(err.msg, "s3://bkt/d"));
}

/* Count entries in a folder tree (files only). */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            n += count_files(p);
        else
            n++;
    }
    closedir(d);
    return n;
}

static void test_atomic_put_leaves_no_temp(void **state)
{
    fixture *f = *state;
    char dir[256], tmp[256];
    for (int i = 0; i < 20; i++)
        put_str(f, "bkt", i % 2 ? "x/y" : "z", "content");
    snprintf(dir, sizeof dir, "%s/buckets/bkt", f->home);
    assert_int_equal(count_files(dir), 2);
    snprintf(tmp, sizeof tmp, "%s/buckets/.tarn-tmp", f->home);
    assert_int_equal(count_files(tmp), 0);
    /* A put in flight (a temp file) is never listed, as object or bucket. */
    char stray[300];
    snprintf(stray, sizeof stray, "%s/.put.tarn-1-2-3", tmp);
    FILE *fp = fopen(stray, "w");
    fputs("partial", fp);
    fclose(fp);
    tarn_list_page page;
    tarn_error err = {0};
    assert_int_equal(tarn_object_list(f->st, "bkt", NULL, &page, &err), TARN_OK);
    assert_int_equal(page.nobjects, 2);
    for (size_t i = 0; i < page.nobjects; i++)
        assert_null(strstr(page.objects[i].key, "tarn"));
    tarn_list_page_free(&page);
    tarn_bucket_info *b;
    size_t nb;
    assert_int_equal(tarn_bucket_list(f->st, &b, &nb, &err), TARN_OK);
    assert_int_equal(nb, 1);
    assert_string_equal(b[0].name, "bkt");
    free(b);
}

/* Fill buf with n copies of c. */
static char *repeat(char c, size_t n)
{
    char *b = malloc(n);
    memset(b, c, n);
    return b;
}

static void test_atomic_put_concurrent_reader(void **state)
{
    fixture *f = *state;
    const size_t na = 100000, nb = 300000;
    char *a = repeat('a', na), *b = repeat('b', nb);
    tarn_error err = {0};
    assert_int_equal(tarn_object_put(f->st, "bkt", "obj", a, na, &err), TARN_OK);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 200; i++) {
            if (i % 2 ? tarn_object_put(f->st, "bkt", "obj", a, na, &err)
                      : tarn_object_put(f->st, "bkt", "obj", b, nb, &err))
                _exit(1);
        }
        _exit(0);
    }
    int torn = 0;
    for (int i = 0; i < 400; i++) {
        char *data;
        size_t n;
        assert_int_equal(tarn_object_get(f->st, "bkt", "obj", 0, -1, &data, &n, &err), TARN_OK);
        if (!((n == na && memcmp(data, a, na) == 0) || (n == nb && memcmp(data, b, nb) == 0)))
            torn++;
        free(data);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(torn, 0);
    free(a);
    free(b);
}

/* Put then delete key n times; returns how many calls failed. */
static int put_delete_loop(fixture *f, const char *key, int n)
{
    int failures = 0;
    tarn_error err = {0};
    for (int i = 0; i < n; i++) {
        failures += tarn_object_put(f->st, "bkt", key, "x", 1, &err) != TARN_OK;
        failures += tarn_object_delete(f->st, "bkt", key, &err) != TARN_OK;
    }
    return failures;
}

static void test_concurrent_put_delete_same_folder(void **state)
{
    fixture *f = *state;
    /* One process's delete prunes the folders another's put just made. */
    pid_t pid = fork();
    if (pid == 0)
        _exit(put_delete_loop(f, "d/e/one", 300) ? 1 : 0);
    int mine = put_delete_loop(f, "d/e/two", 300);
    int status;
    waitpid(pid, &status, 0);
    assert_int_equal(mine, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_put_file_get_file(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    char src[256], dst[256];
    snprintf(src, sizeof src, "%s/local.txt", f->home);
    FILE *fp = fopen(src, "w");
    for (int i = 0; i < 100000; i++)
        fprintf(fp, "line %d\n", i);
    fclose(fp);
    assert_int_equal(tarn_object_put_file(f->st, "bkt", "up/local.txt", src, &err), TARN_OK);
    snprintf(dst, sizeof dst, "%s/out/deeper/copy.txt", f->home);
    assert_int_equal(tarn_object_get_file(f->st, "bkt", "up/local.txt", dst, &err), TARN_OK);
    struct stat s1, s2;
    stat(src, &s1);
    stat(dst, &s2);
    assert_int_equal(s1.st_size, s2.st_size);
    tarn_object_info info;
    assert_int_equal(tarn_object_head(f->st, "bkt", "up/local.txt", &info, &err), TARN_OK);
    assert_int_equal(s2.st_mtime, info.mtime);   /* a download keeps the object's time */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", src, dst);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(tarn_object_put_file(f->st, "bkt", "k", f->home, &err), TARN_ERR_INVALID);
    char *lp;
    assert_int_equal(tarn_object_local_path(f->st, "bkt", "up/local.txt", &lp, &err), TARN_OK);
    assert_int_equal(stat(lp, &s2), 0);
    free(lp);
}

static void test_delete_prunes_folders(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    put_str(f, "bkt", "x/y/z/deep", "1");
    put_str(f, "bkt", "x/keep", "2");
    assert_int_equal(tarn_object_delete(f->st, "bkt", "x/y/z/deep", &err), TARN_OK);
    char p[256];
    struct stat sb;
    snprintf(p, sizeof p, "%s/buckets/bkt/x/y", f->home);
    assert_int_not_equal(stat(p, &sb), 0);            /* empty folders went */
    snprintf(p, sizeof p, "%s/buckets/bkt/x/keep", f->home);
    assert_int_equal(stat(p, &sb), 0);                /* the sibling stays */
    assert_int_equal(tarn_object_delete(f->st, "bkt", "x/keep", &err), TARN_OK);
    snprintf(p, sizeof p, "%s/buckets/bkt", f->home);
    assert_int_equal(stat(p, &sb), 0);                /* never the bucket */
    assert_int_equal(count_files(p), 0);
    assert_int_equal(tarn_object_delete(f->st, "bkt", "x/keep", &err), TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "NoSuchKey"));
}

static void test_copy(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    assert_int_equal(tarn_bucket_create(f->st, "other", &err), TARN_OK);
    put_str(f, "bkt", "src/a", "payload");
    assert_int_equal(tarn_object_copy(f->st, "bkt", "src/a", "other", "dst/b", &err), TARN_OK);
    char *data;
    size_t n;
    assert_int_equal(tarn_object_get(f->st, "other", "dst/b", 0, -1, &data, &n, &err), TARN_OK);
    assert_int_equal(n, 7);
    assert_memory_equal(data, "payload", 7);
    free(data);
    assert_int_equal(tarn_object_copy(f->st, "bkt", "src/a", "bkt", "src/a", &err), TARN_ERR_INVALID);
    assert_int_equal(tarn_object_get(f->st, "bkt", "src/a", 0, -1, &data, &n, &err), TARN_OK);
    assert_int_equal(n, 7);   /* a refused self-copy loses nothing */
    free(data);
    assert_int_equal(tarn_object_copy(f->st, "bkt", "missing", "other", "x", &err), TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "NoSuchKey"));
}

/* ---- buckets ---- */

static void test_bucket_rules(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    assert_int_equal(tarn_bucket_create(f->st, "bkt", &err), TARN_ERR_EXISTS);
    assert_int_equal(tarn_bucket_create(f->st, "Bad", &err), TARN_ERR_INVALID);
    assert_int_equal(tarn_bucket_create(f->st, "alpha", &err), TARN_OK);
    assert_true(tarn_bucket_exists(f->st, "alpha"));
    assert_false(tarn_bucket_exists(f->st, "beta"));
    tarn_bucket_info *b;
    size_t nb;
    assert_int_equal(tarn_bucket_list(f->st, &b, &nb, &err), TARN_OK);
    assert_int_equal(nb, 2);
    assert_string_equal(b[0].name, "alpha");
    assert_string_equal(b[1].name, "bkt");
    assert_true(b[0].created > 0);
    free(b);
    put_str(f, "alpha", "dir/obj", "x");
    assert_int_equal(tarn_bucket_delete(f->st, "alpha", false, &err), TARN_ERR_NOTEMPTY);
    assert_non_null(strstr(err.msg, "BucketNotEmpty"));
    assert_true(tarn_bucket_exists(f->st, "alpha"));
    tarn_object_info info;
    assert_int_equal(tarn_object_head(f->st, "alpha", "dir/obj", &info, &err), TARN_OK);
    assert_int_equal(tarn_bucket_delete(f->st, "alpha", true, &err), TARN_OK);
    assert_false(tarn_bucket_exists(f->st, "alpha"));
    assert_int_equal(tarn_bucket_delete(f->st, "alpha", false, &err), TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "NoSuchBucket"));
    assert_int_equal(tarn_bucket_delete(f->st, "bkt", false, &err), TARN_OK);   /* empty */
}

/* ---- listings ---- */

static int strcmp_p(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *list_keys[] = {"a/b", "a-c", "a/c/d", "b", "a.txt", "z", "\xc3\xa9t\xc3\xa9", "a/b0",
                                  "a/b/c", "ab", "a/\xc3\xa9"};

/* Keys of list_keys except "a/b" (a folder because of "a/b/c"). */
static void put_list_keys(fixture *f, char **sorted, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < sizeof list_keys / sizeof list_keys[0]; i++) {
        if (!strcmp(list_keys[i], "a/b"))
            continue;
        put_str(f, "bkt", list_keys[i], list_keys[i]);
        sorted[(*n)++] = (char *)list_keys[i];
    }
    qsort(sorted, *n, sizeof *sorted, strcmp_p);
}

static void test_list_byte_order(void **state)
{
    fixture *f = *state;
    char *want[16];
    size_t n;
    put_list_keys(f, want, &n);
    tarn_list_page page;
    tarn_error err = {0};
    assert_int_equal(tarn_object_list(f->st, "bkt", NULL, &page, &err), TARN_OK);
    assert_int_equal(page.nobjects, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(page.objects[i].key, want[i]);
    assert_false(page.truncated);
    assert_null(page.next_token);
    /* "a-c" comes before "a/..." because '-' < '/'. */
    assert_string_equal(page.objects[0].key, "a-c");
    assert_int_equal(page.objects[0].size, 3);
    tarn_list_page_free(&page);
}

static void test_list_prefix_delimiter(void **state)
{
    fixture *f = *state;
    char *all[16];
    size_t n;
    put_list_keys(f, all, &n);
    tarn_error err = {0};
    tarn_list_page page;
    tarn_list_request req = {.prefix = "a/"};
    assert_int_equal(tarn_object_list(f->st, "bkt", &req, &page, &err), TARN_OK);
    assert_int_equal(page.nobjects, 4);
    assert_string_equal(page.objects[0].key, "a/b/c");
    assert_string_equal(page.objects[1].key, "a/b0");
    assert_string_equal(page.objects[2].key, "a/c/d");
    assert_string_equal(page.objects[3].key, "a/\xc3\xa9");
    tarn_list_page_free(&page);

    req = (tarn_list_request){.delimiter = "/"};
    assert_int_equal(tarn_object_list(f->st, "bkt", &req, &page, &err), TARN_OK);
    const char *objs[] = {"a-c", "a.txt", "ab", "b", "z", "\xc3\xa9t\xc3\xa9"};
    assert_int_equal(page.nobjects, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(page.objects[i].key, objs[i]);
    assert_int_equal(page.nprefixes, 1);
    assert_string_equal(page.common_prefixes[0], "a/");
    tarn_list_page_free(&page);

    req = (tarn_list_request){.prefix = "a/", .delimiter = "/"};
    assert_int_equal(tarn_object_list(f->st, "bkt", &req, &page, &err), TARN_OK);
    assert_int_equal(page.nobjects, 2);
    assert_string_equal(page.objects[0].key, "a/b0");
    assert_string_equal(page.objects[1].key, "a/\xc3\xa9");
    assert_int_equal(page.nprefixes, 2);
    assert_string_equal(page.common_prefixes[0], "a/b/");
    assert_string_equal(page.common_prefixes[1], "a/c/");
    tarn_list_page_free(&page);

    /* A prefix that ends inside a segment. */
    req = (tarn_list_request){.prefix = "a/b"};
    assert_int_equal(tarn_object_list(f->st, "bkt", &req, &page, &err), TARN_OK);
    assert_int_equal(page.nobjects, 2);
    assert_string_equal(page.objects[0].key, "a/b/c");
    assert_string_equal(page.objects[1].key, "a/b0");
    tarn_list_page_free(&page);

    /* Another delimiter than '/'. */
    req = (tarn_list_request){.delimiter = "."};
    assert_int_equal(tarn_object_list(f->st, "bkt", &req, &page, &err), TARN_OK);
    assert_int_equal(page.nprefixes, 1);
    assert_string_equal(page.common_prefixes[0], "a.");
    assert_int_equal(page.nobjects, n - 1);
    tarn_list_page_free(&page);
}

static void test_list_start_after(void **state)
{
    fixture *f = *state;
    char *all[16];
    size_t n;
    put_list_keys(f, all, &n);
    tarn_error err = {0};
    tarn_list_page page;
    tarn_list_request req = {.start_after = "a/b0"};
    assert_int_equal(tarn_object_list(f->st, "bkt", &req, &page, &err), TARN_OK);
    size_t first = 0;
    while (first < n && strcmp(all[first], "a/b0") <= 0)
        first++;
    assert_int_equal(page.nobjects, n - first);
    for (size_t i = 0; i < page.nobjects; i++)
        assert_string_equal(page.objects[i].key, all[first + i]);
    tarn_list_page_free(&page);
    /* A start-after that is not a key. */
    req = (tarn_list_request){.start_after = "a/a"};
    assert_int_equal(tarn_object_list(f->st, "bkt", &req, &page, &err), TARN_OK);
    assert_string_equal(page.objects[0].key, "a/b/c");
    tarn_list_page_free(&page);
}

/* Page through a listing max_keys at a time; returns entries seen. */
static size_t page_through(fixture *f, const char *delim, int max, char **out, size_t cap)
{
    size_t got = 0;
    char *token = NULL;
    tarn_error err = {0};
    for (int pages = 0; pages < 1000; pages++) {
        tarn_list_page page;
        tarn_list_request req = {.delimiter = delim, .start_after = token, .max_keys = max};
        assert_int_equal(tarn_object_list(f->st, "bkt", &req, &page, &err), TARN_OK);
        assert_true(page.nobjects + page.nprefixes <= (size_t)max);
        for (size_t i = 0; i < page.nprefixes && got < cap; i++)
            out[got++] = strdup(page.common_prefixes[i]);
        for (size_t i = 0; i < page.nobjects && got < cap; i++)
            out[got++] = strdup(page.objects[i].key);
        free(token);
        token = page.truncated ? strdup(page.next_token) : NULL;
        tarn_list_page_free(&page);
        if (!token)
            break;
    }
    free(token);
    return got;
}

static void test_list_pages(void **state)
{
    fixture *f = *state;
    char *all[16], *got[32];
    size_t n;
    put_list_keys(f, all, &n);
    size_t g = page_through(f, NULL, 2, got, 32);
    assert_int_equal(g, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(got[i], all[i]);
        free(got[i]);
    }
    /* With a delimiter, a common prefix is not repeated on the next page. */
    g = page_through(f, "/", 1, got, 32);
    assert_int_equal(g, 7);   /* 6 objects and "a/" */
    int prefixes = 0;
    for (size_t i = 0; i < g; i++) {
        prefixes += strcmp(got[i], "a/") == 0;
        free(got[i]);
    }
    assert_int_equal(prefixes, 1);
}

static void test_list_page_cap(void **state)
{
    fixture *f = *state;
    char key[64];
    for (int i = 0; i < 1003; i++) {
        snprintf(key, sizeof key, "many/%05d", i);
        raw_file(f, "bkt", key);
    }
    tarn_error err = {0};
    tarn_list_page page;
    tarn_list_request req = {.max_keys = 5000};
    assert_int_equal(tarn_object_list(f->st, "bkt", &req, &page, &err), TARN_OK);
    assert_int_equal(page.nobjects, 1000);
    assert_true(page.truncated);
    assert_string_equal(page.next_token, "many/00999");
    req.start_after = "many/00999";
    tarn_list_page next;
    assert_int_equal(tarn_object_list(f->st, "bkt", &req, &next, &err), TARN_OK);
    assert_int_equal(next.nobjects, 3);
    assert_false(next.truncated);
    assert_string_equal(next.objects[0].key, "many/01000");
    tarn_list_page_free(&page);
    tarn_list_page_free(&next);
    assert_int_equal(tarn_object_list(f->st, "nobucket", NULL, &page, &err), TARN_ERR_NOTFOUND);
}

/* ---- transfers ---- */

typedef struct events {
    int n, failed;
    char last[512];
} events;

static void count_event(void *ctx, const tarn_xfer_event *ev)
{
    events *e = ctx;
    e->n++;
    e->failed += ev->error != NULL;
    snprintf(e->last, sizeof e->last, "%s %s %s", ev->action, ev->src, ev->dst ? ev->dst : "-");
}

static void write_local(const char *dir, const char *name, const char *content)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs(content, fp);
    fclose(fp);
}

static void test_sync_only_changes(void **state)
{
    fixture *f = *state;
    char src[256];
    snprintf(src, sizeof src, "%s/src", f->home);
    mkdir(src, 0777);
    char sub[300];
    snprintf(sub, sizeof sub, "%s/sub", src);
    mkdir(sub, 0777);
    write_local(src, "one.txt", "1");
    write_local(src, "sub/two.txt", "22");
    write_local(src, "skip.log", "x");
    tarn_xfer_filter filters[] = {{false, "*.log"}};
    tarn_xfer_request req = {.op = TARN_XFER_SYNC, .src = src, .dst = "s3://bkt/mirror",
                             .filters = filters, .nfilters = 1};
    events ev = {0};
    tarn_error err = {0};
    assert_int_equal(tarn_store_transfer(f->st, &req, count_event, &ev, &err), TARN_OK);
    assert_int_equal(ev.n, 2);
    tarn_object_info info;
    assert_int_equal(tarn_object_head(f->st, "bkt", "mirror/sub/two.txt", &info, &err), TARN_OK);
    assert_int_equal(tarn_object_head(f->st, "bkt", "mirror/skip.log", &info, &err), TARN_ERR_NOTFOUND);
    ev = (events){0};
    assert_int_equal(tarn_store_transfer(f->st, &req, count_event, &ev, &err), TARN_OK);
    assert_int_equal(ev.n, 0);
    write_local(src, "one.txt", "changed");
    assert_int_equal(tarn_store_transfer(f->st, &req, count_event, &ev, &err), TARN_OK);
    assert_int_equal(ev.n, 1);
    assert_non_null(strstr(ev.last, "s3://bkt/mirror/one.txt"));
    /* --delete removes what the source lost. */
    char gone[400];
    snprintf(gone, sizeof gone, "%s/sub/two.txt", src);
    unlink(gone);
    req.delete_extra = true;
    ev = (events){0};
    assert_int_equal(tarn_store_transfer(f->st, &req, count_event, &ev, &err), TARN_OK);
    assert_int_equal(ev.n, 1);
    assert_string_equal(ev.last, "delete s3://bkt/mirror/sub/two.txt -");
}

static void test_transfer_errors(void **state)
{
    fixture *f = *state;
    events ev = {0};
    tarn_error err = {0};
    tarn_xfer_request req = {.op = TARN_XFER_CP, .src = "/tmp/a", .dst = "/tmp/b"};
    assert_int_equal(tarn_store_transfer(f->st, &req, count_event, &ev, &err), TARN_ERR_INVALID);
    req = (tarn_xfer_request){.op = TARN_XFER_CP, .src = "s3://bkt/missing", .dst = "s3://bkt/x"};
    assert_int_equal(tarn_store_transfer(f->st, &req, count_event, &ev, &err), TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "NoSuchKey"));
    req = (tarn_xfer_request){.op = TARN_XFER_CP, .src = "s3://bkt/a/../../x", .dst = "/tmp/x"};
    assert_int_equal(tarn_store_transfer(f->st, &req, count_event, &ev, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "a/../../x"));
    req = (tarn_xfer_request){.op = TARN_XFER_RM, .src = "s3://nobucket/k"};
    assert_int_equal(tarn_store_transfer(f->st, &req, count_event, &ev, &err), TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "NoSuchBucket"));
    assert_int_equal(ev.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_parse),
        cmocka_unit_test(test_bucket_names),
        cmocka_unit_test(test_key_rules),
        cmocka_unit_test_setup_teardown(test_put_get_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_etag_stale_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traversal_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non_ascii_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_folder_clash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atomic_put_leaves_no_temp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atomic_put_concurrent_reader, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_put_delete_same_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_file_get_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_prunes_folders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bucket_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_byte_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_prefix_delimiter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_start_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_page_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_only_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transfer_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
