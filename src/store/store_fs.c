/*
** store_fs.c: the fs backend's objects (see store.h): put, get, head,
** delete and copy of files under <home>/buckets/<bucket>/<key>. Buckets
** and whole-tree operations are in bucket.c, listings in list.c, the
** naming rules in uri.c.
**
** A put writes a temp file under <home>/buckets/.tarn-tmp, computes the
** MD5 as the bytes go by, fsyncs, creates the key's folders and renames
** the file into place, then fsyncs the folder: a reader sees the old object
** or the whole new one. The ETag is cached in an extended attribute
** stamped with the file's inode, size and mtime, so a head or a listing
** need not reread the object; a stale or missing stamp means recompute.
** MD5 is OpenSSL's, computed here over the open file (rather than with
** tarn_md5_file by name) so that the digest and its stamp describe the
** same file even if the key is replaced meanwhile.
*/
#define _GNU_SOURCE
#include "store/store_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define PUBLISH_TRIES 100
#define FOLDER_GONE (-1)   /* make_key_folders: retry; never a tarn status */
#define TMP_STALE_SECS (24 * 3600)

/* ---- the store and its paths ---- */

/* mkdir -p for the folder part of a local file path. */
static int make_local_parents(const char *path, tarn_error *err)
{
    if (!path[0])
        return TARN_OK;
    char *p = tarn_xstrdup(path);
    int rc = TARN_OK;
    for (char *s = strchr(p + 1, '/'); s && !rc; s = strchr(s + 1, '/')) {
        *s = '\0';
        struct stat sb;
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot create folder '%s'", p);
        else if (stat(p, &sb) == 0 && !S_ISDIR(sb.st_mode))
            rc = tarn_error_set(err, TARN_ERR_EXISTS, "cannot create folder '%s': a file has that name", p);
        *s = '/';
    }
    free(p);
    return rc;
}

/* Remove temp files that puts killed mid-way left in the temp area more
** than TMP_STALE_SECS ago (a live put finishes long before that). */
static void sweep_stale_temps(const char *tmpdir)
{
    DIR *d = opendir(tmpdir);
    if (!d)
        return;
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat sb;
        if (e->d_name[0] != '.' || strstr(e->d_name, ".tarn-") == NULL)
            continue;
        if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode) &&
            sb.st_mtime < now - TMP_STALE_SECS)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

int tarn_store_open(tarn_store **out, const char *home, tarn_error *err)
{
    *out = NULL;
    if (!home || !*home)
        return tarn_error_set(err, TARN_ERR_INVALID, "no home directory given (use --home DIR or set TARN_HOME)");
    tarn_store *st = tarn_xcalloc(1, sizeof *st);
    st->home = tarn_xstrdup(home);
    st->buckets = tarn_xasprintf("%s/buckets", home);
    st->tmpdir = tarn_xasprintf("%s/%s", st->buckets, TARN_STORE_TMP);
    char *probe = tarn_xasprintf("%s/x", st->tmpdir);
    int rc = make_local_parents(probe, err);
    free(probe);
    if (rc) {
        tarn_error_prefix(err, "cannot open the object store in '%s': ", home);
        tarn_store_close(st);
        return rc;
    }
    sweep_stale_temps(st->tmpdir);
    *out = st;
    return TARN_OK;
}

void tarn_store_close(tarn_store *st)
{
    if (!st)
        return;
    free(st->home);
    free(st->buckets);
    free(st->tmpdir);
    free(st);
}

const char *tarn_store_home(const tarn_store *st)
{
    return st->home;
}

char *tarn_store_bucket_path(const tarn_store *st, const char *bucket)
{
    return tarn_xasprintf("%s/%s", st->buckets, bucket);
}

char *tarn_store_object_path(const tarn_store *st, const char *bucket, const char *key)
{
    return tarn_xasprintf("%s/%s/%s", st->buckets, bucket, key);
}

