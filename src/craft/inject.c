/* What sending needs besides the bytes: can we open the socket, which
 * interface, which source address and MTU the kernel would use, dropping root
 * once the socket is open, and pacing on absolute deadlines.  Everything is
 * asked of the kernel up front; nothing here sends a packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "tcpshake/inject.h"

int ts_inject_check_privileges(enum ts_craft_via via, uint8_t family, char *err,
                            size_t errlen)
{
    int fd;

    if (via == TS_CRAFT_VIA_BUILD)
        return 0;
    if (via == TS_CRAFT_VIA_LINK)
        fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    else
        fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    if (errno == EPERM || errno == EACCES)
        snprintf(err, errlen, "sending needs root or CAP_NET_RAW (a %s "
                 "socket was refused); -w FILE or --dry-run build without",
                 via == TS_CRAFT_VIA_LINK ? "packet" : "raw");
    else
        snprintf(err, errlen, "%s socket: %s",
                 via == TS_CRAFT_VIA_LINK ? "packet" : "raw", strerror(errno));
    return -1;
}

int ts_inject_iface_get(const char *name, struct ts_inject_iface *out, char *err,
                     size_t errlen)
{
    struct ifreq ifr;
    int fd;

    memset(out, 0, sizeof(*out));
    if (strlen(name) >= IFNAMSIZ || (out->index = (int)if_nametoindex(name)) ==
                                        0) {
        snprintf(err, errlen, "unknown interface '%s'", name);
        return -1;
    }
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "%s: socket: %s", name, strerror(errno));
        return -1;
    }
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
        goto fail;
    out->mtu = (uint32_t)ifr.ifr_mtu;
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        goto fail;
    out->loopback = (ifr.ifr_flags & IFF_LOOPBACK) != 0;
    out->up = (ifr.ifr_flags & IFF_UP) != 0;
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
        goto fail;
    if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER &&
        ifr.ifr_hwaddr.sa_family != ARPHRD_LOOPBACK) {
        snprintf(err, errlen, "%s is not an Ethernet interface (ARPHRD %u): "
                 "send without -i", name,
                 (unsigned)ifr.ifr_hwaddr.sa_family);
        close(fd);
        return -1;
    }
    memcpy(out->mac, ifr.ifr_hwaddr.sa_data, 6);
    close(fd);
    return 0;
fail:
    snprintf(err, errlen, "%s: %s", name, strerror(errno));
    close(fd);
    return -1;
}

static const char *addr_str(const struct ts_addr *a, char *buf, size_t len)
{
    if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->a, buf,
                   (socklen_t)len))
        snprintf(buf, len, "?");
    return buf;
}

int ts_inject_route_get(const struct ts_addr *dst, struct ts_addr *src,
                     uint32_t *mtu, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    char abuf[64];
    int fd, v = 0;
    socklen_t vl = sizeof(v);

    memset(&ss, 0, sizeof(ss));
    if (dst->family == 4) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(9); /* never used: connect() on UDP sends nothing */
        memcpy(&sin->sin_addr, dst->a, 4);
        sl = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(9);
        memcpy(&sin6->sin6_addr, dst->a, 16);
        sl = sizeof(*sin6);
    }
    fd = socket(dst->family == 4 ? AF_INET : AF_INET6,
                SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "route: socket: %s", strerror(errno));
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
        snprintf(err, errlen, "no route to %s: %s",
                 addr_str(dst, abuf, sizeof(abuf)), strerror(errno));
        close(fd);
        return -1;
    }
    sl = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
        snprintf(err, errlen, "route: getsockname: %s", strerror(errno));
        close(fd);
        return -1;
    }
    memset(src, 0, sizeof(*src));
    src->family = dst->family;
    if (dst->family == 4) {
        memcpy(src->a, &((struct sockaddr_in *)&ss)->sin_addr, 4);
        if (getsockopt(fd, IPPROTO_IP, IP_MTU, &v, &vl) < 0)
            v = 0;
    } else {
        memcpy(src->a, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
        if (getsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &v, &vl) < 0)
            v = 0;
    }
    *mtu = v > 0 ? (uint32_t)v : 0;
    close(fd);
    return 0;
}

int ts_inject_set_mark(int fd, uint32_t mark, char *err, size_t errlen)
{
    if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0) {
        snprintf(err, errlen, "SO_MARK %u: %s", (unsigned)mark,
                 strerror(errno));
        return -1;
    }
    return 0;
}

const char *ts_inject_sudo_user(void)
{
    const char *u = getenv("SUDO_USER");

    if (geteuid() != 0 || !u || !*u || strcmp(u, "root") == 0)
        return NULL;
    return u;
}

int ts_inject_drop_privileges(const char *user, char *err, size_t errlen)
{
    struct passwd *pw;

    if (geteuid() != 0)
        return 0;
    errno = 0;
    pw = getpwnam(user);
    if (!pw) {
        snprintf(err, errlen, "-Z %s: %s", user,
                 errno ? strerror(errno) : "no such user");
        return -1;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
        setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
        snprintf(err, errlen, "-Z %s: %s", user, strerror(errno));
        return -1;
    }
    /* Make sure there is no way back. */
    if (pw->pw_uid != 0 && setuid(0) == 0) {
        snprintf(err, errlen, "-Z %s: could regain root after dropping it",
                 user);
        return -1;
    }
    return 0;
}

uint64_t ts_inject_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ts_inject_wall_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void ts_inject_pace_init(struct ts_inject_pace *p, double pps, uint64_t now_ns)
{
    p->pps = pps;
    p->start_ns = now_ns;
}

int ts_inject_pace_wait(const struct ts_inject_pace *p, uint64_t n)
{
    uint64_t due, now;
    struct timespec ts;

    if (p->pps <= 0)
        return 0;
    due = p->start_ns + (uint64_t)((double)n * 1e9 / p->pps);
    now = ts_inject_now_ns();
    /* Sleeping costs ~50 us of timer slack: closer than that, go now. */
    if (due <= now + 20000)
        return 0;
    ts.tv_sec = (time_t)(due / 1000000000u);
    ts.tv_nsec = (long)(due % 1000000000u);
    int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    return rc == EINTR ? -1 : 0;
}
