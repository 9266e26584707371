/*
** policy.c: parsing IAM policy documents (iam.h) into statements, with the
** grammar checks IAM itself makes: known fields only, Effect Allow or Deny,
** exactly one of Action/NotAction, Resource/NotResource in identity
** policies, Principal/NotPrincipal in trust policies, well-formed actions
** and ARNs. Conditions are parsed in condition.c; evaluation is in eval.c.
** jansson reads the JSON.
*/
#include "iam/iam_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void iam_strlist_push(iam_strlist *l, const char *s)
{
    l->v = tarn_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = tarn_xstrdup(s);
}

void iam_strlist_free(iam_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* Read a string or a non-empty array of strings into out. */
static int parse_strlist(json_t *v, const char *where, const char *field, iam_strlist *out,
                         tarn_error *err)
{
    if (json_is_string(v)) {
        iam_strlist_push(out, json_string_value(v));
        return TARN_OK;
    }
    if (!json_is_array(v) || json_array_size(v) == 0)
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: %s must be a "
                              "string or a non-empty array of strings", where, field);
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        if (!json_is_string(e))
            return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: %s "
                                  "element %zu must be a string", where, field, i + 1);
        iam_strlist_push(out, json_string_value(e));
    }
    return TARN_OK;
}

/* "*" or "service:Action" with a plain service prefix and an action of
** letters, digits and wildcards. */
static int check_action(const char *a, const char *where, const char *field, tarn_error *err)
{
    if (strcmp(a, "*") == 0)
        return TARN_OK;
    const char *colon = strchr(a, ':');
    bool ok = colon && colon > a && colon[1] != '\0';
    for (const char *c = a; ok && c < colon; c++)
        ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
             *c == '-';
    for (const char *c = colon ? colon + 1 : a; ok && *c; c++)
        ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
             *c == '*' || *c == '?' || *c == '-' || *c == '_';
    if (!ok)
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: %s '%.200s' "
                              "is not 'service:Action' (like 's3:GetObject' or 's3:Get*') or "
                              "'*'; the service prefix takes no wildcards", where, field, a);
    return TARN_OK;
}

/* "*" or an ARN ("arn:partition:service:region:account:resource"); with
** policy variables on (Version 2012-10-17), "${...}" is refused. */
static int check_resource(const char *r, bool variables, const char *where, const char *field,
                          tarn_error *err)
{
    if (strcmp(r, "*") != 0 && !iam_is_arn(r))
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: %s '%.200s' "
                              "must be an ARN (arn:partition:service:region:account:resource, "
                              "like 'arn:aws:s3:::bucket/*') or '*'", where, field, r);
    if (variables && strstr(r, "${"))
        return tarn_error_set(err, TARN_ERR_UNSUPPORTED, "%s: %s '%.200s' uses a policy "
                              "variable, which tarn does not evaluate; write the value out",
                              where, field, r);
    return TARN_OK;
}

/* Parse a Principal value: "*" or {"AWS"|"Service"|"Federated"|"CanonicalUser": list}. */
static int parse_principal(json_t *v, const char *where, iam_principal *p, tarn_error *err)
{
    if (json_is_string(v)) {
        if (strcmp(json_string_value(v), "*") != 0)
            return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: Principal "
                                  "must be \"*\" or an object like {\"Service\": "
                                  "\"glue.amazonaws.com\"}", where);
        p->any = true;
        return TARN_OK;
    }
    if (!json_is_object(v) || json_object_size(v) == 0)
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: Principal must "
                              "be \"*\" or a non-empty object", where);
    const char *key;
    json_t *e;
    json_object_foreach(v, key, e) {
        iam_strlist *l = strcmp(key, "Service") == 0         ? &p->service
                         : strcmp(key, "AWS") == 0           ? &p->aws
                         : strcmp(key, "Federated") == 0     ? &p->federated
                         : strcmp(key, "CanonicalUser") == 0 ? &p->canonical
                                                             : NULL;
        if (!l)
            return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: unknown "
                                  "principal type '%.64s' (expected AWS, Service, Federated or "
                                  "CanonicalUser)", where, key);
        int rc = parse_strlist(e, where, "Principal", l, err);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < p->aws.n; i++)
        p->any |= strcmp(p->aws.v[i], "*") == 0;
    return TARN_OK;
}

/* Fetch the one of two exclusive fields that is present; *neg tells which.
** Both present is an error; neither leaves *v NULL. */
static int pick(json_t *obj, const char *pos, const char *neg_name, json_t **v, bool *neg,
                const char *where, tarn_error *err)
{
    json_t *a = json_object_get(obj, pos), *b = json_object_get(obj, neg_name);
    if (a && b)
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: has both %s "
                              "and %s; use one", where, pos, neg_name);
    *v = a ? a : b;
    *neg = b != NULL;
    return TARN_OK;
}

