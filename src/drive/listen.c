/* ts_drive_listen: we are the server.  No socket listens in the kernel: a
 * client's SYN to the port is answered by our crafted SYN+ACK (the kernel's
 * own RST+ACK "connection refused" is dropped by the guard), and every
 * client gets its own TCB, found by 4-tuple, so several can be served at
 * once.  The session ends when cfg->count connections have finished.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "internal.h"
#include "tcpshake/inject.h"

struct server {
    struct tcb *t;      /* live and finished-but-unreported TCBs */
    unsigned n, cap;
    unsigned started, finished;
    unsigned count;
    enum ts_drive_outcome worst;
    char msg[320];
};

static struct tcb *find(struct server *v, const struct ts_seg *seg)
{
    for (unsigned i = 0; i < v->n; i++)
        if (!v->t[i].done && tcb_matches(&v->t[i], seg))
            return &v->t[i];
    return NULL;
}

static struct tcb *slot(struct server *v)
{
    for (unsigned i = 0; i < v->n; i++)
        if (v->t[i].done && v->t[i].no == 0)
            return &v->t[i];
    if (v->n == v->cap) {
        unsigned nc = v->cap ? v->cap * 2 : 8;
        struct tcb *nt = realloc(v->t, nc * sizeof *nt);
        if (!nt)
            return NULL;
        v->t = nt;
        v->cap = nc;
    }
    return &v->t[v->n++];
}

static void reap(struct dsess *s, struct server *v)
{
    bool any = false;
    for (unsigned i = 0; i < v->n; i++) {
        struct tcb *t = &v->t[i];
        if (!t->done || t->no == 0)
            continue;
        v->finished++;
        any = true;
        if (t->outcome == TS_DRIVE_OK) {
            s->res->conns_ok++;
        } else {
            s->res->conns_failed++;
            /* a message that already begins with the outcome's name
             * ("interrupted: ...") is not prefixed with it again */
            const char *name = ts_drive_outcome_name(t->outcome);
            size_t nl = strlen(name);
            if (!strncmp(t->msg, name, nl) && t->msg[nl] == ':')
                dsess_note(s, "#%u %s", t->no, t->msg);
            else
                dsess_note(s, "#%u %s: %s", t->no, name, t->msg);
            if (v->worst == TS_DRIVE_OK) {
                v->worst = t->outcome;
                snprintf(v->msg, sizeof v->msg, "connection %u: %.290s", t->no,
                         t->msg);
            }
        }
        t->no = 0; /* reported: the slot is free */
    }
    if (any)
        dsess_verdicts(s, false);
}

static void on_tcp(struct dsess *s, const struct ts_seg *seg, const uint8_t *frame)
{
    struct server *v = s->ctx;
    struct tcb *t = find(v, seg);

    if (t) {
        tcb_input(t, seg, frame);
        return;
    }
    /* a new client: a pure SYN, while we still take connections */
    if ((seg->flags & (TS_TH_SYN | TS_TH_ACK | TS_TH_RST | TS_TH_FIN)) != TS_TH_SYN)
        return;
    if (v->started >= v->count)
        return;
    t = slot(v);
    if (!t)
        return;
    uint32_t iss = s->cfg->isn;
    if (!s->cfg->isn_set)
        ts_craft_rng_u32(&s->rng, &iss);
    tcb_init(t, s, true, &seg->dst, seg->dport, &seg->src, seg->sport, iss);
    struct ts_addr src;
    char e[128];
    uint32_t mtu = 0;
    if (ts_inject_route_get(&seg->src, &src, &mtu, e, sizeof e) == 0 && mtu)
        t->mtu = mtu; /* the path back to this client */
    t->no = ++v->started;
    tcb_accept(t, seg);
}

/* An ICMP error about one of our segments: the path to that client is
 * narrower than we thought (the only ICMP the filter lets in). */
static void on_icmp(struct dsess *s, const struct ts_drive_icmp *ic, uint64_t t_ns)
{
    struct server *v = s->ctx;
    (void)t_ns;
    for (unsigned i = 0; i < v->n; i++) {
        struct tcb *t = &v->t[i];
        if (!t->done && ic->in_sport == t->tmpl.sport && ic->in_dport == t->tmpl.dport &&
            ts_addr_cmp(&ic->in_dst, &t->tmpl.dst) == 0) {
            tcb_icmp(t, ic);
            return;
        }
    }
}

