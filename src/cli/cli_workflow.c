/*
** cli_workflow.c: `tarn workflow run|resume|list|runs|show|graph` and
** `tarn scheduler`, thin over flow/ (flow.h). Options come from one table
** (name, argument, verbs that take it, help), parsed into a wf_args; each
** verb calls one flow function and prints: tables on stdout (--json for
** machines), live progress and errors on stderr (redrawn in place on a
** terminal, one line per node state change otherwise).
**
** Usage:
**   tarn workflow run NAME [--property KEY=VALUE]...
**   tarn workflow resume RUN_ID [--node NAME]...
**   tarn workflow list | runs NAME | show RUN_ID | graph NAME [--dot]
**   tarn scheduler [--once-at TIME]
*/
#include "cli/cli.h"
#include "cli/cli_verbs.h"
#include "cli/table_print.h"
#include "flow/flow.h"

#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum verb_id { V_RUN, V_RESUME, V_LIST, V_RUNS, V_SHOW, V_GRAPH, V_SCHED, V_COUNT };
#define VB(v) (1u << (v))

static const struct wf_verb {
    const char *name;
    int nargs;            /* positional arguments */
    const char *args;
    const char *summary;
} verbs[V_COUNT] = {
    [V_RUN] = {"run", 1, "NAME", "run a workflow to its end, showing each node's progress"},
    [V_RESUME] = {"resume", 1, "RUN_ID", "rerun the interrupted and failed nodes of a run and "
                                         "what lies downstream of them"},
    [V_LIST] = {"list", 0, "", "list workflows with their last run"},
    [V_RUNS] = {"runs", 1, "NAME", "list a workflow's runs, newest first"},
    [V_SHOW] = {"show", 1, "RUN_ID", "show a run: every node's state, times and error"},
    [V_GRAPH] = {"graph", 1, "NAME", "show a workflow's triggers and actions as a tree"},
    [V_SCHED] = {"scheduler", 0, "", "start SCHEDULED triggers on time, in the foreground"},
};

enum opt_id { O_PROPERTY, O_NODE, O_DOT, O_ONCE_AT, O_JSON, O_HELP };

static const tarn_cli_option options[] = {
    {"property", "KEY=VALUE", O_PROPERTY, VB(V_RUN), "a run property over the workflow's "
                                                     "DefaultRunProperties (repeatable)"},
    {"node", "NAME", O_NODE, VB(V_RESUME), "rerun this job or crawler node (repeatable; "
                                           "default: the interrupted and failed ones)"},
    {"dot", NULL, O_DOT, VB(V_GRAPH), "print a Graphviz digraph"},
    {"once-at", "TIME", O_ONCE_AT, VB(V_SCHED), "fire what is due at TIME (YYYY-MM-DDTHH:MM[Z], "
                                                "UTC), wait for it, and exit"},
    {"json", NULL, O_JSON, ~0u & ~VB(V_SCHED), "machine-readable output"},
    {"help", NULL, O_HELP, ~0u, "show this help"},
};
#define NOPTIONS (sizeof options / sizeof options[0])

typedef struct wf_args {
    int verb;
    const char *pos;              /* NAME or RUN_ID */
    char **keys, **values;        /* --property */
    size_t nprops;
    const char **nodes;           /* --node */
    size_t nnodes;
    bool dot, json, help;
    int64_t once_at_ms;
} wf_args;

/* ---- help and parsing ---- */

static void print_help(FILE *f, int v)
{
    if (v == V_SCHED)
        fprintf(f, "usage: tarn scheduler [OPTIONS]\n\n%s.\n\nOptions:\n", verbs[v].summary);
    else
        fprintf(f, "usage: tarn workflow %s %s [OPTIONS]\n\n%s.\n\nOptions:\n", verbs[v].name,
                verbs[v].args, verbs[v].summary);
    tarn_cli_options_help(f, options, NOPTIONS, VB(v), 22);
}

static void print_noun_help(FILE *f)
{
    fprintf(f, "usage: tarn workflow VERB [ARGS] [OPTIONS]\n\nGlue workflows and their runs."
               "\n\nVerbs:\n");
    for (int v = 0; v < V_SCHED; v++)
        fprintf(f, "  %-7s %-7s %s\n", verbs[v].name, verbs[v].args, verbs[v].summary);
    fprintf(f, "\nRun 'tarn workflow VERB --help' for a verb's options.\n");
}

