//! `Twilio.FIRST_NAME` and `Twilio.LAST_NAME`.
//!
//! Callers rarely say just their name: they say "my name is Jason", "her name is Maria", "uh,
//! Jason please", or spell it, "j a s o n". The framing is removed by the shared
//! [`framing`](super::framing) rules, like every type's; then this parser drops titles ("Dr."),
//! cuts what follows the name ("Sarah from accounting"), joins spelled letters, picks the first
//! or last word depending on the type, and capitalises it.
//!
//! Real names are too varied to validate, so anything that looks like a word is accepted —
//! unless it clearly is not a name: digits, non-answers and questions ("I don't know", "why do
//! you need that"), and ordinary English words — colours, sizes, everyday nouns ("medium",
//! "red jester", "purple monkey dishwasher"). Those come from a small hand-written list,
//! `not_names.txt`, which leaves out words that are also common names (Rose, Mark, June); words
//! that are common surnames (Brown, Green) are declined only as first names.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::framing::{self, Profile};
use super::{Answer, lower, restore_apostrophe};

/// Which part of a full name the question asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    First,
    Last,
}

/// Name-specific words removed from the start, after the shared framing: what is left of an
/// announcement ("first name Jason") and titles ("Dr. Smith" is Smith).
const LEAD_INS: &[&[&str]] = &[
    &["first", "name"],
    &["last", "name"],
    &["given", "name"],
    &["family", "name"],
    &["surname"],
    &["name"],
    &["mr"],
    &["mrs"],
    &["ms"],
    &["miss"],
    &["mister"],
    &["dr"],
    &["doctor"],
    &["prof"],
    &["professor"],
    &["sir"],
];

/// Words after which the rest of the answer is not the name ("Sarah from
/// accounting", "Jason calling about my order").
const CUT_WORDS: &[&str] = &[
    "from", "calling", "speaking", "here", "with", "at", "and", "about", "of", "spelled", "spelt",
    "that's", "like", "as",
];

/// Politeness and confirmation removed from the end ("Jason please").
const TRAIL_OFFS: &[&[&str]] = &[
    &["is", "my", "first", "name"],
    &["is", "my", "last", "name"],
    &["is", "my", "name"],
    &["is", "her", "name"],
    &["is", "his", "name"],
    &["speaking"],
    &["here"],
];

/// Words that never appear in a name but often in non-answers ("I don't
/// know", "no", "what?", "can you repeat that"). Single letters are never
/// in this list: they may be a spelled name.
const NOT_NAME_WORDS: &[&str] = &[
    "don't",
    "know",
    "not",
    "no",
    "nope",
    "yes",
    "yeah",
    "what",
    "what's",
    "why",
    "who",
    "how",
    "where",
    "when",
    "who's",
    "how's",
    "where's",
    "asking",
    "sorry",
    "pardon",
    "repeat",
    "again",
    "nothing",
    "none",
    "nobody",
    "idea",
    "help",
    "operator",
    "agent",
    "representative",
    "human",
    "someone",
    "somebody",
    "skip",
    "huh",
    "unknown",
    "anonymous",
    "you",
    "your",
    "to",
    "the",
    "an",
    "is",
    "are",
    "was",
    "want",
    "need",
    "speak",
    "talk",
    "can",
    "can't",
    "could",
    "would",
    "do",
    "does",
    "did",
    "have",
    "of",
    "it",
    "that",
    "this",
    "my",
    "me",
    "about",
    "with",
    "for",
    "name",
    "hello",
    "hi",
    "hey",
    "okay",
    "ok",
    "um",
    "uh",
    // "I'm good thanks" answers a greeting, not the question.
    "good",
    "fine",
    "great",
    "doing",
    // Number words: digits are rejected, so their spoken forms are too.
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
];

/// The words of `not_names.txt`, each with whether it is also a common surname.
static NOT_NAMES: LazyLock<HashMap<&'static str, bool>> = LazyLock::new(|| {
    include_str!("not_names.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let word = parts.next()?;
            Some((word, parts.next() == Some("surname")))
        })
        .collect()
});

/// Whether a lower-case word is ordinary English that is never a given name ("medium",
/// "dishwasher", "the", "why"); ALPHANUMERIC uses it too, to tell a code from a sentence.
pub(super) fn is_ordinary_word(lower: &str) -> bool {
    NOT_NAME_WORDS.contains(&lower) || NOT_NAMES.contains_key(lower)
}

