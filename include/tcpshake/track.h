/* tcpshake track: connections, their endpoints' states, and what each segment
 * does in its connection's life.
 *
 * One connection per 4-tuple incarnation (a new SYN on a closed or TIME_WAIT
 * tuple starts a new one).  The client is the sender of the first SYN; a
 * SYN+ACK seen first, or midstream traffic, is oriented the way Zeek does.
 * Time is the capture time of the segments: expiry (TIME_WAIT after 2 MSL,
 * idle timeout) is checked lazily as segments arrive, so a replay of the same
 * capture always gives the same answer.  Memory is bounded by max_conns.
 */
#ifndef TCPSHAKE_TRACK_H
#define TCPSHAKE_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpshake/decode.h"
#include "tcpshake/export.h"
#include "tcpshake/fsm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Direction of a segment within its connection. */
enum ts_dir { TS_C2S = 0, TS_S2C = 1 };

/* The role of one segment in its connection's life: X(ID, name, label,
 * kind).  The name is the JSON and Zeek-side word, the label the text
 * output's; kind is the ts_role_kind suffix.  One list makes the enum
 * (TS_ROLE_ID, in this order: the values are ABI), ts_role_name(),
 * ts_role_label() and ts_role_kind(). */
#define TS_ROLE_LIST(X)                                                             \
    X(OTHER, "other", "other", OTHER)                                               \
    /* SYN */                                                                       \
    X(HS1, "handshake-1", "handshake 1/3", HANDSHAKE)                               \
    /* SYN+ACK */                                                                   \
    X(HS2, "handshake-2", "handshake 2/3", HANDSHAKE)                               \
    /* the ACK completing it */                                                     \
    X(HS3, "handshake-3", "handshake 3/3", HANDSHAKE)                               \
    /* first FIN */                                                                 \
    X(TD1, "teardown-1", "teardown 1/4", TEARDOWN)                                  \
    /* ACK of the first FIN */                                                      \
    X(TD2, "teardown-2", "teardown 2/4", TEARDOWN)                                  \
    /* second FIN */                                                                \
    X(TD3, "teardown-3", "teardown 3/4", TEARDOWN)                                  \
    /* ACK of the second FIN */                                                     \
    X(TD4, "teardown-4", "teardown 4/4", TEARDOWN)                                  \
    /* ACK of the first FIN with a FIN */                                           \
    X(TD23, "teardown-2+3", "teardown 2+3/4", TEARDOWN)                             \
    /* a SYN crossing the peer's SYN */                                             \
    X(SIMOPEN_SYN, "simopen-syn", "simultaneous open: SYN", HANDSHAKE)              \
    /* a SYN+ACK in a simultaneous open */                                          \
    X(SIMOPEN_SYNACK, "simopen-synack", "simultaneous open: SYN+ACK", HANDSHAKE)    \
    /* a FIN crossing the peer's FIN */                                             \
    X(SIMCLOSE_FIN, "simclose-fin", "simultaneous close: FIN", TEARDOWN)            \
    /* an ACK of a FIN in a simultaneous close */                                   \
    X(SIMCLOSE_ACK, "simclose-ack", "simultaneous close: ACK", TEARDOWN)            \
    X(DATA, "data", "data", DATA)                                                   \
    X(ACK, "ack", "ack", ACK)                                                       \
    X(RESET, "reset", "reset", RESET)

enum ts_role {
#define TS_ROLE_ENUM_(id, name, label, kind) TS_ROLE_##id,
    TS_ROLE_LIST(TS_ROLE_ENUM_)
#undef TS_ROLE_ENUM_
    TS_ROLE_COUNT
};

/* What kind of segment a role is: what the views colour alike. */
enum ts_role_kind {
    TS_KIND_OTHER = 0,
    TS_KIND_HANDSHAKE, /* handshake-1..3, simopen-* */
    TS_KIND_TEARDOWN,  /* teardown-*, simclose-* */
    TS_KIND_RESET,
    TS_KIND_DATA,
    TS_KIND_ACK,
};

/* Why a RST was sent: X(ID, name). */
#define TS_RST_REASON_LIST(X)                                                   \
    X(NONE, "none")                                                             \
    X(REFUSED, "refused") /* answers a SYN: nothing listens */                  \
    X(ABORT, "abort")     /* in a synchronized state: the connection aborted */ \
    X(STRAY, "stray")     /* no live connection it belongs to (e.g. after close) */

