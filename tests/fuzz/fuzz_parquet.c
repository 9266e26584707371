/*
** fuzz_parquet.c: libFuzzer target over the Parquet reader
** (format/parquet_*.c, thrift_read.c, codec_decompress.c). The input is
** written to a temp file and opened as Parquet; every batch of every split
** is read, first through tarn_reader_next and then through the split
** cursors, and the footer API (tarn_parquet_meta_open, tarn_parquet_pages)
** is walked. Besides "never crash, hang or leak", it checks: a failure
** always comes with a message, every batch column has nrows values, a
** string column's offsets rise within its data, and both walks agree.
**
** Good seeds: the files in ../shared/testdata/parquet-testing/data and
** bad_data. A file may declare billions of rows of NULLs in a few bytes
** (legitimately); reading is linear in the rows declared, so inputs that
** declare more than MAX_ROWS rows are only opened, not read.
*/
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/format.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
#define MAX_ROWS 2000000

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    snprintf(path, sizeof path, "/tmp/tarn-fuzz-parquet-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    close(fd);
    return 0;
}

static void check_batch(const tarn_batch *b)
{
    for (int c = 0; c < b->ncols; c++) {
        const tarn_column *col = &b->cols[c];
        CHECK(col->length == b->nrows);
        if (col->type.id != TARN_TYPE_STRING)
            continue;
        CHECK(col->offsets[0] == 0);
        for (int64_t i = 0; i < col->length; i++)
            CHECK(col->offsets[i + 1] >= col->offsets[i]);
        CHECK((size_t)col->offsets[col->length] == col->data_len);
    }
}

/* Every row through the reader's own walk; returns the rows seen or -1. */
static int64_t read_sequential(tarn_reader *r, tarn_batch *b)
{
    tarn_error err = {0};
    int64_t rows = 0;
    int rc;
    while ((rc = tarn_reader_next(r, b, &err)) == 1) {
        check_batch(b);
        rows += b->nrows;
    }
    if (rc < 0) {
        CHECK(err.msg[0]);
        return -1;
    }
    return rows;
}

static int64_t read_splits(tarn_reader *r, tarn_batch *b)
{
    tarn_error err = {0};
    int64_t rows = 0;
    for (int s = 0; s < tarn_reader_split_count(r); s++) {
        tarn_cursor *c;
        if (tarn_cursor_open(r, s, &c, &err) != TARN_OK) {
            CHECK(err.msg[0]);
            return -1;
        }
        int rc;
        while ((rc = tarn_cursor_next(c, b, &err)) == 1) {
            check_batch(b);
            rows += b->nrows;
        }
        tarn_cursor_close(c);
        if (rc < 0)
            return -1;
    }
    return rows;
}

/* The footer API: row groups, statistics and page headers. */
static void walk_meta(void)
{
    tarn_pq_meta *m;
    tarn_error err = {0};
    if (tarn_parquet_meta_open(&m, path, &err) != TARN_OK) {
        CHECK(err.msg[0]);
        return;
    }
    for (int g = 0; g < m->nrow_groups && g < 4; g++) {
        for (int l = 0; l < m->nleaves && l < 8; l++) {
            tarn_pq_page *pages;
            int n;
            if (tarn_parquet_pages(m, g, l, &pages, &n, &err) == TARN_OK)
                free(pages);
            else
                CHECK(err.msg[0]);
        }
    }
    tarn_parquet_meta_close(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(data, 1, size, f) == size);
    fclose(f);
    walk_meta();
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.format = TARN_FORMAT_PARQUET;
    o.batch_rows = 1000;
    tarn_reader *r;
    tarn_error err = {0};
    if (tarn_reader_open(&r, path, &o, &err) != TARN_OK) {
        CHECK(err.msg[0]);
        return 0;
    }
    if (tarn_reader_row_count(r) <= MAX_ROWS) {
        tarn_batch b;
        tarn_batch_init(&b, tarn_reader_schema(r), 0);
        int64_t a = read_sequential(r, &b);
        int64_t c = read_splits(r, &b);
        CHECK(a == c);
        CHECK(a < 0 || a == tarn_reader_row_count(r));
        tarn_batch_free(&b);
    }
    tarn_reader_close(r);
    return 0;
}
