/*
** test_query_functions.c: the Athena (Trino) functions of query/ on an
** in-memory SQLite with tarn_qfunc_register, statements going through
** tarn_qdialect_rewrite as the engine sends them. Expected values are
** Trino's documented or observed results (cited beside each group), not
** output of the code under test.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "query/query_int.h"

static sqlite3 *db;

/* The first column of the first row of sql as text: "NULL" for NULL,
** "ERR: <message>" when it fails, "" without rows. */
static const char *q(const char *sql)
{
    static char out[2048];
    tarn_qtext t;
    tarn_error err = {0};
    if (tarn_qdialect_rewrite(sql, strlen(sql), &t, &err) != TARN_OK) {
        snprintf(out, sizeof out, "ERR: %s", err.msg);
        return out;
    }
    sqlite3_stmt *st;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, t.sql, (int)t.len, &st, NULL) != SQLITE_OK) {
        snprintf(out, sizeof out, "ERR: %s", sqlite3_errmsg(db));
        tarn_qtext_free(&t);
        return out;
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        snprintf(out, sizeof out, "%s", v ? v : "NULL");
    } else if (rc != SQLITE_DONE) {
        snprintf(out, sizeof out, "ERR: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    tarn_qtext_free(&t);
    return out;
}

#define EQ(sql, want) assert_string_equal(q(sql), want)

static int setup(void **state)
{
    tarn_error err = {0};
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(tarn_qfunc_register(db, &err), TARN_OK);
    assert_int_equal(sqlite3_exec(db,
        "CREATE TABLE n(x); INSERT INTO n VALUES (1),(2),(3),(4),(NULL);"
        "CREATE TABLE s(g, v); INSERT INTO s VALUES ('a', 2),('a', 4),('a', 4),('a', 4),"
        "('a', 5),('a', 5),('a', 7),('a', 9),('b', 1),('c', NULL);",
        NULL, NULL, NULL), SQLITE_OK);
    return 0;
}

static int teardown(void **state)
{
    sqlite3_close(db);
    return 0;
}

/* Trino docs, "Date and time functions": date_trunc, date_add, date_diff. */
static void test_date_trunc_add_diff(void **state)
{
    EQ("SELECT date_trunc('month', DATE '2021-05-17')", "2021-05-01");
    EQ("SELECT date_trunc('year', DATE '2021-05-17')", "2021-01-01");
    EQ("SELECT date_trunc('quarter', DATE '2021-05-17')", "2021-04-01");
    EQ("SELECT date_trunc('week', DATE '2021-05-16')", "2021-05-10");  /* Sunday -> Monday */
    EQ("SELECT date_trunc('hour', TIMESTAMP '2001-08-22 03:04:05.321')", "2001-08-22 03:00:00.000000");
    EQ("SELECT date_trunc('minute', TIMESTAMP '2001-08-22 03:04:05.321')", "2001-08-22 03:04:00.000000");
    EQ("SELECT date_trunc('day', TIMESTAMP '2001-08-22 03:04:05.321')", "2001-08-22 00:00:00.000000");
    EQ("SELECT date_trunc('DAY', NULL)", "NULL");
    EQ("SELECT date_trunc('hour', DATE '2021-05-17')",
       "ERR: INVALID_FUNCTION_ARGUMENT: 'hour' is not a valid DATE field");
    EQ("SELECT date_trunc('fortnight', TIMESTAMP '2021-05-17 01:00:00')",
       "ERR: INVALID_FUNCTION_ARGUMENT: 'fortnight' is not a valid Timestamp field");

    /* month arithmetic clamps to the month's last day (Joda, Trino) */
    EQ("SELECT date_add('month', 1, DATE '2021-01-31')", "2021-02-28");
    EQ("SELECT date_add('year', 1, DATE '2020-02-29')", "2021-02-28");
    EQ("SELECT date_add('day', -1, DATE '2021-03-01')", "2021-02-28");
    EQ("SELECT date_add('week', 2, DATE '2021-12-25')", "2022-01-08");
    EQ("SELECT date_add('quarter', -1, DATE '2021-05-31')", "2021-02-28");
    EQ("SELECT date_add('hour', 25, TIMESTAMP '2021-01-01 00:00:00')", "2021-01-02 01:00:00.000000");
    EQ("SELECT date_add('second', 1, TIMESTAMP '2020-12-31 23:59:59.5')", "2021-01-01 00:00:00.500000");
    EQ("SELECT date_add('day', NULL, DATE '2021-01-01')", "NULL");
    EQ("SELECT date_add('day', 1, 'not a date')",
       "ERR: INVALID_FUNCTION_ARGUMENT: date_add() expects a date or timestamp, got 'not a date'");

    EQ("SELECT date_diff('day', DATE '2021-01-01', DATE '2021-03-01')", "59");
    EQ("SELECT date_diff('day', DATE '2021-03-01', DATE '2021-01-01')", "-59");
    EQ("SELECT date_diff('month', DATE '2021-01-31', DATE '2021-02-28')", "1");
    EQ("SELECT date_diff('month', DATE '2021-01-15', DATE '2021-02-14')", "0");
    EQ("SELECT date_diff('year', DATE '2020-02-29', DATE '2021-02-28')", "1");
    EQ("SELECT date_diff('year', DATE '2019-03-01', DATE '2020-02-29')", "0");
    EQ("SELECT date_diff('quarter', DATE '2021-01-01', DATE '2021-12-31')", "3");
    EQ("SELECT date_diff('hour', TIMESTAMP '2021-01-01 10:30:00', TIMESTAMP '2021-01-01 12:29:59')", "1");
    EQ("SELECT date_diff('week', DATE '2021-01-01', DATE '2021-01-14')", "1");
    EQ("SELECT date_diff('second', TIMESTAMP '2021-01-01 00:00:01', TIMESTAMP '2021-01-01 00:00:00.5')", "0");
}

/* Trino docs: extraction functions; day_of_week is ISO (Monday 1). */
static void test_date_fields(void **state)
{
    EQ("SELECT year(DATE '2021-05-17')", "2021");
    EQ("SELECT month(DATE '2021-05-17')", "5");
    EQ("SELECT day(DATE '2021-05-17')", "17");
    EQ("SELECT day_of_week(DATE '2021-05-17')", "1");
    EQ("SELECT dow(DATE '2021-05-16')", "7");
    EQ("SELECT day_of_year(DATE '2020-12-31')", "366");
    EQ("SELECT quarter(DATE '2021-05-17')", "2");
    EQ("SELECT week(DATE '2021-01-03')", "53");         /* ISO week of 2020 */
    EQ("SELECT year_of_week(DATE '2021-01-03')", "2020");
    EQ("SELECT week(DATE '2021-01-04')", "1");
    EQ("SELECT hour(TIMESTAMP '2021-05-17 13:14:15.678')", "13");
    EQ("SELECT minute(TIMESTAMP '2021-05-17 13:14:15.678')", "14");
    EQ("SELECT second(TIMESTAMP '2021-05-17 13:14:15.678')", "15");
    EQ("SELECT millisecond(TIMESTAMP '2021-05-17 13:14:15.678')", "678");
    EQ("SELECT hour(DATE '2021-05-17')", "0");
    EQ("SELECT year(NULL)", "NULL");
    EQ("SELECT year(DATE '1969-12-31')", "1969");
    EQ("SELECT day_of_week(DATE '1969-12-31')", "3");
    EQ("SELECT last_day_of_month(DATE '2024-02-10')", "2024-02-29");
}

/* Trino docs, "MySQL date functions": date_format/date_parse examples. */
static void test_date_format_parse(void **state)
{
    EQ("SELECT date_format(TIMESTAMP '2022-10-20 05:10:00', '%m-%d-%Y %H')", "10-20-2022 05");
    EQ("SELECT date_format(TIMESTAMP '2022-10-20 15:10:09.5', '%a %b %e %l:%i:%s %p %j')",
       "Thu Oct 20 3:10:09 PM 293");
    EQ("SELECT date_format(TIMESTAMP '2022-10-20 15:10:09.5', '%W %M %c %k %f %T %r %%')",
       "Thursday October 10 15 500000 15:10:09 03:10:09 PM %");
    EQ("SELECT date_format(DATE '2021-01-03', '%x-%v %y')", "2020-53 21");
    EQ("SELECT date_format(NULL, '%Y')", "NULL");
    EQ("SELECT date_format(DATE '2021-01-03', '%D')",
       "ERR: INVALID_FUNCTION_ARGUMENT: %D not supported in date format string");
    EQ("SELECT date_parse('2022/10/20/05', '%Y/%m/%d/%H')", "2022-10-20 05:00:00.000000");
    EQ("SELECT date_parse('20 Oct 2022 3:04:05 PM', '%d %b %Y %h:%i:%s %p')", "2022-10-20 15:04:05.000000");
    EQ("SELECT date_parse('2022-10-20 12:00:00.123', '%Y-%m-%d %T.%f')", "2022-10-20 12:00:00.123000");
    EQ("SELECT date_parse('2022-13-01', '%Y-%m-%d')",
       "ERR: INVALID_FUNCTION_ARGUMENT: Cannot parse \"2022-13-01\": Value out of range");
    EQ("SELECT date_parse('2022-10', '%Y-%m-%d')",
       "ERR: INVALID_FUNCTION_ARGUMENT: Invalid format: \"2022-10\" is malformed at \"\"");
    EQ("SELECT date_parse(NULL, '%Y')", "NULL");
    /* Trino docs: format_datetime takes Joda patterns */
    EQ("SELECT format_datetime(TIMESTAMP '2022-10-20 15:04:05.123', 'yyyy-MM-dd HH:mm:ss.SSS')",
       "2022-10-20 15:04:05.123");
    EQ("SELECT format_datetime(TIMESTAMP '2022-10-20 15:04:05', 'EEE, d MMM yy h:mm a')",
       "Thu, 20 Oct 22 3:04 PM");
    EQ("SELECT format_datetime(DATE '2022-10-02', 'EEEE MMMM D ''week'' w')", "Sunday October 275 week 39");
    EQ("SELECT format_datetime(DATE '2022-10-02', 'yyyy Q')",
       "ERR: INVALID_FUNCTION_ARGUMENT: Illegal pattern component: Q");
    EQ("SELECT date_parse('12', '%T')",
       "ERR: INVALID_FUNCTION_ARGUMENT: Invalid format: \"12\" is malformed at \"\"");
}

/* Trino docs, "ISO 8601 functions". Timestamps with a zone come back in UTC. */
static void test_iso8601(void **state)
{
    EQ("SELECT from_iso8601_date('2020-05-11')", "2020-05-11");
    EQ("SELECT from_iso8601_date('2020-W10')", "2020-03-02");
    EQ("SELECT from_iso8601_date('2020-123')", "2020-05-02");
    EQ("SELECT from_iso8601_date('2020')", "2020-01-01");
    EQ("SELECT from_iso8601_date('2020-02-30')",
       "ERR: INVALID_FUNCTION_ARGUMENT: Invalid format: \"2020-02-30\"");
    EQ("SELECT from_iso8601_timestamp('2020-05-11T11:15:05')", "2020-05-11 11:15:05.000000");
    EQ("SELECT from_iso8601_timestamp('2020-05-11T11:15:05.055+01:00')", "2020-05-11 10:15:05.055000");
    EQ("SELECT from_iso8601_timestamp('2020-05-11T23:15Z')", "2020-05-11 23:15:00.000000");
    EQ("SELECT from_iso8601_timestamp('2020-05-11')", "2020-05-11 00:00:00.000000");
    EQ("SELECT from_iso8601_timestamp(NULL)", "NULL");
    EQ("SELECT to_iso8601(TIMESTAMP '2020-05-11 10:15:05.055')", "2020-05-11T10:15:05.055000Z");
    EQ("SELECT to_iso8601(DATE '2020-05-11')", "2020-05-11");
    EQ("SELECT from_unixtime(1600000000)", "2020-09-13 12:26:40.000000");
    EQ("SELECT to_unixtime(TIMESTAMP '2020-09-13 12:26:40.5')", "1600000000.5");
    assert_int_equal((int)strlen(q("SELECT now()")), 26);
    assert_int_equal((int)strlen(q("SELECT current_timestamp")), 26);
}

/* Trino docs, "String functions". */
static void test_strings(void **state)
{
    EQ("SELECT split_part('a,b,c', ',', 2)", "b");
    EQ("SELECT split_part('a,b,c', ',', 4)", "NULL");
    EQ("SELECT split_part('a,,c', ',', 2)", "");
    EQ("SELECT split_part('abc', '', 2)", "b");
    EQ("SELECT split_part('a::b', '::', 2)", "b");
    EQ("SELECT split_part('a,b', ',', 0)", "ERR: INVALID_FUNCTION_ARGUMENT: Index must be greater than zero");
    EQ("SELECT split_part(NULL, ',', 1)", "NULL");
    EQ("SELECT strpos('high', 'ig')", "2");
    EQ("SELECT strpos('high', 'x')", "0");
    EQ("SELECT strpos('high', '')", "1");
    EQ("SELECT strpos('héllo', 'l')", "3");    /* characters, not bytes */
    EQ("SELECT strpos('abcabc', 'bc', 2)", "5");
    EQ("SELECT strpos('abcabc', 'bc', -1)", "5");
    EQ("SELECT strpos('abcabc', 'bc', -9223372036854775808)", "0");
    EQ("SELECT lpad('ab', 5, 'xy')", "xyxab");
    EQ("SELECT rpad('ab', 5, 'xy')", "abxyx");
    EQ("SELECT lpad('abcdef', 3, 'x')", "abc");
    EQ("SELECT lpad('ab', 5, '')", "ERR: INVALID_FUNCTION_ARGUMENT: Padding string must not be empty");
    EQ("SELECT reverse('héllo')", "olléh");
    EQ("SELECT concat('a', 'b', 'c')", "abc");
    EQ("SELECT concat('a', NULL)", "NULL");
    EQ("SELECT concat('a')",
       "ERR: INVALID_FUNCTION_ARGUMENT: There must be two or more concatenation arguments");
    EQ("SELECT 'a' || 'b'", "ab");
    EQ("SELECT '[' || trim(' \t x y \n') || ']'", "[x y]");
    EQ("SELECT '[' || ltrim('  x ') || ']'", "[x ]");
    EQ("SELECT '[' || rtrim('  x ') || ']'", "[  x]");
    EQ("SELECT lower('ABC'), upper('abc')", "abc");
    EQ("SELECT upper('abc')", "ABC");
    EQ("SELECT lower('ÉCOLE Ÿ ΣΑΣ')", "école ÿ σασ");
    EQ("SELECT upper('straße côte')", "STRAßE CÔTE");      /* ß stays: one character in, one out */
    EQ("SELECT lower(NULL)", "NULL");
    EQ("SELECT length('héllo')", "5");
    EQ("SELECT coalesce(NULL, 'x')", "x");
    EQ("SELECT nullif('a', 'a')", "NULL");
    EQ("SELECT starts_with('abc', 'ab')", "1");
    EQ("SELECT replace('abcb', 'b')", "ac");
    EQ("SELECT to_hex('AZ')", "415A");
}

/* Trino docs, "Regular expression functions". */
static void test_regexp(void **state)
{
    EQ("SELECT regexp_like('1a 2b 14m', '\\d+b')", "1");
    EQ("SELECT regexp_like('abc', '^b')", "0");
    EQ("SELECT regexp_like(NULL, 'a')", "NULL");
    EQ("SELECT regexp_like('ABC', '(?i)abc')", "1");
    EQ("SELECT regexp_extract('1a 2b 14m', '\\d+')", "1");
    EQ("SELECT regexp_extract('1a 2b 14m', '(\\d+)([a-z]+)', 2)", "a");
    EQ("SELECT regexp_extract('1a 2b 14m', '(?:\\d+)([a-z]+)', 1)", "a");
    EQ("SELECT regexp_extract('abc', '\\d+')", "NULL");
    EQ("SELECT regexp_extract('abc', '(a)', 2)",
       "ERR: INVALID_FUNCTION_ARGUMENT: Pattern has 1 groups. Cannot access group 2");
    EQ("SELECT regexp_extract('x-12.5', '[\\d.]+')", "12.5");
    EQ("SELECT regexp_extract('a b', '\\w\\s\\w')", "a b");
    EQ("SELECT regexp_replace('1a 2b 14m', '\\d+[ab] ')", "14m");
    EQ("SELECT regexp_replace('1a 2b 14m', '(\\d+)([ab]) ', '3c$2 ')", "3ca 3cb 14m");
    EQ("SELECT regexp_replace('abc', '', '-')", "-a-b-c-");
    EQ("SELECT regexp_replace('a.b', '\\.', '\\$')", "a$b");
    EQ("SELECT regexp_count('1a 2b 14m', '\\s*[a-z]+\\s*')", "3");
    EQ("SELECT regexp_like('a', '(a')",
       "ERR: INVALID_FUNCTION_ARGUMENT: invalid regular expression '(a': Unmatched ( or \\(");
    EQ("SELECT regexp_like('aaa', 'a*?')",
       "ERR: INVALID_FUNCTION_ARGUMENT: invalid regular expression 'a*?': lazy and possessive quantifiers are not supported");
}

/* Trino docs, "Mathematical functions"; round is half away from zero. */
/* chr, codepoint, the edit distances (over code points) and the URL parts. */
static void test_text_functions(void **state)
{
    (void)state;
    EQ("SELECT chr(65) || chr(233) || chr(128512)", "A\xc3\xa9\xf0\x9f\x98\x80");
    EQ("SELECT chr(-1)", "ERR: INVALID_FUNCTION_ARGUMENT: Not a valid Unicode code point: -1");
    EQ("SELECT codepoint('\xc3\xa9')", "233");
    EQ("SELECT codepoint('ab')",
       "ERR: INVALID_FUNCTION_ARGUMENT: Input string must be a single character string");
    EQ("SELECT levenshtein_distance('kitten', 'sitting')", "3");
    EQ("SELECT levenshtein_distance('', 'abc')", "3");
    EQ("SELECT levenshtein_distance('Cura\xc3\xa7" "ao', 'Curacao')", "1");
    EQ("SELECT hamming_distance('abc', 'abd')", "1");
    EQ("SELECT hamming_distance('abc', 'ab')", "ERR: INVALID_FUNCTION_ARGUMENT: The input strings "
                                              "to hamming_distance function must have the same length");
    EQ("SELECT levenshtein_distance(NULL, 'a')", "NULL");
    const char *u = "'https://user@example.com:8080/a/b.html?x=1&y=2#top'";
    char sql[256];
    static const char *const parts[][2] = {{"protocol", "https"}, {"host", "example.com"},
                                           {"port", "8080"},      {"path", "/a/b.html"},
                                           {"query", "x=1&y=2"},  {"fragment", "top"}};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        snprintf(sql, sizeof sql, "SELECT url_extract_%s(%s)", parts[i][0], u);
        EQ(sql, parts[i][1]);
    }
    EQ("SELECT url_extract_host('http://who.int')", "who.int");
    EQ("SELECT url_extract_path('http://who.int') = ''", "1");
    EQ("SELECT url_extract_port('http://who.int/x')", "NULL");
    EQ("SELECT url_extract_query('http://who.int/x')", "NULL");
    EQ("SELECT url_extract_host('not a url')", "NULL");
    EQ("SELECT url_extract_host('/relative/path')", "NULL");
}

