/* Unit tests for the decoder: hand-made frames, one comment per field, run
 * through ts_decode from heap buffers of exactly `caplen` bytes so that
 * AddressSanitizer catches any read past the capture.  Checksums are checked
 * against the plain RFC 1071 implementation below, written independently of
 * src/decode/decode.c (16-bit words, 32-bit accumulator, explicit pseudo-header
 * buffer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpshake/capture.h"
#include "tcpshake/decode.h"
#include "../../src/internal.h"

#include <dirent.h>
#include <stdio.h>

/* ------------------------------------------------------------------------ */
/* Reference checksum and frame helpers */

/* RFC 1071 §4.1, the textbook loop: folded sum, not complemented. */
static uint16_t ref_sum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n % 2)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* Pseudo-header (RFC 9293 §3.1 / RFC 8200 §8.1) laid out as bytes. */
static size_t ref_pseudo(uint8_t *ph, int family, const uint8_t *src,
                         const uint8_t *dst, uint32_t tcp_len)
{
    if (family == 4) {
        memcpy(ph, src, 4);
        memcpy(ph + 4, dst, 4);
        ph[8] = 0;
        ph[9] = 6;
        ph[10] = (uint8_t)(tcp_len >> 8);
        ph[11] = (uint8_t)tcp_len;
        return 12;
    }
    memcpy(ph, src, 16);
    memcpy(ph + 16, dst, 16);
    ph[32] = (uint8_t)(tcp_len >> 24);
    ph[33] = (uint8_t)(tcp_len >> 16);
    ph[34] = (uint8_t)(tcp_len >> 8);
    ph[35] = (uint8_t)tcp_len;
    ph[36] = ph[37] = ph[38] = 0;
    ph[39] = 6;
    return 40;
}

/* Folded sum of pseudo-header + segment, computed over one flat buffer. */
static uint16_t ref_tcp_sum(int family, const uint8_t *src, const uint8_t *dst,
                            const uint8_t *tcp, uint32_t len)
{
    uint8_t *buf = malloc(40 + (size_t)len);
    assert_non_null(buf);
    size_t n = ref_pseudo(buf, family, src, dst, len);
    memcpy(buf + n, tcp, len);
    uint16_t s = ref_sum(buf, n + len);
    free(buf);
    return s;
}

/* Folded pseudo-header sum alone: what an offloading stack stores. */
static uint16_t ref_pseudo_sum(int family, const uint8_t *src,
                               const uint8_t *dst, uint32_t len)
{
    uint8_t ph[40];
    return ref_sum(ph, ref_pseudo(ph, family, src, dst, len));
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Recompute the IPv4 header checksum of the header at `ip`. */
static void ref_fix_ip4(uint8_t *ip)
{
    size_t hl = (size_t)(ip[0] & 0x0f) * 4;
    put16(ip + 10, 0);
    put16(ip + 10, (uint16_t)~ref_sum(ip, hl));
}

/* Store the right TCP checksum in the segment at `tcp` (len bytes). */
static void ref_fix_tcp(int family, const uint8_t *src, const uint8_t *dst,
                        uint8_t *tcp, uint32_t len)
{
    put16(tcp + 16, 0);
    put16(tcp + 16, (uint16_t)~ref_tcp_sum(family, src, dst, tcp, len));
}

/* Decode from a heap copy of exactly `caplen` bytes. */
static enum ts_decode_status dec_full(int dlt, const uint8_t *frame,
                                      uint32_t caplen, uint32_t wirelen,
                                      bool verify, struct ts_seg *s)
{
    uint8_t *copy = malloc(caplen ? caplen : 1);
    assert_non_null(copy);
    if (caplen)
        memcpy(copy, frame, caplen);
    enum ts_decode_status st = ts_decode(dlt, copy, caplen, wirelen, verify, s);
    free(copy);
    return st;
}

static enum ts_decode_status dec(int dlt, const uint8_t *frame, size_t len,
                                 struct ts_seg *s)
{
    return dec_full(dlt, frame, (uint32_t)len, (uint32_t)len, true, s);
}

static size_t cat(uint8_t *out, const uint8_t *a, size_t alen,
                  const uint8_t *b, size_t blen)
{
    if (alen)
        memcpy(out, a, alen);
    if (blen)
        memcpy(out + alen, b, blen);
    return alen + blen;
}

/* ------------------------------------------------------------------------ */
/* Frames */

/* Ethernet / IPv4 / TCP SYN with Linux's option set, 74 bytes. */
static const uint8_t syn4[] = {
    /* Ethernet */
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, /* destination MAC */
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, /* source MAC */
    0x08, 0x00,                         /* EtherType IPv4 */
    /* IPv4, offset 14 */
    0x45,                   /* version 4, IHL 5 */
    0x00,                   /* TOS */
    0x00, 0x3c,             /* total length 60 */
    0x1c, 0x46,             /* id 0x1c46 */
    0x40, 0x00,             /* DF, fragment offset 0 */
    0x40,                   /* TTL 64 */
    0x06,                   /* protocol TCP */
    0x9b, 0x07,             /* header checksum */
    0xc0, 0xa8, 0x01, 0x0a, /* source 192.168.1.10 */
    0xc0, 0xa8, 0x01, 0x14, /* destination 192.168.1.20 */
    /* TCP, offset 34 */
    0xc3, 0x50,             /* source port 50000 */
    0x00, 0x50,             /* destination port 80 */
    0x01, 0x02, 0x03, 0x04, /* seq 0x01020304 */
    0x00, 0x00, 0x00, 0x00, /* ack 0 */
    0xa0,                   /* data offset 10 (40 bytes), AE 0 */
    0x02,                   /* flags SYN */
    0xfa, 0xf0,             /* window 64240 */
    0xef, 0xc5,             /* checksum */
    0x00, 0x00,             /* urgent pointer */
    /* options, offset 54 */
    0x02, 0x04, 0x05, 0xb4, /* MSS 1460 */
    0x04, 0x02,             /* SACK permitted */
    0x08, 0x0a,             /* timestamps: */
    0x00, 0x00, 0x12, 0x34, /*   TSval 0x1234 */
    0x00, 0x00, 0x00, 0x00, /*   TSecr 0 */
    0x01,                   /* NOP */
    0x03, 0x03, 0x07,       /* window scale 7 */
};

/* Ethernet / IPv4 / TCP PSH|ACK with timestamps and 10 bytes, 76 bytes. */
static const uint8_t data4[] = {
    /* Ethernet */
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, /* destination MAC */
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, /* source MAC */
    0x08, 0x00,                         /* EtherType IPv4 */
    /* IPv4, offset 14 */
    0x45, 0x00,             /* version 4, IHL 5; TOS 0 */
    0x00, 0x3e,             /* total length 62 */
    0x1c, 0x47,             /* id */
    0x40, 0x00,             /* DF */
    0x40, 0x06,             /* TTL 64, TCP */
    0x9b, 0x04,             /* header checksum */
    0xc0, 0xa8, 0x01, 0x0a, /* source 192.168.1.10 */
    0xc0, 0xa8, 0x01, 0x14, /* destination 192.168.1.20 */
    /* TCP, offset 34 */
    0xc3, 0x50, 0x00, 0x50, /* ports 50000 -> 80 */
    0x01, 0x02, 0x03, 0x05, /* seq */
    0xa0, 0xb0, 0xc0, 0xd1, /* ack */
    0x80, 0x18,             /* data offset 8 (32 bytes); PSH|ACK */
    0x01, 0xf6,             /* window 502 */
    0xc7, 0x2c,             /* checksum */
    0x00, 0x00,             /* urgent pointer */
    /* options, offset 54 */
    0x01, 0x01,             /* NOP, NOP */
    0x08, 0x0a,             /* timestamps: */
    0x00, 0x00, 0x12, 0x35, /*   TSval */
    0x00, 0xab, 0xcd, 0xef, /*   TSecr */
    /* payload, offset 66 */
    'h', 'e', 'l', 'l', 'o', 'w', 'o', 'r', 'l', 'd',
};

/* IPv4 / TCP ACK without options, 40 bytes: the network part of the link
 * layer tests. */
static const uint8_t ack4[] = {
    0x45, 0x00, 0x00, 0x28, /* IPv4, IHL 5, TOS 0, total length 40 */
    0xab, 0xcd, 0x00, 0x00, /* id 0xabcd, no flags */
    0x40, 0x06, 0xbb, 0x00, /* TTL 64, TCP, header checksum */
    0x0a, 0x00, 0x00, 0x01, /* source 10.0.0.1 */
    0x0a, 0x00, 0x00, 0x02, /* destination 10.0.0.2 */
    0x04, 0xd2, 0x01, 0xbb, /* ports 1234 -> 443 */
    0x00, 0x00, 0x00, 0x64, /* seq 100 */
    0x00, 0x00, 0x00, 0xc8, /* ack 200 */
    0x50, 0x10,             /* data offset 5; ACK */
    0x20, 0x00,             /* window 8192 */
    0x74, 0x19,             /* checksum */
    0x00, 0x00,             /* urgent pointer */
};

/* IPv6 / TCP ACK without options or extension headers, 60 bytes. */
static const uint8_t ack6[] = {
    0x60, 0x00, 0x00, 0x00, /* version 6, traffic class 0, flow 0 */
    0x00, 0x14,             /* payload length 20 */
    0x06,                   /* next header TCP */
    0x40,                   /* hop limit 64 */
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, /* src */
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, /* dst */
    0x00, 0x50, 0xc3, 0x51, /* ports 80 -> 50001 */
    0x11, 0x11, 0x11, 0x12, /* seq */
    0x22, 0x22, 0x22, 0x23, /* ack */
    0x50, 0x10,             /* data offset 5; ACK */
    0x01, 0x00,             /* window 256 */
    0x29, 0x56,             /* checksum */
    0x00, 0x00,             /* urgent pointer */
};

/* Ethernet / IPv6 / hop-by-hop / destination options / TCP SYN|ACK + MSS,
 * 94 bytes. */
static const uint8_t synack6[] = {
    /* Ethernet */
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, /* destination MAC */
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, /* source MAC */
    0x86, 0xdd,                         /* EtherType IPv6 */
    /* IPv6, offset 14 */
    0x6b, 0x80, 0x00, 0x00, /* version 6, traffic class 0xb8, flow 0 */
    0x00, 0x28,             /* payload length 40 */
    0x00,                   /* next header hop-by-hop */
    0x3f,                   /* hop limit 63 */
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, /* src */
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, /* dst */
    /* hop-by-hop options, offset 54 */
    0x3c,                               /* next header destination options */
    0x00,                               /* length 0: 8 bytes */
    0x01, 0x04, 0x00, 0x00, 0x00, 0x00, /* PadN, 4 bytes */
    /* destination options, offset 62 */
    0x06,                               /* next header TCP */
    0x00,                               /* length 0: 8 bytes */
    0x01, 0x04, 0x00, 0x00, 0x00, 0x00, /* PadN, 4 bytes */
    /* TCP, offset 70 */
    0x00, 0x50, 0xc3, 0x51, /* ports 80 -> 50001 */
    0x11, 0x11, 0x11, 0x11, /* seq */
    0x22, 0x22, 0x22, 0x22, /* ack */
    0x60, 0x12,             /* data offset 6 (24 bytes); SYN|ACK */
    0xff, 0xff,             /* window 65535 */
    0x12, 0xae,             /* checksum */
    0x00, 0x00,             /* urgent pointer */
    0x02, 0x04, 0x05, 0xa0, /* MSS 1440 */
};

static const uint8_t eth_hdr_v4[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, /* destination MAC */
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, /* source MAC */
    0x08, 0x00,                         /* EtherType IPv4 */
};

static const uint8_t addr_v4_src[4] = {10, 0, 0, 1};
static const uint8_t addr_v4_dst[4] = {10, 0, 0, 2};

/* What every successful decode of ack4 must say. */
static void check_ack4(const struct ts_seg *s)
{
    assert_int_equal(s->ipver, 4);
    assert_int_equal(s->ttl, 64);
    assert_int_equal(s->ip_id, 0xabcd);
    assert_int_equal(s->src.family, 4);
    assert_memory_equal(s->src.a, addr_v4_src, 4);
    assert_memory_equal(s->dst.a, addr_v4_dst, 4);
    assert_int_equal(s->sport, 1234);
    assert_int_equal(s->dport, 443);
    assert_int_equal(s->seq, 100);
    assert_int_equal(s->ack, 200);
    assert_int_equal(s->flags, TS_TH_ACK);
    assert_int_equal(s->win, 8192);
    assert_int_equal(s->payload_len, 0);
    assert_int_equal(s->cksum_state, TS_CK_GOOD);
    assert_int_equal(s->anomalies, 0);
}

static void check_ack6(const struct ts_seg *s)
{
    static const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
    assert_int_equal(s->ipver, 6);
    assert_int_equal(s->ttl, 64);
    assert_int_equal(s->src.family, 6);
    assert_memory_equal(s->dst.a, dst, 16);
    assert_int_equal(s->sport, 80);
    assert_int_equal(s->dport, 50001);
    assert_int_equal(s->seq, 0x11111112);
    assert_int_equal(s->flags, TS_TH_ACK);
    assert_int_equal(s->cksum_state, TS_CK_GOOD);
    assert_int_equal(s->anomalies, 0);
}

/* ------------------------------------------------------------------------ */
/* Whole frames */

static void test_syn4_fields(void **state)
{
    (void)state;
    struct ts_seg s;
    s.t_ns = 42; /* the caller's: must survive */
    assert_int_equal(dec(TS_DLT_EN10MB, syn4, sizeof syn4, &s), TS_DEC_TCP);
    assert_int_equal(s.t_ns, 42);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(s.ntun, 0);
    assert_int_equal(s.ipver, 4);
    assert_int_equal(s.ttl, 64);
    assert_int_equal(s.tos, 0);
    assert_true(s.df);
    assert_false(s.more_frags);
    assert_int_equal(s.frag_off, 0);
    assert_int_equal(s.ip_id, 0x1c46);
    char a[64], b[64];
    assert_string_equal(ts_addr_str(&s.src, a, sizeof a), "192.168.1.10");
    assert_string_equal(ts_addr_str(&s.dst, b, sizeof b), "192.168.1.20");
    assert_int_equal(s.sport, 50000);
    assert_int_equal(s.dport, 80);
    assert_int_equal(s.seq, 0x01020304);
    assert_int_equal(s.ack, 0);
    assert_int_equal(s.flags, TS_TH_SYN);
    assert_int_equal(s.ae, 0);
    assert_int_equal(s.doff, 40);
    assert_int_equal(s.win, 64240);
    assert_int_equal(s.cksum, 0xefc5);
    assert_int_equal(s.urp, 0);
    assert_int_equal(s.cksum_state, TS_CK_GOOD);
    assert_int_equal(s.payload_len, 0);
    assert_int_equal(s.payload_caplen, 0);
    assert_int_equal(s.payload_off, 74);
    assert_int_equal(s.caplen, 74);
    assert_int_equal(s.wirelen, 74);

    const struct ts_opts *o = &s.opt;
    assert_int_equal(o->present,
                     TS_HAS_MSS | TS_HAS_SACKOK | TS_HAS_TS | TS_HAS_WSCALE);
    assert_int_equal(o->mss, 1460);
    assert_int_equal(o->wscale, 7);
    assert_int_equal(o->tsval, 0x1234);
    assert_int_equal(o->tsecr, 0);
    assert_int_equal(o->sack_n, 0);
    assert_int_equal(o->raw_len, 20);
    assert_memory_equal(o->raw, syn4 + 54, 20);
    assert_int_equal(o->n, 5);
    static const struct ts_opt_item want[] = {
        {TS_OPT_MSS, 4, 0},  {TS_OPT_SACKOK, 2, 4}, {TS_OPT_TS, 10, 6},
        {TS_OPT_NOP, 1, 16}, {TS_OPT_WSCALE, 3, 17},
    };
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(o->items[i].kind, want[i].kind);
        assert_int_equal(o->items[i].len, want[i].len);
        assert_int_equal(o->items[i].offset, want[i].offset);
    }

    /* the stored checksum is right by the reference too */
    assert_int_equal(ref_tcp_sum(4, syn4 + 26, syn4 + 30, syn4 + 34, 40),
                     0xffff);
}

