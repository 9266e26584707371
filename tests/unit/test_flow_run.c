/*
** test_flow_run.c: workflow runs (flow/flow.h) over a fake node executor
** in a fresh temporary home: start triggers and actions, CONDITIONAL
** triggers with AND and ANY, a failed node stopping its downstream,
** statistics, persistence of runs and nodes, run properties, the triggers
** snapshot, MaxConcurrentRuns, stopping, resume (failed, interrupted and
** named nodes), and the text and dot graphs.
*/
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"
#include "catalog/catalog.h"
#include "flow/flow.h"

/* ---- the fake executor ---- */

enum behavior { B_OK, B_FAIL, B_TIMEOUT, B_HANG, B_NOSTART };

#define MAXN 32

typedef struct fake_handle {
    char name[64];
    tarn_flow_kind kind;
    enum behavior b;
    int polls;
    bool stopped;
    char run_id[TARN_CATALOG_ID_MAX];
} fake_handle;

typedef struct fake {
    struct { const char *name; enum behavior b; } plan[MAXN];
    int nplan;
    char started[MAXN][64];        /* names in start order */
    char args[MAXN][256];          /* their Arguments JSON ("" for none) */
    char trig[MAXN][64];
    char wrid[MAXN][TARN_CATALOG_ID_MAX];
    int nstarted;
    int active, max_active;
    int polls_total;
    int stop_after_polls;          /* > 0: set *stop after this many polls */
    volatile sig_atomic_t *stop;
    int seq;
} fake;

static enum behavior plan_of(fake *f, const char *name)
{
    for (int i = 0; i < f->nplan; i++)
        if (strcmp(f->plan[i].name, name) == 0)
            return f->plan[i].b;
    return B_OK;
}

static void set_plan(fake *f, const char *name, enum behavior b)
{
    for (int i = 0; i < f->nplan; i++)
        if (strcmp(f->plan[i].name, name) == 0) {
            f->plan[i].b = b;
            return;
        }
    f->plan[f->nplan].name = name;
    f->plan[f->nplan++].b = b;
}

static int fake_start(void *ud, const tarn_flow_start *q, void **handle, tarn_error *err)
{
    fake *f = ud;
    enum behavior b = plan_of(f, q->name);
    int k = f->nstarted++;
    snprintf(f->started[k], 64, "%s", q->name);
    snprintf(f->args[k], 256, "%s", q->arguments_json ? q->arguments_json : "");
    snprintf(f->trig[k], 64, "%s", q->trigger_name ? q->trigger_name : "");
    snprintf(f->wrid[k], TARN_CATALOG_ID_MAX, "%s", q->workflow_run_id ? q->workflow_run_id : "");
    if (b == B_NOSTART)
        return tarn_error_set(err, TARN_ERR_NOTFOUND, "EntityNotFoundException: job '%s' does "
                              "not exist", q->name);
    fake_handle *h = calloc(1, sizeof *h);
    snprintf(h->name, sizeof h->name, "%s", q->name);
    h->kind = q->kind;
    h->b = b;
    snprintf(h->run_id, sizeof h->run_id, "%s_%d", q->kind == TARN_FLOW_JOB ? "jr" : "cr",
             ++f->seq);
    *handle = h;
    if (++f->active > f->max_active)
        f->max_active = f->active;
    return TARN_OK;
}

static int fake_poll(void *ud, void *handle, tarn_flow_status *out, tarn_error *err)
{
    fake *f = ud;
    fake_handle *h = handle;
    snprintf(out->run_id, sizeof out->run_id, "%s", h->run_id);
    if (f->stop_after_polls && ++f->polls_total == f->stop_after_polls)
        *f->stop = 1;
    if (h->stopped) {
        out->done = true;
        snprintf(out->state, sizeof out->state, h->kind == TARN_FLOW_JOB ? "STOPPED"
                                                                          : "CANCELLED");
        return TARN_OK;
    }
    if (++h->polls < 3 || h->b == B_HANG) {
        snprintf(out->state, sizeof out->state, "RUNNING");
        return TARN_OK;
    }
    out->done = true;
    const char *st = h->b == B_OK ? "SUCCEEDED" : h->b == B_FAIL ? "FAILED" : "TIMEOUT";
    snprintf(out->state, sizeof out->state, "%s", st);
    if (h->b == B_FAIL)
        snprintf(out->error, sizeof out->error, "%s: boom", h->name);
    return TARN_OK;
}

static int fake_stop(void *ud, void *handle, tarn_error *err)
{
    ((fake_handle *)handle)->stopped = true;
    return TARN_OK;
}

static void fake_release(void *ud, void *handle)
{
    ((fake *)ud)->active--;
    free(handle);
}

/* ---- fixture ---- */

typedef struct fixture {
    char home[64];
    tarn_catalog *cat;
    fake f;
    tarn_flow_executor x;
    volatile sig_atomic_t stop;
    tarn_flow_run_opts o;
} fixture;

