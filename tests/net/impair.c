/* impair: a link impairment for tests and benchmarks, through NFQUEUE.
 *
 * The kernel here has no netem (and no nft `queue` expression either:
 * CONFIG_NFT_QUEUE is unset, so the rule is `iptables -j NFQUEUE
 * --queue-num N`, which reaches the same queue through nft_compat).  The
 * packets such a rule queues are judged in user space: corrupted (one bit
 * flipped, the checksums left as they were, so the receiver sees a wrong
 * one), dropped, or held in a timed queue and given their verdict later
 * (delay, jitter, reordering).  A verdict may come long after the packet was
 * received; the kernel keeps the packet until then.  Queues are per network
 * namespace.
 *
 *   impair --queue N [--corrupt PCT] [--corrupt-every N] [--only-payload]
 *          [--once] [--drop PCT] [--delay MS] [--jitter MS] [--reorder PCT]
 *          [--reorder-extra MS] [--limit N] [--seed S] [-v]
 *
 * --corrupt PCT      flip one random bit of PCT % of the TCP segments (with
 *                    --only-payload: of those carrying payload, in it)
 * --corrupt-every N  deterministically: every Nth TCP segment carrying
 *                    payload (the 1st corrupted is the Nth); which bit is
 *                    random (--seed)
 * --only-payload     the flipped bit is in the TCP payload, never in the
 *                    TCP header
 * --once             only a segment's first transmission may be corrupted:
 *                    one that carries no new data (its end is not beyond the
 *                    highest sequence number its flow has sent: a
 *                    retransmission) passes intact and is not counted by
 *                    --corrupt-every, so every corruption is repaired by the
 *                    first retransmission.  Without it a deterministic
 *                    --corrupt-every can lock onto a peer's retransmissions
 *                    (every 2nd: the retransmission after an RTO is the 2nd
 *                    segment again and again) and the peer's RTO backs off
 *                    until one side gives up.
 * --drop PCT         drop PCT % of the packets (any packet queued, TCP or not)
 * --delay MS         hold every packet MS milliseconds
 * --jitter MS        plus a uniform -MS..+MS (never below zero); order is
 *                    kept: a packet never passes one queued before it
 * --reorder PCT      PCT % of the packets are held --reorder-extra MS longer
 *                    (default 10), so later packets pass them
 * --limit N          packets held at once (default 4096); beyond, dropped
 * --seed S           the random generator's seed (default: time and pid,
 *                    printed on stderr so a run can be repeated)
 * -v                 a line on stderr for each segment corrupted
 *
 * The checksum is left wrong, and one bit flip always shows in the ones'
 * complement sum.  One case is left alone: a segment whose (correct)
 * checksum field happens to equal its pseudo-header sum or that sum's
 * complement — what Linux leaves in the field under send-side checksum
 * offload — which a receiver reading a capture may rightly take for an
 * offloaded segment (about 1 in 32768).  It is passed untouched, counted as
 * "spared", and with --corrupt-every the next segment is corrupted instead.
 *
 * Packets are queued by the kernel with their checksums complete (no
 * NFQA_CFG_F_GSO: GSO packets are segmented and CHECKSUM_PARTIAL ones
 * finished before they reach us).
 *
 * It prints "impair: queue N ready" on stderr once bound, and its counts on
 * stderr at SIGTERM or SIGINT (after giving every held packet its verdict)
 * and at SIGUSR1.  Exit 0 after a signal, 1 on an error, 2 on usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/netfilter.h> /* NF_ACCEPT, NF_DROP */
#include <libnetfilter_queue/libnetfilter_queue.h>

#define NS_MS 1000000ull

/* ---- options and counts --------------------------------------------------- */

struct opts {
    unsigned queue;
    bool have_queue;
    double corrupt_pct, drop_pct, reorder_pct;
    unsigned long corrupt_every;
    bool only_payload, once;
    uint64_t delay_ns, jitter_ns, reorder_extra_ns;
    size_t limit;
    uint64_t seed;
    bool have_seed;
    bool verbose;
};

struct counts {
    uint64_t seen, tcp, payload, corrupted, spared, again, dropped, delayed,
        reordered, overflow, unparsed, verdict_errors, overruns;
};

/* ---- random numbers: splitmix64 ------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* uniform in [0, n), n > 0 */
static uint64_t rng_below(uint64_t n)
{
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    uint64_t r;
    do
        r = rng_next();
    while (r >= lim);
    return r % n;
}

