/*
** test_iam.c: IAM policy parsing and evaluation (iam/iam.h): the grammar
** checks, action and resource wildcards (case rules, '?', ARN segments),
** NotAction/NotResource, explicit Deny over Allow across policies, implicit
** deny, conditions and missing keys, trust policies with service arrays,
** the known managed policies, and the AccessDenied message.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iam/iam.h"

/* A role with one inline policy named name whose document is doc. */
static tarn_iam_role *role_with(const char *name, const char *doc)
{
    char buf[8192];
    snprintf(buf, sizeof buf, "[{\"PolicyName\":\"%s\",\"PolicyDocument\":%s}]", name, doc);
    tarn_iam_role *r = NULL;
    tarn_error err = {0};
    if (tarn_iam_role_create("TestRole", NULL, buf, NULL, 0, &r, &err))
        fail_msg("role_create: %s", err.msg);
    return r;
}

/* A role with managed policy arn only. */
static tarn_iam_role *role_managed(const char *arn)
{
    tarn_iam_role *r = NULL;
    tarn_error err = {0};
    const char *arns[] = {arn};
    if (tarn_iam_role_create("ManagedRole", NULL, NULL, arns, 1, &r, &err))
        fail_msg("role_create: %s", err.msg);
    return r;
}

/* The effect of one request (no context). */
static tarn_iam_effect eff(const tarn_iam_role *r, const char *action, const char *resource)
{
    tarn_iam_decision d;
    tarn_error err = {0};
    if (tarn_iam_evaluate_ctx(r, action, resource, NULL, &d, &err))
        fail_msg("evaluate %s %s: %s", action, resource, err.msg);
    assert_int_equal(d.allowed, d.effect == TARN_IAM_ALLOW);
    return d.effect;
}

static bool allowed(const tarn_iam_role *r, const char *action, const char *resource)
{
    return eff(r, action, resource) == TARN_IAM_ALLOW;
}

/* Parse doc as kind; expect code and a message containing needle. */
static void parse_fails(const char *doc, tarn_iam_policy_kind kind, int code, const char *needle)
{
    tarn_iam_policy *p = NULL;
    tarn_error err = {0};
    int rc = tarn_iam_policy_parse("pol", doc, strlen(doc), kind, &p, &err);
    if (rc != code)
        fail_msg("'%s': expected status %d, got %d: %s", doc, code, rc, err.msg);
    if (!strstr(err.msg, needle))
        fail_msg("'%s': message '%s' lacks '%s'", doc, err.msg, needle);
    assert_null(p);
}

static void parse_ok(const char *doc, tarn_iam_policy_kind kind, size_t nstatements)
{
    tarn_iam_policy *p = NULL;
    tarn_error err = {0};
    if (tarn_iam_policy_parse("pol", doc, strlen(doc), kind, &p, &err))
        fail_msg("'%s': %s", doc, err.msg);
    assert_int_equal(tarn_iam_policy_statements(p), nstatements);
    assert_string_equal(tarn_iam_policy_name(p), "pol");
    tarn_iam_policy_free(p);
}

#define ID TARN_IAM_IDENTITY_POLICY
#define TRUST TARN_IAM_TRUST_POLICY
#define INV TARN_ERR_INVALID

/* ---- grammar ---- */

static void test_parse_shapes(void **state)
{
    parse_ok("{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":"
             "\"s3:GetObject\",\"Resource\":\"*\"}}", ID, 1);
    parse_ok("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:Get*\",\"s3:List*\"],"
             "\"Resource\":[\"arn:aws:s3:::b\",\"arn:aws:s3:::b/*\"]},{\"Sid\":\"D\",\"Effect\":"
             "\"Deny\",\"NotAction\":\"s3:*\",\"NotResource\":\"arn:aws:s3:::b/*\"}]}", ID, 2);
    parse_ok("{\"Version\":\"2012-10-17\",\"Statement\":[]}", ID, 0);
    parse_ok("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
             "{\"Service\":[\"glue.amazonaws.com\",\"lambda.amazonaws.com\"]},\"Action\":"
             "\"sts:AssumeRole\"}]}", TRUST, 1);
}

static void test_parse_errors(void **state)
{
    parse_fails("{\"Version\":\"2012-10-17\",\"Statement\":[", ID, INV, "not valid JSON: line 1");
    parse_fails("[]", ID, INV, "must be a JSON object");
    parse_fails("{\"Version\":\"2013-01-01\",\"Statement\":[]}", ID, INV, "Version must be");
    parse_fails("{\"Statement\":[],\"Extra\":1}", ID, INV, "unknown field 'Extra'");
    parse_fails("{\"Statement\":\"x\"}", ID, INV, "Statement must be an object or an array");
    parse_fails("{\"Statement\":[{\"Effect\":\"allow\",\"Action\":\"s3:Get\",\"Resource\":\"*\"}]}",
                ID, INV, "statement 1: Effect must be \"Allow\" or \"Deny\" (got \"allow\")");
    parse_fails("{\"Statement\":[{\"Effect\":\"Allow\",\"Resource\":\"*\"}]}", ID, INV,
                "needs Action or NotAction");
    parse_fails("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:A\",\"NotAction\":\"s3:B\","
                "\"Resource\":\"*\"}]}", ID, INV, "has both Action and NotAction");
    parse_fails("{\"Statement\":[{\"Sid\":\"Bad\",\"Effect\":\"Allow\",\"Action\":\"S3GetObject\","
                "\"Resource\":\"*\"}]}", ID, INV, "statement 1 (Sid 'Bad'): Action 'S3GetObject'");
    parse_fails("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3*:GetObject\","
                "\"Resource\":\"*\"}]}", ID, INV, "the service prefix takes no wildcards");
    parse_fails("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[],\"Resource\":\"*\"}]}", ID,
                INV, "non-empty array");
    parse_fails("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"}]}", ID, INV,
                "needs Resource or NotResource");
    parse_fails("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":"
                "\"my-bucket/*\"}]}", ID, INV, "Resource 'my-bucket/*' must be an ARN");
    parse_fails("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":"
                "\"*\",\"Principal\":\"*\"}]}", ID, INV, "must not name a principal");
    parse_fails("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\"}]}", TRUST,
                INV, "needs Principal");
    parse_fails("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Principal\""
                ":\"*\",\"Resource\":\"*\"}]}", TRUST, INV, "a trust policy has no Resource");
    parse_fails("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Principal\""
                ":{\"Robot\":\"x\"}}]}", TRUST, INV, "unknown principal type 'Robot'");
    parse_fails("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":"
                "\"*\",\"Colour\":\"red\"}]}", ID, INV, "unknown field 'Colour'");
    parse_fails("{\"Statement\":[],\"Statement\":[]}", ID, INV, "duplicate");
}

