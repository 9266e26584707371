/*
** cron.c: Glue's (EventBridge's) cron expressions: parsing
** "cron(Minutes Hours Day-of-month Month Day-of-week Year)" into bit sets
** (flow.h tarn_flow_cron) with errors that give the field and the
** position, and finding the next fire time after a given instant, in UTC.
** Calendar arithmetic is done on day numbers (days since 1970-01-01), so
** no time zone or libc time function is involved.
*/
#include "flow/flow.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { F_MIN, F_HOUR, F_DOM, F_MON, F_DOW, F_YEAR, NFIELDS };

static const struct field_def {
    const char *name;
    int lo, hi;
} fields[NFIELDS] = {
    {"Minutes", 0, 59}, {"Hours", 0, 23}, {"Day-of-month", 1, 31},
    {"Month", 1, 12}, {"Day-of-week", 1, 7}, {"Year", 1970, 2199},
};

static const char *const month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
static const char *const day_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

/* Parsing context: the whole expression for positions. */
typedef struct cparse {
    const char *expr;
    tarn_error *err;
} cparse;

static int bad(cparse *c, int f, const char *at, const char *what)
{
    return tarn_error_set(c->err, TARN_ERR_INVALID, "schedule '%s': %s field at position %d: "
                          "%s (Glue writes cron(Minutes Hours Day-of-month Month Day-of-week "
                          "Year), e.g. cron(15 12 * * ? *))", c->expr, fields[f].name,
                          (int)(at - c->expr) + 1, what);
}

/* A number or (month, day-of-week) a name at *p; advances *p. */
static int value(cparse *c, int f, const char **p, int *out)
{
    const char *s = *p;
    if (isdigit((unsigned char)*s)) {
        long v = 0;
        while (isdigit((unsigned char)**p) && v < 100000)
            v = v * 10 + (*(*p)++ - '0');
        if (v < fields[f].lo || v > fields[f].hi) {
            char msg[80];
            snprintf(msg, sizeof msg, "%ld is outside %d-%d", v, fields[f].lo, fields[f].hi);
            return bad(c, f, s, msg);
        }
        *out = (int)v;
        return TARN_OK;
    }
    const char *const *names = f == F_MON ? month_names : f == F_DOW ? day_names : NULL;
    int nn = f == F_MON ? 12 : 7;
    for (int i = 0; names && i < nn; i++)
        if (strncasecmp(s, names[i], 3) == 0) {
            *p += 3;
            *out = i + 1;
            return TARN_OK;
        }
    return bad(c, f, s, names ? "expected a number or a name" : "expected a number");
}

/* Set bits lo..hi step st in the field's bit set. */
static void set_bits(tarn_flow_cron *cr, int f, int lo, int hi, int st)
{
    for (int v = lo; v <= hi; v += st) {
        switch (f) {
        case F_MIN: cr->minutes |= 1ULL << v; break;
        case F_HOUR: cr->hours |= 1U << v; break;
        case F_DOM: cr->dom |= 1U << v; break;
        case F_MON: cr->months |= (uint16_t)(1U << v); break;
        case F_DOW: cr->dow |= (uint8_t)(1U << v); break;
        default: cr->years[(v - 1970) / 8] |= (uint8_t)(1U << ((v - 1970) % 8)); break;
        }
    }
}

/* One list item: '*', N, N-M, each optionally /STEP. Ends at ',' or end. */
static int item(cparse *c, tarn_flow_cron *cr, int f, const char **p, const char *end)
{
    int lo = fields[f].lo, hi = fields[f].hi, st = 1, rc;
    const char *s = *p;
    if (**p == '*') {
        (*p)++;
    } else {
        if ((rc = value(c, f, p, &lo)) != TARN_OK)
            return rc;
        hi = lo;
        if (*p < end && **p == '-') {
            (*p)++;
            if ((rc = value(c, f, p, &hi)) != TARN_OK)
                return rc;
            if (hi < lo)
                return bad(c, f, s, "a range must go from low to high");
        }
    }
    if (*p < end && **p == '/') {
        const char *sp = ++*p;
        long v = 0;
        while (*p < end && isdigit((unsigned char)**p) && v < 100000)
            v = v * 10 + (*(*p)++ - '0');
        if (*p == sp || v < 1 || v > fields[f].hi)
            return bad(c, f, sp, "a step must be a number from 1 to the field's maximum");
        st = (int)v;
        if (s[0] != '*' && hi == lo)
            hi = fields[f].hi;   /* "5/15": from 5 on */
    }
    if (*p < end && **p != ',')
        return bad(c, f, *p, "unexpected character");
    set_bits(cr, f, lo, hi, st);
    return TARN_OK;
}

