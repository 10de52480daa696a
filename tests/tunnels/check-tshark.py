#!/usr/bin/env python3
"""Check that tshark decodes every layer of every capture in captures/tunnel.

  tests/tunnels/check-tshark.py [DIR]       (DIR defaults to captures/tunnel)

For each file in the table below, on every frame:
  - frame.protocols is the file's chain (a trailing ":data" on segments
    that carry payload aside), so every tunnel layer and the inner IP/TCP
    are dissected, not left as data;
  - the file's tunnel fields have the values the maker put there (VLAN IDs,
    MPLS labels, VNIs, GRE key, ERSPAN version, TEID...);
  - the inner TCP is there: ports 40000 <-> 7777, and for the wrapped files
    the same ports, flags, raw sequence and acknowledgment numbers and
    lengths as the same frame of inner4.pcap or inner6.pcap; for the real
    VXLAN captures a whole client-close connection (per VNI for the tenants,
    whose two connections share one inner 4-tuple);
  - every checksum tshark can verify (IPv4, UDP, TCP, GRE; inner and outer)
    is right: these captures were made with checksum offload off.
Every .pcap in DIR must be in the table, and every file in the table in DIR.

tshark cannot tell from the bytes that an MPLS payload starting with a zero
nibble is an Ethernet pseudowire with a control word: its heuristic
(pwethheuristic) takes mpls-pw.pcap's control word plus the first MAC bytes
for a destination MAC with a known vendor and decodes it as a pseudowire
without control word (a 4-byte-shifted Ethernet frame, then garbage).  So
that file is read with "Decode As" for its two labels (-d
mpls.label==300,pwethcw and 400), and because tshark 4.0 then leaves the
control word's protocol out of frame.protocols, the check asks for its field
(pweth.cw.sequence_number) instead.  Every other layer decodes on its
standard port or type without help.

Exits 0 when all pass, 1 otherwise, 77 when tshark is missing.
"""
import os
import shutil
import subprocess
import sys

CPORT, SPORT = 40000, 7777
FIN, SYN, RST, ACK = 1, 2, 4, 16

E = "eth:ethertype:"
V4, V6 = "ip:tcp", "ipv6:tcp"
PW_CW = ["-d", "mpls.label==300,pwethcw", "-d", "mpls.label==400,pwethcw"]

