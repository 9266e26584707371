/*
** parquet_writer_column.c: one column chunk of the Parquet writer (see
** parquet_writer_int.h): values taken straight from a batch's vectors into
** data pages (PLAIN, or RLE_DICTIONARY indices while the dictionary pays),
** definition levels, page compression and headers, the dictionary page,
** and the chunk's ColumnMetaData with its statistics. The file, row groups
** and threads are parquet_writer.c's.
**
** Why tarn has its own Parquet writer: Debian packages no Parquet library
** for C (nor Apache Arrow's parquet-cpp), so tarn implements the part of
** the format it needs; compression is the system libraries'
** (codec_compress.c).
**
** A chunk tries the dictionary first. When its first page is cut, the
** dictionary must be clearly smaller than the PLAIN values, else the page
** is re-encoded PLAIN and the chunk stays PLAIN. A dictionary that outgrows
** its limit ends dictionary encoding: before any page used it, the page
** turns PLAIN; after, the page is cut and the rest of the chunk is PLAIN
** (the encodings list and encoding_stats then name both).
*/
#include "format/parquet_writer_int.h"

#include <stdlib.h>
#include <string.h>

#include "format/parquet_defs.h"

#define PQ_STAT_MAX 256                /* longest byte-array min/max written */
#define PQ_PAGE_MAX (INT32_MAX - 1024) /* Parquet page sizes are i32 */

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the Parquet writer stores values in host byte order: little-endian hosts only"
#endif

int tarn_pqw_worker_init(tarn_pqw_worker *wk, int codec, int level, tarn_error *err)
{
    memset(wk, 0, sizeof *wk);
    tarn_buf_init(&wk->page, 0);
    tarn_buf_init(&wk->comp, 0);
    tarn_buf_init(&wk->hdr, 0);
    return tarn_codec_init(&wk->codec, codec, level, err);
}

void tarn_pqw_worker_free(tarn_pqw_worker *wk)
{
    tarn_codec_free(&wk->codec);
    tarn_buf_free(&wk->page);
    tarn_buf_free(&wk->comp);
    tarn_buf_free(&wk->hdr);
    free(wk->scratch);
    memset(wk, 0, sizeof *wk);
}

/* ---- column setup ---- */

static __int128 pow10_i128(int p)
{
    __int128 v = 1;
    while (p-- > 0)
        v *= 10;
    return v;
}

/* Fewest bytes whose two's complement holds every p-digit decimal. */
static int decimal_bytes(int p)
{
    unsigned __int128 top = (unsigned __int128)pow10_i128(p) - 1;
    int n = 1;
    while (n < 16 && top >= ((unsigned __int128)1 << (8 * n - 1)))
        n++;
    return n;
}

/* Map the column's tarn type to its physical type and statistics order. */
static void col_map_type(tarn_pqw_column *c, int *order)
{
    c->dict_allowed = true;
    switch (c->type.id) {
    case TARN_TYPE_BOOLEAN:
        c->phys = PQ_BOOLEAN, c->width = 0, *order = TARN_PQW_ORDER_BOOL;
        c->dict_allowed = false;
        break;
    case TARN_TYPE_INT: case TARN_TYPE_DATE:
        c->phys = PQ_INT32, c->width = 4, *order = TARN_PQW_ORDER_INT;
        break;
    case TARN_TYPE_BIGINT: case TARN_TYPE_TIMESTAMP:
        c->phys = PQ_INT64, c->width = 8, *order = TARN_PQW_ORDER_INT;
        break;
    case TARN_TYPE_DOUBLE:
        c->phys = PQ_DOUBLE, c->width = 8, *order = TARN_PQW_ORDER_DOUBLE;
        break;
    case TARN_TYPE_DECIMAL:
        c->dec_limit = pow10_i128(c->type.precision);
        *order = TARN_PQW_ORDER_I128;
        if (c->type.precision <= 9)
            c->phys = PQ_INT32, c->width = 4;
        else if (c->type.precision <= 18)
            c->phys = PQ_INT64, c->width = 8;
        else
            c->phys = PQ_FIXED_LEN_BYTE_ARRAY, c->width = decimal_bytes(c->type.precision);
        break;
    case TARN_TYPE_STRING:
        c->phys = PQ_BYTE_ARRAY, c->width = 0, *order = TARN_PQW_ORDER_BYTES;
        break;
    }
}

void tarn_pqw_column_init(tarn_pqw_column *c, const tarn_pqw_config *cfg, const tarn_field *f,
                         bool required)
{
    int order = 0;
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->name = f->name;
    c->type = f->type;
    c->required = required;
    col_map_type(c, &order);
    c->dict_allowed = c->dict_allowed && cfg->dictionary;
    c->dict_mode = c->dict_allowed;
    tarn_buf_init(&c->plain, 0);
    tarn_buf_init(&c->chunk, 0);
    tarn_buf_init(&c->dictpage, 0);
    tarn_pqw_dict_init(&c->dict, c->width, (size_t)cfg->dict_bytes);
    tarn_pqw_stats_init(&c->stats, order);
}

