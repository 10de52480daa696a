/* The script reader (script.h): a corpus of lines that must parse, each with
 * the normalized text it prints back, and of lines that must be refused,
 * each with its exact message, line and column.  The expectations come from
 * packetdrill's grammar as docs/script.md describes it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpshake/script.h"

/* a script whose first event is a socket, so that lines after it have one */
#define PRE "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"

static struct ts_script *parse(const char *text, struct ts_script_err *err)
{
    return ts_script_parse_string("t.pkt", text, strlen(text), err);
}

/* text parses; its last event prints as want */
static void ok(const char *text, const char *want)
{
    struct ts_script_err err;
    struct ts_script *s = parse(text, &err);
    if (!s) {
        fail_msg("%s\nrefused: %s", text, err.text);
        return;
    }
    char buf[1024];
    ts_script_event_format(&s->events[s->nevents - 1], buf, sizeof buf);
    if (strcmp(buf, want))
        fail_msg("%s\nprinted: %s\nwanted:  %s", text, buf, want);
    /* and the printed text reads back to the same text */
    char again[2048];
    snprintf(again, sizeof again, PRE "%s\n", buf);
    struct ts_script *s2 = parse(again, &err);
    if (!s2) {
        fail_msg("%s\nreprinted refused: %s", buf, err.text);
        return;
    }
    char buf2[1024];
    ts_script_event_format(&s2->events[s2->nevents - 1], buf2, sizeof buf2);
    assert_string_equal(buf, buf2);
    ts_script_free(s2);
    ts_script_free(s);
}

/* text is refused with exactly want ("t.pkt:LINE:COL: why") */
static void bad(const char *text, const char *want)
{
    struct ts_script_err err;
    struct ts_script *s = parse(text, &err);
    if (s)
        fail_msg("%s\nparsed, wanted: %s", text, want);
    if (strcmp(err.text, want))
        fail_msg("%s\nrefused: %s\nwanted:  %s", text, err.text, want);
}

static void test_times(void **state)
{
    (void)state;
    ok("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3", "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3");
    ok(PRE "+0.1 close(3) = 0", "+0.1 close(3) = 0");
    ok(PRE "+.01 close(3) = 0", "+0.01 close(3) = 0");
    ok(PRE "1.250000 close(3) = 0", "1.25 close(3) = 0");
    ok(PRE "+.01...0.011 connect(3, ..., ...) = 0", "+0.01...0.011 connect(3, ..., ...) = 0");
    ok(PRE "+0...0.200 accept(3, ..., ...) = 4", "+0...0.2 accept(3, ..., ...) = 4");
    ok(PRE "* > S. 0:0(0) ack 1 <...>", "* > S. 0:0(0) ack 1 <...>");
    ok(PRE "0.1~0.2 > . 1:1(0) ack 1", "0.1~0.2 > . 1:1(0) ack 1");
    ok(PRE "+0.1~+0.2 > . 1:1(0) ack 1", "+0.1~+0.2 > . 1:1(0) ack 1");

    struct ts_script_err err;
    struct ts_script *s = parse(PRE "+.01...0.011 connect(3, ..., ...) = 0\n", &err);
    assert_non_null(s);
    const struct ts_script_event *ev = &s->events[1];
    assert_int_equal(ev->line, 2);
    assert_int_equal(ev->col, 1);
    assert_int_equal(ev->time.kind, TS_SCRIPT_TIME_REL);
    assert_int_equal(ev->time.usecs, 10000);
    assert_int_equal(ev->time.end, TS_SCRIPT_END_BLOCKING);
    assert_int_equal(ev->time.end_usecs, 11000);
    ts_script_free(s);

    bad(PRE "-1 close(3) = 0", "t.pkt:2:1: negative time '-1'");
    bad(PRE "close(3) = 0", "t.pkt:2:1: expected an event's time (0, +0.1, *) before 'close'");
    bad(PRE "+-1 close(3) = 0", "t.pkt:2:2: negative time '-1'");
    bad(PRE "+0.0000001 close(3) = 0", "t.pkt:2:2: time '0.0000001' is finer than a microsecond");
    bad(PRE "99999999999999999999 close(3) = 0",
        "t.pkt:2:1: time '99999999999999999999' is too large");
    bad(PRE "* close(3) = 0", "t.pkt:2:1: '*' (any time) only goes with outbound packets (>)");
    bad(PRE "* < S 0:0(0) win 1000",
        "t.pkt:2:1: '*' (any time) only goes with outbound packets (>)");
    bad(PRE "0.1~0.2 < . 1:1(0) ack 1 win 100",
        "t.pkt:2:1: a time range only goes with outbound packets (>)");
    bad(PRE "0.2~0.1 > . 1:1(0) ack 1", "t.pkt:2:5: the time range ends before it starts");
    bad(PRE "+0.1~0.2 > . 1:1(0) ack 1", "t.pkt:2:6: a relative time range is written +A~+B");
    bad(PRE "+0.2...0.1 read(3, ..., 10) = 10",
        "t.pkt:2:8: the call cannot return before it starts");
    bad(PRE "+0...0.1 > . 1:1(0) ack 1",
        "t.pkt:2:1: a time with ... (a blocking call) only goes with system calls");
}

