/*
** parquet_meta.h: the Parquet reader's view of a file's metadata, private
** to format/. parquet_meta.c decodes the Thrift structs (FileMetaData,
** SchemaElement, RowGroup, ColumnChunk, ColumnMetaData, Statistics,
** PageHeader, LogicalType, KeyValue) into the pq_* structs below;
** parquet_schema.c turns the flat schema into a tree of nodes and leaves
** with their levels and tarn types, and builds the public tarn_pq_meta
** (format.h). Byte strings (pq_bytes) point into the mapped file and are
** not NUL-terminated.
*/
#ifndef TARN_PARQUET_META_H
#define TARN_PARQUET_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/format.h"
#include "format/parquet_defs.h"

/* Hard limits on what a footer may declare (each is far above what real
** writers produce; a file beyond them is refused as corrupt). */
#define PQ_MAX_FOOTER ((size_t)1 << 30)       /* footer bytes */
#define PQ_MAX_NESTING 64                     /* schema depth */
#define PQ_MAX_FLBA_LENGTH (1 << 24)          /* FIXED_LEN_BYTE_ARRAY width */
#define PQ_MAX_PAGE_SIZE ((size_t)1 << 30)    /* one page, decompressed */

/* ---- arena: every footer allocation, freed at once ---- */
typedef struct pq_arena_block pq_arena_block;
typedef struct pq_arena {
    pq_arena_block *head;
} pq_arena;

