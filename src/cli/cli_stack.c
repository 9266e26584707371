/*
** cli_stack.c: `tarn stack deploy|delete|list|describe`, thin over
** stack.h's tarn_stack_deploy, tarn_stack_delete, tarn_stack_list and
** tarn_stack_describe. Verbs and options come from tables; progress events
** go to stderr, results (change set, outputs, tables) to stdout, or JSON
** with --json.
**
** Usage:
**   tarn stack deploy NAME --template FILE [--parameters FILE]
**                          [--parameter KEY=VALUE]... [--dry-run]
**   tarn stack delete NAME [--force]
**   tarn stack list
**   tarn stack describe NAME
*/
#include "cli/cli.h"
#include "cli/cli_verbs.h"
#include "cli/table_print.h"
#include "stack/stack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum verb_id { V_DEPLOY, V_DELETE, V_LIST, V_DESCRIBE, V_COUNT };
#define VB(v) (1u << (v))
#define V_ALL (VB(V_COUNT) - 1)

static const struct stack_verb {
    const char *name;
    bool needs_name;
    const char *args;
    const char *summary;
} verbs[V_COUNT] = {
    [V_DEPLOY] = {"deploy", true, "NAME --template FILE",
                  "create the stack, or update it (showing the change set first)"},
    [V_DELETE] = {"delete", true, "NAME", "delete the stack's resources, last created first"},
    [V_LIST] = {"list", false, "", "list the stacks and their status"},
    [V_DESCRIBE] = {"describe", true, "NAME",
                    "show a stack's parameters, resources, outputs and events"},
};

enum opt_id { O_TEMPLATE, O_PARAMETERS, O_PARAMETER, O_DRYRUN, O_FORCE, O_JSON, O_HELP };

static const tarn_cli_option options[] = {
    {"template", "FILE", O_TEMPLATE, VB(V_DEPLOY), "the CloudFormation template (YAML or JSON)"},
    {"parameters", "FILE", O_PARAMETERS, VB(V_DEPLOY),
     "parameter file: [{\"ParameterKey\": K, \"ParameterValue\": V}, ...]"},
    {"parameter", "KEY=VALUE", O_PARAMETER, VB(V_DEPLOY),
     "set one parameter (overrides the file; repeatable)"},
    {"dry-run", NULL, O_DRYRUN, VB(V_DEPLOY), "show the change set, change nothing"},
    {"force", NULL, O_FORCE, VB(V_DELETE), "empty the stack's buckets before deleting them"},
    {"json", NULL, O_JSON, V_ALL, "machine-readable output (as the global --json)"},
    {"help", NULL, O_HELP, V_ALL, "show this help"},
};
#define NOPTIONS (sizeof options / sizeof options[0])

typedef struct stack_args {
    int verb;
    const char *name, *template_path, *params_path;
    json_t *overrides;
    bool dry_run, force, json, help;
} stack_args;

/* ---- help ---- */

static void print_help(FILE *f, int v)
{
    if (v < 0) {
        fprintf(f, "usage: tarn stack VERB [ARGS] [OPTIONS]\n\nCloudFormation stacks.\n\n"
                   "Verbs:\n");
        for (int i = 0; i < V_COUNT; i++)
            fprintf(f, "  %-9s %-22s %s\n", verbs[i].name, verbs[i].args, verbs[i].summary);
        fprintf(f, "\nRun 'tarn stack VERB --help' for a verb's options.\n");
        return;
    }
    fprintf(f, "usage: tarn stack %s %s [OPTIONS]\n\n%s.\n\nOptions:\n", verbs[v].name,
            verbs[v].args, verbs[v].summary);
    tarn_cli_options_help(f, options, NOPTIONS, VB(v), 26);
}

/* ---- parsing ---- */

static int set_parameter(stack_args *a, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        return tarn_cli_usage_error("--parameter needs KEY=VALUE, got '%s'", kv);
    char *key = tarn_xstrndup(kv, (size_t)(eq - kv));
    json_object_set_new(a->overrides, key, json_string(eq + 1));
    free(key);
    return TARN_EXIT_OK;
}

