#!/bin/bash
# Root test: crafted segments against a real kernel, in two network
# namespaces joined by a veth pair (198.18.0.0/24 and 2001:db8::/64 only).
#
#  1. A crafted SYN to a kernel listener is answered by a SYN+ACK whose ack is
#     our seq + 1: IPv4 and IPv6, raw socket and link layer.
#  2. A crafted RST is taken by the peer: its SYN-RECV entry goes away.
#  3. A crafted ACK completes the handshake and a crafted FIN is taken: the
#     peer's socket goes ESTABLISHED, then CLOSE-WAIT, and it ACKs the FIN.
#  4. What libnet put on the wire is byte for byte what `-w` writes, for the
#     raw socket (IP bytes) and the link layer (whole Ethernet frames), sent
#     one by one through libnet's writers and batched by --flood.
#  5. Refusals: not root, unknown interface, over the MTU, mixed families,
#     options too long, bad address; exit 2, one line, nothing sent.
#  6. --mark sets SO_MARK (an nft counter on the mark sees the segment);
#     -Z drops root after the socket is open and the segment still goes out.
#
# usage: root-netns.sh TCPSHAKE PCAPDIFF      exits 77 when it cannot run
set -u
T=${1:?usage: root-netns.sh TCPSHAKE PCAPDIFF}
D=${2:?usage: root-netns.sh TCPSHAKE PCAPDIFF}

skip() { echo "skip: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "not root"
for c in ip tcpdump nft ss python3 setpriv; do
    command -v "$c" >/dev/null 2>&1 || skip "$c not installed"
done

tag="crft$$"
NA="${tag}a" NB="${tag}b"        # namespaces; also the veth names inside
dir=$(mktemp -d "${TMPDIR:-/tmp}/craft-netns.XXXXXX") || exit 1
pids=()

cleanup() {
    # everything we started runs in our namespaces: end those processes
    # (the listener may sit behind a wrapper such as a pyenv shim)
    for ns in "$NA" "$NB"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
    done
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    # links, addresses, neighbours and nft tables all go with the namespaces
    ip netns del "$NA" 2>/dev/null
    ip netns del "$NB" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ip netns add "$NA" 2>/dev/null || skip "ip netns add failed"
ip netns add "$NB" 2>/dev/null || skip "ip netns add failed"
inA() { ip netns exec "$NA" "$@"; }
inB() { ip netns exec "$NB" "$@"; }

A=198.18.0.1 B=198.18.0.2 A6=2001:db8::1 B6=2001:db8::2
ip link add "$NA" netns "$NA" type veth peer name "$NB" netns "$NB" ||
    skip "cannot create a veth pair"
inA ip addr add $A/24 dev "$NA"
inB ip addr add $B/24 dev "$NB"
inA ip addr add $A6/64 dev "$NA" nodad
inB ip addr add $B6/64 dev "$NB" nodad
for ns in "$NA" "$NB"; do
    ip -n "$ns" link set lo up
    ip -n "$ns" link set "$ns" up
done
MACB=$(inB cat /sys/class/net/"$NB"/address)
# Resolved neighbours, so -i finds the peer's MAC in the table.
inA ip neigh replace $B lladdr "$MACB" dev "$NA" nud permanent
inA ip neigh replace $B6 lladdr "$MACB" dev "$NA" nud permanent

fails=0 oks=0
ok() { echo "ok   $*"; oks=$((oks + 1)); }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

# Start tcpdump in namespace $1 on $2 writing $3 with filter $4; returns
# once it listens.
cap_pid=
start_cap() {
    ip netns exec "$1" tcpdump -Z root -i "$2" -U -s 0 --immediate-mode -w "$3" "$4" \
        2>"$3.log" &
    cap_pid=$!
    pids+=("$cap_pid")
    for _ in $(seq 50); do
        grep -q "listening on" "$3.log" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "tcpdump did not start:"; cat "$3.log"; return 1
}
stop_cap() { sleep 0.3; kill -INT "$cap_pid" 2>/dev/null; wait "$cap_pid" 2>/dev/null; }

# A's kernel never sees replies to our crafted ports 40000-40999 (the
# masscan recipe): no RST from it, while tcpdump still taps them.
inA nft -f - <<EOF || skip "nft failed"
table inet craft_test {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport 40000-40999 drop
    }
}
EOF

# The peer: a kernel listener on 8080 that never accepts (dual stack).
inB python3 -c '
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 8080)); s.listen(64); time.sleep(600)' </dev/null >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do inB ss -ltn | grep -q ':8080 ' && break; sleep 0.1; done

