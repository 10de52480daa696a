# netlab: three network namespaces in a line, for tests and benchmarks that
# drive TCP through an impaired path.  Sourced (bash) by
# tests/drive/root-net.sh and bench/drive-net.
#
#     A (tcpshake, or a kernel socket)  ---  R (router)  ---  B (kernel peer)
#     198.18.ID.1/24   2001:db8:ID:a::1/64        198.19.ID.2/24   2001:db8:ID:b::2/64
#                R: 198.18.ID.254, 198.19.ID.254, 2001:db8:ID:a::fe, 2001:db8:ID:b::fe
#
# Addresses only from 198.18.0.0/15 and 2001:db8::/32.  R forwards, and its
# forward path is where the impairment is (both directions, TCP only).
# This kernel has no netem, so:
#   loss=PCT         nftables: numgen random mod 100 < PCT drop
#   dup=PCT          nftables: numgen random mod 100 < PCT dup to <next hop>
#   delay=MS jitter=MS reorder=PCT reorder_extra=MS corrupt=PCT
#                    tests/net/impair (NFQUEUE; CONFIG_NFT_QUEUE is unset, so
#                    the rule is `iptables -j NFQUEUE --queue-num 1`, through
#                    nft_compat): held, reordered, one bit flipped with the
#                    checksum left wrong
# Frames are MTU-sized on every link ("what a real NIC delivers"): every
# veth has tso, gso, gro and tx checksumming off and gso_max_segs 1, so no
# frame is larger than the MTU (1500) and every checksum on the wire is a
# complete one.  NETLAB_BIG_FRAMES=1 leaves the veths' offloads as they are.
#
# Before sourcing: NETLAB_ID (0-255, the third byte of the subnets; one per
# concurrent user), NETLAB_IMPAIR (path of tests/net/impair; only needed for
# delay/jitter/reorder/corrupt).  Sourcing checks root and the tools and
# exits 77 ("skip: ...") when something is missing.
#
#   netlab_up                      make the namespaces, links, addresses, routes
#   netlab_impair K=V...           set the impairment (replaces the last one);
#                                  no argument: none
#   netlab_block ab|ba             drop every packet R forwards that way
#   netlab_unblock                 stop that
#   netlab_counts                  one line: what the impairment did so far
#                                  (and impair's seed: seed=S repeats it)
#   netlab_frames_ok               the MTU-sized-frame settings are in place
#   netlab_bg NS CMD...            run CMD in namespace NS in the background
#                                  (its pid is killed at the end)
#   netlab_down                    remove everything (also run on every exit)
#   netlab_leftovers               print what of ours is still there (nothing
#                                  after netlab_down)
#   inA / inR / inB CMD...         run CMD in that namespace
# Variables: NL_A NL_R NL_B (namespaces), NL_IFA NL_IFB (A's and B's links),
# NL_A4 NL_B4 NL_A6 NL_B6 (A's and B's addresses), NL_DIR (a scratch
# directory, removed at the end).
#
# The EXIT trap runs netlab_atexit's commands (a user's own clean-up: set
# NETLAB_ATEXIT="cmd; cmd"), then netlab_down.  INT, TERM and HUP exit 130.

