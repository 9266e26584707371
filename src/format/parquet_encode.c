/*
** parquet_encode.c: the value encodings and statistics of the Parquet
** writer (see parquet_encode.h): the RLE / bit-packed hybrid, bitmap
** helpers, dictionaries and min/max statistics. Page and file layout live
** in parquet_writer.c.
**
** Why tarn has its own Parquet codec: Debian packages no Parquet library
** for C (nor Apache Arrow's parquet-cpp at all), so tarn implements the
** small part of the format it needs. Compression is the system libraries'.
*/
#include "format/parquet_encode.h"

#include <stdlib.h>

/* ---- RLE / bit-packed hybrid ---- */

int tarn_pqw_bit_width(uint32_t max)
{
    return max == 0 ? 1 : 32 - __builtin_clz(max);
}

size_t tarn_pqw_rle_bound(size_t n, int bit_width)
{
    /* Per group of 8 values: w packed bytes plus a segment header, or one
    ** RLE run of at most 5 header + 4 value bytes. */
    return (n / 8 + 1) * ((size_t)bit_width + 10) + 16;
}

static uint8_t *put_uvarint(uint8_t *o, uint64_t v)
{
    while (v >= 0x80) {
        *o++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *o++ = (uint8_t)v;
    return o;
}

/* An RLE run: header (count << 1), then the value in ceil(w/8) bytes LE. */
static uint8_t *put_run(uint8_t *o, uint32_t value, size_t count, int w)
{
    o = put_uvarint(o, (uint64_t)count << 1);
    for (int b = 0; b < (w + 7) / 8; b++)
        *o++ = (uint8_t)(value >> (8 * b));
    return o;
}

size_t tarn_pqw_rle_encode_run(uint32_t value, size_t count, int bit_width, uint8_t *out)
{
    return (size_t)(put_run(out, value, count, bit_width) - out);
}

/* Length of the run of equal values starting at i (i < n). */
static size_t run_u32(const uint32_t *v, size_t i, size_t n)
{
    size_t j = i + 1;
    while (j < n && v[j] == v[i])
        j++;
    return j - i;
}

/* True if 8 equal values start at i (so an RLE run begins there). */
static bool run8_u32(const uint32_t *v, size_t i, size_t n)
{
    if (n - i < 8)
        return false;
    for (size_t k = 1; k < 8; k++)
        if (v[i + k] != v[i])
            return false;
    return true;
}

/* Bit-pack v[start..end) at width w, zero-padding to a multiple of 8. */
static uint8_t *pack_u32(uint8_t *o, const uint32_t *v, size_t start, size_t end,
                         size_t padded_end, int w)
{
    uint64_t acc = 0;
    int bits = 0;
    for (size_t i = start; i < padded_end; i++) {
        acc |= (uint64_t)(i < end ? v[i] : 0) << bits;
        bits += w;
        while (bits >= 8) {
            *o++ = (uint8_t)acc;
            acc >>= 8;
            bits -= 8;
        }
    }
    return o; /* 8 values * w bits is whole bytes: nothing left over */
}

size_t tarn_pqw_rle_encode_u32(const uint32_t *v, size_t n, int w, uint8_t *out)
{
    uint8_t *o = out;
    size_t i = 0;
    while (i < n) {
        size_t run = run_u32(v, i, n);
        if (run >= 8) {
            o = put_run(o, v[i], run, w);
            i += run;
            continue;
        }
        size_t end = i;
        do
            end += 8;
        while (end < n && !run8_u32(v, end, n));
        o = put_uvarint(o, (uint64_t)((end - i) / 8) << 1 | 1);
        o = pack_u32(o, v, i, end < n ? end : n, end, w);
        i = end;
    }
    return (size_t)(o - out);
}

static inline unsigned bit_at(const uint8_t *bits, size_t i)
{
    return (bits[i >> 3] >> (i & 7)) & 1;
}

/* The 8 bits from bit i (i + 8 <= n, or zero-padded past n). */
static uint8_t byte_at(const uint8_t *bits, size_t i, size_t n)
{
    size_t b = i >> 3;
    unsigned sh = i & 7;
    unsigned x = bits[b] >> sh;
    if (sh && i - sh + 8 < n)
        x |= (unsigned)bits[b + 1] << (8 - sh);
    if (n - i < 8)
        x &= (1u << (n - i)) - 1;
    return (uint8_t)x;
}

/* Length of the run of equal bits starting at i, skipping whole bytes. */
static size_t run_bits(const uint8_t *bits, size_t i, size_t n)
{
    unsigned b = bit_at(bits, i);
    uint8_t full = b ? 0xFF : 0x00;
    size_t j = i + 1;
    while (j < n && (j & 7) && bit_at(bits, j) == b)
        j++;
    while (j + 8 <= n && !(j & 7) && bits[j >> 3] == full)
        j += 8;
    while (j < n && bit_at(bits, j) == b)
        j++;
    return j - i;
}

/* True if 8 equal bits start at i. */
static bool run8_bits(const uint8_t *bits, size_t i, size_t n)
{
    if (n - i < 8)
        return false;
    uint8_t b = byte_at(bits, i, n);
    return b == 0x00 || b == 0xFF;
}

size_t tarn_pqw_rle_encode_bits(const uint8_t *bits, size_t n, uint8_t *out)
{
    uint8_t *o = out;
    size_t i = 0;
    while (i < n) {
        size_t run = run_bits(bits, i, n);
        if (run >= 8) {
            o = put_run(o, bit_at(bits, i), run, 1);
            i += run;
            continue;
        }
        size_t end = i;
        do
            end += 8;
        while (end < n && !run8_bits(bits, end, n));
        o = put_uvarint(o, (uint64_t)((end - i) / 8) << 1 | 1);
        for (size_t g = i; g < end; g += 8)
            *o++ = g < n ? byte_at(bits, g, n) : 0;
        i = end;
    }
    return (size_t)(o - out);
}

/* ---- bitmaps ---- */

void tarn_pqw_bits_copy(uint8_t *dst, size_t doff, const uint8_t *src, size_t soff, size_t n)
{
    if (!((doff | soff) & 7)) {
        memcpy(dst + (doff >> 3), src + (soff >> 3), n >> 3);
        size_t whole = n & ~(size_t)7;
        doff += whole;
        soff += whole;
        n -= whole;
    }
    while (n > 0) {
        unsigned dbit = doff & 7;
        size_t take = 8 - dbit < n ? 8 - dbit : n;
        size_t s = soff >> 3;
        unsigned sh = soff & 7;
        unsigned x = src[s] >> sh;
        if (sh + take > 8)
            x |= (unsigned)src[s + 1] << (8 - sh);
        unsigned mask = ((1u << take) - 1) << dbit;
        dst[doff >> 3] = (uint8_t)((dst[doff >> 3] & ~mask) | ((x << dbit) & mask));
        doff += take;
        soff += take;
        n -= take;
    }
}

size_t tarn_pqw_bits_count(const uint8_t *src, size_t off, size_t n)
{
    size_t c = 0;
    while (n > 0 && (off & 7)) {
        c += bit_at(src, off);
        off++;
        n--;
    }
    const uint8_t *p = src + (off >> 3);
    for (; n >= 64; n -= 64, p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c += (size_t)__builtin_popcountll(w);
    }
    for (; n >= 8; n -= 8)
        c += (size_t)__builtin_popcount(*p++);
    for (size_t i = 0; i < n; i++)
        c += (*p >> i) & 1;
    return c;
}

/* ---- dictionaries ---- */

#define DICT_MIN_SLOTS 1024u

void tarn_pqw_dict_init(tarn_pqw_dict *d, int width, size_t limit)
{
    memset(d, 0, sizeof *d);
    d->width = width;
    d->limit = limit;
    d->mask = DICT_MIN_SLOTS - 1;
    d->slots = tarn_xcalloc(DICT_MIN_SLOTS, sizeof *d->slots);
    tarn_buf_init(&d->values, 0);
}

void tarn_pqw_dict_reset(tarn_pqw_dict *d)
{
    memset(d->slots, 0, ((size_t)d->mask + 1) * sizeof *d->slots);
    d->count = 0;
    tarn_buf_reset(&d->values);
}

void tarn_pqw_dict_free(tarn_pqw_dict *d)
{
    free(d->slots);
    free(d->starts);
    tarn_buf_free(&d->values);
    memset(d, 0, sizeof *d);
}

/* Murmur3's 64-bit finalizer: a cheap, well-mixing hash of one word. */
static inline uint64_t fmix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* Double the slot table when it is half full, rehashing by stored tags. */
static void dict_grow(tarn_pqw_dict *d)
{
    if ((size_t)d->count * 2 < (size_t)d->mask + 1)
        return;
    uint32_t nmask = d->mask * 2 + 1;
    uint64_t *ns = tarn_xcalloc((size_t)nmask + 1, sizeof *ns);
    for (size_t i = 0; i <= d->mask; i++) {
        uint64_t s = d->slots[i];
        if (!s)
            continue;
        size_t pos = (uint32_t)(s >> 32) & nmask;
        while (ns[pos])
            pos = (pos + 1) & nmask;
        ns[pos] = s;
    }
    free(d->slots);
    d->slots = ns;
    d->mask = nmask;
}

/* Entry index of the w-byte value p (added if new), or -1 if the
** dictionary is full. Written for w a compile-time constant. */
static inline __attribute__((always_inline)) int64_t
dict_find_fixed(tarn_pqw_dict *d, const uint8_t *p, const int w)
{
    uint64_t x = 0, y = 0;
    memcpy(&x, p, w < 8 ? w : 8);
    if (w > 8)
        memcpy(&y, p + 8, (size_t)(w - 8));
    uint32_t tag = (uint32_t)((w > 8 ? fmix64(x ^ fmix64(y)) : fmix64(x)) >> 32);
    size_t pos = tag & d->mask;
    for (;;) {
        uint64_t s = d->slots[pos];
        if (!s)
            break;
        uint32_t e = (uint32_t)s - 1;
        if ((uint32_t)(s >> 32) == tag && memcmp(d->values.data + (size_t)e * w, p, w) == 0)
            return e;
        pos = (pos + 1) & d->mask;
    }
    if (d->values.len + (size_t)w > d->limit || d->count >= INT32_MAX)
        return -1;
    if (tarn_buf_append(&d->values, p, (size_t)w) != TARN_OK)
        return -1;
    d->slots[pos] = (uint64_t)tag << 32 | (d->count + 1);
    d->count++;
    dict_grow(d);
    return d->count - 1;
}

static inline __attribute__((always_inline)) size_t
put_fixed_w(tarn_pqw_dict *d, const uint8_t *vals, size_t n, uint32_t *idx, const int w)
{
    const uint8_t *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = vals + i * (size_t)w;
        if (prev && memcmp(p, prev, w) == 0) {
            idx[i] = idx[i - 1];
            continue;
        }
        int64_t e = dict_find_fixed(d, p, w);
        if (e < 0)
            return i;
        idx[i] = (uint32_t)e;
        prev = p;
    }
    return n;
}

