/*
** flow.h: Glue workflows and triggers (DESIGN.md "Workflows"): workflow
** runs over the DAG of a workflow's triggers, resume, the text and Graphviz
** graph, Glue's cron expressions and the scheduler.
**
** State lives in catalog.db (schema.c): `workflows` and `triggers` are
** written by `tarn stack deploy`; this module writes `workflow_runs` and
** `workflow_run_nodes`, one short transaction per change, so a killed run
** can be resumed.
**
** A run, as Glue does it (AWS-SEMANTICS.md "Glue workflows and triggers"):
**   - it gets an id "wr_<hex>", copies the workflow's DefaultRunProperties
**     plus the caller's, and keeps a snapshot of the workflow's triggers
**     (workflow_runs.triggers_snapshot: a JSON array of Glue Trigger
**     objects {Name, Type, Schedule, Predicate, Actions}) that it runs from;
**   - it fires its start trigger(s) (the ON_DEMAND ones; a SCHEDULED one
**     when the scheduler started it) and starts their actions at once;
**   - each action that ends fires the CONDITIONAL triggers of the run whose
**     Predicate now holds (AND: every condition met by a node of this run;
**     ANY: one), each trigger at most once per run, each node at most once
**     (a trigger whose State is DEACTIVATED never fires; CREATED ones do,
**     since `tarn stack deploy` may leave StartOnCreation triggers so);
**   - a failed node's downstream never runs (its conditions on SUCCEEDED
**     are never met); the run ends COMPLETED with Statistics. It ends ERROR
**     when it could not proceed at all (no start trigger, a malformed
**     snapshot), STOPPED when the caller asked it to stop.
**
** Node states are the job run's (STARTING, RUNNING, SUCCEEDED, FAILED,
** TIMEOUT, STOPPED) or the crawl's (RUNNING, SUCCEEDED, FAILED, CANCELLED);
** a node whose action could not even start is ERROR; a node not reached
** yet has no state (NULL). Trigger nodes get FIRED when they fire.
** Statistics count attempted nodes: TotalActions all of them, Succeeded,
** Failed, Timeout, Stopped (STOPPED and CANCELLED), Running (RUNNING),
** Waiting (STARTING), Errored (ERROR).
**
** What runs a node is a tarn_flow_executor: start / poll / stop for one
** job or crawler. The real one (nodes.c) binds to the job runner
** (jobs.h) and to crawler runs in a forked child (crawl.h); tests pass
** fakes. The engine is one thread: it starts ready actions and polls the
** active ones every poll_ms.
**
** Files: graph.c (triggers -> snapshot -> graph, downstream sets, text and
** dot output), persist.c (rows of runs and nodes, reading them back),
** run.c (the engine), resume.c, nodes.c (real executors), cron.c,
** scheduler.c, progress.c (the progress text). Internals in flow_int.h.
*/
#ifndef TARN_FLOW_H
#define TARN_FLOW_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "core/core.h"
#include "store/store.h"

/* ---- node executors ---------------------------------------------------- */

typedef enum tarn_flow_kind {
    TARN_FLOW_JOB = 0,
    TARN_FLOW_CRAWLER
} tarn_flow_kind;

/* "JOB" or "CRAWLER" (the node_type of workflow_run_nodes). */
const char *tarn_flow_kind_name(tarn_flow_kind k);

/* What one action asks for. Every string is borrowed for the call. */
typedef struct tarn_flow_start {
    tarn_flow_kind kind;
    const char *name;             /* job or crawler name */
    const char *trigger_name;     /* the trigger that started it */
    const char *workflow_name;    /* NULL for a trigger outside a workflow */
    const char *workflow_run_id;  /* NULL likewise */
    const char *arguments_json;   /* the action's Arguments (a JSON object of
                                     strings) or NULL; jobs only */
    int64_t timeout_minutes;      /* the action's Timeout; 0 = the job's own */
} tarn_flow_start;

#define TARN_FLOW_STATE_MAX 16
#define TARN_FLOW_NODE_ERROR_MAX TARN_ERROR_MAX

