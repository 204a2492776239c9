//! `Twilio.EMAIL`: an email address, lower-cased.
//!
//! Recognisers write an address either already formed ("jason@example.com")
//! or word by word ("jason at example dot com", "j dot smith at gmail dot
//! com", "jason underscore b at example dot co dot uk"). Spoken symbols are
//! mapped ("at" -> "@", "dot"/"period" -> ".", "underscore" -> "_",
//! "dash"/"hyphen" -> "-"), numbers said in words become digits ("one two
//! three" -> "123" digit by digit, "ninety nine" -> "99", "one hundred" ->
//! "100"), and everything is joined without spaces, so spelled letters ("j a s o n") join up. The
//! result must look like an address (local@domain.tld with a tld of 2+
//! letters, ASCII only) or the answer is rejected. Email addresses cannot be
//! typed on a keypad, so digits give None.

use super::{Answer, framing, lower};
use crate::nlu::numbers::cardinal_prefix;

/// Words before the address that are not part of it ("my email is ...").
const LEAD_INS: &[&str] = &[
    "my", "email", "e-mail", "address", "is", "it's", "its", "it", "um", "uh", "so", "okay", "ok",
    "sure", "yes", "yeah", "the",
];

/// Announcements before an address, on top of the framing every type shares.
const EMAIL_LEAD_INS: &[&[&str]] = &[
    &["you", "can", "email", "me", "at"],
    &["email", "me", "at"],
    &["you", "can", "send", "it", "to"],
    &["send", "it", "to"],
    &["send", "it", "to", "me", "at"],
    &["you", "can", "reach", "me", "at"],
];

/// Remarks after the address ("... all one word", "... thanks").
const TRAIL_OFFS: &[&[&str]] = &[
    &["all", "one", "word"],
    &["all", "lowercase"],
    &["all", "lower", "case"],
    &["one", "word"],
    &["no", "spaces"],
    &["thank", "you"],
    &["thanks"],
    &["please"],
];

/// Parses a `Twilio.EMAIL` answer.
pub(super) fn parse(answer: Answer<'_>) -> Option<String> {
    let Answer::Speech(text) = answer else {
        return None;
    };
    let lowered = lower(&framing::core_with(
        text,
        framing::Profile::Value,
        EMAIL_LEAD_INS,
    ));
    let lowered = lowered.trim_end_matches(['.', '!', '?', ',']).trim();
    // Already written as an address.
    if !lowered.contains(char::is_whitespace) && lowered.contains('@') {
        return valid(lowered).then(|| lowered.to_string());
    }

    let mut tokens: Vec<&str> = lowered
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|t| t.trim_end_matches(['!', '?']))
        .filter(|t| !t.is_empty())
        .collect();
    while tokens.len() > 1 && tokens.first().is_some_and(|t| LEAD_INS.contains(t)) {
        tokens.remove(0);
    }
    while let Some(phrase) = TRAIL_OFFS
        .iter()
        .find(|p| tokens.len() > p.len() && tokens.ends_with(p))
    {
        tokens.truncate(tokens.len() - phrase.len());
    }

    let mut out = String::new();
    let mut i = 0;
    while let Some(&tok) = tokens.get(i) {
        let next = tokens.get(i + 1).copied();
        let (piece, used): (String, usize) = match (tok, next) {
            ("at", Some("sign" | "symbol")) => ("@".into(), 2),
            ("under", Some("score")) => ("_".into(), 2),
            ("double", Some(n)) if n.chars().count() == 1 => (n.repeat(2), 2),
            ("at", _) => ("@".into(), 1),
            ("dot" | "period" | "point", _) => (".".into(), 1),
            ("underscore", _) => ("_".into(), 1),
            ("dash" | "hyphen" | "minus", _) => ("-".into(), 1),
            ("plus", _) => ("+".into(), 1),
            _ => match spoken_number(tokens.get(i..).unwrap_or_default()) {
                Some((n, words)) => (n.to_string(), words),
                None => (word_piece(tok)?, 1),
            },
        };
        out.push_str(&piece);
        i += used;
    }
    valid(&out).then_some(out)
}

