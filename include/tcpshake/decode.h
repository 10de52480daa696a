/* tcpshake decode: turn one captured frame into a host-order `struct ts_seg`.
 *
 * Every byte is read through a bounds-checked cursor against the captured
 * length; nothing downstream re-parses the packet.  Problems with the packet
 * are recorded as anomaly bits (never printed here), so the caller can annotate
 * the segment and go on with the rest of the capture.
 */
#ifndef TCPSHAKE_DECODE_H
#define TCPSHAKE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpshake/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Link-layer types we decode (the pcap DLT_/LINKTYPE_ numbers). */
enum {
    TS_DLT_NULL = 0,         /* BSD loopback, host-order family */
    TS_DLT_EN10MB = 1,       /* Ethernet, with 802.1Q / 802.1ad tags */
    TS_DLT_RAW = 12,         /* raw IP (OpenBSD/Linux value 14 also accepted) */
    TS_DLT_RAW_ALT = 14,
    TS_DLT_LOOP = 108,       /* OpenBSD loopback, network-order family */
    TS_DLT_LINUX_SLL = 113,  /* Linux cooked v1 */
    TS_DLT_LINKTYPE_RAW = 101, /* LINKTYPE_RAW as written in pcap files */
    TS_DLT_IPV4 = 228,
    TS_DLT_IPV6 = 229,
    TS_DLT_LINUX_SLL2 = 276, /* Linux cooked v2 (-i any) */
};

/* TCP flag bits, as in the header's 13th byte. */
enum {
    TS_TH_FIN = 0x01,
    TS_TH_SYN = 0x02,
    TS_TH_RST = 0x04,
    TS_TH_PSH = 0x08,
    TS_TH_ACK = 0x10,
    TS_TH_URG = 0x20,
    TS_TH_ECE = 0x40,
    TS_TH_CWR = 0x80,
};

/* An address that does not care whether it is IPv4 or IPv6.  IPv4 addresses
 * live in the first 4 bytes, the rest is zero. */
struct ts_addr {
    uint8_t family; /* 4 or 6; 0 = unset */
    uint8_t a[16];
};

/* TCP option kinds we parse (RFC 9293 §3.2, RFC 7323, RFC 2018, RFC 7413). */
enum {
    TS_OPT_EOL = 0,
    TS_OPT_NOP = 1,
    TS_OPT_MSS = 2,
    TS_OPT_WSCALE = 3,
    TS_OPT_SACKOK = 4,
    TS_OPT_SACK = 5,
    TS_OPT_TS = 8,
    TS_OPT_MPTCP = 30,
    TS_OPT_TFO = 34,
};

#define TS_MAX_SACK 4
#define TS_MAX_OPTS 40 /* at most 40 option bytes, so at most 40 options */
#define TS_MAX_TFO_COOKIE 16

/* Presence bits for struct ts_opts.present. */
enum {
    TS_HAS_MSS = 1u << 0,
    TS_HAS_WSCALE = 1u << 1,
    TS_HAS_SACKOK = 1u << 2,
    TS_HAS_SACK = 1u << 3,
    TS_HAS_TS = 1u << 4,
    TS_HAS_TFO = 1u << 5,
    TS_HAS_OTHER = 1u << 6, /* some option of another kind */
    TS_HAS_EOL = 1u << 7,
};

/* One option as it appeared on the wire, in order. */
struct ts_opt_item {
    uint8_t kind;
    uint8_t len;    /* total length incl. kind/len bytes; 1 for EOL/NOP */
    uint8_t offset; /* offset of the kind byte within the options area */
};

struct ts_opts {
    uint32_t present;
    uint16_t mss;
    uint8_t wscale;
    uint8_t sack_n;
    uint32_t sack[TS_MAX_SACK][2]; /* left, right edges */
    uint32_t tsval, tsecr;
    uint8_t tfo_len; /* cookie length; 0 = cookie request */
    uint8_t tfo_cookie[TS_MAX_TFO_COOKIE];
    uint8_t n;                     /* number of items[] */
    struct ts_opt_item items[TS_MAX_OPTS];
    uint8_t raw_len;               /* bytes of option area captured */
    uint8_t raw[40];               /* the option bytes, for unknown kinds */
};

/* Encapsulation layers in front of the TCP segment (the decoder walks into
 * every one, outermost first).  docs/tunnels.md lists what each records. */
