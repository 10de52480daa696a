/* Unit tests for the craft module: every segment type against bytes written
 * out by hand, checksums verified by a separate implementation here (not the
 * decoder's, not libnet's), ptag rebuilds against a fresh context per
 * segment, the options encoder and parser, the text parsers, the pcap
 * writer, and a round trip through our own decoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tcpshake/craft.h"
#include "tcpshake/decode.h"

/* ---- an independent Internet checksum (RFC 1071) ------------------------ */

static uint32_t ref_sum(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t ref_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* Sum of an IP packet's TCP segment with its pseudo-header (RFC 9293 §3.1,
 * RFC 8200 §8.1): 0xffff when the checksum field is right. */
static uint16_t ref_tcp_verify(const uint8_t *ip, size_t len)
{
    uint32_t sum = 0;
    size_t hl;
    uint8_t ph[4];

    if ((ip[0] >> 4) == 4) {
        hl = (size_t)(ip[0] & 15) * 4;
        sum = ref_sum(sum, ip + 12, 8); /* addresses */
    } else {
        hl = 40;
        sum = ref_sum(sum, ip + 8, 32);
    }
    size_t tl = len - hl;
    ph[0] = 0;
    ph[1] = 6; /* protocol */
    ph[2] = (uint8_t)(tl >> 8);
    ph[3] = (uint8_t)tl;
    sum = ref_sum(sum, ph, 4);
    sum = ref_sum(sum, ip + hl, tl);
    return ref_fold(sum);
}

static uint16_t ref_ip_verify(const uint8_t *ip)
{
    return ref_fold(ref_sum(0, ip, (size_t)(ip[0] & 15) * 4));
}

/* ---- helpers ------------------------------------------------------------- */

static const uint8_t A4[4] = {198, 18, 0, 1}, B4[4] = {198, 18, 0, 2};
static const uint8_t A6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                               0,    0,    0,    0,    0, 0, 0, 1};
static const uint8_t B6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                               0,    0,    0,    0,    0, 0, 0, 2};

static void set_addr(struct ts_addr *a, const uint8_t *b, int family)
{
    memset(a, 0, sizeof(*a));
    a->family = (uint8_t)family;
    memcpy(a->a, b, family == 4 ? 4 : 16);
}

static struct ts_craft_seg seg4(uint8_t flags, uint32_t seq, uint32_t ack,
                             uint16_t win)
{
    struct ts_craft_seg s;

    ts_craft_seg_init(&s);
    set_addr(&s.src, A4, 4);
    set_addr(&s.dst, B4, 4);
    s.sport = 40000;
    s.dport = 80;
    s.seq = seq;
    s.ack = ack;
    s.flags = flags;
    s.win = win;
    s.ip_id = 0x1234;
    return s;
}

static struct ts_craft_session *open_build(int family, bool ether)
{
    struct ts_craft_session_cfg cfg = {.via = TS_CRAFT_VIA_BUILD,
                                    .family = (uint8_t)family,
                                    .ether = ether,
                                    .src_mac = {2, 0, 0, 0, 0, 1},
                                    .dst_mac = {2, 0, 0, 0, 0, 2}};
    char err[256] = "";
    struct ts_craft_session *s = ts_craft_open(&cfg, err, sizeof(err));

    if (!s)
        fail_msg("ts_craft_open: %s", err);
    return s;
}

static void hexdump_diff(const uint8_t *got, size_t gl, const uint8_t *want,
                         size_t wl)
{
    for (size_t i = 0; i < (gl > wl ? gl : wl); i++) {
        int g = i < gl ? got[i] : -1, w = i < wl ? want[i] : -1;
        if (g != w)
            print_error("byte %zu: got %02x want %02x\n", i, g & 0xff,
                        w & 0xff);
    }
}

/* Build seg in a fresh build-only session, compare with want, verify both
 * checksums independently. */
static void check_bytes(const struct ts_craft_seg *seg, const uint8_t *want,
                        size_t wl)
{
    struct ts_craft_session *s = open_build(seg->src.family, false);
    struct ts_craft_frame f;
    char err[256] = "";

    assert_int_equal(ts_craft_build(s, seg, &f, err, sizeof(err)), 0);
    assert_int_equal(f.dlt, TS_DLT_LINKTYPE_RAW);
    assert_int_equal(f.ip_off, 0);
    if (f.len != wl || memcmp(f.data, want, wl) != 0)
        hexdump_diff(f.data, f.len, want, wl);
    assert_int_equal(f.len, wl);
    assert_memory_equal(f.data, want, wl);
    /* the hand-written bytes carry right checksums */
    assert_int_equal(ref_tcp_verify(want, wl), 0xffff);
    if (seg->src.family == 4)
        assert_int_equal(ref_ip_verify(want), 0xffff);
    ts_craft_close(s);
}

/* ---- every segment type, IPv4 -------------------------------------------- */

static void t_syn_v4(void **st)
{
    (void)st;
    struct ts_craft_seg s = seg4(TS_TH_SYN, 1000, 0, 64240);
    char err[256];
    /* A Linux-shaped SYN: mss, sackok, ts, nop, wscale = 20 option bytes. */
    assert_int_equal(ts_craft_opts_parse(&s.opt, "mss=1460,sackok,ts=100:0,nop,"
                                      "wscale=7", err, sizeof(err)), 0);
    static const uint8_t want[] = {
        0x45, 0x00, 0x00, 0x3c, /* v4, IHL 5, tos 0, total 60 */
        0x12, 0x34, 0x40, 0x00, /* id 0x1234, DF */
        0x40, 0x06, 0x9c, 0x60, /* ttl 64, TCP, header checksum */
        198,  18,   0,    1,    /* source */
        198,  18,   0,    2,    /* destination */
        0x9c, 0x40, 0x00, 0x50, /* ports 40000 -> 80 */
        0x00, 0x00, 0x03, 0xe8, /* seq 1000 */
        0x00, 0x00, 0x00, 0x00, /* ack 0 */
        0xa0, 0x02, 0xfa, 0xf0, /* doff 10 (40 bytes), SYN, win 64240 */
        0x20, 0x0b, 0x00, 0x00, /* checksum, urgent 0 */
        0x02, 0x04, 0x05, 0xb4, /* mss 1460 */
        0x04, 0x02,             /* sackok */
        0x08, 0x0a, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, /* ts */
        0x01,                   /* nop */
        0x03, 0x03, 0x07,       /* wscale 7 */
    };
    check_bytes(&s, want, sizeof(want));
}

