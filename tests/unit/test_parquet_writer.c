/*
** test_parquet_writer.c: the Parquet writer (format/parquet_writer.c and
** its parts): Thrift compact encoding checked against bytes derived by hand
** from the protocol's spec, the RLE / bit-packed hybrid checked against the
** spec's example and by decoding with an independent decoder written here,
** bitmaps, dictionaries and their fallback to PLAIN, statistics ordering
** and truncation, and whole files whose footers are parsed back with a
** small Thrift decoder (also written here, from the spec): types, offsets,
** encodings, statistics, REQUIRED columns, atomic write and abort.
**
** Value round trips through other readers are tests/interop/parquet_write.mjs.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "format/format.h"
#include "format/parquet_defs.h"
#include "format/parquet_encode.h"
#include "format/thrift_write.h"

/* ---- a small Thrift compact decoder, for reading footers back ---- */

typedef struct tnode {
    int type;              /* TC_* */
    int id;                /* field id (0 for list elements) */
    int64_t i;             /* integers and booleans */
    const uint8_t *bin;    /* binary */
    uint32_t len;
    int n;                 /* struct fields or list elements */
    struct tnode *kids;
} tnode;

typedef struct tin {
    const uint8_t *p, *end;
} tin;

static uint64_t tin_varint(tin *t)
{
    uint64_t v = 0;
    for (int s = 0; t->p < t->end && s < 64; s += 7) {
        uint8_t b = *t->p++;
        v |= (uint64_t)(b & 0x7F) << s;
        if (!(b & 0x80))
            return v;
    }
    fail_msg("bad varint");
    return 0;
}

static int64_t unzig(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static void tin_value(tin *t, tnode *n);

static void tin_struct(tin *t, tnode *n)
{
    int last = 0;
    n->type = TC_STRUCT;
    for (;;) {
        assert_true(t->p < t->end);
        uint8_t h = *t->p++;
        if (h == TC_STOP)
            return;
        int delta = h >> 4, type = h & 15;
        int id = delta ? last + delta : (int)unzig(tin_varint(t));
        last = id;
        n->kids = realloc(n->kids, sizeof(tnode) * (size_t)(n->n + 1));
        tnode *k = &n->kids[n->n++];
        memset(k, 0, sizeof *k);
        k->id = id;
        k->type = type;
        if (type == TC_TRUE || type == TC_FALSE) {
            k->i = type == TC_TRUE;
            k->type = TC_TRUE;
        } else {
            tin_value(t, k);
        }
    }
}

static void tin_value(tin *t, tnode *n)
{
    switch (n->type) {
    case TC_BYTE: n->i = (int8_t)*t->p++; break;
    case TC_I16: case TC_I32: case TC_I64: n->i = unzig(tin_varint(t)); break;
    case TC_BINARY:
        n->len = (uint32_t)tin_varint(t);
        assert_true(n->len <= (size_t)(t->end - t->p));
        n->bin = t->p;
        t->p += n->len;
        break;
    case TC_STRUCT: tin_struct(t, n); break;
    case TC_LIST: case TC_SET: {
        uint8_t h = *t->p++;
        int count = h >> 4, et = h & 15;
        if (count == 15)
            count = (int)tin_varint(t);
        n->n = count;
        n->kids = calloc((size_t)(count ? count : 1), sizeof(tnode));
        for (int i = 0; i < count; i++) {
            n->kids[i].type = et;
            if (et == TC_TRUE || et == TC_FALSE)
                n->kids[i].i = *t->p++ == 1;
            else
                tin_value(t, &n->kids[i]);
        }
        break;
    }
    default: fail_msg("unexpected thrift type %d", n->type);
    }
}

static void tnode_free(tnode *n)
{
    for (int i = 0; i < n->n; i++)
        tnode_free(&n->kids[i]);
    free(n->kids);
}

/* Field id of struct s, or NULL. */
static tnode *tget(tnode *s, int id)
{
    for (int i = 0; s && i < s->n; i++)
        if (s->kids[i].id == id)
            return &s->kids[i];
    return NULL;
}

static int64_t tint(tnode *s, int id)
{
    tnode *f = tget(s, id);
    assert_non_null(f);
    return f->i;
}

/* ---- files ---- */

typedef struct pqfile {
    uint8_t *data;
    size_t len;
    tnode meta;   /* FileMetaData */
} pqfile;

static uint8_t *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)size + 1);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *n = (size_t)size;
    return buf;
}

/* Read path and parse its footer. */
static void pq_load(pqfile *pf, const char *path)
{
    memset(pf, 0, sizeof *pf);
    pf->data = read_file(path, &pf->len);
    assert_true(pf->len >= 12);
    assert_memory_equal(pf->data, "PAR1", 4);
    assert_memory_equal(pf->data + pf->len - 4, "PAR1", 4);
    const uint8_t *t = pf->data + pf->len - 8;
    uint32_t flen = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
    assert_true(flen + 12 <= pf->len);
    tin in = {pf->data + pf->len - 8 - flen, pf->data + pf->len - 8};
    tin_struct(&in, &pf->meta);
    assert_ptr_equal(in.p, in.end);
}

static void pq_free(pqfile *pf)
{
    tnode_free(&pf->meta);
    free(pf->data);
}

/* ColumnMetaData of column col in row group rg. */
static tnode *pq_colmeta(pqfile *pf, int rg, int col)
{
    tnode *rgs = tget(&pf->meta, 4);
    assert_non_null(rgs);
    assert_true(rg < rgs->n);
    tnode *cols = tget(&rgs->kids[rg], 1);
    assert_true(col < cols->n);
    return tget(&cols->kids[col], 3);
}

/* Parse the page header at off; returns the offset after its body. */
static size_t pq_page(pqfile *pf, size_t off, tnode *hdr)
{
    memset(hdr, 0, sizeof *hdr);
    tin in = {pf->data + off, pf->data + pf->len};
    tin_struct(&in, hdr);
    return (size_t)(in.p - pf->data) + (size_t)tint(hdr, 3);
}

/* Encodings listed in a ColumnMetaData as a bit set. */
static unsigned encodings(tnode *cm)
{
    tnode *l = tget(cm, 2);
    unsigned bits = 0;
    for (int i = 0; i < l->n; i++)
        bits |= 1u << l->kids[i].i;
    return bits;
}

static char tmpdir[64];

