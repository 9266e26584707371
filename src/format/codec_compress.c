/*
** codec_compress.c: page compression for the Parquet writer (see
** codec_compress.h) over the system libraries: snappy (snappy-c.h), zstd
** and zlib (gzip framing). Nothing here reimplements a codec; this file
** only keeps contexts for reuse and turns library failures into errors.
*/
#include "format/codec_compress.h"

#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "format/parquet_defs.h"

const char *tarn_codec_name(int codec)
{
    switch (codec) {
    case PQ_CODEC_UNCOMPRESSED: return "none";
    case PQ_CODEC_SNAPPY: return "snappy";
    case PQ_CODEC_GZIP: return "gzip";
    case PQ_CODEC_ZSTD: return "zstd";
    default: return "?";
    }
}

int tarn_codec_init(tarn_codec *c, int codec, int level, tarn_error *err)
{
    memset(c, 0, sizeof *c);
    c->codec = codec;
    switch (codec) {
    case PQ_CODEC_UNCOMPRESSED:
    case PQ_CODEC_SNAPPY:
        return TARN_OK;
    case PQ_CODEC_ZSTD:
        if (level < 0 || level > ZSTD_maxCLevel())
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "zstd compression level %d is out of range: use 1..%d",
                                  level, ZSTD_maxCLevel());
        c->level = level ? level : 3;
        return TARN_OK;
    case PQ_CODEC_GZIP:
        if (level < 0 || level > 9)
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "gzip compression level %d is out of range: use 1..9", level);
        c->level = level ? level : 6;
        return TARN_OK;
    default:
        return tarn_error_set(err, TARN_ERR_UNSUPPORTED,
                              "compression codec %d is not supported for writing: "
                              "use snappy, zstd, gzip or none", codec);
    }
}

void tarn_codec_free(tarn_codec *c)
{
    if (c->zstd)
        ZSTD_freeCCtx(c->zstd);
    if (c->zlib) {
        deflateEnd(c->zlib);
        free(c->zlib);
    }
    memset(c, 0, sizeof *c);
}

size_t tarn_codec_bound(const tarn_codec *c, size_t n)
{
    switch (c->codec) {
    case PQ_CODEC_SNAPPY: return snappy_max_compressed_length(n);
    case PQ_CODEC_ZSTD: return ZSTD_compressBound(n);
    /* deflateBound() needs a stream; this is zlib's documented worst case
    ** for stored blocks plus the gzip header and trailer, with slack. */
    case PQ_CODEC_GZIP: return n + (n >> 12) + (n >> 14) + (n >> 25) + 64;
    default: return n;
    }
}

static int compress_zstd(tarn_codec *c, const void *src, size_t n, void *dst,
                         size_t cap, size_t *out_n, tarn_error *err)
{
    if (!c->zstd && !(c->zstd = ZSTD_createCCtx()))
        return tarn_error_set(err, TARN_ERR_NOMEM, "zstd: cannot create a compression context");
    size_t r = ZSTD_compressCCtx(c->zstd, dst, cap, src, n, c->level);
    if (ZSTD_isError(r))
        return tarn_error_set(err, TARN_ERR_INTERNAL, "zstd compression failed: %s",
                              ZSTD_getErrorName(r));
    *out_n = r;
    return TARN_OK;
}

/* One gzip member per call; the z_stream is reset, not rebuilt. */
static int compress_gzip(tarn_codec *c, const void *src, size_t n, void *dst,
                         size_t cap, size_t *out_n, tarn_error *err)
{
    z_stream *z = c->zlib;
    if (!z) {
        z = calloc(1, sizeof *z);
        if (!z || deflateInit2(z, c->level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            free(z);
            return tarn_error_set(err, TARN_ERR_NOMEM, "gzip: cannot create a compression stream");
        }
        c->zlib = z;
    } else if (deflateReset(z) != Z_OK) {
        return tarn_error_set(err, TARN_ERR_INTERNAL, "gzip: cannot reset the compression stream");
    }
    if (n > UINT32_MAX || cap > UINT32_MAX)
        return tarn_error_set(err, TARN_ERR_LIMIT, "gzip: page of %zu bytes is too large", n);
    z->next_in = (Bytef *)src;
    z->avail_in = (uInt)n;
    z->next_out = dst;
    z->avail_out = (uInt)cap;
    int zrc = deflate(z, Z_FINISH);
    if (zrc != Z_STREAM_END)
        return tarn_error_set(err, TARN_ERR_INTERNAL, "gzip compression failed: %s",
                              z->msg ? z->msg : "output buffer too small");
    *out_n = cap - z->avail_out;
    return TARN_OK;
}

int tarn_codec_compress(tarn_codec *c, const void *src, size_t n, void *dst,
                        size_t cap, size_t *out_n, tarn_error *err)
{
    switch (c->codec) {
    case PQ_CODEC_SNAPPY: {
        size_t len = cap;
        if (snappy_compress(src, n, dst, &len) != SNAPPY_OK)
            return tarn_error_set(err, TARN_ERR_INTERNAL,
                                  "snappy compression of %zu bytes failed", n);
        *out_n = len;
        return TARN_OK;
    }
    case PQ_CODEC_ZSTD:
        return compress_zstd(c, src, n, dst, cap, out_n, err);
    case PQ_CODEC_GZIP:
        return compress_gzip(c, src, n, dst, cap, out_n, err);
    case PQ_CODEC_UNCOMPRESSED:
        if (cap < n)
            return tarn_error_set(err, TARN_ERR_INTERNAL, "output buffer too small");
        if (n)
            memcpy(dst, src, n);
        *out_n = n;
        return TARN_OK;
    default:
        return tarn_error_set(err, TARN_ERR_UNSUPPORTED, "compression codec %d is not supported",
                              c->codec);
    }
}
