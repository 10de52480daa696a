/* tcpshake trace: parse the options into configs, open the capture, and run
 * capture -> decode -> track -> render until the source ends or a signal. */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "trace_pipe.h"
#include "trace_reader.h"
#include "tcpshake/capture.h"
#include "tcpshake/decode.h"
#include "tcpshake/filter.h"
#include "tcpshake/ladder.h"
#include "tcpshake/pcapng.h"
#include "tcpshake/render.h"
#include "tcpshake/stats.h"
#include "tcpshake/svg.h"
#include "tcpshake/track.h"
#include "tcpshake/zeeklog.h"

/* SIGINT/SIGTERM are blocked in every thread but this one, which waits for
 * them with sigwait() and stops the capture: pcap_breakloop() also wakes a
 * blocked poll(), which a flag set by a signal handler cannot do. */
struct stopper {
    struct ts_capture *cap;
    volatile sig_atomic_t stop;
    sigset_t set;
};

static void *stop_thread(void *arg)
{
    struct stopper *st = arg;
    int sig;
    if (sigwait(&st->set, &sig) == 0) {
        __atomic_store_n(&st->stop, 1, __ATOMIC_RELEASE); /* read on other threads */
        ts_capture_breakloop(st->cap);
    }
    return NULL;
}

/* Frames are decoded into a small ring and tracked a few frames later, so
 * the tracker can prefetch each connection while earlier ones are processed
 * (the connection table is far larger than the cache).  Order is kept.  A
 * live capture and a stream (-r - from a pipe) use depth 0, so every line
 * appears as its segment arrives, and so does -w, which writes the frame's
 * bytes: libpcap's buffer holds them only while on_frame runs. */
#define RING 8
#define PREFETCH_CONN_AHEAD 4
#define SLOT_AHEAD 24 /* reader thread: slots fetched from the other core */

struct slot {
    struct ts_seg seg;
    enum ts_decode_status st;
    int dlt;
    const uint8_t *pkt; /* the frame: valid only within on_frame (depth 0) */
};

struct trace_run {
    struct ts_tracker *tracker;
    struct ts_out *out;
    struct ts_render_cfg rcfg;
    bool summary;
    bool verify;
    bool annotate;            /* --annotate: a comment on each -w frame */
    struct ts_pcapng *pcapng; /* -w FILE */
    struct ts_zeeklog *zeek;  /* --zeek-log FILE */
    struct ts_stats *stats;   /* --stats */
    struct ts_ladder *ladder; /* --ladder: drawn instead of the lines */
    struct ts_svg *svg;       /* --svg FILE: recorded, written at the end */
    struct trace_pipe *pipe;  /* -r: lines rendered on a second thread */
    struct trace_reader *reader; /* -r --summary: verdicts rendered by the reader */
    const struct ts_filter *inner; /* --inner: frames it rejects are dropped */
    volatile sig_atomic_t *stop; /* set to end the read loop early */
    unsigned depth; /* frames held back: 0 (live, -w) .. RING */
    uint64_t frames, tcp, bad, conns;
    uint64_t head, tail; /* ring: frames decoded, frames processed */
    struct slot ring[RING];
};

static void on_end(void *user, const struct ts_conn *c, enum ts_end_reason why)
{
    struct trace_run *r = user;
    r->conns++;
    if (r->ladder)
        ts_ladder_conn_end(r->ladder, r->out, c, why);
    else if (r->pipe)
        trace_pipe_conn(r->pipe, c, why);
    else if (r->reader)
        trace_reader_conn(r->reader, c, why);
    else
        ts_render_conn(r->out, &r->rcfg, c, why);
    if (r->svg)
        ts_svg_conn_end(r->svg, c, why);
    if (r->zeek)
        ts_zeeklog_conn(r->zeek, c);
    if (r->stats)
        ts_stats_conn(r->stats, c, why);
}

