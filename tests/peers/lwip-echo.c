/* lwip-echo: a TCP peer that is not Linux, for the namespace tests.  It runs
 * lwIP, the embedded TCP/IP stack (Debian's liblwip 2.1.3, built threaded:
 * NO_SYS=0 with core locking), on a tap device that the caller has created in
 * a network namespace.  The Linux end of the tap is the client; lwIP owns
 * --addr and serves an echo (RFC 862) on --echo-port, a port that closes
 * every connection right after the handshake on --close-port, and answers
 * SYNs to any other port with RST (lwIP's default).  It prints "ready" once
 * the netif is up and runs until SIGTERM or SIGINT, then exits 0; on an
 * error, one line on stderr, exit 1.
 *
 *   lwip-echo --tap NAME --addr A.B.C.D/LEN --gw A.B.C.D
 *             [--addr6 X:..:Y/64] [--echo-port 7] [--close-port 13]
 *
 * The tap netif is our own few lines, not the unix port's tapif that the
 * library ships: in Debian's build (2.1.3+dfsg1-2) the PBUF_POOL elements
 * are 616 bytes while pbuf_alloc() fills them with up to 1536, so tapif,
 * which receives into PBUF_POOL pbufs, overruns the heap with every frame
 * longer than about 600 bytes.  Ours receives into PBUF_RAM pbufs, sized per
 * frame; nothing else in lwIP's core allocates from PBUF_POOL.
 *
 * There are no globals here: lwIP's raw API hands every callback the pcb's
 * own argument, the netif its state, and the stop signals are taken with
 * sigwait().
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* getopt_long; meson passes it already */
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"

#if !LWIP_IPV4 || !LWIP_TCP || NO_SYS
#error "needs an lwIP built with IPv4, TCP and its sys_arch threads (Debian's)"
#endif

struct options {
    const char *tap;
    ip4_addr_t addr, mask, gw;
    bool have6;
#if LWIP_IPV6
    ip6_addr_t addr6;
#endif
    u16_t echo_port, close_port;
};

/* One connection of the echo service. */
struct echo_conn {
    struct tcp_pcb *pcb;
    /* Received but not yet written back.  Never more than the receive
     * window (TCP_WND, 65535), since the window is only reopened for what
     * was written, so its u16_t tot_len cannot overflow. */
    struct pbuf *backlog;
    bool peer_fin; /* the peer's FIN is in: close once backlog is written */
};

/* The tap link: lwIP's netif and the device under it. */
struct tap {
    struct netif netif; /* its state points back here */
    int fd;             /* /dev/net/tun, attached to the device */
    const char *name;
};

/* Room for one frame: Ethernet header, a 1500-byte MTU and a VLAN tag.
 * The device's MTU is the caller's; a longer frame would be truncated by
 * read() and then fail its checksums in lwIP. */
#define TAP_FRAME_MAX 1518

__attribute__((format(printf, 1, 2), noreturn))
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("lwip-echo: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(EXIT_FAILURE);
}

/* ---- the tap link ------------------------------------------------------ */

/* Attaches to the existing device (the caller made it, persistent, in our
 * namespace) as a tap without packet information: plain Ethernet frames. */
static void tap_open(struct tap *t)
{
    struct ifreq ifr;

    /* TUNSETIFF would create a missing device (we have the rights): it has
     * to exist already, so a wrong name does not attach us to a fresh one. */
    if (if_nametoindex(t->name) == 0)
        fail("no interface %s here (ip tuntap add dev %s mode tap)", t->name,
             t->name);
    t->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (t->fd < 0)
        fail("/dev/net/tun: %s", strerror(errno));
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    memcpy(ifr.ifr_name, t->name, strlen(t->name)); /* < IFNAMSIZ, checked */
    if (ioctl(t->fd, TUNSETIFF, &ifr) < 0)
        fail("attaching to %s (a tap, not in use?): %s", t->name,
             strerror(errno));
}

/* lwIP's netif->linkoutput: one frame, already complete, to the device. */
static err_t tap_output(struct netif *netif, struct pbuf *p)
{
    struct tap *t = netif->state;
    char frame[TAP_FRAME_MAX];

    if (p->tot_len > sizeof frame)
        return ERR_IF;
    pbuf_copy_partial(p, frame, p->tot_len, 0);
    /* A failed write is a lost frame, as on a wire: TCP retransmits. */
    if (write(t->fd, frame, p->tot_len) != (ssize_t)p->tot_len)
        return ERR_IF;
    return ERR_OK;
}

