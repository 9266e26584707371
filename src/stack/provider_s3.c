/*
** provider_s3.c: AWS::S3::Bucket. A bucket in the object store (store.h)
** and a row in catalog.db's buckets table naming the owning stack. A
** bucket that exists and is not this stack's is BucketAlreadyExists;
** deleting one that holds objects is BucketNotEmpty unless forced. Also the
** table of providers (stack_provider_find).
*/
#include "stack/deploy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const stack_prop tag[] = {{"Key", SP_STR, true, NULL}, {"Value", SP_STR, true, NULL}, {0}};

static const stack_prop bucket_props[] = {
    {"BucketName", SP_STR, false, NULL},
    {"Tags", SP_OBJS, false, tag},
    {"AccessControl", SP_STR, false, NULL},
    {"BucketEncryption", SP_ANY, false, NULL},
    {"VersioningConfiguration", SP_ANY, false, NULL},
    {"PublicAccessBlockConfiguration", SP_ANY, false, NULL},
    {"LifecycleConfiguration", SP_ANY, false, NULL},
    {"OwnershipControls", SP_ANY, false, NULL},
    {"CorsConfiguration", SP_ANY, false, NULL},
    {"NotificationConfiguration", SP_ANY, false, NULL},
    {"LoggingConfiguration", SP_ANY, false, NULL},
    {"ObjectLockEnabled", SP_BOOL, false, NULL},
    {"ObjectLockConfiguration", SP_ANY, false, NULL},
    {"IntelligentTieringConfigurations", SP_ANY, false, NULL},
    {"MetricsConfigurations", SP_ANY, false, NULL},
    {"InventoryConfigurations", SP_ANY, false, NULL},
    {"AnalyticsConfigurations", SP_ANY, false, NULL},
    {"ReplicationConfiguration", SP_ANY, false, NULL},
    {"WebsiteConfiguration", SP_ANY, false, NULL},
    {"AccelerateConfiguration", SP_ANY, false, NULL},
    {0},
};

static int bucket_check(const stack_rctx *c, const json_t *props, tarn_error *err)
{
    const char *name = stack_str(props, "BucketName");
    if (!name)
        return TARN_OK;
    int rc = tarn_bucket_name_check(name, err);
    if (rc)
        tarn_error_prefix(err, "%s: BucketName: ", c->what);
    return rc;
}

static json_t *bucket_attrs(const stack_rctx *c, const char *name, const json_t *props,
                            const json_t *prev)
{
    (void)c, (void)props, (void)prev;
    char arn[128], domain[128], regional[160];
    snprintf(arn, sizeof arn, "arn:aws:s3:::%s", name);
    snprintf(domain, sizeof domain, "%s.s3.amazonaws.com", name);
    snprintf(regional, sizeof regional, "%s.s3.%s.amazonaws.com", name,
             TARN_STACK_DEFAULT_REGION);
    return json_pack("{s:s, s:s, s:s, s:s}", "Arn", arn, "DomainName", domain,
                     "RegionalDomainName", regional, "DualStackDomainName", domain);
}

/* 1 if bucket name exists in the store or catalog and is not this
** stack's, 0 if it is free or this stack's, or a negated error. */
static int foreign(const stack_rctx *c, const char *name, tarn_error *err)
{
    const char *args[] = {name, c->stack_name};
    int other = stack_sql_exists(c->cat,
                                 "SELECT 1 FROM buckets WHERE name = ? AND "
                                 "(stack_name IS NULL OR stack_name != ?)", args, 2, err);
    if (other)
        return other;
    int ours = stack_sql_exists(c->cat, "SELECT 1 FROM buckets WHERE name = ? AND "
                                        "stack_name = ?", args, 2, err);
    if (ours < 0)
        return ours;
    return !ours && tarn_bucket_exists(c->st, name);
}

