//! Every built-in field type against a table of varied spoken answers (issue 14 item 4).
//!
//! The tables live in `tests/data/answers/<type>.tsv`, one per type, named after the type
//! without its "Twilio." prefix (`date.tsv` for `Twilio.DATE`): one answer per line, a tab, then
//! the value `nlu parse` should print for it, or `null` when the answer is not a value of the
//! type. Lines starting with `#` are comments. Each answer goes through
//! [`fields::parse`], the function `switchboard nlu parse` and the engine call, with "today"
//! fixed at Wednesday 2026-11-25 for the date types.
//!
//! The bar is the issue's: at least [`MIN_ROWS`] rows for every type, and at least
//! [`TARGET`] of them right. A miss below the bar fails the test with every miss listed;
//! the per-type scores are printed either way (`cargo test --test field_answers -- --nocapture`).

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::NaiveDate;
use switchboard::nlu::fields::{self, Answer, BuiltinType, Context};

/// Fewest rows a type's table may have.
const MIN_ROWS: usize = 40;

/// Smallest share of a table's rows the parser must get right.
const TARGET: f64 = 0.95;

/// One row of a table.
struct Row {
    line: usize,
    answer: String,
    want: Option<String>,
}

/// The table's file for a type: `Twilio.PHONE_NUMBER` -> `tests/data/answers/phone_number.tsv`.
fn table_path(ty: BuiltinType) -> PathBuf {
    let stem = ty
        .name()
        .strip_prefix("Twilio.")
        .unwrap_or(ty.name())
        .to_lowercase();
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/answers")
        .join(format!("{stem}.tsv"))
}

/// Reads a table, failing the test on a malformed line rather than skipping it.
fn read_table(ty: BuiltinType) -> Vec<Row> {
    let path = table_path(ty);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} has no table at {}: {e}", ty.name(), path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|(i, line)| {
            let (answer, want) = line.split_once('\t').unwrap_or_else(|| {
                panic!("{}:{}: expected `answer<TAB>value`", path.display(), i + 1)
            });
            assert!(
                !want.contains('\t'),
                "{}:{}: one tab only",
                path.display(),
                i + 1
            );
            Row {
                line: i + 1,
                answer: answer.to_owned(),
                want: (want != "null").then(|| want.to_owned()),
            }
        })
        .collect()
}

/// The context every row is parsed in.
fn context() -> Context {
    Context {
        today: NaiveDate::from_ymd_opt(2026, 11, 25).expect("a valid date"),
    }
}

#[test]
fn every_built_in_type_gets_its_spoken_answers_right() {
    let ctx = context();
    let mut scores = String::from("type                        right/rows  score\n");
    let mut failures = Vec::new();
    for ty in BuiltinType::ALL {
        let rows = read_table(ty);
        let mut misses = Vec::new();
        for row in &rows {
            let got = fields::parse(ty, Answer::Speech(&row.answer), &ctx);
            if got != row.want {
                misses.push(format!(
                    "    line {}: {:?}: got {:?}, want {:?}",
                    row.line, row.answer, got, row.want
                ));
            }
        }
        let right = rows.len() - misses.len();
        let score = right as f64 / rows.len().max(1) as f64;
        let _ = writeln!(
            scores,
            "{:<27} {:>4}/{:<4}  {:>5.1}%",
            ty.name(),
            right,
            rows.len(),
            score * 100.0
        );
        if rows.len() < MIN_ROWS || score < TARGET {
            failures.push(format!(
                "{}: {right}/{} right ({:.1}%), need {MIN_ROWS}+ rows and {:.0}%:\n{}",
                ty.name(),
                rows.len(),
                score * 100.0,
                TARGET * 100.0,
                misses.join("\n")
            ));
        } else if !misses.is_empty() {
            let _ = writeln!(scores, "{}", misses.join("\n"));
        }
    }
    eprintln!("{scores}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn no_table_repeats_an_answer() {
    for ty in BuiltinType::ALL {
        let rows = read_table(ty);
        let mut seen = std::collections::HashSet::new();
        for row in &rows {
            assert!(
                seen.insert(row.answer.as_str()),
                "{} line {}: {:?} is already in the table",
                ty.name(),
                row.line,
                row.answer
            );
        }
    }
}
