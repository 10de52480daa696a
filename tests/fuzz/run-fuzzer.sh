#!/bin/bash
# Run a libFuzzer target on a scratch corpus seeded from read-only folders:
#   run-fuzzer.sh FUZZER [LIBFUZZER FLAGS...] [-- SEED_DIR...]
# libFuzzer writes what it finds into its first corpus folder; that is a
# temporary one here, so the seeds (captures/, tests/fuzz/seeds-*) are never
# touched.  A crash, leak or timeout leaves its input in the current
# folder as crash-*, leak-* or timeout-* (meson: the build folder), and
# the exit status is libFuzzer's.
set -u
fuzzer=$1; shift
flags=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do flags+=("$1"); shift; done
[ $# -gt 0 ] && shift
corpus=$(mktemp -d "${TMPDIR:-/tmp}/tcpshake-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$corpus"' EXIT
name=$(basename "$fuzzer")
"$fuzzer" "${flags[@]}" -artifact_prefix="$PWD/$name-" -print_final_stats=1 "$corpus" "$@"
