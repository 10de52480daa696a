/* One connection seen from our side: a small TCB (RFC 9293 §3.3.1) that
 * decides which segment to craft next.  Our own state moves through the
 * tracer's state table (ts_fsm_step), the same one that infers both
 * endpoints' states from the wire.
 *
 * What it does, and what it leaves out on purpose:
 * - sends our data in segments of the effective MSS (RFC 9293 §3.7.1: the
 *   peer's MSS option, our path MTU, less the timestamp option) within the
 *   peer's window (scaled, RFC 7323 §2.3);
 * - retransmits the segment at snd_una when the RTO (RFC 6298) runs out,
 *   backing off, at most cfg->retries times; RTT samples follow Karn;
 * - accepts the peer's data in order only (out-of-order data is answered
 *   with a duplicate ACK, and the peer retransmits), ACKs every segment at
 *   once (no delayed ACK), keeps timestamps (RFC 7323 §4.3) and never sends
 *   SACK blocks (allowed by RFC 2018);
 * - no congestion control: these sessions are a handful of segments.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "tcpshake/inject.h"

#define NS_MS 1000000ull
#define NS_S 1000000000ull

static uint64_t rto_min(const struct tcb *t)
{
    return t->s->cfg->rto_min_ns ? t->s->cfg->rto_min_ns : 200 * NS_MS;
}

static uint64_t rto_max(const struct tcb *t)
{
    return t->s->cfg->rto_max_ns ? t->s->cfg->rto_max_ns : 60 * NS_S;
}

static void set_state(struct tcb *t, enum ts_fsm_event e)
{
    uint8_t old = t->st;
    if (ts_fsm_step(&t->st, e) == 1 && t->st == TS_TIME_WAIT &&
        old != TS_TIME_WAIT)
        t->tw_until = dsess_mono() + t->s->cfg->time_wait_ns;
}

/* Said after the ACK that took us there has gone out. */
static void note_time_wait(struct tcb *t)
{
    if (t->st == TS_TIME_WAIT && !t->tw_noted) {
        t->tw_noted = true;
        dsess_note(t->s, "#%u TIME_WAIT for %.3f s (--time-wait; 2 MSL "
                   "would be 60 s on Linux)", t->no,
                   (double)t->s->cfg->time_wait_ns / 1e9);
    }
}

static void finish(struct tcb *t, enum ts_drive_outcome o, const char *msg)
{
    if (t->done)
        return;
    t->done = true;
    t->outcome = o;
    t->rexmit_at = 0;
    snprintf(t->msg, sizeof t->msg, "%s", msg ? msg : "");
}

void tcb_init(struct tcb *t, struct dsess *s, bool server,
              const struct ts_addr *la, uint16_t lp, const struct ts_addr *ra,
              uint16_t rp, uint32_t iss)
{
    uint32_t r = 0;

    memset(t, 0, sizeof *t);
    t->s = s;
    t->server = server;
    t->st = server ? TS_LISTEN : TS_CLOSED;
    ts_craft_seg_init(&t->tmpl);
    t->tmpl.src = *la;
    t->tmpl.dst = *ra;
    t->tmpl.sport = lp;
    t->tmpl.dport = rp;
    t->iss = iss;
    t->snd_una = t->snd_nxt = t->snd_max = iss;
    t->rto = s->cfg->rto_ns ? s->cfg->rto_ns : NS_S;
    t->mtu = s->mtu;
    ts_craft_rng_u32(&s->rng, &r);
    t->ts_off = r;
    t->ts_base = dsess_mono();
    if (!server) {
        t->out = s->cfg->data;
        t->out_len = s->cfg->data_len;
        t->out_queued = true;
    }
}

bool tcb_matches(const struct tcb *t, const struct ts_seg *seg)
{
    return seg->sport == t->tmpl.dport && seg->dport == t->tmpl.sport &&
           ts_addr_cmp(&seg->src, &t->tmpl.dst) == 0 &&
           ts_addr_cmp(&seg->dst, &t->tmpl.src) == 0;
}

/* ---- output ----------------------------------------------------------------- */

static uint32_t tsval(const struct tcb *t)
{
    return t->ts_off + (uint32_t)((dsess_mono() - t->ts_base) / NS_MS);
}