/// The number said in words at the start of `tokens` and how many words it
/// took, read the way a number is said: "ninety nine" is 99, "one hundred"
/// 100, "twenty twenty five" 20 then 25, and digits said one by one are one
/// number each ("one two three" is 1, then 2, then 3), as
/// [`cardinal_prefix`] reads them. A number starts with a number word, not
/// "a" ("j a hundred" is no "j100"): the letter is spelled.
fn spoken_number(tokens: &[&str]) -> Option<(u64, usize)> {
    if matches!(tokens.first(), Some(&("a" | "an"))) {
        return None;
    }
    cardinal_prefix(tokens).filter(|(_, words)| *words > 0)
}

/// A token spelled into the address as it is (it may already contain "." or
/// "@", e.g. "gmail.com").
fn word_piece(tok: &str) -> Option<String> {
    // Apostrophes from "o'brien" are transcription, not address.
    let kept: String = tok.chars().filter(|c| *c != '\'').collect();
    kept.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '_' | '-' | '+'))
        .then_some(kept)
}

/// A sane address: one "@", a local part of allowed characters without
/// leading, trailing or doubled dots, and a domain of 2+ labels ending in an
/// alphabetic tld of 2+ letters.
fn valid(addr: &str) -> bool {
    if addr.len() > 254 || !addr.is_ascii() {
        return false;
    }
    let Some((local, domain)) = addr.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let labels_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && labels_ok && tld_ok
}

#[cfg(test)]
mod tests {
    use super::super::BuiltinType;
    use super::super::tests::{check_digits, check_speech};

    const EMAIL_SPEECH: &[(&str, Option<&str>)] = &[
        ("jason at example dot com", Some("jason@example.com")),
        ("j dot smith at gmail dot com", Some("j.smith@gmail.com")),
        (
            "jason underscore b at example dot co dot uk",
            Some("jason_b@example.co.uk"),
        ),
        (
            "mary dash jane at example dot org",
            Some("mary-jane@example.org"),
        ),
        (
            "mary hyphen jane at example dot org",
            Some("mary-jane@example.org"),
        ),
        ("j a s o n at example dot com", Some("jason@example.com")),
        (
            "jason one two three at gmail dot com",
            Some("jason123@gmail.com"),
        ),
        (
            "carlos ninety nine at gmail dot com",
            Some("carlos99@gmail.com"),
        ),
        ("bob twenty one at gmail dot com", Some("bob21@gmail.com")),
        ("bob one hundred at gmail dot com", Some("bob100@gmail.com")),
        (
            "bob nineteen eighty four at gmail dot com",
            Some("bob1984@gmail.com"),
        ),
        ("j a hundred at gmail dot com", Some("jahundred@gmail.com")),
        ("my email is jason at gmail.com", Some("jason@gmail.com")),
        ("Jason@Example.com.", Some("jason@example.com")),
        (
            "  jason.smith+tag@example.com ",
            Some("jason.smith+tag@example.com"),
        ),
        (
            "jason at sign example period com",
            Some("jason@example.com"),
        ),
        (
            "Jason at example dot com, all one word",
            Some("jason@example.com"),
        ),
        ("jason at gmail", None),
        ("jason", None),
        ("jason at example dot c", None),
        ("at example dot com", None),
        ("jason at at example dot com", None),
        ("dot jason at example dot com", None),
        ("jason at example dot 123", None),
        ("josé at example dot com", None),
        ("I don't have one", None),
        ("", None),
    ];

    #[test]
    fn email_table() {
        check_speech(BuiltinType::Email, EMAIL_SPEECH);
        check_digits(BuiltinType::Email, &[("123", None), ("", None)]);
    }
}
