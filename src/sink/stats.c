/* Totals over a whole trace (`trace --stats`): counters per role, note,
 * close kind, conn_state; handshake RTT quantiles; retransmissions per
 * connection.  See stats.h for what is exact and what is sampled.
 *
 * Rendering runs once per trace, so it uses printf into the output buffer
 * rather than render.c's hand-made formatters.
 */
#include "tcpshake/stats.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpshake/verdict.h"
#include "../conn.h"
#include "tcpshake/sink.h"

#define N_NOTES 32 /* bit positions of TS_NOTE_* */
#define N_ANOMALIES 32
#define N_RST 4    /* enum ts_rst_reason */
#define N_CLOSE 8  /* enum ts_close_kind */
#define N_END 6    /* enum ts_end_reason */
_Static_assert(TS_END_INTERRUPTED + 1 == N_END, "N_END: one count per end reason");

static const char *const conn_states[TS_STATS_CONN_STATES] = {
    "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO",
    "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH",
};

struct rtt_series {
    uint32_t *v;       /* samples, microseconds */
    uint32_t len, cap; /* kept, allocated */
    uint32_t limit;    /* most samples kept */
    uint64_t n;        /* samples seen */
    uint32_t min, max;
    bool reservoir;    /* the limit was reached: v is a uniform sample */
};

struct ts_stats {
    uint64_t segments, untracked, malformed;
    uint64_t roles[TS_ROLE_COUNT];
    uint64_t rst[N_RST];
    uint64_t notes[N_NOTES];
    uint64_t anomalies[N_ANOMALIES];

    uint64_t conns;
    uint64_t close[N_CLOSE];
    uint64_t closed_by[3]; /* none, client, server */
    uint64_t states[TS_STATS_CONN_STATES];
    uint64_t end[N_END];

    struct rtt_series rtt[TS_RTT_COUNT];

    uint64_t retrans_hist[TS_STATS_RETRANS_BUCKETS];
    uint64_t retrans_total, retrans_max;

    uint64_t rng; /* xorshift64 state for the reservoirs */
};

static int bit_index(uint32_t bit)
{
    int i = 0;
    while (bit > 1) {
        bit >>= 1;
        i++;
    }
    return i;
}

struct ts_stats *ts_stats_new(uint32_t rtt_cap, char *err, size_t errlen)
{
    struct ts_stats *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "stats: out of memory");
        return NULL;
    }
    for (int i = 0; i < TS_RTT_COUNT; i++)
        st->rtt[i].limit = rtt_cap ? rtt_cap : TS_STATS_RTT_CAP;
    st->rng = 0x9e3779b97f4a7c15ull; /* any non-zero constant: replays agree */
    return st;
}

void ts_stats_free(struct ts_stats *st)
{
    if (!st)
        return;
    for (int i = 0; i < TS_RTT_COUNT; i++)
        free(st->rtt[i].v);
    free(st);
}

void ts_stats_seg(struct ts_stats *st, const struct ts_seg *s,
                  const struct ts_event *ev)
{
    bool tracked = ev && ev->conn;
    st->segments++;
    /* as the segment lines show them: on a tracked segment a bad checksum
     * is a note, not also an anomaly */
    uint32_t an = s->anomalies & ~(tracked ? (uint32_t)TS_AN_BAD_CKSUM : 0u);
    for (uint32_t a = an; a; a &= a - 1)
        st->anomalies[bit_index(a & -a)]++;
    if (!tracked) {
        st->untracked++;
        return;
    }
    if (ev->role < TS_ROLE_COUNT)
        st->roles[ev->role]++;
    if (ev->role == TS_ROLE_RESET && ev->rst_reason < N_RST)
        st->rst[ev->rst_reason]++;
    for (uint32_t n = ev->notes; n; n &= n - 1)
        st->notes[bit_index(n & -n)]++;
}

void ts_stats_bad(struct ts_stats *st, uint32_t anomalies)
{
    st->malformed++;
    for (uint32_t a = anomalies; a; a &= a - 1)
        st->anomalies[bit_index(a & -a)]++;
}

static uint64_t next_rand(struct ts_stats *st)
{
    uint64_t x = st->rng; /* xorshift64 (Marsaglia 2003) */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    st->rng = x;
    return x;
}