static uint16_t our_mss(const struct tcb *t)
{
    const struct ts_drive_cfg *c = t->s->cfg;
    uint32_t hdr = c->family == 6 ? 60 : 40;
    if (c->syn.mss)
        return c->syn.mss;
    uint32_t mtu = t->mtu ? t->mtu : 1500;
    uint32_t m = mtu > hdr ? mtu - hdr : 536;
    return (uint16_t)(m > 65535 ? 65535 : m);
}

/* The options of our SYN or SYN+ACK, laid out as Linux does. */
static void syn_options(struct tcb *t, struct ts_craft_opts *o, bool synack)
{
    const struct ts_drive_syn_opts *w = &t->s->cfg->syn;
    char e[128];
    bool ws = synack ? t->ws_ok : w->wscale;
    bool sack = synack ? t->sack_ok : w->sackok;
    bool ts = synack ? t->ts_ok : w->ts;

    ts_craft_opts_clear(o);
    if (!w->no_mss)
        ts_craft_opts_add_mss(o, our_mss(t), e, sizeof e);
    if (sack && ts) {
        ts_craft_opts_add_sackok(o, e, sizeof e);
        ts_craft_opts_add_ts(o, tsval(t), synack ? t->ts_recent : 0, e, sizeof e);
    } else if (ts) {
        ts_craft_opts_add_nop(o, e, sizeof e);
        ts_craft_opts_add_nop(o, e, sizeof e);
        ts_craft_opts_add_ts(o, tsval(t), synack ? t->ts_recent : 0, e, sizeof e);
    } else if (sack) {
        ts_craft_opts_add_nop(o, e, sizeof e);
        ts_craft_opts_add_nop(o, e, sizeof e);
        ts_craft_opts_add_sackok(o, e, sizeof e);
    }
    if (ws) {
        ts_craft_opts_add_nop(o, e, sizeof e);
        ts_craft_opts_add_wscale(o, w->wscale_shift, e, sizeof e);
    }
}

static uint16_t adv_window(const struct tcb *t, bool syn)
{
    uint32_t w = t->s->cfg->win ? t->s->cfg->win : 64240;
    if (!syn && t->ws_ok)
        w >>= t->rcv_shift;
    return (uint16_t)(w > 65535 ? 65535 : w);
}

/* Craft and send one segment.  Data comes from t->out at seq. */
static int emit(struct tcb *t, uint8_t flags, uint32_t seq, uint32_t len)
{
    struct ts_craft_seg g = t->tmpl;
    char e[128];
    bool syn = (flags & TS_TH_SYN) != 0;

    g.flags = flags;
    g.seq = seq;
    g.ack = (flags & TS_TH_ACK) ? t->rcv_nxt : 0;
    g.win = (flags & TS_TH_RST) ? 0 : adv_window(t, syn);
    if (syn)
        syn_options(t, &g.opt, (flags & TS_TH_ACK) != 0);
    else if (t->ts_ok && !(flags & TS_TH_RST)) {
        ts_craft_opts_add_nop(&g.opt, e, sizeof e);
        ts_craft_opts_add_nop(&g.opt, e, sizeof e);
        ts_craft_opts_add_ts(&g.opt, tsval(t), t->ts_recent, e, sizeof e);
    }
    if (len) {
        uint32_t off = seq - (t->iss + 1);
        g.payload = t->out + off;
        g.payload_len = len;
    }
    if (dsess_send(t->s, &g) < 0) {
        finish(t, TS_DRIVE_FAILED, t->s->ioerr);
        return -1;
    }
    t->emitted++;
    return 0;
}

static uint32_t data_end(const struct tcb *t)
{
    if (t->scripted)
        return t->iss + 1 + t->out_lim;
    return t->iss + 1 + (t->out_queued ? t->out_len : 0);
}

static void arm_rexmit(struct tcb *t)
{
    if (!t->rexmit_at)
        t->rexmit_at = dsess_mono() + t->rto;
}

static void start_timing(struct tcb *t, uint32_t end)
{
    if (!t->timing) {
        t->timing = true;
        t->timed_seq = end;
        t->timed_at = dsess_mono();
    }
}

