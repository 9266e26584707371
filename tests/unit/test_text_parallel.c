/*
** test_text_parallel.c: parallel text output (format/text_parallel.c,
** tarn_text_write_reader) and the fast value formatting under it
** (format/text_writer.c): integers, doubles and decimals print exactly as
** tarn_value_format prints them (a separate implementation, printf-based);
** the parallel output of CSV and Parquet files cut into many splits and
** batches is byte for byte what the sequential writer gives, for any
** thread count; a read failure in a middle row group is reported after
** exactly the rows before it; --limit style output stops at its count;
** write failures are reported.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/csv_internal.h"
#include "format/format.h"

/* ---- helpers ---- */

/* A path under /tmp for this process: name plus the pid. */
static const char *tmp_path(char buf[96], const char *name)
{
    snprintf(buf, 96, "/tmp/tarn_test_tp_%d_%s", (int)getpid(), name);
    return buf;
}

/* An unlinked temporary file's descriptor. */
static int temp_fd(void)
{
    char path[] = "/tmp/tarn_test_tp_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    return fd;
}

/* Everything written to fd, NUL-terminated (caller frees); *n its length. */
static char *fd_contents(int fd, size_t *n)
{
    off_t size = lseek(fd, 0, SEEK_END);
    char *buf = malloc((size_t)size + 1);
    assert_int_equal(pread(fd, buf, (size_t)size, 0), size);
    buf[size] = '\0';
    *n = (size_t)size;
    return buf;
}

/* The sequential writer's text of one batch (no header). */
static char *write_batch(tarn_format_kind k, const tarn_schema *s, const tarn_batch *b)
{
    int fd = temp_fd();
    tarn_text_writer *w;
    tarn_error err = {0};
    assert_int_equal(tarn_text_writer_open(&w, fd, k, s, false, &err), TARN_OK);
    assert_int_equal(tarn_text_writer_write(w, b, &err), TARN_OK);
    assert_int_equal(tarn_text_writer_close(w, &err), TARN_OK);
    size_t n;
    char *out = fd_contents(fd, &n);
    close(fd);
    return out;
}

/* Every value of column 0 of b, one per line, must be what
** tarn_value_format gives it. */
static void assert_lines_match_value_format(const char *out, const tarn_batch *b)
{
    const char *line = out;
    char want[128];
    for (int64_t r = 0; r < b->nrows; r++) {
        tarn_value_format(&b->cols[0], r, want, sizeof want);
        const char *nl = strchr(line, '\n');
        assert_non_null(nl);
        if ((size_t)(nl - line) != strlen(want) || memcmp(line, want, strlen(want)) != 0) {
            fprintf(stderr, "row %lld: got '%.*s', want '%s'\n", (long long)r,
                    (int)(nl - line), line, want);
            fail();
        }
        line = nl + 1;
    }
    assert_int_equal(*line, '\0');
}

/* ---- value formatting ---- */

/* A double that exercises one branch of the fast path or its edges. */
static double sample_double(int i, uint64_t *rng)
{
    *rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
    uint64_t x = *rng >> 11;
    double sign = (x & 1) ? -1.0 : 1.0;
    switch (i % 10) {
    case 0: return sign * (double)(x % 100000000) / pow(10, (double)(x % 10)); /* few decimals */
    case 1: return sign * (double)(x % 1000000000000000ULL);                  /* integers < 1e15 */
    case 2: return sign * (double)(x % 100000) / 100.0;                         /* prices */
    case 3: return sign * ldexp((double)(x % 1000003), (int)(x % 120) - 60);    /* binary fractions */
    case 4: return sign * (1e15 - (double)(x % 3) - (x % 2 ? 0.5 : 0));        /* around 1e15 */
    case 5: return sign * (1e-4 + (double)(x % 3 - 1) * 1e-20);                 /* around 1e-4 */
    case 6: { double d; memcpy(&d, rng, 8); return isfinite(d) ? d : 0.5; }    /* any bits */
    case 7: return sign * (0.1 * (double)(x % 100) + 0.2);                      /* 0.30000000000000004 */
    case 8: return sign * (double)(x % 1000) * pow(10, (double)(x % 30) - 15);  /* powers of ten */
    default: return sign * (double)(x % 1000) / 3.0;                            /* repeating */
    }
}

