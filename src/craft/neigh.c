/* The destination MAC for link-layer sending, read from the kernel over
 * rtnetlink: the route to the destination gives the next hop (a gateway, or
 * the destination itself when on-link), and the neighbour table gives its
 * address.  We only read what the kernel already resolved: no ARP or NDP is
 * sent on the user's behalf; the error says how to get an entry.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "tcpshake/inject.h"

/* Usable neighbour states: resolved, or resolved and being re-checked. */
#define NEIGH_USABLE (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | \
                      NUD_PERMANENT | NUD_NOARP)

static const char *addr_str(const struct ts_addr *a, char *buf, size_t len)
{
    if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->a, buf,
                   (socklen_t)len))
        snprintf(buf, len, "?");
    return buf;
}

/* The netlink message at *off in buf[0, len), or NULL when none is whole;
 * moves *off past it.  (NLMSG_OK compares signed with unsigned.) */
static const struct nlmsghdr *nl_msg(const char *buf, size_t len, size_t *off)
{
    const struct nlmsghdr *n;

    if (*off + sizeof(*n) > len)
        return NULL;
    n = (const struct nlmsghdr *)(const void *)(buf + *off);
    if (n->nlmsg_len < sizeof(*n) || n->nlmsg_len > len - *off)
        return NULL;
    *off += NLMSG_ALIGN(n->nlmsg_len);
    return n;
}

static size_t alen(uint8_t family)
{
    return family == 4 ? 4 : 16;
}

static void add_attr(char *msg, size_t room, unsigned short type,
                     const void *data, size_t len)
{
    struct nlmsghdr *n = (struct nlmsghdr *)msg;
    size_t at = NLMSG_ALIGN(n->nlmsg_len);
    struct rtattr rta = {.rta_len = (unsigned short)RTA_LENGTH(len),
                         .rta_type = type};

    if (at + RTA_ALIGN(rta.rta_len) > room)
        return; /* cannot happen with the fixed sizes used below */
    memcpy(msg + at, &rta, sizeof(rta));
    memcpy(msg + at + RTA_LENGTH(0), data, len);
    n->nlmsg_len = (uint32_t)(at + RTA_ALIGN(rta.rta_len));
}

/* Next hop toward dst out of ifindex: the gateway if the route has one.
 * Falls back to dst itself when the kernel has no route (on-link guess). */
static void next_hop(int fd, const struct ts_addr *dst, int ifindex,
                     struct ts_addr *nh)
{
    union {
        struct nlmsghdr n;
        char b[NLMSG_SPACE(sizeof(struct rtmsg)) + 64];
    } req;
    union {
        struct nlmsghdr n;
        char b[8192];
    } resp;
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    struct rtmsg *r;
    ssize_t got;
    uint32_t oif = (uint32_t)ifindex;

    *nh = *dst;
    memset(&req, 0, sizeof(req));
    req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
    req.n.nlmsg_type = RTM_GETROUTE;
    req.n.nlmsg_flags = NLM_F_REQUEST;
    req.n.nlmsg_seq = 1;
    r = NLMSG_DATA(&req.n);
    r->rtm_family = dst->family == 4 ? AF_INET : AF_INET6;
    r->rtm_dst_len = (unsigned char)(alen(dst->family) * 8);
    add_attr(req.b, sizeof(req), RTA_DST, dst->a, alen(dst->family));
    add_attr(req.b, sizeof(req), RTA_OIF, &oif, sizeof(oif));
    if (sendto(fd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&sa,
               sizeof(sa)) < 0)
        return;
    got = recv(fd, &resp, sizeof(resp), 0);
    if (got <= 0)
        return;
    size_t off = 0;
    for (const struct nlmsghdr *n; (n = nl_msg(resp.b, (size_t)got, &off));) {
        if (n->nlmsg_type != RTM_NEWROUTE)
            continue;
        const struct rtmsg *rm = NLMSG_DATA(n);
        int rl = (int)RTM_PAYLOAD(n);
        for (const struct rtattr *a = RTM_RTA(rm); RTA_OK(a, rl);
             a = RTA_NEXT(a, rl)) {
            if (a->rta_type == RTA_GATEWAY &&
                RTA_PAYLOAD(a) == alen(dst->family)) {
                memset(nh, 0, sizeof(*nh));
                nh->family = dst->family;
                memcpy(nh->a, RTA_DATA(a), alen(dst->family));
            }
        }
    }
}

