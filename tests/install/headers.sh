#!/bin/bash
# Every public header compiles on its own: a translation unit that includes
# nothing else, as C17 with -Wall -Wextra -Werror -pedantic, and as C++17
# (its extern "C" block must hold up there too; tests/install/symbols.py
# checks that it is really there, by linking C++ against the library).
# Also: <tcpshake.h> includes every header of include/tcpshake/.
#   headers.sh SRC_INCLUDE_DIR BUILD_INCLUDE_DIR
# CC and CXX (may be empty: no C++ check) name the compilers.
set -u
src=$1 gen=$2
cc=${CC:-cc} cxx=${CXX:-}
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
fails=0 n=0

headers=()
for h in "$src"/tcpshake/*.h "$gen"/tcpshake/*.h; do
    headers+=("tcpshake/$(basename "$h")")
done
headers+=(tcpshake.h)

check() { # LANG COMPILER FLAGS... -- HEADER
    local lang=$1 ext=$2; shift 2
    local h=${*: -1} flags=("${@:1:$#-1}")
    # Included twice (the guard must hold), then one declaration: ISO C
    # forbids an empty translation unit, and export.h declares nothing.
    printf '#include <%s>\n#include <%s>\ntypedef int tcpshake_header_check;\n' \
        "$h" "$h" >"$dir/t.$ext"
    n=$((n + 1))
    if ! "${flags[@]}" -I"$src" -I"$gen" -c "$dir/t.$ext" -o "$dir/t.o" 2>"$dir/err"; then
        echo "FAIL $h as $lang:"; sed 's/^/    /' "$dir/err"
        fails=$((fails + 1))
    fi
}
for h in "${headers[@]}"; do
    # shellcheck disable=SC2086 # CC may be a command with arguments
    check C c $cc -std=c17 -Wall -Wextra -Wstrict-prototypes -Werror -pedantic "$h"
    if [ -n "$cxx" ]; then
        # shellcheck disable=SC2086
        check C++ cc $cxx -std=c++17 -Wall -Wextra -Werror -pedantic "$h"
    fi
done

for h in "${headers[@]}"; do
    [ "$h" = tcpshake.h ] && continue
    if ! grep -q "^#include \"$h\"" "$src/tcpshake.h"; then
        echo "FAIL tcpshake.h does not include $h"; fails=$((fails + 1))
    fi
done

echo "${#headers[@]} headers, $n compilations${cxx:+ (C and C++)}, $fails failed"
[ "$fails" -eq 0 ]
