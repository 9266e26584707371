/*
** stats.c: per-column statistics over column batches (see table.h): count,
** NULL count, min, max and an approximate distinct count through the
** HyperLogLog sketch in core/hll.c; merging per-thread results; and
** tarn_stats_collect(), which runs the per-thread loops over a
** tarn_batch_source (the splits of a file).
**
** The per-value work is one loop per column type over the typed vector:
** fixed-width values are hashed with tarn_hash_u64 straight from their bits
** (a run of equal values is hashed once), strings with str_hash below over
** their bytes. A string column's min and max are found per batch as
** pointers into the batch, compared by an 8-byte prefix first, and copied
** only when they beat the running min or max.
*/
#include "table/table.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Seed for string hashes; any fixed value works as long as all threads and
** merged sketches use the same one. */
#define STATS_STR_SEED 0x7461726eULL
#define STATS_K0 0xa0761d6478bd642fULL
#define STATS_K1 0xe7037ed1a0b428dbULL

/* The two halves of the 128-bit product of a and b, folded. */
static inline uint64_t fold_mul(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t load64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t load32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* The hash of a string value for the distinct-count sketch. It mixes 16
** bytes per multiply and reads the last 1..16 bytes with overlapping loads,
** about twice as fast as tarn_hash64 on the short strings of typical
** columns. Only stats.c uses it, so all sketches it merges agree. */
static inline uint64_t str_hash(const char *p, size_t n)
{
    uint64_t h = STATS_STR_SEED ^ fold_mul(n ^ STATS_K0, STATS_K1), a, b;
    size_t left = n;
    while (left > 16) {
        h = fold_mul(load64(p) ^ STATS_K1, load64(p + 8) ^ h);
        p += 16;
        left -= 16;
    }
    if (left >= 8) {
        a = load64(p);
        b = load64(p + left - 8);
    } else if (left >= 4) {
        a = load32(p);
        b = load32(p + left - 4);
    } else {
        a = left ? ((uint64_t)(unsigned char)p[0] << 16 |
                    (uint64_t)(unsigned char)p[left / 2] << 8 | (unsigned char)p[left - 1])
                 : 0;
        b = 0;
    }
    h = fold_mul(a ^ STATS_K1 ^ (uint64_t)n, b ^ h);
    return fold_mul(h, STATS_K0);
}

void tarn_stats_init(tarn_table_stats *st, const tarn_schema *s)
{
    st->ncols = s->ncols;
    st->rows = 0;
    st->cols = tarn_xcalloc((size_t)(s->ncols ? s->ncols : 1), sizeof *st->cols);
    for (int i = 0; i < s->ncols; i++) {
        tarn_column_stats *cs = &st->cols[i];
        cs->type = s->fields[i].type;
        if (cs->type.id != TARN_TYPE_BOOLEAN) {
            cs->hll = tarn_xmalloc(sizeof *cs->hll);
            tarn_hll_init(cs->hll);
        }
    }
}

void tarn_stats_free(tarn_table_stats *st)
{
    for (int i = 0; i < st->ncols; i++) {
        free(st->cols[i].hll);
        free(st->cols[i].min_str);
        free(st->cols[i].max_str);
    }
    free(st->cols);
    memset(st, 0, sizeof *st);
}

/* Fold a batch's fixed-width minimum and maximum into cs. */
static void merge_int_range(tarn_column_stats *cs, int64_t lo, int64_t hi)
{
    if (!cs->has_minmax || lo < cs->min.i)
        cs->min.i = lo;
    if (!cs->has_minmax || hi > cs->max.i)
        cs->max.i = hi;
    cs->has_minmax = true;
}

/* int, date: 32-bit values. A value equal to the one before it (runs of
** one date, of zeros) changes nothing and is only counted. */
static int64_t add_i32(tarn_column_stats *cs, const tarn_column *c)
{
    const int32_t *v = c->values;
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    int64_t seen = 0, prev = INT64_MIN;
    for (int64_t i = 0; i < c->length; i++) {
        if (!tarn_column_is_valid(c, i))
            continue;
        int32_t x = v[i];
        seen++;
        if (x == prev)
            continue;
        prev = x;
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
        tarn_hll_add(cs->hll, tarn_hash_u64((uint64_t)(int64_t)x));
    }
    if (seen)
        merge_int_range(cs, lo, hi);
    return seen;
}

/* bigint, timestamp: 64-bit values, runs skipped as in add_i32. */
static int64_t add_i64(tarn_column_stats *cs, const tarn_column *c)
{
    const int64_t *v = c->values;
    int64_t lo = INT64_MAX, hi = INT64_MIN, seen = 0;
    bool any = false;
    int64_t prev = 0;
    for (int64_t i = 0; i < c->length; i++) {
        if (!tarn_column_is_valid(c, i))
            continue;
        int64_t x = v[i];
        seen++;
        if (any && x == prev)
            continue;
        any = true;
        prev = x;
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
        tarn_hll_add(cs->hll, tarn_hash_u64((uint64_t)x));
    }
    if (seen)
        merge_int_range(cs, lo, hi);
    return seen;
}

static int64_t add_bool(tarn_column_stats *cs, const tarn_column *c)
{
    const uint8_t *v = c->values;
    int64_t seen = 0, trues = 0;
    for (int64_t i = 0; i < c->length; i++) {
        if (!tarn_column_is_valid(c, i))
            continue;
        trues += v[i] != 0;
        seen++;
    }
    if (seen)
        merge_int_range(cs, trues == seen ? 1 : 0, trues ? 1 : 0);
    return seen;
}

/* The bits a double hashes as: one value for -0.0/0.0 and for all NaNs. */
static inline uint64_t double_key(double x)
{
    if (x == 0.0)
        x = 0.0;
    else if (isnan(x))
        x = NAN;
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    return bits;
}

static int64_t add_double(tarn_column_stats *cs, const tarn_column *c)
{
    const double *v = c->values;
    double lo = INFINITY, hi = -INFINITY;
    int64_t seen = 0, nans = 0;
    for (int64_t i = 0; i < c->length; i++) {
        if (!tarn_column_is_valid(c, i))
            continue;
        double x = v[i];
        seen++;
        tarn_hll_add(cs->hll, tarn_hash_u64(double_key(x)));
        if (isnan(x)) {
            nans++;
            continue;
        }
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    cs->nan_count += nans;
    if (seen > nans) {
        if (!cs->has_minmax || lo < cs->min.d)
            cs->min.d = lo;
        if (!cs->has_minmax || hi > cs->max.d)
            cs->max.d = hi;
        cs->has_minmax = true;
    }
    return seen;
}

static int64_t add_decimal(tarn_column_stats *cs, const tarn_column *c)
{
    const __int128 *v = c->values;
    int64_t seen = 0;
    for (int64_t i = 0; i < c->length; i++) {
        if (!tarn_column_is_valid(c, i))
            continue;
        __int128 x = v[i];
        if (!cs->has_minmax || x < cs->min.dec)
            cs->min.dec = x;
        if (!cs->has_minmax || x > cs->max.dec)
            cs->max.dec = x;
        cs->has_minmax = true;
        tarn_hll_add(cs->hll, str_hash((const char *)&x, sizeof x));
        seen++;
    }
    return seen;
}

/* Row i of string column c; "" when the column holds no bytes at all (its
** data buffer is then NULL, which memcmp and memcpy must not see). */
static inline const char *col_str(const tarn_column *c, int64_t i, size_t *n)
{
    *n = (size_t)(c->offsets[i + 1] - c->offsets[i]);
    return c->data ? c->data + c->offsets[i] : "";
}

/* Byte-order comparison of two strings (a shorter prefix sorts first). */
static inline int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int r = m ? memcmp(a, b, m) : 0; /* an empty min may have no buffer */
    return r ? r : (an > bn) - (an < bn);
}

/* Copy n bytes into an owned string buffer, growing it if needed. */
static void set_str(char **dst, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (n > *cap) {
        size_t c = *cap ? *cap : 32;
        while (c < n)
            c *= 2;
        *dst = tarn_xrealloc(*dst, c);
        *cap = c;
    }
    if (n)
        memcpy(*dst, s, n);
    *len = n;
}

/* Fold a candidate min and max (pointers into a batch) into cs. */
static void merge_str_range(tarn_column_stats *cs, const char *lo, size_t lon,
                            const char *hi, size_t hin)
{
    if (!cs->has_minmax || bytes_cmp(lo, lon, cs->min_str, cs->min_len) < 0)
        set_str(&cs->min_str, &cs->min_len, &cs->min_cap, lo, lon);
    if (!cs->has_minmax || bytes_cmp(hi, hin, cs->max_str, cs->max_len) > 0)
        set_str(&cs->max_str, &cs->max_len, &cs->max_cap, hi, hin);
    cs->has_minmax = true;
}

/* The first 8 bytes of a string as a big-endian number (zero-padded):
** when two prefixes differ they order the strings as bytes_cmp does. */
static inline uint64_t prefix8(const char *s, size_t n)
{
    if (n >= 8)
        return __builtin_bswap64(load64(s));
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) /* short strings: no memcpy call */
        v |= (uint64_t)(unsigned char)s[i] << (56 - 8 * i);
    return v;
}

