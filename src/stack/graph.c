/*
** graph.c: the dependency graph of a template's resources (stack.h):
** which resources each one names (Ref, Fn::GetAtt, ${X} in Fn::Sub,
** DependsOn, taken Fn::If branches only) and a deterministic topological
** order for creation (Kahn's algorithm with a min-heap on template
** position), or the cycle that prevents one. Evaluation is intrinsics.c's.
*/
#include "stack/stack_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The state of collecting one resource's dependencies. */
typedef struct gwalk {
    const tarn_eval_ctx *ctx;
    tarn_error *err;
    tarn_stack_path path;
    json_t *deps; /* ids, in first-mention order */
    json_t *seen; /* the same ids, as a set */
    int depth;
} gwalk;

static int walk(gwalk *w, const json_t *node);

/* Fill the error with "<path>: <message>". */
static int gfail(gwalk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int gfail(gwalk *w, const char *fmt, ...)
{
    char msg[TARN_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tarn_error_set(w->err, TARN_ERR_INVALID, "%s: %s", w->path.buf, msg);
}

/* Record a dependency on resource id, which must exist and be created. */
static int add_dep(gwalk *w, const char *how, const char *id)
{
    const json_t *r = tarn_stack_resource(w->ctx, id);
    if (!r)
        return gfail(w, "%s names unknown resource '%.200s'", how, id);
    if (!tarn_stack_resource_enabled(w->ctx, id))
        return gfail(w, "%s names resource '%.200s', which is not created because its "
                     "condition '%.200s' is false; guard the reference with Fn::If",
                     how, id, json_string_value(json_object_get(r, "Condition")));
    if (!json_object_get(w->seen, id)) {
        json_object_set_new(w->seen, id, json_true());
        json_array_append_new(w->deps, json_string(id));
    }
    return TARN_OK;
}

/* The resource named by a Fn::Sub variable, if any: "X" or "X.Attr". */
static int sub_name_dep(gwalk *w, const char *name, size_t len, const json_t *vars)
{
    char buf[256];
    if (len == 0 || len >= sizeof buf)
        return TARN_OK; /* the evaluator reports it */
    memcpy(buf, name, len);
    buf[len] = '\0';
    if (json_object_get(vars, buf) || tarn_stack_is_pseudo(buf) ||
        json_object_get(json_object_get(w->ctx->tpl, "Parameters"), buf))
        return TARN_OK;
    if (tarn_stack_resource(w->ctx, buf))
        return add_dep(w, "Fn::Sub", buf);
    char *dot = strchr(buf, '.');
    if (dot) {
        *dot = '\0';
        if (tarn_stack_resource(w->ctx, buf))
            return add_dep(w, "Fn::Sub", buf);
    }
    return TARN_OK;
}

/* Fn::Sub: the names in its string, then its variables' values. */
static int walk_sub(gwalk *w, const json_t *arg)
{
    const json_t *str = json_is_array(arg) ? json_array_get(arg, 0) : arg;
    const json_t *vars = json_is_array(arg) ? json_array_get(arg, 1) : NULL;
    const char *s = json_string_value(str);
    size_t len = json_string_length(str), pos = 0;
    tarn_stack_sub_piece pc;
    int rc = TARN_OK;
    while (s && !rc && tarn_stack_sub_next(s, len, &pos, &pc))
        if (pc.is_var)
            rc = sub_name_dep(w, pc.text, pc.len, vars);
    return rc ? rc : walk(w, vars);
}

/* Fn::GetAtt: "Res.Attr" or [Res, Attr]. */
static int walk_getatt(gwalk *w, const json_t *arg)
{
    const char *s = json_string_value(arg);
    if (s) {
        const char *dot = strchr(s, '.');
        char *id = tarn_xstrndup(s, dot ? (size_t)(dot - s) : strlen(s));
        int rc = add_dep(w, "Fn::GetAtt", id);
        free(id);
        return rc;
    }
    const char *id = json_string_value(json_array_get(arg, 0));
    if (!id)
        return walk(w, arg);
    int rc = add_dep(w, "Fn::GetAtt", id);
    return rc ? rc : walk(w, json_array_get(arg, 1));
}

/* Fn::If: only the branch its condition takes. */
static int walk_if(gwalk *w, const json_t *arg)
{
    const char *name = json_string_value(json_array_get(arg, 0));
    const json_t *v = name ? json_object_get(w->ctx->conditions, name) : NULL;
    if (!json_is_boolean(v))
        return walk(w, arg); /* the evaluator reports the bad Fn::If */
    return walk(w, json_array_get(arg, json_is_true(v) ? 1 : 2));
}

/* Visit every member of an object or array. */
static int walk_children(gwalk *w, const json_t *node)
{
    const char *k;
    const json_t *child;
    size_t i;
    int rc = TARN_OK;
    if (json_is_object(node)) {
        json_object_foreach((json_t *)node, k, child) {
            size_t mark = tarn_stack_path_key(&w->path, k);
            rc = walk(w, child);
            tarn_stack_path_pop(&w->path, mark);
            if (rc)
                break;
        }
    } else {
        json_array_foreach(node, i, child) {
            size_t mark = tarn_stack_path_index(&w->path, i);
            rc = walk(w, child);
            tarn_stack_path_pop(&w->path, mark);
            if (rc)
                break;
        }
    }
    return rc;
}

/* Collect the resources node names. */
static int walk(gwalk *w, const json_t *node)
{
    if (!json_is_object(node) && !json_is_array(node))
        return TARN_OK;
    if (w->depth >= TARN_STACK_MAX_DEPTH)
        return gfail(w, "nested deeper than %d levels", TARN_STACK_MAX_DEPTH);
    w->depth++;
    const char *fn;
    json_t *arg;
    int rc;
    if (!tarn_stack_intrinsic(node, &fn, &arg))
        rc = walk_children(w, node);
    else if (!strcmp(fn, "Ref"))
        rc = json_is_string(arg) && tarn_stack_resource(w->ctx, json_string_value(arg))
                 ? add_dep(w, "Ref", json_string_value(arg))
                 : TARN_OK;
    else if (!strcmp(fn, "Fn::GetAtt"))
        rc = walk_getatt(w, arg);
    else if (!strcmp(fn, "Fn::Sub"))
        rc = walk_sub(w, arg);
    else if (!strcmp(fn, "Fn::If"))
        rc = walk_if(w, arg);
    else
        rc = walk(w, arg);
    w->depth--;
    return rc;
}

/* DependsOn: a logical id or a list of them. */
static int walk_depends_on(gwalk *w, const json_t *d)
{
    size_t mark = tarn_stack_path_key(&w->path, "DependsOn");
    int rc = TARN_OK;
    if (json_is_string(d))
        rc = add_dep(w, "DependsOn", json_string_value(d));
    size_t i;
    const json_t *x;
    json_array_foreach(d, i, x) {
        if (!rc)
            rc = json_is_string(x) ? add_dep(w, "DependsOn", json_string_value(x))
                                   : gfail(w, "DependsOn takes logical ids");
    }
    tarn_stack_path_pop(&w->path, mark);
    return rc;
}

int tarn_stack_resource_deps(const tarn_eval_ctx *ctx, const char *id, json_t **out,
                             tarn_error *err)
{
    static const char *const parts[] = {"Properties", "Metadata", "CreationPolicy",
                                        "UpdatePolicy"};
    *out = NULL;
    const json_t *r = tarn_stack_resource(ctx, id);
    if (!r)
        return tarn_error_set(err, TARN_ERR_NOTFOUND, "the template has no resource '%s'",
                              id);
    gwalk w = {.ctx = ctx, .err = err, .deps = json_array(), .seen = json_object()};
    tarn_stack_path_init(&w.path, "Resources");
    tarn_stack_path_key(&w.path, id);
    int rc = walk_depends_on(&w, json_object_get(r, "DependsOn"));
    for (size_t i = 0; i < sizeof parts / sizeof *parts && !rc; i++) {
        size_t mark = tarn_stack_path_key(&w.path, parts[i]);
        rc = walk(&w, json_object_get(r, parts[i]));
        tarn_stack_path_pop(&w.path, mark);
    }
    json_decref(w.seen);
    if (rc)
        json_decref(w.deps);
    else
        *out = w.deps;
    return rc;
}

/* ---- ordering ---------------------------------------------------------- */

/* The graph over the created resources, numbered in template order. */
typedef struct graph {
    size_t n;
    const char **ids;   /* borrowed from the template */
    size_t **deps;      /* deps[i]: indices i depends on */
    size_t *ndeps;
    size_t **users;     /* users[i]: indices that depend on i */
    size_t *nusers;
    size_t *indeg;      /* dependencies not yet placed */
} graph;

static void graph_free(graph *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->deps[i]);
        free(g->users[i]);
    }
    free(g->ids);
    free(g->deps);
    free(g->ndeps);
    free(g->users);
    free(g->nusers);
    free(g->indeg);
}

