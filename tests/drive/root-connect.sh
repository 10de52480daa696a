#!/bin/bash
# Root test: `tcpshake connect` against the real kernel as the peer, IPv4 and
# IPv6, in two network namespaces.  The peer is a textbook server
# (tests/drive/peer.py); its findings, our trace, and tshark's reading of
# our -w capture are checked against each other:
#
#  1. --close active: the server receives exactly our data (in segments of
#     its MSS), our client receives its reply; the server's socket is in
#     CLOSE-WAIT (ss) before it closes; FIN / ACK / FIN / ACK on the wire,
#     TIME_WAIT shown; SYN options as asked.
#  2. --close passive: the server closes first; we go CLOSE_WAIT -> LAST_ACK.
#  3. --close rst: the server's recv() fails with ECONNRESET.
#  4. --close none: the connection is left ESTABLISHED at the server.
#  5. refused (exit 3), ICMP unreachable (exit 4), silence (exit 5, SYN
#     retransmitted with the RTO backing off).
#  6. a lost data segment and a lost FIN are retransmitted.
#  7. --json; SIGINT and SIGTERM end the session (130/143) with an RST to
#     the peer and the guard removed; --no-rst-guard lets the kernel reset
#     the connection; a missing nft is one clear line (exit 2).
# After every run no nft table of ours is left; at the end no namespace or
# link.
#
# usage: root-connect.sh TCPSHAKE      exits 77 when it cannot run
set -u
T=${1:?usage: root-connect.sh TCPSHAKE}
NET4=198.18.5 NET6=2001:db8:5
. "$(dirname "$0")/lib.sh"
export LC_ALL=C

REPLY_LEN=29  # "reply from the kernel server\n"
python3 -c 'import sys; sys.stdout.write("".join("line %04d of the request, padded to fifty bytes..\n" % i for i in range(50)))' >"$dir/req"
REQ_LEN=$(stat -c %s "$dir/req")  # 2500

# run NAME ARGS...: tcpshake connect in A; trace in $dir/NAME.trace (stdout,
# the data goes to --out), stderr in .err, exit status in $rc
run() {
    local name=$1; shift
    inA "$T" connect "$@" >"$dir/$name.trace" 2>"$dir/$name.err"
    rc=$?
    if ! no_guard_left; then bad "$name: an nft guard table was left"; fi
}

# has NAME PATTERN [COUNT]: the trace has COUNT (default 1) lines matching
has() {
    local n
    n=$(grep -cE -- "$2" "$dir/$1.trace")
    if [ "$n" -eq "${3:-1}" ]; then ok "$1: $2 (x${3:-1})"
    else bad "$1: $2: $n lines, want ${3:-1}"; sed 's/^/     /' "$dir/$1.trace" | head -30; fi
}

# last4 NAME EXPECTED: the last four TCP segments of NAME.pcap, as tshark
# reads them: "from flags seq ack len" with from = A or B
last4() {
    local got
    got=$(tsh "$dir/$1.pcap" ip.src ipv6.src tcp.flags tcp.seq tcp.ack tcp.len |
        awk -v a="$A" '{ from = ($1 == a) ? "A" : "B"; print from, $2, $3, $4, $5 }' |
        tail -n 4 | tr '\n' ';')
    if [ "$got" = "$2" ]; then ok "$1: tshark: last four segments $2"
    else bad "$1: tshark: last four segments '$got', want '$2'"; fi
}

