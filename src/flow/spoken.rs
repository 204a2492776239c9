//! Values said the way people say them.
//!
//! Answers are stored normalised, so that webhooks, memory and comparisons see one spelling:
//! `2026-12-11`, `19:30`, `+15551234567`, `42`. Those spellings are for machines. Read aloud by
//! text-to-speech, `2026-12-11` comes out as a subtraction, `+15551234567` as fifteen billion
//! and something, and a caller who hears "nineteen thirty" on a consumer line hesitates. So a
//! placeholder may name a format after `|` — `{{order.date | spoken}}` — and this module says the
//! value in it: "Friday, December 11th", "7:30 PM", "5 5 5, 1 2 3, 4 5 6 7".
//!
//! Everything here is pure and total. Formats are checked against the value's kind at load time
//! ([`Kind::accepts`]) when the question's type is known; when it is not (a remembered value),
//! the value's own shape decides at render time. Either way a value that does not fit its format
//! is said unchanged: a bot that says a slightly odd value beats a call that fails.
//!
//! Dates, weekdays and times are said in the bot's language, by its [`Speaker`]: "viernes 11 de
//! diciembre", "晚上7点半". Digits are said digit by digit in every language, with the
//! language's words for `+`, `-` and `.` around them ("plus", "más", 加).

use chrono::{Datelike, NaiveDate};

use crate::nlu::lang::Language;
use crate::nlu::lang::speak::Speaker;

/// A way of saying a value, as written after `|` in a placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// As people say it: dates with their weekday, times with their part of the day, in the
    /// bot's language ("Friday, December 11th", "7:30 de la tarde"); phone numbers and digit
    /// strings digit by digit; other values unchanged.
    Spoken,
    /// A date's day of the week only ("Friday", "viernes").
    Weekday,
    /// Digit by digit, in groups separated by commas so text-to-speech pauses between them.
    Digits,
    /// The stored value, unchanged.
    Raw,
}

impl Format {
    /// Every format's name as written in flows, for error messages: `["spoken", "weekday",
    /// "digits", "raw"]`.
    pub const NAMES: &'static [&'static str] = &["spoken", "weekday", "digits", "raw"];

    /// Every format, in the order of [`Format::NAMES`].
    pub const ALL: [Format; 4] = [Format::Spoken, Format::Weekday, Format::Digits, Format::Raw];

    /// Parses a name as written after `|`: surrounding whitespace is ignored, the rest must be
    /// one of [`Format::NAMES`] exactly (lower case), so a flow reads the same everywhere.
    pub fn from_name(name: &str) -> Option<Format> {
        match name.trim() {
            "spoken" => Some(Format::Spoken),
            "weekday" => Some(Format::Weekday),
            "digits" => Some(Format::Digits),
            "raw" => Some(Format::Raw),
            _ => None,
        }
    }

    /// The format's name as written in flows.
    pub fn name(self) -> &'static str {
        match self {
            Format::Spoken => "spoken",
            Format::Weekday => "weekday",
            Format::Digits => "digits",
            Format::Raw => "raw",
        }
    }
}

/// What kind of value a placeholder holds, when the loader knows it (from the question's type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A calendar date, stored `YYYY-MM-DD`.
    Date,
    /// A time of day, stored `HH:MM` (24-hour).
    Time,
    /// A phone number, stored in E.164 (`+15551234567`).
    Phone,
    /// A digit string (`NUMBER_SEQUENCE`): an account number, a PIN, a ZIP code.
    Digits,
    /// A number (`-3.5`, `42`).
    Number,
    /// Anything else, or not known at load time (a remembered value): the value's shape decides.
    Other,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 6] = [
        Kind::Date,
        Kind::Time,
        Kind::Phone,
        Kind::Digits,
        Kind::Number,
        Kind::Other,
    ];

    /// The kind of value a question of this type holds.
    pub fn of(field: &crate::flow::Field) -> Kind {
        use crate::nlu::fields::BuiltinType;
        match field {
            crate::flow::Field::Builtin(BuiltinType::Date) => Kind::Date,
            crate::flow::Field::Builtin(BuiltinType::Time) => Kind::Time,
            crate::flow::Field::Builtin(BuiltinType::PhoneNumber) => Kind::Phone,
            crate::flow::Field::Builtin(BuiltinType::NumberSequence) => Kind::Digits,
            crate::flow::Field::Builtin(BuiltinType::Number) => Kind::Number,
            _ => Kind::Other,
        }
    }

    /// The kind's name in messages: "a date answer".
    pub fn name(self) -> &'static str {
        match self {
            Kind::Date => "date",
            Kind::Time => "time",
            Kind::Phone => "phone number",
            Kind::Digits => "digit string",
            Kind::Number => "number",
            Kind::Other => "text",
        }
    }

    /// Whether `format` makes sense for this kind, for load-time checks.
    ///
    /// [`Format::Spoken`] and [`Format::Raw`] suit every kind; [`Format::Weekday`] only dates;
    /// [`Format::Digits`] phone numbers, digit strings and numbers. [`Kind::Other`] accepts every
    /// format, since its value is only known at render time, where a misfit is said unchanged.
    pub fn accepts(self, format: Format) -> bool {
        match format {
            Format::Spoken | Format::Raw => true,
            Format::Weekday => matches!(self, Kind::Date | Kind::Other),
            Format::Digits => {
                matches!(
                    self,
                    Kind::Phone | Kind::Digits | Kind::Number | Kind::Other
                )
            }
        }
    }
}

