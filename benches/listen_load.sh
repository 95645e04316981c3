#!/usr/bin/env bash
# Listener throughput: build wacast in release mode, start `wacast listen` on a
# free loopback port with a journal seeded with N sent recipients, and POST
# delivery reports with wrk for a fixed time, a fixed number of runs. Every
# request carries a report not seen before (message ids rotate over the
# recipients, states advance queued → read per round), so each one is matched,
# recorded and committed before its 200. Prints each run's callbacks/s and the
# median, the figure BENCHMARKS.md records.
#
#   benches/listen_load.sh             # 3 runs of 10 s, 2 threads, 64 connections
#   RUNS=1 DURATION=5s benches/listen_load.sh
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test benches/listen_load.sh
#
# With DATABASE_URL the journal is PostgreSQL, in a schema of its own
# (created by the listener, seeded and dropped with psql); without it, SQLite
# in a temporary folder (seeded with sqlite3).
#
# Only 127.0.0.1 is ever targeted. wrk is installed with apt when missing and
# the script runs as root.
set -euo pipefail

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
RECIPIENTS=${RECIPIENTS:-200000}
if (( RUNS < 1 || RUNS > 10 )); then
    echo "RUNS must be between 1 and 10" >&2
    exit 2
fi

cd "$(dirname "$0")/.."

DATABASE_URL=${DATABASE_URL:-}
if [[ -n $DATABASE_URL ]]; then client=psql; else client=sqlite3; fi

for tool in wrk $client; do
    if ! command -v $tool > /dev/null; then
        if [[ $(id -u) == 0 ]] && command -v apt-get > /dev/null; then
            apt-get install -y $tool > /dev/null 2>&1 || { apt-get update > /dev/null && apt-get install -y $tool > /dev/null; }
        else
            echo "$tool is missing: install it (e.g. \`apt-get install $tool\`)" >&2
            exit 1
        fi
    fi
done

cargo build --release --quiet --bin wacast

work=$(mktemp -d)
listen_pid=""
cleanup() {
    if [[ -n $listen_pid ]]; then
        kill -INT "$listen_pid" 2> /dev/null || true
        wait "$listen_pid" 2> /dev/null || true
    fi
    if [[ -n $DATABASE_URL ]]; then
        psql -q "$DATABASE_URL" -c "DROP SCHEMA IF EXISTS $schema CASCADE" > /dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Runs SQL against the journal, printing bare values.
schema="wacast_bench_$$"
journal_sql() {
    if [[ -n $DATABASE_URL ]]; then
        psql -q -t -A -v ON_ERROR_STOP=1 "$DATABASE_URL" -c "SET search_path TO $schema; $1"
    else
        sqlite3 "$work/state/journal.sqlite" "PRAGMA busy_timeout = 5000;" "$1" | tail -n +2
    fi
}
if [[ -n $DATABASE_URL ]]; then
    separator='?'
    [[ $DATABASE_URL == *\?* ]] && separator='&'
    state="$DATABASE_URL${separator}schema=$schema"
else
    state="$work/state"
fi

# The campaign the seeded recipients belong to, so the listener makes the
# journal for it (it refuses to listen on a state without one).
mkdir "$work/campaign"
cp campaigns/spring-promo/audience.csv "$work/campaign/"
sed 's/^name: .*/name: bench/' campaigns/spring-promo/campaign.yaml > "$work/campaign/campaign.yaml"

target/release/wacast listen --listen 127.0.0.1:0 --state "$state" --campaign "$work/campaign/campaign.yaml" 2> "$work/listen.log" &
listen_pid=$!
base_url=""
for _ in $(seq 50); do
    base_url=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' "$work/listen.log")
    [[ -n $base_url ]] && break
    sleep 0.1
done
if [[ -z $base_url ]]; then
    echo "the listener did not start:" >&2
    cat "$work/listen.log" >&2
    exit 1
fi

# The listener created the journal; seed it as apply would leave it.
if [[ -n $DATABASE_URL ]]; then
    journal_sql "INSERT INTO recipients (campaign, phone, line, digest, state, message_id, attempts,
                     http_status, planned_run, sent_digest, updated_at)
                 SELECT 'bench', 447911000000 + i, i + 2, '\\x00', 'sent', 'm' || i, 1, 201, 1,
                     '\\x00', '2026-11-21T00:00:00Z' FROM generate_series(0, $RECIPIENTS - 1) AS i;
                 ANALYZE;" > /dev/null
else
    journal_sql "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $RECIPIENTS)
                 INSERT INTO recipients (campaign, phone, line, digest, state, message_id, attempts,
                     http_status, planned_run, sent_digest, updated_at)
                 SELECT 'bench', 447911000000 + i, i + 2, x'00', 'sent', 'm' || i, 1, 201, 1, x'00',
                     '2026-11-21T00:00:00Z' FROM n;" > /dev/null
fi

cat > "$work/report.lua" <<LUA
local states = {"queued", "dispatched", "sent", "delivered", "read"}
local threads = 0
local counter = 0
function setup(thread)
    thread:set("tid", threads)
    threads = threads + 1
end
function request()
    counter = counter + 1
    local k = counter * $THREADS + tid + run_offset
    local r = k % $RECIPIENTS
    local s = math.floor(k / $RECIPIENTS) % 5 + 1
    local body = string.format(
        '{"type":"whatsapp","statuses":[{"status":"success","state":"%s","message_id":"m%d","recipient":"+%d","timestamp":"2026-11-21T10:00:00Z"}]}',
        states[s], r, 447911000000 + r)
    return wrk.format("POST", "/callbacks/bench", {["Content-Type"] = "application/json"}, body)
end
LUA

# Reports recorded: a bit of `recipients.reported` per delivery state
# reported for a recipient's message, and the reports kept as events.
REPORTS_SQL="SELECT (SELECT COALESCE(SUM(((reported >> 1) & 1) + ((reported >> 2) & 1)
                 + ((reported >> 3) & 1) + ((reported >> 4) & 1) + ((reported >> 5) & 1)
                 + ((reported >> 6) & 1)), 0) FROM recipients)
             + (SELECT COUNT(*) FROM delivery_events)"

url="$base_url/callbacks/bench"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION -s report.lua $url   ($RECIPIENTS recipients, journal: ${client/psql/PostgreSQL})"
rates=()
for run in $(seq "$RUNS"); do
    # Each run starts where the last could not have reached, so its reports are new.
    sed "s/^local counter = 0/local counter = 0\nrun_offset = $(( (run - 1) * RECIPIENTS * 5 / RUNS ))/" "$work/report.lua" > "$work/run.lua"
    before=$(journal_sql "$REPORTS_SQL")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$work/run.lua" "$url" > "$work/wrk.txt"
    if grep -q "Non-2xx" "$work/wrk.txt"; then
        echo "run $run: some answers were not 200:" >&2
        cat "$work/wrk.txt" >&2
        exit 1
    fi
    after=$(journal_sql "$REPORTS_SQL")
    rate=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt")
    latency=$(awk '/^    Latency/ {print $2}' "$work/wrk.txt")
    echo "run $run: $rate callbacks/s (mean latency $latency), $(( after - before )) new reports in the journal"
    rates+=("$rate")
done
median=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median: $median callbacks/s over $RUNS runs"
