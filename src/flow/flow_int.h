/*
** flow_int.h: internals shared by the files of flow/ and by no one else:
** the parsed trigger graph (graph.c), the run engine's state (run.c),
** and the row writers for runs and nodes (persist.c).
*/
#ifndef TARN_FLOW_INT_H
#define TARN_FLOW_INT_H

#include <jansson.h>

#include "flow/flow.h"

/* One condition of a Predicate. */
typedef struct flow_cond {
    tarn_flow_kind kind;
    char *name;
    char *state;            /* State or CrawlState */
} flow_cond;

/* One action of a trigger. */
typedef struct flow_action {
    tarn_flow_kind kind;
    char *name;
    char *arguments;        /* JSON object text, NULL if none */
    int64_t timeout;        /* minutes; 0 = the job's */
} flow_action;

typedef struct flow_trigger {
    char *name;
    char *type;             /* ON_DEMAND, CONDITIONAL, SCHEDULED, EVENT */
    char *schedule;         /* NULL unless SCHEDULED */
    bool any;               /* Predicate.Logical ANY (else AND) */
    bool deactivated;       /* State DEACTIVATED(ING): a CONDITIONAL one never fires */
    flow_cond *conds;
    size_t nconds;
    flow_action *actions;
    size_t nactions;
} flow_trigger;

/* A workflow's triggers, and its job and crawler nodes (each distinct
** action target once, in order of first appearance). */
typedef struct flow_graph {
    flow_trigger *trig;
    size_t ntrig;
    struct flow_gnode {
        tarn_flow_kind kind;
        char *name;
    } *nodes;
    size_t nnodes;
} flow_graph;

/* graph.c */
/* Read workflow name's triggers from the catalog as a snapshot: a JSON
** array of Glue Trigger objects, in name order (caller frees). */
int flow_snapshot_load(tarn_catalog *cat, const char *name, char **snapshot, tarn_error *err);
/* The one trigger `name` as a snapshot (an empty array if it is missing). */
int flow_trigger_snapshot(tarn_catalog *cat, const char *name, char **snapshot,
                          tarn_error *err);
/* Parse a snapshot into g (freed with flow_graph_free). TARN_ERR_INVALID
** names the trigger and the member that is wrong. */
int flow_graph_parse(const char *snapshot, flow_graph *g, tarn_error *err);
void flow_graph_free(flow_graph *g);
/* Index of node (kind, name) in g->nodes, or -1. */
int flow_graph_node(const flow_graph *g, tarn_flow_kind kind, const char *name);
/* Mark in mark[0..g->nnodes) every node downstream of a marked one (the
** actions of triggers with a condition on a marked node, transitively). */
void flow_graph_downstream(const flow_graph *g, bool *mark);
/* TARN_OK if workflow name exists, else TARN_ERR_NOTFOUND
** (EntityNotFoundException). */
int flow_workflow_require(tarn_catalog *cat, const char *name, tarn_error *err);
/* Whether tr is a start trigger (ON_DEMAND or SCHEDULED). */
bool flow_trigger_is_start(const flow_trigger *tr);

/* persist.c */
/* Insert a RUNNING run with its properties, snapshot, pid and previous run
** id, and a node row per trigger and graph node, in one transaction that
** first refuses (TARN_ERR_LIMIT, ConcurrentRunsExceededException) when max
** (> 0) runs of the workflow are RUNNING in live processes. */
int flow_run_insert(tarn_catalog *cat, const char *id, const char *workflow,
                    const char *properties, const char *snapshot, const char *previous,
                    int64_t max, const flow_graph *g, tarn_error *err);
/* Write one node row and the run's statistics in one transaction. */
int flow_node_save(tarn_catalog *cat, const char *run_id, const tarn_flow_node *n,
                   const tarn_flow_stats *stats, tarn_error *err);
/* End the run: status, statistics, error (may be NULL), completed_on. */
int flow_run_finish(tarn_catalog *cat, const char *run_id, const char *status,
                    const tarn_flow_stats *stats, const char *error, tarn_error *err);
/* Set a running run's status (STOPPING) in its own transaction. */
int flow_run_status(tarn_catalog *cat, const char *run_id, const char *status,
                    tarn_error *err);
/* Statistics over nodes[0..n) (job and crawler nodes only). */
void flow_stats_count(const tarn_flow_node *nodes, size_t n, tarn_flow_stats *s);
/* The statistics as Glue's JSON object text (caller frees). */
char *flow_stats_json(const tarn_flow_stats *s);
/* Whether process pid is alive. */
bool flow_pid_alive(int64_t pid);
/* Set one of a node's string fields (frees the old). */
void flow_node_set(char **field, const char *value);
void flow_node_clear(tarn_flow_node *n);

/* The triggers snapshot of run id (caller frees). */
int flow_run_snapshot(tarn_catalog *cat, const char *id, char **snapshot, tarn_error *err);

/* run.c: workflow name's DefaultRunProperties (*props, caller frees) and
** MaxConcurrentRuns (*max, 0 = none). TARN_ERR_NOTFOUND if it is missing. */
int flow_workflow_load(tarn_catalog *cat, const char *name, char **props, int64_t *max,
                       tarn_error *err);

/* run.c: node views for g (triggers first, then g->nodes), with type and
** name set and nothing else; free with flow_nodes_free(n, ntrig + nnodes). */
tarn_flow_node *flow_nodes_new(const flow_graph *g);
void flow_nodes_free(tarn_flow_node *nodes, size_t n);

/* run.c: the engine over a recorded run. nodes[] follows g (triggers
** first, then g->nodes) and is owned by the caller; start_nodes lists the
** graph nodes to start at once (resume) when start_triggers is NULL. */
typedef struct flow_exec_plan {
    const flow_graph *g;
    tarn_flow_node *nodes;         /* g->ntrig + g->nnodes entries */
    const char *workflow;
    const char *run_id;
    const bool *start_trigger;     /* g->ntrig flags: fire at start */
    const bool *start_node;        /* g->nnodes flags: start directly */
} flow_exec_plan;

/* Run plan to its end and record the result. Returns TARN_OK when the run
** ended COMPLETED or STOPPED. */
int flow_execute(tarn_catalog *cat, const flow_exec_plan *p, const tarn_flow_run_opts *o,
                 const tarn_flow_executor *x, tarn_error *err);

#endif