family() {
    local fam=$1 P=$2
    if [ "$fam" = 4 ]; then A=$A4 B=$B4 MSS_OURS=1460; else A=$A6 B=$B6 MSS_OURS=1440; fi
    local d n

    # ---- 1. active close, with every SYN option ---------------------------
    n=active$fam; d=$dir/$n.peer
    peer_bg "$d" server "$B" $P active --mss 1000 --expect "$REQ_LEN"
    wait_file "$d/ready" || bad "$n: peer did not start"
    run $n "$B" $P --data @"$dir/req" --close active --time-wait 0.5 \
        --wscale 7 --sackok --ts -w "$dir/$n.pcap" --out "$dir/$n.reply"
    wait_file "$d/result"
    check "$n: exit 0" [ "$rc" = 0 ]
    check "$n: the server received exactly our $REQ_LEN bytes" cmp -s "$dir/req" "$d/got"
    check "$n: we received the server's reply" grep -qx 'reply from the kernel server' "$dir/$n.reply"
    check "$n: the server read EOF" grep -qx eof "$d/result"
    check "$n: ss saw the server's socket in CLOSE-WAIT before its close" \
        grep -q ":$P " "$d/ss"
    has $n 'handshake 1/3  client CLOSED->SYN_SENT  server LISTEN$'
    has $n "\[S\] seq 0 win 64240 \[mss $MSS_OURS,sackOK,TS val [0-9]+ ecr 0,nop,wscale 7\]"
    has $n 'handshake 2/3  client SYN_SENT  server LISTEN->SYN_RCVD'
    has $n 'handshake 3/3  client SYN_SENT->ESTABLISHED  server SYN_RCVD->ESTABLISHED'
    # the server's MSS is 1000; timestamps take 12 bytes of each segment
    has $n "$A\.[0-9]+ > .*len 988  data" 2
    has $n "$A\.[0-9]+ > .*seq 1977:2501 .*len 524  data"
    has $n 'teardown 1/4  client ESTABLISHED->FIN_WAIT_1  server ESTABLISHED$'
    has $n 'teardown 2/4  client FIN_WAIT_1->FIN_WAIT_2  server ESTABLISHED->CLOSE_WAIT'
    has $n 'teardown 3/4  client FIN_WAIT_2  server CLOSE_WAIT->LAST_ACK'
    has $n 'teardown 4/4  client FIN_WAIT_2->TIME_WAIT  server LAST_ACK->CLOSED'
    has $n '-- #1 TIME_WAIT for 0.500 s'
    has $n '-- #1 TIME_WAIT over: CLOSED'
    has $n '^== conn #1 .* close 4-way by client .*final client CLOSED server CLOSED  zeek SF .*\[closed\]'
    has $n '^== connect .*: ok, 1 connection ok, sent 2500 B, received 29 B'
    last4 $n "A 0x0011 2501 30 0;B 0x0010 30 2502 0;B 0x0011 30 2502 0;A 0x0010 2502 31 0;"
    local syn
    syn=$(tsh "$dir/$n.pcap" tcp.flags tcp.options.mss_val tcp.options.wscale.shift \
        tcp.options.sack_perm tcp.options.timestamp.tsecr | head -n 1)
    if [ "$(echo "$syn" | awk '{print $1, $2, $3, $5}')" = "0x0002 $MSS_OURS 7 0" ] &&
        [ -n "$(echo "$syn" | awk '{print $4}')" ]; then
        ok "$n: tshark: our SYN has mss $MSS_OURS, wscale 7, SACK permitted, TS"
    else bad "$n: tshark: our SYN: '$syn'"; fi
    check "$n: tshark: the peer's SYN+ACK acks our ISN + 1" \
        [ "$(tsh "$dir/$n.pcap" tcp.flags tcp.ack | awk '$1 == "0x0012" {print $2}')" = 1 ]

    # ---- 2. passive close ----------------------------------------------------
    n=passive$fam; d=$dir/$n.peer
    peer_bg "$d" server "$B" $((P + 1)) passive --expect "$REQ_LEN"
    wait_file "$d/ready"
    run $n "$B" $((P + 1)) --data @"$dir/req" --close passive -w "$dir/$n.pcap" --out "$dir/$n.reply"
    wait_file "$d/result"
    check "$n: exit 0" [ "$rc" = 0 ]
    check "$n: the server received exactly our data" cmp -s "$dir/req" "$d/got"
    check "$n: we received the server's reply" grep -qx 'reply from the kernel server' "$dir/$n.reply"
    has $n 'teardown 1/4  client ESTABLISHED  server ESTABLISHED->FIN_WAIT_1'
    has $n 'teardown 2/4  client ESTABLISHED->CLOSE_WAIT  server FIN_WAIT_1->FIN_WAIT_2'
    has $n 'teardown 3/4  client CLOSE_WAIT->LAST_ACK  server FIN_WAIT_2'
    has $n 'teardown 4/4  client LAST_ACK->CLOSED  server FIN_WAIT_2->TIME_WAIT'
    has $n '^== conn #1 .* close 4-way by server'
    last4 $n "B 0x0011 30 2501 0;A 0x0010 2501 31 0;A 0x0011 2501 31 0;B 0x0010 31 2502 0;"

    # ---- 3. rst --------------------------------------------------------------
    n=rst$fam; d=$dir/$n.peer
    peer_bg "$d" server "$B" $((P + 2)) rst --expect 6
    wait_file "$d/ready"
    run $n "$B" $((P + 2)) --data 'hello\n' --close rst -w "$dir/$n.pcap" --out "$dir/$n.reply"
    wait_file "$d/result"
    check "$n: exit 0" [ "$rc" = 0 ]
    check "$n: the server's recv() failed with ECONNRESET" grep -qx ECONNRESET "$d/result"
    has $n 'reset \(abort, by client\)  client ESTABLISHED->CLOSED  server ESTABLISHED->CLOSED'
    check "$n: tshark: our last segment is RST+ACK" \
        [ "$(tsh "$dir/$n.pcap" ip.src ipv6.src tcp.flags | awk '{print $1, $2}' | tail -n 1)" = "$A 0x0014" ]

    # ---- 4. none ---------------------------------------------------------------
    n=none$fam; d=$dir/$n.peer
    peer_bg "$d" server "$B" $((P + 3)) none --expect 6
    wait_file "$d/ready"
    run $n "$B" $((P + 3)) --data 'hello\n' --close none --out "$dir/$n.reply"
    wait_file "$d/result"
    check "$n: exit 0" [ "$rc" = 0 ]
    check "$n: the server's socket is still ESTABLISHED" grep -q ":$((P + 3)) " "$d/ss"
    has $n 'teardown|reset' 0
    has $n '-- #1 left open \(--close none\)'

    # ---- 5. refused, unreachable, silence --------------------------------------
    inB nft -f - <<EOF
table inet drive_test {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport $((P + 5)) reject with icmpx type host-unreachable
        tcp dport $((P + 6)) drop
    }
}
EOF
    n=refused$fam
    run $n "$B" $((P + 4)) --out /dev/null
    check "$n: exit 3" [ "$rc" = 3 ]
    check "$n: one line on stderr" [ "$(wc -l <"$dir/$n.err")" = 1 ]
    check "$n: says refused" grep -q "port $((P + 4)): connection refused (RST answered our SYN)" "$dir/$n.err"
    has $n 'reset \(refused, by server\)'
    n=unreach$fam
    run $n "$B" $((P + 5)) --out /dev/null
    check "$n: exit 4" [ "$rc" = 4 ]
    check "$n: one line on stderr" [ "$(wc -l <"$dir/$n.err")" = 1 ]
    check "$n: names the ICMP" grep -q "destination unreachable (.*) from $B about our SYN" "$dir/$n.err"
    n=silence$fam
    local t0 t1
    t0=$(date +%s%N)
    run $n "$B" $((P + 6)) --rto 100 --retries 2 --out /dev/null
    t1=$(date +%s%N)
    check "$n: exit 5" [ "$rc" = 5 ]
    check "$n: one line on stderr" [ "$(wc -l <"$dir/$n.err")" = 1 ]
    check "$n: says so" grep -q "no answer to our SYN after 3 transmissions" "$dir/$n.err"
    has $n 'handshake 1/3 .*\{retransmission\}' 2
    has $n 'retransmitting our SYN \(try 2 of 3, next RTO 0.200 s\)'
    has $n 'retransmitting our SYN \(try 3 of 3, next RTO 0.400 s\)'
    check "$n: gave up after 0.1 + 0.2 + 0.4 s" [ $(( (t1 - t0) / 1000000 )) -ge 700 ]

    # ---- 6. a lost data segment and a lost FIN ---------------------------------
    # B drops the first data segment and the first FIN it gets (a quota runs out)
    inB nft -f - <<EOF
