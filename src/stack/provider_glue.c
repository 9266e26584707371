/*
** provider_glue.c: AWS::Glue::Job (tarn_catalog_job_put), AWS::Glue::Database
** (tarn_catalog_database_create; deleting cascades its tables, as Glue) and
** AWS::Glue::Crawler (tarn_crawler_put from crawl.h, then the crawlers
** row's description, schedule and classifiers). Ref of each is its name.
*/
#include "stack/deploy_int.h"

#include "crawl/crawl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- AWS::Glue::Job ---- */

static const stack_prop command[] = {
    {"Name", SP_STR, true, NULL},
    {"ScriptLocation", SP_STR, false, NULL},
    {"PythonVersion", SP_STR, false, NULL},
    {"Runtime", SP_STR, false, NULL},
    {0},
};
static const stack_prop exec_prop[] = {{"MaxConcurrentRuns", SP_INT, false, NULL}, {0}};
static const stack_prop notify_prop[] = {{"NotifyDelayAfter", SP_INT, false, NULL}, {0}};
static const stack_prop connections[] = {{"Connections", SP_STRS, false, NULL}, {0}};

static const stack_prop job_props[] = {
    {"Name", SP_STR, false, NULL},
    {"Command", SP_OBJ, true, command},
    {"Role", SP_STR, true, NULL},
    {"DefaultArguments", SP_STRMAP, false, NULL},
    {"NonOverridableArguments", SP_STRMAP, false, NULL},
    {"Timeout", SP_INT, false, NULL},
    {"MaxRetries", SP_INT, false, NULL},
    {"ExecutionProperty", SP_OBJ, false, exec_prop},
    {"Description", SP_STR, false, NULL},
    {"GlueVersion", SP_STR, false, NULL},
    {"MaxCapacity", SP_NUM, false, NULL},
    {"AllocatedCapacity", SP_NUM, false, NULL},
    {"WorkerType", SP_STR, false, NULL},
    {"NumberOfWorkers", SP_INT, false, NULL},
    {"Tags", SP_ANY, false, NULL},
    {"LogUri", SP_STR, false, NULL},
    {"SecurityConfiguration", SP_STR, false, NULL},
    {"Connections", SP_OBJ, false, connections},
    {"NotificationProperty", SP_OBJ, false, notify_prop},
    {"ExecutionClass", SP_STR, false, NULL},
    {"MaintenanceWindow", SP_STR, false, NULL},
    {"JobMode", SP_STR, false, NULL},
    {0},
};

static int job_check(const stack_rctx *c, const json_t *props, tarn_error *err)
{
    const char *cmd = stack_str(stack_path(props, "Command"), "Name");
    const char *script = stack_str(stack_path(props, "Command"), "ScriptLocation");
    if (cmd && (strcmp(cmd, "glueetl") == 0 || strcmp(cmd, "gluestreaming") == 0))
        return tarn_error_set(err, TARN_ERR_UNSUPPORTED,
                              "%s: Command.Name '%s' is a Spark job, and Spark jobs do not run "
                              "in tarn; use the built-in tarn.clean or tarn.repartition, or a "
                              "pythonshell script", c->what, cmd);
    static const char *const cmds[] = {"tarn.extract", "tarn.clean", "tarn.repartition",
                                       "pythonshell", NULL};
    int rc = stack_enum_check(cmd, cmds, c->what, "Command.Name", err);
    if (rc)
        return rc;
    if (strcmp(cmd, "pythonshell") == 0 && (!script || strncmp(script, "s3://", 5) != 0))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: a pythonshell job needs Command.ScriptLocation, an s3:// "
                              "address of its script", c->what);
    json_int_t t = json_integer_value(json_object_get(props, "Timeout"));
    json_int_t r = json_integer_value(json_object_get(props, "MaxRetries"));
    json_int_t m = json_integer_value(stack_path(props, "ExecutionProperty.MaxConcurrentRuns"));
    if ((json_object_get(props, "Timeout") && t < 1) || r < 0 ||
        (stack_path(props, "ExecutionProperty.MaxConcurrentRuns") && m < 1))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: Timeout and ExecutionProperty.MaxConcurrentRuns must be at "
                              "least 1 and MaxRetries at least 0", c->what);
    return TARN_OK;
}

static int job_put(const stack_rctx *c, const char *name, const json_t *props, bool replace,
                   tarn_error *err)
{
    const json_t *cmd = json_object_get(props, "Command");
    char *args = stack_json_text(json_object_get(props, "DefaultArguments"), "{}");
    tarn_cat_job j = {
        .name = (char *)name,
        .command_name = (char *)stack_str(cmd, "Name"),
        .script_location = (char *)stack_str(cmd, "ScriptLocation"),
        .role = (char *)stack_str(props, "Role"),
        .description = (char *)stack_str(props, "Description"),
        .default_args = args,
        .timeout_minutes = json_integer_value(json_object_get(props, "Timeout")),
        .max_retries = json_integer_value(json_object_get(props, "MaxRetries")),
        .max_concurrent_runs =
            json_integer_value(stack_path(props, "ExecutionProperty.MaxConcurrentRuns")),
    };
    int rc = tarn_catalog_job_put(c->cat, &j, replace, err);
    free(args);
    return rc;
}

