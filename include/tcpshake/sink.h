/* Sinks: where traced segments and verdicts go.
 *
 * Every output of tcpshake (text and JSON lines, the ladder, SVG, the Zeek
 * conn.log, pcapng with annotations, the totals of --stats) is one sink: an
 * ops table and its state.  The engine (engine.h) and the drive commands
 * hand each frame and each verdict to every sink in the order they were
 * added; a new output is one new sink, written against this header alone.
 *
 * The contract a sink's ops are called under:
 * - `seg` for each TCP segment in capture order, `bad` for a frame that is
 *   malformed (or an IP fragment that is not the first), `other` for every
 *   other frame, `conn` for each verdict right before the tracker forgets
 *   the connection.  Any of them may be NULL.
 * - ev is NULL when the segment was not tracked.  ev->conn (the live
 *   connection) is valid only during the call, and only for a sink that
 *   does not declare TS_SINK_THREAD: a sink run on another thread gets ev
 *   with conn = NULL (ev->conn_id says which connection it is), and a
 *   copy of the segment that keeps its decoded fields, options and tunnel
 *   layers but not pointers into the frame (raw option bytes only when
 *   TS_HAS_OTHER says an option was not decoded).
 * - f->pkt (the frame's bytes) is set only for sinks declaring
 *   TS_SINK_BYTES; asking for them makes the engine process each frame as
 *   it is read (no decode-ahead).
 * - `finish` is called once after the last frame and verdict; it writes
 *   what the sink kept for the end and returns 0, or -1 with the first
 *   write error in err.  `free` releases the sink (never the FILE or
 *   ts_out it was given: those stay the caller's).
 */
#ifndef TCPSHAKE_SINK_H
#define TCPSHAKE_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "tcpshake/decode.h"
#include "tcpshake/export.h"
#include "tcpshake/ladder.h"
#include "tcpshake/render.h"
#include "tcpshake/svg.h"
#include "tcpshake/track.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One frame as a sink sees it. */
struct ts_frame {
    uint64_t t_ns;
    int dlt;              /* the capture's link type (DLT_*) */
    const uint8_t *pkt;   /* the frame's bytes: TS_SINK_BYTES sinks only */
    uint32_t caplen, wirelen;
};

enum {
    TS_SINK_BYTES = 1u << 0,     /* reads ts_frame.pkt */
    TS_SINK_THREAD = 1u << 1,    /* may run on a thread of its own (reads no ev->conn) */
    TS_SINK_CONN_ONLY = 1u << 2, /* has only `conn` (and finish): may run on the
                                    thread that reads the capture */
    TS_SINK_STDOUT = 1u << 3,    /* writes the main output stream (text or ladder, or
                                    pcapng on standard output) */
};

struct ts_sink_ops {
    const char *name; /* "text", "json", "ladder", ... */
    void (*seg)(void *self, const struct ts_frame *f, const struct ts_seg *s,
                const struct ts_event *ev);
    void (*bad)(void *self, const struct ts_frame *f, const struct ts_seg *s,
                const char *what);
    void (*other)(void *self, const struct ts_frame *f, const struct ts_seg *s);
    void (*conn)(void *self, const struct ts_conn *c, enum ts_end_reason why);
    /* live: make what was written visible now (NULL: nothing buffered) */
    void (*flush)(void *self);
    /* true once a write failed and nothing more can be written (NULL: never) */
    bool (*broken)(void *self);
    int (*finish)(void *self, char *err, size_t errlen);
    void (*free)(void *self);
};

struct ts_sink {
    const struct ts_sink_ops *ops;
    void *self;
    unsigned flags; /* TS_SINK_* */
};

/* A sink of your own: ops (kept, not copied) and its state.  NULL when out
 * of memory. */
TS_API struct ts_sink *ts_sink_new(const struct ts_sink_ops *ops, void *self, unsigned flags);

/* Call the op if the sink has it. */
TS_API void ts_sink_seg(struct ts_sink *k, const struct ts_frame *f, const struct ts_seg *s,
                        const struct ts_event *ev);
TS_API void ts_sink_bad(struct ts_sink *k, const struct ts_frame *f, const struct ts_seg *s,
                        const char *what);
TS_API void ts_sink_other(struct ts_sink *k, const struct ts_frame *f, const struct ts_seg *s);
TS_API void ts_sink_conn(struct ts_sink *k, const struct ts_conn *c, enum ts_end_reason why);
TS_API void ts_sink_flush(struct ts_sink *k);
TS_API bool ts_sink_broken(struct ts_sink *k);
TS_API int ts_sink_finish(struct ts_sink *k, char *err, size_t errlen);
TS_API void ts_sink_free(struct ts_sink *k);

/* ---- the outputs tcpshake has ------------------------------------------ */

/* Text or JSON lines (cfg->json) into `out`: a line per segment and per
 * bad frame, and a verdict per connection; with `summary` only the
 * verdicts.  TS_SINK_THREAD | TS_SINK_STDOUT (and TS_SINK_CONN_ONLY with
 * summary). */
TS_API struct ts_sink *ts_sink_text(struct ts_out *out, const struct ts_render_cfg *cfg,
                                    bool summary);

/* Ladder diagrams into `out`, each drawn when its connection ends.  With
 * cfg.conn, finishing fails (one line) when that connection was never seen. */
TS_API struct ts_sink *ts_sink_ladder(struct ts_out *out, const struct ts_ladder_cfg *cfg);

/* The ladders as one SVG picture, written to f by finish. */
TS_API struct ts_sink *ts_sink_svg(FILE *f, const struct ts_svg_cfg *cfg);

/* A Zeek conn.log (TSV) into f, opened at `open_time` (its #open line)
 * and closed by finish at the time finish runs.  NULL with err. */
TS_API struct ts_sink *ts_sink_zeeklog(FILE *f, time_t open_time, char *err, size_t errlen);

/* Every frame into a pcapng file f; with `annotate`, each traced frame's
 * role, states and notes as its comment.  snaplen 0: the file's default.
 * TS_SINK_BYTES (a caller writing it to standard output adds
 * TS_SINK_STDOUT: a closed pipe then stops the run).  Broken after its
 * first failed write.  NULL with err. */
TS_API struct ts_sink *ts_sink_pcapng(FILE *f, bool annotate, uint32_t snaplen, char *err,
                                      size_t errlen);
/* ts_pcapng_set_flush_each on a sink made by ts_sink_pcapng; -1 for any
 * other sink. */
TS_API int ts_sink_pcapng_flush_each(struct ts_sink *s, bool on);
/* ts_pcapng_error of such a sink; 0 for any other sink. */
TS_API int ts_sink_pcapng_error(const struct ts_sink *s);

/* Totals over the trace (see stats.h), rendered into `out` (text or JSON)
 * by finish.  NULL with err. */
TS_API struct ts_sink *ts_sink_stats(struct ts_out *out, bool json, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
