/*
** persist.c: workflow runs and their nodes in catalog.db (workflow_runs,
** workflow_run_nodes): inserting a run with its node rows, saving a node
** with the run's statistics (one transaction per change), ending a run,
** and reading runs, their nodes and the workflows back for the CLI. What
** the states mean is run.c's.
*/
#include "flow/flow_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- small helpers ---- */

bool flow_pid_alive(int64_t pid)
{
    return tarn_process_alive(pid);
}

void flow_node_set(char **field, const char *value)
{
    char *copy = value ? tarn_xstrdup(value) : NULL;
    free(*field);
    *field = copy;
}

void flow_node_clear(tarn_flow_node *n)
{
    free(n->type);
    free(n->name);
    free(n->state);
    free(n->action_run_id);
    free(n->error);
    memset(n, 0, sizeof *n);
}

bool tarn_flow_state_failed(const char *state)
{
    if (!state)
        return false;
    const char *bad[] = {"FAILED", "TIMEOUT", "STOPPED", "CANCELLED", "ERROR"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (strcmp(state, bad[i]) == 0)
            return true;
    return false;
}

void flow_stats_count(const tarn_flow_node *nodes, size_t n, tarn_flow_stats *s)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < n; i++) {
        const tarn_flow_node *x = &nodes[i];
        if (strcmp(x->type, "TRIGGER") == 0 || !x->attempted || !x->state)
            continue;
        s->total++;
        const char *st = x->state;
        s->succeeded += strcmp(st, "SUCCEEDED") == 0;
        s->failed += strcmp(st, "FAILED") == 0;
        s->timeout += strcmp(st, "TIMEOUT") == 0;
        s->stopped += strcmp(st, "STOPPED") == 0 || strcmp(st, "CANCELLED") == 0;
        s->running += strcmp(st, "RUNNING") == 0;
        s->waiting += strcmp(st, "STARTING") == 0;
        s->errored += strcmp(st, "ERROR") == 0;
    }
}

char *flow_stats_json(const tarn_flow_stats *s)
{
    return tarn_xasprintf("{\"TotalActions\":%lld,\"SucceededActions\":%lld,"
                          "\"FailedActions\":%lld,\"TimeoutActions\":%lld,"
                          "\"StoppedActions\":%lld,\"RunningActions\":%lld,"
                          "\"ErroredActions\":%lld,\"WaitingActions\":%lld}",
                          (long long)s->total, (long long)s->succeeded, (long long)s->failed,
                          (long long)s->timeout, (long long)s->stopped, (long long)s->running,
                          (long long)s->errored, (long long)s->waiting);
}

static void stats_parse(const char *text, tarn_flow_stats *s)
{
    memset(s, 0, sizeof *s);
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    const char *keys[] = {"TotalActions", "SucceededActions", "FailedActions", "TimeoutActions",
                          "StoppedActions", "RunningActions", "ErroredActions",
                          "WaitingActions"};
    int64_t *dst[] = {&s->total, &s->succeeded, &s->failed, &s->timeout,
                      &s->stopped, &s->running, &s->errored, &s->waiting};
    for (size_t i = 0; i < 8; i++)
        *dst[i] = json_integer_value(json_object_get(o, keys[i]));
    json_decref(o);
}

static int prep(tarn_catalog *cat, const char *sql, sqlite3_stmt **st, tarn_error *err)
{
    int s = sqlite3_prepare_v2(tarn_catalog_db(cat), sql, -1, st, NULL);
    return s == SQLITE_OK ? TARN_OK : tarn_catalog_sql_error(cat, s, "preparing a statement", err);
}

static void bind_time(sqlite3_stmt *st, int i, int64_t ms)
{
    if (ms > 0)
        sqlite3_bind_int64(st, i, ms);
    else
        sqlite3_bind_null(st, i);
}

/* Step a prepared statement to its end and finalize it. */
static int step_done(tarn_catalog *cat, sqlite3_stmt *st, const char *what, tarn_error *err)
{
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? TARN_OK : tarn_catalog_sql_error(cat, s, what, err);
}

/* Run body(cat, ctx) inside one transaction. */
static int in_tx(tarn_catalog *cat, int (*body)(tarn_catalog *, const void *, tarn_error *),
                 const void *ctx, tarn_error *err)
{
    int rc = tarn_catalog_begin(cat, err);
    if (rc)
        return rc;
    rc = body(cat, ctx, err);
    if (!rc)
        return tarn_catalog_commit(cat, err);
    tarn_catalog_rollback(cat);
    return rc;
}

/* ---- writing ---- */

