/* Internal interfaces between the tracer's stages (not public API). */
#ifndef TCPSHAKE_INTERNAL_H
#define TCPSHAKE_INTERNAL_H

#include "tcpshake/decode.h"
#include "tcpshake/track.h"

/* Zeek-compatible history and conn_state bookkeeping (zeek.c): called by the
 * tracker for every segment of a connection, after its states were updated.
 * `orig` is true when the sender is Zeek's originator. */
void zk_on_segment(struct ts_conn *c, bool orig, const struct ts_seg *s,
                   uint32_t notes);

/* tshark tcp.completeness bits for one segment (verdict.c). */
uint8_t ts_completeness_bits(const struct ts_conn *c, const struct ts_seg *s);

#endif
