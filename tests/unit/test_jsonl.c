/*
** test_jsonl.c: the JSON-lines reader (format/jsonl_reader.c): columns in
** order of first appearance, type inference and widening, nested values as
** compact JSON, escapes, bad lines and their line numbers, blank lines and
** CRLF, gzip, options, splits. The sample file is also checked value by
** value against jansson's reading of the same lines.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "format/format.h"

#define SAMPLE TARN_SOURCE_DIR "/examples/data/who_events_sample.jsonl"

/* Write text to a new temp file whose name ends in suffix; returns its
** path (static storage, one at a time). */
static const char *temp_file(const char *text, size_t n, const char *suffix)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/tarn_test_jsonl_XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    return path;
}

static const char *temp_text(const char *text)
{
    return temp_file(text, strlen(text), ".jsonl");
}

/* Open path as JSON lines with default options (plus a bad-row callback). */
static tarn_reader *open_jsonl(const char *path, tarn_bad_row_fn fn, void *ud)
{
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.format = TARN_FORMAT_JSONL;
    o.on_bad_row = fn;
    o.bad_row_ud = ud;
    tarn_reader *r = NULL;
    tarn_error err = {0};
    int rc = tarn_reader_open(&r, path, &o, &err);
    if (rc)
        fail_msg("open %s: %s", path, err.msg);
    return r;
}

/* Read every row of r into one batch (initialized here). */
static void read_all(tarn_reader *r, tarn_batch *all)
{
    const tarn_schema *s = tarn_reader_schema(r);
    tarn_batch_init(all, s, 0);
    tarn_batch b;
    tarn_batch_init(&b, s, 0);
    tarn_error err = {0};
    int rc;
    char buf[1 << 16];
    while ((rc = tarn_reader_next(r, &b, &err)) == 1) {
        for (int c = 0; c < s->ncols; c++) {
            for (int64_t i = 0; i < b.nrows; i++) {
                tarn_column *src = &b.cols[c], *dst = &all->cols[c];
                if (!tarn_column_is_valid(src, i)) {
                    tarn_column_append_null(dst);
                    continue;
                }
                switch (src->type.id) {
                case TARN_TYPE_STRING: {
                    size_t n = (size_t)(src->offsets[i + 1] - src->offsets[i]);
                    tarn_column_append_str(dst, n ? src->data + src->offsets[i] : "", n);
                    break;
                }
                case TARN_TYPE_BOOLEAN:
                    tarn_column_append_bool(dst, ((uint8_t *)src->values)[i]);
                    break;
                case TARN_TYPE_INT:
                case TARN_TYPE_DATE:
                    tarn_column_append_i32(dst, ((int32_t *)src->values)[i]);
                    break;
                case TARN_TYPE_DOUBLE:
                    tarn_column_append_double(dst, ((double *)src->values)[i]);
                    break;
                default:
                    tarn_column_append_i64(dst, ((int64_t *)src->values)[i]);
                    break;
                }
            }
        }
        all->nrows += b.nrows;
    }
    (void)buf;
    assert_int_equal(rc, 0);
    tarn_batch_free(&b);
}

/* Row i of column c as text ("<null>" for NULL). */
static const char *cell(const tarn_batch *b, int c, int64_t i)
{
    static char buf[4096];
    const tarn_column *col = &b->cols[c];
    if (!tarn_column_is_valid(col, i))
        return "<null>";
    if (col->type.id == TARN_TYPE_STRING) {
        size_t n = (size_t)(col->offsets[i + 1] - col->offsets[i]);
        if (n >= sizeof buf)
            n = sizeof buf - 1;
        if (n)
            memcpy(buf, col->data + col->offsets[i], n);
        buf[n] = '\0';
        return buf;
    }
    tarn_value_format(col, i, buf, sizeof buf);
    return buf;
}

static tarn_type_id col_type(const tarn_reader *r, int c)
{
    return tarn_reader_schema(r)->fields[c].type.id;
}

