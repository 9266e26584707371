/*
** scheduler.c: `tarn scheduler`. In the foreground, once per minute, it
** reads the SCHEDULED triggers (ACTIVATED, or StartOnCreation) and fires
** those whose cron schedule (cron.c) falls on that minute: a trigger of a
** workflow starts a workflow run (run.c) in a child process of its own,
** a trigger without one starts its actions (nodes.c) in a child that
** waits for them. The parent only keeps time and reaps children; on stop
** it passes SIGTERM to them and waits, so each run ends STOPPED.
*/
#define _GNU_SOURCE
#include "flow/flow_int.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct sched_trigger {
    char *name;
    char *workflow;          /* NULL: fire the actions alone */
    tarn_flow_cron cron;
} sched_trigger;

typedef struct sched {
    const tarn_flow_sched_opts *o;
    sched_trigger *trig;
    size_t ntrig;
    pid_t *kids;
    size_t nkids;
} sched;

static void say(const tarn_flow_sched_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(const tarn_flow_sched_opts *o, const char *fmt, ...)
{
    if (!o->log)
        return;
    char line[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    o->log(o->log_ud, line);
}

static void triggers_free(sched *s)
{
    for (size_t i = 0; i < s->ntrig; i++) {
        free(s->trig[i].name);
        free(s->trig[i].workflow);
    }
    free(s->trig);
    s->trig = NULL;
    s->ntrig = 0;
}

/* Re-read the SCHEDULED triggers that are active; a bad schedule is
** logged and skipped. */
static int triggers_load(sched *s, tarn_catalog *cat, tarn_error *err)
{
    triggers_free(s);
    sqlite3_stmt *st = NULL;
    int q = sqlite3_prepare_v2(tarn_catalog_db(cat), "SELECT name, workflow_name, schedule "
                               "FROM triggers WHERE type = 'SCHEDULED' AND (state = 'ACTIVATED' "
                               "OR start_on_creation != 0) ORDER BY name", -1, &st, NULL);
    if (q != SQLITE_OK)
        return tarn_catalog_sql_error(cat, q, "reading triggers", err);
    while ((q = sqlite3_step(st)) == SQLITE_ROW) {
        sched_trigger t = {0};
        const char *sch = (const char *)sqlite3_column_text(st, 2);
        tarn_error perr = {0};
        t.name = tarn_xstrdup((const char *)sqlite3_column_text(st, 0));
        if (tarn_flow_cron_parse(sch ? sch : "", &t.cron, &perr) != TARN_OK) {
            say(s->o, "trigger %s: skipped: %s", t.name, perr.msg);
            free(t.name);
            continue;
        }
        const unsigned char *wf = sqlite3_column_text(st, 1);
        t.workflow = wf ? tarn_xstrdup((const char *)wf) : NULL;
        s->trig = tarn_xrealloc(s->trig, (s->ntrig + 1) * sizeof *s->trig);
        s->trig[s->ntrig++] = t;
    }
    sqlite3_finalize(st);
    return q == SQLITE_DONE ? TARN_OK : tarn_catalog_sql_error(cat, q, "reading triggers", err);
}

/* ---- the child ---- */

static volatile sig_atomic_t child_stop;

static void on_child_signal(int sig)
{
    (void)sig;
    child_stop = 1;
}

/* Start trigger t's actions outside any workflow and wait for them. */
static int run_actions(tarn_catalog *cat, const flow_trigger *t, const tarn_flow_executor *x,
                       tarn_error *err)
{
    void **h = tarn_xcalloc(t->nactions + 1, sizeof *h);
    size_t active = 0;
    int rc = TARN_OK;
    for (size_t a = 0; a < t->nactions; a++) {
        const flow_action *ac = &t->actions[a];
        tarn_flow_start q = {ac->kind, ac->name, t->name, NULL, NULL, ac->arguments,
                             ac->timeout};
        if (x->start(x->ud, &q, &h[a], err) == TARN_OK)
            active++;
        else
            rc = err->code;
    }
    while (active > 0) {
        for (size_t a = 0; a < t->nactions; a++) {
            tarn_flow_status st = {0};
            tarn_error e2 = {0};
            if (!h[a] || (x->poll(x->ud, h[a], &st, &e2) == TARN_OK && !st.done))
                continue;
            if (strcmp(st.state, "SUCCEEDED") != 0 && !rc)
                rc = tarn_error_set(err, TARN_ERR_INVALID, "%s '%s' ended %s: %s",
                                    t->actions[a].kind == TARN_FLOW_JOB ? "job" : "crawler", t->actions[a].name,
                                    st.state[0] ? st.state : "FAILED",
                                    st.error[0] ? st.error : e2.msg);
            x->release(x->ud, h[a]);
            h[a] = NULL;
            active--;
        }
        if (child_stop)
            for (size_t a = 0; a < t->nactions; a++)
                if (h[a])
                    x->stop(x->ud, h[a], &(tarn_error){0});
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    free(h);
    (void)cat;
    return rc;
}

/* Fire trigger t in this (child) process: its workflow, or its actions. */
static int fire_here(const tarn_flow_sched_opts *o, const sched_trigger *t, tarn_store *st,
                     tarn_catalog *cat, tarn_error *err)
{
    tarn_flow_real real;
    tarn_flow_executor x;
    tarn_flow_real_init(&real, o->home, st, cat, &x);
    if (o->executor)
        x = *o->executor;
    if (t->workflow) {
        tarn_flow_run_opts ro = {0};
        ro.start_trigger = t->name;
        ro.stop = &child_stop;
        ro.poll_ms = 50;
        char id[TARN_CATALOG_ID_MAX];
        int rc = tarn_flow_run(cat, t->workflow, &ro, &x, id, err);
        tarn_flow_run_info r;
        tarn_error e2 = {0};
        if (!rc && tarn_flow_run_get(cat, id, &r, &e2) == TARN_OK) {
            say(o, "trigger %s: workflow %s run %s %s (%lld of %lld actions succeeded)", t->name,
                t->workflow, id, r.status, (long long)r.stats.succeeded,
                (long long)r.stats.total);
            tarn_flow_run_info_free(&r);
        }
        return rc;
    }
    char *snap = NULL;
    flow_graph g;
    int rc = flow_trigger_snapshot(cat, t->name, &snap, err);
    if (!rc)
        rc = flow_graph_parse(snap, &g, err);
    free(snap);
    if (rc)
        return rc;
    rc = g.ntrig == 1 ? run_actions(cat, &g.trig[0], &x, err) : TARN_OK;
    flow_graph_free(&g);
    if (!rc)
        say(o, "trigger %s: its actions SUCCEEDED", t->name);
    return rc;
}

static void child_main(const tarn_flow_sched_opts *o, const sched_trigger *t)
{
    signal(SIGINT, on_child_signal);
    signal(SIGTERM, on_child_signal);
    tarn_store *st = NULL;
    tarn_catalog *cat = NULL;
    tarn_error err = {0};
    int rc = tarn_store_open(&st, o->home, &err);
    if (!rc)
        rc = tarn_catalog_open(o->home, &cat, &err);
    if (!rc)
        rc = fire_here(o, t, st, cat, &err);
    if (rc)
        say(o, "trigger %s: failed: %s", t->name, err.msg);
    tarn_catalog_close(cat);
    tarn_store_close(st);
    _exit(rc ? 1 : 0);
}

/* Start trigger t in a child process. */
static void fire(sched *s, const sched_trigger *t, int64_t minute_ms)
{
    time_t secs = (time_t)(minute_ms / 1000);
    struct tm tm;
    char when[32];
    gmtime_r(&secs, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%MZ", &tm);
    say(s->o, "trigger %s: firing for %s (%s %s)", t->name, when,
        t->workflow ? "workflow" : "actions of", t->workflow ? t->workflow : "the trigger");
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        say(s->o, "trigger %s: cannot start a process: %s", t->name, strerror(errno));
        return;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(1);
        child_main(s->o, t);
    }
    s->kids = tarn_xrealloc(s->kids, (s->nkids + 1) * sizeof *s->kids);
    s->kids[s->nkids++] = pid;
}

/* ---- the parent ---- */

/* Reap ended children; with block, wait for all of them. */
static void reap(sched *s, bool block)
{
    for (size_t i = 0; i < s->nkids;) {
        int status;
        pid_t w = waitpid(s->kids[i], &status, block ? 0 : WNOHANG);
        if (w == 0 || (w < 0 && errno == EINTR)) {
            i++;
            continue;
        }
        s->kids[i] = s->kids[--s->nkids];
    }
}

/* Fire every trigger whose schedule falls on minute_ms. */
static void fire_due(sched *s, int64_t minute_ms)
{
    for (size_t i = 0; i < s->ntrig; i++) {
        int64_t next;
        tarn_error e = {0};
        if (tarn_flow_cron_next(&s->trig[i].cron, minute_ms - 1, &next, &e) == TARN_OK &&
            next == minute_ms)
            fire(s, &s->trig[i], minute_ms);
    }
}

static bool stopped(const sched *s)
{
    return s->o->stop && *s->o->stop;
}

/* Pass the stop on to the children and wait for them. */
static void stop_children(sched *s)
{
    for (size_t i = 0; i < s->nkids; i++)
        kill(s->kids[i], SIGTERM);
    while (s->nkids > 0) {
        reap(s, false);
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* The main loop: each new minute, reload the triggers and fire. */
static int run_loop(sched *s, tarn_catalog *cat, tarn_error *err)
{
    int64_t last = tarn_catalog_now_ms() / 60000;
    say(s->o, "scheduler: %zu scheduled trigger(s); waiting (Ctrl-C to stop)", s->ntrig);
    while (!stopped(s)) {
        struct timespec ts = {0, 250 * 1000000L};
        nanosleep(&ts, NULL);
        reap(s, false);
        int64_t now = tarn_catalog_now_ms() / 60000;
        if (now <= last)
            continue;
        int rc = triggers_load(s, cat, err);
        if (rc)
            return rc;
        for (last++; last <= now && !stopped(s); last++)
            fire_due(s, last * 60000);
        last = now;
    }
    return TARN_OK;
}

int tarn_flow_scheduler(const tarn_flow_sched_opts *o, tarn_error *err)
{
    sched s = {o, NULL, 0, NULL, 0};
    tarn_catalog *cat = NULL;
    int rc = tarn_catalog_open(o->home, &cat, err);
    if (!rc)
        rc = triggers_load(&s, cat, err);
    if (!rc && o->once_at_ms > 0) {
        fire_due(&s, o->once_at_ms / 60000 * 60000);
        while (s.nkids > 0 && !stopped(&s)) {
            reap(&s, false);
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
    } else if (!rc) {
        rc = run_loop(&s, cat, err);
    }
    stop_children(&s);
    triggers_free(&s);
    free(s.kids);
    tarn_catalog_close(cat);
    return rc;
}
