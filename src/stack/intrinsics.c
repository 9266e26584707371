/*
** intrinsics.c: evaluating CloudFormation intrinsic functions (Ref, Fn::Sub,
** Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::If, Fn::Equals, Fn::And,
** Fn::Or, Fn::Not, Fn::FindInMap, Fn::ImportValue, Fn::Base64, Fn::GetAZs),
** pseudo parameters and the Conditions section, against a tarn_eval_ctx
** (stack.h). Also the helpers stack_internal.h shares with graph.c.
**
** Evaluation copies the tree, replacing each intrinsic by its value. It is
** recursive, bounded by TARN_STACK_MAX_DEPTH (Condition references count as
** a level), and every string or node it makes is charged to an output
** budget, so hostile templates (Fn::Split of a long string, a big mapping
** value selected many times) end in an error rather than exhausting memory.
** Conditions are evaluated once each and remembered; a condition that
** refers back to itself is reported with its cycle. Fn::Base64 uses
** OpenSSL's encoder.
*/
#include "stack/stack_internal.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

/* The state of one evaluation. */
typedef struct evalst {
    const tarn_eval_ctx *ctx;
    tarn_error *err;
    tarn_stack_path path;
    size_t budget;     /* output bytes left */
    int depth;
    json_t *cond_memo; /* while evaluating Conditions: name -> bool */
    json_t *cond_busy; /* names being evaluated, outermost first */
} evalst;

#define NODE_COST 16 /* budget charged per node made */

static int eval_node(evalst *st, const json_t *node, json_t **out);
static int eval_cond(evalst *st, const json_t *node, bool *v);

/* ---- shared helpers (stack_internal.h) --------------------------------- */

void tarn_stack_path_init(tarn_stack_path *p, const char *root)
{
    p->len = 0;
    p->buf[0] = '\0';
    if (root)
        tarn_stack_path_key(p, root);
}

/* Append text to p, cutting it short with "..." when the buffer is full. */
static void path_append(tarn_stack_path *p, const char *text)
{
    size_t room = sizeof p->buf - p->len;
    int n = snprintf(p->buf + p->len, room, "%s", text);
    if (n >= 0 && (size_t)n < room) {
        p->len += (size_t)n;
        return;
    }
    memcpy(p->buf + sizeof p->buf - 4, "...", 4);
    p->len = sizeof p->buf - 1;
}

size_t tarn_stack_path_key(tarn_stack_path *p, const char *key)
{
    size_t old = p->len;
    if (p->len)
        path_append(p, ".");
    path_append(p, key);
    return old;
}

size_t tarn_stack_path_index(tarn_stack_path *p, size_t i)
{
    size_t old = p->len;
    char buf[32];
    snprintf(buf, sizeof buf, "[%zu]", i);
    path_append(p, buf);
    return old;
}

void tarn_stack_path_pop(tarn_stack_path *p, size_t len)
{
    p->len = len;
    p->buf[len] = '\0';
}

bool tarn_stack_intrinsic(const json_t *v, const char **fn, json_t **arg)
{
    if (!json_is_object(v) || json_object_size(v) != 1)
        return false;
    void *it = json_object_iter((json_t *)v);
    const char *k = json_object_iter_key(it);
    if (strcmp(k, "Ref") != 0 && strncmp(k, "Fn::", 4) != 0)
        return false;
    *fn = k;
    *arg = json_object_iter_value(it);
    return true;
}

bool tarn_stack_sub_next(const char *s, size_t len, size_t *pos,
                         tarn_stack_sub_piece *pc)
{
    size_t i = *pos;
    if (i >= len)
        return false;
    pc->text = s + i;
    pc->is_var = false;
    if (s[i] == '$' && i + 1 < len && s[i + 1] == '{') {
        const char *close = memchr(s + i + 2, '}', len - i - 2);
        if (i + 2 < len && s[i + 2] == '!') {
            pc->len = 2; /* "${!x}" is the literal "${x}" */
            *pos = i + 3;
            return true;
        }
        if (close) {
            const char *b = s + i + 2, *e = close;
            while (b < e && *b == ' ')
                b++;
            while (e > b && e[-1] == ' ')
                e--;
            pc->text = b;
            pc->len = (size_t)(e - b);
            pc->is_var = true;
            *pos = (size_t)(close - s) + 1;
            return true;
        }
        pc->len = len - i;
        *pos = len;
        return true;
    }
    size_t j = i + 1;
    while (j < len && !(s[j] == '$' && j + 1 < len && s[j + 1] == '{'))
        j++;
    pc->len = j - i;
    *pos = j;
    return true;
}

const json_t *tarn_stack_resource(const tarn_eval_ctx *ctx, const char *id)
{
    return json_object_get(json_object_get(ctx->tpl, "Resources"), id);
}

static const char *const pseudo_names[] = {
    "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition",
    "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix", NULL};

bool tarn_stack_is_pseudo(const char *name)
{
    for (const char *const *p = pseudo_names; *p; p++)
        if (strcmp(name, *p) == 0)
            return true;
    return false;
}

/* ---- errors and budget ------------------------------------------------- */