void tarn_pqw_column_free(tarn_pqw_column *c)
{
    free(c->levels);
    free(c->idx);
    tarn_buf_free(&c->plain);
    tarn_buf_free(&c->chunk);
    tarn_buf_free(&c->dictpage);
    tarn_pqw_dict_free(&c->dict);
    tarn_pqw_stats_free(&c->stats);
}

/* Forget the page being filled (after it was written out). */
static void page_reset(tarn_pqw_column *c)
{
    c->pg_rows = c->pg_nulls = c->pg_nvals = 0;
    c->levels_on = false;
    c->idx_n = 0;
    c->pg_plain = 0;
    tarn_buf_reset(&c->plain);
}

void tarn_pqw_column_reset(tarn_pqw_column *c)
{
    page_reset(c);
    c->dict_mode = c->dict_allowed;
    c->dict_pages = c->plain_pages = 0;
    tarn_pqw_dict_reset(&c->dict);
    tarn_buf_reset(&c->chunk);
    tarn_buf_reset(&c->dictpage);
    c->ch_values = c->ch_uncomp = c->ch_comp = c->dp_uncomp = 0;
    tarn_pqw_stats_reset(&c->stats);
}

/* ---- buffers ---- */

/* Make room for n more bytes (plus the NUL tarn_buf keeps) in b. */
static int buf_reserve(tarn_buf *b, size_t n)
{
    if (n > b->limit || b->len > b->limit - n)
        return TARN_ERR_LIMIT;
    if (b->cap > b->len + n)
        return TARN_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap <= b->len + n)
        cap *= 2;
    b->data = tarn_xrealloc(b->data, cap);
    b->cap = cap;
    return TARN_OK;
}

/* Count n bytes written past b->len (after buf_reserve) as content. */
static void buf_commit(tarn_buf *b, size_t n)
{
    b->len += n;
    b->data[b->len] = '\0';
}

