/*
** parquet_read_column.c: reading one column chunk page by page (see
** parquet_read_column.h). Finds and checks each page header, verifies the
** page CRC when the writer stored one, decompresses (codec_decompress.c),
** decodes the definition and repetition levels and the values
** (parquet_decode.c), and places values into a tarn_column in bulk: a
** dictionary is converted to the column's tarn type once per chunk, fixed
** width values are converted densely and then spread out around NULLs.
*/
#include "format/parquet_read_column.h"

#include "format/copy_inline.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Fail with "'file': column 'x', row group g, page p: message". */
static int chunk_fail(pq_chunk_reader *c, tarn_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int chunk_fail(pq_chunk_reader *c, tarn_error *err, int code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->page_no > 0)
        return tarn_error_set(err, code, "'%s': column '%s', row group %d, page %d: %s", c->path,
                              c->leaf->path, c->row_group, c->page_no - 1, msg);
    return tarn_error_set(err, code, "'%s': column '%s', row group %d: %s", c->path,
                          c->leaf->path, c->row_group, msg);
}

/* Prefix err (filled by a lower layer) with the column and page. */
static int chunk_wrap(pq_chunk_reader *c, tarn_error *err, int rc)
{
    char msg[TARN_ERROR_MAX];
    snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
    return chunk_fail(c, err, rc, "%s", msg);
}

int pq_chunk_open(pq_chunk_reader *c, pq_file *f, int rg, int leaf, tarn_decompressor *dz,
                  const char *path, tarn_error *err)
{
    memset(c, 0, sizeof *c);
    c->f = f;
    c->leaf = &f->leaves[leaf];
    c->leaf_index = leaf;
    c->row_group = rg;
    c->path = path;
    c->dz = dz;
    const pq_column_meta *cm = &f->fm.row_groups[rg].columns[leaf].meta;
    int64_t start = cm->data_page_offset;
    if (cm->dictionary_page_offset > 0 && cm->dictionary_page_offset < start)
        start = cm->dictionary_page_offset;
    int64_t size = cm->total_compressed_size;
    if (start < 4 || size < 0 || start > (int64_t)f->size || size > (int64_t)f->size - start)
        return chunk_fail(c, err, TARN_ERR_CORRUPT,
                          "column chunk (offset %lld, %lld bytes) lies outside the file "
                          "(%zu bytes)", (long long)start, (long long)size, f->size);
    c->codec = cm->codec;
    if (!tarn_decompress_supported(c->codec))
        return chunk_fail(c, err, TARN_ERR_UNSUPPORTED,
                          "compression codec %s (%d) is not supported",
                          tarn_parquet_codec_name(c->codec), c->codec);
    c->data = f->map + start;
    c->len = (size_t)size;
    c->phys = tarn_xmalloc(PQ_LA * 16);
    return TARN_OK;
}

void pq_chunk_close(pq_chunk_reader *c)
{
    free(c->buf);
    free(c->dict_fixed);
    free(c->dict_off);
    free(c->dict_data);
    free(c->phys);
    pq_values_free(&c->vals);
    memset(c, 0, sizeof *c);
}

void pq_levels_free(pq_levels *lv)
{
    free(lv->def);
    free(lv->rep);
    memset(lv, 0, sizeof *lv);
}

/* ---- placing values into columns ---- */

/* Room for extra string bytes in col; more than PQ_MAX_BATCH_BYTES is an
** error. */
static int reserve_bytes(pq_chunk_reader *c, tarn_column *col, size_t extra, tarn_error *err)
{
    size_t need = col->data_len + extra;
    if (need <= col->data_cap && col->data)
        return TARN_OK;
    if (need > PQ_MAX_BATCH_BYTES || extra > PQ_MAX_BATCH_BYTES)
        return chunk_fail(c, err, TARN_ERR_LIMIT,
                          "more than %zu MiB of text in one batch; read with fewer rows per batch",
                          PQ_MAX_BATCH_BYTES >> 20);
    size_t cap = col->data_cap ? col->data_cap : 4096;
    while (cap < need)
        cap *= 2;
    col->data = tarn_xrealloc(col->data, cap);
    col->data_cap = cap;
    return TARN_OK;
}

/* Validity bits of rows base..base+m from defs (NULL: all valid). */
static void set_validity(tarn_column *col, int64_t base, int64_t m, const uint8_t *defs, int maxdef)
{
    uint8_t *v = col->validity;
    int64_t i = 0;
    if (!defs) { /* all valid: whole bytes at once */
        for (; i < m && ((base + i) & 7); i++)
            v[(base + i) >> 3] |= (uint8_t)(1u << ((base + i) & 7));
        int64_t bytes = (m - i) >> 3;
        memset(v + ((base + i) >> 3), 0xff, (size_t)bytes);
        i += bytes << 3;
    }
    for (; i < m; i++) {
        int64_t r = base + i;
        uint8_t bit = (uint8_t)(1u << (r & 7));
        if (!defs || defs[i] == maxdef)
            v[r >> 3] |= bit;
        else
            v[r >> 3] &= (uint8_t)~bit;
    }
}