/* true with probability pct / 100 */
static bool rng_pct(double pct)
{
    if (pct <= 0)
        return false;
    if (pct >= 100)
        return true;
    return (double)(rng_next() >> 11) * 0x1p-53 * 100.0 < pct;
}

/* ---- bounds-checked reading of a packet ----------------------------------- */

struct pkt {
    const uint8_t *p;
    size_t len;
};

static bool rd8(const struct pkt *k, size_t off, uint8_t *v)
{
    if (off >= k->len)
        return false;
    *v = k->p[off];
    return true;
}

static bool rd16(const struct pkt *k, size_t off, uint16_t *v)
{
    if (off > k->len || k->len - off < 2)
        return false;
    *v = (uint16_t)((unsigned)k->p[off] << 8 | k->p[off + 1]);
    return true;
}

/* The ones' complement sum of len bytes at off, added to sum (no fold). */
static bool rdsum(const struct pkt *k, size_t off, size_t len, uint64_t *sum)
{
    if (off > k->len || k->len - off < len)
        return false;
    const uint8_t *b = k->p + off;
    uint64_t s = *sum;
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        s += (uint64_t)b[i] << 8 | b[i + 1];
    if (i < len)
        s += (uint64_t)b[i] << 8;
    *sum = s;
    return true;
}

static uint16_t fold(uint64_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* Where the TCP segment of an IPv4 or IPv6 packet lies. */
struct tcpseg {
    size_t off;      /* TCP header */
    size_t len;      /* header + payload, as the IP header says */
    size_t hdr_len;  /* TCP header with options */
    uint64_t phsum;  /* pseudo-header sum, unfolded */
    uint64_t flow;   /* a hash of addresses and ports */
    uint32_t seq;    /* sequence number */
};

/* FNV-1a over len bytes at off, continuing h. */
static bool hash_bytes(const struct pkt *k, size_t off, size_t len, uint64_t *h)
{
    if (off > k->len || k->len - off < len)
        return false;
    uint64_t x = *h;
    for (size_t i = 0; i < len; i++) {
        x ^= k->p[off + i];
        x *= 0x100000001b3ull;
    }
    *h = x;
    return true;
}

static bool find_tcp_v4(const struct pkt *k, struct tcpseg *t)
{
    uint8_t vihl, proto;
    uint16_t tot, frag;
    if (!rd8(k, 0, &vihl) || !rd16(k, 2, &tot) || !rd16(k, 6, &frag) ||
        !rd8(k, 9, &proto))
        return false;
    size_t ihl = (size_t)(vihl & 0x0f) * 4;
    if (ihl < 20 || tot < ihl || tot > k->len || proto != 6)
        return false;
    if (frag & 0x3fff) /* MF or an offset: not a whole segment */
        return false;
    t->off = ihl;
    t->len = tot - ihl;
    t->phsum = 0;
    if (!rdsum(k, 12, 8, &t->phsum)) /* source and destination */
        return false;
    t->phsum += 6 + (uint64_t)t->len;
    t->flow = 0xcbf29ce484222325ull;
    return hash_bytes(k, 12, 8, &t->flow);
}

static bool find_tcp_v6(const struct pkt *k, struct tcpseg *t)
{
    uint16_t plen;
    uint8_t nh;
    if (!rd16(k, 4, &plen) || !rd8(k, 6, &nh))
        return false;
    if (plen == 0 || (size_t)plen + 40 > k->len) /* jumbogram or cut */
        return false;
    size_t end = 40 + (size_t)plen;
    size_t off = 40;
    for (int hops = 0; hops < 16 && nh != 6; hops++) {
        uint8_t next, hl;
        size_t len;
        switch (nh) {
        case 0:   /* hop-by-hop */
        case 43:  /* routing */
        case 60:  /* destination options */
            if (!rd8(k, off, &next) || !rd8(k, off + 1, &hl))
                return false;
            len = ((size_t)hl + 1) * 8;
            break;
        case 44: { /* fragment */
            uint16_t fo;
            if (!rd8(k, off, &next) || !rd16(k, off + 2, &fo))
                return false;
            if (fo & 0xfff9) /* an offset, or more fragments */
                return false;
            len = 8;
            break;
        }
        case 51:  /* authentication header */
            if (!rd8(k, off, &next) || !rd8(k, off + 1, &hl))
                return false;
            len = ((size_t)hl + 2) * 4;
            break;
        default:
            return false;
        }
        if (len > end - off)
            return false;
        off += len;
        nh = next;
    }
    if (nh != 6 || off >= end)
        return false;
    t->off = off;
    t->len = end - off;
    t->phsum = 0;
    if (!rdsum(k, 8, 32, &t->phsum))
        return false;
    t->phsum += 6 + (uint64_t)t->len;
    t->flow = 0xcbf29ce484222325ull;
    return hash_bytes(k, 8, 32, &t->flow);
}

static bool find_tcp(const struct pkt *k, struct tcpseg *t)
{
    uint8_t v;
    if (!rd8(k, 0, &v))
        return false;
    bool ok = (v >> 4) == 4 ? find_tcp_v4(k, t) : (v >> 4) == 6 ? find_tcp_v6(k, t) : false;
    if (!ok)
        return false;
    uint8_t doff;
    uint16_t seqhi, seqlo;
    if (t->len < 20 || !rd8(k, t->off + 12, &doff) || !rd16(k, t->off + 4, &seqhi) ||
        !rd16(k, t->off + 6, &seqlo))
        return false;
    t->seq = (uint32_t)seqhi << 16 | seqlo;
    t->hdr_len = (size_t)(doff >> 4) * 4;
    return t->hdr_len >= 20 && t->hdr_len <= t->len &&
           hash_bytes(k, t->off, 4, &t->flow); /* ports */
}

/* ---- the timed queue: a binary min-heap on (due, order) -------------------- */

struct held {
    uint64_t due, order;
    uint32_t id;
    uint32_t len;
    bool mangled; /* the verdict carries our bytes */
    uint8_t *data;
};

static struct held *heap;
static size_t heap_n;

static bool held_before(const struct held *a, const struct held *b)
{
    return a->due != b->due ? a->due < b->due : a->order < b->order;
}

static void heap_push(struct held h)
{
    size_t i = heap_n++;
    heap[i] = h;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!held_before(&heap[i], &heap[up]))
            break;
        struct held x = heap[i];
        heap[i] = heap[up];
        heap[up] = x;
        i = up;
    }
}

