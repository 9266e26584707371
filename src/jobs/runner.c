/*
** runner.c: the job runner's parent side (jobs.h, "the job runner"). A
** start checks the job (command, role and its trust of Glue,
** MaxConcurrentRuns), merges its arguments, records the run and forks the
** child; polling reaps the child, ends an attempt past its timeout, turns
** a crash into FAILED and starts retries. The child's body is in
** runner_child.c (and pythonshell.c); the detached start, the reaping of
** runs a dead tarn left, and the listings are in runner_misc.c. A start
** reaps first, so runs a killed tarn left do not count as running.
**
** A start hands the child a go pipe: the parent records the child's pid
** and log path first, then lets it run, so the parent's one write to the
** row never races the child's.
*/
#define _GNU_SOURCE
#include "jobs/runner_int.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "iam/iam.h"

struct tarn_job_handle {
    char *home;
    tarn_catalog *cat;          /* borrowed from the runner env */
    tarn_cat_job job;
    tarn_job_args args;         /* merged, without --JOB_RUN_ID */
    char *args_json;            /* what the run records */
    char *trigger_name;
    char *workflow_run_id;
    int64_t timeout_ms;
    char run_id[TARN_CATALOG_ID_MAX];
    int64_t attempt;
    pid_t pid;                  /* the attempt's child; 0 when none */
    int64_t deadline;           /* monotonic ms at which it times out */
    bool timed_out, stopped, done;
    tarn_job_state state;
    int status;                 /* tarn status the attempt ended with */
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- checks before a start ---- */

/* The job's Command.Name must be one tarn runs. */
static int check_command(const tarn_cat_job *j, tarn_error *err)
{
    const char *c = j->command_name;
    if (tarn_job_is_builtin(c))
        return TARN_OK;
    if (strcmp(c, "pythonshell") == 0) {
        if (j->script_location && tarn_is_s3_uri(j->script_location))
            return TARN_OK;
        return tarn_error_set(err, TARN_ERR_INVALID, "job '%s': a pythonshell job needs "
                              "Command.ScriptLocation s3://bucket/script.py (it has %s%s%s)",
                              j->name, j->script_location ? "'" : "",
                              j->script_location ? j->script_location : "none",
                              j->script_location ? "'" : "");
    }
    if (strcmp(c, "glueetl") == 0 || strcmp(c, "gluestreaming") == 0)
        return tarn_error_set(err, TARN_ERR_UNSUPPORTED, "job '%s': Command.Name '%s' (Spark) "
                              "does not run in tarn; use a built-in job type (tarn.clean to "
                              "clean and convert to Parquet, tarn.repartition to partition, "
                              "tarn.extract to download) or a pythonshell script", j->name, c);
    return tarn_error_set(err, TARN_ERR_INVALID, "job '%s': unknown Command.Name '%s'; use "
                          "tarn.extract, tarn.clean, tarn.repartition or pythonshell",
                          j->name, c);
}

/* The job's role must exist and trust glue.amazonaws.com. */
static int check_role(tarn_catalog *cat, const tarn_cat_job *j, tarn_error *err)
{
    tarn_iam_role *role = NULL;
    int rc = tarn_iam_role_load(cat, j->role, &role, err);
    if (rc) {
        tarn_error_prefix(err, "job '%s' cannot run as its role: ", j->name);
        return rc;
    }
    if (!tarn_iam_can_assume(role, RUNNER_GLUE_PRINCIPAL))
        rc = tarn_error_set(err, TARN_ERR_ACCESS, "job '%s': role '%s' cannot be given to a "
                            "job: its trust policy does not let %s perform sts:AssumeRole "
                            "(add a statement allowing Principal {\"Service\": \"%s\"})",
                            j->name, tarn_iam_role_name(role), RUNNER_GLUE_PRINCIPAL,
                            RUNNER_GLUE_PRINCIPAL);
    tarn_iam_role_free(role);
    return rc;
}

/* ---- arguments ---- */

/* DefaultArguments, then the run's own over them, then --JOB_NAME. */
static int merge_args(tarn_job_handle *h, const tarn_job_args *run, tarn_error *err)
{
    json_error_t je;
    json_t *defs = json_loads(h->job.default_args ? h->job.default_args : "{}", 0, &je);
    if (!json_is_object(defs)) {
        json_decref(defs);
        return tarn_error_set(err, TARN_ERR_CORRUPT, "job '%s': its DefaultArguments are not "
                              "a JSON object", h->job.name);
    }
    const char *k;
    json_t *v;
    json_object_foreach(defs, k, v) {
        if (json_is_string(v))
            tarn_job_args_set(&h->args, k, json_string_value(v));
    }
    json_decref(defs);
    for (int i = 0; run && i < run->n; i++)
        tarn_job_args_set(&h->args, run->keys[i], run->vals[i]);
    tarn_job_args_set(&h->args, "JOB_NAME", h->job.name);
    json_t *o = json_object();
    for (int i = 0; i < h->args.n; i++) {
        char key[TARN_CATALOG_NAME_MAX + 3];
        snprintf(key, sizeof key, "--%s", h->args.keys[i]);
        json_object_set_new(o, key, json_string(h->args.vals[i]));
    }
    h->args_json = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return h->args_json ? TARN_OK : tarn_error_set(err, TARN_ERR_INVALID, "job '%s': an "
                                                   "argument is not valid UTF-8", h->job.name);
}

/* ---- recording ---- */

/* Record a new attempt (STARTING). The first one checks
** MaxConcurrentRuns in the same transaction, so two starters cannot both
** pass the limit. */
static int record_start(tarn_job_handle *h, const char *previous, bool first, tarn_error *err)
{
    int rc = tarn_catalog_begin(h->cat, err);
    int64_t active = 0;
    if (!rc && first)
        rc = tarn_catalog_job_runs_active(h->cat, h->job.name, &active, err);
    if (!rc && active >= h->job.max_concurrent_runs)
        rc = tarn_error_set(err, TARN_ERR_LIMIT, "ConcurrentRunsExceededException: job '%s' "
                            "already has %lld run(s) going and MaxConcurrentRuns is %lld; wait "
                            "for one to end or raise ExecutionProperty.MaxConcurrentRuns",
                            h->job.name, (long long)active,
                            (long long)h->job.max_concurrent_runs);
    if (!rc)
        rc = tarn_catalog_job_run_start(h->cat, h->job.name, h->args_json, h->attempt,
                                        h->trigger_name, h->workflow_run_id, previous,
                                        h->run_id, err);
    if (!rc)
        rc = tarn_catalog_commit(h->cat, err);
    if (rc)
        tarn_catalog_rollback(h->cat);
    return rc;
}

/* Move the current attempt to a final state with msg (when it is not
** final already: then its own state stands) and append msg to its log. */
static int record_end(tarn_job_handle *h, tarn_job_state state, const char *msg,
                      tarn_error *err)
{
    tarn_cat_job_run r;
    int rc = tarn_catalog_job_run_get(h->cat, h->run_id, &r, err);
    if (rc)
        return rc;
    if (!tarn_job_state_final(r.state)) {
        r.state = state;
        free(r.error_message);
        r.error_message = tarn_xstrdup(msg);
        rc = tarn_catalog_job_run_update(h->cat, &r, err);
        if (!rc && r.log_path) {
            int fd = open(r.log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
            if (fd >= 0) {
                runner_log_line(fd, msg);
                close(fd);
            }
        }
    }
    h->state = r.state;
    tarn_cat_job_run_free(&r);
    return rc;
}

/* ---- the child ---- */

/* In the forked child: the attempt's arguments with --JOB_RUN_ID, then
** the child's body (runner_child.c). Never returns. */
_Noreturn static void child(const tarn_job_handle *h, int go_fd)
{
    tarn_job_args args = {0};
    for (int i = 0; i < h->args.n; i++)
        tarn_job_args_set(&args, h->args.keys[i], h->args.vals[i]);
    tarn_job_args_set(&args, "JOB_RUN_ID", h->run_id);
    runner_spec s = {h->home, h->job.name, h->job.command_name, h->job.script_location,
                     h->job.role, h->run_id, &args, go_fd, true};
    runner_child_main(&s);
}

/* Record the child's pid and log path on the attempt (still STARTING). */
static int record_pid(tarn_job_handle *h, pid_t pid, tarn_error *err)
{
    tarn_cat_job_run r = {0};
    memcpy(r.id, h->run_id, sizeof r.id);
    r.state = TARN_JOB_STARTING;
    r.log_path = tarn_job_log_path(h->home, h->run_id);
    r.pid = pid;
    int rc = tarn_catalog_job_run_update(h->cat, &r, err);
    free(r.log_path);
    return rc;
}

/* Fork the current attempt's child and let it go once its pid and log
** path are recorded. A failure to fork is recorded as the attempt's
** FAILED state; after the fork, a failure leaves the child to read EOF
** on its go pipe and exit, and poll records that. */
static int spawn(tarn_job_handle *h, tarn_error *err)
{
    int go[2];
    pid_t pid = -1;
    if (pipe2(go, O_CLOEXEC) != 0) {
        tarn_error_errno(err, TARN_ERR_IO, errno, "job '%s': creating a pipe", h->job.name);
    } else if ((pid = fork()) < 0) {
        tarn_error_errno(err, TARN_ERR_IO, errno, "job '%s': starting its process", h->job.name);
        close(go[0]);
        close(go[1]);
    }
    if (pid < 0) {
        tarn_error e2 = {0};
        record_end(h, TARN_JOB_FAILED, err->msg, &e2);
        h->done = true;
        h->status = err->code;
        return err->code;
    }
    if (pid == 0) {
        close(go[1]);
        child(h, go[0]);
    }
    close(go[0]);
    h->pid = pid;
    h->deadline = mono_ms() + h->timeout_ms;
    h->state = TARN_JOB_RUNNING;
    int rc = record_pid(h, pid, err);
    if (!rc && write(go[1], "g", 1) != 1)
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "job '%s': starting its process",
                              h->job.name);
    close(go[1]);
    return rc;
}

/* The attempt's child ended with wait status ws: take the result it
** recorded, or record what happened to it. */
static int finish_attempt(tarn_job_handle *h, int ws, tarn_error *err)
{
    h->pid = 0;
    runner_scratch_remove(h->home, h->run_id);
    char msg[512];
    tarn_job_state st = TARN_JOB_FAILED;
    if (h->timed_out) {
        st = TARN_JOB_TIMEOUT;
        h->status = TARN_ERR_LIMIT;
        if (h->timeout_ms % 60000 == 0)
            snprintf(msg, sizeof msg, "run timed out after %lld minute(s) (the job's Timeout); "
                     "its process was killed", (long long)(h->timeout_ms / 60000));
        else
            snprintf(msg, sizeof msg, "run timed out after %lld ms; its process was killed",
                     (long long)h->timeout_ms);
    } else if (h->stopped) {
        st = TARN_JOB_STOPPED;
        h->status = TARN_ERR_INTERNAL;
        snprintf(msg, sizeof msg, "run stopped: its process was ended on request");
    } else if (WIFSIGNALED(ws)) {
        h->status = TARN_ERR_INTERNAL;
        snprintf(msg, sizeof msg, "run crashed: signal %d (%s); see its log", WTERMSIG(ws),
                 strsignal(WTERMSIG(ws)));
    } else {
        h->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : TARN_ERR_INTERNAL;
        snprintf(msg, sizeof msg, "run ended (exit status %d) without recording a result; "
                 "see its log", WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
    }
    int rc = record_end(h, st, msg, err);
    if (!rc && h->state == TARN_JOB_SUCCEEDED)
        h->status = TARN_OK;
    else if (!rc && h->status == TARN_OK)
        h->status = TARN_ERR_INTERNAL;
    return rc;
}

/* After an attempt ended: a new attempt after FAILED while MaxRetries
** allows, else the run is done. */
static int retry_or_done(tarn_job_handle *h, tarn_error *err)
{
    if (h->state != TARN_JOB_FAILED || h->stopped || h->attempt >= h->job.max_retries) {
        h->done = true;
        return TARN_OK;
    }
    char previous[TARN_CATALOG_ID_MAX];
    memcpy(previous, h->run_id, sizeof previous);
    h->attempt++;
    h->timed_out = false;
    int rc = record_start(h, previous, false, err);
    if (rc) {
        h->done = true;
        return rc;
    }
    tarn_error e2 = {0};
    spawn(h, &e2); /* a failure is recorded on the attempt */
    return TARN_OK;
}

/* One look at the child: reaped, timed out, or still going. */
static int step(tarn_job_handle *h, tarn_error *err)
{
    int ws = 0;
    pid_t r = waitpid(h->pid, &ws, WNOHANG);
    if (r == 0 && mono_ms() < h->deadline)
        return TARN_OK;
    if (r == 0) {
        kill(h->pid, SIGKILL);
        h->timed_out = true;
        while ((r = waitpid(h->pid, &ws, 0)) < 0 && errno == EINTR) {
        }
    }
    if (r < 0) {
        int e = errno;
        h->pid = 0;
        h->done = true;
        char msg[256];
        snprintf(msg, sizeof msg, "run lost: its process could not be waited for: %s",
                 strerror(e));
        tarn_error e2 = {0};
        record_end(h, TARN_JOB_FAILED, msg, &e2);
        h->status = TARN_ERR_INTERNAL;
        return tarn_error_set(err, TARN_ERR_INTERNAL, "job '%s' run %s: %s", h->job.name,
                              h->run_id, msg);
    }
    int rc = finish_attempt(h, ws, err);
    if (rc) {
        h->done = true;
        return rc;
    }
    return retry_or_done(h, err);
}

/* ---- the API ---- */

static void handle_free(tarn_job_handle *h)
{
    tarn_cat_job_free(&h->job);
    tarn_job_args_free(&h->args);
    free(h->args_json);
    free(h->trigger_name);
    free(h->workflow_run_id);
    free(h->home);
    free(h);
}

int tarn_job_start(const tarn_runner_env *env, const char *name, const tarn_job_start_opts *o,
                   tarn_job_handle **out, tarn_error *err)
{
    static const tarn_job_start_opts none = {0};
    *out = NULL;
    if (!o)
        o = &none;
    tarn_job_handle *h = tarn_xcalloc(1, sizeof *h);
    h->home = realpath(env->home, NULL); /* log paths must not depend on the cwd */
    if (!h->home)
        h->home = tarn_xstrdup(env->home);
    h->cat = env->cat;
    h->trigger_name = o->trigger_name ? tarn_xstrdup(o->trigger_name) : NULL;
    h->workflow_run_id = o->workflow_run_id ? tarn_xstrdup(o->workflow_run_id) : NULL;
    int rc = tarn_catalog_job_get(env->cat, name, &h->job, err);
    if (!rc)
        rc = check_command(&h->job, err);
    if (!rc)
        rc = check_role(env->cat, &h->job, err);
    if (!rc)
        rc = merge_args(h, o->args, err);
    h->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : h->job.timeout_minutes * 60000;
    if (!rc) /* runs a killed tarn left must not count against MaxConcurrentRuns */
        rc = tarn_job_runs_reap(env->cat, err);
    if (!rc)
        rc = record_start(h, NULL, true, err);
    if (rc) {
        handle_free(h);
        return rc;
    }
    tarn_error e2 = {0};
    spawn(h, &e2); /* once recorded, a failure to fork ends the run FAILED */
    *out = h;
    return TARN_OK;
}

const char *tarn_job_handle_run_id(const tarn_job_handle *h)
{
    return h->run_id;
}

int tarn_job_poll(tarn_job_handle *h, int wait_ms, bool *done, tarn_job_state *state,
                  tarn_error *err)
{
    int64_t until = mono_ms() + (wait_ms > 0 ? wait_ms : 0);
    int rc = TARN_OK;
    while (!h->done && h->pid > 0 && !rc) {
        rc = step(h, err);
        int64_t now = mono_ms();
        if (h->done || rc || now >= until)
            break;
        int64_t nap = until - now;
        if (h->deadline - now < nap)
            nap = h->deadline - now;
        sleep_ms(nap < 1 ? 1 : nap > 20 ? 20 : nap);
    }
    if (!h->done && h->pid <= 0)
        h->done = true;
    *done = h->done;
    *state = h->state;
    return rc;
}

int tarn_job_stop(tarn_job_handle *h, tarn_error *err)
{
    if (h->done || h->pid <= 0)
        return TARN_OK;
    h->stopped = true;
    kill(h->pid, SIGTERM);
    int ws = 0;
    pid_t r = 0;
    int64_t until = mono_ms() + RUNNER_STOP_GRACE_MS;
    while ((r = waitpid(h->pid, &ws, WNOHANG)) == 0 && mono_ms() < until)
        sleep_ms(20);
    if (r == 0) {
        kill(h->pid, SIGKILL);
        while ((r = waitpid(h->pid, &ws, 0)) < 0 && errno == EINTR) {
        }
    }
    int rc = finish_attempt(h, ws, err);
    h->done = true;
    return rc;
}

void tarn_job_handle_free(tarn_job_handle *h)
{
    if (!h)
        return;
    tarn_error err = {0};
    tarn_job_stop(h, &err);
    handle_free(h);
}

/* Fill err for a run that ended in state st, from its recorded error. */
static int run_failed(tarn_job_handle *h, tarn_error *err)
{
    tarn_cat_job_run r;
    tarn_error e2 = {0};
    const char *why = "no error recorded";
    if (tarn_catalog_job_run_get(h->cat, h->run_id, &r, &e2) == TARN_OK && r.error_message)
        why = r.error_message;
    else if (e2.code)
        why = e2.msg;
    int code = h->status ? h->status : TARN_ERR_INTERNAL;
    tarn_error_set(err, code, "job '%s' run %s %s: %s", h->job.name, h->run_id,
                   tarn_job_state_name(h->state), why);
    if (!e2.code)
        tarn_cat_job_run_free(&r);
    return code;
}

int tarn_job_run_wait(const tarn_runner_env *env, const char *name, const tarn_job_start_opts *o,
                      char final_run_id[TARN_CATALOG_ID_MAX], tarn_error *err)
{
    if (final_run_id)
        final_run_id[0] = '\0';
    tarn_job_handle *h = NULL;
    int rc = tarn_job_start(env, name, o, &h, err);
    bool done = h == NULL;
    tarn_job_state state = TARN_JOB_FAILED;
    while (!rc && !done) {
        if (o && o->cancel && *o->cancel)
            rc = tarn_job_stop(h, err);
        if (!rc)
            rc = tarn_job_poll(h, 200, &done, &state, err);
    }
    if (h && final_run_id)
        memcpy(final_run_id, h->run_id, TARN_CATALOG_ID_MAX);
    if (!rc && h && h->state != TARN_JOB_SUCCEEDED)
        rc = run_failed(h, err);
    tarn_job_handle_free(h);
    return rc;
}
