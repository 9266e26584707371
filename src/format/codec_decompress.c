/*
** codec_decompress.c: page decompression for the Parquet reader (see
** codec_decompress.h), over the system libraries: snappy-c, zlib, zstd,
** libbrotlidec and liblz4. This file only frames their calls: it checks
** every size against the page header and never lets a library write past
** the buffer it was given. Compression is codec_compress.c.
*/
#include "format/codec_decompress.h"

#include <brotli/decode.h>
#include <lz4.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "format/parquet_defs.h"

struct tarn_decompressor {
    ZSTD_DCtx *zstd;
    z_stream zs;
    int zs_ready;
    LZ4F_dctx *lz4f;
};

tarn_decompressor *tarn_decompressor_new(void)
{
    return tarn_xcalloc(1, sizeof(tarn_decompressor));
}

void tarn_decompressor_free(tarn_decompressor *d)
{
    if (!d)
        return;
    ZSTD_freeDCtx(d->zstd);
    if (d->zs_ready)
        inflateEnd(&d->zs);
    if (d->lz4f)
        LZ4F_freeDecompressionContext(d->lz4f);
    free(d);
}

int tarn_decompress_supported(int codec)
{
    switch (codec) {
    case PQ_CODEC_UNCOMPRESSED: case PQ_CODEC_SNAPPY: case PQ_CODEC_GZIP:
    case PQ_CODEC_BROTLI: case PQ_CODEC_LZ4: case PQ_CODEC_ZSTD: case PQ_CODEC_LZ4_RAW:
        return 1;
    default:
        return 0;
    }
}

size_t tarn_decompress_bound(int codec, size_t n)
{
    size_t cap = SIZE_MAX / 2048;
    if (n > cap)
        return SIZE_MAX;
    switch (codec) {
    case PQ_CODEC_UNCOMPRESSED: return n;
    case PQ_CODEC_SNAPPY: return n * 32 + 64;   /* a 3-byte copy yields <= 64 bytes */
    case PQ_CODEC_GZIP: return n * 1032 + 1024; /* deflate's maximum ratio */
    case PQ_CODEC_LZ4: case PQ_CODEC_LZ4_RAW: return n * 256 + 64;
    default: return SIZE_MAX;
    }
}

/* The error for output of the wrong size. */
static int short_output(tarn_error *err, const char *codec, size_t got, size_t want)
{
    return tarn_error_set(err, TARN_ERR_CORRUPT,
                          "%s data decompressed to %zu bytes where the page header says %zu",
                          codec, got, want);
}

/* SNAPPY: the stream's own length must match the page header. */
static int snappy_run(const void *src, size_t n, void *dst, size_t dst_len, tarn_error *err)
{
    size_t len = 0;
    if (snappy_uncompressed_length(src, n, &len) != SNAPPY_OK)
        return tarn_error_set(err, TARN_ERR_CORRUPT, "SNAPPY data is corrupt (bad length header)");
    if (len != dst_len)
        return short_output(err, "SNAPPY", len, dst_len);
    if (snappy_uncompress(src, n, dst, &len) != SNAPPY_OK || len != dst_len)
        return tarn_error_set(err, TARN_ERR_CORRUPT, "SNAPPY data is corrupt");
    return TARN_OK;
}

/* Inflate gzip (or zlib) members back to back until the input is used up. */
static int gzip_run(tarn_decompressor *d, const void *src, size_t n, void *dst, size_t dst_len,
                    tarn_error *err)
{
    if (!d->zs_ready) {
        memset(&d->zs, 0, sizeof d->zs);
        if (inflateInit2(&d->zs, 15 + 32) != Z_OK)
            return tarn_error_set(err, TARN_ERR_NOMEM, "cannot set up zlib");
        d->zs_ready = 1;
    }
    z_stream *zs = &d->zs;
    const Bytef *in = src;
    Bytef *out = dst;
    size_t in_left = n, out_left = dst_len;
    while (in_left > 0) {
        if (inflateReset(zs) != Z_OK)
            return tarn_error_set(err, TARN_ERR_INTERNAL, "zlib reset failed");
        int zrc = Z_OK;
        while (zrc == Z_OK) {
            zs->next_in = (Bytef *)in;
            zs->avail_in = in_left > UINT32_MAX ? UINT32_MAX : (uInt)in_left;
            zs->next_out = out;
            zs->avail_out = out_left > UINT32_MAX ? UINT32_MAX : (uInt)out_left;
            uInt ai = zs->avail_in, ao = zs->avail_out;
            zrc = inflate(zs, Z_NO_FLUSH);
            in += ai - zs->avail_in, in_left -= ai - zs->avail_in;
            out += ao - zs->avail_out, out_left -= ao - zs->avail_out;
            if (zrc == Z_OK && ai == zs->avail_in && ao == zs->avail_out)
                zrc = Z_BUF_ERROR; /* no progress: truncated, or more output than promised */
        }
        if (zrc != Z_STREAM_END) {
            if (out_left == 0 && zrc == Z_BUF_ERROR && in_left > 0)
                return tarn_error_set(err, TARN_ERR_CORRUPT,
                                      "GZIP data decompresses to more than the page header's %zu bytes",
                                      dst_len);
            return tarn_error_set(err, TARN_ERR_CORRUPT, "GZIP data is corrupt (%s)",
                                  zs->msg ? zs->msg : "truncated");
        }
    }
    return out_left ? short_output(err, "GZIP", dst_len - out_left, dst_len) : TARN_OK;
}