/* What a poll found. */
typedef struct tarn_flow_status {
    bool done;                          /* the node reached its final state */
    char state[TARN_FLOW_STATE_MAX];    /* STARTING, RUNNING, SUCCEEDED, ... */
    char run_id[TARN_CATALOG_ID_MAX];   /* the job run or crawl run; "" unknown */
    char error[TARN_FLOW_NODE_ERROR_MAX]; /* why it failed; "" if none */
} tarn_flow_status;

/* Runs nodes. start returns TARN_OK with *handle set, or an error (the
** node becomes ERROR with err's message). poll never blocks; it fills
** *out (out->done once final). A poll error ends the node FAILED with the
** message. stop asks the node to end (it ends STOPPED / CANCELLED on a
** later poll). release frees a handle (a node still going is stopped). */
typedef struct tarn_flow_executor {
    void *ud;
    int (*start)(void *ud, const tarn_flow_start *req, void **handle, tarn_error *err);
    int (*poll)(void *ud, void *handle, tarn_flow_status *out, tarn_error *err);
    int (*stop)(void *ud, void *handle, tarn_error *err);
    void (*release)(void *ud, void *handle);
} tarn_flow_executor;

/* The real executor (nodes.c): jobs through the job runner, crawlers in a
** forked child that opens its own store and catalog on home. Fill x with
** tarn_flow_real_init; the caller keeps home, st and cat open while x is
** used, and must have no other threads running (both fork). */
typedef struct tarn_flow_real {
    const char *home;
    tarn_store *store;
    tarn_catalog *cat;
} tarn_flow_real;

void tarn_flow_real_init(tarn_flow_real *r, const char *home, tarn_store *st,
                         tarn_catalog *cat, tarn_flow_executor *x);

/* ---- runs -------------------------------------------------------------- */

/* One node of a run, as stored. Strings owned by the node (NULL = none). */
typedef struct tarn_flow_node {
    char *type;             /* "TRIGGER", "JOB" or "CRAWLER" */
    char *name;
    char *state;            /* NULL: not reached */
    char *action_run_id;
    bool attempted;
    int64_t started_on;     /* ms; 0 if not started */
    int64_t completed_on;   /* ms; 0 if not final */
    char *error;
} tarn_flow_node;

typedef struct tarn_flow_stats {
    int64_t total, succeeded, failed, timeout, stopped, running, errored, waiting;
} tarn_flow_stats;

/* A workflow run as stored. Everything owned (tarn_flow_run_info_free). */
typedef struct tarn_flow_run_info {
    char id[TARN_CATALOG_ID_MAX];
    char *workflow;
    char *status;           /* RUNNING, COMPLETED, STOPPING, STOPPED, ERROR */
    char *properties;       /* JSON object of strings */
    tarn_flow_stats stats;
    char *previous_run_id;  /* NULL if none */
    char *error;            /* NULL if none */
    int64_t started_on, completed_on; /* ms; completed 0 while running */
    int64_t pid;            /* process that ran it; 0 unknown */
    tarn_flow_node *nodes;  /* job, crawler and trigger nodes, in graph order */
    size_t nnodes;
} tarn_flow_run_info;

void tarn_flow_run_info_free(tarn_flow_run_info *r);
void tarn_flow_run_info_list_free(tarn_flow_run_info *rs, size_t n);

/* Whether a node's state counts as a failure (anything final but
** SUCCEEDED: FAILED, TIMEOUT, STOPPED, CANCELLED, ERROR). */
bool tarn_flow_state_failed(const char *state);

/* Called by the engine as a run goes; every field may be NULL. node is the
** run's current view of one node (borrowed for the call); tick comes once
** per poll cycle with every node, for live progress. */
typedef struct tarn_flow_observer {
    void *ud;
    void (*node_changed)(void *ud, const char *run_id, const tarn_flow_node *node);
    void (*tick)(void *ud, const char *run_id, const tarn_flow_node *nodes, size_t n);
} tarn_flow_observer;

