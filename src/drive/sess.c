/* A drive session's plumbing: the crafting socket (raw IP, SO_MARK), the
 * live capture (immediate mode, non-blocking, polled next to the caller's
 * wake-up descriptor), the tracker that gives every segment its role and
 * both states, and the RST guard.  Sent segments are tracked from the exact
 * bytes that went out, received ones from the capture, in the order they
 * happened, so the tracer shows the session as a capture would.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "tcpshake/inject.h"

uint64_t dsess_mono(void)
{
    return ts_inject_now_ns();
}

bool dsess_stopped(const struct dsess *s)
{
    return s->cfg->stop && *s->cfg->stop;
}

static void feed_sent(struct dsess *s, uint64_t upto);

void dsess_note(struct dsess *s, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    if (!s->cfg->hooks.note)
        return;
    feed_sent(s, UINT64_MAX); /* a note follows the segments sent before it */
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    s->cfg->hooks.note(s->cfg->hooks.user, ts_inject_wall_ns(), buf);
}

/* One frame we sent, to -w and the tracker. */
static void report_sent(struct dsess *s, uint64_t t, int dlt, const uint8_t *p, uint32_t len,
                        uint32_t ip_off)
{
    if (s->cfg->hooks.frame)
        s->cfg->hooks.frame(s->cfg->hooks.user, t, p + ip_off, len - ip_off);
    if (s->cfg->engine)
        ts_engine_feed(s->cfg->engine, dlt, t, p, len, len, NULL);
}

/* Report the held sent frames stamped at or before `upto`, in send order. */
static void feed_sent(struct dsess *s, uint64_t upto)
{
    uint32_t i = 0;
    for (; i < s->nsent && s->sent[i].t <= upto; i++)
        report_sent(s, s->sent[i].t, s->sent[i].dlt, s->sent[i].data, s->sent[i].len,
                    s->sent[i].ip_off);
    if (i == 0)
        return;
    /* keep the buffers: move the reported ones to the tail */
    for (uint32_t k = 0; k < s->nsent - i; k++) {
        struct dsess_sent tmp = s->sent[k];
        s->sent[k] = s->sent[k + i];
        s->sent[k + i] = tmp;
    }
    s->nsent -= i;
}

/* Hold a copy of a frame we sent; without the memory for it, report what
 * is held and then it at once. */
static void hold_sent(struct dsess *s, uint64_t t, int dlt, const uint8_t *p, uint32_t len,
                      uint32_t ip_off)
{
    if (!s->cfg->hooks.frame && !s->cfg->engine)
        return;
    if (s->nsent == s->sent_cap) {
        uint32_t n = s->sent_cap ? s->sent_cap * 2 : 16;
        struct dsess_sent *v = realloc(s->sent, n * sizeof *v);
        if (!v)
            goto now;
        memset(v + s->sent_cap, 0, (n - s->sent_cap) * sizeof *v);
        s->sent = v;
        s->sent_cap = n;
    }
    struct dsess_sent *f = &s->sent[s->nsent];
    if (f->cap < len || !f->data) {
        uint32_t want = len ? len : 1;
        uint8_t *d = realloc(f->data, want);
        if (!d)
            goto now;
        f->data = d;
        f->cap = want;
    }
    memcpy(f->data, p, len);
    f->t = t;
    f->dlt = dlt;
    f->len = len;
    f->ip_off = ip_off;
    s->nsent++;
    return;
now:
    feed_sent(s, UINT64_MAX);
    report_sent(s, t, dlt, p, len, ip_off);
}

static void free_sent(struct dsess *s)
{
    for (uint32_t i = 0; i < s->sent_cap; i++)
        free(s->sent[i].data);
    free(s->sent);
    s->sent = NULL;
    s->nsent = s->sent_cap = 0;
}

void dsess_verdicts(struct dsess *s, bool all)
{
    feed_sent(s, UINT64_MAX);
    if (!s->cfg->engine)
        return;
    ts_engine_tick(s->cfg->engine, ts_inject_wall_ns());
    if (all)
        ts_engine_end(s->cfg->engine);
}

/* The frame from its (innermost) IP header on, as the decoder found it. */
static void emit_frame(struct dsess *s, uint64_t t, const uint8_t *p, uint32_t caplen,
                       const struct ts_seg *seg)
{
    if (s->cfg->hooks.frame && seg->ipver && seg->ip_off < caplen)
        s->cfg->hooks.frame(s->cfg->hooks.user, t, p + seg->ip_off, caplen - seg->ip_off);
}

