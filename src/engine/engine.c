/* The engine (engine.h): capture -> decode -> track -> sinks.
 *
 * Frames are decoded into a small ring and tracked a few frames later, so
 * the tracker can prefetch each connection while earlier ones are
 * processed (the connection table is far larger than the cache).  Order is
 * kept.  A live capture and a stream use depth 0, so every line appears as
 * its segment arrives, and so does a sink that reads the frame's bytes:
 * libpcap's buffer holds them only while on_frame runs.
 *
 * With a second thread, one of two things runs on it: the sink that may
 * (TS_SINK_THREAD, the text lines: pipe.c), or else reading and decoding
 * (reader.c), which then also runs a verdict-only sink. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcpshake/decode.h"
#include "tcpshake/engine.h"
#include "pipe.h"
#include "reader.h"

#define RING 8
#define PREFETCH_CONN_AHEAD 4
#define SLOT_AHEAD 24 /* reader thread: slots fetched from the other core */

enum where { IN_PLACE, ON_PIPE, ON_READER };

struct slot {
    struct ts_seg seg;
    enum ts_decode_status st;
    int dlt;
    const uint8_t *pkt; /* the frame: valid only within on_frame (depth 0) */
    uint32_t caplen, wirelen;
};

/* The sinks that take one kind of event, in order. */
struct route {
    size_t n;
    struct ts_sink **k;
    enum where *at;
};

struct ts_engine {
    struct ts_tracker *tracker;
    struct ts_sink **sinks;
    size_t nsinks;
    bool bytes;               /* a sink reads the frames' bytes */
    bool verify;
    const struct ts_filter *inner;
    uint64_t count;
    unsigned threads;
    /* per run */
    struct route seg, bad, other, conn;
    struct route outs; /* the TS_SINK_STDOUT sinks: one broken stops the run */
    struct trace_pipe *pipe;     /* a sink on a second thread */
    struct trace_reader *reader; /* reading and decoding on a second thread */
    volatile sig_atomic_t *stop;
    volatile sig_atomic_t own_stop;
    unsigned depth; /* frames held back: 0 (live, stream, bytes) .. RING */
    uint64_t frames, tcp, nbad, conns;
    uint64_t head, tail; /* ring: frames decoded, frames processed */
    struct slot ring[RING];
};

static int build_routes(struct ts_engine *e, struct ts_sink *piped, struct ts_sink *on_reader);

void ts_engine_cfg_default(struct ts_engine_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    ts_track_cfg_default(&cfg->track);
    cfg->verify = true;
}

static void on_end(void *user, const struct ts_conn *c, enum ts_end_reason why)
{
    struct ts_engine *e = user;
    e->conns++;
    for (size_t i = 0; i < e->conn.n; i++) {
        switch (e->conn.at[i]) {
        case IN_PLACE: ts_sink_conn(e->conn.k[i], c, why); break;
        case ON_PIPE: trace_pipe_conn(e->pipe, c, why); break;
        case ON_READER: trace_reader_conn(e->reader, c, why); break;
        }
    }
}

static void free_routes(struct ts_engine *e)
{
    struct route *r[] = {&e->seg, &e->bad, &e->other, &e->conn, &e->outs};
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
        free(r[i]->k);
        free(r[i]->at);
        r[i]->k = NULL;
        r[i]->at = NULL;
        r[i]->n = 0;
    }
}

void ts_engine_free(struct ts_engine *e)
{
    if (!e)
        return;
    ts_tracker_free(e->tracker);
    for (size_t i = 0; i < e->nsinks; i++)
        ts_sink_free(e->sinks[i]);
    free(e->sinks);
    free_routes(e);
    free(e);
}

struct ts_engine *ts_engine_new(const struct ts_engine_cfg *cfg, struct ts_sink *const *sinks,
                                size_t n, char *err, size_t errlen)
{
    /* A sink constructor returns NULL when out of memory; the example in
     * engine.h hands its result over unchecked.  Refused here, so no sink
     * pointer the engine holds is ever NULL. */
    for (size_t i = 0; i < n; i++) {
        if (!sinks[i]) {
            snprintf(err, errlen, "sink %zu of %zu is NULL (out of memory?)", i + 1, n);
            for (size_t j = 0; j < n; j++)
                ts_sink_free(sinks[j]);
            return NULL;
        }
    }
    struct ts_engine *e = calloc(1, sizeof *e);
    if (e)
        e->sinks = calloc(n ? n : 1, sizeof *e->sinks);
    if (!e || !e->sinks) {
        snprintf(err, errlen, "out of memory");
        for (size_t i = 0; i < n; i++)
            ts_sink_free(sinks[i]);
        if (e)
            free(e->sinks);
        free(e);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        e->sinks[i] = sinks[i];
        if (sinks[i]->flags & TS_SINK_BYTES)
            e->bytes = true;
    }
    e->nsinks = n;
    e->verify = cfg->verify;
    e->inner = cfg->inner;
    e->count = cfg->count;
    e->threads = cfg->threads;
    struct ts_track_cfg tcfg = cfg->track;
    tcfg.on_end = on_end;
    tcfg.user = e;
    /* every sink on the caller's thread until a run decides otherwise */
    if (!(e->tracker = ts_tracker_new(&tcfg, err, errlen)) || build_routes(e, NULL, NULL) < 0) {
        if (e->tracker)
            snprintf(err, errlen, "out of memory");
        ts_engine_free(e);
        return NULL;
    }
    return e;
}

