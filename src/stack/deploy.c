/*
** deploy.c: tarn_stack_deploy. Applies a plan (changeset.c): the stack row
** goes to CREATE_IN_PROGRESS or UPDATE_IN_PROGRESS, each Add and Modify is
** applied in creation order with its events, then removals (and the old
** side of replacements) in reverse order, then outputs, exports and
** imports and the final status, each state change one transaction. A
** failing resource rolls back what this deploy did, in reverse: added
** resources are deleted, modified ones get their stored definition back.
*/
#include "stack/deploy_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Record a resource event. */
static int res_event(stack_plan *p, const stack_item *it, const char *physical,
                     const char *status, const char *reason, tarn_error *err)
{
    return stack_event_add(p->cat, p->o->name, p->stack_id, it->logical_id, physical, it->type,
                           status, reason, p->o->on_event, p->o->ud, err);
}

/* Set the stack's status and record its event, in one transaction. */
static int stack_status(stack_plan *p, const char *status, const char *reason,
                        tarn_error *err)
{
    return stack_status_event(p->cat, p->o->name, p->stack_id, status, reason, p->o->on_event,
                              p->o->ud, err);
}

/* The stack row at the start: new, or the stored one with the new
** template and parameters. */
static int stack_begin(stack_plan *p, tarn_error *err)
{
    char *params = stack_json_text(p->params, "{}");
    const char *status = p->update ? "UPDATE_IN_PROGRESS" : "CREATE_IN_PROGRESS";
    stack_row r = {.name = (char *)p->o->name, .stack_id = p->stack_id, .status = (char *)status,
                   .template_body = p->body, .parameters = params,
                   .description = (char *)stack_str(p->tpl, "Description")};
    int rc = tarn_catalog_begin(p->cat, err);
    if (!rc)
        rc = stack_row_put(p->cat, &r, p->exists, err);
    if (!rc && p->exists && !p->update)
        rc = stack_sql_exec(p->cat, "DELETE FROM stack_resources WHERE stack_name = ?",
                            &p->o->name, 1, err);
    if (!rc)
        rc = stack_event_add(p->cat, p->o->name, p->stack_id, p->o->name, p->stack_id,
                             TARN_STACK_TYPE, status, "User Initiated",
                             p->o->on_event, p->o->ud, err);
    free(params);
    if (!rc)
        return tarn_catalog_commit(p->cat, err);
    tarn_catalog_rollback(p->cat);
    return rc;
}

/* Store (or, row NULL, delete) a resource row and, status not NULL, its
** event together. */
static int res_record(stack_plan *p, const stack_item *it, const stack_res *row,
                      const char *status, tarn_error *err)
{
    int rc = tarn_catalog_begin(p->cat, err);
    if (!rc)
        rc = row ? stack_res_put(p->cat, p->o->name, row, err)
                 : stack_res_delete(p->cat, p->o->name, it->logical_id, err);
    if (!rc && status)
        rc = res_event(p, it, row ? row->physical_id : it->physical, status, NULL, err);
    if (!rc)
        return tarn_catalog_commit(p->cat, err);
    tarn_catalog_rollback(p->cat);
    return rc;
}

/* Apply one Add or Modify. */
static int apply_item(stack_plan *p, stack_item *it, tarn_error *err)
{
    bool modify = it->action == SA_MODIFY;
    const char *going = modify ? "UPDATE_IN_PROGRESS" : "CREATE_IN_PROGRESS";
    int rc = res_event(p, it, modify ? it->old->physical_id : NULL, going, NULL, err);
    if (rc)
        return rc;
    char what[256];
    stack_rctx c;
    stack_rctx_init(&c, p, it->logical_id, it->type, what, sizeof what);
    rc = it->prov->put(&c, it->physical, it->props, modify && !it->replacement, err);
    if (rc) {
        tarn_error e2 = {0};
        res_event(p, it, it->physical, modify ? "UPDATE_FAILED" : "CREATE_FAILED", err->msg, &e2);
        return rc;
    }
    it->done = true;
    const char *status = modify ? "UPDATE_COMPLETE" : "CREATE_COMPLETE";
    stack_res row = {it->logical_id, it->physical, (char *)it->type, (char *)status, it->props,
                     it->attrs};
    return res_record(p, it, &row, status, err);
}