netlab_skip() { echo "skip: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || netlab_skip "not root"
for _c in ip nft ethtool iptables ip6tables python3 timeout; do
    command -v "$_c" >/dev/null 2>&1 || netlab_skip "$_c not installed"
done
: "${NETLAB_ID:?set NETLAB_ID (0-255) before sourcing netlab.sh}"

NL_TAG="nl${NETLAB_ID}x$$"
NL_A="${NL_TAG}a" NL_R="${NL_TAG}r" NL_B="${NL_TAG}b"
NL_IFA="${NL_TAG}a" NL_IFB="${NL_TAG}b" NL_RA="${NL_TAG}ra" NL_RB="${NL_TAG}rb"
NL_A4=198.18.$NETLAB_ID.1 NL_R4A=198.18.$NETLAB_ID.254
NL_B4=198.19.$NETLAB_ID.2 NL_R4B=198.19.$NETLAB_ID.254
NL_A6=2001:db8:$NETLAB_ID:a::1 NL_R6A=2001:db8:$NETLAB_ID:a::fe
NL_B6=2001:db8:$NETLAB_ID:b::2 NL_R6B=2001:db8:$NETLAB_ID:b::fe
NL_QUEUE=1
# What a netlab user killed with SIGKILL left (no trap ran): namespaces
# nlIDxPID[arb] and directories netlab.nlIDxPID.* whose PID is gone.
netlab_reap() {
    local x pid
    for x in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^nl[0-9]+x[0-9]+[arb]$'); do
        pid=${x#nl*x} pid=${pid%?}
        kill -0 "$pid" 2>/dev/null || ip netns del "$x" 2>/dev/null
    done
    for x in "${TMPDIR:-/tmp}"/netlab.nl*x*.*; do
        [ -d "$x" ] || continue
        pid=${x##*/netlab.nl*x} pid=${pid%%.*}
        kill -0 "$pid" 2>/dev/null || rm -rf "$x"
    done
}
netlab_reap
NL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/netlab.$NL_TAG.XXXXXX") || exit 1
NL_PIDS=()
NL_IMPAIR_PID=
NL_IMPAIR_N=0
NL_UP=0

inA() { ip netns exec "$NL_A" "$@"; }
inR() { ip netns exec "$NL_R" "$@"; }
inB() { ip netns exec "$NL_B" "$@"; }

netlab_bg() { # NS CMD...
    local ns=$1; shift
    ip netns exec "$ns" "$@" &
    NL_PIDS+=($!)
}

netlab_up() {
    local ns dev
    for ns in "$NL_A" "$NL_R" "$NL_B"; do
        ip netns add "$ns" 2>/dev/null || netlab_skip "ip netns add failed"
        NL_UP=1
        ip -n "$ns" link set lo up
    done
    ip link add "$NL_IFA" netns "$NL_A" type veth peer name "$NL_RA" netns "$NL_R" ||
        netlab_skip "cannot create a veth pair"
    ip link add "$NL_RB" netns "$NL_R" type veth peer name "$NL_IFB" netns "$NL_B" ||
        netlab_skip "cannot create a veth pair"
    ip -n "$NL_A" addr add "$NL_A4/24" dev "$NL_IFA"
    ip -n "$NL_A" addr add "$NL_A6/64" dev "$NL_IFA" nodad
    ip -n "$NL_R" addr add "$NL_R4A/24" dev "$NL_RA"
    ip -n "$NL_R" addr add "$NL_R6A/64" dev "$NL_RA" nodad
    ip -n "$NL_R" addr add "$NL_R4B/24" dev "$NL_RB"
    ip -n "$NL_R" addr add "$NL_R6B/64" dev "$NL_RB" nodad
    ip -n "$NL_B" addr add "$NL_B4/24" dev "$NL_IFB"
    ip -n "$NL_B" addr add "$NL_B6/64" dev "$NL_IFB" nodad
    inR sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null
    for dev in "$NL_A:$NL_IFA" "$NL_R:$NL_RA" "$NL_R:$NL_RB" "$NL_B:$NL_IFB"; do
        ns=${dev%%:*} dev=${dev#*:}
        if [ "${NETLAB_BIG_FRAMES:-0}" != 1 ]; then
            ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off tx off >/dev/null 2>&1
            ip -n "$ns" link set "$dev" gso_max_segs 1
        fi
        ip -n "$ns" link set "$dev" up
    done
    ip -n "$NL_A" route add default via "$NL_R4A"
    ip -n "$NL_A" -6 route add default via "$NL_R6A"
    ip -n "$NL_B" route add default via "$NL_R4B"
    ip -n "$NL_B" -6 route add default via "$NL_R6B"
    # both ends reach each other through R (neighbours resolved, IPv6 too):
    # B's kernel refuses a connection to a closed port (no ping here)
    local _i
    for _i in $(seq 50); do
        inA python3 - "$NL_B4" "$NL_B6" <<'PY' && return 0
import socket, sys
for a in sys.argv[1:]:
    s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
    s.settimeout(1)
    try:
        s.connect((a, 9))
    except ConnectionRefusedError:
        continue
    except OSError:
        sys.exit(1)
PY
        sleep 0.1
    done
    echo "netlab: A cannot reach B through R" >&2
    return 1
}

# Every veth of ours: tso, gso, gro, tx checksumming off, gso_max_segs 1.
netlab_frames_ok() {
    local ns dev
    for dev in "$NL_A:$NL_IFA" "$NL_R:$NL_RA" "$NL_R:$NL_RB" "$NL_B:$NL_IFB"; do
        ns=${dev%%:*} dev=${dev#*:}
        [ "$(ip netns exec "$ns" ethtool -k "$dev" | grep -cxE \
            '(tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload|tx-checksumming): off')" = 4 ] ||
            return 1
        ip -n "$ns" -d link show "$dev" | grep -q ' gso_max_segs 1 ' || return 1
    done
}

netlab_impair() { # [loss=PCT] [dup=PCT] [delay=MS] [jitter=MS] [reorder=PCT] [reorder_extra=MS] [corrupt=PCT] [seed=S]
    local loss=0 dup=0 args=() kv k v fam
    netlab_impair_off
    for kv in "$@"; do
        k=${kv%%=*} v=${kv#*=}
        case $k in
            loss) loss=$v ;;
            dup) dup=$v ;;
            delay | jitter | reorder | corrupt | seed) args+=("--$k" "$v") ;;
            reorder_extra) args+=(--reorder-extra "$v") ;;
            *) echo "netlab: unknown impairment $kv" >&2; return 2 ;;
        esac
    done
    for fam in ip ip6; do
        local toA=$NL_A4 toB=$NL_B4
        [ $fam = ip6 ] && toA=$NL_A6 toB=$NL_B6
        {
            echo "table $fam netlab {"
            echo "  chain block { }"
            echo "  chain impair {"
            echo "    type filter hook forward priority -10; policy accept;"
            echo "    meta l4proto tcp jump block"
            [ "$loss" != 0 ] && echo "    meta l4proto tcp numgen random mod 100 < $loss counter drop"
            if [ "$dup" != 0 ]; then
                echo "    oifname \"$NL_RA\" meta l4proto tcp numgen random mod 100 < $dup counter dup to $toA device \"$NL_RA\""
                echo "    oifname \"$NL_RB\" meta l4proto tcp numgen random mod 100 < $dup counter dup to $toB device \"$NL_RB\""
            fi
            echo "  }"
            echo "}"
        } | inR nft -f - || return 1
    done
    if [ ${#args[@]} -gt 0 ]; then
        [ -n "${NETLAB_IMPAIR:-}" ] && [ -x "$NETLAB_IMPAIR" ] ||
            { echo "netlab: tests/net/impair is not built (libnetfilter-queue-dev)" >&2; return 77; }
        NL_IMPAIR_N=$((NL_IMPAIR_N + 1))
        local log=$NL_DIR/impair.$NL_IMPAIR_N.log
        ip netns exec "$NL_R" "$NETLAB_IMPAIR" --queue $NL_QUEUE "${args[@]}" 2>"$log" &
        NL_IMPAIR_PID=$!
        NL_PIDS+=("$NL_IMPAIR_PID")
        local _i
        for _i in $(seq 100); do grep -q ready "$log" 2>/dev/null && break; sleep 0.05; done
        grep -q ready "$log" || { echo "netlab: impair did not start:" >&2; cat "$log" >&2; return 1; }
        inR iptables -A FORWARD -p tcp -j NFQUEUE --queue-num $NL_QUEUE &&
            inR ip6tables -A FORWARD -p tcp -j NFQUEUE --queue-num $NL_QUEUE ||
            { echo "netlab: the NFQUEUE rule was refused" >&2; return 1; }
    fi
    NL_IMPAIR_SPEC="$*"
}

# What the current impairment did: nft counters and impair's counts.
netlab_counts() {
    local out="" fam n
    for fam in ip ip6; do
        n=$(inR nft list table $fam netlab 2>/dev/null |
            awk '/counter/ { for (i = 1; i <= NF; i++) if ($i == "packets") p = $(i + 1);
                             what = /drop/ ? "dropped" : "duplicated"; s[what] += p }
                 END { for (w in s) printf "%s %d ", w, s[w] }')
        [ -n "$n" ] && out="$out$fam: $n"
    done
    if [ -n "$NL_IMPAIR_PID" ] && kill -0 "$NL_IMPAIR_PID" 2>/dev/null; then
        kill -USR1 "$NL_IMPAIR_PID" 2>/dev/null
        sleep 0.1
        out="$out$(grep -v ready "$NL_DIR/impair.$NL_IMPAIR_N.log" | tail -n1) $(grep -o '(seed [0-9]*)' "$NL_DIR/impair.$NL_IMPAIR_N.log")"
    fi
    echo "${out:-no impairment}"
}

# Remove the impairment: the NFQUEUE rule first (so nothing more is queued),
# then impair (SIGTERM: it gives every held packet its verdict), then nft.
netlab_impair_off() {
    inR iptables -F FORWARD 2>/dev/null
    inR ip6tables -F FORWARD 2>/dev/null
    if [ -n "$NL_IMPAIR_PID" ]; then
        kill -TERM "$NL_IMPAIR_PID" 2>/dev/null
        wait "$NL_IMPAIR_PID" 2>/dev/null
        NL_IMPAIR_PID=
    fi
    inR nft delete table ip netlab 2>/dev/null
    inR nft delete table ip6 netlab 2>/dev/null
    NL_IMPAIR_SPEC=
    return 0
}

netlab_block() { # ab | ba
    local from=$NL_RA
    [ "$1" = ba ] && from=$NL_RB
    inR nft add rule ip netlab block iifname "\"$from\"" counter drop &&
        inR nft add rule ip6 netlab block iifname "\"$from\"" counter drop
}
netlab_unblock() {
    inR nft flush chain ip netlab block 2>/dev/null
    inR nft flush chain ip6 netlab block 2>/dev/null
}

netlab_down() {
    local ns p
    [ "$NL_UP" = 1 ] && netlab_impair_off
    for ns in "$NL_A" "$NL_R" "$NL_B"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
    done
    for p in "${NL_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${NL_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    for ns in "$NL_A" "$NL_R" "$NL_B"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    NL_UP=0
    [ -n "$NL_DIR" ] && [ -z "${NETLAB_KEEP:-}" ] && rm -rf "$NL_DIR"
    return 0
}

# What of ours is still there: namespaces, links, processes, nft tables and
# directories.  Prints nothing when all is gone.
netlab_leftovers() {
    local p
    ip netns list 2>/dev/null | grep -F "$NL_TAG" | sed 's/^/namespace /'
    ip -o link 2>/dev/null | grep -F "$NL_TAG" | sed 's/^/link /'
    nft list tables 2>/dev/null | grep -E "netlab|tcpshake_guard" | sed 's/^/nft /'
    for p in "${NL_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && echo "process $p"; done
    [ -e "$NL_DIR" ] && echo "directory $NL_DIR"
    return 0
}

netlab_exit() {
    eval "${NETLAB_ATEXIT:-:}"
    netlab_down
}
trap netlab_exit EXIT
trap 'exit 130' INT TERM HUP
