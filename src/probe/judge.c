/* tcpshake probe: the judges.  A probe whose rule passed may also measure
 * what the stack chose (the options of its SYN+ACK, segment sizes,
 * retransmission intervals, probes of a zero window): each judge reads the
 * segments of the run and says pass, an allowed variant, a failure or
 * that the service did not let it tell (inconclusive), in one line with
 * the numbers seen.  Relative numbers count from each side's ISN, as the
 * scripts write them.
 */
#include <stdio.h>
#include <string.h>

#include "probe_internal.h"

#define OUT(res, ...)                                                                        \
    do {                                                                                     \
        out->result = (res);                                                                 \
        snprintf(out->why, sizeof out->why, __VA_ARGS__);                                    \
    } while (0)

static const struct probe_seg *synack(const struct probe_obs *o)
{
    for (size_t i = 0; i < o->n; i++)
        if (!o->v[i].ours && (o->v[i].flags & (TS_TH_SYN | TS_TH_ACK)) == (TS_TH_SYN | TS_TH_ACK))
            return &o->v[i];
    return NULL;
}

static void opts_text(const struct ts_opts *op, char *b, size_t n)
{
    size_t u = 0;
    b[0] = 0;
#define ADD(...)                                                                             \
    do {                                                                                     \
        if (u < n)                                                                           \
            u += (size_t)snprintf(b + u, n - u, "%s", u ? ", " : "");                        \
        if (u < n)                                                                           \
            u += (size_t)snprintf(b + u, n - u, __VA_ARGS__);                                \
    } while (0)
    if (op->present & TS_HAS_MSS)
        ADD("mss %u", op->mss);
    if (op->present & TS_HAS_SACKOK)
        ADD("sackOK");
    if (op->present & TS_HAS_TS)
        ADD("TS val %u ecr %u", op->tsval, op->tsecr);
    if (op->present & TS_HAS_WSCALE)
        ADD("wscale %u", op->wscale);
    if (op->present & TS_HAS_TFO)
        ADD("FO");
    if (op->present & TS_HAS_OTHER)
        ADD("others");
    if (!u)
        snprintf(b, n, "none");
#undef ADD
}

/* the host's data: bytes sent (highest end over the ISN + 1), the largest
 * segment, how many segments */
struct data {
    uint32_t bytes, largest;
    size_t segs;
    bool rst, fin;
    uint32_t top_ack; /* the highest ack, relative to our ISN */
};

static struct data host_data(const struct probe_obs *o, double from, double to)
{
    struct data d = {0};
    for (size_t i = 0; i < o->n; i++) {
        const struct probe_seg *s = &o->v[i];
        if (s->ours || s->t < from || s->t > to)
            continue;
        if (s->flags & TS_TH_RST)
            d.rst = true;
        if (s->flags & TS_TH_FIN)
            d.fin = true;
        if ((s->flags & TS_TH_ACK) && o->have_our_isn) {
            uint32_t a = s->ack - o->our_isn;
            if ((int32_t)(a - d.top_ack) > 0)
                d.top_ack = a;
        }
        if (!s->len || (s->flags & (TS_TH_SYN | TS_TH_RST)) || !o->have_their_isn)
            continue;
        d.segs++;
        if (s->len > d.largest)
            d.largest = s->len;
        uint32_t end = s->seq + s->len - o->their_isn - 1;
        if (end > d.bytes && end < (1u << 30))
            d.bytes = end;
    }
    return d;
}

/* our first segment with payload (and the flag given, if any) */
static const struct probe_seg *our_data(const struct probe_obs *o, uint8_t flag)
{
    for (size_t i = 0; i < o->n; i++)
        if (o->v[i].ours && o->v[i].len && !(o->v[i].flags & TS_TH_SYN) &&
            (!flag || (o->v[i].flags & flag)))
            return &o->v[i];
    return NULL;
}

