#!/usr/bin/env python3
"""End-to-end checks of `tcpshake trace --zeek-log`, `-w --annotate` and `--stats`.

  check-outputs.py zeek-log|pcapng|stats TCPSHAKE SRCROOT

zeek-log  Every bundled capture.  The header must equal, line for line, the
          header of a real Zeek conn.log (tests/outputs/zeek-conn.log, see
          tests/outputs/README.md), #open/#close in Zeek's time format.  A
          zeek-cut-like TSV reader (driven by the #separator, #fields and
          #types lines, checking every value against its type) must read
          every line.  Columns are checked against independent answers:
          Zeek's own history/conn_state for its four RST captures
          (captures/public/conn_state-RST-behavior.out); packets and IP bytes
          per direction against tshark's ip.len / ipv6.plen; orig/resp bytes
          against the scenarios of captures/README.md (14-byte request,
          64-byte answer); the rest against our own --json verdicts.
pcapng    Every bundled capture (Ethernet, VLAN, QinQ, Linux cooked v1 and v2,
          IPv6, ns timestamps, damaged files), a raw-IP copy and a pcapng copy
          made with editcap.  The output must parse as strict pcapng (our reader checks
          lengths, padding and option lists), hold the input's frames with
          identical bytes, lengths, times and link types, read back in tshark
          with the same `tshark -x` bytes, and tshark's frame.comment must be
          our annotation of each frame: the text output's words after the
          lengths, segment line by segment line.
stats     Every bundled capture: the {"type":"stats"} object must equal the
          totals recomputed here from the --json segment and conn lines
          (roles, reset reasons, notes, close kinds, conn_states, nearest-rank
          RTT quantiles, retransmission histogram), and the text block must
          agree with it.

Exit status: 0 all good, 1 a mismatch (printed), 2 usage, 77 skipped (a tool
the check needs, tshark, is missing).
"""
import glob
import ipaddress
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from decimal import Decimal

SKIP = 77
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def check(cond, msg):
    if not cond:
        fail(msg)
    return cond


def run(args, env_extra=None, expect_rc=0):
    env = dict(os.environ)
    env["LC_ALL"] = "C.UTF-8"
    env["TZ"] = "UTC"
    if env_extra:
        env.update(env_extra)
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    if expect_rc is not None and p.returncode != expect_rc:
        fail("%s: exit %d (want %d): %s" % (" ".join(args), p.returncode, expect_rc,
                                             p.stderr.decode(errors="replace").strip()))
    return p


# the tunnel captures the pcapng check reads (each costs several tshark
# runs); the Zeek log check reads them all
TUNNEL_SAMPLE = ("vxlan4-real", "nested", "gre-key", "mpls3-v6", "teredo-origin")


def captures(root, all_tunnels=True):
    caps = sorted(glob.glob(os.path.join(root, "captures", "*.pcap")))
    caps += sorted(glob.glob(os.path.join(root, "captures", "public", "*.pcap")))
    tun = sorted(glob.glob(os.path.join(root, "captures", "tunnel", "*.pcap")))
    if not all_tunnels:
        tun = [c for c in tun if os.path.basename(c)[:-5] in TUNNEL_SAMPLE]
    return caps + tun


def short(path, root):
    return os.path.relpath(path, os.path.join(root, "captures"))


# ---- pcap / pcapng readers ------------------------------------------------------

