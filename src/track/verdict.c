/* Verdict helpers: tshark's tcp.completeness and the handshake round trips.
 * (Zeek's conn_state lives in zeek.c beside the rest of the Zeek emulation.)
 */
#include "tcpshake/verdict.h"

#include "../internal.h"

/* packet-tcp.c (Wireshark 4.0): conversation completeness bits */
enum {
    TC_SYN = 0x01,
    TC_SYNACK = 0x02,
    TC_ACK = 0x04,
    TC_DATA = 0x08,
    TC_FIN = 0x10,
    TC_RST = 0x20,
};

/* Called after the segment was counted.  As tshark 4.0 does, the segment
 * that opens the conversation counts only as a SYN (and DATA for TFO); its
 * other bits are dropped (docs/zeek-tshark-rules.md §6.3). */
uint8_t ts_completeness_bits(const struct ts_conn *c, const struct ts_seg *s)
{
    uint8_t f = s->flags, bits = 0;
    if (c->ep[0].segs + c->ep[1].segs <= 1) {
        if ((f & (TS_TH_SYN | TS_TH_ACK)) == TS_TH_SYN)
            bits = TC_SYN | (s->payload_len ? TC_DATA : 0);
        return bits;
    }
    if ((f & (TS_TH_SYN | TS_TH_ACK)) == (TS_TH_SYN | TS_TH_ACK))
        bits |= TC_SYNACK;
    if ((f & (TS_TH_SYN | TS_TH_ACK)) == TS_TH_ACK)
        bits |= s->payload_len ? TC_DATA : TC_ACK;
    if ((f & (TS_TH_FIN | TS_TH_ACK)) == (TS_TH_FIN | TS_TH_ACK))
        bits |= TC_FIN;
    if (f & TS_TH_RST)
        bits |= TC_RST;
    return bits;
}

const char *ts_completeness_label(uint8_t b)
{
    switch (b) {
    case 1: return "Incomplete, SYN_SENT";
    case 3: return "Incomplete, CLIENT_ESTABLISHED";
    case 7: return "Incomplete, ESTABLISHED";
    case 15: return "Incomplete, DATA";
    case 31: case 47: case 63: return "Complete, WITH_DATA";
    case 23: case 39: case 55: return "Complete, NO_DATA";
    default: return "Incomplete";
    }
}

int64_t ts_rtt_syn_synack_us(const struct ts_conn *c)
{
    if (!c->t_syn || !c->t_synack || c->t_synack < c->t_syn)
        return -1;
    return (int64_t)((c->t_synack - c->t_syn) / 1000u);
}

int64_t ts_rtt_synack_ack_us(const struct ts_conn *c)
{
    if (!c->t_synack || !c->t_hs_ack || c->t_hs_ack < c->t_synack)
        return -1;
    return (int64_t)((c->t_hs_ack - c->t_synack) / 1000u);
}