/// The format used when a placeholder names none.
///
/// On a call (`voice`), dates and times are said as people say them and phone numbers and digit
/// strings digit by digit; numbers and everything else as stored (text-to-speech says "42"
/// well). In a text message dates and times are still spelled out, but everything else stays
/// as stored: a texted phone number or account number should stay copyable.
pub fn default_for(kind: Kind, voice: bool) -> Format {
    match kind {
        Kind::Date | Kind::Time => Format::Spoken,
        Kind::Phone | Kind::Digits if voice => Format::Digits,
        _ => Format::Raw,
    }
}

/// Every way a placeholder could say `value`, longest first, the value itself included: what
/// the call history must hide when the value is a sensitive answer the bot repeated.
///
/// Every language's ways, not only the bot's: the list is a net, and a wider one costs nothing
/// but a few strings, whereas one language too few would leave "viernes 11 de diciembre" in
/// the history of a bot whose language changed since.
pub fn every_saying(value: &str) -> Vec<String> {
    // Only a date's saying depends on the caller's year: with its year, or without.
    let date = parse_date(value.trim());
    let todays = [
        Some(date.unwrap_or(NaiveDate::MIN)),
        date.map(|_| NaiveDate::MIN),
    ];
    // Raw is the value itself, already in; a weekday is the same whatever the kind.
    let ways = std::iter::once((Format::Weekday, Kind::Other)).chain(
        Kind::ALL
            .into_iter()
            .flat_map(|kind| [(Format::Spoken, kind), (Format::Digits, kind)]),
    );
    let mut all: Vec<String> = vec![value.to_owned()];
    for language in &crate::nlu::lang::LANGUAGES {
        for today in todays.into_iter().flatten() {
            for (format, kind) in ways.clone() {
                let said = say(value, format, kind, today, language);
                if !said.trim().is_empty() && !all.contains(&said) {
                    all.push(said);
                }
            }
        }
    }
    all.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    all
}

