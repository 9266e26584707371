/*
** functions_math.c: Trino's math functions with Trino's result types (an
** integer argument keeps an integer result for round, floor, ceil,
** truncate, sign, mod) and edge cases: round(x[, d]) half away from zero
** as Java's Math.round does it, ln/log/sqrt/power of doubles, greatest
** and least (NULL when any argument is NULL), rand/random, infinity,
** nan, pi, e, is_nan, is_finite, is_infinite, trigonometry, degrees,
** radians. NaN cannot be stored by SQLite: it becomes NULL (so nan(),
** sqrt(-1) and ln(-1) are NULL, and is_nan() is never true).
*/
#include "query/dialect_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool is_int(sqlite3_value *v)
{
    return sqlite3_value_numeric_type(v) == SQLITE_INTEGER;
}

static bool null_arg(int argc, sqlite3_value **argv)
{
    for (int i = 0; i < argc; i++)
        if (sqlite3_value_type(argv[i]) == SQLITE_NULL)
            return true;
    return false;
}

/* Trino's round(double, d): Math.round(|x| * 10^d) / 10^d with the sign
** put back, so 2.5 -> 3, -2.5 -> -3 and round(2.675, 2) -> 2.67 (binary
** 2.675 is below the half). */
static double round_double(double x, int64_t d)
{
    if (isnan(x) || isinf(x))
        return x;
    double f = pow(10.0, (double)d);
    double a = fabs(x) * f;
    if (a >= 9.2e18 || isinf(f))
        return x;   /* already an integer at that scale */
    double r = floor(a + 0.5) / f;
    return x < 0 ? -r : r;
}

/* round(n, d) of an integer: d >= 0 keeps n; d < 0 rounds to 10^-d. */
static void round_int(sqlite3_context *ctx, int64_t n, int64_t d)
{
    if (d >= 0)
        return sqlite3_result_int64(ctx, n);
    if (d < -18)
        return sqlite3_result_int64(ctx, 0);
    int64_t f = 1;
    for (int64_t k = 0; k < -d; k++)
        f *= 10;
    int64_t q = n / f, rem = n % f;
    if (rem * 2 >= f)
        q++;
    else if (rem * 2 <= -f)
        q--;
    int64_t r;
    if (__builtin_mul_overflow(q, f, &r))
        return tarn_qfunc_fail(ctx, "NUMERIC_VALUE_OUT_OF_RANGE", "round(%lld, %lld) is out of range",
                                (long long)n, (long long)d);
    sqlite3_result_int64(ctx, r);
}

static void fn_round(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (null_arg(argc, argv))
        return;
    int64_t d = argc > 1 ? sqlite3_value_int64(argv[1]) : 0;
    if (is_int(argv[0]))
        return round_int(ctx, sqlite3_value_int64(argv[0]), d);
    sqlite3_result_double(ctx, round_double(sqlite3_value_double(argv[0]), d));
}

/* floor, ceil, truncate and sign keep an integer an integer (user data:
** which one). */
enum { OP_FLOOR, OP_CEIL, OP_TRUNC, OP_SIGN };

static void fn_int_preserving(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int op = *(const int *)tarn_qfunc_data(ctx);
    if (null_arg(argc, argv))
        return;
    if (is_int(argv[0])) {
        int64_t v = sqlite3_value_int64(argv[0]);
        return sqlite3_result_int64(ctx, op == OP_SIGN ? (v > 0) - (v < 0) : v);
    }
    double x = sqlite3_value_double(argv[0]);
    double r = op == OP_FLOOR ? floor(x) : op == OP_CEIL ? ceil(x) : op == OP_TRUNC ? trunc(x)
             : x > 0 ? 1.0 : x < 0 ? -1.0 : x;
    sqlite3_result_double(ctx, r);
}

static void fn_truncate2(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (null_arg(argc, argv))
        return;
    double x = sqlite3_value_double(argv[0]), f = pow(10.0, (double)sqlite3_value_int64(argv[1]));
    sqlite3_result_double(ctx, isinf(f) || fabs(x * f) >= 9.2e18 ? x : trunc(x * f) / f);
}

/* The double functions of one argument (user data: the C function). */
static void fn_unary(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    double (*f)(double) = (double (*)(double))tarn_qfunc_data(ctx);
    if (!null_arg(argc, argv))
        sqlite3_result_double(ctx, f(sqlite3_value_double(argv[0])));
}

static void fn_binary(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    double (*f)(double, double) = (double (*)(double, double))tarn_qfunc_data(ctx);
    if (!null_arg(argc, argv))
        sqlite3_result_double(ctx, f(sqlite3_value_double(argv[0]), sqlite3_value_double(argv[1])));
}

/* log(b, x) = ln(x) / ln(b). */
static double log_base(double b, double x)
{
    return log(x) / log(b);
}

static void fn_mod(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (null_arg(argc, argv))
        return;
    if (is_int(argv[0]) && is_int(argv[1])) {
        int64_t a = sqlite3_value_int64(argv[0]), b = sqlite3_value_int64(argv[1]);
        if (b == 0)
            return tarn_qfunc_fail(ctx, "DIVISION_BY_ZERO", "Division by zero");
        return sqlite3_result_int64(ctx, b == -1 ? 0 : a % b);
    }
    sqlite3_result_double(ctx, fmod(sqlite3_value_double(argv[0]), sqlite3_value_double(argv[1])));
}

