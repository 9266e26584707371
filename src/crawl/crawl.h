/*
** crawl.h: Glue crawlers. A crawl lists the objects under each S3 target,
** classifies each one (Parquet from its footer; CSV and JSON lines from a
** sample of at most 1,000 records or 1 MB, gzip or not), groups the files
** into tables and partitions by folder layout and schema similarity, and
** brings the catalog in line with what it found under the crawler's
** SchemaChangePolicy and RecrawlPolicy (AWS-SEMANTICS.md "Glue crawlers").
**
** The work is split so each step can be used and tested alone:
**
**   tarn_crawl_classify_text()  pure: the CSV / JSON classifier over bytes
**   tarn_crawl_classify_object() one object of the store (reads a footer or
**                               a sample only, never the whole object)
**   tarn_crawl_plan()           pure: objects + classifications -> the
**                               tables and partitions a crawl would write
**   tarn_crawl_apply()          a plan -> the catalog, under the policies
**   tarn_crawl_run()            all of it, recorded as a crawl run
**
** Typical use (the config usually comes from an AWS::Glue::Crawler):
**
**     tarn_crawler_config c; tarn_crawler_config_init(&c);
**     tarn_crawl_target t = {.path = "s3://gold/who_covid/"};
**     c.name = "gold-crawler"; c.database = "etl_poc"; c.table_prefix = "gold_";
**     c.targets = &t; c.ntargets = 1;
**     tarn_crawl_result res; tarn_crawl_result_init(&res);
**     if (tarn_crawl_run(store, cat, &c, &res, &err)) ...err.msg...;
**     char line[512]; tarn_crawl_result_summary(&res, line, sizeof line);
**     tarn_crawl_result_free(&res);
**
** Where tarn departs from Glue, on purpose: objects whose name or any
** folder begins with '_' or '.' are skipped (Hive, Spark and Athena treat
** them as hidden: _SUCCESS, _errors/, .crc); Parquet FLOAT columns read as
** double; nested JSON values and nested Parquet fields are typed string.
*/
#ifndef TARN_CRAWL_H
#define TARN_CRAWL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "core/core.h"
#include "store/store.h"
#include "table/table.h"

/* ---- Crawler configuration ------------------------------------------- */

/* SchemaChangePolicy.UpdateBehavior. Zero is Glue's default. */
typedef enum tarn_crawl_update {
    TARN_CRAWL_UPDATE_IN_DATABASE = 0, /* changed tables and partitions are updated */
    TARN_CRAWL_UPDATE_LOG              /* changes are logged, not applied */
} tarn_crawl_update;

/* SchemaChangePolicy.DeleteBehavior: what happens to a table or partition
** whose data is gone. Zero is Glue's default. */
typedef enum tarn_crawl_delete {
    TARN_CRAWL_DEPRECATE_IN_DATABASE = 0, /* parameter DEPRECATED_BY_CRAWLER=<ms time> */
    TARN_CRAWL_DELETE_LOG,                /* logged only */
    TARN_CRAWL_DELETE_FROM_DATABASE       /* deleted */
} tarn_crawl_delete;

/* RecrawlPolicy.RecrawlBehavior. */
typedef enum tarn_crawl_recrawl {
    TARN_CRAWL_EVERYTHING = 0,   /* every folder, every run */
    TARN_CRAWL_NEW_FOLDERS_ONLY  /* only folders no earlier successful run saw;
                                    both behaviours act as LOG */
} tarn_crawl_recrawl;

/* The access check the crawl asks before it lists a target
** ("s3:ListBucket", bucket, prefix) and before it reads an object
** ("s3:GetObject", bucket, key). Return TARN_OK to allow, or a status
** (TARN_ERR_ACCESS) with err filled: the crawl then fails with that error. */
typedef int (*tarn_crawl_allow_fn)(void *ud, const char *action, const char *bucket,
                                   const char *key, tarn_error *err);

/* One S3 target: Targets.S3Targets[i]. */
typedef struct tarn_crawl_target {
    const char *path;               /* s3://bucket[/prefix[/]] */
    const char *const *exclusions;  /* Exclusions: globs matched against the key
                                       relative to path: '*' within a folder
                                       level, '**' across levels, '?', [...]
                                       ([!...] negates), {a,b}, '\' escapes */
    size_t nexclusions;
} tarn_crawl_target;