static void t_synack_v4(void **st)
{
    (void)st;
    struct ts_craft_seg s = seg4(TS_TH_SYN | TS_TH_ACK, 5000, 1001, 65160);
    char err[256];
    set_addr(&s.src, B4, 4);
    set_addr(&s.dst, A4, 4);
    s.sport = 80;
    s.dport = 40000;
    assert_int_equal(ts_craft_opts_add_mss(&s.opt, 1460, err, sizeof(err)), 0);
    static const uint8_t want[] = {
        0x45, 0x00, 0x00, 0x2c, 0x12, 0x34, 0x40, 0x00, /* total 44 */
        0x40, 0x06, 0x9c, 0x70, 198,  18,   0,    2,    /* B -> A */
        198,  18,   0,    1,
        0x00, 0x50, 0x9c, 0x40, /* 80 -> 40000 */
        0x00, 0x00, 0x13, 0x88, /* seq 5000 */
        0x00, 0x00, 0x03, 0xe9, /* ack 1001 */
        0x60, 0x12, 0xfe, 0x88, /* doff 6, SYN+ACK, win 65160 */
        0x59, 0x64, 0x00, 0x00,
        0x02, 0x04, 0x05, 0xb4, /* mss 1460 */
    };
    check_bytes(&s, want, sizeof(want));
}

static void t_ack_v4(void **st)
{
    (void)st;
    struct ts_craft_seg s = seg4(TS_TH_ACK, 1001, 5001, 502);
    static const uint8_t want[] = {
        0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00, /* total 40 */
        0x40, 0x06, 0x9c, 0x74, 198,  18,   0,    1,
        198,  18,   0,    2,
        0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe9, /* seq 1001 */
        0x00, 0x00, 0x13, 0x89,                         /* ack 5001 */
        0x50, 0x10, 0x01, 0xf6, /* doff 5, ACK, win 502 */
        0x6d, 0xb4, 0x00, 0x00,
    };
    check_bytes(&s, want, sizeof(want));
}

static void t_data_v4(void **st)
{
    (void)st;
    struct ts_craft_seg s = seg4(TS_TH_PSH | TS_TH_ACK, 1001, 5001, 502);
    s.payload = (const uint8_t *)"hello";
    s.payload_len = 5;
    static const uint8_t want[] = {
        0x45, 0x00, 0x00, 0x2d, 0x12, 0x34, 0x40, 0x00, /* total 45 */
        0x40, 0x06, 0x9c, 0x6f, 198,  18,   0,    1,
        198,  18,   0,    2,
        0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe9,
        0x00, 0x00, 0x13, 0x89,
        0x50, 0x18, 0x01, 0xf6, /* PSH+ACK */
        0x29, 0xd5, 0x00, 0x00,
        'h',  'e',  'l',  'l',  'o',
    };
    check_bytes(&s, want, sizeof(want));
}

static void t_fin_v4(void **st)
{
    (void)st;
    struct ts_craft_seg s = seg4(TS_TH_FIN | TS_TH_ACK, 1006, 5001, 502);
    static const uint8_t want[] = {
        0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00,
        0x40, 0x06, 0x9c, 0x74, 198,  18,   0,    1,
        198,  18,   0,    2,
        0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xee, /* seq 1006 */
        0x00, 0x00, 0x13, 0x89,
        0x50, 0x11, 0x01, 0xf6, /* FIN+ACK */
        0x6d, 0xae, 0x00, 0x00,
    };
    check_bytes(&s, want, sizeof(want));
}

static void t_rst_v4(void **st)
{
    (void)st;
    struct ts_craft_seg s = seg4(TS_TH_RST, 1006, 0, 0);
    static const uint8_t want[] = {
        0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00,
        0x40, 0x06, 0x9c, 0x74, 198,  18,   0,    1,
        198,  18,   0,    2,
        0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xee,
        0x00, 0x00, 0x00, 0x00, /* ack 0 */
        0x50, 0x04, 0x00, 0x00, /* RST, win 0 */
        0x83, 0x3a, 0x00, 0x00,
    };
    check_bytes(&s, want, sizeof(want));
}

/* Every flag, urgent pointer, odd IP fields, SACK + a raw option padded. */
static void t_segment_all_fields_v4(void **st)
{
    (void)st;
    struct ts_craft_seg s = seg4(0xff, 0xfffffff0u, 0x80000000u, 1);
    char err[256];
    s.urp = 7;
    s.ttl = 1;
    s.tos = 2;   /* ECT(0) */
    s.ip_id = 0; /* a raw socket's kernel would fill it; the bytes say 0 */
    s.df = false;
    assert_int_equal(ts_craft_opts_parse(&s.opt, "sack=1-2,kind=254:abcd", err,
                                      sizeof(err)), 0);
    static const uint8_t want[] = {
        0x45, 0x02, 0x00, 0x38, /* tos 2, total 56 */
        0x00, 0x00, 0x00, 0x00, /* id 0, no DF */
        0x01, 0x06, 0x2d, 0x97, /* ttl 1 */
        198,  18,   0,    1,    198, 18, 0, 2,
        0x9c, 0x40, 0x00, 0x50,
        0xff, 0xff, 0xff, 0xf0, /* seq 2^32 - 16 */
        0x80, 0x00, 0x00, 0x00, /* ack 2^31 */
        0x90, 0xff, 0x00, 0x01, /* doff 9, all eight flags, win 1 */
        0x17, 0x44, 0x00, 0x07, /* checksum, urgent 7 */
        0x05, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, /* sack */
        0xfe, 0x04, 0xab, 0xcd, /* kind 254, data ab cd */
        0x00, 0x00,             /* padding: EOL, zero */
    };
    check_bytes(&s, want, sizeof(want));
}

/* ---- IPv6 ---------------------------------------------------------------- */

static struct ts_craft_seg seg6(uint8_t flags, uint32_t seq, uint32_t ack,
                             uint16_t win)
{
    struct ts_craft_seg s = seg4(flags, seq, ack, win);
    set_addr(&s.src, A6, 6);
    set_addr(&s.dst, B6, 6);
    return s;
}

