/* ts_drive_replay: replay the client side of one captured connection against a
 * live server — tcpliveplay's job, done with the connect machinery, so the
 * kernel's RSTs are guarded against, lost segments are retransmitted, and a
 * RST does not end the comparison early.
 *
 * The capture is read through the tracer (decode + track), which gives each
 * segment its connection, direction and sequence numbers relative to the
 * ISNs.  From the client's segments we take the SYN's options, the client's
 * byte stream, and a script: before each client segment that carried data,
 * a FIN or a RST, how much of the server's stream the client had
 * acknowledged.  Live, our ISN and ports replace the captured ones; we send
 * the client's bytes step by step, each step waiting (up to --timeout) until
 * the live server has sent as much as the captured one had by then.  At the
 * end the live server's stream, FIN, RST and SYN+ACK options are compared
 * with the capture's; every difference is a note.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "internal.h"
#include "tcpshake/inject.h"

struct step {
    uint32_t rel_ack;  /* the server's stream (+1 for SYN, +1 for FIN) the
                          client had acknowledged, as in the capture */
    uint32_t upto;     /* client bytes released after this step */
    bool fin, rst;
    bool has_ack;
};

struct rcap {
    unsigned want;            /* connection number asked for; 0 = first SYN */
    uint64_t id;              /* the connection chosen */
    bool have_syn, have_synack;
    struct ts_opts syn_opt, synack_opt;
    uint8_t *cdata, *sdata;   /* the two byte streams, by relative offset */
    uint32_t clen, slen, ccap, scap;
    uint8_t *chold, *shold;   /* 1 where the capture holds the byte (a
                                 snap length cuts payloads short) */
    uint32_t chcap, shcap;
    bool cfin, crst, sfin, srst;
    struct step *steps;
    unsigned nsteps, stepcap;
    bool nomem;
};

static int grow(uint8_t **b, uint32_t *cap, uint32_t need)
{
    if (need <= *cap)
        return 0;
    uint32_t nc = *cap ? *cap : 4096;
    while (nc < need)
        nc *= 2;
    uint8_t *nb = realloc(*b, nc);
    if (!nb)
        return -1;
    memset(nb + *cap, 0, nc - *cap);
    *b = nb;
    *cap = nc;
    return 0;
}

static void put_stream(struct rcap *r, bool client, uint32_t off,
                       const uint8_t *p, uint32_t caplen, uint32_t len)
{
    uint8_t **b = client ? &r->cdata : &r->sdata;
    uint8_t **h = client ? &r->chold : &r->shold;
    uint32_t *cap = client ? &r->ccap : &r->scap;
    uint32_t *hcap = client ? &r->chcap : &r->shcap;
    uint32_t *n = client ? &r->clen : &r->slen;

    if (off > (64u << 20) || len > (64u << 20))
        return;
    if (grow(b, cap, off + len) < 0 || grow(h, hcap, off + len) < 0) {
        r->nomem = true;
        return;
    }
    uint32_t have = caplen < len ? caplen : len;
    memcpy(*b + off, p, have);
    memset(*h + off, 1, have);
    if (off + len > *n)
        *n = off + len;
}

struct rload {
    struct rcap *r;
    struct ts_tracker *trk;
};

static void add_step(struct rcap *r, const struct step *s)
{
    if (r->nsteps == r->stepcap) {
        unsigned nc = r->stepcap ? r->stepcap * 2 : 32;
        struct step *ns = realloc(r->steps, nc * sizeof *ns);
        if (!ns) {
            r->nomem = true;
            return;
        }
        r->steps = ns;
        r->stepcap = nc;
    }
    r->steps[r->nsteps++] = *s;
}

