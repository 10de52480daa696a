/* tcpshake script: running a script against the kernel (script.h).
 *
 * The semantics are packetdrill's, read from its documentation and code
 * and written anew:
 * - times: an absolute time counts from the start; a relative one from
 *   when the previous event was done, except that an inbound packet right
 *   after another inbound packet counts from that packet's script time;
 * - sequence numbers: a `<` SYN carries the number written, and the peer's
 *   later segments are relative to it; the stack's are relative to its ISN,
 *   learned from its SYN or SYN+ACK, so `> S. 0:0(0)` stands for any ISN;
 *   acknowledgments, SACK blocks and TS echoes are mapped the same ways;
 * - an outbound packet is the next segment of the connection under test
 *   the stack sends; every field written is compared (window only when
 *   written, options unless <...>, TS values only with --tcp_ts_tick_usecs)
 *   and its time must be within the tolerance (4 ms, or 12.5% of the time
 *   since the previous event when more); a script segment longer than the
 *   one that came takes the stack's next segments that continue it, as
 *   its TSO/GSO cut them (unless --strict_segments);
 * - a system call without a return time blocks the script until it
 *   returns; with one (+0...0.1) it runs while the script goes on, and its
 *   return time is checked when it comes.
 * Unlike packetdrill, a failure names every field that differs, not only
 * the first.
 */

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/times.h>

#include "call.h"
#include "code.h"
#include "lab.h"
#include "tcpshake/craft.h"
#include "tcpshake/inject.h"

#define US 1000LL /* ns in a microsecond */
#define MS 1000000LL /* ns in a millisecond */
/* what `event` is told of a line --skip-syscalls skipped (the command
 * knows these by their first word) */
#define SKIPPED "skipped: --peer runs the packet lines only"
#define QMAX 4096 /* captured frames waiting to be matched */

enum cstate {
    C_NONE,           /* no socket under test yet */
    C_INIT,           /* socket() */
    C_LISTEN,         /* listen() */
    C_CONNECTING,     /* connect(): the next SYN out is ours */
    C_ACTIVE_SYN_SENT,
    C_PASSIVE_SYN_RCVD, /* our SYN went in */
    C_PASSIVE_SYNACK_SENT,
    C_EST,            /* the handshake done (or whatever comes after) */
};

struct frame {
    uint64_t t;  /* CLOCK_MONOTONIC ns */
    uint64_t wall;
    uint32_t len, wirelen;
    int dlt;
    uint8_t *p;
};

/* --peer: a connection the script opened, to be reset at the end */
struct pconn {
    uint16_t rport;
    uint32_t snd_nxt, rcv_nxt; /* live numbers */
    bool sent;                 /* snd_nxt is set */
    bool reset;                /* a RST went either way */
    bool fin_out, fin_in;      /* a FIN went each way */
    uint32_t fin_in_end;       /* the stack's FIN's sequence space end */
    bool has_acked;
    uint32_t acked;            /* the last ack the stack sent */
    bool rst_sent;             /* our closing RST went: an ACK after it is a
                                * challenge ACK (RFC 5961), answered once */
    bool challenged;
};
#define PCONN_MAX 64

struct tsmap {
    uint32_t script, live;
};

struct run {
    const struct ts_script *s;
    const struct ts_script_run_cfg *cfg;
    struct ts_script_result *res;
    struct ts_lab lab;
    struct call_env env;
    uint64_t start;   /* mono ns of the script's time 0 */
    int64_t wall_off; /* realtime - monotonic, ns */
    int64_t tol;      /* us */
    double tol_pct;
    int64_t ts_tick;  /* --tcp_ts_tick_usecs */
    bool ecr_scaled;  /* --tcp_ts_ecr_scaled */
    bool non_fatal;   /* --non_fatal=packet */
    bool strict_segments; /* --strict_segments: no aggregation */
    int64_t agg_bad_byte; /* an aggregated segment's first non-zero byte, or -1 */
    uint8_t agg_bad_val;
    uint64_t any_wait;

    /* the connection under test, packetdrill's one socket */
    enum cstate st;
    int fd;
    uint16_t lport, rport, next_port;
    uint32_t local_isn_live, local_isn_script, remote_isn;
    /* the stack's ports of earlier connections: a SYN from one of them (an
     * old socket's retransmission) is not the new connect()'s */
    uint16_t old_lports[64];
    unsigned nold;
    struct tsmap tsm[256];
    unsigned ntsm;
    bool ts_first;
    uint32_t first_script_val, first_live_val;

    /* frames the stack sent, not yet matched */
    struct frame q[QMAX];
    unsigned qh, qn;

    /* a blocking call out in the agent */
    bool busy;
    const struct ts_script_event *bev;
    struct ts_agent_req bq;
    int64_t bstart, bend; /* its expected start and return, us */

    /* the previous event, for relative times */
    const struct ts_script_event *last;
    int64_t last_us;

    int code_fd;    /* the agent's socket under test for python lines */
    struct code_snap *snaps;
    size_t nsnaps;

    /* --peer */
    bool peer;
    int64_t late;        /* us: how late the stack's segments may come (the RTT) */
    unsigned next_pport; /* the next of the lab's ports to use */
    double tokens;       /* the rate limit's bucket */
    uint64_t refill;     /* ns: when it was last filled */
    int64_t paced;       /* us the current event's segments waited for the rate */
    int64_t sent_us;     /* when the last < event's first segment went (-1: none yet) */
    bool pinned;         /* a local run: on one CPU (pin_here), cpus_was to restore */
    cpu_set_t cpus_was;
    const struct ts_script_event *ret_ev; /* the last call that returned in its turn */
    int64_t ret_us;      /* us: when it returned in the stack's process */
    struct pconn conns[PCONN_MAX];
    unsigned nconns;
    bool quiet;          /* the probe's frames are not the script's */

    uint8_t *buf;   /* TS_AGENT_MAX_DATA: a call's data */
    uint8_t *rbuf;  /* TS_AGENT_MAX_DATA: a reply's data */
    uint8_t *zeros; /* payload of injected segments */
};

static int64_t now_us(const struct run *r)
{
    return (int64_t)(ts_inject_now_ns() - r->start) / US;
}

static bool stopped(const struct run *r)
{
    return r->cfg->stop && *r->cfg->stop;
}

/* ---- results ------------------------------------------------------------------- */

static void add_detail(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_detail(struct run *r, const char *fmt, ...)
{
    size_t n = strlen(r->res->detail);
    if (n + 1 >= sizeof r->res->detail)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->res->detail + n, sizeof r->res->detail - n, fmt, ap);
    va_end(ap);
}

