/*
** pq_gen_tables.c: writes Parquet files with tarn's writer from a JSON
** description of tables, for tests/interop/parquet_write.mjs (which makes
** the description, runs this, and checks the files with DuckDB, Polars and
** arrow-rs against the values it described). Usage:
**
**     pq_gen_tables SPEC.json
**
** SPEC.json: {"tables": [TABLE, ...]}, each TABLE
**
**     {"path": "/tmp/x/t.parquet", "batch_rows": 1000,
**      "expect_error": false,          (true: the write must fail, no file)
**      "options": {"codec": "snappy", "level": 0, "page_version": 1,
**                  "dictionary": true, "dictionary_bytes": N,
**                  "row_group_rows": N, "row_group_bytes": N,
**                  "page_rows": N, "page_bytes": N, "threads": N,
**                  "kv": [["key", "value"], ["key", null]]},
**      "columns": [{"name": "c", "type": "decimal(38,10)",
**                   "required": false, "values": [...]}]}
**
** Values, by type (null is NULL): boolean true/false; int and date JSON
** integers (date: days since 1970-01-01); bigint, timestamp (microseconds)
** and decimal (the unscaled integer) decimal strings; double a number or
** "NaN", "Infinity", "-Infinity", "-0"; string a JSON string.
**
** It is a test tool, not part of tarn. Exit 0 when every table came out as
** expected; otherwise it prints what went wrong and exits 1.
*/
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/format.h"

/* Parse a decimal integer string into a 128-bit value. */
static int parse_i128(const char *s, __int128 *out)
{
    bool neg = *s == '-';
    s += neg || *s == '+';
    if (!*s)
        return -1;
    unsigned __int128 v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (unsigned)(*s - '0');
    }
    *out = neg ? -(__int128)v : (__int128)v;
    return 0;
}

/* Integer value of j (a JSON integer or a string of digits). */
static int json_i128(json_t *j, __int128 *out)
{
    if (json_is_integer(j)) {
        *out = json_integer_value(j);
        return 0;
    }
    return json_is_string(j) ? parse_i128(json_string_value(j), out) : -1;
}

static int json_double(json_t *j, double *out)
{
    if (json_is_number(j)) {
        *out = json_number_value(j);
        return 0;
    }
    if (!json_is_string(j))
        return -1;
    char *end;
    *out = strtod(json_string_value(j), &end);
    return *end ? -1 : 0;
}

/* Append value j to column c; -1 if j does not fit the type. */
static int append_value(tarn_column *c, json_t *j)
{
    __int128 q;
    double d;
    if (json_is_null(j)) {
        tarn_column_append_null(c);
        return 0;
    }
    switch (c->type.id) {
    case TARN_TYPE_BOOLEAN:
        if (!json_is_boolean(j))
            return -1;
        tarn_column_append_bool(c, json_is_true(j));
        return 0;
    case TARN_TYPE_INT: case TARN_TYPE_DATE:
        if (json_i128(j, &q) || q < INT32_MIN || q > INT32_MAX)
            return -1;
        tarn_column_append_i32(c, (int32_t)q);
        return 0;
    case TARN_TYPE_BIGINT: case TARN_TYPE_TIMESTAMP:
        if (json_i128(j, &q) || q < INT64_MIN || q > INT64_MAX)
            return -1;
        tarn_column_append_i64(c, (int64_t)q);
        return 0;
    case TARN_TYPE_DECIMAL:
        if (json_i128(j, &q))
            return -1;
        tarn_column_append_i128(c, q);
        return 0;
    case TARN_TYPE_DOUBLE:
        if (json_double(j, &d))
            return -1;
        tarn_column_append_double(c, d);
        return 0;
    case TARN_TYPE_STRING:
        if (!json_is_string(j))
            return -1;
        tarn_column_append_str(c, json_string_value(j), json_string_length(j));
        return 0;
    }
    return -1;
}

static int64_t opt_int(json_t *o, const char *key, int64_t dflt)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? json_integer_value(v) : dflt;
}