static void test_data4_payload(void **state)
{
    (void)state;
    struct ts_seg s;
    assert_int_equal(dec(TS_DLT_EN10MB, data4, sizeof data4, &s), TS_DEC_TCP);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(s.flags, TS_TH_PSH | TS_TH_ACK);
    assert_int_equal(s.ack, 0xa0b0c0d1);
    assert_int_equal(s.win, 502);
    assert_int_equal(s.doff, 32);
    assert_int_equal(s.opt.present, TS_HAS_TS);
    assert_int_equal(s.opt.n, 3);
    assert_int_equal(s.opt.tsval, 0x1235);
    assert_int_equal(s.opt.tsecr, 0xabcdef);
    assert_int_equal(s.payload_len, 10);
    assert_int_equal(s.payload_caplen, 10);
    assert_int_equal(s.payload_off, 66);
    assert_memory_equal(data4 + s.payload_off, "helloworld", 10);
    assert_int_equal(s.cksum_state, TS_CK_GOOD);
}

/* A 60-byte minimum Ethernet frame: the padding is not payload and is not
 * summed. */
static void test_ethernet_padding(void **state)
{
    (void)state;
    uint8_t f[60];
    size_t n = cat(f, eth_hdr_v4, sizeof eth_hdr_v4, ack4, sizeof ack4);
    assert_int_equal(n, 54);
    memset(f + n, 0xee, sizeof f - n); /* 6 bytes of padding */
    struct ts_seg s;
    assert_int_equal(dec(TS_DLT_EN10MB, f, sizeof f, &s), TS_DEC_TCP);
    check_ack4(&s);
    assert_int_equal(s.payload_caplen, 0);
    assert_int_equal(s.payload_off, 54);
}

static void test_synack6_ext_headers(void **state)
{
    (void)state;
    struct ts_seg s;
    assert_int_equal(dec(TS_DLT_EN10MB, synack6, sizeof synack6, &s),
                     TS_DEC_TCP);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(s.ipver, 6);
    assert_int_equal(s.tos, 0xb8);
    assert_int_equal(s.ttl, 63);
    char a[64], b[64];
    assert_string_equal(ts_addr_str(&s.src, a, sizeof a), "2001:db8::1");
    assert_string_equal(ts_addr_str(&s.dst, b, sizeof b), "2001:db8::2");
    assert_int_equal(s.sport, 80);
    assert_int_equal(s.dport, 50001);
    assert_int_equal(s.seq, 0x11111111);
    assert_int_equal(s.ack, 0x22222222);
    assert_int_equal(s.flags, TS_TH_SYN | TS_TH_ACK);
    assert_int_equal(s.doff, 24);
    assert_int_equal(s.win, 65535);
    assert_int_equal(s.opt.present, TS_HAS_MSS);
    assert_int_equal(s.opt.mss, 1440);
    assert_int_equal(s.payload_off, 94);
    assert_int_equal(s.payload_len, 0);
    assert_int_equal(s.cksum_state, TS_CK_GOOD);
    assert_int_equal(ref_tcp_sum(6, synack6 + 22, synack6 + 38, synack6 + 70,
                                 24),
                     0xffff);
}

/* ------------------------------------------------------------------------ */
/* Link layers */

static void test_vlan_8021q(void **state)
{
    (void)state;
    static const uint8_t hdr[] = {
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, /* destination MAC */
        0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, /* source MAC */
        0x81, 0x00,                         /* 802.1Q */
        0xa0, 0x64,                         /* PCP 5, VLAN 100 */
        0x08, 0x00,                         /* EtherType IPv4 */
    };
    uint8_t f[128];
    size_t n = cat(f, hdr, sizeof hdr, ack4, sizeof ack4);
    struct ts_seg s;
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    check_ack4(&s);
    assert_int_equal(s.ntun, 1);
    assert_int_equal(s.tun[0].id, 100);
    assert_int_equal(s.payload_off, 58);
}

static void test_vlan_qinq(void **state)
{
    (void)state;
    static const uint8_t hdr[] = {
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, /* destination MAC */
        0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, /* source MAC */
        0x88, 0xa8,                         /* 802.1ad service tag */
        0x00, 0xc8,                         /* VLAN 200 */
        0x81, 0x00,                         /* 802.1Q customer tag */
        0x07, 0xd1,                         /* VLAN 2001 */
        0x86, 0xdd,                         /* EtherType IPv6 */
    };
    uint8_t f[128];
    size_t n = cat(f, hdr, sizeof hdr, ack6, sizeof ack6);
    struct ts_seg s;
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    check_ack6(&s);
    assert_int_equal(s.ntun, 2);
    assert_int_equal(s.tun[0].id, 200);
    assert_int_equal(s.tun[1].id, 2001);
}

/* Three tags (old 0x9100 outer): all are skipped, the first two kept. */
static void test_vlan_three_tags(void **state)
{
    (void)state;
    static const uint8_t hdr[] = {
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, /* destination MAC */
        0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, /* source MAC */
        0x91, 0x00, 0x0f, 0xff,             /* 0x9100 tag, VLAN 4095 */
        0x88, 0xa8, 0x00, 0x0a,             /* 802.1ad, VLAN 10 */
        0x81, 0x00, 0x20, 0x14,             /* 802.1Q, PCP 1, VLAN 20 */
        0x08, 0x00,                         /* EtherType IPv4 */
    };
    uint8_t f[128];
    size_t n = cat(f, hdr, sizeof hdr, ack4, sizeof ack4);
    struct ts_seg s;
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    check_ack4(&s);
    /* every tag is kept (the decoder once kept two and lost the third) */
    assert_int_equal(s.ntun, 3);
    assert_int_equal(s.tun[0].id, 4095);
    assert_int_equal(s.tun[0].sub, 2);
    assert_int_equal(s.tun[1].id, 10);
    assert_int_equal(s.tun[1].sub, 1);
    assert_int_equal(s.tun[2].id, 20);
    assert_int_equal(s.tun[2].sub, 0);
    assert_int_equal(s.ip_off, sizeof hdr);
    /* cut inside the third tag: link truncation */
    assert_int_equal(dec(TS_DLT_EN10MB, f, 24, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_TRUNC_LINK);
}

static void test_not_ip(void **state)
{
    (void)state;
    static const uint8_t arp[] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* destination MAC broadcast */
        0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, /* source MAC */
        0x08, 0x06,                         /* EtherType ARP */
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, /* Ethernet, IPv4, 6, 4 */
        0x00, 0x01,                         /* request */
    };
    struct ts_seg s;
    assert_int_equal(dec(TS_DLT_EN10MB, arp, sizeof arp, &s), TS_DEC_NOT_IP);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(s.ipver, 0);
    static const uint8_t null_other[] = {
        0x07, 0x00, 0x00, 0x00, /* family 7: not IP */
        0x45, 0x00,
    };
    assert_int_equal(dec(TS_DLT_NULL, null_other, sizeof null_other, &s),
                     TS_DEC_NOT_IP);
    static const uint8_t loop_other[] = {
        0x00, 0x00, 0x00, 0x07, /* family 7, network order */
    };
    assert_int_equal(dec(TS_DLT_LOOP, loop_other, sizeof loop_other, &s),
                     TS_DEC_NOT_IP);
}