static int setup_dir(void **state)
{
    strcpy(tmpdir, "/tmp/tarn_test_pqw_XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

/* Remove everything in tmpdir, and tmpdir itself. */
static int teardown_dir(void **state)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(tmpdir);
    return 0;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.' || (e->d_name[1] && (e->d_name[1] != '.' || e->d_name[2]));
    closedir(d);
    return n;
}

static char *tpath(const char *name)
{
    static char p[256];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

static tarn_type ty(tarn_type_id id, int p, int s)
{
    tarn_type t = {id, (uint8_t)p, (uint8_t)s};
    return t;
}

/* Write one batch to path with options o (NULL: defaults). */
static int write_file(const char *path, const tarn_schema *s, const tarn_batch *b,
                      const tarn_parquet_write_options *o, tarn_error *err)
{
    tarn_parquet_writer *w;
    int rc = tarn_parquet_writer_open(&w, path, s, o, err);
    if (rc)
        return rc;
    if ((rc = tarn_parquet_writer_write(w, b, err))) {
        tarn_parquet_writer_abort(w);
        return rc;
    }
    return tarn_parquet_writer_close(w, NULL, err);
}

/* ---- Thrift compact encoding ---- */

static void test_thrift_small_struct(void **state)
{
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_thrift_writer w;
    tarn_thriftw_init(&w, &b);
    tarn_thriftw_struct_begin(&w);
    tarn_thriftw_field_i32(&w, 1, 1);      /* 0x15 (delta 1, i32), zigzag 2 */
    tarn_thriftw_field_i64(&w, 2, -1);     /* 0x16, zigzag(-1) = 1 */
    tarn_thriftw_field_binary(&w, 4, "ab", 2); /* 0x28 (delta 2, binary), len 2 */
    tarn_thriftw_field_bool(&w, 20, true); /* delta 16: long form 0x01, zigzag(20) = 40 */
    tarn_thriftw_field_empty(&w, 21);      /* 0x1C, STOP */
    tarn_thriftw_field_list(&w, 22, TC_I32, 2); /* 0x19, list header 0x25 */
    tarn_thriftw_i32(&w, 0);               /* 0x00 */
    tarn_thriftw_i32(&w, 150);             /* zigzag 300 = 0xAC 0x02 */
    tarn_thriftw_struct_end(&w);
    assert_int_equal(tarn_thriftw_finish(&w), TARN_OK);
    static const uint8_t want[] = {0x15, 0x02, 0x16, 0x01, 0x28, 0x02, 'a', 'b', 0x01, 0x28,
                                   0x1C, 0x00, 0x19, 0x25, 0x00, 0xAC, 0x02, 0x00};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    tarn_buf_free(&b);
}

static void test_thrift_long_forms(void **state)
{
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_thrift_writer w;
    tarn_thriftw_init(&w, &b);
    tarn_thriftw_struct_begin(&w);
    tarn_thriftw_field_i32(&w, 5, -3);      /* 0x55, zigzag(-3) = 5 */
    tarn_thriftw_field_i16(&w, 3, 7);       /* id goes down: 0x04, zigzag(3) = 6; 14 */
    tarn_thriftw_field_list(&w, 4, TC_BINARY, 15); /* 0x19, 0xF8, count 15 */
    for (int i = 0; i < 15; i++)
        tarn_thriftw_binary(&w, "", 0);     /* 15 x 0x00 */
    tarn_thriftw_field_struct(&w, 6);       /* 0x2C */
    tarn_thriftw_field_i64(&w, 1, INT64_MIN); /* 0x16, zigzag = 2^64-1: nine 0xFF, 0x01 */
    tarn_thriftw_struct_end(&w);            /* 0x00 */
    tarn_thriftw_struct_end(&w);            /* 0x00 */
    assert_int_equal(tarn_thriftw_finish(&w), TARN_OK);
    uint8_t want[64];
    size_t n = 0;
    const uint8_t head[] = {0x55, 0x05, 0x04, 0x06, 0x0E, 0x19, 0xF8, 0x0F};
    memcpy(want, head, sizeof head);
    n = sizeof head;
    memset(want + n, 0, 15);
    n += 15;
    const uint8_t tail[] = {0x2C, 0x16, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                            0x01, 0x00, 0x00};
    memcpy(want + n, tail, sizeof tail);
    n += sizeof tail;
    assert_int_equal(b.len, n);
    assert_memory_equal(b.data, want, n);
    tarn_buf_free(&b);
}

static void test_thrift_misuse_and_limit(void **state)
{
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_thrift_writer w;
    tarn_thriftw_init(&w, &b);
    tarn_thriftw_struct_begin(&w);
    tarn_thriftw_field_i32(&w, 1, 1);
    assert_int_equal(tarn_thriftw_finish(&w), TARN_ERR_INTERNAL); /* struct left open */
    tarn_thriftw_init(&w, &b);
    tarn_thriftw_field_i32(&w, 1, 1); /* a field outside any struct */
    assert_int_equal(tarn_thriftw_finish(&w), TARN_ERR_INTERNAL);
    tarn_buf_free(&b);

    tarn_buf_init(&b, 8);
    tarn_thriftw_init(&w, &b);
    tarn_thriftw_struct_begin(&w);
    tarn_thriftw_field_binary(&w, 1, "0123456789", 10);
    tarn_thriftw_struct_end(&w);
    assert_int_equal(tarn_thriftw_finish(&w), TARN_ERR_LIMIT);
    tarn_buf_free(&b);
}

/* ---- RLE / bit-packed hybrid ---- */

/* Decode the hybrid encoding of n values of width w (from the spec). */
static void rle_decode(const uint8_t *p, size_t len, int w, uint32_t *out, size_t n)
{
    const uint8_t *end = p + len;
    size_t got = 0;
    while (got < n) {
        assert_true(p < end);
        tin t = {p, end};
        uint64_t h = tin_varint(&t);
        p = t.p;
        if (h & 1) {
            size_t count = (size_t)(h >> 1) * 8;
            uint64_t acc = 0;
            int bits = 0;
            for (size_t i = 0; i < count; i++) {
                while (bits < w) {
                    assert_true(p < end);
                    acc |= (uint64_t)*p++ << bits;
                    bits += 8;
                }
                uint32_t v = (uint32_t)(acc & ((w == 32) ? 0xFFFFFFFFu : ((1u << w) - 1)));
                acc >>= w;
                bits -= w;
                if (got < n)
                    out[got++] = v;
            }
        } else {
            size_t count = (size_t)(h >> 1);
            uint32_t v = 0;
            for (int b = 0; b < (w + 7) / 8; b++)
                v |= (uint32_t)*p++ << (8 * b);
            assert_true(count > 0);
            for (size_t i = 0; i < count && got < n; i++)
                out[got++] = v;
        }
    }
    assert_ptr_equal(p, end);
}

static void test_rle_known_bytes(void **state)
{
    uint8_t out[64];
    /* The spec's bit-packing example: 0..7 at width 3. */
    uint32_t v[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    size_t n = tarn_pqw_rle_encode_u32(v, 8, 3, out);
    const uint8_t want[] = {0x03, 0x88, 0xC6, 0xFA};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(out, want, n);
    /* Ten ones at width 1: one RLE run, header 10 << 1 = 0x14, value 0x01. */
    uint32_t ones[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    n = tarn_pqw_rle_encode_u32(ones, 10, 1, out);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 0x14);
    assert_int_equal(out[1], 0x01);
    uint8_t bits[2] = {0xFF, 0x03};
    n = tarn_pqw_rle_encode_bits(bits, 10, out);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 0x14);
    assert_int_equal(out[1], 0x01);
    /* A run value of width 9 takes two bytes, little-endian. */
    uint32_t big[9] = {300, 300, 300, 300, 300, 300, 300, 300, 300};
    n = tarn_pqw_rle_encode_u32(big, 9, 9, out);
    const uint8_t want9[] = {0x12, 0x2C, 0x01};
    assert_int_equal(n, 3);
    assert_memory_equal(out, want9, 3);
    /* Five values, no run: one bit-packed group, zero-padded. */
    uint32_t five[5] = {1, 0, 1, 1, 0};
    n = tarn_pqw_rle_encode_u32(five, 5, 1, out);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 0x03);
    assert_int_equal(out[1], 0x0D);
}

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Values with runs of random lengths, including runs shorter than 8. */
static void fill_runs(uint32_t *v, size_t n, int w)
{
    uint32_t mask = w == 32 ? 0xFFFFFFFFu : (1u << w) - 1;
    for (size_t i = 0; i < n;) {
        uint32_t x = (uint32_t)rnd() & mask;
        size_t run = rnd() % 4 == 0 ? 1 + rnd() % 40 : 1;
        for (size_t k = 0; k < run && i < n; k++)
            v[i++] = x;
    }
}

static void test_rle_round_trip(void **state)
{
    static const int widths[] = {1, 2, 3, 5, 7, 8, 9, 13, 16, 17, 24, 31, 32};
    static const size_t sizes[] = {0, 1, 7, 8, 9, 15, 16, 17, 100, 1000, 4099};
    uint32_t *v = malloc(4099 * sizeof *v), *back = malloc(4099 * sizeof *back);
    uint8_t *out = malloc(tarn_pqw_rle_bound(4099, 32));
    for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
            size_t n = sizes[si];
            int w = widths[wi];
            fill_runs(v, n, w);
            size_t len = tarn_pqw_rle_encode_u32(v, n, w, out);
            assert_true(len <= tarn_pqw_rle_bound(n, w));
            rle_decode(out, len, w, back, n);
            assert_memory_equal(v, back, n * sizeof *v);
        }
    }
    free(v);
    free(back);
    free(out);
}