table inet drive_loss {
    chain input {
        type filter hook input priority -10; policy accept;
        tcp dport $((P + 7)) tcp flags & (syn|fin|rst) == 0 meta length > 1000 quota until 2000 bytes drop
        tcp dport $((P + 7)) tcp flags & fin == fin quota until 70 bytes drop
    }
}
EOF
    n=loss$fam; d=$dir/$n.peer
    peer_bg "$d" server "$B" $((P + 7)) active --mss 1200 --expect "$REQ_LEN"
    wait_file "$d/ready"
    run $n "$B" $((P + 7)) --data @"$dir/req" --rto 150 --time-wait 0.1 --out "$dir/$n.reply"
    wait_file "$d/result"
    check "$n: exit 0" [ "$rc" = 0 ]
    check "$n: the server received exactly our data" cmp -s "$dir/req" "$d/got"
    # the first segment lost, the other two ACKed twice: RFC 5827's early
    # retransmit (2 duplicate ACKs with 3 segments out), not the RTO
    has $n 'fast retransmit of our data at 1 \(2 duplicate ACKs, early retransmit'
    has $n 'retransmitting our FIN \(try 2[,)]'
    has $n "$A\.[0-9]+ > .*seq 1:1201 .*\{retransmission"
    has $n 'teardown 1/4 .*\{retransmission\}'
    inB nft delete table inet drive_loss

    # ---- 7. JSON, signals, no guard, no nft ------------------------------------
    n=json$fam; d=$dir/$n.peer
    peer_bg "$d" server "$B" $((P + 8)) active --expect 6
    wait_file "$d/ready"
    run $n "$B" $((P + 8)) --data 'hello\n' --json --time-wait 0.1 --out "$dir/$n.reply"
    wait_file "$d/result"
    check "$n: exit 0" [ "$rc" = 0 ]
    check "$n: every line is JSON; roles and states as in text" python3 - "$dir/$n.trace" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
