//! `Twilio.DATE`: a calendar date, normalised to "YYYY-MM-DD".
//!
//! Callers say dates relative to today ("tomorrow", "next Friday", "in two
//! weeks"), by name ("March 3rd", "the third of March, twenty twenty
//! seven") or as written numbers ("3/4/2025" in US month/day order,
//! "2025-03-04"). The answer may contain other words ("I'd like to come on
//! March 3rd"), so the parser looks for the longest run of words that forms
//! a date; the leftmost wins among equally long ones.
//!
//! Conventions, since English is ambiguous here:
//! - "Friday" and "next Friday" both mean the first Friday strictly after
//!   today (most callers saying "next Friday" on a Wednesday mean the one
//!   two days later). "this Friday" is the first Friday on or after today.
//!   "last Friday" is the latest Friday strictly before today. "Friday next
//!   week" is the Friday of the following Monday-to-Sunday week.
//! - A date without a year is the next such date on or after today (March
//!   3rd said in December is next year's); February 29th is the next leap
//!   day. "The 3rd" alone is the next 3rd of a month on or after today.
//! - Two-digit years in numeric dates are 20xx.
//! - Keypad: MMDDYYYY (8 digits) or MMDD (4 digits, year as for spoken dates).

use chrono::{Datelike, Months, NaiveDate, Weekday};

use super::lists::{month_from_word, weekday_from_word};
use super::{Answer, framing};
use crate::nlu::calendar::{
    add_days, month_start, next_day_of_month, next_month_day, weekday_after, weekday_before,
    weekday_of_week, weekday_on_or_after,
};
use crate::nlu::numbers::{parse_number, parse_ordinal};

/// Longest run of words a date expression can take
/// ("the day before yesterday", "march twenty third twenty twenty seven").
const MAX_WINDOW: usize = 8;

/// Only this many words are searched, which bounds the work on absurdly
/// long transcripts; real answers are far shorter.
const MAX_WORDS: usize = 200;

/// Largest "in N days/weeks/months/years" we accept (about 30 years of
/// days): anything bigger is a misrecognition, and it keeps arithmetic
/// small.
const MAX_OFFSET: u64 = 11_000;

/// Parses a `Twilio.DATE` answer relative to `today`.
pub(super) fn parse(answer: Answer<'_>, today: NaiveDate) -> Option<String> {
    let date = match answer {
        Answer::Digits(digits) => keypad_date(&super::keypad_digits(digits), today)?,
        Answer::Speech(text) => speech_date(&framing::core(text, framing::Profile::Value), today)?,
    };
    Some(date.format("%Y-%m-%d").to_string())
}

/// MMDDYYYY or MMDD.
fn keypad_date(digits: &str, today: NaiveDate) -> Option<NaiveDate> {
    let num = |range: std::ops::Range<usize>| -> Option<u32> { digits.get(range)?.parse().ok() };
    match digits.len() {
        8 => NaiveDate::from_ymd_opt(num(4..8)? as i32, num(0..2)?, num(2..4)?),
        4 => next_month_day(today, num(0..2)?, num(2..4)?),
        _ => None,
    }
}

/// Splits a transcript into date words: lower-case, commas and sentence
/// punctuation removed, "twenty-third" split, but "3/4/2025" and
/// "2025-03-04" kept whole. "the", "of" and "on" are dropped because they
/// never change the date ("on the third of March" = "third March").
fn date_words(text: &str) -> Vec<String> {
    let lowered = super::lower(text);
    let mut out = Vec::new();
    for raw in lowered.split(|c: char| c.is_whitespace() || c == ',') {
        let tok = raw.trim_matches(|c: char| !c.is_alphanumeric());
        if tok.is_empty() {
            continue;
        }
        let numeric_date = tok.chars().any(|c| c.is_ascii_digit())
            && tok
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '/' | '-' | '.'));
        let parts: Vec<&str> = if numeric_date {
            vec![tok]
        } else {
            tok.split(|c: char| !(c.is_alphanumeric() || c == '\''))
                .filter(|p| !p.is_empty())
                .collect()
        };
        for part in parts {
            if !matches!(part, "the" | "of" | "on" | "for") {
                out.push(part.to_string());
            }
        }
    }
    out.truncate(MAX_WORDS);
    out
}

