/*
** cli_catalog.c: `tarn catalog databases|tables|describe|partitions|ddl`,
** the Glue Data Catalog in catalog.db as crawlers and stacks left it
** (catalog.h). Each verb reads through catalog.h and prints a table on
** stdout (or --json); a missing object is an error naming it
** ("EntityNotFoundException: table 'db.t' does not exist").
**
** Usage:
**   tarn catalog databases
**   tarn catalog tables [DB]            every database's tables without DB
**   tarn catalog describe DB.TABLE      columns, partition keys, storage, parameters
**   tarn catalog partitions DB.TABLE    values and locations
**   tarn catalog ddl DB.TABLE           the Athena CREATE EXTERNAL TABLE statement
*/
#include "cli/cli_verbs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"

/* ---- shared ---- */

/* A JSON object from stored JSON text (an empty one if it is not one). */
static json_t *object_of(const char *text)
{
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    if (json_is_object(o))
        return o;
    json_decref(o);
    return json_object();
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Split "DB.TABLE" into db and table (copies in buf); usage error if not. */
static int split_name(const char *arg, char *buf, size_t n, const char **db, const char **table)
{
    const char *dot = strchr(arg, '.');
    if (!dot || dot == arg || !dot[1] || strlen(arg) >= n)
        return tarn_cli_usage_error("expected DB.TABLE, got '%s'", arg);
    snprintf(buf, n, "%s", arg);
    buf[dot - arg] = '\0';
    *db = buf;
    *table = buf + (dot - arg) + 1;
    return TARN_EXIT_OK;
}

/* Load the table named by arg ("DB.TABLE") into t; prints the failure. */
static int load_table(tarn_cli_home *h, const char *arg, tarn_cat_table *t)
{
    char buf[2 * TARN_CATALOG_NAME_MAX + 2];
    const char *db = NULL, *name = NULL;
    int rc = split_name(arg, buf, sizeof buf, &db, &name);
    if (rc)
        return rc;
    tarn_error err = {0};
    if (tarn_catalog_table_get(h->cat, db, name, t, &err))
        return tarn_cli_fail(&err);
    return TARN_EXIT_OK;
}

static size_t partition_count(tarn_cli_home *h, const tarn_cat_table *t)
{
    tarn_cat_partition *ps = NULL;
    size_t n = 0;
    tarn_error err = {0};
    if (tarn_catalog_partition_list(h->cat, t->database, t->name, &ps, &n, &err))
        return 0;
    tarn_cat_partition_list_free(ps, n);
    return n;
}

static json_t *columns_json(const tarn_cat_column *cs, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:o}", "name", cs[i].name, "type",
                                             cs[i].type, "comment", str_or_null(cs[i].comment)));
    return arr;
}

/* ---- databases ---- */

static int catalog_databases(tarn_cli *cli, tarn_cli_home *h, char **args, int nargs)
{
    (void)args, (void)nargs;
    tarn_cat_database *dbs = NULL;
    size_t n = 0;
    tarn_error err = {0};
    if (tarn_catalog_database_list(h->cat, &dbs, &n, &err))
        return tarn_cli_fail(&err);
    json_t *arr = cli->json ? json_array() : NULL;
    static const char *const heads[] = {"NAME", "LOCATION", "DESCRIPTION", "CREATED"};
    tarn_grid g;
    tarn_cli_grid_begin(&g, cli, heads, 4);
    char t[32];
    for (size_t i = 0; i < n; i++) {
        if (arr) {
            json_array_append_new(arr, json_pack("{s:s, s:o, s:o, s:o, s:I}", "name",
                                                 dbs[i].name, "location",
                                                 str_or_null(dbs[i].location), "description",
                                                 str_or_null(dbs[i].description), "parameters",
                                                 object_of(dbs[i].parameters), "create_time",
                                                 (json_int_t)dbs[i].create_time));
            continue;
        }
        tarn_grid_add_str(&g, dbs[i].name);
        tarn_grid_add_str(&g, dbs[i].location);
        tarn_grid_add_str(&g, dbs[i].description);
        tarn_grid_add_str(&g, tarn_cli_time_text(dbs[i].create_time, t, sizeof t));
    }
    if (arr)
        tarn_cli_json_print(arr);
    else
        tarn_grid_print(&g, 1);
    tarn_grid_free(&g);
    tarn_cat_database_list_free(dbs, n);
    return TARN_EXIT_OK;
}