/* Spread `present` dense values at base out to their rows among m rows
** (backwards, so it works in place), zeroing the NULL slots. */
#define SCATTER(T)                                                       \
    do {                                                                 \
        T *v = (T *)col->values + base;                                  \
        int64_t j = present - 1;                                         \
        for (int64_t i = m - 1; i >= 0 && i > j; i--)                    \
            v[i] = defs[i] == maxdef ? v[j--] : (T)0;                    \
    } while (0)

static void scatter(tarn_column *col, int64_t base, int64_t m, int64_t present,
                    const uint8_t *defs, int maxdef)
{
    switch (tarn_type_width(col->type.id)) {
    case 1: SCATTER(uint8_t); break;
    case 4: SCATTER(uint32_t); break;
    case 8: SCATTER(uint64_t); break;
    default: SCATTER(unsigned __int128); break;
    }
}

/* dst[j] = dict[idx[j]] for n values of type T. */
#define GATHER(T)                                                        \
    do {                                                                 \
        T *d = (T *)dst;                                                 \
        const T *s = (const T *)dict;                                    \
        for (int64_t j = 0; j < n; j++)                                  \
            d[j] = s[idx[j]];                                            \
    } while (0)

static void gather(void *dst, const void *dict, const uint32_t *idx, int64_t n, size_t w)
{
    switch (w) {
    case 1: GATHER(uint8_t); break;
    case 4: GATHER(uint32_t); break;
    case 8: GATHER(uint64_t); break;
    default: GATHER(unsigned __int128); break;
    }
}

/* Convert n dense physical values into tarn values at dst. */
static int convert_dense(pq_chunk_reader *c, const uint8_t *src, int64_t n, void *dst,
                         tarn_error *err)
{
    const int32_t *i32 = (const int32_t *)(const void *)src;
    const int64_t *i64 = (const int64_t *)(const void *)src;
    int64_t *o64 = dst;
    __int128 *o128 = dst;
    double *od = dst;
    switch (c->leaf->conv) {
    case PQ_CONV_BOOL: memcpy(dst, src, (size_t)n); break;
    case PQ_CONV_I32: memcpy(dst, src, (size_t)n * 4); break;
    case PQ_CONV_I64: case PQ_CONV_DOUBLE: memcpy(dst, src, (size_t)n * 8); break;
    case PQ_CONV_U32: for (int64_t i = 0; i < n; i++) o64[i] = (uint32_t)i32[i]; break;
    case PQ_CONV_I32_DEC: for (int64_t i = 0; i < n; i++) o128[i] = i32[i]; break;
    case PQ_CONV_I64_DEC: for (int64_t i = 0; i < n; i++) o128[i] = i64[i]; break;
    case PQ_CONV_U64_DEC: for (int64_t i = 0; i < n; i++) o128[i] = (uint64_t)i64[i]; break;
    case PQ_CONV_TS_NANOS: for (int64_t i = 0; i < n; i++) o64[i] = pq_nanos_to_micros(i64[i]); break;
    case PQ_CONV_FLOAT: {
        const float *f = (const float *)(const void *)src;
        for (int64_t i = 0; i < n; i++)
            od[i] = f[i];
        break;
    }
    case PQ_CONV_TS_MILLIS:
        for (int64_t i = 0; i < n; i++)
            if (!pq_millis_to_micros(i64[i], &o64[i]))
                return chunk_fail(c, err, TARN_ERR_CORRUPT, "timestamp %lld ms is out of range",
                                  (long long)i64[i]);
        break;
    case PQ_CONV_INT96:
        for (int64_t i = 0; i < n; i++)
            if (!pq_int96_to_micros(src + 12 * i, &o64[i]))
                return chunk_fail(c, err, TARN_ERR_CORRUPT, "INT96 timestamp is out of range");
        break;
    default:
        return chunk_fail(c, err, TARN_ERR_INTERNAL, "no dense conversion for this column");
    }
    return TARN_OK;
}