static void process_frame(struct trace_run *r, struct ts_seg *s, enum ts_decode_status st,
                          int dlt, const uint8_t *pkt)
{
    struct ts_event ev;
    char note[2048];
    const char *comment = NULL;
    if (st == TS_DEC_TCP) {
        r->tcp++;
        ts_track(r->tracker, s, &ev);
        const struct ts_event *e = ev.conn ? &ev : NULL;
        if (r->ladder)
            ts_ladder_seg(r->ladder, r->out, s, e);
        else if (r->summary)
            ;
        else if (r->pipe)
            trace_pipe_seg(r->pipe, s, e);
        else
            ts_render_seg(r->out, &r->rcfg, s, e);
        if (r->svg)
            ts_svg_seg(r->svg, s, e);
        if (r->zeek)
            ts_zeeklog_seg(r->zeek, dlt, s, &ev);
        if (r->stats)
            ts_stats_seg(r->stats, s, e);
        if (r->annotate && ts_annotation(note, sizeof note, s, e) > 0)
            comment = note;
    } else {
        ts_tracker_expire(r->tracker, s->t_ns);
        if (st == TS_DEC_BAD || (st == TS_DEC_NOT_TCP && (s->anomalies & TS_AN_FRAG))) {
            const char *what = st == TS_DEC_BAD ? "malformed" : "ip fragment, not first";
            r->bad++;
            if (r->summary || r->ladder)
                ;
            else if (r->pipe)
                trace_pipe_bad(r->pipe, s->t_ns, s->anomalies, what);
            else
                ts_render_bad(r->out, &r->rcfg, s->t_ns, s->anomalies, what);
            if (r->stats)
                ts_stats_bad(r->stats, s->anomalies);
            if (r->annotate) {
                ts_annotation_bad(note, sizeof note, s->anomalies, what);
                comment = note;
            }
        }
    }
    /* every frame goes to -w, so the file holds what was traced; after a
     * write error the writer refuses more and ts_pcapng_close reports it */
    if (r->pcapng) {
        assert(pkt); /* -w runs at depth 0, in place */
        ts_pcapng_write(r->pcapng, dlt, s->t_ns, pkt, s->caplen, s->wirelen, comment);
    }
}

static void process(struct trace_run *r, struct slot *sl)
{
    process_frame(r, &sl->seg, sl->st, sl->dlt, sl->pkt);
}

/* Nobody reads the lines any more (EPIPE) or they cannot be written: stop
 * reading the capture instead of tracing the rest of it for nothing. */
static void stop_if_output_broken(struct trace_run *r)
{
    /* while another thread owns `out`, only its atomic flag may be read */
    if (r->pipe     ? trace_pipe_broken(r->pipe)
        : r->reader ? trace_reader_broken(r->reader)
                    : r->out->write_error)
        __atomic_store_n(r->stop, 1, __ATOMIC_RELEASE);
}

static void drain(struct trace_run *r)
{
    while (r->tail < r->head)
        process(r, &r->ring[r->tail++ % RING]);
}

/* Live: a connection whose TIME_WAIT or idle time ran out gets its verdict
 * when it runs out, not when the next packet happens to come (the tracker's
 * clock is the capture's, which live is the wall clock). */
static void on_tick(void *user, uint64_t now_ns)
{
    struct trace_run *r = user;
    drain(r);
    ts_tracker_expire(r->tracker, now_ns);
    if (!r->pipe && !r->reader)
        ts_out_flush(r->out);
    stop_if_output_broken(r);
}

static void on_frame(void *user, int dlt, uint64_t t_ns, const uint8_t *pkt,
                     uint32_t caplen, uint32_t wirelen)
{
    struct trace_run *r = user;
    if (r->head - r->tail == RING)
        process(r, &r->ring[r->tail++ % RING]);
    struct slot *sl = &r->ring[r->head % RING];
    sl->st = ts_decode(dlt, pkt, caplen, wirelen, r->verify, &sl->seg);
    /* --inner: a frame it rejects goes no further, as if the BPF filter had
     * (the slot is not taken; the next frame decodes into it) */
    if (r->inner && (sl->st != TS_DEC_TCP || !ts_filter_match(r->inner, &sl->seg)))
        return;
    r->frames++;
    if ((r->frames & 1023) == 0)
        stop_if_output_broken(r);
    sl->seg.t_ns = t_ns;
    sl->dlt = dlt;
    sl->pkt = r->depth == 0 ? pkt : NULL;
    r->head++;
    if (sl->st == TS_DEC_TCP)
        ts_track_prefetch(r->tracker, &sl->seg, 0);
    if (r->depth == 0) {
        drain(r);
        return;
    }
    if (r->head - r->tail > PREFETCH_CONN_AHEAD) {
        struct slot *p = &r->ring[(r->head - 1 - PREFETCH_CONN_AHEAD) % RING];
        if (p->st == TS_DEC_TCP)
            ts_track_prefetch(r->tracker, &p->seg, 1);
    }
    if (r->head - r->tail >= r->depth)
        process(r, &r->ring[r->tail++ % RING]);
}

