/*
** clean.c: the tarn.clean job (what it does is in jobs.h): its arguments,
** and the passes over the input.
**
** The input (clean_source.c) is read through the ordered pipeline
** (pipe.c): worker threads parse, convert each batch to the output schema
** and encode its rows canonically with their hashes (clean_dedupe.c); the
** calling thread decides, in input order, which rows are duplicates and
** writes the others to the part files. There are three ways to decide:
**
**   - In memory, one pass, when the rows' estimated size fits the budget:
**     a set of the distinct rows seen so far.
**   - By candidates, two passes: the first writes only each row's hash and
**     number to hash-partitioned spill files and finds the rows whose hash
**     another row shares (usually the duplicates and their first
**     occurrences, a few percent); the second reads the input again and
**     compares just those rows in an in-memory set, writing the rest as
**     is.
**   - Through whole-row spill files, three passes, when even the
**     candidates do not fit: rows with their numbers go to hash-
**     partitioned files, each file is deduplicated alone (split further if
**     needed) into a bitmap of rows to drop, and a last pass writes the
**     others.
**
** A way that turns out not to fit after all (the estimates are only
** estimates) throws its partial output away and gives way to the next.
** All three keep the first occurrence and write the same rows in the same
** order, so the output bytes do not depend on the budget.
*/
#include "jobs/clean_int.h"

#include <stdlib.h>
#include <string.h>

/* The passes: one in memory (STREAM); or hashes to spill files (HASH),
** then the candidates compared in memory (VERIFY); or, when even the
** candidates do not fit, whole rows to spill files (SPILL), then the
** output written around the duplicates found (WRITE). */
enum pass { PASS_STREAM, PASS_HASH, PASS_VERIFY, PASS_SPILL, PASS_WRITE };

typedef struct cl_slot {
    jobs_conform_buf cb;
    dd_rows rows;
    uint8_t *cand;         /* VERIFY: the batch's candidate rows */
    int64_t cand_cap;
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
    bool over_budget;      /* the set passed dd_budget */
    dd_hspill *hspill;
    uint8_t *cand;         /* PASS_VERIFY: candidate rows */
    int64_t *part_base;    /* first row number of each part (from PASS_HASH) */
    int64_t *part_off;     /* rows of each part seen by its worker */
    int64_t encoded;       /* bytes of canonical rows (PASS_HASH) */
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
    free(s->cand);
    free(s);
}

/* VERIFY: flag the batch's candidate rows. The part's rows are numbered
** from its base; only this worker reads the part, so part_off is its own. */
static void flag_candidates(cl_run *run, int part, cl_slot *s, int64_t n)
{
    if (n > s->cand_cap) {
        s->cand_cap = n;
        s->cand = tarn_xrealloc(s->cand, (size_t)n);
    }
    int64_t base = run->part_base[part] + run->part_off[part];
    run->part_off[part] += n;
    for (int64_t i = 0; i < n; i++)
        s->cand[i] = (run->cand[(base + i) >> 3] >> ((base + i) & 7)) & 1;
}

