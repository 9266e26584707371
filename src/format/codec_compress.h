/*
** codec_compress.h: block compression for Parquet pages: snappy, zstd,
** gzip and none, named by Parquet's CompressionCodec numbers
** (PQ_CODEC_* in parquet_defs.h). Module-private to format/; the matching
** decompression is codec_decompress.c.
**
** A tarn_codec holds the library contexts that are worth reusing across
** pages (zstd's CCtx, zlib's stream). It is not thread-safe: each thread
** that compresses uses its own.
*/
#ifndef TARN_CODEC_COMPRESS_H
#define TARN_CODEC_COMPRESS_H

#include <stddef.h>

#include "core/core.h"

typedef struct tarn_codec {
    int codec;   /* PQ_CODEC_UNCOMPRESSED, _SNAPPY, _GZIP or _ZSTD */
    int level;   /* resolved level (zstd 1..22, gzip 1..9; unused otherwise) */
    void *zstd;  /* ZSTD_CCtx *, created on first use */
    void *zlib;  /* z_stream *, created on first use */
} tarn_codec;

/* Set up c for codec at level (0 = the codec's default: zstd 3, gzip 6).
** Returns TARN_ERR_UNSUPPORTED for a codec tarn does not write and
** TARN_ERR_INVALID for a level out of the codec's range. */
int tarn_codec_init(tarn_codec *c, int codec, int level, tarn_error *err);
void tarn_codec_free(tarn_codec *c);

/* Largest output tarn_codec_compress() can produce for n input bytes. */
size_t tarn_codec_bound(const tarn_codec *c, size_t n);

/* Compress src[0..n) into dst (cap bytes, at least tarn_codec_bound(n));
** *out_n receives the compressed length. For PQ_CODEC_UNCOMPRESSED it
** copies. gzip output is one complete gzip member. Returns TARN_OK or
** TARN_ERR_INTERNAL with err naming the codec and the library's message. */
int tarn_codec_compress(tarn_codec *c, const void *src, size_t n, void *dst,
                        size_t cap, size_t *out_n, tarn_error *err);

/* "snappy", "zstd", "gzip", "none" for a PQ_CODEC_* number ("?" else). */
const char *tarn_codec_name(int codec);

#endif
