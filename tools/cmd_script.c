/* tcpshake script: run packetdrill scripts against the kernel, each in
 * network namespaces of its own, or against a remote host's listening
 * service (--peer; both the library's ts_script_run), or read them only
 * (--parse).  The command parses options, reports each script's
 * result (text, TAP or JSON) and feeds the frames of the run to the tracer
 * (--trace, --ladder) and to -w.
 *
 * Exit status: 0 every script passed (or parsed), 1 some failed, 2 usage,
 * a script that cannot be parsed or run, or a run that could not be set
 * up; 130 interrupted.
 */
#include <getopt.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "frames.h"
#include "outputs.h"
#include "tcpshake/craft.h"
#include "tcpshake/engine.h"
#include "tcpshake/render.h"
#include "tcpshake/script.h"

#define C "script"

static void usage(FILE *f)
{
    fputs("usage: tcpshake script [OPTIONS] FILE.pkt...\n"
          "Run packetdrill scripts against this machine's kernel, each in network\n"
          "namespaces of its own, or against a host's listening service (--peer);\n"
          "needs root.  man tcpshake-script has the language.\n"
          "  --parse             read each script and print it back normalized, one\n"
          "                      event a line with its line number; run nothing\n"
          "  -6, --ip-version 4|6  the family (default: the script's ip_version option,\n"
          "                      else 4); ipv4-mapped-ipv6: IPv4 on the wire, the\n"
          "                      stack's sockets IPv6 with mapped addresses\n"
          "  --tolerance-usecs N how far a time may be off (default: the script's\n"
          "                      tolerance_usecs option, else 4000, as packetdrill; and\n"
          "                      12.5% of the time since the last event when more, or\n"
          "                      the script's tolerance_percent)\n"
          "  --local-ip ADDR     the stack's address (default: the script's local_ip\n"
          "                      option, else 198.18.0.1 or 2001:db8::1)\n"
          "  --remote-ip ADDR    the simulated peer's (default: the script's remote_ip\n"
          "                      option, else 198.18.0.2 or 2001:db8::2)\n"
          "  --mtu N             the link's MTU, as packetdrill's (default: the script's\n"
          "                      mtu option, else 1500); the stack's MSS follows\n"
          "  packetdrill's spellings work too: --ip_version=ipv4|ipv6|ipv4-mapped-ipv6,\n"
          "  --local_ip, --remote_ip, --tolerance_usecs, --netmask_ip (an IPv4 run's\n"
          "  prefix) and --gateway_ip (read; the simulated peer is on the link)\n"
          "  --non_fatal=packet  an outbound segment that differs is a warning and the\n"
          "                      script goes on (packetdrill's; syscall is read too)\n"
          "  -D, --define SYM=VAL  a word SYM in the scripts reads as VAL, as packetdrill's\n"
          "                      -D (\"...\" a string, `...` a command, a number, else a\n"
          "                      word); repeatable\n"
          "  --wait SECS         how long a segment timed `*` is waited for (default 10)\n"
          "  --peer HOST[:PORT]  run the packet lines against the service listening at\n"
          "                      HOST:PORT, an IPv4 or IPv6 address ([V6]:PORT; default\n"
          "                      port: the script's bind_port, else 8080), from this\n"
          "                      host's address with the RST guard; passive opens only\n"
          "  --skip-syscalls     with --peer: skip system-call, shell and python lines\n"
          "                      (each said on stderr) instead of refusing the script\n"
          "  --rate N            with --peer: at most N segments a second (default 100)\n"
          "  --late-usecs N      with --peer: how late the host's segments may come\n"
          "                      (default: twice the round trip of one SYN, measured\n"
          "                      before each script and answered with a RST)\n"
          "  -v, --verbose       one line per event as it runs\n"
          "  --trace             the run through the tracer: every segment, its role and\n"
          "                      both endpoints' states, then the verdict\n"
          "  --ladder            the run as a ladder diagram\n"
          "  --width N           the ladder's columns\n"
          "  -w FILE             write every frame of the runs to FILE (pcap)\n"
          "  --tap               TAP version 13, one test per script\n"
          "  --json              one JSON object per script, then a summary object\n"
          "  -h, --help          this text\n"
          "  --version           the versions of tcpshake, libpcap and libnet\n"
          "Exit: 0 every script passed, 1 some failed, 2 bad arguments or a script that\n"
          "cannot be parsed or run (tcpshake: script: FILE:LINE:COL: why), 130\n"
          "interrupted.\n",
          f);
}

