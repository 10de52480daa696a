/* Zeek compatibility: Zeek's own TCP endpoint states (INACTIVE, SYN_SENT,
 * SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED, RESET), its history letters and
 * its conn_state, emulated per segment so `conn_state` and `history` in our
 * verdicts are the ones Zeek would log.  The rules are transcribed in
 * docs/zeek-tshark-rules.md with the Zeek functions they come from
 * (TCPSessionAdapter::UpdateStateMachine and friends, update_history,
 * Connection::CheckHistory / ScaledHistoryEntry, conn_state() in
 * base/protocols/conn/main.zeek).
 *
 * Known, deliberate differences: segments whose checksum only reflects
 * send-side offload are not "bad" here (Zeek would log 'C' and drop them);
 * 'g' (content gap) needs reassembly and is not emitted.
 */
#include <ctype.h>
#include <string.h>

#include "../internal.h"
#include "tcpshake/verdict.h"

enum {
    Z_INACTIVE = 0,
    Z_SYN_SENT,
    Z_SYN_ACK_SENT,
    Z_PARTIAL,
    Z_ESTABLISHED,
    Z_CLOSED,
    Z_RESET,
};

/* Connection::CheckHistory masks (low 16 bits originator, high responder) */
enum {
    H_SYN = 1u << 0,
    H_FIN = 1u << 1,
    H_RST = 1u << 2,
    H_FIN_RST = 1u << 3,
    H_DATA = 1u << 4,
    H_ACK = 1u << 5,
    H_MULTI = 1u << 6,
    H_SEEN_SYN = 1u << 7, /* ours: hist_last_SYN valid */
    H_SEEN_FIN = 1u << 8,
    H_SEEN_RST = 1u << 9,
};

enum { ZC_CKSUM = 0, ZC_GAP = 1, ZC_RETRANS = 2, ZC_ZEROWIN = 3 };

static void add_history(struct ts_conn *c, bool orig, char code)
{
    if (!orig)
        code = (char)tolower((unsigned char)code);
    if (c->hist_len < sizeof c->history - 2) {
        c->history[c->hist_len++] = code;
        c->history[c->hist_len] = '\0';
    } else if (c->hist_len == sizeof c->history - 2) {
        c->history[c->hist_len++] = '+'; /* more than we keep */
        c->history[c->hist_len] = '\0';
    }
}

/* true if the letter was seen before for this side (and so not added) */
static bool check_history(struct ts_conn *c, bool orig, uint32_t mask, char code)
{
    uint32_t m = orig ? mask : mask << 16;
    if (!(c->zflags & m)) {
        c->zflags |= m;
        add_history(c, orig, code);
        return false;
    }
    return true;
}

/* A letter at the 1st, 10th, 100th occurrence (Zeek's scaled entries). */
static void scaled_history(struct ts_conn *c, bool orig, struct ts_endpoint *e,
                           int which, char code)
{
    uint8_t n = e->zcount[which];
    if (n < 255)
        e->zcount[which] = ++n;
    if (n == 1 || n == 10 || n == 100)
        add_history(c, orig, code);
}

/* TCP_Endpoint::CheckHistory: a connection whose only letter is the 'H' of
 * a SYN-ACK (its sender taken for the originator) flips its roles at the
 * first ACK or data: the history becomes "^h" (hist_seen is not swapped). */
static void synack_first_flip(struct ts_conn *c, bool *orig)
{
    if (c->hist_len != 1 || c->history[0] != 'H')
        return;
    c->zeek_orig_server ^= 1;
    uint8_t t = c->zstate[0];
    c->zstate[0] = c->zstate[1];
    c->zstate[1] = t;
    t = c->zprev[0];
    c->zprev[0] = c->zprev[1];
    c->zprev[1] = t;
    c->history[0] = '^';
    c->history[1] = 'h';
    c->history[2] = '\0';
    c->hist_len = 2;
    *orig = !*orig;
}

static void update_history(struct ts_conn *c, bool *orig_p, struct ts_endpoint *e,
                           const struct ts_seg *s)
{
    bool orig = *orig_p;
    uint8_t f = s->flags;
    uint32_t rel = s->seq - e->isn;
    int bits = !!(f & TS_TH_SYN) + !!(f & TS_TH_FIN) + !!(f & TS_TH_RST);
    uint32_t seen_bit = orig ? 1u : 1u << 16;
    if (bits > 1) {
        if ((f & TS_TH_FIN) && (f & TS_TH_RST))
            check_history(c, orig, H_FIN_RST, 'I');
        else
            check_history(c, orig, H_MULTI, 'Q');
    } else if (bits == 1) {
        if (f & TS_TH_SYN) {
            char code = (f & TS_TH_ACK) ? 'H' : 'S';
            if (check_history(c, orig, H_SYN, code) && rel != e->last_flag_seq[0])
                add_history(c, orig, code);
            e->last_flag_seq[0] = rel;
        }
        if (f & TS_TH_FIN) {
            /* a FIN's sequence number counts at the end of its data */
            uint32_t at = rel + s->payload_len;
            if (check_history(c, orig, H_FIN, 'F') && at != e->last_flag_seq[1])
                add_history(c, orig, 'F');
            e->last_flag_seq[1] = at;
        }
        if (f & TS_TH_RST) {
            if (check_history(c, orig, H_RST, 'R') && rel != e->last_flag_seq[2])
                add_history(c, orig, 'R');
            e->last_flag_seq[2] = rel;
        }
    } else if (s->payload_len || (f & TS_TH_ACK)) {
        synack_first_flip(c, orig_p);
        orig = *orig_p;
        if (s->payload_len)
            check_history(c, orig, H_DATA, 'D');
        else
            check_history(c, orig, H_ACK, 'A');
    }
    (void)seen_bit;
}

