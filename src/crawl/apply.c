/*
** apply.c: bringing the catalog in line with a crawl's plan (crawl.h,
** tarn_crawl_apply) under Glue's SchemaChangePolicy and RecrawlPolicy.
** Every change of one crawl is one catalog transaction. A table's
** "definition" is what a reader depends on (columns, partition keys,
** location, format, SerDe, and parameters other than the statistics);
** when only statistics moved, the table or partition is refreshed without
** counting as a schema change. The plan itself is group.c's.
*/
#include "crawl/crawl_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPRECATED_KEY "DEPRECATED_BY_CRAWLER"

/* Parameters that change with the data, not with the schema. */
static const char *const volatile_keys[] = {"recordCount", "averageRecordSize", "sizeKey",
                                            "objectCount", "UPDATED_BY_CRAWLER",
                                            DEPRECATED_KEY};

/* The state of one apply. */
typedef struct applier {
    tarn_catalog *cat;
    const tarn_crawler_config *cfg;
    const char *db;
    tarn_crawl_update update;  /* effective: LOG under CRAWL_NEW_FOLDERS_ONLY */
    tarn_crawl_delete del;
    bool new_only;
    tarn_crawl_result *res;
    char **names;              /* final names of the plan's tables */
    size_t nnames;
} applier;

/* The parameters text as a JSON object without the volatile keys
** (consumes nothing; caller decrefs). */
static json_t *stable_params(const char *text)
{
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_object();
    }
    for (size_t i = 0; i < sizeof volatile_keys / sizeof volatile_keys[0]; i++)
        json_object_del(o, volatile_keys[i]);
    return o;
}

static bool same_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Whether two parameter texts agree on every key but the volatile ones. */
static bool same_stable_params(const char *a, const char *b)
{
    json_t *x = stable_params(a), *y = stable_params(b);
    bool eq = json_equal(x, y);
    json_decref(x);
    json_decref(y);
    return eq;
}

/* Whether the parameters text has the deprecation mark. */
static bool is_deprecated(const char *params)
{
    json_t *o = params ? json_loads(params, 0, NULL) : NULL;
    bool d = json_is_object(o) && json_object_get(o, DEPRECATED_KEY);
    json_decref(o);
    return d;
}

/* params with the deprecation mark set to now; caller frees. */
static char *with_deprecation(const char *params)
{
    json_t *o = params ? json_loads(params, 0, NULL) : NULL;
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_object();
    }
    char now[32];
    snprintf(now, sizeof now, "%lld", (long long)tarn_catalog_now_ms());
    json_object_set_new(o, DEPRECATED_KEY, json_string(now));
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return s;
}

/* Describe how column lists a (stored) and b (found) differ into out;
** empty when they agree. */
static void diff_columns(const char *what, const tarn_cat_column *a, size_t na,
                         const tarn_cat_column *b, size_t nb, tarn_buf *out)
{
    for (size_t i = 0; i < nb; i++) {
        size_t j = 0;
        while (j < na && strcmp(a[j].name, b[i].name) != 0)
            j++;
        if (j == na)
            tarn_buf_appendf(out, "%s%s '%s' %s added", out->len ? "; " : "", what, b[i].name,
                             b[i].type);
        else if (strcmp(a[j].type, b[i].type) != 0)
            tarn_buf_appendf(out, "%s%s '%s' %s -> %s", out->len ? "; " : "", what, b[i].name,
                             a[j].type, b[i].type);
    }
    for (size_t j = 0; j < na; j++) {
        size_t i = 0;
        while (i < nb && strcmp(a[j].name, b[i].name) != 0)
            i++;
        if (i == nb)
            tarn_buf_appendf(out, "%s%s '%s' removed", out->len ? "; " : "", what, a[j].name);
    }
    if (!out->len && na == nb)
        for (size_t i = 0; i < na; i++)
            if (strcmp(a[i].name, b[i].name) != 0) {
                tarn_buf_appendf(out, "%s order changed", what);
                break;
            }
}

/* What differs between the stored table a and the found b, apart from
** statistics, into out (empty if nothing). */
static void diff_table(const tarn_cat_table *a, const tarn_cat_table *b, tarn_buf *out)
{
    diff_columns("column", a->columns, a->ncolumns, b->columns, b->ncolumns, out);
    diff_columns("partition key", a->partition_keys, a->npartition_keys, b->partition_keys,
                 b->npartition_keys, out);
    if (!same_str(a->classification, b->classification))
        tarn_buf_appendf(out, "%sclassification %s -> %s", out->len ? "; " : "",
                         a->classification ? a->classification : "none", b->classification);
    if (!same_str(a->serde_library, b->serde_library) ||
        !same_str(a->input_format, b->input_format) ||
        !same_str(a->serde_parameters, b->serde_parameters))
        tarn_buf_appendf(out, "%sSerDe or input format changed", out->len ? "; " : "");
    if (!same_str(a->location, b->location))
        tarn_buf_appendf(out, "%slocation %s -> %s", out->len ? "; " : "",
                         a->location ? a->location : "none", b->location);
    if (!same_stable_params(a->parameters, b->parameters))
        tarn_buf_appendf(out, "%sparameters changed", out->len ? "; " : "");
}

