/*
** clean_dedupe.c: exact duplicate rows for the clean job (interface and
** the canonical row bytes in clean_int.h).
**
** In memory (dd_set): a hash table of 64-bit row hashes with a reference
** into an arena holding one copy of each distinct row; a row is a
** duplicate only if some row with the same hash has the same bytes.
**
** Past the budget (dd_spill): every row goes with its row number to one
** of N spill files chosen by its hash, so duplicates always share a file.
** Rows are appended in input order, so within a file the first occurrence
** comes first. Each file is then deduplicated alone with a dd_set (in
** parallel); one whose distinct rows still pass its share of the budget is
** split 16 ways by further hash bits and each piece done alone. The files
** are unlinked as soon as they are opened, so a killed run leaves no
** spill behind. The result is a bitmap of the row numbers to drop, which
** the caller applies while reading the input a second time.
*/
#define _GNU_SOURCE
#include "jobs/clean_int.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HASH_SEED 0x7461726e64647570ULL /* "tarnddup" */
#define ARENA_CHUNK_MIN (4u << 10)
#define ARENA_CHUNK_MAX (16u << 20)
#define REF_OFF_BITS 40
#define TABLE_MIN 64
#define SPILL_BUF (128u << 10)
#define SPLIT_WAYS 16
#define SPLIT_BITS 4
#define MAX_DEPTH 6
#define MIN_BUDGET (16 << 10) /* a partition this small is never split */
#define READ_CHUNK (1u << 20)

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t varint_put(char *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (char)v;
    return n;
}

/* Read a varint from p[0..n); returns its length, 0 if malformed. */
static size_t varint_get(const char *p, size_t n, uint64_t *v)
{
    *v = 0;
    for (size_t i = 0; i < n && i < 10; i++) {
        *v |= (uint64_t)((unsigned char)p[i] & 0x7F) << (7 * i);
        if (!((unsigned char)p[i] & 0x80))
            return i + 1;
    }
    return 0;
}

/* ---- canonical rows ---- */

static void rows_reserve(dd_rows *r, int64_t n)
{
    if (n <= r->cap)
        return;
    r->cap = n;
    r->off = tarn_xrealloc(r->off, sizeof *r->off * (size_t)(n + 1));
    r->hash = tarn_xrealloc(r->hash, sizeof *r->hash * (size_t)(n + 1));
}

/* Add each selected row's bytes for column c to len[1..n]. */
static void add_lengths(const tarn_column *c, int64_t *len, int64_t n, const uint8_t *sel)
{
    size_t w = tarn_type_width(c->type.id);
    bool all = c->null_count == 0;
    for (int64_t i = 0; i < n; i++) {
        if ((sel && !sel[i]) || (!all && !tarn_column_is_valid(c, i)))
            continue;
        if (w) {
            len[i + 1] += (int64_t)w;
        } else {
            uint64_t l = (uint64_t)(c->offsets[i + 1] - c->offsets[i]);
            len[i + 1] += (int64_t)(varint_len(l) + l);
        }
    }
}

/* Write column c (index ci) into each row at cur[i], advancing it. */
static void put_column(const tarn_column *c, int ci, char *base, const int64_t *off,
                       uint64_t *cur, int64_t n, const uint8_t *sel)
{
    size_t w = tarn_type_width(c->type.id);
    bool all = c->null_count == 0;
    uint8_t bit = (uint8_t)(1u << (ci & 7));
    for (int64_t i = 0; i < n; i++) {
        if ((sel && !sel[i]) || (!all && !tarn_column_is_valid(c, i)))
            continue;
        base[off[i] + (ci >> 3)] |= (char)bit;
        char *p = base + cur[i];
        if (c->type.id == TARN_TYPE_STRING) {
            size_t l;
            const char *s = tarn_column_str(c, i, &l);
            size_t k = varint_put(p, l);
            memcpy(p + k, s, l);
            cur[i] += k + l;
        } else if (c->type.id == TARN_TYPE_DOUBLE && isnan(((const double *)c->values)[i])) {
            double nan = NAN;
            memcpy(p, &nan, sizeof nan);
            cur[i] += w;
        } else {
            memcpy(p, (const char *)c->values + (size_t)i * w, w);
            cur[i] += w;
        }
    }
}

