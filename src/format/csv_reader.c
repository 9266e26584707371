/*
** csv_reader.c: the CSV format's operations (tarn_csv_ops): open checks the
** whole file in parallel, cursors convert one split each into typed
** batches. Scanning is in csv_scan.c, sniffing in csv_sniff.c, type rules
** in infer.c.
**
** Open maps the input (input.c), sniffs the dialect and header, then cuts
** the data into chunks of a few MB. Threads take chunks from a shared
** counter. A chunk other than the first cannot know where its first record
** starts (it may begin inside a quoted field), so it guesses: the first
** line start after its nominal start from which 16 records parse cleanly
** with the right field count. Each chunk scans the records that start
** before the next chunk's nominal start, checking every value against its
** column's type (infer.h), validating UTF-8, counting lines and collecting
** bad rows. Then, in file order, each chunk's guess is verified against
** where the previous chunk really ended; a wrong guess (rare: a chunk that
** starts inside a multi-line quoted field whose lines look like records, or
** a record longer than the look-ahead) is rescanned from the right place.
** That makes the result independent of the chunking, and gives every chunk
** its first line number, so bad rows are reported, in file order, at
** their real line. The verified chunks with rows become the splits.
**
** Types are therefore exact over every row, not guessed from a sample:
** each chunk intersects the candidate types of all its values (infer.h)
** and the chunks' results are merged. opts.sample_rows only bounds the
** rows sniffing looks at to decide whether the first row is a header.
** Columns named in opts.types keep that type; a value that does not fit
** it is read as NULL and counted per column (tarn_reader_cast_errors).
**
** Memory stays bounded: per thread one block of field pointers (at most
** 2 MB), per chunk one inference state per column and up to
** CHUNK_BAD_KEEP bad rows (a chunk with more is rescanned when reporting).
** Mapped pages already scanned are handed back (MADV_DONTNEED) so a
** large file does not grow the process's resident size.
*/
#include "format/csv_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define DEFAULT_BATCH_ROWS 65536
#define CHUNK_MIN (1u << 20)
#define CHUNK_MAX (16u << 20)
#define CHUNK_BAD_KEEP 256
#define PROBE_RECORDS 16
#define PROBE_WINDOW (1u << 20)
#define PROBE_TRIES 64
#define BLOCK_FIELDS 131072
#define RELEASE_STEP (8u << 20)
#define BAD_TEXT_MAX 1024

size_t tarn_csv_chunk_bytes = 0;

/* One chunk of the data: a split once open() has verified it. */
typedef struct csv_chunk {
    const char *nstart, *nend; /* nominal range: records starting here are ours */
    const char *start, *end;   /* first record, end of the last */
    int64_t line;              /* line number of start */
    int64_t lines;             /* line ends in [start, end) */
    int64_t rows, nbad;
    bool bad_utf8;
    bool valid;                /* the scan was not cut short by the look-ahead limit */
    tarn_infer *inf;           /* per column */
    csv_bad *bad;              /* up to CHUNK_BAD_KEEP */
    int kept;
} csv_chunk;

typedef struct csv_impl {
    tarn_input in;
    const char *data, *end; /* data records (after the header) */
    int64_t data_line;
    int delim, quote;
    int ncols;
    tarn_textfmt *fmts;
    bool *infer_col;        /* types inferred (not forced, not all-strings) */
    int block_rows;
    size_t slack;           /* how far a speculative chunk may scan past its end */
    csv_chunk *chunks;
    int nchunks;
    atomic_int next_chunk;
    size_t page;
    _Atomic int64_t *cast_errors; /* per column, added by closing cursors */
} csv_impl;

typedef struct csv_cursor {
    csv_scanner sc;
    const char *stop;
    csv_block blk;
    tarn_buf scratch;
    bool fix_utf8;
    const char *released;
    int64_t *cast_errors;   /* per column, until the cursor closes */
} csv_cursor;

/* Give back the mapped pages wholly inside [from, to). */
static void release_pages(const csv_impl *im, const char *from, const char *to)
{
    uintptr_t a = ((uintptr_t)from + im->page - 1) & ~(uintptr_t)(im->page - 1);
    uintptr_t b = (uintptr_t)to & ~(uintptr_t)(im->page - 1);
    if (im->in.map && b > a)
        madvise((void *)a, b - a, MADV_DONTNEED);
}

