/* tcpshake zeeklog: connection verdicts as a Zeek conn.log (`trace
 * --zeek-log FILE`), in Zeek's tab-separated format, so zeek-cut and
 * pipelines that read Zeek's logs read ours.
 *
 * The header is Zeek's ASCII writer's, line for line (#separator \x09,
 * #set_separator, #empty_field (empty), #unset_field -, #path conn, #open,
 * #fields, #types), and the file ends with #close.  One line per connection,
 * written at its verdict, with the 21 columns of Zeek's conn.log up to
 * Zeek 6 (Zeek 7 appends ip_proto; we do not write it).  Zeek's originator
 * is our client unless the tracker says Zeek would have flipped the
 * connection.
 *
 * Columns Zeek fills from analyses we do not run: service is unset (no
 * protocol detection), local_orig / local_resp are unset (as in Zeek without
 * Site::local_nets), missed_bytes is 0 (no stream reassembly, so no content
 * gaps), tunnel_parents is unset.  orig_bytes / resp_bytes are taken from
 * sequence numbers as Zeek's TCP_Endpoint::Size() does (highest seq sent or
 * acked, minus the SYN and FIN octets), and like Zeek they are logged only
 * when the duration is above zero; so is duration.  orig_ip_bytes /
 * resp_ip_bytes sum the IP total length of each packet, as Zeek's ConnSize
 * analyzer does; they need ts_zeeklog_seg() for every tracked segment.
 *
 * uid: "C" and 17 base62 digits of a 96-bit hash of the tuple, the start
 * time and the connection number, so the same capture always gives the same
 * uids (Zeek's are random).
 */
#ifndef TCPSHAKE_ZEEKLOG_H
#define TCPSHAKE_ZEEKLOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "tcpshake/decode.h"
#include "tcpshake/export.h"
#include "tcpshake/track.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The #fields and #types lines' values, tab-separated, as Zeek writes them. */
#define TS_ZEEK_CONN_FIELDS                                                        \
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\t"         \
    "duration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\t"        \
    "missed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\t"   \
    "tunnel_parents\tcommunity_id"
#define TS_ZEEK_CONN_TYPES                                                         \
    "time\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\t"  \
    "string\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\t"   \
    "string"

#define TS_ZEEK_UID_LEN 18 /* "C" + 17 base62 digits */

struct ts_zeeklog;

/* Start a conn.log on f (the caller keeps f and closes it after
 * ts_zeeklog_close).  Writes the header; #open is open_time in local time,
 * formatted as Zeek does (%Y-%m-%d-%H-%M-%S).  NULL with a message in err on
 * failure. */
TS_API struct ts_zeeklog *ts_zeeklog_open(FILE *f, time_t open_time, char *err,
                                          size_t errlen);

/* Account one tracked segment (ev->conn non-NULL; others are ignored): its
 * IP length and what it acknowledges.  dlt: the frame's link type, as given
 * to ts_decode. */
TS_API void ts_zeeklog_seg(struct ts_zeeklog *z, int dlt, const struct ts_seg *s,
                           const struct ts_event *ev);

/* Write the line of a connection at its verdict (the tracker's on_end) and
 * forget what ts_zeeklog_seg kept for it. */
TS_API void ts_zeeklog_conn(struct ts_zeeklog *z, const struct ts_conn *c);

/* Write #close (close_time, local time), flush, free the writer (not the
 * FILE).  0, or -1 with a message in err when a write failed. */
TS_API int ts_zeeklog_close(struct ts_zeeklog *z, time_t close_time, char *err,
                            size_t errlen);

/* The uid of a connection: TS_ZEEK_UID_LEN characters and a NUL. */
TS_API void ts_zeek_uid(const struct ts_conn *c, char out[TS_ZEEK_UID_LEN + 1]);

/* The IP length of a decoded segment (IPv4 total length, or 40 + IPv6
 * payload length), from the decoder's offsets and the link header's size. */
TS_API uint32_t ts_seg_ip_bytes(int dlt, const struct ts_seg *s);

#ifdef __cplusplus
}
#endif
#endif
