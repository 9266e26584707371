/*
** query.h: tarn's Athena: SQL statements over the Glue catalog's tables,
** run inside workgroups, each one recorded as a query execution with its
** result stored in the workgroup's output location.
**
** The engine (engine.c) takes one statement at a time:
**
**     tarn_query *q;
**     if (tarn_query_open(store, cat, &q, &err)) ...;
**     tarn_query_options o; tarn_query_options_init(&o);
**     o.database = "gold";
**     tarn_qexec ex;
**     int rc = tarn_query_execute(q, "SELECT 1", &o, &sink, &ex, &err);
**     ... ex.state, ex.id, ex.output_location ...
**     tarn_qexec_free(&ex);
**     tarn_query_close(q);
**
** tarn_query_execute returns TARN_OK when the statement ran to an end
** state that is recorded (SUCCEEDED, FAILED or CANCELLED; look at
** ex.state and err for the reason), and an error status only when no
** execution could be recorded at all (an unknown workgroup, a catalog that
** cannot be written).
**
** Statements: SELECT (joins, CTEs, window functions, UNION, subqueries:
** SQLite after the Athena dialect rewrite), SHOW DATABASES|SCHEMAS, SHOW
** TABLES [IN db] [LIKE 'pat'], SHOW COLUMNS IN t, SHOW PARTITIONS t, SHOW
** CREATE TABLE t, DESCRIBE t, MSCK REPAIR TABLE t, CREATE DATABASE, DROP
** DATABASE, CREATE [OR REPLACE] VIEW, DROP VIEW, DROP TABLE (catalog only:
** the data stays, as Athena does for external tables), CREATE TABLE ...
** WITH (...) AS SELECT (Parquet), EXPLAIN.
**
** Results (results.c), as Athena writes them (AWS-SEMANTICS.md "Athena"):
** queries write <id>.csv (a header; every non-NULL value quoted with '"'
** doubled; NULL an empty unquoted field; "\n"; UTF-8 without BOM), DDL
** and utility statements <id>.txt (tab-separated, no header). Beside each,
** <file>.metadata is tarn's JSON:
**     {"statement_type":"DML","row_count":2,
**      "columns":[{"name":"a","type":"bigint"},...]}
**
** Workgroups (workgroup.c): rows of the catalog's workgroups table,
** written by `tarn stack deploy` (AWS::Athena::WorkGroup) or
** tarn_query_workgroup_put. The workgroup "primary" is created on first
** use when missing, with the output location TARN_QUERY_DEFAULT_OUTPUT
** (its bucket is created when missing).
*/
#ifndef TARN_QUERY_H
#define TARN_QUERY_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "core/core.h"
#include "store/store.h"

#define TARN_QUERY_PRIMARY "primary"
#define TARN_QUERY_DEFAULT_DATABASE "default"
/* Where the primary workgroup stores results unless configured. */
#define TARN_QUERY_DEFAULT_BUCKET "tarn-athena-results"
#define TARN_QUERY_DEFAULT_OUTPUT "s3://" TARN_QUERY_DEFAULT_BUCKET "/"
#define TARN_QUERY_ID_MAX 37 /* 8-4-4-4-12 hex digits + NUL */
/* Athena's smallest BytesScannedCutoffPerQuery. */
#define TARN_QUERY_MIN_CUTOFF 10000000

typedef struct tarn_query tarn_query;

/* An execution's state: QUEUED -> RUNNING -> one of the three final ones. */
typedef enum tarn_qstate {
    TARN_QSTATE_QUEUED = 0,
    TARN_QSTATE_RUNNING,
    TARN_QSTATE_SUCCEEDED,
    TARN_QSTATE_FAILED,
    TARN_QSTATE_CANCELLED
} tarn_qstate;

/* "QUEUED", "RUNNING", ... */
const char *tarn_qstate_name(tarn_qstate s);

/* Athena's error types (ErrorType) that tarn records. */
enum {
    TARN_QERRTYPE_INTERNAL = 200,      /* query engine had an internal error */
    TARN_QERRTYPE_RESULT_WRITE = 401,  /* failed to write the result */
    TARN_QERRTYPE_USER = 1000,         /* user error */
    TARN_QERRTYPE_DATA = 1001,         /* data error (a file that cannot be read) */
    TARN_QERRTYPE_DDL = 1003           /* DDL task failed */
};

/* One query execution (a row of query_executions). Every string is owned
** by the struct (tarn_qexec_free); NULL means none. */
typedef struct tarn_qexec {
    char id[TARN_QUERY_ID_MAX];
    char *query;
    char *workgroup;
    char *database;
    char *catalog;          /* "AwsDataCatalog" */
    char *statement_type;   /* "DML", "DDL" or "UTILITY" */
    tarn_qstate state;
    char *state_reason;     /* the error or cancel reason */
    int error_category;     /* TARN_QERR_* (1 SYSTEM, 2 USER, 3 OTHER); 0 none */
    int error_type;         /* TARN_QERRTYPE_*; 0 none */
    char *output_location;  /* s3://bucket/prefix/<id>.csv|.txt */
    int64_t bytes_scanned;
    int64_t rows_returned;  /* -1 when none were returned */
    int64_t submitted_on;   /* ms since the epoch */
    int64_t completed_on;   /* 0 until final */
    int64_t execution_ms;   /* engine time; -1 until final */
} tarn_qexec;