/* A string candidate for min or max, with its prefix cached. */
typedef struct str_end {
    const char *s;
    size_t n;
    uint64_t pfx;
} str_end;

/* Order of s (with prefix pfx) against e: the prefixes decide unless equal. */
static inline int str_end_cmp(const char *s, size_t n, uint64_t pfx, const str_end *e)
{
    if (pfx != e->pfx)
        return pfx < e->pfx ? -1 : 1;
    return bytes_cmp(s, n, e->s, e->n);
}

static int64_t add_string(tarn_column_stats *cs, const tarn_column *c)
{
    str_end lo = {0}, hi = {0};
    int64_t seen = 0;
    for (int64_t i = 0; i < c->length; i++) {
        if (!tarn_column_is_valid(c, i))
            continue;
        size_t n;
        const char *s = col_str(c, i, &n);
        tarn_hll_add(cs->hll, str_hash(s, n));
        uint64_t pfx = prefix8(s, n);
        if (!seen++) {
            lo = hi = (str_end){s, n, pfx};
            continue;
        }
        if (str_end_cmp(s, n, pfx, &lo) < 0)
            lo = (str_end){s, n, pfx};
        else if (str_end_cmp(s, n, pfx, &hi) > 0)
            hi = (str_end){s, n, pfx};
    }
    if (seen)
        merge_str_range(cs, lo.s, lo.n, hi.s, hi.n);
    return seen;
}

