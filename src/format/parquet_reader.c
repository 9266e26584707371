/*
** parquet_reader.c: the Parquet format's operations table for the generic
** reader (format_internal.h, reader.c). Opening reads the footer
** (parquet_meta.c, parquet_schema.c), applies the caller's projection
** (tarn_read_options.columns) and row-group filter, and makes one split per
** row group kept. A cursor reads its row group column by column into
** batches: flat columns through parquet_read_column.c, nested fields as JSON
** text through parquet_nested.c.
**
** Why tarn has its own Parquet reader: no Debian package offers a C Parquet
** library, so tarn decodes the format itself (footer, pages, encodings,
** codecs through the system compression libraries).
*/
#include "format/format_internal.h"

#include <stdlib.h>
#include <string.h>

#include "format/parquet_read_column.h"

typedef struct pq_reader_impl {
    tarn_pq_meta *meta;
    int ncols;          /* columns read (after projection) */
    int *fields;        /* per column: its field in the file */
    int *split_rg;      /* per split: its row group, -1 for an empty file */
} pq_reader_impl;

typedef struct pq_col_reader {
    bool is_nested;
    pq_chunk_reader flat;
    pq_nested nested;
} pq_col_reader;

typedef struct pq_cursor_impl {
    int rg;
    int64_t rows_left;
    tarn_decompressor *dz;
    int ncols;
    pq_col_reader *cols;
    int failed;          /* status of an earlier failure, repeated after it */
    tarn_error saved;
} pq_cursor_impl;

/* Which file fields are read, in which order; builds the reader's schema. */
static int project(tarn_reader *r, pq_reader_impl *im, tarn_error *err)
{
    const tarn_schema *full = &im->meta->schema;
    const int *want = r->opts.columns;
    int n = want ? r->opts.ncolumns : full->ncols;
    if (want && (n < 0 || n > full->ncols))
        return tarn_error_set(err, TARN_ERR_INVALID, "'%s': %d columns requested but the file "
                              "has %d", r->path, n, full->ncols);
    im->fields = tarn_xcalloc((size_t)(n ? n : 1), sizeof(int));
    bool *seen = tarn_xcalloc((size_t)(full->ncols ? full->ncols : 1), sizeof(bool));
    int rc = TARN_OK;
    for (int i = 0; i < n && !rc; i++) {
        int fi = want ? want[i] : i;
        if (fi < 0 || fi >= full->ncols)
            rc = tarn_error_set(err, TARN_ERR_INVALID, "'%s': column index %d out of range "
                                "(the file has %d columns)", r->path, fi, full->ncols);
        else if (seen[fi])
            rc = tarn_error_set(err, TARN_ERR_INVALID, "'%s': column '%s' requested twice",
                                r->path, full->fields[fi].name);
        else {
            seen[fi] = true;
            im->fields[i] = fi;
            tarn_schema_add(&r->schema, full->fields[fi].name, full->fields[fi].type);
        }
    }
    free(seen);
    im->ncols = n;
    return rc;
}

/* One split per row group the caller's filter keeps (one empty split if
** none). */
static void choose_row_groups(tarn_reader *r, pq_reader_impl *im)
{
    const tarn_pq_meta *m = im->meta;
    im->split_rg = tarn_xcalloc((size_t)m->nrow_groups + 1, sizeof(int));
    int n = 0;
    r->rows = 0;
    for (int g = 0; g < m->nrow_groups; g++) {
        const tarn_pq_row_group *rg = &m->row_groups[g];
        if (r->opts.row_group_filter &&
            !r->opts.row_group_filter(r->opts.row_group_filter_ud, m, rg))
            continue;
        im->split_rg[n++] = g;
        r->rows += rg->rows;
    }
    if (n == 0)
        im->split_rg[n++] = -1;
    r->nsplits = n;
}

/* ops.close: free the footer and the split table. */
static void pq_close(tarn_reader *r)
{
    pq_reader_impl *im = r->impl;
    if (!im)
        return;
    tarn_parquet_meta_close(im->meta);
    free(im->fields);
    free(im->split_rg);
    free(im);
    r->impl = NULL;
}

/* ops.open: read the footer, project, choose row groups. */
static int pq_open(tarn_reader *r, tarn_error *err)
{
    pq_reader_impl *im = tarn_xcalloc(1, sizeof *im);
    r->impl = im;
    int rc = tarn_parquet_meta_open(&im->meta, r->path, err);
    if (rc)
        return rc;
    if ((rc = project(r, im, err)) != 0)
        return rc;
    choose_row_groups(r, im);
    r->info.format = TARN_FORMAT_PARQUET;
    r->info.gzip = false;
    r->info.encoding = "utf-8";
    r->info.newline = "none";
    r->info.latin1_fallback = false;
    r->bad_rows = 0;
    return TARN_OK;
}

