/*
** graph.c: a workflow's triggers as a graph. Reads the triggers table into
** a snapshot (a JSON array of Glue Trigger objects), parses a snapshot
** into flow_graph (flow_int.h), finds what lies downstream of a set of
** nodes, and renders the graph as a text tree or Graphviz dot. Running the
** graph is run.c's.
*/
#include "flow/flow_int.h"

#include <stdlib.h>
#include <string.h>

const char *tarn_flow_kind_name(tarn_flow_kind k)
{
    return k == TARN_FLOW_CRAWLER ? "CRAWLER" : "JOB";
}

bool flow_trigger_is_start(const flow_trigger *tr)
{
    return strcmp(tr->type, "ON_DEMAND") == 0 || strcmp(tr->type, "SCHEDULED") == 0;
}

/* ---- snapshot from the catalog ---- */

/* One trigger row as a Glue Trigger object. */
static json_t *trigger_object(sqlite3_stmt *st)
{
    json_t *o = json_object();
    const char *keys[] = {"Name", "Type", "Schedule", "State"};
    int cols[] = {0, 1, 2, 5};
    for (int i = 0; i < 4; i++)
        if (sqlite3_column_type(st, cols[i]) != SQLITE_NULL)
            json_object_set_new(o, keys[i],
                                json_string((const char *)sqlite3_column_text(st, cols[i])));
    json_t *pred = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
    json_t *acts = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
    json_object_set_new(o, "Predicate", pred ? pred : json_object());
    json_object_set_new(o, "Actions", acts ? acts : json_array());
    return o;
}

/* The triggers selected by sql (one text parameter) as a snapshot. */
static int snapshot_query(tarn_catalog *cat, const char *sql, const char *param,
                          char **snapshot, tarn_error *err)
{
    *snapshot = NULL;
    sqlite3_stmt *st = NULL;
    int s = sqlite3_prepare_v2(tarn_catalog_db(cat), sql, -1, &st, NULL);
    if (s != SQLITE_OK)
        return tarn_catalog_sql_error(cat, s, "reading triggers", err);
    sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
    json_t *arr = json_array();
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr, trigger_object(st));
    sqlite3_finalize(st);
    int rc = TARN_OK;
    if (s != SQLITE_DONE)
        rc = tarn_catalog_sql_error(cat, s, "reading triggers", err);
    else
        *snapshot = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return rc;
}

#define TRIGGER_COLS "SELECT name, type, schedule, predicate, actions, state FROM triggers "

int flow_snapshot_load(tarn_catalog *cat, const char *name, char **snapshot, tarn_error *err)
{
    return snapshot_query(cat, TRIGGER_COLS "WHERE workflow_name = ? ORDER BY name", name,
                          snapshot, err);
}

int flow_trigger_snapshot(tarn_catalog *cat, const char *name, char **snapshot,
                          tarn_error *err)
{
    return snapshot_query(cat, TRIGGER_COLS "WHERE name = ?", name, snapshot, err);
}

/* ---- parsing ---- */