static void on_cap(void *user, int dlt, uint64_t t_ns, const uint8_t *pkt,
                   uint32_t caplen, uint32_t wirelen)
{
    struct rload *L = user;
    struct rcap *r = L->r;
    struct ts_seg g;
    struct ts_event ev;

    if (ts_decode(dlt, pkt, caplen, wirelen, false, &g) != TS_DEC_TCP)
        return;
    g.t_ns = t_ns;
    ts_track(L->trk, &g, &ev);
    if (!ev.conn)
        return;
    if (!r->id) {
        bool pick = r->want ? ev.conn_id == r->want
                            : ev.role == TS_ROLE_HS1 && ev.dir == TS_C2S;
        if (!pick)
            return;
        r->id = ev.conn_id;
    }
    if (ev.conn_id != r->id)
        return;
    bool client = ev.dir == TS_C2S;
    if ((g.flags & TS_TH_SYN) && client && !r->have_syn) {
        r->have_syn = true;
        r->syn_opt = g.opt;
    }
    if ((g.flags & (TS_TH_SYN | TS_TH_ACK)) == (TS_TH_SYN | TS_TH_ACK) && !client &&
        !r->have_synack) {
        r->have_synack = true;
        r->synack_opt = g.opt;
    }
    if (g.payload_len && !(g.flags & TS_TH_SYN) && ev.rel_seq >= 1)
        put_stream(r, client, ev.rel_seq - 1, pkt + g.payload_off,
                   g.payload_caplen, g.payload_len);
    if (!client) {
        if (g.flags & TS_TH_FIN)
            r->sfin = true;
        if (g.flags & TS_TH_RST)
            r->srst = true;
        return;
    }
    if (g.flags & TS_TH_SYN)
        return;
    if (g.payload_len || (g.flags & (TS_TH_FIN | TS_TH_RST))) {
        struct step s = {.rel_ack = ev.rel_ack_valid ? ev.rel_ack : 0,
                         .has_ack = ev.rel_ack_valid && (g.flags & TS_TH_ACK),
                         .upto = g.payload_len ? ev.rel_seq - 1 + g.payload_len : 0,
                         .fin = (g.flags & TS_TH_FIN) != 0,
                         .rst = (g.flags & TS_TH_RST) != 0};
        if (s.fin)
            r->cfin = true;
        if (s.rst)
            r->crst = true;
        add_step(r, &s);
    }
}

static int load(const char *path, struct rcap *r, char *err, size_t errlen)
{
    struct ts_capture_cfg cc = {.file = path};
    struct ts_track_cfg tc;
    struct rload L = {.r = r};

    struct ts_capture *cap = ts_capture_open(&cc, err, errlen);
    if (!cap)
        return -1;
    if (!ts_dlt_supported(ts_capture_datalink(cap))) {
        snprintf(err, errlen, "%s: link type %d is not supported", path,
                 ts_capture_datalink(cap));
        ts_capture_close(cap);
        return -1;
    }
    ts_track_cfg_default(&tc);
    L.trk = ts_tracker_new(&tc, err, errlen);
    if (!L.trk) {
        ts_capture_close(cap);
        return -1;
    }
    int rc = ts_capture_run(cap, 0, NULL, on_cap, &L, err, errlen);
    ts_tracker_free(L.trk);
    ts_capture_close(cap);
    if (rc < 0)
        return -1;
    if (r->nomem) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    if (!r->id || !r->have_syn) {
        if (r->want)
            snprintf(err, errlen, "%s: no connection %u with its client's SYN",
                     path, r->want);
        else
            snprintf(err, errlen, "%s: no connection with a SYN (replay needs "
                     "the client's SYN)", path);
        return -1;
    }
    return 0;
}

/* ---- the live side ------------------------------------------------------ */

struct rlive {
    struct tcb *t;
    uint8_t *got;             /* what the live server sent */
    uint32_t got_len, got_cap;
    bool have_synack;
    struct ts_opts synack_opt;
};

static void live_data(struct dsess *s, const uint8_t *p, uint32_t n)
{
    struct rlive *L = s->ctx;
    if (grow(&L->got, &L->got_cap, L->got_len + n) == 0) {
        memcpy(L->got + L->got_len, p, n);
        L->got_len += n;
    }
}

