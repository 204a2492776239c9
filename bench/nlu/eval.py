#!/usr/bin/env python3
"""Switchboard intent matcher vs a TF-IDF + logistic-regression baseline.

Run (from the repository root; needs Python 3.11 and scikit-learn):

    pip install scikit-learn
    CARGO_TARGET_DIR=/tmp/nlu-target cargo build --release
    python3 bench/nlu/eval.py --switchboard /tmp/nlu-target/release/switchboard

Options: --assistants GLOB (default /work/shared/autopilot/Assistants/*/schema.json),
--per-assistant (also print a table per assistant), --calibration-only (print only the
calibration sweeps, used to choose MatcherConfig::default()).

What it does (see bench/nlu/RESULTS.md):

1. Calibration, on hand-written data only (bench/nlu/calib_data.json: four small assistants,
   plus their union, each task with 10 samples and 4 held-out paraphrases, and 40 out-of-scope
   requests). It chooses the baseline's C and decline threshold, and prints the threshold/margin
   sweep for Switchboard (the shipped default is read from this sweep, not from the test data).
2. Test, on every Autopilot assistant: leave-two-out per task (fold k holds out samples 2k and
   2k+1 of every task; training is the next 10 remaining samples in cyclic order; every sample
   is held out exactly once), plus the 40 out-of-scope requests of bench/nlu/oos_eval.txt in
   every fold. A noisy copy of every test utterance (lower-case, no punctuation, ~30% of words
   dropped / merged with the next / misspelt by one edit / swapped for a homophone, fixed seed)
   gives the noisy condition. Both systems see exactly the same training samples and test text.

Switchboard runs through its command line: each split's training samples are written as an
Autopilot export (schema.json shape) and the test utterances piped into
`switchboard nlu match --flows that.json`. Its closed-set accuracy needs the best task even
when it declines, which the command prints only as `task` when it matches; so a second run
uses an export where every task appears twice with identical samples: the two copies tie, the
matcher declines as ambiguous and names the copy as `next_best`, which identifies the best task.
(Task-frequency IDF ratios are unchanged by the duplication.)

Deterministic: fixed seeds, sorted inputs, no timing-dependent behaviour.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20240611
NOISE_RATE = 0.3
MAX_TRAIN = 10

# --------------------------------------------------------------------------------------------
# Data


def load_autopilot(path):
    with open(path) as f:
        d = json.load(f)
    tasks = {}
    for t in d.get("tasks", []):
        samples = [s["taggedText"] for s in t.get("samples", []) if s.get("taggedText", "").strip()]
        if samples:
            tasks[t["uniqueName"]] = samples
    return d.get("uniqueName") or os.path.basename(os.path.dirname(path)), tasks


def read_lines(path):
    with open(path) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
SLOT_VALUES = {"time": "3 pm", "date": "next friday", "number": "4", "name": "john"}


def fill_slots(text):
    """A held-out sample as a caller would say it: placeholders become plausible values."""

    def value(m):
        name = m.group(1).lower()
        for key, v in SLOT_VALUES.items():
            if key in name:
                return v
        return "john"

    return PLACEHOLDER.sub(value, text)


def strip_slots(text):
    """Training text for the baseline: placeholders removed, as Switchboard does."""
    return re.sub(r"\s+", " ", PLACEHOLDER.sub(" ", text)).strip()


def leave_two_out(tasks):
    """Yields (train: {task: [samples]}, test: [(text, task)]) per fold."""
    longest = max(len(s) for s in tasks.values())
    for k in range((longest + 1) // 2):
        train, test = {}, []
        for name, samples in tasks.items():
            n = len(samples)
            held = [i for i in (2 * k, 2 * k + 1) if i < n]
            start = (2 * k + 2) % n
            rest = [(start + j) % n for j in range(n)]
            rest = [i for i in rest if i not in held][:MAX_TRAIN]
            train[name] = [samples[i] for i in rest]
            test += [(fill_slots(samples[i]), name) for i in held]
        yield train, test


# --------------------------------------------------------------------------------------------
# Recogniser-style noise

HOMOPHONES = [
    ["to", "two", "too"], ["for", "four"], ["there", "their"], ["right", "write"],
    ["by", "buy", "bye"], ["no", "know"], ["hour", "our"], ["ate", "eight"], ["here", "hear"],
    ["new", "knew"], ["one", "won"], ["see", "sea"], ["week", "weak"], ["wait", "weight"],
    ["meet", "meat"], ["mail", "male"], ["fare", "fair"], ["sale", "sail"], ["whole", "hole"],
    ["where", "wear"], ["would", "wood"], ["your", "youre"], ["its", "its"], ["then", "than"],
    ["i", "eye"], ["be", "bee"], ["so", "sew"], ["passed", "past"], ["board", "bored"],
    ["road", "rode"], ["peace", "piece"], ["plane", "plain"], ["due", "dew"], ["break", "brake"],
]
HOMOPHONE = {}
for group in HOMOPHONES:
    for w in group:
        HOMOPHONE[w] = [x for x in group if x != w]

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def misspell(word, rng):
    if len(word) < 2:
        return word + rng.choice(LETTERS)
    i = rng.randrange(len(word))
    op = rng.choice(["delete", "insert", "substitute", "transpose"])
    if op == "delete":
        return word[:i] + word[i + 1 :]
    if op == "insert":
        return word[:i] + rng.choice(LETTERS) + word[i:]
    if op == "substitute":
        return word[:i] + rng.choice([c for c in LETTERS if c != word[i]]) + word[i + 1 :]
    i = min(i, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def noisy(text):
    """Deterministic per utterance (seeded by the text), so both systems get the same copy."""
    rng = random.Random(hashlib.sha256(f"{SEED}:{text}".encode()).hexdigest())
    words = re.sub(r"[^a-z0-9 ]", "", re.sub(r"[-_/]", " ", text.lower())).split()
    out = []
    i = 0
    while i < len(words):
        w = words[i]
        if rng.random() >= NOISE_RATE:
            out.append(w)
            i += 1
            continue
        op = rng.choice(["drop", "merge", "misspell", "homophone"])
        if op == "merge" and i + 1 < len(words):
            out.append(w + words[i + 1])
            i += 2
            continue
        if op == "drop" and len(words) > 1:
            pass
        elif op == "homophone" and w in HOMOPHONE:
            out.append(rng.choice(HOMOPHONE[w]))
        else:
            out.append(misspell(w, rng))
        i += 1
    return " ".join(out) if out else text.lower()


# --------------------------------------------------------------------------------------------
# Systems


class Baseline:
    """TF-IDF (word 1-2-grams + char_wb 3-5-grams) + logistic regression."""

    def __init__(self, C):
        self.C = C

    def fit_predict(self, train, texts):
        """[(best task, max probability)] for each text."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion

        xs, ys = [], []
        for name in sorted(train):
            for s in train[name]:
                xs.append(strip_slots(s))
                ys.append(name)
        labels = sorted(set(ys))
        if len(labels) == 1:
            return [(labels[0], 1.0) for _ in texts]
        vec = FeatureUnion(
            [
                ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2))),
                ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5))),
            ]
        )
        x = vec.fit_transform(xs)
        clf = LogisticRegression(C=self.C, max_iter=5000)
        clf.fit(x, ys)
        probs = clf.predict_proba(vec.transform(texts))
        out = []
        for row in probs:
            j = max(range(len(row)), key=lambda i: (row[i], -i))
            out.append((clf.classes_[j], float(row[j])))
        return out