/* Whether the key lists agree in count and names. */
static bool same_keys(const tarn_cat_table *a, const tarn_cat_table *b)
{
    if (a->npartition_keys != b->npartition_keys)
        return false;
    for (size_t i = 0; i < a->npartition_keys; i++)
        if (strcmp(a->partition_keys[i].name, b->partition_keys[i].name) != 0)
            return false;
    return true;
}

/* ---- partitions ---- */

static int cmp_values(const tarn_cat_partition *x, const tarn_cat_partition *y)
{
    for (size_t i = 0; i < x->nvalues && i < y->nvalues; i++) {
        int c = strcmp(x->values[i], y->values[i]);
        if (c)
            return c;
    }
    return x->nvalues < y->nvalues ? -1 : x->nvalues > y->nvalues;
}

/* Partitions to write: shallow copies, plus the strings made for them. */
typedef struct part_list {
    tarn_cat_partition *p;
    size_t n;
    char **owned;
    size_t nowned;
} part_list;

static void part_push(part_list *l, const tarn_cat_partition *p, char *params)
{
    l->p = crawl_grow(l->p, l->n, sizeof *l->p);
    l->p[l->n] = *p;
    if (params) {
        l->p[l->n].parameters = params;
        l->owned = crawl_grow(l->owned, l->nowned, sizeof *l->owned);
        l->owned[l->nowned++] = params;
    }
    l->n++;
}

static void part_list_free(part_list *l)
{
    for (size_t i = 0; i < l->nowned; i++)
        free(l->owned[i]);
    free(l->owned);
    free(l->p);
}

/* "a/b" for a partition's values, for the log. */
static void values_text(const tarn_cat_partition *p, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < p->nvalues && k + 1 < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? "/" : "", p->values[i]);
}

/* A stored partition the plan also has: refresh or log its changes. */
static void partition_changed(applier *a, const char *t, const tarn_cat_partition *cur,
                              const tarn_cat_partition *found, part_list *repl)
{
    bool defn = !same_str(cur->location, found->location) ||
                !same_stable_params(cur->parameters, found->parameters);
    bool back = is_deprecated(cur->parameters);
    if (!defn && !back && same_str(cur->parameters, found->parameters))
        return;
    char v[256];
    values_text(found, v, sizeof v);
    if (a->update == TARN_CRAWL_UPDATE_IN_DATABASE) {
        part_push(repl, found, NULL);
        if (defn || back) {
            a->res->partitions_updated++;
            crawl_log(a->res, "partition %s of table '%s.%s' updated%s", v, a->db, t,
                    back && !defn ? ": its data is back" : "");
        }
    } else if (defn) {
        a->res->changes_logged++;
        crawl_log(a->res, "change detected in partition %s of table '%s.%s': not applied "
                "(UpdateBehavior LOG)", v, a->db, t);
    }
}

/* A stored partition whose folder is gone: delete, deprecate or log it. */
static int partition_gone(applier *a, const char *t, const tarn_cat_partition *cur,
                          part_list *repl, tarn_error *err)
{
    char v[256];
    values_text(cur, v, sizeof v);
    if (a->del == TARN_CRAWL_DELETE_FROM_DATABASE) {
        int rc = tarn_catalog_partition_delete(a->cat, a->db, t, (const char *const *)cur->values,
                                               cur->nvalues, err);
        if (rc)
            return rc;
        a->res->partitions_deleted++;
        crawl_log(a->res, "partition %s of table '%s.%s' deleted: its data is gone", v, a->db, t);
    } else if (a->del == TARN_CRAWL_DEPRECATE_IN_DATABASE) {
        if (is_deprecated(cur->parameters))
            return TARN_OK;
        part_push(repl, cur, with_deprecation(cur->parameters));
        a->res->partitions_deprecated++;
        crawl_log(a->res, "partition %s of table '%s.%s' deprecated: its data is gone", v, a->db,
                t);
    } else {
        a->res->changes_logged++;
        crawl_log(a->res, "partition %s of table '%s.%s': its data is gone; kept (DeleteBehavior "
                "LOG)", v, a->db, t);
    }
    return TARN_OK;
}

