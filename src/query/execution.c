/*
** execution.c: query executions as rows of the catalog's query_executions
** table (schema.c): ids, insert, update, get and history. engine.c moves an
** execution through its states; this file only stores them.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "query/engine_int.h"

static const char *const state_names[] = {"QUEUED", "RUNNING", "SUCCEEDED", "FAILED",
                                          "CANCELLED"};

const char *tarn_qstate_name(tarn_qstate s)
{
    return (unsigned)s < 5 ? state_names[s] : "UNKNOWN";
}

static tarn_qstate state_parse(const char *s)
{
    for (int i = 0; i < 5; i++)
        if (s && strcmp(s, state_names[i]) == 0)
            return (tarn_qstate)i;
    return TARN_QSTATE_FAILED;
}

int qexec_new_id(char out[TARN_QUERY_ID_MAX], tarn_error *err)
{
    unsigned char b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
        return tarn_error_errno(err, TARN_ERR_IO, errno, "query: drawing an execution id");
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4, as Athena's ids */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 15];
    }
    *o = 0;
    return TARN_OK;
}

void tarn_qexec_free(tarn_qexec *e)
{
    if (!e)
        return;
    free(e->query);
    free(e->workgroup);
    free(e->database);
    free(e->catalog);
    free(e->statement_type);
    free(e->state_reason);
    free(e->output_location);
    memset(e, 0, sizeof *e);
}

void tarn_qexec_list_free(tarn_qexec *es, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tarn_qexec_free(&es[i]);
    free(es);
}

static void bind_opt_int(sqlite3_stmt *st, int i, int64_t v, bool present)
{
    if (present)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* Run one write statement prepared on the catalog. */
static int exec_write(tarn_catalog *cat, sqlite3_stmt *st, const char *what, tarn_error *err)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return tarn_catalog_sql_error(cat, rc, what, err);
    return TARN_OK;
}

