/*
** functions_agg.c: Trino's aggregate functions SQLite lacks: count_if,
** bool_and/every, bool_or, stddev/stddev_samp, stddev_pop,
** variance/var_samp, var_pop (window-capable: they can remove rows),
** corr, covar_samp, covar_pop, regr_slope, regr_intercept,
** arbitrary/any_value, max_by, min_by, approx_distinct (exact up to 1024
** distinct values, then the HyperLogLog of core/hll.c, about 0.8% error)
** and approx_percentile (exact: the value at rank floor(p * n), as Trino's
** digest returns an input value). NULL inputs are skipped; over no rows
** they give NULL (count_if and approx_distinct give 0).
*/
#include "query/dialect_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/* ---- count_if, bool_and, bool_or --------------------------------------- */

typedef struct counts {
    int64_t n, yes;     /* non-NULL rows, true rows */
} counts;

static void counts_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    counts *c = sqlite3_aggregate_context(ctx, sizeof *c);
    if (c && sqlite3_value_type(argv[0]) != SQLITE_NULL) {
        c->n++;
        c->yes += sqlite3_value_double(argv[0]) != 0;
    }
}

static void counts_inverse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    counts *c = sqlite3_aggregate_context(ctx, sizeof *c);
    if (c && sqlite3_value_type(argv[0]) != SQLITE_NULL) {
        c->n--;
        c->yes -= sqlite3_value_double(argv[0]) != 0;
    }
}

enum { K_COUNT_IF, K_BOOL_AND, K_BOOL_OR };

static void counts_value(sqlite3_context *ctx)
{
    int kind = *(const int *)sqlite3_user_data(ctx);
    counts *c = sqlite3_aggregate_context(ctx, 0);
    counts z = {0, 0};
    if (!c)
        c = &z;
    if (kind == K_COUNT_IF)
        sqlite3_result_int64(ctx, c->yes);
    else if (c->n > 0)
        sqlite3_result_int(ctx, kind == K_BOOL_AND ? c->yes == c->n : c->yes > 0);
}

/* ---- variance family (Welford, with removal for windows) ---------------- */

typedef struct moments {
    int64_t n;
    double mean, m2;
} moments;

static void moments_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    moments *m = sqlite3_aggregate_context(ctx, sizeof *m);
    if (!m || sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    double x = sqlite3_value_double(argv[0]), d = x - m->mean;
    m->n++;
    m->mean += d / (double)m->n;
    m->m2 += d * (x - m->mean);
}

static void moments_inverse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    moments *m = sqlite3_aggregate_context(ctx, sizeof *m);
    if (!m || sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    double x = sqlite3_value_double(argv[0]);
    if (m->n <= 1) {
        *m = (moments){0, 0, 0};
        return;
    }
    double old_mean = (m->mean * (double)m->n - x) / (double)(m->n - 1);
    m->m2 -= (x - m->mean) * (x - old_mean);
    m->mean = old_mean;
    m->n--;
    if (m->m2 < 0)
        m->m2 = 0;
}

enum { V_VAR_SAMP, V_VAR_POP, V_STD_SAMP, V_STD_POP };

/* Trino: the sample forms are NULL for fewer than two rows, the population
** forms NULL for none. */
static void moments_value(sqlite3_context *ctx)
{
    int kind = *(const int *)sqlite3_user_data(ctx);
    moments *m = sqlite3_aggregate_context(ctx, 0);
    bool sample = kind == V_VAR_SAMP || kind == V_STD_SAMP;
    if (!m || m->n < (sample ? 2 : 1))
        return;
    double var = m->m2 / (double)(sample ? m->n - 1 : m->n);
    sqlite3_result_double(ctx, kind == V_STD_SAMP || kind == V_STD_POP ? sqrt(var) : var);
}

/* ---- corr, covar_samp, covar_pop, regr_slope, regr_intercept (y, x) ---- */

typedef struct comoments {
    int64_t n;
    double mx, my, c, m2x, m2y;
} comoments;

