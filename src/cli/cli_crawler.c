/*
** cli_crawler.c: `tarn crawler run|list|runs`, over the crawlers that
** `tarn stack deploy` stores (crawl.h). Each verb calls one crawl function
** and prints its result: a table on stdout (or --json), errors on stderr.
**
** Usage:
**   tarn crawler run NAME     run the crawler under its role; prints the
**                             summary line; exit 1 if the crawl failed
**   tarn crawler list         name, database, targets, state, last crawl
**   tarn crawler runs NAME    its runs, newest first
*/
#include "cli/cli_verbs.h"

#include <stdio.h>
#include <string.h>

#include "crawl/crawl.h"

/* ---- run ---- */

/* The JSON of a finished crawl (error NULL when it succeeded). */
static json_t *result_json(const char *name, const tarn_crawl_result *r, const char *error)
{
    char sum[512];
    json_t *o = json_object();
    json_object_set_new(o, "crawler", json_string(name));
    json_object_set_new(o, "run_id", r->run_id[0] ? json_string(r->run_id) : json_null());
    json_object_set_new(o, "state", json_string(error ? "FAILED" : "SUCCEEDED"));
    json_object_set_new(o, "summary", json_string(tarn_crawl_result_summary(r, sum, sizeof sum)));
    const struct { const char *k; int64_t v; } counts[] = {
        {"tables_created", r->tables_created},       {"tables_updated", r->tables_updated},
        {"tables_deleted", r->tables_deleted},       {"tables_deprecated", r->tables_deprecated},
        {"partitions_added", r->partitions_created}, {"partitions_updated", r->partitions_updated},
        {"partitions_removed", r->partitions_deleted},
        {"partitions_deprecated", r->partitions_deprecated},
        {"objects_listed", r->objects_listed},
        {"objects_crawled", r->objects_crawled - r->objects_unknown},
        {"objects_skipped", r->objects_unknown + r->objects_excluded},
        {"bytes_read", r->bytes_read},                {"changes_logged", r->changes_logged},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        json_object_set_new(o, counts[i].k, json_integer(counts[i].v));
    json_object_set_new(o, "log", r->log_path ? json_string(r->log_path) : json_null());
    json_object_set_new(o, "error", error ? json_string(error) : json_null());
    return o;
}

static int crawler_run(tarn_cli *cli, tarn_cli_home *h, char **args, int nargs)
{
    (void)nargs;
    tarn_crawl_result res;
    tarn_crawl_result_init(&res);
    tarn_error err = {0};
    int rc = tarn_crawler_run_by_name(h->store, h->cat, args[0], NULL, &res, &err);
    char sum[512];
    if (cli->json)
        tarn_cli_json_print(result_json(args[0], &res, rc ? err.msg : NULL));
    else if (!rc)
        printf("%s\n", tarn_crawl_result_summary(&res, sum, sizeof sum));
    if (rc && res.run_id[0])
        fprintf(stderr, "tarn: crawl %s of crawler '%s' FAILED%s%s\n", res.run_id, args[0],
                res.log_path ? "; log: " : "", res.log_path ? res.log_path : "");
    tarn_crawl_result_free(&res);
    return rc ? tarn_cli_fail(&err) : TARN_EXIT_OK;
}

/* ---- list ---- */

/* The paths of c joined by ", " into buf. */
static const char *paths_text(const tarn_crawler_info *c, tarn_buf *buf)
{
    tarn_buf_reset(buf);
    for (size_t i = 0; i < c->npaths; i++)
        tarn_buf_appendf(buf, "%s%s", i ? ", " : "", c->paths[i]);
    return buf->data ? buf->data : "";
}

static json_t *run_json(const tarn_crawl_run_info *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "state", json_string(r->state ? r->state : ""));
    json_object_set_new(o, "started_on", json_integer(r->started_on));
    json_object_set_new(o, "completed_on", r->completed_on ? json_integer(r->completed_on)
                                                          : json_null());
    json_object_set_new(o, "duration_ms", r->completed_on ? json_integer(r->completed_on -
                                                                         r->started_on)
                                                         : json_null());
    const struct { const char *k; int64_t v; } counts[] = {
        {"tables_created", r->tables_created},       {"tables_updated", r->tables_updated},
        {"tables_deleted", r->tables_deleted},       {"partitions_added", r->partitions_created},
        {"partitions_updated", r->partitions_updated},
        {"partitions_removed", r->partitions_deleted},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        json_object_set_new(o, counts[i].k, json_integer(counts[i].v));
    json_object_set_new(o, "workflow_run_id",
                        r->workflow_run_id ? json_string(r->workflow_run_id) : json_null());
    json_object_set_new(o, "error", r->error_message ? json_string(r->error_message)
                                                     : json_null());
    json_object_set_new(o, "log", r->log_path ? json_string(r->log_path) : json_null());
    return o;
}

static void list_json(const tarn_crawler_info *cs, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const tarn_crawler_info *c = &cs[i];
        json_t *paths = json_array();
        for (size_t k = 0; k < c->npaths; k++)
            json_array_append_new(paths, json_string(c->paths[k]));
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(c->name));
        json_object_set_new(o, "role", json_string(c->role ? c->role : ""));
        json_object_set_new(o, "database", json_string(c->database ? c->database : ""));
        json_object_set_new(o, "table_prefix",
                            c->table_prefix ? json_string(c->table_prefix) : json_null());
        json_object_set_new(o, "targets", paths);
        json_object_set_new(o, "state", json_string(c->state ? c->state : ""));
        json_object_set_new(o, "last_crawl", c->has_last ? run_json(&c->last) : json_null());
        json_array_append_new(arr, o);
    }
    tarn_cli_json_print(arr);
}