/* ---- tables ---- */

/* The tables of every database, or of the one named. */
typedef struct table_set {
    tarn_cat_table *t;
    size_t n;
} table_set;

static int gather_tables(tarn_cli_home *h, const char *db, table_set *out, tarn_error *err)
{
    if (db)
        return tarn_catalog_table_list(h->cat, db, &out->t, &out->n, err);
    tarn_cat_database *dbs = NULL;
    size_t ndb = 0;
    int rc = tarn_catalog_database_list(h->cat, &dbs, &ndb, err);
    for (size_t i = 0; !rc && i < ndb; i++) {
        tarn_cat_table *ts = NULL;
        size_t n = 0;
        rc = tarn_catalog_table_list(h->cat, dbs[i].name, &ts, &n, err);
        if (rc)
            break;
        out->t = tarn_xrealloc(out->t, (out->n + n + 1) * sizeof *out->t);
        memcpy(out->t + out->n, ts, n * sizeof *ts);
        out->n += n;
        free(ts); /* the entries moved to out */
    }
    tarn_cat_database_list_free(dbs, ndb);
    return rc;
}

static json_t *table_row_json(const tarn_cat_table *t, size_t nparts)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:I, s:I, s:I, s:I, s:I}", "database", t->database,
                     "name", t->name, "classification", str_or_null(t->classification),
                     "location", str_or_null(t->location), "columns", (json_int_t)t->ncolumns,
                     "partitions", (json_int_t)nparts, "row_count", (json_int_t)t->row_count,
                     "version", (json_int_t)t->version, "update_time",
                     (json_int_t)t->update_time);
}

static void table_row_grid(tarn_grid *g, const tarn_cat_table *t, size_t nparts)
{
    char when[32];
    tarn_grid_add_str(g, t->database);
    tarn_grid_add_str(g, t->name);
    tarn_grid_add_str(g, t->classification);
    tarn_grid_add_str(g, t->location);
    tarn_grid_add_int(g, (int64_t)t->ncolumns);
    tarn_grid_add_int(g, (int64_t)nparts);
    if (t->row_count >= 0)
        tarn_grid_add_int(g, t->row_count);
    else
        tarn_grid_add_str(g, "-");
    tarn_grid_add_str(g, tarn_cli_time_text(t->update_time, when, sizeof when));
}

static int catalog_tables(tarn_cli *cli, tarn_cli_home *h, char **args, int nargs)
{
    table_set ts = {0};
    tarn_error err = {0};
    if (gather_tables(h, nargs ? args[0] : NULL, &ts, &err)) {
        tarn_cat_table_list_free(ts.t, ts.n);
        return tarn_cli_fail(&err);
    }
    json_t *arr = cli->json ? json_array() : NULL;
    static const char *const heads[] = {"DATABASE", "TABLE",      "CLASSIFICATION",
                                        "LOCATION", "COLUMNS",    "PARTITIONS",
                                        "ROWS (EST.)", "UPDATED"};
    tarn_grid g;
    tarn_cli_grid_begin(&g, cli, heads, 8);
    g.right[4] = g.right[5] = g.right[6] = true;
    for (size_t i = 0; i < ts.n; i++) {
        size_t np = partition_count(h, &ts.t[i]);
        if (arr)
            json_array_append_new(arr, table_row_json(&ts.t[i], np));
        else
            table_row_grid(&g, &ts.t[i], np);
    }
    if (arr)
        tarn_cli_json_print(arr);
    else
        tarn_grid_print(&g, 1);
    tarn_grid_free(&g);
    tarn_cat_table_list_free(ts.t, ts.n);
    return TARN_EXIT_OK;
}

/* ---- describe ---- */

