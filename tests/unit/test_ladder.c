/* Ladder diagrams, in the terminal and as SVG.
 *
 * The first test runs the real pipeline (libpcap, decoder, tracker) over
 * captures/client-close.pcap and compares the whole ASCII ladder with the
 * text below.  That text was checked by hand against the capture's own
 * trace (`tcpshake trace -r captures/client-close.pcap`) and docs/states.md:
 *   - times are each segment's capture time minus the first SYN's
 *     (17:04:38.798259), e.g. the delayed ACK of the FIN at .841361 is 0.043102;
 *   - flags, relative seq (with :end for payload), ack and length are those
 *     of the trace line;
 *   - a state is written beside its lifeline on the row where it changes:
 *     the sender's on the arrow's first row, the receiver's on the row where
 *     the arrow lands.  So handshake 3/3 shows ESTABLISHED on the client's
 *     first row and on the server's second row, and teardown 2/4 (sent by the
 *     server) shows CLOSE_WAIT on the server's first row and FIN_WAIT_2 on
 *     the client's second row: exactly the table in docs/states.md;
 *   - the verdict lines carry the phrases of the "== conn" line.
 * The other tests build segments and connections by hand, one property each.
 *
 * argv[1] is the captures directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpshake/capture.h"
#include "tcpshake/decode.h"
#include "tcpshake/ladder.h"
#include "tcpshake/render.h"
#include "tcpshake/svg.h"
#include "tcpshake/track.h"
#include "../../src/conn.h" /* white-box: builds and reads connection records */

static const char *captures_dir = "captures";

/* ---- helpers --------------------------------------------------------------- */

/* An output buffer writing into memory. */
struct mem {
    char *text;
    size_t len;
    FILE *f;
    struct ts_out out;
};

static struct mem *mem_open(void)
{
    struct mem *m = calloc(1, sizeof *m);
    assert_non_null(m);
    m->f = open_memstream(&m->text, &m->len);
    assert_non_null(m->f);
    ts_out_init(&m->out, m->f, false);
    return m;
}

/* flush, and return the text written so far (owned by m) */
static const char *mem_text(struct mem *m)
{
    ts_out_flush(&m->out);
    fflush(m->f);
    return m->text;
}

static void mem_close(struct mem *m)
{
    fclose(m->f);
    free(m->text);
    free(m);
}

/* columns of one line: UTF-8 code points, ANSI colour sequences excluded */
static unsigned columns(const char *s, size_t n)
{
    unsigned cols = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\033') {
            while (i < n && s[i] != 'm')
                i++;
            continue;
        }
        cols += ((unsigned char)s[i] & 0xc0) != 0x80;
    }
    return cols;
}

/* every line of text fits in width columns */
static void assert_lines_fit(const char *text, unsigned width)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        unsigned c = columns(p, n);
        if (c > width)
            fail_msg("line of %u columns > %u: %.*s", c, width, (int)n, p);
        p += n + (nl != NULL);
    }
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* ---- the real pipeline over a capture -------------------------------------- */

struct run {
    struct ts_tracker *tracker;
    struct ts_ladder *ladder;
    struct ts_svg *svg;
    struct ts_out *out;
};

static void run_on_end(void *user, const struct ts_conn *c, enum ts_end_reason why)
{
    struct run *r = user;
    if (r->ladder)
        ts_ladder_conn_end(r->ladder, r->out, c, why);
    if (r->svg)
        ts_svg_conn_end(r->svg, c, why);
}

static void run_on_frame(void *user, int dlt, uint64_t t_ns, const uint8_t *pkt,
                         uint32_t caplen, uint32_t wirelen)
{
    struct run *r = user;
    struct ts_seg s;
    struct ts_event ev;
    if (ts_decode(dlt, pkt, caplen, wirelen, true, &s) != TS_DEC_TCP)
        return;
    s.t_ns = t_ns;
    ts_track(r->tracker, &s, &ev);
    if (r->ladder)
        ts_ladder_seg(r->ladder, r->out, &s, &ev);
    if (r->svg)
        ts_svg_seg(r->svg, &s, &ev);
}

