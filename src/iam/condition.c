/*
** condition.c: the Condition element of IAM statements: parsing operator
** blocks (with IfExists and ForAllValues:/ForAnyValue:) and evaluating them
** over a request context, following AWS's documented rules for missing keys
** and multi-valued keys. An operator tarn cannot evaluate is a parse error,
** never a silently ignored test. Matching helpers are in match.c.
*/
#include "iam/iam_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    iam_cond_op op;
} operators[] = {
    {"StringEquals", COND_STRING_EQUALS},
    {"StringNotEquals", COND_STRING_NOT_EQUALS},
    {"StringEqualsIgnoreCase", COND_STRING_EQUALS_IC},
    {"StringNotEqualsIgnoreCase", COND_STRING_NOT_EQUALS_IC},
    {"StringLike", COND_STRING_LIKE},
    {"StringNotLike", COND_STRING_NOT_LIKE},
    {"ArnEquals", COND_ARN_EQUALS},
    {"ArnLike", COND_ARN_LIKE},
    {"ArnNotEquals", COND_ARN_NOT_EQUALS},
    {"ArnNotLike", COND_ARN_NOT_LIKE},
    {"Bool", COND_BOOL},
    {"Null", COND_NULL},
};

#define SUPPORTED_LIST                                                                       \
    "StringEquals, StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, "     \
    "StringLike, StringNotLike, ArnEquals, ArnLike, ArnNotEquals, ArnNotLike, Bool, Null "   \
    "(with IfExists, ForAllValues:, ForAnyValue:)"

/* IAM operators tarn knows of but does not evaluate. */
static const char *const unsupported[] = {
    "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
    "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals", "DateNotEquals",
    "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
    "BinaryEquals", "IpAddress", "NotIpAddress"};

/* Split "ForAllValues:StringLikeIfExists" into its parts; returns false if
** the base operator is not one tarn evaluates (*known says whether it is an
** IAM operator at all). */
static bool parse_operator(const char *s, iam_cond *c, bool *known)
{
    c->set = COND_SINGLE;
    if (strncmp(s, "ForAllValues:", 13) == 0) {
        c->set = COND_FOR_ALL;
        s += 13;
    } else if (strncmp(s, "ForAnyValue:", 12) == 0) {
        c->set = COND_FOR_ANY;
        s += 12;
    }
    size_t n = strlen(s);
    c->if_exists = n > 8 && strcmp(s + n - 8, "IfExists") == 0;
    if (c->if_exists)
        n -= 8;
    *known = false;
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
        *known |= strlen(unsupported[i]) == n && strncmp(s, unsupported[i], n) == 0;
    for (size_t i = 0; i < sizeof operators / sizeof operators[0]; i++) {
        if (strlen(operators[i].name) == n && strncmp(s, operators[i].name, n) == 0) {
            c->op = operators[i].op;
            *known = true;
            return true;
        }
    }
    return false;
}

/* Append one condition value (string, boolean or number) as text. */
static int push_value(json_t *v, bool variables, iam_strlist *out, const char *where,
                      const char *key, tarn_error *err)
{
    char num[64];
    const char *s = NULL;
    if (json_is_string(v)) {
        s = json_string_value(v);
    } else if (json_is_boolean(v)) {
        s = json_is_true(v) ? "true" : "false";
    } else if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        s = num;
    } else if (json_is_real(v)) {
        snprintf(num, sizeof num, "%.17g", json_real_value(v));
        s = num;
    }
    if (!s)
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: Condition key "
                              "'%.64s' values must be strings, numbers or booleans", where, key);
    if (variables && strstr(s, "${"))
        return tarn_error_set(err, TARN_ERR_UNSUPPORTED, "%s: Condition key '%.64s' value "
                              "'%.100s' uses a policy variable, which tarn does not evaluate",
                              where, key, s);
    iam_strlist_push(out, s);
    return TARN_OK;
}

/* The values of one key: a scalar or a non-empty array of scalars. */
static int parse_values(json_t *v, bool variables, iam_cond *c, const char *where,
                        tarn_error *err)
{
    if (!json_is_array(v))
        return push_value(v, variables, &c->values, where, c->key, err);
    if (json_array_size(v) == 0)
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: Condition key "
                              "'%.64s' has no values", where, c->key);
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        int rc = push_value(e, variables, &c->values, where, c->key, err);
        if (rc)
            return rc;
    }
    return TARN_OK;
}

/* Bool and Null take "true" or "false"; Null takes no qualifier. */
static int check_boolean_values(const iam_cond *c, const char *opname, const char *where,
                                tarn_error *err)
{
    if (c->op != COND_BOOL && c->op != COND_NULL)
        return TARN_OK;
    if (c->op == COND_NULL && (c->if_exists || c->set != COND_SINGLE))
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: condition "
                              "operator '%.64s': Null takes no IfExists or set qualifier", where,
                              opname);
    for (size_t i = 0; i < c->values.n; i++)
        if (strcasecmp(c->values.v[i], "true") && strcasecmp(c->values.v[i], "false"))
            return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: %.64s "
                                  "condition on '%.64s' takes \"true\" or \"false\", not "
                                  "'%.64s'", where, opname, c->key, c->values.v[i]);
    return TARN_OK;
}

