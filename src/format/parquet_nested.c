/*
** parquet_nested.c: a nested top-level field (struct, list, map, or any
** mix) read as one string column of JSON text, rebuilt from its leaves'
** definition and repetition levels (Dremel record assembly). Lists become
** JSON arrays, maps JSON objects (keys as strings), structs objects, NULLs
** null. The leaves' pages are read by parquet_read_column.c.
**
** Record assembly walks the schema below the field once per record. Every
** node consumes at least one level entry of each leaf below it, so the
** walk always advances; every read of a level or value is bounds-checked,
** and levels that do not fit the schema are an error naming the field.
*/
#include "format/parquet_read_column.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PQ_NESTED_GROUP 1024 /* records assembled per pass */

typedef enum { ELEM_SELF, ELEM_CHILD, ELEM_MAP } elem_mode;

typedef struct asm_ctx {
    pq_nested *nf;
    tarn_column *out;
    tarn_error *err;
} asm_ctx;

/* Node n at the current position: NULL, empty, or its value. */
static int emit_node(asm_ctx *cx, pq_node *n);
static int emit_present(asm_ctx *cx, pq_node *n);

/* The error for levels that do not fit the schema. */
static int broken(asm_ctx *cx, const char *what)
{
    return tarn_error_set(cx->err, TARN_ERR_CORRUPT,
                          "'%s': column '%s', row group %d: %s; the file is corrupt",
                          cx->nf->path, cx->nf->top->name, cx->nf->row_group, what);
}

/* The state of the first leaf below node n (it stands for all of them). */
static pq_nested_leaf *first_leaf(asm_ctx *cx, const pq_node *n)
{
    return &cx->nf->leaves[n->first_leaf - cx->nf->top->first_leaf];
}

/* ---- output ---- */

/* Room for n more bytes in the output column (bounded). */
static int out_reserve(asm_ctx *cx, size_t n)
{
    tarn_column *c = cx->out;
    size_t need = c->data_len + n;
    if (need <= c->data_cap && c->data)
        return TARN_OK;
    if (need > PQ_MAX_BATCH_BYTES)
        return tarn_error_set(cx->err, TARN_ERR_LIMIT,
                              "'%s': column '%s': more than %zu MiB of JSON in one batch; read "
                              "with fewer rows per batch", cx->nf->path, cx->nf->top->name,
                              PQ_MAX_BATCH_BYTES >> 20);
    size_t cap = c->data_cap ? c->data_cap : 4096;
    while (cap < need)
        cap *= 2;
    c->data = tarn_xrealloc(c->data, cap);
    c->data_cap = cap;
    return TARN_OK;
}

static int out_write(asm_ctx *cx, const char *s, size_t n)
{
    int rc = out_reserve(cx, n);
    if (!rc && n) {
        memcpy(cx->out->data + cx->out->data_len, s, n);
        cx->out->data_len += n;
    }
    return rc;
}

static int out_str(asm_ctx *cx, const char *s) { return out_write(cx, s, strlen(s)); }

/* s as a JSON string literal. */
static int out_quoted(asm_ctx *cx, const char *s, size_t n)
{
    int rc = out_reserve(cx, 6 * n + 2);
    if (rc)
        return rc;
    char *o = cx->out->data + cx->out->data_len, *start = o;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            *o++ = '\\', *o++ = (char)ch;
        } else if (ch < 0x20) {
            static const char hex[] = "0123456789abcdef";
            char e = ch == '\n' ? 'n' : ch == '\r' ? 'r' : ch == '\t' ? 't' : 0;
            *o++ = '\\';
            if (e) {
                *o++ = e;
            } else {
                memcpy(o, "u00", 3), o += 3;
                *o++ = hex[ch >> 4], *o++ = hex[ch & 15];
            }
        } else {
            *o++ = (char)ch;
        }
    }
    *o++ = '"';
    cx->out->data_len += (size_t)(o - start);
    return TARN_OK;
}

/* Value vi of a leaf's dense column, as JSON (as a string when as_key). */
static int out_value(asm_ctx *cx, const tarn_column *vals, int64_t vi, bool as_key)
{
    char buf[128];
    if (vals->type.id == TARN_TYPE_STRING) {
        size_t n;
        const char *s = tarn_column_str(vals, vi, &n);
        return out_quoted(cx, s, n);
    }
    size_t n = tarn_value_format(vals, vi, buf, sizeof buf);
    bool quote = as_key || vals->type.id == TARN_TYPE_DATE ||
                 vals->type.id == TARN_TYPE_TIMESTAMP ||
                 (vals->type.id == TARN_TYPE_DOUBLE && !isfinite(((const double *)vals->values)[vi]));
    return quote ? out_quoted(cx, buf, n) : out_write(cx, buf, n);
}

/* ---- assembly ---- */

