/*
** engine_int.h: what the engine's files share (engine.c, lex.c,
** statements*.c, sqlrun.c, execution.c, workgroup.c, results.c). The scan
** and the dialect are reached through query_int.h only.
*/
#ifndef TARN_QUERY_ENGINE_INT_H
#define TARN_QUERY_ENGINE_INT_H

#include <stdio.h>

#include "query/query.h"
#include "query/query_int.h"

struct tarn_query {
    tarn_store *store;
    tarn_catalog *cat;
};

/* ---- lex.c: tokens of a statement, enough to recognize tarn's own
** statements and the table names a SELECT uses ---- */

typedef enum qtok_kind {
    QT_END = 0,
    QT_WORD,     /* bare word: keyword or identifier */
    QT_QIDENT,   /* "quoted" or `backquoted` identifier */
    QT_STRING,   /* 'string literal' */
    QT_NUMBER,
    QT_PUNCT     /* one other character */
} qtok_kind;

typedef struct qtok {
    qtok_kind kind;
    size_t off, len;   /* in the lexed text, quotes included */
} qtok;

typedef struct qlex {
    const char *s;
    size_t len, pos;
} qlex;

void qlex_init(qlex *lx, const char *s, size_t len);
/* The next token (QT_END at the end; an unterminated quote runs to the end). */
qtok qlex_next(qlex *lx);
/* The next token without consuming it. */
qtok qlex_peek(qlex *lx);
/* True if t is the bare word kw (ASCII case-insensitive). */
bool qtok_is(const qlex *lx, qtok t, const char *kw);
/* True if t is the punctuation character c. */
bool qtok_punct(const qlex *lx, qtok t, char c);
/* Consume the next token if it is the word kw. */
bool qlex_accept(qlex *lx, const char *kw);
/* An identifier's name (word lower-cased; quoted ones unquoted, doubled
** quotes undone, lower-cased as Glue stores names). Caller frees. */
char *qtok_name(const qlex *lx, qtok t);
/* A string literal's value ('' undone). Caller frees. */
char *qtok_string(const qlex *lx, qtok t);
/* True if t can name something (a word or a quoted identifier). */
bool qtok_ident(qtok t);

/* ---- execution.c: query_executions rows ---- */

/* Insert a new QUEUED execution for ex (id, query, workgroup, database,
** statement_type, submitted_on set by the caller). */
int qexec_insert(tarn_catalog *cat, const tarn_qexec *ex, tarn_error *err);
/* Write ex's state and figures (matched by id). */
int qexec_update(tarn_catalog *cat, const tarn_qexec *ex, tarn_error *err);
/* A fresh 8-4-4-4-12 hex id from 128 random bits. */
int qexec_new_id(char out[TARN_QUERY_ID_MAX], tarn_error *err);

/* ---- results.c: the result file and its metadata ---- */

typedef struct qresult {
    bool text;                /* .txt (DDL, utility) instead of .csv */
    size_t ncols;
    char **names, **types;    /* owned */
    bool columns_sent;
    int64_t rows;
    FILE *f;                  /* staging file */
    char *staging;            /* its path (owned) */
    const tarn_query_sink *sink;
} qresult;

/* Open a staging file for a result. */
int qresult_begin(qresult *r, tarn_store *st, bool text, const tarn_query_sink *sink,
                  tarn_error *err);
/* Declare the columns (copied); once, before any row. types may hold NULL
** entries ("varchar"). */
int qresult_columns(qresult *r, size_t n, const char *const *names, const char *const *types,
                    tarn_error *err);
/* One row of r->ncols values (NULL = SQL NULL). */
int qresult_row(qresult *r, const char *const *vals, const size_t *lens, tarn_error *err);
/* A row of NUL-terminated strings. */
int qresult_row_strs(qresult *r, const char *const *vals, tarn_error *err);
/* A single varchar column named name. */
int qresult_one_column(qresult *r, const char *name, tarn_error *err);
/* A one-value row. */
int qresult_row1(qresult *r, const char *v, tarn_error *err);
/* Publish the file as <prefix><id>.csv|.txt in bucket and its .metadata;
** *location gets the s3:// URI of the file (caller frees). */
int qresult_publish(qresult *r, tarn_store *st, const char *output_location, const char *id,
                    const char *statement_type, char **location, tarn_error *err);
