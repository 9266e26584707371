/*
** control.c: the typed control-plane records of catalog.h: roles, jobs, and
** job run state names (the runs themselves are in job_runs.c). The other
** control-plane tables of schema.c are written by the modules that own
** them, through tarn_catalog_db().
*/
#include "catalog/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROLE_NAME_MAX 64

static const char *const job_states[] = {"STARTING", "RUNNING", "SUCCEEDED",
                                         "FAILED",   "TIMEOUT", "STOPPED"};

const char *tarn_job_state_name(tarn_job_state s)
{
    return (unsigned)s < sizeof job_states / sizeof job_states[0] ? job_states[s] : "UNKNOWN";
}

int tarn_job_state_parse(const char *s, tarn_job_state *out, tarn_error *err)
{
    for (size_t i = 0; s && i < sizeof job_states / sizeof job_states[0]; i++) {
        if (strcmp(s, job_states[i]) == 0) {
            *out = (tarn_job_state)i;
            return TARN_OK;
        }
    }
    return tarn_error_set(err, TARN_ERR_INVALID, "unknown job run state '%s' (expected STARTING, "
                          "RUNNING, SUCCEEDED, FAILED, TIMEOUT or STOPPED)", s ? s : "");
}

bool tarn_job_state_final(tarn_job_state s)
{
    return s >= TARN_JOB_SUCCEEDED && s <= TARN_JOB_STOPPED;
}

/* Run a "SELECT 1 ... WHERE key = ?" probe: TARN_OK with *found set. */
static int exists(tarn_catalog *cat, const char *sql, const char *key, bool *found,
                  tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, sql, &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, key);
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    *found = s == SQLITE_ROW;
    return s == SQLITE_ROW || s == SQLITE_DONE ? TARN_OK
                                               : tarn_catalog_sql_error(cat, s, "looking up", err);
}

/* Delete by key; TARN_ERR_NOTFOUND with notfound_fmt (one %s) if no row. */
static int delete_by_key(tarn_catalog *cat, const char *sql, const char *key,
                         const char *notfound_fmt, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, sql, &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, key);
    if ((rc = cat_step_done(cat, st, "deleting", err)))
        return rc;
    if (sqlite3_changes(cat->db) == 0)
        return tarn_error_set(err, TARN_ERR_NOTFOUND, notfound_fmt, key);
    return TARN_OK;
}

/* ---- Roles ---- */

/* IAM's rule for role names: 1-64 of letters, digits and + = , . @ _ -. */
static int role_name_check(const char *name, tarn_error *err)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > ROLE_NAME_MAX)
        return tarn_error_set(err, TARN_ERR_INVALID, "ValidationError: role name must be 1 to "
                              "%d characters (got %zu)", ROLE_NAME_MAX, n);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  strchr("+=,.@_-", c);
        if (!ok)
            return tarn_error_set(err, TARN_ERR_INVALID, "ValidationError: role name '%s' has "
                                  "'%c' at position %zu; use letters, digits and + = , . @ _ -",
                                  name, c, i + 1);
    }
    return TARN_OK;
}

/* Insert or replace a checked role row. */
static int write_role(tarn_catalog *cat, const tarn_cat_role *r, const char *trust,
                      const char *inl, const char *managed, bool replace, tarn_error *err)
{
    bool found = false;
    int rc = exists(cat, "SELECT 1 FROM roles WHERE name = ?", r->name, &found, err);
    if (!rc && found && !replace)
        rc = tarn_error_set(err, TARN_ERR_EXISTS, "EntityAlreadyExists: role '%s' already "
                            "exists", r->name);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = cat_prepare(cat, "INSERT INTO roles (name, arn, description, trust_policy, "
                              "inline_policies, managed_arns, create_time) VALUES (?,?,?,?,?,?,?) "
                              "ON CONFLICT (name) DO UPDATE SET arn = excluded.arn, description "
                              "= excluded.description, trust_policy = excluded.trust_policy, "
                              "inline_policies = excluded.inline_policies, managed_arns = "
                              "excluded.managed_arns", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, r->name);
    tarn_catalog_bind_text(st, 2, r->arn);
    tarn_catalog_bind_text(st, 3, r->description);
    tarn_catalog_bind_text(st, 4, trust);
    tarn_catalog_bind_text(st, 5, inl);
    tarn_catalog_bind_text(st, 6, managed);
    sqlite3_bind_int64(st, 7, tarn_catalog_now_ms());
    return cat_step_done(cat, st, "storing a role", err);
}

