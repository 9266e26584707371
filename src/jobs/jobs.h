/*
** jobs.h: the built-in Glue job types (`Command.Name` tarn.extract,
** tarn.clean, tarn.repartition) as library functions, plus the helpers they
** share with other modules: Glue-style argument maps, Hive partition folder
** escaping (hive.c) and snake_case column names (snake.c).
**
** This is the work a job does, not the job runner: running a job in a
** child process, recording the run in the catalog and retrying belong to
** the runner, which calls tarn_job_run() (or one job function) with:
**
**   - the run's arguments: a tarn_job_args map of Glue-style `--key value`
**     strings (DefaultArguments merged with the run's own);
**   - a tarn_job_env: the object store, the run id, an access-check
**     callback called before every object access (s3:GetObject,
**     s3:PutObject, s3:DeleteObject, s3:ListBucket) so the runner can
**     enforce the job role's IAM policy, and a log callback that receives
**     the run's log one line at a time;
**   - a tarn_job_result it fills: rows and bytes in and out, per-column
**     counts, the files written, and a human summary.
**
** Files: args.c (argument maps), job.c (dispatch, logging, results),
** commit.c (the commit protocol below), extract.c + extract_http.c,
** clean.c + clean_source.c + clean_dedupe.c, repartition.c, hive.c,
** snake.c; and what the jobs share (jobs_int.h): source.c (listing
** inputs), pipe.c (ordered parallel reading), conform.c (one schema for
** many files), colops.c (column ranges and spill blocks), parts.c
** (Parquet part files).
**
** ---- Publishing output: the commit protocol ----
**
** A job's output is the set of objects under its target prefix T (the
** --target_path URI, with a '/' added if missing; "" for a whole bucket).
** A run replaces that set as a whole, so a failed or killed run leaves
** the previous output intact and visible, and a rerun on the same input
** gives the same objects with the same bytes (names are deterministic,
** like part-00000.parquet; no content depends on the time, the run id or
** the machine's CPU count; Parquet's created_by is a constant). With R the
** run id and S = T + "_tarn_staging/" + R + "/":
**
**   1. Recover. Before writing anything the run finishes or undoes what
**      earlier runs left under T + "_tarn_staging/" (step 6).
**   2. Stage. Each output object is written as S + "o-NNNNNN" (numbered in
**      the order produced) while the run keeps its final key in memory.
**      Nothing outside S changes; readers still see the previous output.
**      Names starting with '_' are skipped by tarn's readers, crawlers
**      and by Athena/Hive, so staged objects are never read as data.
**   3. Check. Every s3:PutObject of a final key and s3:DeleteObject of a
**      previous object is checked with the access callback, and the new
**      keys are checked against each other (no key is also a folder of
**      another), all before step 4, so no refusal can stop a commit half
**      way.
**   4. Decide. The manifest S + "_commit" is written in one atomic put:
**      a line "tarn-commit 1 <run id> <count>", then one line per object,
**      "<staged name> <final key relative to T>" with '%', bytes below
**      0x21 and 0x7F written as %XX. Once it exists the run is committed.
**   5. Publish. Every object under T that is not in the new set (and not
**      under T + "_tarn_staging/") is deleted; then each staged object is
**      moved to its final key (a rename in the fs backend, so each key
**      switches atomically from its old to its new bytes); then the
**      manifest is deleted, which removes the emptied S. Between 4 and the
**      end of 5 a reader listing T sees a mix: old objects missing from the
**      new set disappear first, then each key of the new set appears or
**      switches from its old bytes to its new ones.
**   6. Recover (tarn_job_recover, run by step 1 of every later run on T,
**      or by the runner). For each folder S' under T + "_tarn_staging/":
**      with a manifest, redo step 5 from the manifest (roll forward:
**      move what is still staged, delete what is not in the set, delete
**      the manifest); without one, delete every object under S' (roll
**      back: the run died before deciding). Both are idempotent, so a
**      crash during recovery is recovered the same way.
**
** So a crash before the manifest exists leaves the previous output
** untouched (plus staged objects under S, removed by the next recovery);
** a crash after leaves a committed run whose publication the next
** recovery finishes. Runs writing the same T must not overlap (the runner
** runs one at a time per job, like MaxConcurrentRuns 1); a second run
** would roll back the first one's staging. Sources may not lie inside T
** (nor T inside a source): publishing would delete them.
*/
#ifndef TARN_JOBS_H
#define TARN_JOBS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "core/core.h"
#include "format/format.h"
#include "store/store.h"
#include "table/table.h"

