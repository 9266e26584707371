/*
** repartition.c: the tarn.repartition job (what it does is in jobs.h): its
** arguments, its input (Parquet files widened to one schema) and the two
** phases that bucket rows into Hive partition folders.
**
** Bucketing: the input is read through the ordered pipeline (pipe.c).
** Worker threads convert each batch to the common schema and find each
** row's partition: the key values' bytes are looked up in a per-slot
** cache, and only a tuple not seen before builds its folder name
** (hive.c) and looks it up in the shared registry under a lock. They then
** group the batch's rows by partition. The calling thread appends each
** group, in input order, to its partition's pending batch (without the
** key columns). When the pending batches together pass two fifths of the
** memory budget, every one is written to a spill file as blocks
** (colops.c) and freed; a partition remembers where its blocks are.
**
** Writing: threads take partitions one at a time and write their blocks,
** then what is still pending, through a part writer (parts.c), so at any
** time only one Parquet writer per thread exists however many partitions
** there are. The Parquet writer's output does not depend on how rows are
** divided into batches, so spilling changes no byte of the output.
*/
#include "jobs/jobs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define PART_BLOCK 1024          /* partitions per registry block */
#define PART_BLOCKS_MAX 65536    /* so at most 64 Mi partitions */
#define FRAGMENT_BYTES (8 << 20) /* largest spill block */
#define KEY_TEXT_MAX 128
#define IO_THREADS 8
#define SMALL_PARTITION (32 << 20)

/* One partition folder and the rows bound for it. */
typedef struct rp_part {
    char *folder;          /* "k1=v1/k2=v2/" */
    tarn_batch pending;    /* rows not yet spilled (data columns) */
    bool ready;
    int64_t mem;           /* bytes pending holds */
    int nfrag, fragcap;
    int64_t *frag_off, *frag_len;
} rp_part;

typedef struct rp_run {
    const tarn_repartition_args *a;
    const tarn_job_env *env;
    jobs_output out;
    jobs_sources srcs;
    int nfiles;
    tarn_reader **readers;
    jobs_conform *plans;
    tarn_schema all;       /* every column, widened */
    tarn_schema data;      /* all but the keys */
    int *keycol, *datacol; /* indexes into all */
    int nkeys, ndata;
    int npieces;           /* pipeline parts */
    int *piece_file, *piece_split;
    /* the partition registry */
    pthread_mutex_t mu;
    rp_part *blocks[PART_BLOCKS_MAX];
    int nparts;
    int *map;              /* open addressing over folder names: pid + 1 */
    size_t map_cap;
    /* pending rows and spill */
    int64_t pending_mem, spill_limit;
    int spill_fd;
    int64_t spill_size;
    tarn_buf enc;
    int64_t rows, spilled_bytes;
    int64_t data_bytes;    /* uncompressed values bucketed */
    /* writing */
    atomic_int next_write;
    int wrc;
    tarn_error werr;
    int64_t *nulls;        /* per data column */
    int64_t files_written;
} rp_run;

static rp_part *part_at(rp_run *run, int pid)
{
    return &run->blocks[pid / PART_BLOCK][pid % PART_BLOCK];
}

/* ---- arguments ---- */

int tarn_repartition_args_parse(const tarn_job_args *a, tarn_repartition_args *out,
                                tarn_error *err)
{
    static const char *const known[] = {"source_path", "target_path", "partition_keys",
                                        "target_file_bytes", "memory_budget_bytes",
                                        "compression", NULL};
    memset(out, 0, sizeof *out);
    const char *keys = NULL;
    int rc = jobs_args_check(a, "tarn.repartition", known, err);
    if (!rc)
        rc = jobs_arg_required(a, "source_path", &out->source_path, err);
    if (!rc)
        rc = jobs_arg_required(a, "target_path", &out->target_path, err);
    if (!rc)
        rc = jobs_arg_required(a, "partition_keys", &keys, err);
    if (!rc)
        rc = jobs_arg_bytes(a, "target_file_bytes", 128LL << 20, 1, &out->target_file_bytes, err);
    if (!rc)
        rc = jobs_arg_bytes(a, "memory_budget_bytes", 1LL << 30, 4096, &out->memory_budget_bytes,
                            err);
    if (!rc)
        rc = jobs_arg_codec(a, &out->codec, err);
    if (!rc) {
        out->nkeys = jobs_split_list(keys, &out->keys);
        if (out->nkeys == 0)
            rc = tarn_error_set(err, TARN_ERR_INVALID,
                                "--partition_keys '%s': name at least one column", keys);
    }
    for (int i = 0; !rc && i < out->nkeys; i++)
        for (int j = 0; j < i; j++)
            if (strcasecmp(out->keys[i], out->keys[j]) == 0)
                rc = tarn_error_set(err, TARN_ERR_INVALID,
                                    "--partition_keys names '%s' twice", out->keys[i]);
    return rc;
}

