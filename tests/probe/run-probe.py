#!/usr/bin/env python3
"""tcpshake probe against three real TCP stacks, each started here in
network namespaces of its own (tests/peers): the Linux kernel (IPv4 and
IPv6), lwIP on a tap device (tests/peers/lwip-echo) and libslirp
(slirp4netns, whose gateway address ends in slirp's own TCP).  Each runs an
echo service on 7, a service that closes at once on 13, nothing on 9.

- every probe has a result and a why, and the result (with the variant's
  name) is the one the stack's source says (EXPECT below, each surprise
  with its evidence in README's "tcpshake probe" section);
- run twice, the battery gives the same results (not with --once: the
  sanitizer build runs it once);
- the matrix of README.md is what `tcpshake probe --diff` prints for this
  run's reports, byte for byte;
- a silent host and a port nothing listens on are inconclusive, never
  fail (also with --late-usecs, when no SYN measures the path first);
  probes needing --close-port without it, or with a port nothing listens
  on, and closed-port aimed at an open port, are inconclusive;
- --tap, -w (a pcap tshark reads, a ladder), --list, the refusals;
- nothing is left: namespaces, processes, nft tables.

usage: run-probe.py TCPSHAKE README [LWIP_ECHO] [--once]
Exit 0 all as expected, 1 otherwise, 77 without root or the stacks.
"""
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "peers"))

if os.geteuid() != 0:
    print("skip: needs root (namespaces)")
    sys.exit(77)
for tool in ("ip", "nft", "tshark"):
    if not shutil.which(tool):
        print(f"skip: needs {tool}")
        sys.exit(77)

import stacks  # noqa: E402
from lwip_peer import lwip_peer  # noqa: E402

args = [a for a in sys.argv[1:] if a != "--once"]
once = "--once" in sys.argv
exe = os.path.abspath(args[0])
readme = args[1]
lwip_exe = os.path.abspath(args[2]) if len(args) > 2 else None
why_missing = stacks.missing() or stacks.slirp_missing()
if why_missing or not lwip_exe:
    print(f"skip: {why_missing or 'lwip-echo was not built (liblwip-dev)'}")
    sys.exit(77)

tag = str(os.getpid() % 100000)
bad = 0

ALL_PASS = {}
# what each stack's source says it does; a probe not named is a pass
EXPECT = {
    "linux": {},
    "lwip": {
        # lwIP 2.1.3: no SACK, no timestamps (LWIP_TCP_TIMESTAMPS 0,
        # LWIP_TCP_SACK_OUT 0); tcp_rst() sends RST|ACK (tcp_out.c)
        "sack-permitted": "~no-sack",
        "timestamps": "~no-timestamps",
        "bad-ack-syn-received": "~rst-ack",
        "ack-no-syn": "~rst-ack",
        "rst-exact": "~rst-ack",
        "rst-syn-received": "~rst-ack",
        "rst-with-data": "~rst-ack",
        # tcp_timewait_input(): a SYN outside the window is acknowledged,
        # TIME-WAIT kept (one inside it is reset)
        "time-wait-syn": "~ack",
        # "RFC 1337: in TIME_WAIT, ignore RST" (tcp_timewait_input())
        "time-wait-rst": "~rfc1337",
    },
    "slirp": {
        # libslirp 4.7 is 4.4BSD's TCP: no SACK, timestamps or window
        # scale; an in-window RST is taken and a SYN in the window reset
        # (tcp_input.c), no RFC 5961
        "sack-permitted": "~no-sack",
        "timestamps": "~no-timestamps",
        "window-scale": "~no-window-scale",
        "rst-in-window": "~accept",
        "syn-established": "~rst",
        # the SYN's options are read only when the host-side connect()
        # finished at once; it never does (EINPROGRESS), and the resumed
        # tcp_input() has optp NULL (tcp_input.c: "if (m == NULL) ...
        # goto cont_conn"; "if (optp) tcp_dooptions"): our MSS is ignored,
        # and without one slirp uses 1460, not 536 (MUST-15)
        "mss-clamp": "fail",
        "mss-default": "fail",
        # a duplicate SYN in SYN-RECEIVED: trimmed, TF_ACKNOW set, then
        # "if ((tiflags & TH_ACK) == 0) goto drop": no answer
        "syn-retransmitted": "fail",
        # refused: tcp_respond(..., ti->ti_seq + 1, 0, TH_RST | TH_ACK):
        # ack = seq + 1 whatever the SYN's length
        "closed-port": "fail",
        # the FINs cross: our FIN is acknowledged by its FIN sent again
        "close-simultaneous": "~fin-again",
        # the host socket is only shut for reading: our data is taken
        "data-after-their-fin": "~accepted",
    },
}


def sh(*cmd, check=False, timeout=600):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=check)


def check(ok, what, out=""):
    global bad
    if ok:
        print(f"ok: {what}")
    else:
        bad += 1
        print(f"FAIL: {what}")
        if out:
            print("  " + out.strip().replace("\n", "\n  "))