static void j_synack(const struct probe_obs *o, const struct ts_probe_cfg *cfg,
                     struct ts_probe_outcome *out)
{
    (void)cfg;
    const struct probe_seg *s = synack(o);
    char t[256];
    opts_text(&s->opt, t, sizeof t);
    if (s->opt.present & TS_HAS_MSS) {
        OUT(TS_PROBE_PASS, "SYN+ACK with ack = ISN + 1, window %u, options: %s", s->win, t);
    } else {
        /* RFC 9293 SHLD-5, MAY-3: an MSS option unless the stack's is the
         * default (536 or 1220) */
        snprintf(out->variant, sizeof out->variant, "no-mss");
        OUT(TS_PROBE_VARIANT, "SYN+ACK with ack = ISN + 1, but no MSS option (SHLD-5: the "
                              "stack's MSS must then be the default); window %u, options: %s",
            s->win, t);
    }
}

static void j_unoffered(const struct probe_obs *o, const struct ts_probe_cfg *cfg,
                        struct ts_probe_outcome *out)
{
    (void)cfg;
    const struct probe_seg *s = synack(o);
    char t[256];
    opts_text(&s->opt, t, sizeof t);
    if (s->opt.present & (TS_HAS_WSCALE | TS_HAS_SACKOK | TS_HAS_TS))
        OUT(TS_PROBE_FAIL, "the SYN+ACK answers options our SYN did not offer: %s", t);
    else
        OUT(TS_PROBE_PASS, "the SYN+ACK has only %s", t);
}

static void j_timestamps(const struct probe_obs *o, const struct ts_probe_cfg *cfg,
                         struct ts_probe_outcome *out)
{
    (void)cfg;
    const struct probe_seg *s = synack(o);
    if (!(s->opt.present & TS_HAS_TS)) {
        snprintf(out->variant, sizeof out->variant, "no-timestamps");
        OUT(TS_PROBE_VARIANT, "no timestamps in the SYN+ACK: the stack does not use RFC 7323 "
                              "timestamps (they are optional)");
    } else if (s->opt.tsecr != 100) {
        OUT(TS_PROBE_FAIL, "TS ecr %u in the SYN+ACK, not our TS val 100", s->opt.tsecr);
    } else {
        OUT(TS_PROBE_PASS, "TS val %u ecr 100: our value echoed", s->opt.tsval);
    }
}

static void j_sackok(const struct probe_obs *o, const struct ts_probe_cfg *cfg,
                     struct ts_probe_outcome *out)
{
    (void)cfg;
    const struct probe_seg *s = synack(o);
    if (s->opt.present & TS_HAS_SACKOK) {
        OUT(TS_PROBE_PASS, "SACK-permitted in the SYN+ACK");
    } else {
        snprintf(out->variant, sizeof out->variant, "no-sack");
        OUT(TS_PROBE_VARIANT, "no SACK-permitted in the SYN+ACK: the stack does not use "
                              "selective acknowledgments (they are optional)");
    }
}

static void j_wscale(const struct probe_obs *o, const struct ts_probe_cfg *cfg,
                     struct ts_probe_outcome *out)
{
    (void)cfg;
    const struct probe_seg *s = synack(o);
    struct data d = host_data(o, 0, 1e30);
    if (!(s->opt.present & TS_HAS_WSCALE)) {
        if (d.bytes > 1) {
            OUT(TS_PROBE_FAIL, "no window scale in the SYN+ACK, yet %u bytes sent into our "
                               "unscaled window of 1",
                d.bytes);
        } else {
            snprintf(out->variant, sizeof out->variant, "no-window-scale");
            OUT(TS_PROBE_VARIANT, "no window scale in the SYN+ACK: windows are not scaled "
                                  "(RFC 7323 is optional); %u byte%s sent into our window of 1",
                d.bytes, d.bytes == 1 ? "" : "s");
        }
        return;
    }
    if (d.bytes == 0)
        OUT(TS_PROBE_INCONCLUSIVE, "window scale %u answered, but the service sent nothing "
                                   "back in 3 s (an echo service is needed)",
            s->opt.wscale);
    else if (d.bytes > 128)
        OUT(TS_PROBE_FAIL, "%u bytes sent: more than our window of 1 << 7 = 128 bytes",
            d.bytes);
    else if (d.bytes == 1)
        OUT(TS_PROBE_FAIL, "1 byte sent: our window of 1 was read unscaled (1 << 7 = 128)");
    else
        OUT(TS_PROBE_PASS, "window scale %u answered; %u bytes sent into our window of 1 << 7 "
                           "= 128",
            s->opt.wscale, d.bytes);
}

