/*
** job_runs.c: job runs in catalog.db (catalog.h): start a run with a fresh
** id, update its state and counters under the forward-only state rule, read
** and list runs. The job runner (jobs/) decides what the states mean; this
** file only keeps them consistent when a parent and its child both write.
*/
#include "catalog/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUN_COLS                                                                           \
    "id, job_name, state, attempt, arguments, error_message, log_path, trigger_name, "     \
    "workflow_run_id, previous_run_id, pid, started_on, last_modified_on, completed_on, "  \
    "rows_in, rows_out, bytes_in, bytes_out, rows_rejected, values_nulled"

/* Insert a STARTING run of an existing job. */
static int insert_run(tarn_catalog *cat, const char *job_name, const char *args,
                      int64_t attempt, const char *trigger_name, const char *workflow_run_id,
                      const char *previous_run_id, const char *id, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT 1 FROM jobs WHERE name = ?", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, job_name);
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s == SQLITE_DONE)
        return tarn_error_set(err, TARN_ERR_NOTFOUND, "EntityNotFoundException: job '%s' does "
                              "not exist", job_name);
    if (s != SQLITE_ROW)
        return tarn_catalog_sql_error(cat, s, "looking up a job", err);
    rc = cat_prepare(cat, "INSERT INTO job_runs (id, job_name, state, attempt, arguments, "
                          "trigger_name, workflow_run_id, previous_run_id, started_on, "
                          "last_modified_on) VALUES (?, ?, 'STARTING', ?, ?, ?, ?, ?, ?, ?)",
                     &st, err);
    if (rc)
        return rc;
    int64_t now = tarn_catalog_now_ms();
    tarn_catalog_bind_text(st, 1, id);
    tarn_catalog_bind_text(st, 2, job_name);
    sqlite3_bind_int64(st, 3, attempt);
    tarn_catalog_bind_text(st, 4, args);
    tarn_catalog_bind_text(st, 5, trigger_name);
    tarn_catalog_bind_text(st, 6, workflow_run_id);
    tarn_catalog_bind_text(st, 7, previous_run_id);
    sqlite3_bind_int64(st, 8, now);
    sqlite3_bind_int64(st, 9, now);
    return cat_step_done(cat, st, "starting a job run", err);
}

int tarn_catalog_job_run_start(tarn_catalog *cat, const char *job_name,
                               const char *arguments_json, int64_t attempt,
                               const char *trigger_name, const char *workflow_run_id,
                               const char *previous_run_id,
                               char run_id[TARN_CATALOG_ID_MAX], tarn_error *err)
{
    run_id[0] = '\0';
    int rc = cat_name_check("job", job_name, err);
    char *args = NULL;
    if (!rc)
        rc = cat_json_canon(arguments_json, "{}", JSON_OBJECT, true, "job run arguments", &args,
                            err);
    char id[TARN_CATALOG_ID_MAX];
    if (!rc)
        rc = tarn_catalog_new_id("jr", id, err);
    cat_tx tx;
    if (!rc && (rc = cat_tx_begin(cat, &tx, err)) == TARN_OK)
        rc = cat_tx_end(cat, &tx, insert_run(cat, job_name, args, attempt, trigger_name,
                                             workflow_run_id, previous_run_id, id, err), err);
    if (!rc)
        memcpy(run_id, id, TARN_CATALOG_ID_MAX);
    free(args);
    return rc;
}

/* 0 for STARTING, 1 for RUNNING, 2 for a final state. */
static int state_rank(tarn_job_state s)
{
    return tarn_job_state_final(s) ? 2 : s == TARN_JOB_RUNNING ? 1 : 0;
}

/* Check that run id may move from its stored state to next. */
static int check_transition(tarn_catalog *cat, const char *id, tarn_job_state next,
                            tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT state FROM job_runs WHERE id = ?", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, id);
    int s = sqlite3_step(st);
    tarn_job_state cur = TARN_JOB_STARTING;
    if (s == SQLITE_ROW)
        rc = tarn_job_state_parse((const char *)sqlite3_column_text(st, 0), &cur, err);
    sqlite3_finalize(st);
    if (s == SQLITE_DONE)
        return tarn_error_set(err, TARN_ERR_NOTFOUND, "EntityNotFoundException: job run '%s' "
                              "does not exist", id);
    if (s != SQLITE_ROW)
        return tarn_catalog_sql_error(cat, s, "reading a job run", err);
    if (rc)
        return rc;
    bool ok = tarn_job_state_final(cur) ? next == cur : state_rank(next) >= state_rank(cur);
    if (!ok)
        return tarn_error_set(err, TARN_ERR_INVALID, "job run '%s' is %s and cannot become %s%s",
                              id, tarn_job_state_name(cur), tarn_job_state_name(next),
                              tarn_job_state_final(cur) ? " (it has already ended)" : "");
    return TARN_OK;
}

