# Sourced by bench/gtests and bench/fail-lines: the addresses both tools
# are given, in the layout of packetdrill's run_all.py with ours: the
# stack 198.18.0.1/16 and the peer 198.19.2.1 outside its prefix;
# 2001:db8:17d6::1 and 2001:db8:d17d::1 (packetdrill's spellings).
# shellcheck shell=bash disable=SC2034  # used by the scripts that source it
l4=198.18.0.1 r4=198.19.2.1 l6=2001:db8:17d6::1 r6=2001:db8:d17d::1
a4="--local_ip=$l4 --gateway_ip=$l4 --netmask_ip=255.255.0.0 --remote_ip=$r4"
a6="--local_ip=$l6 --gateway_ip=2001:db8:17d6:8888::1 --remote_ip=$r6"