static void test_doubles_print_as_value_format(void **state)
{
    tarn_schema s;
    tarn_schema_init(&s);
    tarn_schema_add(&s, "d", (tarn_type){.id = TARN_TYPE_DOUBLE});
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    const double edge[] = {0.0, -0.0, 1e15, -1e15, 999999999999999.0, 999999999999999.9,
                           1e-4, 0.0001, 9.9999e-5, 0.1, 0.5, 1.0, 100.0, 123456.789,
                           12345678.12345678, 1e14 + 0.5, 4503599627370496.0, 1e-5,
                           0.30000000000000004, 2.5e-8, 5e-324, 1.7976931348623157e308,
                           INFINITY, -INFINITY, NAN};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
        tarn_column_append_double(&b.cols[0], edge[i]);
    uint64_t rng = 42;
    for (int i = 0; i < 200000; i++)
        tarn_column_append_double(&b.cols[0], sample_double(i, &rng));
    b.nrows = b.cols[0].length;
    char *out = write_batch(TARN_FORMAT_CSV, &s, &b);
    assert_lines_match_value_format(out, &b);
    free(out);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

/* Integers of every length, and the edges between the code paths. */
static void test_integers_print_as_value_format(void **state)
{
    for (int wide = 0; wide < 2; wide++) {
        tarn_schema s;
        tarn_schema_init(&s);
        tarn_schema_add(&s, "i", (tarn_type){.id = wide ? TARN_TYPE_BIGINT : TARN_TYPE_INT});
        tarn_batch b;
        tarn_batch_init(&b, &s, 0);
        uint64_t rng = 99;
        for (int i = 0; i < 100000; i++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            int64_t v;
            if (i < 20 * 19) { /* 10^k - 1, 10^k, 10^k + 1 and negatives */
                int64_t p = 1;
                for (int k = 0; k < i / 20; k++)
                    p *= 10;
                v = p + (i % 3) - 1;
                v = i % 2 ? -v : v;
            } else {
                v = (int64_t)(rng >> (rng % 64));
                v = rng & 1 ? -v : v;
            }
            if (wide)
                tarn_column_append_i64(&b.cols[0], i == 0 ? INT64_MIN : i == 1 ? INT64_MAX : v);
            else
                tarn_column_append_i32(&b.cols[0], i == 0 ? INT32_MIN : i == 1 ? INT32_MAX
                                                                            : (int32_t)v);
        }
        b.nrows = b.cols[0].length;
        char *out = write_batch(TARN_FORMAT_CSV, &s, &b);
        assert_lines_match_value_format(out, &b);
        free(out);
        tarn_batch_free(&b);
        tarn_schema_free(&s);
    }
}

static void test_decimals_print_as_value_format(void **state)
{
    uint64_t rng = 7;
    for (unsigned scale = 0; scale <= 38; scale++) {
        tarn_schema s;
        tarn_schema_init(&s);
        tarn_schema_add(&s, "m", (tarn_type){.id = TARN_TYPE_DECIMAL, .precision = 38,
                                             .scale = (uint8_t)scale});
        tarn_batch b;
        tarn_batch_init(&b, &s, 0);
        const __int128 edge[] = {0, 1, -1, 5, -5, 10, 99, -100, INT64_MAX, -INT64_MAX,
                                 (__int128)INT64_MAX + 1, (__int128)INT64_MIN,
                                 (__int128)INT64_MIN - 1, (__int128)1 << 100};
        for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
            tarn_column_append_i128(&b.cols[0], edge[i]);
        for (int i = 0; i < 2000; i++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            int64_t v = (int64_t)(rng >> (rng % 60));
            tarn_column_append_i128(&b.cols[0], i % 2 ? v : -(__int128)v);
        }
        b.nrows = b.cols[0].length;
        char *out = write_batch(TARN_FORMAT_CSV, &s, &b);
        assert_lines_match_value_format(out, &b);
        free(out);
        tarn_batch_free(&b);
        tarn_schema_free(&s);
    }
}

/* The RFC 4180 field of s as a plain reference: quoted when it is empty,
** holds a comma, quote, CR or LF, or starts or ends with a space. */
static size_t ref_csv_field(const char *s, size_t n, char *out)
{
    bool q = n == 0 || s[0] == ' ' || s[n - 1] == ' ';
    for (size_t i = 0; i < n; i++)
        q |= s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    size_t k = 0;
    if (q)
        out[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        out[k++] = s[i];
        if (s[i] == '"')
            out[k++] = '"';
    }
    if (q)
        out[k++] = '"';
    return k;
}

/* Strings of every length up to 80 with a character that needs quoting at
** every position (the scan works in blocks of 16, 8 and 4 bytes). */
static void test_csv_quoting_at_every_position(void **state)
{
    tarn_schema s;
    tarn_schema_init(&s);
    tarn_schema_add(&s, "s", (tarn_type){.id = TARN_TYPE_STRING});
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    const char special[] = {',', '"', '\n', '\r', ' ', '\t', '\\', 'x'};
    char v[96];
    for (size_t n = 0; n <= 80; n++) {
        for (size_t pos = 0; pos <= n; pos++) {
            for (size_t c = 0; c < sizeof special; c++) {
                for (size_t i = 0; i < n; i++)
                    v[i] = (char)('a' + (i * 7 + n) % 26);
                if (pos < n)
                    v[pos] = special[c];
                tarn_column_append_str(&b.cols[0], v, n);
            }
        }
    }
    b.nrows = b.cols[0].length;
    char *out = write_batch(TARN_FORMAT_CSV, &s, &b);
    size_t cap = (size_t)b.cols[0].data_len * 2 + (size_t)b.nrows * 4 + 1, k = 0;
    char *want = malloc(cap);
    for (int64_t r = 0; r < b.nrows; r++) {
        size_t n = (size_t)(b.cols[0].offsets[r + 1] - b.cols[0].offsets[r]);
        k += ref_csv_field(b.cols[0].data + b.cols[0].offsets[r], n, want + k);
        want[k++] = '\n';
    }
    assert_int_equal(strlen(out), k);
    assert_memory_equal(out, want, k);
    free(want);
    free(out);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

/* The same strings as JSON read back by jansson as they were. */
static void test_json_strings_at_every_position(void **state)
{
    tarn_schema s;
    tarn_schema_init(&s);
    tarn_schema_add(&s, "s", (tarn_type){.id = TARN_TYPE_STRING});
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    const char special[] = {'"', '\\', '\n', '\x01', '\x1f', '/', '\x7f', 'x'};
    char v[96];
    for (size_t n = 0; n <= 40; n++) {
        for (size_t pos = 0; pos <= n; pos++) {
            for (size_t c = 0; c < sizeof special; c++) {
                for (size_t i = 0; i < n; i++)
                    v[i] = (char)('a' + (i * 5 + n) % 26);
                if (pos < n)
                    v[pos] = special[c];
                tarn_column_append_str(&b.cols[0], v, n);
            }
        }
    }
    b.nrows = b.cols[0].length;
    char *out = write_batch(TARN_FORMAT_JSONL, &s, &b);
    char *line = out;
    for (int64_t r = 0; r < b.nrows; r++) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        json_error_t je;
        json_t *o = json_loadb(line, (size_t)(nl - line), 0, &je);
        assert_non_null(o);
        json_t *got = json_object_get(o, "s");
        size_t n = (size_t)(b.cols[0].offsets[r + 1] - b.cols[0].offsets[r]);
        assert_int_equal(json_string_length(got), n);
        assert_memory_equal(json_string_value(got), b.cols[0].data + b.cols[0].offsets[r], n);
        json_decref(o);
        line = nl + 1;
    }
    free(out);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

/* ---- parallel output equals sequential output ---- */

/* The sequential writer over tarn_reader_next: the reference text. */
static char *sequential_text(const char *path, const tarn_read_options *o, tarn_format_kind k,
                             size_t *n)
{
    tarn_reader *r;
    tarn_error err = {0};
    assert_int_equal(tarn_reader_open(&r, path, o, &err), TARN_OK);
    int fd = temp_fd();
    tarn_text_writer *w;
    assert_int_equal(tarn_text_writer_open(&w, fd, k, tarn_reader_schema(r), true, &err), TARN_OK);
    tarn_batch b;
    tarn_batch_init(&b, tarn_reader_schema(r), 0);
    int got;
    while ((got = tarn_reader_next(r, &b, &err)) == 1)
        assert_int_equal(tarn_text_writer_write(w, &b, &err), TARN_OK);
    assert_int_equal(got, 0);
    assert_int_equal(tarn_text_writer_close(w, &err), TARN_OK);
    tarn_batch_free(&b);
    tarn_reader_close(r);
    char *out = fd_contents(fd, n);
    close(fd);
    return out;
}

/* tarn_text_write_reader's text with nthreads workers; *rows its count. */
static char *parallel_text(const char *path, const tarn_read_options *o, tarn_format_kind k,
                           int nthreads, int64_t limit, int64_t *rows, size_t *n)
{
    tarn_reader *r;
    tarn_error err = {0};
    assert_int_equal(tarn_reader_open(&r, path, o, &err), TARN_OK);
    int fd = temp_fd();
    tarn_text_options to;
    tarn_text_options_init(&to);
    to.kind = k;
    to.nthreads = nthreads;
    to.limit = limit;
    assert_int_equal(tarn_text_write_reader(r, fd, &to, rows, &err), TARN_OK);
    tarn_reader_close(r);
    char *out = fd_contents(fd, n);
    close(fd);
    return out;
}

/* A CSV file of rows rows (and a few more) with every kind of field. */
static void make_csv(const char *path, int rows)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "id,name,score,day,at,flag\n");
    for (int i = 0; i < rows; i++) {
        const char *names[] = {"plain", "\"quoted, comma\"", "\"say \"\"hi\"\"\"", "Côte d’Ivoire",
                               " edge ", ""};
        fprintf(f, "%d,%s,%s,2021-%02d-%02d,2021-03-04 05:06:%02d.%06d,%s\n", i * 7919 % 1000003,
                names[i % 6], i % 13 ? "" : "12.5", i % 12 + 1, i % 28 + 1, i % 60, i % 1000000,
                i % 3 ? "true" : "false");
        if (i % 11 == 0)
            fprintf(f, "%d,x,%g,2020-01-01,2020-01-01 00:00:00,true\n", -i, i / 7.0);
    }
    fclose(f);
}

