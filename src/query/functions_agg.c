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

/* dialect.c turns x op ALL|ANY (subquery) into
** __tarn_quantified(op, all, x, (SELECT __tarn_quantified_summary(v) FROM
** (subquery))): the subquery is summed up once, uncorrelated, as its row
** count, NULL count, least and greatest value (SQLite's order: numbers
** before text, text by bytes), and each x is judged against the summary,
** three-valued as in SQL: ALL is false if some x op v is false, else NULL
** if some is NULL, else true (also over no rows); ANY is true if some is
** true, else NULL if some is NULL, else false. (= ANY and <> ALL become IN
** and NOT IN, which need the values themselves.) */

/* One non-NULL value, from an argument or from a summary blob. */
typedef struct quant_val {
    int type;
    sqlite3_int64 i;
    double d;
    const unsigned char *p;
    int len;
} quant_val;

static quant_val quant_of(sqlite3_value *v)
{
    quant_val q = {sqlite3_value_type(v), 0, 0, NULL, 0};
    if (q.type == SQLITE_INTEGER)
        q.i = sqlite3_value_int64(v);
    else if (q.type == SQLITE_FLOAT)
        q.d = sqlite3_value_double(v);
    else if (q.type != SQLITE_NULL) {
        q.p = sqlite3_value_blob(v);
        q.len = sqlite3_value_bytes(v);
    }
    return q;
}

/* -1, 0, 1 as a is below, equal to, above b; neither is NULL. */
static int quant_cmp3(const quant_val *a, const quant_val *b)
{
    bool na = a->type == SQLITE_INTEGER || a->type == SQLITE_FLOAT;
    bool nb = b->type == SQLITE_INTEGER || b->type == SQLITE_FLOAT;
    if (na != nb)
        return na ? -1 : 1;
    if (na && a->type == SQLITE_INTEGER && b->type == SQLITE_INTEGER)
        return a->i < b->i ? -1 : a->i > b->i;
    if (na) {
        double x = a->type == SQLITE_INTEGER ? (double)a->i : a->d;
        double y = b->type == SQLITE_INTEGER ? (double)b->i : b->d;
        return x < y ? -1 : x > y;
    }
    int m = a->len < b->len ? a->len : b->len, r = m ? memcmp(a->p, b->p, (size_t)m) : 0;
    return r ? (r < 0 ? -1 : 1) : a->len < b->len ? -1 : a->len > b->len;
}

typedef struct quant_sum {
    sqlite3_int64 n, nnull;
    sqlite3_value *lo, *hi;
} quant_sum;

static void quant_sum_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    quant_sum *s = sqlite3_aggregate_context(ctx, sizeof *s);
    if (!s)
        return;
    s->n++;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        s->nnull++;
        return;
    }
    quant_val v = quant_of(argv[0]);
    quant_val lo = s->lo ? quant_of(s->lo) : v, hi = s->hi ? quant_of(s->hi) : v;
    if (!s->lo || quant_cmp3(&v, &lo) < 0) {
        sqlite3_value_free(s->lo);
        s->lo = sqlite3_value_dup(argv[0]);
    }
    if (!s->hi || quant_cmp3(&v, &hi) > 0) {
        sqlite3_value_free(s->hi);
        s->hi = sqlite3_value_dup(argv[0]);
    }
}

/* Append v to b as a type byte and its value (8 bytes, or a 4-byte length
** and the bytes). */
static void quant_put(tarn_buf *b, sqlite3_value *v)
{
    quant_val q = quant_of(v);
    unsigned char t = (unsigned char)q.type;
    tarn_buf_append(b, &t, 1);
    if (q.type == SQLITE_INTEGER)
        tarn_buf_append(b, &q.i, 8);
    else if (q.type == SQLITE_FLOAT)
        tarn_buf_append(b, &q.d, 8);
    else {
        uint32_t n = (uint32_t)q.len;
        tarn_buf_append(b, &n, 4);
        tarn_buf_append(b, q.p, (size_t)q.len);
    }
}

