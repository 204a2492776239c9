//! `Twilio.TIME`: a time of day, normalised to 24-hour "HH:MM".
//!
//! Callers say "3:30 pm", "half past three", "quarter to five", "seven in
//! the evening", "noon", "fifteen hundred" or just "three thirty". As with
//! dates, the parser looks for the longest run of words forming a time, so
//! "around 7pm please" works. A bare number ("seven", "7") only counts when
//! it is the whole answer (after fillers such as "at" and "around"), so that
//! "I have 2 kids" is not read as 02:00.
//!
//! Without "am"/"pm" or a part of the day, the hour is taken as said on a
//! 24-hour clock: "three thirty" is 03:30 and "quarter to five" 04:45; the
//! flow's prompt should ask for am/pm if it matters. "at night" maps 12 to
//! midnight and 1-5 to the early morning. Keypad: HHMM or HMM (24-hour).

use super::{Answer, framing, keypad_digits, lower};
use crate::nlu::numbers::parse_number;

/// Longest run of words a time expression can take
/// ("twenty five minutes past eleven in the evening").
const MAX_WINDOW: usize = 8;

/// Only this many words are searched (bounds the work on huge input).
const MAX_WORDS: usize = 200;

/// Words that never change the time and are dropped before matching.
const FILLERS: &[&str] = &[
    "the",
    "around",
    "about",
    "approximately",
    "roughly",
    "um",
    "umm",
    "uh",
    "uhh",
    "er",
    "erm",
    "it's",
    "its",
    "it",
    "is",
    "please",
    "maybe",
    "say",
    "by",
    "let's",
    "lets",
];

/// Part of the day that fixes the meaning of a 12-hour clock hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meridiem {
    Am,
    Pm,
    Night,
}

/// Parses a `Twilio.TIME` answer.
pub(super) fn parse(answer: Answer<'_>) -> Option<String> {
    let minutes = match answer {
        Answer::Digits(d) => keypad_time(&keypad_digits(d))?,
        Answer::Speech(text) => speech_time(&framing::core(text, framing::Profile::Value))?,
    };
    Some(format!("{:02}:{:02}", minutes / 60, minutes % 60))
}