enum {
    O_PARSE = 256,
    O_TOL,
    O_LOCAL,
    O_REMOTE,
    O_WAIT,
    O_TRACE,
    O_LADDER,
    O_WIDTH,
    O_TAP,
    O_JSON,
    O_IPV,
    O_PEER,
    O_SKIP,
    O_RATE,
    O_LATE,
    O_MTU,
    O_NETMASK,
    O_GATEWAY,
    O_NONFATAL,
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

struct ctx {
    bool verbose, json, tap;
    const char *cur; /* the script running */
    struct frames fr; /* one script's (frames.h) */
    struct ts_engine *eng;
    struct ts_craft_pcap *pcap;
    bool pcap_failed;
    char pcap_err[256];
};

static void hook_frame(void *user, uint64_t t_ns, const uint8_t *p, uint32_t len,
                       uint32_t wirelen, bool injected)
{
    struct ctx *c = user;
    if (c->eng || c->pcap)
        frames_add(&c->fr, t_ns, p, len, wirelen, injected);
}

static void flush_frames(struct ctx *c)
{
    frames_sort(&c->fr);
    for (size_t i = 0; i < c->fr.n; i++) {
        struct frame *f = &c->fr.v[i];
        if (c->eng)
            ts_engine_feed(c->eng, 1 /* Ethernet */, f->t, f->p, f->len, f->wirelen, NULL);
        if (c->pcap && !c->pcap_failed &&
            ts_craft_pcap_write(c->pcap, f->t, f->p, f->len, c->pcap_err,
                                sizeof c->pcap_err) < 0)
            c->pcap_failed = true;
    }
    frames_clear(&c->fr);
}

static void hook_event(void *user, const struct ts_script_event *ev, double at, const char *what)
{
    struct ctx *c = user;
    if (!c->verbose) {
        /* a line --skip-syscalls skipped is said even so */
        if (!strncmp(what, "skipped", 7))
            fprintf(stderr, "tcpshake: script: %s:%u: skipped (--peer runs the packet lines only)\n",
                    c->cur, ev->line);
        /* and a --non_fatal warning, with what differed (packetdrill says
         * each too, on stderr; here beside the PASS line it belongs to) */
        if (!strncmp(what, "warning: differs: ", 18))
            fprintf(c->json || c->tap ? stderr : stdout, "warning %s:%u: %s\n", c->cur, ev->line,
                    what + 18);
        return;
    }
    char text[1024];
    ts_script_event_format(ev, text, sizeof text);
    FILE *f = c->json || c->tap ? stderr : stdout;
    fprintf(f, "%5u  %10.6f  %s%s%s\n", ev->line, at, text, *what ? "  " : "", what);
}

static const char *status_word(enum ts_script_status st)
{
    switch (st) {
    case TS_SCRIPT_PASS: return "pass";
    case TS_SCRIPT_FAIL: return "fail";
    case TS_SCRIPT_STOPPED: return "interrupted";
    default: return "error";
    }
}

static void report(const struct ctx *c, unsigned idx, const char *name,
                   const struct ts_script_result *r)
{
    if (c->json) {
        printf("{\"script\":");
        cli_json_str(stdout, name);
        printf(",\"result\":\"%s\"", status_word(r->status));
        if (r->line)
            printf(",\"line\":%u,\"col\":%u", r->line, r->col);
        if (r->status != TS_SCRIPT_PASS) {
            printf(",\"message\":");
            cli_json_str(stdout, r->msg);
            printf(",\"detail\":");
            cli_json_str(stdout, r->detail);
        }
        if (r->late_usecs)
            printf(",\"late_allowed_usecs\":%lld", (long long)r->late_usecs);
        printf(",\"events\":%zu,\"warnings\":%u,\"seconds\":%.6f}\n", r->events, r->warnings,
               r->seconds);
        return;
    }
    if (c->tap) {
        printf("%s %u - %s\n", r->status == TS_SCRIPT_PASS ? "ok" : "not ok", idx, name);
        if (r->status != TS_SCRIPT_PASS) {
            printf("  ---\n  result: %s\n", status_word(r->status));
            if (r->line)
                printf("  line: %u\n", r->line);
            printf("  message: ");
            cli_json_str(stdout, r->msg);
            printf("\n");
            if (*r->detail) {
                printf("  detail: |\n");
                for (const char *s = r->detail; *s;) {
                    const char *nl = strchr(s, '\n');
                    size_t n = nl ? (size_t)(nl - s) : strlen(s);
                    printf("    %.*s\n", (int)n, s);
                    s += n + (nl ? 1 : 0);
                }
            }
            printf("  ...\n");
        }
        return;
    }
    if (r->status == TS_SCRIPT_PASS) {
        char w[32] = "";
        if (r->warnings)
            snprintf(w, sizeof w, ", %u warning%s", r->warnings, r->warnings > 1 ? "s" : "");
        printf("PASS %s (%zu events, %.3f s%s)\n", name, r->events, r->seconds, w);
    } else if (r->line) {
        printf("%s %s:%u: %s\n", r->status == TS_SCRIPT_FAIL ? "FAIL" : "ERROR", name, r->line,
               r->msg);
        fputs(r->detail, stdout);
    } else {
        printf("%s %s: %s\n", r->status == TS_SCRIPT_FAIL ? "FAIL" : "ERROR", name, r->msg);
    }
}

/* an address alone (no port): 0, else -1 */
static int parse_addr(const char *text, struct ts_addr *a)
{
    uint16_t port;
    bool hp;
    char e[256];
    return ts_craft_parse_endpoint(text, false, a, &port, &hp, e, sizeof e) == 0 && !hp ? 0 : -1;
}

#define MAX_DEFS 256
static const char *defs[MAX_DEFS];
static size_t ndefs;

static int parse_only(int argc, char **argv, int first)
{
    int status = 0;
    bool many = argc - first > 1;
    for (int i = first; i < argc; i++) {
        struct ts_script_err err;
        struct ts_script *s = ts_script_parse_file_defs(argv[i], defs, ndefs, &err);
        if (!s) {
            fflush(stdout);
            cli_fail(C, NULL, "%s", err.text);
            status = CLI_USAGE;
            continue;
        }
        if (many)
            printf("// %s\n", argv[i]);
        if (ts_script_print(stdout, s) < 0) {
            ts_script_free(s);
            return cli_fail(C, NULL, "writing the output failed");
        }
        ts_script_free(s);
    }
    return status;
}

int cmd_script(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"parse", no_argument, NULL, O_PARSE},
        {"define", required_argument, NULL, 'D'},
        {"ip-version", required_argument, NULL, O_IPV},
        {"tolerance-usecs", required_argument, NULL, O_TOL},
        {"local-ip", required_argument, NULL, O_LOCAL},
        {"remote-ip", required_argument, NULL, O_REMOTE},
        {"mtu", required_argument, NULL, O_MTU},
        /* packetdrill's own spellings, so that its command lines (the
         * Linux selftests' runner's) work as they are */
        {"ip_version", required_argument, NULL, O_IPV},
        {"tolerance_usecs", required_argument, NULL, O_TOL},
        {"local_ip", required_argument, NULL, O_LOCAL},
        {"remote_ip", required_argument, NULL, O_REMOTE},
        {"netmask_ip", required_argument, NULL, O_NETMASK},
        {"gateway_ip", required_argument, NULL, O_GATEWAY},
        {"non_fatal", required_argument, NULL, O_NONFATAL},
        {"non-fatal", required_argument, NULL, O_NONFATAL},
        {"wait", required_argument, NULL, O_WAIT},
        {"peer", required_argument, NULL, O_PEER},
        {"skip-syscalls", no_argument, NULL, O_SKIP},
        {"rate", required_argument, NULL, O_RATE},
        {"late-usecs", required_argument, NULL, O_LATE},
        {"verbose", no_argument, NULL, 'v'},
        {"trace", no_argument, NULL, O_TRACE},
        {"ladder", no_argument, NULL, O_LADDER},
        {"width", required_argument, NULL, O_WIDTH},
        {"tap", no_argument, NULL, O_TAP},
        {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, CLI_OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    bool parse = false, trace = false, ladder = false;
    const char *wfile = NULL;
    struct ts_script_run_cfg cfg = {.tolerance_usecs = -1};
    unsigned netmask_bits = 0;
    struct ctx c = {0};
    uint64_t v, width = 0;
    char e[256];
    int ch;
    optind = 1;
    opterr = 0; /* our own one-line messages */
    ndefs = 0;
    while ((ch = getopt_long(argc, argv, "+:h6vw:D:", longopts, NULL)) != -1) {
        switch (ch) {
        case 'D': {
            const char *why = ts_script_define_check(optarg, strlen(optarg));
            if (why)
                return cli_fail(C, "-D", "%s, not '%s'", why, optarg);
            if (ndefs == MAX_DEFS)
                return cli_fail(C, "-D", "at most %d definitions", MAX_DEFS);
            defs[ndefs++] = optarg;
            break;
        }
        case O_PARSE: parse = true; break;
        case '6': cfg.ip_version = 6; cfg.ipv4_mapped_ipv6 = false; break;
        case O_IPV:
            cfg.ipv4_mapped_ipv6 = !strcmp(optarg, "ipv4-mapped-ipv6");
            if (!strcmp(optarg, "4") || !strcmp(optarg, "ipv4") || cfg.ipv4_mapped_ipv6)
                cfg.ip_version = 4;
            else if (!strcmp(optarg, "6") || !strcmp(optarg, "ipv6"))
                cfg.ip_version = 6;
            else
                return cli_fail(C, "--ip-version", "4 or 6 (ipv4, ipv6, ipv4-mapped-ipv6), not '%s'",
                                optarg);
            break;
        case O_MTU:
            if (cli_uint(C, "--mtu", optarg, 68, 65535, &v) < 0)
                return CLI_USAGE;
            cfg.mtu = (uint32_t)v;
            break;
        case O_NETMASK: {
            /* a dotted IPv4 mask: the prefix of the stack's address */
            struct ts_addr m;
            unsigned bits = 0;
            bool ok = parse_addr(optarg, &m) == 0 && m.family == 4;
            for (unsigned i = 0; ok && i < 32; i++) {
                bool set = m.a[i / 8] & (0x80 >> (i % 8));
                if (set && bits != i)
                    ok = false; /* not contiguous */
                else if (set)
                    bits++;
            }
            if (!ok || !bits)
                return cli_fail(C, "--netmask_ip", "an IPv4 netmask (255.255.0.0), not '%s'",
                                optarg);
            netmask_bits = bits;
            break;
        }
        case O_GATEWAY: {
            /* read, and not needed: the simulated peer is on the link */
            struct ts_addr g;
            if (parse_addr(optarg, &g) < 0)
                return cli_fail(C, "--gateway_ip", "an address, not '%s'", optarg);
            break;
        }
        case O_NONFATAL: {
            /* packetdrill's list: packet, syscall (which packetdrill reads
             * and does nothing with), comma- or blank-separated */
            char list[256];
            if (strlen(optarg) >= sizeof list)
                return cli_fail(C, "--non_fatal", "packet or syscall, not %zu characters",
                                strlen(optarg));
            snprintf(list, sizeof list, "%s", optarg);
            bool any = false;
            for (char *sp, *t = strtok_r(list, ", ", &sp); t; t = strtok_r(NULL, ", ", &sp)) {
                if (!strcmp(t, "packet"))
                    cfg.non_fatal_packet = true;
                else if (strcmp(t, "syscall"))
                    return cli_fail(C, "--non_fatal", "packet or syscall, not '%s'", t);
                any = true;
            }
            if (!any)
                return cli_fail(C, "--non_fatal", "packet or syscall");
            break;
        }
        case O_TOL:
            if (cli_uint(C, "--tolerance-usecs", optarg, 0, 60000000, &v) < 0)
                return CLI_USAGE;
            cfg.tolerance_usecs = (int64_t)v;
            break;
        case O_LOCAL:
        case O_REMOTE: {
            struct ts_addr *a = ch == O_LOCAL ? &cfg.local : &cfg.remote;
            if (parse_addr(optarg, a) < 0)
                return cli_fail(C, ch == O_LOCAL ? "--local-ip" : "--remote-ip",
                                "an address, not '%s'", optarg);
            break;
        }
        case O_WAIT:
            if (cli_secs(C, "--wait", optarg, 0.001, 3600, &cfg.any_wait_ns) < 0)
                return CLI_USAGE;
            break;
        case O_PEER: {
            bool hp;
            if (ts_craft_parse_endpoint(optarg, false, &cfg.peer, &cfg.peer_port, &hp, e,
                                        sizeof e) < 0)
                return cli_fail(C, "--peer", "%s", e);
            if (hp && cfg.peer_port == 0)
                return cli_fail(C, "--peer", "port 0 is no service's");
            if (ts_script_peer_ok(&cfg.peer, e, sizeof e) < 0)
                return cli_fail(C, "--peer", "%s", e);
            break;
        }
        case O_SKIP: cfg.skip_syscalls = true; break;
        case O_RATE:
            if (cli_uint(C, "--rate", optarg, 1, 100000, &v) < 0)
                return CLI_USAGE;
            cfg.rate_pps = (uint32_t)v;
            break;
        case O_LATE:
            if (cli_uint(C, "--late-usecs", optarg, 1, 60000000, &v) < 0)
                return CLI_USAGE;
            cfg.late_usecs = (int64_t)v;
            break;
        case 'v': c.verbose = true; break;
        case O_TRACE: trace = true; break;
        case O_LADDER: ladder = true; break;
        case O_WIDTH:
            if (cli_uint(C, "--width", optarg, 40, 1000, &width) < 0)
                return CLI_USAGE;
            break;
        case 'w': wfile = optarg; break;
        case O_TAP: c.tap = true; break;
        case O_JSON: c.json = true; break;
        case 'h': usage(stdout); return 0;
        case CLI_OPT_VERSION: return cli_version();
        default: return cli_getopt_error(C, ch, argv, optind, optopt);
        }
    }
    if (optind >= argc)
        return cli_fail(C, NULL, "give one or more FILE.pkt (tcpshake script --help)");
    if (parse)
        return parse_only(argc, argv, optind);
    if (c.tap && c.json)
        return cli_fail(C, NULL, "--tap and --json: choose one");
    if ((trace || ladder) && (c.tap || c.json))
        return cli_fail(C, NULL, "--trace and --ladder print text: not with --tap or --json");
    if (trace && ladder)
        return cli_fail(C, NULL, "--trace or --ladder: choose one");
    if ((cfg.local.family || cfg.remote.family) &&
        (cfg.local.family != cfg.remote.family ||
         (cfg.ip_version && cfg.ip_version != cfg.local.family)))
        return cli_fail(C, "--local-ip", "give --local-ip and --remote-ip together, of one "
                                         "family (the one of --ip-version)");
    if (cfg.local.family && !cfg.ip_version)
        cfg.ip_version = cfg.local.family;
    /* an IPv4 mask applies to IPv4 runs (packetdrill ignores it for IPv6) */
    if (netmask_bits && cfg.ip_version != 6)
        cfg.prefix = netmask_bits;
    if (cfg.mtu && cfg.peer.family)
        return cli_fail(C, "--mtu", "sets the link of the namespaces: not with --peer, where "
                                    "the path decides");
    if (cfg.peer.family) {
        if (cfg.local.family)
            return cli_fail(C, "--peer", "the addresses are the host's and this host's: not "
                                         "with --local-ip or --remote-ip");
        if (cfg.ip_version && cfg.ip_version != cfg.peer.family)
            return cli_fail(C, "--peer", "an IPv%u address, and --ip-version %u",
                            cfg.peer.family, cfg.ip_version);
    } else if (cfg.skip_syscalls || cfg.rate_pps || cfg.late_usecs) {
        return cli_fail(C, NULL, "--skip-syscalls, --rate and --late-usecs go with --peer");
    }

    /* every script is read before any runs: a typo in the tenth does not
     * wait for nine runs */
    int nscripts = argc - optind;
    struct ts_script **scripts = calloc((size_t)nscripts, sizeof *scripts);
    if (!scripts)
        return cli_fail(C, NULL, "out of memory");
    int status = 0;
    for (int i = 0; i < nscripts; i++) {
        struct ts_script_err err;
        scripts[i] = ts_script_parse_file_defs(argv[optind + i], defs, ndefs, &err);
        if (!scripts[i] || ts_script_check_cfg(scripts[i], &cfg, &err) < 0) {
            cli_fail(C, NULL, "%s", err.text);
            status = CLI_USAGE;
        }
    }
    if (status) {
        for (int i = 0; i < nscripts; i++)
            ts_script_free(scripts[i]);
        free(scripts);
        return status;
    }

    struct ts_out out;
    struct outputs outs;
    bool have_outs = false;
    if (trace || ladder) {
        ts_out_init(&out, stdout, true);
        outputs_init(&outs, C);
        have_outs = true;
        struct ts_render_cfg rc = {.numeric = true};
        const char *cs = nl_langinfo(CODESET);
        rc.utf8 = cs && !strcmp(cs, "UTF-8");
        bool ok;
        if (ladder) {
            struct winsize ws;
            unsigned w = (unsigned)width;
            if (w == 0 && isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0)
                w = ws.ws_col;
            struct ts_ladder_cfg lcfg = {.utf8 = rc.utf8, .width = w};
            ok = outputs_add(&outs, "--ladder", ts_sink_ladder(&out, &lcfg)) == 0;
        } else {
            ok = outputs_add(&outs, "--trace", ts_sink_text(&out, &rc, false)) == 0;
        }
        if (ok) {
            struct ts_engine_cfg ecfg;
            ts_engine_cfg_default(&ecfg);
            ecfg.track.time_wait_ns = 1;
            ecfg.threads = 1;
            ok = (c.eng = outputs_engine(&outs, &ecfg)) != NULL;
        }
        if (!ok)
            status = CLI_USAGE;
    }
    if (!status && wfile) {
        c.pcap = ts_craft_pcap_open(wfile, 1 /* Ethernet */, e, sizeof e);
        if (!c.pcap)
            status = cli_fail(C, "-w", "%s", e);
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    cfg.stop = &stop_flag;
    cfg.frame = hook_frame;
    cfg.event = hook_event;
    cfg.user = &c;

    unsigned passed = 0, failed = 0, errors = 0;
    if (!status && c.tap)
        printf("TAP version 13\n1..%d\n", nscripts);
    for (int i = 0; i < nscripts && !status && !stop_flag; i++) {
        struct ts_script_result res;
        c.cur = argv[optind + i];
        ts_script_run(scripts[i], &cfg, &res);
        if (c.verbose && res.late_usecs)
            fprintf(c.json || c.tap ? stderr : stdout,
                    "%s: the host's segments may come %.3f ms late (--late-usecs)\n",
                    argv[optind + i], (double)res.late_usecs / 1e3);
        flush_frames(&c);
        if (c.eng) {
            ts_engine_end(c.eng); /* each script's connections end with it */
            ts_out_flush(&out);
        }
        if (res.status == TS_SCRIPT_STOPPED) {
            if (strcmp(res.msg, "interrupted")) /* what could not be undone */
                fprintf(stderr, "tcpshake: script: %s: %s\n", argv[optind + i], res.msg);
            break;
        }
        report(&c, (unsigned)i + 1, argv[optind + i], &res);
        fflush(stdout);
        if (res.status == TS_SCRIPT_PASS)
            passed++;
        else if (res.status == TS_SCRIPT_FAIL)
            failed++;
        else
            errors++;
    }
    if (!status && c.json)
        printf("{\"summary\":true,\"scripts\":%d,\"passed\":%u,\"failed\":%u,\"errors\":%u}\n",
               nscripts, passed, failed, errors);
    else if (!status && !c.tap && nscripts > 1 && !stop_flag)
        printf("%d scripts: %u passed, %u failed%s\n", nscripts, passed, failed,
               errors ? ", some could not run" : "");
    if (have_outs) {
        if (c.eng)
            outputs_finish(&outs, c.eng);
        ts_out_flush(&out);
        if (c.eng)
            ts_engine_free(c.eng);
        outputs_close(&outs, 0);
    }
    if (c.pcap && ts_craft_pcap_close(c.pcap, e, sizeof e) < 0 && !c.pcap_failed) {
        c.pcap_failed = true;
        snprintf(c.pcap_err, sizeof c.pcap_err, "%s", e);
    }
    if (c.pcap_failed)
        cli_fail(C, "-w", "%s", c.pcap_err);
    for (int i = 0; i < nscripts; i++)
        ts_script_free(scripts[i]);
    free(scripts);
    frames_free(&c.fr);
    if (status)
        return status;
    if (stop_flag) {
        fprintf(stderr, "tcpshake: script: interrupted\n");
        return 130;
    }
    if (errors)
        return CLI_USAGE;
    return failed || c.pcap_failed ? 1 : 0;
}
