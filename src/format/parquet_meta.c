/*
** parquet_meta.c: reading a Parquet file's footer. Maps the file, finds
** and checks the footer, refuses encrypted files, and decodes the Thrift
** structs of FileMetaData and of page headers into the pq_* structs of
** parquet_meta.h. Also the public tarn_parquet_meta_open / _pages API
** (format.h). The schema tree and type mapping are parquet_schema.c; data
** pages are read by parquet_read_column.c.
**
** Why tarn has its own Parquet codec: no Debian package offers a C Parquet
** library (parquet-cpp needs Arrow's C++ stack), so tarn decodes the format
** itself, with every size in the file checked before it is used.
*/
#include "format/parquet_meta.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/thrift_read.h"

/* ---- arena ---- */

struct pq_arena_block {
    pq_arena_block *next;
    size_t used, cap;
    max_align_t data[];
};

void *pq_arena_alloc(pq_arena *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    pq_arena_block *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 32768 ? n : 32768;
        b = tarn_xmalloc(sizeof *b + cap);
        b->used = 0;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *pq_arena_strndup(pq_arena *a, const void *p, size_t n)
{
    char *s = pq_arena_alloc(a, n + 1);
    if (n)
        memcpy(s, p, n);
    return s;
}

char *pq_arena_printf(pq_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = pq_arena_alloc(a, (size_t)(n > 0 ? n : 0) + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void pq_arena_free(pq_arena *a)
{
    while (a->head) {
        pq_arena_block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

/* ---- Thrift struct decoders ---- */

/* True when a field has the expected type; otherwise skips it. */
static bool want(tarn_thrift_in *t, int type, int expected)
{
    if (type == expected || (expected == TC_TRUE && tarn_thrift_is_bool(type)))
        return true;
    tarn_thrift_skip(t, type);
    return false;
}

/* A binary field as a pointer into the footer. */
static pq_bytes read_bytes(tarn_thrift_in *t)
{
    pq_bytes b;
    b.n = tarn_thrift_binary(t, &b.p);
    return b;
}

/* Statistics (chunk or page): legacy min/max, min_value/max_value, counts. */
static void read_statistics(tarn_thrift_in *t, pq_statistics *s)
{
    int type = 0, id = 0;
    s->present = true;
    tarn_thrift_struct_begin(t);
    while (tarn_thrift_field(t, &type, &id) > 0) {
        switch (id) {
        case 1: if (want(t, type, TC_BINARY)) s->max = read_bytes(t), s->has_max = true; break;
        case 2: if (want(t, type, TC_BINARY)) s->min = read_bytes(t), s->has_min = true; break;
        case 3: if (want(t, type, TC_I64)) s->null_count = tarn_thrift_i64(t), s->has_null_count = true; break;
        case 4: if (want(t, type, TC_I64)) s->distinct_count = tarn_thrift_i64(t), s->has_distinct_count = true; break;
        case 5: if (want(t, type, TC_BINARY)) s->max_value = read_bytes(t), s->has_max_value = true; break;
        case 6: if (want(t, type, TC_BINARY)) s->min_value = read_bytes(t), s->has_min_value = true; break;
        case 7: if (want(t, type, TC_TRUE)) s->max_exact = tarn_thrift_field_bool(type), s->has_max_exact = true; break;
        case 8: if (want(t, type, TC_TRUE)) s->min_exact = tarn_thrift_field_bool(type), s->has_min_exact = true; break;
        default: tarn_thrift_skip(t, type);
        }
    }
    tarn_thrift_struct_end(t);
}

/* TimeUnit: a union of empty structs; the member's id is the unit. */
static int read_time_unit(tarn_thrift_in *t)
{
    int type = 0, id = 0, unit = 0;
    tarn_thrift_struct_begin(t);
    while (tarn_thrift_field(t, &type, &id) > 0) {
        if (type == TC_STRUCT && id >= PQ_UNIT_MILLIS && id <= PQ_UNIT_NANOS)
            unit = id;
        tarn_thrift_skip(t, type);
    }
    tarn_thrift_struct_end(t);
    return unit;
}

/* The struct of a LogicalType member whose id is l->kind. */
static void read_logical_member(tarn_thrift_in *t, pq_logical *l)
{
    int type = 0, id = 0;
    tarn_thrift_struct_begin(t);
    while (tarn_thrift_field(t, &type, &id) > 0) {
        bool dec = l->kind == PQ_LT_DECIMAL, tm = l->kind == PQ_LT_TIME || l->kind == PQ_LT_TIMESTAMP;
        if (dec && id == 1 && want(t, type, TC_I32))
            l->scale = tarn_thrift_i32(t);
        else if (dec && id == 2 && want(t, type, TC_I32))
            l->precision = tarn_thrift_i32(t);
        else if (tm && id == 1 && want(t, type, TC_TRUE))
            l->utc = tarn_thrift_field_bool(type);
        else if (tm && id == 2 && want(t, type, TC_STRUCT))
            l->unit = read_time_unit(t);
        else if (l->kind == PQ_LT_INTEGER && id == 1 && want(t, type, TC_BYTE))
            l->bit_width = tarn_thrift_byte(t);
        else if (l->kind == PQ_LT_INTEGER && id == 2 && want(t, type, TC_TRUE))
            l->is_signed = tarn_thrift_field_bool(type);
        else if (!(dec || tm || l->kind == PQ_LT_INTEGER) || id < 1 || id > 2)
            tarn_thrift_skip(t, type);
    }
    tarn_thrift_struct_end(t);
}

/* LogicalType: a union whose one set member is the annotation. */
static void read_logical(tarn_thrift_in *t, pq_logical *l)
{
    int type = 0, id = 0;
    tarn_thrift_struct_begin(t);
    while (tarn_thrift_field(t, &type, &id) > 0) {
        if (type != TC_STRUCT || l->kind) {
            tarn_thrift_skip(t, type);
            continue;
        }
        l->kind = id; /* unknown ids are kept: the leaf then reads by physical type */
        read_logical_member(t, l);
    }
    tarn_thrift_struct_end(t);
}

/* One SchemaElement of the flattened schema. */
static void read_schema_elem(tarn_thrift_in *t, pq_schema_elem *e)
{
    int type = 0, id = 0;
    e->num_children = -1;
    e->converted = -1;
    tarn_thrift_struct_begin(t);
    while (tarn_thrift_field(t, &type, &id) > 0) {
        switch (id) {
        case 1: if (want(t, type, TC_I32)) e->type = tarn_thrift_i32(t), e->has_type = true; break;
        case 2: if (want(t, type, TC_I32)) e->type_length = tarn_thrift_i32(t); break;
        case 3: if (want(t, type, TC_I32)) e->repetition = tarn_thrift_i32(t), e->has_repetition = true; break;
        case 4: if (want(t, type, TC_BINARY)) e->name = read_bytes(t); break;
        case 5: if (want(t, type, TC_I32)) e->num_children = tarn_thrift_i32(t); break;
        case 6: if (want(t, type, TC_I32)) e->converted = tarn_thrift_i32(t); break;
        case 7: if (want(t, type, TC_I32)) e->scale = tarn_thrift_i32(t); break;
        case 8: if (want(t, type, TC_I32)) e->precision = tarn_thrift_i32(t); break;
        case 10: if (want(t, type, TC_STRUCT)) read_logical(t, &e->logical); break;
        default: tarn_thrift_skip(t, type);
        }
    }
    tarn_thrift_struct_end(t);
}

/* ColumnMetaData.encodings as a bit set. */
static uint32_t read_encodings(tarn_thrift_in *t)
{
    int elem;
    uint32_t mask = 0, n = tarn_thrift_list(t, &elem);
    for (uint32_t i = 0; i < n && !t->rc; i++) {
        if (elem != TC_I32) {
            tarn_thrift_skip(t, tarn_thrift_is_bool(elem) ? TC_BYTE : elem);
            continue;
        }
        int32_t e = tarn_thrift_i32(t);
        if (e >= 0 && e < 32)
            mask |= 1u << e;
    }
    return mask;
}

/* ColumnMetaData.path_in_schema. */
static void read_path(tarn_thrift_in *t, pq_arena *a, pq_column_meta *m)
{
    int elem;
    uint32_t n = tarn_thrift_list(t, &elem);
    if (t->rc)
        return;
    if (elem != TC_BINARY && n) {
        tarn_thrift_fail(t, "path_in_schema is not a list of strings");
        return;
    }
    m->path = pq_arena_alloc(a, sizeof(pq_bytes) * (n ? n : 1));
    for (uint32_t i = 0; i < n && !t->rc; i++)
        m->path[i] = read_bytes(t);
    m->npath = (int)n;
}

/* ColumnMetaData; absent offsets are -1. */
static void read_column_meta(tarn_thrift_in *t, pq_arena *a, pq_column_meta *m)
{
    int type = 0, id = 0;
    m->index_page_offset = m->dictionary_page_offset = -1;
    tarn_thrift_struct_begin(t);
    while (tarn_thrift_field(t, &type, &id) > 0) {
        switch (id) {
        case 1: if (want(t, type, TC_I32)) m->type = tarn_thrift_i32(t); break;
        case 2: if (want(t, type, TC_LIST)) m->encodings = read_encodings(t); break;
        case 3: if (want(t, type, TC_LIST)) read_path(t, a, m); break;
        case 4: if (want(t, type, TC_I32)) m->codec = tarn_thrift_i32(t); break;
        case 5: if (want(t, type, TC_I64)) m->num_values = tarn_thrift_i64(t); break;
        case 6: if (want(t, type, TC_I64)) m->total_uncompressed_size = tarn_thrift_i64(t); break;
        case 7: if (want(t, type, TC_I64)) m->total_compressed_size = tarn_thrift_i64(t); break;
        case 9: if (want(t, type, TC_I64)) m->data_page_offset = tarn_thrift_i64(t); break;
        case 10: if (want(t, type, TC_I64)) m->index_page_offset = tarn_thrift_i64(t); break;
        case 11: if (want(t, type, TC_I64)) m->dictionary_page_offset = tarn_thrift_i64(t); break;
        case 12: if (want(t, type, TC_STRUCT)) read_statistics(t, &m->stats); break;
        default: tarn_thrift_skip(t, type);
        }
    }
    tarn_thrift_struct_end(t);
}

/* ColumnChunk; any encryption field marks it encrypted. */
static void read_column_chunk(tarn_thrift_in *t, pq_arena *a, pq_column_chunk *c)
{
    int type = 0, id = 0;
    tarn_thrift_struct_begin(t);
    while (tarn_thrift_field(t, &type, &id) > 0) {
        switch (id) {
        case 1: if (want(t, type, TC_BINARY)) c->file_path = read_bytes(t); break;
        case 2: if (want(t, type, TC_I64)) c->file_offset = tarn_thrift_i64(t); break;
        case 3: if (want(t, type, TC_STRUCT)) read_column_meta(t, a, &c->meta), c->has_meta = true; break;
        case 8: case 9: c->encrypted = true; tarn_thrift_skip(t, type); break;
        default: tarn_thrift_skip(t, type);
        }
    }
    tarn_thrift_struct_end(t);
}

/* Decode a list of structs of elem_size bytes each with fn. */
static void *read_struct_list(tarn_thrift_in *t, pq_arena *a, size_t elem_size, int *count,
                              void (*fn)(tarn_thrift_in *, pq_arena *, void *))
{
    int elem;
    uint32_t n = tarn_thrift_list(t, &elem);
    if (t->rc)
        return NULL;
    if (n && elem != TC_STRUCT) {
        tarn_thrift_fail(t, "expected a list of structs, found element type %d", elem);
        return NULL;
    }
    char *v = pq_arena_alloc(a, elem_size * (n ? n : 1));
    for (uint32_t i = 0; i < n && !t->rc; i++)
        fn(t, a, v + i * elem_size);
    *count = (int)n;
    return v;
}

/* Element decoders for read_struct_list. */
static void column_chunk_fn(tarn_thrift_in *t, pq_arena *a, void *p) { read_column_chunk(t, a, p); }
static void schema_elem_fn(tarn_thrift_in *t, pq_arena *a, void *p) { (void)a; read_schema_elem(t, p); }

/* RowGroup with its column chunks. */
static void read_row_group(tarn_thrift_in *t, pq_arena *a, pq_row_group *g)
{
    int type = 0, id = 0;
    tarn_thrift_struct_begin(t);
    while (tarn_thrift_field(t, &type, &id) > 0) {
        switch (id) {
        case 1:
            if (want(t, type, TC_LIST))
                g->columns = read_struct_list(t, a, sizeof(pq_column_chunk), &g->ncolumns,
                                              column_chunk_fn);
            break;
        case 2: if (want(t, type, TC_I64)) g->total_byte_size = tarn_thrift_i64(t); break;
        case 3: if (want(t, type, TC_I64)) g->num_rows = tarn_thrift_i64(t); break;
        case 5: if (want(t, type, TC_I64)) g->file_offset = tarn_thrift_i64(t); break;
        case 6: if (want(t, type, TC_I64)) g->total_compressed_size = tarn_thrift_i64(t); break;
        default: tarn_thrift_skip(t, type);
        }
    }
    tarn_thrift_struct_end(t);
}

static void row_group_fn(tarn_thrift_in *t, pq_arena *a, void *p) { read_row_group(t, a, p); }

/* KeyValue (file or column metadata). */
static void read_kv(tarn_thrift_in *t, pq_arena *a, void *p)
{
    pq_kv *kv = p;
    int type = 0, id = 0;
    (void)a;
    tarn_thrift_struct_begin(t);
    while (tarn_thrift_field(t, &type, &id) > 0) {
        if (id == 1 && want(t, type, TC_BINARY))
            kv->key = read_bytes(t);
        else if (id == 2 && want(t, type, TC_BINARY))
            kv->value = read_bytes(t), kv->has_value = true;
        else if (id != 1 && id != 2)
            tarn_thrift_skip(t, type);
    }
    tarn_thrift_struct_end(t);
}

int pq_decode_file_meta(const uint8_t *p, size_t n, pq_arena *a, pq_file_meta *fm,
                        tarn_error *err)
{
    tarn_thrift_in t;
    int type = 0, id = 0;
    memset(fm, 0, sizeof *fm);
    tarn_thrift_init(&t, p, n, "file footer", err);
    tarn_thrift_struct_begin(&t);
    while (tarn_thrift_field(&t, &type, &id) > 0) {
        switch (id) {
        case 1: if (want(&t, type, TC_I32)) fm->version = tarn_thrift_i32(&t); break;
        case 2:
            if (want(&t, type, TC_LIST))
                fm->schema = read_struct_list(&t, a, sizeof(pq_schema_elem), &fm->nschema,
                                              schema_elem_fn);
            break;
        case 3: if (want(&t, type, TC_I64)) fm->num_rows = tarn_thrift_i64(&t); break;
        case 4:
            if (want(&t, type, TC_LIST))
                fm->row_groups = read_struct_list(&t, a, sizeof(pq_row_group), &fm->nrow_groups,
                                                  row_group_fn);
            break;
        case 5:
            if (want(&t, type, TC_LIST))
                fm->kv = read_struct_list(&t, a, sizeof(pq_kv), &fm->nkv, read_kv);
            break;
        case 6: if (want(&t, type, TC_BINARY)) fm->created_by = read_bytes(&t); break;
        case 8: fm->encrypted = true; tarn_thrift_skip(&t, type); break;
        default: tarn_thrift_skip(&t, type);
        }
    }
    tarn_thrift_struct_end(&t);
    return t.rc;
}

/* DataPageHeader (v1) and DictionaryPageHeader share field ids 1 and 2. */
static void read_data_header(tarn_thrift_in *t, pq_page_header *h, int kind)
{
    int type = 0, id = 0;
    tarn_thrift_struct_begin(t);
    while (tarn_thrift_field(t, &type, &id) > 0) {
        if (id == 1 && want(t, type, TC_I32))
            h->num_values = tarn_thrift_i32(t);
        else if (id == 2 && want(t, type, TC_I32))
            h->encoding = tarn_thrift_i32(t);
        else if (kind == PQ_PAGE_DATA && id == 3 && want(t, type, TC_I32))
            h->def_encoding = tarn_thrift_i32(t);
        else if (kind == PQ_PAGE_DATA && id == 4 && want(t, type, TC_I32))
            h->rep_encoding = tarn_thrift_i32(t);
        else if (kind == PQ_PAGE_DATA && id == 5 && want(t, type, TC_STRUCT))
            read_statistics(t, &h->stats);
        else if (id < 1 || id > 5 || (kind != PQ_PAGE_DATA && id > 2))
            tarn_thrift_skip(t, type);
    }
    tarn_thrift_struct_end(t);
}

/* DataPageHeaderV2; is_compressed defaults to true. */
static void read_data_header_v2(tarn_thrift_in *t, pq_page_header *h)
{
    int type = 0, id = 0;
    tarn_thrift_struct_begin(t);
    while (tarn_thrift_field(t, &type, &id) > 0) {
        switch (id) {
        case 1: if (want(t, type, TC_I32)) h->num_values = tarn_thrift_i32(t); break;
        case 2: if (want(t, type, TC_I32)) h->num_nulls = tarn_thrift_i32(t); break;
        case 3: if (want(t, type, TC_I32)) h->num_rows = tarn_thrift_i32(t); break;
        case 4: if (want(t, type, TC_I32)) h->encoding = tarn_thrift_i32(t); break;
        case 5: if (want(t, type, TC_I32)) h->def_length = tarn_thrift_i32(t); break;
        case 6: if (want(t, type, TC_I32)) h->rep_length = tarn_thrift_i32(t); break;
        case 7: if (want(t, type, TC_TRUE)) h->is_compressed = tarn_thrift_field_bool(type); break;
        case 8: if (want(t, type, TC_STRUCT)) read_statistics(t, &h->stats); break;
        default: tarn_thrift_skip(t, type);
        }
    }
    tarn_thrift_struct_end(t);
}

int pq_decode_page_header(const uint8_t *p, size_t n, pq_page_header *h, size_t *used,
                          tarn_error *err)
{
    tarn_thrift_in t;
    int type = 0, id = 0;
    memset(h, 0, sizeof *h);
    h->type = -1;
    h->is_compressed = true;
    h->num_nulls = h->num_rows = -1;
    tarn_thrift_init(&t, p, n, "page header", err);
    tarn_thrift_struct_begin(&t);
    while (tarn_thrift_field(&t, &type, &id) > 0) {
        switch (id) {
        case 1: if (want(&t, type, TC_I32)) h->type = tarn_thrift_i32(&t); break;
        case 2: if (want(&t, type, TC_I32)) h->uncompressed_size = tarn_thrift_i32(&t); break;
        case 3: if (want(&t, type, TC_I32)) h->compressed_size = tarn_thrift_i32(&t); break;
        case 4: if (want(&t, type, TC_I32)) h->crc = (uint32_t)tarn_thrift_i32(&t), h->has_crc = true; break;
        case 5: if (want(&t, type, TC_STRUCT)) read_data_header(&t, h, PQ_PAGE_DATA), h->has_data = true; break;
        case 7: if (want(&t, type, TC_STRUCT)) read_data_header(&t, h, PQ_PAGE_DICTIONARY), h->has_dict = true; break;
        case 8: if (want(&t, type, TC_STRUCT)) read_data_header_v2(&t, h), h->has_data_v2 = true; break;
        default: tarn_thrift_skip(&t, type);
        }
    }
    tarn_thrift_struct_end(&t);
    if (!t.rc && (h->uncompressed_size < 0 || h->compressed_size < 0))
        tarn_thrift_fail(&t, "negative page size");
    *used = tarn_thrift_offset(&t);
    return t.rc;
}

/* ---- opening a file ---- */

/* Map path read-only into f->map; files shorter than two magics and a length
** are refused. */
static int map_file(pq_file *f, const char *path, tarn_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tarn_error_errno(err, errno == ENOENT ? TARN_ERR_NOTFOUND : TARN_ERR_IO, errno,
                                "cannot open '%s'", path);
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        close(fd);
        return e ? tarn_error_errno(err, TARN_ERR_IO, e, "cannot stat '%s'", path)
                 : tarn_error_set(err, TARN_ERR_INVALID, "'%s' is not a regular file", path);
    }
    f->size = (size_t)st.st_size;
    if (f->size < 12) {
        close(fd);
        return tarn_error_set(err, TARN_ERR_CORRUPT,
                              "'%s' is not a Parquet file: only %zu bytes long", path, f->size);
    }
    void *m = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (m == MAP_FAILED)
        return tarn_error_errno(err, TARN_ERR_IO, e, "cannot map '%s'", path);
    f->map = m;
    return TARN_OK;
}

/* The error for any encrypted file (PARE magic or encryption fields). */
static int encrypted_error(const char *path, tarn_error *err)
{
    return tarn_error_set(err, TARN_ERR_UNSUPPORTED,
                          "'%s': encrypted Parquet files are not supported; decrypt it with "
                          "the tool that wrote it and read the plain copy", path);
}

/* Check the magic numbers and decode the footer. */
static int read_footer(pq_file *f, const char *path, tarn_error *err)
{
    const uint8_t *tail = f->map + f->size - 8;
    if (memcmp(tail + 4, PQ_MAGIC_ENCRYPTED, 4) == 0 || memcmp(f->map, PQ_MAGIC_ENCRYPTED, 4) == 0)
        return encrypted_error(path, err);
    if (memcmp(f->map, PQ_MAGIC, 4) != 0 || memcmp(tail + 4, PQ_MAGIC, 4) != 0)
        return tarn_error_set(err, TARN_ERR_CORRUPT,
                              "'%s' is not a Parquet file: no PAR1 magic at its %s", path,
                              memcmp(f->map, PQ_MAGIC, 4) ? "start" : "end (truncated?)");
    uint32_t len = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 |
                   (uint32_t)tail[3] << 24;
    if (len > f->size - 12 || len > PQ_MAX_FOOTER)
        return tarn_error_set(err, TARN_ERR_CORRUPT,
                              "'%s': corrupt Parquet footer: its length %u exceeds the file "
                              "(%zu bytes)", path, len, f->size);
    int rc = pq_decode_file_meta(tail - len, len, &f->arena, &f->fm, err);
    if (rc) {
        tarn_error_prefix(err, "'%s': ", path);
        return rc;
    }
    if (f->fm.encrypted)
        return encrypted_error(path, err);
    for (int g = 0; g < f->fm.nrow_groups; g++)
        for (int c = 0; c < f->fm.row_groups[g].ncolumns; c++)
            if (f->fm.row_groups[g].columns[c].encrypted)
                return encrypted_error(path, err);
    return TARN_OK;
}

int tarn_parquet_meta_open(tarn_pq_meta **out, const char *path, tarn_error *err)
{
    tarn_pq_meta *m = tarn_xcalloc(1, sizeof *m);
    pq_file *f = tarn_xcalloc(1, sizeof *f);
    m->impl = f;
    tarn_schema_init(&m->schema);
    int rc = map_file(f, path, err);
    if (!rc)
        rc = read_footer(f, path, err);
    if (!rc) {
        m->path = pq_arena_strndup(&f->arena, path, strlen(path));
        m->file_size = (int64_t)f->size;
        m->version = f->fm.version;
        m->created_by = pq_arena_strndup(&f->arena, f->fm.created_by.p, f->fm.created_by.n);
        rc = pq_schema_build(m, err);
        if (rc)
            tarn_error_prefix(err, "'%s': ", path);
    }
    if (rc) {
        tarn_parquet_meta_close(m);
        return rc;
    }
    *out = m;
    return TARN_OK;
}

void tarn_parquet_meta_close(tarn_pq_meta *m)
{
    if (!m)
        return;
    pq_file *f = m->impl;
    if (f) {
        if (f->map)
            munmap((void *)f->map, f->size);
        pq_arena_free(&f->arena);
        free(f);
    }
    tarn_schema_free(&m->schema);
    free(m);
}

/* ---- page headers for inspection ---- */

/* The public view of one page header. */
static void page_from_header(tarn_pq_page *pg, const pq_page_header *h, int64_t offset,
                             size_t hlen)
{
    memset(pg, 0, sizeof *pg);
    pg->type = h->type;
    pg->offset = offset;
    pg->header_size = (int32_t)hlen;
    pg->compressed_size = h->compressed_size;
    pg->uncompressed_size = h->uncompressed_size;
    pg->num_values = h->num_values;
    pg->num_nulls = h->has_data_v2 ? h->num_nulls : -1;
    pg->num_rows = h->has_data_v2 ? h->num_rows : -1;
    pg->encoding = h->encoding;
    pg->has_crc = h->has_crc;
}

int tarn_parquet_pages(tarn_pq_meta *m, int row_group, int leaf, tarn_pq_page **pages,
                       int *npages, tarn_error *err)
{
    pq_file *f = m->impl;
    *pages = NULL;
    *npages = 0;
    if (row_group < 0 || row_group >= m->nrow_groups || leaf < 0 || leaf >= m->nleaves)
        return tarn_error_set(err, TARN_ERR_INVALID, "'%s': no row group %d / column %d",
                              m->path, row_group, leaf);
    const tarn_pq_chunk *ch = &m->row_groups[row_group].chunks[leaf];
    int64_t pos = ch->dictionary_page_offset >= 0 ? ch->dictionary_page_offset
                                                  : ch->data_page_offset;
    int64_t end = pos + ch->compressed_size;
    if (pos < 4 || ch->compressed_size < 0 || end > (int64_t)f->size || end < pos)
        return tarn_error_set(err, TARN_ERR_CORRUPT, "'%s': column '%s' in row group %d lies "
                              "outside the file", m->path, m->leaves[leaf].path, row_group);
    int n = 0, cap = 0;
    tarn_pq_page *v = NULL;
    while (pos < end) {
        pq_page_header h;
        size_t used;
        int rc = pq_decode_page_header(f->map + pos, (size_t)(end - pos), &h, &used, err);
        if (!rc && (int64_t)used + h.compressed_size > end - pos)
            rc = tarn_error_set(err, TARN_ERR_CORRUPT, "page runs past the end of its column chunk");
        if (rc) {
            tarn_error_prefix(err, "'%s': column '%s', row group %d, page %d: ", m->path,
                              m->leaves[leaf].path, row_group, n);
            free(v);
            return rc;
        }
        if (n == cap)
            v = tarn_xrealloc(v, sizeof *v * (size_t)(cap = cap ? cap * 2 : 16));
        page_from_header(&v[n], &h, pos, used);
        if (h.stats.present)
            pq_stats_convert(f, &f->leaves[leaf], &h.stats, &v[n].stats);
        n++;
        pos += (int64_t)used + h.compressed_size;
    }
    *pages = v;
    *npages = n;
    return TARN_OK;
}

/* ---- names ---- */

const char *tarn_parquet_type_name(int physical)
{
    static const char *const names[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT",
                                        "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
    return physical >= 0 && physical < 8 ? names[physical] : "?";
}

const char *tarn_parquet_codec_name(int codec)
{
    static const char *const names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO",
                                        "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"};
    return codec >= 0 && codec < 8 ? names[codec] : "?";
}

const char *tarn_parquet_encoding_name(int encoding)
{
    static const char *const names[] = {
        "PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
        "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
        "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
    return encoding >= 0 && encoding < 10 ? names[encoding] : "?";
}
