/*
** prune.c: which objects a scan reads. For a partitioned table: the
** catalog's partitions, each kept or skipped by the constraints on the
** partition keys (before any object is opened), then the objects under
** each kept partition's location (kept partitions sorted by their keys
** when the plan consumed an order); otherwise every object under the
** table location. Names (files or folders) starting with '_' or '.', empty
** objects and "..._$folder$" markers are not data, as Hive and Athena
** treat them.
*/
#include "query/scan_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HIVE_DEFAULT "__HIVE_DEFAULT_PARTITION__"

/* A partition value (catalog text) as SQLite sees it for a key of type t. */
static void key_value(const char *s, tarn_type t, qs_val *v)
{
    memset(v, 0, sizeof *v);
    if (!s || strcmp(s, HIVE_DEFAULT) == 0) {
        v->type = SQLITE_NULL;
        return;
    }
    char *end;
    v->type = SQLITE_TEXT;
    v->s = s;
    v->n = strlen(s);
    switch (t.id) {
    case TARN_TYPE_INT:
    case TARN_TYPE_BIGINT: {
        long long x = strtoll(s, &end, 10);
        if (*s && !*end) {
            v->type = SQLITE_INTEGER;
            v->i = x;
        }
        break;
    }
    case TARN_TYPE_BOOLEAN:
        if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0) {
            v->type = SQLITE_INTEGER;
            v->i = strcasecmp(s, "true") == 0;
        }
        break;
    case TARN_TYPE_DOUBLE:
    case TARN_TYPE_DECIMAL: {
        double d = strtod(s, &end);
        if (*s && !*end) {
            v->type = SQLITE_FLOAT;
            v->d = d;
        }
        break;
    }
    default:
        break;
    }
}

/* Bit of cmp (-1, 0, 1) each operator accepts. */
static bool op_accepts(int op, int cmp)
{
    switch (op) {
    case QS_EQ: return cmp == 0;
    case QS_NE: return cmp != 0;
    case QS_LT: return cmp < 0;
    case QS_LE: return cmp <= 0;
    case QS_GT: return cmp > 0;
    case QS_GE: return cmp >= 0;
    default: return false;
    }
}

bool qs_term_accepts(const qs_term *t, const qs_val *v)
{
    if (t->op == QS_ISNULL)
        return v->type == SQLITE_NULL;
    if (t->op == QS_NOTNULL)
        return v->type != SQLITE_NULL;
    if (v->type == SQLITE_NULL)
        return false;
    if (t->op == QS_IN && t->set_slots) {
        qs_key k;
        qs_key_normalize(v, &k);
        for (size_t h = (size_t)qs_key_hash(&k) & t->set_mask; t->set_slots[h] >= 0;
             h = (h + 1) & t->set_mask)
            if (qs_val_cmp(v, &t->set[t->set_slots[h]]) == 0)
                return true;
        return false;
    }
    if (t->op == QS_IN) {
        for (int i = 0; i < t->nset; i++)
            if (t->set[i].type != SQLITE_NULL && qs_val_cmp(v, &t->set[i]) == 0)
                return true;
        return false;
    }
    return t->v.type != SQLITE_NULL && op_accepts(t->op, qs_val_cmp(v, &t->v));
}

void qs_term_hash_set(qs_term *t)
{
    if (t->nset <= 8)
        return;
    t->set_slots = qs_slots_new(t->nset, &t->set_mask);
    for (int i = 0; i < t->nset; i++) {
        if (t->set[i].type == SQLITE_NULL)
            continue;
        qs_key k;
        qs_key_normalize(&t->set[i], &k);
        size_t h = (size_t)qs_key_hash(&k) & t->set_mask;
        while (t->set_slots[h] >= 0)
            h = (h + 1) & t->set_mask;
        t->set_slots[h] = i;
    }
}

