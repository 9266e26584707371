/*
** functions_cast.c: the helpers dialect.c turns CAST and TRY_CAST into,
** with Trino's semantics on tarn's value representation (query_int.h):
**
**   __tarn_cast_bigint(x)   integer, smallint, tinyint alike; a double is
**                           rounded half away from zero, a string must be
**                           an integer ("Cannot cast 'abc' to BIGINT")
**   __tarn_cast_double(x)   real alike; strings as Java's parseDouble
**   __tarn_cast_varchar(x[, n])  numbers as Trino prints them; n truncates
**   __tarn_cast_char(x, n)  padded with spaces to n
**   __tarn_cast_boolean(x)  'true'/'false'/'t'/'f'/'1'/'0', numbers != 0
**   __tarn_cast_date(x), __tarn_cast_timestamp(x)  ISO text
**   __tarn_cast_decimal(x[, p[, s]])  rounded to s digits half away from
**                           zero; REAL when p <= 15, else TEXT
**
** date(x) is __tarn_cast_date(x), as in Trino. The __tarn_try_cast_*
** forms give NULL where the cast fails. Errors carry
** Athena's code (INVALID_CAST_ARGUMENT, NUMERIC_VALUE_OUT_OF_RANGE).
*/
#include "query/dialect_int.h"
#include "query/query_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { C_BIGINT, C_INTEGER, C_SMALLINT, C_TINYINT, C_DOUBLE, C_REAL, C_VARCHAR, C_CHAR,
       C_BOOLEAN, C_DATE, C_TIMESTAMP, C_DECIMAL, C_COUNT };

static const struct {
    const char *name;   /* helper suffix */
    const char *upper;  /* as Trino's messages print it */
    int64_t min, max;   /* integer kinds */
} kinds[C_COUNT] = {
    {"bigint", "BIGINT", INT64_MIN, INT64_MAX}, {"integer", "INT", INT32_MIN, INT32_MAX},
    {"smallint", "SMALLINT", -32768, 32767},    {"tinyint", "TINYINT", -128, 127},
    {"double", "DOUBLE", 0, 0},                 {"real", "REAL", 0, 0},
    {"varchar", "VARCHAR", 0, 0},               {"char", "CHAR", 0, 0},
    {"boolean", "BOOLEAN", 0, 0},               {"date", "DATE", 0, 0},
    {"timestamp", "TIMESTAMP", 0, 0},           {"decimal", "DECIMAL", 0, 0},
};

/* A cast's user data: its kind and whether failure gives NULL. */
typedef struct cast_fn {
    int kind;
    bool try_;
} cast_fn;

#define CASTS(t) {{C_BIGINT, t}, {C_INTEGER, t}, {C_SMALLINT, t}, {C_TINYINT, t}, \
    {C_DOUBLE, t}, {C_REAL, t}, {C_VARCHAR, t}, {C_CHAR, t}, {C_BOOLEAN, t}, {C_DATE, t}, \
    {C_TIMESTAMP, t}, {C_DECIMAL, t}}
static const cast_fn cast_fns[2][C_COUNT] = {CASTS(false), CASTS(true)};

