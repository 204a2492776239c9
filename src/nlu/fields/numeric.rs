//! Number-like types: `Twilio.NUMBER`, `Twilio.NUMBER_SEQUENCE`,
//! `Twilio.PHONE_NUMBER` and `Twilio.ALPHANUMERIC`.
//!
//! They share the spoken-number machinery in [`crate::nlu::numbers`] and
//! differ in what they make of it: a quantity ("twenty five" -> "25"), a
//! string of digits where leading zeros matter ("oh one two" -> "012"), an
//! E.164 phone number, or a code of letters and digits. All four first drop
//! the framing every type shares ("um, my number is ... thanks", see
//! [`framing`](super::framing)).
//!
//! Digits come said one by one ("four one five"), grouped ("four fifteen",
//! "fifteen twenty" -> "1520"), with "oh" for zero and "double five" for
//! "55"; codes add letters, spelled ("a b c"), named ("bee", "double u"),
//! from the NATO alphabet ("bravo") or illustrated ("b as in boy", "b for
//! bravo").

use super::framing::{self, Profile};
use super::names::is_ordinary_word;
use super::{Answer, keypad_digits, lower};
use crate::nlu::numbers::{
    cardinal_prefix, digit_groups, format_number, parse_digit_sequence, parse_number,
};

/// Words callers put before a quantity ("about 30", "roughly thirty"), on top
/// of the framing every type shares.
const NUMBER_LEAD_INS: &[&str] = &[
    "about",
    "around",
    "approximately",
    "roughly",
    "maybe",
    "probably",
    "perhaps",
    "exactly",
    "only",
    "nearly",
    "almost",
    "like",
    "the",
    "answer",
    "number",
    "it's",
    "is",
    "be",
];

/// Words callers put after a quantity ("30 or so", "30ish").
const NUMBER_TRAIL_OFFS: &[&str] = &["or", "so", "ish", "maybe", "exactly", "total", "altogether"];

/// Words that make the number in an answer approximate or a fraction we do not read
/// ("twenty something", "three quarters"); such an answer gives None.
const VAGUE: &[&str] = &[
    "something",
    "odd",
    "quarters",
    "thirds",
    "halves",
    "few",
    "several",
];

/// Parses a `Twilio.NUMBER` answer to e.g. "25", "3.5" or "-4".
///
/// A quantity said as digits one by one or in pairs ("one two three four",
/// "fifteen twenty") is read as those digits, 1234 and 1520, as a caller
/// giving a PIN or a year means it; two single digits ("five five") stay
/// ambiguous (a stutter?) and give None.
///
/// Keypad: digits, with the first `*` read as a decimal point (`3*5` ->
/// "3.5"); `#` is ignored; leading zeros are dropped.
pub(super) fn parse_number_field(answer: Answer<'_>) -> Option<String> {
    match answer {
        Answer::Speech(text) => {
            let core = lower(&framing::core(text, Profile::Value));
            let mut tokens: Vec<&str> = core.split_whitespace().collect();
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
            let text = tokens.join(" ");
            // "twenty something", "thirty odd", "three quarters": no one number to save.
            if tokens.iter().any(|t| VAGUE.contains(&bare(t).as_str())) {
                return None;
            }
            // "a couple" is two; "a few" and "some" stay too vague to save.
            if matches!(
                tokens.as_slice(),
                ["a" | "the", "couple" | "pair"] | ["couple" | "pair"]
            ) {
                return Some("2".to_string());
            }
            // "just me" (the framing took "just"), "only me": how many are coming, one.
            if matches!(
                tokens.as_slice(),
                ["me" | "myself"] | ["only", "me" | "myself"]
            ) {
                return Some("1".to_string());
            }
            parse_number(&text)
                .or_else(|| only_number_in(&tokens))
                .map(format_number)
                .or_else(|| digits_as_number(&text))
        }
        Answer::Digits(digits) => keypad_number(digits),
    }
}

