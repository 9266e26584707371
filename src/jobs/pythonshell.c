/*
** pythonshell.c: the pythonshell job command, run inside a job's child
** process (runner_child.c). The script at Command.ScriptLocation is copied
** out of the store (after an s3:GetObject check against the job's role) to
** a temp file and run as `python3 SCRIPT --key value ...` with the run's
** Glue-style arguments, TARN_HOME (the home, so the script can read the
** store) and TARN_BIN (the running tarn binary, for `$TARN_BIN s3 cp`).
** Its stdout goes to the run log; its stderr too, through a pipe that keeps
** the last lines for the run's error message. Exit status 0 is success.
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
#include <sys/wait.h>
#include <unistd.h>

#define TAIL_BYTES 4096   /* stderr kept for the error message */
#define TAIL_LINES 5      /* lines of it quoted */

/* Copy the script out of the store into the run's scratch folder, under
** its own name (*path, malloc'd). */
static int fetch_script(const runner_spec *s, const tarn_job_env *env, char **path,
                        tarn_error *err)
{
    *path = NULL;
    tarn_uri u;
    int rc = tarn_uri_parse(s->script_location, &u, err);
    if (rc)
        return rc;
    if (env->allow && env->allow(env->allow_ud, TARN_S3_GET_OBJECT, u.bucket, u.key, err))
        return TARN_ERR_ACCESS; /* err holds the AccessDenied message */
    const char *base = strrchr(u.key, '/');
    char *dir = runner_scratch_dir(s->home, s->run_id);
    char *tmp = tarn_xasprintf("%s/%s", dir, base ? base + 1 : u.key);
    free(dir);
    rc = tarn_object_get_file(env->store, u.bucket, u.key, tmp, err);
    if (rc) {
        tarn_error_prefix(err, "pythonshell: fetching the script %s: ", s->script_location);
        runner_scratch_remove(s->home, s->run_id);
        free(tmp);
        return rc;
    }
    *path = tmp;
    return TARN_OK;
}

/* argv for python3: the script, then `--key value` per argument. */
static char **python_argv(const char *script, const tarn_job_args *a)
{
    char **v = tarn_xcalloc((size_t)(2 * a->n + 3), sizeof *v);
    int k = 0;
    v[k++] = tarn_xstrdup("python3");
    v[k++] = tarn_xstrdup(script);
    for (int i = 0; i < a->n; i++) {
        v[k++] = tarn_xasprintf("--%s", a->keys[i]);
        v[k++] = tarn_xstrdup(a->vals[i]);
    }
    return v;
}

static void free_argv(char **v)
{
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

/* The grandchild: stdout to the log, stderr to the pipe, then python3. */
_Noreturn static void exec_python(char **argv, int logfd, int errfd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(logfd, 1);
    dup2(errfd, 2);
    execvp("python3", argv);
    dprintf(2, "cannot run python3: %s\n", strerror(errno));
    _exit(127);
}

/* Copy the script's stderr into the log until EOF, keeping its tail. */
static void drain_stderr(int fd, int logfd, tarn_buf *tail)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        ssize_t w = write(logfd, buf, (size_t)n);
        (void)w;
        const char *p = buf;
        size_t m = (size_t)n;
        if (m > TAIL_BYTES) {
            p += m - TAIL_BYTES;
            m = TAIL_BYTES;
        }
        if (tail->len + m > TAIL_BYTES) {
            size_t drop = tail->len + m - TAIL_BYTES;
            memmove(tail->data, tail->data + drop, tail->len - drop);
            tail->len -= drop;
        }
        tarn_buf_append(tail, p, m);
    }
}

/* The last TAIL_LINES non-empty lines of t, joined with " | ". */
static void last_lines(tarn_buf *t, char *out, size_t size)
{
    out[0] = '\0';
    size_t end = t->len;
    while (end && (t->data[end - 1] == '\n' || t->data[end - 1] == '\r'))
        end--;
    size_t start = end;
    for (int lines = 0; start > 0 && lines < TAIL_LINES; start--)
        if (t->data[start - 1] == '\n' && ++lines == TAIL_LINES)
            break;
    size_t k = 0;
    for (size_t i = start; i < end && k + 4 < size; i++) {
        if (t->data[i] == '\n') {
            k += (size_t)snprintf(out + k, size - k, " | ");
        } else if (t->data[i] != '\r') {
            out[k++] = t->data[i];
            out[k] = '\0';
        }
    }
}

/* Run python3 on script, wait for it; *ws gets its wait status. */
static int run_python(const runner_spec *s, const char *script, int logfd, int *ws,
                      tarn_buf *tail, tarn_error *err)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    setenv("TARN_HOME", s->home, 1);
    setenv("TARN_BIN", exe, 1);
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return tarn_error_errno(err, TARN_ERR_IO, errno, "pythonshell: creating a pipe");
    char **argv = python_argv(script, s->args);
    pid_t pid = fork();
    if (pid == 0)
        exec_python(argv, logfd, p[1]);
    free_argv(argv);
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return tarn_error_errno(err, TARN_ERR_IO, errno, "pythonshell: starting python3");
    }
    drain_stderr(p[0], logfd, tail);
    close(p[0]);
    while (waitpid(pid, ws, 0) < 0)
        if (errno != EINTR)
            return tarn_error_errno(err, TARN_ERR_IO, errno, "pythonshell: waiting for python3");
    return TARN_OK;
}

int runner_pythonshell(const runner_spec *s, const tarn_job_env *env, int logfd,
                       tarn_job_result *res, tarn_error *err)
{
    memset(res, 0, sizeof *res);
    char *script = NULL;
    int rc = fetch_script(s, env, &script, err);
    if (rc)
        return rc;
    tarn_buf tail;
    tarn_buf_init(&tail, TAIL_BYTES * 2);
    int ws = 0;
    rc = run_python(s, script, logfd, &ws, &tail, err);
    runner_scratch_remove(s->home, s->run_id);
    free(script);
    char lines[800];
    last_lines(&tail, lines, sizeof lines);
    tarn_buf_free(&tail);
    if (rc)
        return rc;
    if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0) {
        res->summary = tarn_xasprintf("pythonshell script %s exited 0\n", s->script_location);
        return TARN_OK;
    }
    if (WIFSIGNALED(ws))
        return tarn_error_set(err, TARN_ERR_IO, "pythonshell script %s was killed by signal "
                              "%d%s%s", s->script_location, WTERMSIG(ws), lines[0] ? ": " : "",
                              lines);
    return tarn_error_set(err, TARN_ERR_IO, "pythonshell script %s exited with status %d%s%s",
                          s->script_location, WEXITSTATUS(ws), lines[0] ? ": " : "", lines);
}
