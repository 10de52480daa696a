#!/usr/bin/env python3
"""Check tcpshake's per-segment output against tshark, segment by segment.

  tshark-oracle.py [--flags=LIST] [--max=N] TCPSHAKE CAPTURE

Runs `TCPSHAKE trace --json -r CAPTURE` and tshark's field export on the same
capture, pairs the i-th "segment" line of ours with the i-th TCP frame of
tshark's, and compares ports, flags, raw and relative seq/ack, payload length,
raw window, the timestamp, and the sequence-analysis flags (tcp.analysis.*
against our notes; --flags restricts which, by our note names).

Relative numbers are compared only where both tools give one: tshark's base
is the ISN (seq - 1 without a SYN) and, for the other side, the ack - 1 of the
first segment carrying an ACK; we print null where we have no base.

Three tshark findings are known misfires, listed as "tshark misfire (ignored)"
but not counted: "retransmission" on a FIN without payload, "window update"
on a sender's first bare ACK whose raw seq and ack are 0, and "retransmission"
or "out-of-order" on a SYN+ACK that follows its sender's own SYN (the
simultaneous open of RFC 9293 Figure 7, where the SYN+ACK repeats the SYN by
design).

Exit status: 0 all segments agree, 1 a difference (the first --max, default
10, are printed) or tcpshake failed, 2 usage, 77 tshark is not installed
(the meson "skipped" code).
"""
import json
import shutil
import subprocess
import sys
from decimal import Decimal, InvalidOperation

SKIP = 77

# our flag letters, low bit first as in the TCP header (RFC 9293 3.1, RFC 3168)
FLAG_LETTERS = "FSRPAUEC"
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

# tshark analysis field (tcp.analysis.X) -> our note name
ANALYSIS = {
    "retransmission": "retransmission",
    "fast_retransmission": "fast-retransmission",
    "spurious_retransmission": "spurious-retransmission",
    "out_of_order": "out-of-order",
    "lost_segment": "previous-segment-not-captured",
    "ack_lost_segment": "acked-unseen-segment",
    "duplicate_ack": "dup-ack",
    "keep_alive": "keep-alive",
    "zero_window": "zero-window",
    "zero_window_probe": "zero-window-probe",
    "window_update": "window-update",
    "window_full": "window-full",
}
# tshark marks fast retransmissions as retransmissions too; ours may use
# either name, so "retransmission" is satisfied by any of these.
RETRANS_NOTES = {"retransmission", "fast-retransmission", "spurious-retransmission"}

BASE_FIELDS = ["frame.number", "frame.time_epoch", "ip.src", "ipv6.src",
               "ip.dst", "ipv6.dst", "tcp.srcport", "tcp.dstport", "tcp.flags",
               "tcp.seq_raw", "tcp.ack_raw", "tcp.seq", "tcp.ack", "tcp.len",
               "tcp.window_size_value"]
FIELDS = BASE_FIELDS + ["tcp.analysis." + a for a in ANALYSIS]
# TCP headers quoted inside ICMP errors are not segments of their own
DISPLAY_FILTER = "tcp && !icmp && !icmpv6"
# pin the preferences the comparison depends on, whatever the user's profile
TSHARK_PREFS = ["tcp.analyze_sequence_numbers:TRUE",
                "tcp.relative_sequence_numbers:TRUE",
                "tcp.calculate_timestamps:TRUE"]


def fail_usage(msg):
    print(f"tshark-oracle: {msg}", file=sys.stderr)
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    sys.exit(2)


def parse_args(argv):
    notes = set(ANALYSIS.values())
    limit = 10
    rest = []
    for a in argv:
        if a.startswith("--flags="):
            want = {n for n in a[len("--flags="):].split(",") if n}
            unknown = want - notes
            if unknown:
                fail_usage(f"--flags: unknown note {sorted(unknown)[0]!r}; "
                           f"known: {','.join(sorted(notes))}")
            notes = want
        elif a.startswith("--max="):
            try:
                limit = int(a[len("--max="):])
            except ValueError:
                fail_usage(f"--max: not a number: {a}")
        elif a in ("-h", "--help"):
            print(__doc__)
            sys.exit(0)
        elif a.startswith("--"):
            fail_usage(f"unknown option {a}")
        else:
            rest.append(a)
    if len(rest) != 2:
        fail_usage("need TCPSHAKE and CAPTURE")
    return rest[0], rest[1], notes, limit


