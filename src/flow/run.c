/*
** run.c: the workflow run engine. tarn_flow_run records a run (properties,
** triggers snapshot, a row per node), fires its start triggers, and
** flow_execute drives it to its end on one thread: start the actions of
** fired triggers through the executor, poll the active nodes every
** poll_ms, and after every node that ends fire the CONDITIONAL triggers
** whose predicate holds over this run's nodes. Every node change is saved
** with the run's statistics in one transaction (persist.c). Resume
** (resume.c) reuses flow_execute with nodes copied from the earlier run.
*/
#include "flow/flow_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct engine {
    tarn_catalog *cat;
    const flow_exec_plan *p;
    const tarn_flow_run_opts *o;
    const tarn_flow_executor *x;
    size_t ntot;              /* triggers + graph nodes */
    void **handles;           /* per graph node: the executor's handle, or NULL */
    size_t nactive;
    bool stopping;
    tarn_error save_err;      /* the first failure to record a change */
} engine;

static tarn_flow_node *gnode(engine *e, size_t i)
{
    return &e->p->nodes[e->p->g->ntrig + i];
}

/* Save node k (index into p->nodes) with the run's statistics. */
static void save(engine *e, size_t k)
{
    tarn_flow_stats s;
    flow_stats_count(e->p->nodes, e->ntot, &s);
    tarn_error err = {0};
    if (flow_node_save(e->cat, e->p->run_id, &e->p->nodes[k], &s, &err) && !e->save_err.code)
        e->save_err = err;
    const tarn_flow_observer *ob = e->o->observer;
    if (ob && ob->node_changed)
        ob->node_changed(ob->ud, e->p->run_id, &e->p->nodes[k]);
}

/* Start graph node i for action a of trigger t; each node runs once. */
static void start_node(engine *e, size_t i, const flow_trigger *t, const flow_action *a)
{
    tarn_flow_node *n = gnode(e, i);
    if (n->attempted)
        return;
    tarn_flow_start req = {a->kind, a->name, t->name, e->p->workflow, e->p->run_id,
                           a->arguments, a->timeout};
    tarn_error err = {0};
    void *h = NULL;
    n->attempted = true;
    n->started_on = tarn_catalog_now_ms();
    if (e->x->start(e->x->ud, &req, &h, &err) != TARN_OK) {
        flow_node_set(&n->state, "ERROR");
        flow_node_set(&n->error, err.msg[0] ? err.msg : "the action could not start");
        n->completed_on = tarn_catalog_now_ms();
    } else {
        flow_node_set(&n->state, "STARTING");
        e->handles[i] = h;
        e->nactive++;
    }
    save(e, e->p->g->ntrig + i);
}

/* Fire trigger t: record it, start its actions. */
static void fire(engine *e, size_t t)
{
    const flow_trigger *tr = &e->p->g->trig[t];
    tarn_flow_node *n = &e->p->nodes[t];
    n->attempted = true;
    flow_node_set(&n->state, "FIRED");
    n->started_on = n->completed_on = tarn_catalog_now_ms();
    save(e, t);
    for (size_t a = 0; a < tr->nactions; a++) {
        int i = flow_graph_node(e->p->g, tr->actions[a].kind, tr->actions[a].name);
        if (i >= 0 && !e->stopping)
            start_node(e, (size_t)i, tr, &tr->actions[a]);
    }
}

/* Whether condition c is met by a final node of this run. */
static bool cond_met(engine *e, const flow_cond *c)
{
    int i = flow_graph_node(e->p->g, c->kind, c->name);
    if (i < 0)
        return false;
    tarn_flow_node *n = gnode(e, (size_t)i);
    return n->completed_on > 0 && n->state && strcmp(n->state, c->state) == 0;
}

static bool predicate_holds(engine *e, const flow_trigger *t)
{
    size_t met = 0;
    for (size_t k = 0; k < t->nconds; k++)
        met += cond_met(e, &t->conds[k]);
    return t->nconds > 0 && (t->any ? met > 0 : met == t->nconds);
}

