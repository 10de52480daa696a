/* bench/hotpath: time the tracer's stages on frames already in memory, so a
 * change to decode or track can be measured without disk and page-cache
 * noise.  Not a replacement for bench/trace-bench (which times the whole
 * tool against tcpdump, tshark and the libpcap floor); a tool for working on
 * the hot path.
 *
 *   build/bench/hotpath FILE.pcap [ROUNDS [TIME_WAIT_SECONDS]]
 *
 * HOTPATH_TRACK_ONLY=1 in the environment skips the two rendering passes.
 * HOTPATH_CLASSES=1 also times each ts_track call (x86 time-stamp counter,
 * so the figures include its own 20-30 cycles) and prints the mean per
 * class of segment: by role, with two classes of their own for a segment
 * that opened a connection (NEW) and one during which verdicts were given
 * (VERDICT: expiry or port reuse; it may be a NEW too).  Where the time per
 * connection goes, as against the time per segment.
 *
 * Prints, per stage, the best time over ROUNDS (default 5) in ns per frame:
 *   decode        ts_decode of every frame
 *   decode+track  ts_decode then ts_track (verdicts counted, not rendered)
 *   +text, +json  the same, each segment and verdict rendered to /dev/null
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#endif

#include "tcpshake/capture.h"
#include "tcpshake/decode.h"
#include "tcpshake/render.h"
#include "tcpshake/track.h"

struct frames {
    uint8_t *buf;
    size_t used, cap;
    uint32_t n, ncap;
    size_t *off;
    uint32_t *len, *wire;
    uint64_t *t;
    int dlt;
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "hotpath: out of memory\n");
        exit(1);
    }
    return q;
}

static void keep(void *user, int dlt, uint64_t t_ns, const uint8_t *pkt, uint32_t caplen,
                 uint32_t wirelen)
{
    struct frames *f = user;
    if (f->n == f->ncap) {
        f->ncap = f->ncap ? f->ncap * 2 : 1u << 16;
        f->off = xrealloc(f->off, f->ncap * sizeof *f->off);
        f->len = xrealloc(f->len, f->ncap * sizeof *f->len);
        f->wire = xrealloc(f->wire, f->ncap * sizeof *f->wire);
        f->t = xrealloc(f->t, f->ncap * sizeof *f->t);
    }
    if (f->used + caplen > f->cap) {
        f->cap = (f->cap + caplen) * 2;
        f->buf = xrealloc(f->buf, f->cap);
    }
    memcpy(f->buf + f->used, pkt, caplen);
    f->off[f->n] = f->used;
    f->len[f->n] = caplen;
    f->wire[f->n] = wirelen;
    f->t[f->n] = t_ns;
    f->n++;
    f->used += caplen;
    f->dlt = dlt;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t verdicts, nverdicts;

/* HOTPATH_CLASSES: cycles and calls per class (roles, then NEW, VERDICT) */
enum { CLASS_NEW = TS_ROLE_COUNT, CLASS_VERDICT, NCLASSES };
static int classes;
static uint64_t class_cycles[NCLASSES], class_calls[NCLASSES];