static void rtt_add(struct ts_stats *st, struct rtt_series *r, int64_t us)
{
    if (us < 0)
        return;
    uint32_t v = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    if (r->n == 0 || v < r->min)
        r->min = v;
    if (r->n == 0 || v > r->max)
        r->max = v;
    r->n++;
    if (!r->reservoir && r->len == r->cap && r->cap < r->limit) {
        uint32_t ncap = r->cap ? r->cap * 2 : 256;
        if (ncap > r->limit)
            ncap = r->limit;
        uint32_t *nv = realloc(r->v, (size_t)ncap * sizeof *nv);
        if (nv) {
            r->v = nv;
            r->cap = ncap;
        } else {
            r->limit = r->cap; /* out of memory: sample from here on */
        }
    }
    if (!r->reservoir && r->len < r->cap) {
        r->v[r->len++] = v;
        return;
    }
    /* algorithm R: the n-th sample replaces a random kept one with
     * probability len/n */
    r->reservoir = true;
    if (r->len == 0)
        return;
    uint64_t j = next_rand(st) % r->n;
    if (j < r->len)
        r->v[j] = v;
}

void ts_stats_conn(struct ts_stats *st, const struct ts_conn *c,
                   enum ts_end_reason why)
{
    st->conns++;
    if (c->close_kind < N_CLOSE)
        st->close[c->close_kind]++;
    st->closed_by[c->closed_by <= 2 ? c->closed_by : 0]++;
    if ((unsigned)why < N_END)
        st->end[why]++;
    const char *zs = ts_zeek_conn_state(c);
    for (int i = 0; i < TS_STATS_CONN_STATES; i++) {
        if (!strcmp(zs, conn_states[i])) {
            st->states[i]++;
            break;
        }
    }

    int64_t a = ts_rtt_syn_synack_us(c), b = ts_rtt_synack_ack_us(c);
    rtt_add(st, &st->rtt[TS_RTT_SYN_SYNACK], a);
    rtt_add(st, &st->rtt[TS_RTT_SYNACK_ACK], b);
    if (a >= 0 && b >= 0)
        rtt_add(st, &st->rtt[TS_RTT_HANDSHAKE], a + b);

    uint64_t re = (uint64_t)ts_conn_retrans(c, TS_C2S) + ts_conn_retrans(c, TS_S2C);
    int bucket = 0;
    for (uint64_t x = re; x && bucket < TS_STATS_RETRANS_BUCKETS - 1; x >>= 1)
        bucket++; /* 0 -> 0, 1 -> 1, 2-3 -> 2, 4-7 -> 3, ... */
    st->retrans_hist[bucket]++;
    st->retrans_total += re;
    if (re > st->retrans_max)
        st->retrans_max = re;
}

/* ---- reading back ------------------------------------------------------------ */

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* nearest rank: the ceil(num/den * len)-th smallest */
static uint32_t rank(const struct rtt_series *r, uint64_t num, uint64_t den)
{
    uint64_t k = (num * r->len + den - 1) / den;
    if (k == 0)
        k = 1;
    return r->v[k - 1];
}

void ts_stats_rtt_summary(struct ts_stats *st, enum ts_stats_rtt which,
                          struct ts_stats_rtt_summary *out)
{
    struct rtt_series *r = &st->rtt[which];
    out->n = r->n;
    out->exact = !r->reservoir;
    if (r->n == 0 || r->len == 0) {
        out->min_us = out->median_us = out->p99_us = out->max_us = -1;
        if (r->n) {
            out->min_us = r->min;
            out->max_us = r->max;
        }
        return;
    }
    qsort(r->v, r->len, sizeof *r->v, cmp_u32);
    out->min_us = r->min;
    out->max_us = r->max;
    out->median_us = rank(r, 1, 2);
    out->p99_us = rank(r, 99, 100);
}

uint64_t ts_stats_role_count(const struct ts_stats *st, enum ts_role r)
{
    return (unsigned)r < TS_ROLE_COUNT ? st->roles[r] : 0;
}

uint64_t ts_stats_note_count(const struct ts_stats *st, uint32_t note_bit)
{
    if (!note_bit || (note_bit & (note_bit - 1)))
        return 0;
    return st->notes[bit_index(note_bit)];
}