static void t_syn_v6(void **st)
{
    (void)st;
    struct ts_craft_seg s = seg6(TS_TH_SYN, 1000, 0, 64240);
    char err[256];
    assert_int_equal(ts_craft_opts_add_mss(&s.opt, 1440, err, sizeof(err)), 0);
    static const uint8_t want[] = {
        0x60, 0x00, 0x00, 0x00, /* v6, class 0, flow 0 */
        0x00, 0x18, 0x06, 0x40, /* payload 24, TCP, hop limit 64 */
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
        0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8,
        0x00, 0x00, 0x00, 0x00,
        0x60, 0x02, 0xfa, 0xf0,
        0xa1, 0x5c, 0x00, 0x00,
        0x02, 0x04, 0x05, 0xa0, /* mss 1440 */
    };
    check_bytes(&s, want, sizeof(want));
}

static void t_data_v6(void **st)
{
    (void)st;
    struct ts_craft_seg s = seg6(TS_TH_PSH | TS_TH_ACK, 1001, 5001, 502);
    char err[256];
    s.tos = 0x10;
    s.ttl = 255;
    s.payload = (const uint8_t *)"hi";
    s.payload_len = 2;
    assert_int_equal(ts_craft_opts_add_ts(&s.opt, 1, 2, err, sizeof(err)), 0);
    static const uint8_t want[] = {
        0x61, 0x00, 0x00, 0x00, /* class 0x10 spans the first two bytes */
        0x00, 0x22, 0x06, 0xff, /* payload 34, hop limit 255 */
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
        0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe9,
        0x00, 0x00, 0x13, 0x89,
        0x80, 0x18, 0x01, 0xf6, /* doff 8 */
        0xfd, 0xda, 0x00, 0x00,
        0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2, /* ts 1:2 */
        0x00, 0x00,                         /* padding */
        'h',  'i',
    };
    check_bytes(&s, want, sizeof(want));
}

/* ---- Ethernet framing ---------------------------------------------------- */

static void t_ether(void **st)
{
    (void)st;
    struct ts_craft_session *s = open_build(4, true);
    struct ts_craft_seg seg = seg4(TS_TH_ACK, 1001, 5001, 502);
    struct ts_craft_frame f;
    char err[256];
    static const uint8_t eth[] = {2, 0, 0, 0, 0, 2, /* destination */
                                  2, 0, 0, 0, 0, 1, /* source */
                                  0x08, 0x00};      /* IPv4 */

    assert_int_equal(ts_craft_build(s, &seg, &f, err, sizeof(err)), 0);
    assert_int_equal(f.dlt, TS_DLT_EN10MB);
    assert_int_equal(f.ip_off, 14);
    assert_int_equal(f.len, 54);
    assert_memory_equal(f.data, eth, sizeof(eth));
    assert_int_equal(ref_tcp_verify(f.data + 14, 40), 0xffff);
    ts_craft_close(s);

    s = open_build(6, true);
    seg = seg6(TS_TH_ACK, 1, 2, 3);
    assert_int_equal(ts_craft_build(s, &seg, &f, err, sizeof(err)), 0);
    assert_int_equal(f.len, 14 + 60);
    assert_int_equal(f.data[12], 0x86);
    assert_int_equal(f.data[13], 0xdd);
    assert_int_equal(ref_tcp_verify(f.data + 14, 60), 0xffff);
    ts_craft_close(s);
}

/* ---- checksums on purpose wrong, then right again ------------------------ */

static void t_bad_checksum_not_sticky(void **st)
{
    (void)st;
    struct ts_craft_session *s = open_build(4, false);
    struct ts_craft_seg seg = seg4(TS_TH_ACK, 1001, 5001, 502);
    struct ts_craft_frame f;
    char err[256];

    for (int round = 0; round < 3; round++) {
        seg.bad_cksum = true;
        assert_int_equal(ts_craft_build(s, &seg, &f, err, sizeof(err)), 0);
        /* the right checksum is 0x6db4 (t_ack_v4): we send it plus one */
        assert_int_equal(f.data[36], 0x6d);
        assert_int_equal(f.data[37], 0xb5);
        assert_int_not_equal(ref_tcp_verify(f.data, f.len), 0xffff);
        assert_int_equal(ref_ip_verify(f.data), 0xffff); /* IP untouched */

        seg.bad_cksum = false; /* libnet's mode sticks to the ptag: not ours */
        assert_int_equal(ts_craft_build(s, &seg, &f, err, sizeof(err)), 0);
        assert_int_equal(f.data[36], 0x6d);
        assert_int_equal(f.data[37], 0xb4);
        assert_int_equal(ref_tcp_verify(f.data, f.len), 0xffff);
    }
    ts_craft_close(s);
}

/* ---- ptag rebuilds ------------------------------------------------------- */

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
    /* xorshift64*: deterministic, so a failure replays */
    rnd_state ^= rnd_state >> 12;
    rnd_state ^= rnd_state << 25;
    rnd_state ^= rnd_state >> 27;
    return (uint32_t)((rnd_state * 2685821657736338717ull) >> 32);
}

static void random_opts(struct ts_craft_opts *o)
{
    char err[256];
    unsigned n = rnd() % 7;

    ts_craft_opts_clear(o);
    for (unsigned i = 0; i < n; i++) {
        int r = 0;
        switch (rnd() % 7) {
        case 0: r = ts_craft_opts_add_mss(o, (uint16_t)rnd(), err, sizeof(err)); break;
        case 1: r = ts_craft_opts_add_wscale(o, (uint8_t)(rnd() % 15), err, sizeof(err)); break;
        case 2: r = ts_craft_opts_add_sackok(o, err, sizeof(err)); break;
        case 3: r = ts_craft_opts_add_nop(o, err, sizeof(err)); break;
        case 4: r = ts_craft_opts_add_ts(o, rnd(), rnd(), err, sizeof(err)); break;
        case 5: {
            uint32_t b[4][2] = {{rnd(), rnd()}, {rnd(), rnd()},
                                {rnd(), rnd()}, {rnd(), rnd()}};
            r = ts_craft_opts_add_sack(o, (const uint32_t(*)[2])b, 1 + rnd() % 4,
                                    err, sizeof(err));
            break;
        }
        default: {
            uint8_t d[6] = {1, 2, 3, 4, 5, 6};
            r = ts_craft_opts_add_raw(o, (uint8_t)(2 + rnd() % 250), d,
                                   (uint8_t)(rnd() % 7), err, sizeof(err));
            break;
        }
        }
        assert_int_equal(r, 0);
        if (o->len > TS_CRAFT_OPT_MAX) { /* keep only lists that fit */
            ts_craft_opts_clear(o);
            return;
        }
    }
}