enum ts_tun_type {
    TS_TUN_VLAN = 1, /* 802.1Q, 802.1ad or 0x9100 tag; id = VLAN id */
    TS_TUN_MPLS,     /* one label stack entry; id = label */
    TS_TUN_MPLS_PW,  /* MPLS pseudowire control word, then Ethernet */
    TS_TUN_PPPOE,    /* PPPoE session; id = session id */
    TS_TUN_IPIP,     /* IPv4/IPv6 in IPv4/IPv6 (4in4, 6in4, 4in6, 6in6) */
    TS_TUN_GRE,      /* GRE; id = key when present */
    TS_TUN_ERSPAN,   /* ERSPAN in GRE; sub = type 1, 2 or 3; id = session */
    TS_TUN_VXLAN,    /* VXLAN (UDP 4789); id = VNI */
    TS_TUN_GENEVE,   /* Geneve (UDP 6081); id = VNI */
    TS_TUN_GTPU,     /* GTP-U (UDP 2152); id = TEID */
    TS_TUN_TEREDO,   /* Teredo (UDP 3544) */
};

enum {
    TS_TUNF_ID = 1u << 0,  /* id is set */
    TS_TUNF_KEY = 1u << 1, /* part of the connection key (a tenant or
                              session name, the same both ways: VLAN, VNI,
                              PPPoE session) */
};

#define TS_MAX_TUN 8

struct ts_tunnel {
    uint8_t type;  /* enum ts_tun_type */
    uint8_t flags; /* TS_TUNF_* */
    uint8_t sub;   /* ERSPAN type; VLAN: 0 802.1Q, 1 802.1ad, 2 0x9100 */
    uint32_t id;
    struct ts_addr src, dst; /* the outer IP header's, for IP tunnels
                                (family 0 for VLAN, MPLS, PPPoE) */
};

/* The innermost IP packet's length (header + payload) as the decoder took
 * it: the header's total length, clamped to the wire.  For a decoded TCP
 * segment; 0 before the IP header. */
struct ts_seg;
TS_API uint32_t ts_seg_ip_len(const struct ts_seg *s);

/* Stable name of a tunnel type ("vxlan", "gre", ...), or NULL. */
TS_API const char *ts_tun_name(enum ts_tun_type t);

/* Checksum verdict. */
enum ts_cksum {
    TS_CK_UNCHECKED = 0, /* segment not wholly captured, or not TCP */
    TS_CK_GOOD,
    TS_CK_BAD,
    TS_CK_OFFLOAD, /* field holds only the pseudo-header sum: send-side
                      offload on the capturing host, not corruption */
};

/* Anomaly bits, stored in struct ts_seg.anomalies: X(ID, bit, name).  One
 * list makes TS_AN_ID = 1u << bit (the bits are ABI) and the stable name
 * ts_anomaly_name() gives it in text and JSON notes. */
#define TS_ANOMALY_LIST(X) \
    X(TRUNC_LINK, 0, "truncated-link")         /* link header cut short */ \
    X(TRUNC_IP, 1, "truncated-ip")             /* IP header cut short */ \
    X(BAD_IP, 2, "bad-ip-header")              /* version/IHL/total length impossible */ \
    X(BAD_IPLEN, 3, "bad-ip-length")           /* IP total length beyond the frame */ \
    X(FRAG, 4, "ip-fragment")                  /* IP fragment (first: decoded; others: not TCP) */ \
    X(TRUNC_TCP, 5, "truncated-tcp")           /* TCP header cut short */ \
    X(BAD_DOFF, 6, "bad-data-offset")          /* data offset < 5 or past the segment */ \
    X(BAD_OPT, 7, "bad-option")                /* an option with an impossible length */ \
    X(TRUNC_OPT, 8, "truncated-options")       /* options area cut short by the snaplen */ \
    X(SHORT_CAP, 9, "short-capture")           /* payload not wholly captured (snaplen) */ \
    X(BAD_CKSUM, 10, "bad-checksum")           /* TCP checksum wrong */ \
    X(TSO, 11, "tso-super-segment")            /* IPv4 total length 0 (TSO super-segment) */ \
    X(BAD_EXTHDR, 12, "bad-ipv6-ext-header")   /* IPv6 extension header chain malformed */ \
    X(BAD_IPCKSUM, 13, "bad-ip-checksum")      /* IPv4 header checksum wrong */ \
    X(TUN_DEPTH, 14, "tunnel-depth")           /* more encapsulation layers than kept */ \
    X(BAD_TUN, 15, "bad-tunnel-header")        /* a tunnel header malformed or cut short */

enum {
#define TS_ANOMALY_ENUM_(id, bit, name) TS_AN_##id = 1u << bit,
    TS_ANOMALY_LIST(TS_ANOMALY_ENUM_)
#undef TS_ANOMALY_ENUM_
    TS_AN_LAST = TS_AN_BAD_TUN
};

/* One decoded TCP segment, host byte order.  Nothing points into the packet. */
struct ts_seg {
    uint64_t t_ns; /* capture time, ns since the epoch (set by the caller) */

