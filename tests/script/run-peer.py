#!/usr/bin/env python3
"""tcpshake script --peer against a real host: the kernel of a network
namespace of its own, whose service accepts and reads until the end of the
stream, then closes.  tcpshake runs in a second namespace joined to it by a
veth, so each script crosses a real path (ARP or neighbour discovery, the
route, the RST guard).  Over IPv4 and IPv6:

- every script of tests/script/peer passes, and the host is left with no
  connection open (what a script leaves open is reset at the end, at the
  number the host last acknowledged, also after a hole in the data);
- wrong variants (an outbound segment's ack or flags, a retransmission's
  time) fail on the line changed, naming the field;
- what --peer cannot run is refused with exit 2 and the line (a system
  call without --skip-syscalls, connect(), a SYN of the stack's own), and
  so are broadcast, multicast and unspecified addresses;
- a closed port and a silent host are told before the script starts;
- --rate paces our segments and says so; -w writes frames tshark reads;
- no nft table, no process and no namespace is left, after SIGINT too.

usage: run-peer.py TCPSHAKE
Exit 0 all as expected, 1 otherwise, 77 without root.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

if os.geteuid() != 0:
    print("skip: needs root (namespaces)")
    sys.exit(77)
for tool in ("ip", "nft", "ss", "tshark"):
    if not shutil.which(tool):
        print(f"skip: needs {tool}")
        sys.exit(77)

exe = os.path.abspath(sys.argv[1])
here = os.path.dirname(os.path.abspath(__file__))
peerdir = os.path.join(here, "peer")
tag = str(os.getpid())
NA, NB = f"tsp{tag}a", f"tsp{tag}b"
V4, V6 = "198.18.7.2", "2001:db8:7::2"
bad = 0

SERVER = r"""
import socket, sys, threading
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 8080))
s.listen(64)
print("ready", flush=True)
def serve(c):
    while True:
        try:
            d = c.recv(65536)
        except OSError:
            break
        if not d:
            break
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def check(ok, what, out=""):
    global bad
    if ok:
        print(f"ok: {what}")
    else:
        bad += 1
        print(f"FAIL: {what}\n{out}")