static void rebuild_vs_fresh(int family, bool ether, unsigned rounds)
{
    static uint8_t payload[1500];
    static const uint32_t plens[] = {0, 0, 1, 2, 3, 5, 100, 1000, 1400};
    struct ts_craft_session *s = open_build(family, ether);
    struct ts_craft_seg seg = family == 4 ? seg4(0, 0, 0, 0) : seg6(0, 0, 0, 0);
    uint32_t off = ether ? 14 : 0;
    char err[256];

    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(i * 7 + 3);
    for (unsigned r = 0; r < rounds; r++) {
        struct ts_craft_frame f, g;
        struct ts_craft_session *fresh;

        seg.flags = (uint8_t)rnd();
        seg.seq = rnd();
        seg.ack = rnd();
        seg.win = (uint16_t)rnd();
        seg.urp = (uint16_t)rnd();
        seg.sport = (uint16_t)rnd();
        seg.dport = (uint16_t)rnd();
        seg.ttl = (uint8_t)rnd();
        seg.tos = (uint8_t)rnd();
        seg.ip_id = (uint16_t)rnd();
        seg.df = rnd() & 1;
        seg.bad_cksum = rnd() % 8 == 0;
        random_opts(&seg.opt);
        seg.payload_len = plens[rnd() % (sizeof(plens) / sizeof(plens[0]))];
        seg.payload = payload + rnd() % 64;

        assert_int_equal(ts_craft_build(s, &seg, &f, err, sizeof(err)), 0);
        fresh = open_build(family, ether);
        assert_int_equal(ts_craft_build(fresh, &seg, &g, err, sizeof(err)), 0);
        if (f.len != g.len || memcmp(f.data, g.data, f.len) != 0) {
            print_error("round %u differs from a fresh context\n", r);
            hexdump_diff(f.data, f.len, g.data, g.len);
        }
        assert_int_equal(f.len, g.len);
        assert_memory_equal(f.data, g.data, f.len);

        /* lengths: IP total / payload length, data offset */
        uint32_t hl = family == 4 ? 20 : 40;
        uint32_t olen = (seg.opt.len + 3u) & ~3u;
        uint32_t ip_len = hl + 20 + olen + seg.payload_len;
        const uint8_t *ip = f.data + off;
        assert_int_equal(f.len, off + ip_len);
        if (family == 4) {
            assert_int_equal(ip[2] << 8 | ip[3], ip_len);
            assert_int_equal(ref_ip_verify(ip), 0xffff);
        } else {
            assert_int_equal(ip[4] << 8 | ip[5], ip_len - 40);
        }
        assert_int_equal(ip[hl + 12] >> 4, (20 + olen) / 4);
        assert_memory_equal(ip + hl + 20, seg.opt.b, seg.opt.len);
        assert_memory_equal(ip + hl + 20 + olen, seg.payload, seg.payload_len);
        /* checksum: right, or exactly the right one plus one (which
         * carries the verifying sum from 0xffff round to 0x0001) */
        uint16_t v = ref_tcp_verify(ip, ip_len);
        if (seg.bad_cksum)
            assert_int_equal(v, 0x0001);
        else
            assert_int_equal(v, 0xffff);
        ts_craft_close(fresh);
    }
    ts_craft_close(s);
}

static void t_rebuild_v4(void **st)
{
    (void)st;
    rebuild_vs_fresh(4, false, 400);
}

static void t_rebuild_v6(void **st)
{
    (void)st;
    rebuild_vs_fresh(6, false, 400);
}

static void t_rebuild_ether(void **st)
{
    (void)st;
    rebuild_vs_fresh(4, true, 100);
    rebuild_vs_fresh(6, true, 100);
}

/* The sequence a handshake driver sends: options on, off, grown, shrunk. */
static void t_rebuild_handshake(void **st)
{
    (void)st;
    struct ts_craft_session *s = open_build(4, false);
    struct ts_craft_frame f;
    char err[256];
    struct ts_craft_seg seg = seg4(TS_TH_SYN, 1000, 0, 64240);

    assert_int_equal(ts_craft_opts_parse(&seg.opt, "mss=1460,sackok,ts=100:0,nop,"
                                      "wscale=7", err, sizeof(err)), 0);
    assert_int_equal(ts_craft_build(s, &seg, &f, err, sizeof(err)), 0);
    assert_int_equal(f.len, 60);
    assert_int_equal(f.data[3], 60);

    seg.flags = TS_TH_ACK;
    seg.seq = 1001;
    seg.ack = 5001;
    ts_craft_opts_clear(&seg.opt);
    assert_int_equal(ts_craft_build(s, &seg, &f, err, sizeof(err)), 0);
    assert_int_equal(f.len, 40);
    assert_int_equal(f.data[3], 40);
    assert_int_equal(f.data[32], 0x50);
    assert_int_equal(ref_tcp_verify(f.data, f.len), 0xffff);

    assert_int_equal(ts_craft_opts_add_ts(&seg.opt, 101, 7, err, sizeof(err)), 0);
    seg.flags = TS_TH_PSH | TS_TH_ACK;
    seg.payload = (const uint8_t *)"GET / HTTP/1.0\r\n\r\n";
    seg.payload_len = 18;
    assert_int_equal(ts_craft_build(s, &seg, &f, err, sizeof(err)), 0);
    assert_int_equal(f.len, 20 + 20 + 12 + 18);
    assert_int_equal(f.data[2] << 8 | f.data[3], 70);
    assert_int_equal(f.data[32], 0x80);
    assert_int_equal(ref_tcp_verify(f.data, f.len), 0xffff);

    seg.payload = NULL;
    seg.payload_len = 0;
    seg.flags = TS_TH_FIN | TS_TH_ACK;
    seg.seq = 1019;
    assert_int_equal(ts_craft_build(s, &seg, &f, err, sizeof(err)), 0);
    assert_int_equal(f.len, 52);
    assert_int_equal(f.data[2] << 8 | f.data[3], 52);
    assert_int_equal(ref_tcp_verify(f.data, f.len), 0xffff);
    ts_craft_close(s);
}

