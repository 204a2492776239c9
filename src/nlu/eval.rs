//! Scoring the matcher on labelled utterances, the way `rasa test nlu` does for a trained model:
//! accuracy, how good its declining is, and which tasks it mixes up.
//!
//! A case is an utterance and the task it should reach, or None when the bot should decline
//! (out of scope). A declined in-scope utterance counts as wrong: a caller who is asked again
//! when the bot could have understood is a cost too, just a smaller one than a wrong task.

use std::collections::BTreeMap;
use std::fmt;

use super::matcher::{Decision, Matcher, best_cut};

/// One labelled utterance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// What the caller said.
    pub text: String,
    /// The task it should reach; None if the bot should decline.
    pub task: Option<String>,
}

/// The matcher's scores on a set of cases.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Cases with a task.
    pub in_scope: usize,
    /// In-scope cases that reached their task.
    pub in_scope_correct: usize,
    /// In-scope cases declined.
    pub in_scope_declined: usize,
    /// Cases that should be declined.
    pub out_of_scope: usize,
    /// Out-of-scope cases declined.
    pub out_of_scope_declined: usize,
    /// Every decline made.
    pub declines: usize,
    /// (expected, got) → count, for wrong answers; `got` "(declined)" for a decline.
    pub confusions: BTreeMap<(String, String), usize>,
    /// Cases naming a task the assistant does not have.
    pub unknown_tasks: Vec<String>,
    /// In-scope cases whose best candidate was their task, declined or not: what the matcher
    /// would get right if it never declined.
    pub in_scope_ranked_right: usize,
    /// The decline threshold in force.
    pub threshold: f32,
    /// The threshold that would have scored best on these cases, with its balanced score
    /// (None without both in-scope and out-of-scope cases).
    pub best_threshold: Option<(f32, f64)>,
}

const DECLINED: &str = "(declined)";
const OUT_OF_SCOPE: &str = "(out of scope)";

impl Report {
    /// Share of in-scope cases that reached their task.
    pub fn accuracy(&self) -> f64 {
        ratio(self.in_scope_correct, self.in_scope)
    }

    /// Share of out-of-scope cases declined.
    pub fn decline_recall(&self) -> f64 {
        ratio(self.out_of_scope_declined, self.out_of_scope)
    }

    /// Share of declines that were right to decline.
    pub fn decline_precision(&self) -> f64 {
        ratio(self.out_of_scope_declined, self.declines)
    }

