#!/usr/bin/env python3
"""Switchboard beside a hand-written Flask webhook, measured in one session on one machine.

Runs `switchboard bench` against, in turn: Switchboard's own server (with its fixed-TwiML
baseline), the Flask app in bench/flask on Flask's built-in threaded server, and the same app
under gunicorn (one process, eight threads: its state is an in-memory dict). Every target gets
the same simulated callers, calls and think time; the rounds alternate targets so that a noisy
minute on a shared machine spreads over all of them. Prints a Markdown table of medians.

    python3 bench/compare.py --switchboard target/release/switchboard \
        --python /work/flask-venv/bin/python [--callers 200] [--calls 2000] [--rounds 3]

The venv needs bench/flask/requirements.txt installed (see bench/flask/README.md).
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FLASK_DIR = os.path.join(HERE, "flask")
PORT = 5055


def wait_for_port(port, proc, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode} before listening")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    sys.exit(f"nothing listening on {port} after {seconds} s")


def bench(switchboard, extra):
    out = subprocess.run([switchboard, "bench", "--json", *extra],
                         capture_output=True, text=True)
    if not out.stdout.strip():
        sys.exit(f"bench failed:\n{out.stderr}")
    return json.loads(out.stdout)


def run_flask(args, server):
    python = args.python
    if server == "flask":
        cmd = [python, "-c",
               f"import app; app.app.run(host='127.0.0.1', port={PORT}, threaded=True)"]
    else:
        gunicorn = os.path.join(os.path.dirname(python), "gunicorn")
        cmd = [gunicorn, "-w", "1", "--threads", "8", "--no-control-socket",
               "-b", f"127.0.0.1:{PORT}", "app:app"]
    proc = subprocess.Popen(cmd, cwd=FLASK_DIR, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for_port(PORT, proc)
        pid = proc.pid
        if server == "gunicorn":
            # The app runs in gunicorn's worker, a child of the process started here.
            children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                      text=True).stdout.split()
            pid = int(children[0]) if children else pid
        return bench(args.switchboard, [
            "--target", f"http://127.0.0.1:{PORT}", "--pid", str(pid), "--no-baseline",
            *common(args)])
    finally:
        proc.terminate()
        proc.wait()


def common(args):
    return ["--callers", str(args.callers), "--calls", str(args.calls),
            "--think-ms", str(args.think_ms)]


def phase(report, name):
    return next(p for p in report["phases"] if p["name"] == name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--switchboard", required=True)
    parser.add_argument("--python", required=True, help="the venv's python")
    parser.add_argument("--callers", type=int, default=200)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--think-ms", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    rows = {k: [] for k in ("baseline", "switchboard", "flask", "gunicorn")}
    for round_no in range(args.rounds):
        print(f"round {round_no + 1} of {args.rounds}", file=sys.stderr)
        report = bench(args.switchboard, common(args))
        rows["baseline"].append((phase(report, "fixed TwiML (baseline)"), report))
        rows["switchboard"].append((phase(report, "whole calls"), report))
        for server in ("flask", "gunicorn"):
            report = run_flask(args, server)
            rows[server].append((phase(report, "whole calls"), report))

    names = {
        "baseline": "axum, fixed TwiML (no engine, no database)",
        "switchboard": "Switchboard, whole calls (SQLite, fsync per commit)",
        "flask": "Flask built-in server, in-memory dict",
        "gunicorn": "Flask on gunicorn (1 process × 8 threads), in-memory dict",
    }
    sb = statistics.median(p["turns_per_sec"] for p, _ in rows["switchboard"])
    print(f"\n{args.callers} callers, think {args.think_ms} ms, {args.calls} calls × 5 turns, "
          f"{args.rounds} rounds (medians)\n")
    print("| server | turns/s | p50 ms | p99 ms | max ms | errors | peak memory | "
          "Switchboard's throughput ÷ this |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for key, label in names.items():
        phases = rows[key]
        med = lambda f: statistics.median(f(p, r) for p, r in phases)
        tps = med(lambda p, r: p["turns_per_sec"])
        peak = med(lambda p, r: (r.get("memory") or {}).get("peak", 0)) / 2**20
        print(f"| {label} | {tps:,.0f} | {med(lambda p, r: p['latency']['p50_ms']):.2f} | "
              f"{med(lambda p, r: p['latency']['p99_ms']):.2f} | "
              f"{med(lambda p, r: p['latency']['max_ms']):.1f} | "
              f"{sum(p['errors'] for p, _ in phases)} | {peak:.1f} MB | {sb / tps:.2f} |")


if __name__ == "__main__":
    main()
