/* SVG ladder: the connections' time-sequence diagrams as one picture.
 *
 * Tracing records a few fields of each segment per connection (bounded by
 * max_conns and max_segs; what is left out is counted and said on the page).
 * ts_svg_write lays the page out and writes it: one panel per connection,
 * stacked.  A panel's title holds the verdict; below it the client's and the
 * server's lifelines, one arrow per segment from the sender's lifeline down to
 * the receiver's, coloured by role, and each endpoint's state beside its
 * lifeline where it changes (the sender's at the arrow's tail, the
 * receiver's at its head: docs/states.md).
 *
 * Time runs down to scale.  The scale is per connection: a 1-2-5 number of
 * pixels per second chosen so that the 90th-percentile gap between segments
 * is about GAP_TYPICAL pixels; a gap longer than GAP_CAP pixels is cut and
 * marked, so one long silence does not waste the page.  Every arrow also gets
 * MIN_STEP pixels, so that labels never overlap.  All coordinates are
 * computed here and printed with one decimal: the same capture always gives
 * the same file.
 */
#include "tcpshake/svg.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tcpshake/fsm.h"
#include "tcpshake/ladder.h"
#include "../conn.h"
#include "../internal.h"
#include "tcpshake/sink.h"
#include "tcpshake/verdict.h"

/* ---- what is recorded --------------------------------------------------------- */

struct rec {
    uint64_t t_ns;
    uint32_t rel_seq, ack, len; /* ack: relative when rel_ack_valid, else raw */
    uint32_t notes, anomalies;
    uint8_t flags, ae, dir, role, rst_reason, rel_ack_valid;
    uint8_t old_state[2], new_state[2];
};

struct vconn {
    uint64_t id;
    uint64_t t_first;
    char end[2][64];     /* "198.18.0.2:40000", "[2001:db8::1]:80" */
    struct rec *segs;
    uint32_t n, cap;
    uint64_t traced;     /* segments traced, kept or not */
    bool ended;
    uint8_t final_state[2];
    struct ts_verdict_text verdict;
};

struct ts_svg {
    uint64_t only;       /* cfg.conn */
    char *title;
    unsigned max_conns, max_segs;
    struct vconn *conns;
    unsigned n, cap;
    unsigned last;       /* index of the connection used last (a cache) */
    uint64_t max_id;     /* highest connection id recorded */
    uint64_t seen_id;    /* highest connection id seen, recorded or not */
    uint64_t conns_dropped; /* connections seen beyond max_conns */
    bool oom;            /* a recording failed for want of memory */
};

struct ts_svg *ts_svg_new(const struct ts_svg_cfg *cfg)
{
    struct ts_svg *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->only = cfg->conn;
    v->max_conns = cfg->max_conns ? cfg->max_conns : TS_SVG_MAX_CONNS;
    v->max_segs = cfg->max_segs ? cfg->max_segs : TS_SVG_MAX_SEGS;
    if (cfg->title) {
        v->title = strdup(cfg->title);
        if (!v->title) {
            free(v);
            return NULL;
        }
    }
    return v;
}

void ts_svg_free(struct ts_svg *v)
{
    if (!v)
        return;
    for (unsigned i = 0; i < v->n; i++)
        free(v->conns[i].segs);
    free(v->conns);
    free(v->title);
    free(v);
}

static struct vconn *find(struct ts_svg *v, uint64_t id)
{
    if (v->last < v->n && v->conns[v->last].id == id)
        return &v->conns[v->last];
    for (unsigned i = v->n; i-- > 0;)
        if (v->conns[i].id == id) {
            v->last = i;
            return &v->conns[i];
        }
    return NULL;
}

/* the record of a connection, made at its first segment; NULL when it is not
 * kept */
