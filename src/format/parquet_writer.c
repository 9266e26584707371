/*
** parquet_writer.c: the Parquet writer (API in format.h): options, the
** thread pool that encodes columns in parallel, row groups, the footer,
** and the atomic temp-file-and-rename. Column chunks are built in
** parquet_writer_column.c, value encodings and statistics in parquet_encode.c,
** Thrift serialization in thrift_write.c, compression in codec_compress.c.
**
** Why tarn has its own Parquet writer: Debian packages no Parquet library
** for C (nor Apache Arrow's parquet-cpp at all), so tarn implements the
** part of the format it needs: flat schemas, PLAIN and dictionary
** encodings, data pages v1 and v2.
**
** Each column (parquet_writer_column.c) keeps its chunk's pages, compressed, in
** memory until the row group is cut; then the chunks are written one after
** another and the RowGroup's metadata is serialized at once into the footer
** being built, so the writer keeps no per-chunk records. Columns are
** independent, so a batch's columns are encoded on a small thread pool,
** each thread with its own compressor and scratch buffers.
*/
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "format/parquet_defs.h"
#include "format/parquet_writer_int.h"

#define PQ_CREATED_BY "tarn version " TARN_VERSION " (build tarn)"
#define PQ_SLICE_ROWS 65536 /* rows encoded per column task */
#define PQ_MAX_THREADS 4

typedef void (*pq_task)(tarn_parquet_writer *w, int col, tarn_pqw_worker *wk);

/* A fixed set of threads running one task over every column at a time. */
typedef struct pq_pool {
    pthread_t *threads;
    int nthreads;         /* extra threads (the caller works too) */
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    uint64_t gen;         /* bumped per task */
    int active;           /* threads still working on the task */
    int next;             /* next column to take */
    pq_task task;
    bool quit;
} pq_pool;

struct tarn_parquet_writer {
    char *path;
    char *tmp_path;
    int fd;
    int64_t pos;          /* bytes written */
    tarn_schema schema;
    tarn_parquet_write_options opt;
    tarn_parquet_kv *kv;  /* owned copies */
    int ncols;
    tarn_pqw_column *cols;
    int nworkers;
    tarn_pqw_worker *workers;   /* [0] is the caller's */
    pq_pool pool;
    bool pool_on;
    tarn_pqw_config cfg;   /* page and dictionary limits for the columns */
    int64_t rg_rows;      /* rows in the row group being built */
    int64_t rows;         /* rows in finished row groups */
    int64_t nrowgroups;
    tarn_buf rowgroups;   /* serialized RowGroup structs for the footer */
    bool failed;
    /* the current task's arguments */
    const tarn_batch *batch;
    int64_t slice_off, slice_n;
    /* background mode: the caller's batch is copied into stage and
    ** written by the bg thread while the caller makes the next one */
    bool bg_on;
    pthread_t bg;
    pthread_mutex_t bg_mu;
    pthread_cond_t bg_cv;
    bool bg_busy;         /* stage holds a batch being written */
    bool bg_quit;
    int bg_rc;            /* the first background failure */
    tarn_error bg_err;
    tarn_batch stage;
};

/* ---- options ---- */

void tarn_parquet_write_options_init(tarn_parquet_write_options *o)
{
    memset(o, 0, sizeof *o);
    o->codec = TARN_PARQUET_SNAPPY;
    o->row_group_bytes = 128 << 20;
    o->row_group_rows = 1 << 20;
    o->page_bytes = 1 << 20;
    o->page_rows = 128 << 10;
    o->dictionary = true;
    o->background = true;
    o->dictionary_bytes = 1 << 20;
    o->data_page_version = 1;
}

int tarn_parquet_codec_parse(const char *name, tarn_parquet_codec *out, tarn_error *err)
{
    static const struct { const char *name; tarn_parquet_codec codec; } names[] = {
        {"snappy", TARN_PARQUET_SNAPPY}, {"zstd", TARN_PARQUET_ZSTD},
        {"gzip", TARN_PARQUET_GZIP}, {"none", TARN_PARQUET_NONE},
        {"uncompressed", TARN_PARQUET_NONE},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(name, names[i].name) == 0) {
            *out = names[i].codec;
            return TARN_OK;
        }
    }
    return tarn_error_set(err, TARN_ERR_INVALID,
                          "unknown Parquet compression '%s': use snappy, zstd, gzip or none", name);
}

