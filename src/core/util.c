/*
** util.c: hashing, file digests and CPU count (see core.h). MD5 comes from
** OpenSSL's libcrypto rather than a copy of the algorithm.
*/
#include "core/core.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool tarn_process_alive(int64_t pid)
{
    if (pid <= 0 || pid > INT32_MAX)
        return false;
    if (kill((pid_t)pid, 0) != 0 && errno != EPERM)
        return false;
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return true; /* no /proc: trust kill() */
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    /* "pid (comm) S ...": the state follows the last ')'. */
    const char *p = strrchr(buf, ')');
    return !(p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'));
}

/* A 64-bit multiply-xorshift hash over 8-byte words (wyhash-style mixing). */
static inline uint64_t mix64(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t tarn_hash64(const void *p, size_t n, uint64_t seed)
{
    const uint8_t *s = p;
    const uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL;
    uint64_t h = seed ^ mix64(seed ^ k0, k1) ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = mix64(h ^ w ^ k1, k0);
        s += 8;
        n -= 8;
    }
    uint64_t tail = 0;
    if (n)
        memcpy(&tail, s, n);
    h = mix64(h ^ tail ^ k0, k1 ^ n);
    return mix64(h, k0);
}

int tarn_fd_read_chunks(int fd, tarn_chunk_fn fn, void *ud, const char *what, tarn_error *err)
{
    enum { CHUNK = 1 << 20 };
    char *buf = tarn_xmalloc(CHUNK);
    int rc = TARN_OK;
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot read %s", what);
            break;
        }
        if (n == 0 || (rc = fn(ud, buf, (size_t)n, err)) != TARN_OK)
            break;
    }
    free(buf);
    return rc;
}

static int md5_update(void *ud, const char *chunk, size_t n, tarn_error *err)
{
    EVP_DigestUpdate(ud, chunk, n);
    return TARN_OK;
}

int tarn_md5_file(const char *path, char out[33], tarn_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tarn_error_errno(err, errno == ENOENT ? TARN_ERR_NOTFOUND : TARN_ERR_IO,
                                errno, "cannot open '%s'", path);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) {
        close(fd);
        return tarn_error_set(err, TARN_ERR_NOMEM, "cannot start an MD5 digest");
    }
    EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
    char *what = tarn_xasprintf("'%s'", path);
    int rc = tarn_fd_read_chunks(fd, md5_update, ctx, what, err);
    free(what);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    close(fd);
    for (unsigned i = 0; i < 16 && i < mdlen; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[32] = '\0';
    return rc;
}

int tarn_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