/* Options from the table's "options" object; kv entries go to kv. */
static int read_options(json_t *o, tarn_parquet_write_options *opt, tarn_parquet_kv *kv,
                        tarn_error *err)
{
    tarn_parquet_write_options_init(opt);
    json_t *codec = json_object_get(o, "codec");
    if (codec && tarn_parquet_codec_parse(json_string_value(codec), &opt->codec, err))
        return -1;
    opt->compression_level = (int)opt_int(o, "level", 0);
    opt->data_page_version = (int)opt_int(o, "page_version", 1);
    opt->row_group_rows = opt_int(o, "row_group_rows", opt->row_group_rows);
    opt->row_group_bytes = opt_int(o, "row_group_bytes", opt->row_group_bytes);
    opt->page_rows = opt_int(o, "page_rows", opt->page_rows);
    opt->page_bytes = opt_int(o, "page_bytes", opt->page_bytes);
    opt->dictionary_bytes = opt_int(o, "dictionary_bytes", opt->dictionary_bytes);
    opt->nthreads = (int)opt_int(o, "threads", 0);
    json_t *dict = json_object_get(o, "dictionary");
    if (dict)
        opt->dictionary = json_is_true(dict);
    json_t *kvs = json_object_get(o, "kv");
    for (size_t i = 0; i < json_array_size(kvs) && i < 16; i++) {
        kv[i].key = json_string_value(json_array_get(json_array_get(kvs, i), 0));
        kv[i].value = json_string_value(json_array_get(json_array_get(kvs, i), 1));
        opt->nkv = (int)i + 1;
    }
    opt->kv = kv;
    return 0;
}

/* Fill b with rows [from, from+n) of the columns' values. */
static int fill_batch(json_t *cols, tarn_batch *b, size_t from, size_t n)
{
    tarn_batch_reset(b);
    for (size_t c = 0; c < json_array_size(cols); c++) {
        json_t *vals = json_object_get(json_array_get(cols, c), "values");
        for (size_t r = from; r < from + n; r++) {
            if (append_value(&b->cols[c], json_array_get(vals, r))) {
                fprintf(stderr, "pq_gen_tables: column %zu row %zu: bad value\n", c, r);
                return -1;
            }
        }
    }
    b->nrows = (int64_t)n;
    return 0;
}

/* Write one table; returns 0 when the outcome is the expected one. */
static int write_table(json_t *t)
{
    const char *path = json_string_value(json_object_get(t, "path"));
    json_t *cols = json_object_get(t, "columns");
    bool expect_error = json_is_true(json_object_get(t, "expect_error"));
    size_t batch_rows = (size_t)opt_int(t, "batch_rows", 1000), nrows = 0;
    tarn_schema s;
    tarn_schema_init(&s);
    bool req[256] = {false};
    tarn_error err = {0};
    int rc = 0;
    for (size_t c = 0; c < json_array_size(cols) && c < 256; c++) {
        json_t *col = json_array_get(cols, c);
        tarn_type ty;
        if (tarn_type_parse(json_string_value(json_object_get(col, "type")), &ty, &err))
            goto fail;
        tarn_schema_add(&s, json_string_value(json_object_get(col, "name")), ty);
        req[c] = json_is_true(json_object_get(col, "required"));
        nrows = json_array_size(json_object_get(col, "values"));
    }
    tarn_parquet_write_options o;
    tarn_parquet_kv kv[16];
    if (read_options(json_object_get(t, "options"), &o, kv, &err))
        goto fail;
    o.required = req;
    tarn_parquet_writer *w;
    if ((rc = tarn_parquet_writer_open(&w, path, &s, &o, &err)))
        goto fail;
    tarn_batch b;
    tarn_batch_init(&b, &s, (int64_t)batch_rows);
    for (size_t r = 0; !rc && r < nrows; r += batch_rows) {
        size_t n = nrows - r < batch_rows ? nrows - r : batch_rows;
        rc = fill_batch(cols, &b, r, n) ? -1 : tarn_parquet_writer_write(w, &b, &err);
    }
    tarn_batch_free(&b);
    if (rc)
        tarn_parquet_writer_abort(w);
    else
        rc = tarn_parquet_writer_close(w, NULL, &err);
    if (rc)
        goto fail;
    tarn_schema_free(&s);
    if (expect_error)
        fprintf(stderr, "pq_gen_tables: %s: written, but an error was expected\n", path);
    return expect_error ? -1 : 0;
fail:
    tarn_schema_free(&s);
    if (expect_error && access(path, F_OK) != 0)
        return 0;
    fprintf(stderr, "pq_gen_tables: %s: %s\n", path, err.msg[0] ? err.msg : "failed");
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pq_gen_tables SPEC.json\n");
        return 2;
    }
    json_error_t jerr;
    json_t *spec = json_load_file(argv[1], JSON_ALLOW_NUL, &jerr);
    if (!spec) {
        fprintf(stderr, "pq_gen_tables: %s:%d: %s\n", argv[1], jerr.line, jerr.text);
        return 1;
    }
    int failed = 0;
    json_t *tables = json_object_get(spec, "tables");
    for (size_t i = 0; i < json_array_size(tables); i++)
        failed += write_table(json_array_get(tables, i)) != 0;
    json_decref(spec);
    return failed ? 1 : 0;
}