/* Reject option values the writer cannot honour. */
static int check_options(const tarn_parquet_write_options *o, tarn_error *err)
{
    if (o->data_page_version != 1 && o->data_page_version != 2)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "data page version %d is not valid: use 1 or 2", o->data_page_version);
    if (o->row_group_bytes <= 0 || o->row_group_rows <= 0 || o->page_bytes <= 0 ||
        o->page_rows <= 0 || o->dictionary_bytes <= 0)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "Parquet row group, page and dictionary sizes must be positive");
    if (o->page_bytes > (1 << 30) || o->dictionary_bytes > (1 << 30) || o->page_rows > (1 << 30))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "Parquet page and dictionary sizes must be at most 1 GiB");
    if (o->nkv < 0 || (o->nkv > 0 && !o->kv))
        return tarn_error_set(err, TARN_ERR_INVALID, "key-value metadata count without entries");
    for (int i = 0; i < o->nkv; i++)
        if (!o->kv[i].key)
            return tarn_error_set(err, TARN_ERR_INVALID, "key-value metadata entry %d has no key", i);
    return TARN_OK;
}

/* Column names must be non-empty and distinct. */
static int check_schema(const tarn_schema *s, tarn_error *err)
{
    if (s->ncols <= 0)
        return tarn_error_set(err, TARN_ERR_INVALID, "a Parquet file needs at least one column");
    for (int i = 0; i < s->ncols; i++) {
        if (!s->fields[i].name[0])
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "column %d has an empty name: Parquet columns need names", i + 1);
        if ((unsigned)s->fields[i].type.id >= TARN_TYPE_COUNT)
            return tarn_error_set(err, TARN_ERR_INVALID, "column '%s' has an unknown type",
                                  s->fields[i].name);
        for (int j = 0; j < i; j++)
            if (strcmp(s->fields[i].name, s->fields[j].name) == 0)
                return tarn_error_set(err, TARN_ERR_INVALID,
                                      "column name '%s' appears twice: rename one", s->fields[i].name);
    }
    return TARN_OK;
}






/* ---- column tasks and the thread pool ---- */

static void task_append(tarn_parquet_writer *w, int i, tarn_pqw_worker *wk)
{
    tarn_pqw_column *c = &w->cols[i];
    c->rc = tarn_pqw_column_append(c, wk, &w->batch->cols[i], w->slice_off, w->slice_n, &c->err);
}

static void task_finish(tarn_parquet_writer *w, int i, tarn_pqw_worker *wk)
{
    tarn_pqw_column *c = &w->cols[i];
    c->rc = tarn_pqw_column_finish(c, wk, &c->err);
}

/* Take columns off the current task until none is left. */
static void pool_work(tarn_parquet_writer *w, tarn_pqw_worker *wk)
{
    pq_pool *p = &w->pool;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        int i = p->next < w->ncols ? p->next++ : -1;
        pq_task task = p->task;
        pthread_mutex_unlock(&p->mu);
        if (i < 0)
            return;
        task(w, i, wk);
    }
}

typedef struct pq_thread_arg {
    tarn_parquet_writer *w;
    tarn_pqw_worker *wk;
} pq_thread_arg;

static void *pool_thread(void *arg)
{
    pq_thread_arg a = *(pq_thread_arg *)arg;
    free(arg);
    pq_pool *p = &a.w->pool;
    uint64_t seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->gen == seen && !p->quit)
            pthread_cond_wait(&p->go, &p->mu);
        if (p->quit)
            break;
        seen = p->gen;
        pthread_mutex_unlock(&p->mu);
        pool_work(a.w, a.wk);
        pthread_mutex_lock(&p->mu);
        if (--p->active == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Start up to want extra threads; the pool runs with those that started. */
static void pool_start(tarn_parquet_writer *w, int want)
{
    pq_pool *p = &w->pool;
    memset(p, 0, sizeof *p);
    if (want <= 0)
        return;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->go, NULL);
    pthread_cond_init(&p->done, NULL);
    p->threads = tarn_xcalloc((size_t)want, sizeof *p->threads);
    for (int i = 0; i < want; i++) {
        pq_thread_arg *a = tarn_xmalloc(sizeof *a);
        a->w = w;
        a->wk = &w->workers[i + 1];
        if (pthread_create(&p->threads[i], NULL, pool_thread, a) != 0) {
            free(a);
            break;
        }
        p->nthreads++;
    }
    w->pool_on = true;
}

