/* Text to values for front ends: endpoints ("198.18.0.1:80",
 * "[2001:db8::1]:80"), numbers, MAC addresses and payloads (text with C
 * escapes, hex, or @FILE).  Each fills a caller's error buffer with the text
 * it could not take.  Names are never resolved: no DNS behind the user's back.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include <sys/stat.h>

#include "tcpshake/craft.h"

int ts_craft_parse_uint(const char *text, uint64_t max, uint64_t *out,
                     char *err, size_t errlen)
{
    char *end;
    unsigned long long v;
    /* decimal, or hexadecimal after 0x: never octal (strtoull's base 0
     * reads 010 as 8), never a sign or leading blanks (strtoull skips
     * them and takes -1 as 2^64 - 1) */
    bool hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    const char *digits = hex ? text + 2 : text;

    errno = 0;
    if (!(hex ? isxdigit((unsigned char)*digits) : isdigit((unsigned char)*digits)))
        goto bad;
    v = strtoull(digits, &end, hex ? 16 : 10);
    if (errno || *end || v > max)
        goto bad;
    *out = v;
    return 0;
bad:
    snprintf(err, errlen, "'%s': not a number from 0 to %llu", text,
             (unsigned long long)max);
    return -1;
}

static int parse_port(const char *text, const char *whole, uint16_t *port,
                      char *err, size_t errlen)
{
    char *end;
    unsigned long v;

    errno = 0;
    if (*text < '0' || *text > '9')
        goto bad;
    v = strtoul(text, &end, 10);
    if (errno || *end || v > 65535)
        goto bad;
    *port = (uint16_t)v;
    return 0;
bad:
    snprintf(err, errlen, "bad port in '%s': '%s' (0 to 65535)", whole, text);
    return -1;
}

static int parse_addr(const char *s, size_t n, int family, struct ts_addr *a)
{
    char buf[64];

    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    memset(a, 0, sizeof(*a));
    if (inet_pton(family == 4 ? AF_INET : AF_INET6, buf, a->a) != 1)
        return -1;
    a->family = (uint8_t)family;
    return 0;
}

int ts_craft_parse_endpoint(const char *text, bool port_needed,
                         struct ts_addr *addr, uint16_t *port, bool *has_port,
                         char *err, size_t errlen)
{
    const char *colon = strchr(text, ':');

    *has_port = false;
    *port = 0;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || parse_addr(text + 1, (size_t)(close - text - 1), 6,
                                 addr) < 0) {
            snprintf(err, errlen, "bad address '%s': expected [IPv6]:PORT",
                     text);
            return -1;
        }
        if (close[1] == ':') {
            *has_port = true;
            if (parse_port(close + 2, text, port, err, errlen) < 0)
                return -1;
        } else if (close[1] != '\0') {
            snprintf(err, errlen, "bad address '%s': expected [IPv6]:PORT",
                     text);
            return -1;
        }
    } else if (colon && strchr(colon + 1, ':')) {
        /* several colons and no brackets: a bare IPv6 address */
        if (parse_addr(text, strlen(text), 6, addr) < 0) {
            snprintf(err, errlen, "bad address '%s': IPv6 with a port is "
                     "written [ADDR]:PORT", text);
            return -1;
        }
    } else {
        size_t n = colon ? (size_t)(colon - text) : strlen(text);
        if (parse_addr(text, n, 4, addr) < 0) {
            snprintf(err, errlen, "bad address '%s': expected IPv4 ADDR:PORT "
                     "or [IPv6]:PORT (names are not resolved)", text);
            return -1;
        }
        if (colon) {
            *has_port = true;
            if (parse_port(colon + 1, text, port, err, errlen) < 0)
                return -1;
        }
    }
    if (port_needed && !*has_port) {
        snprintf(err, errlen, "'%s' has no port: write %s", text,
                 addr->family == 4 ? "ADDR:PORT" : "[ADDR]:PORT");
        return -1;
    }
    return 0;
}


