//! Closed-list types: `Twilio.DAY_OF_WEEK`, `Twilio.MONTH`,
//! `Twilio.US_STATE` and `Twilio.CURRENCY`.
//!
//! Each answer is matched against a small built-in table, anywhere in the
//! sentence ("tuesday please", "in March", "I live in New York"). Short
//! abbreviations that are also ordinary words ("sat", "may", "in", "me")
//! only count when they are (nearly) the whole answer, and a misheard name
//! ("wensday", "pensylvania") is accepted only when one entry is clearly the
//! closest. Two different entries in one answer give None: we ask again
//! rather than guess.

use chrono::{Datelike, NaiveDate, Weekday};

use super::framing::{self, Profile};
use super::{Answer, clean_text, words};

/// English weekday names, Monday first (also the `DAY_OF_WEEK` hints).
pub(crate) static WEEKDAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// English month names, January first (also the `MONTH` hints).
pub(crate) static MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// US state names with their postal codes, plus the District of Columbia.
static STATES: [(&str, &str); 51] = [
    ("Alabama", "AL"),
    ("Alaska", "AK"),
    ("Arizona", "AZ"),
    ("Arkansas", "AR"),
    ("California", "CA"),
    ("Colorado", "CO"),
    ("Connecticut", "CT"),
    ("Delaware", "DE"),
    ("District of Columbia", "DC"),
    ("Florida", "FL"),
    ("Georgia", "GA"),
    ("Hawaii", "HI"),
    ("Idaho", "ID"),
    ("Illinois", "IL"),
    ("Indiana", "IN"),
    ("Iowa", "IA"),
    ("Kansas", "KS"),
    ("Kentucky", "KY"),
    ("Louisiana", "LA"),
    ("Maine", "ME"),
    ("Maryland", "MD"),
    ("Massachusetts", "MA"),
    ("Michigan", "MI"),
    ("Minnesota", "MN"),
    ("Mississippi", "MS"),
    ("Missouri", "MO"),
    ("Montana", "MT"),
    ("Nebraska", "NE"),
    ("Nevada", "NV"),
    ("New Hampshire", "NH"),
    ("New Jersey", "NJ"),
    ("New Mexico", "NM"),
    ("New York", "NY"),
    ("North Carolina", "NC"),
    ("North Dakota", "ND"),
    ("Ohio", "OH"),
    ("Oklahoma", "OK"),
    ("Oregon", "OR"),
    ("Pennsylvania", "PA"),
    ("Rhode Island", "RI"),
    ("South Carolina", "SC"),
    ("South Dakota", "SD"),
    ("Tennessee", "TN"),
    ("Texas", "TX"),
    ("Utah", "UT"),
    ("Vermont", "VT"),
    ("Virginia", "VA"),
    ("Washington", "WA"),
    ("West Virginia", "WV"),
    ("Wisconsin", "WI"),
    ("Wyoming", "WY"),
];

/// State names alone, for `US_STATE` hints.
pub(super) static STATE_NAMES: [&str; 51] = [
    "Alabama",
    "Alaska",
    "Arizona",
    "Arkansas",
    "California",
    "Colorado",
    "Connecticut",
    "Delaware",
    "District of Columbia",
    "Florida",
    "Georgia",
    "Hawaii",
    "Idaho",
    "Illinois",
    "Indiana",
    "Iowa",
    "Kansas",
    "Kentucky",
    "Louisiana",
    "Maine",
    "Maryland",
    "Massachusetts",
    "Michigan",
    "Minnesota",
    "Mississippi",
    "Missouri",
    "Montana",
    "Nebraska",
    "Nevada",
    "New Hampshire",
    "New Jersey",
    "New Mexico",
    "New York",
    "North Carolina",
    "North Dakota",
    "Ohio",
    "Oklahoma",
    "Oregon",
    "Pennsylvania",
    "Rhode Island",
    "South Carolina",
    "South Dakota",
    "Tennessee",
    "Texas",
    "Utah",
    "Vermont",
    "Virginia",
    "Washington",
    "West Virginia",
    "Wisconsin",
    "Wyoming",
];

