/*
** provider_iam.c: AWS::IAM::Role. The role is built with iam.h's
** tarn_iam_role_create when the template is checked (so a bad policy or an
** unknown managed policy ARN fails before anything changes) and stored
** with tarn_catalog_role_put. Ref is the role name; Arn is
** arn:aws:iam::<account>:role<Path><Name>; RoleId a generated AROA... id.
*/
#include "stack/deploy_int.h"

#include "iam/iam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const stack_prop policy[] = {
    {"PolicyName", SP_STR, true, NULL},
    {"PolicyDocument", SP_ANY, true, NULL},
    {0},
};
static const stack_prop tag[] = {{"Key", SP_STR, true, NULL}, {"Value", SP_STR, true, NULL}, {0}};

static const stack_prop role_props[] = {
    {"RoleName", SP_STR, false, NULL},
    {"Path", SP_STR, false, NULL},
    {"AssumeRolePolicyDocument", SP_ANY, true, NULL},
    {"Policies", SP_OBJS, false, policy},
    {"ManagedPolicyArns", SP_STRS, false, NULL},
    {"Description", SP_STR, false, NULL},
    {"MaxSessionDuration", SP_INT, false, NULL},
    {"PermissionsBoundary", SP_STR, false, NULL},
    {"Tags", SP_OBJS, false, tag},
    {0},
};

/* The role's pieces as JSON text (malloc'd) and its managed ARNs. */
typedef struct role_parts {
    char *trust, *inline_policies;
    const char **managed;
    size_t nmanaged;
} role_parts;

static void parts_make(const json_t *props, role_parts *p)
{
    const json_t *trust = json_object_get(props, "AssumeRolePolicyDocument");
    if (json_is_string(trust))
        p->trust = tarn_xstrdup(json_string_value(trust));
    else
        p->trust = stack_json_text(trust, "{}");
    p->inline_policies = stack_json_text(json_object_get(props, "Policies"), "[]");
    const json_t *arns = json_object_get(props, "ManagedPolicyArns");
    p->nmanaged = json_array_size(arns);
    p->managed = tarn_xcalloc(p->nmanaged + 1, sizeof *p->managed);
    for (size_t i = 0; i < p->nmanaged; i++)
        p->managed[i] = json_string_value(json_array_get(arns, i));
}

static void parts_free(role_parts *p)
{
    free(p->trust);
    free(p->inline_policies);
    free(p->managed);
}

static int role_check(const stack_rctx *c, const json_t *props, tarn_error *err)
{
    const char *path = stack_str(props, "Path");
    if (path && (path[0] != '/' || path[strlen(path) - 1] != '/'))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: Path '%s' must begin and end with '/'", c->what, path);
    json_int_t d = json_integer_value(json_object_get(props, "MaxSessionDuration"));
    if (json_object_get(props, "MaxSessionDuration") && (d < 3600 || d > 43200))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: MaxSessionDuration must be 3600 to 43200 seconds", c->what);
    role_parts p = {0};
    parts_make(props, &p);
    tarn_iam_role *role = NULL;
    int rc = tarn_iam_role_create(c->logical_id, p.trust, p.inline_policies, p.managed,
                                  p.nmanaged, &role, err);
    tarn_iam_role_free(role);
    parts_free(&p);
    if (rc)
        tarn_error_prefix(err, "%s: ", c->what);
    return rc;
}

static json_t *role_attrs(const stack_rctx *c, const char *name, const json_t *props,
                          const json_t *prev)
{
    const char *path = stack_str(props, "Path");
    char arn[512];
    snprintf(arn, sizeof arn, "arn:aws:iam::%s:role%s%s", c->account, path ? path : "/", name);
    const char *id = stack_str(prev, "RoleId");
    char gen[32];
    if (!id) {
        char suffix[18] = "XXXXXXXXXXXXXXXXX"; /* kept if no randomness */
        stack_random_suffix(suffix, 17, &(tarn_error){0});
        snprintf(gen, sizeof gen, "AROA%s", suffix);
        id = gen;
    }
    return json_pack("{s:s, s:s}", "Arn", arn, "RoleId", id);
}

static int role_put(const stack_rctx *c, const char *name, const json_t *props, bool replace,
                    tarn_error *err)
{
    role_parts p = {0};
    parts_make(props, &p);
    json_t *attrs = role_attrs(c, name, props, NULL);
    char *managed = stack_json_text(json_object_get(props, "ManagedPolicyArns"), "[]");
    tarn_cat_role r = {
        .name = (char *)name,
        .arn = (char *)stack_str(attrs, "Arn"),
        .description = (char *)stack_str(props, "Description"),
        .trust_policy = p.trust,
        .inline_policies = p.inline_policies,
        .managed_arns = managed,
    };
    int rc = tarn_catalog_role_put(c->cat, &r, replace, err);
    free(managed);
    json_decref(attrs);
    parts_free(&p);
    return rc;
}

static int role_remove(const stack_rctx *c, const char *name, bool force, tarn_error *err)
{
    (void)force;
    int rc = tarn_catalog_role_delete(c->cat, name, err);
    return rc == TARN_ERR_NOTFOUND ? TARN_OK : rc;
}

const stack_provider stack_provider_role = {
    "AWS::IAM::Role", role_props, "RoleName", false, role_check, role_attrs,
    role_put, role_remove, NULL,
};