/// What a run of words turned out to be.
enum Found {
    Date(NaiveDate),
    /// A well-formed date that does not exist ("February 29th 2027"). The
    /// answer is rejected rather than a shorter run ("February 29th")
    /// being read as another date.
    Invalid,
}

/// Finds the longest (then leftmost) run of words that is a date; a time of day after it
/// ("the fifteenth at noon") is set aside first, so the date is still the whole answer.
fn speech_date(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let owned = date_words(text);
    let words: Vec<&str> = owned.iter().map(String::as_str).collect();
    // "Friday or Saturday", "the fifteenth or the sixteenth": ask again rather than pick one.
    let dates_offered = words
        .split(|w| *w == "or")
        .filter(|part| date_in(part, today).is_some())
        .count();
    if dates_offered > 1 {
        return None;
    }
    let date_part =
        time_suffix(&words).map_or(&words[..], |at| words.get(..at).unwrap_or_default());
    date_in(date_part, today)
}

/// Where a trailing time of day starts ("at noon", "around 3 pm"), if the answer has one after
/// something else.
fn time_suffix(words: &[&str]) -> Option<usize> {
    let at = words
        .iter()
        .rposition(|w| matches!(*w, "at" | "around" | "about" | "by"))
        .filter(|at| *at > 0)?;
    let time = words.get(at..)?.join(" ");
    super::time::parse(Answer::Speech(&time)).map(|_| at)
}

/// The date in these words: the longest (then leftmost) run that is one.
fn date_in(words: &[&str], today: NaiveDate) -> Option<NaiveDate> {
    for len in (1..=MAX_WINDOW.min(words.len())).rev() {
        for window in words.windows(len) {
            let whole = len == words.len();
            match parse_window(window, today, whole) {
                Some(Found::Date(date)) => return Some(date),
                Some(Found::Invalid) => return None,
                None => {}
            }
        }
    }
    None
}

/// Tries every date form on exactly these words. `whole` is true when they
/// are the entire answer, which is required for forms made only of words
/// that are also ordinary English ("sat", "the 3rd").
fn parse_window(w: &[&str], today: NaiveDate, whole: bool) -> Option<Found> {
    let simple = match w {
        ["today"] | ["tonight"] => Some(today),
        ["tomorrow"] => add_days(today, 1),
        ["day", "after", "tomorrow"] => add_days(today, 2),
        ["yesterday"] => add_days(today, -1),
        ["day", "before", "yesterday"] => add_days(today, -2),
        // "the day after Christmas", "the day before Friday": the base is a shorter run of
        // words, so this recursion ends.
        ["day", "after" | "before", base @ ..] if !base.is_empty() => {
            match parse_window(base, today, true)? {
                Found::Date(date) => {
                    add_days(date, if w.get(1) == Some(&"after") { 1 } else { -1 })
                }
                Found::Invalid => return Some(Found::Invalid),
            }
        }
        _ => holiday(w, today),
    };
    if let Some(found) = simple
        .or_else(|| relative_offset(w, today))
        .or_else(|| weekday_phrase(w, today, whole))
        .or_else(|| numeric_date(w, today))
    {
        return Some(Found::Date(found));
    }
    if let Some(found) = month_and_day(w, today).or_else(|| day_of_named_month(w, today)) {
        return Some(found.map_or(Found::Invalid, Found::Date));
    }
    // "Thursday the 3rd", "Monday December 7th": the date decides; the
    // weekday is only what the caller believes it to be.
    if let [first, rest @ ..] = w
        && weekday_from_word(first).is_some()
        && !rest.is_empty()
    {
        if let Some(found) = month_and_day(rest, today) {
            return Some(found.map_or(Found::Invalid, Found::Date));
        }
        if let Some(date) = day_only(rest, today) {
            return Some(Found::Date(date));
        }
    }
    whole.then(|| day_only(w, today)).flatten().map(Found::Date)
}