/* Fail the cast: NULL for TRY_CAST, else the Athena error. */
static void cast_fail(sqlite3_context *ctx, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cast_fail(sqlite3_context *ctx, const char *code, const char *fmt, ...)
{
    const cast_fn *cf = sqlite3_user_data(ctx);
    va_list ap;
    va_start(ap, fmt);
    tarn_qfunc_verror(ctx, cf->try_, code, fmt, ap);
    va_end(ap);
}

/* Java's plain form of nd significant digits with decimal exponent exp10
** (-3 <= exp10 < 7): at least one digit after the point. */
static void java_plain(bool neg, const char *digits, size_t nd, int exp10, char *out, size_t cap)
{
    char buf[64];
    size_t o = 0;
    if (exp10 >= 0) {
        for (int k = 0; k <= exp10; k++)
            buf[o++] = (size_t)k < nd ? digits[k] : '0';
        buf[o++] = '.';
        if ((size_t)exp10 + 1 >= nd)
            buf[o++] = '0';
        for (size_t k = (size_t)exp10 + 1; k < nd; k++)
            buf[o++] = digits[k];
    } else {
        buf[o++] = '0', buf[o++] = '.';
        for (int k = -1; k > exp10; k--)
            buf[o++] = '0';
        for (size_t k = 0; k < nd; k++)
            buf[o++] = digits[k];
    }
    buf[o] = '\0';
    snprintf(out, cap, "%s%s", neg ? "-" : "", buf);
}

/* Java's Double.toString, which Trino's CAST(double AS VARCHAR) prints:
** the shortest digits that read back to d; plain between 1e-3 and 1e7
** ("1.5", "100.0"), else "1.0E7", "1.234E-5". */
static void java_double(double d, char *out, size_t cap)
{
    if (isnan(d) || isinf(d)) {
        snprintf(out, cap, "%s", isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    if (d == 0) {
        snprintf(out, cap, "%s", signbit(d) ? "-0.0" : "0.0");
        return;
    }
    char e[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, d);
        if (strtod(e, NULL) == d)
            break;
    }
    /* e is "-d.ddde+XX": split into sign, digits and exponent */
    bool neg = e[0] == '-';
    char digits[24];
    size_t nd = 0;
    const char *p = e + neg;
    for (; *p && *p != 'e'; p++)
        if (isdigit((unsigned char)*p))
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    int exp10 = atoi(p + 1);
    double a = fabs(d);
    if (a >= 1e-3 && a < 1e7)
        java_plain(neg, digits, nd, exp10, out, cap);
    else
        snprintf(out, cap, "%s%c.%sE%d", neg ? "-" : "", digits[0], nd > 1 ? digits + 1 : "0", exp10);
}

/* Strict integer text as Long.parseLong reads it (sign, digits, nothing
** else). */
static bool parse_long(const char *s, int64_t *v)
{
    const char *p = s + (*s == '-' || *s == '+');
    if (!*p)
        return false;
    for (const char *q = p; *q; q++)
        if (!isdigit((unsigned char)*q))
            return false;
    errno = 0;
    char *end;
    long long x = strtoll(s, &end, 10);
    if (errno == ERANGE || *end)
        return false;
    *v = x;
    return true;
}

/* Trimmed copy of s into buf (cap bytes); false if it does not fit. */
static bool trimmed(const char *s, char *buf, size_t cap)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t l = strlen(s);
    while (l > 0 && isspace((unsigned char)s[l - 1]))
        l--;
    if (l >= cap)
        return false;
    memcpy(buf, s, l);
    buf[l] = '\0';
    return true;
}

static void cast_integer(sqlite3_context *ctx, sqlite3_value *v, int kind)
{
    int64_t x;
    const char *s;
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
        x = sqlite3_value_int64(v);
        break;
    case SQLITE_FLOAT: {
        double d = sqlite3_value_double(v);
        double r = d < 0 ? -floor(-d + 0.5) : floor(d + 0.5);
        char buf[40];
        if (!(r >= -9.2233720368547758e18 && r < 9.2233720368547758e18)) {
            java_double(d, buf, sizeof buf);
            return cast_fail(ctx, "INVALID_CAST_ARGUMENT", "Unable to cast %s to %s", buf,
                             kind == C_BIGINT ? "bigint" : kinds[kind].name);
        }
        x = (int64_t)r;
        break;
    }
    default:
        s = (const char *)sqlite3_value_text(v);
        if (!s || !parse_long(s, &x) || x < kinds[kind].min || x > kinds[kind].max)
            return cast_fail(ctx, "INVALID_CAST_ARGUMENT", "Cannot cast '%.200s' to %s",
                             s ? s : "", kinds[kind].upper);
    }
    if (x < kinds[kind].min || x > kinds[kind].max)
        return cast_fail(ctx, "NUMERIC_VALUE_OUT_OF_RANGE", "Out of range for %s: %lld",
                         kinds[kind].name, (long long)x);
    sqlite3_result_int64(ctx, x);
}

/* A double from a number or from text as Java's parseDouble accepts it. */
static bool value_double(sqlite3_value *v, double *d)
{
    if (sqlite3_value_type(v) == SQLITE_INTEGER || sqlite3_value_type(v) == SQLITE_FLOAT) {
        *d = sqlite3_value_double(v);
        return true;
    }
    char buf[128], *end;
    const char *s = (const char *)sqlite3_value_text(v);
    if (!s || !trimmed(s, buf, sizeof buf) || !buf[0])
        return false;
    *d = strtod(buf, &end);
    return *end == '\0' || ((*end == 'd' || *end == 'D' || *end == 'f' || *end == 'F') && !end[1]);
}

static void cast_double(sqlite3_context *ctx, sqlite3_value *v, int kind)
{
    double d;
    if (!value_double(v, &d))
        return cast_fail(ctx, "INVALID_CAST_ARGUMENT", "Cannot cast '%.200s' to %s",
                         (const char *)sqlite3_value_text(v), kinds[kind].upper);
    sqlite3_result_double(ctx, kind == C_REAL ? (double)(float)d : d);
}