def probe(ns, *a):
    return sh("ip", "netns", "exec", ns, exe, "probe", *a)


def results(text):
    """{probe: "pass" | "~variant" | ...} and the objects, from --json"""
    got, objs = {}, []
    for line in text.splitlines():
        o = json.loads(line)
        if o.get("summary"):
            continue
        objs.append(o)
        got[o["probe"]] = "~" + o["variant"] if o["result"] == "variant" else o["result"]
    return got, objs


def battery(name, ns, addr, outdir, runs):
    """run the battery `runs` times; the reports' texts"""
    texts = []
    for i in range(runs):
        r = probe(ns, "--close-port", "13", "--closed-port", "9", "--json",
                  f"{addr}:7" if ":" not in addr else f"[{addr}]:7")
        texts.append((r.returncode, r.stdout, r.stderr))
        with open(os.path.join(outdir, f"{name}.{i}.json"), "w") as f:
            f.write(r.stdout)
    return texts


def judge(name, kind, texts):
    lines = sh(exe, "probe", "--list").stdout.splitlines()
    # the battery without --long: not the probes whose RFC line says so
    names = [l.split()[0] for i, l in enumerate(lines)
             if l and not l[0].isspace() and i + 1 < len(lines) and
             "only with --long" not in lines[i + 1]]
    want = {n: EXPECT[kind].get(n, "pass") for n in names}
    first = None
    for i, (rc, out, err) in enumerate(texts):
        try:
            got, objs = results(out)
        except (ValueError, KeyError) as e:
            check(False, f"{name}: run {i + 1}: JSON ({e})", out + err)
            continue
        check(all(o.get("why") for o in objs) and len(objs) == len(names),
              f"{name}: run {i + 1}: every probe has a result and a why", out + err)
        diffs = [f"{n}: expected {want[n]}, got {got.get(n)} ({o['why'] if o else ''})"
                 + (("\n" + o["detail"]) if o and o.get("detail") else "")
                 for n in names
                 for o in [next((x for x in objs if x["probe"] == n), None)]
                 if got.get(n) != want[n]]
        check(not diffs, f"{name}: run {i + 1}: each result is the one the stack's source says",
              "\n".join(diffs) + "\n" + err)
        fails = any(v == "fail" for v in want.values())
        check(rc == (1 if fails else 0), f"{name}: run {i + 1}: exit {1 if fails else 0}",
              f"exit {rc}\n{err}")
        if first is None:
            first = got
        else:
            check(got == first, f"{name}: the second run gives the same results",
                  "\n".join(f"{n}: {first.get(n)} then {got.get(n)}" for n in names
                            if first.get(n) != got.get(n)))


def nft_tables(ns):
    r = sh("ip", "netns", "exec", ns, "nft", "list", "tables")
    return [l for l in r.stdout.splitlines() if "tcpshake" in l]