enum ts_rst_reason {
#define TS_RST_ENUM_(id, name) TS_RST_##id,
    TS_RST_REASON_LIST(TS_RST_ENUM_)
#undef TS_RST_ENUM_
};

/* Notes on a segment (bits of ts_event.notes): X(ID, bit, name).  One list
 * makes TS_NOTE_ID = 1u << bit and ts_note_name(); the bits are ABI. */
#define TS_NOTE_LIST(X) \
    X(RETRANS, 0, "retransmission")              /* retransmission (of SYN, SYN+ACK, FIN or data) */ \
    X(SPURIOUS, 1, "spurious-retransmission")    /* spurious retransmission: already acked */ \
    X(FAST_RETRANS, 2, "fast-retransmission")    /* fast retransmission (after >= 2 dup ACKs) */ \
    X(OUT_OF_ORDER, 3, "out-of-order") \
    X(LOST_SEGMENT, 4, "previous-segment-not-captured") /* previous segment not captured */ \
    X(ACK_UNSEEN, 5, "acked-unseen-segment")     /* ACKs a segment not captured */ \
    X(DUP_ACK, 6, "dup-ack") \
    X(KEEPALIVE, 7, "keep-alive") \
    X(ZERO_WINDOW, 8, "zero-window") \
    X(ZERO_WINDOW_PROBE, 9, "zero-window-probe") \
    X(WINDOW_UPDATE, 10, "window-update") \
    X(WINDOW_FULL, 11, "window-full") \
    X(BAD_ACK, 12, "bad-ack")                    /* ack not what the handshake/teardown needs; see expected */ \
    X(BAD_SEQ, 13, "bad-seq")                    /* seq not what it must be; see expected */ \
    X(HALF_CLOSE, 14, "half-close")              /* data after the other side's FIN */ \
    X(DATA_ON_SYN, 15, "data-on-syn")            /* TFO: payload on SYN or SYN+ACK */ \
    X(BAD_CKSUM, 16, "bad-checksum") \
    X(PICKUP, 17, "midstream-pickup")            /* connection picked up midstream */ \
    X(FLIPPED, 18, "synack-first")               /* direction flipped: SYN+ACK seen first */ \
    X(FIN_CROSSED, 19, "fin-crossed")            /* FIN sent before the peer's FIN arrived */ \
    X(PORT_REUSE, 20, "port-reuse")              /* new SYN on an old tuple: new incarnation */ \
    X(AFTER_CLOSE, 21, "after-close")            /* segment after the connection closed */ \
    X(DUPLICATE, 22, "duplicate")                /* exact copy of the previous segment */ \
    X(RST_DATA, 23, "rst-with-data")             /* RST carrying payload */ \
    X(BAD_FLAGS, 24, "bad-flags")                /* SYN+FIN, SYN+RST, no flags at all ... */ \
    X(RST_OUT_OF_WINDOW, 25, "rst-out-of-window") /* RST a receiver would ignore */

enum {
#define TS_NOTE_ENUM_(id, bit, name) TS_NOTE_##id = 1u << bit,
    TS_NOTE_LIST(TS_NOTE_ENUM_)
#undef TS_NOTE_ENUM_
    TS_NOTE_LAST = TS_NOTE_RST_OUT_OF_WINDOW
};

/* How a connection was closed, for the verdict: X(ID, name). */
#define TS_CLOSE_KIND_LIST(X)                                                   \
    X(NONE, "none")            /* not closed (still open, or never opened) */   \
    X(4WAY, "4-way")           /* FIN / ACK / FIN / ACK */                      \
    X(MERGED, "fin-ack-merged") /* FIN / FIN+ACK / ACK */                      \
    X(SIMULTANEOUS, "simultaneous")                                             \
    X(HALF, "half-close")      /* data flowed after the first FIN */            \
    X(RESET, "reset")                                                           \
    X(REFUSED, "refused")      /* RST answered the SYN */                       \
    X(FIN_ONLY, "incomplete")  /* FINs seen but the close was not completed */

enum ts_close_kind {
#define TS_CLOSE_ENUM_(id, name) TS_CLOSE_##id,
    TS_CLOSE_KIND_LIST(TS_CLOSE_ENUM_)
#undef TS_CLOSE_ENUM_
};

/* Why a connection's verdict is given now: X(ID, name). */
#define TS_END_REASON_LIST(X)                                                   \
    X(CLOSED, "closed")   /* closed and TIME_WAIT / quiet period ran out */     \
    X(IDLE, "idle")       /* idle timeout */                                    \
    X(REUSED, "reused")   /* a new SYN on the tuple started a new incarnation */ \
    X(EVICTED, "evicted") /* --max-conns: evicted to make room */               \
    X(FLUSH, "end")       /* end of capture / exit */                         \
    X(INTERRUPTED, "interrupted") /* reading stopped before the capture's end */

