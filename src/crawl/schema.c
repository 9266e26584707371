/*
** schema.c: the schema side of a crawl (crawl_int.h): widening one
** column's type when files disagree, merging the schemas of many files into
** a table's, the similarity of two schemas that grouping compares, and the
** small name -> index map these use so wide files cost no quadratic time.
** Classifying files is in classify*.c; grouping them in group.c.
*/
#include "crawl/crawl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- name map ---- */

void crawl_name_map_init(crawl_name_map *m)
{
    memset(m, 0, sizeof *m);
}

void crawl_name_map_free(crawl_name_map *m)
{
    free(m->names);
    free(m->idx);
    memset(m, 0, sizeof *m);
}

/* The slot of name in m: where it is, or the empty slot where it would go. */
static size_t map_slot(const crawl_name_map *m, const char *name, size_t n)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)tarn_hash64(name, n, 0x6372617731ULL) & mask;
    while (m->names[i] && !(strlen(m->names[i]) == n && memcmp(m->names[i], name, n) == 0))
        i = (i + 1) & mask;
    return i;
}

/* Double the table (or make the first one). */
static void map_grow(crawl_name_map *m)
{
    crawl_name_map old = *m;
    m->cap = old.cap ? old.cap * 2 : 16;
    m->names = tarn_xcalloc(m->cap, sizeof *m->names);
    m->idx = tarn_xcalloc(m->cap, sizeof *m->idx);
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.names[i])
            continue;
        size_t s = map_slot(m, old.names[i], strlen(old.names[i]));
        m->names[s] = old.names[i];
        m->idx[s] = old.idx[i];
    }
    free(old.names);
    free(old.idx);
}

int crawl_name_map_get(const crawl_name_map *m, const char *name, size_t n)
{
    if (!m->cap)
        return -1;
    size_t s = map_slot(m, name, n);
    return m->names[s] ? m->idx[s] : -1;
}

void crawl_name_map_put(crawl_name_map *m, const char *name, int idx)
{
    if ((m->count + 1) * 2 > m->cap)
        map_grow(m);
    size_t s = map_slot(m, name, strlen(name));
    if (!m->names[s])
        m->count++;
    m->names[s] = name;
    m->idx[s] = idx;
}

void crawl_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* Index every column name of s into m (after s->fields moved, the old
** pointers are stale, so the map is rebuilt from scratch). */
static void map_rebuild(crawl_name_map *m, const tarn_schema *s)
{
    crawl_name_map_free(m);
    for (int i = 0; i < s->ncols; i++)
        crawl_name_map_put(m, s->fields[i].name, i);
}