# file: (inner capture to match frame by frame, or None for the real
#        captures; frame.protocols; {field: allowed values on every frame,
#        or (values client to server, values server to client)}; extra
#        tshark options)
TABLE = {
    "inner4.pcap": ("inner4.pcap", "raw:" + V4, {}, []),
    "inner6.pcap": ("inner6.pcap", "raw:" + V6, {}, []),
    "vxlan4-real.pcap": (None, E + "ip:udp:vxlan:" + E + V4,
                         {"vxlan.vni": {"42"}, "udp.dstport": {"4789"}}, []),
    "vxlan6-real.pcap": (None, E + "ipv6:udp:vxlan:" + E + V6,
                         {"vxlan.vni": {"42"}, "udp.dstport": {"4789"}}, []),
    "vxlan-tenants.pcap": (None, E + "ip:udp:vxlan:" + E + V4,
                           {"vxlan.vni": {"42", "43"}}, []),
    "vlan1.pcap": ("inner4.pcap", E + "vlan:ethertype:" + V4,
                   {"vlan.id": {"100"}}, []),
    "qinq.pcap": ("inner6.pcap", E + "ieee8021ad:ethertype:vlan:ethertype:" + V6,
                  {"ieee8021ad.id": {"200"}, "vlan.id": {"100"}}, []),
    "vlan3.pcap": ("inner4.pcap",
                   E + "ieee8021ad:ethertype:vlan:ethertype:vlan:ethertype:" + V4,
                   {"ieee8021ad.id": {"300"}, "vlan.id": {"200,100"}}, []),
    "qinq-9100.pcap": ("inner4.pcap", E + "vlan:ethertype:vlan:ethertype:" + V4,
                       {"vlan.id": {"200,100"}, "eth.type": {"0x9100"}}, []),
    "mpls.pcap": ("inner4.pcap", E + "mpls:" + V4,
                  {"mpls.label": ({"100"}, {"200"})}, []),
    "mpls3-v6.pcap": ("inner6.pcap", E + "mpls:" + V6,
                      {"mpls.label": ({"16001,16002,16003"}, {"26001,26002,26003"}),
                       "mpls.bottom": {"0,0,1"}}, []),
    "mpls-pw.pcap": ("inner4.pcap", E + "mpls:" + E + V4,
                     {"mpls.label": ({"300"}, {"400"}),
                      "pweth.cw.sequence_number": {"0"}}, PW_CW),
    "pppoe.pcap": ("inner4.pcap", E + "pppoes:ppp:" + V4,
                   {"pppoe.session_id": {"0x002a"}, "ppp.protocol": {"0x0021"}}, []),
    "pppoe-v6.pcap": ("inner6.pcap", E + "pppoes:ppp:" + V6,
                      {"pppoe.session_id": {"0x002a"}, "ppp.protocol": {"0x0057"}}, []),
    "ipip.pcap": ("inner4.pcap", E + "ip:" + V4, {"ip.proto": {"4,6"}}, []),
    "6in4.pcap": ("inner6.pcap", E + "ip:" + V6, {"ip.proto": {"41"}}, []),
    "4in6.pcap": ("inner4.pcap", E + "ipv6:" + V4, {"ipv6.nxt": {"4"}}, []),
    "6in6.pcap": ("inner6.pcap", E + "ipv6:" + V6, {"ipv6.nxt": {"41,6"}}, []),
    "gre.pcap": ("inner4.pcap", E + "ip:gre:" + V4, {"gre.proto": {"0x0800"}}, []),
    "gre-key.pcap": ("inner6.pcap", E + "ip:gre:" + V6,
                     {"gre.proto": {"0x86dd"}, "gre.key": {"0x0000002a"}}, []),
    "gre-csum-key-seq.pcap": ("inner4.pcap", E + "ipv6:gre:" + V4,
                              {"gre.key": {"0x0000002a"}, "gre.checksum.status": {"1"}}, []),
    "gre-teb.pcap": ("inner4.pcap", E + "ip:gre:" + E + V4, {"gre.proto": {"0x6558"}}, []),
    "erspan1.pcap": ("inner4.pcap", E + "ip:gre:erspan:" + E + V4,
                     {"gre.proto": {"0x88be"}, "erspan.version": {""}}, []),
    "erspan2.pcap": ("inner4.pcap", E + "ip:gre:erspan:" + E + V4,
                     {"gre.proto": {"0x88be"}, "erspan.version": {"1"},
                      "erspan.spanid": {"42"}}, []),
    "erspan3.pcap": ("inner4.pcap", E + "ip:gre:erspan:" + E + V4,
                     {"gre.proto": {"0x22eb"}, "erspan.version": {"2"},
                      "erspan.o": {"0"}, "erspan.spanid": {"42"},
                      "erspan.direction": ({"0"}, {"1"})}, []),
    "erspan3-plat.pcap": ("inner4.pcap", E + "ip:gre:erspan:" + E + V4,
                          {"gre.proto": {"0x22eb"}, "erspan.version": {"2"},
                           "erspan.o": {"1"}, "erspan.platid": {"3"}}, []),
    "vxlan-wrapped.pcap": ("inner4.pcap", E + "ip:udp:vxlan:" + E + V4,
                           {"vxlan.vni": {"42"}}, []),
    "geneve.pcap": ("inner6.pcap", E + "ip:udp:geneve:" + E + V6,
                    {"geneve.vni": {"0x00002a"}, "geneve.option.class": {"0x0101"}}, []),
    "gtpu.pcap": ("inner4.pcap", E + "ip:udp:gtp:" + V4,
                  {"gtp.teid": {"0x00001234"}, "gtp.flags": {"0x30"}}, []),
    "gtpu-ext.pcap": ("inner6.pcap", E + "ip:udp:gtp:" + V6,
                      {"gtp.teid": {"0x00001234"}, "gtp.flags": {"0x36"},
                       "gtp.ext_hdr.pdu_ses_con.qos_flow_id": {"9"}}, []),
    "teredo.pcap": ("inner6.pcap", E + "ip:udp:teredo:" + V6,
                    {"teredo.orig.port": {""}}, []),
    "teredo-origin.pcap": ("inner6.pcap", E + "ip:udp:teredo:" + V6,
                           # on the relay's packets only
                           {"teredo.orig.port": ({""}, {"3544"}),
                            "teredo.orig.addr": ({""}, {"198.18.30.1"})}, []),
    "nested.pcap": ("inner4.pcap",
                    E + "ieee8021ad:ethertype:vlan:ethertype:ip:udp:vxlan:"
                    + E + "vlan:ethertype:" + V4,
                    {"ieee8021ad.id": {"200"}, "vlan.id": {"100,10"},
                     "vxlan.vni": {"42"}}, []),
}

TCP = ["tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "tcp.len"]
CHECKSUMS = ["ip.checksum.status", "udp.checksum.status", "tcp.checksum.status",
             "gre.checksum.status"]
PREFS = ["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
         "-o", "tcp.check_checksum:TRUE"]


def tshark(path, fields, extra=()):
    cmd = ["tshark", "-n", "-r", path, *PREFS, *extra, "-T", "fields",
           "-E", "separator=/t", "-E", "aggregator=,", "-E", "occurrence=a"]
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"tshark failed: {r.stderr.strip()}")
    return [dict(zip(fields, line.split("\t"))) for line in r.stdout.splitlines()]


def tcp_rows(rows):
    return [tuple(r[f] for f in TCP) for r in rows]


