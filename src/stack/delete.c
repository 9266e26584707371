/*
** delete.c: tarn_stack_delete (resources in reverse creation order, after
** checking that no other stack imports an export and that no bucket holds
** objects unless forced), and the read side: tarn_stack_list and
** tarn_stack_describe, in DescribeStacks' field names.
*/
#include "stack/deploy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct del_ctx {
    tarn_store *st;
    tarn_catalog *cat;
    const char *name;
    const char *stack_id;
    bool force;
    tarn_stack_event_fn fn;
    void *ud;
} del_ctx;

static int res_event(const del_ctx *d, const stack_res *r, const char *status,
                     const char *reason, tarn_error *err)
{
    return stack_event_add(d->cat, d->name, d->stack_id, r->logical_id, r->physical_id, r->type,
                           status, reason, d->fn, d->ud, err);
}

static void rctx_make(const del_ctx *d, const stack_res *r, stack_rctx *c, char *what,
                      size_t n)
{
    snprintf(what, n, "resource %s (%s)", r->logical_id, r->type);
    *c = (stack_rctx){d->st, d->cat, d->name, r->logical_id, TARN_STACK_DEFAULT_ACCOUNT, what};
}

/* Refuse when another stack imports one of this stack's exports. */
static int check_importers(const del_ctx *d, tarn_error *err)
{
    char *importers = NULL;
    int rc = stack_import_find(d->cat, d->name, &importers, err);
    if (!rc && importers)
        rc = tarn_error_set(err, TARN_ERR_INVALID,
                            "stack '%s' cannot be deleted: its exports are imported by stack %s; "
                            "delete the importing stacks first", d->name, importers);
    free(importers);
    return rc;
}

/* Refuse (nothing changed) when a resource would refuse deletion. */
static int precheck(const del_ctx *d, const stack_res *res, size_t n, tarn_error *err)
{
    for (size_t i = 0; i < n; i++) {
        const stack_provider *prov = stack_provider_find(res[i].type, res[i].logical_id, err);
        if (!prov)
            return TARN_ERR_UNSUPPORTED;
        char what[256];
        stack_rctx c;
        rctx_make(d, &res[i], &c, what, sizeof what);
        int rc = prov->precheck_remove && res[i].physical_id
                     ? prov->precheck_remove(&c, res[i].physical_id, d->force, err)
                     : TARN_OK;
        if (rc) {
            tarn_error_prefix(err, "stack '%s' cannot be deleted: %s: ", d->name, what);
            return rc;
        }
    }
    return TARN_OK;
}

/* Delete one resource, with its events and row. */
static int remove_res(const del_ctx *d, stack_res *r, tarn_error *err)
{
    const stack_provider *prov = stack_provider_find(r->type, r->logical_id, err);
    int rc = prov ? res_event(d, r, "DELETE_IN_PROGRESS", NULL, err) : TARN_ERR_UNSUPPORTED;
    char what[256];
    stack_rctx c;
    rctx_make(d, r, &c, what, sizeof what);
    if (!rc && r->physical_id)
        rc = prov->remove(&c, r->physical_id, d->force, err);
    tarn_error e = {0};
    if (rc) {
        tarn_error_prefix(err, "%s could not be deleted: ", what);
        free(r->status);
        r->status = tarn_xstrdup("DELETE_FAILED");
        stack_res_put(d->cat, d->name, r, &e);
        res_event(d, r, "DELETE_FAILED", err->msg, &e);
        return rc;
    }
    rc = tarn_catalog_begin(d->cat, err);
    if (!rc)
        rc = stack_res_delete(d->cat, d->name, r->logical_id, err);
    if (!rc)
        rc = res_event(d, r, "DELETE_COMPLETE", NULL, err);
    if (!rc)
        return tarn_catalog_commit(d->cat, err);
    tarn_catalog_rollback(d->cat);
    return rc;
}

/* The last event and the stack row's removal, together. */
static int drop_stack(const del_ctx *d, tarn_error *err)
{
    int rc = tarn_catalog_begin(d->cat, err);
    if (!rc)
        rc = stack_event_add(d->cat, d->name, d->stack_id, d->name, d->stack_id,
                             TARN_STACK_TYPE, "DELETE_COMPLETE", NULL, d->fn, d->ud, err);
    if (!rc)
        rc = stack_sql_exec(d->cat, "DELETE FROM stacks WHERE name = ?", &d->name, 1, err);
    if (!rc)
        return tarn_catalog_commit(d->cat, err);
    tarn_catalog_rollback(d->cat);
    return rc;
}

