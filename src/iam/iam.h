/*
** iam.h: AWS IAM policies and their evaluation, as AWS documents them, for
** the roles that tarn's jobs and crawlers run as.
**
** A policy document is JSON: Version ("2012-10-17" or "2008-10-17"),
** Statement (one object or an array), each statement with Effect
** (Allow/Deny), Action or NotAction, Resource or NotResource (identity
** policies) or Principal / NotPrincipal (trust policies), optional Sid and
** Condition. Parsing is strict: an unknown field, a malformed action or ARN,
** or a condition tarn cannot evaluate is an error naming the policy, the
** statement and the field, so that nothing is granted by a statement tarn
** misread.
**
** Matching: actions are "service:Action", compared case-insensitively with
** '*' (any run of characters) and '?' (one character); resources are ARNs,
** compared case-sensitively segment by segment (arn:partition:service:
** region:account:resource; a wildcard does not cross a ':' in the first
** five segments, and matches anything in the resource part), or "*".
**
** Evaluation (the identity-policy part of AWS's logic): a statement applies
** when its action, resource and condition all match; an applying Deny
** decides (explicit deny), else an applying Allow decides (allowed), else
** the request is denied implicitly. NotAction/NotResource apply to every
** action/resource the list does not match.
**
** Conditions: StringEquals, StringNotEquals, StringEqualsIgnoreCase,
** StringNotEqualsIgnoreCase, StringLike, StringNotLike, ArnEquals, ArnLike,
** ArnNotEquals, ArnNotLike, Bool and Null, each with the IfExists suffix and
** the ForAllValues: / ForAnyValue: set qualifiers, over the keys of a small
** request context (aws:SourceAccount, aws:SourceArn, s3:prefix, ...). A key
** missing from the context behaves as AWS says: a positive operator is
** false, a negated one true, IfExists true, ForAllValues true.
**
** Managed policies: a role may attach the AWS managed policies tarn knows
** (tarn_iam_managed_arns()), carried here with their documented statements;
** any other managed ARN is an error that lists the known ones.
*/
#ifndef TARN_IAM_H
#define TARN_IAM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/core.h"

#define TARN_IAM_POLICY_MAX (1 << 20) /* largest policy document parsed (bytes) */
#define TARN_IAM_NAME_MAX 128         /* policy names and Sids kept in a decision */

typedef struct tarn_iam_policy tarn_iam_policy;
typedef struct tarn_iam_role tarn_iam_role;

/* What a document is for: an identity policy attached to a role (needs
** Resource, forbids Principal) or a role's trust policy (needs Principal,
** forbids Resource). */
typedef enum tarn_iam_policy_kind {
    TARN_IAM_IDENTITY_POLICY,
    TARN_IAM_TRUST_POLICY
} tarn_iam_policy_kind;

/* Parse len bytes of a policy document. name labels it in errors and
** decisions. On success *out is freed with tarn_iam_policy_free. Fails with
** TARN_ERR_INVALID (bad JSON or grammar), TARN_ERR_UNSUPPORTED (a valid IAM
** feature tarn cannot evaluate: an operator, a policy variable) or
** TARN_ERR_LIMIT (over TARN_IAM_POLICY_MAX). */
int tarn_iam_policy_parse(const char *name, const char *json, size_t len,
                          tarn_iam_policy_kind kind, tarn_iam_policy **out, tarn_error *err);
void tarn_iam_policy_free(tarn_iam_policy *p);
/* The name given at parse time; number of statements. */
const char *tarn_iam_policy_name(const tarn_iam_policy *p);
size_t tarn_iam_policy_statements(const tarn_iam_policy *p);

/* One context key with its values (multi-valued keys such as aws:TagKeys
** have several). Keys are matched case-insensitively. */
typedef struct tarn_iam_context_entry {
    const char *key;
    const char *const *values;
    size_t nvalues;
} tarn_iam_context_entry;

/* The request context conditions are evaluated against. */
typedef struct tarn_iam_context {
    const tarn_iam_context_entry *entries;
    size_t n;
} tarn_iam_context;

typedef enum tarn_iam_effect {
    TARN_IAM_IMPLICIT_DENY = 0, /* no statement applies */
    TARN_IAM_ALLOW,             /* an Allow applies and no Deny does */
    TARN_IAM_EXPLICIT_DENY      /* a Deny applies */
} tarn_iam_effect;

/* The outcome of an evaluation and the statement that decided it. */
typedef struct tarn_iam_decision {
    tarn_iam_effect effect;
    bool allowed;                     /* effect == TARN_IAM_ALLOW */
    char policy[TARN_IAM_NAME_MAX];   /* deciding policy's name, "" if implicit */
    size_t statement;                 /* 1-based position in it, 0 if implicit */
    char sid[TARN_IAM_NAME_MAX];      /* its Sid, "" if none */
} tarn_iam_decision;