void dd_rows_encode(dd_rows *r, const tarn_batch *b, const uint8_t *sel)
{
    int64_t n = b->nrows, nb = (b->ncols + 7) / 8;
    rows_reserve(r, n);
    r->n = n;
    int64_t *off = r->off;
    off[0] = 0;
    for (int64_t i = 0; i < n; i++)
        off[i + 1] = !sel || sel[i] ? nb : 0;
    for (int c = 0; c < b->ncols; c++)
        add_lengths(&b->cols[c], off, n, sel);
    for (int64_t i = 0; i < n; i++)
        off[i + 1] += off[i];
    if (r->bytes.cap < (size_t)off[n] + 1) {
        r->bytes.data = tarn_xrealloc(r->bytes.data, (size_t)off[n] + 1);
        r->bytes.cap = (size_t)off[n] + 1;
    }
    r->bytes.len = (size_t)off[n];
    char *base = r->bytes.data;
    uint64_t *cur = r->hash; /* write cursors, then the hashes */
    for (int64_t i = 0; i < n; i++) {
        if (off[i + 1] > off[i])
            memset(base + off[i], 0, (size_t)nb);
        cur[i] = (uint64_t)(off[i] + nb);
    }
    for (int c = 0; c < b->ncols; c++)
        put_column(&b->cols[c], c, base, off, cur, n, sel);
    dd_rows_hash(r, b, sel);
}

/* The hash of one value of column ci (NULL included). */
static inline uint64_t value_hash(const tarn_column *c, int ci, int64_t i, bool all)
{
    if (!all && !tarn_column_is_valid(c, i))
        return 0x9e3779b97f4a7c15ULL ^ (uint64_t)ci;
    switch (c->type.id) {
    case TARN_TYPE_STRING: {
        size_t l;
        const char *p = tarn_column_str(c, i, &l);
        return tarn_hash64(p, l, (uint64_t)ci);
    }
    case TARN_TYPE_BOOLEAN: return ((const uint8_t *)c->values)[i];
    case TARN_TYPE_INT:
    case TARN_TYPE_DATE: return ((const uint32_t *)c->values)[i];
    case TARN_TYPE_DOUBLE: {
        double d = ((const double *)c->values)[i];
        uint64_t v;
        if (isnan(d))
            d = NAN;
        memcpy(&v, &d, 8);
        return v;
    }
    case TARN_TYPE_DECIMAL: {
        unsigned __int128 d = ((const unsigned __int128 *)c->values)[i];
        return (uint64_t)d ^ tarn_hash_u64((uint64_t)(d >> 64));
    }
    default: return ((const uint64_t *)c->values)[i];
    }
}

void dd_rows_hash(dd_rows *r, const tarn_batch *b, const uint8_t *sel)
{
    int64_t n = b->nrows;
    rows_reserve(r, n);
    r->n = n;
    for (int64_t i = 0; i < n; i++)
        r->hash[i] = HASH_SEED;
    for (int c = 0; c < b->ncols; c++) {
        const tarn_column *col = &b->cols[c];
        bool all = col->null_count == 0;
        for (int64_t i = 0; i < n; i++)
            if (!sel || sel[i])
                r->hash[i] = tarn_hash_u64(r->hash[i] ^ value_hash(col, c, i, all));
    }
    for (int64_t i = 0; i < n; i++)
        r->hash[i] = !sel || sel[i] ? r->hash[i] & tarn_jobs_test_hash_mask : 0;
}

void dd_rows_free(dd_rows *r)
{
    tarn_buf_free(&r->bytes);
    free(r->off);
    free(r->hash);
    memset(r, 0, sizeof *r);
}

/* ---- the in-memory set ---- */

void dd_set_init(dd_set *s)
{
    memset(s, 0, sizeof *s);
}