static uint8_t *worker_scratch(tarn_pqw_worker *wk, size_t n)
{
    if (wk->scratch_cap < n) {
        free(wk->scratch);
        wk->scratch_cap = n > 2 * wk->scratch_cap ? n : 2 * wk->scratch_cap;
        wk->scratch = tarn_xmalloc(wk->scratch_cap);
    }
    return wk->scratch;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Set n bits of dst from bit off. */
static void bits_set(uint8_t *dst, size_t off, size_t n)
{
    while (n > 0 && (off & 7)) {
        dst[off >> 3] |= (uint8_t)(1u << (off & 7));
        off++, n--;
    }
    memset(dst + (off >> 3), 0xFF, n >> 3);
    off += n & ~(size_t)7;
    for (n &= 7; n > 0; n--, off++)
        dst[off >> 3] |= (uint8_t)(1u << (off & 7));
}

/* Grow c->levels to hold bits bits. */
static void levels_reserve(tarn_pqw_column *c, size_t bits)
{
    size_t need = bits / 8 + 8;
    if (c->levels_cap >= need)
        return;
    size_t cap = c->levels_cap ? c->levels_cap : 1024;
    while (cap < need)
        cap *= 2;
    c->levels = tarn_xrealloc(c->levels, cap);
    c->levels_cap = cap;
}

static void idx_reserve(tarn_pqw_column *c, size_t n)
{
    if (c->idx_cap >= c->idx_n + n)
        return;
    size_t cap = c->idx_cap ? c->idx_cap : 4096;
    while (cap < c->idx_n + n)
        cap *= 2;
    c->idx = tarn_xrealloc(c->idx, cap * sizeof *c->idx);
    c->idx_cap = cap;
}

/* ---- pages ---- */

/* Encoded size of the page's values so far (without levels). */
static size_t page_size(const tarn_pqw_column *c)
{
    if (c->dict_mode)
        return (c->idx_n * (size_t)tarn_pqw_bit_width(c->dict.count) + 7) / 8;
    return c->plain.len;
}

static bool page_full(const tarn_pqw_column *c)
{
    return (int64_t)page_size(c) >= c->cfg->page_bytes || c->pg_rows >= c->cfg->page_rows;
}

/* Whether the dictionary (entries plus indices) is clearly smaller than
** the PLAIN values of the chunk's first page. */
static bool dict_pays(const tarn_pqw_column *c)
{
    if (c->dict.count == 0)
        return false;
    size_t bw = (size_t)tarn_pqw_bit_width(c->dict.count - 1);
    size_t cost = c->dict.values.len + (c->idx_n * bw + 7) / 8;
    return cost * 10 < c->pg_plain * 9;
}

/* Give up the dictionary for this chunk before any page used it: the
** page's indices become PLAIN values. */
static int dict_drop(tarn_pqw_column *c)
{
    int rc = tarn_pqw_dict_to_plain(&c->dict, c->idx, c->idx_n, &c->plain);
    c->idx_n = 0;
    c->dict_mode = false;
    tarn_pqw_dict_reset(&c->dict);
    return rc;
}

/* Append the page's definition levels, RLE-encoded, to b (v1 pages get
** the 4-byte length prefix). Returns the encoded length (prefix excluded). */
static size_t page_levels(const tarn_pqw_column *c, tarn_buf *b, bool prefix)
{
    size_t at = prefix ? 4 : 0;
    uint8_t *out = (uint8_t *)b->data + b->len + at;
    size_t n = c->levels_on ? tarn_pqw_rle_encode_bits(c->levels, (size_t)c->pg_rows, out)
                            : tarn_pqw_rle_encode_run(1, (size_t)c->pg_rows, 1, out);
    if (prefix)
        put_le32((uint8_t *)b->data + b->len, (uint32_t)n);
    buf_commit(b, at + n);
    return n;
}

/* Append the page's values to b; *enc receives their encoding. */
static int page_values(const tarn_pqw_column *c, tarn_buf *b, int *enc)
{
    if (!c->dict_mode) {
        *enc = PQ_ENC_PLAIN;
        return tarn_buf_append(b, c->plain.data, c->plain.len);
    }
    int bw = tarn_pqw_bit_width(c->dict.count - 1);
    int rc = buf_reserve(b, 1 + tarn_pqw_rle_bound(c->idx_n, bw));
    if (rc)
        return rc;
    b->data[b->len] = (char)bw;
    buf_commit(b, 1 + tarn_pqw_rle_encode_u32(c->idx, c->idx_n, bw, (uint8_t *)b->data + b->len + 1));
    *enc = PQ_ENC_RLE_DICTIONARY;
    return TARN_OK;
}

/* Compress src[0..n) into wk->comp (reset first). */
static int page_compress(tarn_pqw_worker *wk, const void *src, size_t n, tarn_error *err)
{
    tarn_buf_reset(&wk->comp);
    size_t bound = tarn_codec_bound(&wk->codec, n), out = 0;
    if (buf_reserve(&wk->comp, bound))
        return tarn_error_set(err, TARN_ERR_LIMIT, "page of %zu bytes is too large", n);
    int rc = tarn_codec_compress(&wk->codec, src, n, wk->comp.data, bound, &out, err);
    if (rc == TARN_OK)
        buf_commit(&wk->comp, out);
    return rc;
}

/* Serialize a data page header into wk->hdr. */
static int page_header(const tarn_pqw_column *c, tarn_pqw_worker *wk, int enc,
                       size_t uncomp, size_t comp, size_t levels_len)
{
    tarn_thrift_writer t;
    bool v2 = c->cfg->page_version == 2;
    tarn_buf_reset(&wk->hdr);
    tarn_thriftw_init(&t, &wk->hdr);
    tarn_thriftw_struct_begin(&t);
    tarn_thriftw_field_i32(&t, 1, v2 ? PQ_PAGE_DATA_V2 : PQ_PAGE_DATA);
    tarn_thriftw_field_i32(&t, 2, (int32_t)uncomp);
    tarn_thriftw_field_i32(&t, 3, (int32_t)comp);
    if (!v2) {
        tarn_thriftw_field_struct(&t, 5);
        tarn_thriftw_field_i32(&t, 1, (int32_t)c->pg_rows);
        tarn_thriftw_field_i32(&t, 2, enc);
        tarn_thriftw_field_i32(&t, 3, PQ_ENC_RLE);
        tarn_thriftw_field_i32(&t, 4, PQ_ENC_RLE);
    } else {
        tarn_thriftw_field_struct(&t, 8);
        tarn_thriftw_field_i32(&t, 1, (int32_t)c->pg_rows);
        tarn_thriftw_field_i32(&t, 2, (int32_t)c->pg_nulls);
        tarn_thriftw_field_i32(&t, 3, (int32_t)c->pg_rows);
        tarn_thriftw_field_i32(&t, 4, enc);
        tarn_thriftw_field_i32(&t, 5, (int32_t)levels_len);
        tarn_thriftw_field_i32(&t, 6, 0);
        tarn_thriftw_field_bool(&t, 7, c->cfg->codec != TARN_PARQUET_NONE);
    }
    tarn_thriftw_struct_end(&t);
    tarn_thriftw_struct_end(&t);
    return tarn_thriftw_finish(&t);
}

/* Append header + levels (v2) + compressed body to the chunk. */
static int page_emit(tarn_pqw_column *c, tarn_pqw_worker *wk, const void *levels, size_t levels_len)
{
    int rc = tarn_buf_append(&c->chunk, wk->hdr.data, wk->hdr.len);
    if (!rc && levels_len)
        rc = tarn_buf_append(&c->chunk, levels, levels_len);
    if (!rc)
        rc = tarn_buf_append(&c->chunk, wk->comp.data, wk->comp.len);
    return rc;
}

/* Encode, compress and append the page being filled to the chunk. */
static int page_cut(tarn_pqw_column *c, tarn_pqw_worker *wk, tarn_error *err)
{
    if (c->pg_rows == 0)
        return TARN_OK;
    int rc = TARN_OK, enc = PQ_ENC_PLAIN;
    bool v2 = c->cfg->page_version == 2;
    if (c->dict_mode && c->dict_pages == 0 && !dict_pays(c) && (rc = dict_drop(c)))
        return tarn_error_set(err, rc, "column '%s': page too large", c->name);
    tarn_buf *pg = &wk->page;
    tarn_buf_reset(pg);
    size_t levels_len = 0;
    if (!c->required) {
        if ((rc = buf_reserve(pg, 4 + tarn_pqw_rle_bound((size_t)c->pg_rows, 1))))
            return tarn_error_set(err, rc, "column '%s': page too large", c->name);
        levels_len = page_levels(c, pg, !v2);
    }
    size_t body_at = v2 ? levels_len : 0;
    if ((rc = page_values(c, pg, &enc)))
        return tarn_error_set(err, rc, "column '%s': page too large", c->name);
    if ((rc = page_compress(wk, pg->data + body_at, pg->len - body_at, err)))
        return rc;
    size_t comp = wk->comp.len + body_at;
    if (pg->len > PQ_PAGE_MAX || comp > PQ_PAGE_MAX)
        return tarn_error_set(err, TARN_ERR_LIMIT,
                              "column '%s': a page of %zu bytes exceeds Parquet's 2 GiB page limit",
                              c->name, pg->len);
    if ((rc = page_header(c, wk, enc, pg->len, comp, levels_len)) ||
        (rc = page_emit(c, wk, pg->data, body_at)))
        return tarn_error_set(err, rc, "column '%s': column chunk too large", c->name);
    c->ch_uncomp += (int64_t)(wk->hdr.len + pg->len);
    c->ch_comp += (int64_t)(wk->hdr.len + comp);
    c->ch_values += c->pg_rows;
    c->stats.nulls += c->pg_nulls;
    if (enc == PQ_ENC_RLE_DICTIONARY)
        c->dict_pages++;
    else
        c->plain_pages++;
    page_reset(c);
    return TARN_OK;
}

/* Build the chunk's dictionary page (if a data page used the dictionary)
** into c->dictpage. */
static int chunk_dict_page(tarn_pqw_column *c, tarn_pqw_worker *wk, tarn_error *err)
{
    if (c->dict_pages == 0)
        return TARN_OK;
    size_t n = c->dict.values.len;
    int rc = page_compress(wk, c->dict.values.data, n, err);
    if (rc)
        return rc;
    tarn_thrift_writer t;
    tarn_buf_reset(&c->dictpage);
    tarn_thriftw_init(&t, &c->dictpage);
    tarn_thriftw_struct_begin(&t);
    tarn_thriftw_field_i32(&t, 1, PQ_PAGE_DICTIONARY);
    tarn_thriftw_field_i32(&t, 2, (int32_t)n);
    tarn_thriftw_field_i32(&t, 3, (int32_t)wk->comp.len);
    tarn_thriftw_field_struct(&t, 7);
    tarn_thriftw_field_i32(&t, 1, (int32_t)c->dict.count);
    tarn_thriftw_field_i32(&t, 2, PQ_ENC_PLAIN);
    tarn_thriftw_struct_end(&t);
    tarn_thriftw_struct_end(&t);
    size_t hdr = c->dictpage.len;
    if ((rc = tarn_thriftw_finish(&t)) ||
        (rc = tarn_buf_append(&c->dictpage, wk->comp.data, wk->comp.len)))
        return tarn_error_set(err, rc, "column '%s': dictionary page too large", c->name);
    c->dp_uncomp = (int64_t)(hdr + n);
    return TARN_OK;
}

/* ---- values ---- */

/* The non-null values of rows [off, off+k) of a fixed-width column,
** packed: the column's own vector when it has no nulls, else a compacted
** copy in scratch (k * 16 bytes at least). *nv gets their count. */
static const uint8_t *gather(uint8_t *scratch, const tarn_column *src, int64_t off, int64_t k,
                             size_t *nv)
{
    size_t sw = tarn_type_width(src->type.id);
    const uint8_t *base = (const uint8_t *)src->values + (size_t)off * sw;
    if (src->null_count == 0) {
        *nv = (size_t)k;
        return base;
    }
    uint8_t *dst = scratch;
    size_t m = 0;
    for (int64_t i = 0; i < k; i++) {
        if (tarn_column_is_valid(src, off + i)) {
            memcpy(dst + m * sw, base + (size_t)i * sw, sw);
            m++;
        }
    }
    *nv = m;
    return dst;
}

/* Decimal values as their physical type (INT32, INT64 little-endian or
** big-endian two's complement of c->width bytes) into out. Fails on a
** value with more digits than the column's precision. */
static int decimal_to_phys(const tarn_pqw_column *c, const __int128 *v, size_t n, uint8_t *out,
                           tarn_error *err)
{
    for (size_t i = 0; i < n; i++) {
        __int128 x = v[i];
        if (x >= c->dec_limit || x <= -c->dec_limit)
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "column '%s': a value has more than the %u digits of decimal(%u,%u)",
                                  c->name, c->type.precision, c->type.precision, c->type.scale);
        uint8_t *o = out + i * (size_t)c->width;
        if (c->phys == PQ_INT32) {
            int32_t y = (int32_t)x;
            memcpy(o, &y, 4);
        } else if (c->phys == PQ_INT64) {
            int64_t y = (int64_t)x;
            memcpy(o, &y, 8);
        } else {
            for (int b = 0; b < c->width; b++)
                o[b] = (uint8_t)(x >> (8 * (c->width - 1 - b)));
        }
    }
    return TARN_OK;
}

