/*
** crawl.c: a crawler run (crawl.h, tarn_crawl_run): the run's record in
** catalog.db (the crawler's state, a crawl_runs row with its counts and the
** folders it saw), listing the targets under the access check, dropping
** excluded, hidden and (CRAWL_NEW_FOLDERS_ONLY) already crawled objects,
** classifying the rest on a small thread pool, then planning (group.c) and
** applying (apply.c). The run's log goes to <home>/logs/crawl-<id>.log.
*/
#include "crawl/crawl_int.h"

#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_LIMIT (16u << 20) /* the most log text one run keeps */

void tarn_crawl_result_init(tarn_crawl_result *r)
{
    memset(r, 0, sizeof *r);
    tarn_buf_init(&r->log, LOG_LIMIT);
}

void tarn_crawl_result_free(tarn_crawl_result *r)
{
    tarn_buf_free(&r->log);
    free(r->log_path);
    memset(r, 0, sizeof *r);
}

const char *tarn_crawl_result_summary(const tarn_crawl_result *r, char *buf, size_t n)
{
    snprintf(buf, n, "tables: %lld created, %lld updated, %lld deleted, %lld deprecated; "
             "partitions: %lld added, %lld updated, %lld removed, %lld deprecated; "
             "objects: %lld crawled, %lld skipped; %lld change%s logged",
             (long long)r->tables_created, (long long)r->tables_updated,
             (long long)r->tables_deleted, (long long)r->tables_deprecated,
             (long long)r->partitions_created, (long long)r->partitions_updated,
             (long long)r->partitions_deleted, (long long)r->partitions_deprecated,
             (long long)(r->objects_crawled - r->objects_unknown),
             (long long)(r->objects_unknown + r->objects_excluded),
             (long long)r->changes_logged, r->changes_logged == 1 ? "" : "s");
    return buf;
}

void crawl_log(tarn_crawl_result *res, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    tarn_buf_appendf(&res->log, "%s\n", line);
}

/* ---- the run's record ---- */

/* Run one statement with text parameters (NULL = SQL NULL) to completion. */
static int exec_text(tarn_catalog *cat, const char *sql, const char *const *p, int np,
                     tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int s = sqlite3_prepare_v2(tarn_catalog_db(cat), sql, -1, &st, NULL);
    if (s != SQLITE_OK)
        return tarn_catalog_sql_error(cat, s, "recording a crawl", err);
    for (int i = 0; i < np; i++)
        sqlite3_bind_text(st, i + 1, p[i], -1, SQLITE_TRANSIENT);
    s = sqlite3_step(st);
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? TARN_OK : tarn_catalog_sql_error(cat, s, "recording a crawl", err);
}