/* Options of a run or resume. Zero is fine for every field. */
typedef struct tarn_flow_run_opts {
    const char *const *property_keys;  /* run properties over the defaults */
    const char *const *property_values;
    size_t nproperties;
    const char *start_trigger;  /* fire this SCHEDULED/ON_DEMAND trigger only
                                   (the scheduler); NULL = every ON_DEMAND one */
    int poll_ms;                /* poll interval; 0 = 100 */
    volatile sig_atomic_t *stop; /* when it becomes non-zero, the run stops its
                                   nodes and ends STOPPED; NULL = never */
    const tarn_flow_observer *observer;
    void (*on_started)(void *ud, const char *run_id); /* once the run row exists */
    void *on_started_ud;
} tarn_flow_run_opts;

/* Run workflow `name` to its end with executor x. run_id gets the new
** run's id as soon as it is recorded ("" when no run was recorded).
** Returns TARN_OK when the run ran to its end (COMPLETED or STOPPED; look
** at the nodes for failures), or an error: TARN_ERR_NOTFOUND
** (EntityNotFoundException) for an unknown workflow, TARN_ERR_LIMIT
** (ConcurrentRunsExceededException) when MaxConcurrentRuns runs of it are
** RUNNING in live processes, TARN_ERR_INVALID for a bad property or a run
** that ended ERROR (err says why; the run is recorded ERROR). */
int tarn_flow_run(tarn_catalog *cat, const char *name, const tarn_flow_run_opts *o,
                  const tarn_flow_executor *x, char run_id[TARN_CATALOG_ID_MAX],
                  tarn_error *err);

/* Resume run prev_id (resume.c). A run still RUNNING whose process is gone
** is first marked interrupted (ERROR; its STARTING/RUNNING nodes FAILED;
** tarn_job_runs_reap marks their job runs). Then the nodes named in
** nodes[0..nnodes) (each must have been attempted), or when none are named
** every attempted node that did not succeed, run again with everything
** downstream of them, in a new run with previous_run_id = prev_id, the
** same properties and snapshot; every other attempted node is copied with
** its result. Refused (TARN_ERR_INVALID) for a run still going in a live
** process, or with nothing to rerun. Returns like tarn_flow_run. */
int tarn_flow_resume(tarn_catalog *cat, const char *prev_id, const char *const *nodes,
                     size_t nnodes, const tarn_flow_run_opts *o, const tarn_flow_executor *x,
                     char run_id[TARN_CATALOG_ID_MAX], tarn_error *err);

/* Mark run id interrupted if it is RUNNING and its process is gone
** (resume.c); *marked says whether it was. Other runs are left alone. */
int tarn_flow_run_mark_interrupted(tarn_catalog *cat, const char *id, bool *marked,
                                   tarn_error *err);

/* Read run id with its nodes (persist.c). TARN_ERR_NOTFOUND names it. */
int tarn_flow_run_get(tarn_catalog *cat, const char *id, tarn_flow_run_info *out,
                      tarn_error *err);
/* Runs of workflow name, newest first, without nodes. TARN_ERR_NOTFOUND
** for an unknown workflow. */
int tarn_flow_runs_list(tarn_catalog *cat, const char *name, tarn_flow_run_info **out,
                        size_t *n, tarn_error *err);

/* ---- workflows --------------------------------------------------------- */

typedef struct tarn_flow_workflow {
    char *name;
    char *description;          /* NULL if none */
    char *default_properties;   /* JSON object */
    int64_t max_concurrent_runs; /* 0: no limit */
    int64_t ntriggers;
    char *last_run_id;          /* NULL if never run */
    char *last_run_status;
    int64_t last_run_started;
} tarn_flow_workflow;

/* Every workflow in name order. Free with tarn_flow_workflow_list_free. */
int tarn_flow_workflow_list(tarn_catalog *cat, tarn_flow_workflow **out, size_t *n,
                            tarn_error *err);
void tarn_flow_workflow_list_free(tarn_flow_workflow *w, size_t n);

typedef enum tarn_flow_graph_format {
    TARN_FLOW_GRAPH_TEXT = 0, /* a tree from each ON_DEMAND / SCHEDULED trigger
                                 through its actions and the triggers they fire */
    TARN_FLOW_GRAPH_DOT,      /* a Graphviz digraph */
    TARN_FLOW_GRAPH_JSON      /* {"Name": workflow, "Triggers": [Glue Trigger
                                 objects, as a run's snapshot holds them]} */
} tarn_flow_graph_format;