/* CAST(text AS DECIMAL) rounds on the text's digits, as Trino's
** BigDecimal does: the double nearest 1.005 is below it. */
static void test_cast_decimal_text(void **state)
{
    (void)state;
    EQ("SELECT CAST('1.005' AS DECIMAL(10,2))", "1.01");
    EQ("SELECT CAST(' -0.995 ' AS DECIMAL(5,2))", "-1.0");
    EQ("SELECT CAST('9.9949' AS DECIMAL(4,2))", "9.99");
    EQ("SELECT CAST('-.5' AS DECIMAL(3,0))", "-1.0");
    EQ("SELECT CAST('123456789012345678.125' AS DECIMAL(38,2))", "123456789012345678.13");
    EQ("SELECT CAST('0.5' AS DECIMAL(38,0))", "1");
    EQ("SELECT CAST('1e2' AS DECIMAL(5,1))", "100.0");
}

/* Booleans carry TARN_QBOOL_SUBTYPE, so CAST(b AS VARCHAR) spells them. */
static void test_cast_boolean_varchar(void **state)
{
    (void)state;
    EQ("SELECT CAST(CAST('t' AS BOOLEAN) AS VARCHAR)", "true");
    EQ("SELECT CAST(CAST(0 AS BOOLEAN) AS VARCHAR) || '!'", "false!");
    EQ("SELECT CAST(1 AS VARCHAR)", "1");
    EQ("SELECT CAST('99.96' AS DECIMAL(3,1))", "ERR: INVALID_CAST_ARGUMENT: Cannot cast VARCHAR "
                                               "'99.96' to DECIMAL(3, 1). Value too large.");
}