/* New data and our FIN, as far as the peer's window allows. */
static void output(struct tcb *t)
{
    if (t->done || (t->st != TS_ESTABLISHED && t->st != TS_CLOSE_WAIT &&
                    t->st != TS_FIN_WAIT_1 && t->st != TS_CLOSING &&
                    t->st != TS_LAST_ACK))
        return;
    uint32_t end = data_end(t);
    while (ts_seq_lt(t->snd_nxt, end) && !t->fin_sent) {
        uint32_t wnd_end = t->snd_una + t->snd_wnd;
        if (!ts_seq_lt(t->snd_nxt, wnd_end))
            break;
        uint32_t len = end - t->snd_nxt;
        if (len > t->smss)
            len = t->smss;
        if (len > wnd_end - t->snd_nxt)
            len = wnd_end - t->snd_nxt;
        bool last = t->snd_nxt + len == end;
        if (emit(t, TS_TH_ACK | (last ? TS_TH_PSH : 0), t->snd_nxt, len) < 0)
            return;
        t->snd_nxt += len;
        if (ts_seq_gt(t->snd_nxt, t->snd_max)) {
            t->snd_max = t->snd_nxt;
            start_timing(t, t->snd_nxt);
        }
        t->s->res->bytes_sent += len;
        arm_rexmit(t);
    }
    if (t->fin_wanted && !t->fin_sent && t->snd_nxt == end) {
        t->fin_seq = t->snd_nxt;
        if (emit(t, TS_TH_FIN | TS_TH_ACK, t->fin_seq, 0) < 0)
            return;
        t->fin_sent = true;
        t->snd_nxt = t->snd_max = t->fin_seq + 1;
        start_timing(t, t->snd_nxt);
        set_state(t, TS_EV_SND_FIN);
        arm_rexmit(t);
    }
}

void tcb_output(struct tcb *t)
{
    output(t);
}

int tcb_connect(struct tcb *t)
{
    t->t_syn = dsess_mono();
    if (emit(t, TS_TH_SYN, t->iss, 0) < 0)
        return -1;
    t->snd_nxt = t->snd_max = t->iss + 1;
    set_state(t, TS_EV_SND_SYN);
    start_timing(t, t->snd_nxt);
    arm_rexmit(t);
    return 0;
}

/* What the peer's SYN or SYN+ACK says about the rest of the connection. */
static void take_syn_options(struct tcb *t, const struct ts_seg *g)
{
    const struct ts_drive_syn_opts *w = &t->s->cfg->syn;
    const struct ts_opts *o = &g->opt;
    uint32_t hdr = t->s->cfg->family == 6 ? 60 : 40;

    t->peer_mss = (o->present & TS_HAS_MSS) ? o->mss : 0;
    /* RFC 9293 §3.7.1: no option means 536 (IPv4) / 1220 (IPv6) */
    uint32_t m = t->peer_mss ? t->peer_mss : (t->s->cfg->family == 6 ? 1220 : 536);
    uint32_t mtu = t->mtu ? t->mtu : 1500;
    if (mtu > hdr && m > mtu - hdr)
        m = mtu - hdr;
    t->ws_ok = w->wscale && (o->present & TS_HAS_WSCALE);
    t->snd_shift = t->ws_ok ? (o->wscale > 14 ? 14 : o->wscale) : 0;
    t->rcv_shift = t->ws_ok ? w->wscale_shift : 0;
    t->sack_ok = w->sackok && (o->present & TS_HAS_SACKOK);
    t->ts_ok = w->ts && (o->present & TS_HAS_TS);
    if (t->ts_ok) {
        t->ts_recent = o->tsval;
        m = m > 12 ? m - 12 : 1;
    }
    t->smss = (uint16_t)(m > 65535 ? 65535 : m);
}

int tcb_accept(struct tcb *t, const struct ts_seg *syn)
{
    t->irs = syn->seq;
    t->rcv_nxt = syn->seq + 1;
    take_syn_options(t, syn);
    t->snd_wnd = syn->win; /* never scaled on a SYN */
    set_state(t, TS_EV_RCV_SYN);
    if (emit(t, TS_TH_SYN | TS_TH_ACK, t->iss, 0) < 0)
        return -1;
    t->snd_nxt = t->snd_max = t->iss + 1;
    set_state(t, TS_EV_SND_SYNACK);
    start_timing(t, t->snd_nxt);
    arm_rexmit(t);
    t->last_act = dsess_mono();
    return 0;
}