def run_tshark(capture):
    cmd = ["tshark", "-n", "-r", capture, "-Y", DISPLAY_FILTER, "-T", "fields",
           "-E", "separator=/t", "-E", "occurrence=f"]
    for p in TSHARK_PREFS:
        cmd += ["-o", p]
    for f in FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        # tshark also says so for a capture cut short; its rows still count
        err = p.stderr.strip().splitlines()
        print(f"tshark-oracle: warning: tshark exited {p.returncode}: "
              f"{err[-1] if err else ''}", file=sys.stderr)
        if not p.stdout:
            print(f"tshark-oracle: {capture}: tshark produced nothing", file=sys.stderr)
            sys.exit(1)
    rows = []
    for line in p.stdout.splitlines():
        vals = line.split("\t")
        vals += [""] * (len(FIELDS) - len(vals))
        row = dict(zip(FIELDS, vals))
        if not row.get("tcp.flags"):
            # the capture cut this TCP header short: tcpshake reports such a
            # frame as a "malformed" line, not a segment
            continue
        rows.append(row)
    return rows


def run_tcpshake(binary, capture):
    cmd = [binary, "trace", "--json", "-r", capture]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except OSError as e:
        print(f"tshark-oracle: {binary}: {e.strerror}", file=sys.stderr)
        sys.exit(1)
    if p.returncode < 0:
        print(f"tshark-oracle: {capture}: tcpshake killed by signal {-p.returncode}",
              file=sys.stderr)
        sys.exit(1)
    if p.returncode != 0:
        err = p.stderr.strip().splitlines()
        print(f"tshark-oracle: warning: tcpshake exited {p.returncode}: "
              f"{err[-1] if err else ''}", file=sys.stderr)
    segs = []
    for n, line in enumerate(p.stdout.splitlines(), 1):
        if not line.strip():
            continue
        try:
            # exact decimals: a float cannot hold an epoch time to the nanosecond
            obj = json.loads(line, parse_float=Decimal)
        except json.JSONDecodeError as e:
            print(f"tshark-oracle: {capture}: tcpshake output line {n}: "
                  f"not JSON: {e.msg}: {line[:80]}", file=sys.stderr)
            sys.exit(1)
        if isinstance(obj, dict) and obj.get("type") == "segment":
            segs.append(obj)
    return segs


def flag_bits(letters):
    bits = 0
    for c in letters or "":
        i = FLAG_LETTERS.find(c)
        if i < 0:
            raise ValueError(f"unknown flag letter {c!r}")
        bits |= 1 << i
    return bits


def flag_letters(bits):
    return "".join(c for i, c in enumerate(FLAG_LETTERS) if bits >> i & 1) or "-"


def to_int(v, base=10):
    try:
        return int(v, base)
    except (TypeError, ValueError):
        return None


def to_dec(v):
    try:
        return Decimal(str(v))
    except (InvalidOperation, ValueError):
        return None


class Row:
    """One tshark TCP frame, decoded."""

    def __init__(self, r):
        self.frame = r["frame.number"]
        self.ts = to_dec(r["frame.time_epoch"])
        self.src = r["ip.src"] or r["ipv6.src"]
        self.dst = r["ip.dst"] or r["ipv6.dst"]
        self.sport, self.dport = to_int(r["tcp.srcport"]), to_int(r["tcp.dstport"])
        self.flags = to_int(r["tcp.flags"], 16)
        self.seq, self.ack = to_int(r["tcp.seq_raw"]), to_int(r["tcp.ack_raw"])
        self.rel_seq, self.rel_ack = to_int(r["tcp.seq"]), to_int(r["tcp.ack"])
        self.len, self.win = to_int(r["tcp.len"]), to_int(r["tcp.window_size_value"])
        self.analysis = {a for a in ANALYSIS if r["tcp.analysis." + a]}

    def brief(self):
        f = flag_letters((self.flags or 0) & 0xff)
        return (f"{self.src}:{self.sport} > {self.dst}:{self.dport} [{f}] "
                f"seq={self.seq} ack={self.ack} len={self.len} win={self.win}")


def brief_ours(s):
    return (f"{s.get('src')}:{s.get('sport')} > {s.get('dst')}:{s.get('dport')} "
            f"[{s.get('flags') or '-'}] seq={s.get('seq')} ack={s.get('ack')} "
            f"len={s.get('len')} win={s.get('win')} notes={s.get('notes')}")


def known_misfires(row, prev_same_sender):
    """The known tshark misfires on this frame: {analysis field: why}."""
    known = {}
    if row.flags & FIN and not row.flags & (SYN | RST) and row.len == 0:
        known["retransmission"] = "retransmission on a FIN without payload"
    # a simultaneous open: the SYN+ACK repeats its sender's SYN by design
    # (RFC 9293 Figure 7, line 5); tshark compares it with nextseq
    if (row.flags & (SYN | ACK | RST) == SYN | ACK and prev_same_sender is not None
            and prev_same_sender & (SYN | ACK) == SYN):
        why = "retransmission/out-of-order on a simultaneous open's SYN+ACK"
        known["retransmission"] = why
        known["out_of_order"] = why
    # tshark 4.0 compares against its unset zeros (nextseq, lastack): a bare
    # ACK with raw seq 0 and ack 0 as its sender's first segment, or right
    # after its SYN, is called a window update (docs/zeek-tshark-rules.md 6.4)
    bare_ack = row.flags & (SYN | FIN | RST | ACK) == ACK and row.len == 0
    if bare_ack and row.seq == 0 and row.ack == 0 and (
            prev_same_sender is None or prev_same_sender & SYN):
        known["window_update"] = "window update on a first bare ACK with raw seq/ack 0"
    return known