static void trace_capture(const char *name, struct run *r)
{
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/%s", captures_dir, name);
    struct ts_capture_cfg ccfg = {.file = path};
    struct ts_capture *cap = ts_capture_open(&ccfg, err, sizeof err);
    if (!cap)
        fail_msg("%s", err);
    struct ts_track_cfg tcfg;
    ts_track_cfg_default(&tcfg);
    tcfg.on_end = run_on_end;
    tcfg.user = r;
    r->tracker = ts_tracker_new(&tcfg, err, sizeof err);
    assert_non_null(r->tracker);
    volatile sig_atomic_t stop = 0;
    assert_int_equal(ts_capture_run(cap, 0, &stop, run_on_frame, r, err, sizeof err), 0);
    ts_tracker_flush(r->tracker);
    ts_tracker_free(r->tracker);
    ts_capture_close(cap);
}

static const char client_close_ascii[] =
    "conn #1  198.18.0.2:40000 -> 198.18.0.1:7777  2026-11-23 17:04:38.798259 UTC\n"
    "  time (s)      client +                                           + server\n"
    "                CLOSED |                                           | LISTEN\n"
    "  0.000000    SYN_SENT |-- [S] seq 0 len 0 --.                     |\n"
    "                       |   handshake 1/3     '-------------------->|\n"
    "  0.000057             |              .-- [S.] seq 0 ack 1 len 0 --| SYN_RCVD\n"
    "                       |<-------------'   handshake 2/3            |\n"
    "  0.000074 ESTABLISHED |-- [.] seq 1 ack 1 len 0 --.               |\n"
    "                       |   handshake 3/3           '-------------->| ESTABLISHED\n"
    "  0.000112             |-- [P.] seq 1:15 ack 1 len 14 --.          |\n"
    "                       |   data                         '--------->|\n"
    "  0.000136             |              .-- [.] seq 1 ack 15 len 0 --|\n"
    "                       |<-------------'   ack                      |\n"
    "  0.000414             |         .-- [P.] seq 1:65 ack 15 len 64 --|\n"
    "                       |<--------'   data                          |\n"
    "  0.000447             |-- [.] seq 15 ack 65 len 0 --.             |\n"
    "                       |   ack                       '------------>|\n"
    "  0.000476  FIN_WAIT_1 |-- [F.] seq 15 ack 65 len 0 --.            |\n"
    "                       |   teardown 1/4               '----------->|\n"
    "  0.043102             |             .-- [.] seq 65 ack 16 len 0 --| CLOSE_WAIT\n"
    "            FIN_WAIT_2 |<------------'   teardown 2/4              |\n"
    "  0.203337             |            .-- [F.] seq 65 ack 16 len 0 --| LAST_ACK\n"
    "                       |<-----------'   teardown 3/4               |\n"
    "  0.203368   TIME_WAIT |-- [.] seq 16 ack 66 len 0 --.             |\n"
    "                       |   teardown 4/4              '------------>| CLOSED\n"
    "             TIME_WAIT |                                           | CLOSED\n"
    "                       +                                           +\n"
    "== conn #1  close 4-way by client  0.203368 s  c2s 6 seg 14 B  s2c 5 seg 64 B\n"
    "   rtt 0.057 ms / 0.017 ms  zeek SF ShADadFf  tshark 31 (Complete, WITH_DATA)\n"
    "   [end]\n";

static void ladder_client_close_ascii(void **state)
{
    (void)state;
    struct mem *m = mem_open();
    struct ts_ladder_cfg cfg = {.utf8 = false, .color = false, .width = 80};
    struct run r = {.ladder = ts_ladder_new(&cfg), .out = &m->out};
    assert_non_null(r.ladder);
    trace_capture("client-close.pcap", &r);
    assert_string_equal(mem_text(m), client_close_ascii);
    ts_ladder_free(r.ladder);
    mem_close(m);
}

/* The same capture in UTF-8 with colour: the same drawing with box glyphs
 * and the role colours of the line view; nothing wider than asked. */
