#!/usr/bin/env python3
"""Prints a `switchboard bench --json` report (read on stdin) as a few aligned lines."""
import json
import sys

r = json.load(sys.stdin)
for p in r["phases"]:
    l = p["latency"]
    print(f"  {p['name']:<28} {p['turns_per_sec']:>8.0f} turns/s  p50 {l['p50_ms']:6.2f}"
          f"  p95 {l['p95_ms']:6.2f}  p99 {l['p99_ms']:6.2f}  max {l['max_ms']:7.2f} ms"
          f"  errors {p['errors']}")
for key in ("ratio_to_baseline", "ratio_with_open_calls"):
    if r.get(key):
        print(f"  {key}: {r[key]:.3f}")
if len(r.get("ratios_to_baseline") or []) > 1:
    print("  rounds: " + " ".join(f"{x:.3f}" for x in r["ratios_to_baseline"]))
a = r.get("answers")
if a:
    print(f"  answers: {a['saved']}/{a['checked']} saved once, {a['missing']} missing,"
          f" {a['duplicated']} duplicated")
for key in ("memory_with_open_calls", "memory"):
    m = r.get(key)
    if m:
        print(f"  {key}: rss {m['rss'] / 2**20:.1f} MB, peak {m['peak'] / 2**20:.1f} MB")
