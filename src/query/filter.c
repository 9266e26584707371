/*
** filter.c: the comparisons a scan evaluates itself, on decoded column
** batches (a selection vector of passing rows, no allocation per row), and
** on Parquet row-group statistics (min/max, null counts) to skip row groups
** no row of which can pass. Fast paths compare typed vectors directly
** (integers, doubles, strings, dates against a YYYY-MM-DD constant); the
** generic path compares the value SQLite would see, so both agree with
** SQLite's own evaluation of the same constraint.
*/
#include "query/scan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Operator -> bit set of accepted comparison results (bit cmp+1). */
static unsigned op_mask(int op)
{
    switch (op) {
    case QS_EQ: return 2;
    case QS_NE: return 5;
    case QS_LT: return 1;
    case QS_LE: return 3;
    case QS_GT: return 4;
    case QS_GE: return 6;
    default: return 0;
    }
}

/* Days of a strict 'YYYY-MM-DD' text, or false. */
static bool parse_date(const char *s, size_t n, int64_t *days)
{
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return false;
    int v[3] = {0, 0, 0}, w[3] = {4, 2, 2}, off[3] = {0, 5, 8};
    for (int f = 0; f < 3; f++)
        for (int k = 0; k < w[f]; k++) {
            char ch = s[off[f] + k];
            if (ch < '0' || ch > '9')
                return false;
            v[f] = v[f] * 10 + (ch - '0');
        }
    if (!tarn_date_valid(v[0], (unsigned)v[1], (unsigned)v[2]))
        return false;
    *days = tarn_days_from_civil(v[0], (unsigned)v[1], (unsigned)v[2]);
    return true;
}

/* Read n digits at s into *v; false if one is not a digit. */
static bool read_digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return false;
        *v = *v * 10 + (s[k] - '0');
    }
    return true;
}

/* Micros of a timestamp text in the canonical form 'YYYY-MM-DD
** HH:MM:SS.ffffff' or a prefix of it ending after the date, the seconds
** or a fraction digit; *prefix when shorter than the full form (such a
** text sorts before every instant it starts and after every earlier one). */
static bool parse_ts(const char *s, size_t n, int64_t *us, bool *prefix)
{
    int64_t days;
    if (n < 10 || !parse_date(s, 10, &days))
        return false;
    int h = 0, mi = 0, se = 0, frac = 0;
    if (n > 10) {
        if (n < 19 || s[10] != ' ' || s[13] != ':' || s[16] != ':' || !read_digits(s + 11, 2, &h) ||
            !read_digits(s + 14, 2, &mi) || !read_digits(s + 17, 2, &se) || h > 23 || mi > 59 ||
            se > 59)
            return false;
        if (n > 19) {
            int digits = (int)n - 20;
            if (s[19] != '.' || digits < 1 || digits > 6 || !read_digits(s + 20, digits, &frac))
                return false;
            for (int k = digits; k < 6; k++)
                frac *= 10;
        }
    }
    *us = days * 86400000000LL + (int64_t)((h * 60 + mi) * 60 + se) * 1000000 + frac;
    *prefix = n != 26;
    return true;
}

/* The fast path for term t over values of type ty (sets ci / cd). */
static int term_kind(qs_term *t, tarn_type ty)
{
    if (t->op == QS_ISNULL || t->op == QS_NOTNULL || t->op == QS_IN || t->v.type == SQLITE_NULL)
        return QS_K_GENERIC;
    switch (ty.id) {
    case TARN_TYPE_BOOLEAN:
    case TARN_TYPE_INT:
    case TARN_TYPE_BIGINT:
        if (t->v.type != SQLITE_INTEGER)
            return QS_K_GENERIC;
        t->ci = t->v.i;
        return QS_K_I64;
    case TARN_TYPE_DOUBLE:
        if (t->v.type == SQLITE_TEXT)
            return QS_K_GENERIC;
        t->cd = t->v.type == SQLITE_INTEGER ? (double)t->v.i : t->v.d;
        return QS_K_F64;
    case TARN_TYPE_STRING:
        return t->v.type == SQLITE_TEXT ? QS_K_STR : QS_K_GENERIC;
    case TARN_TYPE_DATE:
        return t->v.type == SQLITE_TEXT && parse_date(t->v.s, t->v.n, &t->ci) ? QS_K_DATE
                                                                              : QS_K_GENERIC;
    case TARN_TYPE_TIMESTAMP:
        return t->v.type == SQLITE_TEXT && parse_ts(t->v.s, t->v.n, &t->ci, &t->ts_prefix)
                   ? QS_K_TS : QS_K_GENERIC;
    default:
        return QS_K_GENERIC;
    }
}

