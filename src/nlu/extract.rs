//! Field values inside an utterance: "book a table for four people tomorrow" fills
//! `{party_size}` and `{date}` from a sample like `book a table for {party_size} people {date}`.
//!
//! Autopilot learned this from tagged samples; Switchboard reads the samples as patterns. For
//! each tag, the words around it in a sample are anchors: the caller's words between the same
//! anchors are the candidate, and the field's type parser has the last word — a candidate that
//! does not parse as the field's type is no value. When no sample's anchors are found, types
//! whose parsers pick a value out of a sentence (dates, times, numbers, days, months, states and
//! custom lists) are tried on the whole utterance. Names, phone numbers and free text never are:
//! a guess there would be worse than asking.
//!
//! In the assistant's language: values are read by its parsers ("una mesa para cuatro" fills
//! `{party_size}` with 4), and Chinese, written without spaces, is compared character by
//! character, so `我要寄{count}个箱子` finds 三 in 我要寄三个箱子.

use chrono::NaiveDate;

use super::fields::{self, Answer, BuiltinType, Context, CustomType};
use super::lang::{Language, is_han};

/// The type of a field, as the extractor needs it.
#[derive(Debug, Clone, Copy)]
pub enum FieldKind<'a> {
    /// A Twilio built-in type.
    Builtin(BuiltinType),
    /// A custom list.
    Custom(&'a CustomType),
    /// Any text.
    FreeText,
}

/// One value found in an utterance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The field's name (the tag in the samples).
    pub name: String,
    /// The value, normalised by its type (`2026-11-26`, `4`).
    pub value: String,
}

/// Most words in an anchor on either side of a tag; more rarely helps and often fails on
/// recognition noise.
const ANCHOR_WORDS: usize = 2;

/// A sample split into words and tags.
enum Part<'s> {
    Word(String),
    Tag(&'s str),
}

fn parts(sample: &str) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let mut rest = sample;
    while let Some(open) = rest.find('{') {
        out.extend(words(&rest[..open]).into_iter().map(|(_, w)| Part::Word(w)));
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            rest = after;
            continue;
        };
        let tag = after[..close].trim();
        if !tag.is_empty() {
            out.push(Part::Tag(tag));
        }
        rest = &after[close + 1..];
    }
    out.extend(words(rest).into_iter().map(|(_, w)| Part::Word(w)));
    out
}

/// Words with their original spelling and a normalised form for comparing. Each Chinese
/// character is a word of its own: the language has no spaces to split on.
fn words(text: &str) -> Vec<(&str, String)> {
    text.split_whitespace()
        .flat_map(split_han)
        .map(|w| {
            (
                w,
                // Accents folded as the matcher folds them: a sample's "reservación" anchors a
                // transcript's "reservacion".
                w.chars()
                    .filter(|c| c.is_alphanumeric())
                    .flat_map(char::to_lowercase)
                    .map(super::text::fold_char)
                    .collect::<String>(),
            )
        })
        .filter(|(_, n)| !n.is_empty())
        .collect()
}

/// `word` cut before and after each Han character ("寄3个" → "寄", "3", "个").
fn split_han(word: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in word.char_indices() {
        if is_han(c) {
            if start < i {
                out.push(&word[start..i]);
            }
            let end = i + c.len_utf8();
            out.push(&word[i..end]);
            start = end;
        }
    }
    if start < word.len() {
        out.push(&word[start..]);
    }
    out
}

