/* The inner filter (filter.h): every primitive true and false on hand-built
 * segments, precedence and parentheses, and each kind of error with the
 * word it names.  Expected values are worked out from the grammar in
 * docs/tunnels.md, not from the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "tcpshake/decode.h"
#include "tcpshake/filter.h"

/* ---- helpers --------------------------------------------------------------- */

static struct ts_addr addr(const char *text)
{
    struct ts_addr a;
    memset(&a, 0, sizeof a);
    if (inet_pton(AF_INET, text, a.a) == 1)
        a.family = 4;
    else if (inet_pton(AF_INET6, text, a.a) == 1)
        a.family = 6;
    else
        fail_msg("bad address %s", text);
    return a;
}

/* 10.0.0.1:40000 > 192.168.1.2:80 [S], no tunnels */
static struct ts_seg seg4(void)
{
    struct ts_seg s;
    memset(&s, 0, sizeof s);
    s.ipver = 4;
    s.src = addr("10.0.0.1");
    s.dst = addr("192.168.1.2");
    s.sport = 40000;
    s.dport = 80;
    s.flags = TS_TH_SYN;
    return s;
}

/* 2001:db8::1:443 > 2001:db8:ffff::8:50000 [.], no tunnels */
static struct ts_seg seg6(void)
{
    struct ts_seg s;
    memset(&s, 0, sizeof s);
    s.ipver = 6;
    s.src = addr("2001:db8::1");
    s.dst = addr("2001:db8:ffff::8");
    s.sport = 443;
    s.dport = 50000;
    s.flags = TS_TH_ACK;
    return s;
}

static void add_tun(struct ts_seg *s, enum ts_tun_type type, uint32_t id, bool has_id)
{
    struct ts_tunnel *t = &s->tun[s->ntun++];
    memset(t, 0, sizeof *t);
    t->type = (uint8_t)type;
    t->id = id;
    t->flags = has_id ? TS_TUNF_ID : 0;
}

/* compile (must succeed), match, free */
static bool m(const char *expr, const struct ts_seg *s)
{
    char err[256];
    struct ts_filter *f = ts_filter_compile(expr, err, sizeof err);
    if (!f)
        fail_msg("'%s' did not compile: %s", expr, err);
    bool r = ts_filter_match(f, s);
    ts_filter_free(f);
    return r;
}

/* compile must fail with exactly this message */
static void bad(const char *expr, const char *want)
{
    char err[256];
    struct ts_filter *f = ts_filter_compile(expr, err, sizeof err);
    if (f) {
        ts_filter_free(f);
        fail_msg("'%s' compiled", expr);
    }
    assert_string_equal(err, want);
}

/* compile must fail; the message starts with this */
static void bad_prefix(const char *expr, const char *want)
{
    char err[256];
    struct ts_filter *f = ts_filter_compile(expr, err, sizeof err);
    if (f) {
        ts_filter_free(f);
        fail_msg("'%s' compiled", expr);
    }
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("'%s': got '%s', want a message starting '%s'", expr, err, want);
}

/* ---- primitives ---------------------------------------------------------------- */

static void test_host(void **state)
{
    (void)state;
    struct ts_seg s = seg4();
    assert_true(m("host 10.0.0.1", &s));
    assert_true(m("host 192.168.1.2", &s));
    assert_false(m("host 10.0.0.2", &s));
    assert_true(m("src host 10.0.0.1", &s));
    assert_false(m("dst host 10.0.0.1", &s));
    assert_true(m("dst host 192.168.1.2", &s));
    assert_false(m("src host 192.168.1.2", &s));
    /* an IPv6 address never matches an IPv4 one, even with the same bytes */
    assert_false(m("host a00:1::", &s));
    struct ts_seg t = seg6();
    assert_true(m("host 2001:db8::1", &t));
    assert_true(m("host 2001:DB8:0:0:0:0:0:1", &t));
    assert_true(m("dst host 2001:db8:ffff::8", &t));
    assert_false(m("src host 2001:db8:ffff::8", &t));
    assert_false(m("host 10.0.0.1", &t));
}