uint64_t ts_stats_close_count(const struct ts_stats *st, enum ts_close_kind k)
{
    return (unsigned)k < N_CLOSE ? st->close[k] : 0;
}

uint64_t ts_stats_conn_state_count(const struct ts_stats *st, const char *state)
{
    for (int i = 0; i < TS_STATS_CONN_STATES; i++)
        if (!strcmp(state, conn_states[i]))
            return st->states[i];
    return 0;
}

uint64_t ts_stats_retrans_bucket(const struct ts_stats *st, int bucket)
{
    return bucket >= 0 && bucket < TS_STATS_RETRANS_BUCKETS ? st->retrans_hist[bucket] : 0;
}

uint64_t ts_stats_conns(const struct ts_stats *st)
{
    return st->conns;
}

/* ---- rendering ------------------------------------------------------------- */

/* printf into the output buffer; when the text does not fit, the buffer is
 * written out first (ts_out_flush keeps the order and notes write errors).
 * A piece longer than the whole buffer goes out through stdio. */
__attribute__((format(printf, 2, 3))) static void out_printf(struct ts_out *o,
                                                              const char *fmt, ...)
{
    va_list ap;
    for (int attempt = 0; attempt < 2; attempt++) {
        size_t room = sizeof o->buf - o->len;
        va_start(ap, fmt);
        int n = vsnprintf(o->buf + o->len, room, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < room) {
            o->len += (size_t)n;
            return;
        }
        ts_out_flush(o);
    }
    va_start(ap, fmt);
    vfprintf(o->f, fmt, ap);
    va_end(ap);
    fflush(o->f);
}

static void end_line(struct ts_out *o)
{
    out_printf(o, "\n");
    if (o->line_flush)
        ts_out_flush(o);
}

static const char *const rtt_names[TS_RTT_COUNT] = {
    [TS_RTT_SYN_SYNACK] = "syn-synack",
    [TS_RTT_SYNACK_ACK] = "synack-ack",
    [TS_RTT_HANDSHAKE] = "handshake",
};

static const char *const retrans_buckets[TS_STATS_RETRANS_BUCKETS] = {
    "0", "1", "2-3", "4-7", "8-15", "16-31", "32-63", "64+",
};

static const char *const closed_by_names[3] = {"none", "client", "server"};

/* rst reasons and end reasons by index, through the names functions */
static const char *rst_name(int i)
{
    return ts_rst_reason_name((enum ts_rst_reason)i);
}

static const char *end_name(int i)
{
    return ts_end_reason_name((enum ts_end_reason)i);
}

static const char *close_name(int i)
{
    return ts_close_kind_name((enum ts_close_kind)i);
}

/* a named list in text: "name n  name n", only the non-zero ones */
static void text_list(struct ts_out *o, const char *label, const uint64_t *v,
                      int n, int first, const char *(*name)(int))
{
    out_printf(o, "  %-13s", label);
    bool any = false;
    for (int i = first; i < n; i++) {
        const char *nm = name(i);
        if (!v[i] || !nm)
            continue;
        out_printf(o, "%s%s %llu", any ? "  " : "", nm, (unsigned long long)v[i]);
        any = true;
    }
    if (!any)
        out_printf(o, "-");
    end_line(o);
}

/* a named list in JSON: "key":{"name":n,...}, every name, zeros too */
static void json_list(struct ts_out *o, const char *key, const uint64_t *v,
                      int n, int first, const char *(*name)(int))
{
    out_printf(o, ",\"%s\":{", key);
    bool any = false;
    for (int i = first; i < n; i++) {
        const char *nm = name(i);
        if (!nm)
            continue;
        out_printf(o, "%s\"%s\":%llu", any ? "," : "", nm, (unsigned long long)v[i]);
        any = true;
    }
    out_printf(o, "}");
}

static const char *role_name(int i)
{
    return ts_role_name((enum ts_role)i);
}

static const char *note_name(int i)
{
    return ts_note_name(1u << i);
}

static const char *anomaly_name(int i)
{
    return ts_anomaly_name(1u << i);
}

static const char *state_name(int i)
{
    return conn_states[i];
}