/* Number the created resources; index maps id -> number. */
static int graph_nodes(const tarn_eval_ctx *ctx, graph *g, json_t *index, tarn_error *err)
{
    const json_t *res = json_object_get(ctx->tpl, "Resources");
    size_t cap = json_object_size(res) + 1;
    g->ids = tarn_xcalloc(cap, sizeof *g->ids);
    g->deps = tarn_xcalloc(cap, sizeof *g->deps);
    g->ndeps = tarn_xcalloc(cap, sizeof *g->ndeps);
    g->users = tarn_xcalloc(cap, sizeof *g->users);
    g->nusers = tarn_xcalloc(cap, sizeof *g->nusers);
    g->indeg = tarn_xcalloc(cap, sizeof *g->indeg);
    const char *id;
    const json_t *r;
    json_object_foreach((json_t *)res, id, r) {
        const char *cond = json_string_value(json_object_get(r, "Condition"));
        if (cond && !json_is_boolean(json_object_get(ctx->conditions, cond)))
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "Resources.%s.Condition: condition '%s' was not evaluated "
                                  "(run tarn_stack_conditions_eval first)", id, cond);
        if (!tarn_stack_resource_enabled(ctx, id))
            continue;
        json_object_set_new(index, id, json_integer((json_int_t)g->n));
        g->ids[g->n++] = id;
    }
    return TARN_OK;
}