static void test_rle_bits_round_trip(void **state)
{
    enum { N = 5000 };
    uint8_t bits[N / 8 + 1];
    uint32_t vals[N], back[N];
    uint8_t *out = malloc(tarn_pqw_rle_bound(N, 1));
    for (int trial = 0; trial < 60; trial++) {
        size_t n = trial < 20 ? (size_t)trial : (size_t)(rnd() % N);
        memset(bits, 0, sizeof bits);
        for (size_t i = 0; i < n;) {
            unsigned b = rnd() & 1;
            size_t run = trial % 3 == 0 ? 1 : 1 + rnd() % 30;
            for (size_t k = 0; k < run && i < n; k++, i++) {
                vals[i] = b;
                bits[i >> 3] |= (uint8_t)(b << (i & 7));
            }
        }
        size_t len = tarn_pqw_rle_encode_bits(bits, n, out);
        assert_true(len <= tarn_pqw_rle_bound(n, 1));
        rle_decode(out, len, 1, back, n);
        assert_memory_equal(vals, back, n * sizeof *vals);
    }
    free(out);
}

static void test_bits_copy_count(void **state)
{
    uint8_t src[40], dst[40], ref[40];
    for (int trial = 0; trial < 500; trial++) {
        for (size_t i = 0; i < sizeof src; i++) {
            src[i] = (uint8_t)rnd();
            dst[i] = ref[i] = (uint8_t)rnd();
        }
        size_t soff = rnd() % 100, doff = rnd() % 100, n = rnd() % 200;
        tarn_pqw_bits_copy(dst, doff, src, soff, n);
        size_t ones = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned b = (src[(soff + i) >> 3] >> ((soff + i) & 7)) & 1;
            ones += b;
            size_t d = doff + i;
            ref[d >> 3] = (uint8_t)((ref[d >> 3] & ~(1u << (d & 7))) | (b << (d & 7)));
        }
        assert_memory_equal(dst, ref, sizeof dst);
        assert_int_equal(tarn_pqw_bits_count(src, soff, n), ones);
    }
    assert_int_equal(tarn_pqw_bit_width(0), 1);
    assert_int_equal(tarn_pqw_bit_width(1), 1);
    assert_int_equal(tarn_pqw_bit_width(2), 2);
    assert_int_equal(tarn_pqw_bit_width(255), 8);
    assert_int_equal(tarn_pqw_bit_width(256), 9);
}

/* ---- dictionaries ---- */

static void test_dict_fixed(void **state)
{
    tarn_pqw_dict d;
    tarn_pqw_dict_init(&d, 8, 8 * 3000);
    int64_t *v = malloc(5000 * sizeof *v);
    uint32_t *idx = malloc(5000 * sizeof *idx);
    for (int i = 0; i < 5000; i++)
        v[i] = (i * 7919) % 2000 - 1000; /* 2000 distinct values, revisited */
    size_t done = tarn_pqw_dict_put_fixed(&d, (const uint8_t *)v, 5000, idx);
    assert_int_equal(done, 5000);
    assert_int_equal(d.count, 2000);
    for (int i = 0; i < 5000; i++) {
        int64_t e;
        memcpy(&e, d.values.data + (size_t)idx[i] * 8, 8);
        assert_int_equal(e, v[i]);
    }
    /* -0.0 and +0.0 are different values (bit patterns) to a dictionary. */
    tarn_pqw_dict_reset(&d);
    double z[3] = {0.0, -0.0, 0.0};
    assert_int_equal(tarn_pqw_dict_put_fixed(&d, (const uint8_t *)z, 3, idx), 3);
    assert_int_equal(d.count, 2);
    assert_int_equal(idx[0], idx[2]);
    assert_int_not_equal(idx[0], idx[1]);
    /* Full: stops before the first value that does not fit. */
    tarn_pqw_dict_reset(&d);
    for (int i = 0; i < 5000; i++)
        v[i] = i;
    done = tarn_pqw_dict_put_fixed(&d, (const uint8_t *)v, 5000, idx);
    assert_int_equal(done, 3000);
    assert_int_equal(d.count, 3000);
    tarn_buf plain;
    tarn_buf_init(&plain, 0);
    assert_int_equal(tarn_pqw_dict_to_plain(&d, idx, done, &plain), TARN_OK);
    assert_int_equal(plain.len, 3000 * 8);
    assert_memory_equal(plain.data, v, 3000 * 8);
    tarn_buf_free(&plain);
    tarn_pqw_dict_free(&d);
    free(v);
    free(idx);
}

static void test_dict_strings(void **state)
{
    tarn_type t = ty(TARN_TYPE_STRING, 0, 0);
    tarn_column c;
    tarn_column_init(&c, t, 0);
    const char *words[] = {"a", "", "bb", "a", "ccc", "bb", "", "é"};
    for (int i = 0; i < 8; i++) {
        if (i == 2)
            tarn_column_append_null(&c);
        tarn_column_append_str(&c, words[i], strlen(words[i]));
    }
    tarn_pqw_dict d;
    tarn_pqw_dict_init(&d, 0, 1 << 20);
    uint32_t idx[16];
    size_t ni = 0;
    size_t rows = tarn_pqw_dict_put_strs(&d, c.offsets, c.data, c.validity, 0, (size_t)c.length,
                                         idx, &ni);
    assert_int_equal(rows, 9);
    assert_int_equal(ni, 8);
    assert_int_equal(d.count, 5); /* a, "", bb, ccc, é */
    for (int i = 0; i < 8; i++) {
        uint32_t n;
        const char *p = tarn_pqw_dict_str(&d, idx[i], &n);
        assert_int_equal(n, strlen(words[i]));
        assert_memory_equal(p, words[i], n);
    }
    /* The entries are the dictionary page: 4-byte length + bytes each. */
    assert_int_equal(d.values.len, 5 * 4 + 1 + 0 + 2 + 3 + 2);
    /* A limit stops at the row whose value does not fit. */
    tarn_pqw_dict_free(&d);
    tarn_pqw_dict_init(&d, 0, 4 + 1 + 4 + 0 + 4 + 2);
    rows = tarn_pqw_dict_put_strs(&d, c.offsets, c.data, c.validity, 0, (size_t)c.length, idx, &ni);
    assert_int_equal(d.count, 3);
    assert_int_equal(rows, 5); /* rows 0..4 done ("a", "", null, "bb", "a"); "ccc" refused */
    assert_int_equal(ni, 4);
    tarn_pqw_dict_free(&d);
    tarn_column_free(&c);
}

/* ---- statistics ---- */