/* Evaluate one request against n policies (the caller's set). action is
** "service:Action" without wildcards; resource is an ARN or "*"; ctx may be
** NULL (no context keys). TARN_ERR_INVALID only for a malformed action or
** resource; the decision itself is in *d. */
int tarn_iam_policies_evaluate(tarn_iam_policy *const *policies, size_t n, const char *action,
                               const char *resource, const tarn_iam_context *ctx,
                               tarn_iam_decision *d, tarn_error *err);

/* ---- Roles -------------------------------------------------------------- */

/* Build a role from its trust policy (JSON object text, or NULL: nobody may
** assume it), its inline policies (JSON array text of {"PolicyName": ...,
** "PolicyDocument": object or JSON string}, as CloudFormation's Policies
** property; NULL: none) and n managed policy ARNs. Every document is parsed
** here, so a bad one fails the role, naming the policy. *out is freed with
** tarn_iam_role_free. Managed ARNs tarn does not know are
** TARN_ERR_UNSUPPORTED, listing the known ones. */
int tarn_iam_role_create(const char *name, const char *trust_json, const char *inline_json_array,
                         const char *const *managed_arns, size_t n, tarn_iam_role **out,
                         tarn_error *err);
void tarn_iam_role_free(tarn_iam_role *role);
const char *tarn_iam_role_name(const tarn_iam_role *role);

/* True if the trust policy lets the service principal (e.g.
** "glue.amazonaws.com") perform sts:AssumeRole. ctx may be NULL. */
bool tarn_iam_can_assume(const tarn_iam_role *role, const char *service);
bool tarn_iam_can_assume_ctx(const tarn_iam_role *role, const char *service,
                             const tarn_iam_context *ctx);

/* Evaluate a request against the role's inline then managed policies
** (see tarn_iam_policies_evaluate). */
int tarn_iam_evaluate(const tarn_iam_role *role, const char *action, const char *resource,
                      tarn_iam_decision *d);
int tarn_iam_evaluate_ctx(const tarn_iam_role *role, const char *action, const char *resource,
                          const tarn_iam_context *ctx, tarn_iam_decision *d, tarn_error *err);

/* The AccessDenied message for a denied decision, into buf (always
** NUL-terminated): "AccessDenied: role 'R' is not allowed to perform
** 's3:PutObject' on 'arn:aws:s3:::b/k' (no statement allows it)", or
** "... (denied by statement 'Sid' in policy 'P')". */
void tarn_iam_denied_message(const tarn_iam_role *role, const char *action, const char *resource,
                             const tarn_iam_decision *d, char *buf, size_t n);

/* Evaluate and turn a denial into an error: TARN_OK if allowed, else
** TARN_ERR_ACCESS with the AccessDenied message (or TARN_ERR_INVALID for a
** malformed request). ctx may be NULL. */
int tarn_iam_check(const tarn_iam_role *role, const char *action, const char *resource,
                   const tarn_iam_context *ctx, tarn_error *err);

/* The ARN of an S3 object ("arn:aws:s3:::bucket/key") or, with key NULL or
** "", of a bucket ("arn:aws:s3:::bucket"), into buf. */
void tarn_iam_s3_arn(const char *bucket, const char *key, char *buf, size_t n);

/* ---- Managed policies --------------------------------------------------- */

/* The managed policy ARNs tarn knows, NULL-terminated. */
const char *const *tarn_iam_managed_arns(void);
/* Parse the managed policy arn; TARN_ERR_UNSUPPORTED, listing the known
** ARNs, if tarn does not know it. */
int tarn_iam_managed_policy(const char *arn, tarn_iam_policy **out, tarn_error *err);

/* ---- Roles in the catalog (role_load.c) --------------------------------- */

typedef struct tarn_catalog tarn_catalog;

/* Build the role stored in catalog.db under name_or_arn (a role name, or
** an ARN "arn:aws:iam::<account>:role[/path]/<name>" whose last segment is
** the name). TARN_ERR_NOTFOUND ("role 'x' does not exist; deploy the
** stack that declares it") if absent; a stored policy tarn cannot parse
** fails as tarn_iam_role_create does. */
int tarn_iam_role_load(tarn_catalog *cat, const char *name_or_arn, tarn_iam_role **out,
                       tarn_error *err);

/* An access check with the signature of tarn_job_allow_fn and
** tarn_crawl_allow_fn: ud is a tarn_iam_role *; action an s3:* action;
** the resource is the object's ARN, or the bucket's for s3:ListBucket
** (with the prefix as the s3:prefix context key). TARN_OK if allowed, else
** TARN_ERR_ACCESS with the AccessDenied message. */
int tarn_iam_s3_allow(void *ud, const char *action, const char *bucket, const char *key,
                      tarn_error *err);

#endif
