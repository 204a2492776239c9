#!/usr/bin/env python3
"""Kill the server mid-call, again and again, and check nothing acknowledged was lost.

Runs `switchboard serve` on loopback ports and drives many concurrent registration calls
against it (greeting, "register", a name, a phone number, goodbye) while a killer thread sends
SIGKILL at random moments and restarts the server on the same database. A caller whose webhook
fails retries it, as Twilio does, with the same I-Twilio-Idempotency-Token.

On SQLite (the default, a new file in a temp dir) one server runs. With `--db postgres://…`
two run on one database (`--servers` to change), each webhook goes to either at random, as
behind a load balancer, and the killer picks its victim at random; the run gets a schema of its
own in that database (made with `psql`, dropped at the end unless --keep).

At the end it checks:
  * every collect acknowledged to a caller ("Thank you, <name>.") is saved exactly once, complete,
    with the caller's own answers (read with `switchboard collected`, as an operator would);
  * no acknowledged call is left hanging (each ended with its goodbye);
  * SQLite: PRAGMA integrity_check says ok.

Usage (from the repository root; the standard library, and psql for PostgreSQL):
    cargo build --release
    python3 scripts/crash_test.py --switchboard target/release/switchboard --calls 200 --kills 20
    python3 scripts/crash_test.py --switchboard target/release/switchboard \
        --db postgres://postgres@127.0.0.1:5432/test --calls 200 --kills 20

Exit status 0 when every check passes. Only loopback addresses are used; every loop is bounded.
"""