/* TCP_Endpoint::SetState: the state before a change is kept (prev_state). */
static void zset(struct ts_conn *c, int i, uint8_t st)
{
    if (c->zstate[i] != st) {
        c->zprev[i] = c->zstate[i];
        c->zstate[i] = st;
    }
}

/* TCPSessionAdapter::UpdateStateMachine, for the sender (originator when
 * orig). */
static void update_state(struct ts_conn *c, bool orig, const struct ts_seg *s)
{
    int ei = orig ? 0 : 1, pi = !ei;
    uint8_t f = s->flags;
    bool syn = f & TS_TH_SYN, ack = f & TS_TH_ACK, fin = f & TS_TH_FIN, rst = f & TS_TH_RST;

    switch (c->zstate[ei]) {
    case Z_INACTIVE:
        if (syn) {
            if (orig) {
                zset(c, ei, ack ? Z_SYN_ACK_SENT : Z_SYN_SENT);
            } else if (!ack && c->zstate[pi] == Z_SYN_ACK_SENT) {
                /* SYN/SYN-ACK reversal: the SYN's sender was the client
                 * all along.  Connection::FlipRoles appends '^'; both sides
                 * are ESTABLISHED (hist_seen is not swapped) */
                c->zeek_orig_server ^= 1;
                add_history(c, true, '^');
                zset(c, 0, Z_ESTABLISHED);
                zset(c, 1, Z_ESTABLISHED);
                return;
            } else {
                if (c->zstate[pi] == Z_SYN_SENT)
                    zset(c, pi, Z_ESTABLISHED);
                zset(c, ei, Z_ESTABLISHED);
            }
        }
        if (fin)
            zset(c, ei, Z_CLOSED);
        if (rst)
            zset(c, ei, Z_RESET);
        if (c->zstate[ei] == Z_INACTIVE) {
            /* no control flags changed it */
            if (!orig && s->payload_len == 0 && c->zstate[0] == Z_SYN_SENT)
                ; /* an eccentric stack ACKing the SYN before its SYN+ACK */
            else if (ack && c->zstate[pi] == Z_ESTABLISHED)
                zset(c, ei, Z_ESTABLISHED); /* missed the SYN, saw SYN+ACK then ACK */
            else
                zset(c, ei, Z_PARTIAL);
        }
        break;
    case Z_SYN_SENT:
    case Z_SYN_ACK_SENT:
        if (fin)
            zset(c, ei, Z_CLOSED);
        if (rst)
            zset(c, ei, Z_RESET);
        break;
    case Z_ESTABLISHED:
    case Z_PARTIAL:
        if (syn && c->zstate[ei] == Z_PARTIAL && c->zstate[pi] == Z_INACTIVE && !ack)
            zset(c, ei, Z_SYN_SENT);
        if (fin && !rst) {
            zset(c, ei, Z_CLOSED);
            /* UpdateEstablishedState: "the peer sent a FIN followed by a
             * RST ... this was actually normal termination"
             * (TCPSessionAdapter.cc, FIN branch) */
            if (c->zstate[pi] == Z_RESET && c->zprev[pi] == Z_CLOSED)
                zset(c, pi, Z_CLOSED);
        }
        if (rst)
            zset(c, ei, Z_RESET);
        break;
    case Z_CLOSED:
        /* UpdateClosedState: after a FIN exchange on both sides a RST does
         * not count */
        if (rst && c->zstate[pi] != Z_CLOSED)
            zset(c, ei, Z_RESET);
        break;
    case Z_RESET:
        break;
    }
}

/* TCPSessionAdapter's update_last_seq: payload that does not reach past the
 * highest sequence seen from this side is a retransmission to Zeek ('T'),
 * out-of-order data included. */