/* Fill the error with "<path>: <message>"; returns code. */
static int fail(evalst *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(evalst *st, int code, const char *fmt, ...)
{
    char msg[TARN_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tarn_error_set(st->err, code, "%s: %s", st->path.buf, msg);
}

/* Take n bytes from the output budget, or fail with TARN_ERR_LIMIT. */
static int charge(evalst *st, size_t n)
{
    if (n > st->budget)
        return fail(st, TARN_ERR_LIMIT,
                    "evaluation would produce more than the %zu-byte output limit",
                    st->ctx->max_bytes ? st->ctx->max_bytes
                                       : (size_t)TARN_EVAL_MAX_BYTES_DEFAULT);
    st->budget -= n;
    return TARN_OK;
}

/* A deep copy of a literal (no intrinsics evaluated), charged to the
** budget. Depth is already bounded by the loader. */
static int copy_literal(evalst *st, const json_t *v, json_t **out)
{
    *out = NULL;
    int rc = charge(st, NODE_COST + (json_is_string(v) ? json_string_length(v) : 0));
    if (rc)
        return rc;
    if (!json_is_object(v) && !json_is_array(v)) {
        *out = json_incref((json_t *)v);
        return TARN_OK;
    }
    json_t *copy = json_is_object(v) ? json_object() : json_array();
    const char *k;
    size_t i;
    json_t *child, *c;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, child) {
            if ((rc = copy_literal(st, child, &c)))
                break;
            json_object_set_new(copy, k, c);
        }
    } else {
        json_array_foreach(v, i, child) {
            if ((rc = copy_literal(st, child, &c)))
                break;
            json_array_append_new(copy, c);
        }
    }
    if (rc)
        json_decref(copy);
    else
        *out = copy;
    return rc;
}

/* A new string of n bytes, charged to the budget. */
static int make_string(evalst *st, const char *s, size_t n, json_t **out)
{
    int rc = charge(st, NODE_COST + n);
    if (rc)
        return rc;
    *out = json_stringn(s, n);
    return *out ? TARN_OK : fail(st, TARN_ERR_INVALID, "result is not valid UTF-8");
}

/* The text of evaluated scalar v (malloc'd) for function fn, or an error
** saying fn needed a string here. */
static int text_of(evalst *st, const json_t *v, const char *fn, const char *what,
                   char **out)
{
    *out = v ? tarn_stack_scalar_text(v) : NULL;
    if (*out)
        return TARN_OK;
    return fail(st, TARN_ERR_INVALID, "%s: %s must be a string, not %s", fn, what,
                !v ? "AWS::NoValue" : json_is_array(v) ? "a list" : "a mapping");
}

/* Evaluate node, a part of fn's arguments (index idx, or -1 for the whole
** argument), with the path extended to say so. */
static int eval_part(evalst *st, const char *fn, long idx, const json_t *node,
                     json_t **out)
{
    size_t mark = tarn_stack_path_key(&st->path, fn);
    if (idx >= 0)
        tarn_stack_path_index(&st->path, (size_t)idx);
    int rc = eval_node(st, node, out);
    tarn_stack_path_pop(&st->path, mark);
    return rc;
}

/* Like eval_part, then the result's text. */
static int eval_text(evalst *st, const char *fn, long idx, const json_t *node,
                     const char *what, char **out)
{
    json_t *v = NULL;
    *out = NULL;
    int rc = eval_part(st, fn, idx, node, &v);
    if (!rc)
        rc = text_of(st, v, fn, what, out);
    json_decref(v);
    return rc;
}

/* Check that arg is an array of between lo and hi items. */
static int want_list(evalst *st, const char *fn, const json_t *arg, size_t lo,
                     size_t hi, const char *shape)
{
    size_t n = json_array_size(arg);
    if (json_is_array(arg) && n >= lo && n <= hi)
        return TARN_OK;
    return fail(st, TARN_ERR_INVALID, "%s takes %s", fn, shape);
}

/* ---- pseudo parameters, conditions, resources -------------------------- */

static const char *ctx_region(const tarn_eval_ctx *c)
{
    return c->region && *c->region ? c->region : TARN_STACK_DEFAULT_REGION;
}

/* The partition of the context's region: aws-cn for cn-*, aws-us-gov for
** us-gov-*, else aws. */
static const char *ctx_partition(const tarn_eval_ctx *c)
{
    const char *r = ctx_region(c);
    if (strncmp(r, "cn-", 3) == 0)
        return "aws-cn";
    if (strncmp(r, "us-gov-", 7) == 0)
        return "aws-us-gov";
    return TARN_STACK_DEFAULT_PARTITION;
}

/* The value of pseudo parameter name (tarn_stack_is_pseudo holds). *out
** is NULL for AWS::NoValue. */
static int pseudo_value(evalst *st, const char *name, json_t **out)
{
    const tarn_eval_ctx *c = st->ctx;
    const char *acct = c->account_id ? c->account_id : TARN_STACK_DEFAULT_ACCOUNT;
    const char *stack = c->stack_name ? c->stack_name : "stack";
    char buf[512];
    const char *s = buf;
    *out = NULL;
    if (!strcmp(name, "AWS::NoValue"))
        return TARN_OK;
    if (!strcmp(name, "AWS::NotificationARNs")) {
        *out = json_array();
        return TARN_OK;
    }
    if (!strcmp(name, "AWS::AccountId"))
        s = acct;
    else if (!strcmp(name, "AWS::Region"))
        s = ctx_region(c);
    else if (!strcmp(name, "AWS::StackName"))
        s = stack;
    else if (!strcmp(name, "AWS::Partition"))
        s = ctx_partition(c);
    else if (!strcmp(name, "AWS::URLSuffix"))
        s = strcmp(ctx_partition(c), "aws-cn") ? TARN_STACK_DEFAULT_URL_SUFFIX
                                               : "amazonaws.com.cn";
    else if (c->stack_id)
        s = c->stack_id;
    else
        snprintf(buf, sizeof buf,
                 "arn:%s:cloudformation:%s:%s:stack/%s/00000000-0000-0000-0000-000000000000",
                 ctx_partition(c), ctx_region(c), acct, stack);
    return make_string(st, s, strlen(s), out);
}