/* Fire every unfired CONDITIONAL trigger whose predicate holds, until none
** is left (a node that fails to start may make another predicate hold). */
static void evaluate(engine *e)
{
    bool fired = true;
    while (fired && !e->stopping) {
        fired = false;
        for (size_t t = 0; t < e->p->g->ntrig; t++) {
            const flow_trigger *tr = &e->p->g->trig[t];
            if (e->p->nodes[t].attempted || strcmp(tr->type, "CONDITIONAL") != 0 ||
                tr->deactivated || !predicate_holds(e, tr))
                continue;
            fire(e, t);
            fired = true;
        }
    }
}

/* Poll active node i; returns whether it ended. */
static bool poll_node(engine *e, size_t i)
{
    tarn_flow_node *n = gnode(e, i);
    tarn_flow_status st;
    memset(&st, 0, sizeof st);
    tarn_error err = {0};
    if (e->x->poll(e->x->ud, e->handles[i], &st, &err) != TARN_OK) {
        st.done = true;
        snprintf(st.state, sizeof st.state, "FAILED");
        snprintf(st.error, sizeof st.error, "%s", err.msg);
    }
    bool changed = !n->state || strcmp(n->state, st.state) != 0 ||
                   (st.run_id[0] && (!n->action_run_id || strcmp(n->action_run_id, st.run_id)));
    if (st.state[0])
        flow_node_set(&n->state, st.state);
    if (st.run_id[0])
        flow_node_set(&n->action_run_id, st.run_id);
    if (st.done) {
        flow_node_set(&n->error, st.error[0] ? st.error : NULL);
        n->completed_on = tarn_catalog_now_ms();
        e->x->release(e->x->ud, e->handles[i]);
        e->handles[i] = NULL;
        e->nactive--;
    }
    if (changed || st.done)
        save(e, e->p->g->ntrig + i);
    return st.done;
}