/* Bring the partitions of table t (whose keys match the plan's) in line. */
static int sync_partitions(applier *a, const char *t, const tarn_crawl_table *pt, tarn_error *err)
{
    tarn_cat_partition *cur = NULL;
    size_t ncur = 0, i = 0, j = 0;
    int rc = tarn_catalog_partition_list(a->cat, a->db, t, &cur, &ncur, err);
    part_list add = {0}, repl = {0};
    while (!rc && (i < pt->npartitions || j < ncur)) {
        int c = i == pt->npartitions ? 1 : j == ncur ? -1
                                         : cmp_values(&pt->partitions[i], &cur[j]);
        if (c < 0)
            part_push(&add, &pt->partitions[i++], NULL);
        else if (c == 0)
            partition_changed(a, t, &cur[j++], &pt->partitions[i++], &repl);
        else if (a->new_only)
            j++;
        else
            rc = partition_gone(a, t, &cur[j++], &repl, err);
    }
    if (!rc && add.n)
        rc = tarn_catalog_partitions_add(a->cat, a->db, t, add.p, add.n, TARN_CAT_SKIP_EXISTING,
                                         err);
    if (!rc)
        a->res->partitions_created += (int64_t)add.n;
    if (!rc && repl.n)
        rc = tarn_catalog_partitions_add(a->cat, a->db, t, repl.p, repl.n,
                                         TARN_CAT_REPLACE_EXISTING, err);
    part_list_free(&add);
    part_list_free(&repl);
    tarn_cat_partition_list_free(cur, ncur);
    return rc;
}

/* Delete every partition of table t (its keys are changing). */
static int drop_partitions(applier *a, const char *t, tarn_error *err)
{
    tarn_cat_partition *cur = NULL;
    size_t n = 0;
    int rc = tarn_catalog_partition_list(a->cat, a->db, t, &cur, &n, err);
    for (size_t i = 0; !rc && i < n; i++) {
        rc = tarn_catalog_partition_delete(a->cat, a->db, t, (const char *const *)cur[i].values,
                                           cur[i].nvalues, err);
        a->res->partitions_deleted += rc ? 0 : 1;
    }
    tarn_cat_partition_list_free(cur, n);
    return rc;
}

/* ---- tables ---- */

/* Whether a stored table's parameters say this crawler wrote it. */
static bool written_by(const tarn_cat_table *t, const char *crawler)
{
    json_t *o = t->parameters ? json_loads(t->parameters, 0, NULL) : NULL;
    json_t *v = json_is_object(o) ? json_object_get(o, "UPDATED_BY_CRAWLER") : NULL;
    bool mine = json_is_string(v) && strcmp(json_string_value(v), crawler) == 0;
    json_decref(o);
    return mine;
}

/* Create the plan's table pt as name, with its partitions. */
static int create_table(applier *a, const tarn_crawl_table *pt, const char *name,
                        tarn_error *err)
{
    tarn_cat_table t = pt->table;
    t.name = (char *)name;
    int rc = tarn_catalog_table_create(a->cat, &t, err);
    if (!rc && pt->npartitions)
        rc = tarn_catalog_partitions_add(a->cat, a->db, name, pt->partitions, pt->npartitions,
                                         TARN_CAT_FAIL_EXISTING, err);
    if (rc)
        return rc;
    a->res->tables_created++;
    a->res->partitions_created += (int64_t)pt->npartitions;
    crawl_log(a->res, "table '%s.%s' created at %s (%zu column%s, %zu partition%s)", a->db, name,
            t.location, t.ncolumns, t.ncolumns == 1 ? "" : "s", pt->npartitions,
            pt->npartitions == 1 ? "" : "s");
    return TARN_OK;
}

/* Find where the plan's table pt goes: its own name, unless a table of that
** name that another crawler or person made sits at another location; then
** its name with a hash of the location. *exists says whether *cur was
** filled. *name is owned by the caller. */
static int resolve(applier *a, const tarn_crawl_table *pt, char **name, tarn_cat_table *cur,
                   bool *exists, tarn_error *err)
{
    *name = tarn_xstrdup(pt->table.name);
    for (int attempt = 0; attempt < 2; attempt++) {
        tarn_error e = {0};
        int rc = tarn_catalog_table_get(a->cat, a->db, *name, cur, &e);
        *exists = rc == TARN_OK;
        if (rc == TARN_ERR_NOTFOUND)
            return TARN_OK;
        if (rc) {
            *err = e;
            return rc;
        }
        if (same_str(cur->location, pt->table.location) || written_by(cur, a->cfg->name))
            return TARN_OK;
        tarn_cat_table_free(cur);
        *exists = false;
        const char *loc = pt->table.location;
        char *alt = tarn_xasprintf("%.*s_%08x", TARN_CATALOG_NAME_MAX - 9, pt->table.name,
                                   (unsigned)tarn_hash64(loc, strlen(loc), 0x6c6f63ULL));
        crawl_log(a->res, "table '%s.%s' exists at another location; the table for %s is "
                "named '%s'", a->db, *name, loc, alt);
        free(*name);
        *name = alt;
    }
    return tarn_error_set(err, TARN_ERR_EXISTS, "AlreadyExistsException: tables '%s' and "
                          "'%s' both exist at other locations than %s", pt->table.name, *name,
                          pt->table.location);
}