/* ZSTD: one or more frames, into exactly dst_len bytes. */
static int zstd_run(tarn_decompressor *d, const void *src, size_t n, void *dst, size_t dst_len,
                    tarn_error *err)
{
    if (!d->zstd && !(d->zstd = ZSTD_createDCtx()))
        return tarn_error_set(err, TARN_ERR_NOMEM, "cannot set up zstd");
    size_t got = ZSTD_decompressDCtx(d->zstd, dst, dst_len, src, n);
    if (ZSTD_isError(got))
        return tarn_error_set(err, TARN_ERR_CORRUPT, "ZSTD data is corrupt (%s)",
                              ZSTD_getErrorName(got));
    return got == dst_len ? TARN_OK : short_output(err, "ZSTD", got, dst_len);
}

/* BROTLI: one stream into exactly dst_len bytes. */
static int brotli_run(const void *src, size_t n, void *dst, size_t dst_len, tarn_error *err)
{
    size_t got = dst_len;
    if (BrotliDecoderDecompress(n, src, &got, dst) != BROTLI_DECODER_RESULT_SUCCESS)
        return tarn_error_set(err, TARN_ERR_CORRUPT,
                              "BROTLI data is corrupt or larger than the page header's %zu bytes",
                              dst_len);
    return got == dst_len ? TARN_OK : short_output(err, "BROTLI", got, dst_len);
}

/* One raw LZ4 block into exactly dst_len bytes. */
static int lz4_block(const void *src, size_t n, void *dst, size_t dst_len, const char *name,
                     tarn_error *err)
{
    if (n > INT32_MAX || dst_len > INT32_MAX)
        return tarn_error_set(err, TARN_ERR_LIMIT, "%s page larger than 2 GiB", name);
    int got = LZ4_decompress_safe(src, dst, (int)n, (int)dst_len);
    if (got < 0)
        return tarn_error_set(err, TARN_ERR_CORRUPT, "%s data is corrupt", name);
    return (size_t)got == dst_len ? TARN_OK : short_output(err, name, (size_t)got, dst_len);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Hadoop's LZ4 framing: blocks of [BE32 raw size][BE32 compressed size][data].
** Returns 0 when the whole input parsed as such blocks filling dst exactly. */
static int lz4_hadoop(const uint8_t *in, size_t n, uint8_t *out, size_t out_len)
{
    while (n > 0) {
        if (n < 8)
            return -1;
        size_t raw = be32(in), comp = be32(in + 4);
        in += 8, n -= 8;
        if (comp > n || raw > out_len || comp > INT32_MAX || raw > INT32_MAX)
            return -1;
        if (LZ4_decompress_safe((const char *)in, (char *)out, (int)comp, (int)raw) != (int)raw)
            return -1;
        in += comp, n -= comp;
        out += raw, out_len -= raw;
    }
    return out_len == 0 ? 0 : -1;
}

/* An LZ4 frame (magic 0x184D2204) decoded into exactly out_len bytes. */
static int lz4_frame(tarn_decompressor *d, const void *src, size_t n, void *dst, size_t out_len)
{
    if (!d->lz4f && LZ4F_isError(LZ4F_createDecompressionContext(&d->lz4f, LZ4F_VERSION)))
        return -1;
    LZ4F_resetDecompressionContext(d->lz4f);
    size_t in_size = n, out_size = out_len;
    size_t rc = LZ4F_decompress(d->lz4f, dst, &out_size, src, &in_size, NULL);
    return (LZ4F_isError(rc) || rc != 0 || out_size != out_len || in_size != n) ? -1 : 0;
}

/* The LZ4 codec: Hadoop framing, else an LZ4 frame, else a raw block. */
static int lz4_legacy(tarn_decompressor *d, const void *src, size_t n, void *dst, size_t dst_len,
                      tarn_error *err)
{
    const uint8_t *p = src;
    if (lz4_hadoop(p, n, dst, dst_len) == 0)
        return TARN_OK;
    if (n >= 4 && p[0] == 0x04 && p[1] == 0x22 && p[2] == 0x4d && p[3] == 0x18 &&
        lz4_frame(d, src, n, dst, dst_len) == 0)
        return TARN_OK;
    return lz4_block(src, n, dst, dst_len, "LZ4", err);
}

int tarn_decompress(tarn_decompressor *d, int codec, const void *src, size_t n, void *dst,
                    size_t dst_len, tarn_error *err)
{
    switch (codec) {
    case PQ_CODEC_UNCOMPRESSED:
        if (n != dst_len)
            return short_output(err, "UNCOMPRESSED", n, dst_len);
        if (n)
            memcpy(dst, src, n);
        return TARN_OK;
    case PQ_CODEC_SNAPPY: return snappy_run(src, n, dst, dst_len, err);
    case PQ_CODEC_GZIP: return gzip_run(d, src, n, dst, dst_len, err);
    case PQ_CODEC_ZSTD: return zstd_run(d, src, n, dst, dst_len, err);
    case PQ_CODEC_BROTLI: return brotli_run(src, n, dst, dst_len, err);
    case PQ_CODEC_LZ4_RAW: return lz4_block(src, n, dst, dst_len, "LZ4_RAW", err);
    case PQ_CODEC_LZ4: return lz4_legacy(d, src, n, dst, dst_len, err);
    case PQ_CODEC_LZO:
        return tarn_error_set(err, TARN_ERR_UNSUPPORTED,
                              "the LZO codec is not supported; rewrite the file with SNAPPY or ZSTD");
    default:
        return tarn_error_set(err, TARN_ERR_UNSUPPORTED, "unknown compression codec %d", codec);
    }
}