static int delete_resources(const del_ctx *d, stack_res *res, size_t n, tarn_error *err)
{
    int rc = stack_status_event(d->cat, d->name, d->stack_id, "DELETE_IN_PROGRESS",
                                "User Initiated", d->fn, d->ud, err);
    for (size_t i = n; !rc && i-- > 0;)
        rc = remove_res(d, &res[i], err);
    if (rc) {
        tarn_error e = {0};
        stack_status_event(d->cat, d->name, d->stack_id, "DELETE_FAILED", err->msg, d->fn, d->ud,
                           &e);
        return rc;
    }
    return drop_stack(d, err);
}

int tarn_stack_delete(tarn_store *st, tarn_catalog *cat, const char *name, bool force,
                      tarn_stack_event_fn on_event, void *ud, tarn_error *err)
{
    stack_row row;
    int rc = stack_row_get(cat, name, &row, err);
    if (rc)
        return rc;
    del_ctx d = {st, cat, name, row.stack_id, force, on_event, ud};
    stack_res *res = NULL;
    size_t n = 0;
    rc = check_importers(&d, err);
    if (!rc)
        rc = stack_res_list(cat, name, &res, &n, err);
    if (!rc)
        rc = precheck(&d, res, n, err);
    if (!rc)
        rc = delete_resources(&d, res, n, err);
    stack_res_list_free(res, n);
    stack_row_free(&row);
    return rc;
}

/* ---- list and describe ---- */

static void set_str(json_t *o, const char *key, const unsigned char *v)
{
    if (v)
        json_object_set_new(o, key, json_string((const char *)v));
}

int tarn_stack_list(tarn_catalog *cat, json_t **out, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    *out = NULL;
    int s = sqlite3_prepare_v2(tarn_catalog_db(cat),
                               "SELECT name, status, status_reason, description, create_time, "
                               "update_time FROM stacks ORDER BY name", -1, &st, NULL);
    if (s != SQLITE_OK)
        return tarn_catalog_sql_error(cat, s, "listing stacks", err);
    json_t *a = json_array();
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        set_str(o, "StackName", sqlite3_column_text(st, 0));
        set_str(o, "StackStatus", sqlite3_column_text(st, 1));
        set_str(o, "StackStatusReason", sqlite3_column_text(st, 2));
        set_str(o, "Description", sqlite3_column_text(st, 3));
        json_object_set_new(o, "CreationTime", json_integer(sqlite3_column_int64(st, 4)));
        if (sqlite3_column_type(st, 5) != SQLITE_NULL)
            json_object_set_new(o, "LastUpdatedTime", json_integer(sqlite3_column_int64(st, 5)));
        json_array_append_new(a, o);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE) {
        json_decref(a);
        return tarn_catalog_sql_error(cat, s, "listing stacks", err);
    }
    *out = a;
    return TARN_OK;
}

/* Parameters as [{ParameterKey, ParameterValue}], NoEcho ones masked. */
static json_t *describe_params(const stack_row *row)
{
    json_t *tpl = NULL, *vals = json_loads(row->parameters, 0, NULL), *a = json_array();
    tarn_error e = {0};
    tarn_template_load_buffer(row->template_body, strlen(row->template_body), row->name, &tpl,
                              &e);
    const char *k;
    json_t *v;
    json_object_foreach(vals, k, v) {
        char *text = json_is_array(v) ? NULL : tarn_stack_scalar_text(v);
        if (json_is_array(v)) {
            tarn_buf b;
            tarn_buf_init(&b, 0);
            for (size_t i = 0; i < json_array_size(v); i++)
                tarn_buf_appendf(&b, "%s%s", i ? "," : "",
                                 json_string_value(json_array_get(v, i)));
            tarn_buf_putc(&b, '\0');
            text = tarn_xstrdup(b.data ? b.data : "");
            tarn_buf_free(&b);
        }
        bool secret = tpl && tarn_stack_param_noecho(tpl, k);
        json_array_append_new(a, json_pack("{s:s, s:s}", "ParameterKey", k, "ParameterValue",
                                           secret ? "****" : (text ? text : "")));
        free(text);
    }
    json_decref(tpl);
    json_decref(vals);
    return a;
}