/* ---- options ------------------------------------------------------------- */

static void t_opts_each_kind(void **st)
{
    (void)st;
    struct ts_craft_opts o;
    uint8_t pad[TS_CRAFT_OPT_MAX];
    char err[256];
    static const uint8_t want[] = {
        0x02, 0x04, 0xff, 0xff,       /* mss 65535 */
        0x03, 0x03, 0x0e,             /* wscale 14 */
        0x04, 0x02,                   /* sackok */
        0x01,                         /* nop */
        0x05, 0x12,                   /* sack, 2 blocks */
        0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x14, /* 10-20 */
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, /* wraps */
        0x00,                         /* eol */
    };

    ts_craft_opts_clear(&o);
    assert_int_equal(ts_craft_opts_parse(&o, "mss=65535,wscale=14,sackok,nop,"
                                      "sack=10-20:4294967295-1,eol", err,
                                      sizeof(err)), 0);
    assert_int_equal(o.len, sizeof(want));
    assert_int_equal(o.n, 6);
    assert_memory_equal(o.b, want, sizeof(want));
    assert_int_equal(ts_craft_opts_pad(&o, pad), 32); /* 29 bytes + 3 of pad */
    assert_memory_equal(pad, want, sizeof(want));
    assert_int_equal(pad[29] | pad[30] | pad[31], 0);

    ts_craft_opts_clear(&o);
    assert_int_equal(ts_craft_opts_parse(&o, "ts=4294967295:0,kind=30:00112233",
                                      err, sizeof(err)), 0);
    static const uint8_t want2[] = {0x08, 0x0a, 0xff, 0xff, 0xff, 0xff, 0, 0,
                                    0,    0,    30,   6,    0x00, 0x11, 0x22,
                                    0x33};
    assert_int_equal(o.len, sizeof(want2));
    assert_memory_equal(o.b, want2, sizeof(want2));

    ts_craft_opts_clear(&o);
    assert_int_equal(ts_craft_opts_parse(&o, "kind=99", err, sizeof(err)), 0);
    assert_int_equal(o.len, 2); /* kind, length 2, no data */
    assert_int_equal(o.b[1], 2);

    ts_craft_opts_clear(&o);
    assert_int_equal(ts_craft_opts_parse(&o, "none", err, sizeof(err)), 0);
    assert_int_equal(o.len, 0);
    assert_int_equal(ts_craft_opts_pad(&o, pad), 0);
}

static void t_opts_too_long(void **st)
{
    (void)st;
    struct ts_craft_opts o;
    uint8_t pad[TS_CRAFT_OPT_MAX];
    char err[256] = "";

    ts_craft_opts_clear(&o);
    /* 4 + 10 + 26 = 40 fits exactly */
    assert_int_equal(ts_craft_opts_parse(&o, "mss=1460,ts=1:2,sack=1-2:3-4:5-6",
                                      err, sizeof(err)), 0);
    assert_int_equal(ts_craft_opts_pad(&o, pad), 40);

    ts_craft_opts_clear(&o);
    assert_int_equal(ts_craft_opts_parse(&o, "mss=1460,wscale=7,sackok,ts=1:0,"
                                      "sack=1-2:3-4:5-6", err, sizeof(err)),
                     -1);
    /* the message names every option with its size */
    assert_string_equal(err, "tcp options: 45 bytes, more than 40: mss(4) "
                             "wscale(3) sackok(2) ts(10) sack(26)");
    assert_int_equal(ts_craft_opts_check(&o, err, sizeof(err)), -1);
    assert_int_equal(ts_craft_opts_pad(&o, pad), -1);

    /* 41 bytes: one too many */
    ts_craft_opts_clear(&o);
    assert_int_equal(ts_craft_opts_parse(&o, "nop,nop,nop,nop,nop,ts=1:2,"
                                      "sack=1-2:3-4:5-6", err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "41 bytes"));

    /* the appenders alone do not refuse: the check does */
    ts_craft_opts_clear(&o);
    for (int i = 0; i < 41; i++)
        assert_int_equal(ts_craft_opts_add_nop(&o, err, sizeof(err)), 0);
    assert_int_equal(ts_craft_opts_check(&o, err, sizeof(err)), -1);
    /* and the list is bounded */
    for (int i = 41; i < TS_CRAFT_OPT_ROOM; i++)
        assert_int_equal(ts_craft_opts_add_nop(&o, err, sizeof(err)), 0);
    assert_int_equal(ts_craft_opts_add_nop(&o, err, sizeof(err)), -1);
}

static void t_opts_bad_items(void **st)
{
    (void)st;
    static const char *const bad[] = {
        "mss", "mss=65536", "mss=-1", "wscale=256", "ts=1", "ts=1:", "sack=",
        "sack=1", "sack=1-2:3-4:5-6:7-8:9-10", "kind=256", "kind=30:abc",
        "kind=30:zz", "bogus", "", "mss=1,,nop", "mss=1,", "nop=1",
        "sackok=1",
    };
    char err[256];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ts_craft_opts o;
        ts_craft_opts_clear(&o);
        err[0] = '\0';
        if (ts_craft_opts_parse(&o, bad[i], err, sizeof(err)) != -1)
            fail_msg("'%s' was accepted", bad[i]);
        assert_true(err[0] != '\0');
    }
}

/* ---- flags and text parsers ---------------------------------------------- */