/* "YYYY-MM-DDTHH:MM[:SS][Z]" (or a space for T), UTC, as ms. */
static int parse_time(const char *s, int64_t *out)
{
    struct tm tm = {0};
    int sec = 0, n = 0;
    char sep;
    if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &sep,
               &tm.tm_hour, &tm.tm_min, &n) != 6 || (sep != 'T' && sep != ' '))
        return -1;
    s += n;
    if (*s == ':' && sscanf(s, ":%2d%n", &sec, &n) == 1)
        s += n;
    if (*s == 'Z')
        s++;
    if (*s || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || sec > 59)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_sec = sec;
    *out = (int64_t)timegm(&tm) * 1000;
    return 0;
}

static int apply_option(wf_args *a, const tarn_cli_option *o, const char *val)
{
    const char *eq;
    switch (o->id) {
    case O_PROPERTY:
        eq = strchr(val, '=');
        if (!eq || eq == val)
            return tarn_cli_usage_error("--property takes KEY=VALUE, got '%s'", val);
        a->keys[a->nprops] = tarn_xstrndup(val, (size_t)(eq - val));
        a->values[a->nprops++] = tarn_xstrdup(eq + 1);
        break;
    case O_NODE: a->nodes[a->nnodes++] = val; break;
    case O_DOT: a->dot = true; break;
    case O_JSON: a->json = true; break;
    case O_HELP: a->help = true; break;
    case O_ONCE_AT:
        if (parse_time(val, &a->once_at_ms) != 0)
            return tarn_cli_usage_error("--once-at takes a UTC time like 2026-01-31T06:00Z, "
                                        "got '%s'", val);
        break;
    }
    return TARN_EXIT_OK;
}

/* One "--name[=value]" word at argv[*i]. */
static int parse_option(wf_args *a, int argc, char **argv, int *i)
{
    const tarn_cli_option *o;
    const char *val;
    int rc = tarn_cli_option_match(options, NOPTIONS, VB(a->verb), verbs[a->verb].name, argc,
                                   argv, i, &o, &val);
    return rc ? rc : apply_option(a, o, val);
}

/* Parse argv[first..argc) for verb a->verb. */
static int parse_args(wf_args *a, int argc, char **argv, int first)
{
    a->keys = tarn_xcalloc((size_t)argc + 1, sizeof *a->keys);
    a->values = tarn_xcalloc((size_t)argc + 1, sizeof *a->values);
    a->nodes = tarn_xcalloc((size_t)argc + 1, sizeof *a->nodes);
    int npos = 0;
    for (int i = first; i < argc; i++) {
        int rc = TARN_EXIT_OK;
        if (strcmp(argv[i], "-h") == 0)
            a->help = true;
        else if (strncmp(argv[i], "--", 2) == 0 && argv[i][2])
            rc = parse_option(a, argc, argv, &i);
        else if (npos++ < verbs[a->verb].nargs)
            a->pos = argv[i];
        else
            rc = tarn_cli_usage_error("too many arguments for '%s' ('%s')",
                                      verbs[a->verb].name, argv[i]);
        if (rc)
            return rc;
    }
    if (!a->help && npos < verbs[a->verb].nargs)
        return tarn_cli_usage_error("'workflow %s' needs %s", verbs[a->verb].name,
                                    verbs[a->verb].args);
    return TARN_EXIT_OK;
}

static void args_free(wf_args *a)
{
    for (size_t i = 0; i < a->nprops; i++) {
        free(a->keys[i]);
        free(a->values[i]);
    }
    free(a->keys);
    free(a->values);
    free(a->nodes);
}

/* ---- output helpers ---- */