/// "one two three four" -> "1234", "fifteen twenty" -> "1520": a number said
/// digit by digit or in groups, when that is unambiguous (three groups or
/// more, or groups of two digits or more). Leading zeros are dropped, as for
/// keypad entry.
fn digits_as_number(text: &str) -> Option<String> {
    // "20-30", "1/2": written numerals joined by a dash or a slash are a range or a fraction.
    if text.contains(['-', '/']) {
        return None;
    }
    let groups = digit_groups(text)?;
    let grouped = groups.len() >= 3 || (groups.len() == 2 && groups.iter().all(|g| g.len() >= 2));
    if !grouped {
        return None;
    }
    let digits = groups.concat();
    let trimmed = digits.trim_start_matches('0');
    Some(if trimmed.is_empty() { "0" } else { trimmed }.to_string())
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

/// What a caller may say a digit sequence is before giving it without "number" or "code"
/// ("account 1 2 3", "pin 4 4"), on top of the framing every type shares and the code's name
/// ("account number", "member id", see [`framing::core_code`]).
const SEQUENCE_LEAD_INS: &[&[&str]] = &[&["account"], &["pin"], &["zip"]];

/// Whether a word may be part of a digit sequence ("seven", "oh", "double"), so it is not taken
/// for the name of one ("ticket number").
fn is_digit_word(word: &str) -> bool {
    matches!(
        word,
        "double" | "triple" | "quadruple" | "hundred" | "thousand"
    ) || parse_digit_sequence(word).is_some()
}

/// Parses a `Twilio.NUMBER_SEQUENCE` answer to a string of digits.
/// Keypad: the digits pressed, `*` and `#` dropped.
pub(super) fn parse_sequence_field(answer: Answer<'_>) -> Option<String> {
    let digits = match answer {
        Answer::Speech(text) => {
            parse_digit_sequence(&framing::core_code(text, SEQUENCE_LEAD_INS, is_digit_word))?
        }
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
            let lowered = lower(&framing::core_code(text, &[], is_digit_word));
            // "... extension twelve": the extension is dialled after the call connects, so it
            // is not part of the number.
            let lowered = match lowered
                .split_whitespace()
                .position(|w| matches!(w.trim_matches(['.', ',']), "extension" | "ext" | "x"))
            {
                Some(at) => lowered
                    .split_whitespace()
                    .take(at)
                    .collect::<Vec<_>>()
                    .join(" "),
                None => lowered,
            };
            let has_plus = lowered.contains('+')
                || lowered
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w == "plus");
            // Commas stay: a pause ends a spoken number ("forty four, twenty").
            let without_plus: String = lowered
                .replace('+', " ")
                .split_whitespace()
                .filter(|w| w.trim_end_matches(',') != "plus")
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

/// Letters said by their names, as recognisers sometimes write them ("bee",
/// "see", "double u"); "oh" is a zero, not the letter O (see
/// [`parse_alphanumeric`]).
const LETTER_NAMES: &[(&str, char)] = &[
    ("ay", 'A'),
    ("bee", 'B'),
    ("be", 'B'),
    ("cee", 'C'),
    ("see", 'C'),
    ("sea", 'C'),
    ("dee", 'D'),
    ("ee", 'E'),
    ("ef", 'F'),
    ("eff", 'F'),
    ("gee", 'G'),
    ("aitch", 'H'),
    ("haitch", 'H'),
    ("jay", 'J'),
    ("kay", 'K'),
    ("el", 'L'),
    ("ell", 'L'),
    ("em", 'M'),
    ("en", 'N'),
    ("pee", 'P'),
    ("cue", 'Q'),
    ("queue", 'Q'),
    ("ar", 'R'),
    ("are", 'R'),
    ("ess", 'S'),
    ("tee", 'T'),
    ("tea", 'T'),
    ("you", 'U'),
    ("vee", 'V'),
    ("ex", 'X'),
    ("why", 'Y'),
    ("wye", 'Y'),
    ("zee", 'Z'),
    ("zed", 'Z'),
];

/// Words before an alphanumeric code that are not part of it ("code ABC",
/// "reference number 12"), after the shared framing.
const ALNUM_LEAD_INS: &[&str] = &[
    "my",
    "the",
    "code",
    "is",
    "reference",
    "confirmation",
    "booking",
    "number",
    "ref",
    "id",
];

/// Words between the characters of a code that are not part of it ("ABC
/// dash 123", "capital b", "then 4").
const SEPARATORS: &[&str] = &[
    "dash",
    "hyphen",
    "space",
    "then",
    "and",
    "capital",
    "uppercase",
    "upper",
    "lowercase",
    "lower",
    "case",
    "small",
    "letter",
    "digit",
    "number",
];

/// Parses a `Twilio.ALPHANUMERIC` answer: spoken letters, letter names, NATO
/// words and digits joined and upper-cased ("a b c one two three" ->
/// "ABC123", "ABC-123" -> "ABC123", "bee see four" -> "BC4"). "oh" is 0, "o"
/// is the letter O; "b as in boy" and "b for bravo" are B; "double a" is AA,
/// "double u" W; "fifteen twenty" is 1520.
///
/// A sentence is not a code: an answer with an ordinary English word in it
/// ("I don't know", "hello there") gives None, and so does a run of letters
/// written as a lower-case word longer than four letters unless the code has
/// a digit ("bxqwtz" alone reads as a misheard word; "bxqwtz 9" as a code).
/// Keypad: the digits.
pub(super) fn parse_alphanumeric(answer: Answer<'_>) -> Option<String> {
    let text = match answer {
        Answer::Speech(text) => text,
        Answer::Digits(d) => {
            let digits = keypad_digits(d);
            return (!digits.is_empty()).then_some(digits);
        }
    };
    let core =
        framing::core_code(text, &[], is_code_word).replace(['\u{2019}', '\u{2018}', '`'], "'");
    let spaced: String = core
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c
            } else {
                ' '
            }
        })
        .collect();
    // Each token as written (capitals tell a spelled "ABC" from a word) and
    // lower-cased.
    let written: Vec<(&str, String)> = spaced
        .split_whitespace()
        .map(|t| t.trim_matches('\''))
        .filter(|t| !t.is_empty())
        .map(|t| (t, t.to_lowercase()))
        .collect();
    let mut tokens: Vec<(&str, &str)> = written.iter().map(|(w, l)| (*w, l.as_str())).collect();
    while tokens.len() > 1
        && tokens
            .first()
            .is_some_and(|(_, t)| ALNUM_LEAD_INS.contains(t))
    {
        tokens.remove(0);
    }
    tokens.retain(|(_, t)| !SEPARATORS.contains(t));
    let lower_at = |i: usize| tokens.get(i).map(|(_, l)| *l);

    let mut out = String::new();
    // A lower-case word of 5+ letters taken as letters: only a code if a
    // digit comes with it.
    let mut wordlike = false;
    let mut i = 0;
    while let Some(&(original, tok)) = tokens.get(i) {
        // "b as in boy", "b for bravo", "b like boy": the word after only
        // illustrates the letter just said.
        if tok == "as" && lower_at(i + 1) == Some("in") && tokens.get(i + 2).is_some() {
            i += 3;
            continue;
        }
        if matches!(tok, "for" | "like")
            && let (Some(letter), Some(example)) = (out.chars().last(), lower_at(i + 1))
            && letter.is_ascii_alphabetic()
            && example.chars().count() > 1
            && example
                .chars()
                .next()
                .is_some_and(|c| c.eq_ignore_ascii_case(&letter))
        {
            i += 2;
            continue;
        }
        // "x-ray" arrives split into "x" "ray".
        if tok == "x" && lower_at(i + 1) == Some("ray") {
            out.push('X');
            i += 2;
            continue;
        }
        if tok == "double" && matches!(lower_at(i + 1), Some("u" | "you")) {
            out.push('W');
            i += 2;
            continue;
        }
        let repeat = match tok {
            "double" => 2,
            "triple" => 3,
            _ => 1,
        };
        if repeat > 1 {
            let next = lower_at(i + 1)?;
            let unit = alnum_unit(next, next).filter(|u| u.chars().count() == 1)?;
            out.push_str(&unit.repeat(repeat));
            i += 2;
            continue;
        }
        // Number words, possibly several ("twenty three" -> "23").
        if NATO.iter().all(|(w, _)| *w != tok)
            && tok != "oh"
            && let Some((value, used)) =
                cardinal_prefix(&tokens.get(i..)?.iter().map(|(_, l)| *l).collect::<Vec<_>>())
            && used > 0
        {
            out.push_str(&value.to_string());
            i += used;
            continue;
        }
        let unit = alnum_unit(original, tok)?;
        wordlike |= unit.chars().count() > CODE_RUN_LETTERS
            && unit.chars().all(|c| c.is_ascii_alphabetic())
            && original.chars().any(|c| c.is_lowercase());
        out.push_str(&unit);
        i += 1;
    }
    if out.is_empty() || (wordlike && !out.chars().any(|c| c.is_ascii_digit())) {
        return None;
    }
    Some(out)
}

