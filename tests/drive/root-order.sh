#!/bin/bash
# Root test (issue 15 item 18): connect prints its segments, and writes -w,
# in the wire's time order, and credits the close to whoever's FIN was
# first on the wire — also when the peer's segments arrived while we were
# sending ours and were read only after them.
#
# A kernel server in B answers our request and closes at once; we send the
# request and our FIN with no linger, so its answer and FIN are in the
# capture ring before we read them (on a veth the answer is made inside our
# own send).  Ten runs: every run's printed time stamps must not go back,
# tshark must see -w's frames in time order, and "close ... by X" must name
# the side whose FIN has the earliest time stamp.
#
# usage: root-order.sh TCPSHAKE      exits 77 when it cannot run
set -u
T=${1:?usage: root-order.sh TCPSHAKE}
NET4=198.18.47 NET6=2001:db8:47
. "$(dirname "$0")/lib.sh"
export LC_ALL=C TZ=UTC
RUNS=10

cat >"$dir/server.py" <<'PY'
import socket, sys
addr, port, n, ready = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port)); s.listen(8)
open(ready, "w").close()
s.settimeout(30)
for _ in range(n):
    c, _ = s.accept()
    c.recv(100); c.sendall(b"answer\n"); c.close()
PY
inB python3 "$dir/server.py" "$B4" 7300 "$RUNS" "$dir/ready" </dev/null 2>"$dir/server.err" &
pids+=($!)
wait_file "$dir/ready" || bad "the server did not start"

ordered=0 fin_right=0
for i in $(seq "$RUNS"); do
    inA "$T" connect "$B4" 7300 --data hi --linger 0 --time-wait 0.1 -w "$dir/$i.pcap" \
        --out "$dir/$i.data" >"$dir/$i.trace" 2>"$dir/$i.err"
    rc=$?
    [ "$rc" = 0 ] || { bad "run $i: exit $rc"; cat "$dir/$i.err"; continue; }
    # the printed segment lines: HH:MM:SS.us, never going back
    if awk '/^[0-9][0-9]:/ { if ($1 < last) bad = 1; last = $1 } END { exit bad }' "$dir/$i.trace" &&
       [ "$(tsh "$dir/$i.pcap" frame.time_delta | awk '$1 < 0' | wc -l)" = 0 ]; then
        ordered=$((ordered + 1))
    else
        echo "     run $i out of order:"; grep -E '^[0-9][0-9]:' "$dir/$i.trace" | cut -c1-110 | sed 's/^/     /'
    fi
    # the first FIN by time stamp, from the -w capture through tshark
    first=$(tsh "$dir/$i.pcap" frame.time_epoch tcp.srcport tcp.flags.fin |
            awk '$3 == 1 || $3 == "True" { print $1, $2 }' | sort -n | head -1 | awk '{print $2}')
    want=server; [ "$first" != 7300 ] && want=client
    if grep -qE "^== conn .* by $want " "$dir/$i.trace"; then
        fin_right=$((fin_right + 1))
    else
        echo "     run $i: the first FIN is the $want's, the verdict says:"
        grep '^== conn' "$dir/$i.trace" | sed 's/^/     /'
    fi
done
check "$ordered of $RUNS runs printed and wrote their segments in time order" [ "$ordered" = "$RUNS" ]
check "$fin_right of $RUNS runs credit the close to the first FIN on the wire" [ "$fin_right" = "$RUNS" ]
finish
