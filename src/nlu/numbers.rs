//! Spoken-number parsing.
//!
//! Speech recognisers hand us numbers in every shape a caller can say them:
//! as digits ("25", "2,500", "3.5"), as words ("twenty five", "one hundred
//! and five", "three point five") or as a mix ("2 million"). Phone numbers,
//! PINs and account numbers are read differently again: digit by digit, with
//! "oh" for zero, "double five" for "55" and groups such as "twenty three" or
//! "eight hundred" inside the sequence. This module turns both kinds of
//! utterance into values the field parsers in [`crate::nlu::fields`] can
//! normalise.
//!
//! Everything here is pure string processing on caller-supplied text, so no
//! function panics, whatever the input, and arithmetic is checked.

/// Word numbers below twenty ("zero".."nineteen").
const SMALL: [(&str, u64); 20] = [
    ("zero", 0),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
];

/// Word tens ("twenty".."ninety").
const TENS: [(&str, u64); 8] = [
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
];

/// Scale words above "hundred", largest last.
const SCALES: [(&str, u64); 4] = [
    ("thousand", 1_000),
    ("million", 1_000_000),
    ("billion", 1_000_000_000),
    ("trillion", 1_000_000_000_000),
];

/// Ordinal words and the cardinal word they stand for, so "twenty third" can
/// be parsed as "twenty three".
const ORDINALS: [(&str, &str); 28] = [
    ("first", "one"),
    ("second", "two"),
    ("third", "three"),
    ("fourth", "four"),
    ("fifth", "five"),
    ("sixth", "six"),
    ("seventh", "seven"),
    ("eighth", "eight"),
    ("ninth", "nine"),
    ("tenth", "ten"),
    ("eleventh", "eleven"),
    ("twelfth", "twelve"),
    ("thirteenth", "thirteen"),
    ("fourteenth", "fourteen"),
    ("fifteenth", "fifteen"),
    ("sixteenth", "sixteen"),
    ("seventeenth", "seventeen"),
    ("eighteenth", "eighteen"),
    ("nineteenth", "nineteen"),
    ("twentieth", "twenty"),
    ("thirtieth", "thirty"),
    ("fortieth", "forty"),
    ("fiftieth", "fifty"),
    ("sixtieth", "sixty"),
    ("seventieth", "seventy"),
    ("eightieth", "eighty"),
    ("ninetieth", "ninety"),
    ("hundredth", "hundred"),
];

/// Words a caller puts around a digit sequence that carry no digits.
/// Dropped by [`parse_digit_sequence`] so "um, my number is 415..." works.
const SEQUENCE_FILLERS: &[&str] = &[
    "it's", "its", "it", "is", "my", "the", "number", "number's", "phone", "cell", "mobile",
    "home", "work", "office", "area", "code", "you", "can", "reach", "me", "at", "on", "um", "umm",
    "uh", "uhh", "er", "erm", "ah", "hmm", "and", "that's", "thats", "so", "okay", "ok", "dash",
    "hyphen", "then", "dot", "space",
];

/// Value of a word below twenty, accepting "zero".."nineteen".
fn small_value(word: &str) -> Option<u64> {
    SMALL.iter().find(|(w, _)| *w == word).map(|(_, v)| *v)
}

/// Value of a tens word ("twenty".."ninety"), accepting the common
/// misspelling "fourty" that some transcribers produce.
fn tens_value(word: &str) -> Option<u64> {
    if word == "fourty" {
        return Some(40);
    }
    TENS.iter().find(|(w, _)| *w == word).map(|(_, v)| *v)
}

/// Value of a scale word ("thousand".."trillion").
fn scale_value(word: &str) -> Option<u64> {
    SCALES.iter().find(|(w, _)| *w == word).map(|(_, v)| *v)
}

/// Value of a single spoken digit, including the ways callers say zero.
fn digit_word_value(word: &str) -> Option<u64> {
    match word {
        "oh" | "o" | "nought" | "naught" | "nil" => Some(0),
        _ => small_value(word).filter(|v| *v < 10),
    }
}