/* The crawler's state and the pid of its newest RUNNING run (0 if none). */
static int crawler_state(tarn_catalog *cat, const char *name, char *state, size_t n,
                         int64_t *pid, char *run_id, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    const char *sql = "SELECT c.state, r.pid, r.id FROM crawlers c LEFT JOIN crawl_runs r ON "
                      "r.crawler_name = c.name AND r.state = 'RUNNING' WHERE c.name = ? "
                      "ORDER BY r.started_on DESC LIMIT 1";
    int s = sqlite3_prepare_v2(tarn_catalog_db(cat), sql, -1, &st, NULL);
    if (s != SQLITE_OK)
        return tarn_catalog_sql_error(cat, s, "reading a crawler", err);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    s = sqlite3_step(st);
    state[0] = run_id[0] = '\0';
    *pid = 0;
    if (s == SQLITE_ROW) {
        snprintf(state, n, "%s", (const char *)sqlite3_column_text(st, 0));
        *pid = sqlite3_column_int64(st, 1);
        const unsigned char *id = sqlite3_column_text(st, 2);
        snprintf(run_id, TARN_CATALOG_ID_MAX, "%s", id ? (const char *)id : "");
    }
    sqlite3_finalize(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? TARN_OK
                                               : tarn_catalog_sql_error(cat, s, "reading a "
                                                                        "crawler", err);
}

/* Refuse to start while another live process runs this crawler; a RUNNING
** run whose process is gone is marked FAILED. */
static int check_not_running(tarn_catalog *cat, const char *name, tarn_error *err)
{
    char state[16], stale[TARN_CATALOG_ID_MAX];
    int64_t pid;
    int rc = crawler_state(cat, name, state, sizeof state, &pid, stale, err);
    if (rc || strcmp(state, "READY") == 0)
        return rc;
    if (tarn_process_alive(pid))
        return tarn_error_set(err, TARN_ERR_INVALID, "CrawlerRunningException: crawler '%s' "
                              "is already running (process %lld); wait for it to finish",
                              name, (long long)pid);
    if (!stale[0])
        return TARN_OK;
    char now[32];
    snprintf(now, sizeof now, "%lld", (long long)tarn_catalog_now_ms());
    const char *p[] = {now, stale};
    return exec_text(cat, "UPDATE crawl_runs SET state = 'FAILED', completed_on = CAST(? AS "
                     "INTEGER), error_message = 'the crawl was interrupted' WHERE id = ?", p, 2,
                     err);
}

/* Record the start: the crawler row if missing, state RUNNING, a new run. */
static int run_start_tx(tarn_catalog *cat, const tarn_crawler_config *cfg, const char *id,
                        tarn_error *err)
{
    tarn_error e = {0};
    int rc = tarn_crawler_put(cat, cfg, false, &e);
    if (rc && rc != TARN_ERR_EXISTS) {
        *err = e;
        return rc;
    }
    if ((rc = check_not_running(cat, cfg->name, err)))
        return rc;
    char now[32], pid[32];
    snprintf(now, sizeof now, "%lld", (long long)tarn_catalog_now_ms());
    snprintf(pid, sizeof pid, "%lld", (long long)getpid());
    const char *p1[] = {cfg->name};
    rc = exec_text(cat, "UPDATE crawlers SET state = 'RUNNING' WHERE name = ?", p1, 1, err);
    const char *p2[] = {id, cfg->name, cfg->workflow_run_id, now, pid};
    if (!rc)
        rc = exec_text(cat, "INSERT INTO crawl_runs (id, crawler_name, state, workflow_run_id, "
                       "started_on, pid) VALUES (?, ?, 'RUNNING', ?, CAST(? AS INTEGER), "
                       "CAST(? AS INTEGER))", p2, 5, err);
    return rc;
}

/* Start run id (filled with a new id) in one transaction; "" on failure. */
static int run_start(tarn_catalog *cat, const tarn_crawler_config *cfg, char *id,
                     tarn_error *err)
{
    int rc = tarn_catalog_new_id("cr", id, err);
    if (!rc)
        rc = tarn_catalog_begin(cat, err);
    if (rc)
        return rc;
    rc = run_start_tx(cat, cfg, id, err);
    if (!rc)
        rc = tarn_catalog_commit(cat, err);
    if (rc) {
        tarn_catalog_rollback(cat);
        id[0] = '\0';
    }
    return rc;
}

/* Record the end of run id: its state, counts, folders and log. */
static int run_finish(tarn_catalog *cat, const tarn_crawler_config *cfg, const char *id,
                      const char *error, const tarn_crawl_result *res, const char *folders,
                      tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    const char *sql = "UPDATE crawl_runs SET state = ?, completed_on = ?, tables_created = ?, "
                      "tables_updated = ?, tables_deleted = ?, partitions_created = ?, "
                      "partitions_updated = ?, partitions_deleted = ?, folders_crawled = ?, "
                      "error_message = ?, log_path = ? WHERE id = ?";
    int s = sqlite3_prepare_v2(tarn_catalog_db(cat), sql, -1, &st, NULL);
    if (s != SQLITE_OK)
        return tarn_catalog_sql_error(cat, s, "recording a crawl", err);
    sqlite3_bind_text(st, 1, error ? "FAILED" : "SUCCEEDED", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, tarn_catalog_now_ms());
    sqlite3_bind_int64(st, 3, res->tables_created);
    sqlite3_bind_int64(st, 4, res->tables_updated + res->tables_deprecated);
    sqlite3_bind_int64(st, 5, res->tables_deleted);
    sqlite3_bind_int64(st, 6, res->partitions_created);
    sqlite3_bind_int64(st, 7, res->partitions_updated + res->partitions_deprecated);
    sqlite3_bind_int64(st, 8, res->partitions_deleted);
    sqlite3_bind_text(st, 9, folders ? folders : "[]", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 10, error, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 11, res->log_path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 12, id, -1, SQLITE_TRANSIENT);
    s = sqlite3_step(st);
    sqlite3_finalize(st);
    int rc = s == SQLITE_DONE ? TARN_OK : tarn_catalog_sql_error(cat, s, "recording a crawl", err);
    /* the crawler is READY again even if its run could not be recorded */
    tarn_error e2 = {0};
    const char *p[] = {cfg->name};
    int rc2 = exec_text(cat, "UPDATE crawlers SET state = 'READY' WHERE name = ?", p, 1, &e2);
    if (!rc && rc2)
        *err = e2;
    return rc ? rc : rc2;
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folders the newest successful run of the crawler saw, sorted. */
static int previous_folders(tarn_catalog *cat, const char *name, char ***out, size_t *n,
                            tarn_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int s = sqlite3_prepare_v2(tarn_catalog_db(cat), "SELECT folders_crawled FROM crawl_runs "
                               "WHERE crawler_name = ? AND state = 'SUCCEEDED' ORDER BY "
                               "started_on DESC LIMIT 1", -1, &st, NULL);
    if (s != SQLITE_OK)
        return tarn_catalog_sql_error(cat, s, "reading crawl runs", err);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    s = sqlite3_step(st);
    json_t *arr = s == SQLITE_ROW ? json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL)
                                  : NULL;
    sqlite3_finalize(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return tarn_catalog_sql_error(cat, s, "reading crawl runs", err);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (!json_is_string(v))
            continue;
        *out = crawl_grow(*out, *n, sizeof **out);
        (*out)[(*n)++] = tarn_xstrdup(json_string_value(v));
    }
    json_decref(arr);
    if (*n)
        qsort(*out, *n, sizeof **out, cmp_strp);
    return TARN_OK;
}

static void free_strs(char **a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(a[i]);
    free(a);
}

/* The folders this run leaves as crawled (JSON array text; caller frees):
** the plan's, and with CRAWL_NEW_FOLDERS_ONLY the earlier ones too. */
static char *folders_json(const tarn_crawl_layout *plan, char **old, size_t nold)
{
    json_t *arr = json_array();
    size_t i = 0, j = 0;
    while (i < plan->nfolders || j < nold) {
        int c = i == plan->nfolders ? 1 : j == nold ? -1 : strcmp(plan->folders[i], old[j]);
        const char *f = c <= 0 ? plan->folders[i] : old[j];
        json_array_append_new(arr, json_string(f));
        i += c <= 0;
        j += c >= 0;
    }
    char *s = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return s;
}

/* ---- listing ---- */

/* What listing the targets gathers. */
typedef struct lister {
    const tarn_crawl_target *t;
    tarn_uri uri;
    char *folder_prefix;     /* the target's key prefix, ending in '/' unless "" */
    char **old;              /* CRAWL_NEW_FOLDERS_ONLY: folders crawled before */
    size_t nold;
    tarn_crawl_result *res;
    tarn_crawl_object *objs;
    size_t n, cap;
} lister;

/* Whether one of the target's exclusions matches rel. */
static bool excluded(const tarn_crawl_target *t, const char *rel)
{
    for (size_t i = 0; i < t->nexclusions; i++)
        if (tarn_crawl_glob_match(t->exclusions[i], rel, NULL) == 1)
            return true;
    return false;
}

/* Whether the object's folder was crawled by an earlier run. */
static bool in_old_folder(const lister *l, const char *key)
{
    if (!l->nold)
        return false;
    const char *slash = strrchr(key, '/');
    char *folder = tarn_xasprintf("s3://%s/%.*s", l->uri.bucket,
                                  slash ? (int)(slash - key + 1) : 0, key);
    bool found = bsearch(&folder, l->old, l->nold, sizeof *l->old, cmp_strp) != NULL;
    free(folder);
    return found;
}

/* The listing callback: keep the objects the crawl will classify. */
static int on_object(void *ctx, const tarn_object_info *obj, const char *common_prefix)
{
    lister *l = ctx;
    if (!obj)
        return 0;
    size_t fl = strlen(l->folder_prefix);
    bool single = l->uri.key[0] && strcmp(obj->key, l->uri.key) == 0;
    if (!single && strncmp(obj->key, l->folder_prefix, fl) != 0)
        return 0;
    const char *rel = single ? (strrchr(obj->key, '/') ? strrchr(obj->key, '/') + 1 : obj->key)
                             : obj->key + fl;
    l->res->objects_listed++;
    if (tarn_key_hidden(rel) || excluded(l->t, rel)) {
        l->res->objects_excluded++;
        return 0;
    }
    if (in_old_folder(l, obj->key)) {
        l->res->objects_old++;
        return 0;
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->objs = tarn_xrealloc(l->objs, l->cap * sizeof *l->objs);
    }
    tarn_crawl_object *o = &l->objs[l->n++];
    memset(o, 0, sizeof *o);
    o->bucket = tarn_xstrdup(l->uri.bucket);
    o->key = tarn_xstrdup(obj->key);
    o->size = obj->size;
    tarn_crawl_class_init(&o->cls);
    return 0;
}

/* List every target into l, asking for s3:ListBucket first. */
static int list_targets(tarn_store *st, const tarn_crawler_config *cfg, lister *l,
                        tarn_error *err)
{
    int rc = TARN_OK;
    for (size_t i = 0; i < cfg->ntargets && !rc; i++) {
        l->t = &cfg->targets[i];
        if ((rc = tarn_uri_parse(l->t->path, &l->uri, err)))
            break;
        if (cfg->allow &&
            (rc = cfg->allow(cfg->allow_ud, "s3:ListBucket", l->uri.bucket, l->uri.key, err)))
            break;
        size_t kl = strlen(l->uri.key);
        l->folder_prefix = tarn_xasprintf("%s%s", l->uri.key,
                                          kl && l->uri.key[kl - 1] != '/' ? "/" : "");
        tarn_list_request req = {.prefix = l->uri.key};
        rc = tarn_object_list_all(st, l->uri.bucket, &req, on_object, l, err);
        free(l->folder_prefix);
        l->folder_prefix = NULL;
        if (rc)
            tarn_error_prefix(err, "crawler '%s' listing %s", cfg->name, l->t->path);
    }
    return rc;
}

/* ---- classification pool ---- */

typedef struct pool {
    tarn_store *st;
    tarn_crawl_object *objs;
    size_t n;
    atomic_size_t next;
    atomic_int stop;
    pthread_mutex_t mu;
    int rc;
    tarn_error err;
} pool;

/* Classify objects until none is left or one fails. */
static void *pool_worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n || atomic_load(&p->stop))
            break;
        tarn_crawl_object *o = &p->objs[i];
        tarn_error e = {0};
        int rc = tarn_crawl_classify_object(p->st, o->bucket, o->key, o->size, &o->cls, &e);
        if (rc == TARN_ERR_NOTFOUND) {
            snprintf(o->cls.reason, sizeof o->cls.reason, "deleted while the crawl ran");
        } else if (rc) {
            pthread_mutex_lock(&p->mu);
            if (!p->rc) {
                p->rc = rc;
                p->err = e;
            }
            pthread_mutex_unlock(&p->mu);
            atomic_store(&p->stop, 1);
        }
    }
    return NULL;
}

