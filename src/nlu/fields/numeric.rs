//! Number-like types: `Twilio.NUMBER`, `Twilio.NUMBER_SEQUENCE`,
//! `Twilio.PHONE_NUMBER` and `Twilio.ALPHANUMERIC`.
//!
//! They share the spoken-number machinery in [`crate::nlu::numbers`] and
//! differ in what they make of it: a quantity ("twenty five" -> "25"), a
//! string of digits where leading zeros matter ("oh one two" -> "012"), an
//! E.164 phone number, or a code of letters and digits.

use super::{Answer, keypad_digits, lower};
use crate::nlu::numbers::{cardinal_prefix, format_number, parse_digit_sequence, parse_number};

/// Words callers put before a quantity ("about 30", "I think it's 30").
const NUMBER_LEAD_INS: &[&str] = &[
    "it's",
    "its",
    "it",
    "is",
    "it'll",
    "be",
    "about",
    "around",
    "approximately",
    "roughly",
    "maybe",
    "probably",
    "perhaps",
    "um",
    "umm",
    "uh",
    "uhh",
    "er",
    "erm",
    "hmm",
    "oh",
    "well",
    "so",
    "like",
    "i",
    "i'd",
    "think",
    "guess",
    "say",
    "just",
    "exactly",
    "only",
    "nearly",
    "almost",
    "the",
    "answer",
    "number",
    "that's",
    "thats",
];

/// Words callers put after a quantity ("30 please", "30 or so").
const NUMBER_TRAIL_OFFS: &[&str] = &[
    "please", "thanks", "thank", "you", "or", "so", "ish", "i", "think", "maybe", "exactly",
];

/// Parses a `Twilio.NUMBER` answer to e.g. "25", "3.5" or "-4".
///
/// Keypad: digits, with the first `*` read as a decimal point (`3*5` ->
/// "3.5"); `#` is ignored; leading zeros are dropped.
pub(super) fn parse_number_field(answer: Answer<'_>) -> Option<String> {
    match answer {
        Answer::Speech(text) => {
            let lowered = lower(text);
            let mut tokens: Vec<&str> = lowered.split_whitespace().collect();
            // Strip fillers from both ends, keeping punctuation-only checks
            // loose ("about 30," still matches "about").
            let bare = |t: &str| -> String {
                t.trim_matches(|c: char| matches!(c, ',' | '.' | '!' | '?'))
                    .to_string()
            };
            while tokens.len() > 1
                && tokens
                    .first()
                    .is_some_and(|t| NUMBER_LEAD_INS.contains(&bare(t).as_str()))
            {
                tokens.remove(0);
            }
            while tokens.len() > 1
                && tokens
                    .last()
                    .is_some_and(|t| NUMBER_TRAIL_OFFS.contains(&bare(t).as_str()))
            {
                tokens.pop();
            }
            parse_number(&tokens.join(" "))
                .or_else(|| only_number_in(&tokens))
                .map(format_number)
        }
        Answer::Digits(digits) => keypad_number(digits),
    }
}

/// Longest run of words a number can take ("one million two hundred
/// thousand three hundred and forty five" is 11).
const MAX_NUMBER_WORDS: usize = 12;

/// The one number inside a longer answer ("twenty five dollars", "I have 3
/// kids"), or None when there is none or several ("between 5 and 10").
fn only_number_in(tokens: &[&str]) -> Option<f64> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let longest = (1..=MAX_NUMBER_WORDS.min(tokens.len() - i))
            .rev()
            .find_map(|len| {
                let window = tokens.get(i..i + len)?;
                parse_number(&window.join(" ")).map(|n| (n, len))
            });
        match longest {
            Some((n, len)) => {
                found.push(n);
                i += len;
            }
            None => i += 1,
        }
    }
    match found.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// Keypad number: string arithmetic, so long entries keep every digit.
fn keypad_number(digits: &str) -> Option<String> {
    let kept: String = digits
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '*')
        .collect();
    let (int_part, frac_part) = match kept.split_once('*') {
        Some((i, f)) => (i, f),
        None => (kept.as_str(), ""),
    };
    // A second `*` has no meaning in a number.
    if frac_part.contains('*') || (int_part.is_empty() && frac_part.is_empty()) {
        return None;
    }
    let int_part = int_part.trim_start_matches('0');
    let int_part = if int_part.is_empty() { "0" } else { int_part };
    let frac_part = frac_part.trim_end_matches('0');
    Some(if frac_part.is_empty() {
        int_part.to_string()
    } else {
        format!("{int_part}.{frac_part}")
    })
}

