/* Ladder: each connection as the textbook time-sequence diagram, in a
 * terminal, one arrow per segment as it arrives.
 *
 * A row is drawn into an array of cells (one glyph and one colour each) and
 * then written into the caller's struct ts_out, so the arrow geometry is
 * computed in columns, never in bytes.  Columns, left to right:
 *
 *     time (10)  client state (11, right-aligned)  |  middle (M)  |  server state
 *
 * A segment is two rows: the first carries its flags and relative numbers and
 * leaves the sender's lifeline, the second lands on the receiver's lifeline
 * and carries its role, so the arrow steps down in its direction of travel.
 * The sender's new state is written on the first row, the receiver's on the
 * second: the receiver's change is proven by the segment's arrival
 * (docs/states.md).
 */
#include "tcpshake/ladder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcpshake/fsm.h"
#include "../conn.h"
#include "../internal.h"
#include "tcpshake/sink.h"
#include "tcpshake/verdict.h"

/* ---- geometry ---------------------------------------------------------------- */

enum {
    TIME_W = 10,           /* relative time, seconds */
    STATE_W = 11,          /* strlen("ESTABLISHED") */
    COL_CSTATE_END = TIME_W + 1 + STATE_W, /* first column after the client state */
    COL_L = COL_CSTATE_END + 1,            /* client lifeline */
    FIXED_W = COL_L + 1 + 1 + 1 + STATE_W, /* everything but the middle */
    TEXT_IN = 3,           /* text starts this far into the arrow's own half */
};

/* ---- glyphs and colours ----------------------------------------------------- */

enum glyph {
    G_H,      /* arrow shaft */
    G_V,      /* lifeline */
    G_TEE_R,  /* an arrow leaves the client lifeline */
    G_TEE_L,  /* an arrow leaves the server lifeline */
    G_DN_R,   /* c2s: first half turns down */
    G_UP_R,   /* c2s: second half starts */
    G_DN_L,   /* s2c: first half turns down */
    G_UP_L,   /* s2c: second half starts */
    G_HEAD_R, /* arrowhead at the server */
    G_HEAD_L, /* arrowhead at the client */
    G_TOP,    /* top of a lifeline */
    G_BOT,    /* bottom of a lifeline */
    G_ELL,    /* text cut short */
    G_COUNT
};

static const char *const glyph_utf8[G_COUNT] = {
    [G_H] = "\xe2\x94\x80",      /* U+2500 ─ */
    [G_V] = "\xe2\x94\x82",      /* U+2502 │ */
    [G_TEE_R] = "\xe2\x94\x9c",  /* U+251C ├ */
    [G_TEE_L] = "\xe2\x94\xa4",  /* U+2524 ┤ */
    [G_DN_R] = "\xe2\x95\xae",   /* U+256E ╮ */
    [G_UP_R] = "\xe2\x95\xb0",   /* U+2570 ╰ */
    [G_DN_L] = "\xe2\x95\xad",   /* U+256D ╭ */
    [G_UP_L] = "\xe2\x95\xaf",   /* U+256F ╯ */
    [G_HEAD_R] = "\xe2\x96\xba", /* U+25BA ► (no emoji presentation, unlike ▶) */
    [G_HEAD_L] = "\xe2\x97\x84", /* U+25C4 ◄ */
    [G_TOP] = "\xe2\x94\xac",    /* U+252C ┬ */
    [G_BOT] = "\xe2\x94\xb4",    /* U+2534 ┴ */
    [G_ELL] = "\xe2\x80\xa6",    /* U+2026 … */
};

static const char glyph_ascii[G_COUNT] = {
    [G_H] = '-', [G_V] = '|', [G_TEE_R] = '|', [G_TEE_L] = '|',
    [G_DN_R] = '.', [G_UP_R] = '\'', [G_DN_L] = '.', [G_UP_L] = '\'',
    [G_HEAD_R] = '>', [G_HEAD_L] = '<', [G_TOP] = '+', [G_BOT] = '+',
    [G_ELL] = '~',
};

enum colour { K_NONE = 0, K_HS, K_TD, K_RST, K_STATE, K_NOTE, K_COUNT };