static struct held heap_pop(void)
{
    struct held top = heap[0];
    heap[0] = heap[--heap_n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < heap_n && held_before(&heap[l], &heap[m]))
            m = l;
        if (r < heap_n && held_before(&heap[r], &heap[m]))
            m = r;
        if (m == i)
            break;
        struct held x = heap[i];
        heap[i] = heap[m];
        heap[m] = x;
        i = m;
    }
    return top;
}

/* ---- --once: the highest sequence number each flow has sent -------------------- */

/* Direct-mapped on the flow's hash: a collision forgets the older flow, whose
 * next retransmission may then be taken for new data and corrupted (once
 * more: harmless, the retransmission after it passes). */
#define FLOWS 4096u
struct flow {
    uint64_t flow; /* 0: empty */
    uint32_t end;  /* highest sequence number sent, plus one */
};
static struct flow *flows;

/* Whether the segment [seq, seq + len) carries data its flow has not sent
 * before; records it. */
static bool once_new_data(const struct tcpseg *t)
{
    uint64_t f = t->flow | 1;
    uint32_t end = t->seq + (uint32_t)(t->len - t->hdr_len);
    struct flow *e = &flows[(f >> 20) % FLOWS];
    if (e->flow != f) {
        e->flow = f;
        e->end = end;
        return true;
    }
    if ((int32_t)(end - e->end) <= 0)
        return false;
    e->end = end;
    return true;
}

/* ---- state ------------------------------------------------------------------ */

static struct opts o = {.limit = 4096, .reorder_extra_ns = 10 * NS_MS};
static struct counts n;
static struct nfq_q_handle *qh;
static uint64_t order_next;
static uint64_t last_inorder_due; /* jitter keeps the order of packets */
static unsigned long since_corrupt; /* payload segments since the last one */

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void verdict(uint32_t id, uint32_t v, uint32_t len, const uint8_t *data)
{
    if (nfq_set_verdict(qh, id, v, len, data) < 0)
        n.verdict_errors++;
}

static void print_counts(void)
{
    fprintf(stderr,
            "impair: queue %u: seen %" PRIu64 " (tcp %" PRIu64 ", with payload %" PRIu64
            "), corrupted %" PRIu64 ", dropped %" PRIu64 ", delayed %" PRIu64
            " (reordered %" PRIu64 "), spared (looked offloaded) %" PRIu64
            ", retransmissions passed (--once) %" PRIu64 ", overflow %" PRIu64
            ", unparsed %" PRIu64 ", verdict errors %" PRIu64 ", receive overruns %" PRIu64 "\n",
            o.queue, n.seen, n.tcp, n.payload, n.corrupted, n.dropped, n.delayed,
            n.reordered, n.spared, n.again, n.overflow, n.unparsed, n.verdict_errors, n.overruns);
}

