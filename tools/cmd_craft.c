/* tcpshake craft: hand-craft TCP segments and send them (root), or write them
 * to a pcap / print them (no root).  Arguments become a config; the library
 * (craft.h, inject.h) does the work; every segment is printed through the
 * tracer's decoder and renderer, so what is shown is what went out.
 *
 * Exit status: 0 done, 1 a send failed midway, 2 nothing sent (usage,
 * privileges, interface, address, options, size), 129 hung up (SIGHUP).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "tcpshake/craft.h"
#include "tcpshake/decode.h"
#include "tcpshake/inject.h"
#include "tcpshake/render.h"

#define EXIT_SENT_FAIL 1
#define EXIT_NOTHING 2

enum seg_type { T_SYN, T_SYNACK, T_ACK, T_FIN, T_RST, T_DATA, T_SEGMENT };

static const struct {
    const char *name;
    uint8_t flags;
} seg_types[] = {
    [T_SYN] = {"syn", TS_TH_SYN},
    [T_SYNACK] = {"synack", TS_TH_SYN | TS_TH_ACK},
    [T_ACK] = {"ack", TS_TH_ACK},
    [T_FIN] = {"fin", TS_TH_FIN | TS_TH_ACK},
    [T_RST] = {"rst", TS_TH_RST},
    [T_DATA] = {"data", TS_TH_PSH | TS_TH_ACK},
    [T_SEGMENT] = {"segment", 0},
};

struct ts_craft_cli {
    enum seg_type type;
    struct ts_craft_seg seg;          /* the template; random fields per segment */
    bool src_set, sport_set, seq_set, id_set, flags_set, opt_set, win_set;
    bool df_given, nodf_given, count_set;
    const char *src_text, *dst_text;
    uint8_t *payload;              /* owned */
    const char *iface;
    uint8_t src_mac[6], dst_mac[6];
    bool src_mac_set, dst_mac_set;
    uint64_t count;                /* 0: until interrupted */
    double rate;                   /* pps; 0: default */
    bool flood;
    const char *wfile;
    bool dry_run, quiet, json;
    bool mark_set;
    uint32_t mark;
    const char *user;              /* -Z */
};

/* The one mutable global: a signal handler can reach nothing else. */
static volatile sig_atomic_t ts_craft_stop;

static void on_signal(int sig)
{
    ts_craft_stop = sig; /* nonzero: every signal caught is */
}

static void usage(FILE *f)
{
    fputs(
"usage: tcpshake craft TYPE --dst ADDR:PORT [OPTIONS]\n"
"  TYPE                syn, synack, ack, fin, rst, data (PSH+ACK) or segment\n"
"                      (no flags: give --flags); each has its flags and options\n"
"segment:\n"
"  --dst ADDR:PORT     destination, IPv6 as [ADDR]:PORT (required)\n"
"  --src ADDR[:PORT]   source (default: the route's source address, random port)\n"
"  --seq N             sequence number, decimal or 0x (default: random)\n"
"  --ack N             acknowledgment number (default 0)\n"
"  --flags LIST        syn,ack,fin,rst,psh,urg,ece,cwr or none, or letters as\n"
"                      SA, S., FPA (default: the type's)\n"
"  --win N             window, unscaled (default 64240; rst: 0)\n"
"  --urp N             urgent pointer (default 0)\n"
"  --opt LIST          TCP options: mss=N,wscale=N,sackok,sack=L-R[:L-R],\n"
"                      ts=VAL:ECR,nop,eol,kind=N[:HEX] or none; repeat to append\n"
"                      (default: syn and synack mss=1460, IPv6 1440; else none)\n"
"  --data TEXT|@FILE   payload with C escapes, or a file's bytes (default: none)\n"
"  --hex HEX           payload as hex digits (default: none)\n"
"  --bad-checksum      send the right TCP checksum plus one (default: right)\n"
"IP:\n"
"  --ttl N             TTL or hop limit (default 64; also --hop-limit)\n"
"  --tos N             TOS or traffic class (default 0; also --tclass)\n"
"  --id N              IPv4 identification (default: random, never 0)\n"
"  --df                IPv4 don't-fragment (the default)\n"
"  --no-df             no don't-fragment\n"
"sending (root or CAP_NET_RAW):\n"
"  -i IFACE            send on IFACE at the link layer (default: a raw IP socket)\n"
"  --dst-mac MAC       with -i: destination MAC (default: the neighbour table's)\n"
"  --src-mac MAC       with -i: source MAC (default: the interface's)\n"
"  --mark N            SO_MARK of the socket (default: none)\n"
"  -c, --count N       segments to send, 0 = until ^C (default 1)\n"
"  --rate PPS          segments per second (default: no pacing)\n"
"  --flood             as fast as possible, batched, until ^C unless -c\n"
"                      is given; implies -q\n"
"  -Z USER             drop privileges to USER once the socket is open\n"
"output:\n"
"  -w OUT.pcap         write the frames to a pcap file, send nothing ('-' = stdout)\n"
"  --dry-run           print the segments, send nothing\n"
"  -q                  only the summary\n"
"  --json              the segments as JSON lines\n"
"Exit: 0 done, 1 a send failed after others went out, 2 nothing was sent (bad\n"
"arguments, privileges, the first send failed), 129 hung up (SIGHUP: the summary\n"
"is printed first).\n"
"  --version           the versions of tcpshake, libpcap and libnet\n"
"More in man tcpshake-craft.\n", f);
}