static struct vconn *conn_for(struct ts_svg *v, const struct ts_conn *c)
{
    struct vconn *vc = find(v, c->id);
    if (vc)
        return vc;
    bool fresh = c->id > v->max_id;
    if (fresh)
        v->max_id = c->id;
    if (!fresh)
        return NULL; /* seen before and not kept */
    if (v->n == v->max_conns) {
        v->conns_dropped++;
        return NULL;
    }
    if (v->n == v->cap) {
        unsigned ncap = v->cap ? v->cap * 2 : 4;
        if (ncap > v->max_conns)
            ncap = v->max_conns;
        struct vconn *nc = realloc(v->conns, ncap * sizeof *nc);
        if (!nc) {
            v->oom = true;
            return NULL;
        }
        v->conns = nc;
        v->cap = ncap;
    }
    vc = &v->conns[v->n];
    memset(vc, 0, sizeof *vc);
    vc->id = c->id;
    vc->t_first = c->t_first;
    for (int d = 0; d < 2; d++)
        ts_endpoint_str(&c->addr[d], c->port[d], vc->end[d], sizeof vc->end[d]);
    v->last = v->n++;
    return vc;
}

void ts_svg_seg(struct ts_svg *v, const struct ts_seg *s, const struct ts_event *ev)
{
    if (ev && ev->conn && ev->conn->id > v->seen_id)
        v->seen_id = ev->conn->id;
    if (!ev || !ev->conn || (v->only && ev->conn->id != v->only))
        return;
    struct vconn *vc = conn_for(v, ev->conn);
    if (!vc)
        return;
    vc->traced++;
    if (vc->n == v->max_segs)
        return;
    if (vc->n == vc->cap) {
        uint32_t ncap = vc->cap ? vc->cap * 2 : 16;
        if (ncap > v->max_segs)
            ncap = v->max_segs;
        struct rec *nr = realloc(vc->segs, ncap * sizeof *nr);
        if (!nr) {
            v->oom = true;
            return;
        }
        vc->segs = nr;
        vc->cap = ncap;
    }
    struct rec *r = &vc->segs[vc->n++];
    r->t_ns = s->t_ns;
    r->rel_seq = ev->rel_seq;
    r->ack = ev->rel_ack_valid ? ev->rel_ack : s->ack;
    r->rel_ack_valid = ev->rel_ack_valid;
    r->len = s->payload_len;
    r->notes = ev->notes;
    r->anomalies = s->anomalies & ~(uint32_t)TS_AN_BAD_CKSUM; /* already a note */
    r->flags = s->flags;
    r->ae = s->ae;
    r->dir = ev->dir;
    r->role = ev->role;
    r->rst_reason = ev->rst_reason;
    memcpy(r->old_state, ev->old_state, 2);
    memcpy(r->new_state, ev->new_state, 2);
}

void ts_svg_conn_end(struct ts_svg *v, const struct ts_conn *c, enum ts_end_reason why)
{
    if (v->only && c->id != v->only)
        return;
    struct vconn *vc = find(v, c->id);
    if (!vc)
        return;
    vc->ended = true;
    vc->final_state[0] = c->ep[TS_C2S].state;
    vc->final_state[1] = c->ep[TS_S2C].state;
    ts_ladder_verdict(c, why, &vc->verdict);
}

/* ---- page geometry (pixels) -------------------------------------------------- */

#define PAGE_W 960.0
#define X_TIME 88.0     /* time labels end here */
#define X_AXIS 96.0     /* the time axis */
#define X_C 240.0       /* client lifeline */
#define X_S 720.0       /* server lifeline */
#define SLOPE 26.0      /* an arrow lands this much lower than it leaves */
#define MIN_STEP 44.0   /* from one arrow to the next, at least */
#define NOTE_STEP 13.0  /* more when the arrow has a notes line */
#define GAP_TYPICAL 60.0
#define GAP_CAP 200.0
#define GAP_CUT 40.0    /* height drawn for a cut gap */
#define HEAD_LEN 11.0
#define HEAD_HALF 4.5

enum klass { K_HS, K_DATA, K_ACK, K_TD, K_RST, K_OTHER, K_COUNT };

