#!/usr/bin/env python3
"""Run one of our scripts against the kernel with `tcpshake script`: it
must PASS.  Then run wrong variants of it, each made here by changing one
thing the stack does (an outbound segment's ack, seq, flags or time, a
system call's expected result): each must FAIL on the line changed, naming
the field.  Every script was checked to pass under packetdrill on the same
kernel (tests/script/README in docs/script.md).

usage: run-script.py TCPSHAKE FILE.pkt [-6 | --args 'ARGS']
A line "// args: ..." in the script gives tcpshake script more arguments
(-D definitions).  With -6 the same over IPv6 (tcpshake script -6; the stack's MSS is then
1440 where the script says 1460).
Exit 0 all as expected, 1 otherwise, 77 without root.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

if os.geteuid() != 0:
    print("skip: needs root (namespaces)")
    sys.exit(77)

exe, pkt = sys.argv[1], sys.argv[2]
six = sys.argv[3:] == ["-6"]
# --args '...': more arguments for tcpshake script (packetdrill's command
# line, as the Linux selftests' runner gives it)
cli = shlex.split(sys.argv[4]) if sys.argv[3:4] == ["--args"] and len(sys.argv) > 4 else []
text = open(pkt).read()
if six:
    text = text.replace("mss 1460", "mss 1440")
    tmpdir = tempfile.TemporaryDirectory()
    pkt = os.path.join(tmpdir.name, os.path.basename(pkt))
    open(pkt, "w").write(text)
lines = text.split("\n")
bad = 0
# a script's own command-line arguments (-D definitions): "// args: ..."
extra = []
for l in lines:
    m = re.match(r"^//\s*args:\s*(.*)$", l)
    if m:
        extra = shlex.split(m.group(1))
        break
extra += cli


def run(path):
    p = subprocess.run([exe, "script"] + (["-6"] if six else []) + extra + [path],
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


for attempt in range(3):
    rc, out = run(pkt)
    # late only on a loaded machine: run again, twice at most
    if rc == 0 or not ("started at" in out or "time: expected" in out):
        break
    print(f"     (late, run again: {out.splitlines()[0] if out else ''})")
if rc != 0 or not out.startswith("PASS "):
    print(f"FAIL: {pkt} should pass (exit {rc}):\n{out}")
    sys.exit(1)
print(out.strip())

# (line index, new line, what the failure must name)
variants = []
for i, l in enumerate(lines):
    m = re.match(r"^(\s*\S+\s+>\s+)(\S+)(\s+)(\d+):(\d+)\((\d+)\)(.*)$", l)
    if not m:
        continue
    pre, flags, sp, seq, end, ln, rest = m.groups()
    a = re.search(r"\back (\d+)", rest)
    if a:
        wrong = rest[:a.start(1)] + str(int(a.group(1)) + 1) + rest[a.end(1):]
        variants.append((i, f"{pre}{flags}{sp}{seq}:{end}({ln}){wrong}", "ack: expected"))
    s2 = int(seq) + 7
    if "S" not in flags:  # a SYN's seq is the script's ISN: any number holds
        variants.append((i, f"{pre}{flags}{sp}{s2}:{s2 + int(ln)}({ln}){rest}", "seq: expected"))
    other = "R." if "R" not in flags else "."
    variants.append((i, f"{pre}{other}{sp}{seq}:{end}({ln}){rest}", "flags: expected"))
for i, l in enumerate(lines):
    m = re.match(r"^(\s*)\+0(\s+)([a-z_]+\(.*\)\s*=\s*)(-?\d+)(.*)$", l)
    if m and m.group(3).split("(")[0] in ("close", "listen", "bind", "shutdown", "write",
                                           "read"):
        ind, sp, call, res, rest = m.groups()
        variants.append((i, f"{ind}+0{sp}{call}{int(res) + 1}{rest.split('(')[0].split(' E')[0]}",
                         "returned"))
        break
# a segment's MD5 option left out: what its drop caused fails (the next
# call's result)
for i, l in enumerate(lines):
    m = re.match(r"^(.*\S)\s*<md5 [^>]*>\s*$", l)
    if m:
        nxt = [k for k in range(i + 1, len(lines)) if re.match(r"^\s*\S+\s+[a-z_]+\(", lines[k])]
        if nxt:
            variants.append((i, m.group(1), "returned", nxt[0]))
        break
# what sendfile() or splice() moved, one off
for i, l in enumerate(lines):
    m = re.match(r"^(\s*\+0\s+(?:sendfile|splice)\(.*\)\s*=\s*)(\d+)\s*$", l)
    if m:
        variants.append((i, f"{m.group(1)}{int(m.group(2)) + 1}", "returned"))
        break
# a control message's value one off (reported on its call's first line)
for i, l in enumerate(lines):
    m = re.match(r"^(.*cmsg_data=)(\d+)(.*)$", l)
    if m:
        start = max(k for k in range(i + 1) if "recvmsg(" in lines[k])
        variants.append((i, f"{m.group(1)}{int(m.group(2)) + 1}{m.group(3)}", "cmsg_data=",
                         start))
        break
# a notification's range one off, and a time stamp 30 ms late (both on
# their call's first line)
for pat, what in ((r"^(.*\bee_data=)(\d+)(.*)$", "ee_data="),
                  (r"^(.*\bscm_nsec=)([1-9]\d*)(.*)$", "a time stamp at")):
    for i, l in enumerate(lines):
        m = re.match(pat, l)
        if m:
            start = max(k for k in range(i + 1) if "recvmsg(" in lines[k])
            new = int(m.group(2)) + (1 if what == "ee_data=" else 30000000)
            variants.append((i, f"{m.group(1)}{new}{m.group(3)}", what, start))
            break
# an epoll event the stack did not give
for i, l in enumerate(lines):
    if "epoll_wait(" in l and "events=EPOLLIN," in l:
        variants.append((i, l.replace("events=EPOLLIN,", "events=EPOLLOUT,"),
                         "epoll_wait() gave events"))
        break
# a Fast Open cookie one digit off
for i, l in enumerate(lines):
    m = re.match(r"^(\s*\S+\s+>\s+.*\bFO )([0-9a-f])(.*)$", l)
    if m:
        d = "0" if m.group(2) != "0" else "1"
        variants.append((i, f"{m.group(1)}{d}{m.group(3)}", "options: expected"))
        break
# a python line that must not hold
for i, l in enumerate(lines):
    if "%{" in l and "assert " in l:
        variants.append((i, l.replace("assert ", "assert not ", 1), "python code: assertion"))
        break
# an ICMP error quoting a sequence number outside what is in flight: the
# stack ignores it (RFC 5927 4.1), and what the script says it causes
# fails: the next outbound segment (late), else a blocking call before it
# (it never returns with the error)
for i, l in enumerate(lines):
    m = re.match(r"^(\s*\S+\s+<\s+.*\bicmp\b[^\[]*)(\[(\d+):(\d+)\((\d+)\)\])?\s*$", l)
    if not m:
        continue
    n = int(m.group(5) or 0)
    new = f"{m.group(1).rstrip()} [100000:{100000 + n}({n})]"
    after = [k for k in range(i + 1, len(lines)) if re.match(r"^\s*\S+\s+>\s", lines[k])]
    before = [k for k in range(i) if "..." in lines[k].split("(")[0] and "(" in lines[k]]
    if after:
        variants.append((i, new, "time: expected", after[0]))
    elif before:
        variants.append((i, new, "returned", before[-1]))
    break
# a time: the last outbound segment half a second late
for i in range(len(lines) - 1, -1, -1):
    m = re.match(r"^(\s*)(\+?[0-9.]+)(\s+>\s+.*)$", lines[i])
    if m and m.group(2).startswith("+"):
        variants.append((i, f"{m.group(1)}+0.5{m.group(3)}", "time: expected"))
        break

# a segment the stack's TSO cuts, matched whole: with --strict_segments
# (in place of the first comment line) only its first piece is, and the
# line fails on its length
variants = [v if len(v) == 4 else (v[0], v[1], v[2], v[0]) for v in variants]
for i, l in enumerate(lines):
    m = re.match(r"^\s*\S+\s+>\s+\S+\s+\d+:\d+\((\d+)\)", l)
    if m and int(m.group(1)) >= 4000 and lines[0].startswith("//"):
        variants.append((0, "--strict_segments", "length: expected", i))
        break

with tempfile.TemporaryDirectory() as d:
    for n, (j, new, field, i) in enumerate(variants):
        v = lines[:]
        v[j] = new
        path = os.path.join(d, f"v{n}.pkt")
        open(path, "w").write("\n".join(v))
        want = f"{path}:{i + 1}:"
        # a loaded machine can make the stack late on another line first
        # (a timing failure, not the variant's): that run says nothing of
        # the variant, so it is run again, twice at most
        for attempt in range(3):
            rc, out = run(path)
            first = out.split("\n")[0]
            timing = "started at" in first or "time: expected" in out
            if want in first or not timing or "time: expected" in field:
                break
            print(f"     (late on another line, run again: {first})")
        if rc != 1 or want not in first or field not in out:
            bad += 1
            print(f"FAIL: variant of line {i + 1} ({new.strip()!r}) should fail there naming "
                  f"'{field}' (exit {rc}):\n{out}")
        else:
            print(f"ok: line {i + 1} {new.strip()!r}: {first}")
print(f"{len(variants)} wrong variants, {bad} not caught")
sys.exit(1 if bad else 0)
