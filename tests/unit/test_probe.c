/* tcpshake probe's battery and judges (probe.h, src/probe): every section
 * of every probe file parses and is one a remote host can run; sections
 * keep the file's line numbers and find the bad-checksum line; each judge,
 * on hand-built segments, says pass, the variant, fail or inconclusive at
 * the edges of its rule (the numbers come from the RFCs the probes cite). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/probe/probe_internal.h"
#include "tcpshake/probe.h"
#include "tcpshake/script.h"

static void test_battery(void **state)
{
    (void)state;
    size_t n = ts_probe_count();
    assert_true(n >= 31);
    struct ts_script_run_cfg cfg = {.tolerance_usecs = -1};
    cfg.peer.family = 4;
    cfg.peer.a[0] = 198, cfg.peer.a[1] = 18, cfg.peer.a[2] = 10, cfg.peer.a[3] = 2;
    for (size_t i = 0; i < n; i++) {
        const struct ts_probe_info *p = ts_probe_get(i);
        assert_ptr_equal(ts_probe_find(p->name), p);
        assert_true(*p->title && *p->pass && strstr(p->rfc, "RFC"));
        if (p->judge && !probe_judge_known(p->judge))
            fail_msg("%s: no judge '%s'", p->name, p->judge);
        for (size_t k = 0; k <= p->nvariants; k++) {
            unsigned bad;
            char *text = probe_section(p->text, k, &bad);
            assert_non_null(text);
            struct ts_script_err err;
            struct ts_script *s = ts_script_parse_string(p->name, text, strlen(text), &err);
            if (!s) {
                fail_msg("%s section %zu: %s", p->name, k, err.text);
                return;
            }
            if (ts_script_check_cfg(s, &cfg, &err) < 0)
                fail_msg("%s section %zu cannot run against a host: %s", p->name, k, err.text);
            assert_true(s->nevents > 0);
            ts_script_free(s);
            free(text);
        }
        unsigned bad;
        assert_null(probe_section(p->text, p->nvariants + 1, &bad));
    }
    assert_null(ts_probe_find("no-such-probe"));
    assert_null(ts_probe_get(n));
    assert_string_equal(ts_probe_result_name(TS_PROBE_INCONCLUSIVE), "inconclusive");
    /* the bad-checksum probe marks its line */
    const struct ts_probe_info *bc = ts_probe_find("bad-checksum");
    assert_non_null(bc);
    unsigned bad = 0;
    free(probe_section(bc->text, 0, &bad));
    assert_true(bad > 0);
}

static void test_sections(void **state)
{
    (void)state;
    const char *t = "// title: t\n"               /* 1 */
                    "0 < S 0:0(0) win 1\n"        /* 2 */
                    "//== variant a: why\n"       /* 3 */
                    "0 < S 0:0(0) win 2\n"        /* 4 */
                    "+0 < . 1:1(0) ack 1 win 2 // bad-checksum\n" /* 5 */
                    "//== variant b: why\n"       /* 6 */
                    "0 < S 0:0(0) win 3\n";       /* 7 */
    unsigned bad;
    char *s0 = probe_section(t, 0, &bad);
    assert_string_equal(s0, "// title: t\n0 < S 0:0(0) win 1\n\n\n\n\n\n");
    assert_int_equal(bad, 0);
    char *s1 = probe_section(t, 1, &bad);
    assert_string_equal(s1, "\n\n\n0 < S 0:0(0) win 2\n+0 < . 1:1(0) ack 1 win 2 // bad-checksum\n\n\n");
    assert_int_equal(bad, 5);
    char *s2 = probe_section(t, 2, &bad);
    assert_string_equal(s2, "\n\n\n\n\n\n0 < S 0:0(0) win 3\n");
    assert_int_equal(bad, 0);
    free(s0);
    free(s1);
    free(s2);
}

/* ---- judges on hand-built segments: our ISN 0, the host's 1000 ------------- */

struct b {
    struct probe_obs o;
    struct probe_seg v[32];
};

static void seg(struct b *b, double t, bool ours, uint8_t flags, uint32_t seq, uint32_t ack,
                uint32_t len, uint16_t win)
{
    struct probe_seg *s = &b->v[b->o.n++];
    memset(s, 0, sizeof *s);
    *s = (struct probe_seg){.t = t, .ours = ours, .flags = flags, .seq = seq, .ack = ack,
                            .len = len, .win = win};
    b->o.v = b->v;
    if (!ours)
        b->o.host_frames++;
}