static const struct {
    const char *name, *colour, *legend;
} klass[K_COUNT] = {
    [K_HS] = {"handshake", "#2e7d32", "handshake"},
    [K_DATA] = {"data", "#1565c0", "data"},
    [K_ACK] = {"ack", "#5c8fd6", "ack"},
    [K_TD] = {"teardown", "#e65100", "teardown"},
    [K_RST] = {"reset", "#c62828", "reset"},
    [K_OTHER] = {"other", "#757575", "other"},
};

static enum klass klass_of(int role)
{
    switch (ts_role_kind((enum ts_role)role)) {
    case TS_KIND_HANDSHAKE: return K_HS;
    case TS_KIND_TEARDOWN: return K_TD;
    case TS_KIND_RESET: return K_RST;
    case TS_KIND_DATA: return K_DATA;
    case TS_KIND_ACK: return K_ACK;
    case TS_KIND_OTHER: break;
    }
    return K_OTHER;
}

/* ---- writing ------------------------------------------------------------------- */

/* Bytes of one well-formed UTF-8 character at s that XML may hold (RFC
 * 3629: no overlong form, no surrogate, at most U+10FFFF; not U+FFFE or
 * U+FFFF), or 0. */
static size_t utf8_char(const unsigned char *s)
{
    uint32_t c;
    size_t n;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2;
        c = s[0] & 0x1fu;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 3;
        c = s[0] & 0x0fu;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4;
        c = s[0] & 0x07u;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) /* also the string's end */
            return 0;
        c = c << 6 | (s[i] & 0x3fu);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
        (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
        return 0;
    return n;
}

/* XML text: escape the five specials; drop other control bytes; a byte
 * that is not UTF-8 (a file name's, say) becomes U+FFFD, so that the SVG
 * stays well-formed */
static void put_esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s >= 0x80) {
            size_t n = utf8_char((const unsigned char *)s);
            if (n) {
                fwrite(s, 1, n, f);
                s += n - 1;
            } else {
                fputs("\xef\xbf\xbd", f);
            }
            continue;
        }
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default:
            if ((unsigned char)*s >= 0x20)
                fputc(*s, f);
        }
    }
}

static void text(FILE *f, double x, double y, const char *cls, const char *anchor,
                 const char *s)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"%s\"", x, y, cls);
    if (anchor)
        fprintf(f, " text-anchor=\"%s\"", anchor);
    fputc('>', f);
    put_esc(f, s);
    fputs("</text>\n", f);
}

/* the arrow's label and role, by the ladder's own words */
static void fmt_label_role(char *label, size_t llen, char *role, size_t rlen,
                           const struct rec *r)
{
    struct ts_seg s;
    struct ts_event ev;
    memset(&s, 0, sizeof s);
    memset(&ev, 0, sizeof ev);
    s.flags = r->flags;
    s.ae = r->ae;
    s.payload_len = r->len;
    s.ack = r->ack;
    ev.dir = r->dir;
    ev.role = r->role;
    ev.rst_reason = r->rst_reason;
    ev.rel_seq = r->rel_seq;
    ev.rel_ack = r->ack;
    ev.rel_ack_valid = r->rel_ack_valid;
    ts_ladder_label(label, llen, &s, &ev);
    ts_ladder_role(role, rlen, &ev);
}

/* "retransmission, dup-ack", or "" (at most len - 1 bytes, cut with "...") */
static void fmt_notes(char *buf, size_t len, const struct rec *r)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int pass = 0; pass < 2; pass++) {
        uint32_t bits = pass == 0 ? r->notes : r->anomalies;
        uint32_t last = pass == 0 ? TS_NOTE_LAST : TS_AN_LAST;
        for (uint32_t b = 1; b && b <= last; b <<= 1) {
            const char *name = !(bits & b) ? NULL
                               : pass == 0 ? ts_note_name(b)
                                           : ts_anomaly_name(b);
            if (!name)
                continue;
            if (n + strlen(name) + 6 > len) {
                snprintf(buf + n, len - n, ", ...");
                return;
            }
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", name);
        }
    }
}

/* seconds since the connection's first segment */
static void fmt_reltime(char *buf, size_t len, uint64_t ns)
{
    snprintf(buf, len, "%llu.%06llu", (unsigned long long)(ns / 1000000000u),
             (unsigned long long)(ns % 1000000000u / 1000u));
}