/* Append one text-producing numeric value (TIME) as a string. */
static int put_time(pq_chunk_reader *c, tarn_column *col, const uint8_t *src, tarn_error *err)
{
    int64_t v;
    int unit = PQ_UNIT_MICROS;
    if (c->leaf->conv == PQ_CONV_I32_TIME_MS) {
        int32_t t;
        memcpy(&t, src, 4);
        v = t, unit = PQ_UNIT_MILLIS;
    } else {
        memcpy(&v, src, 8);
        if (c->leaf->conv == PQ_CONV_I64_TIME_NS)
            unit = PQ_UNIT_NANOS;
    }
    int rc = reserve_bytes(c, col, 48, err);
    if (!rc)
        col->data_len += pq_format_time(v, unit, col->data + col->data_len);
    return rc;
}

/* The DECIMAL scale of a leaf (logical type first). */
static int decimal_scale(const pq_leaf_info *li)
{
    const pq_schema_elem *e = li->node->elem;
    return e->logical.kind == PQ_LT_DECIMAL ? e->logical.scale : e->scale;
}

/* Place one binary physical value into row `row` of col. */
static int put_binary(pq_chunk_reader *c, tarn_column *col, int64_t row, const uint8_t *p,
                      size_t n, tarn_error *err)
{
    int rc;
    switch (c->leaf->conv) {
    case PQ_CONV_BIN_DEC:
        if (!pq_be_to_i128(p, n, &((__int128 *)col->values)[row]))
            return chunk_fail(c, err, TARN_ERR_CORRUPT, "decimal value of %zu bytes does not fit "
                              "in 38 digits", n);
        return TARN_OK;
    case PQ_CONV_FLOAT16:
        ((double *)col->values)[row] = pq_half_to_double((uint16_t)(p[0] | p[1] << 8));
        return TARN_OK;
    default:
        break;
    }
    size_t bound = c->leaf->conv == PQ_CONV_BYTES ? n : c->leaf->conv == PQ_CONV_HEX ? 2 * n
                 : c->leaf->conv == PQ_CONV_BIN_DEC_TEXT ? 3 * n + 1010 : 64;
    if ((rc = reserve_bytes(c, col, bound, err)) != 0)
        return rc;
    char *out = col->data + col->data_len;
    size_t k = 0;
    switch (c->leaf->conv) {
    case PQ_CONV_BYTES: if (n) memcpy(out, p, n); k = n; break;
    case PQ_CONV_HEX: k = pq_format_hex(p, n, out); break;
    case PQ_CONV_UUID: k = pq_format_uuid(p, out); break;
    case PQ_CONV_INTERVAL: k = pq_format_interval(p, out); break;
    case PQ_CONV_BIN_DEC_TEXT:
        if ((k = pq_format_bigdec(p, n, decimal_scale(c->leaf), out, bound)) == 0)
            return chunk_fail(c, err, TARN_ERR_LIMIT, "decimal value of %zu bytes is too large", n);
        break;
    default:
        return chunk_fail(c, err, TARN_ERR_INTERNAL, "no binary conversion for this column");
    }
    col->data_len += k;
    return TARN_OK;
}

static bool is_string_target(const pq_chunk_reader *c) { return c->leaf->type.id == TARN_TYPE_STRING; }
static bool is_binary_physical(const pq_chunk_reader *c)
{
    return c->leaf->physical == PQ_BYTE_ARRAY || c->leaf->physical == PQ_FIXED_LEN_BYTE_ARRAY;
}

/* The error for a page whose values end before its levels. */
static int values_ran_out(pq_chunk_reader *c, tarn_error *err)
{
    return chunk_fail(c, err, TARN_ERR_CORRUPT, "the page holds fewer values than its levels "
                      "say%s%s", c->vals.why ? ": " : "", c->vals.why ? c->vals.why : "");
}

/* ---- dictionary ---- */

/* Dictionary entries of a BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY leaf, converted
** into tmp. */
static int dict_binary(pq_chunk_reader *c, pq_values *v, int32_t count, tarn_column *tmp,
                       tarn_error *err)
{
    int rc = TARN_OK;
    for (int32_t i = 0; i < count && !rc; i++) {
        const uint8_t *bp;
        size_t bn;
        if (!pq_values_binary(v, &bp, &bn))
            rc = chunk_fail(c, err, TARN_ERR_CORRUPT, "dictionary page is cut short");
        else if (!(rc = put_binary(c, tmp, i, bp, bn, err)) && tmp->offsets)
            tmp->offsets[i + 1] = (int64_t)tmp->data_len;
    }
    return rc;
}

