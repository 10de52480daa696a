#!/usr/bin/env python3
"""tcpshake script's packetdrill command-line behaviours, against the kernel:

- --non_fatal=packet (packetdrill's, on the command line or as the script's
  option): an outbound segment that differs is a warning naming the field,
  the script goes on and passes, its count in the PASS line and in --json;
  without it the same script fails on that line; an unknown type is a
  usage error (exit 2).
- the folder shell lines run in: the script's (gtests' `../common/x.sh`,
  run from anywhere), or this process's when the programs they start by
  relative paths are found only from there (the netfilter selftests'
  runner starts `packetdrill/x.pkt`, whose init line is
  `packetdrill/common.sh`); a program found from neither fails the script
  on its line, status 127.
- a local run keeps tcpshake and its agent on one CPU, and the programs of
  shell lines on the CPUs tcpshake was given.

usage: run-cli.py TCPSHAKE      Exit 0 all as expected, 1 otherwise, 77 without root.
"""
import json
import os
import subprocess
import sys
import tempfile

if os.geteuid() != 0:
    print("skip: needs root (namespaces)")
    sys.exit(77)

exe = os.path.abspath(sys.argv[1])
bad = 0


def check(ok, what, out=""):
    global bad
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        bad += 1
        print("    " + out.replace("\n", "\n    "))


def run(args, cwd):
    p = subprocess.run([exe, "script"] + args, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    return p.returncode, p.stdout


# the stack's SYN+ACK offers a window of 1 in the script: it offers more
BODY = """`echo 4096 131072 6291456 > /proc/sys/net/ipv4/tcp_rmem`

    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>
   +0 > S. 0:0(0) ack 1 win 1 <mss 1460,nop,nop,sackOK,nop,wscale 7>
 +.01 < . 1:1(0) ack 1 win 257
   +0 accept(3, ..., ...) = 4
   +0 close(4) = 0
   +0 > F. 1:1(0) ack 1
"""
WRONG_LINE = 8

with tempfile.TemporaryDirectory() as d:
    wf = os.path.join(d, "win.pkt")
    open(wf, "w").write(BODY)
    rc, out = run(["--non_fatal=packet", wf], d)
    check(rc == 0 and f"warning {wf}:{WRONG_LINE}: win: expected 1, got " in out
          and "1 warning)" in out and out.startswith("warning") and "PASS" in out,
          "--non_fatal=packet: the window is a warning on its line, the script passes", out)
    rc, out = run(["--non_fatal", "packet,syscall", "--json", wf], d)
    last = [json.loads(l) for l in out.split("\n") if l.startswith("{")]
    check(rc == 0 and any(o.get("warnings") == 1 and o.get("result") == "pass" for o in last),
          "--non_fatal packet,syscall --json: warnings 1, result pass", out)
    rc, out = run([wf], d)
    check(rc == 1 and f"FAIL {wf}:{WRONG_LINE}:" in out and "win: expected 1, got" in out,
          "without --non_fatal the script fails on that line", out)
    of = os.path.join(d, "opt.pkt")
    open(of, "w").write("--non_fatal=packet\n" + BODY)
    rc, out = run([of], d)
    check(rc == 0 and f"warning {of}:{WRONG_LINE + 1}: win" in out and "1 warning)" in out,
          "the script's own --non_fatal=packet does the same", out)
    rc, out = run(["--non_fatal=bogus", wf], d)
    check(rc == 2 and "--non_fatal" in out and "bogus" in out, "--non_fatal=bogus: exit 2", out)

    # shell lines: the script's folder, or this process's
    os.makedirs(os.path.join(d, "suite", "tests"))
    os.makedirs(os.path.join(d, "suite", "common"))
    for h in (os.path.join(d, "suite", "common", "up.sh"),
              os.path.join(d, "suite", "tests", "common.sh")):
        open(h, "w").write("#!/bin/sh\nexit 0\n")
        os.chmod(h, 0o755)
    ok = ("   0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
          "  +0 close(3) = 0\n")
    gt = os.path.join(d, "suite", "tests", "gt.pkt")
    open(gt, "w").write("`../common/up.sh`\n\n" + ok)
    rc, out = run([gt], "/")
    check(rc == 0 and "PASS" in out,
          "`../common/up.sh` runs from the script's folder, tcpshake started in /", out)
    nf = os.path.join(d, "suite", "tests", "nf.pkt")
    open(nf, "w").write("`tests/common.sh`\n\n" + ok)
    rc, out = run(["tests/nf.pkt"], os.path.join(d, "suite"))
    check(rc == 0 and "PASS" in out,
          "`tests/common.sh` runs from this process's folder, where only it is found", out)
    rc, out = run([nf], "/")
    check(rc == 1 and "nf.pkt:1: the command exited with status 127" in out,
          "found from neither folder: the script fails on the command's line", out)

    # a local run keeps tcpshake and its agent on one CPU; the programs of
    # shell lines run on the CPUs tcpshake was given
    def cpu_list(text):
        out = set()
        for part in text.split(","):
            a, _, b = part.partition("-")
            out |= set(range(int(a), int(b or a) + 1))
        return out
    af = os.path.join(d, "aff.out")
    ap = os.path.join(d, "aff.pkt")
    open(ap, "w").write(f"`grep Cpus_allowed_list /proc/self/status > {af}\n"
                        f"grep Cpus_allowed_list /proc/$PACKETDRILL_PID/status >> {af}`\n\n"
                        + ok)
    rc, out = run([ap], d)
    got = [cpu_list(l.split()[-1]) for l in open(af)] if os.path.exists(af) else []
    mine = os.sched_getaffinity(0)
    check(rc == 0 and len(got) == 2 and got[0] == mine and len(got[1]) == 1 and got[1] <= mine,
          f"shell lines run on tcpshake's CPUs {sorted(mine)}, the agent on one "
          f"({[sorted(g) for g in got]})", out)

print("all as expected" if not bad else f"{bad} not as expected")
sys.exit(1 if bad else 0)
