/*
** bucket.c: buckets of the fs backend (see store.h): create, delete, list,
** and the whole-folder-tree helpers they need. A bucket is a folder
** <home>/buckets/<name>; anything in <home>/buckets whose name is not a
** valid bucket name (such as the .tarn-tmp area) is not a bucket.
**
** A bucket's creation time is the folder's birth time where the file
** system records it (statx), else its mtime.
*/
#define _GNU_SOURCE
#include "store/store_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int tarn_bucket_create(tarn_store *st, const char *bucket, tarn_error *err)
{
    int rc = tarn_bucket_name_check(bucket, err);
    if (rc)
        return rc;
    char *path = tarn_store_bucket_path(st, bucket);
    if (mkdir(path, 0777) != 0) {
        int e = errno;
        if (e == EEXIST)
            rc = tarn_error_set(err, TARN_ERR_EXISTS,
                                "BucketAlreadyOwnedByYou: bucket '%s' already exists", bucket);
        else
            rc = tarn_error_errno(err, TARN_ERR_IO, e, "cannot create bucket '%s' at '%s'", bucket, path);
    }
    free(path);
    return rc;
}

bool tarn_bucket_exists(tarn_store *st, const char *bucket)
{
    return tarn_store_bucket_check(st, bucket, NULL) == TARN_OK;
}

/* Open the folder name inside dirfd, not following a symlink. */
static int open_subdir(int dirfd, const char *name)
{
    return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* A DIR stream over the folder open at dirfd (which stays open). */
static DIR *dir_stream(int dirfd)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    DIR *d = fdopendir(fd);
    if (!d)
        close(fd);
    return d;
}

/* The type of entry e in dirfd: DT_REG, DT_DIR or something else. */
static int entry_type(int dirfd, const struct dirent *e)
{
    if (e->d_type != DT_UNKNOWN)
        return e->d_type;
    struct stat sb;
    if (fstatat(dirfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
        return DT_UNKNOWN;
    return S_ISREG(sb.st_mode) ? DT_REG : S_ISDIR(sb.st_mode) ? DT_DIR : DT_UNKNOWN;
}

static bool is_dot(const char *name)
{
    return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

bool tarn_store_tree_has_object(int dirfd)
{
    DIR *d = dir_stream(dirfd);
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        if (is_dot(e->d_name))
            continue;
        int t = entry_type(dirfd, e);
        if (t == DT_REG) {
            found = true;
        } else if (t == DT_DIR) {
            int sub = open_subdir(dirfd, e->d_name);
            if (sub >= 0) {
                found = tarn_store_tree_has_object(sub);
                close(sub);
            }
        }
    }
    closedir(d);
    return found;
}

/* Remove everything inside the folder open at dirfd (the folder stays). */
static int tree_remove(int dirfd, const char *what, tarn_error *err)
{
    DIR *d = dir_stream(dirfd);
    if (!d)
        return tarn_error_errno(err, TARN_ERR_IO, errno, "cannot read %s", what);
    int rc = TARN_OK;
    struct dirent *e;
    while (!rc && (e = readdir(d)) != NULL) {
        if (is_dot(e->d_name))
            continue;
        int sub = entry_type(dirfd, e) == DT_DIR ? open_subdir(dirfd, e->d_name) : -1;
        if (sub >= 0) {
            rc = tree_remove(sub, what, err);
            close(sub);
            if (!rc && unlinkat(dirfd, e->d_name, AT_REMOVEDIR) != 0 && errno != ENOENT)
                rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot remove folder '%s' in %s", e->d_name, what);
        } else if (unlinkat(dirfd, e->d_name, 0) != 0 && errno != ENOENT) {
            rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot remove '%s' in %s", e->d_name, what);
        }
    }
    closedir(d);
    return rc;
}

static int bucket_not_empty(const char *bucket, tarn_error *err)
{
    return tarn_error_set(err, TARN_ERR_NOTEMPTY,
                          "BucketNotEmpty: bucket '%s' still holds objects (delete them with "
                          "'tarn s3 rm s3://%s --recursive', or use 'tarn s3 rb s3://%s --force')",
                          bucket, bucket, bucket);
}

int tarn_bucket_delete(tarn_store *st, const char *bucket, bool force, tarn_error *err)
{
    int rc = tarn_store_bucket_check(st, bucket, err);
    if (rc)
        return rc;
    char *path = tarn_store_bucket_path(st, bucket);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot open bucket '%s'", bucket);
        free(path);
        return rc;
    }
    if (!force && tarn_store_tree_has_object(fd))
        rc = bucket_not_empty(bucket, err);
    if (!rc) {
        char *what = tarn_xasprintf("bucket '%s'", bucket);
        rc = tree_remove(fd, what, err);
        free(what);
    }
    close(fd);
    if (!rc && rmdir(path) != 0)
        rc = errno == ENOTEMPTY || errno == EEXIST
                 ? bucket_not_empty(bucket, err)
                 : tarn_error_errno(err, TARN_ERR_IO, errno, "cannot delete bucket '%s'", bucket);
    free(path);
    return rc;
}

/* When the folder name in dirfd was created (birth time, else mtime). */
static time_t created_time(int dirfd, const char *name)
{
    struct statx sx;
    if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_BTIME | STATX_MTIME, &sx) != 0)
        return 0;
    if (sx.stx_mask & STATX_BTIME)
        return (time_t)sx.stx_btime.tv_sec;
    return (time_t)sx.stx_mtime.tv_sec;
}

static int bucket_info_cmp(const void *a, const void *b)
{
    return strcmp(((const tarn_bucket_info *)a)->name, ((const tarn_bucket_info *)b)->name);
}

int tarn_bucket_list(tarn_store *st, tarn_bucket_info **out, size_t *n, tarn_error *err)
{
    *out = NULL;
    *n = 0;
    int fd = open(st->buckets, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return tarn_error_errno(err, TARN_ERR_IO, e, "cannot read the buckets in '%s'", st->buckets);
    }
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len >= sizeof(*out)->name || tarn_bucket_name_check(e->d_name, NULL) != TARN_OK ||
            entry_type(fd, e) != DT_DIR)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = tarn_xrealloc(*out, cap * sizeof **out);
        }
        tarn_bucket_info *b = &(*out)[(*n)++];
        memset(b, 0, sizeof *b);
        memcpy(b->name, e->d_name, len + 1);
        b->created = created_time(fd, e->d_name);
    }
    closedir(d);
    if (*n > 1)
        qsort(*out, *n, sizeof **out, bucket_info_cmp);
    return TARN_OK;
}
