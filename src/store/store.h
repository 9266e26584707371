/*
** store.h: the object store: buckets of objects named by s3://bucket/key,
** with S3's rules and semantics. The `fs` backend keeps bucket b's objects
** as files under <home>/buckets/b/<key>; later backends (real S3) implement
** the same calls.
**
** Contracts (DESIGN.md, "Objects"): keys are validated (no empty, "." or
** ".." segment, no NUL, at most 1024 bytes) so a key can never name a path
** outside its bucket; a put is atomic (temp file, fsync, rename); list
** returns keys in byte order with prefix, delimiter and start-after, in
** pages of at most 1000.
*/
#ifndef TARN_STORE_H
#define TARN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/core.h"

#define TARN_KEY_MAX 1024
#define TARN_LIST_PAGE_MAX 1000

typedef struct tarn_store tarn_store;

/* Parsed s3://bucket/key. key may be "" (a bucket or the whole bucket). */
typedef struct tarn_uri {
    char bucket[64];
    char key[TARN_KEY_MAX + 1];
} tarn_uri;

/* True if s starts with "s3://". */
bool tarn_is_s3_uri(const char *s);
/* Parse s3://bucket[/key]. Validates the bucket name and (if non-empty) the
** key; a trailing '/' is kept in key (a prefix). Errors name the URI and
** the rule it breaks. */
int tarn_uri_parse(const char *s, tarn_uri *out, tarn_error *err);
/* S3 bucket-name rules: 3-63 chars, [a-z0-9.-], starts and ends with a
** letter or digit, no "..", not an IP address. */
int tarn_bucket_name_check(const char *name, tarn_error *err);
/* Key rules above; allow_prefix accepts a trailing '/' (prefix, not key). */
int tarn_key_check(const char *key, bool allow_prefix, tarn_error *err);
/* tarn_key_check over len bytes that may hold a NUL (which is an error). */
int tarn_key_check_len(const char *key, size_t len, bool allow_prefix, tarn_error *err);
/* Whether some '/'-separated segment of rel (a key, or the part of one
** below a listed prefix) starts with '_' or '.': what Hive, Spark and
** Athena skip as hidden (_SUCCESS, _errors/, .crc), and so do tarn's jobs,
** crawlers and queries. */
bool tarn_key_hidden(const char *rel);

/* Open the store under home (created if missing). */
int tarn_store_open(tarn_store **out, const char *home, tarn_error *err);
void tarn_store_close(tarn_store *st);
const char *tarn_store_home(const tarn_store *st);

typedef struct tarn_bucket_info {
    char name[64];
    time_t created;
} tarn_bucket_info;

/* TARN_ERR_EXISTS ("BucketAlreadyOwnedByYou") if it exists. */
int tarn_bucket_create(tarn_store *st, const char *bucket, tarn_error *err);
/* Fails with TARN_ERR_NOTEMPTY ("BucketNotEmpty") unless force, which
** deletes every object first. */
int tarn_bucket_delete(tarn_store *st, const char *bucket, bool force, tarn_error *err);
bool tarn_bucket_exists(tarn_store *st, const char *bucket);
/* All buckets in name order; caller frees *out. */
int tarn_bucket_list(tarn_store *st, tarn_bucket_info **out, size_t *n, tarn_error *err);

typedef struct tarn_object_info {
    char *key;          /* owned by the list result */
    int64_t size;
    time_t mtime;
    char etag[35];      /* "\"<md5 hex>\"" when computed, else "" */
} tarn_object_info;

/* Write len bytes as bucket/key atomically. */
int tarn_object_put(tarn_store *st, const char *bucket, const char *key,
                    const void *data, size_t len, tarn_error *err);
/* Copy a local file into bucket/key atomically (streams, any size). */
int tarn_object_put_file(tarn_store *st, const char *bucket, const char *key,
                         const char *local_path, tarn_error *err);
/* A fresh, unused path in the store's temporary area (on the same file
** system as the buckets) where a writer can create a large file and later
** publish it with tarn_object_put_move. name is a hint for the file name.
** Caller frees *path. */
int tarn_object_staging_path(tarn_store *st, const char *name, char **path, tarn_error *err);
/* Publish a finished local file as bucket/key atomically and consume it:
** a rename when it lies on the buckets' file system (a staging path does),
** else a copy followed by removing local_path. The writer must have
** fsynced it. On failure local_path is left in place. */
int tarn_object_put_move(tarn_store *st, const char *bucket, const char *key,
                         const char *local_path, tarn_error *err);
/* Read bytes [off, off+len) (len < 0: to the end) into a new buffer the
** caller frees; *n receives the length. Range past the end is clipped. */
int tarn_object_get(tarn_store *st, const char *bucket, const char *key,
                    int64_t off, int64_t len, char **data, size_t *n, tarn_error *err);
/* Copy an object to a local file atomically (temp file beside it, then
** rename), creating missing parent folders; the file gets the object's
** mtime, so a later sync sees it as current. */
int tarn_object_get_file(tarn_store *st, const char *bucket, const char *key,
                         const char *local_path, tarn_error *err);