/// Parses a `Twilio.NUMBER_SEQUENCE` answer to a string of digits.
/// Keypad: the digits pressed, `*` and `#` dropped.
pub(super) fn parse_sequence_field(answer: Answer<'_>) -> Option<String> {
    let digits = match answer {
        Answer::Speech(text) => parse_digit_sequence(text)?,
        Answer::Digits(d) => keypad_digits(d),
    };
    (!digits.is_empty()).then_some(digits)
}

/// Parses a `Twilio.PHONE_NUMBER` answer to E.164 ("+14155550123").
///
/// With an explicit "+"/"plus": "+" and the digits, when there are 8..=15.
/// Without: 10 digits are a North American number ("+1" prepended), 11
/// digits starting with 1 get a "+", and an international dialling prefix
/// (011 or 00) is replaced by "+". Anything else is too short or too long.
pub(super) fn parse_phone(answer: Answer<'_>) -> Option<String> {
    match answer {
        Answer::Speech(text) => {
            let lowered = lower(text);
            let has_plus = lowered.contains('+')
                || lowered
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w == "plus");
            let without_plus: String = lowered
                .replace('+', " ")
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|w| *w != "plus")
                .collect::<Vec<_>>()
                .join(" ");
            e164(&parse_digit_sequence(&without_plus)?, has_plus)
        }
        Answer::Digits(d) => e164(&keypad_digits(d), false),
    }
}

/// Applies the E.164 rules documented on [`parse_phone`].
fn e164(digits: &str, has_plus: bool) -> Option<String> {
    let international = |rest: &str| (8..=15).contains(&rest.len()).then(|| format!("+{rest}"));
    if has_plus {
        return international(digits);
    }
    match digits.len() {
        10 => Some(format!("+1{digits}")),
        11 if digits.starts_with('1') => Some(format!("+{digits}")),
        _ => {
            if let Some(rest) = digits.strip_prefix("011") {
                international(rest)
            } else if let Some(rest) = digits.strip_prefix("00") {
                international(rest)
            } else {
                None
            }
        }
    }
}

/// NATO / ICAO spelling alphabet, so "alpha bravo one" -> "AB1".
const NATO: &[(&str, char)] = &[
    ("alpha", 'A'),
    ("alfa", 'A'),
    ("bravo", 'B'),
    ("charlie", 'C'),
    ("delta", 'D'),
    ("echo", 'E'),
    ("foxtrot", 'F'),
    ("golf", 'G'),
    ("hotel", 'H'),
    ("india", 'I'),
    ("juliet", 'J'),
    ("juliett", 'J'),
    ("kilo", 'K'),
    ("lima", 'L'),
    ("mike", 'M'),
    ("november", 'N'),
    ("oscar", 'O'),
    ("papa", 'P'),
    ("quebec", 'Q'),
    ("romeo", 'R'),
    ("sierra", 'S'),
    ("tango", 'T'),
    ("uniform", 'U'),
    ("victor", 'V'),
    ("whiskey", 'W'),
    ("whisky", 'W'),
    ("xray", 'X'),
    ("yankee", 'Y'),
    ("zulu", 'Z'),
];

/// Words before an alphanumeric code that are not part of it.
const ALNUM_LEAD_INS: &[&str] = &[
    "my",
    "the",
    "code",
    "is",
    "it's",
    "its",
    "it",
    "reference",
    "confirmation",
    "booking",
    "number",
    "that's",
    "thats",
    "okay",
    "ok",
    "so",
    "um",
    "uh",
];

/// Hesitations dropped anywhere in a spelled code.
const HESITATIONS: &[&str] = &["um", "umm", "uh", "uhh", "er", "erm", "hmm"];