static void ladder_client_close_utf8_colour(void **state)
{
    (void)state;
    struct mem *m = mem_open();
    struct ts_ladder_cfg cfg = {.utf8 = true, .color = true, .width = 100};
    struct run r = {.ladder = ts_ladder_new(&cfg), .out = &m->out};
    trace_capture("client-close.pcap", &r);
    const char *t = mem_text(m);
    assert_lines_fit(t, 100);
    assert_non_null(strstr(t, "\033[32m\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80 [S] seq 0 len 0"));
    assert_non_null(strstr(t, "\xe2\x95\xb0")); /* ╰: a c2s arrow turns down */
    assert_non_null(strstr(t, "\xe2\x97\x84")); /* ◄: an s2c arrow lands */
    assert_non_null(strstr(t, "\033[33m")); /* teardown yellow */
    assert_non_null(strstr(t, "\033[36mCLOSE_WAIT"));
    assert_int_equal(count(t, "handshake "), 3);
    assert_int_equal(count(t, "teardown "), 4);
    /* every colour is switched off before the line ends */
    for (const char *p = t; *p;) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        const char *last = NULL;
        for (const char *q = p; q < nl; q++)
            if (*q == '\033')
                last = q;
        if (last)
            assert_memory_equal(last, "\033[0m", 4);
        p = nl + 1;
    }
    ts_ladder_free(r.ladder);
    mem_close(m);
}

/* ---- hand-built connections -------------------------------------------------- */

#define T0 1700000000000000000ull
#define MS(x) ((uint64_t)(x) * 1000000ull)

static void mkconn(struct ts_conn *c, uint64_t id, uint16_t cport)
{
    memset(c, 0, sizeof *c);
    c->id = id;
    c->addr[0].family = c->addr[1].family = 4;
    memcpy(c->addr[0].a, (uint8_t[]){10, 0, 0, 1}, 4);
    memcpy(c->addr[1].a, (uint8_t[]){10, 0, 0, 2}, 4);
    c->port[0] = cport;
    c->port[1] = 80;
    c->t_first = T0;
    c->t_last = T0;
}

/* one segment of c: flags, direction, role, states before and after */
static void mkseg(struct ts_seg *s, struct ts_event *ev, const struct ts_conn *c,
                  uint64_t t_ns, int dir, uint8_t flags, int role, uint8_t c0, uint8_t s0,
                  uint8_t c1, uint8_t s1)
{
    memset(s, 0, sizeof *s);
    memset(ev, 0, sizeof *ev);
    s->t_ns = t_ns;
    s->flags = flags;
    s->ipver = 4;
    ev->conn = c;
    ev->dir = (uint8_t)dir;
    ev->role = (uint8_t)role;
    ev->old_state[0] = c0;
    ev->old_state[1] = s0;
    ev->new_state[0] = c1;
    ev->new_state[1] = s1;
    ev->rel_ack_valid = (flags & TS_TH_ACK) != 0;
    ev->rel_ack = 1;
}

/* Two connections open at once: every arrow carries its #N from the moment
 * the second one appears; once one has ended, the other's arrows do not. */
