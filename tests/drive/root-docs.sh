#!/bin/bash
# Root test: the examples of docs/drive.md's exit-status table are what the
# program prints (issue 15, item 6e): a silent peer with every default
# (--rto 1000, --retries 3: about 15 s) gives exactly the status-5 line.
#
# usage: root-docs.sh TCPSHAKE      exits 77 when it cannot run
set -u
T=${1:?usage: root-docs.sh TCPSHAKE}
NET4=198.18.45 NET6=2001:db8:45
. "$(dirname "$0")/lib.sh"
export LC_ALL=C
DOC=$here/../../docs/drive.md

# the example of status 5, the last `...` of its row
want=$(grep '^| 5 |' "$DOC" | grep -o '`[^`]*`' | tail -1 | tr -d '`')
check "docs/drive.md has an example for status 5" [ -n "$want" ]

# silence: B drops everything to the port
inB nft -f - <<NFT
table inet drive_docs {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport 9600 drop
    }
}
NFT
inA "$T" connect "$B4" 9600 >"$dir/silence.trace" 2>"$dir/silence.err"
rc=$?
check "silence: exit 5" [ "$rc" = 5 ]
got=$(sed -n 's/^tcpshake: connect: //p' "$dir/silence.err")
if [ "$got" = "$want" ]; then ok "silence: the program says what the docs say: $got"
else bad "silence: the program says '$got', docs/drive.md '$want'"; fi
check "no guard table left" no_guard_left
finish
