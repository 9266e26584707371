/*
** test_csv.c: the CSV reader (src/format/csv_*.c) through the public reader
** API: csv-spectrum conformance, dialects, line ends, encodings, gzip,
** header detection and names, type inference and late widening, bad rows
** with their line numbers, edge-case files, and parallel splits that agree
** with a sequential read.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "format/csv_internal.h"
#include "format/format.h"

static char tmpdir[256];

/* ---- helpers ---- */

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tarn-test-csv-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd);
}

/* Reset the chunk size after a test that shrinks it. */
static int reset_chunks(void **state)
{
    (void)state;
    tarn_csv_chunk_bytes = 0;
    return 0;
}

static const char *write_file(const char *name, const void *data, size_t n)
{
    static char p[8][400];
    static int k;
    char *path = p[k++ % 8];
    snprintf(path, 400, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    return path;
}

static const char *write_str(const char *name, const char *s)
{
    return write_file(name, s, strlen(s));
}

typedef struct badlog {
    int n;
    int stop;               /* return nonzero for this call (1-based), 0 never */
    int64_t line[512];
    char reason[512][128];
    char text[512][64];
} badlog;

static int log_bad(void *ud, const tarn_bad_row *b)
{
    badlog *l = ud;
    if (l->n < 512) {
        l->line[l->n] = b->line;
        snprintf(l->reason[l->n], sizeof l->reason[0], "%s", b->reason);
        snprintf(l->text[l->n], sizeof l->text[0], "%s", b->text);
    }
    l->n++;
    return l->stop && l->n == l->stop;
}

/* A whole file read as text cells (NULL = SQL NULL). */
typedef struct table {
    tarn_schema schema;
    tarn_input_info info;
    int64_t nrows, bad;
    int nsplits;
    char **cells; /* nrows * ncols */
} table;

static void table_free(table *t)
{
    for (int64_t i = 0; i < t->nrows * t->schema.ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    tarn_schema_free(&t->schema);
    memset(t, 0, sizeof *t);
}

/* Append batch b's rows as text to t. */
static void add_batch(table *t, const tarn_batch *b)
{
    int nc = t->schema.ncols;
    t->cells = realloc(t->cells, sizeof(char *) * (size_t)((t->nrows + b->nrows) * nc + 1));
    for (int64_t i = 0; i < b->nrows; i++) {
        for (int c = 0; c < nc; c++) {
            char *cell = NULL;
            if (tarn_column_is_valid(&b->cols[c], i)) {
                size_t n = b->cols[c].type.id == TARN_TYPE_STRING
                               ? (size_t)(b->cols[c].offsets[i + 1] - b->cols[c].offsets[i]) + 1
                               : 128;
                cell = malloc(n);
                tarn_value_format(&b->cols[c], i, cell, n);
            }
            t->cells[(t->nrows + i) * nc + c] = cell;
        }
    }
    t->nrows += b->nrows;
}

/* Read path with o (NULL: defaults, CSV) into t; returns the status. */
static int load(const char *path, tarn_read_options *o, table *t, tarn_error *err)
{
    tarn_read_options def;
    if (!o) {
        tarn_read_options_init(&def);
        o = &def;
    }
    o->format = TARN_FORMAT_CSV;
    memset(t, 0, sizeof *t);
    tarn_reader *r;
    int rc = tarn_reader_open(&r, path, o, err);
    if (rc)
        return rc;
    tarn_schema_copy(&t->schema, tarn_reader_schema(r));
    t->info = *tarn_reader_info(r);
    t->bad = tarn_reader_bad_rows(r);
    t->nsplits = tarn_reader_split_count(r);
    tarn_batch b;
    tarn_batch_init(&b, &t->schema, 0);
    while ((rc = tarn_reader_next(r, &b, err)) == 1) {
        assert_true(b.nrows <= (o->batch_rows ? o->batch_rows : 65536));
        add_batch(t, &b);
    }
    assert_int_equal(t->nrows, tarn_reader_row_count(r));
    tarn_batch_free(&b);
    tarn_reader_close(r);
    return rc < 0 ? -rc : TARN_OK;
}

static void load_ok(const char *path, tarn_read_options *o, table *t)
{
    tarn_error err = {0};
    if (load(path, o, t, &err) != TARN_OK)
        fail_msg("reading %s: %s", path, err.msg);
}

static const char *cell(const table *t, int64_t row, int col)
{
    assert_true(row < t->nrows && col < t->schema.ncols);
    return t->cells[row * t->schema.ncols + col];
}

static void assert_cell(const table *t, int64_t row, int col, const char *want)
{
    const char *got = cell(t, row, col);
    if (!want && got)
        fail_msg("row %lld col %d: want NULL, got '%s'", (long long)row, col, got);
    if (want && (!got || strcmp(got, want) != 0))
        fail_msg("row %lld col %d: want '%s', got %s%s%s", (long long)row, col, want,
                 got ? "'" : "", got ? got : "NULL", got ? "'" : "");
}

static void assert_type(const table *t, int col, tarn_type_id id)
{
    char a[32], b[32];
    tarn_type want = {id, 0, 0};
    if (t->schema.fields[col].type.id != id)
        fail_msg("column %s: want %s, got %s", t->schema.fields[col].name,
                 tarn_type_name(want, a, sizeof a),
                 tarn_type_name(t->schema.fields[col].type, b, sizeof b));
}

static void assert_names(const table *t, const char *const *names, int n)
{
    assert_int_equal(t->schema.ncols, n);
    for (int i = 0; i < n; i++)
        assert_string_equal(t->schema.fields[i].name, names[i]);
}

#define NAMES(t, ...) assert_names(t, (const char *const[]){__VA_ARGS__}, \
                                   sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *))