/* the palette of render.c, so --ladder and the line view agree */
static const char *const colour_seq[K_COUNT] = {
    [K_NONE] = "",
    [K_HS] = "\033[32m",
    [K_TD] = "\033[33m",
    [K_RST] = "\033[31m",
    [K_STATE] = "\033[36m",
    [K_NOTE] = "\033[35m",
};
#define COLOUR_RESET "\033[0m"

static enum colour role_colour(int role)
{
    switch (ts_role_kind((enum ts_role)role)) {
    case TS_KIND_HANDSHAKE: return K_HS;
    case TS_KIND_TEARDOWN: return K_TD;
    case TS_KIND_RESET: return K_RST;
    default: return K_NONE;
    }
}

/* ---- the ladder -------------------------------------------------------------- */

struct cell {
    char ch[4];    /* UTF-8 bytes of one glyph, or one ASCII character */
    uint8_t len;
    uint8_t colour;
};

struct ts_ladder {
    struct ts_ladder_cfg cfg;
    unsigned width;      /* total columns */
    unsigned mid;        /* columns between the lifelines */
    unsigned col_r;      /* server lifeline */
    /* Ids grow in the order of first segments (track.h), so the headers
     * drawn are those of the ids first_drawn..last_drawn. */
    uint64_t first_drawn, last_drawn;
    uint64_t last_conn;  /* connection of the last block drawn */
    uint64_t open;       /* connections drawn and not yet ended: when more
                            than one, every arrow is marked with its #N */
    bool drawn_any;
    uint64_t seen_id;    /* highest connection id seen, drawn or not */
    struct cell row[TS_LADDER_WIDTH_MAX];
};

struct ts_ladder *ts_ladder_new(const struct ts_ladder_cfg *cfg)
{
    struct ts_ladder *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->cfg = *cfg;
    unsigned w = cfg->width ? cfg->width : TS_LADDER_WIDTH_DEFAULT;
    if (w < TS_LADDER_WIDTH_MIN)
        w = TS_LADDER_WIDTH_MIN;
    if (w > TS_LADDER_WIDTH_MAX)
        w = TS_LADDER_WIDTH_MAX;
    l->width = w;
    l->mid = w - FIXED_W;
    l->col_r = COL_L + 1 + l->mid;
    return l;
}

void ts_ladder_free(struct ts_ladder *l)
{
    free(l);
}

/* ---- writing into struct ts_out --------------------------------------------- */

/* Into the caller's buffer, emptied through ts_out_flush when full: the
 * ladder is not on the hot path, and render.c owns how the buffer reaches
 * its descriptor. */
static void out_put(struct ts_out *o, const char *s, size_t n)
{
    while (n) {
        if (o->len == sizeof o->buf)
            ts_out_flush(o);
        size_t k = sizeof o->buf - o->len;
        if (k > n)
            k = n;
        memcpy(o->buf + o->len, s, k);
        o->len += k;
        s += k;
        n -= k;
    }
}

static void out_str(struct ts_out *o, const char *s)
{
    out_put(o, s, strlen(s));
}

/* ---- the row canvas ---------------------------------------------------------- */

static void row_clear(struct ts_ladder *l)
{
    for (unsigned i = 0; i < l->width; i++) {
        l->row[i].ch[0] = ' ';
        l->row[i].len = 1;
        l->row[i].colour = K_NONE;
    }
}

static void row_glyph(struct ts_ladder *l, unsigned col, enum glyph g, enum colour k)
{
    if (col >= l->width)
        return;
    struct cell *c = &l->row[col];
    if (l->cfg.utf8) {
        c->len = (uint8_t)strlen(glyph_utf8[g]);
        memcpy(c->ch, glyph_utf8[g], c->len);
    } else {
        c->ch[0] = glyph_ascii[g];
        c->len = 1;
    }
    c->colour = (uint8_t)k;
}

static void row_blank(struct ts_ladder *l, unsigned col)
{
    if (col < l->width) {
        l->row[col].ch[0] = ' ';
        l->row[col].len = 1;
        l->row[col].colour = K_NONE;
    }
}

/* n bytes of ASCII text at col, in at most max columns: a longer text is cut
 * and ends in an ellipsis.  Returns the columns used. */