/* ---- the frame path ------------------------------------------------------- */

static void process_frame(struct ts_engine *e, struct ts_seg *s, enum ts_decode_status st,
                          int dlt, const uint8_t *pkt)
{
    struct ts_frame f = {.t_ns = s->t_ns, .dlt = dlt, .pkt = pkt,
                         .caplen = s->caplen, .wirelen = s->wirelen};
    if (st == TS_DEC_TCP) {
        struct ts_event ev;
        e->tcp++;
        ts_track(e->tracker, s, &ev);
        const struct ts_event *ep = ev.conn ? &ev : NULL;
        for (size_t i = 0; i < e->seg.n; i++) {
            if (e->seg.at[i] == IN_PLACE)
                ts_sink_seg(e->seg.k[i], &f, s, ep);
            else
                trace_pipe_seg(e->pipe, &f, s, ep);
        }
        return;
    }
    ts_tracker_expire(e->tracker, s->t_ns);
    if (st == TS_DEC_BAD || (st == TS_DEC_NOT_TCP && (s->anomalies & TS_AN_FRAG))) {
        const char *what = st == TS_DEC_BAD ? "malformed" : "ip fragment, not first";
        e->nbad++;
        for (size_t i = 0; i < e->bad.n; i++) {
            if (e->bad.at[i] == IN_PLACE)
                ts_sink_bad(e->bad.k[i], &f, s, what);
            else
                trace_pipe_bad(e->pipe, &f, s, what);
        }
        return;
    }
    for (size_t i = 0; i < e->other.n; i++)
        ts_sink_other(e->other.k[i], &f, s);
}

static void process(struct ts_engine *e, struct slot *sl)
{
    process_frame(e, &sl->seg, sl->st, sl->dlt, sl->pkt);
}

/* Nobody reads an output stream any more (EPIPE: the lines, or `-w -`'s
 * pcapng) or it cannot be written: stop reading the capture instead of
 * tracing the rest of it for nothing. */
static void stop_if_output_broken(struct ts_engine *e)
{
    for (size_t i = 0; i < e->outs.n; i++) {
        /* while another thread runs the sink, only its atomic flag may be read */
        bool broken = e->outs.at[i] == ON_PIPE     ? trace_pipe_broken(e->pipe)
                      : e->outs.at[i] == ON_READER ? trace_reader_broken(e->reader)
                                                   : ts_sink_broken(e->outs.k[i]);
        if (broken) {
            __atomic_store_n(e->stop, 1, __ATOMIC_RELEASE);
            return;
        }
    }
}

/* A file or stream whose reading was stopped (a signal, or nobody reads the
 * lines) was not read to its end: its open connections' verdicts say so.
 * A live capture ends only that way; its verdicts say "end". */
static enum ts_end_reason end_why(const struct ts_engine *e, enum ts_capture_kind kind)
{
    return kind != TS_CAPTURE_LIVE && __atomic_load_n(e->stop, __ATOMIC_ACQUIRE)
               ? TS_END_INTERRUPTED
               : TS_END_FLUSH;
}

static void drain(struct ts_engine *e)
{
    while (e->tail < e->head)
        process(e, &e->ring[e->tail++ % RING]);
}

/* Live: a connection whose TIME_WAIT or idle time ran out gets its verdict
 * when it runs out, not when the next packet happens to come (the tracker's
 * clock is the capture's, which live is the wall clock). */
static void on_tick(void *user, uint64_t now_ns)
{
    struct ts_engine *e = user;
    drain(e);
    ts_tracker_expire(e->tracker, now_ns);
    for (size_t i = 0; i < e->nsinks; i++)
        ts_sink_flush(e->sinks[i]);
    stop_if_output_broken(e);
}

