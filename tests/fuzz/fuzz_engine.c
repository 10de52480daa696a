/* libFuzzer target for the whole tracer: the input is a capture file (pcap
 * or pcapng) traced by ts_engine with every sink -- text and JSON lines,
 * the ladder, SVG, the Zeek conn.log, pcapng with annotations, the totals
 * -- on one thread, output to /dev/null.  It runs twice: once with every
 * sink (pcapng reads the frames' bytes, so each frame is handled as it is
 * read), and once without pcapng (frames decoded ahead of tracking) with a
 * tight tracker (4 connections, short timeouts, keyed on the inner tuple,
 * no checksums) and an --inner filter.  Besides what ASan and UBSan catch,
 * a sink of our own checks what the sinks are handed: every event's
 * connection and states valid, every verdict for a connection that was
 * seen, exactly once, and by the end one for each of them.
 *
 * Seeds: the bundled captures (captures/ and its subfolders).
 *   ./fuzz_engine -max_len=32768 new-corpus/ captures/ captures/public ...
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tcpshake/capture.h"
#include "tcpshake/engine.h"
#include "tcpshake/filter.h"
#include "tcpshake/sink.h"
#include "../../src/conn.h" /* white-box: builds and reads connection records */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_engine: broken: %s\n", what);
        abort();
    }
}

/* The capture as a file of its own: a memfd, opened by its /proc path the
 * way -r FILE opens one (a regular file, so block reads are used too). */
