//! `Twilio.TIME`: a time of day, normalised to 24-hour "HH:MM".
//!
//! Callers say "3:30 pm", "half past three", "quarter to five", "seven in
//! the evening", "noon", "fifteen hundred" or just "three thirty". As with
//! dates, the parser looks for the longest run of words forming a time, so
//! "around 7pm please" works. A bare number ("seven", "7") only counts when
//! it is the whole answer (after fillers such as "at" and "around"), so that
//! "I have 2 kids" is not read as 02:00. "at night" maps 12 to midnight and
//! 1-5 to the early morning. Keypad: HHMM or HMM (24-hour).
//!
//! A 12-hour clock hour said without "am"/"pm" or a part of the day ("half
//! past seven", "three thirty", "tomorrow at nine") is ambiguous: 07:30 or
//! 19:30? `Twilio.TIME` fields ([`super::parse`]) take the hour as said on a
//! 24-hour clock ("three thirty" is 03:30, "quarter to five" 04:45), as a
//! question's `"hours": "as said"` keeps. [`read`], which a collect uses by
//! default, exposes the ambiguity instead: under an [`Hours`] rule it gives the one
//! reading that falls within given hours (opening hours, say), or both
//! readings ([`Reading::Either`]) for the bot to ask "morning or evening?",
//! whose answer [`part_of_day`] reads. There, a part of the day said just
//! before the time counts too ("this evening, half past seven" is 19:30)
//! unless a negation comes before it ("not this evening, half past seven").
//!
//! Never ambiguous: am/pm or a part of the day said with the time, hours 0 and
//! 13-23, noon and midnight, and the forms a 24-hour clock is read in: a
//! leading zero ("07:30", "0730", "oh seven hundred"), "hundred" or "hours"
//! ("seven hundred hours", "nineteen thirty hours"), and keypad digits. The
//! morning reading of "twelve thirty" is 00:30, the afternoon one 12:30.

use super::{Answer, framing, keypad_digits, lower, restore_apostrophe, too_long};
use crate::nlu::numbers::parse_number;

/// How a time said without its part of day is read ("half past seven").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hours {
    /// As said, on a 24-hour clock (07:30) — the old behaviour.
    AsSaid,
    /// The reading that falls within these hours, minutes since midnight, `from` inclusive, `to`
    /// exclusive (`to` < `from` wraps past midnight; `to` may be 1440, the midnight ending the
    /// day). When both or neither reading falls within, the caller is asked.
    Within {
        /// The first minute within, e.g. 480 for 08:00.
        from: u32,
        /// The first minute no longer within, e.g. 1200 for 20:00.
        to: u32,
    },
    /// Always ask the caller.
    #[default]
    Ask,
}

/// A time answer as read under an [`Hours`] rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// One time, "HH:MM".
    Exact(String),
    /// Two readings twelve hours apart, the caller must choose: morning and afternoon/evening,
    /// both "HH:MM".
    Either {
        /// The reading before noon: "07:30", or "00:30" for "twelve thirty".
        am: String,
        /// The reading from noon on: "19:30", or "12:30" for "twelve thirty".
        pm: String,
    },
}

/// Longest run of words a time expression can take
/// ("twenty five minutes past eleven in the evening").
const MAX_WINDOW: usize = 8;

/// Only this many words are searched (bounds the work on huge input).
const MAX_WORDS: usize = 200;

/// Minutes in a day.
const DAY: u32 = 24 * 60;

/// Minutes in half a day: the two readings of an ambiguous time are this far apart.
const HALF_DAY: u32 = 12 * 60;

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

/// "am" and "pm" after a time.
const MERIDIEMS: &[(&[&str], Meridiem)] = &[(&["am"], Meridiem::Am), (&["pm"], Meridiem::Pm)];

/// A part of the day in words, after a time ("seven in the evening") or, for [`read`], just
/// before it ("this evening, half past seven"); longer phrases first.
const PARTS_OF_DAY: &[(&[&str], Meridiem)] = &[
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

/// A time found in an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Found {
    /// Minutes since midnight; an ambiguous hour is taken as said, on a 24-hour clock.
    minutes: u32,
    /// A 12-hour clock hour said without its part of the day: the time may as well be twelve
    /// hours on.
    ambiguous: bool,
}

