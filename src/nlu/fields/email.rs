//! `Twilio.EMAIL`: an email address, lower-cased.
//!
//! Recognisers write an address either already formed ("jason@example.com")
//! or word by word ("jason at example dot com", "j dot smith at gmail dot
//! com", "jason underscore b at example dot co dot uk"). Spoken symbols are
//! mapped ("at" -> "@", "dot"/"period" -> ".", "underscore" -> "_",
//! "dash"/"hyphen" -> "-"), digit words become digits, and everything is
//! joined without spaces, so spelled letters ("j a s o n") join up. The
//! result must look like an address (local@domain.tld with a tld of 2+
//! letters, ASCII only) or the answer is rejected. Email addresses cannot be
//! typed on a keypad, so digits give None.

use super::{Answer, framing, lower};

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
            _ => (word_piece(tok)?, 1),
        };
        out.push_str(&piece);
        i += used;
    }
    valid(&out).then_some(out)
}

/// A token spelled into the address: digit words become digits, other
/// tokens are kept (they may already contain "." or "@", e.g. "gmail.com").
fn word_piece(tok: &str) -> Option<String> {
    let digit = match tok {
        "zero" => "0",
        "one" => "1",
        "two" => "2",
        "three" => "3",
        "four" => "4",
        "five" => "5",
        "six" => "6",
        "seven" => "7",
        "eight" => "8",
        "nine" => "9",
        _ => "",
    };
    if !digit.is_empty() {
        return Some(digit.to_string());
    }
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
