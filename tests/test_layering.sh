#!/bin/sh
# The layers hold at compile time: a core/ source that includes libwebsockets.h, OpenSSL, NATS
# or alog.h does not compile, nor does a net/ source that includes a core, logger or config
# header; the guards themselves let a pure file through (so this test can tell).
#
#   tests/test_layering.sh SOURCE_DIR CC
set -u
src=$1
cc=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# try LAYER EXPECT INCLUDE: compile one line as if it were a file of LAYER.
try() {
    layer=$1 expect=$2 include=$3
    printf '%s\nint layering_probe;\n' "$include" > "$tmp/probe.c"
    if "$cc" -std=c11 -D_GNU_SOURCE -c -o "$tmp/probe.o" \
        -include "$src/orderbook/$layer/layer_guard.h" \
        -I "$src/orderbook/$layer" -I "$src/orderbook/core" -I "$src/orderbook/config" \
        -I "$src/logger/include" -I /usr/include/cjson \
        "$tmp/probe.c" 2>"$tmp/err"; then
        got=compiles
    else
        got=fails
    fi
    if [ "$got" != "$expect" ]; then
        echo "FAIL: $layer/ with '$include' $got (expected: $expect)"
        sed 's/^/    /' "$tmp/err"
        fail=1
    else
        echo "ok: $layer/ with '$include' $got"
    fi
}

try core compiles '#include <stdio.h>'
try core compiles '#include "book.h"'
try core fails '#include <libwebsockets.h>'
try core fails '#include <openssl/ssl.h>'
try core fails '#include <nats/nats.h>'
try core fails '#include <alog.h>'
try net compiles '#include <libwebsockets.h>'
try net fails '#include "capture.h"'
try net fails '#include "book.h"'
try net fails '#include <alog.h>'
try net fails '#include "config.h"'
exit $fail
