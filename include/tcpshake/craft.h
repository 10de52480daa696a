/* tcpshake craft: build any TCP segment with libnet, over IPv4 or IPv6.
 *
 * A session owns one libnet context and keeps its protocol-block tags, so the
 * next segment of a connection is a rebuild of the same blocks (options, TCP,
 * IP, Ethernet), not a new context.  Every build hands back the exact bytes
 * libnet assembled; sending writes those same bytes through libnet's writer,
 * and a build-only session (no socket, no privileges) produces them for
 * `--dry-run` and `-w`.  Sending, privileges and look-ups live in inject.h.
 *
 * libnet 1.1.6 is worked around, not trusted (see docs/craft.md):
 * options are padded here, lengths are always rebuilt options -> TCP -> IP,
 * and the sticky checksum mode is reset on every build.
 */
#ifndef TCPSHAKE_CRAFT_H
#define TCPSHAKE_CRAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpshake/decode.h" /* struct ts_addr, TS_TH_*, TS_OPT_* */
#include "tcpshake/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- TCP options -------------------------------------------------------- */

#define TS_CRAFT_OPT_MAX 40   /* option space in a TCP header (RFC 9293 §3.1) */
#define TS_CRAFT_OPT_ROOM 80  /* what a list may hold before it is refused, so an
                              overlong list can be named in the error */

/* An ordered list of TCP options in wire form, not yet padded. */
struct ts_craft_opts {
    uint8_t len;                    /* bytes used in b[] */
    uint8_t n;                      /* options in the list */
    uint8_t off[TS_CRAFT_OPT_ROOM];    /* where each option starts in b[] */
    uint8_t b[TS_CRAFT_OPT_ROOM];
};

TS_API void ts_craft_opts_clear(struct ts_craft_opts *o);

/* Append one option.  Each returns 0, or -1 with a message when the list
 * would not fit in TS_CRAFT_OPT_ROOM or a value is out of range.  Nothing is
 * checked against the 40-byte limit here: see ts_craft_opts_check(). */
TS_API int ts_craft_opts_add_eol(struct ts_craft_opts *o, char *err, size_t errlen);
TS_API int ts_craft_opts_add_nop(struct ts_craft_opts *o, char *err, size_t errlen);
TS_API int ts_craft_opts_add_mss(struct ts_craft_opts *o, uint16_t mss, char *err,
                                 size_t errlen);
TS_API int ts_craft_opts_add_wscale(struct ts_craft_opts *o, uint8_t shift, char *err,
                                    size_t errlen);
TS_API int ts_craft_opts_add_sackok(struct ts_craft_opts *o, char *err, size_t errlen);
/* n blocks of (left, right) edges, 1..4 */
TS_API int ts_craft_opts_add_sack(struct ts_craft_opts *o, const uint32_t (*blocks)[2],
                                  unsigned n, char *err, size_t errlen);
TS_API int ts_craft_opts_add_ts(struct ts_craft_opts *o, uint32_t tsval, uint32_t tsecr,
                                char *err, size_t errlen);
/* Any kind: kind byte, length byte (2 + dlen), then data.  Kinds 0 and 1 are
 * single bytes and take no data. */
TS_API int ts_craft_opts_add_raw(struct ts_craft_opts *o, uint8_t kind, const uint8_t *data,
                                 uint8_t dlen, char *err, size_t errlen);

/* Parse a comma-separated list and append it:
 *   mss=N  wscale=N  sackok  sack=L-R[:L-R...]  ts=VAL:ECR  nop  eol
 *   kind=N[:HEX]    (raw option: kind N with these data bytes)
 *   none            (nothing; only on its own)
 * Returns 0, or -1 with a message naming the item. */
TS_API int ts_craft_opts_parse(struct ts_craft_opts *o, const char *spec, char *err,
                               size_t errlen);

/* 0 if the list fits the header once padded; -1 with a message naming every
 * option and its size when it needs more than 40 bytes. */
TS_API int ts_craft_opts_check(const struct ts_craft_opts *o, char *err, size_t errlen);

/* The padded wire bytes: the list followed by zero bytes (EOL, RFC 9293 §3.1)
 * up to a multiple of 4.  out must hold TS_CRAFT_OPT_MAX bytes.  Returns the
 * padded length, or -1 if ts_craft_opts_check() would fail. */
TS_API int ts_craft_opts_pad(const struct ts_craft_opts *o, uint8_t *out);

/* Short name of a kind ("mss", "sack", "kind-30", ...) into buf. */
TS_API const char *ts_craft_opt_name(uint8_t kind, char *buf, size_t len);

/* ---- segments ----------------------------------------------------------- */

/* Every field of one segment.  Host byte order; addresses as in decode.h. */
struct ts_craft_seg {
    struct ts_addr src, dst;     /* same family, 4 or 6 */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;               /* TS_TH_* in any combination */
    uint16_t win;                /* raw, unscaled */
    uint16_t urp;                /* urgent pointer */
    uint8_t ttl;                 /* TTL / hop limit */
    uint8_t tos;                 /* TOS / traffic class (DSCP + ECN) */
    uint16_t ip_id;              /* IPv4; 0 lets a raw socket's kernel pick */
    bool df;                     /* IPv4 don't-fragment */
    bool bad_cksum;              /* send the right TCP checksum plus one */
    struct ts_craft_opts opt;
    const uint8_t *payload;      /* read during the build only, not kept */
    uint32_t payload_len;
};

