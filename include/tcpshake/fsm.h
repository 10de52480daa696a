/* tcpshake fsm: the RFC 9293 endpoint state machine, as seen from the wire.
 *
 * Every segment is an event for its sender and proves events for its receiver.
 * Transitions live in one table (states x events); fsm_step() is the only
 * place that changes a state and it reports old -> new.  Pairs the RFC does
 * not define leave the state alone and are reported as TS_EV_UNEXPECTED, never
 * a crash.  See docs/states.md for the diagram and the inference rules.
 */
#ifndef TCPSHAKE_FSM_H
#define TCPSHAKE_FSM_H

#include <stdint.h>

#include "tcpshake/export.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ts_state {
    TS_CLOSED = 0,
    TS_LISTEN,
    TS_SYN_SENT,
    TS_SYN_RCVD,
    TS_ESTABLISHED,
    TS_FIN_WAIT_1,
    TS_FIN_WAIT_2,
    TS_CLOSE_WAIT,
    TS_CLOSING,
    TS_LAST_ACK,
    TS_TIME_WAIT,
    TS_STATE_COUNT
};

/* Events on one endpoint. */
enum ts_fsm_event {
    TS_EV_SND_SYN = 0,   /* it sent a SYN (no ACK) */
    TS_EV_SND_SYNACK,    /* it sent a SYN+ACK */
    TS_EV_SND_FIN,       /* it sent a FIN */
    TS_EV_RCV_SYN,       /* it received the peer's SYN (proven), its own SYN
                            (if any) not yet acknowledged */
    TS_EV_RCV_SYNACK,    /* it received the peer's SYN and its own SYN was
                            acknowledged: the handshake is complete for it */
    TS_EV_RCV_ACK_SYN,   /* its SYN was acknowledged */
    TS_EV_RCV_FIN,       /* it received the peer's FIN (proven) */
    TS_EV_RCV_ACK_FIN,   /* its FIN was acknowledged */
    TS_EV_RST,           /* it sent or received an acceptable RST */
    TS_EV_TIMEOUT,       /* TIME_WAIT's 2 MSL ran out */
    TS_EV_PICKUP,        /* traffic without a handshake: assume ESTABLISHED */
    TS_EV_COUNT
};

/* Name as in RFC 9293 ("SYN_SENT", "FIN_WAIT_1", ...). */
TS_API const char *ts_state_name(enum ts_state s);
TS_API const char *ts_fsm_event_name(enum ts_fsm_event e);

/* The table's answer for (state, event): the next state, or -1 where the RFC
 * defines no transition. */
TS_API int ts_fsm_next(enum ts_state s, enum ts_fsm_event e);

/* Apply event e to *s.  Returns 1 if the state changed, 0 if the event is
 * defined but leaves it (e.g. a retransmitted SYN), -1 if the pair is
 * undefined (state left alone). */
TS_API int ts_fsm_step(uint8_t *s, enum ts_fsm_event e);

#ifdef __cplusplus
}
#endif
#endif
