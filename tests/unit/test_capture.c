/* ts_capture on savefiles: the block reader (src/capture/pcapread.c) must hand over
 * exactly what libpcap's own read loop does -- the same records, bytes,
 * lengths and time stamps, the same end, the same error -- with a filter,
 * with a count, and when it has to give way to libpcap midway (a record
 * longer than the snapshot, odd time stamps, a file cut short, another
 * byte order).  The oracle is libpcap itself, read directly here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "tcpshake/capture.h"

/* ---- what a reader handed over ------------------------------------------ */

struct rec {
    uint64_t t_ns;
    uint32_t caplen, wirelen;
    uint64_t sum; /* FNV-1a of the bytes */
    int dlt;
};

struct got {
    struct rec *r;
    size_t n, cap;
    int rc;
    char err[512];
};

static uint64_t fnv(const uint8_t *p, uint32_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static void add(struct got *g, int dlt, uint64_t t, const uint8_t *p, uint32_t caplen,
                uint32_t wirelen)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 256;
        g->r = realloc(g->r, g->cap * sizeof *g->r);
        assert_non_null(g->r);
    }
    g->r[g->n++] = (struct rec){t, caplen, wirelen, fnv(p, caplen), dlt};
}

static void on_rec(void *user, int dlt, uint64_t t, const uint8_t *p, uint32_t caplen,
                   uint32_t wirelen)
{
    add(user, dlt, t, p, caplen, wirelen);
}

/* The oracle: libpcap's read loop, nanosecond time stamps. */
static struct got *oracle;
static int oracle_dlt;
static void on_pcap(u_char *u, const struct pcap_pkthdr *h, const u_char *p)
{
    (void)u;
    /* a classic pcap's seconds are unsigned 32 bits; libpcap sign-extends
     * them into time_t (issue 15: times from 2038 on) */
    uint64_t sec = (uint64_t)(uint32_t)h->ts.tv_sec;
    add(oracle, oracle_dlt, sec * 1000000000u + (uint64_t)h->ts.tv_usec, p, h->caplen,
        h->len);
}

static void read_pcap(const char *path, const char *filter, int count, struct got *g)
{
    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
    assert_non_null(p);
    if (filter) {
        struct bpf_program prog;
        assert_int_equal(pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN), 0);
        assert_int_equal(pcap_setfilter(p, &prog), 0);
        pcap_freecode(&prog);
    }
    oracle = g;
    oracle_dlt = pcap_datalink(p);
    int rc = pcap_loop(p, count, on_pcap, NULL);
    g->rc = rc == PCAP_ERROR ? -1 : 0;
    if (rc == PCAP_ERROR) {
        /* as ts_capture words it */
        snprintf(g->err, sizeof g->err, "read: %s", pcap_geterr(p));
        size_t n = strlen(g->err);
        while (n && (g->err[n - 1] == '\n' || g->err[n - 1] == ' '))
            g->err[--n] = '\0';
    }
    pcap_close(p);
}

static uint64_t read_capture(const char *path, const char *filter, uint64_t count, struct got *g)
{
    struct ts_capture_cfg cfg = {.file = path, .filter = filter};
    char err[512];
    struct ts_capture *c = ts_capture_open(&cfg, err, sizeof err);
    assert_non_null(c);
    g->rc = ts_capture_run(c, count, NULL, on_rec, g, g->err, sizeof g->err);
    uint64_t block = ts_capture_block_records(c);
    ts_capture_close(c);
    return block;
}

/* Both readers agree; returns how many records the block reader took. */
static uint64_t same(const char *path, const char *filter, uint64_t count)
{
    struct got a = {0}, b = {0};
    read_pcap(path, filter, count ? (int)count : -1, &a);
    uint64_t block = read_capture(path, filter, count, &b);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) {
        const struct rec *x = &a.r[i], *y = &b.r[i];
        if (x->t_ns != y->t_ns || x->caplen != y->caplen || x->wirelen != y->wirelen ||
            x->sum != y->sum || x->dlt != y->dlt)
            fail_msg("%s: record %zu differs: t %llu/%llu caplen %u/%u len %u/%u", path, i,
                     (unsigned long long)a.r[i].t_ns, (unsigned long long)b.r[i].t_ns,
                     a.r[i].caplen, b.r[i].caplen, a.r[i].wirelen, b.r[i].wirelen);
    }
    assert_int_equal(a.rc, b.rc);
    if (a.rc < 0)
        assert_string_equal(a.err, b.err);
    free(a.r);
    free(b.r);
    return block;
}