static int fail(const char *msg)
{
    fprintf(stderr, "tcpshake: craft: %s\n", msg);
    return EXIT_NOTHING;
}

enum {
    O_SRC = 256, O_DST, O_SEQ, O_ACK, O_FLAGS, O_WIN, O_URP, O_OPT, O_DATA,
    O_HEX, O_TTL, O_TOS, O_ID, O_DF, O_NODF, O_BADCK, O_DSTMAC, O_SRCMAC,
    O_RATE, O_FLOOD, O_DRY, O_JSON, O_MARK,
};

static const struct option long_opts[] = {
    {"src", required_argument, NULL, O_SRC},
    {"dst", required_argument, NULL, O_DST},
    {"seq", required_argument, NULL, O_SEQ},
    {"ack", required_argument, NULL, O_ACK},
    {"flags", required_argument, NULL, O_FLAGS},
    {"win", required_argument, NULL, O_WIN},
    {"urp", required_argument, NULL, O_URP},
    {"opt", required_argument, NULL, O_OPT},
    {"data", required_argument, NULL, O_DATA},
    {"hex", required_argument, NULL, O_HEX},
    {"ttl", required_argument, NULL, O_TTL},
    {"hop-limit", required_argument, NULL, O_TTL},
    {"tos", required_argument, NULL, O_TOS},
    {"tclass", required_argument, NULL, O_TOS},
    {"id", required_argument, NULL, O_ID},
    {"df", no_argument, NULL, O_DF},
    {"no-df", no_argument, NULL, O_NODF},
    {"bad-checksum", no_argument, NULL, O_BADCK},
    {"interface", required_argument, NULL, 'i'},
    {"dst-mac", required_argument, NULL, O_DSTMAC},
    {"src-mac", required_argument, NULL, O_SRCMAC},
    {"count", required_argument, NULL, 'c'},
    {"rate", required_argument, NULL, O_RATE},
    {"flood", no_argument, NULL, O_FLOOD},
    {"write", required_argument, NULL, 'w'},
    {"dry-run", no_argument, NULL, O_DRY},
    {"quiet", no_argument, NULL, 'q'},
    {"json", no_argument, NULL, O_JSON},
    {"mark", required_argument, NULL, O_MARK},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, CLI_OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int num(const char *what, const char *text, uint64_t max,
               uint64_t *out)
{
    char opt[32];
    snprintf(opt, sizeof opt, "%s%s", strlen(what) == 1 ? "-" : "--", what);
    return cli_uint("craft", opt, text, 0, max, out);
}

/* One option (getopt's ch, its optarg) into c.  Returns -1 to go on, or an
 * exit status. */
static int parse_option(struct ts_craft_cli *c, int ch, char **argv, bool *have_data)
{
    char err[512];
    uint64_t v;

    switch (ch) {
    case O_SRC: c->src_text = optarg; break;
    case O_DST: c->dst_text = optarg; break;
    case O_SEQ:
        if (num("seq", optarg, UINT32_MAX, &v) < 0)
            return EXIT_NOTHING;
        c->seg.seq = (uint32_t)v;
        c->seq_set = true;
        break;
    case O_ACK:
        if (num("ack", optarg, UINT32_MAX, &v) < 0)
            return EXIT_NOTHING;
        c->seg.ack = (uint32_t)v;
        break;
    case O_FLAGS:
        if (ts_craft_flags_parse(optarg, &c->seg.flags, err, sizeof(err)) < 0)
            return fail(err);
        c->flags_set = true;
        break;
    case O_WIN:
        if (num("win", optarg, 0xffff, &v) < 0)
            return EXIT_NOTHING;
        c->seg.win = (uint16_t)v;
        c->win_set = true;
        break;
    case O_URP:
        if (num("urp", optarg, 0xffff, &v) < 0)
            return EXIT_NOTHING;
        c->seg.urp = (uint16_t)v;
        break;
    case O_OPT:
        /* repeated --opt lists append */
        if (ts_craft_opts_parse(&c->seg.opt, optarg, err, sizeof(err)) < 0)
            return fail(err);
        c->opt_set = true;
        break;
    case O_DATA:
    case O_HEX:
        if (*have_data)
            return fail("give one payload (--data or --hex)");
        *have_data = true;
        if ((ch == O_DATA ? ts_craft_payload_text : ts_craft_payload_hex)(
                optarg, 65535, &c->payload, &c->seg.payload_len, err, sizeof(err)) < 0)
            return fail(err);
        if (c->seg.payload_len == 0) {
            snprintf(err, sizeof err, "%s '%s': empty payload (leave it out to send none)",
                     ch == O_DATA ? "--data" : "--hex", optarg);
            return fail(err);
        }
        c->seg.payload = c->payload;
        break;
    case O_TTL:
        if (num("ttl", optarg, 255, &v) < 0)
            return EXIT_NOTHING;
        c->seg.ttl = (uint8_t)v;
        break;
    case O_TOS:
        if (num("tos", optarg, 255, &v) < 0)
            return EXIT_NOTHING;
        c->seg.tos = (uint8_t)v;
        break;
    case O_ID:
        if (num("id", optarg, 0xffff, &v) < 0)
            return EXIT_NOTHING;
        c->seg.ip_id = (uint16_t)v;
        c->id_set = true;
        break;
    case O_DF: c->seg.df = c->df_given = true; break;
    case O_NODF:
        c->seg.df = false;
        c->nodf_given = true;
        break;
    case O_BADCK: c->seg.bad_cksum = true; break;
    case 'i': c->iface = optarg; break;
    case O_DSTMAC:
    case O_SRCMAC:
        if (ts_craft_parse_mac(optarg, ch == O_DSTMAC ? c->dst_mac : c->src_mac, err,
                               sizeof(err)) < 0)
            return fail(err);
        if (ch == O_DSTMAC)
            c->dst_mac_set = true;
        else
            c->src_mac_set = true;
        break;
    case 'c':
        if (num("c", optarg, UINT64_MAX, &c->count) < 0)
            return EXIT_NOTHING;
        c->count_set = true;
        break;
    case O_RATE: {
        char *end;
        errno = 0;
        c->rate = strtod(optarg, &end);
        if (errno || *end || !(c->rate > 0) || c->rate > 1e9)
            return cli_fail("craft", "--rate", "'%s' is not a number of segments "
                            "per second, more than 0 and at most 1e9", optarg);
        break;
    }
    case O_FLOOD: c->flood = true; break;
    case 'w': c->wfile = optarg; break;
    case O_DRY: c->dry_run = true; break;
    case 'q': c->quiet = true; break;
    case O_JSON: c->json = true; break;
    case O_MARK:
        if (num("mark", optarg, UINT32_MAX, &v) < 0)
            return EXIT_NOTHING;
        c->mark = (uint32_t)v;
        c->mark_set = true;
        break;
    case 'Z': c->user = optarg; break;
    default:
        return cli_getopt_error("craft", ch, argv, optind, optopt);
    }
    return -1;
}

/* The operand: exactly one segment type.  Returns -1 to go on, or an exit
 * status. */
static int parse_type(struct ts_craft_cli *c, int argc, char **argv)
{
    char msg[600];
    size_t t, ntypes = sizeof(seg_types) / sizeof(seg_types[0]);

    if (optind >= argc)
        return fail("which segment? syn, synack, ack, fin, rst, data or "
                    "segment (tcpshake craft --help)");
    for (t = 0; t < ntypes; t++)
        if (strcmp(argv[optind], seg_types[t].name) == 0)
            break;
    if (t == ntypes) {
        snprintf(msg, sizeof(msg), "unknown segment type '%s' (syn, synack, "
                 "ack, fin, rst, data, segment)", argv[optind]);
        return fail(msg);
    }
    c->type = (enum seg_type)t;
    if (optind + 1 < argc) {
        snprintf(msg, sizeof(msg), "unexpected argument '%s'", argv[optind + 1]);
        return fail(msg);
    }
    return -1;
}

/* Options that need or exclude others, then what the type implies for what
 * was not given.  Returns -1 to go on, or an exit status. */
static int check_and_default(struct ts_craft_cli *c)
{
    if (!c->dst_text)
        return fail("--dst ADDR:PORT is required");
    if (c->rate > 0 && c->flood)
        return fail("--rate and --flood exclude each other");
    if (c->df_given && c->nodf_given)
        return fail("--df and --no-df exclude each other");
    if (c->dry_run && c->wfile)
        return fail("--dry-run and -w exclude each other (-w sends nothing either)");
    if (c->flood && !c->count_set)
        c->count = 0; /* as hping3's --flood: until interrupted */
    if (c->count == 0 && (c->wfile || c->dry_run))
        return fail(c->wfile ? "-w with --count 0 would write without end: give a count"
                             : "--dry-run with --count 0 would print without end: give a "
                               "count");
    if ((c->dst_mac_set || c->src_mac_set) && !c->iface)
        return fail("--dst-mac and --src-mac need -i IFACE");
    if (c->type == T_DATA && c->seg.payload_len == 0)
        return fail("data: give the payload with --data or --hex");
    if (!c->flags_set)
        c->seg.flags = seg_types[c->type].flags;
    if (!c->win_set && c->type == T_RST)
        c->seg.win = 0; /* as a kernel's RST carries */
    return -1;
}

/* Parse argv into c: the options, the segment type, then their checks.
 * Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct ts_craft_cli *c)
{
    int ch, r;
    bool have_data = false;

    ts_craft_seg_init(&c->seg);
    c->count = 1;
    optind = 0; /* GNU: reinitialise; argv[0] is "craft" */
    opterr = 0; /* our own one-line messages */
    while ((ch = getopt_long(argc, argv, ":i:c:w:qZ:h", long_opts, NULL)) != -1) {
        if (ch == 'h') {
            usage(stdout);
            return 0;
        }
        if (ch == CLI_OPT_VERSION)
            return cli_version();
        if ((r = parse_option(c, ch, argv, &have_data)) >= 0)
            return r;
    }
    if ((r = parse_type(c, argc, argv)) >= 0)
        return r;
    return check_and_default(c);
}

