/* tcpshake decode: one captured frame -> one host-order `struct ts_seg`.
 *
 * The frame is walked link -> IPv4/IPv6 (options, extension headers) -> TCP
 * (header, options, payload bounds, checksum).  A bounds-checked cursor
 * (struct cur) is the only thing that reads packet bytes; the only raw
 * pointers it hands out are length-checked spans for the checksum loops.  The
 * frame is clamped to min(caplen, wirelen) first, and captured and wire
 * lengths are kept apart from then on: lengths the packet claims are checked
 * against the wire length, reads against the captured length.  Problems are
 * anomaly bits, never prints (RFC 9293 §3.1, RFC 791, RFC 8200).
 *
 * What the caller may read after ts_decode():
 * - always: caplen, wirelen, anomalies, cksum_state, ntun and tun[0..ntun), tun_key, ip_off,
 *   and every other scalar field (zero when decoding did not get that far).
 *   t_ns is never written: it belongs to the caller.
 * - ipver != 0 (IP header wholly captured): ttl, tos, df, ip_id (IPv4 only),
 *   frag_off, more_frags, src, dst.  For IPv6, dst is the header's field even
 *   when a routing header names another final destination.
 * - TS_DEC_TCP: all TCP fields, opt (see below), payload_*.  payload_off is
 *   where the data offset puts the payload; with TS_AN_TRUNC_OPT that is past
 *   the capture (payload_caplen is 0 then).  payload_len comes from the IP
 *   length, or from the wire length for a TSO super-segment (TS_AN_TSO).
 * - TS_DEC_NOT_TCP: the IP fields; for a fragment also TS_AN_FRAG.
 * - TS_DEC_BAD with TS_AN_TRUNC_TCP: the TCP fields whose bytes were captured,
 *   in header order; each field is whole or zero: sport needs 2 TCP bytes,
 *   dport 4, seq 8, ack 12, doff/ae 13, flags 14, win 16, cksum 18, urp 20.
 * - TS_DEC_BAD with TS_AN_BAD_DOFF: all fixed TCP fields; no options/payload.
 * - opt: present, mss, wscale, tsval, tsecr, n, raw_len, sack_n, tfo_len are
 *   always defined; only items[0..n), raw[0..raw_len), sack[0..sack_n) and
 *   tfo_cookie[0..tfo_len) are written, the rest of those arrays is stale.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* inet_ntop under -std=c17 */
#endif

#include "tcpshake/decode.h"
#include "../internal.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

/* ------------------------------------------------------------------------ */
/* The cursor: every read is checked against `left`; a failed read zeroes
 * `left` and sets `trunc`, so every later read fails too and a sequence of
 * reads can be checked once at the end (fields read before the failure are
 * whole, the rest come back 0). */

struct cur {
    const uint8_t *p; /* next byte */
    uint32_t left;    /* readable bytes from p */
    uint32_t off;     /* offset of p from the start of the frame */
    bool trunc;       /* a read wanted more than was left (sticky) */
};

static inline struct cur cur_make(const uint8_t *p, uint32_t len, uint32_t off)
{
    return (struct cur){.p = p, .left = len, .off = off, .trunc = false};
}

static inline bool cur_need(struct cur *c, uint32_t n)
{
    if (c->left >= n)
        return true;
    c->left = 0;
    c->trunc = true;
    return false;
}

static inline void cur_adv(struct cur *c, uint32_t n)
{
    c->p += n;
    c->left -= n;
    c->off += n;
}

static inline uint8_t cur_u8(struct cur *c)
{
    if (!cur_need(c, 1))
        return 0;
    uint8_t v = c->p[0];
    cur_adv(c, 1);
    return v;
}

static inline uint16_t cur_be16(struct cur *c)
{
    if (!cur_need(c, 2))
        return 0;
    uint16_t v = (uint16_t)((unsigned)c->p[0] << 8 | c->p[1]);
    cur_adv(c, 2);
    return v;
}

static inline uint32_t cur_be32(struct cur *c)
{
    if (!cur_need(c, 4))
        return 0;
    uint32_t v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
                 (uint32_t)c->p[2] << 8 | c->p[3];
    cur_adv(c, 4);
    return v;
}

static inline uint32_t cur_le32(struct cur *c)
{
    if (!cur_need(c, 4))
        return 0;
    uint32_t v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 |
                 (uint32_t)c->p[1] << 8 | c->p[0];
    cur_adv(c, 4);
    return v;
}

static inline void cur_skip(struct cur *c, uint32_t n)
{
    if (cur_need(c, n))
        cur_adv(c, n);
}

static inline void cur_copy(struct cur *c, uint8_t *dst, uint32_t n)
{
    if (!cur_need(c, n))
        return;
    memcpy(dst, c->p, n);
    cur_adv(c, n);
}

/* Look at the next byte without consuming it; false if there is none. */
static inline bool cur_peek_u8(const struct cur *c, uint8_t *v)
{
    if (c->left < 1)
        return false;
    *v = c->p[0];
    return true;
}

/* Move the next n bytes into their own cursor. */
static inline bool cur_take(struct cur *c, uint32_t n, struct cur *sub)
{
    if (!cur_need(c, n))
        return false;
    *sub = cur_make(c->p, n, c->off);
    cur_adv(c, n);
    return true;
}

/* The next n bytes as a pointer (for the checksum loop), or NULL. */
static inline const uint8_t *cur_span(struct cur *c, uint32_t n)
{
    if (!cur_need(c, n))
        return NULL;
    const uint8_t *p = c->p;
    cur_adv(c, n);
    return p;
}

/* Forget bytes past n (link-layer padding beyond the IP length). */
static inline void cur_limit(struct cur *c, uint32_t n)
{
    if (c->left > n)
        c->left = n;
}

/* ------------------------------------------------------------------------ */
/* RFC 1071 Internet checksum.  The one's complement sum is the sum modulo
 * 0xffff, and 2^16 == 1 there, so adding big-endian 32-bit words into 64-bit
 * accumulators and folding at the end gives the same result as adding 16-bit
 * words.  Each 8-byte load becomes one load and a byte swap; two accumulators
 * keep two additions in flight (about 1.5x the speed of one). */