/* a handshake: our SYN, the host's SYN+ACK (options as given), our ACK */
static struct ts_probe_seg_opts {
    uint32_t present;
    uint8_t wscale;
    uint32_t tsecr;
} none;

static void handshake(struct b *b, struct ts_probe_seg_opts op)
{
    memset(b, 0, sizeof *b);
    seg(b, 0.0, true, TS_TH_SYN, 0, 0, 0, 65535);
    seg(b, 0.001, false, TS_TH_SYN | TS_TH_ACK, 1000, 1, 0, 65535);
    b->v[1].opt.present = op.present | TS_HAS_MSS;
    b->v[1].opt.mss = 1460;
    b->v[1].opt.wscale = op.wscale;
    b->v[1].opt.tsecr = op.tsecr;
    seg(b, 0.01, true, TS_TH_ACK, 1, 1001, 0, 1);
    b->o.have_our_isn = b->o.have_their_isn = true;
    b->o.our_isn = 0;
    b->o.their_isn = 1000;
}

static enum ts_probe_result judge(const char *name, struct b *b, struct ts_probe_outcome *out)
{
    struct ts_probe_info pi = {.name = "t", .judge = name};
    struct ts_probe_cfg cfg = {0};
    cfg.host.family = 4;
    memset(out, 0, sizeof *out);
    out->result = TS_PROBE_PASS;
    probe_judge(&pi, &cfg, &b->o, out);
    return out->result;
}

static void test_judge_wscale(void **state)
{
    (void)state;
    struct b b;
    struct ts_probe_outcome o;
    struct ts_probe_seg_opts ws = {.present = TS_HAS_WSCALE, .wscale = 7};
    /* our window 1 << 7 = 128 (RFC 7323 §2.3): 128 bytes is the most */
    handshake(&b, ws);
    seg(&b, 0.2, false, TS_TH_ACK, 1001, 1001, 128, 512);
    assert_int_equal(judge("wscale", &b, &o), TS_PROBE_PASS);
    handshake(&b, ws);
    seg(&b, 0.2, false, TS_TH_ACK, 1001, 1001, 100, 512);
    seg(&b, 0.3, false, TS_TH_ACK, 1101, 1001, 29, 512);
    assert_int_equal(judge("wscale", &b, &o), TS_PROBE_FAIL);
    assert_non_null(strstr(o.why, "129 bytes"));
    handshake(&b, ws); /* one byte: the window read unscaled */
    seg(&b, 0.2, false, TS_TH_ACK, 1001, 1001, 1, 512);
    assert_int_equal(judge("wscale", &b, &o), TS_PROBE_FAIL);
    handshake(&b, ws); /* nothing back: no echo */
    assert_int_equal(judge("wscale", &b, &o), TS_PROBE_INCONCLUSIVE);
    handshake(&b, none); /* not scaled, yet more than our window of 1: a failure, no variant */
    seg(&b, 0.2, false, TS_TH_ACK, 1001, 1001, 2, 512);
    assert_int_equal(judge("wscale", &b, &o), TS_PROBE_FAIL);
    assert_string_equal(o.variant, "");
    handshake(&b, none); /* not scaled at all: one byte is right */
    seg(&b, 0.2, false, TS_TH_ACK, 1001, 1001, 1, 512);
    assert_int_equal(judge("wscale", &b, &o), TS_PROBE_VARIANT);
    assert_string_equal(o.variant, "no-window-scale");
}

static void test_judge_options(void **state)
{
    (void)state;
    struct b b;
    struct ts_probe_outcome o;
    handshake(&b, (struct ts_probe_seg_opts){.present = TS_HAS_TS, .tsecr = 100});
    assert_int_equal(judge("timestamps", &b, &o), TS_PROBE_PASS);
    handshake(&b, (struct ts_probe_seg_opts){.present = TS_HAS_TS, .tsecr = 99});
    assert_int_equal(judge("timestamps", &b, &o), TS_PROBE_FAIL);
    handshake(&b, none);
    assert_int_equal(judge("timestamps", &b, &o), TS_PROBE_VARIANT);
    assert_string_equal(o.variant, "no-timestamps");
    assert_int_equal(judge("unoffered", &b, &o), TS_PROBE_PASS);
    handshake(&b, (struct ts_probe_seg_opts){.present = TS_HAS_SACKOK});
    assert_int_equal(judge("unoffered", &b, &o), TS_PROBE_FAIL);
    assert_int_equal(judge("sackok", &b, &o), TS_PROBE_PASS);
    assert_int_equal(judge("no-such-judge", &b, &o), TS_PROBE_ERROR);
    assert_false(probe_judge_known("no-such-judge"));
    /* the handshake: an MSS option answered, or the no-mss variant */
    handshake(&b, none);
    assert_int_equal(judge("synack", &b, &o), TS_PROBE_PASS);
    assert_non_null(strstr(o.why, "mss 1460"));
    b.v[1].opt.present = 0;
    assert_int_equal(judge("synack", &b, &o), TS_PROBE_VARIANT);
    assert_string_equal(o.variant, "no-mss");
}