/// Lower-case particles that belong to a surname ("van Beethoven", "de la
/// Cruz"), so LAST_NAME keeps them with the final word.
const SURNAME_PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "la", "le", "del", "della", "di", "da", "du", "dos", "das",
    "st", "ter", "ten", "bin", "ibn", "al", "el", "ben", "abu", "ap", "mac", "ó", "ní",
];

/// Parses a `Twilio.FIRST_NAME` answer.
pub(super) fn parse_first(answer: Answer<'_>) -> Option<String> {
    parse(answer, Part::First)
}

/// Parses a `Twilio.LAST_NAME` answer.
pub(super) fn parse_last(answer: Answer<'_>) -> Option<String> {
    parse(answer, Part::Last)
}

/// One word of the answer: as written (to keep "McDonald"'s capitals) and
/// lower-cased (for matching).
#[derive(Debug, Clone)]
struct Word {
    original: String,
    lower: String,
}

fn parse(answer: Answer<'_>, part: Part) -> Option<String> {
    // A name cannot be typed on a keypad.
    let Answer::Speech(text) = answer else {
        return None;
    };
    // Digits mean a number, not a name (also catches "Jason 2").
    if text.chars().any(|c| c.is_ascii_digit()) || framing::is_non_answer(text) {
        return None;
    }
    let mut words = split_words(&framing::core(text, Profile::Value));

    // "my first name is Jason and my last name is Smith": jump to the part
    // that answers the question.
    let marker: &[&str] = match part {
        Part::First => &["first", "name", "is"],
        Part::Last => &["last", "name", "is"],
    };
    if let Some(pos) = find_last(&words, marker) {
        words = words.split_off(pos + marker.len());
        if let Some(and) = words.iter().position(|w| w.lower == "and") {
            words.truncate(and);
        }
    }

    strip_lead_ins(&mut words);
    if let Some(cut) = words
        .iter()
        .skip(1)
        .position(|w| CUT_WORDS.contains(&w.lower.as_str()))
    {
        words.truncate(cut + 1);
    }
    strip_trail_offs(&mut words);
    let mut words = join_spelled_letters(words);
    // "Jason, J A S O N": said then spelled gives the same word twice.
    words.dedup_by(|a, b| a.lower == b.lower);

    if words.is_empty() || words.len() > 4 {
        return None;
    }
    if words
        .iter()
        .any(|w| NOT_NAME_WORDS.contains(&w.lower.as_str()))
    {
        return None;
    }
    if !words.iter().all(|w| is_name_word(&w.original)) {
        return None;
    }
    // Ordinary words are not names; one that is also a surname ("Brown") only as a first name.
    let ordinary = words.iter().enumerate().any(|(i, w)| {
        NOT_NAMES
            .get(w.lower.as_str())
            .is_some_and(|&surname| !surname || (part == Part::First && i == 0))
    });
    if ordinary {
        return None;
    }

    let chosen: Vec<&Word> = match part {
        Part::First => words.first().into_iter().collect(),
        Part::Last => {
            // The last word plus any particles right before it.
            let last = words.len().checked_sub(1)?;
            let mut start = last;
            while start > 1 {
                match words.get(start - 1) {
                    Some(w) if SURNAME_PARTICLES.contains(&w.lower.as_str()) => start -= 1,
                    _ => break,
                }
            }
            // With only particles before (e.g. "de la Cruz" alone), start
            // may be 1 while word 0 is a particle too; include it.
            if start == 1
                && words
                    .first()
                    .is_some_and(|w| SURNAME_PARTICLES.contains(&w.lower.as_str()))
            {
                start = 0;
            }
            words.get(start..)?.iter().collect()
        }
    };
    let name = chosen
        .iter()
        .map(|w| capitalise(&w.original))
        .collect::<Vec<_>>()
        .join(" ");
    (!name.is_empty()).then_some(name)
}

/// Splits on whitespace and commas, trimming surrounding punctuation but
/// keeping apostrophes and hyphens inside words (O'Brien, Mary-Jane).
fn split_words(text: &str) -> Vec<Word> {
    let text = super::clean_text(text).replace(['\u{2019}', '\u{2018}', '`'], "'");
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '/' | '&'))
        .map(|w| w.trim_matches(|c: char| !(c.is_alphanumeric() || is_combining_mark(c))))
        .filter(|w| !w.is_empty())
        .map(|w| Word {
            original: w.to_string(),
            lower: restore_apostrophe(&lower(w)).to_string(),
        })
        .collect()
}

/// Position of the last occurrence of a phrase.
fn find_last(words: &[Word], phrase: &[&str]) -> Option<usize> {
    if phrase.len() > words.len() {
        return None;
    }
    (0..=words.len() - phrase.len()).rev().find(|&i| {
        words
            .get(i..i + phrase.len())
            .is_some_and(|w| w.iter().zip(phrase).all(|(a, b)| a.lower == *b))
    })
}

