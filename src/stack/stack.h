/*
** stack.h: CloudFormation stacks. Two layers: templates (loading YAML or
** JSON, parameters, intrinsic functions, the resource dependency graph),
** which touch no state; and deploy, update, delete, list and describe of
** stacks, which keep their state in catalog.db (stacks, stack_resources,
** stack_events, stack_outputs, stack_exports, stack_imports) and create
** the resources through one provider per type.
**
**   template.c    load a template into a jansson tree; check its sections
**   params.c      resolve Parameters from defaults, a parameter file and
**                 overrides, with CloudFormation's constraints
**   intrinsics.c  evaluate Ref, Fn::* and Conditions against a context
**   graph.c       resource dependencies and a deterministic creation order
**   stack_internal.h  helpers shared by those files only
**   changeset.c   plan a deploy: evaluate, check, diff with the stored state
**   deploy.c      apply a plan, with rollback
**   delete.c      delete, list and describe
**   stack_state.c the stack tables of catalog.db
**   props.c       the property checker every provider uses
**   provider_*.c  AWS::S3::Bucket, AWS::IAM::Role, AWS::Glue::{Job,
**                 Database,Crawler} (glue), AWS::Glue::{Workflow,Trigger}
**                 (workflow), AWS::Athena::WorkGroup (athena)
**   deploy_int.h  what those files share
**
** Typical use (error handling left out):
**
**   json_t *tpl, *params, *conds, *props;
**   tarn_template_load("glue-jobs.yml", &tpl, &err);
**   tarn_stack_params_resolve(tpl, "glue-jobs.yml", "glue-jobs.json", NULL,
**                             &params, &err);
**   tarn_eval_ctx ctx = { .tpl = tpl, .params = params,
**                         .stack_name = "glue-jobs", .ref = my_ref, ... };
**   tarn_stack_conditions_eval(&ctx, &conds, &err);
**   ctx.conditions = conds;
**   tarn_stack_order(&ctx, &ids, &n, &err);
**   for each id: tarn_stack_eval_resource(&ctx, ids[i], &props, &err) ...
**
** Template tree. YAML and JSON templates both become a jansson tree in the
** long form: `!Ref X` is {"Ref": "X"}, `!Sub s` is {"Fn::Sub": s},
** `!GetAtt A.B` is {"Fn::GetAtt": ["A", "B"]}, `!Condition C` is
** {"Condition": "C"}, and so on for every short-form tag. Object keys keep
** the order of the file.
**
** YAML scalars. A quoted or block scalar is always a JSON string. A plain
** (unquoted) scalar becomes a typed JSON value only when the text is that
** value's canonical spelling, so the text is never lost:
**   ""  ~  null  Null  NULL                  -> null
**   true  false                              -> true / false
**   -?(0|[1-9][0-9]*) within 64 bits          -> integer
**   a decimal number whose shortest round-trip spelling is its text, with
**   ".0" added when that spelling has no "." or exponent (1.5, 0.0625,
**   2.0, -0.25)                              -> real
**   anything else (1.10, 007, 1e3, True, yes, 2010-09-09) -> string
** tarn_stack_scalar_text() gives a scalar's text back (for a typed value
** the text it was written as). Deploy decides by the property's type: a
** number or boolean where a string is wanted becomes its text, and a
** string where a number is wanted is parsed, as CloudFormation does. A JSON
** template keeps jansson's types.
**
** Limits: a template file is at most TARN_TEMPLATE_MAX_BYTES; nesting (YAML
** or JSON, and evaluation, counting chained Condition references) is at
** most TARN_STACK_MAX_DEPTH; an evaluation produces at most
** tarn_eval_ctx.max_bytes of output.
*/
#ifndef TARN_STACK_H
#define TARN_STACK_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/core.h"

#define TARN_TEMPLATE_MAX_BYTES (1u << 20) /* CloudFormation's S3 limit */
#define TARN_STACK_MAX_DEPTH 100
#define TARN_EVAL_MAX_BYTES_DEFAULT (64u << 20)