/// Parses a `Twilio.TIME` answer; an ambiguous hour is taken as said, on a 24-hour clock.
pub(super) fn parse(answer: Answer<'_>) -> Option<String> {
    find(answer, false).map(|found| hh_mm(found.minutes))
}

/// Reads a `Twilio.TIME` answer under `hours`. None when it is no time.
pub fn read(answer: Answer<'_>, hours: Hours) -> Option<Reading> {
    if too_long(answer) {
        return None;
    }
    let found = find(answer, hours != Hours::AsSaid)?;
    Some(settle(found.minutes, found.ambiguous, hours))
}

/// A time found in an answer (minutes since midnight, as said), settled by `hours` when it
/// could be morning or evening: shared by every language's parser.
pub fn settle(minutes: u32, ambiguous: bool, hours: Hours) -> Reading {
    let minutes = minutes % (2 * HALF_DAY);
    if !ambiguous {
        return Reading::Exact(hh_mm(minutes));
    }
    let am = minutes % HALF_DAY;
    let pm = am + HALF_DAY;
    let either = || Reading::Either {
        am: hh_mm(am),
        pm: hh_mm(pm),
    };
    match hours {
        Hours::AsSaid => Reading::Exact(hh_mm(minutes)),
        Hours::Ask => either(),
        Hours::Within { from, to } => {
            let within = |t: u32| {
                if from <= to {
                    from <= t && t < to
                } else {
                    from <= t || t < to
                }
            };
            match (within(am), within(pm)) {
                (true, false) => Reading::Exact(hh_mm(am)),
                (false, true) => Reading::Exact(hh_mm(pm)),
                _ => either(),
            }
        }
    }
}

/// The part of day in an answer to "morning or evening?": Some(false) for "am", "a.m.",
/// "morning", "in the morning", "the morning one"…; Some(true) for "pm", "p.m.", "afternoon",
/// "evening", "in the evening", "night", "tonight"…; None otherwise (also None when both
/// appear). Keypad: "1" → am, "2" → pm.
///
/// Also None when the answer holds a negation ("not the morning": better to ask again than to
/// guess). The "am" of "I am" is no part of day, nor are greetings ("good morning").
pub fn part_of_day(answer: Answer<'_>) -> Option<bool> {
    if too_long(answer) {
        return None;
    }
    let text = match answer {
        Answer::Digits(digits) => {
            return match keypad_digits(digits).as_str() {
                "1" => Some(false),
                "2" => Some(true),
                _ => None,
            };
        }
        Answer::Speech(text) => text,
    };
    let owned = time_words(text);
    let words: Vec<&str> = owned.iter().map(String::as_str).collect();
    if words.iter().any(|w| is_negation(w)) {
        return None;
    }
    let mut said = None;
    let mut prev = None;
    for &word in &words {
        let pm = match (prev, word) {
            (Some("i"), "am") | (Some("good"), _) => None,
            (_, "am" | "morning" | "mornings") | (Some("before"), "noon") => Some(false),
            (
                _,
                "pm" | "afternoon" | "afternoons" | "evening" | "evenings" | "night" | "nights"
                | "tonight" | "tonite",
            )
            | (Some("after"), "noon") => Some(true),
            _ => None,
        };
        prev = Some(word);
        match (said, pm) {
            (None, Some(_)) => said = pm,
            (Some(before), Some(pm)) if before != pm => return None,
            _ => {}
        }
    }
    said
}

/// "HH:MM" for minutes since midnight.
fn hh_mm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A negation ("not", "never", "can't", "don't"…): a part of the day near it may be the one the
/// caller does not mean.
fn is_negation(word: &str) -> bool {
    let word = restore_apostrophe(word);
    matches!(word, "not" | "never" | "cannot") || word.ends_with("n't")
}