void qs_terms_bind(qs_cursor *c, const tarn_schema *s)
{
    for (int i = 0; i < c->nterms; i++) {
        qs_term *t = &c->terms[i];
        t->bcol = c->colmap[t->col];
        t->kind = t->bcol >= 0 ? term_kind(t, s->fields[t->bcol].type) : QS_K_GENERIC;
    }
}

static int cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

/* A timestamp against a QS_K_TS constant, as their texts compare. */
static inline int cmp_ts(int64_t v, const qs_term *t)
{
    return t->ts_prefix ? (v < t->ci ? -1 : 1) : cmp_i64(v, t->ci);
}

static int cmp_str(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int r = n ? memcmp(a, b, n) : 0;
    return r ? (r < 0 ? -1 : 1) : an < bn ? -1 : an > bn;
}

/* IS [NOT] NULL over sel[0..n); returns the new count. */
static int64_t filter_nulls(const qs_term *t, const tarn_column *col, uint32_t *sel, int64_t n)
{
    int64_t k = 0;
    bool nulls = col->null_count > 0, want_valid = t->op == QS_NOTNULL;
    for (int64_t i = 0; i < n; i++)
        if ((!nulls || tarn_column_is_valid(col, sel[i])) == want_valid)
            sel[k++] = sel[i];
    return k;
}

/* Any comparison, through the value SQLite would see. */
static int64_t filter_generic(const qs_term *t, const tarn_column *col, uint32_t *sel, int64_t n)
{
    int64_t k = 0;
    char buf[64];
    for (int64_t i = 0; i < n; i++) {
        qs_val v;
        qs_value_get(col, sel[i], &v, buf);
        if (qs_term_accepts(t, &v))
            sel[k++] = sel[i];
    }
    return k;
}

/* Keep the rows r of sel[0..n) (non-NULL, where CMP, a comparison of
** row r's value with the constant, is one the operator accepts). */
#define KEEP_IF(CMP)                                                         \
    do {                                                                     \
        unsigned mask_ = op_mask(t->op);                                     \
        bool nulls_ = col->null_count > 0;                                   \
        for (int64_t i = 0; i < n; i++) {                                    \
            uint32_t r = sel[i];                                             \
            if (nulls_ && !tarn_column_is_valid(col, r))                     \
                continue;                                                    \
            int cmp = (CMP);                                                 \
            if ((mask_ >> (cmp + 1)) & 1)                                    \
                sel[k++] = r;                                                \
        }                                                                    \
    } while (0)

/* Integer-valued columns (boolean, int, bigint, date, timestamp). */
static int64_t filter_ints(const qs_term *t, const tarn_column *col, uint32_t *sel, int64_t n)
{
    int64_t k = 0;
    switch (col->type.id) {
    case TARN_TYPE_BIGINT: {
        const int64_t *v = col->values;
        KEEP_IF(cmp_i64(v[r], t->ci));
        break;
    }
    case TARN_TYPE_TIMESTAMP: {
        const int64_t *v = col->values;
        KEEP_IF(cmp_ts(v[r], t));
        break;
    }
    case TARN_TYPE_INT:
    case TARN_TYPE_DATE: {
        const int32_t *v = col->values;
        KEEP_IF(cmp_i64(v[r], t->ci));
        break;
    }
    default: {
        const uint8_t *v = col->values;
        KEEP_IF(cmp_i64(v[r], t->ci));
        break;
    }
    }
    return k;
}

/* Keep the rows of sel[0..n) whose value passes; returns the new count. */
static int64_t filter_term(const qs_term *t, const tarn_column *col, uint32_t *sel, int64_t n)
{
    if (t->op == QS_ISNULL || t->op == QS_NOTNULL)
        return filter_nulls(t, col, sel, n);
    int64_t k = 0;
    switch (t->kind) {
    case QS_K_I64:
    case QS_K_DATE:
    case QS_K_TS:
        return filter_ints(t, col, sel, n);
    case QS_K_F64: {
        const double *v = col->values;
        KEEP_IF(v[r] != v[r] ? 2 : v[r] < t->cd ? -1 : v[r] > t->cd);
        return k;
    }
    case QS_K_STR:
        KEEP_IF(cmp_str(col->data + col->offsets[r], (size_t)(col->offsets[r + 1] - col->offsets[r]),
                        t->v.s, t->v.n));
        return k;
    default:
        return filter_generic(t, col, sel, n);
    }
}
#undef KEEP_IF

