/*
** test_crawl_classify.c: the crawler's classifiers over text samples
** (crawl/crawl.h, tarn_crawl_classify_text): Glue's CSV header rule case by
** case, delimiter detection, Glue's CSV types (dates stay string), the 2
** column / 2 data row minimum, quoting, a sample cut mid-record, JSON lines
** types and widening, and binary input.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crawl/crawl.h"

/* Classify s (not truncated) into a fresh class the caller frees. */
static tarn_crawl_class classify(const char *s, bool truncated)
{
    tarn_crawl_class c;
    tarn_crawl_class_init(&c);
    tarn_crawl_classify_text(s, strlen(s), truncated, &c);
    return c;
}

/* The schema as "name:type,name:type". */
static const char *schema_text(const tarn_crawl_class *c)
{
    static char out[1024];
    char tb[64];
    size_t k = 0;
    out[0] = '\0';
    for (int i = 0; i < c->schema.ncols; i++)
        k += (size_t)snprintf(out + k, sizeof out - k, "%s%s:%s", i ? "," : "",
                              c->schema.fields[i].name,
                              tarn_type_name(c->schema.fields[i].type, tb, sizeof tb));
    return out;
}

static void test_header_when_later_row_typed(void **state)
{
    tarn_crawl_class c = classify("Name,Age\nbob,42\nann,37\n", false);
    assert_int_equal(c.format, TARN_CRAWL_CSV);
    assert_true(c.header);
    assert_string_equal(schema_text(&c), "name:string,age:bigint");
    assert_int_equal(c.records, 2);
    assert_true(c.records_exact);
    tarn_crawl_class_free(&c);
}

static void test_no_header_when_all_strings(void **state)
{
    tarn_crawl_class c = classify("name,city\nbob,paris\nann,rome\n", false);
    assert_int_equal(c.format, TARN_CRAWL_CSV);
    assert_false(c.header);
    assert_string_equal(schema_text(&c), "col0:string,col1:string");
    assert_int_equal(c.records, 3);
    tarn_crawl_class_free(&c);
}

static void test_no_header_when_first_row_has_number(void **state)
{
    tarn_crawl_class c = classify("id,2020\n1,2\n3,4\n", false);
    assert_false(c.header);
    assert_string_equal(schema_text(&c), "col0:string,col1:bigint");
    tarn_crawl_class_free(&c);
}

static void test_no_header_with_empty_field(void **state)
{
    tarn_crawl_class c = classify("a,,c\n1,2,3\n4,5,6\n", false);
    assert_int_equal(c.format, TARN_CRAWL_CSV);
    assert_false(c.header);
    assert_string_equal(schema_text(&c), "col0:string,col1:bigint,col2:string");
    tarn_crawl_class_free(&c);
}

static void test_header_field_length_rule(void **state)
{
    char longname[200];
    memset(longname, 'x', 160);
    longname[160] = '\0';
    char buf[512];
    /* a long field that is not the last: no header */
    snprintf(buf, sizeof buf, "%s,b\n1,2\n3,4\n", longname);
    tarn_crawl_class c = classify(buf, false);
    assert_false(c.header);
    tarn_crawl_class_free(&c);
    /* the last field may be long */
    snprintf(buf, sizeof buf, "a,%s\n1,2\n3,4\n", longname);
    c = classify(buf, false);
    assert_true(c.header);
    assert_string_equal(c.schema.fields[1].name, longname);
    tarn_crawl_class_free(&c);
    /* 149 characters is under 150 */
    longname[149] = '\0';
    snprintf(buf, sizeof buf, "%s,b\n1,2\n3,4\n", longname);
    c = classify(buf, false);
    assert_true(c.header);
    tarn_crawl_class_free(&c);
}

static void test_header_name_with_control_char(void **state)
{
    tarn_crawl_class c = classify("a\x02x,b\n1,2\n3,4\n", false);
    assert_false(c.header);
    tarn_crawl_class_free(&c);
}

static void test_types_glue_rules(void **state)
{
    tarn_crawl_class c = classify(
        "day,n,x,flag,mixed,empty,big,ts\n"
        "2020-01-01,1,1.5,true,1,,99999999999999999999,2020-01-01 10:00:00\n"
        "2020-01-02,-2,2,FALSE,true,,1,2020-01-02 11:00:00\n"
        "2020-01-03, 3 ,1e3,false,2,,2,2020-01-03 12:00:00\n", false);
    assert_int_equal(c.format, TARN_CRAWL_CSV);
    assert_true(c.header);
    assert_string_equal(schema_text(&c), "day:string,n:bigint,x:double,flag:boolean,"
                                         "mixed:string,empty:string,big:double,ts:string");
    tarn_crawl_class_free(&c);
}

