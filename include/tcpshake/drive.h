/* tcpshake drive: carry a real TCP peer through a whole connection with
 * crafted segments — craft (libnet) + capture (libpcap, immediate mode, a BPF
 * filter on the session's tuple) + the tracer's decoder, tracker and state
 * machine.
 *
 * ts_drive_connect() is the client: SYN with the options asked for, the peer's
 * SYN+ACK, ACK, our data in MSS-sized segments within the peer's window, the
 * peer's data ACKed and handed to a callback, then the close asked for.
 * ts_drive_listen() is the server: it answers clients' SYNs on a port with
 * crafted SYN+ACKs, several clients at once kept apart by 4-tuple.
 * ts_drive_replay() replays the client side of a captured connection.
 *
 * Our SYN, SYN+ACK, FIN and data are retransmitted on timeout (RFC 6298
 * RTO, bounded tries).  The local kernel's RSTs are kept away by a guard for
 * the session's ports (guard.h), installed and removed here on every exit
 * path; a stop flag (set by the caller's signal thread) plus a descriptor to
 * poll (written by it) end the session early, cleanly.
 *
 * Everything the session sees and does is reported through callbacks: every
 * segment sent or received with the tracker's event (role, both states),
 * each connection's verdict, the peer's data, and one-line notes.  Nothing
 * here prints or exits.
 */
#ifndef TCPSHAKE_DRIVE_H
#define TCPSHAKE_DRIVE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpshake/decode.h"
#include "tcpshake/engine.h"
#include "tcpshake/export.h"
#include "tcpshake/track.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How our side ends the connection. */
enum ts_drive_close {
    TS_DRIVE_CLOSE_ACTIVE = 0, /* our FIN first; TIME_WAIT for time_wait_ns */
    TS_DRIVE_CLOSE_PASSIVE,    /* wait for the peer's FIN, ACK it, then ours */
    TS_DRIVE_CLOSE_RST,        /* abort with RST */
    TS_DRIVE_CLOSE_NONE,       /* leave it open */
};

/* How a session ended (also the per-connection result). */
enum ts_drive_outcome {
    TS_DRIVE_OK = 0,
    TS_DRIVE_FAILED,      /* a local failure: err says what */
    TS_DRIVE_REFUSED,     /* a RST answered our SYN */
    TS_DRIVE_UNREACHABLE, /* an ICMP destination unreachable about our SYN */
    TS_DRIVE_TIMEOUT,     /* no answer after the retransmissions, or the peer
                          did not do what we waited for within timeout_ns */
    TS_DRIVE_RESET,       /* the peer aborted an open connection with RST */
    TS_DRIVE_INTERRUPTED, /* the stop flag was set */
    TS_DRIVE_DIFFERS,     /* replay: the live server did not answer as captured */
};

TS_API const char *ts_drive_close_name(enum ts_drive_close c);
TS_API int ts_drive_close_parse(const char *s, enum ts_drive_close *c);
TS_API const char *ts_drive_outcome_name(enum ts_drive_outcome o);

/* Options our SYN (connect) or SYN+ACK (listen) offers.  A SYN+ACK carries
 * window scale, SACK-permitted and timestamps only when the client's SYN
 * offered them too (RFC 7323 §1.3, RFC 2018 §2). */
struct ts_drive_syn_opts {
    bool no_mss;       /* no MSS option at all */
    uint16_t mss;      /* 0: the route's MTU less the headers */
    bool wscale;
    uint8_t wscale_shift;
    bool sackok;
    bool ts;
};

#define TS_DRIVE_DIFFERS_NOTE "differs: "

/* Callbacks; any may be NULL. */
struct ts_drive_hooks {
    void *user;
    /* In-order payload from the peer of connection `conn_no` (1, 2, ...). */
    void (*data)(void *user, unsigned conn_no, const uint8_t *p, uint32_t n);
    /* A one-line note: retransmission, TIME_WAIT, ICMP, guard installed, a
     * connection's outcome ...  t_ns: wall clock.  A replay's differences
     * from the capture begin with TS_DRIVE_DIFFERS_NOTE. */
    void (*note)(void *user, uint64_t t_ns, const char *text);
    /* Every frame of the session as raw IP bytes (LINKTYPE_RAW), sent and
     * received, for -w. */
    void (*frame)(void *user, uint64_t t_ns, const uint8_t *ip, uint32_t len);
};

struct ts_drive_cfg {
    /* the peer (connect, replay) or our listening address (listen; family 0
     * = any address of ours, then `family` says which IP version) */
    uint8_t family;
    struct ts_addr remote;
    uint16_t rport;
    struct ts_addr local;      /* connect: family 0 = the route's source */
    uint16_t lport;            /* connect: 0 = random outside the kernel's
                                  ephemeral range; listen: the port */
    bool isn_set;
    uint32_t isn;
    struct ts_drive_syn_opts syn;
    uint32_t win;              /* window we advertise (bytes; above 65535 only with
                                  syn.wscale); 0 = 64240, or 4 MiB when
                                  syn.wscale is offered */