static void test_math(void **state)
{
    EQ("SELECT round(2.5)", "3.0");
    EQ("SELECT round(-2.5)", "-3.0");
    EQ("SELECT round(2.675, 2)", "2.68");     /* 2.675 * 100 rounds to 267.5 in doubles */
    EQ("SELECT round(1.005, 2)", "1.0");
    EQ("SELECT round(5)", "5");
    EQ("SELECT round(1250, -2)", "1300");
    EQ("SELECT round(-1250, -2)", "-1300");
    EQ("SELECT round(1234.567, -2)", "1200.0");
    EQ("SELECT round(NULL, 1)", "NULL");
    EQ("SELECT ln(1)", "0.0");
    EQ("SELECT ln(0)", "-Inf");
    EQ("SELECT ln(-1)", "NULL");                 /* NaN is NULL in SQLite */
    EQ("SELECT log10(1000)", "3.0");
    EQ("SELECT log2(8)", "3.0");
    EQ("SELECT log(2, 8)", "3.0");
    EQ("SELECT power(2, 10)", "1024.0");
    EQ("SELECT pow(2, -1)", "0.5");
    EQ("SELECT sqrt(16)", "4.0");
    EQ("SELECT cbrt(27)", "3.0");
    EQ("SELECT exp(0)", "1.0");
    EQ("SELECT floor(-2.5)", "-3.0");
    EQ("SELECT floor(7)", "7");
    EQ("SELECT ceil(2.1)", "3.0");
    EQ("SELECT ceiling(-2.1)", "-2.0");
    EQ("SELECT truncate(-2.7)", "-2.0");
    EQ("SELECT truncate(3.14159, 2)", "3.14");
    EQ("SELECT abs(-3)", "3");
    EQ("SELECT sign(-7)", "-1");
    EQ("SELECT sign(0.5)", "1.0");
    EQ("SELECT mod(-7, 3)", "-1");              /* sign of the dividend, as Java */
    EQ("SELECT mod(7.5, 2)", "1.5");
    EQ("SELECT mod(1, 0)", "ERR: DIVISION_BY_ZERO: Division by zero");
    EQ("SELECT greatest(1, 5, 3)", "5");
    EQ("SELECT least(1.5, 0.5, 3)", "0.5");
    EQ("SELECT greatest(1, NULL, 3)", "NULL");
    EQ("SELECT least('b', 'a')", "a");
    EQ("SELECT infinity() > 1e308", "1");
    EQ("SELECT is_infinite(infinity())", "1");
    EQ("SELECT is_finite(1.0)", "1");
    EQ("SELECT nan()", "NULL");
    EQ("SELECT rand() >= 0 AND rand() < 1", "1");
    EQ("SELECT random(10) BETWEEN 0 AND 9", "1");
    EQ("SELECT random(-9223372036854775808, 9223372036854775807) IS NOT NULL", "1");
    EQ("SELECT random(0)", "ERR: INVALID_FUNCTION_ARGUMENT: bound must be greater than 0");
    EQ("SELECT round(pi(), 4)", "3.1416");
}

