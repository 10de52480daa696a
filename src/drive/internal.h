/* Shared between the files of the driver (src/drive/); not installed. */
#ifndef TCPSHAKE_DRIVE_INTERNAL_H
#define TCPSHAKE_DRIVE_INTERNAL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "tcpshake/capture.h"
#include "tcpshake/craft.h"
#include "tcpshake/decode.h"
#include "tcpshake/drive.h"
#include "tcpshake/fsm.h"
#include "tcpshake/guard.h"
#include "tcpshake/track.h"

/* ---- wire.c --------------------------------------------------------------- */

/* An ICMP / ICMPv6 destination unreachable, or an ICMPv6 packet too big,
 * quoting a TCP segment. */
struct ts_drive_icmp {
    uint8_t family, type, code;
    uint32_t mtu;                    /* fragmentation needed / packet too big:
                                        the next hop's MTU (0 = not given) */
    struct ts_addr from;             /* who sent the ICMP */
    struct ts_addr in_src, in_dst;   /* the quoted segment */
    uint16_t in_sport, in_dport;
    uint32_t in_seq;
};

int ts_drive_ip_offset(int dlt, const uint8_t *p, uint32_t caplen, uint32_t *off);
/* 0 for a destination unreachable (or ICMPv6 packet too big) quoting a TCP
 * segment, -1 otherwise. */
int ts_drive_icmp_parse(const uint8_t *ip, uint32_t len, struct ts_drive_icmp *ic);
/* Whether it says our segment was too big for the path (ic->mtu). */
bool ts_drive_icmp_too_big(const struct ts_drive_icmp *ic);
const char *ts_drive_icmp_text(const struct ts_drive_icmp *ic, char *buf, size_t len);
/* The interface that owns address a; -1 if none does. */
int ts_drive_iface_of(const struct ts_addr *a, char *name, size_t len);

/* ---- sess.c: craft + capture + tracker + guard ------------------------------ */

/* Whether a decoded segment may reach an endpoint: its TCP checksum verified
 * (or left to send-side offload by the capturing host), its IPv4 header
 * checksum right, and the whole segment captured. */
bool ts_drive_seg_intact(const struct ts_seg *seg);
/* The window we advertise: cfg->win, or 64240, or 4 MiB with window
 * scaling offered (at most 65535 << shift). */
uint32_t ts_drive_default_window(const struct ts_drive_cfg *cfg);

/* The capture's snap length: the largest IP datagram and a link header. */
#define DSESS_SNAPLEN (65535 + 64)

struct dsess;
typedef void (*dsess_tcp_fn)(struct dsess *s, const struct ts_seg *seg,
                             const uint8_t *frame);
typedef void (*dsess_icmp_fn)(struct dsess *s, const struct ts_drive_icmp *ic,
                              uint64_t t_ns);

struct dsess {
    const struct ts_drive_cfg *cfg;
    struct ts_drive_result *res;
    struct ts_craft_session *cs;
    struct ts_capture *cap;
    int cap_fd, dlt;
    struct guard *guard;
    struct ts_craft_rng rng;
    uint32_t mtu;            /* path MTU (0 = unknown) */
    char ifname[IF_NAMESIZE + 8];
    dsess_tcp_fn on_tcp;
    dsess_icmp_fn on_icmp;
    /* replay: sees the peer's in-order data before the data hook */
    void (*data_tap)(struct dsess *s, const uint8_t *p, uint32_t n);
    void *ctx;
    uint32_t *hs_samples;    /* handshake times (ns), for the median */
    uint32_t hs_n, hs_cap;
    uint64_t drops_checked;  /* when libpcap's drop count was last read */
    /* Our sent frames, held until the capture has handed over what arrived
     * before them, so that the trace and -w see the wire's order (a peer's
     * FIN that crossed ours comes first).  Fed at the end of each dispatch,
     * before a captured frame stamped later, before a note, at close. */
    struct dsess_sent {
        uint64_t t;
        int dlt;
        uint32_t len, ip_off;
        uint8_t *data;
        uint32_t cap;
    } *sent;
    uint32_t nsent, sent_cap;
    bool io_failed;          /* a send or the capture failed: see ioerr */
    char ioerr[320];
};

/* The trace (cfg->engine, may be NULL): verdicts of connections whose
 * TIME_WAIT or idle time ran out by now; with `all`, of every connection
 * still open. */
void dsess_verdicts(struct dsess *s, bool all);

/* Open everything a session needs.  filter: the BPF expression; spec: the
 * guard to install (NULL: none).  -1 with err (everything opened so far is
 * closed again). */
int dsess_open(struct dsess *s, const struct ts_drive_cfg *cfg,
               struct ts_drive_result *res, const struct ts_addr *local,
               const char *filter, const struct ts_guard_spec *spec, char *err,
               size_t errlen);
/* Verdicts of what is still tracked, guard removed, all closed.  -1 with err
 * when the guard could not be removed. */
