/*
** stack_state.c: the rows of catalog.db's stack tables (schema.c): stacks,
** stack_resources (kept in creation order by rowid), stack_events,
** stack_outputs, stack_exports and stack_imports, and the small SQL
** helpers the providers use for the tables they own (workflows, triggers,
** workgroups, buckets). Callers group changes with tarn_catalog_begin.
*/
#include "stack/deploy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int prepare(tarn_catalog *cat, const char *sql, const char *const *args, int n,
                   sqlite3_stmt **st, tarn_error *err)
{
    int s = sqlite3_prepare_v2(tarn_catalog_db(cat), sql, -1, st, NULL);
    if (s != SQLITE_OK)
        return tarn_catalog_sql_error(cat, s, "stack state", err);
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(*st, i + 1, args[i], -1, SQLITE_TRANSIENT);
    return TARN_OK;
}

int stack_sql_exec(tarn_catalog *cat, const char *sql, const char *const *args, int n,
                   tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, sql, args, n, &st, err);
    if (rc)
        return rc;
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? TARN_OK : tarn_catalog_sql_error(cat, s, "stack state", err);
}

int stack_sql_exists(tarn_catalog *cat, const char *sql, const char *const *args, int n,
                     tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, sql, args, n, &st, err);
    if (rc)
        return -rc;
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s == SQLITE_ROW)
        return 1;
    if (s == SQLITE_DONE)
        return 0;
    return -tarn_catalog_sql_error(cat, s, "stack state", err);
}

int stack_name_free(tarn_catalog *cat, const char *table, const char *what, const char *name,
                    tarn_error *err)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE name = ?", table);
    int found = stack_sql_exists(cat, sql, &name, 1, err);
    if (found < 0)
        return -found;
    if (found)
        return tarn_error_set(err, TARN_ERR_EXISTS,
                              "AlreadyExistsException: %s '%s' already exists", what, name);
    return TARN_OK;
}

static json_t *col_json(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    json_t *v = t ? json_loads((const char *)t, JSON_DECODE_ANY, NULL) : NULL;
    return v ? v : json_object();
}

/* ---- stacks ---- */

int stack_row_get(tarn_catalog *cat, const char *name, stack_row *out, tarn_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    const char *sql = "SELECT name, stack_id, status, status_reason, template_body, parameters, "
                      "description, create_time, update_time FROM stacks WHERE name = ?";
    int rc = prepare(cat, sql, &name, 1, &st, err);
    if (rc)
        return rc;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        out->name = tarn_catalog_col_dup(st, 0);
        out->stack_id = tarn_catalog_col_dup(st, 1);
        out->status = tarn_catalog_col_dup(st, 2);
        out->status_reason = tarn_catalog_col_dup(st, 3);
        out->template_body = tarn_catalog_col_dup(st, 4);
        out->parameters = tarn_catalog_col_dup(st, 5);
        out->description = tarn_catalog_col_dup(st, 6);
        out->create_time = sqlite3_column_int64(st, 7);
        out->update_time = sqlite3_column_int64(st, 8);
    }
    sqlite3_finalize(st);
    if (s == SQLITE_ROW)
        return TARN_OK;
    if (s == SQLITE_DONE)
        return tarn_error_set(err, TARN_ERR_NOTFOUND, "stack '%s' does not exist", name);
    return tarn_catalog_sql_error(cat, s, "reading a stack", err);
}

void stack_row_free(stack_row *r)
{
    free(r->name);
    free(r->stack_id);
    free(r->status);
    free(r->status_reason);
    free(r->template_body);
    free(r->parameters);
    free(r->description);
    memset(r, 0, sizeof *r);
}

int stack_row_put(tarn_catalog *cat, const stack_row *r, bool exists, tarn_error *err)
{
    const char *sql = exists
        ? "UPDATE stacks SET status = ?2, status_reason = ?3, template_body = ?4, "
          "parameters = ?5, description = ?6, update_time = ?7 WHERE name = ?1 "
          "AND stack_id = ?8"
        : "INSERT INTO stacks (name, status, status_reason, template_body, parameters, "
          "description, create_time, stack_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    sqlite3_stmt *st = NULL;
    const char *args[] = {r->name, r->status, r->status_reason, r->template_body,
                          r->parameters, r->description};
    int rc = prepare(cat, sql, args, 6, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 7, tarn_catalog_now_ms());
    sqlite3_bind_text(st, 8, r->stack_id, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? TARN_OK : tarn_catalog_sql_error(cat, s, "storing a stack", err);
}

int stack_status_set(tarn_catalog *cat, const char *name, const char *status,
                     const char *reason, tarn_error *err)
{
    const char *args[] = {status, reason, name};
    return stack_sql_exec(cat,
                          "UPDATE stacks SET status = ?, status_reason = ? WHERE name = ?",
                          args, 3, err);
}

/* ---- resources ---- */

int stack_res_list(tarn_catalog *cat, const char *stack, stack_res **out, size_t *n,
                   tarn_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    const char *sql = "SELECT logical_id, physical_id, type, status, properties, attributes "
                      "FROM stack_resources WHERE stack_name = ? ORDER BY rowid";
    int rc = prepare(cat, sql, &stack, 1, &st, err);
    if (rc)
        return rc;
    size_t cap = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = tarn_xrealloc(*out, cap * sizeof **out);
        }
        stack_res *r = &(*out)[(*n)++];
        r->logical_id = tarn_catalog_col_dup(st, 0);
        r->physical_id = tarn_catalog_col_dup(st, 1);
        r->type = tarn_catalog_col_dup(st, 2);
        r->status = tarn_catalog_col_dup(st, 3);
        r->props = col_json(st, 4);
        r->attrs = col_json(st, 5);
    }
    sqlite3_finalize(st);
    if (s == SQLITE_DONE)
        return TARN_OK;
    stack_res_list_free(*out, *n);
    *out = NULL;
    *n = 0;
    return tarn_catalog_sql_error(cat, s, "reading stack resources", err);
}