/// True when `s` is a non-empty run of ASCII digits.
fn is_ascii_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Where the cardinal-number state machine is, i.e. what the previous token
/// was. It decides which tokens may come next, so that "five five" is *not*
/// read as one number (it is two digits of a sequence) while "five hundred
/// and five" is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    /// After "a"/"an": only "hundred", a scale or "dozen" may follow.
    Article,
    /// After a unit word, a teen, or a tens+unit pair: nothing but
    /// "hundred", a scale or "dozen" may follow.
    Closed,
    /// After a tens word: a unit may still follow ("twenty" "five").
    Tens,
    Hundred,
    Scale,
    And,
    /// After "zero" or "dozen": nothing may follow.
    Terminal,
}

/// Parses the longest prefix of `tokens` that is a whole spoken cardinal
/// number ("one hundred and five", "twenty five hundred", "a thousand",
/// "two dozen"). Returns the value and how many tokens it used, or None when
/// not even the first token starts a number.
///
/// Bare digit tokens are not handled here; callers deal with them, because
/// their meaning differs (a quantity vs. a digit group in a sequence).
pub(crate) fn cardinal_prefix(tokens: &[&str]) -> Option<(u64, usize)> {
    let mut state = State::Start;
    let mut total: u64 = 0;
    let mut group: u64 = 0;
    let mut hundred_used = false;
    // Scales must strictly decrease ("two million three thousand").
    let mut last_scale = u64::MAX;
    let mut best = None;

    for (i, &tok) in tokens.iter().enumerate() {
        let next = if let Some(v) = small_value(tok) {
            match (state, v) {
                (State::Start, 0) => {
                    group = 0;
                    Some(State::Terminal)
                }
                (_, 0) => None,
                (State::Start | State::Hundred | State::Scale | State::And, _) => {
                    group += v;
                    Some(State::Closed)
                }
                (State::Tens, 1..=9) => {
                    group += v;
                    Some(State::Closed)
                }
                _ => None,
            }
        } else if let Some(v) = tens_value(tok) {
            match state {
                State::Start | State::Hundred | State::Scale | State::And => {
                    group += v;
                    Some(State::Tens)
                }
                _ => None,
            }
        } else if tok == "hundred" {
            match state {
                State::Article => {
                    group = 100;
                    hundred_used = true;
                    Some(State::Hundred)
                }
                State::Closed | State::Tens if !hundred_used && (1..100).contains(&group) => {
                    group *= 100;
                    hundred_used = true;
                    Some(State::Hundred)
                }
                _ => None,
            }
        } else if tok == "dozen" {
            match state {
                State::Article => {
                    group = 12;
                    Some(State::Terminal)
                }
                State::Closed | State::Tens if (1..100).contains(&group) && !hundred_used => {
                    group *= 12;
                    Some(State::Terminal)
                }
                _ => None,
            }
        } else if let Some(scale) = scale_value(tok) {
            if state == State::Article {
                group = 1;
            }
            match state {
                State::Article | State::Closed | State::Tens | State::Hundred
                    if group > 0 && scale < last_scale =>
                {
                    total = group
                        .checked_mul(scale)
                        .and_then(|g| total.checked_add(g))?;
                    group = 0;
                    hundred_used = false;
                    last_scale = scale;
                    Some(State::Scale)
                }
                _ => None,
            }
        } else if tok == "and" {
            match state {
                State::Hundred | State::Scale => Some(State::And),
                _ => None,
            }
        } else if tok == "a" || tok == "an" {
            match state {
                State::Start => Some(State::Article),
                _ => None,
            }
        } else {
            None
        };

        match next {
            Some(s) => state = s,
            None => break,
        }
        if !matches!(state, State::Start | State::Article | State::And) {
            best = total.checked_add(group).map(|v| (v, i + 1));
        }
    }
    best
}

