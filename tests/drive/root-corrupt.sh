#!/bin/bash
# Root test: segments whose TCP checksum is wrong are discarded by
# `tcpshake listen` and `tcpshake connect` (RFC 9293 MUST-2/3), shown in the
# trace with {bad-checksum} and counted on the final line, while the data
# still arrives exact because the kernel peer retransmits.
#
# The corruption is real bytes on the wire: in namespace B (the kernel
# peer) every TCP segment towards A goes through NFQUEUE to
# tests/net/impair, which flips one bit in the payload of every 2nd segment
# carrying new data (--corrupt-every 2 --once --only-payload: deterministic,
# and each retransmission passes) and leaves the checksum as it was.  B's
# veth has tx checksum offload off, so every checksum A captures is a
# complete one; A's has no segmentation or receive offload, so that
# tcpshake's capture sees every frame (below).  (This kernel has no nft
# `queue` expression, CONFIG_NFT_QUEUE unset: the rule is ip(6)tables'
# NFQUEUE target, through nft_compat.)
#
# For IPv4 and IPv6:
#  1. listen: a kernel client sends 100000 random bytes, shuts down, reads
#     our reply and EOF; --out holds exactly its bytes;
#  2. connect: a kernel server replies with 100000 random bytes and closes
#     (--close passive); --out holds exactly its bytes;
#  3. the same with --json (IPv4: listen, IPv6: connect): "bad_checksums".
# Each time: exit 0, the final line says "N dropped (bad checksum)" with N
# equal to the segments impair corrupted, and to the trace's {bad-checksum}
# segments, and tshark reads N bad checksums in our -w capture.
#
# Without the discard the first corrupted segment is taken as data: the
# bytes differ and the final line has no "dropped".
#
# usage: root-corrupt.sh TCPSHAKE IMPAIR     exits 77 when it cannot run
set -u
T=${1:?usage: root-corrupt.sh TCPSHAKE IMPAIR}
IMPAIR=${2:-}
if [ -z "$IMPAIR" ] || [ ! -x "$IMPAIR" ]; then
    echo "skip: tests/net/impair not built (libnetfilter-queue-dev missing)"; exit 77
fi
for c in ethtool iptables ip6tables; do
    command -v "$c" >/dev/null 2>&1 || { echo "skip: $c not installed"; exit 77; }
done
NET4=198.18.13 NET6=2001:db8:13
. "$(dirname "$0")/lib.sh"
export LC_ALL=C
Q=13           # the NFQUEUE number (queues are per network namespace)
SIZE=100000
REPLY='reply from tcpshake listen'

python3 -c 'import random, sys; r = random.Random(13); sys.stdout.buffer.write(r.randbytes(int(sys.argv[1])))' \
    $SIZE >"$dir/payload"
check "payload: $SIZE bytes" [ "$(stat -c %s "$dir/payload")" = $SIZE ]

# B's veth: checksums computed in software, none left to offload
inB ethtool -K "$NB" tx off >/dev/null 2>&1 || bad "ethtool -K $NB tx off failed"
check "B: tx-checksumming off" sh -c "ip netns exec $NB ethtool -k $NB | grep -qx 'tx-checksumming: off'"
check "B: tx-tcp-segmentation off" sh -c "ip netns exec $NB ethtool -k $NB | grep -q '^	tx-tcp-segmentation: off'"
# A's veth: no segmentation or receive offload.  libpcap then sizes the
# frames of tcpshake's capture ring by the MTU, not 64 KiB: with offloads on,
# its default 2 MB ring holds about 31 frames, and a burst from the kernel
# can overflow it while tcpshake works (frames that reached A are then never
# seen: fewer {bad-checksum} lines than impair corrupted).
inA ethtool -K "$NA" tso off gso off gro off >/dev/null 2>&1 || bad "ethtool -K $NA tso/gso/gro off failed"
check "A: tso, gso, gro off" sh -c "ip netns exec $NA ethtool -k $NA |
    grep -cxE '(tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload): off' | grep -qx 3"
# every TCP segment from B towards A goes through impair (no --queue-bypass:
# without impair they are dropped, never passed unharmed)
inB iptables -A OUTPUT -p tcp -d $A4 -j NFQUEUE --queue-num $Q ||
    skip "iptables NFQUEUE rule refused"
inB ip6tables -A OUTPUT -p tcp -d $A6 -j NFQUEUE --queue-num $Q ||
    skip "ip6tables NFQUEUE rule refused"

# impair in B, in the background; waits until it has bound the queue
ipid=
impair_start() { # NAME
    ip netns exec "$NB" "$IMPAIR" --queue $Q --corrupt-every 2 --once --only-payload \
        --seed 13 2>"$dir/$1.impair" &
    ipid=$!
    pids+=("$ipid")
    for _ in $(seq 100); do grep -q 'ready' "$dir/$1.impair" 2>/dev/null && return 0; sleep 0.05; done
    # without it nothing reaches A: no use going on
    bad "$1: impair did not start"; sed 's/^/     /' "$dir/$1.impair"
    finish
}
# stop it; $corrupted is how many segments it corrupted
corrupted=
impair_stop() { # NAME
    kill -TERM "$ipid" 2>/dev/null
    wait "$ipid"
    local r=$?
    check "$1: impair exits 0 on SIGTERM" [ "$r" = 0 ]
    corrupted=$(sed -n 's/.*, corrupted \([0-9]*\),.*/\1/p' "$dir/$1.impair")
    check "$1: impair corrupted segments (${corrupted:-?})" [ "${corrupted:-0}" -gt 0 ]
}