static int input_file(const uint8_t *data, size_t size, char *path, size_t len)
{
    static int fd = -1;
    if (fd < 0 && (fd = memfd_create("fuzz_engine", MFD_CLOEXEC)) < 0)
        return -1;
    if (ftruncate(fd, 0) < 0)
        return -1;
    for (size_t off = 0; off < size;) {
        ssize_t w = pwrite(fd, data + off, size - off, (off_t)off);
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    snprintf(path, len, "/proc/self/fd/%d", fd);
    return 0;
}

/* ---- a sink that checks what every sink is handed ------------------------ */

struct ledger {
    uint64_t seen;  /* highest connection id in an event */
    uint64_t ended; /* verdicts */
    uint8_t *done;  /* [id]: its verdict came */
    size_t cap;
};

static void led_seg(void *self, const struct ts_frame *f, const struct ts_seg *s,
                    const struct ts_event *ev)
{
    struct ledger *l = self;
    check(f != NULL && s != NULL, "segment without its frame");
    if (!ev)
        return;
    check(ev->conn != NULL && ev->conn->id == ev->conn_id && ev->conn_id != 0,
          "event without its connection");
    check(ev->role < TS_ROLE_COUNT && ev->dir <= 1, "event with a bad role or direction");
    for (int d = 0; d < 2; d++)
        check(ev->old_state[d] < TS_STATE_COUNT && ev->new_state[d] < TS_STATE_COUNT &&
                  ev->conn->ep[d].state < TS_STATE_COUNT,
              "event with an invalid state");
    if (ev->conn_id > l->seen) {
        check(ev->conn_id == l->seen + 1, "connection ids not consecutive");
        if (ev->conn_id >= l->cap) {
            size_t cap = l->cap ? 2 * l->cap : 64;
            uint8_t *d = realloc(l->done, cap);
            check(d != NULL, "out of memory");
            memset(d + l->cap, 0, cap - l->cap);
            l->done = d;
            l->cap = cap;
        }
        l->seen = ev->conn_id;
    }
    check(!l->done[ev->conn_id], "event for a connection already ended");
}

static void led_conn(void *self, const struct ts_conn *c, enum ts_end_reason why)
{
    struct ledger *l = self;
    check(c != NULL, "verdict without a connection");
    check(c->id != 0 && c->id <= l->seen, "verdict for a connection never seen");
    check(!l->done[c->id], "second verdict for a connection");
    check(why <= TS_END_FLUSH && c->ep[0].state < TS_STATE_COUNT &&
              c->ep[1].state < TS_STATE_COUNT,
          "verdict with an invalid reason or state");
    l->done[c->id] = 1;
    l->ended++;
}

static int led_finish(void *self, char *err, size_t errlen)
{
    struct ledger *l = self;
    (void)err;
    (void)errlen;
    check(l->ended == l->seen, "a connection without its verdict");
    return 0;
}

static const struct ts_sink_ops ledger_ops = {
    .name = "ledger", .seg = led_seg, .conn = led_conn, .finish = led_finish,
};

/* ---- the runs -------------------------------------------------------------- */

struct outs {
    FILE *null;
    struct ts_out text, json, ladder, stats;
};

static void report(void *user, size_t i, const char *err)
{
    (void)user;
    (void)i;
    (void)err; /* /dev/null takes everything: a finish that fails is a bug */
    check(false, "a sink's finish failed on /dev/null");
}

static void trace(const char *path, struct outs *o, bool tight)
{
    char err[512];
    struct ts_capture_cfg ccfg = {.file = path};
    struct ts_capture *cap = ts_capture_open(&ccfg, err, sizeof err);
    if (!cap)
        return; /* not a capture libpcap opens */

    ts_out_init(&o->text, o->null, false);
    ts_out_init(&o->json, o->null, false);
    ts_out_init(&o->ladder, o->null, false);
    ts_out_init(&o->stats, o->null, false);
    struct ts_render_cfg text = {.utf8 = true};
    struct ts_render_cfg json = {.json = true};
    struct ts_ladder_cfg lcfg = {.utf8 = tight, .color = !tight, .width = tight ? 40 : 0};
    struct ts_svg_cfg scfg = {.title = "fuzz <&>\"", .max_conns = tight ? 2 : 0,
                              .max_segs = tight ? 8 : 0};
    struct ledger led = {0};
    struct ts_sink *sinks[8];
    size_t n = 0;
    sinks[n++] = ts_sink_new(&ledger_ops, &led, 0);
    sinks[n++] = ts_sink_text(&o->text, &text, false);
    sinks[n++] = ts_sink_text(&o->json, &json, tight);
    sinks[n++] = ts_sink_ladder(&o->ladder, &lcfg);
    sinks[n++] = ts_sink_svg(o->null, &scfg);
    sinks[n++] = ts_sink_zeeklog(o->null, 1700000000, err, sizeof err);
    sinks[n++] = ts_sink_stats(&o->stats, tight, err, sizeof err);
    if (!tight)
        sinks[n++] = ts_sink_pcapng(o->null, true, 0, err, sizeof err);
    for (size_t i = 0; i < n; i++)
        check(sinks[i] != NULL, "a sink constructor failed");

    struct ts_engine_cfg cfg;
    ts_engine_cfg_default(&cfg);
    cfg.threads = 1;
    /* more than any input this size can open, and no 1M-connection table to
     * allocate for every input */
    cfg.track.max_conns = 4096;
    struct ts_filter *inner = NULL;
    if (tight) {
        cfg.track.max_conns = 4;
        cfg.track.time_wait_ns = 1000000000ull;  /* 1 s */
        cfg.track.idle_ns = 10ull * 1000000000ull; /* 10 s */
        cfg.track.inner_only = true;
        cfg.verify = false;
        inner = ts_filter_compile("tcp and not (port 22 or vni 7) or net 10.0.0.0/8",
                                  err, sizeof err);
        check(inner != NULL, "the --inner filter did not compile");
        cfg.inner = inner;
    }
    struct ts_engine *e = ts_engine_new(&cfg, sinks, n, err, sizeof err);
    check(e != NULL, "ts_engine_new failed");
    (void)ts_engine_run(e, cap, NULL, err, sizeof err); /* -1: a damaged file */
    check(ts_engine_finish(e, report, NULL) == 0, "ts_engine_finish failed");
    struct ts_engine_stats st;
    ts_engine_stats(e, &st);
    check(st.tcp <= st.frames, "more TCP segments than frames");
    check(st.bad <= st.frames, "more bad frames than frames");
    check(st.conns <= st.tcp, "more verdicts than TCP segments");
    check(st.conns == led.ended, "the engine counts other verdicts than the sinks got");
    ts_engine_free(e);
    free(led.done);
    ts_filter_free(inner);
    ts_capture_close(cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct outs *o;
    if (!o) {
        o = calloc(1, sizeof *o);
        check(o && (o->null = fopen("/dev/null", "w")) != NULL, "/dev/null");
    }
    char path[64];
    if (input_file(data, size, path, sizeof path) < 0)
        return 0;
    trace(path, o, false);
    trace(path, o, true);
    return 0;
}