void dd_set_free(dd_set *s)
{
    for (int i = 0; i < s->nchunks; i++)
        free(s->chunks[i]);
    free(s->chunks);
    free(s->tab);
    memset(s, 0, sizeof *s);
}

/* Whether the arena row at ref equals row[0..len). */
static bool row_equal(const dd_set *s, uint64_t ref, const char *row, size_t len)
{
    const char *p = s->chunks[ref >> REF_OFF_BITS] + (ref & ((1ULL << REF_OFF_BITS) - 1));
    uint64_t l;
    size_t k = varint_get(p, 10, &l);
    return l == len && memcmp(p + k, row, len) == 0;
}

/* Double the table (or make the first one); false if past limit. */
static bool table_grow(dd_set *s, int64_t limit)
{
    uint64_t slots = s->tab ? 2 * (s->mask + 1) : TABLE_MIN;
    int64_t add = (int64_t)(slots * 16);
    if (s->bytes + add > limit)
        return false;
    uint64_t *t = tarn_xcalloc(slots, 16);
    for (uint64_t i = 0; s->tab && i <= s->mask; i++) {
        if (!s->tab[2 * i + 1])
            continue;
        uint64_t j = s->tab[2 * i] & (slots - 1);
        while (t[2 * j + 1])
            j = (j + 1) & (slots - 1);
        t[2 * j] = s->tab[2 * i];
        t[2 * j + 1] = s->tab[2 * i + 1];
    }
    if (s->tab)
        s->bytes -= (int64_t)((s->mask + 1) * 16);
    free(s->tab);
    s->tab = t;
    s->mask = slots - 1;
    s->bytes += add;
    return true;
}

/* Copy the row into the arena; its reference, or UINT64_MAX past limit. */
static uint64_t arena_put(dd_set *s, const char *row, size_t len, int64_t limit)
{
    size_t need = varint_len(len) + len;
    if (s->nchunks == 0 || s->used + need > s->last_size) {
        size_t size = s->last_size ? 2 * s->last_size : ARENA_CHUNK_MIN;
        size = size > ARENA_CHUNK_MAX ? ARENA_CHUNK_MAX : size;
        size = need > size ? need : size;
        if (s->bytes + (int64_t)size > limit)
            return UINT64_MAX;
        if (s->nchunks == s->chunk_cap) {
            s->chunk_cap = s->chunk_cap ? 2 * s->chunk_cap : 16;
            s->chunks = tarn_xrealloc(s->chunks, (size_t)s->chunk_cap * sizeof *s->chunks);
        }
        s->chunks[s->nchunks++] = tarn_xmalloc(size);
        s->last_size = size;
        s->used = 0;
        s->bytes += (int64_t)size;
    }
    char *p = s->chunks[s->nchunks - 1] + s->used;
    size_t k = varint_put(p, len);
    memcpy(p + k, row, len);
    uint64_t ref = ((uint64_t)(s->nchunks - 1) << REF_OFF_BITS) | s->used;
    s->used += need;
    return ref;
}

int dd_set_add(dd_set *s, uint64_t hash, const char *row, size_t len, int64_t limit)
{
    uint64_t i = hash & s->mask;
    for (; s->tab && s->tab[2 * i + 1]; i = (i + 1) & s->mask)
        if (s->tab[2 * i] == hash && row_equal(s, s->tab[2 * i + 1] - 1, row, len))
            return 1;
    if (!s->tab || (uint64_t)(s->count + 1) * 2 > s->mask + 1) {
        if (!table_grow(s, limit))
            return -1;
        for (i = hash & s->mask; s->tab[2 * i + 1]; i = (i + 1) & s->mask)
            ;
    }
    uint64_t ref = arena_put(s, row, len, limit);
    if (ref == UINT64_MAX)
        return -1;
    s->tab[2 * i] = hash;
    s->tab[2 * i + 1] = ref + 1;
    s->count++;
    return 0;
}

/* ---- spill files ---- */

