/*
** runner_misc.c: the job runner's functions around a run (jobs.h): the
** detached start behind `tarn job run --no-wait`, reaping runs whose
** process died with a killed tarn, the log and summary files of a run, and
** the job listing with each job's newest run. Starting and following a run
** is runner.c.
*/
#define _GNU_SOURCE
#include "jobs/runner_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define REAP_STARTING_GRACE_MS 60000 /* a STARTING run without a pid is left alone */
#define REAP_PID_SLACK_MS 30000      /* a run's process starts this close to it */

char *tarn_job_log_path(const char *home, const char *run_id)
{
    return tarn_xasprintf("%s/logs/job-%s.log", home, run_id);
}

char *runner_summary_path(const char *home, const char *run_id)
{
    return tarn_xasprintf("%s/logs/job-%s.summary", home, run_id);
}

char *runner_scratch_dir(const char *home, const char *run_id)
{
    return tarn_xasprintf("%s/tmp/job-%s", home, run_id);
}

void runner_scratch_remove(const char *home, const char *run_id)
{
    char *dir = runner_scratch_dir(home, run_id);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    if (d)
        closedir(d);
    rmdir(dir);
    free(dir);
}

int tarn_job_run_summary(const char *home, const char *run_id, char **out, tarn_error *err)
{
    char *path = runner_summary_path(home, run_id);
    tarn_buf b;
    tarn_buf_init(&b, 1 << 20);
    FILE *f = fopen(path, "r");
    int rc = TARN_OK;
    if (f) {
        char chunk[4096];
        size_t n;
        while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
            rc = tarn_buf_append(&b, chunk, n);
        if (!rc && ferror(f))
            rc = tarn_error_errno(err, TARN_ERR_IO, errno, "reading '%s'", path);
        else if (rc)
            tarn_error_set(err, rc, "'%s' is larger than 1 MiB", path);
        fclose(f);
    } else if (errno != ENOENT) {
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "opening '%s'", path);
    }
    free(path);
    *out = rc ? NULL : tarn_xstrdup(b.data ? b.data : "");
    tarn_buf_free(&b);
    return rc;
}

/* ---- reaping ---- */

/* When process pid started, in ms since the epoch (from its
** /proc/<pid>/stat start time and the boot time); -1 if unknown. */
static int64_t process_start_ms(int64_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');   /* the command name may hold spaces */
    for (int field = 2; p && field < 22; field++)
        p = strchr(p + 1, ' ');
    long long ticks, btime = -1;
    if (!p || sscanf(p + 1, "%lld", &ticks) != 1)
        return -1;
    f = fopen("/proc/stat", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "btime %lld", &btime) == 1)
            break;
    if (f)
        fclose(f);
    long hz = sysconf(_SC_CLK_TCK);
    return btime < 0 || hz <= 0 ? -1 : btime * 1000 + ticks * 1000 / hz;
}

/* Whether the run's recorded process still runs: it exists (EPERM: it
** does, owned by someone else) and started when the run did, so a pid
** reused since (after a reboot) does not keep a dead run RUNNING. */
static bool run_process_alive(const tarn_cat_job_run *r)
{
    if (!tarn_process_alive(r->pid))
        return false;
    int64_t start = process_start_ms(r->pid);
    return start < 0 || llabs(start - r->started_on) <= REAP_PID_SLACK_MS;
}

