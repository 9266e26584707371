/*
** query_int.h: what the parts of query/ share. The public API (query.h)
** is the engine's; this header is the contract between its layers:
**
**   scan      vtab.c, scan*.c, prune.c: each catalog table as a SQLite
**             virtual table over its objects (Parquet, CSV, JSON lines),
**             partition keys as columns, projection, partition pruning,
**             row-group skipping, filters evaluated on column batches,
**             bytes-scanned accounting and the cutoff.
**   dialect   dialect.c, functions.c, errors.c: Athena (Trino) syntax and
**             functions on top of SQLite's, and Athena-style error text.
**   engine    engine.c, statements.c, execution.c, results.c (query.h).
**
** Values as SQLite sees them (every layer agrees on this):
**   boolean -> INTEGER 0/1          int, bigint -> INTEGER
**   double -> REAL                  decimal(p,s) -> REAL (p <= 15) else TEXT
**   string -> TEXT                  date -> TEXT 'YYYY-MM-DD'
**   timestamp -> TEXT 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC; the fraction
**             always six digits, so text order is time order)
** A virtual table declares each column with its catalog type name
** ("bigint", "decimal(10,2)", ...; text-valued types with a " text" suffix,
** "date text", so that SQLite gives them TEXT affinity: decltype.c) and
** tarn_qdecl_catalog_type() turns sqlite3_column_decltype() back into the
** catalog type for result metadata.
*/
#ifndef TARN_QUERY_INT_H
#define TARN_QUERY_INT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "catalog/catalog.h"
#include "core/core.h"
#include "store/store.h"
#include "table/table.h"

/* ---- scan ------------------------------------------------------------ */

/* State every virtual table of one connection shares. The engine owns it,
** zeroes the counters before each statement and reads them after. */
typedef struct tarn_qscan_ctx {
    tarn_store *store;
    tarn_catalog *cat;
    /* Bytes read from storage by every scan of the current statement:
    ** what Athena bills (object bytes actually read, after projection and
    ** skipping; a Parquet footer counts). */
    int64_t bytes_scanned;
    /* > 0: once bytes_scanned passes it, scans stop, cutoff_hit is set and
    ** the statement fails (the engine reports CANCELLED). */
    int64_t bytes_cutoff;
    bool cutoff_hit;
    /* Non-NULL and non-zero: scans stop at the next batch (Ctrl-C). */
    volatile sig_atomic_t *cancel;
    /* Counters for EXPLAIN and the execution's statistics. */
    int64_t partitions_read, partitions_pruned;
    int64_t objects_read, objects_skipped;
    int64_t row_groups_read, row_groups_skipped;
    int64_t rows_read;          /* rows decoded */
    /* When true, each scan appends its decisions to explain_log, one line
    ** each: "scan db.t: partition country=France read", "... skipped by
    ** country = 'France'", "row group 2 of s3://b/k skipped (max(date) <
    ** 2021-01-01)". */
    bool explain;
    tarn_buf explain_log;
    /* With explain: decide and log as a real scan would (partitions,
    ** objects, Parquet row groups from the footers) but decode nothing
    ** and return no rows. Footers read still count as bytes scanned. */
    bool explain_only;
    /* The first scan failure of the statement (an object that disappeared,
    ** a corrupt file), with the object named; SQLite only gets a short
    ** message, the engine reports this one. */
    tarn_error err;
} tarn_qscan_ctx;

/* The subtype (sqlite3_result_subtype) a scan gives the values of boolean
** columns, and CAST(... AS BOOLEAN) its results, so that CAST(b AS
** VARCHAR) can print 'true'/'false' as Athena does (SQLite's booleans are
** the integers 0 and 1). Lost where SQLite stores a value (sorters, temp
** tables), as every subtype is. */
#define TARN_QBOOL_SUBTYPE 'B'

/* Register the virtual table module "tarn" on db; ctx is its client data
** and must outlive every virtual table of db. Also lets db's sorter use
** worker threads (scans feed GROUP BY, ORDER BY and windows every row). */
int tarn_qscan_register(sqlite3 *db, tarn_qscan_ctx *ctx, tarn_error *err);

/* Make the catalog table database.table queryable as database.table (the
** catalog database attached to db under its own name on first use) and,
** when is_default, under its bare name too. Columns are the table's
** columns then its partition keys, with their catalog types as declared
** types. TARN_ERR_NOTFOUND if the catalog has no such table. */
int tarn_qscan_expose(sqlite3 *db, tarn_qscan_ctx *ctx, const char *database,
                      const char *table, bool is_default, tarn_error *err);

/* The type a virtual table declares for a column of catalog type
** catalog_type (NULL = "string"; caller frees): the type itself, or for
** text-valued types (string, char, varchar, date, timestamp, array, map,
** struct) the type with the suffix " text", which gives the column TEXT
** affinity so that text that looks like a number still compares as text
** ('007' <> '7'), as in Athena. Nested types naming "int" keep SQLite's
** INTEGER affinity (SQLite looks for "INT" first). */
char *tarn_qdecl_from_catalog(const char *catalog_type);

/* The collation of date and timestamp columns: binary, except that a date
** ('YYYY-MM-DD') compares with a longer text as its midnight
** ('YYYY-MM-DD 00:00:00.000000'), as Trino compares a date with a
** timestamp. tarn_qdecl_register adds it to db (tarn_qscan_register does). */
#define TARN_QTIME_COLLATION "tarn_time"
int tarn_qdecl_register(sqlite3 *db);