/// Words joined back into text: with spaces, except between Chinese characters.
fn join(span: &[&str]) -> String {
    let mut out = String::new();
    for (i, word) in span.iter().enumerate() {
        let han = |w: &str| w.chars().next().is_some_and(is_han);
        if i > 0 && !(han(span[i - 1]) && han(word)) {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn find(haystack: &[(&str, String)], needle: &[String], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return Some(from);
    }
    (from..=haystack.len().checked_sub(needle.len())?).find(|&i| {
        haystack[i..i + needle.len()]
            .iter()
            .map(|(_, n)| n)
            .eq(needle.iter())
    })
}

/// Values for `fields` (name and type) found in `utterance`, using the task's `samples`, read
/// by `language`'s parsers.
pub fn extract(
    utterance: &str,
    samples: &[String],
    fields: &[(&str, FieldKind<'_>)],
    today: NaiveDate,
    language: &Language,
) -> Vec<Found> {
    let said = words(utterance);
    let context = Context { today };
    let parse = |kind: FieldKind<'_>, text: &str| match kind {
        FieldKind::Builtin(ty) => fields::parse_in(ty, Answer::Speech(text), &context, language),
        FieldKind::Custom(custom) => custom.parse(Answer::Speech(text)),
        FieldKind::FreeText => fields::parse_free_text(Answer::Speech(text)),
    };
    let mut found: Vec<Found> = Vec::new();
    for (name, kind) in fields {
        let mut value = None;
        'samples: for sample in samples {
            let parts = parts(sample);
            for (i, part) in parts.iter().enumerate() {
                let Part::Tag(tag) = part else { continue };
                if tag != name {
                    continue;
                }
                let left: Vec<String> = parts[..i]
                    .iter()
                    .rev()
                    .map_while(|p| match p {
                        Part::Word(w) => Some(w.clone()),
                        Part::Tag(_) => None,
                    })
                    .take(ANCHOR_WORDS)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                let right: Vec<String> = parts[i + 1..]
                    .iter()
                    .map_while(|p| match p {
                        Part::Word(w) => Some(w.clone()),
                        Part::Tag(_) => None,
                    })
                    .take(ANCHOR_WORDS)
                    .collect();
                // A tag with another tag right next to it has no anchor on that side; the span
                // then runs to the end and the type parser must pick its value out.
                let Some(at) = find(&said, &left, 0) else {
                    continue;
                };
                let start = at + left.len();
                let end = if right.is_empty() {
                    Some(said.len())
                } else {
                    find(&said, &right, start)
                };
                let Some(end) = end.filter(|&e| e > start) else {
                    continue;
                };
                let span: Vec<&str> = said[start..end].iter().map(|(w, _)| *w).collect();
                if let Some(v) = parse(*kind, &join(&span)) {
                    value = Some(v);
                    break 'samples;
                }
            }
        }
        let sentence_safe = match kind {
            FieldKind::Builtin(ty) => matches!(
                ty,
                BuiltinType::Date
                    | BuiltinType::Time
                    | BuiltinType::Number
                    | BuiltinType::DayOfWeek
                    | BuiltinType::Month
                    | BuiltinType::UsState
            ),
            FieldKind::Custom(_) => true,
            FieldKind::FreeText => false,
        };
        if value.is_none() && sentence_safe {
            value = parse(*kind, utterance);
        }
        if let Some(value) = value {
            found.push(Found {
                name: (*name).to_owned(),
                value,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn english() -> &'static Language {
        crate::nlu::lang::english()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid date")
    }

    #[test]
    fn anchored_values_are_found_and_typed() {
        let samples = vec![
            "book a table for {party_size} people {date}".to_owned(),
            "table for {party_size}".to_owned(),
        ];
        let fields = [
            ("party_size", FieldKind::Builtin(BuiltinType::Number)),
            ("date", FieldKind::Builtin(BuiltinType::Date)),
        ];
        let cases: &[(&str, &[(&str, &str)])] = &[
            (
                "Book a table for four people tomorrow",
                &[("party_size", "4"), ("date", "2026-11-26")],
            ),
            ("could I get a table for 6 please", &[("party_size", "6")]),
            ("book a table", &[]),
            // "for" with no number after it is not a party size.
            ("a table for the birthday", &[]),
        ];
        let mut failures = Vec::new();
        for (said, expected) in cases {
            let got = extract(said, &samples, &fields, today(), english());
            let got: Vec<(&str, &str)> = got
                .iter()
                .map(|f| (f.name.as_str(), f.value.as_str()))
                .collect();
            if got != *expected {
                failures.push(format!("{said:?}: expected {expected:?}, got {got:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn names_are_only_taken_between_anchors() {
        let samples = vec!["my name is {first_name}".to_owned()];
        let fields = [("first_name", FieldKind::Builtin(BuiltinType::FirstName))];
        assert_eq!(
            extract("hi my name is Jason", &samples, &fields, today(), english()),
            [Found {
                name: "first_name".into(),
                value: "Jason".into()
            }]
        );
        assert!(
            extract("Jason here", &samples, &fields, today(), english()).is_empty(),
            "no anchor, no guess"
        );
    }

    #[test]
    fn custom_lists_are_found_anywhere() {
        let size = CustomType::new(vec![
            ("large".into(), vec!["big".into()]),
            ("small".into(), vec![]),
        ]);
        let samples = vec!["I want a {size} pizza".to_owned()];
        let fields = [("size", FieldKind::Custom(&size))];
        assert_eq!(
            extract("a big one please", &samples, &fields, today(), english()),
            [Found {
                name: "size".into(),
                value: "large".into()
            }]
        );
    }

    #[test]
    fn values_are_read_in_the_bots_language_and_chinese_by_character() {
        let find = |tag: &str| crate::nlu::lang::find(tag).expect("known language");
        let pairs = |found: Vec<Found>| -> Vec<(String, String)> {
            found.into_iter().map(|f| (f.name, f.value)).collect()
        };
        let fields = [
            ("people", FieldKind::Builtin(BuiltinType::Number)),
            ("date", FieldKind::Builtin(BuiltinType::Date)),
        ];
        let spanish = vec!["una mesa para {people} personas {date}".to_owned()];
        assert_eq!(
            pairs(extract(
                "quiero una mesa para cuatro personas mañana",
                &spanish,
                &fields,
                today(),
                find("es-MX"),
            )),
            [
                ("people".to_owned(), "4".to_owned()),
                ("date".to_owned(), "2026-11-26".to_owned())
            ]
        );
        let mandarin = vec!["我要寄{people}个箱子".to_owned(), "{date}来取件".to_owned()];
        assert_eq!(
            pairs(extract(
                "你好我要寄三个箱子",
                &mandarin,
                &fields,
                today(),
                find("zh-CN"),
            )),
            [("people".to_owned(), "3".to_owned())]
        );
        assert_eq!(
            pairs(extract(
                "我要寄十二个箱子明天来取件",
                &mandarin,
                &fields,
                today(),
                find("zh-CN"),
            )),
            [
                ("people".to_owned(), "12".to_owned()),
                ("date".to_owned(), "2026-11-26".to_owned())
            ]
        );
        // English words are still read as English in an English bot.
        assert!(
            extract(
                "una mesa para cuatro personas",
                &spanish,
                &fields,
                today(),
                english()
            )
            .iter()
            .all(|f| f.name != "people")
        );
        // A sample written with its accents anchors a transcript without them.
        let accented = vec!["una reservación para {people} personas".to_owned()];
        assert_eq!(
            pairs(extract(
                "una reservacion para dos personas",
                &accented,
                &fields,
                today(),
                find("es-US"),
            )),
            [("people".to_owned(), "2".to_owned())]
        );
        assert_eq!(split_han("寄3个box"), ["寄", "3", "个", "box"]);
        assert_eq!(join(&["十", "二"]), "十二");
        assert_eq!(join(&["a", "b"]), "a b");
    }

    #[test]
    fn odd_input_does_not_panic() {
        let samples = vec!["{a}{b} {".to_owned(), "}{".to_owned(), String::new()];
        let fields = [
            ("a", FieldKind::FreeText),
            ("b", FieldKind::Builtin(BuiltinType::Number)),
        ];
        for said in ["", " ", "{a}", &"x ".repeat(5000)] {
            let _ = extract(said, &samples, &fields, today(), english());
        }
    }
}