/// The time in an answer. With `context`, an ambiguous time takes a part of the day said just
/// before it ("this evening, half past seven"); [`parse`] goes without, as it always has.
fn find(answer: Answer<'_>, context: bool) -> Option<Found> {
    match answer {
        Answer::Digits(d) => keypad_time(&keypad_digits(d)).map(|minutes| Found {
            minutes,
            ambiguous: false,
        }),
        Answer::Speech(text) => speech_time(&framing::core(text, framing::Profile::Value), context),
    }
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

/// Finds the longest (then leftmost) run of words that is a time. With `context`, an ambiguous
/// one takes a part of the day said just before it.
fn speech_time(text: &str, context: bool) -> Option<Found> {
    let owned = time_words(text);
    let words: Vec<&str> = owned.iter().map(String::as_str).collect();
    for len in (1..=MAX_WINDOW.min(words.len())).rev() {
        for (start, window) in words.windows(len).enumerate() {
            if let Some(found) = parse_window(window, len == words.len()) {
                if !(context && found.ambiguous) {
                    return Some(found);
                }
                let before = words.get(..start).unwrap_or_default();
                return Some(part_of_day_before(before, window).unwrap_or(found));
            }
        }
    }
    after_at(text)
}

/// An ambiguous time (the words `window`) read with the part of the day that ends `before`
/// ("this evening" + "half past seven"); None when `before` ends with none, or holds a negation
/// ("not this evening, half past seven").
fn part_of_day_before(before: &[&str], window: &[&str]) -> Option<Found> {
    if before.iter().any(|w| is_negation(w)) {
        return None;
    }
    let (phrase, _) = PARTS_OF_DAY.iter().find(|(p, _)| before.ends_with(p))?;
    let with_it: Vec<&str> = window.iter().chain(phrase.iter()).copied().collect();
    parse_window(&with_it, true)
}

/// "tomorrow at nine", "tonight at 8": a bare hour after "at" is a time even when the day
/// comes with it, and a part of the day said before it still counts ("tonight at 8" is 20:00,
/// "Friday morning at 9" 09:00).
fn after_at(text: &str) -> Option<Found> {
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
    for (suffix, meridiem) in MERIDIEMS.iter().chain(PARTS_OF_DAY) {
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

/// Whether an hour is said with a leading zero ("07", "oh seven", "zero seven"), the way a
/// 24-hour clock is read.
fn zero_led(hour: &[&str]) -> bool {
    match hour {
        ["oh" | "o" | "zero", _, ..] => true,
        [first, ..] => {
            first.len() > 1 && first.starts_with('0') && first.bytes().all(|b| b.is_ascii_digit())
        }
        [] => false,
    }
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

/// A time made of these exact words.
fn parse_window(w: &[&str], whole: bool) -> Option<Found> {
    let fixed = |minutes| {
        Some(Found {
            minutes,
            ambiguous: false,
        })
    };
    match w {
        ["noon"] | ["midday"] | ["twelve" | "12", "noon"] => return fixed(12 * 60),
        ["midnight"] | ["twelve" | "12", "midnight"] => return fixed(0),
        _ => {}
    }
    let (core, meridiem) = split_meridiem(w);
    let said = core_time(core)?;
    // A lone number needs am/pm (or to be the whole answer) to be a time.
    if !said.explicit && meridiem.is_none() && !whole {
        return None;
    }
    let hour = match (meridiem, said.fixed) {
        (None, _) | (Some(_), true) => said.hour,
        (Some(m), false) => apply_meridiem(said.hour, m)?,
    };
    let total = i64::from(hour) * 60 + i64::from(said.offset);
    Some(Found {
        minutes: u32::try_from(total.rem_euclid(i64::from(DAY))).ok()?,
        ambiguous: meridiem.is_none()
            && !said.fixed
            && !said.clock24
            && (1..=12).contains(&said.hour),
    })
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

/// A time as said, without its part of day.
#[derive(Debug, Clone, Copy)]
struct Said {
    /// The hour as said, 0-24.
    hour: u32,
    /// Minutes to add; negative for "quarter to five" (5:00 - 15).
    offset: i32,
    /// The hour is noon or midnight, which take no am/pm.
    fixed: bool,
    /// The words are unmistakably a time (a colon, "o'clock", "half past", two numbers) rather
    /// than a lone number.
    explicit: bool,
    /// Said the way a 24-hour clock is read: a leading zero, "hundred", "hours".
    clock24: bool,
}

/// Parses the time without its part of day.
fn core_time(w: &[&str]) -> Option<Said> {
    let plain = |hour: u32, offset: i32, clock24: bool| -> Option<Said> {
        (hour <= 23 && (0..60).contains(&offset)).then_some(Said {
            hour,
            offset,
            fixed: false,
            explicit: true,
            clock24,
        })
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
            plain(h.parse().ok()?, m.parse().ok()?, zero_led(&[h]))
        }
        // "1500", "730": 3 or 4 digits.
        [tok] if (3..=4).contains(&tok.len()) && tok.bytes().all(|b| b.is_ascii_digit()) => {
            let n: u32 = tok.parse().ok()?;
            let said = plain(n / 100, (n % 100) as i32, tok.starts_with('0'))?;
            Some(Said {
                explicit: false,
                ..said
            })
        }
        [hour @ .., "oclock"] => plain(int(hour)?, 0, zero_led(hour)),
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
            plain(int(hour)?, 0, true)
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
            let (w, hours) = match w {
                [rest @ .., "hours"] => (rest, true),
                _ => (w, false),
            };
            for split in 1..w.len().min(3) {
                let (h, m) = w.split_at(split);
                if let (Some(hour), Some(m)) = (int(h), minutes_after_hour(m))
                    && let Some(said) = plain(hour, m as i32, hours || zero_led(h))
                {
                    return Some(said);
                }
            }
            // A bare hour: "seven", "7", "twenty two".
            let hour = int(w)?;
            (hour <= 23 && w.len() <= 2).then_some(Said {
                hour,
                offset: 0,
                fixed: false,
                explicit: false,
                clock24: hours || zero_led(w),
            })
        }
    }
}

/// "half past X", "quarter to X", "ten past X": an hour reference plus or
/// minus minutes.
fn past_to(hour: &[&str], minutes: i32) -> Option<Said> {
    let (h, fixed) = hour_ref(hour)?;
    Some(Said {
        hour: h,
        offset: minutes,
        fixed,
        explicit: true,
        clock24: zero_led(hour),
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check_digits, check_speech};
    use super::super::{Answer, BuiltinType};
    use super::{Hours, Reading, part_of_day, read};

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

    /// `Some(Exact(t))` for a table row.
    fn exact(t: &str) -> Option<Reading> {
        Some(Reading::Exact(t.to_string()))
    }

    /// `Some(Either { am, pm })` for a table row.
    fn either(am: &str, pm: &str) -> Option<Reading> {
        Some(Reading::Either {
            am: am.to_string(),
            pm: pm.to_string(),
        })
    }

    /// Reads every row under `hours` and reports every failing row.
    fn check_read(hours: Hours, cases: &[(Answer<'_>, Option<Reading>)]) {
        let failures: Vec<String> = cases
            .iter()
            .filter_map(|(answer, want)| {
                let got = read(*answer, hours);
                (got != *want).then(|| format!("  {answer:?}: got {got:?}, want {want:?}"))
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{} failing rows under {hours:?}:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// 08:00 to 20:00, a restaurant's hours for the `Within` rows.
    const DAYTIME: Hours = Hours::Within {
        from: 8 * 60,
        to: 20 * 60,
    };

    #[test]
    fn read_asks_when_the_part_of_day_is_missing() {
        use Answer::{Digits, Speech};
        let cases = [
            // A 12-hour clock hour, no part of the day: ambiguous.
            (Speech("half past seven"), either("07:30", "19:30")),
            (Speech("three thirty"), either("03:30", "15:30")),
            (Speech("quarter to five"), either("04:45", "16:45")),
            (Speech("seven"), either("07:00", "19:00")),
            (Speech("at 3"), either("03:00", "15:00")),
            (Speech("seven o'clock"), either("07:00", "19:00")),
            (Speech("7:30"), either("07:30", "19:30")),
            (Speech("730"), either("07:30", "19:30")),
            (Speech("1130"), either("11:30", "23:30")),
            (Speech("ten forty five"), either("10:45", "22:45")),
            (Speech("seven oh five"), either("07:05", "19:05")),
            (Speech("twenty past three"), either("03:20", "15:20")),
            (
                Speech("around half past eight please"),
                either("08:30", "20:30"),
            ),
            (Speech("tomorrow at nine"), either("09:00", "21:00")),
            (Speech("twelve thirty"), either("00:30", "12:30")),
            (Speech("twelve"), either("00:00", "12:00")),
            (Speech("quarter to twelve"), either("11:45", "23:45")),
            (Speech("ten to one"), either("00:50", "12:50")),
            (
                Speech("not in the evening, half past seven"),
                either("07:30", "19:30"),
            ),
            (
                Speech("Friday evening, so half past seven"),
                either("07:30", "19:30"),
            ),
            // am/pm or a part of the day said with it.
            (Speech("half past seven pm"), exact("19:30")),
            (Speech("7:30 a.m."), exact("07:30")),
            (Speech("seven in the evening"), exact("19:00")),
            (Speech("ten in the morning"), exact("10:00")),
            (Speech("quarter past eleven at night"), exact("23:15")),
            (Speech("twelve at night"), exact("00:00")),
            (Speech("12 am"), exact("00:00")),
            (Speech("tonight at 8"), exact("20:00")),
            (Speech("Friday morning at 9"), exact("09:00")),
            // ... or just before it.
            (Speech("this evening at half past seven"), exact("19:30")),
            (
                Speech("tomorrow morning, quarter past eight"),
                exact("08:15"),
            ),
            (Speech("tonight, half past one"), exact("01:30")),
            // Noon, midnight, hours 0 and 13-23.
            (Speech("noon"), exact("12:00")),
            (Speech("midnight"), exact("00:00")),
            (Speech("half past noon"), exact("12:30")),
            (Speech("ten to midnight"), exact("23:50")),
            (Speech("nineteen thirty"), exact("19:30")),
            (Speech("15:45"), exact("15:45")),
            (Speech("fifteen hundred"), exact("15:00")),
            (Speech("zero thirty"), exact("00:30")),
            (Speech("quarter to thirteen"), exact("12:45")),
            // A 24-hour clock's forms.
            (Speech("07:30"), exact("07:30")),
            (Speech("0730"), exact("07:30")),
            (Speech("seven hundred hours"), exact("07:00")),
            (Speech("oh seven hundred"), exact("07:00")),
            (Speech("seven thirty hours"), exact("07:30")),
            (Digits("730"), exact("07:30")),
            (Digits("0730"), exact("07:30")),
            (Digits("1930"), exact("19:30")),
            // No time.
            (Speech("I have 2 kids"), None),
            (Speech("later"), None),
            (Speech(""), None),
            (Digits("15"), None),
        ];
        check_read(Hours::Ask, &cases);
        assert_eq!(Hours::default(), Hours::Ask);
    }

    #[test]
    fn read_within_hours_takes_the_reading_inside_them() {
        use Answer::{Digits, Speech};
        check_read(
            DAYTIME,
            &[
                (Speech("half past seven"), exact("19:30")),
                (Speech("eight thirty"), exact("08:30")),
                (Speech("quarter to five"), exact("16:45")),
                (Speech("quarter to eight"), exact("19:45")),
                (Speech("twelve thirty"), exact("12:30")),
                (Speech("ten to one"), exact("12:50")),
                // 08:00 is within, 20:00 is not.
                (Speech("eight"), exact("08:00")),
                // Said with its part of day or in 24-hour form: as said, even outside.
                (Speech("seven pm"), exact("19:00")),
                (Speech("seven thirty pm"), exact("19:30")),
                (Speech("seven am"), exact("07:00")),
                (Speech("nineteen thirty"), exact("19:30")),
                (Speech("07:30"), exact("07:30")),
                (Digits("0730"), exact("07:30")),
                (Speech("later"), None),
            ],
        );
        // Past midnight: 17:00 to 02:00.
        check_read(
            Hours::Within {
                from: 17 * 60,
                to: 2 * 60,
            },
            &[
                (Speech("half past one"), exact("01:30")),
                (Speech("half past five"), exact("17:30")),
                (Speech("ten"), exact("22:00")),
                // 02:00 is the end, not within; 14:00 is not either.
                (Speech("two"), either("02:00", "14:00")),
                (Speech("noon"), exact("12:00")),
            ],
        );
        // Both readings within, or neither: ask.
        for hours in [
            Hours::Within {
                from: 0,
                to: 24 * 60,
            },
            Hours::Within {
                from: 22 * 60,
                to: 23 * 60,
            },
            Hours::Within { from: 600, to: 600 },
        ] {
            check_read(
                hours,
                &[(Speech("half past seven"), either("07:30", "19:30"))],
            );
        }
    }

    #[test]
    fn read_as_said_is_parse() {
        let ctx = super::super::tests::ctx();
        let speech = TIME_SPEECH.iter().map(|(s, _)| Answer::Speech(s));
        let digits = TIME_DIGITS.iter().map(|(s, _)| Answer::Digits(s));
        let more = [
            "this evening at half past seven",
            "tonight, half past one",
            "twelve thirty",
            "quarter to twelve",
            "seven thirty hours",
        ]
        .map(Answer::Speech);
        for answer in speech.chain(digits).chain(more) {
            let want = super::super::parse(BuiltinType::Time, answer, &ctx).map(Reading::Exact);
            assert_eq!(read(answer, Hours::AsSaid), want, "{answer:?}");
        }
        let long = format!("ten thirty{}", " really".repeat(400));
        for hours in [Hours::AsSaid, Hours::Ask, DAYTIME] {
            assert_eq!(read(Answer::Speech(&long), hours), None);
        }
        assert_eq!(part_of_day(Answer::Speech(&format!("evening{long}"))), None);
    }

    #[test]
    fn part_of_day_table() {
        use Answer::{Digits, Speech};
        let cases = [
            (Speech("am"), Some(false)),
            (Speech("AM"), Some(false)),
            (Speech("a.m."), Some(false)),
            (Speech("a m"), Some(false)),
            (Speech("morning"), Some(false)),
            (Speech("in the morning"), Some(false)),
            (Speech("the morning one"), Some(false)),
            (Speech("um, morning please"), Some(false)),
            (Speech("before noon"), Some(false)),
            (Speech("7:30 am"), Some(false)),
            (Speech("pm"), Some(true)),
            (Speech("P.M."), Some(true)),
            (Speech("p m please"), Some(true)),
            (Speech("afternoon"), Some(true)),
            (Speech("evening"), Some(true)),
            (Speech("in the evening"), Some(true)),
            (Speech("the evening one"), Some(true)),
            (Speech("night"), Some(true)),
            (Speech("at night"), Some(true)),
            (Speech("tonight"), Some(true)),
            (Speech("after noon"), Some(true)),
            (Speech("seven pm"), Some(true)),
            (Speech("I am coming in the evening"), Some(true)),
            (Speech("good morning, the evening please"), Some(true)),
            (Speech("morning or evening"), None),
            (Speech("am pm"), None),
            (Speech("not the morning"), None),
            (Speech("I don't know"), None),
            (Speech("good morning"), None),
            (Speech("I am"), None),
            (Speech("yes"), None),
            (Speech("noon"), None),
            (Speech(""), None),
            (Digits("1"), Some(false)),
            (Digits("2#"), Some(true)),
            (Digits("3"), None),
            (Digits("12"), None),
            (Digits(""), None),
        ];
        let failures: Vec<String> = cases
            .iter()
            .filter_map(|(answer, want)| {
                let got = part_of_day(*answer);
                (got != *want).then(|| format!("  {answer:?}: got {got:?}, want {want:?}"))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