/* Addresses, MACs, default options; lookups the kernel answers without any
 * privilege.  Returns -1 to go on or an exit status. */
static int resolve(struct ts_craft_cli *c, bool sending, uint32_t *mtu,
                   struct ts_inject_iface *ifc)
{
    char err[512], msg[700];
    bool has_port;
    struct ts_addr rsrc;
    uint32_t rmtu = 0;

    if (ts_craft_parse_endpoint(c->dst_text, true, &c->seg.dst, &c->seg.dport,
                             &has_port, err, sizeof(err)) < 0)
        return fail(err);
    if (c->src_text) {
        if (ts_craft_parse_endpoint(c->src_text, false, &c->seg.src,
                                 &c->seg.sport, &has_port, err,
                                 sizeof(err)) < 0)
            return fail(err);
        c->src_set = true;
        c->sport_set = has_port;
        if (c->seg.src.family != c->seg.dst.family) {
            snprintf(msg, sizeof(msg), "mixed IPv4 and IPv6: --src %s, --dst "
                     "%s", c->src_text, c->dst_text);
            return fail(msg);
        }
    }
    /* The route gives the source when none was given, and the path MTU. */
    if (!c->src_set || (sending && !c->iface)) {
        if (ts_inject_route_get(&c->seg.dst, &rsrc, &rmtu, err, sizeof(err)) <
            0) {
            if (!c->src_set) {
                snprintf(msg, sizeof(msg), "%s: give --src", err);
                return fail(msg);
            }
            if (sending)
                return fail(err);
        }
        if (!c->src_set)
            c->seg.src = rsrc;
    }
    *mtu = rmtu;
    if (c->iface) {
        if (ts_inject_iface_get(c->iface, ifc, err, sizeof(err)) < 0)
            return fail(err);
        *mtu = ifc->mtu;
        if (!c->src_mac_set)
            memcpy(c->src_mac, ifc->mac, 6);
        if (!c->dst_mac_set && !ifc->loopback &&
            ts_inject_neigh_mac(&c->seg.dst, ifc->index, c->iface, c->dst_mac,
                             err, sizeof(err)) < 0)
            return fail(err);
    }
    if (!c->opt_set && (c->type == T_SYN || c->type == T_SYNACK)) {
        /* An option-less SYN gets dropped by some middleboxes: offer the MSS
         * of a 1500-byte Ethernet path unless told otherwise. */
        if (ts_craft_opts_add_mss(&c->seg.opt,
                               c->seg.dst.family == 4 ? 1460 : 1440, err,
                               sizeof(err)) < 0)
            return fail(err);
    }
    if (ts_craft_opts_check(&c->seg.opt, err, sizeof(err)) < 0)
        return fail(err);
    return -1;
}

