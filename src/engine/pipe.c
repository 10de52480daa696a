/* The sink thread (see pipe.h): a single-producer single-consumer
 * ring of fixed-size messages.  Each side publishes its index with release
 * order and reads the other's with acquire order -- the producer in batches
 * when reading a file, so the cores do not trade the index line for every
 * message; a side that finds the ring full or empty spins briefly, then
 * sleeps until the other side moves (spsc_wait.h). */
#include "pipe.h"
#include "spsc_wait.h"
#include "../conn.h"

#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define PIPE_SLOTS 1024u /* a power of two */
#define RENDER_BATCH 16u /* messages between index publications */
#define SPINS 256u       /* pause rounds before sleeping */
#define WAKE_EVERY 16u   /* batches before a sleeping side is woken */

enum { MSG_SEG, MSG_BAD, MSG_CONN, MSG_END };

struct msg {
    int kind;
    union {
        struct {
            struct ts_seg s;
            struct ts_event ev;
            bool has_ev;
            int dlt;
            const char *what; /* MSG_BAD: a string literal */
        } seg;
        struct {
            struct ts_conn c;
            enum ts_end_reason why;
        } conn;
    } u;
};

/* Each side's private fields, and each published index, on cache lines of
 * their own: a side that waits polls the other's published index, so no
 * field the other writes per message may share its line. */
struct trace_pipe {
    /* set before the thread starts, then only read */
    struct msg *ring;
    struct ts_sink *sink;
    unsigned batch;                   /* publish every `batch` messages */
    /* producer, private */
    _Alignas(64) size_t fill;         /* slots the producer filled (>= head) */
    size_t tail_seen;                 /* the consumer's tail, as last read */
    unsigned data_skipped;            /* spsc_notify's count for `data` */
    /* published by the producer */
    _Alignas(64) _Atomic size_t head; /* slots the producer published */
    /* consumer, private */
    _Alignas(64) size_t head_seen;    /* the producer's head, as last read */
    unsigned room_skipped;            /* spsc_notify's count for `room` */
    /* published by the consumer */
    _Alignas(64) _Atomic size_t tail; /* next slot the consumer renders */
    _Atomic bool broken;              /* a write failed on the render thread */
    _Alignas(64) struct spsc_event data; /* head moved */
    _Alignas(64) struct spsc_event room; /* tail moved */
    pthread_t tid;
};

static bool has_data(void *arg)
{
    struct trace_pipe *p = arg;
    size_t tail = atomic_load_explicit(&p->tail, memory_order_relaxed); /* ours */
    p->head_seen = atomic_load_explicit(&p->head, memory_order_acquire);
    return p->head_seen != tail;
}

static bool has_room(void *arg)
{
    struct trace_pipe *p = arg;
    p->tail_seen = atomic_load_explicit(&p->tail, memory_order_acquire);
    return p->fill - p->tail_seen < PIPE_SLOTS;
}

static void *render_main(void *arg)
{
    struct trace_pipe *p = arg;
    size_t tail = atomic_load_explicit(&p->tail, memory_order_relaxed);
    for (;;) {
        if (!has_data(p))
            spsc_wait(&p->data, has_data, p, SPINS);
        size_t head = p->head_seen;
        for (; tail != head; tail++) {
            const struct msg *m = &p->ring[tail & (PIPE_SLOTS - 1)];
            struct ts_frame f = {0};
            if (m->kind == MSG_SEG || m->kind == MSG_BAD) {
                f.t_ns = m->u.seg.s.t_ns;
                f.dlt = m->u.seg.dlt;
                f.caplen = m->u.seg.s.caplen;
                f.wirelen = m->u.seg.s.wirelen;
            }
            switch (m->kind) {
            case MSG_SEG:
                ts_sink_seg(p->sink, &f, &m->u.seg.s, m->u.seg.has_ev ? &m->u.seg.ev : NULL);
                break;
            case MSG_BAD:
                ts_sink_bad(p->sink, &f, &m->u.seg.s, m->u.seg.what);
                break;
            case MSG_CONN:
                ts_sink_conn(p->sink, &m->u.conn.c, m->u.conn.why);
                break;
            case MSG_END:
                atomic_store_explicit(&p->tail, tail + 1, memory_order_release);
                return NULL;
            }
            if (ts_sink_broken(p->sink))
                atomic_store_explicit(&p->broken, true, memory_order_relaxed);
            /* hand slots back in small batches, so the producer can refill
             * early without trading the line for every message */
            if ((tail + 1) % RENDER_BATCH == 0) {
                atomic_store_explicit(&p->tail, tail + 1, memory_order_release);
                spsc_notify(&p->room, &p->room_skipped, WAKE_EVERY);
            }
        }
        /* about to look for more, maybe to sleep: the producer must not be
         * left waiting for room */
        atomic_store_explicit(&p->tail, tail, memory_order_release);
        spsc_notify(&p->room, &p->room_skipped, 1);
    }
}

