/*
** reader.c: the format-independent reader: detects a file's format, then
** dispatches through that format's operations table (format_internal.h).
** The CSV, JSON-lines and Parquet readers live in their own files.
*/
#include "format/format_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

const char *tarn_format_name(tarn_format_kind k)
{
    switch (k) {
    case TARN_FORMAT_CSV: return "csv";
    case TARN_FORMAT_JSONL: return "jsonl";
    case TARN_FORMAT_PARQUET: return "parquet";
    default: return "unknown";
    }
}

void tarn_read_options_init(tarn_read_options *o)
{
    memset(o, 0, sizeof *o);
    o->dialect.header = -1;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* First non-blank byte of text, skipping a UTF-8 BOM. */
static int first_text_byte(const unsigned char *p, size_t n)
{
    size_t i = (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) ? 3 : 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return i < n ? p[i] : -1;
}

tarn_format_kind tarn_format_detect(const char *path, const void *head, size_t n)
{
    const unsigned char *p = head;
    if (n >= 4 && (memcmp(p, "PAR1", 4) == 0 || memcmp(p, "PARE", 4) == 0))
        return TARN_FORMAT_PARQUET;
    if (has_suffix(path, ".parquet") || has_suffix(path, ".parq"))
        return TARN_FORMAT_PARQUET;
    if (has_suffix(path, ".jsonl") || has_suffix(path, ".ndjson") ||
        has_suffix(path, ".json") || has_suffix(path, ".jsonl.gz") ||
        has_suffix(path, ".ndjson.gz") || has_suffix(path, ".json.gz"))
        return TARN_FORMAT_JSONL;
    bool gz = n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
    if (!gz && first_text_byte(p, n) == '{')
        return TARN_FORMAT_JSONL;
    return TARN_FORMAT_CSV;
}

/* Read the first bytes of path (decompressed if gzip) to detect its format. */
static int sniff_format(const char *path, tarn_format_kind *kind, tarn_error *err)
{
    unsigned char head[512];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tarn_error_errno(err, errno == ENOENT ? TARN_ERR_NOTFOUND : TARN_ERR_IO,
                                errno, "cannot open '%s'", path);
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    if (n < 0)
        return tarn_error_errno(err, TARN_ERR_IO, errno, "cannot read '%s'", path);
    if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
        gzFile gz = gzopen(path, "rb");
        if (gz) {
            int m = gzread(gz, head, sizeof head);
            gzclose(gz);
            n = m > 0 ? m : 0;
        }
    }
    *kind = tarn_format_detect(path, head, (size_t)n);
    return TARN_OK;
}

static const tarn_format_ops *ops_for(tarn_format_kind k)
{
    switch (k) {
    case TARN_FORMAT_CSV: return &tarn_csv_ops;
    case TARN_FORMAT_JSONL: return &tarn_jsonl_ops;
    case TARN_FORMAT_PARQUET: return &tarn_parquet_ops;
    default: return NULL;
    }
}

int tarn_reader_open(tarn_reader **out, const char *path, const tarn_read_options *o,
                     tarn_error *err)
{
    tarn_read_options defaults;
    if (!o) {
        tarn_read_options_init(&defaults);
        o = &defaults;
    }
    tarn_format_kind kind = o->format;
    int rc = kind ? TARN_OK : sniff_format(path, &kind, err);
    if (rc)
        return rc;
    const tarn_format_ops *ops = ops_for(kind);
    if (!ops || !ops->open)
        return tarn_error_set(err, TARN_ERR_UNSUPPORTED, "'%s': reading %s files is not supported yet",
                              path, tarn_format_name(kind));
    tarn_reader *r = tarn_xcalloc(1, sizeof *r);
    r->ops = ops;
    r->path = tarn_xstrdup(path);
    r->opts = *o;
    r->info.format = kind;
    tarn_schema_init(&r->schema);
    rc = ops->open(r, err);
    if (rc) {
        tarn_reader_close(r);
        return rc;
    }
    *out = r;
    return TARN_OK;
}

const tarn_schema *tarn_reader_schema(const tarn_reader *r) { return &r->schema; }
const tarn_input_info *tarn_reader_info(const tarn_reader *r) { return &r->info; }
int64_t tarn_reader_row_count(const tarn_reader *r) { return r->rows; }
int64_t tarn_reader_bad_rows(const tarn_reader *r) { return r->bad_rows; }
int tarn_reader_split_count(const tarn_reader *r) { return r->nsplits; }

int tarn_cursor_open(tarn_reader *r, int split, tarn_cursor **out, tarn_error *err)
{
    if (split < 0 || split >= r->nsplits)
        return tarn_error_set(err, TARN_ERR_INTERNAL, "'%s': split %d out of range (0..%d)",
                              r->path, split, r->nsplits - 1);
    tarn_cursor *c = tarn_xcalloc(1, sizeof *c);
    c->r = r;
    c->split = split;
    int rc = r->ops->cursor_open(r, split, c, err);
    if (rc) {
        free(c);
        return rc;
    }
    *out = c;
    return TARN_OK;
}

int tarn_cursor_next(tarn_cursor *c, tarn_batch *b, tarn_error *err)
{
    return c->r->ops->cursor_next(c, b, err);
}

void tarn_cursor_close(tarn_cursor *c)
{
    if (!c)
        return;
    c->r->ops->cursor_close(c);
    free(c);
}

int tarn_reader_next(tarn_reader *r, tarn_batch *b, tarn_error *err)
{
    for (;;) {
        if (!r->cur) {
            if (r->next_split >= r->nsplits) {
                tarn_batch_reset(b);
                return 0;
            }
            int rc = tarn_cursor_open(r, r->next_split++, &r->cur, err);
            if (rc)
                return -rc;
        }
        int got = tarn_cursor_next(r->cur, b, err);
        if (got != 0)
            return got;
        tarn_cursor_close(r->cur);
        r->cur = NULL;
    }
}

void tarn_reader_close(tarn_reader *r)
{
    if (!r)
        return;
    tarn_cursor_close(r->cur);
    if (r->ops && r->ops->close)
        r->ops->close(r);
    tarn_schema_free(&r->schema);
    free(r->path);
    free(r);
}
