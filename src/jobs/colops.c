/*
** colops.c: whole-column operations the jobs need beyond table.h: append a
** range or a selection of rows of one batch to another (filters, re-
** batching, bucketing rows by partition), size a range of rows, and
** encode rows as a block of bytes for spill files and read it back. All
** work a column at a time with memcpy where rows are contiguous; nothing
** allocates per row.
*/
#include "jobs/jobs_int.h"

#include <stdlib.h>
#include <string.h>

static inline bool bit_get(const uint8_t *v, int64_t i)
{
    return (v[i >> 3] >> (i & 7)) & 1;
}

static inline void bit_put(uint8_t *v, int64_t i, bool on)
{
    uint8_t m = (uint8_t)(1u << (i & 7));
    if (on)
        v[i >> 3] |= m;
    else
        v[i >> 3] &= (uint8_t)~m;
}

/* Set bits [d, d+n) of dst. */
static void bits_fill(uint8_t *dst, int64_t d, int64_t n)
{
    while (n > 0 && (d & 7)) {
        bit_put(dst, d++, true);
        n--;
    }
    if (n >= 8) {
        memset(dst + (d >> 3), 0xFF, (size_t)(n >> 3));
        d += n & ~(int64_t)7;
        n &= 7;
    }
    while (n-- > 0)
        bit_put(dst, d++, true);
}

/* Copy bits [s, s+n) of src to [d, d+n) of dst. */
static void bits_copy(uint8_t *dst, int64_t d, const uint8_t *src, int64_t s, int64_t n)
{
    if (((d | s) & 7) == 0) {
        memcpy(dst + (d >> 3), src + (s >> 3), (size_t)(n >> 3));
        int64_t done = n & ~(int64_t)7;
        for (int64_t i = done; i < n; i++)
            bit_put(dst, d + i, bit_get(src, s + i));
        return;
    }
    for (int64_t i = 0; i < n; i++)
        bit_put(dst, d + i, bit_get(src, s + i));
}

/* Zero bits in [off, off+n) of v. */
static int64_t zero_bits(const uint8_t *v, int64_t off, int64_t n)
{
    int64_t valid = 0, i = off, end = off + n;
    for (; i < end && (i & 7); i++)
        valid += bit_get(v, i);
    for (; i + 8 <= end; i += 8)
        valid += __builtin_popcount(v[i >> 3]);
    for (; i < end; i++)
        valid += bit_get(v, i);
    return n - valid;
}

int64_t jobs_column_nulls(const tarn_column *c, int64_t off, int64_t n)
{
    if (c->null_count == 0)
        return 0;
    if (off == 0 && n == c->length)
        return c->null_count;
    return zero_bits(c->validity, off, n);
}

/* Make room for n more bytes of string data. */
static void data_reserve(tarn_column *c, size_t n)
{
    if (c->data && c->data_len + n <= c->data_cap)
        return;
    size_t cap = c->data_cap ? c->data_cap : 4096;
    while (cap < c->data_len + n)
        cap *= 2;
    c->data = tarn_xrealloc(c->data, cap);
    c->data_cap = cap;
}

void jobs_column_append_range(tarn_column *dst, const tarn_column *src, int64_t off, int64_t n)
{
    if (n <= 0)
        return;
    tarn_column_reserve(dst, dst->length + n);
    int64_t at = dst->length, nulls = jobs_column_nulls(src, off, n);
    if (nulls)
        bits_copy(dst->validity, at, src->validity, off, n);
    else
        bits_fill(dst->validity, at, n);
    dst->null_count += nulls;
    if (src->type.id == TARN_TYPE_STRING) {
        int64_t base = src->offsets[off];
        size_t bytes = (size_t)(src->offsets[off + n] - base);
        data_reserve(dst, bytes);
        if (bytes)
            memcpy(dst->data + dst->data_len, src->data + base, bytes);
        int64_t shift = (int64_t)dst->data_len - base;
        for (int64_t i = 1; i <= n; i++)
            dst->offsets[at + i] = src->offsets[off + i] + shift;
        dst->data_len += bytes;
    } else {
        size_t w = tarn_type_width(src->type.id);
        memcpy((char *)dst->values + (size_t)at * w, (const char *)src->values + (size_t)off * w,
               (size_t)n * w);
    }
    dst->length += n;
}

