/* Unit tests of the driver's pieces that need no root: the ICMP
 * destination-unreachable and packet-too-big parser and the link-header skip
 * (src/drive/wire.c) on hand-made bytes, the guard's nftables text
 * (src/drive/guard.c), the receive reassembly and the SACK scoreboard
 * (src/drive/reasm.c), and the names of closes and outcomes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/drive/internal.h"

/* IPv4: 198.18.0.2 tells 198.18.0.1 that its SYN 198.18.0.1:40000 ->
 * 198.18.0.2:9 (seq 0x01020304) could not be delivered: host unreachable. */
static const uint8_t icmp4[] = {
    0x45, 0x00, 0x00, 0x38,  /* IPv4, IHL 5, total length 56 */
    0x00, 0x01, 0x00, 0x00,  /* id 1, no fragment */
    0x40, 0x01, 0x00, 0x00,  /* TTL 64, protocol ICMP, checksum (not checked) */
    198, 18, 0, 2,           /* from */
    198, 18, 0, 1,           /* to us */
    0x03, 0x01, 0x00, 0x00,  /* type 3 (unreachable), code 1 (host), checksum */
    0x00, 0x00, 0x00, 0x00,  /* unused */
    0x45, 0x00, 0x00, 0x2c,  /* the quoted header: our SYN, 44 bytes */
    0x00, 0x02, 0x40, 0x00,
    0x40, 0x06, 0x00, 0x00,  /* protocol TCP */
    198, 18, 0, 1,           /* our address */
    198, 18, 0, 2,           /* the peer */
    0x9c, 0x40, 0x00, 0x09,  /* ports 40000 -> 9 */
    0x01, 0x02, 0x03, 0x04,  /* seq */
};

/* IPv6: 2001:db8::2 says address unreachable (code 3) about our
 * [2001:db8::1]:40001 -> [2001:db8::2]:80 segment. */
static const uint8_t icmp6[] = {
    0x60, 0x00, 0x00, 0x00,  /* version 6 */
    0x00, 0x38, 58, 64,      /* payload 56, next header ICMPv6, hop limit */
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, /* from */
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, /* to us */
    0x01, 0x03, 0x00, 0x00,  /* type 1 (unreachable), code 3 (address) */
    0x00, 0x00, 0x00, 0x00,  /* unused */
    0x60, 0x00, 0x00, 0x00,  /* the quoted IPv6 header */
    0x00, 0x14, 6, 64,       /* next header TCP */
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
    0x9c, 0x41, 0x00, 0x50,  /* ports 40001 -> 80 */
    0xff, 0xff, 0xff, 0xfe,  /* seq */
};

static void test_icmp4(void **state)
{
    struct ts_drive_icmp ic;
    char buf[128];
    (void)state;
    assert_int_equal(ts_drive_icmp_parse(icmp4, sizeof icmp4, &ic), 0);
    assert_int_equal(ic.family, 4);
    assert_int_equal(ic.type, 3);
    assert_int_equal(ic.code, 1);
    assert_int_equal(ic.in_sport, 40000);
    assert_int_equal(ic.in_dport, 9);
    assert_int_equal(ic.in_seq, 0x01020304u);
    assert_memory_equal(ic.in_src.a, ((uint8_t[]){198, 18, 0, 1}), 4);
    ts_drive_icmp_text(&ic, buf, sizeof buf);
    assert_string_equal(buf, "ICMP destination unreachable (host unreachable) from 198.18.0.2");
    /* every truncation is refused, never read past */
    for (uint32_t n = 0; n < sizeof icmp4; n++)
        assert_int_equal(ts_drive_icmp_parse(icmp4, n, &ic), -1);
    /* an echo reply is not an unreachable */
    uint8_t echo[sizeof icmp4];
    memcpy(echo, icmp4, sizeof echo);
    echo[20] = 0;
    assert_int_equal(ts_drive_icmp_parse(echo, sizeof echo, &ic), -1);
    /* a quoted UDP datagram is not ours */
    memcpy(echo, icmp4, sizeof echo);
    echo[28 + 9] = 17;
    assert_int_equal(ts_drive_icmp_parse(echo, sizeof echo, &ic), -1);
}