static void test_judge_mss(void **state)
{
    (void)state;
    struct b b;
    struct ts_probe_outcome o;
    handshake(&b, none);
    seg(&b, 0.1, false, TS_TH_ACK, 1001, 1201, 536, 512);
    seg(&b, 0.1, false, TS_TH_ACK, 1537, 1201, 536, 512);
    assert_int_equal(judge("mss536", &b, &o), TS_PROBE_PASS);
    seg(&b, 0.1, false, TS_TH_ACK, 2073, 1201, 537, 512);
    assert_int_equal(judge("mss536", &b, &o), TS_PROBE_FAIL);
    handshake(&b, none);
    assert_int_equal(judge("mssdefault", &b, &o), TS_PROBE_INCONCLUSIVE);
}

static void test_judge_schedule(void **state)
{
    (void)state;
    struct b b;
    struct ts_probe_outcome o;
    handshake(&b, none); /* RFC 6298 §5.5: each retransmission doubles */
    seg(&b, 1.0, false, TS_TH_SYN | TS_TH_ACK, 1000, 1, 0, 65535);
    seg(&b, 3.0, false, TS_TH_SYN | TS_TH_ACK, 1000, 1, 0, 65535);
    assert_int_equal(judge("schedule", &b, &o), TS_PROBE_PASS);
    handshake(&b, none);
    seg(&b, 1.0, false, TS_TH_SYN | TS_TH_ACK, 1000, 1, 0, 65535);
    seg(&b, 2.0, false, TS_TH_SYN | TS_TH_ACK, 1000, 1, 0, 65535);
    assert_int_equal(judge("schedule", &b, &o), TS_PROBE_FAIL);
    assert_non_null(strstr(o.why, "no back-off"));
    /* synack-giveup: every retransmission until the stack gives up */
    handshake(&b, none);
    b.o.n = 2; /* our SYN, its SYN+ACK: no ACK of ours */
    seg(&b, 1.0, false, TS_TH_SYN | TS_TH_ACK, 1000, 1, 0, 65535);
    seg(&b, 3.0, false, TS_TH_SYN | TS_TH_ACK, 1000, 1, 0, 65535);
    seg(&b, 7.0, false, TS_TH_SYN | TS_TH_ACK, 1000, 1, 0, 65535);
    seg(&b, 90.0, true, TS_TH_RST, 1, 0, 0, 0);
    assert_int_equal(judge("giveup", &b, &o), TS_PROBE_PASS);
    assert_non_null(strstr(o.why, "3 times"));
    /* a ceiling of 12 s (4.4BSD's TCPTV_REXMTMAX in slirp): under RFC
     * 6298's 60 s */
    handshake(&b, none);
    b.o.n = 2;
    seg(&b, 6.0, false, TS_TH_SYN | TS_TH_ACK, 1000, 1, 0, 65535);
    seg(&b, 18.0, false, TS_TH_SYN | TS_TH_ACK, 1000, 1, 0, 65535);
    seg(&b, 30.0, false, TS_TH_SYN | TS_TH_ACK, 1000, 1, 0, 65535);
    seg(&b, 39.0, false, TS_TH_RST | TS_TH_ACK, 1001, 1, 0, 65535);
    assert_int_equal(judge("giveup", &b, &o), TS_PROBE_FAIL);
    assert_non_null(strstr(o.why, "12.0 s"));
    handshake(&b, none);
    b.o.n = 2;
    assert_int_equal(judge("giveup", &b, &o), TS_PROBE_FAIL);
    handshake(&b, none); /* a FIN's: the FIN counts, not the SYN+ACK */
    seg(&b, 0.1, false, TS_TH_FIN | TS_TH_ACK, 1001, 1, 0, 512);
    seg(&b, 0.3, false, TS_TH_FIN | TS_TH_ACK, 1001, 1, 0, 512);
    seg(&b, 0.7, false, TS_TH_FIN | TS_TH_ACK, 1001, 1, 0, 512);
    assert_int_equal(judge("schedule", &b, &o), TS_PROBE_PASS);
    assert_non_null(strstr(o.why, "FIN"));
}