void tarn_repartition_args_free(tarn_repartition_args *a)
{
    for (int i = 0; i < a->nkeys; i++)
        free(a->keys[i]);
    free(a->keys);
    memset(a, 0, sizeof *a);
}

/* ---- input: Parquet files, one schema, the key columns ---- */

static int open_inputs(rp_run *run, tarn_error *err)
{
    int rc = jobs_sources_list(&run->srcs, run->env, run->a->source_path, err);
    if (rc)
        return rc;
    run->readers = tarn_xcalloc((size_t)run->srcs.n, sizeof *run->readers);
    tarn_read_options o;
    tarn_read_options_init(&o);
    o.format = TARN_FORMAT_PARQUET;
    for (int i = 0; !rc && i < run->srcs.n; i++) {
        const jobs_source *f = &run->srcs.files[i];
        rc = tarn_reader_open(&run->readers[i], f->path, &o, err);
        if (rc) {
            tarn_error_prefix(err, "reading %s (tarn.repartition reads Parquet, such as "
                              "tarn.clean writes): ", f->uri);
            break;
        }
        run->nfiles++;
        const tarn_schema *s = tarn_reader_schema(run->readers[i]);
        for (int c = 0; c < s->ncols; c++) {
            int k = tarn_schema_find(&run->all, s->fields[c].name);
            if (k < 0)
                tarn_schema_add(&run->all, s->fields[c].name, s->fields[c].type);
            else
                run->all.fields[k].type = jobs_type_widen(run->all.fields[k].type, s->fields[c].type);
        }
        jobs_log(run->env, "read %s: %lld rows", f->uri,
                 (long long)tarn_reader_row_count(run->readers[i]));
    }
    return rc;
}

/* A column of all by name: exact, else ignoring ASCII case. */
static int find_column(const tarn_schema *s, const char *name)
{
    int k = tarn_schema_find(s, name);
    for (int c = 0; k < 0 && c < s->ncols; c++)
        if (strcasecmp(s->fields[c].name, name) == 0)
            k = c;
    return k;
}

/* The key columns' indexes in all, or an error naming a missing one. */
static int find_keys(rp_run *run, tarn_error *err)
{
    run->nkeys = run->a->nkeys;
    run->keycol = tarn_xcalloc((size_t)run->nkeys + 1, sizeof *run->keycol);
    for (int k = 0; k < run->nkeys; k++) {
        run->keycol[k] = find_column(&run->all, run->a->keys[k]);
        if (run->keycol[k] >= 0)
            continue;
        tarn_buf cols;
        tarn_buf_init(&cols, 4096);
        for (int c = 0; c < run->all.ncols; c++)
            tarn_buf_appendf(&cols, "%s%s", c ? ", " : "", run->all.fields[c].name);
        int rc = tarn_error_set(err, TARN_ERR_INVALID,
                                "--partition_keys names '%s', which the source has not; its "
                                "columns are: %s", run->a->keys[k], cols.data ? cols.data : "(none)");
        tarn_buf_free(&cols);
        return rc;
    }
    return TARN_OK;
}

/* Each file's conversion to all, and the pipeline's pieces (file, split). */
static void plan_pieces(rp_run *run)
{
    run->plans = tarn_xcalloc((size_t)run->nfiles + 1, sizeof *run->plans);
    for (int i = 0; i < run->nfiles; i++) {
        const tarn_schema *s = tarn_reader_schema(run->readers[i]);
        const char **names = tarn_xcalloc((size_t)s->ncols + 1, sizeof *names);
        for (int c = 0; c < s->ncols; c++)
            names[c] = s->fields[c].name;
        jobs_conform_plan(&run->plans[i], s, names, &run->all);
        free(names);
        run->npieces += tarn_reader_split_count(run->readers[i]);
    }
    run->piece_file = tarn_xcalloc((size_t)run->npieces + 1, sizeof *run->piece_file);
    run->piece_split = tarn_xcalloc((size_t)run->npieces + 1, sizeof *run->piece_split);
    for (int i = 0, k = 0; i < run->nfiles; i++)
        for (int s = 0; s < tarn_reader_split_count(run->readers[i]); s++, k++) {
            run->piece_file[k] = i;
            run->piece_split[k] = s;
        }
}