    const uint8_t *data;       /* connect: what we send; listen: the reply */
    uint32_t data_len;
    enum ts_drive_close close;

    uint64_t rto_ns;           /* initial RTO; 0 = 1 s (RFC 6298 §2.1) */
    uint64_t rto_min_ns;       /* 0 = 200 ms (Linux's TCP_RTO_MIN) */
    uint64_t rto_max_ns;       /* 0 = 60 s */
    unsigned retries;          /* retransmissions of one segment before we
                                  give up (0 = none) */
    uint64_t timeout_ns;       /* waiting for the peer's data or FIN */
    uint64_t linger_ns;        /* quiet time after the last data before our
                                  close (connect) or reply (listen, when the
                                  client sends nothing) */
    uint64_t time_wait_ns;     /* our TIME_WAIT */

    const char *iface;         /* capture on it; NULL = the interface that
                                  owns the local address (or "any") */
    bool no_guard;             /* --no-rst-guard */
    uint32_t mark;             /* SO_MARK of our socket; 0 = 0x7473 */
    unsigned count;            /* connect: connections one after another;
                                  listen: connections served; 0 = 1 */

    volatile sig_atomic_t *stop; /* set by the caller's signal thread */
    int wake_fd;               /* readable when stop is set; -1 = none */

    struct ts_drive_hooks hooks;

    /* Every segment sent and received, and every connection's verdict, go
     * through this engine (engine.h, push mode) to its sinks: text, JSON,
     * ladder, SVG, Zeek log, stats, as `trace` gives them.  The caller
     * makes it (its track.time_wait_ns is when a verdict is given after our
     * TIME_WAIT: set it to time_wait_ns), finishes and frees it; the
     * session delivers the verdicts of what is still open before it
     * returns.  NULL: no trace. */
    struct ts_engine *engine;
};

/* Defaults for everything (then set what the user asked for). */
TS_API void ts_drive_cfg_init(struct ts_drive_cfg *cfg);

struct ts_drive_result {
    enum ts_drive_outcome outcome;
    unsigned conns_ok, conns_failed;
    uint64_t bytes_sent, bytes_received;
    uint32_t retransmissions;
    uint32_t bad_checksums;    /* received segments discarded: checksum wrong */
    /* how the connection coped with the path */
    uint32_t fast_retransmits; /* loss recoveries begun by duplicate ACKs or SACK */
    uint32_t lost_retransmits; /* retransmissions found lost again in recovery */
    uint32_t tail_probes;      /* tail loss probes sent (RFC 8985 §7) */
    uint32_t stall_probes;     /* heads resent when a recovery's ACKs stopped */
    uint32_t spurious_recoveries; /* recoveries undone: reordering (D-SACK) */
    uint32_t spurious_rtos;    /* retransmission timeouts undone: the original
                                  arrived (timestamps, RFC 3522) */
    uint32_t dup_acks;         /* duplicate ACKs received */
    uint32_t out_of_order;     /* segments of the peer's that came ahead of a hole */
    uint32_t ooo_dropped;      /* ... of which none could be held */
    uint32_t window_probes;    /* zero-window probes sent */
    uint32_t pmtu_updates;     /* path MTU lowered by ICMP */
    uint64_t capture_drops;    /* frames libpcap dropped (recovered by
                                  retransmission, but worth knowing) */
    /* handshake times (SYN sent -> our ACK sent), connect only */
    unsigned hs_n;
    uint64_t hs_ns_sum, hs_ns_min, hs_ns_max;
    uint64_t hs_ns_median, hs_ns_p99; /* over the first 65,536 handshakes */
    char guard_table[64];      /* "" when no guard was installed */
};

/* Each returns 0 when the session ran (see res->outcome; err holds a
 * one-line message for any outcome but TS_DRIVE_OK), or -1 with err filled
 * when it could not start (privileges, addresses, capture, guard). */
TS_API int ts_drive_connect(const struct ts_drive_cfg *cfg, struct ts_drive_result *res,
                            char *err, size_t errlen);
TS_API int ts_drive_listen(const struct ts_drive_cfg *cfg, struct ts_drive_result *res,
                           char *err, size_t errlen);

/* Replay the client side of connection number conn_no (1-based, in order of
 * first segment; 0 = the first with a SYN) of `pcap` against cfg->remote:
 * cfg->data is ignored; the capture's client payload is sent with seq/ack
 * rewritten, waiting for the server's answers the way the capture did.
 * Differences between the live server and the capture are reported as
 * notes; res->outcome is TS_DRIVE_DIFFERS when there were any. */
TS_API int ts_drive_replay(const struct ts_drive_cfg *cfg, const char *pcap,
                           unsigned conn_no, struct ts_drive_result *res, char *err,
                           size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