/* Pack n booleans into the page's PLAIN bit stream. */
static int bools_put(tarn_pqw_column *c, const uint8_t *v, size_t n)
{
    size_t bit = (size_t)c->pg_nvals, have = c->plain.len, need = (bit + n + 7) / 8;
    if (need > have) {
        int rc = buf_reserve(&c->plain, need - have);
        if (rc)
            return rc;
        memset(c->plain.data + have, 0, need - have);
        buf_commit(&c->plain, need - have);
    }
    uint8_t *p = (uint8_t *)c->plain.data;
    for (size_t i = 0; i < n; i++, bit++)
        p[bit >> 3] |= (uint8_t)((v[i] != 0) << (bit & 7));
    return TARN_OK;
}

/* Fold n non-null values of the column's own type into its statistics. */
static void stats_fixed(tarn_pqw_column *c, const void *v, size_t n)
{
    switch (c->type.id) {
    case TARN_TYPE_BOOLEAN: tarn_pqw_stats_bool(&c->stats, v, n); break;
    case TARN_TYPE_INT: case TARN_TYPE_DATE: tarn_pqw_stats_i32(&c->stats, v, n); break;
    case TARN_TYPE_BIGINT: case TARN_TYPE_TIMESTAMP: tarn_pqw_stats_i64(&c->stats, v, n); break;
    case TARN_TYPE_DOUBLE: tarn_pqw_stats_f64(&c->stats, v, n); break;
    case TARN_TYPE_DECIMAL: tarn_pqw_stats_i128(&c->stats, v, n); break;
    default: break;
    }
}