def compare(ours, theirs, notes_wanted):
    """Yield (index, frame, what, ours, tshark, misfire) for each difference."""
    prev_flags = {}     # (src, sport, dst, dport) -> flags of that sender's last segment
    for i, (s, r) in enumerate(zip(ours, theirs)):
        key = (r.src, r.sport, r.dst, r.dport)
        prev = prev_flags.get(key)
        prev_flags[key] = r.flags

        def diff(what, a, b):
            return (i, r.frame, what, a, b, None)

        if s.get("sport") != r.sport or s.get("dport") != r.dport:
            yield diff("ports", f"{s.get('sport')}>{s.get('dport')}",
                       f"{r.sport}>{r.dport}")
        try:
            bits = flag_bits(s.get("flags"))
        except ValueError as e:
            yield diff("flags", s.get("flags"), str(e))
            bits = None
        if bits is not None and r.flags is not None and bits != r.flags & 0xff:
            yield diff("flags", flag_letters(bits), flag_letters(r.flags & 0xff))
        for ours_key, val in (("seq", r.seq), ("ack", r.ack), ("len", r.len),
                              ("win", r.win)):
            if s.get(ours_key) != val:
                yield diff(ours_key, s.get(ours_key), val)
        for ours_key, val in (("rel_seq", r.rel_seq), ("rel_ack", r.rel_ack)):
            mine = s.get(ours_key)
            if mine is not None and val is not None and mine != val:
                yield diff(ours_key, mine, val)
        ts = to_dec(s.get("ts"))
        if ts is not None and r.ts is not None and abs(ts - r.ts) > Decimal("0.000001"):
            yield diff("ts", s.get("ts"), r.ts)

        notes = set(s.get("notes") or [])
        known = known_misfires(r, prev)
        for a, note in ANALYSIS.items():
            if note not in notes_wanted:
                continue
            theirs_has = a in r.analysis
            ours_has = note in notes
            if a == "retransmission":
                ours_has = bool(notes & RETRANS_NOTES)
                theirs_has = theirs_has or bool(
                    r.analysis & {"fast_retransmission", "spurious_retransmission"})
            if theirs_has == ours_has:
                continue
            # a misfire is tshark's flag alone; our flag alone is a difference
            why = known.get(a) if theirs_has else None
            yield (i, r.frame, "note " + note,
                   "yes" if ours_has else "no", "yes" if theirs_has else "no", why)


def main():
    binary, capture, notes_wanted, limit = parse_args(sys.argv[1:])
    if shutil.which("tshark") is None:
        print("tshark-oracle: tshark is not installed; skipping", file=sys.stderr)
        sys.exit(SKIP)
    theirs = [Row(r) for r in run_tshark(capture)]
    ours = run_tcpshake(binary, capture)

    diffs, ignored = [], []
    for d in compare(ours, theirs, notes_wanted):
        (ignored if d[5] else diffs).append(d)
    count_ok = len(ours) == len(theirs)

    for i, frame, what, _, _, why in ignored:
        print(f"tshark-oracle: frame {frame} (segment {i + 1}): {what}: "
              f"tshark misfire (ignored): {why}")
    if count_ok and not diffs:
        print(f"tshark-oracle: {capture}: {len(ours)} segments agree")
        return 0

    print(f"tshark-oracle: {capture}: tcpshake and tshark disagree")
    if not count_ok:
        print(f"  segment count: tcpshake {len(ours)}, tshark {len(theirs)}"
              + ("" if not diffs else "; pairs compared in order, so a missing "
                 "or extra segment shifts all that follow"))
        n = min(len(ours), len(theirs))
        if not diffs and n < max(len(ours), len(theirs)):
            extra = ours[n] if len(ours) > n else None
            if extra is not None:
                print(f"  first extra tcpshake segment {n + 1}: {brief_ours(extra)}")
            else:
                print(f"  first extra tshark frame {theirs[n].frame}: {theirs[n].brief()}")
    shown = set()
    for i, frame, what, a, b, _ in diffs[:limit]:
        if i not in shown:
            shown.add(i)
            print(f"  segment {i + 1} / frame {frame}:")
            print(f"    tcpshake: {brief_ours(ours[i])}")
            print(f"    tshark:   {theirs[i].brief()} analysis={sorted(theirs[i].analysis)}")
        print(f"    {what}: tcpshake {a}, tshark {b}")
    if len(diffs) > limit:
        print(f"  ... {len(diffs) - limit} more differences")
    return 1


if __name__ == "__main__":
    sys.exit(main())