/// Parses a `Twilio.ALPHANUMERIC` answer: spoken letters, NATO words and
/// digits joined and upper-cased ("a b c one two three" -> "ABC123",
/// "ABC-123" -> "ABC123"). "oh" is 0, "o" is the letter O; "b as in boy" is
/// B; "double a" is AA. Keypad: the digits.
pub(super) fn parse_alphanumeric(answer: Answer<'_>) -> Option<String> {
    let text = match answer {
        Answer::Speech(text) => text,
        Answer::Digits(d) => {
            let digits = keypad_digits(d);
            return (!digits.is_empty()).then_some(digits);
        }
    };
    let lowered = lower(text);
    let spaced: String = lowered
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c
            } else {
                ' '
            }
        })
        .collect();
    let mut tokens: Vec<&str> = spaced
        .split_whitespace()
        .filter(|t| !HESITATIONS.contains(t))
        .collect();
    while tokens.len() > 1 && tokens.first().is_some_and(|t| ALNUM_LEAD_INS.contains(t)) {
        tokens.remove(0);
    }
    while tokens.len() > 1
        && tokens
            .last()
            .is_some_and(|t| matches!(*t, "please" | "thanks"))
    {
        tokens.pop();
    }

    let mut out = String::new();
    let mut i = 0;
    while let Some(&tok) = tokens.get(i) {
        // "b as in boy": the word after "as in" only illustrates the letter.
        if tok == "as" && tokens.get(i + 1) == Some(&"in") && tokens.get(i + 2).is_some() {
            i += 3;
            continue;
        }
        // "x-ray" arrives split into "x" "ray".
        if tok == "x" && tokens.get(i + 1) == Some(&"ray") {
            out.push('X');
            i += 2;
            continue;
        }
        let repeat = match tok {
            "double" => 2,
            "triple" => 3,
            _ => 1,
        };
        if repeat > 1 {
            let next = tokens.get(i + 1)?;
            let unit = alnum_unit(next).filter(|u| u.chars().count() == 1)?;
            out.push_str(&unit.repeat(repeat));
            i += 2;
            continue;
        }
        // Number words, possibly several ("twenty three" -> "23").
        if NATO.iter().all(|(w, _)| *w != tok)
            && tok != "oh"
            && let Some((value, used)) = cardinal_prefix(tokens.get(i..)?)
            && used > 0
        {
            out.push_str(&value.to_string());
            i += used;
            continue;
        }
        out.push_str(&alnum_unit(tok)?);
        i += 1;
    }
    (!out.is_empty()).then_some(out)
}