int tarn_catalog_role_put(tarn_catalog *cat, const tarn_cat_role *r, bool replace,
                          tarn_error *err)
{
    int rc = role_name_check(r->name, err);
    if (!rc && (!r->arn || !*r->arn))
        rc = tarn_error_set(err, TARN_ERR_INVALID, "role '%s' has no ARN", r->name);
    if (!rc && !r->trust_policy)
        rc = tarn_error_set(err, TARN_ERR_INVALID, "ValidationError: role '%s' has no trust "
                            "policy (AssumeRolePolicyDocument)", r->name);
    char *trust = NULL, *inl = NULL, *managed = NULL;
    if (!rc)
        rc = cat_json_canon(r->trust_policy, NULL, JSON_OBJECT, false, "trust policy", &trust,
                            err);
    if (!rc)
        rc = cat_json_canon(r->inline_policies, "[]", JSON_ARRAY, false, "inline policies",
                            &inl, err);
    if (!rc)
        rc = cat_json_canon(r->managed_arns, "[]", JSON_ARRAY, true, "managed policy ARNs",
                            &managed, err);
    cat_tx tx;
    if (!rc && (rc = cat_tx_begin(cat, &tx, err)) == TARN_OK)
        rc = cat_tx_end(cat, &tx, write_role(cat, r, trust, inl, managed, replace, err), err);
    free(trust);
    free(inl);
    free(managed);
    return rc;
}

int tarn_catalog_role_get(tarn_catalog *cat, const char *name, tarn_cat_role *out,
                          tarn_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT name, arn, description, trust_policy, inline_policies, "
                              "managed_arns, create_time FROM roles WHERE name = ?", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, name);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        out->name = tarn_catalog_col_dup(st, 0);
        out->arn = tarn_catalog_col_dup(st, 1);
        out->description = tarn_catalog_col_dup(st, 2);
        out->trust_policy = tarn_catalog_col_dup(st, 3);
        out->inline_policies = tarn_catalog_col_dup(st, 4);
        out->managed_arns = tarn_catalog_col_dup(st, 5);
        out->create_time = sqlite3_column_int64(st, 6);
    } else if (s == SQLITE_DONE) {
        rc = tarn_error_set(err, TARN_ERR_NOTFOUND, "NoSuchEntity: role '%s' does not exist",
                            name ? name : "");
    } else {
        rc = tarn_catalog_sql_error(cat, s, "reading a role", err);
    }
    sqlite3_finalize(st);
    return rc;
}

int tarn_catalog_role_delete(tarn_catalog *cat, const char *name, tarn_error *err)
{
    return delete_by_key(cat, "DELETE FROM roles WHERE name = ?", name ? name : "",
                         "NoSuchEntity: role '%s' does not exist", err);
}

void tarn_cat_role_free(tarn_cat_role *r)
{
    if (!r)
        return;
    free(r->name);
    free(r->arn);
    free(r->description);
    free(r->trust_policy);
    free(r->inline_policies);
    free(r->managed_arns);
    memset(r, 0, sizeof *r);
}

/* ---- Jobs ---- */

/* Check a job definition's required fields and numbers. */
static int check_job(const tarn_cat_job *j, tarn_error *err)
{
    int rc = cat_name_check("job", j->name, err);
    if (rc)
        return rc;
    if (!j->command_name || !*j->command_name)
        return tarn_error_set(err, TARN_ERR_INVALID, "InvalidInputException: job '%s' has no "
                              "command name (Command.Name)", j->name);
    if (!j->role || !*j->role)
        return tarn_error_set(err, TARN_ERR_INVALID, "InvalidInputException: job '%s' has no "
                              "role", j->name);
    if (j->max_retries < 0)
        return tarn_error_set(err, TARN_ERR_INVALID, "InvalidInputException: job '%s': "
                              "MaxRetries must be 0 or more", j->name);
    return TARN_OK;
}

