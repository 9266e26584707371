/*
** functions_date.c: Trino's date and time functions over dates ('YYYY-MM-DD')
** and timestamps ('YYYY-MM-DD HH:MM:SS.ffffff', UTC) as text: date_trunc,
** date_add, date_diff, date_format, date_parse, format_datetime,
** from_iso8601_date,
** from_iso8601_timestamp, to_iso8601, from_unixtime, to_unixtime, now,
** last_day_of_month and the field extractors (year, month, day,
** day_of_week, day_of_year, quarter, week, hour, minute, second,
** millisecond, year_of_week). A date argument gives a date back where
** Trino does. NULL in, NULL out. Text <-> time conversion is in
** functions_time.c.
*/
#include "query/dialect_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define US_SEC 1000000LL
#define US_DAY TARN_QTIME_US_PER_DAY

enum unit { U_MS, U_SECOND, U_MINUTE, U_HOUR, U_DAY, U_WEEK, U_MONTH, U_QUARTER, U_YEAR, U_BAD };

static const char *unit_names[] = {"millisecond", "second", "minute", "hour", "day",
                                   "week",        "month",  "quarter", "year"};
static const int64_t unit_us[] = {1000, US_SEC, 60 * US_SEC, 3600 * US_SEC, US_DAY, 7 * US_DAY};

/* The unit argument; U_BAD after reporting Trino's error. *has_time tells
** whether the value is a timestamp (a date takes day and longer only). */
static int unit_arg(sqlite3_context *ctx, sqlite3_value *v, bool has_time)
{
    const char *s = (const char *)sqlite3_value_text(v);
    for (int u = 0; s && u < U_BAD; u++)
        if (strcasecmp(s, unit_names[u]) == 0 && (has_time || u >= U_DAY))
            return u;
    tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT", "'%s' is not a valid %s field",
                     s ? s : "", has_time ? "Timestamp" : "DATE");
    return U_BAD;
}

/* Give back us as a date (when !has_time) or a timestamp. */
static void result_time(sqlite3_context *ctx, int64_t us, bool has_time)
{
    char buf[48];
    int n = has_time ? tarn_qtime_format_ts(us, buf)
                     : tarn_qtime_format_date(tarn_qtime_floordiv(us, US_DAY), buf);
    sqlite3_result_text(ctx, buf, n, SQLITE_TRANSIENT);
}

/* Broken-down parts of a time. */
typedef struct tparts {
    int64_t y, days, tod;   /* tod: microseconds into the day */
    int m, d;
} tparts;

static tparts split(int64_t us)
{
    tparts p;
    p.days = tarn_qtime_floordiv(us, US_DAY);
    p.tod = us - p.days * US_DAY;
    tarn_qtime_civil(p.days, &p.y, &p.m, &p.d);
    return p;
}

/* ISO day of week, Monday 1 .. Sunday 7 (1970-01-01 was a Thursday). */
static int iso_dow(int64_t days)
{
    int64_t r = (days + 3) % 7;
    return (int)(r < 0 ? r + 7 : r) + 1;
}

/* ISO week number and the year it belongs to. */
static int iso_week(int64_t days, int64_t *week_year)
{
    int64_t thursday = days - iso_dow(days) + 4;
    int64_t y;
    int m, d;
    tarn_qtime_civil(thursday, &y, &m, &d);
    *week_year = y;
    return (int)((thursday - tarn_qtime_days(y, 1, 1)) / 7 + 1);
}

static int64_t add_months(int64_t us, int64_t months)
{
    tparts p = split(us);
    int64_t total = p.y * 12 + (p.m - 1) + months;
    int64_t y = tarn_qtime_floordiv(total, 12);
    int m = (int)(total - y * 12) + 1;
    int d = p.d > tarn_qtime_month_days(y, m) ? tarn_qtime_month_days(y, m) : p.d;
    return tarn_qtime_days(y, m, d) * US_DAY + p.tod;
}

/* Whole months from a to b as Joda counts them (Trino's date_diff): the
** day of month and time decide, and the last day of a month matches any
** later day of the other month. */
static int64_t months_between(int64_t a, int64_t b)
{
    if (b < a)
        return -months_between(b, a);
    tparts pa = split(a), pb = split(b);
    int64_t diff = (pb.y - pa.y) * 12 + pb.m - pa.m;
    int da = pa.d;
    if (pb.d == tarn_qtime_month_days(pb.y, pb.m) && da > pb.d)
        da = pb.d;
    if ((pb.d - 1) * US_DAY + pb.tod < (da - 1) * US_DAY + pa.tod)
        diff--;
    return diff;
}

