/*
** runner_child.c: the child process of a job run (runner_int.h). It never
** touches the parent's catalog or store: it opens its own, records RUNNING,
** loads the job's role and runs the job with every object access checked
** against it (tarn_iam_s3_allow), writes the log to
** <home>/logs/job-<run id>.log (its stdout and stderr go there too), then
** records the result (counts, error) in the job_runs row and the summary in
** <home>/logs/job-<run id>.summary, and exits. The parent (runner.c) reaps
** it. pythonshell jobs run through pythonshell.c.
*/
#define _GNU_SOURCE
#include "jobs/runner_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "iam/iam.h"

void runner_log_line(int fd, const char *line)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char buf[2300];
    int n = snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s\n",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, line);
    if (n >= (int)sizeof buf) {
        n = (int)sizeof buf - 1;
        buf[n - 1] = '\n';
    }
    ssize_t w = write(fd, buf, (size_t)n);
    (void)w;
}

/* The job's log callback: ud points at the log fd. */
static void log_cb(void *ud, const char *line)
{
    runner_log_line(*(const int *)ud, line);
}

/* Wait for the parent's go (it has recorded our pid); EOF means it gave
** up or died. */
static void wait_for_go(const runner_spec *s)
{
    if (s->pdeathsig && prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        _exit(TARN_ERR_INTERNAL);
    setpgid(0, 0); /* the terminal's Ctrl-C goes to tarn, which stops the run */
    char c;
    ssize_t n;
    while ((n = read(s->go_fd, &c, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1)
        _exit(TARN_ERR_INTERNAL);
    close(s->go_fd);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
}

/* Open the run log and make it the process's stdout and stderr. */
static int open_log(const runner_spec *s)
{
    char *dir = tarn_xasprintf("%s/logs", s->home);
    mkdir(dir, 0755);
    free(dir);
    char *path = tarn_job_log_path(s->home, s->run_id);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    free(path);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) {
        dup2(null, 0);
        close(null);
    }
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
    }
    return fd >= 0 ? fd : 2;
}

/* Write the result's summary beside the log (temp file, then rename). */
static void write_summary(const runner_spec *s, const char *summary)
{
    if (!summary)
        return;
    char *path = runner_summary_path(s->home, s->run_id);
    char *tmp = tarn_xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f) {
        bool ok = fputs(summary, f) >= 0;
        ok = fclose(f) == 0 && ok;
        if (!ok || rename(tmp, path) != 0)
            unlink(tmp);
    }
    free(tmp);
    free(path);
}

/* Run the job itself with the role's access check. */
static int run_job(const runner_spec *s, tarn_catalog *cat, tarn_store *st, int *logfd,
                   tarn_job_result *res, tarn_error *err)
{
    tarn_iam_role *role = NULL;
    int rc = tarn_iam_role_load(cat, s->role, &role, err);
    if (rc)
        return rc;
    tarn_job_env env = {st, s->run_id, tarn_iam_s3_allow, role, log_cb, logfd, 0};
    if (strcmp(s->command, "pythonshell") == 0)
        rc = runner_pythonshell(s, &env, *logfd, res, err);
    else
        rc = tarn_job_run(s->command, s->args, &env, res, err);
    tarn_iam_role_free(role);
    return rc;
}

/* Copy the result's counters into the run row. */
static void set_counts(tarn_cat_job_run *r, const tarn_job_result *res)
{
    r->rows_in = res->rows_in;
    r->rows_out = res->rows_out;
    r->bytes_in = res->bytes_in;
    r->bytes_out = res->bytes_out;
    r->rows_rejected = res->rows_rejected;
    r->values_nulled = 0;
    for (int i = 0; i < res->ncols; i++)
        r->values_nulled += res->cols[i].cast_errors;
}

/* Open the child's own catalog and store and record RUNNING. */
static int begin(const runner_spec *s, tarn_catalog **cat, tarn_store **st,
                 tarn_cat_job_run *r, tarn_error *err)
{
    int rc = tarn_catalog_open(s->home, cat, err);
    if (!rc)
        rc = tarn_store_open(st, s->home, err);
    if (!rc)
        rc = tarn_catalog_job_run_get(*cat, s->run_id, r, err);
    if (!rc) {
        r->state = TARN_JOB_RUNNING;
        r->pid = getpid();
        rc = tarn_catalog_job_run_update(*cat, r, err);
    }
    return rc;
}

_Noreturn void runner_child_main(const runner_spec *s)
{
    wait_for_go(s);
    int logfd = open_log(s);
    char line[600];
    snprintf(line, sizeof line, "job '%s' run %s: %s as role '%s'", s->job_name, s->run_id,
             s->command, s->role);
    runner_log_line(logfd, line);
    tarn_error err = {0};
    tarn_catalog *cat = NULL;
    tarn_store *st = NULL;
    tarn_cat_job_run r = {0};
    tarn_job_result res = {0};
    int rc = begin(s, &cat, &st, &r, &err);
    if (rc) {
        runner_log_line(logfd, err.msg);
        _exit(rc);
    }
    rc = run_job(s, cat, st, &logfd, &res, &err);
    write_summary(s, res.summary);
    set_counts(&r, &res);
    r.state = rc ? TARN_JOB_FAILED : TARN_JOB_SUCCEEDED;
    free(r.error_message);
    r.error_message = rc ? tarn_xstrdup(err.msg[0] ? err.msg : tarn_status_name(rc)) : NULL;
    snprintf(line, sizeof line, "run %s %s%s%.400s", s->run_id, tarn_job_state_name(r.state),
             rc ? ": " : "", rc ? r.error_message : "");
    runner_log_line(logfd, line);
    tarn_error e2 = {0};
    if (tarn_catalog_job_run_update(cat, &r, &e2) != TARN_OK) {
        runner_log_line(logfd, e2.msg);
        _exit(rc ? rc : TARN_ERR_IO);
    }
    _exit(rc);
}
