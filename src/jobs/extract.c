/*
** extract.c: the tarn.extract job (what it does is in jobs.h): its
** arguments, getting the source as a local file (downloads are in
** extract_http.c), and unpacking it with libarchive, which recognizes zip,
** tar and gzip (and tar.gz) by their content. Each entry streams through a
** fixed buffer into a staged object; names are checked so no entry can
** land outside the target (zip-slip), and the total unpacked size is
** capped (zip bombs).
*/
#include "jobs/extract_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define COPY_BUF (1 << 20)

/* The run's state. */
typedef struct ex_run {
    const tarn_extract_args *a;
    const tarn_job_env *env;
    jobs_output out;
    char *path;            /* the source as a local file */
    bool downloaded;       /* path is ours (a temporary download) */
    char *name;            /* the source's file name, from the URL */
    int64_t size;          /* its size */
    int64_t unpacked;      /* bytes written so far */
    int entries;
    char *buf;
} ex_run;

/* ---- arguments ---- */

int tarn_extract_args_parse(const tarn_job_args *a, tarn_extract_args *out, tarn_error *err)
{
    static const char *const known[] = {"source_url", "target_path", "max_unpacked_bytes",
                                        "http_retries", "retry_delay_ms", "timeout_seconds", NULL};
    memset(out, 0, sizeof *out);
    int rc = jobs_args_check(a, "tarn.extract", known, err);
    if (!rc)
        rc = jobs_arg_required(a, "source_url", &out->source_url, err);
    if (!rc)
        rc = jobs_arg_required(a, "target_path", &out->target_path, err);
    if (!rc)
        rc = jobs_arg_bytes(a, "max_unpacked_bytes", 10LL << 30, 0, &out->max_unpacked_bytes, err);
    if (!rc)
        rc = jobs_arg_int(a, "http_retries", 3, 0, 10, &out->http_retries, err);
    if (!rc)
        rc = jobs_arg_int(a, "retry_delay_ms", 1000, 0, 600000, &out->retry_delay_ms, err);
    if (!rc)
        rc = jobs_arg_int(a, "timeout_seconds", 60, 1, 86400, &out->timeout_s, err);
    const char *u = out->source_url;
    if (!rc && strncasecmp(u, "http://", 7) != 0 && strncasecmp(u, "https://", 8) != 0 &&
        strncmp(u, "file://", 7) != 0 && strncmp(u, "s3://", 5) != 0)
        rc = tarn_error_set(err, TARN_ERR_INVALID,
                            "--source_url '%s': expected an http://, https://, file:// or s3:// "
                            "address", u);
    return rc;
}

/* ---- names ---- */

static int hexval(int c)
{
    return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* s[0..n) with %XX decoded (a bad escape is kept as is). */
static char *percent_decode(const char *s, size_t n)
{
    char *out = tarn_xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
            (lo = hexval((unsigned char)s[i + 2])) >= 0) {
            *o++ = (char)(hi << 4 | lo);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* The last segment of the URL's path, decoded; "download" if none. */
static char *url_basename(const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "?#");
    const char *slash = NULL;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '/')
            slash = p + i;
    char *name = slash ? percent_decode(slash + 1, (size_t)(p + n - slash - 1)) : tarn_xstrdup("");
    if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '/')) {
        free(name);
        name = tarn_xstrdup("download");
    }
    return name;
}

/* The key (relative to the target) for an archive entry named raw, or an
** error when the name could write outside the target. "" for a name with
** nothing left (such as "./"). Backslashes count as separators. */
static int entry_key(const char *raw, char **out, tarn_error *err)
{
    *out = NULL;
    char *s = tarn_xstrdup(raw);
    for (char *p = s; *p; p++)
        if (*p == '\\')
            *p = '/';
    const char *why = NULL;
    if (s[0] == '/')
        why = "it is an absolute path";
    else if (isalpha((unsigned char)s[0]) && s[1] == ':')
        why = "it starts with a drive letter";
    tarn_buf key;
    tarn_buf_init(&key, 0);
    for (char *seg = s, *next; !why && seg; seg = next) {
        next = strchr(seg, '/');
        if (next)
            *next++ = '\0';
        if (strcmp(seg, "..") == 0)
            why = "it has a '..' segment";
        else if (*seg && strcmp(seg, ".") != 0)
            tarn_buf_appendf(&key, "%s%s", key.len ? "/" : "", seg);
    }
    free(s);
    if (why) {
        tarn_buf_free(&key);
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "archive entry '%s' would be written outside the target (%s); "
                              "tarn.extract refuses such archives", raw, why);
    }
    *out = key.data ? key.data : tarn_xstrdup("");
    return TARN_OK;
}

