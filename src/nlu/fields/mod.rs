//! Field types: turning a caller's answer into a normalised value.
//!
//! Twilio Autopilot let a task ask questions whose answers had a *type*:
//! one of Twilio's built-in field types (`Twilio.DATE`, `Twilio.PHONE_NUMBER`,
//! ...) or a custom type declared in the bot with canonical values and
//! synonyms. Switchboard keeps those flows working, so this module
//! re-implements the types: each parser takes what the caller gave (a speech
//! transcript or keypad digits), and returns the value in a fixed normalised
//! format (dates as `YYYY-MM-DD`, phone numbers as E.164, ...) or `None` when
//! the answer is not a value of the type, in which case the engine plays the
//! question's `on_failure` prompt and asks again.
//!
//! Parsers are pure functions: no I/O and no clock (the date parser gets
//! "today" from [`Context`]), so they are deterministic and testable. They
//! must never panic, whatever a caller or a speech recogniser produces, so
//! they avoid indexing and slice only at char boundaries.
//!
//! Types that need large data sets we do not ship (`LANGUAGE`, `COUNTRY`,
//! `COUNTRY_ISO_ALPHA2`, `COUNTRY_ISO_ALPHA3`, `CITY`) accept any non-empty
//! answer, cleaned like free text. `CURRENCY` maps common currency names to
//! their ISO 4217 code and otherwise also keeps the cleaned answer.

mod custom;
mod date;
mod email;
mod framing;
mod lists;

pub(crate) use lists::{MONTH_NAMES, WEEKDAY_NAMES};
mod names;
mod numeric;
pub mod time;
mod yes_no;

pub use custom::CustomType;

/// A Twilio built-in field type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BuiltinType {
    /// `Twilio.ALPHANUMERIC`: letters and digits, e.g. a booking reference.
    Alphanumeric,
    /// `Twilio.NUMBER_SEQUENCE`: a string of digits, e.g. an account number.
    NumberSequence,
    /// `Twilio.PHONE_NUMBER`: a phone number, normalised to E.164.
    PhoneNumber,
    /// `Twilio.YES_NO`: "Yes" or "No".
    YesNo,
    /// `Twilio.LANGUAGE`: a language name (free text).
    Language,
    /// `Twilio.COUNTRY_ISO_ALPHA3`: a country (free text).
    CountryIsoAlpha3,
    /// `Twilio.COUNTRY_ISO_ALPHA2`: a country (free text).
    CountryIsoAlpha2,
    /// `Twilio.CURRENCY`: a currency, as an ISO 4217 code when recognised.
    Currency,
    /// `Twilio.CITY`: a city name (free text).
    City,
    /// `Twilio.US_STATE`: a US state's full name, or "District of Columbia".
    UsState,
    /// `Twilio.LAST_NAME`: a surname.
    LastName,
    /// `Twilio.FIRST_NAME`: a given name.
    FirstName,
    /// `Twilio.EMAIL`: an email address, lower-cased.
    Email,
    /// `Twilio.DAY_OF_WEEK`: "Monday".."Sunday".
    DayOfWeek,
    /// `Twilio.MONTH`: "January".."December".
    Month,
    /// `Twilio.COUNTRY`: a country name (free text).
    Country,
    /// `Twilio.TIME`: a time of day as 24-hour "HH:MM".
    Time,
    /// `Twilio.DATE`: a calendar date as "YYYY-MM-DD".
    Date,
    /// `Twilio.NUMBER`: a number, e.g. "25", "3.5" or "-4".
    Number,
}

impl BuiltinType {
    /// All 19 built-in types, for error messages listing valid names.
    pub const ALL: [BuiltinType; 19] = [
        BuiltinType::Alphanumeric,
        BuiltinType::NumberSequence,
        BuiltinType::PhoneNumber,
        BuiltinType::YesNo,
        BuiltinType::Language,
        BuiltinType::CountryIsoAlpha3,
        BuiltinType::CountryIsoAlpha2,
        BuiltinType::Currency,
        BuiltinType::City,
        BuiltinType::UsState,
        BuiltinType::LastName,
        BuiltinType::FirstName,
        BuiltinType::Email,
        BuiltinType::DayOfWeek,
        BuiltinType::Month,
        BuiltinType::Country,
        BuiltinType::Time,
        BuiltinType::Date,
        BuiltinType::Number,
    ];

