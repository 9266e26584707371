/*
** cli_iam.c: `tarn iam simulate ROLE ACTION RESOURCE`: evaluates one
** request against a stored role's policies as IAM would (iam.h) and says
** whether it is allowed and which statement decided it, like `aws iam
** simulate-principal-policy`. Exit 0 when allowed, 1 when denied.
**
** RESOURCE is an ARN, "*", or for S3 an s3://bucket[/key] URI (turned into
** the bucket's or the object's ARN).
*/
#include "cli/cli_verbs.h"

#include <stdio.h>
#include <string.h>

#include "iam/iam.h"

/* The ARN the resource argument stands for, into buf. */
static const char *resource_arn(const char *arg, char *buf, size_t n)
{
    if (strncmp(arg, "s3://", 5) != 0) {
        snprintf(buf, n, "%s", arg);
        return buf;
    }
    const char *b = arg + 5, *slash = strchr(b, '/');
    char bucket[256];
    snprintf(bucket, sizeof bucket, "%.*s", slash ? (int)(slash - b) : (int)strlen(b), b);
    tarn_iam_s3_arn(bucket, slash && slash[1] ? slash + 1 : NULL, buf, n);
    return buf;
}

/* AWS's EvalDecision names. */
static const char *decision_name(tarn_iam_effect e)
{
    return e == TARN_IAM_ALLOW ? "allowed" : e == TARN_IAM_EXPLICIT_DENY ? "explicitDeny"
                                                                           : "implicitDeny";
}

/* "statement 2 (Sid 'Get') of policy 'read-data'" into buf. */
static const char *statement_text(const tarn_iam_decision *d, char *buf, size_t n)
{
    if (d->effect == TARN_IAM_IMPLICIT_DENY)
        snprintf(buf, n, "no statement allows it (implicit deny)");
    else if (d->sid[0])
        snprintf(buf, n, "statement %zu (Sid '%s') of policy '%s'", d->statement, d->sid,
                 d->policy);
    else
        snprintf(buf, n, "statement %zu of policy '%s'", d->statement, d->policy);
    return buf;
}

static void print_decision(const tarn_cli *cli, const tarn_iam_role *role, const char *action,
                           const char *arn, const tarn_iam_decision *d)
{
    char why[2 * TARN_IAM_NAME_MAX + 96];
    statement_text(d, why, sizeof why);
    if (cli->json) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "role", tarn_iam_role_name(role),
                              "action", action, "resource", arn, "decision",
                              decision_name(d->effect), "allowed", d->allowed);
        bool implicit = d->effect == TARN_IAM_IMPLICIT_DENY;
        json_object_set_new(o, "policy", implicit ? json_null() : json_string(d->policy));
        json_object_set_new(o, "statement", implicit ? json_null()
                                                     : json_integer((json_int_t)d->statement));
        json_object_set_new(o, "sid", implicit || !d->sid[0] ? json_null() : json_string(d->sid));
        json_object_set_new(o, "reason", json_string(why));
        tarn_cli_json_print(o);
        return;
    }
    printf("%s: role '%s' %s '%s' on '%s'\n", d->allowed ? "allowed" : "denied",
           tarn_iam_role_name(role), d->allowed ? "may perform" : "may not perform", action, arn);
    if (d->effect == TARN_IAM_IMPLICIT_DENY)
        printf("  %s\n", why);
    else
        printf("  %s by %s\n", d->allowed ? "allowed" : "explicitly denied", why);
}

static int iam_simulate(tarn_cli *cli, tarn_cli_home *h, char **args, int nargs)
{
    (void)nargs;
    tarn_error err = {0};
    tarn_iam_role *role = NULL;
    if (tarn_iam_role_load(h->cat, args[0], &role, &err))
        return tarn_cli_fail(&err);
    char arn[2048];
    resource_arn(args[2], arn, sizeof arn);
    tarn_iam_decision d;
    memset(&d, 0, sizeof d);
    int rc = tarn_iam_evaluate_ctx(role, args[1], arn, NULL, &d, &err);
    if (!rc)
        print_decision(cli, role, args[1], arn, &d);
    tarn_iam_role_free(role);
    if (rc == TARN_ERR_INVALID) /* a malformed ACTION or RESOURCE */
        return tarn_cli_usage_error("%s", err.msg);
    if (rc)
        return tarn_cli_fail(&err);
    return d.allowed ? TARN_EXIT_OK : TARN_EXIT_FAIL;
}

static const tarn_cli_verb verbs[] = {
    {"simulate", "ROLE ACTION RESOURCE", 3, 3, iam_simulate,
     "whether ROLE may perform ACTION (s3:GetObject, ...) on RESOURCE (an ARN, * or "
     "s3://bucket/key), and the statement that decides it; exit 1 when denied"},
};

int tarn_cli_iam(tarn_cli *cli, int argc, char **argv)
{
    static const tarn_cli_noun noun = {"iam", "IAM roles stored by 'tarn stack deploy'", verbs,
                                       sizeof verbs / sizeof verbs[0]};
    return tarn_cli_verbs_run(cli, &noun, argc, argv);
}
