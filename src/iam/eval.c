/*
** eval.c: roles and policy evaluation (iam.h): building a role from its
** trust policy, inline policies and managed ARNs; deciding a request
** (explicit Deny, then Allow, else implicit deny) and naming the statement
** that decided; the trust check for a service principal; the AccessDenied
** message. Parsing is in policy.c and condition.c, managed policies in
** managed.c.
*/
#include "iam/iam_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* True if any pattern of l matches s with fn. */
static bool any_match(const iam_strlist *l, const char *s, bool (*fn)(const char *, const char *))
{
    for (size_t i = 0; i < l->n; i++)
        if (fn(l->v[i], s))
            return true;
    return false;
}

/* True if statement st applies to (action, resource) in ctx. */
static bool statement_applies(const iam_statement *st, const char *action, const char *resource,
                              const tarn_iam_context *ctx)
{
    if (any_match(&st->actions, action, iam_action_match) == st->not_action)
        return false;
    if (st->has_resource &&
        any_match(&st->resources, resource, iam_arn_match) == st->not_resource)
        return false;
    return iam_conditions_hold(st, ctx);
}

/* Record statement i of p as the decision with effect e. */
static void decide(tarn_iam_decision *d, tarn_iam_effect e, const tarn_iam_policy *p, size_t i)
{
    d->effect = e;
    d->allowed = e == TARN_IAM_ALLOW;
    snprintf(d->policy, sizeof d->policy, "%s", p->name);
    d->statement = i + 1;
    snprintf(d->sid, sizeof d->sid, "%s", p->st[i].sid ? p->st[i].sid : "");
}

/* A request action: "service:Action" with no wildcard. */
static int check_request(const char *action, const char *resource, tarn_error *err)
{
    const char *colon = action ? strchr(action, ':') : NULL;
    if (!colon || colon == action || !colon[1] || strpbrk(action, "*?"))
        return tarn_error_set(err, TARN_ERR_INVALID, "request action '%s' must be "
                              "'service:Action' without wildcards", action ? action : "");
    if (!resource || (strcmp(resource, "*") != 0 && !iam_is_arn(resource)))
        return tarn_error_set(err, TARN_ERR_INVALID, "request resource '%s' must be an ARN "
                              "(arn:aws:s3:::bucket/key) or '*'", resource ? resource : "");
    return TARN_OK;
}

int tarn_iam_policies_evaluate(tarn_iam_policy *const *policies, size_t n, const char *action,
                               const char *resource, const tarn_iam_context *ctx,
                               tarn_iam_decision *d, tarn_error *err)
{
    memset(d, 0, sizeof *d);
    int rc = check_request(action, resource, err);
    if (rc)
        return rc;
    bool allowed = false;
    for (size_t k = 0; k < n; k++) {
        const tarn_iam_policy *p = policies[k];
        for (size_t i = 0; i < p->n; i++) {
            if (!statement_applies(&p->st[i], action, resource, ctx))
                continue;
            if (p->st[i].deny) {
                decide(d, TARN_IAM_EXPLICIT_DENY, p, i);
                return TARN_OK;
            }
            if (!allowed)
                decide(d, TARN_IAM_ALLOW, p, i);
            allowed = true;
        }
    }
    return TARN_OK;
}

int tarn_iam_evaluate_ctx(const tarn_iam_role *role, const char *action, const char *resource,
                          const tarn_iam_context *ctx, tarn_iam_decision *d, tarn_error *err)
{
    return tarn_iam_policies_evaluate(role->policies, role->npolicies, action, resource, ctx, d,
                                      err);
}

int tarn_iam_evaluate(const tarn_iam_role *role, const char *action, const char *resource,
                      tarn_iam_decision *d)
{
    return tarn_iam_evaluate_ctx(role, action, resource, NULL, d, NULL);
}

/* True if the statement's Principal/NotPrincipal covers the service. */
static bool principal_covers(const iam_statement *st, const char *service)
{
    const iam_principal *p = &st->principal;
    bool hit = p->any;
    for (size_t i = 0; i < p->service.n && !hit; i++)
        hit = strcasecmp(p->service.v[i], service) == 0;
    return hit != st->not_principal;
}

bool tarn_iam_can_assume_ctx(const tarn_iam_role *role, const char *service,
                             const tarn_iam_context *ctx)
{
    if (!role->trust || !service)
        return false;
    bool allowed = false;
    for (size_t i = 0; i < role->trust->n; i++) {
        const iam_statement *st = &role->trust->st[i];
        if (any_match(&st->actions, "sts:AssumeRole", iam_action_match) == st->not_action)
            continue;
        if (!principal_covers(st, service) || !iam_conditions_hold(st, ctx))
            continue;
        if (st->deny)
            return false;
        allowed = true;
    }
    return allowed;
}

bool tarn_iam_can_assume(const tarn_iam_role *role, const char *service)
{
    return tarn_iam_can_assume_ctx(role, service, NULL);
}

/* Add a parsed policy to the role. */
static void add_policy(tarn_iam_role *role, tarn_iam_policy *p)
{
    role->policies = tarn_xrealloc(role->policies, (role->npolicies + 1) * sizeof *role->policies);
    role->policies[role->npolicies++] = p;
}