static int job_remove(const stack_rctx *c, const char *name, bool force, tarn_error *err)
{
    (void)force;
    int rc = tarn_catalog_job_delete(c->cat, name, err);
    return rc == TARN_ERR_NOTFOUND ? TARN_OK : rc;
}

const stack_provider stack_provider_job = {
    "AWS::Glue::Job", job_props, "Name", false, job_check, stack_no_attrs,
    job_put, job_remove, NULL,
};

/* ---- AWS::Glue::Database ---- */

static const stack_prop db_input[] = {
    {"Name", SP_STR, false, NULL},
    {"Description", SP_STR, false, NULL},
    {"LocationUri", SP_STR, false, NULL},
    {"Parameters", SP_STRMAP, false, NULL},
    {"CreateTableDefaultPermissions", SP_ANY, false, NULL},
    {"TargetDatabase", SP_ANY, false, NULL},
    {"FederatedDatabase", SP_ANY, false, NULL},
    {0},
};
static const stack_prop db_props[] = {
    {"CatalogId", SP_STR, true, NULL},
    {"DatabaseInput", SP_OBJ, true, db_input},
    {"DatabaseName", SP_STR, false, NULL},
    {0},
};

static int db_check(const stack_rctx *c, const json_t *props, tarn_error *err)
{
    (void)c, (void)props, (void)err;
    return TARN_OK;
}

static int db_put(const stack_rctx *c, const char *name, const json_t *props, bool replace,
                  tarn_error *err)
{
    const json_t *in = json_object_get(props, "DatabaseInput");
    char *params = stack_json_text(json_object_get(in, "Parameters"), "{}");
    const char *desc = stack_str(in, "Description"), *loc = stack_str(in, "LocationUri");
    int rc;
    if (replace) {
        const char *args[] = {desc, loc, params, name};
        rc = stack_sql_exec(c->cat,
                            "UPDATE databases SET description = ?, location = ?, parameters = ? "
                            "WHERE name = lower(?)",
                            args, 4, err);
    } else {
        rc = tarn_catalog_database_create(c->cat, name, desc, loc, params, err);
    }
    free(params);
    return rc;
}

static int db_remove(const stack_rctx *c, const char *name, bool force, tarn_error *err)
{
    (void)force;
    int rc = tarn_catalog_database_delete(c->cat, name, true, err);
    return rc == TARN_ERR_NOTFOUND ? TARN_OK : rc;
}

const stack_provider stack_provider_database = {
    "AWS::Glue::Database", db_props, "DatabaseInput.Name", true, db_check, stack_no_attrs,
    db_put, db_remove, NULL,
};

/* ---- AWS::Glue::Crawler ---- */

static const stack_prop s3_target[] = {
    {"Path", SP_STR, true, NULL},
    {"Exclusions", SP_STRS, false, NULL},
    {"SampleSize", SP_INT, false, NULL},
    {"ConnectionName", SP_STR, false, NULL},
    {"EventQueueArn", SP_STR, false, NULL},
    {"DlqEventQueueArn", SP_STR, false, NULL},
    {0},
};
static const stack_prop targets[] = {
    {"S3Targets", SP_OBJS, false, s3_target},
    {0},
};
static const stack_prop scp[] = {
    {"UpdateBehavior", SP_STR, false, NULL},
    {"DeleteBehavior", SP_STR, false, NULL},
    {0},
};
static const stack_prop recrawl[] = {{"RecrawlBehavior", SP_STR, false, NULL}, {0}};
static const stack_prop schedule[] = {{"ScheduleExpression", SP_STR, false, NULL}, {0}};

static const stack_prop crawler_props[] = {
    {"Name", SP_STR, false, NULL},
    {"Role", SP_STR, true, NULL},
    {"DatabaseName", SP_STR, false, NULL},
    {"Targets", SP_OBJ, true, targets},
    {"TablePrefix", SP_STR, false, NULL},
    {"SchemaChangePolicy", SP_OBJ, false, scp},
    {"RecrawlPolicy", SP_OBJ, false, recrawl},
    {"Configuration", SP_STR, false, NULL},
    {"Schedule", SP_OBJ, false, schedule},
    {"Description", SP_STR, false, NULL},
    {"Classifiers", SP_STRS, false, NULL},
    {"CrawlerSecurityConfiguration", SP_STR, false, NULL},
    {"LakeFormationConfiguration", SP_ANY, false, NULL},
    {"Tags", SP_ANY, false, NULL},
    {0},
};

/* A crawler config over props (borrowed) and the arrays it needs. */
typedef struct crawler_build {
    tarn_crawler_config cfg;
    tarn_crawl_target *targets;
    const char **excl;
} crawler_build;

