/* The script runner's network: see lab.h. */

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "../drive/env.h"
#include "lab.h"
#include "tcpshake/inject.h"

/* fixed, so that -w files of two runs compare: locally administered */
/* the veth's MTU, both ends: 64 KB frames (see ts_lab_open) */
#define TUN0_MTU 65535u
static const uint8_t STACK_MAC[6] = {0x02, 0x74, 0x73, 0x00, 0x00, 0x01};
static const uint8_t WIRE_MAC[6] = {0x02, 0x74, 0x73, 0x00, 0x00, 0x02};

/* `ip -batch -` with these lines, in the namespace of nsfd (-1: this
 * thread's).  Its first line on stderr becomes err. */
static int run_ip(int nsfd, const char *batch, char *err, size_t errlen)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        return snprintf(err, errlen, "pipe: %s", strerror(errno)), -1;
    if (pipe2(out, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        return snprintf(err, errlen, "pipe: %s", strerror(errno)), -1;
    }
    pid_t p = fork();
    if (p < 0) {
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        return snprintf(err, errlen, "fork: %s", strerror(errno)), -1;
    }
    if (p == 0) {
        signal(SIGINT, SIG_IGN); /* the runner decides; it undoes what is made */
        if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
            _exit(126);
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(out[1], 2);
        execlp("ip", "ip", "-batch", "-", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    size_t n = strlen(batch);
    const char *b = batch;
    while (n > 0) {
        ssize_t w = write(in[1], b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        b += w;
        n -= (size_t)w;
    }
    close(in[1]);
    char msg[512];
    size_t got = 0;
    for (;;) {
        ssize_t r = read(out[0], msg + got, sizeof msg - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
        if (got == sizeof msg - 1)
            break;
    }
    msg[got] = 0;
    close(out[0]);
    int st = 0;
    while (waitpid(p, &st, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, errlen, "waitpid: %s", strerror(errno));
            return -1;
        }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    char *nl = strchr(msg, '\n');
    if (nl)
        *nl = 0;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
        snprintf(err, errlen, "cannot run ip (iproute2 is needed)");
    else
        snprintf(err, errlen, "ip: %.200s", *msg ? msg : "failed");
    return -1;
}

static void write_sysctl(const char *path, const char *v)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t w = write(fd, v, strlen(v));
        (void)w;
        close(fd);
    }
}

static const char *mac_str(const uint8_t m[6], char *b, size_t n)
{
    snprintf(b, n, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return b;
}

/* a's first prefix bits, the rest zero */
static struct ts_addr network(const struct ts_addr *a, unsigned prefix, uint8_t family)
{
    struct ts_addr n = *a;
    for (unsigned bit = prefix; bit < (family == 6 ? 128u : 32u); bit++)
        n.a[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
    return n;
}

/* ip -batch lines for the stack's routes at L->mtu (they take no options:
 * the addresses give the family) */
static const char *route_lines(const struct ts_lab *L, char *out, size_t n)
{
    char a1[64], a2[64];
    struct ts_addr net = network(&L->local, L->prefix, L->family),
                   rnet = network(&L->remote, L->prefix, L->family);
    int k = snprintf(out, n, "route replace %s/%u dev tun0 mtu %u\n",
                     ts_addr_str(&net, a1, sizeof a1), L->prefix, L->mtu);
    /* a peer outside the prefix (a script's own --remote_ip) is on the link
     * all the same: a route of its own */
    if (memcmp(net.a, rnet.a, sizeof net.a) && k > 0 && (size_t)k < n)
        snprintf(out + k, n - (size_t)k, "route replace %s/%u dev tun0 mtu %u\n",
                 ts_addr_str(&L->remote, a2, sizeof a2), L->family == 6 ? 128u : 32u, L->mtu);
    return out;
}

/* The stack's network namespace (the agent's), opened: a descriptor, or -1
 * with err */
static int stack_ns(const struct ts_lab *L, char *err, size_t errlen)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)L->ag.pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return fd;
}

/* One ioctl on tun0 from a socket of the stack's namespace nsfd (this
 * thread goes there and back): 0, or -1 with err naming what */
static int stack_ioctl(int nsfd, unsigned long req, struct ifreq *ifr, const char *what,
                       char *err, size_t errlen)
{
    int back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), fd = -1, rc = -1;
    if (back < 0)
        return snprintf(err, errlen, "this thread's network namespace: %s", strerror(errno)),
               -1;
    if (setns(nsfd, CLONE_NEWNET) < 0) {
        snprintf(err, errlen, "the stack's namespace: %s", strerror(errno));
        close(back);
        return -1;
    }
    snprintf(ifr->ifr_name, sizeof ifr->ifr_name, "tun0");
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ioctl(fd, req, ifr) < 0)
        snprintf(err, errlen, "%s: %s", what, strerror(errno));
    else
        rc = 0;
    if (fd >= 0)
        close(fd);
    if (setns(back, CLONE_NEWNET) < 0 && rc == 0) {
        snprintf(err, errlen, "back to the wire's namespace: %s", strerror(errno));
        rc = -1;
    }
    close(back);
    return rc;
}