/* a duration for people: "100 ms", "2 s", "50 \xc2\xb5s" */
static void fmt_dur(char *buf, size_t len, double s)
{
    if (s >= 1)
        snprintf(buf, len, "%g s", s);
    else if (s >= 1e-3)
        snprintf(buf, len, "%g ms", s * 1e3);
    else if (s >= 1e-6)
        snprintf(buf, len, "%g \xc2\xb5s", s * 1e6);
    else
        snprintf(buf, len, "%g ns", s * 1e9);
}

/* The largest 1, 2 or 5 times a power of ten that is <= x (x > 0).  By
 * hand, like root() below, so that the library needs no libm. */
static double nice_down(double x)
{
    double p = 1;
    while (p > x)
        p /= 10;
    while (p * 10 <= x)
        p *= 10;
    double m = x / p;
    return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * p;
}

/* square root by Newton's method, for x >= 1 (an arrow's length) */
static double root(double x)
{
    double r = x;
    for (int i = 0; i < 60 && r * r - x > 1e-9 * x; i++)
        r = (r + x / r) / 2;
    return r;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Layout of one panel: y of every arrow's tail, which gaps were cut. */
struct layout {
    double *y;       /* [n] */
    bool *cut;       /* [n]: the gap before arrow i was cut */
    double pps;      /* pixels per second; 0 when all segments share a time */
    double height;   /* of the whole panel */
};

/* panel-relative heights */
#define P_TITLE 0.0
#define P_HEADS 84.0   /* lifeline heads (boxes) */
#define P_LIFE 124.0   /* lifelines start; the states before the first arrow */
#define P_FIRST 164.0  /* the first arrow */

static int layout_conn(const struct vconn *vc, struct layout *lo)
{
    uint32_t n = vc->n;
    lo->y = calloc(n ? n : 1, sizeof *lo->y);
    lo->cut = calloc(n ? n : 1, sizeof *lo->cut);
    uint64_t *gaps = calloc(n ? n : 1, sizeof *gaps);
    if (!lo->y || !lo->cut || !gaps) {
        free(gaps);
        return -1;
    }
    uint32_t ng = 0;
    for (uint32_t i = 1; i < n; i++)
        if (vc->segs[i].t_ns > vc->segs[i - 1].t_ns)
            gaps[ng++] = vc->segs[i].t_ns - vc->segs[i - 1].t_ns;
    lo->pps = 0;
    if (ng) {
        qsort(gaps, ng, sizeof *gaps, cmp_u64);
        uint64_t typical = gaps[(ng - 1) * 9 / 10];
        lo->pps = nice_down(GAP_TYPICAL / ((double)typical / 1e9));
    }
    free(gaps);

    double y = P_FIRST;
    for (uint32_t i = 0; i < n; i++) {
        if (i > 0) {
            const struct rec *a = &vc->segs[i - 1], *b = &vc->segs[i];
            double step = MIN_STEP + ((a->notes || a->anomalies) ? NOTE_STEP : 0);
            double gap = b->t_ns > a->t_ns ? (double)(b->t_ns - a->t_ns) / 1e9 * lo->pps : 0;
            if (gap > GAP_CAP) {
                gap = GAP_CUT;
                lo->cut[i] = true;
            }
            y += step + gap;
        }
        lo->y[i] = y;
    }
    const struct rec *last = n ? &vc->segs[n - 1] : NULL;
    double end = n ? y + SLOPE + ((last->notes || last->anomalies) ? NOTE_STEP : 0) : y;
    lo->height = end + 90; /* final states, lifeline ends, space */
    return 0;
}

static void draw_head(FILE *f, double x, double y, const char *who, const char *addr)
{
    double w = 7.0 * (double)strlen(addr) + 24; /* 11 px monospace: ~6.6 px a character */
    if (w < 210)
        w = 210;
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"34\" rx=\"5\" "
               "class=\"head\"/>\n",
            x - w / 2, y, w);
    text(f, x, y + 14, "who", "middle", who);
    text(f, x, y + 28, "addr", "middle", addr);
}