static void test_packets(void **state)
{
    (void)state;
    ok(PRE "+0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>",
       "+0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>");
    ok(PRE "+0 > S. 0:0(0) ack 1 <...>", "+0 > S. 0:0(0) ack 1 <...>");
    ok(PRE "+0 < F. 1:1(0) ack 1002 win 257", "+0 < F. 1:1(0) ack 1002 win 257");
    ok(PRE "+0 < P. 1:1001(1000) ack 1 win 257", "+0 < P. 1:1001(1000) ack 1 win 257");
    ok(PRE "+0 < R. 1:1(0) ack 1 win 0", "+0 < R. 1:1(0) ack 1 win 0");
    ok(PRE "+0 < R 1:1(0) win 0", "+0 < R 1:1(0) win 0");
    ok(PRE "+0 < SEW 0:0(0) win 100", "+0 < SEW 0:0(0) win 100");
    ok(PRE "+0 > SE. 0:0(0) ack 1", "+0 > SE. 0:0(0) ack 1");
    ok(PRE "+0 < FP. 1:11(10) ack 1 win 100 urg 3", "+0 < FP. 1:11(10) ack 1 win 100 urg 3");
    ok(PRE "+0 < U. 1:2(1) ack 1 win 100 urg 1", "+0 < U. 1:2(1) ack 1 win 100 urg 1");
    ok(PRE "+0 < - 1:1(0) win 100", "+0 < - 1:1(0) win 100");
    ok(PRE "+0 > . 1:1(0) ack 1 <nop,nop,TS val 100 ecr 700>",
       "+0 > . 1:1(0) ack 1 <nop,nop,TS val 100 ecr 700>");
    ok(PRE "+0 < . 1:1(0) ack 1 win 257 <sack 1001:2001 3001:4001,nop,nop>",
       "+0 < . 1:1(0) ack 1 win 257 <sack 1001:2001 3001:4001,nop,nop>");
    ok(PRE "+0 < S 0:0(0) win 1000 <mss 1460,FO 3021b9d889017eeb,nop,nop>",
       "+0 < S 0:0(0) win 1000 <mss 1460,FO 3021b9d889017eeb,nop,nop>");
    ok(PRE "+0 > S 0:0(0) <mss 1460,FO,nop,nop>", "+0 > S 0:0(0) <mss 1460,FO,nop,nop>");
    ok(PRE "+0 > S 0:0(0) <FOEXP 1234,eol>", "+0 > S 0:0(0) <FOEXP 1234,eol>");
    ok(PRE "+0 > [ect0] . 1:1(0) ack 1", "+0 > [ect0] . 1:1(0) ack 1");
    ok(PRE "+0 > (ect01) . 1:1(0) ack 1", "+0 > [ect01] . 1:1(0) ack 1");
    ok(PRE "+0 < [ce,flowlabel 0x1234] . 1:1(0) ack 1 win 10",
       "+0 < [ce,flowlabel 0x1234] . 1:1(0) ack 1 win 10");
    ok(PRE "+0 < [tos 0x2] . 1:1(0) ack 1 win 10", "+0 < [tos 0x2] . 1:1(0) ack 1 win 10");
    ok(PRE "+0 < [ttl 1] . 1:1(0) ack 1 win 10", "+0 < [ttl 1] . 1:1(0) ack 1 win 10");
    ok(PRE "+0 < 4000>8080 S 0:0(0) win 10", "+0 < 4000>8080 S 0:0(0) win 10");
    ok(PRE "+0 < S 4294967295:4294967295(0) win 10", "+0 < S 4294967295:4294967295(0) win 10");

    struct ts_script_err err;
    struct ts_script *s =
        parse(PRE "+0 < S. 0:0(0) ack 1 win 5792 <mss 1460,sack 1:2 3:4,TS val 1 ecr 2>\n", &err);
    assert_non_null(s);
    const struct ts_script_packet *pk = &s->events[1].u.packet;
    assert_int_equal(s->events[1].kind, TS_SCRIPT_EV_PACKET);
    assert_int_equal(pk->dir, TS_SCRIPT_IN);
    assert_int_equal(pk->flags, TS_SCRIPT_SYN | TS_SCRIPT_ACK);
    assert_true(pk->has_ack && pk->has_win && !pk->has_urg);
    assert_int_equal(pk->ack, 1);
    assert_int_equal(pk->win, 5792);
    assert_int_equal(pk->nopts, 3);
    assert_int_equal(pk->opts[0].kind, TS_SCRIPT_OPT_MSS);
    assert_int_equal(pk->opts[0].a, 1460);
    assert_int_equal(pk->opts[1].nsack, 2);
    assert_int_equal(pk->opts[1].sack[1].right, 4);
    assert_int_equal(pk->opts[2].a, 1);
    assert_int_equal(pk->opts[2].b, 2);
    ts_script_free(s);

    bad(PRE "+0 < S 0:1(0) win 10",
        "t.pkt:2:10: 0:1(0): the end is not the start plus the length");
    bad(PRE "+0 < S 0:0(0) win 65536", "t.pkt:2:19: win '65536' is out of range (0 to 65535)");
    bad(PRE "+0 < S 4294967296:4294967296(0) win 1",
        "t.pkt:2:8: the start sequence number '4294967296' is out of range (0 to 4294967295)");
    bad(PRE "+0 < S 0:0(0) win 0x10", "t.pkt:2:19: expected win (a decimal number), not '0x10'");
    bad(PRE "+0 < SX 0:0(0) win 10",
        "t.pkt:2:7: 'X' is not a TCP flag (S . P F R E W U A, or - for none)");
    bad(PRE "+0 < SS 0:0(0) win 10", "t.pkt:2:7: TCP flag 'S' written twice");
    bad(PRE "+0 < S.5 0:0(0) win 10", "t.pkt:2:7: AccECN ACE flag values are not supported");
    bad(PRE "+0 < 0:0(0) win 10", "t.pkt:2:7: expected '>' between the source and destination ports, not ':'");
    bad(PRE "+0 < S 0:0(0) win 10 ack 1",
        "t.pkt:2:22: 'ack' out of order: packetdrill's order is seq:end(len) ack N win N urg N "
        "<options>");
    bad(PRE "+0 < S 0:0(0) win 10 <...>",
        "t.pkt:2:22: <...> (any options) only goes with outbound packets (>)");
    bad(PRE "+0 < S 0:0(0) win 10 <>",
        "t.pkt:2:23: an empty option list <>: leave it out for no options");
    bad(PRE "+0 < S 0:0(0) win 10 <mss 1000 nop>",
        "t.pkt:2:32: expected ',' or '>' in the TCP options, not 'nop'");
    bad(PRE "+0 < S 0:0(0) win 10 <mss 70000>",
        "t.pkt:2:27: mss '70000' is out of range (0 to 65535)");
    bad(PRE "+0 < S 0:0(0) win 10 <wscale>",
        "t.pkt:2:29: expected wscale (a decimal number), not '>'");
    bad(PRE "+0 < S 0:0(0) win 10 <foo 1>",
        "t.pkt:2:23: unknown TCP option 'foo' (packetdrill has nop, eol, mss N, wscale N, "
        "sackOK, sack L:R, TS val N ecr N, FO, FOEXP, md5)");
    bad(PRE "+0 < S 0:0(0) win 10 <TS 1 ecr 2>",
        "t.pkt:2:26: expected 'val' after TS (TS val N ecr N), not '1'");
    bad(PRE "+0 < . 1:1(0) win 10 <sack 1:2 3:4 5:6 7:8 9:10>",
        "t.pkt:2:44: more than 4 SACK blocks do not fit in the TCP options");
    bad(PRE "+0 < . 1:1(0) win 10 <sack 1:2 3:4 5:6 7:8,TS val 1 ecr 1>",
        "t.pkt:2:22: the TCP options take 44 bytes, more than the 40 a header holds");
    bad(PRE "+0 < S 0:0(0) win 10 <FO abc>",
        "t.pkt:2:26: the FO cookie 'abc' has an odd number of hex digits");
    bad(PRE "+0 < S 0:0(0) win 10 <FO zz11>",
        "t.pkt:2:26: the FO cookie 'zz11' is not hexadecimal");
    ok(PRE "+0 < . 1:1(0) ack 1 win 514 <md5 000102030405060708090a0b0c0d0e0f,nop,nop>",
       "+0 < . 1:1(0) ack 1 win 514 <md5 000102030405060708090a0b0c0d0e0f,nop,nop>");
    ok(PRE "+0 < S 0:0(0) win 10 <md5 0001>", "+0 < S 0:0(0) win 10 <md5 0001>");
    bad(PRE "+0 < S 0:0(0) win 10 <md5 000102030405060708090a0b0c0d0e0f10>",
        "t.pkt:2:27: the MD5 digest has 17 bytes, more than 16");
    bad(PRE "+0 < S 0:0(0) win 10 <md5 abc>",
        "t.pkt:2:27: the MD5 digest 'abc' has an odd number of hex digits");
    bad(PRE "+0 < S 0:0(0) win 10 <md5>",
        "t.pkt:2:26: expected the MD5 digest (hex) after md5, not '>'");
    bad(PRE "+0 < [ecn] S 0:0(0) win 10",
        "t.pkt:2:7: unknown IP field 'ecn' (packetdrill has noecn, ect0, ect1, ect01, ce, "
        "tos 0xNN, flowlabel 0xNNNNN, ttl N)");
    bad(PRE "+0 < [ect01] S 0:0(0) win 10",
        "t.pkt:2:7: [ect01] only goes with outbound packets (>)");
    bad(PRE "+0 < [tos 2] S 0:0(0) win 10", "t.pkt:2:11: expected tos as 0x hexadecimal, not '2'");
    bad(PRE "+0 < udp (100)", "t.pkt:2:6: UDP packets are not supported: tcpshake scripts are TCP");
    /* ICMP errors quoting the stack's segment */
    ok(PRE "+0 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]",
       "+0 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]");
    ok(PRE "+0 < icmp packet_too_big mtu 1280", "+0 < icmp packet_too_big mtu 1280 [0:0(0)]");
    ok(PRE "+0 < [ttl 3] icmp type_11 code_0 id 7 [5:5(0)]",
       "+0 < [ttl 3] icmp type_11 code_0 id 7 [5:5(0)]");
    ok(PRE "+.1 < icmp unreachable host_unreachable",
       "+0.1 < icmp unreachable host_unreachable [0:0(0)]");
    /* a name of the other family is refused before the run, at its place */
    {
        struct ts_script *s6 = parse(PRE "+0 < icmp packet_too_big mtu 1280\n", &err);
        assert_non_null(s6);
        struct ts_script_run_cfg cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.ip_version = 4;
        assert_int_equal(ts_script_check_cfg(s6, &cfg, &err), -1);
        assert_string_equal(err.text, "t.pkt:2:11: 'packet_too_big' is not an ICMPv4 type "
                                      "(this run is IPv4)");
        cfg.ip_version = 6;
        assert_int_equal(ts_script_check_cfg(s6, &cfg, &err), 0);
        ts_script_free(s6);
        /* the code is what IPv6 lacks: the refusal is at the code */
        s6 = parse(PRE "+0 < icmp unreachable frag_needed mtu 1200\n", &err);
        assert_non_null(s6);
        assert_int_equal(ts_script_check_cfg(s6, &cfg, &err), -1);
        assert_string_equal(err.text, "t.pkt:2:23: 'frag_needed' is not a code of ICMPv6 type "
                                      "'unreachable' (this run is IPv6)");
        ts_script_free(s6);
    }
    bad(PRE "+0 < icmp packet_too_big foo",
        "t.pkt:2:26: 'foo' is not a code of ICMPv6 type 'packet_too_big'");
    bad(PRE "+0 < icmp time_exceeded exceeded_hop_limit mtu 1280",
        "t.pkt:2:48: an ICMPv6 mtu goes only with packet_too_big");
    bad(PRE "+0 > icmp unreachable",
        "t.pkt:2:6: an ICMP message sent by the stack (> icmp) is not checked: tcpshake matches "
        "the TCP segments it sends");
    bad(PRE "+0 < icmp foo",
        "t.pkt:2:11: 'foo' is not an ICMP type (unreachable, packet_too_big, time_exceeded, "
        "parameter_problem, ..., or type_N)");
    bad(PRE "+0 < icmp unreachable bogus",
        "t.pkt:2:23: 'bogus' is not a code of ICMPv4 type 'unreachable'");
    bad(PRE "+0 < icmp echo_request mtu 100",
        "t.pkt:2:28: an ICMPv4 mtu goes only with unreachable frag_needed");
    bad(PRE "+0 < icmp unreachable frag_needed mtu 70000",
        "t.pkt:2:39: mtu 70000 is out of range for ICMPv4");
    bad(PRE "+0 < icmp type_256", "t.pkt:2:11: 'type_256' is not an ICMP type (unreachable, "
                                  "packet_too_big, time_exceeded, parameter_problem, ..., or type_N)");
    bad(PRE "+0 < icmp unreachable [udp (10)]",
        "t.pkt:2:24: an ICMP message quoting a UDP packet: tcpshake scripts are TCP");
    bad(PRE "+0 < icmp unreachable [1:5(3)]",
        "t.pkt:2:26: 1:5(3): the end is not the start plus the length");
    bad(PRE "+0 < icmp unreachable [1:5(4)",
        "t.pkt:2:30: expected ']' after the quoted segment ([seq:end(len)]), not the end of the script");
    bad(PRE "+0 < ipv4 1.1.1.1 > 2.2.2.2: S 0:0(0) win 1",
        "t.pkt:2:6: encapsulated packets (ipv4) are not supported");
    bad(PRE "+0 S 0:0(0) win 10",
        "t.pkt:2:4: expected a packet (< or >), a system call or a `command` after the time, "
        "not 'S'");
}