static void test_icmp6(void **state)
{
    struct ts_drive_icmp ic;
    char buf[128];
    (void)state;
    assert_int_equal(ts_drive_icmp_parse(icmp6, sizeof icmp6, &ic), 0);
    assert_int_equal(ic.family, 6);
    assert_int_equal(ic.code, 3);
    assert_int_equal(ic.in_sport, 40001);
    assert_int_equal(ic.in_dport, 80);
    assert_int_equal(ic.in_seq, 0xfffffffeu);
    ts_drive_icmp_text(&ic, buf, sizeof buf);
    assert_string_equal(buf, "ICMPv6 destination unreachable (address unreachable) from 2001:db8::2");
    for (uint32_t n = 0; n < sizeof icmp6; n++)
        assert_int_equal(ts_drive_icmp_parse(icmp6, n, &ic), -1);
}

static void test_ip_offset(void **state)
{
    uint8_t f[64] = {0};
    uint32_t off;
    (void)state;
    /* Ethernet with an 802.1Q tag, then IPv4 */
    f[12] = 0x81; f[13] = 0x00; f[16] = 0x08; f[17] = 0x00; f[18] = 0x45;
    assert_int_equal(ts_drive_ip_offset(TS_DLT_EN10MB, f, sizeof f, &off), 0);
    assert_int_equal(off, 18);
    /* the old QinQ tag 0x9100 in front (the driver's own parser lacked it) */
    memset(f, 0, sizeof f);
    f[12] = 0x91; f[13] = 0x00; f[16] = 0x81; f[17] = 0x00; f[20] = 0x08; f[21] = 0x00;
    f[22] = 0x45;
    assert_int_equal(ts_drive_ip_offset(TS_DLT_EN10MB, f, sizeof f, &off), 0);
    assert_int_equal(off, 22);
    /* ARP is not IP */
    f[20] = 0x08; f[21] = 0x06;
    assert_int_equal(ts_drive_ip_offset(TS_DLT_EN10MB, f, sizeof f, &off), -1);
    /* Linux cooked v2: 20 bytes (protocol IPv6), then IPv6 */
    memset(f, 0, sizeof f);
    f[0] = 0x86; f[1] = 0xdd;
    f[20] = 0x60;
    assert_int_equal(ts_drive_ip_offset(TS_DLT_LINUX_SLL2, f, sizeof f, &off), 0);
    assert_int_equal(off, 20);
    assert_int_equal(ts_drive_ip_offset(TS_DLT_LINUX_SLL2, f, 20, &off), -1);
    /* raw IP */
    assert_int_equal(ts_drive_ip_offset(TS_DLT_LINKTYPE_RAW, icmp4, sizeof icmp4, &off), 0);
    assert_int_equal(off, 0);
    assert_int_equal(ts_drive_ip_offset(9999, icmp4, sizeof icmp4, &off), -1);
}

static void test_guard_text(void **state)
{
    char buf[1024];
    struct ts_guard_spec s = {.family = 4, .lport_lo = 61000, .lport_hi = 61009,
                           .rport = 80, .mark = 0x7473};
    (void)state;
    s.local.family = 4;
    memcpy(s.local.a, (uint8_t[]){198, 18, 0, 1}, 4);
    s.remote.family = 4;
    memcpy(s.remote.a, (uint8_t[]){198, 18, 0, 2}, 4);
    ts_guard_ruleset(&s, "t1", buf, sizeof buf);
    assert_non_null(strstr(buf, "table inet t1 {"));
    assert_non_null(strstr(buf, "type filter hook output priority 0; policy accept;"));
    assert_non_null(strstr(buf, "meta nfproto ipv4 ip saddr 198.18.0.1 ip daddr 198.18.0.2 "
                                "tcp sport 61000-61009 tcp dport 80 tcp flags & rst == rst "
                                "meta mark != 0x7473 drop"));
    /* listen on any IPv6 address: only the port and the mark */
    struct ts_guard_spec l = {.family = 6, .lport_lo = 8080, .lport_hi = 8080, .mark = 1};
    ts_guard_ruleset(&l, "t2", buf, sizeof buf);
    assert_non_null(strstr(buf, "meta nfproto ipv6 tcp sport 8080 tcp flags & rst == rst "
                                "meta mark != 0x1 drop"));
    assert_null(strstr(buf, "saddr"));
    assert_null(strstr(buf, "dport"));
}

