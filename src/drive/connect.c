/* ts_drive_connect: we are the client.  One session (socket, capture, guard)
 * for cfg->count connections one after another, each from the next source
 * port of a block chosen outside the kernel's ephemeral range, so the
 * kernel never picks one of them for a socket of its own meanwhile, and
 * reserved for the session's life, so no concurrent session draws an
 * overlapping one (env.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "internal.h"
#include "tcpshake/inject.h"

static const char *const close_names[] = {
    [TS_DRIVE_CLOSE_ACTIVE] = "active",
    [TS_DRIVE_CLOSE_PASSIVE] = "passive",
    [TS_DRIVE_CLOSE_RST] = "rst",
    [TS_DRIVE_CLOSE_NONE] = "none",
};

const char *ts_drive_close_name(enum ts_drive_close c)
{
    return (unsigned)c < sizeof close_names / sizeof close_names[0]
               ? close_names[c] : "?";
}

int ts_drive_close_parse(const char *s, enum ts_drive_close *c)
{
    for (unsigned i = 0; i < sizeof close_names / sizeof close_names[0]; i++) {
        if (strcmp(s, close_names[i]) == 0) {
            *c = (enum ts_drive_close)i;
            return 0;
        }
    }
    return -1;
}

const char *ts_drive_outcome_name(enum ts_drive_outcome o)
{
    static const char *const n[] = {
        [TS_DRIVE_OK] = "ok",
        [TS_DRIVE_FAILED] = "failed",
        [TS_DRIVE_REFUSED] = "refused",
        [TS_DRIVE_UNREACHABLE] = "unreachable",
        [TS_DRIVE_TIMEOUT] = "timeout",
        [TS_DRIVE_RESET] = "reset",
        [TS_DRIVE_INTERRUPTED] = "interrupted",
        [TS_DRIVE_DIFFERS] = "differs",
    };
    return (unsigned)o < sizeof n / sizeof n[0] ? n[o] : "?";
}

void ts_drive_cfg_init(struct ts_drive_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->rto_ns = 1000000000ull;
    cfg->rto_min_ns = 200000000ull;
    cfg->rto_max_ns = 60000000000ull;
    cfg->retries = 3;
    cfg->timeout_ns = 10000000000ull;
    cfg->linger_ns = 200000000ull;
    cfg->time_wait_ns = 1000000000ull;
    cfg->mark = 0x7473;
    cfg->count = 1;
    cfg->wake_fd = -1;
}

static void on_tcp(struct dsess *s, const struct ts_seg *seg, const uint8_t *frame)
{
    struct tcb *t = s->ctx;
    if (t && tcb_matches(t, seg))
        tcb_input(t, seg, frame);
}

static void on_icmp(struct dsess *s, const struct ts_drive_icmp *ic, uint64_t t_ns)
{
    struct tcb *t = s->ctx;
    (void)t_ns;
    if (t && ic->in_sport == t->tmpl.sport && ic->in_dport == t->tmpl.dport &&
        ts_addr_cmp(&ic->in_src, &t->tmpl.src) == 0 &&
        ts_addr_cmp(&ic->in_dst, &t->tmpl.dst) == 0)
        tcb_icmp(t, ic);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void bracket(const struct ts_addr *a, char *buf, size_t len)
{
    char s[64];
    ts_addr_str(a, s, sizeof s);
    snprintf(buf, len, a->family == 6 ? "[%s]" : "%s", s);
}

int ts_drive_connect(const struct ts_drive_cfg *cfg, struct ts_drive_result *res,
                  char *err, size_t errlen)
{
    struct dsess s;
    struct ts_addr local = cfg->local;
    struct ts_addr rsrc;
    uint32_t mtu = 0;
    unsigned count = cfg->count ? cfg->count : 1;
    uint16_t base;
    int hold = -1;
    char filter[512], la[80], ra[80], ports[32];
    struct ts_craft_rng rng;

    memset(res, 0, sizeof *res);
    if (cfg->remote.family != 4 && cfg->remote.family != 6) {
        snprintf(err, errlen, "connect: no peer address");
        return -1;
    }
    if (ts_drive_check_root(cfg->remote.family, err, errlen) < 0)
        return -1;
    if (ts_inject_route_get(&cfg->remote, &rsrc, &mtu, err, errlen) < 0)
        return -1;
    if (!local.family)
        local = rsrc;
    ts_craft_rng_init(&rng);
    if (cfg->lport) {
        if ((unsigned)cfg->lport + count - 1 > 65535) {
            snprintf(err, errlen, "connect: --sport %u + --count %u runs past "
                     "port 65535", (unsigned)cfg->lport, count);
            return -1;
        }
        base = cfg->lport;
    } else if (ts_drive_reserve_ports(&rng, count, &base, &hold) < 0) {
        snprintf(err, errlen, "connect: no block of %u free source ports "
                 "outside the ephemeral range (not used by a kernel socket, "
                 "not held by another session): give --sport", count);
        return -1;
    }
    ts_drive_mark_ports(hold, base, count);
    bracket(&local, la, sizeof la);
    bracket(&cfg->remote, ra, sizeof ra);
    if (count == 1)
        snprintf(ports, sizeof ports, "port %u", (unsigned)base);
    else
        snprintf(ports, sizeof ports, "portrange %u-%u", (unsigned)base,
                 (unsigned)(base + count - 1));
    char l0[64], r0[64];
    ts_addr_str(&local, l0, sizeof l0);
    ts_addr_str(&cfg->remote, r0, sizeof r0);
    snprintf(filter, sizeof filter,
             "(tcp and src host %s and src port %u and dst host %s and dst %s)"
             " or %s",
             r0, (unsigned)cfg->rport, l0, ports,
             cfg->family == 6 ? "(icmp6 and (ip6[40] == 1 or ip6[40] == 2))"
                              : "(icmp and icmp[0] == 3)");

    struct ts_guard_spec spec = {.family = cfg->family, .local = local,
                              .lport_lo = base,
                              .lport_hi = (uint16_t)(base + count - 1),
                              .remote = cfg->remote, .rport = cfg->rport,
                              .mark = cfg->mark ? cfg->mark : 0x7473};
    if (dsess_open(&s, cfg, res, &local, filter,
                   cfg->no_guard ? NULL : &spec, err, errlen) < 0) {
        ts_drive_release_ports(hold);
        return -1;
    }
    s.mtu = mtu;
    s.on_tcp = on_tcp;
    s.on_icmp = on_icmp;
    if (s.guard)
        dsess_note(&s, "rst guard: nft table inet %s drops the kernel's RSTs "
                   "from %s:%s to %s:%u (ours carry mark 0x%x)",
                   ts_guard_table(s.guard), la, ports + (count == 1 ? 5 : 10), ra,
                   (unsigned)cfg->rport, (unsigned)spec.mark);
    else
        dsess_note(&s, "no rst guard (--no-rst-guard): the kernel will reset "
                   "the connection unless something else stops its RSTs");

    struct tcb t;
    res->outcome = TS_DRIVE_OK;
    s.hs_cap = count < 65536 ? count : 65536;
    s.hs_samples = malloc(s.hs_cap * sizeof *s.hs_samples);
    if (!s.hs_samples)
        s.hs_cap = 0;
    for (unsigned i = 0; i < count; i++) {
        /* stopped while the guard went in, or between two connections: no
         * connection is begun only to be aborted */
        if (dsess_stopped(&s)) {
            res->outcome = TS_DRIVE_INTERRUPTED;
            snprintf(err, errlen, "interrupted after %u of %u connection%s",
                     res->conns_ok, count, count == 1 ? "" : "s");
            break;
        }
        uint32_t iss = cfg->isn;
        if (!cfg->isn_set)
            ts_craft_rng_u32(&s.rng, &iss);
        tcb_init(&t, &s, false, &local, (uint16_t)(base + i), &cfg->remote,
                 cfg->rport, iss);
        t.no = i + 1;
        s.ctx = &t;
        tcb_connect(&t);
        while (!t.done) {
            if (tcb_session_over(&t))
                break;
            tcb_step(&t);
            if (t.done)
                break;
            dsess_wait(&s, tcb_deadline(&t));
        }
        if (s.io_failed && t.outcome == TS_DRIVE_OK) {
            t.outcome = TS_DRIVE_FAILED;
            snprintf(t.msg, sizeof t.msg, "%s", s.ioerr);
        }
        tcb_release(&t);
        /* this connection's verdict now: TIME_WAIT has run its course */
        dsess_verdicts(&s, true);
        s.ctx = NULL;
        if (t.outcome == TS_DRIVE_OK) {
            res->conns_ok++;
        } else {
            res->conns_failed++;
            res->outcome = t.outcome;
            snprintf(err, errlen, "%s", t.msg);
            break;
        }
    }
    if (s.hs_n) {
        qsort(s.hs_samples, s.hs_n, sizeof *s.hs_samples, cmp_u32);
        res->hs_ns_median = s.hs_samples[(s.hs_n - 1) / 2];
        res->hs_ns_p99 = s.hs_samples[(uint64_t)(s.hs_n - 1) * 99 / 100];
    }
    free(s.hs_samples);
    ts_drive_close_report(&s, res, err, errlen);
    ts_drive_mark_ports(hold, base, count);
    ts_drive_release_ports(hold);
    return 0;
}