/* Append "a -> b -> ... -> name" for the condition cycle ending at name. */
static int cond_cycle(evalst *st, const char *name)
{
    char chain[TARN_ERROR_MAX / 2] = "";
    size_t i, from = 0;
    json_t *x;
    json_array_foreach(st->cond_busy, i, x) if (!strcmp(json_string_value(x), name))
        from = i;
    for (i = from; i < json_array_size(st->cond_busy); i++) {
        size_t n = strlen(chain);
        snprintf(chain + n, sizeof chain - n, "%s -> ",
                 json_string_value(json_array_get(st->cond_busy, i)));
    }
    size_t n = strlen(chain);
    snprintf(chain + n, sizeof chain - n, "%s", name);
    return fail(st, TARN_ERR_INVALID, "circular condition: %s", chain);
}

/* Evaluate condition name from the Conditions section, during
** tarn_stack_conditions_eval, remembering its value. */
static int cond_compute(evalst *st, const char *name, bool *v)
{
    json_t *memo = json_object_get(st->cond_memo, name);
    if (memo) {
        *v = json_is_true(memo);
        return TARN_OK;
    }
    const json_t *def = json_object_get(json_object_get(st->ctx->tpl, "Conditions"), name);
    if (!def)
        return fail(st, TARN_ERR_INVALID,
                    "unknown condition '%.200s'; declare it under Conditions", name);
    size_t i;
    json_t *x;
    json_array_foreach(st->cond_busy, i, x) if (!strcmp(json_string_value(x), name))
        return cond_cycle(st, name);
    tarn_stack_path saved = st->path;
    tarn_stack_path_init(&st->path, "Conditions");
    tarn_stack_path_key(&st->path, name);
    json_array_append_new(st->cond_busy, json_string(name));
    int rc = eval_cond(st, def, v);
    json_array_remove(st->cond_busy, json_array_size(st->cond_busy) - 1);
    if (!rc)
        json_object_set_new(st->cond_memo, name, json_boolean(*v));
    st->path = saved;
    return rc;
}

/* The value of condition name: computed while evaluating the Conditions
** section, else read from ctx->conditions. */
static int cond_value(evalst *st, const char *name, bool *v)
{
    if (st->cond_memo)
        return cond_compute(st, name, v);
    const json_t *c = json_object_get(st->ctx->conditions, name);
    if (json_is_boolean(c)) {
        *v = json_is_true(c);
        return TARN_OK;
    }
    if (!json_object_get(json_object_get(st->ctx->tpl, "Conditions"), name))
        return fail(st, TARN_ERR_INVALID,
                    "unknown condition '%.200s'; declare it under Conditions", name);
    return fail(st, TARN_ERR_INTERNAL,
                "condition '%.200s' was not evaluated (tarn_stack_conditions_eval "
                "must run first)", name);
}

/* Check that resource id exists and is created; fn names the caller. */
static int resource_usable(evalst *st, const char *fn, const char *id)
{
    const json_t *r = tarn_stack_resource(st->ctx, id);
    if (st->cond_memo)
        return fail(st, TARN_ERR_INVALID,
                    "%s of resource '%.200s': a condition can use only parameters, "
                    "pseudo parameters, mappings and other conditions", fn, id);
    if (!r)
        return fail(st, TARN_ERR_INVALID, "%s references unknown resource '%.200s'",
                    fn, id);
    const char *cond = json_string_value(json_object_get(r, "Condition"));
    bool on = true;
    if (cond) {
        int rc = cond_value(st, cond, &on);
        if (rc)
            return rc;
    }
    if (!on)
        return fail(st, TARN_ERR_INVALID,
                    "%s references resource '%.200s', which is not created because "
                    "its condition '%.200s' is false; guard the reference with "
                    "Fn::If on that condition", fn, id, cond);
    return TARN_OK;
}

/* Run a callback's result through the budget and the error path. */
static int from_callback(evalst *st, int rc, const char *what, json_t **out)
{
    if (rc) {
        json_decref(*out);
        *out = NULL;
        if (st->err && !st->err->msg[0])
            tarn_error_set(st->err, rc, "%s failed", what);
        tarn_error_prefix(st->err, "%s: ", st->path.buf);
        return rc;
    }
    if (!*out)
        return fail(st, TARN_ERR_INTERNAL, "%s returned no value", what);
    json_t *v = *out;
    rc = copy_literal(st, v, out);
    json_decref(v);
    return rc;
}

/* Ref of resource id: its physical id from the ref callback. */
static int resource_ref(evalst *st, const char *fn, const char *id, json_t **out)
{
    int rc = resource_usable(st, fn, id);
    if (rc)
        return rc;
    if (!st->ctx->ref)
        return fail(st, TARN_ERR_UNSUPPORTED,
                    "%s of resource '%.200s' needs its physical id, which is not "
                    "known here", fn, id);
    *out = NULL;
    rc = st->ctx->ref(st->ctx->cb_arg, id, out, st->err);
    return from_callback(st, rc, "resolving the resource's physical id", out);
}

