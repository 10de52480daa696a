#!/bin/bash
# Root test (issue 16): tcpshake connect and listen move exact bytes, both
# directions at once, through an impaired path, against the Linux kernel —
# and leave nothing behind.
#
# The path is tests/net/netlab.sh's: A (tcpshake) — R (router) — B (the
# kernel peer, tests/net/kpeer.py), MTU-sized frames on every link (no
# segmentation or receive offload, gso_max_segs 1), the impairment on R's
# forward path, both directions.  Cells, each for connect and listen, IPv4
# and IPv6:
#   corrupt1   1 % of TCP segments get one bit flipped (checksum left wrong)
#   loss5      5 % of TCP packets dropped (nftables numgen)
#   dup5       5 % duplicated (nftables dup)
#   reorder25  25 % held 10 ms longer than the rest (tests/net/impair)
#   mtu        no impairment, a larger transfer (MTU-sized frames)
# connect: `tcpshake connect B PORT --data @P --out F --close passive` to an
#   echo server (it reads SIZE bytes, sends them back, then closes): the
#   server must read exactly P, and F must be exactly P.
# listen: `tcpshake listen PORT --reply @Q --out F` and a kernel client that
#   sends P while it reads our reply, then closes: F must be exactly P, and
#   the client must read exactly Q.
# Zero window (zw-*): a kernel peer whose receive buffer is small stops
#   reading for 3 s, then reads all (connect: the server reads our --data;
#   listen: the client reads our --reply).  zw-stuck-4: a server that never
#   reads again: exit 5 with "the peer's window stayed closed", --timeout
#   after the last progress.  zw-*-6 also loses the window
#   update: R drops everything from the peer for 1 s as it starts reading
#   again, so only our zero-window probes (persist timer) can find the
#   window open.
# acklost-connect-4: 50 ms each way, and the server's ACKs are dropped for
#   1 s mid-transfer: the RTOs that follow must be found spurious (the
#   timestamps, RFC 3522) and undone.
# tcpshake runs with --timeout 5 (meant as a limit on no progress, issue
# 16) and --time-wait 0.2, inside a wall-clock limit per run (10 s; 15 s
# for 2 MB; 20 s for the zero-window cells, where kernel to kernel the
# lost update costs about 7 s): past it, SIGTERM.
# Each run: exit 0 within the run's limit, the bytes exact at both ends
# (cmp), the peer's view ok (it read all, everything it sent acknowledged,
# EOF), no nft guard left; at the end no namespace, link, nft table or
# process of ours.  Each cell's outcome is one line ("cell ...:"), the
# failures listed again at the end.
#
# usage: root-net.sh TCPSHAKE IMPAIR [CELL-PATTERN...]
#   a pattern is a shell glob on the cell name, e.g. 'loss5-*' or '*-6'
#   (names: COND-connect-4, COND-listen-6, zw-connect-4, ...).
#   NET_OPTS: tcpshake's SYN options (default: --sackok --ts --wscale 7,
#   what the kernel offers).  Exits 77 when it cannot run.
set -u
T=${1:?usage: root-net.sh TCPSHAKE IMPAIR [CELL-PATTERN...]}
IMPAIR=${2:-}
shift 2 2>/dev/null || shift $#
PATTERNS=("$@")
if [ -z "$IMPAIR" ] || [ ! -x "$IMPAIR" ]; then
    echo "skip: tests/net/impair not built (libnetfilter-queue-dev missing)"; exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
KPEER=$here/../net/kpeer.py
NETLAB_ID=40 NETLAB_IMPAIR=$IMPAIR
. "$here/../net/netlab.sh"
export LC_ALL=C
read -r -a OPTS <<<"${NET_OPTS---sackok --ts --wscale 7}"

SMALL=200000     # bytes each way in the impaired cells
LARGE=2000000    # the mtu cell
ZW=500000        # the zero-window cells
LIMIT=10         # seconds a run may take (the kernel needs well under 1 s)
LIMIT_LARGE=15
LIMIT_ZW=20       # kernel to kernel, the lost-update case takes about 7.3 s from accept()
TIMEOUT=5        # tcpshake --timeout