int ts_lab_follow_mtu(struct ts_lab *L, char *err, size_t errlen)
{
    char batch[400], routes[320], e[256];
    int ns = stack_ns(L, err, errlen);
    if (ns < 0)
        return -1;
    struct ifreq ifr = {0};
    int rc = stack_ioctl(ns, SIOCGIFMTU, &ifr, "tun0's MTU", err, errlen);
    if (rc == 0 && (unsigned)ifr.ifr_mtu != TUN0_MTU) {
        L->mtu = (uint32_t)ifr.ifr_mtu;
        snprintf(batch, sizeof batch, "link set tun0 mtu %u\n%s", TUN0_MTU,
                 route_lines(L, routes, sizeof routes));
        rc = run_ip(ns, batch, e, sizeof e);
        if (rc < 0)
            snprintf(err, errlen, "tun0's MTU %d for the routes: %s", ifr.ifr_mtu, e);
    }
    close(ns);
    return rc;
}

int ts_lab_open(struct ts_lab *L, uint8_t family, const struct ts_addr *local,
                const struct ts_addr *remote, unsigned prefix, uint32_t mtu, uint16_t gso_mss,
                const char *cwd, const cpu_set_t *shell_cpus, char *err, size_t errlen)
{
    char e[256], m1[32], m2[32], a1[64], a2[64], batch[1024];
    int sfd = -1;

    memset(L, 0, sizeof *L);
    L->ag.fd = -1;
    L->ag.pid = -1;
    L->port_hold = -1;
    L->family = family;
    L->local = *local;
    L->remote = *remote;
    L->mtu = mtu ? mtu : 1500;
    L->prefix = prefix;
    memcpy(L->stack_mac, STACK_MAC, 6);
    memcpy(L->wire_mac, WIRE_MAC, 6);

    L->orig_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (L->orig_ns < 0) {
        snprintf(err, errlen, "cannot open this thread's network namespace: %s",
                 strerror(errno));
        return -1;
    }
    /* the wire side: this thread only, until ts_lab_close */
    if (unshare(CLONE_NEWNET) < 0) {
        snprintf(err, errlen, "cannot make a network namespace: %s%s", strerror(errno),
                 errno == EPERM ? " (run as root: the stack under test gets namespaces "
                                  "of its own)"
                                : "");
        goto fail;
    }
    L->moved = true;
    write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
    write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");

    if (ts_agent_start(&L->ag, TS_AGENT_NETNS_NEW, cwd, shell_cpus, e, sizeof e) < 0) {
        snprintf(err, errlen, "%s", e);
        goto fail;
    }
    /* a round trip: the agent is in its namespace before we look there */
    struct ts_agent_req q = {.op = TS_AG_GETSOCKNAME, .fd = -1};
    struct ts_agent_rep r;
    if (ts_agent_send(&L->ag, &q, NULL, e, sizeof e) < 0 ||
        ts_agent_recv(&L->ag, &r, NULL, 0, 5000, e, sizeof e) != 1) {
        snprintf(err, errlen, "the agent did not start: %s", e);
        goto fail;
    }
    sfd = stack_ns(L, err, errlen);
    if (sfd < 0)
        goto fail;
    /* the devices take 64 KB frames, so that a long inbound segment of a
     * script reaches the stack in one piece, as packetdrill's GSO packets
     * do; the route keeps the stack at the link's MTU (its MSS follows),
     * not locked: an ICMP "fragmentation needed" or "packet too big" lowers
     * both (RFC 1191, RFC 8201) as on packetdrill's tun device */
    snprintf(batch, sizeof batch,
             "link add tsw0 address %s mtu %u type veth peer name tun0 address %s "
             "mtu %u netns %d\n"
             "link set tsw0 up\n",
             mac_str(WIRE_MAC, m1, sizeof m1), TUN0_MTU, mac_str(STACK_MAC, m2, sizeof m2),
             TUN0_MTU, (int)L->ag.pid);
    if (run_ip(-1, batch, e, sizeof e) < 0) {
        snprintf(err, errlen, "making the veth: %s", e);
        goto fail;
    }
    char routes[320];
    snprintf(batch, sizeof batch,
             "link set lo up\n"
             "link set tun0 up\n"
             "addr add %s/%u dev tun0%s\n"
             "neigh replace %s lladdr %s dev tun0 nud permanent\n%s",
             ts_addr_str(local, a1, sizeof a1), prefix,
             family == 6 ? " nodad noprefixroute" : "", ts_addr_str(remote, a2, sizeof a2),
             mac_str(WIRE_MAC, m1, sizeof m1), route_lines(L, routes, sizeof routes));
    if (run_ip(sfd, batch, e, sizeof e) < 0) {
        snprintf(err, errlen, "setting up the stack's side: %s", e);
        goto fail;
    }
    /* GRO on tun0: the GSO frames gso_mss asks for are cut for the veth and
     * joined again on the stack's side */
    struct ethtool_value gro = {.cmd = ETHTOOL_SGRO, .data = 1};
    if (gso_mss && stack_ioctl(sfd, SIOCETHTOOL, &(struct ifreq){.ifr_data = (char *)&gro},
                               "GRO on tun0", e, sizeof e) < 0) {
        snprintf(err, errlen, "--mss: %s", e);
        goto fail;
    }
    close(sfd);
    sfd = -1;

    char filter[96];
    snprintf(filter, sizeof filter, "ether src %s", mac_str(STACK_MAC, m1, sizeof m1));
    struct ts_capture_cfg cc = {.iface = "tsw0", .filter = filter, .snaplen = 262144,
                                .promisc = true, .buffer_kib = 8192, .immediate = true};
    L->cap = ts_capture_open(&cc, e, sizeof e);
    if (!L->cap || ts_capture_set_nonblock(L->cap, true, e, sizeof e) < 0) {
        snprintf(err, errlen, "capturing on the wire side: %s", e);
        goto fail;
    }
    struct ts_craft_session_cfg sc = {.via = TS_CRAFT_VIA_LINK, .family = family,
                                      .iface = "tsw0", .ether = true, .gso_mss = gso_mss};
    memcpy(sc.src_mac, WIRE_MAC, 6);
    memcpy(sc.dst_mac, STACK_MAC, 6);
    L->cs = ts_craft_open(&sc, e, sizeof e);
    if (!L->cs) {
        snprintf(err, errlen, "injecting on the wire side: %s", e);
        goto fail;
    }
    return 0;
fail:
    if (sfd >= 0)
        close(sfd);
    ts_lab_close(L);
    return -1;
}

