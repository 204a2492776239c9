//! Texts the bot says, with `{{placeholders}}` filled from the session's memory.
//!
//! Autopilot's static actions could not mention what a caller had said; bots had to call a
//! webhook just to say "Thanks, Jason". Switchboard lets any spoken text name an answer or a
//! remembered value: `{{user_information.user_name}}` is the answer to question `user_name` of
//! collect `user_information`, and `{{plan}}` a key written by `remember`. Placeholders are
//! parsed and checked at load time; rendering cannot fail.

use serde_json::{Map, Value};

/// A text with placeholders, parsed once at load.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    /// A dotted path: `collect.question` or a remembered key (possibly nested).
    Slot(Vec<String>),
}

impl Text {
    /// Parses `{{a.b}}` placeholders. Returns the problem as text if a placeholder is malformed.
    pub(crate) fn parse(source: &str) -> Result<Text, String> {
        let mut parts = Vec::new();
        let mut rest = source;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                parts.push(Part::Literal(rest[..start].to_owned()));
            }
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                return Err(format!("`{{{{` without a closing `}}}}` in {source:?}"));
            };
            let name = after[..end].trim();
            let path: Vec<String> = name.split('.').map(str::to_owned).collect();
            let valid = |s: &String| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            };
            if !path.iter().all(valid) {
                return Err(format!(
                    "placeholder `{{{{{name}}}}}` is not a name like `collect_name.question_name`"
                ));
            }
            parts.push(Part::Slot(path));
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        Ok(Text { parts })
    }

    /// A text with no placeholders.
    pub fn plain(text: &str) -> Text {
        Text {
            parts: vec![Part::Literal(text.to_owned())],
        }
    }

    /// The placeholders' paths, for load-time checks.
    pub(crate) fn slots(&self) -> impl Iterator<Item = &[String]> {
        self.parts.iter().filter_map(|p| match p {
            Part::Slot(path) => Some(path.as_slice()),
            Part::Literal(_) => None,
        })
    }

    /// True when there is nothing to say.
    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(|p| match p {
            Part::Literal(s) => s.trim().is_empty(),
            Part::Slot(_) => false,
        })
    }

    /// Fills the placeholders from Autopilot-shaped memory: first a remembered key at that path,
    /// then `twilio.collected_data.<collect>.answers.<question>.answer`. A value not (yet) known
    /// renders as nothing.
    pub fn render(&self, memory: &Map<String, Value>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Slot(path) => {
                    if let Some(value) = lookup(memory, path) {
                        match value {
                            Value::String(s) => out.push_str(s),
                            Value::Null => {}
                            other => out.push_str(&other.to_string()),
                        }
                    }
                }
            }
        }
        out
    }
}

fn lookup<'a>(memory: &'a Map<String, Value>, path: &[String]) -> Option<&'a Value> {
    let direct = path
        .iter()
        .try_fold(None::<&Value>, |at, key| match at {
            None => memory.get(key).map(Some),
            Some(v) => v.get(key).map(Some),
        })
        .flatten();
    if direct.is_some() {
        return direct;
    }
    if let [collect, question] = path {
        return memory
            .get("twilio")?
            .get("collected_data")?
            .get(collect)?
            .get("answers")?
            .get(question)?
            .get("answer");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_answers_and_remembered_values() {
        let memory = json!({
            "plan": "gold",
            "twilio": {"collected_data": {"info": {"answers": {"name": {"answer": "Jason"}}}}}
        });
        let memory = memory.as_object().expect("object");
        let text = Text::parse("Thanks {{ info.name }}, you chose {{plan}}.").expect("parses");
        assert_eq!(text.render(memory), "Thanks Jason, you chose gold.");
    }

    #[test]
    fn unknown_values_render_as_nothing() {
        let text = Text::parse("Hi {{info.name}}!").expect("parses");
        assert_eq!(text.render(&Map::new()), "Hi !");
    }

    #[test]
    fn malformed_placeholders_are_refused() {
        assert!(Text::parse("Hi {{info.name").is_err());
        assert!(Text::parse("Hi {{info name}}").is_err());
        assert!(Text::parse("Hi {{}}").is_err());
    }
}
