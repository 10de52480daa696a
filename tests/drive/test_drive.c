/* Unit tests of the driver's pieces that need no root: the ICMP
 * destination-unreachable parser and the link-header skip (src/drive/wire.c)
 * on hand-made bytes, the guard's nftables text (src/drive/guard.c), and the
 * names of closes and outcomes. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_icmp4),
        cmocka_unit_test(test_icmp6),
        cmocka_unit_test(test_ip_offset),
        cmocka_unit_test(test_guard_text),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
