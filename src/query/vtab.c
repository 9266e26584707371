/*
** vtab.c: the SQLite virtual table module "tarn": each Glue catalog table
** as a table whose columns are its columns then its partition keys, with
** the catalog types as declared types (tarn_qscan_register/expose).
**
** Planning (xBestIndex) hands the scan every comparison with a constant
** (=, <>, <, <=, >, >=, IS [NOT] NULL; IN on partition keys, all values at
** once) and omits it from SQLite's checks, plus at most one equality with
** another table's column (a join key, re-checked by SQLite). An ORDER BY
** or GROUP BY on the leading partition keys is consumed: the partitions
** are then read in key order, so SQLite needs no sort. The plan travels in
** idxStr as "u<colUsed in hex>|", then "o<keys><+|->|" for a consumed
** order, then "col,op;" per argument.
** xFilter prunes partitions with the key constraints (prune.c), hands the
** others to the batch filters (filter.c) and reads (scan.c); a join key is
** answered by a filtered scan the first time and by the join index
** (scan_index.c) from then on. Rowids are object id and row in the object,
** the same in every scan of the table.
*/
#include "query/scan_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- table ---- */

static void table_free(qs_table *t)
{
    if (!t)
        return;
    free(t->qname);
    tarn_cat_table_free(&t->t);
    free(t->types);
    free(t->aff);
    tarn_schema_free(&t->force);
    qs_object_ids_free(t);
    sqlite3_free(t);
}

/* The string parameter key of a JSON object text, or NULL (caller frees). */
static char *json_param(const char *json, const char *key)
{
    json_t *o = json ? json_loads(json, 0, NULL) : NULL;
    json_t *v = o ? json_object_get(o, key) : NULL;
    char *s = json_is_string(v) ? tarn_xstrdup(json_string_value(v)) : NULL;
    json_decref(o);
    return s;
}

/* CSV dialect from the crawler's SerDe and table parameters. */
static void text_dialect(qs_table *q)
{
    const tarn_cat_table *t = &q->t;
    char *sep = json_param(t->serde_parameters, "separatorChar");
    char *fd = sep ? NULL : json_param(t->serde_parameters, "field.delim");
    char *d = sep ? sep : fd ? fd : json_param(t->parameters, "delimiter");
    char *quote = json_param(t->serde_parameters, "quoteChar");
    char *skip = json_param(t->parameters, "skip.header.line.count");
    q->dialect.delimiter = d && d[0] ? d[0] : ',';
    q->dialect.quote = quote && quote[0] ? quote[0] : sep ? '"' : fd ? '\x01' : '"';
    q->dialect.header = 0;
    q->skip_header = skip ? atoi(skip) : 0;
    free(d);
    free(quote);
    free(skip);
}

/* Types forced on text readers: JSON by name, CSV by position (the
** reader's own names column<i>, whatever their zero padding). */
static void text_types(qs_table *q)
{
    tarn_schema_init(&q->force);
    for (int i = 0; i < q->ncols; i++) {
        if (q->format == TARN_FORMAT_JSONL) {
            tarn_schema_add(&q->force, q->t.columns[i].name, q->types[i]);
            continue;
        }
        for (int w = 1; w <= 5; w++) {
            char name[32];
            snprintf(name, sizeof name, "column%0*d", w, i);
            if (tarn_schema_find(&q->force, name) < 0)
                tarn_schema_add(&q->force, name, q->types[i]);
        }
    }
}

static tarn_format_kind table_format(const tarn_cat_table *t)
{
    const char *c = t->classification ? t->classification : "";
    const char *in = t->input_format ? t->input_format : "";
    if (strcasecmp(c, "parquet") == 0 || strstr(in, "Parquet"))
        return TARN_FORMAT_PARQUET;
    if (strcasecmp(c, "json") == 0 || (t->serde_library && strstr(t->serde_library, "Json")))
        return TARN_FORMAT_JSONL;
    return TARN_FORMAT_CSV;
}

/* The CREATE TABLE text SQLite gets: columns then keys, catalog types. */
static char *declare_sql(const qs_table *q)
{
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_buf_appendf(&b, "CREATE TABLE x(");
    for (int i = 0; i < q->ncols + q->nkeys; i++) {
        const tarn_cat_column *c = i < q->ncols ? &q->t.columns[i] : &q->t.partition_keys[i - q->ncols];
        /* Text-valued types get TEXT affinity, dates and timestamps the
        ** collation tarn_time (decltype.c). */
        char *col = tarn_qdecl_column(c->name, c->type);
        tarn_buf_appendf(&b, "%s%s", i ? ", " : "", col);
        free(col);
    }
    tarn_buf_appendf(&b, ")");
    char *s = tarn_xstrdup(b.data);
    tarn_buf_free(&b);
    return s;
}

