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

#include "cli.h"
#include "cmds.h"
#include "outputs.h"
#include "tcpshake/capture.h"
#include "tcpshake/decode.h"
#include "tcpshake/engine.h"
#include "tcpshake/filter.h"
#include "tcpshake/ladder.h"
#include "tcpshake/render.h"
#include "tcpshake/sink.h"
#include "tcpshake/track.h"

/* SIGINT/SIGTERM/SIGHUP are blocked in every thread but this one, which
 * waits for them with sigwait() and stops the capture: pcap_breakloop() also
 * wakes a blocked poll(), which a flag set by a signal handler cannot do. */
struct stopper {
    struct ts_capture *cap;
    volatile sig_atomic_t stop;
    int signo;                /* written before stop is set */
    sigset_t set;
};

static void *stop_thread(void *arg)
{
    struct stopper *st = arg;
    int sig;
    if (sigwait(&st->set, &sig) == 0) {
        __atomic_store_n(&st->signo, sig, __ATOMIC_RELAXED);
        __atomic_store_n(&st->stop, 1, __ATOMIC_RELEASE); /* read on other threads */
        ts_capture_breakloop(st->cap);
    }
    return NULL;
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
          "  -B KIB           live: kernel buffer size in KiB (default 16384; 65536 when\n"
          "                   each frame is handed over at once: a terminal, -l, -U)\n"
          "output:\n"
          "  --json           one JSON object per line (fields: man tcpshake-trace)\n"
          "  --summary        only the connection verdicts\n"
          "  -S               absolute sequence numbers in text (JSON has both)\n"
          "  -n               numeric addresses and ports (always; for tcpdump habits)\n"
          "  -l               write each line out at once (as tcpdump -l; always on a\n"
          "                   terminal and live): for reading a stream through a pipe\n"
          "  -U               with -w: write each frame out at once (as tcpdump -U)\n"
          "  --date, -tttt    print the date with each time stamp\n"
          "  --color WHEN     auto (default: only on a terminal), always, never\n"
          "  --stats          at the end: counts per role, close kind and conn_state,\n"
          "                   handshake RTT min/median/p99, retransmissions per connection\n"
          "  --zeek-log FILE  also write the verdicts as a Zeek conn.log (TSV) to FILE\n"
          "  -w FILE          also write the traced frames to FILE (pcapng); '-' =\n"
          "                   standard output, and the lines go to standard error\n"
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
          "  --threads N      auto (default: 2 when the machine has two cores), 1 (all\n"
          "                   on one thread) or 2 (reading or the lines on a second\n"
          "                   core); the output is the same\n"
          "  --no-checksum    do not verify TCP checksums\n"
          "  --key-inner      key tunnelled connections on the inner 4-tuple alone\n"
          "                   (default: also on VLAN ids, VNI and PPPoE session, so\n"
          "                   tenants' overlapping addresses stay apart)\n"
          "  --inner FILTER   trace only frames whose inner (decapsulated) TCP segment\n"
          "                   matches FILTER, e.g. 'vni 43 and dst port 80' (grammar:\n"
          "                   man tcpshake-trace); the BPF FILTER sees the outer packet\n"
          "  --version        the versions of tcpshake, libpcap and libnet\n"
          "\n"
          "Options may also follow the filter words (as tcpdump takes them); '--'\n"
          "ends them. tcpdump options trace does not have (v, e, q, A, X, x, and t\n"
          "to ttt) are refused with a reason rather than ignored.\n"
          "Times are UTC. Exit status: 0 done, 1 the capture failed (what came before\n"
          "was traced), 2 bad arguments or the source could not be opened, 129 hung\n"
          "up (SIGHUP). After SIGINT, SIGTERM or SIGHUP the open connections' verdicts\n"
          "are printed; from a file they end \"interrupted\".\n",
          f);
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
    OPT_THREADS,
};

#define T "trace"

/* Everything the options say. */
struct trace_opts {
    struct ts_capture_cfg ccfg;
    struct ts_engine_cfg ecfg;
    struct ts_render_cfg rcfg;
    bool summary, annotate, list, want_stats, line_buffered, ladder, packet_buffered;
    bool live_only_given;     /* -s, -p or -B */
    uint64_t threads, count, conn_id, width;
    const char *zeek_path, *pcapng_path, *svg_path, *inner_expr;
    int color;                /* -1 auto */
    char *filter;             /* the BPF words joined (owned) */
    struct ts_filter *inner;  /* --inner, compiled (owned) */
};