/// HHMM or HMM, 24-hour, as minutes since midnight.
fn keypad_time(digits: &str) -> Option<u32> {
    if !(3..=4).contains(&digits.len()) {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    let (h, m) = (n / 100, n % 100);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// Splits a transcript into time words: "7pm" -> "7 pm", "p.m." -> "pm",
/// "o'clock" -> "oclock", "seven-thirty" -> "seven thirty".
fn time_words(text: &str) -> Vec<String> {
    let mut lowered = lower(text);
    for (from, to) in [
        ("a. m.", " am "),
        ("p. m.", " pm "),
        ("a.m.", " am "),
        ("p.m.", " pm "),
        ("a.m", " am "),
        ("p.m", " pm "),
        ("o'clock", " oclock "),
        ("o ' clock", " oclock "),
    ] {
        lowered = lowered.replace(from, to);
    }
    // Separate digits from letters ("7pm", "3:30pm") and turn everything
    // but digits, letters, apostrophes, ':' and '.' into spaces. A '/' stays,
    // so a date such as "12/24" remains one word that is no time.
    let mut spaced = String::with_capacity(lowered.len());
    let mut prev: Option<char> = None;
    for c in lowered.chars() {
        let boundary = prev.is_some_and(|p| {
            (p.is_ascii_digit() && c.is_alphabetic()) || (p.is_alphabetic() && c.is_ascii_digit())
        });
        if boundary {
            spaced.push(' ');
        }
        if c.is_alphanumeric() || matches!(c, '\'' | ':' | '.' | '/') {
            spaced.push(c);
        } else {
            spaced.push(' ');
        }
        prev = Some(c);
    }
    let raw: Vec<&str> = spaced
        .split_whitespace()
        .map(|t| t.trim_matches(|c: char| matches!(c, '.' | ':' | '\'' | '/')))
        .filter(|t| !t.is_empty())
        .collect();

    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(&tok) = raw.get(i) {
        let next = raw.get(i + 1).copied();
        // "p m", "a m", "o clock": recognisers split these.
        let merged = match (tok, next) {
            ("p", Some("m")) => Some("pm"),
            ("a", Some("m")) => Some("am"),
            ("o", Some("clock")) => Some("oclock"),
            _ => None,
        };
        if let Some(m) = merged {
            out.push(m.to_string());
            i += 2;
            continue;
        }
        // "at" is a filler except in "at night".
        let filler = FILLERS.contains(&tok) || (tok == "at" && next != Some("night"));
        if !filler {
            out.push(tok.to_string());
        }
        i += 1;
    }
    out.truncate(MAX_WORDS);
    out
}

/// Finds the longest (then leftmost) run of words that is a time.
fn speech_time(text: &str) -> Option<u32> {
    let owned = time_words(text);
    let words: Vec<&str> = owned.iter().map(String::as_str).collect();
    for len in (1..=MAX_WINDOW.min(words.len())).rev() {
        for window in words.windows(len) {
            if let Some(t) = parse_window(window, len == words.len()) {
                return Some(t);
            }
        }
    }
    after_at(text)
}

/// "tomorrow at nine", "tonight at 8": a bare hour after "at" is a time even when the day
/// comes with it, and a part of the day said before it still counts ("tonight at 8" is 20:00,
/// "Friday morning at 9" 09:00).
fn after_at(text: &str) -> Option<u32> {
    let lowered = lower(text);
    let raw: Vec<&str> = lowered
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| matches!(c, ',' | '.' | '!' | '?')))
        .collect();
    let at = raw.iter().rposition(|w| *w == "at")?;
    let (before, after) = raw.split_at(at);
    let hour = after.get(1..).filter(|h| (1..=2).contains(&h.len()))?;
    let part_of_day = before.iter().rev().find_map(|w| match *w {
        "tonight" => Some("tonight"),
        "morning" => Some("in the morning"),
        "afternoon" => Some("in the afternoon"),
        "evening" => Some("in the evening"),
        _ => None,
    });
    let phrase = format!("{} {}", hour.join(" "), part_of_day.unwrap_or_default());
    let owned = time_words(&phrase);
    let words: Vec<&str> = owned.iter().map(String::as_str).collect();
    parse_window(&words, true)
}

/// Removes a trailing part-of-day ("pm", "in the evening") and returns it.
fn split_meridiem<'a, 'b>(w: &'a [&'b str]) -> (&'a [&'b str], Option<Meridiem>) {
    const SUFFIXES: &[(&[&str], Meridiem)] = &[
        (&["am"], Meridiem::Am),
        (&["pm"], Meridiem::Pm),
        (&["in", "morning"], Meridiem::Am),
        (&["this", "morning"], Meridiem::Am),
        (&["morning"], Meridiem::Am),
        (&["in", "afternoon"], Meridiem::Pm),
        (&["this", "afternoon"], Meridiem::Pm),
        (&["afternoon"], Meridiem::Pm),
        (&["in", "evening"], Meridiem::Pm),
        (&["this", "evening"], Meridiem::Pm),
        (&["evening"], Meridiem::Pm),
        (&["tonight"], Meridiem::Night),
        (&["at", "night"], Meridiem::Night),
        (&["in", "night"], Meridiem::Night),
    ];
    for (suffix, meridiem) in SUFFIXES {
        if w.len() > suffix.len() && w.ends_with(suffix) {
            return (
                w.get(..w.len() - suffix.len()).unwrap_or_default(),
                Some(*meridiem),
            );
        }
    }
    (w, None)
}

/// A whole number from words or digits ("seven", "twenty three", "07").
fn int(words: &[&str]) -> Option<u32> {
    if words.is_empty() {
        return None;
    }
    let n = parse_number(&words.join(" "))?;
    (n >= 0.0 && n.fract() == 0.0 && n < 10_000.0).then_some(n as u32)
}

/// An hour said as the reference of "half past X": a number, "noon" or
/// "midnight". The flag is true for noon/midnight, which take no am/pm.
fn hour_ref(words: &[&str]) -> Option<(u32, bool)> {
    match words {
        ["noon"] | ["midday"] => Some((12, true)),
        ["midnight"] => Some((0, true)),
        _ => int(words).filter(|h| *h <= 24).map(|h| (h, false)),
    }
}