static json_t *describe_json(const tarn_cat_table *t, size_t nparts)
{
    json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "database",
                          t->database, "name", t->name, "table_type",
                          str_or_null(t->table_type), "classification",
                          str_or_null(t->classification), "location", str_or_null(t->location),
                          "input_format", str_or_null(t->input_format), "output_format",
                          str_or_null(t->output_format), "serde", str_or_null(t->serde_library),
                          "serde_parameters", object_of(t->serde_parameters));
    json_object_set_new(o, "columns", columns_json(t->columns, t->ncolumns));
    json_object_set_new(o, "partition_keys", columns_json(t->partition_keys, t->npartition_keys));
    json_object_set_new(o, "partitions", json_integer((json_int_t)nparts));
    json_object_set_new(o, "parameters", object_of(t->parameters));
    json_object_set_new(o, "row_count", json_integer(t->row_count));
    json_object_set_new(o, "version", json_integer(t->version));
    json_object_set_new(o, "create_time", json_integer(t->create_time));
    json_object_set_new(o, "update_time", json_integer(t->update_time));
    json_object_set_new(o, "description", str_or_null(t->description));
    return o;
}

/* "  key = value" lines for a JSON object of strings, sorted by key. */
static void print_object_lines(const char *text)
{
    json_t *o = object_of(text);
    const char *k;
    json_t *v;
    size_t n = json_object_size(o), i = 0;
    const char **keys = tarn_xcalloc(n + 1, sizeof *keys);
    json_object_foreach(o, k, v) keys[i++] = k;
    for (size_t a = 1; a < n; a++) /* insertion sort: parameter lists are short */
        for (size_t b = a; b > 0 && strcmp(keys[b - 1], keys[b]) > 0; b--) {
            const char *tmp = keys[b];
            keys[b] = keys[b - 1];
            keys[b - 1] = tmp;
        }
    for (i = 0; i < n; i++) {
        json_t *val = json_object_get(o, keys[i]);
        printf("  %s = %s\n", keys[i], json_is_string(val) ? json_string_value(val) : "?");
    }
    free(keys);
    json_decref(o);
}

static void describe_text(const tarn_cli *cli, const tarn_cat_table *t, size_t nparts)
{
    char c[32], u[32];
    printf("Table:          %s.%s\n", t->database, t->name);
    printf("Location:       %s\n", t->location ? t->location : "-");
    printf("Classification: %s\n", t->classification ? t->classification : "-");
    printf("SerDe:          %s\n", t->serde_library ? t->serde_library : "-");
    printf("Input format:   %s\n", t->input_format ? t->input_format : "-");
    printf("Output format:  %s\n", t->output_format ? t->output_format : "-");
    printf("Row count:      %lld%s\n", (long long)t->row_count, t->row_count < 0 ? " (unknown)"
                                                                                 : " (estimate)");
    printf("Partitions:     %zu\n", nparts);
    printf("Version:        %lld\n", (long long)t->version);
    printf("Created:        %s\n", tarn_cli_time_text(t->create_time, c, sizeof c));
    printf("Updated:        %s\n", tarn_cli_time_text(t->update_time, u, sizeof u));
    printf("SerDe parameters:\n");
    print_object_lines(t->serde_parameters);
    printf("Parameters:\n");
    print_object_lines(t->parameters);
    printf("Columns:\n");
    static const char *const heads[] = {"#", "NAME", "TYPE", "PARTITION KEY"};
    tarn_grid g;
    tarn_cli_grid_begin(&g, cli, heads, 4);
    for (size_t i = 0; i < t->ncolumns + t->npartition_keys; i++) {
        bool key = i >= t->ncolumns;
        const tarn_cat_column *col = key ? &t->partition_keys[i - t->ncolumns] : &t->columns[i];
        tarn_grid_add_int(&g, (int64_t)i + 1);
        tarn_grid_add_str(&g, col->name);
        tarn_grid_add_str(&g, col->type);
        tarn_grid_add_str(&g, key ? "yes" : "");
    }
    g.right[0] = true;
    tarn_grid_print(&g, 1);
    tarn_grid_free(&g);
}

static int catalog_describe(tarn_cli *cli, tarn_cli_home *h, char **args, int nargs)
{
    (void)nargs;
    tarn_cat_table t;
    int rc = load_table(h, args[0], &t);
    if (rc)
        return rc;
    size_t np = partition_count(h, &t);
    if (cli->json)
        tarn_cli_json_print(describe_json(&t, np));
    else
        describe_text(cli, &t, np);
    tarn_cat_table_free(&t);
    return TARN_EXIT_OK;
}

/* ---- partitions ---- */