# ---- 1. SYN -> SYN+ACK ----------------------------------------------------
start_cap "$NA" "$NA" "$dir/hs.pcap" "tcp port 8080" || exit 1
inA "$T" craft syn --src $A:40001 --dst $B:8080 --seq 1000 >"$dir/o1" 2>&1 || bad "syn v4 raw: exit $?"
inA "$T" craft syn --src $A:40002 --dst $B:8080 --seq 1000 -i "$NA" >>"$dir/o1" 2>&1 || bad "syn v4 link: exit $?"
inA "$T" craft syn --src "[$A6]:40003" --dst "[$B6]:8080" --seq 1000 >>"$dir/o1" 2>&1 || bad "syn v6 raw: exit $?"
inA "$T" craft syn --src "[$A6]:40004" --dst "[$B6]:8080" --seq 1000 -i "$NA" >>"$dir/o1" 2>&1 || bad "syn v6 link: exit $?"
sleep 0.3

synack_seq() { # port -> the seq of the peer's SYN+ACK to it, if it acks 1001
    tcpdump -nr "$dir/hs.pcap" -S 2>/dev/null |
        sed -n "s/.*\.8080 > .*\.$1: Flags \[S\.\], seq \([0-9]*\), ack 1001,.*/\1/p" |
        head -n 1
}
declare -A Y
for p in 40001 40002 40003 40004; do
    for _ in $(seq 30); do # tcpdump may lag on a loaded machine
        Y[$p]=$(synack_seq $p)
        [ -n "${Y[$p]}" ] && break
        sleep 0.1
    done
    if [ -n "${Y[$p]}" ]; then ok "SYN to :8080 from :$p answered by SYN+ACK ack 1001"
    else bad "no SYN+ACK with ack 1001 for port $p"; fi
done

# ---- 2. RST taken in SYN-RECV ---------------------------------------------
synrecv() { inB ss -Htan state syn-recv | grep -c ":$1\b"; }
if [ "$(synrecv 40001)" != 1 ] || [ "$(synrecv 40004)" != 1 ]; then
    bad "peer not in SYN-RECV for 40001/40004"
fi
inA "$T" craft rst --src $A:40001 --dst $B:8080 --seq 1001 >>"$dir/o1" 2>&1 || bad "rst v4: exit $?"
inA "$T" craft rst --src "[$A6]:40004" --dst "[$B6]:8080" --seq 1001 -i "$NA" >>"$dir/o1" 2>&1 || bad "rst v6: exit $?"
sleep 0.2
if [ "$(synrecv 40001)" = 0 ] && [ "$(synrecv 40004)" = 0 ] &&
   [ "$(synrecv 40002)" = 1 ]; then
    ok "crafted RST (v4 raw, v6 link) removed the peer's SYN-RECV entries"
else
    bad "SYN-RECV after RST: 40001=$(synrecv 40001) 40004=$(synrecv 40004) 40002=$(synrecv 40002)"
fi

# ---- 3. ACK completes the handshake, FIN is taken ---------------------------
state_of() { inB ss -Htan "( sport = :8080 and dport = :$1 )" | awk '{print $1}'; }
hs_close() { # port src dst [-i]
    local p=$1 s=$2 d=$3; shift 3
    local y=$((Y[$p] + 1))
    inA "$T" craft ack --src "$s:$p" --dst "$d:8080" --seq 1001 --ack $y "$@" >>"$dir/o1" 2>&1
    sleep 0.1
    local st1; st1=$(state_of "$p")
    inA "$T" craft fin --src "$s:$p" --dst "$d:8080" --seq 1001 --ack $y "$@" >>"$dir/o1" 2>&1
    sleep 0.1
    local st2; st2=$(state_of "$p")
    if [ "$st1" = ESTAB ] && [ "$st2" = CLOSE-WAIT ]; then
        ok "port $p: crafted ACK -> peer ESTAB, crafted FIN -> peer CLOSE-WAIT"
    else
        bad "port $p: after ACK '$st1' (want ESTAB), after FIN '$st2' (want CLOSE-WAIT)"
    fi
}
[ -n "${Y[40002]}" ] && hs_close 40002 $A $B -i "$NA"
[ -n "${Y[40003]}" ] && hs_close 40003 "[$A6]" "[$B6]"
stop_cap
for p in 40002 40003; do
    if tcpdump -nr "$dir/hs.pcap" -S 2>/dev/null |
        grep -q "\.8080 > .*\.$p: Flags \[\.\], .*ack 1002,"; then
        ok "peer ACKed the crafted FIN on port $p (ack 1002)"
    else
        bad "no ACK of the FIN (ack 1002) on port $p"
    fi
