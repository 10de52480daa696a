#!/bin/bash
# Root test: `tcpshake replay` of bundled captures (captures/*.pcap, real
# kernel traffic) against a live kernel server in a namespace, IPv4 and IPv6.
# The server (inline below, socket/bind/listen/accept) answers with the
# captured server's bytes and closes the way the captured server did:
#
#  1. client-close.pcap: the server receives exactly the captured request,
#     we receive exactly the captured answer, and the live conversation has
#     the capture's shape: same Zeek history and close kind in our verdict as
#     `tcpshake trace` gives for the capture; exit 0.
#  2. server-close.pcap: the server closes first, as in the capture.
#  3. rst-abort.pcap: the client's RST is replayed: the server's recv()
#     fails with ECONNRESET.
#  4. ipv6.pcap against an IPv6 server.
#  5. a server that answers differently: exit 7, the difference named.
# No nft table, namespace or link is left.
#
# usage: root-replay.sh TCPSHAKE      exits 77 when it cannot run
set -u
T=${1:?usage: root-replay.sh TCPSHAKE}
NET4=198.18.8 NET6=2001:db8:8
. "$(dirname "$0")/lib.sh"
export LC_ALL=C
CAPS=$(cd "$here/../../captures" && pwd)

cat >"$dir/server.py" <<'PY'
import errno, socket, sys, time
addr, port, answer, how, out = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3]), sys.argv[4], sys.argv[5]
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port)); s.listen(1); s.settimeout(20)
open(out + ".ready", "w").close()
c, _ = s.accept(); c.settimeout(10); s.close()
req = c.recv(1000)
open(out, "wb").write(req)
c.sendall(answer)
try:
    if how == "client-first":     # as in client-close.pcap: EOF, 0.2 s, close
        c.recv(100); time.sleep(0.2); c.close()
    elif how == "server-first":   # as in server-close.pcap
        time.sleep(0.1); c.close(); time.sleep(1)
    elif how == "wait-rst":       # rst-abort.pcap: the client aborts
        c.recv(100); open(out + ".result", "w").write("eof")
except OSError as e:
    open(out + ".result", "w").write(errno.errorcode.get(e.errno, str(e)))
PY

answer() { tshark -r "$1" -Y 'tcp.srcport == 7777 && tcp.len > 0' -T fields -e tcp.payload 2>/dev/null | tr -d '\n'; }
request() { tshark -r "$1" -Y 'tcp.dstport == 7777 && tcp.len > 0' -T fields -e tcp.payload 2>/dev/null | tr -d '\n'; }
verdict() { grep -o 'close [^ ]* by [a-z]*.* zeek [A-Z0-9]* [A-Za-z^]*' | sed 's/  final.*zeek/ zeek/'; }

# replay NAME CAPTURE ADDR SERVER-HOW [ANSWER-HEX]
replay() {
    local n=$1 cap=$CAPS/$2 addr=$3 how=$4 ans=${5:-}
    [ -n "$ans" ] || ans=$(answer "$cap")
    inB python3 "$dir/server.py" "$addr" 7777 "$ans" "$how" "$dir/$n.req" </dev/null 2>"$dir/$n.srv.err" &
    pids+=($!)
    wait_file "$dir/$n.req.ready" || bad "$n: server did not start"
    local to=$addr:7777
    [[ $addr == *:* ]] && to="[$addr]:7777"
    inA "$T" replay "$cap" --to "$to" --time-wait 0.2 --timeout 3 --out "$dir/$n.ans" \
        >"$dir/$n.trace" 2>"$dir/$n.err"
    rc=$?
    no_guard_left || bad "$n: an nft guard table was left"
    wait_file "$dir/$n.req"
}

same_shape() { # NAME CAPTURE
    local want got
    want=$("$T" trace -r "$CAPS/$2" | verdict)
    got=$(verdict <"$dir/$1.trace")
    if [ -n "$want" ] && [ "$want" = "$got" ]; then ok "$1: the live conversation has the capture's shape: $got"
    else bad "$1: shape '$got', the capture's '$want'"; sed 's/^/     /' "$dir/$1.trace" | head -30; fi
}

for fam in 4 6; do
    if [ $fam = 4 ]; then B=$B4; else B=$B6; fi
    n=client-close$fam
    replay $n client-close.pcap "$B" client-first
    check "$n: exit 0" [ "$rc" = 0 ]
    check "$n: the server received the captured request" [ "$(xxd -p "$dir/$n.req" | tr -d '\n')" = "$(request "$CAPS/client-close.pcap")" ]
    check "$n: we received the captured answer" [ "$(xxd -p "$dir/$n.ans" | tr -d '\n')" = "$(answer "$CAPS/client-close.pcap")" ]
    check "$n: says the answer is the same" grep -q -- '-- the live server sent the same 64 bytes' "$dir/$n.trace"
    same_shape $n client-close.pcap

    n=server-close$fam
    replay $n server-close.pcap "$B" server-first
    check "$n: exit 0" [ "$rc" = 0 ]
    same_shape $n server-close.pcap

    n=rst-abort$fam
    replay $n rst-abort.pcap "$B" wait-rst
    wait_file "$dir/$n.req.result"
    check "$n: exit 0" [ "$rc" = 0 ]
    check "$n: the server's recv() failed with ECONNRESET" grep -qx ECONNRESET "$dir/$n.req.result"
    same_shape $n rst-abort.pcap

    n=differs$fam
    replay $n client-close.pcap "$B" client-first "$(printf 'something else entirely\n' | xxd -p | tr -d '\n')"
    check "$n: exit 7" [ "$rc" = 7 ]
    check "$n: names the difference" grep -q -- '-- differs: the live server sent 24 bytes, the captured one 64; first difference at byte 0' "$dir/$n.trace"
    check "$n: one line on stderr" sh -c "[ \$(wc -l <'$dir/$n.err') = 1 ] && grep -q 'differs from the capture' '$dir/$n.err'"
done
n=ipv6
replay $n ipv6.pcap "$B6" client-first
check "$n: exit 0" [ "$rc" = 0 ]
same_shape $n ipv6.pcap
finish
