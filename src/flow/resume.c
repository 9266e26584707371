/*
** resume.c: `tarn workflow resume`. Marks a run whose process died
** (interrupted: its live nodes FAILED, the run ERROR, job runs reaped),
** picks the nodes to run again (the named ones, or every attempted node
** that did not succeed) and everything downstream of them, and runs them
** in a new run that copies the other nodes' results from the earlier one,
** so its conditional triggers see them as already met. The engine is
** run.c's.
*/
#include "flow/flow_int.h"
#include "jobs/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Mark the live nodes of dead run r FAILED, then the run ERROR. */
static int mark_dead(tarn_catalog *cat, tarn_flow_run_info *r, tarn_error *err)
{
    int64_t now = tarn_catalog_now_ms();
    int rc = TARN_OK;
    for (size_t i = 0; !rc && i < r->nnodes; i++) {
        tarn_flow_node *n = &r->nodes[i];
        if (!n->state || (strcmp(n->state, "STARTING") != 0 && strcmp(n->state, "RUNNING") != 0))
            continue;
        char msg[200];
        snprintf(msg, sizeof msg, "interrupted: tarn process %lld ended while the node was %s",
                 (long long)r->pid, n->state);
        flow_node_set(&n->state, "FAILED");
        flow_node_set(&n->error, msg);
        n->completed_on = now;
        rc = flow_node_save(cat, r->id, n, NULL, err);
    }
    tarn_flow_stats s;
    flow_stats_count(r->nodes, r->nnodes, &s);
    char msg[160];
    snprintf(msg, sizeof msg, "interrupted: tarn process %lld ended while the run was RUNNING",
             (long long)r->pid);
    if (!rc)
        rc = flow_run_finish(cat, r->id, "ERROR", &s, msg, err);
    if (!rc)
        rc = tarn_job_runs_reap(cat, err);
    return rc;
}

int tarn_flow_run_mark_interrupted(tarn_catalog *cat, const char *id, bool *marked,
                                   tarn_error *err)
{
    *marked = false;
    tarn_flow_run_info r;
    int rc = tarn_flow_run_get(cat, id, &r, err);
    if (rc)
        return rc;
    if (strcmp(r.status, "RUNNING") == 0 && !flow_pid_alive(r.pid)) {
        rc = mark_dead(cat, &r, err);
        *marked = rc == TARN_OK;
    }
    tarn_flow_run_info_free(&r);
    return rc;
}

/* The stored node (type, name) of r, or NULL. */
static const tarn_flow_node *prev_node(const tarn_flow_run_info *r, const char *type,
                                       const char *name)
{
    for (size_t i = 0; i < r->nnodes; i++)
        if (strcmp(r->nodes[i].type, type) == 0 && strcmp(r->nodes[i].name, name) == 0)
            return &r->nodes[i];
    return NULL;
}

static bool attempted(const tarn_flow_run_info *r, const flow_graph *g, size_t i)
{
    const tarn_flow_node *n = prev_node(r, tarn_flow_kind_name(g->nodes[i].kind),
                                        g->nodes[i].name);
    return n && n->attempted;
}

/* Mark the named nodes (a job or crawler name) in sel. */
static int select_named(const tarn_flow_run_info *r, const flow_graph *g,
                        const char *const *names, size_t nnames, bool *sel, tarn_error *err)
{
    for (size_t k = 0; k < nnames; k++) {
        bool found = false;
        for (size_t i = 0; i < g->nnodes; i++) {
            if (strcmp(g->nodes[i].name, names[k]) != 0)
                continue;
            found = true;
            if (!attempted(r, g, i))
                return tarn_error_set(err, TARN_ERR_INVALID, "node '%s' was not attempted in "
                                      "run %s; only attempted nodes can be resumed", names[k],
                                      r->id);
            sel[i] = true;
        }
        if (!found)
            return tarn_error_set(err, TARN_ERR_NOTFOUND, "run %s has no job or crawler node "
                                  "'%s' (see 'tarn workflow show %s')", r->id, names[k], r->id);
    }
    return TARN_OK;
}

