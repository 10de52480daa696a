/* The connection tracker: finds each segment's connection (one per 4-tuple
 * incarnation), infers both endpoints' RFC 9293 states from what the wire
 * proves, names the segment's role, and notes what is odd about it.
 *
 * Inference (docs/states.md): a segment is a send event for its sender
 * (SYN, SYN+ACK, FIN); its ACK field proves that the sender received the
 * peer's SYN or FIN, and (delivery assumed) that the peer's SYN or FIN was
 * acknowledged.  So the server enters SYN_RCVD with its SYN+ACK, the client
 * ESTABLISHED with its ACK, the passive closer CLOSE_WAIT with its ACK of the
 * first FIN, and a FIN that does not acknowledge a FIN already sent the other
 * way is a simultaneous close.
 *
 * Memory: connections live in slabs and are linked by 32-bit indices (hash
 * chains and two LRU lists: open connections by last activity, closed ones
 * waiting out TIME_WAIT).  Expiry runs lazily on capture time.
 */
#include "tcpshake/track.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conntab.h"
#include "../internal.h"
#include "tcpshake/verdict.h"

struct ts_tracker {
    struct ts_track_cfg cfg;
    struct conntab ct;
    uint64_t next_id, evicted;
    uint64_t now;
    uint64_t jump_to;        /* a time stamp far from now, seen last: an
                                outlier unless the next one agrees */
    uint64_t clock_jumps;    /* time stamps not used for expiry */
    struct ts_conn scratch;  /* the connection being tracked, if compact/new */
    struct ts_conn vscratch; /* a compact connection expanded for its verdict */
};

void ts_track_cfg_default(struct ts_track_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->time_wait_ns = 60ull * 1000000000ull;
    /* Linux keep-alive (2 h) plus its 9 probes at 75 s: an idle but alive
     * connection is not split. */
    cfg->idle_ns = (7200ull + 9 * 75) * 1000000000ull;
    cfg->max_conns = 1000000;
}

