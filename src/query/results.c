/*
** results.c: a statement's result file as Athena writes it
** (AWS-SEMANTICS.md "Athena"): <id>.csv for queries (a header, every
** non-NULL value and every name in double quotes with '"' doubled, NULL an
** empty unquoted field, "\n" line ends, UTF-8 without BOM), <id>.txt for
** DDL and utility statements (tab-separated, no header), and beside each a
** .metadata file in tarn's JSON (column names, Athena types, row count).
** Rows go to a staging file first and are published atomically through
** the store when the statement succeeds; a failed or cancelled statement
** leaves nothing.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "query/engine_int.h"

int qresult_begin(qresult *r, tarn_store *st, bool text, const tarn_query_sink *sink,
                  tarn_error *err)
{
    memset(r, 0, sizeof *r);
    r->text = text;
    r->sink = sink;
    int rc = tarn_object_staging_path(st, text ? "result.txt" : "result.csv", &r->staging, err);
    if (rc)
        return rc;
    r->f = fopen(r->staging, "wb");
    if (!r->f) {
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "query result: creating '%s'",
                              r->staging);
        free(r->staging);
        r->staging = NULL;
        return rc;
    }
    return TARN_OK;
}

/* Write one CSV field: quoted with '"' doubled. */
static void put_quoted(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

static int write_check(qresult *r, tarn_error *err)
{
    if (ferror(r->f))
        return tarn_error_errno(err, TARN_ERR_IO, errno, "query result: writing '%s'",
                                r->staging);
    return TARN_OK;
}

int qresult_columns(qresult *r, size_t n, const char *const *names, const char *const *types,
                    tarn_error *err)
{
    if (r->columns_sent)
        return tarn_error_set(err, TARN_ERR_INTERNAL, "query result: columns declared twice");
    r->ncols = n;
    r->names = tarn_xcalloc(n ? n : 1, sizeof *r->names);
    r->types = tarn_xcalloc(n ? n : 1, sizeof *r->types);
    for (size_t i = 0; i < n; i++) {
        r->names[i] = tarn_xstrdup(names[i] ? names[i] : "");
        r->types[i] = tarn_xstrdup(qresult_athena_type(types ? types[i] : NULL));
    }
    r->columns_sent = true;
    if (!r->text && n > 0) {
        for (size_t i = 0; i < n; i++) {
            if (i)
                fputc(',', r->f);
            put_quoted(r->f, r->names[i], strlen(r->names[i]));
        }
        fputc('\n', r->f);
    }
    int rc = write_check(r, err);
    if (!rc && r->sink && r->sink->columns)
        rc = r->sink->columns(r->sink->ud, n, (const char *const *)r->names,
                              (const char *const *)r->types, err);
    return rc;
}

int qresult_row(qresult *r, const char *const *vals, const size_t *lens, tarn_error *err)
{
    for (size_t i = 0; i < r->ncols; i++) {
        if (i)
            fputc(r->text ? '\t' : ',', r->f);
        if (!vals[i])
            continue;
        if (r->text)
            fwrite(vals[i], 1, lens[i], r->f);
        else
            put_quoted(r->f, vals[i], lens[i]);
    }
    fputc('\n', r->f);
    r->rows++;
    int rc = write_check(r, err);
    if (!rc && r->sink && r->sink->row)
        rc = r->sink->row(r->sink->ud, r->ncols, vals, lens, err);
    return rc;
}

int qresult_row_strs(qresult *r, const char *const *vals, tarn_error *err)
{
    size_t lens[16];
    if (r->ncols > 16)
        return tarn_error_set(err, TARN_ERR_INTERNAL, "query result: too many columns");
    for (size_t i = 0; i < r->ncols; i++)
        lens[i] = vals[i] ? strlen(vals[i]) : 0;
    return qresult_row(r, vals, lens, err);
}

int qresult_one_column(qresult *r, const char *name, tarn_error *err)
{
    const char *names[1] = {name}, *types[1] = {"varchar"};
    return qresult_columns(r, 1, names, types, err);
}

int qresult_row1(qresult *r, const char *v, tarn_error *err)
{
    size_t n = v ? strlen(v) : 0;
    return qresult_row(r, &v, &n, err);
}

const char *qresult_athena_type(const char *decl)
{
    static const struct {
        const char *catalog, *athena;
    } map[] = {{"string", "varchar"}, {"int", "integer"}, {"text", "varchar"},
               {"real", "double"},    {"float", "real"},  {"blob", "varbinary"}};
    if (!decl || !*decl)
        return "varchar";
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(decl, map[i].catalog) == 0)
            return map[i].athena;
    return decl;
}

/* The metadata JSON text (caller frees). */
static char *metadata_json(const qresult *r, const char *statement_type)
{
    json_t *cols = json_array();
    for (size_t i = 0; i < r->ncols; i++)
        json_array_append_new(cols, json_pack("{s:s, s:s}", "name", r->names[i], "type",
                                              r->types[i]));
    json_t *root = json_pack("{s:s, s:I, s:o}", "statement_type", statement_type, "row_count",
                             (json_int_t)r->rows, "columns", cols);
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    return s;
}

/* Close the staging file with its data on disk. */
static int staging_finish(qresult *r, tarn_error *err)
{
    int rc = write_check(r, err);
    if (!rc && (fflush(r->f) != 0 || fsync(fileno(r->f)) != 0))
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "query result: writing '%s'",
                              r->staging);
    if (fclose(r->f) != 0 && !rc)
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "query result: closing '%s'",
                              r->staging);
    r->f = NULL;
    return rc;
}

int qresult_publish(qresult *r, tarn_store *st, const char *output_location, const char *id,
                    const char *statement_type, char **location, tarn_error *err)
{
    tarn_uri u;
    int rc = staging_finish(r, err);
    if (!rc)
        rc = tarn_uri_parse(output_location, &u, err);
    if (rc)
        return rc;
    size_t kl = strlen(u.key);
    char *key = tarn_xasprintf("%s%s%s.%s", u.key, kl && u.key[kl - 1] != '/' ? "/" : "", id,
                               r->text ? "txt" : "csv");
    char *meta_key = tarn_xasprintf("%s.metadata", key);
    char *meta = metadata_json(r, statement_type);
    rc = tarn_object_put_move(st, u.bucket, key, r->staging, err);
    if (!rc) {
        free(r->staging);
        r->staging = NULL;
        rc = tarn_object_put(st, u.bucket, meta_key, meta, strlen(meta), err);
    }
    if (!rc)
        *location = tarn_xasprintf("s3://%s/%s", u.bucket, key);
    free(meta);
    free(meta_key);
    free(key);
    return rc;
}

void qresult_free(qresult *r)
{
    if (r->f)
        fclose(r->f);
    if (r->staging)
        unlink(r->staging);
    free(r->staging);
    for (size_t i = 0; i < r->ncols && r->names; i++) {
        free(r->names[i]);
        free(r->types[i]);
    }
    free(r->names);
    free(r->types);
    memset(r, 0, sizeof *r);
}