/* ---- csv-spectrum ---- */

/* The expected text of one field. Two upstream quirks, documented:
** location_coordinates.json holds a phone number that is not the one in
** its CSV (an upstream mistake), and newlines_crlf.csv lost its CRs in
** this checkout while the JSON still has them. */
static const char *expected_value(const char *name, const char *key, const char *want,
                                  bool csv_has_cr, char *buf, size_t n)
{
    if (strcmp(name, "location_coordinates") == 0 && strcmp(key, "Contact Phone Number") == 0)
        return "2095257564";
    if (!csv_has_cr && strstr(want, "\r\n")) {
        size_t k = 0;
        for (const char *p = want; *p && k + 1 < n; p++)
            if (!(p[0] == '\r' && p[1] == '\n'))
                buf[k++] = *p;
        buf[k] = '\0';
        return buf;
    }
    return want;
}

static void check_spectrum_file(const char *dir, const char *name, bool all_strings)
{
    char csv[600], js[600], buf[4096];
    snprintf(csv, sizeof csv, "%s/csvs/%s.csv", dir, name);
    snprintf(js, sizeof js, "%s/json/%s.json", dir, name);
    json_error_t jerr;
    json_t *root = json_load_file(js, 0, &jerr);
    if (!root)
        fail_msg("%s: %s", js, jerr.text);
    if (json_is_object(root)) {
        json_t *arr = json_array();
        json_array_append(arr, root);
        json_decref(root);
        root = arr;
    }
    FILE *f = fopen(csv, "rb");
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    bool has_cr = memchr(buf, '\r', n) != NULL;
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.all_strings = all_strings;
    table t;
    load_ok(csv, &o, &t);
    assert_int_equal(t.nrows, (int64_t)json_array_size(root));
    assert_int_equal(t.bad, 0);
    for (size_t i = 0; i < json_array_size(root); i++) {
        json_t *obj = json_array_get(root, i);
        assert_int_equal(json_object_size(obj), (size_t)t.schema.ncols);
        for (int c = 0; c < t.schema.ncols; c++) {
            const char *key = t.schema.fields[c].name;
            json_t *v = json_object_get(obj, key);
            if (!v)
                fail_msg("%s: column '%s' is not in the expected JSON", name, key);
            char nb[4096];
            const char *want = expected_value(name, key, json_string_value(v), has_cr, nb, sizeof nb);
            const char *got = cell(&t, (int64_t)i, c);
            /* an unquoted empty field is NULL; the JSON spells it "" */
            if (strcmp(want, got ? got : "") != 0)
                fail_msg("%s row %zu '%s' (%s): want '%s', got '%s'", name, i, key,
                         all_strings ? "strings" : "typed", want, got ? got : "NULL");
        }
    }
    table_free(&t);
    json_decref(root);
}

static void test_csv_spectrum(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/testdata/csv-spectrum", TARN_SHARED_DIR);
    char csvs[600];
    snprintf(csvs, sizeof csvs, "%s/csvs", dir);
    DIR *d = opendir(csvs);
    if (!d)
        fail_msg("cannot open %s", csvs);
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".csv") != 0)
            continue;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(n - 4), e->d_name);
        check_spectrum_file(dir, name, true);
        check_spectrum_file(dir, name, false);
        files++;
    }
    closedir(d);
    assert_true(files >= 12);
    /* empty.csv: a quoted "" is an empty string, not NULL */
    char p[600];
    snprintf(p, sizeof p, "%s/csvs/empty.csv", dir);
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.all_strings = true;
    table t;
    load_ok(p, &o, &t);
    assert_cell(&t, 0, 1, "");
    table_free(&t);
}

/* ---- dialects, line ends, encodings ---- */