static void test_stats_order(void **state)
{
    tarn_pqw_stats s;
    tarn_pqw_stats_init(&s, TARN_PQW_ORDER_BYTES);
    const char *v[] = {"b", "ab", "a", "\xc3\xa9", "z", "a\x01"};
    for (int i = 0; i < 6; i++)
        tarn_pqw_stats_bytes(&s, v[i], strlen(v[i]));
    assert_int_equal(s.bmin.len, 1);
    assert_memory_equal(s.bmin.data, "a", 1);       /* a prefix sorts first */
    assert_int_equal(s.bmax.len, 2);
    assert_memory_equal(s.bmax.data, "\xc3\xa9", 2); /* unsigned: 0xC3 > 'z' */
    tarn_pqw_stats_free(&s);

    tarn_pqw_stats_init(&s, TARN_PQW_ORDER_DOUBLE);
    double d[] = {NAN, 2.5, -0.0, -INFINITY, NAN};
    tarn_pqw_stats_f64(&s, d, 5);
    assert_true(s.has);
    assert_true(isinf(s.dmin) && s.dmin < 0);
    assert_true(s.dmax == 2.5);
    assert_int_equal(s.nans, 2);
    tarn_pqw_stats_reset(&s);
    double nans[] = {NAN, NAN};
    tarn_pqw_stats_f64(&s, nans, 2);
    assert_false(s.has);
    assert_int_equal(s.nans, 2);
    tarn_pqw_stats_free(&s);

    tarn_pqw_stats_init(&s, TARN_PQW_ORDER_INT);
    int64_t l[] = {5, INT64_MIN, INT64_MAX, -1};
    tarn_pqw_stats_i64(&s, l, 4);
    assert_true(s.imin == INT64_MIN && s.imax == INT64_MAX);
    int32_t i32[] = {-7, 3};
    tarn_pqw_stats_i32(&s, i32, 2);
    assert_true(s.imin == INT64_MIN);
    tarn_pqw_stats_free(&s);

    tarn_pqw_stats_init(&s, TARN_PQW_ORDER_I128);
    __int128 q[] = {-((__int128)1 << 100), 5, ((__int128)1 << 120)};
    tarn_pqw_stats_i128(&s, q, 3);
    assert_true(s.qmin == -((__int128)1 << 100) && s.qmax == ((__int128)1 << 120));
    tarn_pqw_stats_free(&s);
}

static void test_stats_truncation(void **state)
{
    char v[300], out[300];
    bool exact;
    memset(v, 'x', sizeof v);
    assert_int_equal(tarn_pqw_min_bound(v, 10, 256, &exact), 10);
    assert_true(exact);
    assert_int_equal(tarn_pqw_min_bound(v, 300, 256, &exact), 256);
    assert_false(exact);
    /* The max bound increments its last byte: "xx..x" -> "xx..y" (256 bytes). */
    assert_int_equal(tarn_pqw_max_bound(v, 300, 256, out, &exact), 256);
    assert_false(exact);
    assert_int_equal(out[255], 'y');
    assert_true(tarn_pqw_bytes_cmp(out, 256, v, 300) > 0);
    /* Never cut inside a UTF-8 character: 'é' (2 bytes) straddling the cut. */
    v[255] = '\xc3';
    v[256] = '\xa9';
    assert_int_equal(tarn_pqw_min_bound(v, 300, 256, &exact), 255);
    assert_int_equal(tarn_pqw_max_bound(v, 300, 256, out, &exact), 255);
    assert_int_equal(out[254], 'y');
    /* Nothing to increment (all bytes >= 0x7F): no max bound at all. */
    memset(v, '\xff', sizeof v);
    assert_int_equal(tarn_pqw_max_bound(v, 300, 256, out, &exact), -1);
}

/* ---- whole files ---- */

/* A schema of every type, and n rows of values (row 3 of 7 null). */
static void all_types(tarn_schema *s, tarn_batch *b, int n)
{
    tarn_schema_init(s);
    tarn_schema_add(s, "b", ty(TARN_TYPE_BOOLEAN, 0, 0));
    tarn_schema_add(s, "i", ty(TARN_TYPE_INT, 0, 0));
    tarn_schema_add(s, "l", ty(TARN_TYPE_BIGINT, 0, 0));
    tarn_schema_add(s, "d", ty(TARN_TYPE_DOUBLE, 0, 0));
    tarn_schema_add(s, "d9", ty(TARN_TYPE_DECIMAL, 9, 2));
    tarn_schema_add(s, "d18", ty(TARN_TYPE_DECIMAL, 18, 4));
    tarn_schema_add(s, "d38", ty(TARN_TYPE_DECIMAL, 38, 10));
    tarn_schema_add(s, "s", ty(TARN_TYPE_STRING, 0, 0));
    tarn_schema_add(s, "dt", ty(TARN_TYPE_DATE, 0, 0));
    tarn_schema_add(s, "ts", ty(TARN_TYPE_TIMESTAMP, 0, 0));
    tarn_batch_init(b, s, n);
    for (int r = 0; r < n; r++) {
        if (r % 7 == 3) {
            for (int c = 0; c < s->ncols; c++)
                tarn_column_append_null(&b->cols[c]);
            continue;
        }
        char str[32];
        snprintf(str, sizeof str, "v%d", r % 13);
        tarn_column_append_bool(&b->cols[0], r % 3 == 0);
        tarn_column_append_i32(&b->cols[1], r - 50);
        tarn_column_append_i64(&b->cols[2], (int64_t)r * -3000000000LL);
        tarn_column_append_double(&b->cols[3], r * 0.25);
        tarn_column_append_i128(&b->cols[4], r - 10);
        tarn_column_append_i128(&b->cols[5], (__int128)r * 100000000000LL);
        tarn_column_append_i128(&b->cols[6], -(__int128)r * 1000000000000000000LL * 1000000);
        tarn_column_append_str(&b->cols[7], str, strlen(str));
        tarn_column_append_i32(&b->cols[8], r - 1000);
        tarn_column_append_i64(&b->cols[9], (int64_t)r * 86400000000LL);
    }
    b->nrows = n;
}

static void free_table(tarn_schema *s, tarn_batch *b)
{
    tarn_batch_free(b);
    tarn_schema_free(s);
}

/* Check a column chunk's offsets and sizes against its pages: the pages
** start at the dictionary (or first data) page, run back to back for
** total_compressed_size bytes, hold num_values values, and sizes add up. */
static void check_chunk_pages(pqfile *pf, tnode *cm, int64_t rows, int *dict_pages,
                              int *data_pages)
{
    tnode *dp = tget(cm, 11);
    size_t off = (size_t)(dp ? dp->i : tint(cm, 9)), end = off + (size_t)tint(cm, 7);
    int64_t values = 0, uncomp = 0;
    *dict_pages = *data_pages = 0;
    while (off < end) {
        tnode h;
        size_t hstart = off;
        size_t next = pq_page(pf, off, &h);
        int type = (int)tint(&h, 1);
        size_t hlen = next - hstart - (size_t)tint(&h, 3);
        uncomp += (int64_t)hlen + tint(&h, 2);
        if (type == PQ_PAGE_DICTIONARY) {
            assert_int_equal(*data_pages, 0); /* the dictionary page comes first */
            assert_non_null(dp);
            assert_int_equal((int64_t)hstart, dp->i);
            (*dict_pages)++;
        } else {
            if (*data_pages == 0)
                assert_int_equal((int64_t)hstart, tint(cm, 9));
            tnode *dh = tget(&h, type == PQ_PAGE_DATA ? 5 : 8);
            assert_non_null(dh);
            values += tint(dh, 1);
            (*data_pages)++;
        }
        tnode_free(&h);
        off = next;
    }
    assert_int_equal(off, end);
    assert_int_equal(values, rows);
    assert_int_equal(tint(cm, 5), rows);
    assert_int_equal(tint(cm, 6), uncomp);
}