/* ---- writing savefiles ------------------------------------------------- */

static char dir[] = "/tmp/tcpshake-test-capture-XXXXXX";
static char path[256];

struct pf {
    FILE *f;
    bool swap;
};

static uint32_t sw32(uint32_t v, bool swap)
{
    return swap ? __builtin_bswap32(v) : v;
}

static void put32(struct pf *w, uint32_t v)
{
    v = sw32(v, w->swap);
    assert_int_equal(fwrite(&v, 4, 1, w->f), 1);
}

static struct pf pf_open(const char *name, bool nano, bool swap, uint32_t snaplen,
                         uint32_t linktype)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct pf w = {fopen(path, "wb"), swap};
    assert_non_null(w.f);
    put32(&w, nano ? 0xa1b23c4du : 0xa1b2c3d4u);
    uint16_t ver[2] = {2, 4};
    if (swap) {
        ver[0] = __builtin_bswap16(ver[0]);
        ver[1] = __builtin_bswap16(ver[1]);
    }
    assert_int_equal(fwrite(ver, 2, 2, w.f), 2);
    put32(&w, 0);
    put32(&w, 0);
    put32(&w, snaplen);
    put32(&w, linktype);
    return w;
}

/* An Ethernet/IPv4/TCP frame of `caplen` bytes (at least 54), ports and
 * payload byte from `k`. */
static void frame(uint8_t *b, uint32_t caplen, uint32_t k)
{
    memset(b, (int)(k & 0xff), caplen);
    static const uint8_t eth[14] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00};
    memcpy(b, eth, 14);
    uint8_t *ip = b + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    uint16_t tot = (uint16_t)(caplen - 14);
    ip[2] = (uint8_t)(tot >> 8);
    ip[3] = (uint8_t)tot;
    ip[8] = 64;
    ip[9] = 6;
    ip[12] = 198, ip[13] = 18, ip[14] = 0, ip[15] = 1;
    ip[16] = 198, ip[17] = 18, ip[18] = 0, ip[19] = 2;
    uint8_t *tcp = ip + 20;
    memset(tcp, 0, 20);
    uint16_t sport = (uint16_t)(1024 + k % 7), dport = k % 3 ? 80 : 443;
    tcp[0] = (uint8_t)(sport >> 8), tcp[1] = (uint8_t)sport;
    tcp[2] = (uint8_t)(dport >> 8), tcp[3] = (uint8_t)dport;
    tcp[12] = 0x50;
    tcp[13] = 0x18;
}

static void rec(struct pf *w, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t wirelen,
                uint32_t k)
{
    static uint8_t b[300000];
    frame(b, caplen < 54 ? 54 : caplen, k);
    put32(w, sec);
    put32(w, frac);
    put32(w, caplen);
    put32(w, wirelen);
    assert_int_equal(fwrite(b, 1, caplen, w->f), caplen);
}

/* n plain records of lengths 54..snaplen */
static void plain(struct pf *w, uint32_t n, uint32_t snaplen, bool nano, uint32_t seed)
{
    uint32_t x = seed;
    for (uint32_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t caplen = 54 + (x >> 8) % (snaplen - 53);
        rec(w, 1700000000u + i, nano ? (x >> 3) % 1000000000u : (x >> 3) % 1000000u, caplen,
            caplen + (x & 1) * 100, i);
    }
}

static void pf_close(struct pf *w)
{
    assert_int_equal(fclose(w->f), 0);
}

/* ---- the cases -------------------------------------------------------- */

