/*
** test_stats.c: the HyperLogLog sketch (core/hll.c) and per-column
** statistics (table/stats.c): accuracy, merging, min/max rules per type,
** and the threaded collector over a batch source.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "table/table.h"

static double rel_err(double est, double truth)
{
    return fabs(est - truth) / truth;
}

static void test_hll_empty_is_zero(void **state)
{
    tarn_hll h;
    tarn_hll_init(&h);
    assert_true(tarn_hll_estimate(&h) == 0.0);
}

static void test_hll_million_integers_within_2pct(void **state)
{
    tarn_hll *h = malloc(sizeof *h);
    tarn_hll_init(h);
    for (uint64_t i = 0; i < 1000000; i++) {
        tarn_hll_add(h, tarn_hash_u64(i));
        tarn_hll_add(h, tarn_hash_u64(i)); /* duplicates change nothing */
    }
    double est = tarn_hll_estimate(h);
    assert_true(rel_err(est, 1e6) < 0.02);
    free(h);
}

static void test_hll_million_strings_within_2pct(void **state)
{
    tarn_hll *h = malloc(sizeof *h);
    tarn_hll_init(h);
    char s[32];
    for (int i = 0; i < 1000000; i++) {
        int n = snprintf(s, sizeof s, "country-%d", i);
        tarn_hll_add(h, tarn_hash64(s, (size_t)n, 42));
    }
    assert_true(rel_err(tarn_hll_estimate(h), 1e6) < 0.02);
    free(h);
}

static void test_hll_small_counts_close(void **state)
{
    static const int sizes[] = {1, 10, 100, 1000, 20000, 100000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        tarn_hll h;
        tarn_hll_init(&h);
        for (int i = 0; i < sizes[k]; i++)
            tarn_hll_add(&h, tarn_hash_u64((uint64_t)i * 7919u + 13));
        double est = tarn_hll_estimate(&h);
        /* small counts are nearly exact; large ones within 3 sigma (2.4%) */
        double tol = sizes[k] <= 1000 ? 0.01 * sizes[k] + 1 : 0.025 * sizes[k];
        assert_true(fabs(est - sizes[k]) <= tol);
    }
}

static void test_hll_merge_is_union(void **state)
{
    tarn_hll a, b, all;
    tarn_hll_init(&a);
    tarn_hll_init(&b);
    tarn_hll_init(&all);
    for (uint64_t i = 0; i < 300000; i++) {
        uint64_t h = tarn_hash_u64(i);
        if (i < 200000)
            tarn_hll_add(&a, h);
        if (i >= 100000)
            tarn_hll_add(&b, h);
        tarn_hll_add(&all, h);
    }
    tarn_hll_merge(&a, &b);
    assert_memory_equal(a.reg, all.reg, sizeof a.reg);
    assert_true(rel_err(tarn_hll_estimate(&a), 300000) < 0.02);
}

/* A one-column schema of type id. */
static void one_col(tarn_schema *s, tarn_type_id id)
{
    tarn_schema_init(s);
    tarn_schema_add(s, "c", (tarn_type){.id = id});
}