/* A crawler. Everything is borrowed: the caller keeps the strings alive for
** the duration of the call it passes the config to. */
typedef struct tarn_crawler_config {
    const char *name;          /* crawler name (required) */
    const char *role;          /* Role, recorded on the crawler; NULL = "" */
    const char *database;      /* DatabaseName (required; must exist) */
    const char *table_prefix;  /* TablePrefix; NULL = none */
    const tarn_crawl_target *targets;
    size_t ntargets;
    tarn_crawl_update update_behavior;
    tarn_crawl_delete delete_behavior;
    tarn_crawl_recrawl recrawl;
    /* Configuration.Grouping */
    bool combine_compatible;   /* TableGroupingPolicy: CombineCompatibleSchemas */
    int table_level;           /* TableLevelConfiguration: the absolute folder
                                  depth of every table, the bucket being level
                                  1 (so 2 is a top-level folder); 0 = decided
                                  by schema similarity */
    int nthreads;              /* objects classified at once; 0 = one per CPU */
    tarn_crawl_allow_fn allow; /* NULL = everything allowed */
    void *allow_ud;
    const char *workflow_run_id; /* recorded on the crawl run; NULL = none */
} tarn_crawler_config;

/* Zero c: Glue's defaults (UPDATE_IN_DATABASE, DEPRECATE_IN_DATABASE,
** CRAWL_EVERYTHING, similarity grouping). */
void tarn_crawler_config_init(tarn_crawler_config *c);

/* Policy names as Glue spells them <-> values. Parsers return
** TARN_ERR_INVALID naming the accepted values. */
const char *tarn_crawl_update_name(tarn_crawl_update u);
const char *tarn_crawl_delete_name(tarn_crawl_delete d);
const char *tarn_crawl_recrawl_name(tarn_crawl_recrawl r);
int tarn_crawl_update_parse(const char *s, tarn_crawl_update *out, tarn_error *err);
int tarn_crawl_delete_parse(const char *s, tarn_crawl_delete *out, tarn_error *err);
int tarn_crawl_recrawl_parse(const char *s, tarn_crawl_recrawl *out, tarn_error *err);

/* Read a crawler's Configuration JSON text ({"Version": 1.0, "Grouping":
** {"TableGroupingPolicy": "CombineCompatibleSchemas",
** "TableLevelConfiguration": N}}) into c's grouping fields. NULL or "" leaves
** them alone. Other top-level members Glue defines (CrawlerOutput, ...) are
** accepted and ignored; a malformed value is TARN_ERR_INVALID naming it. */
int tarn_crawl_configuration_parse(const char *json, tarn_crawler_config *c, tarn_error *err);

/* Check a config before a run: name, database, at least one target, each
** path an s3:// URI with a valid bucket, each exclusion a valid glob. */
int tarn_crawl_config_check(const tarn_crawler_config *c, tarn_error *err);

/* Whether key (relative to a target's path) matches the Glue glob pat.
** Returns 1 on a match, 0 on none, or TARN_ERR_INVALID (negated) with err
** filled for a malformed pattern (unclosed '[' or '{', nested braces, more
** than 64 alternatives). Linear in the key's length; never backtracks. */
int tarn_crawl_glob_match(const char *pat, const char *key, tarn_error *err);

/* ---- Classification --------------------------------------------------- */

typedef enum tarn_crawl_format {
    TARN_CRAWL_UNKNOWN = 0,
    TARN_CRAWL_CSV,
    TARN_CRAWL_JSON,      /* JSON lines: one object per line */
    TARN_CRAWL_PARQUET
} tarn_crawl_format;

/* "UNKNOWN", "csv", "json", "parquet": the table's classification. */
const char *tarn_crawl_format_name(tarn_crawl_format f);

#define TARN_CRAWL_SAMPLE_BYTES (1 << 20) /* CSV / JSON sample, after inflating */
#define TARN_CRAWL_SAMPLE_RECORDS 1000    /* CSV records sampled */
#define TARN_CRAWL_MAX_COLUMNS 10000      /* a wider file is UNKNOWN */