/* Flip one bit of the TCP segment in buf; false when it would not show. */
static bool corrupt(uint8_t *buf, size_t len, const struct tcpseg *t)
{
    size_t from = o.only_payload ? t->off + t->hdr_len : t->off;
    size_t span = t->off + t->len - from;
    if (span == 0 || t->off + t->len > len)
        return false;
    size_t ck = t->off + 16; /* the checksum field */
    uint16_t phf = fold(t->phsum);
    uint16_t phc = (uint16_t)(0xffffu ^ phf);
    for (int tries = 0; tries < 8; tries++) {
        size_t bit = (size_t)rng_below((uint64_t)span * 8);
        size_t at = from + bit / 8;
        uint8_t mask = (uint8_t)(1u << (bit % 8));
        buf[at] ^= mask;
        uint16_t field = (uint16_t)((unsigned)buf[ck] << 8 | buf[ck + 1]);
        if (field != phf && field != phc)
            return true;
        buf[at] ^= mask; /* looks offloaded: try another bit */
    }
    return false;
}

static int on_packet(struct nfq_q_handle *q, struct nfgenmsg *msg,
                     struct nfq_data *nfa, void *user)
{
    (void)q, (void)msg, (void)user;
    struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
    if (!ph)
        return 0;
    uint32_t id = ntohl(ph->packet_id);
    unsigned char *data = NULL;
    int got = nfq_get_payload(nfa, &data);
    n.seen++;
    if (got < 0 || !data) {
        n.unparsed++;
        verdict(id, NF_ACCEPT, 0, NULL);
        return 0;
    }
    struct pkt k = {data, (size_t)got};

    /* what the packet is (not TCP, or not a whole segment: never corrupted) */
    struct tcpseg t;
    bool is_tcp = find_tcp(&k, &t);
    bool has_payload = is_tcp && t.len > t.hdr_len;
    n.tcp += is_tcp;
    n.payload += has_payload;

    if (rng_pct(o.drop_pct)) {
        n.dropped++;
        verdict(id, NF_DROP, 0, NULL);
        return 0;
    }

    /* whether it is corrupted: then the verdict carries our copy */
    bool want = false;
    bool fresh = has_payload && (!o.once || once_new_data(&t));
    if (has_payload && !fresh)
        n.again++; /* a retransmission under --once: passed, not counted */
    if (fresh && o.corrupt_every) {
        since_corrupt++;
        if (since_corrupt >= o.corrupt_every)
            want = true;
    }
    if (is_tcp && (has_payload ? fresh : !o.only_payload) && rng_pct(o.corrupt_pct))
        want = true;

    uint8_t *copy = NULL;
    bool mangled = false;
    if (want) {
        copy = malloc(k.len);
        if (!copy) {
            verdict(id, NF_ACCEPT, 0, NULL);
            return 0;
        }
        memcpy(copy, k.p, k.len);
        if (corrupt(copy, k.len, &t)) {
            mangled = true;
            n.corrupted++;
            since_corrupt = 0;
            if (o.verbose)
                fprintf(stderr, "impair: corrupted #%" PRIu64 ": seq %" PRIu32 " len %zu\n",
                        n.corrupted, t.seq, t.len - t.hdr_len);
        } else {
            n.spared++;
            free(copy);
            copy = NULL;
        }
    }

    /* when it goes */
    uint64_t now = mono_ns();
    uint64_t hold = o.delay_ns;
    if (o.jitter_ns) {
        uint64_t j = rng_below(2 * o.jitter_ns + 1);
        hold = hold + j >= o.jitter_ns ? hold + j - o.jitter_ns : 0;
    }
    uint64_t due = now + hold;
    bool reorder = rng_pct(o.reorder_pct);
    if (!reorder) {
        if (due < last_inorder_due)
            due = last_inorder_due;
        last_inorder_due = due;
    } else {
        due += o.reorder_extra_ns;
    }
    if (due <= now && heap_n == 0) {
        verdict(id, NF_ACCEPT, mangled ? (uint32_t)k.len : 0, mangled ? copy : NULL);
        free(copy);
        return 0;
    }
    if (heap_n >= o.limit) {
        n.overflow++;
        n.dropped++;
        verdict(id, NF_DROP, 0, NULL);
        free(copy);
        return 0;
    }
    /* the kernel keeps the packet until its verdict: only a corrupted one
     * needs our bytes (the copy) */
    n.delayed += due > now;
    n.reordered += reorder;
    heap_push((struct held){.due = due, .order = order_next++, .id = id,
                            .len = (uint32_t)k.len, .mangled = mangled, .data = copy});
    return 0;
}

