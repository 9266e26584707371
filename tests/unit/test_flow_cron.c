/*
** test_flow_cron.c: Glue cron expressions (flow/flow.h): what parses and
** what is refused (with the field and position), and the next fire time
** after an instant for every feature: lists, ranges, steps, names, '?',
** L, LW, NW, NL, N#k, years, month ends and leap days, and the end of the
** schedule. Expected instants are written as UTC text, not computed by
** the code under test.
*/
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "flow/flow.h"

/* "YYYY-MM-DD HH:MM" UTC as ms. */
static int64_t at(const char *s)
{
    struct tm tm = {0};
    int n = sscanf(s, "%d-%d-%d %d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                   &tm.tm_min);
    assert_int_equal(n, 5);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000;
}

static void fmt(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%d %H:%M", &tm);
}

/* The next fire time of expr after `after`, as text. */
static void expect_next(const char *expr, const char *after, const char *want)
{
    tarn_flow_cron c;
    tarn_error err = {0};
    if (tarn_flow_cron_parse(expr, &c, &err) != TARN_OK)
        fail_msg("%s: %s", expr, err.msg);
    int64_t next = 0;
    assert_int_equal(tarn_flow_cron_next(&c, at(after), &next, &err), TARN_OK);
    char got[32];
    fmt(next, got);
    if (strcmp(got, want) != 0)
        fail_msg("%s after %s: got %s, want %s", expr, after, got, want);
}

static void expect_bad(const char *expr, const char *needle)
{
    tarn_flow_cron c;
    tarn_error err = {0};
    assert_int_equal(tarn_flow_cron_parse(expr, &c, &err), TARN_ERR_INVALID);
    if (!strstr(err.msg, needle))
        fail_msg("%s: message '%s' lacks '%s'", expr, err.msg, needle);
}

static void test_daily_and_strictly_after(void **state)
{
    expect_next("cron(15 12 * * ? *)", "2026-01-01 00:00", "2026-01-01 12:15");
    expect_next("cron(15 12 * * ? *)", "2026-01-01 12:15", "2026-01-02 12:15");
    expect_next("cron(15 12 * * ? *)", "2026-01-01 12:14", "2026-01-01 12:15");
    expect_next("cron(0 0 ? * * *)", "2026-03-31 23:59", "2026-04-01 00:00");
    /* the bare six fields are accepted too */
    expect_next("15 12 * * ? *", "2026-01-01 00:00", "2026-01-01 12:15");
}

static void test_seconds_inside_minute(void **state)
{
    tarn_flow_cron c;
    tarn_error err = {0};
    assert_int_equal(tarn_flow_cron_parse("cron(0/15 * * * ? *)", &c, &err), TARN_OK);
    int64_t next;
    assert_int_equal(tarn_flow_cron_next(&c, at("2026-05-05 10:07") + 30000, &next, &err),
                     TARN_OK);
    assert_int_equal(next, at("2026-05-05 10:15"));
    assert_int_equal(tarn_flow_cron_next(&c, at("2026-05-05 10:15") - 1, &next, &err),
                     TARN_OK);
    assert_int_equal(next, at("2026-05-05 10:15"));
}

static void test_lists_ranges_steps(void **state)
{
    expect_next("cron(5,10 1-3/2 * * ? *)", "2026-06-01 01:10", "2026-06-01 03:05");
    expect_next("cron(5,10 1-3/2 * * ? *)", "2026-06-01 03:10", "2026-06-02 01:05");
    expect_next("cron(*/20 9 * * ? *)", "2026-06-01 09:41", "2026-06-02 09:00");
    expect_next("cron(10/20 * * * ? *)", "2026-06-01 09:31", "2026-06-01 09:50");
    expect_next("cron(0 8 1,15 * ? *)", "2026-01-15 08:00", "2026-02-01 08:00");
    expect_next("cron(0 8 1 */3 ? *)", "2026-02-10 00:00", "2026-04-01 08:00");
}

static void test_weekdays_and_names(void **state)
{
    /* 2026-12-05 is a Saturday */
    expect_next("cron(0 18 ? * MON-FRI *)", "2026-12-05 12:00", "2026-12-07 18:00");
    expect_next("cron(0 18 ? * 2-6 *)", "2026-12-05 12:00", "2026-12-07 18:00");
    expect_next("cron(0 12 ? jan,jul sun *)", "2026-02-01 00:00", "2026-07-05 12:00");
    expect_next("cron(0 10 ? * L *)", "2026-12-06 00:00", "2026-12-12 10:00");
    expect_next("cron(0 0 1 JAN-MAR ? *)", "2026-03-01 00:00", "2027-01-01 00:00");
}

static void test_last_days(void **state)
{
    expect_next("cron(0 0 L * ? *)", "2024-02-10 00:00", "2024-02-29 00:00");
    expect_next("cron(0 0 L * ? *)", "2023-02-10 00:00", "2023-02-28 00:00");
    expect_next("cron(0 0 L * ? *)", "2026-04-30 00:00", "2026-05-31 00:00");
    /* 2025-11-30 is a Sunday: the last weekday is Friday the 28th */
    expect_next("cron(0 0 LW * ? *)", "2025-11-01 00:00", "2025-11-28 00:00");
    /* the last Monday of December 2026 is the 28th */
    expect_next("cron(0 10 ? * 2L *)", "2026-12-01 00:00", "2026-12-28 10:00");
}

static void test_nearest_weekday(void **state)
{
    /* 2026-02-15 is a Sunday -> Monday 16th */
    expect_next("cron(0 0 15W * ? *)", "2026-02-01 00:00", "2026-02-16 00:00");
    /* 2026-08-01 is a Saturday; 1W stays in the month -> Monday 3rd */
    expect_next("cron(0 0 1W * ? *)", "2026-07-02 00:00", "2026-08-03 00:00");
    /* a weekday stays itself: 2026-12-18 is a Friday */
    expect_next("cron(0 0 18W * ? *)", "2026-12-01 00:00", "2026-12-18 00:00");
}

static void test_nth_weekday(void **state)
{
    /* the third Friday of December 2026 is the 18th */
    expect_next("cron(0 10 ? * 6#3 *)", "2026-12-01 00:00", "2026-12-18 10:00");
    expect_next("cron(0 10 ? * FRI#3 *)", "2026-12-18 10:00", "2027-01-15 10:00");
    /* a fifth Monday is skipped in months without one */
    /* (December 2026 to February 2027 have four Mondays each) */
    expect_next("cron(0 0 ? * MON#5 *)", "2026-12-01 00:00", "2027-03-29 00:00");
}

static void test_years_and_leap_days(void **state)
{
    expect_next("cron(30 9 29 FEB ? *)", "2025-03-01 00:00", "2028-02-29 09:30");
    expect_next("cron(59 23 31 DEC ? *)", "2026-12-31 23:59", "2027-12-31 23:59");
    expect_next("cron(0 0 1 1 ? 2030-2032)", "2026-01-01 00:00", "2030-01-01 00:00");
    tarn_flow_cron c;
    tarn_error err = {0};
    int64_t next;
    assert_int_equal(tarn_flow_cron_parse("cron(0 0 1 JAN ? 2027)", &c, &err), TARN_OK);
    assert_int_equal(tarn_flow_cron_next(&c, at("2027-01-01 00:00"), &next, &err),
                     TARN_ERR_NOTFOUND);
    /* a date that never exists */
    assert_int_equal(tarn_flow_cron_parse("cron(0 0 30 FEB ? *)", &c, &err), TARN_OK);
    assert_int_equal(tarn_flow_cron_next(&c, at("2026-01-01 00:00"), &next, &err),
                     TARN_ERR_NOTFOUND);
}

static void test_refused(void **state)
{
    expect_bad("cron(60 * * * ? *)", "Minutes field at position 6: 60 is outside 0-59");
    expect_bad("cron(0 24 * * ? *)", "Hours field at position 8: 24 is outside 0-23");
    expect_bad("cron(0 12 * FOO ? *)", "Month field at position 13: expected a number or a name");
    expect_bad("cron(0 12 * * * *)", "exactly one of Day-of-month and Day-of-week must be '?'");
    expect_bad("cron(0 12 ? * ? *)", "exactly one of Day-of-month and Day-of-week");
    expect_bad("cron(0 12 * * ?)", "5 field(s), expected six");
    expect_bad("cron(0 12 * * ? * 1)", "more than six fields at position 19");
    expect_bad("cron(0 5-3 * * ? *)", "Hours field at position 8: a range must go from low to high");
    expect_bad("cron(0/0 * * * ? *)", "Minutes field at position 8: a step");
    expect_bad("cron(0 12 ? * MON#6 *)", "Day-of-week field at position 15: expected N#k");
    expect_bad("cron(0 12 * * ? 1969)", "Year field at position 17: 1969 is outside 1970-2199");
    expect_bad("cron(0 12 * * ? *", "no closing ')'");
    expect_bad("rate(5 minutes)", "not rate(...)");
    expect_bad("cron(0 ? * * ? *)", "Hours field at position 8: '?' is only for");
    expect_bad("cron(0 12 1, * ? *)", "Day-of-month field at position 12: a list may not end");
    expect_bad("cron(0 12 1x * ? *)", "Day-of-month field at position 12: unexpected character");
    expect_bad("cron(0 12 32W * ? *)", "Day-of-month field at position 11: 32 is outside 1-31");
    expect_bad("", "0 field(s)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_daily_and_strictly_after),
        cmocka_unit_test(test_seconds_inside_minute),
        cmocka_unit_test(test_lists_ranges_steps),
        cmocka_unit_test(test_weekdays_and_names),
        cmocka_unit_test(test_last_days),
        cmocka_unit_test(test_nearest_weekday),
        cmocka_unit_test(test_nth_weekday),
        cmocka_unit_test(test_years_and_leap_days),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
