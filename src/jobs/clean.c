/*
** clean.c: the tarn.clean job (what it does is in jobs.h): its arguments,
** and the passes over the input.
**
** The input (clean_source.c) is read through the ordered pipeline
** (pipe.c): worker threads parse, convert each batch to the output schema
** and encode its rows canonically with their hashes (clean_dedupe.c); the
** calling thread decides, in input order, which rows are duplicates and
** writes the others to the part files. When the rows' estimated size fits
** the memory budget this is one pass with an in-memory set of distinct
** rows. Otherwise, or when the set passes the budget after all (the
** partial output is thrown away then), it takes two: the first sends every
** row to hash-partitioned spill files and finds the rows to drop
** partition by partition; the second reads the input again and writes
** what is left. Both give the same rows in the same order, so the same
** bytes.
*/
#include "jobs/clean_int.h"

#include <stdlib.h>
#include <string.h>

enum pass { PASS_STREAM, PASS_SPILL, PASS_WRITE };

typedef struct cl_slot {
    jobs_conform_buf cb;
    dd_rows rows;
    int64_t *cast_errors;  /* per output column, this batch */
} cl_slot;

typedef struct cl_run {
    const tarn_clean_args *a;
    const tarn_job_env *env;
    cl_input in;
    jobs_output out;
    jobs_parts parts;
    bool parts_ready;
    enum pass pass;
    int64_t dd_budget;     /* for the set of distinct rows */
    dd_set set;
    dd_spill *spill;
    uint8_t *dropped;      /* PASS_WRITE: rows to drop */
    int64_t row;           /* rows consumed in this pass */
    int64_t dups;
    int64_t *cast_errors;  /* per output column */
    uint8_t *keep;
    int64_t keep_cap;
    tarn_batch filtered;
    bool filtered_ready;
} cl_run;

/* ---- arguments ---- */

static int parse_casts(const char *spec, tarn_clean_args *out, tarn_error *err)
{
    char **items;
    int n = jobs_split_list(spec, &items), rc = TARN_OK;
    out->casts = tarn_xcalloc((size_t)n + 1, sizeof *out->casts);
    for (int i = 0; i < n; i++) {
        char *colon = strchr(items[i], ':');
        if (!rc && (!colon || colon == items[i]))
            rc = tarn_error_set(err, TARN_ERR_INVALID,
                                "--cast '%s': expected column:type, e.g. new_cases:bigint", items[i]);
        if (!rc) {
            *colon = '\0';
            tarn_job_cast *c = &out->casts[out->ncasts];
            rc = tarn_type_parse(colon + 1, &c->type, err);
            if (rc)
                tarn_error_prefix(err, "--cast %s: ", items[i]);
            tarn_buf b;
            tarn_buf_init(&b, 0);
            tarn_snake_case(&b, items[i], strlen(items[i]));
            c->column = b.data;
            out->ncasts++;
        }
        free(items[i]);
    }
    free(items);
    return rc;
}

int tarn_clean_args_parse(const tarn_job_args *a, tarn_clean_args *out, tarn_error *err)
{
    static const char *const known[] = {"source_path", "target_path", "cast", "memory_budget_bytes",
                                        "target_file_bytes", "on_bad_rows", "on_cast_errors",
                                        "compression", NULL};
    static const char *const bad_rows[] = {"skip", "fail", NULL};
    static const char *const cast_errors[] = {"null", "fail", NULL};
    memset(out, 0, sizeof *out);
    int bad = 0, cast = 0;
    int rc = jobs_args_check(a, "tarn.clean", known, err);
    if (!rc)
        rc = jobs_arg_required(a, "source_path", &out->source_path, err);
    if (!rc)
        rc = jobs_arg_required(a, "target_path", &out->target_path, err);
    if (!rc)
        rc = jobs_arg_bytes(a, "memory_budget_bytes", 1LL << 30, 4096, &out->memory_budget_bytes, err);
    if (!rc)
        rc = jobs_arg_bytes(a, "target_file_bytes", 1LL << 30, 1, &out->target_file_bytes, err);
    if (!rc)
        rc = jobs_arg_choice(a, "on_bad_rows", bad_rows, &bad, err);
    if (!rc)
        rc = jobs_arg_choice(a, "on_cast_errors", cast_errors, &cast, err);
    if (!rc)
        rc = jobs_arg_codec(a, &out->codec, err);
    const char *casts = tarn_job_args_get(a, "cast");
    if (!rc && casts)
        rc = parse_casts(casts, out, err);
    out->fail_on_bad_rows = bad == 1;
    out->fail_on_cast_errors = cast == 1;
    return rc;
}