/* Delete physical with provider prov (the item's stored side). */
static int remove_one(stack_plan *p, stack_item *it, const stack_provider *prov,
                      const char *type, const char *physical, tarn_error *err)
{
    int rc = res_event(p, it, physical, "DELETE_IN_PROGRESS", NULL, err);
    char what[256];
    stack_rctx c;
    stack_rctx_init(&c, p, it->logical_id, type, what, sizeof what);
    if (!rc)
        rc = prov->remove(&c, physical, false, err);
    tarn_error e2 = {0};
    res_event(p, it, physical, rc ? "DELETE_FAILED" : "DELETE_COMPLETE", rc ? err->msg : NULL,
              &e2);
    return rc;
}

/* Undo one applied item. */
static void undo_item(stack_plan *p, stack_item *it)
{
    tarn_error e = {0};
    char what[256];
    stack_rctx c;
    stack_rctx_init(&c, p, it->logical_id, it->type, what, sizeof what);
    if (it->action == SA_ADD || it->replacement) {
        if (remove_one(p, it, it->prov, it->type, it->physical, &e))
            return;
    } else {
        res_event(p, it, it->physical, "UPDATE_IN_PROGRESS", NULL, &e);
        stack_rctx_init(&c, p, it->logical_id, it->old->type, what, sizeof what);
        if (it->old_prov->put(&c, it->old->physical_id, it->old->props, true, &e)) {
            res_event(p, it, it->physical, "UPDATE_FAILED", e.msg, &(tarn_error){0});
            return;
        }
    }
    stack_res row = {0};
    if (it->old)
        row = (stack_res){it->old->logical_id, it->old->physical_id, it->old->type,
                          it->old->status, it->old->props, it->old->attrs};
    res_record(p, it, it->old ? &row : NULL,
               it->old && !it->replacement ? "UPDATE_COMPLETE" : NULL, &e);
}

/* Roll back after item failed; err keeps the failure, prefixed. */
static int rollback(stack_plan *p, const stack_item *failed, int rc, tarn_error *err)
{
    tarn_error e = {0};
    const char *final = p->update ? "UPDATE_ROLLBACK_COMPLETE" : "ROLLBACK_COMPLETE";
    tarn_error_prefix(err, "resource %s (%s) failed: ", failed->logical_id, failed->type);
    stack_status(p, p->update ? "UPDATE_ROLLBACK_IN_PROGRESS" : "ROLLBACK_IN_PROGRESS",
                 err->msg, &e);
    for (size_t i = p->nitems; i-- > 0;)
        if (p->items[i].done)
            undo_item(p, &p->items[i]);
    if (p->update) {
        stack_row r = p->row;
        r.status = (char *)final;
        stack_row_put(p->cat, &r, true, &e);
    }
    stack_status(p, final, err->msg, &e);
    size_t len = strlen(err->msg);
    snprintf(err->msg + len, sizeof err->msg - len, "; the stack was rolled back (%s)", final);
    return rc;
}

/* Rewrite the resource rows in creation order; failed removals stay. */
static int rewrite_resources(stack_plan *p, const bool *kept, tarn_error *err)
{
    int rc = stack_sql_exec(p->cat, "DELETE FROM stack_resources WHERE stack_name = ?",
                            &p->o->name, 1, err);
    for (size_t i = 0; !rc && i < p->nitems; i++) {
        const stack_item *it = &p->items[i];
        if (it->action == SA_REMOVE && !kept[i])
            continue;
        const char *status = it->action == SA_REMOVE ? "DELETE_FAILED"
                             : it->action == SA_NONE ? it->old->status
                             : it->action == SA_ADD ? "CREATE_COMPLETE" : "UPDATE_COMPLETE";
        stack_res row = {it->logical_id, it->physical, (char *)it->type, (char *)status,
                         it->action == SA_REMOVE ? it->old->props : it->props,
                         it->action == SA_REMOVE ? it->old->attrs : it->attrs};
        rc = stack_res_put(p->cat, p->o->name, &row, err);
    }
    return rc;
}