/// One token of a code: a NATO word, "oh" (zero), a digit word, or a run
/// of ASCII letters/digits, upper-cased. None for anything else.
fn alnum_unit(tok: &str) -> Option<String> {
    if let Some((_, c)) = NATO.iter().find(|(w, _)| *w == tok) {
        return Some(c.to_string());
    }
    if tok == "oh" {
        return Some("0".to_string());
    }
    if let Some((value, 1)) = cardinal_prefix(&[tok]) {
        return Some(value.to_string());
    }
    (tok.chars().all(|c| c.is_ascii_alphanumeric()) && !tok.is_empty())
        .then(|| tok.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::super::BuiltinType;
    use super::super::tests::{check_digits, check_speech};

    const NUMBER_SPEECH: &[(&str, Option<&str>)] = &[
        ("twenty five", Some("25")),
        ("25", Some("25")),
        ("three point five", Some("3.5")),
        ("minus 4", Some("-4")),
        ("minus four", Some("-4")),
        ("about 30", Some("30")),
        ("it's 30", Some("30")),
        ("I think it's about thirty, please", Some("30")),
        ("1,200", Some("1200")),
        ("one hundred and five", Some("105")),
        ("a dozen", Some("12")),
        ("Twenty-five.", Some("25")),
        ("zero", Some("0")),
        ("2.50", Some("2.5")),
        ("0025", Some("25")),
        ("twenty five dollars", Some("25")),
        ("I have 3 kids", Some("3")),
        ("I'd like a dozen please", Some("12")),
        ("five five", None),
        ("between 5 and 10", None),
        ("about", None),
        ("lots", None),
        ("", None),
    ];

    const NUMBER_DIGITS: &[(&str, Option<&str>)] = &[
        ("25", Some("25")),
        ("0025#", Some("25")),
        ("000", Some("0")),
        ("3*5", Some("3.5")),
        ("3*50", Some("3.5")),
        ("*5", Some("0.5")),
        ("12345678901234567890", Some("12345678901234567890")),
        ("#", None),
        ("", None),
        ("1*2*3", None),
    ];

    #[test]
    fn number_table() {
        check_speech(BuiltinType::Number, NUMBER_SPEECH);
        check_digits(BuiltinType::Number, NUMBER_DIGITS);
    }

    const SEQUENCE_SPEECH: &[(&str, Option<&str>)] = &[
        (
            "four one five, five five five, oh one two three",
            Some("4155550123"),
        ),
        ("415-555-0123", Some("4155550123")),
        ("double five", Some("55")),
        ("triple seven", Some("777")),
        ("it's one two three four", Some("1234")),
        ("my number is 0 0 7", Some("007")),
        ("twenty three", Some("23")),
        ("one hundred", Some("100")),
        ("zero zero seven", Some("007")),
        ("1 2 3 4", Some("1234")),
        ("", None),
        ("um", None),
        ("I don't know", None),
        ("twelve apples", None),
    ];

    const SEQUENCE_DIGITS: &[(&str, Option<&str>)] = &[
        ("1234", Some("1234")),
        ("0012#", Some("0012")),
        ("*12*", Some("12")),
        ("#", None),
        ("", None),
    ];

    #[test]
    fn number_sequence_table() {
        check_speech(BuiltinType::NumberSequence, SEQUENCE_SPEECH);
        check_digits(BuiltinType::NumberSequence, SEQUENCE_DIGITS);
    }

    const PHONE_SPEECH: &[(&str, Option<&str>)] = &[
        (
            "four one five, five five five, oh one two three",
            Some("+14155550123"),
        ),
        ("415-555-0123", Some("+14155550123")),
        ("(415) 555-0123", Some("+14155550123")),
        ("1 415 555 0123", Some("+14155550123")),
        (
            "my number is four one five five five five oh one two three",
            Some("+14155550123"),
        ),
        ("+44 20 7946 0958", Some("+442079460958")),
        (
            "plus four four two zero seven nine four six zero nine five eight",
            Some("+442079460958"),
        ),
        ("+1 (415) 555-0123", Some("+14155550123")),
        (
            "one eight hundred five five five one two one two",
            Some("+18005551212"),
        ),
        ("011 44 20 7946 0958", Some("+442079460958")),
        (
            "four one five double five five oh one two three",
            Some("+14155550123"),
        ),
        ("555 0123", None),
        ("2 4 1 5 5 5 5 0 1 2 3", None),
        ("+44 12", None),
        ("+1234567890123456", None),
        ("call me maybe", None),
        ("", None),
    ];

    const PHONE_DIGITS: &[(&str, Option<&str>)] = &[
        ("4155550123", Some("+14155550123")),
        ("14155550123#", Some("+14155550123")),
        ("011442079460958", Some("+442079460958")),
        ("5550123", None),
        ("24155550123", None),
        ("", None),
    ];

    #[test]
    fn phone_number_table() {
        check_speech(BuiltinType::PhoneNumber, PHONE_SPEECH);
        check_digits(BuiltinType::PhoneNumber, PHONE_DIGITS);
    }

    const ALNUM_SPEECH: &[(&str, Option<&str>)] = &[
        ("a b c one two three", Some("ABC123")),
        ("ABC-123", Some("ABC123")),
        ("abc123", Some("ABC123")),
        ("alpha bravo charlie 1 2 3", Some("ABC123")),
        ("x-ray 9", Some("X9")),
        ("my code is x y z 9", Some("XYZ9")),
        ("b as in boy 4", Some("B4")),
        ("double a seven", Some("AA7")),
        ("k oh nine", Some("K09")),
        ("twenty three b", Some("23B")),
        ("um, q, r, 5.", Some("QR5")),
        ("", None),
        ("😀", None),
        ("double", None),
    ];

    #[test]
    fn alphanumeric_table() {
        check_speech(BuiltinType::Alphanumeric, ALNUM_SPEECH);
        check_digits(
            BuiltinType::Alphanumeric,
            &[("123#", Some("123")), ("#", None)],
        );
    }
}