/* Dictionary entries of a fixed-width leaf, converted into tmp. */
static int dict_fixed(pq_chunk_reader *c, pq_values *v, int32_t count, tarn_column *tmp,
                      tarn_error *err)
{
    const pq_leaf_info *li = c->leaf;
    int rc = TARN_OK;
    for (int32_t i = 0; i < count && !rc; i += PQ_LA) {
        int64_t k = count - i < PQ_LA ? count - i : PQ_LA;
        if (pq_values_fixed(v, c->phys, k) != k) {
            rc = chunk_fail(c, err, TARN_ERR_CORRUPT, "dictionary page is cut short");
        } else if (!is_string_target(c)) {
            size_t w = tarn_type_width(li->type.id);
            rc = convert_dense(c, c->phys, k, (uint8_t *)tmp->values + (size_t)i * w, err);
        } else {
            for (int64_t j = 0; j < k && !rc; j++)
                if (!(rc = put_time(c, tmp, c->phys + (size_t)j * (size_t)li->width, err)))
                    tmp->offsets[i + j + 1] = (int64_t)tmp->data_len;
        }
    }
    return rc;
}

/* Values of the dictionary page: decode and convert each once. */
static int dict_build(pq_chunk_reader *c, const uint8_t *p, size_t n, int32_t count,
                      tarn_error *err)
{
    const pq_leaf_info *li = c->leaf;
    size_t min_bytes = li->physical == PQ_BOOLEAN ? 0 : li->physical == PQ_BYTE_ARRAY ? 4
                     : (size_t)li->width;
    if (count < 0 || (uint64_t)count * min_bytes > n ||
        (li->physical == PQ_BOOLEAN && (uint64_t)count > n * 8))
        return chunk_fail(c, err, TARN_ERR_CORRUPT, "dictionary page declares %d values but "
                          "holds %zu bytes", count, n);
    pq_values v = {0};
    pq_values_init(&v, PQ_ENC_PLAIN, li->physical, li->width, p, n);
    tarn_column tmp;
    tarn_column_init(&tmp, li->type, count > 0 ? count : 1);
    int rc = is_binary_physical(c) ? dict_binary(c, &v, count, &tmp, err)
                                   : dict_fixed(c, &v, count, &tmp, err);
    if (!rc) {
        c->has_dict = true;
        c->dict_n = count;
        c->dict_fixed = tmp.values, tmp.values = NULL;
        c->dict_off = tmp.offsets, tmp.offsets = NULL;
        c->dict_data = tmp.data, tmp.data = NULL;
    }
    tarn_column_free(&tmp);
    pq_values_free(&v);
    return rc;
}

/* Fail unless each of the first n indices is inside the dictionary (one
** pass taking the largest, which the compiler can vectorize). */
static int check_indices(pq_chunk_reader *c, int64_t n, tarn_error *err)
{
    uint32_t worst = 0;
    for (int64_t j = 0; j < n; j++)
        worst = c->idx[j] > worst ? c->idx[j] : worst;
    if (n > 0 && worst >= (uint64_t)c->dict_n)
        return chunk_fail(c, err, TARN_ERR_CORRUPT, "dictionary index %u out of range "
                          "(the dictionary has %lld values)", worst, (long long)c->dict_n);
    return TARN_OK;
}

/* The strings of `present` checked indices into rows base..base+m of col
** (defs NULL: every row present). */
static int dict_place_strings(pq_chunk_reader *c, tarn_column *col, int64_t base, int64_t m,
                              int64_t present, const uint8_t *defs, tarn_error *err)
{
    const int64_t *doff = c->dict_off;
    const char *dd = c->dict_data ? c->dict_data : "";
    size_t total = 0;
    for (int64_t j = 0; j < present; j++)
        total += (size_t)(doff[c->idx[j] + 1] - doff[c->idx[j]]);
    int rc = reserve_bytes(c, col, total, err);
    if (rc)
        return rc;
    char *out = col->data + col->data_len;
    int64_t *offs = col->offsets + base + 1, pos = (int64_t)col->data_len;
    for (int64_t i = 0, j = 0; i < m; i++) {
        if (!defs || defs[i] == c->leaf->max_def) {
            uint32_t d = c->idx[j++];
            int64_t len = doff[d + 1] - doff[d];
            out = tarn_copy_bytes(out, dd + doff[d], (size_t)len);
            pos += len;
        }
        offs[i] = pos;
    }
    col->data_len += total;
    return TARN_OK;
}

/* Gather dictionary entries for `present` indices into rows base.. of col. */
static int dict_place(pq_chunk_reader *c, tarn_column *col, int64_t base, int64_t m,
                      int64_t present, const uint8_t *defs, tarn_error *err)
{
    if (pq_values_indices(&c->vals, c->idx, present) != present)
        return values_ran_out(c, err);
    int rc = check_indices(c, present, err);
    if (rc)
        return rc;
    if (is_string_target(c))
        return dict_place_strings(c, col, base, m, present, defs, err);
    size_t w = tarn_type_width(c->leaf->type.id);
    gather((uint8_t *)col->values + (size_t)base * w, c->dict_fixed, c->idx, present, w);
    if (present < m)
        scatter(col, base, m, present, defs, c->leaf->max_def);
    return TARN_OK;
}