/* The special forms of Day-of-month (L, LW, NW) and Day-of-week (L, NL,
** N#k). Returns 1 when the field was one, 0 when not, or an error < 0. */
static int special(cparse *c, tarn_flow_cron *cr, int f, const char *s, const char *end)
{
    size_t n = (size_t)(end - s);
    const char *last = end - 1;
    if (f == F_DOM && n == 1 && *s == 'L')
        return cr->dom_last = true, 1;
    if (f == F_DOM && n == 2 && s[0] == 'L' && s[1] == 'W')
        return cr->dom_last_weekday = true, 1;
    if (f == F_DOW && n == 1 && *s == 'L')   /* the last day of the week: SAT */
        return cr->dow |= 1U << 7, 1;
    if (f == F_DOM && n >= 2 && *last == 'W') {
        const char *p = s;
        int d;
        int rc = value(c, f, &p, &d);
        if (rc || p != last)
            return rc ? -rc : -bad(c, f, s, "expected NW: a day number followed by W");
        return cr->dom_weekday = d, 1;
    }
    if (f == F_DOW && n >= 2 && *last == 'L') {
        const char *p = s;
        int d;
        int rc = value(c, f, &p, &d);
        if (rc || p != last)
            return rc ? -rc : -bad(c, f, s, "expected NL: a day of the week followed by L");
        return cr->dow_last = d, 1;
    }
    const char *hash = memchr(s, '#', n);
    if (f == F_DOW && hash) {
        const char *p = s;
        int d;
        int rc = value(c, f, &p, &d);
        if (rc)
            return -rc;
        if (p != hash || end - hash != 2 || hash[1] < '1' || hash[1] > '5')
            return -bad(c, f, s, "expected N#k: a day of the week, '#', and 1 to 5");
        cr->dow_nth_day = d;
        cr->dow_nth = hash[1] - '0';
        return 1;
    }
    return 0;
}

static int parse_field(cparse *c, tarn_flow_cron *cr, int f, const char *s, const char *end)
{
    if (end - s == 1 && *s == '?') {
        if (f != F_DOM && f != F_DOW)
            return bad(c, f, s, "'?' is only for Day-of-month or Day-of-week");
        if (f == F_DOM)
            cr->dom_q = true;
        else
            cr->dow_q = true;
        return TARN_OK;
    }
    int sp = special(c, cr, f, s, end);
    if (sp != 0)
        return sp < 0 ? -sp : TARN_OK;
    const char *p = s;
    while (p < end) {
        int rc = item(c, cr, f, &p, end);
        if (rc)
            return rc;
        if (p < end && *p == ',' && ++p == end)
            return bad(c, f, p - 1, "a list may not end with ','");
    }
    return TARN_OK;
}

/* Split the six fields of body[0..n) and parse each. */
static int parse_fields(cparse *c, const char *body, size_t n, tarn_flow_cron *out)
{
    const char *p = body, *end = body + n;
    int f = 0;
    while (p < end) {
        while (p < end && *p == ' ')
            p++;
        if (p == end)
            break;
        const char *s = p;
        while (p < end && *p != ' ')
            p++;
        if (f == NFIELDS)
            return tarn_error_set(c->err, TARN_ERR_INVALID, "schedule '%s': more than six "
                                  "fields at position %d", c->expr, (int)(s - c->expr) + 1);
        int rc = parse_field(c, out, f++, s, p);
        if (rc)
            return rc;
    }
    if (f != NFIELDS)
        return tarn_error_set(c->err, TARN_ERR_INVALID, "schedule '%s': %d field(s), expected "
                              "six: Minutes Hours Day-of-month Month Day-of-week Year, e.g. "
                              "cron(15 12 * * ? *)", c->expr, f);
    if (out->dom_q == out->dow_q)
        return tarn_error_set(c->err, TARN_ERR_INVALID, "schedule '%s': exactly one of "
                              "Day-of-month and Day-of-week must be '?'", c->expr);
    return TARN_OK;
}

