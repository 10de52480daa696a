/* pcapng writer: the exact bytes of each block (draft-ietf-opsawg-pcapng
 * §3.1 block layout, §3.5 options, §4.1 SHB, §4.2 IDB, §4.3 EPB), option
 * padding, one IDB per link type, comment truncation, write errors; and the
 * packet comments built from hand-made events.
 *
 * Expected bytes are written out by hand from the draft, field by field,
 * little-endian (the writer's documented byte order).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpshake/fsm.h"
#include "tcpshake/pcapng.h"
#include "tcpshake/track.h"
#include "../../src/conn.h" /* white-box: builds and reads connection records */

/* ---- a memory FILE ------------------------------------------------------- */

struct mem {
    FILE *f;
    char *buf;
    size_t len;
};

static void mem_open(struct mem *m)
{
    m->buf = NULL;
    m->len = 0;
    m->f = open_memstream(&m->buf, &m->len);
    assert_non_null(m->f);
}

static void mem_close(struct mem *m)
{
    fclose(m->f);
    free(m->buf);
}

static uint32_t rd32(const char *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint16_t rd16(const char *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return (uint16_t)(b[0] | b[1] << 8);
}

/* Every block of a file: lengths agree at both ends, are multiples of 4 and
 * add up to the file; returns the number of blocks. */
static int check_blocks(const char *buf, size_t len)
{
    size_t off = 0;
    int n = 0;
    while (off < len) {
        assert_true(len - off >= 12);
        uint32_t total = rd32(buf + off + 4);
        assert_int_equal(total % 4, 0);
        assert_true(total >= 12 && total <= len - off);
        assert_int_equal(rd32(buf + off + total - 4), total);
        off += total;
        n++;
    }
    assert_int_equal(off, len);
    return n;
}

/* ---- block layout ---------------------------------------------------------- */

static const uint8_t SHB[44] = {
    0x0a, 0x0d, 0x0d, 0x0a,             /* block type */
    44, 0, 0, 0,                        /* total length */
    0x4d, 0x3c, 0x2b, 0x1a,             /* byte-order magic, little-endian */
    1, 0, 0, 0,                         /* version 1.0 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* section length: -1 */
    4, 0, 8, 0,                         /* shb_userappl, 8 bytes */
    't', 'c', 'p', 's', 'h', 'a', 'k', 'e',
    0, 0, 0, 0,                         /* opt_endofopt */
    44, 0, 0, 0,                        /* total length */
};

static const uint8_t IDB_ETH[32] = {
    1, 0, 0, 0,          /* block type */
    32, 0, 0, 0,         /* total length */
    1, 0,                /* LINKTYPE_ETHERNET */
    0, 0,                /* reserved */
    0x00, 0x00, 0x04, 0, /* snaplen 262144 */
    9, 0, 1, 0,          /* if_tsresol, 1 byte */
    9, 0, 0, 0,          /* 10^-9, padding */
    0, 0, 0, 0,          /* opt_endofopt */
    32, 0, 0, 0,         /* total length */
};

static void test_shb_alone(void **state)
{
    (void)state;
    struct mem m;
    mem_open(&m);
    char err[128];
    struct ts_pcapng *w = ts_pcapng_open(m.f, err, sizeof err);
    assert_non_null(w);
    assert_int_equal(ts_pcapng_close(w, err, sizeof err), 0);
    fflush(m.f);
    assert_int_equal(m.len, sizeof SHB);
    assert_memory_equal(m.buf, SHB, sizeof SHB);
    mem_close(&m);
}

static void test_epb_with_comment(void **state)
{
    (void)state;
    struct mem m;
    mem_open(&m);
    char err[128];
    struct ts_pcapng *w = ts_pcapng_open(m.f, err, sizeof err);
    const uint8_t pkt[5] = {0xde, 0xad, 0xbe, 0xef, 0x42};
    /* 0x12_3456789A ns: high word 0x12, low word 0x3456789A */
    assert_int_equal(ts_pcapng_write(w, 1, 0x123456789Aull, pkt, 5, 60, "abc"), 0);
    assert_int_equal(ts_pcapng_close(w, err, sizeof err), 0);
    fflush(m.f);

    static const uint8_t EPB[52] = {
        6, 0, 0, 0,             /* block type */
        52, 0, 0, 0,            /* total length */
        0, 0, 0, 0,             /* interface 0 */
        0x12, 0, 0, 0,          /* timestamp high */
        0x9a, 0x78, 0x56, 0x34, /* timestamp low */
        5, 0, 0, 0,             /* captured length */
        60, 0, 0, 0,            /* original length */
        0xde, 0xad, 0xbe, 0xef, 0x42, 0, 0, 0, /* data, padded to 8 */
        1, 0, 3, 0,             /* opt_comment, 3 bytes */
        'a', 'b', 'c', 0,       /* value, padded to 4 */
        0, 0, 0, 0,             /* opt_endofopt */
        52, 0, 0, 0,            /* total length */
    };
    assert_int_equal(m.len, sizeof SHB + sizeof IDB_ETH + sizeof EPB);
    assert_memory_equal(m.buf, SHB, sizeof SHB);
    assert_memory_equal(m.buf + sizeof SHB, IDB_ETH, sizeof IDB_ETH);
    assert_memory_equal(m.buf + sizeof SHB + sizeof IDB_ETH, EPB, sizeof EPB);
    assert_int_equal(check_blocks(m.buf, m.len), 3);
    mem_close(&m);
}

static void test_epb_padding(void **state)
{
    (void)state;
    /* captured length 0..8 and comment length 0..8: every total is a
     * multiple of 4 and matches 28 + pad(caplen) + options + 4 */
    for (uint32_t cl = 0; cl <= 8; cl++) {
        for (uint32_t ml = 0; ml <= 8; ml++) {
            struct mem m;
            mem_open(&m);
            char err[128], comment[16];
            memset(comment, 'x', ml);
            comment[ml] = '\0';
            struct ts_pcapng *w = ts_pcapng_open(m.f, err, sizeof err);
            uint8_t pkt[8] = {1, 2, 3, 4, 5, 6, 7, 8};
            assert_int_equal(ts_pcapng_write(w, 1, 0, pkt, cl, cl, comment), 0);
            assert_int_equal(ts_pcapng_close(w, err, sizeof err), 0);
            fflush(m.f);
            assert_int_equal(check_blocks(m.buf, m.len), 3);
            const char *epb = m.buf + sizeof SHB + sizeof IDB_ETH;
            uint32_t pad_cl = (cl + 3) & ~3u, pad_ml = (ml + 3) & ~3u;
            uint32_t opts = ml ? 4 + pad_ml + 4 : 0; /* no comment: no options */
            assert_int_equal(rd32(epb + 4), 28 + pad_cl + opts + 4);
            assert_memory_equal(epb + 28, pkt, cl);
            for (uint32_t i = cl; i < pad_cl; i++)
                assert_int_equal(epb[28 + i], 0);
            if (ml) {
                const char *o = epb + 28 + pad_cl;
                assert_int_equal(rd16(o), 1);
                assert_int_equal(rd16(o + 2), ml);
                assert_memory_equal(o + 4, comment, ml);
                for (uint32_t i = ml; i < pad_ml; i++)
                    assert_int_equal(o[4 + i], 0);
                assert_int_equal(rd32(o + 4 + pad_ml), 0); /* opt_endofopt */
            }
            mem_close(&m);
        }
    }
}

static void test_idb_per_link_type(void **state)
{
    (void)state;
    struct mem m;
    mem_open(&m);
    char err[128];
    struct ts_pcapng *w = ts_pcapng_open(m.f, err, sizeof err);
    ts_pcapng_set_snaplen(w, 80);
    const uint8_t pkt[4] = {0};
    assert_int_equal(ts_pcapng_write(w, 1, 1, pkt, 4, 4, NULL), 0);   /* IDB 0 */
    assert_int_equal(ts_pcapng_write(w, 276, 2, pkt, 4, 4, ""), 0);   /* IDB 1 */
    assert_int_equal(ts_pcapng_write(w, 1, 3, pkt, 4, 4, NULL), 0);   /* no IDB */
    assert_int_equal(ts_pcapng_write(w, 12, 4, pkt, 4, 4, NULL), 0);  /* IDB 2 */
    assert_int_equal(ts_pcapng_close(w, err, sizeof err), 0);
    fflush(m.f);
    assert_int_equal(check_blocks(m.buf, m.len), 1 + 3 + 4);

    /* walk: SHB, IDB(1), EPB(if 0), IDB(276), EPB(if 1), EPB(if 0), IDB(101), EPB(if 2) */
    static const struct {
        uint32_t type, val;
    } want[] = {{0x0A0D0D0A, 0}, {1, 1}, {6, 0}, {1, 276}, {6, 1}, {6, 0}, {1, 101}, {6, 2}};
    size_t off = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(rd32(m.buf + off), want[i].type);
        if (want[i].type == 1) {
            assert_int_equal(rd16(m.buf + off + 8), want[i].val);
            assert_int_equal(rd32(m.buf + off + 12), 80); /* snaplen */
        } else if (want[i].type == 6) {
            assert_int_equal(rd32(m.buf + off + 8), want[i].val);
            assert_int_equal(rd32(m.buf + off + 4), 28 + 4 + 4); /* "" = no comment */
        }
        off += rd32(m.buf + off + 4);
    }
    assert_int_equal(off, m.len);
    mem_close(&m);
}

