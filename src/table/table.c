/*
** table.c: types, schemas, and column batches (see table.h). Value
** formatting lives in value_format.c.
*/
#include "table/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const type_names[TARN_TYPE_COUNT] = {
    "boolean", "int", "bigint", "double", "decimal", "string", "date", "timestamp"};

const char *tarn_type_name(tarn_type t, char *buf, size_t n)
{
    if (t.id == TARN_TYPE_DECIMAL)
        snprintf(buf, n, "decimal(%u,%u)", t.precision, t.scale);
    else
        snprintf(buf, n, "%s", (unsigned)t.id < TARN_TYPE_COUNT ? type_names[t.id] : "?");
    return buf;
}

/* Parse "decimal(p,s)" or "decimal(p)" after the word. */
static int parse_decimal_args(const char *s, tarn_type *out, tarn_error *err)
{
    unsigned p = 10, sc = 0;
    if (*s == '\0') {
        out->precision = (uint8_t)p;
        out->scale = 0;
        return TARN_OK;
    }
    int used = 0;
    if (sscanf(s, " ( %u , %u ) %n", &p, &sc, &used) != 2 || s[used] != '\0') {
        used = 0;
        sc = 0;
        if (sscanf(s, " ( %u ) %n", &p, &used) != 1 || s[used] != '\0')
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "bad decimal type 'decimal%s': expected decimal(p,s)", s);
    }
    if (p < 1 || p > TARN_DECIMAL_MAX_PRECISION || sc > p)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "bad decimal type 'decimal%s': precision must be 1..38 and scale 0..precision", s);
    out->precision = (uint8_t)p;
    out->scale = (uint8_t)sc;
    return TARN_OK;
}

int tarn_type_parse(const char *s, tarn_type *out, tarn_error *err)
{
    static const struct { const char *name; tarn_type_id id; } names[] = {
        {"boolean", TARN_TYPE_BOOLEAN}, {"bool", TARN_TYPE_BOOLEAN},
        {"int", TARN_TYPE_INT}, {"integer", TARN_TYPE_INT}, {"int32", TARN_TYPE_INT},
        {"bigint", TARN_TYPE_BIGINT}, {"long", TARN_TYPE_BIGINT}, {"int64", TARN_TYPE_BIGINT},
        {"double", TARN_TYPE_DOUBLE}, {"float", TARN_TYPE_DOUBLE},
        {"string", TARN_TYPE_STRING}, {"varchar", TARN_TYPE_STRING},
        {"date", TARN_TYPE_DATE}, {"timestamp", TARN_TYPE_TIMESTAMP},
    };
    memset(out, 0, sizeof *out);
    if (strncasecmp(s, "decimal", 7) == 0) {
        out->id = TARN_TYPE_DECIMAL;
        return parse_decimal_args(s + 7, out, err);
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            out->id = names[i].id;
            return TARN_OK;
        }
    }
    return tarn_error_set(err, TARN_ERR_INVALID,
                          "unknown type '%s': expected one of boolean, int, bigint, double, "
                          "decimal(p,s), string, date, timestamp", s);
}

size_t tarn_type_width(tarn_type_id id)
{
    switch (id) {
    case TARN_TYPE_BOOLEAN: return 1;
    case TARN_TYPE_INT: case TARN_TYPE_DATE: return 4;
    case TARN_TYPE_BIGINT: case TARN_TYPE_DOUBLE: case TARN_TYPE_TIMESTAMP: return 8;
    case TARN_TYPE_DECIMAL: return 16;
    default: return 0;
    }
}

void tarn_schema_init(tarn_schema *s)
{
    s->ncols = 0;
    s->fields = NULL;
}

void tarn_schema_free(tarn_schema *s)
{
    for (int i = 0; i < s->ncols; i++)
        free(s->fields[i].name);
    free(s->fields);
    tarn_schema_init(s);
}

void tarn_schema_add(tarn_schema *s, const char *name, tarn_type type)
{
    s->fields = tarn_xrealloc(s->fields, sizeof(tarn_field) * (size_t)(s->ncols + 1));
    s->fields[s->ncols].name = tarn_xstrdup(name);
    s->fields[s->ncols].type = type;
    s->ncols++;
}

void tarn_schema_copy(tarn_schema *dst, const tarn_schema *src)
{
    tarn_schema_init(dst);
    for (int i = 0; i < src->ncols; i++)
        tarn_schema_add(dst, src->fields[i].name, src->fields[i].type);
}

int tarn_schema_find(const tarn_schema *s, const char *name)
{
    for (int i = 0; i < s->ncols; i++)
        if (strcmp(s->fields[i].name, name) == 0)
            return i;
    return -1;
}

