/* One connection seen from our side: a TCB (RFC 9293 §3.3.1) that decides
 * which segment to craft next.  Our own state moves through the tracer's
 * state table (ts_fsm_step), the same one that infers both endpoints' states
 * from the wire.
 *
 * Sending:
 * - segments of the effective MSS (RFC 9293 §3.7.1: the peer's MSS option,
 *   the path MTU — lowered by ICMP "fragmentation needed" / "packet too
 *   big", RFC 1191 / 8201 — less the timestamp option), within the peer's
 *   window (scaled, RFC 7323 §2.3; updated by the SND.WL1/WL2 rule) and the
 *   congestion window (RFC 5681: initial window of RFC 6928, slow start,
 *   congestion avoidance); no runt segments while data is in flight
 *   (sender-side silly window avoidance, RFC 9293 §3.8.6.2.1);
 * - the RTO of RFC 6298 (Karn's rule, or timestamps' echo, RFC 7323 §4),
 *   doubled per expiry up to the maximum, collapsed again when an ACK
 *   moves snd_una (as Linux does: progress means the path works); after an
 *   expiry the window drops to one segment and everything from snd_una not
 *   SACKed is sent again;
 * - fast retransmit on three duplicate ACKs, then loss recovery: RFC 6675
 *   (the SACK scoreboard, pipe, NextSeg) when SACK was agreed, NewReno
 *   (RFC 6582) when not;
 * - the persist timer against a zero window: a one-byte probe of new data
 *   (RFC 9293 §3.8.6.1), backing off like the RTO;
 * - giving up on a segment takes both cfg->retries retransmissions and
 *   cfg->timeout_ns without progress (an ACK of new data, or new data from
 *   the peer): a slow path is not a dead one.
 * Receiving:
 * - in-order data goes straight to the output; data ahead of RCV.NXT but in
 *   the window is held (reasm.c) and delivered when the hole fills; every
 *   segment is ACKed at once (no delayed ACK, so a duplicate ACK for
 *   out-of-order data goes out at once, RFC 5681 §4.2), with SACK blocks
 *   when SACK was agreed (RFC 2018); the window we advertise is what we can
 *   hold, and stays open because delivery is synchronous;
 * - our pure ACKs carry a sequence number inside the peer's window even
 *   when it shrank below what we sent (as Linux's tcp_acceptable_seq).
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

/* The RTO before back-off: RFC 6298 §2, or the initial one before any
 * sample. */
static uint64_t rto_base(const struct tcb *t)
{
    uint64_t r;
    if (!t->have_rtt)
        r = t->s->cfg->rto_ns ? t->s->cfg->rto_ns : NS_S;
    else {
        uint64_t k = 4 * t->rttvar;
        r = t->srtt + (k > NS_MS ? k : NS_MS); /* G = 1 ms */
        if (r < rto_min(t))
            r = rto_min(t);
    }
    return r > rto_max(t) ? rto_max(t) : r;
}

