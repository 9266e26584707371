/*
** input.c: the byte layer under the text readers (format_internal.h). It
** maps a file read-only and hands the reader one contiguous range of UTF-8
** bytes: gzip input (every concatenated member) is inflated with zlib into
** an unlinked temporary file that is mapped instead; a UTF-8 BOM is
** skipped; UTF-16LE/BE with a BOM is converted to UTF-8 into another
** unlinked temporary file. Temporary files never outlive the process, and
** their pages belong to the page cache, not to the process's heap.
*/
#include "format/format_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <zlib.h>

#define IO_CHUNK (1u << 20)
/* Room left on the temporary file system when inflating or converting. */
#define TMP_RESERVE ((uint64_t)64 << 20)

/* An output temporary file with a write buffer and a size cap. */
typedef struct tmpout {
    int fd;
    const char *path;  /* the input, for messages */
    unsigned char *buf;
    size_t len;
    uint64_t written, cap;
} tmpout;

/* Create an unlinked temporary file in tmp_dir ($TMPDIR or /tmp if NULL). */
static int tmp_create(const char *tmp_dir, int *fd, tarn_error *err)
{
    if (!tmp_dir || !*tmp_dir)
        tmp_dir = getenv("TMPDIR");
    if (!tmp_dir || !*tmp_dir)
        tmp_dir = "/tmp";
    char *name = tarn_xasprintf("%s/tarn-input-XXXXXX", tmp_dir);
    *fd = mkstemp(name);
    if (*fd < 0) {
        int e = errno;
        free(name);
        return tarn_error_errno(err, TARN_ERR_IO, e,
                                "cannot create a temporary file in '%s' (set TMPDIR or tmp_dir)",
                                tmp_dir);
    }
    unlink(name);
    free(name);
    return TARN_OK;
}

static int tmpout_open(tmpout *o, const char *path, const char *tmp_dir, tarn_error *err)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    int rc = tmp_create(tmp_dir, &o->fd, err);
    if (rc)
        return rc;
    struct statvfs vs;
    o->cap = UINT64_MAX;
    if (fstatvfs(o->fd, &vs) == 0) {
        uint64_t avail = (uint64_t)vs.f_bavail * vs.f_frsize;
        o->cap = avail > TMP_RESERVE ? avail - TMP_RESERVE : 0;
    }
    o->buf = tarn_xmalloc(IO_CHUNK);
    return TARN_OK;
}