static int64_t trunc_to(int64_t us, int unit)
{
    tparts p = split(us);
    if (unit <= U_DAY)
        return us - (us - tarn_qtime_floordiv(us, unit_us[unit]) * unit_us[unit]);
    if (unit == U_WEEK)
        return (p.days - iso_dow(p.days) + 1) * US_DAY;
    int m = unit == U_MONTH ? p.m : unit == U_QUARTER ? (p.m - 1) / 3 * 3 + 1 : 1;
    return tarn_qtime_days(p.y, m, 1) * US_DAY;
}

static void fn_date_trunc(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int64_t us;
    bool has_time;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
        tarn_qfunc_time_arg(ctx, argv[1], "date_trunc", &us, &has_time) != 1)
        return;
    int unit = unit_arg(ctx, argv[0], has_time);
    if (unit != U_BAD)
        result_time(ctx, trunc_to(us, unit), has_time);
}

static void fn_date_add(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int64_t us, n = sqlite3_value_int64(argv[1]), r, step;
    bool has_time;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL ||
        tarn_qfunc_time_arg(ctx, argv[2], "date_add", &us, &has_time) != 1)
        return;
    int unit = unit_arg(ctx, argv[0], has_time);
    if (unit == U_BAD)
        return;
    if (unit >= U_MONTH) {
        int64_t months = unit == U_MONTH ? 1 : unit == U_QUARTER ? 3 : 12;
        if (n > 1000000 || n < -1000000)
            return tarn_qfunc_fail(ctx, "NUMERIC_VALUE_OUT_OF_RANGE",
                                    "date_add: %lld %ss is out of range", (long long)n,
                                    unit_names[unit]);
        return result_time(ctx, add_months(us, n * months), has_time);
    }
    if (__builtin_mul_overflow(n, unit_us[unit], &step) || __builtin_add_overflow(us, step, &r))
        return tarn_qfunc_fail(ctx, "NUMERIC_VALUE_OUT_OF_RANGE",
                                "date_add: %lld %ss is out of range", (long long)n, unit_names[unit]);
    result_time(ctx, r, has_time);
}

static void fn_date_diff(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int64_t a, b;
    bool ta, tb;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
        tarn_qfunc_time_arg(ctx, argv[1], "date_diff", &a, &ta) != 1 ||
        tarn_qfunc_time_arg(ctx, argv[2], "date_diff", &b, &tb) != 1)
        return;
    int unit = unit_arg(ctx, argv[0], ta || tb);
    if (unit == U_BAD)
        return;
    if (unit >= U_MONTH) {
        int64_t m = months_between(a, b);
        sqlite3_result_int64(ctx, unit == U_MONTH ? m : unit == U_QUARTER ? m / 3 : m / 12);
        return;
    }
    sqlite3_result_int64(ctx, (b - a) / unit_us[unit]);
}

/* ---- field extractors ---------------------------------------------------- */

enum field { F_YEAR, F_MONTH, F_DAY, F_DOW, F_DOY, F_QUARTER, F_WEEK, F_YOW,
             F_HOUR, F_MINUTE, F_SECOND, F_MS };

static int64_t field_of(int64_t us, int f)
{
    tparts p = split(us);
    int64_t wy;
    switch (f) {
    case F_YEAR: return p.y;
    case F_MONTH: return p.m;
    case F_DAY: return p.d;
    case F_DOW: return iso_dow(p.days);
    case F_DOY: return p.days - tarn_qtime_days(p.y, 1, 1) + 1;
    case F_QUARTER: return (p.m - 1) / 3 + 1;
    case F_WEEK: return iso_week(p.days, &wy);
    case F_YOW: return iso_week(p.days, &wy), wy;
    case F_HOUR: return p.tod / (3600 * US_SEC);
    case F_MINUTE: return p.tod / (60 * US_SEC) % 60;
    case F_SECOND: return p.tod / US_SEC % 60;
    default: return p.tod / 1000 % 1000;
    }
}

