/*
** provider_athena.c: AWS::Athena::WorkGroup as a row of catalog.db's
** workgroups table, which query/ reads: output_location,
** bytes_scanned_cutoff, enforce_config, state, and configuration (the whole
** WorkGroupConfiguration as JSON). Ref is the workgroup's name.
*/
#include "stack/deploy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CUTOFF_MIN 10000000 /* Athena's smallest BytesScannedCutoffPerQuery */

static const stack_prop result_cfg[] = {
    {"OutputLocation", SP_STR, false, NULL},
    {"EncryptionConfiguration", SP_ANY, false, NULL},
    {"ExpectedBucketOwner", SP_STR, false, NULL},
    {"AclConfiguration", SP_ANY, false, NULL},
    {0},
};
static const stack_prop engine[] = {
    {"SelectedEngineVersion", SP_STR, false, NULL},
    {"EffectiveEngineVersion", SP_STR, false, NULL},
    {0},
};
static const stack_prop wg_cfg[] = {
    {"ResultConfiguration", SP_OBJ, false, result_cfg},
    {"BytesScannedCutoffPerQuery", SP_INT, false, NULL},
    {"EnforceWorkGroupConfiguration", SP_BOOL, false, NULL},
    {"PublishCloudWatchMetricsEnabled", SP_BOOL, false, NULL},
    {"RequesterPaysEnabled", SP_BOOL, false, NULL},
    {"EngineVersion", SP_OBJ, false, engine},
    {"AdditionalConfiguration", SP_STR, false, NULL},
    {"ExecutionRole", SP_STR, false, NULL},
    {"CustomerContentEncryptionConfiguration", SP_ANY, false, NULL},
    {0},
};
static const stack_prop wg_props[] = {
    {"Name", SP_STR, true, NULL},
    {"Description", SP_STR, false, NULL},
    {"State", SP_STR, false, NULL},
    {"WorkGroupConfiguration", SP_OBJ, false, wg_cfg},
    {"RecursiveDeleteOption", SP_BOOL, false, NULL},
    {"Tags", SP_ANY, false, NULL},
    {0},
};

static int wg_check(const stack_rctx *c, const json_t *props, tarn_error *err)
{
    static const char *const states[] = {"ENABLED", "DISABLED", NULL};
    int rc = stack_enum_check(stack_str(props, "State"), states, c->what, "State", err);
    const json_t *cut = stack_path(props, "WorkGroupConfiguration.BytesScannedCutoffPerQuery");
    if (!rc && cut && json_integer_value(cut) < CUTOFF_MIN)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: WorkGroupConfiguration.BytesScannedCutoffPerQuery is %lld; "
                              "Athena requires at least %d bytes",
                              c->what, (long long)json_integer_value(cut), CUTOFF_MIN);
    const char *out = stack_str(stack_path(props, "WorkGroupConfiguration.ResultConfiguration"),
                                "OutputLocation");
    if (!rc && out && !tarn_is_s3_uri(out))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: ResultConfiguration.OutputLocation '%s' must be an s3:// "
                              "address", c->what, out);
    return rc;
}

static int wg_put(const stack_rctx *c, const char *name, const json_t *props, bool replace,
                  tarn_error *err)
{
    const json_t *cfg = json_object_get(props, "WorkGroupConfiguration");
    char *cfg_text = stack_json_text(cfg, "{}");
    char *cutoff = stack_scalar_opt(json_object_get(cfg, "BytesScannedCutoffPerQuery"));
    const char *state = stack_str(props, "State");
    char now[32];
    snprintf(now, sizeof now, "%lld", (long long)tarn_catalog_now_ms());
    const char *args[] = {name, stack_str(props, "Description"), state ? state : "ENABLED",
                          stack_str(stack_path(cfg, "ResultConfiguration"), "OutputLocation"),
                          cutoff,
                          json_is_true(json_object_get(cfg, "EnforceWorkGroupConfiguration"))
                              ? "1" : "0",
                          cfg_text, now};
    const char *sql = replace
        ? "UPDATE workgroups SET description = ?2, state = ?3, output_location = ?4, "
          "bytes_scanned_cutoff = CAST(?5 AS INTEGER), enforce_config = CAST(?6 AS INTEGER), "
          "configuration = ?7 WHERE name = ?1"
        : "INSERT INTO workgroups (name, description, state, output_location, "
          "bytes_scanned_cutoff, enforce_config, configuration, create_time) VALUES (?1, ?2, "
          "?3, ?4, CAST(?5 AS INTEGER), CAST(?6 AS INTEGER), ?7, CAST(?8 AS INTEGER))";
    int rc = replace ? TARN_OK : stack_name_free(c->cat, "workgroups", "workgroup", name, err);
    if (!rc)
        rc = stack_sql_exec(c->cat, sql, args, replace ? 7 : 8, err);
    free(cfg_text);
    free(cutoff);
    return rc;
}

static int wg_remove(const stack_rctx *c, const char *name, bool force, tarn_error *err)
{
    (void)force;
    const char *args[] = {name};
    return stack_sql_exec(c->cat, "DELETE FROM workgroups WHERE name = ?", args, 1, err);
}

const stack_provider stack_provider_workgroup = {
    "AWS::Athena::WorkGroup", wg_props, "Name", false, wg_check, stack_no_attrs,
    wg_put, wg_remove, NULL,
};