static unsigned row_textn(struct ts_ladder *l, unsigned col, const char *s, size_t n,
                          unsigned max, enum colour k)
{
    unsigned used = 0;
    for (size_t i = 0; i < n && used < max && col + used < l->width; i++, used++) {
        if (n > max && used == max - 1) {
            row_glyph(l, col + used, G_ELL, k);
            return used + 1;
        }
        struct cell *c = &l->row[col + used];
        c->ch[0] = s[i];
        c->len = 1;
        c->colour = (uint8_t)k;
    }
    return used;
}

static unsigned row_text(struct ts_ladder *l, unsigned col, const char *s, unsigned max,
                         enum colour k)
{
    return row_textn(l, col, s, strlen(s), max, k);
}

/* text right-aligned so that it ends just before column `end` */
static void row_text_right(struct ts_ladder *l, unsigned end, const char *s, unsigned max,
                           enum colour k)
{
    size_t n = strlen(s);
    unsigned w = n < max ? (unsigned)n : max;
    row_text(l, end - w, s, max, k);
}

static void row_lifelines(struct ts_ladder *l)
{
    row_glyph(l, COL_L, G_V, K_NONE);
    row_glyph(l, l->col_r, G_V, K_NONE);
}

static void row_emit(struct ts_ladder *l, struct ts_out *o)
{
    unsigned end = l->width;
    while (end > 0 && l->row[end - 1].len == 1 && l->row[end - 1].ch[0] == ' ')
        end--;
    uint8_t cur = K_NONE;
    for (unsigned i = 0; i < end; i++) {
        const struct cell *c = &l->row[i];
        uint8_t want = l->cfg.color ? c->colour : K_NONE;
        if (c->len == 1 && c->ch[0] == ' ' && i + 1 < end)
            want = cur; /* do not switch colour for a blank */
        if (want != cur) {
            if (cur != K_NONE)
                out_str(o, COLOUR_RESET);
            out_str(o, colour_seq[want]);
            cur = want;
        }
        out_put(o, c->ch, c->len);
    }
    if (cur != K_NONE)
        out_str(o, COLOUR_RESET);
    out_put(o, "\n", 1);
}

/* ---- pieces of text ---------------------------------------------------------- */

/* seconds since the connection's first segment, in TIME_W columns */
static void fmt_reltime(char *buf, size_t len, uint64_t ns)
{
    unsigned long long s = ns / 1000000000u;
    unsigned long long us = ns % 1000000000u / 1000u;
    if (s < 1000)
        snprintf(buf, len, "%llu.%06llu", s, us);
    else if (s < 1000000)
        snprintf(buf, len, "%llu.%03llu", s, us / 1000u);
    else
        snprintf(buf, len, "%llus", s);
}

void ts_ladder_label(char *buf, size_t len, const struct ts_seg *s, const struct ts_event *ev)
{
    char fl[TS_FLAGS_STR_LEN];
    ts_flags_str(s->flags, s->ae, fl);
    int n = snprintf(buf, len, "[%s] seq %lu", fl, (unsigned long)ev->rel_seq);
    if (s->payload_len && n > 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, ":%lu",
                      (unsigned long)(uint32_t)(ev->rel_seq + s->payload_len));
    if ((s->flags & TS_TH_ACK) && n > 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, " ack %lu",
                      (unsigned long)(ev->rel_ack_valid ? ev->rel_ack : s->ack));
    if (n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " len %lu", (unsigned long)s->payload_len);
}

void ts_ladder_role(char *buf, size_t len, const struct ts_event *ev)
{
    if (ev->role == TS_ROLE_RESET)
        snprintf(buf, len, "%s (%s, by %s)", ts_role_label(TS_ROLE_RESET),
                 ts_rst_reason_name((enum ts_rst_reason)ev->rst_reason),
                 ev->dir == TS_C2S ? "client" : "server");
    else
        snprintf(buf, len, "%s", ts_role_label((enum ts_role)ev->role));
}

/* Phrases separated by two spaces, wrapped at the ladder's width; lines
 * after the first are indented by `indent` columns. */
struct wrap {
    struct ts_out *o;
    unsigned width, indent, col;
};