    /// (in-scope accuracy + out-of-scope recall) / 2, or accuracy alone without out-of-scope
    /// cases.
    pub fn balanced(&self) -> f64 {
        if self.out_of_scope == 0 {
            self.accuracy()
        } else {
            (self.accuracy() + self.decline_recall()) / 2.0
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Runs every case through the matcher. `task_names[i]` is task i's name.
pub fn evaluate(matcher: &Matcher, task_names: &[String], cases: &[Case]) -> Report {
    let mut report = Report {
        in_scope: 0,
        in_scope_correct: 0,
        in_scope_declined: 0,
        out_of_scope: 0,
        out_of_scope_declined: 0,
        declines: 0,
        confusions: BTreeMap::new(),
        unknown_tasks: Vec::new(),
        in_scope_ranked_right: 0,
        threshold: matcher.threshold(),
        best_threshold: None,
    };
    // (expected task, best candidate, confidence, declined whatever the threshold), for the
    // threshold sweep.
    let mut seen: Vec<(Option<usize>, Option<usize>, f32, bool)> = Vec::new();
    for case in cases {
        if let Some(task) = &case.task
            && !task_names.contains(task)
        {
            report.unknown_tasks.push(task.clone());
            continue;
        }
        let class = matcher.classify(&case.text, None);
        let expected = case
            .task
            .as_ref()
            .and_then(|t| task_names.iter().position(|n| n == t));
        let best = class.best.map(|(t, _)| t);
        if expected.is_some() && best == expected {
            report.in_scope_ranked_right += 1;
        }
        let always = matches!(class.decision, Decision::Empty | Decision::Unrelated);
        seen.push((expected, best, class.confidence, always));
        let got = class.task.and_then(|i| task_names.get(i)).cloned();
        if got.is_none() {
            report.declines += 1;
        }
        match (&case.task, &got) {
            (Some(expected), Some(got)) if expected == got => {
                report.in_scope += 1;
                report.in_scope_correct += 1;
            }
            (Some(expected), got) => {
                report.in_scope += 1;
                if got.is_none() {
                    report.in_scope_declined += 1;
                }
                let got = got.clone().unwrap_or_else(|| DECLINED.to_owned());
                *report
                    .confusions
                    .entry((expected.clone(), got))
                    .or_default() += 1;
            }
            (None, None) => {
                report.out_of_scope += 1;
                report.out_of_scope_declined += 1;
            }
            (None, Some(got)) => {
                report.out_of_scope += 1;
                *report
                    .confusions
                    .entry((OUT_OF_SCOPE.to_owned(), got.clone()))
                    .or_default() += 1;
            }
        }
    }
    report.best_threshold = best_threshold(&seen);
    report
}

/// The threshold with the best balanced score on these cases: the middle of the best range
/// between two confidences seen.
fn best_threshold(seen: &[(Option<usize>, Option<usize>, f32, bool)]) -> Option<(f32, f64)> {
    let in_scope = seen.iter().filter(|s| s.0.is_some()).count();
    let out_of_scope = seen.len() - in_scope;
    if in_scope == 0 || out_of_scope == 0 {
        return None;
    }
    let score = |t: f32| {
        let accepted = |s: &&(Option<usize>, Option<usize>, f32, bool)| !s.3 && s.2 >= t;
        let right = seen
            .iter()
            .filter(|s| s.0.is_some() && s.1 == s.0)
            .filter(accepted)
            .count();
        let declined = seen
            .iter()
            .filter(|s| s.0.is_none())
            .filter(|s| !accepted(s))
            .count();
        (ratio(right, in_scope) + ratio(declined, out_of_scope)) / 2.0
    };
    best_cut(seen.iter().map(|s| s.2), score)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = |x: f64| format!("{:.1}%", x * 100.0);
        writeln!(
            f,
            "in scope:      {} cases, {} right ({}), {} declined",
            self.in_scope,
            self.in_scope_correct,
            pct(self.accuracy()),
            self.in_scope_declined
        )?;
        writeln!(
            f,
            "out of scope:  {} cases, {} declined (recall {})",
            self.out_of_scope,
            self.out_of_scope_declined,
            pct(self.decline_recall())
        )?;
        writeln!(
            f,
            "declines:      {} made, {} right (precision {})",
            self.declines,
            self.out_of_scope_declined,
            pct(self.decline_precision())
        )?;
        writeln!(
            f,
            "balanced:      {}  ((in-scope accuracy + out-of-scope recall) / 2)",
            pct(self.balanced())
        )?;
        writeln!(
            f,
            "ranked right:  {} of {} in-scope cases had their task first ({}), declined or not",
            self.in_scope_ranked_right,
            self.in_scope,
            pct(ratio(self.in_scope_ranked_right, self.in_scope))
        )?;
        write!(f, "threshold:     {:.3} in force", self.threshold)?;
        match self.best_threshold {
            Some((t, score)) if score > self.balanced() + 1e-9 => writeln!(
                f,
                "; {t:.3} would score best on these cases (balanced {})",
                pct(score)
            )?,
            Some(_) => writeln!(f, "; no other threshold scores better on these cases")?,
            None => writeln!(f)?,
        }
        if !self.unknown_tasks.is_empty() {
            writeln!(
                f,
                "skipped:       {} cases naming tasks the flows do not have: {}",
                self.unknown_tasks.len(),
                self.unknown_tasks.join(", ")
            )?;
        }
        let mut confusions: Vec<(&(String, String), &usize)> = self.confusions.iter().collect();
        confusions.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        if !confusions.is_empty() {
            writeln!(f, "top confusions (expected → got):")?;
            for ((expected, got), n) in confusions.iter().take(10) {
                writeln!(f, "  {n:>4}  {expected} → {got}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlu::matcher::MatcherConfig;

    #[test]
    fn scores_right_wrong_and_declined_answers() {
        let tasks = vec![
            vec![
                "book a table".to_owned(),
                "make a reservation".to_owned(),
                "reserve a table for tonight".to_owned(),
            ],
            vec![
                "what time do you open".to_owned(),
                "opening hours".to_owned(),
                "when are you open".to_owned(),
            ],
        ];
        let names = vec!["book".to_owned(), "hours".to_owned()];
        let matcher = Matcher::new(&tasks, MatcherConfig::default());
        let case = |text: &str, task: Option<&str>| Case {
            text: text.into(),
            task: task.map(str::to_owned),
        };
        let cases = [
            case("book a table please", Some("book")),
            case("what time do you open", Some("hours")),
            case("what time do you open", Some("book")),
            case("what is the capital of france", None),
            case("anything", Some("nonexistent")),
        ];
        let report = evaluate(&matcher, &names, &cases);
        assert_eq!(
            (
                report.in_scope,
                report.in_scope_correct,
                report.out_of_scope,
                report.out_of_scope_declined
            ),
            (3, 2, 1, 1)
        );
        assert_eq!(
            report
                .confusions
                .get(&("book".to_owned(), "hours".to_owned())),
            Some(&1)
        );
        assert_eq!(report.unknown_tasks, ["nonexistent"]);
        assert!((report.balanced() - (2.0 / 3.0 + 1.0) / 2.0).abs() < 1e-9);
        assert_eq!(report.in_scope_ranked_right, 2);
        assert_eq!(report.threshold, matcher.threshold());
        // Every in-scope case ranked right is accepted and the out-of-scope one declined by
        // some threshold, so the best possible score here is (2/3 + 1) / 2.
        let (_, best) = report.best_threshold.expect("both kinds of cases");
        assert!((best - (2.0 / 3.0 + 1.0) / 2.0).abs() < 1e-9, "{best}");
        let text = report.to_string();
        assert!(text.contains("1  book → hours"), "{text}");
        assert!(text.contains("ranked right:  2 of 3"), "{text}");
        // The threshold in force already declines the out-of-scope case and accepts both
        // in-scope cases ranked right, so none does better.
        assert!(text.contains("no other threshold scores better"), "{text}");

        // A threshold nothing reaches declines every case; the sweep finds a better one.
        let strict = Matcher::new(
            &tasks,
            MatcherConfig {
                threshold: Some(0.99),
                ..MatcherConfig::default()
            },
        );
        let report = evaluate(&strict, &names, &cases);
        assert_eq!(report.in_scope_correct, 0);
        let (t, best) = report.best_threshold.expect("both kinds of cases");
        assert!(t < 0.99 && best > report.balanced(), "{t} {best}");
        assert!(report.to_string().contains("would score best"), "{report}");
    }
}
