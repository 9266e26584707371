/*
** value_format.c: turning one column value into text, and the civil
** calendar arithmetic (days <-> year/month/day) every format shares.
*/
#include "table/table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Days from 1970-01-01 for a proleptic Gregorian date (Hinnant's method). */
int32_t tarn_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + (int64_t)doe - 719468);
}

void tarn_civil_from_days(int32_t days, int *y, unsigned *m, unsigned *d)
{
    int64_t z = (int64_t)days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

bool tarn_date_valid(int64_t y, unsigned m, unsigned d)
{
    static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    unsigned max = mdays[m - 1] + (m == 2 && leap);
    return d <= max;
}

size_t tarn_double_format(double v, char *buf, size_t n)
{
    if (isnan(v))
        return (size_t)snprintf(buf, n, "NaN");
    if (isinf(v))
        return (size_t)snprintf(buf, n, v > 0 ? "Infinity" : "-Infinity");
    /* %.15g reads back exactly for any double of at most 15 significant
    ** digits and strips trailing zeros, so it is the shortest form then. */
    int len = snprintf(buf, n, "%.15g", v);
    if (strtod(buf, NULL) == v)
        return (size_t)len;
    len = snprintf(buf, n, "%.16g", v);
    if (strtod(buf, NULL) == v)
        return (size_t)len;
    return (size_t)snprintf(buf, n, "%.17g", v);
}

static size_t format_decimal(__int128 v, unsigned scale, char *buf, size_t n)
{
    char tmp[64];
    int pos = (int)sizeof tmp;
    tmp[--pos] = '\0';
    bool neg = v < 0;
    unsigned __int128 u = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
    unsigned digits = 0;
    do {
        tmp[--pos] = (char)('0' + (int)(u % 10));
        u /= 10;
        digits++;
        if (digits == scale)
            tmp[--pos] = '.';
    } while (u || digits < scale + (scale ? 1 : 0));
    if (tmp[pos] == '.')
        tmp[--pos] = '0';
    if (neg)
        tmp[--pos] = '-';
    return (size_t)snprintf(buf, n, "%s", tmp + pos);
}

static size_t format_timestamp(int64_t us, char *buf, size_t n)
{
    int64_t secs = us / 1000000, frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        secs -= 1;
    }
    int64_t days = secs / 86400, sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        days -= 1;
    }
    int y;
    unsigned m, d;
    tarn_civil_from_days((int32_t)days, &y, &m, &d);
    int len = snprintf(buf, n, "%04d-%02u-%02u %02d:%02d:%02d", y, m, d,
                       (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
    if (frac && len > 0 && (size_t)len < n)
        len += snprintf(buf + len, n - (size_t)len, ".%06d", (int)frac);
    return (size_t)len;
}

size_t tarn_value_format(const tarn_column *c, int64_t i, char *buf, size_t n)
{
    if (n == 0)
        return 0;
    buf[0] = '\0';
    if (!tarn_column_is_valid(c, i))
        return 0;
    switch (c->type.id) {
    case TARN_TYPE_BOOLEAN:
        return (size_t)snprintf(buf, n, "%s", ((const uint8_t *)c->values)[i] ? "true" : "false");
    case TARN_TYPE_INT:
        return (size_t)snprintf(buf, n, "%d", ((const int32_t *)c->values)[i]);
    case TARN_TYPE_BIGINT:
        return (size_t)snprintf(buf, n, "%lld", (long long)((const int64_t *)c->values)[i]);
    case TARN_TYPE_DOUBLE:
        return tarn_double_format(((const double *)c->values)[i], buf, n);
    case TARN_TYPE_DECIMAL:
        return format_decimal(((const __int128 *)c->values)[i], c->type.scale, buf, n);
    case TARN_TYPE_DATE: {
        int y;
        unsigned m, d;
        tarn_civil_from_days(((const int32_t *)c->values)[i], &y, &m, &d);
        return (size_t)snprintf(buf, n, "%04d-%02u-%02u", y, m, d);
    }
    case TARN_TYPE_TIMESTAMP:
        return format_timestamp(((const int64_t *)c->values)[i], buf, n);
    case TARN_TYPE_STRING: {
        size_t len;
        const char *s = tarn_column_str(c, i, &len);
        size_t k = len < n - 1 ? len : n - 1;
        if (k)
            memcpy(buf, s, k);
        buf[k] = '\0';
        return k;
    }
    }
    return 0;
}
