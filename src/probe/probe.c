/* tcpshake probe: run one probe of the battery against a host.  The probe's
 * file is cut into its sections (the rule, then each variant); each is
 * parsed with the lines of the others blanked, so that messages name the
 * file's own line numbers, and run with ts_script_run against the host.
 * The rule's frames are kept, decoded, for the judge (judge.c).
 *
 * Classification: a host that answered nothing at all is inconclusive
 * (silent or filtered: never a failure); a rule that passes is a pass, or
 * what its judge makes of what was sent; a rule that fails is the first
 * variant that passes, else a failure with the rule's differing segment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_internal.h"
#include "tcpshake/script.h"

extern const struct ts_probe_info ts_probe_battery[];
extern const size_t ts_probe_nbattery;

size_t ts_probe_count(void)
{
    return ts_probe_nbattery;
}

const struct ts_probe_info *ts_probe_get(size_t i)
{
    return i < ts_probe_nbattery ? &ts_probe_battery[i] : NULL;
}

const struct ts_probe_info *ts_probe_find(const char *name)
{
    for (size_t i = 0; i < ts_probe_nbattery; i++)
        if (!strcmp(ts_probe_battery[i].name, name))
            return &ts_probe_battery[i];
    return NULL;
}

const char *ts_probe_result_name(enum ts_probe_result r)
{
    switch (r) {
    case TS_PROBE_PASS: return "pass";
    case TS_PROBE_VARIANT: return "variant";
    case TS_PROBE_FAIL: return "fail";
    case TS_PROBE_INCONCLUSIVE: return "inconclusive";
    case TS_PROBE_ERROR: return "error";
    case TS_PROBE_STOPPED: return "interrupted";
    }
    return "?";
}

/* ---- the frames of a run ------------------------------------------------------ */

struct hook {
    const struct ts_probe_cfg *cfg;
    struct probe_obs *obs; /* NULL: not kept */
    uint16_t port;
};

static void on_frame(void *user, uint64_t t_ns, const uint8_t *p, uint32_t len, uint32_t wirelen,
                     bool injected)
{
    struct hook *h = user;
    if (h->cfg->frame)
        h->cfg->frame(h->cfg->user, t_ns, p, len, wirelen, injected);
    struct probe_obs *o = h->obs;
    struct ts_seg seg;
    if (!o || ts_decode(1 /* Ethernet */, p, len, wirelen, false, &seg) != TS_DEC_TCP)
        return;
    bool from = !ts_addr_cmp(&seg.src, &h->cfg->host) && seg.sport == h->port;
    bool to = !ts_addr_cmp(&seg.dst, &h->cfg->host) && seg.dport == h->port;
    if (!from && !to)
        return;
    if (o->n == o->cap) {
        size_t n = o->cap ? o->cap * 2 : 64;
        struct probe_seg *m = realloc(o->v, n * sizeof *m);
        if (!m)
            return;
        o->v = m;
        o->cap = n;
    }
    struct probe_seg *s = &o->v[o->n++];
    memset(s, 0, sizeof *s);
    s->t = (double)t_ns / 1e9;
    s->ours = to;
    s->flags = seg.flags;
    s->seq = seg.seq;
    s->ack = seg.ack;
    s->len = seg.payload_len;
    s->win = seg.win;
    s->urp = seg.urp;
    s->opt = seg.opt;
    if (from) {
        if (!o->host_frames++)
            o->first_flags = seg.flags;
        if (seg.flags & TS_TH_FIN)
            o->host_fin = true;
        bool synack = (seg.flags & (TS_TH_SYN | TS_TH_ACK)) == (TS_TH_SYN | TS_TH_ACK);
        if (synack && !o->have_their_isn) {
            o->have_their_isn = true;
            o->their_isn = seg.seq;
        }
    } else if (!o->our_frames++) {
        o->our_first_flags = seg.flags;
    }
    if (to && (seg.flags & TS_TH_SYN) && !o->have_our_isn) {
        o->have_our_isn = true;
        o->our_isn = seg.seq;
    }
}

/* ---- sections ------------------------------------------------------------------- */

char *probe_section(const char *text, size_t k, unsigned *bad_line)
{
    size_t n = strlen(text);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t cur = 0, o = 0;
    unsigned line = 1;
    bool found = k == 0;
    *bad_line = 0;
    for (const char *s = text; *s;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        const char *t = s;
        while (t < s + len && (*t == ' ' || *t == '\t'))
            t++;
        if ((size_t)(s + len - t) >= 4 && !strncmp(t, "//==", 4)) {
            cur++;
            if (cur == k)
                found = true;
        } else if (cur == k) {
            memcpy(out + o, s, len);
            o += len;
            const char *m = memmem(s, len, "// bad-checksum", 15);
            if (m)
                *bad_line = line;
        }
        if (nl)
            out[o++] = '\n';
        s += len + (nl ? 1 : 0);
        line++;
    }
    out[o] = 0;
    if (!found) {
        free(out);
        return NULL;
    }
    return out;
}