static void update_last_seq(struct ts_conn *c, bool orig, struct ts_endpoint *e,
                            const struct ts_seg *s, uint8_t state)
{
    uint8_t f = s->flags;
    bool syn = f & TS_TH_SYN, fin = f & TS_TH_FIN, rst = f & TS_TH_RST;
    uint32_t last = s->seq + s->payload_len + syn + fin - (rst ? s->payload_len : 0);
    int32_t dl = (int32_t)(last - e->zlast);
    if ((syn || rst) && (dl > 1048576 || dl < -1048576))
        return;
    if (fin && e->zlast == e->isn + 1)
        e->zlast = last;
    else if (state == Z_RESET)
        return;
    else if (dl > 0)
        e->zlast = last;
    else if (s->payload_len > 0)
        scaled_history(c, orig, e, ZC_RETRANS, 'T');
}

/* Zeek's tcp_close_delay (init-bare.zeek): a connection closed by a RST or
 * the second FIN is deleted this long after; the next packet of the tuple
 * starts a new record (docs/zeek-tshark-rules.md §8). */
#define ZEEK_CLOSE_DELAY_NS (5ull * 1000000000ull)

static bool zeek_closed(const struct ts_conn *c)
{
    uint8_t a = c->zstate[0], b = c->zstate[1];
    return a == Z_RESET || b == Z_RESET || (a == Z_CLOSED && b == Z_CLOSED);
}

void zk_on_segment(struct ts_conn *c, bool orig, const struct ts_seg *s,
                   uint32_t notes)
{
    if (c->zclose && s->t_ns > c->zclose + ZEEK_CLOSE_DELAY_NS)
        c->zsplit = 1;
    int zo = c->zeek_orig_server ? 1 : 0;
    struct ts_endpoint *e = &c->ep[orig ? zo : !zo];
    uint8_t f = s->flags;
    if (c->hist_len == 0 && c->zstate[0] == Z_INACTIVE && c->zstate[1] == Z_INACTIVE) {
        /* Zeek flipped the roles when it made the connection */
        if (c->zeek_flip)
            add_history(c, true, '^');
    }
    if (notes & TS_NOTE_BAD_CKSUM) {
        /* Zeek drops a packet with a bad checksum after noting it */
        scaled_history(c, orig, e, ZC_CKSUM, 'C');
        return;
    }
    uint8_t es = c->zstate[orig ? 0 : 1], ps = c->zstate[orig ? 1 : 0];
    /* init_endpoint: an endpoint Zeek has not seen act takes its bases now */
    if (es == Z_INACTIVE)
        e->zlast = (f & TS_TH_SYN) ? s->seq + 1 + s->payload_len : s->seq;
    /* Process(), in Zeek's order: history, window, last_seq, state machine */
    update_history(c, &orig, e, s);
    if (s->win == 0 && !(f & TS_TH_RST) && ps != Z_CLOSED && es != Z_RESET)
        scaled_history(c, orig, e, ZC_ZEROWIN, 'W');
    update_last_seq(c, orig, e, s, es);
    update_state(c, orig, s);
    if (!c->zclose && zeek_closed(c))
        c->zclose = s->t_ns ? s->t_ns : 1;
}

/* base/protocols/conn/main.zeek, function conn_state() for TCP */
static bool rstos0_pattern(const char *h)
{
    /* /\^?S[^HAFGIQ]*R.* / anchored at the start, as Zeek's == match is */
    if (*h == '^')
        h++;
    if (*h != 'S')
        return false;
    for (h++; *h; h++) {
        if (*h == 'R')
            return true;
        if (strchr("HAFGIQ", *h))
            return false;
    }
    return false;
}

const char *ts_zeek_conn_state(const struct ts_conn *c)
{
    int zo = c->zeek_orig_server ? 1 : 0;
    uint8_t os = c->zstate[0], rs = c->zstate[1];
    bool o_inactive = os == Z_INACTIVE || os == Z_PARTIAL;
    bool r_inactive = rs == Z_INACTIVE || rs == Z_PARTIAL;
    uint64_t osize = c->ep[zo].bytes, rsize = c->ep[!zo].bytes;

    if (rs == Z_RESET) {
        if (os == Z_SYN_SENT || os == Z_SYN_ACK_SENT ||
            (os == Z_RESET && osize == 0 && rsize == 0))
            return "REJ";
        return o_inactive ? "RSTRH" : "RSTR";
    }
    if (os == Z_RESET) {
        if (r_inactive)
            return rstos0_pattern(c->history) ? "RSTOS0" : "OTH";
        return "RSTO";
    }
    if (rs == Z_CLOSED && os == Z_CLOSED)
        return "SF";
    if (os == Z_CLOSED)
        return r_inactive ? "SH" : "S2";
    if (rs == Z_CLOSED)
        return o_inactive ? "SHR" : "S3";
    if (os == Z_SYN_SENT && rs == Z_INACTIVE)
        return "S0";
    if (os == Z_ESTABLISHED && rs == Z_ESTABLISHED)
        return "S1";
    return "OTH";
}