size_t tarn_pqw_dict_put_fixed(tarn_pqw_dict *d, const uint8_t *vals, size_t n, uint32_t *idx)
{
    switch (d->width) {
    case 4: return put_fixed_w(d, vals, n, idx, 4);
    case 8: return put_fixed_w(d, vals, n, idx, 8);
    default: break;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t e = dict_find_fixed(d, vals + i * (size_t)d->width, d->width);
        if (e < 0)
            return i;
        idx[i] = (uint32_t)e;
    }
    return n;
}

/* Add byte array p[0..n) as a new entry in slot pos; false if full. */
static bool dict_add_str(tarn_pqw_dict *d, size_t pos, uint32_t tag, const char *p, uint32_t n)
{
    if (d->values.len + 4 + (size_t)n > d->limit || d->count >= INT32_MAX)
        return false;
    if (d->count == d->starts_cap) {
        d->starts_cap = d->starts_cap ? d->starts_cap * 2 : 1024;
        d->starts = tarn_xrealloc(d->starts, d->starts_cap * sizeof *d->starts);
    }
    size_t at = d->values.len;
    if (tarn_buf_append(&d->values, &n, 4) != TARN_OK ||
        tarn_buf_append(&d->values, p, n) != TARN_OK) {
        d->values.len = at;
        return false;
    }
    d->starts[d->count] = at;
    d->slots[pos] = (uint64_t)tag << 32 | (d->count + 1);
    d->count++;
    dict_grow(d);
    return true;
}

