/*
** test_text_writer.c: CSV and JSON-lines output (format/text_writer.c):
** RFC 4180 quoting, NULL versus empty string, value text for every type
** (checked against tarn_value_format and, for JSON, by parsing the output
** back with jansson), escaping, invalid UTF-8, long values and write
** errors.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/format.h"

/* Write b with a writer of kind k into a temp file; returns its bytes
** (caller frees) and their length in *n. */
static char *write_all(tarn_format_kind k, const tarn_schema *s, const tarn_batch *b,
                       bool header, size_t *n)
{
    char path[] = "/tmp/tarn_test_tw_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    tarn_text_writer *w;
    tarn_error err = {0};
    assert_int_equal(tarn_text_writer_open(&w, fd, k, s, header, &err), TARN_OK);
    assert_int_equal(tarn_text_writer_write(w, b, &err), TARN_OK);
    assert_int_equal(tarn_text_writer_close(w, &err), TARN_OK);
    off_t size = lseek(fd, 0, SEEK_END);
    char *buf = malloc((size_t)size + 1);
    assert_int_equal(pread(fd, buf, (size_t)size, 0), size);
    buf[size] = '\0';
    close(fd);
    *n = (size_t)size;
    return buf;
}

static void str_schema(tarn_schema *s, int ncols)
{
    static const char *names[] = {"a", "b,c", "d\"e", " f"};
    tarn_schema_init(s);
    for (int i = 0; i < ncols; i++)
        tarn_schema_add(s, names[i], (tarn_type){.id = TARN_TYPE_STRING});
}

static void add_str(tarn_column *c, const char *s)
{
    if (s)
        tarn_column_append_str(c, s, strlen(s));
    else
        tarn_column_append_null(c);
}

