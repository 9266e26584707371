/*
** load.c: reading a crawler back from catalog.db's crawlers table into a
** tarn_crawler_def (crawl.h): the row's columns, and the JSON that
** tarn_crawler_put (config.c) writes for targets, policies and
** configuration, parsed with jansson. Every string the config points to is
** owned by the def, so it outlives the statement it came from.
*/
#include "crawl/crawl_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The storage behind a def's config: copied strings, the target array and
** one exclusion array per target. */
typedef struct load_owned {
    char **strings;
    size_t nstrings;
    tarn_crawl_target *targets;
    const char ***exclusions;   /* exclusions[i] belongs to targets[i] */
    size_t ntargets;
} load_owned;

/* Copy s into o's storage and return the copy; NULL stays NULL. */
static char *keep(load_owned *o, const char *s)
{
    if (!s)
        return NULL;
    o->strings = crawl_grow(o->strings, o->nstrings, sizeof *o->strings);
    o->strings[o->nstrings] = tarn_xstrdup(s);
    return o->strings[o->nstrings++];
}

static void owned_free(load_owned *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->nstrings; i++)
        free(o->strings[i]);
    for (size_t i = 0; i < o->ntargets; i++)
        free(o->exclusions[i]);
    free(o->strings);
    free(o->exclusions);
    free(o->targets);
    free(o);
}

/* Parse text as a JSON object; TARN_ERR_CORRUPT naming the column if it is
** not one. */
static int load_object(const char *text, const char *crawler, const char *column,
                       json_t **out, tarn_error *err)
{
    json_error_t je;
    *out = json_loads(text ? text : "{}", 0, &je);
    if (*out && json_is_object(*out))
        return TARN_OK;
    json_decref(*out);
    *out = NULL;
    return tarn_error_set(err, TARN_ERR_CORRUPT, "catalog.db: crawler '%s': column %s is not "
                          "a JSON object (line %d, column %d); redeploy the crawler's stack",
                          crawler, column, je.line, je.column);
}

