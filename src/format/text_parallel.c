/*
** text_parallel.c: a whole reader written out as CSV or JSON lines, with
** the reading and the formatting spread over worker threads and the text
** written in file order by the calling thread (format.h,
** tarn_text_write_reader). `file cat` and `file convert` to text use it.
**
** The work is cut in batches. A worker takes a free slot (a batch and a
** text buffer), reads the next batch of a split through that split's
** cursor, lets go of the split so that another worker may read the batch
** after it, and formats its batch into the slot's buffer. The caller's
** thread waits for the slot holding the next batch in file order (split,
** then batch within the split), writes its text and frees the slot.
**
** Memory stays bounded by the number of slots (two per worker). Workers
** read the lowest split whose cursor is free, so they share the split
** being written while reading it is not the bottleneck, and move to later
** splits when it is (many threads, or a format that is slow to read).
** Later splits may hold at most nslots - nthreads slots, so the split being
** written always finds slots for every worker and the output keeps moving.
**
** Errors keep file order: a failure in batch k of split s is reported once
** everything before it has been written, exactly as a sequential read
** would have met it.
*/
#include "format/text_format.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SLOTS_PER_THREAD 2
#define MAX_THREADS 64

enum slot_state { SLOT_FREE, SLOT_BUSY, SLOT_DONE };
enum split_state { SPLIT_NEW, SPLIT_IDLE, SPLIT_BUSY, SPLIT_END };

typedef struct tp_slot {
    enum slot_state state;
    int split;
    int64_t seq;         /* batch number within the split */
    int64_t rows;
    tarn_batch batch;
    tarn_buf text;
} tp_slot;

typedef struct tp_split {
    enum split_state state;
    tarn_cursor *cur;
    int64_t nbatches;    /* batches taken; final once SPLIT_END */
} tp_split;

typedef struct tp_job {
    tarn_reader *r;
    tarn_text_fmt fmt;
    pthread_mutex_t lock;
    pthread_cond_t work;     /* workers: a slot or a split came free */
    pthread_cond_t ready;    /* writer: a slot is done or a split ended */
    int nthreads, nslots, nfree;
    tp_slot *slots;
    int nsplits;
    tp_split *splits;
    int wsplit;              /* the writer's position: split ... */
    int64_t wseq;            /* ... and batch within it */
    bool stop;               /* the writer has finished or given up */
    int fail_rc;             /* first read failure in file order, if any */
    int fail_split;
    int64_t fail_seq;
    tarn_error fail_err;
} tp_job;

/* Is (split, seq) before the failure recorded so far? (Caller locks.) */
static bool before_failure(const tp_job *j, int split, int64_t seq)
{
    return !j->fail_rc || split < j->fail_split ||
           (split == j->fail_split && seq < j->fail_seq);
}

/* The split a worker should read next, or -1 when none may be read now.
** (Caller locks.) */
static int pick_split(const tp_job *j)
{
    if (j->nfree == 0)
        return -1;
    for (int s = j->wsplit; s < j->nsplits; s++) {
        if (!before_failure(j, s, j->splits[s].nbatches))
            return -1;
        enum split_state st = j->splits[s].state;
        if (st != SPLIT_NEW && st != SPLIT_IDLE)
            continue;
        if (s != j->wsplit && j->nfree <= j->nthreads)
            return -1; /* keep slots for the split being written */
        return s;
    }
    return -1;
}

/* Are there splits left that some worker may still read? (Caller locks.) */
static bool work_left(const tp_job *j)
{
    for (int s = j->wsplit; s < j->nsplits; s++) {
        if (!before_failure(j, s, j->splits[s].nbatches))
            return false;
        if (j->splits[s].state != SPLIT_END)
            return true;
    }
    return false;
}

static tp_slot *take_slot(tp_job *j)
{
    for (int i = 0; i < j->nslots; i++) {
        if (j->slots[i].state == SLOT_FREE) {
            j->slots[i].state = SLOT_BUSY;
            j->nfree--;
            return &j->slots[i];
        }
    }
    return NULL; /* not reached: callers check nfree */
}

static void free_slot(tp_job *j, tp_slot *sl)
{
    sl->state = SLOT_FREE;
    j->nfree++;
}

/* Record a read failure at (split, seq) if it comes before any other.
** (Caller locks.) */
static void record_failure(tp_job *j, int split, int64_t seq, int rc, const tarn_error *e)
{
    if (!before_failure(j, split, seq))
        return;
    j->fail_rc = rc ? rc : TARN_ERR_INTERNAL;
    j->fail_split = split;
    j->fail_seq = seq;
    j->fail_err = *e;
}

