#!/bin/bash
# craft --flood meets a send error that is not "no room, try again": it must
# stop with one error line and exit 1, not spin on its full queue (scan-build
# found the error overwritten in cmd_craft.c's flood loop).
#
# Needs no root: a user namespace gives CAP_NET_RAW over a network namespace
# of our own, private to this test.  There, an nft quota lets the first
# frames out to 127.0.0.2 and then drops them in the output hook, so
# sendmmsg() fails with EPERM midway.  Skips (77) where unprivileged user
# namespaces or nft are not available.
#   flood-send-error.sh TCPSHAKE
set -u
bin=$1
command -v unshare >/dev/null || { echo "skip: no unshare"; exit 77; }
command -v nft >/dev/null || command -v /usr/sbin/nft >/dev/null || { echo "skip: no nft"; exit 77; }
unshare -rn true 2>/dev/null || { echo "skip: no unprivileged user namespaces"; exit 77; }

err=$(mktemp) || exit 1
trap 'rm -f "$err"' EXIT
# shellcheck disable=SC2016
timeout 30 unshare -rn bash -c '
    set -e
    PATH=$PATH:/usr/sbin
    ip link set lo up
    nft add table inet t
    nft add chain inet t out "{ type filter hook output priority 0; }"
    # a SYN is 40 bytes: about 100 go out, then every one is dropped
    nft add rule inet t out ip daddr 127.0.0.2 tcp dport 80 quota over 4000 bytes drop
    set +e
    "$1" craft syn --src 127.0.0.1:40000 --dst 127.0.0.2:80 --count 100000 --flood
' sh "$bin" >/dev/null 2>"$err"
rc=$?
if [ "$rc" = 1 ] && [ "$(wc -l <"$err")" = 1 ] &&
   grep -qx "tcpshake: craft: send: Operation not permitted" "$err"; then
    echo "ok   flood stopped at the send error: exit 1, $(cat "$err")"
    exit 0
fi
[ "$rc" = 124 ] && echo "FAIL the flood spun on the send error (killed after 30 s)"
echo "FAIL exit $rc, stderr:"
cat "$err"
exit 1