static void t_flags(void **st)
{
    (void)st;
    uint8_t f;
    char err[256], buf[64];

    assert_int_equal(ts_craft_flags_parse("syn,ack", &f, err, sizeof(err)), 0);
    assert_int_equal(f, 0x12);
    assert_int_equal(ts_craft_flags_parse("fin,syn,rst,psh,ack,urg,ece,cwr", &f,
                                       err, sizeof(err)), 0);
    assert_int_equal(f, 0xff);
    assert_int_equal(ts_craft_flags_parse("SYN", &f, err, sizeof(err)), 0);
    assert_int_equal(f, 0x02);
    assert_int_equal(ts_craft_flags_parse("none", &f, err, sizeof(err)), 0);
    assert_int_equal(f, 0);
    assert_int_equal(ts_craft_flags_parse("syn,foo", &f, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'foo'"));
    assert_int_equal(ts_craft_flags_parse("syn,", &f, err, sizeof(err)), -1);
    assert_string_equal(ts_craft_flags_str(0x12, buf, sizeof(buf)), "syn,ack");
    assert_string_equal(ts_craft_flags_str(0xc1, buf, sizeof(buf)),
                        "fin,ece,cwr");
    assert_string_equal(ts_craft_flags_str(0, buf, sizeof(buf)), "none");
}

static void t_endpoints(void **st)
{
    (void)st;
    struct ts_addr a;
    uint16_t port;
    bool hp;
    char err[256];

    assert_int_equal(ts_craft_parse_endpoint("198.18.0.2:80", true, &a, &port,
                                          &hp, err, sizeof(err)), 0);
    assert_int_equal(a.family, 4);
    assert_memory_equal(a.a, B4, 4);
    assert_int_equal(port, 80);
    assert_true(hp);
    assert_int_equal(ts_craft_parse_endpoint("[2001:db8::2]:65535", true, &a,
                                          &port, &hp, err, sizeof(err)), 0);
    assert_int_equal(a.family, 6);
    assert_memory_equal(a.a, B6, 16);
    assert_int_equal(port, 65535);
    assert_int_equal(ts_craft_parse_endpoint("2001:db8::1", false, &a, &port, &hp,
                                          err, sizeof(err)), 0);
    assert_false(hp);
    assert_memory_equal(a.a, A6, 16);
    assert_int_equal(ts_craft_parse_endpoint("[2001:db8::1]", false, &a, &port,
                                          &hp, err, sizeof(err)), 0);
    assert_int_equal(ts_craft_parse_endpoint("198.18.0.1", false, &a, &port, &hp,
                                          err, sizeof(err)), 0);
    assert_false(hp);

    static const char *const bad[] = {
        "198.18.0.2", "198.18.0.2:", "198.18.0.2:65536", "198.18.0.2:-1",
        "198.18.0.2:8o", "198.18.0.256:80", "example.com:80",
        "2001:db8::2:80x", "[2001:db8::2]", "[2001:db8::2]80",
        "[198.18.0.2]:80", "[2001:db8::2:80", "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        if (ts_craft_parse_endpoint(bad[i], true, &a, &port, &hp, err,
                                 sizeof(err)) != -1)
            fail_msg("'%s' was accepted", bad[i]);
        assert_true(err[0] != '\0');
    }
}

static void t_payloads(void **st)
{
    (void)st;
    uint8_t *p;
    uint32_t n;
    char err[256];

    assert_int_equal(ts_craft_payload_text("GET /\\r\\n\\x00\\\\", 100, &p, &n,
                                        err, sizeof(err)), 0);
    assert_int_equal(n, 9);
    assert_memory_equal(p, "GET /\r\n\0\\", 9);
    free(p);
    assert_int_equal(ts_craft_payload_text("bad\\q", 100, &p, &n, err,
                                        sizeof(err)), -1);
    assert_int_equal(ts_craft_payload_text("\\x4", 100, &p, &n, err,
                                        sizeof(err)), -1);
    assert_int_equal(ts_craft_payload_text("toolong", 3, &p, &n, err,
                                        sizeof(err)), -1);
    assert_int_equal(ts_craft_payload_hex("0x de:ad be ef", 100, &p, &n, err,
                                       sizeof(err)), 0);
    assert_int_equal(n, 4);
    assert_memory_equal(p, "\xde\xad\xbe\xef", 4);
    free(p);
    assert_int_equal(ts_craft_payload_hex("abc", 100, &p, &n, err, sizeof(err)),
                     -1);
    assert_int_equal(ts_craft_payload_hex("zz", 100, &p, &n, err, sizeof(err)),
                     -1);

    char path[] = "/tmp/craft-payload-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "\x01\x02\x03", 3), 3);
    close(fd);
    char arg[64];
    snprintf(arg, sizeof(arg), "@%s", path);
    assert_int_equal(ts_craft_payload_text(arg, 100, &p, &n, err, sizeof(err)),
                     0);
    assert_int_equal(n, 3);
    assert_memory_equal(p, "\x01\x02\x03", 3);
    free(p);
    assert_int_equal(ts_craft_payload_text(arg, 2, &p, &n, err, sizeof(err)),
                     -1);
    unlink(path);
    assert_int_equal(ts_craft_payload_text(arg, 100, &p, &n, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, path));
}

static void t_numbers_and_macs(void **st)
{
    (void)st;
    uint64_t v;
    uint8_t mac[6];
    char err[256];

    assert_int_equal(ts_craft_parse_uint("4294967295", UINT32_MAX, &v, err,
                                      sizeof(err)), 0);
    assert_int_equal(v, 4294967295u);
    assert_int_equal(ts_craft_parse_uint("0x10", 255, &v, err, sizeof(err)), 0);
    assert_int_equal(v, 16);
    assert_int_equal(ts_craft_parse_uint("4294967296", UINT32_MAX, &v, err,
                                      sizeof(err)), -1);
    assert_int_equal(ts_craft_parse_uint("-1", UINT32_MAX, &v, err, sizeof(err)),
                     -1);
    assert_int_equal(ts_craft_parse_uint("12x", 100, &v, err, sizeof(err)), -1);
    assert_int_equal(ts_craft_parse_mac("02:00:5e:10:00:ff", mac, err,
                                     sizeof(err)), 0);
    assert_memory_equal(mac, "\x02\x00\x5e\x10\x00\xff", 6);
    assert_int_equal(ts_craft_parse_mac("02:00:5e:10:00", mac, err, sizeof(err)),
                     -1);
    assert_int_equal(ts_craft_parse_mac("02:00:5e:10:00:ff:", mac, err,
                                     sizeof(err)), -1);
}

/* ---- session errors ------------------------------------------------------ */