/* ---- decoding m rows of the current page into col ---- */

/* m rows of a fixed-width physical type from the current page. */
static int fixed_place(pq_chunk_reader *c, tarn_column *col, int64_t base, int64_t m,
                       int64_t present, const uint8_t *defs, tarn_error *err)
{
    if (pq_values_fixed(&c->vals, c->phys, present) != present)
        return values_ran_out(c, err);
    if (!is_string_target(c)) {
        size_t w = tarn_type_width(c->leaf->type.id);
        int rc = convert_dense(c, c->phys, present, (uint8_t *)col->values + (size_t)base * w, err);
        if (!rc && present < m)
            scatter(col, base, m, present, defs, c->leaf->max_def);
        return rc;
    }
    for (int64_t i = 0, j = 0; i < m; i++) {
        if (!defs || defs[i] == c->leaf->max_def) {
            int rc = put_time(c, col, c->phys + (size_t)(j++) * (size_t)c->leaf->width, err);
            if (rc)
                return rc;
        }
        col->offsets[base + i + 1] = (int64_t)col->data_len;
    }
    return TARN_OK;
}

/* m rows of a BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY leaf from the current page. */
static int binary_place(pq_chunk_reader *c, tarn_column *col, int64_t base, int64_t m,
                        const uint8_t *defs, tarn_error *err)
{
    bool str = is_string_target(c);
    size_t w = tarn_type_width(c->leaf->type.id);
    for (int64_t i = 0; i < m; i++) {
        if (!defs || defs[i] == c->leaf->max_def) {
            const uint8_t *p;
            size_t n;
            if (!pq_values_binary(&c->vals, &p, &n))
                return values_ran_out(c, err);
            int rc = put_binary(c, col, base + i, p, n, err);
            if (rc)
                return rc;
        } else if (!str) {
            memset((uint8_t *)col->values + (size_t)(base + i) * w, 0, w);
        }
        if (str)
            col->offsets[base + i + 1] = (int64_t)col->data_len;
    }
    return TARN_OK;
}

/* Append m rows (present of them non-NULL, per defs; defs NULL = all). */
static int place_rows(pq_chunk_reader *c, tarn_column *col, int64_t m, int64_t present,
                      const uint8_t *defs, tarn_error *err)
{
    int64_t base = col->length;
    tarn_column_reserve(col, base + m);
    set_validity(col, base, m, defs, c->leaf->max_def);
    int rc;
    if (c->dict_page_enc)
        rc = dict_place(c, col, base, m, present, defs, err);
    else if (is_binary_physical(c))
        rc = binary_place(c, col, base, m, defs, err);
    else
        rc = fixed_place(c, col, base, m, present, defs, err);
    if (rc)
        return rc;
    col->length += m;
    col->null_count += m - present;
    return TARN_OK;
}

/* ---- pages ---- */

/* The reused page buffer, grown to n bytes (contents not kept). */
static uint8_t *page_buffer(pq_chunk_reader *c, size_t n)
{
    if (n + 8 > c->buf_cap) {
        free(c->buf);
        c->buf_cap = n + 8;
        c->buf = tarn_xmalloc(c->buf_cap);
    }
    return c->buf;
}

/* Decompress `n` page bytes at p into the page buffer of `size` bytes. */
static int page_inflate(pq_chunk_reader *c, const uint8_t *p, size_t n, int64_t size,
                        const uint8_t **out, tarn_error *err)
{
    if (c->codec == PQ_CODEC_UNCOMPRESSED && (int64_t)n == size) {
        *out = p;
        return TARN_OK;
    }
    if (size < 0 || (size_t)size > PQ_MAX_PAGE_SIZE ||
        (size_t)size > tarn_decompress_bound(c->codec, n))
        return chunk_fail(c, err, TARN_ERR_CORRUPT, "page claims %lld bytes uncompressed from "
                          "%zu compressed bytes", (long long)size, n);
    uint8_t *dst = page_buffer(c, (size_t)size);
    int rc = tarn_decompress(c->dz, c->codec, p, n, dst, (size_t)size, err);
    if (rc)
        return chunk_wrap(c, err, rc);
    *out = dst;
    return TARN_OK;
}

/* Bits needed for levels up to max. */
static int level_width(int max) { return max ? 32 - __builtin_clz((unsigned)max) : 0; }