/* Big-endian loads from bytes already known to be there. */
static inline uint16_t be16_at(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t be32_at(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t be64_at(const uint8_t *p)
{
    return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
           (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
           (uint64_t)p[6] << 8 | p[7];
}

/* Unfolded sum of n bytes at p; each step adds < 2^33, so no overflow for
 * any uint32_t n. */
static uint64_t sum_bytes(const uint8_t *p, uint32_t n)
{
    uint64_t s = 0, t = 0;
    for (; n >= 16; p += 16, n -= 16) {
        uint64_t w = be64_at(p), v = be64_at(p + 8);
        s += (w >> 32) + (w & 0xffffffffu);
        t += (v >> 32) + (v & 0xffffffffu);
    }
    s += t;
    if (n >= 8) {
        uint64_t w = be64_at(p);
        s += (w >> 32) + (w & 0xffffffffu);
        p += 8;
        n -= 8;
    }
    if (n >= 4) {
        s += (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
             (uint32_t)p[2] << 8 | p[3];
        p += 4;
        n -= 4;
    }
    if (n >= 2) {
        s += (uint32_t)p[0] << 8 | p[1];
        p += 2;
        n -= 2;
    }
    if (n)
        s += (uint32_t)p[0] << 8; /* odd byte, padded with a zero */
    return s;
}

static uint16_t sum_fold(uint64_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* TCP pseudo-header (RFC 9293 §3.1; RFC 8200 §8.1 for IPv6): addresses,
 * protocol 6 and the TCP length.  The IPv4 length is 16 bits, the IPv6 one 32;
 * summed as two 16-bit halves both come out the same for lengths < 64 KiB. */
static uint64_t sum_pseudo(uint8_t family, const uint8_t *src,
                           const uint8_t *dst, uint32_t tcp_len)
{
    uint32_t alen = family == 6 ? 16 : 4;
    return sum_bytes(src, alen) + sum_bytes(dst, alen) + 6 +
           (tcp_len >> 16) + (tcp_len & 0xffff);
}

/* ------------------------------------------------------------------------ */
/* The flow hash: each side mixed on its own (address words, port, family),
 * the two sides added, so the order does not matter.  One side: its address as two native 8-byte words (zero past an IPv4
 * address), its port and family. */
static inline uint64_t side_mix(uint64_t w0, uint64_t w1, uint8_t family, uint16_t port)
{
    uint64_t h = (w0 ^ (w1 * 0x9e3779b97f4a7c15ull)) + port + ((uint64_t)family << 20);
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

static inline uint64_t side_hash(const struct ts_addr *a, uint16_t port)
{
    uint64_t w0, w1;
    memcpy(&w0, a->a, 8);
    memcpy(&w1, a->a + 8, 8);
    return side_mix(w0, w1, a->family, port);
}

static inline uint32_t flow_hash_mix(uint64_t h)
{
    h ^= h >> 31;
    uint32_t v = (uint32_t)(h * 0x94d049bb133111ebull >> 32);
    return v ? v : 1;
}

uint32_t ts_flow_hash(const struct ts_addr *a, uint16_t pa, const struct ts_addr *b,
                      uint16_t pb)
{
    return flow_hash_mix(side_hash(a, pa) + side_hash(b, pb));
}

/* side_hash of the address at p (4 or 16 bytes, as in the packet), without
 * reading it back from a struct ts_addr just written: such a load spans
 * the address's store and the zeroing before it, and waits for both. */
static inline uint64_t side_hash_raw(const uint8_t *p, uint8_t family, uint16_t port)
{
    uint64_t w0 = 0, w1 = 0;
    if (family == 4) {
        memcpy(&w0, p, 4);
    } else {
        memcpy(&w0, p, 8);
        memcpy(&w1, p + 8, 8);
    }
    return side_mix(w0, w1, family, port);
}

uint16_t ts_tcp_cksum_sum(const struct ts_addr *src, const struct ts_addr *dst,
                          const uint8_t *tcp, uint32_t len)
{
    return sum_fold(sum_pseudo(src->family, src->a, dst->a, len) +
                    sum_bytes(tcp, len));
}

/* ------------------------------------------------------------------------ */
/* Link layer */

enum l3 { L3_V4, L3_V6, L3_BY_VERSION };

enum {
    ETH_IPV4 = 0x0800,
    ETH_IPV6 = 0x86dd,
    ETH_8021Q = 0x8100,
    ETH_8021AD = 0x88a8,
    ETH_QINQ_OLD = 0x9100, /* pre-802.1ad vendor QinQ */
    ETH_MPLS = 0x8847,
    ETH_MPLS_MC = 0x8848,
    ETH_PPPOE = 0x8864,    /* PPPoE session stage */
    ETH_TEB = 0x6558,      /* transparent Ethernet bridging (GRE, Geneve) */
    ETH_ERSPAN12 = 0x88be, /* ERSPAN type I and II, in GRE */
    ETH_ERSPAN3 = 0x22eb,  /* ERSPAN type III, in GRE */
};

/* Address families seen in DLT_NULL / DLT_LOOP headers: Linux, the BSDs,
 * FreeBSD, Darwin all number AF_INET6 differently. */
static bool af_is_ipv6(uint32_t af)
{
    return af == 10 || af == 24 || af == 28 || af == 30;
}

/* What follows a layer: an EtherType to look at, or an IP header. */
enum next { N_ETYPE, N_IP };

/* Step over the link header.  TS_DEC_TCP means "go on": with *next ==
 * N_IP, an IP header of version *l3 follows; with N_ETYPE, *etype names
 * what follows (VLAN tags and tunnels are the walker's). */
static enum ts_decode_status link_decode(int dlt, struct cur *c, enum next *next,
                                         uint16_t *etype, enum l3 *l3)
{
    uint32_t af;

    *next = N_ETYPE;
    switch (dlt) {
    case TS_DLT_EN10MB:
        cur_skip(c, 12); /* destination, source MAC */
        *etype = cur_be16(c);
        break;
    case TS_DLT_LINUX_SLL:
        /* packet type 2, ARPHRD 2, address length 2, address 8, protocol 2;
         * libpcap re-inserts VLAN tags after this header */
        cur_skip(c, 14);
        *etype = cur_be16(c);
        break;
    case TS_DLT_LINUX_SLL2:
        /* protocol 2, reserved 2, ifindex 4, ARPHRD 2, packet type 1,
         * address length 1, address 8 */
        *etype = cur_be16(c);
        cur_skip(c, 18);
        break;
    case TS_DLT_NULL:
        /* host order of the capturing machine; like tcpdump, a value with
         * bits in the upper half must be the other byte order */
        af = cur_le32(c);
        if (c->trunc)
            break;
        if (af & 0xffff0000u)
            af = (af >> 24) | ((af >> 8) & 0xff00) | ((af & 0xff00) << 8) |
                 ((af & 0xff) << 24);
        if (af == 2)
            *etype = ETH_IPV4;
        else if (af_is_ipv6(af))
            *etype = ETH_IPV6;
        else
            return TS_DEC_NOT_IP;
        break;
    case TS_DLT_LOOP:
        af = cur_be32(c);
        if (af == 2)
            *etype = ETH_IPV4;
        else if (af_is_ipv6(af))
            *etype = ETH_IPV6;
        else if (!c->trunc)
            return TS_DEC_NOT_IP;
        break;
    case TS_DLT_RAW:
    case TS_DLT_RAW_ALT:
    case TS_DLT_LINKTYPE_RAW:
        *next = N_IP;
        *l3 = L3_BY_VERSION;
        return TS_DEC_TCP;
    case TS_DLT_IPV4:
        *next = N_IP;
        *l3 = L3_V4;
        return TS_DEC_TCP;
    case TS_DLT_IPV6:
        *next = N_IP;
        *l3 = L3_V6;
        return TS_DEC_TCP;
    default:
        return TS_DEC_BAD_LINK;
    }
    if (c->trunc) {
        c->trunc = true;
        return TS_DEC_BAD;
    }
    return TS_DEC_TCP;
}

/* ------------------------------------------------------------------------ */
/* Network layer: each decoder leaves the TCP segment in a struct l4. */

struct l4 {
    struct cur tcp;       /* the captured part of the TCP segment */
    const uint8_t *src_p, *dst_p; /* the fast path: the addresses in the packet */
    uint32_t wire;        /* TCP segment length on the wire (from IP) */
    bool no_verify;       /* a first fragment: the sum cannot be checked */
    bool have_final_dst;  /* pseudo-header destination differs from dst */
    uint8_t final_dst[16];
    uint8_t proto;        /* the IP payload's protocol (also when not TCP) */
};

/* IPv4 loose/strict source route (RFC 791 §3.1): while the route is not
 * used up, the sender's pseudo-header used the final destination, the last
 * address in the route; once it is, the header's destination is final. */
static void ip4_options(struct cur *o, struct l4 *x)
{
    while (o->left > 0) {
        uint8_t type = cur_u8(o);
        if (type == 0) /* end of option list */
            return;
        if (type == 1) /* no-op */
            continue;
        uint8_t len = cur_u8(o);
        struct cur body;
        if (len < 2 || !cur_take(o, (uint32_t)len - 2, &body))
            return; /* malformed: the sum will just come out wrong */
        if ((type == 131 || type == 137) && len >= 7 && (len - 3) % 4 == 0) {
            uint8_t ptr = cur_u8(&body); /* 1-based, points at the next hop */
            if (ptr > len)
                continue;
            cur_skip(&body, (uint32_t)len - 3 - 4); /* all but the last */
            cur_copy(&body, x->final_dst, 4);
            x->have_final_dst = !body.trunc;
        }
    }
}

static enum ts_decode_status ip4_decode(struct cur *c, uint32_t wire_left,
                                        bool verify, struct ts_seg *s,
                                        struct l4 *x)
{
    uint8_t vihl;
    if (!cur_peek_u8(c, &vihl)) {
        s->anomalies |= TS_AN_TRUNC_IP;
        return TS_DEC_BAD;
    }
    uint32_t hl = (vihl & 0x0fu) * 4;
    if (vihl >> 4 != 4 || hl < 20) {
        s->anomalies |= TS_AN_BAD_IP;
        return TS_DEC_BAD;
    }
    struct cur hcur = *c; /* for the header checksum */
    struct cur h;
    s->ip_off = (uint16_t)(c->off > UINT16_MAX ? UINT16_MAX : c->off);
    if (!cur_take(c, hl, &h)) {
        s->anomalies |= TS_AN_TRUNC_IP;
        return TS_DEC_BAD;
    }
    cur_skip(&h, 1); /* version, IHL */
    s->tos = cur_u8(&h);
    uint32_t tot = cur_be16(&h);
    s->ip_id = cur_be16(&h);
    uint16_t fo = cur_be16(&h);
    s->ttl = cur_u8(&h);
    uint8_t proto = cur_u8(&h);
    cur_skip(&h, 2); /* header checksum: summed with the rest below */
    /* an outer IPv6 header may have filled all 16 bytes */
    memset(&s->src, 0, sizeof s->src);
    memset(&s->dst, 0, sizeof s->dst);
    cur_copy(&h, s->src.a, 4);
    cur_copy(&h, s->dst.a, 4);
    assert(!h.trunc); /* hl >= 20 bytes were taken */
    s->src.family = s->dst.family = 4;
    s->ipver = 4;
    s->df = (fo & 0x4000) != 0;
    s->more_frags = (fo & 0x2000) != 0;
    s->frag_off = (uint32_t)(fo & 0x1fff) * 8;

    /* Total length, checked against the wire.  0 with bytes behind the
     * header is a TSO/GSO super-segment captured on the sending host (and
     * Linux BIG TCP): the wire length is the truth then.  Anything shorter
     * than claimed is clamped; anything longer is link padding. */
    uint32_t ip_len;
    bool tso = false;
    if (tot == 0 && wire_left > hl) {
        s->anomalies |= TS_AN_TSO;
        ip_len = wire_left;
        tso = true;
    } else if (tot < hl) {
        s->anomalies |= TS_AN_BAD_IP;
        return TS_DEC_BAD;
    } else if (tot > wire_left) {
        s->anomalies |= TS_AN_BAD_IPLEN;
        ip_len = wire_left; /* >= hl: the header was captured */
    } else {
        ip_len = tot;
    }

    /* The NIC fills in the header sum of a TSO super-segment's pieces. */
    if (verify && !tso &&
        sum_fold(sum_bytes(cur_span(&hcur, hl), hl)) != 0xffff)
        s->anomalies |= TS_AN_BAD_IPCKSUM;

    if (s->more_frags || s->frag_off)
        s->anomalies |= TS_AN_FRAG;
    cur_limit(c, ip_len - hl);
    x->tcp = *c;
    x->wire = ip_len - hl;
    x->proto = proto;
    x->no_verify = s->more_frags;
    if (proto != 6 || s->frag_off)
        return TS_DEC_NOT_TCP;

    if (hl > 20 && verify)
        ip4_options(&h, x);
    return TS_DEC_TCP;
}

/* IPv6 routing header (RFC 8200 §4.4): while segments are left, the final
 * destination -- the one the sender's checksum used (§8.1) -- is inside it. */
static void ip6_routing(struct cur *r, struct l4 *x)
{
    uint8_t hdr_len = cur_u8(r); /* 8-octet units after the first 8 */
    uint8_t type = cur_u8(r);
    uint8_t seg_left = cur_u8(r);
    if (seg_left == 0)
        return; /* the header's destination is already the final one */
    cur_skip(r, 4); /* type 0/2 reserved; SRH last entry, flags, tag */
    switch (type) {
    case 0: /* RFC 2460 type 0 (deprecated): the last address */
        if (hdr_len < 2)
            return;
        cur_skip(r, ((uint32_t)hdr_len / 2 - 1) * 16);
        break;
    case 2: /* RFC 6275 type 2: the home address */
    case 4: /* RFC 8754 SRH: Segment List[0] is the final segment */
        break;
    default:
        return;
    }
    cur_copy(r, x->final_dst, 16);
    x->have_final_dst = !r->trunc;
}

enum {
    IP6_HOPOPTS = 0,
    IP6_TCP = 6,
    IP6_ROUTING = 43,
    IP6_FRAGMENT = 44,
    IP6_AH = 51,
    IP6_DSTOPTS = 60,
};

static enum ts_decode_status ip6_decode(struct cur *c, uint32_t wire_left,
                                        bool verify, struct ts_seg *s,
                                        struct l4 *x)
{
    uint8_t b0;
    if (!cur_peek_u8(c, &b0)) {
        s->anomalies |= TS_AN_TRUNC_IP;
        return TS_DEC_BAD;
    }
    if (b0 >> 4 != 6) {
        s->anomalies |= TS_AN_BAD_IP;
        return TS_DEC_BAD;
    }
    struct cur h;
    s->ip_off = (uint16_t)(c->off > UINT16_MAX ? UINT16_MAX : c->off);
    if (!cur_take(c, 40, &h)) {
        s->anomalies |= TS_AN_TRUNC_IP;
        return TS_DEC_BAD;
    }
    uint32_t vtf = cur_be32(&h); /* version, traffic class, flow label */
    uint32_t plen = cur_be16(&h);
    uint8_t nh = cur_u8(&h);
    s->ttl = cur_u8(&h);
    cur_copy(&h, s->src.a, 16);
    cur_copy(&h, s->dst.a, 16);
    assert(!h.trunc);
    s->tos = (uint8_t)(vtf >> 20);
    s->src.family = s->dst.family = 6;
    s->ipver = 6;

    /* Payload length 0 is a jumbogram (RFC 2675) or, in practice, a GSO /
     * BIG TCP super-segment seen on the sender: use the wire length, and
     * call it TSO once we know TCP follows (Ethernet padding after an empty
     * non-TCP packet must not look like one). */
    uint32_t wire = wire_left - 40; /* the header was captured */
    if (plen > wire)
        s->anomalies |= TS_AN_BAD_IPLEN;
    else if (plen != 0)
        wire = plen;
    cur_limit(c, wire);

    /* Extension headers (RFC 8200 §4); `wire` counts what is left of the
     * payload on the wire, c->left what is left of it captured. */
    bool first = true;
    for (;; first = false) {
        if (nh == IP6_HOPOPTS && !first) {
            s->anomalies |= TS_AN_BAD_EXTHDR; /* only right after the header */
            return TS_DEC_BAD;
        }
        if (nh != IP6_HOPOPTS && nh != IP6_ROUTING && nh != IP6_DSTOPTS &&
            nh != IP6_FRAGMENT && nh != IP6_AH)
            break;
        if (wire < 8) {
            s->anomalies |= TS_AN_BAD_EXTHDR;
            return TS_DEC_BAD;
        }
        struct cur e = *c;
        uint8_t next = cur_u8(&e);
        uint8_t units = cur_u8(&e); /* length; the unit depends on the type */
        if (e.trunc) {
            s->anomalies |= TS_AN_TRUNC_IP;
            return TS_DEC_BAD;
        }
        uint32_t len;
        if (nh == IP6_FRAGMENT)
            len = 8;
        else if (nh == IP6_AH)
            len = ((uint32_t)units + 2) * 4; /* RFC 4302 §2.2 */
        else
            len = ((uint32_t)units + 1) * 8;
        if (len > wire || (nh == IP6_AH && len < 12)) {
            s->anomalies |= TS_AN_BAD_EXTHDR;
            return TS_DEC_BAD;
        }
        if (!cur_take(c, len, &e)) {
            s->anomalies |= TS_AN_TRUNC_IP;
            return TS_DEC_BAD;
        }
        cur_skip(&e, 1); /* next header, read above */
        if (nh == IP6_ROUTING && verify) {
            ip6_routing(&e, x);
        } else if (nh == IP6_FRAGMENT) {
            cur_skip(&e, 1); /* reserved */
            uint16_t offm = cur_be16(&e);
            /* offset 0 without M is an atomic fragment (RFC 6946): the
             * whole packet, so not a fragment for our purposes */
            if (offm & 0xfff9) {
                s->anomalies |= TS_AN_FRAG;
                s->frag_off = offm & 0xfff8u;
                s->more_frags = offm & 1;
                if (s->frag_off) {
                    x->proto = next;
                    x->wire = 0; /* not the start of the payload */
                    x->tcp = *c;
                    return TS_DEC_NOT_TCP;
                }
                x->no_verify = true;
            }
        }
        nh = next;
        wire -= len;
    }
    x->tcp = *c;
    x->wire = wire;
    x->proto = nh;
    if (nh != IP6_TCP)
        return TS_DEC_NOT_TCP;
    if (plen == 0 && wire > 0)
        s->anomalies |= TS_AN_TSO;
    return TS_DEC_TCP;
}

/* ------------------------------------------------------------------------ */
/* TCP */

/* Is `len` right for an option of this kind? (RFC 9293 §3.2, RFC 7323,
 * RFC 2018, RFC 7413) */
static bool opt_len_ok(uint8_t kind, uint8_t len)
{
    switch (kind) {
    case TS_OPT_MSS:
        return len == 4;
    case TS_OPT_WSCALE:
        return len == 3;
    case TS_OPT_SACKOK:
        return len == 2;
    case TS_OPT_SACK:
        return len >= 10 && (len - 2) % 8 == 0 && (len - 2) / 8 <= TS_MAX_SACK;
    case TS_OPT_TS:
        return len == 10;
    case TS_OPT_TFO:
        return len <= 2 + TS_MAX_TFO_COOKIE;
    default:
        return true; /* len >= 2 was checked */
    }
}

/* An EOL or NOP at offset `at`; true for EOL (the rest is padding). */
static inline bool one_byte_option(struct ts_opts *opt, uint8_t kind, uint32_t at)
{
    opt->items[opt->n++] = (struct ts_opt_item){.kind = kind, .len = 1, .offset = (uint8_t)at};
    if (kind != TS_OPT_EOL)
        return false;
    opt->present |= TS_HAS_EOL;
    return true;
}

/* An option of `len` bytes (checked by opt_len_ok) at offset `at`, its
 * len - 2 bytes of body at `b`, all captured. */
static void store_option(struct ts_opts *opt, uint8_t kind, uint8_t len, uint32_t at,
                         const uint8_t *b)
{
    switch (kind) {
    case TS_OPT_MSS:
        opt->mss = be16_at(b);
        opt->present |= TS_HAS_MSS;
        break;
    case TS_OPT_WSCALE:
        opt->wscale = b[0]; /* raw; > 14 means 14 (RFC 7323 §2.3) */
        opt->present |= TS_HAS_WSCALE;
        break;
    case TS_OPT_SACKOK:
        opt->present |= TS_HAS_SACKOK;
        break;
    case TS_OPT_SACK:
        opt->sack_n = (uint8_t)((len - 2) / 8);
        for (unsigned i = 0; i < opt->sack_n; i++) {
            opt->sack[i][0] = be32_at(b + 8 * i);
            opt->sack[i][1] = be32_at(b + 8 * i + 4);
        }
        opt->present |= TS_HAS_SACK;
        break;
    case TS_OPT_TS:
        opt->tsval = be32_at(b);
        opt->tsecr = be32_at(b + 4);
        opt->present |= TS_HAS_TS;
        break;
    case TS_OPT_TFO:
        opt->tfo_len = (uint8_t)(len - 2);
        if (opt->tfo_len)
            memcpy(opt->tfo_cookie, b, opt->tfo_len);
        opt->present |= TS_HAS_TFO;
        break;
    default: /* MPTCP, MD5, AO, experiments, ... */
        opt->present |= TS_HAS_OTHER;
        break;
    }
    opt->items[opt->n++] = (struct ts_opt_item){.kind = kind, .len = len, .offset = (uint8_t)at};
}

/* Walk the options area: `o` holds the captured option bytes, `area` is its
 * length according to the data offset. */
static void tcp_options(struct cur *o, uint32_t area, struct ts_opts *opt,
                        uint32_t *anomalies)
{
    uint32_t at = 0; /* offset of the next option in the area */
    while (at < area && o->left > 0) {
        uint8_t kind = cur_u8(o);
        if (kind == TS_OPT_EOL || kind == TS_OPT_NOP) {
            if (one_byte_option(opt, kind, at))
                return; /* EOL: the rest is padding */
            at++;
            continue;
        }
        if (at + 2 > area) { /* no room for a length byte */
            *anomalies |= TS_AN_BAD_OPT;
            return;
        }
        uint8_t len = cur_u8(o);
        if (o->trunc)
            return; /* cut by the snaplen: TS_AN_TRUNC_OPT is set */
        if (len < 2 || at + len > area || !opt_len_ok(kind, len)) {
            *anomalies |= TS_AN_BAD_OPT;
            return;
        }
        const uint8_t *body = cur_span(o, (uint32_t)len - 2);
        if (!body && len > 2)
            return; /* cut by the snaplen */
        store_option(opt, kind, len, at, body);
        at += len;
    }
}

/* The checksum of a wholly captured segment, given its pseudo-header sum. */
static void cksum_verdict(struct ts_seg *s, uint64_t ph, const uint8_t *seg, uint32_t len)
{
    if (sum_fold(ph + sum_bytes(seg, len)) == 0xffff) {
        s->cksum_state = TS_CK_GOOD;
        return;
    }
    /* With send-side offload (Linux CHECKSUM_PARTIAL) the stack puts the
     * pseudo-header sum in the field and the NIC finishes it after the
     * capture point; some stacks store its complement. */
    uint16_t phf = sum_fold(ph);
    uint16_t phc = (uint16_t)~phf;
    if (s->cksum == phf || s->cksum == phc) {
        s->cksum_state = TS_CK_OFFLOAD;
    } else {
        s->cksum_state = TS_CK_BAD;
        s->anomalies |= TS_AN_BAD_CKSUM;
    }
}

static enum ts_decode_status tcp_decode(struct l4 *x, bool verify,
                                        struct ts_seg *s)
{
    struct cur *c = &x->tcp;
    struct cur whole = *c; /* for the checksum */
    uint32_t cap = c->left;

    s->sport = cur_be16(c);
    s->dport = cur_be16(c);
    s->seq = cur_be32(c);
    s->ack = cur_be32(c);
    uint8_t offb = cur_u8(c);
    s->flags = cur_u8(c);
    s->win = cur_be16(c);
    s->cksum = cur_be16(c);
    s->urp = cur_be16(c);
    s->doff = (uint8_t)((offb >> 4) * 4);
    s->ae = offb & 1;
    if (c->trunc) {
        s->anomalies |= TS_AN_TRUNC_TCP;
        return TS_DEC_BAD;
    }
    if (s->doff < 20 || s->doff > x->wire) {
        s->anomalies |= TS_AN_BAD_DOFF;
        return TS_DEC_BAD;
    }

    uint32_t area = (uint32_t)s->doff - 20;
    if (area) {
        uint32_t got = c->left < area ? c->left : area;
        struct cur o;
        (void)cur_take(c, got, &o);
        if (got < area)
            s->anomalies |= TS_AN_TRUNC_OPT;
        struct cur r = o;
        cur_copy(&r, s->opt.raw, got);
        s->opt.raw_len = (uint8_t)got;
        tcp_options(&o, area, &s->opt, &s->anomalies);
    }

    s->payload_off = whole.off + s->doff;
    s->payload_len = x->wire - s->doff;
    s->payload_caplen = cap > s->doff ? cap - s->doff : 0;
    if (s->payload_caplen < s->payload_len)
        s->anomalies |= TS_AN_SHORT_CAP;

    if (verify && cap == x->wire && !x->no_verify) {
        const uint8_t *seg = cur_span(&whole, cap);
        const uint8_t *dst = x->have_final_dst ? x->final_dst : s->dst.a;
        cksum_verdict(s, sum_pseudo(s->ipver, s->src.a, dst, cap), seg, cap);
    }
    return TS_DEC_TCP;
}

/* ------------------------------------------------------------------------ */
/* The common case without the cursor: Ethernet II without tags, then IPv4
 * without options, not a fragment, with a sane total length, or IPv6 with
 * TCP right after its header and a payload length that fits the frame.
 * Everything else -- and every error -- is left to the general decoder,
 * which gives the same result for these frames too (test_decode checks the
 * two against each other).  One bounds check covers every read here. */

/* true with *x set up for tcp_decode, false to take the general path (then
 * nothing in s was changed) */
static bool fast_ip(int dlt, const uint8_t *pkt, uint32_t len, uint32_t wirelen, bool verify,
                    struct ts_seg *s, struct l4 *x)
{
    if (dlt != TS_DLT_EN10MB || len < 14 + 40)
        return false;
    uint16_t type = be16_at(pkt + 12);
    const uint8_t *ip = pkt + 14;
    uint32_t wire_left = wirelen - 14; /* len <= wirelen */
    uint32_t cap_left = len - 14;
    uint32_t hl, ip_len;
    if (type == ETH_IPV4 && ip[0] == 0x45) {
        hl = 20;
        ip_len = be16_at(ip + 2);
        uint16_t fo = be16_at(ip + 6);
        if (ip_len < hl || ip_len > wire_left || (fo & 0x3fff) || ip[9] != 6)
            return false;
        if (verify && sum_fold((uint64_t)be32_at(ip) + be32_at(ip + 4) + be32_at(ip + 8) +
                               be32_at(ip + 12) + be32_at(ip + 16)) != 0xffff)
            s->anomalies |= TS_AN_BAD_IPCKSUM;
        s->tos = ip[1];
        s->ip_id = be16_at(ip + 4);
        s->ttl = ip[8];
        s->df = (fo & 0x4000) != 0;
        memcpy(s->src.a, ip + 12, 4);
        memcpy(s->dst.a, ip + 16, 4);
        x->src_p = ip + 12;
        x->dst_p = ip + 16;
        s->src.family = s->dst.family = 4;
        s->ipver = 4;
    } else if (type == ETH_IPV6 && ip[0] >> 4 == 6 && ip[6] == IP6_TCP) {
        hl = 40;
        uint32_t plen = be16_at(ip + 4);
        if (plen == 0 || plen > wire_left - 40)
            return false;
        ip_len = plen + 40;
        s->tos = (uint8_t)(be32_at(ip) >> 20);
        s->ttl = ip[7];
        memcpy(s->src.a, ip + 8, 16);
        memcpy(s->dst.a, ip + 24, 16);
        x->src_p = ip + 8;
        x->dst_p = ip + 24;
        s->src.family = s->dst.family = 6;
        s->ipver = 6;
    } else {
        return false;
    }
    uint32_t tcp_cap = cap_left - hl < ip_len - hl ? cap_left - hl : ip_len - hl;
    s->ip_off = 14;
    x->tcp = cur_make(ip + hl, tcp_cap, 14 + hl);
    x->wire = ip_len - hl;
    return true;
}

/* The options area, wholly captured (the general walker, tcp_options, also
 * copes with an area cut short). */
static void fast_options(const uint8_t *o, uint32_t area, struct ts_opts *opt,
                         uint32_t *anomalies)
{
    /* what nearly every segment of a Linux connection carries: NOP, NOP,
     * timestamps (RFC 7323 Appendix A's layout) */
    if (area == 12 && o[0] == TS_OPT_NOP && o[1] == TS_OPT_NOP && o[2] == TS_OPT_TS &&
        o[3] == 10) {
        opt->items[0] = (struct ts_opt_item){.kind = TS_OPT_NOP, .len = 1, .offset = 0};
        opt->items[1] = (struct ts_opt_item){.kind = TS_OPT_NOP, .len = 1, .offset = 1};
        opt->items[2] = (struct ts_opt_item){.kind = TS_OPT_TS, .len = 10, .offset = 2};
        opt->n = 3;
        opt->tsval = be32_at(o + 4);
        opt->tsecr = be32_at(o + 8);
        opt->present |= TS_HAS_TS;
        return;
    }
    uint32_t at = 0;
    while (at < area) {
        uint8_t kind = o[at];
        if (kind == TS_OPT_EOL || kind == TS_OPT_NOP) {
            if (one_byte_option(opt, kind, at))
                return;
            at++;
            continue;
        }
        uint8_t len = at + 2 > area ? 0 : o[at + 1]; /* 0: no room for a length */
        if (len < 2 || at + len > area || !opt_len_ok(kind, len)) {
            *anomalies |= TS_AN_BAD_OPT;
            return;
        }
        store_option(opt, kind, len, at, o + at + 2);
        at += len;
    }
}

/* TCP when its header, options included, was captured whole and its data
 * offset is sane; false to take the general path. */
static bool fast_tcp(const struct l4 *x, bool verify, struct ts_seg *s)
{
    const uint8_t *p = x->tcp.p;
    uint32_t cap = x->tcp.left;
    if (cap < 20)
        return false;
    uint32_t doff = (uint32_t)(p[12] >> 4) * 4;
    if (doff < 20 || doff > x->wire || doff > cap)
        return false;
    s->sport = be16_at(p);
    s->dport = be16_at(p + 2);
    s->seq = be32_at(p + 4);
    s->ack = be32_at(p + 8);
    s->doff = (uint8_t)doff;
    s->ae = p[12] & 1;
    s->flags = p[13];
    s->win = be16_at(p + 14);
    s->cksum = be16_at(p + 16);
    s->urp = be16_at(p + 18);
    uint32_t area = doff - 20;
    if (area) {
        /* a fixed-size copy when the frame has the bytes (past raw_len
         * they mean nothing) */
        if (cap >= 60)
            memcpy(s->opt.raw, p + 20, sizeof s->opt.raw);
        else
            memcpy(s->opt.raw, p + 20, area);
        s->opt.raw_len = (uint8_t)area;
        fast_options(p + 20, area, &s->opt, &s->anomalies);
    }
    s->payload_off = x->tcp.off + doff;
    s->payload_len = x->wire - doff;
    s->payload_caplen = cap - doff;
    if (s->payload_caplen < s->payload_len)
        s->anomalies |= TS_AN_SHORT_CAP;
    if (verify && cap == x->wire) {
        uint64_t ph;
        if (s->ipver == 4) {
            ph = (uint64_t)be32_at(s->src.a) + be32_at(s->dst.a);
        } else {
            ph = 0;
            for (int i = 0; i < 16; i += 4)
                ph += (uint64_t)be32_at(s->src.a + i) + be32_at(s->dst.a + i);
        }
        ph += 6 + (cap >> 16) + (cap & 0xffff);
        cksum_verdict(s, ph, p, cap);
    }
    return true;
}

/* ------------------------------------------------------------------------ */

/* Define every field but t_ns and the large arrays inside opt, which are
 * only valid up to their counts. */
static void seg_reset(struct ts_seg *s)
{
    static_assert(offsetof(struct ts_seg, t_ns) <
                      offsetof(struct ts_seg, ntun),
                  "t_ns must come first");
    static_assert(offsetof(struct ts_seg, tun) + sizeof(((struct ts_seg *)0)->tun) +
                          _Alignof(struct ts_seg) > sizeof(struct ts_seg) &&
                      offsetof(struct ts_seg, opt) < offsetof(struct ts_seg, tun),
                  "opt, then tun, must come last");
    size_t head = offsetof(struct ts_seg, ntun);
    memset((char *)s + head, 0, offsetof(struct ts_seg, opt) - head);

    s->opt.present = 0;
    s->opt.mss = 0;
    s->opt.wscale = 0;
    s->opt.sack_n = 0;
    s->opt.tsval = 0;
    s->opt.tsecr = 0;
    s->opt.tfo_len = 0;
    s->opt.n = 0;
    s->opt.raw_len = 0;
}

/* ------------------------------------------------------------------------ */
/* Encapsulation (docs/tunnels.md): the walker goes from layer to layer until
 * an IP header carries TCP, recording each layer in s->tun[].  Every header
 * is read through the cursor; a malformed or cut-short tunnel header is
 * TS_AN_BAD_TUN, more layers than TUN_STEPS is TS_AN_TUN_DEPTH. */

enum { TUN_STEPS = 16 };

enum {
    UDP_VXLAN = 4789,
    UDP_GENEVE = 6081,
    UDP_GTPU = 2152,
    UDP_TEREDO = 3544,
    UDP_GRE = 4754,
    IPPROTO_IPIP4 = 4,
    IPPROTO_IPV6IN = 41,
    IPPROTO_GRE_ = 47,
    IPPROTO_UDP_ = 17,
};

static struct ts_tunnel *tun_push(struct ts_seg *s, enum ts_tun_type type)
{
    if (s->ntun >= TS_MAX_TUN) {
        s->anomalies |= TS_AN_TUN_DEPTH;
        return NULL;
    }
    struct ts_tunnel *t = &s->tun[s->ntun++];
    t->type = (uint8_t)type;
    t->flags = 0;
    t->sub = 0;
    t->id = 0;
    memset(&t->src, 0, sizeof t->src);
    memset(&t->dst, 0, sizeof t->dst);
    return t;
}

static void tun_id(struct ts_seg *s, struct ts_tunnel *t, uint32_t id, bool key)
{
    if (!t)
        return;
    t->id = id;
    t->flags |= TS_TUNF_ID | (key ? TS_TUNF_KEY : 0);
    if (key) {
        /* order matters: VLAN 1 inside VNI 2 is not VLAN 2 inside VNI 1 */
        uint64_t h = (s->tun_key + 0x9e3779b97f4a7c15ull) * 0xff51afd7ed558ccdull;
        h ^= ((uint64_t)t->type << 32 | id) * 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 29;
        uint32_t k = (uint32_t)(h ^ (h >> 32));
        s->tun_key = k ? k : 1;
    }
}

/* The outer IP header's addresses, for an IP tunnel just entered. */
static struct ts_tunnel *tun_ip(struct ts_seg *s, enum ts_tun_type type)
{
    struct ts_tunnel *t = tun_push(s, type);
    if (t) {
        t->src = s->src;
        t->dst = s->dst;
    }
    return t;
}

/* What an IP packet carries, when it is a tunnel: set *next / *etype / *l3
 * and the cursor to the inner layer.  TS_DEC_TCP: go on; anything else is
 * the final answer (not a tunnel we know: TS_DEC_NOT_TCP). */
static enum ts_decode_status ip_payload(struct cur *c, struct ts_seg *s, uint8_t proto,
                                        enum next *next, uint16_t *etype, enum l3 *l3)
{
    bool by_dst = true;
    if (proto == IPPROTO_IPIP4 || proto == IPPROTO_IPV6IN) {
        struct ts_tunnel *t = tun_ip(s, TS_TUN_IPIP);
        if (t)
            t->sub = proto == IPPROTO_IPIP4 ? 4 : 6;
        *next = N_IP;
        *l3 = proto == IPPROTO_IPIP4 ? L3_V4 : L3_V6;
        return TS_DEC_TCP;
    }
    if (proto == IPPROTO_GRE_) {
    gre:;
        /* RFC 2784 / 2890: C, R (RFC 1701, refused), K, S; version 0 */
        uint16_t fv = cur_be16(c);
        uint16_t ptype = cur_be16(c);
        if (c->trunc || (fv & 0x4000) || (fv & 7) != 0)
            goto bad;
        struct ts_tunnel *t = tun_ip(s, TS_TUN_GRE);
        if (fv & 0x8000)
            cur_skip(c, 4); /* checksum, reserved */
        if (fv & 0x2000) {
            /* not part of the connection key: keys may differ by direction
             * (RFC 5845's uplink and downlink keys) */
            uint32_t key = cur_be32(c);
            if (!c->trunc)
                tun_id(s, t, key, false);
        }
        bool seq = fv & 0x1000;
        if (seq)
            cur_skip(c, 4);
        if (c->trunc)
            goto bad;
        if (ptype == ETH_ERSPAN12 || ptype == ETH_ERSPAN3) {
            struct ts_tunnel *e = tun_push(s, TS_TUN_ERSPAN);
            if (ptype == ETH_ERSPAN12 && !seq) {
                if (e)
                    e->sub = 1; /* type I: no header, Ethernet follows */
            } else {
                uint16_t w0 = cur_be16(c); /* version, VLAN */
                uint16_t w1 = cur_be16(c); /* COS, En/BSO, T, session id */
                unsigned ver = w0 >> 12;
                if (c->trunc || (ptype == ETH_ERSPAN12 && ver != 1) ||
                    (ptype == ETH_ERSPAN3 && ver != 2))
                    goto bad;
                if (e)
                    e->sub = ptype == ETH_ERSPAN12 ? 2 : 3;
                tun_id(s, e, w1 & 0x3ff, false);
                if (ptype == ETH_ERSPAN12) {
                    cur_skip(c, 4); /* reserved, index */
                } else {
                    cur_skip(c, 4 + 2); /* timestamp, SGT */
                    uint16_t fl = cur_be16(c);
                    if (fl & 1)
                        cur_skip(c, 8); /* optional platform subheader */
                }
                if (c->trunc)
                    goto bad;
            }
            *next = N_ETYPE;
            *etype = ETH_TEB;
            return TS_DEC_TCP;
        }
        *next = N_ETYPE;
        *etype = ptype;
        return TS_DEC_TCP;
    }
    if (proto != IPPROTO_UDP_)
        return TS_DEC_NOT_TCP;
    uint16_t sp = cur_be16(c), dp = cur_be16(c);
    cur_skip(c, 4); /* length, checksum */
    if (c->trunc)
        return TS_DEC_NOT_TCP; /* a short UDP datagram: not ours to judge */
    /* A tunnel is named by its destination port; matched by the source
     * port alone, a header that does not fit is someone else's datagram
     * (an ephemeral port), not a malformed tunnel. */
    by_dst = dp == UDP_VXLAN || dp == UDP_GENEVE || dp == UDP_GTPU || dp == UDP_TEREDO ||
             dp == UDP_GRE;
    if (dp == UDP_GRE) /* GRE-in-UDP (RFC 8086): a GRE header follows */
        goto gre;
    if (dp == UDP_VXLAN || (sp == UDP_VXLAN && !by_dst)) {
        /* RFC 7348: flags (I = 0x08), reserved 3, VNI 3, reserved 1 */
        uint8_t fl = cur_u8(c);
        cur_skip(c, 3);
        uint32_t vni = cur_be32(c) >> 8;
        if (c->trunc || !(fl & 0x08))
            goto bad;
        tun_id(s, tun_ip(s, TS_TUN_VXLAN), vni, true);
        *next = N_ETYPE;
        *etype = ETH_TEB;
        return TS_DEC_TCP;
    }
    if (dp == UDP_GENEVE || (sp == UDP_GENEVE && !by_dst)) {
        /* RFC 8926: version 2 bits, option length 6 bits (4-byte units),
         * flags, protocol type, VNI 3, reserved, options */
        uint8_t b0 = cur_u8(c);
        cur_skip(c, 1);
        uint16_t pt = cur_be16(c);
        uint32_t vni = cur_be32(c) >> 8;
        cur_skip(c, (uint32_t)(b0 & 0x3f) * 4);
        if (c->trunc || (b0 >> 6) != 0)
            goto bad;
        tun_id(s, tun_ip(s, TS_TUN_GENEVE), vni, true);
        *next = N_ETYPE;
        *etype = pt;
        return TS_DEC_TCP;
    }
    if (dp == UDP_GTPU || (sp == UDP_GTPU && !by_dst)) {
        /* 3GPP TS 29.281: flags (version 1, PT, E, S, PN), type 0xff
         * (G-PDU), length, TEID; then seq, N-PDU, next extension type when
         * any of E, S, PN; then the extension headers */
        uint8_t fl = cur_u8(c);
        uint8_t type = cur_u8(c);
        cur_skip(c, 2);
        uint32_t teid = cur_be32(c);
        if (c->trunc || (fl >> 5) != 1 || !(fl & 0x10))
            goto bad;
        if (type != 0xff)
            return TS_DEC_NOT_IP; /* signalling (echo, error indication ...) */
        /* a TEID names one direction (uplink and downlink differ): not
         * part of the connection key */
        struct ts_tunnel *t = tun_ip(s, TS_TUN_GTPU);
        tun_id(s, t, teid, false);
        if (fl & 0x07) {
            cur_skip(c, 3);
            uint8_t ext = cur_u8(c);
            for (int n = 0; ext != 0 && !c->trunc; n++) {
                uint8_t units = cur_u8(c);
                if (units == 0 || n >= 16)
                    goto bad;
                cur_skip(c, (uint32_t)units * 4 - 2);
                ext = cur_u8(c);
            }
            if (c->trunc)
                goto bad;
        }
        *next = N_IP;
        *l3 = L3_BY_VERSION;
        return TS_DEC_TCP;
    }
    if (dp == UDP_TEREDO || (sp == UDP_TEREDO && !by_dst)) {
        /* RFC 4380 §5.1.1: an IPv6 packet, after an optional authentication
         * (indicator 0x0001) and origin indication (0x0000) */
        for (int n = 0; n < 2; n++) {
            uint8_t b[2];
            if (!cur_peek_u8(c, &b[0]))
                return TS_DEC_NOT_IP;
            if (b[0] >> 4 == 6)
                break;
            struct cur p = *c;
            uint16_t ind = cur_be16(&p);
            if (p.trunc)
                return TS_DEC_NOT_IP;
            if (ind == 0x0001) {
                uint8_t idl = cur_u8(&p), aul = cur_u8(&p);
                cur_skip(&p, (uint32_t)idl + aul + 9);
            } else if (ind == 0x0000) {
                cur_skip(&p, 6);
            } else {
                return TS_DEC_NOT_IP;
            }
            if (p.trunc)
                goto bad;
            *c = p;
        }
        uint8_t v;
        if (!cur_peek_u8(c, &v) || v >> 4 != 6)
            return TS_DEC_NOT_IP; /* a bubble, or not Teredo */
        tun_ip(s, TS_TUN_TEREDO);
        *next = N_IP;
        *l3 = L3_V6;
        return TS_DEC_TCP;
    }
    return TS_DEC_NOT_TCP;
bad:
    if (proto == IPPROTO_UDP_ && !by_dst)
        return TS_DEC_NOT_TCP;
    s->anomalies |= TS_AN_BAD_TUN;
    return TS_DEC_BAD;
}

/* An EtherType (or what plays its part in MPLS, PPPoE and GRE): step over
 * one layer.  TS_DEC_TCP: go on with *next. */
static enum ts_decode_status etype_layer(struct cur *c, struct ts_seg *s, enum next *next,
                                         uint16_t *etype, enum l3 *l3)
{
    uint16_t t = *etype;
    if (t == ETH_8021Q || t == ETH_8021AD || t == ETH_QINQ_OLD) {
        uint16_t tci = cur_be16(c);
        *etype = cur_be16(c);
        if (c->trunc) {
            s->anomalies |= TS_AN_TRUNC_LINK;
            return TS_DEC_BAD;
        }
        struct ts_tunnel *v = tun_push(s, TS_TUN_VLAN);
        if (v)
            v->sub = t == ETH_8021Q ? 0 : t == ETH_8021AD ? 1 : 2;
        tun_id(s, v, tci & 0x0fff, true);
        return TS_DEC_TCP;
    }
    if (t == ETH_IPV4 || t == ETH_IPV6) {
        *next = N_IP;
        *l3 = t == ETH_IPV4 ? L3_V4 : L3_V6;
        return TS_DEC_TCP;
    }
    if (t == ETH_TEB) {
        cur_skip(c, 12);
        *etype = cur_be16(c);
        if (c->trunc)
            goto bad;
        return TS_DEC_TCP;
    }
    if (t == ETH_MPLS || t == ETH_MPLS_MC) {
        /* RFC 3032 label stack entries to the bottom of stack (S) */
        for (int n = 0;; n++) {
            uint32_t e = cur_be32(c);
            if (c->trunc || n >= 16)
                goto bad;
            tun_id(s, tun_push(s, TS_TUN_MPLS), e >> 12, false);
            if (e & 0x100)
                break;
        }
        /* RFC 4385: a control word's first nibble is 0; IP's is 4 or 6 */
        uint8_t v;
        if (!cur_peek_u8(c, &v))
            goto bad;
        if (v >> 4 == 4 || v >> 4 == 6) {
            *next = N_IP;
            *l3 = v >> 4 == 4 ? L3_V4 : L3_V6;
            return TS_DEC_TCP;
        }
        if (v >> 4 != 0)
            return TS_DEC_NOT_IP;
        cur_skip(c, 4);
        tun_push(s, TS_TUN_MPLS_PW);
        *etype = ETH_TEB;
        return TS_DEC_TCP;
    }
    if (t == ETH_PPPOE) {
        /* RFC 2516: version/type 0x11, code 0, session id, length; then the
         * PPP protocol (RFC 1661), compressed to one byte when odd */
        uint8_t vt = cur_u8(c), code = cur_u8(c);
        uint16_t sid = cur_be16(c);
        cur_skip(c, 2);
        uint8_t p0 = cur_u8(c);
        uint16_t proto = p0;
        if (!(p0 & 1))
            proto = (uint16_t)(p0 << 8 | cur_u8(c));
        if (c->trunc || vt != 0x11 || code != 0)
            goto bad;
        tun_id(s, tun_push(s, TS_TUN_PPPOE), sid, true);
        if (proto != 0x0021 && proto != 0x0057)
            return TS_DEC_NOT_IP; /* LCP, IPCP ... */
        *next = N_IP;
        *l3 = proto == 0x0021 ? L3_V4 : L3_V6;
        return TS_DEC_TCP;
    }
    return TS_DEC_NOT_IP; /* ARP, 802.3 length field, ... */
bad:
    s->anomalies |= TS_AN_BAD_TUN;
    return TS_DEC_BAD;
}

enum ts_decode_status ts_decode_general(int dlt, const uint8_t *pkt, uint32_t caplen,
                                        uint32_t wirelen, bool verify_cksum,
                                        struct ts_seg *out)
{
    static const uint8_t nothing[1];

    seg_reset(out);
    out->caplen = caplen;
    out->wirelen = wirelen;
    uint32_t len = caplen < wirelen ? caplen : wirelen;
    if (pkt == NULL) {
        pkt = nothing;
        len = 0;
    }

    struct cur c = cur_make(pkt, len, 0);
    enum l3 l3 = L3_V4;
    enum next next;
    uint16_t etype = 0;
    enum ts_decode_status st = link_decode(dlt, &c, &next, &etype, &l3);
    if (st == TS_DEC_BAD)
        out->anomalies |= TS_AN_TRUNC_LINK;
    if (st != TS_DEC_TCP)
        return st;

    /* where the wire data of the current layer ends (c.off <= len <= wirelen) */
    uint32_t wire_end = wirelen;
    for (int step = 0;; step++) {
        if (step >= TUN_STEPS) {
            out->anomalies |= TS_AN_TUN_DEPTH;
            return TS_DEC_BAD;
        }
        if (next == N_ETYPE) {
            st = etype_layer(&c, out, &next, &etype, &l3);
            if (st != TS_DEC_TCP)
                return st;
            continue;
        }
        if (l3 == L3_BY_VERSION) {
            uint8_t v;
            if (!cur_peek_u8(&c, &v)) {
                out->anomalies |= TS_AN_TRUNC_IP;
                return TS_DEC_BAD;
            }
            l3 = v >> 4 == 6 ? L3_V6 : L3_V4; /* anything else: a bad IPv4 version */
        }
        struct l4 x;
        x.no_verify = false;
        x.have_final_dst = false;
        x.proto = 0;
        uint32_t wire_left = wire_end - c.off;
        if (l3 == L3_V4)
            st = ip4_decode(&c, wire_left, verify_cksum, out, &x);
        else
            st = ip6_decode(&c, wire_left, verify_cksum, out, &x);
        if (st == TS_DEC_TCP) {
            st = tcp_decode(&x, verify_cksum, out);
            if (st == TS_DEC_TCP)
                out->flow_hash = ts_flow_hash(&out->src, out->sport, &out->dst, out->dport);
            return st;
        }
        if (st != TS_DEC_NOT_TCP || out->frag_off || out->more_frags)
            return st; /* a fragment of a tunnel packet is not walked into */
        c = x.tcp;
        wire_end = c.off + x.wire;
        st = ip_payload(&c, out, x.proto, &next, &etype, &l3);
        if (st != TS_DEC_TCP)
            return st;
    }
}

enum ts_decode_status ts_decode(int dlt, const uint8_t *pkt, uint32_t caplen,
                                uint32_t wirelen, bool verify_cksum,
                                struct ts_seg *out)
{
    uint32_t len = caplen < wirelen ? caplen : wirelen;
    struct l4 x;
    x.no_verify = false;
    x.have_final_dst = false;
    if (pkt == NULL)
        return ts_decode_general(dlt, pkt, caplen, wirelen, verify_cksum, out);
    seg_reset(out);
    out->caplen = caplen;
    out->wirelen = wirelen;
    if (!fast_ip(dlt, pkt, len, wirelen, verify_cksum, out, &x) ||
        !fast_tcp(&x, verify_cksum, out))
        return ts_decode_general(dlt, pkt, caplen, wirelen, verify_cksum, out);
    out->flow_hash = flow_hash_mix(side_hash_raw(x.src_p, out->ipver, out->sport) +
                                   side_hash_raw(x.dst_p, out->ipver, out->dport));
    return TS_DEC_TCP;
}

bool ts_dlt_supported(int dlt)
{
    switch (dlt) {
    case TS_DLT_NULL:
    case TS_DLT_EN10MB:
    case TS_DLT_RAW:
    case TS_DLT_RAW_ALT:
    case TS_DLT_LOOP:
    case TS_DLT_LINUX_SLL:
    case TS_DLT_LINKTYPE_RAW:
    case TS_DLT_IPV4:
    case TS_DLT_IPV6:
    case TS_DLT_LINUX_SLL2:
        return true;
    default:
        return false;
    }
}

/* The anomaly bits are 0 .. n-1 with TS_AN_LAST the highest: the switch
 * below refuses a bit used twice, these a gap or a wrong TS_AN_LAST. */
#define ANOMALY_OR(id, bit, name) | TS_AN_##id
#define ANOMALY_ONE(id, bit, name) + 1
_Static_assert((0u TS_ANOMALY_LIST(ANOMALY_OR)) == ((uint32_t)TS_AN_LAST << 1) - 1u,
               "TS_ANOMALY_LIST: bits not contiguous, or TS_AN_LAST not the last");
_Static_assert((uint32_t)TS_AN_LAST == 1u << ((0 TS_ANOMALY_LIST(ANOMALY_ONE)) - 1),
               "TS_ANOMALY_LIST: a bit used twice");
#undef ANOMALY_OR
#undef ANOMALY_ONE

const char *ts_anomaly_name(uint32_t bit)
{
    switch (bit) {
#define ANOMALY_NAME(id, b, name) case TS_AN_##id: return name;
    TS_ANOMALY_LIST(ANOMALY_NAME)
#undef ANOMALY_NAME
    default:
        return NULL;
    }
}

uint32_t ts_seg_ip_len(const struct ts_seg *s)
{
    if (!s->ipver || s->payload_off < s->ip_off)
        return 0;
    /* IP header + TCP header, then the payload as the IP length gives it */
    return s->payload_off - s->ip_off + s->payload_len;
}

const char *ts_tun_name(enum ts_tun_type t)
{
    switch (t) {
    case TS_TUN_VLAN: return "vlan";
    case TS_TUN_MPLS: return "mpls";
    case TS_TUN_MPLS_PW: return "mpls-pw";
    case TS_TUN_PPPOE: return "pppoe";
    case TS_TUN_IPIP: return "ipip";
    case TS_TUN_GRE: return "gre";
    case TS_TUN_ERSPAN: return "erspan";
    case TS_TUN_VXLAN: return "vxlan";
    case TS_TUN_GENEVE: return "geneve";
    case TS_TUN_GTPU: return "gtpu";
    case TS_TUN_TEREDO: return "teredo";
    }
    return NULL;
}

char *ts_addr_str(const struct ts_addr *a, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    int af = a->family == 4 ? AF_INET : a->family == 6 ? AF_INET6 : -1;
    /* inet_ntop's size is a socklen_t; anything above 46 is plenty */
    socklen_t n = len > 64 ? 64 : (socklen_t)len;
    if (af < 0) { /* unset */
        buf[0] = len > 1 ? '?' : '\0';
        if (len > 1)
            buf[1] = '\0';
        return buf;
    }
    if (inet_ntop(af, a->a, buf, n) == NULL)
        buf[0] = '\0'; /* buffer too small */
    return buf;
}

int ts_addr_cmp(const struct ts_addr *x, const struct ts_addr *y)
{
    if (x->family != y->family)
        return x->family < y->family ? -1 : 1;
    return memcmp(x->a, y->a, sizeof x->a);
}
