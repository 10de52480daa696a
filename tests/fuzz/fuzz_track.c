/* libFuzzer target for the tracker: the input is a sequence of segments,
 * fed to ts_track on one tracker; after each, ts_tracker_check must find the
 * table consistent (counts, hash chains, LRU lists, every connection's
 * states valid RFC 9293 states, on the list its states call for).  At the
 * end every connection is flushed, and every verdict must name a
 * connection the tracker created, exactly once.
 *
 * Layout.  Byte 0 configures the tracker: max_conns 1, 2, 3, 4, 8, 16, 100
 * or 1000 (bits 0-2), short or default timeouts (bit 3), keyed on the inner
 * tuple alone (bit 4).  Then 9 bytes per segment:
 *   0  bits 0-1: which of four tuples (the last is IPv6); bit 2: sent by
 *      the server; bits 3-4: ISN epoch (a new incarnation: each tuple side
 *      has four ISNs, far apart); bit 5: bad checksum; bit 6: the same
 *      IPv4 id as the sender's last (with bit 7: also the same checksum:
 *      an exact duplicate); bit 7: a tunnel key
 *   1  TCP flags (all eight bits)
 *   2  seq: sender's ISN + this (signed; times 8 when bit 2 of byte 7)
 *   3  ack: receiver's ISN + this (signed; times 8 when bit 3 of byte 7)
 *   4  window: this << 8 | this (0 is a zero window)
 *   5  payload length: this, times 16 when bit 4 of byte 7
 *   6  time step: bits 0-5 a value, bits 6-7 its unit (us, ms, s, 4096 s:
 *      the last passes any idle timeout, and a few of them a clock jump)
 *   7  bits 0-1: window scale option (none, 0, 7, 14) on a SYN;
 *      bit 5: time goes back by the step instead; bit 6: flush now;
 *      bit 7: expire by the clock now
 *   8  added to the tuple's client port: up to 1024 tuples, enough for the
 *      tracker to squeeze SYN-only connections into their compact form
 *      (after 64 newer ones) and to evict among many
 * Relative numbers make deep states reachable: the fuzzer need not find
 * 32-bit values that agree, only small offsets from each side's ISN.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpshake/track.h"
#include "../../src/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEGS 4096
#define SEG 9 /* bytes per segment */

struct ledger {
    uint64_t created; /* highest connection id seen in an event */
    uint64_t ended;   /* verdicts */
    uint8_t *done;    /* [id]: verdict given */
    size_t cap;
};

static void fail(const char *what, unsigned long long n)
{
    fprintf(stderr, "fuzz_track: %s (%llu)\n", what, n);
    abort();
}

static void on_end(void *user, const struct ts_conn *c, enum ts_end_reason why)
{
    struct ledger *l = user;
    if (!c)
        fail("verdict without a connection", 0);
    if (c->id == 0 || c->id > l->created)
        fail("verdict for a connection never seen", c->id);
    if (l->done[c->id])
        fail("second verdict for a connection", c->id);
    l->done[c->id] = 1;
    l->ended++;
    if ((unsigned)why > TS_END_FLUSH)
        fail("bad end reason", why);
    for (int d = 0; d < 2; d++)
        if (c->ep[d].state >= TS_STATE_COUNT)
            fail("verdict with an invalid state", c->ep[d].state);
    if (c->close_kind > TS_CLOSE_FIN_ONLY || c->rst_reason > TS_RST_STRAY || c->closed_by > 2)
        fail("verdict with an invalid close", c->id);
    if (ts_close_kind_name(c->close_kind) == NULL || ts_end_reason_name(why) == NULL)
        fail("verdict without a name", c->id);
}