static int apply_option(stack_args *a, const tarn_cli_option *o, const char *value)
{
    switch (o->id) {
    case O_TEMPLATE: a->template_path = value; break;
    case O_PARAMETERS: a->params_path = value; break;
    case O_PARAMETER: return set_parameter(a, value);
    case O_DRYRUN: a->dry_run = true; break;
    case O_FORCE: a->force = true; break;
    case O_JSON: a->json = true; break;
    case O_HELP: a->help = true; break;
    }
    return TARN_EXIT_OK;
}

/* Parse "--name[=value]" at argv[*i]. */
static int parse_option(stack_args *a, int argc, char **argv, int *i)
{
    char cmd[32];
    snprintf(cmd, sizeof cmd, "stack %s", verbs[a->verb].name);
    const tarn_cli_option *o;
    const char *value;
    int rc = tarn_cli_option_match(options, NOPTIONS, VB(a->verb), cmd, argc, argv, i, &o, &value);
    return rc ? rc : apply_option(a, o, value);
}

static int parse_words(stack_args *a, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        int rc = TARN_EXIT_OK;
        if (strncmp(argv[i], "--", 2) == 0 && argv[i][2])
            rc = parse_option(a, argc, argv, &i);
        else if (strcmp(argv[i], "-h") == 0)
            a->help = true;
        else if (!a->name && verbs[a->verb].needs_name)
            a->name = argv[i];
        else
            rc = tarn_cli_usage_error("unexpected argument '%s' for 'stack %s'", argv[i],
                                      verbs[a->verb].name);
        if (rc)
            return rc;
    }
    if (a->help)
        return TARN_EXIT_OK;
    if (verbs[a->verb].needs_name && !a->name)
        return tarn_cli_usage_error("'stack %s' needs a stack name", verbs[a->verb].name);
    if (a->verb == V_DEPLOY && !a->template_path)
        return tarn_cli_usage_error("'stack deploy' needs --template FILE");
    return TARN_EXIT_OK;
}

/* ---- printing ---- */

static void on_event(void *ud, const tarn_stack_event *ev)
{
    (void)ud;
    time_t now = time(NULL);
    struct tm tm;
    char ts[32];
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%H:%M:%S", &tm);
    fprintf(stderr, "%s  %-36s %-28s %s%s%s\n", ts, ev->status, ev->type, ev->logical_id,
            ev->reason ? "  " : "", ev->reason ? ev->reason : "");
}

typedef struct deploy_out {
    const tarn_cli *cli;
    bool dry_run;
    json_t *changes; /* --json: the change set */
} deploy_out;

static void on_changes(void *ud, bool update, const tarn_stack_change *c, size_t n)
{
    deploy_out *d = ud;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_pack("{s:s, s:s, s:s, s:b}", "Action", tarn_stack_action_name(c[i].action),
                              "LogicalResourceId", c[i].logical_id, "ResourceType", c[i].type,
                              "Replacement", c[i].replacement);
        if (c[i].physical_id)
            json_object_set_new(e, "PhysicalResourceId", json_string(c[i].physical_id));
        json_array_append_new(d->changes, e);
    }
    if (d->cli->json || (!update && !d->dry_run))
        return;
    printf("Change set%s:\n", d->dry_run ? " (dry run, nothing changed)" : "");
    if (n == 0) {
        printf("  no changes\n");
        return;
    }
    tarn_grid g;
    tarn_grid_init(&g, 5, d->cli->tty);
    const char *head[] = {"Action", "LogicalId", "Type", "PhysicalId", "Replacement"};
    for (int k = 0; k < 5; k++)
        tarn_grid_add_str(&g, head[k]);
    for (size_t i = 0; i < n; i++) {
        tarn_grid_add_str(&g, tarn_stack_action_name(c[i].action));
        tarn_grid_add_str(&g, c[i].logical_id);
        tarn_grid_add_str(&g, c[i].type);
        tarn_grid_add_str(&g, c[i].physical_id);
        tarn_grid_add_str(&g, c[i].action == TARN_STACK_MODIFY ? (c[i].replacement ? "True" : "False") : "-");
    }
    tarn_grid_print(&g, 1);
    tarn_grid_free(&g);
    fflush(stdout);
}

