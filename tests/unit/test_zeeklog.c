/* Zeek conn.log writer: the header line for line, the uid's form, and the
 * columns of connections built from hand-made segments through the real
 * tracker.
 *
 * Expected columns come from docs/zeek-tshark-rules.md §7 (history,
 * conn_state, orig/resp bytes of Zeek for each scenario) and §5 (bytes from
 * sequence numbers, including ACKed bytes never seen; unset when the
 * duration is 0); packet counts and IP bytes are counted from the scenario
 * (every segment here is 20 bytes of IPv4 and 20 of TCP header).
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
#include "tcpshake/track.h"
#include "tcpshake/zeeklog.h"
#include "../../src/conn.h" /* white-box: builds and reads connection records */

#define T0_NS 1700000000000000000ull

#define S TS_TH_SYN
#define SA (TS_TH_SYN | TS_TH_ACK)
#define A TS_TH_ACK
#define PA (TS_TH_PSH | TS_TH_ACK)
#define FA (TS_TH_FIN | TS_TH_ACK)
#define RA (TS_TH_RST | TS_TH_ACK)

/* Zeek's conn.log columns, by position */
enum {
    F_TS, F_UID, F_OH, F_OP, F_RH, F_RP, F_PROTO, F_SERVICE, F_DURATION,
    F_OBYTES, F_RBYTES, F_STATE, F_LOCAL_O, F_LOCAL_R, F_MISSED, F_HISTORY,
    F_OPKTS, F_OIP, F_RPKTS, F_RIP, F_TUNNEL, F_CID, F_COUNT
};

/* ---- the rig: tracker -> zeeklog -> memory ---------------------------------- */

struct rig {
    struct ts_tracker *t;
    struct ts_zeeklog *z;
    FILE *f;
    char *buf;
    size_t len;
    uint16_t ipid;
};

static void on_end(void *user, const struct ts_conn *c, enum ts_end_reason why)
{
    (void)why;
    ts_zeeklog_conn(user, c);
}

static void rig_open(struct rig *r)
{
    char err[128] = "";
    r->buf = NULL;
    r->len = 0;
    r->f = open_memstream(&r->buf, &r->len);
    assert_non_null(r->f);
    r->z = ts_zeeklog_open(r->f, 0, err, sizeof err);
    assert_non_null(r->z);
    struct ts_track_cfg cfg;
    ts_track_cfg_default(&cfg);
    cfg.on_end = on_end;
    cfg.user = r->z;
    r->t = ts_tracker_new(&cfg, err, sizeof err);
    assert_non_null(r->t);
    r->ipid = 1;
}

/* flush the tracker, close the log; r->buf then holds the whole file */
static void rig_finish(struct rig *r)
{
    char err[128] = "";
    ts_tracker_flush(r->t);
    ts_tracker_free(r->t);
    assert_int_equal(ts_zeeklog_close(r->z, 0, err, sizeof err), 0);
    fclose(r->f);
}

/* segment between 198.18.0.2:cport and 198.18.0.1:sport, Ethernet + IPv4 */
static void feed(struct rig *r, uint16_t cport, uint16_t sport, uint32_t t_ms, char from,
                 uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
    struct ts_seg s;
    memset(&s, 0, sizeof s);
    struct ts_addr c = {.family = 4, .a = {198, 18, 0, 2}};
    struct ts_addr sv = {.family = 4, .a = {198, 18, 0, 1}};
    bool fc = from == 'c';
    s.t_ns = T0_NS + (uint64_t)t_ms * 1000000;
    s.ipver = 4;
    s.ttl = 64;
    s.ip_id = r->ipid++;
    s.src = fc ? c : sv;
    s.dst = fc ? sv : c;
    s.sport = fc ? cport : sport;
    s.dport = fc ? sport : cport;
    s.seq = seq;
    s.ack = (flags & TS_TH_ACK) ? ack : 0;
    s.flags = flags;
    s.doff = 20;
    s.win = 65535;
    s.cksum_state = TS_CK_GOOD;
    s.payload_len = len;
    s.payload_caplen = len > 1400 ? 0 : len;
    s.ip_off = 14;
    s.payload_off = 14 + 20 + 20;
    s.caplen = 54 + s.payload_caplen;
    s.wirelen = 54 + len;
    struct ts_event ev;
    ts_track(r->t, &s, &ev);
    ts_zeeklog_seg(r->z, TS_DLT_EN10MB, &s, &ev);
}