static void test_linktype_map(void **state)
{
    (void)state;
    assert_int_equal(ts_pcapng_linktype(12), 101);  /* DLT_RAW */
    assert_int_equal(ts_pcapng_linktype(14), 101);  /* DLT_RAW on OpenBSD */
    assert_int_equal(ts_pcapng_linktype(101), 101);
    assert_int_equal(ts_pcapng_linktype(1), 1);
    assert_int_equal(ts_pcapng_linktype(0), 0);
    assert_int_equal(ts_pcapng_linktype(113), 113);
    assert_int_equal(ts_pcapng_linktype(276), 276);
}

static void test_too_many_link_types(void **state)
{
    (void)state;
    struct mem m;
    mem_open(&m);
    char err[128] = "";
    struct ts_pcapng *w = ts_pcapng_open(m.f, err, sizeof err);
    const uint8_t pkt[1] = {0};
    for (int i = 0; i < TS_PCAPNG_MAX_IFACES; i++)
        assert_int_equal(ts_pcapng_write(w, 200 + i, 0, pkt, 1, 1, NULL), 0);
    assert_int_equal(ts_pcapng_write(w, 300, 0, pkt, 1, 1, NULL), -1);
    assert_int_equal(ts_pcapng_write(w, 200, 0, pkt, 1, 1, NULL), -1); /* sticky */
    assert_int_equal(ts_pcapng_close(w, err, sizeof err), -1);
    assert_non_null(strstr(err, "link type 300"));
    mem_close(&m);
}