static const char *closed_by_name(int i)
{
    return closed_by_names[i];
}

static const char *bucket_name(int i)
{
    return retrans_buckets[i];
}

static const char *const rtt_json[TS_RTT_COUNT] = {
    [TS_RTT_SYN_SYNACK] = "rtt_syn_synack",
    [TS_RTT_SYNACK_ACK] = "rtt_synack_ack",
    [TS_RTT_HANDSHAKE] = "rtt_handshake",
};

static void text_rtt(struct ts_out *o, struct ts_stats *st, int i)
{
    struct ts_stats_rtt_summary r;
    ts_stats_rtt_summary(st, (enum ts_stats_rtt)i, &r);
    out_printf(o, "  rtt %-10s n %llu", rtt_names[i], (unsigned long long)r.n);
    if (r.n) {
        out_printf(o, "  min %lld.%03lld ms  median %lld.%03lld ms  p99 %lld.%03lld ms  "
                      "max %lld.%03lld ms%s",
                   (long long)r.min_us / 1000, (long long)r.min_us % 1000,
                   (long long)r.median_us / 1000, (long long)r.median_us % 1000,
                   (long long)r.p99_us / 1000, (long long)r.p99_us % 1000,
                   (long long)r.max_us / 1000, (long long)r.max_us % 1000,
                   r.exact ? "" : "  (median, p99 from a sample)");
    }
    end_line(o);
}

static void json_secs(struct ts_out *o, const char *key, int64_t us)
{
    if (us < 0)
        out_printf(o, ",\"%s\":null", key);
    else
        out_printf(o, ",\"%s\":%lld.%06lld", key, (long long)us / 1000000,
                   (long long)us % 1000000);
}

static void json_rtt(struct ts_out *o, struct ts_stats *st, int i)
{
    struct ts_stats_rtt_summary r;
    ts_stats_rtt_summary(st, (enum ts_stats_rtt)i, &r);
    out_printf(o, ",\"%s\":{\"n\":%llu", rtt_json[i], (unsigned long long)r.n);
    json_secs(o, "min", r.min_us);
    json_secs(o, "median", r.median_us);
    json_secs(o, "p99", r.p99_us);
    json_secs(o, "max", r.max_us);
    out_printf(o, ",\"exact\":%s}", r.exact ? "true" : "false");
}

/* "12.34": mean with two decimals, rounded, without floating point */
static void mean2(char *buf, size_t len, uint64_t total, uint64_t n)
{
    if (!n) {
        snprintf(buf, len, "0.00");
        return;
    }
    uint64_t c = (total * 100 + n / 2) / n;
    snprintf(buf, len, "%llu.%02llu", (unsigned long long)(c / 100),
             (unsigned long long)(c % 100));
}