static void test_names(void **state)
{
    enum ts_drive_close c;
    (void)state;
    assert_int_equal(ts_drive_close_parse("passive", &c), 0);
    assert_int_equal(c, TS_DRIVE_CLOSE_PASSIVE);
    assert_int_equal(ts_drive_close_parse("rst", &c), 0);
    assert_int_equal(c, TS_DRIVE_CLOSE_RST);
    assert_int_equal(ts_drive_close_parse("half", &c), -1);
    assert_string_equal(ts_drive_close_name(TS_DRIVE_CLOSE_NONE), "none");
    assert_string_equal(ts_drive_outcome_name(TS_DRIVE_UNREACHABLE), "unreachable");
    assert_string_equal(ts_drive_outcome_name(TS_DRIVE_DIFFERS), "differs");
    struct ts_drive_cfg cfg;
    ts_drive_cfg_init(&cfg);
    assert_int_equal(cfg.retries, 3);
    assert_int_equal(cfg.rto_ns, 1000000000ull);
    assert_int_equal(cfg.wake_fd, -1);
}


/* IPv4 fragmentation needed (RFC 1191): next-hop MTU 1400 about our data
 * segment; IPv6 packet too big: MTU 1280. */
static void test_icmp_too_big(void **state)
{
    uint8_t b4[sizeof icmp4], b6[sizeof icmp6];
    struct ts_drive_icmp ic;
    char txt[200];
    (void)state;
    memcpy(b4, icmp4, sizeof b4);
    b4[21] = 4;                  /* code 4: fragmentation needed */
    b4[26] = 0x05, b4[27] = 0x78; /* next-hop MTU 1400 */
    assert_int_equal(ts_drive_icmp_parse(b4, sizeof b4, &ic), 0);
    assert_true(ts_drive_icmp_too_big(&ic));
    assert_int_equal(ic.mtu, 1400);
    assert_non_null(strstr(ts_drive_icmp_text(&ic, txt, sizeof txt), "next-hop MTU 1400"));
    memcpy(b6, icmp6, sizeof b6);
    b6[40] = 2, b6[41] = 0;      /* type 2: packet too big */
    b6[44] = 0, b6[45] = 0, b6[46] = 0x05, b6[47] = 0x00; /* MTU 1280 */
    assert_int_equal(ts_drive_icmp_parse(b6, sizeof b6, &ic), 0);
    assert_true(ts_drive_icmp_too_big(&ic));
    assert_int_equal(ic.mtu, 1280);
    assert_int_equal(ic.in_sport, 40001);
    /* an unreachable is not "too big" */
    assert_int_equal(ts_drive_icmp_parse(icmp4, sizeof icmp4, &ic), 0);
    assert_false(ts_drive_icmp_too_big(&ic));
    /* other ICMPv6 types are not ours */
    b6[40] = 3;
    assert_int_equal(ts_drive_icmp_parse(b6, sizeof b6, &ic), -1);
}

/* Out-of-order data is held and handed back in order, across the ring's
 * wrap and the sequence space's; SACK blocks name the latest run first. */
static void test_reasm(void **state)
{
    struct reasm q;
    uint8_t data[9000];
    const uint8_t *p;
    uint32_t blk[4][2];
    (void)state;
    for (unsigned i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 1);
    uint32_t base = 0xfffff000u; /* the sequence space wraps inside */
    reasm_init(&q, base, 6000);
    assert_int_equal(q.size, 8192);
    uint32_t nxt = base;
    /* 1000..2000 and 3000..4000 arrive before 0..1000 */
    assert_int_equal(reasm_add(&q, nxt, base + 1000, data + 1000, 1000), 0);
    assert_int_equal(reasm_add(&q, nxt, base + 3000, data + 3000, 1000), 0);
    assert_int_equal(q.n, 2);
    assert_int_equal(reasm_pop(&q, nxt, &p), 0); /* the hole is first */
    assert_int_equal(reasm_sack(&q, nxt, blk, 4), 2);
    assert_int_equal(blk[0][0], base + 3000); /* the latest first */
    assert_int_equal(blk[1][0], base + 1000);
    assert_int_equal(blk[1][1], base + 2000);
    /* a duplicate changes nothing; an overlap merges */
    assert_int_equal(reasm_add(&q, nxt, base + 1000, data + 1000, 1000), 0);
    assert_int_equal(reasm_add(&q, nxt, base + 1500, data + 1500, 1600), 0);
    assert_int_equal(q.n, 1);
    assert_int_equal(q.run[0][0], base + 1000);
    assert_int_equal(q.run[0][1], base + 4000);
    /* the hole fills (delivered by the caller): the rest pops in order */
    nxt += 1000;
    uint32_t got = 0;
    uint8_t out[9000];
    uint32_t n;
    while ((n = reasm_pop(&q, nxt, &p)) != 0) {
        memcpy(out + 1000 + got, p, n);
        got += n;
        nxt += n;
    }
    assert_int_equal(got, 3000);
    assert_memory_equal(out + 1000, data + 1000, 3000);
    assert_int_equal(q.n, 0);
    /* beyond the ring: only what fits is held; below rcv_nxt: nothing */
    assert_int_equal(reasm_add(&q, nxt, nxt + 8000, data, 1000), 0);
    assert_int_equal(q.run[0][1], nxt + 8192);
    assert_int_equal(reasm_add(&q, nxt, nxt - 500, data, 400), 0);
    assert_int_equal(q.n, 1);
    /* no room for another run: refused, nothing changed */
    reasm_free(&q);
    reasm_init(&q, 0, 65536);
    for (unsigned i = 0; i < REASM_RUNS; i++)
        assert_int_equal(reasm_add(&q, 0, 100 + i * 200, data, 100), 0);
    assert_int_equal(reasm_add(&q, 0, 100 + REASM_RUNS * 200, data, 100), -1);
    assert_int_equal(q.n, REASM_RUNS);
    /* but a segment joining two runs is taken */
    assert_int_equal(reasm_add(&q, 0, 150, data, 200), 0);
    assert_int_equal(q.n, REASM_RUNS - 1);
    reasm_free(&q);
}

