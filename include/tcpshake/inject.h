/* tcpshake inject: what sending needs around the craft session — privileges,
 * the interface, the route and the neighbour table, dropping root, pacing.
 *
 * Every look-up is done up front (before any segment goes out and before
 * privileges are dropped), reads only kernel state, and never sends a packet.
 */
#ifndef TCPSHAKE_INJECT_H
#define TCPSHAKE_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpshake/craft.h"
#include "tcpshake/decode.h"
#include "tcpshake/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Can this process open the socket `via` needs for `family`?  0, or -1 with
 * "need root or CAP_NET_RAW ..." (or the socket error). */
TS_API int ts_inject_check_privileges(enum ts_craft_via via, uint8_t family, char *err,
                                      size_t errlen);

struct ts_inject_iface {
    int index;
    uint32_t mtu;
    uint8_t mac[6];
    bool loopback;
    bool up;
};

/* The interface by name: -1 with "unknown interface 'X'" if there is none,
 * or "X is not an Ethernet interface" when link-layer framing cannot work. */
TS_API int ts_inject_iface_get(const char *name, struct ts_inject_iface *out, char *err,
                               size_t errlen);

/* The kernel's route to dst, found by connecting a UDP socket (nothing is
 * sent): the source address it would use and the path MTU.  -1 with "no route
 * to ADDR" when there is none. */
TS_API int ts_inject_route_get(const struct ts_addr *dst, struct ts_addr *src,
                               uint32_t *mtu, char *err, size_t errlen);

/* Destination MAC for dst out of ifindex: the next hop from the routing table
 * (netlink RTM_GETROUTE), then its entry in the neighbour table
 * (RTM_GETNEIGH).  -1 with "no neighbour entry for ADDR on IFACE ..." when the
 * kernel has not resolved it. */
TS_API int ts_inject_neigh_mac(const struct ts_addr *dst, int ifindex,
                               const char *ifname, uint8_t mac[6], char *err,
                               size_t errlen);

/* SO_MARK on fd.  -1 with a message (needs CAP_NET_ADMIN). */
TS_API int ts_inject_set_mark(int fd, uint32_t mark, char *err, size_t errlen);

/* Become `user` for good (groups, gid, uid), as tcpdump -Z does.  0 when done
 * or when not root; -1 with a message. */
TS_API int ts_inject_drop_privileges(const char *user, char *err, size_t errlen);

/* The user started us through sudo, or NULL: SUDO_USER when we are root and
 * it names someone else. */
TS_API const char *ts_inject_sudo_user(void);

/* Pacing on absolute CLOCK_MONOTONIC deadlines: segment n is due at
 * start + n / pps.  When behind, the next segments go out at once, so high
 * rates are sent in bursts instead of sleeping per segment. */
struct ts_inject_pace {
    double pps;        /* 0: no pacing */
    uint64_t start_ns;
};
TS_API void ts_inject_pace_init(struct ts_inject_pace *p, double pps, uint64_t now_ns);
/* Wait for segment n's deadline.  0 when due; -1 if a signal interrupted the
 * sleep (check your stop flag and call again). */
TS_API int ts_inject_pace_wait(const struct ts_inject_pace *p, uint64_t n);

/* CLOCK_MONOTONIC / CLOCK_REALTIME in ns. */
TS_API uint64_t ts_inject_now_ns(void);
TS_API uint64_t ts_inject_wall_ns(void);

#ifdef __cplusplus
}
#endif
#endif