static void test_file_layout(void **state)
{
    tarn_schema s;
    tarn_batch b;
    all_types(&s, &b, 1000);
    tarn_parquet_write_options o;
    tarn_parquet_write_options_init(&o);
    tarn_parquet_kv kv[2] = {{"origin", "unit test"}, {"empty", NULL}};
    o.kv = kv;
    o.nkv = 2;
    o.row_group_rows = 300;
    tarn_error err = {0};
    assert_int_equal(write_file(tpath("all.parquet"), &s, &b, &o, &err), TARN_OK);
    pqfile pf;
    pq_load(&pf, tpath("all.parquet"));
    tnode *m = &pf.meta;
    assert_int_equal(tint(m, 3), 1000);
    tnode *cb = tget(m, 6);
    assert_int_equal(cb->len, strlen("tarn version 0.1.0 (build tarn)"));
    assert_memory_equal(cb->bin, "tarn version 0.1.0 (build tarn)", cb->len);
    tnode *kvs = tget(m, 5);
    assert_int_equal(kvs->n, 2);
    assert_memory_equal(tget(&kvs->kids[0], 2)->bin, "unit test", 9);
    assert_null(tget(&kvs->kids[1], 2));
    assert_int_equal(tget(m, 7)->n, 10); /* a ColumnOrder per column */
    assert_non_null(tget(&tget(m, 7)->kids[0], 1)); /* TYPE_ORDER */

    /* Schema: root + 10 leaves with physical, converted and logical types. */
    tnode *sc = tget(m, 2);
    assert_int_equal(sc->n, 11);
    assert_int_equal(tint(&sc->kids[0], 5), 10);
    static const int phys[] = {PQ_BOOLEAN, PQ_INT32, PQ_INT64, PQ_DOUBLE, PQ_INT32, PQ_INT64,
                               PQ_FIXED_LEN_BYTE_ARRAY, PQ_BYTE_ARRAY, PQ_INT32, PQ_INT64};
    static const int conv[] = {-1, -1, -1, -1, PQ_CT_DECIMAL, PQ_CT_DECIMAL, PQ_CT_DECIMAL,
                               PQ_CT_UTF8, PQ_CT_DATE, PQ_CT_TIMESTAMP_MICROS};
    static const int logical[] = {0, 0, 0, 0, 5, 5, 5, 1, 6, 8};
    for (int i = 0; i < 10; i++) {
        tnode *e = &sc->kids[i + 1];
        assert_int_equal(tint(e, 1), phys[i]);
        assert_int_equal(tint(e, 3), PQ_OPTIONAL);
        tnode *ct = tget(e, 6), *lt = tget(e, 10);
        assert_int_equal(ct ? ct->i : -1, conv[i]);
        assert_int_equal(lt ? lt->kids[0].id : 0, logical[i]);
    }
    assert_int_equal(tint(&sc->kids[7], 2), 16); /* decimal(38): 16 bytes */
    assert_int_equal(tint(&sc->kids[7], 8), 38);
    assert_int_equal(tint(&sc->kids[7], 7), 10);
    tnode *tsl = tget(tget(&sc->kids[10], 10), 8);
    assert_int_equal(tint(tsl, 1), 1);                 /* isAdjustedToUTC */
    assert_non_null(tget(tget(tsl, 2), 2));            /* MICROS */

    /* Row groups: 300, 300, 300, 100 rows; every chunk consistent. */
    tnode *rgs = tget(m, 4);
    assert_int_equal(rgs->n, 4);
    int64_t next_off = 4;
    for (int g = 0; g < 4; g++) {
        tnode *rg = &rgs->kids[g];
        int64_t rows = g < 3 ? 300 : 100, total = 0, comp = 0;
        assert_int_equal(tint(rg, 3), rows);
        assert_int_equal(tint(rg, 7), g);
        assert_int_equal(tint(rg, 5), next_off);
        for (int c = 0; c < 10; c++) {
            tnode *cm = pq_colmeta(&pf, g, c);
            assert_int_equal(tint(&tget(rg, 1)->kids[c], 2), 0); /* file_offset */
            assert_int_equal(tint(cm, 1), phys[c]);
            assert_int_equal(tint(cm, 4), PQ_CODEC_SNAPPY);
            int dictp, datap;
            check_chunk_pages(&pf, cm, rows, &dictp, &datap);
            tnode *dp = tget(cm, 11);
            assert_int_equal(dp ? dp->i : tint(cm, 9), next_off);
            next_off += tint(cm, 7);
            total += tint(cm, 6);
            comp += tint(cm, 7);
            assert_int_equal(tint(tget(cm, 12), 3), rows == 300 ? 43 : 14); /* null_count */
        }
        assert_int_equal(tint(rg, 2), total);
        assert_int_equal(tint(rg, 6), comp);
    }
    pq_free(&pf);
    free_table(&s, &b);
}

/* Min and max of chunk (rg, col) must be these PLAIN bytes. */
static void check_minmax(pqfile *pf, int rg, int col, const void *lo, size_t nlo, const void *hi,
                         size_t nhi)
{
    tnode *st = tget(pq_colmeta(pf, rg, col), 12);
    tnode *mn = tget(st, 6), *mx = tget(st, 5);
    assert_non_null(mn);
    assert_non_null(mx);
    assert_int_equal(mn->len, nlo);
    assert_memory_equal(mn->bin, lo, nlo);
    assert_int_equal(mx->len, nhi);
    assert_memory_equal(mx->bin, hi, nhi);
}