void tarn_clean_args_free(tarn_clean_args *a)
{
    for (int i = 0; i < a->ncasts; i++)
        free(a->casts[i].column);
    free(a->casts);
    memset(a, 0, sizeof *a);
}

/* ---- the pipeline's callbacks ---- */

static int part_file(void *ud, int part)
{
    return ((cl_run *)ud)->in.part_file[part];
}

static const tarn_schema *file_schema(void *ud, int file)
{
    return tarn_reader_schema(((cl_run *)ud)->in.files[file].r);
}

static int open_part(void *ud, int part, tarn_cursor **cur, tarn_error *err)
{
    cl_run *run = ud;
    cl_file *f = &run->in.files[run->in.part_file[part]];
    return tarn_cursor_open(f->r, run->in.part_split[part], cur, err);
}

static void *slot_new(void *ud)
{
    cl_run *run = ud;
    cl_slot *s = tarn_xcalloc(1, sizeof *s);
    s->cast_errors = tarn_xcalloc((size_t)run->in.out.ncols + 1, sizeof *s->cast_errors);
    return s;
}

static void slot_free(void *ud, void *w)
{
    cl_slot *s = w;
    if (!s)
        return;
    jobs_conform_buf_free(&s->cb);
    dd_rows_free(&s->rows);
    free(s->cast_errors);
    free(s);
}

/* On a worker: convert to the output schema; encode rows unless this
** pass only writes. */
static int work(void *ud, int part, jobs_slot *js, tarn_error *err)
{
    cl_run *run = ud;
    cl_slot *s = js->work;
    const cl_file *f = &run->in.files[run->in.part_file[part]];
    memset(s->cast_errors, 0, sizeof *s->cast_errors * (size_t)run->in.out.ncols);
    jobs_conform_batch(&f->plan, &js->raw, &s->cb, s->cast_errors);
    if (run->pass != PASS_WRITE)
        dd_rows_encode(&s->rows, &s->cb.view);
    return TARN_OK;
}

/* Write the rows of b whose keep flag is set (all of them: b as is). */
static int write_kept(cl_run *run, const tarn_batch *b, const uint8_t *keep, int64_t kept,
                      tarn_error *err)
{
    if (kept == b->nrows)
        return jobs_parts_write(&run->parts, b, err);
    if (kept == 0)
        return TARN_OK;
    if (!run->filtered_ready) {
        tarn_batch_init(&run->filtered, &run->in.out, 0);
        run->filtered_ready = true;
    }
    tarn_batch_reset(&run->filtered);
    jobs_batch_append_kept(&run->filtered, b, keep);
    return jobs_parts_write(&run->parts, &run->filtered, err);
}

/* The in-memory decision for one batch; TARN_ERR_LIMIT when the set of
** distinct rows would pass the budget. */
static int consume_stream(cl_run *run, cl_slot *s, int64_t *kept, tarn_error *err)
{
    const dd_rows *r = &s->rows;
    for (int64_t i = 0; i < r->n; i++) {
        if (i + 8 < r->n)
            dd_set_prefetch(&run->set, r->hash[i + 8]);
        int a = dd_set_add(&run->set, r->hash[i], r->bytes.data + r->off[i],
                           (size_t)(r->off[i + 1] - r->off[i]), run->dd_budget);
        if (a < 0)
            return tarn_error_set(err, TARN_ERR_LIMIT, "the distinct rows passed the memory budget");
        run->keep[i] = a == 0;
        *kept += a == 0;
    }
    run->dups += r->n - *kept;
    return TARN_OK;
}

/* On the calling thread, in input order. */
static int consume(void *ud, int part, jobs_slot *js, tarn_error *err)
{
    cl_run *run = ud;
    cl_slot *s = js->work;
    const tarn_batch *b = &s->cb.view;
    int64_t n = b->nrows, kept = 0;
    if (run->pass != PASS_WRITE)
        for (int c = 0; c < run->in.out.ncols; c++)
            run->cast_errors[c] += s->cast_errors[c];
    if (n > run->keep_cap) {
        run->keep_cap = n;
        run->keep = tarn_xrealloc(run->keep, (size_t)n);
    }
    int rc = TARN_OK;
    if (run->pass == PASS_SPILL) {
        rc = dd_spill_add(run->spill, &s->rows, run->row, err);
    } else if (run->pass == PASS_STREAM) {
        rc = consume_stream(run, s, &kept, err);
    } else {
        for (int64_t i = 0; i < n; i++) {
            int64_t r = run->row + i;
            run->keep[i] = !((run->dropped[r >> 3] >> (r & 7)) & 1);
            kept += run->keep[i];
        }
    }
    if (!rc && run->pass != PASS_SPILL)
        rc = write_kept(run, b, run->keep, kept, err);
    run->row += n;
    return rc;
}