static void ladder_interleaved_marks(void **state)
{
    (void)state;
    struct ts_conn a, b;
    mkconn(&a, 1, 1111);
    mkconn(&b, 2, 2222);
    b.t_first = T0 + MS(1);
    struct ts_seg s;
    struct ts_event ev;
    struct mem *m = mem_open();
    struct ts_ladder_cfg cfg = {.width = 80};
    struct ts_ladder *l = ts_ladder_new(&cfg);

    mkseg(&s, &ev, &a, T0, TS_C2S, TS_TH_SYN, TS_ROLE_HS1, TS_CLOSED, TS_LISTEN,
          TS_SYN_SENT, TS_LISTEN);
    ts_ladder_seg(l, &m->out, &s, &ev);
    const char *t = mem_text(m);
    assert_int_equal(count(t, "#1\n"), 0);
    assert_int_equal(count(t, "        #1 "), 0); /* alone: no mark */

    mkseg(&s, &ev, &b, T0 + MS(1), TS_C2S, TS_TH_SYN, TS_ROLE_HS1, TS_CLOSED, TS_LISTEN,
          TS_SYN_SENT, TS_LISTEN);
    ts_ladder_seg(l, &m->out, &s, &ev);
    mkseg(&s, &ev, &a, T0 + MS(2), TS_S2C, TS_TH_SYN | TS_TH_ACK, TS_ROLE_HS2, TS_SYN_SENT,
          TS_LISTEN, TS_SYN_SENT, TS_SYN_RCVD);
    ts_ladder_seg(l, &m->out, &s, &ev);
    mkseg(&s, &ev, &a, T0 + MS(3), TS_C2S, TS_TH_RST, TS_ROLE_RESET, TS_SYN_SENT,
          TS_SYN_RCVD, TS_CLOSED, TS_CLOSED);
    ev.rst_reason = TS_RST_ABORT;
    ts_ladder_seg(l, &m->out, &s, &ev);
    t = mem_text(m);
    assert_non_null(strstr(t, "\nconn #2  10.0.0.1:2222 -> 10.0.0.2:80  2023-11-14 22:13:20.001000 UTC\n"));
    /* conn #2's first arrow: two open, marked; then #1's two arrows */
    assert_int_equal(count(t, "\n        #2 "), 1);
    assert_int_equal(count(t, "\n        #1 "), 2);
    assert_non_null(strstr(t, "reset (abort, by client)"));
    /* #1's reset: its client CLOSED on the first row, the server on the second */
    assert_non_null(strstr(t, "  0.003000      CLOSED |-- [R] seq 0 len 0"));
    assert_non_null(strstr(t, "|   reset (abort, by client)"));

    a.ep[0].state = a.ep[1].state = TS_CLOSED;
    ts_ladder_conn_end(l, &m->out, &a, TS_END_CLOSED);
    t = mem_text(m);
    assert_non_null(strstr(t, "\n        #1      CLOSED |"));
    assert_non_null(strstr(t, "\n== conn #1  close none  0.000000 s"));
    assert_non_null(strstr(t, "[closed]\n"));

    size_t before = strlen(t);
    mkseg(&s, &ev, &b, T0 + MS(4), TS_S2C, TS_TH_SYN | TS_TH_ACK, TS_ROLE_HS2, TS_SYN_SENT,
          TS_LISTEN, TS_SYN_SENT, TS_SYN_RCVD);
    ts_ladder_seg(l, &m->out, &s, &ev);
    t = mem_text(m);
    /* #2 is alone now, but the block before was #1's: marked once ... */
    assert_int_equal(count(t + before, "\n        #2 "), 1);
    before = strlen(t);
    ts_ladder_seg(l, &m->out, &s, &ev);
    t = mem_text(m);
    /* ... and not again */
    assert_int_equal(count(t + before, "#2"), 0);
    assert_lines_fit(t, 80);
    ts_ladder_free(l);
    mem_close(m);
}

/* --conn N: only that connection is drawn, header, arrows and verdict. */
static void ladder_conn_filter(void **state)
{
    (void)state;
    struct ts_conn a, b;
    mkconn(&a, 1, 1111);
    mkconn(&b, 2, 2222);
    struct ts_seg s;
    struct ts_event ev;
    struct mem *m = mem_open();
    struct ts_ladder_cfg cfg = {.width = 80, .conn = 2};
    struct ts_ladder *l = ts_ladder_new(&cfg);
    mkseg(&s, &ev, &a, T0, TS_C2S, TS_TH_SYN, TS_ROLE_HS1, TS_CLOSED, TS_LISTEN,
          TS_SYN_SENT, TS_LISTEN);
    ts_ladder_seg(l, &m->out, &s, &ev);
    assert_string_equal(mem_text(m), "");
    mkseg(&s, &ev, &b, T0, TS_C2S, TS_TH_SYN, TS_ROLE_HS1, TS_CLOSED, TS_LISTEN,
          TS_SYN_SENT, TS_LISTEN);
    ts_ladder_seg(l, &m->out, &s, &ev);
    ts_ladder_conn_end(l, &m->out, &a, TS_END_FLUSH);
    ts_ladder_conn_end(l, &m->out, &b, TS_END_FLUSH);
    const char *t = mem_text(m);
    assert_int_equal(count(t, "conn #1"), 0);
    assert_int_equal(count(t, "conn #2"), 2); /* header and verdict */
    assert_int_equal(count(t, "#2\n"), 0);   /* alone: never marked */
    ts_ladder_free(l);
    mem_close(m);
}