class Switchboard:
    def __init__(self, binary):
        self.binary = binary

    def _run(self, tasks, texts, copies):
        export = {
            "uniqueName": "bench",
            "tasks": [
                {
                    "uniqueName": name + suffix,
                    "samples": [{"language": "en-US", "taggedText": s} for s in samples],
                    "actions": {"actions": [{"say": "x"}]},
                }
                for suffix in copies
                for name, samples in sorted(tasks.items())
            ],
        }
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "schema.json")
            with open(path, "w") as f:
                json.dump(export, f)
            stdin = "".join(t.replace("\n", " ") + "\n" for t in texts)
            proc = subprocess.run(
                [self.binary, "nlu", "match", "--flows", path],
                input=stdin,
                capture_output=True,
                text=True,
            )
        if proc.returncode != 0:
            sys.exit(f"switchboard failed: {proc.stderr}")
        rows = [json.loads(l) for l in proc.stdout.splitlines() if l.startswith("{")]
        assert len(rows) == len(texts), (len(rows), len(texts), proc.stdout[:500])
        return rows

    def predict(self, train, texts):
        """[(task or None, confidence, next_best_confidence, best task)] for each text."""
        rows = self._run(train, texts, [""])
        dup = self._run(train, texts, ["", "__copy"])
        out = []
        for r, d in zip(rows, dup):
            best = d["next_best"][: -len("__copy")] if d.get("next_best") else None
            out.append((r["task"], r["confidence"], r["next_best_confidence"] or 0.0, best))
        return out


