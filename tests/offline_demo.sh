#!/usr/bin/env bash
# The offline demo: orderbook against the local fake Binance (TLS on 127.0.0.1), for anyone
# who cannot reach Binance. Files roll every 5 seconds in ./orderbook_demo_logs; Ctrl-C
# stops orderbook (which drains and prints its summary) and the fake server with it.
#   tests/offline_demo.sh [BUILD_DIR]      (default: build)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
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

sh "$here/fake_binance/make_certs.sh" "$work/certs"
cat >"$work/scenario.txt" <<'EOF'
# Two books moving 10 times a second for a day; the demo ends with Ctrl-C.
symbols BTCUSDT ETHUSDT
rate 10
events 864000
timeout 86400
EOF
"$build/bin/fake_binance" --scenario "$work/scenario.txt" --cert "$work/certs/localhost.pem" \
    --key "$work/certs/localhost.key" --truth "$work/truth.jsonl" --port-file "$work/port" \
    --log "$work/server.log" 2>"$work/server.err" &
server=$!
for _ in $(seq 100); do
    [[ -s $work/port ]] && break
    kill -0 "$server" 2>/dev/null || { cat "$work/server.err" >&2; exit 1; }
    sleep 0.05
done
port=$(cat "$work/port")

logs=$PWD/orderbook_demo_logs
cat >"$work/demo.conf" <<EOF
[log]
dir = $logs
rollover = 5sec

[binance]
ws_url = wss://localhost:$port
rest_url = https://localhost:$port
snapshot_limit = 100
ca_file = $work/certs/ca.pem
EOF
echo "offline_demo: fake Binance on 127.0.0.1:$port; records go to $logs/ (Ctrl-C to stop)" >&2
# Not exec: the trap must still stop the server once orderbook has drained and exited.
"$build/bin/orderbook" -c "$work/demo.conf" BTCUSDT ETHUSDT || true
ls -l "$logs" | tail -n 5 >&2
