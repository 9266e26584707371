/*
** config.c: a crawler's configuration (crawl.h): defaults, Glue's policy
** names, the Configuration JSON's Grouping options, checking a config
** before a run, and the crawler's row in catalog.db's crawlers table
** (targets, policies and configuration kept as Glue's JSON). Runs are in
** crawl.c.
*/
#include "crawl/crawl_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const update_names[] = {"UPDATE_IN_DATABASE", "LOG"};
static const char *const delete_names[] = {"DEPRECATE_IN_DATABASE", "LOG",
                                           "DELETE_FROM_DATABASE"};
static const char *const recrawl_names[] = {"CRAWL_EVERYTHING", "CRAWL_NEW_FOLDERS_ONLY"};

#define NAMES(a) (sizeof(a) / sizeof((a)[0]))

void tarn_crawler_config_init(tarn_crawler_config *c)
{
    memset(c, 0, sizeof *c);
}

const char *tarn_crawl_update_name(tarn_crawl_update u)
{
    return (unsigned)u < NAMES(update_names) ? update_names[u] : "?";
}

const char *tarn_crawl_delete_name(tarn_crawl_delete d)
{
    return (unsigned)d < NAMES(delete_names) ? delete_names[d] : "?";
}

const char *tarn_crawl_recrawl_name(tarn_crawl_recrawl r)
{
    return (unsigned)r < NAMES(recrawl_names) ? recrawl_names[r] : "?";
}

/* The index of s in names[0..n), or -1 with err listing them. */
static int parse_name(const char *s, const char *const *names, size_t n, const char *what,
                      tarn_error *err)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    tarn_buf b;
    tarn_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++)
        tarn_buf_appendf(&b, "%s%s", i ? ", " : "", names[i]);
    tarn_error_set(err, TARN_ERR_INVALID, "%s '%s' is not valid (expected one of %s)", what,
                   s ? s : "", b.data);
    tarn_buf_free(&b);
    return -1;
}

int tarn_crawl_update_parse(const char *s, tarn_crawl_update *out, tarn_error *err)
{
    int i = parse_name(s, update_names, NAMES(update_names), "UpdateBehavior", err);
    if (i < 0)
        return TARN_ERR_INVALID;
    *out = (tarn_crawl_update)i;
    return TARN_OK;
}

int tarn_crawl_delete_parse(const char *s, tarn_crawl_delete *out, tarn_error *err)
{
    int i = parse_name(s, delete_names, NAMES(delete_names), "DeleteBehavior", err);
    if (i < 0)
        return TARN_ERR_INVALID;
    *out = (tarn_crawl_delete)i;
    return TARN_OK;
}

int tarn_crawl_recrawl_parse(const char *s, tarn_crawl_recrawl *out, tarn_error *err)
{
    int i = parse_name(s, recrawl_names, NAMES(recrawl_names), "RecrawlBehavior", err);
    if (i < 0)
        return TARN_ERR_INVALID;
    *out = (tarn_crawl_recrawl)i;
    return TARN_OK;
}

/* Read Configuration.Grouping into c. */
static int parse_grouping(json_t *g, tarn_crawler_config *c, tarn_error *err)
{
    if (!json_is_object(g))
        return tarn_error_set(err, TARN_ERR_INVALID, "crawler Configuration: Grouping must be "
                              "an object");
    json_t *policy = json_object_get(g, "TableGroupingPolicy");
    if (policy) {
        if (!json_is_string(policy) ||
            strcmp(json_string_value(policy), "CombineCompatibleSchemas") != 0)
            return tarn_error_set(err, TARN_ERR_INVALID, "crawler Configuration: "
                                  "Grouping.TableGroupingPolicy must be "
                                  "\"CombineCompatibleSchemas\"");
        c->combine_compatible = true;
    }
    json_t *level = json_object_get(g, "TableLevelConfiguration");
    if (level) {
        double v = json_is_number(level) ? json_number_value(level) : -1;
        if (v < 1 || v > 512 || v != (double)(int)v)
            return tarn_error_set(err, TARN_ERR_INVALID, "crawler Configuration: "
                                  "Grouping.TableLevelConfiguration must be a whole number "
                                  "from 1 (the bucket) up");
        c->table_level = (int)v;
    }
    return TARN_OK;
}