static bool one_of(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

static const char *const job_states[] = {"SUCCEEDED", "STOPPED", "FAILED", "TIMEOUT", NULL};
static const char *const crawl_states[] = {"SUCCEEDED", "FAILED", "CANCELLED", NULL};

/* A string member, or NULL. */
static const char *str_member(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int parse_cond(const char *trig, json_t *c, flow_cond *out, tarn_error *err)
{
    const char *op = str_member(c, "LogicalOperator");
    if (!json_is_object(c) || (op && strcmp(op, "EQUALS") != 0))
        return tarn_error_set(err, TARN_ERR_INVALID, "trigger '%s': a Predicate condition must "
                              "be an object with LogicalOperator EQUALS", trig);
    const char *job = str_member(c, "JobName"), *crawler = str_member(c, "CrawlerName");
    const char *state = job ? str_member(c, "State") : str_member(c, "CrawlState");
    if (!job == !crawler || !state)
        return tarn_error_set(err, TARN_ERR_INVALID, "trigger '%s': a condition needs JobName "
                              "with State or CrawlerName with CrawlState", trig);
    if (!one_of(state, job ? job_states : crawl_states))
        return tarn_error_set(err, TARN_ERR_INVALID, "trigger '%s': %s '%s' is not one of %s",
                              trig, job ? "State" : "CrawlState", state,
                              job ? "SUCCEEDED, STOPPED, FAILED, TIMEOUT"
                                  : "SUCCEEDED, FAILED, CANCELLED");
    out->kind = job ? TARN_FLOW_JOB : TARN_FLOW_CRAWLER;
    out->name = tarn_xstrdup(job ? job : crawler);
    out->state = tarn_xstrdup(state);
    return TARN_OK;
}

static int parse_predicate(flow_trigger *t, json_t *p, tarn_error *err)
{
    const char *logical = str_member(p, "Logical");
    if (logical && strcmp(logical, "AND") != 0 && strcmp(logical, "ANY") != 0)
        return tarn_error_set(err, TARN_ERR_INVALID, "trigger '%s': Predicate.Logical '%s' "
                              "must be AND or ANY", t->name, logical);
    t->any = logical && strcmp(logical, "ANY") == 0;
    json_t *conds = json_object_get(p, "Conditions");
    size_t n = json_array_size(conds);
    t->conds = tarn_xcalloc(n ? n : 1, sizeof *t->conds);
    for (size_t i = 0; i < n; i++) {
        int rc = parse_cond(t->name, json_array_get(conds, i), &t->conds[i], err);
        if (rc)
            return rc;
        t->nconds++;
    }
    if (strcmp(t->type, "CONDITIONAL") == 0 && n == 0)
        return tarn_error_set(err, TARN_ERR_INVALID, "trigger '%s': a CONDITIONAL trigger needs "
                              "Predicate.Conditions", t->name);
    return TARN_OK;
}

static int parse_action(const char *trig, json_t *a, flow_action *out, tarn_error *err)
{
    const char *job = str_member(a, "JobName"), *crawler = str_member(a, "CrawlerName");
    if (!job == !crawler)
        return tarn_error_set(err, TARN_ERR_INVALID, "trigger '%s': each action needs either "
                              "JobName or CrawlerName", trig);
    out->kind = job ? TARN_FLOW_JOB : TARN_FLOW_CRAWLER;
    out->name = tarn_xstrdup(job ? job : crawler);
    json_t *args = json_object_get(a, "Arguments"), *to = json_object_get(a, "Timeout");
    if (args && !json_is_object(args))
        return tarn_error_set(err, TARN_ERR_INVALID, "trigger '%s': Arguments of '%s' must be "
                              "an object", trig, out->name);
    if (args)
        out->arguments = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
    if (to && (!json_is_integer(to) || json_integer_value(to) < 0))
        return tarn_error_set(err, TARN_ERR_INVALID, "trigger '%s': Timeout of '%s' must be "
                              "a number of minutes", trig, out->name);
    out->timeout = to ? json_integer_value(to) : 0;
    return TARN_OK;
}

/* Add (kind, name) to g's node list unless it is there. */
static void add_node(flow_graph *g, tarn_flow_kind kind, const char *name)
{
    if (flow_graph_node(g, kind, name) >= 0)
        return;
    g->nodes = tarn_xrealloc(g->nodes, (g->nnodes + 1) * sizeof *g->nodes);
    g->nodes[g->nnodes].kind = kind;
    g->nodes[g->nnodes++].name = tarn_xstrdup(name);
}

static int parse_trigger(flow_graph *g, json_t *o, flow_trigger *t, tarn_error *err)
{
    const char *name = str_member(o, "Name"), *type = str_member(o, "Type");
    if (!name || !type)
        return tarn_error_set(err, TARN_ERR_INVALID, "a trigger of the snapshot has no Name "
                              "or Type");
    t->name = tarn_xstrdup(name);
    t->type = tarn_xstrdup(type);
    const char *sched = str_member(o, "Schedule");
    t->schedule = sched ? tarn_xstrdup(sched) : NULL;
    const char *state = str_member(o, "State");
    t->deactivated = state && strncmp(state, "DEACTIVAT", 9) == 0;
    int rc = parse_predicate(t, json_object_get(o, "Predicate"), err);
    json_t *acts = json_object_get(o, "Actions");
    size_t n = json_array_size(acts);
    t->actions = tarn_xcalloc(n ? n : 1, sizeof *t->actions);
    for (size_t i = 0; !rc && i < n; i++) {
        rc = parse_action(name, json_array_get(acts, i), &t->actions[i], err);
        t->nactions++;
        if (!rc)
            add_node(g, t->actions[i].kind, t->actions[i].name);
    }
    return rc;
}

/* Whether trigger t has a condition on node (kind, name). */
static bool watches(const flow_trigger *t, tarn_flow_kind kind, const char *name)
{
    for (size_t k = 0; k < t->nconds; k++)
        if (t->conds[k].kind == kind && strcmp(t->conds[k].name, name) == 0)
            return true;
    return false;
}

/* Reorder g->nodes as they are reached from the start triggers (breadth
** first), so runs list their nodes in the order they can run. */
static void order_nodes(flow_graph *g)
{
    struct flow_gnode *out = tarn_xcalloc(g->nnodes + 1, sizeof *out);
    bool *taken = tarn_xcalloc(g->nnodes + 1, sizeof *taken);
    bool *queued = tarn_xcalloc(g->ntrig + 1, sizeof *queued);
    size_t *queue = tarn_xcalloc(g->ntrig + 1, sizeof *queue), qh = 0, qt = 0, n = 0;
    for (size_t t = 0; t < g->ntrig; t++)
        if (flow_trigger_is_start(&g->trig[t]))
            queued[t] = true, queue[qt++] = t;
    while (qh < qt) {
        const flow_trigger *tr = &g->trig[queue[qh++]];
        for (size_t a = 0; a < tr->nactions; a++) {
            int i = flow_graph_node(g, tr->actions[a].kind, tr->actions[a].name);
            if (i < 0 || taken[i])
                continue;
            taken[i] = true;
            out[n++] = g->nodes[i];
            for (size_t t = 0; t < g->ntrig; t++)
                if (!queued[t] && watches(&g->trig[t], g->nodes[i].kind, g->nodes[i].name))
                    queued[t] = true, queue[qt++] = t;
        }
    }
    for (size_t i = 0; i < g->nnodes; i++)
        if (!taken[i])
            out[n++] = g->nodes[i];
    free(g->nodes);
    g->nodes = out;
    free(taken);
    free(queued);
    free(queue);
}

int flow_graph_parse(const char *snapshot, flow_graph *g, tarn_error *err)
{
    memset(g, 0, sizeof *g);
    json_error_t je;
    json_t *arr = json_loads(snapshot, 0, &je);
    if (!json_is_array(arr)) {
        json_decref(arr);
        return tarn_error_set(err, TARN_ERR_INVALID, "the triggers snapshot is not a JSON "
                              "array");
    }
    size_t n = json_array_size(arr);
    g->trig = tarn_xcalloc(n ? n : 1, sizeof *g->trig);
    int rc = TARN_OK;
    for (size_t i = 0; !rc && i < n; i++, g->ntrig++)
        rc = parse_trigger(g, json_array_get(arr, i), &g->trig[i], err);
    json_decref(arr);
    if (rc)
        flow_graph_free(g);
    else
        order_nodes(g);
    return rc;
}

void flow_graph_free(flow_graph *g)
{
    for (size_t i = 0; i < g->ntrig; i++) {
        flow_trigger *t = &g->trig[i];
        for (size_t k = 0; k < t->nconds; k++) {
            free(t->conds[k].name);
            free(t->conds[k].state);
        }
        for (size_t k = 0; k < t->nactions; k++) {
            free(t->actions[k].name);
            free(t->actions[k].arguments);
        }
        free(t->conds);
        free(t->actions);
        free(t->name);
        free(t->type);
        free(t->schedule);
    }
    for (size_t i = 0; i < g->nnodes; i++)
        free(g->nodes[i].name);
    free(g->trig);
    free(g->nodes);
    memset(g, 0, sizeof *g);
}

int flow_graph_node(const flow_graph *g, tarn_flow_kind kind, const char *name)
{
    for (size_t i = 0; i < g->nnodes; i++)
        if (g->nodes[i].kind == kind && strcmp(g->nodes[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Whether trigger t has a condition on a marked node. */
static bool watches_marked(const flow_graph *g, const flow_trigger *t, const bool *mark)
{
    for (size_t k = 0; k < t->nconds; k++) {
        int i = flow_graph_node(g, t->conds[k].kind, t->conds[k].name);
        if (i >= 0 && mark[i])
            return true;
    }
    return false;
}

void flow_graph_downstream(const flow_graph *g, bool *mark)
{
    bool grew = true;
    while (grew) {
        grew = false;
        for (size_t t = 0; t < g->ntrig; t++) {
            const flow_trigger *tr = &g->trig[t];
            if (strcmp(tr->type, "CONDITIONAL") != 0 || !watches_marked(g, tr, mark))
                continue;
            for (size_t a = 0; a < tr->nactions; a++) {
                int i = flow_graph_node(g, tr->actions[a].kind, tr->actions[a].name);
                if (i >= 0 && !mark[i])
                    grew = mark[i] = true;
            }
        }
    }
}

/* ---- rendering ---- */

typedef struct render {
    const flow_graph *g;
    tarn_buf *out;
    bool *seen_trig;
} render;

static void render_trigger(render *r, size_t t, tarn_buf *prefix);

/* The description of trigger t's firing rule: "AND: job a SUCCEEDED, ...". */
static void rule_text(const flow_trigger *t, tarn_buf *b)
{
    if (t->schedule)
        tarn_buf_appendf(b, " %s", t->schedule);
    for (size_t k = 0; k < t->nconds; k++)
        tarn_buf_appendf(b, "%s%s %s %s", k ? (t->any ? " OR " : " AND ") : " when ",
                         t->conds[k].kind == TARN_FLOW_JOB ? "job" : "crawler",
                         t->conds[k].name, t->conds[k].state);
}

/* Print the children of action node (kind, name): triggers watching it. */
static void render_action(render *r, const flow_action *a, tarn_buf *prefix)
{
    const flow_graph *g = r->g;
    size_t kids[256], nk = 0;
    for (size_t t = 0; t < g->ntrig && nk < 256; t++)
        if (watches(&g->trig[t], a->kind, a->name))
            kids[nk++] = t;
    for (size_t i = 0; i < nk; i++) {
        size_t mark = prefix->len;
        bool last = i + 1 == nk;
        tarn_buf_appendf(r->out, "%s%s", prefix->data, last ? "└─ " : "├─ ");
        tarn_buf_append(prefix, last ? "   " : "│  ", strlen(last ? "   " : "│  "));
        render_trigger(r, kids[i], prefix);
        prefix->len = mark;
        prefix->data[mark] = '\0';
    }
}

static void render_trigger(render *r, size_t t, tarn_buf *prefix)
{
    const flow_trigger *tr = &r->g->trig[t];
    tarn_buf_appendf(r->out, "trigger %s (%s", tr->name, tr->type);
    rule_text(tr, r->out);
    if (r->seen_trig[t]) {
        tarn_buf_appendf(r->out, ") (shown above)\n");
        return;
    }
    r->seen_trig[t] = true;
    tarn_buf_appendf(r->out, ")\n");
    for (size_t a = 0; a < tr->nactions; a++) {
        size_t mark = prefix->len;
        bool last = a + 1 == tr->nactions;
        const flow_action *ac = &tr->actions[a];
        tarn_buf_appendf(r->out, "%s%s%s %s\n", prefix->data, last ? "└─ " : "├─ ",
                         ac->kind == TARN_FLOW_JOB ? "job" : "crawler", ac->name);
        tarn_buf_append(prefix, last ? "   " : "│  ", strlen(last ? "   " : "│  "));
        render_action(r, ac, prefix);
        prefix->len = mark;
        prefix->data[mark] = '\0';
    }
}

static void render_text(const flow_graph *g, const char *name, tarn_buf *out)
{
    render r = {g, out, tarn_xcalloc(g->ntrig + 1, sizeof(bool))};
    tarn_buf prefix;
    tarn_buf_init(&prefix, 0);
    tarn_buf_appendf(out, "workflow %s\n", name);
    size_t nstart = 0;
    for (size_t t = 0; t < g->ntrig; t++)
        nstart += flow_trigger_is_start(&g->trig[t]);
    for (size_t t = 0, i = 0; t < g->ntrig; t++) {
        if (!flow_trigger_is_start(&g->trig[t]))
            continue;
        bool last = ++i == nstart;
        tarn_buf_reset(&prefix);
        tarn_buf_appendf(&prefix, "%s", last ? "   " : "│  ");
        tarn_buf_appendf(out, "%s", last ? "└─ " : "├─ ");
        render_trigger(&r, t, &prefix);
    }
    for (size_t t = 0; t < g->ntrig; t++)
        if (!r.seen_trig[t])
            tarn_buf_appendf(out, "(unreachable) trigger %s (%s)\n", g->trig[t].name,
                             g->trig[t].type);
    tarn_buf_free(&prefix);
    free(r.seen_trig);
}

/* Append s as a dot string literal. */
static void dot_str(tarn_buf *out, const char *s)
{
    tarn_buf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            tarn_buf_putc(out, '\\');
        tarn_buf_putc(out, *s);
    }
    tarn_buf_putc(out, '"');
}

static void dot_node_id(tarn_buf *out, const char *kind, const char *name)
{
    char *id = tarn_xasprintf("%s:%s", kind, name);
    dot_str(out, id);
    free(id);
}

static void render_dot(const flow_graph *g, const char *name, tarn_buf *out)
{
    tarn_buf_appendf(out, "digraph ");
    dot_str(out, name);
    tarn_buf_appendf(out, " {\n  rankdir=LR;\n");
    for (size_t i = 0; i < g->nnodes; i++) {
        bool job = g->nodes[i].kind == TARN_FLOW_JOB;
        tarn_buf_appendf(out, "  ");
        dot_node_id(out, job ? "job" : "crawler", g->nodes[i].name);
        tarn_buf_appendf(out, " [shape=%s, label=", job ? "box" : "ellipse");
        dot_str(out, g->nodes[i].name);
        tarn_buf_appendf(out, "];\n");
    }
    for (size_t t = 0; t < g->ntrig; t++) {
        const flow_trigger *tr = &g->trig[t];
        tarn_buf_appendf(out, "  ");
        dot_node_id(out, "trigger", tr->name);
        tarn_buf_appendf(out, " [shape=diamond, label=");
        char *label = tarn_xasprintf("%s\\n%s%s", tr->name, tr->type, tr->any ? " ANY" : "");
        tarn_buf_appendf(out, "\"%s\"];\n", label);
        free(label);
        for (size_t k = 0; k < tr->nconds; k++) {
            tarn_buf_appendf(out, "  ");
            dot_node_id(out, tr->conds[k].kind == TARN_FLOW_JOB ? "job" : "crawler",
                        tr->conds[k].name);
            tarn_buf_appendf(out, " -> ");
            dot_node_id(out, "trigger", tr->name);
            tarn_buf_appendf(out, " [label=");
            dot_str(out, tr->conds[k].state);
            tarn_buf_appendf(out, "];\n");
        }
        for (size_t a = 0; a < tr->nactions; a++) {
            tarn_buf_appendf(out, "  ");
            dot_node_id(out, "trigger", tr->name);
            tarn_buf_appendf(out, " -> ");
            dot_node_id(out, tr->actions[a].kind == TARN_FLOW_JOB ? "job" : "crawler",
                        tr->actions[a].name);
            tarn_buf_appendf(out, ";\n");
        }
    }
    tarn_buf_appendf(out, "}\n");
}

int flow_workflow_require(tarn_catalog *cat, const char *name, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int s = sqlite3_prepare_v2(tarn_catalog_db(cat), "SELECT 1 FROM workflows WHERE name = ?",
                               -1, &st, NULL);
    if (s != SQLITE_OK)
        return tarn_catalog_sql_error(cat, s, "reading workflows", err);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s == SQLITE_DONE)
        return tarn_error_set(err, TARN_ERR_NOTFOUND, "EntityNotFoundException: workflow '%s' "
                              "does not exist (see 'tarn workflow list')", name);
    return s == SQLITE_ROW ? TARN_OK : tarn_catalog_sql_error(cat, s, "reading workflows", err);
}

/* The JSON form: the workflow's name and its triggers. */
static void render_json(const char *snap, const char *name, tarn_buf *out)
{
    json_t *o = json_pack("{s:s, s:o}", "Name", name, "Triggers", json_loads(snap, 0, NULL));
    char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    tarn_buf_appendf(out, "%s\n", text ? text : "{}");
    free(text);
    json_decref(o);
}

int tarn_flow_graph_render(tarn_catalog *cat, const char *name, tarn_flow_graph_format fmt,
                           tarn_buf *out, tarn_error *err)
{
    char *snap = NULL;
    flow_graph g;
    int rc = flow_workflow_require(cat, name, err);
    if (!rc)
        rc = flow_snapshot_load(cat, name, &snap, err);
    if (!rc && fmt == TARN_FLOW_GRAPH_JSON)
        render_json(snap, name, out);
    if (!rc && fmt != TARN_FLOW_GRAPH_JSON)
        rc = flow_graph_parse(snap, &g, err);
    free(snap);
    if (rc || fmt == TARN_FLOW_GRAPH_JSON)
        return rc;
    if (fmt == TARN_FLOW_GRAPH_DOT)
        render_dot(&g, name, out);
    else
        render_text(&g, name, out);
    flow_graph_free(&g);
    return TARN_OK;
}
