/*
** util.c: hashing, file digests and CPU count (see core.h). MD5 comes from
** OpenSSL's libcrypto rather than a copy of the algorithm.
*/
#include "core/core.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

int tarn_md5_file(const char *path, char out[33], tarn_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tarn_error_errno(err, errno == ENOENT ? TARN_ERR_NOTFOUND : TARN_ERR_IO,
                                errno, "cannot open '%s'", path);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
    static __thread unsigned char chunk[1 << 16];
    int rc = TARN_OK;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot read '%s'", path);
            break;
        }
        if (n == 0)
            break;
        EVP_DigestUpdate(ctx, chunk, (size_t)n);
    }
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
