/* tcpshake probe HOST:PORT: the conformance battery against a host's
 * service (the library's ts_probe_run, one probe after another), reported
 * as text, TAP or JSON, with a pcap and a ladder per probe under -w DIR;
 * --list says the battery, --diff puts the JSON reports of several stacks
 * side by side.
 *
 * Exit status: 0 no probe failed, 1 some failed, 2 usage or a probe that
 * could not be run here, 130 interrupted.
 */
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cmds.h"
#include "frames.h"
#include "outputs.h"
#include "tcpshake/craft.h"
#include "tcpshake/engine.h"
#include "tcpshake/probe.h"
#include "tcpshake/script.h"

#define C "probe"

static void usage(FILE *f)
{
    fputs("usage: tcpshake probe [OPTIONS] HOST:PORT\n"
          "       tcpshake probe --list\n"
          "       tcpshake probe --diff REPORT.json...\n"
          "Run the handshake-and-teardown conformance battery against the TCP stack\n"
          "of the service listening at HOST:PORT (an IPv4 address, or [IPv6]:PORT),\n"
          "with nothing installed there; needs root.  An echo service (RFC 862) answers\n"
          "every probe.  --list and man tcpshake-probe describe the battery.\n"
          "  --list              the battery: each probe, its RFC and what it asks\n"
          "  --only NAME,...     run these probes only\n"
          "  --long              also the probes that take minutes (synack-giveup:\n"
          "                      90 s)\n"
          "  --close-port N      a port of the host whose service closes as soon as it\n"
          "                      accepts (default: none; the probes needing one are\n"
          "                      inconclusive)\n"
          "  --closed-port N     a port nothing listens on (default: PORT + 1)\n"
          "  --rate N            at most N segments a second (default 100)\n"
          "  --late-usecs N      how late the host may answer (default: twice the round\n"
          "                      trip of one SYN, measured once, and at least 50 ms)\n"
          "  -6                  HOST must be an IPv6 address\n"
          "  -v, --verbose       each probe's RFC, and the rule's failure in full\n"
          "  -w DIR              per probe, DIR/NAME.pcap and DIR/NAME.ladder.txt\n"
          "  --tap               TAP version 13, one test per probe\n"
          "  --json              one JSON object per probe, then a summary object\n"
          "  --diff              read --json reports (one per stack) and print them side\n"
          "                      by side: rows the probes, columns the reports\n"
          "  -h, --help          this text\n"
          "  --version           the versions of tcpshake, libpcap and libnet\n"
          "Results: pass, variant (an allowed alternative, named), fail (the segment that\n"
          "broke the rule), inconclusive (no answer, or a service that did not let the\n"
          "probe tell).  Exit: 0 no probe failed, 1 some failed, 2 bad arguments or a\n"
          "probe that could not run, 130 interrupted.\n",
          f);
}