/* Untracked segments draw nothing. */
static void ladder_untracked(void **state)
{
    (void)state;
    struct ts_seg s;
    struct ts_event ev;
    memset(&s, 0, sizeof s);
    memset(&ev, 0, sizeof ev);
    struct mem *m = mem_open();
    struct ts_ladder_cfg cfg = {0};
    struct ts_ladder *l = ts_ladder_new(&cfg);
    ts_ladder_seg(l, &m->out, &s, NULL);
    ts_ladder_seg(l, &m->out, &s, &ev);
    assert_string_equal(mem_text(m), "");
    ts_ladder_free(l);
    mem_close(m);
}

/* Widths are clamped; a label too long for the arrow is cut with an
 * ellipsis; notes wrap after a comma; nothing is wider than the width. */
static void ladder_width_and_long_text(void **state)
{
    (void)state;
    struct ts_conn a;
    mkconn(&a, 7, 1111);
    struct ts_seg s;
    struct ts_event ev;
    for (int utf8 = 0; utf8 < 2; utf8++) {
        for (unsigned w = 0; w <= 1000; w += 10) {
            struct mem *m = mem_open();
            struct ts_ladder_cfg cfg = {.width = w, .utf8 = utf8, .color = utf8};
            struct ts_ladder *l = ts_ladder_new(&cfg);
            mkseg(&s, &ev, &a, T0 + MS(1500000), TS_S2C,
                  TS_TH_FIN | TS_TH_SYN | TS_TH_RST | TS_TH_PSH | TS_TH_ACK | TS_TH_URG |
                      TS_TH_ECE | TS_TH_CWR,
                  TS_ROLE_SIMOPEN_SYNACK, TS_ESTABLISHED, TS_ESTABLISHED, TS_FIN_WAIT_1,
                  TS_ESTABLISHED);
            s.ae = 1;
            s.payload_len = 4000000000u;
            ev.rel_seq = 4294967295u;
            ev.rel_ack = 4294967295u;
            ev.notes = TS_NOTE_RETRANS | TS_NOTE_SPURIOUS | TS_NOTE_LOST_SEGMENT |
                       TS_NOTE_ACK_UNSEEN | TS_NOTE_DUP_ACK | TS_NOTE_ZERO_WINDOW_PROBE |
                       TS_NOTE_BAD_ACK | TS_NOTE_HALF_CLOSE | TS_NOTE_RST_OUT_OF_WINDOW;
            s.anomalies = TS_AN_SHORT_CAP | TS_AN_BAD_CKSUM;
            ts_ladder_seg(l, &m->out, &s, &ev);
            ts_ladder_conn_end(l, &m->out, &a, TS_END_IDLE);
            const char *t = mem_text(m);
            unsigned want = w == 0 ? TS_LADDER_WIDTH_DEFAULT
                            : w < TS_LADDER_WIDTH_MIN ? TS_LADDER_WIDTH_MIN
                            : w > TS_LADDER_WIDTH_MAX ? TS_LADDER_WIDTH_MAX
                                                      : w;
            assert_lines_fit(t, want);
            /* the server's lifeline is exactly at its column on a note row */
            assert_non_null(strstr(t, "short-capture}"));
            assert_null(strstr(t, "bad-checksum")); /* not a note here */
            assert_non_null(strstr(t, "{retransmission,"));
            assert_non_null(strstr(t, "rst-out-of-window, "));
            if (want < 120) /* the 69-column label needs a middle of 76 */
                assert_non_null(strstr(t, utf8 ? "\xe2\x80\xa6" : "~"));
            else
                assert_non_null(
                    strstr(t, "[FSRP.UEWe] seq 4294967295:3999999999 ack 4294967295 len "
                              "4000000000"));
            assert_non_null(strstr(t, "1500.000"));   /* time, 3 decimals past 1000 s */
            assert_non_null(strstr(t, "[idle]"));
            ts_ladder_free(l);
            mem_close(m);
        }
    }
}

