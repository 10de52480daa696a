#!/usr/bin/env python3
"""Reading a stream (-r -), every segment's line must come out while the
stream is still open: nothing held back for read-ahead, nothing held in a
64 KiB buffer (-l).  The capture is written whole, the pipe kept open, and
the lines are awaited before it is closed.

And SIGTERM, SIGINT or SIGHUP while the stream is open and idle must end
the trace at once (not when the writer closes the pipe), with the verdicts
printed, ending "interrupted", one line on stderr saying so, and exit
status 0 (129 for SIGHUP): also with half a record sent.

usage: check-stream.py TCPSHAKE CAPTURE.pcap
"""
import os
import select
import signal
import subprocess
import sys
import time


def run(tcpshake, capture, extra, is_segment, timeout=10.0):
    """Write the capture, keep the pipe open until every segment's line has
    come out (or `timeout`), then close it and collect the rest."""
    data = open(capture, "rb").read()
    want = expected_segments(capture)
    p = subprocess.Popen([tcpshake, "trace", "-l", *extra, "-r", "-"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdin.write(data)
    p.stdin.flush()
    lines, buf = [], b""
    deadline = time.monotonic() + timeout
    fd = p.stdout.fileno()
    while time.monotonic() < deadline:
        if len([l for l in lines if is_segment(l)]) >= want:
            break
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
            *done, buf = buf.split(b"\n")
            lines += [d.decode() for d in done]
    early = [l for l in lines if is_segment(l)]
    p.stdin.close()
    rest = p.stdout.read()
    err = p.stderr.read()
    rc = p.wait(timeout=timeout)
    lines += (buf + rest).decode().splitlines()
    return early, lines, rc, err.decode()


def expected_segments(capture):
    # classic pcap, little or big endian: count the records
    data = open(capture, "rb").read()
    magic = data[:4]
    order = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    import struct
    n, off = 0, 24
    while off + 16 <= len(data):
        incl = struct.unpack(order + "I", data[off + 8:off + 12])[0]
        off += 16 + incl
        n += 1
    return n


def stop_idle(tcpshake, capture, extra, sig, partial):
    """Send the capture (and, with `partial`, half of one more record), keep
    the pipe open and idle, send `sig`: seconds until exit, exit status,
    verdict lines."""
    data = open(capture, "rb").read()
    if partial:
        data += data[24:24 + 20]  # a record header and a little more
    p = subprocess.Popen([tcpshake, "trace", *extra, "-r", "-"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdin.write(data)
    p.stdin.flush()
    time.sleep(0.5)  # everything sent has been read; the pipe is idle
    t0 = time.monotonic()
    p.send_signal(sig)
    try:
        # the pipe stays open: only the signal may end the trace
        p.wait(timeout=5)
        took = time.monotonic() - t0
    except subprocess.TimeoutExpired:
        took = float("inf")
    p.stdin.close()
    out, err = p.stdout.read(), p.stderr.read()
    p.wait()
    lines = out.decode().splitlines()
    verdicts = [l for l in lines if l.startswith("== conn") or '"type":"conn"' in l]
    return took, p.returncode, verdicts, err.decode()


def epbs(path):
    """Enhanced packet blocks in the pcapng file at path (so far)."""
    import struct
    try:
        data = open(path, "rb").read()
    except OSError:
        return 0
    n, off = 0, 0
    while off + 12 <= len(data):
        kind, size = struct.unpack("<II", data[off:off + 8])
        if size < 12 or off + size > len(data):
            break
        n += kind == 6
        off += size
    return n


def packet_buffered(tcpshake, capture, extra, timeout=5.0):
    """-w FILE from a stream kept open: how many frames FILE holds before
    the stream closes (-U: all of them), and after."""
    import tempfile
    data = open(capture, "rb").read()
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out.pcapng")
        p = subprocess.Popen([tcpshake, "trace", "--summary", *extra, "-w", out, "-r", "-"],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        p.stdin.write(data)
        p.stdin.flush()
        want = expected_segments(capture)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and epbs(out) < want:
            time.sleep(0.05)
        early = epbs(out)
        p.stdin.close()
        p.wait(timeout=timeout)
        return early, epbs(out), p.returncode


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    tcpshake, capture = sys.argv[1], sys.argv[2]
    n = expected_segments(capture)
    failures = 0
    cases = [
        ("text", [], lambda l: " IP" in l and l[:2].isdigit()),
        ("json", ["--json"], lambda l: '"type":"segment"' in l),
    ]
    for name, extra, is_segment in cases:
        early, lines, rc, err = run(tcpshake, capture, extra, is_segment)
        verdicts = [l for l in lines if l.startswith("== conn") or '"type":"conn"' in l]
        ok = len(early) == n and rc == 0 and len(verdicts) == 1
        print(f"{'ok' if ok else 'FAIL'}: {name}: {len(early)} of {n} segment lines "
              f"before the stream closed, {len(verdicts)} verdict, exit {rc}")
        if not ok:
            failures += 1
            sys.stderr.write(err)
    # -U (issue 15 item 11): a -w file grows frame by frame, as tcpdump -U's
    early, final, rc = packet_buffered(tcpshake, capture, ["-U"], timeout=5.0)
    ok = early == n and final == n and rc == 0
    print(f"{'ok' if ok else 'FAIL'}: -U -w: {early} of {n} frames in the file before the "
          f"stream closed, {final} after, exit {rc}")
    failures += not ok
    early, final, rc = packet_buffered(tcpshake, capture, [], timeout=1.0)
    ok = final == n and rc == 0
    print(f"{'ok' if ok else 'FAIL'}: -w without -U: {final} of {n} frames at the end "
          f"({early} before it: buffered), exit {rc}")
    failures += not ok
    for name, extra in [("text", []), ("summary", ["--summary"]), ("json", ["--json"])]:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            for partial in (False, True):
                took, rc, verdicts, err = stop_idle(tcpshake, capture, extra, sig, partial)
                # the stream was not read to its end: the open connection's
                # verdict and one line on stderr say so; a hang-up exits 129
                want_rc = 129 if sig == signal.SIGHUP else 0
                said = (len(verdicts) == 1 and "interrupted" in verdicts[0]
                        and f"interrupted by {sig.name} after" in err)
                ok = took < 2 and rc == want_rc and said
                what = f"{name}, {sig.name}{', half a record pending' if partial else ''}"
                print(f"{'ok' if ok else 'FAIL'}: {what}: exit {rc} {took:.2f} s after "
                      f"the signal, {len(verdicts)} verdict, interrupted said: {said}")
                if not ok:
                    failures += 1
                    sys.stderr.write(err)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
