#!/usr/bin/env bash
# The live page in a real browser, for ctest: the fake Binance, orderbook with [serve] listen
# on a free loopback port and 5sec files, then live_page.mjs (playwright-core driving
# Debian's chromium) against its page. Skipped (exit 77) with the reason when chromium, node
# or tests/browser/node_modules is missing: install them with
#   apt-get install chromium nodejs npm   and   (cd tests/browser && npm ci)
#   tests/browser/run_live_page.sh BUILD_DIR [SCREENSHOT.png]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../fake_binance/run_fake_binance.sh"
build=$(cd "$1" && pwd)
shot=${2:-}
chromium=${CHROMIUM:-/usr/bin/chromium}

skip() { echo "SKIP: $*"; exit 77; }
command -v node >/dev/null || skip "no node (apt-get install nodejs)"
[[ -x $chromium ]] || skip "no chromium at $chromium (apt-get install chromium)"
[[ -d $here/node_modules/playwright-core ]] ||
    skip "no playwright-core in $here/node_modules (cd tests/browser && npm ci)"
command -v openssl >/dev/null || skip "no openssl for the test certificates"

work=$(mktemp -d /tmp/depthlog-browser.XXXXXX)
server= ob=
cleanup() {
    [[ -n $ob ]] && kill "$ob" 2>/dev/null && wait "$ob" 2>/dev/null
    [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/scenario.txt" <<'SCENARIO'
symbols BTCUSDT ETHUSDT
rate 20
events 100000
timeout 600
SCENARIO
fake_binance_start "$build" "$work"
fake_binance_config "$work/ob.conf" "$work/logs" "$work"
page_port=$(node -e 'const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
printf '\n[serve]\nlisten = 127.0.0.1:%s\n' "$page_port" >>"$work/ob.conf"
"$build/bin/orderbook" -q -c "$work/ob.conf" BTCUSDT ETHUSDT 2>"$work/ob.err" &
ob=$!

rc=0
node "$here/live_page.mjs" "http://127.0.0.1:$page_port/" "$shot" || rc=$?
if [[ $rc -ne 0 ]]; then
    echo "--- orderbook's stderr:"; cat "$work/ob.err"
fi
exit $rc