/* A virtual table's column definition for a catalog column (caller frees):
** "name" "type[ text]"[ COLLATE tarn_time]. */
char *tarn_qdecl_column(const char *name, const char *catalog_type);

/* A text constant s[0..n) compared with a column of type column_type, in
** the column's own form so that text comparison gives Trino's answer: for
** a date column a timestamp at midnight becomes its date; for a timestamp
** column a date becomes its midnight. NULL (nothing to change) or a
** malloc'd string of *out_n bytes. */
char *tarn_qtime_constant(tarn_type_id column_type, const char *s, size_t n, size_t *out_n);

/* The catalog type a declared type stands for: decl without the " text"
** suffix (copied into buf of n bytes), or decl itself; NULL for NULL. */
const char *tarn_qdecl_catalog_type(const char *decl, char *buf, size_t n);

/* Which of the outermost SELECT's result columns in sql[0..len) (SQLite
** SQL after the rewrite) are boolean expressions at their top level
** (comparisons, AND/OR/NOT, IS, LIKE, IN, BETWEEN, EXISTS, TRUE/FALSE,
** regexp_like(...), CAST(... AS BOOLEAN)): out[i] for i < n, false where
** unknown (items after a *). SQLite gives them as 0/1; Athena prints
** true/false (boolcols.c). */
void tarn_qbool_columns(const char *sql, size_t len, bool *out, size_t n);

/* ---- dialect ----------------------------------------------------------- */

/* Register the Athena functions SQLite lacks (date_trunc, date_add,
** regexp_like, approx_distinct, ...) on db, and the CAST helpers the
** rewrite produces (__tarn_cast_<type>, __tarn_try_cast_<type>). Also turns
** off SQLite's double-quoted string fallback in DML (SQLITE_DBCONFIG_DQS_DML),
** so "x" is always an identifier as in Athena, and makes LIKE
** case-sensitive as Trino's (PRAGMA case_sensitive_like). */
int tarn_qfunc_register(sqlite3 *db, tarn_error *err);

/* A rewritten statement and the way back to the user's text. */
typedef struct tarn_qtext {
    char *sql;          /* SQLite SQL, NUL-terminated (owned) */
    size_t len;
    /* For each byte of sql, the offset in the user's text it came from
    ** (owned; len + 1 entries), so an error offset from
    ** sqlite3_error_offset() maps back to the user's line and column. */
    size_t *origin;
} tarn_qtext;

/* Rewrite one Athena statement into SQLite SQL: DATE '...' and TIMESTAMP
** '...' literals, CAST(x AS VARCHAR|DOUBLE|REAL|BIGINT|INTEGER|INT|
** SMALLINT|TINYINT|BOOLEAN|DATE|TIMESTAMP|DECIMAL(p,s)) with Athena's
** semantics, `||` kept, double-quoted identifiers kept, backquoted ones
** turned into double quotes; also TRY(...), IF(...), EXTRACT, x +/-
** INTERVAL 'n' unit, POSITION(a IN b), SUBSTRING(s FROM a FOR b), IS
** [NOT] DISTINCT FROM, and NULLS LAST on ascending ORDER BY terms (Trino's
** default; dialect.c lists them). Text inside string literals and comments is
** never touched. TARN_ERR_INVALID (TARN_ERR_UNSUPPORTED for NOT_SUPPORTED)
** with an Athena-style message ("SYNTAX_ERROR: line 1:8: ...", category
** USER) for what cannot be rewritten. */
int tarn_qdialect_rewrite(const char *sql, size_t len, tarn_qtext *out, tarn_error *err);
void tarn_qtext_free(tarn_qtext *t);

/* Length of the first statement in sql[0..len): up to and including the
** first ';' outside string literals, quoted identifiers and comments, or
** len when there is none. *complete (may be NULL) tells whether a ';'
** ended it, so a shell reads more lines until it does. */
size_t tarn_qdialect_statement_len(const char *sql, size_t len, bool *complete);

/* True when sql[0..len) holds nothing but white space, comments and ';'. */
bool tarn_qdialect_blank(const char *sql, size_t len);

/* Line and column (both 1-based, as Athena prints them) of byte offset
** off in text. */
void tarn_qtext_position(const char *text, size_t off, int *line, int *col);

/* Athena's error categories, stored on an execution. */
enum { TARN_QERR_SYSTEM = 1, TARN_QERR_USER = 2, TARN_QERR_OTHER = 3 };

/* Turn SQLite's error on db (after prepare or step of t) into Athena's
** form into err: "SYNTAX_ERROR: line 1:15: ...", "COLUMN_NOT_FOUND: line
** 1:8: Column 'x' cannot be resolved", "TABLE_NOT_FOUND: line 1:15: Table
** 'awsdatacatalog.db.t' does not exist", "FUNCTION_NOT_FOUND: ...". The
** position is in the user's text (through t->origin). *category gets a
** TARN_QERR_* value; returns the tarn status set on err. */
int tarn_qerror_from_sqlite(sqlite3 *db, const tarn_qtext *t, const char *user_sql,
                            const char *database, int *category, tarn_error *err);

#endif
