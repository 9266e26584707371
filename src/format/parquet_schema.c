/*
** parquet_schema.c: from a decoded footer to what the reader and callers
** use: the schema as a tree of groups and leaves with their definition and
** repetition levels, the tarn type each leaf reads as (the mapping is
** documented in format.h), the top-level tarn schema (a group or repeated
** field becomes one JSON string column), and the public row-group view
** with typed statistics. Footer decoding is parquet_meta.c.
*/
#include "format/parquet_meta.h"

#include <math.h>
#include <string.h>

#include "format/parquet_decode.h"

/* ---- the schema tree ---- */

typedef struct tree_ctx {
    pq_file *f;
    int next;          /* next schema element */
    int nleaves;
    tarn_error *err;
} tree_ctx;

/* Build the node for the next schema element (and, for a group, its
** subtree). */
static int build_node(tree_ctx *cx, pq_node *parent, int depth, pq_node **out);

/* Build the children of group n from the following schema elements. */
static int build_children(tree_ctx *cx, pq_node *n, int depth)
{
    pq_file *f = cx->f;
    int32_t k = n->elem->num_children > 0 ? n->elem->num_children : 0;
    if (k > f->fm.nschema - cx->next)
        return tarn_error_set(cx->err, TARN_ERR_CORRUPT,
                              "corrupt schema: group '%s' claims %d children but only %d "
                              "elements follow", n->name, k, f->fm.nschema - cx->next);
    n->nchildren = k;
    n->children = pq_arena_alloc(&f->arena, sizeof(pq_node *) * (size_t)(k ? k : 1));
    n->first_leaf = cx->nleaves;
    for (int i = 0; i < k; i++) {
        int rc = build_node(cx, n, depth + 1, &n->children[i]);
        if (rc)
            return rc;
    }
    n->nleaves = cx->nleaves - n->first_leaf;
    if (n->nleaves == 0 && n->parent)
        return tarn_error_set(cx->err, TARN_ERR_CORRUPT,
                              "corrupt schema: group '%s' has no columns", n->name);
    return TARN_OK;
}

/* Build the node for the next schema element (and, for a group, its
** subtree). */
static int build_node(tree_ctx *cx, pq_node *parent, int depth, pq_node **out)
{
    pq_file *f = cx->f;
    if (depth > PQ_MAX_NESTING)
        return tarn_error_set(cx->err, TARN_ERR_CORRUPT,
                              "schema nested deeper than %d levels", PQ_MAX_NESTING);
    if (cx->next >= f->fm.nschema)
        return tarn_error_set(cx->err, TARN_ERR_CORRUPT,
                              "corrupt schema: groups claim more children than there are elements");
    const pq_schema_elem *e = &f->fm.schema[cx->next++];
    pq_node *n = pq_arena_alloc(&f->arena, sizeof *n);
    *out = n;
    n->elem = e;
    n->parent = parent;
    n->name = pq_arena_strndup(&f->arena, e->name.p, e->name.n);
    n->repetition = parent && e->has_repetition ? e->repetition : PQ_REQUIRED;
    if (n->repetition < PQ_REQUIRED || n->repetition > PQ_REPEATED)
        return tarn_error_set(cx->err, TARN_ERR_CORRUPT,
                              "corrupt schema: column '%s' has repetition %d", n->name,
                              n->repetition);
    n->def = (parent ? parent->def : 0) + (n->repetition != PQ_REQUIRED);
    n->rep = (parent ? parent->rep : 0) + (n->repetition == PQ_REPEATED);
    n->leaf = -1;
    if (e->num_children > 0 || !parent)
        return build_children(cx, n, depth);
    if (!e->has_type)
        return tarn_error_set(cx->err, TARN_ERR_CORRUPT,
                              "corrupt schema: column '%s' has neither a type nor children",
                              n->name);
    n->leaf = cx->nleaves++;
    n->first_leaf = n->leaf;
    n->nleaves = 1;
    return TARN_OK;
}

