#!/bin/sh
# Golden test: `tcpshake craft ... -w FILE` read back by tshark, an
# independent dissector.  For each case tshark must report the flags,
# numbers and options we asked for, and the TCP checksum "good" (0 = bad when
# --bad-checksum was given).  No root, no network.
#
# usage: golden-tshark.sh TCPSHAKE
set -u
T=${1:?usage: golden-tshark.sh TCPSHAKE}
command -v tshark >/dev/null 2>&1 || { echo "tshark not installed: skip"; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/craft-golden.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT INT TERM
fails=0
n=0

# Fields: addresses, TTL/hop limit, TOS/class, IP id, DF, IP checksum status,
# ports, seq, ack, flags, window, urgent pointer, mss, wscale, sackok, ts
# val, ts ecr, sack left edges, sack right edges, payload length, TCP
# checksum status (1 good, 0 bad).
V4="-e ip.src -e ip.dst -e ip.ttl -e ip.dsfield -e ip.id -e ip.flags.df -e ip.checksum.status"
V6="-e ipv6.src -e ipv6.dst -e ipv6.hlim -e ipv6.tclass -e ipv6.plen"
TCP="-e tcp.srcport -e tcp.dstport -e tcp.seq -e tcp.ack -e tcp.flags -e tcp.window_size_value -e tcp.urgent_pointer -e tcp.options.mss_val -e tcp.options.wscale.shift -e tcp.options.sack_perm -e tcp.options.timestamp.tsval -e tcp.options.timestamp.tsecr -e tcp.options.sack_le -e tcp.options.sack_re -e tcp.len -e tcp.checksum.status"

# case NAME IPFIELDS EXPECTED -- craft arguments...
case_() {
    name=$1 ipf=$2 want=$3
    shift 4
    n=$((n + 1))
    if ! "$T" craft "$@" -w "$dir/$name.pcap" >"$dir/$name.out" 2>&1; then
        echo "FAIL $name: tcpshake craft exited $?"; sed 's/^/  /' "$dir/$name.out"
        fails=$((fails + 1)); return
    fi
    # shellcheck disable=SC2086 # the field lists are word lists
    got=$(tshark -r "$dir/$name.pcap" -o tcp.check_checksum:TRUE \
        -o ip.check_checksum:TRUE -o tcp.relative_sequence_numbers:FALSE \
        -T fields -E separator='|' $ipf $TCP 2>/dev/null | tr '\n' '/')
    if [ "$got" != "$want" ]; then
        echo "FAIL $name"; echo "  expected: $want"; echo "  got:      $got"
        fails=$((fails + 1)); return
    fi
    # printed through our decoder: one line per frame, then the count
    frames=$(printf '%s' "$got" | tr '/' '\n' | grep -c .)
    if ! tail -n 1 "$dir/$name.out" | grep -q "^$frames segments\{0,1\} written to"; then
        echo "FAIL $name: summary line"; sed 's/^/  /' "$dir/$name.out"
        fails=$((fails + 1)); return
    fi
    echo "ok   $name"
}

A=198.18.0.1 B=198.18.0.2

case_ syn "$V4" \
    "$A|$B|64|0x00|0x1234|1|1|40000|80|1000|0|0x0002|64240|0|1460|7|0402|100|0|||0|1/" \
    -- syn --src $A:40000 --dst $B:80 --seq 1000 --id 0x1234 \
    --opt mss=1460,sackok,ts=100:0,nop,wscale=7

case_ syn-default-opts "$V4" \
    "$A|$B|64|0x00|0x0001|1|1|40001|80|7|0|0x0002|64240|0|1460|||||||0|1/" \
    -- syn --src $A:40001 --dst $B:80 --seq 7 --id 1

case_ synack "$V4" \
    "$B|$A|64|0x00|0x0002|1|1|80|40000|5000|1001|0x0012|65160|0|1400|2|0402|||||0|1/" \
    -- synack --src $B:80 --dst $A:40000 --seq 5000 --ack 1001 --win 65160 \
    --id 2 --opt mss=1400,nop,wscale=2,sackok

case_ ack "$V4" \
    "$A|$B|64|0x00|0x0003|1|1|40000|80|1001|5001|0x0010|502|0||||||||0|1/" \
    -- ack --src $A:40000 --dst $B:80 --seq 1001 --ack 5001 --win 502 --id 3

case_ data "$V4" \
    "$A|$B|64|0x00|0x0004|1|1|40000|80|1001|5001|0x0018|502|0||||7|8|||18|1/" \
    -- data --src $A:40000 --dst $B:80 --seq 1001 --ack 5001 --win 502 --id 4 \
    --opt nop,nop,ts=7:8 --data 'GET / HTTP/1.0\r\n\r\n'

case_ data-hex "$V4" \
    "$A|$B|64|0x00|0x0005|1|1|40000|80|1|2|0x0018|502|0||||||||4|1/" \
    -- data --src $A:40000 --dst $B:80 --seq 1 --ack 2 --win 502 --id 5 \
    --hex de:ad:be:ef

case_ fin "$V4" \
    "$A|$B|64|0x00|0x0006|1|1|40000|80|1019|5001|0x0011|502|0||||||||0|1/" \
    -- fin --src $A:40000 --dst $B:80 --seq 1019 --ack 5001 --win 502 --id 6

case_ rst "$V4" \
    "$A|$B|64|0x00|0x0007|1|1|40000|80|1020|0|0x0004|0|0||||||||0|1/" \
    -- rst --src $A:40000 --dst $B:80 --seq 1020 --id 7

case_ rst-bad-checksum "$V4" \
    "$A|$B|64|0x00|0x0007|1|1|40000|80|1020|0|0x0004|0|0||||||||0|0/" \
    -- rst --src $A:40000 --dst $B:80 --seq 1020 --id 7 --bad-checksum

case_ segment-every-field "$V4" \
    "$A|$B|1|0x02|0x0000|0|1|1|65535|4294967295|2147483648|0x00ff|1|7||||||1,3|2,4|0|1/" \
    -- segment --src $A:1 --dst $B:65535 --seq 4294967295 --ack 2147483648 \
    --flags syn,ack,fin,rst,psh,urg,ece,cwr --win 1 --urp 7 --ttl 1 --tos 2 \
    --id 0 --no-df --opt sack=1-2:3-4

case_ count-3 "$V4" \
    "$A|$B|64|0x00|0x0009|1|1|40000|80|1|0|0x0010|64240|0||||||||0|1/$A|$B|64|0x00|0x0009|1|1|40000|80|1|0|0x0010|64240|0||||||||0|1/$A|$B|64|0x00|0x0009|1|1|40000|80|1|0|0x0010|64240|0||||||||0|1/" \
    -- ack --src $A:40000 --dst $B:80 --seq 1 --id 9 --count 3 --rate 1000

A6=2001:db8::1 B6=2001:db8::2

case_ syn-v6 "$V6" \
    "$A6|$B6|64|0x00000000|24|40000|80|1000|0|0x0002|64240|0|1440|||||||0|1/" \
    -- syn --src "[$A6]:40000" --dst "[$B6]:80" --seq 1000

case_ data-v6 "$V6" \
    "$A6|$B6|255|0x00000010|37|40000|80|1001|5001|0x0018|502|0|||0402|1|2|||5|1/" \
    -- data --src "[$A6]:40000" --dst "[$B6]:80" --seq 1001 --ack 5001 \
    --win 502 --hop-limit 255 --tclass 0x10 --opt sackok,ts=1:2 --data hello

case_ rst-v6-bad-checksum "$V6" \
    "$A6|$B6|64|0x00000000|20|40000|80|9|0|0x0004|0|0||||||||0|0/" \
    -- rst --src "[$A6]:40000" --dst "[$B6]:80" --seq 9 --bad-checksum

# Ethernet framing (-i lo: the loopback's all-zero MACs, no lookups).
case_ ether-lo "-e eth.dst -e eth.src -e eth.type" \
    "00:00:00:00:00:00|00:00:00:00:00:00|0x0800|40000|80|1|0|0x0002|64240|0|1460|||||||0|1/" \
    -- syn --src $A:40000 --dst $B:80 --seq 1 -i lo

case_ ether-macs "-e eth.dst -e eth.src -e eth.type" \
    "02:00:5e:00:00:02|02:00:5e:00:00:01|0x86dd|40000|80|1|0|0x0002|64240|0|1440|||||||0|1/" \
    -- syn --src "[$A6]:40000" --dst "[$B6]:80" --seq 1 -i lo \
    --src-mac 02:00:5e:00:00:01 --dst-mac 02:00:5e:00:00:02

echo "$((n - fails)) of $n cases agree with tshark"
[ "$fails" -eq 0 ]
