/*
** partitions.c: Glue catalog partitions (catalog.h): batch add (all or
** none, with a policy for partitions that already exist), get, list in
** value order, delete. A partition is identified by its values, one per
** partition key; the table's keys are in tables.c.
**
** Each row keeps its values twice: as a JSON array of strings (part_values,
** for people and other modules) and as sort_key, the values each followed
** by a 0x00 byte. Values never hold NUL, so comparing sort keys as bytes
** (SQLite compares BLOBs with memcmp) orders partitions by their first
** value, then their second, ...; the unique index on (table_id, sort_key)
** both finds a partition and forbids duplicates.
*/
#include "catalog/catalog_int.h"

#include <stdlib.h>
#include <string.h>

#define VALUE_MAX 1024 /* Glue's limit on one partition value */

/* The sort key of values into b. */
static void sort_key(const char *const *values, size_t n, tarn_buf *b)
{
    tarn_buf_reset(b);
    for (size_t i = 0; i < n; i++) {
        tarn_buf_append(b, values[i], strlen(values[i]));
        tarn_buf_putc(b, '\0');
    }
}

/* The values as "['a', 'b']" for messages (long lists cut short). */
static void values_text(const char *const *values, size_t n, char *out, size_t cap)
{
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_buf_putc(&b, '[');
    for (size_t i = 0; i < n && b.len < 200; i++)
        tarn_buf_appendf(&b, "%s'%.64s'", i ? ", " : "", values[i] ? values[i] : "");
    tarn_buf_appendf(&b, "%s]", b.len >= 200 ? ", ..." : "");
    snprintf(out, cap, "%s", b.data);
    tarn_buf_free(&b);
}

/* Check that values fit a table with npk partition keys. */
static int check_values(const char *const *values, size_t n, size_t npk, const char *ldb,
                        const char *lname, tarn_error *err)
{
    if (npk == 0)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidInputException: table '%s.%s' has no partition keys",
                              ldb, lname);
    if (n != npk || !values)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidInputException: a partition of table '%s.%s' needs %zu "
                              "value%s, one per partition key; got %zu", ldb, lname, npk,
                              npk == 1 ? "" : "s", n);
    for (size_t i = 0; i < n; i++) {
        if (!values[i])
            return tarn_error_set(err, TARN_ERR_INVALID, "InvalidInputException: partition "
                                  "value %zu of table '%s.%s' is missing", i + 1, ldb, lname);
        if (strlen(values[i]) > VALUE_MAX)
            return tarn_error_set(err, TARN_ERR_INVALID, "InvalidInputException: partition "
                                  "value %zu of table '%s.%s' is longer than %d bytes", i + 1,
                                  ldb, lname, VALUE_MAX);
    }
    return TARN_OK;
}

/* The values as a JSON array; caller frees. */
static char *values_json(const char *const *values, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_string(values[i]));
    char *s = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return s;
}

/* The insert statement for a batch add in mode. */
static const char *insert_sql(tarn_cat_exists_mode mode)
{
    switch (mode) {
    case TARN_CAT_SKIP_EXISTING:
        return "INSERT INTO partitions (table_id, part_values, sort_key, location, parameters, "
               "create_time, update_time) VALUES (?,?,?,?,?,?,?) "
               "ON CONFLICT (table_id, sort_key) DO NOTHING";
    case TARN_CAT_REPLACE_EXISTING:
        return "INSERT INTO partitions (table_id, part_values, sort_key, location, parameters, "
               "create_time, update_time) VALUES (?,?,?,?,?,?,?) "
               "ON CONFLICT (table_id, sort_key) DO UPDATE SET location = excluded.location, "
               "parameters = excluded.parameters, update_time = excluded.update_time";
    default:
        return "INSERT INTO partitions (table_id, part_values, sort_key, location, parameters, "
               "create_time, update_time) VALUES (?,?,?,?,?,?,?)";
    }
}