/* Only the fields IAM defines for a statement. */
static int check_statement_keys(json_t *obj, const char *where, tarn_error *err)
{
    static const char *const known[] = {"Sid", "Effect", "Action", "NotAction", "Resource",
                                        "NotResource", "Principal", "NotPrincipal", "Condition"};
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0] && !ok; i++)
            ok = strcmp(key, known[i]) == 0;
        if (!ok)
            return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: unknown "
                                  "field '%.64s' (a statement has Sid, Effect, Action or "
                                  "NotAction, Resource or NotResource, Principal or NotPrincipal, "
                                  "Condition)", where, key);
    }
    return TARN_OK;
}

/* Sid and Effect. */
static int parse_sid_effect(json_t *obj, const char *where, iam_statement *st, tarn_error *err)
{
    json_t *sid = json_object_get(obj, "Sid"), *eff = json_object_get(obj, "Effect");
    if (sid && !json_is_string(sid))
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: Sid must be a "
                              "string", where);
    if (sid)
        st->sid = tarn_xstrdup(json_string_value(sid));
    const char *e = json_string_value(eff);
    if (!e || (strcmp(e, "Allow") != 0 && strcmp(e, "Deny") != 0))
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: Effect must be "
                              "\"Allow\" or \"Deny\"%s%.64s%s", where, e ? " (got \"" : "",
                              e ? e : "", e ? "\")" : "");
    st->deny = strcmp(e, "Deny") == 0;
    return TARN_OK;
}

/* Action or NotAction (exactly one). */
static int parse_actions(json_t *obj, const char *where, iam_statement *st, tarn_error *err)
{
    json_t *v;
    int rc = pick(obj, "Action", "NotAction", &v, &st->not_action, where, err);
    if (rc)
        return rc;
    if (!v)
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: needs Action "
                              "or NotAction", where);
    const char *field = st->not_action ? "NotAction" : "Action";
    rc = parse_strlist(v, where, field, &st->actions, err);
    for (size_t i = 0; !rc && i < st->actions.n; i++)
        rc = check_action(st->actions.v[i], where, field, err);
    return rc;
}

/* Resource/NotResource: required in identity policies, refused in trust. */
static int parse_resources(json_t *obj, tarn_iam_policy_kind kind, bool variables,
                           const char *where, iam_statement *st, tarn_error *err)
{
    json_t *v;
    int rc = pick(obj, "Resource", "NotResource", &v, &st->not_resource, where, err);
    if (rc)
        return rc;
    const char *field = st->not_resource ? "NotResource" : "Resource";
    if (kind == TARN_IAM_TRUST_POLICY && v)
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: a trust "
                              "policy has no %s field", where, field);
    if (kind == TARN_IAM_TRUST_POLICY)
        return TARN_OK;
    if (!v)
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: needs Resource "
                              "or NotResource", where);
    st->has_resource = true;
    rc = parse_strlist(v, where, field, &st->resources, err);
    for (size_t i = 0; !rc && i < st->resources.n; i++)
        rc = check_resource(st->resources.v[i], variables, where, field, err);
    return rc;
}

/* Principal/NotPrincipal: required in trust policies, refused in identity. */
static int parse_principals(json_t *obj, tarn_iam_policy_kind kind, const char *where,
                            iam_statement *st, tarn_error *err)
{
    json_t *v;
    int rc = pick(obj, "Principal", "NotPrincipal", &v, &st->not_principal, where, err);
    if (rc)
        return rc;
    if (kind == TARN_IAM_IDENTITY_POLICY && v)
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: a policy "
                              "attached to a role must not name a principal (Principal belongs "
                              "in the trust policy, AssumeRolePolicyDocument)", where);
    if (kind == TARN_IAM_IDENTITY_POLICY)
        return TARN_OK;
    if (!v)
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: a trust policy "
                              "statement needs Principal", where);
    st->has_principal = true;
    return parse_principal(v, where, &st->principal, err);
}

