/* The engine's sink thread (internal): reading, decoding and tracking stay
 * on the engine's thread; one sink that may run elsewhere (TS_SINK_THREAD:
 * text and JSON lines, whose formatting and writing cost most) runs on a
 * second core.  Segments, malformed frames and verdicts go through one FIFO,
 * so the output is the same, line for line, as running the sink in place. */
#ifndef TCPSHAKE_ENGINE_PIPE_H
#define TCPSHAKE_ENGINE_PIPE_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpshake/decode.h"
#include "tcpshake/sink.h"
#include "tcpshake/track.h"

struct trace_pipe;

/* Start the thread that runs `sink`; NULL if it could not be started (then
 * run it in place).  With `batch`, items are handed over
 * a few at a time (a file: fewer cache-line trips between the cores);
 * without, each at once (a stream, where the next frame may be long in
 * coming). */
struct trace_pipe *trace_pipe_start(struct ts_sink *sink, bool batch);

/* Queue one item (copied); blocks while the FIFO is full. */
void trace_pipe_seg(struct trace_pipe *p, const struct ts_frame *f, const struct ts_seg *s,
                    const struct ts_event *ev);
void trace_pipe_bad(struct trace_pipe *p, const struct ts_frame *f, const struct ts_seg *s,
                    const char *what);
void trace_pipe_conn(struct trace_pipe *p, const struct ts_conn *c, enum ts_end_reason why);

/* True once a write failed on the render thread (the reader went away, the
 * disk is full): the producer may stop reading. */
bool trace_pipe_broken(struct trace_pipe *p);

/* Run what is queued, stop the thread, free.  The sink is the caller's
 * again afterwards. */
void trace_pipe_finish(struct trace_pipe *p);

#endif