static void test_sample_schema_in_first_appearance_order(void **state)
{
    tarn_reader *r = open_jsonl(SAMPLE, NULL, NULL);
    const tarn_schema *s = tarn_reader_schema(r);
    static const char *names[] = {"id", "country", "reported", "cases", "positivity",
                                  "verified", "updated_at", "sources", "meta", "population"};
    static const tarn_type_id types[] = {TARN_TYPE_INT, TARN_TYPE_STRING, TARN_TYPE_DATE,
                                         TARN_TYPE_INT, TARN_TYPE_DOUBLE, TARN_TYPE_BOOLEAN,
                                         TARN_TYPE_TIMESTAMP, TARN_TYPE_STRING,
                                         TARN_TYPE_STRING, TARN_TYPE_BIGINT};
    assert_int_equal(s->ncols, 10);
    for (int c = 0; c < 10; c++) {
        assert_string_equal(s->fields[c].name, names[c]);
        assert_int_equal(s->fields[c].type.id, types[c]);
    }
    assert_int_equal(tarn_reader_row_count(r), 30);
    assert_int_equal(tarn_reader_bad_rows(r), 0);
    const tarn_input_info *info = tarn_reader_info(r);
    assert_int_equal(info->format, TARN_FORMAT_JSONL);
    assert_string_equal(info->newline, "lf");
    assert_false(info->gzip);
    tarn_reader_close(r);
}

/* Compare one cell with jansson's value for the same key. */
static void check_cell(const tarn_batch *b, int c, int64_t i, json_t *v)
{
    const tarn_column *col = &b->cols[c];
    if (!v || json_is_null(v)) {
        assert_false(tarn_column_is_valid(col, i));
        return;
    }
    assert_true(tarn_column_is_valid(col, i));
    switch (col->type.id) {
    case TARN_TYPE_INT:
        assert_int_equal(((int32_t *)col->values)[i], json_integer_value(v));
        break;
    case TARN_TYPE_BIGINT:
        assert_int_equal(((int64_t *)col->values)[i], json_integer_value(v));
        break;
    case TARN_TYPE_DOUBLE:
        assert_true(((double *)col->values)[i] == json_number_value(v));
        break;
    case TARN_TYPE_BOOLEAN:
        assert_int_equal(((uint8_t *)col->values)[i], json_is_true(v));
        break;
    case TARN_TYPE_DATE:
    case TARN_TYPE_TIMESTAMP:
        assert_string_equal(cell(b, c, i), json_string_value(v));
        break;
    default: {
        const char *want;
        char *dump = NULL;
        if (json_is_string(v))
            want = json_string_value(v);
        else
            want = dump = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                            JSON_ENCODE_ANY);
        size_t n;
        const char *got = tarn_column_str(col, i, &n);
        assert_int_equal(n, strlen(want));
        if (n)
            assert_memory_equal(got, want, n);
        free(dump);
    }
    }
}

static void test_sample_values_match_jansson(void **state)
{
    tarn_reader *r = open_jsonl(SAMPLE, NULL, NULL);
    const tarn_schema *s = tarn_reader_schema(r);
    tarn_batch all;
    read_all(r, &all);
    assert_int_equal(all.nrows, 30);
    FILE *f = fopen(SAMPLE, "r");
    assert_non_null(f);
    char line[4096];
    int64_t row = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '\n')
            continue;
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        assert_non_null(o);
        for (int c = 0; c < s->ncols; c++)
            check_cell(&all, c, row, json_object_get(o, s->fields[c].name));
        json_decref(o);
        row++;
    }
    fclose(f);
    assert_int_equal(row, 30);
    /* a few cells by hand */
    assert_string_equal(cell(&all, 4, 0), "1");         /* int 1 widened to double */
    assert_string_equal(cell(&all, 9, 11), "8000000000"); /* bigint */
    assert_string_equal(cell(&all, 7, 3), "[\"ministry\",\"who\"]");
    assert_string_equal(cell(&all, 8, 5), "{\"revised\":true,\"note\":\"said \\\"late\\\"\"}");
    assert_string_equal(cell(&all, 3, 6), "<null>");
    assert_string_equal(cell(&all, 1, 0), "Côte d’Ivoire");
    tarn_batch_free(&all);
    tarn_reader_close(r);
}