/* With the reader thread: frames arrive decoded; track them in order,
 * prefetching the connections of those behind. */
static void consume(struct trace_run *r, struct trace_reader *rd)
{
    unsigned n;
    while ((n = trace_reader_wait(rd)) > 0) {
        for (; n > 0; n--) {
            struct trace_frame *f;
            if (n > SLOT_AHEAD) {
                /* the slot was written on the other core: start moving its
                 * hot lines (all but the options) here */
                const char *p = (const char *)trace_reader_at(rd, SLOT_AHEAD);
                __builtin_prefetch(p);
                __builtin_prefetch(p + 64);
            }
            if (n > RING) {
                f = trace_reader_at(rd, RING);
                if (f->st == TS_DEC_TCP)
                    ts_track_prefetch(r->tracker, &f->seg, 0);
            }
            if (n > PREFETCH_CONN_AHEAD) {
                f = trace_reader_at(rd, PREFETCH_CONN_AHEAD);
                if (f->st == TS_DEC_TCP)
                    ts_track_prefetch(r->tracker, &f->seg, 1);
            }
            f = trace_reader_at(rd, 0);
            if ((++r->frames & 1023) == 0)
                stop_if_output_broken(r);
            process_frame(r, &f->seg, f->st, f->dlt, NULL);
            trace_reader_release(rd);
        }
    }
}

static void trace_usage(FILE *f)
{
    fputs("usage: tcpshake trace [-r FILE | -i IFACE] [OPTIONS] [BPF FILTER...]\n"
          "       tcpshake trace -D\n"
          "\n"
          "source:\n"
          "  -r FILE          read a pcap or pcapng file ('-' = standard input)\n"
          "  -i IFACE         capture live on IFACE ('any' for all); needs root or CAP_NET_RAW\n"
          "  -D               list the interfaces and exit\n"
          "  -c N             stop after N frames\n"
          "  -s SNAPLEN       live: bytes to capture per frame (default 262144)\n"
          "  -p               live: do not put the interface in promiscuous mode\n"
          "  -B KIB           live: kernel buffer size in KiB\n"
          "output:\n"
          "  --json           one JSON object per line (schema in README.md)\n"
          "  --summary        only the connection verdicts\n"
          "  -S               absolute sequence numbers in text (JSON has both)\n"
          "  -n               numeric addresses and ports (always; for tcpdump habits)\n"
          "  -l               write each line out at once (as tcpdump -l; always on a\n"
          "                   terminal and live): for reading a stream through a pipe\n"
          "  --date           print the date with each time stamp\n"
          "  --color WHEN     auto (default: only on a terminal), always, never\n"
          "  --stats          at the end: counts per role, close kind and conn_state,\n"
          "                   handshake RTT min/median/p99, retransmissions per connection\n"
          "  --zeek-log FILE  also write the verdicts as a Zeek conn.log (TSV) to FILE\n"
          "  -w FILE          also write the traced frames to FILE (pcapng)\n"
          "  --annotate       with -w: each frame's role, states and notes as its\n"
          "                   packet comment (Wireshark: frame.comment)\n"
          "  --ladder         draw each connection as a ladder diagram instead of lines\n"
          "  --svg FILE       also write the ladders as an SVG picture to FILE\n"
          "  --conn N         with --ladder or --svg: only connection #N\n"
          "  --width N        with --ladder: columns (default: the terminal's, else 80)\n"
          "tracking:\n"
          "  --max-conns N    track at most N connections (default 1000000); the\n"
          "                   oldest closed, then the oldest idle, are evicted\n"
          "  --time-wait SEC  TIME_WAIT length, 2 MSL (default 60, as Linux)\n"
          "  --idle SEC       forget a silent open connection after SEC (default 7875)\n"
          "  --no-checksum    do not verify TCP checksums\n"
          "  --key-inner      key tunnelled connections on the inner 4-tuple alone\n"
          "                   (default: also on VLAN ids, VNI and PPPoE session, so\n"
          "                   tenants' overlapping addresses stay apart)\n"
          "  --inner FILTER   trace only frames whose inner (decapsulated) TCP segment\n"
          "                   matches FILTER, e.g. 'vni 43 and dst port 80' (grammar in\n"
          "                   docs/tunnels.md); the BPF FILTER sees the outer packet\n"
          "\n"
          "Times are UTC. Exit status: 0 done, 1 the capture failed (what came before\n"
          "was traced), 2 bad arguments or the source could not be opened.\n",
          f);
}