/* Apply the plan's table pt onto the stored table cur (named name). */
static int update_existing(applier *a, const tarn_crawl_table *pt, const char *name,
                           const tarn_cat_table *cur, tarn_error *err)
{
    tarn_buf diff;
    tarn_buf_init(&diff, 4096);
    diff_table(cur, &pt->table, &diff);
    bool back = is_deprecated(cur->parameters);
    bool keys_ok = same_keys(cur, &pt->table);
    bool stats = !same_str(cur->parameters, pt->table.parameters) ||
                 cur->row_count != pt->table.row_count;
    int rc = TARN_OK;
    if ((diff.len || back || stats) && a->update == TARN_CRAWL_UPDATE_IN_DATABASE) {
        if (!keys_ok)
            rc = drop_partitions(a, name, err);
        tarn_cat_table upd = pt->table;
        upd.name = (char *)name;
        upd.description = cur->description;
        upd.owner = cur->owner;
        if (!rc)
            rc = tarn_catalog_table_update(a->cat, &upd, err);
        keys_ok = true;
        if (!rc && (diff.len || back)) {
            a->res->tables_updated++;
            crawl_log(a->res, "table '%s.%s' updated: %s", a->db, name,
                    diff.len ? diff.data : "its data is back");
        } else {
            a->res->tables_unchanged++;
        }
    } else {
        if (diff.len) {
            a->res->changes_logged++;
            crawl_log(a->res, "schema change detected for table '%s.%s' (%s): not applied "
                    "(UpdateBehavior LOG)", a->db, name, diff.data);
        }
        a->res->tables_unchanged++;
    }
    if (!rc && keys_ok)
        rc = sync_partitions(a, name, pt, err);
    else if (!rc)
        crawl_log(a->res, "partitions of table '%s.%s' not added: its partition keys differ "
                "from the folders' (UpdateBehavior LOG)", a->db, name);
    tarn_buf_free(&diff);
    return rc;
}

/* Create or update the stored table for the plan's table pt. */
static int apply_table(applier *a, const tarn_crawl_table *pt, tarn_error *err)
{
    char *name = NULL;
    tarn_cat_table cur;
    memset(&cur, 0, sizeof cur);
    bool exists = false;
    int rc = resolve(a, pt, &name, &cur, &exists, err);
    if (!rc)
        rc = exists ? update_existing(a, pt, name, &cur, err) : create_table(a, pt, name, err);
    if (exists)
        tarn_cat_table_free(&cur);
    a->names = crawl_grow(a->names, a->nnames, sizeof *a->names);
    a->names[a->nnames++] = name;
    return rc;
}

/* Whether location lies under one of the crawler's targets. */
static bool under_targets(const tarn_crawler_config *cfg, const char *location)
{
    for (size_t i = 0; location && i < cfg->ntargets; i++) {
        tarn_uri u;
        tarn_error e = {0};
        if (tarn_uri_parse(cfg->targets[i].path, &u, &e))
            continue;
        size_t kl = strlen(u.key);
        char *exact = tarn_xasprintf("s3://%s/%s", u.bucket, u.key);
        char *folder = tarn_xasprintf("s3://%s/%s%s", u.bucket, u.key,
                                      kl && u.key[kl - 1] != '/' ? "/" : "");
        bool in = strcmp(location, exact) == 0 ||
                  strncmp(location, folder, strlen(folder)) == 0;
        free(exact);
        free(folder);
        if (in)
            return true;
    }
    return false;
}

