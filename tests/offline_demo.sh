#!/usr/bin/env bash
# The offline demo: orderbook against the local fake Binance (TLS on 127.0.0.1), for anyone
# who cannot reach Binance. Files roll every 5 seconds in ./orderbook_demo_logs; Ctrl-C
# stops orderbook (which drains and prints its summary), and then the script stops the fake
# server: stopped in that order, the capture ends without a disconnect and a resync per symbol.
#   tests/offline_demo.sh [BUILD_DIR]      (default: build)
set -euo pipefail
source "$(dirname "$0")/fake_binance/run_fake_binance.sh"

build=$(cd "${1:-build}" && pwd)
for exe in orderbook fake_binance; do
    if [[ ! -x "$build/bin/$exe" ]]; then
        echo "offline_demo: $build/bin/$exe is missing: build first (cmake --build $build)" >&2
        exit 2
    fi
done
command -v openssl >/dev/null || { echo "offline_demo: needs openssl (apt-get install openssl)" >&2; exit 2; }

work=$(mktemp -d /tmp/orderbook-demo.XXXXXX)
server=
cleanup() {
    [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/scenario.txt" <<'EOF'
# Two books moving 10 times a second for a day; the demo ends with Ctrl-C.
symbols BTCUSDT ETHUSDT
rate 10
events 864000
timeout 86400
EOF
fake_binance_start "$build" "$work" || exit 1
logs=$PWD/orderbook_demo_logs
fake_binance_config "$work/demo.conf" "$logs" "$work"
# The live page: the books, the capture's health and the files rolling, in a browser.
page_port=${DEMO_PAGE_PORT:-8080}
printf '\n[serve]\nlisten = 127.0.0.1:%s\n' "$page_port" >>"$work/demo.conf"
echo "offline_demo: fake Binance on 127.0.0.1:$port; records go to $logs/ (Ctrl-C to stop)" >&2
echo "offline_demo: open http://127.0.0.1:$page_port/ to watch the books and the files roll" \
    "(another port: DEMO_PAGE_PORT=N)" >&2
# Not exec: the trap must still stop the server once orderbook has drained and exited. The
# server runs in a session of its own, so the terminal's Ctrl-C reaches orderbook alone.
"$build/bin/orderbook" -c "$work/demo.conf" BTCUSDT ETHUSDT || echo "offline_demo: orderbook exited $?" >&2
ls -l "$logs" | tail -n 5 >&2