fails=0 oks=0 failed_cells=()
ok() { echo "ok   $*"; oks=$((oks + 1)); }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
wait_file() { # FILE [SECONDS]
    local i
    for i in $(seq $((${2:-5} * 20))); do [ -e "$1" ] && return 0; sleep 0.05; done
    return 1
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
wanted() {
    [ ${#PATTERNS[@]} -eq 0 ] && return 0
    local p
    for p in "${PATTERNS[@]}"; do
        # shellcheck disable=SC2053
        [[ $1 == $p ]] && return 0
    done
    return 1
}

rand() { # FILE SIZE SEED
    python3 -c 'import random, sys; r = random.Random(int(sys.argv[3])); open(sys.argv[1], "wb").write(r.randbytes(int(sys.argv[2])))' "$@"
}
W=$NL_DIR/work
mkdir -p "$W"
netlab_up || { bad "netlab: the path A - R - B does not work"; exit 1; }
check "every link: MTU-sized frames (tso, gso, gro, tx csum off, gso_max_segs 1)" netlab_frames_ok
for s in 100 $SMALL $LARGE $ZW; do
    rand "$W/p$s" $s 1 && rand "$W/q$s" $s 2 || exit 1
done

# the largest IP packet in a -w capture (raw IP, classic pcap)
max_ip_len() {
    python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
end = "<" if d[:4] == b"\xd4\xc3\xb2\xa1" or d[:4] == b"\x4d\x3c\xb2\xa1" else ">"
o, m = 24, 0
while o + 16 <= len(d):
    _, _, incl, orig = struct.unpack(end + "IIII", d[o:o + 16])
    m = max(m, orig)
    o += 16 + incl
print(m)
PY
}

# one line for the cell, its checks, and the list of failed cells
cell_report() { # NAME RC WALL WHAT-A-GOT WHAT-B-GOT PEER-RESULT
    local n=$1 rc=$2 wall=$3 agot=$4 bgot=$5 pres=$6 f0=$fails st
    case $rc in
        124) st="killed at the ${limit}s limit" ;;
        *) st="exit $rc" ;;
    esac
    echo "cell $n: $st after ${wall}s; $agot; $bgot; kernel peer: $pres; $(netlab_counts)"
    check "$n: exit 0 within ${limit}s" [ "$rc" = 0 ]
    check "$n: no nft guard left in A" sh -c "! ip netns exec $NL_A nft list tables | grep -q tcpshake_guard"
    if [ "$fails" != "$f0" ]; then
        failed_cells+=("$n: $st after ${wall}s; $agot; $bgot; kernel peer: $pres")
        sed -n '/^tcpshake/p; /^== /p' "$W/$n.trace" "$W/$n.err" 2>/dev/null | tail -n 4 | sed 's/^/     /'
    fi
}

# how GOT differs from WANT: "short (EOF after byte K)", "differs from byte K"
cmpmsg() { # WANT GOT
    local m
    [ -e "$2" ] || { echo "no file"; return; }
    m=$(cmp "$1" "$2" 2>&1 | head -n1)
    case $m in
        *"EOF on $2 after byte"*) echo "short: EOF after byte $(echo "$m" | sed 's/.*after byte \([0-9]*\).*/\1/')" ;;
        *"EOF on $2 which is empty"*) echo "empty" ;;
        *"EOF on $1"*) echo "longer than sent" ;;
        *differ*) echo "differs from byte $(echo "$m" | sed 's/.*byte \([0-9]*\).*/\1/')" ;;
        *) echo "$m" ;;
    esac
}
# "LABEL N/M B exact", "LABEL N/M B, short (those right)" or "LABEL N/M B WRONG (how)"
bytes() { # LABEL WANT GOT
    local n
    n=$(stat -c %s "$3" 2>/dev/null || echo 0)
    local how
    how=$(cmpmsg "$2" "$3")
    if cmp -s "$2" "$3"; then echo "$1 $n/$(stat -c %s "$2") B exact"
    else case $how in
        short* | empty | "no file") echo "$1 $n/$(stat -c %s "$2") B, short (those right)" ;;
        *) echo "$1 $n/$(stat -c %s "$2") B WRONG ($how)" ;;
    esac; fi
}
exact() { # NAME LABEL WANT GOT
    if cmp -s "$3" "$4"; then ok "$1: $2: exact ($(stat -c %s "$3") bytes)"
    else bad "$1: $2: not exact: $(cmpmsg "$3" "$4")"; fi
}