/* Classify objs on up to nthreads threads (0 = one per CPU). */
static int classify_all(tarn_store *st, tarn_crawl_object *objs, size_t n, int nthreads,
                        tarn_error *err)
{
    pool p = {.st = st, .objs = objs, .n = n};
    atomic_init(&p.next, 0);
    atomic_init(&p.stop, 0);
    pthread_mutex_init(&p.mu, NULL);
    size_t nt = nthreads > 0 ? (size_t)nthreads : (size_t)tarn_cpu_count();
    nt = nt > n ? n : nt;
    pthread_t *th = tarn_xcalloc(nt + 1, sizeof *th);
    size_t started = 0;
    for (size_t i = 1; i < nt; i++)
        if (pthread_create(&th[started], NULL, pool_worker, &p) == 0)
            started++;
    pool_worker(&p);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    pthread_mutex_destroy(&p.mu);
    if (p.rc && err)
        *err = p.err;
    return p.rc;
}

/* ---- the run ---- */

/* Ask s3:GetObject for every object before any is read. */
static int allow_reads(const tarn_crawler_config *cfg, const lister *l, tarn_error *err)
{
    for (size_t i = 0; cfg->allow && i < l->n; i++) {
        int rc = cfg->allow(cfg->allow_ud, "s3:GetObject", l->objs[i].bucket, l->objs[i].key,
                            err);
        if (rc)
            return rc;
    }
    return TARN_OK;
}

