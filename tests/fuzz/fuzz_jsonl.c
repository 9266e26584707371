/*
** fuzz_jsonl.c: libFuzzer target over the JSON-lines reader
** (format/jsonl_reader.c) and the JSON-lines text writer. The input is
** written to a temp file and opened as JSONL with an on_bad_row that skips;
** every row is read, through tarn_reader_next and again through the split
** cursors. Besides "never crash", it checks: both walks see the reader's
** row count, every batch column has nrows values, and the writer's output
** for the rows is one valid JSON object per line (parsed with jansson).
*/
#define _GNU_SOURCE
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "format/format.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    snprintf(path, sizeof path, "/tmp/tarn-fuzz-jsonl-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    close(fd);
    return 0;
}

static int skip_bad(void *ud, const tarn_bad_row *row)
{
    CHECK(row->line >= 1 && row->reason && row->reason[0] && row->text);
    ++*(int64_t *)ud;
    return 0;
}

static void check_batch(const tarn_batch *b)
{
    for (int c = 0; c < b->ncols; c++)
        CHECK(b->cols[c].length == b->nrows);
}

/* Every line the writer produced parses as a JSON object. */
static void check_json_output(int fd, int64_t rows)
{
    off_t size = lseek(fd, 0, SEEK_END);
    char *text = malloc((size_t)size + 1);
    CHECK(pread(fd, text, (size_t)size, 0) == size);
    text[size] = '\0';
    int64_t lines = 0;
    for (char *p = text, *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        json_error_t je;
        json_t *o = json_loadb(p, (size_t)(nl - p), JSON_ALLOW_NUL, &je);
        CHECK(o && json_is_object(o));
        json_decref(o);
        lines++;
    }
    CHECK(lines == rows);
    free(text);
}

/* Read the file through the split cursors; returns the rows seen. */
static int64_t read_splits(tarn_reader *r, tarn_batch *b)
{
    int64_t rows = 0;
    tarn_error err = {0};
    for (int s = 0; s < tarn_reader_split_count(r); s++) {
        tarn_cursor *c;
        CHECK(tarn_cursor_open(r, s, &c, &err) == TARN_OK);
        while (tarn_cursor_next(c, b, &err) == 1) {
            check_batch(b);
            rows += b->nrows;
        }
        tarn_cursor_close(c);
    }
    return rows;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(data, 1, size, f) == size);
    fclose(f);
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.format = TARN_FORMAT_JSONL;
    o.batch_rows = 7; /* many batches from small inputs */
    int64_t bad = 0;
    o.on_bad_row = skip_bad;
    o.bad_row_ud = &bad;
    tarn_reader *r;
    tarn_error err = {0};
    if (tarn_reader_open(&r, path, &o, &err) != TARN_OK) {
        CHECK(err.msg[0]);
        return 0;
    }
    CHECK(tarn_reader_bad_rows(r) == bad);
    const tarn_schema *s = tarn_reader_schema(r);
    tarn_batch b;
    tarn_batch_init(&b, s, 0);
    int out = memfd_create("fuzz-jsonl-out", 0);
    CHECK(out >= 0);
    tarn_text_writer *w;
    CHECK(tarn_text_writer_open(&w, out, TARN_FORMAT_JSONL, s, false, &err) == TARN_OK);
    int64_t rows = 0;
    int rc;
    while ((rc = tarn_reader_next(r, &b, &err)) == 1) {
        check_batch(&b);
        rows += b.nrows;
        CHECK(tarn_text_writer_write(w, &b, &err) == TARN_OK);
    }
    CHECK(rc == 0);
    CHECK(tarn_text_writer_close(w, &err) == TARN_OK);
    CHECK(rows == tarn_reader_row_count(r));
    check_json_output(out, rows);
    close(out);
    CHECK(read_splits(r, &b) == rows);
    tarn_batch_free(&b);
    tarn_reader_close(r);
    return 0;
}
