#!/bin/bash
# libtcpshake as a program outside the tree gets it: install a build into a
# scratch directory (meson install --destdir), compile examples/verdicts.c
# with nothing but what pkg-config says about the installed tcpshake.pc, run
# it on captures/client-close.pcap and check its verdict.  Twice: against
# the shared library (LD_LIBRARY_PATH into the scratch directory) and
# against the static one (pkg-config --static: Libs.private must be
# enough).  Also checks that every public header was installed.
#   check-install.sh [BUILD_DIR]      (default: build-test)
# Exit status: 0 passed, 1 failed, 77 no pkg-config or no build directory.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build-test}
say() { echo "install: $*"; }
command -v pkg-config >/dev/null || { say "skip: no pkg-config"; exit 77; }
[ -f "$build/build.ninja" ] || { say "skip: $build is not a meson build directory"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
fails=0
fail() { say "FAIL $*"; fails=$((fails + 1)); }

if ! meson install -C "$build" --destdir "$dest" >"$tmp/log" 2>&1; then
    say "FAIL meson install --destdir:"; sed 's/^/    /' "$tmp/log"; exit 1
fi
pc=$(find "$dest" -name tcpshake.pc -path '*/pkgconfig/*' | head -1)
[ -n "$pc" ] || { fail "no tcpshake.pc was installed"; exit 1; }
say "installed into $dest, $(find "$dest" -type f | wc -l) files"

# Every public header, and the generated version.h, under include/tcpshake/.
incdir=$(dirname "$(find "$dest" -name tcpshake.h -path '*/include/*' | head -1)")
want=$(cd "$top/include/tcpshake" && ls ./*.h && echo ./version.h)
got=$(cd "$incdir/tcpshake" 2>/dev/null && ls ./*.h)
[ "$(sort <<<"$want")" = "$(sort <<<"$got")" ] ||
    fail "installed headers differ from include/tcpshake/: $(diff <(sort <<<"$want") <(sort <<<"$got") | grep '^[<>]' | tr '\n' ' ')"

# The .pc names paths under the prefix; the sysroot puts them under $dest,
# and the ALLOW_SYSTEM variables keep them should the prefix be /usr.
pkgc() {
    PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$dest \
    PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 pkg-config "$@"
}
cflags=$(pkgc --cflags tcpshake) || fail "pkg-config --cflags tcpshake"
libs=$(pkgc --libs tcpshake) || fail "pkg-config --libs tcpshake"
static_libs=$(pkgc --static --libs tcpshake) || fail "pkg-config --static --libs tcpshake"
libdir=$(pkgc --variable=libdir tcpshake)
say "pkg-config --cflags --libs tcpshake: $cflags $libs"

cc=${CC:-cc}
warn=(-std=c17 -Wall -Wextra -Werror -pedantic -O2)
expect='1 198.18.0.2:40000 > 198.18.0.1:7777  close 4-way by client  zeek SF ShADadFf  rtt 57 us'
check_run() { # WHAT EXE [ENV...]
    local what=$1 exe=$2; shift 2
    local out
    if ! out=$(env "$@" "$exe" "$top/captures/client-close.pcap" 2>"$tmp/err"); then
        fail "$what: verdicts exited $?: $(cat "$tmp/err")"
    elif [ "$out" != "$expect" ]; then
        fail "$what: verdicts printed"; echo "    $out"; echo "  instead of"; echo "    $expect"
    else
        say "ok   $what: $out"
    fi
}

# shellcheck disable=SC2086 # word splitting of CC and of pkg-config's flags is meant
if $cc "${warn[@]}" "$top/examples/verdicts.c" -o "$tmp/verdicts" $cflags $libs 2>"$tmp/err"; then
    # it must find the installed library, not one in the build tree
    so=$(LD_LIBRARY_PATH=$libdir ldd "$tmp/verdicts" | awk '/libtcpshake\.so/ {print $3}')
    case $so in
    "$dest"/*) check_run shared "$tmp/verdicts" LD_LIBRARY_PATH="$libdir" ;;
    *) fail "shared: verdicts would load libtcpshake from '$so', not from $dest" ;;
    esac
else
    fail "shared: compiling examples/verdicts.c:"; sed 's/^/    /' "$tmp/err"
fi

# The static library, with only what the .pc's private fields add.
static_libs=${static_libs/-ltcpshake/-l:libtcpshake.a}
# shellcheck disable=SC2086
if $cc "${warn[@]}" "$top/examples/verdicts.c" -o "$tmp/verdicts-static" $cflags $static_libs \
    2>"$tmp/err"; then
    if ldd "$tmp/verdicts-static" | grep -q libtcpshake; then
        fail "static: verdicts-static still needs libtcpshake.so"
    else
        check_run static "$tmp/verdicts-static"
    fi
else
    fail "static: compiling examples/verdicts.c against libtcpshake.a:"; sed 's/^/    /' "$tmp/err"
fi

if [ "$fails" -ne 0 ]; then
    say "$fails failed"; exit 1
fi
say "passed"
