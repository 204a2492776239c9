#!/usr/bin/env python3
"""Score a switchboard binary's field parsers against tables of spoken answers.

Each table is TYPE.tsv (TYPE without the "Twilio." prefix): lines of `answer<TAB>expected`,
`null` for "not of the type"; lines starting with '#' are comments (a `today=YYYY-MM-DD` in
them sets --today). Every table is piped through `BIN nlu parse --type Twilio.TYPE --today D`.

Comparison is by meaning, not bytes: NUMBER numerically (25 == 25.0); PHONE_NUMBER by its
digits and leading '+'; ALPHANUMERIC / NUMBER_SEQUENCE ignoring spaces and dashes (ALPHANUMERIC
case-insensitively); EMAIL, DAY_OF_WEEK, MONTH case-insensitively; US_STATE case-insensitively,
a two-letter code equal to its state's name. Names, DATE, TIME and YES_NO exactly.

    python3 bench/fields/score.py [--bin PATH] [--dir bench/fields/unseen] [--today D] [TYPE ...]
"""
import argparse, glob, json, os, re, subprocess, sys

STATES = dict(AL="Alabama", AK="Alaska", AZ="Arizona", AR="Arkansas", CA="California", CO="Colorado",
    CT="Connecticut", DE="Delaware", FL="Florida", GA="Georgia", HI="Hawaii", ID="Idaho", IL="Illinois",
    IN="Indiana", IA="Iowa", KS="Kansas", KY="Kentucky", LA="Louisiana", ME="Maine", MD="Maryland",
    MA="Massachusetts", MI="Michigan", MN="Minnesota", MS="Mississippi", MO="Missouri", MT="Montana",
    NE="Nebraska", NV="Nevada", NH="New Hampshire", NJ="New Jersey", NM="New Mexico", NY="New York",
    NC="North Carolina", ND="North Dakota", OH="Ohio", OK="Oklahoma", OR="Oregon", PA="Pennsylvania",
    RI="Rhode Island", SC="South Carolina", SD="South Dakota", TN="Tennessee", TX="Texas", UT="Utah",
    VT="Vermont", VA="Virginia", WA="Washington", WV="West Virginia", WI="Wisconsin", WY="Wyoming",
    DC="District of Columbia")


def norm(ty, v):
    if v is None:
        return None
    if ty == "NUMBER":
        try:
            return float(str(v).replace(",", ""))
        except ValueError:
            return str(v)
    s = str(v).strip()
    if ty == "PHONE_NUMBER":
        return ("+" if s.startswith("+") else "") + re.sub(r"\D", "", s)
    if ty in ("ALPHANUMERIC", "NUMBER_SEQUENCE"):
        s = re.sub(r"[\s-]", "", s)
        return s.upper() if ty == "ALPHANUMERIC" else s
    if ty in ("EMAIL", "DAY_OF_WEEK", "MONTH"):
        return s.lower()
    if ty == "US_STATE":
        return STATES.get(s.upper(), s).lower()
    return s


def load(path):
    rows, today = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if line.startswith("#"):
                m = re.search(r"today=(\d{4}-\d\d-\d\d)", line)
                today = m.group(1) if m else today
                continue
            answer, expected = line.split("\t")
            rows.append((answer, None if expected == "null" else expected))
    return rows, today


def run(binary, ty, answers, today):
    cmd = [binary, "nlu", "parse", "--type", "Twilio." + ty]
    if today:
        cmd += ["--today", today]
    out = subprocess.run(cmd, input="\n".join(answers) + "\n", capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({out.returncode}): {out.stderr.strip()}")
    got = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
    if len(got) != len(answers):
        sys.exit(f"{ty}: {len(answers)} answers in, {len(got)} lines out")
    return [g.get("value") for g in got]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.environ.get("SWITCHBOARD_BIN", "target/release/switchboard"))
    ap.add_argument("--dir", default=os.path.join(here, "unseen"))
    ap.add_argument("--today", default="2026-12-06", help="used when a table names none")
    ap.add_argument("types", nargs="*")
    a = ap.parse_args()
    paths = sorted(glob.glob(os.path.join(a.dir, "*.tsv")))
    if a.types:
        paths = [p for p in paths if os.path.basename(p)[:-4] in a.types]
    total = [0, 0]
    summary, misses = [], []
    for p in paths:
        ty = os.path.basename(p)[:-4]
        rows, today = load(p)
        values = run(a.bin, ty, [r[0] for r in rows], today or a.today)
        ok = 0
        for (answer, exp), got in zip(rows, values):
            if norm(ty, exp) == norm(ty, got):
                ok += 1
            else:
                misses.append((ty, answer, exp, got))
        summary.append((ty, len(rows), ok))
        total[0] += len(rows); total[1] += ok
    print(f"{'type':<17}{'rows':>5}{'correct':>9}{'%':>7}")
    for ty, n, ok in summary:
        print(f"{ty:<17}{n:>5}{ok:>9}{100*ok/n:>6.1f}%")
    if total[0]:
        print(f"{'overall':<17}{total[0]:>5}{total[1]:>9}{100*total[1]/total[0]:>6.1f}%")
    if misses:
        print("\nmisses:")
        for ty, answer, exp, got in misses:
            print(f"  {ty:<16} {answer!r:<58} expected {json.dumps(exp)}, got {json.dumps(got)}")


if __name__ == "__main__":
    main()
