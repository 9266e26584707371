/*
** ctas.c: CREATE TABLE [db.]t [WITH (format = 'PARQUET', external_location
** = 's3://b/p/', partitioned_by = ARRAY['col', ...], write_compression =
** 'SNAPPY')] AS SELECT ...: the SELECT's rows written as Parquet through
** the format module's writer, one file per partition folder
** (key=value/..., named by tarn_hive_folder, at most 100 as on Athena),
** then the table and its partitions registered in the catalog. As on
** Athena: the partition columns must be the SELECT's last columns, in the
** order partitioned_by lists them; the location must hold no object yet;
** without external_location the table goes under the output location's
** tables/<query id>/. The result is one row: the number of rows written.
** Files are staged locally and published only when every one is complete;
** a failure publishes nothing (or removes what it published).
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "format/format.h"
#include "jobs/jobs.h"
#include "query/engine_int.h"
#include "table/table.h"

int qstmt_ctas(qrun *r, qlex *lx, tarn_error *err);

#define CTAS_MAX_PARTITIONS 100   /* Athena's open-writer limit */
#define CTAS_BATCH_ROWS 65536

/* The WITH (...) properties. */
typedef struct ctas_props {
    char *location;
    char **partitioned_by;
    size_t npart;
    tarn_parquet_codec codec;
} ctas_props;

/* One output file: a partition folder (or "" unpartitioned). */
typedef struct ctas_part {
    char *folder;             /* "k=v/k2=v2/" or "" */
    char **values;            /* partition values (catalog form) */
    char *staging;            /* local file the writer fills */
    tarn_parquet_writer *w;
    tarn_batch b;
    int64_t rows;
} ctas_part;

typedef struct ctas {
    qrun *r;
    char *db, *name;
    ctas_props p;
    tarn_schema data;          /* the data columns (without partition keys) */
    char **part_types;         /* catalog types of the partition keys */
    int ncols;                 /* columns of the SELECT */
    const char *select;        /* its text */
    ctas_part *parts;
    size_t nparts;
    int64_t rows;
    tarn_uri loc;              /* where the table lives (key ends in '/') */
    char **published;          /* keys put so far (removed on failure) */
    size_t npublished;
} ctas;

/* ---- parsing ---- */

static int prop_string(qrun *r, qlex *lx, char **out)
{
    qtok t = qlex_next(lx);
    if (t.kind != QT_STRING)
        return qrun_fail(r, t.off, TARN_ERR_INVALID, "SYNTAX_ERROR", "a string was expected");
    free(*out);
    *out = qtok_string(lx, t);
    return TARN_OK;
}

