/*
** parquet_decode.h: Parquet's value encodings and value conversions,
** private to format/. parquet_decode.c implements the decoders (the
** RLE / bit-packing hybrid, PLAIN, DELTA_BINARY_PACKED,
** DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT and
** dictionary indices) and the conversions from physical values to tarn
** values (INT96, decimals, FLOAT16, UUID, INTERVAL, TIME). They work on a
** decompressed page in memory, never read outside [p, end), and report a
** short count when the data runs out; parquet_read_column.c turns that into an
** error naming the column and page.
*/
#ifndef TARN_PARQUET_DECODE_H
#define TARN_PARQUET_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "table/table.h"

/* ---- RLE / bit-packing hybrid (levels, booleans, dictionary indices) ---- */
typedef struct pq_rle {
    const uint8_t *p, *end;
    int bw;                 /* bit width, 0..32 */
    bool msb_packed;        /* the deprecated BIT_PACKED level encoding */
    uint64_t bit;           /* msb_packed: next bit */
    uint64_t run_left;      /* values left in the current run */
    bool run_is_rle;
    uint32_t rle_value;
    uint32_t buf[8];        /* bit-packed: the current group of 8 */
    int buf_pos, buf_len;
} pq_rle;

/* Decode n bytes at p with bit width bw (0..32). */
void pq_rle_init(pq_rle *r, const uint8_t *p, size_t n, int bw);
/* The BIT_PACKED level encoding (most significant bit first). */
void pq_rle_init_msb(pq_rle *r, const uint8_t *p, size_t n, int bw);
/* Up to n values into out; returns how many were decoded (fewer only when
** the data ends). */
int64_t pq_rle_get_u32(pq_rle *r, uint32_t *out, int64_t n);
int64_t pq_rle_get_u8(pq_rle *r, uint8_t *out, int64_t n);

/* ---- DELTA_BINARY_PACKED ---- */
typedef struct pq_delta {
    const uint8_t *p, *end;
    bool is64;
    uint64_t block_size, per_mini;
    uint32_t nmini;
    int64_t left;           /* values not yet returned */
    uint64_t last;          /* previous value (wrapping arithmetic) */
    bool first;             /* the header's first value not yet returned */
    uint64_t min_delta;
    const uint8_t *widths;  /* nmini bit widths of the current block */
    uint32_t mini;          /* current miniblock */
    uint64_t mini_left;     /* values left in it */
    uint64_t buf[8];
    int buf_pos, buf_len;
    const char *why;        /* what was wrong, when something was */
} pq_delta;

/* Parse the header at p. Returns false (with why) on a bad header. */
bool pq_delta_init(pq_delta *d, const uint8_t *p, size_t n, bool is64);
/* Up to n values (int32_t when !is64, else int64_t) into out. */
int64_t pq_delta_get(pq_delta *d, void *out, int64_t n);
/* Where the encoded values end, found by walking the block headers
** without decoding (NULL with d->why if the data is cut short). */
const uint8_t *pq_delta_end(const pq_delta *d);

/* ---- a page's value stream ---- */
typedef struct pq_values {
    int encoding;
    int physical;
    int width;              /* bytes per value for fixed-width physical types */
    const uint8_t *p, *end; /* PLAIN data / DELTA_* byte data */
    uint64_t bit;           /* PLAIN booleans */
    pq_rle rle;             /* RLE booleans, dictionary indices */
    pq_delta d1, d2;        /* DELTA_*: values or lengths, suffix lengths */
    const uint8_t *bss;     /* BYTE_STREAM_SPLIT streams */
    int64_t bss_n, bss_i;
    uint8_t *prev;          /* DELTA_BYTE_ARRAY previous value / BSS scratch */
    size_t prev_len, prev_cap;
    int32_t lens1[64], lens2[64]; /* DELTA_*: lengths decoded ahead */
    int lpos1, llen1, lpos2, llen2;
    const char *why;
} pq_values;

/* Set up decoding of a data page's values section (n bytes at p) in
** encoding for a leaf of the given physical type and width. The dictionary
** encodings decode indices (pq_values_indices). Returns 0, or
** TARN_ERR_UNSUPPORTED / TARN_ERR_CORRUPT with v->why. */
int pq_values_init(pq_values *v, int encoding, int physical, int width, const uint8_t *p,
                   size_t n);
void pq_values_free(pq_values *v);
/* Fixed-width physical values (BOOLEAN as one byte each, INT32, INT64,
** INT96, FLOAT, DOUBLE), densely into out. Returns the count decoded. */
int64_t pq_values_fixed(pq_values *v, void *out, int64_t n);
/* The next BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY value: 1 with *p, *n (valid
** until the next call), 0 when the data has run out or is corrupt. */
int pq_values_binary(pq_values *v, const uint8_t **p, size_t *n);
/* Dictionary indices. Returns the count decoded. */
int64_t pq_values_indices(pq_values *v, uint32_t *out, int64_t n);

/* ---- conversions from physical values ---- */

/* Big-endian two's complement of n bytes to a 128-bit integer; false when
** it does not fit. */
bool pq_be_to_i128(const uint8_t *p, size_t n, __int128 *out);
/* Exact decimal text of a big-endian two's complement integer scaled by
** scale, into out (cap bytes; needs about 2.5 * n + scale + 4). Returns the
** length, 0 if it did not fit. */
size_t pq_format_bigdec(const uint8_t *p, size_t n, int scale, char *out, size_t cap);
size_t pq_format_hex(const uint8_t *p, size_t n, char *out);      /* 2n bytes */
size_t pq_format_uuid(const uint8_t *p, char *out);               /* 36 bytes */
size_t pq_format_interval(const uint8_t *p, char *out);           /* <= 64 bytes */
/* TIME of day in unit (PQ_UNIT_*) as HH:MM:SS[.ffffff]; <= 40 bytes. */
size_t pq_format_time(int64_t v, int unit, char *out);
double pq_half_to_double(uint16_t h);
/* INT96 (nanoseconds of day, Julian day) to microseconds since the epoch;
** false when out of range. */
bool pq_int96_to_micros(const uint8_t *p, int64_t *out);
/* Milliseconds / nanoseconds to microseconds; false on overflow. */
bool pq_millis_to_micros(int64_t v, int64_t *out);
int64_t pq_nanos_to_micros(int64_t v);

#endif
