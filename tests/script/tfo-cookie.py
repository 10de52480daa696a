#!/usr/bin/env python3
"""The TCP Fast Open cookie a Linux server gives a client, computed apart
from the kernel: SipHash-2-4, keyed with net.ipv4.tcp_fastopen_key (four
32-bit words: k0 = w0 | w1 << 32, k1 = w2 | w3 << 32), of the SYN's source
then destination address (4 bytes each, or 16 for IPv6), the 64-bit result
little-endian.  It checks tfo-cookie.pkt's expected cookie; bench/gtests
gives packetdrill's scripts the cookie of its addresses (-D TFO_COOKIE).

usage: tfo-cookie.py KEY SRC DST   (prints the cookie in hex)
       tfo-cookie.py --check FILE.pkt (the key, the script's addresses and
       the cookie of its SYN+ACK: exit 0 when they agree, 1 otherwise)
"""
import struct, socket, sys
M = (1 << 64) - 1
def rotl(x, b): return ((x << b) | (x >> (64 - b))) & M
def siphash24(k0, k1, data):
    v0 = k0 ^ 0x736f6d6570736575; v1 = k1 ^ 0x646f72616e646f6d
    v2 = k0 ^ 0x6c7967656e657261; v3 = k1 ^ 0x7465646279746573
    def rnd():
        nonlocal v0, v1, v2, v3
        v0 = (v0 + v1) & M; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
        v2 = (v2 + v3) & M; v3 = rotl(v3, 16); v3 ^= v2
        v0 = (v0 + v3) & M; v3 = rotl(v3, 21); v3 ^= v0
        v2 = (v2 + v1) & M; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
    n = len(data); full = n - n % 8
    for i in range(0, full, 8):
        m = struct.unpack_from("<Q", data, i)[0]
        v3 ^= m; rnd(); rnd(); v0 ^= m
    tail = data[full:] + bytes(8 - (n - full)); b = struct.unpack("<Q", tail)[0] | ((n & 0xff) << 56)
    v3 ^= b; rnd(); rnd(); v0 ^= b
    v2 ^= 0xff
    for _ in range(4): rnd()
    return v0 ^ v1 ^ v2 ^ v3
def cookie(key, src, dst):
    u = [int(x, 16) for x in key.split("-")]
    k0 = u[0] | u[1] << 32; k1 = u[2] | u[3] << 32
    fam = socket.AF_INET6 if ":" in src else socket.AF_INET
    h = siphash24(k0, k1, socket.inet_pton(fam, src) + socket.inet_pton(fam, dst))
    return struct.pack("<Q", h).hex()
if sys.argv[1] == "--check":
    import re
    text = open(sys.argv[2]).read()
    key = re.search(r"tcp_fastopen_key=([0-9a-f-]+)", text).group(1)
    local = re.search(r"^--local_ip=(\S+)", text, re.M).group(1)
    remote = re.search(r"^--remote_ip=(\S+)", text, re.M).group(1)
    want = re.search(r">\s+S\.\s.*\bFO ([0-9a-f]+)", text).group(1)
    got = cookie(key, remote, local)  # the SYN goes from the remote
    print(f"cookie {got}, the script's {want}")
    sys.exit(0 if got == want else 1)
print(cookie(*sys.argv[1:4]))