/* ARRAY['a', 'b'] into p->partitioned_by. */
static int prop_array(qrun *r, qlex *lx, ctas_props *p)
{
    if (!qlex_accept(lx, "ARRAY") || !qtok_punct(lx, qlex_next(lx), '['))
        return qrun_fail(r, lx->pos, TARN_ERR_INVALID, "SYNTAX_ERROR",
                         "partitioned_by takes ARRAY['column', ...]");
    for (;;) {
        qtok t = qlex_next(lx);
        if (qtok_punct(lx, t, ']'))
            return TARN_OK;
        if (qtok_punct(lx, t, ','))
            continue;
        if (t.kind != QT_STRING)
            return qrun_fail(r, t.off, TARN_ERR_INVALID, "SYNTAX_ERROR",
                             "partitioned_by takes ARRAY['column', ...]");
        p->partitioned_by = tarn_xrealloc(p->partitioned_by, (p->npart + 1) * sizeof(char *));
        char *s = qtok_string(lx, t);
        for (char *c = s; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
        p->partitioned_by[p->npart++] = s;
    }
}

/* One name = value of WITH (...). */
static int parse_prop(qrun *r, qlex *lx, ctas_props *p)
{
    qtok name = qlex_next(lx);
    if (!qtok_ident(name) || !qtok_punct(lx, qlex_next(lx), '='))
        return qrun_fail(r, name.off, TARN_ERR_INVALID, "SYNTAX_ERROR",
                         "a table property (name = value) was expected");
    char *key = qtok_name(lx, name), *v = NULL;
    int rc = TARN_OK;
    if (!strcmp(key, "partitioned_by")) {
        rc = prop_array(r, lx, p);
    } else if (!strcmp(key, "external_location")) {
        rc = prop_string(r, lx, &p->location);
    } else if (!strcmp(key, "format")) {
        rc = prop_string(r, lx, &v);
        if (!rc && strcasecmp(v, "PARQUET") != 0)
            rc = qrun_fail(r, name.off, TARN_ERR_UNSUPPORTED, "NOT_SUPPORTED",
                           "tarn writes CTAS tables as PARQUET, not '%s'", v);
    } else if (!strcmp(key, "write_compression") || !strcmp(key, "parquet_compression")) {
        tarn_error e = {0};
        rc = prop_string(r, lx, &v);
        if (!rc && tarn_parquet_codec_parse(v, &p->codec, &e))
            rc = qrun_fail(r, name.off, TARN_ERR_INVALID, "INVALID_TABLE_PROPERTY", "%s", e.msg);
    } else {
        rc = qrun_fail(r, name.off, TARN_ERR_UNSUPPORTED, "INVALID_TABLE_PROPERTY",
                       "Catalog 'awsdatacatalog' table property '%s' does not exist "
                       "(tarn knows format, external_location, partitioned_by, "
                       "write_compression)",
                       key);
    }
    free(v);
    free(key);
    return rc;
}

/* [WITH (props)] AS; leaves lx at the SELECT. */
static int parse_with(qrun *r, qlex *lx, ctas_props *p)
{
    p->codec = TARN_PARQUET_SNAPPY;
    if (qlex_accept(lx, "WITH")) {
        if (!qtok_punct(lx, qlex_next(lx), '('))
            return qrun_fail(r, lx->pos, TARN_ERR_INVALID, "SYNTAX_ERROR", "'(' expected");
        for (;;) {
            int rc = parse_prop(r, lx, p);
            if (rc)
                return rc;
            qtok t = qlex_next(lx);
            if (qtok_punct(lx, t, ')'))
                break;
            if (!qtok_punct(lx, t, ','))
                return qrun_fail(r, t.off, TARN_ERR_INVALID, "SYNTAX_ERROR",
                                 "',' or ')' expected");
        }
    }
    if (!qlex_accept(lx, "AS"))
        return qrun_fail(r, lx->pos, TARN_ERR_UNSUPPORTED, "NOT_SUPPORTED",
                         "tarn creates tables with CREATE TABLE ... AS SELECT only (crawlers "
                         "and stacks create external tables)");
    return TARN_OK;
}

/* ---- columns and values ---- */

/* The catalog type of the SELECT's column i: declared, else from the
** first row's value. */
static int column_type(sqlite3_stmt *st, int i, bool have_row, tarn_type *out, tarn_error *err)
{
    char buf[256];
    const char *decl = tarn_qdecl_catalog_type(sqlite3_column_decltype(st, i), buf, sizeof buf);
    if (!decl) {
        int t = have_row ? sqlite3_column_type(st, i) : SQLITE_TEXT;
        decl = t == SQLITE_INTEGER ? "bigint" : t == SQLITE_FLOAT ? "double" : "string";
    }
    return tarn_type_parse(decl, out, err);
}

/* Build the data schema and partition key types; checks the keys are the
** last columns, in partitioned_by's order. */
static int ctas_schema(ctas *c, sqlite3_stmt *st, bool have_row, tarn_error *err)
{
    c->ncols = sqlite3_column_count(st);
    int ndata = c->ncols - (int)c->p.npart;
    c->part_types = tarn_xcalloc(c->p.npart + 1, sizeof *c->part_types);
    for (int i = 0; i < c->ncols; i++) {
        tarn_type t;
        int rc = column_type(st, i, have_row, &t, err);
        if (rc)
            return rc;
        char name[TARN_CATALOG_NAME_MAX + 1];
        char auto_name[16];
        snprintf(name, sizeof name, "%s", qsql_column_name(st, i, c->select, auto_name,
                                                          sizeof auto_name));
        for (char *p = name; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        if (i < ndata) {
            tarn_schema_add(&c->data, name, t);
            continue;
        }
        if (strcmp(name, c->p.partitioned_by[i - ndata]) != 0)
            return qrun_fail(c->r, 0, TARN_ERR_INVALID, "INVALID_TABLE_PROPERTY",
                             "Partition keys must be the last columns in the table and in the "
                             "same order as the table properties: [%s]",
                             c->p.partitioned_by[i - ndata]);
        char buf[64];
        c->part_types[i - ndata] = tarn_xstrdup(tarn_type_name(t, buf, sizeof buf));
    }
    if (ndata < 1)
        return qrun_fail(c->r, 0, TARN_ERR_INVALID, "INVALID_TABLE_PROPERTY",
                         "a table needs at least one column besides its partition keys");
    return TARN_OK;
}

/* Digits of s[0..n) into *v; false if any is not a digit. */
static bool digits(const char *s, size_t n, int64_t *v)
{
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *v = *v * 10 + (s[i] - '0');
    }
    return n > 0;
}

/* 'YYYY-MM-DD' into days since the epoch. */
static bool text_date(const char *s, size_t n, int32_t *days)
{
    int64_t y, m, d;
    if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &m) ||
        !digits(s + 8, 2, &d) || !tarn_date_valid(y, (unsigned)m, (unsigned)d))
        return false;
    *days = tarn_days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

