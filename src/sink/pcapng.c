/* pcapng writer for `trace -w FILE --annotate`, and the packet comments.
 *
 * Block layouts (draft-ietf-opsawg-pcapng §4.1 SHB, §4.2 IDB, §4.3 EPB):
 * every block is type, total length, body, total length again; the body and
 * every option value are padded to 32 bits with zeros; an options list ends
 * with opt_endofopt (code 0, length 0).  We write little-endian whatever the
 * host, so the same capture gives the same bytes everywhere; readers learn
 * the byte order from the SHB's byte-order magic.
 */
#include "tcpshake/pcapng.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpshake/fsm.h"
#include "../conn.h"
#include "tcpshake/sink.h"

#define DEFAULT_SNAPLEN 262144u
#define USERAPPL "tcpshake"

struct ts_pcapng {
    FILE *f;
    uint32_t snaplen;
    int n_ifaces;
    int dlt[TS_PCAPNG_MAX_IFACES]; /* interface id i has link type dlt[i] */
    int err;                       /* first errno seen, 0 = none */
    bool flush_each;               /* fflush after every packet */
    char errmsg[160];
};

static uint32_t pad4(uint32_t n)
{
    return (n + 3u) & ~3u;
}

static void le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void fail(struct ts_pcapng *w, int e, const char *what)
{
    if (w->err)
        return;
    w->err = e ? e : EIO;
    snprintf(w->errmsg, sizeof w->errmsg, "%s: %s", what, strerror(w->err));
}

static int put(struct ts_pcapng *w, const void *p, size_t n)
{
    if (w->err)
        return -1;
    if (n && fwrite(p, 1, n, w->f) != n) {
        fail(w, errno, "write");
        return -1;
    }
    return 0;
}

static int put_zeros(struct ts_pcapng *w, size_t n)
{
    static const uint8_t zeros[4];
    return put(w, zeros, n);
}

uint16_t ts_pcapng_linktype(int dlt)
{
    switch (dlt) {
    case TS_DLT_RAW:
    case TS_DLT_RAW_ALT:
        return TS_DLT_LINKTYPE_RAW;
    default:
        return (uint16_t)dlt;
    }
}

/* SHB: magic, total length, byte-order magic, version 1.0, section length
 * -1 (unknown: we stream), shb_userappl, opt_endofopt, total length. */
static int write_shb(struct ts_pcapng *w)
{
    const uint32_t appl = sizeof USERAPPL - 1;
    /* 24 bytes of header and fixed fields, one option, end of options,
     * trailing length */
    const uint32_t total = 24 + 4 + pad4(appl) + 4 + 4;
    uint8_t b[64] = {0};
    uint32_t o = 0;
    le32(b + o, TS_PCAPNG_SHB), o += 4;
    le32(b + o, total), o += 4;
    le32(b + o, TS_PCAPNG_BOM), o += 4;
    le16(b + o, 1), o += 2; /* major */
    le16(b + o, 0), o += 2; /* minor */
    le32(b + o, 0xffffffffu), o += 4;
    le32(b + o, 0xffffffffu), o += 4;
    le16(b + o, TS_PCAPNG_SHB_USERAPPL), o += 2;
    le16(b + o, (uint16_t)appl), o += 2;
    memcpy(b + o, USERAPPL, appl), o += pad4(appl);
    o += 4; /* opt_endofopt: zeros */
    le32(b + o, total), o += 4;
    assert(o == total);
    return put(w, b, o);
}

/* IDB: link type, reserved, snap length, if_tsresol = 9 (10^-9 s),
 * opt_endofopt. */
static int write_idb(struct ts_pcapng *w, int dlt)
{
    /* 16 bytes of header and fixed fields, if_tsresol (4 + 1 padded to 4),
     * end of options, trailing length */
    const uint32_t total = 16 + 8 + 4 + 4;
    uint8_t b[32] = {0};
    uint32_t o = 0;
    le32(b + o, TS_PCAPNG_IDB), o += 4;
    le32(b + o, total), o += 4;
    le16(b + o, ts_pcapng_linktype(dlt)), o += 2;
    o += 2; /* reserved */
    le32(b + o, w->snaplen), o += 4;
    le16(b + o, TS_PCAPNG_IF_TSRESOL), o += 2;
    le16(b + o, 1), o += 2;
    b[o] = 9, o += 4; /* value and 3 bytes of padding */
    o += 4;           /* opt_endofopt */
    le32(b + o, total), o += 4;
    assert(o == total);
    return put(w, b, o);
}

