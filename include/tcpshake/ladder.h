/* tcpshake ladder: the textbook time-sequence ("ladder") diagram of each
 * connection, drawn in a terminal as segments arrive.
 *
 * Client lifeline on the left, server lifeline on the right, time running
 * down.  Every segment is one arrow of two lines that steps down in its
 * direction of travel, with its flags, relative seq/ack and length on the
 * first line and its role on the second; each endpoint's state is written
 * beside its lifeline on the line where it changes (the sender's where the
 * arrow leaves, the receiver's where it lands).  Nothing is buffered per
 * connection, so it works on a live capture: a connection's header appears
 * with its first segment, its closing lines with its verdict.  Output goes
 * into the caller's struct ts_out; this module never prints on its own.
 */
#ifndef TCPSHAKE_LADDER_H
#define TCPSHAKE_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpshake/decode.h"
#include "tcpshake/export.h"
#include "tcpshake/render.h"
#include "tcpshake/track.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Width bounds (columns) and the default when the caller has none. */
#define TS_LADDER_WIDTH_MIN 72
#define TS_LADDER_WIDTH_MAX 400
#define TS_LADDER_WIDTH_DEFAULT 80

struct ts_ladder_cfg {
    bool utf8;     /* box drawing (U+2500...) and arrowheads; else plain ASCII */
    bool color;    /* ANSI colour: handshake green, teardown yellow, reset red */
    unsigned width; /* total columns; 0 = 80; clamped to the bounds above */
    uint64_t conn;  /* draw only this connection id; 0 = all */
};

struct ts_ladder;

/* A new ladder, or NULL (out of memory). */
TS_API struct ts_ladder *ts_ladder_new(const struct ts_ladder_cfg *cfg);

/* Draw one segment now: the connection's header block first if this is the
 * first segment of it seen, then its arrow.  Untracked segments (ev NULL or
 * ev->conn NULL) and segments of other connections than cfg.conn are
 * skipped. */
TS_API void ts_ladder_seg(struct ts_ladder *l, struct ts_out *o, const struct ts_seg *s,
                          const struct ts_event *ev);

/* Close a connection's ladder: final states under the lifelines and the
 * verdict.  Call it from the tracker's on_end callback. */
TS_API void ts_ladder_conn_end(struct ts_ladder *l, struct ts_out *o, const struct ts_conn *c,
                               enum ts_end_reason why);

TS_API void ts_ladder_free(struct ts_ladder *l);

/* The text on a segment's arrow, "[P.] seq 1:15 ack 1 len 14" (flags in
 * tcpdump's letters; numbers relative, as tshark counts them), and its role,
 * "handshake 2/3" or "reset (refused, by server)".  Shared with the SVG. */
TS_API void ts_ladder_label(char *buf, size_t len, const struct ts_seg *s,
                            const struct ts_event *ev);
TS_API void ts_ladder_role(char *buf, size_t len, const struct ts_event *ev);

/* A connection's verdict as short phrases, in the words of the text output's
 * "== conn" line: "close 4-way by client", "0.203368 s", "c2s 6 seg 14 B",
 * "s2c 5 seg 64 B", "rtt 0.057 ms / 0.017 ms", "zeek SF ShADadFf",
 * "tshark 31 (Complete, WITH_DATA)", "[end]".  Shared by the ladder and the
 * SVG picture. */
enum { TS_VERDICT_CLOSE, TS_VERDICT_DURATION, TS_VERDICT_C2S, TS_VERDICT_S2C,
       TS_VERDICT_RTT, TS_VERDICT_ZEEK, TS_VERDICT_TSHARK, TS_VERDICT_END,
       TS_VERDICT_PHRASES };
struct ts_verdict_text {
    char phrase[TS_VERDICT_PHRASES][96];
};
TS_API void ts_ladder_verdict(const struct ts_conn *c, enum ts_end_reason why,
                              struct ts_verdict_text *out);

#ifdef __cplusplus
}
#endif
#endif
