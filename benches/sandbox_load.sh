#!/usr/bin/env bash
# Sandbox throughput: build wacast in release mode, start `wacast sandbox` on a
# free loopback port, and POST one valid send body with wrk for a fixed time,
# a fixed number of runs. Prints each run's requests/s and the median, the
# figure BENCHMARKS.md records and apply's throughput is compared against.
#
#   benches/sandbox_load.sh            # 3 runs of 10 s, 2 threads, 64 connections
#   RUNS=1 DURATION=5s benches/sandbox_load.sh
#
# Only 127.0.0.1 is ever targeted. wrk is installed with apt when missing and
# the script runs as root.
set -euo pipefail

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
if (( RUNS < 1 || RUNS > 10 )); then
    echo "RUNS must be between 1 and 10" >&2
    exit 2
fi

cd "$(dirname "$0")/.."

if ! command -v wrk > /dev/null; then
    if [[ $(id -u) == 0 ]] && command -v apt-get > /dev/null; then
        apt-get install -y wrk > /dev/null 2>&1 || { apt-get update > /dev/null && apt-get install -y wrk > /dev/null; }
    else
        echo "wrk is missing: install it (e.g. \`apt-get install wrk\`)" >&2
        exit 1
    fi
fi

cargo build --release --quiet --bin wacast

work=$(mktemp -d)
sandbox_pid=""
cleanup() {
    if [[ -n $sandbox_pid ]]; then
        kill -INT "$sandbox_pid" 2> /dev/null || true
        wait "$sandbox_pid" 2> /dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

target/release/wacast sandbox --listen 127.0.0.1:0 2> "$work/sandbox.log" &
sandbox_pid=$!
base_url=""
for _ in $(seq 50); do
    base_url=$(sed -n 's/^sandbox listening on \(http:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' "$work/sandbox.log")
    [[ -n $base_url ]] && break
    sleep 0.1
done
if [[ -z $base_url ]]; then
    echo "the sandbox did not start:" >&2
    cat "$work/sandbox.log" >&2
    exit 1
fi

body=$(tr -d '\n' < tests/fixtures/sandbox/valid/image_header.json)
cat > "$work/send.lua" <<LUA
wrk.method = "POST"
wrk.body = [[$body]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sandbox-token"
LUA

url="$base_url/whatsapp/v1/sandbox-bot/messages"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION -s send.lua $url"
rates=()
for run in $(seq "$RUNS"); do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$work/send.lua" "$url" > "$work/wrk.txt"
    if grep -q "Non-2xx" "$work/wrk.txt"; then
        echo "run $run: some answers were not 201:" >&2
        cat "$work/wrk.txt" >&2
        exit 1
    fi
    rate=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt")
    latency=$(awk '/^    Latency/ {print $2}' "$work/wrk.txt")
    echo "run $run: $rate requests/s (mean latency $latency)"
    rates+=("$rate")
done
median=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median: $median requests/s over $RUNS runs"
curl -s "$base_url/_sandbox/stats" > "$work/stats.json" 2> /dev/null && echo "sandbox stats: $(cat "$work/stats.json")" || true
