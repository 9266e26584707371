/*
** deploy_int.h: what deploy, delete and the resource providers of stack/
** share, and nothing else sees: the provider table, the property checker,
** the rows of catalog.db's stack tables, and small SQL helpers. The public
** interface is stack.h.
**
**   props.c            check and normalise a resource's properties
**   provider_*.c       one file per service: checks, create/update, delete
**   stack_state.c      stacks, stack_resources, stack_events, outputs,
**                      exports and imports rows
**   changeset.c        plan a deploy: evaluate everything, diff with state
**   deploy.c           apply a plan, with rollback
**   delete.c           delete, list and describe
*/
#ifndef TARN_STACK_DEPLOY_INT_H
#define TARN_STACK_DEPLOY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "catalog/catalog.h"
#include "stack/stack.h"
#include "store/store.h"

/* ---- property specs (props.c) ------------------------------------------ */

typedef enum stack_pkind {
    SP_STR,     /* a string; a number or boolean becomes its text */
    SP_INT,     /* an integer; a string of digits is parsed */
    SP_NUM,     /* a number (integer or real); a numeric string is parsed */
    SP_BOOL,    /* true/false; "true"/"false" strings are parsed */
    SP_OBJ,     /* an object whose members sub describes */
    SP_OBJS,    /* an array of objects whose members sub describes */
    SP_STRS,    /* an array of strings (scalars become text) */
    SP_STRMAP,  /* an object of strings (scalars become text) */
    SP_ANY      /* anything (a policy document, Tags, ...) */
} stack_pkind;

typedef struct stack_prop {
    const char *name;
    stack_pkind kind;
    bool required;
    const struct stack_prop *sub; /* SP_OBJ, SP_OBJS; NULL-name terminated */
} stack_prop;

/* Check props (a fresh object, changed in place) against spec: every
** member known, required ones present, each of its kind (scalars converted
** as stack_pkind says). what names the resource in errors ("resource
** CleanJob (AWS::Glue::Job)"). TARN_ERR_INVALID naming the property path
** and listing the supported names. */
int stack_props_check(json_t *props, const stack_prop *spec, const char *what,
                      tarn_error *err);

/* String member key of obj (NULL if absent or not a string). */
const char *stack_str(const json_t *obj, const char *key);
/* Member at a dotted path ("Command.Name"); NULL if absent. */
const json_t *stack_path(const json_t *obj, const char *path);
/* tarn_stack_scalar_text of v, or NULL when v is NULL; malloc'd. */
char *stack_scalar_opt(const json_t *v);
/* Compact JSON text of v (or def when v is NULL); malloc'd. */
char *stack_json_text(const json_t *v, const char *def);
/* TARN_ERR_INVALID unless value is one of the NULL-terminated allowed. */
int stack_enum_check(const char *value, const char *const *allowed, const char *what,
                     const char *prop, tarn_error *err);

/* ---- providers --------------------------------------------------------- */

/* What a provider acts with. */
typedef struct stack_rctx {
    tarn_store *st;
    tarn_catalog *cat;
    const char *stack_name;
    const char *logical_id;
    const char *account;
    const char *what;         /* "resource X (Type)" for errors */
} stack_rctx;

typedef struct stack_provider {
    const char *type;
    const stack_prop *props;
    const char *name_prop;    /* dotted path of the name property */
    bool lower_name;          /* generated names are lower-case */
    /* Extra checks after stack_props_check (enums, limits); pure. */
    int (*check)(const stack_rctx *c, const json_t *props, tarn_error *err);
    /* Attributes (Fn::GetAtt) of a resource named physical: a new object.
    ** prev is the stored attributes (kept where they are generated). */
    json_t *(*attrs)(const stack_rctx *c, const char *physical, const json_t *props,
                     const json_t *prev);
    /* Create (replace false) or rewrite (replace true) the resource. */
    int (*put)(const stack_rctx *c, const char *physical, const json_t *props, bool replace,
               tarn_error *err);
    /* Delete it; force empties buckets. */
    int (*remove)(const stack_rctx *c, const char *physical, bool force, tarn_error *err);
    /* Whether remove would refuse (a non-empty bucket); may be NULL. */
    int (*precheck_remove)(const stack_rctx *c, const char *physical, bool force,
                           tarn_error *err);
} stack_provider;

extern const stack_provider stack_provider_bucket;
extern const stack_provider stack_provider_role;
extern const stack_provider stack_provider_job;
extern const stack_provider stack_provider_database;
extern const stack_provider stack_provider_crawler;
extern const stack_provider stack_provider_workflow;
extern const stack_provider stack_provider_trigger;
extern const stack_provider stack_provider_workgroup;

/* The attributes of a type that has none beside its Ref: an empty object. */
json_t *stack_no_attrs(const stack_rctx *c, const char *physical, const json_t *props,
                       const json_t *prev);

/* The provider of type, or NULL (err lists the supported types). */
const stack_provider *stack_provider_find(const char *type, const char *logical_id,
                                          tarn_error *err);

/* ---- SQL helpers (stack_state.c) ---------------------------------------- */

/* Run sql with the given text parameters (NULL binds NULL); one statement.
** Returns TARN_OK or the SQL error. */
int stack_sql_exec(tarn_catalog *cat, const char *sql, const char *const *args, int n,
                   tarn_error *err);
/* 1 if sql with args yields a row, 0 if none, or a negated error. */
int stack_sql_exists(tarn_catalog *cat, const char *sql, const char *const *args, int n,
                     tarn_error *err);

/* TARN_OK if table (a literal) has no row named name, else TARN_ERR_EXISTS
** ("AlreadyExistsException: <what> 'name' already exists"). */
int stack_name_free(tarn_catalog *cat, const char *table, const char *what, const char *name,
                    tarn_error *err);

