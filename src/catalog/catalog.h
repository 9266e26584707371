/*
** catalog.h: tarn's state database, <home>/catalog.db (DESIGN.md "State").
**
** One SQLite file holds every piece of control-plane state: stacks and their
** resources, events, outputs and exports; buckets' declared settings; roles;
** jobs and job runs; crawlers and crawl runs; the Glue Data Catalog
** (databases, tables, columns, partitions, table versions); workflows,
** triggers, workflow runs and their nodes; workgroups and query executions.
** The whole schema is SQL text in schema.c, one real table per concept.
**
** What this header gives:
**   - open/close, and transactions the caller can group work in;
**   - typed functions for the Glue catalog (databases, tables with columns,
**     partition keys, parameters and versions, partitions);
**   - minimal typed functions for roles, jobs and job runs (what the job
**     runner and iam/ need first);
**   - for every other table (stacks, crawlers, workflows, triggers, workflow
**     runs, workgroups, query executions, ...), the module that owns the
**     concept writes its own SQL against tarn_catalog_db(), inside
**     tarn_catalog_begin/commit, using the tables as schema.c declares them.
**
** Conventions:
**   - Times are INTEGER milliseconds since the Unix epoch, UTC.
**   - JSON columns hold compact JSON text (parameters are objects of strings,
**     arguments objects, lists arrays). Functions here validate what they
**     store and return it as text; parse it with jansson.
**   - Database and table names are stored lower-case, as Glue does; lookups
**     fold case the same way.
**   - Errors name the object, with Glue's exception name where one exists:
**     "EntityNotFoundException: table 'db.t' does not exist" (TARN_ERR_NOTFOUND),
**     "AlreadyExistsException: ..." (TARN_ERR_EXISTS),
**     "InvalidInputException: ..." (TARN_ERR_INVALID).
**
** Concurrency: the file is in WAL mode with a busy timeout, so several
** processes (the CLI, a job's child process, a scheduler) may read and write
** it at once; writers queue for up to TARN_CATALOG_BUSY_MS. Every state
** change is one short transaction (BEGIN IMMEDIATE). A handle belongs to one
** thread at a time, and never crosses fork(): a child opens its own.
*/
#ifndef TARN_CATALOG_H
#define TARN_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "core/core.h"

#define TARN_CATALOG_FILE "catalog.db"
#define TARN_CATALOG_BUSY_MS 10000     /* how long a writer waits for the lock */
#define TARN_CATALOG_NAME_MAX 255      /* database, table, column, job ... names */
#define TARN_CATALOG_ID_MAX 40         /* "<prefix>_" + 32 hex digits + NUL fits */
#define TARN_CATALOG_JSON_MAX (1 << 20) /* largest JSON value stored (bytes) */

typedef struct tarn_catalog tarn_catalog;

/* ---- Opening, transactions ------------------------------------------- */

/* Open <home>/catalog.db, creating home and the file if missing, and bring
** its schema up to date (each migration step in its own transaction).
** On success *out is a handle the caller closes with tarn_catalog_close.
** Fails with TARN_ERR_CORRUPT if the file is not a SQLite database, or
** TARN_ERR_UNSUPPORTED if its schema is newer than this build knows. */
int tarn_catalog_open(const char *home, tarn_catalog **out, tarn_error *err);

/* Close the handle (NULL is fine). An open transaction is rolled back. */
void tarn_catalog_close(tarn_catalog *cat);

/* The schema version of the open file (PRAGMA user_version). */
int tarn_catalog_schema_version(tarn_catalog *cat);
/* The newest schema version this build knows (its number of migrations). */
int tarn_catalog_schema_latest(void);

