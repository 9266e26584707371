/*
** changeset.c: planning a deploy. Loads the template and parameters,
** evaluates every resource in creation order (Ref and Fn::GetAtt answered
** from the plan itself, Fn::ImportValue from stack_exports), checks each
** resource's properties with its provider, works out its physical id (the
** name property, the stored one, or a generated stack-Logical-RANDOM),
** compares with the stored state to give Add / Modify / Remove, and
** evaluates the outputs and checks their exports. Nothing is changed here:
** deploy.c applies the plan.
*/
#include "stack/deploy_int.h"

#include "stack/stack_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static stack_item *item_find(const stack_plan *p, const char *id)
{
    for (size_t i = 0; i < p->nitems; i++)
        if (p->items[i].action != SA_REMOVE && strcmp(p->items[i].logical_id, id) == 0)
            return &p->items[i];
    return NULL;
}

static int cb_ref(void *arg, const char *id, json_t **out, tarn_error *err)
{
    stack_item *it = item_find(arg, id);
    if (!it)
        return tarn_error_set(err, TARN_ERR_INVALID, "resource '%s' is not created yet", id);
    *out = json_string(it->physical);
    return TARN_OK;
}

static int cb_getatt(void *arg, const char *id, const char *attr, json_t **out,
                     tarn_error *err)
{
    stack_item *it = item_find(arg, id);
    if (!it)
        return tarn_error_set(err, TARN_ERR_INVALID, "resource '%s' is not created yet", id);
    json_t *v = json_object_get(it->attrs, attr);
    if (v) {
        *out = json_incref(v);
        return TARN_OK;
    }
    char names[256] = "";
    size_t len = 0;
    const char *k;
    json_t *unused;
    json_object_foreach(it->attrs, k, unused)
        len += (size_t)snprintf(names + len, len < sizeof names ? sizeof names - len : 0,
                                "%s%s", len ? ", " : "", k);
    return tarn_error_set(err, TARN_ERR_INVALID, "resource %s (%s) has no attribute '%s'%s%s",
                          id, it->type, attr, len ? "; it has: " : " (it has none)", names);
}

static int cb_import(void *arg, const char *name, json_t **out, tarn_error *err)
{
    stack_plan *p = arg;
    char *value = NULL, *owner = NULL;
    int rc = stack_export_get(p->cat, name, p->o->name, &value, &owner, err);
    if (rc)
        return rc;
    bool seen = false;
    size_t i;
    json_t *e;
    json_array_foreach(p->imports, i, e)
        seen = seen || strcmp(json_string_value(e), name) == 0;
    if (!seen)
        json_array_append_new(p->imports, json_string(name));
    *out = json_string(value);
    free(value);
    free(owner);
    return TARN_OK;
}

/* Read the template file into p->body and parse it. */
static int load_template(stack_plan *p, tarn_error *err)
{
    FILE *f = fopen(p->o->template_path, "rb");
    if (!f)
        return tarn_error_errno(err, TARN_ERR_NOTFOUND, errno, "template '%s'",
                                p->o->template_path);
    tarn_buf b;
    tarn_buf_init(&b, TARN_TEMPLATE_MAX_BYTES + 1);
    char chunk[65536];
    size_t n;
    int rc = TARN_OK;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = tarn_buf_append(&b, chunk, n);
    fclose(f);
    if (!rc)
        rc = tarn_buf_putc(&b, '\0');
    if (rc) {
        tarn_buf_free(&b);
        return tarn_error_set(err, TARN_ERR_LIMIT, "template '%s' is larger than %u bytes",
                              p->o->template_path, TARN_TEMPLATE_MAX_BYTES);
    }
    p->body = tarn_xstrdup(b.data);
    size_t len = b.len - 1;
    tarn_buf_free(&b);
    return tarn_template_load_buffer(p->body, len, p->o->template_path, &p->tpl, err);
}

/* Load the stored stack and its resources, if any. */
static int load_state(stack_plan *p, tarn_error *err)
{
    int rc = stack_row_get(p->cat, p->o->name, &p->row, err);
    if (rc == TARN_ERR_NOTFOUND) {
        char id[TARN_CATALOG_ID_MAX];
        rc = tarn_catalog_new_id("s", id, err);
        snprintf(p->stack_id, sizeof p->stack_id, "arn:aws:cloudformation:%s:%s:stack/%s/%s",
                 p->ctx.region, p->ctx.account_id, p->o->name, id + 2);
        return rc;
    }
    if (rc)
        return rc;
    p->exists = true;
    snprintf(p->stack_id, sizeof p->stack_id, "%s", p->row.stack_id);
    rc = stack_res_list(p->cat, p->o->name, &p->old, &p->nold, err);
    p->update = !rc && strcmp(p->row.status, "ROLLBACK_COMPLETE") != 0;
    return rc;
}

static const stack_res *old_find(const stack_plan *p, const char *id)
{
    for (size_t i = 0; i < p->nold; i++)
        if (strcmp(p->old[i].logical_id, id) == 0)
            return &p->old[i];
    return NULL;
}