/// Minutes as said after an hour: "thirty", "forty five", "oh five", "05".
fn minutes_after_hour(words: &[&str]) -> Option<u32> {
    match words {
        ["oh" | "o" | "zero", digit] => int(&[digit]).filter(|m| *m < 10),
        [single] if single.len() == 2 && single.bytes().all(|b| b.is_ascii_digit()) => {
            int(words).filter(|m| *m < 60)
        }
        _ => int(words).filter(|m| (10..60).contains(m)),
    }
}

/// A time made of these exact words, in minutes since midnight.
fn parse_window(w: &[&str], whole: bool) -> Option<u32> {
    match w {
        ["noon"] | ["midday"] | ["twelve" | "12", "noon"] => return Some(12 * 60),
        ["midnight"] | ["twelve" | "12", "midnight"] => return Some(0),
        _ => {}
    }
    let (core, meridiem) = split_meridiem(w);
    let (hour, offset, fixed, explicit) = core_time(core)?;
    // A lone number needs am/pm (or to be the whole answer) to be a time.
    if !explicit && meridiem.is_none() && !whole {
        return None;
    }
    let hour = match (meridiem, fixed) {
        (None, _) | (Some(_), true) => hour,
        (Some(m), false) => apply_meridiem(hour, m)?,
    };
    let total = i64::from(hour) * 60 + i64::from(offset);
    u32::try_from(total.rem_euclid(24 * 60)).ok()
}

/// The hour on a 24-hour clock given a 12-hour hour and part of day.
fn apply_meridiem(hour: u32, m: Meridiem) -> Option<u32> {
    if !(1..=12).contains(&hour) {
        return None;
    }
    Some(match m {
        Meridiem::Am => hour % 12,
        Meridiem::Pm => hour % 12 + 12,
        Meridiem::Night => match hour {
            12 => 0,
            1..=5 => hour,
            _ => hour + 12,
        },
    })
}

/// Parses the time without its part of day into (hour, minutes to add,
/// hour is noon/midnight, form is explicit). Minutes to add may be
/// negative ("quarter to five" is 5:00 - 15). "Explicit" means the words
/// are unmistakably a time (a colon, "o'clock", "half past", two numbers)
/// rather than a lone number.
fn core_time(w: &[&str]) -> Option<(u32, i32, bool, bool)> {
    let plain = |h: u32, m: i32| -> Option<(u32, i32, bool, bool)> {
        (h <= 23 && (0..60).contains(&m)).then_some((h, m, false, true))
    };
    match w {
        // "3:30", "15:45", "3.30".
        [tok] if tok.contains(':') || tok.contains('.') => {
            let (h, m) = tok.split_once(':').or_else(|| tok.split_once('.'))?;
            if m.len() != 2 || h.is_empty() || h.len() > 2 {
                return None;
            }
            if !(h.bytes().all(|b| b.is_ascii_digit()) && m.bytes().all(|b| b.is_ascii_digit())) {
                return None;
            }
            plain(h.parse().ok()?, m.parse().ok()?)
        }
        // "1500", "730": 3 or 4 digits.
        [tok] if (3..=4).contains(&tok.len()) && tok.bytes().all(|b| b.is_ascii_digit()) => {
            let n: u32 = tok.parse().ok()?;
            plain(n / 100, (n % 100) as i32).map(|(h, m, f, _)| (h, m, f, false))
        }
        [hour @ .., "oclock"] => {
            let h = int(hour)?;
            plain(h, 0)
        }
        ["half", "past" | "after", hour @ ..] => past_to(hour, 30),
        ["quarter", "past" | "after", hour @ ..] => past_to(hour, 15),
        [
            "quarter",
            "to" | "of" | "till" | "til" | "before",
            hour @ ..,
        ] => past_to(hour, -15),
        [hour @ .., "hundred"] | [hour @ .., "hundred", "hours"] => {
            let hour = match hour {
                ["oh" | "zero", rest @ ..] => rest,
                _ => hour,
            };
            plain(int(hour)?, 0)
        }
        _ => {
            // "twenty past three", "ten minutes to five".
            if let Some(pos) = w.iter().position(|t| {
                matches!(
                    *t,
                    "past" | "after" | "to" | "till" | "til" | "of" | "before"
                )
            }) {
                let (mins, rest) = w.split_at(pos);
                let mins = match mins {
                    [m @ .., "minutes" | "minute"] => m,
                    m => m,
                };
                let m = i32::try_from(int(mins)?)
                    .ok()
                    .filter(|m| (1..60).contains(m))?;
                let sign = if matches!(rest.first(), Some(&"past" | &"after")) {
                    1
                } else {
                    -1
                };
                return past_to(rest.get(1..)?, sign * m);
            }
            // "three thirty", "ten forty five", "seven oh five", "nineteen
            // thirty hours".
            let w = match w {
                [rest @ .., "hours"] => rest,
                _ => w,
            };
            for split in 1..w.len().min(3) {
                let (h, m) = w.split_at(split);
                if let (Some(h), Some(m)) = (int(h), minutes_after_hour(m))
                    && let Some(t) = plain(h, m as i32)
                {
                    return Some(t);
                }
            }
            // A bare hour: "seven", "7", "twenty two".
            let h = int(w)?;
            (h <= 23 && w.len() <= 2).then_some((h, 0, false, false))
        }
    }
}