static void test_policy_variables(void **state)
{
    parse_fails("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
                "\"s3:*\",\"Resource\":\"arn:aws:s3:::b/${aws:username}/*\"}]}", ID,
                TARN_ERR_UNSUPPORTED, "policy variable");
    /* Under the 2008 grammar "${" is literal text. */
    parse_ok("{\"Version\":\"2008-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
             "\"s3:*\",\"Resource\":\"arn:aws:s3:::b/${x}/*\"}]}", ID, 1);
}

static void test_condition_operator_errors(void **state)
{
    const char *fmt = "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":"
                      "\"*\",\"Condition\":%s}]}";
    char doc[512];
    snprintf(doc, sizeof doc, fmt, "{\"StringEqualz\":{\"aws:SourceAccount\":\"1\"}}");
    parse_fails(doc, ID, INV, "condition operator 'StringEqualz' is not an IAM condition operator");
    snprintf(doc, sizeof doc, fmt, "{\"NumericLessThan\":{\"s3:max-keys\":\"10\"}}");
    parse_fails(doc, ID, TARN_ERR_UNSUPPORTED,
                "condition operator 'NumericLessThan' is not supported by tarn");
    snprintf(doc, sizeof doc, fmt, "{\"ForAnyValue:DateLessThanIfExists\":{\"aws:x\":\"1\"}}");
    parse_fails(doc, ID, TARN_ERR_UNSUPPORTED, "'ForAnyValue:DateLessThanIfExists'");
    snprintf(doc, sizeof doc, fmt, "{\"NullIfExists\":{\"aws:x\":\"true\"}}");
    parse_fails(doc, ID, INV, "Null takes no IfExists");
    snprintf(doc, sizeof doc, fmt, "{\"Bool\":{\"aws:SecureTransport\":\"yes\"}}");
    parse_fails(doc, ID, INV, "takes \"true\" or \"false\", not 'yes'");
    snprintf(doc, sizeof doc, fmt, "{\"StringEquals\":{\"aws:x\":[]}}");
    parse_fails(doc, ID, INV, "has no values");
    snprintf(doc, sizeof doc, fmt, "{\"StringEquals\":{\"aws:x\":{\"a\":1}}}");
    parse_fails(doc, ID, INV, "must be strings, numbers or booleans");
    snprintf(doc, sizeof doc, fmt, "[]");
    parse_fails(doc, ID, INV, "Condition must be an object");
}

/* ---- actions and resources ---- */

#define ALLOW_ALL_ON(actions) \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":" actions \
    ",\"Resource\":\"*\"}]}"

static void test_action_wildcards(void **state)
{
    tarn_iam_role *r = role_with("get", ALLOW_ALL_ON("\"s3:Get*\""));
    assert_true(allowed(r, "s3:GetObject", "arn:aws:s3:::b/k"));
    assert_true(allowed(r, "s3:GetBucketLocation", "arn:aws:s3:::b"));
    assert_true(allowed(r, "s3:Get", "arn:aws:s3:::b")); /* '*' matches nothing too */
    assert_false(allowed(r, "s3:PutObject", "arn:aws:s3:::b/k"));
    assert_false(allowed(r, "s3:ListBucket", "arn:aws:s3:::b"));
    assert_false(allowed(r, "glue:GetTable", "*"));
    assert_true(allowed(r, "S3:GETOBJECT", "arn:aws:s3:::b/k")); /* actions ignore case */
    tarn_iam_role_free(r);

    r = role_with("q", ALLOW_ALL_ON("[\"s3:?etObject\",\"glue:GetTabl?\"]"));
    assert_true(allowed(r, "s3:GetObject", "*"));
    assert_true(allowed(r, "s3:SetObject", "*"));
    assert_false(allowed(r, "s3:etObject", "*"));   /* '?' is exactly one character */
    assert_false(allowed(r, "s3:GGetObject", "*"));
    assert_true(allowed(r, "glue:GetTable", "*"));
    assert_false(allowed(r, "glue:GetTables", "*"));
    tarn_iam_role_free(r);

    r = role_with("case", ALLOW_ALL_ON("\"S3:getobject\""));
    assert_true(allowed(r, "s3:GetObject", "*"));
    tarn_iam_role_free(r);

    r = role_with("star", ALLOW_ALL_ON("\"*\""));
    assert_true(allowed(r, "iam:CreateRole", "*"));
    tarn_iam_role_free(r);
}

#define ALLOW_GET_ON(resources) \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":" \
    "\"s3:GetObject\",\"Resource\":" resources "}]}"