static void test_net(void **state)
{
    (void)state;
    struct ts_seg s = seg4();
    assert_true(m("net 10.0.0.0/8", &s));
    assert_true(m("net 10.0.0.0/31", &s));
    assert_true(m("net 10.0.0.1/32", &s));
    assert_false(m("net 10.0.0.2/32", &s));
    assert_false(m("net 10.0.0.2/31", &s));
    assert_true(m("net 0.0.0.0/0", &s));
    assert_true(m("net 192.168.0.0/16", &s));
    assert_true(m("net 192.168.0.0/23", &s)); /* 192.168.0.0-192.168.1.255 */
    assert_false(m("net 11.0.0.0/8", &s));
    assert_true(m("src net 10.0.0.0/8", &s));
    assert_false(m("dst net 10.0.0.0/8", &s));
    assert_true(m("dst net 192.168.0.0/20", &s));
    assert_false(m("src net 192.168.0.0/20", &s));
    assert_false(m("net ::/0", &s)); /* IPv6 nets hold no IPv4 address */
}

static void test_net6(void **state)
{
    (void)state;
    struct ts_seg t = seg6();
    assert_true(m("net 2001:db8::/32", &t));
    assert_true(m("net ::/0", &t));
    assert_true(m("net 2001:db8:ff00::/40", &t));   /* ffff starts with ff */
    assert_false(m("net 2001:db8:fe00::/40", &t));
    assert_true(m("net 2001:db8:fffe::/47", &t));    /* ffff & fffe = fffe */
    assert_false(m("net 2001:db8:fffe::/48", &t));
    assert_true(m("src net 2001:db8::/64", &t));
    assert_false(m("dst net 2001:db8::/64", &t));
    assert_true(m("dst net 2001:db8:ffff::8/128", &t));
    assert_false(m("dst net 2001:db8:ffff::9/128", &t));
    assert_true(m("net 2001:db8:ffff::8/125", &t));  /* ::8..::f */
    assert_false(m("net 2001:db8:ffff::10/124", &t));
    assert_false(m("net 10.0.0.0/8", &t));
}

static void test_port(void **state)
{
    (void)state;
    struct ts_seg s = seg4();
    assert_true(m("port 80", &s));
    assert_true(m("port 40000", &s));
    assert_true(m("port 080", &s)); /* decimal, leading zero */
    assert_false(m("port 81", &s));
    assert_true(m("src port 40000", &s));
    assert_false(m("dst port 40000", &s));
    assert_true(m("dst port 80", &s));
    assert_false(m("src port 80", &s));
    s.sport = 0;
    s.dport = 65535;
    assert_true(m("src port 0", &s));
    assert_true(m("dst port 65535", &s));
}

static void test_portrange(void **state)
{
    (void)state;
    struct ts_seg s = seg4(); /* 40000 > 80 */
    assert_true(m("portrange 80-80", &s));
    assert_true(m("portrange 79-81", &s));
    assert_true(m("portrange 1-80", &s));
    assert_false(m("portrange 1-79", &s));
    assert_true(m("portrange 80-1000", &s));
    assert_false(m("portrange 81-1000", &s));
    assert_true(m("portrange 1000-80", &s)); /* either order, as libpcap */
    assert_true(m("dst portrange 0-80", &s));
    assert_false(m("src portrange 0-80", &s));
    assert_true(m("src portrange 40000-65535", &s));
    assert_false(m("src portrange 40001-65535", &s));
    assert_true(m("src portrange 39999-40000", &s));
    assert_true(m("portrange 0-65535", &s));
}

static void test_ipver_tcp(void **state)
{
    (void)state;
    struct ts_seg s = seg4(), t = seg6();
    assert_true(m("ip", &s));
    assert_false(m("ip6", &s));
    assert_true(m("ip6", &t));
    assert_false(m("ip", &t));
    assert_true(m("tcp", &s));
    assert_true(m("tcp", &t));
}

static void test_flags(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        uint8_t bit;
    } f[] = {
        {"fin", TS_TH_FIN}, {"syn", TS_TH_SYN}, {"rst", TS_TH_RST}, {"psh", TS_TH_PSH},
        {"ack", TS_TH_ACK}, {"urg", TS_TH_URG}, {"ece", TS_TH_ECE}, {"cwr", TS_TH_CWR},
    };
    struct ts_seg s = seg4();
    for (size_t i = 0; i < 8; i++) {
        s.flags = f[i].bit;
        for (size_t j = 0; j < 8; j++)
            assert_int_equal(m(f[j].name, &s), i == j);
        s.flags = (uint8_t)~f[i].bit;
        for (size_t j = 0; j < 8; j++)
            assert_int_equal(m(f[j].name, &s), i != j);
    }
    s.flags = TS_TH_SYN | TS_TH_ACK;
    assert_true(m("syn and ack", &s));
    assert_false(m("syn and not ack", &s));
}