/* ---- checking a chunk ---- */

/* Keep the block's bad rows in the chunk (up to CHUNK_BAD_KEEP). */
static void keep_bad_rows(csv_chunk *ch, const csv_block *b)
{
    for (int i = 0; i < b->nbad; i++) {
        if (ch->kept < CHUNK_BAD_KEEP) {
            if (!ch->bad)
                ch->bad = tarn_xmalloc(sizeof(csv_bad) * CHUNK_BAD_KEEP);
            ch->bad[ch->kept++] = b->bad[i];
        }
    }
    ch->nbad += b->nbad;
}

/* Scan chunk ch from start: check every value, count rows, lines and bad
** rows. A speculative scan stops at nend + slack. */
static void check_chunk(csv_impl *im, csv_chunk *ch, const char *start, bool speculative,
                        csv_block *blk)
{
    const char *end = im->end;
    if (speculative && (size_t)(end - ch->nend) > im->slack)
        end = ch->nend + im->slack;
    ch->start = start;
    ch->rows = ch->nbad = 0;
    ch->kept = 0;
    ch->bad_utf8 = false;
    for (int c = 0; c < im->ncols; c++)
        tarn_infer_init(&ch->inf[c]);
    csv_scanner sc;
    csv_scanner_init(&sc, start, end, 0, im->delim, im->quote, im->ncols > 1);
    const char *released = start;
    while (sc.p < ch->nend && sc.p < end) {
        csv_scan_block(&sc, blk, ch->nend);
        for (int c = 0; c < im->ncols; c++)
            if (im->infer_col[c])
                tarn_infer_feed(&ch->inf[c], blk->fields + c, (size_t)im->ncols,
                                (size_t)blk->nrows);
        ch->rows += blk->nrows;
        if (!ch->bad_utf8 && !csv_utf8_valid(blk->start, (size_t)(blk->end - blk->start)))
            ch->bad_utf8 = true;
        keep_bad_rows(ch, blk);
        if ((size_t)(sc.p - released) >= RELEASE_STEP) {
            release_pages(im, released, sc.p);
            released = sc.p;
        }
    }
    release_pages(im, released, sc.p);
    ch->end = sc.p;
    ch->lines = sc.line;
    ch->valid = !(sc.p >= end && end < im->end);
}

/* Where chunk ch's first record probably starts (see the file comment).
** Only line starts before nend can begin one of its records; with none
** there the chunk is empty and nend is returned. */
static const char *guess_start(const csv_impl *im, const csv_chunk *ch)
{
    const char *lim = ch->nend;
    const char *first = csv_next_line_start(im->data, ch->nstart, lim), *x = first;
    for (int i = 0; i < PROBE_TRIES && x < lim; i++) {
        const char *w = (size_t)(im->end - x) > PROBE_WINDOW ? x + PROBE_WINDOW : im->end;
        if (csv_probe(x, w, im->delim, im->quote, im->ncols, PROBE_RECORDS))
            return x;
        x = csv_next_line_start(im->data, x + 1, lim);
    }
    return first;
}

static void *check_worker(void *arg)
{
    csv_impl *im = arg;
    csv_block blk;
    csv_block_init(&blk, im->ncols, im->block_rows, im->block_rows);
    for (;;) {
        int i = atomic_fetch_add(&im->next_chunk, 1);
        if (i >= im->nchunks)
            break;
        csv_chunk *ch = &im->chunks[i];
        check_chunk(im, ch, i == 0 ? im->data : guess_start(im, ch), true, &blk);
    }
    csv_block_free(&blk);
    return NULL;
}

/* Run check_worker on nthreads threads (the caller's included). */
static void run_parallel(csv_impl *im, int nthreads)
{
    pthread_t *tid = tarn_xcalloc((size_t)nthreads, sizeof *tid);
    int started = 0;
    atomic_store(&im->next_chunk, 0);
    for (int i = 1; i < nthreads; i++)
        if (pthread_create(&tid[started], NULL, check_worker, im) == 0)
            started++;
    check_worker(im);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    free(tid);
}