static void trace_opts_free(struct trace_opts *t)
{
    free(t->filter);
    ts_filter_free(t->inner);
    t->filter = NULL;
    t->inner = NULL;
}

/* argv into t: returns -1 to go on, or the exit status (help: 0). */
static int parse_options(struct trace_opts *t, int argc, char **argv)
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
        {"threads", required_argument, NULL, OPT_THREADS},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, CLI_OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    uint64_t v;

    memset(t, 0, sizeof *t);
    t->ccfg.promisc = true;
    ts_engine_cfg_default(&t->ecfg);
    t->color = -1;
    optind = 1;
    opterr = 0; /* our own one-line messages */
    int ch, ts_count = 0;
    /* options may follow the filter words, as tcpdump takes them (GNU
     * getopt permutes; "--" ends the options) */
    while ((ch = getopt_long(argc, argv, ":r:i:Dc:s:pB:nShw:lUtveqAXx", longopts, NULL)) != -1) {
        switch (ch) {
        case 't': ts_count++; break;
        case 'U': t->packet_buffered = t->line_buffered = true; break;
        case 'v':
            return cli_fail(T, "-v", "not supported: each line holds every TCP field "
                                     "already; --json has them all, --stats the totals");
        case 'e':
            return cli_fail(T, "-e", "not supported: link-layer headers are not printed "
                                     "(tcpdump -e or tshark show them)");
        case 'q':
            return cli_fail(T, "-q", "not supported: --summary prints only the "
                                     "connection verdicts");
        case 'A':
        case 'X':
        case 'x':
            return cli_fail(T, ch == 'A' ? "-A" : ch == 'X' ? "-X" : "-x",
                            "not supported: payloads are not printed (-w FILE keeps "
                            "them; tcpdump -A or -X shows them)");
        case 'r': t->ccfg.file = optarg; break;
        case 'i': t->ccfg.iface = optarg; break;
        case 'D': t->list = true; break;
        case 'c':
            if (cli_uint(T, "-c", optarg, 1, UINT64_MAX, &t->count) < 0) return CLI_USAGE;
            break;
        case 's':
            if (cli_uint(T, "-s", optarg, 0, 262144, &v) < 0) return CLI_USAGE;
            t->ccfg.snaplen = (int)v;
            t->live_only_given = true;
            break;
        case 'p':
            t->ccfg.promisc = false;
            t->live_only_given = true;
            break;
        case 'B':
            if (cli_uint(T, "-B", optarg, 0, INT_MAX / 1024, &v) < 0) return CLI_USAGE;
            t->ccfg.buffer_kib = (int)v;
            t->live_only_given = true;
            break;
        case 'n': t->rcfg.numeric = true; break;
        case 'l': t->line_buffered = true; break;
        case 'S': t->rcfg.abs_seq = true; break;
        case OPT_JSON: t->rcfg.json = true; break;
        case OPT_SUMMARY: t->summary = true; break;
        case OPT_MAX_CONNS:
            if (cli_uint(T, "--max-conns", optarg, 1, 1u << 30, &v) < 0) return CLI_USAGE;
            t->ecfg.track.max_conns = (uint32_t)v;
            break;
        case OPT_KEY_INNER: t->ecfg.track.inner_only = true; break;
        case OPT_INNER: t->inner_expr = optarg; break;
        case OPT_TIME_WAIT:
            if (cli_secs(T, "--time-wait", optarg, 0, 86400, &t->ecfg.track.time_wait_ns) < 0)
                return CLI_USAGE;
            break;
        case OPT_IDLE:
            if (cli_secs(T, "--idle", optarg, 0.001, 864000, &t->ecfg.track.idle_ns) < 0)
                return CLI_USAGE;
            break;
        case OPT_COLOR:
            if (cli_color(T, "--color", optarg, &t->color) < 0) return CLI_USAGE;
            break;
        case OPT_NO_CKSUM: t->ecfg.verify = false; break;
        case OPT_DATE: t->rcfg.utc_date = true; break;
        case OPT_STATS: t->want_stats = true; break;
        case OPT_ZEEK_LOG: t->zeek_path = optarg; break;
        case 'w': t->pcapng_path = optarg; break;
        case OPT_ANNOTATE: t->annotate = true; break;
        case OPT_LADDER: t->ladder = true; break;
        case OPT_SVG: t->svg_path = optarg; break;
        case OPT_CONN:
            if (cli_uint(T, "--conn", optarg, 1, UINT64_MAX, &t->conn_id) < 0) return CLI_USAGE;
            break;
        case OPT_WIDTH:
            if (cli_uint(T, "--width", optarg, TS_LADDER_WIDTH_MIN, TS_LADDER_WIDTH_MAX, &t->width) < 0)
                return CLI_USAGE;
            break;
        case OPT_THREADS:
        {
            static const char *const names[] = {"auto", "1", "2"};
            int i;
            if (cli_enum(T, "--threads", optarg, names, 3, &i) < 0) return CLI_USAGE;
            t->threads = (uint64_t)i;
            break;
        }
        case 'h': trace_usage(stdout); return 0;
        case CLI_OPT_VERSION: return cli_version();
        default: return cli_getopt_error(T, ch, argv, optind, optopt);
        }
    }

    if (ts_count == 4) {
        t->rcfg.utc_date = true; /* tcpdump -tttt: the date and the time */
    } else if (ts_count) {
        return cli_fail(T, "-t", "not supported: every line starts with its time (UTC); "
                                 "-tttt or --date adds the date");
    }
    if (t->list)
        return -1;
    if (!!t->ccfg.file == !!t->ccfg.iface) {
        fprintf(stderr, "tcpshake: trace: give one source: -r FILE or -i IFACE (see --help)\n");
        return 2;
    }
    if (t->ccfg.file && t->live_only_given)
        fprintf(stderr, "tcpshake: trace: -s, -p and -B are for a live capture (-i); "
                        "ignored with -r\n");

    if (t->annotate && !t->pcapng_path) {
        fprintf(stderr, "tcpshake: trace: --annotate: needs -w FILE\n");
        return 2;
    }
    if (t->ladder && (t->rcfg.json || t->summary)) {
        fprintf(stderr, "tcpshake: trace: --ladder: cannot be combined with --json or --summary\n");
        return 2;
    }
    if (t->conn_id && !t->ladder && !t->svg_path) {
        fprintf(stderr, "tcpshake: trace: --conn: needs --ladder or --svg FILE\n");
        return 2;
    }
    if (t->width && !t->ladder) {
        fprintf(stderr, "tcpshake: trace: --width: needs --ladder\n");
        return 2;
    }
    /* compiled once; the reader thread and the frame path only read it */
    if (t->inner_expr) {
        char ferr[512];
        if (!(t->inner = ts_filter_compile(t->inner_expr, ferr, sizeof ferr))) {
            fprintf(stderr, "tcpshake: trace: --inner: %s\n", ferr);
            return 2;
        }
        t->ecfg.inner = t->inner;
    }

    /* the filter: trailing arguments joined by spaces, as tcpdump does */
    if (optind < argc) {
        size_t n = 1;
        for (int i = optind; i < argc; i++)
            n += strlen(argv[i]) + 1;
        t->filter = calloc(1, n);
        if (!t->filter) {
            fprintf(stderr, "tcpshake: trace: out of memory\n");
            trace_opts_free(t);
            return 2;
        }
        for (int i = optind; i < argc; i++) {
            if (i > optind)
                strcat(t->filter, " ");
            strcat(t->filter, argv[i]);
        }
    }
    t->ccfg.filter = t->filter;

    t->ecfg.count = t->count;
    t->ecfg.threads = (unsigned)t->threads;
    return -1;
}

