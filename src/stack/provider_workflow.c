/*
** provider_workflow.c: AWS::Glue::Workflow and AWS::Glue::Trigger as rows of
** catalog.db's workflows and triggers tables, which flow/ reads. A
** trigger's Predicate and Actions are stored as the JSON objects Glue uses
** (the property values after evaluation); the jobs, crawlers and workflow
** they name must exist when the trigger is created.
*/
#include "stack/deploy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "<ms now>" as text, for binding as an INTEGER with CAST. */
static void now_text(char *buf, size_t n)
{
    snprintf(buf, n, "%lld", (long long)tarn_catalog_now_ms());
}

/* ---- AWS::Glue::Workflow ---- */

static const stack_prop workflow_props[] = {
    {"Name", SP_STR, false, NULL},
    {"Description", SP_STR, false, NULL},
    {"DefaultRunProperties", SP_STRMAP, false, NULL},
    {"MaxConcurrentRuns", SP_INT, false, NULL},
    {"Tags", SP_ANY, false, NULL},
    {0},
};

static int workflow_check(const stack_rctx *c, const json_t *props, tarn_error *err)
{
    const json_t *m = json_object_get(props, "MaxConcurrentRuns");
    if (m && json_integer_value(m) < 1)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: MaxConcurrentRuns must be at least 1", c->what);
    return TARN_OK;
}

static int workflow_put(const stack_rctx *c, const char *name, const json_t *props,
                        bool replace, tarn_error *err)
{
    char *runprops = stack_json_text(json_object_get(props, "DefaultRunProperties"), "{}");
    char *max = stack_scalar_opt(json_object_get(props, "MaxConcurrentRuns"));
    char now[32];
    now_text(now, sizeof now);
    const char *args[] = {name, stack_str(props, "Description"), runprops, max, now};
    const char *sql = replace
        ? "UPDATE workflows SET description = ?2, default_run_properties = ?3, "
          "max_concurrent_runs = CAST(?4 AS INTEGER), update_time = CAST(?5 AS INTEGER) "
          "WHERE name = ?1"
        : "INSERT INTO workflows (name, description, default_run_properties, "
          "max_concurrent_runs, create_time, update_time) VALUES (?1, ?2, ?3, "
          "CAST(?4 AS INTEGER), CAST(?5 AS INTEGER), CAST(?5 AS INTEGER))";
    int rc = replace ? TARN_OK : stack_name_free(c->cat, "workflows", "workflow", name, err);
    if (!rc)
        rc = stack_sql_exec(c->cat, sql, args, 5, err);
    free(runprops);
    free(max);
    return rc;
}

static int workflow_remove(const stack_rctx *c, const char *name, bool force, tarn_error *err)
{
    (void)force;
    const char *args[] = {name};
    return stack_sql_exec(c->cat, "DELETE FROM workflows WHERE name = ?", args, 1, err);
}

const stack_provider stack_provider_workflow = {
    "AWS::Glue::Workflow", workflow_props, "Name", false, workflow_check, stack_no_attrs,
    workflow_put, workflow_remove, NULL,
};

/* ---- AWS::Glue::Trigger ---- */

static const stack_prop condition[] = {
    {"LogicalOperator", SP_STR, false, NULL},
    {"JobName", SP_STR, false, NULL},
    {"State", SP_STR, false, NULL},
    {"CrawlerName", SP_STR, false, NULL},
    {"CrawlState", SP_STR, false, NULL},
    {0},
};
static const stack_prop predicate[] = {
    {"Logical", SP_STR, false, NULL},
    {"Conditions", SP_OBJS, false, condition},
    {0},
};
static const stack_prop notify[] = {{"NotifyDelayAfter", SP_INT, false, NULL}, {0}};
static const stack_prop action[] = {
    {"JobName", SP_STR, false, NULL},
    {"Arguments", SP_STRMAP, false, NULL},
    {"CrawlerName", SP_STR, false, NULL},
    {"Timeout", SP_INT, false, NULL},
    {"NotificationProperty", SP_OBJ, false, notify},
    {"SecurityConfiguration", SP_STR, false, NULL},
    {0},
};
static const stack_prop trigger_props[] = {
    {"Name", SP_STR, false, NULL},
    {"Type", SP_STR, true, NULL},
    {"WorkflowName", SP_STR, false, NULL},
    {"Predicate", SP_OBJ, false, predicate},
    {"Actions", SP_OBJS, true, action},
    {"Schedule", SP_STR, false, NULL},
    {"StartOnCreation", SP_BOOL, false, NULL},
    {"Description", SP_STR, false, NULL},
    {"EventBatchingCondition", SP_ANY, false, NULL},
    {"Tags", SP_ANY, false, NULL},
    {0},
};