/* ---- passes ---- */

static int run_pass(cl_run *run, enum pass pass, tarn_error *err)
{
    run->pass = pass;
    run->row = 0;
    jobs_pipe_ops ops = {
        .ud = run, .nparts = run->in.nparts, .nthreads = jobs_nthreads(run->env),
        .part_file = part_file, .file_schema = file_schema, .open = open_part,
        .slot_new = slot_new, .slot_free = slot_free, .work = work, .consume = consume,
    };
    return jobs_pipe_run(&ops, err);
}

static void parts_start(cl_run *run)
{
    jobs_parts_init(&run->parts, &run->out, "", &run->in.out, run->a->codec, 0, true,
                    run->a->target_file_bytes);
    run->parts_ready = true;
}

static void parts_drop(cl_run *run)
{
    if (run->parts_ready)
        jobs_parts_free(&run->parts);
    run->parts_ready = false;
}

/* A counting pass starts: zero the counts and mark the readers'. */
static void counts_start(cl_run *run)
{
    memset(run->cast_errors, 0, sizeof *run->cast_errors * (size_t)run->in.out.ncols);
    run->dups = 0;
    cl_input_mark(&run->in);
}

/* One pass with the set in memory; *fits false (and nothing written)
** if the distinct rows passed the budget on the way. */
static int dedupe_in_memory(cl_run *run, bool *fits, tarn_error *err)
{
    parts_start(run);
    counts_start(run);
    dd_set_init(&run->set);
    tarn_error e = {0};
    int rc = run_pass(run, PASS_STREAM, &e);
    bool over = rc == TARN_ERR_LIMIT && strstr(e.msg, "memory budget") != NULL;
    *fits = !over;
    if (over) {
        jobs_log(run->env, "the distinct rows passed the memory budget after %lld rows; "
                 "deduplicating through spill files instead", (long long)run->set.count);
        parts_drop(run);
        rc = TARN_OK;
    } else if (rc) {
        *err = e;
    } else {
        cl_input_cast_errors(&run->in, run->cast_errors);
    }
    dd_set_free(&run->set);
    return rc;
}

static void warn_line(void *ud, const char *line)
{
    jobs_log(ud, "%s", line);
}

/* How many spill files: enough that each holds about half of what one
** thread may keep in memory. */
static int spill_parts(const cl_run *run)
{
    int64_t per = run->dd_budget / jobs_nthreads(run->env) / 2;
    int64_t est = run->in.estimate + run->in.rows * 24;
    int64_t want = est / (per > 0 ? per : 1) + 1;
    int n = 8;
    while (n < want && n < 256)
        n *= 2;
    return n;
}

/* Two passes through spill files (see the file comment). */
static int dedupe_spilled(cl_run *run, tarn_error *err)
{
    int nparts = spill_parts(run);
    jobs_log(run->env, "deduplicating through %d spill files", nparts);
    int rc = dd_spill_open(&run->spill, run->env->store, nparts, err);
    if (rc)
        return rc;
    counts_start(run);
    rc = run_pass(run, PASS_SPILL, err);
    if (!rc) {
        cl_input_cast_errors(&run->in, run->cast_errors);
        rc = dd_spill_finish(run->spill, run->row, run->dd_budget, jobs_nthreads(run->env),
                             &run->dropped, &run->dups, warn_line, (void *)run->env, err);
    }
    dd_spill_free(run->spill);
    run->spill = NULL;
    if (rc)
        return rc;
    parts_start(run);
    return run_pass(run, PASS_WRITE, err);
}

static int check_cast_errors(const cl_run *run, tarn_error *err)
{
    if (!run->a->fail_on_cast_errors)
        return TARN_OK;
    for (int c = 0; c < run->in.out.ncols; c++) {
        if (!run->cast_errors[c])
            continue;
        char t[64];
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%lld values of column '%s' do not cast to %s (with --on_cast_errors "
                              "fail the job stops; use null to read them as NULL and count them)",
                              (long long)run->cast_errors[c], run->in.out.fields[c].name,
                              tarn_type_name(run->in.out.fields[c].type, t, sizeof t));
    }
    return TARN_OK;
}