static void test_syscalls(void **state)
{
    (void)state;
    ok(PRE "+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
       "+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0");
    ok(PRE "+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0",
       "+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0");
    ok(PRE "+0 fcntl(3, F_GETFL) = 0x802 (flags O_RDWR O_NONBLOCK)",
       "+0 fcntl(3, F_GETFL) = 0x802 (flags O_RDWR O_NONBLOCK)");
    ok(PRE "+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)",
       "+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)");
    ok(PRE "+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0",
       "+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0");
    ok(PRE "+0 poll([{fd=3, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0) = 1",
       "+0 poll([{fd=3, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0) = 1");
    ok(PRE "+0 bind(3, {sa_family=AF_INET, sin_port=htons(8080), "
           "sin_addr=inet_addr(\"192.0.2.1\")}, 16) = 0",
       "+0 bind(3, {sa_family=AF_INET, sin_port=htons(8080), "
       "sin_addr=inet_addr(\"192.0.2.1\")}, 16) = 0");
    ok(PRE "+0 write(3, \"ab\" \"cd\", 4) = 4", "+0 write(3, \"abcd\", 4) = 4");
    ok(PRE "+0 read(3, \"a\\\"b\"..., 10) = 10", "+0 read(3, \"a\\\"b\"..., 10) = 10");
    ok(PRE "+0 sendmsg(3, {msg_name(...)=..., msg_iov(1)=[{..., 10}], msg_flags=0}, 0) = 10",
       "+0 sendmsg(3, {msg_name(...)=..., msg_iov(1)=[{..., 10}], msg_flags=0}, 0) = 10");
    ok(PRE "+0 getsockopt(3, SOL_TCP, TCP_MAXSEG, [536], [4]) = 0",
       "+0 getsockopt(3, SOL_TCP, TCP_MAXSEG, [536], [4]) = 0");
    ok(PRE "+0 shutdown(3, SHUT_WR) = 0", "+0 shutdown(3, SHUT_WR) = 0");
    ok(PRE "+0 read(3, ..., 10) = -1 ECONNRESET (Connection reset by peer)",
       "+0 read(3, ..., 10) = -1 ECONNRESET (Connection reset by peer)");
    ok(PRE "+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0",
       "+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0");
    ok(PRE "+0 `echo hi`", "+0 `echo hi`");

    struct ts_script_err err;
    struct ts_script *s = parse(PRE "+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n",
                                &err);
    assert_non_null(s);
    const struct ts_script_syscall *c = &s->events[1].u.call;
    assert_string_equal(c->name, "connect");
    assert_int_equal(c->nargs, 3);
    assert_int_equal(c->args[0]->kind, TS_SCRIPT_EX_INT);
    assert_int_equal(c->args[1]->kind, TS_SCRIPT_EX_ELLIPSIS);
    assert_int_equal(c->result->num, -1);
    assert_string_equal(c->errno_name, "EINPROGRESS");
    assert_string_equal(c->note, "Operation now in progress");
    int64_t v;
    assert_true(ts_script_symbol("SO_REUSEADDR", &v));
    assert_false(ts_script_symbol("SO_NOPE", &v));
    ts_script_free(s);

    bad(PRE "+0 frobnicate(3) = 0", "t.pkt:2:4: unknown system call 'frobnicate'");
    bad(PRE "+0 close(3)", "t.pkt:2:12: expected '=' and the expected result after close(...), not the end of the script");
    bad(PRE "+0 close(3) = 0 EBADF", "t.pkt:2:22: expected the text of EBADF in ( ), e.g. EBADF (Bad file descriptor), not the end of the script");
    bad(PRE "+0 close(3) = -1 EFOO (x)", "t.pkt:2:18: unknown errno name 'EFOO'");
    bad(PRE "+0 close(SO_NOPE) = 0", "t.pkt:2:10: unknown symbol 'SO_NOPE'");
    bad(PRE "+0 close(foo(1)) = 0",
        "t.pkt:2:10: unknown function 'foo' (packetdrill has htons, inet_addr, inet6_addr, "
        "msg_name, msg_iov)");
    bad(PRE "+0 close(3,) = 0", "t.pkt:2:12: expected a value, not ')'");
    bad(PRE "+0 close(1.5) = 0", "t.pkt:2:10: '1.5': values are whole numbers");
    bad(PRE "+0 close(99999999999999999999) = 0",
        "t.pkt:2:10: the number '99999999999999999999' is too large");
    bad(PRE "+0 close({}) = 0", "t.pkt:2:11: an empty {}");
    bad(PRE "+0 close(3) = -1 EBADF (Bad, file)", "t.pkt:2:28: a note in ( ) holds words only, not ','");
    bad(PRE "+0 write(3, \"abc, 3) = 3", "t.pkt:2:13: a string \" that is never closed");
}