/* Parse one statement object (index i, 0-based). */
static int parse_statement(json_t *obj, size_t i, const tarn_iam_policy *p,
                           tarn_iam_policy_kind kind, bool variables, iam_statement *st,
                           tarn_error *err)
{
    char where[TARN_IAM_NAME_MAX + 96];
    json_t *sid = json_object_get(obj, "Sid");
    snprintf(where, sizeof where, "policy '%s', statement %zu%s%.*s%s", p->name, i + 1,
             json_is_string(sid) ? " (Sid '" : "", TARN_IAM_NAME_MAX,
             json_is_string(sid) ? json_string_value(sid) : "", json_is_string(sid) ? "')" : "");
    if (!json_is_object(obj))
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s must be an "
                              "object", where);
    int rc = check_statement_keys(obj, where, err);
    if (!rc)
        rc = parse_sid_effect(obj, where, st, err);
    if (!rc)
        rc = parse_actions(obj, where, st, err);
    if (!rc)
        rc = parse_resources(obj, kind, variables, where, st, err);
    if (!rc)
        rc = parse_principals(obj, kind, where, st, err);
    json_t *cond = json_object_get(obj, "Condition");
    if (!rc && cond)
        rc = iam_conditions_parse(cond, variables, st, where, err);
    return rc;
}

/* Version: absent (2008-10-17), "2008-10-17" or "2012-10-17"; sets
** *variables for 2012-10-17, where "${...}" are policy variables. */
static int parse_version(json_t *root, const char *name, bool *variables, tarn_error *err)
{
    json_t *v = json_object_get(root, "Version");
    const char *s = v ? json_string_value(v) : "2008-10-17";
    if (!s || (strcmp(s, "2012-10-17") != 0 && strcmp(s, "2008-10-17") != 0))
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: policy '%s': "
                              "Version must be \"2012-10-17\" (or the older \"2008-10-17\")",
                              name);
    *variables = strcmp(s, "2012-10-17") == 0;
    return TARN_OK;
}

/* The top level: an object with Version, Id and Statement only. */
static int parse_document(json_t *root, tarn_iam_policy_kind kind, tarn_iam_policy *p,
                          tarn_error *err)
{
    if (!json_is_object(root))
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: policy '%s' must "
                              "be a JSON object", p->name);
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (strcmp(key, "Version") && strcmp(key, "Id") && strcmp(key, "Statement"))
            return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: policy '%s': "
                                  "unknown field '%.64s' (expected Version, Id, Statement)",
                                  p->name, key);
    }
    bool variables = false;
    int rc = parse_version(root, p->name, &variables, err);
    json_t *stmts = json_object_get(root, "Statement");
    if (!rc && !json_is_array(stmts) && !json_is_object(stmts))
        rc = tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: policy '%s': "
                            "Statement must be an object or an array of objects", p->name);
    if (rc)
        return rc;
    size_t n = json_is_array(stmts) ? json_array_size(stmts) : 1;
    p->st = tarn_xcalloc(n ? n : 1, sizeof *p->st);
    for (size_t i = 0; i < n && !rc; i++) {
        json_t *obj = json_is_array(stmts) ? json_array_get(stmts, i) : stmts;
        p->n = i + 1;
        rc = parse_statement(obj, i, p, kind, variables, &p->st[i], err);
    }
    return rc;
}

int tarn_iam_policy_parse(const char *name, const char *json, size_t len,
                          tarn_iam_policy_kind kind, tarn_iam_policy **out, tarn_error *err)
{
    *out = NULL;
    if (!name)
        name = "policy";
    if (len > TARN_IAM_POLICY_MAX)
        return tarn_error_set(err, TARN_ERR_LIMIT, "policy '%.128s' is %zu bytes; the limit is %d",
                              name, len, TARN_IAM_POLICY_MAX);
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: policy '%.128s' is "
                              "not valid JSON: line %d, column %d: %s", name, jerr.line,
                              jerr.column, jerr.text);
    tarn_iam_policy *p = tarn_xcalloc(1, sizeof *p);
    p->name = tarn_xstrndup(name, strnlen(name, TARN_IAM_NAME_MAX - 1));
    int rc = parse_document(root, kind, p, err);
    json_decref(root);
    if (rc) {
        tarn_iam_policy_free(p);
        return rc;
    }
    *out = p;
    return TARN_OK;
}

/* Free what a statement owns. */
static void statement_free(iam_statement *st)
{
    free(st->sid);
    iam_strlist_free(&st->actions);
    iam_strlist_free(&st->resources);
    iam_strlist_free(&st->principal.service);
    iam_strlist_free(&st->principal.aws);
    iam_strlist_free(&st->principal.federated);
    iam_strlist_free(&st->principal.canonical);
    for (size_t i = 0; i < st->nconds; i++)
        iam_cond_free(&st->conds[i]);
    free(st->conds);
}

void tarn_iam_policy_free(tarn_iam_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        statement_free(&p->st[i]);
    free(p->st);
    free(p->name);
    free(p);
}

const char *tarn_iam_policy_name(const tarn_iam_policy *p)
{
    return p->name;
}

size_t tarn_iam_policy_statements(const tarn_iam_policy *p)
{
    return p->n;
}
