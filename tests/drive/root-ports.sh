#!/bin/bash
# Root test: concurrent `connect --count` sessions draw source-port blocks
# that do not overlap (issue 15, item 6c), in two namespaces.  The room
# outside the ephemeral range is made small (ip_local_port_range 10000 64535
# in A: 1,000 ports above it), so random blocks of 100 would overlap in
# almost every run of ten: ten sessions at once, each of 100 connections,
# all succeed, and no two used a common port.  Ports kernel sockets of A
# hold (listeners on 1024..9999 and 64600..64699, leaving 64700..65535 for a
# block of 100) are never drawn either: five sessions, each block in there.
#
# usage: root-ports.sh TCPSHAKE      exits 77 when it cannot run
set -u
T=${1:?usage: root-ports.sh TCPSHAKE}
NET4=198.18.44 NET6=2001:db8:44
. "$(dirname "$0")/lib.sh"
export LC_ALL=C

inA sysctl -qw net.ipv4.ip_local_port_range="10000 64535" || skip "cannot set ip_local_port_range"

cat >"$dir/server.py" <<'PY'
import socket, sys, threading
s = socket.socket(socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(4096)
open(sys.argv[3], "w").close()
while True:
    c, _ = s.accept()
    c.close()
PY
inB python3 "$dir/server.py" "$B4" 9500 "$dir/server.ready" </dev/null 2>"$dir/server.err" &
pids+=($!)
wait_file "$dir/server.ready" || bad "the server did not start"

# ten at once
cp=()
for i in $(seq 10); do
    ip netns exec "$NA" "$T" connect "$B4" 9500 --count 100 --close rst --linger 0 \
        --time-wait 0 --out /dev/null >"$dir/s$i.trace" 2>"$dir/s$i.err" &
    cp+=($!)
done
fails=0
for i in $(seq 10); do
    wait "${cp[$((i - 1))]}" || { fails=$((fails + 1)); echo "     session $i: $(tail -1 "$dir/s$i.err")"; }
done
check "ten sessions at once: every one exits 0" [ "$fails" = 0 ]
n=$(cat "$dir"/s*.trace | grep -c '^== connect .*: ok, 100 connections ok')
check "ten sessions at once: each says 100 connections ok" [ "$n" = 10 ]
check "no guard table left" no_guard_left

# the blocks, from each session's guard note: "... from ADDR:LO-HI to ..."
for i in $(seq 10); do
    grep -o "drops the kernel's RSTs from $A4:[0-9]*-[0-9]*" "$dir/s$i.trace" | sed 's/.*://; s/-/ /'
done >"$dir/blocks"
check "ten blocks of 100 ports" [ "$(awk '$2 - $1 == 99' "$dir/blocks" | wc -l)" = 10 ]
overlaps=$(sort -n "$dir/blocks" | awk 'NR > 1 && $1 <= hi { n++ } { if ($2 > hi) hi = $2 } END { print n + 0 }')
if [ "$overlaps" = 0 ]; then ok "no two blocks overlap"
else bad "$overlaps blocks overlap another"; sort -n "$dir/blocks" | sed 's/^/     /'; fi

# ---- ports a kernel socket holds are not drawn -------------------------------------
cat >"$dir/hold.py" <<'PY'
import socket, sys, time
held = []
for p in list(range(1024, 10000)) + list(range(64600, 64700)):
    s = socket.socket(socket.AF_INET)
    s.bind(("127.0.0.1", p)); s.listen(1); held.append(s)
open(sys.argv[1], "w").close()
time.sleep(120)
PY
ulimit -n 20000 2>/dev/null
inA python3 "$dir/hold.py" "$dir/hold.ready" </dev/null 2>"$dir/hold.err" &
pids+=($!)
if wait_file "$dir/hold.ready"; then
    ok=0
    for i in 1 2 3 4 5; do
        inA "$T" connect "$B4" 9500 --count 100 --close rst --linger 0 --time-wait 0 \
            --out /dev/null >"$dir/h$i.trace" 2>"$dir/h$i.err" || continue
        b=$(grep -o "drops the kernel's RSTs from $A4:[0-9]*-[0-9]*" "$dir/h$i.trace" | sed 's/.*://; s/-/ /')
        set -- $b
        { [ "$2" -lt 64600 ] || [ "$1" -gt 64699 ]; } && [ "$1" -ge 10000 ] && ok=$((ok + 1))
    done
    check "five sessions: none drew a port a kernel socket holds" [ "$ok" = 5 ]
else
    bad "could not hold the ports: $(tail -1 "$dir/hold.err")"
fi
finish
