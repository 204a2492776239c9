#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time (default 60 s each).
#   scripts/fuzz.sh [SECONDS]
# A crash leaves its input under fuzz/artifacts/<target>/: turn it into a regression test
# (a unit test feeding that input to the same function) before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz
# cargo-fuzz needs nightly-only sanitizer flags; the stable toolchain accepts them this way.
export RUSTC_BOOTSTRAP=1
for target in webhook fields flow_loader; do
    echo "== fuzzing $target for ${seconds}s"
    cargo fuzz run "$target" -- -max_total_time="$seconds" -max_len=8192
done