static void test_csv_parallel_equals_sequential(void **state)
{
    char pb[96];
    const char *path = tmp_path(pb, "a.csv");
    make_csv(path, 60000);
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.batch_rows = 777; /* many batches per split */
    tarn_csv_chunk_bytes = 200000; /* many splits */
    for (int k = 0; k < 2; k++) {
        tarn_format_kind kind = k ? TARN_FORMAT_JSONL : TARN_FORMAT_CSV;
        size_t n0;
        char *want = sequential_text(path, &o, kind, &n0);
        const int threads[] = {1, 2, 3, 8};
        for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
            size_t n;
            int64_t rows;
            char *got = parallel_text(path, &o, kind, threads[t], -1, &rows, &n);
            assert_int_equal(rows, 60000 + 60000 / 11 + 1);
            assert_int_equal(n, n0);
            assert_memory_equal(got, want, n);
            free(got);
        }
        free(want);
    }
    tarn_csv_chunk_bytes = 0;
    unlink(path);
}

/* A Parquet file of rows rows in row groups of rg_rows. */
static void make_parquet(const char *path, int64_t rows, int64_t rg_rows)
{
    tarn_schema s;
    tarn_schema_init(&s);
    tarn_schema_add(&s, "i", (tarn_type){.id = TARN_TYPE_BIGINT});
    tarn_schema_add(&s, "s", (tarn_type){.id = TARN_TYPE_STRING});
    tarn_schema_add(&s, "d", (tarn_type){.id = TARN_TYPE_DOUBLE});
    tarn_schema_add(&s, "m", (tarn_type){.id = TARN_TYPE_DECIMAL, .precision = 10, .scale = 2});
    tarn_schema_add(&s, "day", (tarn_type){.id = TARN_TYPE_DATE});
    tarn_parquet_write_options o;
    tarn_parquet_write_options_init(&o);
    o.row_group_rows = rg_rows;
    o.background = false;
    tarn_parquet_writer *w;
    tarn_error err = {0};
    assert_int_equal(tarn_parquet_writer_open(&w, path, &s, &o, &err), TARN_OK);
    tarn_batch b;
    tarn_batch_init(&b, &s, 0);
    char txt[32];
    for (int64_t i = 0; i < rows; i++) {
        tarn_column_append_i64(&b.cols[0], i);
        int n = snprintf(txt, sizeof txt, "v%lld,\"%lld\"", (long long)(i % 97), (long long)i);
        tarn_column_append_str(&b.cols[1], txt, (size_t)n);
        if (i % 5)
            tarn_column_append_double(&b.cols[2], (double)i / 8.0);
        else
            tarn_column_append_null(&b.cols[2]);
        tarn_column_append_i128(&b.cols[3], i * 37 - 50000);
        tarn_column_append_i32(&b.cols[4], (int32_t)(i / 100));
    }
    b.nrows = rows;
    assert_int_equal(tarn_parquet_writer_write(w, &b, &err), TARN_OK);
    assert_int_equal(tarn_parquet_writer_close(w, NULL, &err), TARN_OK);
    tarn_batch_free(&b);
    tarn_schema_free(&s);
}

