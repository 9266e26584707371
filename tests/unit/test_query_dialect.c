/*
** test_query_dialect.c: the Athena rewrite (tarn_qdialect_rewrite: typed
** literals, CAST/TRY_CAST, backquotes, origin map), CAST semantics, and
** the Athena error texts with positions (tarn_qerror_from_sqlite) on an
** in-memory SQLite with the functions registered. Expected messages are
** Athena's/Trino's wording (StandardErrorCode names, "line L:C:").
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

static int setup(void **state)
{
    tarn_error err = {0};
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(tarn_qfunc_register(db, &err), TARN_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE sales(country, amount, dt);"
                                      "INSERT INTO sales VALUES ('France', 10, '2021-01-02');"
                                      "CREATE TABLE other(country);",
                                  NULL, NULL, NULL), SQLITE_OK);
    return 0;
}

static int teardown(void **state)
{
    sqlite3_close(db);
    return 0;
}

/* The rewritten SQL of sql, or "ERR: message". */
static const char *rw(const char *sql)
{
    static char out[2048];
    tarn_qtext t;
    tarn_error err = {0};
    if (tarn_qdialect_rewrite(sql, strlen(sql), &t, &err) != TARN_OK) {
        snprintf(out, sizeof out, "ERR: %s", err.msg);
        return out;
    }
    assert_int_equal(strlen(t.sql), t.len);
    snprintf(out, sizeof out, "%s", t.sql);
    tarn_qtext_free(&t);
    return out;
}

/* Run sql through rewrite, prepare and the first step; the first column
** as text, "NULL", or the Athena error "<category> <message>". */
static const char *run(const char *sql)
{
    static char out[2048];
    tarn_qtext t;
    tarn_error err = {0};
    if (tarn_qdialect_rewrite(sql, strlen(sql), &t, &err) != TARN_OK) {
        snprintf(out, sizeof out, "REWRITE %s", err.msg);
        return out;
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, t.sql, (int)t.len, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        snprintf(out, sizeof out, "%s", v ? v : "NULL");
    } else if (rc != SQLITE_DONE) {
        int cat = 0;
        tarn_qerror_from_sqlite(db, &t, sql, "sales_db", &cat, &err);
        snprintf(out, sizeof out, "%s %s", cat == TARN_QERR_USER ? "USER" : "SYSTEM", err.msg);
    } else {
        out[0] = '\0';
    }
    sqlite3_finalize(st);
    tarn_qtext_free(&t);
    return out;
}

static void test_literals(void **state)
{
    assert_string_equal(rw("SELECT DATE '2021-01-01'"), "SELECT '2021-01-01'");
    assert_string_equal(rw("SELECT date '2021-1-5'"), "SELECT '2021-01-05'");
    assert_string_equal(rw("SELECT TIMESTAMP '2021-01-01 10:00:00'"),
                        "SELECT '2021-01-01 10:00:00.000000'");
    assert_string_equal(rw("SELECT TIMESTAMP '2021-01-01 10:00:00.123'"),
                        "SELECT '2021-01-01 10:00:00.123000'");
    assert_string_equal(rw("SELECT TIMESTAMP '2021-01-01'"), "SELECT '2021-01-01 00:00:00.000000'");
    assert_string_equal(rw("SELECT TIMESTAMP '2021-01-01 10:00 UTC'"), "SELECT '2021-01-01 10:00:00.000000'");
    assert_string_equal(rw("SELECT TIMESTAMP '2021-01-01 10:00:00 +02:00'"),
                        "SELECT '2021-01-01 08:00:00.000000'");
    assert_string_equal(rw("SELECT DECIMAL '12.50' * 2"), "SELECT (12.50) * 2");
    assert_string_equal(rw("SELECT VARCHAR 'x'"), "SELECT 'x'");
    /* text inside strings, quoted identifiers and comments is untouched */
    assert_string_equal(rw("SELECT 'DATE ''2021-01-01''', \"date\" -- DATE '2021-01-01'\n"),
                        "SELECT 'DATE ''2021-01-01''', \"date\" -- DATE '2021-01-01'\n");
    assert_string_equal(rw("SELECT /* CAST(x AS BIGINT) */ 1"), "SELECT /* CAST(x AS BIGINT) */ 1");
    assert_string_equal(rw("SELECT 'it''s `x`'"), "SELECT 'it''s `x`'");
    /* Trino: INVALID_LITERAL at the literal's keyword */
    assert_string_equal(rw("SELECT DATE '2021-02-30'"),
                        "ERR: INVALID_LITERAL: line 1:8: '2021-02-30' is not a valid date literal");
    assert_string_equal(rw("SELECT 1,\n  TIMESTAMP 'noon'"),
                        "ERR: INVALID_LITERAL: line 2:3: 'noon' is not a valid timestamp literal");
    assert_string_equal(rw("SELECT DATE '2021-01-01 10:00'"),
                        "ERR: INVALID_LITERAL: line 1:8: '2021-01-01 10:00' is not a valid date literal");
    assert_string_equal(rw("SELECT DECIMAL 'abc'"),
                        "ERR: INVALID_LITERAL: line 1:8: 'abc' is not a valid decimal literal");
}

