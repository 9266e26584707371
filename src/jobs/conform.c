/*
** conform.c: one schema for many files. jobs_type_widen() is the rule for
** two files that disagree on a column's type (the same rule crawlers use:
** int -> bigint -> double, decimals widened to hold both, date ->
** timestamp, anything else -> string); a conform plan says, per output
** column, where its values come from in one file's batches and how they
** convert; jobs_conform_batch() applies it to a batch. Columns that need
** nothing are borrowed, not copied.
**
** Conversions that may fail (a --cast from string to date, from double to
** int...) go through text: the value is formatted as tarn_value_format
** does and parsed with the readers' own text conversion (format/infer.h),
** so a cast accepts exactly what the CSV reader accepts for that type.
** Values that do not convert become NULL and are counted.
*/
#include "jobs/jobs_int.h"
#include "format/infer.h"

#include <stdlib.h>
#include <string.h>

static int int_digits(tarn_type_id id)
{
    return id == TARN_TYPE_INT ? 10 : 19;
}

static bool is_integer(tarn_type_id id)
{
    return id == TARN_TYPE_INT || id == TARN_TYPE_BIGINT;
}

/* A decimal holding intd integer digits and scale s, or double if that
** needs more than 38 digits. */
static tarn_type decimal_or_double(int intd, int s)
{
    if (intd + s > TARN_DECIMAL_MAX_PRECISION)
        return (tarn_type){TARN_TYPE_DOUBLE, 0, 0};
    return (tarn_type){TARN_TYPE_DECIMAL, (uint8_t)(intd + s), (uint8_t)s};
}

static bool type_eq(tarn_type a, tarn_type b)
{
    return a.id == b.id &&
           (a.id != TARN_TYPE_DECIMAL || (a.precision == b.precision && a.scale == b.scale));
}

tarn_type jobs_type_widen(tarn_type a, tarn_type b)
{
    const tarn_type str = {TARN_TYPE_STRING, 0, 0};
    if (type_eq(a, b))
        return a;
    if (a.id > b.id) {
        tarn_type t = a;
        a = b;
        b = t;
    }
    /* now a.id < b.id (or both decimal) */
    if (a.id == TARN_TYPE_DECIMAL && b.id == TARN_TYPE_DECIMAL) {
        int s = a.scale > b.scale ? a.scale : b.scale;
        int ia = a.precision - a.scale, ib = b.precision - b.scale;
        return decimal_or_double(ia > ib ? ia : ib, s);
    }
    if (a.id == TARN_TYPE_INT && b.id == TARN_TYPE_BIGINT)
        return b;
    if (is_integer(a.id) && b.id == TARN_TYPE_DOUBLE)
        return b;
    if (is_integer(a.id) && b.id == TARN_TYPE_DECIMAL) {
        int ib = b.precision - b.scale, ia = int_digits(a.id);
        return decimal_or_double(ia > ib ? ia : ib, b.scale);
    }
    if (a.id == TARN_TYPE_DOUBLE && b.id == TARN_TYPE_DECIMAL)
        return a;
    if (a.id == TARN_TYPE_DATE && b.id == TARN_TYPE_TIMESTAMP)
        return b;
    return str;
}

/* Whether from -> to is a conversion that never fails. */
static bool lossless(tarn_type from, tarn_type to)
{
    if (is_integer(from.id))
        return (to.id == TARN_TYPE_BIGINT && from.id == TARN_TYPE_INT) ||
               to.id == TARN_TYPE_DOUBLE ||
               (to.id == TARN_TYPE_DECIMAL && to.precision - to.scale >= int_digits(from.id));
    if (from.id == TARN_TYPE_DECIMAL)
        return to.id == TARN_TYPE_DOUBLE ||
               (to.id == TARN_TYPE_DECIMAL && to.scale >= from.scale &&
                to.precision - to.scale >= from.precision - from.scale);
    return from.id == TARN_TYPE_DATE && to.id == TARN_TYPE_TIMESTAMP;
}

void jobs_conform_plan(jobs_conform *c, const tarn_schema *src, const char *const *names,
                       const tarn_schema *out)
{
    c->ncols = out->ncols;
    c->out = out;
    c->src = tarn_xcalloc((size_t)out->ncols + 1, sizeof *c->src);
    c->conv = tarn_xcalloc((size_t)out->ncols + 1, sizeof *c->conv);
    c->identity = src->ncols == out->ncols;
    for (int i = 0; i < out->ncols; i++) {
        int k = -1;
        for (int j = 0; j < src->ncols && k < 0; j++)
            if (strcmp(names[j], out->fields[i].name) == 0)
                k = j;
        c->src[i] = k;
        tarn_type to = out->fields[i].type;
        if (k < 0)
            c->conv[i] = JOBS_CONV_MISSING;
        else if (type_eq(src->fields[k].type, to))
            c->conv[i] = JOBS_CONV_SAME;
        else if (lossless(src->fields[k].type, to))
            c->conv[i] = JOBS_CONV_WIDEN;
        else
            c->conv[i] = JOBS_CONV_TEXT;
        c->identity &= c->conv[i] == JOBS_CONV_SAME && k == i;
    }
}