int ts_lab_peer_addr_ok(const struct ts_addr *a, char *err, size_t errlen)
{
    char s[64];
    ts_addr_str(a, s, sizeof s);
    if (a->family == 4) {
        static const uint8_t zero[4];
        if (a->a[0] >= 224 && a->a[0] < 240)
            return snprintf(err, errlen, "%s is a multicast address", s), -1;
        if (a->a[0] >= 240)
            return snprintf(err, errlen, "%s is a broadcast or reserved address", s), -1;
        if (a->a[0] == 0 || !memcmp(a->a, zero, 4))
            return snprintf(err, errlen, "%s is not a host's address", s), -1;
    } else if (a->family == 6) {
        static const uint8_t zero[16];
        static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
        if (a->a[0] == 0xff)
            return snprintf(err, errlen, "%s is a multicast address", s), -1;
        if (!memcmp(a->a, zero, 16))
            return snprintf(err, errlen, "%s is not a host's address", s), -1;
        if (!memcmp(a->a, mapped, 12))
            return snprintf(err, errlen, "%s is an IPv4 address: give it as one", s), -1;
    } else {
        return snprintf(err, errlen, "no address"), -1;
    }
    /* a subnet's broadcast address looks like a host's: ask the interfaces,
     * for the one they were given and the one their prefix makes (an
     * address added without `brd` has none set, and still the kernel
     * treats the prefix's last address as broadcast) */
    struct ifaddrs *all;
    int rc = 0;
    if (a->family == 4 && getifaddrs(&all) == 0) {
        for (struct ifaddrs *i = all; i && rc == 0; i = i->ifa_next) {
            if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
                continue;
            const uint8_t *brd = NULL, *ad = NULL, *nm = NULL;
            if ((i->ifa_flags & IFF_BROADCAST) && i->ifa_broadaddr &&
                i->ifa_broadaddr->sa_family == AF_INET)
                brd = (const uint8_t *)&((struct sockaddr_in *)(void *)i->ifa_broadaddr)->sin_addr;
            ad = (const uint8_t *)&((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
            if (i->ifa_netmask && i->ifa_netmask->sa_family == AF_INET)
                nm = (const uint8_t *)&((struct sockaddr_in *)(void *)i->ifa_netmask)->sin_addr;
            bool hit = brd && !memcmp(brd, a->a, 4);
            if (!hit && nm && (nm[3] & 0xfe) != 0xfe) { /* a /31 or /32 has none */
                hit = true;
                for (int k = 0; k < 4; k++)
                    hit = hit && (uint8_t)(ad[k] | ~nm[k]) == a->a[k] &&
                          ((ad[k] ^ a->a[k]) & nm[k]) == 0;
            }
            if (hit) {
                snprintf(err, errlen, "%s is the broadcast address of %s", s, i->ifa_name);
                rc = -1;
            }
        }
        freeifaddrs(all);
    }
    return rc;
}

int ts_lab_open_peer(struct ts_lab *L, const struct ts_addr *peer, uint16_t port, char *err,
                     size_t errlen)
{
    char e[256], l0[64], r0[64], filter[512], ifname[64];
    struct ts_craft_rng rng;

    memset(L, 0, sizeof *L);
    L->ag.fd = -1;
    L->ag.pid = -1;
    L->orig_ns = -1;
    L->port_hold = -1;
    L->peer = true;
    L->family = peer->family;
    L->local = *peer;
    memcpy(L->stack_mac, STACK_MAC, 6); /* for frames without a link header */
    memcpy(L->wire_mac, WIRE_MAC, 6);
    if (ts_drive_check_root(peer->family, e, sizeof e) < 0 ||
        ts_inject_route_get(peer, &L->remote, &L->mtu, e, sizeof e) < 0) {
        snprintf(err, errlen, "%s", e);
        return -1;
    }
    if (!L->mtu)
        L->mtu = 1500;
    ts_craft_rng_init(&rng);
    L->nports = TS_LAB_PEER_PORTS;
    if (ts_drive_reserve_ports(&rng, L->nports, &L->port_lo, &L->port_hold) < 0) {
        snprintf(err, errlen, "no block of %u free source ports outside the ephemeral range",
                 L->nports);
        return -1;
    }
    ts_addr_str(peer, r0, sizeof r0);
    ts_addr_str(&L->remote, l0, sizeof l0);
    snprintf(filter, sizeof filter,
             "tcp and src host %s and src port %u and dst host %s and dst portrange %u-%u", r0,
             (unsigned)port, l0, (unsigned)L->port_lo,
             (unsigned)(L->port_lo + L->nports - 1));
    /* the interface of our source address; a peer that is this host's
     * own address is reached over loopback, whatever its interface */
    if (ts_drive_iface_of(peer, ifname, sizeof ifname) == 0)
        snprintf(ifname, sizeof ifname, "lo");
    else if (ts_drive_iface_of(&L->remote, ifname, sizeof ifname) < 0)
        snprintf(ifname, sizeof ifname, "any");
    snprintf(L->ifname, sizeof L->ifname, "%s", ifname);
    struct ts_capture_cfg cc = {.iface = ifname, .filter = filter, .snaplen = 262144,
                                .buffer_kib = 8192, .immediate = true};
    L->cap = ts_capture_open(&cc, e, sizeof e);
    if (!L->cap || ts_capture_set_nonblock(L->cap, true, e, sizeof e) < 0) {
        snprintf(err, errlen, "capturing on %s: %s", ifname, e);
        goto fail;
    }
    L->dlt = ts_capture_datalink(L->cap);
    if (ts_capture_fd(L->cap) < 0) {
        snprintf(err, errlen, "capturing on %s: no descriptor to poll", ifname);
        goto fail;
    }
    struct ts_craft_session_cfg sc = {.via = TS_CRAFT_VIA_RAW, .family = peer->family,
                                      .set_mark = true, .mark = TS_LAB_PEER_MARK};
    L->cs = ts_craft_open(&sc, e, sizeof e);
    if (!L->cs) {
        snprintf(err, errlen, "sending: %s", e);
        goto fail;
    }
    struct ts_guard_spec spec = {.family = peer->family, .local = L->remote,
                                 .lport_lo = L->port_lo,
                                 .lport_hi = (uint16_t)(L->port_lo + L->nports - 1),
                                 .remote = *peer, .rport = port, .mark = TS_LAB_PEER_MARK};
    L->guard = ts_guard_install(&spec, e, sizeof e);
    if (!L->guard) {
        snprintf(err, errlen, "the RST guard: %s", e);
        goto fail;
    }
    return 0;
fail:
    ts_lab_close(L);
    return -1;
}

void ts_lab_use_port(struct ts_lab *L, uint16_t port)
{
    unsigned i = (unsigned)(port - L->port_lo);
    if (port < L->port_lo || i >= L->nports || i >= 64)
        return;
    L->ports_used |= 1ull << i;
    ts_drive_mark_ports(L->port_hold, port, 1);
}

uint16_t ts_lab_take_port(struct ts_lab *L, unsigned *next)
{
    unsigned n = L->nports > 1 ? L->nports - 1 : 1, k = *next;
    for (unsigned tries = 0; tries < n; tries++) {
        uint16_t p = (uint16_t)(L->port_lo + 1 + (k + tries) % n);
        if (ts_drive_port_quiet(L->port_hold, p)) {
            *next = k + tries + 1;
            ts_lab_use_port(L, p);
            return p;
        }
    }
    uint16_t p = (uint16_t)(L->port_lo + 1 + k % n);
    *next = k + 1;
    ts_lab_use_port(L, p);
    return p;
}

void ts_lab_close(struct ts_lab *L)
{
    for (unsigned i = 0; i < L->nports && i < 64; i++)
        if (L->ports_used & (1ull << i))
            ts_drive_mark_ports(L->port_hold, (uint16_t)(L->port_lo + i), 1);
    L->ports_used = 0;
    if (L->guard) {
        char e[200];
        if (ts_guard_remove(L->guard, e, sizeof e) < 0)
            snprintf(L->close_err, sizeof L->close_err, "removing the RST guard: %s", e);
    }
    L->guard = NULL;
    if (L->port_hold >= 0)
        ts_drive_release_ports(L->port_hold);
    L->port_hold = -1;
    if (L->cs)
        ts_craft_close(L->cs);
    L->cs = NULL;
    if (L->cap)
        ts_capture_close(L->cap);
    L->cap = NULL;
    ts_agent_stop(&L->ag); /* the stack's namespace, and the veth with it */
    if (L->moved && L->orig_ns >= 0)
        setns(L->orig_ns, CLONE_NEWNET); /* the wire side goes with its sockets */
    L->moved = false;
    if (L->orig_ns >= 0)
        close(L->orig_ns);
    L->orig_ns = -1;
}
