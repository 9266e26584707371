/*
** tables.c: Glue catalog tables (catalog.h): create, update, get, list and
** delete tables with their columns, partition keys and parameters, and the
** version history (a JSON snapshot of the definition at each change).
** Databases are in databases.c, partitions in partitions.c.
*/
#include "catalog/catalog_int.h"

#include <stdlib.h>
#include <string.h>

#define TYPE_MAX 131072   /* Glue's limit on a column type string */
#define COMMENT_MAX 255   /* Glue's limit on a column comment */

#define TABLE_COLS                                                                         \
    "id, database_name, name, description, owner, table_type, location, classification, " \
    "input_format, output_format, serde_library, serde_parameters, parameters, row_count, " \
    "create_time, update_time, version"

/* A table definition checked and normalized for storage: lower-case names,
** canonical JSON, the snapshot text that versions keep. */
typedef struct norm_table {
    const tarn_cat_table *in;
    char *db;           /* lower-case */
    char *name;         /* lower-case */
    char *params;       /* canonical JSON */
    char *serde_params; /* canonical JSON */
    char *snapshot;     /* canonical JSON of the whole definition */
} norm_table;

static void norm_free(norm_table *n)
{
    free(n->db);
    free(n->name);
    free(n->params);
    free(n->serde_params);
    free(n->snapshot);
    memset(n, 0, sizeof *n);
}

