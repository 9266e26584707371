/*
** core.h: the pieces every tarn module shares: status codes, the error value
** that carries a user-facing message, a bounded growable byte buffer, hashing
** and small string helpers.
**
** Errors are values. A function that can fail returns an int status
** (TARN_OK on success) and, on failure, fills the caller's tarn_error with a
** message that says what failed, on which object, and what to do. Only cli/
** prints.
*/
#ifndef TARN_CORE_H
#define TARN_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TARN_VERSION "0.1.0"

/* Status codes. Every fallible function returns one of these. */
enum tarn_status {
    TARN_OK = 0,
    TARN_ERR_INVALID,     /* bad input or argument (a usage problem) */
    TARN_ERR_NOTFOUND,    /* object, bucket, file or column does not exist */
    TARN_ERR_EXISTS,      /* already exists */
    TARN_ERR_NOTEMPTY,    /* bucket (or folder) still holds objects */
    TARN_ERR_IO,          /* operating-system I/O failure */
    TARN_ERR_NOMEM,       /* allocation failed */
    TARN_ERR_CORRUPT,     /* input is malformed (bad CSV row, bad Parquet) */
    TARN_ERR_UNSUPPORTED, /* a feature tarn does not implement */
    TARN_ERR_LIMIT,       /* a size or memory limit was exceeded */
    TARN_ERR_ACCESS,      /* denied by policy or permissions */
    TARN_ERR_INTERNAL     /* a bug in tarn */
};

#define TARN_ERROR_MAX 1024

/* An error: a status and a message a user can act on. Zero-initialize it. */
typedef struct tarn_error {
    int code;
    char msg[TARN_ERROR_MAX];
} tarn_error;

/* Fill err (if not NULL) with code and a printf-style message; returns code
** so callers can write `return tarn_error_set(err, TARN_ERR_IO, ...)`. */
int tarn_error_set(tarn_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like tarn_error_set, appending ": strerror(errnum)". */
int tarn_error_errno(tarn_error *err, int code, int errnum, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));

/* Prefix an existing message with more context ("reading 'x': <old>"). */
void tarn_error_prefix(tarn_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Short name of a status code ("InvalidArgument", "NotFound", ...). */
const char *tarn_status_name(int code);

/* Allocation that never returns NULL: on failure it prints and exits 1.
** Used where an out-of-memory condition cannot be reported usefully. */
void *tarn_xmalloc(size_t n);
void *tarn_xcalloc(size_t n, size_t size);
void *tarn_xrealloc(void *p, size_t n);
char *tarn_xstrdup(const char *s);
char *tarn_xstrndup(const char *s, size_t n);
char *tarn_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer with a hard size limit (0 = no limit beyond
** SIZE_MAX/2). Contents are always NUL-terminated past len. */
typedef struct tarn_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t limit;
} tarn_buf;

void tarn_buf_init(tarn_buf *b, size_t limit);
void tarn_buf_free(tarn_buf *b);
void tarn_buf_reset(tarn_buf *b);
/* Append n bytes; returns TARN_ERR_LIMIT if the limit would be passed
** (the buffer is unchanged then). */
int tarn_buf_append(tarn_buf *b, const void *p, size_t n);
int tarn_buf_appendf(tarn_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int tarn_buf_putc(tarn_buf *b, char c);

/* 64-bit hash of n bytes (fast, non-cryptographic, seeded). */
uint64_t tarn_hash64(const void *p, size_t n, uint64_t seed);

/* Read fd from its current offset to the end in chunks, calling
** fn(ud, chunk, n) for each; stops at the first non-zero status fn returns
** and returns it. A read error is TARN_ERR_IO naming `what` ("'x.csv'"). */
typedef int (*tarn_chunk_fn)(void *ud, const char *chunk, size_t n, tarn_error *err);
int tarn_fd_read_chunks(int fd, tarn_chunk_fn fn, void *ud, const char *what, tarn_error *err);

/* MD5 of a file's content as 32 lower-case hex chars + NUL in out. */
int tarn_md5_file(const char *path, char out[33], tarn_error *err);

/* Number of worker threads to use by default (online CPUs, at least 1). */
int tarn_cpu_count(void);

/* ---- HyperLogLog (hll.c) -------------------------------------------------
** An approximate distinct counter: 2^14 one-byte registers (16 KiB), about
** 0.8% standard error at every cardinality (Ertl's improved estimator, so
** there is no bias jump between small and large counts). Feed it 64-bit
** hashes of the values: tarn_hash64() for bytes, tarn_hash_u64() for
** fixed-width values. Sketches fed with the same hash functions merge into
** the sketch of the union, so threads can each keep their own. */
#define TARN_HLL_BITS 14
#define TARN_HLL_REGISTERS (1u << TARN_HLL_BITS)

typedef struct tarn_hll {
    uint8_t reg[TARN_HLL_REGISTERS];
} tarn_hll;

/* Empty the sketch (every register zero). */
void tarn_hll_init(tarn_hll *h);
/* dst becomes the sketch of the union of dst's and src's values. */
void tarn_hll_merge(tarn_hll *dst, const tarn_hll *src);
/* Estimated number of distinct hashes added (0 for an empty sketch). */
double tarn_hll_estimate(const tarn_hll *h);

/* Add one hashed value: the top TARN_HLL_BITS bits pick a register, which
** keeps the largest count of leading zeros (+1) seen in the other bits. */
static inline void tarn_hll_add(tarn_hll *h, uint64_t hash)
{
    uint32_t idx = (uint32_t)(hash >> (64 - TARN_HLL_BITS));
    uint64_t rest = (hash << TARN_HLL_BITS) | (1ULL << (TARN_HLL_BITS - 1));
    uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
    if (rank > h->reg[idx])
        h->reg[idx] = rank;
}

/* A bijective 64-bit mixer for hashing one fixed-width value (an integer,
** a double's bits) without going through the byte hash. */
static inline uint64_t tarn_hash_u64(uint64_t v)
{
    v ^= v >> 30;
    v *= 0xbf58476d1ce4e5b9ULL;
    v ^= v >> 27;
    v *= 0x94d049bb133111ebULL;
    v ^= v >> 31;
    return v;
}
/* ---- end HyperLogLog ---- */

/* Whether process pid still runs: it exists (EPERM counts: it is someone
** else's) and is not a zombie. A zombie is gone for every purpose of
** tarn's: where no init reaps orphans (some containers), a child killed
** with its parent stays a zombie indefinitely. util.c. */
bool tarn_process_alive(int64_t pid);

#endif