/// Says `value` in `format`.
///
/// `kind` is what the loader knows; with [`Kind::Other`] the value's own shape decides: a value
/// like `YYYY-MM-DD` is a date, `HH:MM` a time, `+` and digits a phone number, all digits a
/// digit string, and (for [`Format::Digits`] only) `-3.5` a number. [`Format::Spoken`] on an
/// unknown kind only spells out dates and times: `42` might be a count, and saying it "4 2"
/// would be wrong. `today` is the caller's local date: a date in another year has its year said.
/// `language` says dates, weekdays and times in its words, and its words for `+`, `-` and `.`;
/// its numbering plan decides which phone numbers are home numbers; digits are the same in all.
///
/// A value that does not fit the format (garbage, a date that does not exist, a time past
/// 23:59) is returned unchanged: this never fails.
///
/// How digits are grouped (groups separated by `", "`, digits by spaces):
/// - Numbers of the language's own country (`+1` and ten digits for English and US Spanish,
///   `+52` and ten for Mexican Spanish, `+86` and eleven for Mandarin) without the country
///   code, as callers say their own: `5 5 5, 1 2 3, 4 5 6 7`, `1 3 8, 0 0 1 3, 8 0 0 0`.
/// - Other E.164 numbers: "plus" (the language's word), the country code as one group (its
///   length from the ITU assignment), then the national number as described next:
///   `plus 4 4, 2 0 7, 1 8 3, 8 7 5 0`.
/// - A national number (a phone value without `+`, or the rest after a country code): up to four
///   digits as one group; otherwise groups of three, the last group four digits when one digit
///   would be left over, the last two groups four digits when two would be (a five-digit number
///   is `2, 3`).
/// - A digit string: groups of four from the left, the last group whatever remains
///   (`1 2 3 4, 5 6 7 8, 9`), as card and account numbers are printed.
/// - A number: its digits without groups, a leading `-` said "minus" and the decimal point
///   "point" (the language's words): `minus 3 point 5`, `menos 3 punto 5`, `负 3 点 5`.
pub fn say(
    value: &str,
    format: Format,
    kind: Kind,
    today: NaiveDate,
    language: &Language,
) -> String {
    let speaker = language.speaker;
    let trimmed = value.trim();
    let date = |s: &str| parse_date(s).map(|date| speaker.date(date, today));
    let time = |s: &str| parse_time(s).map(|(h, m)| speaker.time(h, m));
    let said = match format {
        Format::Raw => None,
        Format::Weekday => {
            parse_date(trimmed).map(|date| speaker.weekday(date.weekday()).to_owned())
        }
        Format::Spoken => match kind {
            Kind::Date => date(trimmed),
            Kind::Time => time(trimmed),
            Kind::Phone => say_phone(trimmed, language),
            Kind::Digits => say_digit_string(trimmed),
            Kind::Number => None,
            Kind::Other => date(trimmed).or_else(|| time(trimmed)),
        },
        Format::Digits => match kind {
            Kind::Phone => say_phone(trimmed, language),
            Kind::Digits => say_digit_string(trimmed),
            Kind::Number => say_number(trimmed, speaker),
            Kind::Date | Kind::Time => None,
            Kind::Other => {
                if trimmed.starts_with('+') {
                    say_phone(trimmed, language)
                } else {
                    say_digit_string(trimmed).or_else(|| say_number(trimmed, speaker))
                }
            }
        },
    };
    said.unwrap_or_else(|| value.to_owned())
}