/* Count what classification found and log the objects it skipped. */
static void note_classified(tarn_crawl_result *res, const lister *l)
{
    int64_t logged = 0;
    res->objects_crawled += (int64_t)l->n;
    for (size_t i = 0; i < l->n; i++) {
        const tarn_crawl_object *o = &l->objs[i];
        res->bytes_read += o->cls.bytes_read;
        if (o->cls.format != TARN_CRAWL_UNKNOWN)
            continue;
        res->objects_unknown++;
        if (logged++ < 100)
            crawl_log(res, "skipped s3://%s/%s: %s", o->bucket, o->key,
                    o->cls.reason[0] ? o->cls.reason : "not recognized");
    }
    if (logged > 100)
        crawl_log(res, "... and %lld more objects skipped", (long long)(logged - 100));
}

/* Write the log to <home>/logs/crawl-<id>.log; a failure only loses it. */
static void write_log(tarn_store *st, const char *id, tarn_crawl_result *res)
{
    char *dir = tarn_xasprintf("%s/logs", tarn_store_home(st));
    char *path = tarn_xasprintf("%s/crawl-%s.log", dir, id);
    mkdir(dir, 0755);
    FILE *f = fopen(path, "w");
    if (f && fwrite(res->log.data ? res->log.data : "", 1, res->log.len, f) == res->log.len &&
        fclose(f) == 0) {
        res->log_path = path;
        path = NULL;
    } else if (f) {
        fclose(f);
    }
    free(path);
    free(dir);
}

