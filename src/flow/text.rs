//! Texts the bot says, with `{{placeholders}}` filled from the session's memory.
//!
//! Autopilot's static actions could not mention what a caller had said; bots had to call a
//! webhook just to say "Thanks, Jason". Switchboard lets any spoken text name an answer or a
//! remembered value: `{{user_information.user_name}}` is the answer to question `user_name` of
//! collect `user_information`, and `{{plan}}` a key written by `remember`. Placeholders are
//! parsed and checked at load time; rendering cannot fail.
//!
//! A placeholder may say how its value is said: `{{order.date | spoken}}` is "Friday, December
//! 11th" (in a Spanish bot "viernes 11 de diciembre"), `| weekday` "Friday", `| digits` reads a
//! number digit by digit, `| raw` is the stored value (see [`spoken`]). Without one, an answer is
//! said the way its type is said aloud: dates and times spelled out in the bot's language, and by
//! voice phone and account numbers digit by digit. And a text may have words for each channel —
//! "press pound" means nothing in a text message — as `{"voice": "…", "sms": "…"}`.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::spoken::{self, Format, Kind};

/// The channel a conversation runs on: a phone call or text messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// A phone call.
    #[default]
    Voice,
    /// A text conversation.
    Sms,
}

impl Channel {
    /// The name stored with answers and sent to webhooks (`voice`).
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Voice => "voice",
            Channel::Sms => "sms",
        }
    }
}

/// A text with placeholders, parsed once at load; its words may differ by channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// What a caller hears; also what a text message says unless `sms` is set.
    voice: Vec<Part>,
    /// What a text message says instead, when the flow gave different words.
    sms: Option<Vec<Part>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    /// A dotted path (`collect.question` or a remembered key, possibly nested), the same path
    /// as written (the key of [`Saying::kinds`], kept so rendering allocates nothing to look it
    /// up), and how to say its value, when the text says.
    Slot(Vec<String>, String, Option<Format>),
}

/// What rendering needs besides memory: the channel, the caller's date (a date in another
/// year is said with its year), and the kind of value each answer holds
/// ([`Assistant::answer_kinds`](super::Assistant::answer_kinds)).
#[derive(Debug, Clone, Copy)]
pub struct Saying<'a> {
    /// Where the words go.
    pub channel: Channel,
    /// The caller's local date.
    pub today: NaiveDate,
    /// `collect.question` → the kind of value its answers hold.
    pub kinds: &'a HashMap<String, Kind>,
    /// The language the call speaks: dates, weekdays and times are said in it ("viernes 11 de
    /// diciembre", "晚上7点半"), and a phone number of its own country without the country code.
    pub language: &'static crate::nlu::lang::Language,
}

impl Text {
    /// Parses `{{a.b}}` and `{{a.b | format}}` placeholders. Returns the problem as text if a
    /// placeholder is malformed.
    pub(crate) fn parse(source: &str) -> Result<Text, String> {
        Ok(Text {
            voice: parse_parts(source)?,
            sms: None,
        })
    }

    /// A text with different words by voice and by text message; a channel given no words
    /// says nothing there.
    pub(crate) fn per_channel(voice: Option<&str>, sms: Option<&str>) -> Result<Text, String> {
        Ok(Text {
            voice: parse_parts(voice.unwrap_or_default())?,
            sms: Some(parse_parts(sms.unwrap_or_default())?),
        })
    }

    /// A text with no placeholders.
    pub fn plain(text: &str) -> Text {
        Text {
            voice: vec![Part::Literal(text.to_owned())],
            sms: None,
        }
    }

    fn parts(&self, channel: Channel) -> &[Part] {
        match (channel, &self.sms) {
            (Channel::Sms, Some(sms)) => sms,
            _ => &self.voice,
        }
    }

    /// The placeholders' paths and formats, on every channel, for load-time checks.
    pub(crate) fn slots(&self) -> impl Iterator<Item = (&[String], Option<Format>)> {
        self.voice
            .iter()
            .chain(self.sms.iter().flatten())
            .filter_map(|p| match p {
                Part::Slot(path, _, format) => Some((path.as_slice(), *format)),
                Part::Literal(_) => None,
            })
    }

