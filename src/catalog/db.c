/*
** db.c: the catalog.db handle: opening (WAL, busy timeout, foreign keys),
** forward migration through schema.c's steps, transactions, the mapping of
** SQLite errors to tarn errors, run ids, and the small helpers the typed
** functions in databases.c, tables.c, partitions.c and control.c share.
**
** SQLite does the storage, locking and crash safety; jansson checks and
** normalizes the JSON values we store.
*/
#include "catalog/catalog_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

/* Create dir and its missing parents (mkdir -p). */
static int mkdir_p(const char *dir, tarn_error *err)
{
    char *p = tarn_xstrdup(dir);
    int rc = TARN_OK;
    for (char *s = p + 1;; s++) {
        char c = *s;
        if (c != '/' && c != '\0')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot create tarn home folder '%s'", p);
            break;
        }
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    return rc;
}

int tarn_catalog_sql_error(tarn_catalog *cat, int sqlite_rc, const char *what, tarn_error *err)
{
    const char *msg = cat && cat->db ? sqlite3_errmsg(cat->db) : sqlite3_errstr(sqlite_rc);
    const char *path = cat && cat->path ? cat->path : TARN_CATALOG_FILE;
    switch (sqlite_rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return tarn_error_set(err, TARN_ERR_IO,
                              "%s: %s: another process held the catalog's write lock for over "
                              "%d s (%s); retry when it has finished",
                              path, what, TARN_CATALOG_BUSY_MS / 1000, msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return tarn_error_set(err, TARN_ERR_CORRUPT,
                              "%s: %s: the file is damaged or not a tarn catalog (%s); move it "
                              "aside to start with an empty catalog", path, what, msg);
    case SQLITE_NOMEM:
        return tarn_error_set(err, TARN_ERR_NOMEM, "%s: %s: out of memory", path, what);
    case SQLITE_FULL:
        return tarn_error_set(err, TARN_ERR_IO, "%s: %s: the disk is full (%s)", path, what, msg);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
        return tarn_error_set(err, TARN_ERR_IO,
                              "%s: %s: %s; check that the tarn home is writable", path, what, msg);
    case SQLITE_CONSTRAINT:
        return tarn_error_set(err, TARN_ERR_INVALID, "%s: %s: %s", path, what, msg);
    default:
        return tarn_error_set(err, TARN_ERR_IO, "%s: %s: %s", path, what, msg);
    }
}

/* Run one or more SQL statements without results. */
static int exec_sql(tarn_catalog *cat, const char *sql, const char *what, tarn_error *err)
{
    int rc = sqlite3_exec(cat->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? TARN_OK : tarn_catalog_sql_error(cat, rc, what, err);
}

/* The value of an integer pragma ("user_version"), or -1 on error. */
static int pragma_int(tarn_catalog *cat, const char *name)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA %s", name);
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(cat->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Switch the file to WAL mode and check that it took. SQLite may answer
** SQLITE_BUSY at once, without its busy handler, while another process is
** creating the same file, so BUSY is retried here up to the busy timeout. */
static int set_wal(tarn_catalog *cat, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_BUSY;
    for (int waited = 0; (rc & 0xff) == SQLITE_BUSY && waited <= TARN_CATALOG_BUSY_MS; waited += 10) {
        if (waited) {
            sqlite3_finalize(st);
            st = NULL;
            usleep(10 * 1000);
        }
        rc = sqlite3_prepare_v2(cat->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(st);
    }
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        return tarn_catalog_sql_error(cat, rc, "switching to WAL mode", err);
    }
    const char *mode = (const char *)sqlite3_column_text(st, 0);
    bool wal = mode && strcmp(mode, "wal") == 0;
    char got[16];
    snprintf(got, sizeof got, "%s", mode ? mode : "?");
    sqlite3_finalize(st);
    if (!wal)
        return tarn_error_set(err, TARN_ERR_IO,
                              "%s: the file system refused WAL mode (journal mode stays '%s'); "
                              "put the tarn home on a local disk", cat->path, got);
    return TARN_OK;
}

/* A file at version 0 must be empty: never migrate someone else's database. */
static int check_empty(tarn_catalog *cat, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT count(*) FROM sqlite_schema", &st, err);
    if (rc)
        return rc;
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    if (n != 0)
        return tarn_error_set(err, TARN_ERR_CORRUPT,
                              "%s is a SQLite database but not a tarn catalog (it has tables and "
                              "no tarn schema version); move it aside", cat->path);
    return TARN_OK;
}

/* Apply the next migration if the file needs it. Sets *done when the file
** is at the latest version. One transaction; the version is re-read under
** the write lock, so two processes opening a new file at once are safe. */
static int migrate_step(tarn_catalog *cat, bool *done, tarn_error *err)
{
    int rc = exec_sql(cat, "BEGIN IMMEDIATE", "migrating the schema", err);
    if (rc)
        return rc;
    int v = pragma_int(cat, "user_version");
    int latest = cat_schema_latest();
    *done = v == latest;
    if (v < 0)
        rc = tarn_catalog_sql_error(cat, SQLITE_ERROR, "reading the schema version", err);
    else if (v > latest)
        rc = tarn_error_set(err, TARN_ERR_UNSUPPORTED,
                            "%s has schema version %d, newer than this tarn knows (%d); "
                            "use a newer tarn", cat->path, v, latest);
    else if (v < latest && (rc = (v == 0 ? check_empty(cat, err) : TARN_OK)) == TARN_OK) {
        char what[64], sql[64];
        snprintf(what, sizeof what, "migrating the schema to version %d", v + 1);
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        rc = exec_sql(cat, cat_schema_migration(v + 1), what, err);
        if (!rc)
            rc = exec_sql(cat, sql, what, err);
    }
    if (rc) {
        sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return exec_sql(cat, "COMMIT", "migrating the schema", err);
}

/* Settings and migrations after sqlite3_open. */
static int configure(tarn_catalog *cat, tarn_error *err)
{
    sqlite3_busy_timeout(cat->db, TARN_CATALOG_BUSY_MS);
    sqlite3_extended_result_codes(cat->db, 1);
    int rc = set_wal(cat, err);
    if (!rc)
        rc = exec_sql(cat, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL",
                      "configuring the connection", err);
    bool done = false;
    while (!rc && !done)
        rc = migrate_step(cat, &done, err);
    return rc;
}

int tarn_catalog_open(const char *home, tarn_catalog **out, tarn_error *err)
{
    *out = NULL;
    if (!home || !*home)
        return tarn_error_set(err, TARN_ERR_INVALID, "no tarn home folder given");
    int rc = mkdir_p(home, err);
    if (rc)
        return rc;
    tarn_catalog *cat = tarn_xcalloc(1, sizeof *cat);
    size_t hl = strlen(home);
    cat->path = tarn_xasprintf("%s%s" TARN_CATALOG_FILE, home, home[hl - 1] == '/' ? "" : "/");
    int src = sqlite3_open_v2(cat->path, &cat->db,
                              SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                              NULL);
    if (src != SQLITE_OK)
        rc = tarn_catalog_sql_error(cat, src, "opening", err);
    else
        rc = configure(cat, err);
    if (rc) {
        tarn_catalog_close(cat);
        return rc;
    }
    *out = cat;
    return TARN_OK;
}

void tarn_catalog_close(tarn_catalog *cat)
{
    if (!cat)
        return;
    if (cat->db) {
        if (!sqlite3_get_autocommit(cat->db))
            sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close_v2(cat->db);
    }
    free(cat->path);
    free(cat);
}

int tarn_catalog_schema_version(tarn_catalog *cat)
{
    return pragma_int(cat, "user_version");
}

int tarn_catalog_schema_latest(void)
{
    return cat_schema_latest();
}

sqlite3 *tarn_catalog_db(tarn_catalog *cat)
{
    return cat->db;
}

int tarn_catalog_begin(tarn_catalog *cat, tarn_error *err)
{
    if (!sqlite3_get_autocommit(cat->db))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: a transaction is already open; commit or roll it back first",
                              cat->path);
    int rc = exec_sql(cat, "BEGIN IMMEDIATE", "beginning a transaction", err);
    cat->user_tx = rc == TARN_OK;
    return rc;
}

int tarn_catalog_commit(tarn_catalog *cat, tarn_error *err)
{
    bool was_open = cat->user_tx;
    cat->user_tx = false;
    if (sqlite3_get_autocommit(cat->db))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              was_open ? "%s: the transaction was rolled back by an earlier error; "
                                         "nothing was committed"
                                       : "%s: no transaction is open to commit", cat->path);
    int rc = exec_sql(cat, "COMMIT", "committing", err);
    if (rc)
        sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

void tarn_catalog_rollback(tarn_catalog *cat)
{
    cat->user_tx = false;
    if (!sqlite3_get_autocommit(cat->db))
        sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
}

bool tarn_catalog_in_transaction(tarn_catalog *cat)
{
    return !sqlite3_get_autocommit(cat->db);
}

int cat_tx_begin(tarn_catalog *cat, cat_tx *tx, tarn_error *err)
{
    tx->own = sqlite3_get_autocommit(cat->db) != 0;
    return exec_sql(cat, tx->own ? "BEGIN IMMEDIATE" : "SAVEPOINT tarn_op",
                    "beginning a transaction", err);
}

int cat_tx_read_begin(tarn_catalog *cat, cat_tx *tx, tarn_error *err)
{
    tx->own = sqlite3_get_autocommit(cat->db) != 0;
    return exec_sql(cat, tx->own ? "BEGIN" : "SAVEPOINT tarn_op", "beginning a transaction", err);
}

int cat_tx_end(tarn_catalog *cat, cat_tx *tx, int rc, tarn_error *err)
{
    if (sqlite3_get_autocommit(cat->db))
        return rc ? rc : tarn_error_set(err, TARN_ERR_IO, "%s: the transaction was rolled back "
                                        "by SQLite after an error", cat->path);
    if (tx->own) {
        if (rc == TARN_OK && (rc = exec_sql(cat, "COMMIT", "committing", err)) == TARN_OK)
            return TARN_OK;
        sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    if (rc == TARN_OK)
        return exec_sql(cat, "RELEASE tarn_op", "committing", err);
    sqlite3_exec(cat->db, "ROLLBACK TO tarn_op; RELEASE tarn_op", NULL, NULL, NULL);
    return rc;
}

int cat_prepare(tarn_catalog *cat, const char *sql, sqlite3_stmt **st, tarn_error *err)
{
    int rc = sqlite3_prepare_v2(cat->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? TARN_OK : tarn_catalog_sql_error(cat, rc, "preparing a query", err);
}

int cat_step_done(tarn_catalog *cat, sqlite3_stmt *st, const char *what, tarn_error *err)
{
    int rc = sqlite3_step(st);
    int out = rc == SQLITE_DONE ? TARN_OK : tarn_catalog_sql_error(cat, rc, what, err);
    sqlite3_finalize(st);
    return out;
}

int tarn_catalog_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

char *tarn_catalog_col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? tarn_xstrdup((const char *)s) : NULL;
}

char *cat_strdup_opt(const char *s)
{
    return s ? tarn_xstrdup(s) : NULL;
}

int cat_name_check(const char *kind, const char *name, tarn_error *err)
{
    if (!name || !*name)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidInputException: %s name is empty", kind);
    size_t n = strlen(name);
    if (n > TARN_CATALOG_NAME_MAX)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidInputException: %s name '%.40s...' is %zu bytes long; "
                              "the limit is %d", kind, name, n, TARN_CATALOG_NAME_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f)
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "InvalidInputException: %s name has a control character "
                                  "(0x%02x) at byte %zu", kind, c, i + 1);
    }
    return TARN_OK;
}

char *cat_lower(const char *s)
{
    char *p = tarn_xstrdup(s);
    for (char *q = p; *q; q++)
        if (*q >= 'A' && *q <= 'Z')
            *q = (char)(*q - 'A' + 'a');
    return p;
}

/* Check the type and (with strings_only) the members of a parsed value. */
static int json_shape(json_t *root, json_type type, bool strings_only, const char *what,
                      tarn_error *err)
{
    const char *want = type == JSON_OBJECT ? "an object" : "an array";
    if (json_typeof(root) != type)
        return tarn_error_set(err, TARN_ERR_INVALID, "InvalidInputException: %s must be %s",
                              what, want);
    if (!strings_only)
        return TARN_OK;
    const char *key;
    json_t *v;
    size_t i;
    if (type == JSON_OBJECT) {
        json_object_foreach(root, key, v) {
            if (!json_is_string(v))
                return tarn_error_set(err, TARN_ERR_INVALID, "InvalidInputException: %s: "
                                      "the value of '%s' must be a string", what, key);
        }
        return TARN_OK;
    }
    json_array_foreach(root, i, v) {
        if (!json_is_string(v))
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "InvalidInputException: %s: element %zu must be a string",
                                  what, i + 1);
    }
    return TARN_OK;
}

