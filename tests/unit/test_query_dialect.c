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

#include "query/dialect_int.h"
#include "query/query_int.h"

static sqlite3 *db;

/* fail_io(msg): a stand-in for a scan that fails reading storage. */
static void fail_io(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    sqlite3_result_error(ctx, (const char *)sqlite3_value_text(argv[0]), -1);
    sqlite3_result_error_code(ctx, SQLITE_IOERR);
}

static int setup(void **state)
{
    tarn_error err = {0};
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(tarn_qfunc_register(db, &err), TARN_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE sales(country, amount, dt);"
                                      "INSERT INTO sales VALUES ('France', 10, '2021-01-02');"
                                      "CREATE TABLE other(country);",
                                  NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_create_function(db, "fail_io", 1, SQLITE_UTF8, NULL, fail_io, NULL, NULL),
                     SQLITE_OK);
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

/* One case: the statement, and its rewrite (rewrite_only) or its first
** value or Athena error (see run). */
struct rw_case {
    bool rewrite_only;
    const char *sql, *want;
};

static void check_cases(const struct rw_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *got = c[i].rewrite_only ? rw(c[i].sql) : run(c[i].sql);
        if (strcmp(got, c[i].want) != 0)
            fail_msg("%s\n  got:  %s\n  want: %s", c[i].sql, got, c[i].want);
    }
}