/* netif_add()'s init function. */
static err_t tap_netif_init(struct netif *netif)
{
    /* Locally administered, fixed: captures are the same from run to run. */
    static const u8_t mac[ETH_HWADDR_LEN] = {0x02, 0x12, 0x34, 0x56, 0x78, 0xab};

    netif->name[0] = 't';
    netif->name[1] = 'p';
    netif->mtu = 1500;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, mac, ETH_HWADDR_LEN);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
                   NETIF_FLAG_ETHERNET | NETIF_FLAG_IGMP;
    netif->output = etharp_output;
#if LWIP_IPV6
    netif->output_ip6 = ethip6_output;
#endif
    netif->linkoutput = tap_output;
    return ERR_OK;
}

/* The receiving thread: every frame from the device goes to the tcpip
 * thread (netif->input is tcpip_input), in a PBUF_RAM pbuf of its size (see
 * the top of the file for why not PBUF_POOL). */
static void *tap_reader(void *arg)
{
    struct tap *t = arg;
    char frame[TAP_FRAME_MAX];

    for (;;) {
        ssize_t n = read(t->fd, frame, sizeof frame);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            fail("reading %s: %s", t->name, strerror(errno));
        }
        if (n == 0)
            continue;
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM);
        if (p == NULL)
            continue; /* out of memory: dropped, as a NIC would */
        pbuf_take(p, frame, (u16_t)n);
        if (t->netif.input(p, &t->netif) != ERR_OK)
            pbuf_free(p); /* tcpip thread's queue full: dropped */
    }
    return NULL;
}

/* ---- the echo service ------------------------------------------------ */

/* After this the pcb (lwIP's until it is freed) calls nothing of ours. */
static void echo_detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_poll(pcb, NULL, 0);
}

static void echo_forget(struct echo_conn *c)
{
    if (c->backlog != NULL)
        pbuf_free(c->backlog);
    free(c);
}

/* tcp_abort() calls the err callback: detach first so that c is freed once,
 * here.  The callback we are in must then return ERR_ABRT, lwIP's sign that
 * the pcb is gone. */
static err_t echo_abort(struct echo_conn *c)
{
    echo_detach(c->pcb);
    tcp_abort(c->pcb);
    echo_forget(c);
    return ERR_ABRT;
}

/* Writes back as much of the backlog as the send buffer takes and reopens
 * the receive window by just that much, so a peer that does not read its
 * echo sees the window close (back pressure) instead of us queueing without
 * bound.  Once the peer's FIN is in and everything before it is written,
 * closes: lwIP queues our FIN behind the echoed data.  What does not fit now
 * is retried from the sent callback (an ACK freed room) or the poll callback
 * (tcp_write or tcp_close ran out of memory).  Returns ERR_ABRT if it
 * aborted the connection; c is then freed. */
static err_t echo_pump(struct echo_conn *c)
{
    struct tcp_pcb *pcb = c->pcb;
    char chunk[TCP_MSS];

    while (c->backlog != NULL) {
        u16_t n = c->backlog->tot_len;
        if (n == 0) { /* only empty pbufs left */
            pbuf_free(c->backlog);
            c->backlog = NULL;
            break;
        }
        if (n > tcp_sndbuf(pcb))
            n = tcp_sndbuf(pcb);
        if (n > sizeof chunk)
            n = sizeof chunk;
        if (n == 0)
            break;
        pbuf_copy_partial(c->backlog, chunk, n, 0);
        err_t err = tcp_write(pcb, chunk, n, TCP_WRITE_FLAG_COPY);
        if (err == ERR_MEM)
            break; /* send queue full (TCP_SND_QUEUELEN): retried later */
        if (err != ERR_OK)
            return echo_abort(c);
        c->backlog = pbuf_free_header(c->backlog, n);
        tcp_recved(pcb, n);
    }
    if (c->backlog == NULL && c->peer_fin) {
        if (tcp_close(pcb) == ERR_OK) {
            echo_detach(pcb);
            echo_forget(c);
            return ERR_OK;
        }
        /* Out of memory for the FIN: the poll callback tries again. */
    }
    tcp_output(pcb);
    return ERR_OK;
}

static err_t echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p,
                       err_t err)
{
    struct echo_conn *c = arg;
    (void)pcb;
    (void)err; /* always ERR_OK in lwIP 2.1 */
    if (p == NULL)
        c->peer_fin = true;
    else if (c->backlog == NULL)
        c->backlog = p;
    else
        pbuf_cat(c->backlog, p); /* takes over our reference to p */
    return echo_pump(c);
}

static err_t echo_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)pcb;
    (void)len;
    return echo_pump(arg);
}