int cat_json_canon(const char *text, const char *dflt, json_type type, bool strings_only,
                   const char *what, char **canon, tarn_error *err)
{
    *canon = NULL;
    if (!text)
        text = dflt;
    size_t n = strlen(text);
    if (n > TARN_CATALOG_JSON_MAX)
        return tarn_error_set(err, TARN_ERR_LIMIT, "%s is %zu bytes of JSON; the limit is %d",
                              what, n, TARN_CATALOG_JSON_MAX);
    json_error_t jerr;
    json_t *root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidInputException: %s is not valid JSON: line %d, column %d: %s",
                              what, jerr.line, jerr.column, jerr.text);
    int rc = json_shape(root, type, strings_only, what, err);
    if (!rc) {
        *canon = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
        if (!*canon)
            rc = tarn_error_set(err, TARN_ERR_NOMEM, "out of memory writing %s", what);
    }
    json_decref(root);
    return rc;
}

int tarn_catalog_new_id(const char *prefix, char out[TARN_CATALOG_ID_MAX], tarn_error *err)
{
    size_t pl = prefix ? strlen(prefix) : 0;
    if (pl == 0 || pl > 6)
        return tarn_error_set(err, TARN_ERR_INVALID, "id prefix must be 1 to 6 characters");
    unsigned char r[16];
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t k = getrandom(r + got, sizeof r - got, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return tarn_error_errno(err, TARN_ERR_IO, errno, "getrandom for a new id");
        got += (size_t)k;
    }
    int w = snprintf(out, TARN_CATALOG_ID_MAX, "%s_", prefix);
    for (size_t i = 0; i < sizeof r; i++)
        snprintf(out + w + 2 * i, 3, "%02x", r[i]);
    return TARN_OK;
}

int64_t tarn_catalog_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