int ts_craft_parse_mac(const char *text, uint8_t mac[6], char *err, size_t errlen)
{
    const char *p = text;

    for (int i = 0; i < 6; i++) {
        int hi = ts_craft_hexval(p[0]), lo = ts_craft_hexval(p[1]);
        if (hi < 0 || lo < 0)
            goto bad;
        mac[i] = (uint8_t)(hi << 4 | lo);
        p += 2;
        if (i < 5) {
            if (*p != ':' && *p != '-')
                goto bad;
            p++;
        }
    }
    if (*p == '\0')
        return 0;
bad:
    snprintf(err, errlen, "bad MAC address '%s': expected aa:bb:cc:dd:ee:ff",
             text);
    return -1;
}

static int read_file(const char *path, uint32_t max, uint8_t **out,
                     uint32_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;

    if (!f) {
        snprintf(err, errlen, "payload file %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "payload file %s: is a directory", path);
        fclose(f);
        return -1;
    }
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                snprintf(err, errlen, "payload file %s: %s", path,
                         strerror(errno));
                goto fail;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n > max) {
            snprintf(err, errlen, "payload file %s: more than %u bytes", path,
                     (unsigned)max);
            goto fail;
        }
        if (got == 0) {
            if (ferror(f)) {
                snprintf(err, errlen, "payload file %s: %s", path,
                         errno ? strerror(errno) : "read error");
                goto fail;
            }
            break;
        }
    }
    fclose(f);
    if (n == 0) {
        free(buf);
        buf = NULL;
    }
    *out = buf;
    *len = (uint32_t)n;
    return 0;
fail:
    fclose(f);
    free(buf);
    return -1;
}

int ts_craft_payload_text(const char *text, uint32_t max, uint8_t **out,
                       uint32_t *len, char *err, size_t errlen)
{
    size_t tl = strlen(text);
    uint8_t *buf;
    uint32_t n = 0;

    *out = NULL;
    *len = 0;
    if (text[0] == '@')
        return read_file(text + 1, max, out, len, err, errlen);
    if (tl == 0)
        return 0;
    buf = malloc(tl);
    if (!buf) {
        snprintf(err, errlen, "payload: %s", strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < tl; i++) {
        uint8_t c = (uint8_t)text[i];
        if (c == '\\') {
            if (i + 1 >= tl)
                goto bad;
            switch (text[++i]) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case '0': c = '\0'; break;
            case '\\': c = '\\'; break;
            case 'x': {
                int hi = i + 1 < tl ? ts_craft_hexval(text[i + 1]) : -1;
                int lo = i + 2 < tl ? ts_craft_hexval(text[i + 2]) : -1;
                if (hi < 0 || lo < 0)
                    goto bad;
                c = (uint8_t)(hi << 4 | lo);
                i += 2;
                break;
            }
            default:
                goto bad;
            }
        }
        buf[n++] = c;
    }
    if (n > max) {
        snprintf(err, errlen, "payload: %u bytes, more than %u", (unsigned)n,
                 (unsigned)max);
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
bad:
    snprintf(err, errlen, "payload '%s': bad escape (\\n \\r \\t \\0 \\\\ "
             "\\xHH)", text);
    free(buf);
    return -1;
}

int ts_craft_payload_hex(const char *text, uint32_t max, uint8_t **out,
                      uint32_t *len, char *err, size_t errlen)
{
    size_t tl = strlen(text);
    uint8_t *buf;
    uint32_t n = 0;
    int hi = -1;

    *out = NULL;
    *len = 0;
    if (strncmp(text, "0x", 2) == 0)
        text += 2, tl -= 2;
    buf = malloc(tl / 2 + 1);
    if (!buf) {
        snprintf(err, errlen, "payload: %s", strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < tl; i++) {
        int v;
        if (text[i] == ' ' || text[i] == ':')
            continue;
        v = ts_craft_hexval(text[i]);
        if (v < 0)
            goto bad;
        if (hi < 0) {
            hi = v;
        } else {
            buf[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0)
        goto bad;
    if (n > max) {
        snprintf(err, errlen, "payload: %u bytes, more than %u", (unsigned)n,
                 (unsigned)max);
        free(buf);
        return -1;
    }
    if (n == 0) {
        free(buf);
        buf = NULL;
    }
    *out = buf;
    *len = n;
    return 0;
bad:
    snprintf(err, errlen, "hex payload '%s': expected pairs of hex digits",
             text);
    free(buf);
    return -1;
}