/* What the classifier found out about one file. */
typedef struct tarn_crawl_class {
    tarn_crawl_format format;
    bool gzip;                /* CSV / JSON stored gzip-compressed */
    char delimiter;           /* CSV: ',' '|' '\t' ';' or '\x01' */
    bool header;              /* CSV: the first row names the columns */
    bool quoted;              /* CSV: a field of the sample was quoted */
    tarn_schema schema;       /* owned: columns in file order, Glue types */
    int64_t records;          /* Parquet exact; text estimated from the sample */
    bool records_exact;       /* the whole file was read (or Parquet) */
    int64_t avg_record_size;  /* bytes per record (uncompressed for text) */
    int64_t bytes_read;       /* read from the store to classify it (probe and
                                 sample; not the footer the Parquet reader reads) */
    char reason[160];         /* UNKNOWN: why, for the log */
} tarn_crawl_class;

void tarn_crawl_class_init(tarn_crawl_class *c);
void tarn_crawl_class_free(tarn_crawl_class *c);
/* dst becomes a deep copy of src (dst is overwritten, not freed). */
void tarn_crawl_class_copy(tarn_crawl_class *dst, const tarn_crawl_class *src);

/* Glue's built-in classifiers over the text sample data[0..n): JSON lines
** first, then CSV. truncated says the file goes on past the sample (its
** last, partial record is then ignored). Fills out (which must be
** initialized) with the format, dialect, schema, and records and
** avg_record_size for the sample itself; on no match the format is
** TARN_CRAWL_UNKNOWN with reason set. Never fails: any bytes are safe.
**
** CSV, as Glue does it: delimiters tried are ',' '|' tab ';' and \u0001, the
** one whose records all have the same number of fields (at least 2) wins
** (more columns first, then that order); there must be 2 data rows. Values
** are trimmed; each is bigint (64-bit integer), double, boolean (true or
** false, any case), or string (dates too); empty values say nothing. The
** first row is a header only if every field is a non-empty string, every
** field but the last is under 150 characters, each is a valid column name
** (no control characters, at most 255 bytes), and some later row has a
** field that is not a string; else the columns are col0, col1, ...
** JSON lines: each line an object; numbers are int (32-bit), bigint or
** double, true/false boolean, strings string, objects and arrays string;
** columns in order of first appearance. */
void tarn_crawl_classify_text(const char *data, size_t n, bool truncated, tarn_crawl_class *out);

/* Classify the object bucket/key of size bytes, reading only what is needed:
** the first 4 bytes, then the Parquet footer, or a sample of at most
** TARN_CRAWL_SAMPLE_BYTES (inflated, for gzip). Text record counts are
** estimated from the sample. A file no classifier recognizes is
** TARN_OK with format TARN_CRAWL_UNKNOWN (a corrupt Parquet footer
** too); errors are for the store (TARN_ERR_IO, TARN_ERR_NOTFOUND). */
int tarn_crawl_classify_object(tarn_store *st, const char *bucket, const char *key,
                               int64_t size, tarn_crawl_class *out, tarn_error *err);

/* ---- Planning --------------------------------------------------------- */

/* One object of a crawl and its classification (input to the planner). */
typedef struct tarn_crawl_object {
    const char *bucket;
    const char *key;
    int64_t size;
    tarn_crawl_class cls;
} tarn_crawl_object;

/* One table the crawl found, as it would be written to the catalog:
** columns and partition keys, location, classification, SerDe and formats,
** and the crawler's parameters (classification, compressionType,
** typeOfData, recordCount, averageRecordSize, sizeKey, objectCount,
** UPDATED_BY_CRAWLER, CrawlerSchema*Version, and for CSV columnsOrdered,
** areColumnsQuoted, delimiter, skip.header.line.count). Partitions are in
** value order, each with the same parameters counted over its own files. */
typedef struct tarn_crawl_table {
    tarn_cat_table table;            /* owned (tarn_cat_table_free) */
    tarn_cat_partition *partitions;  /* owned */
    size_t npartitions;
    char **folders;                  /* folders (s3://b/p/) holding its files */
    size_t nfolders;
} tarn_crawl_table;

/* What a crawl would write: its tables in name order, and every folder
** that held a crawled object. */
typedef struct tarn_crawl_layout {
    tarn_crawl_table *tables;
    size_t ntables;
    char **folders;                  /* sorted, unique, "s3://bucket/prefix/" */
    size_t nfolders;
    int64_t objects;                 /* objects given */
    int64_t objects_unknown;         /* of which no classifier recognized */
} tarn_crawl_layout;