# --------------------------------------------------------------------------------------------
# Scoring


def score(items):
    """items: [(gold or None, predicted or None, closed-set prediction)] -> metrics dict."""
    ins = [(g, p, c) for g, p, c in items if g is not None]
    oos = [(g, p, c) for g, p, c in items if g is None]
    acc = sum(p == g for g, p, _ in ins) / max(1, len(ins))
    rec = sum(p is None for _, p, _ in oos) / max(1, len(oos))
    closed = sum(c == g for g, _, c in ins) / max(1, len(ins))
    return {"acc": acc, "oos": rec, "bal": (acc + rec) / 2, "closed": closed, "n": len(ins), "n_oos": len(oos)}


def decide_lr(pred, thr):
    return [(t if p >= thr else None) for t, p in pred]


def decide_sb(pred, thr, margin):
    out = []
    for _, conf, nxt, best in pred:
        ok = best is not None and conf >= thr and not (conf - nxt < margin * conf)
        out.append(best if ok else None)
    return out


# --------------------------------------------------------------------------------------------
# Calibration (hand-written data only)


def calibration_splits():
    with open(os.path.join(HERE, "calib_data.json")) as f:
        data = json.load(f)
    oos = data["oos"]
    splits = []
    union_train, union_test = {}, []
    for a in data["assistants"]:
        train = {t: v["train"] for t, v in a["tasks"].items()}
        test = [(u, t) for t, v in a["tasks"].items() for u in v["test"]]
        splits.append((a["name"], train, test))
        union_train.update({f"{a['name']}_{t}": s for t, s in train.items()})
        union_test += [(u, f"{a['name']}_{t}") for u, t in test]
    splits.append(("all", union_train, union_test))
    return [(n, tr, te + [(o, None) for o in oos]) for n, tr, te in splits]


def collect(system_predict, splits):
    """Runs a system on every split, clean and noisy: {cond: [(gold, raw prediction)]}."""
    out = {"clean": [], "noisy": []}
    for _, train, test in splits:
        for cond in ("clean", "noisy"):
            texts = [u if cond == "clean" else noisy(u) for u, _ in test]
            preds = system_predict(train, texts)
            out[cond] += list(zip([g for _, g in test], preds))
    return out


def mean_bal(res, decide):
    vals = []
    for cond in ("clean", "noisy"):
        golds = [g for g, _ in res[cond]]
        decided = decide([p for _, p in res[cond]])
        vals.append(score([(g, d, None) for g, d in zip(golds, decided)])["bal"])
    return sum(vals) / 2


