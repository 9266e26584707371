/*
** scan.c: reading a virtual table's objects batch by batch: opening each
** object (Parquet with projection and row-group skipping, CSV with the
** table's dialect, JSON lines), the bytes-scanned accounting and cutoff,
** cancellation, and the values SQLite sees for a batch's rows
** (query_int.h's mapping: dates and timestamps as ISO text).
*/
#include "query/scan_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- values ---- */

static const double pow10_tab[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
                                   1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};

/* Write n digits of v (zero-padded) at p. */
static char *digits(char *p, int64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + n;
}

/* 'YYYY-MM-DD' of days into buf; returns the length. */
static size_t format_date(int32_t days, char *buf)
{
    int y;
    unsigned m, d;
    tarn_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return (size_t)snprintf(buf, 32, "%d-%02u-%02u", y, m, d);
    char *p = digits(buf, y, 4);
    *p++ = '-';
    p = digits(p, m, 2);
    *p++ = '-';
    p = digits(p, d, 2);
    return (size_t)(p - buf);
}

/* 'YYYY-MM-DD HH:MM:SS.ffffff' of micros into buf; returns the length. */
static size_t format_timestamp(int64_t us, char *buf)
{
    int64_t day_us = 86400000000LL;
    int64_t days = us / day_us, rem = us % day_us;
    if (rem < 0) {
        rem += day_us;
        days--;
    }
    size_t n = format_date((int32_t)days, buf);
    char *p = buf + n;
    *p++ = ' ';
    p = digits(p, rem / 3600000000LL, 2);
    *p++ = ':';
    p = digits(p, rem / 60000000LL % 60, 2);
    *p++ = ':';
    p = digits(p, rem / 1000000 % 60, 2);
    *p++ = '.';
    p = digits(p, rem % 1000000, 6);
    return (size_t)(p - buf);
}

void qs_value_get(const tarn_column *c, int64_t i, qs_val *out, char buf[64])
{
    if (c->null_count > 0 && !tarn_column_is_valid(c, i)) {
        out->type = SQLITE_NULL;
        return;
    }
    out->type = SQLITE_INTEGER;
    switch (c->type.id) {
    case TARN_TYPE_BOOLEAN: out->i = ((const uint8_t *)c->values)[i]; break;
    case TARN_TYPE_INT: out->i = ((const int32_t *)c->values)[i]; break;
    case TARN_TYPE_BIGINT: out->i = ((const int64_t *)c->values)[i]; break;
    case TARN_TYPE_DOUBLE:
        out->d = ((const double *)c->values)[i];
        out->type = isnan(out->d) ? SQLITE_NULL : SQLITE_FLOAT;
        break;
    case TARN_TYPE_DECIMAL:
        if (c->type.precision <= 15) {
            out->type = SQLITE_FLOAT;
            out->d = (double)((const __int128 *)c->values)[i] / pow10_tab[c->type.scale];
        } else {
            out->type = SQLITE_TEXT;
            out->n = tarn_value_format(c, i, buf, 64);
            out->s = buf;
        }
        break;
    case TARN_TYPE_STRING:
        out->type = SQLITE_TEXT;
        out->s = tarn_column_str(c, i, &out->n);
        break;
    case TARN_TYPE_DATE:
        out->type = SQLITE_TEXT;
        out->n = format_date(((const int32_t *)c->values)[i], buf);
        out->s = buf;
        break;
    case TARN_TYPE_TIMESTAMP:
        out->type = SQLITE_TEXT;
        out->n = format_timestamp(((const int64_t *)c->values)[i], buf);
        out->s = buf;
        break;
    }
}

int qs_val_cmp(const qs_val *a, const qs_val *b)
{
    bool an = a->type != SQLITE_TEXT, bn = b->type != SQLITE_TEXT;
    if (an != bn)
        return an ? -1 : 1;
    if (!an) {
        size_t n = a->n < b->n ? a->n : b->n;
        int r = n ? memcmp(a->s, b->s, n) : 0;
        return r ? (r < 0 ? -1 : 1) : a->n < b->n ? -1 : a->n > b->n;
    }
    if (a->type == SQLITE_INTEGER && b->type == SQLITE_INTEGER)
        return a->i < b->i ? -1 : a->i > b->i;
    double x = a->type == SQLITE_INTEGER ? (double)a->i : a->d;
    double y = b->type == SQLITE_INTEGER ? (double)b->i : b->d;
    return x < y ? -1 : x > y;
}

