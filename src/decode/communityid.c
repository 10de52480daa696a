/* Community ID v1 (see communityid.h), with its own SHA-1 and base64 so
 * that tcpshake keeps libpcap as its only library.
 *
 * SHA-1 follows FIPS 180-4: §5.1.1 padding, §5.3.1 initial hash value,
 * §6.1.2 the 80-step compression with the §4.1.1 functions and §4.2.1
 * constants, the message schedule kept in a 16-word ring.
 */
#include "tcpshake/communityid.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

/* ---- SHA-1 ----------------------------------------------------------------- */

static const uint32_t sha1_h0[5] = {
    0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u,
};

static inline uint32_t rotl(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* W[t] for t >= 16, in place in the ring: W[t-3] ^ W[t-8] ^ W[t-14] ^ W[t-16]
 * rotated left by one. */
#define SCHED(w, t) \
    ((w)[(t) & 15] = rotl((w)[((t) + 13) & 15] ^ (w)[((t) + 8) & 15] ^ \
                          (w)[((t) + 2) & 15] ^ (w)[(t) & 15], 1))

#define STEP(f, k, wt)                                          \
    do {                                                        \
        uint32_t tmp_ = rotl(a, 5) + (f) + e + (k) + (wt);      \
        e = d;                                                  \
        d = c;                                                  \
        c = rotl(b, 30);                                        \
        b = a;                                                  \
        a = tmp_;                                               \
    } while (0)

static void sha1_block(uint32_t h[5], const uint8_t p[64])
{
    uint32_t w[16];
    for (int t = 0; t < 16; t++)
        w[t] = load_be32(p + 4 * t);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    int t = 0;
    for (; t < 16; t++)
        STEP((b & c) | (~b & d), 0x5a827999u, w[t]);         /* Ch */
    for (; t < 20; t++)
        STEP((b & c) | (~b & d), 0x5a827999u, SCHED(w, t));
    for (; t < 40; t++)
        STEP(b ^ c ^ d, 0x6ed9eba1u, SCHED(w, t));           /* Parity */
    for (; t < 60; t++)
        STEP((b & c) | (b & d) | (c & d), 0x8f1bbcdcu, SCHED(w, t)); /* Maj */
    for (; t < 80; t++)
        STEP(b ^ c ^ d, 0xca62c1d6u, SCHED(w, t));
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void ts_sha1_init(struct ts_sha1 *c)
{
    memcpy(c->h, sha1_h0, sizeof c->h);
    c->nbytes = 0;
}

void ts_sha1_update(struct ts_sha1 *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t fill = (size_t)(c->nbytes % 64);
    c->nbytes += len;
    if (fill) {
        size_t take = 64 - fill < len ? 64 - fill : len;
        memcpy(c->buf + fill, p, take);
        p += take;
        len -= take;
        if (fill + take < 64)
            return;
        sha1_block(c->h, c->buf);
    }
    for (; len >= 64; p += 64, len -= 64)
        sha1_block(c->h, p);
    if (len)
        memcpy(c->buf, p, len);
}

void ts_sha1_final(struct ts_sha1 *c, uint8_t digest[TS_SHA1_DIGEST])
{
    uint64_t bits = c->nbytes * 8;
    size_t fill = (size_t)(c->nbytes % 64);
    c->buf[fill++] = 0x80;
    if (fill > 56) { /* no room for the length: one more block */
        memset(c->buf + fill, 0, 64 - fill);
        sha1_block(c->h, c->buf);
        fill = 0;
    }
    memset(c->buf + fill, 0, 56 - fill);
    store_be32(c->buf + 56, (uint32_t)(bits >> 32));
    store_be32(c->buf + 60, (uint32_t)bits);
    sha1_block(c->h, c->buf);
    for (int i = 0; i < 5; i++)
        store_be32(digest + 4 * i, c->h[i]);
}

void ts_sha1(const void *data, size_t len, uint8_t digest[TS_SHA1_DIGEST])
{
    struct ts_sha1 c;
    ts_sha1_init(&c);
    ts_sha1_update(&c, data, len);
    ts_sha1_final(&c, digest);
}

/* ---- base64 ---------------------------------------------------------------- */

static const char b64[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int ts_base64(const void *data, size_t len, char *out, size_t outlen)
{
    if (len > (size_t)(INT_MAX / 4 - 1) * 3 || outlen < (len + 2) / 3 * 4 + 1) {
        if (outlen)
            out[0] = '\0';
        return -1;
    }
    const uint8_t *p = data;
    char *o = out;
    for (; len >= 3; p += 3, len -= 3) {
        uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
        *o++ = b64[v >> 18];
        *o++ = b64[(v >> 12) & 63];
        *o++ = b64[(v >> 6) & 63];
        *o++ = b64[v & 63];
    }
    if (len) {
        uint32_t v = (uint32_t)p[0] << 16 | (len == 2 ? (uint32_t)p[1] << 8 : 0);
        *o++ = b64[v >> 18];
        *o++ = b64[(v >> 12) & 63];
        *o++ = len == 2 ? b64[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    return (int)(o - out);
}

/* ---- Community ID ---------------------------------------------------------- */

enum { P_ICMP = 1, P_TCP = 6, P_UDP = 17, P_ICMP6 = 58, P_SCTP = 132 };

/* Zeek's ICMP4_counterpart / ICMP6_counterpart as pycommunityid tabulates
 * them: the reply type paired with a request type and back.  false: a
 * one-way type. */
static bool icmp_counterpart(uint8_t proto, uint16_t type, uint16_t *counter)
{
    static const uint8_t v4[][2] = {
        {8, 0},   /* echo / echo reply */
        {13, 14}, /* timestamp */
        {15, 16}, /* information */
        {10, 9},  /* router solicitation / advertisement */
        {17, 18}, /* address mask */
    };
    static const uint8_t v6[][2] = {
        {128, 129}, /* echo */
        {130, 131}, /* MLD listener query / report */
        {133, 134}, /* router solicitation / advertisement */
        {135, 136}, /* neighbor solicitation / advertisement */
        {139, 140}, /* node information (who-are-you) */
        {144, 145}, /* home agent address discovery */
    };
    const uint8_t(*m)[2] = proto == P_ICMP ? v4 : v6;
    size_t n = proto == P_ICMP ? sizeof v4 / sizeof v4[0] : sizeof v6 / sizeof v6[0];
    for (size_t i = 0; i < n; i++) {
        if (type == m[i][0]) {
            *counter = m[i][1];
            return true;
        }
        if (type == m[i][1]) {
            *counter = m[i][0];
            return true;
        }
    }
    return false;
}

int ts_community_id(const struct ts_addr *a, uint16_t pa, const struct ts_addr *b, uint16_t pb,
                    uint8_t proto, uint16_t seed, char *out, size_t outlen)
{
    if (!out || outlen < TS_COMMUNITY_ID_SIZE || !a || !b || a->family != b->family ||
        (a->family != 4 && a->family != 6)) {
        if (out && outlen)
            out[0] = '\0';
        return -1;
    }
    size_t alen = a->family == 4 ? 4 : 16;

    bool ports = proto == P_TCP || proto == P_UDP || proto == P_SCTP || proto == P_ICMP ||
                 proto == P_ICMP6;
    bool one_way = false; /* a one-way ICMP type: the endpoints stay as given */
    if (proto == P_ICMP || proto == P_ICMP6) {
        uint16_t counter;
        if (icmp_counterpart(proto, pa, &counter))
            pb = counter; /* (type, counterpart): ordered like ports */
        else
            one_way = true; /* (type, code) */
    }
    if (!one_way) {
        int cmp = memcmp(a->a, b->a, alen);
        if (cmp > 0 || (cmp == 0 && ports && pa > pb)) {
            const struct ts_addr *ta = a;
            a = b;
            b = ta;
            uint16_t tp = pa;
            pa = pb;
            pb = tp;
        }
    }

    /* The whole input is at most 2 + 16 + 16 + 1 + 1 + 2 + 2 = 40 bytes:
     * pad it into one block by hand (FIPS 180-4 §5.1.1) and compress once. */
    uint8_t blk[64];
    memset(blk, 0, sizeof blk);
    size_t n = 0;
    blk[n++] = (uint8_t)(seed >> 8);
    blk[n++] = (uint8_t)seed;
    memcpy(blk + n, a->a, alen);
    n += alen;
    memcpy(blk + n, b->a, alen);
    n += alen;
    blk[n++] = proto;
    blk[n++] = 0;
    if (ports) {
        blk[n++] = (uint8_t)(pa >> 8);
        blk[n++] = (uint8_t)pa;
        blk[n++] = (uint8_t)(pb >> 8);
        blk[n++] = (uint8_t)pb;
    }
    blk[n] = 0x80;
    blk[62] = (uint8_t)((n * 8) >> 8);
    blk[63] = (uint8_t)(n * 8);

    uint32_t h[5];
    memcpy(h, sha1_h0, sizeof h);
    sha1_block(h, blk);
    uint8_t digest[TS_SHA1_DIGEST];
    for (int i = 0; i < 5; i++)
        store_be32(digest + 4 * i, h[i]);

    out[0] = '1';
    out[1] = ':';
    return 2 + ts_base64(digest, sizeof digest, out + 2, outlen - 2);
}