/* Attribute attr of resource id from the getatt callback. */
static int resource_att(evalst *st, const char *fn, const char *id, const char *attr,
                        json_t **out)
{
    int rc = resource_usable(st, fn, id);
    if (rc)
        return rc;
    if (!st->ctx->getatt)
        return fail(st, TARN_ERR_UNSUPPORTED,
                    "%s of '%.200s.%.200s' needs the resource's attributes, which are "
                    "not known here", fn, id, attr);
    *out = NULL;
    rc = st->ctx->getatt(st->ctx->cb_arg, id, attr, out, st->err);
    return from_callback(st, rc, "reading the resource's attribute", out);
}

/* ---- the functions ----------------------------------------------------- */

/* Ref: a parameter's value, a pseudo parameter or a resource's physical id. */
static int fn_ref(evalst *st, const json_t *arg, json_t **out)
{
    const char *name = json_string_value(arg);
    if (!name)
        return fail(st, TARN_ERR_INVALID,
                    "Ref takes the name of a parameter or resource as a string");
    if (tarn_stack_is_pseudo(name))
        return pseudo_value(st, name, out);
    const json_t *p = json_object_get(st->ctx->params, name);
    if (p)
        return copy_literal(st, p, out);
    if (json_object_get(json_object_get(st->ctx->tpl, "Parameters"), name))
        return fail(st, TARN_ERR_INVALID, "parameter '%.200s' has no value", name);
    if (tarn_stack_resource(st->ctx, name))
        return resource_ref(st, "Ref", name, out);
    return fail(st, TARN_ERR_INVALID,
                "Ref to unknown parameter or resource '%.200s'; declare it under "
                "Parameters or Resources", name);
}

/* The value of one ${name} in Fn::Sub: a variable of the Sub, a pseudo
** parameter, a parameter, a resource's physical id, or Res.Attr. */
static int sub_var(evalst *st, const char *name, const json_t *vars, json_t **out)
{
    const json_t *v = json_object_get(vars, name);
    if (v) {
        size_t mark = tarn_stack_path_key(&st->path, "Fn::Sub");
        tarn_stack_path_index(&st->path, 1);
        tarn_stack_path_key(&st->path, name);
        int rc = eval_node(st, v, out);
        tarn_stack_path_pop(&st->path, mark);
        return rc;
    }
    if (tarn_stack_is_pseudo(name))
        return pseudo_value(st, name, out);
    if ((v = json_object_get(st->ctx->params, name)))
        return copy_literal(st, v, out);
    if (tarn_stack_resource(st->ctx, name))
        return resource_ref(st, "Fn::Sub", name, out);
    const char *dot = strchr(name, '.');
    if (dot && dot > name && dot[1]) {
        char id[256];
        snprintf(id, sizeof id, "%.*s", (int)(dot - name), name);
        if (tarn_stack_resource(st->ctx, id))
            return resource_att(st, "Fn::Sub", id, dot + 1, out);
        return fail(st, TARN_ERR_INVALID,
                    "Fn::Sub references unknown resource '%.200s' in '${%.200s}'",
                    id, name);
    }
    return fail(st, TARN_ERR_INVALID,
                "Fn::Sub references unknown parameter '%.200s'; declare it under "
                "Parameters, or name a resource, a pseudo parameter or a variable "
                "of the Fn::Sub", name);
}

/* Append the text of ${name} to b. */
static int sub_append_var(evalst *st, const tarn_stack_sub_piece *pc,
                          const json_t *vars, tarn_buf *b)
{
    if (pc->len == 0 || pc->len > 255)
        return fail(st, TARN_ERR_INVALID, "Fn::Sub: '${}' needs a name of 1 to 255 "
                    "characters (write ${!Literal} for a literal '${')");
    char name[256];
    memcpy(name, pc->text, pc->len);
    name[pc->len] = '\0';
    json_t *v = NULL;
    char *text = NULL;
    int rc = sub_var(st, name, vars, &v);
    if (!rc)
        rc = text_of(st, v, "Fn::Sub", name, &text);
    if (!rc && tarn_buf_append(b, text, strlen(text)))
        rc = charge(st, SIZE_MAX);
    free(text);
    json_decref(v);
    return rc;
}

/* Fn::Sub: "text ${Name} ${Res.Attr} ${!Literal}" or [text, {vars}]. */
static int fn_sub(evalst *st, const json_t *arg, json_t **out)
{
    const json_t *tmpl = arg, *vars = NULL;
    if (json_is_array(arg)) {
        if (want_list(st, "Fn::Sub", arg, 2, 2, "a string, or [string, {variables}]"))
            return TARN_ERR_INVALID;
        tmpl = json_array_get(arg, 0);
        vars = json_array_get(arg, 1);
        if (!json_is_object(vars))
            return fail(st, TARN_ERR_INVALID,
                        "Fn::Sub: the second item must be a mapping of variables");
    }
    if (!json_is_string(tmpl))
        return fail(st, TARN_ERR_INVALID, "Fn::Sub takes a string, or [string, "
                    "{variables}] (the string cannot be an intrinsic function)");
    const char *s = json_string_value(tmpl);
    size_t len = json_string_length(tmpl), pos = 0;
    tarn_buf b;
    tarn_buf_init(&b, st->budget + 1);
    tarn_stack_sub_piece pc;
    int rc = TARN_OK;
    while (!rc && tarn_stack_sub_next(s, len, &pos, &pc)) {
        if (pc.is_var)
            rc = sub_append_var(st, &pc, vars, &b);
        else if (tarn_buf_append(&b, pc.text, pc.len))
            rc = charge(st, SIZE_MAX);
    }
    if (!rc)
        rc = make_string(st, b.data ? b.data : "", b.len, out);
    tarn_buf_free(&b);
    return rc;
}