static void partitions_print(const tarn_cli *cli, const tarn_cat_table *t,
                             const tarn_cat_partition *ps, size_t n)
{
    json_t *arr = cli->json ? json_array() : NULL;
    static const char *const heads[] = {"VALUES", "LOCATION", "RECORDS", "UPDATED"};
    tarn_grid g;
    tarn_cli_grid_begin(&g, cli, heads, 4);
    tarn_buf vals;
    tarn_buf_init(&vals, 0);
    char when[32];
    for (size_t i = 0; i < n; i++) {
        const tarn_cat_partition *p = &ps[i];
        json_t *params = object_of(p->parameters), *jv = json_array();
        tarn_buf_reset(&vals);
        for (size_t k = 0; k < p->nvalues; k++) {
            const char *key = k < t->npartition_keys ? t->partition_keys[k].name : "?";
            tarn_buf_appendf(&vals, "%s%s=%s", k ? "/" : "", key, p->values[k]);
            json_array_append_new(jv, json_string(p->values[k]));
        }
        if (arr) {
            json_array_append_new(arr, json_pack("{s:o, s:o, s:O, s:I, s:I}", "values", jv,
                                                 "location", str_or_null(p->location),
                                                 "parameters", params, "create_time",
                                                 (json_int_t)p->create_time, "update_time",
                                                 (json_int_t)p->update_time));
        } else {
            json_decref(jv);
            tarn_grid_add_str(&g, vals.data ? vals.data : "");
            tarn_grid_add_str(&g, p->location);
            tarn_grid_add_str(&g, json_string_value(json_object_get(params, "recordCount")));
            tarn_grid_add_str(&g, tarn_cli_time_text(p->update_time, when, sizeof when));
        }
        json_decref(params);
    }
    g.right[2] = true;
    if (arr)
        tarn_cli_json_print(arr);
    else
        tarn_grid_print(&g, 1);
    tarn_buf_free(&vals);
    tarn_grid_free(&g);
}

static int catalog_partitions(tarn_cli *cli, tarn_cli_home *h, char **args, int nargs)
{
    (void)nargs;
    tarn_cat_table t;
    int rc = load_table(h, args[0], &t);
    if (rc)
        return rc;
    tarn_cat_partition *ps = NULL;
    size_t n = 0;
    tarn_error err = {0};
    if (tarn_catalog_partition_list(h->cat, t.database, t.name, &ps, &n, &err)) {
        tarn_cat_table_free(&t);
        return tarn_cli_fail(&err);
    }
    partitions_print(cli, &t, ps, n);
    tarn_cat_partition_list_free(ps, n);
    tarn_cat_table_free(&t);
    return TARN_EXIT_OK;
}

/* ---- ddl ---- */

static int catalog_ddl(tarn_cli *cli, tarn_cli_home *h, char **args, int nargs)
{
    (void)nargs;
    tarn_cat_table t;
    int rc = load_table(h, args[0], &t);
    if (rc)
        return rc;
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_error err = {0};
    rc = tarn_catalog_table_ddl(&t, &b, &err);
    if (!rc && cli->json)
        tarn_cli_json_print(json_pack("{s:s, s:s, s:s}", "database", t.database, "table", t.name,
                                      "ddl", b.data));
    else if (!rc)
        fputs(b.data, stdout);
    tarn_buf_free(&b);
    tarn_cat_table_free(&t);
    return rc ? tarn_cli_fail(&err) : TARN_EXIT_OK;
}

static const tarn_cli_verb verbs[] = {
    {"databases", "", 0, 0, catalog_databases, "list the databases"},
    {"tables", "[DB]", 0, 1, catalog_tables,
     "list tables: classification, location, columns, partitions, rows, update time"},
    {"describe", "DB.TABLE", 1, 1, catalog_describe,
     "a table's columns, partition keys, storage, parameters, version"},
    {"partitions", "DB.TABLE", 1, 1, catalog_partitions,
     "a table's partitions: values and locations"},
    {"ddl", "DB.TABLE", 1, 1, catalog_ddl,
     "the Athena CREATE EXTERNAL TABLE statement for a table"},
};

int tarn_cli_catalog(tarn_cli *cli, int argc, char **argv)
{
    static const tarn_cli_noun noun = {"catalog", "The Glue Data Catalog: databases, tables, "
                                       "partitions", verbs, sizeof verbs / sizeof verbs[0]};
    return tarn_cli_verbs_run(cli, &noun, argc, argv);
}