/* Insert one checked partition with the prepared statement st. */
static int insert_one(tarn_catalog *cat, sqlite3_stmt *st, int64_t table_id,
                      const tarn_cat_partition *p, const char *params, tarn_buf *key,
                      const char *qual, tarn_error *err)
{
    const char *const *values = (const char *const *)p->values;
    char *json = values_json(values, p->nvalues);
    int64_t now = tarn_catalog_now_ms();
    sort_key(values, p->nvalues, key);
    sqlite3_bind_int64(st, 1, table_id);
    tarn_catalog_bind_text(st, 2, json);
    sqlite3_bind_blob(st, 3, key->data, (int)key->len, SQLITE_TRANSIENT);
    tarn_catalog_bind_text(st, 4, p->location);
    tarn_catalog_bind_text(st, 5, params);
    sqlite3_bind_int64(st, 6, now);
    sqlite3_bind_int64(st, 7, now);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    free(json);
    if (s == SQLITE_DONE)
        return TARN_OK;
    if (s == SQLITE_CONSTRAINT_UNIQUE) {
        char vt[320];
        values_text(values, p->nvalues, vt, sizeof vt);
        return tarn_error_set(err, TARN_ERR_EXISTS, "AlreadyExistsException: partition %s of "
                              "table %s already exists", vt, qual);
    }
    return tarn_catalog_sql_error(cat, s, "adding a partition", err);
}

