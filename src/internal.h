/* Internal interfaces between the tracer's stages (not public API). */
#ifndef TCPSHAKE_INTERNAL_H
#define TCPSHAKE_INTERNAL_H

#include "conn.h"
#include "tcpshake/decode.h"
#include "tcpshake/track.h"

/* Zeek-compatible history and conn_state bookkeeping (zeek.c): called by the
 * tracker for every segment of a connection, after its states were updated.
 * `orig` is true when the sender is Zeek's originator. */
void zk_on_segment(struct ts_conn *c, bool orig, const struct ts_seg *s,
                   uint32_t notes);

/* tshark tcp.completeness bits for one segment (verdict.c). */
uint8_t ts_completeness_bits(const struct ts_conn *c, const struct ts_seg *s);

/* ts_decode without its fast path for the common frame layouts: the
 * general, cursor-based decoder alone (decode.c).  For the tests, which
 * check that both give the same segment. */
enum ts_decode_status ts_decode_general(int dlt, const uint8_t *pkt, uint32_t caplen,
                                        uint32_t wirelen, bool verify_cksum,
                                        struct ts_seg *out);

/* The tracker's table checked against its invariants, and against its
 * memo of when each list's head is next due; then every connection: an id
 * given out, both states valid RFC 9293 states, on the list its states
 * call for (closed or open), at most max_conns (track.c).  For the tests
 * and the fuzz targets.  0, or -1 with what is wrong in err. */
struct ts_tracker;
int ts_tracker_check(const struct ts_tracker *t, char *err, size_t errlen);

/* The ladder's and the SVG's finish when --conn named a connection the
 * capture did not have (sink.c). */
void ts_sink_no_conn(char *err, size_t errlen, uint64_t want, uint64_t seen);

#endif