/* ms since the epoch as "YYYY-MM-DD HH:MM:SS" UTC, "-" for 0. */
static void fmt_time(int64_t ms, char out[32])
{
    if (ms <= 0) {
        snprintf(out, 32, "-");
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
}

/* A duration "1h02m03s", "4m05s", "6.7s"; "-" when unknown. */
static void fmt_duration(int64_t start, int64_t end, char out[32])
{
    if (start <= 0 || end < start) {
        snprintf(out, 32, "-");
        return;
    }
    int64_t ms = end - start, s = ms / 1000;
    if (s >= 3600)
        snprintf(out, 32, "%lldh%02lldm%02llds", (long long)(s / 3600),
                 (long long)(s / 60 % 60), (long long)(s % 60));
    else if (s >= 60)
        snprintf(out, 32, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
    else
        snprintf(out, 32, "%.1fs", (double)ms / 1000);
}

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *jtime(int64_t ms)
{
    char iso[40];
    if (ms <= 0)
        return json_null();
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(iso);
}

static json_t *stats_json(const tarn_flow_stats *s)
{
    return json_pack("{sI sI sI sI sI sI sI sI}", "TotalActions", (json_int_t)s->total,
                     "SucceededActions", (json_int_t)s->succeeded, "FailedActions",
                     (json_int_t)s->failed, "TimeoutActions", (json_int_t)s->timeout,
                     "StoppedActions", (json_int_t)s->stopped, "RunningActions",
                     (json_int_t)s->running, "ErroredActions", (json_int_t)s->errored,
                     "WaitingActions", (json_int_t)s->waiting);
}

static json_t *run_json(const tarn_flow_run_info *r, bool nodes)
{
    json_t *props = json_loads(r->properties ? r->properties : "{}", 0, NULL);
    json_t *o = json_pack("{ss so so so so so so so so}", "WorkflowRunId", r->id, "Name",
                          jstr(r->workflow), "Status", jstr(r->status), "StartedOn",
                          jtime(r->started_on), "CompletedOn", jtime(r->completed_on),
                          "PreviousRunId", jstr(r->previous_run_id), "ErrorMessage",
                          jstr(r->error), "WorkflowRunProperties",
                          props ? props : json_object(), "Statistics", stats_json(&r->stats));
    if (!nodes)
        return o;
    json_t *arr = json_array();
    for (size_t i = 0; i < r->nnodes; i++) {
        const tarn_flow_node *n = &r->nodes[i];
        json_array_append_new(arr, json_pack("{ss ss so so sb so so so}", "Type", n->type,
                                             "Name", n->name, "State", jstr(n->state),
                                             "ActionRunId", jstr(n->action_run_id),
                                             "Attempted", n->attempted, "StartedOn",
                                             jtime(n->started_on), "CompletedOn",
                                             jtime(n->completed_on), "ErrorMessage",
                                             jstr(n->error)));
    }
    json_object_set_new(o, "Nodes", arr);
    return o;
}

/* ---- live progress ---- */

typedef struct progress {
    tarn_catalog *cat;
    bool tty;
    int lines;            /* lines drawn last time (tty) */
    int64_t last_draw;
} progress;

static void on_node(void *ud, const char *run_id, const tarn_flow_node *n)
{
    progress *p = ud;
    p->last_draw = 0;   /* a change is drawn at the next tick */
    if (p->tty || strcmp(n->type, "TRIGGER") == 0 || !n->state)
        return;
    fprintf(stderr, "workflow run %s: %s %s %s%s%s\n", run_id, n->type, n->name, n->state,
            n->error ? ": " : "", n->error ? n->error : "");
}

static void on_tick(void *ud, const char *run_id, const tarn_flow_node *nodes, size_t n)
{
    progress *p = ud;
    int64_t now = tarn_catalog_now_ms();
    if (!p->tty || now - p->last_draw < 200)
        return;
    p->last_draw = now;
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_buf_appendf(&b, "workflow run %s\n", run_id);
    tarn_flow_progress_render(p->cat, nodes, n, now, &b);
    if (p->lines > 0)
        fprintf(stderr, "\033[%dA\033[J", p->lines);
    fputs(b.data, stderr);
    p->lines = 0;
    for (size_t i = 0; i < b.len; i++)
        p->lines += b.data[i] == '\n';
    tarn_buf_free(&b);
}

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* ---- verbs ---- */

/* Print the outcome of run id; exit 1 naming each node that failed. */
static int report_run(tarn_cli *cli, tarn_catalog *cat, const char *id, bool json)
{
    tarn_flow_run_info r;
    tarn_error err = {0};
    if (tarn_flow_run_get(cat, id, &r, &err))
        return tarn_cli_fail(&err);
    int failed = 0;
    for (size_t i = 0; i < r.nnodes; i++)
        if (strcmp(r.nodes[i].type, "TRIGGER") != 0 && tarn_flow_state_failed(r.nodes[i].state)) {
            fprintf(stderr, "tarn: workflow run %s: %s '%s' %s: %s\n", id,
                    strcmp(r.nodes[i].type, "JOB") == 0 ? "job" : "crawler", r.nodes[i].name,
                    r.nodes[i].state, r.nodes[i].error ? r.nodes[i].error : "(no message)");
            failed++;
        }
    if (json) {
        tarn_cli_json_print(run_json(&r, true));
    } else {
        char dur[32];
        fmt_duration(r.started_on, r.completed_on, dur);
        printf("workflow run %s %s in %s: %lld of %lld actions succeeded\n", id, r.status, dur,
               (long long)r.stats.succeeded, (long long)r.stats.total);
    }
    bool bad = failed > 0 || strcmp(r.status, "COMPLETED") != 0;
    tarn_flow_run_info_free(&r);
    (void)cli;
    return bad ? TARN_EXIT_FAIL : TARN_EXIT_OK;
}

static void print_started(void *ud, const char *id)
{
    (void)ud;
    fprintf(stderr, "workflow run %s started\n", id);
}

/* run and resume: execute with the real executor and live progress. */
static int verb_execute(tarn_cli *cli, const wf_args *a)
{
    tarn_cli_home h;
    int rc = tarn_cli_home_open(cli, &h);
    if (rc)
        return rc;
    progress pg = {h.cat, isatty(STDERR_FILENO) != 0, 0, 0};
    tarn_flow_observer ob = {&pg, on_node, on_tick};
    tarn_flow_run_opts o = {0};
    o.property_keys = (const char *const *)a->keys;
    o.property_values = (const char *const *)a->values;
    o.nproperties = a->nprops;
    o.stop = &stop_flag;
    o.observer = &ob;
    o.on_started = print_started;
    tarn_flow_real real;
    tarn_flow_executor x;
    tarn_flow_real_init(&real, cli->home, h.store, h.cat, &x);
    install_signals();
    char id[TARN_CATALOG_ID_MAX];
    tarn_error err = {0};
    int frc = a->verb == V_RUN ? tarn_flow_run(h.cat, a->pos, &o, &x, id, &err)
                               : tarn_flow_resume(h.cat, a->pos, a->nodes, a->nnodes, &o, &x,
                                                  id, &err);
    if (frc)
        rc = tarn_cli_fail(&err);
    else
        rc = report_run(cli, h.cat, id, a->json || cli->json);
    tarn_cli_home_close(&h);
    return rc;
}

static int verb_list(tarn_cli *cli, tarn_catalog *cat, const wf_args *a)
{
    tarn_flow_workflow *w;
    size_t n;
    tarn_error err = {0};
    if (tarn_flow_workflow_list(cat, &w, &n, &err))
        return tarn_cli_fail(&err);
    if (a->json || cli->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, json_pack("{ss so sI sI so so}", "Name", w[i].name,
                                                 "Description", jstr(w[i].description),
                                                 "MaxConcurrentRuns",
                                                 (json_int_t)w[i].max_concurrent_runs,
                                                 "Triggers", (json_int_t)w[i].ntriggers,
                                                 "LastRunId", jstr(w[i].last_run_id),
                                                 "LastRunStatus", jstr(w[i].last_run_status)));
        tarn_cli_json_print(json_pack("{so}", "Workflows", arr));
    } else {
        tarn_grid g;
        tarn_grid_init(&g, 5, cli->tty);
        const char *head[] = {"NAME", "TRIGGERS", "LAST RUN", "STATUS", "STARTED"};
        for (int i = 0; i < 5; i++)
            tarn_grid_add_str(&g, head[i]);
        for (size_t i = 0; i < n; i++) {
            char t[32];
            fmt_time(w[i].last_run_started, t);
            tarn_grid_add_str(&g, w[i].name);
            tarn_grid_add_int(&g, w[i].ntriggers);
            tarn_grid_add_str(&g, w[i].last_run_id);
            tarn_grid_add_str(&g, w[i].last_run_status);
            tarn_grid_add_str(&g, t);
        }
        tarn_grid_print(&g, 1);
        tarn_grid_free(&g);
    }
    tarn_flow_workflow_list_free(w, n);
    return TARN_EXIT_OK;
}

static int verb_runs(tarn_cli *cli, tarn_catalog *cat, const wf_args *a)
{
    tarn_flow_run_info *r;
    size_t n;
    tarn_error err = {0};
    if (tarn_flow_runs_list(cat, a->pos, &r, &n, &err))
        return tarn_cli_fail(&err);
    if (a->json || cli->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, run_json(&r[i], false));
        tarn_cli_json_print(json_pack("{so}", "Runs", arr));
    } else {
        tarn_grid g;
        tarn_grid_init(&g, 8, cli->tty);
        const char *head[] = {"RUN ID", "STATUS", "STARTED", "DURATION", "ACTIONS",
                              "SUCCEEDED", "FAILED", "PREVIOUS RUN"};
        for (int i = 0; i < 8; i++)
            tarn_grid_add_str(&g, head[i]);
        for (size_t i = 0; i < n; i++) {
            char t[32], d[32];
            const tarn_flow_stats *s = &r[i].stats;
            fmt_time(r[i].started_on, t);
            fmt_duration(r[i].started_on, r[i].completed_on, d);
            tarn_grid_add_str(&g, r[i].id);
            tarn_grid_add_str(&g, r[i].status);
            tarn_grid_add_str(&g, t);
            tarn_grid_add_str(&g, d);
            tarn_grid_add_int(&g, s->total);
            tarn_grid_add_int(&g, s->succeeded);
            tarn_grid_add_int(&g, s->failed + s->timeout + s->stopped + s->errored);
            tarn_grid_add_str(&g, r[i].previous_run_id);
        }
        tarn_grid_print(&g, 1);
        tarn_grid_free(&g);
    }
    tarn_flow_run_info_list_free(r, n);
    return TARN_EXIT_OK;
}

