/* The RFC 9293 §3.3.2 endpoint state machine as one table, states x events.
 *
 * The tracker turns what the wire proves into events (see docs/states.md):
 * a segment is a send event for its sender, and its ACK field proves that the
 * sender received the peer's SYN or FIN and that the peer's SYN or FIN was
 * acknowledged.  The table says where each event leads; -1 marks pairs the
 * RFC does not define.  0-change entries (e.g. a retransmitted SYN in
 * SYN_SENT) are defined but leave the state alone.
 */
#include "tcpshake/fsm.h"

#include <assert.h>
#include <stddef.h>

#define X (-1) /* undefined */

/* clang-format off */
static const signed char fsm_table[TS_STATE_COUNT][TS_EV_COUNT] = {
    /*                  SND_SYN        SND_SYNACK     SND_FIN        RCV_SYN        RCV_SYNACK      RCV_ACK_SYN     RCV_FIN        RCV_ACK_FIN    RST        TIMEOUT    PICKUP */
    [TS_CLOSED]      = {TS_SYN_SENT,   X,             X,             X,             X,              X,              X,             X,             TS_CLOSED, TS_CLOSED, TS_ESTABLISHED},
    [TS_LISTEN]      = {TS_SYN_SENT,   TS_SYN_RCVD,   X,             TS_SYN_RCVD,   X,              X,              X,             X,             TS_CLOSED, X,         TS_ESTABLISHED},
    [TS_SYN_SENT]    = {TS_SYN_SENT, TS_SYN_RCVD, X, TS_SYN_RCVD, TS_ESTABLISHED, TS_SYN_SENT, X, X, TS_CLOSED, X, X},
    [TS_SYN_RCVD]    = {X, TS_SYN_RCVD, TS_FIN_WAIT_1, TS_SYN_RCVD, TS_ESTABLISHED, TS_ESTABLISHED, TS_CLOSE_WAIT, X, TS_CLOSED, X, X},
    [TS_ESTABLISHED] = {X, TS_ESTABLISHED, TS_FIN_WAIT_1, TS_ESTABLISHED, TS_ESTABLISHED, TS_ESTABLISHED, TS_CLOSE_WAIT, X, TS_CLOSED, X, TS_ESTABLISHED},
    [TS_FIN_WAIT_1]  = {X, X, TS_FIN_WAIT_1, X, X, TS_FIN_WAIT_1, TS_CLOSING, TS_FIN_WAIT_2, TS_CLOSED, X, X},
    [TS_FIN_WAIT_2]  = {X, X, TS_FIN_WAIT_2, X, X, TS_FIN_WAIT_2, TS_TIME_WAIT, TS_FIN_WAIT_2, TS_CLOSED, X, X},
    [TS_CLOSE_WAIT]  = {X, X, TS_LAST_ACK, X, X, TS_CLOSE_WAIT, TS_CLOSE_WAIT, X, TS_CLOSED, X, X},
    [TS_CLOSING]     = {X, X, TS_CLOSING, X, X, TS_CLOSING, TS_CLOSING, TS_TIME_WAIT, TS_CLOSED, X, X},
    [TS_LAST_ACK]    = {X, X, TS_LAST_ACK, X, X, TS_LAST_ACK, TS_LAST_ACK, TS_CLOSED, TS_CLOSED, X, X},
    [TS_TIME_WAIT]   = {X,             X,             TS_TIME_WAIT,  X,             X,              TS_TIME_WAIT,   TS_TIME_WAIT,  TS_TIME_WAIT,  TS_CLOSED, TS_CLOSED, X},
};
/* clang-format on */

static const char *const state_names[TS_STATE_COUNT] = {
#define STATE_NAME(id, name) [TS_##id] = name,
    TS_STATE_LIST(STATE_NAME)
#undef STATE_NAME
};

static const char *const event_names[TS_EV_COUNT] = {
#define EVENT_NAME(id, name) [TS_EV_##id] = name,
    TS_FSM_EVENT_LIST(EVENT_NAME)
#undef EVENT_NAME
};

const char *ts_state_name(enum ts_state s)
{
    return (unsigned)s < TS_STATE_COUNT ? state_names[s] : "?";
}

const char *ts_fsm_event_name(enum ts_fsm_event e)
{
    return (unsigned)e < TS_EV_COUNT ? event_names[e] : "?";
}

int ts_fsm_next(enum ts_state s, enum ts_fsm_event e)
{
    if ((unsigned)s >= TS_STATE_COUNT || (unsigned)e >= TS_EV_COUNT)
        return -1;
    return fsm_table[s][e];
}

int ts_fsm_step(uint8_t *s, enum ts_fsm_event e)
{
    assert(s != NULL);
    int next = ts_fsm_next((enum ts_state)*s, e);
    if (next < 0)
        return -1;
    if (next == *s)
        return 0;
    *s = (uint8_t)next;
    return 1;
}