/// The next of a holiday on or after today: the ones on a fixed date, and Thanksgiving (the
/// fourth Thursday of November, the US one). Other moving holidays (Easter) are not known.
fn holiday(w: &[&str], today: NaiveDate) -> Option<NaiveDate> {
    let (month, day) = match w {
        ["christmas"] | ["christmas", "day"] | ["xmas"] => (12, 25),
        ["christmas" | "xmas", "eve"] => (12, 24),
        ["new", "year's" | "years" | "year", "day"] | ["new", "year's" | "years"] => (1, 1),
        ["new", "year's" | "years" | "year", "eve"] => (12, 31),
        ["valentine's" | "valentines", "day"] => (2, 14),
        ["halloween"] => (10, 31),
        ["independence", "day"] => (7, 4),
        ["thanksgiving"] | ["thanksgiving", "day"] => {
            let fourth_thursday =
                |year: i32| NaiveDate::from_weekday_of_month_opt(year, 11, Weekday::Thu, 4);
            return fourth_thursday(today.year())
                .filter(|d| *d >= today)
                .or_else(|| fourth_thursday(today.year().checked_add(1)?));
        }
        _ => return None,
    };
    next_month_day(today, month, day)
}

/// A count in "in three days", "in a week", "a couple of days".
fn count(words: &[&str]) -> Option<u64> {
    match words {
        ["a" | "an" | "one"] => Some(1),
        ["a", "couple"] | ["couple"] => Some(2),
        _ => {
            let n = parse_number(&words.join(" "))?;
            (n >= 0.0 && n.fract() == 0.0 && n <= MAX_OFFSET as f64).then_some(n as u64)
        }
    }
}

/// "in three days", "in two weeks", "in a month", "three days from now",
/// "a week from today", and from another date: "a week from Friday", "two
/// days from tomorrow".
fn relative_offset(w: &[&str], today: NaiveDate) -> Option<NaiveDate> {
    let (n_words, unit, base) = match w {
        ["in", rest @ .., unit] => (rest, *unit, today),
        [rest @ .., unit, "from", "now"] => (rest, *unit, today),
        _ => {
            let from = w.iter().position(|t| *t == "from")?;
            let (before, after) = w.split_at(from);
            let (unit, rest) = before.split_last()?;
            // The base is a shorter run of words, so this recursion ends.
            let base = match parse_window(after.get(1..)?, today, true)? {
                Found::Date(date) => date,
                Found::Invalid => return None,
            };
            (rest, *unit, base)
        }
    };
    if n_words.is_empty() {
        return None;
    }
    let n = count(n_words)?;
    match unit.trim_end_matches('s') {
        "day" => add_days(base, i64::try_from(n).ok()?),
        "week" => add_days(base, i64::try_from(n.checked_mul(7)?).ok()?),
        "month" => base.checked_add_months(Months::new(u32::try_from(n).ok()?)),
        "year" => base.checked_add_months(Months::new(u32::try_from(n.checked_mul(12)?).ok()?)),
        _ => None,
    }
}

/// "the fifteenth of next month", "the 3rd of this month" ("the" and "of"
/// already dropped). The outer None means the words are not of this form; the
/// inner None that the day does not exist in that month.
fn day_of_named_month(w: &[&str], today: NaiveDate) -> Option<Option<NaiveDate>> {
    let (day_words, months_ahead) = match w {
        [day @ .., "next", "month"] => (day, 1),
        [day @ .., "this", "month"] => (day, 0),
        _ => return None,
    };
    let day = day_of_month(day_words)?;
    Some(month_start(today, months_ahead)?.with_day(day))
}

/// "Friday", "next Friday", "this Friday", "last Friday", "Friday next
/// week" (see the module doc for what each means).
fn weekday_phrase(w: &[&str], today: NaiveDate, whole: bool) -> Option<NaiveDate> {
    let day = |word: &str| -> Option<Weekday> {
        let (day, abbreviation) = weekday_from_word(word)?;
        // "sat", "sun", "wed" are ordinary words too; only trust them alone.
        (!abbreviation || whole).then_some(day)
    };
    match w {
        [d] | ["next" | "coming", d] => weekday_after(today, day(d)?),
        ["this", d] | ["this", "coming", d] => weekday_on_or_after(today, day(d)?),
        ["last" | "past", d] => weekday_before(today, day(d)?),
        [d, "next", "week"] | ["next", "week", d] => weekday_of_week(today, 1, day(d)?),
        [d, "this", "week"] => weekday_of_week(today, 0, day(d)?),
        _ => None,
    }
}

