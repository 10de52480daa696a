#!/bin/bash
# Root test: the RST guard's nft table never outlives the session (issue 15,
# item 2), in two namespaces.
#
#  1. Ctrl-C at a terminal reaches the whole foreground process group, nft
#     included.  SIGINT to tcpshake's process group at many delays (around
#     the install at the start and around the removal at the end, once and
#     twice in a row): every run exits 0 or 130, never "nft refused the
#     rule", and no table is left after any run.  connect, then listen.
#  2. A removal that fails is said whatever the outcome: with nft's delete
#     failing (an nft first in PATH that refuses "delete"), connect that
#     ends normally (exit 1), connect and listen interrupted (130), and
#     replay name the table and how to remove it.
#
# usage: root-guard.sh TCPSHAKE      exits 77 when it cannot run
set -u
T=${1:?usage: root-guard.sh TCPSHAKE}
NET4=198.18.40 NET6=2001:db8:40
. "$(dirname "$0")/lib.sh"
export LC_ALL=C
command -v setsid >/dev/null 2>&1 || skip "setsid not installed"
CAPS=$(cd "$here/../../captures" && pwd)

# A server in B that takes any number of connections: read to EOF, close.
cat >"$dir/server.py" <<'PY'
import socket, sys, threading
addr, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port)); s.listen(128)
open(sys.argv[3], "w").close()
def serve(c):
    c.settimeout(10)
    try:
        while c.recv(65536):
            pass
    except OSError:
        pass
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
inB python3 "$dir/server.py" "$B4" 9400 "$dir/server.ready" </dev/null 2>"$dir/server.err" &
pids+=($!)
wait_file "$dir/server.ready" || bad "the server did not start"

NFT=$(command -v nft)  # the real one, also while PATH has the refusing one
tables() { inA "$NFT" list tables 2>/dev/null | grep -o 'tcpshake_guard_[0-9_]*'; }
untable() { for t in "$@"; do inA "$NFT" delete table inet "$t"; done; }

# ctrl_c NAME DELAY [AGAIN] -- COMMAND...: COMMAND in A as a process group of
# its own; SIGINT to the group after DELAY s (and again AGAIN s later); then
# rc, and the tables left in $left (removed, so each run starts clean).
ctrl_c() {
    local name=$1 delay=$2 again=$3; shift 4
    # a background job of a script starts with SIGINT ignored; a terminal's
    # does not
    env --default-signal=INT setsid ip netns exec "$NA" "$@" \
        >"$dir/$name.out" 2>"$dir/$name.err" &
    local pid=$! i
    pids+=("$pid")
    # the delay runs from when the group exists (setsid has run)
    for i in $(seq 400); do
        [ "$(awk '{print $5}' /proc/"$pid"/stat 2>/dev/null)" = "$pid" ] && break
        sleep 0.005
    done
    sleep "$delay"
    kill -INT -- -"$pid" 2>/dev/null
    if [ "$again" != 0 ]; then sleep "$again"; kill -INT -- -"$pid" 2>/dev/null; fi
    for i in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && { echo "     $name: still running 10 s after SIGINT"; kill -KILL "$pid"; }
    wait "$pid"
    rc=$?
    left=$(tables)
    untable $left
}

# sweep CMD DELAYS...: ctrl_c at each delay, once and twice (5 ms apart)
sweep() {
    local what=$1; shift
    local runs=0 leaks=0 refused=0 odd=0 d again
    for d in "$@"; do
        for again in 0 0.005; do
            case $what in
            connect) ctrl_c c "$d" "$again" -- "$T" connect "$B4" 9400 --linger 0.1 \
                        --time-wait 0.1 --out /dev/null ;;
            listen) ctrl_c l "$d" "$again" -- "$T" listen 9401 --addr "$A4" --count 1 ;;
            esac
            runs=$((runs + 1))
            [ -z "$left" ] || { leaks=$((leaks + 1)); echo "     $what: delay $d+$again: left $left"; }
            if grep -q 'nft refused' "$dir/${what:0:1}.err"; then
                refused=$((refused + 1)); echo "     $what: delay $d+$again: $(head -1 "$dir/${what:0:1}.err")"
            fi
            case $rc in 0|130) ;; *) odd=$((odd + 1)); echo "     $what: delay $d+$again: exit $rc: $(head -1 "$dir/${what:0:1}.err")" ;; esac
        done
    done
    check "$what: Ctrl-C at $runs moments: no table left" [ "$leaks" = 0 ]
    check "$what: never 'nft refused the rule'" [ "$refused" = 0 ]
    check "$what: every run exits 0 or 130" [ "$odd" = 0 ]
}

# ---- 1. Ctrl-C around install and removal -----------------------------------
# connect: the guard goes in within ~30 ms, the session (linger 0.1, TIME_WAIT
# 0.1) ends at ~0.25 s with the removal; listen never ends by itself: only
# the install matters, and the removal after the signal.
sweep connect $(seq 0 0.006 0.36)
sweep listen $(seq 0 0.004 0.08)

# ---- 2. a failed removal is always said ------------------------------------------
mkdir -p "$dir/bin"
cat >"$dir/bin/nft" <<SH
#!/bin/sh
[ "\$1" = delete ] && { echo "Error: refused by the test" >&2; exit 1; }
exec "$NFT" "\$@"
SH
chmod +x "$dir/bin/nft"
fake() { PATH="$dir/bin:$PATH" "$@"; }

said() { # NAME WANT-RC
    check "$1: exit $2" [ "$rc" = "$2" ]
    check "$1: the failed removal is said, with the table" \
        grep -q "removing table tcpshake_guard_[0-9_]* failed .*nft delete table inet tcpshake_guard_" "$dir/$1.err"
    check "$1: the table was indeed left" [ -n "$left" ]
}

n=rm-ok
fake ip netns exec "$NA" "$T" connect "$B4" 9400 --linger 0.05 --time-wait 0.05 \
    --out /dev/null >"$dir/$n.out" 2>"$dir/$n.err"
rc=$?; left=$(tables); untable $left
said $n 1

n=rm-int
fake ctrl_c $n 0.5 0 -- "$T" connect "$B4" 9400 --close passive --timeout 5 --out /dev/null
said $n 130
check "$n: and that it was interrupted" grep -q 'interrupted' "$dir/$n.err"

n=rm-listen
fake ctrl_c $n 0.5 0 -- "$T" listen 9402 --addr "$A4"
said $n 130

n=rm-replay
inB python3 "$dir/server.py" "$B4" 7777 "$dir/server7777.ready" </dev/null 2>/dev/null &
pids+=($!)
wait_file "$dir/server7777.ready" || bad "the replay server did not start"
fake ip netns exec "$NA" "$T" replay "$CAPS/client-close.pcap" --to "$B4:7777" \
    --timeout 0.3 --time-wait 0.05 --out /dev/null >"$dir/$n.out" 2>"$dir/$n.err"
rc=$?; left=$(tables); untable $left
check "$n: the failed removal is said, with the table" \
    grep -q "removing table tcpshake_guard_[0-9_]* failed" "$dir/$n.err"
check "$n: the table was indeed left" [ -n "$left" ]

check "no table left at the end" sh -c "[ -z \"\$(ip netns exec $NA nft list tables | grep tcpshake_guard)\" ]"
finish
