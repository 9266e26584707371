/*
** workgroup.c: Athena workgroups as rows of the catalog's workgroups table
** (schema.c): read, list, create or replace, and the default workgroup
** "primary", created on first use with TARN_QUERY_DEFAULT_OUTPUT as its
** output location. A setting whose column is NULL is read from the
** configuration column's WorkGroupConfiguration JSON when it is there
** (ResultConfiguration.OutputLocation, BytesScannedCutoffPerQuery,
** EnforceWorkGroupConfiguration). `tarn stack deploy` writes the rows of
** AWS::Athena::WorkGroup resources with the same columns.
*/
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "query/engine_int.h"

void tarn_qworkgroup_free(tarn_qworkgroup *w)
{
    if (!w)
        return;
    free(w->name);
    free(w->description);
    free(w->output_location);
    memset(w, 0, sizeof *w);
}

void tarn_qworkgroup_list_free(tarn_qworkgroup *ws, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tarn_qworkgroup_free(&ws[i]);
    free(ws);
}

#define WG_SELECT                                                                           \
    "SELECT name, description, state, output_location, bytes_scanned_cutoff, "             \
    "enforce_config, create_time, configuration FROM workgroups "

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? tarn_xstrdup((const char *)s) : NULL;
}

/* Settings the columns leave NULL, from the configuration JSON
** (WorkGroupConfiguration as a template declares it). */
static void wg_from_configuration(const char *text, tarn_qworkgroup *w)
{
    json_t *c = text ? json_loads(text, 0, NULL) : NULL;
    const char *out = json_string_value(
        json_object_get(json_object_get(c, "ResultConfiguration"), "OutputLocation"));
    if (!w->output_location && out)
        w->output_location = tarn_xstrdup(out);
    json_t *cutoff = json_object_get(c, "BytesScannedCutoffPerQuery");
    if (w->bytes_cutoff <= 0 && json_is_integer(cutoff))
        w->bytes_cutoff = json_integer_value(cutoff);
    if (json_is_true(json_object_get(c, "EnforceWorkGroupConfiguration")))
        w->enforce = true;
    json_decref(c);
}

static void wg_from_row(sqlite3_stmt *st, tarn_qworkgroup *w)
{
    w->name = dup_col(st, 0);
    w->description = dup_col(st, 1);
    const unsigned char *state = sqlite3_column_text(st, 2);
    w->enabled = !state || strcmp((const char *)state, "DISABLED") != 0;
    w->output_location = dup_col(st, 3);
    w->bytes_cutoff = sqlite3_column_int64(st, 4);
    w->enforce = sqlite3_column_int64(st, 5) != 0;
    w->create_time = sqlite3_column_int64(st, 6);
    wg_from_configuration((const char *)sqlite3_column_text(st, 7), w);
}

/* Read name into *out; TARN_ERR_NOTFOUND when absent (err untouched). */
static int wg_read(tarn_query *q, const char *name, tarn_qworkgroup *out, tarn_error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(tarn_catalog_db(q->cat), WG_SELECT "WHERE name = ?1", -1, &st,
                                NULL);
    if (rc != SQLITE_OK)
        return tarn_catalog_sql_error(q->cat, rc, "reading a workgroup", err);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        wg_from_row(st, out);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return TARN_OK;
    if (rc == SQLITE_DONE)
        return TARN_ERR_NOTFOUND;
    return tarn_catalog_sql_error(q->cat, rc, "reading a workgroup", err);
}

