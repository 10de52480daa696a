/* --stats totals from hand-made segments run through the real tracker:
 * counts per role, reset reason and note, per close kind and conn_state,
 * nearest-rank RTT quantiles (exact and sampled), the retransmission
 * histogram, and both renderings.
 *
 * Expected values follow from the scenarios: roles and close kinds from
 * docs/states.md, conn_state from Zeek's rules (docs/zeek-tshark-rules.md
 * §7: S0, REJ, SF, S1), RTTs from the segment times, quantiles from the
 * nearest-rank definition in stats.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpshake/decode.h"
#include "tcpshake/render.h"
#include "tcpshake/stats.h"
#include "tcpshake/track.h"

#define T0_NS 1700000000000000000ull
#define MS(x) ((uint64_t)(x) * 1000000ull)

#define S TS_TH_SYN
#define SA (TS_TH_SYN | TS_TH_ACK)
#define A TS_TH_ACK
#define PA (TS_TH_PSH | TS_TH_ACK)
#define FA (TS_TH_FIN | TS_TH_ACK)
#define RA (TS_TH_RST | TS_TH_ACK)

/* ---- driving the tracker --------------------------------------------------- */

struct rig {
    struct ts_tracker *t;
    struct ts_stats *st;
    uint16_t ipid;
};

static void on_end(void *user, const struct ts_conn *c, enum ts_end_reason why)
{
    ts_stats_conn(user, c, why);
}

static void rig_open(struct rig *r, uint32_t rtt_cap)
{
    char err[128] = "";
    r->st = ts_stats_new(rtt_cap, err, sizeof err);
    assert_non_null(r->st);
    struct ts_track_cfg cfg;
    ts_track_cfg_default(&cfg);
    cfg.on_end = on_end;
    cfg.user = r->st;
    r->t = ts_tracker_new(&cfg, err, sizeof err);
    assert_non_null(r->t);
    r->ipid = 1;
}

static void rig_close(struct rig *r)
{
    ts_tracker_free(r->t);
    ts_stats_free(r->st);
}

/* One segment between 198.18.0.2:cport (client) and 198.18.0.1:80 at T0 +
 * t_us microseconds, through the tracker and into the stats. */
static void feed(struct rig *r, uint16_t cport, uint64_t t_us, char from, uint8_t flags,
                 uint32_t seq, uint32_t ack, uint32_t len)
{
    struct ts_seg s;
    memset(&s, 0, sizeof s);
    struct ts_addr c = {.family = 4, .a = {198, 18, 0, 2}};
    struct ts_addr sv = {.family = 4, .a = {198, 18, 0, 1}};
    bool fc = from == 'c';
    s.t_ns = T0_NS + t_us * 1000;
    s.ipver = 4;
    s.ttl = 64;
    s.ip_id = r->ipid++;
    if (r->ipid == 0)
        r->ipid = 1;
    s.src = fc ? c : sv;
    s.dst = fc ? sv : c;
    s.sport = fc ? cport : 80;
    s.dport = fc ? 80 : cport;
    s.seq = seq;
    s.ack = (flags & TS_TH_ACK) ? ack : 0;
    s.flags = flags;
    s.doff = 20;
    s.win = 65535;
    s.cksum_state = TS_CK_GOOD;
    s.payload_len = s.payload_caplen = len;
    s.payload_off = 14 + 20 + 20;
    s.caplen = s.wirelen = 54 + len;
    struct ts_event ev;
    ts_track(r->t, &s, &ev);
    ts_stats_seg(r->st, &s, ev.conn ? &ev : NULL);
}

/* a handshake with the given leg times, in microseconds */
static void handshake(struct rig *r, uint16_t cport, uint64_t t_us, uint64_t leg1,
                      uint64_t leg2)
{
    feed(r, cport, t_us, 'c', S, 1000, 0, 0);
    feed(r, cport, t_us + leg1, 's', SA, 5000, 1001, 0);
    feed(r, cport, t_us + leg1 + leg2, 'c', A, 1001, 5001, 0);
}

/* Four connections:
 *   40001  S, SA, A, FA c, FA s (acks the client's FIN), A c   -> SF, fin-ack-merged
 *   40002  S, RA s                                             -> REJ, refused
 *   40003  S, S, S (same ISN: two retransmissions)             -> S0, no close
 *   40004  S, SA, A                                            -> S1, still open
 * RTTs (syn-synack / synack-ack): 40001 10 / 2 ms, 40004 20 / 4 ms. */
