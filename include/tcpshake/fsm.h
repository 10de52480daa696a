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

/* The RFC 9293 states: X(ID, name).  One list makes enum ts_state (TS_ID,
 * in this order: the values are ABI) and ts_state_name(). */
#define TS_STATE_LIST(X)                                                        \
    X(CLOSED, "CLOSED")                                                         \
    X(LISTEN, "LISTEN")                                                         \
    X(SYN_SENT, "SYN_SENT")                                                     \
    X(SYN_RCVD, "SYN_RCVD")                                                     \
    X(ESTABLISHED, "ESTABLISHED")                                               \
    X(FIN_WAIT_1, "FIN_WAIT_1")                                                 \
    X(FIN_WAIT_2, "FIN_WAIT_2")                                                 \
    X(CLOSE_WAIT, "CLOSE_WAIT")                                                 \
    X(CLOSING, "CLOSING")                                                       \
    X(LAST_ACK, "LAST_ACK")                                                     \
    X(TIME_WAIT, "TIME_WAIT")

enum ts_state {
#define TS_STATE_ENUM_(id, name) TS_##id,
    TS_STATE_LIST(TS_STATE_ENUM_)
#undef TS_STATE_ENUM_
    TS_STATE_COUNT
};

/* Events on one endpoint: X(ID, name), making enum ts_fsm_event (TS_EV_ID)
 * and ts_fsm_event_name(). */
#define TS_FSM_EVENT_LIST(X)                                                    \
    X(SND_SYN, "snd-syn")            /* it sent a SYN (no ACK) */               \
    X(SND_SYNACK, "snd-synack")      /* it sent a SYN+ACK */                    \
    X(SND_FIN, "snd-fin")            /* it sent a FIN */                        \
    X(RCV_SYN, "rcv-syn")            /* it received the peer's SYN (proven),    \
                                        its own SYN (if any) not yet            \
                                        acknowledged */                         \
    X(RCV_SYNACK, "rcv-synack")      /* it received the peer's SYN and its own  \
                                        SYN was acknowledged: the handshake is  \
                                        complete for it */                      \
    X(RCV_ACK_SYN, "rcv-ack-of-syn") /* its SYN was acknowledged */             \
    X(RCV_FIN, "rcv-fin")            /* it received the peer's FIN (proven) */  \
    X(RCV_ACK_FIN, "rcv-ack-of-fin") /* its FIN was acknowledged */             \
    X(RST, "rst")                    /* it sent or received an acceptable RST */ \
    X(TIMEOUT, "timeout")            /* TIME_WAIT's 2 MSL ran out */            \
    X(PICKUP, "pickup")              /* traffic without a handshake: assume     \
                                        ESTABLISHED */

enum ts_fsm_event {
#define TS_FSM_EVENT_ENUM_(id, name) TS_EV_##id,
    TS_FSM_EVENT_LIST(TS_FSM_EVENT_ENUM_)
#undef TS_FSM_EVENT_ENUM_
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
