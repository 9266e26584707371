/*
** ddl.c: a catalog table as the Athena (Hive DDL) statement that declares
** the same table over the same files on S3 (catalog.h,
** tarn_catalog_table_ddl). `tarn catalog ddl` prints it and the query
** engine answers SHOW CREATE TABLE with it.
**
** The text follows what Athena's SHOW CREATE TABLE prints, so a user can
** paste it into Athena or Trino/Hive:
**
**     CREATE EXTERNAL TABLE `db`.`t`(
**       `a` bigint,
**       `b` string COMMENT 'x')
**     PARTITIONED BY (
**       `country` string)
**     ROW FORMAT SERDE
**       'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'
**     WITH SERDEPROPERTIES (
**       'serialization.format'='1')
**     STORED AS INPUTFORMAT
**       'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'
**     OUTPUTFORMAT
**       'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'
**     LOCATION
**       's3://gold/t/'
**     TBLPROPERTIES (
**       'classification'='parquet');
**
** A LazySimpleSerDe whose only SerDe parameters are field.delim (and
** serialization.format) prints in the delimited form, `ROW FORMAT DELIMITED
** FIELDS TERMINATED BY ','`, as Athena does; every other SerDe (OpenCSVSerde,
** JsonSerDe, ParquetHiveSerDe, ...) prints as ROW FORMAT SERDE with all its
** parameters. A table missing its SerDe or formats gets those its
** classification implies (parquet, csv, json). Identifiers are backquoted
** (a backquote doubled); string literals are single-quoted with Hive's
** backslash escapes (\' \\ \t \n \r, other control bytes as \ooo).
*/
#include "catalog/catalog.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_INPUT "org.apache.hadoop.mapred.TextInputFormat"
#define TEXT_OUTPUT "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
#define PARQUET_INPUT "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
#define PARQUET_OUTPUT "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
#define PARQUET_SERDE "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
#define LAZY_SERDE "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
#define JSON_SERDE "org.openx.data.jsonserde.JsonSerDe"

/* What the statement is made of once defaults are filled in. */
typedef struct ddl_parts {
    const char *serde;
    const char *input;
    const char *output;
    json_t *serde_params; /* object, owned */
    json_t *params;       /* object, owned */
} ddl_parts;

/* Append `name` with backquotes, a backquote inside doubled. */
static void put_ident(tarn_buf *b, const char *s)
{
    tarn_buf_putc(b, '`');
    for (; *s; s++) {
        if (*s == '`')
            tarn_buf_putc(b, '`');
        tarn_buf_putc(b, *s);
    }
    tarn_buf_putc(b, '`');
}

/* Append s as a Hive string literal in single quotes. */
static void put_literal(tarn_buf *b, const char *s)
{
    tarn_buf_putc(b, '\'');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '\'': tarn_buf_append(b, "\\'", 2); break;
        case '\\': tarn_buf_append(b, "\\\\", 2); break;
        case '\t': tarn_buf_append(b, "\\t", 2); break;
        case '\n': tarn_buf_append(b, "\\n", 2); break;
        case '\r': tarn_buf_append(b, "\\r", 2); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                tarn_buf_appendf(b, "\\%03o", *p);
            else
                tarn_buf_putc(b, (char)*p);
        }
    }
    tarn_buf_putc(b, '\'');
}

/* A JSON object parsed from text (an empty one for NULL or bad text). */
static json_t *object_of(const char *text)
{
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    if (json_is_object(o))
        return o;
    json_decref(o);
    return json_object();
}

/* The text of a parameter value: a string as is, anything else as JSON. */
static char *value_text(json_t *v)
{
    if (json_is_string(v))
        return tarn_xstrdup(json_string_value(v));
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    char *copy = tarn_xstrdup(s ? s : "");
    free(s);
    return copy;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Append "  'k'='v',\n" ... for obj's members in key order, the last one
** closed by close instead of a comma. */
static void put_properties(tarn_buf *b, json_t *obj, const char *close)
{
    size_t n = json_object_size(obj), i = 0;
    const char **keys = tarn_xcalloc(n + 1, sizeof *keys);
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) keys[i++] = k;
    qsort(keys, n, sizeof *keys, cmp_str);
    for (i = 0; i < n; i++) {
        char *text = value_text(json_object_get(obj, keys[i]));
        tarn_buf_append(b, "  ", 2);
        put_literal(b, keys[i]);
        tarn_buf_putc(b, '=');
        put_literal(b, text);
        tarn_buf_appendf(b, "%s", i + 1 < n ? ",\n" : close);
        free(text);
    }
    free(keys);
}