/* Create the primary workgroup if it is missing. */
static int wg_ensure_primary(tarn_query *q, tarn_error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(tarn_catalog_db(q->cat),
                                "INSERT OR IGNORE INTO workgroups (name, description, "
                                "output_location, create_time) VALUES (?1, ?2, ?3, ?4)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return tarn_catalog_sql_error(q->cat, rc, "creating the primary workgroup", err);
    sqlite3_bind_text(st, 1, TARN_QUERY_PRIMARY, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, "default workgroup", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, TARN_QUERY_DEFAULT_OUTPUT, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, tarn_catalog_now_ms());
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return tarn_catalog_sql_error(q->cat, rc, "creating the primary workgroup", err);
    return TARN_OK;
}

int tarn_query_workgroup_get(tarn_query *q, const char *name, tarn_qworkgroup *out,
                             tarn_error *err)
{
    memset(out, 0, sizeof *out);
    if (strcmp(name, TARN_QUERY_PRIMARY) == 0) {
        int rc = wg_ensure_primary(q, err);
        if (rc)
            return rc;
    }
    int rc = wg_read(q, name, out, err);
    if (rc == TARN_ERR_NOTFOUND)
        return tarn_error_set(err, TARN_ERR_NOTFOUND,
                              "InvalidRequestException: WorkGroup %s is not found (declare it "
                              "as AWS::Athena::WorkGroup in a stack, or use primary)",
                              name);
    return rc;
}

int tarn_query_workgroup_list(tarn_query *q, tarn_qworkgroup **out, size_t *n, tarn_error *err)
{
    *out = NULL;
    *n = 0;
    int rc = wg_ensure_primary(q, err);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = sqlite3_prepare_v2(tarn_catalog_db(q->cat), WG_SELECT "ORDER BY name", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return tarn_catalog_sql_error(q->cat, rc, "listing workgroups", err);
    size_t cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = tarn_xrealloc(*out, cap * sizeof **out);
        }
        memset(&(*out)[*n], 0, sizeof **out);
        wg_from_row(st, &(*out)[(*n)++]);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        tarn_qworkgroup_list_free(*out, *n);
        *out = NULL;
        *n = 0;
        return tarn_catalog_sql_error(q->cat, rc, "listing workgroups", err);
    }
    return TARN_OK;
}

/* AWS's checks of a workgroup definition. */
static int wg_check(const tarn_qworkgroup *w, tarn_error *err)
{
    if (!w->name || !*w->name || strlen(w->name) > 128)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidRequestException: a workgroup name is 1-128 characters");
    if (w->bytes_cutoff != 0 && w->bytes_cutoff < TARN_QUERY_MIN_CUTOFF)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidRequestException: workgroup %s: "
                              "BytesScannedCutoffPerQuery %lld is below the minimum %d",
                              w->name, (long long)w->bytes_cutoff, TARN_QUERY_MIN_CUTOFF);
    if (w->output_location && !tarn_is_s3_uri(w->output_location))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidRequestException: workgroup %s: OutputLocation '%s' is "
                              "not an s3:// location",
                              w->name, w->output_location);
    return TARN_OK;
}

int tarn_query_workgroup_put(tarn_query *q, const tarn_qworkgroup *w, tarn_error *err)
{
    int rc = wg_check(w, err);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = sqlite3_prepare_v2(tarn_catalog_db(q->cat),
                            "INSERT INTO workgroups (name, description, state, output_location, "
                            "bytes_scanned_cutoff, enforce_config, create_time) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(name) DO UPDATE SET "
                            "description = ?2, state = ?3, output_location = ?4, "
                            "bytes_scanned_cutoff = ?5, enforce_config = ?6",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return tarn_catalog_sql_error(q->cat, rc, "writing a workgroup", err);
    sqlite3_bind_text(st, 1, w->name, -1, SQLITE_TRANSIENT);
    if (w->description)
        sqlite3_bind_text(st, 2, w->description, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, w->enabled ? "ENABLED" : "DISABLED", -1, SQLITE_STATIC);
    if (w->output_location)
        sqlite3_bind_text(st, 4, w->output_location, -1, SQLITE_TRANSIENT);
    if (w->bytes_cutoff > 0)
        sqlite3_bind_int64(st, 5, w->bytes_cutoff);
    sqlite3_bind_int(st, 6, w->enforce ? 1 : 0);
    sqlite3_bind_int64(st, 7, tarn_catalog_now_ms());
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return tarn_catalog_sql_error(q->cat, rc, "writing a workgroup", err);
    return TARN_OK;
}