static void test_resource_matching(void **state)
{
    tarn_iam_role *r = role_with("res", ALLOW_GET_ON("\"arn:aws:s3:::bucket/*\""));
    assert_true(allowed(r, "s3:GetObject", "arn:aws:s3:::bucket/a"));
    assert_true(allowed(r, "s3:GetObject", "arn:aws:s3:::bucket/a/b/c.parquet"));
    assert_false(allowed(r, "s3:GetObject", "arn:aws:s3:::bucket"));
    assert_false(allowed(r, "s3:GetObject", "arn:aws:s3:::Bucket/a")); /* case-sensitive */
    assert_false(allowed(r, "s3:GetObject", "arn:aws:s3:::bucket2/a"));
    assert_false(allowed(r, "s3:GetObject", "*"));
    tarn_iam_role_free(r);

    r = role_with("up", ALLOW_GET_ON("\"arn:aws:s3:::Bucket/*\""));
    assert_false(allowed(r, "s3:GetObject", "arn:aws:s3:::bucket/a"));
    assert_true(allowed(r, "s3:GetObject", "arn:aws:s3:::Bucket/a"));
    tarn_iam_role_free(r);

    r = role_with("pre", ALLOW_GET_ON("[\"arn:aws:s3:::b?t/*\",\"arn:aws:s3:::logs*\"]"));
    assert_true(allowed(r, "s3:GetObject", "arn:aws:s3:::bat/x"));
    assert_false(allowed(r, "s3:GetObject", "arn:aws:s3:::bt/x"));
    assert_false(allowed(r, "s3:GetObject", "arn:aws:s3:::boat/x"));
    assert_true(allowed(r, "s3:GetObject", "arn:aws:s3:::logs"));
    assert_true(allowed(r, "s3:GetObject", "arn:aws:s3:::logs-2024/a/b"));
    tarn_iam_role_free(r);

    /* A wildcard in the first five segments stays inside its segment. */
    const char *group = "arn:aws:logs:us-east-1:123456789012:log-group:/aws-glue/jobs/output";
    r = role_with("seg3", "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"logs:*\","
                          "\"Resource\":\"arn:aws:logs:*:*:*:/aws-glue/*\"}}");
    assert_true(allowed(r, "logs:PutLogEvents", group));
    tarn_iam_role_free(r);
    r = role_with("seg2", "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"logs:*\","
                          "\"Resource\":\"arn:aws:logs:*:*:/aws-glue/*\"}}");
    assert_false(allowed(r, "logs:PutLogEvents", group));
    tarn_iam_role_free(r);

    r = role_with("all", ALLOW_GET_ON("\"*\""));
    assert_true(allowed(r, "s3:GetObject", "arn:aws:s3:::x/y"));
    assert_true(allowed(r, "s3:GetObject", "*"));
    tarn_iam_role_free(r);
}

static void test_not_action_not_resource(void **state)
{
    tarn_iam_role *r = role_with("na", "{\"Statement\":{\"Effect\":\"Allow\",\"NotAction\":"
                                       "\"iam:*\",\"Resource\":\"*\"}}");
    assert_true(allowed(r, "s3:PutObject", "arn:aws:s3:::b/k"));
    assert_true(allowed(r, "glue:CreateTable", "*"));
    assert_int_equal(eff(r, "iam:CreateRole", "*"), TARN_IAM_IMPLICIT_DENY);
    assert_int_equal(eff(r, "IAM:PassRole", "*"), TARN_IAM_IMPLICIT_DENY);
    tarn_iam_role_free(r);

    r = role_with("nr", "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\","
                        "\"NotResource\":[\"arn:aws:s3:::secret\",\"arn:aws:s3:::secret/*\"]}}");
    assert_true(allowed(r, "s3:GetObject", "arn:aws:s3:::public/k"));
    assert_int_equal(eff(r, "s3:GetObject", "arn:aws:s3:::secret/k"), TARN_IAM_IMPLICIT_DENY);
    assert_int_equal(eff(r, "s3:ListBucket", "arn:aws:s3:::secret"), TARN_IAM_IMPLICIT_DENY);
    tarn_iam_role_free(r);

    /* Deny with NotAction denies everything except the listed actions. */
    r = role_with("dna", "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":"
                         "\"*\"},{\"Sid\":\"OnlyRead\",\"Effect\":\"Deny\",\"NotAction\":"
                         "[\"s3:GetObject\",\"s3:List*\"],\"Resource\":\"*\"}]}");
    assert_true(allowed(r, "s3:GetObject", "arn:aws:s3:::b/k"));
    assert_true(allowed(r, "s3:ListBucket", "arn:aws:s3:::b"));
    assert_int_equal(eff(r, "s3:PutObject", "arn:aws:s3:::b/k"), TARN_IAM_EXPLICIT_DENY);
    tarn_iam_role_free(r);
}

/* ---- evaluation across policies ---- */

static const char allow_s3[] = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllS3\","
                               "\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}";