static void pool_stop(tarn_parquet_writer *w)
{
    pq_pool *p = &w->pool;
    if (!w->pool_on)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = true;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    free(p->threads);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->go);
    pthread_cond_destroy(&p->done);
    w->pool_on = false;
}

/* Run task over every column (in parallel when the pool is on), then
** report the first column's failure in column order. */
static int run_columns(tarn_parquet_writer *w, pq_task task, tarn_error *err)
{
    pq_pool *p = &w->pool;
    if (!w->pool_on || p->nthreads == 0 || w->ncols == 1) {
        for (int i = 0; i < w->ncols; i++)
            task(w, i, &w->workers[0]);
    } else {
        pthread_mutex_lock(&p->mu);
        p->task = task;
        p->next = 0;
        p->active = p->nthreads;
        p->gen++;
        pthread_cond_broadcast(&p->go);
        pthread_mutex_unlock(&p->mu);
        pool_work(w, &w->workers[0]);
        pthread_mutex_lock(&p->mu);
        while (p->active > 0)
            pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
    for (int i = 0; i < w->ncols; i++) {
        if (w->cols[i].rc) {
            if (err)
                *err = w->cols[i].err;
            return w->cols[i].rc;
        }
    }
    return TARN_OK;
}


/* ---- the file ---- */

static int file_write(tarn_parquet_writer *w, const void *p, size_t n, tarn_error *err)
{
    const char *s = p;
    while (n > 0) {
        ssize_t k = write(w->fd, s, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return tarn_error_errno(err, TARN_ERR_IO, errno, "cannot write '%s'", w->tmp_path);
        }
        s += k;
        n -= (size_t)k;
        w->pos += k;
    }
    return TARN_OK;
}

/* Create the temporary file beside path: ".<name>.tarn-<pid>-<n>". The
** mode is 0666 less the umask, as for any new file. */
static int temp_open(tarn_parquet_writer *w, tarn_error *err)
{
    const char *slash = strrchr(w->path, '/');
    const char *base = slash ? slash + 1 : w->path;
    int dirlen = slash ? (int)(slash - w->path + 1) : 0;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "'%s' names a directory: give the Parquet file's name", w->path);
    static unsigned counter;
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned n = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
        free(w->tmp_path);
        w->tmp_path = tarn_xasprintf("%.*s.%s.tarn-%ld-%u-%ld", dirlen, w->path, base,
                                     (long)getpid(), n, (long)time(NULL));
        w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (w->fd >= 0)
            return TARN_OK;
        if (errno != EEXIST)
            break;
    }
    int e = errno;
    return tarn_error_errno(err, e == ENOENT ? TARN_ERR_NOTFOUND : TARN_ERR_IO, e,
                            "cannot create a file beside '%s' (does its directory exist "
                            "and is it writable?)", w->path);
}

/* fsync the directory holding path, so the rename is durable. */
static int sync_dir(const char *path, tarn_error *err)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? tarn_xstrndup(path, (size_t)(slash - path) + 1) : tarn_xstrdup(".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = TARN_OK;
    if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL))
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot sync directory '%s'", dir);
    if (fd >= 0)
        close(fd);
    free(dir);
    return rc;
}

/* ---- row groups ---- */

