/* A craft session: one libnet context whose protocol blocks are rebuilt in
 * place for every segment, and the bytes libnet assembles from them.
 *
 * Block order is fixed at the first build, innermost first: options, TCP,
 * IP, then Ethernet when framing.  The options block always exists (maybe
 * empty) so a later segment with options has its place before the TCP block.
 * Every build goes options -> TCP -> IP with explicit lengths: libnet 1.1.6
 * patches ip_len in network order when options change size, and reads th_off
 * from the options block at TCP build time.
 *
 * The frame handed back is what libnet_pblock_coalesce() produced, the same
 * routine libnet_write() uses; ts_craft_write() hands those bytes to libnet's
 * raw/link writer.  So `-w` (a build-only LIBNET_NONE context) and a real
 * send assemble identical bytes; tests/craft/root-netns.sh checks the wire.
 */
#include <errno.h>
#include <libnet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>

#include "tcpshake/craft.h"

/* One queued frame for a batched send. */
struct batch_slot {
    uint8_t *buf;
    uint32_t len, cap;
    struct sockaddr_storage to;
    socklen_t tolen;
};

struct ts_craft_session {
    libnet_t *l;
    enum ts_craft_via via;
    uint8_t family;
    bool ether;
    uint8_t src_mac[6], dst_mac[6];

    libnet_ptag_t opt_tag, tcp_tag, ip_tag, eth_tag;
    bool built;                     /* blocks exist */
    uint8_t opt_bytes[TS_CRAFT_OPT_MAX]; /* padded options now in the block */
    int opt_len;

    uint8_t *pkt;                   /* last coalesced frame (libnet's malloc) */
    uint32_t pkt_len;
    int pkt_aligner;                /* offset libnet added on LINK contexts */

    uint8_t *ipbuf;                 /* ts_craft_send_ip's frame */
    uint32_t ipcap;

    struct sockaddr_ll ll;          /* LINK: where libnet_write_link() sends */
    struct batch_slot q[TS_CRAFT_BATCH];
    unsigned q_head, q_len;         /* queued frames: q[q_head .. q_len) */
    uint16_t gso_mss;               /* LINK: see ts_craft_session_cfg */
};

/* libnet's messages end in a newline (and name an internal function). */
static void copy_libnet_err(char *err, size_t errlen, const char *what,
                            const char *msg)
{
    size_t n = strlen(msg);

    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    snprintf(err, errlen, "%s: %.*s", what, (int)n, msg);
}

struct ts_craft_session *ts_craft_open(const struct ts_craft_session_cfg *cfg,
                                 char *err, size_t errlen)
{
    char ebuf[LIBNET_ERRBUF_SIZE];
    struct ts_craft_session *s;
    const char *dev = NULL;
    int type;

    if (cfg->family != 4 && cfg->family != 6) {
        snprintf(err, errlen, "session: family must be 4 or 6, not %u",
                 (unsigned)cfg->family);
        return NULL;
    }
    switch (cfg->via) {
    case TS_CRAFT_VIA_BUILD:
        type = LIBNET_NONE;
        break;
    case TS_CRAFT_VIA_RAW:
        type = cfg->family == 4 ? LIBNET_RAW4 : LIBNET_RAW6;
        if (cfg->iface && cfg->family == 4) {
            /* libnet's RAW4 ignores the device (see docs/craft.md). */
            snprintf(err, errlen, "session: a raw IPv4 socket cannot be bound "
                     "to %s: send on the link layer instead", cfg->iface);
            return NULL;
        }
        dev = cfg->iface;
        break;
    case TS_CRAFT_VIA_LINK:
        type = LIBNET_LINK;
        if (!cfg->iface) {
            snprintf(err, errlen, "session: link-layer sending needs an "
                     "interface");
            return NULL;
        }
        dev = cfg->iface;
        break;
    default:
        snprintf(err, errlen, "session: unknown way to send (%d)",
                 (int)cfg->via);
        return NULL;
    }

    s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "session: %s", strerror(errno));
        return NULL;
    }
    s->via = cfg->via;
    s->family = cfg->family;
    s->ether = cfg->via == TS_CRAFT_VIA_LINK || cfg->ether;
    memcpy(s->src_mac, cfg->src_mac, 6);
    memcpy(s->dst_mac, cfg->dst_mac, 6);

    ebuf[0] = '\0';
    s->l = libnet_init(type, dev, ebuf);
    if (!s->l) {
        copy_libnet_err(err, errlen, "libnet_init", ebuf);
        free(s);
        return NULL;
    }
    if (cfg->set_mark && cfg->via != TS_CRAFT_VIA_BUILD) {
        int fd = libnet_getfd(s->l);
        if (setsockopt(fd, SOL_SOCKET, SO_MARK, &cfg->mark,
                       sizeof(cfg->mark)) < 0) {
            snprintf(err, errlen, "SO_MARK %u: %s", (unsigned)cfg->mark,
                     strerror(errno));
            ts_craft_close(s);
            return NULL;
        }
    }
    if (cfg->via == TS_CRAFT_VIA_LINK) {
        /* The address libnet_write_link() builds for every frame (after an
         * ioctl to find the index each time); batches reuse it. */
        s->ll.sll_family = AF_PACKET;
        s->ll.sll_protocol = htons(ETH_P_ALL);
        s->ll.sll_ifindex = (int)if_nametoindex(cfg->iface);
    }
    if (cfg->via == TS_CRAFT_VIA_LINK && cfg->gso_mss) {
        int on = 1;
        if (setsockopt(libnet_getfd(s->l), SOL_PACKET, PACKET_VNET_HDR, &on, sizeof on) < 0) {
            snprintf(err, errlen, "PACKET_VNET_HDR (for GSO frames): %s", strerror(errno));
            ts_craft_close(s);
            return NULL;
        }
        s->gso_mss = cfg->gso_mss;
    }
    return s;
}