/* Zeroed memory of n bytes (never NULL; out of memory exits). */
void *pq_arena_alloc(pq_arena *a, size_t n);
/* A NUL-terminated copy of n bytes. */
char *pq_arena_strndup(pq_arena *a, const void *p, size_t n);
char *pq_arena_printf(pq_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pq_arena_free(pq_arena *a);

/* ---- Thrift structs ---- */
typedef struct pq_bytes {
    const uint8_t *p;
    uint32_t n;
} pq_bytes;

typedef struct pq_statistics {
    bool present;
    bool has_max, has_min, has_max_value, has_min_value;
    bool has_null_count, has_distinct_count;
    bool has_max_exact, has_min_exact;
    bool max_exact, min_exact;
    pq_bytes max, min, max_value, min_value;
    int64_t null_count, distinct_count;
} pq_statistics;

typedef struct pq_logical {
    int kind;          /* PQ_LT_*, 0 none; an unknown member id is kept here too */
    int32_t scale, precision;  /* DECIMAL */
    int unit;          /* PQ_UNIT_* for TIME / TIMESTAMP */
    bool utc;          /* isAdjustedToUTC */
    int bit_width;     /* INTEGER */
    bool is_signed;    /* INTEGER */
} pq_logical;

typedef struct pq_schema_elem {
    bool has_type;
    int type;               /* physical type */
    int32_t type_length;
    bool has_repetition;
    int repetition;
    pq_bytes name;
    int32_t num_children;   /* -1 when absent */
    int converted;          /* -1 when absent */
    int32_t scale, precision;
    pq_logical logical;
} pq_schema_elem;

typedef struct pq_column_meta {
    int type;
    uint32_t encodings;     /* bit per Encoding code (codes >= 32 ignored) */
    int npath;
    pq_bytes *path;
    int codec;
    int64_t num_values;
    int64_t total_uncompressed_size;
    int64_t total_compressed_size;
    int64_t data_page_offset;
    int64_t index_page_offset;       /* -1 absent */
    int64_t dictionary_page_offset;  /* -1 absent */
    pq_statistics stats;
} pq_column_meta;

typedef struct pq_column_chunk {
    pq_bytes file_path;     /* non-empty: the data lives in another file */
    int64_t file_offset;
    bool has_meta;
    bool encrypted;         /* crypto_metadata or encrypted_column_metadata set */
    pq_column_meta meta;
} pq_column_chunk;

typedef struct pq_row_group {
    int ncolumns;
    pq_column_chunk *columns;
    int64_t total_byte_size;
    int64_t num_rows;
    int64_t file_offset;
    int64_t total_compressed_size;
} pq_row_group;

typedef struct pq_kv {
    pq_bytes key, value;
    bool has_value;
} pq_kv;

typedef struct pq_file_meta {
    int32_t version;
    int nschema;
    pq_schema_elem *schema;
    int64_t num_rows;
    int nrow_groups;
    pq_row_group *row_groups;
    int nkv;
    pq_kv *kv;
    pq_bytes created_by;
    bool encrypted;         /* encryption_algorithm set (plaintext-footer mode) */
} pq_file_meta;

typedef struct pq_page_header {
    int type;               /* PQ_PAGE_* */
    int32_t uncompressed_size;
    int32_t compressed_size;
    bool has_crc;
    uint32_t crc;
    bool has_data, has_data_v2, has_dict;
    int32_t num_values;     /* from whichever page header is set */
    int encoding;
    int def_encoding, rep_encoding;  /* v1 */
    int32_t num_nulls, num_rows;     /* v2 */
    int32_t def_length, rep_length;  /* v2 */
    bool is_compressed;              /* v2, default true */
    pq_statistics stats;
} pq_page_header;

/* Decode FileMetaData from the n footer bytes at p (allocating from a).
** Returns TARN_OK or TARN_ERR_CORRUPT with a message naming what broke. */
int pq_decode_file_meta(const uint8_t *p, size_t n, pq_arena *a, pq_file_meta *out,
                        tarn_error *err);
/* Decode one PageHeader from at most n bytes at p; *used receives its
** length. Allocates nothing (statistics point into p). */
int pq_decode_page_header(const uint8_t *p, size_t n, pq_page_header *out, size_t *used,
                          tarn_error *err);

/* ---- schema tree (parquet_schema.c) ---- */

/* How a leaf's physical values become its tarn type. */
typedef enum pq_conv {
    PQ_CONV_BOOL,        /* BOOLEAN -> boolean */
    PQ_CONV_I32,         /* INT32 -> int or date (same bits) */
    PQ_CONV_U32,         /* INT32 UINT_32 -> bigint */
    PQ_CONV_I32_DEC,     /* INT32 -> decimal */
    PQ_CONV_I32_TIME_MS, /* INT32 TIME(MILLIS) -> string */
    PQ_CONV_I64,         /* INT64 -> bigint, timestamp(micros) */
    PQ_CONV_I64_DEC,     /* INT64 -> decimal */
    PQ_CONV_U64_DEC,     /* INT64 UINT_64 -> decimal(20,0) */
    PQ_CONV_TS_MILLIS,   /* INT64 -> timestamp */
    PQ_CONV_TS_NANOS,    /* INT64 -> timestamp (floored) */
    PQ_CONV_I64_TIME_US, /* INT64 TIME(MICROS) -> string */
    PQ_CONV_I64_TIME_NS, /* INT64 TIME(NANOS) -> string */
    PQ_CONV_INT96,       /* INT96 -> timestamp */
    PQ_CONV_FLOAT,       /* FLOAT -> double */
    PQ_CONV_DOUBLE,      /* DOUBLE -> double */
    PQ_CONV_BYTES,       /* BYTE_ARRAY -> string, as stored */
    PQ_CONV_HEX,         /* FIXED_LEN_BYTE_ARRAY -> string, hex */
    PQ_CONV_UUID,        /* FIXED_LEN_BYTE_ARRAY(16) -> string, canonical */
    PQ_CONV_INTERVAL,    /* FIXED_LEN_BYTE_ARRAY(12) -> string, ISO 8601 */
    PQ_CONV_BIN_DEC,     /* BYTE_ARRAY / FLBA big-endian -> decimal */
    PQ_CONV_BIN_DEC_TEXT,/* same, precision > 38 -> string */
    PQ_CONV_FLOAT16      /* FIXED_LEN_BYTE_ARRAY(2) -> double */
} pq_conv;

typedef struct pq_node pq_node;
struct pq_node {
    const pq_schema_elem *elem;
    const char *name;        /* NUL-terminated (arena) */
    int repetition;          /* PQ_REQUIRED / OPTIONAL / REPEATED */
    int def, rep;            /* levels at this node (counting itself) */
    int nchildren;
    pq_node **children;
    pq_node *parent;
    int leaf;                /* leaf index, -1 for a group */
    int first_leaf, nleaves; /* leaves under this node, contiguous */
};

typedef struct pq_leaf_info {
    pq_node *node;
    int physical;
    int width;               /* bytes per physical value: 1 (bool), 4, 8, 12, FLBA length; 0 BYTE_ARRAY */
    pq_conv conv;
    tarn_type type;
    int max_def, max_rep;
    const char *path;
} pq_leaf_info;

/* Everything parquet_meta.c and parquet_schema.c know about an open file;
** tarn_pq_meta.impl points at it. */
typedef struct pq_file {
    pq_arena arena;
    const uint8_t *map;      /* the whole file, mapped */
    size_t size;
    pq_file_meta fm;
    pq_node *root;
    int nfields;             /* top-level fields */
    pq_node **fields;
    bool *field_nested;      /* per field: read as JSON text */
    int nleaves;
    pq_leaf_info *leaves;
} pq_file;

/* Build the schema tree, leaves, tarn schema and public row-group view of
** m (whose impl is a pq_file with fm decoded). Errors name the column. */
int pq_schema_build(tarn_pq_meta *m, tarn_error *err);
/* Typed statistics of a leaf from raw Thrift statistics (strings copied to
** the arena when converted). */
void pq_stats_convert(pq_file *f, const pq_leaf_info *leaf, const pq_statistics *raw,
                      tarn_pq_stats *out);

#endif