    /// Looks a type up by the name Twilio gives it ("Twilio.FIRST_NAME" ->
    /// `Some(FirstName)`), ignoring ASCII case and surrounding whitespace.
    pub fn from_name(name: &str) -> Option<BuiltinType> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|ty| ty.name().eq_ignore_ascii_case(name))
    }

    /// The name Twilio gives the type, e.g. "Twilio.FIRST_NAME".
    pub fn name(self) -> &'static str {
        match self {
            BuiltinType::Alphanumeric => "Twilio.ALPHANUMERIC",
            BuiltinType::NumberSequence => "Twilio.NUMBER_SEQUENCE",
            BuiltinType::PhoneNumber => "Twilio.PHONE_NUMBER",
            BuiltinType::YesNo => "Twilio.YES_NO",
            BuiltinType::Language => "Twilio.LANGUAGE",
            BuiltinType::CountryIsoAlpha3 => "Twilio.COUNTRY_ISO_ALPHA3",
            BuiltinType::CountryIsoAlpha2 => "Twilio.COUNTRY_ISO_ALPHA2",
            BuiltinType::Currency => "Twilio.CURRENCY",
            BuiltinType::City => "Twilio.CITY",
            BuiltinType::UsState => "Twilio.US_STATE",
            BuiltinType::LastName => "Twilio.LAST_NAME",
            BuiltinType::FirstName => "Twilio.FIRST_NAME",
            BuiltinType::Email => "Twilio.EMAIL",
            BuiltinType::DayOfWeek => "Twilio.DAY_OF_WEEK",
            BuiltinType::Month => "Twilio.MONTH",
            BuiltinType::Country => "Twilio.COUNTRY",
            BuiltinType::Time => "Twilio.TIME",
            BuiltinType::Date => "Twilio.DATE",
            BuiltinType::Number => "Twilio.NUMBER",
        }
    }

    /// Speech-recognition hints for Twilio `<Gather hints="...">`.
    ///
    /// Google class tokens where one fits (they bias the recogniser towards
    /// writing e.g. digits rather than words), otherwise the words the type
    /// expects. Empty when nothing useful fits (names, free text).
    pub fn hints(self) -> &'static [&'static str] {
        match self {
            BuiltinType::Alphanumeric => &["$OOV_CLASS_ALPHANUMERIC_SEQUENCE"],
            BuiltinType::NumberSequence => &["$OOV_CLASS_DIGIT_SEQUENCE"],
            BuiltinType::PhoneNumber => &["$FULLPHONENUM"],
            BuiltinType::YesNo => &["yes", "no"],
            BuiltinType::Date => &["$DAY", "$MONTH", "$YEAR", "today", "tomorrow"],
            BuiltinType::Time => &["$TIME"],
            BuiltinType::Number => &["$OPERAND"],
            BuiltinType::DayOfWeek => &lists::WEEKDAY_NAMES,
            BuiltinType::Month => &lists::MONTH_NAMES,
            BuiltinType::UsState => &lists::STATE_NAMES,
            BuiltinType::Email => &["at", "dot", "dot com", "underscore"],
            BuiltinType::Language
            | BuiltinType::CountryIsoAlpha3
            | BuiltinType::CountryIsoAlpha2
            | BuiltinType::Currency
            | BuiltinType::City
            | BuiltinType::LastName
            | BuiltinType::FirstName
            | BuiltinType::Country => &[],
        }
    }
}

/// Longest value of a number or digit type (`NUMBER`, `NUMBER_SEQUENCE`, `PHONE_NUMBER`,
/// `ALPHANUMERIC`), in characters: 64, the same cap as keypad entry (a voice webhook's `Digits`).
/// The longest real ones — an IBAN (34), a card number (19), an E.164 number (16) — fit with room.
pub const MAX_DIGITS: usize = 64;

/// Longest answer of any type, and longest value of the other types (names, email, free text,
/// custom types), in characters: 2,000. A real answer never reaches it: a text message is at most
/// 1,600 characters (Twilio's limit) and a minute of speech, a Gather's longest, is about 200
/// words (some 1,200 characters); the longest place names are under 200.
pub const MAX_TEXT: usize = 2_000;