static void test_cast_rewrite(void **state)
{
    assert_string_equal(rw("SELECT CAST(x AS BIGINT)"), "SELECT __tarn_cast_bigint(x)");
    assert_string_equal(rw("SELECT cast( x + 1  as  double )"), "SELECT __tarn_cast_double( x + 1)");
    assert_string_equal(rw("SELECT TRY_CAST(x AS DECIMAL(10, 2))"), "SELECT __tarn_try_cast_decimal(x, 10, 2)");
    assert_string_equal(rw("SELECT CAST(x AS VARCHAR(3))"), "SELECT __tarn_cast_varchar(x, 3)");
    assert_string_equal(rw("SELECT CAST(CAST(x AS INT) AS VARCHAR)"),
                        "SELECT __tarn_cast_varchar(__tarn_cast_integer(x))");
    assert_string_equal(rw("SELECT CAST((SELECT a AS b FROM t) AS DATE)"),
                        "SELECT __tarn_cast_date((SELECT a AS b FROM t))");
    assert_string_equal(rw("SELECT CAST(ts AS timestamp(3) with time zone)"),
                        "SELECT __tarn_cast_timestamp(ts)");
    assert_string_equal(rw("SELECT CAST(x AS varbinary)"), "SELECT CAST(x AS BLOB)");
    assert_string_equal(rw("SELECT `my col` FROM `t`"), "SELECT \"my col\" FROM \"t\"");
    assert_string_equal(rw("SELECT `a\"b`"), "SELECT \"a\"\"b\"");
    assert_string_equal(rw("SELECT a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b, a IS NULL"),
                        "SELECT a IS NOT b, a IS b, a IS NULL");
    assert_string_equal(rw("SELECT CAST(x AS foo)"), "ERR: TYPE_NOT_FOUND: line 1:18: Unknown type: foo");
    assert_string_equal(rw("SELECT CAST(x AS json)"), "ERR: NOT_SUPPORTED: line 1:18: tarn cannot cast to json");
    assert_string_equal(rw(""), "");
}