/* Set up one level decoder from a v1 page body at *p (advancing it). */
static int v1_levels(pq_chunk_reader *c, pq_rle *r, int encoding, int max, int32_t nvals,
                     const uint8_t **p, const uint8_t *end, tarn_error *err)
{
    int bw = level_width(max);
    size_t left = (size_t)(end - *p);
    if (encoding == PQ_ENC_BIT_PACKED) {
        size_t bytes = ((size_t)nvals * (size_t)bw + 7) / 8;
        if (bytes > left)
            return chunk_fail(c, err, TARN_ERR_CORRUPT, "levels run past the page");
        pq_rle_init_msb(r, *p, bytes, bw);
        *p += bytes;
        return TARN_OK;
    }
    if (encoding != PQ_ENC_RLE)
        return chunk_fail(c, err, TARN_ERR_UNSUPPORTED, "levels in encoding %s are not supported",
                          tarn_parquet_encoding_name(encoding));
    if (left < 4)
        return chunk_fail(c, err, TARN_ERR_CORRUPT, "levels run past the page");
    uint32_t len = (uint32_t)(*p)[0] | (uint32_t)(*p)[1] << 8 | (uint32_t)(*p)[2] << 16 |
                   (uint32_t)(*p)[3] << 24;
    if (len > left - 4)
        return chunk_fail(c, err, TARN_ERR_CORRUPT, "levels length %u runs past the page", len);
    pq_rle_init(r, *p + 4, len, bw);
    *p += 4 + len;
    return TARN_OK;
}

/* Set up the value decoder of a data page. */
static int start_values(pq_chunk_reader *c, int encoding, const uint8_t *p, const uint8_t *end,
                        tarn_error *err)
{
    c->dict_page_enc = encoding == PQ_ENC_PLAIN_DICTIONARY || encoding == PQ_ENC_RLE_DICTIONARY;
    if (c->dict_page_enc && !c->has_dict)
        return chunk_fail(c, err, TARN_ERR_CORRUPT, "page is dictionary-encoded but the column "
                          "has no dictionary page");
    int rc = pq_values_init(&c->vals, encoding, c->leaf->physical, c->leaf->width, p,
                            (size_t)(end - p));
    if (rc)
        return chunk_fail(c, err, rc, "%s values: %s", tarn_parquet_encoding_name(encoding),
                          c->vals.why);
    return TARN_OK;
}

/* A v1 data page: all of it compressed; levels with a length prefix (RLE) or
** bit-packed. */
static int data_page_v1(pq_chunk_reader *c, const pq_page_header *h, const uint8_t *body,
                        tarn_error *err)
{
    const uint8_t *page;
    int rc = page_inflate(c, body, (size_t)h->compressed_size, h->uncompressed_size, &page, err);
    if (rc)
        return rc;
    const uint8_t *p = page, *end = page + h->uncompressed_size;
    if (c->leaf->max_rep &&
        (rc = v1_levels(c, &c->rep, h->rep_encoding, c->leaf->max_rep, h->num_values, &p, end, err)))
        return rc;
    if (c->leaf->max_def &&
        (rc = v1_levels(c, &c->def, h->def_encoding, c->leaf->max_def, h->num_values, &p, end, err)))
        return rc;
    return start_values(c, h->encoding, p, end, err);
}

/* A v2 data page: levels first and never compressed; values compressed if
** is_compressed. */
static int data_page_v2(pq_chunk_reader *c, const pq_page_header *h, const uint8_t *body,
                        tarn_error *err)
{
    int64_t rl = h->rep_length, dl = h->def_length, cs = h->compressed_size;
    if (rl < 0 || dl < 0 || rl + dl > cs || rl + dl > h->uncompressed_size)
        return chunk_fail(c, err, TARN_ERR_CORRUPT, "level lengths (%lld + %lld) exceed the page",
                          (long long)rl, (long long)dl);
    pq_rle_init(&c->rep, body, (size_t)rl, level_width(c->leaf->max_rep));
    pq_rle_init(&c->def, body + rl, (size_t)dl, level_width(c->leaf->max_def));
    const uint8_t *vals = body + rl + dl;
    size_t vn = (size_t)(cs - rl - dl);
    int64_t vsize = h->uncompressed_size - rl - dl;
    if (h->is_compressed && c->codec != PQ_CODEC_UNCOMPRESSED && !(vn == 0 && vsize == 0)) {
        int rc = page_inflate(c, vals, vn, vsize, &vals, err);
        if (rc)
            return rc;
        vn = (size_t)vsize;
    }
    return start_values(c, h->encoding, vals, vals + vn, err);
}