static void test_long_comment_cut_at_utf8(void **state)
{
    (void)state;
    /* 65534 ASCII bytes and a 3-byte arrow: 65537 bytes; the cut at 65535
     * would split the arrow, so the comment keeps 65534 bytes */
    size_t n = 65534;
    char *c = malloc(n + 4);
    assert_non_null(c);
    memset(c, 'a', n);
    memcpy(c + n, "\xe2\x86\x92", 4);
    struct mem m;
    mem_open(&m);
    char err[128];
    struct ts_pcapng *w = ts_pcapng_open(m.f, err, sizeof err);
    const uint8_t pkt[1] = {0};
    assert_int_equal(ts_pcapng_write(w, 1, 0, pkt, 1, 1, c), 0);
    assert_int_equal(ts_pcapng_close(w, err, sizeof err), 0);
    fflush(m.f);
    assert_int_equal(check_blocks(m.buf, m.len), 3);
    const char *o = m.buf + sizeof SHB + sizeof IDB_ETH + 28 + 4;
    assert_int_equal(rd16(o), 1);
    assert_int_equal(rd16(o + 2), 65534);
    free(c);
    mem_close(&m);
}

static void test_write_error(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "wb");
    if (!f) {
        skip(); /* longjmps, but is not declared noreturn */
        return;
    }
    char err[128] = "";
    struct ts_pcapng *w = ts_pcapng_open(f, err, sizeof err);
    assert_non_null(w); /* buffered: the error shows at the latest on close */
    uint8_t pkt[1500] = {0};
    for (int i = 0; i < 100; i++)
        ts_pcapng_write(w, 1, 0, pkt, sizeof pkt, sizeof pkt, "x");
    assert_int_equal(ts_pcapng_close(w, err, sizeof err), -1);
    assert_non_null(strstr(err, "No space left"));
    fclose(f);
}