static void test_judge_close(void **state)
{
    (void)state;
    struct b b;
    struct ts_probe_outcome o;
    handshake(&b, none); /* our FIN: ACK alone, then FIN: the rule */
    seg(&b, 0.02, true, TS_TH_FIN | TS_TH_ACK, 1, 1001, 0, 512);
    seg(&b, 0.03, false, TS_TH_ACK, 1001, 2, 0, 512);
    seg(&b, 0.05, false, TS_TH_FIN | TS_TH_ACK, 1001, 2, 0, 512);
    assert_int_equal(judge("ourfin", &b, &o), TS_PROBE_PASS);
    handshake(&b, none); /* merged: the rule too */
    seg(&b, 0.02, true, TS_TH_FIN | TS_TH_ACK, 1, 1001, 0, 512);
    seg(&b, 0.03, false, TS_TH_FIN | TS_TH_ACK, 1001, 2, 0, 512);
    assert_int_equal(judge("ourfin", &b, &o), TS_PROBE_PASS);
    handshake(&b, none); /* no FIN of its own: CLOSE-WAIT */
    seg(&b, 0.02, true, TS_TH_FIN | TS_TH_ACK, 1, 1001, 0, 512);
    seg(&b, 0.03, false, TS_TH_ACK, 1001, 2, 0, 512);
    assert_int_equal(judge("ourfin", &b, &o), TS_PROBE_VARIANT);
    assert_string_equal(o.variant, "close-wait");
    handshake(&b, none); /* not even an ACK */
    seg(&b, 0.02, true, TS_TH_FIN | TS_TH_ACK, 1, 1001, 0, 512);
    assert_int_equal(judge("ourfin", &b, &o), TS_PROBE_FAIL);
    /* data after the service closed: RST is the rule, an ACK a variant */
    handshake(&b, none);
    seg(&b, 0.02, true, TS_TH_PSH | TS_TH_ACK, 1, 1002, 10, 512);
    seg(&b, 0.03, false, TS_TH_RST, 1002, 0, 0, 0);
    assert_int_equal(judge("datafin", &b, &o), TS_PROBE_PASS);
    handshake(&b, none);
    seg(&b, 0.02, true, TS_TH_PSH | TS_TH_ACK, 1, 1002, 10, 512);
    seg(&b, 0.03, false, TS_TH_ACK, 1002, 11, 0, 512);
    assert_int_equal(judge("datafin", &b, &o), TS_PROBE_VARIANT);
    handshake(&b, none); /* no answer at all to data after the close */
    seg(&b, 0.02, true, TS_TH_PSH | TS_TH_ACK, 1, 1002, 10, 512);
    assert_int_equal(judge("datafin", &b, &o), TS_PROBE_FAIL);
    /* half-close: data + FIN from us, the echo after it */
    handshake(&b, none);
    seg(&b, 0.02, true, TS_TH_FIN | TS_TH_PSH | TS_TH_ACK, 1, 1001, 10, 512);
    seg(&b, 0.03, false, TS_TH_PSH | TS_TH_ACK, 1001, 12, 10, 512);
    seg(&b, 0.03, false, TS_TH_FIN | TS_TH_ACK, 1011, 12, 0, 512);
    assert_int_equal(judge("halfclose", &b, &o), TS_PROBE_PASS);
    handshake(&b, none);
    seg(&b, 0.02, true, TS_TH_FIN | TS_TH_PSH | TS_TH_ACK, 1, 1001, 10, 512);
    seg(&b, 0.03, false, TS_TH_RST, 1001, 0, 0, 0);
    assert_int_equal(judge("halfclose", &b, &o), TS_PROBE_FAIL);
    handshake(&b, none);
    seg(&b, 0.02, true, TS_TH_FIN | TS_TH_PSH | TS_TH_ACK, 1, 1001, 10, 512);
    seg(&b, 0.03, false, TS_TH_FIN | TS_TH_ACK, 1001, 12, 0, 512);
    assert_int_equal(judge("halfclose", &b, &o), TS_PROBE_INCONCLUSIVE);
    /* urgent data: acknowledged whole, or not */
    handshake(&b, none);
    seg(&b, 0.02, true, TS_TH_PSH | TS_TH_URG | TS_TH_ACK, 1, 1001, 10, 512);
    seg(&b, 0.03, false, TS_TH_ACK, 1001, 11, 0, 512);
    assert_int_equal(judge("urgent", &b, &o), TS_PROBE_PASS);
    handshake(&b, none);
    seg(&b, 0.02, true, TS_TH_PSH | TS_TH_URG | TS_TH_ACK, 1, 1001, 10, 512);
    seg(&b, 0.03, false, TS_TH_ACK, 1001, 10, 0, 512);
    assert_int_equal(judge("urgent", &b, &o), TS_PROBE_FAIL);
    /* a second SYN from the port of a connection in TIME-WAIT */
    handshake(&b, none);
    seg(&b, 0.5, true, TS_TH_SYN, 1000000, 0, 0, 65535);
    seg(&b, 0.5005, false, TS_TH_SYN | TS_TH_ACK, 5000, 1000001, 0, 65535);
    assert_int_equal(judge("timewait", &b, &o), TS_PROBE_PASS);
    handshake(&b, none);
    seg(&b, 0.5, true, TS_TH_SYN, 1000000, 0, 0, 65535);
    seg(&b, 0.5005, false, TS_TH_ACK, 1002, 2, 0, 65535);
    assert_int_equal(judge("timewait", &b, &o), TS_PROBE_VARIANT);
    assert_string_equal(o.variant, "ack");
    handshake(&b, none);
    seg(&b, 0.5, true, TS_TH_SYN, 1000000, 0, 0, 65535);
    assert_int_equal(judge("timewait", &b, &o), TS_PROBE_FAIL);
    /* a RST in TIME-WAIT, then a SYN below the old numbers */
    handshake(&b, none);
    seg(&b, 0.5, true, TS_TH_RST, 2, 0, 0, 0);
    seg(&b, 0.6, true, TS_TH_SYN, 0, 0, 0, 65535);
    seg(&b, 0.6005, false, TS_TH_SYN | TS_TH_ACK, 7000, 1, 0, 65535);
    assert_int_equal(judge("twrst", &b, &o), TS_PROBE_PASS);
    b.v[b.o.n - 1].flags = TS_TH_ACK;
    assert_int_equal(judge("twrst", &b, &o), TS_PROBE_VARIANT);
    assert_string_equal(o.variant, "rfc1337");
    b.o.n--;
    assert_int_equal(judge("twrst", &b, &o), TS_PROBE_FAIL);
}

