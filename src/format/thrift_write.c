/*
** thrift_write.c: the Thrift compact protocol encoder (see thrift_write.h)
** that serializes Parquet page headers and the file footer.
**
** Why not a library: Debian packages no C Thrift runtime with the compact
** protocol that fits a plain C program (the c_glib one needs GLib and
** generated code), and Parquet needs only a handful of field kinds, so
** tarn encodes them here. The protocol: a field header is one byte
** (delta-to-previous-id << 4 | type) when the id grows by 1..15, else the
** type byte followed by the id as a zigzag varint; integers are zigzag
** varints; binary is a varint length and the bytes; a list header is one
** byte (count << 4 | element type) for fewer than 15 elements, else
** 0xF0 | type and a varint count; booleans live in the field header's type
** (1 true, 2 false); a struct ends with a 0 byte. The matching decoder is
** thrift_read.c.
*/
#include "format/thrift_write.h"

#include <string.h>

#include "format/parquet_defs.h"

void tarn_thriftw_init(tarn_thrift_writer *w, tarn_buf *out)
{
    w->out = out;
    w->depth = 0;
    w->rc = TARN_OK;
}

int tarn_thriftw_finish(const tarn_thrift_writer *w)
{
    if (w->rc != TARN_OK)
        return w->rc;
    return w->depth == 0 ? TARN_OK : TARN_ERR_INTERNAL;
}

/* Append n bytes unless an earlier call failed. */
static void put(tarn_thrift_writer *w, const void *p, size_t n)
{
    if (w->rc == TARN_OK)
        w->rc = tarn_buf_append(w->out, p, n);
}

static void put_byte(tarn_thrift_writer *w, uint8_t b)
{
    put(w, &b, 1);
}

static void put_uvarint(tarn_thrift_writer *w, uint64_t v)
{
    uint8_t tmp[10];
    put(w, tmp, tarn_uvarint_put(tmp, v));
}

/* Field header for field id of compact type ctype in the innermost struct. */
static void field_header(tarn_thrift_writer *w, int16_t id, int ctype)
{
    if (w->depth <= 0 || id <= 0) {
        if (w->rc == TARN_OK)
            w->rc = TARN_ERR_INTERNAL;
        return;
    }
    int delta = id - w->last[w->depth - 1];
    if (delta > 0 && delta <= 15) {
        put_byte(w, (uint8_t)(delta << 4 | ctype));
    } else {
        put_byte(w, (uint8_t)ctype);
        put_uvarint(w, tarn_zigzag64(id));
    }
    w->last[w->depth - 1] = id;
}

/* Enter a struct whose header (if any) has been written. */
static void push(tarn_thrift_writer *w)
{
    if (w->depth >= TARN_THRIFT_MAX_DEPTH) {
        if (w->rc == TARN_OK)
            w->rc = TARN_ERR_INTERNAL;
        return;
    }
    w->last[w->depth++] = 0;
}

void tarn_thriftw_struct_begin(tarn_thrift_writer *w)
{
    push(w);
}

void tarn_thriftw_struct_end(tarn_thrift_writer *w)
{
    if (w->depth <= 0) {
        if (w->rc == TARN_OK)
            w->rc = TARN_ERR_INTERNAL;
        return;
    }
    put_byte(w, TC_STOP);
    w->depth--;
}

void tarn_thriftw_field_bool(tarn_thrift_writer *w, int16_t id, bool v)
{
    field_header(w, id, v ? TC_TRUE : TC_FALSE);
}

void tarn_thriftw_field_i8(tarn_thrift_writer *w, int16_t id, int8_t v)
{
    field_header(w, id, TC_BYTE);
    put_byte(w, (uint8_t)v);
}

void tarn_thriftw_field_i16(tarn_thrift_writer *w, int16_t id, int16_t v)
{
    field_header(w, id, TC_I16);
    put_uvarint(w, tarn_zigzag64(v));
}

void tarn_thriftw_field_i32(tarn_thrift_writer *w, int16_t id, int32_t v)
{
    field_header(w, id, TC_I32);
    put_uvarint(w, tarn_zigzag64(v));
}

void tarn_thriftw_field_i64(tarn_thrift_writer *w, int16_t id, int64_t v)
{
    field_header(w, id, TC_I64);
    put_uvarint(w, tarn_zigzag64(v));
}

void tarn_thriftw_field_binary(tarn_thrift_writer *w, int16_t id, const void *p, size_t n)
{
    field_header(w, id, TC_BINARY);
    tarn_thriftw_binary(w, p, n);
}

void tarn_thriftw_field_string(tarn_thrift_writer *w, int16_t id, const char *s)
{
    tarn_thriftw_field_binary(w, id, s, strlen(s));
}

void tarn_thriftw_field_struct(tarn_thrift_writer *w, int16_t id)
{
    field_header(w, id, TC_STRUCT);
    push(w);
}

void tarn_thriftw_field_empty(tarn_thrift_writer *w, int16_t id)
{
    tarn_thriftw_field_struct(w, id);
    tarn_thriftw_struct_end(w);
}

void tarn_thriftw_field_list(tarn_thrift_writer *w, int16_t id, int elem_type, uint32_t n)
{
    field_header(w, id, TC_LIST);
    if (n < 15) {
        put_byte(w, (uint8_t)(n << 4 | (uint32_t)elem_type));
    } else {
        put_byte(w, (uint8_t)(0xF0 | elem_type));
        put_uvarint(w, n);
    }
}

void tarn_thriftw_i32(tarn_thrift_writer *w, int32_t v)
{
    put_uvarint(w, tarn_zigzag64(v));
}

void tarn_thriftw_i64(tarn_thrift_writer *w, int64_t v)
{
    put_uvarint(w, tarn_zigzag64(v));
}

void tarn_thriftw_binary(tarn_thrift_writer *w, const void *p, size_t n)
{
    put_uvarint(w, n);
    put(w, p, n);
}

void tarn_thriftw_raw(tarn_thrift_writer *w, const void *p, size_t n)
{
    put(w, p, n);
}