def check_conn(rows, what):
    """A client-close connection: handshake, 14 bytes, 64 bytes, FINs."""
    err = []
    fl = [int(r["tcp.flags"], 16) for r in rows]
    c2s = [r["tcp.dstport"] == str(SPORT) for r in rows]
    if len(rows) < 3 or fl[0] & (SYN | ACK) != SYN or fl[1] & (SYN | ACK) != SYN | ACK \
            or not c2s[0] or c2s[1]:
        err.append(f"{what}: does not begin with SYN, SYN+ACK")
    if any(f & RST for f in fl):
        err.append(f"{what}: a RST")
    fins = [d for f, d in zip(fl, c2s) if f & FIN]
    if fins != [True, False]:
        err.append(f"{what}: FINs {fins}, want the client's then the server's")
    lens = [(d, int(r["tcp.len"])) for r, d in zip(rows, c2s) if int(r["tcp.len"])]
    if sum(n for d, n in lens if d) != 14 or sum(n for d, n in lens if not d) != 64:
        err.append(f"{what}: payload {lens}, want 14 bytes up and 64 down")
    return err


def check(d, name, spec, inner_cache):
    inner, chain, want, extra = spec
    path = os.path.join(d, name)
    fields = ["frame.number", "frame.protocols"] + TCP + CHECKSUMS + sorted(want)
    rows = tshark(path, fields, extra)
    err = []
    if not rows:
        return ["no frames"], rows
    for r in rows:
        n = r["frame.number"]
        protos = r["frame.protocols"]
        if protos.endswith(":data"):
            protos = protos[:-len(":data")]
        if protos != chain:
            err.append(f"frame {n}: frame.protocols {r['frame.protocols']}, want {chain}")
        if {r["tcp.srcport"], r["tcp.dstport"]} != {str(CPORT), str(SPORT)}:
            err.append(f"frame {n}: inner TCP ports {r['tcp.srcport']}>{r['tcp.dstport']}")
        c2s = r["tcp.dstport"] == str(SPORT)
        for f, allowed in want.items():
            if isinstance(allowed, tuple):
                allowed = allowed[0] if c2s else allowed[1]
            if r[f] not in allowed:
                err.append(f"frame {n}: {f} = {r[f]!r}, want one of {sorted(allowed)}")
        for f in CHECKSUMS:
            bad = [s for s in r[f].split(",") if s and s != "1"]
            if bad:
                err.append(f"frame {n}: {f} {r[f]} (1 = good)")
    if inner:
        if inner not in inner_cache:
            inner_cache[inner] = tcp_rows(tshark(os.path.join(d, inner), TCP))
        if tcp_rows(rows) != inner_cache[inner]:
            got, exp = tcp_rows(rows), inner_cache[inner]
            diff = [i + 1 for i, (a, b) in enumerate(zip(got, exp)) if a != b]
            err.append(f"inner TCP differs from {inner}: {len(got)} vs {len(exp)} "
                       f"frames, differing frames {diff}")
    elif name == "vxlan-tenants.pcap":
        by = {}
        for r in rows:
            by.setdefault(r["vxlan.vni"], []).append(r)
        for vni, conn in sorted(by.items()):
            err += check_conn(conn, f"VNI {vni}")
        tuples = {v: {(r["tcp.srcport"], r["tcp.dstport"]) for r in c} for v, c in by.items()}
        if sorted(by) != ["42", "43"] or tuples["42"] != tuples["43"]:
            err.append("want VNIs 42 and 43 carrying the same inner ports")
        syns = [i for i, r in enumerate(rows) if int(r["tcp.flags"], 16) & (SYN | ACK) == SYN]
        fins = [i for i, r in enumerate(rows) if int(r["tcp.flags"], 16) & FIN]
        if len(syns) != 2 or not fins or max(syns) > min(fins):
            err.append("the second SYN does not come before the first FIN")
    else:
        err += check_conn(rows, "connection")
    return err, rows


def main():
    if not shutil.which("tshark"):
        print("skip: tshark not installed")
        sys.exit(77)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "captures", "tunnel")
    passed = failed = 0
    present = {f for f in os.listdir(d) if f.endswith(".pcap")}
    for f in sorted(present - set(TABLE)):
        print(f"FAIL {f}: not in the table of tests/tunnels/check-tshark.py")
        failed += 1
    inner_cache = {}
    for name, spec in TABLE.items():
        if name not in present:
            print(f"FAIL {name}: missing from {d}")
            failed += 1
            continue
        try:
            err, rows = check(d, name, spec, inner_cache)
        except RuntimeError as e:
            err, rows = [str(e)], []
        if err:
            failed += 1
            print(f"FAIL {name}")
            for e in err[:12]:
                print(f"     {e}")
            if len(err) > 12:
                print(f"     ... and {len(err) - 12} more")
        else:
            passed += 1
            print(f"ok   {name:<24} {len(rows):3d} frames  {spec[1]}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