static const char deny_writes[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
    "\"s3:ListBucket\",\"Resource\":\"*\"},{\"Sid\":\"DenyWrites\",\"Effect\":\"Deny\","
    "\"Action\":[\"s3:PutObject\",\"s3:DeleteObject\"],\"Resource\":"
    "\"arn:aws:s3:::etl-poc-data-silver/*\"}]}";

static void test_deny_wins_across_policies(void **state)
{
    for (int order = 0; order < 2; order++) {
        char arr[2048];
        snprintf(arr, sizeof arr,
                 "[{\"PolicyName\":\"%s\",\"PolicyDocument\":%s},"
                 "{\"PolicyName\":\"%s\",\"PolicyDocument\":%s}]",
                 order ? "guard" : "s3all", order ? deny_writes : allow_s3,
                 order ? "s3all" : "guard", order ? allow_s3 : deny_writes);
        tarn_iam_role *r = NULL;
        tarn_error err = {0};
        if (tarn_iam_role_create("CleanRole", NULL, arr, NULL, 0, &r, &err))
            fail_msg("%s", err.msg);
        tarn_iam_decision d;
        assert_int_equal(tarn_iam_evaluate(r, "s3:PutObject",
                                           "arn:aws:s3:::etl-poc-data-silver/who/a.parquet", &d),
                         TARN_OK);
        assert_int_equal(d.effect, TARN_IAM_EXPLICIT_DENY);
        assert_false(d.allowed);
        assert_string_equal(d.policy, "guard");
        assert_string_equal(d.sid, "DenyWrites");
        assert_int_equal(d.statement, 2);
        assert_int_equal(tarn_iam_evaluate(r, "s3:PutObject", "arn:aws:s3:::etl-poc-data-gold/x",
                                           &d), TARN_OK);
        assert_true(d.allowed);
        assert_string_equal(d.policy, "s3all");
        assert_string_equal(d.sid, "AllS3");
        assert_int_equal(d.statement, 1);
        tarn_iam_role_free(r);
    }
}

static void test_implicit_deny(void **state)
{
    tarn_iam_role *r = role_with("empty", "{\"Version\":\"2012-10-17\",\"Statement\":[]}");
    tarn_iam_decision d;
    assert_int_equal(tarn_iam_evaluate(r, "s3:GetObject", "arn:aws:s3:::b/k", &d), TARN_OK);
    assert_int_equal(d.effect, TARN_IAM_IMPLICIT_DENY);
    assert_false(d.allowed);
    assert_string_equal(d.policy, "");
    assert_int_equal(d.statement, 0);
    tarn_iam_role_free(r);

    tarn_iam_role *none = NULL;
    tarn_error err = {0};
    assert_int_equal(tarn_iam_role_create("Nothing", NULL, NULL, NULL, 0, &none, &err), TARN_OK);
    assert_int_equal(eff(none, "s3:GetObject", "*"), TARN_IAM_IMPLICIT_DENY);
    assert_false(tarn_iam_can_assume(none, "glue.amazonaws.com"));
    tarn_iam_role_free(none);
}

static void test_denied_messages(void **state)
{
    char arr[2048];
    snprintf(arr, sizeof arr, "[{\"PolicyName\":\"x\",\"PolicyDocument\":%s}]", deny_writes);
    tarn_iam_role *r = NULL;
    tarn_error err = {0};
    assert_int_equal(tarn_iam_role_create("CleanRole", NULL, arr, NULL, 0, &r, &err), TARN_OK);
    const char *obj = "arn:aws:s3:::etl-poc-data-silver/who/part-0.parquet";
    memset(&err, 0, sizeof err);
    assert_int_equal(tarn_iam_check(r, "s3:PutObject", obj, NULL, &err), TARN_ERR_ACCESS);
    assert_string_equal(err.msg, "AccessDenied: role 'CleanRole' is not allowed to perform "
                                 "'s3:PutObject' on 'arn:aws:s3:::etl-poc-data-silver/who/"
                                 "part-0.parquet' (denied by statement 'DenyWrites' in policy "
                                 "'x')");
    memset(&err, 0, sizeof err);
    assert_int_equal(tarn_iam_check(r, "s3:GetObject", obj, NULL, &err), TARN_ERR_ACCESS);
    assert_string_equal(err.msg, "AccessDenied: role 'CleanRole' is not allowed to perform "
                                 "'s3:GetObject' on 'arn:aws:s3:::etl-poc-data-silver/who/"
                                 "part-0.parquet' (no statement allows it)");
    memset(&err, 0, sizeof err);
    assert_int_equal(tarn_iam_check(r, "s3:ListBucket", "arn:aws:s3:::etl-poc-data-silver", NULL,
                                    &err), TARN_OK);
    tarn_iam_role_free(r);

    r = role_with("nosid", "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\","
                           "\"Resource\":\"*\"},{\"Effect\":\"Deny\",\"Action\":\"s3:Delete*\","
                           "\"Resource\":\"*\"}]}");
    tarn_iam_decision d;
    char msg[512];
    tarn_iam_evaluate(r, "s3:DeleteObject", "arn:aws:s3:::b/k", &d);
    tarn_iam_denied_message(r, "s3:DeleteObject", "arn:aws:s3:::b/k", &d, msg, sizeof msg);
    assert_string_equal(msg, "AccessDenied: role 'TestRole' is not allowed to perform "
                             "'s3:DeleteObject' on 'arn:aws:s3:::b/k' (denied by statement 2 "
                             "in policy 'nosid')");
    tarn_iam_role_free(r);
}

static void test_bad_requests(void **state)
{
    tarn_iam_role *r = role_with("all", ALLOW_ALL_ON("\"*\""));
    tarn_iam_decision d;
    tarn_error err = {0};
    assert_int_equal(tarn_iam_evaluate_ctx(r, "s3GetObject", "*", NULL, &d, &err), INV);
    assert_non_null(strstr(err.msg, "'service:Action'"));
    assert_false(d.allowed);
    assert_int_equal(tarn_iam_evaluate_ctx(r, "s3:Get*", "*", NULL, &d, &err), INV);
    memset(&err, 0, sizeof err);
    assert_int_equal(tarn_iam_evaluate_ctx(r, "s3:GetObject", "bucket/key", NULL, &d, &err), INV);
    assert_non_null(strstr(err.msg, "must be an ARN"));
    tarn_iam_role_free(r);
}

/* ---- conditions ---- */

static tarn_iam_context ctx1(tarn_iam_context_entry *e, const char *key, const char *const *vals,
                             size_t n)
{
    e->key = key;
    e->values = vals;
    e->nvalues = n;
    return (tarn_iam_context){.entries = e, .n = 1};
}

/* Effect of s3:ListBucket on bucket b with ctx. */
static tarn_iam_effect eff_ctx(const tarn_iam_role *r, const tarn_iam_context *ctx)
{
    tarn_iam_decision d;
    tarn_error err = {0};
    if (tarn_iam_evaluate_ctx(r, "s3:ListBucket", "arn:aws:s3:::b", ctx, &d, &err))
        fail_msg("%s", err.msg);
    return d.effect;
}

#define COND_ALLOW(cond) \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":" \
    "\"s3:ListBucket\",\"Resource\":\"*\",\"Condition\":" cond "}]}"

static void test_conditions_positive(void **state)
{
    tarn_iam_context_entry e;
    const char *mine[] = {"123456789012"}, *theirs[] = {"999999999999"};
    tarn_iam_role *r = role_with("c", COND_ALLOW("{\"StringEquals\":{\"aws:SourceAccount\":"
                                                 "[\"111111111111\",\"123456789012\"]}}"));
    tarn_iam_context c = ctx1(&e, "aws:SourceAccount", mine, 1);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_ALLOW);
    c = ctx1(&e, "AWS:sourceaccount", mine, 1); /* keys ignore case */
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_ALLOW);
    c = ctx1(&e, "aws:SourceAccount", theirs, 1);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_IMPLICIT_DENY);
    assert_int_equal(eff_ctx(r, NULL), TARN_IAM_IMPLICIT_DENY); /* missing key: false */
    tarn_iam_role_free(r);

    r = role_with("like", COND_ALLOW("{\"StringLike\":{\"s3:prefix\":[\"home/*\",\"\"]}}"));
    const char *home[] = {"home/ann/x"}, *etc[] = {"etc/x"}, *empty[] = {""};
    c = ctx1(&e, "s3:prefix", home, 1);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_ALLOW);
    c = ctx1(&e, "s3:prefix", empty, 1);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_ALLOW);
    c = ctx1(&e, "s3:prefix", etc, 1);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_IMPLICIT_DENY);
    tarn_iam_role_free(r);

    r = role_with("ic", COND_ALLOW("{\"StringEqualsIgnoreCase\":{\"aws:x\":\"ABC\"}}"));
    const char *abc[] = {"aBc"};
    c = ctx1(&e, "aws:x", abc, 1);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_ALLOW);
    tarn_iam_role_free(r);
    r = role_with("cs", COND_ALLOW("{\"StringEquals\":{\"aws:x\":\"ABC\"}}"));
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_IMPLICIT_DENY);
    tarn_iam_role_free(r);

    r = role_with("arn", COND_ALLOW("{\"ArnLike\":{\"aws:SourceArn\":"
                                    "\"arn:aws:glue:*:123456789012:job/*\"}}"));
    const char *job[] = {"arn:aws:glue:us-east-1:123456789012:job/clean"};
    const char *other[] = {"arn:aws:glue:us-east-1:999999999999:job/clean"};
    const char *notarn[] = {"glue-job-clean"};
    c = ctx1(&e, "aws:SourceArn", job, 1);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_ALLOW);
    c = ctx1(&e, "aws:SourceArn", other, 1);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_IMPLICIT_DENY);
    c = ctx1(&e, "aws:SourceArn", notarn, 1);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_IMPLICIT_DENY);
    tarn_iam_role_free(r);
}

