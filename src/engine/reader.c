/* The reader thread (see reader.h): a single-producer single-consumer
 * ring of decoded frames.  Each side publishes its index with release order
 * and reads the other's with acquire order, in batches, so the two cores do
 * not trade the index cache lines for every frame.  A side that finds the
 * ring full or empty spins briefly, then sleeps until the other side moves
 * (spsc_wait.h).
 *
 * Verdicts flow the other way through a second, smaller ring: the tracker
 * queues copies, the reader renders them whenever it publishes a batch of
 * frames, while it waits for room, and after the last frame until the
 * tracker says it is finished.  The reader waits on one event (`room`) for
 * both: the tracker moves it when it releases frames, when it cannot queue
 * a verdict, and when it finishes. */
#include "reader.h"
#include "spsc_wait.h"
#include "../conn.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 1024u /* a power of two */
#define BATCH 32u   /* frames between index publications */
#define SPINS 256u  /* pause rounds before sleeping */
/* Reading a file, either side may find the ring full or empty again and
 * again: the reader, faster than the tracker, waits for room; the tracker
 * waits for frames while the reader renders a burst of verdicts.  Each
 * spins longer before it sleeps (about as long as the tracker takes to free
 * a quarter of the ring), so the other, which is running then, seldom has
 * to make a system call to wake it (futex calls on the bench corpus: 3,300
 * -> 900).  A stream's tracker keeps the short spin: its next frame may be
 * long in coming. */
#define FILE_SPINS 8192u
#define WAKE_EVERY 8u /* batches before a sleeping side is woken */
#define VSLOTS 1024u   /* verdict ring: a power of two */

struct verdict {
    struct ts_conn c;
    enum ts_end_reason why;
};

/* Each side's private fields, and each published index, on cache lines of
 * their own: the reader spins on the tracker's published indices, so any
 * field the tracker writes per frame must not share their line. */
struct trace_reader {
    /* set before the thread starts, then only read */
    struct trace_frame *ring;
    struct verdict *vring;            /* NULL: the tracker runs the verdict sink */
    struct ts_sink *sink;
    struct ts_capture *cap;
    uint64_t count;
    volatile sig_atomic_t *stop;
    const struct ts_filter *inner;    /* --inner, or NULL */
    unsigned batch;                   /* publish every `batch` frames */
    bool verify;
    /* reader thread, private */
    _Alignas(64) size_t fill;         /* frames decoded (>= head) */
    size_t tail_seen;                 /* the tracker's tail, as last read */
    unsigned data_skipped;            /* spsc_notify's count for `data` */
    unsigned vroom_skipped;           /* spsc_notify's count for `vroom` */
    /* published by the reader thread */
    _Alignas(64) _Atomic size_t head; /* frames published */
    _Atomic bool done;                /* the reader has published its last frame */
    _Alignas(64) _Atomic size_t vtail; /* verdicts rendered */
    _Atomic bool broken;               /* writing a verdict failed */
    /* tracker, private */
    _Alignas(64) size_t take;         /* frames released (>= tail) */
    size_t head_seen;                 /* the reader's head, as last read */
    size_t vfill;                     /* verdicts queued (>= vhead) */
    size_t vpub;                      /* vhead as last published */
    size_t vtail_seen;                /* the reader's vtail, as last read */
    unsigned room_skipped;            /* spsc_notify's count for `room` */
    /* published by the tracker (the reader polls this line) */
    _Alignas(64) _Atomic size_t tail; /* frames released */
    _Atomic size_t vhead;             /* verdicts queued */
    _Atomic bool finished;            /* the tracker queued its last verdict */
    /* the three events, each waited on by one side and moved by the other */
    _Alignas(64) struct spsc_event data;  /* the reader moved head (or is done) */
    _Alignas(64) struct spsc_event room;  /* the tracker moved tail (or vhead, or finished) */
    _Alignas(64) struct spsc_event vroom; /* the reader moved vtail */
    int rc;
    char err[512];
    pthread_t tid;
};

/* every: 1 to wake a sleeping consumer now, else WAKE_EVERY */
static void publish_head(struct trace_reader *r, unsigned every)
{
    atomic_store_explicit(&r->head, r->fill, memory_order_release);
    spsc_notify(&r->data, &r->data_skipped, every);
}

/* reader: verdicts are queued that it has not rendered */
static bool verdicts_pending(struct trace_reader *r)
{
    return r->vring && atomic_load_explicit(&r->vhead, memory_order_acquire) !=
                           atomic_load_explicit(&r->vtail, memory_order_relaxed);
}