void ts_stats_render(struct ts_out *o, struct ts_stats *st, bool json)
{
    char mean[32];
    mean2(mean, sizeof mean, st->retrans_total, st->conns);
    uint64_t with = st->conns - st->retrans_hist[0];
    if (json) {
        out_printf(o, "{\"type\":\"stats\",\"segments\":%llu,\"untracked\":%llu,"
                      "\"malformed\":%llu,\"connections\":%llu",
                   (unsigned long long)st->segments, (unsigned long long)st->untracked,
                   (unsigned long long)st->malformed, (unsigned long long)st->conns);
        json_list(o, "roles", st->roles, TS_ROLE_COUNT, 0, role_name);
        json_list(o, "rst_reasons", st->rst, N_RST, 1, rst_name);
        json_list(o, "notes", st->notes, N_NOTES, 0, note_name);
        json_list(o, "anomalies", st->anomalies, N_ANOMALIES, 0, anomaly_name);
        json_list(o, "close_kinds", st->close, N_CLOSE, 0, close_name);
        json_list(o, "closed_by", st->closed_by, 3, 0, closed_by_name);
        json_list(o, "conn_states", st->states, TS_STATS_CONN_STATES, 0, state_name);
        json_list(o, "end_reasons", st->end, N_END, 0, end_name);
        for (int i = 0; i < TS_RTT_COUNT; i++)
            json_rtt(o, st, i);
        out_printf(o, ",\"retransmissions\":{\"total\":%llu,\"max\":%llu,\"mean\":%s,"
                      "\"connections_with\":%llu",
                   (unsigned long long)st->retrans_total,
                   (unsigned long long)st->retrans_max, mean, (unsigned long long)with);
        json_list(o, "per_connection", st->retrans_hist, TS_STATS_RETRANS_BUCKETS, 0,
                  bucket_name);
        out_printf(o, "}}");
        end_line(o);
        return;
    }
    out_printf(o, "== stats  %llu segment%s (%llu untracked)  %llu malformed  %llu connection%s",
               (unsigned long long)st->segments, st->segments == 1 ? "" : "s",
               (unsigned long long)st->untracked, (unsigned long long)st->malformed,
               (unsigned long long)st->conns, st->conns == 1 ? "" : "s");
    end_line(o);
    text_list(o, "roles", st->roles, TS_ROLE_COUNT, 0, role_name);
    text_list(o, "resets", st->rst, N_RST, 1, rst_name);
    text_list(o, "notes", st->notes, N_NOTES, 0, note_name);
    text_list(o, "anomalies", st->anomalies, N_ANOMALIES, 0, anomaly_name);
    text_list(o, "close", st->close, N_CLOSE, 0, close_name);
    text_list(o, "closed by", st->closed_by, 3, 0, closed_by_name);
    text_list(o, "conn_state", st->states, TS_STATS_CONN_STATES, 0, state_name);
    text_list(o, "end", st->end, N_END, 0, end_name);
    for (int i = 0; i < TS_RTT_COUNT; i++)
        text_rtt(o, st, i);
    out_printf(o, "  %-13s", "retrans/conn");
    for (int i = 0; i < TS_STATS_RETRANS_BUCKETS; i++)
        if (st->retrans_hist[i])
            out_printf(o, "%s:%llu  ", retrans_buckets[i],
                       (unsigned long long)st->retrans_hist[i]);
    out_printf(o, "total %llu  max %llu  mean %s", (unsigned long long)st->retrans_total,
               (unsigned long long)st->retrans_max, mean);
    end_line(o);
}

/* ---- the --stats sink ------------------------------------------------------ */

struct stats_sink {
    struct ts_stats *st;
    struct ts_out *out;
    bool json;
};

static void stats_sink_seg(void *self, const struct ts_frame *f, const struct ts_seg *s,
                           const struct ts_event *ev)
{
    struct stats_sink *k = self;
    (void)f;
    ts_stats_seg(k->st, s, ev);
}

static void stats_sink_bad(void *self, const struct ts_frame *f, const struct ts_seg *s,
                           const char *what)
{
    struct stats_sink *k = self;
    (void)f;
    (void)what;
    ts_stats_bad(k->st, s->anomalies);
}

static void stats_sink_conn(void *self, const struct ts_conn *c, enum ts_end_reason why)
{
    struct stats_sink *k = self;
    ts_stats_conn(k->st, c, why);
}

/* the totals follow the last line of the trace on the same stream; write
 * errors there are the stream owner's to report */
static int stats_sink_finish(void *self, char *err, size_t errlen)
{
    struct stats_sink *k = self;
    (void)err;
    (void)errlen;
    ts_stats_render(k->out, k->st, k->json);
    ts_out_flush(k->out);
    return 0;
}

static void stats_sink_free(void *self)
{
    struct stats_sink *k = self;
    ts_stats_free(k->st);
    free(k);
}

static const struct ts_sink_ops stats_ops = {
    .name = "stats", .seg = stats_sink_seg, .bad = stats_sink_bad, .conn = stats_sink_conn,
    .finish = stats_sink_finish, .free = stats_sink_free,
};

struct ts_sink *ts_sink_stats(struct ts_out *out, bool json, char *err, size_t errlen)
{
    struct stats_sink *k = malloc(sizeof *k);
    if (!k) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    k->out = out;
    k->json = json;
    if (!(k->st = ts_stats_new(0, err, errlen))) {
        free(k);
        return NULL;
    }
    struct ts_sink *s = ts_sink_new(&stats_ops, k, 0);
    if (!s) {
        stats_sink_free(k);
        snprintf(err, errlen, "out of memory");
    }
    return s;
}