/* Append the conditions of one operator block ({"key": values, ...}). */
static int parse_block(const char *opname, json_t *block, bool variables, iam_statement *st,
                       const char *where, tarn_error *err)
{
    iam_cond proto = {0};
    bool known = false;
    if (!parse_operator(opname, &proto, &known))
        return tarn_error_set(err, known ? TARN_ERR_UNSUPPORTED : TARN_ERR_INVALID,
                              "%s%s: condition operator '%.64s' %s; tarn evaluates " SUPPORTED_LIST,
                              known ? "" : "MalformedPolicyDocument: ", where, opname,
                              known ? "is not supported by tarn, and a statement with a condition "
                                      "tarn cannot evaluate must not grant anything"
                                    : "is not an IAM condition operator");
    if (!json_is_object(block) || json_object_size(block) == 0)
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: condition "
                              "operator '%.64s' needs an object of keys and values", where,
                              opname);
    const char *key;
    json_t *v;
    json_object_foreach(block, key, v) {
        st->conds = tarn_xrealloc(st->conds, (st->nconds + 1) * sizeof *st->conds);
        iam_cond *c = &st->conds[st->nconds++];
        *c = proto;
        c->key = tarn_xstrdup(key);
        int rc = parse_values(v, variables, c, where, err);
        if (!rc)
            rc = check_boolean_values(c, opname, where, err);
        if (rc)
            return rc;
    }
    return TARN_OK;
}

int iam_conditions_parse(json_t *cond, bool variables, iam_statement *st, const char *where,
                         tarn_error *err)
{
    if (!json_is_object(cond))
        return tarn_error_set(err, TARN_ERR_INVALID, "MalformedPolicyDocument: %s: Condition must "
                              "be an object of operators", where);
    const char *opname;
    json_t *block;
    json_object_foreach(cond, opname, block) {
        int rc = parse_block(opname, block, variables, st, where, err);
        if (rc)
            return rc;
    }
    return TARN_OK;
}

void iam_cond_free(iam_cond *c)
{
    free(c->key);
    iam_strlist_free(&c->values);
}

/* The context entry for key (case-insensitive), or NULL. */
static const tarn_iam_context_entry *find_key(const tarn_iam_context *ctx, const char *key)
{
    for (size_t i = 0; ctx && i < ctx->n; i++)
        if (ctx->entries[i].key && strcasecmp(ctx->entries[i].key, key) == 0)
            return &ctx->entries[i];
    return NULL;
}

static bool is_negated(iam_cond_op op)
{
    return op == COND_STRING_NOT_EQUALS || op == COND_STRING_NOT_EQUALS_IC ||
           op == COND_STRING_NOT_LIKE || op == COND_ARN_NOT_EQUALS || op == COND_ARN_NOT_LIKE;
}

/* The positive test of op between one policy value and one request value. */
static bool base_match(iam_cond_op op, const char *pv, const char *rv)
{
    switch (op) {
    case COND_STRING_EQUALS:
    case COND_STRING_NOT_EQUALS:
        return strcmp(pv, rv) == 0;
    case COND_STRING_EQUALS_IC:
    case COND_STRING_NOT_EQUALS_IC:
    case COND_BOOL:
        return strcasecmp(pv, rv) == 0;
    case COND_STRING_LIKE:
    case COND_STRING_NOT_LIKE:
        return iam_glob(pv, rv, false);
    default: /* the Arn operators: all four match with wildcards per segment */
        return iam_arn_match(pv, rv);
    }
}

/* True if some policy value matches request value rv. */
static bool any_policy_value(const iam_cond *c, const char *rv)
{
    for (size_t i = 0; i < c->values.n; i++)
        if (base_match(c->op, c->values.v[i], rv))
            return true;
    return false;
}

/* One condition against the context. */
static bool cond_holds(const iam_cond *c, const tarn_iam_context *ctx)
{
    const tarn_iam_context_entry *e = find_key(ctx, c->key);
    bool present = e && e->nvalues > 0 && e->values;
    if (c->op == COND_NULL) {
        bool want_absent = strcasecmp(c->values.v[0], "true") == 0;
        return want_absent != present;
    }
    if (!present) {
        if (c->set == COND_FOR_ALL || c->if_exists)
            return true;
        return c->set == COND_SINGLE && is_negated(c->op);
    }
    bool neg = is_negated(c->op);
    size_t hits = 0, n = e->nvalues;
    for (size_t i = 0; i < n; i++)
        hits += any_policy_value(c, e->values[i] ? e->values[i] : "");
    switch (c->set) {
    case COND_FOR_ALL:
        return neg ? hits == 0 : hits == n;
    case COND_FOR_ANY:
        return neg ? hits < n : hits > 0;
    default:
        return neg ? hits == 0 : hits > 0;
    }
}

bool iam_conditions_hold(const iam_statement *st, const tarn_iam_context *ctx)
{
    for (size_t i = 0; i < st->nconds; i++)
        if (!cond_holds(&st->conds[i], ctx))
            return false;
    return true;
}
