/*
** databases.c: Glue catalog databases (catalog.h): create, get, list and
** delete, refusing to delete a database that still has tables unless asked
** to cascade. Tables live in tables.c.
*/
#include "catalog/catalog_int.h"

#include <stdlib.h>
#include <string.h>

#define DB_COLS "name, description, location, parameters, create_time"

int cat_database_require(tarn_catalog *cat, const char *lname, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT 1 FROM databases WHERE name = ?", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, lname);
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s == SQLITE_ROW)
        return TARN_OK;
    if (s != SQLITE_DONE)
        return tarn_catalog_sql_error(cat, s, "looking up a database", err);
    return tarn_error_set(err, TARN_ERR_NOTFOUND,
                          "EntityNotFoundException: database '%s' does not exist", lname);
}

/* Insert a checked database row. */
static int insert_database(tarn_catalog *cat, const char *lname, const char *description,
                           const char *location, const char *params, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "INSERT INTO databases (" DB_COLS ") VALUES (?, ?, ?, ?, ?)",
                         &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, lname);
    tarn_catalog_bind_text(st, 2, description);
    tarn_catalog_bind_text(st, 3, location);
    tarn_catalog_bind_text(st, 4, params);
    sqlite3_bind_int64(st, 5, tarn_catalog_now_ms());
    return cat_step_done(cat, st, "creating a database", err);
}

int tarn_catalog_database_create(tarn_catalog *cat, const char *name, const char *description,
                                 const char *location, const char *parameters_json,
                                 tarn_error *err)
{
    int rc = cat_name_check("database", name, err);
    if (rc)
        return rc;
    char *params = NULL;
    rc = cat_json_canon(parameters_json, "{}", JSON_OBJECT, true, "database parameters",
                        &params, err);
    if (rc)
        return rc;
    char *lname = cat_lower(name);
    cat_tx tx;
    if ((rc = cat_tx_begin(cat, &tx, err)) == TARN_OK) {
        tarn_error probe = {0};
        int have = cat_database_require(cat, lname, &probe);
        if (have == TARN_OK)
            rc = tarn_error_set(err, TARN_ERR_EXISTS,
                                "AlreadyExistsException: database '%s' already exists", lname);
        else if (have != TARN_ERR_NOTFOUND)
            rc = tarn_error_set(err, have, "%s", probe.msg);
        else
            rc = insert_database(cat, lname, description, location, params, err);
        rc = cat_tx_end(cat, &tx, rc, err);
    }
    free(lname);
    free(params);
    return rc;
}

/* Fill *out from a row selected with DB_COLS. */
static void read_database(sqlite3_stmt *st, tarn_cat_database *out)
{
    out->name = tarn_catalog_col_dup(st, 0);
    out->description = tarn_catalog_col_dup(st, 1);
    out->location = tarn_catalog_col_dup(st, 2);
    out->parameters = tarn_catalog_col_dup(st, 3);
    out->create_time = sqlite3_column_int64(st, 4);
}

int tarn_catalog_database_get(tarn_catalog *cat, const char *name, tarn_cat_database *out,
                              tarn_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = cat_name_check("database", name, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    if ((rc = cat_prepare(cat, "SELECT " DB_COLS " FROM databases WHERE name = ?", &st, err)))
        return rc;
    char *lname = cat_lower(name);
    tarn_catalog_bind_text(st, 1, lname);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        read_database(st, out);
    else if (s == SQLITE_DONE)
        rc = tarn_error_set(err, TARN_ERR_NOTFOUND,
                            "EntityNotFoundException: database '%s' does not exist", lname);
    else
        rc = tarn_catalog_sql_error(cat, s, "reading a database", err);
    sqlite3_finalize(st);
    free(lname);
    return rc;
}

int tarn_catalog_database_list(tarn_catalog *cat, tarn_cat_database **out, size_t *n,
                               tarn_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT " DB_COLS " FROM databases ORDER BY name", &st, err);
    if (rc)
        return rc;
    size_t cap = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = tarn_xrealloc(*out, cap * sizeof **out);
        }
        read_database(st, &(*out)[(*n)++]);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE) {
        tarn_cat_database_list_free(*out, *n);
        *out = NULL;
        *n = 0;
        return tarn_catalog_sql_error(cat, s, "listing databases", err);
    }
    return TARN_OK;
}

/* Count a database's tables and name the first few into names. */
static int database_tables(tarn_catalog *cat, const char *lname, int64_t *count, tarn_buf *names,
                           tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT name FROM tables WHERE database_name = ? ORDER BY name",
                         &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, lname);
    *count = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (++*count <= 3)
            tarn_buf_appendf(names, "%s'%s'", *count > 1 ? ", " : "",
                             (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    if (*count > 3)
        tarn_buf_appendf(names, ", ...");
    return s == SQLITE_DONE ? TARN_OK : tarn_catalog_sql_error(cat, s, "listing tables", err);
}

/* The body of a delete, inside its transaction. */
static int delete_database(tarn_catalog *cat, const char *lname, bool cascade, tarn_error *err)
{
    int rc = cat_database_require(cat, lname, err);
    if (rc)
        return rc;
    int64_t ntables = 0;
    tarn_buf names;
    tarn_buf_init(&names, 4096);
    rc = database_tables(cat, lname, &ntables, &names, err);
    if (!rc && ntables > 0 && !cascade)
        rc = tarn_error_set(err, TARN_ERR_NOTEMPTY,
                            "InvalidOperationException: database '%s' is not empty: it has %lld "
                            "table%s (%s); delete them first, or delete the database with cascade",
                            lname, (long long)ntables, ntables == 1 ? "" : "s",
                            names.data ? names.data : "");
    tarn_buf_free(&names);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    if ((rc = cat_prepare(cat, "DELETE FROM databases WHERE name = ?", &st, err)))
        return rc;
    tarn_catalog_bind_text(st, 1, lname);
    return cat_step_done(cat, st, "deleting a database", err);
}

int tarn_catalog_database_delete(tarn_catalog *cat, const char *name, bool cascade,
                                 tarn_error *err)
{
    int rc = cat_name_check("database", name, err);
    if (rc)
        return rc;
    char *lname = cat_lower(name);
    cat_tx tx;
    if ((rc = cat_tx_begin(cat, &tx, err)) == TARN_OK)
        rc = cat_tx_end(cat, &tx, delete_database(cat, lname, cascade, err), err);
    free(lname);
    return rc;
}

void tarn_cat_database_free(tarn_cat_database *db)
{
    if (!db)
        return;
    free(db->name);
    free(db->description);
    free(db->location);
    free(db->parameters);
    memset(db, 0, sizeof *db);
}

void tarn_cat_database_list_free(tarn_cat_database *dbs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tarn_cat_database_free(&dbs[i]);
    free(dbs);
}
