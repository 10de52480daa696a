#!/bin/bash
# craft stops on SIGINT, SIGTERM and SIGHUP alike: sending ends, the summary
# is printed; SIGINT and SIGTERM exit 0 (hping3's ^C), SIGHUP 129, as the
# drive commands (issue 15 item 16: SIGHUP used to kill craft with no
# summary).
#
# Needs no root: a user namespace gives CAP_NET_RAW over a network namespace
# of our own, where craft sends 20 SYNs a second to 127.0.0.2 until the
# signal.  Skips (77) without unprivileged user namespaces.
#   craft-signals.sh TCPSHAKE
set -u
bin=$1
command -v unshare >/dev/null || { echo "skip: no unshare"; exit 77; }
unshare -rn true 2>/dev/null || { echo "skip: no unprivileged user namespaces"; exit 77; }

out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
fails=0
for sig in INT TERM HUP; do
    want=0
    [ "$sig" = HUP ] && want=129
    # shellcheck disable=SC2016
    timeout 30 unshare -rn bash -c '
        ip link set lo up
        "$1" craft syn --src 127.0.0.1:40000 --dst 127.0.0.2:80 --count 0 --rate 20 -q &
        pid=$!
        sleep 0.5
        kill -s "$2" "$pid"
        wait "$pid"
    ' sh "$bin" "$sig" >"$out" 2>&1
    rc=$?
    if [ "$rc" = "$want" ] && grep -qE "^[0-9]+ segments sent in " "$out"; then
        echo "ok   SIG$sig: exit $rc, $(cat "$out")"
    else
        echo "FAIL SIG$sig: exit $rc (want $want), output:"
        cat "$out"
        fails=$((fails + 1))
    fi
done
[ "$fails" = 0 ]