/* The string member key of obj, or NULL if absent or not a string. */
static const char *member(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Fill one target from {"Path": ..., "Exclusions": [...]}. */
static int load_target(load_owned *o, size_t i, json_t *t, const char *crawler, tarn_error *err)
{
    const char *path = member(t, "Path");
    if (!path)
        return tarn_error_set(err, TARN_ERR_CORRUPT, "catalog.db: crawler '%s': S3Targets[%zu] "
                              "has no Path string", crawler, i);
    json_t *ex = json_object_get(t, "Exclusions");
    size_t n = json_is_array(ex) ? json_array_size(ex) : 0;
    o->exclusions[i] = tarn_xcalloc(n ? n : 1, sizeof(char *));
    for (size_t k = 0; k < n; k++) {
        const char *g = json_string_value(json_array_get(ex, k));
        if (!g)
            return tarn_error_set(err, TARN_ERR_CORRUPT, "catalog.db: crawler '%s': "
                                  "S3Targets[%zu].Exclusions[%zu] is not a string", crawler, i,
                                  k);
        o->exclusions[i][k] = keep(o, g);
    }
    o->targets[i].path = keep(o, path);
    o->targets[i].exclusions = o->exclusions[i];
    o->targets[i].nexclusions = n;
    return TARN_OK;
}

/* Fill cfg's targets from the targets column. */
static int load_targets(load_owned *o, const char *text, tarn_crawler_config *cfg,
                        tarn_error *err)
{
    json_t *root;
    int rc = load_object(text, cfg->name, "targets", &root, err);
    if (rc)
        return rc;
    json_t *arr = json_object_get(root, "S3Targets");
    size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
    o->targets = tarn_xcalloc(n ? n : 1, sizeof *o->targets);
    o->exclusions = tarn_xcalloc(n ? n : 1, sizeof *o->exclusions);
    for (size_t i = 0; !rc && i < n; i++, o->ntargets++)
        rc = load_target(o, i, json_array_get(arr, i), cfg->name, err);
    cfg->targets = o->targets;
    cfg->ntargets = rc ? 0 : n;
    json_decref(root);
    return rc;
}

/* Fill cfg's policies from the schema_change_policy and recrawl_policy
** columns; an absent member keeps Glue's default. */
static int load_policies(const char *scp, const char *rp, tarn_crawler_config *cfg,
                         tarn_error *err)
{
    json_t *a = NULL, *b = NULL;
    int rc = load_object(scp, cfg->name, "schema_change_policy", &a, err);
    if (!rc)
        rc = load_object(rp, cfg->name, "recrawl_policy", &b, err);
    const char *s;
    if (!rc && (s = member(a, "UpdateBehavior")))
        rc = tarn_crawl_update_parse(s, &cfg->update_behavior, err);
    if (!rc && (s = member(a, "DeleteBehavior")))
        rc = tarn_crawl_delete_parse(s, &cfg->delete_behavior, err);
    if (!rc && (s = member(b, "RecrawlBehavior")))
        rc = tarn_crawl_recrawl_parse(s, &cfg->recrawl, err);
    json_decref(a);
    json_decref(b);
    return rc;
}

#define LOAD_SQL                                                                         \
    "SELECT name, role, database_name, description, targets, table_prefix, "            \
    "schema_change_policy, recrawl_policy, configuration, schedule, state "             \
    "FROM crawlers WHERE name = ?"

/* The text of column i of the current row (NULL for NULL). */
static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Fill out from the current row of LOAD_SQL. */
static int load_row(sqlite3_stmt *st, tarn_crawler_def *out, load_owned *o, tarn_error *err)
{
    tarn_crawler_config *c = &out->cfg;
    c->name = keep(o, col(st, 0));
    out->role = tarn_xstrdup(col(st, 1) ? col(st, 1) : "");
    c->role = out->role;
    c->database = keep(o, col(st, 2));
    out->description = col(st, 3) ? tarn_xstrdup(col(st, 3)) : NULL;
    c->table_prefix = keep(o, col(st, 5));
    out->schedule = col(st, 9) ? tarn_xstrdup(col(st, 9)) : NULL;
    out->state = tarn_xstrdup(col(st, 10) ? col(st, 10) : "READY");
    int rc = load_targets(o, col(st, 4), c, err);
    if (rc)
        return rc;
    rc = load_policies(col(st, 6), col(st, 7), c, err);
    if (!rc)
        rc = tarn_crawl_configuration_parse(col(st, 8), c, err);
    if (rc && rc != TARN_ERR_CORRUPT)
        tarn_error_prefix(err, "catalog.db: crawler '%s': ", c->name);
    return rc;
}

int tarn_crawler_load(tarn_catalog *cat, const char *name, tarn_crawler_def *out,
                      tarn_error *err)
{
    memset(out, 0, sizeof *out);
    tarn_crawler_config_init(&out->cfg);
    sqlite3_stmt *st = NULL;
    int s = sqlite3_prepare_v2(tarn_catalog_db(cat), LOAD_SQL, -1, &st, NULL);
    if (s != SQLITE_OK)
        return tarn_catalog_sql_error(cat, s, "loading a crawler", err);
    sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_TRANSIENT);
    s = sqlite3_step(st);
    int rc;
    if (s == SQLITE_ROW) {
        load_owned *o = tarn_xcalloc(1, sizeof *o);
        out->owned = o;
        rc = load_row(st, out, o, err);
    } else if (s == SQLITE_DONE) {
        rc = tarn_error_set(err, TARN_ERR_NOTFOUND, "EntityNotFoundException: crawler '%s' "
                            "does not exist", name ? name : "");
    } else {
        rc = tarn_catalog_sql_error(cat, s, "loading a crawler", err);
    }
    sqlite3_finalize(st);
    if (rc)
        tarn_crawler_def_free(out);
    return rc;
}

void tarn_crawler_def_free(tarn_crawler_def *d)
{
    if (!d)
        return;
    owned_free(d->owned);
    free(d->role);
    free(d->description);
    free(d->schedule);
    free(d->state);
    memset(d, 0, sizeof *d);
}