/* Far more than the 64 KiB of struct ts_out: the buffer is emptied as it
 * fills and nothing is lost or reordered. */
static void ladder_long_connection(void **state)
{
    (void)state;
    struct ts_conn a;
    mkconn(&a, 1, 1111);
    struct ts_seg s;
    struct ts_event ev;
    struct mem *m = mem_open();
    struct ts_ladder_cfg cfg = {.width = 200, .utf8 = true};
    struct ts_ladder *l = ts_ladder_new(&cfg);
    enum { N = 3000 };
    for (unsigned i = 0; i < N; i++) {
        mkseg(&s, &ev, &a, T0 + MS(i), i % 2 ? TS_S2C : TS_C2S, TS_TH_ACK, TS_ROLE_ACK,
              TS_ESTABLISHED, TS_ESTABLISHED, TS_ESTABLISHED, TS_ESTABLISHED);
        ev.rel_seq = i;
        ts_ladder_seg(l, &m->out, &s, &ev);
    }
    const char *t = mem_text(m);
    assert_true(strlen(t) > 4 * sizeof m->out.buf);
    assert_int_equal(count(t, "\n"), 3 + 2 * N); /* header, 2 rows an arrow */
    const char *p = t;
    for (unsigned i = 0; i < N; i++) {
        char want[64];
        snprintf(want, sizeof want, "  %u.%03u000 ", i / 1000, i % 1000);
        const char *q = strstr(p, want);
        if (!q)
            fail_msg("arrow %u (%s) missing or out of order", i, want);
        p = q + 1;
    }
    ts_ladder_free(l);
    mem_close(m);
}

/* ---- SVG ------------------------------------------------------------------------ */

static char *svg_text(struct ts_svg *v, int *rc)
{
    char *buf = NULL, err[256] = "";
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    *rc = ts_svg_write(v, f, err, sizeof err);
    fclose(f);
    return buf;
}

/* The bounds hold and the page says what was left out. */
static void svg_bounds(void **state)
{
    (void)state;
    struct ts_svg_cfg cfg = {.max_conns = 2, .max_segs = 3, .title = "a<b>&\"c\""};
    struct ts_svg *v = ts_svg_new(&cfg);
    assert_non_null(v);
    struct ts_conn c[3];
    struct ts_seg s;
    struct ts_event ev;
    for (int i = 0; i < 3; i++)
        mkconn(&c[i], (uint64_t)i + 1, (uint16_t)(1000 + i));
    for (int k = 0; k < 5; k++)
        for (int i = 0; i < 3; i++) {
            mkseg(&s, &ev, &c[i], T0 + MS(k), k % 2 ? TS_S2C : TS_C2S, TS_TH_ACK,
                  TS_ROLE_ACK, TS_ESTABLISHED, TS_ESTABLISHED, TS_ESTABLISHED,
                  TS_ESTABLISHED);
            ts_svg_seg(v, &s, &ev);
        }
    for (int i = 0; i < 3; i++)
        ts_svg_conn_end(v, &c[i], TS_END_FLUSH);
    int rc;
    char *t = svg_text(v, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(t, "Only the first 2 connections are drawn; 1 more were traced"));
    assert_int_equal(count(t, "only the first 3 of 5 segments drawn"), 2);
    assert_int_equal(count(t, "<g class=\"seg ack\">"), 6 + 1); /* + the legend */
    assert_int_equal(count(t, "id=\"conn-"), 2);
    assert_null(strstr(t, "conn-3"));
    assert_non_null(strstr(t, "a&lt;b&gt;&amp;&quot;c&quot;"));
    free(t);
    ts_svg_free(v);
}

