/* Zeek conn.log writer (zeeklog.h has what each column holds).
 *
 * The tracker's connection record has what conn_state, history, packets and
 * sequence numbers need, but not IP lengths, nor the highest ACK each side
 * received; those are accumulated here per connection from the segments, in
 * a small open-addressing table keyed by connection number, and dropped when
 * the connection's line is written.  Its size follows the tracker's live
 * connections (bounded by --max-conns).
 *
 * Format details from Zeek's ASCII writer and formatter
 * (src/logging/writers/ascii/Ascii.cc, src/threading/formatters/Ascii.cc):
 * "#separator " is followed by a space and the escaped separator, the other
 * header lines by a tab; unset values are "-"; time and interval values have
 * six decimals; bool is T/F; a string that equals "-" or "(empty)" has its
 * first character escaped as \xNN.
 */
#include "tcpshake/zeeklog.h"
#include "tcpshake/communityid.h"
#include "../conn.h"
#include "tcpshake/sink.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tcpshake/verdict.h"

/* What ts_zeeklog_seg keeps per connection; index by our direction. */
struct zl_ent {
    uint64_t id; /* 0 = empty slot (connection numbers start at 1) */
    uint64_t ip_bytes[2];
    uint32_t acked[2];   /* highest ACK received for this direction's data */
    uint8_t has_acked;   /* bit d: acked[d] is valid */
};

struct ts_zeeklog {
    FILE *f;
    struct zl_ent *tab;
    size_t cap, n; /* slots (a power of two), used */
};

static const char *const B62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* ---- header -------------------------------------------------------------- */

static void zeek_time(char *buf, size_t len, time_t t)
{
    struct tm tm;
    if (!localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d-%H-%M-%S", &tm))
        snprintf(buf, len, "-");
}

struct ts_zeeklog *ts_zeeklog_open(FILE *f, time_t open_time, char *err,
                                   size_t errlen)
{
    struct ts_zeeklog *z = calloc(1, sizeof *z);
    if (!z) {
        snprintf(err, errlen, "zeek log: out of memory");
        return NULL;
    }
    z->f = f;
    char when[64];
    zeek_time(when, sizeof when, open_time);
    fprintf(f,
            "#separator \\x09\n"
            "#set_separator\t,\n"
            "#empty_field\t(empty)\n"
            "#unset_field\t-\n"
            "#path\tconn\n"
            "#open\t%s\n"
            "#fields\t" TS_ZEEK_CONN_FIELDS "\n"
            "#types\t" TS_ZEEK_CONN_TYPES "\n",
            when);
    if (ferror(f)) {
        snprintf(err, errlen, "zeek log: write: %s", strerror(errno ? errno : EIO));
        free(z);
        return NULL;
    }
    return z;
}

int ts_zeeklog_close(struct ts_zeeklog *z, time_t close_time, char *err,
                     size_t errlen)
{
    if (!z)
        return 0;
    char when[64];
    zeek_time(when, sizeof when, close_time);
    fprintf(z->f, "#close\t%s\n", when);
    int rc = 0;
    if (fflush(z->f) != 0 || ferror(z->f)) {
        snprintf(err, errlen, "zeek log: write: %s", strerror(errno ? errno : EIO));
        rc = -1;
    }
    free(z->tab);
    free(z);
    return rc;
}

/* ---- per-connection table -------------------------------------------------- */

static size_t slot_of(const struct ts_zeeklog *z, uint64_t id)
{
    return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 17) & (z->cap - 1);
}

static struct zl_ent *find(struct ts_zeeklog *z, uint64_t id)
{
    if (!z->cap)
        return NULL;
    for (size_t i = slot_of(z, id);; i = (i + 1) & (z->cap - 1)) {
        if (z->tab[i].id == id)
            return &z->tab[i];
        if (z->tab[i].id == 0)
            return NULL;
    }
}

static bool grow(struct ts_zeeklog *z)
{
    size_t ncap = z->cap ? z->cap * 2 : 64;
    struct zl_ent *nt = calloc(ncap, sizeof *nt);
    if (!nt)
        return false;
    struct zl_ent *old = z->tab;
    size_t ocap = z->cap;
    z->tab = nt;
    z->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (!old[i].id)
            continue;
        size_t j = slot_of(z, old[i].id);
        while (z->tab[j].id)
            j = (j + 1) & (z->cap - 1);
        z->tab[j] = old[i];
    }
    free(old);
    return true;
}

static struct zl_ent *get(struct ts_zeeklog *z, uint64_t id)
{
    struct zl_ent *e = find(z, id);
    if (e)
        return e;
    if ((z->n + 1) * 2 > z->cap && !grow(z))
        return NULL; /* out of memory: this connection's IP bytes stay unset */
    size_t i = slot_of(z, id);
    while (z->tab[i].id)
        i = (i + 1) & (z->cap - 1);
    memset(&z->tab[i], 0, sizeof z->tab[i]);
    z->tab[i].id = id;
    z->n++;
    return &z->tab[i];
}

/* Linear-probing delete: move later members of the cluster back so that no
 * lookup stops early at the hole (Knuth, TAOCP vol. 3, 6.4 algorithm R). */
