/* libFuzzer target for ts_decode.  The first input byte picks the link type
 * (low nibble) and how the record's wire length relates to its captured
 * length (high nibble); the rest is the frame.  Besides "no crash, no read
 * past the capture" (ASan), the decoded segment is checked for the promises
 * made in decode.h; a broken promise aborts so the fuzzer keeps the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "tcpshake/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = {
    TS_DLT_NULL,      TS_DLT_EN10MB,       TS_DLT_RAW,    TS_DLT_RAW_ALT,
    TS_DLT_LOOP,      TS_DLT_LINUX_SLL,    TS_DLT_LINKTYPE_RAW,
    TS_DLT_IPV4,      TS_DLT_IPV6,         TS_DLT_LINUX_SLL2,
    -1, /* unsupported */
};

static void check(bool ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > UINT32_MAX)
        return 0;
    int dlt = dlts[(data[0] & 0x0f) % (sizeof dlts / sizeof dlts[0])];
    uint32_t caplen = (uint32_t)(size - 1);
    uint32_t wirelen;
    switch (data[0] >> 4) {
    case 0: /* a damaged record: wire shorter than captured */
        wirelen = caplen / 2;
        break;
    case 1: /* cut by a snaplen */
        wirelen = caplen + 1000;
        break;
    case 2: /* a TSO-sized frame */
        wirelen = caplen + 70000;
        break;
    default:
        wirelen = caplen;
        break;
    }

    struct ts_seg s;
    enum ts_decode_status st =
        ts_decode(dlt, data + 1, caplen, wirelen, true, &s);

    check(st <= TS_DEC_BAD_LINK);
    check(ts_dlt_supported(dlt) == (st != TS_DEC_BAD_LINK));
    check(s.caplen == caplen && s.wirelen == wirelen);
    for (uint32_t b = 1; b; b <<= 1)
        check(!(s.anomalies & b) || ts_anomaly_name(b) != NULL);
    check(s.ntun <= TS_MAX_TUN);
    if (s.ipver != 0) {
        char buf[64];
        check(s.ipver == s.src.family && s.ipver == s.dst.family);
        check(ts_addr_str(&s.src, buf, sizeof buf)[0] != '\0');
        check(ts_addr_cmp(&s.src, &s.src) == 0);
    }
    if ((s.cksum_state == TS_CK_BAD) != !!(s.anomalies & TS_AN_BAD_CKSUM))
        abort();
    if (st != TS_DEC_TCP)
        return 0;

    uint32_t len = caplen < wirelen ? caplen : wirelen;
    check(s.ipver == 4 || s.ipver == 6);
    check(s.doff >= 20 && s.doff <= 60 && s.doff % 4 == 0);
    check(s.payload_caplen <= s.payload_len);
    check(s.payload_caplen == 0 || s.payload_off + s.payload_caplen <= len);
    check((s.payload_caplen < s.payload_len) ==
          !!(s.anomalies & TS_AN_SHORT_CAP));
    check(s.opt.n <= TS_MAX_OPTS);
    check(s.opt.raw_len <= s.doff - 20);
    check(s.opt.sack_n <= TS_MAX_SACK);
    check(s.opt.tfo_len <= TS_MAX_TFO_COOKIE);
    unsigned end = 0;
    for (unsigned i = 0; i < s.opt.n; i++) {
        const struct ts_opt_item *it = &s.opt.items[i];
        check(it->offset == end); /* in order, back to back */
        end = it->offset + it->len;
        check(end <= s.opt.raw_len);
    }
    if (s.cksum_state != TS_CK_UNCHECKED)
        check(s.payload_caplen == s.payload_len);
    return 0;
}