static void sql(fixture *fx, const char *text)
{
    char *msg = NULL;
    int rc = sqlite3_exec(tarn_catalog_db(fx->cat), text, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("sql: %s: %s", text, msg);
}

static void add_workflow(fixture *fx, const char *name, const char *props, int max)
{
    char maxs[16];
    snprintf(maxs, sizeof maxs, max > 0 ? "%d" : "NULL", max);
    char *q = sqlite3_mprintf("INSERT INTO workflows (name, default_run_properties, "
                              "max_concurrent_runs, create_time, update_time) VALUES "
                              "(%Q, %Q, %s, 0, 0)", name, props ? props : "{}", maxs);
    sql(fx, q);
    sqlite3_free(q);
}

static void add_trigger(fixture *fx, const char *wf, const char *name, const char *type,
                        const char *predicate, const char *actions)
{
    char *q = sqlite3_mprintf("INSERT INTO triggers (name, workflow_name, type, predicate, "
                              "actions, create_time, update_time) VALUES (%Q, %Q, %Q, %Q, %Q, "
                              "0, 0)", name, wf, type, predicate ? predicate : "{}", actions);
    sql(fx, q);
    sqlite3_free(q);
}

/* The pipeline shape: start -> A; A ok -> B, crawler C; B and C ok -> D. */
static void add_diamond(fixture *fx, const char *logical)
{
    add_workflow(fx, "wf", "{\"env\":\"dev\",\"day\":\"1\"}", 0);
    add_trigger(fx, "wf", "start", "ON_DEMAND", NULL,
                "[{\"JobName\":\"A\",\"Arguments\":{\"--k\":\"v\"},\"Timeout\":5}]");
    add_trigger(fx, "wf", "after-a", "CONDITIONAL",
                "{\"Logical\":\"AND\",\"Conditions\":[{\"LogicalOperator\":\"EQUALS\","
                "\"JobName\":\"A\",\"State\":\"SUCCEEDED\"}]}",
                "[{\"JobName\":\"B\"},{\"CrawlerName\":\"C\"}]");
    char pred[400];
    snprintf(pred, sizeof pred, "{\"Logical\":\"%s\",\"Conditions\":[{\"LogicalOperator\":"
             "\"EQUALS\",\"JobName\":\"B\",\"State\":\"SUCCEEDED\"},{\"LogicalOperator\":"
             "\"EQUALS\",\"CrawlerName\":\"C\",\"CrawlState\":\"SUCCEEDED\"}]}", logical);
    add_trigger(fx, "wf", "after-bc", "CONDITIONAL", pred, "[{\"JobName\":\"D\"}]");
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    snprintf(fx->home, sizeof fx->home, "/tmp/tarn-flow-test-XXXXXX");
    if (!mkdtemp(fx->home))
        return -1;
    tarn_error err = {0};
    if (tarn_catalog_open(fx->home, &fx->cat, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    fx->x = (tarn_flow_executor){&fx->f, fake_start, fake_poll, fake_stop, fake_release};
    fx->o.poll_ms = 1;
    fx->o.stop = &fx->stop;
    fx->f.stop = &fx->stop;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    tarn_catalog_close(fx->cat);
    test_rmtree(fx->home);
    free(fx);
    return 0;
}

/* Run workflow wf; asserts the call's status; returns the run (free it). */
static tarn_flow_run_info run_wf(fixture *fx, const char *name, int want_rc)
{
    char id[TARN_CATALOG_ID_MAX];
    tarn_error err = {0};
    int rc = tarn_flow_run(fx->cat, name, &fx->o, &fx->x, id, &err);
    if (rc != want_rc)
        fail_msg("run: got %d (%s), want %d", rc, err.msg, want_rc);
    tarn_flow_run_info r;
    memset(&r, 0, sizeof r);
    if (id[0])
        assert_int_equal(tarn_flow_run_get(fx->cat, id, &r, &err), TARN_OK);
    return r;
}

static const tarn_flow_node *node(const tarn_flow_run_info *r, const char *type,
                                  const char *name)
{
    for (size_t i = 0; i < r->nnodes; i++)
        if (strcmp(r->nodes[i].type, type) == 0 && strcmp(r->nodes[i].name, name) == 0)
            return &r->nodes[i];
    fail_msg("no node %s %s", type, name);
    return NULL;
}

static int started_index(const fake *f, const char *name)
{
    for (int i = 0; i < f->nstarted; i++)
        if (strcmp(f->started[i], name) == 0)
            return i;
    return -1;
}

static int count_started(const fake *f, const char *name)
{
    int n = 0;
    for (int i = 0; i < f->nstarted; i++)
        n += strcmp(f->started[i], name) == 0;
    return n;
}

static void assert_state(const tarn_flow_run_info *r, const char *type, const char *name,
                         const char *state)
{
    const tarn_flow_node *n = node(r, type, name);
    if (!state) {
        assert_null(n->state);
        assert_false(n->attempted);
    } else {
        assert_non_null(n->state);
        assert_string_equal(n->state, state);
    }
}

/* ---- tests ---- */

static void test_all_succeed(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "AND");
    tarn_flow_run_info r = run_wf(fx, "wf", TARN_OK);
    assert_string_equal(r.status, "COMPLETED");
    assert_int_equal(r.stats.total, 4);
    assert_int_equal(r.stats.succeeded, 4);
    assert_int_equal(r.stats.failed + r.stats.running + r.stats.waiting, 0);
    assert_true(r.completed_on >= r.started_on && r.completed_on > 0);
    assert_int_equal(r.pid, getpid());
    /* A first; B and C run at the same time; D after both, once */
    assert_int_equal(fx->f.nstarted, 4);
    assert_string_equal(fx->f.started[0], "A");
    assert_true(fx->f.max_active >= 2);
    assert_int_equal(started_index(&fx->f, "D"), 3);
    assert_string_equal(fx->f.args[0], "{\"--k\":\"v\"}");
    assert_string_equal(fx->f.trig[0], "start");
    assert_string_equal(fx->f.trig[3], "after-bc");
    assert_string_equal(fx->f.wrid[0], r.id);
    assert_memory_equal(r.id, "wr_", 3);
    /* every node persisted */
    const char *names[] = {"A", "B", "D"};
    for (int i = 0; i < 3; i++) {
        const tarn_flow_node *n = node(&r, "JOB", names[i]);
        assert_string_equal(n->state, "SUCCEEDED");
        assert_true(n->attempted);
        assert_non_null(n->action_run_id);
        assert_true(n->completed_on >= n->started_on && n->started_on > 0);
        assert_null(n->error);
    }
    assert_string_equal(node(&r, "CRAWLER", "C")->state, "SUCCEEDED");
    assert_string_equal(node(&r, "TRIGGER", "after-bc")->state, "FIRED");
    /* node rows follow the graph from the start trigger, not trigger names */
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(tarn_catalog_db(fx->cat), "SELECT group_concat("
                                        "node_name, ' ') FROM (SELECT node_name FROM "
                                        "workflow_run_nodes WHERE run_id = ? AND node_type != "
                                        "'TRIGGER' ORDER BY rowid)", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, r.id, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "A B C D");
    sqlite3_finalize(st);
    tarn_flow_run_info_free(&r);
}

static void test_failure_stops_downstream(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "AND");
    set_plan(&fx->f, "B", B_FAIL);
    tarn_flow_run_info r = run_wf(fx, "wf", TARN_OK);
    assert_string_equal(r.status, "COMPLETED");
    assert_int_equal(count_started(&fx->f, "D"), 0);
    assert_state(&r, "JOB", "D", NULL);
    assert_state(&r, "TRIGGER", "after-bc", NULL);
    assert_state(&r, "JOB", "B", "FAILED");
    assert_string_equal(node(&r, "JOB", "B")->error, "B: boom");
    assert_int_equal(r.stats.total, 3);
    assert_int_equal(r.stats.succeeded, 2);
    assert_int_equal(r.stats.failed, 1);
    tarn_flow_run_info_free(&r);
}

static void test_first_failure_runs_nothing_after(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "ANY");
    set_plan(&fx->f, "A", B_FAIL);
    tarn_flow_run_info r = run_wf(fx, "wf", TARN_OK);
    assert_int_equal(fx->f.nstarted, 1);
    assert_state(&r, "JOB", "B", NULL);
    assert_state(&r, "CRAWLER", "C", NULL);
    assert_int_equal(r.stats.total, 1);
    assert_int_equal(r.stats.failed, 1);
    tarn_flow_run_info_free(&r);
}