static void test_file_statistics(void **state)
{
    tarn_schema s;
    tarn_schema_init(&s);
    tarn_schema_add(&s, "d", ty(TARN_TYPE_DOUBLE, 0, 0));
    tarn_schema_add(&s, "z", ty(TARN_TYPE_DOUBLE, 0, 0));
    tarn_schema_add(&s, "s", ty(TARN_TYPE_STRING, 0, 0));
    tarn_schema_add(&s, "i", ty(TARN_TYPE_INT, 0, 0));
    tarn_schema_add(&s, "q", ty(TARN_TYPE_DECIMAL, 30, 0));
    tarn_schema_add(&s, "n", ty(TARN_TYPE_BIGINT, 0, 0));
    tarn_schema_add(&s, "b", ty(TARN_TYPE_BOOLEAN, 0, 0));
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    double d[] = {NAN, 0.0, 3.5, -0.0, NAN};
    double z[] = {0.0, NAN, -0.0, 0.0, 0.0};
    char longs[400];
    memset(longs, 'm', sizeof longs);
    const char *strs[] = {"b", "\xc3\xa9t\xc3\xa9", "", "Z", longs};
    int32_t ints[] = {-5, INT32_MIN, 7, INT32_MAX, 0};
    __int128 q[] = {-12345, 99, -((__int128)1 << 90), 0, 1};
    for (int r = 0; r < 5; r++) {
        tarn_column_append_double(&b.cols[0], d[r]);
        tarn_column_append_double(&b.cols[1], z[r]);
        tarn_column_append_str(&b.cols[2], strs[r], r == 4 ? sizeof longs : strlen(strs[r]));
        tarn_column_append_i32(&b.cols[3], ints[r]);
        tarn_column_append_i128(&b.cols[4], q[r]);
        tarn_column_append_null(&b.cols[5]);
        tarn_column_append_bool(&b.cols[6], true);
    }
    b.nrows = 5;
    tarn_error err = {0};
    assert_int_equal(write_file(tpath("stats.parquet"), &s, &b, NULL, &err), TARN_OK);
    pqfile pf;
    pq_load(&pf, tpath("stats.parquet"));
    /* Doubles: NaN ignored and counted; a zero max is written +0.0. */
    double lo = -0.0, hi = 3.5;
    check_minmax(&pf, 0, 0, &lo, 8, &hi, 8);
    assert_int_equal(tint(tget(pq_colmeta(&pf, 0, 0), 12), 9), 2);
    double zlo = -0.0, zhi = 0.0;
    check_minmax(&pf, 0, 1, &zlo, 8, &zhi, 8);
    /* Strings: unsigned byte order; the long max is cut to 256 bytes with
    ** its last byte incremented and marked inexact. */
    char mhi[256];
    memset(mhi, 'm', 255);
    mhi[255] = 'n';
    check_minmax(&pf, 0, 2, "", 0, "\xc3\xa9t\xc3\xa9", 5);
    tnode *sst = tget(pq_colmeta(&pf, 0, 2), 12);
    assert_null(tget(sst, 1)); /* no deprecated min/max for strings */
    assert_int_equal(tint(sst, 7), 1);
    /* Signed ints, with the deprecated fields too. */
    int32_t ilo = INT32_MIN, ihi = INT32_MAX;
    check_minmax(&pf, 0, 3, &ilo, 4, &ihi, 4);
    tnode *ist = tget(pq_colmeta(&pf, 0, 3), 12);
    assert_memory_equal(tget(ist, 2)->bin, &ilo, 4);
    assert_memory_equal(tget(ist, 1)->bin, &ihi, 4);
    /* Wide decimal: big-endian two's complement of 13 bytes, signed order. */
    uint8_t qlo[13], qhi[13];
    __int128 a = -((__int128)1 << 90), c = 99;
    for (int i = 0; i < 13; i++) {
        qlo[i] = (uint8_t)(a >> (8 * (12 - i)));
        qhi[i] = (uint8_t)(c >> (8 * (12 - i)));
    }
    check_minmax(&pf, 0, 4, qlo, 13, qhi, 13);
    /* All null: null_count only. */
    tnode *nst = tget(pq_colmeta(&pf, 0, 5), 12);
    assert_int_equal(tint(nst, 3), 5);
    assert_null(tget(nst, 5));
    assert_null(tget(nst, 6));
    uint8_t t = 1;
    check_minmax(&pf, 0, 6, &t, 1, &t, 1);
    pq_free(&pf);

    /* A long max: truncated, incremented, inexact. */
    tarn_batch_reset(&b);
    for (int r = 0; r < 5; r++) {
        for (int c2 = 0; c2 < s.ncols; c2++)
            if (c2 != 2)
                tarn_column_append_null(&b.cols[c2]);
        tarn_column_append_str(&b.cols[2], longs, r == 0 ? sizeof longs : 1);
    }
    b.nrows = 5;
    assert_int_equal(write_file(tpath("stats2.parquet"), &s, &b, NULL, &err), TARN_OK);
    pq_load(&pf, tpath("stats2.parquet"));
    check_minmax(&pf, 0, 2, "m", 1, mhi, 256);
    sst = tget(pq_colmeta(&pf, 0, 2), 12);
    assert_int_equal(tint(sst, 7), 0);
    assert_int_equal(tint(sst, 8), 1);
    pq_free(&pf);
    free_table(&s, &b);
}

/* The (page type, encoding) -> count entries of encoding_stats. */
static int enc_stat(tnode *cm, int page_type, int enc)
{
    tnode *es = tget(cm, 13);
    for (int i = 0; es && i < es->n; i++)
        if (tint(&es->kids[i], 1) == page_type && tint(&es->kids[i], 2) == enc)
            return (int)tint(&es->kids[i], 3);
    return 0;
}

static void test_dictionary_fallback(void **state)
{
    tarn_schema s;
    tarn_schema_init(&s);
    tarn_schema_add(&s, "few", ty(TARN_TYPE_STRING, 0, 0));   /* stays dictionary */
    tarn_schema_add(&s, "grow", ty(TARN_TYPE_STRING, 0, 0));  /* dictionary, then PLAIN */
    tarn_schema_add(&s, "uniq", ty(TARN_TYPE_BIGINT, 0, 0));  /* dictionary never pays */
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    for (int r = 0; r < 3000; r++) {
        char v[32];
        snprintf(v, sizeof v, "k%d", r % 10);
        tarn_column_append_str(&b.cols[0], v, strlen(v));
        snprintf(v, sizeof v, "g%d", r < 1000 ? r % 20 : r);
        tarn_column_append_str(&b.cols[1], v, strlen(v));
        tarn_column_append_i64(&b.cols[2], (int64_t)r * 7919);
    }
    b.nrows = 3000;
    tarn_parquet_write_options o;
    tarn_parquet_write_options_init(&o);
    o.page_rows = 250;
    o.dictionary_bytes = 4000;
    tarn_error err = {0};
    assert_int_equal(write_file(tpath("dict.parquet"), &s, &b, &o, &err), TARN_OK);
    pqfile pf;
    pq_load(&pf, tpath("dict.parquet"));
    int dictp, datap;
    tnode *cm = pq_colmeta(&pf, 0, 0);
    check_chunk_pages(&pf, cm, 3000, &dictp, &datap);
    assert_int_equal(dictp, 1);
    assert_int_equal(encodings(cm), 1u << PQ_ENC_PLAIN | 1u << PQ_ENC_RLE | 1u << PQ_ENC_RLE_DICTIONARY);
    assert_int_equal(enc_stat(cm, PQ_PAGE_DATA, PQ_ENC_RLE_DICTIONARY), datap);
    assert_int_equal(enc_stat(cm, PQ_PAGE_DATA, PQ_ENC_PLAIN), 0);
    tnode h;
    pq_page(&pf, (size_t)tint(cm, 11), &h);
    assert_int_equal(tint(tget(&h, 7), 1), 10); /* ten entries */
    assert_int_equal(tint(tget(&h, 7), 2), PQ_ENC_PLAIN);
    tnode_free(&h);

    cm = pq_colmeta(&pf, 0, 1);
    check_chunk_pages(&pf, cm, 3000, &dictp, &datap);
    assert_int_equal(dictp, 1);
    int dpages = enc_stat(cm, PQ_PAGE_DATA, PQ_ENC_RLE_DICTIONARY);
    int ppages = enc_stat(cm, PQ_PAGE_DATA, PQ_ENC_PLAIN);
    assert_true(dpages >= 4 && ppages >= 1);
    assert_int_equal(dpages + ppages, datap);
    assert_int_equal(enc_stat(cm, PQ_PAGE_DICTIONARY, PQ_ENC_PLAIN), 1);
    assert_int_equal(encodings(cm), 1u << PQ_ENC_PLAIN | 1u << PQ_ENC_RLE | 1u << PQ_ENC_RLE_DICTIONARY);
    /* Pages run dictionary first, PLAIN after: never back. */
    size_t off = (size_t)tint(cm, 9);
    bool plain_seen = false;
    for (int p = 0; p < datap; p++) {
        off = pq_page(&pf, off, &h);
        int enc = (int)tint(tget(&h, 5), 2);
        plain_seen |= enc == PQ_ENC_PLAIN;
        assert_true(enc == PQ_ENC_PLAIN || !plain_seen);
        tnode_free(&h);
    }

    cm = pq_colmeta(&pf, 0, 2);
    check_chunk_pages(&pf, cm, 3000, &dictp, &datap);
    assert_int_equal(dictp, 0);
    assert_null(tget(cm, 11));
    assert_int_equal(encodings(cm), 1u << PQ_ENC_PLAIN | 1u << PQ_ENC_RLE);
    pq_free(&pf);

    /* dictionary off: PLAIN everywhere. */
    o.dictionary = false;
    assert_int_equal(write_file(tpath("nodict.parquet"), &s, &b, &o, &err), TARN_OK);
    pq_load(&pf, tpath("nodict.parquet"));
    for (int c = 0; c < 3; c++) {
        cm = pq_colmeta(&pf, 0, c);
        assert_int_equal(encodings(cm), 1u << PQ_ENC_PLAIN | 1u << PQ_ENC_RLE);
        assert_null(tget(cm, 11));
    }
    pq_free(&pf);
    free_table(&s, &b);
}