/* Write the finished chunks in column order and serialize the RowGroup. */
static int write_row_group(tarn_parquet_writer *w, tarn_error *err)
{
    tarn_thrift_writer t;
    int64_t start = w->pos, uncomp = 0;
    tarn_thriftw_init(&t, &w->rowgroups);
    tarn_thriftw_struct_begin(&t);
    tarn_thriftw_field_list(&t, 1, TC_STRUCT, (uint32_t)w->ncols);
    for (int i = 0; i < w->ncols; i++) {
        tarn_pqw_column *c = &w->cols[i];
        int64_t dict_off = c->dictpage.len ? w->pos : -1;
        int rc = file_write(w, c->dictpage.data, c->dictpage.len, err);
        int64_t data_off = w->pos;
        if (!rc)
            rc = file_write(w, c->chunk.data, c->chunk.len, err);
        if (rc)
            return rc;
        tarn_pqw_column_put_meta(&t, c, dict_off, data_off);
        uncomp += tarn_pqw_column_uncompressed(c);
    }
    tarn_thriftw_field_i64(&t, 2, uncomp);
    tarn_thriftw_field_i64(&t, 3, w->rg_rows);
    tarn_thriftw_field_i64(&t, 5, start);
    tarn_thriftw_field_i64(&t, 6, w->pos - start);
    if (w->nrowgroups <= INT16_MAX)
        tarn_thriftw_field_i16(&t, 7, (int16_t)w->nrowgroups);
    tarn_thriftw_struct_end(&t);
    if (tarn_thriftw_finish(&t) != TARN_OK)
        return tarn_error_set(err, TARN_ERR_LIMIT, "'%s': Parquet footer too large", w->path);
    return TARN_OK;
}

/* Finish every column's chunk (in parallel), write the row group, and
** start the next one. */
static int flush_row_group(tarn_parquet_writer *w, tarn_error *err)
{
    int rc = run_columns(w, task_finish, err);
    if (!rc)
        rc = write_row_group(w, err);
    if (rc)
        return rc;
    for (int i = 0; i < w->ncols; i++)
        tarn_pqw_column_reset(&w->cols[i]);
    w->rows += w->rg_rows;
    w->rg_rows = 0;
    w->nrowgroups++;
    return TARN_OK;
}

static bool row_group_full(const tarn_parquet_writer *w)
{
    if (w->rg_rows >= w->opt.row_group_rows)
        return true;
    int64_t bytes = 0;
    for (int i = 0; i < w->ncols; i++)
        bytes += tarn_pqw_column_bytes(&w->cols[i]);
    return bytes >= w->opt.row_group_bytes;
}

/* ---- the footer ---- */

/* LogicalType (field 10 of SchemaElement) and the matching ConvertedType
** (field 6, with scale and precision for decimals). */
static void put_logical_type(tarn_thrift_writer *t, const tarn_pqw_column *c)
{
    switch (c->type.id) {
    case TARN_TYPE_STRING:
        tarn_thriftw_field_i32(t, 6, PQ_CT_UTF8);
        tarn_thriftw_field_struct(t, 10);
        tarn_thriftw_field_empty(t, 1);
        break;
    case TARN_TYPE_DATE:
        tarn_thriftw_field_i32(t, 6, PQ_CT_DATE);
        tarn_thriftw_field_struct(t, 10);
        tarn_thriftw_field_empty(t, 6);
        break;
    case TARN_TYPE_TIMESTAMP:
        tarn_thriftw_field_i32(t, 6, PQ_CT_TIMESTAMP_MICROS);
        tarn_thriftw_field_struct(t, 10);
        tarn_thriftw_field_struct(t, 8);      /* TimestampType */
        tarn_thriftw_field_bool(t, 1, true);  /* isAdjustedToUTC */
        tarn_thriftw_field_struct(t, 2);      /* unit: TimeUnit */
        tarn_thriftw_field_empty(t, 2);       /* MICROS */
        tarn_thriftw_struct_end(t);
        tarn_thriftw_struct_end(t);
        break;
    case TARN_TYPE_DECIMAL:
        tarn_thriftw_field_i32(t, 6, PQ_CT_DECIMAL);
        tarn_thriftw_field_i32(t, 7, c->type.scale);
        tarn_thriftw_field_i32(t, 8, c->type.precision);
        tarn_thriftw_field_struct(t, 10);
        tarn_thriftw_field_struct(t, 5);      /* DecimalType */
        tarn_thriftw_field_i32(t, 1, c->type.scale);
        tarn_thriftw_field_i32(t, 2, c->type.precision);
        tarn_thriftw_struct_end(t);
        break;
    default:
        return; /* boolean, int, bigint, double: the physical type says it */
    }
    tarn_thriftw_struct_end(t);
}