static void four_conns(struct rig *r)
{
    handshake(r, 40001, 0, 10000, 2000);
    feed(r, 40001, 20000, 'c', FA, 1001, 5001, 0);
    feed(r, 40001, 21000, 's', FA, 5001, 1002, 0);
    feed(r, 40001, 22000, 'c', A, 1002, 5002, 0);

    feed(r, 40002, 100000, 'c', S, 7000, 0, 0);
    feed(r, 40002, 101000, 's', RA, 0, 7001, 0);

    feed(r, 40003, 200000, 'c', S, 9000, 0, 0);
    feed(r, 40003, 1200000, 'c', S, 9000, 0, 0);
    feed(r, 40003, 3200000, 'c', S, 9000, 0, 0);

    handshake(r, 40004, 4000000, 20000, 4000);
    ts_tracker_flush(r->t);
}

static void test_counts(void **state)
{
    (void)state;
    struct rig r;
    rig_open(&r, 0);
    four_conns(&r);
    struct ts_stats *st = r.st;

    assert_int_equal(ts_stats_conns(st), 4);
    assert_int_equal(ts_stats_role_count(st, TS_ROLE_HS1), 6); /* 1 + 1 + 3 + 1 */
    assert_int_equal(ts_stats_role_count(st, TS_ROLE_HS2), 2);
    assert_int_equal(ts_stats_role_count(st, TS_ROLE_HS3), 2);
    assert_int_equal(ts_stats_role_count(st, TS_ROLE_TD1), 1);
    assert_int_equal(ts_stats_role_count(st, TS_ROLE_TD23), 1);
    assert_int_equal(ts_stats_role_count(st, TS_ROLE_TD4), 1);
    assert_int_equal(ts_stats_role_count(st, TS_ROLE_RESET), 1);
    assert_int_equal(ts_stats_role_count(st, TS_ROLE_DATA), 0);
    assert_int_equal(ts_stats_note_count(st, TS_NOTE_RETRANS), 2);
    assert_int_equal(ts_stats_note_count(st, TS_NOTE_DUP_ACK), 0);
    assert_int_equal(ts_stats_note_count(st, 3), 0); /* not one bit */

    assert_int_equal(ts_stats_close_count(st, TS_CLOSE_MERGED), 1);
    assert_int_equal(ts_stats_close_count(st, TS_CLOSE_REFUSED), 1);
    assert_int_equal(ts_stats_close_count(st, TS_CLOSE_NONE), 2);
    assert_int_equal(ts_stats_close_count(st, TS_CLOSE_4WAY), 0);

    assert_int_equal(ts_stats_conn_state_count(st, "SF"), 1);
    assert_int_equal(ts_stats_conn_state_count(st, "REJ"), 1);
    assert_int_equal(ts_stats_conn_state_count(st, "S0"), 1);
    assert_int_equal(ts_stats_conn_state_count(st, "S1"), 1);
    assert_int_equal(ts_stats_conn_state_count(st, "OTH"), 0);
    assert_int_equal(ts_stats_conn_state_count(st, "nonsense"), 0);

    assert_int_equal(ts_stats_retrans_bucket(st, 0), 3);
    assert_int_equal(ts_stats_retrans_bucket(st, 1), 0);
    assert_int_equal(ts_stats_retrans_bucket(st, 2), 1); /* 2-3 */
    assert_int_equal(ts_stats_retrans_bucket(st, 99), 0);

    struct ts_stats_rtt_summary s;
    ts_stats_rtt_summary(st, TS_RTT_SYN_SYNACK, &s);
    assert_int_equal(s.n, 2);
    assert_true(s.exact);
    assert_int_equal(s.min_us, 10000);
    assert_int_equal(s.median_us, 10000); /* lower middle of two */
    assert_int_equal(s.p99_us, 20000);
    assert_int_equal(s.max_us, 20000);
    ts_stats_rtt_summary(st, TS_RTT_SYNACK_ACK, &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.min_us, 2000);
    assert_int_equal(s.max_us, 4000);
    ts_stats_rtt_summary(st, TS_RTT_HANDSHAKE, &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.min_us, 12000);
    assert_int_equal(s.median_us, 12000);
    assert_int_equal(s.max_us, 24000);
    rig_close(&r);
}

static void test_empty(void **state)
{
    (void)state;
    char err[64];
    struct ts_stats *st = ts_stats_new(0, err, sizeof err);
    assert_non_null(st);
    struct ts_stats_rtt_summary s;
    ts_stats_rtt_summary(st, TS_RTT_HANDSHAKE, &s);
    assert_int_equal(s.n, 0);
    assert_true(s.exact);
    assert_int_equal(s.min_us, -1);
    assert_int_equal(s.median_us, -1);
    assert_int_equal(s.p99_us, -1);
    assert_int_equal(s.max_us, -1);
    ts_stats_free(st);
    ts_stats_free(NULL);
}