/* ---- input ------------------------------------------------------------------ */

static void rtt_sample(struct tcb *t, uint64_t r)
{
    /* RFC 6298 §2.2 and §2.3, alpha 1/8, beta 1/4, G = 1 ms */
    if (!t->have_rtt) {
        t->srtt = r;
        t->rttvar = r / 2;
        t->have_rtt = true;
    } else {
        uint64_t d = t->srtt > r ? t->srtt - r : r - t->srtt;
        t->rttvar = (3 * t->rttvar + d) / 4;
        t->srtt = (7 * t->srtt + r) / 8;
    }
    uint64_t k = 4 * t->rttvar;
    t->rto = t->srtt + (k > NS_MS ? k : NS_MS);
    if (t->rto < rto_min(t))
        t->rto = rto_min(t);
    if (t->rto > rto_max(t))
        t->rto = rto_max(t);
}

static void ack_advanced(struct tcb *t, uint32_t ack)
{
    uint64_t now = dsess_mono();
    if (t->timing && ts_seq_ge(ack, t->timed_seq)) {
        rtt_sample(t, now - t->timed_at);
        t->timing = false;
    }
    t->snd_una = ack;
    if (ts_seq_lt(t->snd_nxt, ack))
        t->snd_nxt = ack;
    t->tries = 0;
    t->rexmit_at = 0;
    if (ts_seq_lt(t->snd_una, t->snd_max))
        arm_rexmit(t);
    t->last_act = now;
}

static void deliver(struct tcb *t, const struct ts_seg *g, const uint8_t *frame)
{
    uint32_t len = g->payload_len;
    if (!len)
        return;
    if (ts_seq_le(g->seq, t->rcv_nxt) && ts_seq_gt(g->seq + len, t->rcv_nxt)) {
        uint32_t skip = t->rcv_nxt - g->seq;
        uint32_t n = len - skip;
        /* only what was captured can be handed on (snaplen is 256 KiB) */
        if (skip + n > g->payload_caplen)
            n = g->payload_caplen > skip ? g->payload_caplen - skip : 0;
        if (n == 0)
            return;
        if (t->s->data_tap)
            t->s->data_tap(t->s, frame + g->payload_off + skip, n);
        if (t->s->cfg->hooks.data)
            t->s->cfg->hooks.data(t->s->cfg->hooks.user, t->no,
                                  frame + g->payload_off + skip, n);
        t->rcv_nxt += n;
        t->s->res->bytes_received += n;
        t->got_data = true;
        t->last_act = dsess_mono();
    }
}

static void synsent_input(struct tcb *t, const struct ts_seg *g)
{
    bool ack_ok = (g->flags & TS_TH_ACK) && g->ack == t->iss + 1;
    char a[64];

    if (g->flags & TS_TH_RST) {
        if (ack_ok) { /* RFC 9293 §3.10.7.3: acceptable only if it ACKs our SYN */
            set_state(t, TS_EV_RST);
            ts_addr_str(&t->tmpl.dst, a, sizeof a);
            char m[200];
            snprintf(m, sizeof m, "%s%s%s port %u: connection refused (RST "
                     "answered our SYN)", t->tmpl.dst.family == 6 ? "[" : "",
                     a, t->tmpl.dst.family == 6 ? "]" : "",
                     (unsigned)t->tmpl.dport);
            finish(t, TS_DRIVE_REFUSED, m);
        }
        return;
    }
    if (!(g->flags & TS_TH_SYN) || !ack_ok)
        return; /* a bare SYN (simultaneous open) is not supported */
    t->irs = g->seq;
    t->rcv_nxt = g->seq + 1;
    take_syn_options(t, g);
    t->snd_wnd = g->win; /* a SYN's window is never scaled */
    ack_advanced(t, g->ack);
    set_state(t, TS_EV_RCV_SYNACK);
    t->est_at = t->last_act;
    if (emit(t, TS_TH_ACK, t->snd_nxt, 0) < 0)
        return;
    struct ts_drive_result *res = t->s->res;
    uint64_t hs = dsess_mono() - t->t_syn;
    if (res->hs_n == 0 || hs < res->hs_ns_min)
        res->hs_ns_min = hs;
    if (hs > res->hs_ns_max)
        res->hs_ns_max = hs;
    res->hs_ns_sum += hs;
    res->hs_n++;
    struct dsess *s = t->s;
    if (s->hs_n < s->hs_cap)
        s->hs_samples[s->hs_n++] = hs > UINT32_MAX ? UINT32_MAX : (uint32_t)hs;
    else if (!s->hs_cap)
        res->hs_ns_median = res->hs_ns_p99 = hs; /* one connection: itself */
}