static void test_literals(void **state)
{
    static const struct rw_case cases[] = {
        {true, "SELECT DATE '2021-01-01'", "SELECT '2021-01-01'"},
        {true, "SELECT date '2021-1-5'", "SELECT '2021-01-05'"},
        {true, "SELECT TIMESTAMP '2021-01-01 10:00:00'", "SELECT '2021-01-01 10:00:00.000000'"},
        {true, "SELECT TIMESTAMP '2021-01-01 10:00:00.123'", "SELECT '2021-01-01 10:00:00.123000'"},
        {true, "SELECT TIMESTAMP '2021-01-01'", "SELECT '2021-01-01 00:00:00.000000'"},
        {true, "SELECT TIMESTAMP '2021-01-01 10:00 UTC'", "SELECT '2021-01-01 10:00:00.000000'"},
        {true, "SELECT TIMESTAMP '2021-01-01 10:00:00 +02:00'", "SELECT '2021-01-01 08:00:00.000000'"},
        {true, "SELECT DECIMAL '12.50' * 2", "SELECT (12.50) * 2"},
        {true, "SELECT VARCHAR 'x'", "SELECT 'x'"},
        /* text inside strings, quoted identifiers and comments is untouched */
        {true, "SELECT 'DATE ''2021-01-01''', \"date\" -- DATE '2021-01-01'\n", "SELECT 'DATE ''2021-01-01''', \"date\" -- DATE '2021-01-01'\n"},
        {true, "SELECT /* CAST(x AS BIGINT) */ 1", "SELECT /* CAST(x AS BIGINT) */ 1"},
        {true, "SELECT 'it''s `x`'", "SELECT 'it''s `x`'"},
        /* Trino: INVALID_LITERAL at the literal's keyword */
        {true, "SELECT DATE '2021-02-30'", "ERR: INVALID_LITERAL: line 1:8: '2021-02-30' is not a valid date literal"},
        {true, "SELECT 1,\n  TIMESTAMP 'noon'", "ERR: INVALID_LITERAL: line 2:3: 'noon' is not a valid timestamp literal"},
        {true, "SELECT DATE '2021-01-01 10:00'", "ERR: INVALID_LITERAL: line 1:8: '2021-01-01 10:00' is not a valid date literal"},
        {true, "SELECT DECIMAL 'abc'", "ERR: INVALID_LITERAL: line 1:8: 'abc' is not a valid decimal literal"},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_cast_rewrite(void **state)
{
    static const struct rw_case cases[] = {
        {true, "SELECT CAST(x AS BIGINT)", "SELECT __tarn_cast_bigint(x)"},
        {true, "SELECT cast( x + 1  as  double )", "SELECT __tarn_cast_double( x + 1)"},
        {true, "SELECT TRY_CAST(x AS DECIMAL(10, 2))", "SELECT __tarn_try_cast_decimal(x, 10, 2)"},
        {true, "SELECT CAST(x AS VARCHAR(3))", "SELECT __tarn_cast_varchar(x, 3)"},
        {true, "SELECT CAST(CAST(x AS INT) AS VARCHAR)", "SELECT __tarn_cast_varchar(__tarn_cast_integer(x))"},
        {true, "SELECT CAST((SELECT a AS b FROM t) AS DATE)", "SELECT __tarn_cast_date((SELECT a AS b FROM t))"},
        {true, "SELECT CAST(ts AS timestamp(3) with time zone)", "SELECT __tarn_cast_timestamp(ts)"},
        {true, "SELECT CAST(x AS varbinary)", "SELECT CAST(x AS BLOB)"},
        {true, "SELECT `my col` FROM `t`", "SELECT \"my col\" FROM \"t\""},
        {true, "SELECT `a\"b`", "SELECT \"a\"\"b\""},
        {true, "SELECT a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b, a IS NULL", "SELECT a IS NOT b, a IS b, a IS NULL"},
        {true, "SELECT CAST(x AS foo)", "ERR: TYPE_NOT_FOUND: line 1:18: Unknown type: foo"},
        {true, "SELECT CAST(x AS json)", "ERR: NOT_SUPPORTED: line 1:18: tarn cannot cast to json"},
        {true, "", ""},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* IF, EXTRACT, INTERVAL arithmetic and Trino's NULLS LAST default. */
static void test_expression_rewrites(void **state)
{
    static const struct rw_case cases[] = {
        {true, "SELECT IF(a > 1, 'x', 'y'), if(b, 1)", "SELECT (CASE WHEN a > 1 THEN  'x' ELSE  'y' END), (CASE WHEN b THEN  1 END)"},
        {true, "DROP TABLE IF EXISTS t", "DROP TABLE IF EXISTS t"},
        {true, "SELECT EXTRACT(YEAR FROM d), extract(dow from d)", "SELECT year(d), day_of_week(d)"},
        {true, "SELECT d - INTERVAL '7' DAY", "SELECT date_add('day', -7, d )"},
        {true, "SELECT t.d + interval '1' month + interval '2' hour", "SELECT date_add('hour', 2, date_add('month', 1, t.d ) )"},
        {true, "SELECT DATE '2021-01-31' + INTERVAL '1' MONTH", "SELECT date_add('month', 1, '2021-01-31' )"},
        {true, "SELECT f(x, 2) - INTERVAL '1' YEAR", "SELECT date_add('year', -1, f(x, 2) )"},
        {true, "SELECT a - 1", "SELECT a - 1"},
        {true, "SELECT d + INTERVAL '1' DAY TO SECOND", "ERR: NOT_SUPPORTED: line 1:12: tarn supports INTERVAL 'n' YEAR|MONTH|DAY|HOUR|MINUTE|SECOND only"},
        {true, "SELECT a FROM t ORDER BY a, b DESC, c ASC, d NULLS FIRST LIMIT 3", "SELECT a FROM t ORDER BY a NULLS LAST, b DESC, c ASC NULLS LAST, d NULLS FIRST LIMIT 3"},
        {true, "SELECT rank() OVER (PARTITION BY g ORDER BY f(x, y)) FROM t", "SELECT rank() OVER (PARTITION BY g ORDER BY f(x, y) NULLS LAST) FROM t"},
        {false, "SELECT group_concat(coalesce(x, 'null'), ',') FROM (SELECT x FROM "
                "(SELECT 2 AS x UNION ALL SELECT NULL UNION ALL SELECT 1) ORDER BY x)", "1,2,null"},
        {false, "SELECT date_add('day', 0, DATE '2021-03-01' - INTERVAL '1' DAY)", "2021-02-28"},
        {false, "SELECT IF(1 = 0, CAST('x' AS BIGINT), 5)", "5"},
        {false, "SELECT EXTRACT(MONTH FROM DATE '2021-03-01')", "3"},
        {true, "SELECT position('b' IN s), substring(s FROM 2 FOR 3), substring(s, 2)",
         "SELECT __tarn_position('b' , s), substr(s , 2 , 3), substring(s, 2)"},
        {false, "SELECT position('lo' IN 'hello')", "4"},
        {false, "SELECT substring('hello' FROM 2 FOR 3)", "ell"},
        {false, "SELECT date('2021-02-03 10:00:00.000000')", "2021-02-03"},
        {false, "SELECT date('x')", "USER INVALID_CAST_ARGUMENT: Value cannot be cast to date: x"},
        {true, "SELECT a FROM t GROUP BY ROLLUP (a)", "ERR: NOT_SUPPORTED: line 1:26: tarn does not support ROLLUP and CUBE"},
        {true, "SELECT a FROM t GROUP BY GROUPING SETS ((a))",
         "ERR: NOT_SUPPORTED: line 1:26: tarn does not support GROUPING SETS"},
        {true, "SELECT x FROM t CROSS JOIN UNNEST(t.a) AS u(x)", "ERR: NOT_SUPPORTED: line 1:28: tarn does not support UNNEST"},
        {true, "SELECT ARRAY[1, 2]", "ERR: NOT_SUPPORTED: line 1:8: tarn does not support ARRAY, MAP and ROW values"},
        {true, "SELECT map, row FROM t", "SELECT map, row FROM t"},
        /* Trino's OFFSET comes first; FETCH FIRST; LIMIT ALL */
        {true, "SELECT a FROM t OFFSET 5 ROWS LIMIT 10", "SELECT a FROM t LIMIT 10 OFFSET 5"},
        {true, "SELECT a FROM t OFFSET 5", "SELECT a FROM t LIMIT -1 OFFSET 5"},
        {true, "SELECT a FROM t LIMIT 10 OFFSET 5", "SELECT a FROM t LIMIT 10 OFFSET 5"},
        {true, "SELECT a FROM t ORDER BY a DESC OFFSET 1 FETCH NEXT 2 ROWS ONLY",
         "SELECT a FROM t ORDER BY a DESC LIMIT 2 OFFSET 1"},
        {true, "SELECT a FROM t FETCH FIRST 3 ROWS ONLY", "SELECT a FROM t LIMIT 3"},
        {true, "SELECT a FROM t LIMIT ALL", "SELECT a FROM t LIMIT -1"},
        {true, "SELECT * FROM (SELECT a FROM t OFFSET 1) LIMIT 2", "SELECT * FROM (SELECT a FROM t LIMIT -1 OFFSET 1) LIMIT 2"},
        {false, "SELECT group_concat(x) FROM (SELECT x FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL "
                "SELECT 3) ORDER BY x OFFSET 1 LIMIT 1)", "2"},
        /* column aliases on derived tables */
        {true, "SELECT * FROM (VALUES (1, 'a')) AS t (id, \"Name\")",
         "SELECT * FROM (SELECT NULL AS \"id\", NULL AS \"Name\" WHERE 0 UNION ALL VALUES (1, 'a')) AS t"},
        {false, "SELECT group_concat(name, '+') FROM (VALUES (1, 'a'), (2, 'b')) AS t(id, name) WHERE id > 0", "a+b"},
        {false, "SELECT s.y FROM (SELECT 5, 6) s(x, y)", "6"},
        {true, "WITH t(a) AS (SELECT 1) SELECT a FROM t", "WITH t(a) AS (SELECT 1) SELECT a FROM t"},
        {false, "SELECT 7 WHERE 1 IN (SELECT 1) AND (2 = 2)", "7"},
        {false, "SELECT 8 WHERE EXISTS (SELECT 1) OR (1 = 0)", "8"},
        /* TRY: errors inside give NULL (Trino's try) */
        {true, "SELECT try(CAST(x AS BIGINT)), TRY(date_parse(s, '%Y') + 1)", "SELECT (__tarn_try_cast_bigint(x)), (__tarn_try_date_parse(s, '%Y') + 1)"},
        {false, "SELECT try(date_parse('x', '%Y'))", "NULL"},
        {false, "SELECT coalesce(try(CAST('a' AS DOUBLE)), -1)", "-1"},
        {false, "SELECT try(split_part('a,b', ',', 0)) IS NULL, try(length('abc'))", "1"},
        {false, "SELECT date_parse('x', '%Y')", "USER INVALID_FUNCTION_ARGUMENT: Invalid format: \"x\" is malformed at \"x\""},
        /* Trino's LIKE is case-sensitive */
        {false, "SELECT count(*) FROM sales WHERE country LIKE 'fr%'", "0"},
        {false, "SELECT count(*) FROM sales WHERE country LIKE 'Fr_nce'", "1"},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
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
    static const struct rw_case cases[] = {
        {false, "SELECT CAST('42' AS BIGINT)", "42"},
        {false, "SELECT CAST(2.5 AS BIGINT)", "3"},
        {false, "SELECT CAST(-2.5 AS INTEGER)", "-3"},
        {false, "SELECT CAST('abc' AS BIGINT)", "USER INVALID_CAST_ARGUMENT: Cannot cast 'abc' to BIGINT"},
        {false, "SELECT CAST('1.5' AS BIGINT)", "USER INVALID_CAST_ARGUMENT: Cannot cast '1.5' to BIGINT"},
        {false, "SELECT CAST(' 7' AS INT)", "USER INVALID_CAST_ARGUMENT: Cannot cast ' 7' to INT"},
        {false, "SELECT CAST(3000000000 AS INTEGER)", "USER NUMERIC_VALUE_OUT_OF_RANGE: Out of range for integer: 3000000000"},
        {false, "SELECT CAST(300 AS TINYINT)", "USER NUMERIC_VALUE_OUT_OF_RANGE: Out of range for tinyint: 300"},
        {false, "SELECT TRY_CAST('abc' AS BIGINT)", "NULL"},
        {false, "SELECT TRY_CAST('12' AS BIGINT) + 1", "13"},
        {false, "SELECT CAST(NULL AS BIGINT)", "NULL"},
        {false, "SELECT CAST(' 1.5 ' AS DOUBLE)", "1.5"},
        {false, "SELECT CAST('x' AS DOUBLE)", "USER INVALID_CAST_ARGUMENT: Cannot cast 'x' to DOUBLE"},
        {false, "SELECT CAST(1.1 AS REAL) = 1.1", "0"},
        {false, "SELECT CAST(1.5 AS VARCHAR)", "1.5"},
        {false, "SELECT CAST(100.0 AS VARCHAR)", "100.0"},
        {false, "SELECT CAST(1e7 AS VARCHAR)", "1.0E7"},
        {false, "SELECT CAST(0.0001 AS VARCHAR)", "1.0E-4"},
        {false, "SELECT CAST(123456.789 AS VARCHAR)", "123456.789"},
        {false, "SELECT CAST(12 AS VARCHAR)", "12"},
        {false, "SELECT CAST('héllo' AS VARCHAR(2))", "hé"},
        {false, "SELECT CAST('ab' AS CHAR(4)) || '|'", "ab  |"},
        {false, "SELECT CAST('TRUE' AS BOOLEAN)", "1"},
        {false, "SELECT CAST('f' AS BOOLEAN)", "0"},
        {false, "SELECT CAST('yes' AS BOOLEAN)", "USER INVALID_CAST_ARGUMENT: Cannot cast 'yes' to BOOLEAN"},
        {false, "SELECT CAST(' 2021-01-02 ' AS DATE)", "2021-01-02"},
        {false, "SELECT CAST(TIMESTAMP '2021-01-02 23:59:59' AS DATE)", "2021-01-02"},
        {false, "SELECT CAST('2021-13-01' AS DATE)", "USER INVALID_CAST_ARGUMENT: Value cannot be cast to date: 2021-13-01"},
        {false, "SELECT CAST(DATE '2021-01-02' AS TIMESTAMP)", "2021-01-02 00:00:00.000000"},
        {false, "SELECT CAST('nope' AS TIMESTAMP)", "USER INVALID_CAST_ARGUMENT: Value cannot be cast to timestamp: nope"},
        {false, "SELECT TRY_CAST('nope' AS DATE)", "NULL"},
        {false, "SELECT CAST(2.345 AS DECIMAL(10, 2))", "2.35"},
        {false, "SELECT CAST(-2.345 AS DECIMAL(10,2))", "-2.35"},
        {false, "SELECT CAST('12.3' AS DECIMAL(20, 3))", "12.300"},
        {false, "SELECT CAST(12345 AS DECIMAL(4, 1))", "USER INVALID_CAST_ARGUMENT: Cannot cast BIGINT '12345' to DECIMAL(4, 1). Value too large."},
        {false, "SELECT CAST(dt AS DATE) FROM sales WHERE dt >= DATE '2021-01-01'", "2021-01-02"},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* x op ALL|ANY|SOME (subquery): the rewrite and SQL's three-valued
** answers (false/true before NULL, NULL before the default). */
static void test_quantified(void **state)
{
    static const struct rw_case cases[] = {
        {true, "SELECT a FROM t WHERE x > ALL (SELECT y FROM u)",
         "SELECT a FROM t WHERE __tarn_quantified('>', 1, x , (SELECT "
         "__tarn_quantified_summary(\"__tarn_v\") FROM (SELECT NULL AS \"__tarn_v\" WHERE 0 "
         "UNION ALL SELECT y FROM u)))"},
        {true, "SELECT f(x) = SOME (SELECT 1)", "SELECT f(x) IN (SELECT 1)"},
        {true, "SELECT x <> ALL (SELECT 1)", "SELECT x NOT IN (SELECT 1)"},
        {true, "SELECT a + 1 > ALL (SELECT 1)",
         "ERR: NOT_SUPPORTED: line 1:14: put the expression before '> ALL' in parentheses"},
        {true, "SELECT count(ALL x), x > ANY(1)", "SELECT count(ALL x), x > ANY(1)"},
        {false, "SELECT 1 > ALL (SELECT 0 WHERE 0)", "1"},
        {false, "SELECT 1 = ANY (SELECT 0 WHERE 0)", "0"},
        {false, "SELECT 1 > ALL (SELECT NULL)", "NULL"},
        {false, "SELECT 1 = SOME (SELECT 1 UNION ALL SELECT NULL)", "1"},
        {false, "SELECT 2 <> ALL (SELECT 1 UNION SELECT NULL)", "NULL"},
        {false, "SELECT 2 <> ALL (SELECT 1 UNION SELECT 3)", "1"},
        {false, "SELECT 3 < ANY (SELECT 1 UNION SELECT NULL)", "NULL"},
        {false, "SELECT (1 + 1) >= ALL (SELECT 2 UNION SELECT 1)", "1"},
        {false, "SELECT 'b' > ANY (SELECT 'a')", "1"},
        {false, "SELECT 2 = ALL (SELECT 2 UNION ALL SELECT 2)", "1"},
        {false, "SELECT 2 = ALL (SELECT 2 UNION SELECT 3)", "0"},
        {false, "SELECT 2 = ALL (SELECT 2 UNION ALL SELECT NULL)", "NULL"},
        {false, "SELECT 2 <> ANY (SELECT 2)", "0"},
        {false, "SELECT 2 <> ANY (SELECT 3 UNION SELECT 2)", "1"},
        {false, "SELECT NULL > ALL (SELECT 1 WHERE 0)", "1"},
        {false, "SELECT NULL > ANY (SELECT 1)", "NULL"},
        {false, "SELECT 'b' < ALL (SELECT 'c' UNION SELECT 'd')", "1"},
        {false, "SELECT 5 <= ANY (SELECT 1 UNION SELECT 5)", "1"},
        {false, "SELECT 1.5 < ALL (SELECT 2 UNION SELECT 1.75)", "1"},
        {false, "SELECT count(*) FROM sales WHERE dt <= ALL (SELECT dt FROM sales WHERE dt IS NOT NULL)", "1"},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Athena's error texts for typical mistakes, at the user's position. */
static void test_statements(void **state)
{
    const char *two = "SELECT ';' -- ;\n, \"a;b\" /* ; */ FROM t; SELECT 2";
    bool complete;
    size_t n = tarn_qdialect_statement_len(two, strlen(two), &complete);
    assert_true(complete);
    assert_int_equal(n, strstr(two, "t;") + 2 - two);
    n = tarn_qdialect_statement_len(two + n, strlen(two + n), &complete);
    assert_false(complete);
    assert_int_equal(n, strlen(" SELECT 2"));
    tarn_qdialect_statement_len("SELECT 'a;", 10, &complete);     /* open string */
    assert_false(complete);
    const char *blank = " -- x\n /* y */ ; ", *one = " -- x\n 1";
    assert_true(tarn_qdialect_blank(blank, strlen(blank)));
    assert_false(tarn_qdialect_blank(one, strlen(one)));
    assert_true(tarn_qdialect_blank("", 0));
}

/* Every function TRY may rename has its try form registered. */
static void test_try_names(void **state)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM pragma_function_list WHERE name = ?",
                                        -1, &st, NULL), SQLITE_OK);
    for (const char *const *n = tarn_qdialect_try_names; *n; n++) {
        char name[96];
        snprintf(name, sizeof name, "__tarn_try_%s", *n);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        if (sqlite3_column_int(st, 0) == 0)
            fail_msg("%s is not registered", name);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
}

static void test_errors(void **state)
{
    static const struct rw_case cases[] = {
        {false, "SELECT country FROM nosuch", "USER TABLE_NOT_FOUND: line 1:21: Table 'awsdatacatalog.sales_db.nosuch' does not exist"},
        {false, "SELECT nosuch.x FROM nosuch", "USER TABLE_NOT_FOUND: line 1:22: Table 'awsdatacatalog.sales_db.nosuch' does not exist"},
        {false, "SELECT country\nFROM main.Missing", "USER TABLE_NOT_FOUND: line 2:6: Table 'awsdatacatalog.sales_db.missing' does not exist"},
        {false, "SELECT Cuntry FROM sales", "USER COLUMN_NOT_FOUND: line 1:8: Column 'cuntry' cannot be resolved"},
        /* the position survives the rewrite in front of it */
        {false, "SELECT CAST(amount AS BIGINT), DATE '2021-01-01', `zz` FROM sales", "USER COLUMN_NOT_FOUND: line 1:51: Column 'zz' cannot be resolved"},
        {false, "SELECT s.nope FROM sales s", "USER COLUMN_NOT_FOUND: line 1:8: Column 's.nope' cannot be resolved"},
        {false, "SELECT\n  foo(amount) FROM sales", "USER FUNCTION_NOT_FOUND: line 2:3: Function 'foo' not registered"},
        {false, "SELECT split_part(country) FROM sales", "USER FUNCTION_NOT_FOUND: line 1:8: Unexpected parameters for function split_part: wrong number of arguments"},
        {false, "SELECT country FRM sales", "USER SYNTAX_ERROR: line 1:20: mismatched input 'sales'"},
        {false, "SELECT country FROM", "USER SYNTAX_ERROR: line 1:20: mismatched input '<EOF>'"},
        {false, "SELECT 'abc FROM sales", "USER SYNTAX_ERROR: line 1:8: token recognition error at: ''abc FROM sales'"},
        {false, "SELECT country FROM sales, other", "USER AMBIGUOUS_NAME: line 1:8: Column 'country' is ambiguous"},
        {false, "SELECT country FROM sales ORDER BY 3", "USER INVALID_COLUMN_REFERENCE: line 1:36: ORDER BY position 3 is not in select list"},
        {false, "SELECT country, amount FROM sales ORDER BY 1, -- x\n 7 DESC", "USER INVALID_COLUMN_REFERENCE: line 2:2: ORDER BY position 7 is not in select list"},
        {false, "SELECT country FROM sales WHERE count(*) > 1", "USER EXPRESSION_NOT_SCALAR: line 1:33: aggregate functions are not allowed here (WHERE, GROUP BY or nested aggregates)"},
        /* storage failures are SYSTEM errors; a code already given is kept */
        {false, "SELECT fail_io('HIVE_CURSOR_ERROR: s3://b/k: object vanished')",
         "SYSTEM HIVE_CURSOR_ERROR: s3://b/k: object vanished"},
        {false, "SELECT fail_io('disk on fire')", "SYSTEM GENERIC_INTERNAL_ERROR: disk on fire"},
        /* errors raised inside functions pass through with their code */
        {false, "SELECT date_add('day', 1, country) FROM sales", "USER INVALID_FUNCTION_ARGUMENT: date_add() expects a date or timestamp, got 'France'"},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals),       cmocka_unit_test(test_cast_rewrite),
        cmocka_unit_test(test_origin),         cmocka_unit_test(test_cast_semantics),
        cmocka_unit_test(test_errors),         cmocka_unit_test(test_expression_rewrites),
        cmocka_unit_test(test_try_names),      cmocka_unit_test(test_statements),
        cmocka_unit_test(test_quantified),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