/* Drop the staging file and free r (also after publish). */
void qresult_free(qresult *r);
/* The Athena type name for a catalog or declared type ("string" ->
** "varchar", "int" -> "integer", ...); NULL gives "varchar". Static. */
const char *qresult_athena_type(const char *decl);

/* ---- the statement being run ---- */

typedef struct qrun {
    tarn_query *q;
    const char *sql;          /* the user's statement */
    const char *database;     /* current database */
    const char *output_location; /* the workgroup's (or the caller's) */
    tarn_qexec *ex;
    qresult *res;
    tarn_qscan_ctx *ctx;      /* scan state (select, explain, ctas) */
    volatile sig_atomic_t *cancel;
    tarn_error *err;          /* where qrun_fail writes */
    int category;             /* TARN_QERR_* of a failure */
    int type;                 /* TARN_QERRTYPE_* of a failure */
} qrun;

/* A statement kind: its Athena statement type, whether it writes .txt,
** and what runs it. */
typedef struct qstmt {
    const char *statement_type;
    bool text;
    int (*run)(qrun *r, tarn_error *err);
} qstmt;

/* statements.c: the kind of statement sql is (SELECT and anything
** unrecognized: DML through SQLite). */
const qstmt *qstmt_classify(const char *sql);

/* Fail the statement with an Athena-style message "<CODE>: line L:C: ..."
** at byte off of r->sql; category USER, type TARN_QERRTYPE_USER. */
int qrun_fail(qrun *r, size_t off, int code, const char *athena_code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Statement runners (statements.c, statements_ddl.c, sqlrun.c). */
int qstmt_select(qrun *r, tarn_error *err);
int qstmt_explain(qrun *r, tarn_error *err);
int qstmt_show(qrun *r, tarn_error *err);
int qstmt_describe(qrun *r, tarn_error *err);
int qstmt_msck(qrun *r, tarn_error *err);
int qstmt_create(qrun *r, tarn_error *err);
int qstmt_drop(qrun *r, tarn_error *err);

/* Parse [db.]name at lx into *db (r->database when unqualified) and
** *name (both owned); *at gets the name's offset. */
int qparse_table_name(qrun *r, qlex *lx, char **db, char **name, size_t *at, tarn_error *err);
/* The catalog table db.name or a TABLE_NOT_FOUND failure at off. */
int qload_table(qrun *r, const char *db, const char *name, size_t off, tarn_cat_table *t,
                tarn_error *err);

/* ---- sqlrun.c: SQLite connections for a statement ---- */

/* A fresh in-memory connection with the scan and the functions registered,
** the tables and views the text names exposed, and r->cancel watched. */
int qsql_open(qrun *r, const char *text, sqlite3 **db, tarn_error *err);
/* Prepare one rewritten statement on db; on failure the Athena error. */
int qsql_prepare(qrun *r, sqlite3 *db, const char *sql, sqlite3_stmt **st, tarn_qtext *qt,
                 tarn_error *err);
/* After a failed step: the error as the user should see it (cutoff,
** cancel, scan error, SQLite error) with r->category/type set; for the
** cutoff and cancel it returns TARN_ERR_LIMIT and sets r->ex->state. */
int qsql_step_error(qrun *r, sqlite3 *db, const tarn_qtext *qt, const char *user_sql,
                    tarn_error *err);
/* Column i's name as Athena gives it: the alias or column name, and
** "_col<i>" for an expression without an alias (a name that is neither a
** plain identifier, nor a table column, nor quoted in sql, st's text).
** buf (n >= 16) may hold it. */
const char *qsql_column_name(sqlite3_stmt *st, int i, const char *sql, char *buf, size_t n);
/* A column's value as text (NULL for SQL NULL); *n its length. A boolean
** (declared boolean, is_bool, or a value with TARN_QBOOL_SUBTYPE) is
** "true" or "false". */
const char *qsql_text(sqlite3_stmt *st, int i, bool is_bool, size_t *n);
/* A view's stored SQL (caller frees), NULL if t is not a view. */
char *qsql_view_text(const tarn_cat_table *t);

#define QVIEW_PARAM "view_original_text"

#endif