static int table_setup(qs_table *q, tarn_error *err)
{
    q->ncols = (int)q->t.ncolumns;
    q->nkeys = (int)q->t.npartition_keys;
    int n = q->ncols + q->nkeys;
    q->types = tarn_xcalloc((size_t)n + 1, sizeof *q->types);
    q->aff = tarn_xcalloc((size_t)n + 1, sizeof *q->aff);
    for (int i = 0; i < n; i++) {
        const tarn_cat_column *c = i < q->ncols ? &q->t.columns[i] : &q->t.partition_keys[i - q->ncols];
        tarn_error e;
        if (tarn_type_parse(c->type, &q->types[i], &e))
            q->types[i] = (tarn_type){TARN_TYPE_STRING, 0, 0};
        /* Constants compared with text-valued columns stay text, as in
        ** Athena (the declared "string" has NUMERIC affinity in SQLite). */
        tarn_type_id id = q->types[i].id;
        bool text = id == TARN_TYPE_STRING || id == TARN_TYPE_DATE || id == TARN_TYPE_TIMESTAMP;
        q->aff[i] = text ? QS_AFF_TEXT : qs_affinity(c->type);
    }
    q->format = table_format(&q->t);
    text_dialect(q);
    text_types(q);
    if (!q->t.location || !tarn_is_s3_uri(q->t.location))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "table %s has no s3:// location; set its LOCATION", q->qname);
    return TARN_OK;
}

/* A module argument without its quotes (caller frees). */
static char *dequote(const char *a)
{
    size_t n = strlen(a);
    char q = n >= 2 ? a[0] : 0;
    if ((q != '"' && q != '\'' && q != '`') || a[n - 1] != q)
        return tarn_xstrdup(a);
    char *s = tarn_xmalloc(n), *o = s;
    for (size_t i = 1; i + 1 < n; i++) {
        *o++ = a[i];
        if (a[i] == q && a[i + 1] == q)
            i++;
    }
    *o = 0;
    return s;
}

static int vt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **out, char **errmsg)
{
    tarn_qscan_ctx *ctx = aux;
    if (argc < 5) {
        *errmsg = sqlite3_mprintf("tarn: usage: USING tarn(database, table)");
        return SQLITE_ERROR;
    }
    qs_table *q = sqlite3_malloc(sizeof *q);
    if (!q)
        return SQLITE_NOMEM;
    memset(q, 0, sizeof *q);
    q->ctx = ctx;
    char *dbn = dequote(argv[3]), *tn = dequote(argv[4]);
    q->qname = tarn_xasprintf("%s.%s", dbn, tn);
    tarn_error e = {0};
    int rc = tarn_catalog_table_get(ctx->cat, dbn, tn, &q->t, &e);
    free(dbn);
    free(tn);
    if (rc == TARN_OK)
        rc = table_setup(q, &e);
    if (rc != TARN_OK) {
        *errmsg = sqlite3_mprintf("%s", e.msg);
        table_free(q);
        return SQLITE_ERROR;
    }
    char *sql = declare_sql(q);
    int src = sqlite3_declare_vtab(db, sql);
    free(sql);
    if (src != SQLITE_OK) {
        *errmsg = sqlite3_mprintf("tarn: cannot declare %s: %s", q->qname, sqlite3_errmsg(db));
        table_free(q);
        return src;
    }
    *out = &q->base;
    return SQLITE_OK;
}

static int vt_disconnect(sqlite3_vtab *vt)
{
    table_free((qs_table *)vt);
    return SQLITE_OK;
}

/* ---- planning ---- */

static int op_of(unsigned char op)
{
    switch (op) {
    case SQLITE_INDEX_CONSTRAINT_EQ: return QS_EQ;
    case SQLITE_INDEX_CONSTRAINT_NE: return QS_NE;
    case SQLITE_INDEX_CONSTRAINT_LT: return QS_LT;
    case SQLITE_INDEX_CONSTRAINT_LE: return QS_LE;
    case SQLITE_INDEX_CONSTRAINT_GT: return QS_GT;
    case SQLITE_INDEX_CONSTRAINT_GE: return QS_GE;
    case SQLITE_INDEX_CONSTRAINT_ISNULL: return QS_ISNULL;
    case SQLITE_INDEX_CONSTRAINT_ISNOTNULL: return QS_NOTNULL;
    default: return -1;
    }
}