int64_t qs_filter_batch(qs_cursor *c, int64_t start)
{
    int64_t nr = c->batch.nrows;
    if ((size_t)nr > c->sel_cap) {
        c->sel_cap = (size_t)nr;
        c->sel = tarn_xrealloc(c->sel, c->sel_cap * sizeof *c->sel);
    }
    int64_t n = 0;
    for (int64_t r = start; r < nr; r++)
        c->sel[n++] = (uint32_t)r;
    for (int i = 0; i < c->nterms && n > 0; i++) {
        const qs_term *t = &c->terms[i];
        if (t->bcol < 0) {
            qs_val null = {.type = SQLITE_NULL};
            if (!qs_term_accepts(t, &null))
                n = 0;
            continue;
        }
        n = filter_term(t, &c->batch.cols[t->bcol], c->sel, n);
    }
    return n;
}

/* ---- row groups ---- */

/* The leaf of a flat top-level field, or -1. */
static int flat_leaf(const tarn_pq_meta *m, int field)
{
    int found = -1;
    for (int l = 0; l < m->nleaves; l++)
        if (m->leaves[l].field == field) {
            if (found >= 0 || m->leaves[l].max_rep > 0)
                return -1;
            found = l;
        }
    return found;
}

/* Compare a statistic bound (min or max) with the term's constant. */
static int stat_cmp(const qs_term *t, const tarn_pq_stats *st, bool max)
{
    switch (t->kind) {
    case QS_K_I64:
    case QS_K_DATE:
        return cmp_i64(max ? st->max.i : st->min.i, t->ci);
    case QS_K_TS:
        return cmp_ts(max ? st->max.i : st->min.i, t);
    case QS_K_F64: {
        double x = max ? st->max.d : st->min.d;
        return x < t->cd ? -1 : x > t->cd;
    }
    default:
        return max ? cmp_str(st->max_str, st->max_len, t->v.s, t->v.n)
                   : cmp_str(st->min_str, st->min_len, t->v.s, t->v.n);
    }
}

/* Why statistics rule a chunk out (0: they do not). */
enum { RULE_NONE, RULE_MIN, RULE_MAX, RULE_NO_NULLS, RULE_ALL_NULL, RULE_ALL_EQUAL, RULE_IN };

/* A one-value column holding a statistic, to see it as SQLite would. */
typedef struct stat_cell {
    tarn_column col;
    uint8_t valid;
    int64_t off[2];
    union {
        uint8_t b;
        int32_t i32;
        int64_t i64;
        double d;
        __int128 dec;
    } u;
} stat_cell;

/* The min (or max) of st as SQLite sees values of leaf; false if unknown
** or not ordered as SQLite orders the values (wide decimals read as text). */
static bool stat_val(stat_cell *c, const tarn_pq_leaf *leaf, const tarn_pq_stats *st, bool max,
                     qs_val *v, char buf[64])
{
    tarn_type_id id = leaf->type.id;
    if (!(max ? st->has_max : st->has_min) || (max && id == TARN_TYPE_STRING && !st->max_exact) ||
        (id == TARN_TYPE_DECIMAL && leaf->type.precision > 15))
        return false;
    const tarn_stat_value *sv = max ? &st->max : &st->min;
    memset(c, 0, sizeof *c);
    c->col.type = leaf->type;
    c->col.length = 1;
    c->valid = 1;
    c->col.validity = &c->valid;
    c->col.values = &c->u;
    switch (id) {
    case TARN_TYPE_BOOLEAN: c->u.b = (uint8_t)sv->i; break;
    case TARN_TYPE_INT:
    case TARN_TYPE_DATE: c->u.i32 = (int32_t)sv->i; break;
    case TARN_TYPE_DOUBLE: c->u.d = sv->d; break;
    case TARN_TYPE_DECIMAL: c->u.dec = sv->dec; break;
    case TARN_TYPE_STRING:
        c->off[1] = (int64_t)(max ? st->max_len : st->min_len);
        c->col.offsets = c->off;
        c->col.data = (char *)(max ? st->max_str : st->min_str);
        break;
    default: c->u.i64 = sv->i; break;
    }
    qs_value_get(&c->col, 0, v, buf);
    return v->type != SQLITE_NULL;
}

/* True if no value of IN term t lies within the chunk's min and max. */
static bool in_rules_out(const qs_term *t, const tarn_pq_leaf *leaf, const tarn_pq_stats *st)
{
    stat_cell a, b;
    qs_val lo, hi;
    char bl[64], bh[64];
    bool has_lo = stat_val(&a, leaf, st, false, &lo, bl);
    bool has_hi = stat_val(&b, leaf, st, true, &hi, bh);
    if (!has_lo && !has_hi)
        return false;
    for (int i = 0; i < t->nset; i++) {
        const qs_val *x = &t->set[i];
        if (x->type == SQLITE_NULL)
            continue;
        if (!(has_lo && qs_val_cmp(x, &lo) < 0) && !(has_hi && qs_val_cmp(x, &hi) > 0))
            return false;
    }
    return true;
}