static void test_sll(void **state)
{
    (void)state;
    static const uint8_t hdr[] = {
        0x00, 0x00,                         /* packet type: to us */
        0x00, 0x01,                         /* ARPHRD_ETHER */
        0x00, 0x06,                         /* address length 6 */
        0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, /* address */
        0x00, 0x00,                         /* address padding */
        0x08, 0x00,                         /* protocol IPv4 */
    };
    uint8_t f[128];
    size_t n = cat(f, hdr, sizeof hdr, ack4, sizeof ack4);
    struct ts_seg s;
    assert_int_equal(dec(TS_DLT_LINUX_SLL, f, n, &s), TS_DEC_TCP);
    check_ack4(&s);
    assert_int_equal(s.payload_off, 56);
    assert_int_equal(dec(TS_DLT_LINUX_SLL, f, 15, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_TRUNC_LINK);

    /* the same header with a VLAN tag put back by libpcap */
    static const uint8_t vhdr[] = {
        0x00, 0x04,                         /* packet type: outgoing */
        0x00, 0x01,                         /* ARPHRD_ETHER */
        0x00, 0x06,                         /* address length 6 */
        0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, /* address */
        0x00, 0x00,                         /* address padding */
        0x81, 0x00,                         /* protocol 802.1Q */
        0x00, 0x07,                         /* VLAN 7 */
        0x86, 0xdd,                         /* EtherType IPv6 */
    };
    n = cat(f, vhdr, sizeof vhdr, ack6, sizeof ack6);
    assert_int_equal(dec(TS_DLT_LINUX_SLL, f, n, &s), TS_DEC_TCP);
    check_ack6(&s);
    assert_int_equal(s.ntun, 1);
    assert_int_equal(s.tun[0].id, 7);
}

static void test_sll2(void **state)
{
    (void)state;
    static const uint8_t hdr[] = {
        0x86, 0xdd,             /* protocol IPv6 */
        0x00, 0x00,             /* reserved */
        0x00, 0x00, 0x00, 0x02, /* interface index 2 */
        0x00, 0x01,             /* ARPHRD_ETHER */
        0x04,                   /* packet type: outgoing */
        0x06,                   /* address length 6 */
        0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x00, /* address, padding */
    };
    uint8_t f[128];
    size_t n = cat(f, hdr, sizeof hdr, ack6, sizeof ack6);
    struct ts_seg s;
    assert_int_equal(dec(TS_DLT_LINUX_SLL2, f, n, &s), TS_DEC_TCP);
    check_ack6(&s);
    assert_int_equal(s.payload_off, 80);
    assert_int_equal(dec(TS_DLT_LINUX_SLL2, f, 19, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_TRUNC_LINK);
}

static void test_null_and_loop(void **state)
{
    (void)state;
    struct ts_seg s;
    uint8_t f[128];
    size_t n;

    static const uint8_t null_v4_le[] = {0x02, 0x00, 0x00, 0x00}; /* AF_INET,
                                                   little-endian capturer */
    n = cat(f, null_v4_le, 4, ack4, sizeof ack4);
    assert_int_equal(dec(TS_DLT_NULL, f, n, &s), TS_DEC_TCP);
    check_ack4(&s);
    assert_int_equal(s.payload_off, 44);

    static const uint8_t null_v4_be[] = {0x00, 0x00, 0x00, 0x02}; /* AF_INET,
                                                   big-endian capturer */
    n = cat(f, null_v4_be, 4, ack4, sizeof ack4);
    assert_int_equal(dec(TS_DLT_NULL, f, n, &s), TS_DEC_TCP);
    check_ack4(&s);

    /* AF_INET6 as Linux (10), the BSDs (24), FreeBSD (28), Darwin (30),
     * in both byte orders */
    static const uint8_t afs[] = {10, 24, 28, 30};
    for (size_t i = 0; i < sizeof afs; i++) {
        uint8_t le[4] = {afs[i], 0, 0, 0}, be[4] = {0, 0, 0, afs[i]};
        n = cat(f, le, 4, ack6, sizeof ack6);
        assert_int_equal(dec(TS_DLT_NULL, f, n, &s), TS_DEC_TCP);
        check_ack6(&s);
        n = cat(f, be, 4, ack6, sizeof ack6);
        assert_int_equal(dec(TS_DLT_NULL, f, n, &s), TS_DEC_TCP);
        check_ack6(&s);
        n = cat(f, be, 4, ack6, sizeof ack6);
        assert_int_equal(dec(TS_DLT_LOOP, f, n, &s), TS_DEC_TCP);
        check_ack6(&s);
    }

    static const uint8_t loop_v4[] = {0x00, 0x00, 0x00, 0x02}; /* AF_INET,
                                                     network order */
    n = cat(f, loop_v4, 4, ack4, sizeof ack4);
    assert_int_equal(dec(TS_DLT_LOOP, f, n, &s), TS_DEC_TCP);
    check_ack4(&s);
    /* LOOP is always network order: the little-endian form is not IP */
    n = cat(f, null_v4_le, 4, ack4, sizeof ack4);
    assert_int_equal(dec(TS_DLT_LOOP, f, n, &s), TS_DEC_NOT_IP);

    assert_int_equal(dec(TS_DLT_NULL, f, 3, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_TRUNC_LINK);
    assert_int_equal(dec(TS_DLT_LOOP, f, 2, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_TRUNC_LINK);
}

static void test_raw(void **state)
{
    (void)state;
    struct ts_seg s;
    static const int raws[] = {TS_DLT_RAW, TS_DLT_RAW_ALT, TS_DLT_LINKTYPE_RAW};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(dec(raws[i], ack4, sizeof ack4, &s), TS_DEC_TCP);
        check_ack4(&s);
        assert_int_equal(s.payload_off, 40);
        assert_int_equal(dec(raws[i], ack6, sizeof ack6, &s), TS_DEC_TCP);
        check_ack6(&s);
        assert_int_equal(dec(raws[i], ack6, 0, &s), TS_DEC_BAD);
        assert_int_equal(s.anomalies, TS_AN_TRUNC_IP);
    }
    assert_int_equal(dec(TS_DLT_IPV4, ack4, sizeof ack4, &s), TS_DEC_TCP);
    check_ack4(&s);
    assert_int_equal(dec(TS_DLT_IPV6, ack6, sizeof ack6, &s), TS_DEC_TCP);
    check_ack6(&s);
    /* the fixed link types insist on their version */
    assert_int_equal(dec(TS_DLT_IPV4, ack6, sizeof ack6, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_IP);
    assert_int_equal(dec(TS_DLT_IPV6, ack4, sizeof ack4, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_IP);
    /* RAW with version 5 */
    uint8_t f[sizeof ack4];
    memcpy(f, ack4, sizeof f);
    f[0] = 0x55;
    assert_int_equal(dec(TS_DLT_RAW, f, sizeof f, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_IP);
}

static void test_unknown_dlt(void **state)
{
    (void)state;
    struct ts_seg s;
    assert_int_equal(dec(9999, ack4, sizeof ack4, &s), TS_DEC_BAD_LINK);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(dec(105 /* 802.11 */, ack4, sizeof ack4, &s),
                     TS_DEC_BAD_LINK);
    static const int ok[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_true(ts_dlt_supported(ok[i]));
    assert_false(ts_dlt_supported(105));
    assert_false(ts_dlt_supported(-1));
    assert_false(ts_dlt_supported(127));
}

/* ------------------------------------------------------------------------ */
/* IPv4 */

/* Ethernet/IPv4/TCP frame with the given IP options, TCP options (a multiple
 * of 4 bytes) and payload, all checksums right.  Returns the length. */
static size_t mk4(uint8_t *f, const uint8_t *ipopt, size_t ipoptlen,
                  const uint8_t *opt, size_t optlen, const uint8_t *pay,
                  size_t paylen)
{
    static const uint8_t ip[] = {
        0x45, 0x00, 0x00, 0x00, /* version 4, IHL (set below), TOS, length */
        0x12, 0x34, 0x00, 0x00, /* id 0x1234, no flags */
        0x40, 0x06, 0x00, 0x00, /* TTL 64, TCP, checksum (below) */
        0x0a, 0x00, 0x00, 0x01, /* source 10.0.0.1 */
        0x0a, 0x00, 0x00, 0x02, /* destination 10.0.0.2 */
    };
    static const uint8_t tcp[] = {
        0x04, 0xd2, 0x01, 0xbb, /* ports 1234 -> 443 */
        0x00, 0x00, 0x00, 0x64, /* seq 100 */
        0x00, 0x00, 0x00, 0xc8, /* ack 200 */
        0x00, 0x18,             /* data offset (below); PSH|ACK */
        0x20, 0x00,             /* window 8192 */
        0x00, 0x00, 0x00, 0x00, /* checksum (below), urgent pointer */
    };
    assert_true(ipoptlen % 4 == 0 && optlen % 4 == 0);
    size_t n = cat(f, eth_hdr_v4, 14, ip, 20);
    n += cat(f + n, ipopt, ipoptlen, NULL, 0);
    size_t t = n;
    n += cat(f + n, tcp, 20, opt, optlen);
    n += cat(f + n, pay, paylen, NULL, 0);
    f[14] = (uint8_t)(0x40 | (20 + ipoptlen) / 4);
    put16(f + 16, (uint16_t)(n - 14));
    f[t + 12] = (uint8_t)((20 + optlen) / 4 << 4);
    ref_fix_ip4(f + 14);
    ref_fix_tcp(4, f + 26, f + 30, f + t, (uint32_t)(n - t));
    return n;
}

static void test_ip4_bad_header(void **state)
{
    (void)state;
    struct ts_seg s;
    uint8_t f[128];
    size_t n = cat(f, eth_hdr_v4, 14, ack4, sizeof ack4);

    f[14] = 0x44; /* IHL 4 */
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_IP);
    assert_int_equal(s.ipver, 0);
    f[14] = 0x40; /* IHL 0 */
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_IP);
    f[14] = 0x65; /* version 6 behind an IPv4 EtherType */
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_IP);
    f[14] = 0x4f; /* IHL 15: 60 bytes, more than the 40 captured */
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_TRUNC_IP);

    /* total length below the header length */
    n = cat(f, eth_hdr_v4, 14, ack4, sizeof ack4);
    put16(f + 16, 19);
    ref_fix_ip4(f + 14);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_IP);
    assert_int_equal(s.ipver, 4); /* the header itself was read */
}

/* Total length beyond the frame: flagged and clamped to the wire. */
static void test_ip4_length_beyond_frame(void **state)
{
    (void)state;
    struct ts_seg s;
    uint8_t f[128];
    size_t n = cat(f, eth_hdr_v4, 14, ack4, sizeof ack4);
    memcpy(f + n, "abcd", 4); /* 4 payload bytes, but... */
    n += 4;
    put16(f + 16, 40 + 10); /* ...the IP header claims 10 */
    ref_fix_ip4(f + 14);
    ref_fix_tcp(4, f + 26, f + 30, f + 34, 24);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    assert_int_equal(s.anomalies, TS_AN_BAD_IPLEN);
    assert_int_equal(s.payload_len, 4);
    assert_int_equal(s.payload_caplen, 4);
    assert_int_equal(s.cksum_state, TS_CK_GOOD); /* over what is there */
}

static void test_ip4_header_checksum(void **state)
{
    (void)state;
    struct ts_seg s;
    uint8_t f[128];
    size_t n = cat(f, eth_hdr_v4, 14, ack4, sizeof ack4);
    assert_int_equal(ref_sum(f + 14, 20), 0xffff);
    f[24] ^= 0x40; /* break the header checksum */
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    assert_int_equal(s.anomalies, TS_AN_BAD_IPCKSUM);
    assert_int_equal(s.cksum_state, TS_CK_GOOD); /* TCP's is still right */
    /* not verified when not asked */
    assert_int_equal(dec_full(TS_DLT_EN10MB, f, (uint32_t)n, (uint32_t)n,
                              false, &s),
                     TS_DEC_TCP);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(s.cksum_state, TS_CK_UNCHECKED);
}

static void test_ip4_options_and_fields(void **state)
{
    (void)state;
    /* a no-op and a loose source route whose last hop is the final
     * destination 10.0.0.99: the sender summed against that address */
    static const uint8_t lsrr[] = {
        0x01,                   /* no-op */
        0x83, 0x0b, 0x04,       /* LSRR, length 11, pointer 4 */
        0x0a, 0x00, 0x00, 0x09, /* hop 10.0.0.9 */
        0x0a, 0x00, 0x00, 0x63, /* final 10.0.0.99 */
    };
    static const uint8_t final_dst[4] = {10, 0, 0, 99};
    uint8_t f[128];
    size_t n = mk4(f, lsrr, sizeof lsrr, NULL, 0, (const uint8_t *)"xy", 2);
    ref_fix_tcp(4, f + 26, final_dst, f + 46, (uint32_t)(n - 46));
    struct ts_seg s;
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(s.cksum_state, TS_CK_GOOD);
    assert_memory_equal(s.dst.a, addr_v4_dst, 4); /* the header's */
    assert_int_equal(s.payload_off, 66);
    assert_int_equal(s.payload_len, 2);
    assert_int_equal(s.sport, 1234);

    /* route used up (pointer past the end): the header holds the final one */
    n = mk4(f, lsrr, sizeof lsrr, NULL, 0, (const uint8_t *)"xy", 2);
    f[14 + 20 + 3] = 12;
    ref_fix_ip4(f + 14);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    assert_int_equal(s.cksum_state, TS_CK_GOOD);

    /* TOS, TTL, flags */
    n = mk4(f, NULL, 0, NULL, 0, NULL, 0);
    f[15] = 0x2e; /* DSCP AF11... whatever, TOS 0x2e */
    f[22] = 0x05; /* TTL 5 */
    f[20] = 0x40; /* DF */
    ref_fix_ip4(f + 14);
    f[14 + 20 + 12] |= 0x01; /* AE */
    f[14 + 20 + 13] = 0xff;  /* every flag */
    ref_fix_tcp(4, f + 26, f + 30, f + 34, 20);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    assert_int_equal(s.tos, 0x2e);
    assert_int_equal(s.ttl, 5);
    assert_true(s.df);
    assert_int_equal(s.ip_id, 0x1234);
    assert_int_equal(s.ae, 1);
    assert_int_equal(s.doff, 20);
    assert_int_equal(s.flags, 0xff);
    assert_int_equal(s.cksum_state, TS_CK_GOOD);
}

static void test_ip4_fragments(void **state)
{
    (void)state;
    struct ts_seg s;
    uint8_t f[128];
    uint8_t pay[16];
    memset(pay, 'p', sizeof pay);

    /* first fragment: MF, offset 0 -- decoded, sum not checkable */
    size_t n = mk4(f, NULL, 0, NULL, 0, pay, sizeof pay);
    f[20] = 0x20; /* MF */
    ref_fix_ip4(f + 14);
    put16(f + 34 + 16, 0xdead); /* a partial segment's sum means nothing */
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    assert_int_equal(s.anomalies, TS_AN_FRAG);
    assert_true(s.more_frags);
    assert_int_equal(s.frag_off, 0);
    assert_int_equal(s.cksum_state, TS_CK_UNCHECKED);
    assert_int_equal(s.sport, 1234);
    assert_int_equal(s.payload_len, 16);

    /* a later fragment: offset 185 * 8 = 1480, MF clear */
    n = mk4(f, NULL, 0, NULL, 0, pay, sizeof pay);
    f[20] = 0x00;
    f[21] = 0xb9;
    ref_fix_ip4(f + 14);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_NOT_TCP);
    assert_int_equal(s.anomalies, TS_AN_FRAG);
    assert_int_equal(s.frag_off, 1480);
    assert_false(s.more_frags);
    assert_int_equal(s.ipver, 4);
    assert_memory_equal(s.src.a, addr_v4_src, 4);
    assert_int_equal(s.sport, 0); /* not read */

    /* a middle fragment: MF and an offset */
    f[20] = 0x20;
    ref_fix_ip4(f + 14);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_NOT_TCP);
    assert_int_equal(s.anomalies, TS_AN_FRAG);
    assert_true(s.more_frags);

    /* UDP is not TCP, and no fragment */
    n = mk4(f, NULL, 0, NULL, 0, pay, sizeof pay);
    f[23] = 17;
    ref_fix_ip4(f + 14);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_NOT_TCP);
    assert_int_equal(s.anomalies, 0);
}

/* A TSO super-segment seen on the sender: total length 0, the stack's
 * pseudo-header sum in the TCP checksum field, header sum not filled in. */