/* Check one column (where: "column 3" / "partition key 1"). */
static int check_column(const tarn_cat_column *c, const char *where, const char *qual,
                        tarn_error *err)
{
    tarn_error e = {0};
    if (cat_name_check("column", c->name, &e))
        return tarn_error_set(err, TARN_ERR_INVALID, "%s, %s: %s", qual, where, e.msg);
    size_t tl = c->type ? strlen(c->type) : 0;
    if (tl == 0 || tl > TYPE_MAX)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidInputException: table %s, %s '%s': the type must be 1 to "
                              "%d bytes (got %zu)", qual, where, c->name, TYPE_MAX, tl);
    if (c->comment && strlen(c->comment) > COMMENT_MAX)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidInputException: table %s, %s '%s': the comment is longer "
                              "than %d bytes", qual, where, c->name, COMMENT_MAX);
    return TARN_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every column and partition key valid, and no name used twice (names are
** compared lower-case, as they are stored). */
static int check_columns(const tarn_cat_table *t, const char *qual, tarn_error *err)
{
    size_t total = t->ncolumns + t->npartition_keys;
    if ((t->ncolumns && !t->columns) || (t->npartition_keys && !t->partition_keys))
        return tarn_error_set(err, TARN_ERR_INVALID, "table %s: a column count without columns",
                              qual);
    char **names = tarn_xcalloc(total ? total : 1, sizeof *names);
    int rc = TARN_OK;
    char where[48];
    for (size_t i = 0; i < total && !rc; i++) {
        bool pk = i >= t->ncolumns;
        const tarn_cat_column *c = pk ? &t->partition_keys[i - t->ncolumns] : &t->columns[i];
        snprintf(where, sizeof where, "%s %zu", pk ? "partition key" : "column",
                 (pk ? i - t->ncolumns : i) + 1);
        if ((rc = check_column(c, where, qual, err)) == TARN_OK)
            names[i] = cat_lower(c->name);
    }
    if (!rc && total > 1) {
        qsort(names, total, sizeof *names, cmp_str);
        for (size_t i = 1; i < total && !rc; i++)
            if (strcmp(names[i - 1], names[i]) == 0)
                rc = tarn_error_set(err, TARN_ERR_INVALID,
                                    "InvalidInputException: table %s: column name '%s' is used "
                                    "twice (columns and partition keys share one namespace)",
                                    qual, names[i]);
    }
    for (size_t i = 0; i < total; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* Set key to a string in obj unless s is NULL. */
static void put_str(json_t *obj, const char *key, const char *s)
{
    if (s)
        json_object_set_new(obj, key, json_string(s));
}

/* Columns as Glue's [{"Name","Type","Comment"}], names lower-case. */
static json_t *columns_json(const tarn_cat_column *cols, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_object();
        char *lname = cat_lower(cols[i].name);
        put_str(c, "Name", lname);
        put_str(c, "Type", cols[i].type);
        put_str(c, "Comment", cols[i].comment);
        free(lname);
        json_array_append_new(arr, c);
    }
    return arr;
}

/* The snapshot of a normalized definition, in Glue's field names. */
static char *snapshot_json(const norm_table *n)
{
    const tarn_cat_table *t = n->in;
    json_t *root = json_object(), *sd = json_object(), *serde = json_object();
    put_str(root, "Name", n->name);
    put_str(root, "DatabaseName", n->db);
    put_str(root, "Description", t->description);
    put_str(root, "Owner", t->owner);
    put_str(root, "TableType", t->table_type ? t->table_type : "EXTERNAL_TABLE");
    put_str(root, "Classification", t->classification);
    json_object_set_new(root, "RowCount", json_integer(t->row_count));
    json_object_set_new(root, "Parameters", json_loads(n->params, 0, NULL));
    json_object_set_new(root, "PartitionKeys", columns_json(t->partition_keys, t->npartition_keys));
    put_str(sd, "Location", t->location);
    put_str(sd, "InputFormat", t->input_format);
    put_str(sd, "OutputFormat", t->output_format);
    put_str(serde, "SerializationLibrary", t->serde_library);
    json_object_set_new(serde, "Parameters", json_loads(n->serde_params, 0, NULL));
    json_object_set_new(sd, "SerdeInfo", serde);
    json_object_set_new(sd, "Columns", columns_json(t->columns, t->ncolumns));
    json_object_set_new(root, "StorageDescriptor", sd);
    char *s = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(root);
    return s;
}

/* Check t and fill *n; on failure *n holds nothing. */
static int normalize(const tarn_cat_table *t, norm_table *n, tarn_error *err)
{
    memset(n, 0, sizeof *n);
    n->in = t;
    int rc = cat_name_check("database", t->database, err);
    if (!rc)
        rc = cat_name_check("table", t->name, err);
    if (rc)
        return rc;
    n->db = cat_lower(t->database);
    n->name = cat_lower(t->name);
    char qual[2 * TARN_CATALOG_NAME_MAX + 4];
    snprintf(qual, sizeof qual, "'%s.%s'", n->db, n->name);
    rc = check_columns(t, qual, err);
    if (!rc)
        rc = cat_json_canon(t->parameters, "{}", JSON_OBJECT, true, "table parameters",
                            &n->params, err);
    if (!rc)
        rc = cat_json_canon(t->serde_parameters, "{}", JSON_OBJECT, true, "serde parameters",
                            &n->serde_params, err);
    if (!rc && !(n->snapshot = snapshot_json(n)))
        rc = tarn_error_set(err, TARN_ERR_NOMEM, "out of memory describing table %s", qual);
    if (rc)
        norm_free(n);
    return rc;
}

/* Look up a table's id, version and number of partition keys. */
int cat_table_find(tarn_catalog *cat, const char *ldb, const char *lname, cat_table_ref *ref,
                   tarn_error *err)
{
    int rc = cat_database_require(cat, ldb, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    rc = cat_prepare(cat, "SELECT id, version, (SELECT count(*) FROM columns c WHERE "
                          "c.table_id = t.id AND c.is_partition = 1) FROM tables t "
                          "WHERE database_name = ? AND name = ?", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, ldb);
    tarn_catalog_bind_text(st, 2, lname);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        ref->id = sqlite3_column_int64(st, 0);
        ref->version = sqlite3_column_int64(st, 1);
        ref->npartition_keys = (size_t)sqlite3_column_int64(st, 2);
    } else if (s == SQLITE_DONE) {
        rc = tarn_error_set(err, TARN_ERR_NOTFOUND,
                            "EntityNotFoundException: table '%s.%s' does not exist", ldb, lname);
    } else {
        rc = tarn_catalog_sql_error(cat, s, "looking up a table", err);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Insert the columns and partition keys of table id. */
static int insert_columns(tarn_catalog *cat, int64_t id, const tarn_cat_table *t, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "INSERT INTO columns (table_id, is_partition, ordinal, name, type, "
                              "comment) VALUES (?, ?, ?, ?, ?, ?)", &st, err);
    size_t total = t->ncolumns + t->npartition_keys;
    for (size_t i = 0; i < total && !rc; i++) {
        bool pk = i >= t->ncolumns;
        const tarn_cat_column *c = pk ? &t->partition_keys[i - t->ncolumns] : &t->columns[i];
        char *lname = cat_lower(c->name);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, pk);
        sqlite3_bind_int64(st, 3, (int64_t)(pk ? i - t->ncolumns : i));
        tarn_catalog_bind_text(st, 4, lname);
        tarn_catalog_bind_text(st, 5, c->type);
        tarn_catalog_bind_text(st, 6, c->comment);
        int s = sqlite3_step(st);
        free(lname);
        if (s != SQLITE_DONE)
            rc = tarn_catalog_sql_error(cat, s, "storing a column", err);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Keep the snapshot of version `version` of table id. */
static int insert_version(tarn_catalog *cat, int64_t id, int64_t version, const char *snapshot,
                          int64_t now, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "INSERT INTO table_versions (table_id, version, definition, "
                              "create_time) VALUES (?, ?, ?, ?)", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, version);
    tarn_catalog_bind_text(st, 3, snapshot);
    sqlite3_bind_int64(st, 4, now);
    return cat_step_done(cat, st, "keeping a table version", err);
}

/* Bind the definition fields shared by INSERT and UPDATE, from index i. */
static void bind_definition(sqlite3_stmt *st, int i, const norm_table *n)
{
    const tarn_cat_table *t = n->in;
    tarn_catalog_bind_text(st, i++, t->description);
    tarn_catalog_bind_text(st, i++, t->owner);
    tarn_catalog_bind_text(st, i++, t->table_type ? t->table_type : "EXTERNAL_TABLE");
    tarn_catalog_bind_text(st, i++, t->location);
    tarn_catalog_bind_text(st, i++, t->classification);
    tarn_catalog_bind_text(st, i++, t->input_format);
    tarn_catalog_bind_text(st, i++, t->output_format);
    tarn_catalog_bind_text(st, i++, t->serde_library);
    tarn_catalog_bind_text(st, i++, n->serde_params);
    tarn_catalog_bind_text(st, i++, n->params);
    sqlite3_bind_int64(st, i, t->row_count < 0 ? -1 : t->row_count);
}

/* The body of a create, inside its transaction. */
static int create_table(tarn_catalog *cat, const norm_table *n, tarn_error *err)
{
    cat_table_ref ref;
    tarn_error probe = {0};
    int rc = cat_database_require(cat, n->db, err);
    if (rc)
        return rc;
    rc = cat_table_find(cat, n->db, n->name, &ref, &probe);
    if (rc == TARN_OK)
        return tarn_error_set(err, TARN_ERR_EXISTS,
                              "AlreadyExistsException: table '%s.%s' already exists", n->db,
                              n->name);
    if (rc != TARN_ERR_NOTFOUND)
        return tarn_error_set(err, rc, "%s", probe.msg);
    sqlite3_stmt *st = NULL;
    rc = cat_prepare(cat, "INSERT INTO tables (database_name, name, description, owner, "
                          "table_type, location, classification, input_format, output_format, "
                          "serde_library, serde_parameters, parameters, row_count, create_time, "
                          "update_time, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)",
                     &st, err);
    if (rc)
        return rc;
    int64_t now = tarn_catalog_now_ms();
    tarn_catalog_bind_text(st, 1, n->db);
    tarn_catalog_bind_text(st, 2, n->name);
    bind_definition(st, 3, n);
    sqlite3_bind_int64(st, 14, now);
    sqlite3_bind_int64(st, 15, now);
    if ((rc = cat_step_done(cat, st, "creating a table", err)))
        return rc;
    int64_t id = sqlite3_last_insert_rowid(cat->db);
    rc = insert_columns(cat, id, n->in, err);
    return rc ? rc : insert_version(cat, id, 1, n->snapshot, now, err);
}

int tarn_catalog_table_create(tarn_catalog *cat, const tarn_cat_table *t, tarn_error *err)
{
    norm_table n;
    int rc = normalize(t, &n, err);
    if (rc)
        return rc;
    cat_tx tx;
    if ((rc = cat_tx_begin(cat, &tx, err)) == TARN_OK)
        rc = cat_tx_end(cat, &tx, create_table(cat, &n, err), err);
    norm_free(&n);
    return rc;
}

/* True if version `version` of table id has exactly this snapshot. */
static int same_snapshot(tarn_catalog *cat, const cat_table_ref *ref, const char *snapshot,
                         bool *same, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT definition FROM table_versions WHERE table_id = ? AND "
                              "version = ?", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, ref->id);
    sqlite3_bind_int64(st, 2, ref->version);
    int s = sqlite3_step(st);
    const unsigned char *old = s == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    *same = old && strcmp((const char *)old, snapshot) == 0;
    sqlite3_finalize(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? TARN_OK
                                               : tarn_catalog_sql_error(cat, s, "reading a table "
                                                                        "version", err);
}

/* Refuse to change the number of partition keys of a table with partitions. */
static int check_key_change(tarn_catalog *cat, const norm_table *n, const cat_table_ref *ref,
                            tarn_error *err)
{
    if (ref->npartition_keys == n->in->npartition_keys)
        return TARN_OK;
    int64_t nparts = 0;
    int rc = cat_partition_count(cat, ref->id, &nparts, err);
    if (rc || nparts == 0)
        return rc;
    return tarn_error_set(err, TARN_ERR_INVALID,
                          "InvalidInputException: table '%s.%s' has %lld partitions with %zu "
                          "values each; its partition keys cannot become %zu (delete the "
                          "partitions first)", n->db, n->name, (long long)nparts,
                          ref->npartition_keys, n->in->npartition_keys);
}

/* The body of an update, inside its transaction. */
static int update_table(tarn_catalog *cat, const norm_table *n, tarn_error *err)
{
    cat_table_ref ref;
    bool same = false;
    int rc = cat_table_find(cat, n->db, n->name, &ref, err);
    if (!rc)
        rc = same_snapshot(cat, &ref, n->snapshot, &same, err);
    if (!rc && !same)
        rc = check_key_change(cat, n, &ref, err);
    if (rc || same)
        return rc;
    sqlite3_stmt *st = NULL;
    rc = cat_prepare(cat, "UPDATE tables SET description=?, owner=?, table_type=?, location=?, "
                          "classification=?, input_format=?, output_format=?, serde_library=?, "
                          "serde_parameters=?, parameters=?, row_count=?, update_time=?, "
                          "version=? WHERE id=?", &st, err);
    if (rc)
        return rc;
    int64_t now = tarn_catalog_now_ms();
    bind_definition(st, 1, n);
    sqlite3_bind_int64(st, 12, now);
    sqlite3_bind_int64(st, 13, ref.version + 1);
    sqlite3_bind_int64(st, 14, ref.id);
    if ((rc = cat_step_done(cat, st, "updating a table", err)))
        return rc;
    if ((rc = cat_prepare(cat, "DELETE FROM columns WHERE table_id = ?", &st, err)))
        return rc;
    sqlite3_bind_int64(st, 1, ref.id);
    if ((rc = cat_step_done(cat, st, "replacing columns", err)))
        return rc;
    rc = insert_columns(cat, ref.id, n->in, err);
    return rc ? rc : insert_version(cat, ref.id, ref.version + 1, n->snapshot, now, err);
}

int tarn_catalog_table_update(tarn_catalog *cat, const tarn_cat_table *t, tarn_error *err)
{
    norm_table n;
    int rc = normalize(t, &n, err);
    if (rc)
        return rc;
    cat_tx tx;
    if ((rc = cat_tx_begin(cat, &tx, err)) == TARN_OK)
        rc = cat_tx_end(cat, &tx, update_table(cat, &n, err), err);
    norm_free(&n);
    return rc;
}

/* Fill out's fields from a row selected with TABLE_COLS; returns its id. */
static int64_t read_table_row(sqlite3_stmt *st, tarn_cat_table *out)
{
    out->database = tarn_catalog_col_dup(st, 1);
    out->name = tarn_catalog_col_dup(st, 2);
    out->description = tarn_catalog_col_dup(st, 3);
    out->owner = tarn_catalog_col_dup(st, 4);
    out->table_type = tarn_catalog_col_dup(st, 5);
    out->location = tarn_catalog_col_dup(st, 6);
    out->classification = tarn_catalog_col_dup(st, 7);
    out->input_format = tarn_catalog_col_dup(st, 8);
    out->output_format = tarn_catalog_col_dup(st, 9);
    out->serde_library = tarn_catalog_col_dup(st, 10);
    out->serde_parameters = tarn_catalog_col_dup(st, 11);
    out->parameters = tarn_catalog_col_dup(st, 12);
    out->row_count = sqlite3_column_int64(st, 13);
    out->create_time = sqlite3_column_int64(st, 14);
    out->update_time = sqlite3_column_int64(st, 15);
    out->version = sqlite3_column_int64(st, 16);
    return sqlite3_column_int64(st, 0);
}

/* Append one column to a growing array. */
static void push_column(tarn_cat_column **arr, size_t *n, sqlite3_stmt *st)
{
    *arr = tarn_xrealloc(*arr, (*n + 1) * sizeof **arr);
    tarn_cat_column *c = &(*arr)[(*n)++];
    c->name = tarn_catalog_col_dup(st, 1);
    c->type = tarn_catalog_col_dup(st, 2);
    c->comment = tarn_catalog_col_dup(st, 3);
}

/* Load the columns and partition keys of table id into out. */
static int read_columns(tarn_catalog *cat, int64_t id, tarn_cat_table *out, tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT is_partition, name, type, comment FROM columns WHERE "
                              "table_id = ? ORDER BY is_partition, ordinal", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_int(st, 0))
            push_column(&out->partition_keys, &out->npartition_keys, st);
        else
            push_column(&out->columns, &out->ncolumns, st);
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? TARN_OK : tarn_catalog_sql_error(cat, s, "reading columns", err);
}

/* The body of a get, inside its read transaction. */
static int get_table(tarn_catalog *cat, const char *ldb, const char *lname, tarn_cat_table *out,
                     tarn_error *err)
{
    cat_table_ref ref;
    sqlite3_stmt *st = NULL;
    int rc = cat_table_find(cat, ldb, lname, &ref, err);
    if (!rc)
        rc = cat_prepare(cat, "SELECT " TABLE_COLS " FROM tables WHERE id = ?", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, ref.id);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        read_table_row(st, out);
    else
        rc = tarn_catalog_sql_error(cat, s, "reading a table", err);
    sqlite3_finalize(st);
    return rc ? rc : read_columns(cat, ref.id, out, err);
}

int tarn_catalog_table_get(tarn_catalog *cat, const char *database, const char *name,
                           tarn_cat_table *out, tarn_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = cat_name_check("database", database, err);
    if (!rc)
        rc = cat_name_check("table", name, err);
    if (rc)
        return rc;
    char *ldb = cat_lower(database), *lname = cat_lower(name);
    cat_tx tx;
    if ((rc = cat_tx_read_begin(cat, &tx, err)) == TARN_OK)
        rc = cat_tx_end(cat, &tx, get_table(cat, ldb, lname, out, err), err);
    if (rc)
        tarn_cat_table_free(out);
    free(ldb);
    free(lname);
    return rc;
}

/* Read every table row of a database, then their columns. */
static int list_tables(tarn_catalog *cat, const char *ldb, tarn_cat_table **out, size_t *n,
                       tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT " TABLE_COLS " FROM tables WHERE database_name = ? "
                              "ORDER BY name", &st, err);
    if (rc)
        return rc;
    tarn_catalog_bind_text(st, 1, ldb);
    int64_t *ids = NULL;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        *out = tarn_xrealloc(*out, (*n + 1) * sizeof **out);
        ids = tarn_xrealloc(ids, (*n + 1) * sizeof *ids);
        memset(&(*out)[*n], 0, sizeof **out);
        ids[*n] = read_table_row(st, &(*out)[*n]);
        (*n)++;
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE)
        rc = tarn_catalog_sql_error(cat, s, "listing tables", err);
    for (size_t i = 0; i < *n && !rc; i++)
        rc = read_columns(cat, ids[i], &(*out)[i], err);
    free(ids);
    return rc;
}

