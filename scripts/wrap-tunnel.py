#!/usr/bin/python3
"""Wrap a recorded TCP connection in tunnel encapsulations (captures/tunnel/).

  wrap-tunnel.py [INDIR [OUTDIR]]     (both default to captures/tunnel)
  wrap-tunnel.py --raw ETH.pcap RAW.pcap
  wrap-tunnel.py --list

The first form reads INDIR/inner4.pcap and INDIR/inner6.pcap, real kernel
connections recorded as raw IP (link type 101) by
scripts/make-tunnel-captures, and writes one Ethernet pcap per tunnel kind
to OUTDIR: every inner packet, byte for byte, wrapped in that kind's
headers (built with scapy), with the inner packet's own timestamp.  The
output depends on the inner captures alone (no randomness, no clock): the
outer fields that a real tunnel would vary (IPv4 IDs, GRE and GTP sequence
numbers, ERSPAN timestamps) count per direction or derive from the frame's
timestamp, so running it again on the committed inner captures gives the
committed files byte for byte.

The client side of the connection (port 40000) sits behind tunnel endpoint
198.18.30.2 / 2001:db8:30::2 (MAC 02:00:00:00:1e:02), the server side
(port 7777) behind 198.18.30.1 / 2001:db8:30::1 (MAC 02:00:00:00:1e:01).
Tunnels that carry Ethernet give the inner frames MACs 02:00:00:00:15:02
(client) and 02:00:00:00:15:01 (server).

--raw cuts the Ethernet header off every frame of an Ethernet capture and
writes the IP packets as link type 101 (LINKTYPE_RAW), timestamps kept.

Needs python3-scapy (Debian's package lives in /usr/bin/python3's path,
hence that interpreter rather than a pyenv one).
"""
import os
import struct
import sys
import zlib

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
SPORT = 7777                    # the server's port: tells the direction


# --- pcap in and out (timestamps kept exactly: no float round trip) --------

def read_pcap(path):
    """(linktype, [(sec, frac, nanosecond?, data)]) of a classic pcap."""
    with open(path, "rb") as f:
        blob = f.read()
    magic = blob[:4]
    table = {b"\xd4\xc3\xb2\xa1": ("<", False), b"\xa1\xb2\xc3\xd4": (">", False),
             b"\x4d\x3c\xb2\xa1": ("<", True), b"\xa1\xb2\x3c\x4d": (">", True)}
    if magic not in table:
        sys.exit(f"wrap-tunnel: {path}: not a classic pcap file")
    order, nano = table[magic]
    link = struct.unpack(order + "I", blob[20:24])[0] & 0x0fffffff
    recs, off = [], 24
    while off + 16 <= len(blob):
        sec, frac, incl, orig = struct.unpack(order + "IIII", blob[off:off + 16])
        data = blob[off + 16:off + 16 + incl]
        if incl != orig or len(data) != incl:
            sys.exit(f"wrap-tunnel: {path}: a truncated record at byte {off}")
        recs.append((sec, frac, nano, data))
        off += 16 + incl
    if off != len(blob):
        sys.exit(f"wrap-tunnel: {path}: trailing bytes")
    return link, recs


def write_pcap(path, link, recs):
    nano = any(r[2] for r in recs)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D if nano else 0xA1B2C3D4,
                            2, 4, 0, 0, 262144, link))
        for sec, frac, _, data in recs:
            f.write(struct.pack("<IIII", sec, frac, len(data), len(data)))
            f.write(data)


def to_raw(src, dst):
    link, recs = read_pcap(src)
    if link != LINKTYPE_ETHERNET:
        sys.exit(f"wrap-tunnel: {src}: link type {link}, want Ethernet")
    out = []
    for sec, frac, nano, data in recs:
        etype = struct.unpack("!H", data[12:14])[0]
        if etype not in (0x0800, 0x86DD):
            sys.exit(f"wrap-tunnel: {src}: a frame of type {etype:#06x}, want IP only")
        out.append((sec, frac, nano, data[14:]))
    write_pcap(dst, LINKTYPE_RAW, out)


# --- the tunnels -------------------------------------------------------------

try:
    from scapy.all import conf, Ether, Dot1Q, Dot1AD, IP, IPv6, UDP, GRE, \
        PPPoE, PPP, Raw
    from scapy.contrib.mpls import MPLS, EoMCW
    from scapy.contrib.erspan import ERSPAN_I, ERSPAN_II, ERSPAN_III, \
        ERSPAN_PlatformSpecific
    from scapy.contrib.geneve import GENEVE, GeneveOptions
    from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer
    from scapy.layers.vxlan import VXLAN