static void test_judge_zero_window(void **state)
{
    (void)state;
    struct b b;
    struct ts_probe_outcome o;
    /* our data with window 0; the ACK of it is no probe; a zero-length
     * probe; the window opens; the 10 bytes */
    handshake(&b, none);
    seg(&b, 0.02, true, TS_TH_PSH | TS_TH_ACK, 1, 1001, 10, 0);
    seg(&b, 0.03, false, TS_TH_ACK, 1001, 11, 0, 512);
    seg(&b, 0.3, false, TS_TH_ACK, 1000, 11, 0, 512);
    seg(&b, 6.0, true, TS_TH_ACK, 11, 1001, 0, 512);
    seg(&b, 6.01, false, TS_TH_PSH | TS_TH_ACK, 1001, 11, 10, 512);
    assert_int_equal(judge("zwp", &b, &o), TS_PROBE_PASS);
    assert_non_null(strstr(o.why, "1 probe "));
    /* no probe in the 6 s */
    handshake(&b, none);
    seg(&b, 0.02, true, TS_TH_PSH | TS_TH_ACK, 1, 1001, 10, 0);
    seg(&b, 0.03, false, TS_TH_ACK, 1001, 11, 0, 512);
    seg(&b, 6.0, true, TS_TH_ACK, 11, 1001, 0, 512);
    seg(&b, 6.01, false, TS_TH_PSH | TS_TH_ACK, 1001, 11, 10, 512);
    assert_int_equal(judge("zwp", &b, &o), TS_PROBE_FAIL);
    /* data into our zero window */
    handshake(&b, none);
    seg(&b, 0.02, true, TS_TH_PSH | TS_TH_ACK, 1, 1001, 10, 0);
    seg(&b, 0.03, false, TS_TH_PSH | TS_TH_ACK, 1001, 11, 10, 512);
    seg(&b, 6.0, true, TS_TH_ACK, 11, 1001, 0, 512);
    assert_int_equal(judge("zwp", &b, &o), TS_PROBE_FAIL);
    assert_non_null(strstr(o.why, "into our zero window"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_battery),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_judge_wscale),
        cmocka_unit_test(test_judge_options),
        cmocka_unit_test(test_judge_mss),
        cmocka_unit_test(test_judge_schedule),
        cmocka_unit_test(test_judge_close),
        cmocka_unit_test(test_judge_zero_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