int tarn_store_bucket_check(const tarn_store *st, const char *bucket, tarn_error *err)
{
    int rc = tarn_bucket_name_check(bucket, err);
    if (rc)
        return rc;
    char *path = tarn_store_bucket_path(st, bucket);
    struct stat sb;
    bool ok = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
    free(path);
    if (!ok)
        return tarn_error_set(err, TARN_ERR_NOTFOUND,
                              "NoSuchBucket: bucket '%s' does not exist (create it with 'tarn s3 mb s3://%s')",
                              bucket, bucket);
    return TARN_OK;
}

/* Validate bucket (exists) and key (an object name, not a prefix). */
static int check_object_name(const tarn_store *st, const char *bucket, const char *key, tarn_error *err)
{
    int rc = tarn_store_bucket_check(st, bucket, err);
    if (!rc)
        rc = tarn_key_check(key, false, err);
    return rc;
}

/* The NoSuchKey error for bucket/key, pointing at the key's folder. */
static int no_such_key(const char *bucket, const char *key, tarn_error *err)
{
    const char *slash = strrchr(key, '/');
    int dirlen = slash ? (int)(slash - key + 1) : 0;
    return tarn_error_set(err, TARN_ERR_NOTFOUND,
                          "NoSuchKey: s3://%s/%s does not exist (see what is there with 'tarn s3 ls s3://%s/%.*s')",
                          bucket, key, bucket, dirlen, key);
}

/* ---- ETag cache ---- */

/* The stamp that ties a cached MD5 to one version of a file. */
static int etag_stamp(char *out, size_t n, const struct stat *sb, const char *md5)
{
    return snprintf(out, n, "v1 %" PRIu64 " %" PRId64 " %" PRId64 ".%09ld %s", (uint64_t)sb->st_ino,
                    (int64_t)sb->st_size, (int64_t)sb->st_mtim.tv_sec, sb->st_mtim.tv_nsec, md5);
}