/* The virtio_net_hdr before a LINK frame of a gso_mss session: a TCP
 * segment's asks for GSO at gso_mss (the kernel ignores it for a segment no
 * longer than that), any other frame's is empty. */
static struct virtio_net_hdr vnet_hdr(const struct ts_craft_session *s, const uint8_t *d,
                                      uint32_t len)
{
    struct virtio_net_hdr h = {0};
    if (len >= 14 + 40) {
        uint16_t type = (uint16_t)(d[12] << 8 | d[13]);
        if (type == 0x0800 && d[14 + 9] == IPPROTO_TCP)
            h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
        else if (type == 0x86dd && d[14 + 6] == IPPROTO_TCP)
            h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
        if (h.gso_type)
            h.gso_size = s->gso_mss;
    }
    return h;
}

/* A LINK frame: through libnet, or after its virtio_net_hdr (gso_mss).
 * Returns what libnet_write_link() would: the frame's bytes written, or -1. */
static int link_write(struct ts_craft_session *s, const uint8_t *d, uint32_t len)
{
    if (!s->gso_mss)
        return libnet_write_link(s->l, d, len);
    struct virtio_net_hdr h = vnet_hdr(s, d, len);
    struct iovec iov[2] = {{&h, sizeof h}, {(void *)d, len}};
    struct msghdr m = {.msg_name = &s->ll, .msg_namelen = sizeof s->ll, .msg_iov = iov,
                       .msg_iovlen = 2};
    ssize_t c = sendmsg(libnet_getfd(s->l), &m, 0);
    return c < (ssize_t)sizeof h ? -1 : (int)(c - (ssize_t)sizeof h);
}

static void free_pkt(struct ts_craft_session *s)
{
    if (s->pkt)
        free(s->pkt - s->pkt_aligner);
    s->pkt = NULL;
    s->pkt_len = 0;
}

void ts_craft_close(struct ts_craft_session *s)
{
    if (!s)
        return;
    free_pkt(s);
    free(s->ipbuf);
    for (unsigned i = 0; i < TS_CRAFT_BATCH; i++)
        free(s->q[i].buf);
    if (s->l)
        libnet_destroy(s->l);
    free(s);
}

const char *ts_craft_lib_version(void)
{
    return libnet_version();
}

int ts_craft_fd(const struct ts_craft_session *s)
{
    return s->via == TS_CRAFT_VIA_BUILD ? -1 : libnet_getfd(s->l);
}

enum ts_craft_via ts_craft_session_via(const struct ts_craft_session *s)
{
    return s->via;
}