static void put_schema(tarn_thrift_writer *t, const tarn_parquet_writer *w)
{
    tarn_thriftw_field_list(t, 2, TC_STRUCT, (uint32_t)w->ncols + 1);
    tarn_thriftw_struct_begin(t);
    tarn_thriftw_field_string(t, 4, "schema");
    tarn_thriftw_field_i32(t, 5, w->ncols);
    tarn_thriftw_struct_end(t);
    for (int i = 0; i < w->ncols; i++) {
        const tarn_pqw_column *c = &w->cols[i];
        tarn_thriftw_struct_begin(t);
        tarn_thriftw_field_i32(t, 1, c->phys);
        if (c->phys == PQ_FIXED_LEN_BYTE_ARRAY)
            tarn_thriftw_field_i32(t, 2, c->width);
        tarn_thriftw_field_i32(t, 3, c->required ? PQ_REQUIRED : PQ_OPTIONAL);
        tarn_thriftw_field_string(t, 4, c->name);
        put_logical_type(t, c);
        tarn_thriftw_struct_end(t);
    }
}

static void put_key_values(tarn_thrift_writer *t, const tarn_parquet_writer *w)
{
    if (w->opt.nkv == 0)
        return;
    tarn_thriftw_field_list(t, 5, TC_STRUCT, (uint32_t)w->opt.nkv);
    for (int i = 0; i < w->opt.nkv; i++) {
        tarn_thriftw_struct_begin(t);
        tarn_thriftw_field_string(t, 1, w->kv[i].key);
        if (w->kv[i].value)
            tarn_thriftw_field_string(t, 2, w->kv[i].value);
        tarn_thriftw_struct_end(t);
    }
}

/* Serialize FileMetaData and write it, its length and the magic. */
static int write_footer(tarn_parquet_writer *w, tarn_error *err)
{
    tarn_buf f;
    tarn_thrift_writer t;
    tarn_buf_init(&f, UINT32_MAX);
    tarn_thriftw_init(&t, &f);
    tarn_thriftw_struct_begin(&t);
    tarn_thriftw_field_i32(&t, 1, w->cfg.page_version == 2 ? 2 : 1);
    put_schema(&t, w);
    tarn_thriftw_field_i64(&t, 3, w->rows);
    tarn_thriftw_field_list(&t, 4, TC_STRUCT, (uint32_t)w->nrowgroups);
    tarn_thriftw_raw(&t, w->rowgroups.data, w->rowgroups.len);
    put_key_values(&t, w);
    tarn_thriftw_field_string(&t, 6, PQ_CREATED_BY);
    tarn_thriftw_field_list(&t, 7, TC_STRUCT, (uint32_t)w->ncols);
    for (int i = 0; i < w->ncols; i++) { /* ColumnOrder: TYPE_ORDER */
        tarn_thriftw_struct_begin(&t);
        tarn_thriftw_field_empty(&t, 1);
        tarn_thriftw_struct_end(&t);
    }
    tarn_thriftw_struct_end(&t);
    int rc = tarn_thriftw_finish(&t);
    if (rc) {
        tarn_buf_free(&f);
        return tarn_error_set(err, rc, "'%s': Parquet footer too large", w->path);
    }
    uint8_t tail[8] = {0, 0, 0, 0, 'P', 'A', 'R', '1'};
    for (int i = 0; i < 4; i++)
        tail[i] = (uint8_t)(f.len >> (8 * i));
    rc = file_write(w, f.data, f.len, err);
    if (!rc)
        rc = file_write(w, tail, 8, err);
    tarn_buf_free(&f);
    return rc;
}

/* ---- writing batches ---- */