/* The ids of every STARTING or RUNNING run (malloc'd array). */
static int active_ids(tarn_catalog *cat, char (**ids)[TARN_CATALOG_ID_MAX], size_t *n,
                      tarn_error *err)
{
    *ids = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int s = sqlite3_prepare_v2(tarn_catalog_db(cat), "SELECT id FROM job_runs WHERE state IN "
                               "('STARTING', 'RUNNING') ORDER BY started_on", -1, &st, NULL);
    if (s != SQLITE_OK)
        return tarn_catalog_sql_error(cat, s, "listing active job runs", err);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        *ids = tarn_xrealloc(*ids, (*n + 1) * sizeof **ids);
        snprintf((*ids)[(*n)++], TARN_CATALOG_ID_MAX, "%s", sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? TARN_OK
                            : tarn_catalog_sql_error(cat, s, "listing active job runs", err);
}

/* Mark one run FAILED when its process is gone. */
static int reap_one(tarn_catalog *cat, const char *home, const char *id, tarn_error *err)
{
    tarn_cat_job_run r;
    int rc = tarn_catalog_job_run_get(cat, id, &r, err);
    if (rc)
        return rc == TARN_ERR_NOTFOUND ? TARN_OK : rc;
    bool gone = r.pid > 0 ? !run_process_alive(&r)
                          : tarn_catalog_now_ms() - r.started_on > REAP_STARTING_GRACE_MS;
    if (gone && !tarn_job_state_final(r.state)) {
        char msg[200];
        if (r.pid > 0)
            snprintf(msg, sizeof msg, "run interrupted: process %lld ended without recording "
                     "a result", (long long)r.pid);
        else
            snprintf(msg, sizeof msg, "run interrupted: its process never started");
        r.state = TARN_JOB_FAILED;
        free(r.error_message);
        r.error_message = tarn_xstrdup(msg);
        rc = tarn_catalog_job_run_update(cat, &r, err);
        if (rc == TARN_ERR_INVALID) /* it ended meanwhile */
            rc = TARN_OK;
        else if (!rc && home)
            runner_scratch_remove(home, r.id);
    }
    tarn_cat_job_run_free(&r);
    return rc;
}

/* The home holding cat's catalog.db (malloc'd), or NULL. */
static char *catalog_home(tarn_catalog *cat)
{
    const char *file = sqlite3_db_filename(tarn_catalog_db(cat), "main");
    const char *slash = file ? strrchr(file, '/') : NULL;
    return slash ? tarn_xstrndup(file, (size_t)(slash - file)) : NULL;
}

int tarn_job_runs_reap(tarn_catalog *cat, tarn_error *err)
{
    char *home = catalog_home(cat);
    char (*ids)[TARN_CATALOG_ID_MAX] = NULL;
    size_t n = 0;
    int rc = active_ids(cat, &ids, &n, err);
    for (size_t i = 0; !rc && i < n; i++)
        rc = reap_one(cat, home, ids[i], err);
    free(ids);
    free(home);
    return rc;
}

/* ---- listing ---- */

int tarn_job_list(tarn_catalog *cat, tarn_job_info **out, size_t *n, tarn_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int s = sqlite3_prepare_v2(
        tarn_catalog_db(cat),
        "SELECT j.name, j.command_name, j.role, r.id, r.state, r.started_on FROM jobs j "
        "LEFT JOIN job_runs r ON r.rowid = (SELECT rowid FROM job_runs WHERE job_name = j.name "
        "ORDER BY started_on DESC, rowid DESC LIMIT 1) ORDER BY j.name", -1, &st, NULL);
    if (s != SQLITE_OK)
        return tarn_catalog_sql_error(cat, s, "listing jobs", err);
    int rc = TARN_OK;
    while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
        *out = tarn_xrealloc(*out, (*n + 1) * sizeof **out);
        tarn_job_info *j = &(*out)[(*n)++];
        memset(j, 0, sizeof *j);
        j->name = tarn_xstrdup((const char *)sqlite3_column_text(st, 0));
        j->command = tarn_xstrdup((const char *)sqlite3_column_text(st, 1));
        j->role = tarn_xstrdup((const char *)sqlite3_column_text(st, 2));
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
            j->last_run_id = tarn_xstrdup((const char *)sqlite3_column_text(st, 3));
            rc = tarn_job_state_parse((const char *)sqlite3_column_text(st, 4), &j->last_state,
                                      err);
            j->last_started_on = sqlite3_column_int64(st, 5);
        }
    }
    sqlite3_finalize(st);
    if (!rc && s != SQLITE_DONE)
        rc = tarn_catalog_sql_error(cat, s, "listing jobs", err);
    if (rc) {
        tarn_job_info_list_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void tarn_job_info_list_free(tarn_job_info *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(jobs[i].name);
        free(jobs[i].command);
        free(jobs[i].role);
        free(jobs[i].last_run_id);
    }
    free(jobs);
}

/* ---- detached start ---- */

/* What the supervisor tells the starter: the start's status and the run
** id or the error message. One write, below PIPE_BUF. */
typedef struct detach_msg {
    int code;
    char text[TARN_ERROR_MAX];
} detach_msg;

/* The supervisor: a new session without the caller's terminal or pipes,
** its own catalog and store, the start, then the run followed to its end. */
_Noreturn static void supervise(const tarn_runner_env *env, const char *name,
                                const tarn_job_start_opts *o, int fd)
{
    setsid();
    int null = open("/dev/null", O_RDWR);
    for (int i = 0; i < 3 && null >= 0; i++)
        dup2(null, i);
    detach_msg m = {0};
    tarn_error err = {0};
    tarn_store *st = NULL;
    tarn_catalog *cat = NULL;
    tarn_job_handle *h = NULL;
    m.code = tarn_store_open(&st, env->home, &err);
    if (!m.code)
        m.code = tarn_catalog_open(env->home, &cat, &err);
    tarn_runner_env mine = {env->home, st, cat};
    if (!m.code)
        m.code = tarn_job_start(&mine, name, o, &h, &err);
    snprintf(m.text, sizeof m.text, "%s", m.code ? err.msg : tarn_job_handle_run_id(h));
    ssize_t w = write(fd, &m, sizeof m);
    (void)w;
    close(fd);
    bool done = h == NULL;
    tarn_job_state state;
    while (!done && tarn_job_poll(h, 1000, &done, &state, &err) == TARN_OK) {
    }
    _exit(0);
}

int tarn_job_start_detached(const tarn_runner_env *env, const char *name,
                            const tarn_job_start_opts *o, char run_id[TARN_CATALOG_ID_MAX],
                            tarn_error *err)
{
    run_id[0] = '\0';
    if (env->cat)
        return tarn_error_set(err, TARN_ERR_INTERNAL, "job '%s': a detached start needs the "
                              "caller's catalog closed first", name);
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return tarn_error_errno(err, TARN_ERR_IO, errno, "job '%s': creating a pipe", name);
    pid_t mid = fork();
    if (mid == 0) {
        close(p[0]);
        if (fork() == 0)
            supervise(env, name, o, p[1]);
        _exit(0);
    }
    close(p[1]);
    if (mid < 0) {
        close(p[0]);
        return tarn_error_errno(err, TARN_ERR_IO, errno, "job '%s': starting its supervisor",
                                name);
    }
    while (waitpid(mid, NULL, 0) < 0 && errno == EINTR) {
    }
    detach_msg m = {0};
    ssize_t n;
    while ((n = read(p[0], &m, sizeof m)) < 0 && errno == EINTR) {
    }
    close(p[0]);
    if (n != (ssize_t)sizeof m)
        return tarn_error_set(err, TARN_ERR_INTERNAL, "job '%s': its supervisor process ended "
                              "before starting the run", name);
    if (m.code)
        return tarn_error_set(err, m.code, "%s", m.text);
    m.text[TARN_CATALOG_ID_MAX - 1] = '\0';
    memcpy(run_id, m.text, TARN_CATALOG_ID_MAX);
    return TARN_OK;
}