/* Byte length of the first n UTF-8 characters of s (len bytes). */
static size_t utf8_prefix(const char *s, size_t len, int64_t n, int64_t *chars)
{
    size_t i = 0;
    int64_t c = 0;
    while (i < len && c < n) {
        i++;
        while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        c++;
    }
    *chars = c;
    return i;
}

static void cast_varchar(sqlite3_context *ctx, int argc, sqlite3_value **argv, int kind)
{
    char buf[48];
    const char *s;
    int n;
    if (sqlite3_value_type(argv[0]) == SQLITE_FLOAT) {
        java_double(sqlite3_value_double(argv[0]), buf, sizeof buf);
        s = buf, n = (int)strlen(buf);
    } else if (sqlite3_value_type(argv[0]) == SQLITE_INTEGER &&
               sqlite3_value_subtype(argv[0]) == TARN_QBOOL_SUBTYPE) {
        s = sqlite3_value_int64(argv[0]) ? "true" : "false";
        n = (int)strlen(s);
    } else {
        s = tarn_qfunc_text(argv[0], &n);
    }
    int64_t limit = argc > 1 ? sqlite3_value_int64(argv[1]) : INT64_MAX, chars;
    size_t keep = utf8_prefix(s, (size_t)n, limit, &chars);
    if (kind == C_VARCHAR || chars >= limit)
        return sqlite3_result_text(ctx, s, (int)keep, SQLITE_TRANSIENT);
    tarn_buf b;   /* CHAR(n): padded with spaces */
    tarn_buf_init(&b, 1 << 24);
    tarn_buf_append(&b, s, keep);
    for (; chars < limit && b.len < (1 << 24) - 1; chars++)
        tarn_buf_putc(&b, ' ');
    sqlite3_result_text(ctx, b.data, (int)b.len, SQLITE_TRANSIENT);
    tarn_buf_free(&b);
}

static void bool_result(sqlite3_context *ctx, int v)
{
    sqlite3_result_int(ctx, v);
    sqlite3_result_subtype(ctx, TARN_QBOOL_SUBTYPE);
}

static void cast_boolean(sqlite3_context *ctx, sqlite3_value *v)
{
    int t = sqlite3_value_type(v);
    if (t == SQLITE_INTEGER || t == SQLITE_FLOAT)
        return bool_result(ctx, sqlite3_value_double(v) != 0);
    const char *s = (const char *)sqlite3_value_text(v);
    if (s && (!strcasecmp(s, "true") || !strcasecmp(s, "t") || !strcmp(s, "1")))
        return bool_result(ctx, 1);
    if (s && (!strcasecmp(s, "false") || !strcasecmp(s, "f") || !strcmp(s, "0")))
        return bool_result(ctx, 0);
    cast_fail(ctx, "INVALID_CAST_ARGUMENT", "Cannot cast '%.200s' to BOOLEAN", s ? s : "");
}

static void cast_time(sqlite3_context *ctx, sqlite3_value *v, int kind)
{
    const char *s = (const char *)sqlite3_value_text(v);
    char buf[128];
    int64_t us;
    bool has_time;
    if (sqlite3_value_type(v) != SQLITE_TEXT || !trimmed(s, buf, sizeof buf) ||
        !tarn_qtime_parse(buf, strlen(buf), &us, &has_time))
        return cast_fail(ctx, "INVALID_CAST_ARGUMENT", "Value cannot be cast to %s: %.200s",
                         kind == C_DATE ? "date" : "timestamp", s ? s : "");
    int n = kind == C_DATE ? tarn_qtime_format_date(tarn_qtime_floordiv(us, TARN_QTIME_US_PER_DAY), buf)
                           : tarn_qtime_format_ts(us, buf);
    sqlite3_result_text(ctx, buf, n, SQLITE_TRANSIENT);
}

/* Round the plain decimal text txt ([sign]digits[.digits], blanks around
** allowed) to s fraction digits half away from zero, exactly on its
** digits (so '1.005' gives 1.01, as Trino's BigDecimal does, where the
** double 1.005 would give 1.00), into out. False when txt is not plain. */
static bool text_round(const char *txt, int64_t s, char *out, size_t cap)
{
    char buf[128];
    if (!txt || !trimmed(txt, buf, sizeof buf))
        return false;
    const char *p = buf;
    bool neg = *p == '-';
    p += *p == '-' || *p == '+';
    size_t ni = strspn(p, "0123456789");
    const char *frac = p[ni] == '.' ? p + ni + 1 : p + ni;
    size_t nf = strspn(frac, "0123456789");
    if ((ni == 0 && nf == 0) || frac[nf] != '\0' || ni + (size_t)s + 4 > cap ||
        ni + (size_t)s + 2 > 120)
        return false;
    char d[128]; /* integer digits then s fraction digits, one spare in front */
    size_t n = 0;
    d[n++] = '0';
    memcpy(d + n, p, ni);
    n += ni;
    for (int64_t i = 0; i < s; i++)
        d[n++] = (size_t)i < nf ? frac[i] : '0';
    if ((size_t)s < nf && frac[s] >= '5') {
        size_t i = n;
        while (i-- > 0 && d[i] == '9')
            d[i] = '0';
        d[i]++;
    }
    size_t lead = 0;
    while (lead + 1 < n - (size_t)s && d[lead] == '0')
        lead++;
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    memcpy(out + o, d + lead, n - (size_t)s - lead);
    o += n - (size_t)s - lead;
    if (s > 0) {
        out[o++] = '.';
        memcpy(out + o, d + n - (size_t)s, (size_t)s);
        o += (size_t)s;
    }
    out[o] = '\0';
    return true;
}