static void on_frame(void *user, int dlt, uint64_t t_ns, const uint8_t *pkt,
                     uint32_t caplen, uint32_t wirelen)
{
    struct ts_engine *e = user;
    if (e->head - e->tail == RING)
        process(e, &e->ring[e->tail++ % RING]);
    struct slot *sl = &e->ring[e->head % RING];
    sl->st = ts_decode(dlt, pkt, caplen, wirelen, e->verify, &sl->seg);
    /* inner filter: a frame it rejects goes no further, as if the BPF
     * filter had (the slot is not taken; the next frame decodes into it) */
    if (e->inner && (sl->st != TS_DEC_TCP || !ts_filter_match(e->inner, &sl->seg)))
        return;
    e->frames++;
    if ((e->frames & 1023) == 0)
        stop_if_output_broken(e);
    sl->seg.t_ns = t_ns;
    sl->dlt = dlt;
    sl->pkt = e->depth == 0 ? pkt : NULL;
    e->head++;
    if (sl->st == TS_DEC_TCP)
        ts_track_prefetch(e->tracker, &sl->seg, 0);
    if (e->depth == 0) {
        drain(e);
        return;
    }
    if (e->head - e->tail > PREFETCH_CONN_AHEAD) {
        struct slot *p = &e->ring[(e->head - 1 - PREFETCH_CONN_AHEAD) % RING];
        if (p->st == TS_DEC_TCP)
            ts_track_prefetch(e->tracker, &p->seg, 1);
    }
    if (e->head - e->tail >= e->depth)
        process(e, &e->ring[e->tail++ % RING]);
}

/* With the reader thread: frames arrive decoded; track them in order,
 * prefetching the connections of those behind. */
static void consume(struct ts_engine *e, struct trace_reader *rd)
{
    unsigned n;
    while ((n = trace_reader_wait(rd)) > 0) {
        for (; n > 0; n--) {
            struct trace_frame *f;
            if (n > SLOT_AHEAD) {
                /* the slot was written on the other core: start moving its
                 * hot lines (all but the options) here */
                const char *p = (const char *)trace_reader_at(rd, SLOT_AHEAD);
                __builtin_prefetch(p);
                __builtin_prefetch(p + 64);
            }
            if (n > RING) {
                f = trace_reader_at(rd, RING);
                if (f->st == TS_DEC_TCP)
                    ts_track_prefetch(e->tracker, &f->seg, 0);
            }
            if (n > PREFETCH_CONN_AHEAD) {
                f = trace_reader_at(rd, PREFETCH_CONN_AHEAD);
                if (f->st == TS_DEC_TCP)
                    ts_track_prefetch(e->tracker, &f->seg, 1);
            }
            f = trace_reader_at(rd, 0);
            if ((++e->frames & 1023) == 0)
                stop_if_output_broken(e);
            process_frame(e, &f->seg, f->st, f->dlt, NULL);
            trace_reader_release(rd);
        }
    }
}

/* ---- where each sink runs -------------------------------------------------- */

static int route_add(struct route *r, struct ts_sink *k, enum where at)
{
    struct ts_sink **nk = realloc(r->k, (r->n + 1) * sizeof *nk);
    if (!nk)
        return -1;
    r->k = nk;
    enum where *na = realloc(r->at, (r->n + 1) * sizeof *na);
    if (!na)
        return -1;
    r->at = na;
    r->k[r->n] = k;
    r->at[r->n++] = at;
    return 0;
}

static int build_routes(struct ts_engine *e, struct ts_sink *piped, struct ts_sink *on_reader)
{
    free_routes(e);
    for (size_t i = 0; i < e->nsinks; i++) {
        struct ts_sink *k = e->sinks[i];
        assert(k != NULL); /* ts_engine_new refused NULL sinks */
        enum where at = k == piped ? ON_PIPE : k == on_reader ? ON_READER : IN_PLACE;
        if (((k->flags & TS_SINK_STDOUT) && route_add(&e->outs, k, at) < 0) ||
            (k->ops->seg && route_add(&e->seg, k, at) < 0) ||
            (k->ops->bad && route_add(&e->bad, k, at) < 0) ||
            (k->ops->other && route_add(&e->other, k, at) < 0) ||
            (k->ops->conn && route_add(&e->conn, k, at) < 0))
            return -1;
    }
    return 0;
}

