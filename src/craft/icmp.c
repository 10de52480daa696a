/* ICMP and ICMPv6 error messages quoting a TCP segment: see craft.h. */
#include <string.h>

#include "tcpshake/craft.h"

static uint32_t sum16(const uint8_t *p, uint32_t n)
{
    uint32_t s = 0;
    for (; n >= 2; p += 2, n -= 2)
        s += (uint32_t)p[0] << 8 | p[1];
    if (n)
        s += (uint32_t)p[0] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* an IP header of `len` bytes in all (IPv4 total / IPv6 payload + 40) */
static uint32_t ip_header(uint8_t *p, uint8_t family, const struct ts_addr *src,
                          const struct ts_addr *dst, uint8_t proto, uint32_t len, uint8_t ttl,
                          uint8_t tos)
{
    if (family == 4) {
        memset(p, 0, 20);
        p[0] = 0x45;
        p[1] = tos;
        put16(p + 2, (uint16_t)len);
        p[6] = 0x40; /* DF */
        p[8] = ttl;
        p[9] = proto;
        memcpy(p + 12, src->a, 4);
        memcpy(p + 16, dst->a, 4);
        put16(p + 10, fold(sum16(p, 20)));
        return 20;
    }
    memset(p, 0, 40);
    p[0] = (uint8_t)(0x60 | tos >> 4);
    p[1] = (uint8_t)(tos << 4);
    put16(p + 4, (uint16_t)(len - 40));
    p[6] = proto;
    p[7] = ttl;
    memcpy(p + 8, src->a, 16);
    memcpy(p + 24, dst->a, 16);
    return 40;
}

uint32_t ts_craft_icmp_build(const struct ts_craft_icmp *m, uint8_t *out, uint32_t cap)
{
    uint8_t fam = m->src.family;
    if ((fam != 4 && fam != 6) || m->dst.family != fam || m->q_src.family != fam ||
        m->q_dst.family != fam)
        return 0;
    uint32_t hl = fam == 4 ? 20 : 40;
    uint32_t total = hl + 8 + hl + 8; /* IP, ICMP header, quoted IP header, 8 TCP bytes */
    if (cap < total)
        return 0;
    ip_header(out, fam, &m->src, &m->dst, fam == 4 ? 1 : 58, total, m->ttl, m->tos);
    uint8_t *ic = out + hl;
    memset(ic, 0, 8);
    ic[0] = m->type;
    ic[1] = m->code;
    if (fam == 4 && m->type == 3 && m->code == 4)
        put16(ic + 6, (uint16_t)m->mtu);
    else if (fam == 6 && m->type == 2)
        put32(ic + 4, m->mtu);
    if (m->id)
        put16(ic + 4, m->id);
    uint32_t qlen = m->q_len ? m->q_len : hl + 20;
    if (qlen > 65535u + (fam == 6 ? 40u : 0u))
        qlen = 65535u + (fam == 6 ? 40u : 0u);
    /* the quoted header as the host sent it (TTL 64, no TOS) */
    ip_header(ic + 8, fam, &m->q_src, &m->q_dst, 6, qlen, 64, 0);
    uint8_t *tcp = ic + 8 + hl;
    put16(tcp, m->q_sport);
    put16(tcp + 2, m->q_dport);
    put32(tcp + 4, m->q_seq);
    uint32_t ilen = total - hl;
    uint32_t s = sum16(ic, ilen);
    if (fam == 6) /* RFC 4443 §2.3: the pseudo-header of RFC 8200 §8.1 */
        s += sum16(m->src.a, 16) + sum16(m->dst.a, 16) + ilen + 58;
    put16(ic + 2, fold(s));
    return total;
}