def read_pcap(path):
    """Classic pcap: (linktype, [(ts_ns, caplen, wirelen, data)])."""
    with open(path, "rb") as f:
        b = f.read()
    magic = struct.unpack("<I", b[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    else:
        e = ">"
        magic = struct.unpack(">I", b[:4])[0]
    nano = magic == 0xA1B23C4D
    linktype = struct.unpack(e + "I", b[20:24])[0] & 0x0FFFFFFF
    pkts, off = [], 24
    while off + 16 <= len(b):
        sec, frac, cap, wire = struct.unpack(e + "IIII", b[off:off + 16])
        off += 16
        if off + cap > len(b):
            break  # a record cut short: libpcap stops there too
        pkts.append((sec * 10**9 + (frac if nano else frac * 1000), cap, wire, b[off:off + cap]))
        off += cap
    return linktype, pkts


def read_pcapng(path, strict=True):
    """pcapng: (interfaces [(linktype, snaplen, tsresol)], packets
    [(ifid, ts_ns, caplen, wirelen, data, comments)]).  strict: assert
    everything the writer promises (lengths, padding, end of options)."""
    with open(path, "rb") as f:
        b = f.read()
    ifaces, pkts, off, e = [], [], 0, "<"
    while off < len(b):
        if off + 12 > len(b):
            raise ValueError("block header cut at %d" % off)
        btype = struct.unpack(e + "I", b[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            bom = b[off + 8:off + 12]
            e = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            if struct.unpack(e + "I", bom)[0] != 0x1A2B3C4D:
                raise ValueError("bad byte-order magic")
        total = struct.unpack(e + "I", b[off + 4:off + 8])[0]
        if total % 4 or total < 12 or off + total > len(b):
            raise ValueError("block at %d: bad total length %d" % (off, total))
        if struct.unpack(e + "I", b[off + total - 4:off + total])[0] != total:
            raise ValueError("block at %d: trailing length differs" % off)
        body = b[off + 8:off + total - 4]
        if btype == 0x0A0D0D0A:
            major, minor = struct.unpack(e + "HH", body[4:8])
            if (major, minor) != (1, 0):
                raise ValueError("SHB version %d.%d" % (major, minor))
            parse_options(body[16:], e, strict)
        elif btype == 1:
            lt, _res, snap = struct.unpack(e + "HHI", body[:8])
            opts = parse_options(body[8:], e, strict)
            tsresol = 6
            for code, val in opts:
                if code == 9:
                    tsresol = val[0]
            ifaces.append((lt, snap, tsresol))
        elif btype == 6:
            ifid, hi, lo, cap, wire = struct.unpack(e + "IIIII", body[:20])
            if ifid >= len(ifaces):
                raise ValueError("EPB before its IDB")
            padded = (cap + 3) & ~3
            data = body[20:20 + cap]
            if strict and any(body[20 + cap:20 + padded]):
                raise ValueError("EPB data padding is not zero")
            opts = parse_options(body[20 + padded:], e, strict)
            ts = (hi << 32) | lo
            res = ifaces[ifid][2]
            if res & 0x80:
                ts_ns = ts * 10**9 // (2 ** (res & 0x7F))
            else:
                ts_ns = ts * 10**9 // (10 ** res)
            comments = [v.decode("utf-8") for c, v in opts if c == 1]
            pkts.append((ifid, ts_ns, cap, wire, data, comments))
        elif strict:
            raise ValueError("unexpected block type %#x" % btype)
        off += total
    return ifaces, pkts


def parse_options(buf, e, strict):
    opts, off = [], 0
    while off < len(buf):
        if off + 4 > len(buf):
            raise ValueError("option header cut")
        code, ln = struct.unpack(e + "HH", buf[off:off + 4])
        if code == 0:
            if strict and (ln != 0 or off + 4 != len(buf)):
                raise ValueError("opt_endofopt not last or not empty")
            return opts
        padded = (ln + 3) & ~3
        if off + 4 + padded > len(buf):
            raise ValueError("option %d overruns its block" % code)
        if strict and any(buf[off + 4 + ln:off + 4 + padded]):
            raise ValueError("option %d padding is not zero" % code)
        opts.append((code, buf[off + 4:off + 4 + ln]))
        off += 4 + padded
    if strict and opts:
        raise ValueError("options without opt_endofopt")
    return opts


def read_any(path):
    """(linktype per packet, [(ts_ns, caplen, wirelen, data)]) for pcap or pcapng."""
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic == b"\x0a\x0d\x0d\x0a":
        ifaces, pkts = read_pcapng(path, strict=False)
        return ([ifaces[p[0]][0] for p in pkts], [(p[1], p[2], p[3], p[4]) for p in pkts])
    lt, pkts = read_pcap(path)
    return [lt] * len(pkts), pkts


def make_handshakes(path, n=9):
    """A capture the bundle lacks: n connections (client ports 41000 + i)
    whose SYN -> SYN+ACK times are 1..n ms in a shuffled order, each S, SA,
    A, 10 bytes of data sent i % 4 more times (retransmissions), then an abort
    by the client.  Ethernet, IPv4, correct checksums, microsecond pcap."""
    def csum(data):
        if len(data) % 2:
            data += b"\0"
        s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
        while s >> 16:
            s = (s & 0xFFFF) + (s >> 16)
        return ~s & 0xFFFF

    ipid = [0]

    def frame(src, dst, sport, dport, seq, ack, flags, data=b""):
        ipid[0] += 1
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + data
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ipid[0], 0x4000, 64, 6, 0,
                         src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + tcp

    c, sv = bytes([198, 18, 0, 2]), bytes([198, 18, 0, 1])
    S, SA, A, PA, RA = 0x02, 0x12, 0x10, 0x18, 0x14
    recs = []
    for i in range(n):
        t = 1700000000 * 10**6 + i * 10**6
        rtt = ((i * 5) % n + 1) * 1000  # 5 is prime to the n used: a permutation
        cp, isn, isn2 = 41000 + i, 1000 * (i + 1), 500000 * (i + 1)
        recs.append((t, frame(c, sv, cp, 80, isn, 0, S)))
        t += rtt
        recs.append((t, frame(sv, c, 80, cp, isn2, isn + 1, SA)))
        recs.append((t + 50, frame(c, sv, cp, 80, isn + 1, isn2 + 1, A)))
        for k in range(i % 4 + 1):  # the data and its retransmissions
            recs.append((t + 100 + 300 * k, frame(c, sv, cp, 80, isn + 1, isn2 + 1, PA,
                                                  b"0123456789")))
        recs.append((t + 5000, frame(c, sv, cp, 80, isn + 11, isn2 + 1, RA)))
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for t, d in sorted(recs, key=lambda r: r[0]):
            f.write(struct.pack("<IIII", t // 10**6, t % 10**6, len(d), len(d)) + d)


# ---- zeek-cut-like reader ----------------------------------------------------------

TYPE_RE = {
    "time": re.compile(r"^\d+\.\d{6}$"),
    "interval": re.compile(r"^\d+\.\d{6}$"),
    "count": re.compile(r"^\d+$"),
    "port": re.compile(r"^\d+$"),
    "bool": re.compile(r"^[TF]$"),
    "enum": re.compile(r"^[a-z_]+$"),
    "string": re.compile(r"^[^\t\n]+$"),
}


def zeek_read(path):
    """Read a Zeek TSV log as zeek-cut does: the separator from the
    #separator line, column names from #fields.  Checks every value against
    the #types line.  Returns (meta dict, fields, types, rows as dicts)."""
    meta, fields, types, rows = {}, None, None, []
    sep = None
    with open(path, "rb") as f:
        raw = f.read()
    check(raw.endswith(b"\n"), "%s: does not end with a newline" % path)
    for n, line in enumerate(raw.decode("utf-8").split("\n")[:-1], 1):
        if line.startswith("#separator "):
            sep = line[len("#separator "):].encode().decode("unicode_escape")
            continue
        if line.startswith("#"):
            key, _, val = line[1:].partition(sep)
            meta[key] = val
            if key == "fields":
                fields = val.split(sep)
            elif key == "types":
                types = val.split(sep)
            continue
        vals = line.split(sep)
        if not check(fields and len(vals) == len(fields),
                     "%s:%d: %d values for %d fields" % (path, n, len(vals), len(fields or []))):
            continue
        row = dict(zip(fields, vals))
        for name, typ, v in zip(fields, types, vals):
            if v == meta.get("unset_field"):
                continue
            if typ == "addr":
                try:
                    ipaddress.ip_address(v)
                except ValueError:
                    fail("%s:%d: %s=%r is not an address" % (path, n, name, v))
            elif typ.startswith("set["):
                check(v == meta.get("empty_field") or all(v.split(meta["set_separator"])),
                      "%s:%d: %s=%r is not a set" % (path, n, name, v))
            else:
                check(typ in TYPE_RE and TYPE_RE[typ].match(v),
                      "%s:%d: %s=%r is not a %s" % (path, n, name, v, typ))
                if typ == "port":
                    check(int(v) < 65536, "%s:%d: port %s" % (path, n, v))
        rows.append(row)
    return meta, fields, types, rows


def zeek_cut(rows, *cols):
    return [tuple(r[c] for c in cols) for r in rows]


# ---- zeek-log ---------------------------------------------------------------------

ZEEK_TIME = re.compile(r"^\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$")

# captures/README.md: "The request is 14 bytes (`hello, server\n`), the answer 64."
REQUEST_ANSWER = ["client-close", "server-close", "merged-close", "half-close", "ipv6",
                  "any-sll2", "vlan", "ecn", "keepalive", "rst-abort", "server-rst"]

# Zeek's own answers for its captures: conn_state-RST-behavior.out, in order
ZEEK_BASELINE = ["single-rst", "syn-then-rst", "syn-then-ack-then-rst", "syn-then-stuff-then-rst"]


def usecs(x):
    """a JSON time (ns digits) as the microseconds Zeek sees: libpcap cuts
    nanosecond times down to microseconds for pcap_open_offline()"""
    return int(Decimal(x) * 1000000)


def secs6(us):
    return "%d.%06d" % (us // 1000000, us % 1000000)


def tshark_ip_bytes(cap):
    """{(src, sport, dst, dport): [packets, ip bytes]} for every TCP frame."""
    p = run(["tshark", "-n", "-r", cap, "-T", "fields", "-E", "separator=/t",
             "-E", "aggregator=,",
             "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "ip.dst",
             "-e", "ipv6.dst", "-e", "tcp.dstport", "-e", "ip.len", "-e", "ipv6.plen",
             "-e", "frame.protocols", "tcp"])
    out = {}
    for line in p.stdout.decode().splitlines():
        f = line.split("\t")
        # in a tunnel, the innermost IP header is the last ip or ipv6 layer,
        # and its fields the last of their values
        layers = f[8].split(":")
        inner6 = max((i for i, l in enumerate(layers) if l == "ipv6"), default=-1) > \
            max((i for i, l in enumerate(layers) if l == "ip"), default=-1)
        last = lambda v: v.split(",")[-1]
        if inner6:
            src, dst, n = last(f[1]), last(f[4]), int(last(f[7])) + 40
        else:
            src, dst, n = last(f[0]), last(f[3]), int(last(f[6]))
        key = (src, int(f[2]), dst, int(f[5]))
        out.setdefault(key, [0, 0])
        out[key][0] += 1
        out[key][1] += n
    return out


def community_id(a, b, seed=0):
    """Community ID v1 of a TCP flow (github.com/corelight/community-id-spec):
    "1:" + base64(SHA-1(seed, saddr, daddr, proto 6, 0, sport, dport)), the
    lesser (address, port) first."""
    import base64, hashlib, ipaddress, struct
    (ha, pa), (hb, pb) = a, b
    xa, xb = ipaddress.ip_address(ha).packed, ipaddress.ip_address(hb).packed
    if (xb, int(pb)) < (xa, int(pa)):
        xa, pa, xb, pb = xb, pb, xa, pa
    d = struct.pack("!H", seed) + xa + xb + struct.pack("!BBHH", 6, 0, int(pa), int(pb))
    return "1:" + base64.b64encode(hashlib.sha1(d).digest()).decode()


def check_zeek(tcpshake, root, tmp):
    fixture = os.path.join(root, "tests", "outputs", "zeek-conn.log")
    with open(fixture) as f:
        ref = f.read().split("\n")
    meta, fields, types, rows = zeek_read(fixture)   # the reader reads Zeek's own file
    check(len(rows) == 1 and rows[0]["uid"] == "CvVbVi3kNVC4LPU90f", "reader on the fixture")
    have_tshark = shutil.which("tshark") is not None
    baseline = open(os.path.join(root, "captures", "public",
                                 "conn_state-RST-behavior.out")).read().splitlines()[1:]

    log = os.path.join(tmp, "conn.log")
    synth = os.path.join(tmp, "handshakes.pcap")
    make_handshakes(synth)
    for cap in captures(root) + [synth]:
        name = short(cap, root) if cap != synth else "synthetic handshakes"
        base = os.path.basename(cap)[:-5]
        p = run([tcpshake, "trace", "-r", cap, "--json", "--zeek-log", log])
        with open(log) as f:
            text = f.read()
        lines = text.split("\n")
        # header: Zeek's, line for line, but for the times
        # Zeek's policy/protocols/conn/community-id-logging appends
        # community_id (a string) to Conn::Info, so to #fields and #types
        zref = list(ref)
        zref[6] += "\tcommunity_id"
        zref[7] += "\tstring"
        for i in (0, 1, 2, 3, 4, 6, 7):
            check(lines[i] == zref[i], "%s: header line %d: %r, Zeek writes %r" %
                  (name, i + 1, lines[i], zref[i]))
        check(lines[5].startswith("#open\t") and ZEEK_TIME.match(lines[5][6:]),
              "%s: #open line %r" % (name, lines[5]))
        check(lines[-1] == "" and lines[-2].startswith("#close\t") and
              ZEEK_TIME.match(lines[-2][7:]), "%s: #close line %r" % (name, lines[-2]))
        meta, fields, types, rows = zeek_read(log)
        check(fields == zref[6].split("\t")[1:] and types == zref[7].split("\t")[1:],
              "%s: #fields/#types" % name)

        objs = [json.loads(l, parse_float=Decimal) for l in p.stdout.decode().splitlines()]
        conns = [o for o in objs if o["type"] == "conn"]
        if not check(len(conns) == len(rows), "%s: %d conn.log lines for %d verdicts" %
                     (name, len(rows), len(conns))):
            continue
        uids = set()
        for r, c in zip(rows, conns):
            where = "%s conn #%d" % (name, c["conn"])
            check(re.match(r"^C[0-9A-Za-z]{17}$", r["uid"]), "%s: uid %r" % (where, r["uid"]))
            uids.add(r["uid"])
            client = (c["client"], str(c["client_port"]))
            server = (c["server"], str(c["server_port"]))
            orig = (r["id.orig_h"], r["id.orig_p"])
            resp = (r["id.resp_h"], r["id.resp_p"])
            check({orig, resp} == {client, server}, "%s: endpoints %s %s" % (where, orig, resp))
            o, rr = ("c2s", "s2c") if orig == client else ("s2c", "c2s")
            check(r["ts"] == secs6(usecs(c["start"])),
                  "%s: ts %s, start %s" % (where, r["ts"], c["start"]))
            check(r["proto"] == "tcp" and r["service"] == "-" and r["missed_bytes"] == "0" and
                  r["local_orig"] == "-" and r["local_resp"] == "-" and
                  r["tunnel_parents"] == "-", "%s: constant columns" % where)
            check(r["conn_state"] == c["conn_state"], "%s: conn_state" % where)
            want_cid = community_id(orig, resp)
            check(r["community_id"] == want_cid and c.get("community_id") == want_cid,
                  "%s: community_id %s / %s, want %s" % (where, r["community_id"],
                                                        c.get("community_id"), want_cid))
            check(r["history"] == (c["history"] or "-"), "%s: history" % where)
            dur = usecs(c["end"]) - usecs(c["start"])
            if dur > 0:
                check(r["duration"] == secs6(dur), "%s: duration %s, start %s end %s" %
                      (where, r["duration"], c["start"], c["end"]))
                check(r["orig_bytes"] != "-" and r["resp_bytes"] != "-", "%s: bytes unset" % where)
            else:
                check(r["duration"] == r["orig_bytes"] == r["resp_bytes"] == "-",
                      "%s: duration 0 but %s %s %s" % (where, r["duration"], r["orig_bytes"],
                                                       r["resp_bytes"]))
            check(r["orig_pkts"] == str(c[o + "_segments"]) and
                  r["resp_pkts"] == str(c[rr + "_segments"]), "%s: pkts" % where)
            if base in REQUEST_ANSWER and orig == client:
                check((r["orig_bytes"], r["resp_bytes"]) == ("14", "64"),
                      "%s: bytes %s/%s, the scenario sends 14/64" %
                      (where, r["orig_bytes"], r["resp_bytes"]))
        check(len(uids) == len(rows), "%s: uids not unique" % name)

        if base in ZEEK_BASELINE:
            want = baseline[ZEEK_BASELINE.index(base)]
            got = ", ".join(zeek_cut(rows, "history", "conn_state")[0])
            check(got == want, "%s: Zeek logs %r, we %r" % (name, want, got))

        # packets and IP bytes per direction, against tshark (one incarnation
        # per tuple here, or summed over the incarnations of a tuple)
        # tshark takes mpls-pw's control word for MAC bytes unless told
        # (tests/tunnels/check-tshark.py), so it has no TCP to count there
        if have_tshark and base != "mpls-pw":
            ts = tshark_ip_bytes(cap)
            ours = {}
            for r in rows:
                for a, b, pk, ib in (("orig", "resp", "orig_pkts", "orig_ip_bytes"),
                                     ("resp", "orig", "resp_pkts", "resp_ip_bytes")):
                    key = (r["id.%s_h" % a], int(r["id.%s_p" % a]),
                           r["id.%s_h" % b], int(r["id.%s_p" % b]))
                    ours.setdefault(key, [0, 0])
                    ours[key][0] += int(r[pk])
                    ours[key][1] += int(r[ib])
            ours = {k: v for k, v in ours.items() if v[0]}
            check(ours == ts, "%s: packets/IP bytes per direction: ours %s, tshark %s" %
                  (name, ours, ts))

    # the same capture twice: the same uids
    cap = os.path.join(root, "captures", "port-reuse.pcap")
    uids = []
    for _ in range(2):
        run([tcpshake, "trace", "-r", cap, "--summary", "--zeek-log", log])
        uids.append(zeek_cut(zeek_read(log)[3], "uid"))
    check(uids[0] == uids[1] and len(uids[0]) == 2, "uids differ between runs")

    # a file we cannot create: one line, exit 2
    p = run([tcpshake, "trace", "-r", cap, "--zeek-log", "/nonexistent/dir/conn.log"],
            expect_rc=2)
    check(p.stderr.decode().startswith("tcpshake: trace: --zeek-log: /nonexistent/dir/conn.log: "),
          "unwritable --zeek-log message: %r" % p.stderr)
    run([tcpshake, "trace", "-r", cap, "--zeek-log", "-"], expect_rc=2)
    return 0


# ---- pcapng ---------------------------------------------------------------------------

# a segment line: time, #conn, the tunnel layers (docs/tunnels.md: "vlan
# 10/20 " and "NAME ... | "), then the inner packet
SEG_LINE = re.compile(r"^\S+ (?:(#\d+) )?(?:vlan [\d/]+ )?(?:[a-z][a-z0-9-]*[^|]* \| (?:vlan [\d/]+ )?)*"
                      r"IP6? .* len \d+(?:  (.*))?$")
BAD_LINE = re.compile(r"^\S+ (\[.*\])$")


def expected_comments(text):
    """Our annotation of each traced frame, from the text output: the words
    after the lengths (with the connection number in front), or the
    bracketed reason of a malformed frame.  Empty strings are kept."""
    out = []
    for line in text.splitlines():
        if line.startswith("== "):
            continue
        m = SEG_LINE.match(line)
        if m:
            conn, tail = m.group(1), m.group(2) or ""
            out.append(conn + " " + tail if conn else tail)
            continue
        m = BAD_LINE.match(line)
        if check(m, "unparsed text line %r" % line):
            out.append(m.group(1))
    return out


def check_pcapng_file(tcpshake, cap, name, tmp, extra=(), damaged=False):
    out = os.path.join(tmp, "out.pcapng")
    p = run([tcpshake, "trace", "-r", cap, "--color", "never", "-w", out, "--annotate"]
            + list(extra), expect_rc=None if damaged else 0)
    try:
        ifaces, got = read_pcapng(out)
    except ValueError as e:
        fail("%s: not strict pcapng: %s" % (name, e))
        return
    lts, want = read_any(cap)
    if extra:  # a filter: compare with what tshark keeps
        return ifaces, got, p
    if damaged:
        # the file fails part-way (exit 1): what was traced before is written
        m = re.search(r"\(after (\d+) frames;", p.stderr.decode())
        check(p.returncode == 1 and m, "%s: exit %d, %r" % (name, p.returncode, p.stderr))
        n = int(m.group(1)) if m else 0
        want, lts = want[:n], lts[:n]
    check(len(got) == len(want), "%s: %d frames written, %d read" % (name, len(got), len(want)))
    for i, (g, w, lt) in enumerate(zip(got, want, lts)):
        ifid, ts_ns, cap_len, wire, data, _ = g
        if not check((ts_ns, cap_len, wire, data) == w and ifaces[ifid][0] == lt,
                     "%s: frame %d differs (time %d/%d, caplen %d/%d, wirelen %d/%d, "
                     "link type %d/%d, bytes %s)" %
                     (name, i + 1, ts_ns, w[0], cap_len, w[1], wire, w[2], ifaces[ifid][0], lt,
                      "same" if data == w[3] else "differ")):
            break
    check(len({lt for lt in lts}) == len(ifaces), "%s: %d IDBs" % (name, len(ifaces)))
    check(all(i[2] == 9 for i in ifaces), "%s: if_tsresol" % name)

    # the comments: one per traced frame, our words
    comments = [c[0] if c else "" for *_, c in got]
    check(all(len(c) <= 1 for *_, c in got), "%s: more than one comment on a frame" % name)
    want_c = [c for c in expected_comments(p.stdout.decode()) if c]
    check([c for c in comments if c] == want_c, "%s: comments differ from the text output:\n"
          "  ours %s\n  text %s" % (name, [c for c in comments if c][:5], want_c[:5]))

    # tshark reads the file: the same comments, the same bytes as the input
    t = run(["tshark", "-r", out, "-T", "fields", "-e", "frame.comment"])
    tc = t.stdout.decode("utf-8").split("\n")[:-1]
    check(tc == comments, "%s: tshark frame.comment: %s, want %s" % (name, tc[:3], comments[:3]))
    if damaged:
        return
    x_in = run(["tshark", "-r", cap, "-x"]).stdout
    x_out = run(["tshark", "-r", out, "-x"]).stdout
    check(x_in == x_out and x_in, "%s: tshark -x differs" % name)


def check_pcapng(tcpshake, root, tmp):
    if not shutil.which("tshark"):
        print("tshark is not installed")
        return SKIP
    caps = [(c, short(c, root)) for c in captures(root, all_tunnels=False)]
    if shutil.which("editcap"):
        # link types and a container the bundled set lacks: raw IP (the
        # Ethernet header chopped off, LINKTYPE_RAW), and pcapng input
        src = os.path.join(root, "captures", "client-close.pcap")
        raw = os.path.join(tmp, "raw.pcap")
        png = os.path.join(tmp, "in.pcapng")
        run(["editcap", "-C", "14", "-T", "rawip", src, raw])
        run(["editcap", "-F", "pcapng", os.path.join(root, "captures", "vlan.pcap"), png])
        caps += [(raw, "client-close as raw IP"), (png, "vlan as pcapng")]
    for cap, name in caps:
        check_pcapng_file(tcpshake, cap, name, tmp)
    for cap in sorted(glob.glob(os.path.join(root, "captures", "bad", "*.pcap"))):
        name = short(cap, root)
        if name == "bad/cut-tcp-header.pcap":  # damaged inside, whole as a file
            check_pcapng_file(tcpshake, cap, name, tmp)
        else:
            check_pcapng_file(tcpshake, cap, name, tmp, damaged=True)

    # with a filter only the traced frames are written (vlan.pcap: no ARP)
    cap = os.path.join(root, "captures", "vlan.pcap")
    ifaces, got, p = check_pcapng_file(tcpshake, cap, "vlan with a filter", tmp,
                                       extra=["vlan", "and", "tcp"])
    n = len(run(["tshark", "-r", cap, "-Y", "tcp"]).stdout.decode().splitlines())
    check(len(got) == n and all(c for *_, c in got),
          "filtered: %d frames (tshark: %d TCP), all commented" % (len(got), n))

    # without --annotate: the same frames, no comments
    out = os.path.join(tmp, "plain.pcapng")
    run([tcpshake, "trace", "-r", cap, "--summary", "-w", out])
    _, got = read_pcapng(out)
    check(len(got) == len(read_pcap(cap)[1]) and not any(c for *_, c in got),
          "-w without --annotate")

    # usage errors: one line, exit 2
    p = run([tcpshake, "trace", "-r", cap, "--annotate"], expect_rc=2)
    check(p.stderr.decode() == "tcpshake: trace: --annotate: needs -w FILE\n",
          "--annotate alone: %r" % p.stderr)
    # -w -: the same pcapng on standard output, the lines on stderr
    p = run([tcpshake, "trace", "-r", cap, "--summary", "-w", "-"])
    check(p.stdout == open(out, "rb").read() and b"== conn" in p.stderr,
          "-w -: the bytes -w FILE writes, the verdicts on stderr")
    p = run([tcpshake, "trace", "-r", cap, "-w", "/nonexistent/dir/x.pcapng"], expect_rc=2)
    check(p.stderr.decode().startswith("tcpshake: trace: -w: /nonexistent/dir/x.pcapng: "),
          "unwritable -w: %r" % p.stderr)
    if os.path.exists("/dev/full"):
        p = run([tcpshake, "trace", "-r", cap, "--summary", "-w", "/dev/full"], expect_rc=1)
        check("No space left" in p.stderr.decode(), "-w /dev/full: %r" % p.stderr)
    return 0


# ---- stats ------------------------------------------------------------------------------

def nearest_rank(vals, q_num, q_den):
    s = sorted(vals)
    k = max(1, -(-q_num * len(s) // q_den))
    return s[k - 1]


def us(x):
    return int(Decimal(x) * 1000000)


def check_stats(tcpshake, root, tmp):
    synth = os.path.join(tmp, "handshakes.pcap")
    make_handshakes(synth)
    for cap in captures(root) + [synth]:
        name = short(cap, root) if cap != synth else "synthetic handshakes"
        p = run([tcpshake, "trace", "-r", cap, "--json", "--stats"])
        objs = [json.loads(l, parse_float=Decimal) for l in p.stdout.decode().splitlines()]
        if not check(objs and objs[-1]["type"] == "stats" and
                     sum(o["type"] == "stats" for o in objs) == 1,
                     "%s: no single stats object at the end" % name):
            continue
        st = objs[-1]
        segs = [o for o in objs if o["type"] == "segment"]
        conns = [o for o in objs if o["type"] == "conn"]
        bad = [o for o in objs if o["type"] == "malformed"]
        tracked = [s for s in segs if s["conn"] is not None]
        check((st["segments"], st["untracked"], st["malformed"], st["connections"]) ==
              (len(segs), len(segs) - len(tracked), len(bad), len(conns)),
              "%s: totals %s" % (name, (st["segments"], st["untracked"], st["malformed"],
                                        st["connections"])))

        def counts(items, key, names):
            c = {n: 0 for n in names}
            for it in items:
                c[key(it)] = c.get(key(it), 0) + 1
            return c
        check(st["roles"] == counts(tracked, lambda s: s["role"], st["roles"]),
              "%s: roles %s" % (name, st["roles"]))
        resets = [s for s in tracked if s["role"] == "reset"]
        check(st["rst_reasons"] == counts(resets, lambda s: s["rst_reason"], st["rst_reasons"]),
              "%s: rst_reasons" % name)
        # a segment's "notes" list holds our notes, then the decoder's
        # anomalies; a malformed frame's, anomalies only
        notes = {n: 0 for n in st["notes"]}
        anomalies = {n: 0 for n in st["anomalies"]}
        for s in segs:
            for n in s["notes"]:
                d = notes if s["conn"] is not None and n in notes else anomalies
                d[n] = d.get(n, 0) + 1
        for b in bad:
            for n in b["notes"]:
                anomalies[n] = anomalies.get(n, 0) + 1
        check(st["notes"] == notes, "%s: notes %s vs %s" % (name, st["notes"], notes))
        check(st["anomalies"] == anomalies, "%s: anomalies %s vs %s" %
              (name, st["anomalies"], anomalies))
        check(st["close_kinds"] == counts(conns, lambda c: c["close_kind"], st["close_kinds"]),
              "%s: close_kinds" % name)
        check(st["closed_by"] == counts(conns, lambda c: c["closed_by"] or "none",
                                        st["closed_by"]), "%s: closed_by" % name)
        check(st["conn_states"] == counts(conns, lambda c: c["conn_state"], st["conn_states"]),
              "%s: conn_states" % name)
        check(st["end_reasons"] == counts(conns, lambda c: c["end_reason"], st["end_reasons"]),
              "%s: end_reasons" % name)

        series = {
            "rtt_syn_synack": [us(c["rtt_syn_synack"]) for c in conns
                               if c["rtt_syn_synack"] is not None],
            "rtt_synack_ack": [us(c["rtt_synack_ack"]) for c in conns
                               if c["rtt_synack_ack"] is not None],
            "rtt_handshake": [us(c["rtt_syn_synack"]) + us(c["rtt_synack_ack"]) for c in conns
                              if c["rtt_syn_synack"] is not None
                              and c["rtt_synack_ack"] is not None],
        }
        for key, vals in series.items():
            r = st[key]
            want = {"n": len(vals), "exact": True}
            if vals:
                want.update(min=min(vals), max=max(vals), median=nearest_rank(vals, 1, 2),
                            p99=nearest_rank(vals, 99, 100))
            got = {"n": r["n"], "exact": r["exact"]}
            if vals:
                got.update({k: us(r[k]) for k in ("min", "max", "median", "p99")})
            else:
                check(all(r[k] is None for k in ("min", "max", "median", "p99")),
                      "%s: %s not null" % (name, key))
            check(got == want, "%s: %s %s, want %s" % (name, key, got, want))

        re_per = [c["c2s_retransmissions"] + c["s2c_retransmissions"] for c in conns]
        hist = {b: 0 for b in ("0", "1", "2-3", "4-7", "8-15", "16-31", "32-63", "64+")}
        for n in re_per:
            b = "0" if n == 0 else "64+" if n >= 64 else \
                "%d" % n if n == 1 else "%d-%d" % (2 ** int(math.log2(n)), 2 ** (int(math.log2(n)) + 1) - 1)
            hist[b] += 1
        total = sum(re_per)
        mean = (total * 100 + len(conns) // 2) // len(conns) if conns else 0
        want = {"total": total, "max": max(re_per, default=0),
                "mean": Decimal("%d.%02d" % (mean // 100, mean % 100)),
                "connections_with": sum(1 for n in re_per if n), "per_connection": hist}
        check(st["retransmissions"] == want, "%s: retransmissions %s, want %s" %
              (name, st["retransmissions"], want))

        # the text block says the same
        t = run([tcpshake, "trace", "-r", cap, "--summary", "--stats"]).stdout.decode()
        lines = t.splitlines()
        head = [i for i, l in enumerate(lines) if l.startswith("== stats")]
        if not check(len(head) == 1 and all(l.startswith("  ") for l in lines[head[0] + 1:]),
                     "%s: text stats block" % name):
            continue
        m = re.match(r"^== stats  (\d+) segments? \((\d+) untracked\)  (\d+) malformed  "
                     r"(\d+) connections?$", lines[head[0]])
        check(m and tuple(map(int, m.groups())) ==
              (st["segments"], st["untracked"], st["malformed"], st["connections"]),
              "%s: text head %r" % (name, lines[head[0]]))
        block = {l[2:15].strip(): l[15:] for l in lines[head[0] + 1:]}
        for label, key in (("roles", "roles"), ("close", "close_kinds"),
                           ("conn_state", "conn_states"), ("notes", "notes")):
            want = "  ".join("%s %d" % (k, v) for k, v in st[key].items() if v) or "-"
            check(block.get(label) == want, "%s: text %s %r, want %r" %
                  (name, label, block.get(label), want))
        check(all(l.startswith("== conn #") for l in lines[:head[0]]),
              "%s: --summary printed segment lines" % name)

        if cap == synth:  # the answers the capture was made with
            r = st["rtt_syn_synack"]
            check((r["n"], r["min"], r["median"], r["p99"], r["max"]) ==
                  (9, Decimal("0.001"), Decimal("0.005"), Decimal("0.009"), Decimal("0.009")),
                  "synthetic: rtt_syn_synack %s" % r)
            check(st["retransmissions"]["per_connection"]["1"] == 2 and
                  st["retransmissions"]["per_connection"]["2-3"] == 4 and
                  st["retransmissions"]["total"] == 1 * 2 + 2 * 2 + 3 * 2,
                  "synthetic: retransmissions %s" % st["retransmissions"])
    return 0


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("zeek-log", "pcapng", "stats"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    what, tcpshake, root = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        rc = {"zeek-log": check_zeek, "pcapng": check_pcapng, "stats": check_stats}[what](
            tcpshake, root, tmp)
    if rc == SKIP:
        return SKIP
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