/* ---- the source as a local file ---- */

static int download(ex_run *x, tarn_job_result *res, tarn_error *err)
{
    int rc = jobs_output_temp(&x->out, "download", &x->path, err);
    if (rc)
        return rc;
    x->downloaded = true;
    int fd = open(x->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return tarn_error_errno(err, TARN_ERR_IO, errno, "cannot create '%s'", x->path);
    jobs_log(x->env, "downloading %s", x->a->source_url);
    rc = extract_download(x->a->source_url, x->a, x->env, fd, x->path, &x->size, err);
    if (!rc && fsync(fd) != 0)
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot write '%s'", x->path);
    close(fd);
    res->bytes_in = x->size;
    return rc;
}

/* file:///path or file://localhost/path. */
static int local_file(ex_run *x, tarn_job_result *res, tarn_error *err)
{
    const char *p = x->a->source_url + 7;
    if (strncmp(p, "localhost/", 10) == 0)
        p += 9;
    if (*p != '/')
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "--source_url '%s': a file:// address needs an absolute path "
                              "(file:///data/x.zip)", x->a->source_url);
    x->path = percent_decode(p, strcspn(p, "?#"));
    struct stat sb;
    if (stat(x->path, &sb) != 0)
        return tarn_error_errno(err, errno == ENOENT ? TARN_ERR_NOTFOUND : TARN_ERR_IO, errno,
                                "cannot read %s", x->a->source_url);
    if (!S_ISREG(sb.st_mode))
        return tarn_error_set(err, TARN_ERR_INVALID, "%s is not a regular file", x->a->source_url);
    x->size = res->bytes_in = sb.st_size;
    return TARN_OK;
}

static int s3_object(ex_run *x, tarn_job_result *res, tarn_error *err)
{
    tarn_uri u;
    int rc = tarn_uri_parse(x->a->source_url, &u, err);
    if (rc)
        return rc;
    const tarn_uri *t = &x->out.target;
    if (strcmp(u.bucket, t->bucket) == 0 && strncmp(u.key, t->key, strlen(t->key)) == 0)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "the source %s lies inside the target s3://%s/%s, which the job "
                              "replaces; give the target its own prefix", x->a->source_url,
                              t->bucket, t->key);
    rc = jobs_allow(x->env, TARN_S3_GET_OBJECT, u.bucket, u.key, err);
    if (!rc)
        rc = tarn_object_local_path(x->env->store, u.bucket, u.key, &x->path, err);
    struct stat sb;
    if (!rc && stat(x->path, &sb) == 0)
        x->size = res->bytes_in = sb.st_size;
    return rc;
}

static int acquire(ex_run *x, tarn_job_result *res, tarn_error *err)
{
    const char *u = x->a->source_url;
    x->name = url_basename(u);
    if (strncmp(u, "file://", 7) == 0)
        return local_file(x, res, err);
    if (strncmp(u, "s3://", 5) == 0)
        return s3_object(x, res, err);
    return download(x, res, err);
}

/* ---- writing entries ---- */

