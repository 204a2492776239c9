//! Texts the bot says: a string or `{"say": …}`, parsed into a [`Text`], and the check that
//! every `{{placeholder}}` names a question or a remembered value.

use std::path::Path;

use serde_json::Value;

use super::Cx;
use crate::flow::json::Node;
use crate::flow::{Task, Text};

impl Cx {
    /// A spoken text: a string, `{"say": …}` or `{"speech": …}` as Autopilot allowed.
    pub(super) fn say_text(&mut self, file: &Path, node: &Node<'_>) -> Option<Text> {
        let text = match node.value() {
            Value::String(s) => s.as_str(),
            Value::Object(_) => match node.get("say").or_else(|| node.get("speech")) {
                Some(inner) => return self.say_text(file, &inner),
                None => {
                    self.error(
                        file,
                        node.path(),
                        "expected a text, or an object with `say` or `speech`",
                        r#"write "Hello" or {"say": "Hello"}"#,
                    );
                    return None;
                }
            },
            _ => {
                self.error(
                    file,
                    node.path(),
                    format!("expected a text, found {}", node.kind()),
                    r#"write "Hello""#,
                );
                return None;
            }
        };
        match Text::parse(text) {
            Ok(parsed) => {
                for slot in parsed.slots() {
                    self.placeholders
                        .push((file.to_path_buf(), node.path(), slot.to_vec()));
                }
                Some(parsed)
            }
            Err(problem) => {
                self.error(
                    file,
                    node.path(),
                    problem,
                    "write placeholders as {{collect_name.question_name}}",
                );
                None
            }
        }
    }

    pub(super) fn messages(&mut self, file: &Path, node: &Node<'_>) -> Vec<Text> {
        node.items()
            .iter()
            .filter_map(|m| self.say_text(file, m))
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// Every `{{a.b}}` must name a collect's question or a remembered key somewhere.
    pub(super) fn check_placeholders(&mut self, _tasks: &[Task]) {
        let placeholders = std::mem::take(&mut self.placeholders);
        for (file, place, path) in placeholders {
            let known = match path.as_slice() {
                [collect, question] => {
                    self.answer_names
                        .contains(&(collect.clone(), question.clone()))
                        || self.remembered.contains(collect)
                }
                [first, ..] => self.remembered.contains(first),
                [] => false,
            };
            if !known {
                let mut names: Vec<String> = self
                    .answer_names
                    .iter()
                    .map(|(c, q)| format!("{c}.{q}"))
                    .collect();
                names.extend(self.remembered.iter().cloned());
                names.sort();
                let fix = if names.is_empty() {
                    "placeholders name an answer as {{collect_name.question_name}}; this assistant has none".to_owned()
                } else {
                    format!("use one of: {}", names.join(", "))
                };
                self.error(
                    &file,
                    place,
                    format!(
                        "placeholder `{{{{{}}}}}` names no question or remembered value",
                        path.join(".")
                    ),
                    fix,
                );
            }
        }
    }
}