/* Group objs (each belonging to one of cfg's targets; others are ignored)
** into tables and partitions, without touching the catalog or the store:
** per target, a folder whose files share format and compression, sit at
** one depth, and have similar schemas (at most 5 clusters, the largest
** holding over 70% of its subfolders or files, two schemas being in one
** cluster when over 70% of their column names are shared) becomes one
** table whose subfolders are partitions; otherwise each subfolder is
** considered on its own, and the folder's own files become a table of
** their own. Types of one column in several files widen (int -> bigint ->
** double, decimal -> double, date -> timestamp, anything else -> string).
** Table names are cfg->table_prefix + the folder's name, lower-cased, every
** byte outside [a-z0-9_] made '_'; a name used twice gets a suffix from a
** hash of the location. On success *out is owned by the caller
** (tarn_crawl_layout_free). Fails only for a bad config (TARN_ERR_INVALID). */
int tarn_crawl_plan(const tarn_crawler_config *cfg, const tarn_crawl_object *objs, size_t n,
                    tarn_crawl_layout *out, tarn_error *err);
void tarn_crawl_layout_free(tarn_crawl_layout *l);

/* ---- Applying, running ------------------------------------------------ */

/* What a crawl did. counts are of catalog changes actually made; the log
** holds one line per notable event ("schema change detected ... not
** applied", a deletion logged, an object skipped). */
typedef struct tarn_crawl_result {
    char run_id[TARN_CATALOG_ID_MAX]; /* "cr_<hex>"; "" when not recorded */
    int64_t objects_listed;     /* under the targets */
    int64_t objects_excluded;   /* by Exclusions, or hidden ('_', '.') */
    int64_t objects_old;        /* CRAWL_NEW_FOLDERS_ONLY: in folders crawled before */
    int64_t objects_crawled;    /* classified */
    int64_t objects_unknown;    /* of which no classifier recognized (skipped) */
    int64_t bytes_read;         /* bytes read from the store to classify */
    int64_t tables_created, tables_updated, tables_deleted, tables_deprecated;
    int64_t tables_unchanged;
    int64_t partitions_created, partitions_updated, partitions_deleted,
        partitions_deprecated;
    int64_t changes_logged;     /* changes left undone by a LOG behaviour */
    tarn_buf log;               /* the run's log, '\n'-terminated lines */
    char *log_path;             /* the log file written, or NULL (owned) */
} tarn_crawl_result;

void tarn_crawl_result_init(tarn_crawl_result *r);
void tarn_crawl_result_free(tarn_crawl_result *r);
/* One line: "tables: 1 created, 0 updated, 0 deleted; partitions: 3 added,
** 0 updated, 0 removed; objects: 4 crawled, 0 skipped". Returns buf. */
const char *tarn_crawl_result_summary(const tarn_crawl_result *r, char *buf, size_t n);

/* Bring cfg->database in line with plan, in one transaction (all or
** nothing), under cfg's policies: new tables and partitions are always
** created; a table or partition whose definition changed is updated only
** with UPDATE_IN_DATABASE (else "schema change detected ... not applied" is
** logged); tables this crawler wrote under its targets, and partitions of
** the plan's tables, that the plan no longer has are deleted, marked with
** the parameter DEPRECATED_BY_CRAWLER, or logged. With
** CRAWL_NEW_FOLDERS_ONLY nothing is updated or removed. A table of the same
** name at another location is left alone; the new one gets a hash suffix.
** Counts and log lines are added to res. */
int tarn_crawl_apply(tarn_catalog *cat, const tarn_crawler_config *cfg,
                     const tarn_crawl_layout *plan, tarn_crawl_result *res, tarn_error *err);

/* Run the crawler: check cfg, record it in the crawlers table if it is not
** there, refuse if it is already RUNNING (CrawlerRunningException), record
** a crawl run (RUNNING, then SUCCEEDED or FAILED with the error), list the
** targets, classify the objects on cfg->nthreads threads, plan and apply.
** The log is written to <home>/logs/crawl-<run id>.log. res (initialized by
** the caller) gets the counts and the log even on failure. */
int tarn_crawl_run(tarn_store *st, tarn_catalog *cat, const tarn_crawler_config *cfg,
                   tarn_crawl_result *res, tarn_error *err);

