/*
** pq_write_bench.c: measures tarn's Parquet writer. Usage:
**
**     pq_write_bench INPUT.csv OUTPUT.parquet [CODEC [THREADS [MODE]]]
**
** CODEC: snappy (default), zstd, gzip, none. THREADS: the writer's
** encoding threads (0 = default). MODE:
**   convert (default)  read the CSV with tarn's reader and write Parquet as
**                      the batches come: the whole `file convert` path;
**   write              read every batch into memory first, then time the
**                      writer alone.
** In the environment, PQW_BACKGROUND=0 turns the writer's background
** thread off and PQW_ROW_GROUP_ROWS / PQW_DICT_BYTES set those options. Prints rows, seconds, output bytes and peak resident memory.
** A benchmark tool, not part of tarn (see bench/run.sh for comparisons).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "format/format.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long max_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

/* Copy rows of src into a new batch (for the write-only mode). */
static void batch_copy(tarn_batch *dst, const tarn_schema *s, const tarn_batch *src)
{
    tarn_batch_init(dst, s, src->nrows);
    for (int c = 0; c < src->ncols; c++) {
        const tarn_column *a = &src->cols[c];
        tarn_column *b = &dst->cols[c];
        for (int64_t r = 0; r < src->nrows; r++) {
            size_t n;
            if (!tarn_column_is_valid(a, r)) {
                tarn_column_append_null(b);
                continue;
            }
            switch (a->type.id) {
            case TARN_TYPE_BOOLEAN: tarn_column_append_bool(b, ((uint8_t *)a->values)[r]); break;
            case TARN_TYPE_INT: case TARN_TYPE_DATE:
                tarn_column_append_i32(b, ((int32_t *)a->values)[r]); break;
            case TARN_TYPE_BIGINT: case TARN_TYPE_TIMESTAMP:
                tarn_column_append_i64(b, ((int64_t *)a->values)[r]); break;
            case TARN_TYPE_DOUBLE: tarn_column_append_double(b, ((double *)a->values)[r]); break;
            case TARN_TYPE_DECIMAL: tarn_column_append_i128(b, ((__int128 *)a->values)[r]); break;
            case TARN_TYPE_STRING: {
                const char *p = tarn_column_str(a, r, &n);
                tarn_column_append_str(b, p, n);
                break;
            }
            }
        }
    }
    dst->nrows = src->nrows;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: pq_write_bench INPUT.csv OUTPUT.parquet [CODEC [THREADS [convert|write]]]\n");
        return 2;
    }
    tarn_error err = {0};
    tarn_parquet_write_options o;
    tarn_parquet_write_options_init(&o);
    if (argc > 3 && tarn_parquet_codec_parse(argv[3], &o.codec, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    o.nthreads = argc > 4 ? atoi(argv[4]) : 0;
    bool write_only = argc > 5 && strcmp(argv[5], "write") == 0;
    const char *bg = getenv("PQW_BACKGROUND");
    o.background = !bg || strcmp(bg, "0") != 0;
    if (getenv("PQW_ROW_GROUP_ROWS"))
        o.row_group_rows = atoll(getenv("PQW_ROW_GROUP_ROWS"));
    if (getenv("PQW_DICT_BYTES"))
        o.dictionary_bytes = atoll(getenv("PQW_DICT_BYTES"));

    double t0 = now();
    tarn_read_options ro;
    tarn_read_options_init(&ro);
    tarn_reader *r;
    if (tarn_reader_open(&r, argv[1], &ro, &err)) {
        fprintf(stderr, "reading %s: %s\n", argv[1], err.msg);
        return 1;
    }
    const tarn_schema *s = tarn_reader_schema(r);
    tarn_batch b;
    tarn_batch_init(&b, s, 0);
    tarn_batch *held = NULL;
    size_t nheld = 0;
    int rc;
    if (write_only) {
        while ((rc = tarn_reader_next(r, &b, &err)) == 1) {
            held = realloc(held, (nheld + 1) * sizeof *held);
            batch_copy(&held[nheld++], s, &b);
        }
        printf("read: %.3f s (with copying into memory)\n", now() - t0);
        t0 = now();
    }
    tarn_parquet_writer *w;
    if (tarn_parquet_writer_open(&w, argv[2], s, &o, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    rc = 0;
    if (write_only) {
        for (size_t i = 0; i < nheld && !rc; i++)
            rc = tarn_parquet_writer_write(w, &held[i], &err);
    } else {
        while ((rc = tarn_reader_next(r, &b, &err)) == 1)
            if ((rc = tarn_parquet_writer_write(w, &b, &err)))
                break;
    }
    tarn_parquet_write_info info = {0};
    if (rc < 0 || rc > 0) {
        fprintf(stderr, "%s\n", err.msg);
        tarn_parquet_writer_abort(w);
        return 1;
    }
    if (tarn_parquet_writer_close(w, &info, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double t1 = now();
    printf("%s: %lld rows, %lld row groups, %.3f s, %lld bytes, max RSS %ld MB\n",
           write_only ? "write" : "convert", (long long)info.rows, (long long)info.row_groups,
           t1 - t0, (long long)info.file_bytes, max_rss_mb());
    for (size_t i = 0; i < nheld; i++)
        tarn_batch_free(&held[i]);
    free(held);
    tarn_batch_free(&b);
    tarn_reader_close(r);
    return 0;
}