/* Pseudo-parameter defaults when the context leaves them NULL. The account
** id is the documentation account AWS uses in its examples: tarn has no
** accounts, but ARNs need one. */
#define TARN_STACK_DEFAULT_REGION "us-east-1"
#define TARN_STACK_DEFAULT_ACCOUNT "123456789012"
#define TARN_STACK_DEFAULT_PARTITION "aws"
#define TARN_STACK_DEFAULT_URL_SUFFIX "amazonaws.com"

/* ---- templates (template.c) ------------------------------------------- */

/* Read and parse the template at path (YAML, or JSON when the first
** non-blank character is '{'), then check its structure with
** tarn_template_check. On success *out is a new reference the caller
** json_decref()s. On failure *out is NULL and err names the file, the line
** and column where known, and what was expected: TARN_ERR_NOTFOUND or
** TARN_ERR_IO (unreadable file), TARN_ERR_LIMIT (over
** TARN_TEMPLATE_MAX_BYTES or too deeply nested), TARN_ERR_CORRUPT (syntax),
** TARN_ERR_INVALID (a structure CloudFormation would refuse),
** TARN_ERR_UNSUPPORTED (a Transform, a YAML alias). */
int tarn_template_load(const char *path, json_t **out, tarn_error *err);

/* The same over len bytes of memory (need not be NUL-terminated); name is
** what error messages call the input (a path, or "<stdin>"). */
int tarn_template_load_buffer(const char *data, size_t len, const char *name,
                              json_t **out, tarn_error *err);

/* Check a loaded template's sections: a mapping with only CloudFormation's
** top-level keys, a non-empty Resources where every resource has a Type
** ("AWS::Service::Thing" or "Custom::Name") and only resource attributes
** CloudFormation knows, alphanumeric logical ids, Parameters and Outputs of
** the right shapes, no name both a parameter and a resource. Property names
** are deploy's to check. Returns TARN_OK or TARN_ERR_INVALID /
** TARN_ERR_UNSUPPORTED with the offending path ("Resources.X.Type"). */
int tarn_template_check(const json_t *tpl, const char *name, tarn_error *err);

/* The text of a scalar: a string's own bytes, an integer in decimal, a real
** in its shortest round-trip spelling (with ".0" when that has no "." or
** exponent), "true"/"false", "" for null. For a plain YAML scalar that the
** loader typed, this is exactly the text in the file. Returns a malloc'd
** string the caller frees, or NULL for an object or array. */
char *tarn_stack_scalar_text(const json_t *v);

/* ---- parameters (params.c) -------------------------------------------- */

/* Resolve every declared parameter of tpl to its value: the override if
** overrides (an object of name -> string, may be NULL) has one, else the
** parameter file's value, else Default. param_file (may be NULL) is
** CloudFormation's JSON form [{"ParameterKey": k, "ParameterValue": v},
** ...] (or {"Parameters": {k: v}}). tpl_name is what errors call the
** template.
**
** Types: String, Number, CommaDelimitedList, List<Number>, the AWS-specific
** types (AWS::EC2::VPC::Id and the like, taken as String) and their List<>
** forms. Values are checked against AllowedValues, AllowedPattern (a Java
** style regular expression matched against the whole value; \d \w \s and
** their negations are understood, back-references and look-arounds are
** not), MinLength/MaxLength (characters), MinValue/MaxValue; a failed check
** quotes ConstraintDescription. As in CloudFormation, Ref of a Number is a
** string and Ref of a list type is an array of strings (members of a
** CommaDelimitedList are space-trimmed).
**
** On success *values is a new object name -> string or array of strings.
** Errors (TARN_ERR_INVALID, TARN_ERR_IO, TARN_ERR_CORRUPT,
** TARN_ERR_UNSUPPORTED for SSM parameter types) name the parameter, the
** template and, for a bad file entry, the file: a parameter without Default
** and without a value, a value the constraints refuse, a key the template
** does not declare. */
int tarn_stack_params_resolve(const json_t *tpl, const char *tpl_name,
                              const char *param_file, const json_t *overrides,
                              json_t **values, tarn_error *err);