/* "country = 'France'" for EXPLAIN. */
void qs_term_text(const qs_table *q, const qs_term *t, char *buf, size_t n)
{
    static const char *ops[] = {"=", "<>", "<", "<=", ">", ">=", "IS NULL", "IS NOT NULL", "IN", "="};
    const char *name = t->col < q->ncols ? q->t.columns[t->col].name
                                         : q->t.partition_keys[t->col - q->ncols].name;
    const qs_val *v = t->op == QS_IN ? (t->nset ? &t->set[0] : NULL) : &t->v;
    if (t->op == QS_ISNULL || t->op == QS_NOTNULL || !v)
        snprintf(buf, n, "%s %s", name, ops[t->op]);
    else if (v->type == SQLITE_TEXT)
        snprintf(buf, n, "%s %s %s'%.*s'%s", name, ops[t->op], t->op == QS_IN ? "(" : "",
                 (int)(v->n > 64 ? 64 : v->n), v->s, t->op == QS_IN ? (t->nset > 1 ? ", ...)" : ")") : "");
    else if (v->type == SQLITE_INTEGER)
        snprintf(buf, n, "%s %s %s%lld%s", name, ops[t->op], t->op == QS_IN ? "(" : "",
                 (long long)v->i, t->op == QS_IN ? (t->nset > 1 ? ", ...)" : ")") : "");
    else
        snprintf(buf, n, "%s %s %s%g%s", name, ops[t->op], t->op == QS_IN ? "(" : "",
                 v->type == SQLITE_FLOAT ? v->d : 0.0, t->op == QS_IN ? (t->nset > 1 ? ", ...)" : ")") : "");
}

/* "k1=v1/k2=v2" of partition values. */
static void part_name(const qs_table *q, const tarn_cat_partition *p, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = 0;
    for (size_t k = 0; k < p->nvalues && k < (size_t)q->nkeys && o < n; k++)
        o += (size_t)snprintf(buf + o, n - o, "%s%s=%s", k ? "/" : "", q->t.partition_keys[k].name,
                              p->values[k] ? p->values[k] : "");
}

/* ---- listing ---- */

typedef struct list_ud {
    qs_cursor *c;
    const char *bucket;
    size_t prefix_len;
    int part;
} list_ud;

static int list_one(void *ud, const tarn_object_info *obj, const char *common_prefix)
{
    list_ud *l = ud;
    if (!obj || common_prefix)
        return 0;
    size_t kl = strlen(obj->key);
    static const char folder_marker[] = "_$folder$";
    size_t ml = sizeof folder_marker - 1;
    if (obj->size == 0 || kl <= l->prefix_len || obj->key[kl - 1] == '/' ||
        tarn_key_hidden(obj->key + l->prefix_len) ||
        (kl >= ml && strcmp(obj->key + kl - ml, folder_marker) == 0))
        return 0;
    qs_cursor *c = l->c;
    if ((c->nobjs & (c->nobjs + 1)) == 0 || c->nobjs == 0)
        c->objs = tarn_xrealloc(c->objs, (c->nobjs * 2 + 2) * sizeof *c->objs);
    qs_object *o = &c->objs[c->nobjs++];
    memset(o, 0, sizeof *o);
    snprintf(o->bucket, sizeof o->bucket, "%s", l->bucket);
    o->key = tarn_xstrdup(obj->key);
    o->size = obj->size;
    o->part = l->part;
    o->id = qs_object_id(c->tab, l->bucket, obj->key);
    return 0;
}

/* Add every data object under location (a folder) to c's list. */
static int list_location(qs_cursor *c, const char *location, int part, tarn_error *err)
{
    tarn_uri u;
    int rc = tarn_uri_parse(location, &u, err);
    if (rc)
        return rc;
    size_t kl = strlen(u.key);
    if (kl > 0 && u.key[kl - 1] != '/' && kl < TARN_KEY_MAX) {
        u.key[kl++] = '/';
        u.key[kl] = 0;
    }
    list_ud l = {c, u.bucket, kl, part};
    tarn_list_request req = {.prefix = u.key};
    size_t before = c->nobjs;
    rc = tarn_object_list_all(c->tab->ctx->store, u.bucket, &req, list_one, &l, err);
    if (rc == TARN_ERR_NOTFOUND)
        return tarn_error_set(err, rc, "%s: %s (the table's bucket is missing; create it or "
                              "fix the table's LOCATION)", location, err->msg);
    if (rc == TARN_OK && c->nobjs == before)
        return tarn_error_set(err, TARN_ERR_NOTFOUND,
                              "HIVE_FILE_NOT_FOUND: s3://%s/%s: no objects (the table's data "
                              "was deleted or moved; run the crawler or MSCK REPAIR TABLE)",
                              u.bucket, u.key);
    return rc;
}

