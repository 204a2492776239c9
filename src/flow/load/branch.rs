//! Branches: a `branch` action and a collect's `on_complete` list, their arms and conditions.
//!
//! A condition names a value the way a placeholder does, so it is checked the same way once
//! every collect is known: the name must be a question or a remembered key, a yes/no question
//! is compared with "Yes" or "No", a question with listed values with one of them, and only
//! numbers, dates and times are ordered.

use std::path::Path;

use serde_json::Value;

use super::{AnswerInfo, Cx, closest};
use crate::flow::branch::{Arm, Branch, Condition, Op, Test};
use crate::flow::json::Node;
use crate::flow::spoken::Kind;

/// A condition waiting for the post-pass: file, place, and the condition.
pub(super) type PendingCondition = (std::path::PathBuf, String, Condition);

impl Cx {
    /// A list of arms: `{"when": {…}, "redirect": …}`, the last one possibly without `when` (the
    /// default). `need_default`: the list must end with one (a collect's `on_complete`).
    pub(super) fn branch(
        &mut self,
        file: &Path,
        node: &Node<'_>,
        need_default: bool,
    ) -> Option<Branch> {
        let example = r#"[{"when": {"order.confirmed": "No"}, "redirect": "task://order"}, {"redirect": "task://place_order"}]"#;
        let items = node.items();
        if node.value().as_array().is_none() || items.is_empty() {
            self.error(
                file,
                node.path(),
                "expected a list of choices",
                format!("write {example}"),
            );
            return None;
        }
        let mut branch = Branch {
            arms: Vec::new(),
            otherwise: None,
        };
        let last = items.len() - 1;
        let mut ok = true;
        for (index, item) in items.iter().enumerate() {
            if item.as_object().is_none() {
                self.error(
                    file,
                    item.path(),
                    format!("expected a choice, found {}", item.kind()),
                    r#"write {"when": {"order.confirmed": "No"}, "redirect": "task://order"}"#,
                );
                ok = false;
                continue;
            }
            self.unknown_keys(file, item, &["when", "redirect"]);
            let target = match item.get("redirect") {
                Some(target) => self.target(file, &target),
                None => {
                    self.error(
                        file,
                        item.path_of("redirect"),
                        "a choice needs a `redirect`: where the call goes when it holds",
                        r#"add "redirect": "task://…""#,
                    );
                    None
                }
            };
            match (item.get("when"), target) {
                (Some(when), Some(then)) => match self.conditions(file, &when) {
                    Some(when) => branch.arms.push(Arm { when, then }),
                    None => ok = false,
                },
                (None, Some(then)) if index == last => branch.otherwise = Some(then),
                (None, Some(_)) => {
                    self.error(
                        file,
                        item.path(),
                        "only the last choice may go without `when`: the ones after it could never be taken",
                        r#"add "when": {…}, or move this choice to the end as the default"#,
                    );
                    ok = false;
                }
                (_, None) => ok = false,
            }
        }
        if need_default && items[last].get("when").is_some() {
            self.error(
                file,
                items[last].path(),
                "the last choice must be the default, without `when`: the call has to go somewhere when no choice holds",
                r#"add {"redirect": "task://…"} at the end"#,
            );
            return None;
        }
        ok.then_some(branch)
    }

    /// `{"collect.question": test, …}`: every test must hold.
    fn conditions(&mut self, file: &Path, node: &Node<'_>) -> Option<Vec<Condition>> {
        let entries = node.entries();
        if node.as_object().is_none() || entries.is_empty() {
            self.error(
                file,
                node.path(),
                "`when` needs one or more values to test",
                r#"write "when": {"order.confirmed": "No"}"#,
            );
            return None;
        }
        let mut conditions = Vec::new();
        let mut ok = true;
        for (name, test) in entries {
            let path: Vec<String> = name.split('.').map(str::to_owned).collect();
            let valid = path.iter().all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
            if !valid {
                self.error(
                    file,
                    test.path(),
                    format!("`{name}` is not a name like `collect_name.question_name`"),
                    "name an answer as collect_name.question_name, or a remembered key",
                );
                ok = false;
                continue;
            }
            match self.test(file, &test) {
                Some(test) => {
                    let condition = Condition { path, test };
                    self.conditions.push((
                        file.to_path_buf(),
                        node.path_of(name),
                        condition.clone(),
                    ));
                    conditions.push(condition);
                }
                None => ok = false,
            }
        }
        ok.then_some(conditions)
    }