static int fail_at(struct run *r, const struct ts_script_event *ev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(struct run *r, const struct ts_script_event *ev, const char *fmt, ...)
{
    if (r->res->status != TS_SCRIPT_PASS)
        return -1; /* the first failure is the one told */
    r->res->status = TS_SCRIPT_FAIL;
    if (ev) {
        r->res->line = ev->line;
        r->res->col = ev->col;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->res->msg, sizeof r->res->msg, fmt, ap);
    va_end(ap);
    return -1;
}

static int error(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int error(struct run *r, const char *fmt, ...)
{
    if (r->res->status != TS_SCRIPT_PASS)
        return -1;
    r->res->status = TS_SCRIPT_ERROR;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->res->msg, sizeof r->res->msg, fmt, ap);
    va_end(ap);
    return -1;
}

static void told(struct run *r, const struct ts_script_event *ev, int64_t at_us, const char *what)
{
    if (r->cfg->event)
        r->cfg->event(r->cfg->user, ev, (double)at_us / 1e6, what);
}

/* ---- the wire ------------------------------------------------------------------ */

static struct pconn *pconn_find(struct run *r, uint16_t rport)
{
    for (unsigned i = 0; i < r->nconns; i++)
        if (r->conns[i].rport == rport)
            return &r->conns[i];
    return NULL;
}

static struct pconn *pconn_of(struct run *r, uint16_t rport)
{
    struct pconn *c = pconn_find(r, rport);
    if (c)
        return c;
    if (r->nconns == PCONN_MAX)
        return NULL;
    c = &r->conns[r->nconns++];
    memset(c, 0, sizeof *c);
    c->rport = rport;
    return c;
}

/* The hook's frames are Ethernet: a --peer run's capture may have another
 * link type and its raw sends have none, so their IP datagram gets a header
 * with the lab's two made-up addresses. */
static void to_hook(struct run *r, uint64_t t_ns, int dlt, const uint8_t *pkt, uint32_t caplen,
                    uint32_t wirelen, bool injected)
{
    if (!r->cfg->frame || r->quiet)
        return;
    uint32_t ip_off;
    if (dlt == TS_DLT_EN10MB) {
        r->cfg->frame(r->cfg->user, t_ns, pkt, caplen, wirelen, injected);
        return;
    }
    if (dlt == TS_DLT_LINKTYPE_RAW || dlt == TS_DLT_RAW || dlt == TS_DLT_RAW_ALT) {
        ip_off = 0;
    } else {
        struct ts_seg seg;
        if (ts_decode(dlt, pkt, caplen, wirelen, false, &seg) == TS_DEC_BAD_LINK ||
            !seg.ipver)
            return;
        ip_off = seg.ip_off;
    }
    if (ip_off >= caplen)
        return;
    uint32_t n = caplen - ip_off;
    uint8_t *b = malloc(14 + (size_t)n);
    if (!b)
        return;
    bool six = (pkt[ip_off] >> 4) == 6;
    memcpy(b, injected ? r->lab.stack_mac : r->lab.wire_mac, 6);
    memcpy(b + 6, injected ? r->lab.wire_mac : r->lab.stack_mac, 6);
    b[12] = six ? 0x86 : 0x08;
    b[13] = six ? 0xdd : 0x00;
    memcpy(b + 14, pkt + ip_off, n);
    r->cfg->frame(r->cfg->user, t_ns, b, 14 + n, 14 + (wirelen > ip_off ? wirelen - ip_off : n),
                  injected);
    free(b);
}

static void on_capture(void *user, int dlt, uint64_t t_ns, const uint8_t *pkt, uint32_t caplen,
                       uint32_t wirelen)
{
    struct run *r = user;
    to_hook(r, t_ns, dlt, pkt, caplen, wirelen, false);
    struct ts_seg sg;
    struct pconn *pc;
    if (r->peer && ts_decode(dlt, pkt, caplen, wirelen, false, &sg) == TS_DEC_TCP &&
        (pc = pconn_find(r, sg.dport)) != NULL) {
        /* every segment of the host's, matched by a line or not: the end
         * resets with what it last acknowledged */
        if (sg.flags & TS_TH_RST)
            pc->reset = true;
        if (sg.flags & TS_TH_FIN) {
            pc->fin_in = true;
            pc->fin_in_end = sg.seq + sg.payload_len + 1;
        }
        if (sg.flags & TS_TH_ACK) {
            pc->has_acked = true;
            pc->acked = sg.ack;
            if (pc->rst_sent && !(sg.flags & TS_TH_RST))
                pc->challenged = true;
        }
    }
    if (r->qn == QMAX)
        return; /* the stack sent more than any script reads; the oldest stay */
    uint8_t *p = malloc(caplen ? caplen : 1);
    if (!p)
        return;
    memcpy(p, pkt, caplen);
    struct frame *f = &r->q[(r->qh + r->qn) % QMAX];
    f->t = (uint64_t)((int64_t)t_ns - r->wall_off);
    f->wall = t_ns;
    f->len = caplen;
    f->wirelen = wirelen;
    f->dlt = dlt;
    f->p = p;
    r->qn++;
}

static void drain(struct run *r)
{
    char e[256];
    while (ts_capture_dispatch(r->lab.cap, 64, on_capture, r, e, sizeof e) > 0)
        ;
}

static int blocking_done(struct run *r);

/* Wait until mono time `until` (ns), taking frames and a blocking call's
 * return as they come.  1 when something came (frames or the call),
 * 0 at the time, -1 on failure or stop. */
static int wait_until(struct run *r, uint64_t until, bool stop_on_frame)
{
    for (;;) {
        unsigned before = r->qn;
        drain(r);
        if (stop_on_frame && r->qn > before)
            return 1;
        if (stopped(r)) {
            r->res->status = TS_SCRIPT_STOPPED;
            snprintf(r->res->msg, sizeof r->res->msg, "interrupted");
            return -1;
        }
        uint64_t now = ts_inject_now_ns();
        if (now >= until)
            return 0;
        struct pollfd pf[2] = {{.fd = ts_capture_fd(r->lab.cap), .events = POLLIN},
                               {.fd = r->lab.ag.fd, .events = POLLIN}};
        uint64_t d = until - now;
        struct timespec ts = {.tv_sec = (time_t)(d / 1000000000ull),
                              .tv_nsec = (long)(d % 1000000000ull)};
        int n = ppoll(pf, 2, &ts, NULL);
        if (n < 0 && errno != EINTR)
            return error(r, "poll: %s", strerror(errno));
        if (n > 0 && !r->busy && pf[1].revents)
            return error(r, "the agent, and the stack's namespace with it, ended");
        if (n > 0 && r->busy && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (blocking_done(r) < 0)
                return -1;
            if (stop_on_frame)
                return 1;
        }
    }
}

/* ---- times --------------------------------------------------------------------- */

static bool anchored(const struct ts_script_event *ev)
{
    return ev && ev->kind == TS_SCRIPT_EV_PACKET && ev->u.packet.dir == TS_SCRIPT_IN;
}

/* The event's expected time and end (us since the start), packetdrill's way. */
static void when(struct run *r, const struct ts_script_event *ev, int64_t *t, int64_t *end)
{
    const struct ts_script_time *tm = &ev->time;
    int64_t off = 0;
    if (tm->kind == TS_SCRIPT_TIME_REL || tm->kind == TS_SCRIPT_TIME_ANY) {
        off = anchored(r->last) && anchored(ev) ? r->last_us : now_us(r);
        /* the stack's answer to our segment is timed from the moment the
         * segment went, not from when the send returned: on a loaded
         * machine the send call alone may take longer than the tolerance,
         * and the answer comes inside it */
        if (anchored(r->last) && !anchored(ev) && r->sent_us >= 0 && r->sent_us < off)
            off = r->sent_us;
        /* after a call, from when it returned in the stack's process, as
         * packetdrill's own call returns: not from when the agent's reply
         * reached us (a round trip between two processes, 0.2 to 0.8 ms
         * on a quiet 2-core machine) */
        else if (r->last && r->last == r->ret_ev && r->ret_us >= 0 && r->ret_us < off)
            off = r->ret_us;
    }
    *t = off + (tm->kind == TS_SCRIPT_TIME_ANY ? 0 : tm->usecs);
    *end = *t;
    if (tm->end == TS_SCRIPT_END_RANGE || tm->end == TS_SCRIPT_END_BLOCKING)
        *end = (tm->kind == TS_SCRIPT_TIME_ABS ? 0 : off) + tm->end_usecs;
}

static int64_t tolerance(const struct run *r, int64_t expected, int64_t since)
{
    int64_t tol = r->tol;
    double dyn = r->tol_pct / 100.0 * (double)(expected - since);
    if (dyn > (double)tol)
        tol = (int64_t)dyn;
    return tol;
}

/* 0 when at (us) is within [t - tol, end + tol]; else the failure told. */
static int check_time(struct run *r, const struct ts_script_event *ev, const char *what,
                      int64_t t, int64_t end, int64_t at, int64_t since)
{
    if (ev->time.kind == TS_SCRIPT_TIME_ANY)
        return 0;
    int64_t tol = tolerance(r, t, since);
    if (at >= t - tol && at <= end + tol)
        return 0;
    if (end != t)
        return fail_at(r, ev, "%s at %.6f s, expected between %.6f and %.6f s (tolerance %.6f s)",
                       what, (double)at / 1e6, (double)t / 1e6, (double)end / 1e6,
                       (double)tol / 1e6);
    return fail_at(r, ev, "%s at %.6f s, expected at %.6f s (tolerance %.6f s, %+.6f s off)", what,
                   (double)at / 1e6, (double)t / 1e6, (double)tol / 1e6,
                   (double)(at - t) / 1e6);
}

/* ---- inbound packets ------------------------------------------------------------ */

static int ts_live_ecr(struct run *r, uint32_t script_ecr, uint32_t *live)
{
    for (unsigned i = r->ntsm; i-- > 0;)
        if (r->tsm[i].script == script_ecr)
            return *live = r->tsm[i].live, 0;
    if (r->ecr_scaled && r->ts_first)
        return *live = script_ecr - r->first_script_val + r->first_live_val, 0;
    return -1;
}

static int opts_in(struct run *r, const struct ts_script_event *ev, const struct ts_script_packet *p,
                   uint32_t ack_off, struct ts_craft_opts *o)
{
    char e[256];
    int rc = 0;
    ts_craft_opts_clear(o);
    for (size_t i = 0; i < p->nopts && rc == 0; i++) {
        const struct ts_script_opt *x = &p->opts[i];
        uint32_t blocks[TS_SCRIPT_MAX_SACK][2], ecr = x->b;
        uint8_t fo[2 + TS_SCRIPT_MAX_COOKIE];
        switch (x->kind) {
        case TS_SCRIPT_OPT_EOL: rc = ts_craft_opts_add_eol(o, e, sizeof e); break;
        case TS_SCRIPT_OPT_NOP: rc = ts_craft_opts_add_nop(o, e, sizeof e); break;
        case TS_SCRIPT_OPT_MSS: rc = ts_craft_opts_add_mss(o, (uint16_t)x->a, e, sizeof e); break;
        case TS_SCRIPT_OPT_WSCALE:
            rc = ts_craft_opts_add_wscale(o, (uint8_t)x->a, e, sizeof e);
            break;
        case TS_SCRIPT_OPT_SACKOK: rc = ts_craft_opts_add_sackok(o, e, sizeof e); break;
        case TS_SCRIPT_OPT_SACK:
            for (unsigned k = 0; k < x->nsack; k++) {
                blocks[k][0] = x->sack[k].left + ack_off;
                blocks[k][1] = x->sack[k].right + ack_off;
            }
            rc = ts_craft_opts_add_sack(o, (const uint32_t(*)[2])blocks, x->nsack, e, sizeof e);
            break;
        case TS_SCRIPT_OPT_TS:
            if ((p->flags & TS_SCRIPT_ACK) && ts_live_ecr(r, x->b, &ecr) < 0)
                return fail_at(r, ev,
                               "no TS ecr to send for the script's ecr %u: no segment of the "
                               "stack's was matched with TS val %u (packetdrill's rule)",
                               x->b, x->b);
            rc = ts_craft_opts_add_ts(o, x->a, ecr, e, sizeof e);
            break;
        case TS_SCRIPT_OPT_FO:
            rc = ts_craft_opts_add_raw(o, 34, x->cookie, x->cookie_len, e, sizeof e);
            break;
        case TS_SCRIPT_OPT_MD5:
            rc = ts_craft_opts_add_raw(o, 19, x->cookie, x->cookie_len, e, sizeof e);
            break;
        case TS_SCRIPT_OPT_FOEXP:
            fo[0] = 0xf9;
            fo[1] = 0x89;
            memcpy(fo + 2, x->cookie, x->cookie_len);
            rc = ts_craft_opts_add_raw(o, 254, fo, (uint8_t)(2 + x->cookie_len), e, sizeof e);
            break;
        }
    }
    if (rc == 0)
        rc = ts_craft_opts_check(o, e, sizeof e);
    if (rc < 0)
        return fail_at(r, ev, "options: %s", e);
    return 0;
}

static uint8_t tos_of(const struct ts_script_packet *p)
{
    uint8_t tos = p->has_tos ? p->tos : 0;
    switch (p->ecn) {
    case TS_SCRIPT_ECN_ECT0: tos = (uint8_t)((tos & ~3) | 2); break;
    case TS_SCRIPT_ECN_ECT1: tos = (uint8_t)((tos & ~3) | 1); break;
    case TS_SCRIPT_ECN_CE: tos = (uint8_t)(tos | 3); break;
    default: break;
    }
    return tos;
}

/* --peer: a bucket of `rate` segments a second, at most 32 deep; a segment
 * without a token waits for one (and the event says how long). */
static int pace(struct run *r)
{
    double rate = r->cfg->rate_pps ? (double)r->cfg->rate_pps : 100.0;
    double depth = rate < 32.0 ? rate : 32.0;
    for (;;) {
        if (stopped(r))
            return 0; /* only the closing RSTs go now */
        uint64_t now = ts_inject_now_ns();
        r->tokens += (double)(now - r->refill) / 1e9 * rate;
        if (r->tokens > depth)
            r->tokens = depth;
        r->refill = now;
        if (r->tokens >= 1.0) {
            r->tokens -= 1.0;
            return 0;
        }
        uint64_t need = (uint64_t)((1.0 - r->tokens) / rate * 1e9) + 1;
        if (wait_until(r, now + need, false) < 0)
            return -1;
        r->paced += (int64_t)need / US;
        /* a pause of the script's clock: what the stack does in answer is
         * timed from when the segment went, absolute times included */
        r->start += need;
    }
}

/* A segment (seg), or an IP packet built apart (ip, an ICMP message) */
static int inject(struct run *r, const struct ts_script_event *ev, struct ts_craft_seg *seg,
                  const uint8_t *ip, uint32_t iplen)
{
    char e[256];
    struct ts_craft_frame f;
    if (r->peer && pace(r) < 0)
        return -1;
    /* stamped before it goes: over a veth the stack takes it, and may
     * answer, inside the send call */
    uint64_t t = ts_inject_now_ns();
    if (r->sent_us < 0)
        r->sent_us = t > r->start ? (int64_t)(t - r->start) / US : 0;
    for (int tries = 0;; tries++) {
        int rc = seg ? ts_craft_send(r->lab.cs, seg, &f, e, sizeof e)
                     : ts_craft_send_ip(r->lab.cs, ip, iplen, &f, e, sizeof e);
        if (rc == 0)
            break;
        if (rc < 0 || tries > 100)
            return error(r, "line %u: sending the %s: %s", ev->line,
                         seg ? "segment" : "ICMP message", e);
    }
    to_hook(r, (uint64_t)((int64_t)t + r->wall_off), f.dlt, f.data, f.len, f.len, true);
    return 0;
}


static int do_inbound(struct run *r, const struct ts_script_event *ev)
{
    const struct ts_script_packet *p = &ev->u.packet;
    bool syn = p->flags & TS_SCRIPT_SYN, ack = p->flags & TS_SCRIPT_ACK;

    bool fresh = r->st == C_NONE || r->st == C_INIT || r->st == C_LISTEN;
    if (r->peer && !fresh && syn && !ack) {
        /* the service listens on: after a connection that ended, a SYN is
         * the next connection (from the next port); else a retransmission */
        struct pconn *c = pconn_find(r, r->rport);
        fresh = !c || c->reset || (c->fin_out && c->fin_in);
    }
    if (fresh && ((syn && !ack) || r->peer)) {
        /* a new connection to the listener (or to a port nobody has); with
         * --peer also a stray first segment (an ACK for a SYN never sent),
         * from a port of its own, the stack's RST numbered as the wire has
         * it */
        r->st = C_PASSIVE_SYN_RCVD;
        r->remote_isn = syn ? p->seq : 0;
        /* until the stack's SYN+ACK, its numbers are the wire's (a RST
         * from a closed port has sequence number 0) */
        r->local_isn_live = r->local_isn_script = 0;
        if (r->peer) {
            /* port_lo is the probe's; a new connection never reuses the
             * four-tuple of an earlier one while ports last */
            if (!r->cfg->peer_same_port || !r->next_pport)
                r->rport = ts_lab_take_port(&r->lab, &r->next_pport);
            struct pconn *c = pconn_of(r, r->rport);
            if (c) {
                memset(c, 0, sizeof *c);
                c->rport = r->rport;
            }
        } else {
            r->rport = r->next_port++;
            if (r->next_port < 40000)
                r->next_port = 40000;
        }
        r->lport = r->env.bind_port;
        r->ntsm = 0;
        r->ts_first = false;
    } else if (r->st == C_NONE || r->st == C_INIT || r->st == C_LISTEN ||
               r->st == C_CONNECTING) {
        return fail_at(r, ev, "no connection for this segment yet: a script's first inbound "
                              "segment is a SYN, or comes after the stack's SYN");
    } else if (r->st == C_ACTIVE_SYN_SENT && syn && ack) {
        r->remote_isn = p->seq;
        r->st = C_EST;
    } else if (r->st == C_PASSIVE_SYNACK_SENT && ack) {
        r->st = C_EST;
    }

    uint32_t seq_off = syn ? 0 : r->remote_isn;
    uint32_t ack_off = syn ? r->local_isn_live - r->local_isn_script : r->local_isn_live;
    struct ts_craft_seg seg;
    ts_craft_seg_init(&seg);
    seg.src = r->lab.remote;
    seg.dst = r->lab.local;
    seg.sport = p->sport ? p->sport : r->rport;
    seg.dport = p->dport ? p->dport : r->lport;
    seg.seq = p->seq + seq_off;
    seg.ack = p->has_ack ? (ack ? p->ack + ack_off : p->ack) : 0;
    seg.flags = (uint8_t)(p->flags & 0xff);
    seg.win = p->win;
    seg.urp = p->has_urg ? p->urg : 0;
    seg.tos = tos_of(p);
    seg.bad_cksum = r->cfg->bad_csum_line && r->cfg->bad_csum_line == ev->line;
    if (p->has_ttl)
        seg.ttl = p->ttl;
    if (opts_in(r, ev, p, ack_off, &seg.opt) < 0)
        return -1;

    /* the lab's link takes 64 KB frames (lab.h): a longer segment goes as
     * several; over a real path (--peer), as the path's MTU allows, as a
     * sender's segmentation offload would cut it */
    uint32_t hdr = ts_craft_seg_ip_len(&seg);
    uint32_t link = r->peer ? r->lab.mtu : 65535;
    uint32_t room = link > hdr ? link - hdr : 0;
    uint32_t left = p->len, seq = seg.seq, seg_seq0 = seg.seq;
    if (room == 0)
        return fail_at(r, ev, "its headers do not fit the link's MTU %u", r->lab.mtu);
    do {
        uint32_t n = left < room ? left : room;
        seg.seq = seq;
        seg.payload = r->zeros;
        seg.payload_len = n;
        seg.flags = (uint8_t)(p->flags & 0xff);
        if (seq != seg_seq0)
            seg.flags &= (uint8_t)~TS_SCRIPT_SYN; /* the SYN goes with the first piece */
        if (n < left)
            seg.flags &= (uint8_t)~(TS_SCRIPT_FIN | TS_SCRIPT_PSH);
        if (inject(r, ev, &seg, NULL, 0) < 0)
            return -1;
        seq += n + ((seg.flags & TS_SCRIPT_SYN) ? 1u : 0u);
        left -= n;
    } while (left > 0);
    struct pconn *c = r->peer ? pconn_of(r, seg.sport) : NULL;
    if (c) {
        /* seq is past the data and the SYN (the loop counts it); the FIN */
        uint32_t nxt = seq + ((p->flags & TS_SCRIPT_FIN) ? 1u : 0u);
        if (!c->sent || (int32_t)(nxt - c->snd_nxt) > 0)
            c->snd_nxt = nxt;
        c->sent = true;
        if (seg.flags & TS_TH_ACK)
            c->rcv_nxt = seg.ack;
        if (p->flags & TS_SCRIPT_RST)
            c->reset = true;
        if (p->flags & TS_SCRIPT_FIN)
            c->fin_out = true;
    }
    return 0;
}

/* `< icmp ...`: an ICMP error from the simulated peer's address quoting the
 * stack's segment (its IP header and first 8 TCP bytes, as a router
 * would), its sequence number mapped as in `>` lines (packetdrill's rule:
 * a stack drops an ICMP error whose quoted number is not in its window) */
static int do_icmp(struct run *r, const struct ts_script_event *ev)
{
    const struct ts_script_packet *p = &ev->u.packet;
    if (r->st == C_NONE || r->st == C_INIT || r->st == C_LISTEN || r->st == C_CONNECTING)
        return fail_at(r, ev, "no connection for this ICMP message yet: it quotes a segment "
                              "of the connection under test");
    struct ts_craft_icmp m = {.src = r->lab.remote, .dst = r->lab.local,
                              .q_src = r->lab.local, .q_dst = r->lab.remote};
    char why[160];
    if (ts_script_icmp_lookup(r->lab.family, p->icmp_type, p->icmp_code, p->icmp_mtu, &m.type,
                              &m.code, why, sizeof why) < 0)
        return fail_at(r, ev, "%s", why); /* ts_script_check_cfg refused it already */
    m.mtu = p->icmp_mtu >= 0 ? (uint32_t)p->icmp_mtu : 0;
    m.id = p->icmp_id;
    m.ttl = p->has_ttl ? p->ttl : 64;
    m.tos = tos_of(p);
    m.q_sport = r->lport;
    m.q_dport = r->rport;
    m.q_seq = p->seq + (r->local_isn_live - r->local_isn_script);
    m.q_len = (r->lab.family == 6 ? 40u : 20u) + 20u + p->len;
    uint8_t pkt[128];
    uint32_t n = ts_craft_icmp_build(&m, pkt, sizeof pkt);
    if (!n)
        return error(r, "line %u: building the ICMP message failed", ev->line);
    return inject(r, ev, NULL, pkt, n);
}

/* ---- outbound packets ----------------------------------------------------------- */

static const char *flags_str(uint16_t f, char *b)
{
    char *o = b;
    if (f & TS_SCRIPT_FIN) *o++ = 'F';
    if (f & TS_SCRIPT_SYN) *o++ = 'S';
    if (f & TS_SCRIPT_RST) *o++ = 'R';
    if (f & TS_SCRIPT_PSH) *o++ = 'P';
    if (f & TS_SCRIPT_ACK) *o++ = '.';
    if (f & TS_SCRIPT_URG) *o++ = 'U';
    if (f & TS_SCRIPT_ECE) *o++ = 'E';
    if (f & TS_SCRIPT_CWR) *o++ = 'W';
    if (f & TS_SCRIPT_AE) *o++ = 'A';
    if (o == b)
        *o++ = '-';
    *o = 0;
    return b;
}

/* The actual segment's options in the script's form (values mapped). */
static size_t actual_opts(const struct ts_seg *seg, const uint8_t *raw, uint32_t sack_off,
                          struct ts_script_opt *out, size_t room, bool *odd)
{
    size_t n = 0;
    *odd = false;
    for (unsigned i = 0; i < seg->opt.n && n < room; i++) {
        const struct ts_opt_item *it = &seg->opt.items[i];
        const uint8_t *b = raw + it->offset;
        struct ts_script_opt *o = &out[n];
        memset(o, 0, sizeof *o);
        if (it->offset + it->len > seg->opt.raw_len) {
            *odd = true;
            break;
        }
        switch (it->kind) {
        case TS_OPT_EOL: o->kind = TS_SCRIPT_OPT_EOL; break;
        case TS_OPT_NOP: o->kind = TS_SCRIPT_OPT_NOP; break;
        case TS_OPT_MSS:
            if (it->len != 4) { *odd = true; continue; }
            o->kind = TS_SCRIPT_OPT_MSS;
            o->a = (uint32_t)(b[2] << 8 | b[3]);
            break;
        case TS_OPT_WSCALE:
            if (it->len != 3) { *odd = true; continue; }
            o->kind = TS_SCRIPT_OPT_WSCALE;
            o->a = b[2];
            break;
        case TS_OPT_SACKOK: o->kind = TS_SCRIPT_OPT_SACKOK; break;
        case TS_OPT_SACK:
            o->kind = TS_SCRIPT_OPT_SACK;
            for (unsigned k = 0; k < (unsigned)(it->len - 2) / 8 && k < TS_SCRIPT_MAX_SACK; k++) {
                const uint8_t *s = b + 2 + 8 * k;
                o->sack[k].left = ((uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 |
                                   (uint32_t)s[2] << 8 | s[3]) - sack_off;
                o->sack[k].right = ((uint32_t)s[4] << 24 | (uint32_t)s[5] << 16 |
                                    (uint32_t)s[6] << 8 | s[7]) - sack_off;
                o->nsack = (uint8_t)(k + 1);
            }
            break;
        case TS_OPT_TS:
            if (it->len != 10) { *odd = true; continue; }
            o->kind = TS_SCRIPT_OPT_TS;
            o->a = (uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5];
            o->b = (uint32_t)b[6] << 24 | (uint32_t)b[7] << 16 | (uint32_t)b[8] << 8 | b[9];
            break;
        case 34:
            o->kind = TS_SCRIPT_OPT_FO;
            o->cookie_len = (uint8_t)(it->len - 2 > TS_SCRIPT_MAX_COOKIE ? TS_SCRIPT_MAX_COOKIE
                                                                         : it->len - 2);
            memcpy(o->cookie, b + 2, o->cookie_len);
            break;
        case 19:
            if (it->len > 18) { *odd = true; continue; } /* no digest is longer */
            o->kind = TS_SCRIPT_OPT_MD5;
            o->cookie_len = (uint8_t)(it->len - 2);
            memcpy(o->cookie, b + 2, o->cookie_len);
            break;
        case 254:
            if (it->len < 4) { *odd = true; continue; }
            o->kind = TS_SCRIPT_OPT_FOEXP;
            o->cookie_len = (uint8_t)(it->len - 4 > TS_SCRIPT_MAX_COOKIE ? TS_SCRIPT_MAX_COOKIE
                                                                         : it->len - 4);
            memcpy(o->cookie, b + 4, o->cookie_len);
            break;
        default:
            *odd = true; /* a kind the script language cannot write */
            continue;
        }
        n++;
    }
    return n;
}

static bool opt_equal(const struct run *r, const struct ts_script_opt *a,
                      const struct ts_script_opt *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case TS_SCRIPT_OPT_MSS:
    case TS_SCRIPT_OPT_WSCALE: return a->a == b->a;
    case TS_SCRIPT_OPT_SACK:
        if (a->nsack != b->nsack)
            return false;
        for (unsigned k = 0; k < a->nsack; k++)
            if (a->sack[k].left != b->sack[k].left || a->sack[k].right != b->sack[k].right)
                return false;
        return true;
    case TS_SCRIPT_OPT_TS: {
        if (!r->ts_tick)
            return true; /* packetdrill checks TS val only with a tick */
        int64_t d = (int32_t)(a->a - b->a);
        if (d < 0)
            d = -d;
        return d * r->ts_tick <= r->tol;
    }
    case TS_SCRIPT_OPT_FO:
    case TS_SCRIPT_OPT_FOEXP:
    case TS_SCRIPT_OPT_MD5:
        return a->cookie_len == b->cookie_len && !memcmp(a->cookie, b->cookie, a->cookie_len);
    default: return true;
    }
}

static void opts_text(const struct ts_script_opt *o, size_t n, bool any, char *b, size_t len)
{
    struct ts_script_event ev = {.kind = TS_SCRIPT_EV_PACKET,
                                 .time = {.kind = TS_SCRIPT_TIME_ABS},
                                 .u.packet = {.dir = TS_SCRIPT_OUT,
                                              .flags = TS_SCRIPT_ACK,
                                              .any_opts = any,
                                              .nopts = n,
                                              .opts = (struct ts_script_opt *)o}};
    char tmp[1024];
    ts_script_event_format(&ev, tmp, sizeof tmp);
    const char *lt = strchr(tmp, '<'); /* the direction is '>' */
    snprintf(b, len, "%s", lt ? lt : "no options");
}

/* Compare; every difference told in the detail.  0 same, 1 differs. */
static int compare(struct run *r, const struct ts_script_event *ev, const struct ts_seg *seg,
                   const uint8_t *frame, int64_t at, int64_t t, int64_t end, int64_t since)
{
    const struct ts_script_packet *p = &ev->u.packet;
    uint16_t af = (uint16_t)(seg->flags | (seg->ae ? TS_SCRIPT_AE : 0));
    bool syn = seg->flags & TS_TH_SYN, ack = seg->flags & TS_TH_ACK;
    uint32_t seq = seg->seq - (syn ? r->local_isn_live - r->local_isn_script : r->local_isn_live);
    uint32_t ack_off = syn ? 0 : r->remote_isn;
    uint32_t ackv = ack ? seg->ack - ack_off : seg->ack;
    int diffs = 0;
    char a[64], b[64];

    struct ts_script_opt got[TS_SCRIPT_MAX_OPTS];
    bool odd;
    const uint8_t *raw = seg->opt.raw;
    size_t ngot = actual_opts(seg, raw, ack_off, got, TS_SCRIPT_MAX_OPTS, &odd);

    /* TS val mapping, as packetdrill keeps it */
    const struct ts_script_opt *sts = NULL, *ats = NULL;
    for (size_t i = 0; i < p->nopts; i++)
        if (p->opts[i].kind == TS_SCRIPT_OPT_TS)
            sts = &p->opts[i];
    for (size_t i = 0; i < ngot; i++)
        if (got[i].kind == TS_SCRIPT_OPT_TS)
            ats = &got[i];
    if (sts && ats) {
        if (r->ntsm < sizeof r->tsm / sizeof r->tsm[0])
            r->tsm[r->ntsm++] = (struct tsmap){sts->a, ats->a};
        if (!r->ts_first) {
            r->ts_first = true;
            r->first_script_val = sts->a;
            r->first_live_val = ats->a;
        }
        got[ats - got].a = r->first_script_val + (ats->a - r->first_live_val);
    }

    /* the actual segment as the script would write it */
    struct ts_script_event aev = *ev;
    aev.time.kind = TS_SCRIPT_TIME_ABS;
    aev.time.usecs = at;
    aev.time.end = TS_SCRIPT_END_NONE;
    struct ts_script_packet *ap = &aev.u.packet;
    ap->flags = af;
    ap->seq = seq;
    ap->len = (uint16_t)(seg->payload_len > 65535 ? 65535 : seg->payload_len);
    ap->end = seq + seg->payload_len;
    ap->has_ack = ack;
    ap->ack = ackv;
    ap->has_win = true;
    ap->win = seg->win;
    ap->has_urg = seg->urp != 0;
    ap->urg = seg->urp;
    ap->any_opts = false;
    ap->nopts = ngot;
    ap->opts = got;
    ap->sport = ap->dport = 0;
    ap->ecn = TS_SCRIPT_ECN_ANY;
    ap->has_tos = ap->has_ttl = ap->has_flowlabel = false;

    if (af != p->flags) {
        diffs++;
        add_detail(r, "  flags: expected %s, got %s\n", flags_str(p->flags, a), flags_str(af, b));
    }
    if (seq != p->seq) {
        diffs++;
        add_detail(r, "  seq: expected %u, got %u\n", p->seq, seq);
    }
    if (seg->payload_len != p->len) {
        diffs++;
        add_detail(r, "  length: expected %u, got %u\n", p->len, seg->payload_len);
    }
    if ((p->flags & TS_SCRIPT_ACK) && ack && ackv != p->ack) {
        diffs++;
        add_detail(r, "  ack: expected %u, got %u\n", p->ack, ackv);
    }
    if (p->has_win && seg->win != p->win) {
        diffs++;
        add_detail(r, "  win: expected %u, got %u\n", p->win, seg->win);
    }
    if ((p->has_urg ? p->urg : 0) != seg->urp) {
        diffs++;
        add_detail(r, "  urg: expected %u, got %u\n", p->has_urg ? p->urg : 0, seg->urp);
    }
    if (!p->any_opts) {
        bool same = ngot == p->nopts && !odd;
        for (size_t i = 0; same && i < ngot; i++)
            same = opt_equal(r, &p->opts[i], &got[i]);
        if (!same) {
            char eo[512], go[512];
            diffs++;
            opts_text(p->opts, p->nopts, false, eo, sizeof eo);
            opts_text(got, ngot, false, go, sizeof go);
            add_detail(r, "  options: expected %s, got %s%s\n", eo, go,
                       odd ? " (and options the script language cannot write)" : "");
        }
    }
    uint8_t ecnb = seg->tos & 3;
    static const char *const ecn_names[] = {"noecn", "ect1", "ect0", "ce"};
    int want_ecn = p->ecn == TS_SCRIPT_ECN_NOECN  ? 0
                   : p->ecn == TS_SCRIPT_ECN_ECT0 ? 2
                   : p->ecn == TS_SCRIPT_ECN_ECT1 ? 1
                   : p->ecn == TS_SCRIPT_ECN_CE   ? 3
                                                  : -1;
    if (p->ecn == TS_SCRIPT_ECN_ECT01 && ecnb != 1 && ecnb != 2) {
        diffs++;
        add_detail(r, "  ecn: expected ect0 or ect1, got %s\n", ecn_names[ecnb]);
    } else if (want_ecn >= 0 && ecnb != want_ecn) {
        diffs++;
        add_detail(r, "  ecn: expected %s, got %s\n", ecn_names[want_ecn], ecn_names[ecnb]);
    }
    if (p->has_tos && seg->tos != p->tos) {
        diffs++;
        add_detail(r, "  tos: expected 0x%02x, got 0x%02x\n", p->tos, seg->tos);
    }
    if (p->has_ttl && seg->ttl != p->ttl) {
        diffs++;
        add_detail(r, "  ttl: expected %u, got %u\n", p->ttl, seg->ttl);
    }
    if (r->agg_bad_byte >= 0) {
        diffs++;
        add_detail(r, "  data: byte %lld is 0x%02x; the script's data is zero bytes\n",
                   (long long)r->agg_bad_byte, r->agg_bad_val);
    }
    for (uint32_t i = 0; i < seg->payload_caplen && r->agg_bad_byte < 0; i++)
        if (frame[seg->payload_off + i]) {
            diffs++;
            add_detail(r, "  data: byte %u is 0x%02x; the script's data is zero bytes\n", i,
                       frame[seg->payload_off + i]);
            break;
        }
    int64_t tol = tolerance(r, t, since);
    if (ev->time.kind != TS_SCRIPT_TIME_ANY && (at < t - tol || at > end + tol + r->late)) {
        char rtt[64] = "";
        if (r->late)
            snprintf(rtt, sizeof rtt, "; the path's round trip %.6f s allowed",
                     (double)r->late / 1e6);
        diffs++;
        if (end != t)
            add_detail(r, "  time: expected %.6f~%.6f s, got %.6f s (tolerance %.6f s%s)\n",
                       (double)t / 1e6, (double)end / 1e6, (double)at / 1e6, (double)tol / 1e6,
                       rtt);
        else
            add_detail(r, "  time: expected %.6f s, got %.6f s (%+.6f s; tolerance %.6f s%s)\n",
                       (double)t / 1e6, (double)at / 1e6, (double)(at - t) / 1e6,
                       (double)tol / 1e6, rtt);
    }
    if (diffs) {
        char text[1024];
        ts_script_event_format(&aev, text, sizeof text);
        /* the expected line first, then what came, in the same form */
        char exp[1024];
        ts_script_event_format(ev, exp, sizeof exp);
        /* the two lines first, then the fields */
        char tail[sizeof r->res->detail];
        memcpy(tail, r->res->detail, sizeof tail);
        r->res->detail[0] = 0;
        add_detail(r, "  script: %s\n  actual: %s\n", exp, text);
        size_t used = strlen(r->res->detail);
        size_t room = sizeof r->res->detail - used;
        size_t tl = strnlen(tail, sizeof tail);
        if (tl >= room)
            tl = room - 1;
        memcpy(r->res->detail + used, tail, tl);
        r->res->detail[used + tl] = 0;
    }
    return diffs ? 1 : 0;
}

/* Does this frame belong to the connection under test, going out? */
static bool ours(struct run *r, const struct ts_script_packet *p, const struct ts_seg *seg)
{
    if (ts_addr_cmp(&seg->src, &r->lab.local) || ts_addr_cmp(&seg->dst, &r->lab.remote))
        return false;
    if (r->st == C_CONNECTING) {
        if (!(seg->flags & TS_TH_SYN) || seg->dport != r->env.connect_port)
            return false;
        for (unsigned i = 0; i < r->nold; i++)
            if (r->old_lports[i] == seg->sport)
                return false;
        return true;
    }
    if (p->sport && p->dport)
        return seg->sport == p->sport && seg->dport == p->dport;
    return seg->sport == r->lport && seg->dport == r->rport;
}

/* May `cur` follow `prev` in one segment cut by the stack's TSO/GSO?  As
 * packetdrill's aggregation has it: the same header length, SYN, RST, ACK,
 * URG, ECE and AE, ack, window and urgent pointer, and cur's data right
 * after prev's; FIN, PSH and CWR may differ. */
static bool follows(const struct ts_seg *prev, const struct ts_seg *cur)
{
    const uint8_t same = TS_TH_SYN | TS_TH_RST | TS_TH_ACK | TS_TH_URG | TS_TH_ECE;
    return cur->doff == prev->doff && (cur->flags & same) == (prev->flags & same) &&
           cur->ae == prev->ae && cur->seq == prev->seq + prev->payload_len &&
           cur->ack == prev->ack && cur->win == prev->win && cur->urp == prev->urp &&
           cur->sport == prev->sport && cur->dport == prev->dport;
}

/* The script's segment is longer than the one that came: as packetdrill
 * (unless --strict_segments), the stack's next segments are taken while
 * they continue it, until the length is reached, every one but the last as
 * long as the first.  *seg becomes the whole: the last one's headers and
 * options, the first one's seq and CWR, the data of all; *f the last
 * frame (the first ones freed).  A segment that does not continue the run
 * is left for the next line.  -1 on failure or stop. */
static int aggregate(struct run *r, const struct ts_script_packet *p, struct ts_seg *seg,
                     struct frame *f, uint64_t limit)
{
    struct ts_seg first = *seg, prev = *seg;
    uint32_t total = seg->payload_len;
    while (total < p->len) {
        if (r->qn == 0) {
            int w = wait_until(r, limit, true);
            if (w < 0)
                return -1;
            if (w == 0 && r->qn == 0)
                break;
            continue;
        }
        struct frame *n = &r->q[r->qh];
        struct ts_seg cur;
        if (ts_decode(n->dlt, n->p, n->len, n->wirelen, false, &cur) != TS_DEC_TCP ||
            ts_addr_cmp(&cur.src, &r->lab.local) || ts_addr_cmp(&cur.dst, &r->lab.remote) ||
            cur.sport != first.sport || cur.dport != first.dport) {
            r->qh = (r->qh + 1) % QMAX; /* another connection's: not ours to see */
            r->qn--;
            free(n->p);
            continue;
        }
        if (!follows(&prev, &cur) ||
            (total + cur.payload_len < p->len && cur.payload_len != prev.payload_len))
            break;
        r->qh = (r->qh + 1) % QMAX;
        r->qn--;
        for (uint32_t i = 0; i < prev.payload_caplen && r->agg_bad_byte < 0; i++)
            if (f->p[prev.payload_off + i]) {
                r->agg_bad_byte = (int64_t)(total - prev.payload_len + i);
                r->agg_bad_val = f->p[prev.payload_off + i];
            }
        free(f->p);
        *f = *n;
        total += cur.payload_len;
        prev = cur;
    }
    *seg = prev;
    seg->seq = first.seq;
    seg->flags = (uint8_t)((seg->flags & ~TS_TH_CWR) | (first.flags & TS_TH_CWR));
    seg->payload_len = total;
    return 0;
}

static int do_outbound(struct run *r, const struct ts_script_event *ev, int64_t t, int64_t end,
                       int64_t since)
{
    const struct ts_script_packet *p = &ev->u.packet;
    if (r->st == C_NONE || r->st == C_INIT || r->st == C_LISTEN)
        return fail_at(r, ev, "the stack has no connection to send this on yet");
    uint64_t limit;
    if (ev->time.kind == TS_SCRIPT_TIME_ANY)
        limit = ts_inject_now_ns() + r->any_wait;
    else
        limit = r->start + (uint64_t)((end > 0 ? end : 0) + r->tol + r->late) * US +
                2000000000ull;
    for (;;) {
        while (r->qn) {
            struct frame fr = r->q[r->qh], *f = &fr;
            r->qh = (r->qh + 1) % QMAX;
            r->qn--;
            struct ts_seg seg;
            enum ts_decode_status ds = ts_decode(f->dlt, f->p, f->len, f->wirelen, false, &seg);
            bool match = ds == TS_DEC_TCP && ours(r, p, &seg);
            if (!match) {
                free(f->p);
                continue;
            }
            if (r->st == C_CONNECTING) {
                r->lport = seg.sport;
                r->rport = seg.dport;
                r->local_isn_live = seg.seq;
                r->local_isn_script = p->seq;
                r->st = C_ACTIVE_SYN_SENT;
            } else if (r->st == C_PASSIVE_SYN_RCVD && (p->flags & TS_SCRIPT_SYN) &&
                       (p->flags & TS_SCRIPT_ACK)) {
                r->local_isn_script = p->seq;
                r->local_isn_live = seg.seq;
                r->st = C_PASSIVE_SYNACK_SENT;
            }
            r->agg_bad_byte = -1;
            /* over a real path a segment above the MTU was merged on our
             * side of it (GRO/LRO of the capture's interface) */
            bool merged = r->peer && seg.payload_len + seg.doff +
                                             (seg.ipver == 6 ? 40u : 20u) > r->lab.mtu;
            if (p->len > seg.payload_len && !r->strict_segments &&
                aggregate(r, p, &seg, f, limit) < 0) {
                free(f->p);
                return -1;
            }
            int64_t at = (int64_t)(f->t - r->start) / US;
            int d = compare(r, ev, &seg, f->p, at, t, end, since);
            free(f->p);
            if (d && merged)
                add_detail(r, "  (longer than the path's MTU %u carries: merged by GRO or LRO on %s "
                              "before the capture; turn them off there: ethtool -K %s gro off "
                              "lro off)\n",
                           r->lab.mtu, r->lab.ifname, r->lab.ifname);
            if (d && r->peer && r->st == C_PASSIVE_SYN_RCVD && (p->flags & TS_SCRIPT_SYN) &&
                !(seg.flags & (TS_TH_SYN | TS_TH_RST)) && (seg.flags & TS_TH_ACK))
                add_detail(r, "  (an ACK for our SYN: the host still holds a connection from our "
                              "port %u, an earlier connection's TIME-WAIT or one never closed, and "
                              "answers in it, not as the listener)\n",
                           (unsigned)r->rport);
            if (d) {
                if (r->non_fatal) {
                    r->res->warnings++;
                    /* each field that differs, as a failure names it,
                     * on the one line (the script and actual lines are
                     * the event's own and what -v shows) */
                    char w[1200];
                    size_t n = (size_t)snprintf(w, sizeof w, "warning: differs:");
                    for (const char *l = r->res->detail; *l && n < sizeof w;) {
                        const char *nl = strchr(l, '\n');
                        int len = nl ? (int)(nl - l) : (int)strlen(l);
                        const char *fd = l + strspn(l, " ");
                        int fl = len - (int)(fd - l);
                        if (strncmp(fd, "script:", 7) && strncmp(fd, "actual:", 7) && fl > 0)
                            n += (size_t)snprintf(w + n, sizeof w - n, "%s %.*s",
                                                  w[n - 1] == ':' ? "" : ";", fl, fd);
                        l = nl ? nl + 1 : l + len;
                    }
                    r->res->detail[0] = 0;
                    told(r, ev, at, w);
                    return 0;
                }
                return fail_at(r, ev, "the stack's segment differs from the script's");
            }
            told(r, ev, at, "");
            return 0;
        }
        int w = wait_until(r, limit, true);
        if (w < 0)
            return -1;
        if (w == 0 && r->qn == 0) {
            char exp[1024];
            ts_script_event_format(ev, exp, sizeof exp);
            add_detail(r, "  script: %s\n  actual: nothing within %.3f s\n", exp,
                       (double)(limit - r->start) / 1e9 - (double)t / 1e6);
            return fail_at(r, ev, "the stack sent no segment (expected at %.6f s)",
                           (double)t / 1e6);
        }
    }
}

/* ---- system calls and shell lines ------------------------------------------------ */

static int call_result(struct run *r, const struct ts_script_event *ev,
                       const struct ts_agent_req *q, const struct ts_agent_rep *rep, int64_t t,
                       int64_t end, bool blocking)
{
    const struct ts_script_syscall *c = &ev->u.call;
    char diff[512];
    int64_t at0 = (int64_t)(rep->t_start - r->start) / US;
    int64_t at1 = (int64_t)(rep->t_end - r->start) / US;
    struct call_time tm = {(int64_t)r->start + r->wall_off, r->tol};
    if (call_check(c, q, rep, r->rbuf, &tm, diff, sizeof diff)) {
        char exp[1024];
        ts_script_event_format(ev, exp, sizeof exp);
        add_detail(r, "  script: %s\n", exp);
        return fail_at(r, ev, "%s", diff);
    }
    call_after(&r->env, c, q, rep, r->rbuf);
    r->ret_ev = blocking ? NULL : ev;
    r->ret_us = at1;
    if ((q->op == TS_AG_SOCKET || q->op == TS_AG_ACCEPT) && rep->ret >= 0)
        r->code_fd = (int)rep->ret;
    if (q->op == TS_AG_SOCKET && rep->ret >= 0) {
        r->fd = (int)rep->ret;
        r->st = C_INIT;
    } else if (q->op == TS_AG_LISTEN && rep->ret == 0 && q->fd == r->fd) {
        r->st = C_LISTEN;
    }
    if (check_time(r, ev, "the call started", t, t, at0, r->last_us) < 0)
        return -1;
    if (blocking) {
        if (check_time(r, ev, "the call returned", end, end, at1, t) < 0)
            return -1;
    }
    told(r, ev, at1, "");
    return 0;
}

static int blocking_done(struct run *r)
{
    struct ts_agent_rep rep;
    char e[256];
    int g = ts_agent_recv(&r->lab.ag, &rep, r->rbuf, TS_AGENT_MAX_DATA, 0, e, sizeof e);
    if (g == 0)
        return 0;
    r->busy = false;
    if (g < 0)
        return error(r, "line %u: %s", r->bev->line, e);
    return call_result(r, r->bev, &r->bq, &rep, r->bstart, r->bend, true);
}

/* Wait for the blocking call out to return, at most ms. */
static int await_idle(struct run *r, const struct ts_script_event *ev, int ms)
{
    if (!r->busy)
        return 0;
    uint64_t until = ts_inject_now_ns() + (uint64_t)ms * 1000000ull;
    while (r->busy) {
        int w = wait_until(r, until, true);
        if (w < 0)
            return -1;
        if (w == 0 && r->busy)
            return fail_at(r, ev ? ev : r->bev,
                           "the blocking %s() of line %u has not returned (expected at %.6f s)",
                           r->bev->u.call.name, r->bev->line, (double)r->bend / 1e6);
    }
    return 0;
}

/* The agent makes one call at a time: an event for it while a blocking
 * call is out waits for that call, at most a second or until the call's
 * own return time (and tolerance) when that is later. */
static int idle_ms(const struct run *r)
{
    if (!r->busy)
        return 0;
    int64_t left = (r->bend + r->tol - now_us(r)) / 1000 + 100;
    return left > 1000 ? (int)left : 1000;
}

static int do_call(struct run *r, const struct ts_script_event *ev, int64_t t, int64_t end)
{
    const struct ts_script_syscall *c = &ev->u.call;
    bool blocking = ev->time.end == TS_SCRIPT_END_BLOCKING;
    char why[256], e[256];
    struct ts_agent_req q;
    if (call_build(c, &r->env, &q, r->buf, why, sizeof why) < 0)
        return fail_at(r, ev, "%s", why);
    /* its time first: a blocking call out may return meanwhile */
    if (wait_until(r, r->start + (uint64_t)(t > 0 ? t : 0) * US, false) < 0)
        return -1;
    if (await_idle(r, ev, idle_ms(r)) < 0)
        return -1;
    if ((q.op == TS_AG_CONNECT || (q.op == TS_AG_SENDTO && r->st == C_INIT)) &&
        q.fd == r->fd) {
        /* sendto() with MSG_FASTOPEN connects too */
        r->st = C_CONNECTING; /* its SYN may be out before the call returns */
        if (r->lport && r->nold < sizeof r->old_lports / sizeof r->old_lports[0])
            r->old_lports[r->nold++] = r->lport;
        r->lport = 0;
        r->ntsm = 0;
        r->ts_first = false;
    }
    if (ts_agent_send(&r->lab.ag, &q, r->buf, e, sizeof e) < 0)
        return error(r, "line %u: %s", ev->line, e);
    if (blocking) {
        r->busy = true;
        r->bev = ev;
        r->bq = q;
        r->bstart = t;
        r->bend = end;
        /* a call that returns at once is done before the next event, as
         * packetdrill waits for its thread to block or finish */
        ts_agent_wait_blocked(&r->lab.ag, 50);
        struct pollfd pf = {.fd = r->lab.ag.fd, .events = POLLIN};
        if (poll(&pf, 1, 0) > 0)
            return blocking_done(r);
        return 0;
    }
    struct ts_agent_rep rep;
    int g = ts_agent_recv(&r->lab.ag, &rep, r->rbuf, TS_AGENT_MAX_DATA, 10000, e, sizeof e);
    if (g < 0)
        return error(r, "line %u: %s", ev->line, e);
    if (g == 0)
        return fail_at(r, ev,
                       "%s() did not return within 10 s: a call that blocks is written with "
                       "its return time (+0...0.1 %s(...))",
                       c->name, c->name);
    drain(r);
    return call_result(r, ev, &q, &rep, t, end, false);
}

static int shell(struct run *r, const struct ts_script_event *ev, const char *cmd, int64_t at)
{
    struct ts_agent_req q = {.op = TS_AG_SHELL, .datalen = (uint32_t)strlen(cmd)};
    struct ts_agent_rep rep;
    char e[256];
    if (q.datalen >= TS_AGENT_MAX_DATA)
        return fail_at(r, ev, "the command is too long");
    if (await_idle(r, ev, idle_ms(r)) < 0)
        return -1;
    if (ts_agent_send(&r->lab.ag, &q, cmd, e, sizeof e) < 0 ||
        ts_agent_recv(&r->lab.ag, &rep, NULL, 0, 60000, e, sizeof e) != 1)
        return error(r, "line %u: the command did not finish: %s", ev->line, e);
    if (rep.ret != 0)
        return fail_at(r, ev, "the command exited with status %lld", (long long)rep.ret);
    if (!r->peer && ts_lab_follow_mtu(&r->lab, e, sizeof e) < 0)
        return error(r, "line %u: %s", ev->line, e);
    told(r, ev, at, "");
    return 0;
}

/* getsockopt(level, name) of the socket under test, len bytes at most: the
 * reply in *rep, its data in r->rbuf; -1 (said) when the agent fails */
static int code_sockopt(struct run *r, const struct ts_script_event *ev, int level, int name,
                        size_t len, struct ts_agent_rep *rep)
{
    char e[256];
    struct ts_agent_req q = {.op = TS_AG_GETSOCKOPT, .fd = r->code_fd,
                             .a = {level, name, (int32_t)len}};
    if (ts_agent_send(&r->lab.ag, &q, NULL, e, sizeof e) < 0 ||
        ts_agent_recv(&r->lab.ag, rep, r->rbuf, TS_AGENT_MAX_DATA, 10000, e, sizeof e) != 1)
        return error(r, "line %u: %s", ev->line, e);
    return 0;
}

/* python: the socket under test's TCP_INFO now, the code at the end */
static int code_event(struct run *r, const struct ts_script_event *ev, int64_t t)
{
    if (wait_until(r, r->start + (uint64_t)(t > 0 ? t : 0) * US, false) < 0)
        return -1;
    if (await_idle(r, ev, idle_ms(r)) < 0)
        return -1;
    struct code_snap *m = realloc(r->snaps, (r->nsnaps + 1) * sizeof *m);
    if (!m)
        return error(r, "out of memory");
    r->snaps = m;
    struct code_snap *sn = &r->snaps[r->nsnaps++];
    memset(sn, 0, sizeof *sn);
    sn->line = ev->line;
    sn->code = ev->u.code;
    struct ts_agent_rep rep = {0};
    if (code_sockopt(r, ev, IPPROTO_TCP, TCP_INFO, sizeof sn->info, &rep) < 0)
        return -1;
    if (rep.ret < 0)
        return fail_at(r, ev, "python code: TCP_INFO of the socket under test: %s",
                       strerror(rep.err));
    sn->len = rep.datalen < sizeof sn->info ? rep.datalen : (uint32_t)sizeof sn->info;
    memcpy(sn->info, r->rbuf, sn->len);
    /* and SO_MEMINFO, as packetdrill (a kernel without it: no SK_MEMINFO_*) */
    if (code_sockopt(r, ev, SOL_SOCKET, SO_MEMINFO, sizeof sn->mem, &rep) < 0)
        return -1;
    if (rep.ret == 0) {
        uint32_t l = rep.datalen < sizeof sn->mem ? rep.datalen : (uint32_t)sizeof sn->mem;
        memcpy(sn->mem, r->rbuf, l);
        sn->nmem = l / sizeof sn->mem[0];
    }
    told(r, ev, now_us(r), "");
    return 0;
}

/* ---- checking and running -------------------------------------------------------- */

static const struct ts_script_option *option(const struct ts_script *s, const char *name)
{
    for (size_t i = 0; i < s->noptions; i++)
        if (!strcmp(s->options[i].name, name))
            return &s->options[i];
    return NULL;
}

/* Fill *err for a line (0: not a place in the file) and return -1. */
static int refuse(const struct ts_script *s, struct ts_script_err *err, unsigned line, unsigned col,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int refuse(const struct ts_script *s, struct ts_script_err *err, unsigned line, unsigned col,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->line = line;
    err->col = col;
    if (line)
        snprintf(err->text, sizeof err->text, "%s:%u:%u: %s", s->name ? s->name : "<string>",
                 line, col, err->msg);
    else
        snprintf(err->text, sizeof err->text, "%s: %s", s->name ? s->name : "<string>",
                 err->msg);
    return -1;
}

static int64_t opt_num(const struct ts_script *s, const char *name, int64_t dflt)
{
    const struct ts_script_option *o = option(s, name);
    return o && o->value ? strtoll(o->value, NULL, 10) : dflt;
}

/* the link's MTU: the command line's, else the script's --mtu, else 1500
 * (ts_script_check_cfg keeps it in range) */
static int64_t link_mtu(const struct ts_script *s, const struct ts_script_run_cfg *cfg)
{
    return cfg && cfg->mtu ? (int64_t)cfg->mtu : opt_num(s, "mtu", 1500);
}

/* The run's family: the host's with --peer, else the command line's, else
 * the script's --ip_version, else 4 (cfg may be NULL) */
static uint8_t run_family(const struct ts_script *s, const struct ts_script_run_cfg *cfg)
{
    const struct ts_script_option *iv = option(s, "ip_version");
    return cfg && cfg->peer.family ? cfg->peer.family
           : cfg && cfg->ip_version ? cfg->ip_version
           : iv && iv->value && !strcmp(iv->value, "ipv6") ? 6
                                                            : 4;
}

/* packetdrill's ipv4-mapped-ipv6: the command line's, else the script's */
static bool run_mapped(const struct ts_script *s, const struct ts_script_run_cfg *cfg)
{
    const struct ts_script_option *iv = option(s, "ip_version");
    if (cfg && (cfg->ipv4_mapped_ipv6 || cfg->ip_version))
        return cfg->ipv4_mapped_ipv6;
    return iv && iv->value && !strcmp(iv->value, "ipv4-mapped-ipv6");
}

/* The script's time 0 on a local run: 250 us after one of the kernel's
 * ticks, as packetdrill starts its clock.  The stack's timers (a delayed
 * ACK, a retransmission) fire on ticks, so its scripts' times are written
 * against that grid: at HZ=250, a FIN at +.01 is ACKed 1.4 ms later on
 * every run, and anywhere from 0 to 8 ms later without.  times() counts
 * in clock ticks that change only on a tick; a change counts as the tick
 * when it comes within 20 us of the reading before it (not after this
 * process was descheduled).  Without one in 200 ms, now. */
static uint64_t tick_start(void)
{
    struct tms tb;
    clock_t last = times(&tb);
    uint64_t prev = ts_inject_now_ns(), deadline = prev + 200 * MS;
    for (;;) {
        clock_t j = times(&tb);
        uint64_t now = ts_inject_now_ns();
        if (j != last && now - prev < 20 * US) {
            uint64_t start = now + 250 * US;
            while (ts_inject_now_ns() < start)
                ;
            return start;
        }
        if (now > deadline)
            return now;
        last = j;
        prev = now;
    }
}

/* A local run keeps this thread and the agent (forked from it) on one
 * CPU, as packetdrill's calls are made in its own process: a request then
 * wakes the agent on the CPU it came from, not on another, idle one,
 * which on this 2-core VM took 0.2 to 0.8 ms and moved every later time
 * of the script (a time after a call counts from its return).  The
 * caller's affinity comes back after the run (pin_end). */
static bool pin_here(cpu_set_t *was)
{
    int cpu = sched_getcpu();
    if (cpu < 0 || sched_getaffinity(0, sizeof *was, was) < 0)
        return false;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    return sched_setaffinity(0, sizeof one, &one) == 0;
}

static void pin_end(bool pinned, const cpu_set_t *was)
{
    if (pinned)
        (void)sched_setaffinity(0, sizeof *was, was);
}

/* Whether a program a shell line starts by a relative path (a line's
 * first word with a '/', not at its start: `packetdrill/common.sh`,
 * `../common/defaults.sh`) is found from folder `dir` (1), or not (0);
 * -1 when the script starts none. */
static int runs_from(const struct ts_script *s, const char *dir)
{
    int found = -1;
    for (size_t i = 0; i < s->nevents; i++) {
        if (s->events[i].kind != TS_SCRIPT_EV_SHELL || !s->events[i].u.shell)
            continue;
        for (const char *l = s->events[i].u.shell; *l;) {
            l += strspn(l, " \t\n");
            size_t n = strcspn(l, " \t\n;&|<>()`");
            if (n && n < PATH_MAX - 2 && l[0] != '/' && memchr(l, '/', n)) {
                char path[2 * PATH_MAX];
                snprintf(path, sizeof path, "%s/%.*s", dir, (int)n, l);
                if (access(path, F_OK) < 0)
                    return 0;
                found = 1;
            }
            l = strchr(l, '\n');
            if (!l)
                break;
        }
    }
    return found;
}

int ts_script_check(const struct ts_script *s, struct ts_script_err *err)
{
    memset(err, 0, sizeof *err);
    for (size_t i = 0; i < s->nevents; i++) {
        const struct ts_script_event *ev = &s->events[i];
        unsigned line = ev->line, col = ev->col;
        char why[256] = "";
        if (ev->kind == TS_SCRIPT_EV_SYSCALL) {
            if (call_supported(&ev->u.call, why, sizeof why, &line, &col) == 0)
                continue;
        } else if (ev->kind == TS_SCRIPT_EV_PACKET) {
            const struct ts_script_packet *p = &ev->u.packet;
            if (p->flags & TS_SCRIPT_AE)
                snprintf(why, sizeof why, "tcpshake does not send or check the AE flag yet");
            else if (p->has_flowlabel)
                snprintf(why, sizeof why, "tcpshake does not set or check flow labels yet");
            else
                continue;
        } else {
            continue;
        }
        return refuse(s, err, line, col, "%s", why);
    }
    static const char *const unrun[] = {"speed", "netmask_ip", "init_scripts", "dry_run"};
    for (size_t i = 0; i < sizeof unrun / sizeof unrun[0]; i++) {
        const struct ts_script_option *o = option(s, unrun[i]);
        if (o)
            return refuse(s, err, o->line, o->col, "tcpshake does not run --%s yet", unrun[i]);
    }
    return 0;
}

int ts_script_peer_ok(const struct ts_addr *a, char *err, size_t errlen)
{
    return ts_lab_peer_addr_ok(a, err, errlen);
}

int ts_script_check_cfg(const struct ts_script *s, const struct ts_script_run_cfg *cfg,
                        struct ts_script_err *err)
{
    if (ts_script_check(s, err) < 0)
        return -1;
    /* an ICMP name is read if either family has it: the run's must */
    uint8_t fam = run_family(s, cfg);
    for (size_t i = 0; i < s->nevents; i++) {
        const struct ts_script_packet *p = &s->events[i].u.packet;
        uint8_t t, c;
        char why[160];
        int r;
        if (s->events[i].kind != TS_SCRIPT_EV_PACKET || !p->icmp ||
            (r = ts_script_icmp_lookup(fam, p->icmp_type, p->icmp_code, p->icmp_mtu, &t, &c,
                                       why, sizeof why)) == 0)
            continue;
        int k = -r - 1; /* at the field that is wrong: the type, the code, or the mtu */
        return refuse(s, err, p->icmp_at[k].line, p->icmp_at[k].col, "%s (this run is IPv%u)",
                      why, (unsigned)fam);
    }
    /* the link's MTU: an IP packet of the family must fit, and a segment;
     * said at the script's --mtu unless the command line gave it */
    int64_t mtu = link_mtu(s, cfg), least = fam == 6 ? 1280 : 68;
    const struct ts_script_option *mo = cfg && cfg->mtu ? NULL : option(s, "mtu");
    if (mtu < least || mtu > 65535)
        return refuse(s, err, mo ? mo->line : 0, mo ? mo->col : 0,
                      "--mtu: %lld is not an IPv%u link's MTU (%lld to 65535)", (long long)mtu,
                      (unsigned)fam, (long long)least);
    /* --mss: the GSO size of our segments (a virtio_net_hdr's 16 bits) */
    const struct ts_script_option *so = option(s, "mss");
    int64_t gso = opt_num(s, "mss", 0);
    if (so && (gso < 1 || gso > 65535))
        return refuse(s, err, so->line, so->col, "--mss: %lld is not a segment size (1 to 65535)",
                      (long long)gso);
    if (!cfg || !cfg->peer.family)
        return 0;
    if (so)
        return refuse(s, err, so->line, so->col,
                      "--peer: --mss is the GSO size of segments handed to a local stack; "
                      "segments to a host go as they are written");
    if (cfg->mtu || mo)
        return refuse(s, err, mo ? mo->line : 0, mo ? mo->col : 0,
                      "--peer: --mtu sets the link of tcpshake's namespaces; segments to a host "
                      "are cut at the path's MTU (the route's)");
    if (cfg->ipv4_mapped_ipv6)
        return refuse(s, err, 0, 0,
                      "--peer: ipv4-mapped-ipv6 is about the stack's sockets, which tcpshake "
                      "does not make on a remote host");
    char why[200];
    if (ts_lab_peer_addr_ok(&cfg->peer, why, sizeof why) < 0)
        return refuse(s, err, 0, 0, "--peer: %s", why);
    const struct ts_script_option *iv = option(s, "ip_version");
    if (iv && iv->value && (!strcmp(iv->value, "ipv6") ? 6 : 4) != cfg->peer.family)
        return refuse(s, err, iv->line, iv->col,
                      "--peer: the script is for %s, the host's address is IPv%u", iv->value,
                      cfg->peer.family);
    for (size_t i = 0; i < s->nevents; i++) {
        const struct ts_script_event *ev = &s->events[i];
        if (ev->kind == TS_SCRIPT_EV_PACKET) {
            const struct ts_script_packet *p = &ev->u.packet;
            if (p->dir == TS_SCRIPT_OUT && (p->flags & TS_SCRIPT_SYN) &&
                !(p->flags & TS_SCRIPT_ACK))
                return refuse(s, err, ev->line, ev->col,
                              "--peer: a remote stack cannot be made to send a SYN of its own: "
                              "only passive-open scripts run against a host");
            if (p->sport || p->dport)
                return refuse(s, err, ev->line, ev->col,
                              "--peer: the ports are the service's and ours: a script line "
                              "cannot give them");
            continue;
        }
        if (ev->kind == TS_SCRIPT_EV_SYSCALL && !strcmp(ev->u.call.name, "connect"))
            return refuse(s, err, ev->line, ev->col,
                          "--peer: a remote stack cannot be made to connect(): only "
                          "passive-open scripts run against a host");
        if (cfg->skip_syscalls)
            continue;
        return refuse(s, err, ev->line, ev->col,
                      "--peer: a %s runs on the stack's host, which tcpshake does not reach "
                      "(--skip-syscalls skips each, said per line)",
                      ev->kind == TS_SCRIPT_EV_SYSCALL ? "system call"
                      : ev->kind == TS_SCRIPT_EV_SHELL ? "shell command"
                                                       : "python line");
    }
    return 0;
}

static void setup(struct run *r)
{
    const struct ts_script *s = r->s;
    const struct ts_script_run_cfg *cfg = r->cfg;
    uint8_t fam = run_family(s, cfg);
    r->peer = cfg->peer.family != 0;
    r->env.family = fam;
    r->env.mapped = !r->peer && fam == 4 && run_mapped(s, cfg);
    if (r->peer) {
        r->env.local = cfg->peer; /* and remote: the route's source, once known */
    } else if (cfg->local.family == fam && cfg->remote.family == fam) {
        r->env.local = cfg->local;
        r->env.remote = cfg->remote;
    } else {
        if (fam == 6) {
            r->env.local = (struct ts_addr){.family = 6, .a = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
            r->env.remote = (struct ts_addr){.family = 6, .a = {0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
        } else {
            r->env.local = (struct ts_addr){.family = 4, .a = {198, 18, 0, 1}};
            r->env.remote = (struct ts_addr){.family = 4, .a = {198, 18, 0, 2}};
        }
        /* the script's own, as packetdrill (a TFO cookie is computed from
         * them); the command line's win */
        static const char *const names[2] = {"local_ip", "remote_ip"};
        for (int k = 0; k < 2; k++) {
            const struct ts_script_option *o = option(s, names[k]);
            struct ts_addr a;
            uint16_t port;
            bool hp;
            char e[128];
            if (o && o->value &&
                ts_craft_parse_endpoint(o->value, false, &a, &port, &hp, e, sizeof e) == 0 &&
                !hp && a.family == fam)
                *(k ? &r->env.remote : &r->env.local) = a;
        }
    }
    r->env.bind_port = (uint16_t)opt_num(s, "bind_port", 8080);
    if (r->peer && cfg->peer_port)
        r->env.bind_port = cfg->peer_port;
    if (r->peer)
        r->st = C_LISTEN; /* the service is there before the script */
    r->env.connect_port = (uint16_t)opt_num(s, "connect_port", 8080);
    r->tol = cfg->tolerance_usecs >= 0 ? cfg->tolerance_usecs
                                       : opt_num(s, "tolerance_usecs", 4000);
    const struct ts_script_option *tp = option(s, "tolerance_percent");
    r->tol_pct = tp && tp->value ? strtod(tp->value, NULL) : 12.5; /* packetdrill's default */
    r->ts_tick = opt_num(s, "tcp_ts_tick_usecs", 0);
    r->ecr_scaled = option(s, "tcp_ts_ecr_scaled") != NULL;
    const struct ts_script_option *nf = option(s, "non_fatal");
    r->non_fatal = cfg->non_fatal_packet || (nf && (!nf->value || strstr(nf->value, "packet")));
    r->strict_segments = option(s, "strict_segments") != NULL;
    r->any_wait = cfg->any_wait_ns ? cfg->any_wait_ns : 10000000000ull;
    r->fd = -1;
    r->code_fd = -1;
    r->next_port = (uint16_t)(40000 + (ts_inject_now_ns() / 1000) % 20000);
}

/* --peer: one SYN from the probe port (the first of the block), its
 * SYN+ACK timed, then a RST; the frames are not the script's.  It also
 * tells a closed port or a silent host before the script starts. */
static int send_plain(struct run *r, struct ts_craft_seg *seg)
{
    char e[256];
    struct ts_craft_frame f;
    if (pace(r) < 0)
        return -1;
    for (int tries = 0;; tries++) {
        int rc = ts_craft_send(r->lab.cs, seg, &f, e, sizeof e);
        if (rc == 0)
            break;
        if (rc < 0 || tries > 100)
            return error(r, "sending: %s", e);
    }
    to_hook(r, ts_inject_wall_ns(), f.dlt, f.data, f.len, f.len, true);
    return 0;
}

/* --peer: a RST from our port to the service */
static int send_rst(struct run *r, uint16_t sport, uint32_t seq)
{
    struct ts_craft_seg seg;
    ts_craft_seg_init(&seg);
    seg.src = r->lab.remote;
    seg.dst = r->lab.local;
    seg.sport = sport;
    seg.dport = r->env.bind_port;
    seg.seq = seq;
    seg.flags = TS_TH_RST;
    return send_plain(r, &seg);
}

static int probe_rtt(struct run *r)
{
    char e[256], a[64];
    struct ts_craft_rng rng;
    uint32_t isn = 0;
    ts_craft_rng_init(&rng);
    ts_craft_rng_u32(&rng, &isn);
    ts_addr_str(&r->lab.local, a, sizeof a);
    r->quiet = true;
    int64_t rtt = -1;
    int rc = 0;
    for (int tries = 0; tries < 3 && rtt < 0 && rc == 0; tries++) {
        struct ts_craft_seg seg;
        ts_craft_seg_init(&seg);
        seg.src = r->lab.remote;
        seg.dst = r->lab.local;
        seg.sport = r->lab.port_lo;
        seg.dport = r->env.bind_port;
        seg.seq = isn;
        seg.flags = TS_TH_SYN;
        seg.win = 65535;
        if (ts_craft_opts_add_mss(&seg.opt, (uint16_t)(r->lab.mtu - (r->env.family == 6 ? 60 : 40)),
                                  e, sizeof e) < 0) {
            rc = error(r, "the probe: %s", e);
            break;
        }
        uint64_t t0 = ts_inject_now_ns();
        ts_lab_use_port(&r->lab, r->lab.port_lo);
        if ((rc = send_plain(r, &seg)) < 0)
            break;
        uint64_t until = t0 + 1000000000ull;
        while (rtt < 0 && rc == 0) {
            int w = wait_until(r, until, true);
            if (w < 0) {
                rc = -1;
                break;
            }
            for (; r->qn; r->qn--, r->qh = (r->qh + 1) % QMAX) {
                struct frame *f = &r->q[r->qh];
                struct ts_seg got;
                if (ts_decode(f->dlt, f->p, f->len, f->wirelen, false, &got) == TS_DEC_TCP &&
                    got.dport == r->lab.port_lo && rtt < 0 && rc == 0) {
                    if (got.flags & TS_TH_RST) {
                        r->res->peer_refused = true;
                        rc = error(r, "%s port %u refused the connection (RST): nothing "
                                      "listens there",
                                   a, (unsigned)r->env.bind_port);
                    } else if ((got.flags & (TS_TH_SYN | TS_TH_ACK)) == (TS_TH_SYN | TS_TH_ACK) &&
                             got.ack == isn + 1)
                        rtt = f->t > t0 ? (int64_t)(f->t - t0) / US : 0;
                }
                free(f->p);
            }
            if (w == 0)
                break;
        }
    }
    if (rtt >= 0) {
        rc = send_rst(r, r->lab.port_lo, isn + 1);
    } else if (rc == 0) {
        r->res->peer_silent = true;
        rc = error(r, "%s port %u did not answer a SYN in 3 s (give --late-usecs to run "
                      "without asking)",
                   a, (unsigned)r->env.bind_port);
    }
    r->quiet = false;
    if (rc < 0)
        return -1;
    if (rtt < 0)
        rtt = 0;
    if (rtt > 1000000)
        rtt = 1000000; /* a clock step, not a path */
    r->late = 2 * rtt + 500; /* twice the round trip seen once, and half a ms */
    return 0;
}

/* --peer: a RST for every connection the script left open: not one reset
 * already, nor closed both ways (each FIN sent and acknowledged) */
static void reset_all(struct run *r)
{
    bool any = false;
    for (unsigned i = 0; i < r->nconns; i++) {
        struct pconn *c = &r->conns[i];
        if (!c->sent || c->reset)
            continue;
        if (c->fin_out && c->fin_in && c->has_acked && c->acked == c->snd_nxt &&
            (int32_t)(c->rcv_nxt - c->fin_in_end) >= 0)
            continue;
        /* what the host last acknowledged is its RCV.NXT, where a RST is
         * taken at once (RFC 5961 3.2); before any ACK, our next number */
        if (send_rst(r, c->rport, c->has_acked ? c->acked : c->snd_nxt) < 0)
            return;
        c->rst_sent = true;
        c->challenged = false;
        any = true;
    }
    if (!any || stopped(r))
        return;
    /* a RST the host did not take exactly gets a challenge ACK: one more,
     * at that ACK's number */
    uint64_t wait = (uint64_t)(r->late > 20000 ? r->late : 20000) * US;
    if (wait_until(r, ts_inject_now_ns() + wait, false) < 0)
        return;
    for (unsigned i = 0; i < r->nconns; i++) {
        struct pconn *c = &r->conns[i];
        if (!c->rst_sent || !c->challenged || c->reset)
            continue;
        if (send_rst(r, c->rport, c->acked) < 0)
            return;
    }
}

static int run_events(struct run *r)
{
    const struct ts_script *s = r->s;
    for (size_t i = 0; i < s->nevents; i++) {
        const struct ts_script_event *ev = &s->events[i];
        if ((int)i == s->init_event || (int)i == s->cleanup_event)
            continue;
        int64_t t, end;
        when(r, ev, &t, &end);
        int rc = 0;
        r->paced = 0;
        if (r->peer && ev->kind != TS_SCRIPT_EV_PACKET) {
            /* ts_script_check_cfg let it through: --skip-syscalls */
            rc = wait_until(r, r->start + (uint64_t)(t > 0 ? t : 0) * US, false);
            if (rc == 0)
                told(r, ev, now_us(r), SKIPPED);
            goto next;
        }
        switch (ev->kind) {
        case TS_SCRIPT_EV_PACKET:
            if (ev->u.packet.dir == TS_SCRIPT_IN) {
                r->sent_us = -1;
                rc = wait_until(r, r->start + (uint64_t)(t > 0 ? t : 0) * US, false);
                if (rc == 0)
                    rc = ev->u.packet.icmp ? do_icmp(r, ev) : do_inbound(r, ev);
                if (rc == 0 && r->paced > 0) {
                    char w[96];
                    snprintf(w, sizeof w, "sent %.3f s late: --rate", (double)r->paced / 1e6);
                    told(r, ev, now_us(r), w);
                } else if (rc == 0) {
                    told(r, ev, now_us(r), "");
                }
            } else {
                rc = do_outbound(r, ev, t, end, r->last_us);
            }
            break;
        case TS_SCRIPT_EV_SYSCALL:
            rc = do_call(r, ev, t, end);
            break;
        case TS_SCRIPT_EV_SHELL:
            rc = wait_until(r, r->start + (uint64_t)(t > 0 ? t : 0) * US, false);
            if (rc == 0)
                rc = shell(r, ev, ev->u.shell, t);
            break;
        case TS_SCRIPT_EV_CODE:
            rc = code_event(r, ev, t);
            break;
        }
    next:
        if (rc < 0 || r->res->status != TS_SCRIPT_PASS)
            return -1;
        r->last = ev;
        r->last_us = t;
        r->res->events++;
    }
    /* a blocking call still out: its return is part of the script */
    if (r->busy) {
        int64_t left = r->bend + r->tol - now_us(r);
        if (await_idle(r, NULL, (int)(left > 0 ? left / 1000 + 1000 : 1000)) < 0)
            return -1;
    }
    if (r->nsnaps) {
        unsigned line = 0;
        char why[512];
        int rc = code_run(r->snaps, r->nsnaps, &line, why, sizeof why);
        if (rc < 0)
            return error(r, "%s", why);
        if (rc > 0) {
            const struct ts_script_event *at = NULL;
            for (size_t i = 0; i < s->nevents; i++)
                if (s->events[i].kind == TS_SCRIPT_EV_CODE && s->events[i].line == line)
                    at = &s->events[i];
            return fail_at(r, at, "%s", why);
        }
    }
    return 0;
}

enum ts_script_status ts_script_run(const struct ts_script *s, const struct ts_script_run_cfg *cfg,
                                    struct ts_script_result *res)
{
    struct run *r = calloc(1, sizeof *r);
    struct ts_script_err ce;
    memset(res, 0, sizeof *res);
    if (!r) {
        res->status = TS_SCRIPT_ERROR;
        snprintf(res->msg, sizeof res->msg, "out of memory");
        return res->status;
    }
    r->s = s;
    r->cfg = cfg;
    r->res = res;
    r->lab.orig_ns = -1;
    r->lab.ag.fd = -1;
    r->lab.ag.pid = -1;
    r->lab.port_hold = -1;
    if (ts_script_check_cfg(s, cfg, &ce) < 0) {
        res->status = TS_SCRIPT_ERROR;
        res->line = ce.line;
        res->col = ce.col;
        snprintf(res->msg, sizeof res->msg, "%s", ce.msg);
        free(r);
        return res->status;
    }
    setup(r);
    r->buf = malloc(TS_AGENT_MAX_DATA + 1);
    r->rbuf = malloc(TS_AGENT_MAX_DATA);
    r->zeros = calloc(1, 65536);
    if (!r->buf || !r->rbuf || !r->zeros) {
        error(r, "out of memory");
        goto out;
    }

    /* Shell lines run in the script's folder (where packetdrill's own
     * runner starts it: `../common/defaults.sh`), unless the programs they
     * start by relative paths are found only from this process's folder,
     * where packetdrill itself runs them (the netfilter selftests' runner
     * starts `packetdrill/x.pkt`, whose line is `packetdrill/common.sh`) */
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", s->name ? s->name : ".");
    const char *cwd = s->name ? dirname(dir) : NULL;
    if (cwd && runs_from(s, cwd) == 0 && runs_from(s, ".") == 1)
        cwd = NULL;
    char e[512];
    unsigned prefix = cfg->prefix ? cfg->prefix : r->env.family == 6 ? 64 : 24;
    if (r->peer) {
        if (ts_lab_open_peer(&r->lab, &cfg->peer, r->env.bind_port, e, sizeof e) < 0) {
            error(r, "%s", e);
            goto out;
        }
        r->env.remote = r->lab.remote;
    } else if ((r->pinned = pin_here(&r->cpus_was)),
               ts_lab_open(&r->lab, r->env.family, &r->env.local, &r->env.remote, prefix,
                           (uint32_t)link_mtu(s, cfg), (uint16_t)opt_num(s, "mss", 0), cwd,
                           r->pinned ? &r->cpus_was : NULL, e, sizeof e) < 0) {
        error(r, "%s", e);
        goto out;
    }
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    uint64_t m = ts_inject_now_ns();
    r->wall_off = (int64_t)((uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec) -
                  (int64_t)m;
    if (r->peer) {
        r->refill = ts_inject_now_ns();
        r->tokens = 32;
        if (cfg->late_usecs > 0)
            r->late = cfg->late_usecs;
        else if (probe_rtt(r) < 0)
            goto out;
        else if (r->late < cfg->late_min_usecs)
            r->late = cfg->late_min_usecs;
        res->late_usecs = r->late;
    }

    bool init_ok = true;
    if (s->init_event >= 0 && r->peer)
        told(r, &s->events[s->init_event], 0, SKIPPED);
    if (s->init_event >= 0 && !r->peer) {
        const struct ts_script_event *ev = &s->events[s->init_event];
        init_ok = shell(r, ev, ev->u.shell, 0) == 0;
    }
    if (init_ok) {
        drain(r);
        for (; r->qn; r->qn--, r->qh = (r->qh + 1) % QMAX)
            free(r->q[r->qh].p); /* nothing before the start counts */
        r->start = r->peer ? ts_inject_now_ns() : tick_start();
        run_events(r);
        res->seconds = (double)(ts_inject_now_ns() - r->start) / 1e9;
        drain(r);
    }
    if (r->peer) {
        reset_all(r);
        if (s->cleanup_event >= 0)
            told(r, &s->events[s->cleanup_event], now_us(r),
                 SKIPPED);
    }
    if (s->cleanup_event >= 0 && init_ok && !r->peer) {
        const struct ts_script_event *ev = &s->events[s->cleanup_event];
        struct ts_script_result keep = *res;
        shell(r, ev, ev->u.shell, now_us(r));
        if (keep.status != TS_SCRIPT_PASS)
            *res = keep;
    }
out:
    ts_lab_close(&r->lab);
    pin_end(r->pinned, &r->cpus_was);
    if (r->lab.close_err[0]) {
        /* a guard left in place is always said, whatever the outcome */
        size_t n = strlen(res->msg);
        if (res->status == TS_SCRIPT_PASS || res->status == TS_SCRIPT_FAIL) {
            if (res->status == TS_SCRIPT_PASS)
                n = 0, res->msg[0] = 0;
            res->status = TS_SCRIPT_ERROR;
        }
        snprintf(res->msg + n, sizeof res->msg - n, "%s%s", n ? "; " : "", r->lab.close_err);
    }
    for (; r->qn; r->qn--, r->qh = (r->qh + 1) % QMAX)
        free(r->q[r->qh].p);
    free(r->snaps);
    free(r->buf);
    free(r->rbuf);
    free(r->zeros);
    free(r);
    return res->status;
}