/* Fn::GetAtt: [Resource, Attribute] or "Resource.Attribute"; the attribute
** may be a Ref. */
static int fn_getatt(evalst *st, const json_t *arg, json_t **out)
{
    char id[256], *attr = NULL;
    const char *s = json_string_value(arg), *dot = s ? strchr(s, '.') : NULL;
    if (dot && dot > s && dot[1] && dot - s < (long)sizeof id) {
        snprintf(id, sizeof id, "%.*s", (int)(dot - s), s);
        return resource_att(st, "Fn::GetAtt", id, dot + 1, out);
    }
    if (!json_is_array(arg) || json_array_size(arg) != 2 ||
        !json_is_string(json_array_get(arg, 0)) ||
        json_string_length(json_array_get(arg, 0)) >= sizeof id)
        return fail(st, TARN_ERR_INVALID,
                    "Fn::GetAtt takes [Resource, Attribute] or \"Resource.Attribute\"");
    snprintf(id, sizeof id, "%s", json_string_value(json_array_get(arg, 0)));
    int rc = eval_text(st, "Fn::GetAtt", 1, json_array_get(arg, 1), "the attribute", &attr);
    if (!rc)
        rc = resource_att(st, "Fn::GetAtt", id, attr, out);
    free(attr);
    return rc;
}

/* Evaluate arg as a list (a literal list or an intrinsic giving one). */
static int eval_list(evalst *st, const char *fn, long idx, const json_t *node,
                     json_t **out)
{
    int rc = eval_part(st, fn, idx, node, out);
    if (rc || json_is_array(*out))
        return rc;
    json_decref(*out);
    *out = NULL;
    return fail(st, TARN_ERR_INVALID, "%s: item %ld must be a list", fn, idx);
}

/* Fn::Join: [delimiter, [values]]. */
static int fn_join(evalst *st, const json_t *arg, json_t **out)
{
    if (want_list(st, "Fn::Join", arg, 2, 2, "[delimiter, [values]]"))
        return TARN_ERR_INVALID;
    const json_t *d = json_array_get(arg, 0);
    if (!json_is_string(d))
        return fail(st, TARN_ERR_INVALID, "Fn::Join: the delimiter must be a string");
    json_t *list = NULL, *x;
    int rc = eval_list(st, "Fn::Join", 1, json_array_get(arg, 1), &list);
    tarn_buf b;
    tarn_buf_init(&b, st->budget + 1);
    size_t i;
    json_array_foreach(list, i, x) {
        char *t = NULL;
        if (rc || (rc = text_of(st, x, "Fn::Join", "each value", &t)))
            break;
        if ((i && tarn_buf_append(&b, json_string_value(d), json_string_length(d))) ||
            tarn_buf_append(&b, t, strlen(t)))
            rc = charge(st, SIZE_MAX);
        free(t);
    }
    if (!rc)
        rc = make_string(st, b.data ? b.data : "", b.len, out);
    tarn_buf_free(&b);
    json_decref(list);
    return rc;
}

/* Fn::Select: [index, [values]]. */
static int fn_select(evalst *st, const json_t *arg, json_t **out)
{
    if (want_list(st, "Fn::Select", arg, 2, 2, "[index, [values]]"))
        return TARN_ERR_INVALID;
    char *t = NULL, *end;
    json_t *list = NULL;
    int rc = eval_text(st, "Fn::Select", 0, json_array_get(arg, 0), "the index", &t);
    if (!rc)
        rc = eval_list(st, "Fn::Select", 1, json_array_get(arg, 1), &list);
    if (!rc) {
        unsigned long long i = strtoull(t, &end, 10);
        if (!isdigit((unsigned char)t[0]) || *end || i >= json_array_size(list))
            rc = fail(st, TARN_ERR_INVALID,
                      "Fn::Select: index '%.40s' is not within the list of %zu values",
                      t, json_array_size(list));
        else
            *out = json_incref(json_array_get(list, (size_t)i));
    }
    free(t);
    json_decref(list);
    return rc;
}

/* Fn::Split: [delimiter, string]. */
static int fn_split(evalst *st, const json_t *arg, json_t **out)
{
    if (want_list(st, "Fn::Split", arg, 2, 2, "[delimiter, string]"))
        return TARN_ERR_INVALID;
    const json_t *d = json_array_get(arg, 0);
    if (!json_is_string(d) || json_string_length(d) == 0)
        return fail(st, TARN_ERR_INVALID,
                    "Fn::Split: the delimiter must be a non-empty string");
    char *s = NULL;
    int rc = eval_text(st, "Fn::Split", 1, json_array_get(arg, 1), "the source", &s);
    if (rc)
        return rc;
    const char *delim = json_string_value(d), *p = s;
    json_t *arr = json_array(), *piece;
    for (;;) {
        const char *q = strstr(p, delim);
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if ((rc = make_string(st, p, n, &piece)))
            break;
        json_array_append_new(arr, piece);
        if (!q)
            break;
        p = q + strlen(delim);
    }
    free(s);
    if (rc)
        json_decref(arr);
    else
        *out = arr;
    return rc;
}