static void test_any_fires_once(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "ANY");
    tarn_flow_run_info r = run_wf(fx, "wf", TARN_OK);
    assert_int_equal(count_started(&fx->f, "D"), 1);
    assert_state(&r, "JOB", "D", "SUCCEEDED");
    tarn_flow_run_info_free(&r);
}

static void test_any_with_one_failed(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "ANY");
    set_plan(&fx->f, "B", B_FAIL);
    tarn_flow_run_info r = run_wf(fx, "wf", TARN_OK);
    assert_int_equal(count_started(&fx->f, "D"), 1);
    assert_state(&r, "JOB", "D", "SUCCEEDED");
    assert_int_equal(r.stats.failed, 1);
    assert_int_equal(r.stats.succeeded, 3);
    tarn_flow_run_info_free(&r);
}

static void test_and_with_one_failed(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "AND");
    set_plan(&fx->f, "C", B_FAIL);
    tarn_flow_run_info r = run_wf(fx, "wf", TARN_OK);
    assert_int_equal(count_started(&fx->f, "D"), 0);
    assert_state(&r, "CRAWLER", "C", "FAILED");
    tarn_flow_run_info_free(&r);
}

static void test_failed_state_condition(void **state)
{
    fixture *fx = *state;
    add_workflow(fx, "wf", NULL, 0);
    add_trigger(fx, "wf", "start", "ON_DEMAND", NULL, "[{\"JobName\":\"A\"}]");
    add_trigger(fx, "wf", "on-fail", "CONDITIONAL",
                "{\"Conditions\":[{\"LogicalOperator\":\"EQUALS\",\"JobName\":\"A\","
                "\"State\":\"FAILED\"}]}", "[{\"JobName\":\"alert\"}]");
    add_trigger(fx, "wf", "on-ok", "CONDITIONAL",
                "{\"Conditions\":[{\"LogicalOperator\":\"EQUALS\",\"JobName\":\"A\","
                "\"State\":\"SUCCEEDED\"}]}", "[{\"JobName\":\"next\"}]");
    set_plan(&fx->f, "A", B_FAIL);
    tarn_flow_run_info r = run_wf(fx, "wf", TARN_OK);
    assert_state(&r, "JOB", "alert", "SUCCEEDED");
    assert_state(&r, "JOB", "next", NULL);
    tarn_flow_run_info_free(&r);
    /* a DEACTIVATED trigger does not fire */
    sql(fx, "UPDATE triggers SET state = 'DEACTIVATED' WHERE name = 'on-fail'");
    r = run_wf(fx, "wf", TARN_OK);
    assert_state(&r, "JOB", "alert", NULL);
    assert_state(&r, "TRIGGER", "on-fail", NULL);
    tarn_flow_run_info_free(&r);
}