/* Entry index of byte array p[0..n) (added if new), or -1 if full. */
static int64_t dict_find_str(tarn_pqw_dict *d, const char *p, uint32_t n)
{
    uint32_t tag = (uint32_t)(tarn_hash64(p, n, 0x7461726e) >> 32);
    size_t pos = tag & d->mask;
    for (;;) {
        uint64_t s = d->slots[pos];
        if (!s)
            break;
        if ((uint32_t)(s >> 32) == tag) {
            uint32_t e = (uint32_t)s - 1, en;
            const char *ep = tarn_pqw_dict_str(d, e, &en);
            if (en == n && memcmp(ep, p, n) == 0)
                return e;
        }
        pos = (pos + 1) & d->mask;
    }
    if (!dict_add_str(d, pos, tag, p, n))
        return -1;
    return d->count - 1;
}

size_t tarn_pqw_dict_put_strs(tarn_pqw_dict *d, const int64_t *offsets, const char *data,
                             const uint8_t *validity, int64_t off, size_t n,
                             uint32_t *idx, size_t *nidx)
{
    size_t k = 0;
    const char *prev = NULL;
    uint32_t prev_n = 0, prev_e = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t r = off + (int64_t)i;
        if (validity && !bit_at(validity, (size_t)r))
            continue;
        const char *p = data + offsets[r];
        uint32_t len = (uint32_t)(offsets[r + 1] - offsets[r]);
        if (!prev || len != prev_n || memcmp(p, prev, len) != 0) {
            int64_t e = dict_find_str(d, p, len);
            if (e < 0) {
                *nidx = k;
                return i;
            }
            prev = p;
            prev_n = len;
            prev_e = (uint32_t)e;
        }
        idx[k++] = prev_e;
    }
    *nidx = k;
    return n;
}