impl BuiltinType {
    /// The longest value of this type: [`MAX_DIGITS`] for the number and digit types,
    /// [`MAX_TEXT`] for the rest.
    pub fn max_len(self) -> usize {
        match self {
            BuiltinType::Number
            | BuiltinType::NumberSequence
            | BuiltinType::PhoneNumber
            | BuiltinType::Alphanumeric => MAX_DIGITS,
            _ => MAX_TEXT,
        }
    }
}

/// Whether an answer is too long to be a value of any type; refused before it is parsed, so a
/// 60 KB transcript costs nothing to turn down.
fn too_long(answer: Answer<'_>) -> bool {
    let (Answer::Speech(text) | Answer::Digits(text)) = answer;
    text.len() > MAX_TEXT && text.chars().count() > MAX_TEXT
}

/// `value` when it is at most `max` characters; a longer one is not a valid answer.
fn capped(value: String, max: usize) -> Option<String> {
    (value.len() <= max || value.chars().count() <= max).then_some(value)
}

/// What the caller gave: a speech transcript (Twilio `SpeechResult`) or
/// keypad digits (Twilio `Digits`, the characters 0-9, `*` and `#`).
#[derive(Debug, Clone, Copy)]
pub enum Answer<'a> {
    /// A speech transcript, as written by the recogniser.
    Speech(&'a str),
    /// Keypad digits as pressed.
    Digits(&'a str),
}

/// Facts a parser may need that are not in the answer.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// The caller's local date, so "tomorrow" and "March 3rd" resolve.
    pub today: chrono::NaiveDate,
}

/// Parses and normalises an answer for a built-in type.
///
/// `None` means the answer is not a valid value of that type (the engine
/// then says the on_failure message and asks again). Formats: see each
/// [`BuiltinType`] variant; keypad conventions: `YES_NO` 1 = Yes, 2 = No;
/// `DATE` MMDDYYYY or MMDD; `TIME` HHMM or HMM (24-hour); `NUMBER` `*` is a
/// decimal point; names and emails cannot be typed and give `None`.
pub fn parse(ty: BuiltinType, answer: Answer<'_>, ctx: &Context) -> Option<String> {
    parse_in(ty, answer, ctx, crate::nlu::lang::english())
}

/// As [`parse`], for a caller speaking `language`: a spoken number, digit string, phone
/// number, date, time, yes/no or name is read by that language's parsers
/// ([`crate::nlu::lang::Parsers`]) into the same normalised value; keypad digits, and the
/// types no language changes (emails, the open types), are read as in English. A phone number
/// without its country code is taken to be in the language's region. A time comes back as
/// said; [`time::settle`] applies the question's hours.
pub fn parse_in(
    ty: BuiltinType,
    answer: Answer<'_>,
    ctx: &Context,
    language: &crate::nlu::lang::Language,
) -> Option<String> {
    if too_long(answer) {
        return None;
    }
    // Keys are the same in every language, but what a number keyed without its country code
    // means is the language's: 5512345678 keyed to a Mexican bot is +52, not +1.
    if let (Some(_), BuiltinType::PhoneNumber, Answer::Digits(keys)) =
        (language.parsers, ty, answer)
    {
        return language.region.e164(&keypad_digits(keys), false);
    }
    if let (Some(parsers), Answer::Speech(text)) = (language.parsers, answer) {
        let value = match ty {
            BuiltinType::Number => parsers.number(text),
            BuiltinType::NumberSequence => parsers.digits(text),
            BuiltinType::PhoneNumber => parsers.phone(text, &language.region),
            BuiltinType::YesNo => parsers
                .yes_no(text)
                .map(|yes| if yes { "Yes" } else { "No" }.to_owned()),
            BuiltinType::Date => parsers
                .date(text, ctx.today)
                .map(|d| d.format("%Y-%m-%d").to_string()),
            BuiltinType::Time => parsers
                .time(text)
                .map(|t| format!("{:02}:{:02}", t.hour, t.minute)),
            BuiltinType::FirstName | BuiltinType::LastName => parsers.name(text),
            _ => return parse_in(ty, answer, ctx, crate::nlu::lang::english()),
        };
        return capped(value?, ty.max_len());
    }
    let value = match ty {
        BuiltinType::FirstName => names::parse_first(answer),
        BuiltinType::LastName => names::parse_last(answer),
        BuiltinType::Number => numeric::parse_number_field(answer),
        BuiltinType::NumberSequence => numeric::parse_sequence_field(answer),
        BuiltinType::PhoneNumber => numeric::parse_phone(answer),
        BuiltinType::Alphanumeric => numeric::parse_alphanumeric(answer),
        BuiltinType::YesNo => yes_no::parse(answer),
        BuiltinType::Date => date::parse(answer, ctx.today),
        BuiltinType::Time => time::parse(answer),
        BuiltinType::Email => email::parse(answer),
        BuiltinType::DayOfWeek => lists::parse_day_of_week(answer, ctx.today),
        BuiltinType::Month => lists::parse_month(answer, ctx.today),
        BuiltinType::UsState => lists::parse_us_state(answer),
        BuiltinType::Currency => lists::parse_currency(answer),
        BuiltinType::Language
        | BuiltinType::CountryIsoAlpha3
        | BuiltinType::CountryIsoAlpha2
        | BuiltinType::City
        | BuiltinType::Country => parse_open(ty, answer),
    }?;
    capped(value, ty.max_len())
}

