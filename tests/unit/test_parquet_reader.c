/*
** test_parquet_reader.c: the Parquet reader (format/parquet_*.c) against
** the parquet-testing files in ../shared/testdata: every file in data/
** reads (or is refused for the documented reason), values match the
** *_expect.csv files and values known from the files' documentation,
** every file in bad_data/ is refused or read without harm, truncated and
** bit-flipped files never crash; plus projection, row-group skipping, the
** footer and page API, and hand-built files for types and encodings the
** shared files lack (FLOAT16, UUID, TIME, INTERVAL, decimals wider than 38
** digits, BYTE_STREAM_SPLIT of INT32/INT64/FIXED_LEN_BYTE_ARRAY,
** DELTA_BYTE_ARRAY of FIXED_LEN_BYTE_ARRAY, BIT_PACKED levels, v2 pages).
*/
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "format/format.h"
#include "format/parquet_decode.h"
#include "format/parquet_defs.h"

#define DATA TARN_SHARED_DIR "/testdata/parquet-testing/data/"
#define BAD TARN_SHARED_DIR "/testdata/parquet-testing/bad_data/"

/* ---- helpers ---- */

/* A whole file as text: cells[row * ncols + col], NULL for a NULL value. */
typedef struct table {
    tarn_schema schema;
    int64_t nrows;
    char **cells;
} table;