static void test_timeout_and_errored(void **state)
{
    fixture *fx = *state;
    add_workflow(fx, "wf", NULL, 0);
    add_trigger(fx, "wf", "start", "ON_DEMAND", NULL,
                "[{\"JobName\":\"slow\"},{\"JobName\":\"missing\"},{\"CrawlerName\":\"c\"}]");
    set_plan(&fx->f, "slow", B_TIMEOUT);
    set_plan(&fx->f, "missing", B_NOSTART);
    tarn_flow_run_info r = run_wf(fx, "wf", TARN_OK);
    assert_int_equal(fx->f.max_active, 2);   /* the two that started ran together */
    assert_int_equal(r.stats.total, 3);
    assert_int_equal(r.stats.timeout, 1);
    assert_int_equal(r.stats.errored, 1);
    assert_int_equal(r.stats.succeeded, 1);
    assert_state(&r, "JOB", "missing", "ERROR");
    assert_non_null(strstr(node(&r, "JOB", "missing")->error, "job 'missing' does not exist"));
    assert_true(tarn_flow_state_failed(node(&r, "JOB", "slow")->state));
    tarn_flow_run_info_free(&r);
}

static void test_properties(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "AND");
    const char *keys[] = {"day", "extra"}, *vals[] = {"2", "x"};
    fx->o.property_keys = keys;
    fx->o.property_values = vals;
    fx->o.nproperties = 2;
    tarn_flow_run_info r = run_wf(fx, "wf", TARN_OK);
    json_t *p = json_loads(r.properties, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(p, "env")), "dev");
    assert_string_equal(json_string_value(json_object_get(p, "day")), "2");
    assert_string_equal(json_string_value(json_object_get(p, "extra")), "x");
    json_decref(p);
    tarn_flow_run_info_free(&r);
    const char *bad[] = {""};
    fx->o.property_keys = bad;
    fx->o.nproperties = 1;
    tarn_flow_run_info r2 = run_wf(fx, "wf", TARN_ERR_INVALID);
    tarn_flow_run_info_free(&r2);
}

static void test_unknown_workflow_and_no_start(void **state)
{
    fixture *fx = *state;
    char id[TARN_CATALOG_ID_MAX];
    tarn_error err = {0};
    assert_int_equal(tarn_flow_run(fx->cat, "nope", &fx->o, &fx->x, id, &err),
                     TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "EntityNotFoundException: workflow 'nope'"));
    assert_string_equal(id, "");
    add_workflow(fx, "wf", NULL, 0);
    add_trigger(fx, "wf", "cond", "CONDITIONAL",
                "{\"Conditions\":[{\"JobName\":\"A\",\"State\":\"SUCCEEDED\"}]}",
                "[{\"JobName\":\"B\"}]");
    tarn_flow_run_info r = run_wf(fx, "wf", TARN_ERR_INVALID);
    assert_string_equal(r.status, "ERROR");
    assert_non_null(strstr(r.error, "no ON_DEMAND or SCHEDULED trigger"));
    assert_int_equal(fx->f.nstarted, 0);
    tarn_flow_run_info_free(&r);
}

static void test_bad_predicate_is_error(void **state)
{
    fixture *fx = *state;
    add_workflow(fx, "wf", NULL, 0);
    add_trigger(fx, "wf", "start", "ON_DEMAND", NULL, "[{\"JobName\":\"A\"}]");
    add_trigger(fx, "wf", "cond", "CONDITIONAL",
                "{\"Conditions\":[{\"JobName\":\"A\",\"State\":\"DONE\"}]}",
                "[{\"JobName\":\"B\"}]");
    tarn_flow_run_info r = run_wf(fx, "wf", TARN_ERR_INVALID);
    assert_string_equal(r.status, "ERROR");
    assert_non_null(strstr(r.error, "trigger 'cond': State 'DONE'"));
    tarn_flow_run_info_free(&r);
}

/* A pid that is certainly not running: a child that has been reaped. */
static pid_t dead_pid(void)
{
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    waitpid(p, NULL, 0);
    return p;
}

static void test_max_concurrent_runs(void **state)
{
    fixture *fx = *state;
    add_workflow(fx, "wf", NULL, 1);
    add_trigger(fx, "wf", "start", "ON_DEMAND", NULL, "[{\"JobName\":\"A\"}]");
    char *q = sqlite3_mprintf("INSERT INTO workflow_runs (id, workflow_name, status, "
                              "started_on, pid) VALUES ('wr_live', 'wf', 'RUNNING', 1, %d)",
                              (int)getpid());
    sql(fx, q);
    sqlite3_free(q);
    char id[TARN_CATALOG_ID_MAX];
    tarn_error err = {0};
    assert_int_equal(tarn_flow_run(fx->cat, "wf", &fx->o, &fx->x, id, &err), TARN_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "ConcurrentRunsExceededException"));
    assert_int_equal(fx->f.nstarted, 0);
    /* a RUNNING run whose process is gone does not count */
    q = sqlite3_mprintf("UPDATE workflow_runs SET pid = %d WHERE id = 'wr_live'",
                        (int)dead_pid());
    sql(fx, q);
    sqlite3_free(q);
    tarn_flow_run_info r = run_wf(fx, "wf", TARN_OK);
    assert_string_equal(r.status, "COMPLETED");
    tarn_flow_run_info_free(&r);
}

static void test_stop(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "AND");
    set_plan(&fx->f, "B", B_HANG);
    fx->f.stop_after_polls = 12;
    tarn_flow_run_info r = run_wf(fx, "wf", TARN_OK);
    assert_string_equal(r.status, "STOPPED");
    assert_string_equal(r.error, "stopped on request");
    assert_state(&r, "JOB", "B", "STOPPED");
    assert_state(&r, "JOB", "D", NULL);
    assert_int_equal(r.stats.stopped, 1);
    /* resume reruns the stopped node and what follows it */
    set_plan(&fx->f, "B", B_OK);
    fx->f.stop_after_polls = 0;
    fx->stop = 0;
    fx->f.nstarted = 0;
    tarn_error err = {0};
    char id[TARN_CATALOG_ID_MAX];
    assert_int_equal(tarn_flow_resume(fx->cat, r.id, NULL, 0, &fx->o, &fx->x, id, &err),
                     TARN_OK);
    assert_int_equal(fx->f.nstarted, 2);
    assert_string_equal(fx->f.started[0], "B");
    assert_string_equal(fx->f.started[1], "D");
    tarn_flow_run_info_free(&r);
}