static void test_script_level(void **state)
{
    (void)state;
    struct ts_script_err err;
    const char *text = "// a comment\n"
                       "--tolerance_usecs=10000\n"
                       "--ip_version=ipv4\n"
                       "--strict_segments\n"
                       "`../common/defaults.sh`\n"
                       "/* a block\n comment */ 0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
                       "+0 close(3) = 0 // trailing\n"
                       "`cleanup.sh`\n";
    struct ts_script *s = parse(text, &err);
    if (!s) {
        fail_msg("%s", err.text);
        return;
    }
    assert_int_equal(s->noptions, 3);
    assert_string_equal(s->options[0].name, "tolerance_usecs");
    assert_string_equal(s->options[0].value, "10000");
    assert_int_equal(s->options[0].line, 2);
    assert_null(s->options[2].value);
    assert_int_equal(s->nevents, 4);
    assert_int_equal(s->init_event, 0);
    assert_int_equal(s->cleanup_event, 3);
    assert_int_equal(s->events[0].time.kind, TS_SCRIPT_TIME_NONE);
    assert_string_equal(s->events[0].u.shell, "../common/defaults.sh");
    assert_int_equal(s->events[1].line, 7);
    assert_int_equal(s->events[1].col, 13);
    char buf[64];
    assert_int_equal(ts_script_option_format(&s->options[0], buf, sizeof buf), 23);
    assert_string_equal(buf, "--tolerance_usecs=10000");
    /* a short buffer gets what fits, and the length it needed */
    assert_int_equal(ts_script_option_format(&s->options[0], buf, 5), 23);
    assert_string_equal(buf, "--to");
    ts_script_free(s);

    bad("--tolerance-usecs=1\n" PRE,
        "t.pkt:1:1: unknown option '--tolerance-usecs' (packetdrill's options are written with '_')");
    bad("--frob=1\n" PRE, "t.pkt:1:1: unknown option '--frob'");
    bad("--tolerance_usecs=abc\n" PRE, "t.pkt:1:19: --tolerance_usecs: 'abc' is not a number");
    bad("--tolerance_usecs\n" PRE, "t.pkt:1:1: --tolerance_usecs needs a value (--tolerance_usecs=...)");
    bad("--dry_run=1\n" PRE, "t.pkt:1:1: --dry_run takes no value");
    bad("--define=X=1\n" PRE, "t.pkt:1:1: --define: packetdrill cannot read a definition "
                             "among a script's options (--define=SYM=VALUE is a syntax error "
                             "there): give it with -D");
    bad("--wire_client\n" PRE, "t.pkt:1:1: --wire_client: packetdrill's wire mode is not supported");
    bad(PRE "--tolerance_usecs=1\n", "t.pkt:2:1: options (--tolerance_usecs) go before the first event");
    bad("", "t.pkt:1:1: no events: a script needs at least one");
    bad("`a`\n`b`\n", "t.pkt:3:1: no events: a script needs at least one");
    bad(PRE "`a`\n+0 close(3) = 0\n",
        "t.pkt:2:1: a command without a time is only allowed before the first event (init) "
        "or after the last (cleanup)");
    bad(PRE "%{ print(1) }%\n",
        "t.pkt:2:1: expected an event's time (0, +0.1, *), not python code %{ }%");
    bad(PRE "+0 %{ print(1) }", "t.pkt:2:4: python code %{ that is never closed with }%");
    bad(PRE "+0...0.1 %{ print(1) }%",
        "t.pkt:2:1: a time with ... (a blocking call) only goes with system calls");
    bad(PRE "/* open", "t.pkt:2:1: a comment /* that is never closed");
    bad(PRE "+0 `echo", "t.pkt:2:4: a command ` that is never closed");
    bad(PRE "+0 close(3) = 0 \x01", "t.pkt:2:17: an unexpected byte 0x01");
    bad(PRE "+0 close(3) = 0 \xc3\xa9", "t.pkt:2:17: an unexpected byte 0xc3");

    /* a NUL byte, in the text and in a comment */
    static const char nul[] = PRE "+0 close(3)\0 = 0\n";
    assert_null(ts_script_parse_string("t.pkt", nul, sizeof nul - 1, &err));
    assert_string_equal(err.text, "t.pkt:2:12: a NUL byte");
    static const char nul2[] = PRE "// x\0y\n";
    assert_null(ts_script_parse_string("t.pkt", nul2, sizeof nul2 - 1, &err));
    assert_string_equal(err.text, "t.pkt:2:5: a NUL byte");

    /* a file that is not there */
    assert_null(ts_script_parse_file("/nonexistent/x.pkt", &err));
    assert_string_equal(err.text, "/nonexistent/x.pkt: No such file or directory");
    assert_int_equal(err.line, 0);
}