int tarn_crawl_configuration_parse(const char *json, tarn_crawler_config *c, tarn_error *err)
{
    if (!json || !*json)
        return TARN_OK;
    json_error_t je;
    json_t *root = json_loads(json, 0, &je);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return tarn_error_set(err, TARN_ERR_INVALID, "crawler Configuration is not a JSON "
                              "object: line %d, column %d: %s", je.line, je.column,
                              root ? "expected an object" : je.text);
    }
    int rc = TARN_OK;
    json_t *version = json_object_get(root, "Version");
    if (version && !json_is_number(version))
        rc = tarn_error_set(err, TARN_ERR_INVALID, "crawler Configuration: Version must be a "
                            "number (1.0)");
    json_t *g = json_object_get(root, "Grouping");
    if (!rc && g)
        rc = parse_grouping(g, c, err);
    json_decref(root);
    return rc;
}

/* A crawler or database name: 1..255 bytes, no control characters. */
static int check_name(const char *what, const char *s, tarn_error *err)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > TARN_CATALOG_NAME_MAX)
        return tarn_error_set(err, TARN_ERR_INVALID, "crawler %s must be 1 to %d bytes long",
                              what, TARN_CATALOG_NAME_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return tarn_error_set(err, TARN_ERR_INVALID, "crawler %s has a control character",
                                  what);
    return TARN_OK;
}

/* Check one target: an s3:// path and well-formed exclusions. */
static int check_target(const tarn_crawl_target *t, size_t i, tarn_error *err)
{
    tarn_uri u;
    tarn_error e = {0};
    if (!t->path || !tarn_is_s3_uri(t->path) || tarn_uri_parse(t->path, &u, &e))
        return tarn_error_set(err, TARN_ERR_INVALID, "crawler target %zu: Path '%s' is not a "
                              "valid s3://bucket/prefix URI%s%.200s", i + 1,
                              t->path ? t->path : "", e.msg[0] ? ": " : "", e.msg);
    for (size_t k = 0; k < t->nexclusions; k++) {
        if (tarn_crawl_glob_match(t->exclusions ? t->exclusions[k] : NULL, "", &e) < 0)
            return tarn_error_set(err, TARN_ERR_INVALID, "crawler target %zu, Exclusions[%zu]: "
                                  "%.300s", i + 1, k, e.msg);
    }
    return TARN_OK;
}

int tarn_crawl_config_check(const tarn_crawler_config *c, tarn_error *err)
{
    int rc = check_name("Name", c->name, err);
    if (!rc)
        rc = check_name("DatabaseName", c->database, err);
    if (!rc && (c->ntargets == 0 || !c->targets))
        rc = tarn_error_set(err, TARN_ERR_INVALID, "crawler '%s' has no S3 targets (give "
                            "Targets.S3Targets with a Path)", c->name);
    for (size_t i = 0; !rc && i < c->ntargets; i++)
        rc = check_target(&c->targets[i], i, err);
    if (!rc && (c->table_level < 0 || c->table_level > 512))
        rc = tarn_error_set(err, TARN_ERR_INVALID, "crawler '%s': TableLevelConfiguration %d "
                            "is out of range (1 = the bucket)", c->name, c->table_level);
    if (!rc && ((unsigned)c->update_behavior >= NAMES(update_names) ||
                (unsigned)c->delete_behavior >= NAMES(delete_names) ||
                (unsigned)c->recrawl >= NAMES(recrawl_names)))
        rc = tarn_error_set(err, TARN_ERR_INVALID, "crawler '%s': a policy value is out of "
                            "range", c->name);
    return rc;
}

/* ---- the crawlers table ---- */

/* Compact JSON text of obj (consumed); caller frees with free(). */
static char *dump(json_t *obj)
{
    char *s = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(obj);
    return s ? s : tarn_xstrdup("{}");
}

static char *targets_json(const tarn_crawler_config *c)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < c->ntargets; i++) {
        json_t *t = json_object();
        json_object_set_new(t, "Path", json_string(c->targets[i].path));
        json_t *ex = json_array();
        for (size_t k = 0; k < c->targets[i].nexclusions; k++)
            json_array_append_new(ex, json_string(c->targets[i].exclusions[k]));
        json_object_set_new(t, "Exclusions", ex);
        json_array_append_new(arr, t);
    }
    json_t *root = json_object();
    json_object_set_new(root, "S3Targets", arr);
    return dump(root);
}