/* The n-th data line (0-based) split at tabs into f[F_COUNT]; the copy is
 * kept in line[].  A failed assert longjmps out, but cmocka 1.1 does not
 * declare it noreturn: so that no path leaves f[] undefined or writes past
 * line[] (scan-build followed one), every field starts empty and the copy
 * is bounded. */
static void data_line(const char *buf, int n, char *line, size_t len, char *f[F_COUNT])
{
    static char empty[] = "";
    for (int i = 0; i < F_COUNT; i++)
        f[i] = empty;
    line[0] = '\0';
    const char *p = buf;
    for (;;) {
        const char *e = strchr(p, '\n');
        assert_non_null(e);
        if (!e)
            return;
        if (*p != '#' && n-- == 0) {
            size_t l = (size_t)(e - p);
            assert_true(l < len);
            if (l >= len)
                return;
            memcpy(line, p, l);
            line[l] = '\0';
            break;
        }
        p = e + 1;
    }
    int i = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line, "\t", &save); tok && i < F_COUNT;
         tok = strtok_r(NULL, "\t", &save))
        f[i++] = tok;
    assert_int_equal(i, F_COUNT);
    assert_null(strtok_r(NULL, "\t", &save)); /* and no more */
}

static int data_lines(const char *buf)
{
    int n = 0;
    for (const char *p = buf; *p; p = strchr(p, '\n') + 1)
        n += *p != '#';
    return n;
}

/* ---- header ------------------------------------------------------------------ */

static void test_header(void **state)
{
    (void)state;
    /* Zeek's ASCII writer, line for line; #open / #close in local time */
    setenv("TZ", "UTC", 1);
    tzset();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char err[64];
    struct ts_zeeklog *z = ts_zeeklog_open(f, 1632919182, err, sizeof err);
    assert_non_null(z);
    assert_int_equal(ts_zeeklog_close(z, 1632919183, err, sizeof err), 0);
    fclose(f);
    assert_string_equal(
        buf,
        "#separator \\x09\n"
        "#set_separator\t,\n"
        "#empty_field\t(empty)\n"
        "#unset_field\t-\n"
        "#path\tconn\n"
        "#open\t2021-09-29-12-39-42\n"
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\t"
        "duration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\t"
        "missed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\t"
        "tunnel_parents\tcommunity_id\n"
        "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\t"
        "count\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\t"
        "set[string]\tstring\n"
        "#close\t2021-09-29-12-39-43\n");
    free(buf);
}

/* ---- uid ----------------------------------------------------------------------- */

static void test_uid(void **state)
{
    (void)state;
    struct ts_conn c;
    memset(&c, 0, sizeof c);
    c.id = 1;
    c.addr[0] = (struct ts_addr){.family = 4, .a = {10, 0, 0, 1}};
    c.addr[1] = (struct ts_addr){.family = 4, .a = {10, 0, 0, 2}};
    c.port[0] = 40000;
    c.port[1] = 80;
    c.t_first = T0_NS;
    char u1[TS_ZEEK_UID_LEN + 1], u2[TS_ZEEK_UID_LEN + 1], u3[TS_ZEEK_UID_LEN + 1];
    ts_zeek_uid(&c, u1);
    assert_int_equal(strlen(u1), 18);
    assert_int_equal(u1[0], 'C');
    for (int i = 1; i < 18; i++)
        assert_non_null(strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                               u1[i]));
    ts_zeek_uid(&c, u2);
    assert_string_equal(u1, u2); /* deterministic */
    c.id = 2;
    ts_zeek_uid(&c, u3);
    assert_string_not_equal(u1, u3);
    c.id = 1;
    c.t_first++;
    ts_zeek_uid(&c, u3);
    assert_string_not_equal(u1, u3);

    /* the second character is not stuck: 64 uids use many values */
    char seen[128] = {0};
    int distinct = 0;
    for (uint64_t id = 1; id <= 64; id++) {
        c.id = id;
        ts_zeek_uid(&c, u3);
        if (!seen[(unsigned char)u3[1]]++)
            distinct++;
    }
    assert_true(distinct > 20);
}

/* ---- lines ----------------------------------------------------------------------- */