/* Fill the result's counts, columns and summary. */
static void report(cl_run *run, tarn_job_result *res)
{
    const cl_input *in = &run->in;
    char b1[32], b2[32];
    res->files_in = in->nfiles;
    res->rows_in = in->rows;
    res->rows_rejected = in->rejected;
    res->duplicates = run->dups;
    res->rows_out = run->parts.rows;
    res->bytes_in = in->srcs.bytes;
    res->ncols = in->out.ncols;
    res->cols = tarn_xcalloc((size_t)in->out.ncols + 1, sizeof *res->cols);
    for (int c = 0; c < in->out.ncols; c++) {
        res->cols[c].name = tarn_xstrdup(in->out.fields[c].name);
        res->cols[c].type = in->out.fields[c].type;
        res->cols[c].nulls = run->parts.nulls[c];
        res->cols[c].cast_errors = run->cast_errors[c];
    }
    jobs_summary(res, "read %d file%s (%s): %lld rows, %lld rejected%s", in->nfiles,
                 in->nfiles == 1 ? "" : "s", jobs_bytes_str(res->bytes_in, b1, sizeof b1),
                 (long long)res->rows_in, (long long)res->rows_rejected,
                 res->rows_rejected ? " (see _errors/errors.jsonl)" : "");
    jobs_summary(res, "dropped %lld duplicate rows", (long long)res->duplicates);
    for (int c = 0; c < in->out.ncols; c++)
        if (run->cast_errors[c])
            jobs_summary(res, "column %s: %lld values did not cast and became NULL",
                         in->out.fields[c].name, (long long)run->cast_errors[c]);
    jobs_summary(res, "wrote %lld rows in %d Parquet file%s (%s) to s3://%s/%s",
                 (long long)res->rows_out, run->parts.nfiles, run->parts.nfiles == 1 ? "" : "s",
                 jobs_bytes_str(res->bytes_out, b2, sizeof b2), run->out.target.bucket,
                 run->out.target.key);
}

static int clean_run(cl_run *run, tarn_job_result *res, tarn_error *err)
{
    int rc = jobs_output_open(&run->out, run->env, run->a->target_path, err);
    tarn_uri src;
    if (!rc)
        rc = jobs_prefix_parse("source_path", run->a->source_path, &src, err);
    if (!rc)
        rc = jobs_check_disjoint(&src, &run->out.target, err);
    if (!rc)
        rc = cl_input_open(&run->in, run->a, run->env, &run->out, err);
    if (rc)
        return rc;
    run->cast_errors = tarn_xcalloc((size_t)run->in.out.ncols + 1, sizeof *run->cast_errors);
    int64_t budget = run->a->memory_budget_bytes;
    run->dd_budget = budget * 3 / 4 - (64LL << 20);
    if (run->dd_budget < budget / 4)
        run->dd_budget = budget / 4;
    bool fits = run->in.estimate + run->in.rows * 40 <= run->dd_budget;
    if (fits)
        rc = dedupe_in_memory(run, &fits, err);
    if (!rc && !fits)
        rc = dedupe_spilled(run, err);
    if (!rc)
        rc = check_cast_errors(run, err);
    if (!rc)
        rc = jobs_parts_finish(&run->parts, true, err);
    if (!rc)
        rc = cl_input_stage_errors(&run->in, &run->out, err);
    if (!rc)
        rc = jobs_output_commit(&run->out, res, err);
    if (!rc)
        report(run, res);
    return rc;
}

int tarn_job_clean(const tarn_clean_args *args, const tarn_job_env *env, tarn_job_result *res,
                   tarn_error *err)
{
    cl_run run;
    memset(&run, 0, sizeof run);
    run.a = args;
    run.env = env;
    jobs_log(env, "tarn.clean: %s -> %s", args->source_path, args->target_path);
    int rc = clean_run(&run, res, err);
    if (rc)
        jobs_log(env, "tarn.clean failed: %s", err->msg);
    else
        for (const char *l = res->summary; l && *l;) {
            const char *e = strchr(l, '\n');
            jobs_log(env, "%.*s", (int)(e ? e - l : (long)strlen(l)), l);
            l = e ? e + 1 : l + strlen(l);
        }
    parts_drop(&run);
    cl_input_close(&run.in);
    jobs_output_free(&run.out);
    free(run.cast_errors);
    free(run.dropped);
    free(run.keep);
    if (run.filtered_ready)
        tarn_batch_free(&run.filtered);
    return rc;
}