work = tempfile.mkdtemp(prefix="tsprobe")
lwip_pid = -1
try:
    runs = 1 if once else 2
    with stacks.linux(tag + "4", family=4) as lx4, stacks.linux(tag + "6", family=6) as lx6, \
            stacks.slirp(tag) as sl, lwip_peer(f"tkw{tag}", lwip_exe) as lw:
        lwip_pid = lw["pid"]
        todo = {
            "linux": (lx4["ns"], lx4["addr"]),
            "linux6": (lx6["ns"], lx6["addr"]),
            "lwip": (lw["ns"], lw["addr"]),
            "slirp": (sl["ns"], sl["addr"]),
        }
        # the four stacks at once: each run waits on timers, not the CPU;
        # and beside them the 90 s of --long's synack-giveup against lwIP
        # (its SYN+ACK twice again, then silence: tcp_slowtmr() removes a
        # SYN-RCVD pcb after TCP_SYN_RCVD_TIMEOUT, 20 s, before a third)
        with concurrent.futures.ThreadPoolExecutor(5) as pool:
            futs = {n: pool.submit(battery, n, ns, a, work, runs) for n, (ns, a) in todo.items()}
            giveup = None if once else pool.submit(
                probe, lw["ns"], "--only", "synack-giveup", f"{lw['addr']}:7")
            done = {n: f.result() for n, f in futs.items()}
        if giveup:
            r = giveup.result()
            check(r.returncode == 0 and re.search(r"synack-giveup +pass +sent again 2 times "
                                                  r"\(at [0-9.]+, [0-9.]+ s\), then nothing",
                                                  r.stdout) is not None,
                  "lwip: --long's synack-giveup: two SYN+ACKs again, then silence",
                  r.stdout + r.stderr)
        for n in todo:
            judge(n, n.rstrip("6"), done[n])
            check(not nft_tables(todo[n][0]), f"{n}: no nft table left")

        # README's matrix: --diff of this run's reports, byte for byte
        for n in ("linux", "lwip", "slirp"):
            shutil.copy(os.path.join(work, f"{n}.0.json"), os.path.join(work, f"{n}.json"))
        d = sh(exe, "probe", "--diff", *(os.path.join(work, f"{n}.json")
                                          for n in ("linux", "lwip", "slirp")))
        text = open(readme, encoding="utf-8").read()
        m = re.search(r"<!-- probe-matrix -->\n```\n(.*?)```\n", text, re.S)
        check(d.returncode == 0 and m is not None and m.group(1) == d.stdout,
              "README's matrix is what tcpshake probe --diff prints for this run",
              d.stdout + d.stderr)

        ns, addr = todo["linux"]
        # a silent host: inconclusive, never fail, and the rest not waited for
        r = probe(ns, "--only", "handshake,closed-port,keepalive,rst-exact",
                  "198.18.10.99:7")
        check(r.returncode == 0 and r.stdout.count(" inconclusive ") == 4,
              "a silent host: every probe inconclusive, exit 0", r.stdout + r.stderr)
        # a port nothing listens on: inconclusive
        r = probe(ns, "--only", "handshake,keepalive", f"{addr}:9")
        check(r.returncode == 0 and r.stdout.count(" inconclusive ") == 2 and
              "nothing listens" in r.stdout, "a closed service port: inconclusive",
              r.stdout + r.stderr)
        # the same with the lateness given, so that no SYN measures it: the
        # RST to the probe's own SYN still says nothing listens
        r = probe(ns, "--late-usecs", "50000", "--only", "rst-exact,keepalive", f"{addr}:9")
        check(r.returncode == 0 and r.stdout.count(" inconclusive ") == 2 and
              "nothing listens" in r.stdout,
              "a closed service port with --late-usecs: inconclusive", r.stdout + r.stderr)
        # ports given wrong: setup mistakes are inconclusive, not the stack's failures
        r = probe(ns, "--close-port", "9", "--closed-port", "13", "--only",
                  "close-their-fin,fin-retransmit,closed-port", f"{addr}:7")
        check(r.returncode == 0 and r.stdout.count(" inconclusive ") == 3 and
              "--close-port" in r.stdout and "give --closed-port" in r.stdout,
              "--close-port where nothing listens, --closed-port that is open: inconclusive",
              r.stdout + r.stderr)
        # without --close-port
        r = probe(ns, "--only", "close-their-fin", f"{addr}:7")
        check(r.returncode == 0 and "inconclusive" in r.stdout and "--close-port" in r.stdout,
              "without --close-port: inconclusive, and it says what to give", r.stdout)
        # --tap and -w
        wdir = os.path.join(work, "w")
        r = probe(ns, "--tap", "-w", wdir, "--only", "rst-in-window,syn-data", f"{addr}:7")
        check(r.returncode == 0 and r.stdout.startswith("TAP version 13\n1..2\n") and
              "ok 1 - syn-data" in r.stdout and "ok 2 - rst-in-window" in r.stdout,
              "--tap", r.stdout + r.stderr)
        pc = os.path.join(wdir, "rst-in-window.pcap")
        t = sh("tshark", "-r", pc, "-Y", "tcp.flags.reset == 1", "-T", "fields",
               "-e", "tcp.seq_raw") if os.path.exists(pc) else None
        check(t is not None and t.returncode == 0 and "101" in t.stdout.split(),
              "-w: tshark reads the probe's RST (seq 101) in NAME.pcap",
              (t.stdout + t.stderr) if t else "no pcap")
        lad = os.path.join(wdir, "rst-in-window.ladder.txt")
        check(os.path.exists(lad) and "[R.] seq 101" in open(lad).read(),
              "-w: NAME.ladder.txt is the ladder")
        # refusals, before any segment
        for a, why in ((["--only", "nope", f"{addr}:7"], "no probe 'nope'"),
                       (["-6", f"{addr}:7"], "not an IPv6 address"),
                       (["224.0.0.1:7"], "multicast"),
                       (["198.18.10.255:7"], "broadcast"),
                       ([f"{addr}"], "give the service's port"),
                       (["--close-port", "7", f"{addr}:7"], "the service's own port"),
                       (["--close-port", "13", "--closed-port", "13", f"{addr}:7"],
                        "is --close-port too")):
            r = probe(ns, *a)
            check(r.returncode == 2 and why in r.stderr and not r.stdout,
                  f"refused: {' '.join(a)}", r.stdout + r.stderr)
        r = sh(exe, "probe", "--list")
        check(r.returncode == 0 and "rst-in-window" in r.stdout and "RFC 5961" in r.stdout,
              "--list, without root or host")
        for n in todo:
            check(not nft_tables(todo[n][0]), f"{n}: no nft table left at the end")
finally:
    shutil.rmtree(work, ignore_errors=True)

left = sh("ip", "netns", "list").stdout
check(f"tk{tag}" not in left and f"tkw{tag}" not in left, "no namespace left", left)
check(not os.path.exists(f"/proc/{lwip_pid}/cmdline") or
      b"lwip-echo" not in open(f"/proc/{lwip_pid}/cmdline", "rb").read(), "no lwip-echo left")
sys.exit(1 if bad else 0)