static stack_item *item_add(stack_plan *p, const char *id)
{
    if (p->nitems == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 16;
        p->items = tarn_xrealloc(p->items, p->cap * sizeof *p->items);
    }
    stack_item *it = &p->items[p->nitems++];
    memset(it, 0, sizeof *it);
    it->logical_id = tarn_xstrdup(id);
    return it;
}

/* A generated name: stack-Logical-RANDOM, lower-case when asked. */
static int generate_name(const stack_plan *p, const stack_item *it, tarn_error *err)
{
    char suffix[13];
    int rc = stack_random_suffix(suffix, 12, err);
    if (rc)
        return rc;
    char name[128];
    snprintf(name, sizeof name, "%.20s-%.24s-%s", p->o->name, it->logical_id, suffix);
    if (it->prov->lower_name)
        for (char *c = name; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    ((stack_item *)it)->physical = tarn_xstrdup(name);
    return TARN_OK;
}

/* Set it->physical: the name property, else the stored id, else new. */
static int physical_id(const stack_plan *p, stack_item *it, tarn_error *err)
{
    const char *name = json_string_value(stack_path(it->props, it->prov->name_prop));
    if (name) {
        it->physical = tarn_xstrdup(name);
        return TARN_OK;
    }
    const stack_res *old = it->old;
    if (old && strcmp(old->type, it->type) == 0 && old->physical_id &&
        !stack_path(old->props, it->prov->name_prop)) {
        it->physical = tarn_xstrdup(old->physical_id);
        return TARN_OK;
    }
    return generate_name(p, it, err);
}

/* Decide the item's action from its stored state. */
static void classify(const stack_plan *p, stack_item *it, tarn_error *err)
{
    it->old = p->update ? old_find(p, it->logical_id) : NULL;
    if (!it->old) {
        it->action = SA_ADD;
        return;
    }
    it->old_prov = stack_provider_find(it->old->type, it->logical_id, err);
    bool same_id = it->physical && it->old->physical_id &&
                   strcmp(it->physical, it->old->physical_id) == 0 &&
                   strcmp(it->old->type, it->type) == 0;
    it->replacement = !same_id;
    it->action = same_id && json_equal(it->old->props, it->props) ? SA_NONE : SA_MODIFY;
}

void stack_rctx_init(stack_rctx *c, const stack_plan *p, const char *logical_id,
                     const char *type, char *what, size_t n)
{
    snprintf(what, n, "resource %s (%s)", logical_id, type);
    *c = (stack_rctx){p->st, p->cat, p->o->name, logical_id, p->ctx.account_id, what};
}

/* Evaluate, check and place resource id. */
static int plan_resource(stack_plan *p, const char *id, tarn_error *err)
{
    const json_t *res = tarn_stack_resource(&p->ctx, id);
    stack_item *it = item_add(p, id);
    it->type = json_string_value(json_object_get(res, "Type"));
    it->prov = stack_provider_find(it->type, id, err);
    if (!it->prov)
        return TARN_ERR_UNSUPPORTED;
    int rc = tarn_stack_eval_resource(&p->ctx, id, &it->props, err);
    if (rc)
        return rc;
    char what[256];
    stack_rctx c;
    stack_rctx_init(&c, p, id, it->type, what, sizeof what);
    rc = stack_props_check(it->props, it->prov->props, what, err);
    if (!rc)
        rc = it->prov->check(&c, it->props, err);
    if (rc)
        return rc;
    it->old = p->update ? old_find(p, id) : NULL;
    rc = physical_id(p, it, err);
    if (rc)
        return rc;
    classify(p, it, err);
    if (it->old && !it->old_prov)
        return TARN_ERR_UNSUPPORTED;
    const json_t *prev = it->old && !it->replacement ? it->old->attrs : NULL;
    it->attrs = it->prov->attrs(&c, it->physical, it->props, prev);
    return TARN_OK;
}

/* Stored resources the template no longer has, last created first. */
static int plan_removals(stack_plan *p, tarn_error *err)
{
    for (size_t k = p->nold; k-- > 0;) {
        const stack_res *old = &p->old[k];
        if (item_find(p, old->logical_id))
            continue;
        stack_item *it = item_add(p, old->logical_id);
        it->type = old->type;
        it->old = old;
        it->action = SA_REMOVE;
        it->physical = tarn_xstrdup(old->physical_id ? old->physical_id : "");
        it->prov = it->old_prov = stack_provider_find(old->type, old->logical_id, err);
        if (!it->prov)
            return TARN_ERR_UNSUPPORTED;
    }
    return TARN_OK;
}

/* An export this stack has that another imports must keep its value. */
static int check_kept_exports(stack_plan *p, tarn_error *err)
{
    json_t *cur = NULL;
    int rc = p->exists ? stack_outputs_get(p->cat, p->o->name, &cur, err) : TARN_OK;
    const char *key;
    json_t *o;
    json_object_foreach(cur, key, o) {
        const char *ex = stack_str(o, "ExportName");
        char *importer = NULL;
        if (rc || !ex || (rc = stack_export_importer(p->cat, ex, p->o->name, &importer, err)))
            continue;
        bool kept = false;
        const char *k2;
        json_t *n;
        json_object_foreach(p->outputs, k2, n) {
            char *v = stack_scalar_opt(json_object_get(n, "Value"));
            const char *ne = stack_str(n, "ExportName");
            kept = kept || (ne && strcmp(ne, ex) == 0 && v &&
                            strcmp(v, stack_str(o, "Value")) == 0);
            free(v);
        }
        if (importer && !kept)
            rc = tarn_error_set(err, TARN_ERR_INVALID,
                                "export '%s' cannot be removed or changed: stack '%s' imports "
                                "it; update or delete '%s' first", ex, importer, importer);
        free(importer);
    }
    json_decref(cur);
    return rc;
}

/* Outputs: evaluate, and refuse exports another stack already has. */
static int plan_outputs(stack_plan *p, tarn_error *err)
{
    int rc = tarn_stack_eval_outputs(&p->ctx, &p->outputs, err);
    const char *key;
    json_t *o;
    json_object_foreach(p->outputs, key, o) {
        const char *ex = stack_str(o, "ExportName");
        char *value = NULL, *owner = NULL;
        tarn_error e2 = {0};
        if (rc || !ex || stack_export_get(p->cat, ex, p->o->name, &value, &owner, &e2))
            continue;
        rc = tarn_error_set(err, TARN_ERR_EXISTS,
                            "Outputs.%s: export name '%s' is already exported by stack '%s'; "
                            "export names must be unique", key, ex, owner);
        free(value);
        free(owner);
    }
    return rc ? rc : check_kept_exports(p, err);
}

static int plan_resources(stack_plan *p, tarn_error *err)
{
    char **ids = NULL;
    size_t n = 0;
    int rc = tarn_stack_conditions_eval(&p->ctx, &p->conds, err);
    p->ctx.conditions = p->conds;
    if (!rc)
        rc = tarn_stack_order(&p->ctx, &ids, &n, err);
    for (size_t i = 0; !rc && i < n; i++)
        rc = plan_resource(p, ids[i], err);
    tarn_stack_order_free(ids, n);
    if (!rc)
        rc = plan_removals(p, err);
    return rc;
}

int stack_plan_make(stack_plan *p, tarn_store *st, tarn_catalog *cat,
                    const tarn_stack_deploy_opts *o, tarn_error *err)
{
    memset(p, 0, sizeof *p);
    p->st = st;
    p->cat = cat;
    p->o = o;
    p->imports = json_array();
    p->ctx = (tarn_eval_ctx){.stack_name = o->name,
                             .region = o->region ? o->region : TARN_STACK_DEFAULT_REGION,
                             .account_id = o->account_id ? o->account_id
                                                         : TARN_STACK_DEFAULT_ACCOUNT,
                             .ref = cb_ref, .getatt = cb_getatt, .import = cb_import,
                             .cb_arg = p};
    int rc = load_template(p, err);
    if (!rc)
        rc = tarn_stack_params_resolve(p->tpl, o->template_path, o->params_path, o->overrides,
                                       &p->params, err);
    p->ctx.tpl = p->tpl;
    p->ctx.params = p->params;
    if (!rc)
        rc = load_state(p, err);
    p->ctx.stack_id = p->stack_id;
    if (!rc)
        rc = plan_resources(p, err);
    if (!rc)
        rc = plan_outputs(p, err);
    return rc;
}

void stack_plan_free(stack_plan *p)
{
    for (size_t i = 0; i < p->nitems; i++) {
        free(p->items[i].logical_id);
        free(p->items[i].physical);
        json_decref(p->items[i].props);
        json_decref(p->items[i].attrs);
    }
    free(p->items);
    stack_res_list_free(p->old, p->nold);
    stack_row_free(&p->row);
    json_decref(p->tpl);
    json_decref(p->params);
    json_decref(p->conds);
    json_decref(p->outputs);
    json_decref(p->imports);
    free(p->body);
    memset(p, 0, sizeof *p);
}

const char *tarn_stack_action_name(tarn_stack_action a)
{
    return a == TARN_STACK_ADD ? "Add" : a == TARN_STACK_MODIFY ? "Modify" : "Remove";
}

void stack_plan_report(const stack_plan *p)
{
    if (!p->o->on_changes)
        return;
    tarn_stack_change *c = tarn_xcalloc(p->nitems + 1, sizeof *c);
    size_t n = 0;
    for (size_t i = 0; i < p->nitems; i++) {
        const stack_item *it = &p->items[i];
        if (it->action == SA_NONE)
            continue;
        c[n++] = (tarn_stack_change){
            it->action == SA_ADD ? TARN_STACK_ADD
                : it->action == SA_MODIFY ? TARN_STACK_MODIFY : TARN_STACK_REMOVE,
            it->logical_id, it->type,
            it->action == SA_MODIFY ? it->old->physical_id : it->physical, it->replacement};
    }
    p->o->on_changes(p->o->ud, p->update, c, n);
    free(c);
}