static json_t *describe_resources(tarn_catalog *cat, const char *name, tarn_error *err)
{
    stack_res *res = NULL;
    size_t n = 0;
    if (stack_res_list(cat, name, &res, &n, err))
        return NULL;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_pack("{s:s, s:s, s:s}", "LogicalResourceId", res[i].logical_id,
                              "ResourceType", res[i].type, "ResourceStatus", res[i].status);
        set_str(o, "PhysicalResourceId", (const unsigned char *)res[i].physical_id);
        json_array_append_new(a, o);
    }
    stack_res_list_free(res, n);
    return a;
}

static json_t *describe_outputs(tarn_catalog *cat, const char *name, tarn_error *err)
{
    json_t *outs = NULL;
    if (stack_outputs_get(cat, name, &outs, err))
        return NULL;
    json_t *a = json_array();
    const char *k;
    json_t *o;
    json_object_foreach(outs, k, o) {
        json_t *e = json_pack("{s:s, s:O}", "OutputKey", k, "OutputValue",
                              json_object_get(o, "Value"));
        if (json_object_get(o, "Description"))
            json_object_set(e, "Description", json_object_get(o, "Description"));
        if (json_object_get(o, "ExportName"))
            json_object_set(e, "ExportName", json_object_get(o, "ExportName"));
        json_array_append_new(a, e);
    }
    json_decref(outs);
    return a;
}

static json_t *describe_events(tarn_catalog *cat, const char *stack_id, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int s = sqlite3_prepare_v2(tarn_catalog_db(cat),
                               "SELECT time, logical_id, type, physical_id, status, status_reason "
                               "FROM stack_events WHERE stack_id = ? ORDER BY event_id DESC",
                               -1, &st, NULL);
    if (s != SQLITE_OK) {
        tarn_catalog_sql_error(cat, s, "reading stack events", err);
        return NULL;
    }
    sqlite3_bind_text(st, 1, stack_id, -1, SQLITE_TRANSIENT);
    json_t *a = json_array();
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_pack("{s:I}", "Timestamp", (json_int_t)sqlite3_column_int64(st, 0));
        set_str(o, "LogicalResourceId", sqlite3_column_text(st, 1));
        set_str(o, "ResourceType", sqlite3_column_text(st, 2));
        set_str(o, "PhysicalResourceId", sqlite3_column_text(st, 3));
        set_str(o, "ResourceStatus", sqlite3_column_text(st, 4));
        set_str(o, "ResourceStatusReason", sqlite3_column_text(st, 5));
        json_array_append_new(a, o);
    }
    sqlite3_finalize(st);
    return a;
}

int tarn_stack_describe(tarn_catalog *cat, const char *name, json_t **out, tarn_error *err)
{
    stack_row row;
    *out = NULL;
    int rc = stack_row_get(cat, name, &row, err);
    if (rc)
        return rc;
    json_t *o = json_pack("{s:s, s:s, s:s}", "StackName", row.name, "StackId", row.stack_id,
                          "StackStatus", row.status);
    set_str(o, "StackStatusReason", (const unsigned char *)row.status_reason);
    set_str(o, "Description", (const unsigned char *)row.description);
    json_object_set_new(o, "CreationTime", json_integer(row.create_time));
    if (row.update_time)
        json_object_set_new(o, "LastUpdatedTime", json_integer(row.update_time));
    json_object_set_new(o, "Parameters", describe_params(&row));
    json_t *res = describe_resources(cat, name, err);
    json_t *outs = res ? describe_outputs(cat, name, err) : NULL;
    json_t *evs = outs ? describe_events(cat, row.stack_id, err) : NULL;
    stack_row_free(&row);
    if (!evs) {
        json_decref(res);
        json_decref(outs);
        json_decref(o);
        return err->code ? err->code : TARN_ERR_INTERNAL;
    }
    json_object_set_new(o, "Resources", res);
    json_object_set_new(o, "Outputs", outs);
    json_object_set_new(o, "Events", evs);
    *out = o;
    return TARN_OK;
}