static void drop(struct ts_zeeklog *z, struct zl_ent *e)
{
    size_t i = (size_t)(e - z->tab), mask = z->cap - 1;
    z->tab[i].id = 0;
    z->n--;
    for (size_t j = (i + 1) & mask; z->tab[j].id; j = (j + 1) & mask) {
        size_t home = slot_of(z, z->tab[j].id);
        /* move j to i unless its home lies cyclically in (i, j] */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (stays)
            continue;
        z->tab[i] = z->tab[j];
        z->tab[j].id = 0;
        i = j;
    }
}

/* ---- segments -------------------------------------------------------------- */

uint32_t ts_seg_ip_bytes(int dlt, const struct ts_seg *s)
{
    (void)dlt; /* the decoder records where the innermost IP header starts */
    return ts_seg_ip_len(s);
}

void ts_zeeklog_seg(struct ts_zeeklog *z, int dlt, const struct ts_seg *s,
                    const struct ts_event *ev)
{
    if (!ev || !ev->conn)
        return;
    struct zl_ent *e = get(z, ev->conn->id);
    if (!e)
        return;
    int d = ev->dir & 1;
    e->ip_bytes[d] += ts_seg_ip_bytes(dlt, s);
    /* Zeek's update_ack_seq: an ACK (not on a RST) moves the receiver's
     * acknowledged edge forward, never back */
    if ((s->flags & TS_TH_ACK) && !(s->flags & TS_TH_RST)) {
        int r = !d;
        if (!(e->has_acked & (1u << r)) || ts_seq_gt(s->ack, e->acked[r])) {
            e->acked[r] = s->ack;
            e->has_acked |= (uint8_t)(1u << r);
        }
    }
}

/* ---- the line ---------------------------------------------------------------- */

/* Zeek's TCP_Endpoint::Size(): the sequence space between the start and the
 * highest byte sent or acknowledged, less one for the SYN (or, without one,
 * the start Zeek puts at seq - 1) and one for a FIN.  The 32-bit difference
 * is unwrapped with the payload byte count, for connections past 4 GiB. */
static uint64_t zeek_size(const struct ts_conn *c, int d, const struct zl_ent *e)
{
    const struct ts_endpoint *ep = &c->ep[d];
    uint64_t payload = ts_conn_bytes(c, (enum ts_dir)d);
    if (!(ep->flags & TS_EP_BASE))
        return payload;
    uint32_t hi = ep->nxt;
    if (e && (e->has_acked & (1u << d)) && ts_seq_gt(e->acked[d], hi))
        hi = e->acked[d];
    uint64_t size = (uint32_t)(hi - ep->isn);
    if (payload > size)
        size += (payload - size + (1ull << 31)) >> 32 << 32;
    if (size)
        size--;
    if ((ep->flags & TS_EP_FIN) && size)
        size--;
    return size;
}

void ts_zeek_uid(const struct ts_conn *c, char out[TS_ZEEK_UID_LEN + 1])
{
    /* FNV-1a over the tuple, start time and number, then two splitmix64
     * finalizers for 128 well-mixed bits */
    uint64_t h = 0xcbf29ce484222325ull;
#define FNV(byte) (h = (h ^ (uint8_t)(byte)) * 0x100000001b3ull)
    for (int d = 0; d < 2; d++) {
        FNV(c->addr[d].family);
        for (int i = 0; i < 16; i++)
            FNV(c->addr[d].a[i]);
        FNV(c->port[d] >> 8);
        FNV(c->port[d]);
    }
    for (int i = 0; i < 64; i += 8) {
        FNV(c->t_first >> i);
        FNV(c->id >> i);
    }
#undef FNV
    uint64_t w[2];
    for (int k = 0; k < 2; k++) {
        uint64_t x = h + 0x9e3779b97f4a7c15ull * (uint64_t)(k + 1);
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
        w[k] = x ^ (x >> 31);
    }
    /* the 17 low base62 digits of the 128-bit w[1]:w[0] (2^128 is far
     * above 62^17 ~ 2^101, so every digit is near uniform) */
    uint32_t limb[4] = {(uint32_t)(w[1] >> 32), (uint32_t)w[1], (uint32_t)(w[0] >> 32),
                        (uint32_t)w[0]};
    out[0] = 'C';
    for (int pos = TS_ZEEK_UID_LEN - 1; pos >= 1; pos--) {
        uint64_t rem = 0;
        for (int i = 0; i < 4; i++) {
            uint64_t cur = (rem << 32) | limb[i];
            limb[i] = (uint32_t)(cur / 62);
            rem = cur % 62;
        }
        out[pos] = B62[rem];
    }
    out[TS_ZEEK_UID_LEN] = '\0';
}

/* A string value: Zeek escapes the separator and unprintable bytes as \xNN,
 * and the first byte of a value equal to the unset or empty marker. */
static void put_str(FILE *f, const char *s, size_t n)
{
    if (n == 0) {
        fputs("(empty)", f);
        return;
    }
    bool reserved = (n == 1 && s[0] == '-') || (n == 7 && !memcmp(s, "(empty)", 7));
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((i == 0 && reserved) || ch < 0x20 || ch >= 0x7f || ch == '\\')
            fprintf(f, "\\x%02x", ch);
        else
            fputc(ch, f);
    }
}