/* The body of an update, inside its transaction. */
static int update_run(tarn_catalog *cat, const tarn_cat_job_run *r, tarn_error *err)
{
    int rc = check_transition(cat, r->id, r->state, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = cat_prepare(cat, "UPDATE job_runs SET state = ?, error_message = ?, log_path = ?, "
                              "pid = ?, rows_in = ?, rows_out = ?, bytes_in = ?, bytes_out = ?, "
                              "rows_rejected = ?, values_nulled = ?, last_modified_on = ?, "
                              "completed_on = CASE WHEN ? AND completed_on IS NULL THEN ? ELSE "
                              "completed_on END WHERE id = ?", &st, err);
    if (rc)
        return rc;
    int64_t now = tarn_catalog_now_ms();
    tarn_catalog_bind_text(st, 1, tarn_job_state_name(r->state));
    tarn_catalog_bind_text(st, 2, r->error_message);
    tarn_catalog_bind_text(st, 3, r->log_path);
    if (r->pid > 0)
        sqlite3_bind_int64(st, 4, r->pid);
    else
        sqlite3_bind_null(st, 4);
    int64_t counters[] = {r->rows_in, r->rows_out, r->bytes_in, r->bytes_out, r->rows_rejected,
                          r->values_nulled};
    for (int i = 0; i < 6; i++)
        sqlite3_bind_int64(st, 5 + i, counters[i]);
    sqlite3_bind_int64(st, 11, now);
    sqlite3_bind_int(st, 12, tarn_job_state_final(r->state));
    sqlite3_bind_int64(st, 13, now);
    tarn_catalog_bind_text(st, 14, r->id);
    return cat_step_done(cat, st, "updating a job run", err);
}

int tarn_catalog_job_run_update(tarn_catalog *cat, const tarn_cat_job_run *r, tarn_error *err)
{
    if ((unsigned)r->state > TARN_JOB_STOPPED)
        return tarn_error_set(err, TARN_ERR_INVALID, "job run '%s': invalid state %d", r->id,
                              (int)r->state);
    cat_tx tx;
    int rc = cat_tx_begin(cat, &tx, err);
    if (!rc)
        rc = cat_tx_end(cat, &tx, update_run(cat, r, err), err);
    return rc;
}

/* Fill *out from a row selected with RUN_COLS. */
static int read_run(sqlite3_stmt *st, tarn_cat_job_run *out, tarn_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", (const char *)sqlite3_column_text(st, 0));
    out->job_name = tarn_catalog_col_dup(st, 1);
    int rc = tarn_job_state_parse((const char *)sqlite3_column_text(st, 2), &out->state, err);
    out->attempt = sqlite3_column_int64(st, 3);
    out->arguments = tarn_catalog_col_dup(st, 4);
    out->error_message = tarn_catalog_col_dup(st, 5);
    out->log_path = tarn_catalog_col_dup(st, 6);
    out->trigger_name = tarn_catalog_col_dup(st, 7);
    out->workflow_run_id = tarn_catalog_col_dup(st, 8);
    out->previous_run_id = tarn_catalog_col_dup(st, 9);
    int64_t *nums[] = {&out->pid, &out->started_on, &out->last_modified_on, &out->completed_on,
                       &out->rows_in, &out->rows_out, &out->bytes_in, &out->bytes_out,
                       &out->rows_rejected, &out->values_nulled};
    for (int i = 0; i < 10; i++)
        *nums[i] = sqlite3_column_int64(st, 10 + i);
    return rc;
}

int tarn_catalog_job_run_get(tarn_catalog *cat, const char *run_id, tarn_cat_job_run *out,
                             tarn_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT " RUN_COLS " FROM job_runs WHERE id = ?", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, run_id);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        rc = read_run(st, out, err);
    else if (s == SQLITE_DONE)
        rc = tarn_error_set(err, TARN_ERR_NOTFOUND, "EntityNotFoundException: job run '%s' does "
                            "not exist", run_id ? run_id : "");
    else
        rc = tarn_catalog_sql_error(cat, s, "reading a job run", err);
    sqlite3_finalize(st);
    if (rc)
        tarn_cat_job_run_free(out);
    return rc;
}

int tarn_catalog_job_run_list(tarn_catalog *cat, const char *job_name, tarn_cat_job_run **out,
                              size_t *n, tarn_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT " RUN_COLS " FROM job_runs WHERE job_name = ? "
                              "ORDER BY started_on DESC, rowid DESC", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, job_name);
    int s = SQLITE_DONE;
    while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
        *out = tarn_xrealloc(*out, (*n + 1) * sizeof **out);
        rc = read_run(st, &(*out)[(*n)++], err);
    }
    sqlite3_finalize(st);
    if (!rc && s != SQLITE_DONE)
        rc = tarn_catalog_sql_error(cat, s, "listing job runs", err);
    if (rc) {
        tarn_cat_job_run_list_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int tarn_catalog_job_runs_active(tarn_catalog *cat, const char *job_name, int64_t *n,
                                 tarn_error *err)
{
    *n = 0;
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT count(*) FROM job_runs WHERE job_name = ? AND state IN "
                              "('STARTING', 'RUNNING')", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, job_name);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return s == SQLITE_ROW ? TARN_OK : tarn_catalog_sql_error(cat, s, "counting job runs", err);
}

void tarn_cat_job_run_free(tarn_cat_job_run *r)
{
    if (!r)
        return;
    char **strs[] = {&r->job_name, &r->arguments, &r->error_message, &r->log_path,
                     &r->trigger_name, &r->workflow_run_id, &r->previous_run_id};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    memset(r, 0, sizeof *r);
}

void tarn_cat_job_run_list_free(tarn_cat_job_run *rs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tarn_cat_job_run_free(&rs[i]);
    free(rs);
}