/* The real executor over nodes that do not exist: the job cannot start
** (ERROR), the crawler's child process reports FAILED; the run goes on. */
static void test_real_executor_missing_nodes(void **state)
{
    fixture *fx = *state;
    add_workflow(fx, "wf", NULL, 0);
    add_trigger(fx, "wf", "start", "ON_DEMAND", NULL,
                "[{\"JobName\":\"no-such-job\"},{\"CrawlerName\":\"no-such-crawler\"}]");
    tarn_store *st = NULL;
    tarn_error err = {0};
    assert_int_equal(tarn_store_open(&st, fx->home, &err), TARN_OK);
    tarn_flow_real real;
    tarn_flow_real_init(&real, fx->home, st, fx->cat, &fx->x);
    tarn_flow_run_info r = run_wf(fx, "wf", TARN_OK);
    assert_string_equal(r.status, "COMPLETED");
    assert_state(&r, "JOB", "no-such-job", "ERROR");
    assert_state(&r, "CRAWLER", "no-such-crawler", "FAILED");
    assert_true(strlen(node(&r, "CRAWLER", "no-such-crawler")->error) > 0);
    assert_int_equal(r.stats.errored + r.stats.failed, 2);
    tarn_flow_run_info_free(&r);
    tarn_store_close(st);
}

static void test_snapshot(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "AND");
    set_plan(&fx->f, "D", B_FAIL);
    tarn_flow_run_info r = run_wf(fx, "wf", TARN_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(tarn_catalog_db(fx->cat), "SELECT triggers_snapshot "
                                        "FROM workflow_runs WHERE id = ?", -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, r.id, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    json_t *snap = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
    sqlite3_finalize(st);
    assert_int_equal(json_array_size(snap), 3);
    json_t *t0 = json_array_get(snap, 0);   /* name order: after-a, after-bc, start */
    assert_string_equal(json_string_value(json_object_get(t0, "Name")), "after-a");
    assert_string_equal(json_string_value(json_object_get(t0, "Type")), "CONDITIONAL");
    json_decref(snap);
    /* the workflow changes after the run: resume follows the run's snapshot */
    sql(fx, "DELETE FROM triggers WHERE name = 'after-bc'");
    set_plan(&fx->f, "D", B_OK);
    char id[TARN_CATALOG_ID_MAX];
    tarn_error err = {0};
    assert_int_equal(tarn_flow_resume(fx->cat, r.id, NULL, 0, &fx->o, &fx->x, id, &err),
                     TARN_OK);
    tarn_flow_run_info r2;
    assert_int_equal(tarn_flow_run_get(fx->cat, id, &r2, &err), TARN_OK);
    assert_state(&r2, "JOB", "D", "SUCCEEDED");
    tarn_flow_run_info_free(&r);
    tarn_flow_run_info_free(&r2);
}

/* Resume prev; returns the new run (free it). */
static tarn_flow_run_info resume(fixture *fx, const char *prev, const char *const *nodes,
                                 size_t n, int want_rc, tarn_error *err)
{
    char id[TARN_CATALOG_ID_MAX];
    int rc = tarn_flow_resume(fx->cat, prev, nodes, n, &fx->o, &fx->x, id, err);
    if (rc != want_rc)
        fail_msg("resume: got %d (%s), want %d", rc, err->msg, want_rc);
    tarn_flow_run_info r;
    memset(&r, 0, sizeof r);
    if (!rc)
        assert_int_equal(tarn_flow_run_get(fx->cat, id, &r, err), TARN_OK);
    return r;
}

static void test_resume_failed(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "AND");
    set_plan(&fx->f, "B", B_FAIL);
    tarn_flow_run_info r1 = run_wf(fx, "wf", TARN_OK);
    char a_run[TARN_CATALOG_ID_MAX];
    snprintf(a_run, sizeof a_run, "%s", node(&r1, "JOB", "A")->action_run_id);
    set_plan(&fx->f, "B", B_OK);
    fx->f.nstarted = 0;
    tarn_error err = {0};
    tarn_flow_run_info r2 = resume(fx, r1.id, NULL, 0, TARN_OK, &err);
    /* exactly B and its downstream D ran again */
    assert_int_equal(fx->f.nstarted, 2);
    assert_string_equal(fx->f.started[0], "B");
    assert_string_equal(fx->f.started[1], "D");
    assert_string_equal(fx->f.wrid[0], r2.id);
    assert_string_equal(r2.previous_run_id, r1.id);
    assert_string_equal(r2.properties, r1.properties);
    assert_string_equal(r2.status, "COMPLETED");
    /* A and C keep the earlier run's results */
    assert_string_equal(node(&r2, "JOB", "A")->action_run_id, a_run);
    assert_string_equal(node(&r2, "CRAWLER", "C")->action_run_id,
                        node(&r1, "CRAWLER", "C")->action_run_id);
    assert_int_equal(node(&r2, "JOB", "A")->started_on, node(&r1, "JOB", "A")->started_on);
    assert_state(&r2, "JOB", "B", "SUCCEEDED");
    assert_state(&r2, "JOB", "D", "SUCCEEDED");
    assert_int_equal(r2.stats.succeeded, 4);
    /* nothing left to resume */
    tarn_flow_run_info r3 = resume(fx, r2.id, NULL, 0, TARN_ERR_INVALID, &err);
    assert_non_null(strstr(err.msg, "no failed or interrupted node"));
    tarn_flow_run_info_free(&r1);
    tarn_flow_run_info_free(&r2);
    tarn_flow_run_info_free(&r3);
}