/* ---- leaf types ---- */

/* The DECIMAL annotation's precision and scale (logical type first); false
** if there is none or it is invalid. */
static bool decimal_params(const pq_schema_elem *e, int *p, int *s)
{
    if (e->logical.kind == PQ_LT_DECIMAL)
        *p = e->logical.precision, *s = e->logical.scale;
    else if (e->converted == PQ_CT_DECIMAL)
        *p = e->precision, *s = e->scale;
    else
        return false;
    return *p >= 1 && *s >= 0 && *s <= *p;
}

static tarn_type ty(tarn_type_id id) { return (tarn_type){id, 0, 0}; }

static tarn_type dec_type(int p, int s) { return (tarn_type){TARN_TYPE_DECIMAL, (uint8_t)p, (uint8_t)s}; }

/* The annotation's time unit (TIME / TIMESTAMP), 0 if none. */
static int time_unit(const pq_schema_elem *e, int lt, int ct_millis, int ct_micros)
{
    if (e->logical.kind == lt)
        return e->logical.unit;
    if (e->logical.kind == PQ_LT_NONE || e->logical.kind > PQ_LT_GEOGRAPHY) {
        if (e->converted == ct_millis)
            return PQ_UNIT_MILLIS;
        if (e->converted == ct_micros)
            return PQ_UNIT_MICROS;
    }
    return 0;
}

/* An unsigned integer annotation of the given width. */
static bool is_unsigned(const pq_schema_elem *e, int bits, int ct)
{
    if (e->logical.kind == PQ_LT_INTEGER)
        return !e->logical.is_signed && e->logical.bit_width == bits;
    return e->converted == ct;
}

/* Tarn type of an INT32 leaf. */
static void map_int32(pq_leaf_info *li, const pq_schema_elem *e)
{
    int p, s;
    li->conv = PQ_CONV_I32, li->type = ty(TARN_TYPE_INT);
    if (decimal_params(e, &p, &s) && p <= TARN_DECIMAL_MAX_PRECISION)
        li->conv = PQ_CONV_I32_DEC, li->type = dec_type(p, s);
    else if (e->logical.kind == PQ_LT_DATE || e->converted == PQ_CT_DATE)
        li->type = ty(TARN_TYPE_DATE);
    else if (time_unit(e, PQ_LT_TIME, PQ_CT_TIME_MILLIS, -2) == PQ_UNIT_MILLIS)
        li->conv = PQ_CONV_I32_TIME_MS, li->type = ty(TARN_TYPE_STRING);
    else if (is_unsigned(e, 32, PQ_CT_UINT_32))
        li->conv = PQ_CONV_U32, li->type = ty(TARN_TYPE_BIGINT);
}

static void map_int64(pq_leaf_info *li, const pq_schema_elem *e)
{
    int p, s, unit;
    li->conv = PQ_CONV_I64, li->type = ty(TARN_TYPE_BIGINT);
    if (decimal_params(e, &p, &s) && p <= TARN_DECIMAL_MAX_PRECISION)
        li->conv = PQ_CONV_I64_DEC, li->type = dec_type(p, s);
    else if ((unit = time_unit(e, PQ_LT_TIMESTAMP, PQ_CT_TIMESTAMP_MILLIS,
                               PQ_CT_TIMESTAMP_MICROS)) != 0) {
        li->type = ty(TARN_TYPE_TIMESTAMP);
        li->conv = unit == PQ_UNIT_MILLIS ? PQ_CONV_TS_MILLIS
                 : unit == PQ_UNIT_NANOS ? PQ_CONV_TS_NANOS : PQ_CONV_I64;
    } else if ((unit = time_unit(e, PQ_LT_TIME, -2, PQ_CT_TIME_MICROS)) != 0 &&
               unit != PQ_UNIT_MILLIS) {
        li->type = ty(TARN_TYPE_STRING);
        li->conv = unit == PQ_UNIT_NANOS ? PQ_CONV_I64_TIME_NS : PQ_CONV_I64_TIME_US;
    } else if (is_unsigned(e, 64, PQ_CT_UINT_64)) {
        li->conv = PQ_CONV_U64_DEC, li->type = dec_type(20, 0);
    }
}

