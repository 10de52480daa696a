#!/bin/bash
# Root test: path MTU discovery for the drive (RFC 1191 / RFC 8201).
#
#   A (tcpshake) --veth, MTU 1500-- R (router) --veth, MTU 1280-- B (kernel)
#
# B's own interface has MTU 1500, so its MSS option says 1460 and only R
# knows the path is narrower: our 1500-byte frames reach R, which answers
# each with ICMP "fragmentation needed" (IPv4; our segments carry DF) or
# ICMPv6 "packet too big", MTU 1280.  (B itself sends only small segments
# here: a veth drops frames larger than its receiving end's MTU.)
#
# For IPv4 and IPv6:
#  1. connect sends 300000 random bytes to a kernel server in B;
#  2. listen answers a kernel client in B with 300000 random bytes.
# Each: exit 0, the peer received exactly our bytes, a note "path MTU
# 1280", "path MTU lowered" on the final line, and in our -w capture (in
# the wire's time order) no segment of ours larger than 1280 bytes of IP
# once one of the new size went out: the larger ones after the ICMP are the
# rest of a burst sent before we read it.
#
# usage: root-pmtu.sh TCPSHAKE        exits 77 when it cannot run
set -u
T=${1:?usage: root-pmtu.sh TCPSHAKE}
skip() { echo "skip: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "not root"
for c in ip nft python3 tshark; do
    command -v "$c" >/dev/null 2>&1 || skip "$c not installed"
done
here=$(cd "$(dirname "$0")" && pwd)
PEER="$here/peer.py"
tag="pmtu$$"
NA=${tag}a NR=${tag}r NB=${tag}b
dir=$(mktemp -d "${TMPDIR:-/tmp}/pmtu-test.XXXXXX") || exit 1
pids=()
fails=0 oks=0

cleanup() {
    for ns in "$NA" "$NR" "$NB"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
    done
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    for ns in "$NA" "$NR" "$NB"; do ip netns del "$ns" 2>/dev/null; done
    [ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

for ns in "$NA" "$NR" "$NB"; do
    ip netns add "$ns" 2>/dev/null || skip "ip netns add failed"
    ip -n "$ns" link set lo up
done
ip link add a0 netns "$NA" type veth peer name r0 netns "$NR" || skip "no veth"
ip link add b0 netns "$NB" type veth peer name r1 netns "$NR" || skip "no veth"
ip -n "$NA" addr add 198.18.60.1/24 dev a0
ip -n "$NR" addr add 198.18.60.254/24 dev r0
ip -n "$NR" addr add 198.18.61.254/24 dev r1
ip -n "$NB" addr add 198.18.61.2/24 dev b0
ip -n "$NA" addr add 2001:db8:60::1/64 dev a0 nodad
ip -n "$NR" addr add 2001:db8:60::fe/64 dev r0 nodad
ip -n "$NR" addr add 2001:db8:61::fe/64 dev r1 nodad
ip -n "$NB" addr add 2001:db8:61::2/64 dev b0 nodad
ip -n "$NA" link set a0 up
ip -n "$NB" link set b0 up
ip -n "$NR" link set r0 up
ip -n "$NR" link set r1 up mtu 1280
ip -n "$NA" route add default via 198.18.60.254
ip -n "$NB" route add default via 198.18.61.254
ip -n "$NA" -6 route add default via 2001:db8:60::fe
ip -n "$NB" -6 route add default via 2001:db8:61::fe
ip netns exec "$NR" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$NR" sysctl -qw net.ipv6.conf.all.forwarding=1
inA() { ip netns exec "$NA" "$@"; }
inB() { ip netns exec "$NB" "$@"; }

ok() { echo "ok   $*"; oks=$((oks + 1)); }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
wait_file() { for _ in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.05; done; return 1; }
peer_bg() { # DIR ROLE ADDR PORT MODE [OPTIONS...]
    local d=$1; shift
    mkdir -p "$d"
    inB python3 "$PEER" "$1" "$2" "$3" "$4" "$d" "${@:5}" </dev/null >/dev/null 2>"$d/stderr" &
    pids+=($!)
}

# random bytes with one newline, the last (the kernel client reads a reply
# up to its newline)
python3 -c 'import os, sys; sys.stdout.buffer.write(os.urandom(299999).replace(b"\n", b"x") + b"\n")' >"$dir/data"

# Our segments in the capture after the first ICMP error: none above 1280
# once the first of the new size went out.
small_after_icmp() { # PCAP FAMILY
    python3 - "$1" "$2" <<'PY'
import subprocess, sys
pcap, fam = sys.argv[1], sys.argv[2]
lenf = "ip.len" if fam == "4" else "ipv6.plen"
icmp = "icmp.type == 3" if fam == "4" else "icmpv6.type == 2"
src = "198.18.60.1" if fam == "4" else "2001:db8:60::1"
srcf = "ip.src" if fam == "4" else "ipv6.src"
out = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "frame.number",
                      "-e", lenf, "-e", "_ws.col.Protocol", "-e", srcf,
                      "-Y", "(%s) or (tcp and %s == %s)" % (icmp, srcf, src)],
                     capture_output=True, text=True).stdout.split("\n")
# -w is in the wire's time order: segments of a burst sent after the ICMP
# arrived, before we read it, come after it.  Once a data segment of the
# new size has gone out, nothing larger may follow.
seen = small = False
big_before = in_flight = 0
for line in out:
    f = line.split("\t")
    if len(f) < 4:
        continue
    if f[2].startswith("ICMP"):
        seen = True
        continue
    n = int(f[1].split(",")[0]) + (40 if fam == "6" else 0)
    if not seen and n > 1280:
        big_before += 1
    if seen and n > 1280:
        if small:
            print("frame %s: %d bytes after segments of the new size" % (f[0], n))
            sys.exit(1)
        in_flight += 1
    if seen and 200 < n <= 1280:
        small = True
print("%d segments above 1280 before the ICMP, %d sent before it was read" % (big_before, in_flight))
sys.exit(0 if seen and small and big_before else 1)
PY
}

P=7600
for fam in 4 6; do
    if [ $fam = 4 ]; then A=198.18.60.1 B=198.18.61.2 fl=""; else A=2001:db8:60::1 B=2001:db8:61::2 fl=-6; fi

    n=connect$fam; d=$dir/$n.peer
    peer_bg "$d" server "$B" $P passive --expect 300000
    wait_file "$d/ready"
    inA timeout 60 "$T" connect "$B" $P --data @"$dir/data" --close passive \
        --time-wait 0.1 -w "$dir/$n.pcap" --out /dev/null >"$dir/$n.trace" 2>"$dir/$n.err"
    rc=$?
    for _ in $(seq 100); do [ -e "$d/result" ] && break; sleep 0.05; done
    check "$n: exit 0" [ "$rc" = 0 ]
    check "$n: the server received exactly our bytes" cmp -s "$dir/data" "$d/got"
    check "$n: a note says the path MTU" grep -q "path MTU 1280, segments of" "$dir/$n.trace"
    check "$n: the final line says it was lowered" grep -q "path MTU lowered" "$dir/$n.trace"
    check "$n: nothing above 1280 once segments of the new size went out" small_after_icmp "$dir/$n.pcap" $fam
    P=$((P + 1))

    n=listen$fam; d=$dir/$n.peer
    inA timeout 60 "$T" listen $P --addr "$A" --reply @"$dir/data" --time-wait 0.1 \
        -w "$dir/$n.pcap" >"$dir/$n.trace" 2>"$dir/$n.err" &
    lp=$!
    sleep 0.5
    peer_bg "$d" client "$A" $P shut --timeout 30
    wait $lp; rc=$?
    for _ in $(seq 200); do [ -e "$d/result" ] && break; sleep 0.05; done
    check "$n: exit 0" [ "$rc" = 0 ]
    check "$n: the client received exactly our bytes" cmp -s "$dir/data" "$d/got"
    check "$n: a note says the path MTU" grep -q "path MTU 1280, segments of" "$dir/$n.err"
    check "$n: the final line says it was lowered" grep -q "path MTU lowered" "$dir/$n.err"
    check "$n: nothing above 1280 once segments of the new size went out" small_after_icmp "$dir/$n.pcap" $fam
    P=$((P + 1))
done
for f in "$dir"/connect*.err; do
    [ -s "$f" ] && { echo "--- $f"; head -5 "$f"; }
done

cleanup
trap - EXIT
left=$( (ip netns list; ip -o link) 2>/dev/null | grep -c "$tag")
if [ "$left" -ne 0 ]; then bad "namespaces or links left behind: $left"; else ok "nothing left behind"; fi
echo "$oks passed, $fails failed"
[ "$fails" -eq 0 ]