/* The sinks, in the order each frame and verdict should reach them: the
 * lines or the ladder, then SVG, Zeek log, totals, pcapng.  false after
 * saying why. */
static bool build_outputs(struct outputs *outs, struct trace_opts *t, struct ts_out *out,
                          bool tty, FILE *tf)
{
    bool setup_ok;
    if (t->ladder) {
        struct winsize ws;
        if (t->width == 0 && tty && ioctl(fileno(tf), TIOCGWINSZ, &ws) == 0)
            t->width = ws.ws_col; /* the ladder clamps it to its bounds */
        struct ts_ladder_cfg lcfg = {.utf8 = t->rcfg.utf8, .color = t->rcfg.color,
                                     .width = (unsigned)t->width, .conn = t->conn_id};
        setup_ok = outputs_add(outs, "--ladder", ts_sink_ladder(out, &lcfg)) == 0;
    } else {
        setup_ok = outputs_add(outs, "", ts_sink_text(out, &t->rcfg, t->summary)) == 0;
    }
    if (setup_ok && t->svg_path) {
        struct ts_svg_cfg scfg = {.conn = t->conn_id, .title = t->ccfg.file ? t->ccfg.file : t->ccfg.iface};
        setup_ok = outputs_add_svg(outs, t->svg_path, &scfg) == 0;
    }
    if (setup_ok && t->zeek_path)
        setup_ok = outputs_add_zeeklog(outs, t->zeek_path) == 0;
    if (setup_ok && t->want_stats)
        setup_ok = outputs_add_stats(outs, out, t->rcfg.json) == 0;
    if (setup_ok && t->pcapng_path) {
        uint32_t snap = t->ccfg.iface ? (t->ccfg.snaplen ? (uint32_t)t->ccfg.snaplen : 262144u) : 0;
        setup_ok = outputs_add_pcapng(outs, t->pcapng_path, t->annotate, snap,
                                      t->packet_buffered) == 0;
    }
    return setup_ok;
}