void tarn_column_init(tarn_column *c, tarn_type type, int64_t capacity)
{
    memset(c, 0, sizeof *c);
    c->type = type;
    tarn_column_reserve(c, capacity > 0 ? capacity : 1024);
}

void tarn_column_free(tarn_column *c)
{
    free(c->validity);
    free(c->values);
    free(c->offsets);
    free(c->data);
    memset(c, 0, sizeof *c);
}

void tarn_column_reset(tarn_column *c)
{
    c->length = 0;
    c->null_count = 0;
    c->data_len = 0;
    if (c->offsets)
        c->offsets[0] = 0;
}

void tarn_column_reserve(tarn_column *c, int64_t rows)
{
    if (rows <= c->capacity)
        return;
    int64_t cap = c->capacity ? c->capacity : 1024;
    while (cap < rows)
        cap *= 2;
    size_t vbytes = (size_t)cap / 8 + 1;
    c->validity = tarn_xrealloc(c->validity, vbytes);
    if (c->type.id == TARN_TYPE_STRING) {
        bool fresh = c->offsets == NULL;
        c->offsets = tarn_xrealloc(c->offsets, sizeof(int64_t) * (size_t)(cap + 1));
        if (fresh)
            c->offsets[0] = 0;
        if (!c->data) { /* never NULL, so data + offset is always defined */
            c->data_cap = 64;
            c->data = tarn_xmalloc(c->data_cap);
        }
    } else {
        c->values = tarn_xrealloc(c->values, tarn_type_width(c->type.id) * (size_t)cap);
    }
    c->capacity = cap;
}

void tarn_batch_init(tarn_batch *b, const tarn_schema *s, int64_t capacity)
{
    b->ncols = s->ncols;
    b->nrows = 0;
    b->cols = tarn_xcalloc((size_t)(s->ncols ? s->ncols : 1), sizeof(tarn_column));
    for (int i = 0; i < s->ncols; i++)
        tarn_column_init(&b->cols[i], s->fields[i].type, capacity);
}

void tarn_batch_reset(tarn_batch *b)
{
    b->nrows = 0;
    for (int i = 0; i < b->ncols; i++)
        tarn_column_reset(&b->cols[i]);
}

void tarn_batch_free(tarn_batch *b)
{
    for (int i = 0; i < b->ncols; i++)
        tarn_column_free(&b->cols[i]);
    free(b->cols);
    memset(b, 0, sizeof *b);
}

/* Mark the next slot valid or not and advance length. */
static inline void column_push_validity(tarn_column *c, bool valid)
{
    if (c->length >= c->capacity)
        tarn_column_reserve(c, c->length + 1);
    int64_t i = c->length;
    uint8_t bit = (uint8_t)(1u << (i & 7));
    if (valid)
        c->validity[i >> 3] |= bit;
    else {
        c->validity[i >> 3] &= (uint8_t)~bit;
        c->null_count++;
    }
}

#define DEFINE_FIXED_APPEND(fn, ctype)                       \
    void fn(tarn_column *c, ctype v)                         \
    {                                                        \
        column_push_validity(c, true);                       \
        ((ctype *)c->values)[c->length++] = v;               \
    }

DEFINE_FIXED_APPEND(tarn_column_append_i32, int32_t)
DEFINE_FIXED_APPEND(tarn_column_append_i64, int64_t)
DEFINE_FIXED_APPEND(tarn_column_append_double, double)
DEFINE_FIXED_APPEND(tarn_column_append_i128, __int128)

void tarn_column_append_bool(tarn_column *c, bool v)
{
    column_push_validity(c, true);
    ((uint8_t *)c->values)[c->length++] = v ? 1 : 0;
}

void tarn_column_append_str(tarn_column *c, const char *s, size_t n)
{
    column_push_validity(c, true);
    if (c->data_len + n > c->data_cap) {
        size_t cap = c->data_cap ? c->data_cap : 4096;
        while (cap < c->data_len + n)
            cap *= 2;
        c->data = tarn_xrealloc(c->data, cap);
        c->data_cap = cap;
    }
    if (n)
        memcpy(c->data + c->data_len, s, n);
    c->data_len += n;
    c->offsets[++c->length] = (int64_t)c->data_len;
}

void tarn_column_append_null(tarn_column *c)
{
    column_push_validity(c, false);
    if (c->type.id == TARN_TYPE_STRING) {
        c->offsets[c->length + 1] = (int64_t)c->data_len;
    } else {
        size_t w = tarn_type_width(c->type.id);
        memset((char *)c->values + (size_t)c->length * w, 0, w);
    }
    c->length++;
}