/* a state label beside a lifeline, with a dot on it */
static void draw_state(FILE *f, int side, double y, uint8_t st, bool changed)
{
    double x = side == TS_C2S ? X_C : X_S;
    if (changed)
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" class=\"dot\"/>\n", x, y);
    text(f, side == TS_C2S ? x - 10 : x + 10, y + 4, changed ? "state" : "state0",
         side == TS_C2S ? "end" : "start", ts_state_name((enum ts_state)st));
}

static void draw_arrow(FILE *f, const struct vconn *vc, const struct rec *r, double y)
{
    enum klass k = klass_of(r->role);
    bool c2s = r->dir == TS_C2S;
    double x1 = c2s ? X_C : X_S, x2 = c2s ? X_S : X_C;
    double y1 = y, y2 = y + SLOPE;
    double dx = x2 - x1, dy = y2 - y1, len = root(dx * dx + dy * dy);
    double ux = dx / len, uy = dy / len; /* along the arrow */
    double nx = -uy, ny = ux;            /* across it */
    char label[160], role[96], notes[200], t[32], tip[600];
    fmt_label_role(label, sizeof label, role, sizeof role, r);
    fmt_notes(notes, sizeof notes, r);
    fmt_reltime(t, sizeof t, r->t_ns > vc->t_first ? r->t_ns - vc->t_first : 0);

    fprintf(f, "<g class=\"seg %s\">\n", klass[k].name);
    snprintf(tip, sizeof tip, "%s s  %s  %s  client %s%s%s  server %s%s%s%s%s", t, label,
             role, ts_state_name((enum ts_state)r->old_state[0]),
             r->old_state[0] != r->new_state[0] ? "\xe2\x86\x92" : "",
             r->old_state[0] != r->new_state[0] ? ts_state_name((enum ts_state)r->new_state[0])
                                                 : "",
             ts_state_name((enum ts_state)r->old_state[1]),
             r->old_state[1] != r->new_state[1] ? "\xe2\x86\x92" : "",
             r->old_state[1] != r->new_state[1] ? ts_state_name((enum ts_state)r->new_state[1])
                                                 : "",
             notes[0] ? "  " : "", notes);
    fputs("<title>", f);
    put_esc(f, tip);
    fputs("</title>\n", f);
    /* the shaft stops short of the tip so that its end does not show */
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"shaft\"/>\n",
            x1, y1, x2 - ux * (HEAD_LEN - 2), y2 - uy * (HEAD_LEN - 2));
    double bx = x2 - ux * HEAD_LEN, by = y2 - uy * HEAD_LEN;
    fprintf(f, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" class=\"arrowhead\"/>\n", x2,
            y2, bx + nx * HEAD_HALF, by + ny * HEAD_HALF, bx - nx * HEAD_HALF,
            by - ny * HEAD_HALF);
    /* texts along the arrow, reading left to right: a rotation whose cosine
     * and sine are the left-to-right unit vector's components */
    double cx = c2s ? ux : -ux, cy = c2s ? uy : -uy;
    fprintf(f, "<g transform=\"matrix(%.4f %.4f %.4f %.4f %.1f %.1f)\">\n", cx, cy, -cy, cx,
            (x1 + x2) / 2, (y1 + y2) / 2);
    text(f, 0, -6, "label", "middle", label);
    text(f, 0, 15, "role", "middle", role);
    if (notes[0])
        text(f, 0, 28, "notes", "middle", notes);
    fputs("</g>\n", f);
    fputs("</g>\n", f);

    /* time down the left */
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"tick\"/>\n",
            X_AXIS - 4, y1, X_AXIS + 4, y1);
    text(f, X_TIME, y1 + 4, "time", "end", t);

    /* states where they change: the sender's at the tail, the receiver's at
     * the head */
    int snd = c2s ? TS_C2S : TS_S2C, rcv = !snd;
    if (r->old_state[snd] != r->new_state[snd])
        draw_state(f, snd, y1, r->new_state[snd], true);
    if (r->old_state[rcv] != r->new_state[rcv])
        draw_state(f, rcv, y2, r->new_state[rcv], true);
}