static void test_required_columns(void **state)
{
    tarn_schema s;
    tarn_schema_init(&s);
    tarn_schema_add(&s, "id", ty(TARN_TYPE_BIGINT, 0, 0));
    tarn_schema_add(&s, "name", ty(TARN_TYPE_STRING, 0, 0));
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    for (int r = 0; r < 100; r++) {
        tarn_column_append_i64(&b.cols[0], r);
        tarn_column_append_str(&b.cols[1], "x", 1);
    }
    b.nrows = 100;
    bool req[2] = {true, true};
    tarn_parquet_write_options o;
    tarn_parquet_write_options_init(&o);
    o.required = req;
    tarn_error err = {0};
    assert_int_equal(write_file(tpath("req.parquet"), &s, &b, &o, &err), TARN_OK);
    pqfile pf;
    pq_load(&pf, tpath("req.parquet"));
    tnode *sc = tget(&pf.meta, 2);
    assert_int_equal(tint(&sc->kids[1], 3), PQ_REQUIRED);
    assert_int_equal(tint(&sc->kids[2], 3), PQ_REQUIRED);
    assert_int_equal(encodings(pq_colmeta(&pf, 0, 0)), 1u << PQ_ENC_PLAIN); /* no levels */
    assert_int_equal(encodings(pq_colmeta(&pf, 0, 1)),
                     1u << PQ_ENC_PLAIN | 1u << PQ_ENC_RLE_DICTIONARY);
    pq_free(&pf);

    /* A null in a REQUIRED column fails the write (at once when writing in
    ** the foreground, by the next call in the background), names the
    ** column, and leaves no file behind. */
    tarn_column_append_i64(&b.cols[0], 1);
    tarn_column_append_null(&b.cols[1]);
    b.nrows = 101;
    for (int bg = 0; bg <= 1; bg++) {
        o.background = bg;
        memset(&err, 0, sizeof err);
        tarn_parquet_writer *w;
        assert_int_equal(tarn_parquet_writer_open(&w, tpath("req2.parquet"), &s, &o, &err), TARN_OK);
        int rc = tarn_parquet_writer_write(w, &b, &err);
        if (bg && rc == TARN_OK)
            rc = tarn_parquet_writer_write(w, &b, &err);
        assert_int_equal(rc, TARN_ERR_INVALID);
        assert_non_null(strstr(err.msg, "'name'"));
        assert_non_null(strstr(err.msg, "REQUIRED"));
        assert_int_not_equal(tarn_parquet_writer_write(w, &b, &err), TARN_OK);
        assert_int_not_equal(tarn_parquet_writer_close(w, NULL, &err), TARN_OK);
        assert_int_equal(access(tpath("req2.parquet"), F_OK), -1);
        assert_int_equal(count_entries(tmpdir), 1); /* req.parquet only */
    }
    /* In the background, a failure in the last batch is close's. */
    o.background = true;
    tarn_parquet_writer *w;
    assert_int_equal(tarn_parquet_writer_open(&w, tpath("req3.parquet"), &s, &o, &err), TARN_OK);
    int rc = tarn_parquet_writer_write(w, &b, &err);
    memset(&err, 0, sizeof err);
    assert_int_equal(tarn_parquet_writer_close(w, NULL, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, rc ? "failed earlier" : "'name'"));
    assert_int_equal(count_entries(tmpdir), 1);
    free_table(&s, &b);
}