static void test_hostile(void **state)
{
    (void)state;
    struct ts_script_err err;
    /* nesting: 32 levels parse, 33 do not */
    char deep[512];
    for (int depth = 31; depth <= 32; depth++) {
        size_t n = (size_t)snprintf(deep, sizeof deep, PRE "+0 close(");
        for (int i = 0; i < depth; i++)
            deep[n++] = '[';
        deep[n++] = '1';
        for (int i = 0; i < depth; i++)
            deep[n++] = ']';
        n += (size_t)snprintf(deep + n, sizeof deep - n, ") = 0\n");
        struct ts_script *s = ts_script_parse_string("t.pkt", deep, n, &err);
        if (depth == 31) {
            assert_non_null(s);
            ts_script_free(s);
        } else {
            assert_null(s);
            assert_string_equal(err.text, "t.pkt:2:41: nested deeper than 32 levels");
        }
    }
    /* a very long line and a long word: one error, the word cut */
    size_t big = 1u << 20;
    char *text = malloc(big + 64);
    assert_non_null(text);
    size_t n = (size_t)snprintf(text, 64, PRE "+0 close(");
    memset(text + n, 'A', big);
    n += big;
    memcpy(text + n, ") = 0\n", 6);
    n += 6;
    assert_null(ts_script_parse_string("t.pkt", text, n, &err));
    assert_string_equal(err.text, "t.pkt:2:10: unknown symbol " /* the name, cut */
                                  "'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...'");
    /* many events parse, and a 16 MiB + 1 text is refused unread */
    free(text);
    text = malloc(TS_SCRIPT_MAX_BYTES + 1);
    assert_non_null(text);
    assert_null(ts_script_parse_string("t.pkt", text, TS_SCRIPT_MAX_BYTES + 1, &err));
    assert_string_equal(err.text, "t.pkt: larger than 16 MiB: not a script");
    n = (size_t)snprintf(text, 64, PRE);
    for (int i = 0; i < 100000; i++)
        n += (size_t)snprintf(text + n, 64, "+0 close(3) = 0\n");
    struct ts_script *s = ts_script_parse_string("t.pkt", text, n, &err);
    assert_non_null(s);
    assert_int_equal(s->nevents, 100001);
    assert_int_equal(s->events[100000].line, 100001);
    ts_script_free(s);
    free(text);
}

