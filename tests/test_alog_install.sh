#!/bin/sh
# Install the build into a temporary prefix, then compile and run a small program against it
# with nothing but `pkg-config --cflags --libs alog`, as README says a user does.
#   test_alog_install.sh BUILD_DIR CC [EXTRA_FLAGS]   (EXTRA_FLAGS: the build's sanitizer flags)
set -eu
build=$1
cc=$2
extra=${3:-}
tmp=$(mktemp -d /tmp/depthlog-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
pc=$(find "$tmp/prefix" -name alog.pc)
[ -n "$pc" ] || { echo "no alog.pc installed" >&2; exit 1; }
# This install is searched first, then the system's .pc files (for libzstd, which alog
# requires), and the .pc is moved afterwards on purpose: it must find its headers and
# library from where it lies, not from the prefix it was built for.
mv "$tmp/prefix" "$tmp/moved"
pcdir=$(dirname "$(find "$tmp/moved" -name alog.pc)")
system_pc=$(pkg-config --variable pc_path pkg-config)
export PKG_CONFIG_LIBDIR="$pcdir:$system_pc" PKG_CONFIG_PATH=
# libalog.a is a static library: --static adds what it links against (libzstd).
flags=$(pkg-config --static --cflags --libs alog)
echo "pkg-config --static --cflags --libs alog: $flags"
case " $flags " in *" -lzstd "*) ;; *) echo "alog.pc does not bring in -lzstd" >&2; exit 1 ;; esac

cat >"$tmp/prog.c" <<'PROG'
#include <alog.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    alog_options opt = {.dir = argc > 1 ? argv[1] : "logs", .rollover = ALOG_ROLL_DAILY};
    alog *lg = alog_open(&opt);
    if (lg == NULL) {
        perror("alog_open");
        return 1;
    }
    if (alog_printf(lg, "hello from an installed alog %d", 42) != ALOG_OK)
        return 1;
    alog_close(lg);
    /* The same in a zstd file: links libzstd through the .pc. */
    opt.compress = ALOG_COMPRESS_ZSTD;
    if ((lg = alog_open(&opt)) == NULL || alog_printf(lg, "compressed %d", 43) != ALOG_OK)
        return 1;
    alog_close(lg);
    return 0;
}
PROG
# shellcheck disable=SC2086 # the flags are words
"$cc" -std=c11 -o "$tmp/prog" "$tmp/prog.c" $flags $extra
"$tmp/prog" "$tmp/logs"
grep -qx 'hello from an installed alog 42' "$tmp"/logs/*.txt || {
    echo "the line is not in $tmp/logs" >&2
    exit 1
}
if command -v zstd >/dev/null; then
    zstd -dcq "$tmp"/logs/*.txt.zst | grep -qx 'compressed 43' || {
        echo "the compressed line is not in $tmp/logs" >&2
        exit 1
    }
fi
echo "ok: compiled and ran against $pcdir/alog.pc"