/* Append the column list cols[0..n) as "  `a` type COMMENT 'c',\n" lines,
** the last closed by ")\n". */
static void put_columns(tarn_buf *b, const tarn_cat_column *cols, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        tarn_buf_append(b, "  ", 2);
        put_ident(b, cols[i].name);
        tarn_buf_appendf(b, " %s", cols[i].type);
        if (cols[i].comment) {
            tarn_buf_append(b, " COMMENT ", 9);
            put_literal(b, cols[i].comment);
        }
        tarn_buf_appendf(b, "%s", i + 1 < n ? ",\n" : ")\n");
    }
}

/* Fill in the SerDe and formats t leaves out, from its classification. */
static int fill_parts(const tarn_cat_table *t, ddl_parts *p, tarn_error *err)
{
    const char *cls = t->classification ? t->classification : "";
    p->serde = t->serde_library;
    p->input = t->input_format;
    p->output = t->output_format;
    p->serde_params = object_of(t->serde_parameters);
    p->params = object_of(t->parameters);
    bool parquet = strcmp(cls, "parquet") == 0, json = strcmp(cls, "json") == 0;
    bool csv = strcmp(cls, "csv") == 0;
    if (!p->serde && (parquet || json || csv))
        p->serde = parquet ? PARQUET_SERDE : json ? JSON_SERDE : LAZY_SERDE;
    if (!p->input && (parquet || json || csv))
        p->input = parquet ? PARQUET_INPUT : TEXT_INPUT;
    if (!p->output && (parquet || json || csv))
        p->output = parquet ? PARQUET_OUTPUT : TEXT_OUTPUT;
    const char *delim = json_string_value(json_object_get(p->params, "delimiter"));
    if (csv && strcmp(p->serde, LAZY_SERDE) == 0 && delim &&
        !json_object_get(p->serde_params, "field.delim"))
        json_object_set_new(p->serde_params, "field.delim", json_string(delim));
    if (t->classification && !json_object_get(p->params, "classification"))
        json_object_set_new(p->params, "classification", json_string(t->classification));
    if (!p->serde || !p->input || !p->output)
        return tarn_error_set(err, TARN_ERR_INVALID, "table '%s.%s' has no %s and its "
                              "classification ('%s') does not imply one; Athena needs a SerDe, "
                              "an input format and an output format", t->database, t->name,
                              !p->serde ? "SerDe" : !p->input ? "input format" : "output format",
                              cls);
    return TARN_OK;
}

/* Whether the SerDe prints in the delimited form: LazySimpleSerDe whose
** parameters are field.delim and at most serialization.format. */
static bool delimited_form(const ddl_parts *p)
{
    if (strcmp(p->serde, LAZY_SERDE) != 0)
        return false;
    const char *d = json_string_value(json_object_get(p->serde_params, "field.delim"));
    size_t n = json_object_size(p->serde_params);
    return d && (n == 1 || (n == 2 && json_object_get(p->serde_params, "serialization.format")));
}

/* Append ROW FORMAT ... through OUTPUTFORMAT. */
static void put_storage(tarn_buf *b, const ddl_parts *p)
{
    if (delimited_form(p)) {
        tarn_buf_appendf(b, "ROW FORMAT DELIMITED\n  FIELDS TERMINATED BY ");
        put_literal(b, json_string_value(json_object_get(p->serde_params, "field.delim")));
        tarn_buf_putc(b, '\n');
    } else {
        tarn_buf_appendf(b, "ROW FORMAT SERDE\n  ");
        put_literal(b, p->serde);
        tarn_buf_putc(b, '\n');
        if (json_object_size(p->serde_params)) {
            tarn_buf_appendf(b, "WITH SERDEPROPERTIES (\n");
            put_properties(b, p->serde_params, ")\n");
        }
    }
    tarn_buf_appendf(b, "STORED AS INPUTFORMAT\n  ");
    put_literal(b, p->input);
    tarn_buf_appendf(b, "\nOUTPUTFORMAT\n  ");
    put_literal(b, p->output);
    tarn_buf_putc(b, '\n');
}