int tarn_pqw_dict_to_plain(const tarn_pqw_dict *d, const uint32_t *idx, size_t n, tarn_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        int rc;
        if (d->width) {
            rc = tarn_buf_append(out, d->values.data + (size_t)idx[i] * d->width, (size_t)d->width);
        } else {
            uint32_t len;
            const char *p = tarn_pqw_dict_str(d, idx[i], &len);
            rc = tarn_buf_append(out, p - 4, (size_t)len + 4);
        }
        if (rc != TARN_OK)
            return rc;
    }
    return TARN_OK;
}

/* ---- statistics ---- */

void tarn_pqw_stats_init(tarn_pqw_stats *s, int order)
{
    memset(s, 0, sizeof *s);
    s->order = order;
    tarn_buf_init(&s->bmin, 0);
    tarn_buf_init(&s->bmax, 0);
}

void tarn_pqw_stats_reset(tarn_pqw_stats *s)
{
    s->has = false;
    s->nulls = s->nans = 0;
    tarn_buf_reset(&s->bmin);
    tarn_buf_reset(&s->bmax);
}

void tarn_pqw_stats_free(tarn_pqw_stats *s)
{
    tarn_buf_free(&s->bmin);
    tarn_buf_free(&s->bmax);
}

/* Fold an integer range [lo, hi] found in a batch of values. */
static void fold_int(tarn_pqw_stats *s, int64_t lo, int64_t hi)
{
    if (!s->has) {
        s->imin = lo;
        s->imax = hi;
        s->has = true;
        return;
    }
    if (lo < s->imin)
        s->imin = lo;
    if (hi > s->imax)
        s->imax = hi;
}