/* the mark of a cut gap, on the axis and both lifelines */
static void draw_cut(FILE *f, double y_prev, double y, uint64_t gap_ns)
{
    double ym = (y_prev + y) / 2 + SLOPE / 2;
    const double xs[3] = {X_AXIS, X_C, X_S};
    for (int i = 0; i < 3; i++) {
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"7\" class=\"gap\"/>\n",
                xs[i] - 7, ym - 3.5);
        fprintf(f, "<path d=\"M%.1f %.1f l14 -4 M%.1f %.1f l14 -4\" class=\"cut\"/>\n",
                xs[i] - 7, ym - 1.5, xs[i] - 7, ym + 5.5);
    }
    char d[48], s[80];
    fmt_dur(d, sizeof d, (double)gap_ns / 1e9);
    snprintf(s, sizeof s, "%s cut", d);
    text(f, X_AXIS + 10, ym + 4, "cutlabel", "start", s);
}

static void draw_panel(FILE *f, const struct vconn *vc,
                       const struct layout *lo, double y0)
{
    fprintf(f, "<g class=\"conn\" id=\"conn-%llu\" transform=\"translate(0 %.1f)\">\n",
            (unsigned long long)vc->id, y0);
    char s[400];
    snprintf(s, sizeof s, "conn #%llu   %s \xe2\x86\x92 %s", (unsigned long long)vc->id,
             vc->end[0], vc->end[1]);
    text(f, 16, P_TITLE + 18, "ctitle", NULL, s);
    const struct ts_verdict_text *vt = &vc->verdict;
    if (vc->ended) {
        snprintf(s, sizeof s, "verdict: %s, %s, %s, %s", vt->phrase[TS_VERDICT_CLOSE],
                 vt->phrase[TS_VERDICT_DURATION], vt->phrase[TS_VERDICT_C2S],
                 vt->phrase[TS_VERDICT_S2C]);
        text(f, 16, P_TITLE + 38, "verdict", NULL, s);
        snprintf(s, sizeof s, "%s \xc2\xb7 %s \xc2\xb7 %s \xc2\xb7 %s",
                 vt->phrase[TS_VERDICT_ZEEK], vt->phrase[TS_VERDICT_TSHARK],
                 vt->phrase[TS_VERDICT_RTT], vt->phrase[TS_VERDICT_END]);
        text(f, 16, P_TITLE + 56, "verdict", NULL, s);
    } else {
        text(f, 16, P_TITLE + 38, "verdict", NULL, "verdict: none yet (still open)");
    }
    char scale[160] = "";
    if (lo->pps > 0) {
        char d[48];
        fmt_dur(d, sizeof d, 100 / lo->pps);
        snprintf(scale, sizeof scale, "time scale: 100 px = %s, plus %.0f px per arrow", d,
                 MIN_STEP);
    } else {
        snprintf(scale, sizeof scale, "time scale: all segments at one instant");
    }
    if (vc->traced > vc->n) {
        size_t n = strlen(scale);
        snprintf(scale + n, sizeof scale - n, "; only the first %lu of %llu segments drawn",
                 (unsigned long)vc->n, (unsigned long long)vc->traced);
    }
    text(f, 16, P_TITLE + 72, "scale", NULL, scale);

    double y_end = lo->height - 40; /* lifelines end */
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>\n",
            X_AXIS, P_LIFE, X_AXIS, y_end);
    text(f, X_TIME, P_LIFE + 4, "time", "end", "time (s)");
    for (int d = 0; d < 2; d++) {
        double x = d == TS_C2S ? X_C : X_S;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"life\"/>\n",
                x, P_HEADS + 34, x, y_end);
        draw_head(f, x, P_HEADS, d == TS_C2S ? "client" : "server", vc->end[d]);
    }
    if (vc->n) {
        draw_state(f, TS_C2S, P_LIFE + 8, vc->segs[0].old_state[0], false);
        draw_state(f, TS_S2C, P_LIFE + 8, vc->segs[0].old_state[1], false);
    }
    for (uint32_t i = 0; i < vc->n; i++) {
        if (lo->cut[i])
            draw_cut(f, lo->y[i - 1], lo->y[i], vc->segs[i].t_ns - vc->segs[i - 1].t_ns);
        draw_arrow(f, vc, &vc->segs[i], lo->y[i]);
    }
    if (vc->ended) {
        draw_state(f, TS_C2S, y_end - 12, vc->final_state[0], false);
        draw_state(f, TS_S2C, y_end - 12, vc->final_state[1], false);
    }
    fputs("</g>\n", f);
}