void stack_res_list_free(stack_res *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(r[i].logical_id);
        free(r[i].physical_id);
        free(r[i].type);
        free(r[i].status);
        json_decref(r[i].props);
        json_decref(r[i].attrs);
    }
    free(r);
}

int stack_res_put(tarn_catalog *cat, const char *stack, const stack_res *r, tarn_error *err)
{
    char *props = stack_json_text(r->props, "{}");
    char *attrs = stack_json_text(r->attrs, "{}");
    const char *args[] = {stack, r->logical_id, r->physical_id, r->type, r->status, props, attrs};
    int rc = stack_sql_exec(cat,
                            "INSERT INTO stack_resources (stack_name, logical_id, physical_id, "
                            "type, status, properties, attributes, update_time) VALUES "
                            "(?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                            "CAST(strftime('%s','now') AS INTEGER) * 1000) "
                            "ON CONFLICT(stack_name, logical_id) DO UPDATE SET "
                            "physical_id = ?3, type = ?4, status = ?5, properties = ?6, "
                            "attributes = ?7, update_time = excluded.update_time",
                            args, 7, err);
    free(props);
    free(attrs);
    return rc;
}

int stack_res_delete(tarn_catalog *cat, const char *stack, const char *logical_id,
                     tarn_error *err)
{
    const char *args[] = {stack, logical_id};
    return stack_sql_exec(cat, "DELETE FROM stack_resources WHERE stack_name = ? AND logical_id = ?",
                          args, 2, err);
}

/* ---- events ---- */

int stack_event_add(tarn_catalog *cat, const char *stack, const char *stack_id,
                    const char *logical_id, const char *physical_id, const char *type,
                    const char *status, const char *reason, tarn_stack_event_fn fn,
                    void *ud, tarn_error *err)
{
    if (fn) {
        tarn_stack_event ev = {logical_id, type, physical_id, status, reason};
        fn(ud, &ev);
    }
    sqlite3_stmt *st = NULL;
    const char *args[] = {stack, stack_id, logical_id, physical_id, type, status, reason};
    int rc = prepare(cat,
                     "INSERT INTO stack_events (stack_name, stack_id, logical_id, physical_id, "
                     "type, status, status_reason, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     args, 7, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 8, tarn_catalog_now_ms());
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? TARN_OK : tarn_catalog_sql_error(cat, s, "recording an event", err);
}

int stack_status_event(tarn_catalog *cat, const char *stack, const char *stack_id,
                       const char *status, const char *reason, tarn_stack_event_fn fn, void *ud,
                       tarn_error *err)
{
    int rc = tarn_catalog_begin(cat, err);
    if (!rc)
        rc = stack_status_set(cat, stack, status, reason, err);
    if (!rc)
        rc = stack_event_add(cat, stack, stack_id, stack, stack_id, TARN_STACK_TYPE, status,
                             reason, fn, ud, err);
    if (!rc)
        return tarn_catalog_commit(cat, err);
    tarn_catalog_rollback(cat);
    return rc;
}

/* ---- outputs, exports, imports ---- */

static int output_put(tarn_catalog *cat, const char *stack, const char *key, const json_t *o,
                      tarn_error *err)
{
    char *value = stack_scalar_opt(json_object_get(o, "Value"));
    if (!value)
        value = stack_json_text(json_object_get(o, "Value"), "");
    const char *export_name = stack_str(o, "ExportName");
    const char *args[] = {stack, key, value, stack_str(o, "Description"), export_name};
    int rc = stack_sql_exec(cat,
                            "INSERT INTO stack_outputs (stack_name, output_key, output_value, "
                            "description, export_name) VALUES (?, ?, ?, ?, ?)",
                            args, 5, err);
    if (!rc && export_name) {
        const char *eargs[] = {export_name, value, stack};
        rc = stack_sql_exec(cat, "INSERT INTO stack_exports (name, value, stack_name) "
                                 "VALUES (?, ?, ?)", eargs, 3, err);
    }
    free(value);
    return rc;
}

int stack_outputs_put(tarn_catalog *cat, const char *stack, const json_t *outputs,
                      const json_t *imports, tarn_error *err)
{
    const char *args[] = {stack};
    int rc = stack_sql_exec(cat, "DELETE FROM stack_outputs WHERE stack_name = ?", args, 1, err);
    if (!rc)
        rc = stack_sql_exec(cat, "DELETE FROM stack_exports WHERE stack_name = ?", args, 1, err);
    if (!rc)
        rc = stack_sql_exec(cat, "DELETE FROM stack_imports WHERE stack_name = ?", args, 1, err);
    const char *key;
    json_t *o;
    json_object_foreach((json_t *)outputs, key, o) {
        if (rc)
            break;
        rc = output_put(cat, stack, key, o, err);
    }
    size_t i;
    json_t *name;
    json_array_foreach(imports, i, name) {
        if (rc)
            break;
        const char *iargs[] = {json_string_value(name), stack};
        rc = stack_sql_exec(cat, "INSERT OR IGNORE INTO stack_imports (export_name, stack_name) "
                                 "VALUES (?, ?)", iargs, 2, err);
    }
    return rc;
}

int stack_outputs_get(tarn_catalog *cat, const char *stack, json_t **out, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    *out = NULL;
    int rc = prepare(cat,
                     "SELECT output_key, output_value, description, export_name FROM "
                     "stack_outputs WHERE stack_name = ? ORDER BY rowid",
                     &stack, 1, &st, err);
    if (rc)
        return rc;
    json_t *o = json_object();
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *e = json_pack("{s:s}", "Value", (const char *)sqlite3_column_text(st, 1));
        if (sqlite3_column_type(st, 2) != SQLITE_NULL)
            json_object_set_new(e, "Description", json_string((const char *)sqlite3_column_text(st, 2)));
        if (sqlite3_column_type(st, 3) != SQLITE_NULL)
            json_object_set_new(e, "ExportName", json_string((const char *)sqlite3_column_text(st, 3)));
        json_object_set_new(o, (const char *)sqlite3_column_text(st, 0), e);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE) {
        json_decref(o);
        return tarn_catalog_sql_error(cat, s, "reading stack outputs", err);
    }
    *out = o;
    return TARN_OK;
}

