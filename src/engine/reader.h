/* The engine's reader thread (internal), when no sink runs on a thread of
 * its own (--summary, --ladder, ...): reading the file and decoding each
 * frame run on a second core, tracking and the sinks on the engine's.
 * Frames come out in capture order through a single-producer
 * single-consumer ring of decoded slots, so the result is the same, line
 * for line, as decoding in place. */
#ifndef TCPSHAKE_ENGINE_READER_H
#define TCPSHAKE_ENGINE_READER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "tcpshake/capture.h"
#include "tcpshake/decode.h"
#include "tcpshake/filter.h"
#include "tcpshake/sink.h"
#include "tcpshake/track.h"

struct trace_reader;

/* One decoded frame.  What the tracker reads (the status and the segment
 * up to its options) fills the first two cache lines of the slot: each of
 * those lines crosses from the reader's core to the tracker's. */
struct trace_frame {
    _Alignas(64) enum ts_decode_status st;
    int dlt;
    struct ts_seg seg;
};

/* Start reading `cap` (at most `count` frames, 0 = all) on a new thread,
 * decoding with checksum verification if `verify`.  With `batch`, frames
 * are handed over a few at a time (a file); without, each at once (a
 * stream).  The reader stops early once *stop is set.  NULL if the thread
 * could not be started (then read in place).
 *
 * With `sink` (TS_SINK_CONN_ONLY, and `batch`), the reader thread also
 * hands the verdicts queued by trace_reader_conn to the sink, between
 * batches of frames and after the last one: the thread that reads has time
 * to spare, the one that tracks has none.  The sink is the reader's until
 * trace_reader_finish returns.
 *
 * With `inner` (--inner), only frames that decode to TCP and match it are
 * handed over; the others are dropped on the reader thread. */
struct trace_reader *trace_reader_start(struct ts_capture *cap, uint64_t count, bool verify,
                                        bool batch, volatile sig_atomic_t *stop,
                                        struct ts_sink *sink, const struct ts_filter *inner);

/* True if the reader runs the verdict sink (it was given one). */
bool trace_reader_renders(const struct trace_reader *r);

/* Queue one verdict (copied) for the reader to render; blocks while the
 * queue is full.  Verdicts come out in the order they were queued. */
void trace_reader_conn(struct trace_reader *r, const struct ts_conn *c, enum ts_end_reason why);

/* True once writing a verdict failed on the reader thread: stop reading. */
bool trace_reader_broken(struct trace_reader *r);

/* How many decoded frames are ready, waiting for at least one; 0 once the
 * capture is over and every frame was handed out. */
unsigned trace_reader_wait(struct trace_reader *r);

/* Ready frame i: 0 is the oldest not yet released, i < what
 * trace_reader_wait returned.  Valid until released. */
struct trace_frame *trace_reader_at(struct trace_reader *r, unsigned i);

/* Hand the oldest ready frame back to the reader. */
void trace_reader_release(struct trace_reader *r);

/* Let the thread render the last queued verdicts, wait for it and free it.
 * Returns ts_capture_run's result; its message is copied into err. */
int trace_reader_finish(struct trace_reader *r, char *err, size_t errlen);

#endif