/* Trino docs, "Aggregate functions". */
static void test_aggregates(void **state)
{
    EQ("SELECT count_if(x > 1) FROM n", "3");
    EQ("SELECT count_if(x > 10) FROM n", "0");
    EQ("SELECT bool_and(x > 0) FROM n", "1");
    EQ("SELECT bool_or(x > 3) FROM n", "1");
    EQ("SELECT bool_and(x > 0) FROM n WHERE x IS NULL", "NULL");
    EQ("SELECT arbitrary(x) IS NOT NULL FROM n", "1");
    EQ("SELECT arbitrary(x) FROM n WHERE x IS NULL", "NULL");
    /* 2,4,4,4,5,5,7,9: population variance 4, sample 32/7 */
    EQ("SELECT var_pop(v) FROM s WHERE g = 'a'", "4.0");
    EQ("SELECT stddev_pop(v) FROM s WHERE g = 'a'", "2.0");
    EQ("SELECT round(variance(v), 6) FROM s WHERE g = 'a'", "4.571429");
    EQ("SELECT round(stddev(v), 6) FROM s WHERE g = 'a'", "2.13809");
    EQ("SELECT stddev(v) FROM s WHERE g = 'b'", "NULL");      /* one row: NULL */
    EQ("SELECT stddev_pop(v) FROM s WHERE g = 'b'", "0.0");
    EQ("SELECT approx_distinct(v) FROM s", "6");
    EQ("SELECT approx_distinct(v) FROM s WHERE v > 100", "0");
    EQ("SELECT approx_percentile(v, 0.5) FROM s WHERE g = 'a'", "5");
    EQ("SELECT approx_percentile(v, 0) FROM s WHERE g = 'a'", "2");
    EQ("SELECT approx_percentile(v, 1) FROM s WHERE g = 'a'", "9");
    EQ("SELECT approx_percentile(v, 0.5) FROM s WHERE v > 100", "NULL");
    EQ("SELECT approx_percentile(v, 1.5) FROM s",
       "ERR: INVALID_FUNCTION_ARGUMENT: Percentile must be between 0 and 1");
    EQ("SELECT max_by(g, v) FROM s", "a");
    EQ("SELECT min_by(g, v) FROM s", "b");
    /* y = 2x + 1 exactly: corr 1, slope 2, intercept 1; x = 1..4: covar_pop 2.5 */
    EQ("SELECT corr(2 * x + 1, x) FROM n", "1.0");
    EQ("SELECT regr_slope(2 * x + 1, x) FROM n", "2.0");
    EQ("SELECT regr_intercept(2 * x + 1, x) FROM n", "1.0");
    EQ("SELECT covar_pop(2 * x + 1, x) FROM n", "2.5");
    EQ("SELECT round(covar_samp(x, x), 6) FROM n", "1.666667");
    EQ("SELECT corr(x, 1) FROM n", "NULL");       /* constant x: no correlation */
    /* window forms remove rows as the frame moves */
    EQ("SELECT group_concat(c) FROM (SELECT count_if(x > 1) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING"
       " AND CURRENT ROW) AS c FROM n WHERE x IS NOT NULL)", "0,1,2,2");
    EQ("SELECT group_concat(c) FROM (SELECT var_pop(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING"
       " AND CURRENT ROW) AS c FROM n WHERE x IS NOT NULL)", "0.0,0.25,0.25,0.25");
}