static void test_delimiters(void **state)
{
    const char delims[] = {',', '|', '\t', ';', '\x01'};
    for (size_t i = 0; i < sizeof delims; i++) {
        char buf[128];
        char d = delims[i];
        snprintf(buf, sizeof buf, "a%cb%cc\n1%cx,y%c2.5\n3%cz%c4\n", d, d, d, d, d, d);
        if (d == ',')
            snprintf(buf, sizeof buf, "a,b,c\n1,x,2.5\n3,z,4\n");
        tarn_crawl_class c = classify(buf, false);
        assert_int_equal(c.format, TARN_CRAWL_CSV);
        assert_int_equal(c.delimiter, d);
        assert_true(c.header);
        assert_int_equal(c.schema.ncols, 3);
        assert_string_equal(c.schema.fields[2].name, "c");
        tarn_crawl_class_free(&c);
    }
}

static void test_delimiter_most_columns(void **state)
{
    /* commas are consistent (2 fields) but semicolons give 3 */
    tarn_crawl_class c = classify("a;b,x;c\n1;2,y;3\n4;5,z;6\n", false);
    assert_int_equal(c.delimiter, ';');
    assert_int_equal(c.schema.ncols, 3);
    tarn_crawl_class_free(&c);
}

static void test_minimums(void **state)
{
    tarn_crawl_class c = classify("a\n1\n2\n3\n", false); /* one column */
    assert_int_equal(c.format, TARN_CRAWL_UNKNOWN);
    assert_true(c.reason[0] != '\0');
    tarn_crawl_class_free(&c);
    c = classify("a,b\n1,2\n", false); /* header and one data row */
    assert_int_equal(c.format, TARN_CRAWL_UNKNOWN);
    assert_non_null(strstr(c.reason, "data row"));
    tarn_crawl_class_free(&c);
    c = classify("x,y\nz,w\n", false); /* two rows, no header: 2 data rows */
    assert_int_equal(c.format, TARN_CRAWL_CSV);
    tarn_crawl_class_free(&c);
    c = classify("a,b\n1,2,3\n4,5\n", false); /* ragged */
    assert_int_equal(c.format, TARN_CRAWL_UNKNOWN);
    tarn_crawl_class_free(&c);
}

static void test_quoted_fields(void **state)
{
    tarn_crawl_class c = classify("\"a\",\"b \"\"q\"\"\"\n\"x, y\",1\n\"z\n2\",2\n", false);
    assert_int_equal(c.format, TARN_CRAWL_CSV);
    assert_true(c.quoted);
    assert_true(c.header);
    assert_string_equal(schema_text(&c), "a:string,b \"q\":bigint");
    assert_int_equal(c.records, 2);
    tarn_crawl_class_free(&c);
}

static void test_truncated_sample(void **state)
{
    /* the sample ends in the middle of a record: that record is ignored */
    tarn_crawl_class c = classify("a,b\n1,2\n3,4\n5,x", true);
    assert_int_equal(c.format, TARN_CRAWL_CSV);
    assert_string_equal(schema_text(&c), "a:bigint,b:bigint");
    assert_int_equal(c.records, 2);
    assert_false(c.records_exact);
    tarn_crawl_class_free(&c);
}

static void test_crlf_and_blank_lines(void **state)
{
    tarn_crawl_class c = classify("a,b\r\n1,2\r\n\r\n3,4\r\n", false);
    assert_int_equal(c.format, TARN_CRAWL_CSV);
    assert_true(c.header);
    assert_int_equal(c.records, 2);
    assert_string_equal(c.schema.fields[1].name, "b");
    tarn_crawl_class_free(&c);
}

static void test_duplicate_header_names(void **state)
{
    tarn_crawl_class c = classify("a,A,b\n1,2,3\n4,5,6\n", false);
    assert_true(c.header);
    assert_string_equal(c.schema.fields[0].name, "a");
    assert_string_not_equal(c.schema.fields[1].name, "a");
    tarn_crawl_class_free(&c);
}

static void test_json_lines_types(void **state)
{
    tarn_crawl_class c = classify(
        "{\"A\": 1, \"b\": \"x\", \"c\": 1.5, \"d\": true, \"e\": {\"x\": 1}, \"f\": 3000000000}\n"
        "{\"a\": 2, \"g\": null, \"h\": [1,2]}\n", false);
    assert_int_equal(c.format, TARN_CRAWL_JSON);
    assert_string_equal(schema_text(&c), "a:int,b:string,c:double,d:boolean,e:string,"
                                         "f:bigint,g:string,h:string");
    assert_int_equal(c.records, 2);
    tarn_crawl_class_free(&c);
}