/* Give the verdict of every held packet due by `until` (all: UINT64_MAX). */
static void release(uint64_t until)
{
    while (heap_n && heap[0].due <= until) {
        struct held h = heap_pop();
        verdict(h.id, NF_ACCEPT, h.mangled ? h.len : 0, h.mangled ? h.data : NULL);
        free(h.data);
    }
}

static void arm(int tfd)
{
    struct itimerspec its = {0};
    if (heap_n) {
        uint64_t d = heap[0].due ? heap[0].due : 1;
        its.it_value.tv_sec = (time_t)(d / 1000000000ull);
        its.it_value.tv_nsec = (long)(d % 1000000000ull);
    }
    timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* ---- command line -------------------------------------------------------------- */

static void usage(FILE *f)
{
    fputs("usage: impair --queue N [--corrupt PCT] [--corrupt-every N] [--only-payload]\n"
          "              [--once] [--drop PCT] [--delay MS] [--jitter MS] [--reorder PCT]\n"
          "              [--reorder-extra MS] [--limit N] [--seed S] [-v]\n"
          "Judges the packets nftables sends to `queue num N`: corrupts (one bit,\n"
          "checksums left wrong), drops, delays, reorders.  Counts on stderr at\n"
          "SIGTERM/SIGINT (then exits) and SIGUSR1.\n", f);
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *v)
{
    char *e;
    errno = 0;
    unsigned long long x = strtoull(s, &e, 0);
    if (errno || e == s || *e || s[0] == '-' || x > max)
        return false;
    *v = x;
    return true;
}

static bool parse_pct(const char *s, double *v)
{
    char *e;
    errno = 0;
    double x = strtod(s, &e);
    if (errno || e == s || *e || !(x >= 0 && x <= 100))
        return false;
    *v = x;
    return true;
}

static bool parse_ms(const char *s, uint64_t *ns)
{
    char *e;
    errno = 0;
    double x = strtod(s, &e);
    if (errno || e == s || *e || !(x >= 0 && x <= 3600e3))
        return false;
    *ns = (uint64_t)(x * 1e6 + 0.5);
    return true;
}

static int parse(int argc, char **argv)
{
    enum { O_QUEUE = 256, O_CORRUPT, O_EVERY, O_ONLY, O_ONCE, O_DROP, O_DELAY, O_JITTER,
           O_REORDER, O_REXTRA, O_LIMIT, O_SEED };
    static const struct option lo[] = {
        {"queue", required_argument, NULL, O_QUEUE},
        {"corrupt", required_argument, NULL, O_CORRUPT},
        {"corrupt-every", required_argument, NULL, O_EVERY},
        {"only-payload", no_argument, NULL, O_ONLY},
        {"once", no_argument, NULL, O_ONCE},
        {"drop", required_argument, NULL, O_DROP},
        {"delay", required_argument, NULL, O_DELAY},
        {"jitter", required_argument, NULL, O_JITTER},
        {"reorder", required_argument, NULL, O_REORDER},
        {"reorder-extra", required_argument, NULL, O_REXTRA},
        {"limit", required_argument, NULL, O_LIMIT},
        {"seed", required_argument, NULL, O_SEED},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    uint64_t v;
    while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case O_QUEUE:
            if ((ok = parse_u64(optarg, 65535, &v)))
                o.queue = (unsigned)v;
            o.have_queue = ok;
            break;
        case O_CORRUPT: ok = parse_pct(optarg, &o.corrupt_pct); break;
        case O_EVERY:
            if ((ok = parse_u64(optarg, ULONG_MAX, &v) && v > 0))
                o.corrupt_every = (unsigned long)v;
            break;
        case O_ONLY: o.only_payload = true; break;
        case O_ONCE: o.once = true; break;
        case O_DROP: ok = parse_pct(optarg, &o.drop_pct); break;
        case O_DELAY: ok = parse_ms(optarg, &o.delay_ns); break;
        case O_JITTER: ok = parse_ms(optarg, &o.jitter_ns); break;
        case O_REORDER: ok = parse_pct(optarg, &o.reorder_pct); break;
        case O_REXTRA: ok = parse_ms(optarg, &o.reorder_extra_ns); break;
        case O_LIMIT:
            if ((ok = parse_u64(optarg, 1u << 20, &v) && v > 0))
                o.limit = (size_t)v;
            break;
        case O_SEED:
            ok = parse_u64(optarg, UINT64_MAX, &o.seed);
            o.have_seed = ok;
            break;
        case 'v': o.verbose = true; break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return 2;
        }
        if (!ok) {
            fprintf(stderr, "impair: bad value for --%s: '%s'\n",
                    lo[c - O_QUEUE].name, optarg);
            return 2;
        }
    }
    if (optind != argc || !o.have_queue) {
        usage(stderr);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int rc = parse(argc, argv);
    if (rc)
        return rc;
    if (!o.have_seed)
        o.seed = (uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid() ^ mono_ns();
    rng_state = o.seed;

    heap = calloc(o.limit, sizeof *heap);
    flows = o.once ? calloc(FLOWS, sizeof *flows) : NULL;
    if (!heap || (o.once && !flows)) {
        fprintf(stderr, "impair: out of memory\n");
        return 1;
    }

    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGTERM);
    sigaddset(&ss, SIGINT);
    sigaddset(&ss, SIGUSR1);
    if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0) {
        perror("impair: sigprocmask");
        return 1;
    }
    int sfd = signalfd(-1, &ss, SFD_CLOEXEC);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    if (sfd < 0 || tfd < 0) {
        perror("impair: signalfd/timerfd");
        return 1;
    }

    struct nfq_handle *h = nfq_open();
    if (!h) {
        perror("impair: nfq_open");
        return 1;
    }
    qh = nfq_create_queue(h, (uint16_t)o.queue, on_packet, NULL);
    if (!qh) {
        fprintf(stderr, "impair: cannot bind queue %u (in use? root?): %s\n",
                o.queue, strerror(errno));
        nfq_close(h);
        return 1;
    }
    if (nfq_set_mode(qh, NFQNL_COPY_PACKET, 0xffff) < 0) {
        perror("impair: nfq_set_mode");
        nfq_destroy_queue(qh);
        nfq_close(h);
        return 1;
    }
    /* the kernel's own bound on packets awaiting a verdict (beyond: dropped) */
    uint32_t kmax = o.limit * 2 > 1024 ? (uint32_t)(o.limit * 2) : 1024;
    nfq_set_queue_maxlen(qh, kmax);
    int fd = nfq_fd(h);
    int rcvbuf = 8 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

    fprintf(stderr, "impair: queue %u ready (seed %" PRIu64 ")\n", o.queue, o.seed);

    /* one netlink message holds a packet of up to 64 KiB and its attributes */
    static uint8_t buf[0x10000 + 4096] __attribute__((aligned(8)));
    struct pollfd pf[3] = {{.fd = fd, .events = POLLIN},
                           {.fd = tfd, .events = POLLIN},
                           {.fd = sfd, .events = POLLIN}};
    bool running = true;
    rc = 0;
    while (running) {
        if (poll(pf, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            perror("impair: poll");
            rc = 1;
            break;
        }
        if (pf[0].revents & (POLLIN | POLLERR)) {
            /* drain what is there without blocking */
            for (int i = 0; i < 64; i++) {
                ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
                if (r < 0) {
                    if (errno == ENOBUFS) { /* the kernel dropped some: go on */
                        n.overruns++;
                        continue;
                    }
                    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                        perror("impair: recv");
                        rc = 1;
                        running = false;
                    }
                    break;
                }
                nfq_handle_packet(h, (char *)buf, (int)r);
            }
        }
        if (pf[1].revents & POLLIN) {
            uint64_t exp;
            if (read(tfd, &exp, sizeof exp) < 0 && errno != EAGAIN)
                perror("impair: timerfd");
        }
        release(mono_ns());
        arm(tfd);
        if (pf[2].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                if (si.ssi_signo == SIGUSR1)
                    print_counts();
                else
                    running = false;
            }
        }
    }
    release(UINT64_MAX); /* nothing held is lost */
    print_counts();
    nfq_destroy_queue(qh);
    nfq_close(h);
    free(heap);
    free(flows);
    close(tfd);
    close(sfd);
    return rc;
}