static void on_tcp(struct dsess *s, const struct ts_seg *seg, const uint8_t *frame)
{
    struct rlive *L = s->ctx;
    struct tcb *t = L->t;
    if (!tcb_matches(t, seg))
        return;
    if ((seg->flags & (TS_TH_SYN | TS_TH_ACK)) == (TS_TH_SYN | TS_TH_ACK) &&
        !L->have_synack) {
        L->have_synack = true;
        L->synack_opt = seg->opt;
    }
    tcb_input(t, seg, frame);
}

static void on_icmp(struct dsess *s, const struct ts_drive_icmp *ic, uint64_t t_ns)
{
    struct rlive *L = s->ctx;
    (void)t_ns;
    if (ic->in_sport == L->t->tmpl.sport && ic->in_dport == L->t->tmpl.dport)
        tcb_icmp(L->t, ic);
}

/* Bytes of a stream of n the capture does not hold. */
static uint32_t missing(const uint8_t *hold, uint32_t n)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        k += !hold[i];
    return k;
}

static bool synchronized(const struct tcb *t)
{
    return t->st != TS_SYN_SENT && t->st != TS_CLOSED && t->st != TS_LISTEN &&
           t->st != TS_SYN_RCVD;
}

/* live_rst: the live server reset the connection (read before the
 * outcome is forgiven for a RST the capture also had). */
static unsigned compare(struct dsess *s, const struct rcap *r,
                        const struct rlive *L, const struct tcb *t,
                        bool live_rst)
{
    unsigned d = 0;
    static const struct {
        uint32_t bit;
        const char *name;
    } opts[] = {{TS_HAS_MSS, "MSS"}, {TS_HAS_WSCALE, "window scale"},
                {TS_HAS_SACKOK, "SACK-permitted"}, {TS_HAS_TS, "timestamps"}};

    if (r->have_synack && L->have_synack) {
        for (unsigned i = 0; i < sizeof opts / sizeof opts[0]; i++) {
            bool a = r->synack_opt.present & opts[i].bit;
            bool b = L->synack_opt.present & opts[i].bit;
            if (a != b) {
                dsess_note(s, TS_DRIVE_DIFFERS_NOTE "the live SYN+ACK %s %s, the captured "
                           "one %s", b ? "has" : "lacks", opts[i].name,
                           a ? "had it" : "did not");
                d++;
            }
        }
    }
    /* only the bytes the capture holds are compared; the length is the
     * wire's, which the capture always has */
    uint32_t k = 0, n = L->got_len < r->slen ? L->got_len : r->slen;
    uint32_t miss = missing(r->shold, r->slen);
    while (k < n && (!r->shold[k] || L->got[k] == r->sdata[k]))
        k++;
    if (L->got_len != r->slen || k < n) {
        char held[96] = "";
        if (miss)
            snprintf(held, sizeof held, " (the capture holds %u of them: "
                     "%u not compared)", r->slen - miss, miss);
        dsess_note(s, TS_DRIVE_DIFFERS_NOTE "the live server sent %u bytes, the captured "
                   "one %u%s; first difference at byte %u", L->got_len,
                   r->slen, held, k);
        d++;
    } else if (miss) {
        dsess_note(s, "the live server sent the same %u bytes as the "
                   "capture's, as far as the capture holds them: %u were "
                   "not captured (snap length) and not compared", r->slen,
                   miss);
    } else {
        dsess_note(s, "the live server sent the same %u bytes as the "
                   "capture's", r->slen);
    }
    if (r->sfin != t->peer_fin) {
        dsess_note(s, TS_DRIVE_DIFFERS_NOTE "the live server %s, the captured one %s",
                   t->peer_fin ? "sent a FIN" : "sent no FIN",
                   r->sfin ? "did" : "did not");
        d++;
    }
    if (r->srst != live_rst) {
        dsess_note(s, TS_DRIVE_DIFFERS_NOTE "the live server %s, the captured one %s",
                   live_rst ? "reset the connection" : "sent no RST",
                   r->srst ? "did" : "did not");
        d++;
    }
    return d;
}

