#!/bin/sh
# Live capture without privilege: one clear line naming root / CAP_NET_RAW,
# exit 2, and nothing else.  Runs the binary as 'nobody' (needs root to
# switch); skips (77) otherwise.
#   unprivileged.sh TCPSHAKE
set -u
bin=$1
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root to run as nobody"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "skip: no user nobody"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
cp "$bin" "$dir/tcpshake" && chmod 755 "$dir" "$dir/tcpshake"
out=$(su nobody -s /bin/sh -c "'$dir/tcpshake' trace -i lo 2>&1 >/dev/null; echo \"exit \$?\"")
echo "$out"
lines=$(printf '%s\n' "$out" | grep -vc '^exit ')
printf '%s\n' "$out" | grep -q '^exit 2$' || { echo "FAIL: want exit 2"; exit 1; }
[ "$lines" -eq 1 ] || { echo "FAIL: want exactly one line on stderr, got $lines"; exit 1; }
printf '%s\n' "$out" | grep -q 'tcpshake: trace: lo: .*root or CAP_NET_RAW' ||
    { echo "FAIL: the line must name root or CAP_NET_RAW"; exit 1; }
exit 0
