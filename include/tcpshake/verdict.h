/* tcpshake verdict: what a connection amounted to, in the vocabularies users
 * already know: Zeek's conn_state and history, tshark's tcp.completeness, and
 * our own close kind and handshake round-trip times.
 */
#ifndef TCPSHAKE_VERDICT_H
#define TCPSHAKE_VERDICT_H

#include <stdint.h>

#include "tcpshake/export.h"
#include "tcpshake/track.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Zeek's conn_state ("S0", "SF", "REJ", "RSTO", ..., "OTH"). */
TS_API const char *ts_zeek_conn_state(const struct ts_conn *c);

/* tshark's label for a tcp.completeness value ("Complete, WITH_DATA", ...). */
TS_API const char *ts_completeness_label(uint8_t bits);

/* Round-trip times in microseconds; -1 when not measurable. */
TS_API int64_t ts_rtt_syn_synack_us(const struct ts_conn *c);
TS_API int64_t ts_rtt_synack_ack_us(const struct ts_conn *c);

#ifdef __cplusplus
}
#endif
#endif