/// Whether `s` is non-empty and all ASCII digits (so byte slicing it is safe).
fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses exactly `YYYY-MM-DD`; chrono's own parser also takes `2026-1-5`, which is not the
/// stored shape and might be something else.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let (year, rest) = s.split_once('-')?;
    let (month, day) = rest.split_once('-')?;
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    if !(all_digits(year) && all_digits(month) && all_digits(day)) {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// Parses `H:MM` or `HH:MM` on the 24-hour clock into hour and minute.
fn parse_time(s: &str) -> Option<(u32, u32)> {
    let (hour, minute) = s.split_once(':')?;
    if !(1..=2).contains(&hour.len()) || minute.len() != 2 {
        return None;
    }
    if !(all_digits(hour) && all_digits(minute)) {
        return None;
    }
    let (hour, minute): (u32, u32) = (hour.parse().ok()?, minute.parse().ok()?);
    (hour < 24 && minute < 60).then_some((hour, minute))
}

/// Two-digit country codes (ITU E.164 assignments); codes starting 1 or 7 are one digit, every
/// other code three. Knowing the length lets the country code be said as one group.
const TWO_DIGIT_COUNTRY_CODES: &[&str] = &[
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47",
    "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65",
    "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
];

/// How many of the leading digits of an international number are its country code.
fn country_code_len(digits: &str) -> usize {
    let len = if digits.starts_with('1') || digits.starts_with('7') {
        1
    } else if digits
        .get(..2)
        .is_some_and(|two| TWO_DIGIT_COUNTRY_CODES.contains(&two))
    {
        2
    } else {
        3
    };
    len.min(digits.len())
}

/// A phone number digit by digit: E.164 (`+…`) or national (all digits). See [`say`].
fn say_phone(s: &str, language: &Language) -> Option<String> {
    let Some(international) = s.strip_prefix('+') else {
        return all_digits(s).then(|| say_groups(s, &national_groups(s.len())));
    };
    if !all_digits(international) {
        return None;
    }
    // Callers never say the country code of a number in their own country.
    let region = &language.region;
    if let Some(national) = international
        .strip_prefix(region.calling_code)
        .filter(|national| region.national.contains(&national.len()))
    {
        return Some(say_groups(national, &national_groups(national.len())));
    }
    let (code, national) = international.split_at(country_code_len(international));
    let mut said = format!("{} {}", language.speaker.symbols().plus, spaced(code));
    if !national.is_empty() {
        said.push_str(", ");
        said.push_str(&say_groups(national, &national_groups(national.len())));
    }
    Some(said)
}

/// Group sizes for a national number of `len` digits: threes, ending in a four or two fours so
/// no group is a lone digit or pair. See [`say`].
fn national_groups(len: usize) -> Vec<usize> {
    match (len, len % 3) {
        (0..=4, _) => vec![len],
        (5, _) => vec![2, 3],
        (_, 0) => vec![3; len / 3],
        (_, 1) => {
            let mut groups = vec![3; (len - 4) / 3];
            groups.push(4);
            groups
        }
        _ => {
            let mut groups = vec![3; (len - 8) / 3];
            groups.extend([4, 4]);
            groups
        }
    }
}

/// A digit string in groups of four from the left.
fn say_digit_string(s: &str) -> Option<String> {
    if !all_digits(s) {
        return None;
    }
    let groups: Vec<usize> = (0..s.len())
        .step_by(4)
        .map(|i| 4.min(s.len() - i))
        .collect();
    Some(say_groups(s, &groups))
}

/// A number digit by digit: optional `-`, digits, optional `.` and digits.
fn say_number(s: &str, speaker: &dyn Speaker) -> Option<String> {
    let (negative, unsigned) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    if !all_digits(whole) || fraction.is_some_and(|f| !all_digits(f)) {
        return None;
    }
    let mut said = String::new();
    if negative {
        said.push_str(speaker.symbols().minus);
        said.push(' ');
    }
    said.push_str(&spaced(whole));
    if let Some(fraction) = fraction {
        said.push(' ');
        said.push_str(speaker.symbols().point);
        said.push(' ');
        said.push_str(&spaced(fraction));
    }
    Some(said)
}

/// `digits` (ASCII digits only) cut into groups of the given sizes, each spaced, joined by ", ".
/// Sizes that overrun the digits are cut short, so a wrong plan cannot panic.
fn say_groups(digits: &str, sizes: &[usize]) -> String {
    let mut groups = Vec::with_capacity(sizes.len());
    let mut rest = digits;
    for &size in sizes {
        let (group, tail) = rest.split_at(size.min(rest.len()));
        if !group.is_empty() {
            groups.push(spaced(group));
        }
        rest = tail;
    }
    if !rest.is_empty() {
        groups.push(spaced(rest));
    }
    groups.join(", ")
}

/// Characters separated by single spaces: "555" → "5 5 5".
fn spaced(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn english() -> &'static Language {
        crate::nlu::lang::english()
    }

    fn spanish() -> &'static Language {
        crate::nlu::lang::find("es-US").expect("known")
    }

    fn mandarin() -> &'static Language {
        crate::nlu::lang::find("zh-CN").expect("known")
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    fn said(value: &str, format: Format, kind: Kind) -> String {
        say(value, format, kind, today(), english())
    }

    #[test]
    fn format_names_round_trip() {
        for name in Format::NAMES {
            let format = Format::from_name(name).unwrap();
            assert_eq!(format.name(), *name);
        }
        assert_eq!(Format::from_name(" spoken "), Some(Format::Spoken));
        assert_eq!(Format::from_name("Spoken"), None);
        assert_eq!(Format::from_name("spoke"), None);
        assert_eq!(Format::from_name(""), None);
    }

    #[test]
    fn kinds_accept_formats_that_make_sense() {
        use Format as F;
        use Kind as K;
        for kind in [K::Date, K::Time, K::Phone, K::Digits, K::Number, K::Other] {
            assert!(kind.accepts(F::Spoken), "{kind:?}");
            assert!(kind.accepts(F::Raw), "{kind:?}");
        }
        assert!(K::Date.accepts(F::Weekday));
        assert!(K::Other.accepts(F::Weekday));
        for kind in [K::Time, K::Phone, K::Digits, K::Number] {
            assert!(!kind.accepts(F::Weekday), "{kind:?}");
        }
        for kind in [K::Phone, K::Digits, K::Number, K::Other] {
            assert!(kind.accepts(F::Digits), "{kind:?}");
        }
        assert!(!K::Date.accepts(F::Digits));
        assert!(!K::Time.accepts(F::Digits));
    }

    #[test]
    fn defaults_by_channel() {
        use Format as F;
        use Kind as K;
        let voice = [F::Spoken, F::Spoken, F::Digits, F::Digits, F::Raw, F::Raw];
        let text = [F::Spoken, F::Spoken, F::Raw, F::Raw, F::Raw, F::Raw];
        let kinds = [K::Date, K::Time, K::Phone, K::Digits, K::Number, K::Other];
        for ((kind, v), t) in kinds.into_iter().zip(voice).zip(text) {
            assert_eq!(default_for(kind, true), v, "{kind:?} by voice");
            assert_eq!(default_for(kind, false), t, "{kind:?} by text");
        }
    }

    #[test]
    fn dates_spoken() {
        assert_eq!(
            said("2026-12-11", Format::Spoken, Kind::Date),
            "Friday, December 11th"
        );
        assert_eq!(
            said("2027-01-04", Format::Spoken, Kind::Date),
            "Monday, January 4th, 2027"
        );
        assert_eq!(
            said("2025-12-31", Format::Spoken, Kind::Date),
            "Wednesday, December 31st, 2025"
        );
        // Shape decides when the kind is unknown.
        assert_eq!(
            said("2026-12-11", Format::Spoken, Kind::Other),
            "Friday, December 11th"
        );
    }

    #[test]
    fn ordinals() {
        // Every ordinal is pinned in `speak`; here, that dates use them.
        assert_eq!(
            said("2026-03-22", Format::Spoken, Kind::Date),
            "Sunday, March 22nd"
        );
    }

    #[test]
    fn weekdays() {
        assert_eq!(said("2026-12-11", Format::Weekday, Kind::Date), "Friday");
        assert_eq!(said("2027-01-04", Format::Weekday, Kind::Other), "Monday");
        assert_eq!(said("19:30", Format::Weekday, Kind::Time), "19:30");
    }

    #[test]
    fn times_spoken() {
        let cases = [
            ("19:30", "7:30 PM"),
            ("07:05", "7:05 AM"),
            ("7:05", "7:05 AM"),
            ("19:00", "7 PM"),
            ("12:00", "noon"),
            ("00:00", "midnight"),
            ("12:30", "12:30 PM"),
            ("00:15", "12:15 AM"),
            ("23:59", "11:59 PM"),
        ];
        for (value, expected) in cases {
            assert_eq!(said(value, Format::Spoken, Kind::Time), expected, "{value}");
            assert_eq!(
                said(value, Format::Spoken, Kind::Other),
                expected,
                "{value}"
            );
        }
    }

    #[test]
    fn phone_numbers_digit_by_digit() {
        for format in [Format::Digits, Format::Spoken] {
            assert_eq!(
                said("+15551234567", format, Kind::Phone),
                "5 5 5, 1 2 3, 4 5 6 7"
            );
            assert_eq!(
                said("+442071838750", format, Kind::Phone),
                "plus 4 4, 2 0 7, 1 8 3, 8 7 5 0"
            );
        }
        assert_eq!(
            said("+33123456789", Format::Digits, Kind::Phone),
            "plus 3 3, 1 2 3, 4 5 6, 7 8 9"
        );
        assert_eq!(
            said("+35312345678", Format::Digits, Kind::Phone),
            "plus 3 5 3, 1 2 3 4, 5 6 7 8"
        );
        assert_eq!(
            said("+79161234567", Format::Digits, Kind::Phone),
            "plus 7, 9 1 6, 1 2 3, 4 5 6 7"
        );
        assert_eq!(said("+44", Format::Digits, Kind::Phone), "plus 4 4");
        // A phone value without `+` is a national number.
        assert_eq!(
            said("5551234567", Format::Digits, Kind::Phone),
            "5 5 5, 1 2 3, 4 5 6 7"
        );
        // Unknown kind: `+` and digits is a phone number for `digits`…
        assert_eq!(
            said("+15551234567", Format::Digits, Kind::Other),
            "5 5 5, 1 2 3, 4 5 6 7"
        );
        // …but `spoken` on an unknown kind only spells out dates and times.
        assert_eq!(
            said("+15551234567", Format::Spoken, Kind::Other),
            "+15551234567"
        );
    }

    #[test]
    fn national_grouping() {
        assert_eq!(national_groups(3), [3]);
        assert_eq!(national_groups(4), [4]);
        assert_eq!(national_groups(5), [2, 3]);
        assert_eq!(national_groups(6), [3, 3]);
        assert_eq!(national_groups(7), [3, 4]);
        assert_eq!(national_groups(8), [4, 4]);
        assert_eq!(national_groups(10), [3, 3, 4]);
        assert_eq!(national_groups(11), [3, 4, 4]);
        for len in 0..40 {
            assert_eq!(national_groups(len).iter().sum::<usize>(), len, "{len}");
        }
    }

    #[test]
    fn digit_strings_in_fours() {
        for format in [Format::Digits, Format::Spoken] {
            assert_eq!(said("12345678", format, Kind::Digits), "1 2 3 4, 5 6 7 8");
        }
        assert_eq!(
            said("123456789", Format::Digits, Kind::Digits),
            "1 2 3 4, 5 6 7 8, 9"
        );
        assert_eq!(said("0042", Format::Digits, Kind::Digits), "0 0 4 2");
        assert_eq!(said("7", Format::Digits, Kind::Digits), "7");
        assert_eq!(
            said("12345678", Format::Digits, Kind::Other),
            "1 2 3 4, 5 6 7 8"
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(said("42", Format::Digits, Kind::Number), "4 2");
        assert_eq!(
            said("-3.5", Format::Digits, Kind::Number),
            "minus 3 point 5"
        );
        assert_eq!(said("-3.5", Format::Digits, Kind::Other), "minus 3 point 5");
        assert_eq!(said("42", Format::Spoken, Kind::Number), "42");
        assert_eq!(said("42", Format::Spoken, Kind::Other), "42");
        assert_eq!(said("3.", Format::Digits, Kind::Number), "3.");
        assert_eq!(said(".5", Format::Digits, Kind::Number), ".5");
        assert_eq!(said("-", Format::Digits, Kind::Number), "-");
    }

    #[test]
    fn raw_is_unchanged() {
        for kind in Kind::ALL {
            for value in ["2026-12-11", "19:30", "+15551234567", "42"] {
                assert_eq!(said(value, Format::Raw, kind), value);
            }
        }
    }

    #[test]
    fn misfits_are_unchanged() {
        assert_eq!(said("19:30", Format::Digits, Kind::Time), "19:30");
        assert_eq!(said("2026-12-11", Format::Digits, Kind::Date), "2026-12-11");
        assert_eq!(said("19:30", Format::Spoken, Kind::Date), "19:30");
        assert_eq!(said("2026-12-11", Format::Spoken, Kind::Time), "2026-12-11");
    }

    #[test]
    fn garbage_is_unchanged() {
        let garbage = [
            "tomorrow",
            "",
            " ",
            "2026-02-30",
            "2026-13-01",
            "2026-1-5",
            "26-12-11",
            "25:99",
            "24:00",
            "12:5",
            "123:00",
            "+",
            "++1",
            "+1-555",
            "abc",
            "-",
            "1.2.3",
        ];
        assert_unchanged(&garbage);
    }

    /// Each value is said unchanged in every format, as every kind.
    fn assert_unchanged(values: &[&str]) {
        for value in values {
            for format in Format::ALL {
                for kind in Kind::ALL {
                    assert_eq!(
                        said(value, format, kind),
                        *value,
                        "{value:?} {format:?} {kind:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn unicode_does_not_panic() {
        let values = [
            "２０２６-１２-１１",
            "1９:30",
            "+١٥٥٥١٢٣٤٥٦٧",
            "+4é",
            "é",
            "2026-12-1é",
            "12:3é",
            "👍👍:👍",
            "💥-💥-💥",
            "+1555123456７",
            "-３.5",
            "\u{0}",
        ];
        assert_unchanged(&values);
    }

    #[test]
    fn signs_and_points_among_digits_are_said_in_the_bots_language() {
        let phone = "+442071838750";
        assert_eq!(
            say(phone, Format::Digits, Kind::Phone, today(), spanish()),
            "más 4 4, 2 0 7, 1 8 3, 8 7 5 0"
        );
        assert_eq!(
            say(phone, Format::Digits, Kind::Phone, today(), mandarin()),
            "加 4 4, 2 0 7, 1 8 3, 8 7 5 0"
        );
        assert_eq!(
            say("-3.5", Format::Digits, Kind::Number, today(), spanish()),
            "menos 3 punto 5"
        );
        assert_eq!(
            say("-3.5", Format::Digits, Kind::Number, today(), mandarin()),
            "负 3 点 5"
        );
        // Every language's wording is hidden when the value is sensitive.
        assert!(every_saying("-3.5").contains(&"menos 3 punto 5".to_owned()));
    }

    #[test]
    fn surrounding_whitespace_is_ignored_for_shape() {
        assert_eq!(said(" 19:30 ", Format::Spoken, Kind::Time), "7:30 PM");
    }

    #[test]
    fn dates_and_times_in_the_bots_language() {
        let speakers: [(&Language, [&str; 6]); 2] = [
            (
                spanish(),
                [
                    "viernes 11 de diciembre",
                    "lunes 4 de enero de 2027",
                    "viernes",
                    "7:30 de la tarde",
                    "+15551234567",
                    "5 5 5, 1 2 3, 4 5 6 7",
                ],
            ),
            (
                mandarin(),
                [
                    "12月11日星期五",
                    "2027年1月4日星期一",
                    "星期五",
                    "晚上7点半",
                    "+8613800138000",
                    "1 3 8, 0 0 1 3, 8 0 0 0",
                ],
            ),
        ];
        for (speaker, [date, next_year, weekday, time, home, home_said]) in speakers {
            let said = |value, format, kind| say(value, format, kind, today(), speaker);
            for kind in [Kind::Date, Kind::Other] {
                assert_eq!(said("2026-12-11", Format::Spoken, kind), date);
                assert_eq!(said("2027-01-04", Format::Spoken, kind), next_year);
                assert_eq!(said("2026-12-11", Format::Weekday, kind), weekday);
            }
            for kind in [Kind::Time, Kind::Other] {
                assert_eq!(said("19:30", Format::Spoken, kind), time);
            }
            // A number of the language's own country is said without its country code, in
            // national groups; misfits and raw values unchanged.
            assert_eq!(said(home, Format::Digits, Kind::Phone), home_said);
            assert_eq!(said("19:30", Format::Spoken, Kind::Date), "19:30");
            assert_eq!(said("2026-12-11", Format::Raw, Kind::Date), "2026-12-11");
            assert_eq!(said("2026-02-30", Format::Spoken, Kind::Date), "2026-02-30");
        }
    }

    #[test]
    fn every_saying_skips_no_format_kind_or_year() {
        // Every combination said by brute force: what every_saying leaves out as the same
        // saying must really be the same, now and for any format or kind added later.
        for value in [
            "2026-12-11",
            "2028-02-29",
            "19:30",
            "00:05",
            "+525512345678",
            "+14155550123",
            "+8613800138000",
            "+442071838750",
            "4155550123",
            "1234567812345678",
            "-3.5",
            "42",
            "Jason",
            "2026-13-01",
            "25:00",
        ] {
            let date = parse_date(value).unwrap_or(NaiveDate::MIN);
            let mut expected = vec![value.to_owned()];
            for language in &crate::nlu::lang::LANGUAGES {
                for format in Format::ALL {
                    for kind in Kind::ALL {
                        for today in [date, NaiveDate::MIN] {
                            let said = say(value, format, kind, today, language);
                            if !expected.contains(&said) {
                                expected.push(said);
                            }
                        }
                    }
                }
            }
            let mut got = every_saying(value);
            got.sort();
            expected.sort();
            assert_eq!(got, expected, "{value}");
        }
    }

    #[test]
    fn every_saying_covers_every_language() {
        let all = every_saying("2026-12-11");
        for expected in [
            "2026-12-11",
            "Friday, December 11th",
            "Friday, December 11th, 2026",
            "Friday",
            "viernes 11 de diciembre",
            "viernes 11 de diciembre de 2026",
            "viernes",
            "12月11日星期五",
            "2026年12月11日星期五",
            "星期五",
        ] {
            assert!(all.iter().any(|s| s == expected), "{expected:?} in {all:?}");
        }
        let all = every_saying("19:30");
        for expected in ["19:30", "7:30 PM", "7:30 de la tarde", "晚上7点半"] {
            assert!(all.iter().any(|s| s == expected), "{expected:?} in {all:?}");
        }
        // Longest first, so a shorter saying inside a longer one is hidden after it.
        assert!(all.windows(2).all(|w| w[0].len() >= w[1].len()), "{all:?}");
        // A number of a language's own country is said without its country code.
        let all = every_saying("+525512345678");
        assert!(all.iter().any(|s| s == "5 5 1, 2 3 4, 5 6 7 8"), "{all:?}");
    }
}