/* ---- stack rows (stack_state.c) ------------------------------------------ */

typedef struct stack_row {
    char *name, *stack_id, *status, *status_reason, *template_body, *parameters,
        *description;
    int64_t create_time, update_time;
} stack_row;

/* Fill *out; TARN_ERR_NOTFOUND ("stack 'x' does not exist") if absent. */
int stack_row_get(tarn_catalog *cat, const char *name, stack_row *out, tarn_error *err);
void stack_row_free(stack_row *r);
/* Insert a new stack row, or update an existing one's every column but
** name, stack id and create time. */
int stack_row_put(tarn_catalog *cat, const stack_row *r, bool exists, tarn_error *err);
int stack_status_set(tarn_catalog *cat, const char *name, const char *status,
                     const char *reason, tarn_error *err);

/* One resource as stored. */
typedef struct stack_res {
    char *logical_id, *physical_id, *type, *status;
    json_t *props, *attrs;
} stack_res;

/* A stack's resources in creation order (rowid). */
int stack_res_list(tarn_catalog *cat, const char *stack, stack_res **out, size_t *n,
                   tarn_error *err);
void stack_res_list_free(stack_res *r, size_t n);
/* Insert or replace one resource row (keeps its place when it exists). */
int stack_res_put(tarn_catalog *cat, const char *stack, const stack_res *r, tarn_error *err);
int stack_res_delete(tarn_catalog *cat, const char *stack, const char *logical_id,
                     tarn_error *err);

/* Record an event (and hand it to fn when not NULL). */
int stack_event_add(tarn_catalog *cat, const char *stack, const char *stack_id,
                    const char *logical_id, const char *physical_id, const char *type,
                    const char *status, const char *reason, tarn_stack_event_fn fn,
                    void *ud, tarn_error *err);

#define TARN_STACK_TYPE "AWS::CloudFormation::Stack"

/* Set a stack's status and record the stack's event, in one transaction. */
int stack_status_event(tarn_catalog *cat, const char *stack, const char *stack_id,
                       const char *status, const char *reason, tarn_stack_event_fn fn, void *ud,
                       tarn_error *err);

/* Replace the stack's outputs and exports with outputs (the object of
** tarn_stack_eval_outputs), and its imports with imports (array of names). */
int stack_outputs_put(tarn_catalog *cat, const char *stack, const json_t *outputs,
                      const json_t *imports, tarn_error *err);
/* The stack's outputs as tarn_stack_eval_outputs gives them. */
int stack_outputs_get(tarn_catalog *cat, const char *stack, json_t **out, tarn_error *err);

/* The stack (other than self) exporting name and the value; NOTFOUND. */
int stack_export_get(tarn_catalog *cat, const char *name, const char *self, char **value,
                     char **owner, tarn_error *err);
/* The other stacks importing exports of stack, as text ("'b' (export
** 'x'), 'c' (export 'y')"), malloc'd; NULL *importers if none. */
int stack_import_find(tarn_catalog *cat, const char *stack, char **importers,
                      tarn_error *err);
/* Whether export name is imported by a stack other than stack. */
int stack_export_importer(tarn_catalog *cat, const char *name, const char *stack,
                          char **importer, tarn_error *err);

/* ---- plans (changeset.c) ------------------------------------------------- */

typedef enum stack_act { SA_NONE, SA_ADD, SA_MODIFY, SA_REMOVE } stack_act;

/* One resource of a plan: a template resource (in creation order) or a
** stored one the template no longer has (SA_REMOVE). */
typedef struct stack_item {
    char *logical_id;
    const char *type;            /* the template's, or the stored one's */
    const stack_provider *prov;
    json_t *props;               /* evaluated; NULL for SA_REMOVE */
    char *physical;              /* the physical id it will have */
    json_t *attrs;
    const stack_res *old;        /* stored state, NULL for SA_ADD */
    const stack_provider *old_prov; /* provider of old (its type may differ) */
    stack_act action;
    bool replacement;            /* SA_MODIFY giving a new physical id */
    bool done;                   /* applied by this deploy */
} stack_item;

/* Everything a deploy will do, computed before anything changes. */
typedef struct stack_plan {
    tarn_store *st;
    tarn_catalog *cat;
    const tarn_stack_deploy_opts *o;
    char *body;                  /* the template file's text */
    json_t *tpl, *params, *conds;
    tarn_eval_ctx ctx;
    stack_row row;               /* the stored stack (when exists) */
    bool exists, update;         /* a row exists; it has resources to update */
    stack_res *old;              /* stored resources (update only) */
    size_t nold;
    stack_item *items;           /* template resources, then removals */
    size_t nitems, cap;
    json_t *outputs;             /* evaluated outputs */
    json_t *imports;             /* export names imported (array) */
    char stack_id[256];
} stack_plan;

/* Build the plan for o (nothing is changed). On failure err names what is
** wrong; the plan is freed either way by stack_plan_free. */
int stack_plan_make(stack_plan *p, tarn_store *st, tarn_catalog *cat,
                    const tarn_stack_deploy_opts *o, tarn_error *err);
void stack_plan_free(stack_plan *p);
/* Hand the plan's changes to o->on_changes. */
void stack_plan_report(const stack_plan *p);
/* The provider context for item it. */
void stack_rctx_init(stack_rctx *c, const stack_plan *p, const char *logical_id,
                     const char *type, char *what, size_t n);

/* A random upper-case alphanumeric suffix of n characters into out[n+1]. */
int stack_random_suffix(char *out, size_t n, tarn_error *err);

#endif