uint32_t ts_drive_default_window(const struct ts_drive_cfg *cfg)
{
    if (cfg->win)
        return cfg->win;
    if (!cfg->syn.wscale)
        return 64240;
    /* with window scaling, a window for a long fat path, as Linux's
     * autotuning reaches (tcp_rmem's maximum is 6 MiB) */
    uint64_t w = (uint64_t)65535 << cfg->syn.wscale_shift;
    return w < (4u << 20) ? (uint32_t)w : (4u << 20);
}

bool ts_drive_seg_intact(const struct ts_seg *seg)
{
    if (seg->anomalies & (TS_AN_BAD_IPCKSUM | TS_AN_SHORT_CAP | TS_AN_BAD_IPLEN))
        return false;
    return seg->cksum_state == TS_CK_GOOD || seg->cksum_state == TS_CK_OFFLOAD;
}

static void on_frame(void *user, int dlt, uint64_t t_ns, const uint8_t *pkt,
                     uint32_t caplen, uint32_t wirelen)
{
    struct dsess *s = user;
    struct ts_seg seg;

    /* decoded here with checksums verified, whatever the engine's own
     * decode is configured to do: the endpoint must know */
    enum ts_decode_status st = ts_decode(dlt, pkt, caplen, wirelen, true, &seg);
    feed_sent(s, t_ns);
    emit_frame(s, t_ns, pkt, caplen, &seg);
    if (s->cfg->engine)
        ts_engine_feed(s->cfg->engine, dlt, t_ns, pkt, caplen, wirelen, NULL);
    if (st == TS_DEC_TCP) {
        seg.t_ns = t_ns;
        /* RFC 9293 MUST-2/MUST-3: a segment whose checksum fails is
         * discarded.  It stays in the trace (with its bad-checksum note) but
         * never reaches the endpoint.  One not wholly captured cannot be
         * verified, so it is not taken either. */
        if (!ts_drive_seg_intact(&seg)) {
            s->res->bad_checksums++;
            return;
        }
        if (s->on_tcp)
            s->on_tcp(s, &seg, pkt);
        return;
    }
    struct ts_drive_icmp ic;
    if (seg.ipver && seg.ip_off < caplen &&
        ts_drive_icmp_parse(pkt + seg.ip_off, caplen - seg.ip_off, &ic) == 0 && s->on_icmp)
        s->on_icmp(s, &ic, t_ns);
}

int dsess_open(struct dsess *s, const struct ts_drive_cfg *cfg,
               struct ts_drive_result *res, const struct ts_addr *local,
               const char *filter, const struct ts_guard_spec *spec, char *err,
               size_t errlen)
{
    struct ts_craft_session_cfg ccfg = {.via = TS_CRAFT_VIA_RAW,
                                     .family = cfg->family,
                                     .set_mark = true,
                                     .mark = cfg->mark ? cfg->mark : 0x7473};
    /* In immediate mode libpcap's ring (TPACKET_V2) has one slot per
     * frame, each the snap length long: the snap length is the largest
     * frame a path can bring (an IP datagram of 65535 bytes and its link
     * header; a 256 KiB one made 4 times fewer slots), and the ring holds
     * a whole window of the peer's segments at 1 KiB each, plus the ACKs
     * of a burst of ours. */
    uint32_t win = ts_drive_default_window(cfg);
    uint32_t slots = 384 + win / 1024;
    if (slots > 1024)
        slots = 1024; /* 128 MiB of ring: beyond, drops are recovered */
    struct ts_capture_cfg pcfg = {.immediate = true, .snaplen = DSESS_SNAPLEN,
                                  .buffer_kib = (int)(slots * ((DSESS_SNAPLEN + 1023) / 1024))};

    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    s->res = res;
    s->cap_fd = -1;
    ts_craft_rng_init(&s->rng);
    if (ts_inject_check_privileges(TS_CRAFT_VIA_RAW, cfg->family, err, errlen) < 0)
        return -1;
    s->cs = ts_craft_open(&ccfg, err, errlen);
    if (!s->cs)
        return -1;

    if (cfg->iface)
        snprintf(s->ifname, sizeof s->ifname, "%s", cfg->iface);
    else if (!local->family || ts_drive_iface_of(local, s->ifname, sizeof s->ifname) < 0)
        snprintf(s->ifname, sizeof s->ifname, "any");
    pcfg.iface = s->ifname;
    pcfg.filter = filter;
    s->cap = ts_capture_open(&pcfg, err, errlen);
    if (!s->cap)
        goto fail;
    s->dlt = ts_capture_datalink(s->cap);
    s->cap_fd = ts_capture_fd(s->cap);
    if (s->cap_fd < 0) {
        snprintf(err, errlen, "capture on %s: no descriptor to poll", s->ifname);
        goto fail;
    }
    if (ts_capture_set_nonblock(s->cap, true, err, errlen) < 0)
        goto fail;

    if (spec) {
        s->guard = ts_guard_install(spec, err, errlen);
        if (!s->guard)
            goto fail;
        snprintf(res->guard_table, sizeof res->guard_table, "%s",
                 ts_guard_table(s->guard));
    }
    return 0;
fail:
    ts_capture_close(s->cap);
    ts_craft_close(s->cs);
    memset(s, 0, sizeof *s);
    return -1;
}