static void comoments_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    comoments *m = sqlite3_aggregate_context(ctx, sizeof *m);
    if (!m || sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
        return;
    double y = sqlite3_value_double(argv[0]), x = sqlite3_value_double(argv[1]);
    double dx = x - m->mx, dy = y - m->my;
    m->n++;
    m->mx += dx / (double)m->n;
    m->my += dy / (double)m->n;
    m->c += dx * (y - m->my);
    m->m2x += dx * (x - m->mx);
    m->m2y += dy * (y - m->my);
}

enum { R_CORR, R_COVAR_SAMP, R_COVAR_POP, R_SLOPE, R_INTERCEPT };

/* Trino: NULL below two rows (one for covar_pop) and where a variance the
** result divides by is zero. */
static void comoments_final(sqlite3_context *ctx)
{
    int kind = *(const int *)sqlite3_user_data(ctx);
    comoments *m = sqlite3_aggregate_context(ctx, 0);
    if (!m || m->n < (kind == R_COVAR_POP ? 1 : 2))
        return;
    double n = (double)m->n;
    switch (kind) {
    case R_CORR:
        if (m->m2x > 0 && m->m2y > 0)
            sqlite3_result_double(ctx, m->c / sqrt(m->m2x * m->m2y));
        break;
    case R_COVAR_SAMP: sqlite3_result_double(ctx, m->c / (n - 1)); break;
    case R_COVAR_POP: sqlite3_result_double(ctx, m->c / n); break;
    default:
        if (m->m2x > 0) {
            double slope = m->c / m->m2x;
            sqlite3_result_double(ctx, kind == R_SLOPE ? slope : m->my - slope * m->mx);
        }
    }
}

/* ---- arbitrary, max_by, min_by ----------------------------------------- */

typedef struct pick {
    sqlite3_value *value;   /* owned copy */
    sqlite3_value *key;     /* max_by/min_by: the key that chose it */
} pick;

static void pick_free(pick *p)
{
    sqlite3_value_free(p->value);
    sqlite3_value_free(p->key);
    p->value = p->key = NULL;
}

static void arbitrary_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    pick *p = sqlite3_aggregate_context(ctx, sizeof *p);
    if (p && !p->value && sqlite3_value_type(argv[0]) != SQLITE_NULL)
        p->value = sqlite3_value_dup(argv[0]);
}

/* Compare two non-NULL values as SQL would (numbers as numbers). */
static int value_cmp(sqlite3_value *a, sqlite3_value *b)
{
    int ta = sqlite3_value_numeric_type(a), tb = sqlite3_value_numeric_type(b);
    if ((ta == SQLITE_INTEGER || ta == SQLITE_FLOAT) && (tb == SQLITE_INTEGER || tb == SQLITE_FLOAT)) {
        if (ta == SQLITE_INTEGER && tb == SQLITE_INTEGER) {
            int64_t x = sqlite3_value_int64(a), y = sqlite3_value_int64(b);
            return (x > y) - (x < y);
        }
        double x = sqlite3_value_double(a), y = sqlite3_value_double(b);
        return (x > y) - (x < y);
    }
    return strcmp((const char *)sqlite3_value_text(a), (const char *)sqlite3_value_text(b));
}

/* max_by(x, y) / min_by(x, y) (user data non-NULL: max): the x of the row
** with the largest (smallest) y; rows with a NULL y are skipped. */
static void by_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    bool max = sqlite3_user_data(ctx) != NULL;
    pick *p = sqlite3_aggregate_context(ctx, sizeof *p);
    if (!p || sqlite3_value_type(argv[1]) == SQLITE_NULL)
        return;
    if (p->key) {
        int c = value_cmp(argv[1], p->key);
        if (max ? c <= 0 : c >= 0)
            return;
    }
    pick_free(p);
    p->value = sqlite3_value_dup(argv[0]);
    p->key = sqlite3_value_dup(argv[1]);
}

