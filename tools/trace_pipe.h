/* The render thread of `tcpshake trace -r`: reading, decoding and tracking
 * stay on the main thread; formatting and writing the lines run on a second
 * core.  Segments, malformed frames and verdicts go through one FIFO, so
 * the output is the same, line for line, as rendering in place. */
#ifndef TCPSHAKE_TRACE_PIPE_H
#define TCPSHAKE_TRACE_PIPE_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpshake/decode.h"
#include "tcpshake/render.h"
#include "tcpshake/track.h"

struct trace_pipe;

/* Start the thread that renders into `out` with `cfg`; NULL if it could not
 * be started (then render in place).  With `batch`, items are handed over
 * a few at a time (a file: fewer cache-line trips between the cores);
 * without, each at once (a stream, where the next frame may be long in
 * coming). */
struct trace_pipe *trace_pipe_start(struct ts_out *out, const struct ts_render_cfg *cfg,
                                    bool batch);

/* Queue one item (copied); blocks while the FIFO is full. */
void trace_pipe_seg(struct trace_pipe *p, const struct ts_seg *s, const struct ts_event *ev);
void trace_pipe_bad(struct trace_pipe *p, uint64_t t_ns, uint32_t anomalies, const char *what);
void trace_pipe_conn(struct trace_pipe *p, const struct ts_conn *c, enum ts_end_reason why);

/* True once a write failed on the render thread (the reader went away, the
 * disk is full): the producer may stop reading. */
bool trace_pipe_broken(struct trace_pipe *p);

/* Render what is queued, stop the thread, free.  `out` is the caller's
 * again afterwards. */
void trace_pipe_finish(struct trace_pipe *p);

#endif
