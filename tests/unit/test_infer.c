/*
** test_infer.c: type inference from text and text conversion
** (src/format/infer.c): what each text fits, widening, merging chunks,
** exact double parsing, dates, timestamps and batch conversion.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/infer.h"

#define NUM (TARN_CAND_INT | TARN_CAND_BIGINT | TARN_CAND_DOUBLE)

static uint32_t cls(const char *s) { return tarn_infer_classify(s, strlen(s)); }

static void test_classify_numbers(void **state)
{
    (void)state;
    assert_int_equal(cls("0"), NUM);
    assert_int_equal(cls("1"), NUM);
    assert_int_equal(cls("-0"), NUM);
    assert_int_equal(cls("-17"), NUM);
    assert_int_equal(cls("2147483647"), NUM);
    assert_int_equal(cls("2147483648"), TARN_CAND_BIGINT | TARN_CAND_DOUBLE);
    assert_int_equal(cls("-2147483648"), NUM);
    assert_int_equal(cls("-2147483649"), TARN_CAND_BIGINT | TARN_CAND_DOUBLE);
    assert_int_equal(cls("9223372036854775807"), TARN_CAND_BIGINT | TARN_CAND_DOUBLE);
    assert_int_equal(cls("-9223372036854775808"), TARN_CAND_BIGINT | TARN_CAND_DOUBLE);
    assert_int_equal(cls("9223372036854775808"), TARN_CAND_DOUBLE);
    assert_int_equal(cls("123456789012345678901234567890"), TARN_CAND_DOUBLE);
    assert_int_equal(cls("1.5"), TARN_CAND_DOUBLE);
    assert_int_equal(cls("-.5"), TARN_CAND_DOUBLE);
    assert_int_equal(cls("5."), TARN_CAND_DOUBLE);
    assert_int_equal(cls("1e5"), TARN_CAND_DOUBLE);
    assert_int_equal(cls("1.5E-3"), TARN_CAND_DOUBLE);
    assert_int_equal(cls(" 42 "), NUM);
    /* thousands separators in threes */
    assert_int_equal(cls("1,234"), NUM);
    assert_int_equal(cls("12,345,678,901"), TARN_CAND_BIGINT | TARN_CAND_DOUBLE);
    assert_int_equal(cls("43,774.58"), TARN_CAND_DOUBLE);
    assert_int_equal(cls("-1,000"), NUM);
    /* not numbers */
    assert_int_equal(cls("007"), 0);
    assert_int_equal(cls("08123"), 0);
    assert_int_equal(cls("00.5"), 0);
    assert_int_equal(cls("+5"), 0);
    assert_int_equal(cls("1,23"), 0);
    assert_int_equal(cls("1234,567"), 0);
    assert_int_equal(cls("1,2345"), 0);
    assert_int_equal(cls(","), 0);
    assert_int_equal(cls("."), 0);
    assert_int_equal(cls("-"), 0);
    assert_int_equal(cls("1e"), 0);
    assert_int_equal(cls("1e999"), 0);
    assert_int_equal(cls("nan"), 0);
    assert_int_equal(cls("inf"), 0);
    assert_int_equal(cls("0x10"), 0);
    assert_int_equal(cls("12abc"), 0);
    assert_int_equal(cls("   "), 0);
    assert_int_equal(cls(""), TARN_CAND_ALL);
}