/* Check what Athena refuses before any text is written. */
static int check_table(const tarn_cat_table *t, tarn_error *err)
{
    const char *db = t->database ? t->database : "", *name = t->name ? t->name : "";
    if (!*name)
        return tarn_error_set(err, TARN_ERR_INVALID, "a table needs a name to have DDL");
    if (t->table_type && strcmp(t->table_type, "EXTERNAL_TABLE") != 0)
        return tarn_error_set(err, TARN_ERR_UNSUPPORTED, "table '%s.%s' is a %s; Athena "
                              "DDL is written for EXTERNAL_TABLE only", db, name, t->table_type);
    if (t->ncolumns == 0)
        return tarn_error_set(err, TARN_ERR_INVALID, "table '%s.%s' has no columns; Athena "
                              "needs at least one (crawl its data first)", db, name);
    if (!t->location || !*t->location)
        return tarn_error_set(err, TARN_ERR_INVALID, "table '%s.%s' has no location; Athena "
                              "needs LOCATION 's3://bucket/prefix/'", db, name);
    for (size_t i = 0; i < t->ncolumns + t->npartition_keys; i++) {
        const tarn_cat_column *c = i < t->ncolumns ? &t->columns[i]
                                                   : &t->partition_keys[i - t->ncolumns];
        if (!c->name || !*c->name || !c->type || !*c->type)
            return tarn_error_set(err, TARN_ERR_INVALID, "table '%s.%s': column %zu has no "
                                  "name or type", db, name, i + 1);
    }
    return TARN_OK;
}

/* Append the whole statement for t (checked, with parts p) to b. */
static void put_statement(tarn_buf *b, const tarn_cat_table *t, const ddl_parts *p)
{
    tarn_buf_appendf(b, "CREATE EXTERNAL TABLE ");
    if (t->database && *t->database) {
        put_ident(b, t->database);
        tarn_buf_putc(b, '.');
    }
    put_ident(b, t->name);
    tarn_buf_appendf(b, "(\n");
    put_columns(b, t->columns, t->ncolumns);
    if (t->description) {
        tarn_buf_appendf(b, "COMMENT ");
        put_literal(b, t->description);
        tarn_buf_putc(b, '\n');
    }
    if (t->npartition_keys) {
        tarn_buf_appendf(b, "PARTITIONED BY (\n");
        put_columns(b, t->partition_keys, t->npartition_keys);
    }
    put_storage(b, p);
    tarn_buf_appendf(b, "LOCATION\n  ");
    put_literal(b, t->location);
    tarn_buf_putc(b, '\n');
    if (json_object_size(p->params)) {
        tarn_buf_appendf(b, "TBLPROPERTIES (\n");
        put_properties(b, p->params, ")");
    }
    tarn_buf_appendf(b, ";\n");
}

int tarn_catalog_table_ddl(const tarn_cat_table *t, tarn_buf *out, tarn_error *err)
{
    int rc = check_table(t, err);
    ddl_parts p = {0};
    if (!rc)
        rc = fill_parts(t, &p, err);
    if (!rc) {
        tarn_buf b;
        tarn_buf_init(&b, 0);
        put_statement(&b, t, &p);
        if (tarn_buf_append(out, b.data, b.len))
            rc = tarn_error_set(err, TARN_ERR_LIMIT, "the DDL of table '%s.%s' (%zu bytes) "
                                "does not fit the output buffer", t->database ? t->database : "",
                                t->name, b.len);
        tarn_buf_free(&b);
    }
    json_decref(p.serde_params);
    json_decref(p.params);
    return rc;
}