/* Create the bucket (unless it is there, being this stack's) and its row.
** replace only says the stack had it already: the same either way. */
static int bucket_put(const stack_rctx *c, const char *name, const json_t *props, bool replace,
                      tarn_error *err)
{
    (void)replace;
    int f = foreign(c, name, err);
    if (f < 0)
        return -f;
    if (f)
        return tarn_error_set(err, TARN_ERR_EXISTS,
                              "BucketAlreadyExists: bucket '%s' already exists and is not "
                              "this stack's; choose another BucketName or delete it", name);
    bool created = !tarn_bucket_exists(c->st, name);
    int rc = created ? tarn_bucket_create(c->st, name, err) : TARN_OK;
    if (rc)
        return rc;
    char *text = stack_json_text(props, "{}");
    char now[32];
    snprintf(now, sizeof now, "%lld", (long long)tarn_catalog_now_ms());
    const char *args[] = {name, c->stack_name, text, now};
    rc = stack_sql_exec(c->cat,
                        "INSERT INTO buckets (name, stack_name, properties, create_time) "
                        "VALUES (?1, ?2, ?3, CAST(?4 AS INTEGER)) ON CONFLICT(name) DO UPDATE "
                        "SET properties = ?3",
                        args, 4, err);
    free(text);
    if (rc && created)
        tarn_bucket_delete(c->st, name, false, &(tarn_error){0});
    return rc;
}

static int bucket_precheck(const stack_rctx *c, const char *name, bool force, tarn_error *err)
{
    if (force || !tarn_bucket_exists(c->st, name))
        return TARN_OK;
    tarn_list_request req = {0};
    req.max_keys = 1;
    tarn_list_page page = {0};
    int rc = tarn_object_list(c->st, name, &req, &page, err);
    if (rc)
        return rc;
    bool empty = page.nobjects == 0 && page.nprefixes == 0;
    tarn_list_page_free(&page);
    if (!empty)
        return tarn_error_set(err, TARN_ERR_NOTEMPTY,
                              "BucketNotEmpty: bucket '%s' still holds objects; empty it "
                              "(tarn s3 rm s3://%s --recursive) or delete with --force",
                              name, name);
    return TARN_OK;
}

static int bucket_remove(const stack_rctx *c, const char *name, bool force, tarn_error *err)
{
    int rc = bucket_precheck(c, name, force, err);
    if (!rc && tarn_bucket_exists(c->st, name))
        rc = tarn_bucket_delete(c->st, name, force, err);
    if (rc)
        return rc;
    const char *args[] = {name};
    return stack_sql_exec(c->cat, "DELETE FROM buckets WHERE name = ?", args, 1, err);
}

const stack_provider stack_provider_bucket = {
    "AWS::S3::Bucket", bucket_props, "BucketName", true, bucket_check, bucket_attrs,
    bucket_put, bucket_remove, bucket_precheck,
};

/* ---- the table of providers ---- */

static const stack_provider *const providers[] = {
    &stack_provider_bucket,   &stack_provider_role,    &stack_provider_job,
    &stack_provider_database, &stack_provider_crawler, &stack_provider_workflow,
    &stack_provider_trigger,  &stack_provider_workgroup,
};
#define NPROVIDERS (sizeof providers / sizeof providers[0])

const char *const *tarn_stack_resource_types(void)
{
    static const char *types[NPROVIDERS + 1];
    for (size_t i = 0; i < NPROVIDERS; i++)
        types[i] = providers[i]->type;
    return types;
}

const stack_provider *stack_provider_find(const char *type, const char *logical_id,
                                          tarn_error *err)
{
    char names[512];
    size_t len = 0;
    for (size_t i = 0; i < NPROVIDERS; i++) {
        if (strcmp(providers[i]->type, type) == 0)
            return providers[i];
        len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "",
                                providers[i]->type);
    }
    tarn_error_set(err, TARN_ERR_UNSUPPORTED,
                   "resource %s: unsupported resource type '%s'; supported types: %s",
                   logical_id, type, names);
    return NULL;
}