static int plan_columns(rp_run *run, tarn_error *err)
{
    int rc = find_keys(run, err);
    if (rc)
        return rc;
    run->datacol = tarn_xcalloc((size_t)run->all.ncols + 1, sizeof *run->datacol);
    for (int c = 0; c < run->all.ncols; c++) {
        bool key = false;
        for (int k = 0; k < run->nkeys; k++)
            key |= run->keycol[k] == c;
        if (!key) {
            run->datacol[run->ndata++] = c;
            tarn_schema_add(&run->data, run->all.fields[c].name, run->all.fields[c].type);
        }
    }
    if (run->ndata == 0)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "--partition_keys names every column; leave at least one column "
                              "for the data files");
    plan_pieces(run);
    return TARN_OK;
}

/* ---- the partition registry ---- */

/* The pid of folder, registering it if new; -1 past the registry's
** capacity. Call with run->mu held. */
static int registry_get(rp_run *run, const char *folder)
{
    if ((size_t)(run->nparts + 1) * 2 > run->map_cap) {
        size_t cap = run->map_cap ? 2 * run->map_cap : 256;
        int *map = tarn_xcalloc(cap, sizeof *map);
        for (size_t i = 0; i < run->map_cap; i++) {
            if (!run->map[i])
                continue;
            const char *f = part_at(run, run->map[i] - 1)->folder;
            size_t j = (size_t)tarn_hash64(f, strlen(f), 0) & (cap - 1);
            while (map[j])
                j = (j + 1) & (cap - 1);
            map[j] = run->map[i];
        }
        free(run->map);
        run->map = map;
        run->map_cap = cap;
    }
    size_t i = (size_t)tarn_hash64(folder, strlen(folder), 0) & (run->map_cap - 1);
    for (; run->map[i]; i = (i + 1) & (run->map_cap - 1))
        if (strcmp(part_at(run, run->map[i] - 1)->folder, folder) == 0)
            return run->map[i] - 1;
    int pid = run->nparts;
    if (pid / PART_BLOCK >= PART_BLOCKS_MAX)
        return -1;
    if (!run->blocks[pid / PART_BLOCK])
        run->blocks[pid / PART_BLOCK] = tarn_xcalloc(PART_BLOCK, sizeof(rp_part));
    part_at(run, pid)->folder = tarn_xstrdup(folder);
    run->map[i] = pid + 1;
    run->nparts++;
    return pid;
}

/* The folder path of row i ("k1=v1/k2=v2/"), checked to fit in a key. */
static int folder_of(const rp_run *run, const tarn_batch *v, int64_t i, tarn_buf *out,
                     tarn_error *err)
{
    tarn_buf_reset(out);
    for (int k = 0; k < run->nkeys; k++) {
        const tarn_column *c = &v->cols[run->keycol[k]];
        char text[KEY_TEXT_MAX];
        const char *p = text;
        size_t n = 0;
        if (!tarn_column_is_valid(c, i))
            p = NULL;
        else if (c->type.id == TARN_TYPE_STRING)
            p = tarn_column_str(c, i, &n);
        else
            n = tarn_value_format(c, i, text, sizeof text);
        tarn_hive_folder(out, run->all.fields[run->keycol[k]].name, p, n);
        tarn_buf_putc(out, '/');
    }
    size_t room = TARN_KEY_MAX - strlen(run->out.target.key) - strlen("part-00000.parquet");
    if (out->len > room)
        return tarn_error_set(err, TARN_ERR_LIMIT,
                              "the partition folder '%.200s...' is too long for an object key "
                              "(%zu bytes; at most %zu fit under the target)", out->data,
                              out->len, room);
    return TARN_OK;
}

/* ---- finding each row's partition (on the workers) ---- */

/* A slot's cache of key tuples (their bytes) -> pid. */
typedef struct rp_cache {
    uint64_t *hash;
    int32_t *pid;          /* -1 = empty */
    uint32_t *off, *len;   /* the tuple in keys */
    size_t cap, n;
    tarn_buf keys;
} rp_cache;

typedef struct rp_group {
    int pid;
    int64_t start, count;
} rp_group;