/* ---- arguments (args.c) ---- */

/* A map of Glue-style job arguments. Keys are stored without the leading
** "--"; every key and value is an owned copy. A job's parser refuses a
** lower-case key it does not know (naming it and the keys it takes) and
** ignores Glue's and the runner's own keys, which hold upper-case letters
** or '-' (--TempDir, --job-language, --JOB_RUN_ID). */
typedef struct tarn_job_args {
    int n, cap;
    char **keys;
    char **vals;
} tarn_job_args;

void tarn_job_args_init(tarn_job_args *a);
void tarn_job_args_free(tarn_job_args *a);
/* Set key (with or without its leading "--") to value; a later set of the
** same key replaces the earlier value. Both are copied. */
void tarn_job_args_set(tarn_job_args *a, const char *key, const char *value);
/* The value of key (with or without "--"), or NULL. Valid until the key
** is set again or the map is freed. */
const char *tarn_job_args_get(const tarn_job_args *a, const char *key);
/* Add the `--key value` (or `--key=value`) pairs of argv[0..argc).
** TARN_ERR_INVALID, naming the argument, for a word that is not a --key
** or a key without a value. */
int tarn_job_args_parse(tarn_job_args *a, int argc, char *const *argv, tarn_error *err);

/* A byte count: digits with an optional suffix K, M, G, T (powers of
** 1024; KB/KiB, MB/MiB... accepted too). TARN_ERR_INVALID names the key. */
int tarn_job_parse_bytes(const char *key, const char *s, int64_t *out, tarn_error *err);

/* ---- environment and results (job.c) ---- */

/* The actions the access callback is asked about. */
#define TARN_S3_GET_OBJECT "s3:GetObject"
#define TARN_S3_PUT_OBJECT "s3:PutObject"
#define TARN_S3_DELETE_OBJECT "s3:DeleteObject"
#define TARN_S3_LIST_BUCKET "s3:ListBucket"

/* Called before every object access: action is one of the TARN_S3_*
** names, key the object's key (for s3:ListBucket the listed prefix).
** Return TARN_OK to allow; anything else denies, and the job fails with
** TARN_ERR_ACCESS and the message the callback put in err. */
typedef int (*tarn_job_allow_fn)(void *ud, const char *action, const char *bucket,
                                 const char *key, tarn_error *err);
/* Receives the run's log, one line (no newline) per call. */
typedef void (*tarn_job_log_fn)(void *ud, const char *line);

typedef struct tarn_job_env {
    tarn_store *store;        /* where every s3:// path lives */
    const char *run_id;       /* names the staging folder: letters, digits,
                                 '-', '_', '.'; NULL = made from pid and time */
    tarn_job_allow_fn allow;  /* NULL = allow everything */
    void *allow_ud;
    tarn_job_log_fn log;      /* NULL = no log */
    void *log_ud;
    int nthreads;             /* worker threads; 0 = one per CPU */
} tarn_job_env;

/* One column of the output, with what the job counted in it. */
typedef struct tarn_job_column {
    char *name;            /* output name (after renaming) */
    tarn_type type;
    int64_t nulls;         /* NULL values in the rows written */
    int64_t cast_errors;   /* values that did not cast and became NULL */
} tarn_job_column;

/* One published object. */
typedef struct tarn_job_file {
    char *uri;             /* s3://bucket/key */
    int64_t bytes;
    int64_t rows;          /* -1 when not a table file (extract) */
} tarn_job_file;

typedef struct tarn_job_result {
    int64_t files_in;      /* source objects read (extract: entries unpacked) */
    int64_t rows_in;       /* rows read (not counting rejected rows) */
    int64_t rows_rejected; /* rows that could not be parsed (_errors/) */
    int64_t duplicates;    /* exact duplicate rows dropped (clean) */
    int64_t rows_out;
    int64_t bytes_in;      /* bytes downloaded or read from sources */
    int64_t bytes_out;     /* bytes of the objects published */
    int64_t partitions;    /* partition folders written (repartition) */
    int ncols;
    tarn_job_column *cols; /* owned; the output columns */
    int nfiles;
    tarn_job_file *files;  /* owned; the objects published, in key order */
    char *summary;         /* owned; a few human-readable lines */
} tarn_job_result;