/* Append the workflow's graph to out in format fmt (graph.c).
** TARN_ERR_NOTFOUND for an unknown workflow; TARN_ERR_INVALID for a
** malformed trigger (text and dot). */
int tarn_flow_graph_render(tarn_catalog *cat, const char *name, tarn_flow_graph_format fmt,
                           tarn_buf *out, tarn_error *err);

/* Append live progress for nodes[0..n) to out (progress.c): one line per
** job or crawler node with its state, elapsed time, and for jobs the rows
** and bytes read and written so far (from job_runs). */
void tarn_flow_progress_render(tarn_catalog *cat, const tarn_flow_node *nodes, size_t n,
                               int64_t now_ms, tarn_buf *out);

/* ---- cron (cron.c) -------------------------------------------------------
** Glue's schedule: "cron(Minutes Hours Day-of-month Month Day-of-week
** Year)", UTC. Fields take '*', lists ',', ranges '-', steps '/'; '?' in
** one of Day-of-month / Day-of-week (exactly one of them must be '?');
** Day-of-month 'L' (last day), 'NW' (weekday nearest day N, within the
** month), 'LW'; Day-of-week 1-7 = SUN-SAT, names SUN..SAT, 'L' (SAT),
** 'NL' (last weekday N of the month), 'N#k' (k-th weekday N); months 1-12
** or JAN..DEC; years 1970-2199. */
typedef struct tarn_flow_cron {
    uint64_t minutes;        /* bit m: minute m (0..59) */
    uint32_t hours;          /* bit h (0..23) */
    uint32_t dom;            /* bit d (1..31) */
    bool dom_q, dow_q;       /* the field was '?' */
    bool dom_last;           /* L: the last day of the month */
    bool dom_last_weekday;   /* LW: the last weekday (MON-FRI) of the month */
    int dom_weekday;         /* NW: the weekday nearest day N; 0 none */
    uint16_t months;         /* bit m (1..12) */
    uint8_t dow;             /* bit d (1..7, SUN=1) */
    int dow_last;            /* NL: the last weekday N (1..7) of the month; 0 none */
    int dow_nth_day, dow_nth;/* N#k: the k-th weekday N of the month; 0 none */
    uint8_t years[(2199 - 1970) / 8 + 1]; /* bit y-1970 */
} tarn_flow_cron;

/* Parse expr ("cron(...)" or the bare six fields). TARN_ERR_INVALID with
** the field and character position of the problem. */
int tarn_flow_cron_parse(const char *expr, tarn_flow_cron *out, tarn_error *err);
/* The first fire time strictly after after_ms (ms since the epoch, UTC,
** on a whole minute). TARN_ERR_NOTFOUND if it never fires again. */
int tarn_flow_cron_next(const tarn_flow_cron *c, int64_t after_ms, int64_t *next_ms,
                        tarn_error *err);

/* ---- scheduler (scheduler.c) ------------------------------------------- */

typedef struct tarn_flow_sched_opts {
    const char *home;            /* where catalog.db and buckets/ are */
    int64_t once_at_ms;          /* > 0: fire what is due at this minute, wait
                                    for it, and return */
    volatile sig_atomic_t *stop; /* set by SIGINT/SIGTERM: stop and return */
    void (*log)(void *ud, const char *line); /* one line per event */
    void *log_ud;
    const tarn_flow_executor *executor; /* NULL = the real one (tests pass a
                                   fake; it runs in the forked child) */
} tarn_flow_sched_opts;

/* Run the scheduler in the foreground: every ACTIVATED (or
** StartOnCreation) SCHEDULED trigger fires on its cron schedule, starting
** its workflow (a run in a child process) or, without a workflow, its
** actions. Re-reads the triggers every minute. Returns TARN_OK when
** stopped (or after once_at), or the error that prevented it. */
int tarn_flow_scheduler(const tarn_flow_sched_opts *o, tarn_error *err);

#endif