def run(args, timeout=60):
    p = subprocess.run(["ip", "netns", "exec", NA, exe, "script"] + args,
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def for_family(text, fam):
    # the host's MSS over the veth: 1500 - 40, or - 60 over IPv6
    return text if fam == 4 else text.replace("mss 1460", "mss 1440")


def host_connections():
    """The host's connections of port 8080 that are not over: a script must
    leave none (tcpshake resets what it left open)."""
    out = sh("ip", "netns", "exec", NB, "ss", "-Htan", "state", "established", "state",
             "syn-recv", "state", "fin-wait-1", "state", "close-wait", "state", "last-ack",
             "( sport = :8080 )").stdout
    return [l for l in out.split("\n") if l.strip()]


def settled():
    # the service closes its side as soon as it reads the end or the reset
    for _ in range(20):
        left = host_connections()
        if not left:
            return left
        time.sleep(0.05)
    return left


def guard_tables():
    return [l for l in sh("ip", "netns", "exec", NA, "nft", "list", "tables").stdout.split("\n")
            if "tcpshake" in l]


server = None
try:
    sh("ip", "netns", "add", NA)
    sh("ip", "netns", "add", NB)
    sh("ip", "link", "add", "tspa0", "netns", NA, "type", "veth", "peer", "name", "tspb0",
       "netns", NB)
    for ns, dev, a4, a6 in ((NA, "tspa0", "198.18.7.1", "2001:db8:7::1"),
                            (NB, "tspb0", V4, V6)):
        sh("ip", "-n", ns, "addr", "add", a4 + "/24", "dev", dev)
        sh("ip", "-n", ns, "addr", "add", a6 + "/64", "dev", dev, "nodad")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", ns, "link", "set", dev, "up")
    # the host's window scale follows its largest receive buffer: pinned
    sh("ip", "netns", "exec", NB, "sh", "-c",
       "echo 4096 131072 6291456 > /proc/sys/net/ipv4/tcp_rmem")
    server = subprocess.Popen(["ip", "netns", "exec", NB, sys.executable, "-c", SERVER],
                              stdout=subprocess.PIPE, text=True)
    if server.stdout.readline().strip() != "ready":
        print("FAIL: the test's service did not start")
        sys.exit(1)

    scripts = sorted(f for f in os.listdir(peerdir) if f.endswith(".pkt"))
    with tempfile.TemporaryDirectory() as d:
        for fam, addr in ((4, V4), (6, f"[{V6}]:8080")):
            for name in scripts:
                text = for_family(open(os.path.join(peerdir, name)).read(), fam)
                path = os.path.join(d, f"{fam}-{name}")
                open(path, "w").write(text)
                rc, out = run(["--skip-syscalls", "--peer", addr, path])
                check(rc == 0 and "PASS " in out, f"IPv{fam} {name} passes", out)
                left = settled()
                check(not left, f"IPv{fam} {name}: the host has no connection left open",
                      "\n".join(left))

            # wrong variants: each must fail on its line, naming the field
            text = for_family(open(os.path.join(peerdir, "handshake-close.pkt")).read(), fam)
            lines = text.split("\n")
            variants = []
            for i, l in enumerate(lines):
                m = re.match(r"^(\s*\S+\s+>\s+)(\S+)(\s+\d+:\d+\(\d+\).*\back )(\d+)(.*)$", l)
                if m:
                    pre, fl, mid, ack, rest = m.groups()
                    variants.append((i, f"{pre}{fl}{mid}{int(ack) + 1}{rest}", "ack: expected"))
                    variants.append((i, f"{pre}R.{mid}{ack}{rest}", "flags: expected"))
            rt = open(os.path.join(peerdir, "synack-retransmit.pkt")).read().split("\n")
            for i, l in enumerate(rt):
                if l.strip().startswith("+1 >"):
                    rt[i] = l.replace("+1 >", "+0.5 >")
                    line_rt = i + 1
            for n, (i, new, field) in enumerate(variants):
                v = lines[:]
                v[i] = new
                path = os.path.join(d, f"v{fam}-{n}.pkt")
                open(path, "w").write("\n".join(v))
                rc, out = run(["--peer", addr, path])
                check(rc == 1 and f":{i + 1}: " in out and field in out,
                      f"IPv{fam} wrong variant of line {i + 1} fails naming '{field}'", out)
            path = os.path.join(d, f"rt{fam}.pkt")
            open(path, "w").write(for_family("\n".join(rt), fam))
            rc, out = run(["--peer", addr, path])
            check(rc == 1 and f":{line_rt}: " in out and "time: expected" in out,
                  f"IPv{fam} a retransmission half a second early fails on line {line_rt}", out)

        # skipped lines: said per line, on stderr without -v, in the -v list with it
        ws = os.path.join(peerdir, "with-syscalls.pkt")
        rc, out = run(["--skip-syscalls", "--peer", V4, ws])
        said = re.findall(r"with-syscalls.pkt:(\d+): skipped", out)
        check(rc == 0 and said == ["5", "6", "7", "8", "13"],
              f"each skipped line is said ({said})", out)
        rc, out = run(["-v", "--skip-syscalls", "--peer", V4, ws])
        said = [l.split()[0] for l in out.split("\n") if "skipped: --peer" in l]
        check(rc == 0 and said == ["5", "6", "7", "8", "13"],
              f"-v lists each skipped line ({said})", out)

        # refused: exit 2, the line and why
        rc, out = run(["--peer", V4, ws])
        check(rc == 2 and "with-syscalls.pkt:5:5:" in out and "--skip-syscalls" in out,
              "a system call without --skip-syscalls is refused on its line", out)
        rc, out = run(["--skip-syscalls", "--peer", V4, os.path.join(here, "active-open.pkt")])
        check(rc == 2 and "connect()" in out, "connect() is refused", out)
        syn = os.path.join(d, "syn-out.pkt")
        open(syn, "w").write("0 > S 0:0(0) <...>\n")
        rc, out = run(["--peer", V4, syn])
        check(rc == 2 and "syn-out.pkt:1:1:" in out and "SYN of its own" in out,
              "a SYN of the stack's own is refused", out)
        v6 = os.path.join(d, "v6.pkt")
        open(v6, "w").write("--ip_version=ipv6\n0 < S 0:0(0) win 100\n")
        rc, out = run(["--peer", V4, v6])
        check(rc == 2 and "v6.pkt:1:1:" in out and "IPv4" in out,
              "a script for the other family is refused on its option's line", out)
        for opt, why in (("--mtu=1400", "path's MTU"), ("--mss=1000", "GSO size")):
            o = os.path.join(d, "opt.pkt")
            open(o, "w").write(f"{opt}\n0 < S 0:0(0) win 100\n")
            rc, out = run(["--peer", V4, o])
            check(rc == 2 and "opt.pkt:1:1:" in out and why in out,
                  f"a script's {opt} is refused with --peer on its line", out)
        hs = os.path.join(peerdir, "handshake-close.pkt")
        for a, why in (("198.18.7.255", "broadcast address of tspa0"),
                       ("224.0.0.1", "multicast"), ("255.255.255.255", "broadcast"),
                       ("0.0.0.0", "not a host's address"), ("ff02::1", "multicast"),
                       ("::", "not a host's address")):
            rc, out = run(["--peer", a, hs])
            check(rc == 2 and why in out, f"--peer {a} is refused ({why})", out)
        rc, out = run(["--skip-syscalls", hs])
        check(rc == 2 and "--peer" in out, "--skip-syscalls without --peer is refused", out)

        # a closed port, a silent host: told before the script starts
        rc, out = run(["--peer", V4 + ":9", hs])
        check(rc == 2 and "refused the connection (RST)" in out, "a closed port is told", out)
        rc, out = run(["--peer", "198.18.7.3", hs])
        check(rc == 2 and "did not answer a SYN" in out, "a silent host is told", out)

        # --rate: our segments wait for it, and each says so
        rc, out = run(["-v", "--rate", "2", "--peer", V4, hs])
        check(rc == 0 and "late: --rate" in out and "PASS" in out,
              "--rate 2 paces the segments and says so", out)

        # -w: Ethernet frames, every one read by tshark as TCP
        pcap = os.path.join(d, "peer.pcap")
        rc, out = run(["-w", pcap, "--peer", V4, hs])
        t = sh("tshark", "-r", pcap, "-T", "fields", "-e", "tcp.flags.str", check=False)
        n = [l for l in t.stdout.split("\n") if l.strip()]
        check(rc == 0 and len(n) == 8 and t.returncode == 0,
              f"-w writes the 8 segments, tshark reads them ({len(n)})", t.stdout + out)

        # SIGINT while a segment is awaited: exit 130, the guard is gone
        slow = os.path.join(d, "slow.pkt")
        open(slow, "w").write("0 < S 0:0(0) win 32792 <mss 1000>\n"
                              "+0 > S. 0:0(0) ack 1 <...>\n"
                              "+.01 < . 1:1(0) ack 1 win 257\n"
                              "+5 > P. 1:2(1) ack 1\n")
        p = subprocess.Popen(["ip", "netns", "exec", NA, exe, "script", "--peer", V4, slow],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(1.5)
        had = guard_tables()
        p.send_signal(signal.SIGINT)
        out = p.communicate(timeout=20)[0]
        check(len(had) == 1 and p.returncode == 130,
              f"SIGINT mid-script: exit 130 (exit {p.returncode}, guard tables {had})", out)

    left = guard_tables()
    check(not left, "no nft table of tcpshake is left", "\n".join(left))
finally:
    if server:
        server.kill()
        server.wait()
    sh("ip", "netns", "del", NA, check=False)
    sh("ip", "netns", "del", NB, check=False)
    for ns in (NA, NB):
        if os.path.exists(f"/run/netns/{ns}"):
            print(f"FAIL: namespace {ns} left")
            bad += 1

print(f"{'FAIL' if bad else 'PASS'}: run-peer ({bad} failed)")
sys.exit(1 if bad else 0)