static void show_text(tarn_cli *cli, const tarn_flow_run_info *r)
{
    char t[32], d[32];
    fmt_time(r->started_on, t);
    fmt_duration(r->started_on, r->completed_on, d);
    printf("run %s of workflow %s\nstatus: %s\nstarted: %s UTC\nduration: %s\n", r->id,
           r->workflow, r->status, t, d);
    printf("previous run: %s\nproperties: %s\n", r->previous_run_id ? r->previous_run_id : "-",
           r->properties);
    if (r->error)
        printf("error: %s\n", r->error);
    const tarn_flow_stats *s = &r->stats;
    printf("actions: %lld total, %lld succeeded, %lld failed, %lld timeout, %lld stopped, "
           "%lld running, %lld errored, %lld waiting\n\n", (long long)s->total,
           (long long)s->succeeded, (long long)s->failed, (long long)s->timeout,
           (long long)s->stopped, (long long)s->running, (long long)s->errored,
           (long long)s->waiting);
    tarn_grid g;
    tarn_grid_init(&g, 7, cli->tty);
    const char *head[] = {"TYPE", "NAME", "STATE", "START", "END", "DURATION", "ERROR"};
    for (int i = 0; i < 7; i++)
        tarn_grid_add_str(&g, head[i]);
    for (size_t i = 0; i < r->nnodes; i++) {
        const tarn_flow_node *n = &r->nodes[i];
        char a[32], b[32], du[32];
        fmt_time(n->started_on, a);
        fmt_time(n->completed_on, b);
        fmt_duration(n->started_on, n->completed_on, du);
        tarn_grid_add_str(&g, n->type);
        tarn_grid_add_str(&g, n->name);
        tarn_grid_add_str(&g, n->state ? n->state : "NOT RUN");
        tarn_grid_add_str(&g, a);
        tarn_grid_add_str(&g, b);
        tarn_grid_add_str(&g, du);
        tarn_grid_add_str(&g, n->error);
    }
    tarn_grid_print(&g, 1);
    tarn_grid_free(&g);
}