/* reader: render every queued verdict and hand their slots back */
static void render_verdicts(struct trace_reader *r)
{
    size_t head = atomic_load_explicit(&r->vhead, memory_order_acquire);
    size_t tail = atomic_load_explicit(&r->vtail, memory_order_relaxed); /* ours */
    if (head == tail)
        return;
    for (; tail != head; tail++) {
        const struct verdict *v = &r->vring[tail & (VSLOTS - 1)];
        ts_sink_conn(r->sink, &v->c, v->why);
    }
    atomic_store_explicit(&r->vtail, tail, memory_order_release);
    spsc_notify(&r->vroom, &r->vroom_skipped, 1);
    if (ts_sink_broken(r->sink))
        atomic_store_explicit(&r->broken, true, memory_order_relaxed);
}

/* producer: a slot is free, or we are stopping, or there are verdicts to
 * render meanwhile */
static bool has_room(void *arg)
{
    struct trace_reader *r = arg;
    r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
    return r->fill - r->tail_seen < SLOTS ||
           (r->stop && __atomic_load_n(r->stop, __ATOMIC_ACQUIRE)) || verdicts_pending(r);
}

/* reader, after the last frame: a verdict to render, or the tracker is done */
static bool has_verdict_or_finished(void *arg)
{
    struct trace_reader *r = arg;
    return atomic_load_explicit(&r->finished, memory_order_acquire) || verdicts_pending(r);
}

/* tracker: a verdict slot is free */
static bool has_vroom(void *arg)
{
    struct trace_reader *r = arg;
    r->vtail_seen = atomic_load_explicit(&r->vtail, memory_order_acquire);
    return r->vfill - r->vtail_seen < VSLOTS;
}

/* consumer: a frame is ready, or none will come */
static bool has_data(void *arg)
{
    struct trace_reader *r = arg;
    /* read done before head: a done reader's head is final */
    bool done = atomic_load_explicit(&r->done, memory_order_acquire);
    r->head_seen = atomic_load_explicit(&r->head, memory_order_acquire);
    return r->head_seen != r->take || done;
}

static void on_frame(void *user, int dlt, uint64_t t_ns, const uint8_t *pkt, uint32_t caplen,
                     uint32_t wirelen)
{
    struct trace_reader *r = user;
    if (r->fill - r->tail_seen >= SLOTS) {
        publish_head(r, 1);
        for (;;) {
            spsc_wait(&r->room, has_room, r, FILE_SPINS);
            render_verdicts(r);
            if (r->fill - r->tail_seen < SLOTS)
                break;
            if (r->stop && __atomic_load_n(r->stop, __ATOMIC_ACQUIRE))
                return; /* stopping: the consumer may take no more */
        }
    }
    struct trace_frame *f = &r->ring[r->fill & (SLOTS - 1)];
    f->st = ts_decode(dlt, pkt, caplen, wirelen, r->verify, &f->seg);
    /* --inner: a frame it rejects is dropped here, as if the BPF filter had
     * (the slot is not filled; the next frame decodes into it) */
    if (r->inner && (f->st != TS_DEC_TCP || !ts_filter_match(r->inner, &f->seg)))
        return;
    f->seg.t_ns = t_ns;
    f->dlt = dlt;
    if (++r->fill % r->batch == 0) {
        publish_head(r, r->batch == 1 ? 1 : WAKE_EVERY);
        if (r->vring)
            render_verdicts(r);
    }
}

static void *reader_main(void *arg)
{
    struct trace_reader *r = arg;
    r->rc = ts_capture_run(r->cap, r->count, r->stop, on_frame, r, r->err, sizeof r->err);
    atomic_store_explicit(&r->head, r->fill, memory_order_release);
    atomic_store_explicit(&r->done, true, memory_order_release);
    spsc_notify(&r->data, &r->data_skipped, 1);
    if (r->vring) {
        for (;;) {
            /* read finished before rendering: a finished tracker's vhead is final */
            bool fin = atomic_load_explicit(&r->finished, memory_order_acquire);
            render_verdicts(r);
            if (fin)
                break;
            spsc_wait(&r->room, has_verdict_or_finished, r, SPINS);
        }
    }
    return NULL;
}