/* True if parameter name is declared NoEcho (its value must be shown as
** "****" in descriptions and events). */
bool tarn_stack_param_noecho(const json_t *tpl, const char *name);

/* ---- evaluation (intrinsics.c) ---------------------------------------- */

/* Callbacks that give what only deploy knows. Each returns TARN_OK and a new
** reference in *out, or a status with err filled (the evaluator adds the
** template path). arg is tarn_eval_ctx.cb_arg.
**   ref     the physical id of resource logical_id (Ref of a resource)
**   getatt  attribute attr of resource logical_id (Fn::GetAtt, ${A.B})
**   import  the value of export name, exported by another stack */
typedef int (*tarn_stack_ref_fn)(void *arg, const char *logical_id,
                                 json_t **out, tarn_error *err);
typedef int (*tarn_stack_getatt_fn)(void *arg, const char *logical_id,
                                    const char *attr, json_t **out,
                                    tarn_error *err);
typedef int (*tarn_stack_import_fn)(void *arg, const char *name, json_t **out,
                                    tarn_error *err);

/* What evaluation reads. The caller owns every pointer; none is modified.
** Zero-initialize, then fill: tpl is required; params comes from
** tarn_stack_params_resolve (NULL if the template has no Parameters);
** conditions is from tarn_stack_conditions_eval (needed by Fn::If and by
** resource Conditions; NULL if the template has none). A NULL callback makes
** the matching intrinsic an error that says it is not available here. */
typedef struct tarn_eval_ctx {
    const json_t *tpl;
    const json_t *params;
    const json_t *conditions;  /* name -> true/false */
    const char *stack_name;    /* AWS::StackName; NULL: "stack" */
    const char *stack_id;      /* AWS::StackId; NULL: an ARN from the name */
    const char *region;        /* NULL: TARN_STACK_DEFAULT_REGION */
    const char *account_id;    /* NULL: TARN_STACK_DEFAULT_ACCOUNT */
    tarn_stack_ref_fn ref;
    tarn_stack_getatt_fn getatt;
    tarn_stack_import_fn import;
    void *cb_arg;
    size_t max_bytes;          /* output budget; 0: TARN_EVAL_MAX_BYTES_DEFAULT */
} tarn_eval_ctx;

/* Evaluate node: every intrinsic in it (Ref, Fn::Sub, Fn::GetAtt, Fn::Join,
** Fn::Select, Fn::Split, Fn::If, Fn::Equals, Fn::And, Fn::Or, Fn::Not,
** Fn::FindInMap, Fn::ImportValue, Fn::Base64, Fn::GetAZs) is replaced by its
** value; a Ref to AWS::NoValue removes the key or array element holding it.
** tarn has no availability zones: Fn::GetAZs gives <region>a, b and c.
** Fn::Cidr and the language-extension functions are TARN_ERR_UNSUPPORTED.
** path names node in error messages ("Resources.RawBucket.Properties").
**
** On success *out is a new tree the caller json_decref()s (objects and
** arrays are fresh, so the caller may change them), or NULL when node
** itself evaluated to AWS::NoValue. On failure *out is NULL and err reads
** "<path>: <what>", e.g. "Resources.RawBucket.Properties.BucketName:
** Fn::Sub references unknown parameter 'Env' ...". Statuses:
** TARN_ERR_INVALID (bad arguments, unknown names), TARN_ERR_NOTFOUND
** (FindInMap miss), TARN_ERR_LIMIT (depth or output budget), or whatever a
** callback returned. */
int tarn_stack_eval(const tarn_eval_ctx *ctx, const char *path,
                    const json_t *node, json_t **out, tarn_error *err);

