/* tcpshake guard: keep the local kernel from resetting a connection it does
 * not know.
 *
 * A connection driven with crafted segments has no socket in the local
 * kernel, so the kernel answers the peer's SYN+ACK (or a client's SYN) with a
 * RST about 10 us later.  The guard is one nftables table of our own, made
 * for one session: an output-hook rule that drops the RSTs of exactly the
 * session's addresses and ports unless they carry the session's mark — our
 * own crafted RSTs go out through the same hook (raw IPv4 sockets traverse
 * OUTPUT), and the crafting socket has SO_MARK set.  The table is created
 * and deleted with the nft(8) program; removing it is the caller's job on
 * every exit path (see docs/drive.md).
 */
#ifndef TCPSHAKE_GUARD_H
#define TCPSHAKE_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "tcpshake/decode.h" /* struct ts_addr */
#include "tcpshake/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the rule matches: RSTs from local:lport_lo..lport_hi to remote:rport
 * that do not carry `mark`. */
struct ts_guard_spec {
    uint8_t family;            /* 4 or 6 */
    struct ts_addr local;      /* family 0: any local address */
    uint16_t lport_lo, lport_hi;
    struct ts_addr remote;     /* family 0: any peer */
    uint16_t rport;            /* 0: any port */
    uint32_t mark;
};

struct guard;

/* The nftables text of the table the spec makes, into buf (for -v and the
 * docs).  Returns buf. */
TS_API const char *ts_guard_ruleset(const struct ts_guard_spec *spec, const char *table,
                                    char *buf, size_t len);

/* Install the guard: a table named tcpshake_guard_PID_LPORT.  Tables left by
 * a tcpshake that died without removing its own (its PID is gone) are
 * deleted first.  Returns NULL with a one-line message when nft is missing
 * or refuses (not root, no nf_tables in the kernel, ...). */
TS_API struct guard *ts_guard_install(const struct ts_guard_spec *spec, char *err,
                                      size_t errlen);

/* Delete the table and free the guard (NULL is fine).  0, or -1 with a
 * message; the guard is freed either way. */
TS_API int ts_guard_remove(struct guard *g, char *err, size_t errlen);

/* The table's name ("tcpshake_guard_123_40000"). */
TS_API const char *ts_guard_table(const struct guard *g);

#ifdef __cplusplus
}
#endif
#endif