static const int field_ids[] = {F_YEAR, F_MONTH, F_DAY, F_DOW, F_DOY, F_QUARTER, F_WEEK,
                                F_YOW,  F_HOUR,  F_MINUTE, F_SECOND, F_MS};

static void fn_field(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int f = *(const int *)tarn_qfunc_data(ctx);
    int64_t us;
    bool has_time;
    if (tarn_qfunc_time_arg(ctx, argv[0], "extract", &us, &has_time) != 1)
        return;
    sqlite3_result_int64(ctx, field_of(us, f));
}

static void fn_last_day_of_month(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int64_t us;
    bool has_time;
    if (tarn_qfunc_time_arg(ctx, argv[0], "last_day_of_month", &us, &has_time) != 1)
        return;
    tparts p = split(us);
    result_time(ctx, tarn_qtime_days(p.y, p.m, tarn_qtime_month_days(p.y, p.m)) * US_DAY, false);
}

/* ---- date_format / date_parse (MySQL specifiers, as Trino) ---------------- */

static const char *month_names[] = {"January", "February", "March",     "April",
                                    "May",     "June",     "July",      "August",
                                    "September", "October", "November", "December"};
static const char *day_names[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                  "Friday", "Saturday", "Sunday"};

/* Append the expansion of %c for time p (us) to b; false for a specifier
** Trino rejects. */
static bool format_one(tarn_buf *b, char c, int64_t us)
{
    tparts p = split(us);
    int64_t sec = p.tod / US_SEC, h = sec / 3600, h12 = h % 12 == 0 ? 12 : h % 12, wy;
    int dow = iso_dow(p.days);
    switch (c) {
    case 'a': tarn_buf_appendf(b, "%.3s", day_names[dow - 1]); break;
    case 'W': tarn_buf_appendf(b, "%s", day_names[dow - 1]); break;
    case 'b': tarn_buf_appendf(b, "%.3s", month_names[p.m - 1]); break;
    case 'M': tarn_buf_appendf(b, "%s", month_names[p.m - 1]); break;
    case 'c': tarn_buf_appendf(b, "%d", p.m); break;
    case 'm': tarn_buf_appendf(b, "%02d", p.m); break;
    case 'd': tarn_buf_appendf(b, "%02d", p.d); break;
    case 'e': tarn_buf_appendf(b, "%d", p.d); break;
    case 'f': tarn_buf_appendf(b, "%06lld", (long long)(p.tod % US_SEC)); break;
    case 'H': tarn_buf_appendf(b, "%02lld", (long long)h); break;
    case 'k': tarn_buf_appendf(b, "%lld", (long long)h); break;
    case 'h': case 'I': tarn_buf_appendf(b, "%02lld", (long long)h12); break;
    case 'l': tarn_buf_appendf(b, "%lld", (long long)h12); break;
    case 'i': tarn_buf_appendf(b, "%02lld", (long long)(sec / 60 % 60)); break;
    case 'S': case 's': tarn_buf_appendf(b, "%02lld", (long long)(sec % 60)); break;
    case 'j': tarn_buf_appendf(b, "%03lld", (long long)field_of(us, F_DOY)); break;
    case 'p': tarn_buf_appendf(b, "%s", h < 12 ? "AM" : "PM"); break;
    case 'r': tarn_buf_appendf(b, "%02lld:%02lld:%02lld %s", (long long)h12,
                               (long long)(sec / 60 % 60), (long long)(sec % 60), h < 12 ? "AM" : "PM");
        break;
    case 'T': tarn_buf_appendf(b, "%02lld:%02lld:%02lld", (long long)h, (long long)(sec / 60 % 60),
                               (long long)(sec % 60));
        break;
    case 'v': tarn_buf_appendf(b, "%02d", iso_week(p.days, &wy)); break;
    case 'x': iso_week(p.days, &wy), tarn_buf_appendf(b, "%04lld", (long long)wy); break;
    case 'Y': tarn_buf_appendf(b, "%04lld", (long long)p.y); break;
    case 'y': tarn_buf_appendf(b, "%02lld", (long long)((p.y % 100 + 100) % 100)); break;
    case 'D': case 'U': case 'u': case 'V': case 'w': case 'X': return false;
    default: tarn_buf_putc(b, c); break;   /* %% and unknown letters: the letter */
    }
    return true;
}