/// "half past X", "quarter to X", "ten past X": an hour reference plus or
/// minus minutes.
fn past_to(hour: &[&str], minutes: i32) -> Option<(u32, i32, bool, bool)> {
    let (h, fixed) = hour_ref(hour)?;
    Some((h, minutes, fixed, true))
}

#[cfg(test)]
mod tests {
    use super::super::BuiltinType;
    use super::super::tests::{check_digits, check_speech};

    const TIME_SPEECH: &[(&str, Option<&str>)] = &[
        ("half past three pm", Some("15:30")),
        ("half past three", Some("03:30")),
        ("quarter to five", Some("04:45")),
        ("quarter to five pm", Some("16:45")),
        ("quarter past eleven at night", Some("23:15")),
        ("three thirty", Some("03:30")),
        ("three thirty pm", Some("15:30")),
        ("3:30 pm", Some("15:30")),
        ("3:30pm", Some("15:30")),
        ("15:45", Some("15:45")),
        ("noon", Some("12:00")),
        ("twelve noon", Some("12:00")),
        ("midnight", Some("00:00")),
        ("seven in the evening", Some("19:00")),
        ("ten in the morning", Some("10:00")),
        ("seven o'clock", Some("07:00")),
        ("7 o'clock in the evening", Some("19:00")),
        ("1500", Some("15:00")),
        ("fifteen hundred", Some("15:00")),
        ("fifteen hundred hours", Some("15:00")),
        ("7 p.m.", Some("19:00")),
        ("7pm", Some("19:00")),
        ("seven p m", Some("19:00")),
        ("12 am", Some("00:00")),
        ("12 pm", Some("12:00")),
        ("twelve at night", Some("00:00")),
        ("ten forty five", Some("10:45")),
        ("seven oh five", Some("07:05")),
        ("twenty past three", Some("03:20")),
        ("ten minutes to five pm", Some("16:50")),
        ("ten to midnight", Some("23:50")),
        ("around 7pm please", Some("19:00")),
        ("at 3", Some("03:00")),
        ("seven", Some("07:00")),
        (
            "I'd like to come at half past two in the afternoon",
            Some("14:30"),
        ),
        ("I have 2 kids", None),
        ("13 pm", None),
        ("25:00", None),
        ("3:75", None),
        ("quarter to", None),
        ("later", None),
        ("", None),
    ];

    const TIME_DIGITS: &[(&str, Option<&str>)] = &[
        ("1530", Some("15:30")),
        ("0730", Some("07:30")),
        ("730", Some("07:30")),
        ("0000", Some("00:00")),
        ("2359#", Some("23:59")),
        ("2400", None),
        ("1260", None),
        ("15", None),
        ("", None),
    ];

    #[test]
    fn time_table() {
        check_speech(BuiltinType::Time, TIME_SPEECH);
        check_digits(BuiltinType::Time, TIME_DIGITS);
    }
}