/* 'YYYY-MM-DD[ HH:MM:SS[.f...]]' into microseconds since the epoch. */
static bool text_timestamp(const char *s, size_t n, int64_t *us)
{
    int32_t days;
    int64_t h = 0, mi = 0, sec = 0, frac = 0;
    if (n < 10 || !text_date(s, 10, &days))
        return false;
    if (n > 10 && (n < 19 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' ||
                   !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
                   !digits(s + 17, 2, &sec) || h > 23 || mi > 59 || sec > 59))
        return false;
    if (n > 19) {
        size_t k = n - 20;
        if (s[19] != '.' || k > 6 || !digits(s + 20, k, &frac))
            return false;
        for (; k < 6; k++)
            frac *= 10;
    }
    *us = ((int64_t)days * 86400 + h * 3600 + mi * 60 + sec) * 1000000 + frac;
    return true;
}

/* Decimal text into the unscaled value at scale (extra digits rounded half
** away from zero). */
static bool text_decimal(const char *s, size_t n, unsigned scale, __int128 *out)
{
    size_t i = 0;
    bool neg = n > 0 && (s[0] == '-' || s[0] == '+') ? (i++, s[0] == '-') : false;
    __int128 v = 0;
    unsigned frac = 0;
    bool dot = false, any = false, round_up = false;
    for (; i < n; i++) {
        if (s[i] == '.' && !dot) {
            dot = true;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return false;
        any = true;
        if (dot && frac == scale) {
            round_up = s[i] >= '5';
            break;
        }
        v = v * 10 + (s[i] - '0');
        frac += dot;
    }
    for (; frac < scale; frac++)
        v *= 10;
    v += round_up;
    *out = neg ? -v : v;
    return any;
}

/* Append value i of st to column col of type t. */
static int append_value(ctas *c, sqlite3_stmt *st, int i, tarn_column *col, tarn_error *err)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) {
        tarn_column_append_null(col);
        return TARN_OK;
    }
    const char *s = (const char *)sqlite3_column_text(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    int32_t days;
    int64_t us;
    __int128 d;
    switch (col->type.id) {
    case TARN_TYPE_BOOLEAN: tarn_column_append_bool(col, sqlite3_column_int64(st, i) != 0); break;
    case TARN_TYPE_INT: tarn_column_append_i32(col, sqlite3_column_int(st, i)); break;
    case TARN_TYPE_BIGINT: tarn_column_append_i64(col, sqlite3_column_int64(st, i)); break;
    case TARN_TYPE_DOUBLE: tarn_column_append_double(col, sqlite3_column_double(st, i)); break;
    case TARN_TYPE_STRING: tarn_column_append_str(col, s, n); break;
    case TARN_TYPE_DATE:
        if (!text_date(s, n, &days))
            goto bad;
        tarn_column_append_i32(col, days);
        break;
    case TARN_TYPE_TIMESTAMP:
        if (!text_timestamp(s, n, &us))
            goto bad;
        tarn_column_append_i64(col, us);
        break;
    case TARN_TYPE_DECIMAL:
        if (!text_decimal(s, n, col->type.scale, &d))
            goto bad;
        tarn_column_append_i128(col, d);
        break;
    }
    return TARN_OK;
bad:
    c->r->category = TARN_QERR_USER;
    c->r->type = TARN_QERRTYPE_DATA;
    char tn[64];
    return tarn_error_set(err, TARN_ERR_INVALID,
                          "INVALID_CAST_ARGUMENT: Value cannot be cast to %s: '%.*s' (column "
                          "'%s')",
                          tarn_type_name(col->type, tn, sizeof tn), (int)(n > 64 ? 64 : n), s,
                          sqlite3_column_name(st, i));
}

/* ---- output files ---- */

static void part_free(ctas_part *p)
{
    tarn_parquet_writer_abort(p->w);
    tarn_batch_free(&p->b);
    if (p->staging)
        unlink(p->staging);
    free(p->staging);
    free(p->folder);
    free(p->values);
}