static char *configuration_json(const tarn_crawler_config *c)
{
    json_t *root = json_object();
    if (c->combine_compatible || c->table_level > 0) {
        json_t *g = json_object();
        if (c->combine_compatible)
            json_object_set_new(g, "TableGroupingPolicy", json_string("CombineCompatibleSchemas"));
        if (c->table_level > 0)
            json_object_set_new(g, "TableLevelConfiguration", json_integer(c->table_level));
        json_object_set_new(root, "Version", json_real(1.0));
        json_object_set_new(root, "Grouping", g);
    }
    return dump(root);
}

/* Bind the row's values (1 name, 2 role, 3 database, 4 targets, 5 prefix,
** 6 schema change policy, 7 recrawl policy, 8 configuration, 9 time). */
static void bind_row(sqlite3_stmt *st, const tarn_crawler_config *c, char **owned)
{
    owned[0] = targets_json(c);
    owned[1] = dump(json_pack("{ssss}", "UpdateBehavior", tarn_crawl_update_name(c->update_behavior),
                              "DeleteBehavior", tarn_crawl_delete_name(c->delete_behavior)));
    owned[2] = dump(json_pack("{ss}", "RecrawlBehavior", tarn_crawl_recrawl_name(c->recrawl)));
    owned[3] = configuration_json(c);
    sqlite3_bind_text(st, 1, c->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, c->role ? c->role : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, c->database, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, owned[0], -1, SQLITE_TRANSIENT);
    if (c->table_prefix)
        sqlite3_bind_text(st, 5, c->table_prefix, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 5);
    sqlite3_bind_text(st, 6, owned[1], -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, owned[2], -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, owned[3], -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 9, tarn_catalog_now_ms());
}

int tarn_crawler_put(tarn_catalog *cat, const tarn_crawler_config *cfg, bool replace,
                     tarn_error *err)
{
    int rc = tarn_crawl_config_check(cfg, err);
    if (rc)
        return rc;
    const char *sql = replace
        ? "INSERT INTO crawlers (name, role, database_name, targets, table_prefix, "
          "schema_change_policy, recrawl_policy, configuration, create_time, update_time) "
          "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?9) ON CONFLICT(name) DO UPDATE SET "
          "role=?2, database_name=?3, targets=?4, table_prefix=?5, schema_change_policy=?6, "
          "recrawl_policy=?7, configuration=?8, update_time=?9"
        : "INSERT INTO crawlers (name, role, database_name, targets, table_prefix, "
          "schema_change_policy, recrawl_policy, configuration, create_time, update_time) "
          "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?9)";
    sqlite3 *db = tarn_catalog_db(cat);
    sqlite3_stmt *st = NULL;
    int s = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (s != SQLITE_OK)
        return tarn_catalog_sql_error(cat, s, "storing a crawler", err);
    char *owned[4] = {0};
    bind_row(st, cfg, owned);
    s = sqlite3_step(st);
    sqlite3_finalize(st);
    for (int i = 0; i < 4; i++)
        free(owned[i]);
    if ((s & 0xff) == SQLITE_CONSTRAINT)
        return tarn_error_set(err, TARN_ERR_EXISTS, "AlreadyExistsException: crawler '%s' "
                              "already exists", cfg->name);
    return s == SQLITE_DONE ? TARN_OK : tarn_catalog_sql_error(cat, s, "storing a crawler", err);
}

int tarn_crawler_delete(tarn_catalog *cat, const char *name, tarn_error *err)
{
    sqlite3 *db = tarn_catalog_db(cat);
    sqlite3_stmt *st = NULL;
    int s = sqlite3_prepare_v2(db, "DELETE FROM crawlers WHERE name = ?", -1, &st, NULL);
    if (s != SQLITE_OK)
        return tarn_catalog_sql_error(cat, s, "deleting a crawler", err);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s != SQLITE_DONE)
        return tarn_catalog_sql_error(cat, s, "deleting a crawler", err);
    if (sqlite3_changes(db) == 0)
        return tarn_error_set(err, TARN_ERR_NOTFOUND, "EntityNotFoundException: crawler '%s' "
                              "does not exist", name);
    return TARN_OK;
}
