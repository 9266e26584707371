/*
** nodes.c: the real node executor (flow.h tarn_flow_real_init). Job nodes
** go through the job runner (jobs.h: tarn_job_start / poll / stop), with
** the action's Arguments plus Glue's --WORKFLOW_NAME and --WORKFLOW_RUN_ID.
** Crawler nodes run in a forked child that opens its own store and
** catalog on the home, calls tarn_crawler_run_by_name, and writes its crawl
** run id, state and error to a pipe; the parent polls with waitpid. The
** engine (run.c) stays single-threaded.
*/
#define _GNU_SOURCE
#include "flow/flow_int.h"
#include "crawl/crawl.h"
#include "jobs/jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_MSG_MAX 2048

typedef struct real_handle {
    tarn_flow_kind kind;
    tarn_flow_real *real;
    /* jobs */
    tarn_job_handle *job;
    tarn_job_args args;
    /* crawlers */
    pid_t pid;
    int fd;                    /* read end of the child's result pipe */
    char msg[CHILD_MSG_MAX];   /* what the child wrote */
    size_t len;
    bool reaped, stopped;
    int wstatus;
    char *crawler, *wrid;
    char run_id[TARN_CATALOG_ID_MAX];
} real_handle;

/* ---- jobs ---- */

/* args <- the action's Arguments (a JSON object of strings). */
static int args_from_json(tarn_job_args *args, const char *json, const char *job,
                          tarn_error *err)
{
    if (!json)
        return TARN_OK;
    json_t *o = json_loads(json, 0, NULL);
    const char *k;
    json_t *v;
    int rc = json_is_object(o) ? TARN_OK : TARN_ERR_INVALID;
    json_object_foreach(o, k, v) {
        if (!json_is_string(v)) {
            rc = TARN_ERR_INVALID;
            break;
        }
        tarn_job_args_set(args, k, json_string_value(v));
    }
    json_decref(o);
    return rc ? tarn_error_set(err, rc, "the Arguments of job '%s' must be an object of "
                               "strings", job) : TARN_OK;
}

static int job_start(tarn_flow_real *r, const tarn_flow_start *q, real_handle *h,
                     tarn_error *err)
{
    tarn_job_args_init(&h->args);
    int rc = args_from_json(&h->args, q->arguments_json, q->name, err);
    if (rc)
        return rc;
    if (q->workflow_name)
        tarn_job_args_set(&h->args, "--WORKFLOW_NAME", q->workflow_name);
    if (q->workflow_run_id)
        tarn_job_args_set(&h->args, "--WORKFLOW_RUN_ID", q->workflow_run_id);
    tarn_job_start_opts so = {.args = &h->args,
                              .trigger_name = q->trigger_name,
                              .workflow_run_id = q->workflow_run_id,
                              .timeout_ms = q->timeout_minutes * 60000};
    tarn_runner_env env = {r->home, r->store, r->cat};
    return tarn_job_start(&env, q->name, &so, &h->job, err);
}

static int job_poll(real_handle *h, tarn_flow_status *out, tarn_error *err)
{
    bool done = false;
    tarn_job_state state = TARN_JOB_RUNNING;
    int rc = tarn_job_poll(h->job, 0, &done, &state, err);
    snprintf(out->run_id, sizeof out->run_id, "%s", tarn_job_handle_run_id(h->job));
    if (rc)
        return rc;
    out->done = done;
    snprintf(out->state, sizeof out->state, "%s", tarn_job_state_name(state));
    if (done && state != TARN_JOB_SUCCEEDED && out->run_id[0]) {
        tarn_cat_job_run jr;
        tarn_error e2 = {0};
        if (tarn_catalog_job_run_get(h->real->cat, out->run_id, &jr, &e2) == TARN_OK) {
            snprintf(out->error, sizeof out->error, "%s",
                     jr.error_message ? jr.error_message : "");
            tarn_cat_job_run_free(&jr);
        }
    }
    return TARN_OK;
}

/* ---- crawlers ---- */

/* The child: run the crawler and report "<run id>\n<state>\n<error>".
** Ctrl-C reaches the whole process group; the parent decides (it stops a
** node with SIGTERM), so the child ignores SIGINT. */
static void crawler_child(const char *home, const char *name, const char *wrid, int fd)
{
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_DFL);
    tarn_store *st = NULL;
    tarn_catalog *cat = NULL;
    tarn_error err = {0};
    tarn_crawl_result res;
    tarn_crawl_result_init(&res);
    int rc = tarn_store_open(&st, home, &err);
    if (!rc)
        rc = tarn_catalog_open(home, &cat, &err);
    if (!rc)
        rc = tarn_crawler_run_by_name(st, cat, name, wrid, &res, &err);
    char *msg = tarn_xasprintf("%s\n%s\n%s", res.run_id, rc ? "FAILED" : "SUCCEEDED",
                               rc ? err.msg : "");
    size_t n = strlen(msg), off = 0;
    while (off < n) {
        ssize_t w = write(fd, msg + off, n - off);
        if (w <= 0 && errno != EINTR)
            break;
        off += w > 0 ? (size_t)w : 0;
    }
    free(msg);
    tarn_crawl_result_free(&res);
    tarn_catalog_close(cat);
    tarn_store_close(st);
    _exit(rc ? 1 : 0);
}