static uint16_t port_of(const struct ts_probe_info *p, const struct ts_probe_cfg *cfg)
{
    switch (p->port) {
    case TS_PROBE_CLOSE: return cfg->close_port;
    case TS_PROBE_CLOSED:
        return cfg->closed_port ? cfg->closed_port
                                : (uint16_t)(cfg->port == 65535 ? 1 : cfg->port + 1);
    default: return cfg->port;
    }
}

/* Run section k; the result in *res, the frames in *obs (if not NULL). */
static enum ts_script_status run_section(const struct ts_probe_info *p,
                                         const struct ts_probe_cfg *cfg, size_t k,
                                         int64_t *late, struct probe_obs *obs,
                                         struct ts_script_result *res)
{
    memset(res, 0, sizeof *res);
    unsigned bad = 0;
    char *text = probe_section(p->text, k, &bad);
    if (!text) {
        res->status = TS_SCRIPT_ERROR;
        snprintf(res->msg, sizeof res->msg, "probe %s: no section %zu", p->name, k);
        return res->status;
    }
    char name[96];
    snprintf(name, sizeof name, "%s.pkt", p->name);
    struct ts_script_err err;
    struct ts_script *s = ts_script_parse_string(name, text, strlen(text), &err);
    free(text);
    if (!s) {
        res->status = TS_SCRIPT_ERROR;
        snprintf(res->msg, sizeof res->msg, "%.500s", err.text);
        return res->status;
    }
    struct hook h = {.cfg = cfg, .obs = obs, .port = port_of(p, cfg)};
    struct ts_script_run_cfg rc = {.tolerance_usecs = -1};
    rc.ip_version = cfg->host.family;
    rc.peer = cfg->host;
    rc.peer_port = h.port;
    rc.rate_pps = cfg->rate_pps;
    rc.late_usecs = *late;
    /* a probe asks what the stack does, not how fast: a host that answers
     * within 50 ms is on time, whatever one round trip measured */
    rc.late_min_usecs = 50000;
    /* a closed port cannot have its round trip measured with a SYN */
    if (!rc.late_usecs && p->port == TS_PROBE_CLOSED)
        rc.late_usecs = 100000;
    rc.any_wait_ns = (uint64_t)((p->wait_s > 0 ? p->wait_s : 10.0) * 1e9);
    rc.stop = cfg->stop;
    rc.frame = on_frame;
    rc.user = &h;
    rc.bad_csum_line = bad;
    rc.peer_same_port = p->same_tuple;
    ts_script_run(s, &rc, res);
    ts_script_free(s);
    if (res->late_usecs && !*late && p->port != TS_PROBE_CLOSED)
        *late = res->late_usecs;
    return res->status;
}

/* "line 7: expected `> R 1:1(0)`, got `> . 1:1(0) ack 1 win 502`" from a
 * failed run's detail */
static void why_failed(const struct ts_script_result *res, char *why, size_t n)
{
    char exp[256] = "", got[256] = "";
    const char *e = strstr(res->detail, "script: ");
    const char *g = strstr(res->detail, "actual: ");
    if (e)
        snprintf(exp, sizeof exp, "%.*s", (int)strcspn(e + 8, "\n"), e + 8);
    if (g)
        snprintf(got, sizeof got, "%.*s", (int)strcspn(g + 8, "\n"), g + 8);
    /* the times are the script's, not worth the room */
    if (*exp && *got)
        snprintf(why, n, "line %u: expected `%s`, got `%s`", res->line, exp, got);
    else
        snprintf(why, n, "line %u: %.400s", res->line, res->msg);
}

enum ts_probe_result ts_probe_run(const struct ts_probe_info *p, const struct ts_probe_cfg *cfg,
                                  struct ts_probe_outcome *out)
{
    memset(out, 0, sizeof *out);
    struct ts_script_result res;
    struct probe_obs obs = {0};
    int64_t late = cfg->late_usecs;
    char a[64];
    ts_addr_str(&cfg->host, a, sizeof a);
    uint16_t port = port_of(p, cfg);