void qs_val_from_sqlite(sqlite3_value *sv, int aff, qs_val *v, char **owned)
{
    sqlite3_value *d = sqlite3_value_dup(sv);
    memset(v, 0, sizeof *v);
    if (!d) {
        v->type = SQLITE_NULL;
        return;
    }
    int t = sqlite3_value_type(d);
    if (aff >= QS_AFF_NUMERIC && t == SQLITE_TEXT)
        t = sqlite3_value_numeric_type(d);
    if (aff == QS_AFF_TEXT && (t == SQLITE_INTEGER || t == SQLITE_FLOAT))
        t = SQLITE_TEXT;
    v->type = t == SQLITE_BLOB ? SQLITE_TEXT : t;
    if (t == SQLITE_INTEGER)
        v->i = sqlite3_value_int64(d);
    else if (t == SQLITE_FLOAT)
        v->d = sqlite3_value_double(d);
    else if (t != SQLITE_NULL) {
        const char *s = (const char *)sqlite3_value_text(d);
        v->n = (size_t)sqlite3_value_bytes(d);
        *owned = tarn_xstrndup(s ? s : "", v->n);
        v->s = *owned;
    }
    sqlite3_value_free(d);
}

int qs_affinity(const char *decl)
{
    char up[64];
    size_t n = 0;
    for (; decl && decl[n] && n + 1 < sizeof up; n++)
        up[n] = (char)(decl[n] >= 'a' && decl[n] <= 'z' ? decl[n] - 32 : decl[n]);
    up[n] = 0;
    if (strstr(up, "INT"))
        return QS_AFF_INTEGER;
    if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT"))
        return QS_AFF_TEXT;
    if (n == 0 || strstr(up, "BLOB"))
        return QS_AFF_BLOB;
    if (strstr(up, "REAL") || strstr(up, "FLOA") || strstr(up, "DOUB"))
        return QS_AFF_REAL;
    return QS_AFF_NUMERIC;
}

/* ---- failures ---- */

/* Remove the local file name (the store's business, not the user's) from
** a reader's message: "'/home/.../k': " or the bare path. */
static void strip_local_path(char *msg, const char *path)
{
    if (!path || !*path)
        return;
    size_t pl = strlen(path);
    char *p = strstr(msg, path);
    if (!p)
        return;
    char *from = p, *to = p + pl;
    if (from > msg && from[-1] == '\'' && *to == '\'') {
        from--;
        to++;
    }
    if (to[0] == ':' && to[1] == ' ')
        to += 2;
    memmove(from, to, strlen(to) + 1);
}

/* Record the statement's first scan failure (naming object o, if any);
** returns SQLITE_ERROR. */
static int fail(qs_cursor *c, const qs_object *o, const tarn_error *e)
{
    tarn_qscan_ctx *ctx = c->tab->ctx;
    if (ctx->err.code != 0)
        return SQLITE_ERROR;
    if (!o) {
        ctx->err = *e;
        return SQLITE_ERROR;
    }
    char msg[sizeof e->msg];
    snprintf(msg, sizeof msg, "%s", e->msg);
    strip_local_path(msg, c->path);
    /* Trino's codes: a split that cannot be opened, or one that fails
    ** while it is read. */
    const char *code = e->code == TARN_ERR_NOTFOUND ? "HIVE_CANNOT_OPEN_SPLIT: Error opening "
                                                      "Hive split"
                                                    : "HIVE_CURSOR_ERROR:";
    tarn_error_set(&ctx->err, e->code ? e->code : TARN_ERR_CORRUPT, "%s s3://%s/%s: %s", code,
                   o->bucket, o->key, msg);
    return SQLITE_ERROR;
}