void tarn_pqw_stats_bool(tarn_pqw_stats *s, const uint8_t *v, size_t n)
{
    if (n == 0)
        return;
    uint8_t lo = 1, hi = 0;
    for (size_t i = 0; i < n; i++) {
        lo &= v[i] != 0;
        hi |= v[i] != 0;
    }
    fold_int(s, lo, hi);
}

void tarn_pqw_stats_i32(tarn_pqw_stats *s, const int32_t *v, size_t n)
{
    if (n == 0)
        return;
    int32_t lo = v[0], hi = v[0];
    for (size_t i = 1; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    fold_int(s, lo, hi);
}

void tarn_pqw_stats_i64(tarn_pqw_stats *s, const int64_t *v, size_t n)
{
    if (n == 0)
        return;
    int64_t lo = v[0], hi = v[0];
    for (size_t i = 1; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    fold_int(s, lo, hi);
}

/* NaN compares false both ways, so it never becomes a bound; it is
** counted instead. -0.0 and +0.0 are settled when the bounds are written. */
void tarn_pqw_stats_f64(tarn_pqw_stats *s, const double *v, size_t n)
{
    double lo = __builtin_inf(), hi = -__builtin_inf();
    size_t nans = 0;
    for (size_t i = 0; i < n; i++) {
        double x = v[i];
        nans += x != x;
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    s->nans += (int64_t)nans;
    if (nans == n)
        return;
    if (!s->has) {
        s->dmin = lo;
        s->dmax = hi;
        s->has = true;
        return;
    }
    s->dmin = lo < s->dmin ? lo : s->dmin;
    s->dmax = hi > s->dmax ? hi : s->dmax;
}

void tarn_pqw_stats_i128(tarn_pqw_stats *s, const __int128 *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!s->has) {
            s->qmin = s->qmax = v[i];
            s->has = true;
        }
        s->qmin = v[i] < s->qmin ? v[i] : s->qmin;
        s->qmax = v[i] > s->qmax ? v[i] : s->qmax;
    }
}

int tarn_pqw_bytes_cmp(const void *a, size_t an, const void *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

/* Replace the bound in b by p[0..n). */
static void set_bound(tarn_buf *b, const void *p, size_t n)
{
    tarn_buf_reset(b);
    if (tarn_buf_append(b, p, n) != TARN_OK)
        tarn_buf_reset(b);
}

void tarn_pqw_stats_bytes(tarn_pqw_stats *s, const void *p, size_t n)
{
    if (!s->has) {
        set_bound(&s->bmin, p, n);
        set_bound(&s->bmax, p, n);
        s->has = true;
        return;
    }
    if (tarn_pqw_bytes_cmp(p, n, s->bmin.data, s->bmin.len) < 0)
        set_bound(&s->bmin, p, n);
    else if (tarn_pqw_bytes_cmp(p, n, s->bmax.data, s->bmax.len) > 0)
        set_bound(&s->bmax, p, n);
}

void tarn_pqw_stats_dict(tarn_pqw_stats *s, const tarn_pqw_dict *d, uint32_t from)
{
    for (uint32_t e = from; e < d->count; e++) {
        uint32_t n;
        const char *p = tarn_pqw_dict_str(d, e, &n);
        tarn_pqw_stats_bytes(s, p, n);
    }
}

/* Largest cut <= max that does not split a UTF-8 character. */
static size_t utf8_cut(const char *v, size_t max)
{
    size_t cut = max;
    while (cut > 0 && ((unsigned char)v[cut] & 0xC0) == 0x80)
        cut--;
    return cut;
}

long tarn_pqw_min_bound(const char *v, size_t n, size_t max, bool *exact)
{
    *exact = n <= max;
    return (long)(n <= max ? n : utf8_cut(v, max));
}

long tarn_pqw_max_bound(const char *v, size_t n, size_t max, char *out, bool *exact)
{
    *exact = n <= max;
    if (n <= max) {
        memcpy(out, v, n);
        return (long)n;
    }
    for (size_t j = utf8_cut(v, max); j-- > 0;) {
        if ((unsigned char)v[j] < 0x7F) {
            memcpy(out, v, j);
            out[j] = (char)(v[j] + 1);
            return (long)j + 1;
        }
    }
    return -1;
}