typedef struct rp_slot {
    jobs_conform_buf cb;
    int64_t *cast;         /* conversions that failed (widening never does) */
    rp_cache cache;
    tarn_buf tuple, folder;
    int32_t *pid;
    uint32_t *order;
    int64_t rows_cap;
    rp_group *groups;
    int ngroups, groups_cap;
    int *stamp, *gidx;     /* per pid: batch stamp, group index */
    int stamp_cap, gen;
} rp_slot;

static void cache_grow(rp_cache *c)
{
    size_t cap = c->cap ? 2 * c->cap : 64;
    rp_cache n = {tarn_xmalloc(cap * 8), tarn_xmalloc(cap * 4), tarn_xmalloc(cap * 4),
                  tarn_xmalloc(cap * 4), cap, c->n, c->keys};
    for (size_t i = 0; i < cap; i++)
        n.pid[i] = -1;
    for (size_t i = 0; i < c->cap; i++) {
        if (c->pid[i] < 0)
            continue;
        size_t j = (size_t)c->hash[i] & (cap - 1);
        while (n.pid[j] >= 0)
            j = (j + 1) & (cap - 1);
        n.hash[j] = c->hash[i];
        n.pid[j] = c->pid[i];
        n.off[j] = c->off[i];
        n.len[j] = c->len[i];
    }
    free(c->hash);
    free(c->pid);
    free(c->off);
    free(c->len);
    *c = n;
}

/* The cache slot of tuple t (its pid, or -1 where it would go). */
static size_t cache_find(const rp_cache *c, uint64_t h, const tarn_buf *t)
{
    size_t i = (size_t)h & (c->cap - 1);
    for (; c->pid[i] >= 0; i = (i + 1) & (c->cap - 1))
        if (c->hash[i] == h && c->len[i] == t->len &&
            memcmp(c->keys.data + c->off[i], t->data, t->len) == 0)
            break;
    return i;
}

static void cache_put(rp_cache *c, uint64_t h, const tarn_buf *t, int pid)
{
    if ((c->n + 1) * 2 > c->cap)
        cache_grow(c);
    size_t i = cache_find(c, h, t);
    c->hash[i] = h;
    c->pid[i] = pid;
    c->off[i] = (uint32_t)c->keys.len;
    c->len[i] = (uint32_t)t->len;
    tarn_buf_append(&c->keys, t->data, t->len);
    c->n++;
}

/* The key columns' bytes of row i. */
static void tuple_of(const rp_run *run, const tarn_batch *v, int64_t i, tarn_buf *t)
{
    tarn_buf_reset(t);
    for (int k = 0; k < run->nkeys; k++) {
        const tarn_column *c = &v->cols[run->keycol[k]];
        if (!tarn_column_is_valid(c, i)) {
            tarn_buf_putc(t, 0);
            continue;
        }
        tarn_buf_putc(t, 1);
        if (c->type.id == TARN_TYPE_STRING) {
            size_t n;
            const char *p = tarn_column_str(c, i, &n);
            uint32_t len = (uint32_t)n;
            tarn_buf_append(t, &len, sizeof len);
            tarn_buf_append(t, p, n);
        } else {
            size_t w = tarn_type_width(c->type.id);
            tarn_buf_append(t, (const char *)c->values + (size_t)i * w, w);
        }
    }
}

/* Row i's pid, through the slot's cache or the registry. */
static int row_pid(rp_run *run, rp_slot *s, const tarn_batch *v, int64_t i, tarn_error *err)
{
    tuple_of(run, v, i, &s->tuple);
    uint64_t h = tarn_hash64(s->tuple.data, s->tuple.len, 0);
    if (s->cache.cap) {
        size_t at = cache_find(&s->cache, h, &s->tuple);
        if (s->cache.pid[at] >= 0)
            return s->cache.pid[at];
    }
    int rc = folder_of(run, v, i, &s->folder, err);
    if (rc)
        return -rc;
    pthread_mutex_lock(&run->mu);
    int pid = registry_get(run, s->folder.data);
    pthread_mutex_unlock(&run->mu);
    if (pid < 0)
        return -tarn_error_set(err, TARN_ERR_LIMIT, "more than %d partitions",
                               PART_BLOCK * PART_BLOCKS_MAX);
    cache_put(&s->cache, h, &s->tuple, pid);
    return pid;
}