/* A new output file for folder with these partition values (owned). */
static int part_new(ctas *c, char *folder, char **values, ctas_part **out, tarn_error *err)
{
    if (c->nparts == CTAS_MAX_PARTITIONS) {
        free(folder);
        for (size_t k = 0; k < c->p.npart; k++)
            free(values[k]);
        free(values);
        c->r->category = TARN_QERR_USER;
        return tarn_error_set(err, TARN_ERR_LIMIT,
                              "HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of %d open writers "
                              "for partitions/buckets",
                              CTAS_MAX_PARTITIONS);
    }
    c->parts = tarn_xrealloc(c->parts, (c->nparts + 1) * sizeof *c->parts);
    ctas_part *p = &c->parts[c->nparts++];
    memset(p, 0, sizeof *p);
    p->folder = folder;
    p->values = values;
    tarn_batch_init(&p->b, &c->data, CTAS_BATCH_ROWS);
    tarn_parquet_write_options o;
    tarn_parquet_write_options_init(&o);
    o.codec = c->p.codec;
    o.nthreads = 1;
    o.background = false;
    int rc = tarn_object_staging_path(c->r->q->store, "ctas.parquet", &p->staging, err);
    if (!rc)
        rc = tarn_parquet_writer_open(&p->w, p->staging, &c->data, &o, err);
    *out = p;
    return rc;
}

/* The output file the current row goes to. */
static int row_part(ctas *c, sqlite3_stmt *st, ctas_part **out, tarn_error *err)
{
    int ndata = c->data.ncols;
    tarn_buf f;
    tarn_buf_init(&f, 0);
    for (size_t k = 0; k < c->p.npart; k++) {
        const char *v = (const char *)sqlite3_column_text(st, ndata + (int)k);
        size_t n = (size_t)sqlite3_column_bytes(st, ndata + (int)k);
        tarn_hive_folder(&f, c->p.partitioned_by[k], v, v ? n : 0);
        tarn_buf_putc(&f, '/');
    }
    const char *folder = f.data ? f.data : "";
    for (size_t i = 0; i < c->nparts; i++) {
        if (strcmp(c->parts[i].folder, folder) == 0) {
            tarn_buf_free(&f);
            *out = &c->parts[i];
            return TARN_OK;
        }
    }
    char **values = tarn_xcalloc(c->p.npart + 1, sizeof *values);
    for (size_t k = 0; k < c->p.npart; k++) {
        const char *v = (const char *)sqlite3_column_text(st, ndata + (int)k);
        values[k] = tarn_xstrdup(v && *v ? v : TARN_HIVE_DEFAULT_PARTITION);
    }
    char *owned = tarn_xstrdup(folder);
    tarn_buf_free(&f);
    return part_new(c, owned, values, out, err);
}

static int ctas_row(ctas *c, sqlite3_stmt *st, tarn_error *err)
{
    ctas_part *p = NULL;
    int rc = row_part(c, st, &p, err);
    for (int i = 0; i < c->data.ncols && !rc; i++)
        rc = append_value(c, st, i, &p->b.cols[i], err);
    if (rc)
        return rc;
    p->b.nrows++;
    p->rows++;
    c->rows++;
    if (p->b.nrows == CTAS_BATCH_ROWS) {
        rc = tarn_parquet_writer_write(p->w, &p->b, err);
        tarn_batch_reset(&p->b);
    }
    return rc;
}

/* Finish every file and publish it under the table's location. */
static int ctas_publish(ctas *c, tarn_error *err)
{
    int rc = TARN_OK;
    for (size_t i = 0; i < c->nparts && !rc; i++) {
        ctas_part *p = &c->parts[i];
        if (p->b.nrows > 0)
            rc = tarn_parquet_writer_write(p->w, &p->b, err);
        tarn_parquet_writer *w = p->w;
        p->w = NULL;
        if (!rc)
            rc = tarn_parquet_writer_close(w, NULL, err);
        else
            tarn_parquet_writer_abort(w);
    }
    c->published = tarn_xcalloc(c->nparts + 1, sizeof *c->published);
    for (size_t i = 0; i < c->nparts && !rc; i++) {
        ctas_part *p = &c->parts[i];
        char *key = tarn_xasprintf("%s%s%s_00000.parquet", c->loc.key, p->folder, c->r->ex->id);
        rc = tarn_object_put_move(c->r->q->store, c->loc.bucket, key, p->staging, err);
        if (rc) {
            free(key);
            break;
        }
        free(p->staging);
        p->staging = NULL;
        c->published[c->npublished++] = key;
    }
    if (rc) {
        c->r->category = TARN_QERR_SYSTEM;
        c->r->type = TARN_QERRTYPE_RESULT_WRITE;
    }
    return rc;
}