static void test_ip4_tso(void **state)
{
    (void)state;
    enum { PAY = 3000 };
    uint8_t *pay = malloc(PAY);
    uint8_t *f = malloc(14 + 40 + PAY);
    assert_non_null(pay);
    assert_non_null(f);
    for (size_t i = 0; i < PAY; i++)
        pay[i] = (uint8_t)(i * 7);
    size_t n = mk4(f, NULL, 0, NULL, 0, pay, PAY);
    assert_int_equal(n, 14 + 40 + PAY);
    put16(f + 16, 0);      /* total length 0 */
    put16(f + 24, 0x0000); /* header checksum left to the NIC */
    put16(f + 34 + 16,
          ref_pseudo_sum(4, f + 26, f + 30, 20 + PAY)); /* CHECKSUM_PARTIAL */

    struct ts_seg s;
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    assert_int_equal(s.anomalies, TS_AN_TSO); /* no bad-ip-checksum */
    assert_int_equal(s.payload_len, PAY);
    assert_int_equal(s.payload_caplen, PAY);
    assert_int_equal(s.cksum_state, TS_CK_OFFLOAD);

    /* cut by a snaplen of 200: the wire length still gives the size */
    assert_int_equal(dec_full(TS_DLT_EN10MB, f, 200, (uint32_t)n, true, &s),
                     TS_DEC_TCP);
    assert_int_equal(s.anomalies, TS_AN_TSO | TS_AN_SHORT_CAP);
    assert_int_equal(s.payload_len, PAY);
    assert_int_equal(s.payload_caplen, 200 - 54);
    assert_int_equal(s.cksum_state, TS_CK_UNCHECKED);

    /* total length 0 and nothing behind the header is just bad */
    assert_int_equal(dec(TS_DLT_EN10MB, f, 34, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_IP);
    free(f);
    free(pay);
}

/* ------------------------------------------------------------------------ */
/* IPv6 */

static const uint8_t v6_src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t v6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
static const uint8_t v6_final[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x99};

/* Ethernet / IPv6 (first next header `nh`) / `ext` / the 24-byte TCP of
 * synack6 / `paylen` bytes; TCP sum right against `ph_dst`. */
static size_t mk6(uint8_t *f, uint8_t nh, const uint8_t *ext, size_t extlen,
                  size_t paylen, const uint8_t *ph_dst)
{
    size_t n = cat(f, synack6, 54, ext, extlen);
    f[20] = nh;
    memcpy(f + n, synack6 + 70, 24);
    size_t t = n;
    n += 24;
    for (size_t i = 0; i < paylen; i++)
        f[n++] = (uint8_t)i;
    put16(f + 18, (uint16_t)(n - 54));
    ref_fix_tcp(6, v6_src, ph_dst, f + t, (uint32_t)(n - t));
    return n;
}

static void test_ip6_routing_final_destination(void **state)
{
    (void)state;
    struct ts_seg s;
    uint8_t f[256];
    static const uint8_t rh0[] = {
        0x06,                   /* next header TCP */
        0x04,                   /* length 4: 40 bytes */
        0x00,                   /* type 0 */
        0x01,                   /* segments left 1 */
        0x00, 0x00, 0x00, 0x00, /* reserved */
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, /* hop */
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99, /* fin */
    };
    size_t n = mk6(f, 43, rh0, sizeof rh0, 3, v6_final);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(s.cksum_state, TS_CK_GOOD);
    assert_memory_equal(s.dst.a, v6_dst, 16); /* the header's */
    assert_int_equal(s.payload_off, 14 + 40 + 40 + 24);
    assert_int_equal(s.payload_len, 3);

    /* segments left 0: the header's destination is final */
    n = mk6(f, 43, rh0, sizeof rh0, 3, v6_dst);
    f[54 + 3] = 0;
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    assert_int_equal(s.cksum_state, TS_CK_GOOD);

    static const uint8_t rh2[] = {
        0x06,                   /* next header TCP */
        0x02,                   /* length 2: 24 bytes */
        0x02,                   /* type 2 (Mobile IPv6) */
        0x01,                   /* segments left 1 */
        0x00, 0x00, 0x00, 0x00, /* reserved */
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99, /* HoA */
    };
    n = mk6(f, 43, rh2, sizeof rh2, 0, v6_final);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    assert_int_equal(s.cksum_state, TS_CK_GOOD);

    static const uint8_t srh[] = {
        0x06,                   /* next header TCP */
        0x04,                   /* length 4: 40 bytes */
        0x04,                   /* type 4 (segment routing) */
        0x01,                   /* segments left 1 */
        0x01, 0x00, 0x00, 0x00, /* last entry 1, flags, tag */
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99, /* [0] */
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, /* [1] */
    };
    n = mk6(f, 43, srh, sizeof srh, 0, v6_final);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    assert_int_equal(s.cksum_state, TS_CK_GOOD);
}

static void test_ip6_fragments(void **state)
{
    (void)state;
    struct ts_seg s;
    uint8_t f[256];
    static const uint8_t first[] = {
        0x06,                   /* next header TCP */
        0x00,                   /* reserved */
        0x00, 0x01,             /* offset 0, M */
        0x00, 0x00, 0x12, 0x34, /* identification */
    };
    size_t n = mk6(f, 44, first, sizeof first, 8, v6_dst);
    put16(f + 62 + 16, 0xbeef); /* meaningless for part of a segment */
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    assert_int_equal(s.anomalies, TS_AN_FRAG);
    assert_true(s.more_frags);
    assert_int_equal(s.frag_off, 0);
    assert_int_equal(s.cksum_state, TS_CK_UNCHECKED);
    assert_int_equal(s.sport, 80);
    assert_int_equal(s.payload_len, 8);

    static const uint8_t later[] = {
        0x06,                   /* next header TCP */
        0x00,                   /* reserved */
        0x05, 0xa8,             /* offset 181 (1448 bytes), no M */
        0x00, 0x00, 0x12, 0x34, /* identification */
    };
    n = mk6(f, 44, later, sizeof later, 8, v6_dst);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_NOT_TCP);
    assert_int_equal(s.anomalies, TS_AN_FRAG);
    assert_int_equal(s.frag_off, 1448);
    assert_false(s.more_frags);
    assert_int_equal(s.ipver, 6);

    static const uint8_t atomic[] = {
        0x06,                   /* next header TCP */
        0x00,                   /* reserved */
        0x00, 0x00,             /* offset 0, no M: RFC 6946 atomic */
        0x00, 0x00, 0x12, 0x34, /* identification */
    };
    n = mk6(f, 44, atomic, sizeof atomic, 8, v6_dst);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(s.cksum_state, TS_CK_GOOD);
}

static void test_ip6_ext_headers(void **state)
{
    (void)state;
    struct ts_seg s;
    uint8_t f[256];
    size_t n;

    static const uint8_t ah[] = {
        0x06,                   /* next header TCP */
        0x04,                   /* payload length 4: (4 + 2) * 4 = 24 */
        0x00, 0x00,             /* reserved */
        0x00, 0x00, 0x01, 0x00, /* SPI */
        0x00, 0x00, 0x00, 0x01, /* sequence */
        0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, /* ICV, 12 bytes */
        0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac,
    };
    n = mk6(f, 51, ah, sizeof ah, 5, v6_dst);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(s.cksum_state, TS_CK_GOOD);
    assert_int_equal(s.payload_len, 5);
    assert_int_equal(s.payload_off, 14 + 40 + 24 + 24);

    /* AH too short to hold its own fixed fields */
    static const uint8_t ah_short[] = {
        0x06, 0x00,             /* next header TCP, length 0: 8 bytes */
        0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
    };
    n = mk6(f, 51, ah_short, sizeof ah_short, 0, v6_dst);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_EXTHDR);

    /* a destination options header longer than the payload */
    static const uint8_t dst_long[] = {
        0x06,                               /* next header TCP */
        0x0a,                               /* length 10: 88 bytes */
        0x01, 0x04, 0x00, 0x00, 0x00, 0x00, /* PadN */
    };
    n = mk6(f, 60, dst_long, sizeof dst_long, 0, v6_dst);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_EXTHDR);
    /* ...but cut by the snaplen inside a header that does fit: truncated */
    n = mk6(f, 60, dst_long, sizeof dst_long, 0, v6_dst);
    put16(f + 18, 200);
    assert_int_equal(
        dec_full(TS_DLT_EN10MB, f, (uint32_t)n, 54 + 200, true, &s),
        TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_TRUNC_IP);

    /* hop-by-hop anywhere but first */
    static const uint8_t hbh_late[] = {
        0x00,                               /* next header hop-by-hop! */
        0x00,                               /* 8 bytes */
        0x01, 0x04, 0x00, 0x00, 0x00, 0x00, /* PadN */
        0x06, 0x00,                         /* hop-by-hop: next TCP */
        0x01, 0x04, 0x00, 0x00, 0x00, 0x00, /* PadN */
    };
    n = mk6(f, 60, hbh_late, sizeof hbh_late, 0, v6_dst);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_EXTHDR);

    /* ESP, no-next-header and UDP are not TCP */
    n = mk6(f, 50, NULL, 0, 0, v6_dst);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_NOT_TCP);
    assert_int_equal(s.anomalies, 0);
    n = mk6(f, 59, NULL, 0, 0, v6_dst);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_NOT_TCP);
    n = mk6(f, 17, NULL, 0, 0, v6_dst);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_NOT_TCP);
    assert_int_equal(s.ipver, 6);
}

static void test_ip6_lengths(void **state)
{
    (void)state;
    struct ts_seg s;
    uint8_t f[2048];

    /* payload length 0: a GSO/BIG TCP super-segment as the sender saw it */
    size_t n = mk6(f, 6, NULL, 0, 1000, v6_dst);
    put16(f + 18, 0);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    assert_int_equal(s.anomalies, TS_AN_TSO);
    assert_int_equal(s.payload_len, 1000);
    assert_int_equal(s.cksum_state, TS_CK_GOOD);

    /* ...with a hop-by-hop jumbo payload option (RFC 2675) */
    static const uint8_t jumbo[] = {
        0x06,                   /* next header TCP */
        0x00,                   /* 8 bytes */
        0xc2, 0x04,             /* jumbo payload option, length 4 */
        0x00, 0x00, 0x04, 0x00, /* 1024 = 8 + 24 + 992 */
    };
    n = mk6(f, 0, jumbo, sizeof jumbo, 992, v6_dst);
    put16(f + 18, 0);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    assert_int_equal(s.anomalies, TS_AN_TSO);
    assert_int_equal(s.payload_len, 992);

    /* payload length 0 before a non-TCP header: nothing to call TSO */
    n = mk6(f, 17, NULL, 0, 6, v6_dst);
    put16(f + 18, 0);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_NOT_TCP);
    assert_int_equal(s.anomalies, 0);

    /* payload length beyond the frame */
    n = mk6(f, 6, NULL, 0, 4, v6_dst);
    put16(f + 18, 24 + 40);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_TCP);
    assert_int_equal(s.anomalies, TS_AN_BAD_IPLEN);
    assert_int_equal(s.payload_len, 4);
    assert_int_equal(s.cksum_state, TS_CK_GOOD);

    /* payload length shorter than the frame: the rest is padding */
    n = mk6(f, 6, NULL, 0, 0, v6_dst);
    memset(f + n, 0xee, 6);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n + 6, &s), TS_DEC_TCP);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(s.payload_len, 0);
    assert_int_equal(s.cksum_state, TS_CK_GOOD);

    /* version 4 behind the IPv6 EtherType */
    n = mk6(f, 6, NULL, 0, 0, v6_dst);
    f[14] = 0x45;
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_IP);
}

/* ------------------------------------------------------------------------ */
/* TCP header and options */

static void test_tcp_bad_doff(void **state)
{
    (void)state;
    struct ts_seg s;
    uint8_t f[128];
    static const uint8_t pay[8] = {
        0x01, 0x01,             /* payload that reads as NOP NOP... */
        0x1f, 0x06,             /* ...kind 31, length 6 */
        'a', 'b', 'c', 'd',     /*    and its data */
    };
    size_t n = mk4(f, NULL, 0, NULL, 0, pay, sizeof pay);

    f[34 + 12] = 0x40; /* data offset 4 */
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_DOFF);
    assert_int_equal(s.doff, 16);
    assert_int_equal(s.sport, 1234); /* the fixed header was read */
    assert_int_equal(s.win, 8192);
    assert_int_equal(s.payload_len, 0);

    f[34 + 12] = 0x00; /* data offset 0 */
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_DOFF);

    f[34 + 12] = 0x80; /* 32 bytes: past the 28-byte segment */
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_DOFF);

    f[34 + 12] = 0x70; /* 28 bytes: exactly the segment, no payload */
    assert_int_equal(dec_full(TS_DLT_EN10MB, f, (uint32_t)n, (uint32_t)n,
                              false, &s),
                     TS_DEC_TCP);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(s.doff, 28);
    assert_int_equal(s.payload_len, 0);
    assert_int_equal(s.opt.raw_len, 8);
    assert_int_equal(s.opt.present, TS_HAS_OTHER);
    assert_int_equal(s.opt.n, 3);

    /* the IP payload is shorter than a TCP header */
    n = mk4(f, NULL, 0, NULL, 0, NULL, 0);
    put16(f + 16, 20 + 12);
    ref_fix_ip4(f + 14);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_TRUNC_TCP);
    assert_int_equal(s.ack, 200); /* 12 bytes were there */
    assert_int_equal(s.doff, 0);
}

/* Decode Ethernet/IPv4/TCP with these option bytes; status must be TCP. */
static void dec_opts(const uint8_t *opt, size_t len, struct ts_seg *s)
{
    uint8_t f[128];
    size_t n = mk4(f, NULL, 0, opt, len, NULL, 0);
    assert_int_equal(dec(TS_DLT_EN10MB, f, n, s), TS_DEC_TCP);
    assert_int_equal(s->cksum_state, TS_CK_GOOD);
    assert_int_equal(s->doff, 20 + len);
    assert_int_equal(s->opt.raw_len, len);
    assert_memory_equal(s->opt.raw, opt, len);
}