/* Parse one {"PolicyName", "PolicyDocument"} element (index i). */
static int parse_inline_one(const char *role, json_t *e, size_t i, tarn_iam_policy **out,
                            tarn_error *err)
{
    const char *name = json_string_value(json_object_get(e, "PolicyName"));
    json_t *doc = json_object_get(e, "PolicyDocument");
    if (!json_is_object(e) || !name || !*name || (!json_is_object(doc) && !json_is_string(doc)))
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: role '%s': inline "
                              "policy %zu needs PolicyName (a string) and PolicyDocument (an "
                              "object or a JSON string)", role, i + 1);
    char *text = json_is_string(doc) ? tarn_xstrdup(json_string_value(doc))
                                     : json_dumps(doc, JSON_COMPACT);
    if (!text)
        return tarn_error_set(err, TARN_ERR_NOMEM, "out of memory reading role '%s'", role);
    int rc = tarn_iam_policy_parse(name, text, strlen(text), TARN_IAM_IDENTITY_POLICY, out, err);
    free(text);
    return rc;
}

/* Parse the inline policy array into the role. */
static int parse_inline(tarn_iam_role *role, const char *json, tarn_error *err)
{
    size_t len = strlen(json);
    if (len > TARN_IAM_POLICY_MAX)
        return tarn_error_set(err, TARN_ERR_LIMIT, "role '%s': inline policies are %zu bytes; "
                              "the limit is %d", role->name, len, TARN_IAM_POLICY_MAX);
    json_error_t jerr;
    json_t *arr = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_array(arr)) {
        json_decref(arr);
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: role '%s': inline "
                              "policies must be a JSON array of {\"PolicyName\", "
                              "\"PolicyDocument\"}%s%s", role->name, arr ? "" : ": ",
                              arr ? "" : jerr.text);
    }
    int rc = TARN_OK;
    for (size_t i = 0; i < json_array_size(arr) && !rc; i++) {
        tarn_iam_policy *p = NULL;
        rc = parse_inline_one(role->name, json_array_get(arr, i), i, &p, err);
        if (!rc)
            add_policy(role, p);
    }
    json_decref(arr);
    return rc;
}

/* Trust, inline and managed policies, in that order. */
static int build_role(tarn_iam_role *role, const char *trust_json, const char *inline_json,
                      const char *const *managed, size_t n, tarn_error *err)
{
    int rc = TARN_OK;
    if (trust_json) {
        char name[TARN_IAM_NAME_MAX];
        snprintf(name, sizeof name, "%.64s trust policy", role->name);
        rc = tarn_iam_policy_parse(name, trust_json, strlen(trust_json), TARN_IAM_TRUST_POLICY,
                                   &role->trust, err);
    }
    if (!rc && inline_json)
        rc = parse_inline(role, inline_json, err);
    for (size_t i = 0; i < n && !rc; i++) {
        tarn_iam_policy *p = NULL;
        rc = tarn_iam_managed_policy(managed[i], &p, err);
        if (!rc)
            add_policy(role, p);
    }
    return rc;
}

int tarn_iam_role_create(const char *name, const char *trust_json, const char *inline_json_array,
                         const char *const *managed_arns, size_t n, tarn_iam_role **out,
                         tarn_error *err)
{
    *out = NULL;
    if (!name || !*name)
        return tarn_error_set(err, TARN_ERR_INVALID, "a role needs a name");
    if (n > 0 && !managed_arns)
        return tarn_error_set(err, TARN_ERR_INVALID, "role '%s': a managed policy count without "
                              "ARNs", name);
    tarn_iam_role *role = tarn_xcalloc(1, sizeof *role);
    role->name = tarn_xstrdup(name);
    int rc = build_role(role, trust_json, inline_json_array, managed_arns, n, err);
    if (rc) {
        tarn_iam_role_free(role);
        return rc;
    }
    *out = role;
    return TARN_OK;
}

void tarn_iam_role_free(tarn_iam_role *role)
{
    if (!role)
        return;
    tarn_iam_policy_free(role->trust);
    for (size_t i = 0; i < role->npolicies; i++)
        tarn_iam_policy_free(role->policies[i]);
    free(role->policies);
    free(role->name);
    free(role);
}

const char *tarn_iam_role_name(const tarn_iam_role *role)
{
    return role->name;
}

void tarn_iam_denied_message(const tarn_iam_role *role, const char *action, const char *resource,
                             const tarn_iam_decision *d, char *buf, size_t n)
{
    char why[2 * TARN_IAM_NAME_MAX + 64];
    const char *verdict = d->allowed ? "allowed" : "denied";
    if (d->effect == TARN_IAM_IMPLICIT_DENY)
        snprintf(why, sizeof why, "no statement allows it");
    else if (d->sid[0])
        snprintf(why, sizeof why, "%s by statement '%s' in policy '%s'", verdict, d->sid,
                 d->policy);
    else
        snprintf(why, sizeof why, "%s by statement %zu in policy '%s'", verdict, d->statement,
                 d->policy);
    snprintf(buf, n, "AccessDenied: role '%s' is %sallowed to perform '%s' on '%s' (%s)",
             role ? role->name : "", d->allowed ? "" : "not ", action ? action : "",
             resource ? resource : "", why);
}

int tarn_iam_check(const tarn_iam_role *role, const char *action, const char *resource,
                   const tarn_iam_context *ctx, tarn_error *err)
{
    tarn_iam_decision d;
    int rc = tarn_iam_evaluate_ctx(role, action, resource, ctx, &d, err);
    if (rc || d.allowed)
        return rc;
    char msg[TARN_ERROR_MAX];
    tarn_iam_denied_message(role, action, resource, &d, msg, sizeof msg);
    return tarn_error_set(err, TARN_ERR_ACCESS, "%s", msg);
}

void tarn_iam_s3_arn(const char *bucket, const char *key, char *buf, size_t n)
{
    bool has_key = key && *key;
    snprintf(buf, n, "arn:aws:s3:::%s%s%s", bucket ? bucket : "", has_key ? "/" : "",
             has_key ? key : "");
}
