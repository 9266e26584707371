/*
** store_internal.h: what the files of the fs backend share and other
** modules must not use: the store's layout on disk, path building and the
** cached-ETag stamp.
**
** Layout under <home>/buckets/:
**   <bucket>/<key>     one regular file per object, folders per '/'
**   .tarn-tmp/         temp files of puts in flight; its name is not a
**                      valid bucket name, so no bucket or key can collide
**                      with it, and it lives on the same file system as
**                      the buckets so the final rename is atomic.
*/
#ifndef TARN_STORE_INTERNAL_H
#define TARN_STORE_INTERNAL_H

#include <sys/stat.h>

#include "store/store.h"

#define TARN_STORE_TMP ".tarn-tmp"
#define TARN_ETAG_XATTR "user.tarn.etag"

struct tarn_store {
    char *home;
    char *buckets;   /* <home>/buckets */
    char *tmpdir;    /* <home>/buckets/.tarn-tmp */
};

/* <home>/buckets/<bucket>; caller frees. bucket must be valid. */
char *tarn_store_bucket_path(const tarn_store *st, const char *bucket);
/* <home>/buckets/<bucket>/<key>; caller frees. Both must be valid. */
char *tarn_store_object_path(const tarn_store *st, const char *bucket, const char *key);

/* Validate the bucket name and that the bucket exists; the error is
** InvalidBucketName or NoSuchBucket (with how to create it). */
int tarn_store_bucket_check(const tarn_store *st, const char *bucket, tarn_error *err);

/* The ETag cached on the open object fd if its stamp still matches the
** file's size and mtime in sb: copies 32 hex digits + NUL to md5 and
** returns true; false if absent or stale. */
bool tarn_store_etag_cached(int fd, const struct stat *sb, char md5[33]);
/* The same by path, without opening the file (for listings). */
bool tarn_store_etag_cached_at(const char *path, const struct stat *sb, char md5[33]);

/* True if the folder tree open at dirfd holds at least one object. */
bool tarn_store_tree_has_object(int dirfd);

#endif