void tcb_input(struct tcb *t, const struct ts_seg *g, const uint8_t *frame)
{
    if (t->done)
        return;
    if (t->st == TS_SYN_SENT) {
        synsent_input(t, g);
        if (!t->done)
            tcb_step(t);
        return;
    }
    unsigned emitted = t->emitted;
    bool need_ack = false;
    uint32_t rcv_before = t->rcv_nxt;

    if (g->flags & TS_TH_RST) {
        /* RFC 5961 §3.2 asks for an exact match; a window check is enough
         * against a peer that is a real stack, not an attacker. */
        uint32_t w = adv_window(t, false) << (t->ws_ok ? t->rcv_shift : 0);
        if (ts_seq_ge(g->seq, t->rcv_nxt) && ts_seq_lt(g->seq, t->rcv_nxt + (w ? w : 1))) {
            set_state(t, TS_EV_RST);
            finish(t, TS_DRIVE_RESET, "the peer reset the connection (RST)");
        }
        return;
    }
    if (g->flags & TS_TH_SYN) {
        if (t->server && t->st == TS_SYN_RCVD && !(g->flags & TS_TH_ACK) &&
            g->seq == t->irs) {
            /* the client did not get our SYN+ACK: send it again */
            emit(t, TS_TH_SYN | TS_TH_ACK, t->iss, 0);
        } else if (!t->server && (g->flags & TS_TH_ACK)) {
            need_ack = true; /* our ACK of its SYN+ACK was lost */
        }
        if (need_ack)
            emit(t, TS_TH_ACK, t->snd_nxt, 0);
        return;
    }
    if (!(g->flags & TS_TH_ACK))
        return;
    if (t->st == TS_SYN_RCVD) {
        if (g->ack != t->iss + 1)
            return;
        ack_advanced(t, g->ack);
        set_state(t, TS_EV_RCV_ACK_SYN);
        t->est_at = t->last_act;
    } else if (ts_seq_gt(g->ack, t->snd_una) && ts_seq_le(g->ack, t->snd_max)) {
        ack_advanced(t, g->ack);
    }
    t->snd_wnd = (uint32_t)g->win << t->snd_shift;
    if (t->fin_sent && !t->fin_acked && ts_seq_ge(g->ack, t->fin_seq + 1)) {
        t->fin_acked = true;
        set_state(t, TS_EV_RCV_ACK_FIN);
    }
    if (t->ts_ok && (g->opt.present & TS_HAS_TS) && ts_seq_le(g->seq, rcv_before))
        t->ts_recent = g->opt.tsval;

    if (g->payload_len) {
        deliver(t, g, frame);
        need_ack = true; /* in order: ACK it; otherwise a duplicate ACK */
    }
    if (g->flags & TS_TH_FIN) {
        if (!t->peer_fin && g->seq + g->payload_len == t->rcv_nxt) {
            t->peer_fin = true;
            t->rcv_nxt++;
            set_state(t, TS_EV_RCV_FIN);
            t->last_act = dsess_mono();
            /* ACK the FIN on its own, as a stack does before its
             * application closes: CLOSE_WAIT shows on the wire */
            if (emit(t, TS_TH_ACK, t->snd_nxt, 0) < 0)
                return;
            need_ack = false;
            emitted = t->emitted;
        } else {
            need_ack = true; /* a retransmitted FIN (e.g. in TIME_WAIT) */
        }
    }
    if (t->st == TS_CLOSED && !t->done) {
        finish(t, TS_DRIVE_OK, NULL); /* LAST_ACK -> CLOSED */
        return;
    }
    tcb_step(t);
    if (need_ack && t->emitted == emitted && !t->done)
        emit(t, TS_TH_ACK, t->snd_nxt, 0);
    note_time_wait(t);
}