void jobs_conform_free(jobs_conform *c)
{
    free(c->src);
    free(c->conv);
    memset(c, 0, sizeof *c);
}

/* ---- conversions ---- */

static void append_nulls(tarn_column *d, int64_t n)
{
    tarn_column_reserve(d, d->length + n);
    for (int64_t i = 0; i < n; i++)
        tarn_column_append_null(d);
}

static __int128 pow10_i128(int e)
{
    __int128 v = 1;
    while (e-- > 0)
        v *= 10;
    return v;
}

/* Source value i of s as a double. */
static double as_double(const tarn_column *s, int64_t i)
{
    switch (s->type.id) {
    case TARN_TYPE_INT: return ((const int32_t *)s->values)[i];
    case TARN_TYPE_BIGINT: return (double)((const int64_t *)s->values)[i];
    default:
        return (double)((const __int128 *)s->values)[i] / (double)pow10_i128(s->type.scale);
    }
}

/* Source value i of s (an integer or decimal) as an unscaled decimal of
** scale `scale`. */
static __int128 as_decimal(const tarn_column *s, int64_t i, int scale)
{
    if (s->type.id == TARN_TYPE_INT)
        return (__int128)((const int32_t *)s->values)[i] * pow10_i128(scale);
    if (s->type.id == TARN_TYPE_BIGINT)
        return (__int128)((const int64_t *)s->values)[i] * pow10_i128(scale);
    return ((const __int128 *)s->values)[i] * pow10_i128(scale - s->type.scale);
}

static void widen(tarn_column *d, const tarn_column *s, int64_t n)
{
    tarn_column_reserve(d, d->length + n);
    for (int64_t i = 0; i < n; i++) {
        if (!tarn_column_is_valid(s, i)) {
            tarn_column_append_null(d);
        } else if (d->type.id == TARN_TYPE_BIGINT) {
            tarn_column_append_i64(d, ((const int32_t *)s->values)[i]);
        } else if (d->type.id == TARN_TYPE_DOUBLE) {
            tarn_column_append_double(d, as_double(s, i));
        } else if (d->type.id == TARN_TYPE_DECIMAL) {
            tarn_column_append_i128(d, as_decimal(s, i, d->type.scale));
        } else {
            tarn_column_append_i64(d, (int64_t)((const int32_t *)s->values)[i] * 86400000000LL);
        }
    }
}

/* Through text; returns the values that did not convert. */
static int64_t via_text(tarn_column *d, const tarn_column *s, int64_t n)
{
    tarn_textfmt f = tarn_textfmt_of(d->type);
    char buf[128];
    int64_t bad = 0;
    tarn_column_reserve(d, d->length + n);
    for (int64_t i = 0; i < n; i++) {
        if (!tarn_column_is_valid(s, i)) {
            tarn_column_append_null(d);
            continue;
        }
        size_t len;
        const char *p = buf;
        if (s->type.id == TARN_TYPE_STRING)
            p = tarn_column_str(s, i, &len);
        else
            len = tarn_value_format(s, i, buf, sizeof buf);
        if (d->type.id == TARN_TYPE_STRING) {
            tarn_column_append_str(d, p, len);
        } else if (!tarn_text_append(d, &f, p, len, false)) {
            tarn_column_append_null(d);
            bad++;
        }
    }
    return bad;
}

void jobs_conform_batch(const jobs_conform *c, const tarn_batch *in, jobs_conform_buf *cb,
                        int64_t *cast_errors)
{
    if (!cb->ready) {
        tarn_batch_init(&cb->owned, c->out, 0);
        cb->view.cols = tarn_xcalloc((size_t)c->ncols + 1, sizeof *cb->view.cols);
        cb->view.ncols = c->ncols;
        cb->ready = true;
    }
    int64_t n = in->nrows;
    cb->view.nrows = n;
    for (int i = 0; i < c->ncols; i++) {
        tarn_column *d = &cb->owned.cols[i];
        const tarn_column *s = c->src[i] >= 0 ? &in->cols[c->src[i]] : NULL;
        if (c->conv[i] == JOBS_CONV_SAME) {
            cb->view.cols[i] = *s;
            continue;
        }
        tarn_column_reset(d);
        if (c->conv[i] == JOBS_CONV_MISSING)
            append_nulls(d, n);
        else if (c->conv[i] == JOBS_CONV_WIDEN)
            widen(d, s, n);
        else
            cast_errors[i] += via_text(d, s, n);
        cb->view.cols[i] = *d;
    }
}

void jobs_conform_buf_free(jobs_conform_buf *cb)
{
    if (cb->ready) {
        tarn_batch_free(&cb->owned);
        free(cb->view.cols);
    }
    memset(cb, 0, sizeof *cb);
}
