/*
** functions_json.c: Trino's JSON functions over JSON text (jansson):
** json_extract_scalar(json, path) gives a scalar as text (NULL for an
** object, an array, JSON null, a missing path or malformed JSON),
** json_extract(json, path) the JSON text of what the path names (this
** replaces SQLite's json_extract, which returns SQL values), and
** json_size(json, path) the number of members or elements. Paths are the
** simple JSONPath Trino documents: $, .name, ["name"], [index].
*/
#include "query/dialect_int.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Follow path from root; *bad set when the path itself is malformed. */
static json_t *follow(json_t *root, const char *path, bool *bad)
{
    const char *p = path;
    json_t *cur = root;
    *bad = false;
    if (*p++ != '$')
        return *bad = true, NULL;
    while (*p && cur) {
        char key[256];
        size_t k = 0;
        if (*p == '.') {
            for (p++; *p && *p != '.' && *p != '['; p++)
                if (k + 1 < sizeof key)
                    key[k++] = *p;
            if (k == 0)
                return *bad = true, NULL;
            key[k] = '\0';
            cur = json_is_object(cur) ? json_object_get(cur, key) : NULL;
        } else if (*p == '[' && p[1] == '"') {
            for (p += 2; *p && *p != '"'; p++)
                if (k + 1 < sizeof key)
                    key[k++] = *p;
            if (p[0] != '"' || p[1] != ']')
                return *bad = true, NULL;
            key[k] = '\0';
            p += 2;
            cur = json_is_object(cur) ? json_object_get(cur, key) : NULL;
        } else if (*p == '[' && isdigit((unsigned char)p[1])) {
            char *end;
            unsigned long idx = strtoul(p + 1, &end, 10);
            if (*end != ']')
                return *bad = true, NULL;
            p = end + 1;
            cur = json_is_array(cur) ? json_array_get(cur, idx) : NULL;
        } else {
            return *bad = true, NULL;
        }
    }
    return cur;
}

/* Parse argument 0 and follow argument 1; NULL (with the result set to
** NULL or an error) when there is nothing to give. *root gets the
** document to json_decref. */
static json_t *lookup(sqlite3_context *ctx, sqlite3_value **argv, json_t **root)
{
    const char *doc = (const char *)sqlite3_value_text(argv[0]);
    const char *path = (const char *)sqlite3_value_text(argv[1]);
    *root = NULL;
    if (!doc || !path)
        return NULL;
    *root = json_loads(doc, JSON_DECODE_ANY, NULL);
    bool bad;
    json_t *hit = follow(*root, path, &bad);
    if (bad)
        tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT", "Invalid JSON path: '%.200s'", path);
    return bad ? NULL : hit;
}

static void fn_json_extract_scalar(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    json_t *root, *v = lookup(ctx, argv, &root);
    char buf[64];
    if (json_is_string(v)) {
        sqlite3_result_text(ctx, json_string_value(v), (int)json_string_length(v), SQLITE_TRANSIENT);
    } else if (json_is_integer(v)) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
    } else if (json_is_real(v)) {
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, json_real_value(v));
            if (strtod(buf, NULL) == json_real_value(v))
                break;
        }
        sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
    } else if (json_is_boolean(v)) {
        sqlite3_result_text(ctx, json_is_true(v) ? "true" : "false", -1, SQLITE_STATIC);
    }
    json_decref(root);
}

static void fn_json_extract(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    json_t *root, *v = lookup(ctx, argv, &root);
    if (v) {
        char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (text)
            sqlite3_result_text(ctx, text, -1, SQLITE_TRANSIENT);
        free(text);
    }
    json_decref(root);
}

static void fn_json_size(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    json_t *root, *v = lookup(ctx, argv, &root);
    if (v)
        sqlite3_result_int64(ctx, json_is_object(v) ? (int64_t)json_object_size(v)
                                  : json_is_array(v) ? (int64_t)json_array_size(v) : 0);
    json_decref(root);
}

int tarn_qfunc_register_json(sqlite3 *db)
{
    static const tarn_qfunc_def defs[] = {
        {"json_extract_scalar", 2, fn_json_extract_scalar, NULL},
        {"json_extract", 2, fn_json_extract, NULL},
        {"json_size", 2, fn_json_size, NULL},
    };
    return tarn_qfunc_register_table(db, defs, sizeof defs / sizeof defs[0], false);
}