static void t_build_errors(void **st)
{
    (void)st;
    struct ts_craft_session *s = open_build(4, false);
    struct ts_craft_seg seg = seg6(TS_TH_SYN, 1, 0, 1); /* v6 in a v4 session */
    struct ts_craft_frame f;
    char err[256];
    static uint8_t big[65536];

    assert_int_equal(ts_craft_build(s, &seg, &f, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "IPv6"));
    seg = seg4(TS_TH_ACK, 1, 2, 3);
    seg.payload = big;
    seg.payload_len = 65535 - 40 + 1;
    assert_int_equal(ts_craft_build(s, &seg, &f, err, sizeof(err)), -1);
    seg.payload_len = 65535 - 40; /* the largest IPv4 packet */
    assert_int_equal(ts_craft_build(s, &seg, &f, err, sizeof(err)), 0);
    assert_int_equal(f.len, 65535);
    assert_int_equal(ref_tcp_verify(f.data, f.len), 0xffff);
    ts_craft_close(s);

    struct ts_craft_session_cfg cfg = {.via = TS_CRAFT_VIA_BUILD, .family = 5};
    assert_null(ts_craft_open(&cfg, err, sizeof(err)));
    cfg.family = 4;
    cfg.via = TS_CRAFT_VIA_LINK;
    assert_null(ts_craft_open(&cfg, err, sizeof(err))); /* no interface */
}

/* ---- round trip through our own decoder ---------------------------------- */

static void t_decode_roundtrip(void **st)
{
    (void)st;
    struct ts_craft_session *s = open_build(4, false);
    struct ts_craft_seg seg = seg4(TS_TH_SYN | TS_TH_ECE | TS_TH_CWR, 0xdeadbeef,
                                0x01020304, 1234);
    struct ts_craft_frame f;
    struct ts_seg d;
    char err[256];

    seg.urp = 99;
    seg.ttl = 33;
    seg.tos = 0x03;
    seg.ip_id = 4242;
    seg.payload = (const uint8_t *)"xyz";
    seg.payload_len = 3;
    assert_int_equal(ts_craft_opts_parse(&seg.opt, "mss=1400,wscale=9,sackok,"
                                      "ts=7:8,sack=100-200:300-400", err,
                                      sizeof(err)), 0);
    assert_int_equal(ts_craft_build(s, &seg, &f, err, sizeof(err)), 0);
    assert_int_equal(ts_decode(f.dlt, f.data, f.len, f.len, true, &d),
                     TS_DEC_TCP);
    assert_int_equal(d.ipver, 4);
    assert_int_equal(d.ttl, 33);
    assert_int_equal(d.tos, 3);
    assert_true(d.df);
    assert_int_equal(d.ip_id, 4242);
    assert_int_equal(ts_addr_cmp(&d.src, &seg.src), 0);
    assert_int_equal(ts_addr_cmp(&d.dst, &seg.dst), 0);
    assert_int_equal(d.sport, 40000);
    assert_int_equal(d.dport, 80);
    assert_int_equal(d.seq, 0xdeadbeef);
    assert_int_equal(d.ack, 0x01020304);
    assert_int_equal(d.flags, TS_TH_SYN | TS_TH_ECE | TS_TH_CWR);
    assert_int_equal(d.win, 1234);
    assert_int_equal(d.urp, 99);
    assert_int_equal(d.doff, 20 + 40);
    assert_int_equal(d.opt.mss, 1400);
    assert_int_equal(d.opt.wscale, 9);
    assert_true(d.opt.present & TS_HAS_SACKOK);
    assert_int_equal(d.opt.tsval, 7);
    assert_int_equal(d.opt.tsecr, 8);
    assert_int_equal(d.opt.sack_n, 2);
    assert_int_equal(d.opt.sack[1][0], 300);
    assert_int_equal(d.opt.sack[1][1], 400);
    assert_int_equal(d.payload_len, 3);
    assert_int_equal(d.cksum_state, TS_CK_GOOD);
    assert_int_equal(d.anomalies & ~TS_AN_SHORT_CAP, 0);

    seg.bad_cksum = true;
    assert_int_equal(ts_craft_build(s, &seg, &f, err, sizeof(err)), 0);
    assert_int_equal(ts_decode(f.dlt, f.data, f.len, f.len, true, &d),
                     TS_DEC_TCP);
    assert_int_equal(d.cksum_state, TS_CK_BAD);
    ts_craft_close(s);

    s = open_build(6, true);
    seg = seg6(TS_TH_RST | TS_TH_ACK, 5, 6, 0);
    seg.ttl = 200;
    seg.tos = 0xb8;
    assert_int_equal(ts_craft_build(s, &seg, &f, err, sizeof(err)), 0);
    assert_int_equal(ts_decode(f.dlt, f.data, f.len, f.len, true, &d),
                     TS_DEC_TCP);
    assert_int_equal(d.ipver, 6);
    assert_int_equal(d.ttl, 200);
    assert_int_equal(d.tos, 0xb8);
    assert_int_equal(d.flags, TS_TH_RST | TS_TH_ACK);
    assert_int_equal(d.seq, 5);
    assert_int_equal(d.ack, 6);
    assert_int_equal(d.cksum_state, TS_CK_GOOD);
    ts_craft_close(s);
}

/* ---- pcap writer --------------------------------------------------------- */

