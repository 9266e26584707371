/*
** test_thrift_read.c: the Thrift compact protocol decoder
** (format/thrift_read.c): field headers with short and long ids, every
** scalar type, nested structs, lists, skipping unknown fields of every
** type, and its limits: truncation, lists longer than the input, nesting
** depth, overlong varints, out-of-range integers, and sticky errors.
** Inputs are hand-encoded byte strings following the compact protocol
** specification.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "format/parquet_defs.h"
#include "format/thrift_read.h"

/* Field header byte: id delta in the high nibble, type in the low one. */
#define FH(delta, type) (uint8_t)((delta) << 4 | (type))

static void test_scalars_and_short_ids(void **state)
{
    (void)state;
    /* {1: i32 -3, 2: i64 300, 3: true, 4: false, 5: binary "hi", 6: byte 7,
    ** 7: double 1.5, 8: i16 -2} */
    static const uint8_t in[] = {
        FH(1, TC_I32), 0x05,                 /* zigzag(-3) = 5 */
        FH(1, TC_I64), 0xd8, 0x04,           /* zigzag(300) = 600 */
        FH(1, TC_TRUE), FH(1, TC_FALSE),
        FH(1, TC_BINARY), 0x02, 'h', 'i',
        FH(1, TC_BYTE), 0x07,
        FH(1, TC_DOUBLE), 0, 0, 0, 0, 0, 0, 0xf8, 0x3f,
        FH(1, TC_I16), 0x03,
        TC_STOP};
    tarn_thrift_in t;
    tarn_error err = {0};
    tarn_thrift_init(&t, in, sizeof in, "test", &err);
    int type, id, seen = 0;
    assert_int_equal(tarn_thrift_struct_begin(&t), TARN_OK);
    while (tarn_thrift_field(&t, &type, &id) > 0) {
        seen++;
        assert_int_equal(id, seen);
        switch (id) {
        case 1: assert_int_equal(tarn_thrift_i32(&t), -3); break;
        case 2: assert_int_equal(tarn_thrift_i64(&t), 300); break;
        case 3: assert_true(tarn_thrift_is_bool(type) && tarn_thrift_field_bool(type)); break;
        case 4: assert_true(tarn_thrift_is_bool(type) && !tarn_thrift_field_bool(type)); break;
        case 5: {
            const uint8_t *p;
            assert_int_equal(tarn_thrift_binary(&t, &p), 2);
            assert_memory_equal(p, "hi", 2);
            break;
        }
        case 6: assert_int_equal(tarn_thrift_byte(&t), 7); break;
        case 7: assert_true(tarn_thrift_double(&t) == 1.5); break;
        case 8: assert_int_equal(tarn_thrift_i16(&t), -2); break;
        }
    }
    tarn_thrift_struct_end(&t);
    assert_int_equal(t.rc, TARN_OK);
    assert_int_equal(seen, 8);
    assert_int_equal(tarn_thrift_offset(&t), sizeof in);
}

static void test_long_field_ids_and_nesting(void **state)
{
    (void)state;
    /* {300: i32 1, 2: struct {1: i32 5}, 3: i32 9}: id 300 needs the long
    ** form; the nested struct's ids restart; after it, 3 is a delta from 2. */
    static const uint8_t in[] = {
        TC_I32, 0xd8, 0x04, 0x02,            /* long form: zigzag(300) */
        TC_STRUCT, 0x04,                     /* long form: id 2 */
        FH(1, TC_I32), 0x0a, TC_STOP,
        FH(1, TC_I32), 0x12,
        TC_STOP};
    tarn_thrift_in t;
    tarn_thrift_init(&t, in, sizeof in, "test", NULL);
    int type, id;
    tarn_thrift_struct_begin(&t);
    assert_int_equal(tarn_thrift_field(&t, &type, &id), 1);
    assert_int_equal(id, 300);
    assert_int_equal(tarn_thrift_i32(&t), 1);
    assert_int_equal(tarn_thrift_field(&t, &type, &id), 1);
    assert_int_equal(id, 2);
    assert_int_equal(type, TC_STRUCT);
    tarn_thrift_struct_begin(&t);
    assert_int_equal(tarn_thrift_field(&t, &type, &id), 1);
    assert_int_equal(id, 1);
    assert_int_equal(tarn_thrift_i32(&t), 5);
    assert_int_equal(tarn_thrift_field(&t, &type, &id), 0);
    tarn_thrift_struct_end(&t);
    assert_int_equal(tarn_thrift_field(&t, &type, &id), 1);
    assert_int_equal(id, 3);
    assert_int_equal(tarn_thrift_i32(&t), 9);
    assert_int_equal(tarn_thrift_field(&t, &type, &id), 0);
    assert_int_equal(t.rc, TARN_OK);
}