/* Fresh random values for whatever the user left unset. */
static int randomize(struct ts_craft_cli *c, struct ts_craft_rng *rng)
{
    uint32_t r;

    if (!c->sport_set) {
        if (ts_craft_rng_u32(rng, &r) < 0)
            return -1;
        c->seg.sport = (uint16_t)(1024 + r % (65536 - 1024));
    }
    if (!c->seq_set) {
        if (ts_craft_rng_u32(rng, &r) < 0)
            return -1;
        c->seg.seq = r;
    }
    if (!c->id_set && c->seg.dst.family == 4) {
        if (ts_craft_rng_u32(rng, &r) < 0)
            return -1;
        /* never 0: a raw socket's kernel would replace it */
        c->seg.ip_id = (uint16_t)(1 + r % 65535);
    }
    return 0;
}

static void print_frame(struct ts_out *out, const struct ts_render_cfg *rc,
                        const struct ts_craft_frame *f, uint64_t t_ns)
{
    struct ts_seg s;

    if (ts_decode(f->dlt, f->data, f->len, f->len, true, &s) == TS_DEC_TCP) {
        s.t_ns = t_ns;
        ts_render_seg(out, rc, &s, NULL);
    } else {
        ts_render_bad(out, rc, t_ns, s.anomalies, "crafted frame did not "
                      "decode");
    }
}

