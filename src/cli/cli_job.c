/*
** cli_job.c: `tarn job run|list|runs|logs`, Glue jobs from the command
** line. Verbs and options come from two tables; each verb parses into a
** job_cmd, calls the job runner (jobs.h: tarn_job_run_wait,
** tarn_job_start_detached, tarn_job_list) or the catalog's job_runs, and
** prints a table on stdout (JSON with --json). Runs a killed tarn left
** behind are reaped (tarn_job_runs_reap) before any verb looks at runs.
**
** Usage:
**   tarn job run NAME [--arg KEY=VALUE]... [--no-wait]   (Ctrl-C stops the run)
**   tarn job list
**   tarn job runs NAME
**   tarn job logs RUN_ID
*/
#include "cli/cli.h"
#include "cli/cli_verbs.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "cli/table_print.h"
#include "jobs/jobs.h"
#include "store/store.h"

enum { V_RUN = 1, V_LIST = 2, V_RUNS = 4, V_LOGS = 8, V_ALL = 15 };

typedef struct job_cmd {
    unsigned verb;
    const char *target;     /* NAME or RUN_ID */
    tarn_job_args args;     /* run: --arg */
    bool no_wait, json, help;
} job_cmd;

static const struct job_option {
    const char *name;
    const char *arg;        /* argument's name, NULL if none */
    unsigned verbs;
    const char *help;
} options[] = {
    {"arg", "KEY=VALUE", V_RUN, "a run argument over the job's DefaultArguments (repeatable)"},
    {"no-wait", NULL, V_RUN, "print the run id and return; the run goes on in the background"},
    {"json", NULL, V_ALL, "machine-readable output (as the global --json)"},
    {"help", NULL, V_ALL, "show this help"},
};
#define NOPTIONS (sizeof options / sizeof options[0])

static int job_run(job_cmd *c, const tarn_cli *cli, tarn_cli_home *h);
static int job_list(job_cmd *c, const tarn_cli *cli, tarn_cli_home *h);
static int job_runs(job_cmd *c, const tarn_cli *cli, tarn_cli_home *h);
static int job_logs(job_cmd *c, const tarn_cli *cli, tarn_cli_home *h);

static const struct job_verb {
    const char *name;
    unsigned bit;
    const char *target;     /* the operand's name, NULL if none */
    int (*run)(job_cmd *c, const tarn_cli *cli, tarn_cli_home *h);
    const char *summary;
} verbs[] = {
    {"run", V_RUN, "NAME", job_run, "run a job and wait for it (exit 1 unless it SUCCEEDED)"},
    {"list", V_LIST, NULL, job_list, "every job: command, role, last run's state"},
    {"runs", V_RUNS, "NAME", job_runs, "a job's runs, newest first"},
    {"logs", V_LOGS, "RUN_ID", job_logs, "print a run's log"},
};
#define NVERBS (sizeof verbs / sizeof verbs[0])

static void print_help(FILE *f, const struct job_verb *v)
{
    if (v)
        fprintf(f, "usage: tarn job %s%s%s [OPTIONS]\n\n%s.\n", v->name, v->target ? " " : "",
                v->target ? v->target : "", v->summary);
    else
        fprintf(f, "usage: tarn job VERB [ARGS] [OPTIONS]\n\nGlue jobs.\n\nVerbs:\n");
    for (size_t i = 0; !v && i < NVERBS; i++)
        fprintf(f, "  %-5s %-7s %s\n", verbs[i].name, verbs[i].target ? verbs[i].target : "",
                verbs[i].summary);
    fprintf(f, "\nOptions:\n");
    for (size_t i = 0; i < NOPTIONS; i++) {
        if (v && !(options[i].verbs & v->bit))
            continue;
        char left[40];
        snprintf(left, sizeof left, "--%s%s%s", options[i].name, options[i].arg ? " " : "",
                 options[i].arg ? options[i].arg : "");
        fprintf(f, "  %-18s %s\n", left, options[i].help);
    }
}

/* ---- parsing ---- */

/* Apply option o with its value to c; TARN_EXIT_USAGE for a bad --arg. */
static int apply(job_cmd *c, const struct job_option *o, const char *value)
{
    if (strcmp(o->name, "no-wait") == 0)
        c->no_wait = true;
    else if (strcmp(o->name, "json") == 0)
        c->json = true;
    else if (strcmp(o->name, "help") == 0)
        c->help = true;
    else {
        const char *eq = strchr(value, '=');
        if (!eq || eq == value)
            return tarn_cli_usage_error("--arg '%s': expected KEY=VALUE", value);
        char *key = tarn_xstrndup(value, (size_t)(eq - value));
        tarn_job_args_set(&c->args, key, eq + 1);
        free(key);
    }
    return TARN_EXIT_OK;
}