static void test_widening_and_json_text(void **state)
{
    const char *path = temp_text(
        "{\"i\":1,\"b\":1,\"d\":1,\"s\":1,\"t\":true,\"dt\":\"2020-01-02\",\"x\":\"2020-01-02\"}\n"
        "{\"i\":2,\"b\":3000000000,\"d\":1.5,\"s\":\"a\",\"t\":2,"
        "\"dt\":\"2020-01-03 04:05:06\",\"x\":\"5\"}\n"
        "{\"i\":null,\"b\":-1,\"d\":-2e3,\"s\":[1, 2],\"t\":false,\"dt\":null,\"x\":5}\n");
    tarn_reader *r = open_jsonl(path, NULL, NULL);
    unlink(path);
    assert_int_equal(col_type(r, 0), TARN_TYPE_INT);
    assert_int_equal(col_type(r, 1), TARN_TYPE_BIGINT);
    assert_int_equal(col_type(r, 2), TARN_TYPE_DOUBLE);
    assert_int_equal(col_type(r, 3), TARN_TYPE_STRING);
    assert_int_equal(col_type(r, 4), TARN_TYPE_STRING);
    assert_int_equal(col_type(r, 5), TARN_TYPE_TIMESTAMP);
    assert_int_equal(col_type(r, 6), TARN_TYPE_STRING);
    tarn_batch all;
    read_all(r, &all);
    assert_string_equal(cell(&all, 1, 1), "3000000000");
    assert_true(((double *)all.cols[2].values)[2] == -2000.0);
    assert_string_equal(cell(&all, 3, 0), "1");      /* number kept as its text */
    assert_string_equal(cell(&all, 3, 2), "[1,2]");  /* compact */
    assert_string_equal(cell(&all, 4, 0), "true");
    assert_string_equal(cell(&all, 4, 1), "2");
    assert_string_equal(cell(&all, 5, 0), "2020-01-02 00:00:00");
    assert_string_equal(cell(&all, 5, 1), "2020-01-03 04:05:06");
    assert_string_equal(cell(&all, 5, 2), "<null>");
    assert_string_equal(cell(&all, 6, 1), "5");      /* the string "5" */
    assert_string_equal(cell(&all, 6, 2), "5");      /* the number 5 */
    tarn_batch_free(&all);
    tarn_reader_close(r);
}

static void test_missing_duplicate_and_empty_objects(void **state)
{
    const char *path = temp_text("{\"a\":1}\n"
                                 "{}\n"
                                 "{\"b\":\"x\",\"a\":2,\"a\":3}\n"
                                 "{\"c\":\"\",\"b\":null}\n");
    tarn_reader *r = open_jsonl(path, NULL, NULL);
    unlink(path);
    const tarn_schema *s = tarn_reader_schema(r);
    assert_int_equal(s->ncols, 3);
    assert_string_equal(s->fields[0].name, "a");
    assert_string_equal(s->fields[1].name, "b");
    assert_string_equal(s->fields[2].name, "c");
    assert_int_equal(tarn_reader_row_count(r), 4);
    tarn_batch all;
    read_all(r, &all);
    assert_int_equal(all.nrows, 4);
    assert_string_equal(cell(&all, 0, 1), "<null>");
    assert_string_equal(cell(&all, 0, 2), "3"); /* last duplicate wins */
    assert_string_equal(cell(&all, 1, 0), "<null>");
    assert_string_equal(cell(&all, 1, 3), "<null>");
    assert_true(tarn_column_is_valid(&all.cols[2], 3)); /* "" is not NULL */
    assert_string_equal(cell(&all, 2, 3), "");
    tarn_batch_free(&all);
    tarn_reader_close(r);
}