/* On a worker: convert to the output schema; encode the rows this pass
** compares. */
static int work(void *ud, int part, jobs_slot *js, tarn_error *err)
{
    cl_run *run = ud;
    cl_slot *s = js->work;
    const cl_file *f = &run->in.files[run->in.part_file[part]];
    memset(s->cast_errors, 0, sizeof *s->cast_errors * (size_t)run->in.out.ncols);
    jobs_conform_batch(&f->plan, &js->raw, &s->cb, s->cast_errors);
    if (run->pass == PASS_VERIFY) {
        flag_candidates(run, part, s, s->cb.view.nrows);
        dd_rows_encode(&s->rows, &s->cb.view, s->cand);
    } else if (run->pass == PASS_HASH) {
        dd_rows_hash(&s->rows, &s->cb.view, NULL);
    } else if (run->pass != PASS_WRITE) {
        dd_rows_encode(&s->rows, &s->cb.view, NULL);
    }
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

/* The in-memory decision for one batch (for the rows flagged in cand, or
** all); TARN_ERR_LIMIT when the set of distinct rows would pass the
** budget. */
static int consume_set(cl_run *run, cl_slot *s, const uint8_t *cand, int64_t *kept,
                       tarn_error *err)
{
    const dd_rows *r = &s->rows;
    for (int64_t i = 0; i < r->n; i++) {
        run->keep[i] = 1;
        if (cand && !cand[i])
            continue;
        if (i + 8 < r->n)
            dd_set_prefetch(&run->set, r->hash[i + 8]);
        int a = dd_set_add(&run->set, r->hash[i], r->bytes.data + r->off[i],
                           (size_t)(r->off[i + 1] - r->off[i]), run->dd_budget);
        if (a < 0) {
            run->over_budget = true;
            return tarn_error_set(err, TARN_ERR_LIMIT, "the distinct rows passed the memory budget");
        }
        run->keep[i] = a == 0;
    }
    for (int64_t i = 0; i < r->n; i++)
        *kept += run->keep[i];
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
    if (run->pass == PASS_STREAM || run->pass == PASS_HASH || run->pass == PASS_SPILL)
        for (int c = 0; c < run->in.out.ncols; c++)
            run->cast_errors[c] += s->cast_errors[c];
    if (n > run->keep_cap) {
        run->keep_cap = n;
        run->keep = tarn_xrealloc(run->keep, (size_t)n);
    }
    int rc = TARN_OK;
    if (run->pass == PASS_HASH) {
        if (run->part_base[part] < 0)
            run->part_base[part] = run->row;
        run->encoded += jobs_batch_bytes(b, 0, n);
        rc = dd_hspill_add(run->hspill, &s->rows, run->row, err);
    } else if (run->pass == PASS_SPILL) {
        rc = dd_spill_add(run->spill, &s->rows, run->row, err);
    } else if (run->pass == PASS_STREAM || run->pass == PASS_VERIFY) {
        rc = consume_set(run, s, run->pass == PASS_VERIFY ? s->cand : NULL, &kept, err);
    } else {
        for (int64_t i = 0; i < n; i++) {
            int64_t r = run->row + i;
            run->keep[i] = !((run->dropped[r >> 3] >> (r & 7)) & 1);
            kept += run->keep[i];
        }
    }
    if (!rc && run->pass != PASS_SPILL && run->pass != PASS_HASH)
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
    run->over_budget = false;
    int rc = run_pass(run, PASS_STREAM, &e);
    bool over = rc == TARN_ERR_LIMIT && run->over_budget;
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

/* Hash spill files for the hash-only pass: each partition's table (about
** 48 bytes a row) should take at most one thread's share of the budget. */
static int hash_parts(const cl_run *run)
{
    int64_t want = run->in.rows * 48 * jobs_nthreads(run->env) / (run->dd_budget + 1) + 1;
    int n = 8;
    while (n < want && n < 256)
        n *= 2;
    return n;
}

/* PASS_HASH then PASS_VERIFY; *ok false (and nothing written) when the
** candidates' rows do not fit the budget either. */
static int dedupe_candidates(cl_run *run, bool *ok, tarn_error *err)
{
    int nparts = hash_parts(run);
    *ok = true;
    int rc = dd_hspill_open(&run->hspill, run->env->store, nparts, err);
    if (rc)
        return rc;
    jobs_log(run->env, "the rows do not fit the memory budget; finding candidate duplicates "
             "by hash through %d spill files", nparts);
    counts_start(run);
    run->encoded = 0;
    for (int p = 0; p < run->in.nparts; p++)
        run->part_base[p] = -1;
    rc = run_pass(run, PASS_HASH, err);
    int64_t ncand = 0, total = run->row;
    if (!rc) {
        cl_input_cast_errors(&run->in, run->cast_errors);
        rc = dd_hspill_finish(run->hspill, total, jobs_nthreads(run->env), &run->cand, &ncand, err);
    }
    dd_hspill_free(run->hspill);
    run->hspill = NULL;
    if (rc)
        return rc;
    int64_t need = total ? ncand * (run->encoded / total + 40) : 0;
    jobs_log(run->env, "%lld of %lld rows share a hash with another row; comparing them",
             (long long)ncand, (long long)total);
    if (need > run->dd_budget) {
        *ok = false;
        return TARN_OK;
    }
    parts_start(run);
    dd_set_init(&run->set);
    run->over_budget = false;
    memset(run->part_off, 0, sizeof *run->part_off * (size_t)run->in.nparts);
    tarn_error e = {0};
    rc = run_pass(run, PASS_VERIFY, &e);
    dd_set_free(&run->set);
    if (rc == TARN_ERR_LIMIT && run->over_budget) {
        parts_drop(run);
        *ok = false;
        return TARN_OK;
    }
    if (rc)
        *err = e;
    return rc;
}

/* Two passes through spill files of whole rows (see the file comment). */
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
        jobs_log(run->env, "spilled %lld rows; finding duplicates partition by partition",
                 (long long)run->row);
        cl_input_cast_errors(&run->in, run->cast_errors);
        rc = dd_spill_finish(run->spill, run->row, run->dd_budget, jobs_nthreads(run->env),
                             &run->dropped, &run->dups, warn_line, (void *)run->env, err);
    }
    if (!rc)
        jobs_log(run->env, "found %lld duplicate rows; writing the rest", (long long)run->dups);
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
    run->part_base = tarn_xcalloc((size_t)run->in.nparts + 1, sizeof *run->part_base);
    run->part_off = tarn_xcalloc((size_t)run->in.nparts + 1, sizeof *run->part_off);
    int64_t budget = run->a->memory_budget_bytes;
    run->dd_budget = budget * 3 / 4 - (64LL << 20);
    if (run->dd_budget < budget / 4)
        run->dd_budget = budget / 4;
    int path = tarn_jobs_test_dedupe_path;
    bool fits = path ? path == 1 : run->in.estimate + run->in.rows * 40 <= run->dd_budget;
    bool ok = fits;
    if (fits)
        rc = dedupe_in_memory(run, &fits, err);
    if (!rc && !fits && path != 3)
        rc = dedupe_candidates(run, &ok, err);
    if (!rc && !ok) {
        jobs_log(run->env, "the candidate duplicates do not fit the memory budget either");
        rc = dedupe_spilled(run, err);
    }
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
    free(run.part_base);
    free(run.part_off);
    free(run.cand);
    dd_hspill_free(run.hspill);
    free(run.dropped);
    free(run.keep);
    if (run.filtered_ready)
        tarn_batch_free(&run.filtered);
    return rc;
}