static void test_options_sack_tfo_mptcp(void **state)
{
    (void)state;
    struct ts_seg s;
    static const uint8_t sack4[] = {
        0x01, 0x01,             /* NOP NOP */
        0x05, 0x22,             /* SACK, 34 bytes: 4 blocks */
        0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x14, /* 10-20 */
        0x00, 0x00, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x28, /* 30-40 */
        0xff, 0xff, 0xff, 0xf0, 0x00, 0x00, 0x00, 0x10, /* wraps */
        0x80, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x01, /* 2^31.. */
    };
    dec_opts(sack4, sizeof sack4, &s);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(s.opt.present, TS_HAS_SACK);
    assert_int_equal(s.opt.sack_n, 4);
    assert_int_equal(s.opt.sack[0][0], 10);
    assert_int_equal(s.opt.sack[0][1], 20);
    assert_int_equal(s.opt.sack[1][0], 30);
    assert_int_equal(s.opt.sack[2][0], 0xfffffff0u);
    assert_int_equal(s.opt.sack[2][1], 0x10);
    assert_int_equal(s.opt.sack[3][1], 0x80000001u);
    assert_int_equal(s.opt.n, 3);
    assert_int_equal(s.opt.items[2].kind, TS_OPT_SACK);
    assert_int_equal(s.opt.items[2].len, 34);
    assert_int_equal(s.opt.items[2].offset, 2);

    static const uint8_t sack1_ts[] = {
        0x01, 0x01, 0x08, 0x0a, /* NOP NOP timestamps */
        0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x06, /* TSval 5 TSecr 6 */
        0x01, 0x01, 0x05, 0x0a, /* NOP NOP SACK, 1 block */
        0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, /* 256-512 */
    };
    dec_opts(sack1_ts, sizeof sack1_ts, &s);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(s.opt.present, TS_HAS_SACK | TS_HAS_TS);
    assert_int_equal(s.opt.tsval, 5);
    assert_int_equal(s.opt.tsecr, 6);
    assert_int_equal(s.opt.sack_n, 1);
    assert_int_equal(s.opt.sack[0][0], 256);
    assert_int_equal(s.opt.sack[0][1], 512);
    assert_int_equal(s.opt.n, 6);

    static const uint8_t tfo[] = {
        0x02, 0x04, 0x05, 0xb4, /* MSS 1460 */
        0x22, 0x0a,             /* TFO, 10 bytes: 8-byte cookie */
        0xc0, 0x0c, 0x1e, 0x5a, 0x11, 0x22, 0x33, 0x44, /* cookie */
        0x01, 0x01,             /* NOP NOP */
    };
    dec_opts(tfo, sizeof tfo, &s);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(s.opt.present, TS_HAS_MSS | TS_HAS_TFO);
    assert_int_equal(s.opt.tfo_len, 8);
    assert_memory_equal(s.opt.tfo_cookie, tfo + 6, 8);
    assert_int_equal(s.opt.items[1].kind, TS_OPT_TFO);
    assert_int_equal(s.opt.items[1].offset, 4);

    static const uint8_t tfo_req[] = {
        0x22, 0x02,             /* TFO cookie request */
        0x01, 0x01,             /* NOP NOP */
    };
    dec_opts(tfo_req, sizeof tfo_req, &s);
    assert_int_equal(s.opt.present, TS_HAS_TFO);
    assert_int_equal(s.opt.tfo_len, 0);

    static const uint8_t tfo_max[] = {
        0x22, 0x12,             /* TFO, 18 bytes: 16-byte cookie */
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
        0x01, 0x01,             /* NOP NOP */
    };
    dec_opts(tfo_max, sizeof tfo_max, &s);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(s.opt.tfo_len, 16);
    assert_memory_equal(s.opt.tfo_cookie, tfo_max + 2, 16);

    static const uint8_t mptcp[] = {
        0x1e, 0x0c,             /* MPTCP, 12 bytes */
        0x01, 0x81,             /* MP_CAPABLE v1, flags */
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* key */
        0xfd, 0x06,             /* RFC 4727 experiment, 6 bytes */
        0xaa, 0xbb, 0xcc, 0xdd,
        0x01, 0x01,             /* NOP NOP */
    };
    dec_opts(mptcp, sizeof mptcp, &s);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(s.opt.present, TS_HAS_OTHER);
    assert_int_equal(s.opt.n, 4);
    assert_int_equal(s.opt.items[0].kind, TS_OPT_MPTCP);
    assert_int_equal(s.opt.items[0].len, 12);
    assert_int_equal(s.opt.items[1].kind, 0xfd);
    assert_int_equal(s.opt.items[1].offset, 12);

    static const uint8_t eol[] = {
        0x02, 0x04, 0x01, 0x00, /* MSS 256 */
        0x00,                   /* EOL */
        0xff, 0x03, 0x00,       /* after EOL: padding, not parsed */
    };
    dec_opts(eol, sizeof eol, &s);
    assert_int_equal(s.anomalies, 0);
    assert_int_equal(s.opt.present, TS_HAS_MSS | TS_HAS_EOL);
    assert_int_equal(s.opt.mss, 256);
    assert_int_equal(s.opt.n, 2);
    assert_int_equal(s.opt.items[1].kind, TS_OPT_EOL);
    assert_int_equal(s.opt.items[1].len, 1);
    assert_int_equal(s.opt.items[1].offset, 4);

    /* 40 bytes of NOP: 40 items */
    uint8_t nops[40];
    memset(nops, 0x01, sizeof nops);
    dec_opts(nops, sizeof nops, &s);
    assert_int_equal(s.opt.n, 40);
    assert_int_equal(s.opt.items[39].offset, 39);
    assert_int_equal(s.opt.present, 0);
}

static void test_options_bad(void **state)
{
    (void)state;
    struct ts_seg s;
    static const struct {
        const char *what;
        uint8_t bytes[20];
        uint8_t len;    /* option area length */
        uint8_t good_n; /* items parsed before the bad one */
    } cases[] = {
        {"MSS length 3", {0x02, 0x03, 0x05, 0x00}, 4, 0},
        {"MSS length 5", {0x01, 0x02, 0x05, 0x05, 0xb4, 0, 0, 0}, 8, 1},
        {"window scale length 4", {0x01, 0x03, 0x04, 0x07}, 4, 1},
        {"SACK-permitted length 3", {0x04, 0x03, 0x00, 0x00}, 4, 0},
        {"SACK length 2", {0x05, 0x02, 0x01, 0x01}, 4, 0},
        {"SACK length 9", {0x05, 0x09, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0}, 12, 0},
        {"timestamps length 8",
         {0x08, 0x08, 1, 2, 3, 4, 5, 6, 0x01, 0x01, 0x01, 0x01}, 12, 0},
        {"TFO length 19",
         {0x22, 0x13, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
          0},
         20, 0},
        {"length 0", {0x01, 0x1f, 0x00, 0x00}, 4, 1},
        {"length 1", {0x1f, 0x01, 0x00, 0x00}, 4, 0},
        {"runs past the header", {0x01, 0x01, 0x1f, 0x08}, 4, 2},
        {"no room for the length", {0x01, 0x01, 0x01, 0x1f}, 4, 3},
        {"MSS past the header",
         {0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x02, 0x04}, 8, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dec_opts(cases[i].bytes, cases[i].len, &s);
        if (s.anomalies != TS_AN_BAD_OPT || s.opt.n != cases[i].good_n)
            fail_msg("%s: anomalies %#x n %u", cases[i].what, s.anomalies,
                     s.opt.n);
    }
    /* options before the bad one are kept */
    dec_opts(cases[12].bytes, cases[12].len, &s);
    assert_int_equal(s.opt.present, TS_HAS_MSS);
    assert_int_equal(s.opt.mss, 1460);
}

/* ------------------------------------------------------------------------ */
/* Truncation at every byte */

/* Item end offsets of syn4's options, for "how many were parsed". */
static unsigned items_within(const struct ts_opt_item *it, unsigned n,
                             unsigned bytes)
{
    unsigned k = 0;
    while (k < n && it[k].offset + it[k].len <= bytes)
        k++;
    return k;
}

static void check_trunc4(const uint8_t *frame, uint32_t full, uint32_t doff,
                         const struct ts_seg *whole)
{
    const uint32_t tcp = 34, opt_end = tcp + doff;
    for (uint32_t c = 0; c <= full; c++) {
        struct ts_seg s;
        enum ts_decode_status st =
            dec_full(TS_DLT_EN10MB, frame, c, full, true, &s);
        if (c < 14) {
            assert_int_equal(st, TS_DEC_BAD);
            assert_int_equal(s.anomalies, TS_AN_TRUNC_LINK);
        } else if (c < tcp) {
            assert_int_equal(st, TS_DEC_BAD);
            assert_int_equal(s.anomalies, TS_AN_TRUNC_IP);
            assert_int_equal(s.ipver, 0);
        } else if (c < tcp + 20) {
            uint32_t k = c - tcp; /* TCP bytes captured */
            assert_int_equal(st, TS_DEC_BAD);
            assert_int_equal(s.anomalies, TS_AN_TRUNC_TCP);
            assert_int_equal(s.ipver, 4);
            assert_int_equal(s.sport, k >= 2 ? whole->sport : 0);
            assert_int_equal(s.dport, k >= 4 ? whole->dport : 0);
            assert_int_equal(s.seq, k >= 8 ? whole->seq : 0);
            assert_int_equal(s.ack, k >= 12 ? whole->ack : 0);
            assert_int_equal(s.doff, k >= 13 ? whole->doff : 0);
            assert_int_equal(s.flags, k >= 14 ? whole->flags : 0);
            assert_int_equal(s.win, k >= 16 ? whole->win : 0);
            assert_int_equal(s.cksum, k >= 18 ? whole->cksum : 0);
            assert_int_equal(s.cksum_state, TS_CK_UNCHECKED);
        } else {
            assert_int_equal(st, TS_DEC_TCP);
            assert_int_equal(s.seq, whole->seq);
            uint32_t want = 0;
            if (c < opt_end)
                want |= TS_AN_TRUNC_OPT;
            if (c < full && whole->payload_len > 0)
                want |= TS_AN_SHORT_CAP;
            assert_int_equal(s.anomalies, want);
            uint32_t got = (c < opt_end ? c : opt_end) - tcp - 20;
            assert_int_equal(s.opt.raw_len, got);
            assert_int_equal(s.opt.n,
                             items_within(whole->opt.items, whole->opt.n, got));
            assert_int_equal(s.payload_len, whole->payload_len);
            assert_int_equal(s.payload_caplen, c > opt_end ? c - opt_end : 0);
            assert_int_equal(s.payload_off, opt_end);
            assert_int_equal(s.cksum_state,
                             c == full ? TS_CK_GOOD : TS_CK_UNCHECKED);
        }
        /* the record's own lengths agree (a damaged file): whatever the
         * IP header says beyond that is flagged */
        st = dec_full(TS_DLT_EN10MB, frame, c, c, true, &s);
        if (c >= tcp && c < full) {
            assert_true(s.anomalies & TS_AN_BAD_IPLEN);
        } else if (c == full) {
            assert_int_equal(st, TS_DEC_TCP);
            assert_int_equal(s.anomalies, 0);
        }
    }
}

static void test_truncate_every_byte_v4(void **state)
{
    (void)state;
    struct ts_seg whole;
    assert_int_equal(dec(TS_DLT_EN10MB, syn4, sizeof syn4, &whole), TS_DEC_TCP);
    assert_int_equal(whole.opt.n, 5);
    check_trunc4(syn4, sizeof syn4, 40, &whole);
    assert_int_equal(dec(TS_DLT_EN10MB, data4, sizeof data4, &whole),
                     TS_DEC_TCP);
    check_trunc4(data4, sizeof data4, 32, &whole);
}

static void test_truncate_every_byte_v6(void **state)
{
    (void)state;
    const uint32_t full = sizeof synack6;
    for (uint32_t c = 0; c <= full; c++) {
        struct ts_seg s;
        enum ts_decode_status st =
            dec_full(TS_DLT_EN10MB, synack6, c, full, true, &s);
        uint32_t want;
        enum ts_decode_status want_st = TS_DEC_BAD;
        if (c < 14)
            want = TS_AN_TRUNC_LINK;
        else if (c < 70) /* IPv6 header, hop-by-hop, destination options */
            want = TS_AN_TRUNC_IP;
        else if (c < 90)
            want = TS_AN_TRUNC_TCP;
        else if (c < 94)
            want = TS_AN_TRUNC_OPT, want_st = TS_DEC_TCP;
        else
            want = 0, want_st = TS_DEC_TCP;
        assert_int_equal(st, want_st);
        assert_int_equal(s.anomalies, want);
        assert_int_equal(s.ipver, c >= 54 ? 6 : 0);
        assert_int_equal(s.cksum_state,
                         c == full ? TS_CK_GOOD : TS_CK_UNCHECKED);
        if (want_st == TS_DEC_TCP)
            assert_int_equal(s.opt.present, c == full ? TS_HAS_MSS : 0);
    }
}

/* ------------------------------------------------------------------------ */
/* The fast path (common layouts) against the general decoder */

/* Both decodings of one frame agree on every defined field. */
static void check_same_as_general(int dlt, const uint8_t *frame, uint32_t caplen,
                                  uint32_t wirelen, bool verify)
{
    struct ts_seg a, b;
    memset(&a, 0x5a, sizeof a);
    memset(&b, 0xa5, sizeof b);
    a.t_ns = b.t_ns = 0;
    enum ts_decode_status sa = ts_decode(dlt, frame, caplen, wirelen, verify, &a);
    enum ts_decode_status sb = ts_decode_general(dlt, frame, caplen, wirelen, verify, &b);
    assert_int_equal(sa, sb);
    size_t head = offsetof(struct ts_seg, ntun), end = offsetof(struct ts_seg, opt);
    assert_memory_equal((const char *)&a + head, (const char *)&b + head, end - head);
    assert_int_equal(a.opt.present, b.opt.present);
    assert_int_equal(a.opt.mss, b.opt.mss);
    assert_int_equal(a.opt.wscale, b.opt.wscale);
    assert_int_equal(a.opt.sack_n, b.opt.sack_n);
    assert_memory_equal(a.opt.sack, b.opt.sack, a.opt.sack_n * sizeof a.opt.sack[0]);
    assert_int_equal(a.opt.tsval, b.opt.tsval);
    assert_int_equal(a.opt.tsecr, b.opt.tsecr);
    assert_int_equal(a.opt.tfo_len, b.opt.tfo_len);
    assert_memory_equal(a.opt.tfo_cookie, b.opt.tfo_cookie, a.opt.tfo_len);
    assert_int_equal(a.opt.n, b.opt.n);
    assert_memory_equal(a.opt.items, b.opt.items, a.opt.n * sizeof a.opt.items[0]);
    assert_int_equal(a.opt.raw_len, b.opt.raw_len);
    assert_memory_equal(a.opt.raw, b.opt.raw, a.opt.raw_len);
}

/* Every frame of every bundled capture (argv[1] of this test). */
static const char *captures_dir;
static unsigned long long frames_compared;

static void compare_frame(void *user, int dlt, uint64_t t_ns, const uint8_t *pkt,
                          uint32_t caplen, uint32_t wirelen)
{
    (void)user;
    (void)t_ns;
    check_same_as_general(dlt, pkt, caplen, wirelen, true);
    check_same_as_general(dlt, pkt, caplen, wirelen, false);
    /* and cut short at every length through the headers */
    for (uint32_t c = 0; c < caplen && c < 140; c++)
        check_same_as_general(dlt, pkt, c, wirelen, true);
    frames_compared++;
}

static void compare_dir(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t n = strlen(e->d_name);
        bool pcap = (n > 5 && !strcmp(e->d_name + n - 5, ".pcap")) ||
                    (n > 7 && !strcmp(e->d_name + n - 7, ".pcapng"));
        if (!pcap) {
            if (depth < 3)
                compare_dir(path, depth + 1);
            continue;
        }
        char err[512];
        struct ts_capture_cfg cfg = {.file = path};
        struct ts_capture *c = ts_capture_open(&cfg, err, sizeof err);
        if (!c)
            continue; /* the damaged ones may not even open */
        (void)ts_capture_run(c, 0, NULL, compare_frame, NULL, err, sizeof err);
        ts_capture_close(c);
    }
    closedir(d);
}