static void fn_date_format(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int64_t us;
    bool has_time;
    const char *f = (const char *)sqlite3_value_text(argv[1]);
    if (!f || tarn_qfunc_time_arg(ctx, argv[0], "date_format", &us, &has_time) != 1)
        return;
    tarn_buf b;
    tarn_buf_init(&b, 1 << 20);
    for (; *f; f++) {
        if (*f != '%' || !f[1]) {
            tarn_buf_putc(&b, *f);
            continue;
        }
        if (!format_one(&b, *++f, us)) {
            tarn_buf_free(&b);
            return tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT",
                                    "%%%c not supported in date format string", *f);
        }
    }
    sqlite3_result_text(ctx, b.data ? b.data : "", (int)b.len, SQLITE_TRANSIENT);
    tarn_buf_free(&b);
}

/* ---- format_datetime (Joda patterns, as Trino) -------------------------- */

/* Append field letter c repeated n times (a Joda pattern component) for
** time us; false for a letter Joda does not know. */
static bool joda_one(tarn_buf *b, char c, int n, int64_t us)
{
    tparts p = split(us);
    int64_t sec = p.tod / US_SEC, h = sec / 3600, wy;
    int dow = iso_dow(p.days);
    long long v;
    switch (c) {
    case 'G': tarn_buf_appendf(b, "%s", p.y > 0 ? "AD" : "BC"); return true;
    case 'E': tarn_buf_appendf(b, n >= 4 ? "%s" : "%.3s", day_names[dow - 1]); return true;
    case 'a': tarn_buf_appendf(b, "%s", h < 12 ? "AM" : "PM"); return true;
    case 'z': tarn_buf_appendf(b, "UTC"); return true;
    case 'Z': tarn_buf_appendf(b, "%s", n == 1 ? "+0000" : n == 2 ? "+00:00" : "UTC"); return true;
    case 'M':
        if (n >= 3) {
            tarn_buf_appendf(b, n >= 4 ? "%s" : "%.3s", month_names[p.m - 1]);
            return true;
        }
        v = p.m;
        break;
    case 'y': case 'Y':
        v = n == 2 ? (p.y % 100 + 100) % 100 : p.y;
        break;
    case 'x':
        iso_week(p.days, &wy);
        v = n == 2 ? (wy % 100 + 100) % 100 : wy;
        break;
    case 'C': v = p.y / 100; break;
    case 'w': v = iso_week(p.days, &wy); break;
    case 'e': v = dow; break;
    case 'D': v = field_of(us, F_DOY); break;
    case 'd': v = p.d; break;
    case 'K': v = h % 12; break;
    case 'h': v = h % 12 == 0 ? 12 : h % 12; break;
    case 'H': v = h; break;
    case 'k': v = h == 0 ? 24 : h; break;
    case 'm': v = sec / 60 % 60; break;
    case 's': v = sec % 60; break;
    case 'S': {     /* the first n digits of the fraction */
        char frac[16];
        snprintf(frac, sizeof frac, "%06lld", (long long)(p.tod % US_SEC));
        for (int k = 0; k < n; k++)
            tarn_buf_putc(b, k < 6 ? frac[k] : '0');
        return true;
    }
    default:
        return false;
    }
    tarn_buf_appendf(b, "%0*lld", n, v);
    return true;
}

/* Expand Joda pattern f for time us into b; NULL or Joda's complaint. */
static const char *format_joda(tarn_buf *b, const char *f, int64_t us, char *bad)
{
    while (*f) {
        char c = *f;
        if (c == '\'') {
            if (f[1] == '\'') {
                tarn_buf_putc(b, '\'');
                f += 2;
                continue;
            }
            for (f++; *f && !(*f == '\'' && f[1] != '\''); f++) {
                tarn_buf_putc(b, *f);
                if (*f == '\'')
                    f++;
            }
            if (*f)
                f++;
            continue;
        }
        int n = 1;
        while (f[n] == c)
            n++;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            if (!joda_one(b, c, n, us))
                return *bad = c, "Illegal pattern component";
        } else {
            tarn_buf_append(b, f, (size_t)n);
        }
        f += n;
    }
    return NULL;
}