/* Many records across many blocks (records straddle block edges). */
static void test_plain_micro_and_nano(void **state)
{
    (void)state;
    for (int nano = 0; nano < 2; nano++) {
        struct pf w = pf_open("plain.pcap", nano, false, 1514, 1);
        plain(&w, 6000, 1514, nano, 7u + (uint32_t)nano);
        pf_close(&w);
        assert_int_equal(same(path, NULL, 0), 6000);
    }
}

/* Jumbo records: snapshot 262144, records of up to that. */
static void test_big_records(void **state)
{
    (void)state;
    struct pf w = pf_open("big.pcap", false, false, 262144, 1);
    for (uint32_t i = 0; i < 40; i++)
        rec(&w, 1700000000u, i, i % 2 ? 262144 : 100000 + i * 997, 262144, i);
    pf_close(&w);
    assert_int_equal(same(path, NULL, 0), 40);
}

/* A filter, and a count, as libpcap applies them. */
static void test_filter_and_count(void **state)
{
    (void)state;
    struct pf w = pf_open("filter.pcap", false, false, 1514, 1);
    plain(&w, 3000, 1514, false, 3);
    pf_close(&w);
    assert_true(same(path, "tcp dst port 443", 0) > 0);
    assert_true(same(path, "len > 700 and tcp src port 1027", 0) > 0);
    assert_int_equal(same(path, NULL, 17), 17);
    assert_true(same(path, "tcp dst port 80", 100) > 0);
}

/* Seconds from 2038-01-19 on (above INT32_MAX): the block reader reads them
 * as the format's unsigned 32 bits, and so does the libpcap path. */
static void test_after_2038(void **state)
{
    (void)state;
    struct pf w = pf_open("after-2038", false, false, 1514, 1);
    plain(&w, 10, 1514, false, 11);
    rec(&w, 0x80000001u, 5, 60, 60, 99);
    rec(&w, 0xfffffff0u, 999999, 60, 60, 98);
    plain(&w, 10, 1514, false, 12);
    pf_close(&w);
    assert_int_equal(same(path, NULL, 0), 22); /* all by the block reader */
    struct got g = {0};
    read_capture(path, NULL, 0, &g);
    assert_int_equal(g.n, 22);
    assert_true(g.r[10].t_ns == 0x80000001ull * 1000000000u + 5000u);
    assert_true(g.r[11].t_ns == 0xfffffff0ull * 1000000000u + 999999000u);
    free(g.r);
}

/* Records libpcap treats specially: the block reader gives way at the
 * first, and libpcap reads the rest. */
static void test_gives_way(void **state)
{
    (void)state;
    struct {
        const char *name;
        uint32_t sec, frac, caplen, wirelen;
    } odd[] = {
        {"over-snaplen", 1700000000u, 5, 2000, 2000},  /* caplen > snaplen 1514 */
        {"usec-overflow", 1700000000u, 1000000u, 60, 60},
        {"usec-huge", 1700000000u, 0xfffffff0u, 60, 60},
        {"caplen-huge", 1700000000u, 5, 300000, 300000}, /* libpcap: an error */
    };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        struct pf w = pf_open(odd[i].name, false, false, 1514, 1);
        plain(&w, 500, 1514, false, 11);
        rec(&w, odd[i].sec, odd[i].frac, odd[i].caplen, odd[i].wirelen, 99);
        plain(&w, 500, 1514, false, 12);
        pf_close(&w);
        assert_int_equal(same(path, NULL, 0), 500);
        /* a count and a filter carry over to libpcap */
        assert_int_equal(same(path, NULL, 700), 500);
        assert_int_equal(same(path, NULL, 300), 300);
        assert_true(same(path, "tcp dst port 443", 0) < 500);
    }
}

/* A file cut short, in a record header or in a record's bytes: libpcap's
 * message, after every whole record. */
static void test_truncated(void **state)
{
    (void)state;
    struct pf w = pf_open("whole.pcap", false, false, 1514, 1);
    plain(&w, 2000, 1514, false, 5);
    pf_close(&w);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    uint8_t *all = malloc((size_t)size);
    fseek(f, 0, SEEK_SET);
    assert_int_equal(fread(all, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    long cuts[] = {size - 1, size - 40, 24 + 7, 24 + 16 + 3, size / 2, 24};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        snprintf(path, sizeof path, "%s/cut.pcap", dir);
        f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(all, 1, (size_t)cuts[i], f), (size_t)cuts[i]);
        fclose(f);
        same(path, NULL, 0);
    }
    free(all);
}