    /// A value (equal), a list (one of), or `{"not": …}`, `{"<": …}`…, `{"known": bool}`.
    fn test(&mut self, file: &Path, node: &Node<'_>) -> Option<Test> {
        let fix = r#"write "No", ["large", "family"], {"not": "No"}, {">": 3}, {">=": "2026-12-01"} or {"known": true}"#;
        match node.value() {
            Value::Array(_) => {
                let values = self.test_values(file, node)?;
                Some(Test::OneOf(values))
            }
            Value::Object(map) => {
                if let Some(not) = node.get("not") {
                    if map.len() > 1 {
                        self.error(
                            file,
                            node.path(),
                            "`not` stands alone",
                            "test one thing per value",
                        );
                        return None;
                    }
                    return Some(Test::NoneOf(self.test_values(file, &not)?));
                }
                if let Some(known) = node.get("known") {
                    if map.len() > 1 {
                        self.error(
                            file,
                            node.path(),
                            "`known` stands alone",
                            "test one thing per value",
                        );
                        return None;
                    }
                    return self.boolean(file, &known).map(Test::Known);
                }
                let mut bounds = Vec::new();
                for (key, bound) in node.entries() {
                    let Some(op) = Op::from_name(key) else {
                        self.error(file, bound.path(), format!("`{key}` is no test"), fix);
                        return None;
                    };
                    let bound = match bound.value() {
                        Value::Number(n) => n.to_string(),
                        Value::String(s) => s.trim().to_owned(),
                        _ => {
                            self.error(
                                file,
                                bound.path(),
                                format!("`{key}` needs a number, a date or a time"),
                                r#"write {">": 3}, {"<": "2026-12-24"} or {">=": "17:00"}"#,
                            );
                            return None;
                        }
                    };
                    bounds.push((op, bound));
                }
                if bounds.is_empty() {
                    self.error(file, node.path(), "an empty test", fix);
                    return None;
                }
                Some(Test::Compare(bounds))
            }
            _ => self.test_value(file, node).map(|v| Test::OneOf(vec![v])),
        }
    }

    fn test_values(&mut self, file: &Path, node: &Node<'_>) -> Option<Vec<String>> {
        if node.value().as_array().is_none() {
            return self.test_value(file, node).map(|v| vec![v]);
        }
        let items = node.items();
        if items.is_empty() {
            self.error(
                file,
                node.path(),
                "an empty list matches nothing",
                r#"list the values, e.g. ["large", "family"]"#,
            );
            return None;
        }
        items.iter().map(|v| self.test_value(file, v)).collect()
    }

    fn test_value(&mut self, file: &Path, node: &Node<'_>) -> Option<String> {
        match node.value() {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => {
                self.error(
                    file,
                    node.path(),
                    format!("expected a value to compare with, found {}", node.kind()),
                    r#"write a text such as "No" or a number such as 3"#,
                );
                None
            }
        }
    }

    /// Every condition must name a question or remembered value, and test it in a way its
    /// answers can pass.
    pub(super) fn check_conditions(&mut self) {
        let conditions = std::mem::take(&mut self.conditions);
        for (file, place, condition) in conditions {
            let name = condition.path.join(".");
            let info = match condition.path.as_slice() {
                [collect, question] => self
                    .answer_names
                    .get(&(collect.clone(), question.clone()))
                    .cloned(),
                _ => None,
            };
            let remembered = condition
                .path
                .first()
                .is_some_and(|first| self.remembered.contains(first));
            let Some(info) = info else {
                if !remembered {
                    let fix = self.known_names_fix();
                    self.error(
                        &file,
                        place,
                        format!("`{name}` names no question or remembered value"),
                        fix,
                    );
                }
                continue;
            };
            self.check_test(&file, &place, &name, &info, &condition.test);
        }
    }

    fn check_test(&mut self, file: &Path, place: &str, name: &str, info: &AnswerInfo, test: &Test) {
        if !info.sound {
            return;
        }
        match test {
            Test::Known(_) => {}
            Test::OneOf(values) | Test::NoneOf(values) => {
                let Some(allowed) = &info.values else {
                    return;
                };
                for value in values {
                    if !allowed.iter().any(|a| crate::flow::branch::same(a, value)) {
                        let known: Vec<&str> = allowed.iter().map(String::as_str).collect();
                        let fix = match closest(value, &known) {
                            Some(near) => format!(
                                "did you mean \"{near}\"? Its answers are: {}",
                                known.join(", ")
                            ),
                            None => format!("its answers are: {}", known.join(", ")),
                        };
                        self.error(file, place, format!("`{name}` is never \"{value}\""), fix);
                    }
                }
            }
            Test::Compare(bounds) => {
                if !matches!(info.kind, Kind::Number | Kind::Date | Kind::Time) {
                    self.error(
                        file,
                        place,
                        format!(
                            "`{name}` is a {} answer; only numbers, dates and times can be compared",
                            info.kind.name()
                        ),
                        "test it with a value or a list of values instead",
                    );
                    return;
                }
                let example = match info.kind {
                    Kind::Date => "2026-12-24",
                    Kind::Time => "17:30",
                    _ => "3",
                };
                for (_, bound) in bounds {
                    if crate::flow::branch::order(example, bound).is_none() {
                        self.error(
                            file,
                            place,
                            format!(
                                "`{name}` is a {} answer and cannot be compared with \"{bound}\"",
                                info.kind.name()
                            ),
                            format!("compare it with a {} like {example}", info.kind.name()),
                        );
                    }
                }
            }
        }
    }
}
