/*
** thrift_read.c: the Thrift compact protocol decoder behind Parquet's
** footer and page headers (see thrift_read.h). The Parquet structs built
** on top of it are in parquet_meta.c; the encoder is thrift_write.c.
**
** Why tarn has its own: no Debian package offers a C Parquet library or a
** C Thrift runtime that decodes the compact protocol without generated C++
** code, and Parquet needs only this small, fully bounded subset.
*/
#include "format/thrift_read.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "format/parquet_defs.h"

void tarn_thrift_init(tarn_thrift_in *t, const void *p, size_t n, const char *what,
                      tarn_error *err)
{
    memset(t, 0, sizeof *t);
    t->start = p;
    t->p = p;
    t->end = t->p + n;
    t->what = what ? what : "Thrift data";
    t->err = err;
}

size_t tarn_thrift_offset(const tarn_thrift_in *t) { return (size_t)(t->p - t->start); }

int tarn_thrift_fail(tarn_thrift_in *t, const char *fmt, ...)
{
    if (t->rc)
        return t->rc;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    t->rc = TARN_ERR_CORRUPT;
    tarn_error_set(t->err, TARN_ERR_CORRUPT, "corrupt %s at byte %zu: %s", t->what,
                   tarn_thrift_offset(t), msg);
    t->p = t->end; /* nothing more is read */
    return t->rc;
}

/* Unsigned LEB128 varint of at most 10 bytes. */
static uint64_t read_varint(tarn_thrift_in *t)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (t->p >= t->end) {
            tarn_thrift_fail(t, "truncated (varint runs past the end)");
            return 0;
        }
        uint8_t b = *t->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    tarn_thrift_fail(t, "varint longer than 10 bytes");
    return 0;
}

static int64_t unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

int8_t tarn_thrift_byte(tarn_thrift_in *t)
{
    if (t->p >= t->end) {
        tarn_thrift_fail(t, "truncated (byte expected)");
        return 0;
    }
    return (int8_t)*t->p++;
}

bool tarn_thrift_bool_elem(tarn_thrift_in *t) { return tarn_thrift_byte(t) == TC_TRUE; }

int16_t tarn_thrift_i16(tarn_thrift_in *t)
{
    int64_t v = unzigzag(read_varint(t));
    if (v < INT16_MIN || v > INT16_MAX) {
        tarn_thrift_fail(t, "i16 value %lld out of range", (long long)v);
        return 0;
    }
    return (int16_t)v;
}

int32_t tarn_thrift_i32(tarn_thrift_in *t)
{
    int64_t v = unzigzag(read_varint(t));
    if (v < INT32_MIN || v > INT32_MAX) {
        tarn_thrift_fail(t, "i32 value %lld out of range", (long long)v);
        return 0;
    }
    return (int32_t)v;
}

int64_t tarn_thrift_i64(tarn_thrift_in *t) { return unzigzag(read_varint(t)); }

double tarn_thrift_double(tarn_thrift_in *t)
{
    double d = 0;
    if (t->end - t->p < 8) {
        tarn_thrift_fail(t, "truncated (double expected)");
        return 0;
    }
    memcpy(&d, t->p, 8); /* compact protocol doubles are little-endian */
    t->p += 8;
    return d;
}

uint32_t tarn_thrift_binary(tarn_thrift_in *t, const uint8_t **p)
{
    *p = t->p;
    uint64_t n = read_varint(t);
    if (t->rc)
        return 0;
    if (n > (uint64_t)(t->end - t->p)) {
        tarn_thrift_fail(t, "string of %llu bytes runs past the end (%zu left)",
                         (unsigned long long)n, (size_t)(t->end - t->p));
        return 0;
    }
    *p = t->p;
    t->p += n;
    return (uint32_t)n;
}

uint32_t tarn_thrift_list(tarn_thrift_in *t, int *elem)
{
    uint8_t h = (uint8_t)tarn_thrift_byte(t);
    uint64_t n = h >> 4;
    *elem = h & 0x0f;
    if (n == 15)
        n = read_varint(t);
    if (t->rc)
        return 0;
    if (n > (uint64_t)(t->end - t->p)) {
        tarn_thrift_fail(t, "list of %llu elements cannot fit in the %zu bytes left",
                         (unsigned long long)n, (size_t)(t->end - t->p));
        return 0;
    }
    return (uint32_t)n;
}