/* A text annotation (STRING, ENUM, JSON). */
static bool is_text(const pq_schema_elem *e)
{
    int lt = e->logical.kind, ct = e->converted;
    return lt == PQ_LT_STRING || lt == PQ_LT_ENUM || lt == PQ_LT_JSON || ct == PQ_CT_UTF8 ||
           ct == PQ_CT_ENUM || ct == PQ_CT_JSON;
}

/* Tarn type of a BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY leaf. */
static void map_binary(pq_leaf_info *li, const pq_schema_elem *e)
{
    int p, s;
    bool flba = li->physical == PQ_FIXED_LEN_BYTE_ARRAY;
    li->type = ty(TARN_TYPE_STRING);
    li->conv = flba && !is_text(e) ? PQ_CONV_HEX : PQ_CONV_BYTES;
    if (decimal_params(e, &p, &s)) {
        if (p <= TARN_DECIMAL_MAX_PRECISION)
            li->conv = PQ_CONV_BIN_DEC, li->type = dec_type(p, s);
        else
            li->conv = PQ_CONV_BIN_DEC_TEXT;
    } else if (!flba || is_text(e)) {
        return;
    } else if (e->logical.kind == PQ_LT_UUID && li->width == 16) {
        li->conv = PQ_CONV_UUID;
    } else if (e->logical.kind == PQ_LT_FLOAT16 && li->width == 2) {
        li->conv = PQ_CONV_FLOAT16, li->type = ty(TARN_TYPE_DOUBLE);
    } else if (e->converted == PQ_CT_INTERVAL && li->width == 12) {
        li->conv = PQ_CONV_INTERVAL;
    }
}

/* Physical width, conversion and tarn type of a leaf; an unknown physical
** type or a bad FIXED_LEN_BYTE_ARRAY length is an error. */
static int map_leaf(pq_leaf_info *li, const pq_schema_elem *e, tarn_error *err)
{
    static const int widths[8] = {1, 4, 8, 12, 4, 8, 0, 0};
    li->physical = e->type;
    if (e->type < PQ_BOOLEAN || e->type > PQ_FIXED_LEN_BYTE_ARRAY)
        return tarn_error_set(err, TARN_ERR_CORRUPT, "column '%s' has unknown physical type %d",
                              li->path, e->type);
    li->width = e->type == PQ_FIXED_LEN_BYTE_ARRAY ? e->type_length : widths[e->type];
    if (e->type == PQ_FIXED_LEN_BYTE_ARRAY &&
        (e->type_length < 1 || e->type_length > PQ_MAX_FLBA_LENGTH))
        return tarn_error_set(err, TARN_ERR_CORRUPT,
                              "column '%s' is FIXED_LEN_BYTE_ARRAY of bad length %d", li->path,
                              e->type_length);
    switch (e->type) {
    case PQ_BOOLEAN: li->conv = PQ_CONV_BOOL, li->type = ty(TARN_TYPE_BOOLEAN); break;
    case PQ_INT32: map_int32(li, e); break;
    case PQ_INT64: map_int64(li, e); break;
    case PQ_INT96: li->conv = PQ_CONV_INT96, li->type = ty(TARN_TYPE_TIMESTAMP); break;
    case PQ_FLOAT: li->conv = PQ_CONV_FLOAT, li->type = ty(TARN_TYPE_DOUBLE); break;
    case PQ_DOUBLE: li->conv = PQ_CONV_DOUBLE, li->type = ty(TARN_TYPE_DOUBLE); break;
    default: map_binary(li, e); break;
    }
    return TARN_OK;
}

/* "a.b.c" for a node, from the root's children down. */
static const char *node_path(pq_arena *a, const pq_node *n)
{
    if (!n->parent || !n->parent->parent)
        return n->name;
    const char *up = node_path(a, n->parent);
    return pq_arena_printf(a, "%s.%s", up, n->name);
}

