/* TCP options for crafted segments: an ordered list kept in wire form, built
 * by one appender per kind or parsed from "mss=1460,wscale=7,sackok,...".
 * We pad the list ourselves (libnet 1.1.6 pads by reading past a one-byte
 * array) and refuse more than 40 bytes with a message naming every option.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "tcpshake/craft.h"

void ts_craft_opts_clear(struct ts_craft_opts *o)
{
    memset(o, 0, sizeof(*o));
}

const char *ts_craft_opt_name(uint8_t kind, char *buf, size_t len)
{
    const char *n = NULL;

    switch (kind) {
    case TS_OPT_EOL: n = "eol"; break;
    case TS_OPT_NOP: n = "nop"; break;
    case TS_OPT_MSS: n = "mss"; break;
    case TS_OPT_WSCALE: n = "wscale"; break;
    case TS_OPT_SACKOK: n = "sackok"; break;
    case TS_OPT_SACK: n = "sack"; break;
    case TS_OPT_TS: n = "ts"; break;
    case TS_OPT_MPTCP: n = "mptcp"; break;
    case TS_OPT_TFO: n = "tfo"; break;
    default: break;
    }
    if (n)
        snprintf(buf, len, "%s", n);
    else
        snprintf(buf, len, "kind-%u", (unsigned)kind);
    return buf;
}

/* Append one option in wire form: kind, then (for kinds other than EOL/NOP)
 * a length byte covering kind + length + data. */
