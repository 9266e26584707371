/*
** clean_source.c: the clean job's input: every source object opened with
** a reader, its columns renamed to snake_case, --cast applied (by the CSV
** reader itself where it can, so misfits are counted as it reads; through
** conform.c otherwise), the files' schemas widened to one, and rows the
** readers cannot parse written to the local _errors/errors.jsonl or, with
** --on_bad_rows fail, turned into the job's error.
*/
#include "jobs/clean_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- rows set aside ---- */

/* Append s[0..n) as a JSON string; bytes that are not valid UTF-8 are
** read as Latin-1, as the readers do. */
static void json_string(tarn_buf *b, const char *s, size_t n)
{
    tarn_buf_putc(b, '"');
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                                  : (c & 0xF8) == 0xF0 ? 4 : 0;
        bool ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            ok = (p[i + k] & 0xC0) == 0x80;
        if (c >= 0x80 && ok && len > 1) {
            tarn_buf_append(b, s + i, len);
            i += len;
            continue;
        }
        if (c == '"' || c == '\\')
            tarn_buf_appendf(b, "\\%c", c);
        else if (c == '\n')
            tarn_buf_append(b, "\\n", 2);
        else if (c == '\r')
            tarn_buf_append(b, "\\r", 2);
        else if (c == '\t')
            tarn_buf_append(b, "\\t", 2);
        else if (c < 0x20 || c >= 0x80)
            tarn_buf_appendf(b, "\\u%04x", c);
        else
            tarn_buf_putc(b, (char)c);
        i++;
    }
    tarn_buf_putc(b, '"');
}

typedef struct bad_ctx {
    cl_input *in;
    const char *uri;
    bool silent;           /* a reopen: these rows were reported already */
    int rc;                /* first write failure */
} bad_ctx;

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* The readers' on_bad_row: record the row, or stop the read. */
static int on_bad_row(void *ud, const tarn_bad_row *row)
{
    bad_ctx *bc = ud;
    cl_input *in = bc->in;
    if (bc->silent)
        return 0;
    if (in->fail_on_bad) {
        snprintf(in->first_bad, sizeof in->first_bad, "%s line %lld: %s", bc->uri,
                 (long long)row->line, row->reason);
        return 1;
    }
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_buf_append(&b, "{\"file\":", 8);
    json_string(&b, bc->uri, strlen(bc->uri));
    tarn_buf_appendf(&b, ",\"line\":%lld,\"reason\":", (long long)row->line);
    json_string(&b, row->reason, strlen(row->reason));
    tarn_buf_append(&b, ",\"text\":", 8);
    json_string(&b, row->text, strlen(row->text));
    tarn_buf_append(&b, "}\n", 2);
    if (write_all(in->errors_fd, b.data, b.len) != 0 && !bc->rc)
        bc->rc = errno ? errno : EIO;
    tarn_buf_free(&b);
    return 0;
}

/* ---- opening one file ---- */

/* Open f's reader; types forces column types (NULL: infer). */
static int open_reader(cl_input *in, cl_file *f, const tarn_schema *types, bool silent,
                       tarn_error *err)
{
    bad_ctx bc = {in, f->src->uri, silent, 0};
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.nthreads = CLEAN_READ_THREADS;
    o.types = types;
    o.on_bad_row = on_bad_row;
    o.bad_row_ud = &bc;
    int rc = tarn_reader_open(&f->r, f->src->path, &o, err);
    if (rc && in->fail_on_bad && in->first_bad[0])
        return tarn_error_set(err, TARN_ERR_CORRUPT,
                              "%s (the job stops at the first row it cannot parse with "
                              "--on_bad_rows fail; use skip to set such rows aside in _errors/)",
                              in->first_bad);
    if (rc) {
        tarn_error_prefix(err, "reading %s: ", f->src->uri);
        return rc;
    }
    if (bc.rc)
        return tarn_error_errno(err, TARN_ERR_IO, bc.rc, "cannot write the rejected rows file");
    return TARN_OK;
}

/* CSV columns --cast gives another type than inferred are read again with
** the type forced, so the reader converts the text (and counts misfits). */
static int force_csv_casts(cl_input *in, cl_file *f, const tarn_clean_args *a, tarn_error *err)
{
    const tarn_schema *s = tarn_reader_schema(f->r);
    tarn_schema types;
    tarn_schema_init(&types);
    for (int c = 0; c < a->ncasts; c++) {
        for (int j = 0; j < f->ncols; j++) {
            tarn_type have = s->fields[j].type, want = a->casts[c].type;
            if (strcmp(f->names[j], a->casts[c].column) == 0 &&
                (have.id != want.id || have.precision != want.precision ||
                 have.scale != want.scale))
                tarn_schema_add(&types, s->fields[j].name, want);
        }
    }
    int rc = TARN_OK;
    if (types.ncols) {
        tarn_reader_close(f->r);
        f->r = NULL;
        rc = open_reader(in, f, &types, true, err);
    }
    tarn_schema_free(&types);
    return rc;
}