/* ---- annotations ------------------------------------------------------------- */

static struct ts_conn conn1(void)
{
    struct ts_conn c;
    memset(&c, 0, sizeof c);
    c.id = 7;
    c.ep[TS_C2S].isn = 1000;
    c.ep[TS_S2C].isn = 5000;
    return c;
}

static struct ts_event event(const struct ts_conn *c, int dir, int role, uint8_t c0,
                             uint8_t c1, uint8_t s0, uint8_t s1, uint32_t notes)
{
    struct ts_event ev;
    memset(&ev, 0, sizeof ev);
    ev.conn = c;
    ev.dir = (uint8_t)dir;
    ev.role = (uint8_t)role;
    ev.old_state[0] = c0;
    ev.new_state[0] = c1;
    ev.old_state[1] = s0;
    ev.new_state[1] = s1;
    ev.notes = notes;
    return ev;
}

#define ARROW "\xe2\x86\x92"

static void test_annotation_roles(void **state)
{
    (void)state;
    struct ts_conn c = conn1();
    struct ts_seg s;
    memset(&s, 0, sizeof s);
    char buf[512];

    struct ts_event ev = event(&c, TS_C2S, TS_ROLE_HS1, TS_CLOSED, TS_SYN_SENT, TS_LISTEN,
                               TS_LISTEN, 0);
    ts_annotation(buf, sizeof buf, &s, &ev);
    assert_string_equal(buf, "#7 handshake 1/3  client CLOSED" ARROW "SYN_SENT  server LISTEN");

    ev = event(&c, TS_S2C, TS_ROLE_RESET, TS_SYN_SENT, TS_CLOSED, TS_LISTEN, TS_LISTEN, 0);
    ev.rst_reason = TS_RST_REFUSED;
    ts_annotation(buf, sizeof buf, &s, &ev);
    assert_string_equal(buf, "#7 reset (refused, by server)  client SYN_SENT" ARROW
                             "CLOSED  server LISTEN");

    ev = event(&c, TS_C2S, TS_ROLE_ACK, TS_ESTABLISHED, TS_ESTABLISHED, TS_ESTABLISHED,
               TS_ESTABLISHED, TS_NOTE_DUP_ACK | TS_NOTE_WINDOW_UPDATE);
    ev.dupack_n = 3;
    ts_annotation(buf, sizeof buf, &s, &ev);
    assert_string_equal(buf, "#7 ack  client ESTABLISHED  server ESTABLISHED  "
                             "{dup-ack #3, window-update}");
}

