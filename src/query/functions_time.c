/*
** functions_time.c: dates and timestamps as query_int.h stores them (ISO
** text), to and from microseconds since 1970-01-01 UTC, on the proleptic
** Gregorian calendar (as Trino). The SQL functions over them are in
** functions_date.c; the parser here also validates DATE/TIMESTAMP literals
** (dialect.c) and serves CAST (functions_cast.c).
*/
#include "query/dialect_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int64_t tarn_qtime_days(int64_t y, int m, int d)
{
    /* Days from civil, after Howard Hinnant's public-domain algorithm. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void tarn_qtime_civil(int64_t days, int64_t *y, int *m, int *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int tarn_qtime_month_days(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Read between min and max digits at s[*i]; false if fewer than min. */
static bool digits(const char *s, size_t n, size_t *i, int min, int max, int64_t *v)
{
    int64_t x = 0;
    int k = 0;
    while (*i < n && k < max && isdigit((unsigned char)s[*i])) {
        x = x * 10 + (s[(*i)++] - '0');
        k++;
    }
    *v = x;
    return k >= min;
}

/* "Z", "UTC", "+HH[:MM]" / "-HHMM" at s[i..n): the zone's offset east of
** UTC in seconds. */
static bool parse_zone(const char *s, size_t n, size_t i, int64_t *offset)
{
    *offset = 0;
    if ((n - i == 1 && (s[i] == 'Z' || s[i] == 'z')) ||
        (n - i == 3 && (strncasecmp(s + i, "UTC", 3) == 0 || strncasecmp(s + i, "GMT", 3) == 0)))
        return true;
    if (s[i] != '+' && s[i] != '-')
        return false;
    int sign = s[i] == '-' ? -1 : 1;
    size_t k = i + 1;
    int64_t hh, mm = 0;
    if (!digits(s, n, &k, 2, 2, &hh))
        return false;
    if (k < n && s[k] == ':')
        k++;
    if (k < n && !digits(s, n, &k, 2, 2, &mm))
        return false;
    if (k != n || hh > 18 || mm > 59)
        return false;
    *offset = sign * (hh * 3600 + mm * 60);
    return true;
}

/* "H:M[:S[.f]]" at s[*i]: microseconds into the day. */
static bool parse_clock(const char *s, size_t n, size_t *i, int64_t *us)
{
    int64_t h, mi, sec = 0, frac = 0;
    if (!digits(s, n, i, 1, 2, &h) || *i >= n || s[*i] != ':')
        return false;
    (*i)++;
    if (!digits(s, n, i, 1, 2, &mi))
        return false;
    if (*i < n && s[*i] == ':') {
        (*i)++;
        if (!digits(s, n, i, 1, 2, &sec))
            return false;
        if (*i < n && s[*i] == '.') {
            (*i)++;
            int k = 0;
            if (*i >= n || !isdigit((unsigned char)s[*i]))
                return false;
            for (; *i < n && isdigit((unsigned char)s[*i]); (*i)++, k++)
                if (k < 6)
                    frac = frac * 10 + (s[*i] - '0');
                else if (k >= 12)
                    return false;
            for (; k < 6; k++)
                frac *= 10;
        }
    }
    if (h > 23 || mi > 59 || sec > 59)
        return false;
    *us = ((h * 60 + mi) * 60 + sec) * 1000000 + frac;
    return true;
}

static bool parse_ymd(const char *s, size_t n, size_t *i, int64_t *days)
{
    int64_t y, m, d;
    if (!digits(s, n, i, 4, 4, &y) || *i >= n || s[(*i)++] != '-' ||
        !digits(s, n, i, 1, 2, &m) || *i >= n || s[(*i)++] != '-' || !digits(s, n, i, 1, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1 || d > tarn_qtime_month_days(y, (int)m))
        return false;
    *days = tarn_qtime_days(y, (int)m, (int)d);
    return true;
}

bool tarn_qtime_parse(const char *s, size_t n, int64_t *us, bool *has_time)
{
    size_t i = 0;
    int64_t days, clock = 0, zone = 0;
    *has_time = false;
    if (!parse_ymd(s, n, &i, &days))
        return false;
    if (i < n && (s[i] == ' ' || s[i] == 'T')) {
        size_t save = i++;
        if (parse_clock(s, n, &i, &clock))
            *has_time = true;
        else
            i = save;
    }
    size_t z = i;
    while (z < n && s[z] == ' ')
        z++;
    if (z < n && (!*has_time || !parse_zone(s, n, z, &zone)))
        return false;
    if (z == n && z != i)
        return false;   /* trailing spaces alone */
    *us = days * TARN_QTIME_US_PER_DAY + clock - zone * 1000000;
    return true;
}

int tarn_qtime_format_date(int64_t days, char *out)
{
    int64_t y;
    int m, d;
    tarn_qtime_civil(days, &y, &m, &d);
    return snprintf(out, 16, "%04lld-%02d-%02d", (long long)y, m, d) >= 16 ? 15 : (int)strlen(out);
}

int tarn_qtime_format_ts(int64_t us, char *out)
{
    int64_t days = tarn_qtime_floordiv(us, TARN_QTIME_US_PER_DAY);
    int64_t t = us - days * TARN_QTIME_US_PER_DAY;
    int n = tarn_qtime_format_date(days, out);
    int64_t sec = t / 1000000;
    snprintf(out + n, 40 - (size_t)n, " %02d:%02d:%02d.%06d", (int)(sec / 3600),
             (int)(sec / 60 % 60), (int)(sec % 60), (int)(t % 1000000));
    return (int)strlen(out);
}