segs = [o for o in objs if o["type"] == "segment"]
roles = [o["role"] for o in segs if o["role"] != "ack"]  # the peer may delay its ACK
want = ["handshake-1", "handshake-2", "handshake-3", "data", "data",
        "teardown-1", "teardown-2", "teardown-3", "teardown-4"]
assert roles == want, roles
segs = [o for o in segs if o["role"] != "ack"]
assert segs[2]["client_prev"] == "SYN_SENT" and segs[2]["client_state"] == "ESTABLISHED"
assert segs[6]["server_state"] == "CLOSE_WAIT" and segs[6]["dir"] == "s2c"
conn = [o for o in objs if o["type"] == "conn"]
assert len(conn) == 1 and conn[0]["close_kind"] == "4-way" and conn[0]["conn_state"] == "SF"
last = objs[-1]
assert last["type"] == "connect" and last["outcome"] == "ok" and last["exit"] == 0, last
assert last["bytes_sent"] == 6 and last["bytes_received"] == 29
assert any(o["type"] == "note" and "TIME_WAIT" in o["text"] for o in objs)
PY

    # every output of trace works here too: the Zeek log, the totals and
    # the SVG agree with what trace makes of the -w capture of the session
    n=outputs$fam; d=$dir/$n.peer
    peer_bg "$d" server "$B" $((P + 11)) active --expect 6
    wait_file "$d/ready"
    run $n "$B" $((P + 11)) --data 'hello\n' --time-wait 0.1 --out "$dir/$n.reply" \
        --zeek-log "$dir/$n.log" --stats --svg "$dir/$n.svg" -w "$dir/$n.pcap"
    wait_file "$d/result"
    check "$n: exit 0" [ "$rc" = 0 ]
    check "$n: --zeek-log: one connection, SF, history ShADadFf or ShADadfF" \
        sh -c "grep -v '^#' '$dir/$n.log' | awk -F'\t' '{print \$12, \$16}' | grep -Eqx 'SF Sh(AD|DA)ad(Ff|fF)'"
    check "$n: --zeek-log: header and #close as Zeek writes them" \
        sh -c "head -1 '$dir/$n.log' | grep -qx '#separator \\\\x09' && tail -1 '$dir/$n.log' | grep -q '^#close'"
    inA "$T" trace -r "$dir/$n.pcap" --zeek-log "$dir/$n.trace.log" --stats >"$dir/$n.retrace" 2>/dev/null
    check "$n: --zeek-log: the same connection line as trace -r of the -w capture" \
        bash -c "diff <(grep -v '^#' '$dir/$n.log' | cut -f3-) <(grep -v '^#' '$dir/$n.trace.log' | cut -f3-) >/dev/null"
    has $n '^  close +4-way 1$'
    # (the -w capture keeps microseconds, so RTTs are compared by count;
    # the session ends its connection when TIME_WAIT ran out, a capture's
    # end cuts it short)
    has $n '^  rtt handshake  n 1 '
    has $n '^  end +closed 1$'
    check "$n: --stats: the same totals as trace -r of the -w capture" \
        bash -c "diff <(sed -n '/^== stats/,\$p' '$dir/$n.trace' | grep -Ev '^(== connect|  end |  rtt)') <(sed -n '/^== stats/,\$p' '$dir/$n.retrace' | grep -Ev '^(  end |  rtt)') >/dev/null"
    check "$n: --svg: well-formed XML, one ladder" python3 - "$dir/$n.svg" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag.endswith("svg"), root.tag