/* IF, EXTRACT, INTERVAL arithmetic and Trino's NULLS LAST default. */
static void test_expression_rewrites(void **state)
{
    assert_string_equal(rw("SELECT IF(a > 1, 'x', 'y'), if(b, 1)"),
                        "SELECT (CASE WHEN a > 1 THEN  'x' ELSE  'y' END), (CASE WHEN b THEN  1 END)");
    assert_string_equal(rw("DROP TABLE IF EXISTS t"), "DROP TABLE IF EXISTS t");
    assert_string_equal(rw("SELECT EXTRACT(YEAR FROM d), extract(dow from d)"),
                        "SELECT year(d), day_of_week(d)");
    assert_string_equal(rw("SELECT d - INTERVAL '7' DAY"), "SELECT date_add('day', -7, d )");
    assert_string_equal(rw("SELECT t.d + interval '1' month + interval '2' hour"),
                        "SELECT date_add('hour', 2, date_add('month', 1, t.d ) )");
    assert_string_equal(rw("SELECT DATE '2021-01-31' + INTERVAL '1' MONTH"),
                        "SELECT date_add('month', 1, '2021-01-31' )");
    assert_string_equal(rw("SELECT f(x, 2) - INTERVAL '1' YEAR"), "SELECT date_add('year', -1, f(x, 2) )");
    assert_string_equal(rw("SELECT a - 1"), "SELECT a - 1");
    assert_string_equal(rw("SELECT d + INTERVAL '1' DAY TO SECOND"),
                        "ERR: NOT_SUPPORTED: line 1:12: tarn supports INTERVAL 'n' "
                        "YEAR|MONTH|DAY|HOUR|MINUTE|SECOND only");
    assert_string_equal(rw("SELECT a FROM t ORDER BY a, b DESC, c ASC, d NULLS FIRST LIMIT 3"),
                        "SELECT a FROM t ORDER BY a NULLS LAST, b DESC, c ASC NULLS LAST, d NULLS FIRST LIMIT 3");
    assert_string_equal(rw("SELECT rank() OVER (PARTITION BY g ORDER BY f(x, y)) FROM t"),
                        "SELECT rank() OVER (PARTITION BY g ORDER BY f(x, y) NULLS LAST) FROM t");
    assert_string_equal(run("SELECT group_concat(coalesce(x, 'null'), ',') FROM (SELECT x FROM "
                            "(SELECT 2 AS x UNION ALL SELECT NULL UNION ALL SELECT 1) ORDER BY x)"),
                        "1,2,null");
    assert_string_equal(run("SELECT date_add('day', 0, DATE '2021-03-01' - INTERVAL '1' DAY)"), "2021-02-28");
    assert_string_equal(run("SELECT IF(1 = 0, CAST('x' AS BIGINT), 5)"), "5");
    assert_string_equal(run("SELECT EXTRACT(MONTH FROM DATE '2021-03-01')"), "3");
    /* Trino's LIKE is case-sensitive */
    assert_string_equal(run("SELECT count(*) FROM sales WHERE country LIKE 'fr%'"), "0");
    assert_string_equal(run("SELECT count(*) FROM sales WHERE country LIKE 'Fr_nce'"), "1");
}

/* The origin map sends each byte back to the user's text. */
static void test_origin(void **state)
{
    const char *sql = "SELECT CAST(a AS BIGINT), DATE '2021-01-01', zz FROM t";
    tarn_qtext t;
    tarn_error err = {0};
    assert_int_equal(tarn_qdialect_rewrite(sql, strlen(sql), &t, &err), TARN_OK);
    const char *zz = strstr(t.sql, "zz");
    assert_non_null(zz);
    assert_int_equal(t.origin[zz - t.sql], strstr(sql, "zz") - sql);
    const char *lit = strstr(t.sql, "'2021");
    assert_int_equal(t.origin[lit - t.sql], strstr(sql, "DATE") - sql);
    const char *a = strstr(t.sql, "(a)");
    assert_int_equal(t.origin[a + 1 - t.sql], strstr(sql, "(a") + 1 - sql);
    assert_int_equal(t.origin[t.len], strlen(sql));
    tarn_qtext_free(&t);

    int line, col;
    tarn_qtext_position("ab\ncdé f", 7, &line, &col);   /* 'é' is two bytes, one column */
    assert_int_equal(line, 2);
    assert_int_equal(col, 4);
    tarn_qtext_position("x", 0, &line, &col);
    assert_int_equal(line, 1);
    assert_int_equal(col, 1);
}