/* Read batch seq of split s into sl (lock not held). Returns 1 with
** rows, 0 at the split's end, or a negative status with e filled. */
static int read_batch(tp_job *j, int s, tp_slot *sl, tarn_error *e)
{
    tp_split *sp = &j->splits[s];
    if (!sp->cur) {
        int rc = tarn_cursor_open(j->r, s, &sp->cur, e);
        if (rc)
            return -rc;
    }
    return tarn_cursor_next(sp->cur, &sl->batch, e);
}

/* One batch of work: read the next batch of split s, format it. Called
** with the lock held; returns with it held. */
static void do_batch(tp_job *j, int s)
{
    tp_split *sp = &j->splits[s];
    tp_slot *sl = take_slot(j);
    int64_t seq = sp->nbatches++;
    sp->state = SPLIT_BUSY;
    pthread_mutex_unlock(&j->lock);
    tarn_error e = {0};
    int got = read_batch(j, s, sl, &e);
    tarn_cursor *done_cur = NULL;
    pthread_mutex_lock(&j->lock);
    if (got == 1) {
        sp->state = SPLIT_IDLE;
        pthread_cond_broadcast(&j->work);
        pthread_mutex_unlock(&j->lock);
        tarn_buf_reset(&sl->text);
        tarn_text_fmt_rows(&j->fmt, &sl->batch, 0, &sl->text, SIZE_MAX);
        pthread_mutex_lock(&j->lock);
        sl->split = s, sl->seq = seq, sl->rows = sl->batch.nrows;
        sl->state = SLOT_DONE;
    } else {
        if (got < 0)
            record_failure(j, s, seq, -got, &e);
        sp->nbatches--; /* seq held no batch */
        sp->state = SPLIT_END;
        done_cur = sp->cur;
        sp->cur = NULL;
        free_slot(j, sl);
        pthread_cond_broadcast(&j->work);
    }
    pthread_cond_signal(&j->ready);
    if (done_cur) {
        pthread_mutex_unlock(&j->lock);
        tarn_cursor_close(done_cur);
        pthread_mutex_lock(&j->lock);
    }
}

static void *worker(void *arg)
{
    tp_job *j = arg;
    pthread_mutex_lock(&j->lock);
    while (!j->stop) {
        int s = pick_split(j);
        if (s >= 0)
            do_batch(j, s);
        else if (!work_left(j))
            break;
        else
            pthread_cond_wait(&j->work, &j->lock);
    }
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

/* Write all n bytes of p to fd. */
static int write_all(int fd, const char *p, size_t n, tarn_error *err)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return tarn_error_errno(err, TARN_ERR_IO, errno, "cannot write output");
        p += k;
        n -= (size_t)k;
    }
    return TARN_OK;
}

/* The slot holding the writer's next batch, or NULL. (Caller locks.) */
static tp_slot *next_done(tp_job *j)
{
    for (int i = 0; i < j->nslots; i++) {
        tp_slot *sl = &j->slots[i];
        if (sl->state == SLOT_DONE && sl->split == j->wsplit && sl->seq == j->wseq)
            return sl;
    }
    return NULL;
}

/* The caller's side: write the batches in order as they are done. */
static int write_in_order(tp_job *j, int fd, int64_t *rows, tarn_error *err)
{
    int rc = TARN_OK;
    pthread_mutex_lock(&j->lock);
    while (j->wsplit < j->nsplits) {
        if (j->fail_rc && j->wsplit == j->fail_split && j->wseq == j->fail_seq) {
            rc = j->fail_rc;
            *err = j->fail_err;
            break;
        }
        tp_slot *sl = next_done(j);
        tp_split *sp = &j->splits[j->wsplit];
        if (sl) {
            pthread_mutex_unlock(&j->lock);
            rc = write_all(fd, sl->text.data, sl->text.len, err);
            pthread_mutex_lock(&j->lock);
            if (rc)
                break;
            *rows += sl->rows;
            free_slot(j, sl);
            j->wseq++;
        } else if (sp->state == SPLIT_END && j->wseq == sp->nbatches) {
            j->wsplit++;
            j->wseq = 0;
        } else {
            pthread_cond_wait(&j->ready, &j->lock);
            continue;
        }
        pthread_cond_broadcast(&j->work);
    }
    j->stop = true;
    pthread_cond_broadcast(&j->work);
    pthread_mutex_unlock(&j->lock);
    return rc;
}