static void test_escapes_decoded(void **state)
{
    const char *path = temp_text(
        "{\"k\\u00e9y\":\"caf\\u00e9 \\ud83d\\ude00 \\ud800x \\\"q\\\" \\\\ \\/ \\t\\n\","
        "\"n\":{ \"a b\" : [ \"x ]\" , 1 ] }}\n");
    tarn_reader *r = open_jsonl(path, NULL, NULL);
    unlink(path);
    const tarn_schema *s = tarn_reader_schema(r);
    assert_string_equal(s->fields[0].name, "k\xC3\xA9y");
    tarn_batch all;
    read_all(r, &all);
    assert_string_equal(cell(&all, 0, 0),
                        "caf\xC3\xA9 \xF0\x9F\x98\x80 \xEF\xBF\xBDx \"q\" \\ / \t\n");
    assert_string_equal(cell(&all, 1, 0), "{\"a b\":[\"x ]\",1]}");
    tarn_batch_free(&all);
    tarn_reader_close(r);
}

typedef struct bad_log {
    int n;
    int64_t lines[16];
    char reasons[16][160];
    int stop_at; /* return nonzero on this report (1-based), 0 = never */
} bad_log;

static int log_bad(void *ud, const tarn_bad_row *row)
{
    bad_log *log = ud;
    if (log->n < 16) {
        log->lines[log->n] = row->line;
        snprintf(log->reasons[log->n], sizeof log->reasons[0], "%s", row->reason);
    }
    log->n++;
    return log->stop_at && log->n == log->stop_at;
}

static const char bad_text[] =
    "{\"a\":1}\n"             /* 1 */
    "not json\n"              /* 2 */
    "\n"                      /* 3 blank */
    "[1,2]\n"                 /* 4 */
    "{\"a\":2} trailing\n"    /* 5 */
    "{\"a\":\"unterminated}\n" /* 6 */
    "{\"a\":01}\n"            /* 7 leading zero */
    "{\"a\":\"tab\there\"}\n" /* 8 raw control character */
    "   \t \r\n"              /* 9 blank */
    "{\"a\":3}\r\n"           /* 10 */
    "{\"a\" 4}\n"             /* 11 */
    "{\"a\":[1,}\n";          /* 12 */

static void test_bad_lines_reported_and_skipped(void **state)
{
    const char *path = temp_text(bad_text);
    bad_log log = {0};
    tarn_reader *r = open_jsonl(path, log_bad, &log);
    static const int64_t want[] = {2, 4, 5, 6, 7, 8, 11, 12};
    assert_int_equal(log.n, 8);
    for (int i = 0; i < 8; i++)
        assert_int_equal(log.lines[i], want[i]);
    assert_non_null(strstr(log.reasons[1], "array"));
    assert_non_null(strstr(log.reasons[2], "more text after the object"));
    assert_non_null(strstr(log.reasons[3], "unterminated string"));
    assert_non_null(strstr(log.reasons[5], "control character"));
    assert_non_null(strstr(log.reasons[6], "':' after a key (column 6)"));
    assert_int_equal(tarn_reader_row_count(r), 2);
    assert_int_equal(tarn_reader_bad_rows(r), 8);
    tarn_batch all;
    read_all(r, &all);
    assert_int_equal(all.nrows, 2);
    assert_string_equal(cell(&all, 0, 1), "3");
    tarn_batch_free(&all);
    tarn_reader_close(r);

    /* no callback: the first bad line fails the open, naming file and line */
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.format = TARN_FORMAT_JSONL;
    tarn_error err = {0};
    assert_int_equal(tarn_reader_open(&r, path, &o, &err), TARN_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "line 2"));

    /* a callback that says stop */
    bad_log stop = {.stop_at = 2};
    o.on_bad_row = log_bad;
    o.bad_row_ud = &stop;
    assert_int_equal(tarn_reader_open(&r, path, &o, &err), TARN_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "line 4"));
    unlink(path);
}