/* Rows of [off, off+k) spanned by the first nv non-null values. */
static int64_t rows_for_values(const tarn_column *src, int64_t off, int64_t k, size_t nv)
{
    if (src->null_count == 0)
        return (int64_t)nv;
    size_t seen = 0;
    for (int64_t i = 0; i < k; i++) {
        if (tarn_column_is_valid(src, off + i)) {
            if (seen == nv)
                return i;
            seen++;
        }
    }
    return k;
}

/* Add rows [off, off+k) of a fixed-width column to the page. *done gets
** the rows taken: k, or fewer when the dictionary filled up. */
static int values_fixed(tarn_pqw_column *c, tarn_pqw_worker *wk, const tarn_column *src, int64_t off,
                        int64_t k, int64_t *done, tarn_error *err)
{
    size_t nv, used;
    uint8_t *scratch = worker_scratch(wk, (size_t)k * 32);
    const uint8_t *vals = gather(scratch, src, off, k, &nv), *phys = vals;
    int rc = TARN_OK;
    if (c->type.id == TARN_TYPE_DECIMAL) {
        uint8_t *out = scratch + (size_t)k * 16;
        if ((rc = decimal_to_phys(c, (const __int128 *)vals, nv, out, err)))
            return rc;
        phys = out;
    }
    if (c->dict_mode) {
        idx_reserve(c, nv);
        used = tarn_pqw_dict_put_fixed(&c->dict, phys, nv, c->idx + c->idx_n);
        c->idx_n += used;
        c->pg_plain += used * (size_t)c->width;
    } else {
        used = nv;
        rc = c->phys == PQ_BOOLEAN ? bools_put(c, phys, nv)
                                   : tarn_buf_append(&c->plain, phys, nv * (size_t)c->width);
        if (rc)
            return tarn_error_set(err, rc, "column '%s': page too large", c->name);
    }
    stats_fixed(c, vals, used);
    c->pg_nvals += (int64_t)used;
    *done = used == nv ? k : rows_for_values(src, off, k, used);
    return TARN_OK;
}