static void test_conditions_negated_and_missing(void **state)
{
    tarn_iam_context_entry e;
    /* Deny unless TLS: Bool false on a missing key is false, so no deny. */
    tarn_iam_role *r = role_with(
        "tls", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
               "\"s3:*\",\"Resource\":\"*\"},{\"Sid\":\"TLS\",\"Effect\":\"Deny\",\"Action\":"
               "\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":"
               "false}}}]}");
    const char *f[] = {"false"}, *t[] = {"TRUE"};
    tarn_iam_context c = ctx1(&e, "aws:SecureTransport", f, 1);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_EXPLICIT_DENY);
    c = ctx1(&e, "aws:SecureTransport", t, 1);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_ALLOW);
    assert_int_equal(eff_ctx(r, NULL), TARN_IAM_ALLOW);
    tarn_iam_role_free(r);

    /* StringNotEquals on a missing key is true: the Deny applies. */
    r = role_with("acct", "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":"
                          "\"*\"},{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"*\","
                          "\"Condition\":{\"StringNotEquals\":{\"aws:SourceAccount\":"
                          "\"123456789012\"}}}]}");
    const char *mine[] = {"123456789012"}, *theirs[] = {"1"};
    assert_int_equal(eff_ctx(r, NULL), TARN_IAM_EXPLICIT_DENY);
    c = ctx1(&e, "aws:SourceAccount", theirs, 1);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_EXPLICIT_DENY);
    c = ctx1(&e, "aws:SourceAccount", mine, 1);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_ALLOW);
    tarn_iam_role_free(r);

    /* IfExists: a missing key passes, a present one is tested. */
    r = role_with("ie", COND_ALLOW("{\"StringEqualsIfExists\":{\"aws:x\":\"a\"}}"));
    const char *a[] = {"a"}, *b[] = {"b"};
    assert_int_equal(eff_ctx(r, NULL), TARN_IAM_ALLOW);
    c = ctx1(&e, "aws:x", b, 1);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_IMPLICIT_DENY);
    c = ctx1(&e, "aws:x", a, 1);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_ALLOW);
    tarn_iam_role_free(r);

    /* Null: "true" means the key must be absent. */
    r = role_with("null", COND_ALLOW("{\"Null\":{\"aws:x\":\"true\"}}"));
    assert_int_equal(eff_ctx(r, NULL), TARN_IAM_ALLOW);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_IMPLICIT_DENY);
    tarn_iam_role_free(r);
    r = role_with("nn", COND_ALLOW("{\"Null\":{\"aws:x\":false}}"));
    assert_int_equal(eff_ctx(r, NULL), TARN_IAM_IMPLICIT_DENY);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_ALLOW);
    tarn_iam_role_free(r);

    /* Several operators are ANDed. */
    r = role_with("and", COND_ALLOW("{\"StringEquals\":{\"aws:x\":\"a\"},\"Null\":{\"aws:y\":"
                                    "\"false\"}}"));
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_IMPLICIT_DENY);
    tarn_iam_context_entry two[] = {{"aws:x", a, 1}, {"aws:y", b, 1}};
    tarn_iam_context both = {two, 2};
    assert_int_equal(eff_ctx(r, &both), TARN_IAM_ALLOW);
    tarn_iam_role_free(r);
}

