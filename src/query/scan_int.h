/*
** scan_int.h: what the scan layer's files share (vtab.c, prune.c,
** filter.c, scan.c): the virtual table, its cursor, pushed constraints and
** values as SQLite sees them. Private to query/'s scan files.
*/
#ifndef TARN_QUERY_SCAN_INT_H
#define TARN_QUERY_SCAN_INT_H

#include "format/format.h"
#include "query/query_int.h"
#include "table/table.h"

/* A value as SQLite sees it: type is SQLITE_NULL, SQLITE_INTEGER,
** SQLITE_FLOAT or SQLITE_TEXT; s points into someone else's memory. */
typedef struct qs_val {
    int type;
    int64_t i;
    double d;
    const char *s;
    size_t n;
} qs_val;

/* Comparison operators a scan evaluates itself. */
enum { QS_EQ, QS_NE, QS_LT, QS_LE, QS_GT, QS_GE, QS_ISNULL, QS_NOTNULL, QS_IN, QS_KEY };

/* SQLite column affinities, from a declared type name. */
enum { QS_AFF_BLOB, QS_AFF_TEXT, QS_AFF_NUMERIC, QS_AFF_INTEGER, QS_AFF_REAL };

/* How a term compares: the fast paths over typed vectors, or the generic
** path through the value SQLite would see. */
enum { QS_K_GENERIC, QS_K_I64, QS_K_F64, QS_K_STR, QS_K_DATE, QS_K_TS };

/* A join key in normal form (scan_index.c): kind 0 null, 1 integer (also
** integral doubles and text reading as one), 2 double, 3 text. */
typedef struct qs_key {
    int kind;
    int64_t i;
    double d;
    const char *s;
    size_t n;
} qs_key;

/* One constraint the scan evaluates: column col (table order) op value.
** IN terms hold a set (partition keys only). */
typedef struct qs_term {
    int col;
    int op;
    qs_val v;           /* the constant (affinity applied); text owned by the term */
    char *owned;        /* text of v, owned */
    qs_val *set;        /* QS_IN: the values (texts in set_owned) */
    char **set_owned;
    int nset;
    int64_t *set_slots; /* large sets: positions hashed by qs_key, -1 empty */
    size_t set_mask;
    /* Per object: batch column, and the fast path for its type. */
    int bcol;
    int kind;
    int64_t ci;         /* QS_K_I64 / QS_K_DATE / QS_K_TS constant */
    bool ts_prefix;     /* QS_K_TS: the text is a prefix of ci's (never equal) */
    double cd;          /* QS_K_F64 constant */
} qs_term;

/* The virtual table over one catalog table. */
typedef struct qs_table {
    sqlite3_vtab base;
    tarn_qscan_ctx *ctx;
    char *qname;                /* "db.t", for messages */
    tarn_cat_table t;
    int ncols, nkeys;           /* data columns, then partition keys */
    tarn_type *types;           /* ncols + nkeys catalog types */
    int *aff;                   /* ncols + nkeys QS_AFF_* */
    tarn_format_kind format;
    tarn_csv_dialect dialect;
    int skip_header;            /* CSV rows to drop at each object's start */
    tarn_schema force;          /* text formats: column types forced by name */
    /* Object ids for rowids, stable for the table's life: "bucket/key"
    ** strings in an open-addressing set, id = position in keys. */
    char **obj_keys;
    int64_t nobj_keys;
    int64_t *obj_slots;         /* -1 = empty */
    size_t obj_mask;
} qs_table;

/* A row's id: its object's id above, its row in the object below. */
#define QS_ROW_BITS 36

/* An object the scan will read. */
typedef struct qs_object {
    char bucket[64];
    char *key;
    int64_t size;
    int part;                   /* index into the cursor's partitions, -1 */
    int64_t id;                 /* qs_object_id() */
} qs_object;

/* A batch kept by a join index, with its column map and partition. */
typedef struct qs_cached {
    tarn_batch b;
    int *colmap;
    int part;
    int64_t rowbase;            /* rowid of its row 0 */
} qs_cached;

/* Every passing row of a table, hashed by one column (scan_index.c). */
typedef struct qs_index {
    int kcol;
    qs_cached *batches;
    int nbatches;
    uint32_t *eb, *er;          /* per entry: batch, row */
    uint64_t *hash;             /* per entry: its key's hash */
    int64_t *next;              /* per entry: next in its chain, -1 */
    int64_t *heads;             /* per bucket: first entry, -1 */
    size_t mask;
    int64_t n, cap;
} qs_index;