static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-') {
        fprintf(stderr, "tcpshake: trace: %s: '%s' is not a number\n", opt, s ? s : "");
        return -1;
    }
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max) {
        fprintf(stderr, "tcpshake: trace: %s: '%s' is not a number in 0..%llu\n", opt, s,
                (unsigned long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

enum {
    OPT_JSON = 256,
    OPT_SUMMARY,
    OPT_MAX_CONNS,
    OPT_TIME_WAIT,
    OPT_IDLE,
    OPT_COLOR,
    OPT_NO_CKSUM,
    OPT_DATE,
    OPT_STATS,
    OPT_ZEEK_LOG,
    OPT_ANNOTATE,
    OPT_LADDER,
    OPT_SVG,
    OPT_CONN,
    OPT_WIDTH,
    OPT_KEY_INNER,
    OPT_INNER,
};

/* Open a file named by an output option; NULL after saying why. */
static FILE *open_output(const char *opt, const char *path)
{
    if (!strcmp(path, "-")) {
        fprintf(stderr, "tcpshake: trace: %s: standard output holds the trace; "
                        "give a file name\n", opt);
        return NULL;
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        fprintf(stderr, "tcpshake: trace: %s: %s: %s\n", opt, path, strerror(errno));
    return f;
}

int cmd_trace(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"summary", no_argument, NULL, OPT_SUMMARY},
        {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
        {"time-wait", required_argument, NULL, OPT_TIME_WAIT},
        {"idle", required_argument, NULL, OPT_IDLE},
        {"color", required_argument, NULL, OPT_COLOR},
        {"colour", required_argument, NULL, OPT_COLOR},
        {"no-checksum", no_argument, NULL, OPT_NO_CKSUM},
        {"date", no_argument, NULL, OPT_DATE},
        {"stats", no_argument, NULL, OPT_STATS},
        {"zeek-log", required_argument, NULL, OPT_ZEEK_LOG},
        {"annotate", no_argument, NULL, OPT_ANNOTATE},
        {"ladder", no_argument, NULL, OPT_LADDER},
        {"svg", required_argument, NULL, OPT_SVG},
        {"conn", required_argument, NULL, OPT_CONN},
        {"width", required_argument, NULL, OPT_WIDTH},
        {"key-inner", no_argument, NULL, OPT_KEY_INNER},
        {"inner", required_argument, NULL, OPT_INNER},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ts_capture_cfg ccfg = {.promisc = true, .immediate = true};
    struct ts_track_cfg tcfg;
    ts_track_cfg_default(&tcfg);
    static struct trace_run run = {.verify = true};
    uint64_t count = 0, v;
    bool list = false, want_stats = false, line_buffered = false;
    const char *zeek_path = NULL, *pcapng_path = NULL, *svg_path = NULL;
    const char *inner_expr = NULL;
    bool ladder = false;
    uint64_t conn_id = 0, width = 0;
    int color = -1; /* auto */

    setlocale(LC_CTYPE, "");
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "+r:i:Dc:s:pB:nShw:l", longopts, NULL)) != -1) {
        switch (ch) {
        case 'r': ccfg.file = optarg; break;
        case 'i': ccfg.iface = optarg; break;
        case 'D': list = true; break;
        case 'c':
            if (parse_u64("-c", optarg, UINT64_MAX, &count) < 0) return 2;
            break;
        case 's':
            if (parse_u64("-s", optarg, 262144, &v) < 0) return 2;
            ccfg.snaplen = (int)v;
            break;
        case 'p': ccfg.promisc = false; break;
        case 'B':
            if (parse_u64("-B", optarg, INT_MAX / 1024, &v) < 0) return 2;
            ccfg.buffer_kib = (int)v;
            break;
        case 'n': run.rcfg.numeric = true; break;
        case 'l': line_buffered = true; break;
        case 'S': run.rcfg.abs_seq = true; break;
        case OPT_JSON: run.rcfg.json = true; break;
        case OPT_SUMMARY: run.summary = true; break;
        case OPT_MAX_CONNS:
            if (parse_u64("--max-conns", optarg, 1u << 30, &v) < 0) return 2;
            if (v == 0) {
                fprintf(stderr, "tcpshake: trace: --max-conns: must be at least 1\n");
                return 2;
            }
            tcfg.max_conns = (uint32_t)v;
            break;
        case OPT_KEY_INNER: tcfg.inner_only = true; break;
        case OPT_INNER: inner_expr = optarg; break;
        case OPT_TIME_WAIT:
            if (parse_u64("--time-wait", optarg, 86400, &v) < 0) return 2;
            tcfg.time_wait_ns = v * 1000000000ull;
            break;
        case OPT_IDLE:
            if (parse_u64("--idle", optarg, 864000, &v) < 0) return 2;
            if (v == 0) {
                fprintf(stderr, "tcpshake: trace: --idle: must be at least 1\n");
                return 2;
            }
            tcfg.idle_ns = v * 1000000000ull;
            break;
        case OPT_COLOR:
            if (!strcmp(optarg, "auto")) color = -1;
            else if (!strcmp(optarg, "always")) color = 1;
            else if (!strcmp(optarg, "never")) color = 0;
            else {
                fprintf(stderr, "tcpshake: trace: --color: '%s' is not auto, always or never\n", optarg);
                return 2;
            }
            break;
        case OPT_NO_CKSUM: run.verify = false; break;
        case OPT_DATE: run.rcfg.utc_date = true; break;
        case OPT_STATS: want_stats = true; break;
        case OPT_ZEEK_LOG: zeek_path = optarg; break;
        case 'w': pcapng_path = optarg; break;
        case OPT_ANNOTATE: run.annotate = true; break;
        case OPT_LADDER: ladder = true; break;
        case OPT_SVG: svg_path = optarg; break;
        case OPT_CONN:
            if (parse_u64("--conn", optarg, UINT64_MAX, &conn_id) < 0) return 2;
            if (conn_id == 0) {
                fprintf(stderr, "tcpshake: trace: --conn: connections are numbered from 1\n");
                return 2;
            }
            break;
        case OPT_WIDTH:
            if (parse_u64("--width", optarg, TS_LADDER_WIDTH_MAX, &width) < 0) return 2;
            if (width < TS_LADDER_WIDTH_MIN) {
                fprintf(stderr, "tcpshake: trace: --width: must be at least %d\n",
                        TS_LADDER_WIDTH_MIN);
                return 2;
            }
            break;
        case 'h': trace_usage(stdout); return 0;
        default: trace_usage(stderr); return 2;
        }
    }

    if (list) {
        char buf[16384], err[512];
        if (ts_capture_list(buf, sizeof buf, err, sizeof err) < 0) {
            fprintf(stderr, "tcpshake: trace: %s\n", err);
            return 2;
        }
        fputs(buf, stdout);
        return 0;
    }
    if (!!ccfg.file == !!ccfg.iface) {
        fprintf(stderr, "tcpshake: trace: give one source: -r FILE or -i IFACE (see --help)\n");
        return 2;
    }
    if (run.annotate && !pcapng_path) {
        fprintf(stderr, "tcpshake: trace: --annotate: needs -w FILE\n");
        return 2;
    }
    if (ladder && (run.rcfg.json || run.summary)) {
        fprintf(stderr, "tcpshake: trace: --ladder: cannot be combined with --json or --summary\n");
        return 2;
    }
    if (conn_id && !ladder && !svg_path) {
        fprintf(stderr, "tcpshake: trace: --conn: needs --ladder or --svg FILE\n");
        return 2;
    }
    if (width && !ladder) {
        fprintf(stderr, "tcpshake: trace: --width: needs --ladder\n");
        return 2;
    }
    /* compiled once; the reader thread and the frame path only read it */
    struct ts_filter *inner = NULL;
    if (inner_expr) {
        char ferr[512];
        if (!(inner = ts_filter_compile(inner_expr, ferr, sizeof ferr))) {
            fprintf(stderr, "tcpshake: trace: --inner: %s\n", ferr);
            return 2;
        }
        run.inner = inner;
    }

    /* the filter: trailing arguments joined by spaces, as tcpdump does */
    char *filter = NULL;
    if (optind < argc) {
        size_t n = 1;
        for (int i = optind; i < argc; i++)
            n += strlen(argv[i]) + 1;
        filter = calloc(1, n);
        if (!filter) {
            fprintf(stderr, "tcpshake: trace: out of memory\n");
            ts_filter_free(inner);
            return 2;
        }
        for (int i = optind; i < argc; i++) {
            if (i > optind)
                strcat(filter, " ");
            strcat(filter, argv[i]);
        }
    }
    ccfg.filter = filter;

    bool tty = isatty(STDOUT_FILENO);
    run.rcfg.color = color < 0 ? tty && !run.rcfg.json : color == 1 && !run.rcfg.json;
    const char *cs = nl_langinfo(CODESET);
    run.rcfg.utf8 = cs && !strcmp(cs, "UTF-8");

    /* An output that is the input (or another output) would destroy it in
     * silence: fopen("wb") truncates before the first frame is read. */
    {
        const char *outs[3][2] = {{"--zeek-log", zeek_path}, {"-w", pcapng_path},
                                  {"--svg", svg_path}};
        struct stat in_sb, o_sb[3];
        bool have_in = ccfg.file && (strcmp(ccfg.file, "-") == 0
                                         ? fstat(STDIN_FILENO, &in_sb)
                                         : stat(ccfg.file, &in_sb)) == 0;
        for (int i = 0; i < 3; i++) {
            const char *path = outs[i][1];
            if (!path || strcmp(path, "-") == 0 || stat(path, &o_sb[i]) != 0) {
                o_sb[i].st_ino = 0;
                for (int j = 0; path && j < i; j++)
                    if (outs[j][1] && strcmp(outs[j][1], path) == 0) {
                        fprintf(stderr, "tcpshake: trace: %s '%s': already written by %s\n",
                                outs[i][0], path, outs[j][0]);
                        free(filter);
                        return 2;
                    }
                continue;
            }
            if (have_in && S_ISREG(o_sb[i].st_mode) && o_sb[i].st_dev == in_sb.st_dev &&
                o_sb[i].st_ino == in_sb.st_ino) {
                fprintf(stderr, "tcpshake: trace: %s '%s': that is the input file; "
                                "writing it would destroy it\n", outs[i][0], path);
                free(filter);
                return 2;
            }
            for (int j = 0; j < i; j++)
                if (o_sb[j].st_ino && S_ISREG(o_sb[i].st_mode) &&
                    o_sb[j].st_dev == o_sb[i].st_dev && o_sb[j].st_ino == o_sb[i].st_ino) {
                    fprintf(stderr, "tcpshake: trace: %s '%s': already written by %s\n",
                            outs[i][0], path, outs[j][0]);
                    free(filter);
                    return 2;
                }
        }
    }

    char err[512];
    struct ts_capture *cap = ts_capture_open(&ccfg, err, sizeof err);
    if (!cap) {
        fprintf(stderr, "tcpshake: trace: %s\n", err);
        free(filter);
        ts_filter_free(inner);
        return 2;
    }
    if (!ts_dlt_supported(ts_capture_datalink(cap))) {
        fprintf(stderr, "tcpshake: trace: %s: link type %d is not supported "
                        "(Ethernet, Linux cooked v1/v2, loopback, raw IP are)\n",
                ccfg.file ? ccfg.file : ccfg.iface, ts_capture_datalink(cap));
        ts_capture_close(cap);
        free(filter);
        ts_filter_free(inner);
        return 2;
    }

    /* the extra outputs, opened once the source is known to work */
    FILE *zeek_f = NULL, *pcapng_f = NULL, *svg_f = NULL;
    bool setup_ok = true;
    if (zeek_path) {
        setup_ok = (zeek_f = open_output("--zeek-log", zeek_path)) != NULL;
        if (setup_ok && !(run.zeek = ts_zeeklog_open(zeek_f, time(NULL), err, sizeof err))) {
            fprintf(stderr, "tcpshake: trace: --zeek-log: %s: %s\n", zeek_path, err);
            setup_ok = false;
        }
    }
    if (setup_ok && pcapng_path) {
        setup_ok = (pcapng_f = open_output("-w", pcapng_path)) != NULL;
        if (setup_ok && !(run.pcapng = ts_pcapng_open(pcapng_f, err, sizeof err))) {
            fprintf(stderr, "tcpshake: trace: -w: %s: %s\n", pcapng_path, err);
            setup_ok = false;
        }
        if (setup_ok && ccfg.iface)
            ts_pcapng_set_snaplen(run.pcapng, ccfg.snaplen ? (uint32_t)ccfg.snaplen : 262144u);
    }
    if (setup_ok && want_stats && !(run.stats = ts_stats_new(0, err, sizeof err))) {
        fprintf(stderr, "tcpshake: trace: --stats: %s\n", err);
        setup_ok = false;
    }
    if (setup_ok && ladder) {
        struct winsize ws;
        if (width == 0 && tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
            width = ws.ws_col; /* the ladder clamps it to its bounds */
        struct ts_ladder_cfg lcfg = {.utf8 = run.rcfg.utf8, .color = run.rcfg.color,
                                     .width = (unsigned)width, .conn = conn_id};
        if (!(run.ladder = ts_ladder_new(&lcfg))) {
            fprintf(stderr, "tcpshake: trace: --ladder: out of memory\n");
            setup_ok = false;
        }
    }
    if (setup_ok && svg_path) {
        setup_ok = (svg_f = open_output("--svg", svg_path)) != NULL;
        struct ts_svg_cfg scfg = {.conn = conn_id,
                                  .title = ccfg.file ? ccfg.file : ccfg.iface};
        if (setup_ok && !(run.svg = ts_svg_new(&scfg))) {
            fprintf(stderr, "tcpshake: trace: --svg: out of memory\n");
            setup_ok = false;
        }
    }

    static struct ts_out out;
    /* each line at once when someone may be watching it arrive: live, on a
     * terminal, or asked for (-l); else in 64 KiB writes */
    ts_out_init(&out, stdout, ccfg.iface != NULL || tty || line_buffered);
    run.out = &out;
    tcfg.on_end = on_end;
    tcfg.user = &run;
    if (setup_ok && !(run.tracker = ts_tracker_new(&tcfg, err, sizeof err))) {
        fprintf(stderr, "tcpshake: trace: %s\n", err);
        setup_ok = false;
    }
    if (!setup_ok) {
        ts_zeeklog_close(run.zeek, time(NULL), err, sizeof err);
        ts_pcapng_close(run.pcapng, err, sizeof err);
        if (zeek_f)
            fclose(zeek_f);
        if (pcapng_f)
            fclose(pcapng_f);
        if (svg_f)
            fclose(svg_f);
        ts_stats_free(run.stats);
        ts_ladder_free(run.ladder);
        ts_svg_free(run.svg);
        ts_capture_close(cap);
        free(filter);
        ts_filter_free(inner);
        return 2;
    }

    static struct stopper st;
    st.cap = cap;
    sigemptyset(&st.set);
    sigaddset(&st.set, SIGINT);
    sigaddset(&st.set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &st.set, NULL);
    pthread_t stopper_tid;
    bool have_stopper = pthread_create(&stopper_tid, NULL, stop_thread, &st) == 0;
    signal(SIGPIPE, SIG_IGN);

    if (ccfg.iface)
        fprintf(stderr, "tcpshake: trace: listening on %s%s%s\n", ccfg.iface,
                filter ? ", filter: " : "", filter ? filter : "");
    /* A regular file is read ahead (frames tracked a few behind, so their
     * connections can be prefetched); live capture, a stream (the next
     * frame may be long in coming) and -w are handled frame by frame. */
    struct stat sb;
    bool regular = ccfg.file &&
                   (strcmp(ccfg.file, "-") == 0 ? fstat(STDIN_FILENO, &sb)
                                                : stat(ccfg.file, &sb)) == 0 &&
                   S_ISREG(sb.st_mode);
    run.depth = regular && !run.pcapng ? RING : 0;
    run.stop = &st.stop;
    /* Offline, the lines are formatted and written on a second core.  Live
     * capture renders in place: each line must appear as it arrives. */
    bool cores = sysconf(_SC_NPROCESSORS_ONLN) > 1;
    if (ccfg.file && !run.summary && !run.ladder && cores)
        run.pipe = trace_pipe_start(&out, &run.rcfg, regular);
    /* Without a line per segment, the second core reads and decodes; from
     * a file, with --summary, it also renders the verdicts.  (Not when this
     * thread draws into `out` too: the ladder, or the lines of a text run
     * whose render thread could not be started.) */
    struct trace_reader *reader = NULL;
    if (ccfg.file && !run.pipe && !run.pcapng && cores)
        reader = trace_reader_start(cap, count, run.verify, regular, &st.stop,
                                    run.summary && !run.ladder ? &out : NULL, &run.rcfg,
                                    run.inner);
    int rc;
    if (reader) {
        if (trace_reader_renders(reader))
            run.reader = reader;
        consume(&run, reader);
        /* the verdicts of what is still open go to the reader too */
        ts_tracker_flush(run.tracker);
        rc = trace_reader_finish(reader, err, sizeof err);
        run.reader = NULL;
    } else {
        rc = ts_capture_run_live(cap, count, &st.stop, on_frame, &run, on_tick, 250, err,
                                 sizeof err);
        drain(&run);
    }
    if (have_stopper) {
        pthread_cancel(stopper_tid); /* sigwait is a cancellation point */
        pthread_join(stopper_tid, NULL);
    }
    ts_tracker_flush(run.tracker);
    trace_pipe_finish(run.pipe);
    run.pipe = NULL;
    if (run.stats)
        ts_stats_render(&out, run.stats, run.rcfg.json);
    ts_out_flush(&out);

    int status = 0;
    if (rc < 0) {
        fprintf(stderr, "tcpshake: trace: %s (after %llu frames; everything before "
                        "was traced)\n",
                err, (unsigned long long)run.frames);
        status = 1;
    }
    uint64_t recv, drop, ifdrop;
    if (ts_capture_stats(cap, &recv, &drop, &ifdrop))
        fprintf(stderr, "tcpshake: trace: %llu frames traced, %llu received by filter, "
                        "%llu dropped by kernel, %llu dropped by interface\n",
                (unsigned long long)run.frames, (unsigned long long)recv,
                (unsigned long long)drop, (unsigned long long)ifdrop);
    if (run.zeek && ts_zeeklog_close(run.zeek, time(NULL), err, sizeof err) < 0) {
        fprintf(stderr, "tcpshake: trace: --zeek-log: %s: %s\n", zeek_path, err);
        status = 1;
    }
    if (zeek_f && fclose(zeek_f) != 0 && status == 0) {
        fprintf(stderr, "tcpshake: trace: --zeek-log: %s: %s\n", zeek_path, strerror(errno));
        status = 1;
    }
    if (run.pcapng && ts_pcapng_close(run.pcapng, err, sizeof err) < 0) {
        fprintf(stderr, "tcpshake: trace: -w: %s: %s\n", pcapng_path, err);
        status = 1;
    }
    if (pcapng_f && fclose(pcapng_f) != 0 && status == 0) {
        fprintf(stderr, "tcpshake: trace: -w: %s: %s\n", pcapng_path, strerror(errno));
        status = 1;
    }
    if (run.svg && ts_svg_write(run.svg, svg_f, err, sizeof err) < 0) {
        fprintf(stderr, "tcpshake: trace: --svg: %s: %s\n", svg_path, err);
        status = 1;
    }
    if (svg_f && fclose(svg_f) != 0 && status == 0) {
        fprintf(stderr, "tcpshake: trace: --svg: %s: %s\n", svg_path, strerror(errno));
        status = 1;
    }
    ts_stats_free(run.stats);
    ts_ladder_free(run.ladder);
    ts_svg_free(run.svg);
    struct ts_track_stats tst;
    ts_tracker_stats(run.tracker, &tst);
    if (tst.clock_jumps)
        fprintf(stderr, "tcpshake: trace: %llu time stamp%s more than a day away from the "
                        "capture's clock, not used to expire connections\n",
                (unsigned long long)tst.clock_jumps, tst.clock_jumps == 1 ? "" : "s");
    ts_tracker_free(run.tracker);
    ts_capture_close(cap);
    free(filter);
    ts_filter_free(inner);
    /* A closed pipe (| head -1) ends the trace quietly, as in tcpdump;
     * any other failed write is an error. */
    int werr = out.write_error ? out.write_errno : ferror(stdout) ? errno : 0;
    if ((out.write_error || ferror(stdout)) && werr != EPIPE) {
        fprintf(stderr, "tcpshake: trace: writing output failed: %s\n", strerror(werr));
        return 1;
    }
    return status;
}
