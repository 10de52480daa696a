#!/bin/bash
# Live test: `tcpshake trace -i` on a veth while the kernel runs a connection
# between two network namespaces; the lines and the verdict must be right,
# and SIGINT must end the trace cleanly with libpcap's counts.
#   live-trace.sh TCPSHAKE
# Skips (77) without root or network namespaces.  Removes everything it made.
set -u
bin=$1
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
command -v ip >/dev/null || { echo "skip: no iproute2"; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
tag=tsl$$
srv=${tag}s cli=${tag}c
work=$(mktemp -d)
tpid=""
cleanup() {
    [ -n "$tpid" ] && kill "$tpid" 2>/dev/null
    ip netns del "$srv" 2>/dev/null
    ip netns del "$cli" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$srv" 2>/dev/null || { echo "skip: cannot create network namespaces"; exit 77; }
ip netns add "$cli" || exit 1
ip link add "${tag}a" type veth peer name "${tag}b" || exit 1
ip link set "${tag}a" netns "$srv" && ip link set "${tag}b" netns "$cli" || exit 1
ip -n "$srv" addr add 198.18.3.1/24 dev "${tag}a"
ip -n "$cli" addr add 198.18.3.2/24 dev "${tag}b"
ip -n "$srv" addr add 2001:db8:3::1/64 dev "${tag}a" nodad
ip -n "$cli" addr add 2001:db8:3::2/64 dev "${tag}b" nodad
for ns in "$srv" "$cli"; do ip -n "$ns" link set lo up; done
ip -n "$srv" link set "${tag}a" up
ip -n "$cli" link set "${tag}b" up

# no filter: ARP and neighbour discovery pass too, get no line, and must not
# be counted as traced
LC_ALL=C ip netns exec "$cli" "$bin" trace -i "${tag}b" --time-wait 1 >"$work/out" 2>"$work/err" &
tpid=$!
for _ in $(seq 50); do grep -q listening "$work/err" && break; sleep 0.1; done
sleep 0.3

# a textbook server and client: the client sends, the server answers, the
# client closes first, the server closes after reading EOF (4 segments)
ip netns exec "$srv" python3 - <<'PY' &
import socket, time
for fam, addr in ((socket.AF_INET, "198.18.3.1"), (socket.AF_INET6, "2001:db8:3::1")):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 9099)); s.listen(1)
    c, _ = s.accept()
    c.recv(100); c.sendall(b"pong\n")
    c.recv(100)            # EOF
    time.sleep(0.2)        # let the ACK of the FIN leave alone
    c.close(); s.close()
PY
spid=$!
sleep 0.3
SRV_NS=$srv ip netns exec "$cli" python3 - <<'PY'
import os, socket, subprocess, time
for fam, addr in ((socket.AF_INET, "198.18.3.1"), (socket.AF_INET6, "2001:db8:3::1")):
    # the server may not listen yet on a loaded machine: a refused attempt
    # is one more connection in the trace, so wait for its socket instead
    for _ in range(100):
        ss = subprocess.run(["ip", "netns", "exec", os.environ["SRV_NS"], "ss", "-Hltn",
                             "sport = :9099"], capture_output=True, text=True).stdout
        if ("[" in ss) == (fam == socket.AF_INET6) and "9099" in ss:
            break
        time.sleep(0.05)
    c = socket.create_connection((addr, 9099))
    c.sendall(b"ping\n"); c.recv(100)
    c.close()
    time.sleep(0.5)
PY
wait "$spid"
# no packet comes any more: each verdict must come when its TIME_WAIT (1 s)
# runs out on the wall clock, not at the end
sleep 2.5
cp "$work/out" "$work/before-int"
kill -INT "$tpid"
wait "$tpid"
rc=$?
tpid=""
fail=0
check() { # PATTERN COUNT WHAT
    n=$(grep -cE -- "$1" "$work/out")
    if [ "$n" -ne "$2" ]; then echo "FAIL: $3: $n lines match /$1/, want $2"; fail=1; fi
}
check 'handshake 1/3  client CLOSED->SYN_SENT  server LISTEN$' 2 "SYN"
check 'handshake 2/3  client SYN_SENT  server LISTEN->SYN_RCVD' 2 "SYN+ACK"
check 'handshake 3/3  client SYN_SENT->ESTABLISHED  server SYN_RCVD->ESTABLISHED' 2 "ACK"
check 'teardown 1/4  client ESTABLISHED->FIN_WAIT_1' 2 "first FIN"
check 'teardown 2/4  client FIN_WAIT_1->FIN_WAIT_2  server ESTABLISHED->CLOSE_WAIT' 2 "ACK of FIN"
check 'teardown 3/4  client FIN_WAIT_2  server CLOSE_WAIT->LAST_ACK' 2 "second FIN"
check 'teardown 4/4  client FIN_WAIT_2->TIME_WAIT  server LAST_ACK->CLOSED' 2 "last ACK"
check '^== conn .* close 4-way by client .*zeek SF ShADadFf  tshark 31' 2 "verdicts"
check '^[0-9:.]+ #2 IP6 2001:db8:3::2\.[0-9]+ > 2001:db8:3::1\.9099: \[S\]' 1 "IPv6 SYN"
n=$(grep -cE '^== conn .*  final client CLOSED server CLOSED .*\[closed\]$' "$work/before-int")
[ "$n" -eq 2 ] || { echo "FAIL: $n verdicts printed when TIME_WAIT ran out, want 2"; fail=1; }
[ "$rc" -eq 0 ] || { echo "FAIL: trace exited $rc after SIGINT"; fail=1; }
grep -q 'received by filter' "$work/err" || { echo "FAIL: no libpcap counts on stderr"; fail=1; }
# "N frames traced": N is the number of segment lines, the others are
# counted apart (issue 15 item 17)
lines=$(grep -cvE '^(== conn|$)' "$work/out")
traced=$(sed -n 's/.*trace: \([0-9]*\) frames traced.*/\1/p' "$work/err")
[ "$traced" = "$lines" ] || { echo "FAIL: '$traced frames traced', $lines segment lines"; fail=1; }
grep -qE 'frames traced \([0-9]+ other frames not traced\)' "$work/err" ||
    { echo "FAIL: the ARP/ND frames are not counted apart"; fail=1; }
if [ "$fail" -ne 0 ]; then
    echo "--- output"; cat "$work/out"; echo "--- stderr"; cat "$work/err"
    exit 1
fi
echo "live trace: 2 connections (IPv4, IPv6) traced right"
exit 0