struct ts_pcapng *ts_pcapng_open(FILE *f, char *err, size_t errlen)
{
    struct ts_pcapng *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "pcapng: out of memory");
        return NULL;
    }
    w->f = f;
    w->snaplen = DEFAULT_SNAPLEN;
    if (write_shb(w) < 0) {
        snprintf(err, errlen, "pcapng: %s", w->errmsg);
        free(w);
        return NULL;
    }
    return w;
}

void ts_pcapng_set_snaplen(struct ts_pcapng *w, uint32_t snaplen)
{
    w->snaplen = snaplen;
}

static int iface_of(struct ts_pcapng *w, int dlt)
{
    for (int i = 0; i < w->n_ifaces; i++)
        if (w->dlt[i] == dlt)
            return i;
    if (w->n_ifaces == TS_PCAPNG_MAX_IFACES) {
        if (!w->err) {
            w->err = EINVAL;
            snprintf(w->errmsg, sizeof w->errmsg,
                     "link type %d: more than %d link types in one file", dlt,
                     TS_PCAPNG_MAX_IFACES);
        }
        return -1;
    }
    if (write_idb(w, dlt) < 0)
        return -1;
    w->dlt[w->n_ifaces] = dlt;
    return w->n_ifaces++;
}

/* Length of the comment we will write: at most TS_PCAPNG_MAX_COMMENT bytes,
 * never ending inside a UTF-8 sequence. */
static uint32_t comment_len(const char *c)
{
    size_t n = c ? strlen(c) : 0;
    if (n <= TS_PCAPNG_MAX_COMMENT)
        return (uint32_t)n;
    n = TS_PCAPNG_MAX_COMMENT;
    while (n > 0 && ((unsigned char)c[n] & 0xc0) == 0x80)
        n--; /* c[n] continues a character: cut before its lead byte */
    return (uint32_t)n;
}

int ts_pcapng_write(struct ts_pcapng *w, int dlt, uint64_t t_ns,
                    const uint8_t *pkt, uint32_t caplen, uint32_t wirelen,
                    const char *comment)
{
    if (w->err)
        return -1;
    int ifid = iface_of(w, dlt);
    if (ifid < 0)
        return -1;
    uint32_t clen = comment_len(comment);
    uint32_t opts = clen ? 4 + pad4(clen) + 4 : 0;
    /* 28 bytes of header, the data, the options, 4 bytes of trailer */
    if (caplen > UINT32_MAX - 32 - opts - 3) {
        fail(w, EFBIG, "packet too large for a pcapng block");
        return -1;
    }
    uint32_t total = 28 + pad4(caplen) + opts + 4;

    uint8_t h[28];
    le32(h + 0, TS_PCAPNG_EPB);
    le32(h + 4, total);
    le32(h + 8, (uint32_t)ifid);
    le32(h + 12, (uint32_t)(t_ns >> 32));
    le32(h + 16, (uint32_t)t_ns);
    le32(h + 20, caplen);
    le32(h + 24, wirelen);
    put(w, h, sizeof h);
    put(w, pkt, caplen);
    put_zeros(w, pad4(caplen) - caplen);
    if (clen) {
        uint8_t o[4];
        le16(o, TS_PCAPNG_OPT_COMMENT);
        le16(o + 2, (uint16_t)clen);
        put(w, o, 4);
        put(w, comment, clen);
        put_zeros(w, pad4(clen) - clen);
        put_zeros(w, 4); /* opt_endofopt */
    }
    uint8_t t[4];
    le32(t, total);
    int rc = put(w, t, 4);
    if (rc == 0 && w->flush_each && fflush(w->f) != 0) {
        fail(w, errno, "write");
        rc = -1;
    }
    return rc;
}

int ts_pcapng_error(const struct ts_pcapng *w)
{
    return w ? w->err : 0;
}

int ts_pcapng_flush(struct ts_pcapng *w)
{
    if (!w->err && fflush(w->f) != 0)
        fail(w, errno, "write");
    return w->err ? -1 : 0;
}

void ts_pcapng_set_flush_each(struct ts_pcapng *w, bool on)
{
    w->flush_each = on;
}