/* §7 row 1: S, SA, A, PA(10) c, A s, PA(20) s, A c, FA c, FA s, A c */
static void test_sf(void **state)
{
    (void)state;
    struct rig r;
    rig_open(&r);
    feed(&r, 40000, 80, 0, 'c', S, 1000, 0, 0);
    feed(&r, 40000, 80, 1, 's', SA, 5000, 1001, 0);
    feed(&r, 40000, 80, 2, 'c', A, 1001, 5001, 0);
    feed(&r, 40000, 80, 3, 'c', PA, 1001, 5001, 10);
    feed(&r, 40000, 80, 4, 's', A, 5001, 1011, 0);
    feed(&r, 40000, 80, 5, 's', PA, 5001, 1011, 20);
    feed(&r, 40000, 80, 6, 'c', A, 1011, 5021, 0);
    feed(&r, 40000, 80, 7, 'c', FA, 1011, 5021, 0);
    feed(&r, 40000, 80, 8, 's', FA, 5021, 1012, 0);
    feed(&r, 40000, 80, 9, 'c', A, 1012, 5022, 0);
    rig_finish(&r);

    char line[1024], *f[F_COUNT];
    assert_int_equal(data_lines(r.buf), 1);
    data_line(r.buf, 0, line, sizeof line, f);
    assert_string_equal(f[F_TS], "1700000000.000000");
    assert_int_equal(strlen(f[F_UID]), 18);
    assert_string_equal(f[F_OH], "198.18.0.2");
    assert_string_equal(f[F_OP], "40000");
    assert_string_equal(f[F_RH], "198.18.0.1");
    assert_string_equal(f[F_RP], "80");
    assert_string_equal(f[F_PROTO], "tcp");
    assert_string_equal(f[F_SERVICE], "-");
    assert_string_equal(f[F_DURATION], "0.009000");
    assert_string_equal(f[F_OBYTES], "10");
    assert_string_equal(f[F_RBYTES], "20");
    assert_string_equal(f[F_STATE], "SF");
    assert_string_equal(f[F_LOCAL_O], "-");
    assert_string_equal(f[F_LOCAL_R], "-");
    assert_string_equal(f[F_MISSED], "0");
    assert_string_equal(f[F_HISTORY], "ShADadFf");
    assert_string_equal(f[F_OPKTS], "6");
    assert_string_equal(f[F_OIP], "250"); /* 6 x 40 + 10 */
    assert_string_equal(f[F_RPKTS], "4");
    assert_string_equal(f[F_RIP], "180"); /* 4 x 40 + 20 */
    assert_string_equal(f[F_TUNNEL], "-");
    /* Community ID v1 of 198.18.0.2:40000 -> 198.18.0.1:80, from Python's
     * hashlib and base64 (the spec's reference recipe) */
    assert_string_equal(f[F_CID], "1:0dvoUAi44iHQFwwitBfoVDLuk+o=");
    free(r.buf);
}