/* Whether constraint i can be evaluated by the scan, and as which op:
** QS_KEY for an equality on a data column with another table's column. */
static int usable_op(const qs_table *q, sqlite3_index_info *info, int i)
{
    const struct sqlite3_index_constraint *c = &info->aConstraint[i];
    int op = op_of(c->op);
    if (!c->usable || c->iColumn < 0 || op < 0)
        return -1;
    if (op == QS_ISNULL || op == QS_NOTNULL)
        return op;
    const char *coll = sqlite3_vtab_collation(info, i);
    if (coll && sqlite3_stricmp(coll, "BINARY") != 0 &&
        sqlite3_stricmp(coll, TARN_QTIME_COLLATION) != 0)
        return -1;
    bool key = c->iColumn >= q->ncols;
    if (op == QS_EQ && sqlite3_vtab_in(info, i, -1))
        return sqlite3_vtab_in(info, i, 1) ? QS_IN : -1;
    sqlite3_value *rhs = NULL;
    if (sqlite3_vtab_rhs_value(info, i, &rhs) != SQLITE_OK || !rhs)
        return op == QS_EQ && !key ? QS_KEY : -1;
    return op;
}

/* 1 (ascending) or -1 (descending) when the scan can hand rows over in
** the ORDER BY (or GROUP BY) order by reading the partitions sorted: the
** terms are the first partition keys in order, one direction, and no join
** key is looked up (the join index keeps its own order). 0 otherwise. */
static int key_order(const qs_table *q, sqlite3_index_info *info, bool have_key)
{
    int n = info->nOrderBy, distinct = sqlite3_vtab_distinct(info);
    if (n == 0 || n > q->nkeys || have_key || (distinct != 0 && distinct != 1))
        return 0;
    for (int j = 0; j < n; j++)
        if (info->aOrderBy[j].iColumn != q->ncols + j ||
            info->aOrderBy[j].desc != info->aOrderBy[0].desc)
            return 0;
    return info->aOrderBy[0].desc ? -1 : 1;
}

/* Rows the table holds, as the catalog estimates them. */
static double table_rows(const qs_table *q)
{
    return q->t.row_count > 0 ? (double)q->t.row_count : 1e6;
}

/* Plan: every usable constant constraint is evaluated by the scan (and
** omitted by SQLite); at most one join key is looked up through the join
** index (SQLite re-checks it). A lookup costs little beside a full scan,
** more for a larger table, so SQLite hashes the smaller side of a join
** (the cost grows with the square of the table's rows). */
static int vt_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
    qs_table *q = (qs_table *)vt;
    tarn_buf s;
    tarn_buf_init(&s, 0);
    int argv = 0;
    bool have_key = false;
    double rows = table_rows(q), sel = 1;
    for (int i = 0; i < info->nConstraint; i++) {
        int op = usable_op(q, info, i);
        if (op < 0 || (op == QS_KEY && have_key))
            continue;
        int col = info->aConstraint[i].iColumn;
        info->aConstraintUsage[i].argvIndex = ++argv;
        info->aConstraintUsage[i].omit = op != QS_KEY;
        tarn_buf_appendf(&s, "%d,%d;", col, op);
        have_key |= op == QS_KEY;
        sel /= col >= q->ncols ? (op == QS_EQ || op == QS_IN ? 20 : 4) : 2;
    }
    /* Never below 0.6 of a full scan without a join key: SQLite would
    ** otherwise answer an OR with one scan per branch (deduplicated by
    ** rowid), reading the objects once per branch. */
    double cost = rows * 10 * (0.6 + 0.4 * sel) + 10;
    if (have_key) {
        double per = 1 + rows * rows / 1e7;
        cost = per < cost / 2 ? per : cost / 2;
    }
    int order = key_order(q, info, have_key);
    info->orderByConsumed = order != 0;
    info->idxNum = argv;
    /* The order travels as "o<keys><+|->|" before the terms. */
    info->idxStr = order ? sqlite3_mprintf("o%d%c|%s", info->nOrderBy, order > 0 ? '+' : '-',
                                           s.data ? s.data : "")
                         : sqlite3_mprintf("%s", s.data ? s.data : "");
    info->needToFreeIdxStr = 1;
    info->estimatedCost = cost;
    info->estimatedRows = (sqlite3_int64)(have_key ? 10 : rows * sel + 1);
    tarn_buf_free(&s);
    return SQLITE_OK;
}