/* Group several changes in one transaction. begin takes the write lock at
** once (BEGIN IMMEDIATE, waiting up to the busy timeout), so a transaction
** never fails half-way for lack of the lock. Transactions do not nest:
** begin inside a transaction is TARN_ERR_INVALID. The typed functions
** below join an open transaction; when none is open each runs in its own.
** A typed function that fails inside the caller's transaction undoes only
** its own changes; the caller then decides to commit or roll back. */
int tarn_catalog_begin(tarn_catalog *cat, tarn_error *err);
int tarn_catalog_commit(tarn_catalog *cat, tarn_error *err);
/* Roll back the open transaction; a no-op when none is open. */
void tarn_catalog_rollback(tarn_catalog *cat);
bool tarn_catalog_in_transaction(tarn_catalog *cat);

/* The SQLite connection, for modules that own tables without typed
** functions here (see the file comment). Owned by cat; do not close it. */
sqlite3 *tarn_catalog_db(tarn_catalog *cat);

/* Turn a SQLite result code into a tarn status and message on err
** ("catalog.db: <what>: <sqlite message>"); for modules using the handle. */
int tarn_catalog_sql_error(tarn_catalog *cat, int sqlite_rc, const char *what,
                           tarn_error *err);

/* For modules writing their own SQL: bind s as text (copied), or NULL when
** s is NULL; returns SQLite's code. */
int tarn_catalog_bind_text(sqlite3_stmt *st, int i, const char *s);
/* A malloc'd copy of column i's text of the current row, or NULL for an
** SQL NULL. */
char *tarn_catalog_col_dup(sqlite3_stmt *st, int i);

/* A new unique id "<prefix>_<32 hex digits>" from 128 random bits
** (getrandom), e.g. "jr_3f9c...". out must hold TARN_CATALOG_ID_MAX bytes;
** prefix is at most 6 characters. */
int tarn_catalog_new_id(const char *prefix, char out[TARN_CATALOG_ID_MAX], tarn_error *err);

/* Milliseconds since the epoch, the unit of every time column. */
int64_t tarn_catalog_now_ms(void);

/* ---- Glue catalog: databases ----------------------------------------- */

typedef struct tarn_cat_database {
    char *name;        /* lower-case */
    char *description; /* NULL if none */
    char *location;    /* LocationUri, NULL if none */
    char *parameters;  /* JSON object of strings, "{}" if none */
    int64_t create_time;
} tarn_cat_database;

/* Create a database. description, location and parameters_json may be NULL.
** TARN_ERR_EXISTS if it exists. */
int tarn_catalog_database_create(tarn_catalog *cat, const char *name, const char *description,
                                 const char *location, const char *parameters_json,
                                 tarn_error *err);
/* Fill *out (freed with tarn_cat_database_free). TARN_ERR_NOTFOUND if absent. */
int tarn_catalog_database_get(tarn_catalog *cat, const char *name, tarn_cat_database *out,
                              tarn_error *err);
/* Every database in name order; free with tarn_cat_database_list_free. */
int tarn_catalog_database_list(tarn_catalog *cat, tarn_cat_database **out, size_t *n,
                               tarn_error *err);
/* Delete a database. One that still has tables is refused (TARN_ERR_NOTEMPTY)
** unless cascade, which deletes its tables, their partitions and versions. */
int tarn_catalog_database_delete(tarn_catalog *cat, const char *name, bool cascade,
                                 tarn_error *err);
void tarn_cat_database_free(tarn_cat_database *db);
void tarn_cat_database_list_free(tarn_cat_database *dbs, size_t n);

/* ---- Glue catalog: tables -------------------------------------------- */

typedef struct tarn_cat_column {
    char *name;    /* stored lower-case */
    char *type;    /* Glue/Athena type name: "bigint", "decimal(10,2)", ... */
    char *comment; /* NULL if none */
} tarn_cat_column;

