#!/bin/bash
# check-svg.sh TCPSHAKE CAPTURES_DIR
#
# The --svg picture of captures/client-close.pcap, end to end:
#   1. tcpshake writes it (exit 0);
#   2. it is well-formed XML (xmllint --noout), also for a capture whose
#      file name is not UTF-8;
#   3. its text names every role of the connection, both endpoints' states
#      and the verdict (xmllint, on the text nodes only);
#   4. headless Chromium loads it as an SVG document (--dump-dom shows the
#      same text, no parser error) and renders it (--screenshot) into a PNG
#      that is not blank: many colours, a fair share of non-white pixels, and
#      the exact handshake green and teardown orange of the arrowheads.
# Exits 77 (skip) when chromium, xmllint or python3 is missing.
set -u
tcpshake=$1
captures=$2

for tool in chromium xmllint python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "check-svg: $tool is not installed; skipping"
        exit 77
    fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
svg=$work/client-close.svg
png=$work/client-close.png

fail() {
    echo "check-svg: FAIL: $*"
    if [ -f "$svg" ]; then
        mkdir -p "${TMPDIR:-/tmp}/check-svg-failed"
        cp "$svg" "${TMPDIR:-/tmp}/check-svg-failed/" 2>/dev/null
        [ -f "$png" ] && cp "$png" "${TMPDIR:-/tmp}/check-svg-failed/" 2>/dev/null
        echo "check-svg: kept in ${TMPDIR:-/tmp}/check-svg-failed/"
    fi
    exit 1
}

# 1. write it
"$tcpshake" trace -r "$captures/client-close.pcap" --summary --svg "$svg" >/dev/null ||
    fail "tcpshake trace --svg exited $?"
[ -s "$svg" ] || fail "no SVG written"

# 2. well-formed
xmllint --noout "$svg" || fail "xmllint: not well-formed"

# 2b. a file name that is not UTF-8 (issue 15 item 8): the title gets
# U+FFFD for each bad byte, keeps good UTF-8 as it is, stays well-formed
odd=$work/$'caf\xc3\xa9-\xff\xc3(-x'.pcap
cp "$captures/client-close.pcap" "$odd"
"$tcpshake" trace -r "$odd" --summary --svg "$work/odd.svg" >/dev/null ||
    fail "tcpshake trace --svg (odd name) exited $?"
xmllint --noout "$work/odd.svg" || fail "xmllint: the SVG of a non-UTF-8 file name is not well-formed"
grep -qF -- $'caf\xc3\xa9-\xef\xbf\xbd\xef\xbf\xbd(-x' "$work/odd.svg" ||
    fail "the non-UTF-8 file name is not in the title with U+FFFD for its bad bytes"

# 3. its text
text=$(xmllint --xpath '//*[local-name()="text"]/text()' "$svg") ||
    fail "xmllint: no text nodes"
want=(
    "handshake 1/3" "handshake 2/3" "handshake 3/3"
    "teardown 1/4" "teardown 2/4" "teardown 3/4" "teardown 4/4"
    "SYN_SENT" "SYN_RCVD" "ESTABLISHED" "FIN_WAIT_1" "FIN_WAIT_2"
    "CLOSE_WAIT" "LAST_ACK" "TIME_WAIT" "CLOSED" "LISTEN"
    "client" "server" "198.18.0.2:40000" "198.18.0.1:7777"
    "verdict: close 4-way by client" "zeek SF ShADadFf"
    "tshark 31 (Complete, WITH_DATA)"
)
for w in "${want[@]}"; do
    grep -qF -- "$w" <<<"$text" || fail "the SVG text lacks '$w'"
done

# 4. Chromium: load and render
chrome() {
    local profile
    profile=$(mktemp -d "$work/profile.XXXXXX")
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking --disable-component-update \
        --disable-sync --user-data-dir="$profile" "$@" 2>"$work/chromium.err"
}
dom=$(chrome --dump-dom "file://$svg") || fail "chromium --dump-dom failed: $(tail -3 "$work/chromium.err")"
grep -q "parsererror\|This page contains the following errors" <<<"$dom" &&
    fail "chromium reports an XML error"
for w in "handshake 1/3" "teardown 4/4" "CLOSE_WAIT"; do
    grep -qF -- "$w" <<<"$dom" || fail "chromium's DOM lacks '$w'"
done
chrome --screenshot="$png" --window-size=1000,1400 "file://$svg" >/dev/null ||
    fail "chromium --screenshot failed: $(tail -3 "$work/chromium.err")"
[ -s "$png" ] || fail "chromium wrote no PNG"

python3 - "$png" <<'PY' || fail "the rendered PNG looks blank or wrong"
# A small PNG reader (8-bit RGB/RGBA, non-interlaced: what Chromium writes).
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, ihdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = ihdr
assert depth == 8 and ctype in (2, 6) and interlace == 0, f"unexpected PNG {ihdr}"
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colours = {}
nonwhite = 0
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        rgb = bytes(line[x:x + 3])
        colours[rgb] = colours.get(rgb, 0) + 1
        if rgb != b"\xff\xff\xff":
            nonwhite += 1
    prev = line
share = nonwhite / (w * h)
print(f"check-svg: {w}x{h} PNG, {len(colours)} colours, {100 * share:.1f}% non-white")
assert len(colours) >= 16, "too few colours"
assert share >= 0.02, "almost all white"
for name, rgb in (("handshake green", b"\x2e\x7d\x32"), ("teardown orange", b"\xe6\x51\x00")):
    assert colours.get(rgb, 0) >= 20, f"no {name} pixels"
PY
echo "check-svg: OK"