/* Fold one column of a batch into cs; returns the non-NULL values seen. */
static int64_t add_column(tarn_column_stats *cs, const tarn_column *c)
{
    switch (cs->type.id) {
    case TARN_TYPE_BOOLEAN: return add_bool(cs, c);
    case TARN_TYPE_INT:
    case TARN_TYPE_DATE: return add_i32(cs, c);
    case TARN_TYPE_BIGINT:
    case TARN_TYPE_TIMESTAMP: return add_i64(cs, c);
    case TARN_TYPE_DOUBLE: return add_double(cs, c);
    case TARN_TYPE_DECIMAL: return add_decimal(cs, c);
    case TARN_TYPE_STRING: return add_string(cs, c);
    }
    return 0;
}

void tarn_stats_add(tarn_table_stats *st, const tarn_batch *b)
{
    assert(b->ncols == st->ncols);
    for (int i = 0; i < st->ncols; i++) {
        tarn_column_stats *cs = &st->cols[i];
        const tarn_column *c = &b->cols[i];
        assert(c->type.id == cs->type.id);
        int64_t seen = add_column(cs, c);
        cs->count += seen;
        cs->null_count += c->length - seen;
    }
    st->rows += b->nrows;
}

/* Fold src's min and max into dst (same column type). */
static void merge_minmax(tarn_column_stats *dst, const tarn_column_stats *src)
{
    switch (dst->type.id) {
    case TARN_TYPE_STRING:
        merge_str_range(dst, src->min_str, src->min_len, src->max_str, src->max_len);
        return;
    case TARN_TYPE_DOUBLE:
        if (!dst->has_minmax || src->min.d < dst->min.d)
            dst->min.d = src->min.d;
        if (!dst->has_minmax || src->max.d > dst->max.d)
            dst->max.d = src->max.d;
        break;
    case TARN_TYPE_DECIMAL:
        if (!dst->has_minmax || src->min.dec < dst->min.dec)
            dst->min.dec = src->min.dec;
        if (!dst->has_minmax || src->max.dec > dst->max.dec)
            dst->max.dec = src->max.dec;
        break;
    default:
        merge_int_range(dst, src->min.i, src->max.i);
        break;
    }
    dst->has_minmax = true;
}