/* Which bound of chunk ch's statistics rules out every row for t. */
static int chunk_rule(qs_term *t, const tarn_pq_leaf *leaf, const tarn_pq_chunk *ch, int64_t rows)
{
    const tarn_pq_stats *st = &ch->stats;
    if (t->op == QS_ISNULL)
        return st->has_null_count && st->null_count == 0 ? RULE_NO_NULLS : RULE_NONE;
    if (t->op == QS_NOTNULL)
        return st->has_null_count && st->null_count >= rows ? RULE_ALL_NULL : RULE_NONE;
    if (t->op == QS_IN)
        return in_rules_out(t, leaf, st) ? RULE_IN : RULE_NONE;
    int kind = term_kind(t, leaf->type);
    if (kind == QS_K_GENERIC)
        return RULE_NONE;
    t->kind = kind;
    bool has_min = st->has_min, has_max = st->has_max && (kind != QS_K_STR || st->max_exact);
    int lo = has_min ? stat_cmp(t, st, false) : -2;
    int hi = has_max ? stat_cmp(t, st, true) : 2;
    bool by_min = has_min && (t->op == QS_LT ? lo >= 0 : (t->op == QS_EQ || t->op == QS_LE) && lo > 0);
    bool by_max = has_max && (t->op == QS_GT ? hi <= 0 : (t->op == QS_EQ || t->op == QS_GE) && hi < 0);
    if (by_min || by_max)
        return by_min ? RULE_MIN : RULE_MAX;
    if (t->op == QS_NE && lo == 0 && hi == 0 && st->has_null_count && st->null_count == 0 &&
        kind != QS_K_F64)
        return RULE_ALL_EQUAL;
    return RULE_NONE;
}

/* The constant of t as EXPLAIN shows it (strings quoted). */
static void const_text(const qs_term *t, char *buf, size_t n)
{
    if (t->v.type == SQLITE_TEXT)
        snprintf(buf, n, t->kind == QS_K_STR ? "'%.*s'" : "%.*s", (int)(t->v.n > 64 ? 64 : t->v.n),
                 t->v.s);
    else if (t->v.type == SQLITE_INTEGER)
        snprintf(buf, n, "%lld", (long long)t->v.i);
    else
        snprintf(buf, n, "%.17g", t->v.d);
}

/* "max(day) < 2021-01-01": why rule ruled a row group out. */
static void rule_text(const qs_term *t, const char *col, int rule, char *buf, size_t n)
{
    char c[100];
    const_text(t, c, sizeof c);
    const char *rel = rule == RULE_MIN ? (t->op == QS_LT ? ">=" : ">")
                                       : (t->op == QS_GT ? "<=" : "<");
    if (rule == RULE_MIN || rule == RULE_MAX)
        snprintf(buf, n, "%s(%s) %s %s", rule == RULE_MIN ? "min" : "max", col, rel, c);
    else if (rule == RULE_NO_NULLS)
        snprintf(buf, n, "%s has no NULLs", col);
    else if (rule == RULE_ALL_NULL)
        snprintf(buf, n, "%s is all NULL", col);
    else if (rule == RULE_IN)
        snprintf(buf, n, "no value of the IN list within min(%s)..max(%s)", col, col);
    else
        snprintf(buf, n, "every %s is %s", col, c);
}

bool qs_row_group_may_match(qs_cursor *c, const tarn_pq_meta *m, const tarn_pq_row_group *rg,
                            char *why, size_t n)
{
    for (int i = 0; i < c->nterms; i++) {
        qs_term *t = &c->terms[i];
        int b = c->colmap[t->col];
        int leaf = b >= 0 ? flat_leaf(m, c->pq_fields[b]) : -1;
        int rule = leaf >= 0 ? chunk_rule(t, &m->leaves[leaf], &rg->chunks[leaf], rg->rows)
                             : RULE_NONE;
        if (rule != RULE_NONE) {
            rule_text(t, c->tab->t.columns[t->col].name, rule, why, n);
            return false;
        }
    }
    return true;
}

void qs_terms_free(qs_term *t, int n)
{
    for (int i = 0; i < n; i++) {
        free(t[i].owned);
        for (int k = 0; k < t[i].nset; k++)
            free(t[i].set_owned[k]);
        free(t[i].set);
        free(t[i].set_owned);
        free(t[i].set_slots);
    }
    free(t);
}