/* Count bytes read; past the cutoff, fail the statement. */
static int add_bytes(qs_cursor *c, int64_t n)
{
    tarn_qscan_ctx *ctx = c->tab->ctx;
    ctx->bytes_scanned += n;
    if (ctx->bytes_cutoff > 0 && ctx->bytes_scanned > ctx->bytes_cutoff) {
        ctx->cutoff_hit = true;
        tarn_error e;
        tarn_error_set(&e, TARN_ERR_LIMIT,
                       "Bytes scanned limit was exceeded: the limit is %lld bytes and the "
                       "query had read %lld", (long long)ctx->bytes_cutoff,
                       (long long)ctx->bytes_scanned);
        return fail(c, NULL, &e);
    }
    return SQLITE_OK;
}

static int check_cancel(qs_cursor *c)
{
    tarn_qscan_ctx *ctx = c->tab->ctx;
    if (ctx->cancel && *ctx->cancel) {
        tarn_error e;
        tarn_error_set(&e, TARN_ERR_INVALID, "Query cancelled by the user");
        return fail(c, NULL, &e);
    }
    return SQLITE_OK;
}

/* ---- Parquet ---- */

/* The file field named name (case-insensitively), or -1. */
static int find_field(const tarn_schema *s, const char *name)
{
    for (int i = 0; i < s->ncols; i++)
        if (strcasecmp(s->fields[i].name, name) == 0)
            return i;
    return -1;
}

static bool rg_filter(void *ud, const tarn_pq_meta *m, const tarn_pq_row_group *rg)
{
    qs_cursor *c = ud;
    tarn_qscan_ctx *ctx = c->tab->ctx;
    char why[256];
    if (qs_row_group_may_match(c, m, rg, why, sizeof why))
        return true;
    ctx->row_groups_skipped++;
    qs_explain(ctx, "scan %s: row group %d of s3://%s/%s skipped (%s)", c->tab->qname, rg->index,
               c->objs[c->iobj].bucket, c->objs[c->iobj].key, why);
    return false;
}

/* Bytes of a Parquet file that are not column chunks (magic, footer). */
static int64_t footer_bytes(const tarn_pq_meta *m)
{
    int64_t data = 4;
    for (int g = 0; g < m->nrow_groups; g++)
        for (int l = 0; l < m->nleaves; l++)
            data += m->row_groups[g].chunks[l].compressed_size;
    return m->file_size > data ? m->file_size - data : 8;
}

/* Map used table columns to file fields: c->colmap (batch column),
** c->pq_fields (file field per batch column). Returns the count. */
static int pq_project(qs_cursor *c, const tarn_schema *fs)
{
    qs_table *q = c->tab;
    int n = 0;
    for (int i = 0; i < q->ncols; i++) {
        c->colmap[i] = -1;
        if (!(c->used & (1ULL << (i < 63 ? i : 63))))
            continue;
        int f = find_field(fs, q->t.columns[i].name);
        if (f < 0)
            continue;
        c->pq_fields[n] = f;
        c->colmap[i] = n++;
    }
    return n;
}

static int open_parquet(qs_cursor *c, const qs_object *o, const char *path)
{
    tarn_qscan_ctx *ctx = c->tab->ctx;
    tarn_pq_meta *m;
    tarn_error e = {0};
    if (tarn_parquet_meta_open(&m, path, &e))
        return fail(c, o, &e);
    int rc = add_bytes(c, footer_bytes(m));
    int n = rc == SQLITE_OK ? pq_project(c, &m->schema) : 0;
    if (rc != SQLITE_OK || n == 0) {
        c->counting = true;
        c->nrows = m->rows;
        for (int t = 0; t < c->nterms; t++) {
            qs_val null = {.type = SQLITE_NULL};
            if (!qs_term_accepts(&c->terms[t], &null))
                c->nrows = 0;
        }
        tarn_parquet_meta_close(m);
        return rc;
    }
    tarn_read_options ro;
    tarn_read_options_init(&ro);
    ro.format = TARN_FORMAT_PARQUET;
    ro.columns = c->pq_fields;
    ro.ncolumns = n;
    ro.nthreads = 1;
    ro.row_group_filter = rg_filter;
    ro.row_group_filter_ud = c;
    c->meta = m; /* for the filter's leaf lookup while opening */
    rc = tarn_reader_open(&c->rd, path, &ro, &e);
    c->meta = NULL;
    tarn_parquet_meta_close(m);
    if (rc) {
        c->rd = NULL;
        return fail(c, o, &e);
    }
    c->meta = tarn_reader_parquet_meta(c->rd);
    if (c->meta->nrow_groups > 0 && tarn_reader_parquet_row_group(c->rd, 0) < 0) {
        /* Statistics ruled out every row group: only the footer was read. */
        ctx->objects_read--;
        ctx->objects_skipped++;
    }
    return SQLITE_OK;
}

