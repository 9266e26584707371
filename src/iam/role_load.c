/*
** role_load.c: roles as catalog.db stores them (AWS::IAM::Role deployed by
** a stack), built into evaluable tarn_iam_role values, and the S3 access
** check that jobs and crawlers run every object access through.
*/
#include "iam/iam.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"

/* The role name inside name_or_arn: the text after the last '/' of an IAM
** role ARN, else name_or_arn itself. */
static const char *role_name_of(const char *name_or_arn)
{
    if (strncmp(name_or_arn, "arn:", 4) != 0 || !strstr(name_or_arn, ":role/"))
        return name_or_arn;
    return strrchr(name_or_arn, '/') + 1;
}

/* The managed ARNs of a stored role (a JSON array of strings) as a
** malloc'd vector of borrowed strings from *doc (which the caller
** json_decref()s). */
static int managed_list(const char *json, json_t **doc, const char ***arns, size_t *n,
                        tarn_error *err)
{
    json_error_t je;
    *doc = json_loads(json ? json : "[]", 0, &je);
    if (!*doc || !json_is_array(*doc))
        return tarn_error_set(err, TARN_ERR_CORRUPT,
                              "catalog.db: a role's managed policy list is not a JSON array");
    *n = json_array_size(*doc);
    *arns = tarn_xcalloc(*n ? *n : 1, sizeof **arns);
    for (size_t i = 0; i < *n; i++) {
        (*arns)[i] = json_string_value(json_array_get(*doc, i));
        if (!(*arns)[i])
            return tarn_error_set(err, TARN_ERR_CORRUPT,
                                  "catalog.db: a role's managed policy ARN is not a string");
    }
    return TARN_OK;
}

int tarn_iam_role_load(tarn_catalog *cat, const char *name_or_arn, tarn_iam_role **out,
                       tarn_error *err)
{
    *out = NULL;
    if (!name_or_arn || !*name_or_arn)
        return tarn_error_set(err, TARN_ERR_NOTFOUND, "no role given; name the role (or its "
                              "ARN) in the Role property");
    const char *name = role_name_of(name_or_arn);
    tarn_cat_role r = {0};
    int rc = tarn_catalog_role_get(cat, name, &r, err);
    if (rc == TARN_ERR_NOTFOUND)
        return tarn_error_set(err, TARN_ERR_NOTFOUND,
                              "role '%s' does not exist; deploy the stack that declares it "
                              "(tarn stack deploy) or fix the Role property",
                              name);
    if (rc)
        return rc;
    json_t *doc = NULL;
    const char **arns = NULL;
    size_t n = 0;
    rc = managed_list(r.managed_arns, &doc, &arns, &n, err);
    if (!rc)
        rc = tarn_iam_role_create(r.name, r.trust_policy, r.inline_policies, arns, n, out, err);
    free(arns);
    json_decref(doc);
    tarn_cat_role_free(&r);
    return rc;
}

int tarn_iam_s3_allow(void *ud, const char *action, const char *bucket, const char *key,
                      tarn_error *err)
{
    const tarn_iam_role *role = ud;
    char arn[1200];
    bool list = strcmp(action, "s3:ListBucket") == 0;
    tarn_iam_s3_arn(bucket, list ? NULL : key, arn, sizeof arn);
    const char *prefix = key ? key : "";
    const tarn_iam_context_entry entry = {"s3:prefix", &prefix, 1};
    const tarn_iam_context ctx = {&entry, list ? 1u : 0u};
    return tarn_iam_check(role, action, arn, &ctx, err);
}