static void test_csv_quoting_rfc4180(void **state)
{
    tarn_schema s;
    str_schema(&s, 4);
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    const char *rows[][4] = {
        {"plain", "Côte d’Ivoire, Republic of", "say \"hi\"", "line1\nline2"},
        {NULL, "", " lead", "trail "},
        {"cr\rhere", "x", "\"", "Curaçao"},
    };
    for (int r = 0; r < 3; r++)
        for (int j = 0; j < 4; j++)
            add_str(&b.cols[j], rows[r][j]);
    b.nrows = 3;
    size_t n;
    char *out = write_all(TARN_FORMAT_CSV, &s, &b, true, &n);
    assert_string_equal(out,
        "a,\"b,c\",\"d\"\"e\",\" f\"\n"
        "plain,\"Côte d’Ivoire, Republic of\",\"say \"\"hi\"\"\",\"line1\nline2\"\n"
        ",\"\",\" lead\",\"trail \"\n"
        "\"cr\rhere\",x,\"\"\"\",Curaçao\n");
    free(out);
    out = write_all(TARN_FORMAT_CSV, &s, &b, false, &n);
    assert_true(strncmp(out, "plain,", 6) == 0);
    free(out);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

/* A schema with one column of every type. */
static void typed_schema(tarn_schema *s)
{
    tarn_schema_init(s);
    tarn_schema_add(s, "b", (tarn_type){.id = TARN_TYPE_BOOLEAN});
    tarn_schema_add(s, "i", (tarn_type){.id = TARN_TYPE_INT});
    tarn_schema_add(s, "l", (tarn_type){.id = TARN_TYPE_BIGINT});
    tarn_schema_add(s, "d", (tarn_type){.id = TARN_TYPE_DOUBLE});
    tarn_schema_add(s, "m", (tarn_type){.id = TARN_TYPE_DECIMAL, .precision = 10, .scale = 2});
    tarn_schema_add(s, "dt", (tarn_type){.id = TARN_TYPE_DATE});
    tarn_schema_add(s, "ts", (tarn_type){.id = TARN_TYPE_TIMESTAMP});
}

static void test_csv_typed_values(void **state)
{
    tarn_schema s;
    typed_schema(&s);
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    tarn_column_append_bool(&b.cols[0], true);
    tarn_column_append_i32(&b.cols[1], INT32_MIN);
    tarn_column_append_i64(&b.cols[2], INT64_MIN);
    tarn_column_append_double(&b.cols[3], 0.1);
    tarn_column_append_i128(&b.cols[4], -12345);
    tarn_column_append_i32(&b.cols[5], tarn_days_from_civil(2024, 2, 29));
    tarn_column_append_i64(&b.cols[6], -1); /* one microsecond before the epoch */
    for (int j = 0; j < 7; j++)
        tarn_column_append_null(&b.cols[j]);
    tarn_column_append_bool(&b.cols[0], false);
    tarn_column_append_i32(&b.cols[1], 0);
    tarn_column_append_i64(&b.cols[2], 9007199254740993LL);
    tarn_column_append_double(&b.cols[3], INFINITY);
    tarn_column_append_i128(&b.cols[4], 5);
    tarn_column_append_i32(&b.cols[5], tarn_days_from_civil(1900, 1, 1));
    tarn_column_append_i64(&b.cols[6], 1700000000LL * 1000000);
    b.nrows = 3;
    size_t n;
    char *out = write_all(TARN_FORMAT_CSV, &s, &b, true, &n);
    assert_string_equal(out,
        "b,i,l,d,m,dt,ts\n"
        "true,-2147483648,-9223372036854775808,0.1,-123.45,2024-02-29,1969-12-31 23:59:59.999999\n"
        ",,,,,,\n"
        "false,0,9007199254740993,Infinity,0.05,1900-01-01,2023-11-14 22:13:20\n");
    free(out);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

/* Random doubles, dates and timestamps print exactly as tarn_value_format
** prints them (a separate implementation). */
static void test_csv_matches_value_format(void **state)
{
    tarn_schema s;
    tarn_schema_init(&s);
    tarn_schema_add(&s, "d", (tarn_type){.id = TARN_TYPE_DOUBLE});
    tarn_schema_add(&s, "dt", (tarn_type){.id = TARN_TYPE_DATE});
    tarn_schema_add(&s, "ts", (tarn_type){.id = TARN_TYPE_TIMESTAMP});
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    srand(7);
    for (int r = 0; r < 5000; r++) {
        double d;
        switch (r % 6) {
        case 0: d = (double)rand() / RAND_MAX * 1000.0; break;
        case 1: d = (double)(rand() % 100000) / 100.0; break;
        case 2: d = ldexp((double)rand(), rand() % 200 - 100); break;
        case 3: d = (double)(rand() % 1000) * pow(10, rand() % 22); break;
        case 4: d = (double)(rand() % 1000) / pow(10, rand() % 12); break;
        default: d = -(double)rand() * 1e10; break;
        }
        tarn_column_append_double(&b.cols[0], d);
        tarn_column_append_i32(&b.cols[1], rand() % 200000 - 100000);
        int64_t us = ((int64_t)rand() << 20) ^ rand();
        tarn_column_append_i64(&b.cols[2], r % 2 ? us : -us);
    }
    b.nrows = 5000;
    size_t n;
    char *out = write_all(TARN_FORMAT_CSV, &s, &b, false, &n);
    char *line = out;
    for (int r = 0; r < 5000; r++) {
        char expect[256], v[3][80];
        for (int j = 0; j < 3; j++)
            tarn_value_format(&b.cols[j], r, v[j], sizeof v[j]);
        snprintf(expect, sizeof expect, "%s,%s,%s", v[0], v[1], v[2]);
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = '\0';
        assert_string_equal(line, expect);
        line = nl + 1;
    }
    free(out);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

static void test_json_types_parse_back(void **state)
{
    tarn_schema s;
    typed_schema(&s);
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    tarn_column_append_bool(&b.cols[0], true);
    tarn_column_append_i32(&b.cols[1], -42);
    tarn_column_append_i64(&b.cols[2], 1234567890123LL);
    tarn_column_append_double(&b.cols[3], 2.5e-8);
    tarn_column_append_i128(&b.cols[4], 199);
    tarn_column_append_i32(&b.cols[5], tarn_days_from_civil(2021, 1, 31));
    tarn_column_append_i64(&b.cols[6], 1500);
    tarn_column_append_null(&b.cols[0]);
    tarn_column_append_null(&b.cols[1]);
    tarn_column_append_null(&b.cols[2]);
    tarn_column_append_double(&b.cols[3], NAN);
    tarn_column_append_null(&b.cols[4]);
    tarn_column_append_null(&b.cols[5]);
    tarn_column_append_null(&b.cols[6]);
    b.nrows = 2;
    size_t n;
    char *out = write_all(TARN_FORMAT_JSONL, &s, &b, true, &n);
    char *nl = strchr(out, '\n');
    assert_non_null(nl);
    json_error_t je;
    json_t *o = json_loadb(out, (size_t)(nl - out), 0, &je);
    assert_non_null(o);
    assert_true(json_is_true(json_object_get(o, "b")));
    assert_int_equal(json_integer_value(json_object_get(o, "i")), -42);
    assert_int_equal(json_integer_value(json_object_get(o, "l")), 1234567890123LL);
    assert_true(json_real_value(json_object_get(o, "d")) == 2.5e-8);
    assert_true(json_number_value(json_object_get(o, "m")) == 1.99);
    assert_string_equal(json_string_value(json_object_get(o, "dt")), "2021-01-31");
    assert_string_equal(json_string_value(json_object_get(o, "ts")), "1970-01-01 00:00:00.001500");
    json_decref(o);
    o = json_loads(nl + 1, 0, &je);
    assert_non_null(o);
    assert_int_equal(json_object_size(o), 7);
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) assert_true(json_is_null(v)); /* NaN -> null */
    json_decref(o);
    free(out);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

static void test_json_string_escapes(void **state)
{
    tarn_schema s;
    tarn_schema_init(&s);
    tarn_schema_add(&s, "we\"ird\nkey", (tarn_type){.id = TARN_TYPE_STRING});
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    const char v[] = "q\" b\\ \x01\t\xC3\xA7 \xFF\xC3 \xE2\x80\x99";
    tarn_column_append_str(&b.cols[0], v, sizeof v - 1);
    b.nrows = 1;
    size_t n;
    char *out = write_all(TARN_FORMAT_JSONL, &s, &b, false, &n);
    assert_string_equal(out, "{\"we\\\"ird\\nkey\":\"q\\\" b\\\\ \\u0001\\t\xC3\xA7 "
                             "\xEF\xBF\xBD\xEF\xBF\xBD \xE2\x80\x99\"}\n");
    json_error_t je;
    json_t *o = json_loads(out, 0, &je); /* jansson rejects invalid UTF-8 */
    assert_non_null(o);
    json_decref(o);
    free(out);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

/* Values longer than the output buffer, and many rows, come out whole. */
static void test_long_values_and_many_rows(void **state)
{
    tarn_schema s;
    str_schema(&s, 1);
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    size_t big = 300000;
    char *v = malloc(big);
    for (size_t i = 0; i < big; i++)
        v[i] = i % 1000 == 999 ? '"' : (char)('a' + i % 26);
    tarn_column_append_str(&b.cols[0], v, big);
    for (int r = 0; r < 20000; r++)
        tarn_column_append_str(&b.cols[0], "row", 3);
    b.nrows = 20001;
    size_t n;
    char *out = write_all(TARN_FORMAT_CSV, &s, &b, false, &n);
    /* quoted, 300 doubled quotes, newline, then 20000 "row\n" */
    assert_int_equal(n, big + 300 + 2 + 1 + 20000 * 4);
    assert_int_equal(out[0], '"');
    assert_memory_equal(out + 1, v, 999);
    assert_memory_equal(out + 1000, "\"\"", 2);
    free(out);
    out = write_all(TARN_FORMAT_JSONL, &s, &b, false, &n);
    json_error_t je;
    char *nl = strchr(out, '\n');
    json_t *o = json_loadb(out, (size_t)(nl - out), 0, &je);
    assert_non_null(o);
    const char *got = json_string_value(json_object_get(o, "a"));
    assert_non_null(got);
    assert_memory_equal(got, v, big);
    json_decref(o);
    free(out);
    free(v);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

static void test_write_error_is_reported(void **state)
{
    tarn_schema s;
    str_schema(&s, 1);
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    tarn_column_append_str(&b.cols[0], "x", 1);
    b.nrows = 1;
    int fd = open("/dev/null", O_RDONLY);
    assert_true(fd >= 0);
    tarn_text_writer *w;
    tarn_error err = {0};
    assert_int_equal(tarn_text_writer_open(&w, fd, TARN_FORMAT_CSV, &s, true, &err), TARN_OK);
    assert_int_equal(tarn_text_writer_write(w, &b, &err), TARN_OK); /* buffered */
    assert_int_equal(tarn_text_writer_close(w, &err), TARN_ERR_IO);
    assert_non_null(strstr(err.msg, "cannot write output"));
    close(fd);
    assert_int_equal(tarn_text_writer_open(&w, 1, TARN_FORMAT_PARQUET, &s, true, &err),
                     TARN_ERR_UNSUPPORTED);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_quoting_rfc4180),
        cmocka_unit_test(test_csv_typed_values),
        cmocka_unit_test(test_csv_matches_value_format),
        cmocka_unit_test(test_json_types_parse_back),
        cmocka_unit_test(test_json_string_escapes),
        cmocka_unit_test(test_long_values_and_many_rows),
        cmocka_unit_test(test_write_error_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
