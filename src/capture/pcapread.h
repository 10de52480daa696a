/* Block reads of a classic pcap savefile (internal to capture.c).
 *
 * libpcap reads a savefile through stdio, two freads and a copy per
 * record; on a regular file the records can instead be read straight out
 * of large blocks.  This reader only takes the records it can hand over
 * exactly as libpcap would (same bytes, same lengths, same time stamp);
 * at the first one it cannot -- a caplen above the snapshot length, a time
 * stamp libpcap would have to scale or sign-extend, a record cut short, a
 * read error, the end of the file -- it stops, and capture.c carries on
 * with libpcap from that record's offset.  So libpcap still judges every
 * odd record and writes every error message.
 */
#ifndef TCPSHAKE_PCAPREAD_H
#define TCPSHAKE_PCAPREAD_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct pr_reader {
    int fd;
    uint64_t off;     /* file offset of the next record */
    uint8_t *buf;     /* file bytes [buf_off, buf_off + len) */
    size_t cap, len;
    uint64_t buf_off;
    uint32_t snaplen; /* libpcap's snapshot length: longer records go to it */
    bool nano;        /* time stamps in nanoseconds (else microseconds) */
};

struct pr_record {
    uint64_t t_ns;
    uint32_t caplen, wirelen;
    const uint8_t *data; /* valid until the next pr_next */
};

/* Set *r up to read the records of the savefile open on fd, whose first
 * record is at offset 24, if its header is one this reader handles (pcap
 * 2.4, this machine's byte order) and snaplen (libpcap's snapshot length)
 * is at most 262144.  false: leave the file to libpcap. */
bool pr_open(struct pr_reader *r, int fd, uint32_t snaplen);

/* The next record, or false: libpcap must read on from r->off. */
bool pr_next(struct pr_reader *r, struct pr_record *out);

void pr_close(struct pr_reader *r);

#endif