enum { O_LIST = 256, O_ONLY, O_CLOSE, O_CLOSED, O_RATE, O_LATE, O_TAP, O_JSON, O_DIFF, O_LONG };

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* DIR/NAME.pcap and DIR/NAME.ladder.txt; -1 after saying why */
static int write_probe(const char *dir, const char *name, struct frames *fs)
{
    char path[4096], e[256];
    frames_sort(fs);
    snprintf(path, sizeof path, "%s/%s.pcap", dir, name);
    struct ts_craft_pcap *pc = ts_craft_pcap_open(path, 1 /* Ethernet */, e, sizeof e);
    if (!pc)
        return cli_fail(C, "-w", "%s", e), -1;
    char we[256] = "";
    for (size_t i = 0; i < fs->n && !*we; i++)
        if (ts_craft_pcap_write(pc, fs->v[i].t, fs->v[i].p, fs->v[i].len, we, sizeof we) < 0 &&
            !*we)
            snprintf(we, sizeof we, "%.200s: writing failed", path);
    if (ts_craft_pcap_close(pc, e, sizeof e) < 0 && !*we)
        snprintf(we, sizeof we, "%s", e);
    if (*we)
        return cli_fail(C, "-w", "%s", we), -1;

    snprintf(path, sizeof path, "%s/%s.ladder.txt", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return cli_fail(C, "-w", "%s: %s", path, strerror(errno)), -1;
    struct ts_out out;
    struct outputs outs;
    ts_out_init(&out, f, true);
    outputs_init(&outs, C);
    const char *cs = nl_langinfo(CODESET);
    struct ts_ladder_cfg lcfg = {.utf8 = cs && !strcmp(cs, "UTF-8"), .width = 100};
    int rc = -1;
    if (outputs_add(&outs, "-w", ts_sink_ladder(&out, &lcfg)) == 0) {
        struct ts_engine_cfg ecfg;
        ts_engine_cfg_default(&ecfg);
        ecfg.track.time_wait_ns = 1;
        ecfg.threads = 1;
        struct ts_engine *eng = outputs_engine(&outs, &ecfg);
        if (eng) {
            for (size_t i = 0; i < fs->n; i++)
                ts_engine_feed(eng, 1, fs->v[i].t, fs->v[i].p, fs->v[i].len, fs->v[i].wirelen,
                               NULL);
            ts_engine_end(eng);
            rc = outputs_finish(&outs, eng);
            ts_out_flush(&out);
            ts_engine_free(eng);
        }
    }
    outputs_close(&outs, 0);
    if (fclose(f) != 0 && rc == 0)
        return cli_fail(C, "-w", "%s: %s", path, strerror(errno)), -1;
    return rc;
}

/* ---- reports ---------------------------------------------------------------------- */

struct counts {
    unsigned r[TS_PROBE_STOPPED + 1];
    unsigned n;
    double seconds;
};

static void report(bool json, bool tap, bool verbose, unsigned idx, const struct ts_probe_info *p,
                   const struct ts_probe_outcome *o)
{
    const char *res = ts_probe_result_name(o->result);
    if (json) {
        printf("{\"probe\":");
        cli_json_str(stdout, p->name);
        printf(",\"rfc\":");
        cli_json_str(stdout, p->rfc);
        printf(",\"title\":");
        cli_json_str(stdout, p->title);
        printf(",\"result\":\"%s\"", res);
        if (*o->variant) {
            printf(",\"variant\":");
            cli_json_str(stdout, o->variant);
        }
        printf(",\"why\":");
        cli_json_str(stdout, o->why);
        if (*o->detail && o->result == TS_PROBE_FAIL) {
            printf(",\"detail\":");
            cli_json_str(stdout, o->detail);
        }
        printf(",\"seconds\":%.3f}\n", o->seconds);
        return;
    }
    if (tap) {
        bool ok = o->result != TS_PROBE_FAIL && o->result != TS_PROBE_ERROR;
        printf("%s %u - %s", ok ? "ok" : "not ok", idx, p->name);
        if (o->result == TS_PROBE_INCONCLUSIVE)
            printf(" # SKIP inconclusive: %s", o->why);
        else if (o->result == TS_PROBE_VARIANT)
            printf(" # variant %s: %s", o->variant, o->why);
        printf("\n");
        if (!ok) {
            printf("  ---\n  rfc: ");
            cli_json_str(stdout, p->rfc);
            printf("\n  why: ");
            cli_json_str(stdout, o->why);
            printf("\n  ...\n");
        }
        return;
    }
    char r[48];
    if (o->result == TS_PROBE_VARIANT)
        snprintf(r, sizeof r, "variant %s", o->variant);
    else
        snprintf(r, sizeof r, "%s", res);
    printf("%-22s %-24s %s\n", p->name, r, o->why);
    if (verbose) {
        printf("%-22s %s: %s\n", "", p->rfc, p->title);
        if (o->result == TS_PROBE_FAIL && *o->detail) {
            for (const char *s = o->detail; *s;) {
                size_t n = strcspn(s, "\n");
                printf("%-22s %.*s\n", "", (int)n, s);
                s += n + (s[n] ? 1 : 0);
            }
        }
    }
}

static int list(void)
{
    for (size_t i = 0; i < ts_probe_count(); i++) {
        const struct ts_probe_info *p = ts_probe_get(i);
        printf("%-22s %s\n%-22s %s%s%s\n", p->name, p->title, "", p->rfc,
               p->port == TS_PROBE_CLOSE    ? " (needs --close-port)"
               : p->port == TS_PROBE_CLOSED ? " (to the closed port)"
                                            : "",
               p->long_run ? " (only with --long or --only)" : "");
        for (size_t k = 0; k < p->nvariants; k++)
            printf("%-22s variant %s\n", "", p->variants[k]);
    }
    return 0;
}

/* ---- --diff ---------------------------------------------------------------------- */

/* the string value of "key" in one line of our own JSON (no nesting, the
 * escapes cli_json_str writes); false when absent */
static bool json_field(const char *line, const char *key, char *out, size_t n)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *s = strstr(line, pat);
    if (!s)
        return false;
    s += strlen(pat);
    size_t o = 0;
    while (*s && *s != '"' && o + 1 < n) {
        if (*s == '\\' && s[1])
            s++;
        out[o++] = *s++;
    }
    out[o] = 0;
    return true;
}