int ts_drive_listen(const struct ts_drive_cfg *cfg, struct ts_drive_result *res,
                 char *err, size_t errlen)
{
    struct dsess s;
    struct server v = {0};
    char filter[256], a[64];
    uint32_t mtu = 0;

    memset(res, 0, sizeof *res);
    if (!cfg->lport) {
        snprintf(err, errlen, "listen: no port");
        return -1;
    }
    if (ts_drive_check_root(cfg->family, err, errlen) < 0)
        return -1;
    /* refused at the start: an address of another host, where no client
     * could reach us, and a port a kernel socket listens on, where a
     * client's SYN would reach both it and us and we would end up fighting
     * the kernel for its connection */
    if ((cfg->local.family && ts_drive_check_own_addr(&cfg->local, err, errlen) < 0) ||
        ts_drive_check_listeners(&cfg->local, cfg->family, cfg->lport, err,
                                 errlen) < 0)
        return -1;
    /* the clients' segments, and ICMP saying ours were too big */
    const char *too_big = cfg->family == 6 ? "(icmp6 and ip6[40] == 2)"
                                           : "(icmp and icmp[0] == 3 and icmp[1] == 4)";
    if (cfg->local.family) {
        ts_addr_str(&cfg->local, a, sizeof a);
        snprintf(filter, sizeof filter, "(tcp and dst host %s and dst port %u) or %s",
                 a, (unsigned)cfg->lport, too_big);
    } else {
        snprintf(filter, sizeof filter, "(%s and tcp dst port %u) or %s",
                 cfg->family == 6 ? "ip6" : "ip", (unsigned)cfg->lport, too_big);
    }
    struct ts_guard_spec spec = {.family = cfg->family, .local = cfg->local,
                              .lport_lo = cfg->lport, .lport_hi = cfg->lport,
                              .mark = cfg->mark ? cfg->mark : 0x7473};
    if (dsess_open(&s, cfg, res, &cfg->local, filter,
                   cfg->no_guard ? NULL : &spec, err, errlen) < 0)
        return -1;
    s.mtu = mtu ? mtu : 1500;
    s.on_tcp = on_tcp;
    s.on_icmp = on_icmp;
    s.ctx = &v;
    v.count = cfg->count ? cfg->count : 1;
    if (s.guard)
        dsess_note(&s, "rst guard: nft table inet %s drops the kernel's RSTs "
                   "from port %u (ours carry mark 0x%x)", ts_guard_table(s.guard),
                   (unsigned)cfg->lport, (unsigned)spec.mark);
    dsess_note(&s, "listening on %s%s%s port %u (capture on %s), %u "
               "connection%s", cfg->local.family == 6 ? "[" : "",
               cfg->local.family ? ts_addr_str(&cfg->local, a, sizeof a)
                                 : (cfg->family == 6 ? "any IPv6 address"
                                                     : "any IPv4 address"),
               cfg->local.family == 6 ? "]" : "", (unsigned)cfg->lport,
               s.ifname, v.count, v.count == 1 ? "" : "s");

    res->outcome = TS_DRIVE_OK;
    while (v.finished < v.count) {
        if (dsess_stopped(&s)) {
            for (unsigned i = 0; i < v.n; i++)
                tcb_abort(&v.t[i], TS_DRIVE_INTERRUPTED,
                          "interrupted: the connection was aborted with RST");
            reap(&s, &v);
            res->outcome = TS_DRIVE_INTERRUPTED;
            snprintf(err, errlen, "interrupted after %u of %u connection%s",
                     res->conns_ok, v.count, v.count == 1 ? "" : "s");
            break;
        }
        if (s.io_failed) {
            res->outcome = TS_DRIVE_FAILED;
            snprintf(err, errlen, "%s", s.ioerr);
            break;
        }
        uint64_t d = 0;
        for (unsigned i = 0; i < v.n; i++) {
            tcb_step(&v.t[i]);
            uint64_t x = tcb_deadline(&v.t[i]);
            if (x && (!d || x < d))
                d = x;
        }
        reap(&s, &v);
        if (v.finished >= v.count)
            break;
        dsess_wait(&s, d);
        reap(&s, &v);
    }
    if (res->outcome == TS_DRIVE_OK && v.worst != TS_DRIVE_OK) {
        res->outcome = v.worst;
        snprintf(err, errlen, "%s", v.msg);
    }
    ts_drive_close_report(&s, res, err, errlen);
    for (unsigned i = 0; i < v.n; i++)
        tcb_release(&v.t[i]);
    free(v.t);
    return 0;
}
