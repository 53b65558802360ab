#!/usr/bin/env bash
# Soak: the real orderbook against the local fake Binance with 200 symbols at 10 events/s
# each (2000 events/s) for MINUTES minutes, files rolling every 5 seconds, on two legs
# (legs = 2, both to the one server) whose connections are replaced make-before-break every
# minute (max_connection_age_s = 60).
#
#   tests/soak/soak.sh BUILD_DIR MINUTES
#   SOAK_MARKET=usdm SOAK_SYMBOLS=500 tests/soak/soak.sh BUILD_DIR MINUTES
#
# SOAK_MARKET picks the market (spot, the default; usdm; coinm, whose symbols are named like
# SOAK001USD_PERP), with the fake's futures events (pu, gaps in u); SOAK_SYMBOLS the number
# of symbols (1 to 1000, default 200).
#
# Every 10 s it samples orderbook's resident memory (VmRSS), its open descriptors
# (/proc/PID/fd) and the depth records per symbol in the files it wrote, and prints a row.
# When the server has sent its last event and orderbook has recorded it, orderbook gets
# SIGTERM, and the run passes only if:
#   - orderbook exits 0;
#   - RSS is flat: the last sample is within 10% of the first sample from the one-minute
#     mark on with every symbol synced;
#   - descriptors are flat: the last sample is at most 3 above that sample;
#   - no resync: the replacements cost nothing;
#   - nothing is lost unaccounted: for every symbol, every event in the server's truth is a
#     depth record equal to the truth (top 5 levels), or is folded into a snapshot that
#     started the book (the first one, or one after a resync record); no event is skipped,
#     none is missing at the end, and a symbol that never synced fails;
#   - the exit summary agrees with the files: lines written = lines in the files, records =
#     written + refused + lost to I/O + discarded, and each symbol's "events applied" equals
#     its depth records.
# It exits 0 on success, 1 on a failed check, 2 on a usage or setup problem. The work
# directory in /tmp (records and truth: about 100 MB a minute, twice that at the end while
# they are sorted together) is removed on success and kept on failure.
set -euo pipefail
source "$(dirname "$0")/../fake_binance/run_fake_binance.sh"

