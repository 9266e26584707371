/*
** clean_int.h: what the clean job's files share (private to jobs/): exact
** duplicate detection (clean_dedupe.c), the source files with their
** renamed, cast and widened schema (clean_source.c).
*/
#ifndef TARN_JOBS_CLEAN_INT_H
#define TARN_JOBS_CLEAN_INT_H

#include "jobs/jobs_int.h"

/* ---- clean_dedupe.c: exact duplicate rows ----
**
** A row's canonical bytes: a NULL bitmap (a bit per column), then each
** non-NULL value: fixed-width types as their bytes (every NaN as one
** NaN), strings as a LEB128 length and the bytes. Two rows are duplicates
** exactly when their canonical bytes are equal; a 64-bit hash of their
** values, computed a column at a time (ANDed with
** tarn_jobs_test_hash_mask), finds candidates, and a candidate
** is confirmed by comparing the bytes, so a hash collision never drops a
** row. */

typedef struct dd_rows {
    int64_t n;             /* rows encoded */
    int64_t cap;
    tarn_buf bytes;        /* the rows one after another */
    int64_t *off;          /* n+1 offsets into bytes */
    uint64_t *hash;        /* n hashes */
} dd_rows;

/* Encode the rows of b whose sel[i] is set (every row if sel is NULL),
** replacing what r held; other rows get no bytes and hash 0. */
void dd_rows_encode(dd_rows *r, const tarn_batch *b, const uint8_t *sel);
/* Only the hashes (what encode also computes): r->n and r->hash, no
** bytes. A row's hash depends on its values alone, so equal rows (equal
** canonical bytes) always hash alike. */
void dd_rows_hash(dd_rows *r, const tarn_batch *b, const uint8_t *sel);
void dd_rows_free(dd_rows *r);

/* A set of rows: a hash table of (hash, reference) over an arena that
** keeps one copy of each distinct row. */
typedef struct dd_set {
    uint64_t *tab;         /* 2 words per slot: hash, reference+1 (0 = empty) */
    uint64_t mask;         /* slots - 1 */
    int64_t count;
    char **chunks;         /* the arena */
    int nchunks, chunk_cap;
    size_t used;           /* bytes used in the last chunk */
    size_t last_size;      /* size of the last chunk */
    int64_t bytes;         /* memory held: table and chunks */
} dd_set;

void dd_set_init(dd_set *s);
void dd_set_free(dd_set *s);
/* Add a row unless it is there. Returns 1 if an equal row was there
** already (nothing added), 0 if it was added, -1 if adding it would take
** the set past limit bytes (nothing added). */
int dd_set_add(dd_set *s, uint64_t hash, const char *row, size_t len, int64_t limit);
static inline void dd_set_prefetch(const dd_set *s, uint64_t hash)
{
    if (s->tab)
        __builtin_prefetch(&s->tab[2 * (hash & s->mask)]);
}

/* Partitioned duplicate detection for inputs whose rows do not fit the
** budget: rows go, with their row number, to one of nparts spill files
** by hash; each file is then deduplicated on its own (split further by
** more hash bits if its distinct rows still do not fit), and the result
** is the set of row numbers to drop. */
typedef struct dd_spill dd_spill;

/* tmp_store: where spill files are made (the store's temporary area). */
int dd_spill_open(dd_spill **out, tarn_store *tmp_store, int nparts, tarn_error *err);
/* Add the encoded rows of one batch, the first being row number base. */
int dd_spill_add(dd_spill *sp, const dd_rows *r, int64_t base, tarn_error *err);
/* Deduplicate every partition with nthreads threads, each within budget
** bytes. *dropped (malloc'ed, caller frees) becomes a bitmap over
** total_rows rows, a bit set for each row to drop; *ndropped counts them.
** warn, if not NULL, receives a line when files had to be split, and when
** a partition cannot be brought under the budget (all its rows share a
** handful of hashes). */
int dd_spill_finish(dd_spill *sp, int64_t total_rows, int64_t budget, int nthreads,
                    uint8_t **dropped, int64_t *ndropped,
                    void (*warn)(void *ud, const char *line), void *warn_ud, tarn_error *err);
void dd_spill_free(dd_spill *sp);

/* Candidates: rows whose hash some other row shares, found from the
** hashes alone (16 bytes a row in spill files, partitioned by hash, each
** partition counted in a hash table). Every row that is not a candidate
** is unique; only candidates need their bytes compared. */
typedef struct dd_hspill dd_hspill;

int dd_hspill_open(dd_hspill **out, tarn_store *tmp_store, int nparts, tarn_error *err);
/* Add the hashes of one batch's rows, the first being row number base. */
int dd_hspill_add(dd_hspill *h, const dd_rows *r, int64_t base, tarn_error *err);
/* *cand (malloc'ed) becomes a bitmap over total_rows rows with the
** candidates set; *ncand counts them. */
int dd_hspill_finish(dd_hspill *h, int64_t total_rows, int nthreads, uint8_t **cand,
                     int64_t *ncand, tarn_error *err);
void dd_hspill_free(dd_hspill *h);

/* ---- clean_source.c: the input files and their common schema ---- */

/* The CSV reader cuts a file into splits by a size that depends on its
** thread count, and the Parquet writer checks its byte limit for a row
** group once per batch; a fixed count keeps the batches, and so even a
** row group cut by bytes, the same on every machine. */
#define CLEAN_READ_THREADS 4

typedef struct cl_file {
    const jobs_source *src;
    tarn_reader *r;
    char **names;          /* the reader's columns renamed */
    int ncols;
    jobs_conform plan;     /* to the output schema */
    int first_part, nparts;
    int64_t *cast_base;    /* reader cast errors per column at pass start */
} cl_file;

typedef struct cl_input {
    const tarn_job_env *env;
    jobs_sources srcs;
    int nfiles;
    cl_file *files;
    tarn_schema out;       /* the output schema */
    int nparts;
    int *part_file, *part_split;
    int64_t rows, rejected;
    int64_t estimate;      /* bytes the rows take as canonical rows, roughly */
    /* rows set aside: the local _errors/errors.jsonl being written */
    char *errors_path;
    int errors_fd;
    bool fail_on_bad;
    char first_bad[768];   /* what the first bad row was, for --on_bad_rows fail */
} cl_input;

/* List and open every source, rename, apply casts, widen to one schema. */
int cl_input_open(cl_input *in, const tarn_clean_args *a, const tarn_job_env *env,
                  jobs_output *out, tarn_error *err);
/* Snapshot the readers' cast error counts before a pass. */
void cl_input_mark(cl_input *in);
/* Add the cast errors counted by readers since the mark to counts (per
** output column). */
void cl_input_cast_errors(const cl_input *in, int64_t *counts);
/* Stage _errors/errors.jsonl if rows were set aside. */
int cl_input_stage_errors(cl_input *in, jobs_output *out, tarn_error *err);
void cl_input_close(cl_input *in);

#endif