/// "2025-03-04", "3/4/2025", "3/4/25", "3/4", "3-4-2025".
fn numeric_date(w: &[&str], today: NaiveDate) -> Option<NaiveDate> {
    let [tok] = w else {
        return None;
    };
    let sep = if tok.contains('/') {
        '/'
    } else if tok.contains('-') {
        '-'
    } else {
        return None;
    };
    let parts: Vec<&str> = tok.split(sep).collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let num = |i: usize| -> Option<u32> { parts.get(i)?.parse().ok() };
    match parts.as_slice() {
        [y, _, _] if y.len() == 4 => NaiveDate::from_ymd_opt(num(0)? as i32, num(1)?, num(2)?),
        [_, _, y] => {
            let year = match y.len() {
                2 => 2000 + num(2)? as i32,
                4 => num(2)? as i32,
                _ => return None,
            };
            NaiveDate::from_ymd_opt(year, num(0)?, num(1)?)
        }
        [_, _] => next_month_day(today, num(0)?, num(1)?),
        _ => None,
    }
}

/// A day of the month, 1..=31, from "3rd", "third", "twenty third", "3".
fn day_of_month(words: &[&str]) -> Option<u32> {
    if words.is_empty() {
        return None;
    }
    let d = parse_ordinal(&words.join(" "))?;
    (1..=31).contains(&d).then_some(d as u32)
}

/// A year: "2027", "two thousand twenty seven", "twenty twenty seven",
/// "nineteen ninety nine", "twenty oh five".
fn year(words: &[&str]) -> Option<i32> {
    let plausible = |y: f64| (1900.0..=2200.0).contains(&y) && y.fract() == 0.0;
    if let Some(y) = parse_number(&words.join(" ")).filter(|y| plausible(*y)) {
        return Some(y as i32);
    }
    // Said as two pairs: "twenty" + "twenty seven", "twenty" + "oh five".
    for split in 1..words.len() {
        let (century, rest) = words.split_at(split);
        let Some(c) = parse_number(&century.join(" ")) else {
            continue;
        };
        if !(19.0..=21.0).contains(&c) || c.fract() != 0.0 {
            continue;
        }
        let tail = match rest {
            ["oh" | "o" | "zero", digit] => parse_number(digit).filter(|d| *d < 10.0),
            // A bare "five" after "twenty" is more likely a day than 2005.
            _ => parse_number(&rest.join(" ")).filter(|d| (10.0..=99.0).contains(d)),
        };
        if let Some(t) = tail.filter(|t| t.fract() == 0.0) {
            return Some((c * 100.0 + t) as i32);
        }
    }
    None
}

/// "March 3rd", "march third 2027", "3rd March", "third of March twenty
/// twenty seven" (with "of" already dropped). The outer None means the words
/// are not of this form; the inner None that they are, but name a day that
/// does not exist.
fn month_and_day(w: &[&str], today: NaiveDate) -> Option<Option<NaiveDate>> {
    let month_at = w.iter().position(|t| month_from_word(t).is_some())?;
    let (month, _) = month_from_word(w.get(month_at)?)?;
    let (day_words, year_words): (&[&str], &[&str]) = if month_at == 0 {
        // Month first: the day is the next 1-3 words, the year the rest.
        let rest = w.get(1..)?;
        let mut found = None;
        for day_len in 1..=rest.len().min(3) {
            let (d, y) = rest.split_at(day_len);
            if day_of_month(d).is_some() && (y.is_empty() || year(y).is_some()) {
                found = Some((d, y));
                break;
            }
        }
        found?
    } else {
        (w.get(..month_at)?, w.get(month_at + 1..)?)
    };
    let day = day_of_month(day_words)?;
    if year_words.is_empty() {
        Some(next_month_day(today, month, day))
    } else {
        Some(NaiveDate::from_ymd_opt(year(year_words)?, month, day))
    }
}