usage() {
    echo "usage: $0 BUILD_DIR MINUTES" >&2
    exit 2
}
[[ $# -eq 2 ]] || usage
[[ $2 =~ ^[1-9][0-9]*$ ]] || usage
build=$(cd "$1" && pwd)
minutes=$2
market=${SOAK_MARKET:-spot}
n_symbols=${SOAK_SYMBOLS:-200}
[[ $market =~ ^(spot|usdm|coinm)$ ]] || { echo "soak: SOAK_MARKET is spot, usdm or coinm, not '$market'" >&2; exit 2; }
[[ $n_symbols =~ ^[1-9][0-9]*$ ]] && ((n_symbols <= 1000)) ||
    { echo "soak: SOAK_SYMBOLS is a number of symbols from 1 to 1000, not '$n_symbols'" >&2; exit 2; }
rate=10
events=$((rate * 60 * minutes))
for exe in orderbook fake_binance; do
    [[ -x $build/bin/$exe ]] || { echo "soak: $build/bin/$exe is missing: build first" >&2; exit 2; }
done

work=$(mktemp -d /tmp/depthlog-soak.XXXXXX)
server='' ob='' ok=0
cleanup() {
    [[ -n $ob ]] && kill -KILL "$ob" 2>/dev/null
    [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    if [[ $ok == 1 ]]; then
        rm -rf "$work"
    else
        echo "soak: kept $work for a look" >&2
    fi
}
trap cleanup EXIT

symbols=()
quote=USDT
[[ $market == coinm ]] && quote=USD_PERP
for i in $(seq -f %03g "$n_symbols"); do
    symbols+=("SOAK${i}${quote}")
done

cat >"$work/scenario.txt" <<EOF
market $market
symbols ${symbols[*]}
rate $rate
events $events
timeout $((minutes * 60 + 900))
EOF
fake_binance_start "$build" "$work" || exit 2
logs=$work/logs
fake_binance_config "$work/soak.conf" "$logs" "$work"
legs=2
# [binance] is the config's last section.
printf 'legs = %d\nmax_connection_age_s = 60\nmarket = %s\n' "$legs" "$market" >>"$work/soak.conf"
"$build/bin/orderbook" -q -c "$work/soak.conf" "${symbols[@]}" 2>"$work/orderbook.err" &
ob=$!
start=$SECONDS

# The record files in the order of their periods (YYYYMMDDHHMM then i = second / 5, unpadded).
files_in_order() {
    [[ -d $logs ]] || return 0
    (cd "$logs" && ls) | LC_ALL=C sort -t. -k1.1,1.12 -k1.13,1n | sed "s|^|$logs/|"
}

# Depth records per symbol ("SYMBOL COUNT" lines) of the given files, added to $1's counts.
# shellcheck disable=SC2016
count_awk='
FNR == NR && FILENAME == base { c[$1] = $2; next }
{
    i = index($0, "\"event\":\"depth\",\"s\":\"")
    if (i == 0) next
    rest = substr($0, i + 22)
    c[substr(rest, 1, index(rest, "\"") - 1)]++
}
END { for (s in c) print s, c[s] }'

# Files whose period is over are counted once; the newest few are counted at every sample.
: >"$work/counts.final"
declare -A counted=()
count_now() {
    local all=() final=() f
    mapfile -t all < <(files_in_order)
    local n=${#all[@]} keep=3
    for ((i = 0; i < n - keep; i++)); do
        f=${all[i]}
        [[ -n ${counted[$f]:-} ]] && continue
        counted[$f]=1
        final+=("$f")
    done
    if ((${#final[@]} > 0)); then
        awk -v base="$work/counts.final" "$count_awk" "$work/counts.final" "${final[@]}" \
            >"$work/counts.tmp"
        mv "$work/counts.tmp" "$work/counts.final"
    fi
    local recent=()
    for ((i = (n > keep ? n - keep : 0); i < n; i++)); do
        recent+=("${all[i]}")
    done
    awk -v base="$work/counts.final" "$count_awk" "$work/counts.final" "${recent[@]}" \
        </dev/null
}

printf '%-7s %-10s %-5s %-10s %-9s %-9s %-7s\n' "t(s)" "RSS(kB)" "fds" "records" \
    "min/sym" "max/sym" "synced"
: >"$work/table"
sample() {
    local t=$((SECONDS - start)) rss fds stats
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$ob/status" 2>/dev/null || echo -1)
    fds=$(find "/proc/$ob/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    count_now >"$work/counts.now" # not in a subshell: it remembers the files it counted
    stats=$(awk -v n="$n_symbols" '
        { total += $2; if (min == "" || $2 < min) min = $2; if ($2 > max) max = $2; synced++ }
        END { if (synced < n) min = 0; printf "%d %d %d %d", total, min, max, synced }' \
        "$work/counts.now")
    read -r total min max synced <<<"$stats"
    printf '%-7s %-10s %-5s %-10s %-9s %-9s %-7s\n' "$t" "$rss" "$fds" "$total" "$min" "$max" \
        "$synced/$n_symbols"
    echo "$t $rss $fds $total $synced" >>"$work/table"
}

# The last u of every symbol in the truth (complete once the server logs "done").
last_truth() {
    tac "$work/truth.jsonl" | awk -v n="$n_symbols" '
        {
            s = substr($0, 7, index(substr($0, 7), "\"") - 1)
            if (s in seen) next
            rest = substr($0, index($0, "\"u\":") + 4)
            seen[s] = 1; print s, substr(rest, 1, index(rest, ",") - 1)
            if (++k == n) exit
        }' || true # tac is cut short once every symbol is found
}

# Is each symbol's last event in the newest files (a depth record, or a snapshot at it)?
captured() {
    local recent
    mapfile -t recent < <(files_in_order | tail -n 6)
    ((${#recent[@]} > 0)) || return 1
    awk -v n="$n_symbols" '
        FNR == NR { want[$1] = $2; next }
        {
            if (index($0, "\"event\":\"depth\"")) { key = ",\"u\":"; off = 5 }
            else if (index($0, "\"event\":\"snapshot\"")) { key = "\"lastUpdateId\":"; off = 15 }
            else next
            i = index($0, "\"s\":\""); rest = substr($0, i + 5)
            s = substr(rest, 1, index(rest, "\"") - 1)
            r = substr($0, index($0, key) + off); u = substr(r, 1, index(r, ",") - 1)
            if ((s in want) && u == want[s] && !(s in got)) { got[s] = 1; k++ }
        }
        END { exit k == n ? 0 : 1 }' "$work/last_u" "${recent[@]}"
}

next_sample=$start
# The market starts with the first connection and runs MINUTES minutes; allow 5 more.
deadline=$((start + minutes * 60 + 300))
while ! grep -q '^done' "$work/server.log" 2>/dev/null; do
    kill -0 "$ob" 2>/dev/null || { echo "soak: orderbook died" >&2; cat "$work/orderbook.err" >&2; exit 1; }
    if ((SECONDS > start + 60)) && ! grep -q '^ws ' "$work/server.log" 2>/dev/null; then
        echo "soak: FAILED: orderbook did not connect within 60 s" >&2
        head -n 20 "$work/orderbook.err" >&2
        exit 1
    fi
    if ((SECONDS > deadline)); then
        echo "soak: FAILED: the server's script did not end in time (is orderbook connected?)" >&2
        head -n 20 "$work/orderbook.err" >&2
        exit 1
    fi
    if ((SECONDS >= next_sample)); then
        sample
        next_sample=$((next_sample + 10))
    fi
    sleep 1
done
last_truth >"$work/last_u"
for _ in $(seq 60); do
    captured && break
    sleep 1
done
captured || echo "soak: the last events were not all recorded within 60 s of the end" >&2
sample

kill -TERM "$ob"
rc=0
for _ in $(seq 120); do
    kill -0 "$ob" 2>/dev/null || break
    sleep 0.5
done
if kill -0 "$ob" 2>/dev/null; then
    echo "soak: orderbook did not exit within 60 s of SIGTERM" >&2
    rc=-1
else
    wait "$ob" || rc=$?
fi
ob=''
if kill "$server" 2>/dev/null; then
    wait "$server" 2>/dev/null || true
fi
server=''

failed=0
check() { # description, then the test as arguments
    local what=$1
    shift
    if "$@"; then
        echo "soak: ok: $what"
    else
        echo "soak: FAILED: $what"
        failed=1
    fi
}
check "orderbook exited 0, or 3 for lost records, on SIGTERM (got $rc)" test "$rc" -eq 0 -o "$rc" -eq 3

# Flat: the first sample from the one-minute mark on with every book synced (each book's
# memory is taken once it loads) against the last one.
read -r t1 rss1 fds1 _ < <(awk -v n="$n_symbols" '$1 >= 60 && $5 == n { print; exit }' "$work/table")
read -r tn rssn fdsn _ < <(tail -n 1 "$work/table")
if [[ -z ${t1:-} ]]; then
    echo "soak: FAILED: no sample from the one-minute mark on with every symbol synced"
    failed=1
else
    check "RSS flat: ${rssn} kB at ${tn} s, ${rss1} kB at ${t1} s (limit +10%)" \
        test $((rssn * 100)) -le $((rss1 * 110))
    check "descriptors flat: ${fdsn} at ${tn} s, ${fds1} at ${t1} s (limit +3)" \
        test "$fdsn" -le $((fds1 + 3))
fi

# The summary.
err=$work/orderbook.err
read -r messages records written refused lost_io discarded < <(sed -n \
    's/^orderbook: summary: \([0-9]*\) messages, [0-9]* malformed, \([0-9]*\) records; files: \([0-9]*\) lines written, \([0-9]*\) refused (queue full), \([0-9]*\) lost to I\/O, \([0-9]*\) discarded.*/\1 \2 \3 \4 \5 \6/p' \
    "$err") || true
if [[ -z ${records:-} ]]; then
    echo "soak: FAILED: no summary on orderbook's stderr"
    failed=1
    records=0 written=0 refused=0 lost_io=0 discarded=0 messages=0
fi
mapfile -t all_files < <(files_in_order)
lines=$(cat "${all_files[@]}" | wc -l)
check "lines in the files ($lines) = lines written ($written)" test "$lines" -eq "$written"
check "exit status $rc is 3 exactly when records were lost" \
    test "$rc" -eq $((refused + lost_io + discarded > 0 ? 3 : 0))
check "records ($records) = written + refused ($refused) + lost to I/O ($lost_io) + discarded ($discarded)" \
    test "$records" -eq $((written + refused + lost_io + discarded))
sent=$(wc -l <"$work/truth.jsonl")
drops=$(cat "${all_files[@]}" | grep -c '"event":"disconnected"' || true)
if ((drops == 0)); then
    check "every event sent ($sent) was received on each of $legs legs ($messages messages)" \
        test "$messages" -eq $((legs * sent))
else
    # A replacement overlaps the old connection for a few seconds (events arrive three
    # times); frames in flight when a connection dropped are lost to that leg.
    check "at least every event once ($sent), $messages messages, $drops disconnects" \
        test "$messages" -ge "$sent"
fi
resyncs=$(cat "${all_files[@]}" | grep -c '"event":"resync"' || true)
check "no resync ($resyncs) across $drops disconnects and replacements" test "$resyncs" -eq 0

# Every event accounted for: the truth and the records of each symbol, merged in u order.
# Types at one u sort truth (0), depth (1), resync (2, placed after the symbol's last
# record), snapshot (3).
# shellcheck disable=SC2016
extract_records='
{
    i = index($0, "\"event\":\""); if (i == 0) next
    rest = substr($0, i + 9); ev = substr(rest, 1, index(rest, "\"") - 1)
    if (ev != "depth" && ev != "snapshot" && ev != "resync") next
    i = index($0, "\"s\":\""); rest = substr($0, i + 5); s = substr(rest, 1, index(rest, "\"") - 1)
    if (ev == "resync") { print s, (s in pos ? pos[s] : 0), 2, "-"; next }
    if (ev == "depth") { r = substr($0, index($0, ",\"u\":") + 5); type = 1 }
    else { r = substr($0, index($0, "\"lastUpdateId\":") + 15); type = 3 }
    u = substr(r, 1, index(r, ",") - 1)
    b = substr($0, index($0, "\"bids\":")); b = substr(b, 1, length(b) - 1)
    pos[s] = u
    print s, u, type, b
}'
# shellcheck disable=SC2016
extract_truth='
{
    s = substr($0, 7, index(substr($0, 7), "\"") - 1)
    r = substr($0, index($0, "\"u\":") + 4); u = substr(r, 1, index(r, ",") - 1)
    b = substr($0, index($0, "\"bids\":")); b = substr(b, 1, length(b) - 1)
    print s, u, 0, b
}'
# shellcheck disable=SC2016
account='
function close_symbol() {
    if (cur == "") return
    tail += unmatched
    if (unmatched > 0 && bad < 5) { print "soak:   " cur ": " unmatched " events after its last record"; bad++ }
    if (snaps == 0 && bad < 5) { print "soak:   " cur ": never synced"; bad++; never++ }
    applied[cur] = rec_sym
}
$1 != cur {
    close_symbol()
    cur = $1; unmatched = 0; restart = 1; last_u = -1; last_b = ""; snaps = 0; rec_sym = 0
}
$3 == 0 { unmatched++; truth++; last_u = $2; last_b = $4; next }
$3 == 1 {
    if (last_u != $2) { mismatched++; if (bad++ < 5) print "soak:   " cur " depth " $2 ": no such event"; next }
    unmatched--
    if ($4 == last_b) { recorded++; rec_sym++ }
    else { mismatched++; if (bad++ < 5) print "soak:   " cur " depth " $2 ": differs from the truth" }
    if (unmatched > 0) { lost += unmatched; if (bad++ < 5) print "soak:   " cur " depth " $2 ": " unmatched " events before it skipped" }
    unmatched = 0
    next
}
$3 == 2 { restart = 1; resyncs++; next }
$3 == 3 {
    snaps++; snapshots++
    if (last_u == $2 && $4 != last_b) { mismatched++; if (bad++ < 5) print "soak:   " cur " snapshot " $2 ": differs from the truth" }
    if (restart) covered += unmatched
    else if (unmatched > 0) { lost += unmatched; if (bad++ < 5) print "soak:   " cur " snapshot " $2 ": jumped over " unmatched " events without a resync" }
    unmatched = 0; restart = 0
    next
}
END {
    close_symbol()
    for (s in applied) print "applied", s, applied[s] > out
    printf "soak: events: %d; recorded %d, in snapshots %d (%d snapshots, %d resyncs); lost %d, differing %d, missing at the end %d, symbols never synced %d\n", truth, recorded, covered, snapshots, resyncs, lost, mismatched, tail, never
    exit (lost + mismatched + tail + never > 0 || recorded + covered != truth) ? 1 : 0
}'
account_events() {
    {
        cat "${all_files[@]}" | awk "$extract_records"
        awk "$extract_truth" "$work/truth.jsonl"
    } | LC_ALL=C sort -S 512M -T "$work" -k1,1 -k2,2n -k3,3n |
        awk -v out="$work/applied.files" "$account"
}
check "every event is recorded equal to the truth or in a snapshot after a resync" account_events

# Each symbol's events applied in the summary (its JSON line: the human one lists only the
# symbols with something to say when there are many) against its depth records in the files.
grep '^{"summary":' "$err" | jq -r '.summary.symbols[] | "applied \(.s) \(.events)"' \
    | LC_ALL=C sort >"$work/applied.summary"
LC_ALL=C sort "$work/applied.files" -o "$work/applied.files"
check "each symbol's events applied (summary) = its depth records (files)" \
    cmp -s "$work/applied.summary" "$work/applied.files"
conns=$(grep -c '^ws ' "$work/server.log" || true)
problems=$(grep -v -e '^orderbook: summary: ' -e '^orderbook:   ' -e '^{"summary":' "$err" | grep -c . || true)
echo "soak: info: $conns websocket connections; $problems lines on orderbook's stderr besides the summary"
if ((refused + lost_io + discarded > 0)); then
    echo "soak: note: $refused records refused, $lost_io lost to I/O, $discarded discarded"
fi

if ((failed)); then
    echo "soak: FAILED ($minutes min, $market, $n_symbols symbols at $rate events/s)"
    exit 1
fi
ok=1
echo "soak: passed ($minutes min, $market, $n_symbols symbols at $rate events/s)"