/* Insert or replace a checked job row. */
static int write_job(tarn_catalog *cat, const tarn_cat_job *j, const char *args, bool replace,
                     tarn_error *err)
{
    bool found = false;
    int rc = exists(cat, "SELECT 1 FROM jobs WHERE name = ?", j->name, &found, err);
    if (!rc && found && !replace)
        rc = tarn_error_set(err, TARN_ERR_EXISTS, "AlreadyExistsException: job '%s' already "
                            "exists", j->name);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = cat_prepare(cat, "INSERT INTO jobs (name, command_name, script_location, role, "
                              "description, default_args, timeout_minutes, max_retries, "
                              "max_concurrent_runs, create_time, update_time) VALUES "
                              "(?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (name) DO UPDATE SET "
                              "command_name = excluded.command_name, script_location = "
                              "excluded.script_location, role = excluded.role, description = "
                              "excluded.description, default_args = excluded.default_args, "
                              "timeout_minutes = excluded.timeout_minutes, max_retries = "
                              "excluded.max_retries, max_concurrent_runs = "
                              "excluded.max_concurrent_runs, update_time = excluded.update_time",
                         &st, err);
    if (rc)
        return rc;
    int64_t now = tarn_catalog_now_ms();
    tarn_catalog_bind_text(st, 1, j->name);
    tarn_catalog_bind_text(st, 2, j->command_name);
    tarn_catalog_bind_text(st, 3, j->script_location);
    tarn_catalog_bind_text(st, 4, j->role);
    tarn_catalog_bind_text(st, 5, j->description);
    tarn_catalog_bind_text(st, 6, args);
    sqlite3_bind_int64(st, 7, j->timeout_minutes > 0 ? j->timeout_minutes : 2880);
    sqlite3_bind_int64(st, 8, j->max_retries);
    sqlite3_bind_int64(st, 9, j->max_concurrent_runs > 0 ? j->max_concurrent_runs : 1);
    sqlite3_bind_int64(st, 10, now);
    sqlite3_bind_int64(st, 11, now);
    return cat_step_done(cat, st, "storing a job", err);
}

int tarn_catalog_job_put(tarn_catalog *cat, const tarn_cat_job *j, bool replace,
                         tarn_error *err)
{
    int rc = check_job(j, err);
    char *args = NULL;
    if (!rc)
        rc = cat_json_canon(j->default_args, "{}", JSON_OBJECT, true, "job default arguments",
                            &args, err);
    cat_tx tx;
    if (!rc && (rc = cat_tx_begin(cat, &tx, err)) == TARN_OK)
        rc = cat_tx_end(cat, &tx, write_job(cat, j, args, replace, err), err);
    free(args);
    return rc;
}

int tarn_catalog_job_get(tarn_catalog *cat, const char *name, tarn_cat_job *out,
                         tarn_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT name, command_name, script_location, role, description, "
                              "default_args, timeout_minutes, max_retries, max_concurrent_runs, "
                              "create_time, update_time FROM jobs WHERE name = ?", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, name);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        out->name = tarn_catalog_col_dup(st, 0);
        out->command_name = tarn_catalog_col_dup(st, 1);
        out->script_location = tarn_catalog_col_dup(st, 2);
        out->role = tarn_catalog_col_dup(st, 3);
        out->description = tarn_catalog_col_dup(st, 4);
        out->default_args = tarn_catalog_col_dup(st, 5);
        out->timeout_minutes = sqlite3_column_int64(st, 6);
        out->max_retries = sqlite3_column_int64(st, 7);
        out->max_concurrent_runs = sqlite3_column_int64(st, 8);
        out->create_time = sqlite3_column_int64(st, 9);
        out->update_time = sqlite3_column_int64(st, 10);
    } else if (s == SQLITE_DONE) {
        rc = tarn_error_set(err, TARN_ERR_NOTFOUND, "EntityNotFoundException: job '%s' does "
                            "not exist", name ? name : "");
    } else {
        rc = tarn_catalog_sql_error(cat, s, "reading a job", err);
    }
    sqlite3_finalize(st);
    return rc;
}

int tarn_catalog_job_delete(tarn_catalog *cat, const char *name, tarn_error *err)
{
    return delete_by_key(cat, "DELETE FROM jobs WHERE name = ?", name ? name : "",
                         "EntityNotFoundException: job '%s' does not exist", err);
}

void tarn_cat_job_free(tarn_cat_job *j)
{
    if (!j)
        return;
    free(j->name);
    free(j->command_name);
    free(j->script_location);
    free(j->role);
    free(j->description);
    free(j->default_args);
    memset(j, 0, sizeof *j);
}