/* Bytes of row group g's chunks of the projected fields. */
static int64_t rg_bytes(const qs_cursor *c, int g, int nfields)
{
    const tarn_pq_meta *m = c->meta;
    int64_t n = 0;
    for (int l = 0; l < m->nleaves; l++)
        for (int f = 0; f < nfields; f++)
            if (m->leaves[l].field == c->pq_fields[f]) {
                n += m->row_groups[g].chunks[l].compressed_size;
                break;
            }
    return n;
}

/* ---- text ---- */

static int skip_bad_row(void *ud, const tarn_bad_row *row)
{
    (void)ud, (void)row;
    return 0;
}

static int open_text(qs_cursor *c, const qs_object *o, const char *path)
{
    qs_table *q = c->tab;
    int rc = add_bytes(c, o->size);
    if (rc != SQLITE_OK)
        return rc;
    tarn_read_options ro;
    tarn_read_options_init(&ro);
    ro.format = q->format;
    if (q->format == TARN_FORMAT_CSV)
        ro.dialect = q->dialect;
    ro.types = &q->force;
    ro.on_bad_row = skip_bad_row;
    tarn_error e = {0};
    if (tarn_reader_open(&c->rd, path, &ro, &e)) {
        c->rd = NULL;
        return fail(c, o, &e);
    }
    const tarn_schema *s = tarn_reader_schema(c->rd);
    for (int i = 0; i < q->ncols; i++)
        c->colmap[i] = q->format == TARN_FORMAT_CSV ? (i < s->ncols ? i : -1)
                                                    : find_field(s, q->t.columns[i].name);
    c->skip = q->format == TARN_FORMAT_CSV ? q->skip_header : 0;
    if (!c->need_data) {
        int64_t rows = tarn_reader_row_count(c->rd) - c->skip;
        c->counting = true;
        c->nrows = rows > 0 ? rows : 0;
        tarn_reader_close(c->rd);
        c->rd = NULL;
    }
    return SQLITE_OK;
}

/* ---- objects and batches ---- */

void qs_object_close(qs_cursor *c)
{
    if (c->cur)
        tarn_cursor_close(c->cur);
    if (c->have_batch)
        tarn_batch_free(&c->batch);
    if (c->rd)
        tarn_reader_close(c->rd);
    c->cur = NULL;
    c->rd = NULL;
    c->meta = NULL;
    c->have_batch = false;
    c->counting = false;
    c->nrows = c->pos = 0;
    c->nsplits = c->isplit = 0;
    free(c->colmap);
    free(c->pq_fields);
    free(c->path);
    c->path = NULL;
    c->colmap = NULL;
    c->pq_fields = NULL;
}

static int open_object(qs_cursor *c)
{
    qs_table *q = c->tab;
    tarn_qscan_ctx *ctx = q->ctx;
    const qs_object *o = &c->objs[c->iobj];
    c->cur_part = o->part;
    c->obj_base = o->id << QS_ROW_BITS;
    c->batch_base = c->next_base = 0;
    c->colmap = tarn_xcalloc((size_t)q->ncols + 1, sizeof *c->colmap);
    c->pq_fields = tarn_xcalloc((size_t)q->ncols + 1, sizeof *c->pq_fields);
    tarn_error e = {0};
    if (tarn_object_local_path(ctx->store, o->bucket, o->key, &c->path, &e)) {
        if (e.code == TARN_ERR_NOTFOUND)
            tarn_error_set(&e, TARN_ERR_NOTFOUND, "object does not exist (the table's data was "
                           "deleted or moved; run the crawler or MSCK REPAIR TABLE)");
        return fail(c, o, &e);
    }
    ctx->objects_read++;
    qs_explain(ctx, "scan %s: object s3://%s/%s read", q->qname, o->bucket, o->key);
    if (ctx->explain_only && q->format != TARN_FORMAT_PARQUET) {
        c->counting = true;
        return SQLITE_OK;
    }
    int rc = q->format == TARN_FORMAT_PARQUET ? open_parquet(c, o, c->path)
                                              : open_text(c, o, c->path);
    if (rc == SQLITE_OK && ctx->explain_only) {
        for (int s = 0; c->rd && s < tarn_reader_split_count(c->rd); s++)
            if (tarn_reader_parquet_row_group(c->rd, s) >= 0)
                ctx->row_groups_read++;
        c->counting = true;
        c->nrows = 0;
        return SQLITE_OK;
    }
    if (rc != SQLITE_OK || c->counting)
        return rc;
    const tarn_schema *s = tarn_reader_schema(c->rd);
    tarn_batch_init(&c->batch, s, 0);
    c->have_batch = true;
    qs_terms_bind(c, s);
    c->nsplits = tarn_reader_split_count(c->rd);
    return SQLITE_OK;
}

