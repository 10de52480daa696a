#!/usr/bin/env python3
"""Write a classic pcap of a SYN flood: N TCP SYNs, one per source, to one server.

  syn-flood.py OUT.pcap N [SEED]

Every record is Ethernet + IPv4 + a 24-byte TCP header (an MSS option), from a
distinct (address, port) in 198.18.0.0/15 (198.19.0.0/24 left out) to
198.19.0.1:80, with correct IP and TCP checksums and timestamps 1 us apart.
The sources are a seeded permutation, so no two SYNs share a 4-tuple and a
tracer has to hold N half-open connections at once: the memory benchmark
divides its peak RSS by N.  The whole flood spans N us, well under any
idle timeout a tracer would apply to SYN_SENT.

Only struct and bytearray: each record is a template patched in place, the
checksums are the template's constant partial sums plus the varying words
(RFC 1071), and records are written in large blocks.
"""
import random
import struct
import sys

LINKTYPE_ETHERNET = 1
SNAPLEN = 65535
ETH = bytes.fromhex("020000000002" "020000000001" "0800")  # dst, src MAC, IPv4
IP_LEN = 20 + 24                                          # IPv4 + TCP with MSS
FRAME = len(ETH) + IP_LEN                                 # 58 bytes on the wire
REC = 16 + FRAME                                          # pcap record header + frame

# Sources: every address of 198.18.0.0/15 except 198.19.0.0/24 (the server's
# /24), times every non-privileged port.  A source is an index into that
# space; index = (A * i + B) mod SPACE is a bijection because A is a prime
# that divides neither factor of SPACE (2^18 * 3^2 * 7^2 * 73).
ADDRS = (1 << 17) - 256
PORTS = 65536 - 1024
SPACE = ADDRS * PORTS
A = 2654435761
NET = (198 << 24) | (18 << 16)
DST = (198 << 24) | (19 << 16) | 1
DPORT = 80
MSS = 1460
WINDOW = 64240
T0 = 1700000000                                           # 2023-11-14 22:13:20 UTC

BLOCK = 1 << 16                                           # records per write


def fold(s):
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return s


def template():
    """One record with every constant field set and the varying ones zero."""
    rec = bytearray(REC)
    struct.pack_into("<II", rec, 8, FRAME, FRAME)          # caplen, wire length
    rec[16:16 + len(ETH)] = ETH
    ip = 16 + len(ETH)
    # version/IHL, TOS, total length, id, DF, TTL, protocol TCP, checksum, src, dst
    struct.pack_into("!BBHHHBBHII", rec, ip, 0x45, 0, IP_LEN, 0, 0x4000, 64, 6, 0, 0, DST)
    tcp = ip + 20
    # sport, dport, seq, ack, data offset 6 words + SYN, window, checksum, urgent,
    # MSS option (kind 2, length 4, value)
    struct.pack_into("!HHIIHHHHBBH", rec, tcp, 0, DPORT, 0, 0, (6 << 12) | 0x02,
                     WINDOW, 0, 0, 2, 4, MSS)
    return rec


def main(argv):
    if len(argv) not in (3, 4):
        sys.stderr.write("usage: syn-flood.py OUT.pcap N [SEED]\n")
        return 2
    out = argv[1]
    try:
        n = int(argv[2])
        seed = int(argv[3]) if len(argv) == 4 else 1
    except ValueError:
        sys.stderr.write("syn-flood.py: N and SEED must be integers\n")
        return 2
    if not 0 <= n <= SPACE:
        sys.stderr.write(f"syn-flood.py: N must be between 0 and {SPACE}\n")
        return 2

    rng = random.Random(seed)
    offset = rng.randrange(SPACE)
    isn_key = rng.getrandbits(32) | 1

    # Constant parts of the checksums.  IP: 4500, length, DF, TTL/protocol,
    # destination; varying: id, source.  TCP: pseudo-header destination,
    # protocol, TCP length; header dport, offset/flags, window, MSS option;
    # varying: source address, sport, seq.
    ip_const = 0x4500 + IP_LEN + 0x4000 + (64 << 8 | 6) + (DST >> 16) + (DST & 0xFFFF)
    tcp_const = ((DST >> 16) + (DST & 0xFFFF) + 6 + 24 + DPORT + ((6 << 12) | 0x02)
                 + WINDOW + 0x0204 + MSS)

    ip = 16 + len(ETH)
    tcp = ip + 20
    ts_pack = struct.Struct("<II").pack_into
    # From the IP id to the TCP checksum, in one pack per record.
    hdr_pack = struct.Struct("!HHBBHIIHHIIHHH").pack_into
    blank = template()

    with open(out, "wb") as f:
        # Classic pcap, little-endian, microsecond timestamps.
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, LINKTYPE_ETHERNET))
        for start in range(0, n, BLOCK):
            count = min(BLOCK, n - start)
            buf = blank * count
            base = 0
            for i in range(start, start + count):
                idx = (A * i + offset) % SPACE
                host = idx % ADDRS
                if host >= 1 << 16:
                    host += 256                          # skip 198.19.0.0/24
                src = NET | host
                sport = 1024 + idx // ADDRS
                seq = (i * 0x9E3779B1 ^ isn_key) & 0xFFFFFFFF
                ipid = i & 0xFFFF
                s_hi = src >> 16
                s_lo = src & 0xFFFF
                ipsum = 0xFFFF - fold(ip_const + ipid + s_hi + s_lo)
                tsum = 0xFFFF - fold(tcp_const + s_hi + s_lo + sport + (seq >> 16) + (seq & 0xFFFF))
                ts_pack(buf, base, T0 + i // 1000000, i % 1000000)
                hdr_pack(buf, base + ip + 4, ipid, 0x4000, 64, 6, ipsum, src, DST,
                         sport, DPORT, seq, 0, (6 << 12) | 0x02, WINDOW, tsum)
                base += REC
            f.write(buf)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