static int condition_check(const stack_rctx *c, const json_t *cond, size_t i, tarn_error *err)
{
    static const char *const ops[] = {"EQUALS", NULL};
    static const char *const job_states[] = {"SUCCEEDED", "STOPPED", "FAILED", "TIMEOUT", NULL};
    static const char *const crawl_states[] = {"SUCCEEDED", "FAILED", "CANCELLED", NULL};
    const char *job = stack_str(cond, "JobName"), *crawler = stack_str(cond, "CrawlerName");
    if (!job == !crawler)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: Predicate.Conditions[%zu] must name either a JobName (with "
                              "State) or a CrawlerName (with CrawlState)", c->what, i);
    if ((job && !stack_str(cond, "State")) || (crawler && !stack_str(cond, "CrawlState")))
        return tarn_error_set(err, TARN_ERR_INVALID, "%s: Predicate.Conditions[%zu] needs %s",
                              c->what, i, job ? "State" : "CrawlState");
    int rc = stack_enum_check(stack_str(cond, "LogicalOperator"), ops, c->what,
                              "Predicate.Conditions.LogicalOperator", err);
    if (!rc && job)
        rc = stack_enum_check(stack_str(cond, "State"), job_states, c->what,
                              "Predicate.Conditions.State (for a job)", err);
    if (!rc && crawler)
        rc = stack_enum_check(stack_str(cond, "CrawlState"), crawl_states, c->what,
                              "Predicate.Conditions.CrawlState (for a crawler)", err);
    return rc;
}

static int actions_check(const stack_rctx *c, const json_t *actions, tarn_error *err)
{
    if (json_array_size(actions) == 0)
        return tarn_error_set(err, TARN_ERR_INVALID, "%s: Actions must name at least one job "
                              "or crawler", c->what);
    size_t i;
    json_t *a;
    json_array_foreach(actions, i, a) {
        if (!stack_str(a, "JobName") == !stack_str(a, "CrawlerName"))
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "%s: Actions[%zu] must name either a JobName or a "
                                  "CrawlerName", c->what, i);
    }
    return TARN_OK;
}

static int trigger_check(const stack_rctx *c, const json_t *props, tarn_error *err)
{
    static const char *const types[] = {"ON_DEMAND", "CONDITIONAL", "SCHEDULED", NULL};
    static const char *const logicals[] = {"AND", "ANY", NULL};
    const char *type = stack_str(props, "Type");
    if (type && strcmp(type, "EVENT") == 0)
        return tarn_error_set(err, TARN_ERR_UNSUPPORTED,
                              "%s: EVENT triggers (EventBridge) are not supported in tarn; use "
                              "ON_DEMAND, CONDITIONAL or SCHEDULED", c->what);
    int rc = stack_enum_check(type, types, c->what, "Type", err);
    if (!rc)
        rc = stack_enum_check(stack_str(stack_path(props, "Predicate"), "Logical"), logicals,
                              c->what, "Predicate.Logical", err);
    if (!rc && strcmp(type, "SCHEDULED") == 0 && !stack_str(props, "Schedule"))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: a SCHEDULED trigger needs Schedule (cron(...))", c->what);
    const json_t *conds = stack_path(props, "Predicate.Conditions");
    if (!rc && strcmp(type, "CONDITIONAL") == 0 && json_array_size(conds) == 0)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: a CONDITIONAL trigger needs Predicate.Conditions", c->what);
    for (size_t i = 0; !rc && i < json_array_size(conds); i++)
        rc = condition_check(c, json_array_get(conds, i), i, err);
    if (!rc)
        rc = actions_check(c, json_object_get(props, "Actions"), err);
    return rc;
}