static void test_resume_interrupted(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "AND");
    set_plan(&fx->f, "D", B_FAIL);
    tarn_flow_run_info r1 = run_wf(fx, "wf", TARN_OK);
    /* make it look like tarn was killed while B ran and C was starting */
    char *q = sqlite3_mprintf(
        "UPDATE workflow_runs SET status = 'RUNNING', completed_on = NULL, pid = %d WHERE id = "
        "%Q; UPDATE workflow_run_nodes SET state = 'RUNNING', completed_on = NULL, "
        "error_message = NULL WHERE run_id = %Q AND node_name = 'B'; UPDATE workflow_run_nodes "
        "SET state = 'STARTING', completed_on = NULL WHERE run_id = %Q AND node_name = 'C'; "
        "UPDATE workflow_run_nodes SET state = NULL, attempted = 0, started_on = NULL, "
        "completed_on = NULL, error_message = NULL WHERE run_id = %Q AND node_name IN "
        "('D', 'after-bc')", (int)dead_pid(), r1.id, r1.id, r1.id, r1.id);
    sql(fx, q);
    sqlite3_free(q);
    set_plan(&fx->f, "D", B_OK);
    fx->f.nstarted = 0;
    tarn_error err = {0};
    tarn_flow_run_info r2 = resume(fx, r1.id, NULL, 0, TARN_OK, &err);
    /* B and C were interrupted; they and D run again, A does not */
    assert_int_equal(fx->f.nstarted, 3);
    assert_int_equal(count_started(&fx->f, "A"), 0);
    assert_int_equal(started_index(&fx->f, "D"), 2);
    assert_string_equal(r2.status, "COMPLETED");
    assert_int_equal(r2.stats.succeeded, 4);
    /* the earlier run is marked interrupted */
    tarn_flow_run_info old;
    assert_int_equal(tarn_flow_run_get(fx->cat, r1.id, &old, &err), TARN_OK);
    assert_string_equal(old.status, "ERROR");
    assert_non_null(strstr(old.error, "interrupted"));
    assert_state(&old, "JOB", "B", "FAILED");
    assert_non_null(strstr(node(&old, "JOB", "B")->error, "interrupted"));
    assert_state(&old, "CRAWLER", "C", "FAILED");
    tarn_flow_run_info_free(&old);
    tarn_flow_run_info_free(&r1);
    tarn_flow_run_info_free(&r2);
}

/* tarn killed after trigger after-a fired and B started, before C's start
** was recorded: C counts as interrupted too, so resume runs B, C and D. */
static void test_resume_unrecorded_action(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "AND");
    tarn_flow_run_info r1 = run_wf(fx, "wf", TARN_OK);
    char *q = sqlite3_mprintf(
        "UPDATE workflow_runs SET status = 'RUNNING', completed_on = NULL, pid = %d WHERE id = "
        "%Q; UPDATE workflow_run_nodes SET state = 'RUNNING', completed_on = NULL WHERE run_id "
        "= %Q AND node_name = 'B'; UPDATE workflow_run_nodes SET state = NULL, attempted = 0, "
        "started_on = NULL, completed_on = NULL, action_run_id = NULL WHERE run_id = %Q AND "
        "node_name IN ('C', 'D', 'after-bc')", (int)dead_pid(), r1.id, r1.id, r1.id);
    sql(fx, q);
    sqlite3_free(q);
    fx->f.nstarted = 0;
    tarn_error err = {0};
    tarn_flow_run_info r2 = resume(fx, r1.id, NULL, 0, TARN_OK, &err);
    assert_int_equal(fx->f.nstarted, 3);
    assert_int_equal(count_started(&fx->f, "A"), 0);
    assert_int_equal(count_started(&fx->f, "C"), 1);
    assert_int_equal(started_index(&fx->f, "D"), 2);
    assert_string_equal(r2.status, "COMPLETED");
    assert_int_equal(r2.stats.succeeded, 4);
    tarn_flow_run_info_free(&r1);
    tarn_flow_run_info_free(&r2);
}

static void test_resume_live_refused(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "AND");
    tarn_flow_run_info r1 = run_wf(fx, "wf", TARN_OK);
    char *q = sqlite3_mprintf("UPDATE workflow_runs SET status = 'RUNNING', pid = %d WHERE "
                              "id = %Q", (int)getpid(), r1.id);
    sql(fx, q);
    sqlite3_free(q);
    tarn_error err = {0};
    tarn_flow_run_info r2 = resume(fx, r1.id, NULL, 0, TARN_ERR_INVALID, &err);
    assert_non_null(strstr(err.msg, "still RUNNING"));
    tarn_flow_run_info_free(&r1);
    tarn_flow_run_info_free(&r2);
}