/* Readable name of a leaf's annotation, for inspect. */
static const char *logical_name(pq_arena *a, const pq_schema_elem *e)
{
    static const char *const lt[] = {"", "STRING", "MAP", "LIST", "ENUM", "DECIMAL", "DATE",
                                     "TIME", "TIMESTAMP", "INTERVAL", "INTEGER", "UNKNOWN",
                                     "JSON", "BSON", "UUID", "FLOAT16", "VARIANT", "GEOMETRY",
                                     "GEOGRAPHY"};
    static const char *const ct[] = {"UTF8", "MAP", "MAP_KEY_VALUE", "LIST", "ENUM", "DECIMAL",
                                     "DATE", "TIME_MILLIS", "TIME_MICROS", "TIMESTAMP_MILLIS",
                                     "TIMESTAMP_MICROS", "UINT_8", "UINT_16", "UINT_32", "UINT_64",
                                     "INT_8", "INT_16", "INT_32", "INT_64", "JSON", "BSON",
                                     "INTERVAL"};
    static const char *const units[] = {"?", "MILLIS", "MICROS", "NANOS"};
    const pq_logical *l = &e->logical;
    if (l->kind == PQ_LT_DECIMAL)
        return pq_arena_printf(a, "DECIMAL(%d,%d)", l->precision, l->scale);
    if (l->kind == PQ_LT_TIME || l->kind == PQ_LT_TIMESTAMP)
        return pq_arena_printf(a, "%s(%s%s)", lt[l->kind], units[l->unit & 3], l->utc ? ",UTC" : "");
    if (l->kind == PQ_LT_INTEGER)
        return pq_arena_printf(a, "INTEGER(%d,%s)", l->bit_width, l->is_signed ? "signed" : "unsigned");
    if (l->kind > 0 && l->kind <= PQ_LT_GEOGRAPHY)
        return lt[l->kind];
    if (l->kind > PQ_LT_GEOGRAPHY)
        return pq_arena_printf(a, "unknown(%d)", l->kind);
    if (e->converted == PQ_CT_DECIMAL)
        return pq_arena_printf(a, "DECIMAL(%d,%d)", e->precision, e->scale);
    if (e->converted >= 0 && e->converted <= PQ_CT_INTERVAL)
        return ct[e->converted];
    return "";
}

/* ---- statistics ---- */

/* Whether the legacy min/max fields are ordered the way the leaf reads
** (signed comparison of the physical value). */
static bool legacy_order_ok(const pq_leaf_info *li)
{
    switch (li->conv) {
    case PQ_CONV_BOOL: case PQ_CONV_I32: case PQ_CONV_I32_DEC: case PQ_CONV_I64:
    case PQ_CONV_I64_DEC: case PQ_CONV_TS_MILLIS: case PQ_CONV_TS_NANOS: case PQ_CONV_FLOAT:
    case PQ_CONV_DOUBLE: case PQ_CONV_I32_TIME_MS: case PQ_CONV_I64_TIME_US:
    case PQ_CONV_I64_TIME_NS:
        return true;
    default:
        return false;
    }
}

