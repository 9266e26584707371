/*
** fuzz_csv.c: libFuzzer target over the CSV reader (format/csv_*.c,
** infer.c, input.c). The input is written to a temp file and opened as CSV
** with an on_bad_row that skips; every batch is read. Besides "never
** crash", it checks a property of the parallel design: reading the file
** with tiny chunks (many speculative splits, most guessing their start
** wrong) gives exactly what one chunk gives: the same schema, row and
** bad-row counts, bad-row lines, and the same text for every value, both
** through tarn_reader_next and through the split cursors.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/csv_internal.h"
#include "format/format.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    snprintf(path, sizeof path, "/tmp/tarn-fuzz-csv-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    close(fd);
    return 0;
}

/* What one read of the file produced. */
typedef struct outcome {
    int rc;
    int ncols;
    char types[64];
    int64_t rows, bad, rows_by_split;
    uint64_t bad_lines; /* hash of the bad rows' line numbers, in order */
    uint64_t values;    /* hash of every value's text, in order */
} outcome;

static int skip_bad(void *ud, const tarn_bad_row *row)
{
    outcome *o = ud;
    CHECK(row->line >= 1 && row->reason && row->reason[0] && row->text);
    o->bad_lines = o->bad_lines * 1000003u + (uint64_t)row->line;
    return 0;
}

static uint64_t hash_batch(const tarn_batch *b, uint64_t h)
{
    char buf[256];
    for (int c = 0; c < b->ncols; c++)
        CHECK(b->cols[c].length == b->nrows);
    for (int64_t i = 0; i < b->nrows; i++) {
        for (int c = 0; c < b->ncols; c++) {
            const tarn_column *col = &b->cols[c];
            size_t n;
            const char *s = buf;
            if (!tarn_column_is_valid(col, i)) {
                s = "\x01NULL";
                n = 5;
            } else if (col->type.id == TARN_TYPE_STRING) {
                s = tarn_column_str(col, i, &n);
            } else {
                n = tarn_value_format(col, i, buf, sizeof buf);
            }
            h = tarn_hash64(s, n, h);
        }
    }
    return h;
}

static void read_once(size_t chunk, outcome *out)
{
    memset(out, 0, sizeof *out);
    tarn_csv_chunk_bytes = chunk;
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.format = TARN_FORMAT_CSV;
    o.batch_rows = 5;
    o.nthreads = 2;
    o.on_bad_row = skip_bad;
    o.bad_row_ud = out;
    tarn_reader *r;
    tarn_error err = {0};
    out->rc = tarn_reader_open(&r, path, &o, &err);
    if (out->rc != TARN_OK) {
        CHECK(err.msg[0]);
        return;
    }
    const tarn_schema *s = tarn_reader_schema(r);
    out->ncols = s->ncols;
    for (int c = 0; c < s->ncols && c < 64; c++)
        out->types[c] = (char)('a' + s->fields[c].type.id);
    out->rows = tarn_reader_row_count(r);
    out->bad = tarn_reader_bad_rows(r);
    tarn_batch b;
    tarn_batch_init(&b, s, 0);
    int rc;
    int64_t rows = 0;
    while ((rc = tarn_reader_next(r, &b, &err)) == 1) {
        out->values = hash_batch(&b, out->values);
        rows += b.nrows;
    }
    CHECK(rc == 0 && rows == out->rows);
    for (int i = 0; i < tarn_reader_split_count(r); i++) {
        tarn_cursor *c;
        CHECK(tarn_cursor_open(r, i, &c, &err) == TARN_OK);
        while (tarn_cursor_next(c, &b, &err) == 1)
            out->rows_by_split += b.nrows;
        tarn_cursor_close(c);
    }
    CHECK(out->rows_by_split == out->rows);
    tarn_batch_free(&b);
    tarn_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(data, 1, size, f) == size);
    fclose(f);
    outcome whole, tiny;
    read_once(1u << 30, &whole);
    read_once(1 + (size ? data[size - 1] % 23 : 0), &tiny);
    tarn_csv_chunk_bytes = 0;
    CHECK(whole.rc == tiny.rc);
    CHECK(memcmp(&whole, &tiny, sizeof whole) == 0);
    return 0;
}