/* Run a query whose first row gives two text columns into *a and *b. */
static int two_texts(tarn_catalog *cat, const char *sql, const char *const *args, int n,
                     char **a, char **b, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    *a = *b = NULL;
    int rc = prepare(cat, sql, args, n, &st, err);
    if (rc)
        return rc;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        *a = tarn_catalog_col_dup(st, 0);
        *b = tarn_catalog_col_dup(st, 1);
    }
    sqlite3_finalize(st);
    if (s == SQLITE_ROW || s == SQLITE_DONE)
        return TARN_OK;
    return tarn_catalog_sql_error(cat, s, "reading stack exports", err);
}

int stack_export_get(tarn_catalog *cat, const char *name, const char *self, char **value,
                     char **owner, tarn_error *err)
{
    const char *args[] = {name, self ? self : ""};
    int rc = two_texts(cat, "SELECT value, stack_name FROM stack_exports WHERE name = ? "
                            "AND stack_name != ?", args, 2, value, owner, err);
    if (!rc && !*value)
        return tarn_error_set(err, TARN_ERR_NOTFOUND,
                              "no stack exports '%s'; deploy the stack that exports it first",
                              name);
    return rc;
}

int stack_import_find(tarn_catalog *cat, const char *stack, char **importers,
                      tarn_error *err)
{
    const char *args[] = {stack};
    char *unused = NULL;
    int rc = two_texts(cat,
                       "SELECT group_concat(quote(stack_name) || ' (export ' || quote(ex) || ')', "
                       "', '), NULL FROM (SELECT i.stack_name, MIN(i.export_name) AS ex FROM "
                       "stack_imports i JOIN stack_exports e ON e.name = i.export_name WHERE "
                       "e.stack_name = ?1 AND i.stack_name != ?1 GROUP BY i.stack_name "
                       "ORDER BY i.stack_name)",
                       args, 1, importers, &unused, err);
    free(unused);
    return rc;
}

int stack_export_importer(tarn_catalog *cat, const char *name, const char *stack,
                          char **importer, tarn_error *err)
{
    const char *args[] = {name, stack};
    char *unused = NULL;
    int rc = two_texts(cat,
                       "SELECT stack_name, export_name FROM stack_imports WHERE export_name = ? "
                       "AND stack_name != ? ORDER BY stack_name LIMIT 1",
                       args, 2, importer, &unused, err);
    free(unused);
    return rc;
}

int stack_random_suffix(char *out, size_t n, tarn_error *err)
{
    static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    char id[TARN_CATALOG_ID_MAX];
    int rc = tarn_catalog_new_id("x", id, err); /* "x_" + 32 random hex digits */
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        char pair[3] = {id[2 + (2 * i) % 32], id[3 + (2 * i) % 32], '\0'};
        out[i] = digits[strtoul(pair, NULL, 16) % 36];
    }
    out[n] = '\0';
    return TARN_OK;
}