static void pick_final(sqlite3_context *ctx)
{
    pick *p = sqlite3_aggregate_context(ctx, 0);
    if (!p)
        return;
    if (p->value)
        sqlite3_result_value(ctx, p->value);
    pick_free(p);
}

/* ---- approx_distinct ---------------------------------------------------- */

/* Exact below EXACT_MAX distinct values (an open-addressing set of their
** hashes that grows with them, so many small groups stay small), then a
** HyperLogLog sketch (16 KiB). */
#define EXACT_MAX 1024

typedef struct distinct {
    uint64_t *set;  /* cap slots, 0 = empty (a zero hash is stored as 1) */
    int cap, n;
    tarn_hll *hll;
} distinct;

static uint64_t value_hash(sqlite3_value *v)
{
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
        return tarn_hash_u64((uint64_t)sqlite3_value_int64(v));
    case SQLITE_FLOAT: {
        double d = sqlite3_value_double(v);
        uint64_t bits;
        if (d == (double)(int64_t)d && fabs(d) < 9e18)    /* 2.0 counts as 2 */
            return tarn_hash_u64((uint64_t)(int64_t)d);
        memcpy(&bits, &d, sizeof bits);
        return tarn_hash_u64(bits);
    }
    default:
        return tarn_hash64(sqlite3_value_blob(v), (size_t)sqlite3_value_bytes(v), 0x7461726e);
    }
}

/* Add h to the exact set; false when it is full (the caller switches to
** the sketch) or memory ran out (*nomem). */
static bool set_add(distinct *d, uint64_t h, bool *nomem)
{
    if (2 * (d->n + 1) > d->cap) {
        if (d->n + 1 > EXACT_MAX)
            return false;
        int cap = d->cap ? d->cap * 2 : 16;
        uint64_t *grown = sqlite3_malloc64((sqlite3_uint64)cap * sizeof *grown), *old = d->set;
        if (!grown)
            return *nomem = true, false;
        memset(grown, 0, (size_t)cap * sizeof *grown);
        int oldcap = d->cap;
        d->set = grown, d->cap = cap, d->n = 0;
        for (int i = 0; i < oldcap; i++)
            if (old[i])
                set_add(d, old[i], nomem);
        sqlite3_free(old);
    }
    size_t mask = (size_t)d->cap - 1;
    for (size_t i = (size_t)(h >> 32) & mask;; i = (i + 1) & mask) {
        if (d->set[i] == h)
            return true;
        if (d->set[i] == 0) {
            d->set[i] = h;
            d->n++;
            return true;
        }
    }
}

static void distinct_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    distinct *d = sqlite3_aggregate_context(ctx, sizeof *d);
    bool nomem = false;
    if (!d || sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    uint64_t h = value_hash(argv[0]);
    h += h == 0;
    if (!d->hll && set_add(d, h, &nomem))
        return;
    if (nomem)
        return sqlite3_result_error_nomem(ctx);
    if (!d->hll) {
        d->hll = sqlite3_malloc(sizeof *d->hll);
        if (!d->hll)
            return sqlite3_result_error_nomem(ctx);
        tarn_hll_init(d->hll);
        for (int i = 0; i < d->cap; i++)
            if (d->set[i])
                tarn_hll_add(d->hll, d->set[i]);
        sqlite3_free(d->set);
        d->set = NULL;
    }
    tarn_hll_add(d->hll, h);
}

static void distinct_final(sqlite3_context *ctx)
{
    distinct *d = sqlite3_aggregate_context(ctx, 0);
    if (!d)
        return sqlite3_result_int64(ctx, 0);
    if (d->hll)
        sqlite3_result_int64(ctx, (int64_t)llround(tarn_hll_estimate(d->hll)));
    else
        sqlite3_result_int64(ctx, d->n);
    sqlite3_free(d->hll);
    sqlite3_free(d->set);
    d->hll = NULL;
    d->set = NULL;
}

/* ---- approx_percentile ---------------------------------------------------- */

typedef struct percentile {
    double *v;
    int64_t n, cap;
    double p;
    bool all_int, bad_p;
} percentile;