static void test_classify_other(void **state)
{
    (void)state;
    assert_int_equal(cls("true"), TARN_CAND_BOOL);
    assert_int_equal(cls("FALSE"), TARN_CAND_BOOL);
    assert_int_equal(cls("True"), TARN_CAND_BOOL);
    assert_int_equal(cls("t"), 0);
    assert_int_equal(cls("yes"), 0);
    assert_int_equal(cls("2020-01-03"), TARN_CAND_DATE | TARN_CAND_TIMESTAMP);
    assert_int_equal(cls("2020-1-3"), TARN_CAND_DATE | TARN_CAND_TIMESTAMP);
    assert_int_equal(cls("2020-02-29"), TARN_CAND_DATE | TARN_CAND_TIMESTAMP);
    assert_int_equal(cls("2021-02-29"), 0);
    assert_int_equal(cls("2020-13-01"), 0);
    assert_int_equal(cls("2020-01-03T10:00:00"), TARN_CAND_TIMESTAMP);
    assert_int_equal(cls("2020-01-03 10:00"), TARN_CAND_TIMESTAMP);
    assert_int_equal(cls("2020-01-03 10:00:00.123456"), TARN_CAND_TIMESTAMP);
    assert_int_equal(cls("2020-01-03T10:00:00Z"), TARN_CAND_TIMESTAMP);
    assert_int_equal(cls("2020-01-03T10:00:00+02:00"), TARN_CAND_TIMESTAMP);
    assert_int_equal(cls("2020-01-03T10:00:00-0530"), TARN_CAND_TIMESTAMP);
    assert_int_equal(cls("2020-01-03T24:00:00"), 0);
    assert_int_equal(cls("2020-01-03T10:60"), 0);
    assert_int_equal(cls("2020-01-03X10:00"), 0);
    assert_int_equal(cls("13/01/2020"), TARN_CAND_DATE_DMY);
    assert_int_equal(cls("01/13/2020"), TARN_CAND_DATE_MDY);
    assert_int_equal(cls("03/01/2020"), TARN_CAND_DATE_DMY | TARN_CAND_DATE_MDY);
    assert_int_equal(cls("03.01.2020"), TARN_CAND_DATE_DMY | TARN_CAND_DATE_MDY);
    assert_int_equal(cls("3-1-2020"), TARN_CAND_DATE_DMY | TARN_CAND_DATE_MDY);
    assert_int_equal(cls("03/01.2020"), 0);
    assert_int_equal(cls("13/13/2020"), 0);
    assert_int_equal(cls("03/01/20"), 0);
    assert_int_equal(cls("hello"), 0);
}

static tarn_textfmt infer_all(const char *const *vals, size_t n)
{
    tarn_infer s;
    tarn_infer_init(&s);
    for (size_t i = 0; i < n; i++)
        if (vals[i][0])
            tarn_infer_add(&s, vals[i], strlen(vals[i]));
    return tarn_infer_result(&s);
}

#define INFER(...) infer_all((const char *const[]){__VA_ARGS__}, \
                             sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *))

static void test_infer_widening(void **state)
{
    (void)state;
    assert_int_equal(INFER("1", "2", "").type.id, TARN_TYPE_INT);
    assert_int_equal(INFER("1", "3000000000").type.id, TARN_TYPE_BIGINT);
    assert_int_equal(INFER("1", "3000000000", "1.5").type.id, TARN_TYPE_DOUBLE);
    assert_int_equal(INFER("1", "1.5", "x").type.id, TARN_TYPE_STRING);
    assert_int_equal(INFER("true", "False").type.id, TARN_TYPE_BOOLEAN);
    assert_int_equal(INFER("true", "1").type.id, TARN_TYPE_STRING);
    assert_int_equal(INFER("2020-01-03", "2020-01-04").type.id, TARN_TYPE_DATE);
    assert_int_equal(INFER("2020-01-03", "2020-01-04 10:00:00").type.id, TARN_TYPE_TIMESTAMP);
    assert_int_equal(INFER("2020-01-03", "5").type.id, TARN_TYPE_STRING);
    assert_int_equal(INFER("", "").type.id, TARN_TYPE_STRING);
    /* day-first vs month-first decided by evidence; ambiguous is day-first */
    tarn_textfmt f = INFER("03/01/2020", "04/02/2020");
    assert_int_equal(f.type.id, TARN_TYPE_DATE);
    assert_int_equal(f.dates, TARN_DATE_DMY);
    f = INFER("03/01/2020", "01/13/2020");
    assert_int_equal(f.type.id, TARN_TYPE_DATE);
    assert_int_equal(f.dates, TARN_DATE_MDY);
    f = INFER("03.01.2020", "25.12.2020");
    assert_int_equal(f.dates, TARN_DATE_DMY);
    assert_int_equal(INFER("13/01/2020", "01/13/2020").type.id, TARN_TYPE_STRING);
}