# the trace's final line, {bad-checksum} segments and the -w capture agree
# with impair
agree() { # NAME COMMAND
    local n=$1 what=$2 dropped lines bad
    dropped=$(sed -n "s/^== $what .*: ok, 1 connection ok, .*, \([0-9]*\) dropped (bad checksum).*/\1/p" "$dir/$n.trace")
    lines=$(grep -cE '^[^=].*[{ ]bad-checksum[,}]' "$dir/$n.trace")
    bad=$(tshark -r "$dir/$n.pcap" -o tcp.check_checksum:TRUE -Y 'tcp.checksum.status == 0' \
        -T fields -e frame.number 2>/dev/null | wc -l)
    if [ -n "$dropped" ] && [ "$dropped" -gt 0 ] && [ "$dropped" = "$corrupted" ]; then
        ok "$n: final line: $dropped dropped (bad checksum), as impair corrupted"
    else
        bad "$n: final line says '${dropped}' dropped, impair corrupted $corrupted"
        grep '^== ' "$dir/$n.trace" | sed 's/^/     /'
    fi
    check "$n: $lines {bad-checksum} segments in the trace, $corrupted corrupted" [ "$lines" = "$corrupted" ]
    check "$n: tshark: $bad bad checksums in -w, $corrupted corrupted" [ "$bad" = "$corrupted" ]
}

# the same from --json: the last object's bad_checksums, and the segments
# noted bad-checksum
agree_json() { # NAME COMMAND
    check "$1: --json: bad_checksums = segments noted = $corrupted corrupted" \
        python3 - "$dir/$1.trace" "$2" "$corrupted" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
want = int(sys.argv[3])
last = objs[-1]
assert last["type"] == sys.argv[2] and last["outcome"] == "ok" and last["exit"] == 0, last
assert last["bad_checksums"] == want, (last["bad_checksums"], want)
noted = [o for o in objs if o["type"] == "segment" and "bad-checksum" in o["notes"]]
assert len(noted) == want, (len(noted), want)
PY
}

listen_run() { # NAME ADDR PORT [OPTIONS...]
    local n=$1 A=$2 P=$3 d=$dir/$1.client lp
    shift 3
    impair_start $n
    timeout -s TERM 40 ip netns exec "$NA" "$T" listen $P --addr "$A" --reply "$REPLY\n" \
        --out "$dir/$n.data" -w "$dir/$n.pcap" "$@" >"$dir/$n.trace" 2>"$dir/$n.err" &
    lp=$!
    pids+=("$lp")
    for _ in $(seq 100); do grep -q 'listening on' "$dir/$n.trace" 2>/dev/null && break; sleep 0.05; done
    mkdir -p "$d"
    inB python3 "$PEER" client "$A" $P shut "$d" --send "$dir/payload" --timeout 30 \
        </dev/null >/dev/null 2>"$d.stderr"
    wait "$lp"
    rc=$?
    impair_stop $n
    no_guard_left || bad "$n: an nft guard table was left"
    check "$n: exit 0" [ "$rc" = 0 ]
    if cmp -s "$dir/payload" "$dir/$n.data"; then ok "$n: --out holds exactly the client's $SIZE bytes"
    else bad "$n: --out differs from what the client sent: $(cmp "$dir/payload" "$dir/$n.data" 2>&1)"; fi
    check "$n: the client got our reply" grep -qx "$REPLY" "$d/got"
    check "$n: then EOF" grep -qx eof "$d/result"
}

connect_run() { # NAME ADDR PORT [OPTIONS...]
    local n=$1 B=$2 P=$3 d=$dir/$1.server
    shift 3
    impair_start $n
    peer_bg "$d" server "$B" $P passive --expect 6 --reply "$dir/payload"
    wait_file "$d/ready" || bad "$n: the server did not start"
    timeout -s TERM 40 ip netns exec "$NA" "$T" connect "$B" $P --data 'hello\n' --close passive \
        --out "$dir/$n.data" -w "$dir/$n.pcap" "$@" >"$dir/$n.trace" 2>"$dir/$n.err"
    rc=$?
    wait_file "$d/result"
    impair_stop $n
    no_guard_left || bad "$n: an nft guard table was left"
    check "$n: exit 0" [ "$rc" = 0 ]
    check "$n: the server got our request" grep -qx hello "$d/got"
    check "$n: the server closed" grep -qx closed "$d/result"
    if cmp -s "$dir/payload" "$dir/$n.data"; then ok "$n: --out holds exactly the server's $SIZE bytes"
    else bad "$n: --out differs from what the server sent: $(cmp "$dir/payload" "$dir/$n.data" 2>&1)"; fi
}

family() {
    local fam=$1 P=$2 A B
    if [ "$fam" = 4 ]; then A=$A4 B=$B4; else A=$A6 B=$B6; fi

    listen_run listen$fam "$A" $P
    agree listen$fam listen
    check "listen$fam: received $SIZE B" grep -qE "^== listen .*: ok, .*received $SIZE B" "$dir/listen$fam.trace"

    connect_run connect$fam "$B" $((P + 1))
    agree connect$fam connect
    check "connect$fam: received $SIZE B" grep -qE "^== connect .*: ok, .*received $SIZE B" "$dir/connect$fam.trace"

    if [ "$fam" = 4 ]; then
        listen_run json$fam "$A" $((P + 2)) --json
        agree_json json$fam listen
    else
        connect_run json$fam "$B" $((P + 2)) --json
        agree_json json$fam connect
    fi
}

family 4 9500
family 6 9600
finish
