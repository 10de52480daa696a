/* tcpshake connect: drive a real TCP server through a whole connection with
 * crafted segments, as the client.  Also the CLI layer connect, listen and
 * replay share (options, outputs, the signal thread, exit statuses).
 *
 * Exit status: 0 done as asked; 1 a local failure midway; 2 nothing was
 * tried (usage, privileges, nft, capture); 3 refused; 4 unreachable;
 * 5 silence (no answer / timeout); 6 reset by the peer; 7 replay differs;
 * 130 / 143 interrupted by SIGINT / SIGTERM (the guard is removed first).
 */
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "outputs.h"
#include "tcpshake/craft.h"
#include "tcpshake/drive.h"
#include "tcpshake/ladder.h"
#include "tcpshake/render.h"

enum {
    EXIT_DONE = 0,
    EXIT_FAILED = 1,
    EXIT_USAGE = 2,
    EXIT_REFUSED = 3,
    EXIT_UNREACHABLE = 4,
    EXIT_SILENCE = 5,
    EXIT_RESET = 6,
    EXIT_DIFFERS = 7,
};

struct ts_drive_cli {
    enum ts_drive_cmd cmd;
    const char *name;          /* "connect" */
    struct ts_drive_cfg cfg;
    struct ts_drive_result res;
    bool json, quiet, abs_seq, ladder;
    int color;                 /* -1 auto */
    unsigned width;            /* --width, for --ladder; 0 = the terminal's */
    const char *wfile, *outfile, *addr_text;
    const char *svg_path, *zeek_path; /* --svg, --zeek-log */
    bool stats;                       /* --stats */
    bool conn_set;             /* replay --conn */
    uint8_t *data;             /* owned payload */
    /* run time */
    struct ts_out *out;
    struct ts_render_cfg rc;
    struct outputs outs;       /* the sinks: lines or ladder, SVG, Zeek log, stats */
    struct ts_engine *eng;     /* every segment sent and received goes through it */
    FILE *tf;                  /* where the trace goes */
    FILE *df;                  /* where the peer's data goes */
    bool label_data;           /* listen --count N > 1: "#K: " before each line */
    unsigned data_conn;        /* connection whose data was written last */
    bool data_mid_line;        /* ... and its last byte was not a newline */
    struct ts_craft_pcap *pcap;
    bool pcap_failed;
    char pcap_err[256];
    volatile sig_atomic_t stop;
    volatile sig_atomic_t signo;
    int wake[2];
    sigset_t sigs;
};

struct ts_drive_cli *ts_drive_cli_new(enum ts_drive_cmd cmd)
{
    static const char *const names[] = {"connect", "listen", "replay"};
    struct ts_drive_cli *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cmd = cmd;
    c->name = names[cmd];
    c->color = -1;
    c->wake[0] = c->wake[1] = -1;
    ts_drive_cfg_init(&c->cfg);
    c->cfg.close = cmd == TS_DRIVE_CMD_LISTEN ? TS_DRIVE_CLOSE_PASSIVE
                                           : TS_DRIVE_CLOSE_ACTIVE;
    return c;
}

void ts_drive_cli_free(struct ts_drive_cli *c)
{
    if (!c)
        return;
    free(c->data);
    free(c->out);
    free(c);
}

struct ts_drive_cfg *ts_drive_cli_cfg(struct ts_drive_cli *c)
{
    return &c->cfg;
}

struct ts_drive_result *ts_drive_cli_result(struct ts_drive_cli *c)
{
    return &c->res;
}

const char *ts_drive_cli_to(const struct ts_drive_cli *c)
{
    return c->addr_text;
}

int ts_drive_cli_conn_set(const struct ts_drive_cli *c)
{
    return c->conn_set;
}

