/*
** iam_int.h: internals of iam/: the parsed form of a policy, shared by the
** parser (policy.c), the condition code (condition.c), the matchers
** (match.c) and evaluation (eval.c). Nothing outside iam/ includes it.
*/
#ifndef TARN_IAM_INT_H
#define TARN_IAM_INT_H

#include <jansson.h>

#include "iam/iam.h"

/* An owned list of strings. */
typedef struct iam_strlist {
    char **v;
    size_t n;
} iam_strlist;

/* The condition operators tarn evaluates (without qualifiers). */
typedef enum iam_cond_op {
    COND_STRING_EQUALS,
    COND_STRING_NOT_EQUALS,
    COND_STRING_EQUALS_IC,
    COND_STRING_NOT_EQUALS_IC,
    COND_STRING_LIKE,
    COND_STRING_NOT_LIKE,
    COND_ARN_EQUALS,
    COND_ARN_LIKE,
    COND_ARN_NOT_EQUALS,
    COND_ARN_NOT_LIKE,
    COND_BOOL,
    COND_NULL
} iam_cond_op;

/* ForAllValues: / ForAnyValue: qualifier. */
typedef enum iam_cond_set {
    COND_SINGLE = 0,
    COND_FOR_ALL,
    COND_FOR_ANY
} iam_cond_set;

/* One (operator, key, values) test of a Condition block. */
typedef struct iam_cond {
    iam_cond_op op;
    iam_cond_set set;
    bool if_exists;
    char *key;
    iam_strlist values;
} iam_cond;

/* A Principal or NotPrincipal element. */
typedef struct iam_principal {
    bool any;              /* "*" or {"AWS": "*"} */
    iam_strlist service;
    iam_strlist aws;
    iam_strlist federated;
    iam_strlist canonical;
} iam_principal;

typedef struct iam_statement {
    char *sid;             /* NULL if none */
    bool deny;
    bool not_action;
    iam_strlist actions;
    bool has_resource;
    bool not_resource;
    iam_strlist resources;
    bool has_principal;
    bool not_principal;
    iam_principal principal;
    iam_cond *conds;
    size_t nconds;
} iam_statement;

struct tarn_iam_policy {
    char *name;
    iam_statement *st;
    size_t n;
};

struct tarn_iam_role {
    char *name;
    tarn_iam_policy *trust;      /* NULL: nobody may assume the role */
    tarn_iam_policy **policies;  /* inline first, then managed */
    size_t npolicies;
};

/* match.c */
/* Glob match with '*' and '?' over whole strings; icase folds ASCII case. */
bool iam_glob(const char *pat, const char *text, bool icase);
/* An action pattern against a request action (case-insensitive). */
bool iam_action_match(const char *pat, const char *action);
/* True if s has the shape of an ARN: "arn:" and at least five ':'. */
bool iam_is_arn(const char *s);
/* An ARN pattern (or "*") against an ARN, segment by segment. */
bool iam_arn_match(const char *pat, const char *arn);

/* condition.c */
/* Parse a statement's Condition object into st->conds. where names the
** statement in errors. */
int iam_conditions_parse(json_t *cond, bool variables, iam_statement *st, const char *where,
                         tarn_error *err);
/* True if every condition of st holds in ctx (which may be NULL). */
bool iam_conditions_hold(const iam_statement *st, const tarn_iam_context *ctx);
void iam_cond_free(iam_cond *c);

/* policy.c */
void iam_strlist_free(iam_strlist *l);
/* Append a copy of s. */
void iam_strlist_push(iam_strlist *l, const char *s);

#endif