/// "the 3rd", "the twenty first": the next such day of a month, on or
/// after today. Only ordinals count; a bare "3" is not a date.
fn day_only(w: &[&str], today: NaiveDate) -> Option<NaiveDate> {
    let last = w.last()?;
    let is_ordinal = ["st", "nd", "rd", "th"]
        .iter()
        .any(|s| last.len() > 2 && last.ends_with(s))
        || matches!(*last, "first" | "second" | "third");
    if !is_ordinal || w.len() > 2 {
        return None;
    }
    next_day_of_month(today, day_of_month(w)?)
}

#[cfg(test)]
mod tests {
    use super::super::BuiltinType;
    use super::super::tests::{check_digits, check_speech};

    // Today is Wednesday 2026-11-25 (see `tests::ctx`).
    const DATE_SPEECH: &[(&str, Option<&str>)] = &[
        ("today", Some("2026-11-25")),
        ("tomorrow", Some("2026-11-26")),
        ("the day after tomorrow", Some("2026-11-27")),
        ("yesterday", Some("2026-11-24")),
        ("Friday", Some("2026-11-27")),
        ("next Friday", Some("2026-11-27")),
        ("this Friday", Some("2026-11-27")),
        ("on Friday please", Some("2026-11-27")),
        ("Wednesday", Some("2026-12-02")),
        ("this Wednesday", Some("2026-11-25")),
        ("last Friday", Some("2026-11-20")),
        ("Friday next week", Some("2026-12-04")),
        ("Monday", Some("2026-11-30")),
        ("Thursday the 3rd", Some("2026-12-03")),
        ("Monday, December 7th", Some("2026-12-07")),
        ("March 3rd", Some("2027-03-03")),
        ("3rd of March", Some("2027-03-03")),
        ("march third", Some("2027-03-03")),
        ("the third of march", Some("2027-03-03")),
        ("March 3rd 2027", Some("2027-03-03")),
        ("March 3rd, 2025", Some("2025-03-03")),
        ("march third twenty twenty seven", Some("2027-03-03")),
        (
            "the twenty-third of March two thousand twenty eight",
            Some("2028-03-23"),
        ),
        ("December 25th", Some("2026-12-25")),
        ("November 25th", Some("2026-11-25")),
        ("November 24th", Some("2027-11-24")),
        ("I'd like to come on March 3rd please", Some("2027-03-03")),
        ("3/4/2025", Some("2025-03-04")),
        ("3/4/25", Some("2025-03-04")),
        ("2025-03-04", Some("2025-03-04")),
        ("12/1", Some("2026-12-01")),
        ("in three days", Some("2026-11-28")),
        ("in two weeks", Some("2026-12-09")),
        ("in a week", Some("2026-12-02")),
        ("three days from now", Some("2026-11-28")),
        ("in a month", Some("2026-12-25")),
        ("the 3rd", Some("2026-12-03")),
        ("the twenty eighth", Some("2026-11-28")),
        ("February 29th", Some("2028-02-29")),
        ("February 30th", None),
        ("Feb 29 2027", None),
        ("13/45/2025", None),
        ("March", None),
        ("3", None),
        ("next week", None),
        ("I don't know", None),
        ("in 99999999 days", None),
        ("", None),
    ];

    const DATE_DIGITS: &[(&str, Option<&str>)] = &[
        ("03042027", Some("2027-03-04")),
        ("0304", Some("2027-03-04")),
        ("1231", Some("2026-12-31")),
        ("1125", Some("2026-11-25")),
        ("02292028#", Some("2028-02-29")),
        ("02292027", None),
        ("13012027", None),
        ("123", None),
        ("", None),
        ("0000", None),
    ];

    #[test]
    fn date_table() {
        check_speech(BuiltinType::Date, DATE_SPEECH);
        check_digits(BuiltinType::Date, DATE_DIGITS);
    }
}