static int verb_show(tarn_cli *cli, tarn_catalog *cat, const wf_args *a)
{
    tarn_flow_run_info r;
    tarn_error err = {0};
    bool marked = false;
    if (tarn_flow_run_mark_interrupted(cat, a->pos, &marked, &err) ||
        tarn_flow_run_get(cat, a->pos, &r, &err))
        return tarn_cli_fail(&err);
    if (a->json || cli->json)
        tarn_cli_json_print(run_json(&r, true));
    else
        show_text(cli, &r);
    tarn_flow_run_info_free(&r);
    return TARN_EXIT_OK;
}

static int verb_graph(tarn_cli *cli, tarn_catalog *cat, const wf_args *a)
{
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_error err = {0};
    tarn_flow_graph_format fmt = a->dot ? TARN_FLOW_GRAPH_DOT
                                 : a->json || cli->json ? TARN_FLOW_GRAPH_JSON
                                                        : TARN_FLOW_GRAPH_TEXT;
    int rc = tarn_flow_graph_render(cat, a->pos, fmt, &b, &err);
    if (rc) {
        tarn_buf_free(&b);
        return tarn_cli_fail(&err);
    }
    fputs(b.data ? b.data : "", stdout);
    tarn_buf_free(&b);
    return TARN_EXIT_OK;
}