fn starts_with(words: &[Word], phrase: &[&str]) -> bool {
    words.len() >= phrase.len() && words.iter().zip(phrase).all(|(a, b)| a.lower == *b)
}

fn ends_with(words: &[Word], phrase: &[&str]) -> bool {
    words.len() >= phrase.len()
        && words
            .iter()
            .rev()
            .zip(phrase.iter().rev())
            .all(|(a, b)| a.lower == *b)
}

/// Removes lead-in phrases until none matches. Never removes the last word,
/// so a caller actually named "Will" or "So" (said alone) keeps a name.
fn strip_lead_ins(words: &mut Vec<Word>) {
    loop {
        let Some(phrase) = LEAD_INS
            .iter()
            .find(|p| words.len() > p.len() && starts_with(words, p))
        else {
            return;
        };
        words.drain(..phrase.len());
    }
}

/// Removes trailing politeness ("please", "thank you").
fn strip_trail_offs(words: &mut Vec<Word>) {
    while let Some(phrase) = TRAIL_OFFS
        .iter()
        .find(|p| words.len() > p.len() && ends_with(words, p))
    {
        words.truncate(words.len() - phrase.len());
    }
}

/// Joins runs of two or more single letters into one word ("j a s o n" ->
/// "jason"); also splits and joins "J-A-S-O-N" and "J.A.S.O.N".
fn join_spelled_letters(words: Vec<Word>) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut Vec<Word>| {
        if !run.is_empty() {
            out.push(Word {
                lower: run.to_lowercase(),
                // Spelled letters carry no capitalisation information.
                original: run.to_lowercase(),
            });
            run.clear();
        }
    };
    for word in words {
        let parts: Vec<&str> = word
            .original
            .split(['-', '.'])
            .filter(|p| !p.is_empty())
            .collect();
        let single_letters =
            |p: &&str| p.chars().count() == 1 && p.chars().all(char::is_alphabetic);
        if parts.len() >= 2 && parts.iter().all(single_letters) {
            flush(&mut run, &mut out);
            out.push(Word {
                lower: parts.concat().to_lowercase(),
                original: parts.concat().to_lowercase(),
            });
        } else if parts.len() == 1 && parts.iter().all(single_letters) {
            run.push_str(&word.original);
        } else {
            // A lone single letter between words ("Jason J Smith") is an
            // initial; only runs of 2+ letters are spelled names.
            if run.chars().count() == 1 {
                let initial = std::mem::take(&mut run);
                out.push(Word {
                    lower: initial.to_lowercase(),
                    original: initial,
                });
            }
            flush(&mut run, &mut out);
            out.push(word);
        }
    }
    if run.chars().count() == 1 {
        out.push(Word {
            lower: run.to_lowercase(),
            original: run,
        });
    } else {
        flush(&mut run, &mut out);
    }
    out
}

/// Combining diacritics (U+0300..U+036F), so a decomposed "José" is a name.
fn is_combining_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// Letters (any script), apostrophes and inner hyphens; at least one letter.
fn is_name_word(word: &str) -> bool {
    word.chars().count() <= 40
        && word.chars().next().is_some_and(char::is_alphabetic)
        && !word.ends_with('-')
        && !word.contains("--")
        && word
            .chars()
            .all(|c| c.is_alphabetic() || is_combining_mark(c) || matches!(c, '\'' | '-'))
}