/* PLAIN-encode the string rows [off, off+k) into the page. */
static int strings_plain(tarn_pqw_column *c, const tarn_column *src, int64_t off, int64_t k,
                         tarn_error *err)
{
    size_t bytes = (size_t)(src->offsets[off + k] - src->offsets[off]);
    if (bytes > PQ_PAGE_MAX)
        return tarn_error_set(err, TARN_ERR_LIMIT,
                              "column '%s': a string of %zu bytes exceeds Parquet's 2 GiB page limit",
                              c->name, bytes);
    if (buf_reserve(&c->plain, bytes + 4 * (size_t)k))
        return tarn_error_set(err, TARN_ERR_LIMIT, "column '%s': page too large", c->name);
    char *o = c->plain.data + c->plain.len, *start = o;
    bool nulls = src->null_count != 0;
    for (int64_t r = off; r < off + k; r++) {
        if (nulls && !tarn_column_is_valid(src, r))
            continue;
        size_t n;
        const char *p = tarn_column_str(src, r, &n);
        uint32_t n32 = (uint32_t)n;
        memcpy(o, &n32, 4);
        memcpy(o + 4, p, n);
        o += 4 + n;
        tarn_pqw_stats_bytes(&c->stats, p, n);
        c->pg_nvals++;
    }
    buf_commit(&c->plain, (size_t)(o - start));
    return TARN_OK;
}

/* Add the string rows [off, off+k) to the page (see values_fixed). */
static int values_strings(tarn_pqw_column *c, const tarn_column *src, int64_t off, int64_t k,
                          int64_t *done, tarn_error *err)
{
    if (!c->dict_mode) {
        *done = k;
        return strings_plain(c, src, off, k, err);
    }
    uint32_t before = c->dict.count;
    size_t ni = 0;
    idx_reserve(c, (size_t)k);
    size_t rows = tarn_pqw_dict_put_strs(&c->dict, src->offsets, src->data,
                                        src->null_count ? src->validity : NULL, off, (size_t)k,
                                        c->idx + c->idx_n, &ni);
    c->idx_n += ni;
    c->pg_nvals += (int64_t)ni;
    c->pg_plain += (size_t)(src->offsets[off + (int64_t)rows] - src->offsets[off]) + 4 * ni;
    tarn_pqw_stats_dict(&c->stats, &c->dict, before);
    *done = (int64_t)rows;
    return TARN_OK;
}

/* ---- column chunks ---- */

/* Record the definition levels of rows [off, off+n) of src. The bitmap is
** only kept once the page has a null; until then every level is 1. */
static void levels_append(tarn_pqw_column *c, const tarn_column *src, int64_t off, int64_t n)
{
    int64_t nulls = 0;
    if (!c->required && src->null_count)
        nulls = n - (int64_t)tarn_pqw_bits_count(src->validity, (size_t)off, (size_t)n);
    if (nulls && !c->levels_on) {
        levels_reserve(c, (size_t)(c->pg_rows + n));
        memset(c->levels, 0, c->levels_cap);
        bits_set(c->levels, 0, (size_t)c->pg_rows);
        c->levels_on = true;
    }
    if (c->levels_on) {
        size_t have = c->levels_cap;
        levels_reserve(c, (size_t)(c->pg_rows + n));
        memset(c->levels + have, 0, c->levels_cap - have);
        if (src->null_count)
            tarn_pqw_bits_copy(c->levels, (size_t)c->pg_rows, src->validity, (size_t)off, (size_t)n);
        else
            bits_set(c->levels, (size_t)c->pg_rows, (size_t)n);
    }
    c->pg_rows += n;
    c->pg_nulls += nulls;
}

/* Rows of src from off (at most n) that fit in the page being filled. */
static int64_t page_room(const tarn_pqw_column *c, const tarn_column *src,
                         int64_t off, int64_t n)
{
    int64_t room = c->cfg->page_rows - c->pg_rows, fit;
    if (room > n)
        room = n;
    int64_t left = c->cfg->page_bytes - (int64_t)page_size(c);
    if (left < 1)
        left = 1;
    if (c->dict_mode) {
        fit = left * 8 / tarn_pqw_bit_width(c->dict.count + 1);
    } else if (c->phys == PQ_BOOLEAN) {
        fit = left * 8;
    } else if (c->width) {
        fit = left / c->width;
    } else { /* strings: the most rows whose PLAIN bytes fit */
        int64_t lo = 1, hi = room;
        const int64_t *o = src->offsets + off;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo + 1) / 2;
            if (o[mid] - o[0] + 4 * mid <= left)
                lo = mid;
            else
                hi = mid - 1;
        }
        fit = lo;
    }
    return fit < 1 ? 1 : fit < room ? fit : room;
}