static void sched_log(void *ud, const char *line)
{
    (void)ud;
    time_t t = time(NULL);
    struct tm tm;
    char when[32];
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(stderr, "%s %s\n", when, line);
}

static int verb_scheduler(tarn_cli *cli, const wf_args *a)
{
    tarn_cli_home h;
    int rc = tarn_cli_home_open(cli, &h);   /* creates the home and migrates */
    if (rc)
        return rc;
    tarn_cli_home_close(&h);
    install_signals();
    tarn_flow_sched_opts o = {cli->home, a->once_at_ms, &stop_flag, sched_log, NULL, NULL};
    tarn_error err = {0};
    if (tarn_flow_scheduler(&o, &err))
        return tarn_cli_fail(&err);
    return TARN_EXIT_OK;
}

/* Dispatch a parsed command. */
static int dispatch(tarn_cli *cli, const wf_args *a)
{
    if (a->help) {
        print_help(stdout, a->verb);
        return TARN_EXIT_OK;
    }
    if (a->verb == V_RUN || a->verb == V_RESUME)
        return verb_execute(cli, a);
    if (a->verb == V_SCHED)
        return verb_scheduler(cli, a);
    tarn_cli_home h;
    int rc = tarn_cli_home_open(cli, &h);
    if (rc)
        return rc;
    switch (a->verb) {
    case V_LIST: rc = verb_list(cli, h.cat, a); break;
    case V_RUNS: rc = verb_runs(cli, h.cat, a); break;
    case V_SHOW: rc = verb_show(cli, h.cat, a); break;
    default: rc = verb_graph(cli, h.cat, a); break;
    }
    tarn_cli_home_close(&h);
    return rc;
}

static int parse_and_run(tarn_cli *cli, int verb, int argc, char **argv, int first)
{
    wf_args a = {0};
    a.verb = verb;
    int rc = parse_args(&a, argc, argv, first);
    if (!rc)
        rc = dispatch(cli, &a);
    args_free(&a);
    return rc;
}

int tarn_cli_workflow(tarn_cli *cli, int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        print_noun_help(argc < 1 ? stderr : stdout);
        return argc < 1 ? TARN_EXIT_USAGE : TARN_EXIT_OK;
    }
    for (int v = 0; v < V_SCHED; v++)
        if (strcmp(argv[0], verbs[v].name) == 0)
            return parse_and_run(cli, v, argc, argv, 1);
    return tarn_cli_usage_error("unknown workflow verb '%s' (verbs: run, resume, list, runs, "
                                "show, graph)", argv[0]);
}

int tarn_cli_scheduler(tarn_cli *cli, int argc, char **argv)
{
    return parse_and_run(cli, V_SCHED, argc, argv, 0);
}