/* The body of a batch add, inside its transaction. */
static int add_partitions(tarn_catalog *cat, const char *ldb, const char *lname,
                          const tarn_cat_partition *parts, size_t n, tarn_cat_exists_mode mode,
                          tarn_error *err)
{
    cat_table_ref ref;
    int rc = cat_table_find(cat, ldb, lname, &ref, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = cat_prepare(cat, insert_sql(mode), &st, err);
    char qual[2 * TARN_CATALOG_NAME_MAX + 4];
    snprintf(qual, sizeof qual, "'%s.%s'", ldb, lname);
    tarn_buf key;
    tarn_buf_init(&key, 0);
    for (size_t i = 0; i < n && !rc; i++) {
        char *params = NULL;
        rc = check_values((const char *const *)parts[i].values, parts[i].nvalues,
                          ref.npartition_keys, ldb, lname, err);
        if (!rc)
            rc = cat_json_canon(parts[i].parameters, "{}", JSON_OBJECT, true,
                                "partition parameters", &params, err);
        if (!rc)
            rc = insert_one(cat, st, ref.id, &parts[i], params, &key, qual, err);
        free(params);
    }
    tarn_buf_free(&key);
    sqlite3_finalize(st);
    return rc;
}

int tarn_catalog_partitions_add(tarn_catalog *cat, const char *database, const char *table,
                                const tarn_cat_partition *parts, size_t n,
                                tarn_cat_exists_mode mode, tarn_error *err)
{
    int rc = cat_name_check("database", database, err);
    if (!rc)
        rc = cat_name_check("table", table, err);
    if (rc)
        return rc;
    if (n > 0 && !parts)
        return tarn_error_set(err, TARN_ERR_INVALID, "a partition count without partitions");
    char *ldb = cat_lower(database), *lname = cat_lower(table);
    cat_tx tx;
    if ((rc = cat_tx_begin(cat, &tx, err)) == TARN_OK)
        rc = cat_tx_end(cat, &tx, add_partitions(cat, ldb, lname, parts, n, mode, err), err);
    free(ldb);
    free(lname);
    return rc;
}

/* Fill *out from a row (part_values, location, parameters, create_time,
** update_time). TARN_ERR_CORRUPT if part_values is not an array of strings. */
static int read_partition(sqlite3_stmt *st, tarn_cat_partition *out, tarn_error *err)
{
    memset(out, 0, sizeof *out);
    const char *text = (const char *)sqlite3_column_text(st, 0);
    json_t *arr = text ? json_loads(text, 0, NULL) : NULL;
    size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
    out->values = tarn_xcalloc(n ? n : 1, sizeof *out->values);
    for (size_t i = 0; i < n; i++) {
        const char *v = json_string_value(json_array_get(arr, i));
        if (!v)
            break;
        out->values[out->nvalues++] = tarn_xstrdup(v);
    }
    json_decref(arr);
    out->location = tarn_catalog_col_dup(st, 1);
    out->parameters = tarn_catalog_col_dup(st, 2);
    out->create_time = sqlite3_column_int64(st, 3);
    out->update_time = sqlite3_column_int64(st, 4);
    if (!text || out->nvalues != n || n == 0)
        return tarn_error_set(err, TARN_ERR_CORRUPT, "catalog.db: a partition's values are not "
                              "a JSON array of strings: %.80s", text ? text : "NULL");
    return TARN_OK;
}

/* Run a query by (table id, sort key) of values; fills *out if found. */
static int find_partition(tarn_catalog *cat, const cat_table_ref *ref, const char *const *values,
                          size_t nvalues, tarn_cat_partition *out, bool *found, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT part_values, location, parameters, create_time, "
                              "update_time FROM partitions WHERE table_id = ? AND sort_key = ?",
                         &st, err);
    if (rc)
        return rc;
    tarn_buf key;
    tarn_buf_init(&key, 0);
    sort_key(values, nvalues, &key);
    sqlite3_bind_int64(st, 1, ref->id);
    sqlite3_bind_blob(st, 2, key.data, (int)key.len, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    *found = s == SQLITE_ROW;
    if (s == SQLITE_ROW)
        rc = read_partition(st, out, err);
    else if (s != SQLITE_DONE)
        rc = tarn_catalog_sql_error(cat, s, "reading a partition", err);
    sqlite3_finalize(st);
    tarn_buf_free(&key);
    return rc;
}

/* The body of a get, inside its read transaction. */
static int get_partition(tarn_catalog *cat, const char *ldb, const char *lname,
                         const char *const *values, size_t nvalues, tarn_cat_partition *out,
                         tarn_error *err)
{
    cat_table_ref ref;
    bool found = false;
    int rc = cat_table_find(cat, ldb, lname, &ref, err);
    if (!rc)
        rc = check_values(values, nvalues, ref.npartition_keys, ldb, lname, err);
    if (!rc)
        rc = find_partition(cat, &ref, values, nvalues, out, &found, err);
    if (rc || found)
        return rc;
    char vt[320];
    values_text(values, nvalues, vt, sizeof vt);
    return tarn_error_set(err, TARN_ERR_NOTFOUND, "EntityNotFoundException: partition %s of "
                          "table '%s.%s' does not exist", vt, ldb, lname);
}

int tarn_catalog_partition_get(tarn_catalog *cat, const char *database, const char *table,
                               const char *const *values, size_t nvalues,
                               tarn_cat_partition *out, tarn_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = cat_name_check("database", database, err);
    if (!rc)
        rc = cat_name_check("table", table, err);
    if (rc)
        return rc;
    char *ldb = cat_lower(database), *lname = cat_lower(table);
    cat_tx tx;
    if ((rc = cat_tx_read_begin(cat, &tx, err)) == TARN_OK)
        rc = cat_tx_end(cat, &tx, get_partition(cat, ldb, lname, values, nvalues, out, err),
                        err);
    if (rc)
        tarn_cat_partition_free(out);
    free(ldb);
    free(lname);
    return rc;
}

/* Read every partition of table id in value order. */
static int list_partitions(tarn_catalog *cat, int64_t id, tarn_cat_partition **out, size_t *n,
                           tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT part_values, location, parameters, create_time, "
                              "update_time FROM partitions WHERE table_id = ? ORDER BY sort_key",
                         &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    size_t cap = 0;
    int s = SQLITE_DONE;
    while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            *out = tarn_xrealloc(*out, cap * sizeof **out);
        }
        rc = read_partition(st, &(*out)[(*n)++], err);
    }
    sqlite3_finalize(st);
    if (!rc && s != SQLITE_DONE)
        rc = tarn_catalog_sql_error(cat, s, "listing partitions", err);
    return rc;
}