static int crawler_start(tarn_flow_real *r, const tarn_flow_start *q, real_handle *h,
                         tarn_error *err)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return tarn_error_errno(err, TARN_ERR_IO, errno, "crawler '%s': pipe", q->name);
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return tarn_error_errno(err, TARN_ERR_IO, errno, "crawler '%s': fork", q->name);
    }
    if (pid == 0) {
        close(fds[0]);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(1);
        crawler_child(r->home, q->name, q->workflow_run_id, fds[1]);
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    h->pid = pid;
    h->fd = fds[0];
    h->crawler = tarn_xstrdup(q->name);
    h->wrid = q->workflow_run_id ? tarn_xstrdup(q->workflow_run_id) : NULL;
    return TARN_OK;
}

/* Drain what the child has written so far. */
static void crawler_read(real_handle *h)
{
    while (h->fd >= 0 && h->len + 1 < sizeof h->msg) {
        ssize_t n = read(h->fd, h->msg + h->len, sizeof h->msg - 1 - h->len);
        if (n > 0) {
            h->len += (size_t)n;
            continue;
        }
        if (n == 0) {
            close(h->fd);
            h->fd = -1;
        }
        if (n == 0 || errno != EINTR)
            break;
    }
    h->msg[h->len] = '\0';
}

/* The crawl run of a running crawler node, found by its workflow run id. */
static void crawler_find_run(real_handle *h)
{
    if (h->run_id[0] || !h->wrid)
        return;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(tarn_catalog_db(h->real->cat), "SELECT id FROM crawl_runs WHERE "
                           "crawler_name = ? AND workflow_run_id = ? ORDER BY started_on DESC "
                           "LIMIT 1", -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, h->crawler, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, h->wrid, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(h->run_id, sizeof h->run_id, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* The final status from the child's message or its exit. */
static void crawler_result(real_handle *h, tarn_flow_status *out)
{
    char *nl1 = strchr(h->msg, '\n'), *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
    out->done = true;
    if (nl1 && nl2) {
        *nl1 = *nl2 = '\0';
        if (h->msg[0] && strlen(h->msg) < sizeof h->run_id)
            memcpy(h->run_id, h->msg, strlen(h->msg) + 1);
        snprintf(out->state, sizeof out->state, "%s", nl1 + 1);
        snprintf(out->error, sizeof out->error, "%s", nl2 + 1);
    } else if (h->stopped) {
        snprintf(out->state, sizeof out->state, "CANCELLED");
        snprintf(out->error, sizeof out->error, "crawler '%s' was stopped", h->crawler);
    } else {
        snprintf(out->state, sizeof out->state, "FAILED");
        snprintf(out->error, sizeof out->error, "crawler '%s': its process ended %s %d "
                 "without a result", h->crawler,
                 WIFSIGNALED(h->wstatus) ? "by signal" : "with status",
                 WIFSIGNALED(h->wstatus) ? WTERMSIG(h->wstatus) : WEXITSTATUS(h->wstatus));
    }
    snprintf(out->run_id, sizeof out->run_id, "%s", h->run_id);
}

static int crawler_poll(real_handle *h, tarn_flow_status *out)
{
    crawler_read(h);
    if (!h->reaped) {
        pid_t w = waitpid(h->pid, &h->wstatus, WNOHANG);
        h->reaped = w == h->pid || (w < 0 && errno == ECHILD);
    }
    if (!h->reaped) {
        crawler_find_run(h);
        snprintf(out->state, sizeof out->state, "RUNNING");
        snprintf(out->run_id, sizeof out->run_id, "%s", h->run_id);
        return TARN_OK;
    }
    if (h->fd >= 0) {
        fcntl(h->fd, F_SETFL, 0);   /* the writer is gone: read to the end */
        crawler_read(h);
    }
    crawler_result(h, out);
    return TARN_OK;
}

/* ---- the executor ---- */

static int real_start(void *ud, const tarn_flow_start *q, void **handle, tarn_error *err)
{
    real_handle *h = tarn_xcalloc(1, sizeof *h);
    h->kind = q->kind;
    h->real = ud;
    h->fd = -1;
    int rc = q->kind == TARN_FLOW_JOB ? job_start(ud, q, h, err) : crawler_start(ud, q, h, err);
    if (rc) {
        if (q->kind == TARN_FLOW_JOB)
            tarn_job_args_free(&h->args);
        free(h->crawler);
        free(h->wrid);
        free(h);
        return rc;
    }
    *handle = h;
    return TARN_OK;
}

static int real_poll(void *ud, void *handle, tarn_flow_status *out, tarn_error *err)
{
    real_handle *h = handle;
    return h->kind == TARN_FLOW_JOB ? job_poll(h, out, err) : crawler_poll(h, out);
}

static int real_stop(void *ud, void *handle, tarn_error *err)
{
    real_handle *h = handle;
    if (h->kind == TARN_FLOW_JOB)
        return tarn_job_stop(h->job, err);
    if (!h->reaped && !h->stopped)
        kill(h->pid, SIGTERM);
    h->stopped = true;
    return TARN_OK;
}

static void real_release(void *ud, void *handle)
{
    real_handle *h = handle;
    if (!h)
        return;
    if (h->kind == TARN_FLOW_JOB) {
        tarn_job_handle_free(h->job);
        tarn_job_args_free(&h->args);
    } else {
        if (!h->reaped) {
            kill(h->pid, SIGKILL);
            while (waitpid(h->pid, &h->wstatus, 0) < 0 && errno == EINTR)
                ;
        }
        if (h->fd >= 0)
            close(h->fd);
    }
    free(h->crawler);
    free(h->wrid);
    free(h);
}

void tarn_flow_real_init(tarn_flow_real *r, const char *home, tarn_store *st,
                         tarn_catalog *cat, tarn_flow_executor *x)
{
    r->home = home;
    r->store = st;
    r->cat = cat;
    x->ud = r;
    x->start = real_start;
    x->poll = real_poll;
    x->stop = real_stop;
    x->release = real_release;
}