static unsigned utf8_columns(const char *s)
{
    unsigned n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static void wrap_phrase(struct wrap *w, const char *phrase)
{
    unsigned n = utf8_columns(phrase);
    if (w->col == 0) {
        /* the first phrase of the block */
    } else if (w->col + 2 + n > w->width) {
        out_put(w->o, "\n", 1);
        for (w->col = 0; w->col < w->indent; w->col++)
            out_put(w->o, " ", 1);
    } else {
        out_put(w->o, "  ", 2);
        w->col += 2;
    }
    out_str(w->o, phrase);
    w->col += n;
}

static void wrap_end(struct wrap *w)
{
    out_put(w->o, "\n", 1);
    w->col = 0;
}

/* ---- blocks -------------------------------------------------------------------- */

static bool wanted(const struct ts_ladder *l, uint64_t id)
{
    return l->cfg.conn == 0 || l->cfg.conn == id;
}

static void mark_conn(struct ts_ladder *l, uint64_t id)
{
    char mark[24];
    snprintf(mark, sizeof mark, "#%llu", (unsigned long long)id);
    row_text_right(l, TIME_W, mark, TIME_W, K_NONE);
}

static void draw_header(struct ts_ladder *l, struct ts_out *o, const struct ts_conn *c,
                        const struct ts_event *ev)
{
    char title[32], cl[80], sv[80], ends[200], when[64];
    snprintf(title, sizeof title, "conn #%llu", (unsigned long long)c->id);
    ts_endpoint_str(&c->addr[TS_C2S], c->port[TS_C2S], cl, sizeof cl);
    ts_endpoint_str(&c->addr[TS_S2C], c->port[TS_S2C], sv, sizeof sv);
    snprintf(ends, sizeof ends, "%s %s %s", cl, l->cfg.utf8 ? "\xe2\x86\x92" : "->", sv);
    time_t sec = (time_t)(c->t_first / 1000000000u);
    struct tm tm;
    if (gmtime_r(&sec, &tm))
        snprintf(when, sizeof when, "%04d-%02d-%02d %02d:%02d:%02d.%06lu UTC",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                 tm.tm_sec, (unsigned long)(c->t_first % 1000000000u / 1000u));
    else
        snprintf(when, sizeof when, "?");

    if (l->drawn_any)
        out_put(o, "\n", 1);
    struct wrap w = {.o = o, .width = l->width, .indent = 4};
    wrap_phrase(&w, title);
    wrap_phrase(&w, ends);
    wrap_phrase(&w, when);
    wrap_end(&w);

    /* column titles on the tops of the lifelines */
    row_clear(l);
    row_text_right(l, TIME_W, "time (s)", TIME_W, K_NONE);
    row_text_right(l, COL_CSTATE_END, "client", STATE_W, K_NONE);
    row_glyph(l, COL_L, G_TOP, K_NONE);
    row_glyph(l, l->col_r, G_TOP, K_NONE);
    row_text(l, l->col_r + 2, "server", STATE_W, K_NONE);
    row_emit(l, o);

    /* the states before the first segment */
    row_clear(l);
    row_lifelines(l);
    row_text_right(l, COL_CSTATE_END, ts_state_name((enum ts_state)ev->old_state[TS_C2S]),
                   STATE_W, K_NONE);
    row_text(l, l->col_r + 2, ts_state_name((enum ts_state)ev->old_state[TS_S2C]), STATE_W,
             K_NONE);
    row_emit(l, o);
}

/* side d's new state on this row, if this segment changed it */
static void draw_state(struct ts_ladder *l, const struct ts_event *ev, int d)
{
    if (ev->old_state[d] == ev->new_state[d])
        return;
    const char *name = ts_state_name((enum ts_state)ev->new_state[d]);
    if (d == TS_C2S)
        row_text_right(l, COL_CSTATE_END, name, STATE_W, K_STATE);
    else
        row_text(l, l->col_r + 2, name, STATE_W, K_STATE);
}

/* "{note, note, anomaly}", or "" */
static void fmt_notes(char *buf, size_t len, const struct ts_seg *s, const struct ts_event *ev)
{
    size_t n = 0;
    buf[0] = '\0';
    uint32_t an = s->anomalies & ~(uint32_t)TS_AN_BAD_CKSUM; /* already a note */
    for (int pass = 0; pass < 2; pass++) {
        uint32_t bits = pass == 0 ? ev->notes : an;
        uint32_t last = pass == 0 ? TS_NOTE_LAST : TS_AN_LAST;
        for (uint32_t b = 1; b && b <= last; b <<= 1) {
            const char *name = !(bits & b) ? NULL
                               : pass == 0 ? ts_note_name(b)
                                           : ts_anomaly_name(b);
            if (!name || n + strlen(name) + 4 > len)
                continue;
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "{", name);
        }
    }
    if (n)
        snprintf(buf + n, len - n, "}");
}