/* Trino docs, "JSON functions". */
static void test_json(void **state)
{
    const char *doc = "'{\"store\": {\"book\": [{\"title\": \"A\", \"price\": 8.95, \"n\": 3}],"
                      " \"open\": true, \"owner\": null}}'";
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT json_extract_scalar(%s, '$.store.book[0].title')", doc);
    EQ(sql, "A");
    snprintf(sql, sizeof sql, "SELECT json_extract_scalar(%s, '$.store.book[0].price')", doc);
    EQ(sql, "8.95");
    snprintf(sql, sizeof sql, "SELECT json_extract_scalar(%s, '$[\"store\"].book[0].n')", doc);
    EQ(sql, "3");
    snprintf(sql, sizeof sql, "SELECT json_extract_scalar(%s, '$.store.open')", doc);
    EQ(sql, "true");
    snprintf(sql, sizeof sql, "SELECT json_extract_scalar(%s, '$.store.owner')", doc);
    EQ(sql, "NULL");
    snprintf(sql, sizeof sql, "SELECT json_extract_scalar(%s, '$.store.book')", doc);
    EQ(sql, "NULL");                                  /* not a scalar */
    snprintf(sql, sizeof sql, "SELECT json_extract(%s, '$.store.book[0].title')", doc);
    EQ(sql, "\"A\"");
    snprintf(sql, sizeof sql, "SELECT json_size(%s, '$.store')", doc);
    EQ(sql, "3");
    EQ("SELECT json_extract_scalar('{bad', '$.a')", "NULL");
    EQ("SELECT json_extract_scalar('{}', 'a')", "ERR: INVALID_FUNCTION_ARGUMENT: Invalid JSON path: 'a'");
}