/// Splits text into lower-case tokens for number parsing.
///
/// Hyphens join compound words ("twenty-five"), so they become spaces,
/// except a leading minus on a digit token ("-4"). Thousands separators
/// ("2,500") are removed when the grouping is valid; any other comma is a
/// pause. A trailing full stop ends a sentence, not a decimal.
fn number_tokens(text: &str) -> Vec<String> {
    let lowered = text.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'");
    let mut out = Vec::new();
    for raw in lowered.split_whitespace() {
        let raw = raw.trim_matches(|c: char| matches!(c, '.' | ',' | '!' | '?' | ';' | ':'));
        if raw.is_empty() {
            continue;
        }
        if let Some(n) = numeric_token(raw) {
            out.push(n);
            continue;
        }
        for part in raw.split([',', '-']) {
            if !part.is_empty() {
                out.push(part.to_string());
            }
        }
    }
    out
}

/// Recognises a written number token ("25", "-4", "3.5", "2,500",
/// "+7") and returns it without thousands separators, or None.
fn numeric_token(tok: &str) -> Option<String> {
    let (sign, body) = match tok.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", tok.strip_prefix('+').unwrap_or(tok)),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let int_digits = if int_part.contains(',') {
        // Only accept proper thousands grouping: 1-3 digits then groups of 3.
        let mut groups = int_part.split(',');
        let first = groups.next()?;
        if first.is_empty() || first.len() > 3 || !is_ascii_digits(first) {
            return None;
        }
        let mut digits = first.to_string();
        for g in groups {
            if g.len() != 3 || !is_ascii_digits(g) {
                return None;
            }
            digits.push_str(g);
        }
        digits
    } else {
        int_part.to_string()
    };
    if !is_ascii_digits(&int_digits) {
        // ".5" is acceptable, "5." was trimmed earlier, "abc" is not a number.
        if !(int_digits.is_empty() && frac_part.is_some()) {
            return None;
        }
    }
    match frac_part {
        Some(f) if is_ascii_digits(f) => {
            let int_digits = if int_digits.is_empty() {
                "0"
            } else {
                &int_digits
            };
            Some(format!("{sign}{int_digits}.{f}"))
        }
        Some(_) => None,
        None => Some(format!("{sign}{int_digits}")),
    }
}

/// Parses a decimal string built from digits (e.g. "-3.14") into a finite f64.
fn finite(s: &str) -> Option<f64> {
    let v: f64 = s.parse().ok()?;
    if v.is_finite() {
        // Normalise -0 so it prints as "0".
        Some(if v == 0.0 { 0.0 } else { v })
    } else {
        None
    }
}

/// Parses spoken or written numbers into a value.
///
/// Accepts digits ("25", "2,500", "3.5", "-4"), words ("twenty five",
/// "one hundred and five", "a thousand", "two dozen"), decimals ("three point
/// one four"), fractions of a half ("two and a half"), signs ("minus four",
/// "negative 4") and digits with a scale ("2.5 million"). Returns None if the
/// text is not only a number: fillers such as "about" are the caller's job
/// (see [`crate::nlu::fields`]). Print the value with [`format_number`], which
/// writes `25` rather than `25.0`.
pub fn parse_number(text: &str) -> Option<f64> {
    let owned = number_tokens(text);
    let mut tokens: Vec<&str> = owned.iter().map(String::as_str).collect();
    let mut negative = false;
    if let Some(&first) = tokens.first() {
        if matches!(first, "minus" | "negative") {
            negative = true;
            tokens.remove(0);
        } else if matches!(first, "plus" | "positive") {
            tokens.remove(0);
        }
    }
    let value = unsigned_number(&tokens)?;
    let value = if negative { -value } else { value };
    // Normalise -0 so it prints as "0".
    value
        .is_finite()
        .then_some(if value == 0.0 { 0.0 } else { value })
}