/* The arrow of one segment: two rows, then notes if any.
 *
 *   c2s:  ├── label ─────╮          │     s2c:  │      ╭── label ──┤
 *         │   role       ╰─────────►│           │◄─────╯   role    │
 *
 * The sender's half (p columns, up to the turn) holds both texts; the
 * receiver's half keeps at least three columns of shaft and head. */
static void draw_arrow(struct ts_ladder *l, struct ts_out *o, const struct ts_seg *s,
                       const struct ts_event *ev)
{
    const struct ts_conn *c = ev->conn;
    char label[160], role[96], tbuf[24];
    ts_ladder_label(label, sizeof label, s, ev);
    ts_ladder_role(role, sizeof role, ev);
    unsigned m = l->mid;
    unsigned llen = (unsigned)strlen(label), rlen = (unsigned)strlen(role);

    unsigned p = (m + 1) / 2;
    if (p < llen + 7) /* turn, two shafts, blank, label, blank, shaft */
        p = llen + 7;
    if (p < rlen + 5) /* three columns in, role, blank, turn */
        p = rlen + 5;
    if (p > m - 3)
        p = m - 3;

    bool c2s = ev->dir == TS_C2S;
    enum colour k = role_colour(ev->role);
    unsigned x0 = COL_L + 1;                 /* first middle column */
    unsigned turn = c2s ? p - 1 : m - p;     /* where the arrow steps down */
    unsigned t0 = c2s ? x0 + TEXT_IN : x0 + turn + TEXT_IN + 1; /* texts start */
    unsigned tmax = p - 5;                   /* columns for a text */

    /* row 1: leaves the sender */
    row_clear(l);
    row_lifelines(l);
    uint64_t rel = s->t_ns > c->t_first ? s->t_ns - c->t_first : 0;
    fmt_reltime(tbuf, sizeof tbuf, rel);
    row_text_right(l, TIME_W, tbuf, TIME_W, K_NONE);
    if (c2s) {
        row_glyph(l, COL_L, G_TEE_R, k);
        for (unsigned i = 0; i < turn; i++)
            row_glyph(l, x0 + i, G_H, k);
        row_glyph(l, x0 + turn, G_DN_R, k);
    } else {
        row_glyph(l, x0 + turn, G_DN_L, k);
        for (unsigned i = turn + 1; i < m; i++)
            row_glyph(l, x0 + i, G_H, k);
        row_glyph(l, l->col_r, G_TEE_L, k);
    }
    row_blank(l, t0 - 1);
    unsigned used = row_text(l, t0, label, tmax - 2, k);
    row_blank(l, t0 + used);
    draw_state(l, ev, c2s ? TS_C2S : TS_S2C);
    row_emit(l, o);

    /* row 2: lands on the receiver */
    row_clear(l);
    row_lifelines(l);
    if (l->open > 1 || l->last_conn != c->id)
        mark_conn(l, c->id);
    if (c2s) {
        row_glyph(l, x0 + turn, G_UP_R, k);
        for (unsigned i = turn + 1; i < m - 1; i++)
            row_glyph(l, x0 + i, G_H, k);
        row_glyph(l, x0 + m - 1, G_HEAD_R, k);
    } else {
        row_glyph(l, x0, G_HEAD_L, k);
        for (unsigned i = 1; i < turn; i++)
            row_glyph(l, x0 + i, G_H, k);
        row_glyph(l, x0 + turn, G_UP_L, k);
    }
    row_text(l, t0, role, tmax, k);
    draw_state(l, ev, c2s ? TS_S2C : TS_C2S);
    row_emit(l, o);

    /* notes under the role, wrapped after a comma; a c2s arrow has the whole
     * middle for them, an s2c one moves them left as far as they need */
    char notes[1024];
    fmt_notes(notes, sizeof notes, s, ev);
    size_t left = strlen(notes);
    if (!left)
        return;
    unsigned end = x0 + m - 1; /* one blank before the server lifeline */
    unsigned start = t0;
    if (!c2s && end - start < left)
        start = end - (left < m - 2 ? (unsigned)left : m - 2);
    unsigned room = end - start;
    const char *q = notes;
    while (left) {
        size_t take = left;
        if (take > room) {
            take = 0;
            for (size_t i = 0; i + 1 < room; i++)
                if (q[i] == ',' && q[i + 1] == ' ')
                    take = i + 1;
            if (!take)
                take = room; /* one name longer than the room: cut it */
        }
        row_clear(l);
        row_lifelines(l);
        row_textn(l, start, q, take, room, K_NOTE);
        row_emit(l, o);
        q += take;
        left -= take;
        while (left && *q == ' ') {
            q++;
            left--;
        }
    }
}