/* One spill file: an unlinked temporary file and its write buffer. A
** record is hash (8 bytes), row number (8), varint length, row bytes. */
typedef struct sp_file {
    int fd;
    char *buf;
    size_t len;
    int64_t size;          /* bytes in the file (after flushing) */
} sp_file;

struct dd_spill {
    tarn_store *st;
    int nparts;
    sp_file *f;
};

/* A new spill file in the store's temporary area: an unnamed O_TMPFILE
** where the file system has them, else a named file unlinked at once. */
static int sp_create(tarn_store *st, sp_file *f, tarn_error *err)
{
    char *path = NULL;
    memset(f, 0, sizeof *f);
    f->fd = -1;
    int rc = tarn_object_staging_path(st, "dedupe", &path, err);
    if (rc)
        return rc;
    char *slash = strrchr(path, '/');
    if (slash) {
        *slash = '\0';
        f->fd = open(path, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        *slash = '/';
    }
    if (f->fd < 0) {
        f->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (f->fd >= 0)
            unlink(path);
    }
    if (f->fd < 0)
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot create the spill file '%s'", path);
    free(path);
    return rc;
}

static int sp_flush(sp_file *f, tarn_error *err)
{
    size_t done = 0;
    while (done < f->len) {
        ssize_t k = write(f->fd, f->buf + done, f->len - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return tarn_error_errno(err, TARN_ERR_IO, errno,
                                    "cannot write a spill file (is the disk full?)");
        done += (size_t)k;
    }
    f->size += (int64_t)f->len;
    f->len = 0;
    return TARN_OK;
}

static int sp_put(sp_file *f, uint64_t hash, int64_t row, const char *p, size_t len,
                  tarn_error *err)
{
    size_t need = 16 + varint_len(len) + len;
    if (!f->buf)
        f->buf = tarn_xmalloc(SPILL_BUF);
    if (f->len + need > SPILL_BUF) {
        int rc = sp_flush(f, err);
        if (rc)
            return rc;
    }
    if (need > SPILL_BUF) {
        char head[26];
        memcpy(head, &hash, 8);
        memcpy(head + 8, &row, 8);
        size_t h = 16 + varint_put(head + 16, len);
        char *save = f->buf;
        f->buf = head;
        f->len = h;
        int rc = sp_flush(f, err);
        f->buf = (char *)p;
        f->len = len;
        if (!rc)
            rc = sp_flush(f, err);
        f->buf = save;
        f->len = 0;
        return rc;
    }
    char *q = f->buf + f->len;
    memcpy(q, &hash, 8);
    memcpy(q + 8, &row, 8);
    size_t k = varint_put(q + 16, len);
    memcpy(q + 16 + k, p, len);
    f->len += 16 + k + len;
    return TARN_OK;
}

static void sp_close(sp_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    free(f->buf);
    memset(f, 0, sizeof *f);
    f->fd = -1;
}

int dd_spill_open(dd_spill **out, tarn_store *tmp_store, int nparts, tarn_error *err)
{
    dd_spill *sp = tarn_xcalloc(1, sizeof *sp);
    sp->st = tmp_store;
    sp->nparts = nparts;
    sp->f = tarn_xcalloc((size_t)nparts, sizeof *sp->f);
    for (int i = 0; i < nparts; i++)
        sp->f[i].fd = -1;
    int rc = TARN_OK;
    for (int i = 0; !rc && i < nparts; i++)
        rc = sp_create(tmp_store, &sp->f[i], err);
    if (rc) {
        dd_spill_free(sp);
        return rc;
    }
    *out = sp;
    return TARN_OK;
}

int dd_spill_add(dd_spill *sp, const dd_rows *r, int64_t base, tarn_error *err)
{
    uint64_t mask = (uint64_t)sp->nparts - 1;
    for (int64_t i = 0; i < r->n; i++) {
        int rc = sp_put(&sp->f[r->hash[i] & mask], r->hash[i], base + i,
                        r->bytes.data + r->off[i], (size_t)(r->off[i + 1] - r->off[i]), err);
        if (rc)
            return rc;
    }
    return TARN_OK;
}

void dd_spill_free(dd_spill *sp)
{
    if (!sp)
        return;
    for (int i = 0; i < sp->nparts; i++)
        sp_close(&sp->f[i]);
    free(sp->f);
    free(sp);
}

/* ---- reading a spill file back ---- */

typedef struct sp_reader {
    int fd;
    int64_t pos, size;     /* next file offset to read, file size */
    char *buf;
    size_t cap, len, at;   /* buffered bytes [at, len) */
} sp_reader;

/* Make at least want bytes available at buf+at (fewer only at the end). */
static int rd_fill(sp_reader *r, size_t want, tarn_error *err)
{
    if (r->len - r->at >= want)
        return TARN_OK;
    memmove(r->buf, r->buf + r->at, r->len - r->at);
    r->len -= r->at;
    r->at = 0;
    if (want > r->cap) {
        r->cap = want;
        r->buf = tarn_xrealloc(r->buf, r->cap);
    }
    while (r->len < want && r->pos < r->size) {
        size_t room = r->cap - r->len;
        ssize_t k = pread(r->fd, r->buf + r->len, room, r->pos);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return tarn_error_errno(err, TARN_ERR_IO, k < 0 ? errno : EIO,
                                    "cannot read a spill file");
        r->len += (size_t)k;
        r->pos += k;
    }
    return TARN_OK;
}

/* The next record: 1 with it, 0 at the end, or a negative status. */
static int rd_next(sp_reader *r, uint64_t *hash, int64_t *row, const char **p, size_t *len,
                   tarn_error *err)
{
    int rc = rd_fill(r, 26, err);
    if (rc)
        return -rc;
    size_t have = r->len - r->at;
    if (have == 0)
        return 0;
    uint64_t l;
    size_t k = have > 16 ? varint_get(r->buf + r->at + 16, have - 16, &l) : 0;
    if (k == 0 || l > (uint64_t)r->size)
        return -tarn_error_set(err, TARN_ERR_CORRUPT, "a spill file is damaged; rerun the job");
    if ((rc = rd_fill(r, 16 + k + l, err)) != TARN_OK)
        return -rc;
    if (r->len - r->at < 16 + k + l)
        return -tarn_error_set(err, TARN_ERR_CORRUPT, "a spill file is truncated; rerun the job");
    memcpy(hash, r->buf + r->at, 8);
    memcpy(row, r->buf + r->at + 8, 8);
    *p = r->buf + r->at + 16 + k;
    *len = (size_t)l;
    r->at += 16 + k + l;
    return 1;
}

static void rd_open(sp_reader *r, const sp_file *f)
{
    memset(r, 0, sizeof *r);
    r->fd = f->fd;
    r->size = f->size;
    r->cap = READ_CHUNK;
    r->buf = tarn_xmalloc(r->cap);
}

/* ---- deduplicating the partitions ---- */

typedef struct dd_job {
    dd_spill *sp;
    int64_t budget;        /* per thread */
    atomic_int next;
    pthread_mutex_t mu;
    int rc;
    tarn_error err;
    uint8_t *bits;         /* a bit per row to drop, set by every thread */
    int64_t total;         /* rows */
    void (*warn)(void *ud, const char *line);
    void *warn_ud;
    atomic_int splits;     /* files split for not fitting the budget */
} dd_job;

/* Mark rows to drop (a row marked twice, by a partition redone after a
** split, stays marked once). */
static void keep_drops(dd_job *j, const int64_t *rows, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (rows[i] >= 0 && rows[i] < j->total)
            __atomic_fetch_or(&j->bits[rows[i] >> 3], (uint8_t)(1u << (rows[i] & 7)),
                              __ATOMIC_RELAXED);
}

static int dedupe_file(dd_job *j, const sp_file *f, int shift, int depth, tarn_error *err);

/* Split f 16 ways by the hash bits at shift and dedupe each piece. */
static int split_file(dd_job *j, const sp_file *f, int shift, int depth, tarn_error *err)
{
    sp_file sub[SPLIT_WAYS];
    int rc = TARN_OK;
    for (int i = 0; i < SPLIT_WAYS; i++) {
        memset(&sub[i], 0, sizeof sub[i]);
        sub[i].fd = -1;
    }
    sp_reader r;
    rd_open(&r, f);
    uint64_t h;
    int64_t row;
    const char *p;
    size_t len;
    int got;
    while (!rc && (got = rd_next(&r, &h, &row, &p, &len, err)) == 1) {
        sp_file *to = &sub[(h >> shift) & (SPLIT_WAYS - 1)];
        if (to->fd < 0)
            rc = sp_create(j->sp->st, to, err);
        if (!rc)
            rc = sp_put(to, h, row, p, len, err);
    }
    if (!rc && got < 0)
        rc = -got;
    free(r.buf);
    for (int i = 0; !rc && i < SPLIT_WAYS; i++) {
        if (sub[i].fd >= 0)
            rc = sp_flush(&sub[i], err);
        free(sub[i].buf);
        sub[i].buf = NULL;
    }
    for (int i = 0; !rc && i < SPLIT_WAYS; i++)
        if (sub[i].fd >= 0)
            rc = dedupe_file(j, &sub[i], shift + SPLIT_BITS, depth + 1, err);
    for (int i = 0; i < SPLIT_WAYS; i++)
        sp_close(&sub[i]);
    return rc;
}

/* Dedupe one spill file within the budget, splitting it if need be; at
** the deepest level (or with no hash bits left) the budget is ignored. */
static int dedupe_file(dd_job *j, const sp_file *f, int shift, int depth, tarn_error *err)
{
    bool last = depth >= MAX_DEPTH || shift + SPLIT_BITS > 64;
    int64_t limit = last ? INT64_MAX : j->budget;
    dd_set set;
    dd_set_init(&set);
    sp_reader r;
    rd_open(&r, f);
    int64_t drops[1024], nd = 0;
    uint64_t h;
    int64_t row;
    const char *p;
    size_t len;
    int got, rc = TARN_OK, over = 0;
    while ((got = rd_next(&r, &h, &row, &p, &len, err)) == 1) {
        int a = dd_set_add(&set, h, p, len, limit);
        if (a < 0) {
            over = 1;
            break;
        }
        if (a == 1) {
            drops[nd++] = row;
            if (nd == 1024) {
                keep_drops(j, drops, nd);
                nd = 0;
            }
        }
    }
    if (got < 0)
        rc = -got;
    if (last && set.bytes > j->budget && j->warn) {
        pthread_mutex_lock(&j->mu);
        j->warn(j->warn_ud, "a spill partition's distinct rows share too few hashes to split; "
                            "deduplicated it over the memory budget");
        pthread_mutex_unlock(&j->mu);
    }
    free(r.buf);
    dd_set_free(&set);
    if (rc)
        return rc;
    if (over) {
        atomic_fetch_add(&j->splits, 1);
        return split_file(j, f, shift, depth, err);
    }
    keep_drops(j, drops, nd);
    return TARN_OK;
}

static void *dedupe_worker(void *arg)
{
    dd_job *j = arg;
    int shift = __builtin_ctz((unsigned)j->sp->nparts);
    for (;;) {
        int i = atomic_fetch_add(&j->next, 1);
        pthread_mutex_lock(&j->mu);
        bool stop = i >= j->sp->nparts || j->rc;
        pthread_mutex_unlock(&j->mu);
        if (stop)
            break;
        tarn_error e = {0};
        int rc = dedupe_file(j, &j->sp->f[i], shift, 0, &e);
        if (rc) {
            pthread_mutex_lock(&j->mu);
            if (!j->rc) {
                j->rc = rc;
                j->err = e;
            }
            pthread_mutex_unlock(&j->mu);
        }
    }
    return NULL;
}

int dd_spill_finish(dd_spill *sp, int64_t total_rows, int64_t budget, int nthreads,
                    uint8_t **dropped, int64_t *ndropped,
                    void (*warn)(void *ud, const char *line), void *warn_ud, tarn_error *err)
{
    *dropped = NULL;
    *ndropped = 0;
    for (int i = 0; i < sp->nparts; i++) {
        int rc = sp_flush(&sp->f[i], err);
        if (rc)
            return rc;
        free(sp->f[i].buf);
        sp->f[i].buf = NULL;
    }
    dd_job j;
    memset(&j, 0, sizeof j);
    j.sp = sp;
    nthreads = nthreads < 1 ? 1 : nthreads > sp->nparts ? sp->nparts : nthreads;
    j.budget = budget / nthreads > MIN_BUDGET ? budget / nthreads : MIN_BUDGET;
    j.warn = warn;
    j.warn_ud = warn_ud;
    j.total = total_rows;
    j.bits = tarn_xcalloc((size_t)(total_rows / 8 + 1), 1);
    pthread_mutex_init(&j.mu, NULL);
    pthread_t *tid = tarn_xcalloc((size_t)nthreads, sizeof *tid);
    int started = 0;
    for (int i = 1; i < nthreads; i++)
        if (pthread_create(&tid[started], NULL, dedupe_worker, &j) == 0)
            started++;
    dedupe_worker(&j);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    free(tid);
    pthread_mutex_destroy(&j.mu);
    if (j.rc) {
        free(j.bits);
        *err = j.err;
        return j.rc;
    }
    for (int64_t i = 0; i <= total_rows / 8; i++)
        *ndropped += __builtin_popcount(j.bits[i]);
    *dropped = j.bits;
    if (atomic_load(&j.splits) && warn) {
        char line[128];
        snprintf(line, sizeof line, "split %d spill files further to fit the memory budget",
                 atomic_load(&j.splits));
        warn(warn_ud, line);
    }
    return TARN_OK;
}

/* ---- candidates from hashes alone ---- */

struct dd_hspill {
    int nparts;
    sp_file *f;            /* records: hash (8 bytes), row number (8) */
    uint8_t *bits;         /* finish: the candidates */
    int64_t total;
    atomic_int next;
    pthread_mutex_t mu;
    int rc;
    tarn_error err;
};

int dd_hspill_open(dd_hspill **out, tarn_store *tmp_store, int nparts, tarn_error *err)
{
    dd_hspill *h = tarn_xcalloc(1, sizeof *h);
    h->nparts = nparts;
    h->f = tarn_xcalloc((size_t)nparts, sizeof *h->f);
    for (int i = 0; i < nparts; i++)
        h->f[i].fd = -1;
    int rc = TARN_OK;
    for (int i = 0; !rc && i < nparts; i++)
        rc = sp_create(tmp_store, &h->f[i], err);
    if (rc) {
        dd_hspill_free(h);
        return rc;
    }
    *out = h;
    return TARN_OK;
}

int dd_hspill_add(dd_hspill *h, const dd_rows *r, int64_t base, tarn_error *err)
{
    uint64_t mask = (uint64_t)h->nparts - 1;
    for (int64_t i = 0; i < r->n; i++) {
        sp_file *f = &h->f[r->hash[i] & mask];
        if (!f->buf)
            f->buf = tarn_xmalloc(SPILL_BUF);
        if (f->len + 16 > SPILL_BUF) {
            int rc = sp_flush(f, err);
            if (rc)
                return rc;
        }
        int64_t row = base + i;
        memcpy(f->buf + f->len, &r->hash[i], 8);
        memcpy(f->buf + f->len + 8, &row, 8);
        f->len += 16;
    }
    return TARN_OK;
}

void dd_hspill_free(dd_hspill *h)
{
    if (!h)
        return;
    for (int i = 0; i < h->nparts; i++)
        sp_close(&h->f[i]);
    free(h->f);
    free(h);
}

static void mark(dd_hspill *h, int64_t row)
{
    if (row >= 0 && row < h->total)
        __atomic_fetch_or(&h->bits[row >> 3], (uint8_t)(1u << (row & 7)), __ATOMIC_RELAXED);
}

/* Mark the rows of one partition whose hash occurs more than once. The
** table keeps per hash its first row + 1, or 0 once the group is marked. */
static int count_partition(dd_hspill *h, const sp_file *f, tarn_error *err)
{
    int64_t n = f->size / 16;
    if (n < 2)
        return TARN_OK;
    char *recs = tarn_xmalloc((size_t)f->size);
    sp_reader r = {f->fd, 0, f->size, recs, (size_t)f->size, 0, 0};
    int rc = rd_fill(&r, (size_t)f->size, err);
    uint64_t cap = 16;
    while (cap < 2 * (uint64_t)n)
        cap *= 2;
    uint64_t *tab = rc ? NULL : tarn_xcalloc(cap, 16);
    for (int64_t i = 0; !rc && i < n; i++) {
        uint64_t hash;
        int64_t row;
        if (i + 8 < n) {
            memcpy(&hash, recs + 16 * (i + 8), 8);
            __builtin_prefetch(&tab[2 * (hash & (cap - 1))]);
        }
        memcpy(&hash, recs + 16 * i, 8);
        memcpy(&row, recs + 16 * i + 8, 8);
        uint64_t j = hash & (cap - 1);
        while (tab[2 * j + 1] && tab[2 * j] != hash)
            j = (j + 1) & (cap - 1);
        if (!tab[2 * j + 1]) {
            tab[2 * j] = hash;
            tab[2 * j + 1] = (uint64_t)row + 2; /* first row + 2 (1 = marked) */
            continue;
        }
        if (tab[2 * j + 1] > 1)
            mark(h, (int64_t)tab[2 * j + 1] - 2);
        tab[2 * j + 1] = 1;
        mark(h, row);
    }
    free(tab);
    free(recs);
    return rc;
}

static void *count_worker(void *arg)
{
    dd_hspill *h = arg;
    for (;;) {
        int i = atomic_fetch_add(&h->next, 1);
        pthread_mutex_lock(&h->mu);
        bool stop = i >= h->nparts || h->rc;
        pthread_mutex_unlock(&h->mu);
        if (stop)
            break;
        tarn_error e = {0};
        int rc = count_partition(h, &h->f[i], &e);
        pthread_mutex_lock(&h->mu);
        if (rc && !h->rc) {
            h->rc = rc;
            h->err = e;
        }
        pthread_mutex_unlock(&h->mu);
    }
    return NULL;
}

int dd_hspill_finish(dd_hspill *h, int64_t total_rows, int nthreads, uint8_t **cand,
                     int64_t *ncand, tarn_error *err)
{
    *cand = NULL;
    *ncand = 0;
    for (int i = 0; i < h->nparts; i++) {
        int rc = sp_flush(&h->f[i], err);
        if (rc)
            return rc;
        free(h->f[i].buf);
        h->f[i].buf = NULL;
    }
    h->total = total_rows;
    h->bits = tarn_xcalloc((size_t)(total_rows / 8 + 1), 1);
    pthread_mutex_init(&h->mu, NULL);
    nthreads = nthreads < 1 ? 1 : nthreads > h->nparts ? h->nparts : nthreads;
    pthread_t *tid = tarn_xcalloc((size_t)nthreads, sizeof *tid);
    int started = 0;
    for (int i = 1; i < nthreads; i++)
        if (pthread_create(&tid[started], NULL, count_worker, h) == 0)
            started++;
    count_worker(h);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    free(tid);
    pthread_mutex_destroy(&h->mu);
    if (h->rc) {
        free(h->bits);
        h->bits = NULL;
        *err = h->err;
        return h->rc;
    }
    for (int64_t i = 0; i <= total_rows / 8; i++)
        *ncand += __builtin_popcount(h->bits[i]);
    *cand = h->bits;
    h->bits = NULL;
    return TARN_OK;
}
