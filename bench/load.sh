#!/usr/bin/env bash
# The load measurements of BENCHMARKS.md, in one session, in the order they are reported.
#
#   bash bench/load.sh [ROUNDS]        # default 3 rounds; about 6 minutes on 2 cores
#
# Needs a release build (made here). Every comparison is between numbers taken in the same run
# or in alternating runs a few seconds apart: the machines are shared and noisy, so absolute
# numbers move by tens of percent from one minute to the next while ratios hold.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
cargo build --release --quiet
sb=target/release/switchboard

summary() { python3 bench/summary.py; }

echo "== machine"; nproc; uptime
echo "== 1. throughput: whole calls vs the fixed-TwiML baseline (200 callers, no think time)"
$sb bench --callers 200 --calls 4000 --rounds "$rounds" --json 2>/dev/null | summary

echo "== 2. latency with realistic pauses (200 callers, 1 s mean between turns)"
$sb bench --callers 200 --calls 600 --think-ms 1000 --json 2>/dev/null | summary

echo "== 3. group commit: --max-batch 1 (a transaction and fsync per turn) vs the default 64"
for i in $(seq "$rounds"); do
    for batch in 1 64; do
        echo " max-batch $batch"
        $sb bench --callers 200 --calls 2000 --no-baseline --serve-arg=--max-batch=$batch --json 2>/dev/null | summary
    done
done

echo "== 4. open calls: 10,000 calls waiting mid-question vs 100 (same phases, same order)"
for i in $(seq "$rounds"); do
    for open in 100 10000; do
        echo " open $open"
        $sb bench --callers 200 --calls 4000 --no-baseline --open-calls $open --json 2>/dev/null | summary
    done
done

echo "== 5. how cost grows with callers (no think time)"
for callers in 20 200 1000; do
    echo " callers $callers"
    $sb bench --callers $callers --calls 4000 --json 2>/dev/null | summary
done