/* TARN_OK if a row of table named name exists, else NOTFOUND naming what. */
static int must_exist(const stack_rctx *c, const char *table, const char *what,
                      const char *name, tarn_error *err)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE name = ?", table);
    int found = stack_sql_exists(c->cat, sql, &name, 1, err);
    if (found < 0)
        return -found;
    if (!found)
        return tarn_error_set(err, TARN_ERR_NOTFOUND,
                              "EntityNotFoundException: %s '%s' does not exist; deploy the "
                              "stack that declares it first", what, name);
    return TARN_OK;
}

/* Every job and crawler that list's objects name must exist. */
static int names_exist(const stack_rctx *c, const json_t *list, tarn_error *err)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        const char *job = stack_str(e, "JobName"), *crawler = stack_str(e, "CrawlerName");
        int rc = job ? must_exist(c, "jobs", "job", job, err) : TARN_OK;
        if (!rc && crawler)
            rc = must_exist(c, "crawlers", "crawler", crawler, err);
        if (rc)
            return rc;
    }
    return TARN_OK;
}

static int trigger_refs_check(const stack_rctx *c, const json_t *props, tarn_error *err)
{
    const char *wf = stack_str(props, "WorkflowName");
    int rc = wf ? must_exist(c, "workflows", "workflow", wf, err) : TARN_OK;
    if (!rc)
        rc = names_exist(c, stack_path(props, "Predicate.Conditions"), err);
    if (!rc)
        rc = names_exist(c, json_object_get(props, "Actions"), err);
    return rc;
}

static int trigger_put(const stack_rctx *c, const char *name, const json_t *props, bool replace,
                       tarn_error *err)
{
    int rc = trigger_refs_check(c, props, err);
    if (rc)
        return rc;
    const char *type = stack_str(props, "Type");
    bool start = json_is_true(json_object_get(props, "StartOnCreation"));
    const char *state = strcmp(type, "ON_DEMAND") != 0 && start ? "ACTIVATED" : "CREATED";
    char *pred = stack_json_text(json_object_get(props, "Predicate"), "{}");
    char *actions = stack_json_text(json_object_get(props, "Actions"), "[]");
    char now[32];
    now_text(now, sizeof now);
    const char *args[] = {name, stack_str(props, "WorkflowName"), type, state,
                          stack_str(props, "Schedule"), pred, actions,
                          stack_str(props, "Description"), start ? "1" : "0", now};
    const char *sql = replace
        ? "UPDATE triggers SET workflow_name = ?2, type = ?3, state = ?4, schedule = ?5, "
          "predicate = ?6, actions = ?7, description = ?8, "
          "start_on_creation = CAST(?9 AS INTEGER), update_time = CAST(?10 AS INTEGER) "
          "WHERE name = ?1"
        : "INSERT INTO triggers (name, workflow_name, type, state, schedule, predicate, "
          "actions, description, start_on_creation, create_time, update_time) VALUES "
          "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, CAST(?9 AS INTEGER), CAST(?10 AS INTEGER), "
          "CAST(?10 AS INTEGER))";
    rc = replace ? TARN_OK : stack_name_free(c->cat, "triggers", "trigger", name, err);
    if (!rc)
        rc = stack_sql_exec(c->cat, sql, args, 10, err);
    free(pred);
    free(actions);
    return rc;
}

static int trigger_remove(const stack_rctx *c, const char *name, bool force, tarn_error *err)
{
    (void)force;
    const char *args[] = {name};
    return stack_sql_exec(c->cat, "DELETE FROM triggers WHERE name = ?", args, 1, err);
}

const stack_provider stack_provider_trigger = {
    "AWS::Glue::Trigger", trigger_props, "Name", false, trigger_check, stack_no_attrs,
    trigger_put, trigger_remove, NULL,
};