/* One statistics value into v / *str; false if it cannot be used. */
static bool stat_value(pq_file *f, const pq_leaf_info *li, pq_bytes b, tarn_stat_value *v,
                       const char **str, size_t *len)
{
    int32_t i32;
    int64_t i64;
    float fl;
    if (li->width && b.n != (uint32_t)li->width)
        return false;
    switch (li->conv) {
    case PQ_CONV_BOOL: v->i = b.p[0] != 0; return true;
    case PQ_CONV_I32: memcpy(&i32, b.p, 4); v->i = i32; return true;
    case PQ_CONV_U32: memcpy(&i32, b.p, 4); v->i = (uint32_t)i32; return true;
    case PQ_CONV_I32_DEC: memcpy(&i32, b.p, 4); v->dec = i32; return true;
    case PQ_CONV_I64: memcpy(&v->i, b.p, 8); return true;
    case PQ_CONV_I64_DEC: memcpy(&i64, b.p, 8); v->dec = i64; return true;
    case PQ_CONV_U64_DEC: memcpy(&i64, b.p, 8); v->dec = (uint64_t)i64; return true;
    case PQ_CONV_TS_MILLIS: memcpy(&i64, b.p, 8); return pq_millis_to_micros(i64, &v->i);
    case PQ_CONV_TS_NANOS: memcpy(&i64, b.p, 8); v->i = pq_nanos_to_micros(i64); return true;
    case PQ_CONV_FLOAT: memcpy(&fl, b.p, 4); v->d = fl; return !isnan(v->d);
    case PQ_CONV_DOUBLE: memcpy(&v->d, b.p, 8); return !isnan(v->d);
    case PQ_CONV_FLOAT16:
        v->d = pq_half_to_double((uint16_t)(b.p[0] | b.p[1] << 8));
        return !isnan(v->d);
    case PQ_CONV_BIN_DEC: return pq_be_to_i128(b.p, b.n, &v->dec);
    case PQ_CONV_BYTES: *str = (const char *)b.p, *len = b.n; return true;
    case PQ_CONV_HEX: {
        char *s = pq_arena_alloc(&f->arena, 2 * (size_t)b.n + 1);
        *len = pq_format_hex(b.p, b.n, s), *str = s;
        return true;
    }
    case PQ_CONV_UUID: {
        char *s = pq_arena_alloc(&f->arena, 40);
        *len = pq_format_uuid(b.p, s), *str = s;
        return true;
    }
    case PQ_CONV_I32_TIME_MS: case PQ_CONV_I64_TIME_US: case PQ_CONV_I64_TIME_NS: {
        char *s = pq_arena_alloc(&f->arena, 48);
        if (li->conv == PQ_CONV_I32_TIME_MS)
            memcpy(&i32, b.p, 4), i64 = i32;
        else
            memcpy(&i64, b.p, 8);
        int unit = li->conv == PQ_CONV_I32_TIME_MS ? PQ_UNIT_MILLIS
                 : li->conv == PQ_CONV_I64_TIME_US ? PQ_UNIT_MICROS : PQ_UNIT_NANOS;
        *len = pq_format_time(i64, unit, s), *str = s;
        return true;
    }
    default:
        return false; /* INT96, INTERVAL: no defined order; big decimals: skipped */
    }
}

void pq_stats_convert(pq_file *f, const pq_leaf_info *li, const pq_statistics *raw,
                      tarn_pq_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!raw->present)
        return;
    pq_bytes mn = raw->min_value, mx = raw->max_value;
    bool has_mn = raw->has_min_value, has_mx = raw->has_max_value;
    if (!has_mn && !has_mx && legacy_order_ok(li))
        mn = raw->min, mx = raw->max, has_mn = raw->has_min, has_mx = raw->has_max;
    if (has_mn && has_mx) {
        out->has_min = stat_value(f, li, mn, &out->min, &out->min_str, &out->min_len);
        out->has_max = stat_value(f, li, mx, &out->max, &out->max_str, &out->max_len);
        if (!out->has_min || !out->has_max)
            out->has_min = out->has_max = false; /* a NaN or a bad width: trust neither */
    }
    out->min_exact = !raw->has_min_exact || raw->min_exact;
    out->max_exact = !raw->has_max_exact || raw->max_exact;
    out->has_null_count = raw->has_null_count && raw->null_count >= 0;
    out->null_count = out->has_null_count ? raw->null_count : 0;
    out->has_distinct_count = raw->has_distinct_count && raw->distinct_count >= 0;
    out->distinct_count = out->has_distinct_count ? raw->distinct_count : 0;
}

/* ---- the public view ---- */