static int open_file(cl_input *in, cl_file *f, const tarn_clean_args *a, tarn_error *err)
{
    int rc = open_reader(in, f, NULL, false, err);
    if (rc)
        return rc;
    const tarn_schema *s = tarn_reader_schema(f->r);
    f->ncols = s->ncols;
    const char **orig = tarn_xcalloc((size_t)s->ncols + 1, sizeof *orig);
    for (int j = 0; j < s->ncols; j++)
        orig[j] = s->fields[j].name;
    f->names = tarn_snake_names(orig, s->ncols);
    free(orig);
    if (a->ncasts && tarn_reader_info(f->r)->format == TARN_FORMAT_CSV)
        rc = force_csv_casts(in, f, a, err);
    if (rc)
        return rc;
    in->rows += tarn_reader_row_count(f->r);
    in->rejected += tarn_reader_bad_rows(f->r);
    f->cast_base = tarn_xcalloc((size_t)f->ncols + 1, sizeof *f->cast_base);
    jobs_log(in->env, "read %s: %s, %d columns, %lld rows, %lld rejected", f->src->uri,
             tarn_format_name(tarn_reader_info(f->r)->format), f->ncols,
             (long long)tarn_reader_row_count(f->r), (long long)tarn_reader_bad_rows(f->r));
    return TARN_OK;
}

/* ---- one schema for all ---- */

/* Log the columns whose name changed (once, for the first file). */
static void log_renames(const tarn_job_env *env, const cl_file *f)
{
    const tarn_schema *s = tarn_reader_schema(f->r);
    tarn_buf b;
    tarn_buf_init(&b, 4096);
    for (int j = 0; j < f->ncols; j++)
        if (strcmp(s->fields[j].name, f->names[j]) != 0)
            tarn_buf_appendf(&b, "%s'%s' -> %s", b.len ? ", " : "", s->fields[j].name,
                             f->names[j]);
    if (b.len)
        jobs_log(env, "renamed columns: %s", b.data);
    tarn_buf_free(&b);
}

static int unify(cl_input *in, const tarn_clean_args *a, tarn_error *err)
{
    for (int i = 0; i < in->nfiles; i++) {
        const cl_file *f = &in->files[i];
        const tarn_schema *s = tarn_reader_schema(f->r);
        for (int j = 0; j < f->ncols; j++) {
            int k = tarn_schema_find(&in->out, f->names[j]);
            if (k < 0)
                tarn_schema_add(&in->out, f->names[j], s->fields[j].type);
            else
                in->out.fields[k].type = jobs_type_widen(in->out.fields[k].type, s->fields[j].type);
        }
    }
    if (in->out.ncols == 0)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "the source files under s3://%s/%s have no columns (they are "
                              "empty); there is nothing to clean", in->srcs.where.bucket,
                              in->srcs.where.key);
    for (int c = 0; c < a->ncasts; c++) {
        int k = tarn_schema_find(&in->out, a->casts[c].column);
        if (k >= 0) {
            in->out.fields[k].type = a->casts[c].type;
            continue;
        }
        tarn_buf cols;
        tarn_buf_init(&cols, 4096);
        for (int j = 0; j < in->out.ncols; j++)
            tarn_buf_appendf(&cols, "%s%s", j ? ", " : "", in->out.fields[j].name);
        int rc = tarn_error_set(err, TARN_ERR_INVALID,
                                "--cast names the column '%s', which no source file has; the "
                                "columns (after renaming) are: %s", a->casts[c].column,
                                cols.data ? cols.data : "(none)");
        tarn_buf_free(&cols);
        return rc;
    }
    for (int i = 0; i < in->nfiles; i++) {
        cl_file *f = &in->files[i];
        jobs_conform_plan(&f->plan, tarn_reader_schema(f->r), (const char *const *)f->names,
                          &in->out);
    }
    return TARN_OK;
}

