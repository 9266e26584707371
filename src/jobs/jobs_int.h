/*
** jobs_int.h: what the job files share inside jobs/ and nothing outside
** may use: typed argument lookups (args.c), logging, access checks and
** results (job.c), staging and the commit protocol (commit.c), listing
** source objects (source.c), column range and gather operations and
** spill encoding (colops.c), the ordered parallel reader pipeline
** (pipe.c), schema widening and batch conversion (conform.c), and
** Parquet part files (parts.c).
*/
#ifndef TARN_JOBS_INT_H
#define TARN_JOBS_INT_H

#include <stdio.h>

#include "jobs/jobs.h"

/* ---- args.c ---- */

/* Required non-empty string: TARN_ERR_INVALID "missing job argument --k". */
int jobs_arg_required(const tarn_job_args *a, const char *key, const char **out,
                      tarn_error *err);
/* A byte count (def when absent) of at least min. */
int jobs_arg_bytes(const tarn_job_args *a, const char *key, int64_t def, int64_t min,
                   int64_t *out, tarn_error *err);
/* An integer in [min, max] (def when absent). */
int jobs_arg_int(const tarn_job_args *a, const char *key, int def, int min, int max, int *out,
                 tarn_error *err);
/* The index of the value in the NULL-terminated choices (0 when absent). */
int jobs_arg_choice(const tarn_job_args *a, const char *key, const char *const *choices,
                    int *out, tarn_error *err);
/* --compression (default snappy). */
int jobs_arg_codec(const tarn_job_args *a, tarn_parquet_codec *out, tarn_error *err);
/* Every key must be in the NULL-terminated known list, or be one of
** Glue's own (mixed case or containing '-'); the error lists known ones. */
int jobs_args_check(const tarn_job_args *a, const char *job, const char *const *known,
                    tarn_error *err);
/* Split at commas outside parentheses, trimmed, empty items dropped. */
int jobs_split_list(const char *s, char ***items);

/* ---- job.c ---- */