static void test_lists(void **state)
{
    (void)state;
    /* list<i32> [1, -1, 2] (short header), then a list of 20 bytes (long
    ** header: size nibble 15 and a varint). */
    uint8_t in[64] = {0x35, 0x02, 0x01, 0x04, 0xf3, 20};
    for (int i = 0; i < 20; i++)
        in[6 + i] = (uint8_t)i;
    tarn_thrift_in t;
    tarn_thrift_init(&t, in, 26, "test", NULL);
    int elem;
    assert_int_equal(tarn_thrift_list(&t, &elem), 3);
    assert_int_equal(elem, TC_I32);
    assert_int_equal(tarn_thrift_i32(&t), 1);
    assert_int_equal(tarn_thrift_i32(&t), -1);
    assert_int_equal(tarn_thrift_i32(&t), 2);
    assert_int_equal(tarn_thrift_list(&t, &elem), 20);
    assert_int_equal(elem, TC_BYTE);
    for (int i = 0; i < 20; i++)
        assert_int_equal(tarn_thrift_byte(&t), i);
    assert_int_equal(t.rc, TARN_OK);
}

static void test_skips_every_type(void **state)
{
    (void)state;
    /* Unknown fields of each type, then field 20 that the caller wants. */
    static const uint8_t in[] = {
        FH(1, TC_TRUE), FH(1, TC_BYTE), 0x55, FH(1, TC_I16), 0x80, 0x01,
        FH(1, TC_I32), 0x01, FH(1, TC_I64), 0xff, 0xff, 0x03,
        FH(1, TC_DOUBLE), 1, 2, 3, 4, 5, 6, 7, 8,
        FH(1, TC_BINARY), 0x03, 'a', 'b', 'c',
        FH(1, TC_LIST), 0x28, 0x01, 'x', 0x00,          /* list<binary> ["x", ""] */
        FH(1, TC_SET), 0x21, 0x01, 0x02,                /* set<bool> [true, false] */
        FH(1, TC_MAP), 0x02, 0x58, 0x02, 0x01, 'k', 0x04, 0x00, /* map<i32,binary> {1:"k", 2:""} */
        FH(1, TC_MAP), 0x00,                            /* empty map */
        FH(1, TC_STRUCT), FH(1, TC_STRUCT), FH(2, TC_LIST), 0x1c, TC_STOP, TC_STOP, TC_STOP,
        TC_I32, 0x28, 0x0e,                             /* long form id 20: i32 7 */
        TC_STOP};
    tarn_thrift_in t;
    tarn_thrift_init(&t, in, sizeof in, "test", NULL);
    int type, id, found = 0;
    tarn_thrift_struct_begin(&t);
    while (tarn_thrift_field(&t, &type, &id) > 0) {
        if (id == 20)
            found = tarn_thrift_i32(&t);
        else
            assert_int_equal(tarn_thrift_skip(&t, type), TARN_OK);
    }
    tarn_thrift_struct_end(&t);
    assert_int_equal(t.rc, TARN_OK);
    assert_int_equal(found, 7);
    assert_int_equal(tarn_thrift_offset(&t), sizeof in);
}

static void test_truncated_input_fails(void **state)
{
    (void)state;
    static const uint8_t in[] = {FH(1, TC_BINARY), 0x05, 'a', 'b'}; /* 5 bytes promised */
    tarn_thrift_in t;
    tarn_error err = {0};
    tarn_thrift_init(&t, in, sizeof in, "page header", &err);
    int type, id;
    tarn_thrift_struct_begin(&t);
    assert_int_equal(tarn_thrift_field(&t, &type, &id), 1);
    const uint8_t *p;
    assert_int_equal(tarn_thrift_binary(&t, &p), 0);
    assert_int_equal(t.rc, TARN_ERR_CORRUPT);
    assert_int_equal(err.code, TARN_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "page header"));
    /* sticky: later reads fail the same way and read nothing */
    assert_true(tarn_thrift_field(&t, &type, &id) < 0);
    assert_int_equal(tarn_thrift_i32(&t), 0);
    assert_int_equal(t.rc, TARN_ERR_CORRUPT);

    for (size_t n = 0; n < 4; n++) { /* every prefix of a struct fails cleanly */
        static const uint8_t full[] = {FH(1, TC_I64), 0xd8, 0x04, TC_STOP};
        tarn_thrift_init(&t, full, n, "x", NULL);
        tarn_thrift_struct_begin(&t);
        while (tarn_thrift_field(&t, &type, &id) > 0)
            tarn_thrift_skip(&t, type);
        assert_int_equal(t.rc, TARN_ERR_CORRUPT);
    }
}

