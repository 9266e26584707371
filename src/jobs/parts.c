/*
** parts.c: a stream of batches written as Parquet part files
** (folder/part-00000.parquet, part-00001...), each cut at the exact row
** where it reaches its target size, so the files depend only on the rows.
** Finished files wait in the store's temporary area and are staged
** (commit.c) on finish; on failure they are removed. Interface in
** jobs_int.h.
*/
#include "jobs/jobs_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void jobs_parts_init(jobs_parts *p, jobs_output *out, const char *folder, const tarn_schema *s,
                     tarn_parquet_codec codec, int nthreads, bool background,
                     int64_t target_bytes)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->folder = tarn_xstrdup(folder);
    tarn_schema_copy(&p->schema, s);
    tarn_parquet_write_options_init(&p->popt);
    p->popt.codec = codec;
    p->popt.nthreads = nthreads;
    p->popt.background = background;
    p->target_bytes = target_bytes > 0 ? target_bytes : INT64_MAX;
    p->nulls = tarn_xcalloc((size_t)s->ncols + 1, sizeof *p->nulls);
}

static int part_open(jobs_parts *p, tarn_error *err)
{
    int rc = jobs_output_temp(p->out, "part", &p->tmp, err);
    if (!rc)
        rc = tarn_parquet_writer_open(&p->w, p->tmp, &p->schema, &p->popt, err);
    if (rc) {
        free(p->tmp);
        p->tmp = NULL;
    }
    p->part_bytes = p->part_rows = 0;
    return rc;
}

static int part_close(jobs_parts *p, tarn_error *err)
{
    int rc = tarn_parquet_writer_close(p->w, NULL, err);
    p->w = NULL;
    if (rc) {
        free(p->tmp);
        p->tmp = NULL;
        return rc;
    }
    p->files = tarn_xrealloc(p->files, (size_t)(p->nfiles + 1) * sizeof *p->files);
    p->file_rows = tarn_xrealloc(p->file_rows, (size_t)(p->nfiles + 1) * sizeof *p->file_rows);
    p->files[p->nfiles] = p->tmp;
    p->file_rows[p->nfiles++] = p->part_rows;
    p->tmp = NULL;
    return TARN_OK;
}

/* Write rows [off, off+n) of b to the open part. */
static int part_put(jobs_parts *p, const tarn_batch *b, int64_t off, int64_t n, int64_t bytes,
                    tarn_error *err)
{
    const tarn_batch *src = b;
    if (off != 0 || n != b->nrows) {
        if (!p->cut_ready) {
            tarn_batch_init(&p->cut, &p->schema, 0);
            p->cut_ready = true;
        }
        tarn_batch_reset(&p->cut);
        jobs_batch_append_range(&p->cut, b, off, n);
        src = &p->cut;
    }
    for (int c = 0; c < src->ncols; c++)
        p->nulls[c] += src->cols[c].null_count;
    p->part_bytes += bytes;
    p->part_rows += n;
    p->rows += n;
    return tarn_parquet_writer_write(p->w, src, err);
}

/* Rows from off that fit before the open part reaches its target: at
** least one, and every row when the target is not reached. */
static int64_t rows_to_cut(const jobs_parts *p, const tarn_batch *b, int64_t off, int64_t *bytes)
{
    int64_t left = p->target_bytes - p->part_bytes, n = b->nrows - off;
    *bytes = jobs_batch_bytes(b, off, n);
    if (*bytes < left)
        return n;
    int64_t k = 0, sum = 0;
    while (k < n && sum < left)
        sum += jobs_batch_bytes(b, off + k++, 1);
    *bytes = sum;
    return k;
}

int jobs_parts_write(jobs_parts *p, const tarn_batch *b, tarn_error *err)
{
    int rc = TARN_OK;
    for (int64_t off = 0; !rc && off < b->nrows;) {
        if (!p->w && (rc = part_open(p, err)) != TARN_OK)
            break;
        int64_t bytes, n = rows_to_cut(p, b, off, &bytes);
        rc = part_put(p, b, off, n, bytes, err);
        off += n;
        if (!rc && p->part_bytes >= p->target_bytes)
            rc = part_close(p, err);
    }
    return rc;
}

int jobs_parts_close(jobs_parts *p, bool min_one, tarn_error *err)
{
    int rc = TARN_OK;
    if (!p->w && p->nfiles == 0 && min_one)
        rc = part_open(p, err);
    if (!rc && p->w)
        rc = part_close(p, err);
    return rc;
}

int jobs_parts_stage(jobs_parts *p, tarn_error *err)
{
    int rc = TARN_OK;
    for (int i = 0; !rc && i < p->nfiles; i++) {
        if (!p->files[i])
            continue;
        char *key = tarn_xasprintf("%spart-%05d.parquet", p->folder, i);
        rc = jobs_output_add(p->out, key, p->files[i], p->file_rows[i], err);
        free(key);
        if (!rc) {
            free(p->files[i]);
            p->files[i] = NULL;
        }
    }
    return rc;
}

int jobs_parts_finish(jobs_parts *p, bool min_one, tarn_error *err)
{
    int rc = jobs_parts_close(p, min_one, err);
    return rc ? rc : jobs_parts_stage(p, err);
}

void jobs_parts_free(jobs_parts *p)
{
    tarn_parquet_writer_abort(p->w);
    free(p->tmp);
    for (int i = 0; i < p->nfiles; i++) {
        if (p->files[i])
            unlink(p->files[i]);
        free(p->files[i]);
    }
    free(p->files);
    free(p->file_rows);
    free(p->folder);
    free(p->nulls);
    tarn_schema_free(&p->schema);
    if (p->cut_ready)
        tarn_batch_free(&p->cut);
    memset(p, 0, sizeof *p);
}
