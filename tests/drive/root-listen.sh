#!/bin/bash
# Root test: `tcpshake listen` serving real kernel clients (textbook
# socket/connect, tests/drive/peer.py), IPv4 and IPv6, in two namespaces:
#
#  1. passive close (the default): connect() succeeds, send() is ACKed (the
#     client's send queue drains), recv() gets our reply; after the client's
#     shutdown() we go CLOSE_WAIT -> LAST_ACK and its recv() gets EOF.
#  2. --close active: our FIN follows the reply; the client reads the reply
#     then EOF; we hold TIME_WAIT.
#  3. --close rst: the client's second recv() fails with ECONNRESET.
#  4. --count 3 with three clients at once: each gets its own connection
#     (kept apart by 4-tuple), its reply and EOF; each line of their data
#     is labelled "#K: ".
#  5. --no-rst-guard: the local kernel refuses the client (ECONNREFUSED);
#     SIGTERM while listening: exit 143, the guard removed; SIGTERM with a
#     client connected: it is reset, and the note says so once.
# Every segment is checked in our trace, and the handshake in tshark's
# reading of -w.  Nothing is left behind.
#
# usage: root-listen.sh TCPSHAKE      exits 77 when it cannot run
set -u
T=${1:?usage: root-listen.sh TCPSHAKE}
NET4=198.18.6 NET6=2001:db8:6
. "$(dirname "$0")/lib.sh"
export LC_ALL=C
REPLY='reply from tcpshake listen'
REQ='request from the kernel client'

# start NAME PORT ARGS...: tcpshake listen in A, in the background; waits
# until it listens.  Trace in NAME.trace, the clients' data in NAME.data.
lpid=
start() {
    local name=$1 port=$2; shift 2
    ip netns exec "$NA" "$T" listen "$port" --out "$dir/$name.data" "$@" \
        >"$dir/$name.trace" 2>"$dir/$name.err" &
    lpid=$!
    pids+=("$lpid")
    for _ in $(seq 100); do grep -q -- '-- listening on' "$dir/$name.trace" 2>/dev/null && return 0; sleep 0.05; done
    bad "$name: tcpshake listen did not start"; cat "$dir/$name.err"
}
stop() { wait "$lpid"; rc=$?; no_guard_left || bad "$1: an nft guard table was left"; }

has() {
    local n
    n=$(grep -cE -- "$2" "$dir/$1.trace")
    if [ "$n" -eq "${3:-1}" ]; then ok "$1: $2 (x${3:-1})"
    else bad "$1: $2: $n lines, want ${3:-1}"; sed 's/^/     /' "$dir/$1.trace" | head -30; fi
}

client() { # DIR ADDR PORT MODE: a kernel client in B, waited for
    mkdir -p "$1"
    inB python3 "$PEER" client "$2" "$3" "$4" "$1" </dev/null >/dev/null 2>"$1.stderr"
}