/// A weekday from a full name ("friday", "fridays") or, with `true`, from
/// an abbreviation ("fri") that is also used as an ordinary word.
pub(super) fn weekday_from_word(word: &str) -> Option<(Weekday, bool)> {
    let word = word
        .strip_suffix('s')
        .filter(|w| w.ends_with("day"))
        .unwrap_or(word);
    let full = match word {
        "monday" => Some(Weekday::Mon),
        "tuesday" => Some(Weekday::Tue),
        "wednesday" => Some(Weekday::Wed),
        "thursday" => Some(Weekday::Thu),
        "friday" => Some(Weekday::Fri),
        "saturday" => Some(Weekday::Sat),
        "sunday" => Some(Weekday::Sun),
        _ => None,
    };
    if let Some(day) = full {
        return Some((day, false));
    }
    let abbrev = match word {
        "mon" => Weekday::Mon,
        "tue" | "tues" => Weekday::Tue,
        "wed" | "weds" => Weekday::Wed,
        "thu" | "thur" | "thurs" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    };
    Some((abbrev, true))
}

/// A month number (1-12) from a full name or, with `true`, an abbreviation
/// or "may" (which is also a verb).
pub(super) fn month_from_word(word: &str) -> Option<(u32, bool)> {
    let full = match word {
        "january" => 1,
        "february" | "febuary" => 2,
        "march" => 3,
        "april" => 4,
        "june" => 6,
        "july" => 7,
        "august" => 8,
        "september" => 9,
        "october" => 10,
        "november" => 11,
        "december" => 12,
        _ => 0,
    };
    if full > 0 {
        return Some((full, false));
    }
    let ambiguous = match word {
        "may" => 5,
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" | "sept" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    Some((ambiguous, true))
}

/// The one distinct item in `items`, or None when there are none or several.
fn unique<T: PartialEq + Copy>(items: &[T]) -> Option<T> {
    let first = *items.first()?;
    items.iter().all(|x| *x == first).then_some(first)
}

/// The candidate closest to a misheard `word`: same first letter, at most
/// one edit away (two for names of 8+ letters), and strictly closer than
/// every other candidate. "Sunday" vs "Monday" differ in the first letter,
/// so they are never confused.
fn fuzzy_best<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    if word.chars().count() < 5 {
        return None;
    }
    let mut best: Option<(&str, usize)> = None;
    let mut tied = false;
    for cand in candidates {
        let lower = cand.to_lowercase();
        if lower.chars().next() != word.chars().next() {
            continue;
        }
        let allowed = if lower.chars().count() >= 8 { 2 } else { 1 };
        let distance = strsim::damerau_levenshtein(word, &lower);
        if distance > allowed {
            continue;
        }
        match best {
            Some((_, d)) if distance > d => {}
            Some((_, d)) if distance == d => tied = true,
            _ => {
                best = Some((cand, distance));
                tied = false;
            }
        }
    }
    best.filter(|_| !tied).map(|(cand, _)| cand)
}

/// Words that rule out the day or month right after them ("not Monday", "any day but Friday").
const NEGATORS: &[&str] = &["not", "but", "except", "besides", "than"];

/// Parses a `Twilio.DAY_OF_WEEK` answer to "Monday".."Sunday". Also
/// accepts "today" and "tomorrow" (resolved with `today`). Keypad: None.
pub(super) fn parse_day_of_week(answer: Answer<'_>, today: NaiveDate) -> Option<String> {
    let Answer::Speech(text) = answer else {
        return None;
    };
    let words = words(&framing::core(text, Profile::Value));
    let mut full = Vec::new();
    let mut abbrev = Vec::new();
    let mut relative = Vec::new();
    // "not Monday", "any day but Monday", "except Monday": a day ruled out is no answer.
    let kept: Vec<&String> = words
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            !words
                .get(i.saturating_sub(2)..*i)
                .unwrap_or_default()
                .iter()
                .any(|before| NEGATORS.contains(&before.as_str()))
        })
        .map(|(_, w)| w)
        .collect();
    for w in &kept {
        match weekday_from_word(w) {
            Some((day, false)) => full.push(day),
            Some((day, true)) => abbrev.push(day),
            None => match w.as_str() {
                "today" => relative.push(today.weekday()),
                "tomorrow" => relative.push(today.weekday().succ()),
                _ => {}
            },
        }
    }
    let day = if !full.is_empty() {
        unique(&full)?
    } else if !abbrev.is_empty() && words.len() <= 2 {
        unique(&abbrev)?
    } else if !relative.is_empty() {
        unique(&relative)?
    } else {
        let candidates: Vec<&str> = kept
            .iter()
            .filter_map(|w| fuzzy_best(w, WEEKDAY_NAMES.iter().copied()))
            .collect();
        let name = unique(&candidates)?;
        return Some(name.to_string());
    };
    WEEKDAY_NAMES
        .get(day.num_days_from_monday() as usize)
        .map(|s| s.to_string())
}