/* ---- the catalog ---- */

static void fill_columns(ctas *c, tarn_cat_table *t)
{
    t->ncolumns = (size_t)c->data.ncols;
    t->columns = tarn_xcalloc(t->ncolumns + 1, sizeof *t->columns);
    for (size_t i = 0; i < t->ncolumns; i++) {
        char buf[64];
        t->columns[i].name = c->data.fields[i].name;
        t->columns[i].type = tarn_xstrdup(tarn_type_name(c->data.fields[i].type, buf, sizeof buf));
    }
    t->npartition_keys = c->p.npart;
    t->partition_keys = tarn_xcalloc(c->p.npart + 1, sizeof *t->partition_keys);
    for (size_t k = 0; k < c->p.npart; k++) {
        t->partition_keys[k].name = c->p.partitioned_by[k];
        t->partition_keys[k].type = c->part_types[k];
    }
}

/* Register the table and its partitions in one transaction. */
static int ctas_register(ctas *c, tarn_error *err)
{
    static const char codec_names[][8] = {"NONE", "SNAPPY", "GZIP", "", "", "", "ZSTD"};
    char *location = tarn_xasprintf("s3://%s/%s", c->loc.bucket, c->loc.key);
    char *params = tarn_xasprintf("{\"classification\":\"parquet\",\"has_encrypted_data\":"
                                  "\"false\",\"parquet.compression\":\"%s\"}",
                                  codec_names[c->p.codec]);
    tarn_cat_table t = {
        .database = c->db, .name = c->name, .table_type = "EXTERNAL_TABLE",
        .location = location, .classification = "parquet",
        .input_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        .output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        .serde_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        .parameters = params, .row_count = c->rows};
    fill_columns(c, &t);
    tarn_cat_partition *ps = tarn_xcalloc(c->nparts + 1, sizeof *ps);
    size_t np = 0;
    for (size_t i = 0; i < c->nparts && c->p.npart > 0; i++) {
        ps[np].values = c->parts[i].values;
        ps[np].nvalues = c->p.npart;
        ps[np++].location = tarn_xasprintf("%s%s", location, c->parts[i].folder);
    }
    tarn_catalog *cat = c->r->q->cat;
    int rc = tarn_catalog_begin(cat, err);
    if (!rc)
        rc = tarn_catalog_table_create(cat, &t, err);
    if (!rc && np > 0)
        rc = tarn_catalog_partitions_add(cat, c->db, c->name, ps, np, TARN_CAT_FAIL_EXISTING,
                                         err);
    if (!rc)
        rc = tarn_catalog_commit(cat, err);
    else
        tarn_catalog_rollback(cat);
    for (size_t i = 0; i < np; i++)
        free(ps[i].location);
    free(ps);
    for (size_t i = 0; i < t.ncolumns; i++)
        free(t.columns[i].type);
    free(t.columns);
    free(t.partition_keys);
    free(params);
    free(location);
    if (rc) {
        c->r->category = TARN_QERR_SYSTEM;
        c->r->type = TARN_QERRTYPE_DDL;
    }
    return rc;
}

/* ---- checks before writing ---- */