/* Verify each chunk's start against its predecessor's end, in order, and
** rescan the ones that guessed wrong; assign line numbers. */
static void verify_chunks(csv_impl *im)
{
    csv_block blk;
    bool have_blk = false;
    for (int i = 0; i < im->nchunks; i++) {
        csv_chunk *ch = &im->chunks[i];
        const char *want = i == 0 ? im->data : im->chunks[i - 1].end;
        if (!ch->valid || ch->start != want) {
            if (!have_blk)
                csv_block_init(&blk, im->ncols, im->block_rows, im->block_rows);
            have_blk = true;
            free(ch->bad);
            ch->bad = NULL;
            check_chunk(im, ch, want, false, &blk);
        }
        ch->line = i == 0 ? im->data_line : im->chunks[i - 1].line + im->chunks[i - 1].lines;
    }
    if (have_blk)
        csv_block_free(&blk);
}

/* ---- bad rows ---- */

static const char *bad_reason(const csv_bad *b, int ncols, char *buf, size_t n)
{
    switch (b->status) {
    case CSV_ROW_RAGGED:
        snprintf(buf, n, "expected %d field%s, found %u", ncols, ncols == 1 ? "" : "s",
                 b->nfields);
        return buf;
    case CSV_ROW_UNTERMINATED:
        return "unterminated quoted field (the quote opened on this line is never closed)";
    case CSV_ROW_GARBAGE: return "unexpected text after a closing quote";
    default: return "field longer than 4 GiB";
    }
}

/* Hand one bad row to the callback; an error if there is none or it
** says stop. */
static int report_bad(tarn_reader *r, const csv_impl *im, const csv_chunk *ch,
                      const csv_bad *b, tarn_error *err)
{
    char reason[96], text[BAD_TEXT_MAX + 1];
    size_t n = b->len < BAD_TEXT_MAX ? b->len : BAD_TEXT_MAX;
    while (n && (b->start[n - 1] == '\n' || b->start[n - 1] == '\r'))
        n--;
    memcpy(text, b->start, n);
    text[n] = '\0';
    tarn_bad_row row = {r->path, ch->line + b->line, bad_reason(b, im->ncols, reason, sizeof reason),
                        text};
    if (r->opts.on_bad_row && r->opts.on_bad_row(r->opts.bad_row_ud, &row) == 0)
        return TARN_OK;
    return tarn_error_set(err, TARN_ERR_CORRUPT, "'%s' line %lld: %s%s", r->path,
                          (long long)row.line, row.reason,
                          r->opts.on_bad_row ? "" : " (fix the row, or read with bad rows skipped)");
}

/* Report a chunk's bad rows in order; a chunk that had more than it kept
** is scanned again to find them all. */
static int report_chunk(tarn_reader *r, const csv_impl *im, const csv_chunk *ch,
                        tarn_error *err)
{
    if (ch->nbad <= ch->kept) {
        for (int i = 0; i < ch->kept; i++) {
            int rc = report_bad(r, im, ch, &ch->bad[i], err);
            if (rc)
                return rc;
        }
        return TARN_OK;
    }
    csv_scanner sc;
    csv_block blk;
    csv_scanner_init(&sc, ch->start, im->end, 0, im->delim, im->quote, im->ncols > 1);
    csv_block_init(&blk, im->ncols, im->block_rows, im->block_rows);
    int rc = TARN_OK;
    while (rc == TARN_OK && sc.p < ch->end) {
        csv_scan_block(&sc, &blk, ch->end);
        for (int i = 0; rc == TARN_OK && i < blk.nbad; i++)
            rc = report_bad(r, im, ch, &blk.bad[i], err);
    }
    csv_block_free(&blk);
    return rc;
}

/* ---- open ---- */

