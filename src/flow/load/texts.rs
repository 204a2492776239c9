//! Texts the bot says: a string or `{"say": …}`, parsed into a [`Text`], and the check that
//! every `{{placeholder}}` names a question or a remembered value.

use std::path::Path;

use serde_json::Value;

use super::Cx;
use crate::flow::json::Node;
use crate::flow::spoken::Format;
use crate::flow::{Task, Text};

impl Cx {
    /// A spoken text: a string, `{"say": …}` or `{"speech": …}` as Autopilot allowed, or
    /// `{"voice": …, "sms": …}` for different words by channel (either may be left out, and
    /// that channel says nothing).
    pub(super) fn say_text(&mut self, file: &Path, node: &Node<'_>) -> Option<Text> {
        let parsed = match node.value() {
            Value::String(s) => Text::parse(s),
            Value::Object(_) => {
                if let Some(inner) = node.get("say").or_else(|| node.get("speech")) {
                    return self.say_text(file, &inner);
                }
                if node.get("voice").is_none() && node.get("sms").is_none() {
                    self.error(
                        file,
                        node.path(),
                        "expected a text, an object with `say`, or words per channel",
                        r#"write "Hello", {"say": "Hello"} or {"voice": "Press 1", "sms": "Reply 1"}"#,
                    );
                    return None;
                }
                self.unknown_keys(file, node, &["voice", "sms"]);
                let voice = node.get("voice").and_then(|n| self.string(file, &n));
                let sms = node.get("sms").and_then(|n| self.string(file, &n));
                Text::per_channel(voice, sms)
            }
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
        match parsed {
            Ok(parsed) => {
                for (slot, format) in parsed.slots() {
                    self.placeholders.push((
                        file.to_path_buf(),
                        node.path(),
                        slot.to_vec(),
                        format,
                    ));
                }
                Some(parsed)
            }
            Err(problem) => {
                self.error(
                    file,
                    node.path(),
                    problem,
                    "write placeholders as {{collect_name.question_name}}, or {{collect_name.question_name | spoken}} to choose how it is said",
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

    /// "use one of: …" every question and remembered key, for a name that is neither.
    pub(super) fn known_names_fix(&self) -> String {
        let mut names: Vec<String> = self
            .answer_names
            .keys()
            .map(|(c, q)| format!("{c}.{q}"))
            .collect();
        names.extend(self.remembered.iter().cloned());
        names.sort();
        if names.is_empty() {
            "name an answer as collect_name.question_name; this assistant has none".to_owned()
        } else {
            format!("use one of: {}", names.join(", "))
        }
    }

    /// Every `{{a.b}}` must name a collect's question or a remembered key somewhere.
    pub(super) fn check_placeholders(&mut self, _tasks: &[Task]) {
        let placeholders = std::mem::take(&mut self.placeholders);
        for (file, place, path, format) in placeholders {
            let known = match path.as_slice() {
                [collect, question] => {
                    if let Some(kind) = self
                        .answer_names
                        .get(&(collect.clone(), question.clone()))
                        .filter(|info| info.sound)
                        .map(|info| info.kind)
                        && let Some(format) = format
                        && !kind.accepts(format)
                    {
                        let fits: Vec<&str> = Format::ALL
                            .iter()
                            .filter(|f| kind.accepts(**f))
                            .map(|f| f.name())
                            .collect();
                        self.error(
                            &file,
                            place.clone(),
                            format!(
                                "`| {}` does not suit `{{{{{}}}}}`, a {} answer",
                                format.name(),
                                path.join("."),
                                kind.name()
                            ),
                            format!("write one of: {}", fits.join(", ")),
                        );
                    }
                    self.answer_names
                        .contains_key(&(collect.clone(), question.clone()))
                        || self.remembered.contains(collect)
                }
                [first, ..] => self.remembered.contains(first),
                [] => false,
            };
            if !known {
                let fix = self.known_names_fix();
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