/* Current definition level of node n's first leaf (-1 when none left). */
static int cur_def(asm_ctx *cx, const pq_node *n)
{
    pq_nested_leaf *l = first_leaf(cx, n);
    return l->ei < l->lv.n ? l->lv.def[l->ei] : -1;
}

/* n is absent here: consume one entry from every leaf below it. */
static int skip_node(asm_ctx *cx, const pq_node *n)
{
    for (int k = 0; k < n->nleaves; k++) {
        pq_nested_leaf *l = &cx->nf->leaves[n->first_leaf + k - cx->nf->top->first_leaf];
        if (l->ei >= l->lv.n)
            return broken(cx, "a leaf has fewer level entries than its siblings");
        if (l->lv.def[l->ei] >= n->def)
            return broken(cx, "definition levels of sibling columns disagree");
        l->ei++;
    }
    return TARN_OK;
}

/* The value of a leaf that is defined here. */
static int emit_leaf(asm_ctx *cx, pq_node *n, bool as_key)
{
    pq_nested_leaf *l = first_leaf(cx, n);
    if (l->ei >= l->lv.n)
        return broken(cx, "a leaf has fewer level entries than its siblings");
    if (l->lv.def[l->ei] != n->def)
        return broken(cx, "a required value is missing");
    if (l->vi >= l->vals.length)
        return broken(cx, "a leaf has fewer values than its levels say");
    l->ei++;
    return out_value(cx, &l->vals, l->vi++, as_key);
}

static bool is_list(const pq_node *n)
{
    return n->elem->logical.kind == PQ_LT_LIST || n->elem->converted == PQ_CT_LIST;
}

static bool is_map(const pq_node *n)
{
    return n->elem->logical.kind == PQ_LT_MAP || n->elem->converted == PQ_CT_MAP ||
           n->elem->converted == PQ_CT_MAP_KEY_VALUE;
}

/* How the elements of LIST group g's repeated child r read (Parquet's
** backward-compatibility rules for two- and three-level lists). */
static elem_mode list_mode(const pq_node *g, const pq_node *r)
{
    if (r->leaf >= 0 || r->nchildren != 1)
        return ELEM_SELF;
    size_t gl = strlen(g->name);
    if (strcmp(r->name, "array") == 0 ||
        (strncmp(r->name, g->name, gl) == 0 && strcmp(r->name + gl, "_tuple") == 0))
        return ELEM_SELF;
    return ELEM_CHILD;
}

/* One element of repeated node r, in the form its parent's annotation asks
** for. */
static int emit_element(asm_ctx *cx, pq_node *r, elem_mode mode)
{
    int rc;
    if (mode == ELEM_CHILD)
        return emit_node(cx, r->children[0]);
    if (mode == ELEM_SELF)
        return emit_present(cx, r);
    pq_node *key = r->children[0];
    if (cur_def(cx, key) < key->def) { /* a NULL key (not allowed, but seen) */
        if ((rc = skip_node(cx, key)) || (rc = out_str(cx, "\"null\"")))
            return rc;
    } else if ((rc = emit_leaf(cx, key, true))) {
        return rc;
    }
    if ((rc = out_str(cx, ":")))
        return rc;
    return r->nchildren > 1 ? emit_node(cx, r->children[1]) : out_str(cx, "null");
}

/* A repeated node r: every element up to the next record or parent element. */
static int emit_list(asm_ctx *cx, pq_node *r, elem_mode mode)
{
    const char *open = mode == ELEM_MAP ? "{" : "[", *close = mode == ELEM_MAP ? "}" : "]";
    int d = cur_def(cx, r), rc;
    if (d < 0)
        return broken(cx, "a leaf has fewer level entries than its siblings");
    if (d < r->def) {
        if ((rc = out_str(cx, open)) || (rc = out_str(cx, close)))
            return rc;
        return skip_node(cx, r);
    }
    if ((rc = out_str(cx, open)))
        return rc;
    pq_nested_leaf *l = first_leaf(cx, r);
    for (bool first = true;; first = false) {
        if ((!first && (rc = out_str(cx, ","))) || (rc = emit_element(cx, r, mode)))
            return rc;
        if (l->ei >= l->lv.n || l->lv.rep[l->ei] < r->rep)
            break;
        if (l->lv.rep[l->ei] > r->rep || l->lv.def[l->ei] < r->def)
            return broken(cx, "repetition levels do not fit the schema");
    }
    return out_str(cx, close);
}

/* A group as a JSON object of its children. */
static int emit_struct(asm_ctx *cx, pq_node *n)
{
    int rc = out_str(cx, "{");
    for (int i = 0; i < n->nchildren && !rc; i++) {
        if ((i && (rc = out_str(cx, ","))) ||
            (rc = out_quoted(cx, n->children[i]->name, strlen(n->children[i]->name))) ||
            (rc = out_str(cx, ":")) || (rc = emit_node(cx, n->children[i])))
            return rc;
    }
    return rc ? rc : out_str(cx, "}");
}