int tarn_catalog_partition_list(tarn_catalog *cat, const char *database, const char *table,
                                tarn_cat_partition **out, size_t *n, tarn_error *err)
{
    *out = NULL;
    *n = 0;
    int rc = cat_name_check("database", database, err);
    if (!rc)
        rc = cat_name_check("table", table, err);
    if (rc)
        return rc;
    char *ldb = cat_lower(database), *lname = cat_lower(table);
    cat_table_ref ref;
    cat_tx tx;
    if ((rc = cat_tx_read_begin(cat, &tx, err)) == TARN_OK) {
        rc = cat_table_find(cat, ldb, lname, &ref, err);
        if (!rc)
            rc = list_partitions(cat, ref.id, out, n, err);
        rc = cat_tx_end(cat, &tx, rc, err);
    }
    if (rc) {
        tarn_cat_partition_list_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    free(ldb);
    free(lname);
    return rc;
}

/* The body of a delete, inside its transaction. */
static int delete_partition(tarn_catalog *cat, const char *ldb, const char *lname,
                            const char *const *values, size_t nvalues, tarn_error *err)
{
    cat_table_ref ref;
    int rc = cat_table_find(cat, ldb, lname, &ref, err);
    if (!rc)
        rc = check_values(values, nvalues, ref.npartition_keys, ldb, lname, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = cat_prepare(cat, "DELETE FROM partitions WHERE table_id = ? AND sort_key = ?", &st,
                         err);
    if (rc)
        return rc;
    tarn_buf key;
    tarn_buf_init(&key, 0);
    sort_key(values, nvalues, &key);
    sqlite3_bind_int64(st, 1, ref.id);
    sqlite3_bind_blob(st, 2, key.data, (int)key.len, SQLITE_TRANSIENT);
    tarn_buf_free(&key);
    if ((rc = cat_step_done(cat, st, "deleting a partition", err)))
        return rc;
    if (sqlite3_changes(cat->db) > 0)
        return TARN_OK;
    char vt[320];
    values_text(values, nvalues, vt, sizeof vt);
    return tarn_error_set(err, TARN_ERR_NOTFOUND, "EntityNotFoundException: partition %s of "
                          "table '%s.%s' does not exist", vt, ldb, lname);
}

int tarn_catalog_partition_delete(tarn_catalog *cat, const char *database, const char *table,
                                  const char *const *values, size_t nvalues, tarn_error *err)
{
    int rc = cat_name_check("database", database, err);
    if (!rc)
        rc = cat_name_check("table", table, err);
    if (rc)
        return rc;
    char *ldb = cat_lower(database), *lname = cat_lower(table);
    cat_tx tx;
    if ((rc = cat_tx_begin(cat, &tx, err)) == TARN_OK)
        rc = cat_tx_end(cat, &tx, delete_partition(cat, ldb, lname, values, nvalues, err), err);
    free(ldb);
    free(lname);
    return rc;
}

int cat_partition_count(tarn_catalog *cat, int64_t table_id, int64_t *n, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT count(*) FROM partitions WHERE table_id = ?", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, table_id);
    int s = sqlite3_step(st);
    *n = s == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return s == SQLITE_ROW ? TARN_OK : tarn_catalog_sql_error(cat, s, "counting partitions", err);
}

void tarn_cat_partition_free(tarn_cat_partition *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nvalues; i++)
        free(p->values[i]);
    free(p->values);
    free(p->location);
    free(p->parameters);
    memset(p, 0, sizeof *p);
}

void tarn_cat_partition_list_free(tarn_cat_partition *ps, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tarn_cat_partition_free(&ps[i]);
    free(ps);
}
