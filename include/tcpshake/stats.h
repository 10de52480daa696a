/* tcpshake stats: what a whole trace amounted to (`trace --stats`).
 *
 * Fed with every segment's event and every connection's verdict, it counts
 * segments per role, resets per reason, notes and decoder anomalies;
 * connections per close kind, closing side, Zeek conn_state and end reason;
 * the handshake round-trip times (min, median, p99, max); and
 * retransmissions per connection (a histogram, total, mean, max).  At the
 * end it renders one text block, or one JSON object {"type":"stats",...}.
 *
 * RTT quantiles: every sample is kept (exact quantiles) up to a cap per
 * series (default TS_STATS_RTT_CAP); past the cap the series becomes a
 * uniform reservoir sample of that size (Vitter's algorithm R with a fixed
 * seed, so a replay gives the same answer) and the output says
 * "exact": false.  min, max and n are always exact.  Quantiles are
 * nearest-rank: the q-quantile of n sorted samples is the ceil(q*n)-th, so
 * the median of an even count is the lower middle value.
 */
#ifndef TCPSHAKE_STATS_H
#define TCPSHAKE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpshake/decode.h"
#include "tcpshake/export.h"
#include "tcpshake/render.h"
#include "tcpshake/track.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default samples kept per RTT series: 4 bytes each, so 1 MiB per series. */
#define TS_STATS_RTT_CAP (1u << 18)

/* The RTT series. */
enum ts_stats_rtt {
    TS_RTT_SYN_SYNACK = 0, /* SYN -> SYN+ACK at the capture point */
    TS_RTT_SYNACK_ACK,     /* SYN+ACK -> the ACK completing the handshake */
    TS_RTT_HANDSHAKE,      /* their sum: SYN -> ACK, the same wherever the
                              capture was taken */
    TS_RTT_COUNT
};

/* Retransmissions-per-connection histogram buckets: 0, 1, 2-3, 4-7, ...,
 * 64 and more. */
#define TS_STATS_RETRANS_BUCKETS 8

/* Zeek conn_state values, in the order main.zeek documents them. */
#define TS_STATS_CONN_STATES 13

struct ts_stats;

/* rtt_cap: samples kept per RTT series (0 = TS_STATS_RTT_CAP).  NULL with a
 * message in err when out of memory. */
TS_API struct ts_stats *ts_stats_new(uint32_t rtt_cap, char *err, size_t errlen);
TS_API void ts_stats_free(struct ts_stats *st);

/* One decoded TCP segment and what the tracker made of it (ev NULL, or
 * ev->conn NULL: an untracked segment). */
TS_API void ts_stats_seg(struct ts_stats *st, const struct ts_seg *s,
                         const struct ts_event *ev);

/* A frame that did not decode as a TCP segment but got a line of its own
 * (malformed, truncated, a non-first fragment). */
TS_API void ts_stats_bad(struct ts_stats *st, uint32_t anomalies);

/* One connection's verdict. */
TS_API void ts_stats_conn(struct ts_stats *st, const struct ts_conn *c,
                          enum ts_end_reason why);

/* Render the totals: a text block, or one JSON line.  Sorts the RTT samples
 * in place (more samples may still be added afterwards). */
TS_API void ts_stats_render(struct ts_out *o, struct ts_stats *st, bool json);

/* ---- read back, for callers and tests ------------------------------------ */

struct ts_stats_rtt_summary {
    uint64_t n;        /* samples seen */
    bool exact;        /* all samples kept: the quantiles are exact */
    int64_t min_us, median_us, p99_us, max_us; /* -1 when n == 0 */
};

/* Sorts the series in place. */
TS_API void ts_stats_rtt_summary(struct ts_stats *st, enum ts_stats_rtt which,
                                 struct ts_stats_rtt_summary *out);

TS_API uint64_t ts_stats_role_count(const struct ts_stats *st, enum ts_role r);
TS_API uint64_t ts_stats_note_count(const struct ts_stats *st, uint32_t note_bit);
TS_API uint64_t ts_stats_close_count(const struct ts_stats *st, enum ts_close_kind k);
/* state: "SF", "S0", ...; 0 for a name that is not a conn_state */
TS_API uint64_t ts_stats_conn_state_count(const struct ts_stats *st, const char *state);
TS_API uint64_t ts_stats_retrans_bucket(const struct ts_stats *st, int bucket);
TS_API uint64_t ts_stats_conns(const struct ts_stats *st);

#ifdef __cplusplus
}
#endif
#endif