static int insert_node(tarn_catalog *cat, const char *run_id, const char *type,
                       const char *name, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prep(cat, "INSERT INTO workflow_run_nodes (run_id, node_type, node_name) "
                       "VALUES (?, ?, ?)", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, run_id);
    tarn_catalog_bind_text(st, 2, type);
    tarn_catalog_bind_text(st, 3, name);
    return step_done(cat, st, "recording a workflow run node", err);
}

/* Refuse when max (> 0) runs of the workflow are RUNNING in live processes. */
static int check_concurrency(tarn_catalog *cat, const char *name, int64_t max,
                             tarn_error *err)
{
    if (max <= 0)
        return TARN_OK;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(tarn_catalog_db(cat), "SELECT pid FROM workflow_runs WHERE "
                           "workflow_name = ? AND status = 'RUNNING'", -1, &st, NULL) != SQLITE_OK)
        return tarn_catalog_sql_error(cat, sqlite3_errcode(tarn_catalog_db(cat)),
                                      "reading workflow runs", err);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    int64_t live = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        live += flow_pid_alive(sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    if (live >= max)
        return tarn_error_set(err, TARN_ERR_LIMIT, "ConcurrentRunsExceededException: workflow "
                              "'%s' already has %lld run(s) RUNNING and MaxConcurrentRuns is "
                              "%lld; wait for one to finish", name, (long long)live,
                              (long long)max);
    return TARN_OK;
}

typedef struct insert_ctx {
    const char *id, *workflow, *properties, *snapshot, *previous;
    int64_t max;
    const flow_graph *g;
} insert_ctx;

static int insert_body(tarn_catalog *cat, const void *p, tarn_error *err)
{
    const insert_ctx *c = p;
    sqlite3_stmt *st = NULL;
    int rc = check_concurrency(cat, c->workflow, c->max, err);
    if (!rc)
        rc = prep(cat, "INSERT INTO workflow_runs (id, workflow_name, status, properties, "
                       "statistics, previous_run_id, triggers_snapshot, started_on, pid) "
                       "VALUES (?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?)", &st, err);
    if (rc)
        return rc;
    tarn_flow_stats zero = {0};
    char *stats = flow_stats_json(&zero);
    tarn_catalog_bind_text(st, 1, c->id);
    tarn_catalog_bind_text(st, 2, c->workflow);
    tarn_catalog_bind_text(st, 3, c->properties);
    tarn_catalog_bind_text(st, 4, stats);
    tarn_catalog_bind_text(st, 5, c->previous);
    tarn_catalog_bind_text(st, 6, c->snapshot);
    sqlite3_bind_int64(st, 7, tarn_catalog_now_ms());
    sqlite3_bind_int64(st, 8, (int64_t)getpid());
    free(stats);
    rc = step_done(cat, st, "recording a workflow run", err);
    for (size_t i = 0; !rc && i < c->g->ntrig; i++)
        rc = insert_node(cat, c->id, "TRIGGER", c->g->trig[i].name, err);
    for (size_t i = 0; !rc && i < c->g->nnodes; i++)
        rc = insert_node(cat, c->id, tarn_flow_kind_name(c->g->nodes[i].kind),
                         c->g->nodes[i].name, err);
    return rc;
}

int flow_run_insert(tarn_catalog *cat, const char *id, const char *workflow,
                    const char *properties, const char *snapshot, const char *previous,
                    int64_t max, const flow_graph *g, tarn_error *err)
{
    insert_ctx c = {id, workflow, properties, snapshot, previous, max, g};
    return in_tx(cat, insert_body, &c, err);
}

typedef struct node_ctx {
    const char *run_id;
    const tarn_flow_node *n;
    const tarn_flow_stats *stats;
} node_ctx;

static int save_stats(tarn_catalog *cat, const char *run_id, const tarn_flow_stats *s,
                      tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prep(cat, "UPDATE workflow_runs SET statistics = ? WHERE id = ?", &st, err);
    if (rc)
        return rc;
    char *json = flow_stats_json(s);
    tarn_catalog_bind_text(st, 1, json);
    tarn_catalog_bind_text(st, 2, run_id);
    free(json);
    return step_done(cat, st, "updating a workflow run", err);
}

