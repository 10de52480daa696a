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
err=$("$bin" trace -r "$caps/client-close.pcap" 2>&1 > /dev/full)
rc=$?
if [ "$rc" = 1 ] && echo "$err" | grep -q "writing output failed"; then
    oks=$((oks + 1)); echo "ok   > /dev/full: exit 1, $err"
else
    fails=$((fails + 1)); echo "FAIL > /dev/full: exit $rc, $err"
fi
echo "$oks passed, $fails failed"
[ "$fails" -eq 0 ]