/* Release everything res owns and zero it. NULL-safe. */
void tarn_job_result_free(tarn_job_result *res);

/* Whether command is a built-in job type ("tarn.extract", ...). */
bool tarn_job_is_builtin(const char *command);
/* Parse args for the built-in job `command` and run it. res is zeroed
** first and filled on success (on failure it may hold partial counts; the
** caller frees it either way). Returns TARN_OK or the job's error. */
int tarn_job_run(const char *command, const tarn_job_args *args, const tarn_job_env *env,
                 tarn_job_result *res, tarn_error *err);
/* Step 6 of the commit protocol for the output prefix target_uri: finish
** committed publications, remove uncommitted staging. Logs what it did. */
int tarn_job_recover(const tarn_job_env *env, const char *target_uri, tarn_error *err);

/* ---- tarn.extract (extract.c) ----
**
** Download --source_url (http, https, file:// or s3://) and store it under
** --target_path: a zip, tar, gzip or tar.gz archive (recognized by its
** content, not its name) is unpacked, each entry becoming the object
** T + <entry name>; anything else is stored as is, named after the last
** segment of the URL path. HTTP follows up to 10 redirects and retries
** connect failures, timeouts, 5xx and 429 answers http_retries times with
** doubling delays; any other 4xx fails at once ("HTTP 404 Not Found from
** <url>"). Entries that would leave the target (absolute names, ".."
** segments, links) fail the job naming the entry, as does passing
** max_unpacked_bytes (which bounds the download too). Everything streams
** through fixed-size buffers. */
typedef struct tarn_extract_args {
    const char *source_url;      /* --source_url (required) */
    const char *target_path;     /* --target_path s3://bucket/prefix/ (required) */
    int64_t max_unpacked_bytes;  /* --max_unpacked_bytes; default 10 GiB */
    int http_retries;            /* --http_retries; default 3 */
    int retry_delay_ms;          /* --retry_delay_ms before the first retry,
                                    doubling each time; default 1000 */
    int timeout_s;               /* --timeout_seconds: connect timeout, and
                                    the longest stall of a transfer; 60 */
} tarn_extract_args;

/* Fill out from a (strings point into a). Missing required keys and bad
** values are TARN_ERR_INVALID with the key's name. */
int tarn_extract_args_parse(const tarn_job_args *a, tarn_extract_args *out, tarn_error *err);
int tarn_job_extract(const tarn_extract_args *args, const tarn_job_env *env,
                     tarn_job_result *res, tarn_error *err);

/* ---- tarn.clean (clean.c) ----
**
** Read every CSV, JSON-lines or Parquet object under --source_path (in key
** order; names with a segment starting with '_' or '.' are skipped),
** rename columns to snake_case (tarn_snake_names), apply --cast, widen the
** files' schemas to a common one (int -> bigint -> double, date ->
** timestamp, anything else -> string; a column missing from a file is
** NULL there), drop exact duplicate rows keeping the first occurrence in
** input order, and write snappy Parquet parts T + "part-NNNNN.parquet".
** Rows that cannot be parsed go to T + "_errors/errors.jsonl" (one JSON
** object per row: file, line, reason, text), or fail the job with
** on_bad_rows fail. Values that do not cast become NULL and are counted
** per column, or fail the job with on_cast_errors fail. Duplicates are
** found in memory when the rows fit memory_budget_bytes, else through
** hash-partitioned spill files (clean.c); the output is the same. */
typedef struct tarn_job_cast {
    char *column;                /* name after renaming; owned */
    tarn_type type;
} tarn_job_cast;

typedef struct tarn_clean_args {
    const char *source_path;     /* --source_path s3://bucket/prefix/ (required) */
    const char *target_path;     /* --target_path (required) */
    tarn_job_cast *casts;        /* --cast col:type[,col:type...]; owned */
    int ncasts;
    int64_t memory_budget_bytes; /* --memory_budget_bytes; default 1 GiB */
    int64_t target_file_bytes;   /* --target_file_bytes: a part file is cut
                                    once its rows hold this many bytes of
                                    uncompressed values; default 1 GiB */
    bool fail_on_bad_rows;       /* --on_bad_rows skip (default) | fail */
    bool fail_on_cast_errors;    /* --on_cast_errors null (default) | fail */
    tarn_parquet_codec codec;    /* --compression; default snappy */
} tarn_clean_args;