static void percentile_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    percentile *s = sqlite3_aggregate_context(ctx, sizeof *s);
    if (!s || sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
        return;
    if (s->n == 0) {
        s->p = sqlite3_value_double(argv[1]);
        s->all_int = true;
        if (!(s->p >= 0 && s->p <= 1)) {
            s->bad_p = true;
            return tarn_qfunc_error(ctx, "INVALID_FUNCTION_ARGUMENT", "Percentile must be between 0 and 1");
        }
    }
    if (s->n == s->cap) {
        int64_t cap = s->cap ? s->cap * 2 : 64;
        double *nv = sqlite3_realloc64(s->v, (sqlite3_uint64)cap * sizeof *nv);
        if (!nv)
            return sqlite3_result_error_nomem(ctx);
        s->v = nv, s->cap = cap;
    }
    s->all_int &= sqlite3_value_numeric_type(argv[0]) == SQLITE_INTEGER;
    s->v[s->n++] = sqlite3_value_double(argv[0]);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void percentile_final(sqlite3_context *ctx)
{
    percentile *s = sqlite3_aggregate_context(ctx, 0);
    if (!s || s->n == 0 || s->bad_p) {
        if (s)
            sqlite3_free(s->v);
        return;
    }
    qsort(s->v, (size_t)s->n, sizeof *s->v, cmp_double);
    int64_t i = (int64_t)floor(s->p * (double)s->n);
    double r = s->v[i < s->n ? i : s->n - 1];
    if (s->all_int)
        sqlite3_result_int64(ctx, (int64_t)r);
    else
        sqlite3_result_double(ctx, r);
    sqlite3_free(s->v);
    s->v = NULL;
}

/* ---- quantified comparisons ---------------------------------------------- */

/* __tarn_quantified_all|any(op, x, v): what dialect.c turns x op ALL and
** x op ANY|SOME (subquery) into, over the subquery's rows v. Three-valued as in SQL:
** ALL is false if some x op v is false, else NULL if some is NULL, else
** true (also over no rows); ANY is true if some is true, else NULL if some
** is NULL, else false. */
typedef struct quant_state {
    bool any_true, any_false, any_null;
} quant_state;

/* x op v with SQLite's ordering (numbers before text; text by bytes);
** -1 for NULL. */
static int quant_cmp(const char *op, sqlite3_value *x, sqlite3_value *v)
{
    int tx = sqlite3_value_type(x), tv = sqlite3_value_type(v);
    if (tx == SQLITE_NULL || tv == SQLITE_NULL)
        return -1;
    bool nx = tx == SQLITE_INTEGER || tx == SQLITE_FLOAT, nv = tv == SQLITE_INTEGER || tv == SQLITE_FLOAT;
    int c;
    if (nx && nv) {
        double a = sqlite3_value_double(x), b = sqlite3_value_double(v);
        if (tx == SQLITE_INTEGER && tv == SQLITE_INTEGER) {
            sqlite3_int64 i = sqlite3_value_int64(x), j = sqlite3_value_int64(v);
            c = i < j ? -1 : i > j;
        } else {
            c = a < b ? -1 : a > b;
        }
    } else if (nx != nv) {
        c = nx ? -1 : 1;
    } else {
        int la = sqlite3_value_bytes(x), lb = sqlite3_value_bytes(v);
        const void *a = sqlite3_value_blob(x), *b = sqlite3_value_blob(v);
        int m = la < lb ? la : lb, r = m ? memcmp(a, b, (size_t)m) : 0;
        c = r ? (r < 0 ? -1 : 1) : la < lb ? -1 : la > lb;
    }
    if (!strcmp(op, "=")) return c == 0;
    if (!strcmp(op, "<>") || !strcmp(op, "!=")) return c != 0;
    if (!strcmp(op, "<")) return c < 0;
    if (!strcmp(op, "<=")) return c <= 0;
    if (!strcmp(op, ">")) return c > 0;
    return c >= 0;
}

static void quant_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    quant_state *s = sqlite3_aggregate_context(ctx, sizeof *s);
    const char *op = (const char *)sqlite3_value_text(argv[0]);
    if (!s || !op)
        return;
    int r = quant_cmp(op, argv[1], argv[2]);
    s->any_true |= r == 1;
    s->any_false |= r == 0;
    s->any_null |= r < 0;
}

