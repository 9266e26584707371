/*
** convert.c: whole-file conversion between the formats tarn reads and
** writes (CSV, JSON lines, Parquet in; Parquet, CSV, JSON lines out), the
** work behind `tarn file convert`. The output appears atomically: Parquet
** through the writer's own temp-and-rename, text through a temporary file
** beside the destination. Text is read and formatted in parallel by
** text_parallel.c.
*/
#include "format/format.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void tarn_convert_options_init(tarn_convert_options *o)
{
    memset(o, 0, sizeof *o);
    tarn_read_options_init(&o->read);
    tarn_parquet_write_options_init(&o->parquet);
    o->to = TARN_FORMAT_PARQUET;
}

tarn_format_kind tarn_format_from_name(const char *name)
{
    if (strcmp(name, "parquet") == 0)
        return TARN_FORMAT_PARQUET;
    if (strcmp(name, "csv") == 0)
        return TARN_FORMAT_CSV;
    if (strcmp(name, "jsonl") == 0 || strcmp(name, "json") == 0 || strcmp(name, "ndjson") == 0)
        return TARN_FORMAT_JSONL;
    return TARN_FORMAT_UNKNOWN;
}

/* Something batches are written to. */
typedef int (*batch_sink)(void *w, const tarn_batch *b, tarn_error *err);

static int sink_parquet(void *w, const tarn_batch *b, tarn_error *err)
{
    return tarn_parquet_writer_write(w, b, err);
}

/* Feed every batch of r, in file order, to sink; counts rows. */
static int pump(tarn_reader *r, batch_sink sink, void *w, int64_t *rows, tarn_error *err)
{
    tarn_batch b;
    tarn_batch_init(&b, tarn_reader_schema(r), 0);
    int got, rc = TARN_OK;
    while ((got = tarn_reader_next(r, &b, err)) == 1) {
        *rows += b.nrows;
        if ((rc = sink(w, &b, err)) != TARN_OK)
            break;
    }
    tarn_batch_free(&b);
    if (got < 0 && !rc)
        rc = err->code ? err->code : TARN_ERR_IO;
    return rc;
}

/* Copy every batch of r into the Parquet file at dst. */
static int convert_to_parquet(tarn_reader *r, const char *dst, const tarn_convert_options *o,
                              tarn_convert_result *res, tarn_error *err)
{
    tarn_parquet_writer *w;
    int rc = tarn_parquet_writer_open(&w, dst, tarn_reader_schema(r), &o->parquet, err);
    if (rc)
        return rc;
    rc = pump(r, sink_parquet, w, &res->rows, err);
    if (rc) {
        tarn_parquet_writer_abort(w);
        return rc;
    }
    tarn_parquet_write_info info;
    rc = tarn_parquet_writer_close(w, &info, err);
    if (!rc)
        res->bytes_out = info.file_bytes;
    return rc;
}

/* Create a temporary file beside dst; *tmp receives its name. */
static int open_temp_beside(const char *dst, int *fd, char **tmp, tarn_error *err)
{
    char *copy = tarn_xstrdup(dst);
    char *t = tarn_xasprintf("%s/.%s.tarn-XXXXXX", dirname(copy), "convert");
    free(copy);
    *fd = mkstemp(t);
    if (*fd < 0) {
        int e = errno;
        free(t);
        return tarn_error_errno(err, e == ENOENT ? TARN_ERR_NOTFOUND : TARN_ERR_IO, e,
                                "cannot create a file beside '%s'", dst);
    }
    fchmod(*fd, 0644);
    *tmp = t;
    return TARN_OK;
}

/* Every row of r as CSV or JSON lines into fd, read and formatted on
** o->read.nthreads threads and written in order (text_parallel.c). */
static int write_text(tarn_reader *r, int fd, const tarn_convert_options *o,
                      tarn_convert_result *res, tarn_error *err)
{
    tarn_text_options to;
    tarn_text_options_init(&to);
    to.kind = o->to;
    to.nthreads = o->read.nthreads;
    return tarn_text_write_reader(r, fd, &to, &res->rows, err);
}

/* Text output through a temporary file renamed over dst at the end. */
static int convert_to_text(tarn_reader *r, const char *dst, const tarn_convert_options *o,
                           tarn_convert_result *res, tarn_error *err)
{
    int fd = -1;
    char *tmp = NULL;
    int rc = open_temp_beside(dst, &fd, &tmp, err);
    if (rc)
        return rc;
    rc = write_text(r, fd, o, res, err);
    if (!rc && fsync(fd) != 0)
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot flush '%s'", dst);
    struct stat sb;
    if (!rc && fstat(fd, &sb) == 0)
        res->bytes_out = sb.st_size;
    close(fd);
    if (!rc && rename(tmp, dst) != 0)
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot write '%s'", dst);
    if (rc)
        unlink(tmp);
    free(tmp);
    return rc;
}

int tarn_file_convert(const char *src, const char *dst, const tarn_convert_options *o,
                      tarn_convert_result *res, tarn_error *err)
{
    memset(res, 0, sizeof *res);
    tarn_reader *r;
    int rc = tarn_reader_open(&r, src, &o->read, err);
    if (rc)
        return rc;
    res->from = tarn_reader_info(r)->format;
    res->to = o->to;
    if (o->to == TARN_FORMAT_PARQUET)
        rc = convert_to_parquet(r, dst, o, res, err);
    else if (o->to == TARN_FORMAT_CSV || o->to == TARN_FORMAT_JSONL)
        rc = convert_to_text(r, dst, o, res, err);
    else
        rc = tarn_error_set(err, TARN_ERR_INVALID, "cannot convert to format '%s': expected parquet, csv or jsonl",
                            tarn_format_name(o->to));
    res->bad_rows = tarn_reader_bad_rows(r);
    tarn_reader_close(r);
    return rc;
}