int tarn_flow_cron_parse(const char *expr, tarn_flow_cron *out, tarn_error *err)
{
    memset(out, 0, sizeof *out);
    cparse c = {expr ? expr : "", err};
    const char *s = c.expr;
    size_t n = strlen(s);
    if (strncmp(s, "cron(", 5) == 0) {
        if (n < 6 || s[n - 1] != ')')
            return tarn_error_set(err, TARN_ERR_INVALID, "schedule '%s': no closing ')' at "
                                  "position %zu", s, n + 1);
        return parse_fields(&c, s + 5, n - 6, out);
    }
    if (strncmp(s, "rate(", 5) == 0)
        return tarn_error_set(err, TARN_ERR_INVALID, "schedule '%s': Glue triggers take "
                              "cron(...) expressions, not rate(...)", s);
    return parse_fields(&c, s, n, out);
}

/* ---- next fire time ---- */

/* Days since 1970-01-01 of y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int month_days(int y, int m)
{
    static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : md[m - 1];
}

/* Day of the week, SUN = 1 .. SAT = 7. */
static int weekday(int y, int m, int d)
{
    int64_t days = days_from_civil(y, m, d);
    return (int)(((days % 7) + 7 + 4) % 7) + 1;
}

/* The weekday (MON-FRI) nearest day n of the month, staying in it. */
static int nearest_weekday(int y, int m, int n)
{
    int md = month_days(y, m);
    if (n > md)
        return 0;
    int wd = weekday(y, m, n);
    if (wd == 7)
        return n == 1 ? 3 : n - 1;
    if (wd == 1)
        return n == md ? n - 2 : n + 1;
    return n;
}

static bool dom_matches(const tarn_flow_cron *c, int y, int m, int d)
{
    int md = month_days(y, m);
    if (c->dom_last)
        return d == md;
    if (c->dom_last_weekday) {
        int last = md, wd = weekday(y, m, md);
        last -= wd == 1 ? 2 : wd == 7 ? 1 : 0;
        return d == last;
    }
    if (c->dom_weekday)
        return d == nearest_weekday(y, m, c->dom_weekday);
    return (c->dom >> d) & 1U;
}

static bool dow_matches(const tarn_flow_cron *c, int y, int m, int d)
{
    int wd = weekday(y, m, d);
    if (c->dow_last)
        return wd == c->dow_last && d + 7 > month_days(y, m);
    if (c->dow_nth)
        return wd == c->dow_nth_day && (d - 1) / 7 + 1 == c->dow_nth;
    return (c->dow >> wd) & 1U;
}

static bool day_matches(const tarn_flow_cron *c, int y, int m, int d)
{
    if (!((c->years[(y - 1970) / 8] >> ((y - 1970) % 8)) & 1U) || !((c->months >> m) & 1U))
        return false;
    return c->dom_q ? dow_matches(c, y, m, d) : dom_matches(c, y, m, d);
}

/* The first minute of the day at or after minute `from` that matches, or -1. */
static int first_minute(const tarn_flow_cron *c, int from)
{
    for (int t = from; t < 24 * 60; t++)
        if (((c->hours >> (t / 60)) & 1U) && ((c->minutes >> (t % 60)) & 1ULL))
            return t;
    return -1;
}

int tarn_flow_cron_next(const tarn_flow_cron *c, int64_t after_ms, int64_t *next_ms,
                        tarn_error *err)
{
    int64_t minute = after_ms >= 0 ? after_ms / 60000 + 1 : 0;
    int64_t day = minute / 1440;
    int from = (int)(minute % 1440);
    int64_t last_day = days_from_civil(2199, 12, 31);
    /* walk the calendar from day's date */
    int64_t z = day + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1), m = (int)(mp < 10 ? mp + 3 : mp - 9);
    int y = (int)(yoe + era * 400 + (m <= 2));
    for (; day <= last_day; day++, from = 0) {
        if (y >= 1970 && day_matches(c, y, m, d)) {
            int t = first_minute(c, from);
            if (t >= 0) {
                *next_ms = (day * 1440 + t) * 60000;
                return TARN_OK;
            }
        }
        if (++d > month_days(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    return tarn_error_set(err, TARN_ERR_NOTFOUND, "the schedule never fires again (its last "
                          "possible time is before 2200)");
}