/* Time is to scale, and a gap far longer than the others is cut. */
static void svg_scale_and_cut(void **state)
{
    (void)state;
    struct ts_svg_cfg cfg = {0};
    struct ts_svg *v = ts_svg_new(&cfg);
    struct ts_conn c;
    mkconn(&c, 1, 1000);
    struct ts_seg s;
    struct ts_event ev;
    /* ten segments 10 ms apart, then one an hour later */
    for (int k = 0; k < 11; k++) {
        uint64_t t = T0 + MS(10 * k) + (k == 10 ? MS(3600000) : 0);
        mkseg(&s, &ev, &c, t, TS_C2S, TS_TH_ACK | TS_TH_PSH, TS_ROLE_DATA, TS_ESTABLISHED,
              TS_ESTABLISHED, TS_ESTABLISHED, TS_ESTABLISHED);
        s.payload_len = 100;
        ev.rel_seq = 1 + 100u * (uint32_t)k;
        ts_svg_seg(v, &s, &ev);
    }
    int rc;
    char *t = svg_text(v, &rc);
    assert_int_equal(rc, 0);
    /* 10 ms gaps at about 60 px: 5 px per ms, so 100 px = 20 ms */
    assert_non_null(strstr(t, "time scale: 100 px = 20 ms"));
    assert_int_equal(count(t, "class=\"cutlabel\""), 1);
    assert_non_null(strstr(t, ">3600.01 s cut<"));
    assert_non_null(strstr(t, "verdict: none yet (still open)"));
    assert_non_null(strstr(t, "[P.] seq 901:1001 ack 1 len 100"));
    free(t);
    ts_svg_free(v);
}

/* A write error is reported, not printed. */
static void svg_write_error(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f) {
        skip(); /* longjmps, but is not declared noreturn */
        return;
    }
    struct ts_svg_cfg cfg = {0};
    struct ts_svg *v = ts_svg_new(&cfg);
    char err[256] = "";
    assert_int_equal(ts_svg_write(v, f, err, sizeof err), -1);
    assert_non_null(strstr(err, "write failed"));
    fclose(f);
    ts_svg_free(v);
}

/* The capture's picture names every role and state change of its ladder. */
static void svg_client_close(void **state)
{
    (void)state;
    struct ts_svg_cfg cfg = {.title = "client-close.pcap"};
    struct run r = {.svg = ts_svg_new(&cfg)};
    trace_capture("client-close.pcap", &r);
    int rc;
    char *t = svg_text(r.svg, &rc);
    assert_int_equal(rc, 0);
    static const char *const want[] = {
        ">handshake 1/3<", ">handshake 2/3<", ">handshake 3/3<", ">teardown 1/4<",
        ">teardown 2/4<", ">teardown 3/4<", ">teardown 4/4<", ">SYN_SENT<", ">SYN_RCVD<",
        ">CLOSE_WAIT<", ">FIN_WAIT_2<", ">LAST_ACK<", ">TIME_WAIT<",
        "verdict: close 4-way by client, 0.203368 s", "zeek SF ShADadFf",
        "time scale: 100 px = 100 ms",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(t, want[i]))
            fail_msg("missing %s", want[i]);
    assert_int_equal(count(t, "<g class=\"seg "), 11 + 6); /* arrows + legend */
    free(t);
    ts_svg_free(r.svg);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        captures_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ladder_client_close_ascii),
        cmocka_unit_test(ladder_client_close_utf8_colour),
        cmocka_unit_test(ladder_interleaved_marks),
        cmocka_unit_test(ladder_conn_filter),
        cmocka_unit_test(ladder_untracked),
        cmocka_unit_test(ladder_width_and_long_text),
        cmocka_unit_test(ladder_long_connection),
        cmocka_unit_test(svg_bounds),
        cmocka_unit_test(svg_scale_and_cut),
        cmocka_unit_test(svg_write_error),
        cmocka_unit_test(svg_client_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