struct ts_tracker *ts_tracker_new(const struct ts_track_cfg *cfg, char *err,
                                  size_t errlen)
{
    if (cfg->max_conns == 0 || cfg->max_conns > (1u << 30)) {
        snprintf(err, errlen, "max-conns: %u out of range 1..%u", cfg->max_conns,
                 1u << 30);
        return NULL;
    }
    struct ts_tracker *t = calloc(1, sizeof *t);
    if (!t || ct_init(&t->ct, cfg->max_conns) < 0) {
        free(t);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->cfg = *cfg;
    t->ct.inner_only = cfg->inner_only;
    t->next_id = 1;
    return t;
}

void ts_tracker_free(struct ts_tracker *t)
{
    if (!t)
        return;
    ct_free(&t->ct);
    free(t);
}

void ts_tracker_stats(const struct ts_tracker *t, struct ts_track_stats *st)
{
    st->conns_total = t->next_id - 1;
    st->conns_live = t->ct.live;
    st->conns_compact = t->ct.live_emb;
    st->conns_peak = t->ct.peak;
    st->evicted = t->evicted;
    st->clock_jumps = t->clock_jumps;
    /* at most one bucket per connection (the table doubles past that) */
    st->bytes_per_conn = sizeof(struct ts_conn) + sizeof(struct ct_bucket);
    st->bytes_per_embryo = ct_embryo_size() + sizeof(struct ct_bucket);
}

void ts_conn_view(const struct ts_conn *c, struct ts_conn_view *v)
{
    memset(v, 0, sizeof *v);
    v->id = c->id;
    for (int d = 0; d < 2; d++) {
        const struct ts_endpoint *ep = &c->ep[d];
        struct ts_conn_side *sd = &v->side[d];
        sd->addr = c->addr[d];
        sd->port = c->port[d];
        sd->state = ep->state;
        sd->wscale = ep->wscale;
        sd->sent_syn = ep->flags & TS_EP_SYN;
        sd->sent_wscale = ep->flags & TS_EP_WSCALE;
        sd->sent_fin = ep->flags & TS_EP_FIN;
        sd->sent_rst = ep->flags & TS_EP_RST;
        sd->fin_acked = ep->flags & TS_EP_FIN_ACKED;
        sd->isn = ep->isn;
        sd->bytes = ep->bytes;
        sd->segs = ep->segs;
        sd->retrans = ep->retrans;
    }
    v->t_first = c->t_first;
    v->t_last = c->t_last;
    v->t_syn = c->t_syn;
    v->t_synack = c->t_synack;
    v->t_hs_ack = c->t_hs_ack;
    v->close_kind = c->close_kind;
    v->closed_by = c->closed_by;
    v->rst_reason = c->rst_reason;
    v->completeness = c->completeness;
    v->flipped = c->flipped;
    v->pickup = c->pickup;
    v->simopen = c->simopen;
    v->simclose = c->simclose;
    v->half_closed = c->half_closed;
    v->merged = c->merged;
    v->tunnel_key = c->tkey;
    _Static_assert(sizeof v->history > sizeof c->history, "room for the NUL");
    memcpy(v->history, c->history, c->hist_len);
    v->history[c->hist_len] = '\0';
}

uint64_t ts_conn_id(const struct ts_conn *c)
{
    return c->id;
}

const struct ts_addr *ts_conn_addr(const struct ts_conn *c, enum ts_dir d)
{
    return &c->addr[d];
}

uint16_t ts_conn_port(const struct ts_conn *c, enum ts_dir d)
{
    return c->port[d];
}

enum ts_state ts_conn_state(const struct ts_conn *c, enum ts_dir d)
{
    return (enum ts_state)c->ep[d].state;
}

enum ts_close_kind ts_conn_close_kind(const struct ts_conn *c)
{
    return (enum ts_close_kind)c->close_kind;
}

int ts_conn_closed_by(const struct ts_conn *c)
{
    return c->closed_by;
}

size_t ts_conn_history(const struct ts_conn *c, const char **s)
{
    *s = c->history;
    return c->hist_len;
}

uint64_t ts_conn_bytes(const struct ts_conn *c, enum ts_dir d)
{
    return c->ep[d].bytes;
}

uint32_t ts_conn_segs(const struct ts_conn *c, enum ts_dir d)
{
    return c->ep[d].segs;
}

uint32_t ts_conn_retrans(const struct ts_conn *c, enum ts_dir d)
{
    return c->ep[d].retrans;
}

/* Deliver the verdict of one connection (still stored). */
static void conn_verdict(struct ts_tracker *t, uint32_t idx, enum ts_end_reason why)
{
    struct ts_conn *c = ct_load(&t->ct, idx, &t->vscratch);
    if (why == TS_END_CLOSED) {
        /* TIME_WAIT ran out (RFC 9293 3.6: 2 MSL) */
        for (int d = 0; d < 2; d++)
            if (c->ep[d].state == TS_TIME_WAIT)
                ts_fsm_step(&c->ep[d].state, TS_EV_TIMEOUT);
    }
    if (t->cfg.on_end)
        t->cfg.on_end(t->cfg.user, c, why);
}

/* Deliver the verdict and forget one connection. */
static void conn_end(struct ts_tracker *t, uint32_t idx, enum ts_end_reason why)
{
    conn_verdict(t, idx, why);
    ct_remove(&t->ct, idx);
}

static bool conn_finished(const struct ts_conn *c)
{
    for (int d = 0; d < 2; d++)
        if (c->ep[d].state != TS_CLOSED && c->ep[d].state != TS_TIME_WAIT)
            return false;
    return true;
}

int ts_tracker_check(const struct ts_tracker *t, char *err, size_t errlen)
{
#define TR_FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)
    uint64_t timeout[2];
    timeout[CT_OPEN] = t->cfg.idle_ns;
    timeout[CT_CLOSED] = t->cfg.time_wait_ns;
    if (ct_check(&t->ct, timeout, t->now, err, errlen) < 0)
        return -1;
    if (t->ct.live > t->cfg.max_conns || t->ct.live > t->next_id - 1)
        TR_FAIL("%u connections live, max %u, %llu ever", t->ct.live, t->cfg.max_conns,
                (unsigned long long)(t->next_id - 1));
    /* each connection, as a verdict would see it */
    struct ts_conn scratch;
    for (uint32_t i = ct_scan(&t->ct, CT_NIL); i != CT_NIL; i = ct_scan(&t->ct, i)) {
        const struct ts_conn *c = ct_load(&t->ct, i, &scratch);
        unsigned long long id = (unsigned long long)c->id;
        if (c->id == 0 || c->id >= t->next_id)
            TR_FAIL("record %#x: id %llu, next %llu", i, id, (unsigned long long)t->next_id);
        for (int d = 0; d < 2; d++)
            if (c->ep[d].state >= TS_STATE_COUNT)
                TR_FAIL("conn %llu: endpoint %d in state %u", id, d, c->ep[d].state);
        if (c->link.lru_list != (conn_finished(c) ? CT_CLOSED : CT_OPEN))
            TR_FAIL("conn %llu (%s, %s) on list %u", id, ts_state_name(c->ep[0].state),
                    ts_state_name(c->ep[1].state), c->link.lru_list);
        if (c->t_first > c->t_last)
            TR_FAIL("conn %llu: first segment after its last", id);
        if (c->close_kind > TS_CLOSE_FIN_ONLY || c->rst_reason > TS_RST_STRAY ||
            c->closed_by > 2)
            TR_FAIL("conn %llu: close kind %u, reset reason %u, closed by %u", id,
                    c->close_kind, c->rst_reason, c->closed_by);
        if (c->hist_len >= sizeof c->history || c->history[c->hist_len] != '\0')
            TR_FAIL("conn %llu: history of %u letters not terminated", id, c->hist_len);
    }
    return 0;
#undef TR_FAIL
}

/* How far a time stamp may be from the tracker's clock and still move it.
 * One frame stamped years ahead (a bad clock, a hostile file) would
 * otherwise expire every open connection at each later segment. */
#define CLOCK_JUMP_NS (86400ull * 1000000000ull)

static inline uint64_t gap(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

void ts_tracker_expire(struct ts_tracker *t, uint64_t now)
{
    if (t->now && gap(now, t->now) > CLOCK_JUMP_NS) {
        /* a jump of more than a day, forward or back: an outlier, unless
         * the time stamp before it jumped the same way (then the capture
         * really moved on, and its clock goes with it) */
        if (!t->jump_to || gap(now, t->jump_to) > CLOCK_JUMP_NS) {
            t->jump_to = now;
            t->clock_jumps++;
            return;
        }
        t->now = now;
    } else if (now > t->now) {
        t->now = now;
    }
    t->jump_to = 0;
    now = t->now;
    /* the common case, decided without a call: nothing can be due yet on
     * either list (ct_due's first test) */
    if (now < t->ct.quiet_until[CT_CLOSED] && now < t->ct.quiet_until[CT_OPEN])
        return;
    uint32_t idx;
    while ((idx = ct_due(&t->ct, CT_CLOSED, t->cfg.time_wait_ns, now)) != CT_NIL)
        conn_end(t, idx, TS_END_CLOSED);
    while ((idx = ct_due(&t->ct, CT_OPEN, t->cfg.idle_ns, now)) != CT_NIL)
        conn_end(t, idx, TS_END_IDLE);
}

/* In-place introsort of 64-bit keys: quicksort (median of three, the
 * smaller side first), heapsort past a depth limit, insertion sort for
 * short runs.  No allocation: the flush of a full table must not need a
 * second table's worth of memory. */
static void sift_down(uint64_t *v, size_t root, size_t n)
{
    for (;;) {
        size_t c = 2 * root + 1;
        if (c >= n)
            return;
        if (c + 1 < n && v[c + 1] > v[c])
            c++;
        if (v[root] >= v[c])
            return;
        uint64_t x = v[root];
        v[root] = v[c];
        v[c] = x;
        root = c;
    }
}

static void heap_sort(uint64_t *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(v, i, n);
    for (size_t i = n; i-- > 1;) {
        uint64_t x = v[0];
        v[0] = v[i];
        v[i] = x;
        sift_down(v, 0, i);
    }
}

static void intro_sort(uint64_t *v, size_t n, unsigned depth)
{
    while (n > 16) {
        if (depth-- == 0) {
            heap_sort(v, n);
            return;
        }
        uint64_t a = v[0], b = v[n / 2], c = v[n - 1];
        uint64_t pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t i = 0, j = n - 1;
        for (;;) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i >= j)
                break;
            uint64_t x = v[i];
            v[i] = v[j];
            v[j] = x;
            i++;
            j--;
        }
        /* [0, j] <= pivot <= [j + 1, n) */
        size_t left = j + 1;
        if (left < n - left) {
            intro_sort(v, left, depth);
            v += left;
            n -= left;
        } else {
            intro_sort(v + left, n - left, depth);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        uint64_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

static int by_id(const void *x, const void *y, void *ctx)
{
    const struct conntab *ct = ctx;
    uint64_t a = ct_id(ct, *(const uint32_t *)x), b = ct_id(ct, *(const uint32_t *)y);
    return a < b ? -1 : a > b;
}

/* After the flush's verdicts: every record goes.  Many are cleared in one
 * go (no unlinking one by one); a few are removed one by one, rather than
 * clearing every bucket (drive sessions flush after each connection). */
static void forget_all(struct ts_tracker *t, const uint64_t *v, uint32_t k)
{
    if (k > t->ct.nbuckets / 16) {
        ct_clear(&t->ct);
        return;
    }
    for (uint32_t i = 0; i < k; i++)
        ct_remove(&t->ct, (uint32_t)v[i]);
}

void ts_tracker_flush_why(struct ts_tracker *t, enum ts_end_reason why)
{
    /* verdicts in order of first appearance */
    uint32_t n = t->ct.live;
    if (n == 0)
        return;
    if (t->next_id <= UINT32_MAX) {
        /* id and index in one key: the sort does not reach into the
         * records, and needs no memory beyond the keys */
        uint64_t *v = malloc(n * sizeof *v);
        if (v) {
            uint32_t k = 0;
            for (uint32_t i = ct_scan(&t->ct, CT_NIL); i != CT_NIL; i = ct_scan(&t->ct, i))
                v[k++] = ct_id(&t->ct, i) << 32 | i;
            assert(k == n);
            unsigned depth = 2;
            for (uint32_t m = k; m > 1; m >>= 1)
                depth += 2;
            intro_sort(v, k, depth);
            for (uint32_t i = 0; i < k; i++)
                conn_verdict(t, (uint32_t)v[i], why);
            forget_all(t, v, k);
            free(v);
            return;
        }
    } else {
        /* over 4G connections in one run: sort indices by their records' ids */
        uint32_t *v = malloc(n * sizeof *v);
        if (v) {
            uint32_t k = 0;
            for (uint32_t i = ct_scan(&t->ct, CT_NIL); i != CT_NIL; i = ct_scan(&t->ct, i))
                v[k++] = i;
            assert(k == n);
            qsort_r(v, k, sizeof *v, by_id, &t->ct);
            for (uint32_t i = 0; i < k; i++)
                conn_verdict(t, v[i], why);
            for (uint32_t i = 0; i < k; i++)
                ct_remove(&t->ct, v[i]);
            free(v);
            return;
        }
    }
    /* out of memory: list order */
    for (int l = 0; l < 2; l++)
        while (t->ct.lru_head[l] != CT_NIL)
            conn_end(t, t->ct.lru_head[l], why);
}

void ts_tracker_flush(struct ts_tracker *t)
{
    ts_tracker_flush_why(t, TS_END_FLUSH);
}

/* ---- connection creation ------------------------------------------------ */

/* Zeek's default likely_server_ports for TCP (the ports its base protocol
 * scripts register; docs/zeek-tshark-rules.md §4.1).  Used only to orient
 * connections whose first segment is not a pure SYN, as Zeek does. */
static bool likely_server_port(uint16_t p)
{
    static const uint16_t ports[] = {
        21, 22, 25, 53, 79, 80, 81, 88, 110, 135, 139, 143, 389, 443, 445,
        502, 563, 585, 587, 614, 631, 636, 989, 990, 992, 993, 995, 1080,
        1434, 1883, 2811, 3128, 3268, 3306, 3389, 5222, 5223, 5269, 6666,
        6667, 6668, 6669, 8000, 8080, 8888, 20000,
    };
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++)
        if (ports[i] == p)
            return true;
    return false;
}

/* TCPAnalyzer::WantConnection: does Zeek make the receiver of this first
 * segment the originator? */
static bool zeek_flips(const struct ts_seg *s)
{
    if ((s->flags & (TS_TH_SYN | TS_TH_ACK)) == TS_TH_SYN)
        return false;
    if (!likely_server_port(s->sport))
        return false;
    if (likely_server_port(s->dport))
        return !(s->flags & TS_TH_SYN) && s->sport < s->dport;
    return true;
}

/* A new connection in t->scratch (stored by ts_track once tracked). */
static struct ts_conn *conn_new(struct ts_tracker *t, const struct ts_seg *s,
                                bool sender_is_client)
{
    struct ts_conn *c = &t->scratch;
    memset(c, 0, sizeof *c);
    c->id = t->next_id++;
    int cl = sender_is_client ? 0 : 1;
    c->addr[cl] = s->src;
    c->port[cl] = s->sport;
    c->addr[!cl] = s->dst;
    c->port[!cl] = s->dport;
    c->t_first = c->t_last = s->t_ns;
    c->tkey = t->ct.inner_only ? 0 : s->tun_key;
    c->ep[TS_C2S].state = TS_CLOSED;
    c->ep[TS_S2C].state = TS_LISTEN;
    return c;
}

void ts_track_prefetch(struct ts_tracker *t, const struct ts_seg *s, int stage)
{
    ct_prefetch(&t->ct, s, stage);
}

/* ---- state changes: the one setter ------------------------------------- */

/* Apply one event to one endpoint; an undefined pair is noted, not fatal. */
static void set_state(struct ts_conn *c, int side, enum ts_fsm_event e,
                      struct ts_event *ev)
{
    (void)ev;
    ts_fsm_step(&c->ep[side].state, e);
}

/* ---- the segment ---------------------------------------------------------- */

static inline uint32_t seg_len(const struct ts_seg *s)
{
    return s->payload_len + ((s->flags & TS_TH_SYN) ? 1u : 0u) +
           ((s->flags & TS_TH_FIN) ? 1u : 0u);
}

/* RST acceptability (RFC 9293 §3.10.7.3 / §3.10.7.4): in SYN_SENT the RST must
 * acknowledge the SYN; otherwise its seq must fall in the receiver's window
 * (as far as we know the window). */
static bool rst_acceptable(const struct ts_conn *c, int d, const struct ts_seg *s)
{
    const struct ts_endpoint *snd = &c->ep[d], *rcv = &c->ep[!d];
    if (rcv->state == TS_SYN_SENT && !(snd->flags & TS_EP_SEEN))
        return (s->flags & TS_TH_ACK) && s->ack == rcv->isn + 1;
    if (!(snd->flags & TS_EP_BASE) || !(snd->flags & TS_EP_SEEN))
        return true;
    if (s->seq == snd->nxt)
        return true;
    uint32_t wnd = rcv->win;
    if ((rcv->flags & TS_EP_WSCALE) && (snd->flags & TS_EP_WSCALE))
        wnd <<= rcv->wscale > 14 ? 14 : rcv->wscale;
    if (wnd == 0)
        wnd = 1;
    /* RCV.NXT as the receiver last announced it (its ack) also counts: a
     * half-open side's RCV.NXT is not what the other side sends now */
    if ((rcv->flags & TS_EP_ACKED) && ts_seq_ge(s->seq, rcv->lastack) &&
        ts_seq_lt(s->seq, rcv->lastack + wnd))
        return true;
    return ts_seq_ge(s->seq, snd->nxt) && ts_seq_lt(s->seq, snd->nxt + wnd);
}

/* Microseconds since the connection's first segment, mod 2^32. */
static inline uint32_t us_since(const struct ts_conn *c, uint64_t t_ns)
{
    return (uint32_t)((t_ns - c->t_first) / 1000u);
}

/* tshark's out-of-order window: the handshake's round trip (SYN to the ACK
 * completing it) when known, else 3 ms. */
static uint32_t reorder_window_us(const struct ts_conn *c)
{
    if (c->t_syn && c->t_hs_ack > c->t_syn)
        return (uint32_t)((c->t_hs_ack - c->t_syn) / 1000u);
    return 3000;
}

/* How far apart two copies of one packet can be and still count as a
 * capture duplicate (a SPAN port or -i any seeing it twice: microseconds). */
#define DUP_WINDOW_US 5000u

static void analyse_seq(struct ts_conn *c, int d, const struct ts_seg *s,
                        struct ts_event *ev)
{
    struct ts_endpoint *snd = &c->ep[d], *rcv = &c->ep[!d];
    uint8_t f = s->flags;
    uint32_t len = s->payload_len;
    uint32_t slen = seg_len(s);
    bool sfr = (f & (TS_TH_SYN | TS_TH_FIN | TS_TH_RST)) != 0;

    /* The capture saw one packet twice: everything in it repeats the previous
     * segment of this side (IPv4 id, seq, ack, flags, window, length, and the
     * checksum, which covers the options and payload) within DUP_WINDOW_US.
     * A stack that keeps its IP id constant sends no two such segments that
     * close together unless it repeats itself exactly. */
    if ((snd->flags & TS_EP_SEEN) && s->ipver == 4 && s->ip_id != 0 &&
        s->ip_id == snd->last_ipid && s->seq == snd->last_seq &&
        f == snd->last_flags && len == snd->last_len && s->win == snd->win &&
        s->cksum == snd->last_cksum &&
        (!(f & TS_TH_ACK) || ((snd->flags & TS_EP_ACKED) && s->ack == snd->lastack)) &&
        (uint32_t)(us_since(c, s->t_ns) - snd->t_seg_us) <= DUP_WINDOW_US) {
        ev->notes |= TS_NOTE_DUPLICATE;
        return;
    }

    if (!(snd->flags & TS_EP_BASE))
        return; /* first segment of this side: nothing to compare with */

    /* tshark 4.0's order (docs/zeek-tshark-rules.md 6.4): keep-alive; then,
     * for a segment that carries data, SYN or FIN and did not advance: fast
     * retransmission, out-of-order, spurious retransmission, retransmission */
    uint32_t now = us_since(c, s->t_ns);
    bool keepalive = !sfr && len <= 1 && s->seq == snd->nxt - 1;
    /* In a simultaneous open each side's SYN+ACK repeats its SYN by design
     * (RFC 9293 Figure 7, line 5): the protocol's next step, not a
     * retransmission and not out of order (tshark calls it one of those). */
    bool simopen_synack = (f & TS_TH_SYN) && (f & TS_TH_ACK) && c->simopen &&
                          !(snd->flags & TS_EP_SYNACK);
    if (keepalive) {
        ev->notes |= TS_NOTE_KEEPALIVE;
    } else if (slen > 0 && !(f & TS_TH_RST) && !simopen_synack) {
        bool not_adv = ts_seq_lt(s->seq, snd->nxt) && !(len > 1 && s->seq == snd->nxt - 1);
        if (not_adv && rcv->dupacks >= 2 && s->seq == rcv->lastack &&
            (uint32_t)(now - rcv->t_seg_us) < 20000) {
            ev->notes |= TS_NOTE_FAST_RETRANS | TS_NOTE_RETRANS;
        } else if (not_adv && (uint32_t)(now - snd->t_nxt_us) < reorder_window_us(c) &&
                   snd->nxt != s->seq + len) {
            ev->notes |= TS_NOTE_OUT_OF_ORDER;
        } else if (len > 0 && (snd->flags & TS_EP_SEEN) && (rcv->flags & TS_EP_ACKED) &&
                   !(f & (TS_TH_SYN | TS_TH_FIN)) && ts_seq_le(s->seq + len, rcv->lastack)) {
            ev->notes |= TS_NOTE_SPURIOUS | TS_NOTE_RETRANS;
        } else if (not_adv) {
            ev->notes |= TS_NOTE_RETRANS;
        }
    }
    if (!(f & TS_TH_RST) && !keepalive && ts_seq_gt(s->seq, snd->nxt))
        ev->notes |= TS_NOTE_LOST_SEGMENT;

    if (len == 1 && s->seq == snd->nxt && (rcv->flags & TS_EP_ZEROWIN))
        ev->notes |= TS_NOTE_ZERO_WINDOW_PROBE;

}

/* The ACK field: acked-unseen, duplicate ACK, window update.  A side's very
 * first segment can already ACK something never seen. */
static void analyse_ack(struct ts_conn *c, int d, const struct ts_seg *s,
                        struct ts_event *ev)
{
    struct ts_endpoint *snd = &c->ep[d], *rcv = &c->ep[!d];
    uint8_t f = s->flags;
    bool sfr = (f & (TS_TH_SYN | TS_TH_FIN | TS_TH_RST)) != 0;
    if (!(f & TS_TH_ACK) || (f & TS_TH_RST))
        return;
    if ((rcv->flags & TS_EP_BASE) && ts_seq_gt(s->ack, rcv->nxt))
        ev->notes |= TS_NOTE_ACK_UNSEEN;
    if ((snd->flags & TS_EP_ACKED) && s->payload_len == 0 && !sfr &&
        s->seq == snd->nxt && s->ack == snd->lastack) {
        /* tshark's order: window update, keep-alive ACK, duplicate ACK */
        if (s->win != snd->win && s->win != 0) {
            ev->notes |= TS_NOTE_WINDOW_UPDATE;
        } else if (rcv->flags & TS_EP_LAST_KA) {
            /* the answer to a keep-alive is not a duplicate ACK */
        } else if (s->win == snd->win && s->win != 0) {
            if (snd->dupacks < 255)
                snd->dupacks++;
            ev->notes |= TS_NOTE_DUP_ACK;
            ev->dupack_n = snd->dupacks;
        }
    }
}

/* Window full: data ends exactly at the right edge the receiver offered. */
static void analyse_window(struct ts_conn *c, int d, const struct ts_seg *s,
                           struct ts_event *ev)
{
    const struct ts_endpoint *rcv = &c->ep[!d];
    if (s->payload_len == 0 || !(rcv->flags & TS_EP_ACKED) || (s->flags & TS_TH_SYN))
        return;
    uint32_t wnd = rcv->win;
    if ((rcv->flags & TS_EP_WSCALE) && (c->ep[d].flags & TS_EP_WSCALE))
        wnd <<= rcv->wscale > 14 ? 14 : rcv->wscale;
    if (s->seq + s->payload_len == rcv->lastack + wnd)
        ev->notes |= TS_NOTE_WINDOW_FULL;
}

static void update_endpoint(struct ts_conn *c, int d, const struct ts_seg *s)
{
    struct ts_endpoint *snd = &c->ep[d];
    uint8_t f = s->flags;
    uint32_t end = s->seq + seg_len(s);
    uint32_t now = us_since(c, s->t_ns);
    if (!(snd->flags & TS_EP_BASE)) {
        snd->isn = (f & TS_TH_SYN) ? s->seq : s->seq - 1;
        snd->nxt = end;
        snd->t_nxt_us = now;
        snd->flags |= TS_EP_BASE;
    } else if (!(f & TS_TH_RST) && ts_seq_gt(end, snd->nxt)) {
        snd->nxt = end;
        snd->t_nxt_us = now;
    }
    snd->t_seg_us = now;
    if (f & TS_TH_ACK) {
        if (!(snd->flags & TS_EP_ACKED) || s->ack != snd->lastack)
            snd->dupacks = 0;
        snd->lastack = s->ack;
        snd->flags |= TS_EP_ACKED;
    }
    snd->win = s->win;
    if (s->win == 0 && !(f & (TS_TH_SYN | TS_TH_FIN | TS_TH_RST)))
        snd->flags |= TS_EP_ZEROWIN;
    else
        snd->flags &= (uint16_t)~TS_EP_ZEROWIN;
    if (s->payload_len)
        snd->flags |= TS_EP_DATA;
    snd->flags |= TS_EP_SEEN;
    snd->segs++;
    snd->bytes += s->payload_len;
    snd->last_ipid = s->ip_id;
    snd->last_seq = s->seq;
    snd->last_flags = f;
    snd->last_len = s->payload_len;
    snd->last_cksum = s->cksum;
}

/* SYN with FIN or RST, FIN with RST, or no flags at all. */
static inline void check_flags(uint8_t f, struct ts_event *ev)
{
    if (f == 0 || ((f & TS_TH_SYN) && (f & (TS_TH_FIN | TS_TH_RST))) ||
        ((f & TS_TH_FIN) && (f & TS_TH_RST)))
        ev->notes |= TS_NOTE_BAD_FLAGS;
}

/* Why the sender resets: refused (it never sent a SYN, and the receiver's
 * is not known to have reached it), stray (nothing left to reset) or an
 * abort. */
static enum ts_rst_reason rst_reason(const struct ts_conn *c, int d)
{
    const struct ts_endpoint *snd = &c->ep[d], *rcv = &c->ep[!d];
    if (!(snd->flags & TS_EP_SYN) &&
        (rcv->state == TS_SYN_SENT || rcv->state == TS_SYN_RCVD) &&
        !(snd->flags & TS_EP_GOT_SYN))
        return TS_RST_REFUSED;
    if (conn_finished(c) || (snd->state == TS_CLOSED && rcv->state == TS_CLOSED) ||
        (snd->state == TS_LISTEN && rcv->state == TS_CLOSED))
        return TS_RST_STRAY;
    return TS_RST_ABORT;
}

/* A RST: its reason, the close it makes, and both sides' states.  Nothing
 * else of the segment counts (its ACK field is not processed). */
static void on_rst(struct ts_conn *c, int d, const struct ts_seg *s, struct ts_event *ev)
{
    struct ts_endpoint *snd = &c->ep[d], *rcv = &c->ep[!d];
    if (s->payload_len)
        ev->notes |= TS_NOTE_RST_DATA;
    enum ts_rst_reason why = rst_reason(c, d);
    ev->rst_reason = (uint8_t)why;
    /* The sender of a RST has no connection any more (it aborted, or
     * never had one).  The receiver drops it only if the RST is
     * acceptable (RFC 9293 §3.10.7); a LISTEN receiver ignores it. */
    if (why == TS_RST_STRAY && !c->rst_reason && !c->closed_by) {
        c->rst_reason = (uint8_t)why;
    } else if (why != TS_RST_STRAY) {
        if (!c->closed_by) {
            c->closed_by = (uint8_t)(d + 1);
            c->rst_reason = (uint8_t)why;
            c->close_kind = why == TS_RST_REFUSED ? TS_CLOSE_REFUSED : TS_CLOSE_RESET;
        } else if (c->close_kind != TS_CLOSE_REFUSED && !c->rst_reason) {
            c->rst_reason = (uint8_t)why;
        }
    }
    /* <SEQ=SEG.ACK><CTL=RST> is how CLOSED, LISTEN and SYN-SENT answer
     * an unacceptable ACK (RFC 9293 §3.10.7.1-3): from LISTEN or SYN-SENT
     * the sender keeps its state (Figures 8, 9 and 11). */
    bool answers_ack = !(s->flags & TS_TH_ACK) && (rcv->flags & TS_EP_ACKED) &&
                       s->seq == rcv->lastack &&
                       (snd->state == TS_SYN_SENT || snd->state == TS_LISTEN);
    if (!answers_ack)
        set_state(c, d, TS_EV_RST, ev);
    if (rcv->state == TS_LISTEN || rcv->state == TS_CLOSED) {
        /* nothing to reset */
    } else if (!rst_acceptable(c, d, s)) {
        ev->notes |= TS_NOTE_RST_OUT_OF_WINDOW;
    } else if (rcv->state == TS_SYN_RCVD && rcv->passive) {
        /* a passive open goes back to LISTEN (§3.10.7.4, first check) */
        rcv->state = TS_LISTEN;
        rcv->passive = 0;
        rcv->flags &= (uint16_t)~(TS_EP_GOT_SYN | TS_EP_IMPL_SYN);
    } else {
        set_state(c, !d, TS_EV_RST, ev);
    }
    snd->flags |= TS_EP_RST;
    ev->role = TS_ROLE_RESET;
}

/* What the ACK field proved (ack_field), for the SYN, FIN and role steps. */
struct ack_proof {
    bool completes_hs; /* the sender's handshake is complete with it */
    bool acks_fin;     /* it is the sender's first ACK of the peer's FIN */
    uint16_t answered; /* TS_EP_IMPL_* the sender answers now */
};

/* The opener ACKs a SYN+ACK the capture missed: its ack proves the peer
 * sent one with ISN ack - 1 and had received our SYN.  (A raw ack of 0 is
 * what hand-made captures write for "none": not proof.) */
static void missed_synack(struct ts_conn *c, int d, const struct ts_seg *s,
                          struct ts_event *ev)
{
    struct ts_endpoint *snd = &c->ep[d], *rcv = &c->ep[!d];
    if (!((s->flags & (TS_TH_ACK | TS_TH_SYN)) == TS_TH_ACK && s->ack != 0 &&
          (snd->flags & TS_EP_SYN) && !(snd->flags & TS_EP_SYNACK) &&
          !(rcv->flags & TS_EP_SYN) && rcv->state == TS_LISTEN))
        return;
    rcv->isn = s->ack - 1;
    rcv->nxt = s->ack;
    rcv->t_nxt_us = us_since(c, s->t_ns);
    rcv->flags |= TS_EP_SYN | TS_EP_SYNACK | TS_EP_BASE | TS_EP_GOT_SYN;
    rcv->passive = 1;
    set_state(c, !d, TS_EV_RCV_SYN, ev);
    ev->notes |= TS_NOTE_ACK_UNSEEN;
}

/* Segments in flight (docs/states.md): one direction is one path, in
 * order.  A later segment of the sender reaching the receiver means its
 * SYN or FIN reached it first, whether or not the receiver has said so
 * yet.  Copies of the SYN or FIN itself imply nothing (the first may
 * have been lost). */
static void in_flight(struct ts_conn *c, int d, const struct ts_seg *s, struct ts_event *ev)
{
    struct ts_endpoint *snd = &c->ep[d], *rcv = &c->ep[!d];
    uint8_t f = s->flags;
    bool ack = f & TS_TH_ACK;
    bool acks_new = ack && (!(snd->flags & TS_EP_ACKED) || s->ack != snd->lastack);
    if ((snd->flags & TS_EP_SYN) && !((f & TS_TH_SYN) && !acks_new) &&
        !(rcv->flags & (TS_EP_GOT_SYN | TS_EP_IMPL_SYN)) &&
        (rcv->state == TS_LISTEN || rcv->state == TS_SYN_SENT)) {
        /* the SYN carried an ACK of the receiver's own SYN (a SYN+ACK): the
         * handshake is complete for it */
        bool own_acked = (rcv->flags & TS_EP_SYN) && (snd->flags & TS_EP_GOT_SYN);
        if (rcv->state == TS_LISTEN)
            rcv->passive = 1;
        set_state(c, !d, own_acked ? TS_EV_RCV_SYNACK : TS_EV_RCV_SYN, ev);
        rcv->flags |= TS_EP_IMPL_SYN;
    }
    if ((snd->flags & TS_EP_FIN) && !((f & TS_TH_FIN) && !acks_new) &&
        !(rcv->flags & (TS_EP_GOT_FIN | TS_EP_IMPL_FIN)) &&
        ts_fsm_next((enum ts_state)rcv->state, TS_EV_RCV_FIN) >= 0) {
        set_state(c, !d, TS_EV_RCV_FIN, ev);
        rcv->flags |= TS_EP_IMPL_FIN;
    }
}

/* The ACK field acknowledges the receiver's SYN: the sender has it, and the
 * receiver's SYN is acked.  Or it should and does not. */
static void ack_of_syn(struct ts_conn *c, int d, const struct ts_seg *s,
                       struct ts_event *ev, struct ack_proof *p)
{
    struct ts_endpoint *snd = &c->ep[d], *rcv = &c->ep[!d];
    bool syn = s->flags & TS_TH_SYN;
    if ((rcv->flags & TS_EP_SYN) && ts_seq_ge(s->ack, rcv->isn + 1)) {
        if (!(snd->flags & TS_EP_GOT_SYN)) {
            snd->flags |= TS_EP_GOT_SYN;
            bool own_acked = (snd->flags & TS_EP_SYN) && (rcv->flags & TS_EP_GOT_SYN);
            if (snd->flags & TS_EP_IMPL_SYN) {
                p->answered |= TS_EP_IMPL_SYN; /* its state has the SYN already */
            } else {
                if (snd->state == TS_LISTEN)
                    snd->passive = 1;
                set_state(c, d, own_acked ? TS_EV_RCV_SYNACK : TS_EV_RCV_SYN, ev);
            }
            p->completes_hs = own_acked && !syn;
            if (p->completes_hs && c->t_hs_ack == 0)
                c->t_hs_ack = s->t_ns;
        }
        if (!(rcv->flags & TS_EP_IMPL_SYN))
            set_state(c, !d, TS_EV_RCV_ACK_SYN, ev);
    } else if ((rcv->flags & TS_EP_SYN) && !(snd->flags & TS_EP_GOT_SYN)) {
        /* an ACK that should acknowledge the peer's SYN and does not */
        ev->notes |= TS_NOTE_BAD_ACK;
        ev->expected = rcv->isn + 1;
        /* From a LISTEN side that sent no SYN, a bare ACK is what a
         * synchronized connection of an older incarnation answers a new
         * SYN with: that side is half-open (RFC 9293 Figure 9). */
        if (!syn && !(s->flags & TS_TH_FIN) && snd->state == TS_LISTEN &&
            !(snd->flags & TS_EP_SYN))
            set_state(c, d, TS_EV_PICKUP, ev);
    }
}

/* The ACK field acknowledges the receiver's FIN: the sender has it, and the
 * receiver's FIN is acked. */
static void ack_of_fin(struct ts_conn *c, int d, const struct ts_seg *s,
                       struct ts_event *ev, struct ack_proof *p)
{
    struct ts_endpoint *snd = &c->ep[d], *rcv = &c->ep[!d];
    if (!(rcv->flags & TS_EP_FIN) || !ts_seq_ge(s->ack, rcv->fin_seq + 1))
        return;
    if (!(snd->flags & TS_EP_GOT_FIN)) {
        snd->flags |= TS_EP_GOT_FIN;
        if (snd->flags & TS_EP_IMPL_FIN)
            p->answered |= TS_EP_IMPL_FIN;
        else
            set_state(c, d, TS_EV_RCV_FIN, ev);
        p->acks_fin = true;
    }
    if (!(rcv->flags & TS_EP_FIN_ACKED)) {
        rcv->flags |= TS_EP_FIN_ACKED;
        if (!(rcv->flags & TS_EP_IMPL_FIN))
            set_state(c, !d, TS_EV_RCV_ACK_FIN, ev);
    }
}

/* The ACK field: what it proves the sender received, and what of the
 * receiver's it acknowledges.  ACK processing precedes FIN processing
 * (RFC 9293 §3.10.7.4, fifth and eighth checks). */
static void ack_field(struct ts_conn *c, int d, const struct ts_seg *s,
                      struct ts_event *ev, struct ack_proof *p)
{
    missed_synack(c, d, s, ev);
    in_flight(c, d, s, ev);
    if (s->flags & TS_TH_ACK) {
        ack_of_syn(c, d, s, ev, p);
        ack_of_fin(c, d, s, ev, p);
    }
}

/* A SYN or SYN+ACK: the sender's ISN, window scale and state.  Returns its
 * role. */
static enum ts_role on_syn(struct ts_conn *c, int d, const struct ts_seg *s,
                           struct ts_event *ev)
{
    struct ts_endpoint *snd = &c->ep[d], *rcv = &c->ep[!d];
    enum ts_role role;
    if (s->payload_len)
        ev->notes |= TS_NOTE_DATA_ON_SYN;
    if (!(s->flags & TS_TH_ACK)) {
        if ((rcv->flags & TS_EP_SYN) && !(rcv->flags & TS_EP_SYNACK) &&
            !(snd->flags & TS_EP_GOT_SYN)) {
            role = TS_ROLE_SIMOPEN_SYN;
            c->simopen = 1;
        } else {
            role = TS_ROLE_HS1;
        }
        if (c->t_syn == 0)
            c->t_syn = s->t_ns;
        set_state(c, d, TS_EV_SND_SYN, ev);
    } else {
        role = c->simopen ? TS_ROLE_SIMOPEN_SYNACK : TS_ROLE_HS2;
        snd->flags |= TS_EP_SYNACK;
        if (c->t_synack == 0)
            c->t_synack = s->t_ns;
        /* a SYN+ACK must acknowledge exactly the peer's ISN + 1 */
        if ((rcv->flags & TS_EP_SYN) && s->ack != rcv->isn + 1) {
            ev->notes |= TS_NOTE_BAD_ACK;
            ev->expected = rcv->isn + 1;
        }
        if (snd->state == TS_LISTEN)
            snd->passive = 1;
        set_state(c, d, TS_EV_SND_SYNACK, ev);
    }
    if (!(snd->flags & TS_EP_SYN)) {
        snd->flags |= TS_EP_SYN;
        snd->isn = s->seq;
    } else if (s->seq != snd->isn) {
        ev->notes |= TS_NOTE_BAD_SEQ;
        ev->expected = snd->isn;
    }
    if (s->opt.present & TS_HAS_WSCALE) {
        snd->flags |= TS_EP_WSCALE;
        snd->wscale = s->opt.wscale;
    }
    return role;
}

/* A FIN: where it lies, who closed first, and which FIN of the teardown it
 * is.  Returns its role. */
static enum ts_role on_fin(struct ts_conn *c, int d, const struct ts_seg *s,
                           struct ts_event *ev, const struct ack_proof *p)
{
    struct ts_endpoint *snd = &c->ep[d], *rcv = &c->ep[!d];
    bool syn = s->flags & TS_TH_SYN;
    enum ts_role role;
    if (!(snd->flags & TS_EP_FIN)) {
        snd->flags |= TS_EP_FIN;
        snd->fin_seq = s->seq + s->payload_len + (syn ? 1u : 0u);
        if (!c->closed_by)
            c->closed_by = (uint8_t)(d + 1);
    } else if (s->seq + s->payload_len != snd->fin_seq) {
        ev->notes |= TS_NOTE_BAD_SEQ;
        ev->expected = snd->fin_seq - s->payload_len;
    }
    if (!(rcv->flags & TS_EP_FIN)) {
        role = TS_ROLE_TD1;
    } else if (!(snd->flags & TS_EP_GOT_FIN)) {
        /* the peer's FIN is out and this FIN does not acknowledge it:
         * they crossed (RFC 9293 §3.6, simultaneous close) */
        role = TS_ROLE_SIMCLOSE_FIN;
        c->simclose = 1;
        ev->notes |= TS_NOTE_FIN_CROSSED;
    } else if (p->acks_fin) {
        role = TS_ROLE_TD23;
        c->merged = 1;
    } else {
        role = TS_ROLE_TD3;
    }
    if (!syn)
        set_state(c, d, TS_EV_SND_FIN, ev);
    if (!(s->flags & TS_TH_ACK) && (snd->flags & TS_EP_SEEN))
        ev->notes |= TS_NOTE_BAD_FLAGS; /* FIN without ACK midway */
    return role;
}

/* The role of a segment with neither SYN nor FIN (nor RST). */
static enum ts_role plain_role(const struct ts_conn *c, int d, const struct ts_seg *s,
                               const struct ack_proof *p)
{
    if (p->acks_fin) {
        if (c->simclose)
            return TS_ROLE_SIMCLOSE_ACK;
        return (c->ep[d].flags & TS_EP_FIN) ? TS_ROLE_TD4 : TS_ROLE_TD2;
    }
    if (p->completes_hs)
        return TS_ROLE_HS3;
    if (s->payload_len)
        return TS_ROLE_DATA;
    if (s->flags & TS_TH_ACK)
        return TS_ROLE_ACK;
    return TS_ROLE_OTHER;
}

/* It has answered the SYN or FIN it was only implied to have: the ACKs of
 * its own SYN or FIN that came behind reach it now. */
static void apply_answered(struct ts_conn *c, int d, uint16_t answered, struct ts_event *ev)
{
    struct ts_endpoint *snd = &c->ep[d], *rcv = &c->ep[!d];
    snd->flags &= (uint16_t)~answered;
    if ((answered & TS_EP_IMPL_SYN) && (snd->flags & TS_EP_SYN) &&
        (rcv->flags & TS_EP_GOT_SYN))
        set_state(c, d, TS_EV_RCV_ACK_SYN, ev);
    if ((answered & TS_EP_IMPL_FIN) && (snd->flags & TS_EP_FIN_ACKED))
        set_state(c, d, TS_EV_RCV_ACK_FIN, ev);
}

/* Roles and states: see the file comment and docs/states.md.  The steps,
 * in the order their proofs build on each other: a RST alone; else the ACK
 * field, then the SYN, then the FIN, then the role. */
static void handshake_and_teardown(struct ts_conn *c, int d, const struct ts_seg *s,
                                   struct ts_event *ev)
{
    uint8_t f = s->flags;
    check_flags(f, ev);
    if (f & TS_TH_RST) {
        on_rst(c, d, s, ev);
        return;
    }
    struct ack_proof p = {false, false, 0};
    ack_field(c, d, s, ev, &p);
    enum ts_role role = TS_ROLE_OTHER;
    if (f & TS_TH_SYN)
        role = on_syn(c, d, s, ev);
    if (f & TS_TH_FIN)
        role = on_fin(c, d, s, ev, &p);
    else if (!(f & TS_TH_SYN))
        role = plain_role(c, d, s, &p);
    if (s->payload_len && (c->ep[!d].flags & TS_EP_FIN) && !(f & TS_TH_SYN)) {
        ev->notes |= TS_NOTE_HALF_CLOSE;
        c->half_closed = 1;
    }
    if (p.answered)
        apply_answered(c, d, p.answered, ev);
    ev->role = (uint8_t)role;
}

static void close_kind_update(struct ts_conn *c)
{
    if (c->close_kind == TS_CLOSE_RESET || c->close_kind == TS_CLOSE_REFUSED)
        return;
    bool fin0 = c->ep[0].flags & TS_EP_FIN, fin1 = c->ep[1].flags & TS_EP_FIN;
    if (!fin0 && !fin1)
        return;
    bool done = (c->ep[0].flags & TS_EP_FIN_ACKED) && (c->ep[1].flags & TS_EP_FIN_ACKED);
    if (!done)
        c->close_kind = TS_CLOSE_FIN_ONLY;
    else if (c->simclose)
        c->close_kind = TS_CLOSE_SIMULTANEOUS;
    else if (c->half_closed)
        c->close_kind = TS_CLOSE_HALF;
    else if (c->merged)
        c->close_kind = TS_CLOSE_MERGED;
    else
        c->close_kind = TS_CLOSE_4WAY;
}

/* A pure SYN on a tracked tuple with a new ISN, or any SYN once both sides
 * are closed (as Zeek and current tshark do), opens a new incarnation: the
 * old one's verdict is given and it is forgotten.  True when it was. */
static bool reuse_tuple(struct ts_tracker *t, uint32_t idx, const struct ts_conn *c, int d,
                        const struct ts_seg *s, struct ts_event *ev)
{
    const struct ts_endpoint *snd = &c->ep[d];
    bool other_isn = (snd->flags & TS_EP_SYN) && s->seq != snd->isn;
    if (!other_isn && !conn_finished(c))
        return false;
    conn_end(t, idx, TS_END_REUSED);
    ev->notes |= TS_NOTE_PORT_REUSE;
    return true;
}

/* A new connection for s: who is the client, and what a missed SYN or a
 * midstream start proves about both sides.  *d is s's direction in it. */
static struct ts_conn *open_conn(struct ts_tracker *t, const struct ts_seg *s, int *d,
                                 struct ts_event *ev)
{
    uint8_t f = s->flags;
    bool sender_client = true;
    bool zflip = zeek_flips(s);
    if ((f & TS_TH_SYN) && (f & TS_TH_ACK)) {
        sender_client = false; /* the SYN+ACK's sender is the server */
    } else if (!(f & TS_TH_SYN)) {
        /* midstream: orient by ports as Zeek does */
        sender_client = !zeek_flips(s);
    }
    struct ts_conn *c = conn_new(t, s, sender_client);
    c->zeek_flip = zflip;
    *d = sender_client ? TS_C2S : TS_S2C;
    if ((f & TS_TH_SYN) && (f & TS_TH_ACK)) {
        /* The SYN was missed, but the SYN+ACK's ack proves the client
         * sent one with ISN ack - 1: the client is in SYN_SENT. */
        struct ts_endpoint *cl = &c->ep[TS_C2S];
        cl->isn = s->ack - 1;
        cl->nxt = s->ack;
        cl->flags |= TS_EP_SYN | TS_EP_BASE;
        cl->state = TS_SYN_SENT;
        c->flipped = 1;
        ev->notes |= TS_NOTE_FLIPPED;
        /* Zeek keeps the SYN+ACK's sender as originator unless its port
         * looks like a server's and the other does not */
        c->zeek_orig_server = !zeek_flips(s);
    } else if (!(f & TS_TH_SYN)) {
        c->pickup = 1;
        if (!(f & TS_TH_RST)) {
            ev->notes |= TS_NOTE_PICKUP;
            set_state(c, 0, TS_EV_PICKUP, ev);
            set_state(c, 1, TS_EV_PICKUP, ev);
        } else {
            c->ep[0].state = TS_CLOSED;
            c->ep[1].state = TS_CLOSED;
        }
    }
    return c;
}

/* The event's connection, direction and states before the segment. */
static void event_begin(const struct ts_conn *c, int d, const struct ts_seg *s,
                        struct ts_event *ev)
{
    ev->conn = c;
    ev->dir = (uint8_t)d;
    ev->old_state[0] = c->ep[0].state;
    ev->old_state[1] = c->ep[1].state;
    if ((ev->notes & TS_NOTE_FLIPPED) && c->ep[0].segs + c->ep[1].segs == 0)
        ev->old_state[TS_C2S] = TS_CLOSED; /* SYN_SENT is this segment's proof */
    if (conn_finished(c) && (c->ep[0].segs + c->ep[1].segs) > 0 &&
        !(s->flags & TS_TH_RST))
        ev->notes |= TS_NOTE_AFTER_CLOSE;
}

/* What the segment is: its sequence and ACK analysis, then (unless it is a
 * duplicate, which repeats its original's role without changing anything)
 * its role and the states it moves; notes on the segment alone last. */
static void analyse(struct ts_conn *c, int d, const struct ts_seg *s, struct ts_event *ev)
{
    analyse_seq(c, d, s, ev);
    if (!(ev->notes & TS_NOTE_DUPLICATE)) {
        analyse_ack(c, d, s, ev);
        analyse_window(c, d, s, ev);
        handshake_and_teardown(c, d, s, ev);
    } else {
        ev->role = TS_ROLE_OTHER;
    }
    if (s->win == 0 && !(s->flags & (TS_TH_SYN | TS_TH_FIN | TS_TH_RST)))
        ev->notes |= TS_NOTE_ZERO_WINDOW;
    if (s->cksum_state == TS_CK_BAD)
        ev->notes |= TS_NOTE_BAD_CKSUM;
}

/* The sender's record after the segment, and the relative numbers: tshark's
 * bases (ISN; seq - 1 / ack - 1 when no SYN was seen). */
static void account(struct ts_conn *c, int d, const struct ts_seg *s, struct ts_event *ev)
{
    struct ts_endpoint *snd = &c->ep[d], *rcv = &c->ep[!d];
    uint8_t f = s->flags;
    if (!(rcv->flags & TS_EP_BASE) && (f & TS_TH_ACK)) {
        rcv->isn = s->ack - 1;
        rcv->nxt = s->ack;
        rcv->t_nxt_us = us_since(c, s->t_ns);
        rcv->flags |= TS_EP_BASE;
    }
    update_endpoint(c, d, s);
    ev->rel_seq = s->seq - snd->isn;
    if ((f & TS_TH_ACK) && (rcv->flags & TS_EP_BASE)) {
        ev->rel_ack = s->ack - rcv->isn;
        ev->rel_ack_valid = true;
    }
    if (ev->notes & TS_NOTE_RETRANS)
        snd->retrans++;
    if (ev->notes & TS_NOTE_KEEPALIVE)
        snd->flags |= TS_EP_LAST_KA;
    else
        snd->flags &= (uint16_t)~TS_EP_LAST_KA;
}

/* The verdict's bookkeeping: tshark's completeness, the close kind, Zeek's
 * history and states. */
static void verdict_update(struct ts_conn *c, int d, const struct ts_seg *s,
                           const struct ts_event *ev)
{
    c->completeness |= ts_completeness_bits(c, s);
    close_kind_update(c);
    bool orig = c->zeek_orig_server ? d == TS_S2C : d == TS_C2S;
    zk_on_segment(c, orig, s, ev->notes);
}

/* The event's states after the segment, and the right value behind a
 * bad-ack or bad-seq note relative to the ISN it is about. */
static void event_end(const struct ts_conn *c, int d, struct ts_event *ev)
{
    ev->new_state[0] = c->ep[0].state;
    ev->new_state[1] = c->ep[1].state;
    ev->conn_id = c->id;
    if (ev->notes & TS_NOTE_BAD_ACK)
        ev->expected_rel = ev->expected - c->ep[!d].isn;
    else if (ev->notes & TS_NOTE_BAD_SEQ)
        ev->expected_rel = ev->expected - c->ep[d].isn;
}

/* Store c (at idx, or new when CT_NIL) on the list its states call for; a
 * new connection may first need room, made by evicting the oldest closed,
 * else the oldest open one. */
static void store(struct ts_tracker *t, uint32_t idx, struct ts_conn *c, struct ts_event *ev)
{
    int want = conn_finished(c) ? CT_CLOSED : CT_OPEN;
    if (idx == CT_NIL && t->ct.live >= t->cfg.max_conns) {
        uint32_t victim = ct_oldest(&t->ct, CT_CLOSED);
        if (victim == CT_NIL)
            victim = ct_oldest(&t->ct, CT_OPEN);
        if (victim != CT_NIL) {
            conn_end(t, victim, TS_END_EVICTED);
            t->evicted++;
        }
    }
    if (ct_store(&t->ct, idx, c, want) == CT_NIL) {
        ev->conn = NULL; /* out of memory: shown untracked, not remembered */
        ev->conn_id = 0;
    }
}

/* Expire, find (or open) the connection, analyse the segment, account for
 * it, and store the connection. */
void ts_track(struct ts_tracker *t, const struct ts_seg *s, struct ts_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ts_tracker_expire(t, s->t_ns);

    int d = TS_C2S;
    uint32_t idx = ct_find(&t->ct, s, &d);
    struct ts_conn *c = idx != CT_NIL ? ct_load(&t->ct, idx, &t->scratch) : NULL;
    if (c && (s->flags & (TS_TH_SYN | TS_TH_ACK | TS_TH_RST)) == TS_TH_SYN &&
        reuse_tuple(t, idx, c, d, s, ev)) {
        c = NULL;
        idx = CT_NIL;
    }
    if (!c)
        c = open_conn(t, s, &d, ev);
    else
        c->t_last = s->t_ns > c->t_last ? s->t_ns : c->t_last;

    event_begin(c, d, s, ev);
    analyse(c, d, s, ev);
    account(c, d, s, ev);
    verdict_update(c, d, s, ev);
    event_end(c, d, ev);
    store(t, idx, c, ev);
}
