/*
** fuzz_policy.c: libFuzzer target over IAM policy parsing and evaluation
** (iam/iam.h). The input is a policy document, parsed as an identity policy,
** as a trust policy and (wrapped) as a role's inline policy array. Besides
** "never crash, leak or hang", it checks evaluation against rules that hold
** for every policy p, over a fixed set of requests and contexts:
**   - a decision names a statement of the policy that made it;
**   - with a Deny-everything policy added, every request is explicitly denied;
**   - with an Allow-everything policy added, a request p denies explicitly
**     stays denied by the same statement, and every other one is allowed;
**   - the same request evaluated twice gives the same decision.
** Every refusal must carry a message.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam/iam.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
#define MAX_INPUT 65536

static const char *const actions[] = {"s3:GetObject", "s3:PutObject", "S3:listbucket",
                                      "glue:CreateTable", "iam:PassRole", "logs:PutLogEvents",
                                      "sts:AssumeRole", "ec2:CreateTags"};
static const char *const resources[] = {"*", "arn:aws:s3:::b", "arn:aws:s3:::b/k/x.parquet",
                                        "arn:aws:s3:::aws-glue-x/y",
                                        "arn:aws:logs:us-east-1:1:log-group:/aws-glue/jobs",
                                        "arn:aws:ec2:us-east-1:1:network-interface/eni-1"};
static const char *const acct[] = {"123456789012"};
static const char *const tags[] = {"aws-glue-service-resource", "env"};
static const char *const secure[] = {"true"};
static const tarn_iam_context_entry entries[] = {{"aws:SourceAccount", acct, 1},
                                                 {"aws:TagKeys", tags, 2},
                                                 {"aws:SecureTransport", secure, 1}};
static const tarn_iam_context ctx = {entries, 3};

static tarn_iam_policy *allow_all, *deny_all;

/* Parse one of the fixed helper policies (once). */
static tarn_iam_policy *fixed(const char *name, const char *effect)
{
    char doc[160];
    snprintf(doc, sizeof doc, "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"%s\","
                              "\"Action\":\"*\",\"Resource\":\"*\"}}", effect);
    tarn_iam_policy *p = NULL;
    CHECK(tarn_iam_policy_parse(name, doc, strlen(doc), TARN_IAM_IDENTITY_POLICY, &p, NULL) ==
          TARN_OK);
    return p;
}

static tarn_iam_decision eval(tarn_iam_policy *const *ps, size_t n, const char *a, const char *r,
                              const tarn_iam_context *c)
{
    tarn_iam_decision d;
    CHECK(tarn_iam_policies_evaluate(ps, n, a, r, c, &d, NULL) == TARN_OK);
    CHECK(d.allowed == (d.effect == TARN_IAM_ALLOW));
    return d;
}

/* The rules of the file comment for one request against p. */
static void check_request(tarn_iam_policy *p, const char *a, const char *r,
                          const tarn_iam_context *c)
{
    tarn_iam_policy *one[] = {p}, *with_deny[] = {p, deny_all}, *with_allow[] = {p, allow_all};
    tarn_iam_decision d = eval(one, 1, a, r, c), again = eval(one, 1, a, r, c);
    CHECK(memcmp(&d, &again, sizeof d) == 0);
    if (d.effect == TARN_IAM_IMPLICIT_DENY)
        CHECK(d.statement == 0 && d.policy[0] == '\0');
    else
        CHECK(d.statement >= 1 && d.statement <= tarn_iam_policy_statements(p) &&
              strcmp(d.policy, "fuzz") == 0);
    tarn_iam_decision dd = eval(with_deny, 2, a, r, c);
    CHECK(dd.effect == TARN_IAM_EXPLICIT_DENY);
    tarn_iam_decision da = eval(with_allow, 2, a, r, c);
    if (d.effect == TARN_IAM_EXPLICIT_DENY)
        CHECK(da.effect == TARN_IAM_EXPLICIT_DENY && da.statement == d.statement &&
              strcmp(da.policy, "fuzz") == 0);
    else
        CHECK(da.effect == TARN_IAM_ALLOW);
}

/* Parse as an identity policy and check every request. */
static void fuzz_identity(const char *doc, size_t len)
{
    tarn_iam_policy *p = NULL;
    tarn_error err = {0};
    if (tarn_iam_policy_parse("fuzz", doc, len, TARN_IAM_IDENTITY_POLICY, &p, &err) != TARN_OK) {
        CHECK(err.msg[0] != '\0' && p == NULL);
        return;
    }
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        for (size_t j = 0; j < sizeof resources / sizeof resources[0]; j++) {
            check_request(p, actions[i], resources[j], NULL);
            check_request(p, actions[i], resources[j], &ctx);
        }
    tarn_iam_policy_free(p);
}

/* Use the text as a trust policy and as a role's inline policy. */
static void fuzz_role(const char *text, size_t len)
{
    tarn_iam_role *role = NULL;
    tarn_error err = {0};
    if (tarn_iam_role_create("FuzzRole", text, NULL, NULL, 0, &role, &err) == TARN_OK) {
        bool glue = tarn_iam_can_assume(role, "glue.amazonaws.com");
        CHECK(glue == tarn_iam_can_assume(role, "glue.amazonaws.com"));
        (void)tarn_iam_can_assume_ctx(role, "lambda.amazonaws.com", &ctx);
        tarn_iam_role_free(role);
    } else {
        CHECK(err.msg[0] != '\0' && role == NULL);
    }
    char *arr = malloc(len + 64);
    int n = snprintf(arr, len + 64, "[{\"PolicyName\":\"fuzz\",\"PolicyDocument\":%s}]", text);
    CHECK(n > 0);
    memset(&err, 0, sizeof err);
    if (tarn_iam_role_create("FuzzRole", NULL, arr, NULL, 0, &role, &err) == TARN_OK) {
        tarn_iam_decision d;
        char msg[512];
        CHECK(tarn_iam_evaluate(role, "s3:GetObject", "arn:aws:s3:::b/k", &d) == TARN_OK);
        tarn_iam_denied_message(role, "s3:GetObject", "arn:aws:s3:::b/k", &d, msg, sizeof msg);
        CHECK(strncmp(msg, "AccessDenied: role 'FuzzRole'", 29) == 0);
        tarn_iam_role_free(role);
    } else {
        CHECK(err.msg[0] != '\0' && role == NULL);
    }
    free(arr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    if (!allow_all) {
        allow_all = fixed("allow-all", "Allow");
        deny_all = fixed("deny-all", "Deny");
    }
    fuzz_identity((const char *)data, size);
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    fuzz_role(text, strlen(text));
    free(text);
    return 0;
}