/* RTT syn-synack = k ms for connection k = 1..n, fed in a shuffled order */
static void rtt_series(struct rig *r, int n)
{
    for (int i = 0; i < n; i++) {
        int k = (i * 37) % n + 1; /* 37 is prime to the n used: a permutation */
        handshake(r, (uint16_t)(20000 + i), (uint64_t)i * 1000000, (uint64_t)k * 1000, 500);
    }
    ts_tracker_flush(r->t);
}

static void test_quantiles_exact(void **state)
{
    (void)state;
    struct rig r;
    struct ts_stats_rtt_summary s;

    rig_open(&r, 0);
    rtt_series(&r, 100);
    ts_stats_rtt_summary(r.st, TS_RTT_SYN_SYNACK, &s);
    assert_int_equal(s.n, 100);
    assert_true(s.exact);
    assert_int_equal(s.min_us, 1000);
    assert_int_equal(s.median_us, 50000); /* the 50th of 100 */
    assert_int_equal(s.p99_us, 99000);    /* the 99th */
    assert_int_equal(s.max_us, 100000);
    rig_close(&r);

    rig_open(&r, 0);
    rtt_series(&r, 101);
    ts_stats_rtt_summary(r.st, TS_RTT_SYN_SYNACK, &s);
    assert_int_equal(s.n, 101);
    assert_int_equal(s.median_us, 51000); /* ceil(50.5) = 51st */
    assert_int_equal(s.p99_us, 100000);   /* ceil(99.99) = 100th */
    rig_close(&r);
}

static void test_quantiles_reservoir(void **state)
{
    (void)state;
    struct rig r;
    struct ts_stats_rtt_summary s1, s2;

    rig_open(&r, 64);
    rtt_series(&r, 1009); /* prime, so 37 permutes it */
    ts_stats_rtt_summary(r.st, TS_RTT_SYN_SYNACK, &s1);
    rig_close(&r);
    assert_int_equal(s1.n, 1009);
    assert_false(s1.exact);
    assert_int_equal(s1.min_us, 1000);    /* min and max stay exact */
    assert_int_equal(s1.max_us, 1009000);
    /* a uniform sample of 64: the median is near 505 ms, p99 near the top */
    assert_true(s1.median_us > 300000 && s1.median_us < 700000);
    assert_true(s1.p99_us > 850000);

    rig_open(&r, 64); /* the same input gives the same sample */
    rtt_series(&r, 1009);
    ts_stats_rtt_summary(r.st, TS_RTT_SYN_SYNACK, &s2);
    rig_close(&r);
    assert_int_equal(s1.median_us, s2.median_us);
    assert_int_equal(s1.p99_us, s2.p99_us);
}

static void test_untracked_and_bad(void **state)
{
    (void)state;
    char err[64];
    struct ts_stats *st = ts_stats_new(0, err, sizeof err);
    struct ts_seg s;
    memset(&s, 0, sizeof s);
    s.anomalies = TS_AN_SHORT_CAP;
    ts_stats_seg(st, &s, NULL);
    struct ts_event ev;
    memset(&ev, 0, sizeof ev); /* ev.conn NULL: untracked too */
    ts_stats_seg(st, &s, &ev);
    ts_stats_bad(st, TS_AN_TRUNC_TCP | TS_AN_SHORT_CAP);

    static struct ts_out o;
    /* static: the stream keeps their addresses (gcc -O3 warns of a
     * dangling pointer otherwise, though fclose ends that) */
    static char *buf;
    static size_t len;
    buf = NULL;
    len = 0;
    FILE *f = open_memstream(&buf, &len);
    ts_out_init(&o, f, false);
    ts_stats_render(&o, st, true);
    ts_out_flush(&o);
    fclose(f);
    assert_non_null(strstr(buf, "\"segments\":2,\"untracked\":2,\"malformed\":1,"
                                "\"connections\":0"));
    assert_non_null(strstr(buf, "\"short-capture\":3"));
    assert_non_null(strstr(buf, "\"truncated-tcp\":1"));
    assert_non_null(strstr(buf, "\"rtt_handshake\":{\"n\":0,\"min\":null,\"median\":null,"
                                "\"p99\":null,\"max\":null,\"exact\":true}"));
    free(buf);
    ts_stats_free(st);
}