static void list_table(const tarn_cli *cli, const tarn_crawler_info *cs, size_t n)
{
    static const char *const heads[] = {"NAME", "DATABASE", "TARGETS", "STATE", "LAST CRAWL",
                                        "LAST STARTED", "DURATION"};
    tarn_grid g;
    tarn_cli_grid_begin(&g, cli, heads, 7);
    tarn_buf b;
    tarn_buf_init(&b, 0);
    char t[32], d[32];
    for (size_t i = 0; i < n; i++) {
        const tarn_crawler_info *c = &cs[i];
        const tarn_crawl_run_info *r = &c->last;
        tarn_grid_add_str(&g, c->name);
        tarn_grid_add_str(&g, c->database);
        tarn_grid_add_str(&g, paths_text(c, &b));
        tarn_grid_add_str(&g, c->state);
        tarn_grid_add_str(&g, c->has_last ? r->state : "-");
        tarn_grid_add_str(&g, tarn_cli_time_text(c->has_last ? r->started_on : 0, t, sizeof t));
        tarn_grid_add_str(&g, tarn_cli_duration_text(c->has_last && r->completed_on
                                                         ? r->completed_on - r->started_on
                                                         : -1, d, sizeof d));
    }
    tarn_buf_free(&b);
    tarn_grid_print(&g, 1);
    tarn_grid_free(&g);
    if (n == 0)
        fprintf(stderr, "no crawlers (deploy a stack with an AWS::Glue::Crawler)\n");
}

static int crawler_list(tarn_cli *cli, tarn_cli_home *h, char **args, int nargs)
{
    (void)args, (void)nargs;
    tarn_crawler_info *cs = NULL;
    size_t n = 0;
    tarn_error err = {0};
    if (tarn_crawler_list(h->cat, &cs, &n, &err))
        return tarn_cli_fail(&err);
    if (cli->json)
        list_json(cs, n);
    else
        list_table(cli, cs, n);
    tarn_crawler_info_list_free(cs, n);
    return TARN_EXIT_OK;
}

/* ---- runs ---- */

static void runs_table(const tarn_cli *cli, const tarn_crawl_run_info *rs, size_t n)
{
    static const char *const heads[] = {"RUN ID", "STATE", "STARTED", "DURATION",
                                        "TABLES C/U/D", "PARTITIONS A/U/R", "ERROR"};
    tarn_grid g;
    tarn_cli_grid_begin(&g, cli, heads, 7);
    char t[32], d[32], c1[80], c2[80];
    for (size_t i = 0; i < n; i++) {
        const tarn_crawl_run_info *r = &rs[i];
        snprintf(c1, sizeof c1, "%lld/%lld/%lld", (long long)r->tables_created,
                 (long long)r->tables_updated, (long long)r->tables_deleted);
        snprintf(c2, sizeof c2, "%lld/%lld/%lld", (long long)r->partitions_created,
                 (long long)r->partitions_updated, (long long)r->partitions_deleted);
        tarn_grid_add_str(&g, r->id);
        tarn_grid_add_str(&g, r->state);
        tarn_grid_add_str(&g, tarn_cli_time_text(r->started_on, t, sizeof t));
        tarn_grid_add_str(&g, tarn_cli_duration_text(r->completed_on ? r->completed_on -
                                                                           r->started_on
                                                                     : -1, d, sizeof d));
        tarn_grid_add_str(&g, c1);
        tarn_grid_add_str(&g, c2);
        tarn_grid_add_str(&g, r->error_message ? r->error_message : "");
    }
    g.right[4] = g.right[5] = true;
    tarn_grid_print(&g, 1);
    tarn_grid_free(&g);
}

static int crawler_runs(tarn_cli *cli, tarn_cli_home *h, char **args, int nargs)
{
    (void)nargs;
    tarn_crawl_run_info *rs = NULL;
    size_t n = 0;
    tarn_error err = {0};
    if (tarn_crawl_run_list(h->cat, args[0], &rs, &n, &err))
        return tarn_cli_fail(&err);
    if (cli->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, run_json(&rs[i]));
        tarn_cli_json_print(arr);
    } else {
        runs_table(cli, rs, n);
    }
    tarn_crawl_run_info_list_free(rs, n);
    return TARN_EXIT_OK;
}

static const tarn_cli_verb verbs[] = {
    {"run", "NAME", 1, 1, crawler_run,
     "run a stored crawler under its role and print what it changed"},
    {"list", "", 0, 0, crawler_list,
     "list the crawlers: database, targets, state, last crawl"},
    {"runs", "NAME", 1, 1, crawler_runs,
     "list a crawler's runs, newest first: state, times, counts, error"},
};

int tarn_cli_crawler(tarn_cli *cli, int argc, char **argv)
{
    static const tarn_cli_noun noun = {"crawler", "Glue crawlers stored by 'tarn stack deploy'",
                                       verbs, sizeof verbs / sizeof verbs[0]};
    return tarn_cli_verbs_run(cli, &noun, argc, argv);
}