/// Parses a `Twilio.MONTH` answer to "January".."December" ("jan", "in
/// March", "next month" resolved with `today`). Numbers are not months.
/// Keypad: None.
pub(super) fn parse_month(answer: Answer<'_>, today: NaiveDate) -> Option<String> {
    let Answer::Speech(text) = answer else {
        return None;
    };
    let words = words(&framing::core(text, Profile::Value));
    let mut full = Vec::new();
    let mut ambiguous = Vec::new();
    for (at, w) in words.iter().enumerate() {
        match month_from_word(w) {
            Some((m, false)) => full.push(m),
            Some((m, true)) => ambiguous.push((m, at)),
            None => {}
        }
    }
    let month = if !full.is_empty() {
        unique(&full)?
    } else if !ambiguous.is_empty() {
        // "may" counts in "in may" or "may please" but not in "may I ...": like the
        // abbreviations, it must be (nearly) the whole answer, or the words beside it must
        // make it a month ("May of last year", "since May").
        let short_enough = words.len() <= 2;
        let months: Vec<u32> = ambiguous
            .iter()
            .filter(|(_, at)| short_enough || said_as_month(&words, *at))
            .map(|(m, _)| *m)
            .collect();
        unique(&months)?
    } else if let Some(month) = relative_month(&words, today) {
        month
    } else {
        let candidates: Vec<&str> = words
            .iter()
            .filter_map(|w| fuzzy_best(w, MONTH_NAMES.iter().copied()))
            .collect();
        let name = unique(&candidates)?;
        return Some(name.to_string());
    };
    MONTH_NAMES
        .get((month as usize).checked_sub(1)?)
        .map(|s| s.to_string())
}

/// Whether the words beside `words[at]`, a month's name that is also a word ("may") or an
/// abbreviation ("mar"), make it the month in a longer answer: "of" and more after it ("May of
/// last year", "May of twenty twenty five"), a year after it ("May last year"), or before it a
/// word that takes a time ("in", "since", "until", "during", "early", "late", "mid", "of": "the
/// fifth of May"). The verb is said otherwise ("I may need to check", "may I ask why", "this
/// may take a while").
fn said_as_month(words: &[String], at: usize) -> bool {
    let word = |i: Option<usize>| i.and_then(|i| words.get(i)).map(String::as_str);
    let before = word(at.checked_sub(1));
    let after = word(at.checked_add(1));
    let then = word(at.checked_add(2));
    let of_something = after == Some("of") && then.is_some();
    let a_year = matches!(after, Some("last" | "this" | "next")) && then == Some("year");
    let takes_a_time = matches!(
        before,
        Some("in" | "since" | "until" | "till" | "during" | "early" | "late" | "mid" | "of")
    );
    of_something || a_year || takes_a_time
}

/// "this month", "next month", "last month": today's month, or the one after or before.
fn relative_month(words: &[String], today: NaiveDate) -> Option<u32> {
    let at = words.iter().position(|w| w == "month")?;
    let current = today.month();
    match words.get(at.checked_sub(1)?)?.as_str() {
        "this" | "current" => Some(current),
        "next" | "coming" => Some(current % 12 + 1),
        "last" | "previous" => Some((current + 10) % 12 + 1),
        _ => None,
    }
}

/// Other names callers give states: the District's, and the short forms of a few.
const STATE_ALIASES: &[(&[&str], &str)] = &[
    (&["washington", "dc"], "District of Columbia"),
    (&["washington", "d", "c"], "District of Columbia"),
    (&["washington", "d.c"], "District of Columbia"),
    (&["jersey"], "New Jersey"),
    (&["cali"], "California"),
    (&["mass"], "Massachusetts"),
];

/// Words around a state code that are not part of it ("I live in CA").
const STATE_FILLERS: &[&str] = &[
    "i", "live", "in", "from", "the", "state", "of", "it's", "its", "it", "is", "um", "uh",
    "please", "i'm", "am", "my", "we", "are", "that's",
];

