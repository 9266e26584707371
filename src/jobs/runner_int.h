/*
** runner_int.h: what the job runner's files share inside jobs/: the
** description of one attempt handed to the child process (runner.c forks,
** runner_child.c runs it), the pythonshell command (pythonshell.c), and
** the run log (runner_child.c).
*/
#ifndef TARN_RUNNER_INT_H
#define TARN_RUNNER_INT_H

#include <sys/types.h>

#include "jobs/jobs.h"

#define RUNNER_GLUE_PRINCIPAL "glue.amazonaws.com"
#define RUNNER_STOP_GRACE_MS 5000   /* SIGTERM -> SIGKILL */

/* One attempt, as the child process needs it. Everything is borrowed
** from the parent's handle (the child has its own copy of memory). */
typedef struct runner_spec {
    const char *home;
    const char *job_name;
    const char *command;          /* Command.Name */
    const char *script_location;  /* pythonshell; NULL otherwise */
    const char *role;             /* name or ARN, as the job gives it */
    const char *run_id;
    const tarn_job_args *args;    /* merged, with --JOB_RUN_ID */
    int go_fd;                    /* read end: the parent has recorded the pid */
    bool pdeathsig;               /* die with the parent */
} runner_spec;

/* The child process's body: wait for the parent's go, record RUNNING,
** run the job against its own catalog and store with the role's access
** check, record the result in the job_runs row, and _exit with 0 or the
** job's tarn status. Never returns. */
_Noreturn void runner_child_main(const runner_spec *s);

/* Append one line to the run log fd, prefixed with the UTC time. Whole
** lines are written with one write(2), so threads may share the fd. */
void runner_log_line(int fd, const char *line);

/* The summary side file of a run (malloc'd path). */
char *runner_summary_path(const char *home, const char *run_id);

/* The folder a pythonshell run's script is copied to,
** "<home>/tmp/job-<run id>" (malloc'd). runner_scratch_remove deletes it
** with what it holds; the parent does once the attempt ended and
** tarn_job_runs_reap for runs it marks, so a killed run leaves nothing. */
char *runner_scratch_dir(const char *home, const char *run_id);
void runner_scratch_remove(const char *home, const char *run_id);

/* Run a pythonshell job: fetch env->store's script at script_location
** (s3:GetObject checked through env->allow) to a temp file, run
** `python3 script --key value ...` with TARN_HOME and TARN_BIN set,
** stdout and stderr into logfd. TARN_OK when it exits 0; else
** TARN_ERR_IO (or the fetch's error) with the last stderr lines. */
int runner_pythonshell(const runner_spec *s, const tarn_job_env *env, int logfd,
                       tarn_job_result *res, tarn_error *err);

#endif