/* One sendmmsg() of the queue; counts what went out.  -1 on a real error. */
static int flush_some(struct ts_craft_session *sess, uint64_t *sent, char *err,
                      size_t errlen)
{
    unsigned n = 0;
    int r = ts_craft_flush(sess, &n, err, errlen);

    *sent += n;
    return r < 0 ? -1 : 1;
}

/* One run, from the open session to the summary. */
struct craft_run {
    bool sending;                  /* not -w, not --dry-run */
    struct ts_craft_session *sess;
    struct ts_craft_pcap *pcap;    /* -w */
    struct ts_out *out;
    FILE *tf;                      /* where the segments are printed */
    struct ts_render_cfg rc;
    struct ts_craft_rng rng;
    struct ts_inject_pace pace;
    double pps;                    /* 0: no pacing */
    uint64_t interval_ns, wall0;
    uint64_t sent, t_first, t_last;
    int rc_exit;
};

/* The segment fits IP's length field and, when sent, the MTU.  Returns -1
 * to go on, or an exit status. */
static int check_size(const struct ts_craft_cli *c, bool sending, uint32_t mtu)
{
    char msg[700];
    uint32_t ip_len = ts_craft_seg_ip_len(&c->seg);
    /* IPv4 counts its header in the 16-bit length, IPv6 does not. */
    if (c->seg.dst.family == 4 ? ip_len > 65535 : ip_len - 40 > 65535) {
        snprintf(msg, sizeof(msg), "segment of %u bytes is larger than IP "
                 "allows", (unsigned)ip_len);
        return fail(msg);
    }
    if (sending && mtu && ip_len > mtu) {
        snprintf(msg, sizeof(msg), "segment of %u bytes exceeds the MTU %u %s%s "
                 "(%s): shorten the payload", (unsigned)ip_len, (unsigned)mtu,
                 c->iface ? "of " : "on the path to ",
                 c->iface ? c->iface : c->dst_text,
                 c->iface ? "frames go out whole"
                          : "raw sockets do not fragment");
        return fail(msg);
    }
    return -1;
}

