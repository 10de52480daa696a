/* What the driver reads off the wire besides TCP segments (those go through
 * ts_decode): where the IP header starts in a captured frame (for -w, which
 * writes raw IP; the decoder's ip_off), ICMP destination-unreachable messages quoting one of our
 * segments, and which interface owns an address (where to capture).
 * Every read is bounds-checked against the captured length.
 */
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

int ts_drive_ip_offset(int dlt, const uint8_t *p, uint32_t caplen, uint32_t *off)
{
    /* the decoder's walk: VLAN tags of every kind, tunnels, cooked links */
    struct ts_seg seg;
    (void)ts_decode(dlt, p, caplen, caplen, false, &seg);
    if (!seg.ipver || seg.ip_off >= caplen)
        return -1;
    *off = seg.ip_off;
    return 0;
}

/* The quoted packet: an IP header and at least 8 bytes of TCP (RFC 792 and
 * RFC 4443 both guarantee the first 8 bytes: ports and sequence number). */
static int quoted_tcp(const uint8_t *q, uint32_t len, struct ts_drive_icmp *ic)
{
    if (len < 1)
        return -1;
    if ((q[0] >> 4) == 4) {
        uint32_t ihl = (uint32_t)(q[0] & 15) * 4;
        if (ihl < 20 || len < ihl + 8 || q[9] != 6)
            return -1;
        memset(&ic->in_src, 0, sizeof ic->in_src);
        memset(&ic->in_dst, 0, sizeof ic->in_dst);
        ic->in_src.family = ic->in_dst.family = 4;
        memcpy(ic->in_src.a, q + 12, 4);
        memcpy(ic->in_dst.a, q + 16, 4);
        q += ihl;
    } else if ((q[0] >> 4) == 6) {
        /* no extension headers in what we send */
        if (len < 40 + 8 || q[6] != 6)
            return -1;
        memset(&ic->in_src, 0, sizeof ic->in_src);
        memset(&ic->in_dst, 0, sizeof ic->in_dst);
        ic->in_src.family = ic->in_dst.family = 6;
        memcpy(ic->in_src.a, q + 8, 16);
        memcpy(ic->in_dst.a, q + 24, 16);
        q += 40;
    } else {
        return -1;
    }
    ic->in_sport = rd16(q);
    ic->in_dport = rd16(q + 2);
    ic->in_seq = (uint32_t)q[4] << 24 | (uint32_t)q[5] << 16 |
                 (uint32_t)q[6] << 8 | q[7];
    return 0;
}

int ts_drive_icmp_parse(const uint8_t *ip, uint32_t len, struct ts_drive_icmp *ic)
{
    memset(ic, 0, sizeof *ic);
    if (len < 1)
        return -1;
    if ((ip[0] >> 4) == 4) {
        uint32_t ihl = (uint32_t)(ip[0] & 15) * 4;
        if (ihl < 20 || len < ihl + 8 || ip[9] != 1)
            return -1;
        uint32_t tot = rd16(ip + 2);
        if (tot >= ihl + 8 && tot < len)
            len = tot;
        ic->family = 4;
        ic->from.family = 4;
        memcpy(ic->from.a, ip + 12, 4);
        ic->type = ip[ihl];
        ic->code = ip[ihl + 1];
        if (ic->type != 3)
            return -1;
        if (ic->code == 4) /* RFC 1191 §4: next-hop MTU in the low 16 bits */
            ic->mtu = rd16(ip + ihl + 6);
        return quoted_tcp(ip + ihl + 8, len - ihl - 8, ic);
    }
    if ((ip[0] >> 4) == 6) {
        if (len < 40 + 8 || ip[6] != 58)
            return -1;
        ic->family = 6;
        ic->from.family = 6;
        memcpy(ic->from.a, ip + 8, 16);
        ic->type = ip[40];
        ic->code = ip[41];
        if (ic->type == 2) /* RFC 4443 §3.2: packet too big, MTU at 4 */
            ic->mtu = (uint32_t)ip[44] << 24 | (uint32_t)ip[45] << 16 |
                      (uint32_t)ip[46] << 8 | ip[47];
        else if (ic->type != 1)
            return -1;
        return quoted_tcp(ip + 48, len - 48, ic);
    }
    return -1;
}

bool ts_drive_icmp_too_big(const struct ts_drive_icmp *ic)
{
    return (ic->family == 4 && ic->type == 3 && ic->code == 4) ||
           (ic->family == 6 && ic->type == 2);
}

const char *ts_drive_icmp_text(const struct ts_drive_icmp *ic, char *buf, size_t len)
{
    static const char *const v4[] = {
        "net unreachable", "host unreachable", "protocol unreachable",
        "port unreachable", "fragmentation needed", "source route failed",
        "network unknown", "host unknown", "source host isolated",
        "network prohibited", "host prohibited", "net unreachable for TOS",
        "host unreachable for TOS", "administratively prohibited",
        "host precedence violation", "precedence cutoff",
    };
    static const char *const v6[] = {
        "no route to destination", "administratively prohibited",
        "beyond scope of source address", "address unreachable",
        "port unreachable", "source address failed policy",
        "reject route to destination",
    };
    const char *what = NULL;
    char from[64];

    if (ic->family == 4 && ic->code < sizeof v4 / sizeof v4[0])
        what = v4[ic->code];
    if (ic->family == 6 && ic->code < sizeof v6 / sizeof v6[0])
        what = v6[ic->code];
    ts_addr_str(&ic->from, from, sizeof from);
    if (ts_drive_icmp_too_big(ic)) {
        if (ic->family == 6)
            snprintf(buf, len, "ICMPv6 packet too big (MTU %u) from %s",
                     (unsigned)ic->mtu, from);
        else if (ic->mtu)
            snprintf(buf, len, "ICMP destination unreachable (fragmentation "
                     "needed, next-hop MTU %u) from %s", (unsigned)ic->mtu, from);
        else
            snprintf(buf, len, "ICMP destination unreachable (fragmentation "
                     "needed) from %s", from);
        return buf;
    }
    if (what)
        snprintf(buf, len, "ICMP%s destination unreachable (%s) from %s",
                 ic->family == 6 ? "v6" : "", what, from);
    else
        snprintf(buf, len, "ICMP%s destination unreachable (code %u) from %s",
                 ic->family == 6 ? "v6" : "", (unsigned)ic->code, from);
    return buf;
}

int ts_drive_iface_of(const struct ts_addr *a, char *name, size_t len)
{
    struct ifaddrs *all, *i;
    int rc = -1;

    if (getifaddrs(&all) < 0)
        return -1;
    for (i = all; i; i = i->ifa_next) {
        if (!i->ifa_addr || !i->ifa_name)
            continue;
        if (a->family == 4 && i->ifa_addr->sa_family == AF_INET &&
            memcmp(&((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr,
                   a->a, 4) == 0)
            break;
        if (a->family == 6 && i->ifa_addr->sa_family == AF_INET6 &&
            memcmp(&((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr,
                   a->a, 16) == 0)
            break;
    }
    if (i) {
        snprintf(name, len, "%s", i->ifa_name);
        rc = 0;
    }
    freeifaddrs(all);
    return rc;
}