static void mss_judge(const struct probe_obs *o, struct ts_probe_outcome *out, uint32_t mss,
                      const char *whose)
{
    struct data d = host_data(o, 0, 1e30);
    if (!d.segs)
        OUT(TS_PROBE_INCONCLUSIVE, "the service sent no data back (an echo service is needed)");
    else if (d.largest > mss)
        OUT(TS_PROBE_FAIL, "a segment of %u bytes: more than %s %u", d.largest, whose, mss);
    else
        OUT(TS_PROBE_PASS, "%zu data segment%s, the largest %u bytes (%s %u)", d.segs,
            d.segs == 1 ? "" : "s", d.largest, whose, mss);
}

static void j_mss536(const struct probe_obs *o, const struct ts_probe_cfg *cfg,
                     struct ts_probe_outcome *out)
{
    (void)cfg;
    mss_judge(o, out, 536, "our MSS");
}

static void j_mssdefault(const struct probe_obs *o, const struct ts_probe_cfg *cfg,
                         struct ts_probe_outcome *out)
{
    mss_judge(o, out, cfg->host.family == 6 ? 1220 : 536, "the default MSS");
}

/* the host's retransmissions: its segments with SYN (the SYN+ACK) or, in a
 * probe without, FIN */
static void j_schedule(const struct probe_obs *o, const struct ts_probe_cfg *cfg,
                       struct ts_probe_outcome *out)
{
    (void)cfg;
    double t[8];
    size_t n = 0;
    uint8_t flag = TS_TH_SYN;
    for (size_t i = 0; i < o->n; i++)
        if (!o->v[i].ours && (o->v[i].flags & TS_TH_FIN))
            flag = TS_TH_FIN;
    for (size_t i = 0; i < o->n && n < 8; i++)
        if (!o->v[i].ours && (o->v[i].flags & flag))
            t[n++] = o->v[i].t;
    const char *what = flag == TS_TH_SYN ? "SYN+ACK" : "FIN";
    if (n < 3) {
        OUT(TS_PROBE_FAIL, "the %s was sent %zu time%s", what, n, n == 1 ? "" : "s");
        return;
    }
    double a = t[1] - t[0], b = t[2] - t[1];
    if (b < a * 1.5)
        OUT(TS_PROBE_FAIL, "%s sent again after %.3f s, then %.3f s: no back-off (RFC 6298 "
                           "§5.5: the timer doubles)",
            what, a, b);
    else
        OUT(TS_PROBE_PASS, "%s sent again after %.3f s, then %.3f s (x%.1f)", what, a, b, b / a);
}

static void j_halfclose(const struct probe_obs *o, const struct ts_probe_cfg *cfg,
                        struct ts_probe_outcome *out)
{
    (void)cfg;
    const struct probe_seg *fin = our_data(o, TS_TH_FIN);
    struct data d = host_data(o, fin ? fin->t : 0, 1e30);
    if (d.bytes >= 10)
        OUT(TS_PROBE_PASS, "the %u bytes came back after our FIN%s", d.bytes,
            d.fin ? ", then the stack's FIN" : " (no FIN of the stack yet)");
    else if (d.rst)
        OUT(TS_PROBE_FAIL, "a RST after our FIN, %u of our 10 bytes echoed", d.bytes);
    else if (d.bytes)
        OUT(TS_PROBE_FAIL, "only %u of our 10 bytes came back after our FIN", d.bytes);
    else
        OUT(TS_PROBE_INCONCLUSIVE, "no data came back after our FIN (an echo service is "
                                   "needed)");
}

