#!/bin/sh
# Scores the matcher on the Spanish and Mandarin bots of issue 19: all cases, then clean and
# noisy separately (cases.jsonl marks the noisy ones "noisy": true; nlu eval ignores the field).
# The development bots (es, zh) first, then the held-out ones (holdout/*, see
# holdout/README.md). Run from the repository root after `cargo build --release`, or set
# SWITCHBOARD to a binary. Arguments name folders under bench/nlu/languages (default: all).
set -eu
bin=${SWITCHBOARD:-target/release/switchboard}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for set in ${*:-es zh holdout/es-taller holdout/es-taqueria holdout/zh-canting holdout/zh-kuandai}; do
    flows=$here/$set
    name=$(echo "$set" | tr / -)
    grep -v '"noisy": true' "$flows/cases.jsonl" > "$tmp/$name-clean.jsonl"
    grep '"noisy": true' "$flows/cases.jsonl" > "$tmp/$name-noisy.jsonl"
    echo "### $set"
    "$bin" check --flows "$flows"
    for part in all clean noisy; do
        if [ "$part" = all ]; then cases=$flows/cases.jsonl; else cases=$tmp/$name-$part.jsonl; fi
        echo
        echo "--- $set, $part ($(grep -c . "$cases") cases)"
        "$bin" nlu eval --flows "$flows" --cases "$cases"
    done
    echo
done
