/*
** parquet_encode.h: the Parquet value encodings the writer uses, and the
** column-chunk statistics it keeps. Module-private to format/ (used by
** parquet_writer.c; tested by tests/unit/test_parquet_writer.c).
**
**  - the RLE / bit-packed hybrid (definition levels, dictionary indices),
**  - dictionary building over fixed-width values or byte arrays with an
**    open-addressing hash table over the value bytes (no per-value
**    allocation), whose entries are kept in their PLAIN encoding so the
**    dictionary page is the entry buffer as is,
**  - min/max/null/NaN statistics in each type's Parquet sort order.
*/
#ifndef TARN_PARQUET_ENCODE_H
#define TARN_PARQUET_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/core.h"

/* ---- RLE / bit-packed hybrid ---- */

/* Bytes that encoding n values of bit_width (0..32) can take at most. */
size_t tarn_pqw_rle_bound(size_t n, int bit_width);
/* Encode v[0..n) (each < 2^bit_width) into out (tarn_pqw_rle_bound bytes);
** returns the bytes written. No length prefix. Runs of 8 or more equal
** values become RLE runs, the rest bit-packed groups of 8 (the last group
** zero-padded). */
size_t tarn_pqw_rle_encode_u32(const uint32_t *v, size_t n, int bit_width, uint8_t *out);
/* The same for bit width 1 with the values taken from an LSB-first bitmap
** (bits[0] bit 0 is value 0): definition levels straight from a validity
** bitmap. */
size_t tarn_pqw_rle_encode_bits(const uint8_t *bits, size_t n, uint8_t *out);
/* One RLE run: count copies of value (< 2^bit_width); returns bytes
** written to out (at most 14). */
size_t tarn_pqw_rle_encode_run(uint32_t value, size_t count, int bit_width, uint8_t *out);
/* Bits needed for values 0..max (at least 1). */
int tarn_pqw_bit_width(uint32_t max);

/* ---- bitmaps (LSB first) ---- */

/* Copy n bits from src at bit soff to dst at bit doff (other dst bits kept). */
void tarn_pqw_bits_copy(uint8_t *dst, size_t doff, const uint8_t *src, size_t soff, size_t n);
/* Number of set bits among n bits of src from bit off. */
size_t tarn_pqw_bits_count(const uint8_t *src, size_t off, size_t n);

/* ---- dictionaries ---- */

typedef struct tarn_pqw_dict {
    int width;         /* bytes per entry, or 0 for byte arrays */
    size_t limit;      /* most entry bytes (PLAIN encoded) it may hold */
    uint32_t count;    /* entries */
    uint64_t *slots;   /* hash tag << 32 | (entry index + 1); 0 = empty */
    uint32_t mask;     /* slots - 1 (a power of two minus one) */
    tarn_buf values;   /* the entries, PLAIN encoded: the dictionary page */
    uint64_t *starts;  /* byte arrays: offset of entry i's length prefix */
    size_t starts_cap;
} tarn_pqw_dict;

/* width: bytes per fixed-width value (1..16) or 0 for byte arrays; limit:
** the most PLAIN-encoded bytes the dictionary may grow to. */
void tarn_pqw_dict_init(tarn_pqw_dict *d, int width, size_t limit);
/* Forget every entry, keeping allocations. */
void tarn_pqw_dict_reset(tarn_pqw_dict *d);
void tarn_pqw_dict_free(tarn_pqw_dict *d);

/* Look up each of n fixed-width values (packed, width bytes each), adding
** the new ones, and write their entry indices to idx. Stops before the
** first value that would push the dictionary past its limit; returns how
** many values were done (n unless the dictionary is full). */
size_t tarn_pqw_dict_put_fixed(tarn_pqw_dict *d, const uint8_t *vals, size_t n, uint32_t *idx);

