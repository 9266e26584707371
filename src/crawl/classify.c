/*
** classify.c: what a crawler makes of a text sample (crawl.h): the
** JSON-lines classifier and the dispatch over a sample (JSON first, then
** CSV, which is in classify_csv.c). JSON values are parsed with jansson,
** one line at a time. Reading the sample (or a Parquet footer) from the
** store is in sample.c.
*/
#include "crawl/crawl_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const format_names[] = {"UNKNOWN", "csv", "json", "parquet"};

const char *tarn_crawl_format_name(tarn_crawl_format f)
{
    return (unsigned)f < 4 ? format_names[f] : "UNKNOWN";
}

void tarn_crawl_class_init(tarn_crawl_class *c)
{
    memset(c, 0, sizeof *c);
    tarn_schema_init(&c->schema);
}

void tarn_crawl_class_free(tarn_crawl_class *c)
{
    tarn_schema_free(&c->schema);
    tarn_crawl_class_init(c);
}

void tarn_crawl_class_copy(tarn_crawl_class *dst, const tarn_crawl_class *src)
{
    *dst = *src;
    tarn_schema_init(&dst->schema);
    tarn_schema_copy(&dst->schema, &src->schema);
}

/* ---- JSON lines ---- */

/* The kind bit of one JSON value (0 for null). */
static unsigned json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_INTEGER: {
        json_int_t i = json_integer_value(v);
        return i >= INT32_MIN && i <= INT32_MAX ? CRAWL_K_INT : CRAWL_K_BIGINT;
    }
    case JSON_REAL: return CRAWL_K_DOUBLE;
    case JSON_TRUE:
    case JSON_FALSE: return CRAWL_K_BOOL;
    case JSON_NULL: return 0;
    default: return CRAWL_K_STRING; /* strings, and nested objects and arrays */
    }
}

/* Columns gathered over the JSON records. */
typedef struct json_cols {
    tarn_schema names;
    crawl_name_map map;
    unsigned *kinds;
    size_t cap;
} json_cols;

/* Fold one object's members into cols; false past the column limit. */
static bool json_add_record(json_cols *c, json_t *obj)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        if (!*key)
            continue;
        char *lk = tarn_xstrdup(key);
        crawl_lower(lk);
        int i = crawl_name_map_get(&c->map, lk, strlen(lk));
        if (i < 0) {
            if (c->names.ncols >= TARN_CRAWL_MAX_COLUMNS) {
                free(lk);
                return false;
            }
            if ((size_t)c->names.ncols == c->cap) {
                c->cap = c->cap ? c->cap * 2 : 16;
                c->kinds = tarn_xrealloc(c->kinds, c->cap * sizeof *c->kinds);
            }
            i = c->names.ncols;
            c->kinds[i] = 0;
            crawl_schema_add_unique(&c->names, &c->map, lk, strlen(lk),
                                    (tarn_type){.id = TARN_TYPE_STRING});
        }
        c->kinds[i] |= json_kind(v);
        free(lk);
    }
    return true;
}

/* Whether line[0..n) holds only blanks. */
static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    return true;
}

/* Walk the sample's lines into cols. Returns false (with out->reason) if a
** complete line is not a JSON object; *records and *bytes count the
** records read and the bytes they span. */
static bool json_scan(const char *data, size_t n, bool truncated, json_cols *cols,
                      int64_t *records, size_t *bytes, tarn_crawl_class *out)
{
    size_t line_no = 0;
    for (const char *p = data, *end = data + n; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line_no++;
        if (!blank(p, (size_t)(le - p))) {
            json_error_t je;
            json_t *obj = json_loadb(p, (size_t)(le - p), 0, &je);
            if (!obj || !json_is_object(obj)) {
                json_decref(obj);
                if (!nl && truncated)
                    break; /* the sample cut the last line short */
                snprintf(out->reason, sizeof out->reason, "not JSON lines: line %zu is not "
                         "a JSON object", line_no);
                return false;
            }
            bool fits = json_add_record(cols, obj);
            json_decref(obj);
            if (!fits) {
                snprintf(out->reason, sizeof out->reason, "JSON with more than %d distinct "
                         "keys", TARN_CRAWL_MAX_COLUMNS);
                return false;
            }
            (*records)++;
            *bytes = (size_t)((nl ? nl + 1 : end) - data);
        }
        p = nl ? nl + 1 : end;
    }
    return true;
}

/* Glue's JSON classifier over a sample of JSON lines. */
static bool classify_json(const char *data, size_t n, bool truncated, tarn_crawl_class *out)
{
    json_cols c = {.cap = 0};
    tarn_schema_init(&c.names);
    crawl_name_map_init(&c.map);
    int64_t records = 0;
    size_t bytes = 0;
    bool ok = json_scan(data, n, truncated, &c, &records, &bytes, out);
    if (ok && records == 0) {
        snprintf(out->reason, sizeof out->reason, "not JSON lines: no complete record in "
                 "the sample");
        ok = false;
    }
    if (ok) {
        for (int i = 0; i < c.names.ncols; i++)
            c.names.fields[i].type = crawl_kinds_type(c.kinds[i] ? c.kinds[i] : CRAWL_K_STRING);
        tarn_schema_free(&out->schema);
        out->schema = c.names;
        tarn_schema_init(&c.names);
        out->format = TARN_CRAWL_JSON;
        out->records = records;
        int64_t avg = (int64_t)(bytes / (size_t)records);
        out->avg_record_size = avg > 0 ? avg : 1;
        out->records_exact = !truncated;
    }
    tarn_schema_free(&c.names);
    crawl_name_map_free(&c.map);
    free(c.kinds);
    return ok;
}

/* ---- text dispatch ---- */

void tarn_crawl_classify_text(const char *data, size_t n, bool truncated, tarn_crawl_class *out)
{
    bool gzip = out->gzip;
    tarn_crawl_class_free(out);
    out->gzip = gzip;
    if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        n -= 3;
    }
    if (memchr(data, '\0', n)) {
        snprintf(out->reason, sizeof out->reason, "binary data (not CSV, JSON or Parquet)");
        return;
    }
    size_t i = 0;
    while (i < n && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    if (i < n && data[i] == '{' && classify_json(data, n, truncated, out))
        return;
    char json_reason[sizeof out->reason];
    snprintf(json_reason, sizeof json_reason, "%s", out->reason);
    if (crawl_classify_csv(data, n, truncated, out))
        return;
    if (json_reason[0] && i < n && data[i] == '{')
        snprintf(out->reason, sizeof out->reason, "%s", json_reason);
    tarn_schema_free(&out->schema);
    tarn_schema_init(&out->schema);
    out->format = TARN_CRAWL_UNKNOWN;
}