static void quant_final(sqlite3_context *ctx)
{
    quant_state *s = sqlite3_aggregate_context(ctx, 0);
    quant_state z = {0};
    if (!s)
        s = &z;
    bool all = sqlite3_user_data(ctx) != NULL;
    if (all ? s->any_false : s->any_true)
        return sqlite3_result_int(ctx, !all);
    if (s->any_null)
        return sqlite3_result_null(ctx);
    sqlite3_result_int(ctx, all);
}

/* ---- registration ------------------------------------------------------- */

int tarn_qfunc_register_agg(sqlite3 *db)
{
    static const int k_count_if = K_COUNT_IF, k_and = K_BOOL_AND, k_or = K_BOOL_OR;
    static const int v_var = V_VAR_SAMP, v_varp = V_VAR_POP, v_std = V_STD_SAMP, v_stdp = V_STD_POP;
    static const struct { const char *name; const int *kind; bool moments; } windowed[] = {
        {"count_if", &k_count_if, false}, {"bool_and", &k_and, false}, {"every", &k_and, false},
        {"bool_or", &k_or, false},        {"variance", &v_var, true},   {"var_samp", &v_var, true},
        {"var_pop", &v_varp, true},       {"stddev", &v_std, true},     {"stddev_samp", &v_std, true},
        {"stddev_pop", &v_stdp, true},
    };
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, rc = SQLITE_OK;
    for (size_t i = 0; rc == SQLITE_OK && i < sizeof windowed / sizeof windowed[0]; i++) {
        bool m = windowed[i].moments;
        rc = sqlite3_create_window_function(db, windowed[i].name, 1, flags, (void *)windowed[i].kind,
                                            m ? moments_step : counts_step, m ? moments_value : counts_value,
                                            m ? moments_value : counts_value,
                                            m ? moments_inverse : counts_inverse, NULL);
    }
    static const struct {
        const char *name;
        int nargs;
        void (*step)(sqlite3_context *, int, sqlite3_value **);
        void (*final)(sqlite3_context *);
        const char *data;
    } plain[] = {
        {"arbitrary", 1, arbitrary_step, pick_final, NULL},
        {"any_value", 1, arbitrary_step, pick_final, NULL},
        {"max_by", 2, by_step, pick_final, "max"},
        {"min_by", 2, by_step, pick_final, NULL},
        {"approx_distinct", 1, distinct_step, distinct_final, NULL},
        {"approx_distinct", 2, distinct_step, distinct_final, NULL},
        {"approx_percentile", 2, percentile_step, percentile_final, NULL},
    };
    for (size_t i = 0; rc == SQLITE_OK && i < sizeof plain / sizeof plain[0]; i++)
        rc = sqlite3_create_function(db, plain[i].name, plain[i].nargs, flags, (void *)plain[i].data,
                                     NULL, plain[i].step, plain[i].final);
    static const int all = 1;
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "__tarn_quantified_all", 3, flags, (void *)&all, NULL,
                                     quant_step, quant_final);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "__tarn_quantified_any", 3, flags, NULL, NULL, quant_step,
                                     quant_final);
    static const int r_kinds[] = {R_CORR, R_COVAR_SAMP, R_COVAR_POP, R_SLOPE, R_INTERCEPT};
    static const char *r_names[] = {"corr", "covar_samp", "covar_pop", "regr_slope", "regr_intercept"};
    for (size_t i = 0; rc == SQLITE_OK && i < sizeof r_kinds / sizeof r_kinds[0]; i++)
        rc = sqlite3_create_function(db, r_names[i], 2, flags, (void *)&r_kinds[i], NULL,
                                     comoments_step, comoments_final);
    return rc;
}