static void tuple(unsigned k, unsigned port, bool from_server, struct ts_seg *s)
{
    struct ts_addr cl = {0}, sv = {0};
    uint16_t cport = (uint16_t)(40000 + k * 256 + port), sport = k == 2 ? 40000 : 80;
    if (k == 3) {
        cl.family = sv.family = 6;
        const uint8_t pfx[4] = {0x20, 0x01, 0x0d, 0xb8}; /* 2001:db8:: */
        memcpy(cl.a, pfx, 4);
        memcpy(sv.a, pfx, 4);
        cl.a[15] = 2;
        sv.a[15] = 1;
    } else {
        cl.family = sv.family = 4;
        memcpy(cl.a, (const uint8_t[]){198, 18, 0, 2}, 4);
        memcpy(sv.a, (const uint8_t[]){198, 18, 0, 1}, 4);
    }
    s->ipver = cl.family;
    s->src = from_server ? sv : cl;
    s->dst = from_server ? cl : sv;
    s->sport = from_server ? sport : cport;
    s->dport = from_server ? cport : sport;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct ledger led = {0};
    led.cap = size / SEG + 2;
    if (led.cap > MAX_SEGS + 2)
        led.cap = MAX_SEGS + 2;
    led.done = calloc(led.cap, 1);
    if (!led.done)
        return 0;

    struct ts_track_cfg cfg;
    ts_track_cfg_default(&cfg);
    static const uint32_t max_conns[8] = {1, 2, 3, 4, 8, 16, 100, 1000};
    cfg.max_conns = max_conns[data[0] & 7u];
    if (data[0] & 8) {
        cfg.time_wait_ns = 2000000000ull; /* 2 s */
        cfg.idle_ns = 30ull * 1000000000ull;
    }
    cfg.inner_only = (data[0] & 16) != 0;
    cfg.on_end = on_end;
    cfg.user = &led;
    char err[256];
    struct ts_tracker *t = ts_tracker_new(&cfg, err, sizeof err);
    if (!t)
        fail("ts_tracker_new", 0);

    /* per tuple and side: four ISNs, one per incarnation, and the last
     * IPv4 id and checksum (for duplicates) */
    uint16_t last_id[4][2] = {{0}}, last_ck[4][2] = {{0}};
    uint64_t now = 1700000000ull * 1000000000ull;
    static const uint64_t unit[4] = {1000ull, 1000000ull, 1000000000ull,
                                     4096ull * 1000000000ull};
    size_t nseg = 0;
    for (size_t off = 1; off + SEG <= size && nseg < MAX_SEGS; off += SEG, nseg++) {
        const uint8_t *b = data + off;
        unsigned k = b[0] & 3u, side = (b[0] >> 2) & 1u, epoch = (b[0] >> 3) & 3u;
        struct ts_seg s;
        memset(&s, 0, sizeof s);
        tuple(k, b[8], side, &s);
        uint32_t isn_c = 0x10000000u * (epoch * 4 + 1) + k * 0x01000000u - 0x100u;
        uint32_t isn_s = 0xf0000000u - 0x20000000u * epoch + k * 0x00100000u;
        uint32_t isn_snd = side ? isn_s : isn_c, isn_rcv = side ? isn_c : isn_s;
        int32_t ds = (int8_t)b[2], da = (int8_t)b[3];
        if (b[7] & 4)
            ds *= 8;
        if (b[7] & 8)
            da *= 8;
        s.seq = isn_snd + (uint32_t)ds;
        s.flags = b[1];
        s.ack = (s.flags & TS_TH_ACK) ? isn_rcv + (uint32_t)da : 0;
        s.win = (uint16_t)(b[4] << 8 | b[4]);
        s.payload_len = s.payload_caplen = b[5] * ((b[7] & 16) ? 16u : 1u);
        s.doff = 20;
        s.ttl = 64;
        uint32_t iph = s.ipver == 4 ? 20 : 40;
        s.payload_off = 14 + iph + 20;
        s.caplen = s.wirelen = s.payload_off + s.payload_len;
        s.cksum = (uint16_t)(nseg * 40503u);
        s.ip_id = s.ipver == 4 ? (uint16_t)(nseg + 1) : 0;
        if (b[0] & 64) {
            s.ip_id = last_id[k][side];
            if (b[0] & 128)
                s.cksum = last_ck[k][side];
        }
        last_id[k][side] = s.ip_id;
        last_ck[k][side] = s.cksum;
        s.cksum_state = (b[0] & 32) ? TS_CK_BAD : TS_CK_GOOD;
        if ((b[0] & 128) && !(b[0] & 64)) {
            s.ntun = 1;
            s.tun[0].type = TS_TUN_VXLAN;
            s.tun[0].flags = TS_TUNF_ID | TS_TUNF_KEY;
            s.tun[0].id = 42;
            s.tun_key = 0x9e3779b9u;
        }
        if ((s.flags & TS_TH_SYN) && (b[7] & 3)) {
            static const uint8_t ws[4] = {0, 0, 7, 14};
            s.opt.present |= TS_HAS_WSCALE;
            s.opt.wscale = ws[b[7] & 3];
            s.doff = 24;
        }
        uint64_t step = (b[6] & 63u) * unit[b[6] >> 6];
        if (b[7] & 32)
            now = now > step ? now - step : 0;
        else
            now += step;
        s.t_ns = now;

        if (b[7] & 64)
            ts_tracker_flush(t);
        if (b[7] & 128)
            ts_tracker_expire(t, now);

        struct ts_event ev;
        ts_track(t, &s, &ev);
        if (ev.conn) {
            if (ev.conn_id != ev.conn->id || ev.conn_id == 0)
                fail("event's conn_id is not its connection's", ev.conn_id);
            if (ev.conn_id > led.created) {
                if (ev.conn_id != led.created + 1)
                    fail("connection ids not consecutive", ev.conn_id);
                led.created = ev.conn_id;
            }
            if (led.done[ev.conn_id])
                fail("event for a connection already ended", ev.conn_id);
        } else if (ev.conn_id != 0) {
            fail("untracked event with a conn_id", ev.conn_id);
        }
        if (ev.role >= TS_ROLE_COUNT || ev.dir > 1)
            fail("event with a bad role or direction", ev.role);
        for (int d = 0; d < 2; d++)
            if (ev.old_state[d] >= TS_STATE_COUNT || ev.new_state[d] >= TS_STATE_COUNT)
                fail("event with an invalid state", nseg);
        if (ev.notes & ~((TS_NOTE_LAST << 1) - 1))
            fail("event with an unknown note", ev.notes);
        if (ts_tracker_check(t, err, sizeof err) < 0) {
            fprintf(stderr, "fuzz_track: segment %zu: %s\n", nseg, err);
            abort();
        }
    }
    ts_tracker_flush(t);
    if (ts_tracker_check(t, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_track: after the flush: %s\n", err);
        abort();
    }
    struct ts_track_stats st;
    ts_tracker_stats(t, &st);
    if (st.conns_live != 0)
        fail("connections left after the flush", st.conns_live);
    if (st.conns_total != led.created || led.ended != led.created)
        fail("verdicts do not match the connections created", led.ended);
    if (st.conns_peak > cfg.max_conns)
        fail("more connections than max_conns", st.conns_peak);
    ts_tracker_free(t);
    free(led.done);
    return 0;
}