port=20000
connect_run() { # NAME FAMILY SIZE LIMIT [PEER-OPTIONS...]
    local n=$1 fam=$2 size=$3 B=$NL_B4 d=$W/$1.peer
    limit=$4
    shift 4
    [ "$fam" = 6 ] && B=$NL_B6
    port=$((port + 1))
    mkdir -p "$d"
    netlab_bg "$NL_B" python3 "$KPEER" server "$B" $port "$d" --expect "$size" --timeout $((limit + 5)) "$@" \
        </dev/null >/dev/null 2>"$d.stderr"
    ppid=${NL_PIDS[-1]}
    wait_file "$d/ready" || bad "$n: the kernel server did not start"
    t0=$(now)
    timeout -k 3 "$limit" ip netns exec "$NL_A" "$T" connect "$B" $port --data "@$W/p$size" \
        --close passive --out "$W/$n.out" --timeout $TIMEOUT --time-wait 0.2 "${OPTS[@]}" \
        -w "$W/$n.pcap" >"$W/$n.trace" 2>"$W/$n.err" &
    tpid=$!
    NL_PIDS+=("$tpid")
}
connect_end() { # NAME SIZE [ECHO]
    local n=$1 size=$2 d=$W/$1.peer rc t1 pres
    wait "$tpid"; rc=$?
    t1=$(now)
    wait_file "$d/result" 3 || kill "$ppid" 2>/dev/null
    pres=$(cat "$d/result" "$d/error" 2>/dev/null | tr '\n' ' ')
    if [ -n "${3:-}" ]; then
        cell_report "$n" $rc "$(secs "$t0" "$t1")" "$(bytes "kernel read" "$W/p$size" "$d/got")" \
            "$(bytes "tcpshake --out" "$W/p$size" "$W/$n.out")" "${pres:-none}"
        exact "$n" "the server read our --data" "$W/p$size" "$d/got"
        exact "$n" "--out holds the server's echo" "$W/p$size" "$W/$n.out"
    else
        cell_report "$n" $rc "$(secs "$t0" "$t1")" "$(bytes "kernel read" "$W/p$size" "$d/got")" \
            "tcpshake --out $(stat -c %s "$W/$n.out" 2>/dev/null || echo 0) B" "${pres:-none}"
        exact "$n" "the server read our --data" "$W/p$size" "$d/got"
    fi
    check "$n: the kernel server: ${pres:-no result}" grep -qx ok "$d/result"
}

listen_run() { # NAME FAMILY SIZE LIMIT REPLY-SIZE [PEER-OPTIONS...]
    local n=$1 fam=$2 size=$3 A=$NL_A4 d=$W/$1.peer rsize=$5
    limit=$4
    shift 5
    [ "$fam" = 6 ] && A=$NL_A6
    port=$((port + 1))
    mkdir -p "$d"
    t0=$(now)
    timeout -k 3 "$limit" ip netns exec "$NL_A" "$T" listen $port --addr "$A" --reply "@$W/q$rsize" \
        --out "$W/$n.out" --timeout $TIMEOUT --time-wait 0.2 "${OPTS[@]}" \
        -w "$W/$n.pcap" >"$W/$n.trace" 2>"$W/$n.err" &
    tpid=$!
    NL_PIDS+=("$tpid")
    local i
    for i in $(seq 100); do grep -q -- '-- listening on' "$W/$n.trace" 2>/dev/null && break; sleep 0.05; done
    netlab_bg "$NL_B" python3 "$KPEER" client "$A" $port "$d" --send "$W/p$size" --expect "$rsize" \
        --timeout $((limit + 5)) "$@" </dev/null >/dev/null 2>"$d.stderr"
    ppid=${NL_PIDS[-1]}
}
listen_end() { # NAME SIZE REPLY-SIZE
    local n=$1 size=$2 rsize=$3 d=$W/$1.peer rc t1 pres
    wait "$tpid"; rc=$?
    t1=$(now)
    wait_file "$d/result" 3 || kill "$ppid" 2>/dev/null
    pres=$(cat "$d/result" "$d/error" 2>/dev/null | tr '\n' ' ')
    cell_report "$n" $rc "$(secs "$t0" "$t1")" "$(bytes "tcpshake --out" "$W/p$size" "$W/$n.out")" \
        "$(bytes "kernel read" "$W/q$rsize" "$d/got")" "${pres:-none}"
    exact "$n" "--out holds the client's bytes" "$W/p$size" "$W/$n.out"
    exact "$n" "the client read our --reply" "$W/q$rsize" "$d/got"
    check "$n: the kernel client: ${pres:-no result}" grep -qx ok "$d/result"
}

conditions=(
    "corrupt1 corrupt=1"
    "loss5 loss=5"
    "dup5 dup=5"
    "reorder25 reorder=25"
    "mtu"
)
for c in "${conditions[@]}"; do
    read -r name spec <<<"$c"
    cells=()
    for fam in 4 6; do for mode in connect listen; do
        wanted "$name-$mode-$fam" && cells+=("$mode-$fam")
    done; done
    size=$SMALL lim=$LIMIT
    [ "$name" = mtu ] && size=$LARGE lim=$LIMIT_LARGE
    for mf in "${cells[@]}"; do
        n=$name-$mf
        # afresh for each cell, so that its counts are the cell's
        # shellcheck disable=SC2086
        netlab_impair $spec || { bad "$n: cannot set the impairment '$spec'"; continue; }
        case $mf in
            connect-*) connect_run "$n" "${mf#*-}" $size $lim --echo; connect_end "$n" $size echo ;;
            listen-*) listen_run "$n" "${mf#*-}" $size $lim $size; listen_end "$n" $size $size ;;
        esac
        if [ "$name" = mtu ] && [ -s "$W/$n.pcap" ]; then
            m=$(max_ip_len "$W/$n.pcap")
            check "$n: every IP packet tcpshake saw or sent is at most 1500 bytes (largest $m)" [ "$m" -le 1500 ]
        fi
    done
    netlab_impair_off