static void test_resume_named(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "AND");
    set_plan(&fx->f, "A", B_OK);
    tarn_flow_run_info r1 = run_wf(fx, "wf", TARN_OK);
    fx->f.nstarted = 0;
    tarn_error err = {0};
    const char *c[] = {"C"};
    tarn_flow_run_info r2 = resume(fx, r1.id, c, 1, TARN_OK, &err);
    assert_int_equal(fx->f.nstarted, 2);
    assert_string_equal(fx->f.started[0], "C");
    assert_string_equal(fx->f.started[1], "D");
    assert_string_equal(fx->f.trig[0], "after-a");
    tarn_flow_run_info_free(&r2);
    /* naming A and D: A first, D only after B and C (copied) and A's rerun */
    fx->f.nstarted = 0;
    const char *ad[] = {"D", "A"};
    r2 = resume(fx, r1.id, ad, 2, TARN_OK, &err);
    assert_int_equal(fx->f.nstarted, 4);
    assert_string_equal(fx->f.started[0], "A");
    assert_int_equal(started_index(&fx->f, "D"), 3);
    tarn_flow_run_info_free(&r2);
    const char *none[] = {"zzz"};
    r2 = resume(fx, r1.id, none, 1, TARN_ERR_NOTFOUND, &err);
    assert_non_null(strstr(err.msg, "no job or crawler node 'zzz'"));
    tarn_flow_run_info_free(&r1);
}

static void test_resume_not_attempted_refused(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "AND");
    set_plan(&fx->f, "A", B_FAIL);
    tarn_flow_run_info r1 = run_wf(fx, "wf", TARN_OK);
    tarn_error err = {0};
    const char *d[] = {"D"};
    tarn_flow_run_info r2 = resume(fx, r1.id, d, 1, TARN_ERR_INVALID, &err);
    assert_non_null(strstr(err.msg, "not attempted"));
    tarn_flow_run_info_free(&r1);
    tarn_flow_run_info_free(&r2);
}

static void test_runs_list_and_workflows(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "AND");
    tarn_flow_run_info r1 = run_wf(fx, "wf", TARN_OK);
    tarn_flow_run_info r2 = run_wf(fx, "wf", TARN_OK);
    tarn_flow_run_info *rs;
    size_t n;
    tarn_error err = {0};
    assert_int_equal(tarn_flow_runs_list(fx->cat, "wf", &rs, &n, &err), TARN_OK);
    assert_int_equal(n, 2);
    assert_string_equal(rs[0].id, r2.id);   /* newest first */
    assert_int_equal(rs[1].stats.succeeded, 4);
    tarn_flow_run_info_list_free(rs, n);
    tarn_flow_workflow *w;
    assert_int_equal(tarn_flow_workflow_list(fx->cat, &w, &n, &err), TARN_OK);
    assert_int_equal(n, 1);
    assert_int_equal(w[0].ntriggers, 3);
    assert_string_equal(w[0].last_run_id, r2.id);
    assert_string_equal(w[0].last_run_status, "COMPLETED");
    tarn_flow_workflow_list_free(w, n);
    assert_int_equal(tarn_flow_runs_list(fx->cat, "nope", &rs, &n, &err), TARN_ERR_NOTFOUND);
    tarn_flow_run_info_free(&r1);
    tarn_flow_run_info_free(&r2);
}

static void test_graph(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "AND");
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_error err = {0};
    assert_int_equal(tarn_flow_graph_render(fx->cat, "wf", TARN_FLOW_GRAPH_TEXT, &b, &err), TARN_OK);
    const char *want = "workflow wf\n"
                       "└─ trigger start (ON_DEMAND)\n"
                       "   └─ job A\n"
                       "      └─ trigger after-a (CONDITIONAL when job A SUCCEEDED)\n"
                       "         ├─ job B\n"
                       "         │  └─ trigger after-bc (CONDITIONAL when job B SUCCEEDED AND "
                       "crawler C SUCCEEDED)\n"
                       "         │     └─ job D\n"
                       "         └─ crawler C\n"
                       "            └─ trigger after-bc (CONDITIONAL when job B SUCCEEDED AND "
                       "crawler C SUCCEEDED) (shown above)\n";
    assert_string_equal(b.data, want);
    tarn_buf_reset(&b);
    assert_int_equal(tarn_flow_graph_render(fx->cat, "wf", TARN_FLOW_GRAPH_DOT, &b, &err),
                     TARN_OK);
    assert_non_null(strstr(b.data, "digraph \"wf\" {"));
    assert_non_null(strstr(b.data, "\"trigger:after-a\" -> \"crawler:C\";"));
    assert_non_null(strstr(b.data, "\"job:B\" -> \"trigger:after-bc\" [label=\"SUCCEEDED\"];"));
    tarn_buf_reset(&b);
    assert_int_equal(tarn_flow_graph_render(fx->cat, "wf", TARN_FLOW_GRAPH_JSON, &b, &err),
                     TARN_OK);
    json_t *j = json_loads(b.data, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "Name")), "wf");
    json_t *t2 = json_array_get(json_object_get(j, "Triggers"), 2);
    assert_string_equal(json_string_value(json_object_get(t2, "Name")), "start");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(t2, "Actions"), 0), "JobName")), "A");
    json_decref(j);
    assert_int_equal(tarn_flow_graph_render(fx->cat, "nope", TARN_FLOW_GRAPH_TEXT, &b, &err),
                     TARN_ERR_NOTFOUND);
    tarn_buf_free(&b);
}