static void fn_format_datetime(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int64_t us;
    bool has_time;
    char bad = 0;
    const char *f = (const char *)sqlite3_value_text(argv[1]);
    if (!f || tarn_qfunc_time_arg(ctx, argv[0], "format_datetime", &us, &has_time) != 1)
        return;
    tarn_buf b;
    tarn_buf_init(&b, 1 << 20);
    const char *e = format_joda(&b, f, us, &bad);
    if (e)
        tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT", "%s: %c", e, bad);
    else
        sqlite3_result_text(ctx, b.data ? b.data : "", (int)b.len, SQLITE_TRANSIENT);
    tarn_buf_free(&b);
}

/* What date_parse has read so far. */
typedef struct parsed {
    int64_t y, m, d, h, mi, s, frac, doy;
    bool pm, has_ampm;
} parsed;

/* Match one name of names (n of them, full or 3-letter when abbrev) at *p. */
static bool parse_name(const char **p, const char **names, int n, bool abbrev, int64_t *out)
{
    for (int k = 0; k < n; k++) {
        size_t l = abbrev ? 3 : strlen(names[k]);
        if (strncasecmp(*p, names[k], l) == 0) {
            *p += l;
            *out = k + 1;
            return true;
        }
    }
    return false;
}

static bool parse_num(const char **p, int max, int64_t *out)
{
    int64_t v = 0;
    int k = 0;
    while (k < max && isdigit((unsigned char)**p))
        v = v * 10 + (*(*p)++ - '0'), k++;
    *out = v;
    return k > 0;
}

static bool parse_one(const char **p, char c, parsed *r)
{
    int64_t dummy, frac;
    const char *start;
    switch (c) {
    case 'Y': return parse_num(p, 4, &r->y);
    case 'y': return parse_num(p, 2, &r->y) && (r->y += r->y < 70 ? 2000 : 1900, true);
    case 'm': case 'c': return parse_num(p, 2, &r->m);
    case 'd': case 'e': return parse_num(p, 2, &r->d);
    case 'H': case 'k': case 'h': case 'I': case 'l': return parse_num(p, 2, &r->h);
    case 'i': return parse_num(p, 2, &r->mi);
    case 'S': case 's': return parse_num(p, 2, &r->s);
    case 'j': return parse_num(p, 3, &r->doy);
    case 'f':
        start = *p;
        if (!parse_num(p, 9, &frac))
            return false;
        for (long k = *p - start; k < 6; k++)
            frac *= 10;
        for (long k = *p - start; k > 6; k--)
            frac /= 10;
        return r->frac = frac, true;
    case 'M': return parse_name(p, month_names, 12, false, &r->m);
    case 'b': return parse_name(p, month_names, 12, true, &r->m);
    case 'W': return parse_name(p, day_names, 7, false, &dummy);
    case 'a': return parse_name(p, day_names, 7, true, &dummy);
    case 'p':
        if (strncasecmp(*p, "AM", 2) && strncasecmp(*p, "PM", 2))
            return false;
        r->has_ampm = true, r->pm = toupper((unsigned char)**p) == 'P';
        return *p += 2, true;
    case 'T': return parse_one(p, 'H', r) && parse_one(p, ':', r) && parse_one(p, 'i', r) &&
                     parse_one(p, ':', r) && parse_one(p, 'S', r);
    default:
        return **p == c ? (++*p, true) : false;
    }
}

/* Timestamp from the fields read; false when they name no valid time. */
static bool parsed_time(parsed *r, int64_t *us)
{
    if (r->has_ampm && r->h >= 1 && r->h <= 12)
        r->h = r->h % 12 + (r->pm ? 12 : 0);
    if (r->h > 23 || r->mi > 59 || r->s > 59)
        return false;
    int64_t days;
    if (r->doy > 0) {
        days = tarn_qtime_days(r->y, 1, 1) + r->doy - 1;
    } else {
        if (r->m < 1 || r->m > 12 || r->d < 1 || r->d > tarn_qtime_month_days(r->y, (int)r->m))
            return false;
        days = tarn_qtime_days(r->y, (int)r->m, (int)r->d);
    }
    *us = days * US_DAY + ((r->h * 60 + r->mi) * 60 + r->s) * US_SEC + r->frac;
    return true;
}