/* Size, mtime and ETag (MD5 of the content). */
int tarn_object_head(tarn_store *st, const char *bucket, const char *key,
                     tarn_object_info *info, tarn_error *err);
/* TARN_ERR_NOTFOUND ("NoSuchKey") if there is no such object. Folders
** left empty are removed, the bucket's own never. */
int tarn_object_delete(tarn_store *st, const char *bucket, const char *key, tarn_error *err);
/* Atomic like a put; copying an object onto itself is refused. */
int tarn_object_copy(tarn_store *st, const char *src_bucket, const char *src_key,
                     const char *dst_bucket, const char *dst_key, tarn_error *err);
/* The local file that holds an object (fs backend), for readers that mmap.
** Caller frees *path. TARN_ERR_NOTFOUND if the object does not exist. */
int tarn_object_local_path(tarn_store *st, const char *bucket, const char *key,
                           char **path, tarn_error *err);

/* One page of a listing. Keys under prefix, after start_after, in byte
** order; with a delimiter, keys sharing a prefix up to the next delimiter
** roll up into common_prefixes. At most max_keys (<= 1000) entries;
** truncated and next_token say whether and where to continue. Every entry
** (key or common prefix) sorts after start_after, so a common prefix at or
** before it is not repeated: next_token is simply the page's last entry. */
typedef struct tarn_list_page {
    tarn_object_info *objects;
    size_t nobjects;
    char **common_prefixes;
    size_t nprefixes;
    bool truncated;
    char *next_token;   /* pass as start_after for the next page */
} tarn_list_page;

typedef struct tarn_list_request {
    const char *prefix;      /* NULL = "" */
    const char *delimiter;   /* NULL = none */
    const char *start_after; /* NULL = from the start */
    int max_keys;            /* 0 = 1000 */
} tarn_list_request;

int tarn_object_list(tarn_store *st, const char *bucket, const tarn_list_request *req,
                     tarn_list_page *page, tarn_error *err);
void tarn_list_page_free(tarn_list_page *page);

/* Called once per listing entry, in byte order: an object (obj set,
** common_prefix NULL) or a common prefix (obj NULL). Both are valid only
** during the call. Return 0 to go on; anything else stops the listing and
** becomes tarn_object_list_all's return value. */
typedef int (*tarn_list_fn)(void *ctx, const tarn_object_info *obj, const char *common_prefix);

/* The whole listing req describes (max_keys ignored) in one pass, without
** pages: what large listings should use. Objects carry size and mtime, and
** an ETag when the store has it cached (else etag is ""). */
int tarn_object_list_all(tarn_store *st, const char *bucket, const tarn_list_request *req,
                         tarn_list_fn fn, void *ctx, tarn_error *err);

/* Write an object's bytes to the open descriptor fd (a pipe, stdout). */
int tarn_object_get_fd(tarn_store *st, const char *bucket, const char *key, int fd,
                       tarn_error *err);

/* ---- Transfers: what `tarn s3 cp|mv|rm|sync` do (transfer.c) ------------
** A request names a source and a destination as the user gave them: an
** s3://bucket/key URI or a local path ("-" is stdin as a source, stdout as
** a destination). Every object or file moved is reported through the
** callback, as aws s3 prints it; a failed item is reported with its error
** and the transfer goes on with the next. */

typedef enum tarn_xfer_op {
    TARN_XFER_CP,      /* copy: upload, download or s3-to-s3 copy */
    TARN_XFER_MV,      /* copy, then delete the source */
    TARN_XFER_RM,      /* delete (src only, s3:// only) */
    TARN_XFER_SYNC     /* copy what is new or changed; always recursive */
} tarn_xfer_op;

/* --exclude / --include: glob over the path relative to the source
** prefix or directory; the last pattern that matches decides. */
typedef struct tarn_xfer_filter {
    bool include;
    const char *pattern;
} tarn_xfer_filter;

typedef struct tarn_xfer_request {
    tarn_xfer_op op;
    const char *src;
    const char *dst;            /* NULL for TARN_XFER_RM */
    bool recursive;             /* a prefix / directory rather than one object */
    bool dryrun;                /* report, change nothing */
    bool delete_extra;          /* sync: delete destination items the source lacks */
    const tarn_xfer_filter *filters;
    size_t nfilters;
} tarn_xfer_request;

typedef struct tarn_xfer_event {
    const char *action;         /* "upload", "download", "copy", "move", "delete" */
    const char *src;            /* s3://b/k or local path, as shown to the user */
    const char *dst;            /* NULL for "delete" */
    int64_t size;               /* bytes of the item */
    bool dryrun;                /* nothing was done */
    const tarn_error *error;    /* non-NULL: this item failed with it */
} tarn_xfer_event;

typedef void (*tarn_xfer_fn)(void *ctx, const tarn_xfer_event *ev);

/* Run a transfer. Returns TARN_OK if every item succeeded. A problem with
** the request itself (a missing bucket or source, a bad URI) fails at once
** with err filled and no events; otherwise each failed item is reported
** through fn and the return is the first failure's status, with err
** summing up how many failed. */
int tarn_store_transfer(tarn_store *st, const tarn_xfer_request *req, tarn_xfer_fn fn,
                        void *ctx, tarn_error *err);

#endif