/* packetdrill's -D: a defined word reads as its value, by the value's
 * kind; the later definition of a symbol wins */
static void test_defines(void **state)
{
    (void)state;
    struct ts_script_err err;
    const char *defs[] = {"LVL=SOL_SOCKET", "ONE=1", "W=512", "NAME=\"x y\"", "SH=`true`",
                          "W=600", "ACK=1"};
    const char *text = PRE
                       "+0 setsockopt(3, LVL, SO_REUSEADDR, [ONE], 4) = 0\n"
                       "+0 < S 0:0(0) win W <mss 1000>\n"
                       "+0 write(3, NAME, 3) = 3\n"
                       "+0 SH\n"
                       "+0 < . 1:1(0) ack ACK win 700\n";
    struct ts_script *s = ts_script_parse_string_defs("t.pkt", text, strlen(text), defs, 7, &err);
    if (!s) {
        fail_msg("refused: %s", err.text);
        return;
    }
    assert_int_equal(s->nevents, 6);
    const char *want[] = {
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3",
        "+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
        "+0 < S 0:0(0) win 600 <mss 1000>",
        "+0 write(3, \"x y\", 3) = 3",
        "+0 `true`",
        "+0 < . 1:1(0) ack 1 win 700",
    };
    char buf[1024];
    for (size_t i = 0; i < 6; i++) {
        ts_script_event_format(&s->events[i], buf, sizeof buf);
        assert_string_equal(buf, want[i]);
    }
    ts_script_free(s);
    /* the caller's definitions: checked, and said with -D */
    const char *bad1[] = {"=1"};
    assert_null(ts_script_parse_string_defs("t.pkt", PRE, strlen(PRE), bad1, 1, &err));
    assert_string_equal(err.text, "t.pkt: -D =1: a definition is SYMBOL=VALUE");
    /* without a definition the word is what it was */
    bad(PRE "+0 setsockopt(3, LVL, SO_REUSEADDR, [1], 4) = 0\n",
        "t.pkt:2:18: unknown symbol 'LVL'");
}