/* The table must not exist, its database must, and its location must be
** an empty prefix of an existing bucket. */
static int ctas_check(ctas *c, size_t at, tarn_error *err)
{
    qrun *r = c->r;
    tarn_cat_table t;
    tarn_cat_database d;
    tarn_error e = {0};
    if (tarn_catalog_table_get(r->q->cat, c->db, c->name, &t, &e) == TARN_OK) {
        tarn_cat_table_free(&t);
        return qrun_fail(r, at, TARN_ERR_EXISTS, "TABLE_ALREADY_EXISTS",
                         "Table 'awsdatacatalog.%s.%s' already exists", c->db, c->name);
    }
    if (tarn_catalog_database_get(r->q->cat, c->db, &d, &e) != TARN_OK)
        return qrun_fail(r, at, TARN_ERR_NOTFOUND, "SCHEMA_NOT_FOUND",
                         "Schema '%s' does not exist", c->db);
    tarn_cat_database_free(&d);
    char *where = c->p.location
                      ? tarn_xstrdup(c->p.location)
                      : tarn_xasprintf("%s%stables/%s/", r->output_location,
                                       r->output_location[strlen(r->output_location) - 1] == '/'
                                           ? ""
                                           : "/",
                                       r->ex->id);
    int rc = tarn_uri_parse(where, &c->loc, err);
    size_t kl = strlen(c->loc.key);
    if (!rc && kl > 0 && c->loc.key[kl - 1] != '/' && kl < TARN_KEY_MAX)
        strcat(c->loc.key, "/");
    if (!rc && !tarn_bucket_exists(r->q->store, c->loc.bucket))
        rc = qrun_fail(r, at, TARN_ERR_NOTFOUND, "HIVE_PATH_NOT_FOUND",
                       "bucket '%s' of %s does not exist (create it with `tarn s3 mb`)",
                       c->loc.bucket, where);
    tarn_list_page page = {0};
    tarn_list_request req = {.prefix = c->loc.key, .max_keys = 1};
    if (!rc && (rc = tarn_object_list(r->q->store, c->loc.bucket, &req, &page, err)) == 0 &&
        page.nobjects > 0)
        rc = qrun_fail(r, at, TARN_ERR_EXISTS, "HIVE_PATH_ALREADY_EXISTS",
                       "Target directory for table '%s.%s' already exists: %s", c->db, c->name,
                       where);
    tarn_list_page_free(&page);
    free(where);
    return rc;
}

/* ---- the statement ---- */

/* Run the SELECT at text into files. */
static int ctas_write(ctas *c, const char *text, tarn_error *err)
{
    qrun *r = c->r;
    sqlite3 *db;
    int rc = qsql_open(r, text, &db, err);
    if (rc)
        return rc;
    c->select = text;
    sqlite3_stmt *st = NULL;
    tarn_qtext qt = {0};
    rc = qsql_prepare(r, db, text, &st, &qt, err);
    int src = rc ? SQLITE_ERROR : sqlite3_step(st);
    if (!rc && src != SQLITE_ROW && src != SQLITE_DONE)
        rc = qsql_step_error(r, db, &qt, text, err);
    if (!rc)
        rc = ctas_schema(c, st, src == SQLITE_ROW, err);
    while (!rc && src == SQLITE_ROW) {
        rc = ctas_row(c, st, err);
        if (!rc && (src = sqlite3_step(st)) != SQLITE_ROW && src != SQLITE_DONE)
            rc = qsql_step_error(r, db, &qt, text, err);
    }
    sqlite3_finalize(st);
    tarn_qtext_free(&qt);
    sqlite3_close(db);
    return rc;
}

static void ctas_free(ctas *c, bool failed)
{
    for (size_t i = 0; i < c->npublished; i++) {
        tarn_error e = {0};
        if (failed)
            tarn_object_delete(c->r->q->store, c->loc.bucket, c->published[i], &e);
        free(c->published[i]);
    }
    free(c->published);
    for (size_t i = 0; i < c->nparts; i++) {
        for (size_t k = 0; k < c->p.npart; k++)
            free(c->parts[i].values[k]);
        part_free(&c->parts[i]);
    }
    free(c->parts);
    for (size_t k = 0; k < c->p.npart; k++) {
        free(c->p.partitioned_by[k]);
        if (c->part_types)
            free(c->part_types[k]);
    }
    free(c->p.partitioned_by);
    free(c->part_types);
    free(c->p.location);
    tarn_schema_free(&c->data);
    free(c->db);
    free(c->name);
}

int qstmt_ctas(qrun *r, qlex *lx, tarn_error *err)
{
    ctas c = {.r = r};
    tarn_schema_init(&c.data);
    size_t at = 0;
    int rc = qparse_table_name(r, lx, &c.db, &c.name, &at, err);
    if (!rc)
        rc = parse_with(r, lx, &c.p);
    if (!rc)
        rc = ctas_check(&c, at, err);
    if (!rc)
        rc = ctas_write(&c, r->sql + qlex_peek(lx).off, err);
    if (!rc)
        rc = ctas_publish(&c, err);
    if (!rc)
        rc = ctas_register(&c, err);
    if (!rc) {
        const char *names[1] = {"rows"}, *types[1] = {"bigint"};
        char n[32];
        snprintf(n, sizeof n, "%lld", (long long)c.rows);
        rc = qresult_columns(r->res, 1, names, types, err);
        if (!rc)
            rc = qresult_row1(r->res, n, err);
    }
    ctas_free(&c, rc != 0);
    return rc;
}