/* Parse the words after the verb. */
static int parse_words(job_cmd *c, const struct job_verb *v, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        if (strncmp(w, "--", 2) != 0 || !w[2]) {
            if (c->target || !v->target)
                return tarn_cli_usage_error("job %s: unexpected argument '%s'", v->name, w);
            c->target = w;
            continue;
        }
        const char *eq = strchr(w, '=');
        size_t n = eq ? (size_t)(eq - w - 2) : strlen(w + 2);
        const struct job_option *o = NULL;
        for (size_t k = 0; k < NOPTIONS && !o; k++)
            if (strlen(options[k].name) == n && memcmp(options[k].name, w + 2, n) == 0)
                o = &options[k];
        if (!o || !(o->verbs & v->bit))
            return tarn_cli_usage_error("job %s: unknown option '%s'", v->name, w);
        const char *value = NULL;
        if (o->arg && eq)
            value = eq + 1;
        else if (o->arg && i + 1 < argc)
            value = argv[++i];
        else if (o->arg || eq)
            return tarn_cli_usage_error("job %s: option '--%s' %s", v->name, o->name,
                                        o->arg ? "needs a value" : "takes no value");
        int rc = apply(c, o, value);
        if (rc)
            return rc;
    }
    if (!c->help && v->target && !c->target)
        return tarn_cli_usage_error("job %s: missing %s", v->name, v->target);
    return TARN_EXIT_OK;
}

/* ---- formatting ---- */