/* ops.cursor_close. */
static void pq_cursor_close(tarn_cursor *c)
{
    pq_cursor_impl *ci = c->impl;
    if (!ci)
        return;
    for (int i = 0; i < ci->ncols && ci->cols; i++) {
        if (ci->cols[i].is_nested)
            pq_nested_close(&ci->cols[i].nested);
        else
            pq_chunk_close(&ci->cols[i].flat);
    }
    free(ci->cols);
    tarn_decompressor_free(ci->dz);
    free(ci);
    c->impl = NULL;
}

/* ops.cursor_open: a chunk reader per flat column, a nested reader per
** nested one. */
static int pq_cursor_open(tarn_reader *r, int split, tarn_cursor *c, tarn_error *err)
{
    pq_reader_impl *im = r->impl;
    pq_file *f = im->meta->impl;
    pq_cursor_impl *ci = tarn_xcalloc(1, sizeof *ci);
    c->impl = ci;
    ci->rg = im->split_rg[split];
    if (ci->rg < 0)
        return TARN_OK;
    ci->rows_left = im->meta->row_groups[ci->rg].rows;
    if (ci->rows_left == 0)
        return TARN_OK; /* nothing to read: do not look at its column chunks */
    ci->dz = tarn_decompressor_new();
    ci->cols = tarn_xcalloc((size_t)(im->ncols ? im->ncols : 1), sizeof *ci->cols);
    ci->ncols = im->ncols;
    int rc = TARN_OK;
    for (int i = 0; i < im->ncols && !rc; i++) {
        int fi = im->fields[i];
        pq_col_reader *cr = &ci->cols[i];
        cr->is_nested = f->field_nested[fi];
        if (cr->is_nested)
            rc = pq_nested_open(&cr->nested, f, fi, ci->rg, ci->dz, r->path, err);
        else
            rc = pq_chunk_open(&cr->flat, f, ci->rg, f->fields[fi]->leaf, ci->dz, r->path, err);
    }
    if (rc)
        pq_cursor_close(c);
    return rc;
}

/* k rows of every column into b (whose columns must match the schema). */
static int read_columns(tarn_cursor *c, tarn_batch *b, int64_t k, tarn_error *err)
{
    pq_cursor_impl *ci = c->impl;
    if (b->ncols != ci->ncols)
        return tarn_error_set(err, TARN_ERR_INTERNAL, "'%s': batch has %d columns, the reader "
                              "%d", c->r->path, b->ncols, ci->ncols);
    for (int i = 0; i < ci->ncols; i++) {
        tarn_column *col = &b->cols[i];
        if (col->type.id != c->r->schema.fields[i].type.id)
            return tarn_error_set(err, TARN_ERR_INTERNAL, "'%s': batch column %d has the "
                                  "wrong type", c->r->path, i);
        tarn_column_reserve(col, k);
        pq_col_reader *cr = &ci->cols[i];
        int rc = cr->is_nested ? pq_nested_read(&cr->nested, k, col, err)
                            : pq_chunk_read_flat(&cr->flat, k, col, err);
        if (rc)
            return rc;
    }
    return TARN_OK;
}

/* ops.cursor_next: the next batch of the row group; a failure repeats on
** later calls. */
static int pq_cursor_next(tarn_cursor *c, tarn_batch *b, tarn_error *err)
{
    pq_cursor_impl *ci = c->impl;
    tarn_batch_reset(b);
    if (ci->failed) {
        if (err)
            *err = ci->saved;
        return -ci->failed;
    }
    if (ci->rows_left <= 0)
        return 0;
    int64_t per = c->r->opts.batch_rows > 0 ? c->r->opts.batch_rows : 65536;
    int64_t k = ci->rows_left < per ? ci->rows_left : per;
    int rc = read_columns(c, b, k, err);
    if (rc) {
        tarn_batch_reset(b);
        ci->failed = rc;
        if (err)
            ci->saved = *err;
        return -rc;
    }
    b->nrows = k;
    ci->rows_left -= k;
    return 1;
}

const tarn_format_ops tarn_parquet_ops = {
    TARN_FORMAT_PARQUET, pq_open, pq_cursor_open, pq_cursor_next, pq_cursor_close, pq_close,
};

const tarn_pq_meta *tarn_reader_parquet_meta(const tarn_reader *r)
{
    if (!r || r->ops != &tarn_parquet_ops || !r->impl)
        return NULL;
    return ((const pq_reader_impl *)r->impl)->meta;
}

int tarn_reader_parquet_row_group(const tarn_reader *r, int split)
{
    if (!tarn_reader_parquet_meta(r) || split < 0 || split >= r->nsplits)
        return -1;
    return ((const pq_reader_impl *)r->impl)->split_rg[split];
}