/* Write b's rows on this thread: slices of every column in parallel,
** cutting row groups as they fill. */
static int write_batch(tarn_parquet_writer *w, const tarn_batch *b, tarn_error *err)
{
    int rc = TARN_OK;
    for (int64_t off = 0; !rc && off < b->nrows;) {
        int64_t k = b->nrows - off, room = w->opt.row_group_rows - w->rg_rows;
        k = k > PQ_SLICE_ROWS ? PQ_SLICE_ROWS : k;
        k = k > room ? room : k;
        w->batch = b;
        w->slice_off = off;
        w->slice_n = k;
        rc = run_columns(w, task_append, err);
        w->batch = NULL;
        if (rc)
            break;
        w->rg_rows += k;
        off += k;
        if (row_group_full(w))
            rc = flush_row_group(w, err);
    }
    return rc;
}

/* ---- background writing ---- */

/* Make d a copy of the first n rows of s (whole vectors, no per-row work). */
static void column_copy(tarn_column *d, const tarn_column *s, int64_t n)
{
    tarn_column_reset(d);
    tarn_column_reserve(d, n);
    memcpy(d->validity, s->validity, (size_t)(n + 7) / 8);
    if (s->type.id == TARN_TYPE_STRING) {
        memcpy(d->offsets, s->offsets, (size_t)(n + 1) * sizeof *d->offsets);
        size_t bytes = (size_t)s->offsets[n];
        if (d->data_cap < bytes) {
            d->data = tarn_xrealloc(d->data, bytes);
            d->data_cap = bytes;
        }
        if (bytes)
            memcpy(d->data, s->data, bytes);
        d->data_len = bytes;
    } else {
        memcpy(d->values, s->values, (size_t)n * tarn_type_width(s->type.id));
    }
    d->length = n;
    d->null_count = s->null_count;
}

/* The background thread: writes each staged batch, keeping the first
** failure for the caller's next write or close. */
static void *bg_main(void *arg)
{
    tarn_parquet_writer *w = arg;
    pthread_mutex_lock(&w->bg_mu);
    for (;;) {
        while (!w->bg_busy && !w->bg_quit)
            pthread_cond_wait(&w->bg_cv, &w->bg_mu);
        if (!w->bg_busy)
            break;
        int failed = w->bg_rc;
        pthread_mutex_unlock(&w->bg_mu);
        tarn_error e = {0};
        int rc = failed ? TARN_OK : write_batch(w, &w->stage, &e);
        pthread_mutex_lock(&w->bg_mu);
        if (rc) {
            w->bg_rc = rc;
            w->bg_err = e;
        }
        w->bg_busy = false;
        pthread_cond_broadcast(&w->bg_cv);
    }
    pthread_mutex_unlock(&w->bg_mu);
    return NULL;
}

/* Wait until the staged batch is written; returns (and copies into err)
** the first background failure, if any. */
static int bg_wait(tarn_parquet_writer *w, tarn_error *err)
{
    pthread_mutex_lock(&w->bg_mu);
    while (w->bg_busy)
        pthread_cond_wait(&w->bg_cv, &w->bg_mu);
    int rc = w->bg_rc;
    if (rc && err)
        *err = w->bg_err;
    pthread_mutex_unlock(&w->bg_mu);
    return rc;
}

/* Hand b to the background thread (after the previous batch is done). */
static int bg_submit(tarn_parquet_writer *w, const tarn_batch *b, tarn_error *err)
{
    int rc = bg_wait(w, err);
    if (rc)
        return rc;
    for (int c = 0; c < w->ncols; c++)
        column_copy(&w->stage.cols[c], &b->cols[c], b->nrows);
    w->stage.nrows = b->nrows;
    pthread_mutex_lock(&w->bg_mu);
    w->bg_busy = true;
    pthread_cond_signal(&w->bg_cv);
    pthread_mutex_unlock(&w->bg_mu);
    return TARN_OK;
}

/* Start the background thread; without it the writer works synchronously. */
static void bg_start(tarn_parquet_writer *w)
{
    pthread_mutex_init(&w->bg_mu, NULL);
    pthread_cond_init(&w->bg_cv, NULL);
    tarn_batch_init(&w->stage, &w->schema, 0);
    w->bg_on = pthread_create(&w->bg, NULL, bg_main, w) == 0;
}

