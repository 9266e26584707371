/*
** pipe.c: the ordered parallel pipeline the clean and repartition jobs
** read their input through (interface in jobs_int.h).
**
** Workers claim parts in increasing order from a shared counter; each
** reads its part's batches into its own slots, runs `work` on each and
** queues it, then queues an end-of-part mark. The calling thread consumes
** part 0, then part 1, ..., popping from the queue of the worker that
** claimed the part. A worker finishes a part before claiming a later one
** and parts are claimed in order, so the front of the owner's queue always
** belongs to the part being consumed and nothing can wait in a cycle. A
** worker waits when all its slots are queued; the consumer hands a slot
** back after consuming it. The first error (from either side) stops
** everyone.
*/
#include "jobs/jobs_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PIPE_SLOTS 3
#define PIPE_QUEUE 16

typedef struct pipe_entry {
    jobs_slot *slot;       /* NULL: the end of part */
    int part;
} pipe_entry;

struct pipe;

typedef struct pipe_worker {
    struct pipe *p;
    pthread_t tid;
    bool started;
    jobs_slot slots[PIPE_SLOTS];
    jobs_slot *free_slots[PIPE_SLOTS];
    int nfree;
    pipe_entry q[PIPE_QUEUE];
    int qhead, qlen;
} pipe_worker;

typedef struct pipe {
    const jobs_pipe_ops *ops;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int next_part;
    int *owner;            /* per part: claiming worker, -1 before */
    bool stop;
    int rc;
    tarn_error err;
    pipe_worker *w;
    int nw;
} pipe;

/* Record the first failure and wake everyone. Call with mu held. */
static void fail_locked(pipe *p, int rc, const tarn_error *e)
{
    if (!p->rc) {
        p->rc = rc ? rc : TARN_ERR_INTERNAL;
        p->err = *e;
        p->err.code = p->rc;
    }
    p->stop = true;
    pthread_cond_broadcast(&p->cv);
}

static void fail(pipe *p, int rc, const tarn_error *e)
{
    pthread_mutex_lock(&p->mu);
    fail_locked(p, rc, e);
    pthread_mutex_unlock(&p->mu);
}

/* Queue an entry, waiting for room. False if the pipeline stopped. */
static bool push(pipe_worker *w, jobs_slot *s, int part)
{
    pipe *p = w->p;
    pthread_mutex_lock(&p->mu);
    while (!p->stop && w->qlen == PIPE_QUEUE)
        pthread_cond_wait(&p->cv, &p->mu);
    bool ok = !p->stop;
    if (ok) {
        w->q[(w->qhead + w->qlen++) % PIPE_QUEUE] = (pipe_entry){s, part};
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return ok;
}

/* A free slot whose raw batch fits the part's file, or NULL if stopped. */
static jobs_slot *take_slot(pipe_worker *w, int part)
{
    pipe *p = w->p;
    pthread_mutex_lock(&p->mu);
    while (!p->stop && w->nfree == 0)
        pthread_cond_wait(&p->cv, &p->mu);
    jobs_slot *s = p->stop ? NULL : w->free_slots[--w->nfree];
    pthread_mutex_unlock(&p->mu);
    if (!s)
        return NULL;
    int file = p->ops->part_file(p->ops->ud, part);
    if (s->raw_file != file) {
        if (s->raw_file >= 0)
            tarn_batch_free(&s->raw);
        tarn_batch_init(&s->raw, p->ops->file_schema(p->ops->ud, file), 0);
        s->raw_file = file;
    }
    return s;
}

static void give_back(pipe_worker *w, jobs_slot *s)
{
    pthread_mutex_lock(&w->p->mu);
    w->free_slots[w->nfree++] = s;
    pthread_cond_broadcast(&w->p->cv);
    pthread_mutex_unlock(&w->p->mu);
}

/* Read one part into the queue. */
static int run_part(pipe_worker *w, int part, tarn_error *e)
{
    const jobs_pipe_ops *ops = w->p->ops;
    tarn_cursor *cur = NULL;
    int rc = ops->open(ops->ud, part, &cur, e);
    while (!rc) {
        jobs_slot *s = take_slot(w, part);
        if (!s)
            break;
        int got = tarn_cursor_next(cur, &s->raw, e);
        if (got <= 0) {
            give_back(w, s);
            rc = got < 0 ? (e->code ? e->code : TARN_ERR_IO) : 0;
            break;
        }
        rc = ops->work(ops->ud, part, s, e);
        if (rc) {
            give_back(w, s);
            break;
        }
        if (!push(w, s, part))
            break;
    }
    if (cur)
        tarn_cursor_close(cur);
    return rc;
}

static void *worker_main(void *arg)
{
    pipe_worker *w = arg;
    pipe *p = w->p;
    int id = (int)(w - p->w);
    for (;;) {
        pthread_mutex_lock(&p->mu);
        int part = p->stop ? p->ops->nparts : p->next_part;
        if (part < p->ops->nparts) {
            p->next_part++;
            p->owner[part] = id;
            pthread_cond_broadcast(&p->cv);
        }
        pthread_mutex_unlock(&p->mu);
        if (part >= p->ops->nparts)
            break;
        tarn_error e = {0};
        int rc = run_part(w, part, &e);
        if (rc) {
            fail(p, rc, &e);
            break;
        }
        if (!push(w, NULL, part))
            break;
    }
    return NULL;
}

/* Consume part `part` from its owner's queue. */
static int consume_part(pipe *p, int part, tarn_error *err)
{
    const jobs_pipe_ops *ops = p->ops;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->stop && (p->owner[part] < 0 || p->w[p->owner[part]].qlen == 0))
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            return p->rc ? p->rc : TARN_ERR_INTERNAL;
        }
        pipe_worker *w = &p->w[p->owner[part]];
        pipe_entry e = w->q[w->qhead];
        w->qhead = (w->qhead + 1) % PIPE_QUEUE;
        w->qlen--;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (!e.slot)
            return TARN_OK;
        int rc = ops->consume(ops->ud, part, e.slot, err);
        give_back(w, e.slot);
        if (rc)
            return rc;
    }
}