int tarn_catalog_table_list(tarn_catalog *cat, const char *database, tarn_cat_table **out,
                            size_t *n, tarn_error *err)
{
    *out = NULL;
    *n = 0;
    int rc = cat_name_check("database", database, err);
    if (rc)
        return rc;
    char *ldb = cat_lower(database);
    cat_tx tx;
    if ((rc = cat_tx_read_begin(cat, &tx, err)) == TARN_OK) {
        rc = cat_database_require(cat, ldb, err);
        if (!rc)
            rc = list_tables(cat, ldb, out, n, err);
        rc = cat_tx_end(cat, &tx, rc, err);
    }
    if (rc) {
        tarn_cat_table_list_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    free(ldb);
    return rc;
}

/* The body of a delete, inside its transaction. */
static int delete_table(tarn_catalog *cat, const char *ldb, const char *lname, tarn_error *err)
{
    cat_table_ref ref;
    int rc = cat_table_find(cat, ldb, lname, &ref, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    if ((rc = cat_prepare(cat, "DELETE FROM tables WHERE id = ?", &st, err)))
        return rc;
    sqlite3_bind_int64(st, 1, ref.id);
    return cat_step_done(cat, st, "deleting a table", err);
}

int tarn_catalog_table_delete(tarn_catalog *cat, const char *database, const char *name,
                              tarn_error *err)
{
    int rc = cat_name_check("database", database, err);
    if (!rc)
        rc = cat_name_check("table", name, err);
    if (rc)
        return rc;
    char *ldb = cat_lower(database), *lname = cat_lower(name);
    cat_tx tx;
    if ((rc = cat_tx_begin(cat, &tx, err)) == TARN_OK)
        rc = cat_tx_end(cat, &tx, delete_table(cat, ldb, lname, err), err);
    free(ldb);
    free(lname);
    return rc;
}

/* Read the versions of table id, newest first. */
static int read_versions(tarn_catalog *cat, int64_t id, tarn_cat_table_version **out, size_t *n,
                         tarn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = cat_prepare(cat, "SELECT version, create_time, definition FROM table_versions "
                              "WHERE table_id = ? ORDER BY version DESC", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        *out = tarn_xrealloc(*out, (*n + 1) * sizeof **out);
        tarn_cat_table_version *v = &(*out)[(*n)++];
        v->version = sqlite3_column_int64(st, 0);
        v->create_time = sqlite3_column_int64(st, 1);
        v->definition = tarn_catalog_col_dup(st, 2);
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? TARN_OK : tarn_catalog_sql_error(cat, s, "reading versions", err);
}

int tarn_catalog_table_versions(tarn_catalog *cat, const char *database, const char *name,
                                tarn_cat_table_version **out, size_t *n, tarn_error *err)
{
    *out = NULL;
    *n = 0;
    int rc = cat_name_check("database", database, err);
    if (!rc)
        rc = cat_name_check("table", name, err);
    if (rc)
        return rc;
    char *ldb = cat_lower(database), *lname = cat_lower(name);
    cat_table_ref ref;
    cat_tx tx;
    if ((rc = cat_tx_read_begin(cat, &tx, err)) == TARN_OK) {
        rc = cat_table_find(cat, ldb, lname, &ref, err);
        if (!rc)
            rc = read_versions(cat, ref.id, out, n, err);
        rc = cat_tx_end(cat, &tx, rc, err);
    }
    if (rc) {
        tarn_cat_table_versions_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    free(ldb);
    free(lname);
    return rc;
}

void tarn_cat_table_versions_free(tarn_cat_table_version *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].definition);
    free(v);
}

/* Free an array of n columns. */
static void free_columns(tarn_cat_column *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].name);
        free(c[i].type);
        free(c[i].comment);
    }
    free(c);
}

void tarn_cat_table_free(tarn_cat_table *t)
{
    if (!t)
        return;
    char **strs[] = {&t->database, &t->name, &t->description, &t->owner, &t->table_type,
                     &t->location, &t->classification, &t->input_format, &t->output_format,
                     &t->serde_library, &t->serde_parameters, &t->parameters};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    free_columns(t->columns, t->ncolumns);
    free_columns(t->partition_keys, t->npartition_keys);
    memset(t, 0, sizeof *t);
}

void tarn_cat_table_list_free(tarn_cat_table *ts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tarn_cat_table_free(&ts[i]);
    free(ts);
}