enum ts_end_reason {
#define TS_END_ENUM_(id, name) TS_END_##id,
    TS_END_REASON_LIST(TS_END_ENUM_)
#undef TS_END_ENUM_
};

/* A connection: a record the tracker owns, whose layout is internal and
 * changes between releases.  A pointer to one (in an event or a verdict
 * callback) is valid until the next call into the tracker.  Read it with
 * ts_conn_view() or the accessors below. */
struct ts_conn;

/* One side of a connection, as ts_conn_view() gives it. */
struct ts_conn_side {
    struct ts_addr addr;
    uint16_t port;
    uint8_t state;      /* enum ts_state when the view was taken */
    uint8_t wscale;     /* window scale it announced (valid with sent_wscale) */
    bool sent_syn;      /* isn is the seq of its SYN */
    bool sent_wscale;   /* its SYN carried a window scale */
    bool sent_fin;
    bool sent_rst;
    bool fin_acked;     /* its FIN was acknowledged */
    uint32_t isn;       /* its ISN, or the base of its relative numbers when
                           no SYN was seen (seq - 1 of its first segment) */
    uint64_t bytes;     /* payload bytes sent (wire lengths) */
    uint32_t segs;      /* segments sent */
    uint32_t retrans;   /* retransmissions */
};

/* A connection as a library user sees it: a copy, filled by ts_conn_view().
 * Its layout is part of the ABI (libtcpshake.so.0): it changes only with a
 * new soname, however the tracker's own record changes. */
struct ts_conn_view {
    uint64_t id;                 /* 1, 2, 3 ... in order of first segment */
    struct ts_conn_side side[2]; /* [TS_C2S] client, [TS_S2C] server */
    uint64_t t_first, t_last;    /* ns since the epoch */
    uint64_t t_syn, t_synack, t_hs_ack; /* ns; 0 = not seen */
    uint8_t close_kind;          /* enum ts_close_kind */
    uint8_t closed_by;           /* 0 none, 1 client, 2 server (first FIN or RST) */
    uint8_t rst_reason;          /* enum ts_rst_reason of the first RST */
    uint8_t completeness;        /* tshark tcp.completeness bits */
    bool flipped;                /* orientation came from a SYN+ACK seen first */
    bool pickup;                 /* no handshake seen */
    bool simopen, simclose;      /* simultaneous open / close happened */
    bool half_closed;            /* data after a FIN */
    bool merged;                 /* a FIN+ACK acked the first FIN (teardown-2+3) */
    uint32_t tunnel_key;         /* ts_seg.tun_key of its segments (0: none,
                                    or keyed on the inner tuple alone) */
    char history[24];            /* Zeek's history, NUL-terminated; '+' at
                                    the end marks truncation */
};

/* Fill *v from c. */
TS_API void ts_conn_view(const struct ts_conn *c, struct ts_conn_view *v);

/* What a verdict line wants most, one field at a time. */
TS_API uint64_t ts_conn_id(const struct ts_conn *c);
TS_API const struct ts_addr *ts_conn_addr(const struct ts_conn *c, enum ts_dir d);
TS_API uint16_t ts_conn_port(const struct ts_conn *c, enum ts_dir d);
TS_API enum ts_state ts_conn_state(const struct ts_conn *c, enum ts_dir d);
TS_API enum ts_close_kind ts_conn_close_kind(const struct ts_conn *c);
TS_API int ts_conn_closed_by(const struct ts_conn *c); /* 0 none, 1 client, 2 server */
/* Zeek's history: its length, with *s pointed at its characters (not
 * NUL-terminated; valid as long as c is). */
TS_API size_t ts_conn_history(const struct ts_conn *c, const char **s);

/* What one segment did. */
struct ts_event {
    const struct ts_conn *conn; /* NULL when the segment was not tracked */
    uint8_t dir;                /* enum ts_dir */
    uint8_t role;               /* enum ts_role */
    uint8_t rst_reason;         /* enum ts_rst_reason, with TS_ROLE_RESET */
    uint8_t old_state[2];       /* [client], [server] before this segment */
    uint8_t new_state[2];       /* after */
    uint32_t notes;             /* TS_NOTE_* */
    uint32_t expected;          /* with BAD_ACK / BAD_SEQ: the right value (raw) */
    uint32_t expected_rel;      /* ... relative to the ISN it is about */
    uint64_t conn_id;           /* conn->id; 0 when untracked.  Unlike conn it
                                   stays meaningful after the next call */
    uint32_t rel_seq, rel_ack;  /* relative to the ISNs (tshark's bases) */
    bool rel_ack_valid;
    uint32_t dupack_n;          /* with DUP_ACK: #n */
};