static void pipe_free(pipe *p)
{
    for (int i = 0; i < p->nw; i++) {
        pipe_worker *w = &p->w[i];
        for (int k = 0; k < PIPE_SLOTS; k++) {
            if (w->slots[k].raw_file >= 0)
                tarn_batch_free(&w->slots[k].raw);
            if (p->ops->slot_free)
                p->ops->slot_free(p->ops->ud, w->slots[k].work);
        }
    }
    free(p->w);
    free(p->owner);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
}

/* One worker per thread (no more than parts), each with its free slots. */
static void make_workers(pipe *p)
{
    const jobs_pipe_ops *ops = p->ops;
    p->nw = ops->nthreads > 0 ? ops->nthreads : 1;
    if (p->nw > ops->nparts)
        p->nw = ops->nparts > 0 ? ops->nparts : 1;
    p->w = tarn_xcalloc((size_t)p->nw, sizeof *p->w);
    for (int i = 0; i < p->nw; i++) {
        pipe_worker *w = &p->w[i];
        w->p = p;
        for (int k = 0; k < PIPE_SLOTS; k++) {
            w->slots[k].raw_file = -1;
            w->slots[k].work = ops->slot_new ? ops->slot_new(ops->ud) : NULL;
            w->free_slots[w->nfree++] = &w->slots[k];
        }
    }
}

int jobs_pipe_run(const jobs_pipe_ops *ops, tarn_error *err)
{
    pipe p;
    memset(&p, 0, sizeof p);
    p.ops = ops;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    p.owner = tarn_xmalloc(sizeof *p.owner * (size_t)(ops->nparts + 1));
    for (int i = 0; i < ops->nparts; i++)
        p.owner[i] = -1;
    make_workers(&p);
    int started = 0;
    for (int i = 0; i < p.nw; i++)
        if (pthread_create(&p.w[i].tid, NULL, worker_main, &p.w[i]) == 0) {
            p.w[i].started = true;
            started++;
        }
    int rc = started ? TARN_OK : tarn_error_set(err, TARN_ERR_NOMEM, "cannot start worker threads");
    for (int part = 0; !rc && part < ops->nparts; part++)
        rc = consume_part(&p, part, err);
    pthread_mutex_lock(&p.mu);
    if (rc && !p.rc)
        fail_locked(&p, rc, err);
    p.stop = true;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    for (int i = 0; i < p.nw; i++)
        if (p.w[i].started)
            pthread_join(p.w[i].tid, NULL);
    if (p.rc) {
        rc = p.rc;
        *err = p.err;
    }
    pipe_free(&p);
    return rc;
}