/* Leaf info (private and public) for every leaf, walking the tree without
** recursion. */
static int build_leaves(tarn_pq_meta *m, pq_file *f, tarn_error *err)
{
    tarn_pq_leaf *pub = pq_arena_alloc(&f->arena, sizeof *pub * (size_t)(f->nleaves + 1));
    f->leaves = pq_arena_alloc(&f->arena, sizeof *f->leaves * (size_t)(f->nleaves + 1));
    for (int fi = 0; fi < f->nfields; fi++) {
        pq_node *top = f->fields[fi];
        for (int k = 0; k < top->nleaves; k++)
            pub[top->first_leaf + k].field = fi;
    }
    /* walk every node to find leaves (they are numbered in schema order) */
    pq_node *stack[PQ_MAX_NESTING + 2];
    int sp = 0, idx[PQ_MAX_NESTING + 2];
    stack[0] = f->root, idx[0] = 0;
    while (sp >= 0) {
        pq_node *n = stack[sp];
        if (n->leaf >= 0 || idx[sp] >= n->nchildren) {
            if (n->leaf >= 0) {
                pq_leaf_info *li = &f->leaves[n->leaf];
                li->node = n;
                li->max_def = n->def, li->max_rep = n->rep;
                li->path = node_path(&f->arena, n);
                int rc = map_leaf(li, n->elem, err);
                if (rc)
                    return rc;
                tarn_pq_leaf *pl = &pub[n->leaf];
                pl->path = li->path;
                pl->physical = li->physical;
                pl->type_length = li->physical == PQ_FIXED_LEN_BYTE_ARRAY ? li->width : 0;
                pl->repetition = n->repetition;
                pl->max_def = n->def, pl->max_rep = n->rep;
                pl->converted = n->elem->converted;
                pl->logical = n->elem->logical.kind;
                decimal_params(n->elem, &pl->precision, &pl->scale);
                pl->logical_name = logical_name(&f->arena, n->elem);
                pl->type = li->type;
            }
            sp--;
            continue;
        }
        stack[sp + 1] = n->children[idx[sp]++];
        idx[++sp] = 0;
    }
    m->leaves = pub;
    m->nleaves = f->nleaves;
    return TARN_OK;
}

/* A column chunk's metadata must exist, be local and match its leaf's type. */
static int check_chunk(pq_file *f, int g, int c, tarn_error *err)
{
    const pq_column_chunk *cc = &f->fm.row_groups[g].columns[c];
    const pq_leaf_info *li = &f->leaves[c];
    if (cc->file_path.n)
        return tarn_error_set(err, TARN_ERR_UNSUPPORTED,
                              "column '%s' keeps its data in another file ('%.*s'); "
                              "multi-file Parquet datasets are not supported", li->path,
                              (int)cc->file_path.n, (const char *)cc->file_path.p);
    if (!cc->has_meta)
        return tarn_error_set(err, TARN_ERR_CORRUPT,
                              "column '%s' in row group %d has no metadata", li->path, g);
    if (cc->meta.type != li->physical)
        return tarn_error_set(err, TARN_ERR_CORRUPT,
                              "column '%s' in row group %d is %s but the schema says %s",
                              li->path, g, tarn_parquet_type_name(cc->meta.type),
                              tarn_parquet_type_name(li->physical));
    return TARN_OK;
}

