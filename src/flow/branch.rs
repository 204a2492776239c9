//! Choosing the next step from what the caller answered, without a web service.
//!
//! Autopilot sent authors to a web service for anything but a straight line, so a "was that
//! right?" question needed a server to read the answer and redirect. A [`Branch`] does it in the
//! flow: arms tried in order, each a set of conditions on answers or remembered values and a
//! target, and a default. Written as a collect's `on_complete` list or as a `branch` action:
//!
//! ```json
//! {"branch": [
//!   {"when": {"pizza_order.confirmed": "No"}, "redirect": "task://order"},
//!   {"when": {"pizza_order.size": ["large", "family"], "pizza_order.count": {">": 3}},
//!    "redirect": "task://big_order"},
//!   {"redirect": "task://place_order"}
//! ]}
//! ```
//!
//! The tests are deliberately few — equality, membership in a list, number (or date, or time)
//! comparison, and whether a value is known — so a flow stays something an author can read
//! aloud; anything cleverer belongs in a web service. Every name and value is checked when the
//! flows load (see `load::branch`); choosing cannot fail.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::Target;
use super::text::lookup;

/// Arms tried in order, and where to go when none holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    /// Each arm's conditions all hold → its target.
    pub arms: Vec<Arm>,
    /// Taken when no arm holds. A `branch` action without one goes on to its next action; a
    /// collect's `on_complete` always has one.
    pub otherwise: Option<Target>,
}

/// One arm of a [`Branch`].
#[derive(Debug, Clone, PartialEq)]
pub struct Arm {
    /// All must hold.
    pub when: Vec<Condition>,
    /// Where to go when they do.
    pub then: Target,
}

/// A test on one value.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// `collect.question` or a remembered key (dotted for nested values), as in placeholders.
    pub path: Vec<String>,
    /// What the value must be.
    pub test: Test,
}

/// What a value must be.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Equal to one of these (one for plain equality). Text compares ignoring case and
    /// punctuation; numbers compare as numbers ("10" is "10.0").
    OneOf(Vec<String>),
    /// Equal to none of these; an unknown value is none of them.
    NoneOf(Vec<String>),
    /// Ordered against a bound: numbers as numbers, dates (`YYYY-MM-DD`) and times (`HH:MM`)
    /// in calendar and clock order. An unknown value, or one not comparable, fails.
    Compare(Vec<(Op, String)>),
    /// Whether the value is known (answered, remembered) or not.
    Known(bool),
}

/// A comparison operator, as written in flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
}

impl Op {
    /// Every operator as written, for error messages.
    pub const NAMES: &'static [&'static str] = &["<", "<=", ">", ">="];

    /// Parses `<`, `<=`, `>` or `>=`.
    pub fn from_name(name: &str) -> Option<Op> {
        match name {
            "<" => Some(Op::Less),
            "<=" => Some(Op::LessOrEqual),
            ">" => Some(Op::Greater),
            ">=" => Some(Op::GreaterOrEqual),
            _ => None,
        }
    }

    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Op::Less => ordering == Ordering::Less,
            Op::LessOrEqual => ordering != Ordering::Greater,
            Op::Greater => ordering == Ordering::Greater,
            Op::GreaterOrEqual => ordering != Ordering::Less,
        }
    }
}

/// Which arm a branch took, for the call history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// The arm at this index (from 0).
    Arm(usize),
    /// The default.
    Otherwise,
}

impl Branch {
    /// A branch that always goes to `target` (Autopilot's `{"redirect": …}`).
    pub fn to(target: Target) -> Branch {
        Branch {
            arms: Vec::new(),
            otherwise: Some(target),
        }
    }

    /// Every target the branch can reach, for checks over the whole flow.
    pub fn targets(&self) -> impl Iterator<Item = &Target> {
        self.arms
            .iter()
            .map(|arm| &arm.then)
            .chain(self.otherwise.iter())
    }

    /// The first arm whose conditions hold in `memory`, else the default; None when neither.
    pub fn choose(&self, memory: &Map<String, Value>) -> Option<(&Target, Taken)> {
        for (index, arm) in self.arms.iter().enumerate() {
            if arm.when.iter().all(|c| c.holds(memory)) {
                return Some((&arm.then, Taken::Arm(index)));
            }
        }
        self.otherwise.as_ref().map(|t| (t, Taken::Otherwise))
    }
}

impl Condition {
    /// Whether the condition holds for the value at its path in `memory`.
    pub fn holds(&self, memory: &Map<String, Value>) -> bool {
        let value = match lookup(memory, &self.path) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        match (&self.test, value) {
            (Test::Known(known), value) => value.is_some() == *known,
            (Test::OneOf(options), Some(value)) => options.iter().any(|o| same(o, &value)),
            (Test::OneOf(_), None) => false,
            (Test::NoneOf(options), Some(value)) => !options.iter().any(|o| same(o, &value)),
            (Test::NoneOf(_), None) => true,
            (Test::Compare(bounds), Some(value)) => bounds
                .iter()
                .all(|(op, bound)| order(&value, bound).is_some_and(|ordering| op.holds(ordering))),
            (Test::Compare(_), None) => false,
        }
    }
}