static void build_targets(const json_t *props, crawler_build *b)
{
    const json_t *list = stack_path(props, "Targets.S3Targets");
    size_t n = json_array_size(list), total = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        total += json_array_size(json_object_get(json_array_get(list, i), "Exclusions"));
    b->targets = tarn_xcalloc(n + 1, sizeof *b->targets);
    b->excl = tarn_xcalloc(total + 1, sizeof *b->excl);
    for (size_t i = 0; i < n; i++) {
        const json_t *t = json_array_get(list, i);
        const json_t *ex = json_object_get(t, "Exclusions");
        b->targets[i].path = stack_str(t, "Path");
        b->targets[i].exclusions = b->excl + k;
        b->targets[i].nexclusions = json_array_size(ex);
        for (size_t e = 0; e < json_array_size(ex); e++)
            b->excl[k++] = json_string_value(json_array_get(ex, e));
    }
    b->cfg.targets = b->targets;
    b->cfg.ntargets = n;
}

static int crawler_build_make(const json_t *props, const char *name, crawler_build *b,
                              tarn_error *err)
{
    memset(b, 0, sizeof *b);
    tarn_crawler_config_init(&b->cfg);
    b->cfg.name = name;
    b->cfg.role = stack_str(props, "Role");
    b->cfg.database = stack_str(props, "DatabaseName");
    b->cfg.table_prefix = stack_str(props, "TablePrefix");
    build_targets(props, b);
    const char *u = stack_str(stack_path(props, "SchemaChangePolicy"), "UpdateBehavior");
    const char *d = stack_str(stack_path(props, "SchemaChangePolicy"), "DeleteBehavior");
    const char *r = stack_str(stack_path(props, "RecrawlPolicy"), "RecrawlBehavior");
    int rc = TARN_OK;
    if (u)
        rc = tarn_crawl_update_parse(u, &b->cfg.update_behavior, err);
    if (!rc && d)
        rc = tarn_crawl_delete_parse(d, &b->cfg.delete_behavior, err);
    if (!rc && r)
        rc = tarn_crawl_recrawl_parse(r, &b->cfg.recrawl, err);
    if (!rc)
        rc = tarn_crawl_configuration_parse(stack_str(props, "Configuration"), &b->cfg, err);
    if (!rc)
        rc = tarn_crawl_config_check(&b->cfg, err);
    return rc;
}

static void crawler_build_free(crawler_build *b)
{
    free(b->targets);
    free(b->excl);
}

static int crawler_check(const stack_rctx *c, const json_t *props, tarn_error *err)
{
    if (!stack_str(props, "DatabaseName"))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: required property 'DatabaseName' is missing", c->what);
    crawler_build b;
    int rc = crawler_build_make(props, c->logical_id, &b, err);
    crawler_build_free(&b);
    if (rc)
        tarn_error_prefix(err, "%s: ", c->what);
    return rc;
}

static int crawler_db_exists(const stack_rctx *c, const char *db, tarn_error *err)
{
    tarn_cat_database d = {0};
    int rc = tarn_catalog_database_get(c->cat, db, &d, err);
    tarn_cat_database_free(&d);
    if (rc == TARN_ERR_NOTFOUND)
        return tarn_error_set(err, TARN_ERR_NOTFOUND,
                              "database '%s' does not exist; create it first (an "
                              "AWS::Glue::Database resource, or the stack that declares it)",
                              db);
    return rc;
}

static int crawler_put(const stack_rctx *c, const char *name, const json_t *props, bool replace,
                       tarn_error *err)
{
    crawler_build b;
    int rc = crawler_build_make(props, name, &b, err);
    if (!rc)
        rc = crawler_db_exists(c, b.cfg.database, err);
    if (!rc)
        rc = tarn_crawler_put(c->cat, &b.cfg, replace, err);
    crawler_build_free(&b);
    if (rc)
        return rc;
    char *classifiers = stack_json_text(json_object_get(props, "Classifiers"), "[]");
    const char *args[] = {stack_str(props, "Description"),
                          stack_str(stack_path(props, "Schedule"), "ScheduleExpression"),
                          classifiers, name};
    rc = stack_sql_exec(c->cat,
                        "UPDATE crawlers SET description = ?, schedule = ?, classifiers = ? "
                        "WHERE name = ?",
                        args, 4, err);
    free(classifiers);
    return rc;
}

static int crawler_remove(const stack_rctx *c, const char *name, bool force, tarn_error *err)
{
    (void)force;
    int rc = tarn_crawler_delete(c->cat, name, err);
    return rc == TARN_ERR_NOTFOUND ? TARN_OK : rc;
}

const stack_provider stack_provider_crawler = {
    "AWS::Glue::Crawler", crawler_props, "Name", false, crawler_check, stack_no_attrs,
    crawler_put, crawler_remove, NULL,
};