/* n is defined at this position (its own definition level is reached). */
static int emit_present(asm_ctx *cx, pq_node *n)
{
    if (n->leaf >= 0)
        return emit_leaf(cx, n, false);
    pq_node *r = n->nchildren == 1 ? n->children[0] : NULL;
    if (r && r->repetition == PQ_REPEATED && is_list(n))
        return emit_list(cx, r, list_mode(n, r));
    if (r && r->repetition == PQ_REPEATED && is_map(n) && r->leaf < 0 && r->nchildren <= 2 &&
        r->children[0]->leaf >= 0)
        return emit_list(cx, r, ELEM_MAP);
    return emit_struct(cx, n);
}

/* Node n at the current position: NULL, empty, or its value. */
static int emit_node(asm_ctx *cx, pq_node *n)
{
    if (n->repetition == PQ_REPEATED)
        return emit_list(cx, n, ELEM_SELF);
    int d = cur_def(cx, n);
    if (d < 0)
        return broken(cx, "a leaf has fewer level entries than its siblings");
    if (n->repetition == PQ_OPTIONAL && d < n->def) {
        int rc = skip_node(cx, n);
        return rc ? rc : out_str(cx, "null");
    }
    return emit_present(cx, n);
}

/* ---- driving ---- */

int pq_nested_open(pq_nested *nf, pq_file *f, int field, int rg, tarn_decompressor *dz,
                   const char *path, tarn_error *err)
{
    memset(nf, 0, sizeof *nf);
    nf->f = f;
    nf->top = f->fields[field];
    nf->path = path;
    nf->row_group = rg;
    nf->nleaves = nf->top->nleaves;
    nf->leaves = tarn_xcalloc((size_t)nf->nleaves, sizeof *nf->leaves);
    for (int k = 0; k < nf->nleaves; k++) {
        pq_nested_leaf *l = &nf->leaves[k];
        int leaf = nf->top->first_leaf + k;
        tarn_column_init(&l->vals, f->leaves[leaf].type, 0);
        int rc = pq_chunk_open(&l->rd, f, rg, leaf, dz, path, err);
        if (rc)
            return rc;
    }
    return TARN_OK;
}

void pq_nested_close(pq_nested *nf)
{
    for (int k = 0; k < nf->nleaves && nf->leaves; k++) {
        pq_chunk_close(&nf->leaves[k].rd);
        pq_levels_free(&nf->leaves[k].lv);
        tarn_column_free(&nf->leaves[k].vals);
    }
    free(nf->leaves);
    memset(nf, 0, sizeof *nf);
}

/* Read k records' levels and values from every leaf. */
static int load_group(pq_nested *nf, int64_t k, tarn_error *err)
{
    for (int i = 0; i < nf->nleaves; i++) {
        pq_nested_leaf *l = &nf->leaves[i];
        int64_t got;
        l->lv.n = 0, l->ei = l->vi = 0;
        tarn_column_reset(&l->vals);
        int rc = pq_chunk_read_records(&l->rd, k, &l->lv, &l->vals, &got, err);
        if (rc)
            return rc;
        if (got != k)
            return tarn_error_set(err, TARN_ERR_CORRUPT,
                                  "'%s': column '%s', row group %d: the column chunk ends %lld "
                                  "records short of its row group's row count", nf->path,
                                  l->rd.leaf->path, nf->row_group, (long long)(k - got));
    }
    return TARN_OK;
}

/* One record into row `row` of out. */
static int emit_record(asm_ctx *cx, int64_t row)
{
    tarn_column *out = cx->out;
    pq_node *top = cx->nf->top;
    uint8_t bit = (uint8_t)(1u << (row & 7));
    int rc;
    if (top->repetition == PQ_OPTIONAL && cur_def(cx, top) >= 0 && cur_def(cx, top) < top->def) {
        out->validity[row >> 3] &= (uint8_t)~bit;
        out->null_count++;
        rc = skip_node(cx, top);
    } else {
        out->validity[row >> 3] |= bit;
        rc = emit_node(cx, top);
    }
    out->offsets[row + 1] = (int64_t)out->data_len;
    return rc;
}

int pq_nested_read(pq_nested *nf, int64_t k, tarn_column *out, tarn_error *err)
{
    asm_ctx cx = {nf, out, err};
    tarn_column_reserve(out, out->length + k);
    while (k > 0) {
        int64_t g = k < PQ_NESTED_GROUP ? k : PQ_NESTED_GROUP;
        int rc = load_group(nf, g, err);
        for (int64_t r = 0; r < g && !rc; r++)
            if (!(rc = emit_record(&cx, out->length)))
                out->length++;
        for (int i = 0; i < nf->nleaves && !rc; i++)
            if (nf->leaves[i].ei != nf->leaves[i].lv.n)
                rc = broken(&cx, "levels of the field's columns do not line up");
        if (rc)
            return rc;
        k -= g;
    }
    return TARN_OK;
}