    /* link and tunnels: ntun layers in tun[] (at the end), outermost first;
     * tun_key hashes the layers that name a tenant (TS_TUNF_KEY), 0 when
     * none.  (The tracker reads what lies before opt: two cache lines.) */
    uint8_t ntun;
    uint8_t doff;    /* TCP header length in bytes (here: it fills padding,
                        so that opt.present and opt.wscale, which the
                        tracker reads, lie in the same cache lines as the
                        fields before them) */
    uint16_t ip_id;
    uint32_t tun_key;

    /* network */
    uint8_t ipver; /* 4 or 6 */
    uint8_t ttl;   /* TTL / hop limit */
    uint8_t tos;   /* TOS / traffic class */
    bool df;
    uint32_t frag_off; /* fragment offset in bytes (0 = first/none) */
    bool more_frags;
    struct ts_addr src, dst;

    /* transport */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;   /* TS_TH_* */
    uint8_t ae;      /* the AE (ex-NS) bit, RFC 3540/AccECN */
    uint16_t win;    /* raw, unscaled */
    uint16_t urp;
    uint16_t cksum;
    uint8_t cksum_state; /* enum ts_cksum (a byte: the tracker's two cache
                            lines are full) */
    /* where the innermost IP header starts in the frame (0 until the
     * decoder gets there); its length is ts_seg_ip_len() */
    uint16_t ip_off;

    uint32_t payload_len;    /* payload bytes on the wire (from IP length) */
    uint32_t payload_caplen; /* payload bytes captured */
    uint32_t payload_off;    /* offset of the payload in the frame */

    uint32_t caplen, wirelen; /* of the frame */
    uint32_t anomalies;       /* TS_AN_* */


    /* ts_flow_hash of the 4-tuple, set by ts_decode for TCP; 0 = not
     * computed (ts_track computes it then).  A caller that builds or edits
     * a segment's addresses or ports must leave it 0. */
    uint32_t flow_hash;

    struct ts_opts opt; /* the large, rarely read part */

    /* only tun[0..ntun) is written */
    struct ts_tunnel tun[TS_MAX_TUN];
};

/* What ts_decode found. */
enum ts_decode_status {
    TS_DEC_TCP = 0,  /* a TCP segment; struct filled (maybe with anomalies) */
    TS_DEC_NOT_TCP,  /* IP but not TCP, or a non-first fragment */
    TS_DEC_NOT_IP,   /* a link payload that is not IPv4/IPv6 */
    TS_DEC_BAD,      /* malformed or truncated before the TCP header; see
                        anomalies for why */
    TS_DEC_BAD_LINK, /* unsupported link type */
};

/* Decode one frame of link type `dlt` (pcap_datalink()).  `caplen` bytes are
 * readable at `pkt`; `wirelen` is the original length.  `verify_cksum`: compute
 * the TCP checksum when the whole segment was captured.  Never reads past
 * pkt + caplen. */
TS_API enum ts_decode_status ts_decode(int dlt, const uint8_t *pkt, uint32_t caplen,
                                       uint32_t wirelen, bool verify_cksum,
                                       struct ts_seg *out);

/* true if ts_decode knows this link type */
TS_API bool ts_dlt_supported(int dlt);

/* Stable name of one TS_AN_* bit ("truncated-tcp", ...), or NULL. */
TS_API const char *ts_anomaly_name(uint32_t bit);

/* Format an address (no port) into buf; returns buf.  IPv6 in RFC 5952 form. */
TS_API char *ts_addr_str(const struct ts_addr *a, char *buf, size_t len);

/* "198.18.0.1:80", "[2001:db8::1]:80" into buf; returns buf. */
TS_API char *ts_endpoint_str(const struct ts_addr *a, uint16_t port, char *buf, size_t len);

/* tcpdump's flag letters in tcpdump's order, F S R P . U E W, then e for
 * the AE bit (RFC 9768); "none" without any.  buf holds TS_FLAGS_STR_LEN. */
#define TS_FLAGS_STR_LEN 10
TS_API char *ts_flags_str(uint8_t flags, bool ae, char *buf);

/* Compare two addresses (memcmp order; family first). */
TS_API int ts_addr_cmp(const struct ts_addr *x, const struct ts_addr *y);

/* A hash of a TCP 4-tuple that is the same in both directions (a, pa, b, pb
 * and b, pb, a, pa give one value), never 0: what ts_decode stores in
 * ts_seg.flow_hash and the tracker files connections by. */
TS_API uint32_t ts_flow_hash(const struct ts_addr *a, uint16_t pa, const struct ts_addr *b,
                             uint16_t pb);

/* Internet checksum over a TCP segment with its pseudo-header: returns the
 * folded one's-complement sum (0xffff when the segment's checksum is right).
 * `tcp` points to `len` bytes of TCP header + payload. */
TS_API uint16_t ts_tcp_cksum_sum(const struct ts_addr *src, const struct ts_addr *dst,
                                 const uint8_t *tcp, uint32_t len);

#ifdef __cplusplus
}
#endif
#endif