static void test_deep_nesting_is_a_bad_line(void **state)
{
    size_t depth = 100000;
    char *text = malloc(depth * 2 + 64);
    size_t n = (size_t)sprintf(text, "{\"a\":");
    memset(text + n, '[', depth);
    n += depth;
    memset(text + n, ']', depth);
    n += depth;
    n += (size_t)sprintf(text + n, "}\n{\"a\":[[[]]]}\n");
    const char *path = temp_file(text, n, ".jsonl");
    free(text);
    bad_log log = {0};
    tarn_reader *r = open_jsonl(path, log_bad, &log);
    unlink(path);
    assert_int_equal(log.n, 1);
    assert_non_null(strstr(log.reasons[0], "nested too deep"));
    tarn_batch all;
    read_all(r, &all);
    assert_int_equal(all.nrows, 1);
    assert_string_equal(cell(&all, 0, 0), "[[[]]]");
    tarn_batch_free(&all);
    tarn_reader_close(r);
}

static void test_crlf_blank_lines_and_no_final_newline(void **state)
{
    const char *path = temp_text("\r\n{\"a\":1}\r\n\r\n{\"a\":2}");
    tarn_reader *r = open_jsonl(path, NULL, NULL);
    unlink(path);
    assert_string_equal(tarn_reader_info(r)->newline, "crlf");
    assert_int_equal(tarn_reader_row_count(r), 2);
    tarn_batch all;
    read_all(r, &all);
    assert_string_equal(cell(&all, 0, 1), "2");
    tarn_batch_free(&all);
    tarn_reader_close(r);
}

static void test_empty_file(void **state)
{
    const char *path = temp_text("");
    tarn_reader *r = open_jsonl(path, NULL, NULL);
    unlink(path);
    assert_int_equal(tarn_reader_schema(r)->ncols, 0);
    assert_int_equal(tarn_reader_row_count(r), 0);
    tarn_batch b;
    tarn_batch_init(&b, tarn_reader_schema(r), 0);
    tarn_error err = {0};
    assert_int_equal(tarn_reader_next(r, &b, &err), 0);
    tarn_batch_free(&b);
    tarn_reader_close(r);
}

static void test_gzip_input(void **state)
{
    char path[] = "/tmp/tarn_test_jsonl_XXXXXX.jsonl.gz";
    int fd = mkstemps(path, 9);
    assert_true(fd >= 0);
    gzFile gz = gzdopen(fd, "wb");
    for (int i = 0; i < 1000; i++)
        gzprintf(gz, "{\"n\":%d,\"s\":\"v%d\"}\n", i, i % 7);
    gzclose(gz);
    tarn_reader *r = open_jsonl(path, NULL, NULL);
    unlink(path);
    assert_true(tarn_reader_info(r)->gzip);
    assert_int_equal(tarn_reader_row_count(r), 1000);
    tarn_batch all;
    read_all(r, &all);
    assert_string_equal(cell(&all, 0, 999), "999");
    assert_string_equal(cell(&all, 1, 999), "v5");
    tarn_batch_free(&all);
    tarn_reader_close(r);
}