    if (p->port == TS_PROBE_CLOSE && !cfg->close_port) {
        out->result = TS_PROBE_INCONCLUSIVE;
        snprintf(out->why, sizeof out->why,
                 "needs a service that closes on its own: give --close-port");
        return out->result;
    }
    enum ts_script_status st = run_section(p, cfg, 0, &late, &obs, &res);
    out->seconds = res.seconds;
    out->late_usecs = late;
    if (st == TS_SCRIPT_STOPPED) {
        out->result = TS_PROBE_STOPPED;
        snprintf(out->why, sizeof out->why, "%s", res.msg);
        goto done;
    }
    if (st == TS_SCRIPT_ERROR) {
        out->unreachable = p->port == TS_PROBE_SERVICE && (res.peer_silent || res.peer_refused);
        if (res.peer_silent) {
            out->result = TS_PROBE_INCONCLUSIVE;
            snprintf(out->why, sizeof out->why,
                     "%s port %u did not answer a SYN: the host is silent or filtered", a,
                     (unsigned)port);
        } else if (res.peer_refused) {
            out->result = TS_PROBE_INCONCLUSIVE;
            snprintf(out->why, sizeof out->why, "nothing listens on %s port %u%s", a,
                     (unsigned)port,
                     p->port == TS_PROBE_CLOSE ? " (give --close-port a closing service)" : "");
        } else {
            out->result = TS_PROBE_ERROR;
            snprintf(out->why, sizeof out->why, "%s", res.msg);
        }
        goto done;
    }
    if (obs.host_frames == 0) {
        out->result = TS_PROBE_INCONCLUSIVE;
        out->unreachable = p->port == TS_PROBE_SERVICE;
        snprintf(out->why, sizeof out->why, "no answer from %s port %u: silent or filtered", a,
                 (unsigned)port);
        goto done;
    }
    /* what the probe needs of the port, not of the stack */
    if (st == TS_SCRIPT_FAIL && p->port != TS_PROBE_CLOSED && (obs.first_flags & TS_TH_RST) &&
        obs.our_first_flags == TS_TH_SYN) {
        out->result = TS_PROBE_INCONCLUSIVE;
        out->unreachable = p->port == TS_PROBE_SERVICE;
        snprintf(out->why, sizeof out->why,
                 "nothing listens on %s port %u: our SYN got a RST%s", a, (unsigned)port,
                 p->port == TS_PROBE_CLOSE ? " (give --close-port a closing service)" : "");
        goto done;
    }
    if (st == TS_SCRIPT_FAIL && p->port == TS_PROBE_CLOSE && !obs.host_fin) {
        out->result = TS_PROBE_INCONCLUSIVE;
        snprintf(out->why, sizeof out->why,
                 "the service on %s port %u (--close-port) did not close within 1 s", a,
                 (unsigned)port);
        goto done;
    }
    if (st == TS_SCRIPT_FAIL && p->port == TS_PROBE_CLOSED && (obs.first_flags & TS_TH_SYN)) {
        out->result = TS_PROBE_INCONCLUSIVE;
        snprintf(out->why, sizeof out->why,
                 "%s port %u is open (a SYN+ACK): give --closed-port a port nothing listens on",
                 a, (unsigned)port);
        goto done;
    }
    if (st == TS_SCRIPT_PASS) {
        out->result = TS_PROBE_PASS;
        snprintf(out->why, sizeof out->why, "%s", p->pass);
        if (p->judge)
            probe_judge(p, cfg, &obs, out);
        goto done;
    }
    /* the rule failed: an allowed variant, or a failure */
    char rule_why[512];
    why_failed(&res, rule_why, sizeof rule_why);
    snprintf(out->detail, sizeof out->detail, "%s:%u: %.400s\n%.3000s", p->name, res.line, res.msg,
             res.detail);
    for (size_t k = 1; k <= p->nvariants; k++) {
        struct ts_script_result vr;
        enum ts_script_status vs = run_section(p, cfg, k, &late, NULL, &vr);
        out->seconds += vr.seconds;
        if (vs == TS_SCRIPT_STOPPED) {
            out->result = TS_PROBE_STOPPED;
            snprintf(out->why, sizeof out->why, "%s", vr.msg);
            goto done;
        }
        if (vs == TS_SCRIPT_ERROR) {
            /* a guard left in place, a path gone: said, not a failure */
            out->result = TS_PROBE_ERROR;
            snprintf(out->why, sizeof out->why, "variant %zu: %.480s", k, vr.msg);
            goto done;
        }
        if (vs == TS_SCRIPT_PASS) {
            const char *v = p->variants[k - 1];
            size_t nl = strcspn(v, ":");
            out->result = TS_PROBE_VARIANT;
            snprintf(out->variant, sizeof out->variant, "%.*s", (int)nl, v);
            snprintf(out->why, sizeof out->why, "%s", v[nl] ? v + nl + 2 : v);
            out->detail[0] = 0;
            goto done;
        }
    }
    out->result = TS_PROBE_FAIL;
    snprintf(out->why, sizeof out->why, "%s", rule_why);
done:
    out->late_usecs = late;
    free(obs.v);
    return out->result;
}