/// Parses a `Twilio.US_STATE` answer to the state's full name
/// ("California", "District of Columbia"), from its name anywhere in the
/// answer or its two-letter code ("CA", "c a") said on its own.
pub(super) fn parse_us_state(answer: Answer<'_>) -> Option<String> {
    let Answer::Speech(text) = answer else {
        return None;
    };
    let words = words(&framing::core(text, Profile::Value));

    // Full names, longest match first, consuming the words they cover so
    // "West Virginia" does not also count as "Virginia".
    let names: Vec<Vec<String>> = STATES
        .iter()
        .map(|(name, _)| name.to_lowercase().split(' ').map(String::from).collect())
        .collect();
    let mut found: Vec<&str> = Vec::new();
    let mut i = 0;
    while let Some(rest) = words.get(i..) {
        if rest.is_empty() {
            break;
        }
        let alias = STATE_ALIASES
            .iter()
            .find(|(alias, _)| {
                rest.len() >= alias.len() && rest.iter().zip(alias.iter()).all(|(a, b)| a == b)
            })
            .map(|(alias, name)| (*name, alias.len()));
        let best = alias.or_else(|| {
            STATES
                .iter()
                .zip(&names)
                .filter(|(_, parts)| {
                    rest.len() >= parts.len() && rest.iter().zip(parts.iter()).all(|(a, b)| a == b)
                })
                .max_by_key(|(_, parts)| parts.len())
                .map(|((name, _), parts)| (*name, parts.len()))
        });
        // "not Texas": ruled out; "Kansas City", "Iowa City": a city, not the state.
        let ruled_out = i
            .checked_sub(1)
            .and_then(|before| words.get(before))
            .is_some_and(|before| NEGATORS.contains(&before.as_str()));
        match best {
            Some((name, len)) => {
                let city = words.get(i + len).is_some_and(|next| next == "city");
                if !ruled_out && !city {
                    found.push(name);
                }
                i += len;
            }
            None => i += 1,
        }
    }
    if !found.is_empty() {
        return unique(&found).map(String::from);
    }

    // A postal code said on its own (after fillers): "CA", "c a", "C.A.".
    let code_of = |ws: &[String]| -> Option<&'static str> {
        let code = match ws {
            [one] if one.chars().count() == 2 => one.to_uppercase(),
            [a, b] if a.chars().count() == 1 && b.chars().count() == 1 => {
                format!("{a}{b}").to_uppercase()
            }
            _ => return None,
        };
        STATES
            .iter()
            .find(|(_, c)| *c == code)
            .map(|(name, _)| *name)
    };
    if let Some(name) = code_of(&words) {
        return Some(name.to_string());
    }
    let without_fillers: Vec<String> = words
        .iter()
        .filter(|w| !STATE_FILLERS.contains(&w.as_str()))
        .cloned()
        .collect();
    if let Some(name) = code_of(&without_fillers) {
        return Some(name.to_string());
    }

    // A misheard name: the whole remaining answer against each state name.
    let joined = without_fillers.join(" ");
    fuzzy_best(&joined, STATES.iter().map(|(name, _)| *name)).map(String::from)
}

/// Common currency names and the ISO 4217 code they stand for.
const CURRENCIES: &[(&[&str], &str)] = &[
    (&["dollar"], "USD"),
    (&["dollars"], "USD"),
    (&["us", "dollar"], "USD"),
    (&["us", "dollars"], "USD"),
    (&["american", "dollars"], "USD"),
    (&["bucks"], "USD"),
    (&["usd"], "USD"),
    (&["euro"], "EUR"),
    (&["euros"], "EUR"),
    (&["eur"], "EUR"),
    (&["pound"], "GBP"),
    (&["pounds"], "GBP"),
    (&["sterling"], "GBP"),
    (&["quid"], "GBP"),
    (&["gbp"], "GBP"),
    (&["yen"], "JPY"),
    (&["jpy"], "JPY"),
    (&["canadian", "dollar"], "CAD"),
    (&["canadian", "dollars"], "CAD"),
    (&["cad"], "CAD"),
    (&["australian", "dollar"], "AUD"),
    (&["australian", "dollars"], "AUD"),
    (&["aud"], "AUD"),
    (&["swiss", "franc"], "CHF"),
    (&["swiss", "francs"], "CHF"),
    (&["chf"], "CHF"),
    (&["yuan"], "CNY"),
    (&["renminbi"], "CNY"),
    (&["rupee"], "INR"),
    (&["rupees"], "INR"),
    (&["peso"], "MXN"),
    (&["pesos"], "MXN"),
    (&["mexican", "pesos"], "MXN"),
    (&["brazilian", "real"], "BRL"),
    (&["reais"], "BRL"),
    (&["korean", "won"], "KRW"),
    (&["rand"], "ZAR"),
];

