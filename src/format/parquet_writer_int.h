/*
** parquet_writer_int.h: what the two halves of the Parquet writer share,
** and nothing else may use: parquet_writer_column.c builds one column's chunk
** (pages from batch vectors, the dictionary page, the chunk's metadata);
** parquet_writer.c owns the file, row groups, threads and footer.
*/
#ifndef TARN_PARQUET_WRITER_INT_H
#define TARN_PARQUET_WRITER_INT_H

#include "format/codec_compress.h"
#include "format/format.h"
#include "format/parquet_encode.h"
#include "format/thrift_write.h"

/* Settings every column of one writer follows. */
typedef struct tarn_pqw_config {
    int64_t page_bytes;   /* data page target (uncompressed) */
    int64_t page_rows;    /* most rows in a data page */
    int64_t dict_bytes;   /* largest dictionary per chunk */
    int page_version;     /* 1 or 2 */
    int codec;            /* PQ_CODEC_* */
    bool dictionary;      /* try dictionary encoding */
} tarn_pqw_config;

/* Per-thread state: a compressor and scratch space, so columns encode on
** any thread without sharing buffers. */
typedef struct tarn_pqw_worker {
    tarn_codec codec;
    tarn_buf page;        /* uncompressed page body being assembled */
    tarn_buf comp;        /* compressed page body */
    tarn_buf hdr;         /* serialized page header */
    uint8_t *scratch;     /* compacted and converted values */
    size_t scratch_cap;
} tarn_pqw_worker;

/* One column: its type mapping, the page being filled, and the column
** chunk of the current row group. */
typedef struct tarn_pqw_column {
    const tarn_pqw_config *cfg;
    const char *name;     /* the schema's, not owned */
    tarn_type type;
    int phys;             /* PQ_BOOLEAN ... PQ_FIXED_LEN_BYTE_ARRAY */
    int width;            /* PLAIN bytes per value (fixed-width types) */
    bool required;
    bool dict_allowed;
    __int128 dec_limit;   /* decimals: 10^precision */

    /* the data page being filled */
    int64_t pg_rows;      /* values including nulls */
    int64_t pg_nulls;
    int64_t pg_nvals;     /* non-null values */
    uint8_t *levels;      /* definition levels as a bitmap, kept only once
                             the page has a null (until then all 1) */
    size_t levels_cap;    /* bytes */
    bool levels_on;
    tarn_buf plain;       /* PLAIN values (PLAIN mode; booleans packed) */
    uint32_t *idx;        /* dictionary indices (dictionary mode) */
    size_t idx_n, idx_cap;
    size_t pg_plain;      /* PLAIN size of the indexed values */

    /* the column chunk */
    bool dict_mode;       /* values go through the dictionary */
    int dict_pages;       /* data pages that use the dictionary */
    int plain_pages;
    tarn_pqw_dict dict;
    tarn_buf chunk;       /* data pages: headers and bodies */
    tarn_buf dictpage;    /* the dictionary page, built at the chunk's end */
    int64_t ch_values;
    int64_t ch_uncomp;    /* data pages incl. headers */
    int64_t ch_comp;
    int64_t dp_uncomp;    /* dictionary page incl. header */
    tarn_pqw_stats stats;

    int rc;               /* a failure on a worker thread, for the caller */
    tarn_error err;
} tarn_pqw_column;

int tarn_pqw_worker_init(tarn_pqw_worker *wk, int codec, int level, tarn_error *err);
void tarn_pqw_worker_free(tarn_pqw_worker *wk);

/* Set up c for field f under cfg (which must outlive c). */
void tarn_pqw_column_init(tarn_pqw_column *c, const tarn_pqw_config *cfg, const tarn_field *f,
                         bool required);
void tarn_pqw_column_free(tarn_pqw_column *c);
/* Add rows [off, off+n) of src (of the column's type) to the chunk,
** cutting pages as they fill. Fails on a null in a REQUIRED column, a
** decimal out of its precision, or a value over the page size limit. */
int tarn_pqw_column_append(tarn_pqw_column *c, tarn_pqw_worker *wk, const tarn_column *src,
                          int64_t off, int64_t n, tarn_error *err);
/* End the chunk: cut the last page and build the dictionary page. After
** it, c->dictpage then c->chunk are the chunk's bytes in file order. */
int tarn_pqw_column_finish(tarn_pqw_column *c, tarn_pqw_worker *wk, tarn_error *err);
/* Serialize the finished chunk's ColumnChunk (a RowGroup list element)
** given where its pages landed (dict_off < 0: no dictionary page). */
void tarn_pqw_column_put_meta(tarn_thrift_writer *t, const tarn_pqw_column *c, int64_t dict_off,
                             int64_t data_off);
/* Encoded, uncompressed bytes held for the current row group. */
int64_t tarn_pqw_column_bytes(const tarn_pqw_column *c);
/* Total uncompressed bytes of the finished chunk, headers included. */
int64_t tarn_pqw_column_uncompressed(const tarn_pqw_column *c);
/* Start the next row group's chunk. */
void tarn_pqw_column_reset(tarn_pqw_column *c);

#endif