/* Fn::If: [condition, value if true, value if false]. */
static int fn_if(evalst *st, const json_t *arg, json_t **out)
{
    if (want_list(st, "Fn::If", arg, 3, 3,
                  "[condition name, value if true, value if false]"))
        return TARN_ERR_INVALID;
    const char *name = json_string_value(json_array_get(arg, 0));
    if (!name)
        return fail(st, TARN_ERR_INVALID, "Fn::If: the condition must be named by a string");
    bool v;
    int rc = cond_value(st, name, &v);
    if (rc)
        return rc;
    return eval_part(st, "Fn::If", v ? 1 : 2, json_array_get(arg, v ? 1 : 2), out);
}

/* Fn::Equals: [a, b]; scalars compare by their text. */
static int fn_equals(evalst *st, const json_t *arg, json_t **out)
{
    if (want_list(st, "Fn::Equals", arg, 2, 2, "[value, value]"))
        return TARN_ERR_INVALID;
    json_t *a = NULL, *b = NULL;
    int rc = eval_part(st, "Fn::Equals", 0, json_array_get(arg, 0), &a);
    if (!rc)
        rc = eval_part(st, "Fn::Equals", 1, json_array_get(arg, 1), &b);
    if (!rc) {
        char *ta = a ? tarn_stack_scalar_text(a) : NULL;
        char *tb = b ? tarn_stack_scalar_text(b) : NULL;
        bool eq = (ta && tb) ? strcmp(ta, tb) == 0 : json_equal(a, b) || a == b;
        free(ta);
        free(tb);
        *out = json_boolean(eq);
    }
    json_decref(a);
    json_decref(b);
    return rc;
}

/* Fn::And / Fn::Or: 2 to 10 conditions. */
static int fn_andor(evalst *st, const char *fn, const json_t *arg, json_t **out)
{
    if (want_list(st, fn, arg, 2, 10, "a list of 2 to 10 conditions"))
        return TARN_ERR_INVALID;
    bool is_and = strcmp(fn, "Fn::And") == 0, acc = is_and;
    size_t i;
    const json_t *c;
    json_array_foreach(arg, i, c) {
        bool v;
        size_t mark = tarn_stack_path_key(&st->path, fn);
        tarn_stack_path_index(&st->path, i);
        int rc = eval_cond(st, c, &v);
        tarn_stack_path_pop(&st->path, mark);
        if (rc)
            return rc;
        acc = is_and ? (acc && v) : (acc || v);
    }
    *out = json_boolean(acc);
    return TARN_OK;
}

/* Fn::Not: [condition]. */
static int fn_not(evalst *st, const json_t *arg, json_t **out)
{
    if (want_list(st, "Fn::Not", arg, 1, 1, "a list of one condition"))
        return TARN_ERR_INVALID;
    bool v;
    size_t mark = tarn_stack_path_key(&st->path, "Fn::Not");
    tarn_stack_path_index(&st->path, 0);
    int rc = eval_cond(st, json_array_get(arg, 0), &v);
    tarn_stack_path_pop(&st->path, mark);
    if (!rc)
        *out = json_boolean(!v);
    return rc;
}

/* The value at Mappings.k[0].k[1].k[2], copied into *out. */
static int map_lookup(evalst *st, char *const k[3], json_t **out)
{
    const json_t *m = json_object_get(json_object_get(st->ctx->tpl, "Mappings"), k[0]);
    const json_t *top = json_object_get(m, k[1]);
    const json_t *v = json_object_get(top, k[2]);
    if (!m)
        return fail(st, TARN_ERR_NOTFOUND, "Fn::FindInMap: no mapping '%.200s' under "
                    "Mappings", k[0]);
    if (!top)
        return fail(st, TARN_ERR_NOTFOUND,
                    "Fn::FindInMap: mapping '%.200s' has no key '%.200s'", k[0], k[1]);
    if (!v)
        return fail(st, TARN_ERR_NOTFOUND,
                    "Fn::FindInMap: mapping '%.200s' has no key '%.200s' under '%.200s'",
                    k[0], k[2], k[1]);
    return copy_literal(st, v, out);
}

/* Fn::FindInMap: [map, top-level key, second-level key]. */
static int fn_findinmap(evalst *st, const json_t *arg, json_t **out)
{
    if (want_list(st, "Fn::FindInMap", arg, 3, 3,
                  "[map name, top-level key, second-level key]"))
        return TARN_ERR_INVALID;
    char *k[3] = {NULL, NULL, NULL};
    static const char *const what[3] = {"the map name", "the top-level key",
                                        "the second-level key"};
    int rc = TARN_OK;
    for (int i = 0; i < 3 && !rc; i++)
        rc = eval_text(st, "Fn::FindInMap", i, json_array_get(arg, (size_t)i), what[i], &k[i]);
    if (!rc)
        rc = map_lookup(st, k, out);
    for (int i = 0; i < 3; i++)
        free(k[i]);
    return rc;
}

/* Fn::ImportValue: an export of another stack, from the import callback. */
static int fn_import(evalst *st, const json_t *arg, json_t **out)
{
    char *name = NULL;
    int rc = eval_text(st, "Fn::ImportValue", -1, arg, "the export name", &name);
    if (rc)
        return rc;
    if (!st->ctx->import)
        rc = fail(st, TARN_ERR_UNSUPPORTED,
                  "Fn::ImportValue '%.200s' needs the exports of other stacks, which "
                  "are not available here", name);
    else {
        *out = NULL;
        rc = st->ctx->import(st->ctx->cb_arg, name, out, st->err);
        rc = from_callback(st, rc, "importing the export", out);
    }
    free(name);
    return rc;
}