static void test_parquet_parallel_equals_sequential(void **state)
{
    char pb[96];
    const char *path = tmp_path(pb, "b.parquet");
    make_parquet(path, 50000, 3000);
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.batch_rows = 1000;
    for (int k = 0; k < 2; k++) {
        tarn_format_kind kind = k ? TARN_FORMAT_JSONL : TARN_FORMAT_CSV;
        size_t n0;
        char *want = sequential_text(path, &o, kind, &n0);
        const int threads[] = {1, 2, 5};
        for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
            size_t n;
            int64_t rows;
            char *got = parallel_text(path, &o, kind, threads[t], -1, &rows, &n);
            assert_int_equal(rows, 50000);
            assert_int_equal(n, n0);
            assert_memory_equal(got, want, n);
            free(got);
        }
        free(want);
    }
    unlink(path);
}

/* With a limit, exactly that many rows (and the header) come out. */
static void test_limit(void **state)
{
    char pb[96];
    const char *path = tmp_path(pb, "limit.parquet");
    make_parquet(path, 5000, 1000);
    const int64_t limits[] = {0, 1, 999, 1000, 1001, 4999, 5000, 100000};
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        size_t n;
        int64_t rows;
        char *got = parallel_text(path, NULL, TARN_FORMAT_CSV, 2, limits[i], &rows, &n);
        int64_t want = limits[i] < 5000 ? limits[i] : 5000;
        assert_int_equal(rows, want);
        int64_t lines = 0;
        for (size_t j = 0; j < n; j++)
            lines += got[j] == '\n';
        assert_int_equal(lines, want + 1);
        assert_true(strncmp(got, "i,s,d,m,day\n", 12) == 0);
        free(got);
    }
    unlink(path);
}