/* The scoreboard: merges, forgets below the cumulative ACK, refuses
 * D-SACK and blocks beyond what was sent, and IsLost of RFC 6675. */
static void test_sboard(void **state)
{
    struct sboard b;
    uint32_t re;
    (void)state;
    sboard_clear(&b);
    uint32_t una = 1000, max = 20000, mss = 1000;
    assert_false(sboard_add(&b, 500, 1000, una, max));    /* D-SACK */
    assert_false(sboard_add(&b, 19000, 21000, una, max)); /* never sent */
    assert_true(sboard_add(&b, 3000, 4000, una, max));
    assert_false(sboard_add(&b, 3000, 4000, una, max));   /* known */
    assert_false(sboard_is_lost(&b, una, mss, 3));           /* 1000 bytes above */
    assert_true(sboard_add(&b, 4000, 5000, una, max));    /* adjacent: merged */
    assert_int_equal(b.n, 1);
    assert_true(sboard_has(&b, 4500, &re));
    assert_int_equal(re, 5000);
    assert_false(sboard_is_lost(&b, una, mss, 3));           /* 2000: not more than 2 MSS */
    assert_true(sboard_add(&b, 6000, 6100, una, max));
    assert_true(sboard_is_lost(&b, una, mss, 3));            /* 2100 bytes above */
    assert_false(sboard_is_lost(&b, 5000, mss, 3));
    assert_int_equal(sboard_next_sacked(&b, una, max), 3000);
    assert_int_equal(sboard_next_sacked(&b, 5000, max), 6000);
    assert_int_equal(sboard_next_sacked(&b, 6000, max), max);
    assert_int_equal(sboard_high(&b, una), 6100);
    /* three runs above: lost, whatever the bytes */
    sboard_clear(&b);
    sboard_add(&b, 2000, 2010, una, max);
    sboard_add(&b, 3000, 3010, una, max);
    assert_false(sboard_is_lost(&b, una, mss, 3));
    sboard_add(&b, 4000, 4010, una, max);
    assert_true(sboard_is_lost(&b, una, mss, 3));
    /* the cumulative ACK passes some */
    sboard_ack(&b, 3005);
    assert_int_equal(b.n, 2);
    assert_int_equal(b.run[0][0], 3005);
    assert_int_equal(sboard_bytes(&b), 15);
    /* a larger DupThresh after reordering: more SACKed above it needed */
    sboard_clear(&b);
    sboard_add(&b, 2000, 5500, una, max);
    assert_true(sboard_is_lost(&b, una, mss, 3));
    assert_false(sboard_is_lost(&b, una, mss, 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_icmp4),
        cmocka_unit_test(test_icmp6),
        cmocka_unit_test(test_ip_offset),
        cmocka_unit_test(test_guard_text),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_icmp_too_big),
        cmocka_unit_test(test_reasm),
        cmocka_unit_test(test_sboard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