/* Evaluate the template's Conditions section into a new object name ->
** true/false (empty when there are none) in *out. A condition may use
** parameters, pseudo parameters, Fn::FindInMap and other conditions
** ({"Condition": name}); a cycle is an error that lists it. */
int tarn_stack_conditions_eval(const tarn_eval_ctx *ctx, json_t **out,
                               tarn_error *err);

/* Whether resource id is created: false when its Condition is false or when
** there is no such resource. ctx->conditions must be set if the resource has
** a Condition (an unknown condition counts as false; tarn_stack_order
** reports it as an error). */
bool tarn_stack_resource_enabled(const tarn_eval_ctx *ctx, const char *id);

/* Evaluate resource id's Properties into *out (a new object, empty when the
** resource has none). Errors as tarn_stack_eval, with the path
** "Resources.<id>.Properties...". TARN_ERR_NOTFOUND if no such resource. */
int tarn_stack_eval_resource(const tarn_eval_ctx *ctx, const char *id,
                             json_t **out, tarn_error *err);

/* Evaluate the Outputs whose Condition holds into a new object
** name -> {"Value": v, "Description": s?, "ExportName": s?} in *out. An
** ExportName must evaluate to a non-empty string. */
int tarn_stack_eval_outputs(const tarn_eval_ctx *ctx, json_t **out,
                            tarn_error *err);

/* ---- dependency graph (graph.c) --------------------------------------- */

/* The logical ids of the resources that resource id depends on directly:
** its DependsOn, and every resource it names with Ref, Fn::GetAtt or
** ${X} / ${X.Attr} in Fn::Sub, following only the taken branch of each
** Fn::If. A new array of strings, in first-mention order, in *out. Naming an
** unknown resource, or one whose Condition is false, is an error
** (TARN_ERR_INVALID) with the path of the reference. */
int tarn_stack_resource_deps(const tarn_eval_ctx *ctx, const char *id,
                             json_t **out, tarn_error *err);

/* The resources that are created (Condition true or absent) in an order
** that puts every resource after all it depends on: Kahn's algorithm, and
** among resources ready at the same time the one earlier in the template
** first, so the order is deterministic. Delete in the reverse order.
** On success *ids is a malloc'd array of *n malloc'd strings (free with
** tarn_stack_order_free). A cycle is TARN_ERR_INVALID naming it:
** "Resources: circular dependency: A -> B -> A". */
int tarn_stack_order(const tarn_eval_ctx *ctx, char ***ids, size_t *n,
                     tarn_error *err);

/* Free what tarn_stack_order returned. Accepts NULL. */
void tarn_stack_order_free(char **ids, size_t n);

/* ---- deploy, delete, list, describe (deploy.c, changeset.c, delete.c) -- */

typedef struct tarn_store tarn_store;
typedef struct tarn_catalog tarn_catalog;

/* One stack event as CloudFormation reports it: the stack itself (logical
** id = stack name, type AWS::CloudFormation::Stack) or one resource moving
** to status (CREATE_IN_PROGRESS, CREATE_COMPLETE, CREATE_FAILED,
** UPDATE_*, DELETE_*, ROLLBACK_*, ...). Valid during the callback only. */
typedef struct tarn_stack_event {
    const char *logical_id;
    const char *type;
    const char *physical_id; /* NULL before the resource has one */
    const char *status;
    const char *reason;      /* NULL if none */
} tarn_stack_event;
typedef void (*tarn_stack_event_fn)(void *ud, const tarn_stack_event *ev);

/* One entry of an update's change set. */
typedef enum tarn_stack_action {
    TARN_STACK_ADD,
    TARN_STACK_MODIFY,
    TARN_STACK_REMOVE
} tarn_stack_action;