static void table_free(table *t)
{
    for (int64_t i = 0; i < t->nrows * t->schema.ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    tarn_schema_free(&t->schema);
    memset(t, 0, sizeof *t);
}

static void table_add_batch(table *t, const tarn_batch *b)
{
    int nc = t->schema.ncols;
    t->cells = realloc(t->cells, sizeof(char *) * (size_t)((t->nrows + b->nrows) * nc + 1));
    for (int64_t r = 0; r < b->nrows; r++) {
        for (int c = 0; c < nc; c++) {
            const tarn_column *col = &b->cols[c];
            assert_int_equal(col->length, b->nrows);
            char *cell = NULL;
            if (tarn_column_is_valid(col, r)) {
                size_t n = col->type.id == TARN_TYPE_STRING
                    ? (size_t)(col->offsets[r + 1] - col->offsets[r]) + 1 : 256;
                cell = malloc(n + 1);
                tarn_value_format(col, r, cell, n + 1);
            }
            t->cells[(t->nrows + r) * nc + c] = cell;
        }
    }
    t->nrows += b->nrows;
}

/* Read path with options o (NULL: defaults) into t. Returns the status. */
static int load(const char *path, const tarn_read_options *o, table *t, tarn_error *err)
{
    tarn_read_options def;
    if (!o) {
        tarn_read_options_init(&def);
        def.format = TARN_FORMAT_PARQUET;
        o = &def;
    }
    memset(t, 0, sizeof *t);
    tarn_reader *r;
    int rc = tarn_reader_open(&r, path, o, err);
    if (rc)
        return rc;
    tarn_schema_copy(&t->schema, tarn_reader_schema(r));
    tarn_batch b;
    tarn_batch_init(&b, &t->schema, 0);
    int got;
    while ((got = tarn_reader_next(r, &b, err)) == 1)
        table_add_batch(t, &b);
    if (got == 0)
        assert_int_equal(t->nrows, tarn_reader_row_count(r));
    tarn_batch_free(&b);
    tarn_reader_close(r);
    return got < 0 ? -got : TARN_OK;
}

static const char *cell(const table *t, int64_t row, const char *col)
{
    int c = tarn_schema_find(&t->schema, col);
    assert_true(c >= 0);
    assert_true(row < t->nrows);
    return t->cells[row * t->schema.ncols + c];
}

static void assert_cell(const table *t, int64_t row, const char *col, const char *want)
{
    const char *got = cell(t, row, col);
    if (!want) {
        if (got)
            fail_msg("row %lld column %s: expected NULL, got '%s'", (long long)row, col, got);
        return;
    }
    if (!got || strcmp(got, want) != 0)
        fail_msg("row %lld column %s: expected '%s', got '%s'", (long long)row, col, want,
                 got ? got : "NULL");
}

static void tables_equal(const table *a, const table *b)
{
    assert_int_equal(a->schema.ncols, b->schema.ncols);
    assert_int_equal(a->nrows, b->nrows);
    for (int64_t i = 0; i < a->nrows * a->schema.ncols; i++) {
        const char *x = a->cells[i], *y = b->cells[i];
        assert_true((x == NULL) == (y == NULL));
        if (x)
            assert_string_equal(x, y);
    }
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    buf[len] = '\0';
    *n = (size_t)len;
    return buf;
}

static char tmp_path[64];

static const char *write_tmp(const void *p, size_t n)
{
    if (!tmp_path[0]) {
        snprintf(tmp_path, sizeof tmp_path, "/tmp/tarn-test-pq-XXXXXX");
        int fd = mkstemp(tmp_path);
        assert_true(fd >= 0);
        close(fd);
    }
    FILE *f = fopen(tmp_path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
    return tmp_path;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* ---- every shared file ---- */

/* Files of data/ that must be refused, and why. */
static const struct {
    const char *name;
    int code;
    const char *words;
} refused[] = {
    {"datapage_v1-corrupt-checksum.parquet", TARN_ERR_CORRUPT, "checksum mismatch"},
    {"rle-dict-uncompressed-corrupt-checksum.parquet", TARN_ERR_CORRUPT, "checksum mismatch"},
    {"uniform_encryption.parquet.encrypted", TARN_ERR_UNSUPPORTED,
     "encrypted Parquet files are not supported"},
};

static void test_reads_every_data_file(void **state)
{
    (void)state;
    DIR *d = opendir(DATA);
    assert_non_null(d);
    struct dirent *e;
    int files = 0, failures = 0;
    while ((e = readdir(d)) != NULL) {
        if (!ends_with(e->d_name, ".parquet") && !ends_with(e->d_name, ".encrypted"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s%s", DATA, e->d_name);
        table t;
        tarn_error err = {0};
        int rc = load(path, NULL, &t, &err);
        int want = TARN_OK;
        const char *words = NULL;
        for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
            if (strcmp(refused[i].name, e->d_name) == 0)
                want = refused[i].code, words = refused[i].words;
        if (rc != want || (words && !strstr(err.msg, words))) {
            print_error("%s: status %d (%s), expected %d\n", e->d_name, rc, err.msg, want);
            failures++;
        }
        if (rc == TARN_OK && t.nrows == 0 && strcmp(e->d_name, "column_chunk_key_value_metadata.parquet"))
            print_error("%s: no rows\n", e->d_name), failures++;
        table_free(&t);
        files++;
    }
    closedir(d);
    assert_true(files >= 40);
    assert_int_equal(failures, 0);
}

static void test_bad_data_files_are_refused(void **state)
{
    (void)state;
    /* Each must fail with a message (ARROW-GH-43605, whose zero bit width
    ** still decodes to valid index 0, may also read). */
    static const char *const names[] = {
        "ARROW-GH-41317.parquet", "ARROW-GH-41321.parquet", "ARROW-GH-45185.parquet",
        "ARROW-GH-47662.parquet", "ARROW-RS-GH-6229-DICTHEADER.parquet",
        "ARROW-RS-GH-6229-LEVELS.parquet", "PARQUET-1481.parquet", "ARROW-GH-43605.parquet"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s%s", BAD, names[i]);
        table t;
        tarn_error err = {0};
        int rc = load(path, NULL, &t, &err);
        if (strcmp(names[i], "ARROW-GH-43605.parquet") != 0) {
            if (rc == TARN_OK)
                fail_msg("%s was read without an error", names[i]);
            assert_int_equal(rc, TARN_ERR_CORRUPT);
        }
        if (rc)
            assert_non_null(strstr(err.msg, names[i])); /* the message names the file */
        table_free(&t);
    }
    /* every file there, known to this test or not */
    DIR *d = opendir(BAD);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!ends_with(e->d_name, ".parquet"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s%s", BAD, e->d_name);
        table t;
        tarn_error err = {0};
        if (load(path, NULL, &t, &err) != TARN_OK)
            assert_true(err.msg[0] != '\0');
        table_free(&t);
    }
    closedir(d);
}

static void test_error_names_column_and_page(void **state)
{
    (void)state;
    table t;
    tarn_error err = {0};
    assert_int_equal(load(DATA "datapage_v1-corrupt-checksum.parquet", NULL, &t, &err),
                     TARN_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "column 'a'"));
    assert_non_null(strstr(err.msg, "page 0"));
    table_free(&t);
    assert_int_equal(load(DATA "uniform_encryption.parquet.encrypted", NULL, &t, &err),
                     TARN_ERR_UNSUPPORTED);
    table_free(&t);
    /* the intact twins of the corrupt files read */
    assert_int_equal(load(DATA "datapage_v1-uncompressed-checksum.parquet", NULL, &t, &err), 0);
    assert_int_equal(t.nrows, 5120);
    table u;
    assert_int_equal(load(DATA "datapage_v1-snappy-compressed-checksum.parquet", NULL, &u, &err), 0);
    tables_equal(&t, &u);
    table_free(&t);
    table_free(&u);
}

/* ---- values ---- */

/* One CSV field of line *p (RFC 4180 quoting); *quoted tells an empty
** unquoted field (NULL in the expect files) from "". */
static char *csv_field(const char **p, bool *quoted, bool *last)
{
    const char *s = *p;
    char *out = malloc(strlen(s) + 1);
    size_t n = 0;
    *quoted = *s == '"';
    if (*quoted) {
        for (s++; *s && !(*s == '"' && s[1] != '"'); s++) {
            if (*s == '"')
                s++;
            out[n++] = *s;
        }
        if (*s == '"')
            s++;
    } else {
        while (*s && *s != ',' && *s != '\n' && *s != '\r')
            out[n++] = *s++;
    }
    out[n] = '\0';
    *last = *s != ',';
    *p = *s == ',' ? s + 1 : s;
    return out;
}

/* The values of a parquet file match its *_expect.csv, column by column. */
static void check_expect_csv(const char *pq, const char *csv)
{
    table t;
    tarn_error err = {0};
    assert_int_equal(load(pq, NULL, &t, &err), TARN_OK);
    size_t n;
    char *text = slurp(csv, &n);
    const char *p = strchr(text, '\n') + 1; /* skip the header */
    int64_t row = 0;
    while (*p) {
        for (int c = 0;; c++) {
            bool quoted, last;
            char *want = csv_field(&p, &quoted, &last);
            assert_true(c < t.schema.ncols);
            const char *got = t.cells[row * t.schema.ncols + c];
            if (!quoted && !want[0])
                assert_null(got);
            else if (!got || strcmp(got, want) != 0)
                fail_msg("%s row %lld column %d: expected '%s', got '%s'", pq, (long long)row, c,
                         want, got ? got : "NULL");
            free(want);
            if (last) {
                assert_int_equal(c + 1, t.schema.ncols);
                break;
            }
        }
        while (*p == '\r' || *p == '\n')
            p++;
        row++;
    }
    assert_int_equal(row, t.nrows);
    free(text);
    table_free(&t);
}

static void test_expect_csv_files(void **state)
{
    (void)state;
    check_expect_csv(DATA "delta_binary_packed.parquet", DATA "delta_binary_packed_expect.csv");
    check_expect_csv(DATA "delta_encoding_optional_column.parquet",
                     DATA "delta_encoding_optional_column_expect.csv");
    check_expect_csv(DATA "delta_encoding_required_column.parquet",
                     DATA "delta_encoding_required_column_expect.csv");
}

static void test_alltypes(void **state)
{
    (void)state;
    static const char *const files[] = {DATA "alltypes_plain.parquet",
                                        DATA "alltypes_dictionary.parquet",
                                        DATA "alltypes_plain.snappy.parquet"};
    /* parquet-testing's alltypes files: ids 4 5 6 7 2 3 0 1 (plain), 0 1
    ** (dictionary), 6 7 (snappy); even ids hold zeros and true, odd ones
    ** ones/tens and false; timestamps are INT96. */
    static const char *const ids[3][8] = {{"4", "5", "6", "7", "2", "3", "0", "1"},
                                          {"0", "1"}, {"6", "7"}};
    for (int f = 0; f < 3; f++) {
        table t;
        tarn_error err = {0};
        assert_int_equal(load(files[f], NULL, &t, &err), TARN_OK);
        assert_int_equal(t.schema.fields[10].type.id, TARN_TYPE_TIMESTAMP);
        assert_int_equal(t.schema.fields[7].type.id, TARN_TYPE_DOUBLE);
        for (int64_t r = 0; r < t.nrows; r++) {
            assert_cell(&t, r, "id", ids[f][r]);
            bool odd = atoi(ids[f][r]) % 2;
            assert_cell(&t, r, "bool_col", odd ? "false" : "true");
            assert_cell(&t, r, "bigint_col", odd ? "10" : "0");
            assert_cell(&t, r, "float_col", odd ? "1.100000023841858" : "0");
            assert_cell(&t, r, "double_col", odd ? "10.1" : "0");
            assert_cell(&t, r, "string_col", odd ? "1" : "0");
        }
        table_free(&t);
    }
    table t;
    tarn_error err = {0};
    assert_int_equal(load(DATA "alltypes_plain.parquet", NULL, &t, &err), TARN_OK);
    assert_cell(&t, 0, "timestamp_col", "2009-03-01 00:00:00");
    assert_cell(&t, 1, "timestamp_col", "2009-03-01 00:01:00");
    assert_cell(&t, 0, "date_string_col", "03/01/09");
    table_free(&t);
}

static void test_decimals(void **state)
{
    (void)state;
    /* parquet-testing: 24 rows holding 1.00 .. 24.00 in each file */
    static const struct { const char *file; int p, s; } files[] = {
        {DATA "int32_decimal.parquet", 4, 2}, {DATA "int64_decimal.parquet", 10, 2},
        {DATA "fixed_length_decimal.parquet", 25, 2},
        {DATA "fixed_length_decimal_legacy.parquet", 13, 2},
        {DATA "byte_array_decimal.parquet", 4, 2}};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        table t;
        tarn_error err = {0};
        assert_int_equal(load(files[f].file, NULL, &t, &err), TARN_OK);
        assert_int_equal(t.schema.fields[0].type.id, TARN_TYPE_DECIMAL);
        assert_int_equal(t.schema.fields[0].type.precision, files[f].p);
        assert_int_equal(t.schema.fields[0].type.scale, files[f].s);
        assert_int_equal(t.nrows, 24);
        for (int r = 0; r < 24; r++) {
            char want[16];
            snprintf(want, sizeof want, "%d.00", r + 1);
            assert_cell(&t, r, "value", want);
        }
        table_free(&t);
    }
}

static void test_codecs_agree(void **state)
{
    (void)state;
    /* the same four rows compressed as LZ4 with Hadoop framing, as raw LZ4
    ** blocks under the LZ4 codec, and as LZ4_RAW */
    table a, b, c;
    tarn_error err = {0};
    assert_int_equal(load(DATA "hadoop_lz4_compressed.parquet", NULL, &a, &err), TARN_OK);
    assert_int_equal(load(DATA "non_hadoop_lz4_compressed.parquet", NULL, &b, &err), TARN_OK);
    assert_int_equal(load(DATA "lz4_raw_compressed.parquet", NULL, &c, &err), TARN_OK);
    tables_equal(&a, &b);
    tables_equal(&a, &c);
    assert_int_equal(a.nrows, 4);
    assert_cell(&a, 0, "c0", "1593604800");
    assert_cell(&a, 0, "c1", "abc");
    assert_cell(&a, 0, "v11", "42");
    assert_cell(&a, 1, "v11", "7.7");
    table_free(&a);
    table_free(&b);
    table_free(&c);
    /* GZIP with several members in one page: 513 rows 1..513 */
    assert_int_equal(load(DATA "concatenated_gzip_members.parquet", NULL, &a, &err), TARN_OK);
    assert_int_equal(a.nrows, 513);
    assert_int_equal(a.schema.fields[0].type.id, TARN_TYPE_DECIMAL); /* UINT_64 */
    for (int r = 0; r < 513; r++) {
        char want[16];
        snprintf(want, sizeof want, "%d", r + 1);
        assert_cell(&a, r, "long_col", want);
    }
    table_free(&a);
}

static void test_byte_stream_split_and_nans(void **state)
{
    (void)state;
    table t;
    tarn_error err = {0};
    assert_int_equal(load(DATA "byte_stream_split.zstd.parquet", NULL, &t, &err), TARN_OK);
    assert_int_equal(t.nrows, 300);
    assert_cell(&t, 0, "f32", "1.764052391052246");
    assert_cell(&t, 0, "f64", "-1.3065268517353166");
    assert_cell(&t, 1, "f32", "0.40015721321105957");
    table_free(&t);
    assert_int_equal(load(DATA "nan_in_stats.parquet", NULL, &t, &err), TARN_OK);
    assert_cell(&t, 0, "x", "1");
    assert_cell(&t, 1, "x", "NaN");
    table_free(&t);
    assert_int_equal(load(DATA "rle_boolean_encoding.parquet", NULL, &t, &err), TARN_OK);
    assert_int_equal(t.nrows, 68);
    assert_cell(&t, 0, "datatype_boolean", "true");
    assert_cell(&t, 1, "datatype_boolean", "false");
    assert_cell(&t, 2, "datatype_boolean", NULL);
    table_free(&t);
}

static void test_nested_as_json(void **state)
{
    (void)state;
    table t;
    tarn_error err = {0};
    assert_int_equal(load(DATA "list_columns.parquet", NULL, &t, &err), TARN_OK);
    assert_int_equal(t.schema.fields[0].type.id, TARN_TYPE_STRING);
    assert_cell(&t, 0, "int64_list", "[1,2,3]");
    assert_cell(&t, 1, "int64_list", "[null,1]");
    assert_cell(&t, 2, "int64_list", "[4]");
    assert_cell(&t, 0, "utf8_list", "[\"abc\",\"efg\",\"hij\"]");
    assert_cell(&t, 1, "utf8_list", NULL);
    assert_cell(&t, 2, "utf8_list", "[\"efg\",null,\"hij\",\"xyz\"]");
    table_free(&t);

    assert_int_equal(load(DATA "nested_lists.snappy.parquet", NULL, &t, &err), TARN_OK);
    assert_cell(&t, 0, "a", "[[[\"a\",\"b\"],[\"c\"]],[null,[\"d\"]]]");
    assert_cell(&t, 2, "a", "[[[\"a\",\"b\"],[\"c\",\"d\"],[\"e\"]],[null,[\"f\"]]]");
    assert_cell(&t, 0, "b", "1");
    table_free(&t);

    assert_int_equal(load(DATA "nonnullable.impala.parquet", NULL, &t, &err), TARN_OK);
    assert_cell(&t, 0, "ID", "8");
    assert_cell(&t, 0, "Int_Array", "[-1]");
    assert_cell(&t, 0, "int_array_array", "[[-1,-2],[]]");
    assert_cell(&t, 0, "Int_Map", "{\"k1\":-1}");
    assert_cell(&t, 0, "int_map_array", "[{},{\"k1\":1},{},{}]");
    assert_cell(&t, 0, "nested_Struct",
                "{\"a\":-1,\"B\":[-1],\"c\":{\"D\":[[{\"e\":-1,\"f\":\"nonnullable\"}]]},\"G\":{}}");
    table_free(&t);

    assert_int_equal(load(DATA "nullable.impala.parquet", NULL, &t, &err), TARN_OK);
    assert_int_equal(t.nrows, 7);
    assert_cell(&t, 0, "int_array", "[1,2,3]");
    assert_cell(&t, 1, "int_array", "[null,1,2,null,3,null]");
    assert_cell(&t, 1, "int_array_Array", "[[null,1,2,null],[3,null,4],[],null]");
    assert_cell(&t, 0, "int_map", "{\"k1\":1,\"k2\":100}");
    assert_cell(&t, 1, "int_Map_Array", "[{\"k3\":null,\"k1\":1},null,{}]");
    table_free(&t);

    /* structs of primitives only (no repetition) */
    assert_int_equal(load(DATA "nested_structs.rust.parquet", NULL, &t, &err), TARN_OK);
    assert_cell(&t, 0, "PC_CUR",
                "{\"min\":115,\"max\":742,\"mean\":416,\"count\":495,\"sum\":206195,\"variance\":10374}");
    table_free(&t);
}

static void test_batch_sizes_agree(void **state)
{
    (void)state;
    static const char *const files[] = {DATA "alltypes_tiny_pages.parquet",
                                        DATA "nullable.impala.parquet",
                                        DATA "delta_length_byte_array.parquet",
                                        DATA "int32_with_null_pages.parquet"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        table whole, small;
        tarn_error err = {0};
        assert_int_equal(load(files[f], NULL, &whole, &err), TARN_OK);
        tarn_read_options o;
        tarn_read_options_init(&o);
        o.format = TARN_FORMAT_PARQUET;
        o.batch_rows = 3;
        assert_int_equal(load(files[f], &o, &small, &err), TARN_OK);
        tables_equal(&whole, &small);
        table_free(&whole);
        table_free(&small);
    }
}

/* ---- projection, row groups, footer API ---- */

static void test_projection(void **state)
{
    (void)state;
    int cols[] = {9, 0};
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.format = TARN_FORMAT_PARQUET;
    o.columns = cols;
    o.ncolumns = 2;
    table t;
    tarn_error err = {0};
    assert_int_equal(load(DATA "alltypes_plain.parquet", &o, &t, &err), TARN_OK);
    assert_int_equal(t.schema.ncols, 2);
    assert_string_equal(t.schema.fields[0].name, "string_col");
    assert_string_equal(t.schema.fields[1].name, "id");
    assert_int_equal(t.nrows, 8);
    assert_string_equal(t.cells[0], "0");
    assert_string_equal(t.cells[1], "4");
    table_free(&t);

    int bad[] = {0, 99};
    o.columns = bad;
    assert_int_equal(load(DATA "alltypes_plain.parquet", &o, &t, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "99"));
    int twice[] = {1, 1};
    o.columns = twice;
    assert_int_equal(load(DATA "alltypes_plain.parquet", &o, &t, &err), TARN_ERR_INVALID);
    /* a nested field alone */
    int one[] = {2};
    o.columns = one;
    o.ncolumns = 1;
    assert_int_equal(load(DATA "nullable.impala.parquet", &o, &t, &err), TARN_OK);
    assert_string_equal(t.schema.fields[0].name, "int_array_Array");
    assert_string_equal(t.cells[0], "[[1,2],[3,4]]");
    table_free(&t);
}

static int filter_calls;

/* Keep only row group 1; check the statistics it is given on the way. */
static bool keep_second(void *ud, const tarn_pq_meta *m, const tarn_pq_row_group *rg)
{
    (void)ud;
    filter_calls++;
    assert_int_equal(m->nleaves, 2);
    assert_int_equal(rg->rows, 3);
    const tarn_pq_stats *a = &rg->chunks[0].stats, *b = &rg->chunks[1].stats;
    assert_true(a->has_min && a->has_max && a->has_null_count);
    assert_int_equal(a->min.i, 1);
    assert_int_equal(a->max.i, 2);
    assert_int_equal(a->null_count, 1);
    assert_true(b->has_min && b->has_max);
    assert_int_equal(b->min_len, 1);
    assert_memory_equal(b->min_str, "a", 1);
    assert_memory_equal(b->max_str, "c", 1);
    return rg->index == 1;
}

static bool keep_none(void *ud, const tarn_pq_meta *m, const tarn_pq_row_group *rg)
{
    (void)ud, (void)m, (void)rg;
    return false;
}

static void test_row_group_filter(void **state)
{
    (void)state;
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.format = TARN_FORMAT_PARQUET;
    o.row_group_filter = keep_second;
    tarn_reader *r;
    tarn_error err = {0};
    assert_int_equal(tarn_reader_open(&r, DATA "sort_columns.parquet", &o, &err), TARN_OK);
    assert_int_equal(filter_calls, 2);
    assert_int_equal(tarn_reader_row_count(r), 3);
    assert_int_equal(tarn_reader_split_count(r), 1);
    assert_int_equal(tarn_reader_parquet_row_group(r, 0), 1);
    assert_non_null(tarn_reader_parquet_meta(r));
    assert_int_equal(tarn_reader_parquet_meta(r)->nrow_groups, 2);
    tarn_reader_close(r);

    table t;
    assert_int_equal(load(DATA "sort_columns.parquet", &o, &t, &err), TARN_OK);
    assert_int_equal(t.nrows, 3);
    assert_cell(&t, 0, "a", NULL);
    assert_cell(&t, 0, "b", "a");
    assert_cell(&t, 1, "a", "2");
    table_free(&t);

    o.row_group_filter = keep_none;
    assert_int_equal(tarn_reader_open(&r, DATA "sort_columns.parquet", &o, &err), TARN_OK);
    assert_int_equal(tarn_reader_row_count(r), 0);
    tarn_batch b;
    tarn_batch_init(&b, tarn_reader_schema(r), 0);
    assert_int_equal(tarn_reader_next(r, &b, &err), 0);
    tarn_batch_free(&b);
    tarn_reader_close(r);
}

static void test_meta_api(void **state)
{
    (void)state;
    tarn_pq_meta *m;
    tarn_error err = {0};
    assert_int_equal(tarn_parquet_meta_open(&m, DATA "delta_encoding_optional_column.parquet", &err),
                     TARN_OK);
    assert_int_equal(m->rows, 100);
    assert_int_equal(m->nleaves, 17);
    assert_int_equal(m->schema.ncols, 17);
    assert_int_equal(m->nrow_groups, 1);
    const tarn_pq_leaf *sk = &m->leaves[0], *name = &m->leaves[11];
    assert_string_equal(sk->path, "c_customer_sk");
    assert_int_equal(sk->physical, PQ_INT64);
    assert_int_equal(sk->type.id, TARN_TYPE_BIGINT);
    assert_int_equal(sk->max_def, 1);
    assert_string_equal(name->path, "c_first_name");
    assert_string_equal(name->logical_name, "UTF8");
    assert_string_equal(tarn_parquet_type_name(name->physical), "BYTE_ARRAY");
    const tarn_pq_chunk *c0 = &m->row_groups[0].chunks[0], *c11 = &m->row_groups[0].chunks[11];
    assert_string_equal(tarn_parquet_codec_name(c0->codec), "UNCOMPRESSED");
    assert_true(c0->encodings & (1u << PQ_ENC_DELTA_BINARY_PACKED));
    assert_true(c11->encodings & (1u << PQ_ENC_DELTA_BYTE_ARRAY));
    assert_string_equal(tarn_parquet_encoding_name(PQ_ENC_DELTA_BYTE_ARRAY), "DELTA_BYTE_ARRAY");
    assert_true(c0->stats.has_min && c0->stats.has_max);
    assert_int_equal(c0->stats.min.i, 1);
    assert_int_equal(c0->stats.max.i, 100);
    assert_int_equal(c0->stats.null_count, 0);
    assert_int_equal(m->row_groups[0].chunks[1].stats.null_count, 3);
    assert_true(c11->stats.has_min);
    assert_int_equal(c11->stats.min_len, 6);
    assert_memory_equal(c11->stats.min_str, "Albert", 6);
    assert_memory_equal(c11->stats.max_str, "William", 7);
    tarn_parquet_meta_close(m);

    /* NaN in the statistics: min/max are not offered */
    assert_int_equal(tarn_parquet_meta_open(&m, DATA "nan_in_stats.parquet", &err), TARN_OK);
    assert_false(m->row_groups[0].chunks[0].stats.has_min);
    tarn_parquet_meta_close(m);
    /* key/value metadata, and a file that is not Parquet */
    assert_int_equal(tarn_parquet_meta_open(&m, DATA "delta_binary_packed_expect.csv", &err),
                     TARN_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "not a Parquet file"));
    assert_int_equal(tarn_parquet_meta_open(&m, DATA "missing.parquet", &err), TARN_ERR_NOTFOUND);
}

/* int32_with_null_pages.md: 1000 values, 275 NULLs, min -2136906554, max
** 2145722375, in 10 pages of which page 2 holds only NULLs. */
static void test_documented_stats(void **state)
{
    (void)state;
    const char *path = DATA "int32_with_null_pages.parquet";
    tarn_pq_meta *m;
    tarn_error err = {0};
    assert_int_equal(tarn_parquet_meta_open(&m, path, &err), TARN_OK);
    const tarn_pq_stats *st = &m->row_groups[0].chunks[0].stats;
    assert_true(st->has_min && st->has_max && st->has_null_count);
    assert_int_equal(st->min.i, -2136906554);
    assert_int_equal(st->max.i, 2145722375);
    assert_int_equal(st->null_count, 275);
    tarn_pq_page *pages;
    int n, data = 0;
    assert_int_equal(tarn_parquet_pages(m, 0, 0, &pages, &n, &err), TARN_OK);
    for (int i = 0; i < n; i++)
        data += pages[i].type == PQ_PAGE_DATA || pages[i].type == PQ_PAGE_DATA_V2;
    assert_int_equal(data, 10);
    free(pages);
    tarn_parquet_meta_close(m);

    tarn_read_options o;
    tarn_read_options_init(&o);
    o.format = TARN_FORMAT_PARQUET;
    tarn_reader *r;
    assert_int_equal(tarn_reader_open(&r, path, &o, &err), TARN_OK);
    tarn_batch b;
    tarn_batch_init(&b, tarn_reader_schema(r), 0);
    int64_t nulls = 0, rows = 0, counted = 0;
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    while (tarn_reader_next(r, &b, &err) == 1) {
        const tarn_column *c = &b.cols[0];
        for (int64_t i = 0; i < b.nrows; i++) {
            if (!tarn_column_is_valid(c, i)) {
                nulls++;
                continue;
            }
            int32_t v = ((const int32_t *)c->values)[i];
            lo = v < lo ? v : lo, hi = v > hi ? v : hi;
        }
        counted += c->null_count;
        rows += b.nrows;
    }
    assert_int_equal(rows, 1000);
    assert_int_equal(nulls, 275);
    assert_int_equal(counted, 275); /* the columns' null_count agrees with the bitmap */
    assert_int_equal(lo, -2136906554);
    assert_int_equal(hi, 2145722375);
    tarn_batch_free(&b);
    tarn_reader_close(r);
}

static void test_pages_api(void **state)
{
    (void)state;
    tarn_pq_meta *m;
    tarn_error err = {0};
    assert_int_equal(tarn_parquet_meta_open(&m, DATA "alltypes_tiny_pages.parquet", &err), TARN_OK);
    for (int leaf = 0; leaf < m->nleaves; leaf++) {
        tarn_pq_page *pages;
        int n;
        assert_int_equal(tarn_parquet_pages(m, 0, leaf, &pages, &n, &err), TARN_OK);
        int64_t values = 0;
        int data_pages = 0;
        for (int i = 0; i < n; i++) {
            if (pages[i].type == PQ_PAGE_DATA || pages[i].type == PQ_PAGE_DATA_V2) {
                values += pages[i].num_values;
                data_pages++;
            }
            assert_true(pages[i].compressed_size >= 0);
        }
        assert_int_equal(values, m->rows);
        assert_true(data_pages > 1);
        free(pages);
    }
    tarn_pq_page *pages;
    int n;
    assert_int_equal(tarn_parquet_pages(m, 5, 0, &pages, &n, &err), TARN_ERR_INVALID);
    tarn_parquet_meta_close(m);
}

/* ---- damaged files ---- */

/* Open and read a damaged copy: any outcome but a crash is fine, and a
** failure must say something. */
static void read_damaged(const void *p, size_t n)
{
    table t;
    tarn_error err = {0};
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.format = TARN_FORMAT_PARQUET;
    o.batch_rows = 100;
    int rc = load(write_tmp(p, n), &o, &t, &err);
    if (rc)
        assert_true(err.msg[0] != '\0');
    table_free(&t);
    tarn_pq_meta *m;
    if (tarn_parquet_meta_open(&m, tmp_path, &err) == TARN_OK) {
        for (int g = 0; g < m->nrow_groups; g++)
            for (int l = 0; l < m->nleaves; l++) {
                tarn_pq_page *pages;
                int np;
                if (tarn_parquet_pages(m, g, l, &pages, &np, &err) == TARN_OK)
                    free(pages);
            }
        tarn_parquet_meta_close(m);
    }
}

static const char *const damage_files[] = {
    DATA "alltypes_plain.snappy.parquet", DATA "datapage_v2.snappy.parquet",
    DATA "nullable.impala.parquet", DATA "delta_length_byte_array.parquet",
    DATA "byte_stream_split.zstd.parquet", DATA "delta_encoding_optional_column.parquet",
    DATA "rle_boolean_encoding.parquet", DATA "hadoop_lz4_compressed.parquet",
    DATA "concatenated_gzip_members.parquet", DATA "fixed_length_decimal.parquet"};

static void test_truncated_files(void **state)
{
    (void)state;
    for (size_t f = 0; f < sizeof damage_files / sizeof damage_files[0]; f++) {
        size_t n;
        char *buf = slurp(damage_files[f], &n);
        size_t step = n / 97 + 1;
        for (size_t len = 0; len < n; len += step) {
            table t;
            tarn_error err = {0};
            /* cut at the end: the footer is gone */
            assert_int_not_equal(load(write_tmp(buf, len), NULL, &t, &err), TARN_OK);
            assert_true(err.msg[0] != '\0');
            table_free(&t);
            /* cut out of the middle, footer kept: pages are short */
            if (len > 4 && n - len > 8) {
                char *copy = malloc(n);
                size_t keep_tail = n > 2048 ? 2048 : n / 2;
                if (len + keep_tail < n) {
                    memcpy(copy, buf, len);
                    memcpy(copy + len, buf + n - keep_tail, keep_tail);
                    read_damaged(copy, len + keep_tail);
                }
                free(copy);
            }
        }
        free(buf);
    }
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_bit_flips(void **state)
{
    (void)state;
    for (size_t f = 0; f < sizeof damage_files / sizeof damage_files[0]; f++) {
        size_t n;
        char *buf = slurp(damage_files[f], &n);
        char *copy = malloc(n);
        for (int round = 0; round < 150; round++) {
            memcpy(copy, buf, n);
            int flips = 1 + (int)(rng() % 4);
            for (int k = 0; k < flips; k++) {
                size_t at = rng() % n;
                if (round % 3 == 0)
                    copy[at] = (char)rng(); /* a whole byte */
                else
                    copy[at] ^= (char)(1u << (rng() % 8));
            }
            read_damaged(copy, n);
        }
        free(copy);
        free(buf);
    }
}

/* ---- hand-built files ---- */

/* A Thrift compact protocol writer, just enough for a footer. */
typedef struct tw {
    uint8_t b[16384];
    size_t n;
    int16_t last[16];
    int depth;
} tw;

static void tw_byte(tw *w, uint8_t v) { w->b[w->n++] = v; }
static void tw_raw(tw *w, const void *p, size_t n) { memcpy(w->b + w->n, p, n), w->n += n; }
static void tw_varint(tw *w, uint64_t v)
{
    while (v >= 0x80)
        tw_byte(w, (uint8_t)(v | 0x80)), v >>= 7;
    tw_byte(w, (uint8_t)v);
}
static void tw_zz(tw *w, int64_t v) { tw_varint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); }
static void tw_field(tw *w, int id, int type)
{
    int d = id - w->last[w->depth];
    if (d > 0 && d <= 15)
        tw_byte(w, (uint8_t)(d << 4 | type));
    else
        tw_byte(w, (uint8_t)type), tw_zz(w, id);
    w->last[w->depth] = (int16_t)id;
}
static void tw_begin(tw *w) { w->last[++w->depth] = 0; }
static void tw_end(tw *w) { tw_byte(w, TC_STOP), w->depth--; }
static void tw_i32(tw *w, int id, int64_t v) { tw_field(w, id, TC_I32), tw_zz(w, v); }
static void tw_i64(tw *w, int id, int64_t v) { tw_field(w, id, TC_I64), tw_zz(w, v); }
static void tw_bool(tw *w, int id, bool v) { tw_field(w, id, v ? TC_TRUE : TC_FALSE); }
static void tw_str(tw *w, int id, const char *s)
{
    tw_field(w, id, TC_BINARY), tw_varint(w, strlen(s)), tw_raw(w, s, strlen(s));
}
static void tw_list(tw *w, int id, int elem, int n)
{
    tw_field(w, id, TC_LIST);
    tw_byte(w, (uint8_t)(n << 4 | elem));
}
static void tw_struct(tw *w, int id) { tw_field(w, id, TC_STRUCT), tw_begin(w); }

/* One flat column of a hand-built file: its schema and one data page. */
typedef struct col_spec {
    const char *name;
    int type, type_length, repetition;
    int converted;            /* -1 none */
    int precision, scale;     /* with converted DECIMAL */
    int logical;              /* 0 none */
    int lt_unit;              /* TIME / TIMESTAMP unit */
    int encoding;
    int def_encoding;         /* v1: PQ_ENC_RLE or PQ_ENC_BIT_PACKED */
    const uint8_t *levels;    /* definition levels as stored (v1 RLE: without length) */
    size_t levels_len;
    const uint8_t *values;
    size_t values_len;
    int num_values, num_nulls;
    bool v2;
} col_spec;

static void put_logical(tw *w, const col_spec *c)
{
    if (!c->logical)
        return;
    tw_struct(w, 10);
    tw_struct(w, c->logical);
    if (c->logical == PQ_LT_TIME || c->logical == PQ_LT_TIMESTAMP) {
        tw_bool(w, 1, true);
        tw_struct(w, 2);
        tw_struct(w, c->lt_unit);
        tw_end(w);
        tw_end(w);
    }
    tw_end(w);
    tw_end(w);
}

static void put_schema(tw *w, const col_spec *cols, int n)
{
    tw_list(w, 2, TC_STRUCT, n + 1);
    tw_begin(w);
    tw_str(w, 4, "schema");
    tw_i32(w, 5, n);
    tw_end(w);
    for (int i = 0; i < n; i++) {
        const col_spec *c = &cols[i];
        tw_begin(w);
        tw_i32(w, 1, c->type);
        if (c->type_length)
            tw_i32(w, 2, c->type_length);
        tw_i32(w, 3, c->repetition);
        tw_str(w, 4, c->name);
        if (c->converted >= 0)
            tw_i32(w, 6, c->converted);
        if (c->converted == PQ_CT_DECIMAL)
            tw_i32(w, 7, c->scale), tw_i32(w, 8, c->precision);
        put_logical(w, c);
        tw_end(w);
    }
}

/* The page (header + body) of column c into out; returns its length. */
static size_t put_page(uint8_t *out, const col_spec *c)
{
    uint8_t body[4096];
    size_t n = 0;
    if (c->levels && !c->v2 && c->def_encoding == PQ_ENC_RLE) {
        uint32_t len = (uint32_t)c->levels_len;
        memcpy(body, &len, 4), n = 4;
    }
    if (c->levels)
        memcpy(body + n, c->levels, c->levels_len), n += c->levels_len;
    memcpy(body + n, c->values, c->values_len), n += c->values_len;
    tw h = {0};
    tw_begin(&h);
    tw_i32(&h, 1, c->v2 ? PQ_PAGE_DATA_V2 : PQ_PAGE_DATA);
    tw_i32(&h, 2, (int64_t)n);
    tw_i32(&h, 3, (int64_t)n);
    tw_struct(&h, c->v2 ? 8 : 5);
    tw_i32(&h, 1, c->num_values);
    if (c->v2) {
        tw_i32(&h, 2, c->num_nulls);
        tw_i32(&h, 3, c->num_values);
        tw_i32(&h, 4, c->encoding);
        tw_i32(&h, 5, (int64_t)c->levels_len);
        tw_i32(&h, 6, 0);
        tw_bool(&h, 7, false);
    } else {
        tw_i32(&h, 2, c->encoding);
        tw_i32(&h, 3, c->def_encoding);
        tw_i32(&h, 4, PQ_ENC_RLE);
    }
    tw_end(&h);
    tw_end(&h);
    memcpy(out, h.b, h.n);
    memcpy(out + h.n, body, n);
    return h.n + n;
}

/* A one-row-group file of the given columns; returns its temp path. */
static const char *build_file(const col_spec *cols, int ncols, int rows)
{
    static uint8_t file[65536];
    size_t n = 4, off[16], len[16];
    memcpy(file, "PAR1", 4);
    for (int i = 0; i < ncols; i++) {
        off[i] = n;
        len[i] = put_page(file + n, &cols[i]);
        n += len[i];
    }
    tw w = {0};
    tw_begin(&w);
    tw_i32(&w, 1, 1);
    put_schema(&w, cols, ncols);
    tw_i64(&w, 3, rows);
    tw_list(&w, 4, TC_STRUCT, 1);
    tw_begin(&w);
    tw_list(&w, 1, TC_STRUCT, ncols);
    for (int i = 0; i < ncols; i++) {
        tw_begin(&w);
        tw_i64(&w, 2, (int64_t)off[i]);
        tw_struct(&w, 3);
        tw_i32(&w, 1, cols[i].type);
        tw_list(&w, 2, TC_I32, 1);
        tw_zz(&w, cols[i].encoding);
        tw_list(&w, 3, TC_BINARY, 1);
        tw_varint(&w, strlen(cols[i].name)), tw_raw(&w, cols[i].name, strlen(cols[i].name));
        tw_i32(&w, 4, PQ_CODEC_UNCOMPRESSED);
        tw_i64(&w, 5, cols[i].num_values);
        tw_i64(&w, 6, (int64_t)len[i]);
        tw_i64(&w, 7, (int64_t)len[i]);
        tw_i64(&w, 9, (int64_t)off[i]);
        tw_end(&w);
        tw_end(&w);
    }
    tw_i64(&w, 2, 100);
    tw_i64(&w, 3, rows);
    tw_end(&w);
    tw_end(&w);
    memcpy(file + n, w.b, w.n);
    n += w.n;
    uint32_t flen = (uint32_t)w.n;
    memcpy(file + n, &flen, 4);
    memcpy(file + n + 4, "PAR1", 4);
    return write_tmp(file, n + 8);
}

/* Defaults first, then the fields given (which override them). */
#pragma GCC diagnostic ignored "-Woverride-init"
#define COL(...) ((col_spec){.converted = -1, .def_encoding = PQ_ENC_RLE, __VA_ARGS__})

static void test_built_logical_types(void **state)
{
    (void)state;
    static const uint8_t f16[] = {0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x00, 0x04};
    static const uint8_t uuid[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    static const uint8_t tms[] = {0x95, 0x2c, 0xb3, 0x02}; /* 45296789 ms */
    static const uint8_t tns[] = {0xff, 0xff, 0x4e, 0x91, 0x94, 0x4e, 0, 0}; /* 86399999999999 ns */
    static const uint8_t ivl[] = {1, 0, 0, 0, 2, 0, 0, 0, 0xbc, 0x0b, 0, 0}; /* 1 month 2 days 3004 ms */
    static const uint8_t big[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x8e, 0xe9, 0x0f, 0xf6, 0xc3, 0x73,
        0xe0, 0xee, 0x4e, 0x3f, 0x0a, 0xd2, /* 123456789012345678901234567890 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xc0, 0xdf, 0x26, 0x3d, 0x00, 0x07,
        0x62, 0xc7, 0x1e, 0x38, 0xf3, 0x4f}; /* -98765432109876543210987654321 */
    static const uint8_t u32[] = {0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0};
    static const uint8_t u64[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t tsn[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  /* -1 ns */
                                  0x00, 0x10, 0xa5, 0xd4, 0xe8, 0x00, 0x00, 0x00}; /* 10^12 ns */
    col_spec cols[] = {
        COL(.name = "f16", .type = PQ_FIXED_LEN_BYTE_ARRAY, .type_length = 2,
            .logical = PQ_LT_FLOAT16, .values = f16, .values_len = 8, .num_values = 4),
        COL(.name = "uuid", .type = PQ_FIXED_LEN_BYTE_ARRAY, .type_length = 16,
            .logical = PQ_LT_UUID, .values = uuid, .values_len = 16, .num_values = 1),
        COL(.name = "tms", .type = PQ_INT32, .converted = PQ_CT_TIME_MILLIS, .values = tms,
            .values_len = 4, .num_values = 1),
        COL(.name = "tns", .type = PQ_INT64, .logical = PQ_LT_TIME, .lt_unit = PQ_UNIT_NANOS,
            .values = tns, .values_len = 8, .num_values = 1),
        COL(.name = "ivl", .type = PQ_FIXED_LEN_BYTE_ARRAY, .type_length = 12,
            .converted = PQ_CT_INTERVAL, .values = ivl, .values_len = 12, .num_values = 1),
        COL(.name = "big", .type = PQ_FIXED_LEN_BYTE_ARRAY, .type_length = 20,
            .converted = PQ_CT_DECIMAL, .precision = 40, .scale = 3, .values = big,
            .values_len = 40, .num_values = 2),
        COL(.name = "u32", .type = PQ_INT32, .converted = PQ_CT_UINT_32, .values = u32,
            .values_len = 8, .num_values = 2),
        COL(.name = "u64", .type = PQ_INT64, .converted = PQ_CT_UINT_64, .values = u64,
            .values_len = 16, .num_values = 2),
        COL(.name = "tsn", .type = PQ_INT64, .logical = PQ_LT_TIMESTAMP, .lt_unit = PQ_UNIT_NANOS,
            .values = tsn, .values_len = 16, .num_values = 2),
    };
    /* every column gets its own file (the columns differ in row count) */
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        table t;
        tarn_error err = {0};
        const char *path = build_file(&cols[i], 1, cols[i].num_values);
        if (load(path, NULL, &t, &err) != TARN_OK)
            fail_msg("%s: %s", cols[i].name, err.msg);
        const char *n = cols[i].name;
        switch (i) {
        case 0:
            assert_int_equal(t.schema.fields[0].type.id, TARN_TYPE_DOUBLE);
            assert_cell(&t, 0, n, "1");
            assert_cell(&t, 1, n, "-2");
            assert_cell(&t, 2, n, "65504");
            assert_cell(&t, 3, n, "6.103515625e-05");
            break;
        case 1: assert_cell(&t, 0, n, "00010203-0405-0607-0809-0a0b0c0d0e0f"); break;
        case 2: assert_cell(&t, 0, n, "12:34:56.789000"); break;
        case 3: assert_cell(&t, 0, n, "23:59:59.999999"); break;
        case 4: assert_cell(&t, 0, n, "P1M2DT3.004S"); break;
        case 5:
            assert_int_equal(t.schema.fields[0].type.id, TARN_TYPE_STRING);
            assert_cell(&t, 0, n, "123456789012345678901234567.890");
            assert_cell(&t, 1, n, "-98765432109876543210987654.321");
            break;
        case 6:
            assert_int_equal(t.schema.fields[0].type.id, TARN_TYPE_BIGINT);
            assert_cell(&t, 0, n, "4294967295");
            assert_cell(&t, 1, n, "1");
            break;
        case 7:
            assert_int_equal(t.schema.fields[0].type.id, TARN_TYPE_DECIMAL);
            assert_cell(&t, 0, n, "18446744073709551615");
            assert_cell(&t, 1, n, "2");
            break;
        case 8:
            assert_cell(&t, 0, n, "1969-12-31 23:59:59.999999");
            assert_cell(&t, 1, n, "1970-01-01 00:16:40");
            break;
        }
        table_free(&t);
    }
}

static void test_built_encodings(void **state)
{
    (void)state;
    /* BYTE_STREAM_SPLIT: INT32 [1, -2, 0x01020304], byte k of every value together */
    static const uint8_t bss32[] = {0x01, 0xfe, 0x04, 0x00, 0xff, 0x03, 0x00, 0xff, 0x02,
                                    0x00, 0xff, 0x01};
    /* INT64 [5, -1] */
    static const uint8_t bss64[] = {0x05, 0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0, 0xff,
                                    0, 0xff, 0, 0xff};
    /* FIXED_LEN_BYTE_ARRAY(3) ["abc", "xyz"] */
    static const uint8_t bssfl[] = {'a', 'x', 'b', 'y', 'c', 'z'};
    /* DELTA_BYTE_ARRAY of FIXED_LEN_BYTE_ARRAY(4): "abcd", "abxy", "abxz":
    ** prefix lengths [0, 2, 3], suffix lengths [4, 2, 1], then the suffixes */
    static const uint8_t dba[] = {
        0x80, 0x01, 0x04, 0x03, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x80, 0x01, 0x04, 0x03, 0x08, 0x03, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
        'a', 'b', 'c', 'd', 'x', 'y', 'z'};
    /* BIT_PACKED definition levels 1 0 1 1 (MSB first), values 7 8 9 */
    static const uint8_t bp_levels[] = {0xb0};
    static const uint8_t i789[] = {7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0};
    /* v2 page, not compressed: RLE levels (no length prefix) 0 1 1 0 as one
    ** bit-packed group, values 8 9 */
    static const uint8_t v2_levels[] = {0x03, 0x06};
    col_spec cols[] = {
        COL(.name = "bss32", .type = PQ_INT32, .encoding = PQ_ENC_BYTE_STREAM_SPLIT,
            .values = bss32, .values_len = 12, .num_values = 3),
        COL(.name = "bss64", .type = PQ_INT64, .encoding = PQ_ENC_BYTE_STREAM_SPLIT,
            .values = bss64, .values_len = 16, .num_values = 2),
        COL(.name = "bssfl", .type = PQ_FIXED_LEN_BYTE_ARRAY, .type_length = 3,
            .converted = PQ_CT_UTF8, .encoding = PQ_ENC_BYTE_STREAM_SPLIT, .values = bssfl,
            .values_len = 6, .num_values = 2),
        COL(.name = "dba", .type = PQ_FIXED_LEN_BYTE_ARRAY, .type_length = 4,
            .encoding = PQ_ENC_DELTA_BYTE_ARRAY, .values = dba, .values_len = sizeof dba,
            .num_values = 3),
        COL(.name = "bp", .type = PQ_INT32, .repetition = PQ_OPTIONAL,
            .def_encoding = PQ_ENC_BIT_PACKED, .levels = bp_levels, .levels_len = 1,
            .values = i789, .values_len = 12, .num_values = 4),
        COL(.name = "v2", .type = PQ_INT32, .repetition = PQ_OPTIONAL, .v2 = true,
            .levels = v2_levels, .levels_len = 2, .values = i789 + 4, .values_len = 8,
            .num_values = 4, .num_nulls = 2),
    };
    static const char *const want[][4] = {
        {"1", "-2", "16909060"}, {"5", "-1"}, {"abc", "xyz"},
        {"61626364", "61627879", "6162787a"}, {"7", NULL, "8", "9"}, {NULL, "8", "9", NULL}};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        table t;
        tarn_error err = {0};
        if (load(build_file(&cols[i], 1, cols[i].num_values), NULL, &t, &err) != TARN_OK)
            fail_msg("%s: %s", cols[i].name, err.msg);
        assert_int_equal(t.nrows, cols[i].num_values);
        for (int r = 0; r < cols[i].num_values; r++)
            assert_cell(&t, r, cols[i].name, want[i][r]);
        table_free(&t);
    }
    /* a page whose values run out before its levels do */
    col_spec short_page = COL(.name = "s", .type = PQ_INT32, .values = i789, .values_len = 8,
                              .num_values = 3);
    table t;
    tarn_error err = {0};
    assert_int_equal(load(build_file(&short_page, 1, 3), NULL, &t, &err), TARN_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "column 's'"));
    table_free(&t);
    /* an encoding tarn does not know */
    col_spec odd = COL(.name = "o", .type = PQ_INT32, .encoding = 42, .values = i789,
                       .values_len = 12, .num_values = 3);
    assert_int_equal(load(build_file(&odd, 1, 3), NULL, &t, &err), TARN_ERR_UNSUPPORTED);
    table_free(&t);
}

/* ---- decoders ---- */

static void test_rle_hybrid(void **state)
{
    (void)state;
    /* bit width 3: an RLE run of 5 sevens, then one bit-packed group of
    ** 0..7 (the Parquet specification's example packing) */
    static const uint8_t in[] = {0x0a, 0x07, 0x03, 0x88, 0xc6, 0xfa};
    pq_rle r;
    uint32_t out[16];
    pq_rle_init(&r, in, sizeof in, 3);
    assert_int_equal(pq_rle_get_u32(&r, out, 16), 13);
    for (int i = 0; i < 5; i++)
        assert_int_equal(out[i], 7);
    for (int i = 0; i < 8; i++)
        assert_int_equal(out[5 + i], i);
    /* the deprecated BIT_PACKED order: 0..7 at width 3, most significant bit first */
    static const uint8_t msb[] = {0x05, 0x39, 0x77};
    uint8_t o8[8];
    pq_rle_init_msb(&r, msb, sizeof msb, 3);
    assert_int_equal(pq_rle_get_u8(&r, o8, 8), 8);
    for (int i = 0; i < 8; i++)
        assert_int_equal(o8[i], i);
    /* a bit-packed run cut short yields only whole values */
    pq_rle_init(&r, in + 2, 2, 3);
    assert_int_equal(pq_rle_get_u32(&r, out, 16), 2);
}

static void test_delta_binary_packed(void **state)
{
    (void)state;
    /* block 128, 4 miniblocks, 5 values, first 7; deltas -1 2 2 2 ->
    ** min delta -1, adjusted 0 3 3 3 at width 2 */
    static const uint8_t in[] = {0x80, 0x01, 0x04, 0x05, 0x0e, 0x01, 0x02, 0x00, 0x00, 0x00,
                                 0xfc, 0x03, 0, 0, 0, 0, 0, 0};
    pq_delta d;
    int32_t out[8];
    assert_true(pq_delta_init(&d, in, sizeof in, false));
    assert_true(pq_delta_end(&d) == in + sizeof in);
    assert_int_equal(pq_delta_get(&d, out, 8), 5);
    assert_int_equal(out[0], 7);
    assert_int_equal(out[1], 6);
    assert_int_equal(out[2], 8);
    assert_int_equal(out[4], 12);
    /* bad headers */
    static const uint8_t bad[] = {0x81, 0x01, 0x04, 0x05, 0x0e}; /* block of 129 */
    assert_false(pq_delta_init(&d, bad, sizeof bad, false));
    assert_false(pq_delta_init(&d, in, 3, false));
}

static void test_conversions(void **state)
{
    (void)state;
    char buf[128];
    static const uint8_t minus_one[] = {0xff, 0xff};
    size_t n = pq_format_bigdec(minus_one, 2, 2, buf, sizeof buf);
    assert_int_equal(n, 5);
    assert_memory_equal(buf, "-0.01", 5);
    static const uint8_t zero[] = {0};
    n = pq_format_bigdec(zero, 1, 0, buf, sizeof buf);
    assert_memory_equal(buf, "0", n);
    __int128 v;
    static const uint8_t wide[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
    assert_true(pq_be_to_i128(wide, sizeof wide, &v));
    assert_true(v == -2);
    static const uint8_t too_wide[] = {0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_false(pq_be_to_i128(too_wide, sizeof too_wide, &v));
    assert_true(pq_half_to_double(0x3c00) == 1.0);
    assert_true(pq_half_to_double(0x7c00) > 1e300);
    /* INT96: Julian day 2440589 (1970-01-02), 1 s + 1999 ns into it */
    uint8_t i96[12];
    int64_t ns = 1000001999, us;
    int32_t jd = 2440589;
    memcpy(i96, &ns, 8);
    memcpy(i96 + 8, &jd, 4);
    assert_true(pq_int96_to_micros(i96, &us));
    assert_int_equal(us, 86400000000LL + 1000001);
    assert_int_equal(pq_nanos_to_micros(-1), -1);
    assert_int_equal(pq_nanos_to_micros(-1000), -1);
    assert_int_equal(pq_nanos_to_micros(-1001), -2);
    assert_false(pq_millis_to_micros(INT64_MAX / 10, &us));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_every_data_file),
        cmocka_unit_test(test_bad_data_files_are_refused),
        cmocka_unit_test(test_error_names_column_and_page),
        cmocka_unit_test(test_expect_csv_files),
        cmocka_unit_test(test_alltypes),
        cmocka_unit_test(test_decimals),
        cmocka_unit_test(test_codecs_agree),
        cmocka_unit_test(test_byte_stream_split_and_nans),
        cmocka_unit_test(test_nested_as_json),
        cmocka_unit_test(test_batch_sizes_agree),
        cmocka_unit_test(test_projection),
        cmocka_unit_test(test_row_group_filter),
        cmocka_unit_test(test_meta_api),
        cmocka_unit_test(test_pages_api),
        cmocka_unit_test(test_documented_stats),
        cmocka_unit_test(test_truncated_files),
        cmocka_unit_test(test_bit_flips),
        cmocka_unit_test(test_built_logical_types),
        cmocka_unit_test(test_built_encodings),
        cmocka_unit_test(test_rle_hybrid),
        cmocka_unit_test(test_delta_binary_packed),
        cmocka_unit_test(test_conversions),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (tmp_path[0])
        unlink(tmp_path);
    return rc;
}
