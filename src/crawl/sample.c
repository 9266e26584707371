/*
** sample.c: classifying one object of the store (crawl.h,
** tarn_crawl_classify_object) while reading as little of it as a crawler
** may: 4 bytes tell Parquet, gzip and text apart; a Parquet file is then
** known from its footer alone (format/ parses it); text is classified
** from its first TARN_CRAWL_SAMPLE_BYTES, gzip inflated with zlib's
** streaming API only as far as that (format/input.c inflates whole files,
** which a crawl must not). Record counts of text files are estimated from
** the sample: records per byte of the sample times the file's bytes (for
** gzip, its compressed size scaled by the sample's compression ratio).
*/
#include "crawl/crawl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "format/format.h"

#define GZIP_CHUNK (32 * 1024)  /* compressed bytes read per store call */
#define TEXT_CHUNK (64 * 1024)  /* plain bytes read per store call */
/* Lines that surely hold a header and TARN_CRAWL_SAMPLE_RECORDS records
** (one more, as the last may be cut short). */
#define SAMPLE_LINES (TARN_CRAWL_SAMPLE_RECORDS + 2)

/* A sample of text: the bytes, whether the file goes on past them, and how
** many stored (possibly compressed) bytes produced them. */
typedef struct text_sample {
    char *data;
    size_t len;
    bool truncated;
    bool damaged;        /* gzip: the stream broke off */
    int64_t stored_used;
} text_sample;

/* Classify a Parquet file from its footer. A footer tarn cannot read makes
** the file UNKNOWN; only store errors fail. */
static int classify_parquet(tarn_store *st, const char *bucket, const char *key,
                            tarn_crawl_class *out, tarn_error *err)
{
    char *path = NULL;
    int rc = tarn_object_local_path(st, bucket, key, &path, err);
    if (rc)
        return rc;
    tarn_pq_meta *m = NULL;
    tarn_error e = {0};
    rc = tarn_parquet_meta_open(&m, path, &e);
    free(path);
    if (rc == TARN_ERR_CORRUPT || rc == TARN_ERR_UNSUPPORTED) {
        snprintf(out->reason, sizeof out->reason, "Parquet footer not readable: %.120s", e.msg);
        return TARN_OK;
    }
    if (rc) {
        *err = e;
        return rc;
    }
    if (m->schema.ncols > TARN_CRAWL_MAX_COLUMNS) {
        snprintf(out->reason, sizeof out->reason, "Parquet with %d columns (more than %d)",
                 m->schema.ncols, TARN_CRAWL_MAX_COLUMNS);
    } else {
        crawl_name_map map;
        crawl_name_map_init(&map);
        for (int i = 0; i < m->schema.ncols; i++) {
            const tarn_field *f = &m->schema.fields[i];
            crawl_schema_add_unique(&out->schema, &map, f->name, strlen(f->name), f->type);
        }
        crawl_name_map_free(&map);
        out->format = TARN_CRAWL_PARQUET;
        out->records = m->rows;
        out->records_exact = true;
        out->avg_record_size = m->rows > 0 ? m->file_size / m->rows : 0;
    }
    tarn_parquet_meta_close(m);
    return TARN_OK;
}

/* How many '\n' bytes p[0..n) holds. */
static size_t count_lines(const char *p, size_t n)
{
    size_t k = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))); p++)
        k++;
    return k;
}

/* Feed one chunk of compressed bytes through zs into s (room for
** TARN_CRAWL_SAMPLE_BYTES). *ended is set when a gzip member ends with no
** input left; a new member after it starts over. Returns Z_OK to go on,
** Z_STREAM_END when the sample is full, or a zlib error. */
static int inflate_chunk(z_stream *zs, const unsigned char *in, size_t n, text_sample *s,
                         bool *ended)
{
    zs->next_in = (unsigned char *)in;
    zs->avail_in = (uInt)n;
    while (zs->avail_in > 0 && s->len < TARN_CRAWL_SAMPLE_BYTES) {
        if (*ended) {
            if (zs->avail_in < 2 || zs->next_in[0] != 0x1f || zs->next_in[1] != 0x8b)
                return Z_OK; /* trailing bytes that start no member: ignored, as gzip does */
            inflateReset(zs);
            *ended = false;
        }
        zs->next_out = (unsigned char *)s->data + s->len;
        zs->avail_out = (uInt)(TARN_CRAWL_SAMPLE_BYTES - s->len);
        int r = inflate(zs, Z_NO_FLUSH);
        s->len = TARN_CRAWL_SAMPLE_BYTES - zs->avail_out;
        if (r == Z_STREAM_END)
            *ended = true;
        else if (r == Z_BUF_ERROR)
            break;
        else if (r != Z_OK)
            return r;
    }
    return s->len >= TARN_CRAWL_SAMPLE_BYTES ? Z_STREAM_END : Z_OK;
}