/* The same for the byte-array rows [off, off+n) of a string column
** (offsets/data in the Arrow layout), skipping rows whose validity bit is
** clear (validity may be NULL: all valid). Indices of the non-null rows
** go to idx, their number to *nidx. Returns rows done (n unless full). */
size_t tarn_pqw_dict_put_strs(tarn_pqw_dict *d, const int64_t *offsets, const char *data,
                             const uint8_t *validity, int64_t off, size_t n,
                             uint32_t *idx, size_t *nidx);

/* Append the PLAIN encoding of entries idx[0..n) to out (to turn a page of
** indices back into plain values). Returns TARN_OK or TARN_ERR_LIMIT. */
int tarn_pqw_dict_to_plain(const tarn_pqw_dict *d, const uint32_t *idx, size_t n, tarn_buf *out);

/* Entry i of a byte-array dictionary (not NUL-terminated). */
static inline const char *tarn_pqw_dict_str(const tarn_pqw_dict *d, uint32_t i, uint32_t *n)
{
    const char *p = d->values.data + d->starts[i];
    uint32_t len;
    memcpy(&len, p, 4);
    *n = len;
    return p + 4;
}

/* ---- statistics ---- */

/* What a statistic compares: Parquet's sort order for a column's type. */
enum tarn_pqw_order {
    TARN_PQW_ORDER_BOOL,   /* false < true */
    TARN_PQW_ORDER_INT,    /* signed 64-bit (int, bigint, date, timestamp, small decimals) */
    TARN_PQW_ORDER_DOUBLE, /* numeric; NaN ignored and counted */
    TARN_PQW_ORDER_I128,   /* signed 128-bit (wide decimals) */
    TARN_PQW_ORDER_BYTES   /* unsigned byte-wise, shorter prefix first */
};

typedef struct tarn_pqw_stats {
    int order;            /* enum tarn_pqw_order */
    bool has;             /* min/max hold at least one value */
    int64_t nulls;
    int64_t nans;
    int64_t imin, imax;
    double dmin, dmax;
    __int128 qmin, qmax;
    tarn_buf bmin, bmax;  /* byte arrays: the full values */
} tarn_pqw_stats;

void tarn_pqw_stats_init(tarn_pqw_stats *s, int order);
/* Forget the values seen, keeping allocations. */
void tarn_pqw_stats_reset(tarn_pqw_stats *s);
void tarn_pqw_stats_free(tarn_pqw_stats *s);
/* Fold n non-null values into the statistics. */
void tarn_pqw_stats_bool(tarn_pqw_stats *s, const uint8_t *v, size_t n);
void tarn_pqw_stats_i32(tarn_pqw_stats *s, const int32_t *v, size_t n);
void tarn_pqw_stats_i64(tarn_pqw_stats *s, const int64_t *v, size_t n);
void tarn_pqw_stats_f64(tarn_pqw_stats *s, const double *v, size_t n);
void tarn_pqw_stats_i128(tarn_pqw_stats *s, const __int128 *v, size_t n);
void tarn_pqw_stats_bytes(tarn_pqw_stats *s, const void *p, size_t n);
/* Fold the entries [from, d->count) of a byte-array dictionary. */
void tarn_pqw_stats_dict(tarn_pqw_stats *s, const tarn_pqw_dict *d, uint32_t from);
/* Unsigned byte-wise comparison, a proper prefix first (<0, 0, >0). */
int tarn_pqw_bytes_cmp(const void *a, size_t an, const void *b, size_t bn);

/* Byte-array bounds shortened to at most max bytes, cut on a UTF-8
** character boundary: the min bound is a prefix of the min (so <= it); the
** max bound is a prefix whose last ASCII byte is incremented (so > every
** value starting with the max's prefix). Each returns its length, or -1
** when no such bound exists (the max then must be omitted). *exact tells
** whether the bound is the value itself. */
long tarn_pqw_min_bound(const char *v, size_t n, size_t max, bool *exact);
long tarn_pqw_max_bound(const char *v, size_t n, size_t max, char *out, bool *exact);

#endif
