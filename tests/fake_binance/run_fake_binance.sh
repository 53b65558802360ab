# Sourced (bash) by the scripts that run orderbook against the local fake Binance: the offline
# demo and the soak. Not a program of its own.
#
#   fake_binance_start BUILD_DIR WORK   certificates into WORK/certs, then the server on the
#                                       script WORK/scenario.txt, in its own session (setsid:
#                                       Ctrl-C does not reach it); sets `server` (its pid) and
#                                       `port`; returns 1 with the server's stderr if it fails
#   fake_binance_config FILE LOGS WORK  an orderbook config for it, records into LOGS

fake_binance_start() {
    local build=$1 work=$2
    sh "$(dirname "${BASH_SOURCE[0]}")/make_certs.sh" "$work/certs"
    # In a session of its own: a Ctrl-C at the terminal reaches orderbook only, which then
    # drains against a live server; the scripts stop the server themselves, after orderbook.
    setsid "$build/bin/fake_binance" --scenario "$work/scenario.txt" --cert "$work/certs/localhost.pem" \
        --key "$work/certs/localhost.key" --truth "$work/truth.jsonl" --port-file "$work/port" \
        --log "$work/server.log" 2>"$work/server.err" &
    server=$!
    for _ in $(seq 200); do
        [[ -s $work/port ]] && break
        kill -0 "$server" 2>/dev/null || break
        sleep 0.05
    done
    if [[ ! -s $work/port ]]; then
        echo "the fake Binance did not start:" >&2
        cat "$work/server.err" >&2
        return 1
    fi
    port=$(cut -d' ' -f1 "$work/port") # a second number is the tlsstall port, if scripted
}

fake_binance_config() {
    local file=$1 logs=$2 work=$3
    cat >"$file" <<CONF
[log]
dir = $logs
rollover = 5sec

[binance]
ws_url = wss://localhost:$port
rest_url = https://localhost:$port
snapshot_limit = 100
ca_file = $work/certs/ca.pem
CONF
}
