/* The engine: capture -> decode -> track -> sinks, as `tcpshake trace` runs
 * it, for any program.
 *
 * It owns what makes tracing fast: a regular file is decoded a few frames
 * ahead of tracking (so each connection is prefetched while earlier frames
 * are tracked), and with two threads either the text sink runs on a second
 * core, or -- when no sink needs one -- reading and decoding do.  Results
 * never depend on the threads: one thread or two give the same bytes in
 * every sink.  A live capture and a stream are handled frame by frame
 * (each line appears as its frame arrives), and live, connections whose
 * TIME_WAIT or idle time runs out get their verdict when it runs out.
 *
 *     struct ts_engine_cfg cfg;
 *     ts_engine_cfg_default(&cfg);
 *     struct ts_sink *sinks[] = {ts_sink_text(&out, &rcfg, false)};
 *     struct ts_engine *e = ts_engine_new(&cfg, sinks, 1, err, sizeof err);
 *     ts_engine_run(e, cap, NULL, err, sizeof err);
 *     ts_engine_finish(e, report, NULL);
 *     ts_engine_free(e);
 */
#ifndef TCPSHAKE_ENGINE_H
#define TCPSHAKE_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpshake/capture.h"
#include "tcpshake/export.h"
#include "tcpshake/filter.h"
#include "tcpshake/sink.h"
#include "tcpshake/track.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ts_engine_cfg {
    struct ts_track_cfg track;     /* its on_end and user are the engine's */
    bool verify;                   /* verify TCP checksums (default true) */
    const struct ts_filter *inner; /* only frames whose inner TCP matches (or NULL) */
    uint64_t count;                /* stop after this many frames (0 = all) */
    unsigned threads;              /* 0 = as the machine allows, 1 = only the caller's,
                                      2 = also a second one (default 0) */
};

TS_API void ts_engine_cfg_default(struct ts_engine_cfg *cfg);

struct ts_engine;

/* A new engine feeding the n sinks, in this order (each frame and each
 * verdict goes to sinks[0] first).  The engine owns the sinks from here on,
 * also on failure; NULL with err (also when a sink is NULL: a constructor
 * that failed). */
TS_API struct ts_engine *ts_engine_new(const struct ts_engine_cfg *cfg,
                                       struct ts_sink *const *sinks, size_t n, char *err,
                                       size_t errlen);

/* Trace `cap` to its end, `count` frames, or until *stop (may be NULL)
 * becomes non-zero (set from a signal handler, or from another thread with
 * an atomic store); also stops (and sets *stop) once the sink that writes
 * the main output (TS_SINK_STDOUT) is broken: nobody reads it any more.  Then the verdicts of every
 * connection still open are delivered.  Returns 0, or -1 with err when the
 * capture failed midway (everything before was traced). */
TS_API int ts_engine_run(struct ts_engine *e, struct ts_capture *cap, volatile sig_atomic_t *stop,
                         char *err, size_t errlen);

/* Finish every sink in order (what each kept for the end is written);
 * report(user, i, err) is called for each sink i whose finish failed.
 * Returns 0, or -1 if one failed. */
TS_API int ts_engine_finish(struct ts_engine *e,
                            void (*report)(void *user, size_t i, const char *err), void *user);

/* Push mode, for a program that reads or makes its frames itself (the
 * drive commands do: they send and receive on their own sockets).  One
 * frame is decoded (into *seg, when not NULL), tracked and handed to every
 * sink on the caller's thread before this returns; the decode status is
 * returned.  Frames must come in time order.  Not while ts_engine_run
 * runs. */
TS_API enum ts_decode_status ts_engine_feed(struct ts_engine *e, int dlt, uint64_t t_ns,
                                            const uint8_t *pkt, uint32_t caplen, uint32_t wirelen,
                                            struct ts_seg *seg);

/* Push mode: deliver the verdicts of connections whose TIME_WAIT or idle
 * time has run out by now_ns (a wall clock, as the frames' time stamps),
 * then flush every sink. */
TS_API void ts_engine_tick(struct ts_engine *e, uint64_t now_ns);

/* Push mode: deliver the verdicts of every connection still open (as
 * ts_engine_run does at its end).  Feeding may go on afterwards. */
TS_API void ts_engine_end(struct ts_engine *e);

struct ts_engine_stats {
    uint64_t frames;      /* frames traced (after --inner) */
    uint64_t tcp;         /* of them TCP segments */
    uint64_t bad;         /* malformed, or IP fragments not first */
    uint64_t conns;       /* verdicts delivered */
    uint64_t clock_jumps; /* time stamps too far from the clock to expire by */
};

TS_API void ts_engine_stats(const struct ts_engine *e, struct ts_engine_stats *st);

/* Frees the sinks too. */
TS_API void ts_engine_free(struct ts_engine *e);

#ifdef __cplusplus
}
#endif
#endif