done

# ---- 4. wire bytes == -w bytes ---------------------------------------------
inB nft -f - <<EOF
table netdev craft_test {
    chain ingress {
        type filter hook ingress device "$NB" priority 0; policy accept;
        meta l4proto tcp th dport 9 drop
    }
}
EOF
cmds=(
  "syn --src $A:41000 --dst $B:9 --seq 1 --id 11 --opt mss=1460,sackok,ts=5:0,nop,wscale=7"
  "data --src $A:41000 --dst $B:9 --seq 2 --ack 3 --id 12 --tos 0x2 --ttl 9 --data hello\\r\\n --opt nop,nop,ts=6:7"
  "fin --src $A:41000 --dst $B:9 --seq 9 --ack 3 --id 13 --no-df"
  "rst --src $A:41000 --dst $B:9 --seq 10 --id 14 --bad-checksum"
  "segment --src $A:41000 --dst $B:9 --seq 11 --ack 12 --id 15 --flags syn,ack,fin,rst,psh,urg,ece,cwr --urp 3 --opt sack=1-2:3-4,kind=254:beef"
  "syn --src [$A6]:41000 --dst [$B6]:9 --seq 1 --tclass 0x20 --hop-limit 3 --opt mss=1440,wscale=0"
  "data --src [$A6]:41000 --dst [$B6]:9 --seq 2 --ack 3 --hex 00ff00ff"
  "rst --src [$A6]:41000 --dst [$B6]:9 --seq 10 --bad-checksum"
  "ack --src $A:41000 --dst $B:9 --seq 20 --ack 21 --id 16 --count 3 --flood"
  "ack --src [$A6]:41000 --dst [$B6]:9 --seq 20 --ack 21 --count 3 --flood"
)
for via in raw link; do
    start_cap "$NB" "$NB" "$dir/wire-$via.pcap" "tcp dst port 9" || exit 1
    exp=()
    i=0
    for c in "${cmds[@]}"; do
        i=$((i + 1))
        extra=()
        [ $via = link ] && extra=(-i "$NA" --dst-mac "$MACB")
        # shellcheck disable=SC2086 # each command is a word list
        inA "$T" craft $c "${extra[@]}" >>"$dir/o4" 2>&1 || bad "$via send '$c': exit $?"
        # shellcheck disable=SC2086
        inA "$T" craft $c "${extra[@]}" -w "$dir/exp-$via-$i.pcap" >>"$dir/o4" 2>&1 ||
            bad "$via -w '$c': exit $?"
        exp+=("$dir/exp-$via-$i.pcap")
    done
    stop_cap
    flag=(); [ $via = raw ] && flag=(--ip)
    if res=$("$D" "${flag[@]}" "$dir/wire-$via.pcap" "${exp[@]}"); then
        ok "$via: wire bytes identical to -w bytes ($res)"
    else
        bad "$via: wire differs from -w: $res"
    fi
done