static int node_body(tarn_catalog *cat, const void *p, tarn_error *err)
{
    const node_ctx *c = p;
    const tarn_flow_node *n = c->n;
    sqlite3_stmt *st = NULL;
    int rc = prep(cat, "UPDATE workflow_run_nodes SET state = ?, action_run_id = ?, "
                       "attempted = ?, started_on = ?, completed_on = ?, error_message = ? "
                       "WHERE run_id = ? AND node_type = ? AND node_name = ?", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, n->state);
    tarn_catalog_bind_text(st, 2, n->action_run_id && *n->action_run_id ? n->action_run_id : NULL);
    sqlite3_bind_int(st, 3, n->attempted);
    bind_time(st, 4, n->started_on);
    bind_time(st, 5, n->completed_on);
    tarn_catalog_bind_text(st, 6, n->error && *n->error ? n->error : NULL);
    tarn_catalog_bind_text(st, 7, c->run_id);
    tarn_catalog_bind_text(st, 8, n->type);
    tarn_catalog_bind_text(st, 9, n->name);
    rc = step_done(cat, st, "updating a workflow run node", err);
    if (!rc && c->stats)
        rc = save_stats(cat, c->run_id, c->stats, err);
    return rc;
}

int flow_node_save(tarn_catalog *cat, const char *run_id, const tarn_flow_node *n,
                   const tarn_flow_stats *stats, tarn_error *err)
{
    node_ctx c = {run_id, n, stats};
    return in_tx(cat, node_body, &c, err);
}

typedef struct finish_ctx {
    const char *run_id, *status, *error;
    const tarn_flow_stats *stats;
} finish_ctx;

static int finish_body(tarn_catalog *cat, const void *p, tarn_error *err)
{
    const finish_ctx *c = p;
    sqlite3_stmt *st = NULL;
    int rc = prep(cat, "UPDATE workflow_runs SET status = ?, error_message = ?, "
                       "completed_on = ? WHERE id = ?", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, c->status);
    tarn_catalog_bind_text(st, 2, c->error);
    sqlite3_bind_int64(st, 3, tarn_catalog_now_ms());
    tarn_catalog_bind_text(st, 4, c->run_id);
    rc = step_done(cat, st, "ending a workflow run", err);
    if (!rc && c->stats)
        rc = save_stats(cat, c->run_id, c->stats, err);
    return rc;
}

int flow_run_finish(tarn_catalog *cat, const char *run_id, const char *status,
                    const tarn_flow_stats *stats, const char *error, tarn_error *err)
{
    finish_ctx c = {run_id, status, error, stats};
    return in_tx(cat, finish_body, &c, err);
}

int flow_run_status(tarn_catalog *cat, const char *run_id, const char *status,
                    tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prep(cat, "UPDATE workflow_runs SET status = ? WHERE id = ?", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, status);
    tarn_catalog_bind_text(st, 2, run_id);
    return step_done(cat, st, "updating a workflow run", err);
}

/* ---- reading ---- */

#define RUN_COLS "id, workflow_name, status, properties, statistics, previous_run_id, " \
                 "error_message, started_on, completed_on, pid"

static void read_run(sqlite3_stmt *st, tarn_flow_run_info *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", (const char *)sqlite3_column_text(st, 0));
    r->workflow = tarn_catalog_col_dup(st, 1);
    r->status = tarn_catalog_col_dup(st, 2);
    r->properties = tarn_catalog_col_dup(st, 3);
    stats_parse((const char *)sqlite3_column_text(st, 4), &r->stats);
    r->previous_run_id = tarn_catalog_col_dup(st, 5);
    r->error = tarn_catalog_col_dup(st, 6);
    r->started_on = sqlite3_column_int64(st, 7);
    r->completed_on = sqlite3_column_int64(st, 8);
    r->pid = sqlite3_column_int64(st, 9);
}

static int read_nodes(tarn_catalog *cat, tarn_flow_run_info *r, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prep(cat, "SELECT node_type, node_name, state, action_run_id, attempted, "
                       "started_on, completed_on, error_message FROM workflow_run_nodes "
                       "WHERE run_id = ? ORDER BY started_on IS NULL, started_on, rowid",
               &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, r->id);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        r->nodes = tarn_xrealloc(r->nodes, (r->nnodes + 1) * sizeof *r->nodes);
        tarn_flow_node *n = &r->nodes[r->nnodes++];
        memset(n, 0, sizeof *n);
        n->type = tarn_catalog_col_dup(st, 0);
        n->name = tarn_catalog_col_dup(st, 1);
        n->state = tarn_catalog_col_dup(st, 2);
        n->action_run_id = tarn_catalog_col_dup(st, 3);
        n->attempted = sqlite3_column_int(st, 4) != 0;
        n->started_on = sqlite3_column_int64(st, 5);
        n->completed_on = sqlite3_column_int64(st, 6);
        n->error = tarn_catalog_col_dup(st, 7);
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? TARN_OK : tarn_catalog_sql_error(cat, s, "reading run nodes", err);
}

