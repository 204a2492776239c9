#!/usr/bin/env bash
# Two switchboard binaries side by side on PostgreSQL: one server each, alternating, ROUNDS
# times, each run on a freshly created database, each with its own fixed-TwiML baseline.
#
#   bash bench/postgres-ab.sh OLD_BINARY NEW_BINARY [ROUNDS] [POSTGRES_URL_WITHOUT_DATABASE]
#   # e.g. git worktree add /tmp/old <commit> && (cd /tmp/old && cargo build --release)
#   #      bash bench/postgres-ab.sh /tmp/old/target/release/switchboard target/release/switchboard
#
# Needs psql; reads the postmaster's pid from its data directory for the database's CPU.
set -euo pipefail
a=$1; b=$2; rounds=${3:-3}; server=${4:-postgres://postgres@127.0.0.1:5432}
datadir=$(psql "$server/postgres" -XAtc 'show data_directory')
dbpid_arg=()
if dbpid=$(head -1 "$datadir/postmaster.pid" 2>/dev/null); then dbpid_arg=(--database-pid "$dbpid"); fi
for _ in $(seq "$rounds"); do
    for bin in "$a" "$b"; do
        psql "$server/postgres" -Xqc 'DROP DATABASE IF EXISTS switchboard_bench WITH (FORCE)' \
            -c 'CREATE DATABASE switchboard_bench' >/dev/null 2>&1
        "$bin" bench --callers 50 --calls 2000 --db "$server/switchboard_bench" "${dbpid_arg[@]}" --json 2>/dev/null |
            python3 -c '
import json, sys
r = json.load(sys.stdin)
ph = {p["name"]: p for p in r["phases"]}
w, b = ph["whole calls"], ph["fixed TwiML (baseline)"]
us = lambda v: "-" if v is None else "%.0f" % v
print("%-40s whole %6.0f  baseline %6.0f  ratio %.3f  p50 %5.2f  p99 %5.2f  server µs %4s  db µs %4s  errors %d" % (
    sys.argv[1], w["turns_per_sec"], b["turns_per_sec"], r["ratio_to_baseline"], w["latency"]["p50_ms"],
    w["latency"]["p99_ms"], us(w["server_cpu_us_per_turn"]), us(w["database_cpu_us_per_turn"]), w["errors"]))
' "$bin"
    done
done
psql "$server/postgres" -Xqc 'DROP DATABASE IF EXISTS switchboard_bench WITH (FORCE)' >/dev/null 2>&1
