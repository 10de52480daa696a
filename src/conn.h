/* The tracker's connection record and its endpoints: internal to the
 * library.  The installed track.h declares struct ts_conn opaque and offers
 * ts_conn_view() and accessors; the tracker writes this record, and the
 * sinks in the library read it directly, so their per-segment work stays
 * plain loads.  Its layout may change with any release.
 */
#ifndef TCPSHAKE_CONN_H
#define TCPSHAKE_CONN_H

#include <stdint.h>

#include "tcpshake/decode.h"
#include "tcpshake/track.h"

/* Endpoint flags (ts_endpoint.flags). */
enum {
    TS_EP_SYN = 1u << 0,        /* sent a SYN (isn valid) */
    TS_EP_SYNACK = 1u << 1,     /* its SYN carried ACK */
    TS_EP_FIN = 1u << 2,        /* sent a FIN (fin_seq valid) */
    TS_EP_RST = 1u << 3,        /* sent a RST */
    TS_EP_DATA = 1u << 4,       /* sent payload */
    TS_EP_SEEN = 1u << 5,       /* sent anything */
    TS_EP_ACKED = 1u << 6,      /* lastack valid */
    TS_EP_GOT_SYN = 1u << 7,    /* receipt of the peer's SYN proven */
    TS_EP_GOT_FIN = 1u << 8,    /* receipt of the peer's FIN proven */
    TS_EP_WSCALE = 1u << 9,     /* sent window scale on its SYN */
    TS_EP_BASE = 1u << 10,      /* base (relative seq origin) known */
    TS_EP_FIN_ACKED = 1u << 11, /* its FIN was acknowledged */
    TS_EP_ZEROWIN = 1u << 12,   /* last window advertised was 0 */
    TS_EP_LAST_KA = 1u << 13,   /* its last segment was a keep-alive */
    /* Receipt of the peer's SYN (FIN) implied by the order of one path: a
     * later segment of the peer reached it, so the SYN (FIN) did first.  It
     * answers a SYN or FIN at once, so an ACK of its own SYN or FIN that came
     * behind is applied when it has answered (docs/states.md, in flight). */
    TS_EP_IMPL_SYN = 1u << 14,
    TS_EP_IMPL_FIN = 1u << 15,
};

/* One side of a connection, as seen from its own segments.  Sequence numbers
 * are raw; compare them only with the wrap-safe helpers. */
struct ts_endpoint {
    uint32_t isn;     /* ISN (its SYN's seq), or base - 1 when no SYN was seen */
    uint32_t nxt;     /* highest seq + len (+SYN/FIN) sent */
    uint32_t lastack; /* last ACK value it sent */
    uint32_t fin_seq; /* seq of its FIN */
    uint64_t bytes;   /* payload bytes sent (wire lengths) */
    uint32_t segs;    /* segments sent */
    uint32_t retrans; /* retransmissions */
    uint32_t last_flag_seq[3]; /* Zeek: seq of its last SYN, FIN, RST */
    uint16_t flags;   /* TS_EP_* */
    uint16_t win;     /* last raw window */
    uint8_t wscale;   /* window scale it announced (valid with TS_EP_WSCALE) */
    uint8_t state;    /* enum ts_state */
    uint8_t dupacks;  /* duplicate ACKs in a row */
    uint8_t zcount[4]; /* Zeek c, g, t, w counters (saturating) */
    uint16_t last_ipid; /* IPv4 id of its last segment (duplicate check) */
    uint32_t last_seq;  /* seq of its last segment */
    uint8_t last_flags; /* flags of its last segment */
    uint8_t passive;    /* it left LISTEN for SYN_RCVD (a RST there returns it) */
    uint16_t last_cksum; /* TCP checksum field of its last segment */
    uint32_t last_len;  /* payload length of its last segment */
    /* times as microseconds since the connection's first segment, compared
     * only over short spans (mod 2^32, valid for gaps under 71 minutes) */
    uint32_t t_nxt_us;  /* when nxt last advanced (tshark's nextseqtime) */
    uint32_t t_seg_us;  /* when its last segment passed (tshark's lastacktime) */
    uint32_t zlast;     /* Zeek's last_seq for it (one past its highest) */
};

/* Tracker bookkeeping, first in every stored record (not for users). */
struct ts_conn_link {
    uint32_t hnext, lru_prev, lru_next;
    uint8_t lru_list; /* 0 open list, 1 closed list */
    uint8_t touched;  /* active since queued on its list */
    uint8_t compact;  /* fitted the compact form at every store so far */
};

/* A connection.  Read-only for everyone but the tracker.  A pointer to one
 * (in an event or a verdict callback) is valid until the next call into the
 * tracker.  ts_conn_view() copies what is public of it (track.c). */
struct ts_conn {
    struct ts_conn_link link;
    uint64_t id;               /* 1, 2, 3 ... in order of first segment */
    struct ts_addr addr[2];    /* [TS_C2S] client, [TS_S2C] server */
    uint16_t port[2];          /* client port, server port */
    uint64_t t_first, t_last;  /* ns */
    uint64_t t_syn, t_synack, t_hs_ack; /* ns; 0 = not seen */
    struct ts_endpoint ep[2];  /* [TS_C2S] client, [TS_S2C] server */
    uint8_t completeness;      /* tshark tcp.completeness bits */
    uint8_t closed_by;         /* 0 none, 1 client, 2 server (first FIN or RST) */
    uint8_t close_kind;        /* enum ts_close_kind */
    uint8_t rst_reason;        /* enum ts_rst_reason of the first RST */
    uint8_t hist_len;
    char history[23];          /* Zeek history; '+' marks truncation */
    uint32_t zflags;           /* Zeek "once" letters seen, per direction */
    uint8_t flipped;           /* orientation came from a SYN+ACK seen first */
    uint8_t zeek_orig_server;  /* Zeek's originator is our server */
    uint8_t zeek_flip;         /* Zeek flipped the roles at creation ('^') */
    uint8_t zstate[2];         /* Zeek endpoint states, [originator], [responder] */
    uint8_t zprev[2];          /* ... and each one's state before its last change */
    uint8_t pickup;            /* no handshake seen */
    uint8_t simopen, simclose; /* simultaneous open / close happened */
    uint8_t half_closed;       /* data after a FIN */
    uint8_t merged;            /* a FIN+ACK acked the first FIN (teardown-2+3) */
    uint32_t tkey;             /* ts_seg.tun_key of its segments (0: none, or
                                  keyed on the inner tuple alone) */
    uint8_t zsplit;            /* Zeek would have ended its record and started
                                  another: a segment came more than
                                  tcp_close_delay after Zeek's close */
    uint64_t zclose;           /* when Zeek took the connection for closed
                                  (ns; 0 = not yet) */
};

#endif