static void cast_decimal(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int64_t p = argc > 1 ? sqlite3_value_int64(argv[1]) : 38;
    int64_t s = argc > 2 ? sqlite3_value_int64(argv[2]) : 0;
    double d;
    const char *what = sqlite3_value_type(argv[0]) == SQLITE_INTEGER ? "BIGINT"
                       : sqlite3_value_type(argv[0]) == SQLITE_FLOAT ? "DOUBLE" : "VARCHAR";
    const char *txt = (const char *)sqlite3_value_text(argv[0]);
    if (p < 1 || p > 38 || s < 0 || s > p)
        return tarn_qfunc_error(ctx, "INVALID_CAST_ARGUMENT",
                                "DECIMAL(%lld, %lld): precision must be in [1, 38] and scale in "
                                "[0, precision]", (long long)p, (long long)s);
    if (!value_double(argv[0], &d) || isnan(d) || isinf(d))
        return cast_fail(ctx, "INVALID_CAST_ARGUMENT",
                         "Cannot cast %s '%.200s' to DECIMAL(%lld, %lld). Value is not a number.",
                         what, txt ? txt : "", (long long)p, (long long)s);
    double f = pow(10.0, (double)s);
    double r = (d < 0 ? -floor(-d * f + 0.5) : floor(d * f + 0.5)) / f;
    char exact[128];
    bool is_text = sqlite3_value_type(argv[0]) == SQLITE_TEXT;
    if (is_text && text_round(txt, s, exact, sizeof exact))
        r = strtod(exact, NULL);
    if (fabs(r) >= pow(10.0, (double)(p - s)))
        return cast_fail(ctx, "INVALID_CAST_ARGUMENT",
                         "Cannot cast %s '%.200s' to DECIMAL(%lld, %lld). Value too large.", what,
                         txt ? txt : "", (long long)p, (long long)s);
    if (p <= 15)
        return sqlite3_result_double(ctx, r);
    if (is_text && text_round(txt, s, exact, sizeof exact))
        return sqlite3_result_text(ctx, exact, -1, SQLITE_TRANSIENT);
    char buf[400];
    snprintf(buf, sizeof buf, "%.*f", (int)s, r);
    sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

static void fn_cast(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const cast_fn *cf = sqlite3_user_data(ctx);
    if (argc < 1 || argc > 3)
        return tarn_qfunc_error(ctx, "FUNCTION_NOT_FOUND", "CAST takes one value");
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    switch (cf->kind) {
    case C_BIGINT: case C_INTEGER: case C_SMALLINT: case C_TINYINT:
        return cast_integer(ctx, argv[0], cf->kind);
    case C_DOUBLE: case C_REAL: return cast_double(ctx, argv[0], cf->kind);
    case C_VARCHAR: case C_CHAR: return cast_varchar(ctx, argc, argv, cf->kind);
    case C_BOOLEAN: return cast_boolean(ctx, argv[0]);
    case C_DATE: case C_TIMESTAMP: return cast_time(ctx, argv[0], cf->kind);
    default: return cast_decimal(ctx, argc, argv);
    }
}

int tarn_qfunc_register_cast(sqlite3 *db)
{
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    for (int t = 0; t < 2; t++) {
        for (int k = 0; k < C_COUNT; k++) {
            char name[64];
            snprintf(name, sizeof name, "__tarn_%scast_%s", t ? "try_" : "", kinds[k].name);
            int rc = sqlite3_create_function(db, name, -1, flags, (void *)&cast_fns[t][k], fn_cast, NULL, NULL);
            if (rc != SQLITE_OK)
                return rc;
        }
    }
    /* Trino's date(x) is CAST(x AS DATE); SQLite's own date() keeps its
    ** other arities. */
    return sqlite3_create_function(db, "date", 1, flags, (void *)&cast_fns[0][C_DATE], fn_cast, NULL, NULL);
}