struct trace_reader *trace_reader_start(struct ts_capture *cap, uint64_t count, bool verify,
                                        bool batch, volatile sig_atomic_t *stop,
                                        struct ts_sink *sink, const struct ts_filter *inner)
{
    struct trace_reader *r = aligned_alloc(64, sizeof *r);
    if (!r)
        return NULL;
    memset(r, 0, sizeof *r);
    r->ring = aligned_alloc(64, SLOTS * sizeof *r->ring);
    if (sink && batch) {
        r->vring = aligned_alloc(64, VSLOTS * sizeof *r->vring);
        r->sink = sink;
    }
    if (!r->ring || (sink && batch && !r->vring)) {
        free(r->ring);
        free(r->vring);
        free(r);
        return NULL;
    }
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    atomic_init(&r->done, false);
    atomic_init(&r->data.seq, 0);
    atomic_init(&r->data.waiters, 0);
    atomic_init(&r->room.seq, 0);
    atomic_init(&r->room.waiters, 0);
    atomic_init(&r->vhead, 0);
    atomic_init(&r->vtail, 0);
    atomic_init(&r->finished, false);
    atomic_init(&r->broken, false);
    atomic_init(&r->vroom.seq, 0);
    atomic_init(&r->vroom.waiters, 0);
    r->cap = cap;
    r->count = count;
    r->verify = verify;
    r->inner = inner;
    r->batch = batch ? BATCH : 1;
    r->stop = stop;
    if (pthread_create(&r->tid, NULL, reader_main, r) != 0) {
        free(r->ring);
        free(r->vring);
        free(r);
        return NULL;
    }
    return r;
}

/* tracker: let the reader see the verdicts queued so far (a store only
 * when there are new ones: the reader polls this line) */
static inline void publish_verdicts(struct trace_reader *r)
{
    if (r->vfill != r->vpub) {
        atomic_store_explicit(&r->vhead, r->vfill, memory_order_release);
        r->vpub = r->vfill;
    }
}

bool trace_reader_renders(const struct trace_reader *r)
{
    return r && r->vring;
}

bool trace_reader_broken(struct trace_reader *r)
{
    return atomic_load_explicit(&r->broken, memory_order_relaxed);
}

void trace_reader_conn(struct trace_reader *r, const struct ts_conn *c, enum ts_end_reason why)
{
    if (r->vfill - r->vtail_seen >= VSLOTS && !has_vroom(r)) {
        /* full: hand the reader all we have (frames too: it may be
         * waiting for room), wake it, and wait for it to render */
        publish_verdicts(r);
        atomic_store_explicit(&r->tail, r->take, memory_order_release);
        spsc_notify(&r->room, &r->room_skipped, 1);
        spsc_wait(&r->vroom, has_vroom, r, SPINS);
    }
    struct verdict *v = &r->vring[r->vfill & (VSLOTS - 1)];
    v->c = *c;
    v->why = why;
    r->vfill++;
}

unsigned trace_reader_wait(struct trace_reader *r)
{
    if (r->head_seen == r->take) {
        /* about to wait: let the reader have every released slot */
        publish_verdicts(r);
        atomic_store_explicit(&r->tail, r->take, memory_order_release);
        spsc_notify(&r->room, &r->room_skipped, 1);
        if (!has_data(r))
            spsc_wait(&r->data, has_data, r, r->batch > 1 ? FILE_SPINS : SPINS);
        if (r->head_seen == r->take)
            return 0; /* done, and everything was handed out */
    }
    return (unsigned)(r->head_seen - r->take);
}

struct trace_frame *trace_reader_at(struct trace_reader *r, unsigned i)
{
    return &r->ring[(r->take + i) & (SLOTS - 1)];
}

void trace_reader_release(struct trace_reader *r)
{
    if (++r->take % BATCH == 0) {
        publish_verdicts(r);
        atomic_store_explicit(&r->tail, r->take, memory_order_release);
        spsc_notify(&r->room, &r->room_skipped, WAKE_EVERY);
    }
}

int trace_reader_finish(struct trace_reader *r, char *err, size_t errlen)
{
    if (!r)
        return 0;
    publish_verdicts(r);
    atomic_store_explicit(&r->finished, true, memory_order_release);
    spsc_notify(&r->room, &r->room_skipped, 1);
    pthread_join(r->tid, NULL);
    int rc = r->rc;
    if (rc < 0 && errlen) {
        strncpy(err, r->err, errlen - 1);
        err[errlen - 1] = '\0';
    }
    free(r->ring);
    free(r->vring);
    free(r);
    return rc;
}