/* Print rows of objects arr as a table of the given keys. */
static void print_objects(const tarn_cli *cli, const json_t *arr, const char *const *keys,
                          const char *const *heads, int ncols)
{
    tarn_grid g;
    tarn_grid_init(&g, ncols, cli->tty);
    for (int k = 0; k < ncols; k++)
        tarn_grid_add_str(&g, heads[k]);
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        for (int k = 0; k < ncols; k++) {
            const json_t *v = json_object_get(o, keys[k]);
            char buf[32];
            if (json_is_integer(v) && strstr(keys[k], "Time")) {
                tarn_cli_time_text(json_integer_value(v), buf, sizeof buf);
                tarn_grid_add_str(&g, buf);
            } else {
                tarn_grid_add_str(&g, json_string_value(v));
            }
        }
    }
    tarn_grid_print(&g, 1);
    tarn_grid_free(&g);
}

static void print_outputs_obj(const tarn_cli *cli, const json_t *outputs)
{
    json_t *arr = json_array();
    const char *k;
    json_t *o;
    json_object_foreach((json_t *)outputs, k, o) {
        char *v = tarn_stack_scalar_text(json_object_get(o, "Value"));
        json_t *e = json_pack("{s:s, s:s}", "OutputKey", k, "OutputValue", v ? v : "");
        if (json_object_get(o, "ExportName"))
            json_object_set(e, "ExportName", json_object_get(o, "ExportName"));
        json_array_append_new(arr, e);
        free(v);
    }
    static const char *const keys[] = {"OutputKey", "OutputValue", "ExportName"};
    if (json_array_size(arr))
        print_objects(cli, arr, keys, keys, 3);
    json_decref(arr);
}

/* ---- verbs ---- */

static int run_deploy(tarn_cli *cli, const stack_args *a, tarn_cli_home *h)
{
    deploy_out d = {cli, a->dry_run, json_array()};
    tarn_stack_deploy_opts o = {.name = a->name, .template_path = a->template_path,
                                .params_path = a->params_path, .overrides = a->overrides,
                                .dry_run = a->dry_run, .on_event = on_event,
                                .on_changes = on_changes, .ud = &d};
    json_t *outputs = NULL;
    tarn_error err = {0};
    int rc = tarn_stack_deploy(h->store, h->cat, &o, &outputs, &err);
    if (rc) {
        json_decref(d.changes);
        return tarn_cli_fail(&err);
    }
    if (cli->json) {
        json_t *r = json_pack("{s:s, s:b, s:o}", "StackName", a->name, "DryRun", a->dry_run,
                              "Changes", d.changes);
        json_object_set_new(r, "Outputs", outputs ? json_incref(outputs) : json_object());
        tarn_cli_json_print(r);
    } else {
        json_decref(d.changes);
        if (outputs)
            print_outputs_obj(cli, outputs);
    }
    json_decref(outputs);
    return TARN_EXIT_OK;
}

static int run_delete(tarn_cli *cli, const stack_args *a, tarn_cli_home *h)
{
    tarn_error err = {0};
    if (tarn_stack_delete(h->store, h->cat, a->name, a->force, on_event, NULL, &err))
        return tarn_cli_fail(&err);
    if (cli->json) {
        fputs("{\"StackName\": ", stdout);
        tarn_cli_json_string(stdout, a->name);
        fputs(", \"StackStatus\": \"DELETE_COMPLETE\"}\n", stdout);
    } else
        printf("deleted stack %s\n", a->name);
    return TARN_EXIT_OK;
}

