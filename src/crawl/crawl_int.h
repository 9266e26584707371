/*
** crawl_int.h: what the files of crawl/ share and nothing else may use:
** schema merging and similarity (schema.c), a name -> index map, the CSV
** classifier (classify_csv.c), naming and Hive unescaping (group.c), and
** the internal parts of the plan (group.c, params.c).
*/
#ifndef TARN_CRAWL_INT_H
#define TARN_CRAWL_INT_H

#include "crawl/crawl.h"

/* Make room for element n of an array grown by doubling: call it before
** storing element n (n = the current count); returns the (moved) array. */
static inline void *crawl_grow(void *p, size_t n, size_t size)
{
    if (n >= 4 && (n & (n - 1)) != 0)
        return p;
    return tarn_xrealloc(p, (n < 4 ? 4 : n * 2) * size);
}

/* ---- schema.c ---- */

/* The type a column takes when two files disagree: equal types stay;
** int < bigint < double; decimals widen to fit both (double past 38
** digits), decimal with double is double; date with timestamp is
** timestamp; anything else is string. */
tarn_type crawl_type_widen(tarn_type a, tarn_type b);

/* Fold src into dst: shared columns (by name) widen, new ones are appended
** in src's order. Names must already be lower-case. */
void crawl_schema_merge(tarn_schema *dst, const tarn_schema *src);

/* The share of column names two schemas have in common (the Jaccard index
** of their name sets): 1 for equal sets, 0 for disjoint ones; two empty
** schemas are equal. */
double crawl_schema_similarity(const tarn_schema *a, const tarn_schema *b);

/* A map from names to indexes (open addressing over name hashes). The map
** does not copy names: they must outlive it. */
typedef struct crawl_name_map {
    const char **names;
    int *idx;
    size_t cap;   /* power of two */
    size_t count;
} crawl_name_map;

void crawl_name_map_init(crawl_name_map *m);
void crawl_name_map_free(crawl_name_map *m);
/* The index stored for name (n bytes), or -1. */
int crawl_name_map_get(const crawl_name_map *m, const char *name, size_t n);
/* Store name (NUL-terminated, kept by pointer) -> idx; replaces an old one. */
void crawl_name_map_put(crawl_name_map *m, const char *name, int idx);

/* Lower-case s in place (ASCII letters only). */
void crawl_lower(char *s);

/* Append a column named name (n bytes, copied and lower-cased) to s; a
** name s already has (or an empty one) becomes "<name>_<index>" or
** "col<index>", so names stay unique; control characters become '_' and a
** name is cut to fit the catalog. map indexes s's names. */
void crawl_schema_add_unique(tarn_schema *s, crawl_name_map *map, const char *name, size_t n,
                             tarn_type type);

/* ---- classify_csv.c ---- */

/* Glue's CSV classifier over a sample (see tarn_crawl_classify_text). On a
** match fills out and returns true; else returns false with out->reason
** set. */
bool crawl_classify_csv(const char *data, size_t n, bool truncated, tarn_crawl_class *out);

/* The type of one trimmed CSV value under Glue's rules, as a bit:
** CRAWL_K_BIGINT, CRAWL_K_DOUBLE, CRAWL_K_BOOL, CRAWL_K_STRING; 0 for an
** empty value. */
#define CRAWL_K_BIGINT 1u
#define CRAWL_K_DOUBLE 2u
#define CRAWL_K_BOOL   4u
#define CRAWL_K_STRING 8u
#define CRAWL_K_INT    16u /* JSON only: a 32-bit integer */
unsigned crawl_value_kind(const char *p, size_t n);
/* The column type for the union of kinds a column's values had. */
tarn_type crawl_kinds_type(unsigned kinds);

/* ---- crawl.c ---- */

/* Append one line (at most 1 KiB) to the run's log. */
void crawl_log(tarn_crawl_result *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- group.c / params.c ---- */

/* A catalog table name: prefix + raw, lower-cased, every byte outside
** [a-z0-9_] made '_', cut to TARN_CATALOG_NAME_MAX bytes. Caller frees. */
char *crawl_table_name(const char *prefix, const char *raw, size_t n);

/* Decode Hive's %XX escapes of a partition value (n bytes); caller frees.
** A '%' not followed by two hex digits stays as it is. */
char *crawl_hive_unescape(const char *s, size_t n);

/* Counts of the files behind a table or a partition. */
typedef struct crawl_stats {
    int64_t objects;
    int64_t bytes;        /* stored bytes (sizeKey) */
    int64_t records;
    double record_bytes;  /* sum of records x average record size */
} crawl_stats;

void crawl_stats_add(crawl_stats *s, const tarn_crawl_object *o);

/* Fill t's format fields (classification, input/output format, SerDe and
** its parameters) and t->parameters for files like proto, counted by st.
** cols are the table's columns (JsonSerDe lists them in "paths"). */
void crawl_table_describe(tarn_cat_table *t, const tarn_crawl_class *proto, bool quoted,
                          const crawl_stats *st, const char *crawler);
/* The parameters JSON of a partition (the table's, counted over its own
** files); caller frees. */
char *crawl_partition_parameters(const tarn_crawl_class *proto, bool quoted,
                                 const crawl_stats *st, const char *crawler);

#endif