text = "".join(root.itertext())
assert "SYN" in text and "FIN" in text, text[:200]
PY

    local sig code
    for sig in INT TERM; do
        n=sig$sig$fam; d=$dir/$n.peer
        [ $sig = INT ] && code=130 || code=143
        peer_bg "$d" server "$B" $((P + 9)) rst --expect 6
        wait_file "$d/ready"
        # not through inA: $! must be tcpshake itself (ip netns exec execs it)
        ip netns exec "$NA" "$T" connect "$B" $((P + 9)) --data 'hello\n' --close passive \
            --timeout 30 --out "$dir/$n.reply" >"$dir/$n.trace" 2>"$dir/$n.err" &
        local tp=$!
        for _ in $(seq 100); do grep -q 'reply from' "$dir/$n.reply" 2>/dev/null && break; sleep 0.05; done
        check "$n: the guard is in place during the session" \
            sh -c "ip netns exec $NA nft list ruleset | grep -q 'tcp sport .* tcp flags & rst == rst meta mark != 0x00007473 drop'"
        kill -$sig $tp
        wait $tp
        rc=$?
        wait_file "$d/result"
        check "$n: exit $code" [ "$rc" = $code ]
        check "$n: the guard was removed" no_guard_left
        check "$n: the peer was reset (ECONNRESET)" grep -qx ECONNRESET "$d/result"
        check "$n: says interrupted" grep -q "interrupted" "$dir/$n.err"
    done

    # Without the guard the local kernel answers the SYN+ACK with a RST
    # (it knows no such connection) before our ACK: the peer drops the
    # half-open connection and resets ours when our ACK arrives.
    n=noguard$fam; d=$dir/$n.peer
    peer_bg "$d" server "$B" $((P + 10)) active --expect 6
    wait_file "$d/ready"
    run $n "$B" $((P + 10)) --data 'hello\n' --no-rst-guard --out "$dir/$n.reply"
    check "$n: one line on stderr" [ "$(wc -l <"$dir/$n.err")" = 1 ]
    check "$n: the kernel's RST broke the connection: exit 6 (reset)" [ "$rc" = 6 ]
    check "$n: says reset" grep -q "the peer reset the connection" "$dir/$n.err"

    n=nonft$fam
    inA env PATH=/nonexistent "$T" connect "$B" $P --data x --out /dev/null >"$dir/$n.trace" 2>"$dir/$n.err"
    rc=$?
    check "$n: without nft: exit 2" [ "$rc" = 2 ]
    check "$n: one clear line" sh -c "[ \$(wc -l <'$dir/$n.err') = 1 ] && grep -q 'nft not found in PATH' '$dir/$n.err'"
    inB nft delete table inet drive_test
}

family 4 9000
family 6 9100
finish