int ts_engine_run(struct ts_engine *e, struct ts_capture *cap, volatile sig_atomic_t *stop,
                  char *err, size_t errlen)
{
    e->stop = stop ? stop : &e->own_stop;
    enum ts_capture_kind kind = ts_capture_kind(cap);
    bool regular = kind == TS_CAPTURE_FILE;
    bool two = e->threads == 2 || (e->threads == 0 && sysconf(_SC_NPROCESSORS_ONLN) > 1);
    /* A regular file is read ahead (frames tracked a few behind, so their
     * connections can be prefetched); live capture, a stream (the next
     * frame may be long in coming) and a sink reading the bytes are
     * handled frame by frame. */
    e->depth = regular && !e->bytes ? RING : 0;
    e->head = e->tail = 0;

    /* Offline, a sink that may (the lines) runs on a second core.  Live,
     * sinks run in place: each line must appear as it arrives. */
    struct ts_sink *piped = NULL, *verdicts = NULL;
    size_t stdout_sinks = 0;
    for (size_t i = 0; i < e->nsinks; i++) {
        unsigned fl = e->sinks[i]->flags;
        stdout_sinks += (fl & TS_SINK_STDOUT) != 0;
        if (!piped && (fl & TS_SINK_THREAD) && !(fl & TS_SINK_CONN_ONLY))
            piped = e->sinks[i];
        if (!verdicts && (fl & TS_SINK_THREAD) && (fl & TS_SINK_CONN_ONLY))
            verdicts = e->sinks[i];
    }
    e->pipe = NULL;
    e->reader = NULL;
    if (kind != TS_CAPTURE_LIVE && two && piped)
        e->pipe = trace_pipe_start(piped, regular);
    /* Else the second core reads and decodes; from a file, it also runs a
     * verdict-only sink (not when this thread writes the same stream:
     * another TS_SINK_STDOUT sink). */
    if (kind != TS_CAPTURE_LIVE && two && !e->pipe && !e->bytes)
        e->reader = trace_reader_start(cap, e->count, e->verify, regular, e->stop,
                                       verdicts && stdout_sinks <= 1 ? verdicts : NULL,
                                       e->inner);
    struct ts_sink *on_reader = trace_reader_renders(e->reader) ? verdicts : NULL;
    if (build_routes(e, e->pipe ? piped : NULL, on_reader) < 0) {
        snprintf(err, errlen, "out of memory");
        if (e->reader) {
            __atomic_store_n(e->stop, 1, __ATOMIC_RELEASE);
            char tmp[8];
            trace_reader_finish(e->reader, tmp, sizeof tmp);
            e->reader = NULL;
        }
        trace_pipe_finish(e->pipe);
        e->pipe = NULL;
        return -1;
    }

    int rc;
    if (e->reader) {
        consume(e, e->reader);
        /* the verdicts of what is still open go to the reader too */
        ts_tracker_flush_why(e->tracker, end_why(e, kind));
        rc = trace_reader_finish(e->reader, err, errlen);
        e->reader = NULL;
    } else {
        rc = ts_capture_run_live(cap, e->count, e->stop, on_frame, e, on_tick, 250, err,
                                 errlen);
        drain(e);
        ts_tracker_flush_why(e->tracker, end_why(e, kind));
    }
    trace_pipe_finish(e->pipe);
    e->pipe = NULL;
    /* every sink runs on this thread again */
    if (build_routes(e, NULL, NULL) < 0 && rc == 0) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    return rc;
}

/* ---- push mode ---------------------------------------------------------- */

enum ts_decode_status ts_engine_feed(struct ts_engine *e, int dlt, uint64_t t_ns,
                                     const uint8_t *pkt, uint32_t caplen, uint32_t wirelen,
                                     struct ts_seg *seg)
{
    struct ts_seg local;
    struct ts_seg *s = seg ? seg : &local;
    enum ts_decode_status st = ts_decode(dlt, pkt, caplen, wirelen, e->verify, s);
    s->t_ns = t_ns;
    if (e->inner && (st != TS_DEC_TCP || !ts_filter_match(e->inner, s)))
        return st;
    e->frames++;
    process_frame(e, s, st, dlt, pkt);
    return st;
}

void ts_engine_tick(struct ts_engine *e, uint64_t now_ns)
{
    ts_tracker_expire(e->tracker, now_ns);
    for (size_t i = 0; i < e->nsinks; i++)
        ts_sink_flush(e->sinks[i]);
}

void ts_engine_end(struct ts_engine *e)
{
    ts_tracker_flush(e->tracker);
}

int ts_engine_finish(struct ts_engine *e,
                     void (*report)(void *user, size_t i, const char *err), void *user)
{
    int rc = 0;
    for (size_t i = 0; i < e->nsinks; i++) {
        char err[512] = "";
        if (ts_sink_finish(e->sinks[i], err, sizeof err) < 0) {
            rc = -1;
            if (report)
                report(user, i, err);
        }
    }
    return rc;
}

void ts_engine_stats(const struct ts_engine *e, struct ts_engine_stats *st)
{
    struct ts_track_stats tst;
    ts_tracker_stats(e->tracker, &tst);
    st->frames = e->frames;
    st->tcp = e->tcp;
    st->bad = e->nbad;
    st->conns = e->conns;
    st->clock_jumps = tst.clock_jumps;
}
