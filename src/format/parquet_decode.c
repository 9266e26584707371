/*
** parquet_decode.c: Parquet's value encodings (see parquet_decode.h) and
** the conversions of single physical values into tarn values. Pages,
** levels and placing values into batches are parquet_read_column.c.
**
** Every decoder reads only inside the buffer it was given and returns a
** short count when the data runs out; none allocates memory sized by a
** field of the file (the one growable buffer, DELTA_BYTE_ARRAY's previous
** value, is bounded by the page's bytes).
*/
#include "format/parquet_decode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/parquet_defs.h"

/* ---- bits ---- */

/* Unsigned LEB128 varint within [*pp, end); false if cut short or too long. */
static bool read_uvarint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    const uint8_t *p = *pp;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p >= end)
            return false;
        uint8_t b = *p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            *pp = p;
            return true;
        }
    }
    return false;
}

static int64_t zigzag64(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

/* Eight values of bw bits (0..32), LSB first, from exactly bw bytes. */
static void unpack8_u32(const uint8_t *in, int bw, uint32_t *out)
{
    uint64_t acc = 0;
    int bits = 0;
    uint32_t mask = bw >= 32 ? 0xffffffffu : (1u << bw) - 1;
    for (int i = 0; i < 8; i++) {
        while (bits < bw) {
            acc |= (uint64_t)*in++ << bits;
            bits += 8;
        }
        out[i] = (uint32_t)acc & mask;
        acc >>= bw;
        bits -= bw;
    }
}

/* Eight values of bw bits (0..64) from exactly bw bytes. */
static void unpack8_u64(const uint8_t *in, int bw, uint64_t *out)
{
    unsigned __int128 acc = 0;
    int bits = 0;
    uint64_t mask = bw >= 64 ? ~0ULL : (1ULL << bw) - 1;
    for (int i = 0; i < 8; i++) {
        while (bits < bw) {
            acc |= (unsigned __int128)*in++ << bits;
            bits += 8;
        }
        out[i] = (uint64_t)acc & mask;
        acc >>= bw;
        bits -= bw;
    }
}

/* ---- RLE / bit-packing hybrid ---- */

void pq_rle_init(pq_rle *r, const uint8_t *p, size_t n, int bw)
{
    memset(r, 0, sizeof *r);
    r->p = p;
    r->end = p + n;
    r->bw = bw;
}

void pq_rle_init_msb(pq_rle *r, const uint8_t *p, size_t n, int bw)
{
    pq_rle_init(r, p, n, bw);
    r->msb_packed = true;
}

/* Read the next run header (and an RLE run's value); false at the end of the
** data. */
static bool rle_next_run(pq_rle *r)
{
    uint64_t h;
    if (!read_uvarint(&r->p, r->end, &h))
        return false;
    if (h & 1) {
        uint64_t groups = h >> 1;
        r->run_is_rle = false;
        r->run_left = (groups > (1ULL << 40) ? (1ULL << 40) : groups) * 8;
        r->buf_pos = r->buf_len = 0;
        return true;
    }
    int nb = (r->bw + 7) / 8;
    if (r->end - r->p < nb)
        return false;
    uint32_t v = 0;
    for (int i = 0; i < nb; i++)
        v |= (uint32_t)r->p[i] << (8 * i);
    r->p += nb;
    r->run_is_rle = true;
    r->run_left = h >> 1;
    r->rle_value = v;
    return true;
}

/* Load the next group of a bit-packed run into buf (a group cut short by
** the end of the data yields only the values it fully holds). */
static bool rle_load_group(pq_rle *r)
{
    size_t avail = (size_t)(r->end - r->p);
    if (avail >= (size_t)r->bw) {
        unpack8_u32(r->p, r->bw, r->buf);
        r->p += r->bw;
        r->buf_len = 8;
    } else {
        uint8_t tmp[32] = {0};
        memcpy(tmp, r->p, avail);
        unpack8_u32(tmp, r->bw, r->buf);
        r->p = r->end;
        r->buf_len = (int)(avail * 8 / (size_t)r->bw);
        r->run_left = (uint64_t)r->buf_len;
        if (r->buf_len == 0)
            return false;
    }
    r->buf_pos = 0;
    return true;
}

/* One value of the BIT_PACKED level encoding (caller checked the bits
** exist). */
static uint32_t msb_get(pq_rle *r)
{
    uint32_t v = 0;
    for (int i = 0; i < r->bw; i++, r->bit++)
        v = v << 1 | ((r->p[r->bit >> 3] >> (7 - (r->bit & 7))) & 1);
    return v;
}

/* The hybrid decoder for one output element type. */
#define RLE_GET(NAME, T)                                                              \
    int64_t NAME(pq_rle *r, T *out, int64_t n)                                        \
    {                                                                                 \
        int64_t got = 0;                                                              \
        if (r->msb_packed) {                                                          \
            uint64_t total = (uint64_t)(r->end - r->p) * 8;                           \
            while (got < n && r->bit + (uint64_t)r->bw <= total && r->bw > 0)         \
                out[got++] = (T)msb_get(r);                                           \
            return got;                                                               \
        }                                                                             \
        while (got < n) {                                                             \
            if (r->run_left == 0 && !rle_next_run(r))                                 \
                break;                                                                \
            int64_t want = n - got;                                                   \
            if (r->run_is_rle) {                                                      \
                int64_t k = (uint64_t)want < r->run_left ? want : (int64_t)r->run_left; \
                for (int64_t i = 0; i < k; i++)                                       \
                    out[got + i] = (T)r->rle_value;                                   \
                r->run_left -= (uint64_t)k;                                           \
                got += k;                                                             \
                continue;                                                             \
            }                                                                         \
            if (r->buf_pos == r->buf_len && !rle_load_group(r))                       \
                break;                                                                \
            int64_t k = r->buf_len - r->buf_pos;                                      \
            if (k > want)                                                             \
                k = want;                                                             \
            for (int64_t i = 0; i < k; i++)                                           \
                out[got + i] = (T)r->buf[r->buf_pos + i];                             \
            r->buf_pos += (int)k;                                                     \
            r->run_left -= (uint64_t)k;                                               \
            got += k;                                                                 \
        }                                                                             \
        return got;                                                                   \
    }

RLE_GET(pq_rle_get_u32, uint32_t)
RLE_GET(pq_rle_get_u8, uint8_t)

/* ---- DELTA_BINARY_PACKED ---- */

bool pq_delta_init(pq_delta *d, const uint8_t *p, size_t n, bool is64)
{
    uint64_t bs, nmini, total, first;
    memset(d, 0, sizeof *d);
    d->p = p;
    d->end = p + n;
    d->is64 = is64;
    if (!read_uvarint(&d->p, d->end, &bs) || !read_uvarint(&d->p, d->end, &nmini) ||
        !read_uvarint(&d->p, d->end, &total) || !read_uvarint(&d->p, d->end, &first)) {
        d->why = "DELTA_BINARY_PACKED header is cut short";
        return false;
    }
    if (bs == 0 || bs % 128 || bs > (1u << 30) || nmini == 0 || bs % nmini ||
        (bs / nmini) % 8 || total > INT32_MAX) {
        d->why = "DELTA_BINARY_PACKED header is invalid";
        return false;
    }
    d->block_size = bs;
    d->nmini = (uint32_t)nmini;
    d->per_mini = bs / nmini;
    d->left = (int64_t)total;
    d->last = (uint64_t)zigzag64(first);
    d->first = total > 0;
    d->mini = d->nmini; /* forces a block header before the first miniblock */
    return true;
}

/* Move to the next miniblock, reading a block header when needed. */
static bool delta_next_mini(pq_delta *d)
{
    if (d->mini + 1 >= d->nmini || !d->widths) {
        uint64_t md;
        if (!read_uvarint(&d->p, d->end, &md) || (uint64_t)(d->end - d->p) < d->nmini) {
            d->why = "DELTA_BINARY_PACKED block header is cut short";
            return false;
        }
        d->min_delta = (uint64_t)zigzag64(md);
        d->widths = d->p;
        d->p += d->nmini;
        d->mini = 0;
    } else {
        d->mini++;
    }
    if (d->widths[d->mini] > (d->is64 ? 64 : 32)) {
        d->why = "DELTA_BINARY_PACKED bit width too large";
        return false;
    }
    d->mini_left = d->per_mini;
    return true;
}

/* Unpack the next 8 deltas of the current miniblock into d->buf. */
static bool delta_load_group(pq_delta *d)
{
    if (d->mini_left == 0 && !delta_next_mini(d))
        return false;
    int bw = d->widths[d->mini];
    size_t avail = (size_t)(d->end - d->p);
    if (avail >= (size_t)bw) {
        unpack8_u64(d->p, bw, d->buf);
        d->p += bw;
    } else {
        /* the final miniblock may stop at its last value instead of being padded */
        uint8_t tmp[64] = {0};
        if (bw == 0 || (uint64_t)avail * 8 / (uint64_t)bw < (uint64_t)(d->left < 8 ? d->left : 8)) {
            d->why = "DELTA_BINARY_PACKED data is cut short";
            return false;
        }
        memcpy(tmp, d->p, avail);
        unpack8_u64(tmp, bw, d->buf);
        d->p = d->end;
    }
    d->mini_left -= 8;
    d->buf_pos = 0;
    d->buf_len = 8;
    return true;
}

int64_t pq_delta_get(pq_delta *d, void *out, int64_t n)
{
    int64_t got = 0;
    int64_t *o64 = out;
    int32_t *o32 = out;
    while (got < n && d->left > 0) {
        if (d->first) {
            d->first = false;
        } else {
            if (d->buf_pos == d->buf_len && !delta_load_group(d))
                break;
            d->last += d->min_delta + d->buf[d->buf_pos++];
        }
        if (d->is64)
            o64[got++] = (int64_t)d->last;
        else
            o32[got++] = (int32_t)(uint32_t)d->last;
        d->left--;
    }
    return got;
}

const uint8_t *pq_delta_end(const pq_delta *d0)
{
    pq_delta d = *d0;
    uint64_t left = d.left > 0 ? (uint64_t)d.left - 1 : 0; /* the first value is in the header */
    while (left > 0) {
        uint64_t md;
        if (!read_uvarint(&d.p, d.end, &md) || (uint64_t)(d.end - d.p) < d.nmini)
            return NULL;
        const uint8_t *w = d.p;
        d.p += d.nmini;
        for (uint32_t i = 0; i < d.nmini && left > 0; i++) {
            if (w[i] > 64)
                return NULL;
            uint64_t bytes = d.per_mini * w[i] / 8;
            if (bytes > (uint64_t)(d.end - d.p))
                return NULL;
            d.p += bytes;
            left -= left < d.per_mini ? left : d.per_mini;
        }
    }
    return d.p;
}

/* ---- value streams ---- */

/* Record why decoding cannot go on; returns rc. */
static int bad(pq_values *v, int rc, const char *why)
{
    v->why = why;
    return rc;
}

/* DELTA_LENGTH_BYTE_ARRAY / DELTA_BYTE_ARRAY: the lengths stream(s), then
** the bytes. */
static int init_delta_bytes(pq_values *v, const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n;
    if (!pq_delta_init(&v->d1, p, n, false))
        return bad(v, TARN_ERR_CORRUPT, v->d1.why);
    const uint8_t *q = pq_delta_end(&v->d1);
    if (!q)
        return bad(v, TARN_ERR_CORRUPT, "DELTA lengths are cut short");
    if (v->encoding == PQ_ENC_DELTA_BYTE_ARRAY) {
        if (!pq_delta_init(&v->d2, q, (size_t)(end - q), false))
            return bad(v, TARN_ERR_CORRUPT, v->d2.why);
        if (!(q = pq_delta_end(&v->d2)))
            return bad(v, TARN_ERR_CORRUPT, "DELTA suffix lengths are cut short");
    }
    v->p = q;
    v->end = end;
    return TARN_OK;
}

int pq_values_init(pq_values *v, int encoding, int physical, int width, const uint8_t *p,
                   size_t n)
{
    uint8_t *prev = v->prev;
    size_t prev_cap = v->prev_cap;
    memset(v, 0, sizeof *v);
    v->prev = prev, v->prev_cap = prev_cap;
    v->encoding = encoding, v->physical = physical, v->width = width;
    v->p = p, v->end = p + n;
    bool binary = physical == PQ_BYTE_ARRAY || physical == PQ_FIXED_LEN_BYTE_ARRAY;
    switch (encoding) {
    case PQ_ENC_PLAIN:
        return TARN_OK;
    case PQ_ENC_PLAIN_DICTIONARY: case PQ_ENC_RLE_DICTIONARY:
        if (n < 1 || p[0] > 32)
            return bad(v, TARN_ERR_CORRUPT, "dictionary indices have no valid bit width");
        pq_rle_init(&v->rle, p + 1, n - 1, p[0]);
        return TARN_OK;
    case PQ_ENC_RLE: {
        if (physical != PQ_BOOLEAN)
            break;
        uint32_t len = n >= 4 ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                    (uint32_t)p[3] << 24 : UINT32_MAX;
        if (len > n - 4)
            return bad(v, TARN_ERR_CORRUPT, "RLE boolean length runs past the page");
        pq_rle_init(&v->rle, p + 4, len, 1);
        return TARN_OK;
    }
    case PQ_ENC_DELTA_BINARY_PACKED:
        if (physical != PQ_INT32 && physical != PQ_INT64)
            break;
        return pq_delta_init(&v->d1, p, n, physical == PQ_INT64)
            ? TARN_OK : bad(v, TARN_ERR_CORRUPT, v->d1.why);
    case PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
        if (physical != PQ_BYTE_ARRAY)
            break;
        return init_delta_bytes(v, p, n);
    case PQ_ENC_DELTA_BYTE_ARRAY:
        if (!binary)
            break;
        return init_delta_bytes(v, p, n);
    case PQ_ENC_BYTE_STREAM_SPLIT:
        if (physical == PQ_BOOLEAN || physical == PQ_BYTE_ARRAY || physical == PQ_INT96)
            break;
        if (n % (size_t)width)
            return bad(v, TARN_ERR_CORRUPT, "BYTE_STREAM_SPLIT data is not a whole number of values");
        v->bss = p;
        v->bss_n = (int64_t)(n / (size_t)width);
        return TARN_OK;
    default:
        return bad(v, TARN_ERR_UNSUPPORTED, "this encoding is not supported");
    }
    return bad(v, TARN_ERR_CORRUPT, "this encoding is not valid for the column's type");
}

void pq_values_free(pq_values *v)
{
    free(v->prev);
    v->prev = NULL;
    v->prev_cap = 0;
}

/* PLAIN fixed-width values (booleans bit-packed, one byte each out). */
static int64_t plain_fixed(pq_values *v, void *out, int64_t n)
{
    if (v->physical == PQ_BOOLEAN) {
        uint64_t avail = (uint64_t)(v->end - v->p) * 8 - v->bit;
        int64_t k = (uint64_t)n < avail ? n : (int64_t)avail;
        uint8_t *o = out;
        for (int64_t i = 0; i < k; i++, v->bit++)
            o[i] = (v->p[v->bit >> 3] >> (v->bit & 7)) & 1;
        return k;
    }
    int64_t avail = (v->end - v->p) / v->width;
    int64_t k = n < avail ? n : avail;
    memcpy(out, v->p, (size_t)(k * v->width));
    v->p += k * v->width;
    return k;
}

/* BYTE_STREAM_SPLIT: reassemble up to n values from the byte streams. */
static int64_t bss_fixed(pq_values *v, void *out, int64_t n)
{
    int64_t k = v->bss_n - v->bss_i;
    if (k > n)
        k = n;
    uint8_t *o = out;
    int w = v->width;
    for (int b = 0; b < w; b++) {
        const uint8_t *src = v->bss + (size_t)b * (size_t)v->bss_n + (size_t)v->bss_i;
        for (int64_t j = 0; j < k; j++)
            o[j * w + b] = src[j];
    }
    v->bss_i += k;
    return k;
}

int64_t pq_values_fixed(pq_values *v, void *out, int64_t n)
{
    switch (v->encoding) {
    case PQ_ENC_PLAIN: return plain_fixed(v, out, n);
    case PQ_ENC_RLE: return pq_rle_get_u8(&v->rle, out, n);
    case PQ_ENC_DELTA_BINARY_PACKED: return pq_delta_get(&v->d1, out, n);
    case PQ_ENC_BYTE_STREAM_SPLIT: return bss_fixed(v, out, n);
    default: v->why = "encoding gives no values of this type"; return 0;
    }
}

/* The next length from a DELTA lengths stream, buffered 64 at a time. */
static bool next_len(pq_delta *d, int32_t *buf, int *pos, int *len, int32_t *out)
{
    if (*pos == *len) {
        *len = (int)pq_delta_get(d, buf, 64);
        *pos = 0;
        if (*len == 0)
            return false;
    }
    *out = buf[(*pos)++];
    return *out >= 0;
}

/* Room for need bytes in v->prev (bounded by the page: a value is at most
** the suffix bytes seen). */
static bool grow_prev(pq_values *v, size_t need)
{
    if (need <= v->prev_cap)
        return true;
    size_t cap = v->prev_cap ? v->prev_cap : 64;
    while (cap < need)
        cap *= 2;
    v->prev = tarn_xrealloc(v->prev, cap);
    v->prev_cap = cap;
    return true;
}

/* Next DELTA_BYTE_ARRAY value: a prefix of the previous value plus a suffix. */
static int delta_byte_array_next(pq_values *v, const uint8_t **p, size_t *n)
{
    int32_t prefix, suffix;
    if (!next_len(&v->d1, v->lens1, &v->lpos1, &v->llen1, &prefix) ||
        !next_len(&v->d2, v->lens2, &v->lpos2, &v->llen2, &suffix))
        return 0;
    if ((size_t)prefix > v->prev_len || suffix > v->end - v->p) {
        v->why = "DELTA_BYTE_ARRAY prefix or suffix runs past its data";
        return 0;
    }
    size_t len = (size_t)prefix + (size_t)suffix;
    if (v->physical == PQ_FIXED_LEN_BYTE_ARRAY && len != (size_t)v->width) {
        v->why = "DELTA_BYTE_ARRAY value has the wrong length";
        return 0;
    }
    grow_prev(v, len);
    memcpy(v->prev + prefix, v->p, (size_t)suffix);
    v->p += suffix;
    v->prev_len = len;
    *p = v->prev;
    *n = len;
    return 1;
}

int pq_values_binary(pq_values *v, const uint8_t **p, size_t *n)
{
    int32_t len;
    switch (v->encoding) {
    case PQ_ENC_PLAIN:
        if (v->physical == PQ_FIXED_LEN_BYTE_ARRAY) {
            if (v->end - v->p < v->width)
                return 0;
            *p = v->p, *n = (size_t)v->width;
            v->p += v->width;
            return 1;
        }
        if (v->end - v->p < 4)
            return 0;
        len = (int32_t)((uint32_t)v->p[0] | (uint32_t)v->p[1] << 8 | (uint32_t)v->p[2] << 16 |
                        (uint32_t)v->p[3] << 24);
        if (len < 0 || len > v->end - v->p - 4) {
            v->why = "PLAIN string length runs past the page";
            return 0;
        }
        *p = v->p + 4, *n = (size_t)len;
        v->p += 4 + (size_t)len;
        return 1;
    case PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
        if (!next_len(&v->d1, v->lens1, &v->lpos1, &v->llen1, &len) || len > v->end - v->p)
            return 0;
        *p = v->p, *n = (size_t)len;
        v->p += len;
        return 1;
    case PQ_ENC_DELTA_BYTE_ARRAY:
        return delta_byte_array_next(v, p, n);
    case PQ_ENC_BYTE_STREAM_SPLIT:
        if (v->bss_i >= v->bss_n || v->physical != PQ_FIXED_LEN_BYTE_ARRAY)
            return 0;
        grow_prev(v, (size_t)v->width);
        bss_fixed(v, v->prev, 1);
        *p = v->prev, *n = (size_t)v->width;
        return 1;
    default:
        v->why = "encoding gives no values of this type";
        return 0;
    }
}

int64_t pq_values_indices(pq_values *v, uint32_t *out, int64_t n)
{
    return pq_rle_get_u32(&v->rle, out, n);
}

/* ---- conversions ---- */

bool pq_be_to_i128(const uint8_t *p, size_t n, __int128 *out)
{
    if (n == 0) {
        *out = 0;
        return true;
    }
    uint8_t sign = (p[0] & 0x80) ? 0xff : 0x00;
    size_t skip = n > 16 ? n - 16 : 0;
    for (size_t i = 0; i < skip; i++)
        if (p[i] != sign)
            return false;
    if (skip && (p[skip] & 0x80) != (sign & 0x80))
        return false;
    unsigned __int128 u = sign ? ~(unsigned __int128)0 : 0;
    for (size_t i = skip; i < n; i++)
        u = u << 8 | p[i];
    *out = (__int128)u;
    return true;
}

size_t pq_format_bigdec(const uint8_t *p, size_t n, int scale, char *out, size_t cap)
{
    uint8_t mag[512];
    char digits[1300];
    if (n == 0 || n > sizeof mag || scale < 0 || scale > 1000)
        return 0;
    bool neg = p[0] & 0x80;
    unsigned carry = 1;
    for (size_t i = n; i-- > 0;) { /* two's complement negation when negative */
        unsigned b = neg ? (unsigned)(uint8_t)~p[i] + carry : p[i];
        mag[i] = (uint8_t)b;
        carry = neg ? b >> 8 : 0;
    }
    size_t nd = 0, start = 0;
    while (start < n && mag[start] == 0)
        start++;
    while (start < n) { /* divide the magnitude by 10, collecting remainders */
        unsigned rem = 0;
        for (size_t i = start; i < n; i++) {
            unsigned cur = rem << 8 | mag[i];
            mag[i] = (uint8_t)(cur / 10);
            rem = cur % 10;
        }
        digits[nd++] = (char)('0' + rem);
        while (start < n && mag[start] == 0)
            start++;
    }
    while (nd <= (size_t)scale)
        digits[nd++] = '0';
    if (nd + 3 > cap)
        return 0;
    size_t k = 0;
    if (neg)
        out[k++] = '-';
    for (size_t i = nd; i-- > 0;) {
        out[k++] = digits[i];
        if (scale > 0 && i == (size_t)scale)
            out[k++] = '.';
    }
    return k;
}

size_t pq_format_hex(const uint8_t *p, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
    return 2 * n;
}

size_t pq_format_uuid(const uint8_t *p, char *out)
{
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[k++] = '-';
        k += pq_format_hex(p + i, 1, out + k);
    }
    return k;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

size_t pq_format_interval(const uint8_t *p, char *out)
{
    uint32_t months = le32(p), days = le32(p + 4), ms = le32(p + 8);
    return (size_t)snprintf(out, 64, "P%uM%uDT%u.%03uS", months, days, ms / 1000, ms % 1000);
}

size_t pq_format_time(int64_t v, int unit, char *out)
{
    int64_t per_sec = unit == PQ_UNIT_MILLIS ? 1000 : unit == PQ_UNIT_MICROS ? 1000000 : 1000000000;
    bool neg = v < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t secs = u / (uint64_t)per_sec, frac = u % (uint64_t)per_sec;
    uint64_t us = unit == PQ_UNIT_MILLIS ? frac * 1000 : unit == PQ_UNIT_MICROS ? frac : frac / 1000;
    int len = snprintf(out, 40, "%s%02llu:%02llu:%02llu", neg ? "-" : "",
                       (unsigned long long)(secs / 3600), (unsigned long long)(secs / 60 % 60),
                       (unsigned long long)(secs % 60));
    if (us)
        len += snprintf(out + len, 40 - (size_t)len, ".%06llu", (unsigned long long)us);
    return (size_t)len;
}

double pq_half_to_double(uint16_t h)
{
    int sign = h >> 15, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    double v;
    if (exp == 0)
        v = ldexp(mant, -24);
    else if (exp == 31)
        v = mant ? NAN : INFINITY;
    else
        v = ldexp(mant | 0x400, exp - 25);
    return sign ? -v : v;
}

bool pq_int96_to_micros(const uint8_t *p, int64_t *out)
{
    int64_t nanos;
    int32_t jd;
    memcpy(&nanos, p, 8);
    memcpy(&jd, p + 8, 4);
    int64_t days = (int64_t)jd - 2440588; /* Julian day of 1970-01-01 */
    int64_t us = nanos >= 0 ? nanos / 1000 : -((-(nanos + 1)) / 1000) - 1;
    int64_t r;
    if (__builtin_mul_overflow(days, (int64_t)86400000000, &r) || __builtin_add_overflow(r, us, &r))
        return false;
    *out = r;
    return true;
}

bool pq_millis_to_micros(int64_t v, int64_t *out)
{
    return !__builtin_mul_overflow(v, (int64_t)1000, out);
}

int64_t pq_nanos_to_micros(int64_t v)
{
    return v >= 0 ? v / 1000 : -((-(v + 1)) / 1000) - 1;
}
