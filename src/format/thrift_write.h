/*
** thrift_write.h: an encoder for the Thrift compact protocol, the encoding
** of Parquet's page headers and file footer. Module-private to format/.
**
** The writer appends to a tarn_buf. Structs nest: open one with
** tarn_thriftw_struct_begin() (top level or as a list element) or
** tarn_thriftw_field_struct() (as a field), write its fields in any order
** (ascending ids give the short one-byte headers), and close it with
** tarn_thriftw_struct_end(). Failures (the buffer's size limit, nesting too
** deep or closed too often) are sticky: every call after the first failure
** does nothing, and tarn_thriftw_finish() reports it. The caller writes as
** many list elements as the list header announced; that is not checked.
**
**     tarn_thrift_writer w; tarn_thriftw_init(&w, &buf);
**     tarn_thriftw_struct_begin(&w);
**     tarn_thriftw_field_i32(&w, 1, 42);
**     tarn_thriftw_field_list(&w, 2, TC_BINARY, 1);
**     tarn_thriftw_binary(&w, "x", 1);
**     tarn_thriftw_struct_end(&w);
**     if (tarn_thriftw_finish(&w) != TARN_OK) ...;
*/
#ifndef TARN_THRIFT_WRITE_H
#define TARN_THRIFT_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

#define TARN_THRIFT_MAX_DEPTH 16

typedef struct tarn_thrift_writer {
    tarn_buf *out;
    int depth;                           /* open structs */
    int16_t last[TARN_THRIFT_MAX_DEPTH]; /* last field id written per struct */
    int rc;                              /* first failure, TARN_OK if none */
} tarn_thrift_writer;

/* Start writing into out (appending to what it holds). */
void tarn_thriftw_init(tarn_thrift_writer *w, tarn_buf *out);
/* TARN_OK if every call succeeded and every struct was closed; else
** TARN_ERR_LIMIT (buffer limit) or TARN_ERR_INTERNAL (misuse). */
int tarn_thriftw_finish(const tarn_thrift_writer *w);

/* A struct that is not a field: the top-level message or a list element. */
void tarn_thriftw_struct_begin(tarn_thrift_writer *w);
/* Close the innermost struct (writes the STOP byte). */
void tarn_thriftw_struct_end(tarn_thrift_writer *w);

/* Fields of the innermost open struct. id must be positive. */
void tarn_thriftw_field_bool(tarn_thrift_writer *w, int16_t id, bool v);
void tarn_thriftw_field_i8(tarn_thrift_writer *w, int16_t id, int8_t v);
void tarn_thriftw_field_i16(tarn_thrift_writer *w, int16_t id, int16_t v);
void tarn_thriftw_field_i32(tarn_thrift_writer *w, int16_t id, int32_t v);
void tarn_thriftw_field_i64(tarn_thrift_writer *w, int16_t id, int64_t v);
void tarn_thriftw_field_binary(tarn_thrift_writer *w, int16_t id, const void *p, size_t n);
void tarn_thriftw_field_string(tarn_thrift_writer *w, int16_t id, const char *s);
/* Open a struct-valued field; close it with tarn_thriftw_struct_end(). */
void tarn_thriftw_field_struct(tarn_thrift_writer *w, int16_t id);
/* An empty struct as a field (the members of Parquet's unions). */
void tarn_thriftw_field_empty(tarn_thrift_writer *w, int16_t id);
/* A list field header: n elements of elem_type (TC_I32, TC_BINARY,
** TC_STRUCT, ...) follow, written with the element calls below. */
void tarn_thriftw_field_list(tarn_thrift_writer *w, int16_t id, int elem_type, uint32_t n);

/* List elements (no field header). Struct elements use struct_begin/end. */
void tarn_thriftw_i32(tarn_thrift_writer *w, int32_t v);
void tarn_thriftw_i64(tarn_thrift_writer *w, int64_t v);
void tarn_thriftw_binary(tarn_thrift_writer *w, const void *p, size_t n);

/* Append raw, already-encoded bytes (e.g. list elements serialized
** earlier into another buffer). */
void tarn_thriftw_raw(tarn_thrift_writer *w, const void *p, size_t n);

/* ULEB128 varint of v into dst (at least 10 bytes); returns bytes used. */
static inline size_t tarn_uvarint_put(uint8_t *dst, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        dst[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    dst[n++] = (uint8_t)v;
    return n;
}

/* Zigzag mapping of signed to unsigned (0,-1,1,-2 -> 0,1,2,3). */
static inline uint64_t tarn_zigzag64(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

#endif