/* Open the next split's cursor, counting a Parquet row group's bytes. */
static int open_split(qs_cursor *c)
{
    tarn_qscan_ctx *ctx = c->tab->ctx;
    int rc = check_cancel(c);
    if (rc != SQLITE_OK)
        return rc;
    int split = c->isplit++;
    if (c->meta) {
        int g = tarn_reader_parquet_row_group(c->rd, split);
        if (g < 0)
            return SQLITE_DONE;
        ctx->row_groups_read++;
        c->next_base = 0;
        for (int i = 0; i < g; i++)
            c->next_base += c->meta->row_groups[i].rows;
        int nf = 0;
        for (int i = 0; i < c->tab->ncols; i++)
            nf += c->colmap[i] >= 0;
        rc = add_bytes(c, rg_bytes(c, g, nf));
        if (rc != SQLITE_OK)
            return rc;
    }
    tarn_error e = {0};
    if (tarn_cursor_open(c->rd, split, &c->cur, &e)) {
        c->cur = NULL;
        return fail(c, &c->objs[c->iobj], &e);
    }
    return SQLITE_OK;
}

/* Next batch with passing rows of the current object: SQLITE_ROW, or
** SQLITE_DONE at its end, or an error. */
static int next_batch(qs_cursor *c)
{
    tarn_qscan_ctx *ctx = c->tab->ctx;
    while (!c->counting) {
        if (!c->cur) {
            if (c->isplit >= c->nsplits)
                return SQLITE_DONE;
            int rc = open_split(c);
            if (rc == SQLITE_DONE)
                continue;
            if (rc != SQLITE_OK)
                return rc;
        }
        tarn_error e = {0};
        int rc = tarn_cursor_next(c->cur, &c->batch, &e);
        if (rc < 0)
            return fail(c, &c->objs[c->iobj], &e);
        if (rc == 0) {
            tarn_cursor_close(c->cur);
            c->cur = NULL;
            continue;
        }
        if (check_cancel(c) != SQLITE_OK)
            return SQLITE_ERROR;
        ctx->rows_read += c->batch.nrows;
        c->batch_base = c->next_base;
        c->next_base += c->batch.nrows;
        int64_t start = c->skip < c->batch.nrows ? c->skip : c->batch.nrows;
        c->skip -= (int)start;
        if (c->nterms > 0) {
            c->nrows = qs_filter_batch(c, start);
            c->pos = 0;
        } else {
            c->nrows = c->batch.nrows;
            c->pos = start;
        }
        if (c->pos < c->nrows)
            return SQLITE_ROW;
    }
    return SQLITE_DONE;
}

int qs_advance(qs_cursor *c)
{
    while (!c->eof) {
        if (c->pos < c->nrows)
            return SQLITE_OK;
        int rc = SQLITE_DONE;
        if (c->rd || c->counting)
            rc = next_batch(c);
        if (rc == SQLITE_ROW)
            continue;
        if (rc != SQLITE_DONE)
            return rc;
        bool had = c->rd || c->counting;
        qs_object_close(c);
        if (had)
            c->iobj++;
        if (c->iobj >= c->nobjs) {
            c->eof = true;
            return SQLITE_OK;
        }
        rc = check_cancel(c);
        if (rc == SQLITE_OK)
            rc = open_object(c);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}