/* Let the background thread finish its batch and end. */
static void bg_stop(tarn_parquet_writer *w)
{
    if (!w->bg_on)
        return;
    pthread_mutex_lock(&w->bg_mu);
    w->bg_quit = true;
    pthread_cond_broadcast(&w->bg_cv);
    pthread_mutex_unlock(&w->bg_mu);
    pthread_join(w->bg, NULL);
    pthread_mutex_destroy(&w->bg_mu);
    pthread_cond_destroy(&w->bg_cv);
    w->bg_on = false;
}

/* ---- open, write, close ---- */

/* Free everything; an unfinished temporary file is removed. */
static void writer_free(tarn_parquet_writer *w)
{
    bg_stop(w);
    pool_stop(w);
    tarn_batch_free(&w->stage);
    if (w->fd >= 0)
        close(w->fd);
    if (w->tmp_path)
        unlink(w->tmp_path);
    for (int i = 0; i < w->ncols && w->cols; i++)
        tarn_pqw_column_free(&w->cols[i]);
    for (int i = 0; i < w->nworkers; i++)
        tarn_pqw_worker_free(&w->workers[i]);
    for (int i = 0; i < w->opt.nkv && w->kv; i++) {
        free((char *)w->kv[i].key);
        free((char *)w->kv[i].value);
    }
    free(w->kv);
    free(w->cols);
    free(w->workers);
    tarn_buf_free(&w->rowgroups);
    tarn_schema_free(&w->schema);
    free(w->path);
    free(w->tmp_path);
    free(w);
}

/* Resolve limits and thread count; copy the key-value metadata. */
static void writer_configure(tarn_parquet_writer *w, const tarn_parquet_write_options *o)
{
    /* Every column holds a page and a dictionary: for wide schemas shrink
    ** both so the total stays near 64 MiB each. */
    int64_t share = ((int64_t)64 << 20) / w->ncols;
    share = share < (64 << 10) ? (64 << 10) : share;
    w->cfg.page_bytes = o->page_bytes < share ? o->page_bytes : share;
    w->cfg.dict_bytes = o->dictionary_bytes < share ? o->dictionary_bytes : share;
    w->cfg.page_rows = o->page_rows;
    w->cfg.page_version = o->data_page_version;
    w->cfg.codec = (int)o->codec;
    w->cfg.dictionary = o->dictionary;
    int n = o->nthreads > 0 ? o->nthreads : tarn_cpu_count();
    if (o->nthreads <= 0 && n > PQ_MAX_THREADS)
        n = PQ_MAX_THREADS;
    n = n > w->ncols ? w->ncols : n;
    w->nworkers = n < 1 ? 1 : n > 64 ? 64 : n;
    w->kv = tarn_xcalloc((size_t)(o->nkv ? o->nkv : 1), sizeof *w->kv);
    for (int i = 0; i < o->nkv; i++) {
        w->kv[i].key = tarn_xstrdup(o->kv[i].key);
        w->kv[i].value = o->kv[i].value ? tarn_xstrdup(o->kv[i].value) : NULL;
    }
    w->opt = *o;
    w->opt.kv = w->kv;
    w->opt.required = NULL;
}