/* Gather for fixed-width values of width W. */
#define GATHER_FIXED(T)                                                    \
    do {                                                                   \
        T *d = (T *)dst->values + at;                                      \
        const T *s = (const T *)src->values;                               \
        for (int64_t i = 0; i < n; i++)                                    \
            d[i] = s[rows[i]];                                             \
    } while (0)

void jobs_column_gather(tarn_column *dst, const tarn_column *src, const uint32_t *rows,
                        int64_t n)
{
    if (n <= 0)
        return;
    tarn_column_reserve(dst, dst->length + n);
    int64_t at = dst->length;
    if (src->null_count == 0) {
        bits_fill(dst->validity, at, n);
    } else {
        for (int64_t i = 0; i < n; i++) {
            bool v = bit_get(src->validity, rows[i]);
            bit_put(dst->validity, at + i, v);
            dst->null_count += !v;
        }
    }
    switch (tarn_type_width(src->type.id)) {
    case 0: {
        size_t bytes = 0;
        for (int64_t i = 0; i < n; i++)
            bytes += (size_t)(src->offsets[rows[i] + 1] - src->offsets[rows[i]]);
        data_reserve(dst, bytes);
        for (int64_t i = 0; i < n; i++) {
            size_t len;
            const char *p = tarn_column_str(src, rows[i], &len);
            memcpy(dst->data + dst->data_len, p, len);
            dst->data_len += len;
            dst->offsets[at + i + 1] = (int64_t)dst->data_len;
        }
        break;
    }
    case 1: GATHER_FIXED(uint8_t); break;
    case 4: GATHER_FIXED(uint32_t); break;
    case 8: GATHER_FIXED(uint64_t); break;
    default: GATHER_FIXED(__int128); break;
    }
    dst->length += n;
}

void jobs_batch_append_range(tarn_batch *dst, const tarn_batch *src, int64_t off, int64_t n)
{
    for (int c = 0; c < dst->ncols; c++)
        jobs_column_append_range(&dst->cols[c], &src->cols[c], off, n);
    dst->nrows += n;
}

int64_t jobs_batch_append_kept(tarn_batch *dst, const tarn_batch *src, const uint8_t *keep)
{
    int64_t added = 0;
    for (int64_t i = 0; i < src->nrows;) {
        if (!keep[i]) {
            i++;
            continue;
        }
        int64_t j = i;
        while (j < src->nrows && keep[j])
            j++;
        jobs_batch_append_range(dst, src, i, j - i);
        added += j - i;
        i = j;
    }
    return added;
}

int64_t jobs_batch_bytes(const tarn_batch *b, int64_t off, int64_t n)
{
    int64_t bytes = 0;
    for (int c = 0; c < b->ncols; c++) {
        const tarn_column *col = &b->cols[c];
        if (col->type.id == TARN_TYPE_STRING)
            bytes += col->offsets[off + n] - col->offsets[off] + 4 * n;
        else
            bytes += (int64_t)tarn_type_width(col->type.id) * n;
        bytes += (n + 7) / 8;
    }
    return bytes;
}

/* ---- spill blocks ----
** A block: "TJB1", column count (u32), rows (i64); then per column its
** type id (u32, padded), data bytes (u64), validity bits from bit 0, and
** either the values or offsets rebased to 0 plus the string bytes. Each
** section starts at a multiple of 16 bytes from the block's start, so a
** block read into a malloc'ed buffer can be used in place. */

#define BLOCK_MAGIC 0x31424A54u /* "TJB1" */

static void pad16(tarn_buf *out, size_t start)
{
    static const char zeros[16];
    size_t used = (out->len - start) & 15;
    if (used)
        tarn_buf_append(out, zeros, 16 - used);
}