/* Add node i's dependencies (and the reverse edges). */
static int graph_edges(const tarn_eval_ctx *ctx, graph *g, size_t i, const json_t *index,
                       tarn_error *err)
{
    json_t *deps, *d;
    int rc = tarn_stack_resource_deps(ctx, g->ids[i], &deps, err);
    if (rc)
        return rc;
    g->deps[i] = tarn_xcalloc(json_array_size(deps) + 1, sizeof **g->deps);
    size_t k;
    json_array_foreach(deps, k, d) {
        size_t j = (size_t)json_integer_value(json_object_get(index, json_string_value(d)));
        g->deps[i][g->ndeps[i]++] = j;
        g->users[j] = tarn_xrealloc(g->users[j], (g->nusers[j] + 1) * sizeof **g->users);
        g->users[j][g->nusers[j]++] = i;
        g->indeg[i]++;
    }
    json_decref(deps);
    return TARN_OK;
}

/* A min-heap of node numbers. */
typedef struct heap {
    size_t *v;
    size_t n;
} heap;

static void heap_push(heap *h, size_t x)
{
    size_t i = h->n++;
    while (i > 0 && h->v[(i - 1) / 2] > x) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = x;
}

static size_t heap_pop(heap *h)
{
    size_t top = h->v[0], x = h->v[--h->n], i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->v[c + 1] < h->v[c])
            c++;
        if (h->v[c] >= x)
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n)
        h->v[i] = x;
    return top;
}

/* Report a cycle among the nodes not placed (placed[i] false): walk from
** the first such node along unplaced dependencies until a node repeats. */
static int report_cycle(const graph *g, const bool *placed, tarn_error *err)
{
    size_t *seq = tarn_xcalloc(g->n + 1, sizeof *seq), len = 0, start = 0, cur = 0;
    size_t *pos = tarn_xcalloc(g->n, sizeof *pos); /* 1 + place in seq */
    while (placed[cur])
        cur++;
    while (!pos[cur]) {
        pos[cur] = ++len;
        seq[len - 1] = cur;
        for (size_t k = 0; k < g->ndeps[cur]; k++)
            if (!placed[g->deps[cur][k]]) {
                cur = g->deps[cur][k];
                break;
            }
    }
    start = pos[cur] - 1;
    char chain[TARN_ERROR_MAX - 64] = "";
    for (size_t i = start; i <= len; i++) {
        size_t n = strlen(chain);
        snprintf(chain + n, sizeof chain - n, "%s%s", i > start ? " -> " : "",
                 g->ids[i < len ? seq[i] : seq[start]]);
    }
    free(seq);
    free(pos);
    return tarn_error_set(err, TARN_ERR_INVALID,
                          "Resources: circular dependency: %s; remove a Ref, Fn::GetAtt, "
                          "Fn::Sub reference or DependsOn on that path", chain);
}

/* Kahn's algorithm: fill ids (n slots) with the order, or report a cycle. */
static int graph_sort(graph *g, char **ids, tarn_error *err)
{
    heap h = {tarn_xcalloc(g->n + 1, sizeof *h.v), 0};
    bool *placed = tarn_xcalloc(g->n + 1, sizeof *placed);
    size_t done = 0;
    for (size_t i = 0; i < g->n; i++)
        if (g->indeg[i] == 0)
            heap_push(&h, i);
    while (h.n) {
        size_t i = heap_pop(&h);
        placed[i] = true;
        ids[done++] = tarn_xstrdup(g->ids[i]);
        for (size_t k = 0; k < g->nusers[i]; k++)
            if (--g->indeg[g->users[i][k]] == 0)
                heap_push(&h, g->users[i][k]);
    }
    int rc = done == g->n ? TARN_OK : report_cycle(g, placed, err);
    free(h.v);
    free(placed);
    return rc;
}

int tarn_stack_order(const tarn_eval_ctx *ctx, char ***ids, size_t *n, tarn_error *err)
{
    graph g = {0};
    json_t *index = json_object();
    *ids = NULL;
    *n = 0;
    int rc = graph_nodes(ctx, &g, index, err);
    for (size_t i = 0; i < g.n && !rc; i++)
        rc = graph_edges(ctx, &g, i, index, err);
    char **out = tarn_xcalloc(g.n + 1, sizeof *out);
    if (!rc)
        rc = graph_sort(&g, out, err);
    if (rc) {
        tarn_stack_order_free(out, g.n);
    } else {
        *ids = out;
        *n = g.n;
    }
    json_decref(index);
    graph_free(&g);
    return rc;
}

void tarn_stack_order_free(char **ids, size_t n)
{
    if (!ids)
        return;
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}