/* a row of --diff without the padding at its end */
static void print_row(char *row)
{
    size_t n = strlen(row);
    while (n && row[n - 1] == ' ')
        row[--n] = 0;
    puts(row);
}

struct col {
    const char *label;
    char (*res)[48]; /* per probe of the battery, "" when absent */
};

static int diff(int argc, char **argv, int first)
{
    int n = argc - first, status = 0;
    size_t np = ts_probe_count();
    struct col *cols = calloc((size_t)n, sizeof *cols);
    if (!cols)
        return cli_fail(C, NULL, "out of memory");
    for (int i = 0; i < n && !status; i++) {
        const char *path = argv[first + i];
        cols[i].res = calloc(np ? np : 1, sizeof *cols[i].res);
        const char *base = strrchr(path, '/');
        cols[i].label = base ? base + 1 : path;
        FILE *f = fopen(path, "r");
        if (!cols[i].res || !f) {
            cli_fail(C, "--diff", "%s: %s", path, f ? "out of memory" : strerror(errno));
            status = CLI_USAGE;
            if (f)
                fclose(f);
            break;
        }
        char line[16384];
        unsigned got = 0;
        while (fgets(line, sizeof line, f)) {
            char name[64], res[24], var[32] = "";
            if (!json_field(line, "probe", name, sizeof name) ||
                !json_field(line, "result", res, sizeof res))
                continue;
            if (!strcmp(res, "variant"))
                json_field(line, "variant", var, sizeof var);
            for (size_t k = 0; k < np; k++)
                if (!strcmp(ts_probe_get(k)->name, name)) {
                    if (*var)
                        snprintf(cols[i].res[k], sizeof cols[i].res[k], "~%.30s", var);
                    else
                        snprintf(cols[i].res[k], sizeof cols[i].res[k], "%.23s", res);
                    got++;
                }
        }
        fclose(f);
        if (!got) {
            cli_fail(C, "--diff", "%s: no probe results in it (tcpshake probe --json)", path);
            status = CLI_USAGE;
        }
    }
    if (!status) {
        char row[4096];
        size_t u = (size_t)snprintf(row, sizeof row, "%-22s", "probe");
        for (int i = 0; i < n && u < sizeof row; i++) {
            char l[64];
            snprintf(l, sizeof l, "%s", cols[i].label);
            char *dot = strrchr(l, '.');
            if (dot && !strcmp(dot, ".json"))
                *dot = 0;
            u += (size_t)snprintf(row + u, sizeof row - u, " %-20s", l);
        }
        print_row(row);
        for (size_t k = 0; k < np; k++) {
            bool any = false, differ = false;
            for (int i = 0; i < n; i++) {
                any |= cols[i].res[k][0] != 0;
                differ |= strcmp(cols[i].res[k], cols[0].res[k]) != 0;
            }
            if (!any)
                continue;
            u = (size_t)snprintf(row, sizeof row, "%-22s", ts_probe_get(k)->name);
            for (int i = 0; i < n && u < sizeof row; i++)
                u += (size_t)snprintf(row + u, sizeof row - u, " %-20s",
                                      cols[i].res[k][0] ? cols[i].res[k] : "-");
            if (differ && u < sizeof row)
                snprintf(row + u, sizeof row - u, " *");
            print_row(row);
        }
        printf("(~NAME: the variant NAME; *: the stacks differ)\n");
    }
    for (int i = 0; i < n; i++)
        free(cols[i].res);
    free(cols);
    return status;
}

