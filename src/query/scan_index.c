/*
** scan_index.c: joins. SQLite cannot build automatic indexes on virtual
** tables, so a join between two tables would read the inner one again for
** every outer row. When the plan looks up the inner table by a join key
** (an equality whose right side is another table's column), the first
** lookup reads the table once (with its pruning and filters), keeps the
** decoded batches and hashes the key column; every lookup then walks one
** hash chain. Keys are compared in a normal form where numbers and text
** that reads as a number coincide, so a lookup returns every row SQLite's
** equality (with its affinity rules) could accept; SQLite re-checks.
*/
#include "query/scan_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void qs_key_normalize(const qs_val *v, qs_key *k)
{
    memset(k, 0, sizeof *k);
    double d = 0;
    if (v->type == SQLITE_NULL)
        return;
    if (v->type == SQLITE_INTEGER) {
        k->kind = 1;
        k->i = v->i;
        return;
    }
    if (v->type == SQLITE_TEXT) {
        char buf[64], *end;
        if (v->n == 0 || v->n >= sizeof buf) {
            k->kind = 3, k->s = v->s, k->n = v->n;
            return;
        }
        memcpy(buf, v->s, v->n);
        buf[v->n] = 0;
        d = strtod(buf, &end);
        while (*end == ' ')
            end++;
        if (*end || isnan(d)) {
            k->kind = 3, k->s = v->s, k->n = v->n;
            return;
        }
    } else
        d = v->d;
    if (d == floor(d) && fabs(d) < 9.2e18) {
        k->kind = 1;
        k->i = (int64_t)d;
    } else {
        k->kind = 2;
        k->d = d;
    }
}

uint64_t qs_key_hash(const qs_key *k)
{
    if (k->kind == 1)
        return tarn_hash_u64((uint64_t)k->i);
    if (k->kind == 2) {
        uint64_t bits;
        memcpy(&bits, &k->d, sizeof bits);
        return tarn_hash_u64(bits);
    }
    return tarn_hash64(k->s, k->n, 0x9e3779b9);
}

static bool key_equal(const qs_key *a, const qs_key *b)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == 1)
        return a->i == b->i;
    if (a->kind == 2)
        return a->d == b->d;
    return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
}

/* The key value of entry e. */
static void entry_value(const qs_index *ix, int64_t e, qs_val *v, char buf[64])
{
    const qs_cached *cb = &ix->batches[ix->eb[e]];
    int b = cb->colmap[ix->kcol];
    if (b < 0) {
        v->type = SQLITE_NULL;
        return;
    }
    qs_value_get(&cb->b.cols[b], ix->er[e], v, buf);
}

static void add_entry(qs_index *ix, uint32_t batch, uint32_t row)
{
    if (ix->n == ix->cap) {
        ix->cap = ix->cap ? ix->cap * 2 : 1024;
        ix->eb = tarn_xrealloc(ix->eb, (size_t)ix->cap * sizeof *ix->eb);
        ix->er = tarn_xrealloc(ix->er, (size_t)ix->cap * sizeof *ix->er);
        ix->hash = tarn_xrealloc(ix->hash, (size_t)ix->cap * sizeof *ix->hash);
    }
    ix->eb[ix->n] = batch;
    ix->er[ix->n] = row;
    ix->n++;
}

/* Keep the cursor's current batch (its passing rows) in the index. */
static void take_batch(qs_cursor *c, qs_index *ix)
{
    qs_table *q = c->tab;
    ix->batches = tarn_xrealloc(ix->batches, (size_t)(ix->nbatches + 1) * sizeof *ix->batches);
    qs_cached *cb = &ix->batches[ix->nbatches];
    cb->b = c->batch;
    cb->colmap = tarn_xmalloc(((size_t)q->ncols + 1) * sizeof *cb->colmap);
    memcpy(cb->colmap, c->colmap, (size_t)q->ncols * sizeof *cb->colmap);
    cb->part = c->cur_part;
    cb->rowbase = c->obj_base + c->batch_base;
    uint32_t bi = (uint32_t)ix->nbatches++;
    for (int64_t p = c->pos; p < c->nrows; p++)
        add_entry(ix, bi, c->nterms > 0 ? c->sel[p] : (uint32_t)p);
    tarn_batch_init(&c->batch, tarn_reader_schema(c->rd), 0);
    c->pos = c->nrows;
}