done

# Zero window: the peer stops reading for 3 s.  With LOST (the -6 cells),
# R drops everything from the peer for 1 s when it starts reading again.
zw_lose_update() { # PEER-DIR
    if wait_file "$1/resume" $((LIMIT_ZW)); then
        netlab_block ba
        touch "$1/go"
        sleep 1
        netlab_unblock
    else
        touch "$1/go"
    fi
}
netlab_impair
for fam in 4 6; do
    hold=() lost=""
    [ "$fam" = 6 ] && hold=(--hold) lost=", window update lost"
    n=zw-connect-$fam
    if wanted $n; then
        echo "# $n: the server stops reading for 3 s$lost"
        connect_run $n $fam $ZW $LIMIT_ZW --rcvbuf 16384 --stall 3 "${hold[@]}"
        [ ${#hold[@]} -gt 0 ] && zw_lose_update "$W/$n.peer"
        connect_end $n $ZW
    fi
    n=zw-listen-$fam
    if wanted $n; then
        echo "# $n: the client stops reading our reply for 3 s$lost"
        listen_run $n $fam 100 $LIMIT_ZW $ZW --rcvbuf 16384 --stall 3 "${hold[@]}"
        [ ${#hold[@]} -gt 0 ] && zw_lose_update "$W/$n.peer"
        listen_end $n 100 $ZW
    fi
done

# A peer that never reads again: the window stays closed, our probes are
# answered with a zero window, and --timeout after the last progress the
# session ends (exit 5), saying so, with the probes counted.
n=zw-stuck-4
if wanted $n; then
    echo "# $n: the server never reads again"
    connect_run $n 4 $ZW $LIMIT_ZW --rcvbuf 16384 --stall 60
    wait "$tpid"; rc=$?
    kill "$ppid" 2>/dev/null
    echo "cell $n: exit $rc; $(tail -n 1 "$W/$n.err" 2>/dev/null)"
    f0=$fails
    check "$n: exit 5 (silence) within ${LIMIT_ZW}s" [ "$rc" = 5 ]
    check "$n: says the window stayed closed" grep -q "the peer's window stayed closed for" "$W/$n.err"
    check "$n: window probes on the final line" grep -q "window probe" "$W/$n.trace"
    check "$n: no nft guard left in A" sh -c "! ip netns exec $NL_A nft list tables | grep -q tcpshake_guard"
    [ "$fails" != "$f0" ] && failed_cells+=("$n: exit $rc")
fi

# Lost ACKs: 50 ms each way, and 0.4 s into a 500 KB transfer R drops
# everything from the server for 1 s.  Our data arrived; only its ACKs were
# lost, so the RTOs were spurious: the first ACK after the gap echoes the
# timestamp of an original, not of a retransmission (Eifel, RFC 3522), and
# the window cut is undone.
n=acklost-connect-4
if wanted $n; then
    echo "# $n: the server's ACKs lost for 1 s, mid-transfer"
    netlab_impair delay=50 || bad "$n: cannot set delay=50"
    connect_run $n 4 $ZW $LIMIT_ZW
    sleep 0.4
    netlab_block ba
    sleep 1
    netlab_unblock
    f0=$fails
    connect_end $n $ZW
    check "$n: an RTO fired during the gap" grep -q "retransmitting our data" "$W/$n.trace"
    check "$n: and was found spurious, the window restored" \
        grep -q "that timeout was spurious (.*): window restored" "$W/$n.trace"
    [ "$fails" != "$f0" ] && failed_cells+=("$n")
    netlab_impair_off
fi

# everything gone?
netlab_down
trap - EXIT
left=$(netlab_leftovers)
if [ -z "$left" ]; then ok "nothing left behind (namespaces, links, nft tables, processes)"
else bad "left behind: $(echo "$left" | tr '\n' ';')"; fi
if [ ${#failed_cells[@]} -gt 0 ]; then
    echo "failed cells:"
    printf '  %s\n' "${failed_cells[@]}"
fi
echo "$oks passed, $fails failed"
[ "$fails" -eq 0 ]