/* ---- the command ------------------------------------------------------------------- */

int cmd_probe(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"list", no_argument, NULL, O_LIST},
        {"only", required_argument, NULL, O_ONLY},
        {"long", no_argument, NULL, O_LONG},
        {"close-port", required_argument, NULL, O_CLOSE},
        {"closed-port", required_argument, NULL, O_CLOSED},
        {"rate", required_argument, NULL, O_RATE},
        {"late-usecs", required_argument, NULL, O_LATE},
        {"verbose", no_argument, NULL, 'v'},
        {"tap", no_argument, NULL, O_TAP},
        {"json", no_argument, NULL, O_JSON},
        {"diff", no_argument, NULL, O_DIFF},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, CLI_OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    struct ts_probe_cfg cfg = {0};
    bool json = false, tap = false, verbose = false, six = false, do_list = false,
         do_diff = false, long_too = false;
    const char *only = NULL, *dir = NULL;
    uint64_t v;
    char e[256];
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+:h6vw:", longopts, NULL)) != -1) {
        switch (ch) {
        case O_LIST: do_list = true; break;
        case O_ONLY: only = optarg; break;
        case O_LONG: long_too = true; break;
        case O_CLOSE:
        case O_CLOSED:
            if (cli_uint(C, ch == O_CLOSE ? "--close-port" : "--closed-port", optarg, 1, 65535,
                         &v) < 0)
                return CLI_USAGE;
            *(ch == O_CLOSE ? &cfg.close_port : &cfg.closed_port) = (uint16_t)v;
            break;
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
        case '6': six = true; break;
        case 'v': verbose = true; break;
        case 'w': dir = optarg; break;
        case O_TAP: tap = true; break;
        case O_JSON: json = true; break;
        case O_DIFF: do_diff = true; break;
        case 'h': usage(stdout); return 0;
        case CLI_OPT_VERSION: return cli_version();
        default: return cli_getopt_error(C, ch, argv, optind, optopt);
        }
    }
    if (do_list) {
        if (optind < argc)
            return cli_fail(C, "--list", "takes no HOST:PORT");
        return list();
    }
    if (do_diff) {
        if (optind >= argc)
            return cli_fail(C, "--diff", "give the --json reports to put side by side");
        return diff(argc, argv, optind);
    }
    if (optind >= argc)
        return cli_fail(C, NULL, "give HOST:PORT (tcpshake probe --help)");
    if (optind + 1 < argc)
        return cli_fail(C, NULL, "one HOST:PORT, not '%s' too", argv[optind + 1]);
    if (tap && json)
        return cli_fail(C, NULL, "--tap and --json: choose one");
    bool hp;
    if (ts_craft_parse_endpoint(argv[optind], false, &cfg.host, &cfg.port, &hp, e, sizeof e) < 0)
        return cli_fail(C, NULL, "'%s': %s", argv[optind], e);
    if (!hp || cfg.port == 0)
        return cli_fail(C, NULL, "'%s': give the service's port (HOST:PORT, [V6]:PORT)",
                        argv[optind]);
    if (six && cfg.host.family != 6)
        return cli_fail(C, "-6", "'%s' is not an IPv6 address", argv[optind]);
    if (ts_script_peer_ok(&cfg.host, e, sizeof e) < 0)
        return cli_fail(C, NULL, "'%s': %s", argv[optind], e);
    if (cfg.close_port == cfg.port || cfg.closed_port == cfg.port)
        return cli_fail(C, cfg.close_port == cfg.port ? "--close-port" : "--closed-port",
                        "%u is the service's own port", (unsigned)cfg.port);
    if (cfg.closed_port && cfg.closed_port == cfg.close_port)
        return cli_fail(C, "--closed-port", "%u is --close-port too: one listens, the other "
                                            "must not",
                        (unsigned)cfg.closed_port);

    /* the probes to run, in the battery's order */
    size_t np = ts_probe_count();
    bool *want = calloc(np, sizeof *want), *done = calloc(np, sizeof *done);
    if (!want || !done) {
        free(want);
        free(done);
        return cli_fail(C, NULL, "out of memory");
    }
    for (size_t i = 0; i < np; i++)
        want[i] = only == NULL && (long_too || !ts_probe_get(i)->long_run);
    for (const char *s = only; s && *s;) {
        size_t n = strcspn(s, ",");
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(n < 63 ? n : 63), s);
        const struct ts_probe_info *p = ts_probe_find(name);
        if (!p) {
            free(want);
            free(done);
            return cli_fail(C, "--only", "no probe '%s' (tcpshake probe --list)", name);
        }
        want[p - ts_probe_get(0)] = true;
        s += n + (s[n] == ',');
    }
    if (dir && mkdir(dir, 0777) < 0 && errno != EEXIST) {
        free(want);
        free(done);
        return cli_fail(C, "-w", "%s: %s", dir, strerror(errno));
    }

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct frames fs = {0};
    cfg.stop = &stop_flag;
    if (dir) {
        cfg.frame = frames_add;
        cfg.user = &fs;
    }

    unsigned total = 0;
    for (size_t i = 0; i < np; i++)
        total += want[i];
    if (tap)
        printf("TAP version 13\n1..%u\n", total);
    struct counts c = {0};
    int status = 0;
    char silent[512] = "";
    unsigned idx = 0;
    for (size_t i = 0; i < np && !stop_flag; i++) {
        if (!want[i])
            continue;
        const struct ts_probe_info *p = ts_probe_get(i);
        struct ts_probe_outcome o;
        if (*silent && p->port == TS_PROBE_SERVICE) {
            /* the service answered no SYN: every probe to it would wait
             * for nothing */
            memset(&o, 0, sizeof o);
            o.result = TS_PROBE_INCONCLUSIVE;
            snprintf(o.why, sizeof o.why, "%s", silent);
        } else {
            ts_probe_run(p, &cfg, &o);
        }
        if (o.late_usecs && !cfg.late_usecs)
            cfg.late_usecs = o.late_usecs;
        if (o.result == TS_PROBE_STOPPED)
            break;
        if (o.unreachable)
            snprintf(silent, sizeof silent, "%s", o.why);
        if (dir && fs.n && write_probe(dir, p->name, &fs) < 0)
            status = CLI_USAGE;
        frames_clear(&fs);
        done[i] = true;
        report(json, tap, verbose, ++idx, p, &o);
        fflush(stdout);
        c.r[o.result]++;
        c.n++;
        c.seconds += o.seconds;
        if (o.result == TS_PROBE_ERROR) {
            /* what stops one probe here (root, a route) stops them all */
            fprintf(stderr, "tcpshake: probe: %s: %s\n", p->name, o.why);
            status = CLI_USAGE;
            break;
        }
    }
    if (tap) /* the plan said them all: the ones an error or Ctrl-C left */
        for (size_t i = 0; i < np; i++)
            if (want[i] && !done[i])
                printf("not ok %u - %s # not run\n", ++idx, ts_probe_get(i)->name);
    if (json)
        printf("{\"summary\":true,\"probes\":%u,\"pass\":%u,\"variant\":%u,\"fail\":%u,"
               "\"inconclusive\":%u,\"error\":%u,\"late_allowed_usecs\":%lld}\n",
               c.n, c.r[TS_PROBE_PASS], c.r[TS_PROBE_VARIANT], c.r[TS_PROBE_FAIL],
               c.r[TS_PROBE_INCONCLUSIVE], c.r[TS_PROBE_ERROR], (long long)cfg.late_usecs);
    else if (!tap)
        printf("%u probes: %u pass, %u variant, %u fail, %u inconclusive%s\n", c.n,
               c.r[TS_PROBE_PASS], c.r[TS_PROBE_VARIANT], c.r[TS_PROBE_FAIL],
               c.r[TS_PROBE_INCONCLUSIVE], c.r[TS_PROBE_ERROR] ? ", errors" : "");
    frames_free(&fs);
    free(want);
    free(done);
    if (stop_flag) {
        fprintf(stderr, "tcpshake: probe: interrupted\n");
        return 130;
    }
    if (status)
        return status;
    return c.r[TS_PROBE_FAIL] ? 1 : 0;
}