/* Count n more unpacked bytes of entry name against the limit. */
static int count_bytes(ex_run *x, const char *name, int64_t n, tarn_error *err)
{
    x->unpacked += n;
    if (x->unpacked <= x->a->max_unpacked_bytes)
        return TARN_OK;
    return tarn_error_set(err, TARN_ERR_LIMIT,
                          "unpacking %s passed --max_unpacked_bytes (%lld bytes) in '%s'; the "
                          "archive unpacks to more than that (raise the limit if you trust it)",
                          x->a->source_url, (long long)x->a->max_unpacked_bytes, name);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Stream what read() yields into a new temporary file staged as key.
** read returns the bytes put in buf, 0 at the end, or -1 with err set. */
typedef ssize_t (*ex_read_fn)(void *src, char *buf, size_t n, tarn_error *err);

static int stage_stream(ex_run *x, const char *key, ex_read_fn read_fn, void *src,
                        tarn_error *err)
{
    char *tmp = NULL;
    int rc = jobs_output_temp(&x->out, "entry", &tmp, err);
    if (rc)
        return rc;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot create '%s'", tmp);
        free(tmp);
        return rc;
    }
    ssize_t n;
    while (!rc && (n = read_fn(src, x->buf, COPY_BUF, err)) != 0) {
        if (n < 0)
            rc = err->code ? err->code : TARN_ERR_IO;
        else if ((rc = count_bytes(x, key, n, err)) == TARN_OK && write_all(fd, x->buf, (size_t)n))
            rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot write '%s'", tmp);
    }
    if (!rc && fsync(fd) != 0)
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot write '%s'", tmp);
    close(fd);
    if (!rc)
        rc = jobs_output_add(&x->out, key, tmp, -1, err);
    if (rc)
        unlink(tmp);
    free(tmp);
    if (!rc) {
        x->entries++;
        jobs_log(x->env, "stored %s", key);
    }
    return rc;
}

static ssize_t read_archive(void *src, char *buf, size_t n, tarn_error *err)
{
    la_ssize_t k = archive_read_data(src, buf, n);
    if (k < 0)
        tarn_error_set(err, TARN_ERR_CORRUPT, "%s", archive_error_string(src));
    return k;
}

static ssize_t read_fd(void *src, char *buf, size_t n, tarn_error *err)
{
    for (;;) {
        ssize_t k = read(*(int *)src, buf, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            tarn_error_errno(err, TARN_ERR_IO, errno, "cannot read the source");
        return k;
    }
}

/* The source is not an archive: store it as is under its own name. */
static int store_plain(ex_run *x, tarn_error *err)
{
    int rc = count_bytes(x, x->name, x->size, err);
    if (rc)
        return rc;
    if (x->downloaded) {
        rc = jobs_output_add(&x->out, x->name, x->path, -1, err);
        if (!rc) {
            x->downloaded = false;
            x->entries++;
            jobs_log(x->env, "stored %s as it is (not an archive)", x->name);
        }
        return rc;
    }
    x->unpacked -= x->size;
    int fd = open(x->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tarn_error_errno(err, TARN_ERR_IO, errno, "cannot read %s", x->a->source_url);
    rc = stage_stream(x, x->name, read_fd, &fd, err);
    close(fd);
    return rc;
}

/* ---- unpacking ---- */

/* The one member of a gzip file: the source's name less .gz or .gzip. */
static char *gunzip_name(const char *name)
{
    size_t n = strlen(name);
    static const char *const sfx[] = {".gz", ".gzip", ".z"};
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        size_t k = strlen(sfx[i]);
        if (n > k && strcasecmp(name + n - k, sfx[i]) == 0)
            return tarn_xstrndup(name, n - k);
    }
    return tarn_xstrdup(name);
}

static int unpack_entry(ex_run *x, struct archive *ar, struct archive_entry *e, tarn_error *err)
{
    const char *raw = archive_entry_pathname_utf8(e);
    if (!raw)
        raw = archive_entry_pathname(e);
    if (!raw)
        raw = "";
    unsigned type = archive_entry_filetype(e);
    if (archive_entry_hardlink(e) || type == AE_IFLNK) {
        const char *to = archive_entry_hardlink(e) ? archive_entry_hardlink(e) : archive_entry_symlink(e);
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "archive entry '%s' is a link (to '%s'); tarn.extract refuses links, "
                              "which could point outside the target", raw, to ? to : "");
    }
    if (type == AE_IFDIR)
        return TARN_OK;
    if (type != AE_IFREG && type != 0)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "archive entry '%s' is not a regular file (a device or a pipe); "
                              "tarn.extract only stores files", raw);
    char *key;
    int rc = entry_key(raw, &key, err);
    if (!rc && *key)
        rc = stage_stream(x, key, read_archive, ar, err);
    free(key);
    return rc;
}