int cmd_trace(int argc, char **argv)
{
    struct trace_opts topts, *t = &topts;
    setlocale(LC_CTYPE, "");
    int r = parse_options(t, argc, argv);
    if (r >= 0)
        return r;
    if (t->list) {
        char buf[16384], err[512];
        if (ts_capture_list(buf, sizeof buf, err, sizeof err) < 0) {
            fprintf(stderr, "tcpshake: trace: %s\n", err);
            return 2;
        }
        fputs(buf, stdout);
        return 0;
    }
    /* -w -: the frames take standard output, the lines go to stderr */
    bool w_out = t->pcapng_path && !strcmp(t->pcapng_path, "-");
    FILE *tf = w_out ? stderr : stdout;
    bool tty = isatty(fileno(tf));
    t->rcfg.color = t->color < 0 ? cli_color_auto(tf) && !t->rcfg.json
                                 : t->color == 1 && !t->rcfg.json;
    const char *cs = nl_langinfo(CODESET);
    t->rcfg.utf8 = cs && !strcmp(cs, "UTF-8");
    /* Live, each frame at once (libpcap's immediate mode) only when someone
     * watches the lines arrive: it gives the kernel ring one slot per
     * frame, so a burst overflows it.  Otherwise the ring is filled in
     * blocks, handed over when full or after the 100 ms timeout. */
    t->ccfg.immediate = (tty && !t->summary && !t->ladder) || t->line_buffered;

    /* An output that is the input (or another output) would destroy it in
     * silence: fopen("wb") truncates before the first frame is read. */
    {
        const char *opts[] = {"--zeek-log", "-w", "--svg"};
        const char *paths[] = {t->zeek_path, t->pcapng_path, t->svg_path};
        if (outputs_check_paths("trace", t->ccfg.file, opts, paths, 3) < 0) {
            trace_opts_free(t);
            return 2;
        }
    }

    char err[512];
    struct ts_capture *cap = ts_capture_open(&t->ccfg, err, sizeof err);
    if (!cap) {
        fprintf(stderr, "tcpshake: trace: %s\n", err);
        trace_opts_free(t);
        return 2;
    }
    if (!ts_dlt_supported(ts_capture_datalink(cap))) {
        fprintf(stderr, "tcpshake: trace: %s: link type %d is not supported "
                        "(Ethernet, Linux cooked v1/v2, loopback, raw IP are)\n",
                t->ccfg.file ? t->ccfg.file : t->ccfg.iface, ts_capture_datalink(cap));
        ts_capture_close(cap);
        trace_opts_free(t);
        return 2;
    }

    /* the outputs, opened once the source is known to work */
    static struct ts_out out;
    /* each line at once when someone may be watching it arrive: live, on a
     * terminal, or asked for (-l); else in 64 KiB writes */
    ts_out_init(&out, tf, t->ccfg.iface != NULL || tty || t->line_buffered);
    struct outputs o;
    outputs_init(&o, "trace");
    struct ts_engine *eng = build_outputs(&o, t, &out, tty, tf) ? outputs_engine(&o, &t->ecfg) : NULL;
    if (!eng) {
        outputs_close(&o, 2);
        ts_capture_close(cap);
        trace_opts_free(t);
        return 2;
    }

    static struct stopper st;
    st.cap = cap;
    sigemptyset(&st.set);
    sigaddset(&st.set, SIGINT);
    sigaddset(&st.set, SIGTERM);
    sigaddset(&st.set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &st.set, NULL);
    pthread_t stopper_tid;
    bool have_stopper = pthread_create(&stopper_tid, NULL, stop_thread, &st) == 0;
    signal(SIGPIPE, SIG_IGN);

    if (t->ccfg.iface)
        fprintf(stderr, "tcpshake: trace: listening on %s%s%s\n", t->ccfg.iface,
                t->filter ? ", filter: " : "", t->filter ? t->filter : "");
    int rc = ts_engine_run(eng, cap, &st.stop, err, sizeof err);
    if (have_stopper) {
        pthread_cancel(stopper_tid); /* sigwait is a cancellation point */
        pthread_join(stopper_tid, NULL);
    }
    outputs_finish(&o, eng);
    ts_out_flush(&out);

    struct ts_engine_stats est;
    ts_engine_stats(eng, &est);
    int status = o.failed ? 1 : 0;
    if (rc < 0) {
        fprintf(stderr, "tcpshake: trace: %s (after %llu frames; everything before "
                        "was traced)\n",
                err, (unsigned long long)est.frames);
        status = 1;
    }
    /* the stop flag orders the read of signo after the stopper's write */
    int signo = __atomic_load_n(&st.stop, __ATOMIC_ACQUIRE) ? st.signo : 0;
    if (signo && t->ccfg.file)
        fprintf(stderr, "tcpshake: trace: interrupted by %s after %llu frames; the rest of "
                        "%s was not read (open connections end \"interrupted\")\n",
                signo == SIGHUP ? "SIGHUP" : signo == SIGTERM ? "SIGTERM" : "SIGINT",
                (unsigned long long)est.frames,
                strcmp(t->ccfg.file, "-") ? t->ccfg.file : "standard input");
    /* a hang-up is not the user's "done": 129, as the drive commands */
    if (signo == SIGHUP && status == 0)
        status = 129;
    uint64_t recv, drop, ifdrop;
    if (ts_capture_stats(cap, &recv, &drop, &ifdrop)) {
        /* traced: the frames that got a line (TCP, malformed, fragments);
         * the others are only written by -w */
        uint64_t traced = est.tcp + est.bad, other = est.frames - traced;
        char skipped[64] = "";
        if (other)
            snprintf(skipped, sizeof skipped, " (%llu other frames not traced)",
                     (unsigned long long)other);
        fprintf(stderr, "tcpshake: trace: %llu frames traced%s, %llu received by filter, "
                        "%llu dropped by kernel, %llu dropped by interface\n",
                (unsigned long long)traced, skipped, (unsigned long long)recv,
                (unsigned long long)drop, (unsigned long long)ifdrop);
        if (drop && recv)
            fprintf(stderr, "tcpshake: trace: the kernel dropped %.2f %% of the frames: a "
                            "larger buffer (-B KIB, now %d) or a narrower filter keeps more\n",
                    100.0 * (double)drop / (double)recv, ts_capture_buffer_kib(&t->ccfg));
    }
    status = outputs_close(&o, status);
    if (est.clock_jumps)
        fprintf(stderr, "tcpshake: trace: %llu time stamp%s more than a day away from the "
                        "capture's clock, not used to expire connections\n",
                (unsigned long long)est.clock_jumps, est.clock_jumps == 1 ? "" : "s");
    ts_engine_free(eng);
    ts_capture_close(cap);
    trace_opts_free(t);
    /* A closed pipe (| head -1) ends the trace quietly, as in tcpdump;
     * any other failed write is an error. */
    int werr = out.write_error ? out.write_errno : ferror(tf) ? errno : 0;
    if ((out.write_error || ferror(tf)) && werr != EPIPE) {
        fprintf(stderr, "tcpshake: trace: writing output failed: %s\n", strerror(werr));
        return 1;
    }
    return status;
}