int tarn_parquet_writer_open(tarn_parquet_writer **out, const char *path,
                             const tarn_schema *s,
                             const tarn_parquet_write_options *o, tarn_error *err)
{
    tarn_parquet_write_options defaults;
    *out = NULL;
    if (!o) {
        tarn_parquet_write_options_init(&defaults);
        o = &defaults;
    }
    int rc = check_options(o, err);
    if (rc || (rc = check_schema(s, err)))
        return rc;
    tarn_parquet_writer *w = tarn_xcalloc(1, sizeof *w);
    w->fd = -1;
    w->path = tarn_xstrdup(path);
    w->ncols = s->ncols;
    tarn_schema_copy(&w->schema, s);
    tarn_buf_init(&w->rowgroups, 0);
    writer_configure(w, o);
    w->workers = tarn_xcalloc((size_t)w->nworkers, sizeof *w->workers);
    for (int i = 0; i < w->nworkers && !rc; i++)
        rc = tarn_pqw_worker_init(&w->workers[i], (int)o->codec, o->compression_level, err);
    w->cols = tarn_xcalloc((size_t)w->ncols, sizeof *w->cols);
    for (int i = 0; i < w->ncols; i++)
        tarn_pqw_column_init(&w->cols[i], &w->cfg, &w->schema.fields[i],
                            o->required && o->required[i]);
    if (!rc)
        rc = temp_open(w, err);
    if (!rc)
        rc = file_write(w, "PAR1", 4, err);
    if (rc) {
        writer_free(w);
        return rc;
    }
    pool_start(w, w->nworkers - 1);
    if (o->background)
        bg_start(w);
    *out = w;
    return TARN_OK;
}

/* The batch must have the writer's columns, types and enough rows. */
static int check_batch(const tarn_parquet_writer *w, const tarn_batch *b, tarn_error *err)
{
    if (b->ncols != w->ncols)
        return tarn_error_set(err, TARN_ERR_INVALID, "batch has %d columns, the file's schema %d",
                              b->ncols, w->ncols);
    for (int i = 0; i < w->ncols; i++) {
        tarn_type want = w->schema.fields[i].type, got = b->cols[i].type;
        bool same = want.id == got.id && (want.id != TARN_TYPE_DECIMAL ||
                                          (want.precision == got.precision && want.scale == got.scale));
        if (!same) {
            char a[32], c[32];
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "column '%s' is %s in the file's schema but %s in the batch",
                                  w->schema.fields[i].name, tarn_type_name(want, a, sizeof a),
                                  tarn_type_name(got, c, sizeof c));
        }
        if (b->cols[i].length < b->nrows)
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "column '%s' has %lld rows, the batch %lld",
                                  w->schema.fields[i].name, (long long)b->cols[i].length,
                                  (long long)b->nrows);
    }
    return TARN_OK;
}

int tarn_parquet_writer_write(tarn_parquet_writer *w, const tarn_batch *b, tarn_error *err)
{
    if (w->failed)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "writing '%s': the writer failed earlier and must be aborted", w->path);
    int rc = check_batch(w, b, err);
    if (!rc && b->nrows > 0)
        rc = w->bg_on ? bg_submit(w, b, err) : write_batch(w, b, err);
    if (rc) {
        w->failed = true;
        tarn_error_prefix(err, "writing '%s'", w->path);
    }
    return rc;
}

int tarn_parquet_writer_close(tarn_parquet_writer *w, tarn_parquet_write_info *info,
                              tarn_error *err)
{
    int rc = TARN_OK;
    if (w->failed)
        rc = tarn_error_set(err, TARN_ERR_INVALID,
                            "'%s' was not written: the writer failed earlier", w->path);
    if (!rc && w->bg_on && (rc = bg_wait(w, err)))
        tarn_error_prefix(err, "writing '%s'", w->path);
    bg_stop(w);
    if (!rc && w->rg_rows > 0 && (rc = flush_row_group(w, err)))
        tarn_error_prefix(err, "writing '%s'", w->path);
    if (!rc)
        rc = write_footer(w, err);
    if (!rc && fsync(w->fd) != 0)
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot sync '%s'", w->tmp_path);
    if (!rc) {
        int fd = w->fd;
        w->fd = -1;
        if (close(fd) != 0)
            rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot close '%s'", w->tmp_path);
    }
    if (!rc && rename(w->tmp_path, w->path) != 0)
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot rename '%s' to '%s'",
                              w->tmp_path, w->path);
    if (!rc) {
        free(w->tmp_path);
        w->tmp_path = NULL;
        rc = sync_dir(w->path, err);
    }
    if (!rc && info) {
        info->rows = w->rows;
        info->row_groups = w->nrowgroups;
        info->file_bytes = w->pos;
    }
    writer_free(w);
    return rc;
}

void tarn_parquet_writer_abort(tarn_parquet_writer *w)
{
    if (w)
        writer_free(w);
}