/* Parts (file, split) in input order, and the size estimate. */
static void plan_parts(cl_input *in)
{
    for (int i = 0; i < in->nfiles; i++)
        in->nparts += tarn_reader_split_count(in->files[i].r);
    in->part_file = tarn_xcalloc((size_t)in->nparts + 1, sizeof *in->part_file);
    in->part_split = tarn_xcalloc((size_t)in->nparts + 1, sizeof *in->part_split);
    int k = 0;
    for (int i = 0; i < in->nfiles; i++) {
        cl_file *f = &in->files[i];
        f->first_part = k;
        f->nparts = tarn_reader_split_count(f->r);
        for (int s = 0; s < f->nparts; s++, k++) {
            in->part_file[k] = i;
            in->part_split[k] = s;
        }
        const tarn_pq_meta *m = tarn_reader_parquet_meta(f->r);
        int64_t est = f->src->size * (tarn_reader_info(f->r)->gzip ? 5 : 1);
        if (m) {
            est = 0;
            for (int g = 0; g < m->nrow_groups; g++)
                est += m->row_groups[g].total_byte_size;
        }
        in->estimate += est;
    }
}

static int open_errors(cl_input *in, jobs_output *out, tarn_error *err)
{
    in->errors_fd = -1;
    if (in->fail_on_bad)
        return TARN_OK;
    int rc = jobs_output_temp(out, "errors", &in->errors_path, err);
    if (rc)
        return rc;
    in->errors_fd = open(in->errors_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in->errors_fd < 0)
        return tarn_error_errno(err, TARN_ERR_IO, errno, "cannot create '%s'", in->errors_path);
    return TARN_OK;
}

int cl_input_open(cl_input *in, const tarn_clean_args *a, const tarn_job_env *env,
                  jobs_output *out, tarn_error *err)
{
    memset(in, 0, sizeof *in);
    in->errors_fd = -1;
    in->env = env;
    in->fail_on_bad = a->fail_on_bad_rows;
    tarn_schema_init(&in->out);
    int rc = jobs_sources_list(&in->srcs, env, a->source_path, err);
    if (!rc)
        rc = open_errors(in, out, err);
    if (rc)
        return rc;
    in->files = tarn_xcalloc((size_t)in->srcs.n, sizeof *in->files);
    for (int i = 0; !rc && i < in->srcs.n; i++) {
        cl_file *f = &in->files[in->nfiles++];
        f->src = &in->srcs.files[i];
        rc = open_file(in, f, a, err);
        if (!rc && in->nfiles == 1)
            log_renames(env, f);
    }
    if (!rc)
        rc = unify(in, a, err);
    if (!rc)
        plan_parts(in);
    return rc;
}

void cl_input_mark(cl_input *in)
{
    for (int i = 0; i < in->nfiles; i++)
        for (int j = 0; j < in->files[i].ncols; j++)
            in->files[i].cast_base[j] = tarn_reader_column_cast_errors(in->files[i].r, j);
}

void cl_input_cast_errors(const cl_input *in, int64_t *counts)
{
    for (int i = 0; i < in->nfiles; i++) {
        const cl_file *f = &in->files[i];
        for (int j = 0; j < f->ncols; j++) {
            int64_t d = tarn_reader_column_cast_errors(f->r, j) - f->cast_base[j];
            int k = tarn_schema_find(&in->out, f->names[j]);
            if (d > 0 && k >= 0)
                counts[k] += d;
        }
    }
}

int cl_input_stage_errors(cl_input *in, jobs_output *out, tarn_error *err)
{
    if (in->errors_fd < 0)
        return TARN_OK;
    int rc = TARN_OK;
    if (fsync(in->errors_fd) != 0)
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot write '%s'", in->errors_path);
    close(in->errors_fd);
    in->errors_fd = -1;
    if (!rc && in->rejected > 0)
        rc = jobs_output_add(out, "_errors/errors.jsonl", in->errors_path, -1, err);
    else
        unlink(in->errors_path);
    if (!rc) {
        free(in->errors_path);
        in->errors_path = NULL;
    }
    return rc;
}

void cl_input_close(cl_input *in)
{
    for (int i = 0; i < in->nfiles; i++) {
        cl_file *f = &in->files[i];
        tarn_reader_close(f->r);
        tarn_snake_names_free(f->names, f->ncols);
        jobs_conform_free(&f->plan);
        free(f->cast_base);
    }
    if (in->errors_fd >= 0)
        close(in->errors_fd);
    if (in->errors_path)
        unlink(in->errors_path);
    free(in->errors_path);
    free(in->files);
    free(in->part_file);
    free(in->part_split);
    tarn_schema_free(&in->out);
    jobs_sources_free(&in->srcs);
    memset(in, 0, sizeof *in);
}