void jobs_batch_encode(tarn_buf *out, const tarn_batch *b, int64_t off, int64_t n)
{
    size_t start = out->len;
    uint32_t head[2] = {BLOCK_MAGIC, (uint32_t)b->ncols};
    tarn_buf_append(out, head, sizeof head);
    tarn_buf_append(out, &n, sizeof n);
    for (int c = 0; c < b->ncols; c++) {
        const tarn_column *col = &b->cols[c];
        bool str = col->type.id == TARN_TYPE_STRING;
        uint64_t meta[2] = {(uint64_t)col->type.id,
                            str ? (uint64_t)(col->offsets[off + n] - col->offsets[off]) : 0};
        pad16(out, start);
        tarn_buf_append(out, meta, sizeof meta);
        size_t vb = (size_t)(n + 7) / 8, at = out->len;
        for (size_t i = 0; i < vb; i++)
            tarn_buf_putc(out, 0);
        uint8_t *v = (uint8_t *)out->data + at;
        if (jobs_column_nulls(col, off, n))
            bits_copy(v, 0, col->validity, off, n);
        else
            bits_fill(v, 0, n);
        pad16(out, start);
        if (str) {
            for (int64_t i = 0; i <= n; i++) {
                int64_t o = col->offsets[off + i] - col->offsets[off];
                tarn_buf_append(out, &o, sizeof o);
            }
            pad16(out, start);
            tarn_buf_append(out, col->data + col->offsets[off], (size_t)meta[1]);
        } else {
            size_t w = tarn_type_width(col->type.id);
            tarn_buf_append(out, (const char *)col->values + (size_t)off * w, (size_t)n * w);
        }
    }
    pad16(out, start);
}

/* Take size bytes at *pos (aligned to 16) from a block of len bytes. */
static const char *take(const char *p, size_t len, size_t *pos, size_t size)
{
    *pos = (*pos + 15) & ~(size_t)15;
    if (*pos > len || size > len - *pos)
        return NULL;
    const char *r = p + *pos;
    *pos += size;
    return r;
}

/* Read one column's section at *pos into a view of n rows over p.
** False if it does not fit the block or the column's type. */
static bool decode_column(const tarn_column *d, const char *p, size_t len, size_t *pos,
                          int64_t n, tarn_column *view)
{
    const uint64_t *meta = (const uint64_t *)take(p, len, pos, 16);
    if (!meta || meta[0] != (uint64_t)d->type.id)
        return false;
    memset(view, 0, sizeof *view);
    view->type = d->type;
    view->length = n;
    view->validity = (uint8_t *)take(p, len, pos, (size_t)(n + 7) / 8);
    if (!view->validity)
        return false;
    view->null_count = zero_bits(view->validity, 0, n);
    if (d->type.id != TARN_TYPE_STRING) {
        size_t w = tarn_type_width(d->type.id);
        if (n && (size_t)n > len / w)
            return false;
        view->values = (void *)take(p, len, pos, (size_t)n * w);
        return view->values != NULL;
    }
    view->offsets = (int64_t *)take(p, len, pos, (size_t)(n + 1) * 8);
    view->data = (char *)take(p, len, pos, (size_t)meta[1]);
    if (!view->offsets || !view->data || view->offsets[0] != 0 ||
        (uint64_t)view->offsets[n] != meta[1])
        return false;
    for (int64_t i = 0; i < n; i++)
        if (view->offsets[i + 1] < view->offsets[i])
            return false;
    return true;
}

int jobs_batch_decode(tarn_batch *dst, const char *p, size_t len, tarn_error *err)
{
    uint32_t head[2];
    int64_t n;
    if (len < 16)
        goto bad;
    memcpy(head, p, sizeof head);
    memcpy(&n, p + 8, sizeof n);
    if (head[0] != BLOCK_MAGIC || (int)head[1] != dst->ncols || n < 0 || n > (int64_t)len * 8)
        goto bad;
    size_t pos = 16;
    for (int c = 0; c < dst->ncols; c++) {
        tarn_column view;
        if (!decode_column(&dst->cols[c], p, len, &pos, n, &view))
            goto bad;
        jobs_column_append_range(&dst->cols[c], &view, 0, n);
    }
    dst->nrows += n;
    return TARN_OK;
bad:
    return tarn_error_set(err, TARN_ERR_CORRUPT, "a spill file block is damaged (the disk may be "
                          "full or failing); rerun the job");
}