static void test_json_widening(void **state)
{
    tarn_crawl_class c = classify("{\"a\": 1, \"b\": 1, \"c\": true}\n"
                                  "{\"a\": 2.5, \"b\": \"s\", \"c\": 1}\n", false);
    assert_int_equal(c.format, TARN_CRAWL_JSON);
    assert_string_equal(schema_text(&c), "a:double,b:string,c:string");
    tarn_crawl_class_free(&c);
}

static void test_json_bad_line_is_not_json(void **state)
{
    tarn_crawl_class c = classify("{\"a\": 1}\nnot json\n{\"a\": 2}\n", false);
    assert_int_not_equal(c.format, TARN_CRAWL_JSON);
    tarn_crawl_class_free(&c);
    /* but a last line cut by the sample is fine */
    c = classify("{\"a\": 1}\n{\"a\": 2}\n{\"a\": ", true);
    assert_int_equal(c.format, TARN_CRAWL_JSON);
    assert_int_equal(c.records, 2);
    tarn_crawl_class_free(&c);
}

static void test_json_odd_keys(void **state)
{
    char buf[1024];
    char longkey[400];
    memset(longkey, 'k', 399);
    longkey[399] = '\0';
    snprintf(buf, sizeof buf, "{\"a\\u0001b\": 1, \"%s\": 2, \"\": 3, \"A\\u0001B\": 4}\n", longkey);
    tarn_crawl_class c = classify(buf, false);
    assert_int_equal(c.format, TARN_CRAWL_JSON);
    assert_int_equal(c.schema.ncols, 3); /* the empty key is dropped */
    assert_string_equal(c.schema.fields[0].name, "a_b");
    assert_true(strlen(c.schema.fields[1].name) <= TARN_CATALOG_NAME_MAX);
    assert_string_not_equal(c.schema.fields[2].name, "a_b"); /* still unique */
    tarn_crawl_class_free(&c);
}

static void test_binary_is_unknown(void **state)
{
    const char bin[] = "a,b\n1,\0002\n3,4\n";
    tarn_crawl_class c;
    tarn_crawl_class_init(&c);
    tarn_crawl_classify_text(bin, sizeof bin - 1, false, &c);
    assert_int_equal(c.format, TARN_CRAWL_UNKNOWN);
    assert_non_null(strstr(c.reason, "binary"));
    tarn_crawl_class_free(&c);
}

static void test_record_cap(void **state)
{
    /* 1,500 records: the classifier looks at the first 1,000 only */
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_buf_appendf(&b, "a,b\n");
    for (int i = 0; i < 1500; i++)
        tarn_buf_appendf(&b, "%d,%s\n", i, i < 1200 ? "1" : "x");
    tarn_crawl_class c;
    tarn_crawl_class_init(&c);
    tarn_crawl_classify_text(b.data, b.len, false, &c);
    assert_int_equal(c.format, TARN_CRAWL_CSV);
    /* "x" appears only after record 1,000, so b stays bigint */
    assert_string_equal(schema_text(&c), "a:bigint,b:bigint");
    assert_int_equal(c.records, 999);
    assert_false(c.records_exact);
    tarn_crawl_class_free(&c);
    tarn_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_when_later_row_typed),
        cmocka_unit_test(test_no_header_when_all_strings),
        cmocka_unit_test(test_no_header_when_first_row_has_number),
        cmocka_unit_test(test_no_header_with_empty_field),
        cmocka_unit_test(test_header_field_length_rule),
        cmocka_unit_test(test_header_name_with_control_char),
        cmocka_unit_test(test_types_glue_rules),
        cmocka_unit_test(test_delimiters),
        cmocka_unit_test(test_delimiter_most_columns),
        cmocka_unit_test(test_minimums),
        cmocka_unit_test(test_quoted_fields),
        cmocka_unit_test(test_truncated_sample),
        cmocka_unit_test(test_crlf_and_blank_lines),
        cmocka_unit_test(test_duplicate_header_names),
        cmocka_unit_test(test_json_lines_types),
        cmocka_unit_test(test_json_widening),
        cmocka_unit_test(test_json_bad_line_is_not_json),
        cmocka_unit_test(test_json_odd_keys),
        cmocka_unit_test(test_binary_is_unknown),
        cmocka_unit_test(test_record_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