/* CRC-32 of the page's bytes as stored must equal the header's crc. */
static int check_crc(pq_chunk_reader *c, const pq_page_header *h, const uint8_t *body,
                     tarn_error *err)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    size_t n = (size_t)h->compressed_size;
    for (size_t off = 0; off < n;) {
        uInt k = n - off > (1u << 30) ? (1u << 30) : (uInt)(n - off);
        crc = crc32(crc, body + off, k);
        off += k;
    }
    if ((uint32_t)crc != h->crc)
        return chunk_fail(c, err, TARN_ERR_CORRUPT, "page checksum mismatch (stored %08x, "
                          "computed %08x): the file is corrupt", h->crc, (uint32_t)crc);
    return TARN_OK;
}

/* Handle one page whose header is h and whose bytes are body. Sets
** c->page_left for a data page. */
static int handle_page(pq_chunk_reader *c, const pq_page_header *h, const uint8_t *body,
                       tarn_error *err)
{
    int rc;
    if (h->has_crc && (rc = check_crc(c, h, body, err)) != 0)
        return rc;
    if (h->type == PQ_PAGE_DICTIONARY) {
        if (!h->has_dict || c->has_dict)
            return chunk_fail(c, err, TARN_ERR_CORRUPT, c->has_dict ? "second dictionary page"
                              : "dictionary page without its header");
        const uint8_t *page;
        if ((rc = page_inflate(c, body, (size_t)h->compressed_size, h->uncompressed_size, &page, err)))
            return rc;
        return dict_build(c, page, (size_t)h->uncompressed_size, h->num_values, err);
    }
    if (h->type != PQ_PAGE_DATA && h->type != PQ_PAGE_DATA_V2)
        return TARN_OK; /* index pages and unknown page types carry no values */
    if ((h->type == PQ_PAGE_DATA && !h->has_data) || (h->type == PQ_PAGE_DATA_V2 && !h->has_data_v2))
        return chunk_fail(c, err, TARN_ERR_CORRUPT, "data page without its header");
    if (h->num_values < 0)
        return chunk_fail(c, err, TARN_ERR_CORRUPT, "negative value count %d", h->num_values);
    rc = h->type == PQ_PAGE_DATA ? data_page_v1(c, h, body, err) : data_page_v2(c, h, body, err);
    if (!rc)
        c->page_left = h->num_values;
    return rc;
}

/* Advance to the next data page holding values. Returns 1 when one is
** ready, 0 at the end of the chunk, or a negative status. */
static int next_page(pq_chunk_reader *c, tarn_error *err)
{
    while (c->pos < c->len) {
        pq_page_header h;
        size_t used;
        c->page_no++;
        int rc = pq_decode_page_header(c->data + c->pos, c->len - c->pos, &h, &used, err);
        if (rc)
            return -chunk_wrap(c, err, rc);
        if ((size_t)h.compressed_size > c->len - c->pos - used)
            return -chunk_fail(c, err, TARN_ERR_CORRUPT, "page of %d bytes runs past the end of "
                               "its column chunk", h.compressed_size);
        const uint8_t *body = c->data + c->pos + used;
        c->pos += used + (size_t)h.compressed_size;
        if ((rc = handle_page(c, &h, body, err)) != 0)
            return -rc;
        if (c->page_left > 0)
            return 1;
    }
    return 0;
}

/* ---- levels ---- */

/* m levels into out, each checked to be at most max (0 max: all zero). */
static int decode_levels(pq_chunk_reader *c, pq_rle *r, uint8_t *out, int64_t m, int max,
                         const char *what, tarn_error *err)
{
    if (max == 0) {
        memset(out, 0, (size_t)m);
        return TARN_OK;
    }
    if (pq_rle_get_u8(r, out, m) != m)
        return chunk_fail(c, err, TARN_ERR_CORRUPT, "the page has fewer %s levels than values", what);
    uint8_t worst = 0;
    for (int64_t i = 0; i < m; i++)
        worst = out[i] > worst ? out[i] : worst;
    if (worst > max)
        return chunk_fail(c, err, TARN_ERR_CORRUPT, "%s level %d exceeds the column's maximum %d",
                          what, worst, max);
    return TARN_OK;
}

/* Decode the next level entries into la_def / la_rep. Returns 1, 0 at the
** end of the chunk, or a negative status. */
static int fill_lookahead(pq_chunk_reader *c, tarn_error *err)
{
    if (c->page_left == 0) {
        int got = next_page(c, err);
        if (got <= 0)
            return got;
    }
    int64_t m = c->page_left < PQ_LA ? c->page_left : PQ_LA;
    int rc = decode_levels(c, &c->rep, c->la_rep, m, c->leaf->max_rep, "repetition", err);
    if (!rc)
        rc = decode_levels(c, &c->def, c->la_def, m, c->leaf->max_def, "definition", err);
    if (rc)
        return -rc;
    c->page_left -= m;
    c->la_pos = 0;
    c->la_len = (int)m;
    return 1;
}