static void test_all_strings_and_forced_types(void **state)
{
    const char *path = temp_text("{\"a\":1,\"b\":\"7\",\"c\":true}\n"
                                 "{\"a\":2.5,\"b\":\"x\",\"c\":null}\n");
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.format = TARN_FORMAT_JSONL;
    o.all_strings = true;
    tarn_reader *r;
    tarn_error err = {0};
    assert_int_equal(tarn_reader_open(&r, path, &o, &err), TARN_OK);
    for (int c = 0; c < 3; c++)
        assert_int_equal(col_type(r, c), TARN_TYPE_STRING);
    tarn_batch all;
    read_all(r, &all);
    assert_string_equal(cell(&all, 0, 1), "2.5");
    assert_string_equal(cell(&all, 2, 0), "true");
    tarn_batch_free(&all);
    tarn_reader_close(r);

    tarn_schema types;
    tarn_schema_init(&types);
    tarn_schema_add(&types, "b", (tarn_type){.id = TARN_TYPE_BIGINT});
    o.all_strings = false;
    o.types = &types;
    assert_int_equal(tarn_reader_open(&r, path, &o, &err), TARN_OK);
    unlink(path);
    assert_int_equal(col_type(r, 0), TARN_TYPE_DOUBLE);
    assert_int_equal(col_type(r, 1), TARN_TYPE_BIGINT);
    read_all(r, &all);
    assert_string_equal(cell(&all, 1, 0), "7");
    assert_string_equal(cell(&all, 1, 1), "<null>"); /* "x" is no bigint */
    tarn_batch_free(&all);
    tarn_reader_close(r);
    tarn_schema_free(&types);
}

/* A file over one split's size reads the same through its cursors as in
** one sequential pass, and every row is seen once. */
static void test_splits_cover_every_line_once(void **state)
{
    size_t cap = 20u << 20, n = 0;
    char *text = malloc(cap);
    int64_t rows = 0;
    while (n < cap - 200) {
        n += (size_t)snprintf(text + n, cap - n,
                              "{\"id\":%lld,\"pad\":\"%0*d\"}\n", (long long)rows,
                              (int)(rows % 90) + 1, 0);
        rows++;
    }
    const char *path = temp_file(text, n, ".jsonl");
    free(text);
    tarn_reader *r = open_jsonl(path, NULL, NULL);
    unlink(path);
    assert_int_equal(tarn_reader_row_count(r), rows);
    int nsplits = tarn_reader_split_count(r);
    assert_true(nsplits >= 2);
    uint8_t *seen = calloc((size_t)rows, 1);
    int64_t total = 0;
    tarn_batch b;
    tarn_batch_init(&b, tarn_reader_schema(r), 0);
    tarn_error err = {0};
    for (int sp = nsplits - 1; sp >= 0; sp--) { /* any order */
        tarn_cursor *cur;
        assert_int_equal(tarn_cursor_open(r, sp, &cur, &err), TARN_OK);
        while (tarn_cursor_next(cur, &b, &err) == 1) {
            for (int64_t i = 0; i < b.nrows; i++) {
                int64_t id = b.cols[0].type.id == TARN_TYPE_INT
                                 ? ((int32_t *)b.cols[0].values)[i]
                                 : ((int64_t *)b.cols[0].values)[i];
                assert_true(id >= 0 && id < rows);
                assert_int_equal(seen[id], 0);
                seen[id] = 1;
            }
            total += b.nrows;
        }
        tarn_cursor_close(cur);
    }
    assert_int_equal(total, rows);
    free(seen);
    tarn_batch_free(&b);
    tarn_reader_close(r);
}