static int archive_failed(ex_run *x, struct archive *ar, tarn_error *err)
{
    const char *why = archive_error_string(ar);
    return tarn_error_set(err, TARN_ERR_CORRUPT, "cannot read the archive from %s: %s",
                          x->a->source_url, why ? why : "unknown error");
}

/* Unpack every entry after the first header (already read as e). */
static int unpack_entries(ex_run *x, struct archive *ar, struct archive_entry *e, tarn_error *err)
{
    jobs_log(x->env, "unpacking a %s archive", archive_format_name(ar));
    int rc = TARN_OK, r = ARCHIVE_OK;
    while (!rc && r != ARCHIVE_EOF) {
        rc = unpack_entry(x, ar, e, err);
        if (!rc && (r = archive_read_next_header(ar, &e)) < ARCHIVE_WARN)
            rc = archive_failed(x, ar, err);
    }
    return rc;
}

static int unpack(ex_run *x, tarn_error *err)
{
    if (x->size == 0)
        return store_plain(x, err);
    struct archive *ar = archive_read_new();
    archive_read_support_filter_gzip(ar);
    archive_read_support_filter_bzip2(ar);
    archive_read_support_filter_xz(ar);
    archive_read_support_format_zip(ar);
    archive_read_support_format_tar(ar);
    archive_read_support_format_raw(ar);
    struct archive_entry *e = NULL;
    int rc = TARN_OK, r = archive_read_open_filename(ar, x->path, 1 << 16);
    if (r == ARCHIVE_OK)
        r = archive_read_next_header(ar, &e);
    if (r == ARCHIVE_EOF) {
        jobs_log(x->env, "the archive holds no entries");
    } else if (r < ARCHIVE_WARN) {
        rc = archive_failed(x, ar, err);
    } else if (archive_format(ar) == ARCHIVE_FORMAT_RAW && archive_filter_count(ar) <= 1) {
        archive_read_free(ar);
        return store_plain(x, err);
    } else if (archive_format(ar) == ARCHIVE_FORMAT_RAW) {
        char *name = gunzip_name(x->name);
        jobs_log(x->env, "unpacking %s data", archive_filter_name(ar, 0));
        rc = stage_stream(x, name, read_archive, ar, err);
        free(name);
    } else {
        rc = unpack_entries(x, ar, e, err);
    }
    archive_read_free(ar);
    return rc;
}

/* ---- the job ---- */

static void report(ex_run *x, tarn_job_result *res)
{
    char b1[32], b2[32];
    res->files_in = x->entries;
    jobs_summary(res, "read %s (%s)", x->a->source_url, jobs_bytes_str(res->bytes_in, b1, sizeof b1));
    jobs_summary(res, "stored %d object%s (%s) under s3://%s/%s", x->entries,
                 x->entries == 1 ? "" : "s", jobs_bytes_str(res->bytes_out, b2, sizeof b2),
                 x->out.target.bucket, x->out.target.key);
}

int tarn_job_extract(const tarn_extract_args *args, const tarn_job_env *env,
                     tarn_job_result *res, tarn_error *err)
{
    ex_run x;
    memset(&x, 0, sizeof x);
    x.a = args;
    x.env = env;
    x.buf = tarn_xmalloc(COPY_BUF);
    jobs_log(env, "tarn.extract: %s -> %s", args->source_url, args->target_path);
    int rc = jobs_output_open(&x.out, env, args->target_path, err);
    if (!rc)
        rc = acquire(&x, res, err);
    if (!rc)
        rc = unpack(&x, err);
    if (!rc)
        rc = jobs_output_commit(&x.out, res, err);
    if (!rc) {
        report(&x, res);
        jobs_log(env, "%s", res->summary);
    } else {
        jobs_log(env, "tarn.extract failed: %s", err->msg);
    }
    if (x.downloaded && x.path)
        unlink(x.path);
    jobs_output_free(&x.out);
    free(x.path);
    free(x.name);
    free(x.buf);
    return rc;
}