static void check_abc(const table *t)
{
    NAMES(t, "a", "b", "c");
    assert_int_equal(t->nrows, 2);
    assert_cell(t, 0, 0, "1");
    assert_cell(t, 0, 1, "x y");
    assert_cell(t, 1, 2, "z");
}

static void test_line_endings(void **state)
{
    (void)state;
    static const struct { const char *text, *nl; } cases[] = {
        {"a,b,c\n1,x y,3\n4,5,z\n", "lf"},
        {"a,b,c\r\n1,x y,3\r\n4,5,z\r\n", "crlf"},
        {"a,b,c\r1,x y,3\r4,5,z\r", "cr"},
        {"a,b,c\n1,x y,3\n4,5,z", "lf"},      /* no final line end */
        {"a,b,c\r\n1,x y,3\n4,5,z\r", "crlf"}, /* mixed */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        table t;
        load_ok(write_str("le.csv", cases[i].text), NULL, &t);
        check_abc(&t);
        assert_string_equal(t.info.newline, cases[i].nl);
        table_free(&t);
    }
    table t;
    load_ok(write_str("one.csv", "a,b,c"), NULL, &t);
    assert_string_equal(t.info.newline, "none");
    assert_int_equal(t.nrows, 0);
    table_free(&t);
}

static void test_dialects(void **state)
{
    (void)state;
    static const struct { const char *text; char delim, quote; } cases[] = {
        {"a;b;c\n1;x y;3\n4;5;z\n", ';', '"'},
        {"a\tb\tc\n1\tx y\t3\n4\t5\tz\n", '\t', '"'},
        {"a|b|c\n1|x y|3\n4|5|z\n", '|', '"'},
        {"a;b;c\n1;\"x y\";3\n\"4\";5;z\n", ';', '"'},
        {"a,b,c\n1,'x y',3\n'4',5,z\n", ',', '\''},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        table t;
        load_ok(write_str("d.csv", cases[i].text), NULL, &t);
        check_abc(&t);
        assert_int_equal(t.info.dialect.delimiter, cases[i].delim);
        assert_int_equal(t.info.dialect.quote, cases[i].quote);
        table_free(&t);
    }
    /* delimiters and quotes of other dialects inside quoted fields */
    table t;
    load_ok(write_str("q.csv", "name;note\n\"Smith, J\";\"a|b\tc\"\n\"O'Neil\";\"x;y\"\n"), NULL, &t);
    assert_int_equal(t.info.dialect.delimiter, ';');
    assert_cell(&t, 0, 0, "Smith, J");
    assert_cell(&t, 0, 1, "a|b\tc");
    assert_cell(&t, 1, 0, "O'Neil");
    assert_cell(&t, 1, 1, "x;y");
    table_free(&t);
    /* overrides: delimiter, quoting off, header off */
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.dialect.delimiter = '|';
    o.dialect.quote = '\x01';
    o.dialect.header = 0;
    load_ok(write_str("o.csv", "a,b|\"c\"\n1,2|3\n"), &o, &t);
    NAMES(&t, "column0", "column1");
    assert_cell(&t, 0, 0, "a,b");
    assert_cell(&t, 0, 1, "\"c\"");
    assert_int_equal(t.info.dialect.quote, '\x01');
    table_free(&t);
    /* a delimiter that cannot work is refused */
    tarn_read_options_init(&o);
    o.dialect.delimiter = '\n';
    tarn_error err = {0};
    assert_int_equal(load(write_str("o2.csv", "a\n"), &o, &t, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "delimiter"));
}

static void test_bom_and_utf16(void **state)
{
    (void)state;
    table t;
    load_ok(write_str("bom.csv", "\xEF\xBB\xBF" "a,b,c\n1,x y,3\n4,5,z\n"), NULL, &t);
    check_abc(&t);
    assert_string_equal(t.info.encoding, "utf-8-bom");
    table_free(&t);
    const char *text = "a,b,c\n1,x y,3\n4,5,z\n";
    size_t n = strlen(text);
    unsigned char le[128], be[128];
    le[0] = 0xFF, le[1] = 0xFE, be[0] = 0xFE, be[1] = 0xFF;
    for (size_t i = 0; i < n; i++) {
        le[2 + 2 * i] = (unsigned char)text[i], le[3 + 2 * i] = 0;
        be[2 + 2 * i] = 0, be[3 + 2 * i] = (unsigned char)text[i];
    }
    load_ok(write_file("le.csv", le, 2 + 2 * n), NULL, &t);
    check_abc(&t);
    assert_string_equal(t.info.encoding, "utf-16le");
    table_free(&t);
    load_ok(write_file("be.csv", be, 2 + 2 * n), NULL, &t);
    check_abc(&t);
    assert_string_equal(t.info.encoding, "utf-16be");
    table_free(&t);
}