/* §7 rows 3, 4, 9 and 20, each on its own client port */
static void test_rej_s0_rsto_midstream(void **state)
{
    (void)state;
    struct rig r;
    rig_open(&r);
    /* row 3, refused: S, RA s -> Sr REJ 0/0 */
    feed(&r, 40001, 80, 0, 'c', S, 1000, 0, 0);
    feed(&r, 40001, 80, 1, 's', RA, 0, 1001, 0);
    /* row 4, S0: one SYN -> duration 0: duration and bytes unset */
    feed(&r, 40002, 80, 10, 'c', S, 2000, 0, 0);
    /* row 9: S, SA, A, PA c, A s, RA c -> ShADaR RSTO 10/0 */
    feed(&r, 40003, 80, 20, 'c', S, 3000, 0, 0);
    feed(&r, 40003, 80, 21, 's', SA, 7000, 3001, 0);
    feed(&r, 40003, 80, 22, 'c', A, 3001, 7001, 0);
    feed(&r, 40003, 80, 23, 'c', PA, 3001, 7001, 10);
    feed(&r, 40003, 80, 24, 's', A, 7001, 3011, 0);
    feed(&r, 40003, 80, 25, 'c', RA, 3011, 7001, 0);
    /* row 20, midstream from the server: PA(20) s, A c -> ^dA OTH 0/20;
     * the originator is the client (port 40004), after Zeek's flip */
    feed(&r, 40004, 80, 30, 's', PA, 9000, 4000, 20);
    feed(&r, 40004, 80, 31, 'c', A, 4000, 9020, 0);
    rig_finish(&r);

    char line[1024], *f[F_COUNT];
    assert_int_equal(data_lines(r.buf), 4);
    for (int i = 0; i < 4; i++) {
        data_line(r.buf, i, line, sizeof line, f);
        if (!strcmp(f[F_OP], "40001")) {
            assert_string_equal(f[F_STATE], "REJ");
            assert_string_equal(f[F_HISTORY], "Sr");
            assert_string_equal(f[F_DURATION], "0.001000");
            assert_string_equal(f[F_OBYTES], "0");
            assert_string_equal(f[F_RBYTES], "0");
            assert_string_equal(f[F_OPKTS], "1");
            assert_string_equal(f[F_OIP], "40");
            assert_string_equal(f[F_RPKTS], "1");
            assert_string_equal(f[F_RIP], "40");
        } else if (!strcmp(f[F_OP], "40002")) {
            assert_string_equal(f[F_STATE], "S0");
            assert_string_equal(f[F_HISTORY], "S");
            assert_string_equal(f[F_DURATION], "-");
            assert_string_equal(f[F_OBYTES], "-");
            assert_string_equal(f[F_RBYTES], "-");
            assert_string_equal(f[F_OPKTS], "1");
            assert_string_equal(f[F_RPKTS], "0");
            assert_string_equal(f[F_RIP], "0");
        } else if (!strcmp(f[F_OP], "40003")) {
            assert_string_equal(f[F_STATE], "RSTO");
            assert_string_equal(f[F_HISTORY], "ShADaR");
            assert_string_equal(f[F_OBYTES], "10");
            assert_string_equal(f[F_RBYTES], "0");
            assert_string_equal(f[F_OPKTS], "4");
            assert_string_equal(f[F_RPKTS], "2");
        } else {
            assert_string_equal(f[F_OP], "40004");
            assert_string_equal(f[F_OH], "198.18.0.2");
            assert_string_equal(f[F_RP], "80");
            assert_string_equal(f[F_STATE], "OTH");
            assert_string_equal(f[F_HISTORY], "^dA");
            assert_string_equal(f[F_OBYTES], "0");
            assert_string_equal(f[F_RBYTES], "20");
            assert_string_equal(f[F_OPKTS], "1");
            assert_string_equal(f[F_RPKTS], "1");
            assert_string_equal(f[F_RIP], "60");
        }
    }
    free(r.buf);
}

/* §5: bytes come from sequence numbers, so bytes the peer ACKed but the
 * capture never saw count */
static void test_acked_unseen_bytes(void **state)
{
    (void)state;
    struct rig r;
    rig_open(&r);
    feed(&r, 40000, 80, 0, 'c', S, 1000, 0, 0);
    feed(&r, 40000, 80, 1, 's', SA, 5000, 1001, 0);
    feed(&r, 40000, 80, 2, 'c', A, 1001, 5001, 0);
    feed(&r, 40000, 80, 3, 's', A, 5001, 1101, 0); /* 100 client bytes not captured */
    rig_finish(&r);
    char line[1024], *f[F_COUNT];
    data_line(r.buf, 0, line, sizeof line, f);
    assert_string_equal(f[F_OBYTES], "100");
    assert_string_equal(f[F_RBYTES], "0");
    free(r.buf);
}

/* more than 4 GiB one way: the 32-bit sequence space wraps; the count does not */
static void test_bytes_past_4gib(void **state)
{
    (void)state;
    struct rig r;
    rig_open(&r);
    /* six segments of 2^30 bytes: a step of 2^31 or more would not be
     * "after" in sequence-space arithmetic (RFC 9293 §3.4) */
    const uint32_t big = 0x40000000u;
    uint32_t cs = 1001;
    feed(&r, 40000, 80, 0, 'c', S, 1000, 0, 0);
    feed(&r, 40000, 80, 1, 's', SA, 5000, 1001, 0);
    feed(&r, 40000, 80, 2, 'c', A, 1001, 5001, 0);
    for (int i = 0; i < 6; i++) {
        feed(&r, 40000, 80, 3 + 2 * (uint32_t)i, 'c', PA, cs, 5001, big);
        cs += big;
        feed(&r, 40000, 80, 4 + 2 * (uint32_t)i, 's', A, 5001, cs, 0);
    }
    feed(&r, 40000, 80, 20, 'c', FA, cs, 5001, 0);
    feed(&r, 40000, 80, 21, 's', FA, 5001, cs + 1, 0);
    feed(&r, 40000, 80, 22, 'c', A, cs + 1, 5002, 0);
    rig_finish(&r);
    char line[1024], *f[F_COUNT];
    data_line(r.buf, 0, line, sizeof line, f);
    assert_string_equal(f[F_OBYTES], "6442450944"); /* 6 x 2^30 */
    assert_string_equal(f[F_RBYTES], "0");
    assert_string_equal(f[F_OPKTS], "10"); /* S, A, 6 data, FA, A */
    assert_string_equal(f[F_OIP], "6442451344"); /* 10 x 40 + 6 x 2^30 */
    free(r.buf);
}