typedef struct tarn_stack_change {
    tarn_stack_action action;
    const char *logical_id;
    const char *type;
    const char *physical_id; /* the current one (Modify, Remove); the one it
                                will have (Add) */
    bool replacement;        /* Modify that gives a new physical id */
} tarn_stack_change;
typedef void (*tarn_stack_changes_fn)(void *ud, bool update, const tarn_stack_change *c,
                                      size_t n);

/* "Add", "Modify", "Remove". */
const char *tarn_stack_action_name(tarn_stack_action a);

typedef struct tarn_stack_deploy_opts {
    const char *name;            /* stack name (required) */
    const char *template_path;   /* required */
    const char *params_path;     /* CloudFormation JSON parameter file; NULL */
    const json_t *overrides;     /* name -> string (--parameter); NULL */
    bool dry_run;                /* plan and report the change set only */
    const char *region, *account_id; /* NULL: the defaults */
    tarn_stack_event_fn on_event;    /* progress; NULL */
    tarn_stack_changes_fn on_changes; /* the change set, before applying;
                                         NULL */
    void *ud;
} tarn_stack_deploy_opts;

/* Create stack o->name, or update it when it exists, from the template:
** parameters resolved, every resource's properties evaluated and checked
** (an unknown type or property, a missing required one, a bad value are
** errors naming the resource), exports checked against other stacks; only
** then are resources created (Add), rewritten (Modify) and deleted (Remove)
** in dependency order. A resource that fails rolls back what this deploy
** did, and the stack records ROLLBACK_COMPLETE (a failed create, which
** keeps no resources) or UPDATE_ROLLBACK_COMPLETE; err then reads
** "resource <Id> (<Type>) failed: <why>". Errors found before any change
** (a malformed template, a cycle, a missing parameter, ...) change nothing.
** On success *outputs (may be NULL) is a new object OutputKey -> {"Value",
** "Description"?, "ExportName"?}; with dry_run nothing is changed and
** *outputs is NULL. */
int tarn_stack_deploy(tarn_store *st, tarn_catalog *cat, const tarn_stack_deploy_opts *o,
                      json_t **outputs, tarn_error *err);

/* Delete stack name: refuses (nothing changed) when another stack imports
** one of its exports (naming that stack and the export), or, unless force,
** when one of its buckets holds objects (BucketNotEmpty, naming it);
** force empties them. Resources go in reverse creation order, each with
** DELETE_IN_PROGRESS / DELETE_COMPLETE events; a failure leaves the stack
** DELETE_FAILED with the resources not yet deleted.
** TARN_ERR_NOTFOUND if there is no such stack. */
int tarn_stack_delete(tarn_store *st, tarn_catalog *cat, const char *name, bool force,
                      tarn_stack_event_fn on_event, void *ud, tarn_error *err);

/* Every stack, in name order, as a new array of {"StackName",
** "StackStatus", "StackStatusReason"?, "Description"?, "CreationTime",
** "LastUpdatedTime"?} (times in ms since the epoch) in *out. */
int tarn_stack_list(tarn_catalog *cat, json_t **out, tarn_error *err);

/* Stack name as a new object in *out, in DescribeStacks' field names:
** StackName, StackId, StackStatus, StackStatusReason?, Description?,
** CreationTime, LastUpdatedTime?, Parameters [{ParameterKey,
** ParameterValue}] (NoEcho values as "****"), Resources [{LogicalResourceId,
** ResourceType, PhysicalResourceId, ResourceStatus}] in creation order,
** Outputs [{OutputKey, OutputValue, Description?, ExportName?}], Events
** [{Timestamp, LogicalResourceId, ResourceType, PhysicalResourceId?,
** ResourceStatus, ResourceStatusReason?}] newest first.
** TARN_ERR_NOTFOUND if there is no such stack. */
int tarn_stack_describe(tarn_catalog *cat, const char *name, json_t **out, tarn_error *err);

/* The resource types deploy supports, NULL-terminated. */
const char *const *tarn_stack_resource_types(void);

#endif