static void test_latin1_fallback(void **state)
{
    (void)state;
    table t;
    load_ok(write_str("l1.csv", "caf\xe9,n\nna\xefve,1\nok \xc3\xa9,2\n"), NULL, &t);
    NAMES(&t, "caf\xc3\xa9", "n");
    assert_true(t.info.latin1_fallback);
    assert_cell(&t, 0, 0, "na\xc3\xafve");
    assert_cell(&t, 1, 0, "ok \xc3\xa9"); /* valid UTF-8 stays as it is */
    table_free(&t);
    load_ok(write_str("u8.csv", "a,n\n\xc3\xa9,1\n"), NULL, &t);
    assert_false(t.info.latin1_fallback);
    table_free(&t);
}

static void test_gzip(void **state)
{
    (void)state;
    char p[400];
    snprintf(p, sizeof p, "%s/two.csv.gz", tmpdir);
    gzFile g = gzopen(p, "wb");
    gzputs(g, "a,b,c\n1,x y,3\n");
    gzclose(g);
    g = gzopen(p, "ab");
    gzputs(g, "4,5,z\n");
    gzclose(g);
    table t;
    load_ok(p, NULL, &t);
    check_abc(&t);
    assert_true(t.info.gzip);
    table_free(&t);
}

/* ---- header and names ---- */

static void test_header_detection(void **state)
{
    (void)state;
    table t;
    load_ok(write_str("h1.csv", "id,when\n1,2020-01-03\n2,2020-01-04\n"), NULL, &t);
    assert_true(t.info.dialect.header);
    NAMES(&t, "id", "when");
    table_free(&t);
    load_ok(write_str("h2.csv", "1,2020-01-03\n2,2020-01-04\n"), NULL, &t);
    assert_false(t.info.dialect.header);
    NAMES(&t, "column0", "column1");
    assert_int_equal(t.nrows, 2);
    assert_type(&t, 0, TARN_TYPE_INT);
    table_free(&t);
    /* all strings: the first row is the header (as DuckDB does) */
    load_ok(write_str("h3.csv", "hello,world\nfoo,bar\n"), NULL, &t);
    assert_true(t.info.dialect.header);
    NAMES(&t, "hello", "world");
    table_free(&t);
    /* one typed row and nothing else is data */
    load_ok(write_str("h4.csv", "1,2,3,4,5,6,7,8,9,10,11\n"), NULL, &t);
    assert_false(t.info.dialect.header);
    NAMES(&t, "column00", "column01", "column02", "column03", "column04", "column05",
          "column06", "column07", "column08", "column09", "column10");
    table_free(&t);
    /* empty names, repeated names, blanks around names */
    load_ok(write_str("h5.csv", "a,,a, b ,a\n1,2,3,4,5\n"), NULL, &t);
    NAMES(&t, "a", "column1", "a_1", "b", "a_2");
    table_free(&t);
    /* header only */
    load_ok(write_str("h6.csv", "x,y,z\n"), NULL, &t);
    NAMES(&t, "x", "y", "z");
    assert_int_equal(t.nrows, 0);
    assert_type(&t, 0, TARN_TYPE_STRING);
    table_free(&t);
    /* forced header on typed first row */
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.dialect.header = 1;
    load_ok(write_str("h7.csv", "1,2\n3,4\n"), &o, &t);
    NAMES(&t, "1", "2");
    assert_int_equal(t.nrows, 1);
    table_free(&t);
}

static void test_empty_file(void **state)
{
    (void)state;
    table t;
    load_ok(write_str("e.csv", ""), NULL, &t);
    assert_int_equal(t.schema.ncols, 0);
    assert_int_equal(t.nrows, 0);
    table_free(&t);
    load_ok(write_str("e2.csv", "\n\n"), NULL, &t);
    assert_int_equal(t.nrows, 0);
    table_free(&t);
}

/* ---- types ---- */