/* Defaults: no flags, window 64240, TTL 64, DF, everything else zero. */
TS_API void ts_craft_seg_init(struct ts_craft_seg *s);

/* IP header length for this segment's family: 20 or 40. */
TS_API uint32_t ts_craft_seg_ip_hlen(const struct ts_craft_seg *s);
/* Bytes of the IP packet: IP header + TCP header + padded options + payload,
 * or 0 when the options do not fit. */
TS_API uint32_t ts_craft_seg_ip_len(const struct ts_craft_seg *s);

/* Flag names: "syn", "ack", "fin", "rst", "psh", "urg", "ece", "cwr".
 * Parse a comma-separated list ("syn,ack"; "none" or "" for no flags), or
 * one word of scapy's and tcpdump's letters: F S R P A U E C, '.' for ACK and
 * W for CWR ("SA", "S.", "FPA"; either case; a letter twice is an error). */
TS_API int ts_craft_flags_parse(const char *list, uint8_t *flags, char *err,
                                size_t errlen);
/* "syn,ack" form into buf ("none" for 0). */
TS_API const char *ts_craft_flags_str(uint8_t flags, char *buf, size_t len);

/* ---- sessions ----------------------------------------------------------- */

enum ts_craft_via {
    TS_CRAFT_VIA_BUILD = 0, /* build only: no socket, no privileges (dry run, -w) */
    TS_CRAFT_VIA_RAW,       /* raw IP socket: libnet RAW4 / RAW6 */
    TS_CRAFT_VIA_LINK,      /* link layer on an Ethernet interface: libnet LINK */
};

struct ts_craft_session_cfg {
    enum ts_craft_via via;
    uint8_t family;        /* 4 or 6: every segment of a session has it */
    const char *iface;     /* LINK: the interface; RAW (IPv6 only): bind to it */
    bool ether;            /* Ethernet frames (LINK always; BUILD for -w -i) */
    uint8_t src_mac[6], dst_mac[6];
    bool set_mark;         /* SO_MARK on the socket (needs CAP_NET_ADMIN) */
    uint32_t mark;
    /* LINK: each TCP segment goes with a virtio_net_hdr of GSO size gso_mss
     * (PACKET_VNET_HDR), as packetdrill's tun writes under its --mss: one
     * longer than that is a GSO frame, which the kernel cuts into segments
     * of gso_mss for the device.  0: none. */
    uint16_t gso_mss;
};

/* One assembled frame.  `data` belongs to the session and stays valid until
 * the next build, send or close. */
struct ts_craft_frame {
    const uint8_t *data;
    uint32_t len;
    int dlt;          /* TS_DLT_LINKTYPE_RAW (101) or TS_DLT_EN10MB (1) */
    uint32_t ip_off;  /* where the IP header starts: 0 or 14 */
};

struct ts_craft_session;

/* Open a session (a libnet context; a socket unless BUILD).  Returns NULL
 * with a one-line message on failure.  Privileges are not checked here: see
 * ts_inject_check_privileges() for a friendlier message first. */
TS_API struct ts_craft_session *ts_craft_open(const struct ts_craft_session_cfg *cfg,
                                              char *err, size_t errlen);
TS_API void ts_craft_close(struct ts_craft_session *s);

/* libnet's version, as libnet_version() gives it (--version). */
TS_API const char *ts_craft_lib_version(void);

/* Build the segment by rebuilding the session's blocks.  Returns 0 and fills
 * *f, or -1 with a message (family mismatch, options too long, ...). */
TS_API int ts_craft_build(struct ts_craft_session *s, const struct ts_craft_seg *seg,
                          struct ts_craft_frame *f, char *err, size_t errlen);

/* Send the frame last built (f must come from this session's last build).
 * Returns 0 when sent, 1 when it was not sent but may be tried again (no room
 * in the kernel: ENOBUFS/EAGAIN, or a signal: EINTR), -1 with a message on
 * any other failure. */
TS_API int ts_craft_write(struct ts_craft_session *s, const struct ts_craft_frame *f,
                          char *err, size_t errlen);

/* ts_craft_build() then ts_craft_write(); same return values (-1 for either). */
TS_API int ts_craft_send(struct ts_craft_session *s, const struct ts_craft_seg *seg,
                         struct ts_craft_frame *f, char *err, size_t errlen);

/* Batches, for floods: each frame libnet assembled is copied into the
 * session's queue, and ts_craft_flush() hands the queue to one sendmmsg() on
 * libnet's socket, each frame addressed exactly as libnet's writers address
 * it.  The bytes are the same; only the number of system calls changes. */
#define TS_CRAFT_BATCH 64
/* 0 queued, 1 queue full (flush first), -1 with a message. */
TS_API int ts_craft_queue(struct ts_craft_session *s, const struct ts_craft_frame *f,
                          char *err, size_t errlen);