static void test_condition_sets(void **state)
{
    tarn_iam_context_entry e;
    const char *ok2[] = {"env", "team"}, *mixed[] = {"env", "secret"}, *none[] = {"x", "y"};
    tarn_iam_role *r = role_with("all", COND_ALLOW("{\"ForAllValues:StringEquals\":{\"aws:TagKeys\""
                                                   ":[\"env\",\"team\"]}}"));
    tarn_iam_context c = ctx1(&e, "aws:TagKeys", ok2, 2);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_ALLOW);
    c = ctx1(&e, "aws:TagKeys", mixed, 2);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_IMPLICIT_DENY);
    assert_int_equal(eff_ctx(r, NULL), TARN_IAM_ALLOW); /* ForAllValues on no key is true */
    tarn_iam_role_free(r);

    r = role_with("any", COND_ALLOW("{\"ForAnyValue:StringLike\":{\"aws:TagKeys\":\"sec*\"}}"));
    c = ctx1(&e, "aws:TagKeys", mixed, 2);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_ALLOW);
    c = ctx1(&e, "aws:TagKeys", none, 2);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_IMPLICIT_DENY);
    assert_int_equal(eff_ctx(r, NULL), TARN_IAM_IMPLICIT_DENY); /* ForAnyValue: false */
    tarn_iam_role_free(r);

    r = role_with("anyneg", COND_ALLOW("{\"ForAnyValue:StringNotEquals\":{\"aws:TagKeys\":"
                                       "\"env\"}}"));
    c = ctx1(&e, "aws:TagKeys", mixed, 2);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_ALLOW);
    const char *only_env[] = {"env"};
    c = ctx1(&e, "aws:TagKeys", only_env, 1);
    assert_int_equal(eff_ctx(r, &c), TARN_IAM_IMPLICIT_DENY);
    tarn_iam_role_free(r);
}

/* ---- trust policies ---- */

static tarn_iam_role *trusting(const char *trust)
{
    tarn_iam_role *r = NULL;
    tarn_error err = {0};
    if (tarn_iam_role_create("Svc", trust, NULL, NULL, 0, &r, &err))
        fail_msg("%s", err.msg);
    return r;
}

static void test_trust_policies(void **state)
{
    tarn_iam_role *r = trusting("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                                "\"Principal\":{\"Service\":\"glue.amazonaws.com\"},\"Action\":"
                                "\"sts:AssumeRole\"}]}");
    assert_true(tarn_iam_can_assume(r, "glue.amazonaws.com"));
    assert_false(tarn_iam_can_assume(r, "lambda.amazonaws.com"));
    tarn_iam_role_free(r);

    r = trusting("{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":"
                 "{\"Service\":[\"lambda.amazonaws.com\",\"glue.amazonaws.com\"]},\"Action\":"
                 "[\"sts:AssumeRole\"]}}");
    assert_true(tarn_iam_can_assume(r, "glue.amazonaws.com"));
    assert_true(tarn_iam_can_assume(r, "lambda.amazonaws.com"));
    assert_false(tarn_iam_can_assume(r, "athena.amazonaws.com"));
    tarn_iam_role_free(r);

    /* The action must cover sts:AssumeRole. */
    r = trusting("{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
                 "\"glue.amazonaws.com\"},\"Action\":\"sts:TagSession\"}}");
    assert_false(tarn_iam_can_assume(r, "glue.amazonaws.com"));
    tarn_iam_role_free(r);
    r = trusting("{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sts:*\"}}");
    assert_true(tarn_iam_can_assume(r, "glue.amazonaws.com"));
    tarn_iam_role_free(r);

    /* A Deny wins; a condition must hold. */
    r = trusting("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":"
                 "\"sts:AssumeRole\"},{\"Effect\":\"Deny\",\"Principal\":{\"Service\":"
                 "\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}");
    assert_true(tarn_iam_can_assume(r, "glue.amazonaws.com"));
    assert_false(tarn_iam_can_assume(r, "lambda.amazonaws.com"));
    tarn_iam_role_free(r);
    r = trusting("{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
                 "\"glue.amazonaws.com\"},\"Action\":\"sts:AssumeRole\",\"Condition\":"
                 "{\"StringEquals\":{\"aws:SourceAccount\":\"123456789012\"}}}}");
    tarn_iam_context_entry e;
    const char *acct[] = {"123456789012"};
    tarn_iam_context c = ctx1(&e, "aws:SourceAccount", acct, 1);
    assert_true(tarn_iam_can_assume_ctx(r, "glue.amazonaws.com", &c));
    assert_false(tarn_iam_can_assume(r, "glue.amazonaws.com"));
    tarn_iam_role_free(r);

    tarn_iam_role *bad = NULL;
    tarn_error err = {0};
    assert_int_equal(tarn_iam_role_create("Svc", "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":"
                                                 "\"sts:AssumeRole\",\"Resource\":\"*\"}}",
                                          NULL, NULL, 0, &bad, &err), INV);
    assert_non_null(strstr(err.msg, "policy 'Svc trust policy', statement 1"));
    assert_null(bad);
}

/* ---- managed policies ---- */

#define GLUE_ROLE "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole"