/* Group the batch's rows by pid, keeping their order within a group. */
static void group_rows(rp_slot *s, int64_t n)
{
    s->ngroups = 0;
    s->gen++;
    for (int64_t i = 0; i < n; i++) {
        int p = s->pid[i];
        if (p >= s->stamp_cap) {
            int cap = s->stamp_cap ? s->stamp_cap : 256;
            while (cap <= p)
                cap *= 2;
            s->stamp = tarn_xrealloc(s->stamp, (size_t)cap * sizeof *s->stamp);
            s->gidx = tarn_xrealloc(s->gidx, (size_t)cap * sizeof *s->gidx);
            memset(s->stamp + s->stamp_cap, 0, (size_t)(cap - s->stamp_cap) * sizeof *s->stamp);
            s->stamp_cap = cap;
        }
        if (s->stamp[p] != s->gen) {
            if (s->ngroups == s->groups_cap) {
                s->groups_cap = s->groups_cap ? 2 * s->groups_cap : 64;
                s->groups = tarn_xrealloc(s->groups, (size_t)s->groups_cap * sizeof *s->groups);
            }
            s->stamp[p] = s->gen;
            s->gidx[p] = s->ngroups;
            s->groups[s->ngroups++] = (rp_group){p, 0, 0};
        }
        s->groups[s->gidx[p]].count++;
    }
    for (int g = 0, at = 0; g < s->ngroups; g++) {
        s->groups[g].start = at;
        at += (int)s->groups[g].count;
        s->groups[g].count = 0;
    }
    for (int64_t i = 0; i < n; i++) {
        rp_group *g = &s->groups[s->gidx[s->pid[i]]];
        s->order[g->start + g->count++] = (uint32_t)i;
    }
}

static int work(void *ud, int piece, jobs_slot *js, tarn_error *err)
{
    rp_run *run = ud;
    rp_slot *s = js->work;
    jobs_conform_batch(&run->plans[run->piece_file[piece]], &js->raw, &s->cb, s->cast);
    const tarn_batch *v = &s->cb.view;
    if (v->nrows > s->rows_cap) {
        s->rows_cap = v->nrows;
        s->pid = tarn_xrealloc(s->pid, (size_t)v->nrows * sizeof *s->pid);
        s->order = tarn_xrealloc(s->order, (size_t)v->nrows * sizeof *s->order);
    }
    for (int64_t i = 0; i < v->nrows; i++) {
        int pid = row_pid(run, s, v, i, err);
        if (pid < 0)
            return -pid;
        s->pid[i] = pid;
    }
    group_rows(s, v->nrows);
    return TARN_OK;
}

static void *slot_new(void *ud)
{
    rp_run *run = ud;
    rp_slot *s = tarn_xcalloc(1, sizeof *s);
    s->cast = tarn_xcalloc((size_t)run->all.ncols + 1, sizeof *s->cast);
    tarn_buf_init(&s->tuple, 0);
    tarn_buf_init(&s->folder, 0);
    tarn_buf_init(&s->cache.keys, 0);
    return s;
}

static void slot_free(void *ud, void *w)
{
    rp_slot *s = w;
    if (!s)
        return;
    jobs_conform_buf_free(&s->cb);
    free(s->cache.hash);
    free(s->cache.pid);
    free(s->cache.off);
    free(s->cache.len);
    tarn_buf_free(&s->cache.keys);
    tarn_buf_free(&s->tuple);
    tarn_buf_free(&s->folder);
    free(s->cast);
    free(s->pid);
    free(s->order);
    free(s->groups);
    free(s->stamp);
    free(s->gidx);
    free(s);
}

static int piece_file(void *ud, int piece)
{
    return ((rp_run *)ud)->piece_file[piece];
}

static const tarn_schema *file_schema(void *ud, int file)
{
    return tarn_reader_schema(((rp_run *)ud)->readers[file]);
}

static int open_piece(void *ud, int piece, tarn_cursor **cur, tarn_error *err)
{
    rp_run *run = ud;
    return tarn_cursor_open(run->readers[run->piece_file[piece]], run->piece_split[piece], cur,
                            err);
}

/* ---- pending rows and the spill file (on the calling thread) ---- */

/* Bytes a batch's vectors hold. */
static int64_t batch_mem(const tarn_batch *b)
{
    int64_t m = 0;
    for (int c = 0; c < b->ncols; c++) {
        const tarn_column *col = &b->cols[c];
        m += col->capacity / 8 + 1;
        if (col->type.id == TARN_TYPE_STRING)
            m += (col->capacity + 1) * 8 + (int64_t)col->data_cap;
        else
            m += col->capacity * (int64_t)tarn_type_width(col->type.id);
    }
    return m;
}

