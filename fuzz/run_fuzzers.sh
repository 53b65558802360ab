#!/usr/bin/env bash
# Run every libFuzzer target for SECONDS each, one after the other, on its corpus.
#
#   fuzz/run_fuzzers.sh BUILD_DIR SECONDS
#
# BUILD_DIR is a build configured with -DDEPTHLOG_FUZZ=ON (CC=clang) and built. Each target
# starts from fuzz/corpus/<target>/ (committed seeds), fuzz/regressions/<target>/ (inputs of
# bugs found and fixed) and BUILD_DIR/fuzz-corpus/<target>/ (what earlier runs found; new
# inputs go there, the committed directories are only read). When the Binance capture is
# present in ../shared/data/binance-capture-2021-10-11 (next to the repository), seeds are
# also made from it at run time, in a temporary directory removed at exit: it is never
# copied into the repository. A crash, leak, timeout or broken invariant leaves its input in
# BUILD_DIR/fuzz-artifacts/<target>/ and makes the script exit 1, after the other targets.
# One summary line per target: executions, coverage, corpus size, result.
set -uo pipefail

if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -lt 1 ]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$(cd "$1" && pwd) || exit 2
seconds=$2
repo=$(cd "$(dirname "$0")/.." && pwd)
capture="$repo/../shared/data/binance-capture-2021-10-11"
targets=(depth_book snapshot config alog replay)

for t in "${targets[@]}"; do
    if [ ! -x "$build/bin/fuzz_$t" ]; then
        echo "$0: $build/bin/fuzz_$t missing: configure with CC=clang -DDEPTHLOG_FUZZ=ON and build" >&2
        exit 2
    fi
done

seeds=$(mktemp -d "${TMPDIR:-/tmp}/depthlog-fuzz-seeds-XXXXXX") || exit 2
trap 'rm -rf "$seeds"' EXIT

# Seeds from the capture: both files merged by receive time are one input of fuzz_depth_book
# (its line format is theirs), each symbol's lines alone another; each snapshot body alone
# is an input of fuzz_snapshot.
if [ -r "$capture/frames.txt" ] && [ -r "$capture/snapshots.txt" ]; then
    mkdir -p "$seeds/depth_book" "$seeds/snapshot"
    sort -s -n -k1,1 "$capture/frames.txt" "$capture/snapshots.txt" >"$seeds/depth_book/capture"
    for sym in $(awk '{print $2}' "$capture/snapshots.txt"); do
        lower=$(printf '%s' "$sym" | tr 'A-Z' 'a-z')
        grep -e " $sym {" -e "\"$lower@depth" "$seeds/depth_book/capture" >"$seeds/depth_book/capture-$sym" || true
    done
    awk '{ sub(/^[^ ]+ [^ ]+ /, ""); print > (dir "/" NR ".json") }' dir="$seeds/snapshot" \
        "$capture/snapshots.txt"
    echo "seeds from $capture: $(ls "$seeds/depth_book" | wc -l) frame sequences, $(ls "$seeds/snapshot" | wc -l) snapshots"
else
    echo "no capture at $capture: committed seeds only"
fi

# The largest input each target may build; the capture's merged frames are about 180 KB.
max_len() {
    case $1 in
    depth_book) echo 262144 ;;
    replay) echo 262144 ;;
    snapshot) echo 65536 ;;
    config) echo 8192 ;;
    alog) echo 4096 ;;
    esac
}

failed=0
summary=()
for t in "${targets[@]}"; do
    work="$build/fuzz-corpus/$t"
    artifacts="$build/fuzz-artifacts/$t"
    log="$build/fuzz-logs/$t.log"
    mkdir -p "$work" "$artifacts" "$(dirname "$log")"
    dirs=("$work" "$repo/fuzz/corpus/$t")
    [ -d "$repo/fuzz/regressions/$t" ] && dirs+=("$repo/fuzz/regressions/$t")
    [ -d "$seeds/$t" ] && dirs+=("$seeds/$t")
    # fuzz_replay reads each input also as fuzz_depth_book's lines: their seeds are its own.
    if [ "$t" = replay ]; then
        dirs+=("$repo/fuzz/corpus/depth_book")
        [ -d "$seeds/depth_book" ] && dirs+=("$seeds/depth_book")
    fi
    echo "== fuzz_$t for ${seconds}s (log: $log)"
    started=$SECONDS
    "$build/bin/fuzz_$t" -max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=25 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        "${dirs[@]}" >"$log" 2>&1
    rc=$?
    took=$((SECONDS - started))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    status=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
    corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$status")
    if [ "$rc" -eq 0 ]; then
        result=ok
    else
        artifact=$(ls -t "$artifacts" | head -1)
        result="FAILED (exit $rc), log $log${artifact:+, input $artifacts/$artifact}"
        failed=1
        grep -m1 -E 'ERROR: |invariant broken|runtime error' "$log" | sed 's/^/    /'
    fi
    line=$(printf 'fuzz_%-10s %10s executions in %ss, coverage %s edges (%s features), corpus %s: %s' \
        "$t" "${execs:-?}" "$took" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result")
    echo "$line"
    summary+=("$line")
done

echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$failed"