int tarn_clean_args_parse(const tarn_job_args *a, tarn_clean_args *out, tarn_error *err);
void tarn_clean_args_free(tarn_clean_args *a);
int tarn_job_clean(const tarn_clean_args *args, const tarn_job_env *env, tarn_job_result *res,
                   tarn_error *err);

/* ---- tarn.repartition (repartition.c) ----
**
** Read the Parquet objects under --source_path and write them as Hive
** partition folders under --target_path: for --partition_keys k1,k2 the
** rows go to T + "k1=v1/k2=v2/part-00000.parquet" (key names lower-case,
** values escaped by tarn_hive_escape, NULL and "" as
** __HIVE_DEFAULT_PARTITION__), without the key columns, in input order.
** A partition gets a further part file each time its rows pass
** target_file_bytes of uncompressed values. Rows are bucketed by partition
** in memory and spilled to disk past the budget, so any number of
** partitions fits. */
typedef struct tarn_repartition_args {
    const char *source_path;     /* --source_path (required) */
    const char *target_path;     /* --target_path (required) */
    char **keys;                 /* --partition_keys a,b (required); owned */
    int nkeys;
    int64_t target_file_bytes;   /* --target_file_bytes; default 128 MiB */
    int64_t memory_budget_bytes; /* --memory_budget_bytes; default 1 GiB */
    tarn_parquet_codec codec;    /* --compression; default snappy */
} tarn_repartition_args;

int tarn_repartition_args_parse(const tarn_job_args *a, tarn_repartition_args *out,
                                tarn_error *err);
void tarn_repartition_args_free(tarn_repartition_args *a);
int tarn_job_repartition(const tarn_repartition_args *args, const tarn_job_env *env,
                         tarn_job_result *res, tarn_error *err);

/* ---- Hive partition folders (hive.c) ----
**
** Escaping as Hive's FileUtils.escapePathName does: bytes 0x01-0x1F, '"'
** '#' '%' '\'' '*' '/' ':' '=' '?' '\\' 0x7F '{' '[' ']' '^' become '%'
** and two upper-case hex digits; everything else (spaces, non-ASCII UTF-8)
** stays. tarn also escapes 0x00 (%00), which Hive never meets but an
** object key cannot hold. Unescaping decodes every '%' followed by two hex
** digits (either case) and keeps any other '%' as it is, as Hive does. */
#define TARN_HIVE_DEFAULT_PARTITION "__HIVE_DEFAULT_PARTITION__"

/* Whether byte c is escaped. */
bool tarn_hive_needs_escape(unsigned char c);
/* Append the escaped form of s[0..n) to out. TARN_ERR_LIMIT if out's limit
** would be passed (out unchanged then). */
int tarn_hive_escape(tarn_buf *out, const char *s, size_t n);
/* Append the unescaped form of s[0..n) to out (never longer than n). */
int tarn_hive_unescape(tarn_buf *out, const char *s, size_t n);
/* Append one folder name "key=value": key lower-cased (ASCII) and escaped,
** value escaped, or __HIVE_DEFAULT_PARTITION__ when value is NULL or n is
** 0. No trailing '/'. */
int tarn_hive_folder(tarn_buf *out, const char *key, const char *value, size_t n);

/* ---- snake_case column names (snake.c) ----
**
** tarn_snake_case: trim blanks; fold accented Latin letters to ASCII with
** a table covering Latin-1 Supplement and Latin Extended-A (e -> e for
** é è ê ë, c for ç, ss for ß, ae for æ, oe for œ, th for þ, ...); lower-case;
** turn every run of other characters (punctuation, spaces, other
** scripts, invalid UTF-8) into one '_'; strip leading and trailing '_';
** prefix "c_" when the result starts with a digit (Athena needs quotes
** around names that start with a digit or an underscore, so neither '_'
** nor a bare digit is used); an empty result is "col". Examples:
** "Date_reported" -> date_reported, " Notes " -> notes, "Source URL" ->
** source_url, "Côte" -> cote, "1st" -> c_1st, "%" -> col.
**
** tarn_snake_names: the names of a whole schema, made unique: a name
** already taken gets the first free suffix _2, _3, ...; a name that is
** unique keeps its form even if an earlier duplicate would have taken its
** suffixed form (["a", "a", "a_2"] -> a, a_3, a_2). */
#define TARN_SNAKE_MAX 255   /* longest name produced, in bytes */