/* The session (a socket when sending), root given up as early as it can be,
 * and the pcap for -w.  Returns -1 to go on, or an exit status. */
static int open_session(const struct ts_craft_cli *c, const char *user, struct craft_run *r)
{
    char err[512];
    struct ts_craft_session_cfg scfg = {0};

    scfg.family = c->seg.dst.family;
    scfg.via = !r->sending ? TS_CRAFT_VIA_BUILD
               : c->iface ? TS_CRAFT_VIA_LINK : TS_CRAFT_VIA_RAW;
    scfg.iface = c->iface;
    scfg.ether = c->iface != NULL;
    memcpy(scfg.src_mac, c->src_mac, 6);
    memcpy(scfg.dst_mac, c->dst_mac, 6);
    scfg.set_mark = c->mark_set;
    scfg.mark = c->mark;

    if (r->sending) {
        if (ts_inject_check_privileges(scfg.via, scfg.family, err, sizeof(err)) < 0)
            return fail(err);
        r->sess = ts_craft_open(&scfg, err, sizeof(err));
        if (!r->sess)
            return fail(err);
        /* The socket is open: give up root (tcpdump's -Z). */
        if (user && ts_inject_drop_privileges(user, err, sizeof(err)) < 0) {
            ts_craft_close(r->sess);
            return fail(err);
        }
        return -1;
    }
    /* Nothing needs root: drop it before creating the file. */
    if (user && ts_inject_drop_privileges(user, err, sizeof(err)) < 0)
        return fail(err);
    r->sess = ts_craft_open(&scfg, err, sizeof(err));
    if (!r->sess)
        return fail(err);
    if (c->wfile) {
        r->pcap = ts_craft_pcap_open(c->wfile, scfg.ether ? TS_DLT_EN10MB
                                                          : TS_DLT_LINKTYPE_RAW,
                                     err, sizeof(err));
        if (!r->pcap) {
            ts_craft_close(r->sess);
            return fail(err);
        }
    }
    return -1;
}

