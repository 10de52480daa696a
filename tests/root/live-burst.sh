#!/bin/bash
# Live test (issue 15 item 6a): a burst of 20,000 SYNs (craft --flood) on
# a veth must be traced whole by `tcpshake trace -i --summary`: the kernel
# drops no frame.  The whole burst (about 2.5 MB in blocks) fits in the
# capture buffer, so this holds however slowly the trace reads.  The old
# ring (immediate mode, 2 MiB of 64 KiB slots: 32 frames) lost most of it.
# The capture is on the sending end (frames are seen as they are sent, not
# after the peer's backlog); the frames go to a namespace that drops them.
#   live-burst.sh TCPSHAKE
# Skips (77) without root or network namespaces.  Removes everything it made.
set -u
bin=$1
N=20000
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
command -v ip >/dev/null || { echo "skip: no iproute2"; exit 77; }
tag=tsb$$
A=${tag}a B=${tag}b
work=$(mktemp -d)
tpid=""
cleanup() {
    [ -n "$tpid" ] && kill -9 "$tpid" 2>/dev/null
    ip netns del "$A" 2>/dev/null
    ip netns del "$B" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$A" 2>/dev/null || { echo "skip: cannot create network namespaces"; exit 77; }
ip netns add "$B" || exit 1
ip link add "${tag}x" type veth peer name "${tag}y" || exit 1
ip link set "${tag}x" netns "$A" && ip link set "${tag}y" netns "$B" || exit 1
ip -n "$A" addr add 198.18.49.1/24 dev "${tag}x"
ip -n "$B" addr add 198.18.49.2/24 dev "${tag}y"
ip -n "$A" link set "${tag}x" up
ip -n "$B" link set "${tag}y" up
# B drops them: no RST back, nothing else on the wire
ip netns exec "$B" nft add table inet burst &&
    ip netns exec "$B" nft add chain inet burst in '{ type filter hook prerouting priority -300; policy drop; }' ||
    { echo "skip: no nft"; exit 77; }

LC_ALL=C ip netns exec "$A" "$bin" trace -i "${tag}x" --summary tcp dst port 80 \
    >"$work/out" 2>"$work/err" &
tpid=$!
for _ in $(seq 50); do grep -q listening "$work/err" && break; sleep 0.1; done
sleep 0.3
ip netns exec "$A" "$bin" craft syn --src 198.18.49.1:1000 --dst 198.18.49.2:80 \
    --flood --count "$N" >"$work/craft" 2>&1 || { echo "FAIL: craft: $(cat "$work/craft")"; exit 1; }
sleep 1
kill -TERM "$tpid"
wait "$tpid"
tpid=""
line=$(grep 'frames traced' "$work/err")
traced=$(sed -n 's/.*trace: \([0-9]*\) frames traced.*/\1/p' <<<"$line")
dropped=$(sed -n 's/.* \([0-9]*\) dropped by kernel.*/\1/p' <<<"$line")
echo "$(cat "$work/craft")"
echo "$line"
if [ "$traced" = "$N" ] && [ "$dropped" = 0 ]; then
    echo "ok   a burst of $N SYNs traced whole, none dropped"
    exit 0
fi
echo "FAIL: $traced of $N traced, $dropped dropped by the kernel"
cat "$work/err"
exit 1