/// "jason" -> "Jason", "JASON" -> "Jason", "mary-jane" -> "Mary-Jane",
/// "o'brien" -> "O'Brien"; internal capitals the caller's recogniser wrote
/// ("McDonald", "DeShawn") are kept.
fn capitalise(word: &str) -> String {
    let has_lower = word.chars().any(char::is_lowercase);
    let has_inner_upper = word.chars().skip(1).any(char::is_uppercase);
    if has_lower && has_inner_upper {
        let mut chars = word.chars();
        return match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => String::new(),
        };
    }
    let mut out = String::new();
    let mut upper_next = true;
    for (i, c) in word.chars().enumerate() {
        if upper_next && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            upper_next = false;
        } else {
            out.extend(c.to_lowercase());
        }
        // Capitalise after a hyphen (Mary-Jane) and after an apostrophe
        // that follows a one-letter prefix (O'Brien, D'Angelo), not in
        // e.g. "Ma'ayan".
        if c == '-' || (c == '\'' && i == 1) {
            upper_next = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::BuiltinType;
    use super::super::tests::{check_digits, check_speech};

    const FIRST_NAME_CASES: &[(&str, Option<&str>)] = &[
        ("Jason", Some("Jason")),
        ("my name is Jason", Some("Jason")),
        ("My name is Jason.", Some("Jason")),
        ("it's Jason", Some("Jason")),
        ("It’s Jason", Some("Jason")),
        ("this is Jason", Some("Jason")),
        ("call me Jason", Some("Jason")),
        ("I'm Jason", Some("Jason")),
        ("im jason", Some("Jason")),
        ("name's Jason", Some("Jason")),
        ("Jason please", Some("Jason")),
        ("uh Jason", Some("Jason")),
        ("um, yeah, my name is Jason, thank you", Some("Jason")),
        ("j a s o n", Some("Jason")),
        ("J-A-S-O-N", Some("Jason")),
        ("Jason J A S O N", Some("Jason")),
        ("Jason Smith", Some("Jason")),
        ("JASON", Some("Jason")),
        ("jason", Some("Jason")),
        ("Mary-Jane", Some("Mary-Jane")),
        ("mary-jane watson", Some("Mary-Jane")),
        ("DeShawn", Some("DeShawn")),
        ("José", Some("José")),
        ("Jose\u{301}", Some("Jose\u{301}")),
        ("Zoë", Some("Zoë")),
        (
            "my first name is Jason and my last name is Smith",
            Some("Jason"),
        ),
        ("Will", Some("Will")),
        ("Hi, this is Sarah from accounting", Some("Sarah")),
        ("Dr. Smith", Some("Smith")),
        ("I'm good thanks", None),
        ("Jason is my name", Some("Jason")),
        ("one two", None),
        ("I don't know", None),
        ("I dont know", None),
        ("no", None),
        ("yes", None),
        ("what", None),
        ("what?", None),
        ("sorry can you repeat that", None),
        ("I want to speak to an agent", None),
        ("Jason 2", None),
        ("her name is Maria", Some("Maria")),
        ("medium", None),
        ("red jester", None),
        ("purple monkey dishwasher", None),
        ("why do you need that", None),
        ("Brown", None),
        ("123", None),
        ("", None),
        ("   ", None),
        ("my name is", None),
        ("...", None),
        ("😀", None),
    ];

    #[test]
    fn first_name_table() {
        check_speech(BuiltinType::FirstName, FIRST_NAME_CASES);
        check_digits(BuiltinType::FirstName, &[("1234", None), ("", None)]);
    }

    const LAST_NAME_CASES: &[(&str, Option<&str>)] = &[
        ("Smith", Some("Smith")),
        ("Jason Smith", Some("Smith")),
        ("my last name is Smith", Some("Smith")),
        ("my surname is smith", Some("Smith")),
        ("it's Smith", Some("Smith")),
        ("Smith please", Some("Smith")),
        ("s m i t h", Some("Smith")),
        ("O'Brien", Some("O'Brien")),
        ("o'brien", Some("O'Brien")),
        ("O’Brien", Some("O'Brien")),
        ("McDonald", Some("McDonald")),
        ("MCDONALD", Some("Mcdonald")),
        ("Ludwig van Beethoven", Some("Van Beethoven")),
        ("de la Cruz", Some("De La Cruz")),
        ("Smith-Jones", Some("Smith-Jones")),
        (
            "my first name is Jason and my last name is Smith",
            Some("Smith"),
        ),
        ("Jason J Smith", Some("Smith")),
        ("this is Sarah Connor from accounting", Some("Connor")),
        ("Mrs. Robinson", Some("Robinson")),
        ("I don't know", None),
        ("no", None),
        ("nope", None),
        ("Smith 3", None),
        ("Brown", Some("Brown")),
        ("medium", None),
        ("", None),
        ("-", None),
        (
            "a b c d e f g h i j k l m n o p q r s t u v w x y z",
            Some("Abcdefghijklmnopqrstuvwxyz"),
        ),
        ("one two three four five", None),
    ];

    #[test]
    fn not_names_list_is_well_formed() {
        let entries = include_str!("not_names.txt")
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'));
        for line in entries {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let well_formed = match fields.as_slice() {
                [word] | [word, "surname"] => word.chars().all(|c| c.is_lowercase() || c == '-'),
                _ => false,
            };
            assert!(well_formed, "not_names.txt: {line:?}");
        }
        assert!(super::NOT_NAMES.len() > 300);
    }

    #[test]
    fn last_name_table() {
        check_speech(BuiltinType::LastName, LAST_NAME_CASES);
        check_digits(BuiltinType::LastName, &[("7", None)]);
    }
}