static void test_types(void **state)
{
    (void)state;
    const char *text =
        "b,i,bi,d,dt,dmy,mdy,ts,s,th\n"
        "true,1,5000000000,1.5,2020-01-03,13/01/2020,01/13/2020,2020-01-03T10:00:00Z,x,\"43,774.58\"\n"
        "FALSE,-2,1,2,2020-12-31,03.01.2020,03/01/2020,2020-01-03 10:00:00.5+02:00,007,\"2,500.5\"\n"
        ",,,,,,,,,\n";
    table t;
    load_ok(write_str("types.csv", text), NULL, &t);
    assert_type(&t, 0, TARN_TYPE_BOOLEAN);
    assert_type(&t, 1, TARN_TYPE_INT);
    assert_type(&t, 2, TARN_TYPE_BIGINT);
    assert_type(&t, 3, TARN_TYPE_DOUBLE);
    assert_type(&t, 4, TARN_TYPE_DATE);
    assert_type(&t, 5, TARN_TYPE_DATE);
    assert_type(&t, 6, TARN_TYPE_DATE);
    assert_type(&t, 7, TARN_TYPE_TIMESTAMP);
    assert_type(&t, 8, TARN_TYPE_STRING);
    assert_type(&t, 9, TARN_TYPE_DOUBLE);
    assert_cell(&t, 0, 0, "true");
    assert_cell(&t, 1, 0, "false");
    assert_cell(&t, 0, 2, "5000000000");
    assert_cell(&t, 1, 3, "2");
    assert_cell(&t, 0, 5, "2020-01-13");
    assert_cell(&t, 1, 5, "2020-01-03"); /* day-first proven by 13/01 */
    assert_cell(&t, 1, 6, "2020-03-01"); /* month-first proven by 01/13 */
    assert_cell(&t, 0, 7, "2020-01-03 10:00:00");
    assert_cell(&t, 1, 7, "2020-01-03 08:00:00.500000");
    assert_cell(&t, 1, 8, "007");
    assert_cell(&t, 0, 9, "43774.58");
    assert_cell(&t, 1, 9, "2500.5");
    for (int c = 0; c < 10; c++)
        assert_cell(&t, 2, c, NULL);
    table_free(&t);
    /* quoted empty: "" in a string column, NULL in a typed one */
    load_ok(write_str("qe.csv", "s,n\n\"\",\"\"\nx,1\n"), NULL, &t);
    assert_cell(&t, 0, 0, "");
    assert_cell(&t, 0, 1, NULL);
    table_free(&t);
    /* a column of NULLs only is a string column */
    load_ok(write_str("nul.csv", "a,b\n1,\n2,\n"), NULL, &t);
    assert_type(&t, 1, TARN_TYPE_STRING);
    table_free(&t);
    /* thousands separators mixed with plain ints */
    load_ok(write_str("th.csv", "n\n\"1,234\"\n56\n\"-7,000,000\"\n"), NULL, &t);
    assert_type(&t, 0, TARN_TYPE_INT);
    assert_cell(&t, 0, 0, "1234");
    assert_cell(&t, 2, 0, "-7000000");
    table_free(&t);
}

/* Write n rows "i,<value>" where row `at` holds `odd` instead of i*3. */
static const char *late_file(const char *name, int n, int at, const char *odd)
{
    size_t cap = (size_t)n * 24 + 64, k = 0;
    char *buf = malloc(cap);
    k += (size_t)snprintf(buf, cap, "id,v\n");
    for (int i = 0; i < n; i++) {
        if (i == at)
            k += (size_t)snprintf(buf + k, cap - k, "%d,%s\n", i, odd);
        else
            k += (size_t)snprintf(buf + k, cap - k, "%d,%d\n", i, i * 3);
    }
    const char *p = write_file(name, buf, k);
    free(buf);
    return p;
}

static void test_late_widening(void **state)
{
    (void)state;
    static const struct { const char *odd; tarn_type_id want; const char *row7; } cases[] = {
        {"1.5", TARN_TYPE_DOUBLE, "21"},
        {"9999999999", TARN_TYPE_BIGINT, "21"},
        {"n/a", TARN_TYPE_STRING, "21"},
        {"", TARN_TYPE_INT, "21"},
    };
    size_t chunks[] = {0, 4096};
    for (size_t k = 0; k < 2; k++) {
        tarn_csv_chunk_bytes = chunks[k];
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            table t;
            load_ok(late_file("late.csv", 60000, 50000, cases[i].odd), NULL, &t);
            assert_int_equal(t.nrows, 60000);
            assert_type(&t, 1, cases[i].want);
            assert_cell(&t, 7, 1, cases[i].row7);
            assert_cell(&t, 49999, 1, "149997");
            assert_cell(&t, 50000, 1, cases[i].odd[0] ? cases[i].odd : NULL);
            assert_cell(&t, 59999, 1, "179997");
            if (chunks[k])
                assert_true(t.nsplits > 1);
            table_free(&t);
        }
    }
    /* a date column meeting a timestamp late becomes a timestamp */
    size_t cap = 30000 * 32, n = 0;
    char *buf = malloc(cap);
    n += (size_t)snprintf(buf, cap, "d\n");
    for (int i = 0; i < 30000; i++)
        n += (size_t)snprintf(buf + n, cap - n, i == 25000 ? "2021-01-01 12:30:00\n" : "2020-01-03\n");
    table t;
    load_ok(write_file("dts.csv", buf, n), NULL, &t);
    free(buf);
    assert_type(&t, 0, TARN_TYPE_TIMESTAMP);
    assert_cell(&t, 0, 0, "2020-01-03 00:00:00");
    assert_cell(&t, 25000, 0, "2021-01-01 12:30:00");
    table_free(&t);
}