typedef struct qs_cursor {
    sqlite3_vtab_cursor base;
    qs_table *tab;
    uint64_t used;              /* colUsed */
    bool need_data;             /* some data column is used */
    /* The plan consumed an ORDER BY / GROUP BY on the first order_keys
    ** partition keys: partitions are read sorted by them, ascending
    ** (order 1) or descending (-1); 0: in catalog order. */
    int order, order_keys;
    qs_term *terms;             /* on data columns */
    int nterms;
    /* Partitions kept (values as SQLite sees them, nkeys per partition). */
    qs_val *pvals;
    char **pstr;                /* owned texts behind pvals */
    int npart;
    qs_object *objs;
    size_t nobjs, iobj;
    /* The object being read, and its local file. */
    char *path;
    tarn_reader *rd;
    tarn_cursor *cur;
    int nsplits, isplit;
    bool have_batch;
    tarn_batch batch;
    int *colmap;                /* table column -> batch column, -1 = NULL */
    const tarn_pq_meta *meta;   /* Parquet: the reader's footer */
    int *pq_fields;             /* Parquet: file field of each batch column */
    int skip;                   /* header rows still to drop */
    uint32_t *sel;              /* rows of the batch that pass, or NULL = all */
    size_t sel_cap;
    int64_t nrows, pos;         /* rows available in this batch, position */
    int64_t obj_base;           /* object id << QS_ROW_BITS */
    int64_t batch_base;         /* row in the object of the batch's row 0 */
    int64_t next_base;          /* ... of the next batch */
    bool counting;              /* no data column used: rows only */
    int cur_part;
    bool eof;
    char vbuf[64];
    /* Join lookups: the key column and argument, the index, the entry. */
    int key_col, key_arg;
    int64_t key_filters;        /* xFilter calls with a join key so far */
    char *key_plan;             /* the idxStr they had */
    qs_index *ix;
    int64_t ix_cur;
    uint64_t ix_hash;
    qs_key ix_key;
    char *ix_key_owned;
} qs_cursor;

/* ---- values (scan.c) ---- */
/* The value SQLite sees for row i of c (buf holds formatted text). */
void qs_value_get(const tarn_column *c, int64_t i, qs_val *out, char buf[64]);
/* SQLite's order between two non-NULL values: numbers < text. */
int qs_val_cmp(const qs_val *a, const qs_val *b);
/* Copy an sqlite3_value with affinity aff applied into v (text into *owned). */
void qs_val_from_sqlite(sqlite3_value *sv, int aff, qs_val *v, char **owned);
/* The affinity SQLite gives a declared type name. */
int qs_affinity(const char *decl);

/* ---- pruning and objects (prune.c) ---- */
/* Load the table's partitions, drop those terms on keys reject, list the
** objects of the rest (or of the table location) into the cursor. */
int qs_prune_and_list(qs_cursor *c, const qs_term *keyterms, int nkeyterms, tarn_error *err);
/* The id of object bucket/key in q (assigned on first sight). */
int64_t qs_object_id(qs_table *q, const char *bucket, const char *key);
void qs_object_ids_free(qs_table *q);
/* Free what qs_prune_and_list filled. */
void qs_objects_free(qs_cursor *c);
/* True if term t accepts v. */
bool qs_term_accepts(const qs_term *t, const qs_val *v);
/* Hash a large IN set of t for qs_term_accepts. */
void qs_term_hash_set(qs_term *t);

/* "country = 'France'" for EXPLAIN. */
void qs_term_text(const qs_table *q, const qs_term *t, char *buf, size_t n);

/* ---- batch filters and row groups (filter.c) ---- */
/* Choose each term's fast path for the batch column types. */
void qs_terms_bind(qs_cursor *c, const tarn_schema *s);
/* Rows from start of c->batch that pass every term into c->sel. */
int64_t qs_filter_batch(qs_cursor *c, int64_t start);
/* True if row group rg can hold rows passing every term; else *why says
** which term rules it out. */
bool qs_row_group_may_match(qs_cursor *c, const tarn_pq_meta *m, const tarn_pq_row_group *rg,
                            char *why, size_t n);
void qs_terms_free(qs_term *t, int n);

/* ---- join index (scan_index.c) ---- */
/* v in normal form (numbers and text that reads as one coincide), and its
** hash: equal values (qs_val_cmp) always have equal keys. */
void qs_key_normalize(const qs_val *v, qs_key *k);
uint64_t qs_key_hash(const qs_key *k);
/* A hash table of int64 slots, all -1, for n entries (at most half
** full): returns it (caller frees) and its mask in *mask. */
int64_t *qs_slots_new(int64_t n, size_t *mask);
/* Read every passing row of the listed objects into c->ix, hashed by table
** column kcol. SQLITE_OK or an error (ctx->err filled). */
int qs_index_build(qs_cursor *c, int kcol);
/* Position c->ix_cur on the first row whose key equals key (-1: none). */
void qs_index_seek(qs_cursor *c, sqlite3_value *key);
void qs_index_next(qs_cursor *c);
/* The rowid of the current entry. */
int64_t qs_index_rowid(const qs_cursor *c);
/* The column col of the current entry's batch (NULL: absent), its row
** and partition. */
const tarn_column *qs_index_column(const qs_cursor *c, int col, int64_t *row, int *part);
void qs_index_free(qs_index *ix);

/* ---- reading (scan.c) ---- */
/* Move to the next passing row; sets c->eof at the end. SQLITE_OK or an
** error (ctx->err filled, cutoff_hit for the cutoff). */
int qs_advance(qs_cursor *c);
/* Close the current object. */
void qs_object_close(qs_cursor *c);
/* Append a line to the EXPLAIN log when it is on. */
void qs_explain(tarn_qscan_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