static int tmpout_flush(tmpout *o, tarn_error *err)
{
    size_t off = 0;
    if (o->written + o->len > o->cap)
        return tarn_error_set(err, TARN_ERR_LIMIT,
                              "'%s': decoded input would fill the temporary file system "
                              "(%llu bytes written); free space or set TMPDIR",
                              o->path, (unsigned long long)o->written);
    while (off < o->len) {
        ssize_t n = write(o->fd, o->buf + off, o->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return tarn_error_errno(err, TARN_ERR_IO, errno,
                                    "'%s': cannot write the temporary file", o->path);
        off += (size_t)n;
    }
    o->written += o->len;
    o->len = 0;
    return TARN_OK;
}

static inline int tmpout_put(tmpout *o, const void *p, size_t n, tarn_error *err)
{
    if (o->len + n > IO_CHUNK) {
        int rc = tmpout_flush(o, err);
        if (rc)
            return rc;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    return TARN_OK;
}

/* Flush and hand the file descriptor over (closed on failure). */
static int tmpout_finish(tmpout *o, int *fd, tarn_error *err)
{
    int rc = tmpout_flush(o, err);
    free(o->buf);
    o->buf = NULL;
    if (rc) {
        close(o->fd);
        return rc;
    }
    *fd = o->fd;
    return TARN_OK;
}

static void tmpout_abort(tmpout *o)
{
    free(o->buf);
    o->buf = NULL;
    close(o->fd);
}

/* ---- gzip ---- */

/* Are the bytes p[0..n) all zero (padding after the last gzip member)? */
static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Inflate every gzip member of the mapped file into o. */
static int inflate_members(const unsigned char *src, size_t n, tmpout *o, tarn_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return tarn_error_set(err, TARN_ERR_NOMEM, "'%s': cannot start gzip decoder", o->path);
    unsigned char *out = tarn_xmalloc(IO_CHUNK);
    size_t pos = 0;
    int rc = TARN_OK, zr = Z_OK;
    while (rc == TARN_OK) {
        size_t take = n - pos > (1u << 30) ? (1u << 30) : n - pos;
        z.next_in = (unsigned char *)(uintptr_t)(src + pos);
        z.avail_in = (uInt)take;
        z.next_out = out;
        z.avail_out = IO_CHUNK;
        zr = inflate(&z, Z_NO_FLUSH);
        pos += take - z.avail_in;
        if (IO_CHUNK - z.avail_out)
            rc = tmpout_put(o, out, IO_CHUNK - z.avail_out, err);
        if (rc)
            break;
        if (zr == Z_STREAM_END) {
            if (pos == n || all_zero(src + pos, n - pos))
                break;
            if (n - pos < 2 || src[pos] != 0x1f || src[pos + 1] != 0x8b) {
                rc = tarn_error_set(err, TARN_ERR_CORRUPT,
                                    "'%s': unexpected bytes after gzip member at offset %zu",
                                    o->path, pos);
                break;
            }
            inflateReset(&z);
        } else if (zr == Z_BUF_ERROR && pos == n && z.avail_out != 0) {
            rc = tarn_error_set(err, TARN_ERR_CORRUPT,
                                "'%s': gzip data is truncated (ends inside a member)", o->path);
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            rc = tarn_error_set(err, zr == Z_MEM_ERROR ? TARN_ERR_NOMEM : TARN_ERR_CORRUPT,
                                "'%s': corrupt gzip data near offset %zu: %s", o->path, pos,
                                z.msg ? z.msg : "invalid data");
        }
    }
    free(out);
    inflateEnd(&z);
    return rc;
}

/* ---- UTF-16 ---- */

/* Encode code point cp as UTF-8 into b; returns its length. */
static size_t utf8_encode(uint32_t cp, unsigned char *b)
{
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    b[0] = (unsigned char)(0xF0 | (cp >> 18));
    b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Convert UTF-16 (after its BOM) to UTF-8 into o. Unpaired surrogates and
** an odd final byte become U+FFFD. */
static int utf16_convert(const unsigned char *s, size_t n, bool be, tmpout *o, tarn_error *err)
{
    size_t i = 0;
    int rc = TARN_OK;
    while (i + 1 < n && rc == TARN_OK) {
        uint32_t u = be ? (uint32_t)(s[i] << 8 | s[i + 1]) : (uint32_t)(s[i] | s[i + 1] << 8);
        i += 2;
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n) {
            uint32_t w = be ? (uint32_t)(s[i] << 8 | s[i + 1]) : (uint32_t)(s[i] | s[i + 1] << 8);
            if (w >= 0xDC00 && w <= 0xDFFF) {
                u = 0x10000 + ((u - 0xD800) << 10) + (w - 0xDC00);
                i += 2;
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF)
            u = 0xFFFD;
        unsigned char b[4];
        rc = tmpout_put(o, b, utf8_encode(u, b), err);
    }
    if (rc == TARN_OK && i < n) {
        unsigned char b[4];
        rc = tmpout_put(o, b, utf8_encode(0xFFFD, b), err);
    }
    return rc;
}

/* ---- mapping ---- */

/* Map fd's whole content (len bytes) read-only. */
static int map_fd(int fd, size_t len, void **map, const char *path, tarn_error *err)
{
    *map = NULL;
    if (len == 0)
        return TARN_OK;
    void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED)
        return tarn_error_errno(err, TARN_ERR_IO, errno, "'%s': cannot map %zu bytes", path,
                                len);
    *map = m;
    return TARN_OK;
}

/* Replace in's mapping with the temporary file fd. */
static int remap_from_tmp(tarn_input *in, int fd, const char *path, tarn_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return tarn_error_errno(err, TARN_ERR_IO, errno, "'%s': temporary file", path);
    }
    if (in->map)
        munmap(in->map, in->map_len);
    in->map = NULL;
    in->map_len = (size_t)st.st_size;
    int rc = map_fd(fd, in->map_len, &in->map, path, err);
    close(fd);
    in->data = in->map ? in->map : "";
    in->len = in->map ? in->map_len : 0;
    return rc;
}

/* Copy a non-seekable input (a pipe) into a temporary file. */
static int copy_stream(int src, const char *path, const char *tmp_dir, int *out, tarn_error *err)
{
    tmpout o;
    int rc = tmpout_open(&o, path, tmp_dir, err);
    if (rc)
        return rc;
    unsigned char *buf = tarn_xmalloc(IO_CHUNK);
    for (;;) {
        ssize_t n = read(src, buf, IO_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot read '%s'", path);
        if (n <= 0)
            break;
        if ((rc = tmpout_put(&o, buf, (size_t)n, err)) != TARN_OK)
            break;
    }
    free(buf);
    if (rc) {
        tmpout_abort(&o);
        return rc;
    }
    return tmpout_finish(&o, out, err);
}

/* Open path and map it (copying it first if it is not a regular file). */
static int map_path(tarn_input *in, const char *path, const char *tmp_dir, tarn_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tarn_error_errno(err, errno == ENOENT ? TARN_ERR_NOTFOUND : TARN_ERR_IO, errno,
                                "cannot open '%s'", path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return tarn_error_errno(err, TARN_ERR_IO, e, "cannot stat '%s'", path);
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return tarn_error_set(err, TARN_ERR_INVALID, "'%s' is a directory, not a file", path);
    }
    if (!S_ISREG(st.st_mode)) {
        int tmp;
        int rc = copy_stream(fd, path, tmp_dir, &tmp, err);
        close(fd);
        return rc ? rc : remap_from_tmp(in, tmp, path, err);
    }
    in->map_len = (size_t)st.st_size;
    int rc = map_fd(fd, in->map_len, &in->map, path, err);
    close(fd);
    in->data = in->map ? in->map : "";
    in->len = in->map ? in->map_len : 0;
    return rc;
}

/* Inflate the mapped gzip input into a temporary file and map that. */
static int decode_gzip(tarn_input *in, const char *path, const char *tmp_dir, tarn_error *err)
{
    tmpout o;
    int fd, rc = tmpout_open(&o, path, tmp_dir, err);
    if (rc)
        return rc;
    rc = inflate_members((const unsigned char *)in->data, in->len, &o, err);
    if (rc) {
        tmpout_abort(&o);
        return rc;
    }
    if ((rc = tmpout_finish(&o, &fd, err)) != TARN_OK)
        return rc;
    in->gzip = true;
    return remap_from_tmp(in, fd, path, err);
}

/* Convert mapped UTF-16 (BOM at in->data) to UTF-8 and map the result. */
static int decode_utf16(tarn_input *in, bool be, const char *path, const char *tmp_dir,
                        tarn_error *err)
{
    tmpout o;
    int fd, rc = tmpout_open(&o, path, tmp_dir, err);
    if (rc)
        return rc;
    rc = utf16_convert((const unsigned char *)in->data + 2, in->len - 2, be, &o, err);
    if (rc) {
        tmpout_abort(&o);
        return rc;
    }
    if ((rc = tmpout_finish(&o, &fd, err)) != TARN_OK)
        return rc;
    rc = remap_from_tmp(in, fd, path, err);
    in->encoding = be ? "utf-16be" : "utf-16le";
    return rc;
}

int tarn_input_open(tarn_input *in, const char *path, const char *tmp_dir, tarn_error *err)
{
    memset(in, 0, sizeof *in);
    in->data = "";
    in->encoding = "utf-8";
    int rc = map_path(in, path, tmp_dir, err);
    const unsigned char *p = (const unsigned char *)in->data;
    if (rc == TARN_OK && in->len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        rc = decode_gzip(in, path, tmp_dir, err);
    p = (const unsigned char *)in->data;
    if (rc == TARN_OK && in->len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        in->data += 3;
        in->len -= 3;
        in->encoding = "utf-8-bom";
    } else if (rc == TARN_OK && in->len >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) ||
                                                 (p[0] == 0xFE && p[1] == 0xFF))) {
        rc = decode_utf16(in, p[0] == 0xFE, path, tmp_dir, err);
    }
    if (rc)
        tarn_input_close(in);
    return rc;
}

void tarn_input_close(tarn_input *in)
{
    if (in->map)
        munmap(in->map, in->map_len);
    in->map = NULL;
    in->map_len = 0;
    in->data = "";
    in->len = 0;
}