static void fmt_time(int64_t ms, char *buf, size_t n)
{
    if (ms <= 0) {
        snprintf(buf, n, "-");
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static int64_t duration_ms(const tarn_cat_job_run *r)
{
    int64_t end = r->completed_on > 0 ? r->completed_on : tarn_catalog_now_ms();
    return end > r->started_on ? end - r->started_on : 0;
}

static void fmt_duration(int64_t ms, char *buf, size_t n)
{
    if (ms < 60000)
        snprintf(buf, n, "%.1f s", (double)ms / 1000);
    else if (ms < 3600000)
        snprintf(buf, n, "%lldm %02llds", (long long)(ms / 60000), (long long)(ms / 1000 % 60));
    else
        snprintf(buf, n, "%lldh %02lldm", (long long)(ms / 3600000),
                 (long long)(ms / 60000 % 60));
}

static void set_str(json_t *o, const char *key, const char *v)
{
    json_object_set_new(o, key, v ? json_string(v) : json_null());
}

/* An ISO 8601 UTC time with milliseconds, or null for 0. */
static void set_time(json_t *o, const char *key, int64_t ms)
{
    char buf[48];
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof buf - n, ".%03dZ", (int)(ms % 1000));
    set_str(o, key, ms > 0 ? buf : NULL);
}

/* A run as JSON, with Glue's JobRun field names where Glue has one. */
static json_t *run_json(const tarn_cat_job_run *r)
{
    json_t *o = json_object();
    set_str(o, "Id", r->id);
    set_str(o, "JobName", r->job_name);
    set_str(o, "JobRunState", tarn_job_state_name(r->state));
    json_object_set_new(o, "Attempt", json_integer(r->attempt));
    set_str(o, "PreviousRunId", r->previous_run_id);
    set_str(o, "TriggerName", r->trigger_name);
    set_str(o, "WorkflowRunId", r->workflow_run_id);
    json_t *args = json_loads(r->arguments ? r->arguments : "{}", 0, NULL);
    json_object_set_new(o, "Arguments", args ? args : json_object());
    set_time(o, "StartedOn", r->started_on);
    set_time(o, "CompletedOn", r->completed_on);
    json_object_set_new(o, "ExecutionTime", json_integer(duration_ms(r) / 1000));
    json_object_set_new(o, "DurationMs", json_integer(duration_ms(r)));
    const char *keys[] = {"RowsIn", "RowsOut", "BytesIn", "BytesOut", "RowsRejected",
                          "ValuesNulled"};
    const int64_t vals[] = {r->rows_in, r->rows_out, r->bytes_in, r->bytes_out,
                            r->rows_rejected, r->values_nulled};
    for (int i = 0; i < 6; i++)
        json_object_set_new(o, keys[i], json_integer(vals[i]));
    set_str(o, "ErrorMessage", r->error_message);
    set_str(o, "LogPath", r->log_path);
    return o;
}

/* ---- verbs ---- */

/* Print the ended run id: its line and summary (text) or its JSON. */
static int print_run_result(const job_cmd *c, const tarn_cli *cli, tarn_cli_home *h,
                            const char *id)
{
    tarn_error err = {0};
    tarn_cat_job_run r;
    if (tarn_catalog_job_run_get(h->cat, id, &r, &err))
        return tarn_cli_fail(&err);
    char *summary = NULL;
    tarn_job_run_summary(cli->home, id, &summary, &err);
    if (c->json) {
        json_t *o = run_json(&r);
        set_str(o, "Summary", summary);
        tarn_cli_json_print(o);
    } else {
        char d[32];
        fmt_duration(duration_ms(&r), d, sizeof d);
        printf("run %s %s in %s (attempt %lld)\n", r.id, tarn_job_state_name(r.state), d,
               (long long)r.attempt);
        if (summary && *summary)
            fputs(summary, stdout);
    }
    free(summary);
    tarn_cat_job_run_free(&r);
    return TARN_EXIT_OK;
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* Ctrl-C or a SIGTERM while waiting stops the run (it ends STOPPED). */
static void catch_interrupts(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static int job_run(job_cmd *c, const tarn_cli *cli, tarn_cli_home *h)
{
    tarn_runner_env env = {cli->home, h->store, h->cat};
    tarn_job_start_opts o = {.args = &c->args};
    char id[TARN_CATALOG_ID_MAX] = "";
    tarn_error err = {0};
    if (c->no_wait) {
        tarn_cli_home_close(h); /* no SQLite state may cross into the supervisor */
        env.cat = NULL;
        if (tarn_job_start_detached(&env, c->target, &o, id, &err))
            return tarn_cli_fail(&err);
        if (c->json)
            printf("{\"JobRunId\": \"%s\"}\n", id);
        else
            printf("%s\n", id);
        return TARN_EXIT_OK;
    }
    fflush(stdout);
    catch_interrupts();
    o.cancel = &interrupted;
    int rc = tarn_job_run_wait(&env, c->target, &o, id, &err);
    if (!id[0])
        return tarn_cli_fail(&err);
    print_run_result(c, cli, h, id);
    return rc ? tarn_cli_fail(&err) : TARN_EXIT_OK;
}

/* `job list --json`: Glue-like fields per job. */
static void list_json(const tarn_job_info *jobs, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        set_str(o, "Name", jobs[i].name);
        set_str(o, "Command", jobs[i].command);
        set_str(o, "Role", jobs[i].role);
        set_str(o, "LastRunId", jobs[i].last_run_id);
        set_str(o, "LastRunState",
                jobs[i].last_run_id ? tarn_job_state_name(jobs[i].last_state) : NULL);
        set_time(o, "LastRunStartedOn", jobs[i].last_started_on);
        json_array_append_new(a, o);
    }
    tarn_cli_json_print(a);
}

static int job_list(job_cmd *c, const tarn_cli *cli, tarn_cli_home *h)
{
    tarn_error err = {0};
    tarn_job_info *jobs = NULL;
    size_t n = 0;
    if (tarn_job_list(h->cat, &jobs, &n, &err))
        return tarn_cli_fail(&err);
    if (c->json) {
        list_json(jobs, n);
    } else {
        tarn_grid g;
        tarn_grid_init(&g, 5, cli->tty);
        const char *head[] = {"name", "command", "role", "last run (UTC)", "state"};
        for (int i = 0; i < 5; i++)
            tarn_grid_add_str(&g, head[i]);
        for (size_t i = 0; i < n; i++) {
            char t[32];
            fmt_time(jobs[i].last_started_on, t, sizeof t);
            tarn_grid_add_str(&g, jobs[i].name);
            tarn_grid_add_str(&g, jobs[i].command);
            tarn_grid_add_str(&g, jobs[i].role);
            tarn_grid_add_str(&g, t);
            tarn_grid_add_str(&g, jobs[i].last_run_id ? tarn_job_state_name(jobs[i].last_state)
                                                      : "never run");
        }
        tarn_grid_print(&g, 1);
        tarn_grid_free(&g);
    }
    tarn_job_info_list_free(jobs, n);
    return TARN_EXIT_OK;
}

/* One row of `job runs`. */
static void runs_row(tarn_grid *g, const tarn_cat_job_run *r)
{
    char t[32], d[32];
    fmt_time(r->started_on, t, sizeof t);
    fmt_duration(duration_ms(r), d, sizeof d);
    tarn_grid_add_str(g, r->id);
    tarn_grid_add_str(g, tarn_job_state_name(r->state));
    tarn_grid_add_int(g, r->attempt);
    tarn_grid_add_str(g, t);
    tarn_grid_add_str(g, d);
    const int64_t nums[] = {r->rows_in, r->rows_out, r->bytes_in, r->bytes_out};
    for (int i = 0; i < 4; i++)
        tarn_grid_add_int(g, nums[i]);
    tarn_grid_add_str(g, r->error_message ? r->error_message : "");
}

static int job_runs(job_cmd *c, const tarn_cli *cli, tarn_cli_home *h)
{
    tarn_error err = {0};
    tarn_cat_job job;
    if (tarn_catalog_job_get(h->cat, c->target, &job, &err))
        return tarn_cli_fail(&err);
    tarn_cat_job_free(&job);
    tarn_cat_job_run *rs = NULL;
    size_t n = 0;
    if (tarn_catalog_job_run_list(h->cat, c->target, &rs, &n, &err))
        return tarn_cli_fail(&err);
    if (c->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, run_json(&rs[i]));
        tarn_cli_json_print(a);
    } else {
        enum { NC = 10 };
        tarn_grid g;
        tarn_grid_init(&g, NC, cli->tty);
        const char *head[NC] = {"id", "state", "attempt", "started (UTC)", "duration",
                                "rows in", "rows out", "bytes in", "bytes out", "error"};
        for (int i = 0; i < NC; i++) {
            tarn_grid_add_str(&g, head[i]);
            g.right[i] = i == 2 || (i >= 5 && i <= 8);
        }
        for (size_t i = 0; i < n; i++)
            runs_row(&g, &rs[i]);
        tarn_grid_print(&g, 1);
        tarn_grid_free(&g);
    }
    tarn_cat_job_run_list_free(rs, n);
    return TARN_EXIT_OK;
}

static int write_stdout(void *ud, const char *chunk, size_t n, tarn_error *err)
{
    (void)ud;
    if (fwrite(chunk, 1, n, stdout) != n)
        return tarn_error_errno(err, TARN_ERR_IO, errno, "writing the log to stdout");
    return TARN_OK;
}

static int append_buf(void *ud, const char *chunk, size_t n, tarn_error *err)
{
    (void)err;
    return tarn_buf_append(ud, chunk, n);
}

static int job_logs(job_cmd *c, const tarn_cli *cli, tarn_cli_home *h)
{
    (void)cli;
    tarn_error err = {0};
    tarn_cat_job_run r;
    if (tarn_catalog_job_run_get(h->cat, c->target, &r, &err))
        return tarn_cli_fail(&err);
    int fd = r.log_path ? open(r.log_path, O_RDONLY | O_CLOEXEC) : -1;
    int rc = TARN_OK;
    if (fd < 0)
        rc = tarn_error_set(&err, TARN_ERR_NOTFOUND, "run %s has no log%s%s%s", r.id,
                            r.log_path ? " (" : "", r.log_path ? r.log_path : "",
                            r.log_path ? " is missing)" : " (its process never started)");
    tarn_buf b;
    tarn_buf_init(&b, 0);
    if (!rc && c->json)
        rc = tarn_fd_read_chunks(fd, append_buf, &b, r.log_path, &err);
    else if (!rc)
        rc = tarn_fd_read_chunks(fd, write_stdout, NULL, r.log_path, &err);
    if (!rc && c->json) {
        json_t *o = json_object();
        set_str(o, "Id", r.id);
        set_str(o, "LogPath", r.log_path);
        set_str(o, "Log", b.data ? b.data : "");
        tarn_cli_json_print(o);
    }
    if (fd >= 0)
        close(fd);
    tarn_buf_free(&b);
    tarn_cat_job_run_free(&r);
    return rc ? tarn_cli_fail(&err) : TARN_EXIT_OK;
}

int tarn_cli_job(tarn_cli *cli, int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        print_help(argc < 1 ? stderr : stdout, NULL);
        return argc < 1 ? TARN_EXIT_USAGE : TARN_EXIT_OK;
    }
    const struct job_verb *v = NULL;
    for (size_t i = 0; i < NVERBS && !v; i++)
        if (strcmp(verbs[i].name, argv[0]) == 0)
            v = &verbs[i];
    if (!v)
        return tarn_cli_usage_error("job: unknown verb '%s' (run, list, runs, logs)", argv[0]);
    job_cmd c = {.verb = v->bit, .json = cli->json};
    tarn_job_args_init(&c.args);
    int rc = parse_words(&c, v, argc, argv);
    if (!rc && c.help)
        print_help(stdout, v);
    tarn_cli_home h;
    if (!rc && !c.help && (rc = tarn_cli_home_open(cli, &h)) == TARN_EXIT_OK) {
        tarn_error err = {0};
        rc = tarn_job_runs_reap(h.cat, &err) ? tarn_cli_fail(&err) : v->run(&c, cli, &h);
        tarn_cli_home_close(&h);
    }
    tarn_job_args_free(&c.args);
    return rc;
}