/* The first TARN_CRAWL_SAMPLE_BYTES of a gzip object, inflated. A corrupt
** stream keeps what inflated before the damage (as a truncated sample). */
static int gzip_sample(tarn_store *st, const char *bucket, const char *key, int64_t size,
                       text_sample *s, int64_t *bytes_read, tarn_error *err)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return tarn_error_set(err, TARN_ERR_NOMEM, "s3://%s/%s: cannot set up zlib", bucket, key);
    s->data = tarn_xmalloc(TARN_CRAWL_SAMPLE_BYTES + 1);
    int64_t off = 0;
    bool ended = false, damaged = false, full = false;
    size_t lines = 0;
    int rc = TARN_OK;
    while (!full && !damaged && off < size && lines < SAMPLE_LINES) {
        char *chunk = NULL;
        size_t cn = 0;
        if ((rc = tarn_object_get(st, bucket, key, off, GZIP_CHUNK, &chunk, &cn, err)))
            break;
        *bytes_read += (int64_t)cn;
        size_t before = s->len;
        int r = inflate_chunk(&zs, (unsigned char *)chunk, cn, s, &ended);
        lines += count_lines(s->data + before, s->len - before);
        off += (int64_t)cn;
        s->stored_used = off - (int64_t)zs.avail_in;
        free(chunk);
        full = r == Z_STREAM_END;
        damaged = r != Z_OK && r != Z_STREAM_END;
        if (cn == 0)
            break;
    }
    inflateEnd(&zs);
    s->damaged = damaged;
    s->truncated = !(ended && off >= size && !full) || damaged;
    s->data[s->len] = '\0';
    return rc;
}

/* The start of a plain object: read TEXT_CHUNK bytes at a time until the
** sample holds SAMPLE_LINES lines (enough for the classifier's 1,000
** records after a header), the object ends, or it passes
** TARN_CRAWL_SAMPLE_BYTES (then cut to that). */
static int plain_sample(tarn_store *st, const char *bucket, const char *key, int64_t size,
                        text_sample *s, int64_t *bytes_read, tarn_error *err)
{
    s->data = tarn_xmalloc(TARN_CRAWL_SAMPLE_BYTES + 2);
    size_t lines = 0;
    bool end = false;
    while (!end && lines < SAMPLE_LINES && s->len <= TARN_CRAWL_SAMPLE_BYTES) {
        size_t want = TARN_CRAWL_SAMPLE_BYTES + 1 - s->len;
        want = want < TEXT_CHUNK ? want : TEXT_CHUNK;
        char *chunk = NULL;
        size_t cn = 0;
        int rc = tarn_object_get(st, bucket, key, (int64_t)s->len, (int64_t)want, &chunk, &cn,
                                 err);
        if (rc)
            return rc;
        memcpy(s->data + s->len, chunk, cn);
        free(chunk);
        lines += count_lines(s->data + s->len, cn);
        s->len += cn;
        *bytes_read += (int64_t)cn;
        end = cn < want || (int64_t)s->len >= size;
    }
    s->truncated = !end || s->len > TARN_CRAWL_SAMPLE_BYTES;
    if (s->len > TARN_CRAWL_SAMPLE_BYTES)
        s->len = TARN_CRAWL_SAMPLE_BYTES;
    s->data[s->len] = '\0';
    s->stored_used = (int64_t)s->len;
    return TARN_OK;
}

/* Scale a sample's record count up to the whole file. */
static void estimate_records(tarn_crawl_class *c, const text_sample *s, int64_t size)
{
    if (c->format == TARN_CRAWL_UNKNOWN || c->records_exact || c->avg_record_size <= 0)
        return;
    double total = (double)size;
    if (s->stored_used > 0)
        total = (double)size * (double)s->len / (double)s->stored_used;
    double est = total / (double)c->avg_record_size;
    if (est > (double)INT64_MAX / 2)
        est = (double)INT64_MAX / 2;
    if ((int64_t)est > c->records)
        c->records = (int64_t)est;
}

/* A compression tarn does not read, by its magic bytes, or NULL. */
static const char *other_compression(const unsigned char *h, size_t n)
{
    if (n >= 3 && memcmp(h, "BZh", 3) == 0)
        return "bzip2";
    if (n >= 4 && memcmp(h, "\x28\xb5\x2f\xfd", 4) == 0)
        return "zstd";
    if (n >= 4 && memcmp(h, "\x04\x22\x4d\x18", 4) == 0)
        return "lz4";
    if (n >= 4 && memcmp(h, "PK\x03\x04", 4) == 0)
        return "zip";
    return NULL;
}

int tarn_crawl_classify_object(tarn_store *st, const char *bucket, const char *key,
                               int64_t size, tarn_crawl_class *out, tarn_error *err)
{
    tarn_crawl_class_free(out);
    char *head = NULL;
    size_t hn = 0;
    int rc = tarn_object_get(st, bucket, key, 0, 4, &head, &hn, err);
    if (rc)
        return rc;
    out->bytes_read = (int64_t)hn;
    const unsigned char *h = (const unsigned char *)head;
    const char *other = other_compression(h, hn);
    text_sample s = {0};
    if (hn == 4 && memcmp(h, "PAR1", 4) == 0) {
        rc = classify_parquet(st, bucket, key, out, err);
    } else if (other) {
        snprintf(out->reason, sizeof out->reason, "compressed with %s (the crawler reads gzip "
                 "and uncompressed files)", other);
    } else if (hn >= 2 && h[0] == 0x1f && h[1] == 0x8b) {
        out->gzip = true;
        rc = gzip_sample(st, bucket, key, size, &s, &out->bytes_read, err);
    } else if (hn == 0) {
        snprintf(out->reason, sizeof out->reason, "empty object");
    } else {
        rc = plain_sample(st, bucket, key, size, &s, &out->bytes_read, err);
    }
    free(head);
    if (!rc && s.data) {
        int64_t read = out->bytes_read;
        tarn_crawl_classify_text(s.data, s.len, s.truncated, out);
        out->bytes_read = read;
        if (s.damaged && out->format == TARN_CRAWL_UNKNOWN)
            snprintf(out->reason, sizeof out->reason, "gzip data is damaged after %zu bytes "
                     "inflated", s.len);
        estimate_records(out, &s, size);
    }
    free(s.data);
    return rc;
}