/* A table definition. As input, tarn reads it and never frees or changes
** it (string literals are fine); as output every pointer is owned by the
** struct and freed by tarn_cat_table_free. NULL strings mean "none". */
typedef struct tarn_cat_table {
    char *database;
    char *name;
    char *description;
    char *owner;
    char *table_type;       /* "EXTERNAL_TABLE" when NULL on input */
    char *location;         /* StorageDescriptor.Location, s3://bucket/prefix/ */
    char *classification;   /* "csv", "parquet", "json", ... */
    char *input_format;     /* StorageDescriptor.InputFormat */
    char *output_format;    /* StorageDescriptor.OutputFormat */
    char *serde_library;    /* SerdeInfo.SerializationLibrary */
    char *serde_parameters; /* JSON object of strings, "{}" if none */
    char *parameters;       /* table Parameters: JSON object of strings */
    tarn_cat_column *columns;        /* StorageDescriptor.Columns, in order */
    size_t ncolumns;
    tarn_cat_column *partition_keys; /* PartitionKeys, in order */
    size_t npartition_keys;
    int64_t row_count;      /* estimate; -1 unknown */
    /* Output only (ignored on input): */
    int64_t create_time;
    int64_t update_time;
    int64_t version;        /* 1 at creation, +1 on each update */
} tarn_cat_table;

/* Create a table in an existing database, with its columns and partition
** keys, and record version 1 of its definition. Column names must be unique
** (case-insensitively) across columns and partition keys.
** TARN_ERR_NOTFOUND if the database is missing, TARN_ERR_EXISTS if the table
** exists, TARN_ERR_INVALID for a bad name, type or parameters. */
int tarn_catalog_table_create(tarn_catalog *cat, const tarn_cat_table *t, tarn_error *err);
/* Replace a table's definition (everything but its name, database and
** create time) with t, bump its version and keep a snapshot of the new
** definition. An update that changes nothing keeps the version. Partitions
** are kept. TARN_ERR_NOTFOUND if the table is missing. */
int tarn_catalog_table_update(tarn_catalog *cat, const tarn_cat_table *t, tarn_error *err);
/* Fill *out (freed with tarn_cat_table_free). TARN_ERR_NOTFOUND if absent. */
int tarn_catalog_table_get(tarn_catalog *cat, const char *database, const char *name,
                           tarn_cat_table *out, tarn_error *err);
/* Every table of a database in name order, with columns; free with
** tarn_cat_table_list_free. TARN_ERR_NOTFOUND if the database is missing. */
int tarn_catalog_table_list(tarn_catalog *cat, const char *database, tarn_cat_table **out,
                            size_t *n, tarn_error *err);
/* Delete a table with its partitions and versions. */
int tarn_catalog_table_delete(tarn_catalog *cat, const char *database, const char *name,
                              tarn_error *err);
void tarn_cat_table_free(tarn_cat_table *t);
void tarn_cat_table_list_free(tarn_cat_table *ts, size_t n);

/* One kept version of a table definition. definition is a JSON object with
** the fields of tarn_cat_table (Name, DatabaseName, Description, Owner,
** TableType, Parameters, PartitionKeys, StorageDescriptor{Location,
** InputFormat, OutputFormat, SerdeInfo{SerializationLibrary, Parameters},
** Columns}, Classification, RowCount), in Glue's field names. */
typedef struct tarn_cat_table_version {
    int64_t version;
    int64_t create_time;
    char *definition;
} tarn_cat_table_version;

/* A table's versions, newest first; free with tarn_cat_table_versions_free. */
int tarn_catalog_table_versions(tarn_catalog *cat, const char *database, const char *name,
                                tarn_cat_table_version **out, size_t *n, tarn_error *err);
void tarn_cat_table_versions_free(tarn_cat_table_version *v, size_t n);

/* Append to out the Athena DDL for t (ddl.c): a CREATE EXTERNAL TABLE
** statement Athena accepts for the same files on S3: backquoted names,
** columns and PARTITIONED BY with their types, ROW FORMAT SERDE with its
** SERDEPROPERTIES (or the delimited form for CSV), STORED AS INPUTFORMAT /
** OUTPUTFORMAT, LOCATION and TBLPROPERTIES. Ends with ";\n". */
int tarn_catalog_table_ddl(const tarn_cat_table *t, tarn_buf *out, tarn_error *err);

/* ---- Glue catalog: partitions ---------------------------------------- */