static void test_atomic_write(void **state)
{
    tarn_schema s;
    tarn_batch b;
    all_types(&s, &b, 50);
    const char *dst = tpath("atomic.parquet");
    FILE *f = fopen(dst, "w");
    fputs("old", f);
    fclose(f);
    tarn_error err = {0};
    tarn_parquet_writer *w;
    assert_int_equal(tarn_parquet_writer_open(&w, dst, &s, NULL, &err), TARN_OK);
    assert_int_equal(tarn_parquet_writer_write(w, &b, &err), TARN_OK);
    assert_int_equal(count_entries(tmpdir), 2); /* the old file and the temporary one */
    tarn_parquet_writer_abort(w);
    assert_int_equal(count_entries(tmpdir), 1);
    size_t n;
    uint8_t *old = read_file(dst, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(old, "old", 3);
    free(old);

    assert_int_equal(tarn_parquet_writer_open(&w, dst, &s, NULL, &err), TARN_OK);
    assert_int_equal(tarn_parquet_writer_write(w, &b, &err), TARN_OK);
    tarn_parquet_write_info info;
    assert_int_equal(tarn_parquet_writer_close(w, &info, &err), TARN_OK);
    assert_int_equal(count_entries(tmpdir), 1);
    pqfile pf;
    pq_load(&pf, dst);
    assert_int_equal(info.file_bytes, (int64_t)pf.len);
    assert_int_equal(info.rows, 50);
    assert_int_equal(info.row_groups, 1);
    pq_free(&pf);

    tarn_parquet_writer_abort(NULL);
    assert_int_equal(tarn_parquet_writer_open(&w, "/nonexistent-dir/x.parquet", &s, NULL, &err),
                     TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/x.parquet"));
    free_table(&s, &b);
}

static void test_zero_rows_and_errors(void **state)
{
    tarn_schema s;
    tarn_batch b;
    all_types(&s, &b, 0);
    tarn_error err = {0};
    tarn_parquet_writer *w;
    assert_int_equal(tarn_parquet_writer_open(&w, tpath("empty.parquet"), &s, NULL, &err), TARN_OK);
    assert_int_equal(tarn_parquet_writer_write(w, &b, &err), TARN_OK);
    assert_int_equal(tarn_parquet_writer_close(w, NULL, &err), TARN_OK);
    pqfile pf;
    pq_load(&pf, tpath("empty.parquet"));
    assert_int_equal(tint(&pf.meta, 3), 0);
    assert_int_equal(tget(&pf.meta, 4)->n, 0);
    assert_int_equal(tget(&pf.meta, 2)->n, 11);
    pq_free(&pf);

    /* A batch of another schema. */
    tarn_schema s2;
    tarn_schema_init(&s2);
    tarn_schema_add(&s2, "x", ty(TARN_TYPE_DECIMAL, 10, 2));
    tarn_batch b2;
    tarn_batch_init(&b2, &s2, 0);
    tarn_column_append_i128(&b2.cols[0], 1);
    b2.nrows = 1;
    assert_int_equal(tarn_parquet_writer_open(&w, tpath("bad.parquet"), &s, NULL, &err), TARN_OK);
    assert_int_equal(tarn_parquet_writer_write(w, &b2, &err), TARN_ERR_INVALID);
    tarn_parquet_writer_abort(w);
    /* A decimal with more digits than its precision. */
    tarn_schema_free(&s2);
    tarn_schema_init(&s2);
    tarn_schema_add(&s2, "x", ty(TARN_TYPE_DECIMAL, 10, 2));
    b2.cols[0].type = s2.fields[0].type;
    tarn_column_append_i128(&b2.cols[0], (__int128)10000000000LL);
    b2.nrows = 2;
    tarn_parquet_write_options o;
    tarn_parquet_write_options_init(&o);
    o.background = false;
    assert_int_equal(tarn_parquet_writer_open(&w, tpath("bad.parquet"), &s2, &o, &err), TARN_OK);
    assert_int_equal(tarn_parquet_writer_write(w, &b2, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "decimal(10,2)"));
    tarn_parquet_writer_abort(w);
    assert_int_equal(access(tpath("bad.parquet"), F_OK), -1);
    /* Bad options and schemas are refused at open. */
    tarn_parquet_write_options_init(&o);
    o.data_page_version = 3;
    assert_int_equal(tarn_parquet_writer_open(&w, tpath("x.parquet"), &s, &o, &err), TARN_ERR_INVALID);
    tarn_parquet_write_options_init(&o);
    o.codec = (tarn_parquet_codec)4; /* brotli: read, not written */
    assert_int_equal(tarn_parquet_writer_open(&w, tpath("x.parquet"), &s, &o, &err),
                     TARN_ERR_UNSUPPORTED);
    tarn_schema_add(&s2, "x", ty(TARN_TYPE_INT, 0, 0));
    assert_int_equal(tarn_parquet_writer_open(&w, tpath("x.parquet"), &s2, NULL, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "'x'"));
    tarn_parquet_codec codec;
    assert_int_equal(tarn_parquet_codec_parse("ZSTD", &codec, &err), TARN_OK);
    assert_int_equal(codec, TARN_PARQUET_ZSTD);
    assert_int_equal(tarn_parquet_codec_parse("lzo", &codec, &err), TARN_ERR_INVALID);
    assert_int_equal(count_entries(tmpdir), 1);
    tarn_batch_free(&b2);
    tarn_schema_free(&s2);
    free_table(&s, &b);
}

/* Decompress a page body with the codec's own library; returns its size. */
static size_t inflate_page(int codec, const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
    switch (codec) {
    case PQ_CODEC_SNAPPY: {
        size_t len = cap;
        assert_int_equal(snappy_uncompress((const char *)p, n, (char *)out, &len), SNAPPY_OK);
        return len;
    }
    case PQ_CODEC_ZSTD: {
        size_t r = ZSTD_decompress(out, cap, p, n);
        assert_false(ZSTD_isError(r));
        return r;
    }
    case PQ_CODEC_GZIP: {
        z_stream z;
        memset(&z, 0, sizeof z);
        assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
        z.next_in = (Bytef *)p;
        z.avail_in = (uInt)n;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
        size_t len = cap - z.avail_out;
        inflateEnd(&z);
        return len;
    }
    default:
        memcpy(out, p, n);
        return n;
    }
}

static void test_codecs_and_page_v2(void **state)
{
    static const int codecs[] = {TARN_PARQUET_NONE, TARN_PARQUET_SNAPPY, TARN_PARQUET_GZIP,
                                 TARN_PARQUET_ZSTD};
    tarn_schema s;
    tarn_batch b;
    all_types(&s, &b, 2000);
    uint8_t *buf = malloc(1 << 22);
    for (int v = 1; v <= 2; v++) {
        for (int ci = 0; ci < 4; ci++) {
            tarn_parquet_write_options o;
            tarn_parquet_write_options_init(&o);
            o.codec = codecs[ci];
            o.data_page_version = v;
            o.page_rows = 700;
            o.nthreads = 2;
            tarn_error err = {0};
            assert_int_equal(write_file(tpath("c.parquet"), &s, &b, &o, &err), TARN_OK);
            pqfile pf;
            pq_load(&pf, tpath("c.parquet"));
            assert_int_equal(tint(&pf.meta, 1), v);
            for (int c = 0; c < 10; c++) {
                tnode *cm = pq_colmeta(&pf, 0, c);
                assert_int_equal(tint(cm, 4), codecs[ci]);
                tnode *dp = tget(cm, 11);
                size_t off = (size_t)(dp ? dp->i : tint(cm, 9));
                size_t end = off + (size_t)tint(cm, 7);
                int64_t nulls = 0;
                while (off < end) {
                    tnode h;
                    size_t next = pq_page(&pf, off, &h);
                    size_t body = next - (size_t)tint(&h, 3);
                    size_t lv = 0;
                    tnode *h2 = tget(&h, 8);
                    if (tint(&h, 1) == PQ_PAGE_DATA_V2) {
                        assert_int_equal(v, 2);
                        lv = (size_t)tint(h2, 5);
                        assert_int_equal(tint(h2, 6), 0);
                        assert_int_equal(tint(h2, 3), tint(h2, 1));
                        assert_int_equal(tint(h2, 7), codecs[ci] != TARN_PARQUET_NONE);
                        nulls += tint(h2, 2);
                    } else if (tint(&h, 1) == PQ_PAGE_DATA) {
                        assert_int_equal(v, 1);
                    }
                    size_t got = inflate_page(codecs[ci], pf.data + body + lv,
                                              (size_t)tint(&h, 3) - lv, buf, 1 << 22);
                    assert_int_equal(got + lv, (size_t)tint(&h, 2));
                    tnode_free(&h);
                    off = next;
                }
                if (v == 2)
                    assert_int_equal(nulls, 2000 / 7 + 1);
            }
            pq_free(&pf);
        }
    }
    free(buf);
    free_table(&s, &b);
}

/* Many batches, many row groups, several threads: every row accounted
** for, row groups cut by rows and by bytes. */
static void test_row_groups_by_rows_and_bytes(void **state)
{
    tarn_schema s;
    tarn_batch b;
    all_types(&s, &b, 777);
    tarn_parquet_write_options o;
    tarn_parquet_write_options_init(&o);
    o.row_group_rows = 1000;
    o.nthreads = 3;
    tarn_error err = {0};
    tarn_parquet_writer *w;
    assert_int_equal(tarn_parquet_writer_open(&w, tpath("rg.parquet"), &s, &o, &err), TARN_OK);
    for (int i = 0; i < 13; i++)
        assert_int_equal(tarn_parquet_writer_write(w, &b, &err), TARN_OK);
    tarn_parquet_write_info info;
    assert_int_equal(tarn_parquet_writer_close(w, &info, &err), TARN_OK);
    assert_int_equal(info.rows, 13 * 777);
    assert_int_equal(info.row_groups, 11); /* 10 x 1000 + 101 */
    pqfile pf;
    pq_load(&pf, tpath("rg.parquet"));
    assert_int_equal(tget(&pf.meta, 4)->n, 11);
    assert_int_equal(tint(&tget(&pf.meta, 4)->kids[10], 3), 101);
    pq_free(&pf);

    tarn_parquet_write_options_init(&o);
    o.row_group_bytes = 20000;
    o.background = false;
    assert_int_equal(tarn_parquet_writer_open(&w, tpath("rg2.parquet"), &s, &o, &err), TARN_OK);
    for (int i = 0; i < 13; i++)
        assert_int_equal(tarn_parquet_writer_write(w, &b, &err), TARN_OK);
    assert_int_equal(tarn_parquet_writer_close(w, &info, &err), TARN_OK);
    assert_true(info.row_groups > 3);
    pq_load(&pf, tpath("rg2.parquet"));
    tnode *rgs = tget(&pf.meta, 4);
    int64_t rows = 0;
    for (int g = 0; g < rgs->n; g++) {
        rows += tint(&rgs->kids[g], 3);
        /* cut at the first batch boundary past the limit */
        assert_true(g == rgs->n - 1 || tint(&rgs->kids[g], 2) >= 20000 - 2000);
    }
    assert_int_equal(rows, 13 * 777);
    pq_free(&pf);
    free_table(&s, &b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thrift_small_struct),
        cmocka_unit_test(test_thrift_long_forms),
        cmocka_unit_test(test_thrift_misuse_and_limit),
        cmocka_unit_test(test_rle_known_bytes),
        cmocka_unit_test(test_rle_round_trip),
        cmocka_unit_test(test_rle_bits_round_trip),
        cmocka_unit_test(test_bits_copy_count),
        cmocka_unit_test(test_dict_fixed),
        cmocka_unit_test(test_dict_strings),
        cmocka_unit_test(test_stats_order),
        cmocka_unit_test(test_stats_truncation),
        cmocka_unit_test_setup_teardown(test_file_layout, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_file_statistics, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_dictionary_fallback, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_required_columns, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_atomic_write, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_zero_rows_and_errors, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_codecs_and_page_v2, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_row_groups_by_rows_and_bytes, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