static void test_forced_types_and_all_strings(void **state)
{
    (void)state;
    tarn_schema types;
    tarn_schema_init(&types);
    tarn_type dec = {TARN_TYPE_DECIMAL, 10, 2}, str = {TARN_TYPE_STRING, 0, 0};
    tarn_schema_add(&types, "price", dec);
    tarn_schema_add(&types, "id", str);
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.types = &types;
    table t;
    load_ok(write_str("f.csv", "id,price,n\n1,12.5,3\n2,x,4\n"), &o, &t);
    assert_type(&t, 0, TARN_TYPE_STRING);
    assert_int_equal(t.schema.fields[1].type.id, TARN_TYPE_DECIMAL);
    assert_type(&t, 2, TARN_TYPE_INT);
    assert_cell(&t, 0, 1, "12.50");
    assert_cell(&t, 1, 1, NULL); /* does not fit: NULL */
    table_free(&t);
    tarn_schema_free(&types);
    tarn_read_options_init(&o);
    o.all_strings = true;
    load_ok(write_str("s.csv", "a,b\n1,2020-01-03\n"), &o, &t);
    assert_type(&t, 0, TARN_TYPE_STRING);
    assert_type(&t, 1, TARN_TYPE_STRING);
    table_free(&t);
}

/* ---- bad rows ---- */

static void test_ragged_rows_and_lines(void **state)
{
    (void)state;
    const char *text =
        "a,b,c\n"             /* 1 */
        "1,2,3\n"             /* 2 */
        "4,\"multi\nline\",6\n" /* 3-4 */
        "7,8\n"               /* 5: too few */
        "\"x\r\ny\",\"p\n\nq\",9\n" /* 6-9 */
        "10,11,12,13\n"       /* 10: too many */
        "14,15,16\n";         /* 11 */
    tarn_read_options o;
    tarn_read_options_init(&o);
    badlog log = {0};
    o.on_bad_row = log_bad;
    o.bad_row_ud = &log;
    table t;
    const char *p = write_str("rag.csv", text);
    load_ok(p, &o, &t);
    assert_int_equal(t.nrows, 4);
    assert_int_equal(t.bad, 2);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.line[0], 5);
    assert_string_equal(log.reason[0], "expected 3 fields, found 2");
    assert_string_equal(log.text[0], "7,8");
    assert_int_equal(log.line[1], 10);
    assert_string_equal(log.reason[1], "expected 3 fields, found 4");
    assert_cell(&t, 1, 1, "multi\nline");
    assert_cell(&t, 2, 0, "x\r\ny");
    assert_cell(&t, 3, 0, "14");
    table_free(&t);
    /* no callback: an error naming the file and the line */
    tarn_error err = {0};
    assert_int_equal(load(p, NULL, &t, &err), TARN_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "rag.csv"));
    assert_non_null(strstr(err.msg, "line 5"));
    /* the callback says stop at the second */
    memset(&log, 0, sizeof log);
    log.stop = 2;
    assert_int_equal(load(p, &o, &t, &err), TARN_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "line 10"));
    assert_int_equal(log.n, 2);
    /* the same lines whatever the chunking */
    for (size_t cs = 1; cs < 40; cs += 3) {
        tarn_csv_chunk_bytes = cs;
        memset(&log, 0, sizeof log);
        load_ok(p, &o, &t);
        assert_int_equal(t.nrows, 4);
        assert_int_equal(log.n, 2);
        assert_int_equal(log.line[0], 5);
        assert_int_equal(log.line[1], 10);
        table_free(&t);
    }
}

static void test_quote_errors(void **state)
{
    (void)state;
    tarn_read_options o;
    tarn_read_options_init(&o);
    badlog log = {0};
    o.on_bad_row = log_bad;
    o.bad_row_ud = &log;
    table t;
    load_ok(write_str("u.csv", "a,b\n1,2\n3,\"open\nstill open\n5,6\n"), &o, &t);
    assert_int_equal(t.nrows, 1);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.line[0], 3);
    assert_non_null(strstr(log.reason[0], "unterminated"));
    table_free(&t);
    memset(&log, 0, sizeof log);
    load_ok(write_str("g.csv", "a,b\n1,2\n\"x\"y,3\n4,5\n"), &o, &t);
    assert_int_equal(t.nrows, 2);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.line[0], 3);
    assert_non_null(strstr(log.reason[0], "after a closing quote"));
    assert_cell(&t, 1, 0, "4");
    table_free(&t);
    /* a quote inside an unquoted field is an ordinary character */
    load_ok(write_str("mid.csv", "a,b\n5'2\",x\"y\"\n"), NULL, &t);
    assert_cell(&t, 0, 0, "5'2\"");
    assert_cell(&t, 0, 1, "x\"y\"");
    table_free(&t);
}