static void j_ourfin(const struct probe_obs *o, const struct ts_probe_cfg *cfg,
                     struct ts_probe_outcome *out)
{
    (void)cfg;
    const struct probe_seg *fin = NULL;
    for (size_t i = 0; i < o->n; i++)
        if (o->v[i].ours && (o->v[i].flags & TS_TH_FIN)) {
            fin = &o->v[i];
            break;
        }
    double t_ack = -1, t_fin = -1;
    for (size_t i = 0; fin && i < o->n; i++) {
        const struct probe_seg *s = &o->v[i];
        if (s->ours || s->t < fin->t || !(s->flags & TS_TH_ACK) || s->ack - o->our_isn != 2)
            continue;
        if (t_ack < 0)
            t_ack = s->t - fin->t;
        if ((s->flags & TS_TH_FIN) && t_fin < 0)
            t_fin = s->t - fin->t;
    }
    if (!fin || t_ack < 0) {
        OUT(TS_PROBE_FAIL, "our FIN was not acknowledged in 1 s");
    } else if (t_fin < 0) {
        snprintf(out->variant, sizeof out->variant, "close-wait");
        OUT(TS_PROBE_VARIANT, "our FIN acknowledged after %.3f s; no FIN of the stack in 1 s: "
                              "the service keeps its side open (CLOSE-WAIT)",
            t_ack);
    } else if (t_fin == t_ack) {
        OUT(TS_PROBE_PASS, "our FIN acknowledged with the stack's FIN, after %.3f s", t_fin);
    } else {
        OUT(TS_PROBE_PASS, "our FIN acknowledged after %.3f s, the stack's FIN after %.3f s",
            t_ack, t_fin);
    }
}

/* every SYN+ACK the host sent without our ACK, and what ended it */
static void j_giveup(const struct probe_obs *o, const struct ts_probe_cfg *cfg,
                     struct ts_probe_outcome *out)
{
    (void)cfg;
    double t0 = -1, last = -1, rst = -1, end = -1, prev_gap = 0, capped = 0;
    size_t n = 0;
    char iv[256] = "";
    size_t u = 0;
    for (size_t i = 0; i < o->n; i++) {
        const struct probe_seg *s = &o->v[i];
        if (s->ours) {
            if (s->flags & TS_TH_RST)
                end = s->t; /* our RST at the end of the watch */
            continue;
        }
        if (end >= 0)
            break;
        if ((s->flags & (TS_TH_SYN | TS_TH_ACK)) == (TS_TH_SYN | TS_TH_ACK)) {
            if (t0 < 0) {
                t0 = last = s->t;
                continue;
            }
            n++;
            /* RFC 6298 §2.5: the timer doubles, and a ceiling on it is at
             * least 60 s */
            double gap = s->t - last;
            if (n > 1 && gap < prev_gap * 1.5 && gap < 59.0 && !capped)
                capped = gap;
            prev_gap = gap;
            if (u < sizeof iv)
                u += (size_t)snprintf(iv + u, sizeof iv - u, "%s%.1f", n > 1 ? ", " : "",
                                      s->t - t0);
            last = s->t;
        } else if ((s->flags & TS_TH_RST) && rst < 0) {
            rst = s->t;
        }
    }
    if (n == 0) {
        OUT(TS_PROBE_FAIL, "the SYN+ACK was never sent again (RFC 9293 §3.8.1: a segment "
                           "not acknowledged is retransmitted)");
    } else if (capped > 0) {
        OUT(TS_PROBE_FAIL, "sent again %zu times (at %s s): the back-off stops at %.1f s, "
                           "where RFC 6298 §2.5 lets a ceiling be no less than 60 s",
            n, iv, capped);
    } else if (rst >= 0) {
        OUT(TS_PROBE_PASS, "sent again %zu time%s (at %s s), then a RST at %.1f s", n,
            n == 1 ? "" : "s", iv, rst - t0);
    } else {
        OUT(TS_PROBE_PASS, "sent again %zu time%s (at %s s), then nothing (the last %.1f s "
                           "before our RST)",
            n, n == 1 ? "" : "s", iv, (end >= 0 ? end : last) - last);
    }
}