void tarn_stats_merge(tarn_table_stats *dst, const tarn_table_stats *src)
{
    assert(dst->ncols == src->ncols);
    dst->rows += src->rows;
    for (int i = 0; i < dst->ncols; i++) {
        tarn_column_stats *d = &dst->cols[i];
        const tarn_column_stats *s = &src->cols[i];
        assert(d->type.id == s->type.id);
        d->count += s->count;
        d->null_count += s->null_count;
        d->nan_count += s->nan_count;
        if (s->has_minmax)
            merge_minmax(d, s);
        if (d->hll && s->hll)
            tarn_hll_merge(d->hll, s->hll);
    }
}

int64_t tarn_stats_distinct(const tarn_column_stats *cs)
{
    if (cs->count == 0)
        return 0;
    if (cs->type.id == TARN_TYPE_BOOLEAN)
        return cs->has_minmax ? 1 + (cs->min.i != cs->max.i) : 0;
    int64_t est = (int64_t)llround(tarn_hll_estimate(cs->hll));
    if (est < 1)
        est = 1;
    return est < cs->count ? est : cs->count;
}

size_t tarn_stats_format(const tarn_column_stats *cs, bool want_max, char *buf, size_t n)
{
    if (n == 0)
        return 0;
    buf[0] = '\0';
    bool only_nan = cs->type.id == TARN_TYPE_DOUBLE && cs->nan_count > 0 &&
                    cs->nan_count == cs->count;
    if (!cs->has_minmax && !only_nan)
        return 0;
    if (cs->type.id == TARN_TYPE_STRING) {
        size_t len = want_max ? cs->max_len : cs->min_len;
        if (len > n - 1)
            len = n - 1;
        if (len)
            memcpy(buf, want_max ? cs->max_str : cs->min_str, len);
        buf[len] = '\0';
        return len;
    }
    /* A one-row column over the stored value lets tarn_value_format do
    ** the formatting, so stats print exactly as values do. */
    const tarn_stat_value *v = want_max ? &cs->max : &cs->min;
    int32_t v32 = (int32_t)v->i;
    uint8_t vb = (uint8_t)v->i;
    double nan = NAN;
    uint8_t valid = 1;
    tarn_column c = {.type = cs->type, .length = 1, .capacity = 1, .validity = &valid};
    switch (cs->type.id) {
    case TARN_TYPE_BOOLEAN: c.values = &vb; break;
    case TARN_TYPE_INT:
    case TARN_TYPE_DATE: c.values = &v32; break;
    case TARN_TYPE_DOUBLE: c.values = only_nan ? &nan : (void *)&v->d; break;
    default: c.values = (void *)v; break;
    }
    return tarn_value_format(&c, 0, buf, n);
}