/* Keep partition p (index k among the kept ones) and list its objects. */
static int keep_partition(qs_cursor *c, const tarn_cat_partition *p, const qs_val *vals,
                          tarn_error *err)
{
    qs_table *q = c->tab;
    int k = c->npart++;
    size_t nk = (size_t)q->nkeys;
    c->pvals = tarn_xrealloc(c->pvals, (size_t)c->npart * nk * sizeof *c->pvals);
    c->pstr = tarn_xrealloc(c->pstr, (size_t)c->npart * nk * sizeof *c->pstr);
    for (size_t i = 0; i < nk; i++) {
        char *s = vals[i].type == SQLITE_TEXT ? tarn_xstrndup(vals[i].s, vals[i].n) : NULL;
        c->pstr[(size_t)k * nk + i] = s;
        c->pvals[(size_t)k * nk + i] = vals[i];
        c->pvals[(size_t)k * nk + i].s = s;
    }
    if (p->location)
        return list_location(c, p->location, k, err);
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_buf_appendf(&b, "%s", q->t.location);
    if (b.len && b.data[b.len - 1] != '/')
        tarn_buf_putc(&b, '/');
    for (size_t i = 0; i < nk && i < p->nvalues; i++)
        tarn_buf_appendf(&b, "%s=%s/", q->t.partition_keys[i].name, p->values[i]);
    int rc = list_location(c, b.data, k, err);
    tarn_buf_free(&b);
    return rc;
}

/* Index of the first key term that rejects vals, or -1. */
static int rejecting_term(const qs_table *q, const qs_term *kt, int n, const qs_val *vals)
{
    for (int i = 0; i < n; i++)
        if (!qs_term_accepts(&kt[i], &vals[kt[i].col - q->ncols]))
            return i;
    return -1;
}

/* A kept partition, for sorting by its key values. */
typedef struct kept_part {
    size_t i;                   /* index in the catalog's list */
    const qs_val *vals;         /* its key values */
    int nkeys, dir;             /* keys compared, 1 ascending / -1 descending */
} kept_part;

/* SQLite's order of two partitions' first nkeys values (NULL first). */
static int kept_cmp(const void *pa, const void *pb)
{
    const kept_part *a = pa, *b = pb;
    for (int k = 0; k < a->nkeys; k++) {
        const qs_val *x = &a->vals[k], *y = &b->vals[k];
        bool xn = x->type == SQLITE_NULL, yn = y->type == SQLITE_NULL;
        int r = xn || yn ? (int)yn - (int)xn : qs_val_cmp(x, y);
        if (r)
            return r * a->dir;
    }
    return a->i < b->i ? -1 : a->i > b->i;
}

/* List the objects of the kept partitions, sorted by their keys when the
** plan consumed an order (c->order). */
static int keep_sorted(qs_cursor *c, const tarn_cat_partition *parts, kept_part *kept,
                       size_t nkept, tarn_error *err)
{
    for (size_t j = 0; j < nkept; j++) {
        kept[j].nkeys = c->order_keys < c->tab->nkeys ? c->order_keys : c->tab->nkeys;
        kept[j].dir = c->order < 0 ? -1 : 1;
    }
    if (c->order && nkept > 1)
        qsort(kept, nkept, sizeof *kept, kept_cmp);
    int rc = TARN_OK;
    for (size_t j = 0; j < nkept && rc == TARN_OK; j++)
        rc = keep_partition(c, &parts[kept[j].i], kept[j].vals, err);
    return rc;
}