int64_t *qs_slots_new(int64_t n, size_t *mask)
{
    size_t nb = 16;
    while (nb < (size_t)n * 2)
        nb *= 2;
    *mask = nb - 1;
    int64_t *slots = tarn_xmalloc(nb * sizeof *slots);
    memset(slots, 0xff, nb * sizeof *slots);
    return slots;
}

/* Chain every entry by its key's hash. */
static void build_chains(qs_index *ix)
{
    ix->heads = qs_slots_new(ix->n, &ix->mask);
    ix->next = tarn_xmalloc(((size_t)ix->n + 1) * sizeof *ix->next);
    char buf[64];
    for (int64_t e = ix->n - 1; e >= 0; e--) {
        qs_val v;
        qs_key k;
        entry_value(ix, e, &v, buf);
        qs_key_normalize(&v, &k);
        if (k.kind == 0) {
            ix->next[e] = -1;
            continue;
        }
        ix->hash[e] = qs_key_hash(&k);
        size_t h = (size_t)ix->hash[e] & ix->mask;
        ix->next[e] = ix->heads[h];
        ix->heads[h] = e;
    }
}

int qs_index_build(qs_cursor *c, int kcol)
{
    qs_index *ix = tarn_xcalloc(1, sizeof *ix);
    ix->kcol = kcol;
    c->ix = ix;
    int rc = SQLITE_OK;
    c->eof = false;
    while (rc == SQLITE_OK) {
        rc = qs_advance(c);
        if (rc != SQLITE_OK || c->eof)
            break;
        if (c->counting) {
            c->pos = c->nrows;
            continue;
        }
        take_batch(c, ix);
    }
    qs_object_close(c);
    build_chains(ix);
    return rc;
}

/* From entry e on, the first whose key equals c's lookup key, or -1. */
static int64_t match_from(const qs_cursor *c, int64_t e)
{
    const qs_index *ix = c->ix;
    char buf[64];
    for (; e >= 0; e = ix->next[e]) {
        if (ix->hash[e] != c->ix_hash)
            continue;
        qs_val v;
        qs_key k;
        entry_value(ix, e, &v, buf);
        qs_key_normalize(&v, &k);
        if (key_equal(&k, &c->ix_key))
            return e;
    }
    return -1;
}

void qs_index_seek(qs_cursor *c, sqlite3_value *key)
{
    qs_index *ix = c->ix;
    free(c->ix_key_owned);
    c->ix_key_owned = NULL;
    qs_val v;
    qs_val_from_sqlite(key, QS_AFF_BLOB, &v, &c->ix_key_owned);
    qs_key_normalize(&v, &c->ix_key);
    c->ix_cur = -1;
    if (c->ix_key.kind == 0 || ix->n == 0)
        return;
    c->ix_hash = qs_key_hash(&c->ix_key);
    c->ix_cur = match_from(c, ix->heads[(size_t)c->ix_hash & ix->mask]);
}

void qs_index_next(qs_cursor *c)
{
    if (c->ix_cur >= 0)
        c->ix_cur = match_from(c, c->ix->next[c->ix_cur]);
}

int64_t qs_index_rowid(const qs_cursor *c)
{
    const qs_index *ix = c->ix;
    return ix->batches[ix->eb[c->ix_cur]].rowbase + ix->er[c->ix_cur];
}

const tarn_column *qs_index_column(const qs_cursor *c, int col, int64_t *row, int *part)
{
    const qs_index *ix = c->ix;
    const qs_cached *cb = &ix->batches[ix->eb[c->ix_cur]];
    *row = ix->er[c->ix_cur];
    *part = cb->part;
    int b = col >= 0 ? cb->colmap[col] : -1;
    return b >= 0 ? &cb->b.cols[b] : NULL;
}

void qs_index_free(qs_index *ix)
{
    if (!ix)
        return;
    for (int i = 0; i < ix->nbatches; i++) {
        tarn_batch_free(&ix->batches[i].b);
        free(ix->batches[i].colmap);
    }
    free(ix->batches);
    free(ix->eb);
    free(ix->er);
    free(ix->hash);
    free(ix->heads);
    free(ix->next);
    free(ix);
}