static void test_annotation_expected_relative(void **state)
{
    (void)state;
    struct ts_conn c = conn1();
    struct ts_seg s;
    memset(&s, 0, sizeof s);
    char buf[512];
    /* a SYN+ACK from the server whose ack should be client ISN + 1 = 1001:
     * relative to the client's ISN, 1 */
    struct ts_event ev = event(&c, TS_S2C, TS_ROLE_HS2, TS_SYN_SENT, TS_SYN_SENT, TS_LISTEN,
                               TS_SYN_RCVD, TS_NOTE_BAD_ACK);
    ev.expected = 1001;
    ts_annotation(buf, sizeof buf, &s, &ev);
    assert_string_equal(buf, "#7 handshake 2/3  client SYN_SENT  server LISTEN" ARROW
                             "SYN_RCVD  {bad-ack (expected 1)}");
    /* a server FIN whose seq should be 5000 + 65: relative to the server's */
    ev = event(&c, TS_S2C, TS_ROLE_TD3, TS_FIN_WAIT_2, TS_FIN_WAIT_2, TS_CLOSE_WAIT,
               TS_LAST_ACK, TS_NOTE_BAD_SEQ);
    ev.expected = 5065;
    ts_annotation(buf, sizeof buf, &s, &ev);
    assert_string_equal(buf, "#7 teardown 3/4  client FIN_WAIT_2  server CLOSE_WAIT" ARROW
                             "LAST_ACK  {bad-seq (expected 65)}");
}

static void test_annotation_untracked_and_anomalies(void **state)
{
    (void)state;
    struct ts_seg s;
    memset(&s, 0, sizeof s);
    char buf[512];
    s.cksum_state = TS_CK_BAD;
    s.anomalies = TS_AN_BAD_CKSUM | TS_AN_SHORT_CAP;
    size_t n = ts_annotation(buf, sizeof buf, &s, NULL);
    assert_int_equal(n, strlen(buf));
    assert_string_equal(buf, "{short-capture, bad-checksum}");

    /* tracked with a bad checksum: the note says it, the anomaly is not repeated */
    struct ts_conn c = conn1();
    struct ts_event ev = event(&c, TS_C2S, TS_ROLE_DATA, TS_ESTABLISHED, TS_ESTABLISHED,
                               TS_ESTABLISHED, TS_ESTABLISHED, TS_NOTE_BAD_CKSUM);
    ts_annotation(buf, sizeof buf, &s, &ev);
    assert_string_equal(buf, "#7 data  client ESTABLISHED  server ESTABLISHED  "
                             "{bad-checksum, short-capture}");

    /* nothing to say */
    memset(&s, 0, sizeof s);
    assert_int_equal(ts_annotation(buf, sizeof buf, &s, NULL), 0);
    assert_string_equal(buf, "");
}

static void test_annotation_truncates_like_snprintf(void **state)
{
    (void)state;
    struct ts_conn c = conn1();
    struct ts_seg s;
    memset(&s, 0, sizeof s);
    struct ts_event ev = event(&c, TS_C2S, TS_ROLE_HS1, TS_CLOSED, TS_SYN_SENT, TS_LISTEN,
                               TS_LISTEN, 0);
    char full[256], small[10];
    size_t need = ts_annotation(full, sizeof full, &s, &ev);
    assert_int_equal(need, strlen(full));
    assert_int_equal(ts_annotation(small, sizeof small, &s, &ev), need);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_memory_equal(small, full, sizeof small - 1);
    assert_int_equal(ts_annotation(NULL, 0, &s, &ev), need);
}

static void test_annotation_bad(void **state)
{
    (void)state;
    char buf[128];
    ts_annotation_bad(buf, sizeof buf, TS_AN_TRUNC_TCP | TS_AN_TRUNC_LINK, "malformed");
    assert_string_equal(buf, "[malformed, truncated-link, truncated-tcp]");
    ts_annotation_bad(buf, sizeof buf, 0, "ip fragment, not first");
    assert_string_equal(buf, "[ip fragment, not first]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shb_alone),
        cmocka_unit_test(test_epb_with_comment),
        cmocka_unit_test(test_epb_padding),
        cmocka_unit_test(test_idb_per_link_type),
        cmocka_unit_test(test_linktype_map),
        cmocka_unit_test(test_too_many_link_types),
        cmocka_unit_test(test_long_comment_cut_at_utf8),
        cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_annotation_roles),
        cmocka_unit_test(test_annotation_expected_relative),
        cmocka_unit_test(test_annotation_untracked_and_anomalies),
        cmocka_unit_test(test_annotation_truncates_like_snprintf),
        cmocka_unit_test(test_annotation_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
