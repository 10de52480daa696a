/* tcpshake render: segments and connection verdicts as text or JSON lines.
 *
 * Output goes through a small buffer (struct ts_out) and is written in large
 * blocks: rendering must stay cheap next to libpcap's read loop.
 */
#ifndef TCPSHAKE_RENDER_H
#define TCPSHAKE_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "tcpshake/decode.h"
#include "tcpshake/export.h"
#include "tcpshake/track.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ts_out {
    FILE *f;
    size_t len;
    bool line_flush; /* flush at the end of every line (live capture) */
    bool write_error; /* a write to the descriptor failed (EPIPE, ENOSPC...) */
    int write_errno;  /* ... and its errno (EPIPE: nobody reads any more) */
    uint64_t tod_sec;  /* second whose "HH:MM:SS." is cached in tod */
    bool tod_date;     /* the cache holds the date too */
    unsigned tod_len;
    char tod[24];
    char buf[1 << 16];
};

TS_API void ts_out_init(struct ts_out *o, FILE *f, bool line_flush);
TS_API void ts_out_flush(struct ts_out *o);

struct ts_render_cfg {
    bool json;      /* one JSON object per line */
    bool abs_seq;   /* -S: raw sequence numbers in text */
    bool color;     /* ANSI colour (only on a tty) */
    bool numeric;   /* -n: no name resolution (we never resolve; kept for tcpdump habits) */
    bool utc_date;  /* print the date with the time */
    bool utf8;      /* state arrows as U+2192 (else "->") */
};

/* One segment.  ev may be NULL (not tracked: crafted or untracked segment):
 * then only the decoded fields are printed. */
TS_API void ts_render_seg(struct ts_out *o, const struct ts_render_cfg *cfg,
                          const struct ts_seg *s, const struct ts_event *ev);

/* A frame that did not decode as TCP but is worth a line (malformed,
 * truncated).  what: a short reason. */
TS_API void ts_render_bad(struct ts_out *o, const struct ts_render_cfg *cfg,
                          uint64_t t_ns, uint32_t anomalies, const char *what);

/* One connection's verdict. */
TS_API void ts_render_conn(struct ts_out *o, const struct ts_render_cfg *cfg,
                           const struct ts_conn *c, enum ts_end_reason why);

#ifdef __cplusplus
}
#endif
#endif
