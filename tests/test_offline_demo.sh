#!/usr/bin/env bash
# The offline demo as a user ends it: Ctrl-C at the terminal, which is SIGINT to the whole
# foreground process group. orderbook must stop first, against a live fake server, so the
# capture ends with its last depth records: no `disconnected` and no `resync` (issue 10, 10).
#   tests/test_offline_demo.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/orderbook-demo-test.XXXXXX)
demo=
cleanup() {
    # SIGTERM, so that the demo's own trap stops its fake server.
    if [[ -n $demo ]]; then
        kill -TERM -- "-$demo" 2>/dev/null || true
        wait "$demo" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
# A process group of its own stands for the terminal's foreground job.
setsid bash "$src/tests/offline_demo.sh" "$build" >demo.out 2>&1 &
demo=$!
depth_records() { cat orderbook_demo_logs/*.txt 2>/dev/null | grep -c '"event":"depth"' || true; }
for _ in $(seq 300); do
    (($(depth_records) >= 40)) && break
    sleep 0.1
done
if (($(depth_records) < 40)); then
    echo "test_offline_demo: FAILED: no records within 30 s" >&2
    cat demo.out >&2
    exit 1
fi
kill -INT -- "-$demo" # Ctrl-C
for _ in $(seq 300); do
    kill -0 "$demo" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$demo" 2>/dev/null; then
    echo "test_offline_demo: FAILED: the demo did not end within 30 s of Ctrl-C" >&2
    cat demo.out >&2
    exit 1
fi
wait "$demo" || true
demo=
fail=0
grep -q '^orderbook: summary: ' demo.out || { echo "test_offline_demo: FAILED: no summary" >&2; fail=1; }
for event in disconnected resync; do
    n=$(cat orderbook_demo_logs/*.txt | grep -c "\"event\":\"$event\"" || true)
    if ((n > 0)); then
        echo "test_offline_demo: FAILED: $n $event records: the server stopped before orderbook" >&2
        fail=1
    fi
done
if ((fail)); then
    cat demo.out >&2
    exit 1
fi
echo "test_offline_demo: ok: Ctrl-C stopped orderbook first; $(depth_records) depth records, none after a disconnect"