static void t_pcap_writer(void **st)
{
    (void)st;
    char path[] = "/tmp/craft-pcap-XXXXXX";
    int fd = mkstemp(path);
    char err[256];
    uint8_t buf[256];
    struct ts_craft_pcap *p;
    FILE *f;

    assert_true(fd >= 0);
    close(fd);
    p = ts_craft_pcap_open(path, TS_DLT_LINKTYPE_RAW, err, sizeof(err));
    assert_non_null(p);
    assert_int_equal(ts_craft_pcap_write(p, 1700000000123456789ull,
                                      (const uint8_t *)"\x45\x00", 2, err,
                                      sizeof(err)), 0);
    assert_int_equal(ts_craft_pcap_close(p, err, sizeof(err)), 0);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(buf, 1, sizeof(buf), f), 24 + 16 + 2);
    fclose(f);
    unlink(path);

    uint32_t w[6];
    memcpy(w, buf, sizeof(w));
    assert_int_equal(w[0], 0xa1b2c3d4u); /* magic, microseconds */
    assert_int_equal(buf[4] | buf[5] << 8, 2);   /* 2.4, host order */
    assert_int_equal(buf[6] | buf[7] << 8, 4);
    assert_int_equal(w[4], 262144); /* snaplen */
    assert_int_equal(w[5], 101);    /* LINKTYPE_RAW */
    uint32_t r[4];
    memcpy(r, buf + 24, sizeof(r));
    assert_int_equal(r[0], 1700000000u);
    assert_int_equal(r[1], 123456u);
    assert_int_equal(r[2], 2);
    assert_int_equal(r[3], 2);
    assert_int_equal(buf[40], 0x45);

    assert_null(ts_craft_pcap_open("/nonexistent-dir/x.pcap", 1, err,
                                sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent-dir/x.pcap"));
}

/* ICMP errors quoting a segment (RFC 792, RFC 4443): layout, the MTU
 * field of each family, the quoted header and ports, and checksums that
 * verify (ICMPv6 with its pseudo-header, RFC 8200 §8.1) */
static void t_icmp(void **st)
{
    (void)st;
    uint8_t b[128];
    struct ts_craft_icmp m = {
        .src = {.family = 4, .a = {198, 18, 0, 2}}, .dst = {.family = 4, .a = {198, 18, 0, 1}},
        .type = 3, .code = 4, .mtu = 1200, .ttl = 64,
        .q_src = {.family = 4, .a = {198, 18, 0, 1}}, .q_dst = {.family = 4, .a = {198, 18, 0, 2}},
        .q_sport = 8080, .q_dport = 40000, .q_seq = 0x01020304, .q_len = 1500};
    uint32_t n = ts_craft_icmp_build(&m, b, sizeof b);
    assert_int_equal(n, 20 + 8 + 20 + 8);
    assert_int_equal(b[0], 0x45);
    assert_int_equal(b[9], 1);                     /* ICMP */
    assert_int_equal(b[2] << 8 | b[3], n);         /* total length */
    assert_int_equal(ref_ip_verify(b), 0xffff);
    assert_int_equal(b[20], 3);
    assert_int_equal(b[21], 4);
    assert_int_equal(b[26] << 8 | b[27], 1200);    /* next-hop MTU */
    assert_int_equal(ref_fold(ref_sum(0, b + 20, n - 20)), 0xffff);
    const uint8_t *q = b + 28;                     /* the quoted header */
    assert_int_equal(q[9], 6);
    assert_int_equal(q[2] << 8 | q[3], 1500);
    assert_memory_equal(q + 12, m.q_src.a, 4);
    assert_int_equal(ref_ip_verify(q), 0xffff);
    assert_int_equal(q[20] << 8 | q[21], 8080);
    assert_int_equal(q[22] << 8 | q[23], 40000);
    assert_memory_equal(q + 24, "\x01\x02\x03\x04", 4);
    /* id goes in bytes 4-5 whatever the type; too small a buffer: 0 */
    m.id = 0x1234;
    n = ts_craft_icmp_build(&m, b, sizeof b);
    assert_int_equal(b[24] << 8 | b[25], 0x1234);
    assert_int_equal(ref_fold(ref_sum(0, b + 20, n - 20)), 0xffff);
    assert_int_equal(ts_craft_icmp_build(&m, b, 55), 0);

    struct ts_craft_icmp m6 = {
        .src = {.family = 6, .a = {0x20, 0x01, 0x0d, 0xb8, [15] = 2}},
        .dst = {.family = 6, .a = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}},
        .type = 2, .mtu = 1280, .ttl = 64,
        .q_src = {.family = 6, .a = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}},
        .q_dst = {.family = 6, .a = {0x20, 0x01, 0x0d, 0xb8, [15] = 2}},
        .q_sport = 8080, .q_dport = 40000, .q_seq = 7, .q_len = 200000};
    n = ts_craft_icmp_build(&m6, b, sizeof b);
    assert_int_equal(n, 40 + 8 + 40 + 8);
    assert_int_equal(b[0] >> 4, 6);
    assert_int_equal(b[6], 58);
    assert_int_equal(b[4] << 8 | b[5], n - 40);    /* payload length */
    assert_int_equal(b[40], 2);
    assert_int_equal((uint32_t)b[44] << 24 | (uint32_t)b[45] << 16 | b[46] << 8 | b[47], 1280);
    uint8_t ph[8] = {0, 0, 0, (uint8_t)(n - 40), 0, 0, 0, 58};
    uint32_t sum = ref_sum(ref_sum(ref_sum(0, b + 8, 32), ph, 8), b + 40, n - 40);
    assert_int_equal(ref_fold(sum), 0xffff);
    assert_int_equal(b[48 + 4] << 8 | b[48 + 5], 65535); /* quoted length clamped */
    /* mixed families: nothing */
    m6.q_src = m.q_src;
    assert_int_equal(ts_craft_icmp_build(&m6, b, sizeof b), 0);
}

static void t_rng(void **st)
{
    (void)st;
    struct ts_craft_rng r;
    uint32_t a, b, seen_or = 0, seen_and = ~0u;

    ts_craft_rng_init(&r);
    assert_int_equal(ts_craft_rng_u32(&r, &a), 0);
    for (int i = 0; i < 5000; i++) { /* crosses several refills */
        assert_int_equal(ts_craft_rng_u32(&r, &b), 0);
        seen_or |= b;
        seen_and &= b;
    }
    /* all 32 bits vary (libnet_get_prand's top bit never does) */
    assert_int_equal(seen_or, 0xffffffffu);
    assert_int_equal(seen_and, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_syn_v4),
        cmocka_unit_test(t_synack_v4),
        cmocka_unit_test(t_ack_v4),
        cmocka_unit_test(t_data_v4),
        cmocka_unit_test(t_fin_v4),
        cmocka_unit_test(t_rst_v4),
        cmocka_unit_test(t_segment_all_fields_v4),
        cmocka_unit_test(t_syn_v6),
        cmocka_unit_test(t_data_v6),
        cmocka_unit_test(t_ether),
        cmocka_unit_test(t_bad_checksum_not_sticky),
        cmocka_unit_test(t_rebuild_v4),
        cmocka_unit_test(t_rebuild_v6),
        cmocka_unit_test(t_rebuild_ether),
        cmocka_unit_test(t_rebuild_handshake),
        cmocka_unit_test(t_opts_each_kind),
        cmocka_unit_test(t_opts_too_long),
        cmocka_unit_test(t_opts_bad_items),
        cmocka_unit_test(t_flags),
        cmocka_unit_test(t_endpoints),
        cmocka_unit_test(t_payloads),
        cmocka_unit_test(t_numbers_and_macs),
        cmocka_unit_test(t_build_errors),
        cmocka_unit_test(t_decode_roundtrip),
        cmocka_unit_test(t_pcap_writer),
        cmocka_unit_test(t_icmp),
        cmocka_unit_test(t_rng),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