static void test_list_longer_than_input_fails(void **state)
{
    (void)state;
    /* list header claiming 1,000,000 i32 elements with 3 bytes left */
    static const uint8_t in[] = {0xf5, 0xc0, 0x84, 0x3d, 0x01, 0x02, 0x03};
    tarn_thrift_in t;
    tarn_error err = {0};
    tarn_thrift_init(&t, in, sizeof in, "footer", &err);
    int elem;
    assert_int_equal(tarn_thrift_list(&t, &elem), 0);
    assert_int_equal(t.rc, TARN_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "1000000"));
    /* the same list skipped as an unknown field */
    static const uint8_t in2[] = {FH(1, TC_LIST), 0xf5, 0xc0, 0x84, 0x3d, 0x01, TC_STOP};
    tarn_thrift_init(&t, in2, sizeof in2, "footer", NULL);
    int type, id;
    tarn_thrift_struct_begin(&t);
    assert_int_equal(tarn_thrift_field(&t, &type, &id), 1);
    assert_int_equal(tarn_thrift_skip(&t, type), TARN_ERR_CORRUPT);
}

static void test_depth_limit(void **state)
{
    (void)state;
    /* 40 nested structs, each the first field of its parent */
    uint8_t in[128];
    size_t n = 0;
    for (int i = 0; i < 40; i++)
        in[n++] = FH(1, TC_STRUCT);
    for (int i = 0; i < 41; i++)
        in[n++] = TC_STOP;
    tarn_thrift_in t;
    tarn_error err = {0};
    tarn_thrift_init(&t, in, n, "footer", &err);
    int type, id;
    tarn_thrift_struct_begin(&t);
    assert_int_equal(tarn_thrift_field(&t, &type, &id), 1);
    assert_int_equal(tarn_thrift_skip(&t, type), TARN_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "nested"));

    /* nested lists are bounded the same way */
    n = 0;
    for (int i = 0; i < 40; i++)
        in[n++] = 0x19; /* list of one list */
    in[n++] = 0x00;
    tarn_thrift_init(&t, in, n, "footer", NULL);
    assert_int_equal(tarn_thrift_skip(&t, TC_LIST), TARN_ERR_CORRUPT);

    /* 20 levels are fine */
    n = 0;
    for (int i = 0; i < 20; i++)
        in[n++] = FH(1, TC_STRUCT);
    for (int i = 0; i < 21; i++)
        in[n++] = TC_STOP;
    tarn_thrift_init(&t, in, n, "footer", NULL);
    assert_int_equal(tarn_thrift_skip(&t, TC_STRUCT), TARN_OK);
    assert_int_equal(tarn_thrift_offset(&t), n);
}

static void test_bad_values(void **state)
{
    (void)state;
    tarn_thrift_in t;
    /* an 11-byte varint */
    static const uint8_t long_varint[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                          0x80, 0x80, 0x01};
    tarn_thrift_init(&t, long_varint, sizeof long_varint, "x", NULL);
    tarn_thrift_i64(&t);
    assert_int_equal(t.rc, TARN_ERR_CORRUPT);
    /* i32 field holding 2^40 */
    static const uint8_t big[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x40};
    tarn_thrift_init(&t, big, sizeof big, "x", NULL);
    assert_int_equal(tarn_thrift_i32(&t), 0);
    assert_int_equal(t.rc, TARN_ERR_CORRUPT);
    /* field type 13 does not exist */
    static const uint8_t badtype[] = {FH(1, 13), 0x00};
    tarn_thrift_init(&t, badtype, sizeof badtype, "x", NULL);
    int type, id;
    tarn_thrift_struct_begin(&t);
    assert_true(tarn_thrift_field(&t, &type, &id) < 0);
    assert_int_equal(t.rc, TARN_ERR_CORRUPT);
    /* a map claiming more entries than bytes */
    static const uint8_t map[] = {0x7f, 0x55, 0x01};
    tarn_thrift_init(&t, map, sizeof map, "x", NULL);
    assert_int_equal(tarn_thrift_skip(&t, TC_MAP), TARN_ERR_CORRUPT);
    /* a double cut short */
    static const uint8_t dbl[] = {1, 2, 3};
    tarn_thrift_init(&t, dbl, sizeof dbl, "x", NULL);
    assert_int_equal(tarn_thrift_skip(&t, TC_DOUBLE), TARN_ERR_CORRUPT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars_and_short_ids),
        cmocka_unit_test(test_long_field_ids_and_nesting),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_skips_every_type),
        cmocka_unit_test(test_truncated_input_fails),
        cmocka_unit_test(test_list_longer_than_input_fails),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_bad_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
