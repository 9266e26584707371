/*
** runs.c: reading crawlers and crawl runs back for listing (crawl.h,
** tarn_crawler_list, tarn_crawl_run_list): `tarn crawler list` and
** `tarn crawler runs` print what these return. Runs are written by
** crawl.c; crawlers by config.c.
*/
#include "crawl/crawl_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUN_COLUMNS                                                                          \
    "r.id, r.crawler_name, r.state, r.workflow_run_id, r.started_on, r.completed_on, "      \
    "r.tables_created, r.tables_updated, r.tables_deleted, r.partitions_created, "          \
    "r.partitions_updated, r.partitions_deleted, r.error_message, r.log_path"

/* Fill r from RUN_COLUMNS starting at column c of the current row. */
static void read_run(sqlite3_stmt *st, int c, tarn_crawl_run_info *r)
{
    memset(r, 0, sizeof *r);
    const unsigned char *id = sqlite3_column_text(st, c);
    snprintf(r->id, sizeof r->id, "%s", id ? (const char *)id : "");
    r->crawler = tarn_catalog_col_dup(st, c + 1);
    r->state = tarn_catalog_col_dup(st, c + 2);
    r->workflow_run_id = tarn_catalog_col_dup(st, c + 3);
    r->started_on = sqlite3_column_int64(st, c + 4);
    r->completed_on = sqlite3_column_int64(st, c + 5);
    int64_t *counts[] = {&r->tables_created, &r->tables_updated, &r->tables_deleted,
                         &r->partitions_created, &r->partitions_updated,
                         &r->partitions_deleted};
    for (int i = 0; i < 6; i++)
        *counts[i] = sqlite3_column_int64(st, c + 6 + i);
    r->error_message = tarn_catalog_col_dup(st, c + 12);
    r->log_path = tarn_catalog_col_dup(st, c + 13);
}

void tarn_crawl_run_info_free(tarn_crawl_run_info *r)
{
    if (!r)
        return;
    free(r->crawler);
    free(r->state);
    free(r->workflow_run_id);
    free(r->error_message);
    free(r->log_path);
    memset(r, 0, sizeof *r);
}

void tarn_crawl_run_info_list_free(tarn_crawl_run_info *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tarn_crawl_run_info_free(&l[i]);
    free(l);
}

/* The paths of a targets column ({"S3Targets": [{"Path": ...}]}) into c. */
static void read_paths(const char *text, tarn_crawler_info *c)
{
    json_t *root = text ? json_loads(text, 0, NULL) : NULL;
    json_t *arr = json_object_get(root, "S3Targets");
    size_t i;
    json_t *t;
    json_array_foreach(arr, i, t) {
        const char *p = json_string_value(json_object_get(t, "Path"));
        if (!p)
            continue;
        c->paths = crawl_grow(c->paths, c->npaths, sizeof *c->paths);
        c->paths[c->npaths++] = tarn_xstrdup(p);
    }
    json_decref(root);
}

void tarn_crawler_info_list_free(tarn_crawler_info *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        tarn_crawler_info *c = &l[i];
        free(c->name);
        free(c->role);
        free(c->database);
        free(c->table_prefix);
        for (size_t k = 0; k < c->npaths; k++)
            free(c->paths[k]);
        free(c->paths);
        free(c->state);
        tarn_crawl_run_info_free(&c->last);
    }
    free(l);
}

/* Each crawler with its newest run (by start time, then insertion). */
#define LIST_SQL                                                                             \
    "SELECT c.name, c.role, c.database_name, c.table_prefix, c.targets, c.state, "          \
    RUN_COLUMNS " FROM crawlers c LEFT JOIN crawl_runs r ON r.rowid = (SELECT rowid FROM "  \
    "crawl_runs WHERE crawler_name = c.name ORDER BY started_on DESC, rowid DESC LIMIT 1) " \
    "ORDER BY c.name"

int tarn_crawler_list(tarn_catalog *cat, tarn_crawler_info **out, size_t *n, tarn_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int s = sqlite3_prepare_v2(tarn_catalog_db(cat), LIST_SQL, -1, &st, NULL);
    if (s != SQLITE_OK)
        return tarn_catalog_sql_error(cat, s, "listing crawlers", err);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        *out = crawl_grow(*out, *n, sizeof **out);
        tarn_crawler_info *c = &(*out)[(*n)++];
        memset(c, 0, sizeof *c);
        c->name = tarn_catalog_col_dup(st, 0);
        c->role = tarn_catalog_col_dup(st, 1);
        c->database = tarn_catalog_col_dup(st, 2);
        c->table_prefix = tarn_catalog_col_dup(st, 3);
        read_paths((const char *)sqlite3_column_text(st, 4), c);
        c->state = tarn_catalog_col_dup(st, 5);
        c->has_last = sqlite3_column_type(st, 6) != SQLITE_NULL;
        if (c->has_last)
            read_run(st, 6, &c->last);
    }
    sqlite3_finalize(st);
    if (s == SQLITE_DONE)
        return TARN_OK;
    tarn_crawler_info_list_free(*out, *n);
    *out = NULL;
    *n = 0;
    return tarn_catalog_sql_error(cat, s, "listing crawlers", err);
}

/* Whether crawler name is stored: TARN_OK, TARN_ERR_NOTFOUND or an SQL error. */
static int crawler_exists(tarn_catalog *cat, const char *name, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int s = sqlite3_prepare_v2(tarn_catalog_db(cat), "SELECT 1 FROM crawlers WHERE name = ?",
                               -1, &st, NULL);
    if (s != SQLITE_OK)
        return tarn_catalog_sql_error(cat, s, "reading a crawler", err);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s == SQLITE_ROW)
        return TARN_OK;
    if (s == SQLITE_DONE)
        return tarn_error_set(err, TARN_ERR_NOTFOUND, "EntityNotFoundException: crawler '%s' "
                              "does not exist", name);
    return tarn_catalog_sql_error(cat, s, "reading a crawler", err);
}

int tarn_crawl_run_list(tarn_catalog *cat, const char *name, tarn_crawl_run_info **out,
                        size_t *n, tarn_error *err)
{
    *out = NULL;
    *n = 0;
    int rc = crawler_exists(cat, name ? name : "", err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    int s = sqlite3_prepare_v2(tarn_catalog_db(cat), "SELECT " RUN_COLUMNS " FROM crawl_runs r "
                               "WHERE r.crawler_name = ? ORDER BY r.started_on DESC, "
                               "r.rowid DESC", -1, &st, NULL);
    if (s != SQLITE_OK)
        return tarn_catalog_sql_error(cat, s, "listing crawl runs", err);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        *out = crawl_grow(*out, *n, sizeof **out);
        read_run(st, 0, &(*out)[(*n)++]);
    }
    sqlite3_finalize(st);
    if (s == SQLITE_DONE)
        return TARN_OK;
    tarn_crawl_run_info_list_free(*out, *n);
    *out = NULL;
    *n = 0;
    return tarn_catalog_sql_error(cat, s, "listing crawl runs", err);
}