/* Fn::Base64: the Base64 encoding of a string. */
static int fn_base64(evalst *st, const json_t *arg, json_t **out)
{
    char *s = NULL;
    int rc = eval_text(st, "Fn::Base64", -1, arg, "the value", &s);
    if (rc)
        return rc;
    size_t n = strlen(s), enc = (n + 2) / 3 * 4;
    if (n > INT_MAX / 2 || (rc = charge(st, enc))) {
        free(s);
        return rc ? rc : fail(st, TARN_ERR_LIMIT, "Fn::Base64: value too long");
    }
    unsigned char *buf = tarn_xmalloc(enc + 1);
    int m = EVP_EncodeBlock(buf, (const unsigned char *)s, (int)n);
    free(s);
    rc = make_string(st, (const char *)buf, (size_t)m, out);
    free(buf);
    return rc;
}

/* Fn::GetAZs: the region's availability zones ("" or the context's region):
** tarn has none, so it gives three named like AWS's: <region>a, b and c. */
static int fn_getazs(evalst *st, const json_t *arg, json_t **out)
{
    char *region = NULL;
    int rc = eval_text(st, "Fn::GetAZs", -1, arg, "the region", &region);
    if (rc)
        return rc;
    const char *r = *region ? region : ctx_region(st->ctx);
    json_t *arr = json_array(), *az;
    for (char c = 'a'; c <= 'c' && !rc; c++) {
        char *name = tarn_xasprintf("%.100s%c", r, c);
        if (!(rc = make_string(st, name, strlen(name), &az)))
            json_array_append_new(arr, az);
        free(name);
    }
    free(region);
    if (rc)
        json_decref(arr);
    else
        *out = arr;
    return rc;
}

typedef int (*fn_impl)(evalst *, const json_t *, json_t **);

static const struct {
    const char *name;
    fn_impl impl;
} functions[] = {
    {"Ref", fn_ref},           {"Fn::Sub", fn_sub},
    {"Fn::GetAtt", fn_getatt}, {"Fn::Join", fn_join},
    {"Fn::Select", fn_select}, {"Fn::Split", fn_split},
    {"Fn::If", fn_if},         {"Fn::Equals", fn_equals},
    {"Fn::Not", fn_not},       {"Fn::FindInMap", fn_findinmap},
    {"Fn::ImportValue", fn_import}, {"Fn::Base64", fn_base64},
    {"Fn::GetAZs", fn_getazs},
};

/* Call intrinsic fn with argument arg. */
static int eval_fn(evalst *st, const char *fn, const json_t *arg, json_t **out)
{
    if (!strcmp(fn, "Fn::And") || !strcmp(fn, "Fn::Or"))
        return fn_andor(st, fn, arg, out);
    for (size_t i = 0; i < sizeof functions / sizeof *functions; i++)
        if (!strcmp(fn, functions[i].name))
            return functions[i].impl(st, arg, out);
    return fail(st, TARN_ERR_UNSUPPORTED,
                "unsupported intrinsic function '%.100s'; tarn evaluates Ref, Fn::Sub, "
                "Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::If, Fn::Equals, "
                "Fn::And, Fn::Or, Fn::Not, Fn::FindInMap, Fn::ImportValue, "
                "Fn::Base64 and Fn::GetAZs", fn);
}

/* Evaluate a condition expression: {"Condition": name}, or an intrinsic
** (or literal) that must give true or false. */
static int eval_cond(evalst *st, const json_t *node, bool *v)
{
    const json_t *name = json_object_get(node, "Condition");
    if (json_object_size(node) == 1 && name) {
        if (!json_is_string(name))
            return fail(st, TARN_ERR_INVALID, "Condition must name a condition");
        if (++st->depth > TARN_STACK_MAX_DEPTH)
            return fail(st, TARN_ERR_LIMIT, "conditions nested deeper than %d levels",
                        TARN_STACK_MAX_DEPTH);
        int rc = cond_value(st, json_string_value(name), v);
        st->depth--;
        return rc;
    }
    json_t *r = NULL;
    int rc = eval_node(st, node, &r);
    if (!rc && !json_is_boolean(r))
        rc = fail(st, TARN_ERR_INVALID,
                  "a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or "
                  "{\"Condition\": name}, giving true or false");
    if (!rc)
        *v = json_is_true(r);
    json_decref(r);
    return rc;
}

/* Evaluate an object or array that is not an intrinsic: each member,
** dropping those that evaluate to AWS::NoValue. */
static int eval_container(evalst *st, const json_t *node, json_t **out)
{
    int rc = charge(st, NODE_COST);
    json_t *copy = json_is_object(node) ? json_object() : json_array(), *v;
    const char *k;
    const json_t *child;
    size_t i;
    if (json_is_object(node)) {
        json_object_foreach((json_t *)node, k, child) {
            size_t mark = tarn_stack_path_key(&st->path, k);
            if (!rc && !(rc = eval_node(st, child, &v)) && v)
                json_object_set_new(copy, k, v);
            tarn_stack_path_pop(&st->path, mark);
        }
    } else {
        json_array_foreach(node, i, child) {
            size_t mark = tarn_stack_path_index(&st->path, i);
            if (!rc && !(rc = eval_node(st, child, &v)) && v)
                json_array_append_new(copy, v);
            tarn_stack_path_pop(&st->path, mark);
        }
    }
    if (rc)
        json_decref(copy);
    else
        *out = copy;
    return rc;
}