int qexec_insert(tarn_catalog *cat, const tarn_qexec *ex, tarn_error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(tarn_catalog_db(cat),
                                "INSERT INTO query_executions (id, workgroup, query, "
                                "statement_type, database_name, state, submitted_on) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, 'QUEUED', ?6)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return tarn_catalog_sql_error(cat, rc, "recording a query execution", err);
    tarn_catalog_bind_text(st, 1, ex->id);
    tarn_catalog_bind_text(st, 2, ex->workgroup);
    tarn_catalog_bind_text(st, 3, ex->query);
    tarn_catalog_bind_text(st, 4, ex->statement_type);
    tarn_catalog_bind_text(st, 5, ex->database);
    sqlite3_bind_int64(st, 6, ex->submitted_on);
    return exec_write(cat, st, "recording a query execution", err);
}

int qexec_update(tarn_catalog *cat, const tarn_qexec *ex, tarn_error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(tarn_catalog_db(cat),
                                "UPDATE query_executions SET state = ?2, state_reason = ?3, "
                                "error_category = ?4, error_type = ?5, output_location = ?6, "
                                "bytes_scanned = ?7, rows_returned = ?8, completed_on = ?9, "
                                "execution_ms = ?10, statement_type = ?11 WHERE id = ?1",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return tarn_catalog_sql_error(cat, rc, "updating a query execution", err);
    tarn_catalog_bind_text(st, 1, ex->id);
    tarn_catalog_bind_text(st, 2, tarn_qstate_name(ex->state));
    tarn_catalog_bind_text(st, 3, ex->state_reason);
    bind_opt_int(st, 4, ex->error_category, ex->error_category > 0);
    bind_opt_int(st, 5, ex->error_type, ex->error_category > 0);
    tarn_catalog_bind_text(st, 6, ex->output_location);
    sqlite3_bind_int64(st, 7, ex->bytes_scanned);
    bind_opt_int(st, 8, ex->rows_returned, ex->rows_returned >= 0);
    bind_opt_int(st, 9, ex->completed_on, ex->completed_on > 0);
    bind_opt_int(st, 10, ex->execution_ms, ex->execution_ms >= 0);
    tarn_catalog_bind_text(st, 11, ex->statement_type);
    return exec_write(cat, st, "updating a query execution", err);
}

#define EXEC_COLUMNS                                                                        \
    "id, query, workgroup, database_name, catalog_name, statement_type, state, "           \
    "state_reason, error_category, error_type, output_location, bytes_scanned, "           \
    "rows_returned, submitted_on, completed_on, execution_ms FROM query_executions "

static int64_t col_int(sqlite3_stmt *st, int i, int64_t if_null)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? if_null : sqlite3_column_int64(st, i);
}

/* Fill e from the current row of a SELECT EXEC_COLUMNS. */
static void exec_from_row(sqlite3_stmt *st, tarn_qexec *e)
{
    memset(e, 0, sizeof *e);
    const unsigned char *id = sqlite3_column_text(st, 0);
    snprintf(e->id, sizeof e->id, "%s", id ? (const char *)id : "");
    e->query = tarn_catalog_col_dup(st, 1);
    e->workgroup = tarn_catalog_col_dup(st, 2);
    e->database = tarn_catalog_col_dup(st, 3);
    e->catalog = tarn_catalog_col_dup(st, 4);
    e->statement_type = tarn_catalog_col_dup(st, 5);
    e->state = state_parse((const char *)sqlite3_column_text(st, 6));
    e->state_reason = tarn_catalog_col_dup(st, 7);
    e->error_category = (int)col_int(st, 8, 0);
    e->error_type = (int)col_int(st, 9, 0);
    e->output_location = tarn_catalog_col_dup(st, 10);
    e->bytes_scanned = col_int(st, 11, 0);
    e->rows_returned = col_int(st, 12, -1);
    e->submitted_on = col_int(st, 13, 0);
    e->completed_on = col_int(st, 14, 0);
    e->execution_ms = col_int(st, 15, -1);
}

int tarn_query_get(tarn_query *q, const char *id, tarn_qexec *out, tarn_error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(tarn_catalog_db(q->cat), "SELECT " EXEC_COLUMNS "WHERE id = ?1",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return tarn_catalog_sql_error(q->cat, rc, "reading a query execution", err);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        exec_from_row(st, out);
        sqlite3_finalize(st);
        return TARN_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return tarn_catalog_sql_error(q->cat, rc, "reading a query execution", err);
    return tarn_error_set(err, TARN_ERR_NOTFOUND,
                          "InvalidRequestException: query execution '%s' was not found "
                          "(see `tarn query history` for the ids)",
                          id);
}

int tarn_query_history(tarn_query *q, const char *workgroup, int64_t limit, tarn_qexec **out,
                       size_t *n, tarn_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(tarn_catalog_db(q->cat),
                                "SELECT " EXEC_COLUMNS "WHERE ?1 IS NULL OR workgroup = ?1 "
                                "ORDER BY submitted_on DESC, rowid DESC LIMIT ?2",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return tarn_catalog_sql_error(q->cat, rc, "listing query executions", err);
    tarn_catalog_bind_text(st, 1, workgroup);
    sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
    size_t cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = tarn_xrealloc(*out, cap * sizeof **out);
        }
        exec_from_row(st, &(*out)[(*n)++]);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        tarn_qexec_list_free(*out, *n);
        *out = NULL;
        *n = 0;
        return tarn_catalog_sql_error(q->cat, rc, "listing query executions", err);
    }
    return TARN_OK;
}

int tarn_query_results(tarn_query *q, const char *id, int fd, tarn_error *err)
{
    tarn_qexec e;
    int rc = tarn_query_get(q, id, &e, err);
    if (rc)
        return rc;
    if (e.state != TARN_QSTATE_SUCCEEDED || !e.output_location) {
        rc = tarn_error_set(err, TARN_ERR_NOTFOUND,
                            "InvalidRequestException: query execution '%s' is %s and has no "
                            "result",
                            id, tarn_qstate_name(e.state));
        tarn_qexec_free(&e);
        return rc;
    }
    tarn_uri u;
    rc = tarn_uri_parse(e.output_location, &u, err);
    if (!rc)
        rc = tarn_object_get_fd(q->store, u.bucket, u.key, fd, err);
    if (rc)
        tarn_error_prefix(err, "result of query execution '%s'", id);
    tarn_qexec_free(&e);
    return rc;
}