struct trace_pipe *trace_pipe_start(struct ts_sink *sink, bool batch)
{
    /* _Alignas(64) members: calloc promises only 16 */
    struct trace_pipe *p = aligned_alloc(64, sizeof *p);
    if (!p)
        return NULL;
    memset(p, 0, sizeof *p);
    p->ring = malloc(PIPE_SLOTS * sizeof *p->ring);
    if (!p->ring) {
        free(p);
        return NULL;
    }
    atomic_init(&p->head, 0);
    atomic_init(&p->tail, 0);
    atomic_init(&p->broken, false);
    atomic_init(&p->data.seq, 0);
    atomic_init(&p->data.waiters, 0);
    atomic_init(&p->room.seq, 0);
    atomic_init(&p->room.waiters, 0);
    p->batch = batch ? RENDER_BATCH : 1;
    p->sink = sink;
    if (pthread_create(&p->tid, NULL, render_main, p) != 0) {
        free(p->ring);
        free(p);
        return NULL;
    }
    return p;
}

/* The slot to fill next, once the consumer has freed it. */
static struct msg *slot(struct trace_pipe *p)
{
    if (p->fill - p->tail_seen >= PIPE_SLOTS) {
        /* full: what is filled must be visible before we wait for room */
        atomic_store_explicit(&p->head, p->fill, memory_order_release);
        spsc_notify(&p->data, &p->data_skipped, 1);
        if (!has_room(p))
            spsc_wait(&p->room, has_room, p, SPINS);
    }
    return &p->ring[p->fill & (PIPE_SLOTS - 1)];
}

static void publish(struct trace_pipe *p)
{
    if (++p->fill % p->batch == 0) {
        atomic_store_explicit(&p->head, p->fill, memory_order_release);
        spsc_notify(&p->data, &p->data_skipped, p->batch == 1 ? 1 : WAKE_EVERY);
    }
}

/* Only what rendering reads crosses to the other core: the segment up to
 * the options' items in use, and the raw option bytes only when an option
 * of another kind will print them. */
static void copy_seg(struct ts_seg *c, const struct ts_seg *s)
{
    memcpy(c, s, offsetof(struct ts_seg, opt.items) + s->opt.n * sizeof s->opt.items[0]);
    if (s->opt.present & TS_HAS_OTHER) {
        c->opt.raw_len = s->opt.raw_len;
        memcpy(c->opt.raw, s->opt.raw, s->opt.raw_len);
    } else {
        c->opt.raw_len = 0;
    }
    if (s->ntun)
        memcpy(c->tun, s->tun, s->ntun * sizeof s->tun[0]);
}

void trace_pipe_seg(struct trace_pipe *p, const struct ts_frame *f, const struct ts_seg *s,
                    const struct ts_event *ev)
{
    struct msg *m = slot(p);
    m->kind = MSG_SEG;
    copy_seg(&m->u.seg.s, s);
    m->u.seg.dlt = f->dlt;
    m->u.seg.has_ev = ev != NULL;
    if (ev) {
        m->u.seg.ev = *ev;
        m->u.seg.ev.conn = NULL; /* not valid on the other thread: conn_id is */
    }
    publish(p);
}

void trace_pipe_bad(struct trace_pipe *p, const struct ts_frame *f, const struct ts_seg *s,
                    const char *what)
{
    struct msg *m = slot(p);
    m->kind = MSG_BAD;
    copy_seg(&m->u.seg.s, s);
    m->u.seg.s.t_ns = f->t_ns;
    m->u.seg.dlt = f->dlt;
    m->u.seg.has_ev = false;
    m->u.seg.what = what;
    publish(p);
}

void trace_pipe_conn(struct trace_pipe *p, const struct ts_conn *c, enum ts_end_reason why)
{
    struct msg *m = slot(p);
    m->kind = MSG_CONN;
    m->u.conn.c = *c;
    m->u.conn.why = why;
    publish(p);
}

bool trace_pipe_broken(struct trace_pipe *p)
{
    return atomic_load_explicit(&p->broken, memory_order_relaxed);
}

void trace_pipe_finish(struct trace_pipe *p)
{
    if (!p)
        return;
    struct msg *m = slot(p);
    m->kind = MSG_END;
    p->fill++;
    atomic_store_explicit(&p->head, p->fill, memory_order_release);
    spsc_notify(&p->data, &p->data_skipped, 1);
    pthread_join(p->tid, NULL);
    free(p->ring);
    free(p);
}