struct ts_track_cfg {
    uint64_t time_wait_ns; /* 2 MSL; default 60 s (Linux TCP_TIMEWAIT_LEN) */
    uint64_t idle_ns;      /* idle timeout; default 2 h 11 min */
    uint32_t max_conns;    /* bound on tracked connections; default 1,000,000 */
    bool inner_only;       /* key connections on the inner 4-tuple alone, not
                              also on the tunnel identity (ts_seg.tun_key) */
    /* called with each connection's verdict, right before it is forgotten */
    void (*on_end)(void *user, const struct ts_conn *c, enum ts_end_reason why);
    void *user;
};

struct ts_tracker;

/* Sensible defaults for a config. */
TS_API void ts_track_cfg_default(struct ts_track_cfg *cfg);

/* New tracker, or NULL with a message in err. */
TS_API struct ts_tracker *ts_tracker_new(const struct ts_track_cfg *cfg, char *err,
                                         size_t errlen);
TS_API void ts_tracker_free(struct ts_tracker *t);

/* Feed one decoded segment (s->t_ns is its time).  Fills *ev.  Verdicts of
 * connections that end before s->t_ns are delivered through on_end first. */
TS_API void ts_track(struct ts_tracker *t, const struct ts_seg *s, struct ts_event *ev);

/* Optional: start loading what tracking s will need into the cache.  Call it
 * for a segment some steps before ts_track(): stage 0 loads its hash bucket,
 * stage 1 (a few segments later) the connection the bucket points to.  Pure
 * hint: results never depend on it. */
TS_API void ts_track_prefetch(struct ts_tracker *t, const struct ts_seg *s, int stage);

/* Deliver the verdict of every tracked connection and forget them all. */
TS_API void ts_tracker_flush(struct ts_tracker *t);

/* The same, giving `why` as every verdict's end reason (TS_END_FLUSH or
 * TS_END_INTERRUPTED). */
TS_API void ts_tracker_flush_why(struct ts_tracker *t, enum ts_end_reason why);

/* Expire what has timed out by capture time now_ns. */
TS_API void ts_tracker_expire(struct ts_tracker *t, uint64_t now_ns);

struct ts_track_stats {
    uint64_t conns_total;   /* connections ever created */
    uint32_t conns_live;    /* currently tracked */
    uint32_t conns_compact; /* of them, held in the compact SYN-only form */
    uint32_t conns_peak;
    uint64_t evicted;
    uint64_t clock_jumps;   /* time stamps more than a day from the clock,
                               not used to expire connections */
    size_t bytes_per_conn;  /* memory one tracked connection costs */
    size_t bytes_per_embryo; /* ... one that has seen only SYNs (compact) */
};
TS_API void ts_tracker_stats(const struct ts_tracker *t, struct ts_track_stats *st);

/* Payload bytes, segments and retransmissions one direction sent (TS_C2S /
 * TS_S2C), as in ts_conn_view(). */
TS_API uint64_t ts_conn_bytes(const struct ts_conn *c, enum ts_dir d);
TS_API uint32_t ts_conn_segs(const struct ts_conn *c, enum ts_dir d);
TS_API uint32_t ts_conn_retrans(const struct ts_conn *c, enum ts_dir d);

/* Names used in text and JSON. */
TS_API const char *ts_role_name(enum ts_role r);      /* "handshake-1", ... */
TS_API const char *ts_role_label(enum ts_role r);     /* "handshake 1/3", ... */
TS_API enum ts_role_kind ts_role_kind(enum ts_role r);
TS_API const char *ts_rst_reason_name(enum ts_rst_reason r);
TS_API const char *ts_note_name(uint32_t bit);
TS_API const char *ts_close_kind_name(enum ts_close_kind k);
TS_API const char *ts_end_reason_name(enum ts_end_reason r);

/* Wrap-safe sequence comparisons (RFC 9293 §3.4). */
static inline bool ts_seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool ts_seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool ts_seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool ts_seq_ge(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

#ifdef __cplusplus
}
#endif
#endif