int dsess_close(struct dsess *s, char *err, size_t errlen);
/* Build, send, report (frame hook, tracker, seg hook).  -1: io_failed set. */
int dsess_send(struct dsess *s, const struct ts_craft_seg *seg);
/* Process what the capture has; if nothing, wait until it has, the wake fd
 * fires, or deadline (monotonic ns; 0 = wait without limit).  -1: io_failed. */
int dsess_wait(struct dsess *s, uint64_t deadline);
void dsess_note(struct dsess *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool dsess_stopped(const struct dsess *s);
/* The tracker's view of time is the wall clock; timers use the monotonic. */
uint64_t dsess_mono(void);


/* ---- reasm.c: out-of-order data held for us; the peer's SACK blocks ------- */

#define REASM_RUNS 32
struct reasm {
    uint8_t *buf;            /* size bytes, allocated at the first hold */
    uint32_t size, base;     /* a power of two >= the window; base: any seq */
    uint32_t latest;         /* seq of the latest segment held (for SACK) */
    uint32_t run[REASM_RUNS][2]; /* held [left, right), sorted, disjoint */
    unsigned n;
    uint32_t bytes;
};
void reasm_init(struct reasm *q, uint32_t base, uint32_t window);
void reasm_free(struct reasm *q);
/* Hold what of [seq, seq+len) lies in [rcv_nxt, rcv_nxt + size).  -1: not
 * held (no run left, or no memory). */
int reasm_add(struct reasm *q, uint32_t rcv_nxt, uint32_t seq, const uint8_t *p,
              uint32_t len);
/* The held bytes starting at rcv_nxt, as one piece (call again after
 * moving rcv_nxt past it): their length, 0 when rcv_nxt is not held. */
uint32_t reasm_pop(struct reasm *q, uint32_t rcv_nxt, const uint8_t **p);
/* Up to max SACK blocks (RFC 2018 §4): the run of the latest segment
 * first. */
unsigned reasm_sack(const struct reasm *q, uint32_t rcv_nxt, uint32_t (*blk)[2],
                    unsigned max);

/* The sender's scoreboard: what the peer SACKed above snd_una. */
#define SBOARD_RUNS 32
struct sboard {
    uint32_t run[SBOARD_RUNS][2];
    unsigned n;
};
void sboard_clear(struct sboard *b);
/* The cumulative ACK moved to una: forget what it covers. */
void sboard_ack(struct sboard *b, uint32_t una);
/* A SACK block; true when it told something new. */
bool sboard_add(struct sboard *b, uint32_t l, uint32_t r, uint32_t una, uint32_t max);
/* Whether seq was SACKed (and where its run ends). */
bool sboard_has(const struct sboard *b, uint32_t seq, uint32_t *run_end);
/* The first SACKed byte above seq, or limit if none is below it. */
uint32_t sboard_next_sacked(const struct sboard *b, uint32_t seq, uint32_t limit);
/* RFC 6675 IsLost(seq), DupThresh given (3 unless reordering was seen). */
bool sboard_is_lost(const struct sboard *b, uint32_t seq, uint32_t smss,
                    unsigned dupthresh);
/* The right edge of the highest SACKed run (una when none). */
uint32_t sboard_high(const struct sboard *b, uint32_t una);
uint32_t sboard_bytes(const struct sboard *b);

/* ---- tcb.c: one connection, our side ------------------------------------- */

#define TCB_RXT_MAX 32

struct tcb {
    struct dsess *s;
    unsigned no;             /* connection number, for the data hook */
    bool server;
    bool done;
    enum ts_drive_outcome outcome;
    char msg[320];

    uint8_t st;              /* enum ts_state: our own state */
    struct ts_craft_seg tmpl;   /* addresses, ports, TTL ... */

    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd;
    uint32_t irs, rcv_nxt;
    uint16_t smss;           /* payload bytes per segment we send */
    uint32_t mtu;            /* path MTU to the peer (0 = unknown) */
    uint8_t snd_shift, rcv_shift;
    bool ws_ok, ts_ok, sack_ok;
    uint16_t peer_mss;       /* 0: none offered */
    uint32_t ts_recent;
    uint64_t ts_base;        /* monotonic ns at TSval 0 */
    uint32_t ts_off;         /* random TSval offset */

    const uint8_t *out;      /* what we send, first byte at iss + 1 */
    uint32_t out_len;
    bool out_queued;         /* listen: the reply is on its way */
    bool scripted;           /* replay: the script releases data and closes */
    uint32_t out_lim;        /* replay: bytes of out released so far */
    bool fin_wanted, fin_sent, fin_acked, peer_fin;
    uint32_t fin_seq;
    bool got_data;

    /* receiving: what came ahead of rcv_nxt, the peer's FIN if it did */
    struct reasm rq;
    uint32_t rcv_wnd;        /* bytes we can hold from rcv_nxt on */
    bool peer_fin_ahead;
    uint32_t peer_fin_seq;

    /* sending: the peer's window (RFC 9293 SND.WL1/WL2), congestion
     * control (RFC 5681), loss recovery (RFC 6675 with SACK, RFC 6582
     * without), the persist timer */
    uint32_t snd_wl1, snd_wl2;
    uint32_t cwnd, ssthresh;
    unsigned dupacks;
    bool in_recovery;
    uint32_t recover;        /* RecoveryPoint: snd_max when recovery began */
    uint32_t high_rxt;       /* RFC 6675 HighRxt */
    struct sboard sb;
    struct {
        uint32_t seq, end, mark; /* mark: snd_max when it went */
        uint64_t at;             /* when it went */
    } rxt[TCB_RXT_MAX];      /* retransmissions in this recovery, in order */
    unsigned nrxt;
    bool rxt_dropped;        /* older ones fell off rxt[]: rack_fire() */
    /* reordering taken for loss (RFC 3708, RFC 6675 §8), or an RTO the
     * original outran (RFC 3522): the window before the last recovery or
     * RTO, and its retransmissions not yet shown spurious by a D-SACK (RFC
     * 2883); DupThresh grows with each undone recovery */
    uint32_t prior_cwnd, prior_ssthresh;
    int undo_retrans;        /* -1: nothing to undo */
    bool undo_is_rto;        /* ... and they were an RTO's (Eifel's undo) */
    unsigned dupthresh;
    uint64_t tlp_at;         /* tail loss probe due (0: none) */
    uint64_t rack_at;        /* recovery timer due (0: none) */
    uint32_t rack_lost_upto; /* holes below it are taken for lost */
    bool tlp_out;            /* one was sent for this tail */
    uint64_t stall_at;       /* stalled-recovery probe due (0: none) */
    unsigned stall_n;        /* ... sent since the peer's last ACK */
    uint64_t persist_at;     /* 0: no persist timer */
    unsigned persist_n;      /* probes sent since the window closed */
    bool probe_out;          /* a window probe's byte is beyond snd_max */
    bool probe_answered;     /* the peer answered the latest probe */
    unsigned probes_unanswered; /* probes in a row with no answer */

    /* retransmitted data not yet acknowledged lies below rxt_top; the
     * latest resend had TSval rxt_tsval: an echo older than it is of an
     * earlier copy, whose ACK was lost, and times our wait, not the path */
    bool rxt_out;
    uint32_t rxt_top, rxt_tsval;
    /* Eifel (RFC 3522, RFC 4015): the first RTO retransmission's TSval
     * (the window before it: prior_cwnd, prior_ssthresh); the first ACK of
     * new data after it echoing an older TSval says the original arrived:
     * the RTO was spurious */
    bool rto_check;
    uint32_t rto_tsval;

    uint64_t rto, srtt, rttvar;
    unsigned backoff;        /* RTO doublings since the last progress */
    bool have_rtt;
    unsigned tries;          /* retransmissions of the segment at snd_una */
    uint64_t rexmit_at;      /* 0: no timer */
    bool timing;
    uint32_t timed_seq;
    uint64_t timed_at;

    uint64_t last_act;       /* last progress (monotonic) */
    uint64_t est_at;         /* when the handshake completed */
    uint64_t tw_until;
    bool tw_noted;
    uint64_t t_syn;          /* SYN sent (monotonic), for handshake timing */
    unsigned emitted;        /* segments sent (to tell whether an ACK went) */
};

/* Client: a TCB with local/remote filled, ready to send its SYN. */
void tcb_init(struct tcb *t, struct dsess *s, bool server,
              const struct ts_addr *la, uint16_t lp, const struct ts_addr *ra,
              uint16_t rp, uint32_t iss);
int tcb_connect(struct tcb *t);                       /* send our SYN */
/* Server: the client's SYN arrived; answer it with our SYN+ACK. */
int tcb_accept(struct tcb *t, const struct ts_seg *syn);
void tcb_input(struct tcb *t, const struct ts_seg *seg, const uint8_t *frame);
void tcb_icmp(struct tcb *t, const struct ts_drive_icmp *ic);
/* Timers and the close/reply decisions; call after input and on wake-up. */
void tcb_step(struct tcb *t);
/* Send what out / out_lim and fin_wanted allow now (replay's script). */
void tcb_output(struct tcb *t);
/* When tcb_step wants to run next (monotonic ns; 0 = nothing pending). */
uint64_t tcb_deadline(const struct tcb *t);
/* Abort with RST (listen: --timeout ran out, or the session stops). */
void tcb_abort(struct tcb *t, enum ts_drive_outcome why, const char *msg);
/* For a loop driving one connection: if the session was stopped by a signal
 * (abort with RST) or its I/O failed (connection failed), end t and say so. */
bool tcb_session_over(struct tcb *t);
bool tcb_matches(const struct tcb *t, const struct ts_seg *seg);
/* Free what the TCB holds (done also when it finishes); idempotent. */
void tcb_release(struct tcb *t);

#endif
