#!/usr/bin/env python3
"""The option layer, end to end (tools/cli.c):
1. every long option a command's getopt table knows is in its --help, and
   each option line of --help names one option (with its default where it
   has one, checked by a few samples);
2. one error format, `tcpshake: CMD: OPT: why`, and exit status 2, for a bad
   number, a value out of range, a bad word, a missing value and an unknown
   option, in every command;
3. seconds take fractions everywhere (trace --time-wait 0.5 used to be
   refused while connect took it);
4. one number parser, flag letters, options that exclude each other;
5. tcpdump habits in trace: options after the filter words, -tttt, -w -,
   tcpdump options we do not have refused with a reason, live-only
   options with -r warned about.

usage: options.py TCPSHAKE SRCDIR"""
import re
import subprocess
import sys

T, SRC = sys.argv[1], sys.argv[2]
fails = 0


def check(what, cond, detail=""):
    global fails
    print(("ok   " if cond else "FAIL ") + what + ("" if cond else f": {detail}"))
    if not cond:
        fails += 1


def run(*args):
    p = subprocess.run([T, *args], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def long_opts(path):
    text = open(path).read()
    return set(re.findall(r'\{"([a-z0-9-]+)", (?:no|required)_argument', text))


files = {"trace": ["cmd_trace.c"], "craft": ["cmd_craft.c"],
         "connect": ["cmd_connect.c"], "listen": ["cmd_connect.c"], "replay": ["cmd_connect.c"]}
# options of the shared drive table that are only for one command
only = {"data": "connect", "reply": "listen", "to": "replay", "conn": "replay",
        "addr": "listen", "sport": "connect replay", "src": "connect replay",
        "count": "connect listen"}
aliases = {"colour", "hop-limit", "tclass", "write", "interface", "quiet", "help"}
for cmd, srcs in files.items():
    rc, out, err = run(cmd, "--help")
    check(f"{cmd} --help: exit 0, on stdout", rc == 0 and out and not err, (rc, err))
    opts = set()
    for s in srcs:
        opts |= long_opts(f"{SRC}/tools/{s}")
    for o in sorted(opts):
        if o in aliases:
            continue
        if o in only and cmd not in only[o].split():
            continue
        line = re.search(rf"^\s+(-\w, )?--{o}\b", out, re.M)
        check(f"{cmd} --help: --{o} has a line of its own", line is not None)
    # no line lists two options as one ("--a N, --b N" or "--a | --b")
    both = [l for l in out.splitlines()
            if re.match(r"^\s+--[a-z-]+[^,|]*[,|]\s*--[a-z]", l)]
    check(f"{cmd} --help: one option per line", not both, both)

for cmd, arg in [("trace", "-r"), ("connect", "--rto"), ("listen", "--count"),
                 ("replay", "--to"), ("craft", "--seq")]:
    rc, out, err = run(cmd, arg)
    check(f"{cmd} {arg} (no value): 'tcpshake: {cmd}: {arg}: needs a value', exit 2",
          rc == 2 and err.startswith(f"tcpshake: {cmd}: {arg}: needs a value"), (rc, err))
    rc, out, err = run(cmd, "--no-such-option")
    check(f"{cmd} --no-such-option: one line, exit 2",
          rc == 2 and err == f"tcpshake: {cmd}: unknown option '--no-such-option' "
          f"(tcpshake {cmd} --help)\n", (rc, err))

cases = [
    ("trace", ["--max-conns", "0"], "--max-conns", "'0' is not a number from 1 to"),
    ("trace", ["--max-conns", "-1"], "--max-conns", "'-1' is not a number"),
    ("trace", ["--time-wait", "x"], "--time-wait", "'x' is not a number of seconds"),
    ("trace", ["--idle", "0"], "--idle", "'0' is not a number of seconds from 0.001"),
    ("trace", ["--color", "pink"], "--color", "'pink': auto, always or never"),
    ("trace", ["--threads", "3"], "--threads", "'3': auto, 1 or 2"),
    ("trace", ["--width", "5"], "--width", "'5' is not a number from"),
    ("trace", ["-r", "x.pcap", "-c", "0"], "-c", "'0' is not a number from 1 to"),
    ("connect", ["198.18.0.1", "9", "--mss", "0"], "--mss", "'0' is not a number from 1 to 65535"),
    ("connect", ["198.18.0.1", "9", "--time-wait", "0.5x"], "--time-wait",
     "'0.5x' is not a number of seconds"),
    ("connect", ["198.18.0.1", "9", "--color", "pink"], "--color", "'pink': auto, always or never"),
    ("listen", ["9", "--count", "0"], "--count", "'0' is not a number from 1 to"),
    ("replay", ["x.pcap", "--to", "198.18.0.1:9", "--conn", "0"], "--conn",
     "'0' is not a number from 1 to"),
    ("craft", ["syn", "--dst", "198.18.0.1:9", "--win", "70000"], "--win",
     "'70000' is not a number from 0 to 65535"),
    ("craft", ["syn", "--dst", "198.18.0.1:9", "--rate", "0"], "--rate", "'0' is not a number"),
]
for cmd, args, opt, why in cases:
    rc, out, err = run(cmd, *args)
    want = f"tcpshake: {cmd}: {opt}: {why}"
    check(f"{cmd} {' '.join(args)}: '{want}...', exit 2",
          rc == 2 and err.startswith(want) and err.count("\n") == 1, (rc, err))

# one number parser (issue 15 item 7): decimal or 0x, never octal (010 was
# read as 8 and 08 refused), no leading blanks
dst = ["--dst", "198.18.0.2:80", "--src", "198.18.0.1:1000", "--dry-run"]
for args, want in ((["--seq", "010"], "seq 10 "), (["--seq", "08"], "seq 8 "),
                   (["--seq", "0x10"], "seq 16 "), (["--win", "010"], "win 10 "),
                   (["--opt", "mss=010"], "[mss 10]"), (["--opt", "mss=0x10"], "[mss 16]")):
    rc, out, err = run("craft", "syn", *dst, *args)
    check(f"craft {' '.join(args)}: '{want.strip()}'", rc == 0 and want in out, (rc, out, err))
for args, opt in ((["--seq", " 5"], "--seq"), (["--seq", "0x"], "--seq"),
                  (["--ttl", " 64"], "--ttl")):
    rc, out, err = run("craft", "syn", *dst, *args)
    check(f"craft {' '.join(args)!r}: refused", rc == 2 and f"craft: {opt}: " in err,
          (rc, out, err))

# scapy's and tcpdump's flag letters (issue 15 item 10) beside the words
for flags, want in (("SA", "[S.]"), ("S.", "[S.]"), ("fpa", "[FP.]"), ("syn,ack", "[S.]"),
                    ("R", "[R]"), ("ece", "[E]"), ("EC", "[EW]")):
    rc, out, err = run("craft", "segment", *dst, "--flags", flags)
    check(f"craft --flags {flags}: {want}", rc == 0 and want in out, (rc, out, err))
for flags in ("SS", "SAX", "S,A"):
    rc, out, err = run("craft", "segment", *dst, "--flags", flags)
    check(f"craft --flags {flags}: refused", rc == 2 and err.count("\n") == 1, (rc, out, err))

# options that exclude each other are refused, not the last one taken
# (issue 15 item 14); --count 0 would write -w or --dry-run without end (9)
nodry = dst[:-1]
for cmd, args, want in (
        ("craft", ["syn", *nodry, "--df", "--no-df", "--dry-run"], "--df and --no-df"),
        ("craft", ["syn", *nodry, "--dry-run", "-w", "/tmp/x.pcap"], "--dry-run and -w"),
        ("craft", ["syn", *nodry, "-w", "/tmp/x.pcap", "--count", "0"], "-w with --count 0"),
        ("craft", ["syn", *nodry, "-w", "/tmp/x.pcap", "--flood"], "-w with --count 0"),
        ("craft", ["syn", *nodry, "--dry-run", "--count", "0"], "--dry-run with --count 0"),
        ("connect", ["198.18.0.2:80", "--mss", "100", "--no-mss"], "--mss and --no-mss")):
    rc, out, err = run(cmd, *args)
    check(f"{cmd} {' '.join(args[-3:])}: refused", rc == 2 and want in err
          and err.count("\n") == 1, (rc, out, err))
rc, out, err = run("craft", "syn", *dst, "--flood", "--count", "3")
check("craft --dry-run --flood --count 3: three segments", rc == 0 and "3 segments built" in out,
      (rc, out, err))

# fractions of a second: accepted by trace as by connect
cap = f"{SRC}/captures/client-close.pcap"
rc, out, err = run("trace", "-r", cap, "--time-wait", "0.5", "--idle", "2.5", "--summary")
check("trace --time-wait 0.5 --idle 2.5: accepted", rc == 0 and "== conn" in out, (rc, err))

# tcpdump habits (issue 15 item 11)
import os
import tempfile
rc, base, err = run("trace", "-r", cap, "tcp", "port", "7777")
rc2, perm, err2 = run("trace", "-r", cap, "tcp", "port", "7777", "-c", "2", "--summary")
check("trace -r F tcp port 7777 -c 2 --summary: options after the filter taken",
      rc2 == 0 and "== conn" in perm and "handshake 1/3" not in perm
      and "c2s 1 seg" in perm, (rc2, perm, err2))
rc2, perm, err2 = run("trace", "-r", cap, "--", "tcp", "port", "7777")
check("trace -r F -- tcp port 7777: same lines", rc2 == 0 and perm == base, (rc2, err2))
for opt in ("-v", "-vv", "-e", "-q", "-A", "-X", "-x", "-t", "-tt", "-ttt"):
    rc, out, err = run("trace", "-r", cap, opt)
    check(f"trace {opt}: refused with a reason on one line, exit 2",
          rc == 2 and not out and err.count("\n") == 1 and "not supported: " in err,
          (rc, out, err))
rc, out, err = run("trace", "-r", cap, "-tttt", "-c", "1")
check("trace -tttt: the date with the time",
      rc == 0 and re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} #1 ", out), (rc, out, err))
for opt in (["-s", "100"], ["-p"], ["-B", "1024"]):
    rc, out, err = run("trace", "-r", cap, *opt, "-c", "1")
    check(f"trace -r F {' '.join(opt)}: traced, one warning line",
          rc == 0 and "handshake 1/3" in out and err.count("\n") == 1
          and "ignored with -r" in err, (rc, err))
with tempfile.TemporaryDirectory() as d:
    p = subprocess.run([T, "trace", "-r", cap, "-w", "-"], capture_output=True, timeout=30)
    check("trace -w -: pcapng on stdout, the lines on stderr",
          p.returncode == 0 and p.stdout[:4] == b"\x0a\x0d\x0d\x0a"
          and b"handshake 1/3" in p.stderr and b"handshake" not in p.stdout,
          (p.returncode, p.stdout[:8], p.stderr[:200]))
    f = os.path.join(d, "out.pcapng")
    open(f, "wb").write(p.stdout)
    q = subprocess.run(["tshark", "-r", f, "-T", "fields", "-e", "tcp.flags.str"],
                       capture_output=True, text=True, timeout=60)
    nlines = base.count("\n") - base.count("== conn")
    check("trace -w -: tshark reads every frame",
          q.returncode == 0 and len(q.stdout.split()) == nlines, (q.returncode, q.stdout, nlines))

# --conn N naming no connection is said, not an empty page (issue 15 item 17)
rc, out, err = run("trace", "-r", cap, "--ladder", "--conn", "2")
check("trace --ladder --conn 2 on a one-connection capture: said, exit 1",
      rc == 1 and not out and err == "tcpshake: trace: --ladder: no connection #2 to draw "
      "(--conn 2; the capture has 1)\n", (rc, out, err))
rc, out, err = run("trace", "-r", cap, "--ladder", "--conn", "1")
check("trace --ladder --conn 1: drawn, exit 0", rc == 0 and "conn #1" in out and not err,
      (rc, err))
with tempfile.TemporaryDirectory() as d:
    svg = os.path.join(d, "x.svg")
    rc, out, err = run("trace", "-r", cap, "--summary", "--svg", svg, "--conn", "2")
    check("trace --svg --conn 2: the page says so, and stderr, exit 1",
          rc == 1 and "No such connection was traced." in open(svg).read()
          and "no connection #2 to draw" in err and err.count("\n") == 1, (rc, err))

# --version on every command (issue 15 item 12)
for cmd in ("trace", "craft", "connect", "listen", "replay", "script", "probe"):
    rc, out, err = run(cmd, "--version")
    lines = out.splitlines()
    check(f"{cmd} --version: tcpshake, libpcap and libnet",
          rc == 0 and len(lines) == 3 and lines[0].startswith("tcpshake ")
          and "libpcap" in lines[1] and "libnet" in lines[2] and not err, (rc, out, err))


def on_terminal(env_extra):
    """trace's output when standard output is a terminal (a pty)."""
    import pty
    env = dict(os.environ, TERM="xterm")
    env.pop("NO_COLOR", None)
    env.update(env_extra)
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(T, [T, "trace", "-r", cap, "-c", "3"], env)
    data = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    os.waitpid(pid, 0)
    return data


# colour on a terminal unless NO_COLOR (no-color.org) or TERM=dumb (item 12)
check("trace on a terminal: coloured", b"\x1b[" in on_terminal({}))
check("trace on a terminal, NO_COLOR=1: no colour", b"\x1b[" not in on_terminal({"NO_COLOR": "1"}))
check("trace on a terminal, NO_COLOR empty: coloured (the convention)",
      b"\x1b[" in on_terminal({"NO_COLOR": ""}))
check("trace on a terminal, TERM=dumb: no colour", b"\x1b[" not in on_terminal({"TERM": "dumb"}))
rc, out, err = run("trace", "-r", cap, "-c", "3", "--color", "always")
check("trace --color always: coloured even off a terminal", rc == 0 and "\x1b[" in out, rc)

# --help names no file of the source tree (item 19): the man pages instead
for cmd in ("trace", "craft", "connect", "listen", "replay", "script", "probe"):
    rc, out, err = run(cmd, "--help")
    paths = re.findall(r"\b(?:docs|src|tools|tests)/\S+|README\.md", out)
    check(f"{cmd} --help: no path into the source tree", not paths, paths)

# item 13: an --opt item's error names the item and why; an empty payload
# and a directory are said as such
with tempfile.TemporaryDirectory() as d:
    empty = os.path.join(d, "empty")
    open(empty, "w").close()
    for cmd, args, want in (
            ("craft", ["syn", *dst, "--opt", "mss=70000"],
             "tcp option 'mss=70000': '70000': not a number from 0 to 65535"),
            ("craft", ["syn", *dst, "--opt", "ts=1:x"], "tcp option 'ts=1:x': 'x': not a number"),
            ("craft", ["syn", *dst, "--data", ""], "--data '': empty payload"),
            ("craft", ["syn", *dst, "--data", "@" + empty], "empty payload"),
            ("craft", ["syn", *dst, "--hex", ""], "--hex '': empty payload"),
            ("craft", ["syn", *dst, "--data", "@" + d], "is a directory"),
            ("connect", ["198.18.0.1", "9", "--data", ""], "--data '': empty payload"),
            ("connect", ["198.18.0.1", "9", "--data", "@" + d], "is a directory"),
            ("listen", ["9", "--reply", "@" + empty], "empty payload")):
        rc, out, err = run(cmd, *args)
        check(f"{cmd} {' '.join(args[-2:])!r}: '{want}'", rc == 2 and want in err
              and err.count("\n") == 1 and not out, (rc, out, err))

print(f"{fails} failed")
sys.exit(1 if fails else 0)
