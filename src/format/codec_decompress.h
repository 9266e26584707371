/*
** codec_decompress.h: decompressing Parquet pages (UNCOMPRESSED, SNAPPY,
** GZIP, BROTLI, LZ4, ZSTD, LZ4_RAW). Module-private to format/; the
** compressing side is codec_compress.h.
**
** A page says how large it is once decompressed; tarn_decompress() fills
** exactly that many bytes or fails, so a page can never yield more (or
** less) than its header promised.
*/
#ifndef TARN_CODEC_DECOMPRESS_H
#define TARN_CODEC_DECOMPRESS_H

#include <stddef.h>

#include "core/core.h"

/* Reusable decompression state (zstd and zlib contexts), one per thread. */
typedef struct tarn_decompressor tarn_decompressor;

tarn_decompressor *tarn_decompressor_new(void);
void tarn_decompressor_free(tarn_decompressor *d);

/* True when tarn can decompress codec (a Parquet CompressionCodec code). */
int tarn_decompress_supported(int codec);

/* The most bytes n compressed bytes can expand to under codec, for
** rejecting an absurd uncompressed size before allocating for it; SIZE_MAX
** when the codec has no useful bound (ZSTD, BROTLI). */
size_t tarn_decompress_bound(int codec, size_t n);

/* Decompress the n bytes at src into exactly dst_len bytes at dst.
** Returns TARN_OK; TARN_ERR_CORRUPT when the data is damaged or does not
** decompress to dst_len bytes; TARN_ERR_UNSUPPORTED for a codec tarn does
** not implement (LZO). err's message names the codec; the caller adds which
** column and page. LZ4 (codec 5) is tried as Hadoop's framing first, then
** as an LZ4 frame, then as a raw LZ4 block, as parquet-cpp does; GZIP
** accepts concatenated members. */
int tarn_decompress(tarn_decompressor *d, int codec, const void *src, size_t n, void *dst,
                    size_t dst_len, tarn_error *err);

#endif