/* Feeding a block with one misfit deep inside widens the column. */
static void test_feed_batch_widens_late(void **state)
{
    (void)state;
    enum { N = 100000 };
    char(*txt)[24] = malloc(sizeof(*txt) * N);
    tarn_text *v = calloc(N, sizeof *v);
    for (int i = 0; i < N; i++) {
        snprintf(txt[i], sizeof txt[i], "%d", i * 3 - 7);
        v[i].p = txt[i];
        v[i].len = (uint32_t)strlen(txt[i]);
    }
    tarn_infer s;
    tarn_infer_init(&s);
    tarn_infer_feed(&s, v, 1, N);
    assert_int_equal(tarn_infer_result(&s).type.id, TARN_TYPE_INT);
    v[50000].p = "2.5";
    v[50000].len = 3;
    tarn_infer_init(&s);
    tarn_infer_feed(&s, v, 1, N);
    assert_int_equal(tarn_infer_result(&s).type.id, TARN_TYPE_DOUBLE);
    v[70000].p = "n/a";
    v[70000].len = 3;
    tarn_infer_init(&s);
    tarn_infer_feed(&s, v, 1, N);
    assert_int_equal(tarn_infer_result(&s).type.id, TARN_TYPE_STRING);
    /* chunks merged in any split give the same answer */
    for (int cut = 1; cut < N; cut += 9973) {
        tarn_infer a, b;
        tarn_infer_init(&a);
        tarn_infer_init(&b);
        tarn_infer_feed(&a, v, 1, (size_t)cut);
        tarn_infer_feed(&b, v + cut, 1, (size_t)(N - cut));
        tarn_infer_merge(&b, &a);
        assert_int_equal(tarn_infer_result(&b).type.id, TARN_TYPE_STRING);
    }
    /* a strided feed skips empty values (NULL) */
    tarn_text pairs[4] = {{"5", 1, 0}, {"x", 1, 0}, {"", 0, 0}, {"y", 1, 0}};
    tarn_infer_init(&s);
    tarn_infer_feed(&s, pairs, 2, 2);
    assert_int_equal(tarn_infer_result(&s).type.id, TARN_TYPE_INT);
    free(v);
    free(txt);
}

static void test_parse_double_exact(void **state)
{
    (void)state;
    double d;
    assert_true(tarn_parse_double("43,774.58", 9, &d));
    assert_true(d == 43774.58);
    assert_true(tarn_parse_double("0.1", 3, &d) && d == 0.1);
    assert_true(tarn_parse_double("-0.0", 4, &d) && d == 0.0 && signbit(d));
    assert_true(tarn_parse_double("1.7976931348623157e308", 22, &d) && d == 1.7976931348623157e308);
    assert_true(tarn_parse_double("4.9e-324", 8, &d) && d > 0);
    assert_false(tarn_parse_double("1e309", 5, &d));
    srand(7);
    for (int i = 0; i < 200000; i++) {
        char buf[64];
        double x = (double)rand() / RAND_MAX * pow(10, rand() % 40 - 20);
        int prec = 1 + rand() % 17;
        snprintf(buf, sizeof buf, i % 2 ? "%.*f" : "%.*g", prec, x);
        double want = strtod(buf, NULL);
        assert_true(tarn_parse_double(buf, strlen(buf), &d));
        if (d != want)
            fail_msg("'%s': got %.17g, want %.17g", buf, d, want);
    }
}

static void test_parse_integers(void **state)
{
    (void)state;
    int64_t v;
    assert_true(tarn_parse_i64("9223372036854775807", 19, &v) && v == INT64_MAX);
    assert_true(tarn_parse_i64("-9223372036854775808", 20, &v) && v == INT64_MIN);
    assert_false(tarn_parse_i64("9223372036854775808", 19, &v));
    assert_false(tarn_parse_i64("99999999999999999999", 20, &v));
    assert_true(tarn_parse_i64("1,234,567", 9, &v) && v == 1234567);
    assert_true(tarn_parse_i64(" -12 ", 5, &v) && v == -12);
    assert_false(tarn_parse_i64("12 3", 4, &v));
    assert_false(tarn_parse_i64("", 0, &v));
}