static int fail(const struct ts_drive_cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(const struct ts_drive_cli *c, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tcpshake: %s: ", c->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

static void usage(const struct ts_drive_cli *c, FILE *f)
{
    switch (c->cmd) {
    case TS_DRIVE_CMD_CONNECT:
        fputs("usage: tcpshake connect HOST PORT [OPTIONS]\n"
              "  HOST is an IPv4 or IPv6 address (names are not resolved)\n"
              "  --data TEXT|@FILE   send this once connected (C escapes as in craft)\n"
              "  --close MODE        active (default), passive, rst, none\n"
              "  --sport N           our source port (default: random, outside the\n"
              "                      kernel's ephemeral range)\n"
              "  --isn N             our initial sequence number (default: random)\n"
              "  --src ADDR          our address (default: the route's source)\n"
              "  --count N           N connections one after another, on the next\n"
              "                      ports (default 1; the block is held against\n"
              "                      concurrent sessions)\n", f);
        break;
    case TS_DRIVE_CMD_LISTEN:
        fputs("usage: tcpshake listen PORT [OPTIONS]\n"
              "  --addr ADDR         our address (default: any address; -6 for IPv6)\n"
              "                      one of this host's; refused when a kernel socket\n"
              "                      already listens on PORT there\n"
              "  -4                  IPv4 when --addr is not given (the default)\n"
              "  -6                  IPv6 when --addr is not given\n"
              "  --reply TEXT|@FILE  sent after the client's first data\n"
              "  --close MODE        passive (default), active, rst, none\n"
              "  --count N           serve N connections, then exit (default 1); above 1,\n"
              "                      each line of data starts with its client's #K:\n"
              "  --isn N             our initial sequence number (default: random)\n", f);
        break;
    case TS_DRIVE_CMD_REPLAY:
        fputs("usage: tcpshake replay FILE.pcap --to HOST:PORT [--conn N] [OPTIONS]\n"
              "  --to HOST:PORT      the live server (required; IPv6: [ADDR]:PORT)\n"
              "  --conn N            the capture's Nth connection (default: the first\n"
              "                      with a SYN)\n"
              "  --close MODE        how we end if the capture does not (default active)\n"
              "  --sport N           our source port (default: random)\n"
              "  --isn N             our initial sequence number (default: random)\n"
              "  --src ADDR          our address (default: the route's source)\n", f);
        break;
    }
    fputs("SYN options:\n"
          "  --mss N             MSS option (default: path MTU less the headers)\n"
          "  --no-mss            no MSS option at all\n"
          "  --wscale N          offer window scaling with shift N (default: not offered)\n"
          "  --sackok            offer SACK (default: not offered)\n"
          "  --ts                offer timestamps (default: not offered)\n"
          "  --win N             window we advertise, bytes (default 64240; 4194304 with --wscale)\n"
          "timing:\n"
          "  --rto MS            initial retransmission timeout (default 1000)\n"
          "  --rto-min MS        lower bound of the RTO (default 200, as Linux)\n"
          "  --retries N         retransmissions of one segment at least (default 3)\n"
          "  --timeout SEC       longest time without progress (default 10)\n"
          "  --linger SEC        quiet time before our close (default 0.2)\n"
          "  --time-wait SEC     our TIME_WAIT (default 1; Linux: 60)\n"
          "session:\n"
          "  -i IFACE            capture here (default: the interface of our address)\n"
          "  --no-rst-guard      do not install the nftables rule against the kernel's RSTs\n"
          "  --mark N            SO_MARK of our segments (default 0x7473)\n"
          "output:\n"
          "  --out FILE          save the peer's data (then the trace goes to stdout;\n"
          "                      otherwise the data goes to stdout, the trace to stderr)\n"
          "  -w FILE.pcap        save every segment sent and received (raw IP)\n"
          "  --json              the trace as JSON lines\n"
          "  -q                  only the verdicts and the summary (replay: and\n"
          "                      what differed)\n"
          "  -S                  absolute sequence numbers\n"
          "  --color WHEN        auto (default: only on a terminal), always, never\n"
          "  --ladder            the trace as a ladder diagram\n"
          "  --width N           the ladder's columns (default: the terminal's, else 80)\n"
          "  --svg FILE          also write the ladders as an SVG picture to FILE\n"
          "  --zeek-log FILE     also write the verdicts as a Zeek conn.log to FILE\n"
          "  --stats             at the end: counts per role, close kind and conn_state,\n"
          "                      handshake RTT min/median/p99, retransmissions\n"
          "  --version           the versions of tcpshake, libpcap and libnet\n"
          "Exit: 0 done, 1 failed midway, 2 usage/environment, 3 refused, 4 unreachable,\n"
          "5 no answer, 6 reset by the peer, 7 replay differs, 129/130/143 interrupted\n"
          "(SIGHUP/SIGINT/SIGTERM).\n", f);
    fprintf(f, "More in man tcpshake-%s.\n", c->name);
}

enum {
    O_MSS = 256, O_NOMSS, O_WSCALE, O_SACKOK, O_TS, O_WIN, O_SPORT, O_ISN,
    O_SRC, O_ADDR, O_DATA, O_REPLY, O_CLOSE, O_RTO, O_RTOMIN, O_RETRIES,
    O_TIMEOUT, O_LINGER, O_TIMEWAIT, O_NOGUARD, O_MARK, O_COUNT, O_OUT,
    O_JSON, O_COLOR, O_TO, O_CONN, O_LADDER, O_WIDTH, O_SVG, O_ZEEK, O_STATS,
};

static const struct option long_opts[] = {
    {"mss", required_argument, NULL, O_MSS},
    {"no-mss", no_argument, NULL, O_NOMSS},
    {"wscale", required_argument, NULL, O_WSCALE},
    {"sackok", no_argument, NULL, O_SACKOK},
    {"ts", no_argument, NULL, O_TS},
    {"win", required_argument, NULL, O_WIN},
    {"sport", required_argument, NULL, O_SPORT},
    {"isn", required_argument, NULL, O_ISN},
    {"src", required_argument, NULL, O_SRC},
    {"addr", required_argument, NULL, O_ADDR},
    {"data", required_argument, NULL, O_DATA},
    {"reply", required_argument, NULL, O_REPLY},
    {"close", required_argument, NULL, O_CLOSE},
    {"rto", required_argument, NULL, O_RTO},
    {"rto-min", required_argument, NULL, O_RTOMIN},
    {"retries", required_argument, NULL, O_RETRIES},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"linger", required_argument, NULL, O_LINGER},
    {"time-wait", required_argument, NULL, O_TIMEWAIT},
    {"no-rst-guard", no_argument, NULL, O_NOGUARD},
    {"mark", required_argument, NULL, O_MARK},
    {"count", required_argument, NULL, O_COUNT},
    {"out", required_argument, NULL, O_OUT},
    {"write", required_argument, NULL, 'w'},
    {"json", no_argument, NULL, O_JSON},
    {"ladder", no_argument, NULL, O_LADDER},
    {"width", required_argument, NULL, O_WIDTH},
    {"svg", required_argument, NULL, O_SVG},
    {"zeek-log", required_argument, NULL, O_ZEEK},
    {"stats", no_argument, NULL, O_STATS},
    {"color", required_argument, NULL, O_COLOR},
    {"colour", required_argument, NULL, O_COLOR},
    {"to", required_argument, NULL, O_TO},
    {"conn", required_argument, NULL, O_CONN},
    {"interface", required_argument, NULL, 'i'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, CLI_OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int num(const struct ts_drive_cli *c, const char *opt, const char *text,
               uint64_t min, uint64_t max, uint64_t *v)
{
    return cli_uint(c->name, opt, text, min, max, v);
}

static int secs(const struct ts_drive_cli *c, const char *opt, const char *text,
                double max, uint64_t *ns)
{
    return cli_secs(c->name, opt, text, 0, max, ns);
}

static int payload(struct ts_drive_cli *c, const char *opt, const char *text)
{
    char e[512];
    if (c->data) {
        fail(c, "%s given twice", opt);
        return -1;
    }
    if (ts_craft_payload_text(text, 64u << 20, &c->data, &c->cfg.data_len, e,
                           sizeof e) < 0) {
        fail(c, "%s: %s", opt, e);
        return -1;
    }
    if (c->cfg.data_len == 0) {
        fail(c, "%s '%s': empty payload (leave it out to send none)", opt, text);
        return -1;
    }
    c->cfg.data = c->data;
    return 0;
}

/* The option parsers below take getopt's ch and optarg and return
 * OPT_NEXT when they stored it, OPT_NOT_MINE for an option of another
 * group, or an exit status. */
enum { OPT_NEXT = -1, OPT_NOT_MINE = -2 };

/* What the SYN offers and where the connection runs from: --mss, --no-mss,
 * --wscale, --sackok, --ts, --win, --sport, --isn, --src, --addr, --data,
 * --reply. */
static int parse_segment_opt(struct ts_drive_cli *c, int ch)
{
    struct ts_drive_cfg *g = &c->cfg;
    uint64_t v;

    switch (ch) {
    case O_MSS:
        if (num(c, "--mss", optarg, 1, 65535, &v) < 0) return EXIT_USAGE;
        g->syn.mss = (uint16_t)v;
        break;
    case O_NOMSS: g->syn.no_mss = true; break;
    case O_WSCALE:
        if (num(c, "--wscale", optarg, 0, 14, &v) < 0) return EXIT_USAGE;
        g->syn.wscale = true;
        g->syn.wscale_shift = (uint8_t)v;
        break;
    case O_SACKOK: g->syn.sackok = true; break;
    case O_TS: g->syn.ts = true; break;
    case O_WIN:
        if (num(c, "--win", optarg, 0, 1u << 30, &v) < 0) return EXIT_USAGE;
        g->win = (uint32_t)v; /* above 65535 only with --wscale: see below */
        break;
    case O_SPORT:
        if (c->cmd == TS_DRIVE_CMD_LISTEN) return fail(c, "--sport: the port is the argument");
        if (num(c, "--sport", optarg, 1, 65535, &v) < 0) return EXIT_USAGE;
        g->lport = (uint16_t)v;
        break;
    case O_ISN:
        if (num(c, "--isn", optarg, 0, UINT32_MAX, &v) < 0) return EXIT_USAGE;
        g->isn = (uint32_t)v;
        g->isn_set = true;
        break;
    case O_SRC:
    case O_ADDR: {
        char e[256];
        bool hp;
        uint16_t p;
        if (ts_craft_parse_endpoint(optarg, false, &g->local, &p, &hp, e,
                                 sizeof e) < 0)
            return fail(c, "%s", e);
        if (hp)
            return fail(c, "%s %s: an address without a port",
                        ch == O_SRC ? "--src" : "--addr", optarg);
        break;
    }
    case O_DATA:
        if (c->cmd != TS_DRIVE_CMD_CONNECT)
            return fail(c, "--data is for connect (listen: --reply)");
        if (payload(c, "--data", optarg) < 0) return EXIT_USAGE;
        break;
    case O_REPLY:
        if (c->cmd != TS_DRIVE_CMD_LISTEN)
            return fail(c, "--reply is for listen (connect: --data)");
        if (payload(c, "--reply", optarg) < 0) return EXIT_USAGE;
        break;
    default:
        return OPT_NOT_MINE;
    }
    return OPT_NEXT;
}

/* How the connection is run and ended: --close, --rto, --rto-min,
 * --retries, --timeout, --linger, --time-wait, --no-rst-guard, --mark,
 * --count, --to, --conn, -i. */
static int parse_run_opt(struct ts_drive_cli *c, int ch)
{
    struct ts_drive_cfg *g = &c->cfg;
    uint64_t v;

    switch (ch) {
    case O_CLOSE:
        if (ts_drive_close_parse(optarg, &g->close) < 0)
            return cli_fail(c->name, "--close", "'%s': active, passive, rst or none", optarg);
        break;
    case O_RTO:
    case O_RTOMIN:
        if (num(c, ch == O_RTO ? "--rto" : "--rto-min", optarg, 1, 600000, &v) < 0)
            return EXIT_USAGE;
        if (ch == O_RTO) g->rto_ns = v * 1000000ull;
        else g->rto_min_ns = v * 1000000ull;
        break;
    case O_RETRIES:
        if (num(c, "--retries", optarg, 0, 30, &v) < 0) return EXIT_USAGE;
        g->retries = (unsigned)v;
        break;
    case O_TIMEOUT:
        if (secs(c, "--timeout", optarg, 86400, &g->timeout_ns) < 0) return EXIT_USAGE;
        break;
    case O_LINGER:
        if (secs(c, "--linger", optarg, 3600, &g->linger_ns) < 0) return EXIT_USAGE;
        break;
    case O_TIMEWAIT:
        if (secs(c, "--time-wait", optarg, 3600, &g->time_wait_ns) < 0) return EXIT_USAGE;
        break;
    case O_NOGUARD: g->no_guard = true; break;
    case O_MARK:
        if (num(c, "--mark", optarg, 1, UINT32_MAX, &v) < 0) return EXIT_USAGE; /* the kernel's RSTs carry 0 */
        g->mark = (uint32_t)v;
        break;
    case O_COUNT:
        if (c->cmd == TS_DRIVE_CMD_REPLAY) return fail(c, "--count is for connect and listen");
        if (num(c, "--count", optarg, 1, 60000, &v) < 0) return EXIT_USAGE;
        g->count = (unsigned)v;
        break;
    case O_TO:
        if (c->cmd != TS_DRIVE_CMD_REPLAY) return fail(c, "--to is for replay");
        c->addr_text = optarg;
        break;
    case O_CONN:
        if (c->cmd != TS_DRIVE_CMD_REPLAY) return fail(c, "--conn is for replay");
        if (num(c, "--conn", optarg, 1, UINT32_MAX, &v) < 0) return EXIT_USAGE;
        g->count = (unsigned)v; /* replay: the connection number */
        c->conn_set = true;
        break;
    case 'i': g->iface = optarg; break;
    default:
        return OPT_NOT_MINE;
    }
    return OPT_NEXT;
}

/* What is shown and written: --out, -w, --json, --ladder, --width, --svg,
 * --zeek-log, --stats, -q, -S, --color. */
static int parse_output_opt(struct ts_drive_cli *c, int ch)
{
    uint64_t v;

    switch (ch) {
    case O_OUT: c->outfile = optarg; break;
    case 'w': c->wfile = optarg; break;
    case O_JSON: c->json = true; break;
    case O_LADDER: c->ladder = true; break;
    case O_WIDTH:
        if (num(c, "--width", optarg, TS_LADDER_WIDTH_MIN, TS_LADDER_WIDTH_MAX, &v) < 0) return EXIT_USAGE;
        c->width = (unsigned)v;
        break;
    case O_SVG: c->svg_path = optarg; break;
    case O_ZEEK: c->zeek_path = optarg; break;
    case O_STATS: c->stats = true; break;
    case 'q': c->quiet = true; break;
    case 'S': c->abs_seq = true; break;
    case O_COLOR:
        if (cli_color(c->name, "--color", optarg, &c->color) < 0) return EXIT_USAGE;
        break;
    default:
        return OPT_NOT_MINE;
    }
    return OPT_NEXT;
}

/* What holds only for the options together: -4 against -6 and --addr, the
 * window against --wscale, no output path given twice or as another's.
 * Returns -1 to go on, or an exit status. */
static int parse_check(struct ts_drive_cli *c, bool want4, bool want6)
{
    struct ts_drive_cfg *g = &c->cfg;

    if (want4 && want6)
        return fail(c, "-4 and -6 exclude each other");
    if (g->syn.mss && g->syn.no_mss)
        return fail(c, "--mss and --no-mss exclude each other");
    /* the window field has 16 bits; more needs window scaling (whichever
     * option came first) */
    if (g->win > 65535 && !g->syn.wscale)
        g->win = 65535;
    if (c->cmd == TS_DRIVE_CMD_LISTEN) {
        g->family = g->local.family ? g->local.family : want6 ? 6 : 4;
        if ((want4 && g->family == 6) || (want6 && g->family == 4))
            return fail(c, "--addr and %s disagree", want4 ? "-4" : "-6");
    }
    const char *opts[] = {"--out", "-w", "--svg", "--zeek-log"};
    const char *paths[] = {c->outfile, c->wfile, c->svg_path, c->zeek_path};
    if (outputs_check_paths(c->name, NULL, opts, paths, 4) < 0)
        return EXIT_USAGE;
    return -1;
}

int ts_drive_cli_parse(struct ts_drive_cli *c, int argc, char **argv, char ***pos,
                    int *npos)
{
    int ch, r;
    bool want6 = false, want4 = false;

    optind = 0;
    opterr = 0;
    /* positional arguments may come anywhere (GNU getopt permutes) */
    while ((ch = getopt_long(argc, argv, ":i:w:qS46h", long_opts, NULL)) != -1) {
        switch (ch) {
        case '4': want4 = true; continue;
        case '6': want6 = true; continue;
        case 'h':
            usage(c, stdout);
            return EXIT_DONE;
        case CLI_OPT_VERSION:
            return cli_version();
        }
        r = parse_segment_opt(c, ch);
        if (r == OPT_NOT_MINE)
            r = parse_run_opt(c, ch);
        if (r == OPT_NOT_MINE)
            r = parse_output_opt(c, ch);
        if (r == OPT_NOT_MINE)
            return cli_getopt_error(c->name, ch, argv, optind, optopt);
        if (r != OPT_NEXT)
            return r;
    }
    if ((r = parse_check(c, want4, want6)) >= 0)
        return r;
    *pos = argv + optind;
    *npos = argc - optind;
    return -1;
}

int ts_drive_cli_peer(struct ts_drive_cli *c, const char *host, const char *port)
{
    struct ts_drive_cfg *g = &c->cfg;
    char e[256], text[300];
    bool hp;

    if (port) {
        /* HOST PORT: put them together the way craft's parser reads them */
        snprintf(text, sizeof text, strchr(host, ':') && host[0] != '[' ? "[%s]:%s" : "%s:%s",
                 host, port);
    } else {
        snprintf(text, sizeof text, "%s", host);
    }
    if (ts_craft_parse_endpoint(text, true, &g->remote, &g->rport, &hp, e, sizeof e) < 0)
        return fail(c, "%s", e);
    if (g->rport == 0)
        return fail(c, "port 0 cannot be connected to");
    g->family = g->remote.family;
    if (g->local.family && g->local.family != g->family)
        return fail(c, "mixed IPv4 and IPv6: --src and %s", text);
    return -1;
}

/* ---- output --------------------------------------------------------------- */

static void print_time(FILE *f, uint64_t t_ns)
{
    time_t s = (time_t)(t_ns / 1000000000u);
    struct tm tm;
    gmtime_r(&s, &tm);
    fprintf(f, "%02d:%02d:%02d.%06u", tm.tm_hour, tm.tm_min, tm.tm_sec,
            (unsigned)(t_ns % 1000000000u / 1000u));
}

static void hook_data(void *user, unsigned conn_no, const uint8_t *p, uint32_t n)
{
    struct ts_drive_cli *c = user;
    if (!c->df)
        return;
    if (!c->label_data) {
        fwrite(p, 1, n, c->df);
        fflush(c->df);
        return;
    }
    /* several clients at once: each line says whose it is; a line one
     * client left unfinished is ended before another's starts */
    if (c->data_mid_line && conn_no != c->data_conn) {
        fputc('\n', c->df);
        c->data_mid_line = false;
    }
    c->data_conn = conn_no;
    for (uint32_t i = 0; i < n;) {
        if (!c->data_mid_line)
            fprintf(c->df, "#%u: ", conn_no);
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        uint32_t end = nl ? (uint32_t)(nl - p) + 1 : n;
        fwrite(p + i, 1, end - i, c->df);
        c->data_mid_line = !nl;
        i = end;
    }
    fflush(c->df);
}

static void hook_note(void *user, uint64_t t_ns, const char *text)
{
    struct ts_drive_cli *c = user;
    /* -q keeps what a replay found different: the exit status alone does
     * not say what it was */
    if (c->quiet && strncmp(text, TS_DRIVE_DIFFERS_NOTE, strlen(TS_DRIVE_DIFFERS_NOTE)) != 0)
        return;
    ts_out_flush(c->out);
    if (c->json) {
        fprintf(c->tf, "{\"type\":\"note\",\"ts\":%llu.%09llu,\"text\":",
                (unsigned long long)(t_ns / 1000000000u),
                (unsigned long long)(t_ns % 1000000000u));
        cli_json_str(c->tf, text);
        fputs("}\n", c->tf);
    } else {
        print_time(c->tf, t_ns);
        fprintf(c->tf, " -- %s\n", text);
    }
    fflush(c->tf);
}

static void hook_frame(void *user, uint64_t t_ns, const uint8_t *ip, uint32_t len)
{
    struct ts_drive_cli *c = user;
    if (c->pcap && !c->pcap_failed &&
        ts_craft_pcap_write(c->pcap, t_ns, ip, len, c->pcap_err, sizeof c->pcap_err) < 0)
        c->pcap_failed = true;
}

/* ---- signals: a thread waits for them, sets the flag, wakes the loop ------- */

static void *sig_thread(void *arg)
{
    struct ts_drive_cli *c = arg;
    int sig;
    if (sigwait(&c->sigs, &sig) == 0) {
        c->signo = sig;
        c->stop = 1;
        ssize_t w = write(c->wake[1], "x", 1);
        (void)w;
    }
    return NULL;
}

static int exit_for(enum ts_drive_outcome o)
{
    switch (o) {
    case TS_DRIVE_OK: return EXIT_DONE;
    case TS_DRIVE_FAILED: return EXIT_FAILED;
    case TS_DRIVE_REFUSED: return EXIT_REFUSED;
    case TS_DRIVE_UNREACHABLE: return EXIT_UNREACHABLE;
    case TS_DRIVE_TIMEOUT: return EXIT_SILENCE;
    case TS_DRIVE_RESET: return EXIT_RESET;
    case TS_DRIVE_DIFFERS: return EXIT_DIFFERS;
    case TS_DRIVE_INTERRUPTED: return 130;
    }
    return EXIT_FAILED;
}

int ts_drive_cli_run(struct ts_drive_cli *c, const char *what,
                  int (*run)(struct ts_drive_cli *c, void *arg, char *err,
                             size_t errlen),
                  void *arg)
{
    char err[640] = "", e[256];
    int status;

    setlocale(LC_CTYPE, "");
    c->label_data = c->cmd == TS_DRIVE_CMD_LISTEN && c->cfg.count > 1;
    /* the peer's data on stdout unless --out; the trace where it is not */
    if (c->outfile) {
        c->df = fopen(c->outfile, "wb");
        if (!c->df)
            return fail(c, "--out %s: %s", c->outfile, strerror(errno));
        c->tf = stdout;
    } else {
        c->df = stdout;
        c->tf = stderr;
    }
    c->out = malloc(sizeof *c->out);
    if (!c->out) {
        if (c->outfile) fclose(c->df);
        return fail(c, "out of memory");
    }
    ts_out_init(c->out, c->tf, true);
    c->rc.json = c->json;
    c->rc.abs_seq = c->abs_seq;
    c->rc.numeric = true;
    c->rc.color = c->color < 0 ? cli_color_auto(c->tf) && !c->json : c->color == 1 && !c->json;
    const char *cs = nl_langinfo(CODESET);
    c->rc.utf8 = cs && !strcmp(cs, "UTF-8");
    if (c->ladder && (c->json || c->quiet)) {
        if (c->outfile) fclose(c->df);
        return fail(c, "--ladder: cannot be combined with --json or -q");
    }
    /* the sinks, in the order trace gives them: the lines (only the
     * verdicts with -q) or the ladder, then SVG, Zeek log, totals */
    outputs_init(&c->outs, c->name);
    bool ok;
    if (c->ladder) {
        struct winsize ws;
        unsigned w = c->width;
        if (w == 0 && isatty(fileno(c->tf)) && ioctl(fileno(c->tf), TIOCGWINSZ, &ws) == 0)
            w = ws.ws_col; /* the ladder clamps it to its bounds */
        struct ts_ladder_cfg lcfg = {.utf8 = c->rc.utf8, .color = c->rc.color, .width = w};
        ok = outputs_add(&c->outs, "--ladder", ts_sink_ladder(c->out, &lcfg)) == 0;
    } else {
        ok = outputs_add(&c->outs, "", ts_sink_text(c->out, &c->rc, c->quiet)) == 0;
    }
    if (ok && c->svg_path) {
        struct ts_svg_cfg scfg = {.title = what};
        ok = outputs_add_svg(&c->outs, c->svg_path, &scfg) == 0;
    }
    if (ok && c->zeek_path)
        ok = outputs_add_zeeklog(&c->outs, c->zeek_path) == 0;
    if (ok && c->stats)
        ok = outputs_add_stats(&c->outs, c->out, c->json) == 0;
    if (ok) {
        struct ts_engine_cfg ecfg;
        ts_engine_cfg_default(&ecfg);
        /* a verdict is given when our own TIME_WAIT ends */
        ecfg.track.time_wait_ns = c->cfg.time_wait_ns ? c->cfg.time_wait_ns : 1;
        ecfg.track.max_conns = 65536;
        ecfg.threads = 1;
        ok = (c->eng = outputs_engine(&c->outs, &ecfg)) != NULL;
    }
    if (!ok) {
        outputs_close(&c->outs, EXIT_USAGE);
        if (c->outfile) fclose(c->df);
        return EXIT_USAGE;
    }
    if (c->wfile) {
        c->pcap = ts_craft_pcap_open(c->wfile, 101 /* LINKTYPE_RAW */, e, sizeof e);
        if (!c->pcap) {
            ts_engine_free(c->eng);
            c->eng = NULL;
            outputs_close(&c->outs, EXIT_USAGE);
            if (c->outfile) fclose(c->df);
            return fail(c, "-w %s", e);
        }
    }
    struct ts_drive_hooks h = {.user = c, .data = hook_data, .note = hook_note,
                               .frame = hook_frame};
    c->cfg.hooks = h;
    c->cfg.engine = c->eng;
    c->cfg.stop = &c->stop;

    /* SIGINT, SIGTERM, SIGHUP: blocked everywhere, taken by one thread that
     * sets the flag and wakes the session's poll(); the session then aborts
     * its connection and removes the guard on the normal path. */
    pthread_t tid;
    bool have_thread = false;
    if (pipe(c->wake) == 0) {
        c->cfg.wake_fd = c->wake[0];
        sigemptyset(&c->sigs);
        sigaddset(&c->sigs, SIGINT);
        sigaddset(&c->sigs, SIGTERM);
        sigaddset(&c->sigs, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &c->sigs, NULL);
        have_thread = pthread_create(&tid, NULL, sig_thread, c) == 0;
    }
    signal(SIGPIPE, SIG_IGN);

    int rc = run(c, arg, err, sizeof err);
    /* what each sink kept for the end (the totals, the SVG picture) */
    outputs_finish(&c->outs, c->eng);
    ts_out_flush(c->out);

    if (have_thread) {
        pthread_cancel(tid);
        pthread_join(tid, NULL);
    }
    if (c->wake[0] >= 0) {
        close(c->wake[0]);
        close(c->wake[1]);
    }
    if (rc < 0) {
        fail(c, "%s", err);
        status = EXIT_USAGE;
    } else {
        struct ts_drive_result *r = &c->res;
        status = exit_for(r->outcome);
        if (r->outcome == TS_DRIVE_INTERRUPTED)
            status = c->signo == SIGTERM ? 143 : c->signo == SIGHUP ? 129 : 130;
        if (c->json) {
            fprintf(c->tf, "{\"type\":\"%s\",\"target\":", c->name);
            cli_json_str(c->tf, what);
            fprintf(c->tf, ",\"outcome\":\"%s\",\"exit\":%d,\"conns_ok\":%u,"
                    "\"conns_failed\":%u,\"bytes_sent\":%llu,\"bytes_received\":%llu,"
                    "\"retransmissions\":%u,\"bad_checksums\":%u,\"fast_retransmits\":%u,\"lost_retransmits\":%u,\"tail_probes\":%u,\"stall_probes\":%u,\"spurious_recoveries\":%u,\"spurious_rtos\":%u,"
                    "\"dup_acks\":%u,\"out_of_order\":%u,\"out_of_order_dropped\":%u,"
                    "\"window_probes\":%u,\"pmtu_updates\":%u,\"capture_drops\":%llu,"
                    "\"handshakes\":%u,\"handshake_us_mean\":%.3f,"
                    "\"handshake_us_min\":%.3f,\"handshake_us_max\":%.3f,"
                    "\"handshake_us_median\":%.3f,\"handshake_us_p99\":%.3f,\"message\":",
                    ts_drive_outcome_name(r->outcome), status, r->conns_ok,
                    r->conns_failed, (unsigned long long)r->bytes_sent,
                    (unsigned long long)r->bytes_received, r->retransmissions,
                    r->bad_checksums, r->fast_retransmits, r->lost_retransmits, r->tail_probes, r->stall_probes, r->spurious_recoveries, r->spurious_rtos, r->dup_acks, r->out_of_order,
                    r->ooo_dropped, r->window_probes, r->pmtu_updates,
                    (unsigned long long)r->capture_drops, r->hs_n, r->hs_n ? (double)r->hs_ns_sum / r->hs_n / 1e3 : 0.0,
                    (double)r->hs_ns_min / 1e3, (double)r->hs_ns_max / 1e3,
                    (double)r->hs_ns_median / 1e3, (double)r->hs_ns_p99 / 1e3);
            cli_json_str(c->tf, r->outcome == TS_DRIVE_OK ? "" : err);
            fputs("}\n", c->tf);
        } else {
            fprintf(c->tf, "== %s %s: %s, %u connection%s ok", c->name, what,
                    ts_drive_outcome_name(r->outcome), r->conns_ok,
                    r->conns_ok == 1 ? "" : "s");
            if (r->conns_failed)
                fprintf(c->tf, ", %u failed", r->conns_failed);
            fprintf(c->tf, ", sent %llu B, received %llu B, %u retransmission%s",
                    (unsigned long long)r->bytes_sent,
                    (unsigned long long)r->bytes_received, r->retransmissions,
                    r->retransmissions == 1 ? "" : "s");
            if (r->fast_retransmits)
                fprintf(c->tf, " (%u fast)", r->fast_retransmits);
            if (r->bad_checksums)
                fprintf(c->tf, ", %u dropped (bad checksum)", r->bad_checksums);
            if (r->out_of_order)
                fprintf(c->tf, ", %u out of order", r->out_of_order);
            if (r->window_probes)
                fprintf(c->tf, ", %u window probe%s", r->window_probes,
                        r->window_probes == 1 ? "" : "s");
            if (r->pmtu_updates)
                fprintf(c->tf, ", path MTU lowered %u time%s", r->pmtu_updates,
                        r->pmtu_updates == 1 ? "" : "s");
            if (r->capture_drops)
                fprintf(c->tf, ", %llu frame%s dropped by the capture",
                        (unsigned long long)r->capture_drops,
                        r->capture_drops == 1 ? "" : "s");
            if (r->hs_n)
                fprintf(c->tf, ", handshake %.1f us mean (%u, median %.1f, min %.1f, "
                        "max %.1f)", (double)r->hs_ns_sum / r->hs_n / 1e3, r->hs_n,
                        (double)r->hs_ns_median / 1e3, (double)r->hs_ns_min / 1e3,
                        (double)r->hs_ns_max / 1e3);
            fputc('\n', c->tf);
        }
        fflush(c->tf);
        if (r->outcome != TS_DRIVE_OK)
            fprintf(stderr, "tcpshake: %s: %s\n", c->name, err);
    }
    if (c->pcap && ts_craft_pcap_close(c->pcap, e, sizeof e) < 0 && !c->pcap_failed) {
        fprintf(stderr, "tcpshake: %s: -w %s\n", c->name, e);
        if (status == EXIT_DONE) status = EXIT_FAILED;
    }
    if (c->pcap_failed) {
        fprintf(stderr, "tcpshake: %s: -w %s\n", c->name, c->pcap_err);
        if (status == EXIT_DONE) status = EXIT_FAILED;
    }
    ts_engine_free(c->eng);
    c->eng = NULL;
    status = outputs_close(&c->outs, status);
    if (c->outs.failed && status == EXIT_DONE)
        status = EXIT_FAILED;
    if (c->outfile && fclose(c->df) != 0) {
        fprintf(stderr, "tcpshake: %s: --out %s: %s\n", c->name, c->outfile,
                strerror(errno));
        if (status == EXIT_DONE) status = EXIT_FAILED;
    }
    return status;
}

/* ---- connect ------------------------------------------------------------------ */

static int run_connect(struct ts_drive_cli *c, void *arg, char *err, size_t errlen)
{
    (void)arg;
    return ts_drive_connect(&c->cfg, &c->res, err, errlen);
}

int cmd_connect(int argc, char **argv)
{
    struct ts_drive_cli *c = ts_drive_cli_new(TS_DRIVE_CMD_CONNECT);
    char **pos = NULL, what[300];
    int npos = 0, r;

    if (!c) {
        fputs("tcpshake: connect: out of memory\n", stderr);
        return EXIT_USAGE;
    }
    r = ts_drive_cli_parse(c, argc, argv, &pos, &npos);
    if (r >= 0)
        goto out;
    if (npos < 2) {
        r = fail(c, "give HOST and PORT (tcpshake connect --help)");
        goto out;
    }
    if (npos > 2) {
        r = fail(c, "unexpected argument '%s'", pos[2]);
        goto out;
    }
    if ((r = ts_drive_cli_peer(c, pos[0], pos[1])) >= 0)
        goto out;
    snprintf(what, sizeof what, strchr(pos[0], ':') ? "[%s]:%s" : "%s:%s",
             pos[0], pos[1]);
    r = ts_drive_cli_run(c, what, run_connect, NULL);
out:
    ts_drive_cli_free(c);
    return r;
}