/* --mtu: the script's, or the caller's; a link of the run's family */
static void test_mtu(void **state)
{
    (void)state;
    struct ts_script_err err;
    const char *t6 = "--ip_version=ipv6\n--mtu=1000\n" PRE;
    struct ts_script *s = parse(t6, &err);
    assert_non_null(s);
    assert_int_equal(ts_script_check_cfg(s, NULL, &err), -1);
    assert_string_equal(err.text, "t.pkt:2:1: --mtu: 1000 is not an IPv6 link's MTU (1280 to "
                                  "65535)");
    struct ts_script_run_cfg cfg = {.tolerance_usecs = -1, .mtu = 1520};
    assert_int_equal(ts_script_check_cfg(s, &cfg, &err), 0); /* the caller's wins */
    cfg.mtu = 67;
    cfg.ip_version = 4;
    assert_int_equal(ts_script_check_cfg(s, &cfg, &err), -1);
    assert_string_equal(err.text, "t.pkt: --mtu: 67 is not an IPv4 link's MTU (68 to 65535)");
    cfg.mtu = 68; /* the kernel's least for IPv4 (a public script gives 72) */
    assert_int_equal(ts_script_check_cfg(s, &cfg, &err), 0);
    ts_script_free(s);
    s = parse("--mtu=1400\n" PRE, &err);
    assert_non_null(s);
    assert_int_equal(ts_script_check_cfg(s, NULL, &err), 0);
    ts_script_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_packets),
        cmocka_unit_test(test_syscalls),
        cmocka_unit_test(test_script_level),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_defines),
        cmocka_unit_test(test_mtu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