/* ---- cursors ---- */

static int vt_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
    qs_cursor *c = sqlite3_malloc(sizeof *c);
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    c->tab = (qs_table *)vt;
    c->eof = true;
    c->key_col = -1;
    *out = &c->base;
    return SQLITE_OK;
}

static void cursor_reset(qs_cursor *c)
{
    qs_object_close(c);
    qs_objects_free(c);
    qs_terms_free(c->terms, c->nterms);
    c->terms = NULL;
    c->nterms = 0;
    c->eof = true;
}

static int vt_close(sqlite3_vtab_cursor *vc)
{
    qs_cursor *c = (qs_cursor *)vc;
    cursor_reset(c);
    qs_index_free(c->ix);
    free(c->ix_key_owned);
    free(c->key_plan);
    free(c->sel);
    sqlite3_free(c);
    return SQLITE_OK;
}

/* A date or timestamp constant in its column's form (decltype.c). */
static void time_constant(const qs_table *q, int col, qs_val *v, char **owned)
{
    size_t n;
    char *s = v->type == SQLITE_TEXT ? tarn_qtime_constant(q->types[col].id, v->s, v->n, &n) : NULL;
    if (!s)
        return;
    free(*owned);
    *owned = s;
    v->s = s;
    v->n = n;
}

/* Fill term t (column col, op) from argument v. */
static void term_fill(const qs_table *q, qs_term *t, int col, int op, sqlite3_value *v)
{
    t->col = col;
    t->op = op;
    if (op == QS_ISNULL || op == QS_NOTNULL)
        return;
    if (op != QS_IN) {
        qs_val_from_sqlite(v, q->aff[col], &t->v, &t->owned);
        time_constant(q, col, &t->v, &t->owned);
        return;
    }
    sqlite3_value *x;
    for (int rc = sqlite3_vtab_in_first(v, &x); rc == SQLITE_OK && x;
         rc = sqlite3_vtab_in_next(v, &x)) {
        t->set = tarn_xrealloc(t->set, (size_t)(t->nset + 1) * sizeof *t->set);
        t->set_owned = tarn_xrealloc(t->set_owned, (size_t)(t->nset + 1) * sizeof *t->set_owned);
        t->set_owned[t->nset] = NULL;
        qs_val_from_sqlite(x, q->aff[col], &t->set[t->nset], &t->set_owned[t->nset]);
        time_constant(q, col, &t->set[t->nset], &t->set_owned[t->nset]);
        t->nset++;
    }
    qs_term_hash_set(t);
}

/* Parse idxStr into key terms (kept aside) and data terms (c->terms). */
static int parse_terms(qs_cursor *c, const char *idx, int argc, sqlite3_value **argv,
                       qs_term **keys, int *nkeys)
{
    qs_table *q = c->tab;
    qs_term *all = tarn_xcalloc((size_t)argc + 1, sizeof *all);
    int n = 0;
    c->key_col = -1;
    for (int a = 0; idx && *idx && a < argc; a++) {
        int col, op, used;
        if (sscanf(idx, "%d,%d;%n", &col, &op, &used) != 2)
            break;
        idx += used;
        if (op == QS_KEY) {
            c->key_col = col;
            c->key_arg = a;
            continue;
        }
        term_fill(q, &all[n], col, op, argv[a]);
        n++;
    }
    qs_term *k = tarn_xcalloc((size_t)n + 1, sizeof *k), *d = tarn_xcalloc((size_t)n + 1, sizeof *d);
    int nk = 0, nd = 0;
    for (int i = 0; i < n; i++) {
        if (all[i].col >= q->ncols)
            k[nk++] = all[i];
        else
            d[nd++] = all[i];
    }
    free(all);
    c->terms = d;
    c->nterms = nd;
    *keys = k;
    *nkeys = nk;
    return SQLITE_OK;
}