static void test_dates_and_timestamps(void **state)
{
    (void)state;
    int32_t d;
    assert_true(tarn_parse_date("1970-01-01", 10, TARN_DATE_ISO, &d) && d == 0);
    assert_true(tarn_parse_date("2020-01-03", 10, TARN_DATE_ISO, &d));
    assert_int_equal(d, tarn_days_from_civil(2020, 1, 3));
    assert_true(tarn_parse_date("03/01/2020", 10, TARN_DATE_DMY, &d));
    assert_int_equal(d, tarn_days_from_civil(2020, 1, 3));
    assert_true(tarn_parse_date("03/01/2020", 10, TARN_DATE_MDY, &d));
    assert_int_equal(d, tarn_days_from_civil(2020, 3, 1));
    assert_false(tarn_parse_date("31/04/2020", 10, TARN_DATE_DMY, &d));
    int64_t us, base = (int64_t)tarn_days_from_civil(2020, 1, 3) * 86400000000LL;
    assert_true(tarn_parse_timestamp("2020-01-03", 10, &us) && us == base);
    assert_true(tarn_parse_timestamp("2020-01-03T10:00:00", 19, &us));
    assert_true(us == base + 36000000000LL);
    assert_true(tarn_parse_timestamp("2020-01-03 10:00:00Z", 20, &us));
    assert_true(us == base + 36000000000LL);
    const char *z = "2020-01-03 10:00:00.5+02:00";
    assert_true(tarn_parse_timestamp(z, strlen(z), &us));
    assert_true(us == base + 28800000000LL + 500000);
    z = "2020-01-03T01:30:00.1234567-05:30";
    assert_true(tarn_parse_timestamp(z, strlen(z), &us));
    assert_true(us == base + 7LL * 3600000000LL + 123456);
    z = "2020-01-01T00:00:00+01";
    assert_true(tarn_parse_timestamp(z, strlen(z), &us));
    assert_true(us == (int64_t)tarn_days_from_civil(2019, 12, 31) * 86400000000LL + 23LL * 3600000000LL);
}

static void test_decimal(void **state)
{
    (void)state;
    __int128 v;
    assert_true(tarn_parse_decimal("12.345", 6, 10, 2, &v) && v == 1235);
    assert_true(tarn_parse_decimal("-12.344", 7, 10, 2, &v) && v == -1234);
    assert_true(tarn_parse_decimal("43,774.58", 9, 10, 2, &v) && v == 4377458);
    assert_true(tarn_parse_decimal("7", 1, 5, 3, &v) && v == 7000);
    assert_false(tarn_parse_decimal("123.4", 5, 3, 1, &v));
    assert_false(tarn_parse_decimal("1.2.3", 5, 10, 2, &v));
    assert_false(tarn_parse_decimal("", 0, 10, 2, &v));
}

/* Batch conversion: typed values, NULLs, misfits counted as NULL. */
static void test_append_batch(void **state)
{
    (void)state;
    tarn_text v[5] = {{"12", 2, 0}, {"", 0, 0}, {"x", 1, 0}, {"-4", 2, 0}, {"", 0, TARN_TEXT_QUOTED}};
    tarn_column c;
    tarn_type t = {TARN_TYPE_INT, 0, 0};
    tarn_textfmt f = tarn_textfmt_of(t);
    tarn_column_init(&c, t, 2);
    assert_int_equal(tarn_text_append_batch(&c, &f, v, 1, 5), 1);
    assert_int_equal(c.length, 5);
    assert_int_equal(c.null_count, 3);
    assert_int_equal(((int32_t *)c.values)[0], 12);
    assert_int_equal(((int32_t *)c.values)[3], -4);
    assert_false(tarn_column_is_valid(&c, 4));
    tarn_column_free(&c);

    t.id = TARN_TYPE_STRING;
    f = tarn_textfmt_of(t);
    tarn_column_init(&c, t, 2);
    tarn_text_append_batch(&c, &f, v, 1, 5);
    size_t n;
    assert_false(tarn_column_is_valid(&c, 1));
    assert_true(tarn_column_is_valid(&c, 4));
    assert_int_equal(tarn_column_str(&c, 4, &n) - c.data, 5);
    assert_int_equal(n, 0);
    assert_memory_equal(tarn_column_str(&c, 3, &n), "-4", 2);
    tarn_column_free(&c);

    t.id = TARN_TYPE_DATE;
    f = tarn_textfmt_of(t);
    f.dates = TARN_DATE_MDY;
    tarn_column_init(&c, t, 2);
    assert_true(tarn_text_append(&c, &f, "12/31/1999", 10, false));
    assert_false(tarn_text_append(&c, &f, "31/12/1999", 10, false));
    char buf[32];
    tarn_value_format(&c, 0, buf, sizeof buf);
    assert_string_equal(buf, "1999-12-31");
    tarn_column_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify_numbers),
        cmocka_unit_test(test_classify_other),
        cmocka_unit_test(test_infer_widening),
        cmocka_unit_test(test_feed_batch_widens_late),
        cmocka_unit_test(test_parse_double_exact),
        cmocka_unit_test(test_parse_integers),
        cmocka_unit_test(test_dates_and_timestamps),
        cmocka_unit_test(test_decimal),
        cmocka_unit_test(test_append_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