/* Store cfg as a row of the crawlers table (targets, policies and
** configuration as Glue's JSON). TARN_ERR_EXISTS if it exists, unless
** replace (which keeps its create time, state and runs). */
int tarn_crawler_put(tarn_catalog *cat, const tarn_crawler_config *cfg, bool replace,
                     tarn_error *err);

/* Delete a crawler and its runs. TARN_ERR_NOTFOUND if absent. */
int tarn_crawler_delete(tarn_catalog *cat, const char *name, tarn_error *err);

/* A crawler as stored in the crawlers table: its config and the strings
** the config borrows (owned here). */
typedef struct tarn_crawler_def {
    tarn_crawler_config cfg;
    char *role;                 /* Role as declared (name or ARN) */
    char *description;          /* NULL if none */
    char *schedule;             /* cron(...) or NULL */
    char *state;                /* READY, RUNNING, STOPPING */
    void *owned;                /* private storage behind cfg's strings */
} tarn_crawler_def;

/* Load crawler name from the crawlers table (load.c). TARN_ERR_NOTFOUND
** ("EntityNotFoundException: crawler 'x' does not exist") if absent. Free
** with tarn_crawler_def_free. */
int tarn_crawler_load(tarn_catalog *cat, const char *name, tarn_crawler_def *out,
                      tarn_error *err);
void tarn_crawler_def_free(tarn_crawler_def *d);

/* Run the stored crawler `name` as Glue would (run_named.c): load it,
** load its role (it must exist and trust glue.amazonaws.com, else
** TARN_ERR_ACCESS naming the role), and tarn_crawl_run it with every
** listing and read checked against the role (tarn_iam_s3_allow): a denial
** is TARN_ERR_ACCESS naming role, action and resource. A role failure is
** reported as the crawl's failure, so it too is recorded as a FAILED run
** and leaves the crawler READY. TARN_ERR_NOTFOUND if there is no such
** crawler (no run is recorded then). workflow_run_id (may be NULL) is
** recorded on the crawl run. res is initialized by the caller and gets
** counts, run id and log even on failure. */
int tarn_crawler_run_by_name(tarn_store *st, tarn_catalog *cat, const char *name,
                             const char *workflow_run_id, tarn_crawl_result *res,
                             tarn_error *err);

/* ---- Crawlers and their runs, for listing (runs.c) ----------------------- */

/* One crawl run as recorded in crawl_runs. */
typedef struct tarn_crawl_run_info {
    char id[TARN_CATALOG_ID_MAX];
    char *crawler;
    char *state;               /* RUNNING, SUCCEEDED, FAILED, CANCELLED */
    char *workflow_run_id;     /* NULL if none */
    int64_t started_on;        /* ms since the epoch */
    int64_t completed_on;      /* 0 while running */
    int64_t tables_created, tables_updated, tables_deleted;
    int64_t partitions_created, partitions_updated, partitions_deleted;
    char *error_message;       /* NULL if none */
    char *log_path;            /* NULL if none */
} tarn_crawl_run_info;

/* One stored crawler with its newest run. */
typedef struct tarn_crawler_info {
    char *name;
    char *role;
    char *database;
    char *table_prefix;        /* NULL if none */
    char **paths;              /* its S3 targets' paths */
    size_t npaths;
    char *state;               /* READY, RUNNING, STOPPING */
    bool has_last;             /* it has run; last is filled */
    tarn_crawl_run_info last;  /* its newest run */
} tarn_crawler_info;

/* Every stored crawler in name order with its newest run. *out is owned by
** the caller (tarn_crawler_info_list_free). */
int tarn_crawler_list(tarn_catalog *cat, tarn_crawler_info **out, size_t *n, tarn_error *err);
void tarn_crawler_info_list_free(tarn_crawler_info *l, size_t n);

/* The runs of crawler name, newest first. TARN_ERR_NOTFOUND
** ("EntityNotFoundException: crawler 'x' does not exist") if there is no
** such crawler. *out is owned by the caller (tarn_crawl_run_info_list_free). */
int tarn_crawl_run_list(tarn_catalog *cat, const char *name, tarn_crawl_run_info **out,
                        size_t *n, tarn_error *err);
void tarn_crawl_run_info_free(tarn_crawl_run_info *r);
void tarn_crawl_run_info_list_free(tarn_crawl_run_info *l, size_t n);

#endif