static err_t echo_poll(void *arg, struct tcp_pcb *pcb)
{
    (void)pcb;
    return echo_pump(arg);
}

/* The pcb is already freed by lwIP (RST received, retransmissions given
 * up): only our side is left to free. */
static void echo_err(void *arg, err_t err)
{
    (void)err;
    if (arg != NULL)
        echo_forget(arg);
}

static err_t echo_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL)
        return ERR_VAL; /* lwIP could not allocate the new pcb */
    struct echo_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    c->pcb = pcb;
    tcp_arg(pcb, c);
    tcp_recv(pcb, echo_recv);
    tcp_sent(pcb, echo_sent);
    tcp_err(pcb, echo_err);
    tcp_poll(pcb, echo_poll, 1); /* every TCP_SLOW_INTERVAL (500 ms) */
    return ERR_OK;
}

/* ---- the closing service --------------------------------------------- */

/* Closes at once: lwIP sends its FIN right after the handshake's last ACK.
 * The pcb keeps lwIP's default receive callback; data arriving after our
 * close is answered with RST (lwIP aborts a pcb whose receive side is
 * closed), a FIN is acknowledged. */
static err_t close_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL)
        return ERR_VAL;
    if (tcp_close(pcb) != ERR_OK) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    return ERR_OK;
}

/* ---- setup ------------------------------------------------------------ */

static u16_t parse_port(const char *s, const char *opt)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s < '0' || *s > '9' || *end != '\0' || v < 1 || v > 65535)
        fail("%s: not a port (1-65535): %s", opt, s);
    return (u16_t)v;
}

/* "ADDR/LEN" into its address and its prefix length (-1 without "/"). */
static int split_prefix(const char *arg, char *addr, size_t size,
                        const char *opt)
{
    const char *slash = strchr(arg, '/');
    size_t len = slash != NULL ? (size_t)(slash - arg) : strlen(arg);
    if (len == 0 || len >= size)
        fail("%s: not an address: %s", opt, arg);
    memcpy(addr, arg, len);
    addr[len] = '\0';
    if (slash == NULL)
        return -1;
    char *end;
    long v = strtol(slash + 1, &end, 10);
    if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || v > 128)
        fail("%s: not a prefix length: %s", opt, arg);
    return (int)v;
}

static void parse_addr4(const char *arg, ip4_addr_t *addr, ip4_addr_t *mask,
                        const char *opt)
{
    char buf[IP4ADDR_STRLEN_MAX];
    int len = split_prefix(arg, buf, sizeof buf, opt);
    if (!ip4addr_aton(buf, addr))
        fail("%s: not an IPv4 address: %s", opt, arg);
    if (mask == NULL) {
        if (len >= 0)
            fail("%s: no prefix length here: %s", opt, arg);
        return;
    }
    if (len < 0 || len > 32)
        fail("%s: needs ADDR/LEN, LEN 0-32: %s", opt, arg);
    ip4_addr_set_u32(mask, lwip_htonl(len == 0 ? 0 : 0xffffffffu << (32 - len)));
}

static void parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longs[] = {
        {"tap", required_argument, NULL, 't'},
        {"addr", required_argument, NULL, 'a'},
        {"addr6", required_argument, NULL, '6'},
        {"gw", required_argument, NULL, 'g'},
        {"echo-port", required_argument, NULL, 'e'},
        {"close-port", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    bool have_addr = false, have_gw = false;
    int ch;

    memset(o, 0, sizeof *o);
    o->echo_port = 7;   /* RFC 862 */
    o->close_port = 13; /* daytime's port, which also closes right away */
    opterr = 0;         /* our own one-line message instead */
    while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (ch) {
        case 't':
            if (optarg[0] == '\0' || strlen(optarg) >= IFNAMSIZ)
                fail("--tap: not an interface name: %s", optarg);
            o->tap = optarg;
            break;
        case 'a':
            parse_addr4(optarg, &o->addr, &o->mask, "--addr");
            have_addr = true;
            break;
        case 'g':
            parse_addr4(optarg, &o->gw, NULL, "--gw");
            have_gw = true;
            break;
        case '6': {
#if LWIP_IPV6
            char buf[IP6ADDR_STRLEN_MAX];
            int len = split_prefix(optarg, buf, sizeof buf, "--addr6");
            if (!ip6addr_aton(buf, &o->addr6) || ip6_addr_islinklocal(&o->addr6)
                || ip6_addr_ismulticast(&o->addr6))
                fail("--addr6: not a global IPv6 address: %s", optarg);
            /* lwIP gives a static address an implied /64 on-link prefix and
             * knows no other length. */
            if (len != 64)
                fail("--addr6: lwIP supports only ADDR/64: %s", optarg);
            o->have6 = true;
#else
            fail("--addr6: this liblwip was built without IPv6");
#endif
            break;
        }
        case 'e':
            o->echo_port = parse_port(optarg, "--echo-port");
            break;
        case 'c':
            o->close_port = parse_port(optarg, "--close-port");
            break;
        default:
            fail("usage: lwip-echo --tap NAME --addr A.B.C.D/LEN --gw A.B.C.D "
                 "[--addr6 X:..:Y/64] [--echo-port N] [--close-port N]");
        }
    }
    if (optind != argc)
        fail("unexpected argument: %s", argv[optind]);
    if (o->tap == NULL || !have_addr || !have_gw)
        fail("--tap, --addr and --gw are required");
    if (o->echo_port == o->close_port)
        fail("--echo-port and --close-port are both %u", o->echo_port);
}