/* the host's answer to our second SYN (same port, the stack in TIME-WAIT) */
static void j_timewait(const struct probe_obs *o, const struct ts_probe_cfg *cfg,
                       struct ts_probe_outcome *out)
{
    (void)cfg;
    const struct probe_seg *syn2 = NULL;
    for (size_t i = 0, n = 0; i < o->n && !syn2; i++)
        if (o->v[i].ours && (o->v[i].flags & TS_TH_SYN) && ++n == 2)
            syn2 = &o->v[i];
    const struct probe_seg *ans = NULL;
    for (size_t i = 0; syn2 && i < o->n && !ans; i++)
        if (!o->v[i].ours && o->v[i].t >= syn2->t && (&o->v[i] > syn2))
            ans = &o->v[i];
    if (!syn2) {
        OUT(TS_PROBE_INCONCLUSIVE, "the second SYN was not seen in the capture");
    } else if (!ans) {
        OUT(TS_PROBE_FAIL, "no answer to a new SYN in TIME-WAIT (RFC 9293 §3.10.7.4 asks at "
                           "least an ACK)");
    } else if ((ans->flags & (TS_TH_SYN | TS_TH_ACK)) == (TS_TH_SYN | TS_TH_ACK) &&
               ans->ack == syn2->seq + 1) {
        OUT(TS_PROBE_PASS, "a SYN+ACK after %.3f s: the connection reopened from TIME-WAIT",
            ans->t - syn2->t);
    } else if (ans->flags & TS_TH_RST) {
        snprintf(out->variant, sizeof out->variant, "rst");
        OUT(TS_PROBE_VARIANT, "a RST: the SYN ended TIME-WAIT, no new connection");
    } else if (ans->flags & TS_TH_ACK) {
        snprintf(out->variant, sizeof out->variant, "ack");
        OUT(TS_PROBE_VARIANT, "an ACK of the old connection (ack %u): TIME-WAIT kept, the SYN "
                              "taken for an old duplicate (RFC 9293 §3.10.7.4)",
            ans->ack - o->our_isn);
    } else {
        OUT(TS_PROBE_FAIL, "an answer with flags 0x%02x to a new SYN in TIME-WAIT", ans->flags);
    }
}

/* after a RST to the TIME-WAIT connection, a SYN from the same port below
 * the old numbers: a SYN+ACK if TIME-WAIT ended, an ACK if it lasts */
static void j_twrst(const struct probe_obs *o, const struct ts_probe_cfg *cfg,
                    struct ts_probe_outcome *out)
{
    (void)cfg;
    const struct probe_seg *syn2 = NULL;
    for (size_t i = 0, n = 0; i < o->n && !syn2; i++)
        if (o->v[i].ours && (o->v[i].flags & TS_TH_SYN) && ++n == 2)
            syn2 = &o->v[i];
    const struct probe_seg *ans = NULL;
    for (size_t i = 0; syn2 && i < o->n && !ans; i++)
        if (!o->v[i].ours && &o->v[i] > syn2)
            ans = &o->v[i];
    if (!syn2) {
        OUT(TS_PROBE_INCONCLUSIVE, "the second SYN was not seen in the capture");
    } else if (ans && (ans->flags & (TS_TH_SYN | TS_TH_ACK)) == (TS_TH_SYN | TS_TH_ACK)) {
        OUT(TS_PROBE_PASS, "the RST ended TIME-WAIT: the SYN after it got a SYN+ACK");
    } else if (ans && (ans->flags & TS_TH_ACK) && !(ans->flags & TS_TH_RST)) {
        snprintf(out->variant, sizeof out->variant, "rfc1337");
        OUT(TS_PROBE_VARIANT, "the RST was ignored, TIME-WAIT kept (RFC 1337's fix): the SYN "
                              "after it got an ACK of the old connection");
    } else if (ans && (ans->flags & TS_TH_RST)) {
        OUT(TS_PROBE_FAIL, "the SYN after the RST got a RST");
    } else {
        OUT(TS_PROBE_FAIL, "no answer to a SYN after the RST in TIME-WAIT");
    }
}

static void j_datafin(const struct probe_obs *o, const struct ts_probe_cfg *cfg,
                      struct ts_probe_outcome *out)
{
    (void)cfg;
    const struct probe_seg *ours = our_data(o, 0);
    struct data d = host_data(o, ours ? ours->t : 0, 1e30);
    if (d.rst) {
        OUT(TS_PROBE_PASS, "a RST: the service closed, the data cannot be delivered");
    } else if (d.top_ack >= 11) {
        snprintf(out->variant, sizeof out->variant, "accepted");
        OUT(TS_PROBE_VARIANT, "the data was acknowledged: the service shut down only its "
                              "sending side (a half-duplex close)");
    } else {
        OUT(TS_PROBE_FAIL, "no answer to our data after the service closed");
    }
}