static int spill_write(rp_run *run, const char *p, size_t n, tarn_error *err)
{
    while (n) {
        ssize_t k = write(run->spill_fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return tarn_error_errno(err, TARN_ERR_IO, errno,
                                    "cannot write the spill file (is the disk full?)");
        p += k;
        n -= (size_t)k;
        run->spill_size += k;
    }
    return TARN_OK;
}

/* Write a partition's pending rows to the spill file in blocks of at most
** about FRAGMENT_BYTES, and free them. */
static int spill_part(rp_run *run, rp_part *p, tarn_error *err)
{
    int64_t n = p->pending.nrows, total = jobs_batch_bytes(&p->pending, 0, n);
    int64_t per = total > FRAGMENT_BYTES ? n * FRAGMENT_BYTES / total : n;
    per = per < 1 ? 1 : per;
    int rc = TARN_OK;
    for (int64_t off = 0; !rc && off < n; off += per) {
        int64_t k = n - off < per ? n - off : per;
        tarn_buf_reset(&run->enc);
        jobs_batch_encode(&run->enc, &p->pending, off, k);
        if (p->nfrag == p->fragcap) {
            p->fragcap = p->fragcap ? 2 * p->fragcap : 8;
            p->frag_off = tarn_xrealloc(p->frag_off, (size_t)p->fragcap * sizeof *p->frag_off);
            p->frag_len = tarn_xrealloc(p->frag_len, (size_t)p->fragcap * sizeof *p->frag_len);
        }
        p->frag_off[p->nfrag] = run->spill_size;
        p->frag_len[p->nfrag++] = (int64_t)run->enc.len;
        rc = spill_write(run, run->enc.data, run->enc.len, err);
    }
    run->spilled_bytes += total;
    tarn_batch_free(&p->pending);
    p->ready = false;
    p->mem = 0;
    return rc;
}

static int spill_all(rp_run *run, tarn_error *err)
{
    int rc = TARN_OK;
    if (run->spill_fd < 0) {
        char *path = NULL;
        rc = tarn_object_staging_path(run->env->store, "repartition", &path, err);
        if (!rc) {
            run->spill_fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (run->spill_fd < 0)
                rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot create '%s'", path);
            else
                unlink(path);
        }
        free(path);
    }
    for (int pid = 0; !rc && pid < run->nparts; pid++) {
        rp_part *p = part_at(run, pid);
        if (p->ready && p->pending.nrows)
            rc = spill_part(run, p, err);
    }
    run->pending_mem = 0;
    return rc;
}

static int consume(void *ud, int piece, jobs_slot *js, tarn_error *err)
{
    rp_run *run = ud;
    rp_slot *s = js->work;
    const tarn_batch *v = &s->cb.view;
    for (int g = 0; g < s->ngroups; g++) {
        const rp_group *gr = &s->groups[g];
        rp_part *p = part_at(run, gr->pid);
        if (!p->ready) {
            tarn_batch_init(&p->pending, &run->data, 16);
            p->ready = true;
        }
        for (int c = 0; c < run->ndata; c++)
            jobs_column_gather(&p->pending.cols[c], &v->cols[run->datacol[c]],
                               s->order + gr->start, gr->count);
        p->pending.nrows += gr->count;
        run->data_bytes += jobs_batch_bytes(&p->pending, p->pending.nrows - gr->count, gr->count);
        int64_t mem = batch_mem(&p->pending);
        run->pending_mem += mem - p->mem;
        p->mem = mem;
    }
    run->rows += v->nrows;
    return run->pending_mem > run->spill_limit ? spill_all(run, err) : TARN_OK;
}

/* ---- writing the partitions ---- */

static int read_fragment(const rp_run *run, int64_t off, int64_t len, char **buf, size_t *cap,
                         tarn_error *err)
{
    if ((size_t)len > *cap) {
        free(*buf);
        *buf = tarn_xmalloc((size_t)len);
        *cap = (size_t)len;
    }
    for (int64_t done = 0; done < len;) {
        ssize_t k = pread(run->spill_fd, *buf + done, (size_t)(len - done), off + done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return tarn_error_errno(err, TARN_ERR_IO, k < 0 ? errno : EIO,
                                    "cannot read the spill file");
        done += k;
    }
    return TARN_OK;
}

/* Write one partition's spilled blocks, then its pending rows. */
static int write_rows(rp_run *run, rp_part *p, jobs_parts *parts, tarn_error *err)
{
    tarn_batch tmp;
    char *buf = NULL;
    size_t cap = 0;
    int rc = TARN_OK;
    if (p->nfrag)
        tarn_batch_init(&tmp, &run->data, 16);
    for (int f = 0; !rc && f < p->nfrag; f++) {
        rc = read_fragment(run, p->frag_off[f], p->frag_len[f], &buf, &cap, err);
        if (!rc) {
            tarn_batch_reset(&tmp);
            rc = jobs_batch_decode(&tmp, buf, (size_t)p->frag_len[f], err);
        }
        if (!rc)
            rc = jobs_parts_write(parts, &tmp, err);
    }
    if (p->nfrag)
        tarn_batch_free(&tmp);
    free(buf);
    if (!rc && p->ready && p->pending.nrows)
        rc = jobs_parts_write(parts, &p->pending, err);
    return rc;
}

static int write_part(rp_run *run, int pid, tarn_error *err)
{
    rp_part *p = part_at(run, pid);
    jobs_parts parts;
    jobs_parts_init(&parts, &run->out, p->folder, &run->data, run->a->codec, 1, false,
                    run->a->target_file_bytes);
    int rc = write_rows(run, p, &parts, err);
    if (p->ready) {
        tarn_batch_free(&p->pending);
        p->ready = false;
    }
    if (!rc)
        rc = jobs_parts_close(&parts, false, err);
    pthread_mutex_lock(&run->mu);
    if (!rc)
        rc = jobs_parts_stage(&parts, err);
    for (int c = 0; !rc && c < run->ndata; c++)
        run->nulls[c] += parts.nulls[c];
    if (!rc)
        run->files_written += parts.nfiles;
    pthread_mutex_unlock(&run->mu);
    jobs_parts_free(&parts);
    return rc;
}

static void *writer_main(void *arg)
{
    rp_run *run = arg;
    for (;;) {
        int pid = atomic_fetch_add(&run->next_write, 1);
        pthread_mutex_lock(&run->mu);
        bool stop = pid >= run->nparts || run->wrc;
        pthread_mutex_unlock(&run->mu);
        if (stop)
            break;
        tarn_error e = {0};
        int rc = write_part(run, pid, &e);
        if (rc) {
            pthread_mutex_lock(&run->mu);
            if (!run->wrc) {
                run->wrc = rc;
                run->werr = e;
            }
            pthread_mutex_unlock(&run->mu);
        }
    }
    return NULL;
}

/* Threads for writing: one per CPU, or up to IO_THREADS when partitions
** are small, as each file's write ends waiting for the disk (fsync). */
static int write_threads(const rp_run *run)
{
    int n = jobs_nthreads(run->env);
    int64_t per = run->nparts ? run->data_bytes / run->nparts : 0;
    if (per < SMALL_PARTITION && n < IO_THREADS)
        n = IO_THREADS;
    return n > run->nparts ? run->nparts : n;
}

static int write_all(rp_run *run, tarn_error *err)
{
    int n = write_threads(run);
    pthread_t *tid = tarn_xcalloc((size_t)n + 1, sizeof *tid);
    int started = 0;
    for (int i = 1; i < n; i++)
        if (pthread_create(&tid[started], NULL, writer_main, run) == 0)
            started++;
    writer_main(run);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    free(tid);
    if (run->wrc)
        *err = run->werr;
    return run->wrc;
}

/* ---- the job ---- */

static void report(rp_run *run, tarn_job_result *res)
{
    char b1[32], b2[32];
    res->files_in = run->nfiles;
    res->rows_in = res->rows_out = run->rows;
    res->bytes_in = run->srcs.bytes;
    res->partitions = run->nparts;
    res->ncols = run->ndata;
    res->cols = tarn_xcalloc((size_t)run->ndata + 1, sizeof *res->cols);
    for (int c = 0; c < run->ndata; c++) {
        res->cols[c].name = tarn_xstrdup(run->data.fields[c].name);
        res->cols[c].type = run->data.fields[c].type;
        res->cols[c].nulls = run->nulls[c];
    }
    tarn_buf keys;
    tarn_buf_init(&keys, 0);
    for (int k = 0; k < run->nkeys; k++)
        tarn_buf_appendf(&keys, "%s%s", k ? ", " : "", run->all.fields[run->keycol[k]].name);
    jobs_summary(res, "read %d file%s (%s): %lld rows", run->nfiles, run->nfiles == 1 ? "" : "s",
                 jobs_bytes_str(res->bytes_in, b1, sizeof b1), (long long)run->rows);
    jobs_summary(res, "wrote %lld partitions by %s in %lld Parquet files (%s) to s3://%s/%s",
                 (long long)run->nparts, keys.data, (long long)run->files_written,
                 jobs_bytes_str(res->bytes_out, b2, sizeof b2), run->out.target.bucket,
                 run->out.target.key);
    tarn_buf_free(&keys);
}

static int repartition_run(rp_run *run, tarn_job_result *res, tarn_error *err)
{
    tarn_uri src;
    int rc = jobs_output_open(&run->out, run->env, run->a->target_path, err);
    if (!rc)
        rc = jobs_prefix_parse("source_path", run->a->source_path, &src, err);
    if (!rc)
        rc = jobs_check_disjoint(&src, &run->out.target, err);
    if (!rc)
        rc = open_inputs(run, err);
    if (!rc)
        rc = plan_columns(run, err);
    if (rc)
        return rc;
    run->nulls = tarn_xcalloc((size_t)run->ndata + 1, sizeof *run->nulls);
    run->spill_limit = run->a->memory_budget_bytes * 2 / 5;
    jobs_pipe_ops ops = {
        .ud = run, .nparts = run->npieces, .nthreads = jobs_nthreads(run->env),
        .part_file = piece_file, .file_schema = file_schema, .open = open_piece,
        .slot_new = slot_new, .slot_free = slot_free, .work = work, .consume = consume,
    };
    rc = jobs_pipe_run(&ops, err);
    if (!rc)
        jobs_log(run->env, "bucketed %lld rows into %d partitions", (long long)run->rows,
                 run->nparts);
    if (!rc && run->spilled_bytes) {
        char b[32];
        jobs_log(run->env, "spilled %s of rows to disk to stay within the memory budget",
                 jobs_bytes_str(run->spilled_bytes, b, sizeof b));
    }
    if (!rc)
        rc = write_all(run, err);
    if (!rc)
        rc = jobs_output_commit(&run->out, res, err);
    if (!rc)
        report(run, res);
    return rc;
}

static void run_free(rp_run *run)
{
    for (int pid = 0; pid < run->nparts; pid++) {
        rp_part *p = part_at(run, pid);
        if (p->ready)
            tarn_batch_free(&p->pending);
        free(p->folder);
        free(p->frag_off);
        free(p->frag_len);
    }
    for (int b = 0; b < PART_BLOCKS_MAX && run->blocks[b]; b++)
        free(run->blocks[b]);
    for (int i = 0; i < run->nfiles && run->plans; i++)
        jobs_conform_free(&run->plans[i]);
    for (int i = 0; i < run->srcs.n && run->readers; i++)
        tarn_reader_close(run->readers[i]);
    free(run->readers);
    free(run->plans);
    free(run->keycol);
    free(run->datacol);
    free(run->piece_file);
    free(run->piece_split);
    free(run->map);
    free(run->nulls);
    tarn_buf_free(&run->enc);
    tarn_schema_free(&run->all);
    tarn_schema_free(&run->data);
    if (run->spill_fd >= 0)
        close(run->spill_fd);
    jobs_sources_free(&run->srcs);
    jobs_output_free(&run->out);
    pthread_mutex_destroy(&run->mu);
}

int tarn_job_repartition(const tarn_repartition_args *args, const tarn_job_env *env,
                         tarn_job_result *res, tarn_error *err)
{
    rp_run *run = tarn_xcalloc(1, sizeof *run);
    run->a = args;
    run->env = env;
    run->spill_fd = -1;
    pthread_mutex_init(&run->mu, NULL);
    tarn_schema_init(&run->all);
    tarn_schema_init(&run->data);
    tarn_buf_init(&run->enc, 0);
    jobs_log(env, "tarn.repartition: %s -> %s", args->source_path, args->target_path);
    int rc = repartition_run(run, res, err);
    if (rc)
        jobs_log(env, "tarn.repartition failed: %s", err->msg);
    else
        jobs_log(env, "%s", res->summary);
    run_free(run);
    free(run);
    return rc;
}