static inline uint64_t ticks(void)
{
#ifdef HAVE_TSC
    return __rdtsc();
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

static void track_timed(struct ts_tracker *t, const struct ts_seg *s, struct ts_event *ev)
{
    uint64_t v0 = nverdicts, c0 = ticks();
    ts_track(t, s, ev);
    uint64_t dc = ticks() - c0;
    int k = nverdicts != v0 ? CLASS_VERDICT
            : ev->conn && ts_conn_segs(ev->conn, TS_C2S) + ts_conn_segs(ev->conn, TS_S2C) == 1
                ? CLASS_NEW
                : ev->role;
    class_cycles[k] += dc;
    class_calls[k]++;
}
static struct ts_out out;
static struct ts_render_cfg rcfg;
static int render; /* 0 none, 1 text, 2 json */

static void on_end(void *user, const struct ts_conn *c, enum ts_end_reason why)
{
    (void)user;
    verdicts += ts_conn_id(c);
    nverdicts++;
    if (render)
        ts_render_conn(&out, &rcfg, c, why);
}

/* as tcpshake trace: bucket prefetched AHEAD0 frames before tracking, the
 * record AHEAD1 frames before */
#define RINGN 32
#define AHEAD0 (RINGN - 1)
#define AHEAD1 12
static struct ts_seg ring[RINGN];

/* One pass of decode + track (+ render), as tcpshake trace -r runs it. */
static double track_round(const struct frames *f, long tw)
{
    char err[512];
    struct ts_track_cfg tcfg;
    ts_track_cfg_default(&tcfg);
    tcfg.on_end = on_end;
    if (tw >= 0)
        tcfg.time_wait_ns = (uint64_t)tw * 1000000000ull;
    struct ts_tracker *t = ts_tracker_new(&tcfg, err, sizeof err);
    if (!t) {
        fprintf(stderr, "hotpath: %s\n", err);
        exit(1);
    }
    double t0 = now_s();
    enum ts_decode_status st[RINGN];
    for (uint32_t i = 0; i < f->n + AHEAD0; i++) {
        if (i < f->n) {
            struct ts_seg *s = &ring[i % RINGN];
            st[i % RINGN] = ts_decode(f->dlt, f->buf + f->off[i], f->len[i], f->wire[i], true, s);
            s->t_ns = f->t[i];
            if (st[i % RINGN] == TS_DEC_TCP)
                ts_track_prefetch(t, s, 0);
        }
        uint32_t j = i - (AHEAD0 - AHEAD1);
        if (i >= AHEAD0 - AHEAD1 && j < f->n && st[j % RINGN] == TS_DEC_TCP)
            ts_track_prefetch(t, &ring[j % RINGN], 1);
        j = i - AHEAD0;
        if (i >= AHEAD0 && j < f->n) {
            struct ts_seg *s = &ring[j % RINGN];
            struct ts_event ev;
            if (st[j % RINGN] == TS_DEC_TCP) {
                if (classes && render == 0)
                    track_timed(t, s, &ev);
                else
                    ts_track(t, s, &ev);
                if (render)
                    ts_render_seg(&out, &rcfg, s, ev.conn ? &ev : NULL);
            } else {
                ts_tracker_expire(t, s->t_ns);
            }
        }
    }
    ts_tracker_flush(t);
    double t1 = now_s();
    ts_tracker_free(t);
    return t1 - t0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: hotpath FILE.pcap [ROUNDS [TIME_WAIT_SECONDS]]\n");
        return 2;
    }
    int rounds = argc >= 3 ? atoi(argv[2]) : 5;
    long tw = argc >= 4 ? atol(argv[3]) : -1;
    /* HOTPATH_TRACK_ONLY=1: skip the +text and +json passes (for perf) */
    int modes = getenv("HOTPATH_TRACK_ONLY") ? 1 : 3;
    classes = getenv("HOTPATH_CLASSES") != NULL;
    if (rounds < 1)
        rounds = 1;
    char err[512];
    struct ts_capture_cfg ccfg = {.file = argv[1]};
    struct ts_capture *cap = ts_capture_open(&ccfg, err, sizeof err);
    if (!cap) {
        fprintf(stderr, "hotpath: %s\n", err);
        return 1;
    }
    struct frames f = {0};
    if (ts_capture_run(cap, 0, NULL, keep, &f, err, sizeof err) < 0)
        fprintf(stderr, "hotpath: %s (timing what was read)\n", err);
    ts_capture_close(cap);
    if (f.n == 0) {
        fprintf(stderr, "hotpath: no frames\n");
        return 1;
    }

    FILE *devnull = fopen("/dev/null", "w");
    if (!devnull) {
        fprintf(stderr, "hotpath: /dev/null: cannot open\n");
        return 1;
    }
    ts_out_init(&out, devnull, false);
    double best_dec = 1e9, best[3] = {1e9, 1e9, 1e9};
    uint64_t mix = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = now_s();
        for (uint32_t i = 0; i < f.n; i++) {
            struct ts_seg *s = &ring[i % RINGN];
            mix += ts_decode(f.dlt, f.buf + f.off[i], f.len[i], f.wire[i], true, s);
            mix += s->seq;
        }
        double t1 = now_s();
        if (t1 - t0 < best_dec)
            best_dec = t1 - t0;
        for (render = 0; render < modes; render++) {
            rcfg.json = render == 2;
            double t = track_round(&f, tw);
            if (t < best[render])
                best[render] = t;
        }
    }
    ts_out_flush(&out);
    fclose(devnull);
    printf("%u frames; best of %d rounds (mix %llx, verdicts %llx)\n", f.n, rounds,
           (unsigned long long)mix, (unsigned long long)verdicts);
    printf("  decode        %7.1f ns/frame  %.3f s\n", best_dec * 1e9 / f.n, best_dec);
    static const char *name[3] = {"decode+track ", "  +text      ", "  +json      "};
    for (int i = 0; i < modes; i++)
        printf("  %s %7.1f ns/frame  %.3f s\n", name[i], best[i] * 1e9 / f.n, best[i]);
    printf("  track alone   %7.1f ns/frame\n", (best[0] - best_dec) * 1e9 / f.n);
    if (modes > 1)
        printf("  text render   %7.1f ns/frame\n", (best[1] - best[0]) * 1e9 / f.n);
    if (classes) {
        uint64_t total = 0;
        for (int k = 0; k < NCLASSES; k++)
            total += class_cycles[k];
        printf("  ts_track per class, all %d rounds (%s):\n", rounds,
#ifdef HAVE_TSC
               "time-stamp counter ticks"
#else
               "ns"
#endif
        );
        for (int k = 0; k < NCLASSES; k++) {
            if (!class_calls[k])
                continue;
            const char *cls = k == CLASS_NEW       ? "NEW"
                              : k == CLASS_VERDICT ? "VERDICT"
                                                   : ts_role_name((enum ts_role)k);
            printf("    %-15s %10llu calls %7.0f per call %5.1f%%\n", cls,
                   (unsigned long long)class_calls[k],
                   (double)class_cycles[k] / (double)class_calls[k],
                   total ? 100.0 * (double)class_cycles[k] / (double)total : 0.0);
        }
    }
    free(f.buf);
    free(f.off);
    free(f.len);
    free(f.wire);
    free(f.t);
    return 0;
}