int tarn_thrift_struct_begin(tarn_thrift_in *t)
{
    if (t->rc)
        return t->rc;
    if (t->depth >= TARN_THRIFT_MAX_DEPTH)
        return tarn_thrift_fail(t, "structs nested deeper than %d levels", TARN_THRIFT_MAX_DEPTH);
    t->depth++;
    t->last_id[t->depth] = 0;
    return TARN_OK;
}

void tarn_thrift_struct_end(tarn_thrift_in *t)
{
    if (t->depth > 0)
        t->depth--;
}

int tarn_thrift_field(tarn_thrift_in *t, int *type, int *id)
{
    if (t->rc)
        return -t->rc;
    uint8_t h = (uint8_t)tarn_thrift_byte(t);
    if (t->rc)
        return -t->rc;
    if (h == TC_STOP)
        return 0;
    *type = h & 0x0f;
    int delta = h >> 4;
    int fid = delta ? t->last_id[t->depth] + delta : tarn_thrift_i16(t);
    if (t->rc)
        return -t->rc;
    if (*type > TC_STRUCT)
        return -tarn_thrift_fail(t, "unknown field type %d", *type);
    t->last_id[t->depth] = (int16_t)fid;
    *id = fid;
    return 1;
}

/* Skip a whole struct, fields of any type included. */
static int skip_struct(tarn_thrift_in *t)
{
    int type = 0, id = 0;
    if (tarn_thrift_struct_begin(t))
        return t->rc;
    while (tarn_thrift_field(t, &type, &id) > 0)
        if (!tarn_thrift_is_bool(type))
            tarn_thrift_skip(t, type);
    tarn_thrift_struct_end(t);
    return t->rc;
}

/* Skip the elements of a list, set or map whose element types are given. */
static int skip_elements(tarn_thrift_in *t, uint64_t n, int ktype, int vtype)
{
    if (t->depth >= TARN_THRIFT_MAX_DEPTH)
        return tarn_thrift_fail(t, "containers nested deeper than %d levels", TARN_THRIFT_MAX_DEPTH);
    t->depth++;
    t->last_id[t->depth] = 0;
    for (uint64_t i = 0; i < n && !t->rc; i++) {
        tarn_thrift_skip(t, tarn_thrift_is_bool(ktype) ? TC_BYTE : ktype);
        if (vtype >= 0)
            tarn_thrift_skip(t, tarn_thrift_is_bool(vtype) ? TC_BYTE : vtype);
    }
    t->depth--;
    return t->rc;
}

/* Skip a map: a varint count, then (if not empty) a byte of key and value
** types. */
static int skip_map(tarn_thrift_in *t)
{
    uint64_t n = read_varint(t);
    if (t->rc || n == 0)
        return t->rc;
    uint8_t kv = (uint8_t)tarn_thrift_byte(t);
    if (n > (uint64_t)(t->end - t->p) / 2)
        return tarn_thrift_fail(t, "map of %llu entries cannot fit in the bytes left",
                                (unsigned long long)n);
    return skip_elements(t, n, kv >> 4, kv & 0x0f);
}

int tarn_thrift_skip(tarn_thrift_in *t, int type)
{
    const uint8_t *p;
    int elem;
    if (t->rc)
        return t->rc;
    switch (type) {
    case TC_TRUE: case TC_FALSE: return TARN_OK; /* value lives in the field header */
    case TC_BYTE: tarn_thrift_byte(t); break;
    case TC_I16: case TC_I32: case TC_I64: read_varint(t); break;
    case TC_DOUBLE: tarn_thrift_double(t); break;
    case TC_BINARY: tarn_thrift_binary(t, &p); break;
    case TC_LIST: case TC_SET: {
        uint32_t n = tarn_thrift_list(t, &elem);
        if (!t->rc && n)
            skip_elements(t, n, elem, -1);
        break;
    }
    case TC_MAP: skip_map(t); break;
    case TC_STRUCT: skip_struct(t); break;
    default: return tarn_thrift_fail(t, "cannot skip a value of unknown type %d", type);
    }
    return t->rc;
}