static void fn_date_parse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    const char *f = (const char *)sqlite3_value_text(argv[1]);
    if (!s || !f)
        return;
    parsed r = {.y = 1970, .m = 1, .d = 1};
    const char *p = s;
    int64_t us;
    for (; *f; f++) {
        bool ok = *f == '%' && f[1] ? parse_one(&p, *++f, &r) : (*p == *f ? (p++, true) : false);
        if (!ok)
            return tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT",
                                    "Invalid format: \"%.100s\" is malformed at \"%.100s\"", s, p);
    }
    if (*p)
        return tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT",
                                "Invalid format: \"%.100s\" is malformed at \"%.100s\"", s, p);
    if (!parsed_time(&r, &us))
        return tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT",
                                "Cannot parse \"%.100s\": Value out of range", s);
    result_time(ctx, us, true);
}

/* ---- ISO 8601 --------------------------------------------------------- */

/* "YYYY", "YYYY-MM", "YYYY-MM-DD", "YYYY-Www[-D]", "YYYY-DDD" at s[0..n). */
static bool iso_date(const char *s, size_t n, int64_t *days)
{
    int64_t y, a = 1, b = 1;
    size_t i = 0;
    const char *p = s;
    if (n < 4 || !parse_num(&p, 4, &y) || p - s != 4)
        return false;
    i = 4;
    if (i == n)
        return *days = tarn_qtime_days(y, 1, 1), true;
    if (s[i++] != '-' || i >= n)
        return false;
    if (s[i] == 'W') {
        p = s + i + 1;
        if (!parse_num(&p, 2, &a) || p - (s + i + 1) != 2 || a < 1 || a > 53)
            return false;
        if ((size_t)(p - s) < n && (*p++ != '-' || !parse_num(&p, 1, &b) || b < 1 || b > 7))
            return false;
        int64_t jan4 = tarn_qtime_days(y, 1, 4);
        return (size_t)(p - s) == n && (*days = jan4 - iso_dow(jan4) + 1 + (a - 1) * 7 + b - 1, true);
    }
    p = s + i;
    if (!parse_num(&p, 3, &a))
        return false;
    if (p - (s + i) == 3)   /* ordinal date */
        return (size_t)(p - s) == n && a >= 1 && a <= 365 + (tarn_qtime_month_days(y, 2) == 29) &&
               (*days = tarn_qtime_days(y, 1, 1) + a - 1, true);
    if (p - (s + i) != 2 || a < 1 || a > 12)
        return false;
    if ((size_t)(p - s) < n && (*p++ != '-' || !parse_num(&p, 2, &b) || b < 1 ||
                                b > tarn_qtime_month_days(y, (int)a)))
        return false;
    return (size_t)(p - s) == n && (*days = tarn_qtime_days(y, (int)a, (int)b), true);
}

static void fn_from_iso8601_date(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int n;
    const char *s = tarn_qfunc_text(argv[0], &n);
    int64_t days;
    if (!s)
        return;
    if (!iso_date(s, (size_t)n, &days))
        return tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT", "Invalid format: \"%.100s\"", s);
    result_time(ctx, days * US_DAY, false);
}

/* An ISO timestamp: a date as above, 'T', "HH[:MM[:SS[.f]]]", a zone. */
static bool iso_timestamp(const char *s, size_t n, int64_t *us)
{
    const char *t = memchr(s, 'T', n);
    int64_t days, h = 0, mi = 0, sec = 0, frac = 0;
    if (!iso_date(s, t ? (size_t)(t - s) : n, &days))
        return false;
    *us = days * US_DAY;
    if (!t)
        return true;
    const char *p = t + 1, *end = s + n;
    if (!parse_num(&p, 2, &h) || (p < end && *p == ':' && (++p, !parse_num(&p, 2, &mi))) ||
        (p < end && *p == ':' && (++p, !parse_num(&p, 2, &sec))))
        return false;
    if (p < end && (*p == '.' || *p == ',')) {
        const char *f0 = ++p;
        if (!parse_num(&p, 9, &frac))
            return false;
        for (long k = p - f0; k < 6; k++)
            frac *= 10;
        for (long k = p - f0; k > 6; k--)
            frac /= 10;
    }
    char zone[16];
    size_t zl = (size_t)(end - p);
    if (h > 23 || mi > 59 || sec > 59 || zl >= sizeof zone)
        return false;
    memcpy(zone, p, zl);
    zone[zl] = '\0';
    int64_t zus = 0;
    bool zt;
    char probe[48];
    if (zl > 0) {   /* reuse the literal parser's zone rules on a dummy time */
        snprintf(probe, sizeof probe, "1970-01-01 00:00:00%s", zone);
        if (!tarn_qtime_parse(probe, strlen(probe), &zus, &zt))
            return false;
    }
    *us += ((h * 60 + mi) * 60 + sec) * US_SEC + frac + zus;
    return true;
}