/// Free-form answer (a question with no `type`).
///
/// A transcript is trimmed, control characters are removed and runs of
/// whitespace collapse to one space; keypad digits are kept as given (only
/// whitespace and control characters dropped). `None` when nothing is left, or when it is over
/// [`MAX_TEXT`] characters.
pub fn parse_free_text(answer: Answer<'_>) -> Option<String> {
    if too_long(answer) {
        return None;
    }
    let cleaned = match answer {
        Answer::Speech(text) => clean_text(text),
        Answer::Digits(digits) => digits
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect(),
    };
    (!cleaned.is_empty())
        .then_some(cleaned)
        .and_then(|cleaned| capped(cleaned, MAX_TEXT))
}

/// Lead-ins before a place or a language, on top of the shared framing: "I live in Boston",
/// "I'm from France", "in Spanish please".
const OPEN_LEAD_INS: &[&[&str]] = &[
    &["i", "live", "in"],
    &["we", "live", "in"],
    &["i'm", "in"],
    &["i", "am", "in"],
    &["we're", "in"],
    &["i'm", "from"],
    &["i", "am", "from"],
    &["we're", "from"],
    &["i", "come", "from"],
    &["i'm", "calling", "from"],
    &["i'm", "based", "in"],
    &["i", "was", "born", "in"],
    &["i'm", "going", "to"],
    &["i", "speak"],
    &["we", "speak"],
    &["i'd", "prefer"],
    &["i", "prefer"],
    &["i", "would", "prefer"],
    &["in"],
    &["from"],
    &["to"],
    &["the", "city", "of"],
    &["the", "town", "of"],
];

/// A type we keep as text (`CITY`, `COUNTRY`, `LANGUAGE` and the ISO country codes): the
/// answer without its framing ("um, I live in Boston please" -> "Boston"), or None for a
/// non-answer ("I don't know", "why do you ask"). Keypad digits are kept as typed, as for free
/// text.
fn parse_open(ty: BuiltinType, answer: Answer<'_>) -> Option<String> {
    let Answer::Speech(text) = answer else {
        return parse_free_text(answer);
    };
    if framing::is_non_answer(text) {
        return None;
    }
    let core = framing::core_with(text, framing::Profile::Value, OPEN_LEAD_INS);
    // Sentence punctuation the recogniser added is not part of a name ("Boston." -> "Boston").
    let core = core.trim_end_matches(['.', '!', '?', ',']);
    parse_free_text(Answer::Speech(core)).and_then(|v| capped(v, ty.max_len()))
}