static void test_tunnels(void **state)
{
    (void)state;
    struct ts_seg s = seg4();
    assert_false(m("vni 0", &s));
    assert_false(m("vlan 0", &s));
    add_tun(&s, TS_TUN_VLAN, 200, true);
    add_tun(&s, TS_TUN_VLAN, 100, true);
    add_tun(&s, TS_TUN_VXLAN, 42, true);
    add_tun(&s, TS_TUN_VLAN, 10, true);
    assert_true(m("vlan 200", &s));
    assert_true(m("vlan 100", &s));
    assert_true(m("vlan 10", &s));
    assert_false(m("vlan 42", &s)); /* that is the VNI */
    assert_true(m("vni 42", &s));
    assert_false(m("vni 10", &s)); /* that is a VLAN */
    assert_false(m("gre-key 42", &s));
    assert_false(m("teid 42", &s));

    struct ts_seg g = seg4();
    add_tun(&g, TS_TUN_GENEVE, 16777215, true);
    add_tun(&g, TS_TUN_GRE, 4294967295u, true);
    add_tun(&g, TS_TUN_GTPU, 7, true);
    assert_true(m("vni 16777215", &g)); /* Geneve counts as a VNI too */
    assert_true(m("gre-key 4294967295", &g));
    assert_false(m("gre-key 7", &g));
    assert_true(m("teid 7", &g));
    assert_false(m("teid 4294967295", &g));

    /* a GRE header without a key has no id: "gre-key 0" does not match it */
    struct ts_seg k = seg4();
    add_tun(&k, TS_TUN_GRE, 0, false);
    assert_false(m("gre-key 0", &k));
    add_tun(&k, TS_TUN_MPLS, 5, true);
    assert_false(m("vlan 5 or vni 5 or gre-key 5 or teid 5", &k));
}

/* ---- operators ------------------------------------------------------------------ */

static void test_precedence(void **state)
{
    (void)state;
    struct ts_seg s = seg4(); /* syn, not ack, not fin */
    /* not > and: (not ack) and syn */
    assert_true(m("not ack and syn", &s));
    assert_true(m("! ack && syn", &s));
    /* and > or: syn or (ack and fin) = true; (syn or ack) and fin = false */
    assert_true(m("syn or ack and fin", &s));
    assert_false(m("(syn or ack) and fin", &s));
    /* fin and ack or syn = (fin and ack) or syn = true */
    assert_true(m("fin and ack or syn", &s));
    assert_false(m("fin and (ack or syn)", &s));
    /* not binds to the primitive only: (not syn) or ack = false */
    assert_false(m("not syn or ack", &s));
    assert_true(m("not (syn and ack)", &s));
    assert_true(m("not not syn", &s));
    assert_false(m("not not not syn", &s));
    assert_true(m("!!syn", &s));
    assert_true(m("!ack", &s));
    assert_true(m("syn || ack && fin", &s));
    /* left to right, same level */
    assert_true(m("ack or fin or syn", &s));
    assert_false(m("syn and fin and ack", &s));
    assert_true(m("syn and tcp and ip and port 80", &s));
}

