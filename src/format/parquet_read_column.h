/*
** parquet_read_column.h: reading one column chunk (one leaf in one row group)
** page by page, private to format/. parquet_read_column.c finds each page,
** checks its CRC, decompresses it, decodes its levels and values and
** appends them to a tarn_column: for a flat column one row per value (NULL
** where the definition level says so), for a leaf of a nested field only
** the present values, with the levels kept beside them for
** parquet_nested.c.
*/
#ifndef TARN_PARQUET_READ_COLUMN_H
#define TARN_PARQUET_READ_COLUMN_H

#include "format/codec_decompress.h"
#include "format/parquet_decode.h"
#include "format/parquet_meta.h"

#define PQ_LA 1024 /* level entries decoded ahead at a time */

/* Most string bytes one batch column may hold (a dictionary or
** DELTA_BYTE_ARRAY page can expand a few bytes into many). */
#define PQ_MAX_BATCH_BYTES ((size_t)1 << 30)

/* Level entries of a nested leaf, collected for one group of records. */
typedef struct pq_levels {
    uint8_t *def, *rep;
    int64_t n, cap;
} pq_levels;

typedef struct pq_chunk_reader {
    pq_file *f;
    const pq_leaf_info *leaf;
    int leaf_index, row_group;
    const char *path;          /* the file, for messages */
    tarn_decompressor *dz;     /* borrowed from the cursor */
    const uint8_t *data;       /* the chunk's bytes in the mapped file */
    size_t len, pos;
    int codec;
    int page_no;               /* pages started, for messages */
    int64_t page_left;         /* level entries left in the current data page */
    bool dict_page_enc;        /* the current page's values are dictionary indices */
    pq_rle def, rep;
    pq_values vals;
    uint8_t *buf;              /* decompressed page */
    size_t buf_cap;
    bool has_dict;
    int64_t dict_n;
    void *dict_fixed;          /* fixed-width targets: dict_n tarn values */
    int64_t *dict_off;         /* string targets: dict_n + 1 offsets */
    char *dict_data;
    uint8_t la_def[PQ_LA], la_rep[PQ_LA];
    int la_pos, la_len;
    uint8_t *phys;             /* PQ_LA physical values */
    uint32_t idx[PQ_LA];
} pq_chunk_reader;

/* Prepare to read leaf of row group rg. dz is used for decompression and
** must outlive the reader. Errors name the file, column and row group. */
int pq_chunk_open(pq_chunk_reader *c, pq_file *f, int rg, int leaf, tarn_decompressor *dz,
                  const char *path, tarn_error *err);
void pq_chunk_close(pq_chunk_reader *c);

/* Flat leaf (no repetition, at most one definition level): append exactly
** n rows to col. Running out of values is an error. */
int pq_chunk_read_flat(pq_chunk_reader *c, int64_t n, tarn_column *col, tarn_error *err);

/* Nested leaf: append the level entries of up to k whole records to lv and
** their present values (densely, without NULL slots) to col; *records
** receives how many records were read (fewer than k only at the end of
** the chunk). */
int pq_chunk_read_records(pq_chunk_reader *c, int64_t k, pq_levels *lv, tarn_column *col,
                          int64_t *records, tarn_error *err);

void pq_levels_free(pq_levels *lv);

/* ---- nested fields as JSON text (parquet_nested.c) ---- */

typedef struct pq_nested_leaf {
    pq_chunk_reader rd;
    pq_levels lv;           /* level entries of the current group of records */
    tarn_column vals;       /* their present values, dense */
    int64_t ei, vi;         /* next entry / value to use */
} pq_nested_leaf;

typedef struct pq_nested {
    pq_file *f;
    pq_node *top;           /* the top-level field */
    const char *path;       /* the file, for messages */
    int row_group;
    int nleaves;
    pq_nested_leaf *leaves; /* the leaves under top, in order */
} pq_nested;

/* Prepare to read top-level field `field` of row group rg as JSON. */
int pq_nested_open(pq_nested *nf, pq_file *f, int field, int rg, tarn_decompressor *dz,
                   const char *path, tarn_error *err);
/* Append k rows to out (a string column): each record's JSON text, or NULL
** where the whole field is NULL. Errors name the field and what was
** inconsistent. */
int pq_nested_read(pq_nested *nf, int64_t k, tarn_column *out, tarn_error *err);
void pq_nested_close(pq_nested *nf);

#endif