/* Check a stamp read from the xattr (n bytes) against sb; copy its MD5. */
static bool etag_match(const char *val, ssize_t n, const struct stat *sb, char md5[33])
{
    if (n < 33 || n > 160)
        return false;
    char want[192];
    int k = etag_stamp(want, sizeof want, sb, "");
    if (k <= 0 || (size_t)n != (size_t)k + 32 || memcmp(val, want, (size_t)k) != 0)
        return false;
    for (int i = 0; i < 32; i++) {
        char c = val[k + i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    memcpy(md5, val + k, 32);
    md5[32] = '\0';
    return true;
}

bool tarn_store_etag_cached(int fd, const struct stat *sb, char md5[33])
{
    char val[192];
    ssize_t n = fgetxattr(fd, TARN_ETAG_XATTR, val, sizeof val);
    return etag_match(val, n, sb, md5);
}

bool tarn_store_etag_cached_at(const char *path, const struct stat *sb, char md5[33])
{
    char val[192];
    ssize_t n = lgetxattr(path, TARN_ETAG_XATTR, val, sizeof val);
    return etag_match(val, n, sb, md5);
}

/* Remember md5 as the ETag of the file open at fd (best effort: a file
** system without user xattrs just recomputes). */
static void etag_store(int fd, const char *md5)
{
    struct stat sb;
    char val[192];
    if (fstat(fd, &sb) != 0)
        return;
    int n = etag_stamp(val, sizeof val, &sb, md5);
    if (n > 0 && (size_t)n < sizeof val)
        (void)fsetxattr(fd, TARN_ETAG_XATTR, val, (size_t)n, 0);
}

/* Hex digest of a finished MD5 context into out[33]. */
static void md5_hex(EVP_MD_CTX *md, char out[33])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(md, d, &n);
    for (unsigned i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", i < n ? d[i] : 0);
    out[32] = '\0';
}

static int md5_update(void *ud, const char *chunk, size_t n, tarn_error *err)
{
    EVP_DigestUpdate(ud, chunk, n);
    return TARN_OK;
}

/* MD5 of everything readable from fd (from its current offset). */
static int md5_fd(int fd, char out[33], const char *what, tarn_error *err)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        return tarn_error_set(err, TARN_ERR_NOMEM, "cannot start an MD5 digest");
    EVP_DigestInit_ex(md, EVP_md5(), NULL);
    int rc = tarn_fd_read_chunks(fd, md5_update, md, what, err);
    if (!rc)
        md5_hex(md, out);
    EVP_MD_CTX_free(md);
    return rc;
}

/* ---- temp files and atomic publication ---- */

/* Create a new empty file in dir named .<base>.tarn-<unique>, opened for
** writing; *path receives its name (caller frees). Mode 0666 less umask. */
static int create_temp(const char *dir, const char *base, int *fd, char **path, tarn_error *err)
{
    static _Atomic unsigned counter;
    for (int tries = 0; tries < 100; tries++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        unsigned id = atomic_fetch_add(&counter, 1);
        char *p = tarn_xasprintf("%s/.%.100s.tarn-%ld-%u-%lx", dir, base, (long)getpid(), id,
                                 (unsigned long)ts.tv_nsec);
        *fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (*fd >= 0) {
            *path = p;
            return TARN_OK;
        }
        int e = errno;
        free(p);
        if (e != EEXIST)
            return tarn_error_errno(err, e == ENOENT ? TARN_ERR_NOTFOUND : TARN_ERR_IO, e,
                                    "cannot create a temporary file in '%s'", dir);
    }
    return tarn_error_set(err, TARN_ERR_IO, "cannot create a unique temporary file in '%s'", dir);
}

/* A temp file being filled, on its way to becoming an object. */
typedef struct pending {
    int fd;
    char *path;
    EVP_MD_CTX *md;
} pending;

static int pending_open(const tarn_store *st, pending *p, tarn_error *err)
{
    p->md = NULL;
    p->path = NULL;
    int rc = create_temp(st->tmpdir, "put", &p->fd, &p->path, err);
    if (rc == TARN_ERR_NOTFOUND) {
        /* The temp area was removed under us: recreate it once. */
        char *probe = tarn_xasprintf("%s/x", st->tmpdir);
        if (make_local_parents(probe, err) == TARN_OK)
            rc = create_temp(st->tmpdir, "put", &p->fd, &p->path, err);
        free(probe);
    }
    if (rc)
        return rc;
    p->md = EVP_MD_CTX_new();
    if (!p->md) {
        close(p->fd);
        unlink(p->path);
        free(p->path);
        return tarn_error_set(err, TARN_ERR_NOMEM, "cannot start an MD5 digest");
    }
    EVP_DigestInit_ex(p->md, EVP_md5(), NULL);
    return TARN_OK;
}

/* Throw away a pending object (safe after a failed commit too). */
static void pending_abort(pending *p)
{
    if (p->fd >= 0)
        close(p->fd);
    if (p->path) {
        unlink(p->path);
        free(p->path);
    }
    EVP_MD_CTX_free(p->md);
    p->fd = -1;
    p->path = NULL;
    p->md = NULL;
}

/* Write all n bytes of data to fd; what names the file in errors. */
static int write_all(int fd, const char *data, size_t n, const char *what, tarn_error *err)
{
    while (n > 0) {
        ssize_t w = write(fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return tarn_error_errno(err, TARN_ERR_IO, errno, "cannot write %s", what);
        data += w;
        n -= (size_t)w;
    }
    return TARN_OK;
}

static int pending_write(pending *p, const void *data, size_t n, tarn_error *err)
{
    EVP_DigestUpdate(p->md, data, n);
    return write_all(p->fd, data, n, "a temporary file of the object store", err);
}

static int pending_chunk(void *ud, const char *chunk, size_t n, tarn_error *err)
{
    return pending_write(ud, chunk, n, err);
}

/* Copy everything readable from fd into the pending object. */
static int pending_fill(pending *p, int fd, const char *what, tarn_error *err)
{
    return tarn_fd_read_chunks(fd, pending_chunk, p, what, err);
}

/* The error for a key that clashes with an object or folder of the fs
** backend (S3 allows "a" and "a/b" together; one folder tree cannot). */
static int key_clash(const char *bucket, const char *key, const char *what, size_t n, tarn_error *err)
{
    return tarn_error_set(err, TARN_ERR_EXISTS,
                          "cannot store s3://%s/%s: '%.*s' is %s, and the fs backend cannot hold an object "
                          "and a folder of the same name (delete or rename one of them)",
                          bucket, key, (int)n, key, what);
}

/* Create the folders of key's parent segments under the bucket folder
** (path is the object's full path, keyoff where the key starts in it).
** FOLDER_GONE: a concurrent delete removed a folder on the way (retry). */
static int make_key_folders(char *path, size_t keyoff, const char *bucket, const char *key,
                            tarn_error *err)
{
    for (char *s = strchr(path + keyoff, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        int rc = TARN_OK;
        struct stat sb;
        if (mkdir(path, 0777) != 0) {
            if (errno == EEXIST && stat(path, &sb) == 0 && !S_ISDIR(sb.st_mode))
                rc = key_clash(bucket, key, "an object", (size_t)(s - path) - keyoff, err);
            else if (errno == ENOTDIR)
                rc = key_clash(bucket, key, "an object", (size_t)(s - path) - keyoff, err);
            else if (errno == ENOENT)
                rc = FOLDER_GONE;
            else if (errno != EEXIST)
                rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot create folder '%s'", path);
        }
        *s = '/';
        if (rc)
            return rc;
    }
    return TARN_OK;
}

/* fsync the folder that holds path, so a rename into it is durable. */
static void fsync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? tarn_xstrndup(path, (size_t)(slash - path)) : tarn_xstrdup(".");
    int fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

/* Rename the temp file over bucket/key, creating folders; retried when a
** concurrent delete removes an empty folder between mkdir and rename. */
static int publish(const tarn_store *st, const char *tmp, const char *bucket, const char *key,
                   tarn_error *err)
{
    char *path = tarn_store_object_path(st, bucket, key);
    size_t keyoff = strlen(path) - strlen(key);
    int rc, e;
    for (int tries = 0;; tries++) {
        rc = make_key_folders(path, keyoff, bucket, key, err);
        e = rc == TARN_OK && rename(tmp, path) != 0 ? errno : 0;
        if ((rc == FOLDER_GONE || e == ENOENT) && tries < PUBLISH_TRIES)
            continue;
        break;
    }
    if (rc == FOLDER_GONE || e == ENOENT) {
        rc = tarn_store_bucket_check(st, bucket, err);
        if (!rc)
            rc = tarn_error_set(err, TARN_ERR_IO, "cannot store s3://%s/%s: concurrent deletes kept removing "
                                "its folders (try again)", bucket, key);
    } else if (e == EISDIR || e == ENOTEMPTY || e == EEXIST) {
        rc = key_clash(bucket, key, "a folder holding other objects", strlen(key), err);
    } else if (e) {
        rc = tarn_error_errno(err, TARN_ERR_IO, e, "cannot store s3://%s/%s", bucket, key);
    } else if (rc == TARN_OK) {
        fsync_parent(path);
    }
    free(path);
    return rc;
}

/* Make the pending file bucket/key: fsync, cache its ETag, rename. The
** pending object is consumed either way. */
static int pending_commit(const tarn_store *st, pending *p, const char *bucket, const char *key,
                          tarn_error *err)
{
    char md5[33];
    md5_hex(p->md, md5);
    int rc = TARN_OK;
    if (fsync(p->fd) != 0)
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot flush s3://%s/%s to disk", bucket, key);
    if (!rc) {
        etag_store(p->fd, md5);
        if (close(p->fd) != 0)
            rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot write s3://%s/%s", bucket, key);
        p->fd = -1;
    }
    if (!rc)
        rc = publish(st, p->path, bucket, key, err);
    if (!rc) {
        free(p->path);
        p->path = NULL;
    }
    pending_abort(p);
    return rc;
}

/* ---- objects ---- */

int tarn_object_put(tarn_store *st, const char *bucket, const char *key, const void *data,
                    size_t len, tarn_error *err)
{
    int rc = check_object_name(st, bucket, key, err);
    if (rc)
        return rc;
    pending p;
    rc = pending_open(st, &p, err);
    if (rc)
        return rc;
    rc = pending_write(&p, data, len, err);
    if (rc) {
        pending_abort(&p);
        return rc;
    }
    return pending_commit(st, &p, bucket, key, err);
}

int tarn_object_put_file(tarn_store *st, const char *bucket, const char *key, const char *local_path,
                         tarn_error *err)
{
    int rc = check_object_name(st, bucket, key, err);
    if (rc)
        return rc;
    int fd = open(local_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tarn_error_errno(err, errno == ENOENT ? TARN_ERR_NOTFOUND : TARN_ERR_IO, errno,
                                "cannot open '%s'", local_path);
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        close(fd);
        return tarn_error_set(err, TARN_ERR_INVALID, "'%s' is a directory (use --recursive to copy a directory)",
                              local_path);
    }
    pending p;
    rc = pending_open(st, &p, err);
    if (!rc) {
        char *what = tarn_xasprintf("'%s'", local_path);
        rc = pending_fill(&p, fd, what, err);
        free(what);
        if (rc)
            pending_abort(&p);
        else
            rc = pending_commit(st, &p, bucket, key, err);
    }
    close(fd);
    return rc;
}

int tarn_object_staging_path(tarn_store *st, const char *name, char **path, tarn_error *err)
{
    int fd;
    int rc = create_temp(st->tmpdir, name, &fd, path, err);
    if (rc == TARN_ERR_NOTFOUND) {
        char *probe = tarn_xasprintf("%s/x", st->tmpdir);
        if (make_local_parents(probe, err) == TARN_OK)
            rc = create_temp(st->tmpdir, name, &fd, path, err);
        free(probe);
    }
    if (rc)
        return rc;
    close(fd);
    unlink(*path);
    return TARN_OK;
}

int tarn_object_put_move(tarn_store *st, const char *bucket, const char *key, const char *local_path,
                         tarn_error *err)
{
    int rc = check_object_name(st, bucket, key, err);
    if (rc)
        return rc;
    struct stat sb, tb;
    if (stat(local_path, &sb) != 0)
        return tarn_error_errno(err, errno == ENOENT ? TARN_ERR_NOTFOUND : TARN_ERR_IO, errno,
                                "cannot read '%s'", local_path);
    if (stat(st->tmpdir, &tb) == 0 && tb.st_dev == sb.st_dev)
        return publish(st, local_path, bucket, key, err);
    rc = tarn_object_put_file(st, bucket, key, local_path, err);
    if (!rc)
        unlink(local_path);
    return rc;
}

/* Open bucket/key for reading and stat it; NoSuchKey unless it is an
** object (a regular file). */
static int open_object(const tarn_store *st, const char *bucket, const char *key, int *fd,
                       struct stat *sb, tarn_error *err)
{
    int rc = check_object_name(st, bucket, key, err);
    if (rc)
        return rc;
    char *path = tarn_store_object_path(st, bucket, key);
    *fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    free(path);
    if (*fd < 0) {
        if (e == ENOENT || e == ENOTDIR || e == ELOOP)
            return no_such_key(bucket, key, err);
        return tarn_error_errno(err, TARN_ERR_IO, e, "cannot open s3://%s/%s", bucket, key);
    }
    if (fstat(*fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
        close(*fd);
        *fd = -1;
        return no_such_key(bucket, key, err);
    }
    return TARN_OK;
}

/* Read exactly up to n bytes at off into buf; *got receives the count
** (less than n only at end of file). */
static int pread_all(int fd, char *buf, size_t n, int64_t off, size_t *got, tarn_error *err)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, buf + done, n - done, (off_t)(off + (int64_t)done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return tarn_error_errno(err, TARN_ERR_IO, errno, "cannot read an object");
        if (r == 0)
            break;
        done += (size_t)r;
    }
    *got = done;
    return TARN_OK;
}

int tarn_object_get(tarn_store *st, const char *bucket, const char *key, int64_t off, int64_t len,
                    char **data, size_t *n, tarn_error *err)
{
    *data = NULL;
    *n = 0;
    if (off < 0)
        return tarn_error_set(err, TARN_ERR_INVALID, "InvalidRange: offset %" PRId64 " is negative", off);
    int fd;
    struct stat sb;
    int rc = open_object(st, bucket, key, &fd, &sb, err);
    if (rc)
        return rc;
    int64_t size = sb.st_size;
    int64_t start = off < size ? off : size;
    int64_t want = size - start;
    if (len >= 0 && len < want)
        want = len;
    if ((uint64_t)want > SIZE_MAX / 2) {
        close(fd);
        return tarn_error_set(err, TARN_ERR_LIMIT, "s3://%s/%s: range of %" PRId64 " bytes is too large to read "
                              "into memory (read a smaller range)", bucket, key, want);
    }
    char *buf = tarn_xmalloc((size_t)want + 1);
    size_t got = 0;
    rc = pread_all(fd, buf, (size_t)want, start, &got, err);
    close(fd);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[got] = '\0';
    *data = buf;
    *n = got;
    return TARN_OK;
}

/* Where copy_fd writes, and the name to use in errors. */
typedef struct copy_target {
    int fd;
    const char *name;
} copy_target;

static int copy_chunk(void *ud, const char *chunk, size_t n, tarn_error *err)
{
    const copy_target *t = ud;
    return write_all(t->fd, chunk, n, t->name, err);
}

/* Copy all of in (from its offset) to out; names are for errors. */
static int copy_fd(int in, int out, const char *inname, const char *outname, tarn_error *err)
{
    copy_target t = {out, outname};
    return tarn_fd_read_chunks(in, copy_chunk, &t, inname, err);
}

int tarn_object_get_fd(tarn_store *st, const char *bucket, const char *key, int fd, tarn_error *err)
{
    int in;
    struct stat sb;
    int rc = open_object(st, bucket, key, &in, &sb, err);
    if (rc)
        return rc;
    char *name = tarn_xasprintf("s3://%s/%s", bucket, key);
    rc = copy_fd(in, fd, name, "the output", err);
    free(name);
    close(in);
    return rc;
}

/* Fill the new local temp file tfd from the object open at in, give it the
** object's mtime (so sync sees it as current) and rename it to path. */
static int finish_local_copy(int in, const struct stat *sb, int tfd, const char *tmp, const char *path,
                             const char *objname, tarn_error *err)
{
    int rc = copy_fd(in, tfd, objname, path, err);
    if (!rc && fsync(tfd) != 0)
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot flush '%s' to disk", path);
    if (!rc) {
        struct timespec times[2] = {sb->st_mtim, sb->st_mtim};
        (void)futimens(tfd, times);
    }
    if (!rc && rename(tmp, path) != 0)
        rc = tarn_error_errno(err, errno == EISDIR ? TARN_ERR_EXISTS : TARN_ERR_IO, errno,
                              "cannot write '%s'", path);
    return rc;
}

int tarn_object_get_file(tarn_store *st, const char *bucket, const char *key, const char *local_path,
                         tarn_error *err)
{
    int in, tfd = -1;
    struct stat sb;
    int rc = open_object(st, bucket, key, &in, &sb, err);
    if (rc)
        return rc;
    rc = make_local_parents(local_path, err);
    const char *slash = strrchr(local_path, '/');
    char *dir = slash ? tarn_xstrndup(local_path, (size_t)(slash - local_path)) : tarn_xstrdup(".");
    char *tmp = NULL;
    if (!rc)
        rc = create_temp(dir[0] ? dir : "/", slash ? slash + 1 : local_path, &tfd, &tmp, err);
    if (!rc) {
        char *objname = tarn_xasprintf("s3://%s/%s", bucket, key);
        rc = finish_local_copy(in, &sb, tfd, tmp, local_path, objname, err);
        free(objname);
        close(tfd);
        if (rc)
            unlink(tmp);
        else
            fsync_parent(local_path);
    }
    free(tmp);
    free(dir);
    close(in);
    return rc;
}

int tarn_object_head(tarn_store *st, const char *bucket, const char *key, tarn_object_info *info,
                     tarn_error *err)
{
    memset(info, 0, sizeof *info);
    int fd;
    struct stat sb;
    int rc = open_object(st, bucket, key, &fd, &sb, err);
    if (rc)
        return rc;
    char md5[33];
    if (!tarn_store_etag_cached(fd, &sb, md5)) {
        char *name = tarn_xasprintf("s3://%s/%s", bucket, key);
        rc = md5_fd(fd, md5, name, err);
        free(name);
        if (!rc)
            etag_store(fd, md5);
    }
    close(fd);
    if (rc)
        return rc;
    info->size = sb.st_size;
    info->mtime = sb.st_mtim.tv_sec;
    snprintf(info->etag, sizeof info->etag, "\"%s\"", md5);
    return TARN_OK;
}

int tarn_object_local_path(tarn_store *st, const char *bucket, const char *key, char **path,
                           tarn_error *err)
{
    *path = NULL;
    int rc = check_object_name(st, bucket, key, err);
    if (rc)
        return rc;
    char *p = tarn_store_object_path(st, bucket, key);
    struct stat sb;
    if (lstat(p, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        free(p);
        return no_such_key(bucket, key, err);
    }
    *path = p;
    return TARN_OK;
}

/* Remove the now-empty folders above key, deepest first, stopping at the
** first that still holds something (never the bucket folder itself). */
static void prune_empty_parents(char *path, size_t keyoff)
{
    for (char *s = strrchr(path + keyoff, '/'); s; s = strrchr(path + keyoff, '/')) {
        *s = '\0';
        if (rmdir(path) != 0)
            return;
    }
}

int tarn_object_delete(tarn_store *st, const char *bucket, const char *key, tarn_error *err)
{
    int rc = check_object_name(st, bucket, key, err);
    if (rc)
        return rc;
    char *path = tarn_store_object_path(st, bucket, key);
    size_t keyoff = strlen(path) - strlen(key);
    struct stat sb;
    if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        rc = no_such_key(bucket, key, err);
    else if (unlink(path) != 0)
        rc = errno == ENOENT ? no_such_key(bucket, key, err)
                             : tarn_error_errno(err, TARN_ERR_IO, errno, "cannot delete s3://%s/%s", bucket, key);
    if (!rc)
        prune_empty_parents(path, keyoff);
    free(path);
    return rc;
}

int tarn_object_copy(tarn_store *st, const char *src_bucket, const char *src_key, const char *dst_bucket,
                     const char *dst_key, tarn_error *err)
{
    int rc = check_object_name(st, dst_bucket, dst_key, err);
    if (rc)
        return rc;
    if (strcmp(src_bucket, dst_bucket) == 0 && strcmp(src_key, dst_key) == 0)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidRequest: cannot copy s3://%s/%s onto itself (choose another destination)",
                              src_bucket, src_key);
    int in;
    struct stat sb;
    rc = open_object(st, src_bucket, src_key, &in, &sb, err);
    if (rc)
        return rc;
    pending p;
    rc = pending_open(st, &p, err);
    if (!rc) {
        char *name = tarn_xasprintf("s3://%s/%s", src_bucket, src_key);
        rc = pending_fill(&p, in, name, err);
        free(name);
        if (rc)
            pending_abort(&p);
        else
            rc = pending_commit(st, &p, dst_bucket, dst_key, err);
    }
    close(in);
    return rc;
}