static void test_progress_text(void **state)
{
    fixture *fx = *state;
    add_diamond(fx, "AND");
    set_plan(&fx->f, "B", B_FAIL);
    tarn_flow_run_info r = run_wf(fx, "wf", TARN_OK);
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_flow_progress_render(fx->cat, r.nodes, r.nnodes, tarn_catalog_now_ms(), &b);
    assert_non_null(strstr(b.data, "JOB     B"));
    assert_non_null(strstr(b.data, "FAILED"));
    assert_non_null(strstr(b.data, "JOB     D                            WAITING       -"));
    assert_null(strstr(b.data, "TRIGGER"));
    /* a job node shows its run's counters from job_runs */
    tarn_cat_job job = {0};
    job.name = "A";
    job.command_name = "tarn.extract";
    job.role = "r";
    tarn_error err = {0};
    assert_int_equal(tarn_catalog_job_put(fx->cat, &job, false, &err), TARN_OK);
    tarn_cat_job_run jr = {0};
    assert_int_equal(tarn_catalog_job_run_start(fx->cat, "A", NULL, 0, "start", r.id, NULL,
                                                jr.id, &err), TARN_OK);
    jr.state = TARN_JOB_RUNNING;
    jr.rows_in = 1200;
    jr.rows_out = 1100;
    jr.bytes_in = 3 << 20;
    jr.bytes_out = 1 << 19;
    assert_int_equal(tarn_catalog_job_run_update(fx->cat, &jr, &err), TARN_OK);
    tarn_flow_node a = {0};
    a.type = "JOB";
    a.name = "A";
    a.state = "RUNNING";
    a.action_run_id = jr.id;
    a.started_on = tarn_catalog_now_ms() - 65000;
    tarn_buf_reset(&b);
    tarn_flow_progress_render(fx->cat, &a, 1, a.started_on + 65000, &b);
    assert_string_equal(b.data, "  JOB     A                            RUNNING     1:05  rows "
                                "1200 in, 1100 out  3.0 MiB in, 0.5 MiB out\n");
    tarn_buf_free(&b);
    tarn_flow_run_info_free(&r);
}

static void collect_log(void *ud, const char *line)
{
    tarn_buf_appendf(ud, "%s\n", line);
}

static int64_t runs_of(fixture *fx, const char *wf)
{
    tarn_flow_run_info *rs;
    size_t n;
    tarn_error err = {0};
    assert_int_equal(tarn_flow_runs_list(fx->cat, wf, &rs, &n, &err), TARN_OK);
    tarn_flow_run_info_list_free(rs, n);
    return (int64_t)n;
}

static void test_scheduler_once_at(void **state)
{
    fixture *fx = *state;
    add_workflow(fx, "wf", NULL, 0);
    add_workflow(fx, "wf2", NULL, 0);
    sql(fx, "INSERT INTO triggers (name, workflow_name, type, schedule, state, "
            "start_on_creation, actions, create_time, update_time) VALUES "
            "('nightly', 'wf', 'SCHEDULED', 'cron(0 6 * * ? *)', 'CREATED', 1, "
            "'[{\"JobName\":\"A\"}]', 0, 0), "
            "('off', 'wf2', 'SCHEDULED', 'cron(0 6 * * ? *)', 'DEACTIVATED', 0, "
            "'[{\"JobName\":\"A\"}]', 0, 0), "
            "('bad', 'wf2', 'SCHEDULED', 'cron(0 6 * *)', 'ACTIVATED', 0, "
            "'[{\"JobName\":\"A\"}]', 0, 0)");
    add_trigger(fx, "wf", "after-a", "CONDITIONAL",
                "{\"Conditions\":[{\"JobName\":\"A\",\"State\":\"SUCCEEDED\"}]}",
                "[{\"CrawlerName\":\"B\"}]");
    tarn_buf log;
    tarn_buf_init(&log, 0);
    volatile sig_atomic_t stop = 0;
    /* 2026-12-07 06:00 UTC is 1796623200 s after the epoch */
    tarn_flow_sched_opts o = {fx->home, 1796623200LL * 1000, &stop, collect_log, &log, &fx->x};
    tarn_error err = {0};
    assert_int_equal(tarn_flow_scheduler(&o, &err), TARN_OK);
    assert_int_equal(runs_of(fx, "wf"), 1);
    assert_int_equal(runs_of(fx, "wf2"), 0);
    assert_non_null(strstr(log.data, "trigger bad: skipped"));
    assert_non_null(strstr(log.data, "trigger nightly: firing for 2026-12-07T06:00Z"));
    tarn_flow_run_info *rs;
    size_t n;
    assert_int_equal(tarn_flow_runs_list(fx->cat, "wf", &rs, &n, &err), TARN_OK);
    tarn_flow_run_info r;
    assert_int_equal(tarn_flow_run_get(fx->cat, rs[0].id, &r, &err), TARN_OK);
    assert_string_equal(r.status, "COMPLETED");
    assert_state(&r, "TRIGGER", "nightly", "FIRED");
    assert_state(&r, "JOB", "A", "SUCCEEDED");
    assert_state(&r, "CRAWLER", "B", "SUCCEEDED");
    tarn_flow_run_info_free(&r);
    tarn_flow_run_info_list_free(rs, n);
    /* a minute later nothing is due */
    o.once_at_ms += 60000;
    assert_int_equal(tarn_flow_scheduler(&o, &err), TARN_OK);
    assert_int_equal(runs_of(fx, "wf"), 1);
    tarn_buf_free(&log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_all_succeed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_stops_downstream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_failure_runs_nothing_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_any_fires_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_any_with_one_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_and_with_one_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_state_condition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_and_errored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_properties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_workflow_and_no_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_predicate_is_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_concurrent_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_interrupted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_unrecorded_action, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_live_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_not_attempted_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runs_list_and_workflows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_graph, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scheduler_once_at, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_executor_missing_nodes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