/* Report a scan failure: ctx->err keeps the full text, SQLite a copy. */
static int scan_fail(qs_cursor *c, int rc)
{
    tarn_qscan_ctx *ctx = c->tab->ctx;
    sqlite3_free(c->tab->base.zErrMsg);
    c->tab->base.zErrMsg = sqlite3_mprintf("%s", ctx->err.msg);
    return rc == SQLITE_OK ? SQLITE_ERROR : rc;
}

/* Forget the join index when the cursor runs another plan (an OR's
** branches share one cursor). */
static void check_plan(qs_cursor *c, const char *idx_str)
{
    const char *plan = idx_str ? idx_str : "";
    if (c->key_plan && strcmp(c->key_plan, plan) == 0)
        return;
    qs_index_free(c->ix);
    c->ix = NULL;
    c->key_filters = 0;
    free(c->key_plan);
    c->key_plan = tarn_xstrdup(plan);
}

/* Start reading with a join key: the first lookup is a filtered scan;
** from the second on (a join's inner loop) the join index answers. */
static int start_keyed(qs_cursor *c, sqlite3_value **argv)
{
    if (c->key_filters++ == 0) {
        c->terms = tarn_xrealloc(c->terms, (size_t)(c->nterms + 1) * sizeof *c->terms);
        memset(&c->terms[c->nterms], 0, sizeof *c->terms);
        term_fill(c->tab, &c->terms[c->nterms++], c->key_col, QS_EQ, argv[c->key_arg]);
        return qs_advance(c);
    }
    int rc = qs_index_build(c, c->key_col);
    if (rc == SQLITE_OK) {
        qs_index_seek(c, argv[c->key_arg]);
        c->eof = c->ix_cur < 0;
    }
    return rc;
}

static int vt_filter(sqlite3_vtab_cursor *vc, int idx_num, const char *idx_str, int argc,
                     sqlite3_value **argv)
{
    (void)idx_num;
    qs_cursor *c = (qs_cursor *)vc;
    qs_table *q = c->tab;
    check_plan(c, idx_str);
    if (c->ix) {
        qs_index_seek(c, argv[c->key_arg]);
        c->eof = c->ix_cur < 0;
        return SQLITE_OK;
    }
    cursor_reset(c);
    c->need_data = false;
    for (int i = 0; i < q->ncols; i++)
        if (c->used & (1ULL << (i < 63 ? i : 63)))
            c->need_data = true;
    qs_term *keys;
    int nkeys;
    parse_terms(c, idx_str, argc, argv, &keys, &nkeys);
    tarn_error e = {0};
    int rc = qs_prune_and_list(c, keys, nkeys, &e);
    qs_terms_free(keys, nkeys);
    if (rc != TARN_OK) {
        if (q->ctx->err.code == 0)
            q->ctx->err = e;
        return scan_fail(c, SQLITE_ERROR);
    }
    c->eof = false;
    rc = c->key_col >= 0 ? start_keyed(c, argv) : qs_advance(c);
    return rc == SQLITE_OK ? SQLITE_OK : scan_fail(c, rc);
}

static int vt_next(sqlite3_vtab_cursor *vc)
{
    qs_cursor *c = (qs_cursor *)vc;
    if (c->ix) {
        qs_index_next(c);
        c->eof = c->ix_cur < 0;
        return SQLITE_OK;
    }
    c->pos++;
    int rc = qs_advance(c);
    return rc == SQLITE_OK ? SQLITE_OK : scan_fail(c, rc);
}

static int vt_eof(sqlite3_vtab_cursor *vc)
{
    return ((qs_cursor *)vc)->eof;
}

/* Hand one qs_val to SQLite. */
static void result_val(sqlite3_context *ctx, const qs_val *v)
{
    switch (v->type) {
    case SQLITE_INTEGER: sqlite3_result_int64(ctx, v->i); break;
    case SQLITE_FLOAT: sqlite3_result_double(ctx, v->d); break;
    case SQLITE_TEXT:
        /* Copied into SQLite's register buffer (reused, so no allocation
        ** per row): a static pointer would outlive the batch in min()/max()
        ** accumulators, which keep static text by reference. */
        sqlite3_result_text64(ctx, v->s, v->n, SQLITE_TRANSIENT, SQLITE_UTF8);
        break;
    default: sqlite3_result_null(ctx); break;
    }
}