TS_API unsigned ts_craft_queued(const struct ts_craft_session *s);
/* Send what is queued.  *sent: frames that went out now.  0 when the queue
 * is empty, 1 when frames are left (no room in the kernel, or a signal: call
 * again), -1 with a message. */
TS_API int ts_craft_flush(struct ts_craft_session *s, unsigned *sent, char *err,
                          size_t errlen);

/* The socket (libnet_getfd), -1 for a BUILD session. */
TS_API int ts_craft_fd(const struct ts_craft_session *s);
TS_API enum ts_craft_via ts_craft_session_via(const struct ts_craft_session *s);

/* ---- ICMP errors --------------------------------------------------------- */

/* An ICMP (IPv4) or ICMPv6 error about a TCP segment a host sent: the
 * message goes from src to dst (that host) and quotes the segment's IP
 * header and its first 8 TCP bytes (ports and sequence number), which is
 * what a stack needs to find the connection (RFC 792, RFC 4443, RFC 5927).
 * Host byte order; every address of one family. */
struct ts_craft_icmp {
    struct ts_addr src, dst;
    uint8_t type, code;
    uint32_t mtu;   /* IPv4 type 3 code 4: the next-hop MTU (16 bits);
                       ICMPv6 type 2 (packet too big): the MTU; else 0 */
    uint16_t id;    /* bytes 4-5 when not 0 (an echo's identifier), written after
                       the MTU */
    uint8_t ttl;    /* TTL / hop limit, as given (64 is usual) */
    uint8_t tos;
    /* the quoted segment, as the host sent it */
    struct ts_addr q_src, q_dst;
    uint16_t q_sport, q_dport;
    uint32_t q_seq;
    uint32_t q_len; /* its IP length: IPv4 total length, IPv6 payload length + 40
                       (clamped to what the field holds; 0: headers alone) */
};

/* The IP packet of the message into out (cap bytes): checksums computed.
 * Returns its length, or 0 when cap is too small or the families differ. */
TS_API uint32_t ts_craft_icmp_build(const struct ts_craft_icmp *m, uint8_t *out, uint32_t cap);

/* Send an IP packet built elsewhere (ts_craft_icmp_build) on a RAW or LINK
 * session of its family (LINK: in the session's Ethernet header).  *f is
 * the frame as sent (valid until the next send on the session).  Returns
 * as ts_craft_write. */
TS_API int ts_craft_send_ip(struct ts_craft_session *s, const uint8_t *ip, uint32_t len,
                            struct ts_craft_frame *f, char *err, size_t errlen);

/* ---- randomness --------------------------------------------------------- */

/* Buffered getrandom(): ISNs, ports and IP ids (libnet_get_prand is weak). */
struct ts_craft_rng {
    uint32_t pos;
    uint8_t buf[4096];
};
TS_API void ts_craft_rng_init(struct ts_craft_rng *r);
/* 0 and *v filled, or -1 with errno when the kernel refused. */
TS_API int ts_craft_rng_u32(struct ts_craft_rng *r, uint32_t *v);

/* ---- parsing helpers for front ends -------------------------------------- */

/* "ADDR:PORT", "[V6ADDR]:PORT", or without the port when port_ok allows
 * ("ADDR", "[V6ADDR]", a bare IPv6 address).  *has_port says which.  Returns 0
 * or -1 with a message naming the text. */
TS_API int ts_craft_parse_endpoint(const char *text, bool port_needed,
                                   struct ts_addr *addr, uint16_t *port, bool *has_port,
                                   char *err, size_t errlen);

/* Unsigned number with a range: decimal or 0x hex. */
TS_API int ts_craft_parse_uint(const char *text, uint64_t max, uint64_t *out,
                               char *err, size_t errlen);

/* "aa:bb:cc:dd:ee:ff" (or with '-'). */
TS_API int ts_craft_parse_mac(const char *text, uint8_t mac[6], char *err, size_t errlen);

/* Payload from text with C escapes (\n \r \t \\ \0 \xHH), from "@FILE", or
 * from hex digits (spaces and ':' ignored).  *out is malloc'ed (caller frees;
 * may be NULL when *len is 0).  max: refuse anything longer. */
TS_API int ts_craft_payload_text(const char *text, uint32_t max, uint8_t **out,
                                 uint32_t *len, char *err, size_t errlen);
TS_API int ts_craft_payload_hex(const char *text, uint32_t max, uint8_t **out,
                                uint32_t *len, char *err, size_t errlen);

/* ---- pcap output --------------------------------------------------------- */

/* A classic pcap file (microsecond records), written without libpcap. */
struct ts_craft_pcap;
/* path "-" writes to stdout. */
TS_API struct ts_craft_pcap *ts_craft_pcap_open(const char *path, int dlt, char *err,
                                                size_t errlen);
TS_API int ts_craft_pcap_write(struct ts_craft_pcap *p, uint64_t t_ns, const uint8_t *data,
                               uint32_t len, char *err, size_t errlen);
/* Flushes and closes; -1 with a message if anything failed to be written. */
TS_API int ts_craft_pcap_close(struct ts_craft_pcap *p, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