static const char style[] =
    "<style>\n"
    "text{font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;font-size:12px;"
    "fill:#263238}\n"
    ".ptitle{font-size:18px;font-weight:bold}\n"
    ".ctitle{font-size:15px;font-weight:bold}\n"
    ".verdict{font-size:12.5px}\n"
    ".scale,.bound{font-size:11px;fill:#607d8b}\n"
    ".head{fill:#eceff1;stroke:#90a4ae}\n"
    ".who{font-weight:bold}\n"
    ".addr{font-size:11px;font-family:'DejaVu Sans Mono','Liberation Mono',monospace}\n"
    ".life{stroke:#90a4ae;stroke-width:2}\n"
    ".axis{stroke:#cfd8dc;stroke-width:1}\n"
    ".tick{stroke:#90a4ae}\n"
    ".time{font-size:11px;font-family:'DejaVu Sans Mono','Liberation Mono',monospace;"
    "fill:#546e7a}\n"
    ".state{font-size:11.5px;font-weight:bold;fill:#283593}\n"
    ".state0{font-size:11.5px;fill:#546e7a}\n"
    ".dot{fill:#283593}\n"
    ".label{font-size:11.5px;font-family:'DejaVu Sans Mono','Liberation Mono',monospace}\n"
    ".role{font-size:11.5px;font-weight:bold}\n"
    ".notes{font-size:10.5px;font-style:italic;fill:#6a1b9a}\n"
    ".shaft{stroke-width:1.8}\n"
    ".gap{fill:#ffffff}\n"
    ".cut{stroke:#546e7a;stroke-width:1.2;fill:none}\n"
    ".cutlabel{font-size:10.5px;font-style:italic;fill:#546e7a}\n"
    ".ack .shaft{stroke-dasharray:5 3}\n";

static void write_style(FILE *f)
{
    fputs(style, f);
    for (int k = 0; k < K_COUNT; k++)
        fprintf(f, ".%s .shaft{stroke:%s}.%s .arrowhead{fill:%s}.%s .role{fill:%s}\n",
                klass[k].name, klass[k].colour, klass[k].name, klass[k].colour,
                klass[k].name, klass[k].colour);
    fputs("</style>\n", f);
}

static void write_legend(FILE *f, double y)
{
    double x = 16;
    text(f, x, y + 4, "legend", NULL, "arrows:");
    x += 52;
    for (int k = 0; k < K_COUNT; k++) {
        fprintf(f, "<g class=\"seg %s\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                   "class=\"shaft\"/><polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" "
                   "class=\"arrowhead\"/></g>\n",
                klass[k].name, x, y, x + 22, y, x + 30, y, x + 20, y - 4, x + 20, y + 4);
        text(f, x + 36, y + 4, "legend", NULL, klass[k].legend);
        x += 36 + 6.8 * (double)strlen(klass[k].legend) + 16;
    }
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" class=\"dot\"/>\n", x + 4, y);
    text(f, x + 12, y + 4, "legend", NULL, "state change");
    text(f, 16, y + 22, "bound", NULL,
         "Each arrow leaves the sender's lifeline when the segment was captured; the "
         "sender's new state is written at its tail, the receiver's at its head.");
}