/* The summary: n, nnull, then lo and hi when some value is not NULL. */
static void quant_sum_final(sqlite3_context *ctx)
{
    quant_sum *s = sqlite3_aggregate_context(ctx, 0), z = {0};
    if (!s)
        s = &z;
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_buf_append(&b, &s->n, 8);
    tarn_buf_append(&b, &s->nnull, 8);
    if (s->lo) {
        quant_put(&b, s->lo);
        quant_put(&b, s->hi);
    }
    sqlite3_result_blob(ctx, b.data, (int)b.len, SQLITE_TRANSIENT);
    tarn_buf_free(&b);
    sqlite3_value_free(s->lo);
    sqlite3_value_free(s->hi);
}

/* Read one value quant_put wrote at *p (below end); false if malformed. */
static bool quant_get(const unsigned char **p, const unsigned char *end, quant_val *v)
{
    if (end - *p < 1)
        return false;
    v->type = *(*p)++;
    if (v->type == SQLITE_INTEGER || v->type == SQLITE_FLOAT) {
        if (end - *p < 8)
            return false;
        memcpy(v->type == SQLITE_INTEGER ? (void *)&v->i : (void *)&v->d, *p, 8);
        *p += 8;
        return true;
    }
    uint32_t n;
    if (end - *p < 4)
        return false;
    memcpy(&n, *p, 4);
    *p += 4;
    if ((size_t)(end - *p) < n)
        return false;
    v->p = *p;
    v->len = (int)n;
    *p += n;
    return true;
}

/* Whether some v of [lo, hi] makes x op v true (want) or false (!want),
** judged by the extremes: the answer for ALL (look for a false) and ANY
** (look for a true). */
static bool quant_witness(const char *op, bool want, const quant_val *x, const quant_val *lo,
                          const quant_val *hi)
{
    int clo = quant_cmp3(x, lo), chi = quant_cmp3(x, hi);
    bool eq = !strcmp(op, "="), ne = !strcmp(op, "<>") || !strcmp(op, "!=");
    if (eq || ne) /* some v differs from x, or (ANY =) every v equals x */
        return (eq != want) ? (clo != 0 || chi != 0) : (clo == 0 && chi == 0);
    if (!strcmp(op, ">"))
        return want ? clo > 0 : chi <= 0;
    if (!strcmp(op, ">="))
        return want ? clo >= 0 : chi < 0;
    if (!strcmp(op, "<"))
        return want ? chi < 0 : clo >= 0;
    return want ? chi <= 0 : clo > 0; /* <= */
}

static void quant_judge(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *op = (const char *)sqlite3_value_text(argv[0]);
    bool all = sqlite3_value_int(argv[1]) != 0;
    const unsigned char *p = sqlite3_value_blob(argv[3]), *end = p + sqlite3_value_bytes(argv[3]);
    sqlite3_int64 n, nnull;
    quant_val lo, hi;
    if (!op || !p || end - p < 16)
        return sqlite3_result_error(ctx, "internal: malformed quantified comparison", -1);
    memcpy(&n, p, 8);
    memcpy(&nnull, p + 8, 8);
    p += 16;
    if (n == 0)
        return sqlite3_result_int(ctx, all);
    if (sqlite3_value_type(argv[2]) == SQLITE_NULL)
        return sqlite3_result_null(ctx);
    if (n > nnull) {
        if (!quant_get(&p, end, &lo) || !quant_get(&p, end, &hi))
            return sqlite3_result_error(ctx, "internal: malformed quantified summary", -1);
        quant_val x = quant_of(argv[2]);
        if (quant_witness(op, !all, &x, &lo, &hi))
            return sqlite3_result_int(ctx, !all);
    }
    if (nnull > 0)
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
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "__tarn_quantified_summary", 1, flags, NULL, NULL,
                                     quant_sum_step, quant_sum_final);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "__tarn_quantified", 4, flags, NULL, quant_judge, NULL,
                                     NULL);
    static const int r_kinds[] = {R_CORR, R_COVAR_SAMP, R_COVAR_POP, R_SLOPE, R_INTERCEPT};
    static const char *r_names[] = {"corr", "covar_samp", "covar_pop", "regr_slope", "regr_intercept"};
    for (size_t i = 0; rc == SQLITE_OK && i < sizeof r_kinds / sizeof r_kinds[0]; i++)
        rc = sqlite3_create_function(db, r_names[i], 2, flags, (void *)&r_kinds[i], NULL,
                                     comoments_step, comoments_final);
    return rc;
}