int ts_pcapng_close(struct ts_pcapng *w, char *err, size_t errlen)
{
    if (!w)
        return 0;
    if (!w->err && fflush(w->f) != 0)
        fail(w, errno, "write");
    if (!w->err && ferror(w->f))
        fail(w, EIO, "write");
    int rc = w->err ? -1 : 0;
    if (rc < 0)
        snprintf(err, errlen, "pcapng: %s", w->errmsg);
    free(w);
    return rc;
}

/* ---- annotations ---------------------------------------------------------- */

/* snprintf-like appender: keeps writing what fits, counts what was needed. */
struct sbuf {
    char *p;
    size_t cap, len;
};

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
    if (b->cap && b->len + 1 < b->cap) {
        size_t room = b->cap - 1 - b->len;
        memcpy(b->p + b->len, s, n < room ? n : room);
    }
    b->len += n;
}

static void sb_puts(struct sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

static void sb_putu(struct sbuf *b, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    sb_putn(b, tmp, (size_t)n);
}

static size_t sb_end(struct sbuf *b)
{
    if (b->cap)
        b->p[b->len < b->cap ? b->len : b->cap - 1] = '\0';
    return b->len;
}

static void sb_sep(struct sbuf *b, bool *first)
{
    if (!*first)
        sb_puts(b, ", ");
    *first = false;
}

size_t ts_annotation(char *buf, size_t len, const struct ts_seg *s,
                     const struct ts_event *ev)
{
    struct sbuf b = {buf, len, 0};
    bool tracked = ev && ev->conn;
    if (tracked) {
        sb_puts(&b, "#");
        sb_putu(&b, ev->conn->id);
        sb_puts(&b, " ");
        sb_puts(&b, ts_role_label((enum ts_role)ev->role));
        if (ev->role == TS_ROLE_RESET) {
            sb_puts(&b, " (");
            sb_puts(&b, ts_rst_reason_name((enum ts_rst_reason)ev->rst_reason));
            sb_puts(&b, ev->dir == TS_C2S ? ", by client)" : ", by server)");
        }
        static const char *const who[2] = {"  client ", "  server "};
        for (int i = 0; i < 2; i++) {
            sb_puts(&b, who[i]);
            if (ev->old_state[i] != ev->new_state[i]) {
                sb_puts(&b, ts_state_name((enum ts_state)ev->old_state[i]));
                sb_puts(&b, "\xe2\x86\x92"); /* U+2192 RIGHTWARDS ARROW */
            }
            sb_puts(&b, ts_state_name((enum ts_state)ev->new_state[i]));
        }
    }

    uint32_t notes = tracked ? ev->notes : 0;
    bool bad_ck = !tracked && s->cksum_state == TS_CK_BAD;
    uint32_t an = s->anomalies & ~(uint32_t)TS_AN_BAD_CKSUM; /* a note already */
    if (notes || an || bad_ck) {
        if (tracked)
            sb_puts(&b, "  ");
        sb_puts(&b, "{");
        bool first = true;
        for (uint32_t bit = 1; bit && bit <= TS_NOTE_LAST; bit <<= 1) {
            if (!(notes & bit))
                continue;
            sb_sep(&b, &first);
            sb_puts(&b, ts_note_name(bit));
            if (bit == TS_NOTE_DUP_ACK) {
                sb_puts(&b, " #");
                sb_putu(&b, ev->dupack_n);
            } else if (bit == TS_NOTE_BAD_ACK || bit == TS_NOTE_BAD_SEQ) {
                /* relative, as in the text output: an expected ack belongs
                 * to the receiver's sequence space, a seq to the sender's */
                const struct ts_conn *c = ev->conn;
                int side = (notes & TS_NOTE_BAD_ACK) ? !ev->dir : ev->dir;
                sb_puts(&b, " (expected ");
                sb_putu(&b, (uint32_t)(ev->expected - c->ep[side].isn));
                sb_puts(&b, ")");
            }
        }
        for (uint32_t bit = 1; bit && bit <= TS_AN_LAST; bit <<= 1) {
            if (!(an & bit))
                continue;
            sb_sep(&b, &first);
            sb_puts(&b, ts_anomaly_name(bit));
        }
        if (bad_ck) {
            sb_sep(&b, &first);
            sb_puts(&b, "bad-checksum");
        }
        sb_puts(&b, "}");
    }
    return sb_end(&b);
}

size_t ts_annotation_bad(char *buf, size_t len, uint32_t anomalies,
                         const char *what)
{
    struct sbuf b = {buf, len, 0};
    sb_puts(&b, "[");
    sb_puts(&b, what);
    for (uint32_t bit = 1; bit && bit <= TS_AN_LAST; bit <<= 1) {
        if (!(anomalies & bit))
            continue;
        sb_puts(&b, ", ");
        sb_puts(&b, ts_anomaly_name(bit));
    }
    sb_puts(&b, "]");
    return sb_end(&b);
}

/* ---- the pcapng sink ------------------------------------------------------- */

struct pcapng_sink {
    struct ts_pcapng *w;
    int err; /* the writer's errno, kept when finish closes it */
    bool annotate;
    char note[2048];
};

/* every frame goes to the file, so it holds what was traced; after a write
 * error the writer refuses more and finish reports it */
static void pcapng_sink_write(struct pcapng_sink *k, const struct ts_frame *f,
                              const char *comment)
{
    assert(f->pkt); /* TS_SINK_BYTES: the engine hands the bytes over */
    ts_pcapng_write(k->w, f->dlt, f->t_ns, f->pkt, f->caplen, f->wirelen, comment);
}

static void pcapng_sink_seg(void *self, const struct ts_frame *f, const struct ts_seg *s,
                            const struct ts_event *ev)
{
    struct pcapng_sink *k = self;
    const char *comment = NULL;
    if (k->annotate && ts_annotation(k->note, sizeof k->note, s, ev) > 0)
        comment = k->note;
    pcapng_sink_write(k, f, comment);
}

static void pcapng_sink_bad(void *self, const struct ts_frame *f, const struct ts_seg *s,
                            const char *what)
{
    struct pcapng_sink *k = self;
    const char *comment = NULL;
    if (k->annotate) {
        ts_annotation_bad(k->note, sizeof k->note, s->anomalies, what);
        comment = k->note;
    }
    pcapng_sink_write(k, f, comment);
}

static void pcapng_sink_other(void *self, const struct ts_frame *f, const struct ts_seg *s)
{
    (void)s;
    pcapng_sink_write(self, f, NULL);
}

static int pcapng_sink_finish(void *self, char *err, size_t errlen)
{
    struct pcapng_sink *k = self;
    ts_pcapng_flush(k->w);
    k->err = ts_pcapng_error(k->w);
    int rc = ts_pcapng_close(k->w, err, errlen);
    k->w = NULL;
    return rc;
}

static void pcapng_sink_free(void *self)
{
    struct pcapng_sink *k = self;
    char err[8];
    ts_pcapng_close(k->w, err, sizeof err);
    free(k);
}

/* the writer's errno, or the one it had when finish closed it */
static int sink_error(const struct pcapng_sink *k)
{
    return k->w ? ts_pcapng_error(k->w) : k->err;
}

static bool pcapng_sink_broken(void *self)
{
    return sink_error(self) != 0;
}

static const struct ts_sink_ops pcapng_ops = {
    .name = "pcapng", .seg = pcapng_sink_seg, .bad = pcapng_sink_bad,
    .other = pcapng_sink_other, .broken = pcapng_sink_broken,
    .finish = pcapng_sink_finish, .free = pcapng_sink_free,
};

int ts_sink_pcapng_error(const struct ts_sink *s)
{
    if (!s || s->ops != &pcapng_ops)
        return 0;
    return sink_error(s->self);
}

int ts_sink_pcapng_flush_each(struct ts_sink *s, bool on)
{
    if (!s || s->ops != &pcapng_ops)
        return -1;
    struct pcapng_sink *k = s->self;
    ts_pcapng_set_flush_each(k->w, on);
    return 0;
}

struct ts_sink *ts_sink_pcapng(FILE *f, bool annotate, uint32_t snaplen, char *err,
                               size_t errlen)
{
    struct pcapng_sink *k = malloc(sizeof *k);
    if (!k) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    k->annotate = annotate;
    k->err = 0;
    if (!(k->w = ts_pcapng_open(f, err, errlen))) {
        free(k);
        return NULL;
    }
    if (snaplen)
        ts_pcapng_set_snaplen(k->w, snaplen);
    struct ts_sink *s = ts_sink_new(&pcapng_ops, k, TS_SINK_BYTES);
    if (!s) {
        pcapng_sink_free(k);
        snprintf(err, errlen, "out of memory");
    }
    return s;
}