/* Another byte order, and other link types: the same records. */
static void test_swapped_and_linktypes(void **state)
{
    (void)state;
    struct pf w = pf_open("swapped.pcap", false, true, 1514, 1);
    plain(&w, 300, 1514, false, 9);
    pf_close(&w);
    assert_int_equal(same(path, NULL, 0), 0); /* libpcap reads it all */
    /* LINKTYPE_RAW (101) is DLT_RAW (12 here): the link type libpcap names */
    w = pf_open("raw.pcap", true, false, 1514, 101);
    plain(&w, 300, 1514, true, 10);
    pf_close(&w);
    assert_int_equal(same(path, NULL, 0), 300);
    /* USB (LINKTYPE_USB_LINUX_MMAPPED, 220): libpcap rewrites its records'
     * lengths, so it reads them all itself */
    w = pf_open("usb.pcap", false, false, 1514, 220);
    plain(&w, 50, 1514, false, 13);
    pf_close(&w);
    assert_int_equal(same(path, NULL, 0), 0);
}

/* Random files: random record lengths, time stamps and snapshot lengths,
 * a few odd records anywhere, cut at a random place; both readers agree on
 * every one (the seed is fixed, so a failure can be replayed). */
static void test_random_files(void **state)
{
    (void)state;
    uint32_t x = 20261124;
#define RND() (x = x * 1103515245u + 12345u, x >> 8)
    uint64_t block = 0;
    for (int file = 0; file < 300; file++) {
        static const uint32_t snaps[] = {60, 96, 128, 1514, 65535, 262144};
        uint32_t snap = snaps[RND() % 6];
        bool nano = RND() % 3 == 0;
        struct pf w = pf_open("random.pcap", nano, false, snap, RND() % 5 ? 1 : 101);
        uint32_t n = RND() % 60;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t caplen = 54 + RND() % (snap > 54 ? snap - 53 : 1);
            uint32_t sec = 1700000000u + i, frac = RND() % (nano ? 1000000000u : 1000000u);
            uint32_t wirelen = caplen + RND() % 3 * 700;
            switch (RND() % 40) {
            case 0: sec = 0x80000000u + RND() % 1000; break;
            case 1: frac = nano ? 1000000000u : 1000000u + RND() % 1000; break;
            case 2: caplen = snap + 1 + RND() % 100; break;
            case 3: caplen = RND() % 54; break;
            case 4: wirelen = 0; break;
            default: break;
            }
            rec(&w, sec, frac, caplen, wirelen, RND());
        }
        long size = ftell(w.f);
        pf_close(&w);
        if (RND() % 3 == 0 && size > 24)
            assert_int_equal(truncate(path, 24 + (long)(RND() % (uint32_t)(size - 24))), 0);
        const char *filters[] = {NULL, NULL, "tcp dst port 443", "greater 300"};
        const char *filter = filters[RND() % 4];
        block += same(path, filter, RND() % 4 == 0 ? 1 + RND() % 30 : 0);
    }
#undef RND
    assert_true(block > 1000); /* the block reader did take records */
}

/* Empty: a header and no records. */
static void test_empty(void **state)
{
    (void)state;
    struct pf w = pf_open("empty.pcap", false, false, 65535, 1);
    pf_close(&w);
    assert_int_equal(same(path, NULL, 0), 0);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"plain.pcap", "big.pcap", "filter.pcap", "over-snaplen", "after-2038",
                           "usec-overflow", "usec-huge", "caplen-huge",
                           "whole.pcap", "cut.pcap", "swapped.pcap", "raw.pcap", "usb.pcap", "random.pcap",
                           "empty.pcap"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    return rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_micro_and_nano),
        cmocka_unit_test(test_big_records),
        cmocka_unit_test(test_filter_and_count),
        cmocka_unit_test(test_gives_way),
        cmocka_unit_test(test_after_2038),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_swapped_and_linktypes),
        cmocka_unit_test(test_random_files),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