/// The unsigned part of [`parse_number`]: all of `tokens` must be used.
fn unsigned_number(tokens: &[&str]) -> Option<f64> {
    let (&first, rest) = tokens.split_first()?;

    // A written number, maybe followed by scale words ("2.5 million").
    if let Some(n) = numeric_token(first) {
        let mut value = finite(&n)?;
        for &tok in rest {
            let factor = match tok {
                "hundred" => 100.0,
                _ => scale_value(tok)? as f64,
            };
            value *= factor;
        }
        return value.is_finite().then_some(value);
    }

    // "point five" (no integer part) is 0.5.
    let (int_value, used) = if first == "point" {
        (0, 0)
    } else {
        cardinal_prefix(tokens)?
    };
    let rest = tokens.get(used..)?;
    match rest {
        [] => Some(int_value as f64),
        ["point", frac @ ..] if !frac.is_empty() => {
            let mut digits = String::new();
            for &tok in frac {
                if is_ascii_digits(tok) {
                    digits.push_str(tok);
                } else {
                    digits.push(char::from_digit(digit_word_value(tok)? as u32, 10)?);
                }
            }
            finite(&format!("{int_value}.{digits}"))
        }
        ["and", "a" | "one", "half"] => Some(int_value as f64 + 0.5),
        ["and", "a" | "one", "quarter"] => Some(int_value as f64 + 0.25),
        _ => None,
    }
}

/// Formats a parsed number the way a caller expects to read it back:
/// integers without a trailing ".0" ("25"), decimals with the shortest exact
/// representation ("3.5"), and never "-0".
pub fn format_number(n: f64) -> String {
    if n == 0.0 {
        return "0".to_string();
    }
    // Rust's Display for f64 already omits ".0" on whole numbers and never
    // uses exponent notation.
    format!("{n}")
}

/// Parses an ordinal ("3rd", "third", "twenty-third", "thirty first") or a
/// plain cardinal ("3", "twenty three") into a whole number. Used for days
/// of the month, where callers say either form.
pub fn parse_ordinal(text: &str) -> Option<u64> {
    let owned = number_tokens(text);
    let mut tokens: Vec<&str> = owned.iter().map(String::as_str).collect();
    let last = tokens.pop()?;
    // "3rd", "21st": digits followed by an ordinal suffix.
    let trimmed = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|suffix| last.strip_suffix(suffix))
        .filter(|d| is_ascii_digits(d));
    if let Some(digits) = trimmed {
        if !tokens.is_empty() || digits.len() > 9 {
            return None;
        }
        return digits.parse().ok();
    }
    let cardinal = ORDINALS
        .iter()
        .find(|(o, _)| *o == last)
        .map_or(last, |(_, c)| *c);
    tokens.push(cardinal);
    if tokens.len() == 1 && is_ascii_digits(cardinal) {
        return if cardinal.len() > 9 {
            None
        } else {
            cardinal.parse().ok()
        };
    }
    match cardinal_prefix(&tokens) {
        Some((v, used)) if used == tokens.len() => Some(v),
        _ => None,
    }
}

/// Turns a spoken digit sequence into a string of digits.
///
/// "four one five, five five five, oh one two three" -> "4155550123";
/// "double five" -> "55"; "triple seven" -> "777"; "415-555-0123" ->
/// "4155550123"; "zero"/"oh"/"o" -> "0"; "twenty three" -> "23";
/// "one hundred" -> "100"; "eight hundred" -> "800"; "fifteen twenty" ->
/// "1520". Written digit groups keep their leading zeros. Fillers ("it's",
/// "my number is", "um", "uh", "the", "and", "then", "dash") are dropped; any
/// other word makes the result None, as does an answer without digits.
pub fn parse_digit_sequence(text: &str) -> Option<String> {
    digit_groups(text).map(|groups| groups.concat())
}