/* Append the snake_case form of s[0..n) to out (at most TARN_SNAKE_MAX
** bytes, cut at a character boundary). */
void tarn_snake_case(tarn_buf *out, const char *s, size_t n);
/* The unique snake_case names of names[0..n): a malloc'ed array of n
** malloc'ed strings (free with tarn_snake_names_free). */
char **tarn_snake_names(const char *const *names, int n);
void tarn_snake_names_free(char **names, int n);

/* ---- the job runner (runner.c, runner_child.c, pythonshell.c, runner_misc.c) ----
**
** Runs the jobs of the catalog's jobs table (AWS::Glue::Job) as Glue does:
** a run is recorded in job_runs (STARTING -> RUNNING -> final), executes
** in its own child process (fork, no exec; the child opens its own
** catalog connection and store, never the parent's), writes its log to
** <home>/logs/job-<run id>.log, and every object access is checked
** against the job's role (iam/). Timeout (minutes) ends a run TIMEOUT;
** MaxRetries starts a new attempt (a new run id whose previous_run_id is
** the failed one) after FAILED (not after TIMEOUT or STOPPED, as Glue);
** MaxConcurrentRuns refuses a start beyond the limit
** ("ConcurrentRunsExceededException: ..."). Children die with their
** parent (PR_SET_PDEATHSIG), so a killed tarn leaves runs that
** tarn_job_runs_reap marks FAILED. Each child runs in its own process
** group, so a terminal's Ctrl-C reaches tarn, which stops the run
** (tarn_job_start_opts.cancel), and not the job directly.
**
** A run's child records RUNNING and then its result (state, counts,
** error) in its job_runs row itself, leaves the human summary beside its
** log (tarn_job_run_summary), and exits 0 or with the job's tarn status;
** the parent reaps it and records only what the child could not: a crash
** ("run crashed: signal N"), a timeout, a stop. pythonshell runs
** `python3 SCRIPT --key value ...` (the script fetched from
** Command.ScriptLocation after an s3:GetObject check) with TARN_HOME and
** TARN_BIN (/proc/self/exe) set; every run gets --JOB_NAME and
** --JOB_RUN_ID besides its own arguments.
**
** The caller of tarn_job_start must not have other threads running (it
** forks), must keep env->cat open until the run is done (SQLite's lock
** bookkeeping is per process and the child inherits the parent's, so the
** child's connection relies on the parent's locks), and must not be inside
** a transaction or a statement on env->cat when it starts or polls. The
** functions below are for one parent process; a handle is not shared
** between threads. */
typedef struct tarn_job_handle tarn_job_handle;

/* Where runs execute: the state home (catalog.db, buckets/, logs/) and the
** parent's open store and catalog (used in the parent only; a handle
** keeps using cat, so it must stay open until the handle is freed). */
typedef struct tarn_runner_env {
    const char *home;
    tarn_store *store;
    tarn_catalog *cat;
} tarn_runner_env;

/* What one start asks for. Every field may be NULL / 0. */
typedef struct tarn_job_start_opts {
    const tarn_job_args *args;     /* run arguments, over DefaultArguments */
    const char *trigger_name;      /* recorded on the run */
    const char *workflow_run_id;   /* recorded on the run */
    int64_t timeout_ms;            /* > 0: overrides the job's Timeout (tests) */
    volatile sig_atomic_t *cancel; /* tarn_job_run_wait stops the run (STOPPED)
                                      once *cancel is non-zero (a SIGINT
                                      handler sets it); NULL: never */
} tarn_job_start_opts;

/* Start a run of job `name` and return at once with *out set. Fails
** before any run is recorded when the job is missing (TARN_ERR_NOTFOUND,
** "EntityNotFoundException: job 'x' does not exist"), its command is
** glueetl or unknown, its role is missing or does not trust
** glue.amazonaws.com, or MaxConcurrentRuns runs are active (counted after
** tarn_job_runs_reap). Once the run is recorded the start succeeds: a
** failure to fork is then the run's FAILED state, seen through poll. The
** handle borrows env->cat; free it with tarn_job_handle_free. */
int tarn_job_start(const tarn_runner_env *env, const char *name, const tarn_job_start_opts *o,
                   tarn_job_handle **out, tarn_error *err);