/* The dictionary filled up mid-page: before any page used it, the page
** turns PLAIN and the dictionary is dropped; after, the page is cut and
** the chunk goes on in PLAIN with the dictionary kept for its pages. */
static int dict_overflow(tarn_pqw_column *c, tarn_pqw_worker *wk, tarn_error *err)
{
    if (c->dict_pages == 0) {
        int rc = dict_drop(c);
        return rc ? tarn_error_set(err, rc, "column '%s': page too large", c->name) : TARN_OK;
    }
    int rc = page_cut(c, wk, err);
    c->dict_mode = false;
    return rc;
}

int tarn_pqw_column_append(tarn_pqw_column *c, tarn_pqw_worker *wk, const tarn_column *src,
                      int64_t off, int64_t n, tarn_error *err)
{
    if (c->required && src->null_count &&
        tarn_pqw_bits_count(src->validity, (size_t)off, (size_t)n) != (size_t)n)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "column '%s' is REQUIRED but has a null value: write it as OPTIONAL",
                              c->name);
    while (n > 0) {
        int64_t k = page_room(c, src, off, n), done = 0;
        int rc = c->phys == PQ_BYTE_ARRAY ? values_strings(c, src, off, k, &done, err)
                                          : values_fixed(c, wk, src, off, k, &done, err);
        if (rc)
            return rc;
        levels_append(c, src, off, done);
        if (done < k)
            rc = dict_overflow(c, wk, err);
        else if (page_full(c))
            rc = page_cut(c, wk, err);
        if (rc)
            return rc;
        off += done;
        n -= done;
    }
    return TARN_OK;
}

int64_t tarn_pqw_column_bytes(const tarn_pqw_column *c)
{
    return c->ch_uncomp + (int64_t)page_size(c) + (int64_t)c->dict.values.len;
}

/* ---- column chunk metadata ---- */

/* A bound of a fixed-width column in PLAIN form; returns its length. */
static size_t stat_fixed(const tarn_pqw_column *c, int64_t i, double d, __int128 q, uint8_t *out)
{
    switch (c->type.id) {
    case TARN_TYPE_BOOLEAN:
        out[0] = (uint8_t)i;
        return 1;
    case TARN_TYPE_INT: case TARN_TYPE_DATE: {
        int32_t v = (int32_t)i;
        memcpy(out, &v, 4);
        return 4;
    }
    case TARN_TYPE_DOUBLE:
        memcpy(out, &d, 8);
        return 8;
    case TARN_TYPE_DECIMAL:
        decimal_to_phys(c, &q, 1, out, NULL);
        return (size_t)c->width;
    default:
        memcpy(out, &i, 8);
        return 8;
    }
}

/* The chunk's min and max in PLAIN form (byte arrays without the length,
** cut to PQ_STAT_MAX bytes). A length of -1 means "omit". */
static void stat_bounds(const tarn_pqw_column *c, uint8_t *lo, long *nlo, bool *elo, uint8_t *hi,
                        long *nhi, bool *ehi)
{
    const tarn_pqw_stats *s = &c->stats;
    *nlo = *nhi = -1;
    *elo = *ehi = true;
    if (!s->has)
        return;
    if (c->phys == PQ_BYTE_ARRAY) {
        *nlo = tarn_pqw_min_bound(s->bmin.data, s->bmin.len, PQ_STAT_MAX, elo);
        memcpy(lo, s->bmin.data, (size_t)*nlo);
        *nhi = tarn_pqw_max_bound(s->bmax.data, s->bmax.len, PQ_STAT_MAX, (char *)hi, ehi);
        return;
    }
    /* Doubles: a zero min is written as -0.0 and a zero max as +0.0. */
    double dlo = s->dmin == 0 ? -0.0 : s->dmin, dhi = s->dmax == 0 ? 0.0 : s->dmax;
    *nlo = (long)stat_fixed(c, s->imin, dlo, s->qmin, lo);
    *nhi = (long)stat_fixed(c, s->imax, dhi, s->qmax, hi);
}