/* Remove what the template dropped and replaced resources' old side. */
static void cleanup(stack_plan *p, bool *kept)
{
    for (size_t i = p->nitems; i-- > 0;) {
        stack_item *it = &p->items[i];
        tarn_error e = {0};
        if (it->action == SA_REMOVE)
            kept[i] = remove_one(p, it, it->prov, it->type, it->physical, &e) != TARN_OK;
        else if (it->action == SA_MODIFY && it->replacement)
            remove_one(p, it, it->old_prov, it->old->type, it->old->physical_id, &e);
    }
}

/* Outputs, exports, imports, resource rows and the final status. */
static int finish(stack_plan *p, tarn_error *err)
{
    bool *kept = tarn_xcalloc(p->nitems + 1, sizeof *kept);
    if (p->update)
        stack_status(p, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", NULL, err);
    cleanup(p, kept);
    const char *status = p->update ? "UPDATE_COMPLETE" : "CREATE_COMPLETE";
    int rc = tarn_catalog_begin(p->cat, err);
    if (!rc)
        rc = rewrite_resources(p, kept, err);
    if (!rc)
        rc = stack_outputs_put(p->cat, p->o->name, p->outputs, p->imports, err);
    if (!rc)
        rc = stack_status_set(p->cat, p->o->name, status, NULL, err);
    if (!rc)
        rc = stack_event_add(p->cat, p->o->name, p->stack_id, p->o->name, p->stack_id,
                             TARN_STACK_TYPE, status, NULL, p->o->on_event, p->o->ud, err);
    free(kept);
    if (!rc)
        return tarn_catalog_commit(p->cat, err);
    tarn_catalog_rollback(p->cat);
    return rc;
}

static int apply(stack_plan *p, tarn_error *err)
{
    int rc = stack_begin(p, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < p->nitems; i++) {
        stack_item *it = &p->items[i];
        if (it->action != SA_ADD && it->action != SA_MODIFY)
            continue;
        rc = apply_item(p, it, err);
        if (rc)
            return rollback(p, it, rc, err);
    }
    return finish(p, err);
}

/* CloudFormation's stack names: a letter, then letters, digits and '-',
** at most 128 characters. */
static int name_check(const char *name, tarn_error *err)
{
    size_t n = name ? strlen(name) : 0;
    bool ok = n > 0 && n <= 128 && isalpha((unsigned char)name[0]);
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)name[i]) || name[i] == '-';
    if (!ok)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "stack name '%s' is not valid: use a letter, then letters, "
                              "digits and '-' (at most 128 characters)", name ? name : "");
    return TARN_OK;
}

int tarn_stack_deploy(tarn_store *st, tarn_catalog *cat, const tarn_stack_deploy_opts *o,
                      json_t **outputs, tarn_error *err)
{
    if (outputs)
        *outputs = NULL;
    if (!o->template_path)
        return tarn_error_set(err, TARN_ERR_INVALID, "a template is needed");
    int rc = name_check(o->name, err);
    if (rc)
        return rc;
    stack_plan p;
    rc = stack_plan_make(&p, st, cat, o, err);
    if (!rc)
        stack_plan_report(&p);
    if (!rc && !o->dry_run)
        rc = apply(&p, err);
    if (!rc && !o->dry_run && outputs)
        *outputs = json_incref(p.outputs);
    stack_plan_free(&p);
    return rc;
}
