# Shared by the drive root tests (sourced): two network namespaces joined by
# a veth pair — A runs tcpshake, B the kernel peer (tests/drive/peer.py) —
# with addresses from 198.18.0.0/15 and 2001:db8::/32 only.  Everything made
# here is removed on every exit path (trap), and the test ends by checking
# that no namespace, link or nft table of ours is left.
#
# Set before sourcing: NET4 (e.g. 198.18.5), NET6 (e.g. 2001:db8:5).

skip() { echo "skip: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "not root"
for c in ip nft ss python3 tshark; do
    command -v "$c" >/dev/null 2>&1 || skip "$c not installed"
done

tag="drv$$"
NA="${tag}a" NB="${tag}b"
A4=$NET4.1 B4=$NET4.2 A6=$NET6::1 B6=$NET6::2
dir=$(mktemp -d "${TMPDIR:-/tmp}/drive-test.XXXXXX") || exit 1
here=$(cd "$(dirname "$0")" && pwd)
PEER="$here/peer.py"
pids=()
fails=0 oks=0

cleanup() {
    for ns in "$NA" "$NB"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
    done
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    ip netns del "$NA" 2>/dev/null
    ip netns del "$NB" 2>/dev/null
    ip link del "$NA" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ip netns add "$NA" 2>/dev/null || skip "ip netns add failed"
ip netns add "$NB" 2>/dev/null || skip "ip netns add failed"
ip link add "$NA" netns "$NA" type veth peer name "$NB" netns "$NB" ||
    skip "cannot create a veth pair"
ip -n "$NA" addr add $A4/24 dev "$NA"
ip -n "$NB" addr add $B4/24 dev "$NB"
ip -n "$NA" addr add $A6/64 dev "$NA" nodad
ip -n "$NB" addr add $B6/64 dev "$NB" nodad
for ns in "$NA" "$NB"; do
    ip -n "$ns" link set lo up
    ip -n "$ns" link set "$ns" up
done
inA() { ip netns exec "$NA" "$@"; }
inB() { ip netns exec "$NB" "$@"; }

ok() { echo "ok   $*"; oks=$((oks + 1)); }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
# check WHAT COMMAND...: ok if the command succeeds
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# Wait for FILE to exist (up to 5 s).
wait_file() { for _ in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.05; done; return 1; }

# The kernel peer in B, writing its findings into $1 (a fresh directory).
peer_bg() { # DIR ROLE ADDR PORT MODE [OPTIONS...]
    local d=$1; shift
    mkdir -p "$d"
    inB python3 "$PEER" "$1" "$2" "$3" "$4" "$d" "${@:5}" </dev/null >/dev/null 2>"$d/stderr" &
    pids+=($!)
}

# No tcpshake guard table may be left in A.
no_guard_left() { ! inA nft list tables 2>/dev/null | grep -q tcpshake_guard; }

# tshark fields of every TCP segment in a capture, one line each.
tsh() { # PCAP FIELDS...
    local f=$1; shift
    local args=()
    for x in "$@"; do args+=(-e "$x"); done
    tshark -r "$f" -Y tcp -T fields -E separator=' ' "${args[@]}" 2>/dev/null
}

# End of a test: remove everything, check nothing is left, report.
finish() {
    cleanup
    trap - EXIT
    local left
    left=$( (ip netns list; ip -o link) 2>/dev/null | grep -c "$tag")
    if [ "$left" -ne 0 ]; then bad "namespaces or links left behind: $left"; else ok "no namespace or link left"; fi
    echo "$oks passed, $fails failed"
    [ "$fails" -eq 0 ]
    exit $?
}
