/* Block reads of a classic pcap savefile: see pcapread.h. */
#include "pcapread.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HDR 16u                   /* record header: sec, frac, caplen, len */
#define BLOCK (256u * 1024u)      /* bytes read at once: stays in L2 */
#define MAX_SNAPLEN 262144u

static uint32_t u32_at(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v); /* the file is in this machine's byte order */
    return v;
}

bool pr_open(struct pr_reader *r, int fd, uint32_t snaplen)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    uint8_t h[24];
    if (snaplen == 0 || snaplen > MAX_SNAPLEN || pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h)
        return false;
    uint32_t magic = u32_at(h);
    uint16_t major, minor;
    memcpy(&major, h + 4, 2);
    memcpy(&minor, h + 6, 2);
    if ((magic != 0xa1b2c3d4u && magic != 0xa1b23c4du) || major != 2 || minor != 4)
        return false;
    r->cap = BLOCK + HDR + snaplen;
    r->buf = malloc(r->cap);
    if (!r->buf)
        return false;
    r->fd = fd;
    r->nano = magic == 0xa1b23c4du;
    r->snaplen = snaplen;
    r->off = r->buf_off = 24;
    return true;
}

void pr_close(struct pr_reader *r)
{
    free(r->buf);
    r->buf = NULL;
    r->fd = -1;
}

/* Read the file from r->off on into the buffer; true if at least `need`
 * bytes came. */
static bool fill(struct pr_reader *r, size_t need)
{
    size_t got = 0;
    while (got < need) {
        ssize_t n = pread(r->fd, r->buf + got, r->cap - got, (off_t)(r->off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* the end, or an error: libpcap will say which */
        got += (size_t)n;
    }
    r->buf_off = r->off;
    r->len = got;
    return got >= need;
}

bool pr_next(struct pr_reader *r, struct pr_record *out)
{
    if (r->fd < 0)
        return false;
    size_t pos = (size_t)(r->off - r->buf_off);
    if (r->len - pos < HDR) {
        if (!fill(r, HDR))
            return false;
        pos = 0;
    }
    const uint8_t *h = r->buf + pos;
    uint32_t sec = u32_at(h), frac = u32_at(h + 4);
    uint32_t caplen = u32_at(h + 8), wirelen = u32_at(h + 12);
    /* what libpcap would cut to the snapshot length, or report, and time
     * stamps it would scale past a second: its business.  Seconds are the
     * format's unsigned 32 bits (capture.c takes libpcap's sign-extended
     * ones back the same way). */
    if (caplen > r->snaplen || frac >= (r->nano ? 1000000000u : 1000000u))
        return false;
    if (r->len - pos < HDR + caplen) {
        if (!fill(r, HDR + caplen))
            return false; /* cut short: libpcap reports the truncation */
        h = r->buf;
    }
    out->t_ns = (uint64_t)sec * 1000000000u + (r->nano ? frac : (uint64_t)frac * 1000u);
    out->caplen = caplen;
    out->wirelen = wirelen;
    out->data = h + HDR;
    r->off += HDR + caplen;
    return true;
}