/* The id of the handle's current attempt (changes when a retry starts). */
const char *tarn_job_handle_run_id(const tarn_job_handle *h);
/* Advance the run: reap an ended child, record its result, end an attempt
** past its timeout, start a retry. Waits at most wait_ms (0: never
** blocks). *done is true once the last attempt is final; *state is the
** current attempt's state. */
int tarn_job_poll(tarn_job_handle *h, int wait_ms, bool *done, tarn_job_state *state,
                  tarn_error *err);
/* Stop the run: SIGTERM, then SIGKILL after 5 s; the run ends STOPPED
** (unless it ended on its own first) and is not retried. Blocks until the
** child is reaped. A run already done is left as it is. */
int tarn_job_stop(tarn_job_handle *h, tarn_error *err);
/* Free the handle (a run still going is stopped first). */
void tarn_job_handle_free(tarn_job_handle *h);
/* Start, then poll until done. *final_run_id (may be NULL) gets the last
** attempt's id. Returns TARN_OK when the run SUCCEEDED, else the start's
** error, or for a run that ended otherwise a non-zero status (the child's
** own code when it reported one, TARN_ERR_LIMIT for TIMEOUT) with err
** holding "job 'x' run <id> <STATE>: <the run's error message>". */
int tarn_job_run_wait(const tarn_runner_env *env, const char *name, const tarn_job_start_opts *o,
                      char final_run_id[TARN_CATALOG_ID_MAX], tarn_error *err);
/* Mark STARTING/RUNNING runs whose process is gone FAILED with "run
** interrupted: process N ended without recording a result". A STARTING
** run without a pid is left alone for its first minute (its starter may
** still be about to fork). */
int tarn_job_runs_reap(tarn_catalog *cat, tarn_error *err);

/* Start a run that outlives the caller (`tarn job run --no-wait`): a
** detached supervisor process (double fork, own session, own catalog and
** store) does tarn_job_start and polls the run to its end (timeout,
** crash, retries), so the run is recorded to completion after the caller
** exits. Returns once the first attempt is recorded, with its id in
** run_id, or the start's error (as tarn_job_start's). Only env->home is
** used, and env->cat must be NULL: the caller closes its catalog first,
** because SQLite's per-process lock bookkeeping must not cross into a
** process that outlives the caller (its WAL could be deleted under it). */
int tarn_job_start_detached(const tarn_runner_env *env, const char *name,
                            const tarn_job_start_opts *o, char run_id[TARN_CATALOG_ID_MAX],
                            tarn_error *err);

/* The log file of a run: "<home>/logs/job-<run id>.log" (malloc'd). */
char *tarn_job_log_path(const char *home, const char *run_id);
/* The human summary a run's child left (tarn_job_result.summary, kept in
** "<home>/logs/job-<run id>.summary" because job_runs has no column for
** it): *out is a malloc'd string, "" when the run left none. */
int tarn_job_run_summary(const char *home, const char *run_id, char **out, tarn_error *err);

/* One job with its latest run, for listings (`tarn job list`). */
typedef struct tarn_job_info {
    char *name;
    char *command;            /* Command.Name */
    char *role;
    char *last_run_id;        /* NULL when never run */
    tarn_job_state last_state;
    int64_t last_started_on;  /* 0 when never run */
} tarn_job_info;

/* Every job of the catalog in name order with its newest run. Free with
** tarn_job_info_list_free. */
int tarn_job_list(tarn_catalog *cat, tarn_job_info **out, size_t *n, tarn_error *err);
void tarn_job_info_list_free(tarn_job_info *jobs, size_t n);

/* ---- test hooks ----
** Tests set these to reach paths real data rarely takes; all default off. */

/* Row hashes used by clean's duplicate detection are ANDed with this mask
** (default all ones), so a small mask forces hash collisions between
** different rows. */
extern uint64_t tarn_jobs_test_hash_mask;
/* When >= 0, a commit stops after moving this many objects as if the
** process died there (returns TARN_ERR_INTERNAL, leaving the manifest and
** the rest staged for recovery). Default -1. */
extern int tarn_jobs_test_commit_stop;
/* Which way clean finds duplicates: 0 (default) by the memory budget; 1
** in memory; 2 candidates by hash through spill files, then compared in
** memory; 3 whole rows through spill files. */
extern int tarn_jobs_test_dedupe_path;

#endif