/* Mark a boolean column's value (TARN_QBOOL_SUBTYPE). */
static void bool_subtype(const qs_table *q, int i, const qs_val *v, sqlite3_context *ctx)
{
    if (v->type == SQLITE_INTEGER && q->types[i].id == TARN_TYPE_BOOLEAN)
        sqlite3_result_subtype(ctx, TARN_QBOOL_SUBTYPE);
}

/* Partition key column i of partition part. */
static void key_result(const qs_cursor *c, sqlite3_context *ctx, int part, int i)
{
    const qs_table *q = c->tab;
    if (part >= 0)
        result_val(ctx, &c->pvals[(size_t)part * (size_t)q->nkeys + (size_t)(i - q->ncols)]);
    else
        sqlite3_result_null(ctx);
}

/* xColumn over the join index's current entry. */
static int index_column(qs_cursor *c, sqlite3_context *ctx, int i)
{
    int64_t row;
    int part;
    const tarn_column *col = qs_index_column(c, i < c->tab->ncols ? i : -1, &row, &part);
    if (i >= c->tab->ncols) {
        key_result(c, ctx, part, i);
        return SQLITE_OK;
    }
    qs_val v = {.type = SQLITE_NULL};
    if (col)
        qs_value_get(col, row, &v, c->vbuf);
    result_val(ctx, &v);
    bool_subtype(c->tab, i, &v, ctx);
    return SQLITE_OK;
}

static int vt_column(sqlite3_vtab_cursor *vc, sqlite3_context *ctx, int i)
{
    qs_cursor *c = (qs_cursor *)vc;
    qs_table *q = c->tab;
    if (c->ix)
        return index_column(c, ctx, i);
    if (i >= q->ncols) {
        key_result(c, ctx, c->cur_part, i);
        return SQLITE_OK;
    }
    int b = c->counting || !c->colmap ? -1 : c->colmap[i];
    if (b < 0) {
        sqlite3_result_null(ctx);
        return SQLITE_OK;
    }
    int64_t row = c->nterms > 0 ? c->sel[c->pos] : c->pos;
    qs_val v;
    qs_value_get(&c->batch.cols[b], row, &v, c->vbuf);
    result_val(ctx, &v);
    bool_subtype(q, i, &v, ctx);
    return SQLITE_OK;
}

static int vt_rowid(sqlite3_vtab_cursor *vc, sqlite3_int64 *rowid)
{
    const qs_cursor *c = (const qs_cursor *)vc;
    if (c->ix)
        *rowid = qs_index_rowid(c);
    else if (c->counting)
        *rowid = c->obj_base + c->pos;
    else
        *rowid = c->obj_base + c->batch_base + (c->nterms > 0 ? c->sel[c->pos] : c->pos);
    return SQLITE_OK;
}

/* colUsed is only visible in xBestIndex; keep it per plan in idxStr's
** companion: SQLite gives each cursor the plan's idxStr, so the used
** columns travel as a prefix "u<hex>|". */
static int vt_best_index_used(sqlite3_vtab *vt, sqlite3_index_info *info)
{
    int rc = vt_best_index(vt, info);
    if (rc != SQLITE_OK)
        return rc;
    char *s = sqlite3_mprintf("u%llx|%s", (unsigned long long)info->colUsed, info->idxStr);
    sqlite3_free(info->idxStr);
    info->idxStr = s;
    return SQLITE_OK;
}

static int vt_filter_used(sqlite3_vtab_cursor *vc, int idx_num, const char *idx_str, int argc,
                          sqlite3_value **argv)
{
    qs_cursor *c = (qs_cursor *)vc;
    unsigned long long used = ~0ULL;
    const char *rest = idx_str ? strchr(idx_str, '|') : NULL;
    if (idx_str && idx_str[0] == 'u' && rest)
        used = strtoull(idx_str + 1, NULL, 16);
    const char *terms = rest ? rest + 1 : idx_str;
    int keys = 0, used_chars = 0;
    char dir = 0;
    c->order = c->order_keys = 0;
    if (terms && terms[0] == 'o' && sscanf(terms, "o%d%c|%n", &keys, &dir, &used_chars) == 2 &&
        used_chars > 0) {
        c->order = dir == '-' ? -1 : 1;
        c->order_keys = keys;
        terms += used_chars;
    }
    c->used = used;
    return vt_filter(vc, idx_num, terms, argc, argv);
}

