/*
** thrift_read.h: a decoder for the Thrift compact protocol, the encoding of
** Parquet's footer and page headers. Module-private to format/.
**
** The decoder never trusts its input: it reads only inside [p, end), bounds
** struct nesting to TARN_THRIFT_MAX_DEPTH, checks every list length against
** the bytes that remain (each element takes at least one byte), and can
** skip a field of any type it does not know. Errors are sticky: after the
** first failure every call returns the same status and reads nothing, so a
** struct decoder may check t->rc once per field instead of after each read.
**
** Typical struct loop:
**
**     int type, id;
**     tarn_thrift_struct_begin(t);
**     while (tarn_thrift_field(t, &type, &id) > 0) {
**         if (id == 1 && type == TC_I32) x = tarn_thrift_i32(t);
**         else tarn_thrift_skip(t, type);
**     }
**     tarn_thrift_struct_end(t);
**     if (t->rc) ...t->err holds the message...
*/
#ifndef TARN_THRIFT_READ_H
#define TARN_THRIFT_READ_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core.h"

#define TARN_THRIFT_MAX_DEPTH 32

typedef struct tarn_thrift_in {
    const uint8_t *start;   /* for offsets in messages */
    const uint8_t *p;       /* next byte */
    const uint8_t *end;     /* one past the last readable byte */
    int depth;              /* structs entered and not left */
    int16_t last_id[TARN_THRIFT_MAX_DEPTH + 1]; /* field-id delta base per level */
    int rc;                 /* first failure (TARN_ERR_CORRUPT...), sticky */
    const char *what;       /* what is being decoded, for messages ("footer") */
    tarn_error *err;        /* filled on the first failure (may be NULL) */
} tarn_thrift_in;

/* Start decoding n bytes at p; what names them in error messages. */
void tarn_thrift_init(tarn_thrift_in *t, const void *p, size_t n, const char *what,
                      tarn_error *err);
/* Bytes consumed so far. */
size_t tarn_thrift_offset(const tarn_thrift_in *t);

/* Enter / leave a struct (nesting past TARN_THRIFT_MAX_DEPTH fails). */
int tarn_thrift_struct_begin(tarn_thrift_in *t);
void tarn_thrift_struct_end(tarn_thrift_in *t);
/* Next field header of the current struct: returns 1 with *type and *id
** filled, 0 at the struct's STOP byte, or a negative status on error. For a
** boolean field *type is TC_TRUE or TC_FALSE and the value is in the type
** (read it with tarn_thrift_field_bool). */
int tarn_thrift_field(tarn_thrift_in *t, int *type, int *id);
/* True when a field's type is one of the boolean codes. */
static inline bool tarn_thrift_is_bool(int type) { return type == 1 || type == 2; }
static inline bool tarn_thrift_field_bool(int type) { return type == 1; }

/* Scalars. On error they return 0 and set t->rc. */
int8_t tarn_thrift_byte(tarn_thrift_in *t);
int16_t tarn_thrift_i16(tarn_thrift_in *t);
int32_t tarn_thrift_i32(tarn_thrift_in *t);
int64_t tarn_thrift_i64(tarn_thrift_in *t);
double tarn_thrift_double(tarn_thrift_in *t);
/* A list element of boolean type (one byte). */
bool tarn_thrift_bool_elem(tarn_thrift_in *t);
/* Binary / string: points *p into the input (not copied, not NUL-terminated)
** and returns its length; the length is checked against the input. */
uint32_t tarn_thrift_binary(tarn_thrift_in *t, const uint8_t **p);
/* List or set header: element type into *elem, count returned (checked to be
** at most the bytes remaining). Returns 0 with t->rc set on error. */
uint32_t tarn_thrift_list(tarn_thrift_in *t, int *elem);

/* Skip one value of the given type (recursing into structs, lists, sets and
** maps within the depth limit). */
int tarn_thrift_skip(tarn_thrift_in *t, int type);

/* Fail with TARN_ERR_CORRUPT and a message naming t->what and the offset
** (used by struct decoders for semantic errors too). Returns t->rc. */
int tarn_thrift_fail(tarn_thrift_in *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