void ts_ladder_seg(struct ts_ladder *l, struct ts_out *o, const struct ts_seg *s,
                   const struct ts_event *ev)
{
    if (ev && ev->conn && ev->conn->id > l->seen_id)
        l->seen_id = ev->conn->id;
    if (!ev || !ev->conn || !wanted(l, ev->conn->id))
        return;
    const struct ts_conn *c = ev->conn;
    if (!l->drawn_any || c->id > l->last_drawn) {
        draw_header(l, o, c, ev);
        if (!l->drawn_any)
            l->first_drawn = c->id;
        l->last_drawn = c->id;
        l->last_conn = c->id;
        l->drawn_any = true;
        l->open++;
    }
    draw_arrow(l, o, s, ev);
    l->last_conn = c->id;
    if (o->line_flush)
        ts_out_flush(o);
}

void ts_ladder_conn_end(struct ts_ladder *l, struct ts_out *o, const struct ts_conn *c,
                        enum ts_end_reason why)
{
    if (!wanted(l, c->id) || !l->drawn_any || c->id < l->first_drawn ||
        c->id > l->last_drawn)
        return;

    /* final states at the foot of the lifelines */
    row_clear(l);
    row_lifelines(l);
    if (l->open > 1 || l->last_conn != c->id)
        mark_conn(l, c->id);
    if (l->open)
        l->open--;
    row_text_right(l, COL_CSTATE_END, ts_state_name((enum ts_state)c->ep[TS_C2S].state),
                   STATE_W, K_STATE);
    row_text(l, l->col_r + 2, ts_state_name((enum ts_state)c->ep[TS_S2C].state), STATE_W,
             K_STATE);
    row_emit(l, o);
    row_clear(l);
    row_glyph(l, COL_L, G_BOT, K_NONE);
    row_glyph(l, l->col_r, G_BOT, K_NONE);
    row_emit(l, o);

    /* the verdict, in the words of the text output's "== conn" line */
    char title[32];
    snprintf(title, sizeof title, "== conn #%llu", (unsigned long long)c->id);
    struct ts_verdict_text vt;
    ts_ladder_verdict(c, why, &vt);
    struct wrap w = {.o = o, .width = l->width, .indent = 3};
    wrap_phrase(&w, title);
    for (int i = 0; i < TS_VERDICT_PHRASES; i++)
        wrap_phrase(&w, vt.phrase[i]);
    wrap_end(&w);
    l->last_conn = c->id;
    if (o->line_flush)
        ts_out_flush(o);
}