static void test_fast_path_captures(void **state)
{
    (void)state;
    if (!captures_dir) {
        skip(); /* longjmps, but cmocka 1.1 does not declare it noreturn */
        return;
    }
    compare_dir(captures_dir, 0);
    assert_true(frames_compared > 300); /* about 400 bundled frames */
}

/* Mutated frames on every link type: nothing may crash or read past the
 * capture (ASan), and what comes back must be self-consistent. */
static void test_mutations(void **state)
{
    (void)state;
    static const int dlts[] = {
        TS_DLT_NULL,       TS_DLT_EN10MB, TS_DLT_RAW,  TS_DLT_LOOP,
        TS_DLT_LINUX_SLL,  TS_DLT_IPV4,   TS_DLT_IPV6, TS_DLT_LINUX_SLL2,
    };
    const struct {
        const uint8_t *p;
        size_t n;
    } seeds[] = {
        {syn4, sizeof syn4},
        {data4, sizeof data4},
        {synack6, sizeof synack6},
        {ack4, sizeof ack4},
        {ack6, sizeof ack6},
    };
    uint32_t x = 2463534242u; /* xorshift32 */
    uint8_t buf[128];
    for (int iter = 0; iter < 200000; iter++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        size_t k = x % (sizeof seeds / sizeof seeds[0]);
        int dlt = dlts[(x >> 8) % (sizeof dlts / sizeof dlts[0])];
        size_t n = seeds[k].n;
        memcpy(buf, seeds[k].p, n);
        for (int m = (x >> 16) % 4; m >= 0; m--) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            buf[x % n] = (uint8_t)(x >> 24);
        }
        uint32_t cap = (uint32_t)((x >> 7) % (n + 1));
        uint32_t wire = (x & 1) ? cap : (uint32_t)n + (x >> 28);
        struct ts_seg s;
        enum ts_decode_status st = dec_full(dlt, buf, cap, wire, true, &s);
        assert_true(st <= TS_DEC_BAD_LINK);
        check_same_as_general(dlt, buf, cap, wire, true);
        for (uint32_t b = 1; b; b <<= 1)
            if (s.anomalies & b)
                assert_non_null(ts_anomaly_name(b));
        assert_true(s.ntun <= TS_MAX_TUN);
        if (st != TS_DEC_TCP)
            continue;
        assert_true(s.doff >= 20 && s.doff <= 60);
        assert_true(s.payload_caplen <= s.payload_len);
        /* payload_off is where the data offset says the payload starts;
         * with the options cut short that is past the capture */
        if (s.payload_caplen > 0 || !(s.anomalies & TS_AN_TRUNC_OPT))
            assert_true(s.payload_off + s.payload_caplen <= cap);
        assert_true(s.opt.n <= TS_MAX_OPTS);
        assert_true(s.opt.raw_len <= s.doff - 20);
        assert_true(s.opt.sack_n <= TS_MAX_SACK);
        assert_true(s.opt.tfo_len <= TS_MAX_TFO_COOKIE);
        assert_true(s.ipver == 4 || s.ipver == 6);
        if (s.cksum_state == TS_CK_BAD)
            assert_true(s.anomalies & TS_AN_BAD_CKSUM);
        else
            assert_false(s.anomalies & TS_AN_BAD_CKSUM);
    }
}

/* ------------------------------------------------------------------------ */
/* Checksums */

static void test_checksum_good_bad_offload(void **state)
{
    (void)state;
    struct ts_seg s;
    uint8_t f[sizeof data4];
    const uint8_t *src = data4 + 26, *dst = data4 + 30;
    const uint32_t len = sizeof data4 - 34;

    /* good: the reference agrees with the stored value */
    assert_int_equal(ref_tcp_sum(4, src, dst, data4 + 34, len), 0xffff);
    assert_int_equal(dec(TS_DLT_EN10MB, data4, sizeof data4, &s), TS_DEC_TCP);
    assert_int_equal(s.cksum_state, TS_CK_GOOD);

    /* one payload bit flipped */
    memcpy(f, data4, sizeof f);
    f[70] ^= 0x01;
    assert_int_not_equal(ref_tcp_sum(4, src, dst, f + 34, len), 0xffff);
    assert_int_equal(dec(TS_DLT_EN10MB, f, sizeof f, &s), TS_DEC_TCP);
    assert_int_equal(s.cksum_state, TS_CK_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_CKSUM);

    /* Linux CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum */
    memcpy(f, data4, sizeof f);
    uint16_t ph = ref_pseudo_sum(4, src, dst, len);
    put16(f + 34 + 16, ph);
    assert_int_equal(dec(TS_DLT_EN10MB, f, sizeof f, &s), TS_DEC_TCP);
    assert_int_equal(s.cksum, ph);
    assert_int_equal(s.cksum_state, TS_CK_OFFLOAD);
    assert_int_equal(s.anomalies, 0);
    /* ...or its complement */
    put16(f + 34 + 16, (uint16_t)~ph);
    assert_int_equal(dec(TS_DLT_EN10MB, f, sizeof f, &s), TS_DEC_TCP);
    assert_int_equal(s.cksum_state, TS_CK_OFFLOAD);
    assert_int_equal(s.anomalies, 0);
    /* a pseudo-header sum with the wrong length is just wrong */
    put16(f + 34 + 16, ref_pseudo_sum(4, src, dst, len + 1));
    assert_int_equal(dec(TS_DLT_EN10MB, f, sizeof f, &s), TS_DEC_TCP);
    assert_int_equal(s.cksum_state, TS_CK_BAD);

    /* IPv6 offload */
    uint8_t f6[sizeof synack6];
    memcpy(f6, synack6, sizeof f6);
    put16(f6 + 70 + 16, ref_pseudo_sum(6, v6_src, v6_dst, 24));
    assert_int_equal(dec(TS_DLT_EN10MB, f6, sizeof f6, &s), TS_DEC_TCP);
    assert_int_equal(s.cksum_state, TS_CK_OFFLOAD);
    f6[70 + 16] ^= 0x80;
    assert_int_equal(dec(TS_DLT_EN10MB, f6, sizeof f6, &s), TS_DEC_TCP);
    assert_int_equal(s.cksum_state, TS_CK_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_CKSUM);

    /* not asked, or not all there: unchecked */
    assert_int_equal(dec_full(TS_DLT_EN10MB, f, sizeof f, sizeof f, false, &s),
                     TS_DEC_TCP);
    assert_int_equal(s.cksum_state, TS_CK_UNCHECKED);
    assert_int_equal(dec_full(TS_DLT_EN10MB, data4, sizeof data4 - 1,
                              sizeof data4, true, &s),
                     TS_DEC_TCP);
    assert_int_equal(s.cksum_state, TS_CK_UNCHECKED);
    assert_int_equal(s.anomalies, TS_AN_SHORT_CAP);
}

/* ts_tcp_cksum_sum against the reference on many lengths and contents. */
static void test_cksum_sum_vs_reference(void **state)
{
    (void)state;
    uint8_t buf[1500];
    uint32_t x = 88172645u;
    for (uint32_t len = 0; len <= sizeof buf; len += (len < 80 ? 1 : 37)) {
        for (int fam = 4; fam <= 6; fam += 2) {
            struct ts_addr src = {.family = (uint8_t)fam}, dst = src;
            for (size_t i = 0; i < sizeof buf; i++) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                buf[i] = (uint8_t)x;
            }
            memcpy(src.a, buf + 100, fam == 4 ? 4 : 16);
            memcpy(dst.a, buf + 200, fam == 4 ? 4 : 16);
            if (len % 5 == 0) /* long runs of 0xff stress the carries */
                memset(buf, 0xff, len);
            assert_int_equal(ts_tcp_cksum_sum(&src, &dst, buf, len),
                             ref_tcp_sum(fam, src.a, dst.a, buf, len));
            if (len >= 20) {
                ref_fix_tcp(fam, src.a, dst.a, buf, len);
                assert_int_equal(ts_tcp_cksum_sum(&src, &dst, buf, len),
                                 0xffff);
            }
        }
    }
    /* the stored frames */
    struct ts_addr s4 = {.family = 4}, d4 = {.family = 4};
    memcpy(s4.a, syn4 + 26, 4);
    memcpy(d4.a, syn4 + 30, 4);
    assert_int_equal(ts_tcp_cksum_sum(&s4, &d4, syn4 + 34, 40), 0xffff);
    struct ts_addr s6 = {.family = 6}, d6 = {.family = 6};
    memcpy(s6.a, v6_src, 16);
    memcpy(d6.a, v6_dst, 16);
    assert_int_equal(ts_tcp_cksum_sum(&s6, &d6, synack6 + 70, 24), 0xffff);
}

/* ------------------------------------------------------------------------ */
/* Small functions */

static void test_anomaly_names(void **state)
{
    (void)state;
    static const struct {
        uint32_t bit;
        const char *name;
    } want[] = {
        {TS_AN_TRUNC_LINK, "truncated-link"},
        {TS_AN_TRUNC_IP, "truncated-ip"},
        {TS_AN_BAD_IP, "bad-ip-header"},
        {TS_AN_BAD_IPLEN, "bad-ip-length"},
        {TS_AN_FRAG, "ip-fragment"},
        {TS_AN_TRUNC_TCP, "truncated-tcp"},
        {TS_AN_BAD_DOFF, "bad-data-offset"},
        {TS_AN_BAD_OPT, "bad-option"},
        {TS_AN_TRUNC_OPT, "truncated-options"},
        {TS_AN_SHORT_CAP, "short-capture"},
        {TS_AN_BAD_CKSUM, "bad-checksum"},
        {TS_AN_TSO, "tso-super-segment"},
        {TS_AN_BAD_EXTHDR, "bad-ipv6-ext-header"},
        {TS_AN_BAD_IPCKSUM, "bad-ip-checksum"},
        {TS_AN_TUN_DEPTH, "tunnel-depth"},
        {TS_AN_BAD_TUN, "bad-tunnel-header"},
    };
    uint32_t all = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_string_equal(ts_anomaly_name(want[i].bit), want[i].name);
        all |= want[i].bit;
    }
    /* every bit up to TS_AN_LAST is named above, none beyond */
    assert_int_equal(all, TS_AN_LAST * 2 - 1);
    assert_null(ts_anomaly_name(0));
    assert_null(ts_anomaly_name(TS_AN_LAST << 1));
    assert_null(ts_anomaly_name(TS_AN_FRAG | TS_AN_TSO));
}

static void test_addr_str(void **state)
{
    (void)state;
    char buf[64];
    struct ts_addr a = {.family = 4, .a = {203, 0, 113, 7}};
    assert_string_equal(ts_addr_str(&a, buf, sizeof buf), "203.0.113.7");
    static const struct {
        uint8_t a[16];
        const char *s;
    } v6[] = {
        {{0}, "::"},
        {{[15] = 1}, "::1"},
        {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}, "2001:db8::1"},
        /* the longest run is compressed, the first of equal runs */
        {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1},
         "2001:db8::1:0:0:1"},
        {{0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3}, "1:0:0:2::3"},
        /* a single zero field is not compressed; lower case */
        {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0xab, 0xcd, 0, 1, 0, 1, 0, 1, 0, 1},
         "2001:db8:0:abcd:1:1:1:1"},
        {{[10] = 0xff, [11] = 0xff, [12] = 192, [13] = 0, [14] = 2, [15] = 1},
         "::ffff:192.0.2.1"},
    };
    for (size_t i = 0; i < sizeof v6 / sizeof v6[0]; i++) {
        struct ts_addr b = {.family = 6};
        memcpy(b.a, v6[i].a, 16);
        assert_string_equal(ts_addr_str(&b, buf, sizeof buf), v6[i].s);
    }
    struct ts_addr unset = {0};
    assert_string_equal(ts_addr_str(&unset, buf, sizeof buf), "?");
    char tiny[4];
    assert_string_equal(ts_addr_str(&a, tiny, sizeof tiny), "");
}

static void test_addr_cmp(void **state)
{
    (void)state;
    struct ts_addr a = {.family = 4, .a = {10, 0, 0, 1}};
    struct ts_addr b = {.family = 4, .a = {10, 0, 0, 2}};
    struct ts_addr c = {.family = 6, .a = {0}};
    assert_true(ts_addr_cmp(&a, &b) < 0);
    assert_true(ts_addr_cmp(&b, &a) > 0);
    assert_int_equal(ts_addr_cmp(&a, &a), 0);
    assert_true(ts_addr_cmp(&b, &c) < 0); /* family first */
    assert_true(ts_addr_cmp(&c, &a) > 0);
}

/* Every scalar is defined after any decode, even on a dirty struct. */
static void test_fields_reset(void **state)
{
    (void)state;
    struct ts_seg s;
    memset(&s, 0xa5, sizeof s);
    s.t_ns = 7;
    assert_int_equal(dec(TS_DLT_EN10MB, syn4, 20, &s), TS_DEC_BAD);
    assert_int_equal(s.t_ns, 7);
    assert_int_equal(s.anomalies, TS_AN_TRUNC_IP);
    assert_int_equal(s.ntun, 0);
    assert_int_equal(s.ipver, 0);
    assert_int_equal(s.src.family, 0);
    assert_int_equal(s.sport, 0);
    assert_int_equal(s.seq, 0);
    assert_int_equal(s.flags, 0);
    assert_false(s.df);
    assert_int_equal(s.cksum_state, TS_CK_UNCHECKED);
    assert_int_equal(s.opt.present, 0);
    assert_int_equal(s.opt.n, 0);
    assert_int_equal(s.opt.raw_len, 0);
    assert_int_equal(s.opt.sack_n, 0);
    assert_int_equal(s.opt.tfo_len, 0);
    assert_int_equal(s.opt.mss, 0);
    assert_int_equal(s.payload_len, 0);
    assert_int_equal(s.payload_caplen, 0);
    assert_int_equal(s.payload_off, 0);
    assert_int_equal(s.caplen, 20);
    assert_int_equal(s.wirelen, 20);
    assert_int_equal(ts_decode(TS_DLT_EN10MB, NULL, 0, 0, true, &s),
                     TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_TRUNC_LINK);
}

