#!/usr/bin/env bash
# Issue 16's measurements: SQLite, one PostgreSQL-backed server, two PostgreSQL-backed servers
# on one database, and one server with unprepared statements — alternated, ROUNDS times, each
# run against a fresh database, each with its own fixed-TwiML baseline measured in the same run.
#
#   bash bench/postgres.sh [ROUNDS] [POSTGRES_URL_WITHOUT_DATABASE]
#   # defaults: 3 rounds, postgres://postgres@127.0.0.1:5432 ; about 4 minutes on 2 cores
#
# Needs a release build (made here), psql, and PostgreSQL on this machine (its postmaster's pid
# is read from its data directory, to count the database's CPU per turn; run as a user who can
# read it, or the db µs column stays empty). Everything runs on loopback, on one machine: the
# servers, the database and the load tool share its cores (see BENCHMARKS.md for what that can
# and cannot show).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
server=${2:-postgres://postgres@127.0.0.1:5432}
cargo build --release --quiet
sb=$PWD/target/release/switchboard
callers=50
calls=2000
datadir=$(psql "$server/postgres" -XAtc 'show data_directory')
dbpid=$(head -1 "$datadir/postmaster.pid" 2>/dev/null || true)
dbpid_arg=()
[ -n "$dbpid" ] && dbpid_arg=(--database-pid "$dbpid")
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; cat "$work/bench.err" >&2 2>/dev/null; rm -rf "$work"' EXIT

fresh() {
    psql "$server/postgres" -Xqc 'DROP DATABASE IF EXISTS switchboard_bench WITH (FORCE)' -c 'CREATE DATABASE switchboard_bench' >/dev/null 2>&1
    echo "$server/switchboard_bench"
}

# Starts `serve` on $1 with the baseline route and any further arguments; prints "PID ADDR".
start() {
    local db=$1; shift
    local log; log=$(mktemp -p "$work")
    "$sb" serve --listen 127.0.0.1:0 --baseline-route --db "$db" "$@" 2>"$log" &
    local pid=$!
    for _ in $(seq 100); do
        if addr=$(grep -o 'listening on http://[0-9.:]*' "$log" | head -1 | sed 's|listening on ||'); [ -n "$addr" ]; then
            echo "$pid $addr"; return
        fi
        sleep 0.1
    done
    echo "server did not start: $(cat "$log")" >&2; exit 1
}

row() { python3 -c '
import json, sys
r = json.load(sys.stdin)
ph = {p["name"]: p for p in r["phases"]}
b, w = ph["fixed TwiML (baseline)"], ph["whole calls"]
l, a = w["latency"], r["answers"]
us = lambda v: "-" if v is None else "%.0f" % v
print("%-34s %7.0f %8.0f %6.3f %7.2f %7.2f %7s %7s  %d/%d saved, errors %d" % (
    sys.argv[1], w["turns_per_sec"], b["turns_per_sec"], r["ratio_to_baseline"],
    l["p50_ms"], l["p99_ms"], us(w["server_cpu_us_per_turn"]), us(w["database_cpu_us_per_turn"]),
    a["saved"], a["checked"], w["errors"]))
' "$1"; }

echo "== machine"; nproc; uptime
echo "config                             turns/s baseline  ratio p50 ms  p99 ms  srv µs   db µs"
for round in $(seq "$rounds"); do
    echo "-- round $round"
    # SQLite lives in the server process: its CPU is in the server column.
    "$sb" bench --callers $callers --calls $calls --json 2>>"$work/bench.err" | row "SQLite, 1 server"

    db=$(fresh)
    "$sb" bench --callers $callers --calls $calls --db "$db" --json "${dbpid_arg[@]}" 2>/dev/null | row "PostgreSQL, 1 server"

    db=$(fresh)
    read -r pid_a addr_a < <(start "$db")
    read -r pid_b addr_b < <(start "$db")
    "$sb" bench --callers $callers --calls $calls --db "$db" --json "${dbpid_arg[@]}" \
        --target "$addr_a" --pid "$pid_a" --target "$addr_b" --pid "$pid_b" 2>>"$work/bench.err" |
        row "PostgreSQL, 2 servers"
    kill "$pid_a" "$pid_b"; wait "$pid_a" "$pid_b" 2>/dev/null || true

    db=$(fresh)
    "$sb" bench --callers $callers --calls $calls --db "$db" --json "${dbpid_arg[@]}" \
        --serve-arg=--db-no-prepared-statements 2>>"$work/bench.err" | row "PostgreSQL, 1 server, unprepared"
done
psql "$server/postgres" -Xqc 'DROP DATABASE IF EXISTS switchboard_bench WITH (FORCE)' >/dev/null 2>&1