static void test_stats_int_with_nulls(void **state)
{
    tarn_schema s;
    one_col(&s, TARN_TYPE_INT);
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    for (int i = 0; i < 1000; i++) {
        if (i % 10 == 0)
            tarn_column_append_null(&b.cols[0]);
        else
            tarn_column_append_i32(&b.cols[0], (i % 50) - 20);
    }
    b.nrows = 1000;
    tarn_table_stats st;
    tarn_stats_init(&st, &s);
    tarn_stats_add(&st, &b);
    const tarn_column_stats *cs = &st.cols[0];
    assert_int_equal(st.rows, 1000);
    assert_int_equal(cs->null_count, 100);
    assert_int_equal(cs->count, 900);
    assert_int_equal(cs->min.i, -19);
    assert_int_equal(cs->max.i, 29);
    /* values i%50 with i%10 != 0: 45 distinct residues */
    assert_int_equal(tarn_stats_distinct(cs), 45);
    char buf[64];
    tarn_stats_format(cs, false, buf, sizeof buf);
    assert_string_equal(buf, "-19");
    tarn_stats_format(cs, true, buf, sizeof buf);
    assert_string_equal(buf, "29");
    tarn_stats_free(&st);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

static void test_stats_strings_byte_order(void **state)
{
    static const char *vals[] = {"Zambia", "\xC3\x85land", "Côte d’Ivoire", "", "Albania",
                                 "Curaçao", "Zambia", "Al"};
    tarn_schema s;
    one_col(&s, TARN_TYPE_STRING);
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    for (size_t i = 0; i < 8; i++)
        tarn_column_append_str(&b.cols[0], vals[i], strlen(vals[i]));
    tarn_column_append_null(&b.cols[0]);
    b.nrows = 9;
    tarn_table_stats st;
    tarn_stats_init(&st, &s);
    tarn_stats_add(&st, &b);
    const tarn_column_stats *cs = &st.cols[0];
    char buf[64];
    tarn_stats_format(cs, false, buf, sizeof buf);
    assert_string_equal(buf, "");
    assert_true(cs->has_minmax);
    assert_int_equal(cs->min_len, 0);
    tarn_stats_format(cs, true, buf, sizeof buf);
    assert_string_equal(buf, "\xC3\x85land"); /* 0xC3 sorts after 'Z' */
    assert_int_equal(cs->count, 8);
    assert_int_equal(cs->null_count, 1);
    assert_int_equal(tarn_stats_distinct(cs), 7);
    /* merged both ways with statistics whose min is also "" */
    tarn_table_stats other;
    tarn_stats_init(&other, &s);
    tarn_batch_reset(&b);
    tarn_column_append_str(&b.cols[0], "", 0);
    tarn_column_append_str(&b.cols[0], "\xC3\x86", 2);
    b.nrows = 2;
    tarn_stats_add(&other, &b);
    tarn_stats_merge(&other, &st);
    tarn_stats_merge(&st, &other);
    tarn_stats_format(&st.cols[0], true, buf, sizeof buf);
    assert_string_equal(buf, "\xC3\x86");
    assert_int_equal(st.cols[0].min_len, 0);
    assert_int_equal(st.cols[0].count, 8 + 10);
    tarn_stats_free(&other);
    tarn_stats_free(&st);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

static void test_stats_double_nan_and_zero(void **state)
{
    tarn_schema s;
    one_col(&s, TARN_TYPE_DOUBLE);
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    double vals[] = {NAN, 2.5, -0.0, 0.0, -NAN, -7.25, 2.5};
    for (size_t i = 0; i < 7; i++)
        tarn_column_append_double(&b.cols[0], vals[i]);
    b.nrows = 7;
    tarn_table_stats st;
    tarn_stats_init(&st, &s);
    tarn_stats_add(&st, &b);
    const tarn_column_stats *cs = &st.cols[0];
    assert_int_equal(cs->count, 7);
    assert_int_equal(cs->nan_count, 2);
    assert_true(cs->min.d == -7.25);
    assert_true(cs->max.d == 2.5);
    /* NaN, 2.5, 0, -7.25 */
    assert_int_equal(tarn_stats_distinct(cs), 4);
    tarn_stats_free(&st);

    tarn_batch_reset(&b);
    tarn_column_append_double(&b.cols[0], NAN);
    tarn_column_append_null(&b.cols[0]);
    b.nrows = 2;
    tarn_stats_init(&st, &s);
    tarn_stats_add(&st, &b);
    char buf[32];
    tarn_stats_format(&st.cols[0], true, buf, sizeof buf);
    assert_string_equal(buf, "NaN");
    assert_int_equal(st.cols[0].null_count, 1);
    tarn_stats_free(&st);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

static void test_stats_bool_exact_distinct(void **state)
{
    tarn_schema s;
    one_col(&s, TARN_TYPE_BOOLEAN);
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    for (int i = 0; i < 10; i++)
        tarn_column_append_bool(&b.cols[0], true);
    b.nrows = 10;
    tarn_table_stats st;
    tarn_stats_init(&st, &s);
    tarn_stats_add(&st, &b);
    assert_int_equal(tarn_stats_distinct(&st.cols[0]), 1);
    char buf[16];
    tarn_stats_format(&st.cols[0], false, buf, sizeof buf);
    assert_string_equal(buf, "true");
    tarn_batch_reset(&b);
    tarn_column_append_bool(&b.cols[0], false);
    b.nrows = 1;
    tarn_stats_add(&st, &b);
    assert_int_equal(tarn_stats_distinct(&st.cols[0]), 2);
    tarn_stats_format(&st.cols[0], false, buf, sizeof buf);
    assert_string_equal(buf, "false");
    tarn_stats_free(&st);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

static void test_stats_date_timestamp_format(void **state)
{
    tarn_schema s;
    tarn_schema_init(&s);
    tarn_schema_add(&s, "d", (tarn_type){.id = TARN_TYPE_DATE});
    tarn_schema_add(&s, "t", (tarn_type){.id = TARN_TYPE_TIMESTAMP});
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    tarn_column_append_i32(&b.cols[0], tarn_days_from_civil(2021, 3, 4));
    tarn_column_append_i32(&b.cols[0], tarn_days_from_civil(1999, 12, 31));
    int64_t day = 86400LL * 1000000;
    tarn_column_append_i64(&b.cols[1],
                           tarn_days_from_civil(2020, 1, 2) * day + 3600LL * 1000000 + 5);
    tarn_column_append_i64(&b.cols[1], tarn_days_from_civil(1960, 1, 1) * day);
    b.nrows = 2;
    tarn_table_stats st;
    tarn_stats_init(&st, &s);
    tarn_stats_add(&st, &b);
    char buf[64];
    tarn_stats_format(&st.cols[0], false, buf, sizeof buf);
    assert_string_equal(buf, "1999-12-31");
    tarn_stats_format(&st.cols[0], true, buf, sizeof buf);
    assert_string_equal(buf, "2021-03-04");
    tarn_stats_format(&st.cols[1], false, buf, sizeof buf);
    assert_string_equal(buf, "1960-01-01 00:00:00");
    tarn_stats_format(&st.cols[1], true, buf, sizeof buf);
    assert_string_equal(buf, "2020-01-02 01:00:00.000005");
    tarn_stats_free(&st);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

/* The string hash stats uses keeps the sketch within 2% on a million
** distinct strings of mixed lengths, and near exact on short ones. */
static void test_stats_string_distinct_accuracy(void **state)
{
    tarn_schema s;
    one_col(&s, TARN_TYPE_STRING);
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    tarn_table_stats st;
    tarn_stats_init(&st, &s);
    char v[64];
    for (int i = 0; i < 1000000; i++) {
        int n = snprintf(v, sizeof v, "%.*s%d", i % 40,
                         "https://covid19.who.int/region/x/country", i);
        tarn_column_append_str(&b.cols[0], v, (size_t)n);
        b.nrows++;
        if (b.nrows == 65536) {
            tarn_stats_add(&st, &b);
            tarn_batch_reset(&b);
        }
    }
    tarn_stats_add(&st, &b);
    assert_true(rel_err((double)tarn_stats_distinct(&st.cols[0]), 1e6) < 0.02);
    tarn_stats_free(&st);

    tarn_batch_reset(&b);
    tarn_stats_init(&st, &s);
    int distinct = 0;
    for (int a = 0; a < 26; a++, distinct++) {
        v[0] = (char)('a' + a);
        tarn_column_append_str(&b.cols[0], v, 1);
        for (int c = 0; c < 26; c++, distinct++) {
            v[1] = (char)('A' + c);
            tarn_column_append_str(&b.cols[0], v, 2);
            v[2] = '-';
            tarn_column_append_str(&b.cols[0], v, 3);
            distinct++;
        }
    }
    b.nrows = b.cols[0].length;
    tarn_stats_add(&st, &b);
    assert_true(labs((long)tarn_stats_distinct(&st.cols[0]) - distinct) <= 2);
    tarn_stats_free(&st);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

/* A three-column schema used by the merge and collector tests. */
static void mixed_schema(tarn_schema *s)
{
    tarn_schema_init(s);
    tarn_schema_add(s, "id", (tarn_type){.id = TARN_TYPE_BIGINT});
    tarn_schema_add(s, "name", (tarn_type){.id = TARN_TYPE_STRING});
    tarn_schema_add(s, "x", (tarn_type){.id = TARN_TYPE_DOUBLE});
}

/* Fill b with rows [from, from+n) of a deterministic table. */
static void fill_rows(tarn_batch *b, int64_t from, int64_t n)
{
    tarn_batch_reset(b);
    char s[32];
    for (int64_t r = from; r < from + n; r++) {
        tarn_column_append_i64(&b->cols[0], (r * 2654435761LL) % 100003);
        if (r % 7 == 3)
            tarn_column_append_null(&b->cols[1]);
        else {
            int k = snprintf(s, sizeof s, "n%lld", (long long)(r % 5000));
            tarn_column_append_str(&b->cols[1], s, (size_t)k);
        }
        tarn_column_append_double(&b->cols[2], (double)(r % 1000) / 8.0 - 30.0);
    }
    b->nrows = n;
}

static void assert_stats_equal(const tarn_table_stats *a, const tarn_table_stats *b)
{
    assert_int_equal(a->rows, b->rows);
    for (int i = 0; i < a->ncols; i++) {
        const tarn_column_stats *x = &a->cols[i], *y = &b->cols[i];
        assert_int_equal(x->count, y->count);
        assert_int_equal(x->null_count, y->null_count);
        char bx[64], by[64];
        tarn_stats_format(x, false, bx, sizeof bx);
        tarn_stats_format(y, false, by, sizeof by);
        assert_string_equal(bx, by);
        tarn_stats_format(x, true, bx, sizeof bx);
        tarn_stats_format(y, true, by, sizeof by);
        assert_string_equal(bx, by);
        assert_memory_equal(x->hll->reg, y->hll->reg, sizeof x->hll->reg);
    }
}

static void test_stats_merge_equals_single_pass(void **state)
{
    tarn_schema s;
    mixed_schema(&s);
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    tarn_table_stats whole, a, c;
    tarn_stats_init(&whole, &s);
    tarn_stats_init(&a, &s);
    tarn_stats_init(&c, &s);
    for (int k = 0; k < 10; k++) {
        fill_rows(&b, k * 1000, 1000);
        tarn_stats_add(&whole, &b);
        tarn_stats_add(k % 3 ? &a : &c, &b);
    }
    tarn_stats_merge(&a, &c);
    assert_stats_equal(&a, &whole);
    assert_int_equal(whole.cols[1].null_count, 1429);
    assert_true(labs((long)tarn_stats_distinct(&whole.cols[1]) - 5000) <= 125); /* 3 sigma */
    tarn_stats_free(&whole);
    tarn_stats_free(&a);
    tarn_stats_free(&c);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

/* A fake batch source: part i yields rows [i*1000, i*1000+1000) as two
** batches of 500; part fail_part (if >= 0) fails on its second batch. */
typedef struct fake_src { int fail_part; } fake_src;
typedef struct fake_cur { int part, served, fail; } fake_cur;

static int fake_open(void *ud, int part, void **cursor, tarn_error *err)
{
    fake_cur *c = calloc(1, sizeof *c);
    c->part = part;
    c->fail = ((fake_src *)ud)->fail_part == part;
    *cursor = c;
    return TARN_OK;
}

static int fake_next(void *cursor, tarn_batch *b, tarn_error *err)
{
    fake_cur *c = cursor;
    if (c->served == 2)
        return 0;
    if (c->fail && c->served == 1)
        return -tarn_error_set(err, TARN_ERR_CORRUPT, "part %d broke", c->part);
    fill_rows(b, c->part * 1000 + c->served * 500, 500);
    c->served++;
    return 1;
}

static void fake_close(void *cursor) { free(cursor); }

static void test_stats_collect_threads_match_sequential(void **state)
{
    tarn_schema s;
    mixed_schema(&s);
    fake_src fs = {.fail_part = -1};
    tarn_batch_source src = {.nparts = 9, .ud = &fs, .open = fake_open,
                             .next = fake_next, .close = fake_close};
    tarn_table_stats par, seq;
    tarn_error err = {0};
    assert_int_equal(tarn_stats_collect(&par, &s, &src, 2, &err), TARN_OK);
    assert_int_equal(tarn_stats_collect(&seq, &s, &src, 1, &err), TARN_OK);
    assert_stats_equal(&par, &seq);
    assert_int_equal(par.rows, 9000);
    tarn_stats_free(&par);
    tarn_stats_free(&seq);
    tarn_schema_free(&s);
}

static void test_stats_collect_reports_part_error(void **state)
{
    tarn_schema s;
    mixed_schema(&s);
    fake_src fs = {.fail_part = 4};
    tarn_batch_source src = {.nparts = 9, .ud = &fs, .open = fake_open,
                             .next = fake_next, .close = fake_close};
    tarn_table_stats st;
    tarn_error err = {0};
    assert_int_equal(tarn_stats_collect(&st, &s, &src, 2, &err), TARN_ERR_CORRUPT);
    assert_string_equal(err.msg, "part 4 broke");
    assert_int_equal(st.ncols, 0);
    tarn_schema_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hll_empty_is_zero),
        cmocka_unit_test(test_hll_million_integers_within_2pct),
        cmocka_unit_test(test_hll_million_strings_within_2pct),
        cmocka_unit_test(test_hll_small_counts_close),
        cmocka_unit_test(test_hll_merge_is_union),
        cmocka_unit_test(test_stats_int_with_nulls),
        cmocka_unit_test(test_stats_strings_byte_order),
        cmocka_unit_test(test_stats_double_nan_and_zero),
        cmocka_unit_test(test_stats_bool_exact_distinct),
        cmocka_unit_test(test_stats_date_timestamp_format),
        cmocka_unit_test(test_stats_string_distinct_accuracy),
        cmocka_unit_test(test_stats_merge_equals_single_pass),
        cmocka_unit_test(test_stats_collect_threads_match_sequential),
        cmocka_unit_test(test_stats_collect_reports_part_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
