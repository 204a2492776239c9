#!/bin/sh
# Scores the matcher on the Spanish and Mandarin bots of issue 19: all cases, then clean and
# noisy separately (cases.jsonl marks the noisy ones "noisy": true; nlu eval ignores the field).
# Run from the repository root after `cargo build --release`, or set SWITCHBOARD to a binary.
set -eu
bin=${SWITCHBOARD:-target/release/switchboard}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for lang in ${*:-es zh}; do
    flows=$here/$lang
    grep -v '"noisy": true' "$flows/cases.jsonl" > "$tmp/$lang-clean.jsonl"
    grep '"noisy": true' "$flows/cases.jsonl" > "$tmp/$lang-noisy.jsonl"
    echo "### $lang"
    "$bin" check --flows "$flows"
    for part in all clean noisy; do
        if [ "$part" = all ]; then cases=$flows/cases.jsonl; else cases=$tmp/$lang-$part.jsonl; fi
        echo
        echo "--- $lang, $part ($(grep -c . "$cases") cases)"
        "$bin" nlu eval --flows "$flows" --cases "$cases"
    done
    echo
done