/* Trino's casts: VarcharOperators (Long.parseLong: "Cannot cast '%s' to
** BIGINT"), DateOperators ("Value cannot be cast to date: "),
** DoubleOperators (round half up away from zero), Double.toString. */
static void test_cast_semantics(void **state)
{
    assert_string_equal(run("SELECT CAST('42' AS BIGINT)"), "42");
    assert_string_equal(run("SELECT CAST(2.5 AS BIGINT)"), "3");
    assert_string_equal(run("SELECT CAST(-2.5 AS INTEGER)"), "-3");
    assert_string_equal(run("SELECT CAST('abc' AS BIGINT)"),
                        "USER INVALID_CAST_ARGUMENT: Cannot cast 'abc' to BIGINT");
    assert_string_equal(run("SELECT CAST('1.5' AS BIGINT)"),
                        "USER INVALID_CAST_ARGUMENT: Cannot cast '1.5' to BIGINT");
    assert_string_equal(run("SELECT CAST(' 7' AS INT)"), "USER INVALID_CAST_ARGUMENT: Cannot cast ' 7' to INT");
    assert_string_equal(run("SELECT CAST(3000000000 AS INTEGER)"),
                        "USER NUMERIC_VALUE_OUT_OF_RANGE: Out of range for integer: 3000000000");
    assert_string_equal(run("SELECT CAST(300 AS TINYINT)"),
                        "USER NUMERIC_VALUE_OUT_OF_RANGE: Out of range for tinyint: 300");
    assert_string_equal(run("SELECT TRY_CAST('abc' AS BIGINT)"), "NULL");
    assert_string_equal(run("SELECT TRY_CAST('12' AS BIGINT) + 1"), "13");
    assert_string_equal(run("SELECT CAST(NULL AS BIGINT)"), "NULL");
    assert_string_equal(run("SELECT CAST(' 1.5 ' AS DOUBLE)"), "1.5");
    assert_string_equal(run("SELECT CAST('x' AS DOUBLE)"), "USER INVALID_CAST_ARGUMENT: Cannot cast 'x' to DOUBLE");
    assert_string_equal(run("SELECT CAST(1.1 AS REAL) = 1.1"), "0");
    assert_string_equal(run("SELECT CAST(1.5 AS VARCHAR)"), "1.5");
    assert_string_equal(run("SELECT CAST(100.0 AS VARCHAR)"), "100.0");
    assert_string_equal(run("SELECT CAST(1e7 AS VARCHAR)"), "1.0E7");
    assert_string_equal(run("SELECT CAST(0.0001 AS VARCHAR)"), "1.0E-4");
    assert_string_equal(run("SELECT CAST(123456.789 AS VARCHAR)"), "123456.789");
    assert_string_equal(run("SELECT CAST(12 AS VARCHAR)"), "12");
    assert_string_equal(run("SELECT CAST('héllo' AS VARCHAR(2))"), "hé");
    assert_string_equal(run("SELECT CAST('ab' AS CHAR(4)) || '|'"), "ab  |");
    assert_string_equal(run("SELECT CAST('TRUE' AS BOOLEAN)"), "1");
    assert_string_equal(run("SELECT CAST('f' AS BOOLEAN)"), "0");
    assert_string_equal(run("SELECT CAST('yes' AS BOOLEAN)"),
                        "USER INVALID_CAST_ARGUMENT: Cannot cast 'yes' to BOOLEAN");
    assert_string_equal(run("SELECT CAST(' 2021-01-02 ' AS DATE)"), "2021-01-02");
    assert_string_equal(run("SELECT CAST(TIMESTAMP '2021-01-02 23:59:59' AS DATE)"), "2021-01-02");
    assert_string_equal(run("SELECT CAST('2021-13-01' AS DATE)"),
                        "USER INVALID_CAST_ARGUMENT: Value cannot be cast to date: 2021-13-01");
    assert_string_equal(run("SELECT CAST(DATE '2021-01-02' AS TIMESTAMP)"), "2021-01-02 00:00:00.000000");
    assert_string_equal(run("SELECT CAST('nope' AS TIMESTAMP)"),
                        "USER INVALID_CAST_ARGUMENT: Value cannot be cast to timestamp: nope");
    assert_string_equal(run("SELECT TRY_CAST('nope' AS DATE)"), "NULL");
    assert_string_equal(run("SELECT CAST(2.345 AS DECIMAL(10, 2))"), "2.35");
    assert_string_equal(run("SELECT CAST(-2.345 AS DECIMAL(10,2))"), "-2.35");
    assert_string_equal(run("SELECT CAST('12.3' AS DECIMAL(20, 3))"), "12.300");
    assert_string_equal(run("SELECT CAST(12345 AS DECIMAL(4, 1))"),
                        "USER INVALID_CAST_ARGUMENT: Cannot cast BIGINT '12345' to DECIMAL(4, 1). Value too large.");
    assert_string_equal(run("SELECT CAST(dt AS DATE) FROM sales WHERE dt >= DATE '2021-01-01'"), "2021-01-02");
}