static void fn_from_iso8601_timestamp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int n;
    const char *s = tarn_qfunc_text(argv[0], &n);
    int64_t us;
    if (!s)
        return;
    if (!iso_timestamp(s, (size_t)n, &us))
        return tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT", "Invalid format: \"%.100s\"", s);
    result_time(ctx, us, true);
}

static void fn_to_iso8601(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int64_t us;
    bool has_time;
    char buf[48];
    if (tarn_qfunc_time_arg(ctx, argv[0], "to_iso8601", &us, &has_time) != 1)
        return;
    if (!has_time && strlen((const char *)sqlite3_value_text(argv[0])) <= 10)
        return result_time(ctx, us, false);
    int n = tarn_qtime_format_ts(us, buf);
    buf[10] = 'T';
    memcpy(buf + n, "Z", 2);
    sqlite3_result_text(ctx, buf, n + 1, SQLITE_TRANSIENT);
}

static void fn_from_unixtime(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    double secs = sqlite3_value_double(argv[0]);
    if (!(secs > -9.0e12 && secs < 9.0e12))
        return tarn_qfunc_fail(ctx, "NUMERIC_VALUE_OUT_OF_RANGE",
                                "from_unixtime: %g is out of range", secs);
    result_time(ctx, (int64_t)(secs * 1e6 + (secs < 0 ? -0.5 : 0.5)), true);
}

static void fn_to_unixtime(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int64_t us;
    bool has_time;
    if (tarn_qfunc_time_arg(ctx, argv[0], "to_unixtime", &us, &has_time) == 1)
        sqlite3_result_double(ctx, (double)us / 1e6);
}

static void fn_now(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    result_time(ctx, (int64_t)ts.tv_sec * US_SEC + ts.tv_nsec / 1000000 * 1000, true);
}

int tarn_qfunc_register_date(sqlite3 *db)
{
    static const char *field_names[] = {"year", "month", "day", "day_of_week", "day_of_year",
                                        "quarter", "week", "year_of_week", "hour", "minute",
                                        "second", "millisecond"};
    static const struct { const char *alias; int field; } aliases[] = {
        {"day_of_month", F_DAY}, {"dow", F_DOW}, {"doy", F_DOY}, {"week_of_year", F_WEEK},
        {"yow", F_YOW}};
    static const tarn_qfunc_def defs[] = {
        {"date_trunc", 2, fn_date_trunc, NULL},       {"date_add", 3, fn_date_add, NULL},
        {"date_diff", 3, fn_date_diff, NULL},         {"date_format", 2, fn_date_format, NULL},
        {"date_parse", 2, fn_date_parse, NULL},       {"format_datetime", 2, fn_format_datetime, NULL},
        {"from_iso8601_date", 1, fn_from_iso8601_date, NULL},
        {"from_iso8601_timestamp", 1, fn_from_iso8601_timestamp, NULL},
        {"to_iso8601", 1, fn_to_iso8601, NULL},       {"from_unixtime", 1, fn_from_unixtime, NULL},
        {"to_unixtime", 1, fn_to_unixtime, NULL},
        {"last_day_of_month", 1, fn_last_day_of_month, NULL},
    };
    static const tarn_qfunc_def volatile_defs[] = {{"now", 0, fn_now, NULL}};
    int rc = tarn_qfunc_register_table(db, defs, sizeof defs / sizeof defs[0], false);
    if (rc == SQLITE_OK)
        rc = tarn_qfunc_register_table(db, volatile_defs, 1, true);
    for (size_t i = 0; rc == SQLITE_OK && i < sizeof field_names / sizeof field_names[0]; i++) {
        tarn_qfunc_def d = {field_names[i], 1, fn_field, &field_ids[i]};
        rc = tarn_qfunc_register_table(db, &d, 1, false);
    }
    for (size_t i = 0; rc == SQLITE_OK && i < sizeof aliases / sizeof aliases[0]; i++) {
        tarn_qfunc_def d = {aliases[i].alias, 1, fn_field, &field_ids[aliases[i].field]};
        rc = tarn_qfunc_register_table(db, &d, 1, false);
    }
    return rc;
}