/* Over several splits, checked in parallel: columns still come in order of
** first appearance, types widen across splits, and bad lines carry their
** line numbers in the whole file, in order. */
static void test_parallel_check_keeps_file_order(void **state)
{
    size_t cap = 30u << 20, n = 0;
    char *text = malloc(cap);
    int64_t line = 0, bad1 = 0, bad2 = 0;
    while (n < cap - 200) {
        line++;
        if (n > (12u << 20) && !bad1) {
            n += (size_t)sprintf(text + n, "{broken\n");
            bad1 = line;
        } else if (n > (13u << 20) && !bad2) {
            n += (size_t)sprintf(text + n, "{\"late\":\"2020-01-01\",\"a\":1}\n");
            bad2 = -line; /* not bad: introduces "late" */
        } else if (n > (25u << 20) && bad2 < 0) {
            n += (size_t)sprintf(text + n, "[\"array\"]\n");
            bad2 = line;
        } else if (line == 2) {
            n += (size_t)sprintf(text + n, "{\"a\":2.5}\n");
        } else {
            n += (size_t)sprintf(text + n, "{\"a\":%lld,\"pad\":\"%060d\"}\n", (long long)line, 0);
        }
    }
    const char *path = temp_file(text, n, ".jsonl");
    free(text);
    for (int threads = 1; threads <= 3; threads++) {
        tarn_read_options o;
        tarn_read_options_init(&o);
        o.nthreads = threads;
        bad_log log = {0};
        o.on_bad_row = log_bad;
        o.bad_row_ud = &log;
        tarn_reader *r;
        tarn_error err = {0};
        assert_int_equal(tarn_reader_open(&r, path, &o, &err), TARN_OK);
        assert_true(tarn_reader_split_count(r) >= 3);
        const tarn_schema *s = tarn_reader_schema(r);
        assert_int_equal(s->ncols, 3);
        assert_string_equal(s->fields[0].name, "a");
        assert_string_equal(s->fields[1].name, "pad");
        assert_string_equal(s->fields[2].name, "late");
        assert_int_equal(s->fields[0].type.id, TARN_TYPE_DOUBLE);
        assert_int_equal(s->fields[2].type.id, TARN_TYPE_DATE);
        assert_int_equal(log.n, 2);
        assert_int_equal(log.lines[0], bad1);
        assert_int_equal(log.lines[1], bad2);
        assert_int_equal(tarn_reader_row_count(r), line - 2);
        tarn_reader_close(r);
    }
    unlink(path);
}

/* Invalid UTF-8 is read as Latin-1, in keys, strings and nested text. */
static void test_invalid_utf8_read_as_latin1(void **state)
{
    const char *path = temp_text("{\"name\":\"Cura\xe7" "ao\",\"k\xe9" "y\":[\"\xff\"],"
                                 "\"ok\":\"C\xc3\xb4te\"}\n");
    tarn_reader *r = open_jsonl(path, NULL, NULL);
    unlink(path);
    assert_true(tarn_reader_info(r)->latin1_fallback);
    assert_string_equal(tarn_reader_schema(r)->fields[1].name, "k\xc3\xa9" "y");
    tarn_batch all;
    read_all(r, &all);
    assert_string_equal(cell(&all, 0, 0), "Cura\xc3\xa7" "ao");
    assert_string_equal(cell(&all, 1, 0), "[\"\xc3\xbf\"]");
    assert_string_equal(cell(&all, 2, 0), "C\xc3\xb4te"); /* valid UTF-8 kept */
    tarn_batch_free(&all);
    tarn_reader_close(r);
    r = open_jsonl(SAMPLE, NULL, NULL);
    assert_false(tarn_reader_info(r)->latin1_fallback);
    tarn_reader_close(r);
}

static void test_format_detected_from_content(void **state)
{
    const char *path = temp_file("{\"a\":1}\n", 8, ".txt");
    tarn_reader *r;
    tarn_error err = {0};
    assert_int_equal(tarn_reader_open(&r, path, NULL, &err), TARN_OK);
    unlink(path);
    assert_int_equal(tarn_reader_info(r)->format, TARN_FORMAT_JSONL);
    tarn_reader_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_schema_in_first_appearance_order),
        cmocka_unit_test(test_sample_values_match_jansson),
        cmocka_unit_test(test_widening_and_json_text),
        cmocka_unit_test(test_missing_duplicate_and_empty_objects),
        cmocka_unit_test(test_escapes_decoded),
        cmocka_unit_test(test_bad_lines_reported_and_skipped),
        cmocka_unit_test(test_deep_nesting_is_a_bad_line),
        cmocka_unit_test(test_crlf_blank_lines_and_no_final_newline),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_gzip_input),
        cmocka_unit_test(test_all_strings_and_forced_types),
        cmocka_unit_test(test_splits_cover_every_line_once),
        cmocka_unit_test(test_parallel_check_keeps_file_order),
        cmocka_unit_test(test_invalid_utf8_read_as_latin1),
        cmocka_unit_test(test_format_detected_from_content),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