/* Decide each column's conversion: forced by opts.types, all strings, or
** inferred (decided after the check). */
static void plan_columns(csv_impl *im, const tarn_read_options *o, char **names)
{
    im->fmts = tarn_xcalloc((size_t)im->ncols, sizeof *im->fmts);
    im->infer_col = tarn_xcalloc((size_t)im->ncols, sizeof *im->infer_col);
    for (int c = 0; c < im->ncols; c++) {
        tarn_type st = {TARN_TYPE_STRING, 0, 0};
        im->fmts[c] = tarn_textfmt_of(st);
        int k = o->types ? tarn_schema_find(o->types, names[c]) : -1;
        if (k >= 0)
            im->fmts[c] = tarn_textfmt_of(o->types->fields[k].type);
        else
            im->infer_col[c] = !o->all_strings;
    }
}

/* Cut [data, end) into nominal chunks. */
static void plan_chunks(csv_impl *im, int nthreads)
{
    size_t total = (size_t)(im->end - im->data);
    size_t cs = tarn_csv_chunk_bytes;
    if (cs == 0) {
        cs = total / ((size_t)nthreads * 8);
        cs = cs < CHUNK_MIN ? CHUNK_MIN : cs > CHUNK_MAX ? CHUNK_MAX : cs;
    }
    size_t n = total / cs + (total % cs != 0);
    if (n == 0)
        n = 1;
    if (n > (1u << 20)) {
        n = 1u << 20;
        cs = total / n + 1;
    }
    im->slack = 4 * cs > (1u << 16) ? 4 * cs : (1u << 16);
    im->nchunks = (int)n;
    im->chunks = tarn_xcalloc(n, sizeof *im->chunks);
    for (size_t i = 0; i < n; i++) {
        csv_chunk *ch = &im->chunks[i];
        ch->nstart = im->data + i * cs;
        ch->nend = i + 1 == n ? im->end : im->data + (i + 1) * cs;
        ch->inf = tarn_xcalloc((size_t)im->ncols, sizeof *ch->inf);
    }
}

/* Merge the chunks' inference into the schema; keep chunks with rows as
** the splits. */
static void finish_schema(tarn_reader *r, csv_impl *im, char **names)
{
    for (int c = 0; c < im->ncols; c++) {
        if (im->infer_col[c]) {
            tarn_infer all;
            tarn_infer_init(&all);
            for (int i = 0; i < im->nchunks; i++)
                tarn_infer_merge(&all, &im->chunks[i].inf[c]);
            im->fmts[c] = tarn_infer_result(&all);
        }
        tarn_schema_add(&r->schema, names[c], im->fmts[c].type);
    }
    int k = 0;
    for (int i = 0; i < im->nchunks; i++) {
        csv_chunk *ch = &im->chunks[i];
        r->rows += ch->rows;
        r->bad_rows += ch->nbad;
        r->info.latin1_fallback |= ch->bad_utf8;
        free(ch->inf);
        free(ch->bad);
        ch->inf = NULL;
        ch->bad = NULL;
        if (ch->rows > 0)
            im->chunks[k++] = *ch;
    }
    im->nchunks = k;
    r->nsplits = k;
}

/* Check every row in parallel and report bad rows (see the file comment). */
static int check_file(tarn_reader *r, csv_impl *im, tarn_error *err)
{
    int nthreads = r->opts.nthreads > 0 ? r->opts.nthreads : tarn_cpu_count();
    plan_chunks(im, nthreads);
    if (nthreads > im->nchunks)
        nthreads = im->nchunks;
    im->block_rows = BLOCK_FIELDS / im->ncols;
    im->block_rows = im->block_rows < 16 ? 16 : im->block_rows > 2048 ? 2048 : im->block_rows;
    run_parallel(im, nthreads);
    verify_chunks(im);
    for (int i = 0; i < im->nchunks; i++) {
        int rc = report_chunk(r, im, &im->chunks[i], err);
        if (rc)
            return rc;
    }
    return TARN_OK;
}

static void set_info(tarn_reader *r, const csv_impl *im, const csv_sniffed *sn)
{
    r->info.gzip = im->in.gzip;
    r->info.encoding = im->in.encoding;
    r->info.newline = sn->newline;
    r->info.dialect.delimiter = (char)sn->delim;
    r->info.dialect.quote = sn->quote < 0 ? '\x01' : (char)sn->quote;
    r->info.dialect.header = sn->header;
    r->info.latin1_fallback = sn->names_latin1;
}