static int run_list(tarn_cli *cli, const stack_args *a, tarn_cli_home *h)
{
    (void)a;
    json_t *list = NULL;
    tarn_error err = {0};
    if (tarn_stack_list(h->cat, &list, &err))
        return tarn_cli_fail(&err);
    static const char *const keys[] = {"StackName", "StackStatus", "CreationTime",
                                       "LastUpdatedTime", "Description"};
    static const char *const heads[] = {"Name", "Status", "Created", "Updated", "Description"};
    if (cli->json)
        tarn_cli_json_print(json_incref(list));
    else
        print_objects(cli, list, keys, heads, 5);
    json_decref(list);
    return TARN_EXIT_OK;
}

static void describe_text(const tarn_cli *cli, const json_t *d)
{
    char created[32];
    tarn_cli_time_text(json_integer_value(json_object_get(d, "CreationTime")), created,
                       sizeof created);
    printf("Stack:       %s\nStatus:      %s\n", json_string_value(json_object_get(d, "StackName")),
           json_string_value(json_object_get(d, "StackStatus")));
    if (json_object_get(d, "StackStatusReason"))
        printf("Reason:      %s\n", json_string_value(json_object_get(d, "StackStatusReason")));
    printf("Id:          %s\nCreated:     %s\n", json_string_value(json_object_get(d, "StackId")),
           created);
    if (json_object_get(d, "Description"))
        printf("Description: %s\n", json_string_value(json_object_get(d, "Description")));
    static const char *const pk[] = {"ParameterKey", "ParameterValue"};
    static const char *const rk[] = {"LogicalResourceId", "ResourceType", "PhysicalResourceId",
                                     "ResourceStatus"};
    static const char *const ok[] = {"OutputKey", "OutputValue", "ExportName"};
    static const char *const ek[] = {"Timestamp", "LogicalResourceId", "ResourceType",
                                     "ResourceStatus", "ResourceStatusReason"};
    static const char *const eh[] = {"Time", "LogicalId", "Type", "Status", "Reason"};
    printf("\nParameters:\n");
    print_objects(cli, json_object_get(d, "Parameters"), pk, pk, 2);
    printf("\nResources:\n");
    print_objects(cli, json_object_get(d, "Resources"), rk, rk, 4);
    printf("\nOutputs:\n");
    print_objects(cli, json_object_get(d, "Outputs"), ok, ok, 3);
    printf("\nEvents (newest first):\n");
    print_objects(cli, json_object_get(d, "Events"), ek, eh, 5);
}

static int run_describe(tarn_cli *cli, const stack_args *a, tarn_cli_home *h)
{
    json_t *d = NULL;
    tarn_error err = {0};
    if (tarn_stack_describe(h->cat, a->name, &d, &err))
        return tarn_cli_fail(&err);
    if (cli->json)
        tarn_cli_json_print(json_incref(d));
    else
        describe_text(cli, d);
    json_decref(d);
    return TARN_EXIT_OK;
}

typedef int (*verb_fn)(tarn_cli *cli, const stack_args *a, tarn_cli_home *h);
static const verb_fn verb_fns[V_COUNT] = {run_deploy, run_delete, run_list, run_describe};

int tarn_cli_stack(tarn_cli *cli, int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        print_help(argc < 1 ? stderr : stdout, -1);
        return argc < 1 ? TARN_EXIT_USAGE : TARN_EXIT_OK;
    }
    stack_args a = {.verb = -1};
    for (int v = 0; v < V_COUNT; v++)
        if (strcmp(argv[0], verbs[v].name) == 0)
            a.verb = v;
    if (a.verb < 0)
        return tarn_cli_usage_error("unknown verb 'stack %s'", argv[0]);
    a.overrides = json_object();
    int rc = parse_words(&a, argc, argv);
    if (!rc && a.help)
        print_help(stdout, a.verb);
    if (!rc && !a.help) {
        tarn_cli_home h;
        cli->json = cli->json || a.json;
        rc = tarn_cli_home_open(cli, &h);
        if (!rc) {
            rc = verb_fns[a.verb](cli, &a, &h);
            tarn_cli_home_close(&h);
        }
    }
    json_decref(a.overrides);
    return rc;
}