static void test_blank_lines(void **state)
{
    (void)state;
    table t;
    load_ok(write_str("bl.csv", "a,b\n1,2\n\n3,4\n\r\n"), NULL, &t);
    assert_int_equal(t.nrows, 2);
    table_free(&t);
    /* one column: an empty line is a NULL value */
    load_ok(write_str("bl1.csv", "a\n1\n\n3\n"), NULL, &t);
    assert_int_equal(t.nrows, 3);
    assert_cell(&t, 1, 0, NULL);
    table_free(&t);
}

/* ---- sizes ---- */

static void test_long_field(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    char *big = malloc(2 * n + 64), *want = malloc(n + 1);
    size_t k = 0, w = 0;
    k += (size_t)sprintf(big, "a,b\n1,\"");
    for (size_t i = 0; i < n; i++) {
        char c = "ab,\n\"x"[i % 6];
        big[k++] = c;
        if (c == '"')
            big[k++] = '"';
        want[w++] = c;
    }
    want[w] = '\0';
    k += (size_t)sprintf(big + k, "\"\n2,end\n");
    for (int pass = 0; pass < 2; pass++) {
        tarn_csv_chunk_bytes = pass ? 100000 : 0;
        table t;
        load_ok(write_file("long.csv", big, k), NULL, &t);
        assert_int_equal(t.nrows, 2);
        assert_int_equal(strlen(cell(&t, 0, 1)), n);
        assert_memory_equal(cell(&t, 0, 1), want, n);
        assert_cell(&t, 1, 1, "end");
        table_free(&t);
    }
    free(big);
    free(want);
}

static void test_many_columns(void **state)
{
    (void)state;
    size_t cap = 1000 * 16 * 4, k = 0;
    char *buf = malloc(cap);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 1000; c++)
            k += (size_t)snprintf(buf + k, cap - k, r == 0 ? "c%d%s" : "%d%s",
                                  r == 0 ? c : c * r, c == 999 ? "\n" : ",");
    table t;
    load_ok(write_file("wide.csv", buf, k), NULL, &t);
    free(buf);
    assert_int_equal(t.schema.ncols, 1000);
    assert_string_equal(t.schema.fields[999].name, "c999");
    assert_int_equal(t.nrows, 2);
    assert_cell(&t, 1, 999, "1998");
    assert_type(&t, 500, TARN_TYPE_INT);
    table_free(&t);
    /* 5000 repeated names become a, a_1 ... a_4999 (quickly) */
    buf = malloc(5000 * 2 + 8);
    k = 0;
    for (int c = 0; c < 5000; c++)
        k += (size_t)sprintf(buf + k, "a%s", c == 4999 ? "\n" : ",");
    load_ok(write_file("dups.csv", buf, k), NULL, &t);
    free(buf);
    assert_int_equal(t.schema.ncols, 5000);
    assert_string_equal(t.schema.fields[0].name, "a");
    assert_string_equal(t.schema.fields[1].name, "a_1");
    assert_string_equal(t.schema.fields[4999].name, "a_4999");
    table_free(&t);
    /* past the column limit: an error, not a huge allocation */
    size_t nc = CSV_MAX_COLUMNS + 1;
    buf = malloc(2 * nc + 1);
    for (size_t i = 0; i < nc; i++)
        buf[2 * i] = 'x', buf[2 * i + 1] = i + 1 == nc ? '\n' : ',';
    tarn_error err = {0};
    assert_int_equal(load(write_file("huge.csv", buf, 2 * nc), NULL, &t, &err), TARN_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "columns"));
    free(buf);
}

/* ---- parallel splits ---- */

typedef struct split_job {
    tarn_reader *r;
    int split;
    int64_t rows, sum;
    uint64_t hash;
} split_job;

static void *read_split(void *arg)
{
    split_job *j = arg;
    tarn_cursor *c;
    tarn_error err = {0};
    if (tarn_cursor_open(j->r, j->split, &c, &err))
        return NULL;
    tarn_batch b;
    tarn_batch_init(&b, tarn_reader_schema(j->r), 0);
    while (tarn_cursor_next(c, &b, &err) == 1) {
        for (int64_t i = 0; i < b.nrows; i++) {
            int32_t id = ((int32_t *)b.cols[0].values)[i];
            size_t n;
            const char *s = tarn_column_str(&b.cols[1], i, &n);
            j->sum += id;
            j->hash += tarn_hash64(s, n, (uint64_t)id);
        }
        j->rows += b.nrows;
    }
    tarn_batch_free(&b);
    tarn_cursor_close(c);
    return NULL;
}