/* Athena's error texts for typical mistakes, at the user's position. */
static void test_errors(void **state)
{
    assert_string_equal(run("SELECT country FROM nosuch"),
                        "USER TABLE_NOT_FOUND: line 1:21: Table 'awsdatacatalog.sales_db.nosuch' does not exist");
    assert_string_equal(run("SELECT nosuch.x FROM nosuch"),
                        "USER TABLE_NOT_FOUND: line 1:22: Table 'awsdatacatalog.sales_db.nosuch' does not exist");
    assert_string_equal(run("SELECT country\nFROM main.Missing"),
                        "USER TABLE_NOT_FOUND: line 2:6: Table 'awsdatacatalog.sales_db.missing' does not exist");
    assert_string_equal(run("SELECT Cuntry FROM sales"),
                        "USER COLUMN_NOT_FOUND: line 1:8: Column 'cuntry' cannot be resolved");
    /* the position survives the rewrite in front of it */
    assert_string_equal(run("SELECT CAST(amount AS BIGINT), DATE '2021-01-01', `zz` FROM sales"),
                        "USER COLUMN_NOT_FOUND: line 1:51: Column 'zz' cannot be resolved");
    assert_string_equal(run("SELECT s.nope FROM sales s"),
                        "USER COLUMN_NOT_FOUND: line 1:8: Column 's.nope' cannot be resolved");
    assert_string_equal(run("SELECT\n  foo(amount) FROM sales"),
                        "USER FUNCTION_NOT_FOUND: line 2:3: Function 'foo' not registered");
    assert_string_equal(run("SELECT split_part(country) FROM sales"),
                        "USER FUNCTION_NOT_FOUND: line 1:8: Unexpected parameters for function split_part: "
                        "wrong number of arguments");
    assert_string_equal(run("SELECT country FRM sales"),
                        "USER SYNTAX_ERROR: line 1:20: mismatched input 'sales'");
    assert_string_equal(run("SELECT country FROM"), "USER SYNTAX_ERROR: line 1:20: mismatched input '<EOF>'");
    assert_string_equal(run("SELECT 'abc FROM sales"),
                        "USER SYNTAX_ERROR: line 1:8: token recognition error at: ''abc FROM sales'");
    assert_string_equal(run("SELECT country FROM sales, other"),
                        "USER AMBIGUOUS_NAME: line 1:8: Column 'country' is ambiguous");
    assert_string_equal(run("SELECT country FROM sales ORDER BY 3"),
                        "USER INVALID_COLUMN_REFERENCE: line 1:36: ORDER BY position 3 is not in select list");
    assert_string_equal(run("SELECT country, amount FROM sales ORDER BY 1, -- x\n 7 DESC"),
                        "USER INVALID_COLUMN_REFERENCE: line 2:2: ORDER BY position 7 is not in select list");
    assert_string_equal(run("SELECT country FROM sales WHERE count(*) > 1"),
                        "USER EXPRESSION_NOT_SCALAR: line 1:33: aggregate functions are not allowed here "
                        "(WHERE, GROUP BY or nested aggregates)");
    /* errors raised inside functions pass through with their code */
    assert_string_equal(run("SELECT date_add('day', 1, country) FROM sales"),
                        "USER INVALID_FUNCTION_ARGUMENT: date_add() expects a date or timestamp, got 'France'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals),       cmocka_unit_test(test_cast_rewrite),
        cmocka_unit_test(test_origin),         cmocka_unit_test(test_cast_semantics),
        cmocka_unit_test(test_errors),         cmocka_unit_test(test_expression_rewrites),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