static void test_approx_distinct_large(void **state)
{
    /* up to 1024 distinct values the count is exact */
    EQ("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000)"
       " SELECT approx_distinct(i % 1000) FROM c", "1000");
    EQ("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000)"
       " SELECT sum(d) FROM (SELECT approx_distinct(i) AS d FROM c GROUP BY i % 7)", "3000");
    /* 100000 distinct values: HyperLogLog within 3% (its error is ~0.8%) */
    const char *r = q("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000)"
                      " SELECT approx_distinct(i) FROM c");
    long v = atol(r);
    assert_true(v > 97000 && v < 103000);
    r = q("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 50000)"
          " SELECT approx_distinct('k' || (i % 500)) FROM c");
    v = atol(r);
    assert_true(v > 485 && v < 515);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_trunc_add_diff), cmocka_unit_test(test_date_fields),
        cmocka_unit_test(test_date_format_parse),   cmocka_unit_test(test_iso8601),
        cmocka_unit_test(test_strings),             cmocka_unit_test(test_regexp),
        cmocka_unit_test(test_math),                cmocka_unit_test(test_aggregates),
        cmocka_unit_test(test_cast_decimal_text), cmocka_unit_test(test_cast_boolean_varchar),
        cmocka_unit_test(test_text_functions),
        cmocka_unit_test(test_approx_distinct_large), cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