def plateau_pick(grid):
    """grid: [(params, value)] in order; the middle of the set of best values (ties)."""
    best = max(v for _, v in grid)
    tied = [p for p, v in grid if v >= best - 1e-9]
    return tied[len(tied) // 2], best


def calibrate_lr(splits):
    best_c = None
    for C in (1.0, 10.0, 100.0):
        res = collect(Baseline(C).fit_predict, splits)
        closed = sum(p[0] == g for g, p in res["clean"] if g is not None) / sum(
            g is not None for g, _ in res["clean"]
        )
        if best_c is None or closed > best_c[1] + 1e-9:
            best_c = (C, closed, res)
    C, _, res = best_c
    grid = [(t / 100, mean_bal(res, lambda p, t=t: decide_lr(p, t / 100))) for t in range(0, 101)]
    thr, value = plateau_pick(grid)
    return C, thr, value


def calibrate_sb(sb, splits, verbose):
    res = collect(sb.predict, splits)
    margins = [m / 100 for m in range(0, 31, 5)]
    grid = []
    for m in margins:
        for t in range(0, 101):
            grid.append(((t / 100, m), mean_bal(res, lambda p, t=t, m=m: decide_sb(p, t / 100, m))))
    (thr, margin), value = plateau_pick(grid)
    if verbose:
        print("Switchboard calibration sweep (mean of clean/noisy balanced score, %):")
        print("  margin " + " ".join(f"{t:>5.2f}" for t in [x / 100 for x in range(20, 75, 5)]))
        for m in margins:
            row = dict(grid)
            cells = " ".join(f"{100 * row[(t / 100, m)]:5.1f}" for t in range(20, 75, 5))
            print(f"  {m:6.2f} {cells}")
    return thr, margin, value


# --------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--switchboard", required=True, help="path to the switchboard binary")
    ap.add_argument("--assistants", default="/work/shared/autopilot/Assistants/*/schema.json")
    ap.add_argument("--per-assistant", action="store_true")
    ap.add_argument("--calibration-only", action="store_true")
    args = ap.parse_args()

    sb = Switchboard(os.path.abspath(args.switchboard))
    calib = calibration_splits()
    C, lr_thr, lr_cal = calibrate_lr(calib)
    sb_thr, sb_margin, sb_cal = calibrate_sb(sb, calib, verbose=True)
    print(f"Calibration picks: baseline C={C:g} threshold={lr_thr:.2f} (score {100 * lr_cal:.1f}); "
          f"switchboard threshold={sb_thr:.2f} margin={sb_margin:.2f} (score {100 * sb_cal:.1f})")
    if args.calibration_only:
        return

    oos = read_lines(os.path.join(HERE, "oos_eval.txt"))
    lr = Baseline(C)
    results = {}  # (assistant, system, cond) -> [(gold, decided, closed)]
    paths = sorted(glob.glob(args.assistants))
    for path in paths:
        name, tasks = load_autopilot(path)
        if len(tasks) < 2:
            continue
        for train, test in leave_two_out(tasks):
            test = test + [(o, None) for o in oos]
            golds = [g for _, g in test]
            for cond in ("clean", "noisy"):
                texts = [u if cond == "clean" else noisy(u) for u, _ in test]
                lp = lr.fit_predict(train, texts)
                for g, d, (c, _) in zip(golds, decide_lr(lp, lr_thr), lp):
                    results.setdefault((name, "tfidf+lr", cond), []).append((g, d, c))
                sp = sb.predict(train, texts)
                for g, (task, _, _, best) in zip(golds, sp):
                    results.setdefault((name, "switchboard", cond), []).append((g, task, best))

    names = sorted({k[0] for k in results})

    def table(title, keys):
        print(f"\n{title}")
        print(f"{'system':<12} {'cond':<6} {'in-scope acc':>12} {'OOS recall':>10} {'balanced':>9} {'closed-set':>10} {'n in/oos':>10}")
        for system in ("tfidf+lr", "switchboard"):
            for cond in ("clean", "noisy"):
                items = [x for k in keys for x in results[(k, system, cond)]]
                s = score(items)
                print(f"{system:<12} {cond:<6} {100 * s['acc']:12.1f} {100 * s['oos']:10.1f} "
                      f"{100 * s['bal']:9.1f} {100 * s['closed']:10.1f} {s['n']:>5}/{s['n_oos']:<5}")

    table(f"All {len(names)} Autopilot assistants, leave-two-out, pooled "
          f"(baseline threshold {lr_thr:.2f}, switchboard default config)", names)
    if args.per_assistant:
        for n in names:
            table(n, [n])


if __name__ == "__main__":
    main()