    /// True when there is nothing to say on any channel.
    pub fn is_empty(&self) -> bool {
        self.is_empty_on(Channel::Voice) && self.is_empty_on(Channel::Sms)
    }

    /// True when there is nothing to say on `channel`.
    pub fn is_empty_on(&self, channel: Channel) -> bool {
        self.parts(channel).iter().all(|p| match p {
            Part::Literal(s) => s.trim().is_empty(),
            Part::Slot(..) => false,
        })
    }

    /// Fills the placeholders from Autopilot-shaped memory: first a remembered key at that path,
    /// then `twilio.collected_data.<collect>.answers.<question>.answer`. A value not (yet) known
    /// renders as nothing; a value is said in its placeholder's format, or its kind's default.
    pub fn render(&self, memory: &Map<String, Value>, saying: &Saying<'_>) -> String {
        let mut out = String::new();
        for part in self.parts(saying.channel) {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Slot(path, name, format) => {
                    let value = match lookup(memory, path) {
                        Some(Value::String(s)) => std::borrow::Cow::Borrowed(s.as_str()),
                        None | Some(Value::Null) => continue,
                        Some(other) => std::borrow::Cow::Owned(other.to_string()),
                    };
                    let kind = saying.kinds.get(name).copied().unwrap_or(Kind::Other);
                    let format = format.unwrap_or_else(|| {
                        spoken::default_for(kind, saying.channel == Channel::Voice)
                    });
                    if format == Format::Raw {
                        out.push_str(&value);
                    } else {
                        out.push_str(&spoken::say(
                            &value,
                            format,
                            kind,
                            saying.today,
                            saying.language,
                        ));
                    }
                }
            }
        }
        out
    }
}

/// Splits a source text into literals and placeholders.
fn parse_parts(source: &str) -> Result<Vec<Part>, String> {
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
        let inside = &after[..end];
        let (name, format) = match inside.split_once('|') {
            Some((name, format)) => (name.trim(), Some(format.trim())),
            None => (inside.trim(), None),
        };
        let path: Vec<String> = name.split('.').map(str::to_owned).collect();
        let valid = |s: &String| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if !path.iter().all(valid) {
            return Err(format!(
                "placeholder `{{{{{}}}}}` is not a name like `collect_name.question_name`",
                inside.trim()
            ));
        }
        let format = match format {
            None => None,
            Some(written) => Some(Format::from_name(written).ok_or_else(|| {
                format!(
                    "`{written}` in placeholder `{{{{{}}}}}` is no format; formats are {}",
                    inside.trim(),
                    Format::NAMES.join(", ")
                )
            })?),
        };
        parts.push(Part::Slot(path, name.to_owned(), format));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest.to_owned()));
    }
    Ok(parts)
}