/* seconds with six decimals */
static void put_us(FILE *f, uint64_t us)
{
    fprintf(f, "%llu.%06llu", (unsigned long long)(us / 1000000),
            (unsigned long long)(us % 1000000));
}

void ts_zeeklog_conn(struct ts_zeeklog *z, const struct ts_conn *c)
{
    FILE *f = z->f;
    struct zl_ent *e = find(z, c->id);
    int o = c->zeek_orig_server ? TS_S2C : TS_C2S, r = !o;
    char addr[64], uid[TS_ZEEK_UID_LEN + 1];

    /* Zeek reads captures with pcap_open_offline(), so it sees times in
     * microseconds, cut down by libpcap from a nanosecond file: so do we,
     * for ts and for duration (two packets in one microsecond: 0, unset) */
    uint64_t us_first = c->t_first / 1000, us_last = c->t_last / 1000;
    put_us(f, us_first);
    ts_zeek_uid(c, uid);
    fprintf(f, "\t%s", uid);
    fprintf(f, "\t%s\t%u", ts_addr_str(&c->addr[o], addr, sizeof addr), (unsigned)c->port[o]);
    fprintf(f, "\t%s\t%u", ts_addr_str(&c->addr[r], addr, sizeof addr), (unsigned)c->port[r]);
    fputs("\ttcp\t-\t", f); /* proto, service */
    if (us_last > us_first) {
        put_us(f, us_last - us_first);
        fprintf(f, "\t%llu\t%llu", (unsigned long long)zeek_size(c, o, e),
                (unsigned long long)zeek_size(c, r, e));
    } else {
        fputs("-\t-\t-", f);
    }
    fputc('\t', f);
    const char *cs = ts_zeek_conn_state(c);
    put_str(f, cs, strlen(cs));
    fputs("\t-\t-\t0\t", f); /* local_orig, local_resp, missed_bytes */
    size_t hl = strnlen(c->history, sizeof c->history);
    if (hl)
        put_str(f, c->history, hl);
    else
        fputc('-', f); /* Zeek leaves history unset when it is empty */
    fprintf(f, "\t%lu\t", (unsigned long)ts_conn_segs(c, (enum ts_dir)o));
    if (e)
        fprintf(f, "%llu", (unsigned long long)e->ip_bytes[o]);
    else
        fputc('-', f);
    fprintf(f, "\t%lu\t", (unsigned long)ts_conn_segs(c, (enum ts_dir)r));
    if (e)
        fprintf(f, "%llu", (unsigned long long)e->ip_bytes[r]);
    else
        fputc('-', f);
    fputs("\t-\t", f); /* tunnel_parents */
    /* community_id, as Zeek's policy/protocols/conn/community-id-logging
     * appends it */
    char cid[TS_COMMUNITY_ID_SIZE];
    if (ts_community_id(&c->addr[o], c->port[o], &c->addr[r], c->port[r], 6, 0, cid,
                        sizeof cid) > 0)
        fputs(cid, f);
    else
        fputc('-', f);
    fputc('\n', f);
    if (e)
        drop(z, e);
}

/* ---- the Zeek conn.log sink ------------------------------------------------ */

/* ts_zeeklog_close frees the log: the sink holds NULL once it was closed */
struct zeek_sink {
    struct ts_zeeklog *z;
};

static void zeek_sink_seg(void *self, const struct ts_frame *f, const struct ts_seg *s,
                          const struct ts_event *ev)
{
    struct zeek_sink *k = self;
    ts_zeeklog_seg(k->z, f->dlt, s, ev);
}

static void zeek_sink_conn(void *self, const struct ts_conn *c, enum ts_end_reason why)
{
    struct zeek_sink *k = self;
    (void)why;
    ts_zeeklog_conn(k->z, c);
}

static int zeek_sink_finish(void *self, char *err, size_t errlen)
{
    struct zeek_sink *k = self;
    int rc = ts_zeeklog_close(k->z, time(NULL), err, errlen);
    k->z = NULL;
    return rc;
}

static void zeek_sink_free(void *self)
{
    struct zeek_sink *k = self;
    char err[8];
    ts_zeeklog_close(k->z, time(NULL), err, sizeof err);
    free(k);
}

static const struct ts_sink_ops zeek_ops = {
    .name = "zeek-log", .seg = zeek_sink_seg, .conn = zeek_sink_conn,
    .finish = zeek_sink_finish, .free = zeek_sink_free,
};

struct ts_sink *ts_sink_zeeklog(FILE *f, time_t open_time, char *err, size_t errlen)
{
    struct zeek_sink *k = malloc(sizeof *k);
    if (!k) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!(k->z = ts_zeeklog_open(f, open_time, err, errlen))) {
        free(k);
        return NULL;
    }
    struct ts_sink *s = ts_sink_new(&zeek_ops, k, 0);
    if (!s) {
        zeek_sink_free(k);
        snprintf(err, errlen, "out of memory");
    }
    return s;
}