int ts_inject_neigh_mac(const struct ts_addr *dst, int ifindex,
                     const char *ifname, uint8_t mac[6], char *err,
                     size_t errlen)
{
    struct {
        struct nlmsghdr n;
        struct ndmsg nd;
    } req;
    union {
        struct nlmsghdr n;
        char b[16384];
    } resp;
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    struct ts_addr nh;
    char abuf[64];
    int fd, found = 0; /* 0 none, 1 usable, -1 present but unresolved */
    uint16_t bad_state = 0;
    bool done = false;

    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) {
        snprintf(err, errlen, "netlink: %s", strerror(errno));
        return -1;
    }
    next_hop(fd, dst, ifindex, &nh);

    memset(&req, 0, sizeof(req));
    req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
    req.n.nlmsg_type = RTM_GETNEIGH;
    req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.n.nlmsg_seq = 2;
    req.nd.ndm_family = dst->family == 4 ? AF_INET : AF_INET6;
    if (sendto(fd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&sa,
               sizeof(sa)) < 0) {
        snprintf(err, errlen, "netlink: %s", strerror(errno));
        close(fd);
        return -1;
    }
    while (!done) {
        ssize_t got = recv(fd, &resp, sizeof(resp), 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            snprintf(err, errlen, "netlink: %s",
                     got < 0 ? strerror(errno) : "connection closed");
            close(fd);
            return -1;
        }
        size_t off = 0;
        for (const struct nlmsghdr *n;
             (n = nl_msg(resp.b, (size_t)got, &off));) {
            if (n->nlmsg_type == NLMSG_DONE || n->nlmsg_type == NLMSG_ERROR) {
                done = true;
                break;
            }
            if (n->nlmsg_type != RTM_NEWNEIGH)
                continue;
            const struct ndmsg *nd = NLMSG_DATA(n);
            if (nd->ndm_ifindex != ifindex)
                continue;
            int rl = (int)(n->nlmsg_len - NLMSG_LENGTH(sizeof(*nd)));
            const uint8_t *ip = NULL, *ll = NULL;
            for (const struct rtattr *a =
                     (const struct rtattr *)(const void *)(
                         (const char *)nd + NLMSG_ALIGN(sizeof(*nd)));
                 RTA_OK(a, rl); a = RTA_NEXT(a, rl)) {
                if (a->rta_type == NDA_DST &&
                    RTA_PAYLOAD(a) == alen(nh.family))
                    ip = RTA_DATA(a);
                else if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6)
                    ll = RTA_DATA(a);
            }
            if (!ip || memcmp(ip, nh.a, alen(nh.family)) != 0 || found == 1)
                continue;
            if ((nd->ndm_state & NEIGH_USABLE) && ll) {
                memcpy(mac, ll, 6);
                found = 1;
            } else {
                found = -1;
                bad_state = nd->ndm_state;
            }
        }
    }
    close(fd);
    if (found == 1)
        return 0;
    if (found == -1)
        snprintf(err, errlen, "neighbour %s on %s is not resolved (%s): "
                 "reach it once (ping) or give --dst-mac",
                 addr_str(&nh, abuf, sizeof(abuf)), ifname,
                 bad_state & NUD_FAILED       ? "FAILED"
                 : bad_state & NUD_INCOMPLETE ? "INCOMPLETE"
                                              : "no link-layer address");
    else
        snprintf(err, errlen, "no neighbour entry for %s on %s: reach it "
                 "once (ping) or give --dst-mac",
                 addr_str(&nh, abuf, sizeof(abuf)), ifname);
    return -1;
}
