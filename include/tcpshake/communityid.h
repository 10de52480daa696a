/* tcpshake communityid: the Community ID flow hash, version 1, as Zeek,
 * Suricata, Arkime and Wireshark compute it
 * (https://github.com/corelight/community-id-spec).
 *
 *   "1:" + base64(SHA-1(seed | addr1 | addr2 | proto | 0 | port1 | port2))
 *
 * seed is 2 bytes, addresses 4 (IPv4) or 16 (IPv6) bytes, ports 2 bytes, all
 * in network byte order; proto is one byte followed by one zero byte of
 * padding.  The endpoints are ordered so that the numerically smaller
 * address comes first, the smaller port when the addresses are equal; both
 * directions of a flow therefore give the same ID.
 *
 * Which protocols carry ports (pycommunityid's PORT_PROTOS):
 *   - TCP (6), UDP (17), SCTP (132): the ports as given.
 *   - ICMP (1), ICMPv6 (58): pa is the message type and pb its code, for a
 *     message sent from a to b.  As in Zeek, a request/reply type becomes
 *     the port pair (type, counterpart type) and is ordered like a port
 *     pair (echo request and its reply give one ID); any other type is
 *     one-way: (type, code), endpoints left as given.
 *   - every other protocol: no ports are hashed, pa and pb are ignored.
 *
 * The hashed input is at most 40 bytes, so an ID costs one SHA-1
 * compression plus the base64 step; no allocation.
 */
#ifndef TCPSHAKE_COMMUNITYID_H
#define TCPSHAKE_COMMUNITYID_H

#include <stddef.h>
#include <stdint.h>

#include "tcpshake/decode.h"
#include "tcpshake/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "1:" + 28 base64 characters (20 bytes with one '=' of padding). */
#define TS_COMMUNITY_ID_LEN 30
/* Bytes out must hold: the ID and its terminating NUL. */
#define TS_COMMUNITY_ID_SIZE (TS_COMMUNITY_ID_LEN + 1)

/* Write the version-1 Community ID of the flow between a:pa and b:pb into
 * out (outlen >= TS_COMMUNITY_ID_SIZE).  Returns TS_COMMUNITY_ID_LEN, or -1
 * (out set to "" when outlen > 0) when an argument is NULL, the families
 * are not both 4 or both 6, or out is too small.  Calling it with a and b
 * swapped (and pa, pb swapped) gives the same ID, except for one-way ICMP
 * types, which are directional by definition. */
TS_API int ts_community_id(const struct ts_addr *a, uint16_t pa, const struct ts_addr *b,
                           uint16_t pb, uint8_t proto, uint16_t seed, char *out, size_t outlen);

/* SHA-1 (FIPS 180-4 §6.1), incremental.  Not for anything needing collision
 * resistance: here it is a fixed, shared fingerprint function. */
#define TS_SHA1_DIGEST 20

struct ts_sha1 {
    uint32_t h[5];
    uint64_t nbytes;  /* message length so far */
    uint8_t buf[64];  /* the partial block: nbytes % 64 bytes of it */
};

TS_API void ts_sha1_init(struct ts_sha1 *c);
TS_API void ts_sha1_update(struct ts_sha1 *c, const void *data, size_t len);
/* Pad, finish and write the digest; c must be re-initialised to be reused. */
TS_API void ts_sha1_final(struct ts_sha1 *c, uint8_t digest[TS_SHA1_DIGEST]);
TS_API void ts_sha1(const void *data, size_t len, uint8_t digest[TS_SHA1_DIGEST]);

/* Base64 (RFC 4648 §4: standard alphabet, '=' padding) of len bytes into out
 * with a terminating NUL.  Returns the characters written (4 * ceil(len/3)),
 * or -1 (out set to "" when outlen > 0) when out is too small. */
TS_API int ts_base64(const void *data, size_t len, char *out, size_t outlen);

#ifdef __cplusplus
}
#endif

#endif