except ImportError:
    if sys.argv[1:2] not in (["--raw"], ["--list"], ["-h"], ["--help"]):
        sys.exit("wrap-tunnel: needs scapy (apt-get install python3-scapy; "
                 "run it with /usr/bin/python3)")

CMAC, SMAC = "02:00:00:00:15:02", "02:00:00:00:15:01"     # inner Ethernet
CTEP, STEP = "02:00:00:00:1e:02", "02:00:00:00:1e:01"     # tunnel endpoints
C4, S4 = "198.18.30.2", "198.18.30.1"
C6, S6 = "2001:db8:30::2", "2001:db8:30::1"


class Pkt:
    """One inner packet and what the wrappers need to know about it."""

    def __init__(self, n, data, count):
        self.n = n                      # frame number, from 0
        self.data = data                # the raw inner IP packet
        self.v6 = data[0] >> 4 == 6
        if self.v6:
            sport, dport = struct.unpack("!HH", data[40:44])
        else:
            ihl = (data[0] & 15) * 4
            sport, dport = struct.unpack("!HH", data[ihl:ihl + 4])
        self.c2s = dport == SPORT
        self.k = count[self.c2s]        # this direction's packet number, from 0
        count[self.c2s] += 1
        self.out_c2s, self.out_k = self.c2s, self.k     # the outer headers'

    def one_way(self):
        """Outer headers all from the client-side endpoint (a mirror session
        sends everything one way), numbered across both directions."""
        self.out_c2s, self.out_k = True, self.n
        return self

    @property
    def ethertype(self):
        return 0x86DD if self.v6 else 0x0800

    def ether(self):
        """The inner packet in an Ethernet frame (for L2 tunnels)."""
        src, dst = (CMAC, SMAC) if self.c2s else (SMAC, CMAC)
        return Ether(src=src, dst=dst, type=self.ethertype) / Raw(self.data)

    def inner(self):
        return Raw(self.data)


def eth(p, etype=None):
    src, dst = (CTEP, STEP) if p.out_c2s else (STEP, CTEP)
    return Ether(src=src, dst=dst) if etype is None else Ether(src=src, dst=dst, type=etype)


def ip4(p, proto):
    """Outer IPv4 between the tunnel endpoints: DF, TTL 64, IDs counting up
    per direction (a fixed base each way)."""
    src, dst = (C4, S4) if p.out_c2s else (S4, C4)
    return IP(src=src, dst=dst, proto=proto, ttl=64, flags="DF",
              id=(0x1000 if p.out_c2s else 0x2000) + p.out_k)


def ip6(p, nh):
    src, dst = (C6, S6) if p.out_c2s else (S6, C6)
    return IPv6(src=src, dst=dst, nh=nh, hlim=64)


def entropy_port(p):
    """A source port from the inner flow, fixed per direction, as VXLAN and
    Geneve endpoints choose theirs (a hash in 49152-65535)."""
    return 49152 + zlib.crc32(b"c2s" if p.c2s else b"s2c") % 16384