/* Refuse a dialect override that cannot be scanned. */
static int check_dialect(const tarn_reader *r, tarn_error *err)
{
    char d = r->opts.dialect.delimiter, q = r->opts.dialect.quote;
    if (d == '\n' || d == '\r' || (d && d == q))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "'%s': the CSV delimiter cannot be a line break or the quote "
                              "character; pick another one", r->path);
    if (q == '\n' || q == '\r')
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "'%s': the CSV quote cannot be a line break", r->path);
    return TARN_OK;
}

static int csv_open(tarn_reader *r, tarn_error *err)
{
    int rc = check_dialect(r, err);
    if (rc)
        return rc;
    csv_impl *im = tarn_xcalloc(1, sizeof *im);
    r->impl = im;
    im->page = (size_t)sysconf(_SC_PAGESIZE);
    rc = tarn_input_open(&im->in, r->path, r->opts.tmp_dir, err);
    if (rc)
        return rc;
    csv_sniffed sn;
    rc = csv_sniff(im->in.data, im->in.len, &r->opts, r->path, &sn, err);
    if (rc == TARN_OK) {
        set_info(r, im, &sn);
        im->delim = sn.delim;
        im->quote = sn.quote;
        im->ncols = sn.ncols;
        im->data = sn.data;
        im->end = im->in.data + im->in.len;
        im->data_line = sn.data_line;
        if (im->ncols > 0) {
            im->cast_errors = tarn_xcalloc((size_t)im->ncols, sizeof *im->cast_errors);
            plan_columns(im, &r->opts, sn.names);
            rc = check_file(r, im, err);
            if (rc == TARN_OK)
                finish_schema(r, im, sn.names);
        }
    }
    csv_sniffed_free(&sn);
    return rc;
}

/* ---- cursors ---- */

static int csv_cursor_open(tarn_reader *r, int split, tarn_cursor *c, tarn_error *err)
{
    csv_impl *im = r->impl;
    const csv_chunk *ch = &im->chunks[split];
    csv_cursor *cu = tarn_xcalloc(1, sizeof *cu);
    csv_scanner_init(&cu->sc, ch->start, im->end, ch->line, im->delim, im->quote, im->ncols > 1);
    cu->stop = ch->end;
    cu->fix_utf8 = ch->bad_utf8;
    cu->released = ch->start;
    csv_block_init(&cu->blk, im->ncols, im->block_rows, 0);
    tarn_buf_init(&cu->scratch, 0);
    cu->cast_errors = tarn_xcalloc((size_t)im->ncols, sizeof *cu->cast_errors);
    c->impl = cu;
    return TARN_OK;
}

/* Append n string fields to column col (quotes collapsed, Latin-1 fixed). */
static void append_strings(tarn_column *col, const tarn_text *v, size_t stride, size_t n,
                           int quote, csv_cursor *cu)
{
    tarn_column_reserve(col, col->length + (int64_t)n);
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += v[i * stride].len;
    bytes *= cu->fix_utf8 ? 2 : 1;
    if (col->data_len + bytes > col->data_cap || !col->data) {
        size_t cap = col->data_cap ? col->data_cap : 4096;
        while (cap < col->data_len + bytes)
            cap *= 2;
        col->data = tarn_xrealloc(col->data, cap);
        col->data_cap = cap;
    }
    int64_t row = col->length;
    for (size_t i = 0; i < n; i++, row++) {
        const tarn_text *t = v + i * stride;
        const char *p = t->p;
        size_t len = t->len;
        if ((t->flags & TARN_TEXT_ESCAPED) || cu->fix_utf8)
            p = csv_text_clean(t, quote, cu->fix_utf8, &cu->scratch, &len);
        uint8_t bit = (uint8_t)(1u << (row & 7));
        if (len || (t->flags & TARN_TEXT_QUOTED)) {
            col->validity[row >> 3] |= bit;
        } else {
            col->validity[row >> 3] &= (uint8_t)~bit;
            col->null_count++;
        }
        if (len)
            memcpy(col->data + col->data_len, p, len);
        col->data_len += len;
        col->offsets[row + 1] = (int64_t)col->data_len;
    }
    col->length = row;
}