static void job_free(tp_job *j)
{
    for (int i = 0; i < j->nslots; i++) {
        tarn_batch_free(&j->slots[i].batch);
        tarn_buf_free(&j->slots[i].text);
    }
    for (int s = 0; s < j->nsplits; s++)
        tarn_cursor_close(j->splits[s].cur);
    free(j->slots);
    free(j->splits);
    tarn_text_fmt_free(&j->fmt);
    pthread_mutex_destroy(&j->lock);
    pthread_cond_destroy(&j->work);
    pthread_cond_destroy(&j->ready);
}

/* Set up the slots and splits for nthreads workers over r. */
static void job_init(tp_job *j, tarn_reader *r, int nthreads)
{
    j->r = r;
    j->nthreads = nthreads;
    j->nslots = j->nfree = SLOTS_PER_THREAD * nthreads;
    j->slots = tarn_xcalloc((size_t)j->nslots, sizeof *j->slots);
    for (int i = 0; i < j->nslots; i++) {
        tarn_batch_init(&j->slots[i].batch, tarn_reader_schema(r), 0);
        tarn_buf_init(&j->slots[i].text, 0);
    }
    j->nsplits = tarn_reader_split_count(r);
    j->splits = tarn_xcalloc((size_t)(j->nsplits ? j->nsplits : 1), sizeof *j->splits);
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->work, NULL);
    pthread_cond_init(&j->ready, NULL);
}

/* Start the workers, write, join. */
static int run_parallel(tp_job *j, int fd, int64_t *rows, tarn_error *err)
{
    pthread_t tid[MAX_THREADS];
    int started = 0;
    pthread_mutex_lock(&j->lock); /* the workers wait until nthreads is final */
    for (; started < j->nthreads; started++)
        if (pthread_create(&tid[started], NULL, worker, j) != 0)
            break;
    j->nthreads = started; /* fewer workers than asked still finish the job */
    pthread_mutex_unlock(&j->lock);
    if (started == 0)
        return tarn_error_set(err, TARN_ERR_NOMEM, "cannot start a worker thread");
    int rc = write_in_order(j, fd, rows, err);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    return rc;
}

/* With a row limit: read in order on this thread and stop at the limit. */
static int write_limited(tarn_reader *r, const tarn_text_fmt *f, tarn_buf *out, int fd,
                         int64_t limit, int64_t *rows, tarn_error *err)
{
    tarn_batch b;
    tarn_batch_init(&b, tarn_reader_schema(r), 0);
    int got = 0, rc = TARN_OK;
    while (!rc && *rows < limit && (got = tarn_reader_next(r, &b, err)) == 1) {
        if (b.nrows > limit - *rows)
            b.nrows = limit - *rows; /* the formatter stops at nrows */
        tarn_text_fmt_rows(f, &b, 0, out, SIZE_MAX);
        *rows += b.nrows;
        rc = write_all(fd, out->data, out->len, err);
        tarn_buf_reset(out);
    }
    tarn_batch_free(&b);
    if (got < 0 && !rc)
        rc = err->code ? err->code : TARN_ERR_INTERNAL;
    return rc;
}

void tarn_text_options_init(tarn_text_options *o)
{
    memset(o, 0, sizeof *o);
    o->kind = TARN_FORMAT_CSV;
    o->header = true;
    o->limit = -1;
}

int tarn_text_write_reader(tarn_reader *r, int fd, const tarn_text_options *o, int64_t *rows,
                           tarn_error *err)
{
    int64_t n = 0;
    tp_job j = {0};
    int rc = tarn_text_fmt_init(&j.fmt, o->kind, tarn_reader_schema(r), err);
    if (rc) {
        tarn_text_fmt_free(&j.fmt);
        return rc;
    }
    tarn_buf head;
    tarn_buf_init(&head, 0);
    if (o->header)
        tarn_text_fmt_header(&j.fmt, tarn_reader_schema(r), &head);
    rc = write_all(fd, head.data, head.len, err);
    tarn_buf_reset(&head);
    if (!rc && o->limit >= 0) {
        rc = write_limited(r, &j.fmt, &head, fd, o->limit, &n, err);
        tarn_text_fmt_free(&j.fmt);
    } else if (!rc) {
        int nt = o->nthreads > 0 ? o->nthreads : tarn_cpu_count();
        job_init(&j, r, nt < MAX_THREADS ? nt : MAX_THREADS);
        rc = run_parallel(&j, fd, &n, err);
        job_free(&j);
    } else {
        tarn_text_fmt_free(&j.fmt);
    }
    tarn_buf_free(&head);
    if (rows)
        *rows = n;
    return rc;
}