/// [`parse_digit_sequence`], keeping the groups as said: "fifteen twenty" is
/// `["15", "20"]`, "four one five" `["4", "1", "5"]`, "415 555" `["415",
/// "555"]`, "double five" `["55"]`. A comma (a pause) ends a spoken number, so
/// "forty four, twenty, seven" is 44 20 7 and not 44 27.
pub fn digit_groups(text: &str) -> Option<Vec<String>> {
    let lowered = text.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'");
    // Every separator people or transcribers put between digit groups; a
    // comma is kept as a token of its own, because it ends a spoken number.
    let spaced: String = lowered
        .chars()
        .flat_map(|c| {
            let out: [char; 3] = if c == ',' {
                [' ', ',', ' ']
            } else if c.is_alphanumeric() || c == '\'' {
                [c, '\0', '\0']
            } else {
                [' ', '\0', '\0']
            };
            out.into_iter().filter(|c| *c != '\0')
        })
        .collect();
    let tokens: Vec<&str> = spaced
        .split_whitespace()
        .map(|t| t.trim_matches('\''))
        .filter(|t| !t.is_empty() && !SEQUENCE_FILLERS.contains(t))
        .collect();

    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(&tok) = tokens.get(i) {
        if tok == "," {
            i += 1;
            continue;
        }
        if is_ascii_digits(tok) {
            out.push(tok.to_string());
            i += 1;
            continue;
        }
        let repeat = match tok {
            "double" => 2,
            "triple" => 3,
            "quadruple" => 4,
            _ => 0,
        };
        if repeat > 0 {
            // "double five" / "double 5": repeat the next single digit.
            let next = tokens.get(i + 1)?;
            let digit = if next.len() == 1 && is_ascii_digits(next) {
                next.to_string()
            } else {
                digit_word_value(next)?.to_string()
            };
            out.push(digit.repeat(repeat));
            i += 2;
            continue;
        }
        if matches!(tok, "oh" | "o" | "nought" | "naught" | "nil") {
            out.push("0".to_string());
            i += 1;
            continue;
        }
        let rest = tokens.get(i..)?;
        let (mut value, mut used) = cardinal_prefix(rest)?;
        // Phone style: "eight hundred five five five" is 800-555, not 805
        // then 5 5. When "hundred" is followed by a single unit and the
        // sequence goes on, the group ends at "hundred".
        if let Some(h) = rest
            .get(..used)
            .and_then(|c| c.iter().position(|t| *t == "hundred"))
        {
            let unit_next = rest
                .get(h + 1)
                .and_then(|t| small_value(t))
                .is_some_and(|v| (1..10).contains(&v));
            let goes_on = rest.get(used).is_some_and(|t| *t != ",");
            if unit_next
                && h + 2 == used
                && goes_on
                && let Some((v, u)) = cardinal_prefix(rest.get(..=h).unwrap_or_default())
            {
                (value, used) = (v, u);
            }
        }
        // "a" alone is not a digit; cardinal_prefix never returns it, but a
        // zero-length result would loop forever, so guard anyway.
        if used == 0 {
            return None;
        }
        out.push(value.to_string());
        i += used;
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NUMBER_CASES: &[(&str, Option<f64>)] = &[
        ("twenty five", Some(25.0)),
        ("twenty-five", Some(25.0)),
        ("one hundred and five", Some(105.0)),
        ("one hundred five", Some(105.0)),
        ("2,500", Some(2500.0)),
        ("1,200", Some(1200.0)),
        ("three point five", Some(3.5)),
        ("three point two five", Some(3.25)),
        ("minus four", Some(-4.0)),
        ("-4", Some(-4.0)),
        ("negative 4", Some(-4.0)),
        ("a dozen", Some(12.0)),
        ("two dozen", Some(24.0)),
        ("a hundred", Some(100.0)),
        ("a thousand", Some(1000.0)),
        ("twenty five hundred", Some(2500.0)),
        ("two thousand and five", Some(2005.0)),
        ("one million two hundred thousand", Some(1_200_000.0)),
        ("2.5 million", Some(2_500_000.0)),
        ("zero", Some(0.0)),
        ("point five", Some(0.5)),
        ("two and a half", Some(2.5)),
        ("3.5", Some(3.5)),
        ("25.", Some(25.0)),
        ("five five", None),
        ("twenty twenty", None),
        ("thousand million", None),
        ("one thousand two thousand", None),
        ("hello", None),
        ("", None),
        ("2,50", None),
        ("three point", None),
        ("zero five", None),
        ("about 30", None),
    ];

    #[test]
    fn parse_number_table() {
        let mut failures = Vec::new();
        for &(input, want) in NUMBER_CASES {
            let got = parse_number(input);
            if got != want {
                failures.push(format!("{input:?}: got {got:?}, want {want:?}"));
            }
        }
        assert!(
            failures.is_empty(),
            "failing rows:\n{}",
            failures.join("\n")
        );
    }

    const SEQUENCE_CASES: &[(&str, Option<&str>)] = &[
        (
            "four one five, five five five, oh one two three",
            Some("4155550123"),
        ),
        ("double five", Some("55")),
        ("triple seven", Some("777")),
        ("415-555-0123", Some("4155550123")),
        ("(415) 555-0123", Some("4155550123")),
        ("zero", Some("0")),
        ("o", Some("0")),
        ("twenty three", Some("23")),
        ("one hundred", Some("100")),
        (
            "one eight hundred five five five one two one two",
            Some("18005551212"),
        ),
        ("nineteen eighty four", Some("1984")),
        ("um my number is 0 1 2", Some("012")),
        ("it's five five five", Some("555")),
        ("my cell is 415 555 0123", Some("4155550123")),
        ("double 5", Some("55")),
        ("fifteen twenty", Some("1520")),
        ("four fifteen", Some("415")),
        ("forty four, twenty, seven", Some("44207")),
        ("forty four twenty seven", Some("4427")),
        ("one hundred, five", Some("1005")),
        ("double", None),
        ("double twenty", None),
        ("five apples", None),
        ("", None),
        ("um", None),
        ("the", None),
    ];

    #[test]
    fn parse_digit_sequence_table() {
        let mut failures = Vec::new();
        for &(input, want) in SEQUENCE_CASES {
            let got = parse_digit_sequence(input);
            if got.as_deref() != want {
                failures.push(format!("{input:?}: got {got:?}, want {want:?}"));
            }
        }
        assert!(
            failures.is_empty(),
            "failing rows:\n{}",
            failures.join("\n")
        );
    }

    #[test]
    fn digit_groups_keep_what_was_said_together() {
        let groups = |text: &str| digit_groups(text).unwrap_or_default();
        assert_eq!(groups("fifteen twenty"), ["15", "20"]);
        assert_eq!(groups("four one five"), ["4", "1", "5"]);
        assert_eq!(groups("415 555"), ["415", "555"]);
        assert_eq!(groups("double five, oh"), ["55", "0"]);
        assert!(groups("five apples").is_empty());
    }

    const ORDINAL_CASES: &[(&str, Option<u64>)] = &[
        ("3rd", Some(3)),
        ("third", Some(3)),
        ("twenty third", Some(23)),
        ("twenty-third", Some(23)),
        ("thirty first", Some(31)),
        ("21st", Some(21)),
        ("twelfth", Some(12)),
        ("3", Some(3)),
        ("twenty three", Some(23)),
        ("thirds", None),
        ("", None),
        ("first second", None),
    ];

    #[test]
    fn parse_ordinal_table() {
        let mut failures = Vec::new();
        for &(input, want) in ORDINAL_CASES {
            let got = parse_ordinal(input);
            if got != want {
                failures.push(format!("{input:?}: got {got:?}, want {want:?}"));
            }
        }
        assert!(
            failures.is_empty(),
            "failing rows:\n{}",
            failures.join("\n")
        );
    }

    #[test]
    fn format_number_drops_trailing_zero() {
        assert_eq!(format_number(25.0), "25");
        assert_eq!(format_number(3.5), "3.5");
        assert_eq!(format_number(-4.0), "-4");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(1e20), "100000000000000000000");
    }
}