void crawl_schema_add_unique(tarn_schema *s, crawl_name_map *map, const char *name, size_t n,
                             tarn_type type)
{
    if (n > TARN_CATALOG_NAME_MAX - 8)
        n = TARN_CATALOG_NAME_MAX - 8; /* room for a "_<index>" suffix */
    char *nm = n ? tarn_xstrndup(name, n) : tarn_xasprintf("col%d", s->ncols);
    for (char *c = nm; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '_'; /* the catalog refuses control characters in names */
    crawl_lower(nm);
    if (crawl_name_map_get(map, nm, strlen(nm)) >= 0) {
        char *alt = tarn_xasprintf("%s_%d", nm, s->ncols);
        free(nm);
        nm = alt;
        for (int k = 2; crawl_name_map_get(map, nm, strlen(nm)) >= 0; k++) {
            free(nm);
            nm = tarn_xasprintf("col%d_%d", s->ncols, k);
        }
    }
    tarn_field *old = s->fields;
    tarn_schema_add(s, nm, type);
    free(nm);
    if (s->fields != old)
        map_rebuild(map, s);
    else
        crawl_name_map_put(map, s->fields[s->ncols - 1].name, s->ncols - 1);
}

/* ---- types ---- */

/* Integer digits a type needs when it meets a decimal. */
static int int_digits(tarn_type t)
{
    switch (t.id) {
    case TARN_TYPE_INT: return 10;
    case TARN_TYPE_BIGINT: return 19;
    case TARN_TYPE_DECIMAL: return t.precision - t.scale;
    default: return -1;
    }
}

/* Widen a decimal and another numeric type (int, bigint or decimal). */
static tarn_type widen_decimal(tarn_type a, tarn_type b)
{
    int scale = a.id == TARN_TYPE_DECIMAL ? a.scale : 0;
    if (b.id == TARN_TYPE_DECIMAL && b.scale > scale)
        scale = b.scale;
    int ia = int_digits(a), ib = int_digits(b);
    int digits = (ia > ib ? ia : ib) + scale;
    if (digits > TARN_DECIMAL_MAX_PRECISION)
        return (tarn_type){.id = TARN_TYPE_DOUBLE};
    return (tarn_type){.id = TARN_TYPE_DECIMAL, .precision = (uint8_t)digits,
                       .scale = (uint8_t)scale};
}

static bool is_integer(tarn_type_id t)
{
    return t == TARN_TYPE_INT || t == TARN_TYPE_BIGINT;
}

tarn_type crawl_type_widen(tarn_type a, tarn_type b)
{
    tarn_type str = {.id = TARN_TYPE_STRING};
    if (a.id == b.id && a.id != TARN_TYPE_DECIMAL)
        return a;
    if (a.id == TARN_TYPE_DECIMAL || b.id == TARN_TYPE_DECIMAL) {
        tarn_type d = a.id == TARN_TYPE_DECIMAL ? a : b, o = a.id == TARN_TYPE_DECIMAL ? b : a;
        if (o.id == TARN_TYPE_DOUBLE)
            return o;
        return is_integer(o.id) || o.id == TARN_TYPE_DECIMAL ? widen_decimal(d, o) : str;
    }
    bool an = is_integer(a.id) || a.id == TARN_TYPE_DOUBLE;
    bool bn = is_integer(b.id) || b.id == TARN_TYPE_DOUBLE;
    if (an && bn)
        return a.id > b.id ? a : b; /* INT < BIGINT < DOUBLE in the enum */
    if ((a.id == TARN_TYPE_DATE && b.id == TARN_TYPE_TIMESTAMP) ||
        (a.id == TARN_TYPE_TIMESTAMP && b.id == TARN_TYPE_DATE))
        return (tarn_type){.id = TARN_TYPE_TIMESTAMP};
    return str;
}

void crawl_schema_merge(tarn_schema *dst, const tarn_schema *src)
{
    crawl_name_map m;
    crawl_name_map_init(&m);
    map_rebuild(&m, dst);
    for (int i = 0; i < src->ncols; i++) {
        const tarn_field *f = &src->fields[i];
        int j = crawl_name_map_get(&m, f->name, strlen(f->name));
        if (j >= 0) {
            dst->fields[j].type = crawl_type_widen(dst->fields[j].type, f->type);
            continue;
        }
        tarn_field *old = dst->fields;
        tarn_schema_add(dst, f->name, f->type);
        if (dst->fields != old)
            map_rebuild(&m, dst);
        else
            crawl_name_map_put(&m, dst->fields[dst->ncols - 1].name, dst->ncols - 1);
    }
    crawl_name_map_free(&m);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The sorted, unique hashes of s's column names into h; returns the count. */
static size_t name_hashes(const tarn_schema *s, uint64_t *h)
{
    for (int i = 0; i < s->ncols; i++)
        h[i] = tarn_hash64(s->fields[i].name, strlen(s->fields[i].name), 0x73696dULL);
    qsort(h, (size_t)s->ncols, sizeof *h, cmp_u64);
    size_t n = 0;
    for (int i = 0; i < s->ncols; i++)
        if (n == 0 || h[n - 1] != h[i])
            h[n++] = h[i];
    return n;
}

double crawl_schema_similarity(const tarn_schema *a, const tarn_schema *b)
{
    if (a->ncols == 0 && b->ncols == 0)
        return 1.0;
    uint64_t *ha = tarn_xcalloc((size_t)a->ncols + 1, sizeof *ha);
    uint64_t *hb = tarn_xcalloc((size_t)b->ncols + 1, sizeof *hb);
    size_t na = name_hashes(a, ha), nb = name_hashes(b, hb);
    size_t i = 0, j = 0, common = 0;
    while (i < na && j < nb) {
        if (ha[i] == hb[j]) {
            common++;
            i++;
            j++;
        } else if (ha[i] < hb[j]) {
            i++;
        } else {
            j++;
        }
    }
    free(ha);
    free(hb);
    return (double)common / (double)(na + nb - common);
}