/* ------------------------------------------------------------------------ */
/* Encapsulation: each kind of tunnel built around a real inner packet, the
 * inner TCP found with the same fields as unwrapped, the layers recorded,
 * and every truncation of every frame decoded without a read past it. */

struct wb {
    uint8_t b[512];
    size_t n;
};

static void wb_bytes(struct wb *w, const void *p, size_t n)
{
    assert_true(w->n + n <= sizeof w->b);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void wb_u8(struct wb *w, uint8_t v) { wb_bytes(w, &v, 1); }

static void wb_16(struct wb *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    wb_bytes(w, b, 2);
}

static void wb_32(struct wb *w, uint32_t v)
{
    wb_16(w, (uint16_t)(v >> 16));
    wb_16(w, (uint16_t)v);
}

static void wb_eth(struct wb *w, uint16_t type)
{
    static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
    wb_bytes(w, macs, 12);
    wb_16(w, type);
}

/* An outer IPv4 header (198.18.30.1 -> 198.18.30.2) for `len` bytes of
 * payload; its checksum is fixed once the frame is whole (fix_at). */
static size_t wb_ip4(struct wb *w, uint8_t proto, size_t len)
{
    size_t at = w->n;
    static const uint8_t h[20] = {0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 0, 0, 0,
                                  198, 18, 30, 1, 198, 18, 30, 2};
    wb_bytes(w, h, 20);
    put16(w->b + at + 2, (uint16_t)(20 + len));
    w->b[at + 9] = proto;
    ref_fix_ip4(w->b + at);
    return at;
}

static void wb_ip6(struct wb *w, uint8_t nh, size_t len)
{
    static const uint8_t h[40] = {0x60, 0, 0, 0, 0, 0, 0, 64,
                                  0x20, 0x01, 0x0d, 0xb8, 0, 0x30, [23] = 1,
                                  0x20, 0x01, 0x0d, 0xb8, 0, 0x30, [39] = 2};
    size_t at = w->n;
    wb_bytes(w, h, 40);
    put16(w->b + at + 4, (uint16_t)len);
    w->b[at + 6] = nh;
}

static void wb_udp(struct wb *w, uint16_t sport, uint16_t dport, size_t len)
{
    wb_16(w, sport);
    wb_16(w, dport);
    wb_16(w, (uint16_t)(8 + len));
    wb_16(w, 0); /* no checksum (IPv4); not checked by the decoder */
}

struct inner {
    uint8_t b[256];
    size_t n; /* a raw IP packet */
    struct ts_seg s;
};

static void inner_make(struct inner *in, int ver)
{
    uint8_t f[256];
    static const uint8_t pay[5] = {'h', 'e', 'l', 'l', 'o'};
    size_t n = ver == 4 ? mk4(f, NULL, 0, NULL, 0, pay, sizeof pay)
                        : mk6(f, 6, NULL, 0, 5, v6_dst);
    in->n = n - 14;
    memcpy(in->b, f + 14, in->n);
    assert_int_equal(dec(TS_DLT_RAW, in->b, in->n, &in->s), TS_DEC_TCP);
    assert_int_equal(in->s.cksum_state, TS_CK_GOOD);
}

struct tun_want {
    uint8_t type;
    int64_t id; /* -1: none */
};

/* Decode w; the inner segment must equal in's; the layers must be want. */
static void tun_check(const char *what, const struct wb *w, const struct inner *in,
                      const struct tun_want *want, size_t nwant, struct ts_seg *out)
{
    struct ts_seg s;
    enum ts_decode_status st = dec(TS_DLT_EN10MB, w->b, w->n, &s);
    if (st != TS_DEC_TCP)
        fail_msg("%s: status %d, anomalies 0x%x", what, (int)st, (unsigned)s.anomalies);
    if (s.anomalies != 0)
        fail_msg("%s: anomalies 0x%x", what, (unsigned)s.anomalies);
    assert_int_equal(s.ipver, in->s.ipver);
    assert_memory_equal(&s.src, &in->s.src, sizeof s.src);
    assert_memory_equal(&s.dst, &in->s.dst, sizeof s.dst);
    assert_int_equal(s.sport, in->s.sport);
    assert_int_equal(s.dport, in->s.dport);
    assert_int_equal(s.seq, in->s.seq);
    assert_int_equal(s.flags, in->s.flags);
    assert_int_equal(s.payload_len, in->s.payload_len);
    assert_int_equal(s.cksum_state, TS_CK_GOOD);
    assert_int_equal(s.flow_hash, in->s.flow_hash);
    /* the inner IP header is the last in->n bytes of the frame */
    assert_int_equal(s.ip_off, w->n - in->n);
    assert_int_equal(ts_seg_ip_len(&s), in->n);
    assert_int_equal(s.payload_off, w->n - in->n + in->s.payload_off);
    if (s.ntun != nwant)
        fail_msg("%s: %u layers, want %zu", what, s.ntun, nwant);
    for (size_t i = 0; i < nwant; i++) {
        assert_int_equal(s.tun[i].type, want[i].type);
        if (want[i].id < 0) {
            assert_false(s.tun[i].flags & TS_TUNF_ID);
        } else {
            assert_true(s.tun[i].flags & TS_TUNF_ID);
            assert_int_equal(s.tun[i].id, (uint32_t)want[i].id);
        }
    }
    /* every truncation: nothing read past the capture (ASan), and nothing
     * cut short passes for a whole segment */
    for (size_t k = 0; k < w->n; k++) {
        struct ts_seg t;
        enum ts_decode_status ts = dec_full(TS_DLT_EN10MB, w->b, (uint32_t)k,
                                            (uint32_t)w->n, true, &t);
        if (ts == TS_DEC_TCP) {
            if (!(t.anomalies & (TS_AN_SHORT_CAP | TS_AN_TRUNC_OPT)))
                fail_msg("%s: cut at %zu of %zu: a whole segment?", what, k, w->n);
        } else if (ts == TS_DEC_BAD) {
            if (t.anomalies == 0)
                fail_msg("%s: cut at %zu: bad without a reason", what, k);
        }
    }
    if (out)
        *out = s;
}

#define CHECK(what, w, in, ...)                                                    \
    do {                                                                           \
        static const struct tun_want want_[] = {__VA_ARGS__};                      \
        tun_check(what, w, in, want_, sizeof want_ / sizeof want_[0], NULL);       \
    } while (0)

static void test_tunnel_link_layers(void **state)
{
    (void)state;
    struct inner in4, in6;
    inner_make(&in4, 4);
    inner_make(&in6, 6);
    struct wb w;

    w.n = 0; /* one 802.1Q tag */
    wb_eth(&w, 0x8100); wb_16(&w, 100); wb_16(&w, 0x0800); wb_bytes(&w, in4.b, in4.n);
    CHECK("vlan", &w, &in4, {TS_TUN_VLAN, 100});

    w.n = 0; /* three tags: 802.1ad, 802.1Q, 802.1Q */
    wb_eth(&w, 0x88a8); wb_16(&w, 10); wb_16(&w, 0x8100); wb_16(&w, 0x2014);
    wb_16(&w, 0x8100); wb_16(&w, 30); wb_16(&w, 0x86dd); wb_bytes(&w, in6.b, in6.n);
    CHECK("vlan3", &w, &in6, {TS_TUN_VLAN, 10}, {TS_TUN_VLAN, 20}, {TS_TUN_VLAN, 30});

    w.n = 0; /* the old 0x9100 QinQ */
    wb_eth(&w, 0x9100); wb_16(&w, 5); wb_16(&w, 0x0800); wb_bytes(&w, in4.b, in4.n);
    CHECK("9100", &w, &in4, {TS_TUN_VLAN, 5});

    w.n = 0; /* MPLS, one label */
    wb_eth(&w, 0x8847); wb_32(&w, 100u << 12 | 0x100 | 64); wb_bytes(&w, in4.b, in4.n);
    CHECK("mpls", &w, &in4, {TS_TUN_MPLS, 100});

    w.n = 0; /* MPLS, three labels, IPv6 */
    wb_eth(&w, 0x8847); wb_32(&w, 1u << 12 | 64); wb_32(&w, 2u << 12 | 64);
    wb_32(&w, 3u << 12 | 0x100 | 64); wb_bytes(&w, in6.b, in6.n);
    CHECK("mpls3", &w, &in6, {TS_TUN_MPLS, 1}, {TS_TUN_MPLS, 2}, {TS_TUN_MPLS, 3});

    w.n = 0; /* MPLS pseudowire with control word, Ethernet inside */
    wb_eth(&w, 0x8847); wb_32(&w, 16u << 12 | 0x100 | 64); wb_32(&w, 0);
    wb_eth(&w, 0x0800); wb_bytes(&w, in4.b, in4.n);
    CHECK("mpls-pw", &w, &in4, {TS_TUN_MPLS, 16}, {TS_TUN_MPLS_PW, -1});

    w.n = 0; /* PPPoE session */
    wb_eth(&w, 0x8864); wb_u8(&w, 0x11); wb_u8(&w, 0); wb_16(&w, 0x1234);
    wb_16(&w, (uint16_t)(2 + in6.n)); wb_16(&w, 0x0057); wb_bytes(&w, in6.b, in6.n);
    CHECK("pppoe", &w, &in6, {TS_TUN_PPPOE, 0x1234});
}

static void test_tunnel_ip_layers(void **state)
{
    (void)state;
    struct inner in4, in6;
    inner_make(&in4, 4);
    inner_make(&in6, 6);
    struct wb w;
    struct ts_seg s;

    w.n = 0; /* 4in4 */
    wb_eth(&w, 0x0800); wb_ip4(&w, 4, in4.n); wb_bytes(&w, in4.b, in4.n);
    CHECK("4in4", &w, &in4, {TS_TUN_IPIP, -1});
    tun_check("4in4", &w, &in4, (const struct tun_want[]){{TS_TUN_IPIP, -1}}, 1, &s);
    assert_int_equal(s.tun[0].src.family, 4);
    assert_memory_equal(s.tun[0].src.a, ((const uint8_t[]){198, 18, 30, 1}), 4);
    assert_memory_equal(s.tun[0].dst.a, ((const uint8_t[]){198, 18, 30, 2}), 4);
    assert_int_equal(s.tun_key, 0); /* not a tenant's name */

    w.n = 0; /* 6in4 */
    wb_eth(&w, 0x0800); wb_ip4(&w, 41, in6.n); wb_bytes(&w, in6.b, in6.n);
    CHECK("6in4", &w, &in6, {TS_TUN_IPIP, -1});

    w.n = 0; /* 4in6 */
    wb_eth(&w, 0x86dd); wb_ip6(&w, 4, in4.n); wb_bytes(&w, in4.b, in4.n);
    CHECK("4in6", &w, &in4, {TS_TUN_IPIP, -1});

    w.n = 0; /* 6in6 */
    wb_eth(&w, 0x86dd); wb_ip6(&w, 41, in6.n); wb_bytes(&w, in6.b, in6.n);
    CHECK("6in6", &w, &in6, {TS_TUN_IPIP, -1});

    w.n = 0; /* GRE, no options */
    wb_eth(&w, 0x0800); wb_ip4(&w, 47, 4 + in4.n); wb_16(&w, 0); wb_16(&w, 0x0800);
    wb_bytes(&w, in4.b, in4.n);
    CHECK("gre", &w, &in4, {TS_TUN_GRE, -1});

    w.n = 0; /* GRE with checksum, key and sequence */
    wb_eth(&w, 0x0800); wb_ip4(&w, 47, 16 + in6.n); wb_16(&w, 0xb000); wb_16(&w, 0x86dd);
    wb_32(&w, 0); wb_32(&w, 9); wb_32(&w, 77); wb_bytes(&w, in6.b, in6.n);
    CHECK("gre-csum-key-seq", &w, &in6, {TS_TUN_GRE, 9});

    w.n = 0; /* GRE transparent Ethernet bridging, keyed */
    wb_eth(&w, 0x0800); wb_ip4(&w, 47, 8 + 14 + in4.n); wb_16(&w, 0x2000);
    wb_16(&w, 0x6558); wb_32(&w, 5); wb_eth(&w, 0x0800); wb_bytes(&w, in4.b, in4.n);
    CHECK("gre-teb", &w, &in4, {TS_TUN_GRE, 5});

    w.n = 0; /* ERSPAN type I: GRE 0x88be without sequence, Ethernet follows */
    wb_eth(&w, 0x0800); wb_ip4(&w, 47, 4 + 14 + in4.n); wb_16(&w, 0); wb_16(&w, 0x88be);
    wb_eth(&w, 0x0800); wb_bytes(&w, in4.b, in4.n);
    CHECK("erspan1", &w, &in4, {TS_TUN_GRE, -1}, {TS_TUN_ERSPAN, -1});

    w.n = 0; /* ERSPAN type II: sequence, 8-byte header, session 5 */
    wb_eth(&w, 0x0800); wb_ip4(&w, 47, 8 + 8 + 14 + in4.n); wb_16(&w, 0x1000);
    wb_16(&w, 0x88be); wb_32(&w, 1); wb_16(&w, 0x1000 | 7); wb_16(&w, 5); wb_32(&w, 0);
    wb_eth(&w, 0x0800); wb_bytes(&w, in4.b, in4.n);
    CHECK("erspan2", &w, &in4, {TS_TUN_GRE, -1}, {TS_TUN_ERSPAN, 5});

    w.n = 0; /* ERSPAN type III with the platform subheader, session 6 */
    wb_eth(&w, 0x0800); wb_ip4(&w, 47, 8 + 20 + 14 + in6.n); wb_16(&w, 0x1000);
    wb_16(&w, 0x22eb); wb_32(&w, 1); wb_16(&w, 0x2000); wb_16(&w, 6); wb_32(&w, 123);
    wb_16(&w, 0); wb_16(&w, 1); wb_32(&w, 0); wb_32(&w, 0);
    wb_eth(&w, 0x86dd); wb_bytes(&w, in6.b, in6.n);
    CHECK("erspan3", &w, &in6, {TS_TUN_GRE, -1}, {TS_TUN_ERSPAN, 6});
}

static void test_tunnel_udp_layers(void **state)
{
    (void)state;
    struct inner in4, in6;
    inner_make(&in4, 4);
    inner_make(&in6, 6);
    struct wb w;
    struct ts_seg a, b;

    w.n = 0; /* VXLAN, VNI 42 */
    wb_eth(&w, 0x0800); wb_ip4(&w, 17, 8 + 8 + 14 + in4.n); wb_udp(&w, 50000, 4789, 8 + 14 + in4.n);
    wb_32(&w, 0x08000000); wb_32(&w, 42u << 8); wb_eth(&w, 0x0800); wb_bytes(&w, in4.b, in4.n);
    CHECK("vxlan", &w, &in4, {TS_TUN_VXLAN, 42});
    tun_check("vxlan", &w, &in4, (const struct tun_want[]){{TS_TUN_VXLAN, 42}}, 1, &a);
    w.b[14 + 20 + 8 + 6] = 43; /* the same inner packet in VNI 43 */
    tun_check("vxlan43", &w, &in4, (const struct tun_want[]){{TS_TUN_VXLAN, 43}}, 1, &b);
    assert_int_not_equal(a.tun_key, 0);
    assert_int_not_equal(a.tun_key, b.tun_key);

    w.n = 0; /* VXLAN over IPv6 */
    wb_eth(&w, 0x86dd); wb_ip6(&w, 17, 8 + 8 + 14 + in6.n); wb_udp(&w, 50000, 4789, 8 + 14 + in6.n);
    wb_32(&w, 0x08000000); wb_32(&w, 7u << 8); wb_eth(&w, 0x86dd); wb_bytes(&w, in6.b, in6.n);
    CHECK("vxlan6", &w, &in6, {TS_TUN_VXLAN, 7});

    w.n = 0; /* Geneve, one 4-byte option, Ethernet payload */
    wb_eth(&w, 0x0800); wb_ip4(&w, 17, 8 + 12 + 14 + in4.n); wb_udp(&w, 50000, 6081, 12 + 14 + in4.n);
    wb_u8(&w, 0x01); wb_u8(&w, 0); wb_16(&w, 0x6558); wb_32(&w, 43u << 8); wb_32(&w, 0x01020300);
    wb_eth(&w, 0x0800); wb_bytes(&w, in4.b, in4.n);
    CHECK("geneve", &w, &in4, {TS_TUN_GENEVE, 43});

    w.n = 0; /* GTP-U G-PDU, TEID 0x1234 */
    wb_eth(&w, 0x0800); wb_ip4(&w, 17, 8 + 8 + in6.n); wb_udp(&w, 2152, 2152, 8 + in6.n);
    wb_u8(&w, 0x30); wb_u8(&w, 0xff); wb_16(&w, (uint16_t)in6.n); wb_32(&w, 0x1234);
    wb_bytes(&w, in6.b, in6.n);
    CHECK("gtpu", &w, &in6, {TS_TUN_GTPU, 0x1234});

    w.n = 0; /* GTP-U with an extension header (PDU session container) */
    wb_eth(&w, 0x0800); wb_ip4(&w, 17, 8 + 16 + in4.n); wb_udp(&w, 2152, 2152, 16 + in4.n);
    wb_u8(&w, 0x34); wb_u8(&w, 0xff); wb_16(&w, (uint16_t)(8 + in4.n)); wb_32(&w, 0x1234);
    wb_16(&w, 0); wb_u8(&w, 0); wb_u8(&w, 0x85); wb_u8(&w, 1); wb_16(&w, 0x0009); wb_u8(&w, 0);
    wb_bytes(&w, in4.b, in4.n);
    CHECK("gtpu-ext", &w, &in4, {TS_TUN_GTPU, 0x1234});

    w.n = 0; /* GRE in UDP (RFC 8086), keyed */
    wb_eth(&w, 0x0800); wb_ip4(&w, 17, 8 + 8 + in4.n); wb_udp(&w, 50000, 4754, 8 + in4.n);
    wb_16(&w, 0x2000); wb_16(&w, 0x0800); wb_32(&w, 11); wb_bytes(&w, in4.b, in4.n);
    CHECK("gre-udp", &w, &in4, {TS_TUN_GRE, 11});

    w.n = 0; /* Teredo */
    wb_eth(&w, 0x0800); wb_ip4(&w, 17, 8 + in6.n); wb_udp(&w, 3544, 50000, in6.n);
    wb_bytes(&w, in6.b, in6.n);
    CHECK("teredo", &w, &in6, {TS_TUN_TEREDO, -1});

    w.n = 0; /* Teredo with an origin indication */
    wb_eth(&w, 0x0800); wb_ip4(&w, 17, 8 + 8 + in6.n); wb_udp(&w, 3544, 50000, 8 + in6.n);
    wb_16(&w, 0); wb_16(&w, 0xfffe); wb_32(&w, 0x3fffffff); wb_bytes(&w, in6.b, in6.n);
    CHECK("teredo-origin", &w, &in6, {TS_TUN_TEREDO, -1});

    w.n = 0; /* VXLAN in 802.1Q in 802.1ad, and VLAN inside the VXLAN */
    wb_eth(&w, 0x88a8); wb_16(&w, 10); wb_16(&w, 0x8100); wb_16(&w, 20); wb_16(&w, 0x0800);
    wb_ip4(&w, 17, 8 + 8 + 18 + in4.n); wb_udp(&w, 50000, 4789, 8 + 18 + in4.n);
    wb_32(&w, 0x08000000); wb_32(&w, 42u << 8); wb_eth(&w, 0x8100); wb_16(&w, 30);
    wb_16(&w, 0x0800); wb_bytes(&w, in4.b, in4.n);
    CHECK("nested", &w, &in4, {TS_TUN_VLAN, 10}, {TS_TUN_VLAN, 20}, {TS_TUN_VXLAN, 42},
          {TS_TUN_VLAN, 30});
}

static void test_tunnel_limits(void **state)
{
    (void)state;
    struct inner in4;
    inner_make(&in4, 4);
    struct wb w;
    struct ts_seg s;

    /* nine tags: the ninth layer is not kept, and that is said */
    w.n = 0;
    wb_eth(&w, 0x8100);
    for (int i = 1; i <= 9; i++) {
        wb_16(&w, (uint16_t)i);
        wb_16(&w, i < 9 ? 0x8100 : 0x0800);
    }
    wb_bytes(&w, in4.b, in4.n);
    assert_int_equal(dec(TS_DLT_EN10MB, w.b, w.n, &s), TS_DEC_TCP);
    assert_int_equal(s.ntun, TS_MAX_TUN);
    assert_true(s.anomalies & TS_AN_TUN_DEPTH);
    assert_int_equal(s.ip_off, w.n - in4.n);

    /* 4in4 sixteen deep: the walker stops */
    w.n = 0;
    wb_eth(&w, 0x0800);
    for (int i = 0; i < 17; i++)
        wb_ip4(&w, 4, (size_t)(16 - i) * 20 + in4.n);
    wb_bytes(&w, in4.b, in4.n);
    assert_int_equal(dec(TS_DLT_EN10MB, w.b, w.n, &s), TS_DEC_BAD);
    assert_true(s.anomalies & TS_AN_TUN_DEPTH);

    /* a VXLAN header without the I flag on port 4789: malformed */
    w.n = 0;
    wb_eth(&w, 0x0800); wb_ip4(&w, 17, 8 + 8 + 14 + in4.n); wb_udp(&w, 50000, 4789, 8 + 14 + in4.n);
    wb_32(&w, 0); wb_32(&w, 42u << 8); wb_eth(&w, 0x0800); wb_bytes(&w, in4.b, in4.n);
    assert_int_equal(dec(TS_DLT_EN10MB, w.b, w.n, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_TUN);
    /* the same from an ephemeral source port 4789: someone else's UDP */
    put16(w.b + 14 + 20, 4789);
    put16(w.b + 14 + 20 + 2, 53);
    assert_int_equal(dec(TS_DLT_EN10MB, w.b, w.n, &s), TS_DEC_NOT_TCP);
    assert_int_equal(s.anomalies, 0);

    /* GRE with the routing bit (RFC 1701): not walked, said */
    w.n = 0;
    wb_eth(&w, 0x0800); wb_ip4(&w, 47, 4 + in4.n); wb_16(&w, 0x4000); wb_16(&w, 0x0800);
    wb_bytes(&w, in4.b, in4.n);
    assert_int_equal(dec(TS_DLT_EN10MB, w.b, w.n, &s), TS_DEC_BAD);
    assert_int_equal(s.anomalies, TS_AN_BAD_TUN);

    /* PPPoE carrying LCP: not IP */
    w.n = 0;
    wb_eth(&w, 0x8864); wb_u8(&w, 0x11); wb_u8(&w, 0); wb_16(&w, 1); wb_16(&w, 6);
    wb_16(&w, 0xc021); wb_32(&w, 0x01010004);
    assert_int_equal(dec(TS_DLT_EN10MB, w.b, w.n, &s), TS_DEC_NOT_IP);

    /* VLAN 1 inside VNI 2 is not VLAN 2 inside VNI 1 */
    struct ts_seg x, y;
    for (int k = 0; k < 2; k++) {
        w.n = 0;
        wb_eth(&w, 0x0800); wb_ip4(&w, 17, 8 + 8 + 18 + in4.n);
        wb_udp(&w, 50000, 4789, 8 + 18 + in4.n);
        wb_32(&w, 0x08000000); wb_32(&w, (k ? 1u : 2u) << 8); wb_eth(&w, 0x8100);
        wb_16(&w, k ? 2 : 1); wb_16(&w, 0x0800); wb_bytes(&w, in4.b, in4.n);
        assert_int_equal(dec(TS_DLT_EN10MB, w.b, w.n, k ? &y : &x), TS_DEC_TCP);
    }
    assert_int_not_equal(x.tun_key, y.tun_key);

    /* a TEID names one direction (uplink and downlink differ), a GRE key
     * may too: neither is part of the key, or each connection would split */
    w.n = 0;
    wb_eth(&w, 0x0800); wb_ip4(&w, 17, 8 + 8 + in4.n); wb_udp(&w, 2152, 2152, 8 + in4.n);
    wb_u8(&w, 0x30); wb_u8(&w, 0xff); wb_16(&w, (uint16_t)in4.n); wb_32(&w, 0x1234);
    wb_bytes(&w, in4.b, in4.n);
    assert_int_equal(dec(TS_DLT_EN10MB, w.b, w.n, &s), TS_DEC_TCP);
    assert_int_equal(s.tun_key, 0);
    w.n = 0;
    wb_eth(&w, 0x0800); wb_ip4(&w, 47, 8 + in4.n); wb_16(&w, 0x2000); wb_16(&w, 0x0800);
    wb_32(&w, 7); wb_bytes(&w, in4.b, in4.n);
    assert_int_equal(dec(TS_DLT_EN10MB, w.b, w.n, &s), TS_DEC_TCP);
    assert_int_equal(s.tun_key, 0);
    assert_true(s.tun[0].flags & TS_TUNF_ID);
}

int main(int argc, char **argv)
{
    captures_dir = argc > 1 ? argv[1] : NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syn4_fields),
        cmocka_unit_test(test_data4_payload),
        cmocka_unit_test(test_ethernet_padding),
        cmocka_unit_test(test_synack6_ext_headers),
        cmocka_unit_test(test_vlan_8021q),
        cmocka_unit_test(test_vlan_qinq),
        cmocka_unit_test(test_vlan_three_tags),
        cmocka_unit_test(test_not_ip),
        cmocka_unit_test(test_sll),
        cmocka_unit_test(test_sll2),
        cmocka_unit_test(test_null_and_loop),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_unknown_dlt),
        cmocka_unit_test(test_ip4_bad_header),
        cmocka_unit_test(test_ip4_length_beyond_frame),
        cmocka_unit_test(test_ip4_header_checksum),
        cmocka_unit_test(test_ip4_options_and_fields),
        cmocka_unit_test(test_ip4_fragments),
        cmocka_unit_test(test_ip4_tso),
        cmocka_unit_test(test_ip6_routing_final_destination),
        cmocka_unit_test(test_ip6_fragments),
        cmocka_unit_test(test_ip6_ext_headers),
        cmocka_unit_test(test_ip6_lengths),
        cmocka_unit_test(test_tcp_bad_doff),
        cmocka_unit_test(test_options_sack_tfo_mptcp),
        cmocka_unit_test(test_options_bad),
        cmocka_unit_test(test_truncate_every_byte_v4),
        cmocka_unit_test(test_truncate_every_byte_v6),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_fast_path_captures),
        cmocka_unit_test(test_tunnel_link_layers),
        cmocka_unit_test(test_tunnel_ip_layers),
        cmocka_unit_test(test_tunnel_udp_layers),
        cmocka_unit_test(test_tunnel_limits),
        cmocka_unit_test(test_checksum_good_bad_offload),
        cmocka_unit_test(test_cksum_sum_vs_reference),
        cmocka_unit_test(test_anomaly_names),
        cmocka_unit_test(test_addr_str),
        cmocka_unit_test(test_addr_cmp),
        cmocka_unit_test(test_fields_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