int ts_svg_write(struct ts_svg *v, FILE *f, char *err, size_t errlen)
{
    unsigned n = v->n;
    struct layout *lo = calloc(n ? n : 1, sizeof *lo);
    if (!lo) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    double header = 110;
    double height = header;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        if (layout_conn(&v->conns[i], &lo[i]) < 0)
            rc = -1;
        else
            height += lo[i].height;
    }
    if (rc < 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (n == 0)
        height += 40;

    errno = 0;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "viewBox=\"0 0 %.0f %.0f\">\n",
            PAGE_W, height, PAGE_W, height);
    char s[600];
    snprintf(s, sizeof s, "tcpshake ladder%s%s", v->title ? ": " : "", v->title ? v->title : "");
    fputs("<title>", f);
    put_esc(f, s);
    fputs("</title>\n", f);
    write_style(f);
    fprintf(f, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", PAGE_W, height);
    text(f, 16, 28, "ptitle", NULL, s);
    write_legend(f, 52);
    s[0] = '\0';
    if (v->conns_dropped)
        snprintf(s, sizeof s,
                 "Only the first %u connections are drawn; %llu more were traced "
                 "(--conn N draws one of them).",
                 v->max_conns, (unsigned long long)v->conns_dropped);
    if (v->oom) {
        size_t k = strlen(s);
        snprintf(s + k, sizeof s - k, "%sSome segments are missing: out of memory.",
                 k ? " " : "");
    }
    if (s[0])
        text(f, 16, 90, "bound", NULL, s);
    if (n == 0)
        text(f, 16, header + 20, "verdict", NULL,
             v->only ? "No such connection was traced." : "No TCP connection was traced.");

    double y = header;
    for (unsigned i = 0; i < n; i++) {
        if (i > 0)
            fprintf(f, "<line x1=\"16\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" class=\"axis\"/>\n",
                    y - 8, PAGE_W - 16, y - 8);
        draw_panel(f, &v->conns[i], &lo[i], y);
        y += lo[i].height;
    }
    fputs("</svg>\n", f);
    if (fflush(f) != 0 || ferror(f)) {
        snprintf(err, errlen, "write failed: %s", errno ? strerror(errno) : "I/O error");
        rc = -1;
    } else if (v->only && n == 0) {
        /* the page says so too; the caller must hear it */
        ts_sink_no_conn(err, errlen, v->only, v->seen_id);
        rc = -1;
    }
out:
    for (unsigned i = 0; i < n; i++) {
        free(lo[i].y);
        free(lo[i].cut);
    }
    free(lo);
    return rc;
}

/* ---- the SVG sink ---------------------------------------------------------- */

struct svg_sink {
    struct ts_svg *v;
    FILE *f;
};

static void svg_sink_seg(void *self, const struct ts_frame *f, const struct ts_seg *s,
                         const struct ts_event *ev)
{
    struct svg_sink *k = self;
    (void)f;
    ts_svg_seg(k->v, s, ev);
}

static void svg_sink_conn(void *self, const struct ts_conn *c, enum ts_end_reason why)
{
    struct svg_sink *k = self;
    ts_svg_conn_end(k->v, c, why);
}

static int svg_sink_finish(void *self, char *err, size_t errlen)
{
    struct svg_sink *k = self;
    return ts_svg_write(k->v, k->f, err, errlen);
}

static void svg_sink_free(void *self)
{
    struct svg_sink *k = self;
    ts_svg_free(k->v);
    free(k);
}

static const struct ts_sink_ops svg_ops = {
    .name = "svg", .seg = svg_sink_seg, .conn = svg_sink_conn,
    .finish = svg_sink_finish, .free = svg_sink_free,
};

struct ts_sink *ts_sink_svg(FILE *f, const struct ts_svg_cfg *cfg)
{
    struct svg_sink *k = malloc(sizeof *k);
    if (!k)
        return NULL;
    k->f = f;
    if (!(k->v = ts_svg_new(cfg))) {
        free(k);
        return NULL;
    }
    struct ts_sink *s = ts_sink_new(&svg_ops, k, 0);
    if (!s)
        svg_sink_free(k);
    return s;
}