/* Many live connections: the per-connection table grows, and lines written
 * in any order carry their own connection's IP bytes. */
static void test_table(void **state)
{
    (void)state;
    enum { N = 1000 };
    static struct ts_conn conns[N];
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char err[64];
    struct ts_zeeklog *z = ts_zeeklog_open(f, 0, err, sizeof err);
    assert_non_null(z);
    for (int i = 0; i < N; i++) {
        memset(&conns[i], 0, sizeof conns[i]);
        conns[i].id = (uint64_t)i + 1;
        conns[i].addr[0] = (struct ts_addr){.family = 4, .a = {10, 0, 0, 1}};
        conns[i].addr[1] = (struct ts_addr){.family = 4, .a = {10, 0, 0, 2}};
        conns[i].port[0] = (uint16_t)(10000 + i);
        conns[i].port[1] = 80;
    }
    /* connection i gets (i % 5) + 1 segments of 40 + i IP bytes, round robin */
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < N; i++) {
            if (round > i % 5)
                continue;
            struct ts_seg s;
            memset(&s, 0, sizeof s);
            s.ipver = 4;
            s.ip_off = 14;
            s.payload_off = 54;
            s.payload_len = (uint32_t)i;
            struct ts_event ev;
            memset(&ev, 0, sizeof ev);
            ev.conn = &conns[i];
            ev.dir = TS_C2S;
            ts_zeeklog_seg(z, TS_DLT_EN10MB, &s, &ev);
        }
    }
    for (int k = 0; k < N; k++)
        ts_zeeklog_conn(z, &conns[(k * 37) % N]); /* 37 is prime to 1000 */
    assert_int_equal(ts_zeeklog_close(z, 0, err, sizeof err), 0);
    fclose(f);

    char line[1024], *fl[F_COUNT];
    for (int k = 0; k < N; k++) {
        data_line(buf, k, line, sizeof line, fl);
        int i = atoi(fl[F_OP]) - 10000;
        assert_int_equal(i, (k * 37) % N);
        assert_int_equal(strtoull(fl[F_OIP], NULL, 10), (uint64_t)(i % 5 + 1) * (40u + (uint32_t)i));
        assert_string_equal(fl[F_RIP], "0");
    }
    free(buf);
}

static void test_ip_len(void **state)
{
    (void)state;
    struct ts_seg s;
    memset(&s, 0, sizeof s);
    s.ipver = 4;
    s.payload_len = 100;
    /* IPv4 with 8 bytes of options and 32 bytes of TCP header: 160 */
    s.ip_off = 14;
    s.payload_off = 14 + 28 + 32;
    assert_int_equal(ts_seg_ip_bytes(TS_DLT_EN10MB, &s), 160);
    /* three VLAN tags in front: the decoder's ip_off says where IP starts */
    s.ip_off = 14 + 12;
    s.payload_off = s.ip_off + 28 + 32;
    assert_int_equal(ts_seg_ip_bytes(TS_DLT_EN10MB, &s), 160);
    /* inside VXLAN in IPv4: the inner packet counts */
    s.ip_off = 14 + 20 + 8 + 8 + 14;
    s.payload_off = s.ip_off + 28 + 32;
    assert_int_equal(ts_seg_ip_bytes(TS_DLT_EN10MB, &s), 160);
    s.ipver = 6;
    s.ip_off = 20; /* Linux cooked v2, IPv6 */
    s.payload_off = 20 + 40 + 20;
    assert_int_equal(ts_seg_ip_bytes(TS_DLT_LINUX_SLL2, &s), 160);
    s.ip_off = 0;
    s.payload_off = 40 + 20;
    assert_int_equal(ts_seg_ip_bytes(TS_DLT_RAW, &s), 160);
    s.ipver = 0; /* no IP header decoded */
    assert_int_equal(ts_seg_ip_bytes(TS_DLT_RAW, &s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_uid),
        cmocka_unit_test(test_sf),
        cmocka_unit_test(test_rej_s0_rsto_midstream),
        cmocka_unit_test(test_acked_unseen_bytes),
        cmocka_unit_test(test_bytes_past_4gib),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_ip_len),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
