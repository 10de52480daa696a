/* Writing crafted frames to a classic pcap file without libpcap (capture.c is
 * the only libpcap user): the 24-byte global header, then a 16-byte record
 * header before each frame, all in our byte order with the standard magic so
 * readers detect it.  Microsecond timestamps, the format every reader knows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpshake/craft.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_SNAPLEN 262144u

struct ts_craft_pcap {
    FILE *f;
    bool is_stdout;
    int error; /* first errno seen */
    char path[256];
};

static void put(struct ts_craft_pcap *p, const void *b, size_t n)
{
    if (p->error)
        return;
    errno = 0;
    if (fwrite(b, 1, n, p->f) != n)
        p->error = errno ? errno : EIO;
}

struct ts_craft_pcap *ts_craft_pcap_open(const char *path, int dlt, char *err,
                                   size_t errlen)
{
    struct ts_craft_pcap *p = calloc(1, sizeof(*p));
    struct {
        uint32_t magic;
        uint16_t major, minor;
        int32_t thiszone;
        uint32_t sigfigs, snaplen, linktype;
    } h = {PCAP_MAGIC_US, 2, 4, 0, 0, PCAP_SNAPLEN, (uint32_t)dlt};

    if (!p) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    snprintf(p->path, sizeof(p->path), "%s", path);
    if (strcmp(path, "-") == 0) {
        p->f = stdout;
        p->is_stdout = true;
    } else {
        p->f = fopen(path, "wb");
        if (!p->f) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            free(p);
            return NULL;
        }
    }
    put(p, &h, sizeof(h));
    if (p->error) {
        snprintf(err, errlen, "%s: %s", path, strerror(p->error));
        if (!p->is_stdout)
            fclose(p->f);
        free(p);
        return NULL;
    }
    return p;
}

int ts_craft_pcap_write(struct ts_craft_pcap *p, uint64_t t_ns, const uint8_t *data,
                     uint32_t len, char *err, size_t errlen)
{
    uint32_t caplen = len > PCAP_SNAPLEN ? PCAP_SNAPLEN : len;
    uint32_t rec[4] = {(uint32_t)(t_ns / 1000000000u),
                       (uint32_t)(t_ns % 1000000000u / 1000u), caplen, len};

    put(p, rec, sizeof(rec));
    put(p, data, caplen);
    if (p->error) {
        snprintf(err, errlen, "%s: %s", p->path, strerror(p->error));
        return -1;
    }
    return 0;
}

int ts_craft_pcap_close(struct ts_craft_pcap *p, char *err, size_t errlen)
{
    int rc = 0;

    if (!p)
        return 0;
    if (fflush(p->f) != 0 && !p->error)
        p->error = errno;
    if (!p->is_stdout && fclose(p->f) != 0 && !p->error)
        p->error = errno;
    if (p->error) {
        snprintf(err, errlen, "%s: %s", p->path, strerror(p->error));
        rc = -1;
    }
    free(p);
    return rc;
}
