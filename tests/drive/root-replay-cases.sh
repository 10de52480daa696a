#!/bin/bash
# Root test: replays the comparison used to get wrong (issue 15, items 6b
# and 6d), against a live kernel server in a namespace:
#
#  1. server-rst.pcap (the server answers, then resets: SO_LINGER 0) against
#     a server that does exactly that: exit 0, the same 64 bytes, no
#     "differs" (it said "the live server sent no RST"), five times.  And
#     against one that closes with a FIN instead: exit 7, the missing RST
#     and the unexpected FIN named, also under -q (issue 15 item 17).
#  2. half-close.pcap (snap length 80: 14 of the server's 64 bytes captured)
#     against a server whose answer has those 14 bytes: exit 0, and the note
#     says 50 bytes were not compared.  One that differs within the
#     captured bytes: exit 7, the first difference named.
#
# usage: root-replay-cases.sh TCPSHAKE      exits 77 when it cannot run
set -u
T=${1:?usage: root-replay-cases.sh TCPSHAKE}
NET4=198.18.43 NET6=2001:db8:43
. "$(dirname "$0")/lib.sh"
export LC_ALL=C
CAPS=$(cd "$here/../../captures" && pwd)

cat >"$dir/server.py" <<'PY'
import socket, struct, sys, time
addr, port, answer, how, out = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3]), sys.argv[4], sys.argv[5]
s = socket.socket(socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port)); s.listen(1); s.settimeout(20)
open(out + ".ready", "w").close()
c, _ = s.accept(); c.settimeout(10); s.close()
req = c.recv(1000)
open(out, "wb").write(req)
if how == "rst":          # as in server-rst.pcap: answer, 0.1 s, abort
    c.sendall(answer); time.sleep(0.1)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
elif how == "fin":        # answer, 0.1 s, a normal close
    c.sendall(answer); time.sleep(0.1); c.close(); time.sleep(1)
elif how == "half":       # as in half-close.pcap: EOF, 0.1 s, answer, 0.2 s, close
    c.recv(100); time.sleep(0.1); c.sendall(answer); time.sleep(0.2); c.close(); time.sleep(1)
PY

# replay NAME CAPTURE SERVER-HOW ANSWER-HEX
replay() {
    local n=$1 cap=$CAPS/$2
    local extra=()
    [ $# -gt 4 ] && extra=("${@:5}")
    rm -f "$dir/$n.req" "$dir/$n.req.ready"
    inB python3 "$dir/server.py" "$B4" 7777 "$4" "$3" "$dir/$n.req" </dev/null 2>"$dir/$n.srv.err" &
    pids+=($!)
    wait_file "$dir/$n.req.ready" || bad "$n: server did not start"
    inA "$T" replay "$cap" --to "$B4:7777" --time-wait 0.2 --timeout 3 --out "$dir/$n.ans" \
        "${extra[@]}" >"$dir/$n.trace" 2>"$dir/$n.err"
    rc=$?
    no_guard_left || bad "$n: an nft guard table was left"
    wait
}
show() { sed 's/^/     /' "$dir/$1.trace" | grep -- ' -- ' | head -20; cat "$dir/$1.err"; }

# ---- 1. a server that resets ----------------------------------------------------
ans=$(tshark -r "$CAPS/server-rst.pcap" -Y 'tcp.srcport == 7777 && tcp.len > 0' -T fields -e tcp.payload 2>/dev/null | tr -d '\n')
[ ${#ans} = 128 ] || bad "server-rst.pcap: the answer is not 64 bytes: $ans"
for i in 1 2 3 4 5; do
    n=rst$i
    replay $n server-rst.pcap rst "$ans"
    if [ "$rc" = 0 ] && ! grep -q -- '-- differs' "$dir/$n.trace" &&
        grep -q -- '-- the live server sent the same 64 bytes as the capture.s$' "$dir/$n.trace"; then
        ok "$n: a server that resets as captured: exit 0, no difference"
    else bad "$n: exit $rc"; show $n; fi
done
n=rst-fin
replay $n server-rst.pcap fin "$ans"
check "$n: a server that closes instead of resetting: exit 7" [ "$rc" = 7 ]
check "$n: names the missing RST" grep -q -- '-- differs: the live server sent no RST, the captured one did$' "$dir/$n.trace"
check "$n: names the unexpected FIN" grep -q -- '-- differs: the live server sent a FIN, the captured one did not$' "$dir/$n.trace"
# -q: only the verdicts and the summary, but still what differed (the exit
# status alone does not say)
n=rst-fin-quiet
replay $n server-rst.pcap fin "$ans" -q
check "$n: -q: exit 7" [ "$rc" = 7 ]
check "$n: -q: still names the missing RST" grep -q -- '-- differs: the live server sent no RST, the captured one did$' "$dir/$n.trace"
check "$n: -q: no segment lines" sh -c "! grep -q 'handshake 1/3' '$dir/$n.trace'"

# ---- 2. a snaplen-truncated capture ---------------------------------------------------
held=$(tshark -r "$CAPS/half-close.pcap" -Y 'tcp.srcport == 7777 && tcp.len > 0' -T fields -e tcp.payload 2>/dev/null | tr -d '\n')
[ ${#held} = 28 ] || bad "half-close.pcap: not 14 captured bytes of the answer: $held"
rest=$(printf 'y%.0s' $(seq 49) | xxd -p | tr -d '\n')0a   # 50 bytes the capture lacks
for i in 1 2 3; do
    n=trunc$i
    replay $n half-close.pcap half "$held$rest"
    if [ "$rc" = 0 ] && ! grep -q -- '-- differs' "$dir/$n.trace" &&
        grep -q -- '-- the live server sent the same 64 bytes as the capture.s, as far as the capture holds them: 50 were not captured (snap length) and not compared$' "$dir/$n.trace"; then
        ok "$n: the captured 14 of 64 bytes match: exit 0, 50 not compared"
    else bad "$n: exit $rc"; show $n; fi
done
n=trunc-differs
replay $n half-close.pcap half "${held:0:6}58${held:8}$rest"
check "$n: a difference in the captured bytes: exit 7" [ "$rc" = 7 ]
check "$n: names it" grep -q -- '-- differs: the live server sent 64 bytes, the captured one 64 (the capture holds 14 of them: 50 not compared); first difference at byte 3$' "$dir/$n.trace"
finish
