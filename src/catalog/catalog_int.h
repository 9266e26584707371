/*
** catalog_int.h: internals shared by the files of catalog/ and by no one
** else: the handle, the transaction wrapper every typed function uses,
** statement and column helpers, name and JSON checks.
*/
#ifndef TARN_CATALOG_INT_H
#define TARN_CATALOG_INT_H

#include <jansson.h>

#include "catalog/catalog.h"

struct tarn_catalog {
    sqlite3 *db;
    char *path;      /* <home>/catalog.db */
    bool user_tx;    /* a transaction opened by tarn_catalog_begin is open */
};

/* schema.c */
int cat_schema_latest(void);
/* SQL of the migration that brings a file to version (1-based), or NULL. */
const char *cat_schema_migration(int version);

/* The scope of one typed operation: its own BEGIN IMMEDIATE transaction
** when none is open, else a savepoint inside the caller's. */
typedef struct cat_tx {
    bool own;        /* we began the transaction (else a savepoint) */
} cat_tx;

/* Enter the scope; on failure nothing is open. */
int cat_tx_begin(tarn_catalog *cat, cat_tx *tx, tarn_error *err);
/* The same for an operation that only reads: a deferred BEGIN, which in
** WAL mode sees one consistent snapshot and never waits for writers. */
int cat_tx_read_begin(tarn_catalog *cat, cat_tx *tx, tarn_error *err);
/* Leave the scope: commit (or release) when rc is TARN_OK, else undo.
** Returns rc, or the commit's failure. */
int cat_tx_end(tarn_catalog *cat, cat_tx *tx, int rc, tarn_error *err);

/* Prepare sql; on failure err says what. */
int cat_prepare(tarn_catalog *cat, const char *sql, sqlite3_stmt **st, tarn_error *err);
/* Run a statement without results once (sqlite3_step to DONE), then
** finalize it. what names the operation in an error. */
int cat_step_done(tarn_catalog *cat, sqlite3_stmt *st, const char *what, tarn_error *err);

/* Check a database/table/column/job name: 1..TARN_CATALOG_NAME_MAX bytes,
** no control characters. kind ("database", "table") names it in the error. */
int cat_name_check(const char *kind, const char *name, tarn_error *err);
/* A lower-case (ASCII) copy of s; caller frees. */
char *cat_lower(const char *s);

/* Check that text (NULL = dflt) is JSON of the given type (JSON_OBJECT or
** JSON_ARRAY), at most TARN_CATALOG_JSON_MAX bytes; with strings_only,
** every member or element must be a string. On success *canon is compact
** text with sorted keys, which the caller frees. what names the value. */
int cat_json_canon(const char *text, const char *dflt, json_type type, bool strings_only,
                   const char *what, char **canon, tarn_error *err);

/* databases.c: TARN_OK if the database (lower-case name) exists, else
** TARN_ERR_NOTFOUND with EntityNotFoundException naming it. */
int cat_database_require(tarn_catalog *cat, const char *lname, tarn_error *err);

/* tables.c: what partitions.c needs to know of a table. */
typedef struct cat_table_ref {
    int64_t id;
    int64_t version;
    size_t npartition_keys;
} cat_table_ref;

/* Find table ldb.lname (lower-case names); TARN_ERR_NOTFOUND naming the
** database or the table when either is missing. */
int cat_table_find(tarn_catalog *cat, const char *ldb, const char *lname, cat_table_ref *ref,
                   tarn_error *err);

/* partitions.c: the number of partitions of table id. */
int cat_partition_count(tarn_catalog *cat, int64_t table_id, int64_t *n, tarn_error *err);

/* Copy a string (NULL stays NULL). */
char *cat_strdup_opt(const char *s);

#endif
