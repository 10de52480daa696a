#!/bin/bash
# Root test: what the drive commands refuse at the start, before they touch
# the network (issue 15, items 3 and 15), in a namespace:
#
#  1. listen on a port where a kernel socket already listens (on our
#     address, on the wildcard, on the IPv6 wildcard for IPv4 too): one line
#     `port P already has a listening socket on ADDR`, exit 2.  A listener on
#     another address, or an IPV6_V6ONLY one for IPv4, is no obstacle.
#  2. listen --addr with an address this host does not have: one line, exit 2.
#  3. connect, listen and replay without root: one line that says root is
#     needed and does not suggest -w or --dry-run (they do not avoid it
#     there), exit 2.
#
# usage: root-start.sh TCPSHAKE      exits 77 when it cannot run
set -u
T=${1:?usage: root-start.sh TCPSHAKE}
NET4=198.18.41 NET6=2001:db8:41
. "$(dirname "$0")/lib.sh"
export LC_ALL=C
command -v setpriv >/dev/null 2>&1 || skip "setpriv not installed"
CAPS=$(cd "$here/../../captures" && pwd)

# Kernel listeners in A: ADDR PORT [v6only]
cat >"$dir/listen.py" <<'PY'
import socket, sys, time
addr, port, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
if ":" in addr:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, int(len(sys.argv) > 4))
s.bind((addr, port)); s.listen(1)
open(ready, "w").close()
time.sleep(120)
PY
klisten() { # NAME ADDR PORT [v6only]
    inA python3 "$dir/listen.py" "$2" "$3" "$dir/$1.ready" ${4:-} </dev/null 2>"$dir/$1.kerr" &
    pids+=($!)
    wait_file "$dir/$1.ready" || bad "$1: the kernel listener did not start"
}

# refused NAME LINE ARGS...: tcpshake in A exits 2 at once with LINE alone
refused() {
    local n=$1 want=$2; shift 2
    inA timeout -s TERM 5 "$T" "$@" >"$dir/$n.out" 2>"$dir/$n.err"
    rc=$?
    check "$n: exit 2" [ "$rc" = 2 ]
    if [ "$(cat "$dir/$n.err")" = "$want" ]; then ok "$n: one line: $want"
    else bad "$n: stderr '$(head -3 "$dir/$n.err")', want '$want'"; fi
    check "$n: nothing installed" no_guard_left
}

# starts NAME ARGS...: tcpshake listen in A starts (and is stopped, 143)
starts() {
    local n=$1; shift
    ip netns exec "$NA" "$T" "$@" >"$dir/$n.out" 2>"$dir/$n.err" &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 100); do grep -q -- '-- listening on' "$dir/$n.err" 2>/dev/null && break; sleep 0.05; done
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    rc=$?
    check "$n: starts (stopped by SIGTERM: 143)" [ "$rc" = 143 ]
    check "$n: the guard removed" no_guard_left
}

# ---- 1. a kernel socket listens on the port ----------------------------------
klisten same "$A4" 7600
refused same "tcpshake: listen: port 7600 already has a listening socket on $A4" listen 7600 --addr "$A4"
refused same-any "tcpshake: listen: port 7600 already has a listening socket on $A4" listen 7600
klisten wild 0.0.0.0 7601
refused wild "tcpshake: listen: port 7601 already has a listening socket on 0.0.0.0" listen 7601 --addr "$A4"
klisten wild6 :: 7602
refused wild6-for-4 "tcpshake: listen: port 7602 already has a listening socket on ::" listen 7602 --addr "$A4"
refused wild6 "tcpshake: listen: port 7602 already has a listening socket on ::" listen 7602 --addr "$A6"
klisten same6 "$A6" 7603
refused same6 "tcpshake: listen: port 7603 already has a listening socket on $A6" listen 7603 -6
klisten v6only :: 7604 v6only
starts v6only-for-4 listen 7604 --addr "$A4"
klisten other 127.0.0.1 7605
starts other-addr listen 7605 --addr "$A4"

# ---- 2. an address the host does not have -------------------------------------
refused not-ours "tcpshake: listen: --addr $NET4.77: not an address of this host (no interface has it): clients could not reach us there" \
    listen 7606 --addr "$NET4.77"
refused not-ours6 "tcpshake: listen: --addr $NET6::77: not an address of this host (no interface has it): clients could not reach us there" \
    listen 7606 --addr "$NET6::77"

# ---- 3. without root ------------------------------------------------------------
noroot() { # NAME CMD ARGS...
    local n=$1; shift
    inA setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
        timeout -s TERM 5 "$T" "$@" >"$dir/$n.out" 2>"$dir/$n.err"
    rc=$?
    check "$n: exit 2" [ "$rc" = 2 ]
    check "$n: one line, root needed" sh -c "[ \$(wc -l <'$dir/$n.err') = 1 ] && grep -q 'needs root' '$dir/$n.err'"
    if grep -qE -- '-w|--dry-run' "$dir/$n.err"; then bad "$n: suggests -w or --dry-run: $(cat "$dir/$n.err")"
    else ok "$n: no -w / --dry-run hint"; fi
}
chmod 755 "$dir"
noroot noroot-connect connect "$B4" 7700
noroot noroot-listen listen 7701 --addr "$A4"
noroot noroot-replay replay "$CAPS/client-close.pcap" --to "$B4:7777"
noroot noroot-connect6 connect "$B6" 7700
finish