static void test_parens(void **state)
{
    (void)state;
    struct ts_seg s = seg4();
    assert_true(m("(syn)", &s));
    assert_true(m("((((syn))))", &s));
    assert_true(m("( syn )", &s));
    assert_true(m("(src port 40000 and dst port 80)or(fin)", &s));
    assert_true(m("not(fin)and(syn)", &s));
    assert_true(m("(host 10.0.0.1 and (port 1 or (port 2 or port 80)))", &s));
    assert_false(m("(host 10.0.0.1 and (port 1 or (port 2 or port 81)))", &s));

    /* 64 levels are fine, 65 are not */
    char e[512] = "";
    for (int i = 0; i < 64; i++)
        strcat(e, "(");
    strcat(e, "syn");
    for (int i = 0; i < 64; i++)
        strcat(e, ")");
    assert_true(m(e, &s));
    char e2[512] = "";
    for (int i = 0; i < 65; i++)
        strcat(e2, "(");
    strcat(e2, "syn");
    for (int i = 0; i < 65; i++)
        strcat(e2, ")");
    bad(e2, "at '(' (word 65): parentheses nested more than 64 deep");

    /* deep right-leaning nesting keeps values pending at every level */
    char e3[2048] = "";
    for (int i = 0; i < 64; i++)
        strcat(e3, "ack or fin and (");
    strcat(e3, "syn");
    for (int i = 0; i < 64; i++)
        strcat(e3, ")");
    assert_false(m(e3, &s)); /* fin is never set: each level is ack or false */
    s.flags |= TS_TH_FIN;
    assert_true(m(e3, &s));

    /* a long flat chain: no recursion, no stack growth */
    char *big = malloc(TS_FILTER_MAX_LEN + 2);
    assert_non_null(big);
    big[0] = '\0';
    while (strlen(big) + 7 + 3 <= TS_FILTER_MAX_LEN)
        strcat(big, "fin or ");
    strcat(big, "syn");
    assert_true(strlen(big) <= TS_FILTER_MAX_LEN);
    assert_true(m(big, &s));
    /* and a chain of nots as long as fits */
    big[0] = '\0';
    while (strlen(big) + 4 <= TS_FILTER_MAX_LEN - 3)
        strcat(big, "not ");
    strcat(big, "syn");
    size_t nots = (strlen(big) - 3) / 4;
    assert_int_equal(m(big, &s), nots % 2 == 0);
    free(big);
}

/* ---- errors ------------------------------------------------------------------ */