typedef struct tarn_cat_partition {
    char **values;      /* one per partition key, in key order */
    size_t nvalues;
    char *location;     /* NULL if none */
    char *parameters;   /* JSON object of strings; NULL on input = "{}" */
    int64_t create_time; /* output only */
    int64_t update_time; /* output only */
} tarn_cat_partition;

/* What a batch add does with a partition whose values already exist. */
typedef enum tarn_cat_exists_mode {
    TARN_CAT_FAIL_EXISTING,    /* the whole batch fails (AlreadyExistsException) */
    TARN_CAT_SKIP_EXISTING,    /* keep the stored one, add the others */
    TARN_CAT_REPLACE_EXISTING  /* overwrite its location and parameters */
} tarn_cat_exists_mode;

/* Add n partitions to a table in one transaction: all or none. Each must
** have one value per partition key. */
int tarn_catalog_partitions_add(tarn_catalog *cat, const char *database, const char *table,
                                const tarn_cat_partition *parts, size_t n,
                                tarn_cat_exists_mode mode, tarn_error *err);
/* Fill *out (freed with tarn_cat_partition_free). TARN_ERR_NOTFOUND if absent. */
int tarn_catalog_partition_get(tarn_catalog *cat, const char *database, const char *table,
                               const char *const *values, size_t nvalues,
                               tarn_cat_partition *out, tarn_error *err);
/* Every partition of a table in value order: by the first value, then the
** second, ..., each compared as bytes. Free with tarn_cat_partition_list_free. */
int tarn_catalog_partition_list(tarn_catalog *cat, const char *database, const char *table,
                                tarn_cat_partition **out, size_t *n, tarn_error *err);
/* Delete one partition. TARN_ERR_NOTFOUND if absent. */
int tarn_catalog_partition_delete(tarn_catalog *cat, const char *database, const char *table,
                                  const char *const *values, size_t nvalues, tarn_error *err);
void tarn_cat_partition_free(tarn_cat_partition *p);
void tarn_cat_partition_list_free(tarn_cat_partition *ps, size_t n);

/* ---- Roles ------------------------------------------------------------ */

typedef struct tarn_cat_role {
    char *name;
    char *arn;
    char *description;     /* NULL if none */
    char *trust_policy;    /* AssumeRolePolicyDocument, JSON object */
    char *inline_policies; /* JSON array of {"PolicyName", "PolicyDocument"} */
    char *managed_arns;    /* JSON array of strings */
    int64_t create_time;   /* output only */
} tarn_cat_role;

/* Store a role. TARN_ERR_EXISTS if it exists, unless replace. The JSON is
** checked for shape only; iam/ checks the policies themselves. */
int tarn_catalog_role_put(tarn_catalog *cat, const tarn_cat_role *r, bool replace,
                          tarn_error *err);
int tarn_catalog_role_get(tarn_catalog *cat, const char *name, tarn_cat_role *out,
                          tarn_error *err);
int tarn_catalog_role_delete(tarn_catalog *cat, const char *name, tarn_error *err);
void tarn_cat_role_free(tarn_cat_role *r);

/* ---- Jobs and job runs ------------------------------------------------ */

typedef struct tarn_cat_job {
    char *name;
    char *command_name;    /* "tarn.extract", "pythonshell", ... */
    char *script_location; /* NULL if none */
    char *role;            /* role name or ARN, as given */
    char *description;     /* NULL if none */
    char *default_args;    /* JSON object of strings; NULL on input = "{}" */
    int64_t timeout_minutes;     /* <= 0 on input: 2880, Glue's default */
    int64_t max_retries;         /* >= 0 */
    int64_t max_concurrent_runs; /* <= 0 on input: 1 */
    int64_t create_time;   /* output only */
    int64_t update_time;   /* output only */
} tarn_cat_job;

/* Store a job definition. TARN_ERR_EXISTS if it exists, unless replace
** (which keeps its runs and create time). */
int tarn_catalog_job_put(tarn_catalog *cat, const tarn_cat_job *j, bool replace,
                         tarn_error *err);