static void catch_signals(void)
{
    struct sigaction sa;

    ts_craft_stop = 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: sleeps end at once */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

/* A failure that ends the run: 1 once something went out, else 2.  Returns
 * false, for `return stop_with(...)` out of a step. */
static bool stop_with(struct craft_run *r, const char *msg)
{
    fail(msg);
    r->rc_exit = r->sent ? EXIT_SENT_FAIL : EXIT_NOTHING;
    return false;
}

/* --flood: batched, frames go out TS_CRAFT_BATCH at a time.  A full queue is
 * flushed and the frame queued again; only no room in the kernel (ENOBUFS,
 * EAGAIN) or a signal is worth another try.  A hard error ends the flood (it
 * used to be overwritten by the next ts_craft_queue(), and the loop spun on
 * a full queue).  False when the run ends. */
static bool flood_one(struct craft_run *r, const struct ts_craft_frame *f)
{
    char err[512];
    int q;

    while ((q = ts_craft_queue(r->sess, f, err, sizeof(err))) == 1 && !ts_craft_stop) {
        if ((q = flush_some(r->sess, &r->sent, err, sizeof(err))) < 0)
            break;
    }
    if (q < 0)
        return stop_with(r, err);
    return true;
}

/* Segment i: wait its turn, fill in the random fields, build it, then send,
 * queue or store it, and print it.  False when the run ends. */
static bool emit_one(struct ts_craft_cli *c, struct craft_run *r, uint64_t i)
{
    char err[512], msg[700];
    struct ts_craft_frame f;
    int w;

    if (r->sending && i > 0 && !c->flood) {
        while (ts_inject_pace_wait(&r->pace, i) < 0 && !ts_craft_stop)
            ;
        if (ts_craft_stop)
            return false;
    }
    if (randomize(c, &r->rng) < 0) {
        snprintf(msg, sizeof(msg), "getrandom: %s", strerror(errno));
        return stop_with(r, msg);
    }
    if (ts_craft_build(r->sess, &c->seg, &f, err, sizeof(err)) < 0)
        return stop_with(r, err);
    uint64_t t_ns = 0;
    if (r->sending && r->t_first == 0) {
        /* the rate runs from the first send, not from before its frame was
         * built (under a sanitizer that took 4 ms, and 5 segments at 50/s
         * went out in 76 ms) */
        r->t_first = ts_inject_now_ns();
        ts_inject_pace_init(&r->pace, r->pps, r->t_first);
    }
    if (r->sending && c->flood)
        return flood_one(r, &f); /* --flood is quiet, and counts as it flushes */
    if (r->sending) {
        while ((w = ts_craft_write(r->sess, &f, err, sizeof(err))) == 1 && !ts_craft_stop)
            ; /* no room in the socket buffer: try the same frame again */
        if (w < 0)
            return stop_with(r, err);
        if (w == 1)
            return false;
        r->t_last = ts_inject_now_ns();
        if (!c->quiet)
            t_ns = ts_inject_wall_ns();
    } else {
        /* -w / --dry-run: segment i stamped where the pacing puts it */
        t_ns = r->wall0 + i * r->interval_ns;
        if (r->pcap && ts_craft_pcap_write(r->pcap, t_ns, f.data, f.len, err,
                                           sizeof(err)) < 0) {
            fail(err);
            r->rc_exit = EXIT_SENT_FAIL;
            return false;
        }
    }
    r->sent++;
    if (!c->quiet)
        print_frame(r->out, &r->rc, &f, t_ns);
    return true;
}

/* What a flood still has queued goes out, even after ^C. */
static void drain(struct craft_run *r)
{
    char err[512];

    if (!r->sess || ts_craft_session_via(r->sess) == TS_CRAFT_VIA_BUILD || r->rc_exit != 0)
        return;
    for (int tries = 0; ts_craft_queued(r->sess) && tries < 1000; tries++) {
        if (flush_some(r->sess, &r->sent, err, sizeof(err)) < 0) {
            stop_with(r, err);
            return;
        }
    }
}

/* The summary is for people: off stdout when that carries JSON lines or the
 * pcap itself. */
static void summary(const struct ts_craft_cli *c, const struct craft_run *r)
{
    /* From the first send to the end of the last: n segments, n-1 gaps. */
    double secs = r->t_last > r->t_first ? (double)(r->t_last - r->t_first) / 1e9 : 0;
    unsigned long long sent = r->sent;
    const char *s_ = sent == 1 ? "" : "s";
    FILE *sf = (c->json || r->tf == stderr) ? stderr : stdout;

    if (r->sending && sent > 1)
        fprintf(sf, "%llu segments sent in %.3f s (%.0f pps)\n", sent, secs,
                secs > 0 ? (double)(sent - 1) / secs : 0.0);
    else if (r->sending)
        fprintf(sf, "%llu segment%s sent\n", sent, s_);
    else if (c->wfile)
        fprintf(sf, "%llu segment%s written to %s, none sent\n", sent, s_,
                strcmp(c->wfile, "-") == 0 ? "stdout" : c->wfile);
    else
        fprintf(sf, "%llu segment%s built, none sent (dry run)\n", sent, s_);
}

/* Resolve, check the size, open, then emit segments until the count, a
 * signal or an error; drain, close, and summarise. */
static int run(struct ts_craft_cli *c)
{
    char err[512];
    struct ts_inject_iface ifc = {0};
    struct craft_run r = {
        .sending = !c->wfile && !c->dry_run,
        .rc = {.abs_seq = true, .numeric = true, .json = c->json},
    };
    const char *user = c->user ? c->user : ts_inject_sudo_user();
    uint32_t mtu = 0;
    int x;

    if (user && strcmp(user, "root") == 0)
        user = NULL;
    if ((x = resolve(c, r.sending, &mtu, &ifc)) >= 0)
        return x;
    if ((x = check_size(c, r.sending, mtu)) >= 0)
        return x;
    if ((x = open_session(c, user, &r)) >= 0)
        return x;

    r.out = malloc(sizeof(*r.out));
    if (!r.out) {
        ts_craft_close(r.sess);
        ts_craft_pcap_close(r.pcap, err, sizeof(err));
        return fail(strerror(errno));
    }
    /* Segments go to stdout, or stderr when the pcap does. */
    r.tf = (c->wfile && strcmp(c->wfile, "-") == 0) ? stderr : stdout;
    ts_out_init(r.out, r.tf, !c->flood && isatty(fileno(r.tf)));
    if (c->flood)
        c->quiet = true; /* printing would be the bottleneck */

    catch_signals();
    ts_craft_rng_init(&r.rng);
    r.pps = c->flood ? 0 : c->rate > 0 ? c->rate : 1;
    r.interval_ns = r.pps > 0 ? (uint64_t)(1e9 / r.pps) : 0;
    r.wall0 = ts_inject_wall_ns();
    ts_inject_pace_init(&r.pace, r.sending ? r.pps : 0, ts_inject_now_ns());

    for (uint64_t i = 0; (c->count == 0 || i < c->count) && !ts_craft_stop; i++)
        if (!emit_one(c, &r, i))
            break;
    drain(&r);
    if (r.sending && c->flood)
        r.t_last = ts_inject_now_ns();

    if (r.pcap && ts_craft_pcap_close(r.pcap, err, sizeof(err)) < 0) {
        fail(err);
        r.rc_exit = EXIT_SENT_FAIL;
    }
    ts_out_flush(r.out);
    free(r.out);
    ts_craft_close(r.sess);
    summary(c, &r);
    /* a hang-up is not the user's ^C: 129, as the drive commands */
    if (ts_craft_stop == SIGHUP && r.rc_exit == 0)
        return 129;
    return r.rc_exit;
}

int cmd_craft(int argc, char **argv)
{
    struct ts_craft_cli c;
    int r;

    memset(&c, 0, sizeof(c));
    r = parse_args(argc, argv, &c);
    if (r < 0)
        r = run(&c);
    free(c.payload);
    return r;
}