/* Public row groups and chunks with typed statistics; checks chunk counts
** and row counts. */
static int build_row_groups(tarn_pq_meta *m, pq_file *f, tarn_error *err)
{
    int ng = f->fm.nrow_groups;
    tarn_pq_row_group *rgs = pq_arena_alloc(&f->arena, sizeof *rgs * (size_t)(ng + 1));
    m->rows = 0;
    for (int g = 0; g < ng; g++) {
        const pq_row_group *rg = &f->fm.row_groups[g];
        if (rg->ncolumns != f->nleaves)
            return tarn_error_set(err, TARN_ERR_CORRUPT,
                                  "row group %d has %d column chunks but the schema has %d "
                                  "columns", g, rg->ncolumns, f->nleaves);
        if (rg->num_rows < 0 || __builtin_add_overflow(m->rows, rg->num_rows, &m->rows))
            return tarn_error_set(err, TARN_ERR_CORRUPT, "row group %d has a bad row count %lld",
                                  g, (long long)rg->num_rows);
        tarn_pq_chunk *ch = pq_arena_alloc(&f->arena, sizeof *ch * (size_t)(f->nleaves + 1));
        rgs[g] = (tarn_pq_row_group){g, rg->num_rows, rg->total_byte_size, 0, ch};
        for (int c = 0; c < f->nleaves; c++) {
            int rc = check_chunk(f, g, c, err);
            if (rc)
                return rc;
            const pq_column_meta *cm = &rg->columns[c].meta;
            ch[c].codec = cm->codec;
            ch[c].encodings = cm->encodings;
            ch[c].num_values = cm->num_values;
            ch[c].compressed_size = cm->total_compressed_size;
            ch[c].uncompressed_size = cm->total_uncompressed_size;
            ch[c].data_page_offset = cm->data_page_offset;
            ch[c].dictionary_page_offset = cm->dictionary_page_offset > 0 &&
                cm->dictionary_page_offset < cm->data_page_offset ? cm->dictionary_page_offset : -1;
            pq_stats_convert(f, &f->leaves[c], &cm->stats, &ch[c].stats);
            if (cm->total_compressed_size > 0)
                rgs[g].compressed_size += cm->total_compressed_size;
        }
    }
    m->row_groups = rgs;
    m->nrow_groups = ng;
    return TARN_OK;
}

/* Top-level fields and the tarn schema (nested fields read as string). */
static void build_fields(tarn_pq_meta *m, pq_file *f)
{
    f->nfields = f->root->nchildren;
    f->fields = f->root->children;
    f->field_nested = pq_arena_alloc(&f->arena, sizeof(bool) * (size_t)(f->nfields + 1));
    for (int i = 0; i < f->nfields; i++) {
        pq_node *n = f->fields[i];
        f->field_nested[i] = n->leaf < 0 || n->repetition == PQ_REPEATED;
        tarn_type t = f->field_nested[i] ? ty(TARN_TYPE_STRING) : f->leaves[n->leaf].type;
        tarn_schema_add(&m->schema, n->name, t);
    }
}

/* The file's key/value metadata as NUL-terminated strings. */
static void build_kv(tarn_pq_meta *m, pq_file *f)
{
    tarn_pq_kv *kv = pq_arena_alloc(&f->arena, sizeof *kv * (size_t)(f->fm.nkv + 1));
    for (int i = 0; i < f->fm.nkv; i++) {
        kv[i].key = pq_arena_strndup(&f->arena, f->fm.kv[i].key.p, f->fm.kv[i].key.n);
        kv[i].value = pq_arena_strndup(&f->arena, f->fm.kv[i].value.p, f->fm.kv[i].value.n);
    }
    m->kv = kv;
    m->nkv = f->fm.nkv;
}

int pq_schema_build(tarn_pq_meta *m, tarn_error *err)
{
    pq_file *f = m->impl;
    if (f->fm.nschema < 1)
        return tarn_error_set(err, TARN_ERR_CORRUPT, "corrupt Parquet footer: the schema is empty");
    tree_ctx cx = {f, 0, 0, err};
    int rc = build_node(&cx, NULL, 0, &f->root);
    if (!rc && cx.next != f->fm.nschema)
        rc = tarn_error_set(err, TARN_ERR_CORRUPT,
                            "corrupt schema: %d elements are not part of the tree",
                            f->fm.nschema - cx.next);
    if (rc)
        return rc;
    f->nleaves = cx.nleaves;
    f->nfields = f->root->nchildren;
    f->fields = f->root->children;
    if ((rc = build_leaves(m, f, err)) != 0)
        return rc;
    build_fields(m, f);
    build_kv(m, f);
    return build_row_groups(m, f, err);
}