/// Parses a `Twilio.CURRENCY` answer: a recognised currency name ("euros",
/// "Canadian dollars") becomes its ISO 4217 code; any other non-empty
/// answer is kept as cleaned free text, since we ship no full currency list.
/// Keypad digits are kept as typed.
pub(super) fn parse_currency(answer: Answer<'_>) -> Option<String> {
    let Answer::Speech(text) = answer else {
        return super::parse_free_text(answer);
    };
    let words = words(&framing::core(text, Profile::Value));
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(rest) = words.get(i..) {
        if rest.is_empty() {
            break;
        }
        let best = CURRENCIES
            .iter()
            .filter(|(phrase, _)| {
                rest.len() >= phrase.len() && rest.iter().zip(phrase.iter()).all(|(a, b)| a == b)
            })
            .max_by_key(|(phrase, _)| phrase.len());
        match best {
            Some((phrase, code)) => {
                found.push(*code);
                i += phrase.len();
            }
            None => i += 1,
        }
    }
    if !found.is_empty() {
        // Two different currencies ("euros or dollars"): ask again rather than guess.
        return unique(&found).map(str::to_string);
    }
    if framing::is_non_answer(text) {
        return None;
    }
    let cleaned = clean_text(&framing::core(text, Profile::Value));
    let cleaned = cleaned.trim_end_matches(['.', '!', '?', ',']);
    (!cleaned.is_empty()).then(|| cleaned.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::BuiltinType;
    use super::super::tests::{check_digits, check_speech};

    const DAY_OF_WEEK_CASES: &[(&str, Option<&str>)] = &[
        ("Monday", Some("Monday")),
        ("tuesday please", Some("Tuesday")),
        ("mon", Some("Monday")),
        ("on Fridays", Some("Friday")),
        ("thurs", Some("Thursday")),
        ("I'd prefer Saturday", Some("Saturday")),
        ("wensday", Some("Wednesday")),
        ("tomorrow", Some("Thursday")),
        ("today", Some("Wednesday")),
        ("Monday or Tuesday", None),
        ("I sat down yesterday evening", None),
        ("hello", None),
        ("", None),
    ];

    #[test]
    fn day_of_week_table() {
        check_speech(BuiltinType::DayOfWeek, DAY_OF_WEEK_CASES);
        check_digits(BuiltinType::DayOfWeek, &[("1", None)]);
    }

    const MONTH_CASES: &[(&str, Option<&str>)] = &[
        ("January", Some("January")),
        ("jan", Some("January")),
        ("in march", Some("March")),
        ("May", Some("May")),
        ("in may", Some("May")),
        ("sept", Some("September")),
        ("I think it was in Octobr", Some("October")),
        ("may I say March", Some("March")),
        ("March or April", None),
        ("3", None),
        ("may I ask something", None),
        ("", None),
    ];

    #[test]
    fn month_table() {
        check_speech(BuiltinType::Month, MONTH_CASES);
        check_digits(BuiltinType::Month, &[("3", None)]);
    }

    const US_STATE_CASES: &[(&str, Option<&str>)] = &[
        ("California", Some("California")),
        ("CA", Some("California")),
        ("c a", Some("California")),
        ("C.A.", Some("California")),
        ("I live in New York", Some("New York")),
        ("West Virginia", Some("West Virginia")),
        ("Virginia", Some("Virginia")),
        ("Washington", Some("Washington")),
        ("Washington DC", Some("District of Columbia")),
        ("D.C.", Some("District of Columbia")),
        ("district of columbia", Some("District of Columbia")),
        ("in", Some("Indiana")),
        ("I'm from TX", Some("Texas")),
        ("pensylvania", Some("Pennsylvania")),
        ("Kansas", Some("Kansas")),
        ("Arkansas", Some("Arkansas")),
        ("Texas or Ohio", None),
        ("Ontario", None),
        ("xx", None),
        ("", None),
    ];

    #[test]
    fn us_state_table() {
        check_speech(BuiltinType::UsState, US_STATE_CASES);
        check_digits(BuiltinType::UsState, &[("12", None)]);
    }

    const CURRENCY_CASES: &[(&str, Option<&str>)] = &[
        ("dollars", Some("USD")),
        ("US dollars", Some("USD")),
        ("Canadian dollars", Some("CAD")),
        ("in euros please", Some("EUR")),
        ("pounds sterling", Some("GBP")),
        ("Japanese yen", Some("JPY")),
        ("bitcoin", Some("bitcoin")),
        ("euros or dollars", None),
        ("", None),
    ];

    #[test]
    fn currency_table() {
        check_speech(BuiltinType::Currency, CURRENCY_CASES);
    }
}