/* List, classify, plan and apply: the run between its start and end
** records. *folders gets the folders to record. */
static int crawl_body(tarn_store *st, tarn_catalog *cat, const tarn_crawler_config *cfg,
                      tarn_crawl_result *res, char **folders, tarn_error *err)
{
    lister l = {.res = res};
    int rc = TARN_OK;
    if (cfg->recrawl == TARN_CRAWL_NEW_FOLDERS_ONLY)
        rc = previous_folders(cat, cfg->name, &l.old, &l.nold, err);
    if (!rc)
        rc = list_targets(st, cfg, &l, err);
    if (!rc)
        rc = allow_reads(cfg, &l, err);
    if (!rc)
        rc = classify_all(st, l.objs, l.n, cfg->nthreads, err);
    if (!rc)
        note_classified(res, &l);
    tarn_crawl_layout plan;
    memset(&plan, 0, sizeof plan);
    if (!rc)
        rc = tarn_crawl_plan(cfg, l.objs, l.n, &plan, err);
    if (!rc)
        rc = tarn_crawl_apply(cat, cfg, &plan, res, err);
    if (!rc)
        *folders = folders_json(&plan, l.old, l.nold);
    tarn_crawl_layout_free(&plan);
    for (size_t i = 0; i < l.n; i++) {
        free((char *)l.objs[i].bucket);
        free((char *)l.objs[i].key);
        tarn_crawl_class_free(&l.objs[i].cls);
    }
    free(l.objs);
    free_strs(l.old, l.nold);
    return rc;
}

int tarn_crawl_run(tarn_store *st, tarn_catalog *cat, const tarn_crawler_config *cfg,
                   tarn_crawl_result *res, tarn_error *err)
{
    int rc = tarn_crawl_config_check(cfg, err);
    if (!rc)
        rc = run_start(cat, cfg, res->run_id, err);
    if (rc)
        return rc;
    crawl_log(res, "crawl %s of crawler '%s' into database '%s' (%s, %s, %s)", res->run_id,
            cfg->name, cfg->database, tarn_crawl_update_name(cfg->update_behavior),
            tarn_crawl_delete_name(cfg->delete_behavior), tarn_crawl_recrawl_name(cfg->recrawl));
    char *folders = NULL;
    rc = crawl_body(st, cat, cfg, res, &folders, err);
    char sum[512];
    if (rc)
        crawl_log(res, "crawl FAILED: %s", err->msg);
    else
        crawl_log(res, "crawl SUCCEEDED: %s", tarn_crawl_result_summary(res, sum, sizeof sum));
    write_log(st, res->run_id, res);
    tarn_error e2 = {0};
    int rc2 = run_finish(cat, cfg, res->run_id, rc ? err->msg : NULL, res, folders, &e2);
    free(folders);
    if (!rc && rc2) {
        *err = e2;
        rc = rc2;
    }
    return rc;
}