/* Evaluate node into *out (NULL for AWS::NoValue). */
static int eval_node(evalst *st, const json_t *node, json_t **out)
{
    *out = NULL;
    if (++st->depth > TARN_STACK_MAX_DEPTH) {
        st->depth--;
        return fail(st, TARN_ERR_LIMIT, "nested deeper than %d levels",
                    TARN_STACK_MAX_DEPTH);
    }
    const char *fn;
    json_t *arg;
    int rc;
    if (tarn_stack_intrinsic(node, &fn, &arg))
        rc = eval_fn(st, fn, arg, out);
    else if (json_is_object(node) || json_is_array(node))
        rc = eval_container(st, node, out);
    else
        rc = copy_literal(st, node, out);
    st->depth--;
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* ---- entry points ------------------------------------------------------ */

/* Set up an evaluation of ctx with error path root. */
static void evalst_init(evalst *st, const tarn_eval_ctx *ctx, const char *root,
                        tarn_error *err)
{
    memset(st, 0, sizeof *st);
    st->ctx = ctx;
    st->err = err;
    st->budget = ctx->max_bytes ? ctx->max_bytes : TARN_EVAL_MAX_BYTES_DEFAULT;
    tarn_stack_path_init(&st->path, root);
}

int tarn_stack_eval(const tarn_eval_ctx *ctx, const char *path, const json_t *node,
                    json_t **out, tarn_error *err)
{
    evalst st;
    evalst_init(&st, ctx, path, err);
    return eval_node(&st, node, out);
}

int tarn_stack_conditions_eval(const tarn_eval_ctx *ctx, json_t **out,
                               tarn_error *err)
{
    evalst st;
    evalst_init(&st, ctx, "Conditions", err);
    st.cond_memo = json_object();
    st.cond_busy = json_array();
    *out = json_object();
    const char *name;
    const json_t *def;
    int rc = TARN_OK;
    json_object_foreach(json_object_get(ctx->tpl, "Conditions"), name, def) {
        bool v;
        if ((rc = cond_compute(&st, name, &v)))
            break;
        json_object_set_new(*out, name, json_boolean(v));
    }
    json_decref(st.cond_memo);
    json_decref(st.cond_busy);
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

bool tarn_stack_resource_enabled(const tarn_eval_ctx *ctx, const char *id)
{
    const json_t *r = tarn_stack_resource(ctx, id);
    if (!r)
        return false;
    const json_t *cond = json_object_get(r, "Condition");
    if (!cond)
        return true;
    return json_is_true(json_object_get(ctx->conditions, json_string_value(cond)));
}

int tarn_stack_eval_resource(const tarn_eval_ctx *ctx, const char *id, json_t **out,
                             tarn_error *err)
{
    *out = NULL;
    const json_t *r = tarn_stack_resource(ctx, id);
    if (!r)
        return tarn_error_set(err, TARN_ERR_NOTFOUND,
                              "the template has no resource '%s'", id);
    const json_t *props = json_object_get(r, "Properties");
    char root[300];
    snprintf(root, sizeof root, "Resources.%s.Properties", id);
    int rc = TARN_OK;
    if (json_is_object(props))
        rc = tarn_stack_eval(ctx, root, props, out, err);
    if (!rc && !*out)
        *out = json_object();
    if (!rc && !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        rc = tarn_error_set(err, TARN_ERR_INVALID, "%s: must evaluate to a mapping of "
                            "property names to values", root);
    }
    return rc;
}

/* Evaluate output id (o is its definition) into *out, or leave *out NULL
** when its Condition is false. */
static int eval_output(evalst *st, const char *id, const json_t *o, json_t **out)
{
    const char *cond = json_string_value(json_object_get(o, "Condition"));
    bool on = true;
    int rc = cond ? cond_value(st, cond, &on) : TARN_OK;
    if (rc || !on)
        return rc;
    json_t *v = NULL, *res = json_object();
    size_t mark = tarn_stack_path_key(&st->path, id);
    size_t inner = tarn_stack_path_key(&st->path, "Value");
    rc = eval_node(st, json_object_get(o, "Value"), &v);
    if (!rc && !v)
        rc = fail(st, TARN_ERR_INVALID, "an output's value cannot be AWS::NoValue");
    tarn_stack_path_pop(&st->path, inner);
    if (!rc)
        json_object_set_new(res, "Value", v);
    const json_t *desc = json_object_get(o, "Description");
    if (!rc && desc)
        json_object_set_new(res, "Description", json_incref((json_t *)desc));
    const json_t *exp = json_object_get(json_object_get(o, "Export"), "Name");
    char *name = NULL;
    if (!rc && exp && !(rc = eval_text(st, "Export.Name", -1, exp, "the export name", &name))) {
        if (!*name)
            rc = fail(st, TARN_ERR_INVALID, "Export.Name must not be empty");
        else
            json_object_set_new(res, "ExportName", json_string(name));
    }
    free(name);
    tarn_stack_path_pop(&st->path, mark);
    if (rc)
        json_decref(res);
    else
        *out = res;
    return rc;
}

int tarn_stack_eval_outputs(const tarn_eval_ctx *ctx, json_t **out, tarn_error *err)
{
    evalst st;
    evalst_init(&st, ctx, "Outputs", err);
    *out = json_object();
    const char *id;
    const json_t *o;
    int rc = TARN_OK;
    json_object_foreach(json_object_get(ctx->tpl, "Outputs"), id, o) {
        json_t *v = NULL;
        if ((rc = eval_output(&st, id, o, &v)))
            break;
        if (v)
            json_object_set_new(*out, id, v);
    }
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}
