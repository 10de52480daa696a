#!/bin/bash
# trace must refuse an output that is its input, or that another output
# writes, before it truncates anything (issue 15, item 4).
#   same-file.sh TCPSHAKE CAPTURES_DIR
set -u
bin=$1 caps=$2
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
fails=0
cp "$caps/client-close.pcap" "$dir/in.pcap"
sum=$(md5sum < "$dir/in.pcap")
ln -s "$dir/in.pcap" "$dir/link.pcap"
expect_refused() { # WHAT ARGS...
    local what=$1; shift
    "$bin" trace "$@" >/dev/null 2>"$dir/err"
    local rc=$?
    if [ "$rc" -ne 2 ] || ! grep -q "tcpshake: trace: " "$dir/err"; then
        echo "FAIL $what: exit $rc, $(cat "$dir/err")"; fails=$((fails + 1))
    else
        echo "ok   $what: $(head -1 "$dir/err")"
    fi
    if [ "$(md5sum < "$dir/in.pcap")" != "$sum" ]; then
        echo "FAIL $what: the input was changed"; fails=$((fails + 1))
        cp "$caps/client-close.pcap" "$dir/in.pcap"
    fi
}
expect_refused "-w the input" -r "$dir/in.pcap" -w "$dir/in.pcap"
expect_refused "--zeek-log the input" -r "$dir/in.pcap" --zeek-log "$dir/in.pcap"
expect_refused "--svg the input, through a symlink" -r "$dir/link.pcap" --svg "$dir/in.pcap"
expect_refused "-w the input read from stdin" -r - -w "$dir/in.pcap" < "$dir/in.pcap"
expect_refused "two outputs, one new file" -r "$dir/in.pcap" --zeek-log "$dir/o" -w "$dir/o"
"$bin" trace -r "$dir/in.pcap" -w "$dir/copy.pcapng" --zeek-log "$dir/conn.log" >/dev/null 2>&1 ||
    { echo "FAIL distinct outputs refused"; fails=$((fails + 1)); }
echo "$((6 - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