static void test_managed_glue_service_role(void **state)
{
    tarn_iam_role *r = role_managed(GLUE_ROLE);
    assert_true(allowed(r, "glue:CreateTable", "*"));
    assert_true(allowed(r, "glue:StartJobRun", "arn:aws:glue:us-east-1:1:job/x"));
    assert_true(allowed(r, "s3:ListBucket", "arn:aws:s3:::etl-poc-data-raw"));
    assert_true(allowed(r, "s3:GetBucketLocation", "arn:aws:s3:::anything"));
    assert_true(allowed(r, "s3:ListAllMyBuckets", "*"));
    assert_true(allowed(r, "s3:GetObject", "arn:aws:s3:::aws-glue-scripts-1/etl.py"));
    assert_true(allowed(r, "s3:PutObject", "arn:aws:s3:::aws-glue-temp/a"));
    assert_true(allowed(r, "s3:DeleteObject", "arn:aws:s3:::mine/tmp/aws-glue-x/y"));
    assert_true(allowed(r, "s3:GetObject", "arn:aws:s3:::crawler-public-us-east-1/f"));
    assert_true(allowed(r, "s3:CreateBucket", "arn:aws:s3:::aws-glue-new"));
    assert_false(allowed(r, "s3:CreateBucket", "arn:aws:s3:::etl-poc-data-raw"));
    assert_false(allowed(r, "s3:GetObject", "arn:aws:s3:::etl-poc-data-silver/who/a.parquet"));
    assert_false(allowed(r, "s3:PutObject", "arn:aws:s3:::etl-poc-data-silver/who/a.parquet"));
    assert_false(allowed(r, "s3:PutObject", "arn:aws:s3:::crawler-public-x/f"));
    assert_true(allowed(r, "logs:PutLogEvents", "arn:aws:logs:us-east-1:000000000000:log-group:"
                                                "/aws-glue/jobs/output:log-stream:jr_1"));
    assert_false(allowed(r, "logs:PutLogEvents", "arn:aws:logs:us-east-1:0:log-group:/other"));
    assert_false(allowed(r, "logs:DeleteLogGroup", "arn:aws:logs:us-east-1:0:log-group:/aws-glue/x"));
    assert_false(allowed(r, "iam:CreateRole", "*"));
    /* ec2 tags only with the Glue tag key (ForAllValues: true with no keys). */
    const char *eni = "arn:aws:ec2:us-east-1:1:network-interface/eni-1";
    tarn_iam_context_entry e = {"aws:TagKeys", NULL, 0};
    const char *glue_tag[] = {"aws-glue-service-resource"}, *other[] = {"owner"};
    tarn_iam_context c = {&e, 1};
    tarn_iam_decision d;
    e.values = glue_tag;
    e.nvalues = 1;
    assert_int_equal(tarn_iam_evaluate_ctx(r, "ec2:CreateTags", eni, &c, &d, NULL), TARN_OK);
    assert_true(d.allowed);
    assert_string_equal(d.policy, "AWSGlueServiceRole");
    e.values = other;
    assert_int_equal(tarn_iam_evaluate_ctx(r, "ec2:CreateTags", eni, &c, &d, NULL), TARN_OK);
    assert_false(d.allowed);
    tarn_iam_role_free(r);
}

static void test_managed_s3_athena_logs(void **state)
{
    tarn_iam_role *r = role_managed("arn:aws:iam::aws:policy/AmazonS3FullAccess");
    assert_true(allowed(r, "s3:PutObject", "arn:aws:s3:::any/k"));
    assert_true(allowed(r, "s3:DeleteBucket", "arn:aws:s3:::any"));
    assert_true(allowed(r, "s3-object-lambda:GetObject", "*"));
    assert_false(allowed(r, "glue:GetTable", "*"));
    tarn_iam_role_free(r);

    r = role_managed("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess");
    assert_true(allowed(r, "s3:GetObject", "arn:aws:s3:::any/k"));
    assert_true(allowed(r, "s3:ListBucket", "arn:aws:s3:::any"));
    assert_true(allowed(r, "s3:DescribeJob", "*"));
    assert_true(allowed(r, "s3-object-lambda:ListBucket", "*"));
    assert_false(allowed(r, "s3:PutObject", "arn:aws:s3:::any/k"));
    assert_false(allowed(r, "s3:DeleteObject", "arn:aws:s3:::any/k"));
    assert_false(allowed(r, "s3-object-lambda:PutObject", "*"));
    tarn_iam_role_free(r);

    r = role_managed("arn:aws:iam::aws:policy/AmazonAthenaFullAccess");
    assert_true(allowed(r, "athena:StartQueryExecution", "*"));
    assert_true(allowed(r, "glue:GetTable", "*"));
    assert_false(allowed(r, "glue:CreateCrawler", "*"));
    assert_true(allowed(r, "s3:PutObject", "arn:aws:s3:::aws-athena-query-results-1/q.csv"));
    assert_false(allowed(r, "s3:PutObject", "arn:aws:s3:::etl-poc-query-results/q.csv"));
    assert_true(allowed(r, "s3:ListBucket", "arn:aws:s3:::etl-poc-query-results"));
    tarn_iam_role_free(r);

    r = role_managed("arn:aws:iam::aws:policy/CloudWatchLogsFullAccess");
    assert_true(allowed(r, "logs:CreateLogStream", "arn:aws:logs:r:1:log-group:g"));
    assert_true(allowed(r, "logs:DeleteLogGroup", "*"));
    assert_false(allowed(r, "s3:GetObject", "arn:aws:s3:::b/k"));
    tarn_iam_role_free(r);
}

static void test_managed_unknown_and_list(void **state)
{
    const char *const *known = tarn_iam_managed_arns();
    size_t n = 0;
    while (known[n])
        n++;
    assert_int_equal(n, 5);
    tarn_iam_role *r = NULL;
    tarn_error err = {0};
    const char *arns[] = {GLUE_ROLE, "arn:aws:iam::aws:policy/AdministratorAccess"};
    assert_int_equal(tarn_iam_role_create("R", NULL, NULL, arns, 2, &r, &err),
                     TARN_ERR_UNSUPPORTED);
    assert_null(r);
    assert_non_null(strstr(err.msg, "'arn:aws:iam::aws:policy/AdministratorAccess'"));
    for (size_t i = 0; i < n; i++)
        assert_non_null(strstr(err.msg, known[i]));
}

/* ---- roles ---- */

