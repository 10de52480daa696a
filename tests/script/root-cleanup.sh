#!/bin/bash
# tcpshake script leaves nothing behind: interrupted (SIGINT, exit 130) or
# with its agent killed (the stack's namespace ends with it: exit 2), no
# process of the run remains and no namespace is left (the namespaces have
# no names: they end with their last process).  Skips (77) without root.
set -u
exe=$1
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail=0
cat > "$d/slow-cleanup-probe.pkt" <<'PKT'
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+30 < S 0:0(0) win 32792 <mss 1000>
PKT
before=$(ip netns list | wc -l)
left() { pgrep -f "slow-cleanup-probe" | grep -v "^$$\$" || true; }

# 1. SIGINT in the middle of a wait
"$exe" script "$d/slow-cleanup-probe.pkt" > "$d/out1" 2>&1 &
pid=$!
sleep 0.5
kids=$(pgrep -P $pid | wc -l)
[ "$kids" -ge 1 ] || { echo "FAIL: no agent under tcpshake"; fail=1; }
kill -INT $pid
wait $pid; rc=$?
[ $rc = 130 ] || { echo "FAIL: SIGINT: exit $rc, expected 130"; cat "$d/out1"; fail=1; }
sleep 0.2
[ -z "$(left)" ] || { echo "FAIL: after SIGINT, left running: $(left)"; fail=1; }

# 2. the agent killed
"$exe" script "$d/slow-cleanup-probe.pkt" > "$d/out2" 2>&1 &
pid=$!
sleep 0.5
kill -KILL $(pgrep -P $pid)
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then
    echo "FAIL: tcpshake did not end after its agent was killed"; kill -KILL $pid; fail=1
fi
wait $pid; rc=$?
[ $rc = 2 ] || { echo "FAIL: killed agent: exit $rc, expected 2"; fail=1; }
grep -q "agent" "$d/out2" || { echo "FAIL: killed agent not reported:"; cat "$d/out2"; fail=1; }
sleep 0.2
[ -z "$(left)" ] || { echo "FAIL: after the agent was killed, left running: $(left)"; fail=1; }

# 3. no named namespace was ever made
[ "$(ip netns list | wc -l)" = "$before" ] || { echo "FAIL: ip netns list changed"; fail=1; }
cat "$d/out1" "$d/out2"
[ $fail = 0 ] && echo "ok: nothing left after SIGINT or a killed agent"
exit $fail