/* libpcap's drop count: said once when it first grows, kept in the result.
 * A dropped frame is one the peer sends again (its RTO or our SACK), so
 * the session goes on. */
static void check_drops(struct dsess *s)
{
    uint64_t recv = 0, drop = 0, ifdrop = 0;
    if (!s->cap || !ts_capture_stats(s->cap, &recv, &drop, &ifdrop))
        return;
    if (drop > s->res->capture_drops) {
        if (!s->res->capture_drops)
            dsess_note(s, "the capture dropped frames (libpcap's ring was "
                       "full): the peer will send them again");
        s->res->capture_drops = drop;
    }
}

int dsess_close(struct dsess *s, char *err, size_t errlen)
{
    int rc = 0;

    check_drops(s);

    if (s->cs)
        dsess_verdicts(s, true); /* reports the held frames first */
    free_sent(s);
    if (s->guard) {
        char table[64];
        snprintf(table, sizeof table, "%s", ts_guard_table(s->guard));
        if (ts_guard_remove(s->guard, err, errlen) < 0)
            rc = -1;
        else
            dsess_note(s, "rst guard removed (nft table inet %s)", table);
    }
    ts_capture_close(s->cap);
    ts_craft_close(s->cs);
    s->guard = NULL;
    s->cap = NULL;
    s->cs = NULL;
    return rc;
}

int dsess_send(struct dsess *s, const struct ts_craft_seg *seg)
{
    struct ts_craft_frame f;
    int r = -1;

    if (s->io_failed)
        return -1;
    if (ts_craft_build(s->cs, seg, &f, s->ioerr, sizeof s->ioerr) < 0) {
        s->io_failed = true;
        return -1;
    }
    /* Stamped before the write: on a veth the answer is often processed
     * inside our own send call, and must not look older than its cause. */
    uint64_t t = ts_inject_wall_ns();
    for (int tries = 0; tries < 1000; tries++) {
        r = ts_craft_write(s->cs, &f, s->ioerr, sizeof s->ioerr);
        if (r != 1)
            break;
    }
    if (r != 0) {
        if (r == 1)
            snprintf(s->ioerr, sizeof s->ioerr, "send: no room in the socket "
                     "buffer after 1000 tries");
        s->io_failed = true;
        return -1;
    }
    hold_sent(s, t, f.dlt, f.data, f.len, f.ip_off);
    return 0;
}

static int dispatch(struct dsess *s)
{
    int n = ts_capture_dispatch(s->cap, 0, on_frame, s, s->ioerr,
                                sizeof s->ioerr);
    if (n < 0)
        s->io_failed = true;
    /* the ring is empty: nothing older than what we sent is left in it */
    feed_sent(s, UINT64_MAX);
    uint64_t now = dsess_mono();
    if (now - s->drops_checked >= 100000000u) {
        s->drops_checked = now;
        check_drops(s);
    }
    return n;
}

int dsess_wait(struct dsess *s, uint64_t deadline)
{
    struct pollfd pf[2] = {{.fd = s->cap_fd, .events = POLLIN},
                           {.fd = s->cfg->wake_fd, .events = POLLIN}};
    struct timespec ts, *tp = NULL;
    int n;

    n = dispatch(s);
    if (n != 0 || s->io_failed)
        return n < 0 ? -1 : 0;
    if (dsess_stopped(s))
        return 0;
    if (deadline) {
        uint64_t now = dsess_mono();
        uint64_t d = deadline > now ? deadline - now : 0;
        ts.tv_sec = (time_t)(d / 1000000000u);
        ts.tv_nsec = (long)(d % 1000000000u);
        tp = &ts;
    }
    n = ppoll(pf, s->cfg->wake_fd >= 0 ? 2 : 1, tp, NULL);
    if (n < 0 && errno != EINTR) {
        snprintf(s->ioerr, sizeof s->ioerr, "poll: %s", strerror(errno));
        s->io_failed = true;
        return -1;
    }
    if (n > 0 && (pf[0].revents & POLLIN))
        return dispatch(s) < 0 ? -1 : 0;
    return 0;
}