/* Overwrite the page header of row group g's first column chunk. */
static void corrupt_row_group(const char *path, int g)
{
    tarn_pq_meta *m;
    tarn_error err = {0};
    assert_int_equal(tarn_parquet_meta_open(&m, path, &err), TARN_OK);
    int64_t at = m->row_groups[g].chunks[0].dictionary_page_offset >= 0
                     ? m->row_groups[g].chunks[0].dictionary_page_offset
                     : m->row_groups[g].chunks[0].data_page_offset;
    tarn_parquet_meta_close(m);
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    char junk[16];
    memset(junk, 0xFF, sizeof junk);
    assert_int_equal(pwrite(fd, junk, sizeof junk, at), (ssize_t)sizeof junk);
    close(fd);
}

/* A failure in row group 3 of 10 comes after exactly the rows before it,
** whatever the thread count, and names the row group. */
static void test_failure_in_file_order(void **state)
{
    char pb[96];
    const char *path = tmp_path(pb, "bad.parquet");
    make_parquet(path, 10000, 1000);
    corrupt_row_group(path, 3);
    const int threads[] = {1, 2, 4};
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        tarn_read_options o;
        tarn_read_options_init(&o);
        o.batch_rows = 250;
        tarn_reader *r;
        tarn_error err = {0};
        assert_int_equal(tarn_reader_open(&r, path, &o, &err), TARN_OK);
        int fd = temp_fd();
        tarn_text_options to;
        tarn_text_options_init(&to);
        to.nthreads = threads[t];
        int64_t rows = -1;
        int rc = tarn_text_write_reader(r, fd, &to, &rows, &err);
        assert_int_equal(rc, TARN_ERR_CORRUPT);
        assert_non_null(strstr(err.msg, "row group 3"));
        assert_int_equal(rows, 3000);
        size_t n;
        char *got = fd_contents(fd, &n);
        int64_t lines = 0;
        for (size_t j = 0; j < n; j++)
            lines += got[j] == '\n';
        assert_int_equal(lines, 3001);
        assert_non_null(strstr(got, "\n2999,"));
        assert_null(strstr(got, "\n3000,"));
        free(got);
        close(fd);
        tarn_reader_close(r);
    }
    unlink(path);
}

