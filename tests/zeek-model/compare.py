#!/usr/bin/env python3
"""tcpshake's Zeek conn_state and history against the Python model of Zeek.

  compare.py TCPSHAKE CAPTURE|DIR...

tshark reads each capture's TCP segments (any link type), the model
(zeek_model.py) runs Zeek's rules on them, and `tcpshake trace --summary
--json` gives ours; the (history, conn_state) pairs must be equal, in order
of creation.  Exit 0 when all agree, 1 on a difference, 77 without tshark.

Known, deliberate differences (README, "Zeek and tshark compatibility") are
listed in KNOWN and reported, not failed.
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zeek_model import run  # noqa: E402

# A simultaneous open is one connection for tcpshake (RFC 9293 3.5) but two
# for Zeek, whose IsReuse starts a new one at the second SYN.
KNOWN = {"simultaneous-open.pcap"}


def segments(capture):
    out = subprocess.run(
        ["tshark", "-n", "-r", capture, "-Y", "tcp", "-T", "fields", "-E", "separator=\t",
         "-o", "tcp.relative_sequence_numbers:FALSE",
         "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst",
         "-e", "tcp.dstport", "-e", "tcp.flags", "-e", "tcp.seq_raw", "-e", "tcp.ack_raw",
         "-e", "tcp.len", "-e", "tcp.window_size_value"],
        capture_output=True, text=True, timeout=120).stdout
    segs = []
    for line in out.splitlines():
        v = line.split("\t")
        if len(v) < 11 or not v[6]:
            continue  # a TCP header the capture cut short: tcpshake skips it too
        fl = int(v[6], 16)
        flags = "".join(c for c, bit in zip("FSRPAU", [1, 2, 4, 8, 16, 32]) if fl & bit)
        segs.append(((v[0] or v[1], int(v[2])), (v[3] or v[4], int(v[5])), flags,
                     int(v[7]), int(v[8] or 0), int(v[9] or 0), int(v[10] or 0)))
    return segs


def main():
    if len(sys.argv) < 3:
        print("usage: compare.py TCPSHAKE CAPTURE...", file=sys.stderr)
        return 2
    if not shutil.which("tshark"):
        print("skip: tshark is not installed")
        return 77
    tcpshake, bad = sys.argv[1], 0
    caps = []
    for arg in sys.argv[2:]:  # a directory stands for its *.pcap files
        if os.path.isdir(arg):
            caps += sorted(os.path.join(arg, f) for f in os.listdir(arg) if f.endswith(".pcap"))
        else:
            caps.append(arg)
    for cap in caps:
        model = [(c.hist or "-", c.conn_state()) for c in run(segments(cap))]
        lines = subprocess.run([tcpshake, "trace", "--summary", "--json", "-r", cap],
                               capture_output=True, text=True).stdout.splitlines()
        ours = [(o["history"] or "-", o["conn_state"])
                for o in map(json.loads, lines) if o.get("type") == "conn"]
        name = os.path.basename(cap)
        if model == ours:
            print(f"ok    {name}: {ours}")
        elif name in KNOWN:
            print(f"known {name}: zeek model {model}, tcpshake {ours}")
        else:
            print(f"DIFF  {name}: zeek model {model}, tcpshake {ours}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