/* Needs the core lock. */
static void bring_up(struct tap *t, const struct options *o)
{
    struct netif *nif = &t->netif;

    if (netif_add(nif, &o->addr, &o->mask, &o->gw, t, tap_netif_init,
                  tcpip_input) == NULL)
        fail("lwIP refused the netif for %s", t->name);
    netif_set_default(nif);
    netif_set_link_up(nif);
    netif_set_up(nif); /* announces the address: one gratuitous ARP */
#if LWIP_IPV6
    if (o->have6) {
        s8_t idx;
        /* A tap hears every frame, so it can join the solicited-node
         * multicast group; without the flag lwIP (built with MLD) drops the
         * neighbour solicitations for its own address. */
        nif->flags |= NETIF_FLAG_MLD6;
        if (netif_add_ip6_address(nif, &o->addr6, &idx) != ERR_OK)
            fail("--addr6: lwIP refused the address");
        /* Preferred at once, skipping duplicate address detection: this
         * namespace's link has only us and the kernel, and "ready" should
         * mean IPv6 works too, not in a second. */
        netif_ip6_addr_set_state(nif, idx, IP6_ADDR_PREFERRED);
    }
#if LWIP_IPV6_SEND_ROUTER_SOLICIT
    /* No router solicitations: the address is static, and nothing should
     * go to ff02::2. */
    nif->rs_count = 0;
#endif
#endif
}

/* Needs the core lock.  One pcb for IPv4 and IPv6 alike. */
static void listen_on(u16_t port, tcp_accept_fn accept, const char *what)
{
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_ANY);
    if (pcb == NULL)
        fail("%s: out of memory", what);
    err_t err = tcp_bind(pcb, IP_ANY_TYPE, port);
    if (err != ERR_OK)
        fail("%s: cannot bind port %u (lwIP error %d)", what, port, err);
    struct tcp_pcb *lpcb =
        tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &err);
    if (lpcb == NULL)
        fail("%s: cannot listen on port %u (lwIP error %d)", what, port, err);
    tcp_accept(lpcb, accept);
}

int main(int argc, char **argv)
{
    struct options o;
    struct tap tap;
    pthread_t reader;
    sigset_t stop;
    int sig;

    parse_args(argc, argv, &o);
    memset(&tap, 0, sizeof tap);
    tap.name = o.tap;
    tap_open(&tap);

    /* Blocked before any thread starts (lwIP's, our reader), which all
     * inherit the mask: the signals then wait for sigwait() below instead of
     * hitting some thread. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    if (pthread_sigmask(SIG_BLOCK, &stop, NULL) != 0)
        fail("pthread_sigmask failed");

    /* lwip_init() runs here; the tcpip thread runs the stack (input, timers,
     * our callbacks).  Under the core lock this thread may call the raw API
     * too. */
    tcpip_init(NULL, NULL);
    LOCK_TCPIP_CORE();
    bring_up(&tap, &o);
    listen_on(o.echo_port, echo_accept, "--echo-port");
    listen_on(o.close_port, close_accept, "--close-port");
    UNLOCK_TCPIP_CORE();
    /* Frames only once the netif is complete. */
    if (pthread_create(&reader, NULL, tap_reader, &tap) != 0)
        fail("cannot start the reading thread");

    if (puts("ready") == EOF || fflush(stdout) == EOF)
        fail("cannot write to stdout");

    if (sigwait(&stop, &sig) != 0)
        fail("sigwait failed");
    /* Hold the stack still while exiting: tap lives in this frame, and the
     * tcpip thread must not run the stack while the process winds down. */
    LOCK_TCPIP_CORE();
    exit(EXIT_SUCCESS);
}