/// Equal as an author means it: numbers by value, text ignoring case and punctuation.
pub fn same(a: &str, b: &str) -> bool {
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x == y,
        _ => super::load::keyword(a) == super::load::keyword(b),
    }
}

/// The order of a value against a bound: numbers by value, dates and times (which are stored
/// zero-padded) as text of the same shape. None when they are not comparable.
pub fn order(value: &str, bound: &str) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (number(value), number(bound)) {
        return x.partial_cmp(&y);
    }
    let (value, bound) = (value.trim(), bound.trim());
    let shape = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_ascii_digit() { '9' } else { c })
            .collect()
    };
    let comparable =
        shape(value) == shape(bound) && matches!(shape(bound).as_str(), "9999-99-99" | "99:99");
    comparable.then(|| value.cmp(bound))
}

fn number(s: &str) -> Option<f64> {
    let s = s.trim();
    // Digits only: "12:30" and "2026-12-11" are not numbers, "Infinity" neither.
    let plain = !s.is_empty()
        && s.strip_prefix('-')
            .unwrap_or(s)
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.');
    plain.then(|| s.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::TaskId;
    use serde_json::json;

    fn memory() -> Map<String, Value> {
        let memory = json!({
            "plan": "gold",
            "twilio": {"collected_data": {"order": {"answers": {
                "confirmed": {"answer": "No"},
                "size": {"answer": "Large"},
                "count": {"answer": "12"},
                "date": {"answer": "2026-12-11"},
                "time": {"answer": "19:30"},
            }}}}
        });
        memory.as_object().cloned().unwrap_or_default()
    }

    fn on(path: &str, test: Test) -> Condition {
        Condition {
            path: path.split('.').map(str::to_owned).collect(),
            test,
        }
    }

    fn values(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn equality_membership_and_knowing_ignore_case_and_punctuation() {
        let m = memory();
        assert!(on("order.confirmed", Test::OneOf(values(&["no"]))).holds(&m));
        assert!(!on("order.confirmed", Test::OneOf(values(&["Yes"]))).holds(&m));
        assert!(on("order.size", Test::OneOf(values(&["large", "family"]))).holds(&m));
        assert!(on("order.size", Test::NoneOf(values(&["small"]))).holds(&m));
        assert!(on("plan", Test::OneOf(values(&["Gold!"]))).holds(&m));
        assert!(on("order.count", Test::OneOf(values(&["12.0"]))).holds(&m));
        assert!(on("order.missing", Test::NoneOf(values(&["x"]))).holds(&m));
        assert!(!on("order.missing", Test::OneOf(values(&["x"]))).holds(&m));
        assert!(on("order.missing", Test::Known(false)).holds(&m));
        assert!(on("order.size", Test::Known(true)).holds(&m));
    }

    #[test]
    fn numbers_dates_and_times_compare_in_their_own_order() {
        let m = memory();
        let cmp = |path: &str, op: Op, bound: &str| {
            on(path, Test::Compare(vec![(op, bound.to_owned())])).holds(&m)
        };
        assert!(cmp("order.count", Op::Greater, "9"));
        assert!(!cmp("order.count", Op::Less, "9"));
        assert!(cmp("order.count", Op::GreaterOrEqual, "12"));
        assert!(cmp("order.date", Op::Less, "2027-01-01"));
        assert!(cmp("order.time", Op::GreaterOrEqual, "17:00"));
        assert!(!cmp("order.time", Op::Less, "09:30"));
        // Not comparable: a word against a number, a missing value.
        assert!(!cmp("order.size", Op::Greater, "3"));
        assert!(!cmp("order.missing", Op::Greater, "3"));
        let both = Test::Compare(vec![
            (Op::Greater, "10".into()),
            (Op::LessOrEqual, "20".into()),
        ]);
        assert!(on("order.count", both).holds(&m));
    }

    #[test]
    fn the_first_arm_that_holds_wins_else_the_default() {
        let branch = Branch {
            arms: vec![
                Arm {
                    when: vec![on("order.confirmed", Test::OneOf(values(&["Yes"])))],
                    then: Target::Task(TaskId(1)),
                },
                Arm {
                    when: vec![
                        on("order.confirmed", Test::OneOf(values(&["No"]))),
                        on(
                            "order.count",
                            Test::Compare(vec![(Op::Greater, "3".into())]),
                        ),
                    ],
                    then: Target::Task(TaskId(2)),
                },
            ],
            otherwise: Some(Target::Task(TaskId(3))),
        };
        let m = memory();
        assert_eq!(
            branch.choose(&m),
            Some((&Target::Task(TaskId(2)), Taken::Arm(1)))
        );
        assert_eq!(
            branch.choose(&Map::new()),
            Some((&Target::Task(TaskId(3)), Taken::Otherwise))
        );
        let no_default = Branch {
            otherwise: None,
            ..branch
        };
        assert_eq!(no_default.choose(&Map::new()), None);
    }
}
