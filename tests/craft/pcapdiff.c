/* craft_pcapdiff: do two pcap files hold the same frames, byte for byte?
 *
 *   craft_pcapdiff [--ip] GOT.pcap EXPECTED.pcap...
 *
 * The expected frames are those of the EXPECTED files one after another.
 * --ip compares from the IP header on (Ethernet headers are dropped), so a
 * raw-IP file written by `tcpshake craft -w` can be held against what
 * tcpdump captured on the peer's veth.  Prints the first difference and
 * exits 1, or "N frames identical" and exits 0; 2 on unreadable input.
 * Reads only classic little-endian pcap, as written on this machine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct frames {
    uint32_t n;
    uint8_t *data[4096];
    uint32_t len[4096];
};

/* Append the frames of path to fr. */
static int load(const char *path, int ip_only, struct frames *fr)
{
    FILE *f = fopen(path, "rb");
    uint8_t gh[24], rh[16];
    uint32_t magic, dlt;

    if (!f) {
        perror(path);
        return -1;
    }
    if (fread(gh, 1, 24, f) != 24)
        goto bad;
    memcpy(&magic, gh, 4);
    memcpy(&dlt, gh + 20, 4);
    if (magic != 0xa1b2c3d4u && magic != 0xa1b23c4du)
        goto bad;
    if (dlt != 1 && dlt != 101) {
        fprintf(stderr, "%s: link type %u not handled\n", path, dlt);
        fclose(f);
        return -1;
    }
    while (fread(rh, 1, 16, f) == 16) {
        uint32_t incl;
        uint8_t *b;
        memcpy(&incl, rh + 8, 4);
        if (incl > 262144 || fr->n == 4096)
            goto bad;
        b = malloc(incl ? incl : 1);
        if (!b || fread(b, 1, incl, f) != incl) {
            free(b);
            goto bad;
        }
        uint32_t skip = (ip_only && dlt == 1) ? 14 : 0;
        if (skip > incl)
            skip = incl;
        memmove(b, b + skip, incl - skip);
        fr->data[fr->n] = b;
        fr->len[fr->n] = incl - skip;
        fr->n++;
    }
    fclose(f);
    return 0;
bad:
    fprintf(stderr, "%s: not a pcap file this tool reads\n", path);
    fclose(f);
    return -1;
}

int main(int argc, char **argv)
{
    static struct frames a, b;
    int ip_only = 0, i = 1, rc = 0;

    if (argc > 1 && strcmp(argv[1], "--ip") == 0) {
        ip_only = 1;
        i++;
    }
    if (argc - i < 2) {
        fprintf(stderr, "usage: craft_pcapdiff [--ip] GOT EXPECTED...\n");
        return 2;
    }
    if (load(argv[i], ip_only, &b) < 0)
        return 2;
    for (int k = i + 1; k < argc; k++)
        if (load(argv[k], ip_only, &a) < 0)
            return 2;
    if (a.n != b.n) {
        printf("frame counts differ: %u expected, %u got\n", a.n, b.n);
        rc = 1;
    }
    for (uint32_t k = 0; k < a.n && k < b.n && rc == 0; k++) {
        if (a.len[k] != b.len[k]) {
            printf("frame %u: %u bytes expected, %u got\n", k + 1, a.len[k],
                   b.len[k]);
            rc = 1;
            break;
        }
        for (uint32_t j = 0; j < a.len[k]; j++) {
            if (a.data[k][j] != b.data[k][j]) {
                printf("frame %u: byte %u: %02x expected, %02x got\n", k + 1,
                       j, a.data[k][j], b.data[k][j]);
                rc = 1;
                break;
            }
        }
    }
    if (rc == 0)
        printf("%u frames identical\n", a.n);
    for (uint32_t k = 0; k < a.n; k++)
        free(a.data[k]);
    for (uint32_t k = 0; k < b.n; k++)
        free(b.data[k]);
    return rc;
}