/// Removes control characters, collapses whitespace and trims: the common
/// first step for every transcript.
fn clean_text(text: &str) -> String {
    let without_controls: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    without_controls
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lower-cases and replaces typographic apostrophes with `'`, because
/// recognisers write both "it's" and "it’s".
fn lower(text: &str) -> String {
    clean_text(text)
        .to_lowercase()
        .replace(['\u{2019}', '\u{2018}', '`'], "'")
}

/// Splits a transcript into lower-case words of letters, digits and
/// apostrophes; all other characters separate words. Contractions written
/// without the apostrophe ("thats", "dont") are restored so word lists only
/// need one spelling.
fn words(text: &str) -> Vec<String> {
    lower(text)
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .map(|w| restore_apostrophe(w).to_string())
        .collect()
}

/// Restores the apostrophe in contractions transcribers often drop.
fn restore_apostrophe(word: &str) -> &str {
    match word {
        "thats" => "that's",
        "dont" => "don't",
        "doesnt" => "doesn't",
        "didnt" => "didn't",
        "isnt" => "isn't",
        "wont" => "won't",
        "cant" => "can't",
        "im" => "i'm",
        "whats" => "what's",
        "lets" => "let's",
        "ive" => "i've",
        other => other,
    }
}

/// Keypad input reduced to its digits (`*`, `#` and anything else dropped).
fn keypad_digits(digits: &str) -> String {
    digits.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// Wednesday 25 November 2026: the fixed "today" for all tests.
    pub(super) fn ctx() -> Context {
        Context {
            today: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default(),
        }
    }

    /// Runs a table of speech cases for one type and reports every failing
    /// row, not just the first.
    pub(super) fn check_speech(ty: BuiltinType, cases: &[(&str, Option<&str>)]) {
        check(ty, cases, Answer::Speech);
    }

    /// Same as [`check_speech`] for keypad input.
    pub(super) fn check_digits(ty: BuiltinType, cases: &[(&str, Option<&str>)]) {
        check(ty, cases, Answer::Digits);
    }

    fn check<'a>(
        ty: BuiltinType,
        cases: &[(&'a str, Option<&str>)],
        wrap: fn(&'a str) -> Answer<'a>,
    ) {
        let ctx = ctx();
        let failures: Vec<String> = cases
            .iter()
            .filter_map(|&(input, want)| {
                let got = parse(ty, wrap(input), &ctx);
                (got.as_deref() != want).then(|| format!("  {input:?}: got {got:?}, want {want:?}"))
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{} failing rows for {}:\n{}",
            failures.len(),
            ty.name(),
            failures.join("\n")
        );
    }

    #[test]
    fn a_keyed_phone_number_is_in_the_bots_region() {
        let ctx = Context {
            today: NaiveDate::from_ymd_opt(2026, 12, 7).expect("date"),
        };
        let keyed = |tag: &str, keys: &str| {
            let language = crate::nlu::lang::find(tag).expect("known");
            parse_in(
                BuiltinType::PhoneNumber,
                Answer::Digits(keys),
                &ctx,
                language,
            )
        };
        assert_eq!(
            keyed("es-MX", "5512345678#").as_deref(),
            Some("+525512345678")
        );
        assert_eq!(
            keyed("zh-CN", "13800138000").as_deref(),
            Some("+8613800138000")
        );
        assert_eq!(
            keyed("es-US", "4155550123").as_deref(),
            Some("+14155550123")
        );
        assert_eq!(
            keyed("en-US", "4155550123").as_deref(),
            Some("+14155550123")
        );
        assert_eq!(keyed("zh-CN", "12"), None);
    }

    #[test]
    fn names_round_trip() {
        for ty in BuiltinType::ALL {
            assert_eq!(BuiltinType::from_name(ty.name()), Some(ty));
            assert_eq!(BuiltinType::from_name(&ty.name().to_lowercase()), Some(ty));
        }
        assert_eq!(
            BuiltinType::from_name("Twilio.COUNTRY_ISO_ALPHA3"),
            Some(BuiltinType::CountryIsoAlpha3)
        );
        assert_eq!(
            BuiltinType::from_name("Twilio.US_STATE"),
            Some(BuiltinType::UsState)
        );
        assert_eq!(BuiltinType::from_name("FIRST_NAME"), None);
        assert_eq!(BuiltinType::from_name("Twilio.NAME"), None);
        let mut names: Vec<_> = BuiltinType::ALL.iter().map(|t| t.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 19);
    }

    #[test]
    fn hints_use_class_tokens() {
        assert_eq!(
            BuiltinType::NumberSequence.hints(),
            &["$OOV_CLASS_DIGIT_SEQUENCE"]
        );
        assert_eq!(BuiltinType::PhoneNumber.hints(), &["$FULLPHONENUM"]);
        assert!(BuiltinType::Date.hints().contains(&"$YEAR"));
        assert!(BuiltinType::DayOfWeek.hints().contains(&"Friday"));
        assert!(BuiltinType::FirstName.hints().is_empty());
    }

    const FREE_TEXT_CASES: &[(&str, Option<&str>)] = &[
        (
            "  I'm flying from   Paris \n",
            Some("I'm flying from Paris"),
        ),
        ("a\u{7}b", Some("a b")),
        ("", None),
        ("   ", None),
        ("\u{0}\u{1b}", None),
    ];

    #[test]
    fn free_text_table() {
        let failures: Vec<String> = FREE_TEXT_CASES
            .iter()
            .filter_map(|&(input, want)| {
                let got = parse_free_text(Answer::Speech(input));
                (got.as_deref() != want).then(|| format!("{input:?}: got {got:?}"))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert_eq!(
            parse_free_text(Answer::Digits(" 12*# ")).as_deref(),
            Some("12*#")
        );
        assert_eq!(parse_free_text(Answer::Digits("")), None);
        assert_eq!(
            parse(
                BuiltinType::City,
                Answer::Speech(" San  Francisco "),
                &ctx()
            )
            .as_deref(),
            Some("San Francisco")
        );
    }

    #[test]
    fn no_parser_panics_on_nasty_input() {
        let long_words = "nine ".repeat(2_000);
        let long_letters = "a".repeat(10_000);
        let long_digits = "9".repeat(10_000);
        let long_mixed = "twenty ".repeat(1_500) + &"@.".repeat(500);
        let nasty: Vec<&str> = vec![
            "",
            " ",
            "          ",
            "\t\n\r",
            "\u{0}\u{1}\u{7f}\u{1b}[31m",
            "😀",
            "👍🏽 yes 👎",
            "]]>",
            "<![CDATA[ ]]>",
            "e\u{301}\u{301}\u{301}",
            "\u{301}",
            "Zoë O\u{308}",
            "ǅ ß ﬁ İ",
            "@",
            "@@@...",
            ".",
            "-",
            "+",
            "'",
            "'s",
            "*#*#",
            "#",
            "*",
            "0",
            "00000000",
            "99999999",
            "13321999",
            "2400",
            "9999",
            "1e400",
            "-0",
            "3rd of",
            "of the",
            "double",
            "triple triple",
            "point",
            "minus",
            "a",
            "and",
            "quarter to",
            "half past",
            "in days",
            "in 99999999999999999999 days",
            "in nine hundred trillion days",
            "9999-99-99",
            "99/99/9999",
            "february 30th",
            "99:99",
            "at at at dot dot",
            "a@b",
            "plus",
            "+ + +",
            &long_words,
            &long_letters,
            &long_digits,
            &long_mixed,
        ];
        let ctx = ctx();
        let extreme = [
            ctx,
            Context {
                today: NaiveDate::MAX,
            },
            Context {
                today: NaiveDate::MIN,
            },
        ];
        for ty in BuiltinType::ALL {
            for input in &nasty {
                for c in &extreme {
                    let _ = parse(ty, Answer::Speech(input), c);
                    let _ = parse(ty, Answer::Digits(input), c);
                }
            }
        }
        let custom = CustomType::new(vec![
            ("large".into(), vec!["big".into(), "1".into()]),
            (String::new(), vec![String::new(), "  ".into()]),
        ]);
        for input in &nasty {
            let _ = custom.parse(Answer::Speech(input));
            let _ = custom.parse(Answer::Digits(input));
            let _ = parse_free_text(Answer::Speech(input));
            let _ = crate::nlu::numbers::parse_number(input);
            let _ = crate::nlu::numbers::parse_digit_sequence(input);
            let _ = crate::nlu::numbers::parse_ordinal(input);
        }
    }

    #[test]
    fn number_and_digit_answers_are_capped_at_the_keypads_64() {
        let ctx = ctx();
        let spoken = |n: usize| "four ".repeat(n);
        for ty in [
            BuiltinType::Number,
            BuiltinType::NumberSequence,
            BuiltinType::Alphanumeric,
        ] {
            assert_eq!(ty.max_len(), MAX_DIGITS);
            // (NUMBER goes through a float, so its value at the cap is rounded, but it is one.)
            let at_cap = "4".repeat(MAX_DIGITS);
            for answer in [Answer::Speech(&at_cap), Answer::Digits(&at_cap)] {
                assert!(
                    parse(ty, answer, &ctx).is_some_and(|v| v.len() == MAX_DIGITS),
                    "{} {answer:?}",
                    ty.name()
                );
            }
            let over = "4".repeat(MAX_DIGITS + 1);
            for answer in [
                Answer::Speech(&over),
                Answer::Digits(&over),
                Answer::Speech(&spoken(MAX_DIGITS + 1)),
                Answer::Speech(&spoken(12_000)),
            ] {
                assert_eq!(parse(ty, answer, &ctx), None, "{} {answer:?}", ty.name());
            }
        }
        assert_eq!(BuiltinType::PhoneNumber.max_len(), MAX_DIGITS);
        let phone = format!("+1 {}", "5".repeat(MAX_DIGITS));
        assert_eq!(
            parse(BuiltinType::PhoneNumber, Answer::Speech(&phone), &ctx),
            None
        );
    }

    #[test]
    fn free_text_answers_are_capped_at_max_text() {
        let ctx = ctx();
        let at_cap = "a".repeat(MAX_TEXT);
        let over = "a".repeat(MAX_TEXT + 1);
        for ty in [
            BuiltinType::City,
            BuiltinType::Country,
            BuiltinType::Language,
            BuiltinType::CountryIsoAlpha2,
            BuiltinType::CountryIsoAlpha3,
            BuiltinType::Currency,
        ] {
            assert_eq!(ty.max_len(), MAX_TEXT);
            assert!(
                parse(ty, Answer::Speech(&at_cap), &ctx).is_some(),
                "{}",
                ty.name()
            );
            assert_eq!(
                parse(ty, Answer::Speech(&over), &ctx),
                None,
                "{}",
                ty.name()
            );
        }
        assert_eq!(
            parse_free_text(Answer::Speech(&at_cap)).map(|v| v.len()),
            Some(MAX_TEXT)
        );
        assert_eq!(parse_free_text(Answer::Speech(&over)), None);
        // Characters, not bytes: 2,000 accented letters are within the cap.
        let accented = "é".repeat(MAX_TEXT);
        assert!(parse_free_text(Answer::Speech(&accented)).is_some());
    }

    #[test]
    fn an_answer_too_long_for_any_type_is_refused_even_when_it_holds_a_value() {
        let ctx = ctx();
        let padded = |answer: &str| format!("{answer}{}", " really".repeat(MAX_TEXT / 7 + 1));
        for (ty, answer) in [
            (BuiltinType::YesNo, "yes"),
            (BuiltinType::Date, "tomorrow"),
            (BuiltinType::Time, "ten thirty"),
            (BuiltinType::Month, "march"),
            (BuiltinType::DayOfWeek, "monday"),
            (BuiltinType::UsState, "ohio"),
            (BuiltinType::FirstName, "my name is Jason"),
            (BuiltinType::LastName, "Smith"),
            (BuiltinType::Email, "jason at example dot com"),
        ] {
            assert!(
                parse(ty, Answer::Speech(answer), &ctx).is_some(),
                "{} {answer}",
                ty.name()
            );
            assert_eq!(
                parse(ty, Answer::Speech(&padded(answer)), &ctx),
                None,
                "{} {answer}",
                ty.name()
            );
        }
        let sizes = CustomType::new(vec![("large".into(), vec!["big".into()])]);
        assert_eq!(sizes.parse(Answer::Speech("big")).as_deref(), Some("large"));
        assert_eq!(sizes.parse(Answer::Speech(&padded("big"))), None);
    }
}