static int prune_partitions(qs_cursor *c, const qs_term *kt, int nkt, tarn_error *err)
{
    qs_table *q = c->tab;
    tarn_qscan_ctx *ctx = q->ctx;
    tarn_cat_partition *parts;
    size_t n, nkept = 0, nk = (size_t)q->nkeys;
    int rc = tarn_catalog_partition_list(ctx->cat, q->t.database, q->t.name, &parts, &n, err);
    if (rc)
        return rc;
    qs_val *all = tarn_xcalloc(n * nk + 1, sizeof *all);
    kept_part *kept = tarn_xcalloc(n + 1, sizeof *kept);
    for (size_t i = 0; i < n; i++) {
        qs_val *vals = &all[i * nk];
        for (int k = 0; k < q->nkeys; k++)
            key_value(k < (int)parts[i].nvalues ? parts[i].values[k] : NULL,
                      q->types[q->ncols + k], &vals[k]);
        int rej = rejecting_term(q, kt, nkt, vals);
        char name[512], why[256];
        if (ctx->explain)
            part_name(q, &parts[i], name, sizeof name);
        if (rej >= 0) {
            ctx->partitions_pruned++;
            if (ctx->explain) {
                qs_term_text(q, &kt[rej], why, sizeof why);
                qs_explain(ctx, "scan %s: partition %s skipped by %s", q->qname, name, why);
            }
            continue;
        }
        ctx->partitions_read++;
        if (ctx->explain)
            qs_explain(ctx, "scan %s: partition %s read", q->qname, name);
        kept[nkept++] = (kept_part){.i = i, .vals = vals};
    }
    rc = keep_sorted(c, parts, kept, nkept, err);
    free(kept);
    free(all);
    tarn_cat_partition_list_free(parts, n);
    return rc;
}

int qs_prune_and_list(qs_cursor *c, const qs_term *keyterms, int nkeyterms, tarn_error *err)
{
    qs_table *q = c->tab;
    c->cur_part = -1;
    if (q->nkeys > 0)
        return prune_partitions(c, keyterms, nkeyterms, err);
    return list_location(c, q->t.location, -1, err);
}

/* Double the object-id set and rehash. */
static void ids_grow(qs_table *q)
{
    free(q->obj_slots);
    q->obj_slots = qs_slots_new(q->nobj_keys + 32, &q->obj_mask);
    for (int64_t i = 0; i < q->nobj_keys; i++) {
        size_t h = (size_t)tarn_hash64(q->obj_keys[i], strlen(q->obj_keys[i]), 7) & q->obj_mask;
        while (q->obj_slots[h] >= 0)
            h = (h + 1) & q->obj_mask;
        q->obj_slots[h] = i;
    }
}

int64_t qs_object_id(qs_table *q, const char *bucket, const char *key)
{
    char *name = tarn_xasprintf("%s/%s", bucket, key);
    if ((size_t)q->nobj_keys * 2 >= q->obj_mask)
        ids_grow(q);
    size_t h = (size_t)tarn_hash64(name, strlen(name), 7) & q->obj_mask;
    for (; q->obj_slots[h] >= 0; h = (h + 1) & q->obj_mask)
        if (strcmp(q->obj_keys[q->obj_slots[h]], name) == 0) {
            free(name);
            return q->obj_slots[h];
        }
    q->obj_keys = tarn_xrealloc(q->obj_keys, (size_t)(q->nobj_keys + 1) * sizeof *q->obj_keys);
    q->obj_keys[q->nobj_keys] = name;
    q->obj_slots[h] = q->nobj_keys;
    return q->nobj_keys++;
}

void qs_object_ids_free(qs_table *q)
{
    for (int64_t i = 0; i < q->nobj_keys; i++)
        free(q->obj_keys[i]);
    free(q->obj_keys);
    free(q->obj_slots);
}

void qs_objects_free(qs_cursor *c)
{
    for (size_t i = 0; i < c->nobjs; i++)
        free(c->objs[i].key);
    free(c->objs);
    c->objs = NULL;
    c->nobjs = c->iobj = 0;
    for (size_t i = 0; i < (size_t)c->npart * (size_t)c->tab->nkeys; i++)
        free(c->pstr[i]);
    free(c->pstr);
    free(c->pvals);
    c->pstr = NULL;
    c->pvals = NULL;
    c->npart = 0;
    c->cur_part = -1;
}

void qs_explain(tarn_qscan_ctx *ctx, const char *fmt, ...)
{
    if (!ctx->explain)
        return;
    va_list ap;
    va_start(ap, fmt);
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    tarn_buf_appendf(&ctx->explain_log, "%s\n", line);
}