/// Longest run of lower-case letters read as part of a code without a digit beside it; a longer
/// one reads as a misheard word (see [`parse_alphanumeric`]).
const CODE_RUN_LETTERS: usize = 4;

/// Whether a word may be part of a code, so it is not taken for the name of one ("ticket
/// number"): a word said for a letter or a digit ("bravo", "bee", "seven", "oh", "double") or a
/// short run of letters that is no ordinary word ("xq"). Longer runs ("confirmation",
/// "tracking") are read as words anyway.
fn is_code_word(word: &str) -> bool {
    matches!(word, "double" | "triple" | "oh")
        || NATO.iter().any(|(w, _)| *w == word)
        || LETTER_NAMES.iter().any(|(w, _)| *w == word)
        || cardinal_prefix(&[word]).is_some()
        || (word.chars().count() <= CODE_RUN_LETTERS && alnum_unit(word, word).is_some())
}

/// One token of a code, upper-cased: a NATO word, a letter's name, "oh"
/// (zero), a digit word, or a run of ASCII letters and digits that is not an
/// ordinary English word. None for anything else.
fn alnum_unit(original: &str, tok: &str) -> Option<String> {
    if let Some((_, c)) = NATO.iter().find(|(w, _)| *w == tok) {
        return Some(c.to_string());
    }
    if let Some((_, c)) = LETTER_NAMES.iter().find(|(w, _)| *w == tok) {
        return Some(c.to_string());
    }
    if tok == "oh" {
        return Some("0".to_string());
    }
    if let Some((value, 1)) = cardinal_prefix(&[tok]) {
        return Some(value.to_string());
    }
    let letters_only = tok.chars().all(|c| c.is_ascii_alphabetic());
    // A spelled run the recogniser wrote in capitals ("ABC") is letters even
    // when it spells a word; otherwise an ordinary word means a sentence.
    let spelled = original.chars().count() > 1 && !original.chars().any(char::is_lowercase);
    if letters_only && tok.chars().count() > 1 && !spelled && is_ordinary_word(tok) {
        return None;
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