static void j_zwp(const struct probe_obs *o, const struct ts_probe_cfg *cfg,
                  struct ts_probe_outcome *out)
{
    (void)cfg;
    const struct probe_seg *ours = our_data(o, 0);
    double t_data = ours ? ours->t : 0, t_open = 1e30;
    for (size_t i = 0; i < o->n; i++)
        if (o->v[i].ours && o->v[i].t > t_data && o->v[i].win > 0) {
            t_open = o->v[i].t;
            break;
        }
    size_t probes = 0;
    bool one_byte = false, acked = false;
    double first = 0;
    uint32_t into = 0;
    for (size_t i = 0; i < o->n; i++) {
        const struct probe_seg *s = &o->v[i];
        if (s->ours || s->t <= t_data || s->t >= t_open)
            continue;
        if (!s->len && !acked && o->have_our_isn && s->ack - o->our_isn == 11) {
            acked = true; /* the ACK of our data, not a probe */
            continue;
        }
        if (s->len > 1) {
            into += s->len;
            continue;
        }
        if (!probes++) {
            first = s->t - t_data;
            one_byte = s->len == 1;
        }
    }
    struct data after = host_data(o, t_open, 1e30);
    if (into)
        OUT(TS_PROBE_FAIL, "%u bytes sent into our zero window", into);
    else if (!probes && !after.bytes)
        OUT(TS_PROBE_INCONCLUSIVE, "no probe and no data: the service sent nothing back (an "
                                   "echo service is needed)");
    else if (!probes)
        OUT(TS_PROBE_FAIL, "no probe of our zero window in %.1f s", t_open - t_data);
    else if (after.bytes < 10)
        OUT(TS_PROBE_FAIL, "%zu probe%s, but only %u of the 10 bytes once the window opened",
            probes, probes == 1 ? "" : "s", after.bytes);
    else
        OUT(TS_PROBE_PASS, "%zu probe%s in %.1f s (the first after %.2f s, %s), then the data",
            probes, probes == 1 ? "" : "s", t_open - t_data, first,
            one_byte ? "one byte of new data" : "zero-length, an old sequence number");
}

static void j_urgent(const struct probe_obs *o, const struct ts_probe_cfg *cfg,
                     struct ts_probe_outcome *out)
{
    (void)cfg;
    struct data d = host_data(o, 0, 1e30);
    if (d.top_ack < 11)
        OUT(TS_PROBE_FAIL, "acknowledged %u of the 10 bytes", d.top_ack ? d.top_ack - 1 : 0);
    else if (d.bytes == 9)
        OUT(TS_PROBE_PASS, "all 10 bytes acknowledged; 9 echoed: the urgent byte went to the "
                           "service out of band");
    else
        OUT(TS_PROBE_PASS, "all 10 bytes acknowledged; %u echoed", d.bytes);
}

static const struct {
    const char *name;
    void (*fn)(const struct probe_obs *, const struct ts_probe_cfg *, struct ts_probe_outcome *);
} judges[] = {
    {"synack", j_synack},         {"unoffered", j_unoffered}, {"timestamps", j_timestamps},
    {"sackok", j_sackok},         {"wscale", j_wscale},       {"mss536", j_mss536},
    {"mssdefault", j_mssdefault}, {"schedule", j_schedule},   {"halfclose", j_halfclose},
    {"datafin", j_datafin},       {"ourfin", j_ourfin},       {"zwp", j_zwp},
    {"urgent", j_urgent},         {"timewait", j_timewait},   {"twrst", j_twrst},
    {"giveup", j_giveup},
};

bool probe_judge_known(const char *name)
{
    for (size_t i = 0; i < sizeof judges / sizeof judges[0]; i++)
        if (!strcmp(judges[i].name, name))
            return true;
    return false;
}

void probe_judge(const struct ts_probe_info *p, const struct ts_probe_cfg *cfg,
                 const struct probe_obs *o, struct ts_probe_outcome *out)
{
    for (size_t i = 0; i < sizeof judges / sizeof judges[0]; i++)
        if (!strcmp(judges[i].name, p->judge)) {
            /* every judge reads the SYN+ACK the rule matched */
            if (!synack(o) || !o->have_their_isn) {
                OUT(TS_PROBE_INCONCLUSIVE, "the SYN+ACK was not seen in the capture");
                return;
            }
            judges[i].fn(o, cfg, out);
            return;
        }
    OUT(TS_PROBE_ERROR, "probe %s: no judge '%s'", p->name, p->judge);
}