static void stop_all(engine *e)
{
    e->stopping = true;
    tarn_error err = {0};
    if (flow_run_status(e->cat, e->p->run_id, "STOPPING", &err) && !e->save_err.code)
        e->save_err = err;
    for (size_t i = 0; i < e->p->g->nnodes; i++)
        if (e->handles[i]) {
            tarn_error err = {0};
            e->x->stop(e->x->ud, e->handles[i], &err);
        }
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The poll loop: until no node is active. */
static void loop(engine *e)
{
    int poll_ms = e->o->poll_ms > 0 ? e->o->poll_ms : 100;
    const tarn_flow_observer *ob = e->o->observer;
    while (e->nactive > 0) {
        if (e->o->stop && *e->o->stop && !e->stopping)
            stop_all(e);
        bool ended = false;
        for (size_t i = 0; i < e->p->g->nnodes; i++)
            if (e->handles[i])
                ended |= poll_node(e, i);
        if (ended)
            evaluate(e);
        if (ob && ob->tick)
            ob->tick(ob->ud, e->p->run_id, e->p->nodes, e->ntot);
        if (e->nactive > 0)
            sleep_ms(poll_ms);
    }
}

/* Start the nodes the plan starts directly (resume), each through the
** trigger that starts it in the graph, which is recorded as fired. */
static void start_direct(engine *e)
{
    const flow_graph *g = e->p->g;
    for (size_t t = 0; t < g->ntrig; t++) {
        const flow_trigger *tr = &g->trig[t];
        for (size_t a = 0; a < tr->nactions; a++) {
            int i = flow_graph_node(g, tr->actions[a].kind, tr->actions[a].name);
            if (i < 0 || !e->p->start_node[i] || gnode(e, (size_t)i)->attempted)
                continue;
            tarn_flow_node *tn = &e->p->nodes[t];
            if (!tn->attempted) {
                tn->attempted = true;
                flow_node_set(&tn->state, "FIRED");
                tn->started_on = tn->completed_on = tarn_catalog_now_ms();
                save(e, t);
            }
            start_node(e, (size_t)i, tr, &tr->actions[a]);
        }
    }
}

int flow_execute(tarn_catalog *cat, const flow_exec_plan *p, const tarn_flow_run_opts *o,
                 const tarn_flow_executor *x, tarn_error *err)
{
    engine e = {cat, p, o, x, p->g->ntrig + p->g->nnodes, NULL, 0, false, {0}};
    e.handles = tarn_xcalloc(p->g->nnodes + 1, sizeof *e.handles);
    for (size_t t = 0; p->start_trigger && t < p->g->ntrig; t++)
        if (p->start_trigger[t])
            fire(&e, t);
    if (p->start_node)
        start_direct(&e);
    evaluate(&e);
    loop(&e);
    free(e.handles);
    tarn_flow_stats s;
    flow_stats_count(p->nodes, e.ntot, &s);
    int rc = flow_run_finish(cat, p->run_id, e.stopping ? "STOPPED" : "COMPLETED", &s,
                             e.stopping ? "stopped on request" : NULL, err);
    if (!rc && e.save_err.code) {
        *err = e.save_err;
        rc = e.save_err.code;
    }
    return rc;
}

/* ---- starting a run ---- */

int flow_workflow_load(tarn_catalog *cat, const char *name, char **props, int64_t *max,
                         tarn_error *err)
{
    int rc = flow_workflow_require(cat, name, err);
    sqlite3_stmt *st = NULL;
    if (!rc && sqlite3_prepare_v2(tarn_catalog_db(cat), "SELECT default_run_properties, "
                                  "max_concurrent_runs FROM workflows WHERE name = ?", -1, &st,
                                  NULL) != SQLITE_OK)
        rc = tarn_catalog_sql_error(cat, sqlite3_errcode(tarn_catalog_db(cat)),
                                    "reading a workflow", err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *props = tarn_xstrdup((const char *)sqlite3_column_text(st, 0));
        *max = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return *props ? TARN_OK : tarn_error_set(err, TARN_ERR_NOTFOUND, "workflow '%s' vanished",
                                             name);
}

/* The run's properties: defaults with the caller's over them. */
static int merge_properties(const char *defaults, const tarn_flow_run_opts *o, char **out,
                            tarn_error *err)
{
    json_t *obj = json_loads(defaults, 0, NULL);
    if (!json_is_object(obj)) {
        json_decref(obj);
        obj = json_object();
    }
    for (size_t i = 0; i < o->nproperties; i++) {
        const char *k = o->property_keys[i], *v = o->property_values[i];
        if (!k || !*k || !v) {
            json_decref(obj);
            return tarn_error_set(err, TARN_ERR_INVALID, "a run property needs a name and a "
                                  "value (--property KEY=VALUE)");
        }
        json_object_set_new(obj, k, json_string(v));
    }
    *out = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(obj);
    return TARN_OK;
}

/* Mark the start triggers: the named one, else every ON_DEMAND one, else
** every SCHEDULED one. Returns how many. */
static size_t pick_start(const flow_graph *g, const char *named, bool *start)
{
    size_t n = 0;
    for (size_t t = 0; t < g->ntrig; t++) {
        start[t] = named ? strcmp(g->trig[t].name, named) == 0 &&
                               flow_trigger_is_start(&g->trig[t])
                         : strcmp(g->trig[t].type, "ON_DEMAND") == 0;
        n += start[t];
    }
    for (size_t t = 0; !named && n == 0 && t < g->ntrig; t++)
        n += start[t] = strcmp(g->trig[t].type, "SCHEDULED") == 0;
    return n;
}

tarn_flow_node *flow_nodes_new(const flow_graph *g)
{
    tarn_flow_node *n = tarn_xcalloc(g->ntrig + g->nnodes + 1, sizeof *n);
    for (size_t t = 0; t < g->ntrig; t++) {
        n[t].type = tarn_xstrdup("TRIGGER");
        n[t].name = tarn_xstrdup(g->trig[t].name);
    }
    for (size_t i = 0; i < g->nnodes; i++) {
        n[g->ntrig + i].type = tarn_xstrdup(tarn_flow_kind_name(g->nodes[i].kind));
        n[g->ntrig + i].name = tarn_xstrdup(g->nodes[i].name);
    }
    return n;
}

void flow_nodes_free(tarn_flow_node *nodes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        flow_node_clear(&nodes[i]);
    free(nodes);
}

/* End a recorded run ERROR with msg; returns TARN_ERR_INVALID with msg. */
static int run_error(tarn_catalog *cat, const char *id, const char *msg, tarn_error *err)
{
    tarn_flow_stats zero = {0};
    tarn_error e2 = {0};
    flow_run_finish(cat, id, "ERROR", &zero, msg, &e2);
    return tarn_error_set(err, TARN_ERR_INVALID, "workflow run %s: %s", id, msg);
}

/* Record the run and execute it from its start triggers. */
static int run_recorded(tarn_catalog *cat, const char *name, const char *id, const char *snap,
                        const tarn_flow_run_opts *o, const tarn_flow_executor *x,
                        tarn_error *err)
{
    flow_graph g;
    tarn_error perr = {0};
    int prc = flow_graph_parse(snap, &g, &perr);
    if (prc)
        return run_error(cat, id, perr.msg, err);
    bool *start = tarn_xcalloc(g.ntrig + 1, sizeof *start);
    tarn_flow_node *nodes = flow_nodes_new(&g);
    int rc;
    if (pick_start(&g, o->start_trigger, start) == 0) {
        char msg[600];
        snprintf(msg, sizeof msg, o->start_trigger ? "trigger '%s' is not a start trigger of "
                 "workflow '%s'" : "%sworkflow '%s' has no ON_DEMAND or SCHEDULED trigger to "
                 "start it", o->start_trigger ? o->start_trigger : "", name);
        rc = run_error(cat, id, msg, err);
    } else {
        flow_exec_plan p = {&g, nodes, name, id, start, NULL};
        rc = flow_execute(cat, &p, o, x, err);
    }
    flow_nodes_free(nodes, g.ntrig + g.nnodes);
    free(start);
    flow_graph_free(&g);
    return rc;
}

int tarn_flow_run(tarn_catalog *cat, const char *name, const tarn_flow_run_opts *o,
                  const tarn_flow_executor *x, char run_id[TARN_CATALOG_ID_MAX],
                  tarn_error *err)
{
    run_id[0] = '\0';
    char *defaults = NULL, *props = NULL, *snap = NULL;
    int64_t max = 0;
    int rc = flow_workflow_load(cat, name, &defaults, &max, err);
    if (!rc)
        rc = merge_properties(defaults, o, &props, err);
    if (!rc)
        rc = flow_snapshot_load(cat, name, &snap, err);
    flow_graph empty = {0};
    char id[TARN_CATALOG_ID_MAX];
    if (!rc)
        rc = tarn_catalog_new_id("wr", id, err);
    /* nodes are inserted from the parsed snapshot; a bad one gets none */
    flow_graph g;
    tarn_error perr = {0};
    bool parsed = !rc && flow_graph_parse(snap, &g, &perr) == TARN_OK;
    if (!rc)
        rc = flow_run_insert(cat, id, name, props, snap, NULL, max, parsed ? &g : &empty, err);
    if (parsed)
        flow_graph_free(&g);
    if (!rc) {
        memcpy(run_id, id, TARN_CATALOG_ID_MAX);
        if (o->on_started)
            o->on_started(o->on_started_ud, id);
        rc = run_recorded(cat, name, id, snap, o, x, err);
    }
    free(defaults);
    free(props);
    free(snap);
    return rc;
}