/// The value at a placeholder's path: a remembered key, else a collect's answer.
pub(crate) fn lookup<'a>(memory: &'a Map<String, Value>, path: &[String]) -> Option<&'a Value> {
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

    fn saying(channel: Channel, kinds: &HashMap<String, Kind>) -> Saying<'_> {
        Saying {
            channel,
            today: NaiveDate::from_ymd_opt(2026, 12, 7).expect("date"),
            kinds,
            language: crate::nlu::lang::english(),
        }
    }

    #[test]
    fn renders_answers_and_remembered_values() {
        let memory = json!({
            "plan": "gold",
            "twilio": {"collected_data": {"info": {"answers": {"name": {"answer": "Jason"}}}}}
        });
        let memory = memory.as_object().expect("object");
        let text = Text::parse("Thanks {{ info.name }}, you chose {{plan}}.").expect("parses");
        let kinds = HashMap::new();
        assert_eq!(
            text.render(memory, &saying(Channel::Voice, &kinds)),
            "Thanks Jason, you chose gold."
        );
    }

    #[test]
    fn unknown_values_render_as_nothing() {
        let text = Text::parse("Hi {{info.name}}!").expect("parses");
        let kinds = HashMap::new();
        assert_eq!(
            text.render(&Map::new(), &saying(Channel::Voice, &kinds)),
            "Hi !"
        );
    }

    #[test]
    fn malformed_placeholders_are_refused() {
        assert!(Text::parse("Hi {{info.name").is_err());
        assert!(Text::parse("Hi {{info name}}").is_err());
        assert!(Text::parse("Hi {{'x' name}}").is_err());
        assert!(Text::parse("Hi {{}}").is_err());
        assert!(Text::parse("Hi {{info.name | loud}}").is_err());
        assert!(Text::parse("Hi {{ | spoken}}").is_err());
    }

    #[test]
    fn answers_are_said_by_their_kind_unless_a_format_is_named() {
        let memory = json!({"twilio": {"collected_data": {"order": {"answers": {
            "date": {"answer": "2026-12-11"},
            "time": {"answer": "19:30"},
            "phone": {"answer": "+15551234567"},
        }}}}});
        let memory = memory.as_object().expect("object");
        let kinds: HashMap<String, Kind> = [
            ("order.date".to_owned(), Kind::Date),
            ("order.time".to_owned(), Kind::Time),
            ("order.phone".to_owned(), Kind::Phone),
        ]
        .into();
        let text = Text::parse("{{order.date}} at {{order.time}}; we'll call {{order.phone}}.")
            .expect("parses");
        assert_eq!(
            text.render(memory, &saying(Channel::Voice, &kinds)),
            "Friday, December 11th at 7:30 PM; we'll call 5 5 5, 1 2 3, 4 5 6 7."
        );
        assert_eq!(
            text.render(memory, &saying(Channel::Sms, &kinds)),
            "Friday, December 11th at 7:30 PM; we'll call +15551234567."
        );
        let text =
            Text::parse("{{order.date | weekday}}, {{order.date|raw}}, {{order.time | raw}}")
                .expect("parses");
        assert_eq!(
            text.render(memory, &saying(Channel::Voice, &kinds)),
            "Friday, 2026-12-11, 19:30"
        );
    }

    #[test]
    fn dates_and_times_are_said_in_the_bots_language() {
        let memory = json!({"twilio": {"collected_data": {"cita": {"answers": {
            "fecha": {"answer": "2026-12-11"},
            "hora": {"answer": "19:30"},
            "telefono": {"answer": "+525512345678"},
        }}}}});
        let memory = memory.as_object().expect("object");
        let kinds: HashMap<String, Kind> = [
            ("cita.fecha".to_owned(), Kind::Date),
            ("cita.hora".to_owned(), Kind::Time),
            ("cita.telefono".to_owned(), Kind::Phone),
        ]
        .into();
        let text = Text::parse(
            "{{cita.fecha}}, a las {{cita.hora}} ({{cita.fecha | weekday}}, {{cita.hora | raw}}); \
             {{cita.telefono}}",
        )
        .expect("parses");
        let cases = [
            (
                "es-MX",
                Channel::Voice,
                "viernes 11 de diciembre, a las 7:30 de la tarde (viernes, 19:30); \
                 5 5 1, 2 3 4, 5 6 7 8",
            ),
            (
                "es-MX",
                Channel::Sms,
                "viernes 11 de diciembre, a las 7:30 de la tarde (viernes, 19:30); +525512345678",
            ),
            (
                "zh-CN",
                Channel::Sms,
                "12月11日星期五, a las 晚上7点半 (星期五, 19:30); +525512345678",
            ),
        ];
        for (tag, channel, expected) in cases {
            let saying = Saying {
                language: crate::nlu::lang::find(tag).expect("a language"),
                ..saying(channel, &kinds)
            };
            assert_eq!(text.render(memory, &saying), expected, "{tag} {channel:?}");
        }
    }

    #[test]
    fn a_text_may_have_words_for_each_channel() {
        let text = Text::per_channel(
            Some("Say it or key it in, then press pound."),
            Some("Reply with it."),
        )
        .expect("parses");
        let kinds = HashMap::new();
        let memory = Map::new();
        assert_eq!(
            text.render(&memory, &saying(Channel::Voice, &kinds)),
            "Say it or key it in, then press pound."
        );
        assert_eq!(
            text.render(&memory, &saying(Channel::Sms, &kinds)),
            "Reply with it."
        );
        let voice_only = Text::per_channel(Some("Press 1."), None).expect("parses");
        assert!(voice_only.is_empty_on(Channel::Sms));
        assert!(!voice_only.is_empty_on(Channel::Voice));
        assert!(!voice_only.is_empty());
    }
}