def ts_100us(sec, frac, nano):
    """ERSPAN III timestamp: 100 us units (granularity 0), 32 bits."""
    us = sec * 1000000 + (frac // 1000 if nano else frac)
    return (us // 100) & 0xFFFFFFFF


# Each maker: (inner family, function(p, ts) -> the whole frame, description)
def vlan1(p, ts):
    return eth(p) / Dot1Q(vlan=100, type=p.ethertype) / p.inner()


def qinq(p, ts):
    return eth(p) / Dot1AD(vlan=200) / Dot1Q(vlan=100, type=p.ethertype) / p.inner()


def vlan3(p, ts):
    return (eth(p) / Dot1AD(vlan=300) / Dot1Q(vlan=200) /
            Dot1Q(vlan=100, type=p.ethertype) / p.inner())


def qinq_9100(p, ts):
    # the old pre-802.1ad QinQ type: 0x9100 outer tag, 0x8100 inner
    return eth(p, 0x9100) / Dot1Q(vlan=200, type=0x8100) / Dot1Q(vlan=100, type=p.ethertype) / p.inner()


def mpls(p, ts):
    return eth(p, 0x8847) / MPLS(label=100 if p.c2s else 200, s=1, ttl=64) / p.inner()


def mpls3(p, ts):
    base = 16000 if p.c2s else 26000
    return (eth(p, 0x8847) / MPLS(label=base + 1, s=0, ttl=64) /
            MPLS(label=base + 2, s=0, ttl=64) / MPLS(label=base + 3, s=1, ttl=64) /
            p.inner())


def mpls_pw(p, ts):
    # Ethernet pseudowire (RFC 4448) with the control word; sequence unused (0)
    return (eth(p, 0x8847) / MPLS(label=300 if p.c2s else 400, s=1, ttl=64) /
            EoMCW(seq=0) / p.ether())


def pppoe(p, ts):
    return (eth(p, 0x8864) / PPPoE(version=1, type=1, code=0, sessionid=0x002A) /
            PPP(proto=0x0057 if p.v6 else 0x0021) / p.inner())


def ipip(p, ts):
    return eth(p, 0x0800) / ip4(p, 41 if p.v6 else 4) / p.inner()


def ip6ip(p, ts):
    return eth(p, 0x86DD) / ip6(p, 41 if p.v6 else 4) / p.inner()


def gre(p, ts):
    return eth(p, 0x0800) / ip4(p, 47) / GRE(proto=p.ethertype) / p.inner()


def gre_key(p, ts):
    return (eth(p, 0x0800) / ip4(p, 47) /
            GRE(key_present=1, key=42, proto=p.ethertype) / p.inner())


def gre_csum_key_seq(p, ts):
    # over IPv6; scapy fills in the GRE checksum
    return (eth(p, 0x86DD) / ip6(p, 47) /
            GRE(chksum_present=1, key_present=1, seqnum_present=1,
                key=42, seqence_number=p.k + 1, proto=p.ethertype) / p.inner())


def gre_teb(p, ts):
    return eth(p, 0x0800) / ip4(p, 47) / GRE(proto=0x6558) / p.ether()


def erspan1(p, ts):
    # type I: GRE type 0x88be without the sequence bit, no ERSPAN header.
    # ERSPAN mirrors both directions from one switch to one collector.
    p.one_way()
    return eth(p, 0x0800) / ip4(p, 47) / GRE(proto=0x88BE) / ERSPAN_I() / p.ether()


def erspan2(p, ts):
    # en=0: the mirrored frame had no VLAN tag (Linux's ERSPAN_ENCAP_NOVLAN)
    p.one_way()
    return (eth(p, 0x0800) / ip4(p, 47) /
            GRE(seqnum_present=1, seqence_number=p.n + 1, proto=0x88BE) /
            ERSPAN_II(ver=1, vlan=0, cos=0, en=0, t=0, session_id=42, index=1) /
            p.ether())


def erspan3(p, ts, plat=False):
    p.one_way()
    # p=1 and ft=0 (an Ethernet frame) as Linux's erspan_build_header_v2
    hdr = ERSPAN_III(ver=2, vlan=0, cos=0, bso=0, t=0, session_id=42,
                     timestamp=ts_100us(*ts), sgt_other=0, p=1, ft=0, hw=1,
                     d=0 if p.c2s else 1, gra=0, o=1 if plat else 0)
    if plat:
        # platform ID 3: port index in info1, upper timestamp bits in info2
        hdr = hdr / ERSPAN_PlatformSpecific(platf_id=3, info1=7, info2=0)
    return (eth(p, 0x0800) / ip4(p, 47) /
            GRE(seqnum_present=1, seqence_number=p.n + 1, proto=0x22EB) /
            hdr / p.ether())


def erspan3_plat(p, ts):
    return erspan3(p, ts, plat=True)


def vxlan_wrapped(p, ts):
    return (eth(p, 0x0800) / ip4(p, 17) / UDP(sport=entropy_port(p), dport=4789) /
            VXLAN(flags=0x08, vni=42) / p.ether())


def geneve(p, ts):
    opt = GeneveOptions(classid=0x0101, type=0x01, data=b"\x00\x00\x00\x2a")
    return (eth(p, 0x0800) / ip4(p, 17) / UDP(sport=entropy_port(p), dport=6081) /
            GENEVE(vni=42, proto=0x6558, options=[opt]) / p.ether())


def gtpu(p, ts):
    return (eth(p, 0x0800) / ip4(p, 17) / UDP(sport=2152, dport=2152) /
            GTP_U_Header(teid=0x1234, gtp_type=255) / p.inner())


def gtpu_ext(p, ts):
    # S and E set: sequence number, N-PDU number and a PDU Session Container
    # (5G, QFI 9): UL from the client's side, DL towards it
    ext = (GTPPDUSessionContainer(type=1, QFI=9, NextExtHdr=0) if p.c2s else
           GTPPDUSessionContainer(type=0, QFI=9, NextExtHdr=0))
    return (eth(p, 0x0800) / ip4(p, 17) / UDP(sport=2152, dport=2152) /
            GTP_U_Header(teid=0x1234, gtp_type=255, E=1, S=1, seq=p.k + 1,
                         npdu=0, next_ex=0x85) / ext / p.inner())


TEREDO_CPORT = 51000     # the Teredo client's mapped port; the relay's is 3544


def teredo(p, ts, origin=False):
    sport, dport = (TEREDO_CPORT, 3544) if p.c2s else (3544, TEREDO_CPORT)
    hdr = b""
    if origin and not p.c2s:
        # origin indication (RFC 4380 5.1.1): the relay's port and IPv4
        # address, each bit inverted, on what comes to the client
        a = bytes(int(x) for x in S4.split("."))
        hdr = struct.pack("!HH4s", 0, 3544 ^ 0xFFFF, bytes(b ^ 0xFF for b in a))
    return (eth(p, 0x0800) / ip4(p, 17) / UDP(sport=sport, dport=dport) /
            Raw(hdr) / p.inner())


def teredo_origin(p, ts):
    return teredo(p, ts, origin=True)


def nested(p, ts):
    # outer QinQ (S-tag 200, C-tag 100) around IPv4/UDP/VXLAN, whose inner
    # Ethernet frame carries an 802.1Q tag (VLAN 10) of its own
    inner = p.ether()
    inner = (Ether(src=inner.src, dst=inner.dst, type=0x8100) /
             Dot1Q(vlan=10, type=p.ethertype) / p.inner())
    return (eth(p) / Dot1AD(vlan=200) / Dot1Q(vlan=100, type=0x0800) /
            ip4(p, 17) / UDP(sport=entropy_port(p), dport=4789) /
            VXLAN(flags=0x08, vni=42) / inner)


KINDS = [
    ("vlan1", 4, vlan1),
    ("qinq", 6, qinq),
    ("vlan3", 4, vlan3),
    ("qinq-9100", 4, qinq_9100),
    ("mpls", 4, mpls),
    ("mpls3-v6", 6, mpls3),
    ("mpls-pw", 4, mpls_pw),
    ("pppoe", 4, pppoe),
    ("pppoe-v6", 6, pppoe),
    ("ipip", 4, ipip),
    ("6in4", 6, ipip),
    ("4in6", 4, ip6ip),
    ("6in6", 6, ip6ip),
    ("gre", 4, gre),
    ("gre-key", 6, gre_key),
    ("gre-csum-key-seq", 4, gre_csum_key_seq),
    ("gre-teb", 4, gre_teb),
    ("erspan1", 4, erspan1),
    ("erspan2", 4, erspan2),
    ("erspan3", 4, erspan3),
    ("erspan3-plat", 4, erspan3_plat),
    ("vxlan-wrapped", 4, vxlan_wrapped),
    ("geneve", 6, geneve),
    ("gtpu", 4, gtpu),
    ("gtpu-ext", 6, gtpu_ext),
    ("teredo", 6, teredo),
    ("teredo-origin", 6, teredo_origin),
    ("nested", 4, nested),
]


def wrap(indir, outdir):
    inner = {}
    for v in (4, 6):
        path = os.path.join(indir, f"inner{v}.pcap")
        link, recs = read_pcap(path)
        if link != LINKTYPE_RAW:
            sys.exit(f"wrap-tunnel: {path}: link type {link}, want 101 (raw IP)")
        inner[v] = recs
    os.makedirs(outdir, exist_ok=True)
    for name, v, make in KINDS:
        count = {True: 0, False: 0}
        out = []
        for n, (sec, frac, nano, data) in enumerate(inner[v]):
            p = Pkt(n, data, count)
            if p.v6 != (v == 6):
                sys.exit(f"wrap-tunnel: inner{v}.pcap: frame {n + 1} is IPv{6 if p.v6 else 4}")
            frame = bytes(make(p, (sec, frac, nano)))
            if not frame.endswith(data):
                sys.exit(f"wrap-tunnel: {name}: frame {n + 1} does not end with the inner packet")
            out.append((sec, frac, nano, frame))
        write_pcap(os.path.join(outdir, f"{name}.pcap"), LINKTYPE_ETHERNET, out)
        print(f"{name + '.pcap':<24} {len(out):3d} packets")


def main(argv):
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return
    if argv[:1] == ["--list"]:
        for name, v, _ in KINDS:
            print(f"{name}.pcap\tinner{v}")
        return
    if argv[:1] == ["--raw"]:
        if len(argv) != 3:
            sys.exit("usage: wrap-tunnel.py --raw ETH.pcap RAW.pcap")
        to_raw(argv[1], argv[2])
        return
    if len(argv) > 2:
        sys.exit("usage: wrap-tunnel.py [INDIR [OUTDIR]]")
    indir = argv[0] if argv else "captures/tunnel"
    outdir = argv[1] if len(argv) > 1 else indir
    conf.verb = 0
    wrap(indir, outdir)


if __name__ == "__main__":
    main(sys.argv[1:])
