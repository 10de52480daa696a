/* tcpshake pcapng: write traced frames to a pcapng file, each with a packet
 * comment saying what tcpshake made of it, so Wireshark shows the role and
 * both endpoints' states beside the packet.
 *
 * libpcap's dumper writes only pcap, which has no place for a comment, so the
 * few blocks we need are written here (pcapng, draft-ietf-opsawg-pcapng):
 * one Section Header Block, one Interface Description Block per link type
 * (written before the first packet of that link type, with if_tsresol = 9:
 * nanoseconds), and one Enhanced Packet Block per frame with an opt_comment.
 * Every block is little-endian (the byte-order magic says so) and every
 * option is padded to 32 bits.  The frame bytes are copied unchanged.
 */
#ifndef TCPSHAKE_PCAPNG_H
#define TCPSHAKE_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tcpshake/decode.h"
#include "tcpshake/export.h"
#include "tcpshake/track.h"

#ifdef __cplusplus
extern "C" {
#endif

/* pcapng block types and option codes we write. */
enum {
    TS_PCAPNG_SHB = 0x0A0D0D0Au,
    TS_PCAPNG_IDB = 0x00000001u,
    TS_PCAPNG_EPB = 0x00000006u,
    TS_PCAPNG_BOM = 0x1A2B3C4Du,
    TS_PCAPNG_OPT_END = 0,
    TS_PCAPNG_OPT_COMMENT = 1,
    TS_PCAPNG_SHB_USERAPPL = 4,
    TS_PCAPNG_IF_TSRESOL = 9,
};

/* The longest comment an option can hold (its length is 16 bits).  Longer
 * comments are cut at a UTF-8 character boundary. */
#define TS_PCAPNG_MAX_COMMENT 65535u

/* Link types one file may hold: one interface per link type. */
#define TS_PCAPNG_MAX_IFACES 16

struct ts_pcapng;

/* Start a pcapng file on f (opened for binary writing; the caller keeps it
 * and closes it after ts_pcapng_close).  Writes the Section Header Block.
 * NULL with a message in err on failure. */
TS_API struct ts_pcapng *ts_pcapng_open(FILE *f, char *err, size_t errlen);

/* The snap length recorded in Interface Description Blocks written from now
 * on (default 262144, libpcap's largest; 0 means "no limit"). */
TS_API void ts_pcapng_set_snaplen(struct ts_pcapng *w, uint32_t snaplen);

/* Each packet flushed to the file as it is written (tcpdump -U): a file
 * written from a live capture grows frame by frame, for a reader that
 * follows it. */
TS_API void ts_pcapng_set_flush_each(struct ts_pcapng *w, bool on);

/* One frame: dlt as pcap_datalink() gives it (mapped to its LINKTYPE_ value
 * for the file), capture time in ns since the epoch, the captured bytes and
 * the original length.  comment: UTF-8, NULL or "" for none.  Writes an IDB
 * first when dlt is new.  0, or -1 after a write error or with a 17th link
 * type (the error is kept; ts_pcapng_close reports it, later writes fail). */
TS_API int ts_pcapng_write(struct ts_pcapng *w, int dlt, uint64_t t_ns,
                           const uint8_t *pkt, uint32_t caplen, uint32_t wirelen,
                           const char *comment);

/* Write out what is buffered.  0, or -1 after a write error (kept). */
TS_API int ts_pcapng_flush(struct ts_pcapng *w);

/* The first errno a write of this file met (EPIPE: its reader went away),
 * or 0. */
TS_API int ts_pcapng_error(const struct ts_pcapng *w);

/* Flush and free the writer (not the FILE).  0, or -1 with the first error
 * of this file's life in err. */
TS_API int ts_pcapng_close(struct ts_pcapng *w, char *err, size_t errlen);

/* The LINKTYPE_ number written for a pcap_datalink() value: DLT_RAW (12, or
 * 14 on OpenBSD) is LINKTYPE_RAW (101) in files; the others we decode are
 * the same in both spaces. */
TS_API uint16_t ts_pcapng_linktype(int dlt);

/* ---- annotations ---------------------------------------------------------- */

/* The comment for one TCP segment, in the words of the text output after the
 * lengths: "#1 handshake 1/3  client CLOSED→SYN_SENT  server LISTEN", then
 * "  {notes}" when there are notes or decoder anomalies.  Reset roles carry
 * "(reason, by side)", bad-ack / bad-seq their relative expected value,
 * dup-ack its number.  ev may be NULL (or ev->conn NULL): then only the notes.
 * Always UTF-8 (the arrow is U+2192).  Writes at most len bytes including the
 * NUL; returns the length it needed, like snprintf. */
TS_API size_t ts_annotation(char *buf, size_t len, const struct ts_seg *s,
                            const struct ts_event *ev);

/* The comment for a frame that is not a decodable TCP segment but worth a
 * line in the trace: "[what, anomaly, ...]", as the text output prints it. */
TS_API size_t ts_annotation_bad(char *buf, size_t len, uint32_t anomalies,
                                const char *what);

#ifdef __cplusplus
}
#endif
#endif