int tarn_catalog_job_get(tarn_catalog *cat, const char *name, tarn_cat_job *out,
                         tarn_error *err);
/* Delete a job and its runs. */
int tarn_catalog_job_delete(tarn_catalog *cat, const char *name, tarn_error *err);
void tarn_cat_job_free(tarn_cat_job *j);

/* A run's state: STARTING -> RUNNING -> one of the four final states. */
typedef enum tarn_job_state {
    TARN_JOB_STARTING = 0,
    TARN_JOB_RUNNING,
    TARN_JOB_SUCCEEDED,
    TARN_JOB_FAILED,
    TARN_JOB_TIMEOUT,
    TARN_JOB_STOPPED
} tarn_job_state;

/* "STARTING", "RUNNING", ... */
const char *tarn_job_state_name(tarn_job_state s);
/* Parse a state name; TARN_ERR_INVALID if unknown. */
int tarn_job_state_parse(const char *s, tarn_job_state *out, tarn_error *err);
/* True for SUCCEEDED, FAILED, TIMEOUT and STOPPED. */
bool tarn_job_state_final(tarn_job_state s);

typedef struct tarn_cat_job_run {
    char id[TARN_CATALOG_ID_MAX]; /* "jr_<hex>" */
    char *job_name;
    tarn_job_state state;
    int64_t attempt;        /* 0 for the first, 1.. for retries */
    char *arguments;        /* JSON object of strings */
    char *error_message;    /* NULL if none */
    char *log_path;         /* NULL if none */
    char *trigger_name;     /* NULL if none */
    char *workflow_run_id;  /* NULL if none */
    char *previous_run_id;  /* the run this one retries; NULL if none */
    int64_t pid;            /* of the child process; 0 if none */
    int64_t started_on;
    int64_t last_modified_on;
    int64_t completed_on;   /* 0 until final */
    int64_t rows_in, rows_out, bytes_in, bytes_out;
    int64_t rows_rejected;  /* rows sent to _errors/ */
    int64_t values_nulled;  /* values that could not be cast */
} tarn_cat_job_run;

/* Record a new run of an existing job in state STARTING with a fresh id
** (copied to run_id). arguments_json may be NULL ("{}"); trigger_name,
** workflow_run_id and previous_run_id may be NULL. */
int tarn_catalog_job_run_start(tarn_catalog *cat, const char *job_name,
                               const char *arguments_json, int64_t attempt,
                               const char *trigger_name, const char *workflow_run_id,
                               const char *previous_run_id,
                               char run_id[TARN_CATALOG_ID_MAX], tarn_error *err);
/* Write a run's state, counters, error, log path and pid from r (matched by
** r->id). The state may only move forward: STARTING -> RUNNING -> final;
** a final run cannot change state (TARN_ERR_INVALID naming both states), so
** a parent marking TIMEOUT cannot overwrite a child's SUCCEEDED. Entering a
** final state sets completed_on. */
int tarn_catalog_job_run_update(tarn_catalog *cat, const tarn_cat_job_run *r, tarn_error *err);
/* Fill *out (free with tarn_cat_job_run_free). TARN_ERR_NOTFOUND if absent. */
int tarn_catalog_job_run_get(tarn_catalog *cat, const char *run_id, tarn_cat_job_run *out,
                             tarn_error *err);
/* A job's runs, newest first; free with tarn_cat_job_run_list_free. */
int tarn_catalog_job_run_list(tarn_catalog *cat, const char *job_name, tarn_cat_job_run **out,
                              size_t *n, tarn_error *err);
/* How many runs of a job are STARTING or RUNNING. */
int tarn_catalog_job_runs_active(tarn_catalog *cat, const char *job_name, int64_t *n,
                                 tarn_error *err);
void tarn_cat_job_run_free(tarn_cat_job_run *r);
void tarn_cat_job_run_list_free(tarn_cat_job_run *rs, size_t n);

#endif