static const sqlite3_module qs_module = {
    .iVersion = 3,
    .xCreate = vt_connect,
    .xConnect = vt_connect,
    .xBestIndex = vt_best_index_used,
    .xDisconnect = vt_disconnect,
    .xDestroy = vt_disconnect,
    .xOpen = vt_open,
    .xClose = vt_close,
    .xFilter = vt_filter_used,
    .xNext = vt_next,
    .xEof = vt_eof,
    .xColumn = vt_column,
    .xRowid = vt_rowid,
};

int tarn_qscan_register(sqlite3 *db, tarn_qscan_ctx *ctx, tarn_error *err)
{
    /* A GROUP BY, ORDER BY, DISTINCT or window over a scan feeds every row
    ** to SQLite's sorter, which is most of such a query's time: let it
    ** sort with two helper threads (ignored where SQLite has no threads). */
    sqlite3_limit(db, SQLITE_LIMIT_WORKER_THREADS, 2);
    int rc = sqlite3_create_module_v2(db, "tarn", &qs_module, ctx, NULL);
    if (rc == SQLITE_OK)
        rc = tarn_qdecl_register(db);
    if (rc != SQLITE_OK)
        return tarn_error_set(err, TARN_ERR_INTERNAL, "query: cannot register the scan module: %s",
                              sqlite3_errmsg(db));
    return TARN_OK;
}

/* Run one statement on db; err names what failed. */
static int exec(sqlite3 *db, const char *sql, tarn_error *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        tarn_error_set(err, rc == SQLITE_ERROR && msg && strstr(msg, "does not exist")
                                ? TARN_ERR_NOTFOUND : TARN_ERR_INVALID,
                       "%s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return err->code;
    }
    return TARN_OK;
}

/* Attach an empty in-memory schema named database unless db has one. */
static int attach(sqlite3 *db, const char *database, tarn_error *err)
{
    sqlite3_stmt *st;
    bool found = false;
    if (sqlite3_prepare_v2(db, "PRAGMA database_list", -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW)
            if (sqlite3_stricmp((const char *)sqlite3_column_text(st, 1), database) == 0)
                found = true;
        sqlite3_finalize(st);
    }
    if (found)
        return TARN_OK;
    char *sql = sqlite3_mprintf("ATTACH ':memory:' AS \"%w\"", database);
    int rc = exec(db, sql, err);
    sqlite3_free(sql);
    return rc;
}

/* True if schema already has table declared with exactly the module
** arguments args (so an unchanged definition is not dropped, which
** SQLite refuses while another statement reads it). */
static bool declared(sqlite3 *db, const char *schema, const char *table, const char *args)
{
    char *sql = sqlite3_mprintf("SELECT sql FROM \"%w\".sqlite_schema WHERE type = 'table' "
                                "AND name = ?1", schema);
    sqlite3_stmt *st;
    bool same = false;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            const char *have = (const char *)sqlite3_column_text(st, 0);
            same = have && strstr(have, args) != NULL;
        }
        sqlite3_finalize(st);
    }
    sqlite3_free(sql);
    return same;
}

/* (Re)create schema.table as a tarn virtual table over t, its arguments
** naming the definition's version. */
static int create_vtab(sqlite3 *db, const char *schema, const tarn_cat_table *t, tarn_error *err)
{
    char *args = sqlite3_mprintf("USING tarn(\"%w\", \"%w\", \"v%lld.%lld\")", t->database,
                                 t->name, (long long)t->version, (long long)t->update_time);
    int rc = TARN_OK;
    if (!declared(db, schema, t->name, args)) {
        char *sql = sqlite3_mprintf("DROP TABLE IF EXISTS \"%w\".\"%w\"; "
                                    "CREATE VIRTUAL TABLE \"%w\".\"%w\" %s",
                                    schema, t->name, schema, t->name, args);
        rc = exec(db, sql, err);
        sqlite3_free(sql);
    }
    sqlite3_free(args);
    return rc;
}

int tarn_qscan_expose(sqlite3 *db, tarn_qscan_ctx *ctx, const char *database,
                      const char *table, bool is_default, tarn_error *err)
{
    tarn_cat_table t;
    int rc = tarn_catalog_table_get(ctx->cat, database, table, &t, err);
    if (rc)
        return rc;
    rc = attach(db, t.database, err);
    if (rc == TARN_OK)
        rc = create_vtab(db, t.database, &t, err);
    if (rc == TARN_OK && is_default)
        rc = create_vtab(db, "temp", &t, err);
    tarn_cat_table_free(&t);
    return rc;
}