static void test_parallel_splits(void **state)
{
    (void)state;
    size_t cap = 64u << 20, k = 0;
    char *buf = malloc(cap);
    k += (size_t)snprintf(buf, cap, "id,text\r\n");
    int64_t n = 200000, want_sum = 0;
    for (int64_t i = 0; i < n; i++) {
        want_sum += (int32_t)i;
        if (i % 7 == 3)
            k += (size_t)snprintf(buf + k, cap - k, "%lld,\"q,\"\"%lld\"\"\r\nnext\"\r\n",
                                  (long long)i, (long long)i);
        else
            k += (size_t)snprintf(buf + k, cap - k, "%lld,plain %lld\r\n", (long long)i,
                                  (long long)i);
    }
    const char *p = write_file("par.csv", buf, k);
    free(buf);
    uint64_t seq_hash = 0;
    for (int pass = 0; pass < 2; pass++) {
        tarn_csv_chunk_bytes = pass ? 50000 : 1u << 30;
        tarn_read_options o;
        tarn_read_options_init(&o);
        o.nthreads = 2;
        o.batch_rows = 1000;
        tarn_reader *r;
        tarn_error err = {0};
        assert_int_equal(tarn_reader_open(&r, p, &o, &err), TARN_OK);
        assert_int_equal(tarn_reader_row_count(r), n);
        int ns = tarn_reader_split_count(r);
        assert_true(pass ? ns > 10 : ns == 1);
        split_job *jobs = calloc((size_t)ns, sizeof *jobs);
        pthread_t *tid = calloc((size_t)ns, sizeof *tid);
        for (int i = 0; i < ns; i++) {
            jobs[i].r = r;
            jobs[i].split = i;
            pthread_create(&tid[i], NULL, read_split, &jobs[i]);
        }
        int64_t rows = 0, sum = 0;
        uint64_t hash = 0;
        for (int i = 0; i < ns; i++) {
            pthread_join(tid[i], NULL);
            rows += jobs[i].rows;
            sum += jobs[i].sum;
            hash += jobs[i].hash;
        }
        assert_int_equal(rows, n);
        assert_int_equal(sum, want_sum);
        if (pass == 0)
            seq_hash = hash;
        else
            assert_true(hash == seq_hash);
        free(jobs);
        free(tid);
        tarn_reader_close(r);
    }
    /* sequential reads over many splits give the same cells */
    tarn_csv_chunk_bytes = 0;
    table a, b;
    load_ok(p, NULL, &a);
    tarn_csv_chunk_bytes = 7777;
    load_ok(p, NULL, &b);
    assert_int_equal(a.nrows, b.nrows);
    assert_true(b.nsplits > a.nsplits);
    for (int64_t i = 0; i < a.nrows; i++)
        assert_string_equal(cell(&a, i, 1), cell(&b, i, 1));
    assert_cell(&a, 3, 1, "q,\"3\"\r\nnext");
    table_free(&a);
    table_free(&b);
}

/* Quoted fields whose inner lines look like records fool the guess of
** where a chunk starts; verification must still give the one true reading. */
static void test_lookalike_lines(void **state)
{
    (void)state;
    size_t cap = 3000 * 64, k = 0;
    char *buf = malloc(cap);
    k += (size_t)snprintf(buf, cap, "a,b,c\n");
    for (int i = 0; i < 3000; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%d,\"%d,%d\n%d,%d\",%d\n", i, i, i + 1, i + 2,
                              i + 3, i * 2);
    const char *p = write_file("look.csv", buf, k);
    free(buf);
    table whole;
    load_ok(p, NULL, &whole);
    assert_int_equal(whole.nrows, 3000);
    assert_cell(&whole, 10, 1, "10,11\n12,13");
    for (size_t cs = 5; cs < 400; cs += 37) {
        tarn_csv_chunk_bytes = cs;
        table t;
        load_ok(p, NULL, &t);
        assert_int_equal(t.nrows, 3000);
        assert_int_equal(t.bad, 0);
        for (int64_t i = 0; i < t.nrows; i++)
            for (int c = 0; c < 3; c++)
                assert_string_equal(cell(&t, i, c), cell(&whole, i, c));
        table_free(&t);
    }
    table_free(&whole);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_spectrum),
        cmocka_unit_test(test_line_endings),
        cmocka_unit_test(test_dialects),
        cmocka_unit_test(test_bom_and_utf16),
        cmocka_unit_test(test_latin1_fallback),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_header_detection),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_types),
        cmocka_unit_test_teardown(test_late_widening, reset_chunks),
        cmocka_unit_test(test_forced_types_and_all_strings),
        cmocka_unit_test_teardown(test_ragged_rows_and_lines, reset_chunks),
        cmocka_unit_test(test_quote_errors),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test_teardown(test_long_field, reset_chunks),
        cmocka_unit_test(test_many_columns),
        cmocka_unit_test_teardown(test_parallel_splits, reset_chunks),
        cmocka_unit_test_teardown(test_lookalike_lines, reset_chunks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