/* Mark the actions of triggers that fired in r but were never recorded as
** started: tarn died between a job's start and the node's record. Returns
** how many. */
static size_t select_unstarted(const tarn_flow_run_info *r, const flow_graph *g, bool *sel)
{
    size_t n = 0;
    for (size_t t = 0; t < g->ntrig; t++) {
        const tarn_flow_node *tp = prev_node(r, "TRIGGER", g->trig[t].name);
        if (!tp || !tp->attempted)
            continue;
        for (size_t a = 0; a < g->trig[t].nactions; a++) {
            int i = flow_graph_node(g, g->trig[t].actions[a].kind, g->trig[t].actions[a].name);
            if (i < 0 || sel[i])
                continue;
            const tarn_flow_node *p = prev_node(r, tarn_flow_kind_name(g->nodes[i].kind),
                                                g->nodes[i].name);
            if (!p || !p->attempted)
                n += sel[i] = true;
        }
    }
    return n;
}

/* Mark every attempted node that did not succeed, and every action of a
** fired trigger that never started. Returns how many. */
static size_t select_failed(const tarn_flow_run_info *r, const flow_graph *g, bool *sel)
{
    size_t n = 0;
    for (size_t i = 0; i < g->nnodes; i++) {
        const tarn_flow_node *p = prev_node(r, tarn_flow_kind_name(g->nodes[i].kind),
                                            g->nodes[i].name);
        if (p && p->attempted && (!p->state || strcmp(p->state, "SUCCEEDED") != 0))
            n += sel[i] = true;
    }
    return n + select_unstarted(r, g, sel);
}

/* roots: selected nodes not downstream of another selected node. */
static void find_roots(const flow_graph *g, const bool *sel, bool *roots)
{
    bool *mark = tarn_xcalloc(g->nnodes + 1, sizeof *mark);
    for (size_t i = 0; i < g->nnodes; i++)
        roots[i] = sel[i];
    for (size_t s = 0; s < g->nnodes; s++) {
        if (!sel[s])
            continue;
        memset(mark, 0, g->nnodes * sizeof *mark);
        mark[s] = true;
        flow_graph_downstream(g, mark);
        for (size_t i = 0; i < g->nnodes; i++)
            if (i != s && mark[i] && sel[i])
                roots[i] = false;
    }
    free(mark);
}

/* Copy one stored node's result into dst and save it. */
static int copy_node(tarn_catalog *cat, const char *run_id, tarn_flow_node *dst,
                     const tarn_flow_node *src, tarn_error *err)
{
    flow_node_set(&dst->state, src->state);
    flow_node_set(&dst->action_run_id, src->action_run_id);
    flow_node_set(&dst->error, src->error);
    dst->attempted = src->attempted;
    dst->started_on = src->started_on;
    dst->completed_on = src->completed_on;
    return flow_node_save(cat, run_id, dst, NULL, err);
}

/* Copy what is kept: attempted nodes outside rerun, and fired triggers
** none of whose actions run again. */
static int copy_kept(tarn_catalog *cat, const char *run_id, const tarn_flow_run_info *r,
                     const flow_graph *g, const bool *rerun, tarn_flow_node *nodes,
                     tarn_error *err)
{
    int rc = TARN_OK;
    for (size_t i = 0; !rc && i < g->nnodes; i++) {
        tarn_flow_node *dst = &nodes[g->ntrig + i];
        const tarn_flow_node *src = prev_node(r, dst->type, dst->name);
        if (!rerun[i] && src && src->attempted)
            rc = copy_node(cat, run_id, dst, src, err);
    }
    for (size_t t = 0; !rc && t < g->ntrig; t++) {
        const tarn_flow_node *src = prev_node(r, "TRIGGER", g->trig[t].name);
        bool touches = false;
        for (size_t a = 0; a < g->trig[t].nactions; a++) {
            int i = flow_graph_node(g, g->trig[t].actions[a].kind, g->trig[t].actions[a].name);
            touches |= i >= 0 && rerun[i];
        }
        if (src && src->attempted && !touches)
            rc = copy_node(cat, run_id, &nodes[t], src, err);
    }
    return rc;
}