void tarn_qexec_free(tarn_qexec *e);
void tarn_qexec_list_free(tarn_qexec *es, size_t n);

/* Where a statement's rows go besides the result file. Either callback may
** be NULL. columns is called once before the first row (also for zero
** rows) with the column names and Athena types; row once per row with the
** values as text (values[i] NULL for SQL NULL; lens[i] its byte length).
** A non-zero return stops the statement (it ends FAILED with err). */
typedef struct tarn_query_sink {
    void *ud;
    int (*columns)(void *ud, size_t ncols, const char *const *names,
                   const char *const *types, tarn_error *err);
    int (*row)(void *ud, size_t ncols, const char *const *values, const size_t *lens,
               tarn_error *err);
} tarn_query_sink;

typedef struct tarn_query_options {
    const char *database;   /* current database; NULL = "default" */
    const char *workgroup;  /* NULL = "primary" */
    /* An output location (s3://bucket/prefix/) for this statement; NULL
    ** uses the workgroup's. Ignored when the workgroup enforces its own
    ** configuration (EnforceWorkGroupConfiguration). */
    const char *output_location;
    /* Non-NULL: the statement stops soon after *cancel becomes non-zero
    ** (a signal handler sets it) and ends CANCELLED. */
    volatile sig_atomic_t *cancel;
} tarn_query_options;

void tarn_query_options_init(tarn_query_options *o);

/* An engine over store and cat (both borrowed: they must outlive it).
** *out is freed with tarn_query_close. */
int tarn_query_open(tarn_store *store, tarn_catalog *cat, tarn_query **out, tarn_error *err);
void tarn_query_close(tarn_query *q);

/* Run one statement (sql without a final ';' or with one) as an execution
** in o's workgroup; see the file comment for what it returns. *ex is
** filled in either case when TARN_OK is returned (free with
** tarn_qexec_free); on a FAILED or CANCELLED execution err holds its
** reason too. sink may be NULL. */
int tarn_query_execute(tarn_query *q, const char *sql, const tarn_query_options *o,
                       const tarn_query_sink *sink, tarn_qexec *ex, tarn_error *err);

/* The execution with this id (free with tarn_qexec_free);
** TARN_ERR_NOTFOUND if there is none. */
int tarn_query_get(tarn_query *q, const char *id, tarn_qexec *out, tarn_error *err);

/* Executions newest first, of one workgroup (NULL: all), at most limit
** (<= 0: all). Free with tarn_qexec_list_free. */
int tarn_query_history(tarn_query *q, const char *workgroup, int64_t limit, tarn_qexec **out,
                       size_t *n, tarn_error *err);

/* Write the stored result file of execution id (its .csv or .txt) to fd.
** TARN_ERR_NOTFOUND if the execution does not exist or has no result
** (it failed, or was cancelled). */
int tarn_query_results(tarn_query *q, const char *id, int fd, tarn_error *err);

/* Split text into statements on ';' outside quotes ('..', "..", `..`) and
** comments (-- and / * * /). Calls fn for each non-blank statement, without
** its ';'; stops at fn's first non-zero return and returns it. */
typedef int (*tarn_query_stmt_fn)(void *ud, const char *stmt, size_t len);
int tarn_query_split(const char *text, size_t len, tarn_query_stmt_fn fn, void *ud);

/* True when text holds a statement not yet ended by ';' (for a shell that
** reads a statement over several lines). */
bool tarn_query_incomplete(const char *text, size_t len);

/* ---- Workgroups (workgroup.c) ---------------------------------------- */

typedef struct tarn_qworkgroup {
    char *name;
    char *description;      /* NULL if none */
    bool enabled;           /* State ENABLED */
    char *output_location;  /* ResultConfiguration.OutputLocation; NULL if none */
    int64_t bytes_cutoff;   /* BytesScannedCutoffPerQuery; 0 none */
    bool enforce;           /* EnforceWorkGroupConfiguration */
    int64_t create_time;
} tarn_qworkgroup;

void tarn_qworkgroup_free(tarn_qworkgroup *w);
void tarn_qworkgroup_list_free(tarn_qworkgroup *ws, size_t n);

/* Fill *out with workgroup name; "primary" is created first when missing.
** TARN_ERR_NOTFOUND ("WorkGroup x is not found") for another missing one. */
int tarn_query_workgroup_get(tarn_query *q, const char *name, tarn_qworkgroup *out,
                             tarn_error *err);
/* Every workgroup in name order (primary included, created if missing). */
int tarn_query_workgroup_list(tarn_query *q, tarn_qworkgroup **out, size_t *n,
                              tarn_error *err);
/* Create or replace a workgroup from w (create_time ignored). A cutoff
** below TARN_QUERY_MIN_CUTOFF (other than 0) is TARN_ERR_INVALID, as on
** AWS; an output location must be an s3:// URI. */
int tarn_query_workgroup_put(tarn_query *q, const tarn_qworkgroup *w, tarn_error *err);

#endif