static void set_rto(struct tcb *t)
{
    uint64_t r = rto_base(t);
    for (unsigned i = 0; i < t->backoff && r < rto_max(t); i++)
        r *= 2;
    t->rto = r > rto_max(t) ? rto_max(t) : r;
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

void tcb_release(struct tcb *t)
{
    reasm_free(&t->rq);
}

static void finish(struct tcb *t, enum ts_drive_outcome o, const char *msg)
{
    if (t->done)
        return;
    t->done = true;
    t->outcome = o;
    t->rexmit_at = 0;
    t->persist_at = 0;
    snprintf(t->msg, sizeof t->msg, "%s", msg ? msg : "");
    tcb_release(t);
}

/* The window we advertise, in bytes: what the reassembly ring can hold. */
static uint32_t our_window(const struct tcb *t)
{
    uint32_t w = ts_drive_default_window(t->s->cfg);
    if (w > (64u << 20))
        w = 64u << 20;
    return w;
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
    set_rto(t);
    t->mtu = s->mtu;
    t->rcv_wnd = our_window(t);
    t->ssthresh = UINT32_MAX;
    t->recover = iss;
    t->rack_lost_upto = iss;
    t->dupthresh = 3;
    t->undo_retrans = -1;
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

static uint32_t ip_tcp_hdr(const struct tcb *t)
{
    return t->s->cfg->family == 6 ? 60 : 40;
}

static uint16_t our_mss(const struct tcb *t)
{
    const struct ts_drive_cfg *c = t->s->cfg;
    uint32_t hdr = ip_tcp_hdr(t);
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
    uint32_t w = t->rcv_wnd;
    if (syn && !t->s->cfg->win && w > 65535)
        w = 64240; /* our default window: the SYN says what Linux's says */
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
    else if (!(flags & TS_TH_RST)) {
        if (t->ts_ok) {
            ts_craft_opts_add_nop(&g.opt, e, sizeof e);
            ts_craft_opts_add_nop(&g.opt, e, sizeof e);
            ts_craft_opts_add_ts(&g.opt, tsval(t), t->ts_recent, e, sizeof e);
        }
        if (t->sack_ok && t->rq.n) {
            /* 40 option bytes: 3 blocks beside timestamps, else 4; and a
             * segment with data only what the MSS leaves (smss counts the
             * timestamps alone), as Linux's tcp_current_mss: a full one
             * carries none */
            uint32_t blk[4][2];
            unsigned max = t->ts_ok ? 3 : 4;
            if (len) {
                uint32_t room = len < t->smss ? t->smss - len : 0;
                unsigned fit = room >= 4 + 8 ? (room - 4) / 8 : 0;
                if (fit < max)
                    max = fit;
            }
            unsigned n = max ? reasm_sack(&t->rq, t->rcv_nxt, blk, max) : 0;
            if (n) {
                ts_craft_opts_add_nop(&g.opt, e, sizeof e);
                ts_craft_opts_add_nop(&g.opt, e, sizeof e);
                ts_craft_opts_add_sack(&g.opt, (const uint32_t(*)[2])blk, n, e, sizeof e);
            }
        }
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

/* A pure ACK.  Its sequence number stays inside the peer's window even when
 * the window shrank below what we sent: a receiver drops a segment whose
 * seq is beyond it (RFC 9293 §3.10.7.4), ACK or not. */
static int send_ack(struct tcb *t)
{
    uint32_t seq = t->snd_nxt;
    uint32_t we = t->snd_una + t->snd_wnd;
    if (t->st != TS_SYN_SENT && t->st != TS_SYN_RCVD && ts_seq_gt(seq, we) &&
        ts_seq_ge(we, t->snd_una))
        seq = we;
    return emit(t, TS_TH_ACK, seq, 0);
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

static bool sending_state(const struct tcb *t)
{
    return t->st == TS_ESTABLISHED || t->st == TS_CLOSE_WAIT ||
           t->st == TS_FIN_WAIT_1 || t->st == TS_CLOSING || t->st == TS_LAST_ACK;
}

/* IsLost, or given up on by the recovery timer (rack_fire). */
static bool seg_lost(const struct tcb *t, uint32_t seq)
{
    return ts_seq_lt(seq, t->rack_lost_upto) ||
           sboard_is_lost(&t->sb, seq, t->smss, t->dupthresh);
}

/* Whether new data could still go, now or when the window opens. */
static bool more_to_send(const struct tcb *t)
{
    return !t->fin_sent && ts_seq_lt(t->snd_max, data_end(t));
}

/* RFC 6675 §4 SetPipe: our bytes the network still holds, in segments of
 * smss: neither SACKed nor taken for lost count once, and a second time if
 * retransmitted (below HighRxt). */
static uint32_t sack_pipe(const struct tcb *t)
{
    uint32_t p = 0, seq = t->snd_una;
    while (ts_seq_lt(seq, t->snd_max)) {
        uint32_t re;
        if (sboard_has(&t->sb, seq, &re)) {
            seq = re;
            continue;
        }
        uint32_t end = sboard_next_sacked(&t->sb, seq, t->snd_max);
        if (end - seq > t->smss)
            end = seq + t->smss;
        uint32_t len = end - seq;
        if (!seg_lost(t, seq))
            p += len;
        if (ts_seq_lt(seq, t->high_rxt))
            p += len;
        seq = end;
    }
    return p;
}

/* What congestion control counts as in flight. */
static uint32_t in_flight(const struct tcb *t)
{
    if (t->sack_ok && t->in_recovery)
        return sack_pipe(t);
    /* after an RTO snd_nxt went back to snd_una: what lies between it and
     * snd_max is taken for lost */
    uint32_t f = t->snd_nxt - t->snd_una;
    for (unsigned i = 0; i < t->sb.n; i++) {
        uint32_t l = t->sb.run[i][0], r = t->sb.run[i][1];
        if (ts_seq_ge(l, t->snd_nxt))
            break;
        if (ts_seq_gt(r, t->snd_nxt))
            r = t->snd_nxt;
        f -= r - l;
    }
    return f;
}

/* [.., end) went again now: see rxt_out in struct tcb. */
static void note_resend(struct tcb *t, uint32_t end)
{
    if (!t->rxt_out || ts_seq_gt(end, t->rxt_top))
        t->rxt_top = end;
    t->rxt_out = true;
    t->rxt_tsval = tsval(t);
}

/* How much of our data at SND.UNA goes again as one segment: up to the
 * first SACKed byte, the FIN, and one SMSS (0: only the FIN is left). */
static uint32_t head_len(const struct tcb *t)
{
    uint32_t hi = t->fin_sent ? t->fin_seq : t->snd_max;
    uint32_t len = sboard_next_sacked(&t->sb, t->snd_una, hi) - t->snd_una;
    return len > t->smss ? t->smss : len;
}

/* Our FIN once more. */
static int resend_fin(struct tcb *t)
{
    if (emit(t, TS_TH_FIN | TS_TH_ACK, t->fin_seq, 0) < 0)
        return -1;
    t->s->res->retransmissions++;
    note_resend(t, t->fin_seq + 1);
    return 0;
}

/* Send [seq, seq+len) of our data; a retransmission when below snd_max. */
static int send_data(struct tcb *t, uint32_t seq, uint32_t len)
{
    uint32_t end = data_end(t);
    bool rexmit = ts_seq_lt(seq, t->snd_max);
    if (emit(t, TS_TH_ACK | (seq + len == end ? TS_TH_PSH : 0), seq, len) < 0)
        return -1;
    if (rexmit) {
        t->s->res->retransmissions++;
        note_resend(t, ts_seq_lt(seq + len, t->snd_max) ? seq + len : t->snd_max);
        t->timing = false; /* Karn: no sample across a retransmission */
        if (t->undo_retrans >= 0)
            t->undo_retrans++;
    }
    if (ts_seq_gt(seq + len, t->snd_max)) {
        uint32_t fresh = seq + len - (rexmit ? t->snd_max : seq);
        t->s->res->bytes_sent += fresh;
        t->snd_max = seq + len;
        if (!rexmit)
            start_timing(t, t->snd_max);
    }
    arm_rexmit(t);
    return 0;
}

/* Retransmissions in the current recovery, in the order they went out,
 * each with snd_max at the time: RFC 6675 alone never sends a hole twice
 * before the RTO, so a lost retransmission cost 200 ms or more.  As Linux's
 * tcp_mark_lost_retrans did (before RACK, RFC 8985): a retransmission is
 * lost when the peer SACKs data sent after it (above its mark), or a later
 * retransmission arrived. */
static void rxt_record(struct tcb *t, uint32_t seq, uint32_t end)
{
    if (t->nrxt == TCB_RXT_MAX) {
        memmove(&t->rxt[0], &t->rxt[1], (TCB_RXT_MAX - 1) * sizeof t->rxt[0]);
        t->nrxt--;
        t->rxt_dropped = true;
    }
    t->rxt[t->nrxt].seq = seq;
    t->rxt[t->nrxt].end = end;
    t->rxt[t->nrxt].mark = t->snd_max;
    t->rxt[t->nrxt].at = dsess_mono();
    t->nrxt++;
}

static bool rxt_arrived(const struct tcb *t, unsigned i)
{
    return ts_seq_le(t->rxt[i].end, t->snd_una) ||
           sboard_has(&t->sb, t->rxt[i].seq, NULL);
}

/* A hole whose retransmission is still on its way: not sent again. */
static bool rxt_in_flight(const struct tcb *t, uint32_t seq, uint32_t *end)
{
    for (unsigned i = 0; i < t->nrxt; i++)
        if (ts_seq_ge(seq, t->rxt[i].seq) && ts_seq_lt(seq, t->rxt[i].end)) {
            *end = t->rxt[i].end;
            return true;
        }
    return false;
}

static void rxt_detect_lost(struct tcb *t)
{
    uint32_t high = sboard_high(&t->sb, t->snd_una);
    int last_arrived = -1;
    for (unsigned i = 0; i < t->nrxt; i++)
        if (rxt_arrived(t, i))
            last_arrived = (int)i;
    unsigned k = 0;
    for (unsigned i = 0; i < t->nrxt; i++) {
        if (rxt_arrived(t, i))
            continue;
        if (ts_seq_gt(high, t->rxt[i].mark) || (int)i < last_arrived) {
            /* lost again: NextSeg may send it once more */
            if (ts_seq_lt(t->rxt[i].seq, t->high_rxt))
                t->high_rxt = t->rxt[i].seq;
            t->s->res->lost_retransmits++;
            continue;
        }
        t->rxt[k++] = t->rxt[i];
    }
    t->nrxt = k;
}

/* The recovery timer, after RACK (RFC 8985 §6.3): when the ACK clock stops
 * in a recovery for 5/4 SRTT (plus 2 ms), what the peer has not SACKed
 * below its highest SACK, and retransmissions older than that, are taken
 * for lost — instead of waiting for the RTO with holes it would never
 * fill: the scoreboard's IsLost wants 3 segments SACKed above a hole, and a
 * tail has fewer. */
static uint64_t rack_delay(const struct tcb *t)
{
    return t->srtt + t->srtt / 4 + 2 * NS_MS;
}

/* Data above SND.UNA is SACKed: SND.UNA was sent before it. */
static bool sacked_above(const struct tcb *t)
{
    return t->snd_una != t->snd_max &&
           ts_seq_lt(sboard_next_sacked(&t->sb, t->snd_una, t->snd_max), t->snd_max);
}

/* The same timer before a recovery (RFC 8985 §6.2, §6.3): SND.UNA is lost
 * when data sent after it was SACKed and no ACK came for 5/4 SRTT plus a
 * reordering window -- as a window of one or two segments never brings 3
 * duplicate ACKs.  The window grows with DupThresh, each time a D-SACK
 * shows a recovery was reordering (spurious()), as Linux's reo_wnd_steps. */
static uint64_t rack_delay_open(const struct tcb *t)
{
    unsigned steps = t->dupthresh > 3 ? t->dupthresh - 2 : 1;
    return t->srtt + t->srtt / 4 + (uint64_t)steps * 2 * NS_MS;
}

static void enter_recovery(struct tcb *t, const char *why);

static void rack_fire(struct tcb *t, uint64_t now)
{
    t->rack_at = 0;
    if (!t->in_recovery && t->sack_ok && sending_state(t) && sacked_above(t)) {
        enter_recovery(t, "SACKed data above it, no ACK for 5/4 SRTT; RACK, RFC 8985");
        return;
    }
    if (!t->in_recovery || !t->sack_ok)
        return;
    uint32_t high = sboard_high(&t->sb, t->snd_una);
    if (ts_seq_gt(high, t->rack_lost_upto))
        t->rack_lost_upto = high;
    if (t->rxt_dropped) {
        /* retransmissions no longer recorded are older than the delay:
         * lost too, wherever they were */
        t->high_rxt = t->snd_una;
        t->rxt_dropped = false;
    }
    unsigned k = 0;
    for (unsigned i = 0; i < t->nrxt; i++) {
        if (now - t->rxt[i].at >= rack_delay(t)) {
            if (ts_seq_lt(t->rxt[i].seq, t->high_rxt))
                t->high_rxt = t->rxt[i].seq;
            t->s->res->lost_retransmits++;
            continue;
        }
        t->rxt[k++] = t->rxt[i];
    }
    t->nrxt = k;
}

/* RFC 6675 §4 NextSeg() and the loop of §5 (C): send while pipe leaves
 * room for a segment. */
static void recovery_output(struct tcb *t)
{
    uint32_t end = data_end(t);
    for (unsigned burst = 0; burst < 64 && !t->done; burst++) {
        uint32_t p = sack_pipe(t);
        if (p + t->smss > t->cwnd)
            return;
        uint32_t high = sboard_high(&t->sb, t->snd_una);
        uint32_t from = ts_seq_gt(t->high_rxt, t->snd_una) ? t->high_rxt : t->snd_una;
        uint32_t seq = 0, len = 0;
        bool found = false;
        /* (1) the first hole above HighRxt taken for lost (after an RTO,
         * up to what was out then); (3) else the first hole below the
         * highest SACKed byte */
        for (int pass = 1; pass <= 3 && !found; pass += 2) {
            uint32_t top = pass == 1 && ts_seq_gt(t->rack_lost_upto, high) ?
                           t->rack_lost_upto : high;
            for (uint32_t s = from; ts_seq_lt(s, top);) {
                uint32_t re;
                if (sboard_has(&t->sb, s, &re) || rxt_in_flight(t, s, &re)) {
                    s = re;
                    continue;
                }
                if (pass == 3 || seg_lost(t, s)) {
                    seq = s;
                    len = sboard_next_sacked(&t->sb, s, top) - s;
                    for (unsigned i = 0; i < t->nrxt; i++)
                        if (ts_seq_gt(t->rxt[i].seq, s) &&
                            ts_seq_lt(t->rxt[i].seq, s + len))
                            len = t->rxt[i].seq - s;
                    found = true;
                }
                break; /* IsLost falls with s: the first hole decides */
            }
            if (!found && pass == 1 && ts_seq_lt(t->snd_max, end) &&
                ts_seq_lt(t->snd_max, t->snd_una + t->snd_wnd)) {
                /* (2) new data */
                seq = t->snd_max;
                len = end - seq;
                uint32_t w = t->snd_una + t->snd_wnd - seq;
                if (len > w)
                    len = w;
                found = true;
            }
        }
        if (!found)
            return;
        if (len > t->smss)
            len = t->smss;
        if (t->fin_sent && ts_seq_ge(seq, t->fin_seq))
            return; /* only the FIN is left: the RTO sends it */
        if (ts_seq_gt(seq + len, end))
            len = end - seq;
        if (!len)
            return;
        bool rexmit = ts_seq_lt(seq, t->snd_max);
        if (send_data(t, seq, len) < 0)
            return;
        if (rexmit) {
            rxt_record(t, seq, seq + len);
            if (ts_seq_gt(seq + len, t->high_rxt))
                t->high_rxt = seq + len;
        }
        if (ts_seq_gt(t->snd_max, t->snd_nxt))
            t->snd_nxt = t->snd_max;
    }
}

/* New data, what an RTO left to send again, and our FIN, as far as the
 * peer's window and the congestion window allow. */
static void output(struct tcb *t)
{
    if (t->done || !sending_state(t))
        return;
    if (t->in_recovery && t->sack_ok) {
        recovery_output(t);
        return;
    }
    uint32_t end = data_end(t);
    /* a burst is bounded: the capture ring must not fill with the ACKs of
     * segments sent before we read them; what is left goes when they come */
    for (unsigned burst = 0; !t->done && burst < 64;) {
        uint32_t re;
        if (ts_seq_lt(t->snd_nxt, t->snd_max) && sboard_has(&t->sb, t->snd_nxt, &re)) {
            t->snd_nxt = re; /* SACKed: the peer has it */
            continue;
        }
        if (!ts_seq_lt(t->snd_nxt, end))
            break;
        uint32_t len = end - t->snd_nxt;
        bool rexmit = ts_seq_lt(t->snd_nxt, t->snd_max);
        if (rexmit) {
            uint32_t lim = sboard_next_sacked(&t->sb, t->snd_nxt, t->snd_max);
            if (len > lim - t->snd_nxt)
                len = lim - t->snd_nxt;
        }
        if (len > t->smss)
            len = t->smss;
        uint32_t wnd_end = t->snd_una + t->snd_wnd;
        if (!ts_seq_lt(t->snd_nxt, wnd_end))
            break; /* the peer's window is full (or closed: persist) */
        uint32_t flight = in_flight(t);
        if (len > wnd_end - t->snd_nxt) {
            /* no runt segment while others are in flight: their ACKs will
             * open the window */
            if (flight)
                break;
            len = wnd_end - t->snd_nxt;
        }
        if (flight && flight + len > t->cwnd)
            break;
        if (send_data(t, t->snd_nxt, len) < 0)
            return;
        if (rexmit)
            rxt_record(t, t->snd_nxt, t->snd_nxt + len); /* after an RTO */
        t->snd_nxt += len;
        burst++;
    }
    if (t->done)
        return;
    if (t->fin_wanted && !t->fin_sent && t->snd_nxt == end && t->snd_max == end) {
        t->fin_seq = t->snd_nxt;
        if (emit(t, TS_TH_FIN | TS_TH_ACK, t->fin_seq, 0) < 0)
            return;
        t->fin_sent = true;
        t->snd_nxt = t->snd_max = t->fin_seq + 1;
        start_timing(t, t->snd_nxt);
        set_state(t, TS_EV_SND_FIN);
        arm_rexmit(t);
    } else if (t->fin_sent && t->snd_nxt == t->fin_seq) {
        /* after an RTO: the data is out again, now the FIN */
        if (resend_fin(t) < 0)
            return;
        t->snd_nxt = t->fin_seq + 1;
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

/* The payload bytes per segment for an MTU and the agreed options. */
static uint16_t seg_size(const struct tcb *t, uint32_t mtu)
{
    uint32_t hdr = ip_tcp_hdr(t);
    /* RFC 9293 §3.7.1: no option means 536 (IPv4) / 1220 (IPv6) */
    uint32_t m = t->peer_mss ? t->peer_mss : (t->s->cfg->family == 6 ? 1220 : 536);
    if (!mtu)
        mtu = 1500;
    if (mtu > hdr && m > mtu - hdr)
        m = mtu - hdr;
    if (t->ts_ok)
        m = m > 12 ? m - 12 : 1;
    if (m < 8)
        m = 8; /* RFC 8201 / 1191 floors keep it far above this */
    return (uint16_t)(m > 65535 ? 65535 : m);
}

/* What the peer's SYN or SYN+ACK says about the rest of the connection. */
static void take_syn_options(struct tcb *t, const struct ts_seg *g)
{
    const struct ts_drive_syn_opts *w = &t->s->cfg->syn;
    const struct ts_opts *o = &g->opt;

    t->peer_mss = (o->present & TS_HAS_MSS) ? o->mss : 0;
    t->ws_ok = w->wscale && (o->present & TS_HAS_WSCALE);
    t->snd_shift = t->ws_ok ? (o->wscale > 14 ? 14 : o->wscale) : 0;
    t->rcv_shift = t->ws_ok ? w->wscale_shift : 0;
    if (!t->ws_ok && t->rcv_wnd > 65535)
        t->rcv_wnd = 65535; /* no scaling: this is all we can say */
    t->sack_ok = w->sackok && (o->present & TS_HAS_SACKOK);
    t->ts_ok = w->ts && (o->present & TS_HAS_TS);
    if (t->ts_ok)
        t->ts_recent = o->tsval;
    t->smss = seg_size(t, t->mtu);
    /* RFC 6928 initial window; RFC 5681 §3.1: ssthresh as high as may be */
    uint32_t iw = 10u * t->smss;
    uint32_t cap = 2u * t->smss > 14600 ? 2u * t->smss : 14600;
    t->cwnd = iw < cap ? iw : cap;
    t->ssthresh = UINT32_MAX;
    t->snd_wnd = g->win; /* a SYN's window is never scaled */
    t->snd_wl1 = g->seq;
    t->snd_wl2 = g->ack;
    reasm_init(&t->rq, g->seq + 1, t->rcv_wnd);
}

int tcb_accept(struct tcb *t, const struct ts_seg *syn)
{
    t->irs = syn->seq;
    t->rcv_nxt = syn->seq + 1;
    take_syn_options(t, syn);
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
    /* RFC 6298 §2.2 and §2.3, alpha 1/8, beta 1/4 */
    if (!t->have_rtt) {
        t->srtt = r;
        t->rttvar = r / 2;
        t->have_rtt = true;
    } else {
        uint64_t d = t->srtt > r ? t->srtt - r : r - t->srtt;
        t->rttvar = (3 * t->rttvar + d) / 4;
        t->srtt = (7 * t->srtt + r) / 8;
    }
}

/* RFC 5681 §3.1: slow start below ssthresh (one SMSS per ACK at most,
 * RFC 3465 L = 1), congestion avoidance above. */
static void grow_cwnd(struct tcb *t, uint32_t acked)
{
    if (t->cwnd >= (1u << 30))
        return;
    if (t->cwnd < t->ssthresh)
        t->cwnd += acked < t->smss ? acked : t->smss;
    else {
        uint32_t inc = (uint32_t)((uint64_t)t->smss * t->smss / (t->cwnd ? t->cwnd : 1));
        t->cwnd += inc ? inc : 1;
    }
}

/* RFC 5681 §3.1 equation 4: half of what is in flight, two segments at
 * least (enter_recovery(), rto_expired()). */
static uint32_t ssthresh_after_loss(const struct tcb *t)
{
    uint32_t half = (t->snd_max - t->snd_una) / 2;
    return half > 2u * t->smss ? half : 2u * t->smss;
}

static void enter_recovery(struct tcb *t, const char *why)
{
    /* a retransmission after an RTO was lost: the window was cut for this
     * flight already (RFC 6582 §3.2 step 2), and what the RTO has not sent
     * again yet is taken for lost (RFC 6675 §5.1) */
    bool after_rto = ts_seq_lt(t->snd_una, t->recover);
    uint32_t rto_upto = t->recover, resent = t->snd_nxt;
    if (after_rto) {
        t->undo_retrans = -1;
        t->rto_check = false; /* a retransmission of it was lost: not spurious */
    } else {
        t->prior_cwnd = t->cwnd;
        t->prior_ssthresh = t->ssthresh;
        t->undo_retrans = 0;
        t->undo_is_rto = false;
        t->ssthresh = ssthresh_after_loss(t);
        t->recover = t->snd_max;
    }
    t->in_recovery = true;
    t->s->res->fast_retransmits++;
    /* the first segment taken for lost goes now, whatever the window
     * (RFC 5681 §3.2 step 2, RFC 6675 §5 step 4) */
    uint32_t len = head_len(t);
    dsess_note(t->s, "#%u fast retransmit of our data at %u (%s; %s)", t->no,
               t->snd_una - t->iss, why,
               t->sack_ok ? "SACK recovery, RFC 6675" : "NewReno, RFC 6582");
    if (after_rto)
        ; /* slow start goes on: ack_advanced */
    else if (t->sack_ok)
        t->cwnd = t->ssthresh;
    else
        t->cwnd = t->ssthresh + 3u * t->smss;
    t->high_rxt = t->snd_una;
    t->rack_lost_upto = t->snd_una;
    if (after_rto) {
        /* the RTO's own retransmissions stay recorded (output()) */
        t->rack_lost_upto = rto_upto;
        if (ts_seq_gt(resent, rto_upto))
            resent = rto_upto; /* above it, first transmissions */
        if (ts_seq_gt(resent, t->snd_una))
            t->high_rxt = resent;
    } else {
        t->nrxt = 0;
        t->rxt_dropped = false;
    }
    if (t->sack_ok)
        t->rack_at = dsess_mono() + rack_delay(t);
    if (len) {
        if (send_data(t, t->snd_una, len) < 0)
            return;
        if (ts_seq_gt(t->snd_una + len, t->high_rxt))
            t->high_rxt = t->snd_una + len;
        rxt_record(t, t->snd_una, t->snd_una + len);
    } else if (t->fin_sent && t->snd_una == t->fin_seq) {
        resend_fin(t);
    }
    t->rexmit_at = 0;
    arm_rexmit(t);
}

/* The window before the last recovery or RTO comes back: it was cut for
 * nothing (undo_rto(), spurious()). */
static void restore_window(struct tcb *t)
{
    t->undo_retrans = -1;
    if (t->prior_cwnd > t->cwnd)
        t->cwnd = t->prior_cwnd;
    if (t->prior_ssthresh > t->ssthresh)
        t->ssthresh = t->prior_ssthresh;
}

/* RFC 4015 §3 response to a spurious RTO: the window before it comes back,
 * and what went once and was not lost is not sent again. */
static void undo_rto(struct tcb *t, uint32_t ack, const char *how)
{
    t->rto_check = false;
    restore_window(t);
    if (ts_seq_lt(t->snd_nxt, t->snd_max))
        t->snd_nxt = t->snd_max;
    /* losses in that flight may be found by duplicate ACKs again */
    t->recover = ack;
    t->s->res->spurious_rtos++;
    dsess_note(t->s, "#%u that timeout was spurious (%s): window restored",
               t->no, how);
}

/* An ACK that moved snd_una to ack. */
static void ack_advanced(struct tcb *t, uint32_t ack, const struct ts_seg *g)
{
    uint64_t now = dsess_mono();
    uint32_t acked = ack - t->snd_una;
    bool echo = t->ts_ok && (g->opt.present & TS_HAS_TS) && g->opt.tsecr &&
                (int32_t)(tsval(t) - g->opt.tsecr) >= 0;

    if (t->rto_check) {
        t->rto_check = false;
        if (echo && (int32_t)(g->opt.tsecr - t->rto_tsval) < 0)
            undo_rto(t, ack, "the ACK echoes the original's timestamp, RFC 3522");
    }
    if (echo && t->rxt_out && (int32_t)(g->opt.tsecr - t->rxt_tsval) < 0) {
        /* an earlier copy's echo: no sample (the Karn rule for echoes) */
        t->timing = false;
    } else if (echo) {
        /* RFC 7323 §4.1: the echo times retransmissions too */
        rtt_sample(t, (uint64_t)(tsval(t) - g->opt.tsecr) * NS_MS);
        t->timing = false;
    } else if (t->timing && ts_seq_ge(ack, t->timed_seq)) {
        rtt_sample(t, now - t->timed_at);
        t->timing = false;
    }
    t->snd_una = ack;
    if (ts_seq_lt(t->snd_nxt, ack))
        t->snd_nxt = ack;
    if (t->rxt_out && ts_seq_ge(ack, t->rxt_top))
        t->rxt_out = false;
    sboard_ack(&t->sb, ack);
    t->tries = 0;
    t->tlp_at = 0;
    t->tlp_out = false;
    t->backoff = 0; /* progress: the path works, drop the back-off */
    set_rto(t);
    t->rexmit_at = 0;
    t->dupacks = 0;
    t->last_act = now;

    if (t->in_recovery) {
        if (ts_seq_ge(ack, t->recover)) {
            /* full ACK: recovery is over (RFC 6582 §3.2 step 3) */
            uint32_t flight = t->snd_max - t->snd_una;
            uint32_t c = flight + t->smss;
            if (t->sack_ok)
                c = t->cwnd; /* = ssthresh, or below it after an RTO */
            t->cwnd = c > t->ssthresh ? t->ssthresh : c;
            t->in_recovery = false;
            t->nrxt = 0;
            t->rack_at = 0;
        } else if (t->sack_ok) {
            /* entered after an RTO (enter_recovery): slow start goes on up
             * to ssthresh, as PRR's slow-start part (RFC 6937) */
            if (t->cwnd < t->ssthresh)
                grow_cwnd(t, acked);
        } else {
            /* partial ACK: the next hole goes now, the window deflates */
            uint32_t len = t->snd_max - t->snd_una;
            if (len > t->smss)
                len = t->smss;
            if (t->fin_sent && ts_seq_ge(t->snd_una + len, t->fin_seq + 1))
                len = t->fin_seq - t->snd_una;
            if (len)
                send_data(t, t->snd_una, len);
            t->cwnd = t->cwnd > acked ? t->cwnd - acked : t->smss;
            if (acked >= t->smss)
                t->cwnd += t->smss;
        }
    } else if (t->st != TS_SYN_SENT && t->st != TS_SYN_RCVD) {
        grow_cwnd(t, acked);
    }
    if (ts_seq_lt(t->snd_una, t->snd_max))
        arm_rexmit(t);
}

/* Hand n in-order bytes on. */
static void deliver_bytes(struct tcb *t, const uint8_t *p, uint32_t n)
{
    if (t->s->data_tap)
        t->s->data_tap(t->s, p, n);
    if (t->s->cfg->hooks.data)
        t->s->cfg->hooks.data(t->s->cfg->hooks.user, t->no, p, n);
    t->rcv_nxt += n;
    t->s->res->bytes_received += n;
    t->got_data = true;
    t->last_act = dsess_mono();
}

static void take_fin(struct tcb *t);

/* The peer's payload: in order to the output, ahead of rcv_nxt held, below
 * it dropped.  Then what was held and is now in order, and a FIN that was
 * waiting for it. */
static void receive(struct tcb *t, const struct ts_seg *g, const uint8_t *frame)
{
    uint32_t len = g->payload_len, seq = g->seq;
    const uint8_t *p = frame + g->payload_off;
    uint32_t wnd_end = t->rcv_nxt + t->rcv_wnd;

    if (len > g->payload_caplen)
        len = g->payload_caplen; /* never: intact segments only */
    if (!len)
        return;
    if (ts_seq_le(seq, t->rcv_nxt) && ts_seq_gt(seq + len, t->rcv_nxt)) {
        uint32_t skip = t->rcv_nxt - seq;
        uint32_t n = len - skip;
        if (ts_seq_gt(t->rcv_nxt + n, wnd_end))
            n = wnd_end - t->rcv_nxt;
        deliver_bytes(t, p + skip, n);
    } else if (ts_seq_gt(seq, t->rcv_nxt) && ts_seq_lt(seq, wnd_end)) {
        t->s->res->out_of_order++;
        if (reasm_add(&t->rq, t->rcv_nxt, seq, p, len) < 0)
            t->s->res->ooo_dropped++;
    }
    const uint8_t *q;
    uint32_t n;
    while ((n = reasm_pop(&t->rq, t->rcv_nxt, &q)) != 0)
        deliver_bytes(t, q, n);
    if (t->peer_fin_ahead && t->rcv_nxt == t->peer_fin_seq)
        take_fin(t);
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
    ack_advanced(t, g->ack, g);
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

/* The peer's FIN, now in order: ACK it on its own, as a stack does before
 * its application closes, so that CLOSE_WAIT shows on the wire. */
static void take_fin(struct tcb *t)
{
    t->peer_fin = true;
    t->peer_fin_ahead = false;
    t->rcv_nxt++;
    set_state(t, TS_EV_RCV_FIN);
    t->last_act = dsess_mono();
    send_ack(t);
}

/* RFC 2883 §4: the first block is a D-SACK (data the peer got twice) when
 * the ACK covers it, or the second block holds it. */
static bool dsack(const struct ts_seg *g, uint32_t ack)
{
    uint32_t l = g->opt.sack[0][0], r = g->opt.sack[0][1];
    if (!g->opt.sack_n || !ts_seq_lt(l, r))
        return false;
    if (ts_seq_le(r, ack))
        return true;
    return g->opt.sack_n > 1 && ts_seq_ge(l, g->opt.sack[1][0]) &&
           ts_seq_le(r, g->opt.sack[1][1]);
}

/* A D-SACK: one retransmission of the last recovery was not needed.  When
 * all were not, the loss was reordering: the window comes back (RFC 3708
 * §3, as Linux's tcp_try_undo_dsack) and DupThresh grows (RFC 6675 §8). */
static void spurious(struct tcb *t)
{
    if (t->undo_retrans <= 0)
        return;
    if (--t->undo_retrans > 0)
        return;
    if (t->undo_is_rto) {
        undo_rto(t, t->snd_una, "D-SACKs for every retransmission, RFC 3708");
        return;
    }
    restore_window(t);
    if (t->dupthresh < 32)
        t->dupthresh += 2;
    t->s->res->spurious_recoveries++;
    dsess_note(t->s, "#%u that recovery was reordering (D-SACKs for every "
               "retransmission): window restored, duplicate-ACK threshold %u",
               t->no, t->dupthresh);
}

/* The ACK field and the window of a segment in a synchronized state. */
static void process_ack(struct tcb *t, const struct ts_seg *g, bool *dup)
{
    uint32_t ack = g->ack;
    bool news = false;

    *dup = false;
    if (t->probe_out) {
        t->probe_answered = true;
        t->probes_unanswered = 0;
    }
    if (t->probe_out && ack == t->snd_max + 1) {
        /* the window probe's byte was taken */
        t->probe_out = false;
        t->snd_max = t->snd_nxt = ack;
        t->s->res->bytes_sent++;
    }
    if (ts_seq_gt(ack, t->snd_max))
        return; /* ACKs what we never sent: nothing to learn */
    if (t->sack_ok && (g->opt.present & TS_HAS_SACK)) {
        if (dsack(g, ack))
            spurious(t);
        for (unsigned i = 0; i < g->opt.sack_n && i < TS_MAX_SACK; i++)
            news |= sboard_add(&t->sb, g->opt.sack[i][0], g->opt.sack[i][1],
                               t->snd_una, t->snd_max);
    }
    uint32_t wnd = (uint32_t)g->win << t->snd_shift;
    bool wnd_same = wnd == t->snd_wnd;
    /* RFC 9293 §3.10.7.4: a window only from a segment not older than the
     * one that set the current window */
    if (ts_seq_lt(t->snd_wl1, g->seq) ||
        (t->snd_wl1 == g->seq && ts_seq_le(t->snd_wl2, ack))) {
        if (wnd > t->snd_wnd)
            t->last_act = dsess_mono(); /* an opening window is progress */
        t->snd_wnd = wnd;
        t->snd_wl1 = g->seq;
        t->snd_wl2 = ack;
    }
    if (ts_seq_gt(ack, t->snd_una)) {
        ack_advanced(t, ack, g);
        return;
    }
    uint64_t now = dsess_mono();
    if (t->probe_out && t->snd_wnd == 0 &&
        now - t->last_act >= t->s->cfg->timeout_ns) {
        char m[200];
        snprintf(m, sizeof m, "the peer's window stayed closed for %.3f s "
                 "(%u window probe%s; --timeout)", (double)(now - t->last_act) / 1e9,
                 t->persist_n, t->persist_n == 1 ? "" : "s");
        tcb_abort(t, TS_DRIVE_TIMEOUT, m);
        return;
    }
    /* RFC 5681 §2: a duplicate ACK; with SACK agreed, any ACK at snd_una
     * carrying SACK blocks (RFC 6675 §2; a D-SACK of a probe included): a
     * receiver that reads opens its window on the same ACK */
    bool sacks = t->sack_ok && (g->opt.present & TS_HAS_SACK) && g->opt.sack_n;
    if (ack == t->snd_una && t->snd_una != t->snd_max && !g->payload_len &&
        !(g->flags & (TS_TH_SYN | TS_TH_FIN)) && (wnd_same || news || sacks))
        *dup = true;
}

/* After an RTO: the retransmission covering SND.UNA has not arrived, and
 * the peer SACKs data sent after it. */
static bool rto_resend_lost(const struct tcb *t)
{
    uint32_t high = sboard_high(&t->sb, t->snd_una);
    for (unsigned i = 0; i < t->nrxt; i++)
        if (ts_seq_le(t->rxt[i].seq, t->snd_una) && ts_seq_lt(t->snd_una, t->rxt[i].end))
            return !rxt_arrived(t, i) && ts_seq_gt(high, t->rxt[i].mark);
    return false;
}

static void dup_ack(struct tcb *t)
{
    t->dupacks++;
    t->s->res->dup_acks++;
    if (t->in_recovery) {
        if (!t->sack_ok)
            t->cwnd += t->smss; /* RFC 6582 §3.2 step 4: inflate */
        return;
    }
    /* RFC 6582 §3.2 step 2: not again for losses in what was in flight
     * when the last recovery or RTO began -- unless the RTO's own
     * retransmission of SND.UNA was lost: data sent after it was SACKed */
    if (ts_seq_lt(t->snd_una, t->recover)) {
        if (t->sack_ok && rto_resend_lost(t))
            enter_recovery(t, "its retransmission after the RTO was lost: "
                           "data sent after it SACKed");
        return;
    }
    /* RFC 5827 early retransmit: with fewer than 4 segments out and
     * nothing new to send, fewer duplicate ACKs can ever come */
    uint32_t out = t->snd_max - t->snd_una;
    unsigned oseg = (unsigned)((out + t->smss - 1) / t->smss);
    unsigned thresh = t->dupthresh;
    if (!more_to_send(t) && oseg > 1 && oseg < 4 && oseg - 1 < thresh)
        thresh = oseg - 1;
    if (t->dupacks >= thresh) {
        char why[64];
        snprintf(why, sizeof why, "%u duplicate ACK%s%s", t->dupacks,
                 t->dupacks == 1 ? "" : "s",
                 thresh < 3 && thresh < t->dupthresh ? ", early retransmit" : "");
        enter_recovery(t, why);
    } else if (t->sack_ok && sboard_is_lost(&t->sb, t->snd_una, t->smss, t->dupthresh)) {
        enter_recovery(t, "SACKed data above it");
    }
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
    bool need_ack = false, dup = false;
    uint32_t rcv_before = t->rcv_nxt;

    if (g->flags & TS_TH_RST) {
        /* RFC 5961 §3.2 asks for an exact match; a window check is enough
         * against a peer that is a real stack, not an attacker. */
        uint32_t w = t->rcv_wnd;
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
            send_ack(t); /* our ACK of its SYN+ACK was lost */
        }
        return;
    }
    if (!(g->flags & TS_TH_ACK))
        return;
    if (t->st == TS_SYN_RCVD) {
        if (g->ack != t->iss + 1)
            return;
        ack_advanced(t, g->ack, g);
        set_state(t, TS_EV_RCV_ACK_SYN);
        t->est_at = t->last_act;
        t->snd_wnd = (uint32_t)g->win << t->snd_shift;
        t->snd_wl1 = g->seq;
        t->snd_wl2 = g->ack;
    } else {
        t->stall_at = 0;
        t->stall_n = 0;
        process_ack(t, g, &dup);
        if (t->in_recovery && t->sack_ok && t->nrxt)
            rxt_detect_lost(t);
        if (t->in_recovery && t->sack_ok)
            t->rack_at = dsess_mono() + rack_delay(t);
        else if (t->sack_ok && sacked_above(t))
            t->rack_at = dsess_mono() + rack_delay_open(t);
        else if (!t->in_recovery)
            t->rack_at = 0;
    }
    if (t->done)
        return;
    if (t->fin_sent && !t->fin_acked && ts_seq_ge(t->snd_una, t->fin_seq + 1)) {
        t->fin_acked = true;
        set_state(t, TS_EV_RCV_ACK_FIN);
    }
    if (t->ts_ok && (g->opt.present & TS_HAS_TS) && ts_seq_le(g->seq, rcv_before))
        t->ts_recent = g->opt.tsval;

    if (g->payload_len) {
        receive(t, g, frame);
        need_ack = true; /* in order: ACK it; otherwise a duplicate ACK */
        if (t->done)
            return;
    }
    if (g->flags & TS_TH_FIN) {
        uint32_t fseq = g->seq + g->payload_len;
        if (t->peer_fin) {
            need_ack = true; /* a retransmitted FIN (e.g. in TIME_WAIT) */
        } else if (fseq == t->rcv_nxt) {
            take_fin(t);
            if (t->done)
                return;
            need_ack = false;
            emitted = t->emitted;
        } else if (ts_seq_gt(fseq, t->rcv_nxt) &&
                   ts_seq_le(fseq, t->rcv_nxt + t->rcv_wnd)) {
            t->peer_fin_ahead = true; /* taken when the hole before it fills */
            t->peer_fin_seq = fseq;
            need_ack = true;
        } else {
            need_ack = true;
        }
    }
    if (dup)
        dup_ack(t);
    if (t->done)
        return;
    if (t->st == TS_CLOSED && !t->done) {
        finish(t, TS_DRIVE_OK, NULL); /* LAST_ACK -> CLOSED */
        return;
    }
    tcb_step(t);
    if (need_ack && t->emitted == emitted && !t->done)
        send_ack(t);
    note_time_wait(t);
}

void tcb_icmp(struct tcb *t, const struct ts_drive_icmp *ic)
{
    char txt[200], m[300];

    ts_drive_icmp_text(ic, txt, sizeof txt);
    if (ts_drive_icmp_too_big(ic)) {
        /* RFC 1191 / 8201: lower the path MTU (never below the minimum of
         * the IP version) and send again at the new size what was lost */
        uint32_t floor = t->s->cfg->family == 6 ? 1280 : 576;
        uint32_t mtu = ic->mtu >= floor ? ic->mtu : floor;
        uint32_t cur = t->mtu ? t->mtu : 1500;
        if (t->st == TS_SYN_SENT || t->st == TS_SYN_RCVD || !t->smss ||
            mtu >= cur) {
            dsess_note(t->s, "#%u %s (ignored: %s)", t->no, txt,
                       mtu >= cur ? "not below the path MTU we use"
                                  : "the handshake is not done");
            return;
        }
        t->mtu = mtu;
        t->smss = seg_size(t, mtu);
        t->s->res->pmtu_updates++;
        dsess_note(t->s, "#%u %s: path MTU %u, segments of %u bytes", t->no,
                   txt, (unsigned)mtu, (unsigned)t->smss);
        /* as Linux's tcp_simple_retransmit: no congestion signal, resend
         * from snd_una at the new size */
        if (ts_seq_lt(t->snd_una, t->snd_max) && !t->in_recovery) {
            t->snd_nxt = t->snd_una;
            output(t);
        }
        return;
    }
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
        finish(t, TS_DRIVE_FAILED, t->s->ioerr);
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

/* Whether a synchronized connection gives up on the segment at snd_una:
 * after cfg->retries retransmissions and cfg->timeout_ns without progress,
 * both. */
static bool give_up(const struct tcb *t, uint64_t now)
{
    const struct ts_drive_cfg *c = t->s->cfg;
    return t->tries >= c->retries && now - t->last_act >= c->timeout_ns;
}

static void retransmit_handshake(struct tcb *t)
{
    const struct ts_drive_cfg *c = t->s->cfg;
    const char *what = what_at_una(t);
    char m[200];

    if (t->tries >= c->retries) {
        snprintf(m, sizeof m, "no answer to our %s after %u transmission%s "
                 "(RTO backed off to %.3f s)", what, t->tries + 1,
                 t->tries ? "s" : "", (double)t->rto / 1e9);
        set_state(t, TS_EV_RST);
        finish(t, TS_DRIVE_TIMEOUT, m);
        return;
    }
    t->tries++;
    t->timing = false; /* Karn: no sample from a retransmitted segment */
    t->backoff++;      /* RFC 6298 §5.5 */
    set_rto(t);
    t->s->res->retransmissions++;
    dsess_note(t->s, "#%u retransmitting our %s (try %u of %u, next RTO "
               "%.3f s)", t->no, what, t->tries + 1, c->retries + 1,
               (double)t->rto / 1e9);
    if (t->st == TS_SYN_SENT)
        emit(t, TS_TH_SYN, t->iss, 0);
    else
        emit(t, TS_TH_SYN | TS_TH_ACK, t->iss, 0);
    t->rexmit_at = dsess_mono() + t->rto;
}

static void abort_silent(struct tcb *t, uint64_t now)
{
    char m[300];
    snprintf(m, sizeof m, "no answer to our %s after %u transmissions and "
             "%.3f s without progress (--retries, --timeout; RTO backed off "
             "to %.3f s)", what_at_una(t), t->tries + 1,
             (double)(now - t->last_act) / 1e9, (double)t->rto / 1e9);
    tcb_abort(t, TS_DRIVE_TIMEOUT, m);
}

/* The RTO ran out on a synchronized connection: RFC 5681 §3.1 (equation
 * 4, then a loss window of one segment), RFC 6298 §5.5-5.6 (back off,
 * resend the earliest segment), RFC 6675 §5.1 (keep the scoreboard; resend
 * what it does not hold). */
static void rto_expired(struct tcb *t, uint64_t now)
{
    if (give_up(t, now)) {
        abort_silent(t, now);
        return;
    }
    const char *what = what_at_una(t);
    if (!t->tries) {
        /* the first of this episode: undone by an echo older than now, or
         * by D-SACKs for all that went again (a recovery's retransmissions
         * still unanswered, and what goes from here) */
        t->prior_cwnd = t->cwnd;
        t->prior_ssthresh = t->ssthresh;
        t->rto_tsval = tsval(t);
        t->rto_check = t->ts_ok;
        if (t->undo_retrans < 0)
            t->undo_retrans = 0;
        t->undo_is_rto = true;
    }
    t->ssthresh = ssthresh_after_loss(t);
    t->cwnd = t->smss;
    t->in_recovery = false;
    t->nrxt = 0;
    t->rxt_dropped = false;
    t->tlp_at = 0;
    t->rack_at = 0;
    t->rack_lost_upto = t->snd_una;
    t->dupacks = 0;
    t->recover = t->snd_max;
    t->high_rxt = t->snd_una;
    t->tries++;
    t->timing = false;
    t->backoff++;
    set_rto(t);
    dsess_note(t->s, "#%u retransmitting our %s (try %u, next RTO %.3f s)",
               t->no, what, t->tries + 1, (double)t->rto / 1e9);
    /* the segment at snd_una goes whatever the window (a zero window is
     * probed this way too) */
    if (t->fin_sent && t->snd_una == t->fin_seq) {
        resend_fin(t);
        t->snd_nxt = t->fin_seq + 1;
    } else {
        uint32_t len = head_len(t);
        if (len && send_data(t, t->snd_una, len) < 0)
            return;
        if (len)
            rxt_record(t, t->snd_una, t->snd_una + len);
        t->snd_nxt = t->snd_una + len;
        t->high_rxt = t->snd_nxt;
    }
    t->rexmit_at = now + t->rto;
}

/* The persist timer (RFC 9293 §3.8.6.1): our data waits, the peer's window
 * is closed and nothing of ours is in flight to bring its update. */
static bool persist_wanted(const struct tcb *t)
{
    return sending_state(t) && t->snd_una == t->snd_max && !t->probe_out &&
           ts_seq_lt(t->snd_nxt, data_end(t)) &&
           !ts_seq_lt(t->snd_nxt, t->snd_una + t->snd_wnd);
}

static void persist(struct tcb *t, uint64_t now)
{
    const struct ts_drive_cfg *c = t->s->cfg;
    char m[300];

    if (!persist_wanted(t) && !t->probe_out) {
        t->persist_at = 0;
        t->persist_n = 0;
        return;
    }
    if (!t->persist_at) {
        uint64_t d = rto_base(t);
        for (unsigned i = 0; i < t->persist_n && d < rto_max(t); i++)
            d *= 2;
        t->persist_at = now + (d > rto_max(t) ? rto_max(t) : d);
        return;
    }
    if (now < t->persist_at)
        return;
    /* --timeout without progress ends the wait on the peer's word (its
     * answer to a probe still says zero: process_ack), or on its silence:
     * more than --retries probes in a row unanswered */
    if (now - t->last_act >= c->timeout_ns && t->probes_unanswered > c->retries) {
        snprintf(m, sizeof m, "no answer to our last %u window probes "
                 "(the peer's window was closed; --retries, --timeout)",
                 t->probes_unanswered);
        tcb_abort(t, TS_DRIVE_TIMEOUT, m);
        return;
    }
    /* one byte of new data beyond the closed window: the peer answers it
     * with its window, and takes the byte once the window is open */
    uint32_t seq = t->snd_nxt;
    if (emit(t, TS_TH_ACK, seq, 1) < 0)
        return;
    t->probe_out = true;
    if (t->persist_n && !t->probe_answered)
        t->probes_unanswered++;
    t->probe_answered = false;
    t->persist_n++;
    t->s->res->window_probes++;
    t->persist_at = 0;
    persist(t, now); /* the next one, backed off */
}

/* RFC 8985 §7 tail loss probe: when the last segments of a flight may be
 * lost, no duplicate ACK can come to say so, and only the RTO (200 ms at
 * least) would find out.  After 2 SRTT (plus 200 ms for a lone segment, the
 * peer's delayed ACK) of silence, a new segment goes if the congestion
 * window held one back, else the last one again; its ACK or SACK starts a
 * fast recovery.  One probe per tail. */
static void tlp_arm(struct tcb *t, uint64_t now)
{
    if (t->tlp_at || t->tlp_out || !t->have_rtt || t->in_recovery ||
        !sending_state(t) || t->snd_una == t->snd_max || t->probe_out ||
        t->tries || ts_seq_lt(t->snd_una, t->recover))
        return; /* none in the loss phase after an RTO either */
    uint64_t pto = 2 * t->srtt;
    if (pto < 10 * NS_MS)
        pto = 10 * NS_MS;
    if (t->snd_max - t->snd_una <= t->smss)
        pto += 200 * NS_MS;
    if (t->rexmit_at && now + pto >= t->rexmit_at)
        return; /* the RTO comes first anyway */
    t->tlp_at = now + pto;
}

static void tlp_fire(struct tcb *t, uint64_t now)
{
    t->tlp_at = 0;
    if (t->in_recovery || t->snd_una == t->snd_max || !sending_state(t))
        return;
    t->tlp_out = true;
    t->s->res->tail_probes++;
    uint32_t end = data_end(t), wnd_end = t->snd_una + t->snd_wnd;
    uint32_t want = end - t->snd_max;
    if (want > t->smss)
        want = t->smss;
    if (!t->fin_sent && t->snd_nxt == t->snd_max && ts_seq_lt(t->snd_max, end) &&
        ts_seq_lt(t->snd_max, wnd_end) && wnd_end - t->snd_max >= want) {
        /* §7.3: new data when there is some and the peer's window takes
         * it (the congestion window held it back) */
        uint32_t len = end - t->snd_max;
        if (len > wnd_end - t->snd_max)
            len = wnd_end - t->snd_max;
        if (len > t->smss)
            len = t->smss;
        if (send_data(t, t->snd_max, len) < 0)
            return;
        t->snd_nxt = t->snd_max;
    } else if (t->fin_sent && t->snd_max == t->fin_seq + 1) {
        if (resend_fin(t) < 0)
            return;
    } else {
        uint32_t hi = t->fin_sent ? t->fin_seq : t->snd_max;
        uint32_t len = hi - t->snd_una;
        if (len > t->smss)
            len = t->smss;
        if (len && send_data(t, hi - len, len) < 0)
            return;
    }
    t->rexmit_at = now + t->rto; /* RFC 8985 §7.3: the RTO from the probe */
}

/* A recovery, or the retransmissions after an RTO, whose ACKs stopped:
 * with a window of two or three segments, one lost ACK or retransmission
 * stops the clock and only the RTO (200 ms at least, then doubled) would
 * restart it.  After 2 SRTT (10 ms at least) of silence, the head (the
 * segment the RTO would send) goes again, at most STALL_MAX times, each
 * after twice the wait before; the peer answers a copy it holds with an
 * ACK at once.  Any ACK ends the stall.  (Beyond RFC 8985, which has no
 * probe in recovery; bounded like the RTO's back-off.) */
#define STALL_MAX 3

static void stall_arm(struct tcb *t, uint64_t now)
{
    if (t->stall_at || t->stall_n >= STALL_MAX || !t->sack_ok || !t->have_rtt ||
        !(t->in_recovery || t->tries) || !sending_state(t) ||
        t->snd_una == t->snd_max || t->probe_out || !t->snd_wnd)
        return;
    uint64_t d = 2 * t->srtt;
    if (d < 10 * NS_MS)
        d = 10 * NS_MS;
    d <<= t->stall_n;
    if (t->rexmit_at && now + d >= t->rexmit_at)
        return; /* the RTO comes first */
    t->stall_at = now + d;
}

static void stall_fire(struct tcb *t)
{
    t->stall_at = 0;
    if (!(t->in_recovery || t->tries) || t->snd_una == t->snd_max || !sending_state(t))
        return;
    t->stall_n++;
    t->s->res->stall_probes++;
    if (t->fin_sent && t->snd_una == t->fin_seq) {
        resend_fin(t);
        return;
    }
    uint32_t len = head_len(t);
    if (len)
        send_data(t, t->snd_una, len);
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
    if (t->st == TS_SYN_SENT || t->st == TS_SYN_RCVD) {
        if (t->rexmit_at && now >= t->rexmit_at)
            retransmit_handshake(t);
        return;
    }
    if (t->rexmit_at) {
        if (now >= t->rexmit_at)
            rto_expired(t, now);
        else if (give_up(t, now))
            abort_silent(t, now);
        if (t->done)
            return;
    }
    if (t->tlp_at && now >= t->tlp_at) {
        tlp_fire(t, now);
        if (t->done)
            return;
    }
    if (t->rack_at && now >= t->rack_at)
        rack_fire(t, now);
    if (t->stall_at && now >= t->stall_at) {
        stall_fire(t);
        if (t->done)
            return;
    }
    if (t->probe_out && (ts_seq_lt(t->snd_nxt, t->snd_una + t->snd_wnd) ||
                         t->snd_una != t->snd_max)) {
        t->probe_out = false; /* the window opened: the byte goes again */
        t->persist_at = 0;
        t->persist_n = 0;
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
        t->st != TS_FIN_WAIT_2) {
        output(t);
        tlp_arm(t, now);
        stall_arm(t, now);
        return;
    }

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
    persist(t, now);
    if (t->done)
        return;
    tlp_arm(t, now);
    stall_arm(t, now);

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
    if (t->rexmit_at && t->st != TS_SYN_SENT && t->st != TS_SYN_RCVD)
        EARLIEST(t->last_act + c->timeout_ns);
    EARLIEST(t->persist_at);
    EARLIEST(t->tlp_at);
    EARLIEST(t->rack_at);
    EARLIEST(t->stall_at);
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