void tcb_icmp(struct tcb *t, const struct ts_drive_icmp *ic)
{
    char txt[200], m[300];

    ts_drive_icmp_text(ic, txt, sizeof txt);
    if (t->st == TS_SYN_SENT) {
        snprintf(m, sizeof m, "%s about our SYN", txt);
        dsess_note(t->s, "#%u %s", t->no, m);
        set_state(t, TS_EV_RST);
        finish(t, TS_DRIVE_UNREACHABLE, m);
    } else {
        /* RFC 5461: a soft error for a synchronized connection */
        dsess_note(t->s, "#%u %s (ignored: the connection is open)", t->no, txt);
    }
}

/* ---- timers and decisions --------------------------------------------------- */

bool tcb_session_over(struct tcb *t)
{
    if (dsess_stopped(t->s)) {
        tcb_abort(t, TS_DRIVE_INTERRUPTED, "interrupted: the connection was aborted with RST");
        return true;
    }
    if (t->s->io_failed) {
        t->done = true;
        t->outcome = TS_DRIVE_FAILED;
        snprintf(t->msg, sizeof t->msg, "%s", t->s->ioerr);
        return true;
    }
    return false;
}

void tcb_abort(struct tcb *t, enum ts_drive_outcome why, const char *msg)
{
    if (t->done)
        return;
    if (t->st != TS_CLOSED && t->st != TS_LISTEN && t->st != TS_TIME_WAIT)
        emit(t, TS_TH_RST | TS_TH_ACK, t->snd_nxt, 0);
    set_state(t, TS_EV_RST);
    finish(t, why, msg);
}

static const char *what_at_una(const struct tcb *t)
{
    if (t->st == TS_SYN_SENT)
        return "SYN";
    if (t->st == TS_SYN_RCVD)
        return "SYN+ACK";
    if (t->fin_sent && t->snd_una == t->fin_seq)
        return "FIN";
    return "data";
}

static void retransmit(struct tcb *t)
{
    const struct ts_drive_cfg *c = t->s->cfg;
    const char *what = what_at_una(t);
    char m[200];

    if (t->tries >= c->retries) {
        snprintf(m, sizeof m, "no answer to our %s after %u transmission%s "
                 "(RTO backed off to %.3f s)", what, t->tries + 1,
                 t->tries ? "s" : "", (double)t->rto / 1e9);
        if (t->st != TS_SYN_SENT && t->st != TS_SYN_RCVD)
            tcb_abort(t, TS_DRIVE_TIMEOUT, m);
        else {
            set_state(t, TS_EV_RST);
            finish(t, TS_DRIVE_TIMEOUT, m);
        }
        return;
    }
    t->tries++;
    t->timing = false; /* Karn: no sample from a retransmitted segment */
    t->rto *= 2;       /* RFC 6298 §5.5 */
    if (t->rto > rto_max(t))
        t->rto = rto_max(t);
    t->s->res->retransmissions++;
    dsess_note(t->s, "#%u retransmitting our %s (try %u of %u, next RTO "
               "%.3f s)", t->no, what, t->tries + 1, c->retries + 1,
               (double)t->rto / 1e9);
    if (t->st == TS_SYN_SENT)
        emit(t, TS_TH_SYN, t->iss, 0);
    else if (t->st == TS_SYN_RCVD)
        emit(t, TS_TH_SYN | TS_TH_ACK, t->iss, 0);
    else if (t->fin_sent && t->snd_una == t->fin_seq)
        emit(t, TS_TH_FIN | TS_TH_ACK, t->fin_seq, 0);
    else {
        uint32_t end = data_end(t);
        uint32_t len = end - t->snd_una;
        if (len > t->smss)
            len = t->smss;
        emit(t, TS_TH_ACK | (t->snd_una + len == end ? TS_TH_PSH : 0),
             t->snd_una, len);
    }
    t->rexmit_at = dsess_mono() + t->rto;
}

static bool all_acked(const struct tcb *t)
{
    return t->out_queued && t->snd_una == data_end(t) &&
           t->snd_nxt == data_end(t);
}