/* A run in a state resume accepts: not RUNNING/STOPPING in a live process. */
static int check_resumable(const tarn_flow_run_info *r, tarn_error *err)
{
    if (strcmp(r->status, "RUNNING") == 0 || strcmp(r->status, "STOPPING") == 0)
        return tarn_error_set(err, TARN_ERR_INVALID, "workflow run %s is still %s in process "
                              "%lld; wait for it to end (or stop that process) before resuming",
                              r->id, r->status, (long long)r->pid);
    return TARN_OK;
}

typedef struct resume_state {
    flow_graph g;
    bool *sel, *rerun, *roots;
    tarn_flow_node *nodes;
    bool parsed;
} resume_state;

static void resume_state_free(resume_state *s)
{
    if (s->nodes)
        flow_nodes_free(s->nodes, s->g.ntrig + s->g.nnodes);
    if (s->parsed)
        flow_graph_free(&s->g);
    free(s->sel);
    free(s->rerun);
    free(s->roots);
}

/* Choose sel (what was asked), rerun (sel and downstream) and roots. */
static int plan(const tarn_flow_run_info *r, const char *const *names, size_t nnames,
                resume_state *s, tarn_error *err)
{
    size_t n = s->g.nnodes + 1;
    s->sel = tarn_xcalloc(n, sizeof(bool));
    s->rerun = tarn_xcalloc(n, sizeof(bool));
    s->roots = tarn_xcalloc(n, sizeof(bool));
    if (nnames) {
        int rc = select_named(r, &s->g, names, nnames, s->sel, err);
        if (rc)
            return rc;
    } else if (select_failed(r, &s->g, s->sel) == 0) {
        return tarn_error_set(err, TARN_ERR_INVALID, "workflow run %s has no failed or "
                              "interrupted node to resume; name nodes with --node NAME", r->id);
    }
    memcpy(s->rerun, s->sel, s->g.nnodes * sizeof(bool));
    flow_graph_downstream(&s->g, s->rerun);
    find_roots(&s->g, s->sel, s->roots);
    return TARN_OK;
}

int tarn_flow_resume(tarn_catalog *cat, const char *prev_id, const char *const *nodes,
                     size_t nnodes, const tarn_flow_run_opts *o, const tarn_flow_executor *x,
                     char run_id[TARN_CATALOG_ID_MAX], tarn_error *err)
{
    run_id[0] = '\0';
    bool marked;
    tarn_flow_run_info r;
    char *snap = NULL;
    resume_state s = {0};
    int rc = tarn_flow_run_mark_interrupted(cat, prev_id, &marked, err);
    if (!rc)
        rc = tarn_flow_run_get(cat, prev_id, &r, err);
    if (rc)
        return rc;
    rc = check_resumable(&r, err);
    if (!rc)
        rc = flow_run_snapshot(cat, prev_id, &snap, err);
    if (!rc && (rc = flow_graph_parse(snap, &s.g, err)) == TARN_OK)
        s.parsed = true;
    if (!rc)
        rc = plan(&r, nodes, nnodes, &s, err);
    char id[TARN_CATALOG_ID_MAX], *defaults = NULL;
    int64_t max = 0;
    if (!rc)
        rc = flow_workflow_load(cat, r.workflow, &defaults, &max, err);
    free(defaults);
    if (!rc)
        rc = tarn_catalog_new_id("wr", id, err);
    if (!rc)
        rc = flow_run_insert(cat, id, r.workflow, r.properties, snap, prev_id, max, &s.g, err);
    if (!rc) {
        memcpy(run_id, id, TARN_CATALOG_ID_MAX);
        if (o->on_started)
            o->on_started(o->on_started_ud, id);
        s.nodes = flow_nodes_new(&s.g);
        rc = copy_kept(cat, id, &r, &s.g, s.rerun, s.nodes, err);
        if (rc) {
            tarn_error e2 = {0};
            flow_run_finish(cat, id, "ERROR", NULL, err->msg, &e2);
        }
    }
    if (!rc) {
        flow_exec_plan p = {&s.g, s.nodes, r.workflow, id, NULL, s.roots};
        rc = flow_execute(cat, &p, o, x, err);
    }
    resume_state_free(&s);
    tarn_flow_run_info_free(&r);
    free(snap);
    return rc;
}