import argparse
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import json


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One switchboard process at a time, restartable on the same port and database."""

    def __init__(self, binary, flows, db, port):
        self.args = [binary, "serve", "--listen", f"127.0.0.1:{port}", "--flows", flows, "--db", db]
        self.port = port
        self.proc = None
        self.lock = threading.Lock()

    def start(self):
        with self.lock:
            self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("server did not start within 10 s")

    def kill(self):
        with self.lock:
            if self.proc and self.proc.poll() is None:
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait()

    def stop(self):
        with self.lock:
            if self.proc and self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=10)


def post(servers, path, form, token, give_up_at):
    """POSTs until a 200 arrives, to any server (one may be dead or restarting), like Twilio's
    retry of a delivery behind a load balancer."""
    body = urllib.parse.urlencode(form).encode()
    while time.time() < give_up_at:
        port = random.choice(servers).port
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "I-Twilio-Idempotency-Token": token},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.read().decode()
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(0.05)
    raise RuntimeError(f"no answer from the servers for {path} before the deadline")


def call(servers, n, acknowledged, give_up_at):
    sid = f"CA{n:032d}"
    name = random.choice(["Jason", "Maria", "Priya", "Tomas", "Aiko", "Lena", "Omar", "Sofia"])
    phone = f"415{n:07d}"
    steps = [
        ("/voice", {"CallSid": sid, "From": f"+1555{n:07d}", "To": "+15559990000"}),
        ("/voice/gather", {"CallSid": sid, "SpeechResult": "I'd like to register"}),
        ("/voice/gather", {"CallSid": sid, "SpeechResult": f"my name is {name}"}),
        ("/voice/gather", {"CallSid": sid, "Digits": phone}),
        ("/voice/gather", {"CallSid": sid, "SpeechResult": "goodbye"}),
    ]
    for i, (path, form) in enumerate(steps):
        reply = post(servers, path, form, f"{sid}-{i}", give_up_at)
        if i == 3 and f"Thank you, {name}." in reply:
            acknowledged[sid] = (name, phone)


def psql(url, sql):
    """Runs one statement with psql and returns its unaligned output lines."""
    out = subprocess.run(["psql", url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if line]


def with_search_path(url, schema):
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-c%20search_path%3D{schema}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--switchboard", required=True, help="path to the switchboard binary")
    parser.add_argument("--flows", default="flows")
    parser.add_argument("--db", help="a postgres:// URL (default: a new SQLite file in a temp dir)")
    parser.add_argument("--servers", type=int, help="servers on the database (SQLite: 1; PostgreSQL: 2 by default)")
    parser.add_argument("--keep", action="store_true", help="PostgreSQL: keep the run's schema")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-seconds", type=int, default=300, help="hard bound on the whole run")
    args = parser.parse_args()
    random.seed(args.seed)
    give_up_at = time.time() + args.max_seconds

    postgres = bool(args.db) and args.db.startswith(("postgres://", "postgresql://"))
    if args.db and not postgres:
        parser.error("--db takes a postgres:// URL; SQLite runs use a new file of their own")
    servers_wanted = args.servers or (2 if postgres else 1)
    if not postgres and servers_wanted != 1:
        parser.error("one server per SQLite file: --servers needs --db postgres://…")
    schema = None
    if postgres:
        schema = f"crash_{os.getpid()}_{int(time.time())}"
        psql(args.db, f"CREATE SCHEMA {schema}")
        db = with_search_path(args.db, schema)
    else:
        work = tempfile.mkdtemp(prefix="switchboard-crash-")
        db = os.path.join(work, "crash.db")
    servers = [Server(args.switchboard, args.flows, db, free_port()) for _ in range(servers_wanted)]
    for server in servers:
        server.start()

    acknowledged = {}
    next_call = iter(range(args.calls))
    next_lock = threading.Lock()
    errors = []

    def worker():
        while True:
            with next_lock:
                n = next(next_call, None)
            if n is None:
                return
            try:
                call(servers, n, acknowledged, give_up_at)
            except Exception as e:  # report, don't hang
                errors.append(f"call {n}: {e}")

    kills = 0
    done = threading.Event()

    def killer():
        nonlocal kills
        while kills < args.kills and not done.is_set() and time.time() < give_up_at:
            time.sleep(random.uniform(0.05, 0.4))
            if done.is_set():
                return
            victim = random.choice(servers)
            victim.kill()
            kills += 1
            victim.start()

    started = time.time()
    workers = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    chaos = threading.Thread(target=killer)
    chaos.start()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    done.set()
    chaos.join()
    for server in servers:
        server.stop()
    elapsed = time.time() - started

    # What an operator would read: `switchboard collected`, on either database.
    out = subprocess.run([args.switchboard, "collected", "--db", db, "--format", "json"],
                         check=True, capture_output=True, text=True)
    rows = json.loads(out.stdout)
    by_call = {}
    for row in rows:
        by_call.setdefault(row["session"], []).append((row["status"], row["answers"]))
    lost, duplicated, wrong = [], [], []
    for sid, (name, phone) in acknowledged.items():
        saved = [r for r in by_call.get(sid, []) if r[0] == "complete"]
        if not saved:
            lost.append(sid)
        elif len(by_call[sid]) > 1:
            duplicated.append(sid)
        else:
            values = {a["question"]: a["value"] for a in saved[0][1]}
            # Keyed as ten digits, saved as E.164 (the bot's question is a Twilio.PHONE_NUMBER).
            if values != {"user_name": name, "user_phone_number": "+1" + phone}:
                wrong.append((sid, values))
    if postgres:
        integrity = "ok (PostgreSQL's own)"
        open_sessions = set(psql(db, "SELECT key FROM sessions WHERE NOT ended"))
        if not args.keep:
            psql(args.db, f"DROP SCHEMA {schema} CASCADE")
    else:
        conn = sqlite3.connect(db)
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        open_sessions = {key for (key, state) in conn.execute("SELECT key, state FROM sessions")
                         if not json.loads(state).get("ended")}
    stuck = [key for key in open_sessions if key in acknowledged]

    store = f"PostgreSQL, {len(servers)} servers" if postgres else "SQLite, 1 server"
    print(f"{store}; calls: {args.calls}, acknowledged: {len(acknowledged)}, kills: {kills}, seconds: {elapsed:.1f}")
    print(f"collected rows: {len(rows)}, lost: {len(lost)}, duplicated: {len(duplicated)}, wrong: {len(wrong)}, stuck sessions: {len(stuck)}")
    print(f"integrity_check: {integrity}; client errors: {len(errors)}")
    for e in errors[:5]:
        print(f"  {e}")
    ok = integrity.startswith("ok") and not lost and not duplicated and not wrong and not stuck and not errors and len(acknowledged) == args.calls
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