int ts_drive_replay(const struct ts_drive_cfg *cfg0, const char *pcap,
                 unsigned conn_no, struct ts_drive_result *res, char *err,
                 size_t errlen)
{
    struct rcap r = {.want = conn_no};
    struct ts_drive_cfg cfg = *cfg0;
    struct rlive L = {0};
    struct ts_addr local = cfg.local, rsrc;
    uint32_t mtu = 0;
    char filter[512], l0[64], r0[64];
    struct dsess s;
    struct tcb t;
    int rc = -1, hold = -1;
    uint16_t lport = 0;

    memset(res, 0, sizeof *res);
    if (load(pcap, &r, err, errlen) < 0)
        goto out;
    if (ts_drive_check_root(cfg.remote.family, err, errlen) < 0)
        goto out;
    if (ts_inject_route_get(&cfg.remote, &rsrc, &mtu, err, errlen) < 0)
        goto out;
    if (!local.family)
        local = rsrc;
    /* the capture's SYN options */
    memset(&cfg.syn, 0, sizeof cfg.syn);
    cfg.syn.no_mss = !(r.syn_opt.present & TS_HAS_MSS);
    cfg.syn.mss = r.syn_opt.mss;
    cfg.syn.wscale = r.syn_opt.present & TS_HAS_WSCALE;
    cfg.syn.wscale_shift = r.syn_opt.wscale > 14 ? 14 : r.syn_opt.wscale;
    cfg.syn.sackok = r.syn_opt.present & TS_HAS_SACKOK;
    cfg.syn.ts = r.syn_opt.present & TS_HAS_TS;
    cfg.data = r.cdata;
    cfg.data_len = r.clen;

    lport = cfg.lport;
    struct ts_craft_rng rng;
    ts_craft_rng_init(&rng);
    if (!lport && ts_drive_reserve_ports(&rng, 1, &lport, &hold) < 0) {
        snprintf(err, errlen, "replay: no free source port outside the "
                 "ephemeral range: give --sport");
        goto out;
    }
    ts_drive_mark_ports(hold, lport, 1);
    ts_addr_str(&local, l0, sizeof l0);
    ts_addr_str(&cfg.remote, r0, sizeof r0);
    snprintf(filter, sizeof filter,
             "(tcp and src host %s and src port %u and dst host %s and dst port %u)"
             " or %s", r0, (unsigned)cfg.rport, l0, (unsigned)lport,
             cfg.family == 6 ? "(icmp6 and (ip6[40] == 1 or ip6[40] == 2))"
                              : "(icmp and icmp[0] == 3)");
    struct ts_guard_spec spec = {.family = cfg.family, .local = local,
                              .lport_lo = lport, .lport_hi = lport,
                              .remote = cfg.remote, .rport = cfg.rport,
                              .mark = cfg.mark ? cfg.mark : 0x7473};
    if (dsess_open(&s, &cfg, res, &local, filter,
                   cfg.no_guard ? NULL : &spec, err, errlen) < 0)
        goto out;
    s.data_tap = live_data;
    s.mtu = mtu;
    s.on_tcp = on_tcp;
    s.on_icmp = on_icmp;
    s.ctx = &L;
    rc = 0;
    if (dsess_stopped(&s)) { /* stopped while the guard went in */
        res->outcome = TS_DRIVE_INTERRUPTED;
        snprintf(err, errlen, "interrupted before the replay began");
        ts_drive_close_report(&s, res, err, errlen);
        goto out;
    }

    dsess_note(&s, "replaying connection %llu of %s: client %u bytes in %u "
               "step%s, server %u bytes%s%s", (unsigned long long)r.id, pcap,
               r.clen, r.nsteps, r.nsteps == 1 ? "" : "s", r.slen,
               r.sfin ? ", server FIN" : "", r.srst ? ", server RST" : "");
    uint32_t cmiss = missing(r.chold, r.clen);
    if (cmiss)
        dsess_note(&s, "the capture lacks %u of the client's %u bytes (snap "
                   "length): they are sent as zeros", cmiss, r.clen);
    uint32_t iss = cfg.isn;
    if (!cfg.isn_set)
        ts_craft_rng_u32(&s.rng, &iss);
    tcb_init(&t, &s, false, &local, lport, &cfg.remote, cfg.rport, iss);
    t.no = 1;
    t.scripted = true;
    L.t = &t;
    tcb_connect(&t);

    unsigned k = 0, late = 0;
    uint64_t since = 0;
    while (!t.done) {
        if (tcb_session_over(&t))
            break;
        uint64_t now = dsess_mono();
        if (synchronized(&t) && k < r.nsteps) {
            const struct step *st = &r.steps[k];
            if (!since)
                since = now;
            uint32_t live = t.rcv_nxt - t.irs;
            bool ready = !st->has_ack || ts_seq_ge(live, st->rel_ack);
            if (!ready && now - since >= cfg.timeout_ns) {
                dsess_note(&s, TS_DRIVE_DIFFERS_NOTE "before the client's step %u the "
                           "captured client had received %u bytes of the "
                           "server's%s; the live server had sent %u within "
                           "%.3f s (--timeout): going on", k + 1,
                           st->rel_ack - 1 - (r.sfin && st->rel_ack - 1 > r.slen),
                           st->rel_ack - 1 > r.slen ? " and its FIN" : "",
                           live - 1 - (t.peer_fin ? 1 : 0),
                           (double)cfg.timeout_ns / 1e9);
                late++;
                ready = true;
            }
            if (ready) {
                if (st->upto > t.out_lim)
                    t.out_lim = st->upto;
                if (st->fin)
                    t.fin_wanted = true;
                if (st->rst) {
                    tcb_output(&t);
                    tcb_abort(&t, TS_DRIVE_OK, NULL);
                    break;
                }
                tcb_output(&t);
                k++;
                since = now;
                continue;
            }
        }
        if (k == r.nsteps && synchronized(&t) && !r.cfin && !r.crst &&
            t.snd_una == t.iss + 1 + t.out_lim) {
            /* the capture ends without the client closing: wait --linger
             * for the server's last words, then close as --close says */
            t.scripted = false;
        }
        tcb_step(&t);
        if (t.done)
            break;
        uint64_t d = tcb_deadline(&t);
        if (k < r.nsteps && since && (!d || since + cfg.timeout_ns < d))
            d = since + cfg.timeout_ns;
        dsess_wait(&s, d);
    }
    bool live_rst = t.outcome == TS_DRIVE_RESET;
    if (live_rst && r.srst)
        t.outcome = TS_DRIVE_OK; /* the server reset it, as in the capture */
    dsess_verdicts(&s, true);
    if (t.outcome == TS_DRIVE_OK || t.outcome == TS_DRIVE_RESET) {
        unsigned d = compare(&s, &r, &L, &t, live_rst) + late;
        if (d && t.outcome == TS_DRIVE_OK) {
            res->outcome = TS_DRIVE_DIFFERS;
            snprintf(err, errlen, "the live server differs from the capture "
                     "in %u way%s (see the notes)", d, d == 1 ? "" : "s");
        } else {
            res->outcome = t.outcome;
            if (t.outcome != TS_DRIVE_OK)
                snprintf(err, errlen, "%s", t.msg);
        }
    } else {
        res->outcome = t.outcome;
        snprintf(err, errlen, "%s", t.msg);
    }
    if (res->outcome == TS_DRIVE_OK || res->outcome == TS_DRIVE_DIFFERS)
        res->conns_ok = 1;
    else
        res->conns_failed = 1;
    tcb_release(&t);
    ts_drive_close_report(&s, res, err, errlen);
out:
    ts_drive_mark_ports(hold, lport, 1);
    ts_drive_release_ports(hold);
    free(r.cdata);
    free(r.sdata);
    free(r.chold);
    free(r.shold);
    free(r.steps);
    free(L.got);
    return rc;
}