/* ---- the parallel driver ---- */

typedef struct stats_job {
    const tarn_schema *schema;
    const tarn_batch_source *src;
    atomic_int next_part;
    atomic_bool failed;
    pthread_mutex_t lock; /* guards err */
    tarn_error err;
    int rc;
} stats_job;

typedef struct stats_worker {
    stats_job *job;
    tarn_table_stats st;
} stats_worker;

/* Record the first failure of any worker and tell the others to stop. */
static void job_fail(stats_job *job, int rc, const tarn_error *err)
{
    pthread_mutex_lock(&job->lock);
    if (!job->rc) {
        job->rc = rc ? rc : TARN_ERR_INTERNAL;
        job->err = *err;
    }
    pthread_mutex_unlock(&job->lock);
    atomic_store(&job->failed, true);
}

/* Read one part to its end into w's statistics. */
static int read_part(stats_worker *w, int part, tarn_batch *b, tarn_error *err)
{
    const tarn_batch_source *src = w->job->src;
    void *cur = NULL;
    int rc = src->open(src->ud, part, &cur, err);
    if (rc)
        return rc;
    int got;
    while ((got = src->next(cur, b, err)) > 0) {
        tarn_stats_add(&w->st, b);
        if (atomic_load_explicit(&w->job->failed, memory_order_relaxed))
            break;
    }
    src->close(cur);
    return got < 0 ? (err->code ? err->code : TARN_ERR_INTERNAL) : TARN_OK;
}

/* A worker thread: take parts until none is left or someone failed. */
static void *stats_worker_run(void *arg)
{
    stats_worker *w = arg;
    stats_job *job = w->job;
    tarn_batch b;
    tarn_batch_init(&b, job->schema, 0);
    tarn_error err = {0};
    for (;;) {
        int part = atomic_fetch_add(&job->next_part, 1);
        if (part >= job->src->nparts || atomic_load(&job->failed))
            break;
        int rc = read_part(w, part, &b, &err);
        if (rc) {
            job_fail(job, rc, &err);
            break;
        }
    }
    tarn_batch_free(&b);
    return NULL;
}

/* Start n workers (the first on the calling thread) and wait for them. */
static void run_workers(stats_worker *ws, int n)
{
    pthread_t *tids = tarn_xcalloc((size_t)n, sizeof *tids);
    bool *started = tarn_xcalloc((size_t)n, sizeof *started);
    for (int i = 1; i < n; i++)
        started[i] = pthread_create(&tids[i], NULL, stats_worker_run, &ws[i]) == 0;
    stats_worker_run(&ws[0]);
    for (int i = 1; i < n; i++)
        if (started[i])
            pthread_join(tids[i], NULL);
    free(started);
    free(tids);
}

int tarn_stats_collect(tarn_table_stats *out, const tarn_schema *s,
                       const tarn_batch_source *src, int nthreads, tarn_error *err)
{
    int n = nthreads > 0 ? nthreads : tarn_cpu_count();
    if (n > src->nparts)
        n = src->nparts > 0 ? src->nparts : 1;
    stats_job job = {.schema = s, .src = src};
    atomic_init(&job.next_part, 0);
    atomic_init(&job.failed, false);
    pthread_mutex_init(&job.lock, NULL);
    stats_worker *ws = tarn_xcalloc((size_t)n, sizeof *ws);
    for (int i = 0; i < n; i++) {
        ws[i].job = &job;
        tarn_stats_init(&ws[i].st, s);
    }
    run_workers(ws, n);
    tarn_stats_init(out, s);
    for (int i = 0; i < n; i++) {
        if (!job.rc)
            tarn_stats_merge(out, &ws[i].st);
        tarn_stats_free(&ws[i].st);
    }
    free(ws);
    pthread_mutex_destroy(&job.lock);
    if (job.rc) {
        tarn_stats_free(out);
        if (err)
            *err = job.err;
        return job.rc;
    }
    return TARN_OK;
}
