#!/bin/bash
# trace | head -1: a closed pipe ends the trace quietly with exit 0 in every
# output mode, as tcpdump does; a full disk is still an error (issue 15,
# item 1).  The pipe's reader is gone before the first write, so every run
# meets EPIPE.
#   epipe.sh TCPSHAKE CAPTURES_DIR
set -u
bin=$1 caps=$2
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
fails=0 oks=0
for mode in "" "-l" "--json" "-l --json" "--summary" "--summary --json"; do
    # shellcheck disable=SC2086
    out=$(python3 - "$bin" "$caps/port-reuse.pcap" $mode <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)                      # nobody reads: the first write gets EPIPE
p = subprocess.run([sys.argv[1], "trace", "-r", sys.argv[2]] + sys.argv[3:],
                   stdout=w, stderr=subprocess.PIPE)
print(p.returncode, p.stderr.decode().strip())
PY
)
    if [ "$out" = "0 " ] || [ "$out" = "0" ]; then
        oks=$((oks + 1)); echo "ok   '$mode' into a closed pipe: exit 0, nothing said"
    else
        fails=$((fails + 1)); echo "FAIL '$mode' into a closed pipe: $out"
    fi
done
# -w - (pcapng on standard output, the lines on stderr): a closed pipe
# stops the trace at once, quietly, as for the lines; 3,000 connections of
# 6 frames, so going on to the end shows as 3,000 verdicts
big=$(mktemp /tmp/epipe-XXXXXX.pcap)
trap 'rm -f "$big" "$big.err"' EXIT
python3 - "$big" <<'PY'
import struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
def frame(src, dst, sp, dp, seq, ack, flags):
    tcp = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 0x50, flags, 65535, 0, 0)
    tcp = tcp[:16] + struct.pack("!H", csum(src + dst + struct.pack("!BBH", 0, 6, 20) + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + tcp
a, b = bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])
with open(sys.argv[1], "wb") as out:
    out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    t = 0
    for i in range(3000):
        sp = 20000 + i
        for s, d, x, y, sq, ak, f in [(a, b, sp, 80, 100, 0, 0x02), (b, a, 80, sp, 500, 101, 0x12),
                                      (a, b, sp, 80, 101, 501, 0x10), (a, b, sp, 80, 101, 501, 0x11),
                                      (b, a, 80, sp, 501, 102, 0x11), (a, b, sp, 80, 102, 502, 0x10)]:
            fr = frame(s, d, x, y, sq, ak, f)
            t += 10
            out.write(struct.pack("<IIII", 1700000000, t, len(fr), len(fr)) + fr)
PY
for mode in "" "-U" "--summary"; do
    # shellcheck disable=SC2086
    out=$(python3 - "$bin" "$big" $mode <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run([sys.argv[1], "trace", "-r", sys.argv[2], "-w", "-"] + sys.argv[3:],
                   stdout=w, stderr=subprocess.PIPE)
err = p.stderr.decode().splitlines()
said = [l for l in err if l.startswith("tcpshake")]
print(p.returncode, sum(1 for l in err if l.startswith("== conn")), "|".join(said))
PY
)
    read -r rc verdicts said <<<"$out"
    if [ "$rc" = 0 ] && [ "$verdicts" -lt 3000 ] && [ -z "$said" ]; then
        oks=$((oks + 1)); echo "ok   -w - '$mode' into a closed pipe: exit 0, stopped after $verdicts of 3000 connections, nothing said"
    else
        fails=$((fails + 1)); echo "FAIL -w - '$mode' into a closed pipe: exit $rc, $verdicts of 3000 connections traced, said: $said"
    fi
done
"$bin" trace -r "$caps/client-close.pcap" -w - 2>"$big.err" >/dev/full
rc=$?
err=$(grep '^tcpshake' "$big.err")
if [ "$rc" = 1 ] && echo "$err" | grep -q "No space left"; then
    oks=$((oks + 1)); echo "ok   -w - > /dev/full: exit 1, $err"
else
    fails=$((fails + 1)); echo "FAIL -w - > /dev/full: exit $rc, $err"
fi
err=$("$bin" trace -r "$caps/client-close.pcap" 2>&1 > /dev/full)
rc=$?
if [ "$rc" = 1 ] && echo "$err" | grep -q "writing output failed"; then
    oks=$((oks + 1)); echo "ok   > /dev/full: exit 1, $err"
else
    fails=$((fails + 1)); echo "FAIL > /dev/full: exit $rc, $err"
fi
echo "$oks passed, $fails failed"
[ "$fails" -eq 0 ]