int tarn_flow_run_get(tarn_catalog *cat, const char *id, tarn_flow_run_info *out,
                      tarn_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    int rc = prep(cat, "SELECT " RUN_COLS " FROM workflow_runs WHERE id = ?", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, id);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        read_run(st, out);
    sqlite3_finalize(st);
    if (s == SQLITE_DONE)
        return tarn_error_set(err, TARN_ERR_NOTFOUND, "EntityNotFoundException: workflow run "
                              "'%s' does not exist (see 'tarn workflow runs NAME')", id);
    if (s != SQLITE_ROW)
        return tarn_catalog_sql_error(cat, s, "reading a workflow run", err);
    rc = read_nodes(cat, out, err);
    if (rc)
        tarn_flow_run_info_free(out);
    return rc;
}

int tarn_flow_runs_list(tarn_catalog *cat, const char *name, tarn_flow_run_info **out,
                        size_t *n, tarn_error *err)
{
    *out = NULL;
    *n = 0;
    int rc = flow_workflow_require(cat, name, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = prep(cat, "SELECT " RUN_COLS " FROM workflow_runs WHERE workflow_name = ? "
                       "ORDER BY started_on DESC, rowid DESC", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, name);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        *out = tarn_xrealloc(*out, (*n + 1) * sizeof **out);
        read_run(st, &(*out)[(*n)++]);
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? TARN_OK : tarn_catalog_sql_error(cat, s, "listing runs", err);
}

void tarn_flow_run_info_free(tarn_flow_run_info *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nnodes; i++)
        flow_node_clear(&r->nodes[i]);
    free(r->nodes);
    free(r->workflow);
    free(r->status);
    free(r->properties);
    free(r->previous_run_id);
    free(r->error);
    memset(r, 0, sizeof *r);
}

void tarn_flow_run_info_list_free(tarn_flow_run_info *rs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tarn_flow_run_info_free(&rs[i]);
    free(rs);
}

int tarn_flow_workflow_list(tarn_catalog *cat, tarn_flow_workflow **out, size_t *n,
                            tarn_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int rc = prep(cat, "SELECT w.name, w.description, w.default_run_properties, "
                       "w.max_concurrent_runs, (SELECT count(*) FROM triggers t WHERE "
                       "t.workflow_name = w.name), r.id, r.status, r.started_on FROM workflows w "
                       "LEFT JOIN workflow_runs r ON r.id = (SELECT id FROM workflow_runs x "
                       "WHERE x.workflow_name = w.name ORDER BY started_on DESC, rowid DESC "
                       "LIMIT 1) ORDER BY w.name", &st, err);
    if (rc)
        return rc;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        *out = tarn_xrealloc(*out, (*n + 1) * sizeof **out);
        tarn_flow_workflow *w = &(*out)[(*n)++];
        w->name = tarn_catalog_col_dup(st, 0);
        w->description = tarn_catalog_col_dup(st, 1);
        w->default_properties = tarn_catalog_col_dup(st, 2);
        w->max_concurrent_runs = sqlite3_column_int64(st, 3);
        w->ntriggers = sqlite3_column_int64(st, 4);
        w->last_run_id = tarn_catalog_col_dup(st, 5);
        w->last_run_status = tarn_catalog_col_dup(st, 6);
        w->last_run_started = sqlite3_column_int64(st, 7);
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? TARN_OK : tarn_catalog_sql_error(cat, s, "listing workflows", err);
}

void tarn_flow_workflow_list_free(tarn_flow_workflow *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(w[i].name);
        free(w[i].description);
        free(w[i].default_properties);
        free(w[i].last_run_id);
        free(w[i].last_run_status);
    }
    free(w);
}

int flow_run_snapshot(tarn_catalog *cat, const char *id, char **snapshot, tarn_error *err)
{
    *snapshot = NULL;
    sqlite3_stmt *st = NULL;
    int rc = prep(cat, "SELECT triggers_snapshot FROM workflow_runs WHERE id = ?", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, id);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        *snapshot = tarn_catalog_col_dup(st, 0);
    sqlite3_finalize(st);
    if (s == SQLITE_ROW && *snapshot)
        return TARN_OK;
    return s == SQLITE_DONE || s == SQLITE_ROW
               ? tarn_error_set(err, TARN_ERR_NOTFOUND, "EntityNotFoundException: workflow run "
                                "'%s' does not exist", id)
               : tarn_catalog_sql_error(cat, s, "reading a workflow run", err);
}