/* ColumnMetaData.statistics. The deprecated min/max are written too where
** their signed order is the type's order (booleans, ints, doubles). */
static void put_statistics(tarn_thrift_writer *t, const tarn_pqw_column *c)
{
    uint8_t lo[PQ_STAT_MAX + 16], hi[PQ_STAT_MAX + 16];
    long nlo, nhi;
    bool elo, ehi;
    stat_bounds(c, lo, &nlo, &elo, hi, &nhi, &ehi);
    bool legacy = c->phys != PQ_BYTE_ARRAY && c->phys != PQ_FIXED_LEN_BYTE_ARRAY;
    tarn_thriftw_field_struct(t, 12);
    if (legacy && nlo >= 0 && nhi >= 0) {
        tarn_thriftw_field_binary(t, 1, hi, (size_t)nhi);
        tarn_thriftw_field_binary(t, 2, lo, (size_t)nlo);
    }
    tarn_thriftw_field_i64(t, 3, c->stats.nulls);
    if (nhi >= 0)
        tarn_thriftw_field_binary(t, 5, hi, (size_t)nhi);
    if (nlo >= 0)
        tarn_thriftw_field_binary(t, 6, lo, (size_t)nlo);
    if (nhi >= 0)
        tarn_thriftw_field_bool(t, 7, ehi);
    if (nlo >= 0)
        tarn_thriftw_field_bool(t, 8, elo);
    if (c->phys == PQ_DOUBLE)
        tarn_thriftw_field_i64(t, 9, c->stats.nans);
    tarn_thriftw_struct_end(t);
}

/* ColumnMetaData.encodings, ascending. */
static void put_encodings(tarn_thrift_writer *t, const tarn_pqw_column *c)
{
    int enc[3], n = 0;
    if (c->dict_pages || c->plain_pages)
        enc[n++] = PQ_ENC_PLAIN; /* the dictionary page or PLAIN data pages */
    if (!c->required)
        enc[n++] = PQ_ENC_RLE;
    if (c->dict_pages)
        enc[n++] = PQ_ENC_RLE_DICTIONARY;
    tarn_thriftw_field_list(t, 2, TC_I32, (uint32_t)n);
    for (int i = 0; i < n; i++)
        tarn_thriftw_i32(t, enc[i]);
}

/* ColumnMetaData.encoding_stats: pages per (page type, encoding). */
static void put_encoding_stats(tarn_thrift_writer *t, const tarn_pqw_column *c)
{
    int data = c->cfg->page_version == 2 ? PQ_PAGE_DATA_V2 : PQ_PAGE_DATA;
    int kinds[3][3] = {{PQ_PAGE_DICTIONARY, PQ_ENC_PLAIN, c->dict_pages ? 1 : 0},
                       {data, PQ_ENC_RLE_DICTIONARY, c->dict_pages},
                       {data, PQ_ENC_PLAIN, c->plain_pages}};
    int nk = (kinds[0][2] > 0) + (kinds[1][2] > 0) + (kinds[2][2] > 0);
    tarn_thriftw_field_list(t, 13, TC_STRUCT, (uint32_t)nk);
    for (int i = 0; i < 3; i++) {
        if (kinds[i][2] == 0)
            continue;
        tarn_thriftw_struct_begin(t);
        tarn_thriftw_field_i32(t, 1, kinds[i][0]);
        tarn_thriftw_field_i32(t, 2, kinds[i][1]);
        tarn_thriftw_field_i32(t, 3, kinds[i][2]);
        tarn_thriftw_struct_end(t);
    }
}

void tarn_pqw_column_put_meta(tarn_thrift_writer *t, const tarn_pqw_column *c, int64_t dict_off,
                             int64_t data_off)
{
    tarn_thriftw_struct_begin(t);
    /* file_offset is deprecated; the spec asks for 0 when no ColumnMetaData
    ** is written outside the footer. */
    tarn_thriftw_field_i64(t, 2, 0);
    tarn_thriftw_field_struct(t, 3);
    tarn_thriftw_field_i32(t, 1, c->phys);
    put_encodings(t, c);
    tarn_thriftw_field_list(t, 3, TC_BINARY, 1);
    tarn_thriftw_binary(t, c->name, strlen(c->name));
    tarn_thriftw_field_i32(t, 4, (int32_t)c->cfg->codec);
    tarn_thriftw_field_i64(t, 5, c->ch_values);
    tarn_thriftw_field_i64(t, 6, c->ch_uncomp + c->dp_uncomp);
    tarn_thriftw_field_i64(t, 7, (int64_t)(c->chunk.len + c->dictpage.len));
    tarn_thriftw_field_i64(t, 9, data_off);
    if (dict_off >= 0)
        tarn_thriftw_field_i64(t, 11, dict_off);
    put_statistics(t, c);
    put_encoding_stats(t, c);
    tarn_thriftw_struct_end(t);
    tarn_thriftw_struct_end(t);
}

int tarn_pqw_column_finish(tarn_pqw_column *c, tarn_pqw_worker *wk, tarn_error *err)
{
    int rc = page_cut(c, wk, err);
    return rc ? rc : chunk_dict_page(c, wk, err);
}

int64_t tarn_pqw_column_uncompressed(const tarn_pqw_column *c)
{
    return c->ch_uncomp + c->dp_uncomp;
}