static int64_t count_present(const uint8_t *defs, int64_t m, int max)
{
    int64_t k = 0;
    for (int64_t i = 0; i < m; i++)
        k += defs[i] == max;
    return k;
}

/* The error for a chunk with fewer values than its row group's rows. */
static int short_chunk(pq_chunk_reader *c, int64_t missing, tarn_error *err)
{
    return chunk_fail(c, err, TARN_ERR_CORRUPT, "the column chunk ends %lld values short of "
                      "its row group's row count", (long long)missing);
}

int pq_chunk_read_flat(pq_chunk_reader *c, int64_t n, tarn_column *col, tarn_error *err)
{
    while (n > 0) {
        int rc;
        if (c->leaf->max_def == 0) { /* required: no levels, every entry a value */
            if (c->page_left == 0 && (rc = next_page(c, err)) <= 0)
                return rc < 0 ? -rc : short_chunk(c, n, err);
            int64_t m = n < c->page_left ? n : c->page_left;
            m = m < PQ_LA ? m : PQ_LA;
            if ((rc = place_rows(c, col, m, m, NULL, err)) != 0)
                return rc;
            c->page_left -= m, n -= m;
            continue;
        }
        if (c->la_pos == c->la_len && (rc = fill_lookahead(c, err)) <= 0)
            return rc < 0 ? -rc : short_chunk(c, n, err);
        int64_t m = c->la_len - c->la_pos;
        m = n < m ? n : m;
        const uint8_t *defs = c->la_def + c->la_pos;
        int64_t present = count_present(defs, m, c->leaf->max_def);
        if ((rc = place_rows(c, col, m, present, present == m ? NULL : defs, err)) != 0)
            return rc;
        c->la_pos += (int)m, n -= m;
    }
    return TARN_OK;
}

/* Append m level entries to lv (bounded, so a huge record is an error). */
static int levels_append(pq_chunk_reader *c, pq_levels *lv, const uint8_t *def,
                         const uint8_t *rep, int64_t m, tarn_error *err)
{
    if (lv->n + m > lv->cap) {
        if (lv->n + m > ((int64_t)1 << 28))
            return chunk_fail(c, err, TARN_ERR_LIMIT, "a group of records holds more than 2^28 "
                              "values; read with fewer rows per batch");
        int64_t cap = lv->cap ? lv->cap : 4096;
        while (cap < lv->n + m)
            cap *= 2;
        lv->def = tarn_xrealloc(lv->def, (size_t)cap);
        lv->rep = tarn_xrealloc(lv->rep, (size_t)cap);
        lv->cap = cap;
    }
    memcpy(lv->def + lv->n, def, (size_t)m);
    memcpy(lv->rep + lv->n, rep, (size_t)m);
    lv->n += m;
    return TARN_OK;
}

/* Consume m lookahead entries: their levels into lv, their values into col. */
static int consume_nested(pq_chunk_reader *c, int64_t m, pq_levels *lv, tarn_column *col,
                          tarn_error *err)
{
    const uint8_t *defs = c->la_def + c->la_pos;
    int rc = levels_append(c, lv, defs, c->la_rep + c->la_pos, m, err);
    int64_t present = count_present(defs, m, c->leaf->max_def);
    if (!rc && present)
        rc = place_rows(c, col, present, present, NULL, err);
    c->la_pos += (int)m;
    return rc;
}

int pq_chunk_read_records(pq_chunk_reader *c, int64_t k, pq_levels *lv, tarn_column *col,
                          int64_t *records, tarn_error *err)
{
    int64_t got = 0;
    *records = 0;
    for (;;) {
        int rc;
        if (c->la_pos == c->la_len && (rc = fill_lookahead(c, err)) <= 0) {
            if (rc < 0)
                return -rc;
            break;
        }
        int i = c->la_pos;
        bool full = false;
        for (; i < c->la_len; i++) {
            if (c->la_rep[i] == 0) {
                if (got == k) {
                    full = true;
                    break;
                }
                got++;
            } else if (got == 0) {
                return chunk_fail(c, err, TARN_ERR_CORRUPT, "a record starts with repetition "
                                  "level %d instead of 0", c->la_rep[i]);
            }
        }
        if (i > c->la_pos && (rc = consume_nested(c, i - c->la_pos, lv, col, err)) != 0)
            return rc;
        if (full)
            break;
    }
    *records = got;
    return TARN_OK;
}