/* greatest / least (user data non-NULL: greatest). */
static void fn_extreme(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    bool greatest = tarn_qfunc_data(ctx) != NULL;
    if (argc < 1 || null_arg(argc, argv))
        return;
    int best = 0;
    for (int i = 1; i < argc; i++) {
        int c;
        int ta = sqlite3_value_numeric_type(argv[i]), tb = sqlite3_value_numeric_type(argv[best]);
        bool numeric = (ta == SQLITE_INTEGER || ta == SQLITE_FLOAT) && (tb == SQLITE_INTEGER || tb == SQLITE_FLOAT);
        if (numeric && ta == SQLITE_INTEGER && tb == SQLITE_INTEGER) {
            int64_t a = sqlite3_value_int64(argv[i]), b = sqlite3_value_int64(argv[best]);
            c = (a > b) - (a < b);
        } else if (numeric) {
            double a = sqlite3_value_double(argv[i]), b = sqlite3_value_double(argv[best]);
            c = (a > b) - (a < b);
        } else {
            c = strcmp((const char *)sqlite3_value_text(argv[i]), (const char *)sqlite3_value_text(argv[best]));
        }
        if (greatest ? c > 0 : c < 0)
            best = i;
    }
    sqlite3_result_value(ctx, argv[best]);
}

static void fn_rand(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    uint64_t r;
    sqlite3_randomness(sizeof r, &r);
    if (argc == 0)
        return sqlite3_result_double(ctx, (double)(r >> 11) / 9007199254740992.0);
    if (null_arg(argc, argv))
        return;
    int64_t lo = argc == 2 ? sqlite3_value_int64(argv[0]) : 0;
    int64_t hi = sqlite3_value_int64(argv[argc - 1]);
    if (hi <= lo)
        return tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT", "bound must be greater than %s",
                                argc == 2 ? "start" : "0");
    uint64_t span = (uint64_t)hi - (uint64_t)lo;
    sqlite3_result_int64(ctx, (int64_t)((uint64_t)lo + r % span));
}

/* Constants: user data points at the value. */
static void fn_const(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    sqlite3_result_double(ctx, *(const double *)tarn_qfunc_data(ctx));
}

/* is_nan / is_finite / is_infinite (user data: 0, 1, 2). */
static void fn_classify(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (null_arg(argc, argv))
        return;
    int which = *(const int *)tarn_qfunc_data(ctx);
    double x = sqlite3_value_double(argv[0]);
    sqlite3_result_int(ctx, which == 0 ? isnan(x) : which == 1 ? isfinite(x) : isinf(x) != 0);
}

static double degrees_of(double x)
{
    return x * 180.0 / M_PI;
}

static double radians_of(double x)
{
    return x * M_PI / 180.0;
}

#define U(name, f) {name, 1, fn_unary, (const void *)(f)}
#define B(name, f) {name, 2, fn_binary, (const void *)(f)}

int tarn_qfunc_register_math(sqlite3 *db)
{
    static const double inf = INFINITY, nanv = NAN, pi = M_PI, e = M_E;
    static const int c_nan = 0, c_finite = 1, c_inf = 2;
    static const int op_floor = OP_FLOOR, op_ceil = OP_CEIL, op_trunc = OP_TRUNC, op_sign = OP_SIGN;
    static const tarn_qfunc_def defs[] = {
        {"round", 1, fn_round, NULL}, {"round", 2, fn_round, NULL},
        {"floor", 1, fn_int_preserving, &op_floor}, {"ceil", 1, fn_int_preserving, &op_ceil},
        {"ceiling", 1, fn_int_preserving, &op_ceil}, {"truncate", 1, fn_int_preserving, &op_trunc},
        {"truncate", 2, fn_truncate2, NULL},
        {"sign", 1, fn_int_preserving, &op_sign},
        U("ln", log), U("log10", log10), U("log2", log2), U("exp", exp), U("sqrt", sqrt),
        U("cbrt", cbrt), U("sin", sin), U("cos", cos), U("tan", tan), U("asin", asin),
        U("acos", acos), U("atan", atan), U("sinh", sinh), U("cosh", cosh), U("tanh", tanh),
        U("degrees", degrees_of), U("radians", radians_of),
        B("power", pow), B("pow", pow), B("atan2", atan2), B("log", log_base),
        {"mod", 2, fn_mod, NULL},
        {"greatest", -1, fn_extreme, "greatest"}, {"least", -1, fn_extreme, NULL},
        {"infinity", 0, fn_const, &inf}, {"nan", 0, fn_const, &nanv},
        {"pi", 0, fn_const, &pi}, {"e", 0, fn_const, &e},
        {"is_nan", 1, fn_classify, &c_nan}, {"is_finite", 1, fn_classify, &c_finite},
        {"is_infinite", 1, fn_classify, &c_inf},
    };
    static const tarn_qfunc_def volatile_defs[] = {
        {"rand", 0, fn_rand, NULL},   {"random", 0, fn_rand, NULL}, {"rand", 1, fn_rand, NULL},
        {"random", 1, fn_rand, NULL}, {"rand", 2, fn_rand, NULL},   {"random", 2, fn_rand, NULL},
    };
    int rc = tarn_qfunc_register_table(db, defs, sizeof defs / sizeof defs[0], false);
    return rc != SQLITE_OK ? rc
                           : tarn_qfunc_register_table(db, volatile_defs,
                                                       sizeof volatile_defs / sizeof volatile_defs[0], true);
}
