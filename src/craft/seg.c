/* The plain description of a crafted segment: defaults, lengths, and flag
 * names.  Nothing here touches libnet; session.c turns a ts_craft_seg into bytes.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tcpshake/craft.h"

/* Flag names in header bit order (RFC 9293 §3.1, RFC 3168 §6.1). */
static const struct {
    const char *name;
    uint8_t bit;
} flag_names[] = {
    {"fin", TS_TH_FIN}, {"syn", TS_TH_SYN}, {"rst", TS_TH_RST},
    {"psh", TS_TH_PSH}, {"ack", TS_TH_ACK}, {"urg", TS_TH_URG},
    {"ece", TS_TH_ECE}, {"cwr", TS_TH_CWR},
};

void ts_craft_seg_init(struct ts_craft_seg *s)
{
    memset(s, 0, sizeof(*s));
    s->win = 64240; /* what Linux offers on a SYN over Ethernet */
    s->ttl = 64;
    s->df = true;
}

uint32_t ts_craft_seg_ip_hlen(const struct ts_craft_seg *s)
{
    return s->src.family == 6 ? 40u : 20u;
}

uint32_t ts_craft_seg_ip_len(const struct ts_craft_seg *s)
{
    if (s->opt.len > TS_CRAFT_OPT_MAX)
        return 0;
    return ts_craft_seg_ip_hlen(s) + 20u + ((s->opt.len + 3u) & ~3u) +
           s->payload_len;
}

int ts_craft_flags_parse(const char *list, uint8_t *flags, char *err,
                      size_t errlen)
{
    const char *s = list;
    uint8_t f = 0;

    if (*list == '\0' || strcmp(list, "none") == 0) {
        *flags = 0;
        return 0;
    }
    /* one word of letters, as scapy ("SA", "FA") and tcpdump ("S.", "P.")
     * write them: F S R P A U E C, '.' for ACK, W (tcpdump's CWR) */
    if (!strchr(list, ',') && list[strspn(list, "FSRPAUECWfsrpauecw.")] == '\0') {
        bool name = false;
        for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
            name = name || strcasecmp(list, flag_names[i].name) == 0;
        if (!name) {
            static const char letters[] = "FSRPAUECW.";
            static const uint8_t bits[] = {TS_TH_FIN, TS_TH_SYN, TS_TH_RST, TS_TH_PSH,
                                           TS_TH_ACK, TS_TH_URG, TS_TH_ECE, TS_TH_CWR,
                                           TS_TH_CWR, TS_TH_ACK};
            for (s = list; *s; s++) {
                char u = *s >= 'a' && *s <= 'z' ? (char)(*s - 'a' + 'A') : *s;
                const char *at = strchr(letters, u);
                if (!at) /* not reached: the strspn above */
                    return -1;
                uint8_t b = bits[at - letters];
                if (f & b) {
                    snprintf(err, errlen, "tcp flags '%s': '%c' given twice", list, *s);
                    return -1;
                }
                f |= b;
            }
            *flags = f;
            return 0;
        }
    }
    for (;;) {
        size_t n = strcspn(s, ",");
        size_t i;

        for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
            if (strlen(flag_names[i].name) == n &&
                strncasecmp(s, flag_names[i].name, n) == 0)
                break;
        }
        if (i == sizeof(flag_names) / sizeof(flag_names[0])) {
            snprintf(err, errlen, "tcp flags '%s': unknown flag '%.*s' "
                     "(syn, ack, fin, rst, psh, urg, ece, cwr; or letters: SA, S., FPA)",
                     list, (int)n,
                     s);
            return -1;
        }
        f |= flag_names[i].bit;
        if (s[n] == '\0')
            break;
        s += n + 1;
    }
    *flags = f;
    return 0;
}

const char *ts_craft_flags_str(uint8_t flags, char *buf, size_t len)
{
    size_t used = 0;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (flags == 0) {
        snprintf(buf, len, "none");
        return buf;
    }
    /* SYN first, then the rest in bit order: reads like "syn,ack". */
    static const uint8_t order[] = {TS_TH_SYN, TS_TH_FIN, TS_TH_RST, TS_TH_PSH,
                                    TS_TH_ACK, TS_TH_URG, TS_TH_ECE, TS_TH_CWR};
    for (size_t k = 0; k < sizeof(order); k++) {
        if (!(flags & order[k]))
            continue;
        for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]);
             i++) {
            if (flag_names[i].bit == order[k] && used < len)
                used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                         used ? "," : "", flag_names[i].name);
        }
    }
    return buf;
}