static int coalesce(struct ts_craft_session *s, char *err, size_t errlen)
{
    uint8_t *p = NULL;
    uint32_t n = 0;

    free_pkt(s);
    if (libnet_pblock_coalesce(s->l, &p, &n) < 0) {
        copy_libnet_err(err, errlen, "libnet", libnet_geterror(s->l));
        return -1;
    }
    s->pkt = p;
    s->pkt_len = n;
    /* coalesce moves the start past its alignment pad on link contexts
     * only; libnet_write() undoes the same offset before free(). */
    s->pkt_aligner = (s->via == TS_CRAFT_VIA_LINK) ? s->l->aligner : 0;
    return 0;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

int ts_craft_build(struct ts_craft_session *s, const struct ts_craft_seg *seg,
                struct ts_craft_frame *f, char *err, size_t errlen)
{
    uint8_t opt[TS_CRAFT_OPT_MAX];
    uint32_t hlen = s->family == 4 ? LIBNET_IPV4_H : LIBNET_IPV6_H;
    uint32_t ip_off = s->ether ? LIBNET_ETH_H : 0;
    uint32_t tcp_len, ip_len;
    libnet_ptag_t t;
    int plen;

    if (seg->src.family != s->family || seg->dst.family != s->family) {
        snprintf(err, errlen, "segment: addresses are IPv%u -> IPv%u in an "
                 "IPv%u session", (unsigned)seg->src.family,
                 (unsigned)seg->dst.family, (unsigned)s->family);
        return -1;
    }
    if (ts_craft_opts_check(&seg->opt, err, errlen) < 0)
        return -1;
    if (seg->payload_len && !seg->payload) {
        snprintf(err, errlen, "segment: payload length %u without data",
                 (unsigned)seg->payload_len);
        return -1;
    }
    plen = ts_craft_opts_pad(&seg->opt, opt);
    tcp_len = LIBNET_TCP_H + (uint32_t)plen + seg->payload_len;
    ip_len = hlen + tcp_len;
    /* IPv4 total length and IPv6 payload length are both 16 bits. */
    if ((s->family == 4 ? ip_len : tcp_len) > 0xffff) {
        snprintf(err, errlen, "segment: %u bytes of IP packet, more than IP "
                 "can carry (payload %u bytes)", (unsigned)ip_len,
                 (unsigned)seg->payload_len);
        return -1;
    }

    /* 1. options: only when they changed (or to create the block). */
    if (!s->built || plen != s->opt_len ||
        memcmp(opt, s->opt_bytes, (size_t)plen) != 0) {
        t = libnet_build_tcp_options(opt, (uint32_t)plen, s->l, s->opt_tag);
        if (t == -1)
            goto libnet_fail;
        s->opt_tag = t;
        memcpy(s->opt_bytes, opt, (size_t)plen);
        s->opt_len = plen;
    }

    /* 2. TCP, checksum computed by libnet (sum 0 turns it back on after a
     * --bad-checksum segment). */
    t = libnet_build_tcp(seg->sport, seg->dport, seg->seq, seg->ack,
                         seg->flags, seg->win, 0, seg->urp, (uint16_t)tcp_len,
                         seg->payload, seg->payload_len, s->l, s->tcp_tag);
    if (t == -1)
        goto libnet_fail;
    s->tcp_tag = t;

    /* 3. IP, with the total length given explicitly every time. */
    if (s->family == 4) {
        uint32_t src, dst;
        memcpy(&src, seg->src.a, 4); /* network order, whatever libnet's */
        memcpy(&dst, seg->dst.a, 4); /* comments say */
        t = libnet_build_ipv4((uint16_t)ip_len, seg->tos, seg->ip_id,
                              seg->df ? IP_DF : 0, seg->ttl, IPPROTO_TCP, 0,
                              src, dst, NULL, 0, s->l, s->ip_tag);
    } else {
        struct libnet_in6_addr src, dst;
        memcpy(&src, seg->src.a, 16);
        memcpy(&dst, seg->dst.a, 16);
        /* flow label 0: libnet 1.1.6 mangles others */
        t = libnet_build_ipv6(seg->tos, 0, (uint16_t)tcp_len, IPPROTO_TCP,
                              seg->ttl, src, dst, NULL, 0, s->l, s->ip_tag);
    }
    if (t == -1)
        goto libnet_fail;
    s->ip_tag = t;

    /* 4. Ethernet: never changes within a session. */
    if (s->ether && !s->built) {
        t = libnet_build_ethernet(s->dst_mac, s->src_mac,
                                  s->family == 4 ? ETHERTYPE_IP
                                                 : ETHERTYPE_IPV6,
                                  NULL, 0, s->l, 0);
        if (t == -1)
            goto libnet_fail;
        s->eth_tag = t;
    }
    s->built = true;

    if (coalesce(s, err, errlen) < 0)
        return -1;

    if (seg->bad_cksum) {
        /* The right sum is in the frame now; rebuild with it plus one (never
         * the 0/0xffff alias of itself: libnet's sum is never 0xffff) and
         * switch libnet's checksum off for this block — the mode sticks to
         * the ptag, and the next build's sum 0 turns it on again. */
        uint32_t ck = ip_off + hlen + 16;
        uint16_t bad = (uint16_t)(get16(s->pkt + ck) + 1);

        t = libnet_build_tcp(seg->sport, seg->dport, seg->seq, seg->ack,
                             seg->flags, seg->win, bad, seg->urp,
                             (uint16_t)tcp_len, seg->payload, seg->payload_len,
                             s->l, s->tcp_tag);
        if (t == -1)
            goto libnet_fail;
        if (libnet_toggle_checksum(s->l, s->tcp_tag, LIBNET_OFF) == -1)
            goto libnet_fail;
        if (coalesce(s, err, errlen) < 0)
            return -1;
    }

    /* Guard against libnet's length bookkeeping: the frame and its IP length
     * field must be what we asked for. */
    if (s->pkt_len != ip_off + ip_len ||
        get16(s->pkt + ip_off + (s->family == 4 ? 2 : 4)) !=
            (s->family == 4 ? ip_len : tcp_len)) {
        snprintf(err, errlen, "libnet assembled %u bytes, expected %u",
                 (unsigned)s->pkt_len, (unsigned)(ip_off + ip_len));
        return -1;
    }

    f->data = s->pkt;
    f->len = s->pkt_len;
    f->dlt = s->ether ? TS_DLT_EN10MB : TS_DLT_LINKTYPE_RAW;
    f->ip_off = ip_off;
    return 0;

libnet_fail:
    copy_libnet_err(err, errlen, "libnet", libnet_geterror(s->l));
    return -1;
}

/* errno of a failed writer call into err; 1 when it may be tried again */
static int write_failed(int c, uint32_t len, char *err, size_t errlen)
{
    if (c < 0 && (errno == ENOBUFS || errno == EAGAIN || errno == EINTR))
        return 1;
    if (c < 0 && errno == EMSGSIZE)
        snprintf(err, errlen, "send: %u bytes: message too long for the "
                 "path MTU (raw sockets do not fragment)", (unsigned)len);
    else if (c < 0 && errno == EPERM)
        snprintf(err, errlen, "send: %s (a firewall rule dropped it?)",
                 strerror(errno));
    else if (c < 0)
        snprintf(err, errlen, "send: %s", strerror(errno));
    else
        snprintf(err, errlen, "send: %d of %u bytes written", c, (unsigned)len);
    return -1;
}

int ts_craft_send_ip(struct ts_craft_session *s, const uint8_t *ip, uint32_t len,
                     struct ts_craft_frame *f, char *err, size_t errlen)
{
    uint32_t off = s->ether ? LIBNET_ETH_H : 0;
    if (len < 20 || ip[0] >> 4 != s->family) {
        snprintf(err, errlen, "send: not an IPv%u packet", (unsigned)s->family);
        return -1;
    }
    if (s->via == TS_CRAFT_VIA_BUILD) {
        snprintf(err, errlen, "send: a build-only session has no socket");
        return -1;
    }
    if (off + len > s->ipcap) {
        uint8_t *nb = realloc(s->ipbuf, off + len);
        if (!nb) {
            snprintf(err, errlen, "send: out of memory");
            return -1;
        }
        s->ipbuf = nb;
        s->ipcap = off + len;
    }
    if (s->ether) {
        memcpy(s->ipbuf, s->dst_mac, 6);
        memcpy(s->ipbuf + 6, s->src_mac, 6);
        s->ipbuf[12] = s->family == 4 ? 0x08 : 0x86;
        s->ipbuf[13] = s->family == 4 ? 0x00 : 0xdd;
    }
    memcpy(s->ipbuf + off, ip, len);
    f->data = s->ipbuf;
    f->len = off + len;
    f->dlt = s->ether ? TS_DLT_EN10MB : TS_DLT_LINKTYPE_RAW;
    f->ip_off = off;
    errno = 0;
    int c = s->via == TS_CRAFT_VIA_LINK ? link_write(s, s->ipbuf, f->len)
            : s->family == 4           ? libnet_write_raw_ipv4(s->l, s->ipbuf, f->len)
                                       : libnet_write_raw_ipv6(s->l, s->ipbuf, f->len);
    return c == (int)f->len ? 0 : write_failed(c, f->len, err, errlen);
}

int ts_craft_write(struct ts_craft_session *s, const struct ts_craft_frame *f,
                char *err, size_t errlen)
{
    int c;

    if (f->data != s->pkt || f->len != s->pkt_len) {
        snprintf(err, errlen, "send: not this session's last frame");
        return -1;
    }
    errno = 0;
    switch (s->via) {
    case TS_CRAFT_VIA_RAW:
        c = s->family == 4 ? libnet_write_raw_ipv4(s->l, f->data, f->len)
                           : libnet_write_raw_ipv6(s->l, f->data, f->len);
        break;
    case TS_CRAFT_VIA_LINK:
        c = link_write(s, f->data, f->len);
        break;
    case TS_CRAFT_VIA_BUILD:
    default:
        snprintf(err, errlen, "send: a build-only session has no socket");
        return -1;
    }
    if (c == (int)f->len)
        return 0;
    return write_failed(c, f->len, err, errlen);
}

int ts_craft_send(struct ts_craft_session *s, const struct ts_craft_seg *seg,
               struct ts_craft_frame *f, char *err, size_t errlen)
{
    if (ts_craft_build(s, seg, f, err, errlen) < 0)
        return -1;
    return ts_craft_write(s, f, err, errlen);
}

/* ---- batches ------------------------------------------------------------ */

int ts_craft_queue(struct ts_craft_session *s, const struct ts_craft_frame *f,
                char *err, size_t errlen)
{
    struct batch_slot *q;

    if (s->via == TS_CRAFT_VIA_BUILD) {
        snprintf(err, errlen, "send: a build-only session has no socket");
        return -1;
    }
    if (s->q_len == TS_CRAFT_BATCH)
        return 1;
    q = &s->q[s->q_len];
    if (q->cap < f->len) {
        uint8_t *nb = realloc(q->buf, f->len);
        if (!nb) {
            snprintf(err, errlen, "send queue: %s", strerror(errno));
            return -1;
        }
        q->buf = nb;
        q->cap = f->len;
    }
    memcpy(q->buf, f->data, f->len);
    q->len = f->len;
    memset(&q->to, 0, sizeof(q->to));
    if (s->via == TS_CRAFT_VIA_LINK) {
        memcpy(&q->to, &s->ll, sizeof(s->ll));
        q->tolen = sizeof(s->ll);
    } else if (s->family == 4) {
        /* what libnet_write_raw_ipv4() does: the header's destination */
        struct sockaddr_in *sin = (struct sockaddr_in *)&q->to;
        sin->sin_family = AF_INET;
        memcpy(&sin->sin_addr, f->data + f->ip_off + 16, 4);
        q->tolen = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&q->to;
        sin6->sin6_family = AF_INET6;
        memcpy(&sin6->sin6_addr, f->data + f->ip_off + 24, 16);
        q->tolen = sizeof(*sin6);
    }
    s->q_len++;
    return 0;
}

unsigned ts_craft_queued(const struct ts_craft_session *s)
{
    return s->q_len - s->q_head;
}

int ts_craft_flush(struct ts_craft_session *s, unsigned *sent, char *err,
                size_t errlen)
{
    struct mmsghdr m[TS_CRAFT_BATCH];
    struct iovec iov[2 * TS_CRAFT_BATCH];
    struct virtio_net_hdr h[TS_CRAFT_BATCH];
    unsigned n = s->q_len - s->q_head;
    int fd = libnet_getfd(s->l);
    int r;

    *sent = 0;
    if (n == 0)
        return 0;
    memset(m, 0, sizeof(m[0]) * n);
    for (unsigned i = 0; i < n; i++) {
        struct batch_slot *q = &s->q[s->q_head + i];
        struct iovec *v = &iov[2 * i];
        size_t k = 0;
        if (s->gso_mss && s->via == TS_CRAFT_VIA_LINK) {
            h[i] = vnet_hdr(s, q->buf, q->len);
            v[k++] = (struct iovec){.iov_base = &h[i], .iov_len = sizeof h[i]};
        }
        v[k++] = (struct iovec){.iov_base = q->buf, .iov_len = q->len};
        m[i].msg_hdr.msg_iov = v;
        m[i].msg_hdr.msg_iovlen = k;
        m[i].msg_hdr.msg_name = &q->to;
        m[i].msg_hdr.msg_namelen = q->tolen;
    }
    r = sendmmsg(fd, m, n, 0);
    if (r < 0) {
        if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
            return 1;
        snprintf(err, errlen, "send: %s", strerror(errno));
        return -1;
    }
    *sent = (unsigned)r;
    s->q_head += (unsigned)r;
    if (s->q_head < s->q_len)
        return 1; /* the kernel stopped early: call again */
    s->q_head = s->q_len = 0;
    return 0;
}