static bool starts_with(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

static char *render(struct ts_stats *st, bool json)
{
    static struct ts_out o;
    /* static: the stream keeps their addresses (gcc -O3 warns of a
     * dangling pointer otherwise, though fclose ends that) */
    static char *buf;
    static size_t len;
    buf = NULL;
    len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    ts_out_init(&o, f, false);
    ts_stats_render(&o, st, json);
    ts_out_flush(&o);
    fclose(f);
    return buf;
}

static void test_render_json(void **state)
{
    (void)state;
    struct rig r;
    rig_open(&r, 0);
    four_conns(&r);
    char *j = render(r.st, true);
    /* one line, one object */
    assert_int_equal(strchr(j, '\n') - j + 1, (long)strlen(j));
    assert_true(starts_with(j, "{\"type\":\"stats\",\"segments\":14,\"untracked\":0,"
                               "\"malformed\":0,\"connections\":4,\"roles\":{\"other\":0,"
                               "\"handshake-1\":6,\"handshake-2\":2,\"handshake-3\":2,"));
    assert_non_null(strstr(j, "\"rst_reasons\":{\"refused\":1,\"abort\":0,\"stray\":0}"));
    assert_non_null(strstr(j, "\"retransmission\":2,"));
    assert_non_null(strstr(j, "\"close_kinds\":{\"none\":2,\"4-way\":0,\"fin-ack-merged\":1,"));
    assert_non_null(strstr(j, "\"closed_by\":{\"none\":2,\"client\":1,\"server\":1}"));
    assert_non_null(strstr(j, "\"conn_states\":{\"S0\":1,\"S1\":1,\"SF\":1,\"REJ\":1,\"S2\":0,"));
    assert_non_null(strstr(j, "\"end_reasons\":{\"closed\":0,\"idle\":0,\"reused\":0,"
                              "\"evicted\":0,\"end\":4,\"interrupted\":0}"));
    assert_non_null(strstr(j, "\"rtt_syn_synack\":{\"n\":2,\"min\":0.010000,\"median\":0.010000,"
                              "\"p99\":0.020000,\"max\":0.020000,\"exact\":true}"));
    assert_non_null(strstr(j, "\"rtt_handshake\":{\"n\":2,\"min\":0.012000,"));
    assert_non_null(strstr(j, "\"retransmissions\":{\"total\":2,\"max\":2,\"mean\":0.50,"
                              "\"connections_with\":1,\"per_connection\":{\"0\":3,\"1\":0,"
                              "\"2-3\":1,\"4-7\":0,\"8-15\":0,\"16-31\":0,\"32-63\":0,"
                              "\"64+\":0}}}\n"));
    free(j);
    rig_close(&r);
}

static void test_render_text(void **state)
{
    (void)state;
    struct rig r;
    rig_open(&r, 0);
    four_conns(&r);
    char *t = render(r.st, false);
    assert_true(starts_with(t, "== stats  14 segments (0 untracked)  0 malformed  "
                               "4 connections\n"));
    assert_non_null(strstr(t, "\n  roles        handshake-1 6  handshake-2 2  handshake-3 2  "
                              "teardown-1 1  teardown-4 1  teardown-2+3 1  reset 1\n"));
    assert_non_null(strstr(t, "\n  resets       refused 1\n"));
    assert_non_null(strstr(t, "\n  notes        retransmission 2\n"));
    assert_non_null(strstr(t, "\n  anomalies    -\n"));
    assert_non_null(strstr(t, "\n  close        none 2  fin-ack-merged 1  refused 1\n"));
    assert_non_null(strstr(t, "\n  conn_state   S0 1  S1 1  SF 1  REJ 1\n"));
    assert_non_null(strstr(t, "\n  rtt syn-synack n 2  min 10.000 ms  median 10.000 ms  "
                              "p99 20.000 ms  max 20.000 ms\n"));
    assert_non_null(strstr(t, "\n  retrans/conn 0:3  2-3:1  total 2  max 2  mean 0.50\n"));
    free(t);
    rig_close(&r);
}

/* a block that does not fit in what is left of the output buffer: the
 * buffer goes out first, in order */
static void test_render_buffer_full(void **state)
{
    (void)state;
    struct rig r;
    rig_open(&r, 0);
    four_conns(&r);
    static struct ts_out o;
    /* static: the stream keeps their addresses (gcc -O3 warns of a
     * dangling pointer otherwise, though fclose ends that) */
    static char *buf;
    static size_t len;
    buf = NULL;
    len = 0;
    FILE *f = open_memstream(&buf, &len);
    ts_out_init(&o, f, false);
    size_t fill = sizeof o.buf - 100;
    memset(o.buf, 'x', fill);
    o.len = fill;
    ts_stats_render(&o, r.st, true);
    ts_out_flush(&o);
    fclose(f);
    assert_false(o.write_error);
    char *j = render(r.st, true);
    assert_int_equal(len, fill + strlen(j));
    for (size_t i = 0; i < fill; i++)
        if (buf[i] != 'x')
            fail_msg("byte %zu of the earlier output changed", i);
    assert_string_equal(buf + fill, j);
    free(j);
    free(buf);
    rig_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_quantiles_exact),
        cmocka_unit_test(test_quantiles_reservoir),
        cmocka_unit_test(test_untracked_and_bad),
        cmocka_unit_test(test_render_json),
        cmocka_unit_test(test_render_text),
        cmocka_unit_test(test_render_buffer_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