static int opts_append(struct ts_craft_opts *o, uint8_t kind, const uint8_t *data,
                       uint8_t dlen, char *err, size_t errlen)
{
    char name[16];
    unsigned need = (kind == TS_OPT_EOL || kind == TS_OPT_NOP) ? 1u : 2u + dlen;

    if (kind <= TS_OPT_NOP && dlen) {
        snprintf(err, errlen, "tcp option %s takes no data",
                 ts_craft_opt_name(kind, name, sizeof(name)));
        return -1;
    }
    if (need > TS_CRAFT_OPT_MAX) {
        snprintf(err, errlen, "tcp option %s: %u bytes, more than the %d of a "
                 "TCP header", ts_craft_opt_name(kind, name, sizeof(name)), need,
                 TS_CRAFT_OPT_MAX);
        return -1;
    }
    if (o->len + need > TS_CRAFT_OPT_ROOM || o->n >= TS_CRAFT_OPT_ROOM) {
        snprintf(err, errlen, "tcp options: far more than %d bytes "
                 "(adding %s)", TS_CRAFT_OPT_MAX,
                 ts_craft_opt_name(kind, name, sizeof(name)));
        return -1;
    }
    o->off[o->n++] = o->len;
    o->b[o->len++] = kind;
    if (need > 1) {
        o->b[o->len++] = (uint8_t)need;
        if (dlen)
            memcpy(o->b + o->len, data, dlen);
        o->len += dlen;
    }
    return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int ts_craft_opts_add_eol(struct ts_craft_opts *o, char *err, size_t errlen)
{
    return opts_append(o, TS_OPT_EOL, NULL, 0, err, errlen);
}

int ts_craft_opts_add_nop(struct ts_craft_opts *o, char *err, size_t errlen)
{
    return opts_append(o, TS_OPT_NOP, NULL, 0, err, errlen);
}

int ts_craft_opts_add_mss(struct ts_craft_opts *o, uint16_t mss, char *err,
                       size_t errlen)
{
    uint8_t d[2];

    put16(d, mss);
    return opts_append(o, TS_OPT_MSS, d, sizeof(d), err, errlen);
}

int ts_craft_opts_add_wscale(struct ts_craft_opts *o, uint8_t shift, char *err,
                          size_t errlen)
{
    /* Shifts above 14 are clamped by receivers (RFC 7323 §2.3) but still
     * worth sending when asked: crafting is for odd segments too. */
    return opts_append(o, TS_OPT_WSCALE, &shift, 1, err, errlen);
}

int ts_craft_opts_add_sackok(struct ts_craft_opts *o, char *err, size_t errlen)
{
    return opts_append(o, TS_OPT_SACKOK, NULL, 0, err, errlen);
}

int ts_craft_opts_add_sack(struct ts_craft_opts *o, const uint32_t (*blocks)[2],
                        unsigned n, char *err, size_t errlen)
{
    uint8_t d[8 * 4];

    if (n < 1 || n > 4) {
        snprintf(err, errlen, "tcp option sack: %u blocks (1 to 4 fit)", n);
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        put32(d + 8 * i, blocks[i][0]);
        put32(d + 8 * i + 4, blocks[i][1]);
    }
    return opts_append(o, TS_OPT_SACK, d, (uint8_t)(8 * n), err, errlen);
}

int ts_craft_opts_add_ts(struct ts_craft_opts *o, uint32_t tsval, uint32_t tsecr,
                      char *err, size_t errlen)
{
    uint8_t d[8];

    put32(d, tsval);
    put32(d + 4, tsecr);
    return opts_append(o, TS_OPT_TS, d, sizeof(d), err, errlen);
}

int ts_craft_opts_add_raw(struct ts_craft_opts *o, uint8_t kind, const uint8_t *data,
                       uint8_t dlen, char *err, size_t errlen)
{
    return opts_append(o, kind, data, dlen, err, errlen);
}

int ts_craft_opts_check(const struct ts_craft_opts *o, char *err, size_t errlen)
{
    char name[16];
    size_t used;

    if (o->len <= TS_CRAFT_OPT_MAX)
        return 0;
    used = (size_t)snprintf(err, errlen, "tcp options: %u bytes, more than %d:",
                            (unsigned)o->len, TS_CRAFT_OPT_MAX);
    for (unsigned i = 0; i < o->n && used < errlen; i++) {
        unsigned end = i + 1 < o->n ? o->off[i + 1] : o->len;
        used += (size_t)snprintf(err + used, errlen - used, " %s(%u)",
                                 ts_craft_opt_name(o->b[o->off[i]], name,
                                                sizeof(name)),
                                 end - o->off[i]);
    }
    return -1;
}

int ts_craft_opts_pad(const struct ts_craft_opts *o, uint8_t *out)
{
    unsigned padded = (o->len + 3u) & ~3u;

    if (o->len > TS_CRAFT_OPT_MAX)
        return -1;
    memcpy(out, o->b, o->len);
    memset(out + o->len, 0, padded - o->len);
    return (int)padded;
}

/* ---- the text form ------------------------------------------------------ */

/* A number of [s, end) up to max; on failure, why says so when the text is
 * there (an empty one is the caller's shape error). */
static int parse_u32(const char *s, const char *end, uint64_t max,
                     uint64_t *out, char *why, size_t whylen)
{
    char buf[24];
    size_t n = (size_t)(end - s);

    if (n == 0)
        return -1;
    if (n >= sizeof(buf)) {
        snprintf(why, whylen, "'%.*s...': not a number from 0 to %llu", 12, s,
                 (unsigned long long)max);
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    /* the one number parser of every option (decimal or 0x) */
    return ts_craft_parse_uint(buf, max, out, why, whylen);
}


/* One item of the list, [s, end). */
static int parse_item(struct ts_craft_opts *o, const char *s, const char *end,
                      char *err, size_t errlen)
{
    const char *eq = memchr(s, '=', (size_t)(end - s));
    size_t klen = (size_t)((eq ? eq : end) - s);
    const char *v = eq ? eq + 1 : end;
    uint64_t a, b;
    int n = (int)(end - s);
    char why[96] = "";

#define KEY(k) (klen == sizeof(k) - 1 && memcmp(s, k, klen) == 0)
    if (KEY("nop") && !eq)
        return ts_craft_opts_add_nop(o, err, errlen);
    if (KEY("eol") && !eq)
        return ts_craft_opts_add_eol(o, err, errlen);
    if (KEY("sackok") && !eq)
        return ts_craft_opts_add_sackok(o, err, errlen);
    if (KEY("mss") && eq) {
        if (parse_u32(v, end, 0xffff, &a, why, sizeof why) < 0)
            goto bad;
        return ts_craft_opts_add_mss(o, (uint16_t)a, err, errlen);
    }
    if (KEY("wscale") && eq) {
        if (parse_u32(v, end, 0xff, &a, why, sizeof why) < 0)
            goto bad;
        return ts_craft_opts_add_wscale(o, (uint8_t)a, err, errlen);
    }
    if (KEY("ts") && eq) {
        const char *c = memchr(v, ':', (size_t)(end - v));
        if (!c || parse_u32(v, c, UINT32_MAX, &a, why, sizeof why) < 0 ||
            parse_u32(c + 1, end, UINT32_MAX, &b, why, sizeof why) < 0)
            goto bad;
        return ts_craft_opts_add_ts(o, (uint32_t)a, (uint32_t)b, err, errlen);
    }
    if (KEY("sack") && eq) {
        uint32_t blocks[4][2];
        unsigned nb = 0;
        const char *p = v;

        while (p < end) {
            const char *c = memchr(p, ':', (size_t)(end - p));
            const char *bend = c ? c : end;
            const char *dash = memchr(p, '-', (size_t)(bend - p));
            if (!dash || nb == 4 || parse_u32(p, dash, UINT32_MAX, &a, why, sizeof why) < 0 ||
                parse_u32(dash + 1, bend, UINT32_MAX, &b, why, sizeof why) < 0)
                goto bad;
            blocks[nb][0] = (uint32_t)a;
            blocks[nb][1] = (uint32_t)b;
            nb++;
            p = c ? c + 1 : end;
        }
        if (nb == 0)
            goto bad;
        return ts_craft_opts_add_sack(o, (const uint32_t(*)[2])blocks, nb, err,
                                   errlen);
    }
    if (KEY("kind") && eq) {
        const char *c = memchr(v, ':', (size_t)(end - v));
        uint8_t data[TS_CRAFT_OPT_MAX];
        unsigned dlen = 0;

        if (parse_u32(v, c ? c : end, 0xff, &a, why, sizeof why) < 0)
            goto bad;
        if (c) {
            const char *p = c + 1;
            if ((end - p) % 2)
                goto bad;
            for (; p < end; p += 2) {
                int hi = ts_craft_hexval(p[0]), lo = ts_craft_hexval(p[1]);
                if (hi < 0 || lo < 0 || dlen >= TS_CRAFT_OPT_MAX - 2)
                    goto bad;
                data[dlen++] = (uint8_t)(hi << 4 | lo);
            }
        }
        return ts_craft_opts_add_raw(o, (uint8_t)a, data, (uint8_t)dlen, err,
                                  errlen);
    }
#undef KEY
bad:
    if (why[0]) {
        snprintf(err, errlen, "tcp option '%.*s': %s", n, s, why);
        return -1;
    }
    snprintf(err, errlen, "tcp option '%.*s': expected mss=N, wscale=N, "
             "sackok, sack=L-R[:L-R...], ts=VAL:ECR, nop, eol or kind=N[:HEX]",
             n, s);
    return -1;
}

int ts_craft_opts_parse(struct ts_craft_opts *o, const char *spec, char *err,
                     size_t errlen)
{
    const char *s = spec;

    if (strcmp(spec, "none") == 0)
        return 0;
    if (*spec == '\0') {
        snprintf(err, errlen, "tcp options: empty list (use 'none')");
        return -1;
    }
    for (;;) {
        const char *end = strchr(s, ',');
        if (!end)
            end = s + strlen(s);
        if (end == s) {
            snprintf(err, errlen, "tcp options '%s': empty item", spec);
            return -1;
        }
        if (parse_item(o, s, end, err, errlen) < 0)
            return -1;
        if (*end == '\0')
            break;
        s = end + 1;
    }
    return ts_craft_opts_check(o, err, errlen);
}