/* A stored table whose data is gone: delete, deprecate or log it. */
static int table_gone(applier *a, const tarn_cat_table *t, tarn_error *err)
{
    if (a->del == TARN_CRAWL_DELETE_FROM_DATABASE) {
        int rc = tarn_catalog_table_delete(a->cat, a->db, t->name, err);
        if (rc)
            return rc;
        a->res->tables_deleted++;
        crawl_log(a->res, "table '%s.%s' deleted: no data at %s", a->db, t->name, t->location);
    } else if (a->del == TARN_CRAWL_DEPRECATE_IN_DATABASE) {
        if (is_deprecated(t->parameters))
            return TARN_OK;
        tarn_cat_table upd = *t;
        upd.parameters = with_deprecation(t->parameters);
        int rc = tarn_catalog_table_update(a->cat, &upd, err);
        free(upd.parameters);
        if (rc)
            return rc;
        a->res->tables_deprecated++;
        crawl_log(a->res, "table '%s.%s' deprecated: no data at %s", a->db, t->name, t->location);
    } else {
        a->res->changes_logged++;
        crawl_log(a->res, "table '%s.%s': no data at %s; kept (DeleteBehavior LOG)", a->db,
                t->name, t->location);
    }
    return TARN_OK;
}

/* Handle the tables this crawler wrote under its targets that the plan
** no longer has. */
static int remove_gone(applier *a, tarn_error *err)
{
    tarn_cat_table *ts = NULL;
    size_t n = 0;
    int rc = tarn_catalog_table_list(a->cat, a->db, &ts, &n, err);
    for (size_t i = 0; !rc && i < n; i++) {
        bool planned = false;
        for (size_t k = 0; k < a->nnames && !planned; k++)
            planned = strcmp(a->names[k], ts[i].name) == 0;
        if (!planned && written_by(&ts[i], a->cfg->name) &&
            under_targets(a->cfg, ts[i].location))
            rc = table_gone(a, &ts[i], err);
    }
    tarn_cat_table_list_free(ts, n);
    return rc;
}

/* The counters apply changes, saved so a rollback can restore them. */
typedef struct counters {
    int64_t v[10];
} counters;

static void counters_io(tarn_crawl_result *r, counters *c, bool save)
{
    int64_t *f[] = {&r->tables_created, &r->tables_updated, &r->tables_deleted,
                    &r->tables_deprecated, &r->tables_unchanged, &r->partitions_created,
                    &r->partitions_updated, &r->partitions_deleted, &r->partitions_deprecated,
                    &r->changes_logged};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (save)
            c->v[i] = *f[i];
        else
            *f[i] = c->v[i];
    }
}

/* The body of an apply, inside its transaction. */
static int apply_all(applier *a, const tarn_crawl_layout *plan, tarn_error *err)
{
    tarn_cat_database d;
    int rc = tarn_catalog_database_get(a->cat, a->db, &d, err);
    if (rc == TARN_ERR_NOTFOUND)
        return tarn_error_set(err, rc, "EntityNotFoundException: database '%s' of crawler "
                              "'%s' does not exist (create it first, e.g. with an "
                              "AWS::Glue::Database)", a->db, a->cfg->name);
    if (rc)
        return rc;
    tarn_cat_database_free(&d);
    for (size_t i = 0; !rc && i < plan->ntables; i++)
        rc = apply_table(a, &plan->tables[i], err);
    if (!rc && !a->new_only)
        rc = remove_gone(a, err);
    return rc;
}

int tarn_crawl_apply(tarn_catalog *cat, const tarn_crawler_config *cfg,
                     const tarn_crawl_layout *plan, tarn_crawl_result *res, tarn_error *err)
{
    bool new_only = cfg->recrawl == TARN_CRAWL_NEW_FOLDERS_ONLY;
    applier a = {.cat = cat, .cfg = cfg, .db = cfg->database, .res = res,
                 .new_only = new_only,
                 .update = new_only ? TARN_CRAWL_UPDATE_LOG : cfg->update_behavior,
                 .del = new_only ? TARN_CRAWL_DELETE_LOG : cfg->delete_behavior};
    if (!cfg->name || !cfg->database)
        return tarn_error_set(err, TARN_ERR_INVALID, "crawler config needs a name and a "
                              "database");
    counters saved;
    counters_io(res, &saved, true);
    bool own = !tarn_catalog_in_transaction(cat);
    int rc = own ? tarn_catalog_begin(cat, err) : TARN_OK;
    if (rc)
        return rc;
    rc = apply_all(&a, plan, err);
    if (own && !rc)
        rc = tarn_catalog_commit(cat, err);
    if (own && rc)
        tarn_catalog_rollback(cat);
    if (rc) {
        counters_io(res, &saved, false);
        crawl_log(res, "catalog changes rolled back: %s", err ? err->msg : "error");
    }
    for (size_t i = 0; i < a.nnames; i++)
        free(a.names[i]);
    free(a.names);
    return rc;
}