# ---- 5. refusals: exit 2, one line, nothing sent ----------------------------
start_cap "$NB" "$NB" "$dir/none.pcap" "tcp" || exit 1
big=$(head -c 1461 /dev/zero | od -An -v -tx1 | tr -d ' \n')
big6=$(head -c 1441 /dev/zero | od -An -v -tx1 | tr -d ' \n')
refuse() { # label expected-substring command...
    local label=$1 want=$2; shift 2
    local out rc
    out=$("$@" 2>&1 >/dev/null); rc=$?
    if [ $rc -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
       printf '%s' "$out" | grep -q "^tcpshake: craft: .*$want"; then
        ok "refused, exit 2: $label"
    else
        bad "$label: exit $rc, stderr: $out"
    fi
}
refuse "over the MTU (raw v4)" "exceeds the MTU 1500" \
    inA "$T" craft data --src $A:41001 --dst $B:9 --hex "$big"
refuse "over the MTU (raw v6)" "exceeds the MTU 1500" \
    inA "$T" craft data --src "[$A6]:41001" --dst "[$B6]:9" --hex "$big6"
refuse "over the MTU (link)" "exceeds the MTU 1500 of $NA" \
    inA "$T" craft data --src $A:41001 --dst $B:9 --hex "$big" -i "$NA"
refuse "unknown interface" "unknown interface 'nosuch0'" \
    inA "$T" craft syn --src $A:41001 --dst $B:9 -i nosuch0
refuse "not root" "need.* root or CAP_NET_RAW" \
    inA setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
    --bounding-set=-all "$T" craft syn --src $A:41001 --dst $B:9
refuse "mixed IPv4/IPv6" "mixed IPv4 and IPv6" \
    inA "$T" craft syn --src $A:41001 --dst "[$B6]:9"
refuse "options too long" "tcp options: 45 bytes, more than 40" \
    inA "$T" craft syn --src $A:41001 --dst $B:9 \
    --opt mss=1,wscale=1,sackok,ts=1:1,sack=1-2:3-4:5-6
refuse "bad port" "bad port" inA "$T" craft syn --src $A:41001 --dst $B:99999
refuse "bad address" "bad address" inA "$T" craft syn --dst 198.18.0.300:9
stop_cap
got=$(tcpdump -nr "$dir/none.pcap" 2>/dev/null | wc -l)
if [ "$got" -eq 0 ]; then ok "nothing reached the peer during the refusals"
else bad "$got segments reached the peer during the refusals"; fi

# ---- 6. SO_MARK, -Z, pacing ---------------------------------------------------
inA nft -f - <<EOF
table inet craft_mark {
    counter marked { }
    chain output {
        type filter hook output priority 0; policy accept;
        meta mark 0x2a tcp dport 9 counter name marked
    }
}
EOF
inA "$T" craft syn --src $A:41002 --dst $B:9 --mark 42 >>"$dir/o6" 2>&1 || bad "--mark: exit $?"
inA "$T" craft syn --src $A:41003 --dst $B:9 >>"$dir/o6" 2>&1 || bad "unmarked: exit $?"
pk=$(inA nft list counter inet craft_mark marked | sed -n 's/.*packets \([0-9]*\).*/\1/p')
if [ "$pk" = 1 ]; then ok "--mark 42: exactly the marked segment matched meta mark"
else bad "--mark: counter says '$pk' packets, want 1"; fi

start_cap "$NB" "$NB" "$dir/z.pcap" "tcp dst port 9" || exit 1
if out=$(inA "$T" craft syn --src $A:41004 --dst $B:9 -Z nobody 2>&1); then
    ok "-Z nobody: sent after dropping root ($(echo "$out" | tail -n 1))"
else
    bad "-Z nobody: $out"
fi
out=$(inA "$T" craft ack --src $A:41005 --dst $B:9 --seq 1 --count 5 --rate 50 2>&1)
# 5 segments at 50/s: 4 gaps of 20 ms, never sooner (a loaded machine may
# be a little later)
line=$(echo "$out" | tail -n 1)
if echo "$line" | awk '$1 == 5 && $2 == "segments" && $5 >= 0.079 && $5 < 0.5 { ok = 1 }
                      END { exit !ok }'; then
    ok "--count 5 --rate 50: $line"
else
    bad "--count 5 --rate 50: $line"
fi
stop_cap
got=$(tcpdump -nr "$dir/z.pcap" 2>/dev/null | wc -l)
if [ "$got" -eq 6 ]; then ok "peer saw the -Z segment and the 5 paced ones"
else bad "peer saw $got segments, want 6"; fi

echo "$oks passed, $fails failed"
[ "$fails" -eq 0 ]