static void test_errors(void **state)
{
    (void)state;
    char err[256];
    bad("", "empty expression");
    bad("   \t ", "empty expression");
    assert_null(ts_filter_compile(NULL, err, sizeof err));

    char *big = malloc(TS_FILTER_MAX_LEN + 2);
    assert_non_null(big);
    memset(big, ' ', TS_FILTER_MAX_LEN + 1);
    memcpy(big, "syn", 3);
    big[TS_FILTER_MAX_LEN + 1] = '\0';
    bad(big, "expression longer than 4096 characters");
    free(big);

    /* an unknown word where a primitive belongs */
    bad_prefix("syn and prot", "at 'prot' (word 3): expected host, net, port, ");
    bad_prefix("SYN", "at 'SYN' (word 1): expected host, net, port, "); /* case matters */
    bad_prefix("and syn", "at 'and' (word 1): expected host, net, port, ");
    bad_prefix("syn or", "at the end (after word 2): expected host, net, port, ");
    bad_prefix("not", "at the end (after word 1): expected host, net, port, ");
    bad_prefix("()", "at ')' (word 2): expected host, net, port, ");
    /* two primitives with nothing between */
    bad("syn ack", "at 'ack' (word 2): expected and, or or the end of the expression");
    bad("tcp port 80", "at 'port' (word 2): expected and, or or the end of the expression");
    /* src/dst */
    bad("src syn", "at 'syn' (word 2): expected host, net, port or portrange after 'src'");
    bad("dst", "at the end (after word 1): expected host, net, port or portrange after 'dst'");
    bad("src ip", "at 'ip' (word 2): expected host, net, port or portrange after 'src'");
    /* host */
    bad("host", "at the end (after word 1): expected an IPv4 or IPv6 address after 'host'");
    bad("host 10.0.0", "at '10.0.0' (word 2): not an IPv4 or IPv6 address");
    bad("syn and host example.com", "at 'example.com' (word 4): not an IPv4 or IPv6 address");
    bad("host 10.0.0.0/8", "at '10.0.0.0/8' (word 2): not an IPv4 or IPv6 address");
    bad("(host)", "at ')' (word 3): expected an IPv4 or IPv6 address after 'host'");
    /* net */
    bad("net 10.0.0.0", "at '10.0.0.0' (word 2): expected ADDR/LEN (an IPv4 or IPv6 network)");
    bad("net 10.0.0/8", "at '10.0.0/8' (word 2): '10.0.0' is not an IPv4 or IPv6 address");
    bad("net 10.0.0.0/33", "at '10.0.0.0/33' (word 2): prefix length '33' is not a number "
                           "in 0..32");
    bad("net ::/129", "at '::/129' (word 2): prefix length '129' is not a number in 0..128");
    bad("net 10.0.0.0/", "at '10.0.0.0/' (word 2): prefix length '' is not a number in 0..32");
    bad("net 10.0.0.0/-1", "at '10.0.0.0/-1' (word 2): prefix length '-1' is not a number "
                           "in 0..32");
    bad("net 10.0.0.1/8", "at '10.0.0.1/8' (word 2): host bits set past /8");
    bad("net 10.0.0.1/31", "at '10.0.0.1/31' (word 2): host bits set past /31");
    bad("net 2001:db8::1/64", "at '2001:db8::1/64' (word 2): host bits set past /64");
    bad("net ::1/127", "at '::1/127' (word 2): host bits set past /127");
    bad("net 1.0.0.0/0", "at '1.0.0.0/0' (word 2): host bits set past /0");
    /* port, decimal only */
    bad("port 65536", "at '65536' (word 2): not a port number in 0..65535");
    bad("port 0x50", "at '0x50' (word 2): not a port number in 0..65535");
    bad("port -1", "at '-1' (word 2): not a port number in 0..65535");
    bad("port +80", "at '+80' (word 2): not a port number in 0..65535");
    bad("port 99999999999", "at '99999999999' (word 2): not a port number in 0..65535");
    bad("port http", "at 'http' (word 2): not a port number in 0..65535");
    bad("port", "at the end (after word 1): expected a port number after 'port'");
    /* portrange */
    bad("portrange 80", "at '80' (word 2): expected N-M, two port numbers in 0..65535");
    bad("portrange 80-", "at '80-' (word 2): expected N-M, two port numbers in 0..65535");
    bad("portrange -80", "at '-80' (word 2): expected N-M, two port numbers in 0..65535");
    bad("portrange 1-65536", "at '1-65536' (word 2): expected N-M, two port numbers in "
                             "0..65535");
    bad("portrange 1-2-3", "at '1-2-3' (word 2): expected N-M, two port numbers in 0..65535");
    /* tunnel ids */
    bad("vni 16777216", "at '16777216' (word 2): not a vni in 0..16777215");
    bad("vlan 4096", "at '4096' (word 2): not a vlan in 0..4095");
    bad("gre-key 4294967296", "at '4294967296' (word 2): not a gre-key in 0..4294967295");
    bad("teid x", "at 'x' (word 2): not a teid in 0..4294967295");
    bad("syn and teid", "at the end (after word 3): expected a number after 'teid'");
    /* parentheses */
    bad("(syn", "at the end (after word 2): expected ')' to close the '(' of word 1");
    bad("syn and ((ack)", "at the end (after word 6): expected ')' to close the '(' of word 3");
    bad("(syn ack)", "at 'ack' (word 3): expected and, or or ')'");
    bad("syn)", "at ')' (word 2): ')' without a '('");
    bad("(syn))", "at ')' (word 4): ')' without a '('");
    /* the word shown is cut short and made printable */
    bad("syn and abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
        "at 'abcdefghijklmnopqrstuvwxyzabcdefghij...' (word 3): expected host, net, port, "
        "portrange, ip, ip6, tcp, syn, ack, fin, rst, psh, urg, ece, cwr, vni, vlan, "
        "gre-key, teid, src, dst, not or '('");
    bad_prefix("syn and a\x01", "at 'a?' (word 3): ");
    /* a short buffer is cut, not overrun */
    char small[8];
    memset(small, 'x', sizeof small);
    assert_null(ts_filter_compile("prot", small, sizeof small));
    assert_int_equal(strlen(small), 7);
    assert_null(ts_filter_compile("prot", NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host),       cmocka_unit_test(test_net),
        cmocka_unit_test(test_net6),       cmocka_unit_test(test_port),
        cmocka_unit_test(test_portrange),  cmocka_unit_test(test_ipver_tcp),
        cmocka_unit_test(test_flags),      cmocka_unit_test(test_tunnels),
        cmocka_unit_test(test_precedence), cmocka_unit_test(test_parens),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