static void test_write_failure(void **state)
{
    char pb[96];
    const char *path = tmp_path(pb, "w.parquet");
    make_parquet(path, 20000, 2000);
    tarn_reader *r;
    tarn_error err = {0};
    assert_int_equal(tarn_reader_open(&r, path, NULL, &err), TARN_OK);
    int fd = open("/dev/null", O_RDONLY);
    tarn_text_options to;
    tarn_text_options_init(&to);
    to.nthreads = 2;
    assert_int_equal(tarn_text_write_reader(r, fd, &to, NULL, &err), TARN_ERR_IO);
    assert_non_null(strstr(err.msg, "cannot write output"));
    close(fd);
    tarn_reader_close(r);
    assert_int_equal(tarn_reader_open(&r, path, NULL, &err), TARN_OK);
    to.kind = TARN_FORMAT_PARQUET;
    assert_int_equal(tarn_text_write_reader(r, 1, &to, NULL, &err), TARN_ERR_UNSUPPORTED);
    tarn_reader_close(r);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doubles_print_as_value_format),
        cmocka_unit_test(test_integers_print_as_value_format),
        cmocka_unit_test(test_decimals_print_as_value_format),
        cmocka_unit_test(test_csv_quoting_at_every_position),
        cmocka_unit_test(test_json_strings_at_every_position),
        cmocka_unit_test(test_csv_parallel_equals_sequential),
        cmocka_unit_test(test_parquet_parallel_equals_sequential),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_failure_in_file_order),
        cmocka_unit_test(test_write_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