family() {
    local fam=$1 P=$2 n d
    if [ "$fam" = 4 ]; then A=$A4 B=$B4; else A=$A6 B=$B6; fi

    # ---- 1. passive close ---------------------------------------------------
    n=passive$fam; d=$dir/$n.client
    start $n $P --addr "$A" --reply "$REPLY\n" -w "$dir/$n.pcap"
    client "$d" "$A" $P shut
    stop $n
    check "$n: exit 0" [ "$rc" = 0 ]
    check "$n: connect() succeeded" [ -e "$d/connected" ]
    check "$n: send() was ACKed (the client's send queue is empty)" \
        sh -c "awk '{print \$2}' '$d/ss' | grep -qx 0"
    check "$n: recv() got our reply" grep -qx "$REPLY" "$d/got"
    check "$n: then EOF" grep -qx eof "$d/result"
    check "$n: we received the client's request" grep -qx "$REQ" "$dir/$n.data"
    has $n 'handshake 1/3  client CLOSED->SYN_SENT  server LISTEN$'
    has $n "$A\.$P > .*\[S\.\] seq 0 ack 1 .*handshake 2/3  client SYN_SENT  server LISTEN->SYN_RCVD"
    has $n 'handshake 3/3  client SYN_SENT->ESTABLISHED  server SYN_RCVD->ESTABLISHED'
    has $n "$A\.$P > .*len 27  data"
    has $n 'teardown 1/4  client ESTABLISHED->FIN_WAIT_1  server ESTABLISHED$'
    has $n "$A\.$P > .*teardown 2/4  client FIN_WAIT_1->FIN_WAIT_2  server ESTABLISHED->CLOSE_WAIT"
    has $n "$A\.$P > .*teardown 3/4  client FIN_WAIT_2  server CLOSE_WAIT->LAST_ACK"
    has $n 'teardown 4/4  client FIN_WAIT_2->TIME_WAIT  server LAST_ACK->CLOSED'
    has $n '^== listen .*: ok, 1 connection ok, sent 27 B, received 31 B'
    check "$n: tshark: our SYN+ACK acks the client's ISN + 1, from port $P" \
        [ "$(tsh "$dir/$n.pcap" tcp.srcport tcp.flags tcp.ack | awk '$2 == "0x0012" {print $1, $3}')" = "$P 1" ]

    # ---- 2. active close ------------------------------------------------------
    n=active$fam; d=$dir/$n.client
    start $n $((P + 1)) --addr "$A" --reply "$REPLY\n" --close active --time-wait 0.2
    client "$d" "$A" $((P + 1)) wait
    stop $n
    check "$n: exit 0" [ "$rc" = 0 ]
    check "$n: recv() got our reply" grep -qx "$REPLY" "$d/got"
    check "$n: then EOF" grep -qx eof "$d/result"
    has $n "$A\.$((P + 1)) > .*teardown 1/4  client ESTABLISHED  server ESTABLISHED->FIN_WAIT_1"
    has $n 'teardown 4/4  client LAST_ACK->CLOSED  server FIN_WAIT_2->TIME_WAIT'
    has $n '-- #1 TIME_WAIT over: CLOSED'

    # ---- 3. rst -----------------------------------------------------------------
    n=rst$fam; d=$dir/$n.client
    start $n $((P + 2)) --addr "$A" --reply "$REPLY\n" --close rst
    client "$d" "$A" $((P + 2)) wait
    stop $n
    check "$n: exit 0" [ "$rc" = 0 ]
    check "$n: recv() got our reply" grep -qx "$REPLY" "$d/got"
    check "$n: then ECONNRESET" grep -qx ECONNRESET "$d/result"
    has $n 'reset \(abort, by server\)'

    # ---- 4. three clients at once -------------------------------------------------
    n=three$fam
    start $n $((P + 3)) --addr "$A" --reply "$REPLY\n" --count 3
    local cp=()
    for i in 1 2 3; do client "$dir/$n.client$i" "$A" $((P + 3)) shut & cp+=($!); done
    wait "${cp[@]}"
    stop $n
    check "$n: exit 0" [ "$rc" = 0 ]
    for i in 1 2 3; do
        check "$n: client $i got the reply, then EOF" \
            sh -c "grep -qx '$REPLY' '$dir/$n.client$i/got' && grep -qx eof '$dir/$n.client$i/result'"
    done
    # several clients at once: each line of data says whose it is
    check "$n: we received three requests, each line labelled with its client" \
        [ "$(grep -E "^#[123]: $REQ\$" "$dir/$n.data" | cut -d: -f1 | sort -u | wc -l)" = 3 ]
    has $n 'handshake 2/3' 3
    has $n 'server CLOSE_WAIT->LAST_ACK' 3
    has $n '^== conn #[123] .*close 4-way by client' 3
    has $n '^== listen .*: ok, 3 connections ok'

    # ---- 5. no guard, signals ---------------------------------------------------------
    n=noguard$fam; d=$dir/$n.client
    start $n $((P + 4)) --addr "$A" --no-rst-guard --timeout 2
    client "$d" "$A" $((P + 4)) shut
    kill -TERM "$lpid" 2>/dev/null
    stop $n
    check "$n: the kernel refused the client (ECONNREFUSED)" grep -qx ECONNREFUSED "$d/result"
    n=sigterm$fam
    start $n $((P + 5)) --addr "$A"
    check "$n: the guard is in place" sh -c "ip netns exec $NA nft list tables | grep -q tcpshake_guard"
    kill -TERM "$lpid" 2>/dev/null
    stop $n
    check "$n: exit 143" [ "$rc" = 143 ]
    check "$n: the guard was removed" no_guard_left
    # SIGTERM with a client connected: the abort is said once, not
    # "interrupted: interrupted"
    n=sigmid$fam; d=$dir/$n.client
    start $n $((P + 6)) --addr "$A"
    client "$d" "$A" $((P + 6)) wait &
    local cpid=$!
    for _ in $(seq 100); do grep -q 'handshake 3/3' "$dir/$n.trace" && break; sleep 0.05; done
    kill -TERM "$lpid" 2>/dev/null
    stop $n
    wait "$cpid"
    check "$n: exit 143" [ "$rc" = 143 ]
    check "$n: the client was reset" grep -qx ECONNRESET "$d/result"
    has $n '-- #1 interrupted: the connection was aborted with RST$'
    has $n 'interrupted: interrupted' 0
}

family 4 9200
family 6 9300
finish