/* Send one formatted line to the run's log. */
void jobs_log(const tarn_job_env *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ask the access callback about action on bucket/key; a denial becomes
** TARN_ERR_ACCESS with the callback's message (or a default one). */
int jobs_allow(const tarn_job_env *env, const char *action, const char *bucket, const char *key,
               tarn_error *err);
int jobs_nthreads(const tarn_job_env *env);
/* Record a published object. */
void jobs_result_add_file(tarn_job_result *res, const char *bucket, const char *key,
                          int64_t bytes, int64_t rows);
/* Append a line to the summary. */
void jobs_summary(tarn_job_result *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "1.5 MiB" for n bytes into buf. */
const char *jobs_bytes_str(int64_t n, char *buf, size_t size);
/* A target or source URI parsed as bucket + prefix ending in '/' (or ""). */
int jobs_prefix_parse(const char *what, const char *uri, tarn_uri *out, tarn_error *err);
/* Refuse a source prefix that contains the target or lies inside it. */
int jobs_check_disjoint(const tarn_uri *src, const tarn_uri *dst, tarn_error *err);

/* ---- commit.c: staging and publishing (protocol in jobs.h) ---- */

typedef struct jobs_output {
    const tarn_job_env *env;
    tarn_uri target;       /* bucket and prefix T */
    char *staging;         /* S, a key prefix */
    int n, cap;
    char **keys;           /* final keys relative to T */
    int64_t *rows;
    int64_t *bytes;
    bool committed;
} jobs_output;

/* Start an output under target_uri: parse it, check it is a bucket the
** store has, recover earlier runs (step 1), pick S from the run id. */
int jobs_output_open(jobs_output *o, const tarn_job_env *env, const char *target_uri,
                     tarn_error *err);
/* A fresh local path in the store's temporary area for a file that will
** be staged (caller frees). */
int jobs_output_temp(jobs_output *o, const char *hint, char **path, tarn_error *err);
/* Stage the finished local file (fsynced) as the object with final key T +
** relkey; consumes the file on success. rows = -1 for non-table files. */
int jobs_output_add(jobs_output *o, const char *relkey, const char *local_path, int64_t rows,
                    tarn_error *err);
/* Steps 3 to 5: check, decide, publish; records the files in res. */
int jobs_output_commit(jobs_output *o, tarn_job_result *res, tarn_error *err);
/* Free o; without a commit, delete what was staged (the run failed). */
void jobs_output_free(jobs_output *o);

/* ---- source.c: the objects a job reads ---- */

typedef struct jobs_source {
    char *key;             /* object key */
    char *uri;             /* s3://bucket/key, for messages */
    char *path;            /* the local file holding it */
    int64_t size;
} jobs_source;

typedef struct jobs_sources {
    tarn_uri where;
    int n;
    jobs_source *files;    /* key order */
    int64_t bytes;
} jobs_sources;

/* List the objects under uri (a prefix, or one object's key), skipping
** keys with a segment after the prefix that starts with '_' or '.', and
** check s3:ListBucket and each s3:GetObject. An empty listing is
** TARN_ERR_NOTFOUND naming the prefix. */
int jobs_sources_list(jobs_sources *s, const tarn_job_env *env, const char *uri,
                      tarn_error *err);
void jobs_sources_free(jobs_sources *s);

/* ---- colops.c: column operations without per-row allocation ---- */

/* Append rows [off, off+n) of src to dst (same type). */
void jobs_column_append_range(tarn_column *dst, const tarn_column *src, int64_t off, int64_t n);
/* Append the rows of src listed in rows[0..n) to dst (same type). */
void jobs_column_gather(tarn_column *dst, const tarn_column *src, const uint32_t *rows,
                        int64_t n);
/* Append rows [off, off+n) of every column; dst->nrows grows by n. */
void jobs_batch_append_range(tarn_batch *dst, const tarn_batch *src, int64_t off, int64_t n);
/* Append the rows whose keep[i] is nonzero, in runs. Returns rows added. */
int64_t jobs_batch_append_kept(tarn_batch *dst, const tarn_batch *src, const uint8_t *keep);
/* Bytes rows [off, off+n) of b hold as uncompressed values (fixed widths,
** string bytes plus 4 per string, a bit per row): what part sizes count. */
int64_t jobs_batch_bytes(const tarn_batch *b, int64_t off, int64_t n);
/* NULLs of c in rows [off, off+n). */
int64_t jobs_column_nulls(const tarn_column *c, int64_t off, int64_t n);

/* Spill encoding: rows [off, off+n) of a batch as one block of bytes,
** appended to out; jobs_batch_decode reads such a block back, appending
** its rows to dst (same schema). Returns TARN_ERR_CORRUPT for a block
** that does not fit the schema. */
void jobs_batch_encode(tarn_buf *out, const tarn_batch *b, int64_t off, int64_t n);
int jobs_batch_decode(tarn_batch *dst, const char *p, size_t len, tarn_error *err);

/* ---- pipe.c: ordered parallel reading ----
**
** A job's input is a sequence of parts (the splits of its files, file by
** file). Worker threads each take the next part, read its batches with a
** cursor and run `work` on each (parse, convert, hash: the parallel
** part); the calling thread runs `consume` on the batches in input order
** (the sequential part). Each worker owns PIPE_SLOTS slots, so memory is
** bounded by threads x slots x batch. */
typedef struct jobs_slot {
    tarn_batch raw;        /* filled by the cursor */
    int raw_file;          /* file whose schema raw was made for, -1 = none */
    void *work;            /* the job's per-slot state */
} jobs_slot;

typedef struct jobs_pipe_ops {
    void *ud;
    int nparts;
    int nthreads;
    /* the file of a part, and that file's schema (raw batches) */
    int (*part_file)(void *ud, int part);
    const tarn_schema *(*file_schema)(void *ud, int file);
    /* a cursor over a part (may run on any worker thread) */
    int (*open)(void *ud, int part, tarn_cursor **cur, tarn_error *err);
    /* per-slot state */
    void *(*slot_new)(void *ud);
    void (*slot_free)(void *ud, void *work);
    /* on a worker, for each batch read; returns a status */
    int (*work)(void *ud, int part, jobs_slot *s, tarn_error *err);
    /* on the calling thread, in input order; returns a status */
    int (*consume)(void *ud, int part, jobs_slot *s, tarn_error *err);
} jobs_pipe_ops;

/* Run the pipeline to the end or the first error (which it returns). */
int jobs_pipe_run(const jobs_pipe_ops *ops, tarn_error *err);

/* ---- conform.c: many files, one schema ---- */

/* The type both a and b widen to (int -> bigint -> double, decimals
** widened to hold both, date -> timestamp, anything else -> string). */
tarn_type jobs_type_widen(tarn_type a, tarn_type b);

/* How one output column is made from a file's columns. */
enum jobs_conv {
    JOBS_CONV_SAME = 0,    /* borrowed as is */
    JOBS_CONV_MISSING,     /* the file lacks it: all NULL */
    JOBS_CONV_WIDEN,       /* lossless numeric or date widening */
    JOBS_CONV_TEXT         /* through text: to string, or a --cast that may fail */
};

typedef struct jobs_conform {
    int ncols;             /* output columns */
    const tarn_schema *out;
    int *src;              /* per output column: source column or -1 */
    uint8_t *conv;         /* enum jobs_conv */
    bool identity;         /* every column SAME, in order */
} jobs_conform;

/* Plan how batches of a file whose columns are named names[0..ns) (after
** renaming) with schema src become batches of out. */
void jobs_conform_plan(jobs_conform *c, const tarn_schema *src, const char *const *names,
                       const tarn_schema *out);
void jobs_conform_free(jobs_conform *c);

/* Per-thread scratch for conversions. */
typedef struct jobs_conform_buf {
    tarn_batch owned;      /* converted columns */
    tarn_batch view;       /* the result: borrowed or owned columns */
    bool ready;
} jobs_conform_buf;

/* Convert in to the output schema in cb->view (valid until the next call
** or until in changes). cast_errors[c] counts values of output column c
** that did not convert and became NULL. */
void jobs_conform_batch(const jobs_conform *c, const tarn_batch *in, jobs_conform_buf *cb,
                        int64_t *cast_errors);
void jobs_conform_buf_free(jobs_conform_buf *cb);

/* ---- parts.c: Parquet part files ----
**
** Writes a stream of batches as folder + "part-00000.parquet", part-00001
** ..., starting a new file once the current one holds target_bytes of
** uncompressed values (jobs_batch_bytes), cut at the exact row, so the
** files depend only on the rows and not on how they were batched. Files
** are written in the store's temporary area and staged on finish. */
typedef struct jobs_parts {
    jobs_output *out;
    char *folder;                  /* relative to T, "" or ending in '/' */
    tarn_schema schema;
    tarn_parquet_write_options popt;
    int64_t target_bytes;
    tarn_parquet_writer *w;
    char *tmp;                     /* the open part's local file */
    int64_t part_bytes, part_rows;
    int nfiles;
    char **files;                  /* finished local files */
    int64_t *file_rows;
    int64_t rows;                  /* rows written in all parts */
    int64_t *nulls;                /* per column */
    tarn_batch cut;                /* scratch for a batch split at a cut */
    bool cut_ready;
} jobs_parts;

/* Start writing. codec and nthreads/background go to the Parquet writer. */
void jobs_parts_init(jobs_parts *p, jobs_output *out, const char *folder, const tarn_schema *s,
                     tarn_parquet_codec codec, int nthreads, bool background,
                     int64_t target_bytes);
int jobs_parts_write(jobs_parts *p, const tarn_batch *b, tarn_error *err);
/* Close the last part and stage every part (an empty stream still makes
** one file when min_one). */
int jobs_parts_finish(jobs_parts *p, bool min_one, tarn_error *err);
/* The two halves of finish: close the last file (thread-safe for distinct
** p), then stage the files (not thread-safe: one output, one thread). */
int jobs_parts_close(jobs_parts *p, bool min_one, tarn_error *err);
int jobs_parts_stage(jobs_parts *p, tarn_error *err);
/* Throw away everything written; free. Safe after finish (frees only). */
void jobs_parts_free(jobs_parts *p);

#endif
