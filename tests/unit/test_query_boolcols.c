/*
** test_query_boolcols.c: tarn_qbool_columns (query/boolcols.c), which
** result columns of a SELECT are boolean expressions that SQLite gives as
** 0/1 and Athena prints as true/false.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "query/query_int.h"

/* The flags of sql's first n columns as a string of '1' and '0'. */
static const char *flags(const char *sql, size_t n)
{
    static char out[32];
    bool b[32];
    tarn_qbool_columns(sql, strlen(sql), b, n);
    for (size_t i = 0; i < n; i++)
        out[i] = b[i] ? '1' : '0';
    out[n] = '\0';
    return out;
}

static void test_operators(void **state)
{
    (void)state;
    assert_string_equal(flags("SELECT id, id > 5, a = 'x' AS s, b AND c, x IS NULL FROM t", 5),
                        "01111");
    assert_string_equal(flags("SELECT x NOT LIKE 'a%', x IN (1, 2), x BETWEEN 1 AND 2, "
                              "EXISTS (SELECT 1), NOT b FROM t", 5), "11111");
    assert_string_equal(flags("SELECT a <> b, a != b, a <= b, a >= b, a < b FROM t", 5), "11111");
    assert_string_equal(flags("select true, FALSE, (a > 1), ((b)), 1", 5), "11100");
}

static void test_not_boolean(void **state)
{
    (void)state;
    /* Operators inside calls, subqueries, windows and CASE do not count. */
    assert_string_equal(flags("SELECT count_if(a > 1), CASE WHEN a > 1 THEN 1 ELSE 0 END, "
                              "(SELECT max(x) FROM u WHERE u.a = t.a), sum(a) OVER (PARTITION BY "
                              "b ORDER BY c), a || 'x', a + b FROM t WHERE a = 1", 6), "000000");
    /* Functions that return boolean, and the CAST helpers. */
    assert_string_equal(flags("SELECT regexp_like(a, 'x'), __tarn_cast_boolean(a), "
                              "__tarn_cast_varchar(a > 1), length(a) = 2 FROM t", 4), "1101");
}

static void test_statement_shapes(void **state)
{
    (void)state;
    /* The outermost SELECT after a WITH; DISTINCT; UNION takes the first. */
    assert_string_equal(flags("WITH c AS (SELECT a > 1 AS x FROM t) SELECT DISTINCT x, x = 1 "
                              "FROM c UNION SELECT 1, 2", 2), "01");
    /* x > ALL (...) as the dialect rewrites it; another scalar subquery. */
    assert_string_equal(flags("SELECT __tarn_quantified('>', 1, x, (SELECT "
                              "__tarn_quantified_summary(\"__tarn_v\") FROM (SELECT NULL AS "
                              "\"__tarn_v\" WHERE 0 UNION ALL SELECT 1))), "
                              "(SELECT max(a > 1) FROM t)", 2), "10");
    /* Items after a * cannot be counted: unknown (false). */
    assert_string_equal(flags("SELECT a > 1, *, b > 1 FROM t", 3), "100");
    assert_string_equal(flags("SELECT t.*, b > 1 FROM t", 2), "00");
    /* No SELECT, empty text, NULL. */
    assert_string_equal(flags("SHOW TABLES", 2), "00");
    assert_string_equal(flags("", 1), "0");
    bool b[1] = {true};
    tarn_qbool_columns(NULL, 0, b, 1);
    assert_false(b[0]);
    /* Unbalanced text never reads past its end. */
    assert_string_equal(flags("SELECT (a > 1", 2), "00");
    assert_string_equal(flags("SELECT a > (", 2), "10");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_not_boolean),
        cmocka_unit_test(test_statement_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