static void test_role_inline_forms(void **state)
{
    tarn_iam_role *r = NULL;
    tarn_error err = {0};
    /* PolicyDocument as a JSON string, as the IAM API takes it. */
    const char *arr = "[{\"PolicyName\":\"s\",\"PolicyDocument\":\"{\\\"Statement\\\":{"
                      "\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":\\\"s3:GetObject\\\","
                      "\\\"Resource\\\":\\\"*\\\"}}\"}]";
    assert_int_equal(tarn_iam_role_create("R", NULL, arr, NULL, 0, &r, &err), TARN_OK);
    assert_string_equal(tarn_iam_role_name(r), "R");
    assert_true(allowed(r, "s3:GetObject", "arn:aws:s3:::b/k"));
    tarn_iam_role_free(r);

    memset(&err, 0, sizeof err);
    assert_int_equal(tarn_iam_role_create("R", NULL, "[{\"PolicyDocument\":{}}]", NULL, 0, &r,
                                          &err), INV);
    assert_non_null(strstr(err.msg, "inline policy 1 needs PolicyName"));
    memset(&err, 0, sizeof err);
    assert_int_equal(tarn_iam_role_create("R", NULL, "{}", NULL, 0, &r, &err), INV);
    assert_non_null(strstr(err.msg, "must be a JSON array"));
    memset(&err, 0, sizeof err);
    assert_int_equal(tarn_iam_role_create("R", NULL, "[{\"PolicyName\":\"w\",\"PolicyDocument\":"
                                                     "{\"Statement\":{\"Effect\":\"Allow\","
                                                     "\"Action\":\"s3:*\"}}}]", NULL, 0, &r,
                                          &err), INV);
    assert_non_null(strstr(err.msg, "policy 'w', statement 1: needs Resource"));
    assert_null(r);
}

/* The shape of examples/etl-poc's GlueSparkJobRole once stack/ has
** resolved its intrinsics. */
static void test_pipeline_role(void **state)
{
    const char *trust = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                        "\"Principal\":{\"Service\":[\"glue.amazonaws.com\"]},\"Action\":"
                        "[\"sts:AssumeRole\"]}]}";
    const char *inl =
        "[{\"PolicyName\":\"etl-poc-transform-s3\",\"PolicyDocument\":{\"Version\":"
        "\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:ListBucket\"],"
        "\"Resource\":[\"arn:aws:s3:::etl-poc-data-raw\",\"arn:aws:s3:::etl-poc-data-silver\"]},"
        "{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\",\"s3:DeleteObject\"],"
        "\"Resource\":[\"arn:aws:s3:::etl-poc-data-raw/*\",\"arn:aws:s3:::etl-poc-data-silver/*\"]"
        "}]}}]";
    const char *managed[] = {GLUE_ROLE};
    tarn_iam_role *r = NULL;
    tarn_error err = {0};
    if (tarn_iam_role_create("GlueSparkJobRole", trust, inl, managed, 1, &r, &err))
        fail_msg("%s", err.msg);
    assert_true(tarn_iam_can_assume(r, "glue.amazonaws.com"));
    assert_false(tarn_iam_can_assume(r, "athena.amazonaws.com"));
    assert_true(allowed(r, "s3:GetObject", "arn:aws:s3:::etl-poc-data-raw/who/data.csv"));
    assert_true(allowed(r, "s3:PutObject", "arn:aws:s3:::etl-poc-data-silver/who/p.parquet"));
    assert_true(allowed(r, "s3:ListBucket", "arn:aws:s3:::etl-poc-data-silver"));
    assert_true(allowed(r, "glue:UpdateTable", "*"));
    tarn_iam_decision d;
    char msg[512];
    const char *gold = "arn:aws:s3:::etl-poc-data-gold/who/country=FR/p.parquet";
    tarn_iam_evaluate(r, "s3:PutObject", gold, &d);
    assert_false(d.allowed);
    tarn_iam_denied_message(r, "s3:PutObject", gold, &d, msg, sizeof msg);
    assert_string_equal(msg, "AccessDenied: role 'GlueSparkJobRole' is not allowed to perform "
                             "'s3:PutObject' on 'arn:aws:s3:::etl-poc-data-gold/who/country=FR/"
                             "p.parquet' (no statement allows it)");
    tarn_iam_role_free(r);
}

static void test_s3_arn_helper(void **state)
{
    char buf[128];
    tarn_iam_s3_arn("etl-poc-data-silver", "who/a.parquet", buf, sizeof buf);
    assert_string_equal(buf, "arn:aws:s3:::etl-poc-data-silver/who/a.parquet");
    tarn_iam_s3_arn("b", NULL, buf, sizeof buf);
    assert_string_equal(buf, "arn:aws:s3:::b");
    tarn_iam_s3_arn("b", "", buf, sizeof buf);
    assert_string_equal(buf, "arn:aws:s3:::b");
}

static void test_glob_is_not_exponential(void **state)
{
    char res[8200] = "arn:aws:s3:::b/";
    size_t l = strlen(res);
    memset(res + l, 'a', sizeof res - l - 1);
    res[sizeof res - 1] = '\0';
    tarn_iam_role *r = role_with("slow", ALLOW_GET_ON("\"arn:aws:s3:::b/*a*a*a*a*a*a*a*a*a*a*b\""));
    clock_t t0 = clock();
    assert_false(allowed(r, "s3:GetObject", res));
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
    tarn_iam_role_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_shapes),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_policy_variables),
        cmocka_unit_test(test_condition_operator_errors),
        cmocka_unit_test(test_action_wildcards),
        cmocka_unit_test(test_resource_matching),
        cmocka_unit_test(test_not_action_not_resource),
        cmocka_unit_test(test_deny_wins_across_policies),
        cmocka_unit_test(test_implicit_deny),
        cmocka_unit_test(test_denied_messages),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_conditions_positive),
        cmocka_unit_test(test_conditions_negated_and_missing),
        cmocka_unit_test(test_condition_sets),
        cmocka_unit_test(test_trust_policies),
        cmocka_unit_test(test_managed_glue_service_role),
        cmocka_unit_test(test_managed_s3_athena_logs),
        cmocka_unit_test(test_managed_unknown_and_list),
        cmocka_unit_test(test_role_inline_forms),
        cmocka_unit_test(test_pipeline_role),
        cmocka_unit_test(test_s3_arn_helper),
        cmocka_unit_test(test_glob_is_not_exponential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