void ts_ladder_verdict(const struct ts_conn *c, enum ts_end_reason why,
                       struct ts_verdict_text *out)
{
    const char *by = c->closed_by == 1 ? " by client" : c->closed_by == 2 ? " by server" : "";
    char rst[48] = "";
    if (c->rst_reason && c->close_kind != TS_CLOSE_REFUSED)
        snprintf(rst, sizeof rst, " (rst %s)",
                 ts_rst_reason_name((enum ts_rst_reason)c->rst_reason));
    snprintf(out->phrase[TS_VERDICT_CLOSE], sizeof out->phrase[0], "close %s%s%s",
             ts_close_kind_name((enum ts_close_kind)c->close_kind), by, rst);
    uint64_t dur = c->t_last > c->t_first ? c->t_last - c->t_first : 0;
    snprintf(out->phrase[TS_VERDICT_DURATION], sizeof out->phrase[0], "%llu.%06llu s",
             (unsigned long long)(dur / 1000000000u),
             (unsigned long long)(dur % 1000000000u / 1000u));
    snprintf(out->phrase[TS_VERDICT_C2S], sizeof out->phrase[0], "c2s %lu seg %llu B",
             (unsigned long)ts_conn_segs(c, TS_C2S),
             (unsigned long long)ts_conn_bytes(c, TS_C2S));
    snprintf(out->phrase[TS_VERDICT_S2C], sizeof out->phrase[0], "s2c %lu seg %llu B",
             (unsigned long)ts_conn_segs(c, TS_S2C),
             (unsigned long long)ts_conn_bytes(c, TS_S2C));
    int64_t r[2] = {ts_rtt_syn_synack_us(c), ts_rtt_synack_ack_us(c)};
    char rs[2][32];
    for (int i = 0; i < 2; i++) {
        if (r[i] < 0)
            snprintf(rs[i], sizeof rs[i], "-");
        else
            snprintf(rs[i], sizeof rs[i], "%lld.%03lld ms", (long long)(r[i] / 1000),
                     (long long)(r[i] % 1000));
    }
    snprintf(out->phrase[TS_VERDICT_RTT], sizeof out->phrase[0], "rtt %s / %s", rs[0], rs[1]);
    snprintf(out->phrase[TS_VERDICT_ZEEK], sizeof out->phrase[0], "zeek %s %s",
             ts_zeek_conn_state(c), c->history[0] ? c->history : "-");
    snprintf(out->phrase[TS_VERDICT_TSHARK], sizeof out->phrase[0], "tshark %u (%s)",
             (unsigned)c->completeness, ts_completeness_label(c->completeness));
    snprintf(out->phrase[TS_VERDICT_END], sizeof out->phrase[0], "[%s]",
             ts_end_reason_name(why));
}

/* ---- the ladder sink ------------------------------------------------------- */

struct ladder_sink {
    struct ts_ladder *l;
    struct ts_out *out;
};

static void ladder_sink_seg(void *self, const struct ts_frame *f, const struct ts_seg *s,
                            const struct ts_event *ev)
{
    struct ladder_sink *k = self;
    (void)f;
    ts_ladder_seg(k->l, k->out, s, ev);
}

static void ladder_sink_conn(void *self, const struct ts_conn *c, enum ts_end_reason why)
{
    struct ladder_sink *k = self;
    ts_ladder_conn_end(k->l, k->out, c, why);
}

static void ladder_sink_flush(void *self)
{
    struct ladder_sink *k = self;
    ts_out_flush(k->out);
}

static bool ladder_sink_broken(void *self)
{
    struct ladder_sink *k = self;
    return k->out->write_error;
}

static int ladder_sink_finish(void *self, char *err, size_t errlen)
{
    struct ladder_sink *k = self;
    ladder_sink_flush(self);
    if (k->l->cfg.conn && !k->l->drawn_any) {
        ts_sink_no_conn(err, errlen, k->l->cfg.conn, k->l->seen_id);
        return -1;
    }
    return 0;
}

static void ladder_sink_free(void *self)
{
    struct ladder_sink *k = self;
    ts_ladder_free(k->l);
    free(k);
}

static const struct ts_sink_ops ladder_ops = {
    .name = "ladder", .seg = ladder_sink_seg, .conn = ladder_sink_conn,
    .flush = ladder_sink_flush, .broken = ladder_sink_broken,
    .finish = ladder_sink_finish, .free = ladder_sink_free,
};

struct ts_sink *ts_sink_ladder(struct ts_out *out, const struct ts_ladder_cfg *cfg)
{
    struct ladder_sink *k = malloc(sizeof *k);
    if (!k)
        return NULL;
    k->out = out;
    if (!(k->l = ts_ladder_new(cfg))) {
        free(k);
        return NULL;
    }
    struct ts_sink *s = ts_sink_new(&ladder_ops, k, TS_SINK_STDOUT);
    if (!s)
        ladder_sink_free(k);
    return s;
}