/* Our side's close, once what we had to send is acknowledged. */
static void do_close(struct tcb *t)
{
    switch (t->s->cfg->close) {
    case TS_DRIVE_CLOSE_ACTIVE:
    case TS_DRIVE_CLOSE_PASSIVE:
        t->fin_wanted = true;
        output(t);
        break;
    case TS_DRIVE_CLOSE_RST:
        tcb_abort(t, TS_DRIVE_OK, NULL);
        break;
    case TS_DRIVE_CLOSE_NONE:
        dsess_note(t->s, "#%u left open (--close none)", t->no);
        finish(t, TS_DRIVE_OK, NULL);
        break;
    }
}

void tcb_step(struct tcb *t)
{
    const struct ts_drive_cfg *c = t->s->cfg;
    uint64_t now = dsess_mono();
    char m[200];

    if (t->done)
        return;
    if (t->rexmit_at && now >= t->rexmit_at) {
        retransmit(t);
        if (t->done)
            return;
    }
    if (t->st == TS_TIME_WAIT) {
        note_time_wait(t);
        if (now >= t->tw_until) {
            set_state(t, TS_EV_TIMEOUT);
            dsess_note(t->s, "#%u TIME_WAIT over: CLOSED", t->no);
            finish(t, TS_DRIVE_OK, NULL);
        }
        return;
    }
    if (t->st == TS_CLOSED && t->fin_acked) {
        finish(t, TS_DRIVE_OK, NULL);
        return;
    }
    if (t->st != TS_ESTABLISHED && t->st != TS_CLOSE_WAIT &&
        t->st != TS_FIN_WAIT_2)
        return;

    /* the server's reply: after the client's first data, its FIN, or a
     * quiet --linger after the handshake */
    if (t->server && !t->out_queued &&
        (t->got_data || t->peer_fin || now - t->est_at >= c->linger_ns)) {
        t->out = c->data;
        t->out_len = c->data_len;
        t->out_queued = true;
    }
    output(t);
    if (t->done)
        return;

    if (t->st == TS_FIN_WAIT_2) {
        if (now - t->last_act >= c->timeout_ns) {
            snprintf(m, sizeof m, "no FIN from the peer within %.3f s of our "
                     "FIN's ACK (--timeout)", (double)c->timeout_ns / 1e9);
            tcb_abort(t, TS_DRIVE_TIMEOUT, m);
        }
        return;
    }
    if (t->scripted || !all_acked(t) || t->fin_wanted)
        return; /* replay: the script closes when the capture did */
    if (t->st == TS_CLOSE_WAIT) {
        do_close(t); /* the peer closed first: whatever was asked, we end */
        return;
    }
    /* ESTABLISHED, everything we had to send is acknowledged */
    bool passive = c->close == TS_DRIVE_CLOSE_PASSIVE;
    if (passive) {
        if (now - t->last_act >= c->timeout_ns) {
            snprintf(m, sizeof m, "the peer did not close within %.3f s "
                     "(--close passive waits for its FIN; --timeout)",
                     (double)c->timeout_ns / 1e9);
            tcb_abort(t, TS_DRIVE_TIMEOUT, m);
        }
        return;
    }
    /* a client closes after a quiet --linger (the peer may still answer);
     * a server right after its reply was acknowledged */
    if (t->server || now - t->last_act >= c->linger_ns)
        do_close(t);
}

uint64_t tcb_deadline(const struct tcb *t)
{
    const struct ts_drive_cfg *c = t->s->cfg;
    uint64_t d = 0, now = dsess_mono();

    /* only what is still ahead: what has passed was decided by tcb_step */
#define EARLIEST(x) do { uint64_t x_ = (x); if (x_ > now && (!d || x_ < d)) d = x_; } while (0)
    if (t->done)
        return 0;
    EARLIEST(t->rexmit_at);
    if (t->st == TS_TIME_WAIT)
        EARLIEST(t->tw_until);
    if (t->st == TS_ESTABLISHED || t->st == TS_CLOSE_WAIT ||
        t->st == TS_FIN_WAIT_2) {
        EARLIEST(t->last_act + c->linger_ns);
        EARLIEST(t->est_at + c->linger_ns);
        EARLIEST(t->last_act + c->timeout_ns);
    }
#undef EARLIEST
    return d;
}