/* Convert the scanned block into the batch's columns. */
static void convert_block(const csv_impl *im, csv_cursor *cu, tarn_batch *b)
{
    const csv_block *blk = &cu->blk;
    for (int c = 0; c < im->ncols; c++) {
        const tarn_text *v = blk->fields + c;
        if (im->fmts[c].type.id == TARN_TYPE_STRING)
            append_strings(&b->cols[c], v, (size_t)im->ncols, (size_t)blk->nrows, im->quote, cu);
        else
            cu->cast_errors[c] += tarn_text_append_batch(&b->cols[c], &im->fmts[c], v,
                                                      (size_t)im->ncols, (size_t)blk->nrows);
    }
}

static int csv_cursor_next(tarn_cursor *c, tarn_batch *b, tarn_error *err)
{
    csv_impl *im = c->r->impl;
    csv_cursor *cu = c->impl;
    tarn_batch_reset(b);
    if (b->ncols != im->ncols)
        return -tarn_error_set(err, TARN_ERR_INVALID,
                               "'%s': batch has %d columns but the file has %d "
                               "(initialize it with the reader's schema)",
                               c->r->path, b->ncols, im->ncols);
    int64_t limit = c->r->opts.batch_rows > 0 ? c->r->opts.batch_rows : DEFAULT_BATCH_ROWS;
    while (b->nrows < limit && cu->sc.p < cu->stop) {
        int64_t want = limit - b->nrows;
        cu->blk.cap = want < im->block_rows ? (int)want : im->block_rows;
        csv_scan_block(&cu->sc, &cu->blk, cu->stop);
        convert_block(im, cu, b);
        b->nrows += cu->blk.nrows;
    }
    if ((size_t)(cu->sc.p - cu->released) >= RELEASE_STEP || cu->sc.p >= cu->stop) {
        release_pages(im, cu->released, cu->sc.p);
        cu->released = cu->sc.p;
    }
    return b->nrows > 0;
}

static void csv_cursor_close(tarn_cursor *c)
{
    csv_cursor *cu = c->impl;
    if (!cu)
        return;
    csv_impl *im = c->r->impl;
    for (int i = 0; i < im->ncols; i++)
        if (cu->cast_errors[i])
            atomic_fetch_add(&im->cast_errors[i], cu->cast_errors[i]);
    free(cu->cast_errors);
    csv_block_free(&cu->blk);
    tarn_buf_free(&cu->scratch);
    free(cu);
    c->impl = NULL;
}

static void csv_close(tarn_reader *r)
{
    csv_impl *im = r->impl;
    if (!im)
        return;
    for (int i = 0; i < im->nchunks; i++) {
        free(im->chunks[i].inf);
        free(im->chunks[i].bad);
    }
    free(im->chunks);
    free(im->fmts);
    free(im->infer_col);
    free(im->cast_errors);
    tarn_input_close(&im->in);
    free(im);
    r->impl = NULL;
}

/* The cast error counts of format.h: kept by the CSV reader alone, so
** they are answered here rather than through the operations table. */
int64_t tarn_reader_column_cast_errors(const tarn_reader *r, int col)
{
    const csv_impl *im = r->ops == &tarn_csv_ops ? r->impl : NULL;
    if (!im || !im->cast_errors || col < 0 || col >= im->ncols)
        return 0;
    return atomic_load(&im->cast_errors[col]);
}

int64_t tarn_reader_cast_errors(const tarn_reader *r)
{
    int64_t n = 0;
    for (int c = 0; c < r->schema.ncols; c++)
        n += tarn_reader_column_cast_errors(r, c);
    return n;
}

const tarn_format_ops tarn_csv_ops = {
    TARN_FORMAT_CSV,
    csv_open,        /* open: sniff, check every row, fix the schema */
    csv_cursor_open, /* cursor_open: a cursor over one verified split */
    csv_cursor_next, /* cursor_next: the next batch of the split */
    csv_cursor_close,
    csv_close,
};
