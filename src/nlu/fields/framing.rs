//! The words callers put around a value: fillers, lead-ins and politeness, removed the same way
//! for every built-in type.
//!
//! Callers rarely say a bare value. They hesitate ("um", "uh"), acknowledge ("okay", "yeah"),
//! announce ("my number is", "it's", "that would be", "her name is"), hedge ("I think", "I
//! guess") and thank ("please", "thanks"). When every parser kept its own list of such words
//! they disagreed: the date parser accepted "the fifteenth" but declined "um, the fifteenth
//! please", and the phone parser declined "my number is 415 555 0100 thanks" that the digit
//! parser accepted. [`core`] removes the framing once, before any type-specific parsing, so a
//! parser that accepts a value also accepts it framed the usual ways.
//!
//! The rules, and why:
//! - Only the edges are trimmed — leading fillers and lead-ins, trailing politeness and hedges —
//!   over and over until nothing more matches; inside the answer only pure hesitation sounds
//!   ("um", "uh", "er", "hmm") go. Words in the middle may belong to the value ("the day after
//!   tomorrow is fine" keeps its "is").
//! - Never everything: a phrase is only removed when something is left after it, so "thank
//!   you" or "my name is" reach the parser whole (and are declined there), and a caller named
//!   Will who answers "Will" keeps his name.
//! - "oh" is a zero before a spoken digit ("oh one two three", "oh five hundred") and a filler
//!   anywhere else at the start ("oh, it's Maria", "oh 4 1 5": a recogniser that writes the
//!   digits as numerals writes a zero as "0" too).
//! - A hedge followed only by "so" or "not" ("I think so", "I guess not") is the answer itself,
//!   not a lead-in.
//! - A code (`ALPHANUMERIC`, `NUMBER_SEQUENCE`, `PHONE_NUMBER`) may also be announced by
//!   naming it, without "my … is": "ticket number 7 7 X", "booking reference K 7", "order
//!   confirmation code 4 4". [`core_code`] removes up to three words and a noun for a code
//!   ("number", "code", "reference", "ref", "id") at the start, but never a word the code
//!   itself could be made of (a spelled letter, a digit), which the type says.
//! - `YES_NO` answers are made of the very words other types treat as framing ("okay", "sure",
//!   "that's right", "uh huh", "mm hmm"), so [`Profile::YesNo`] only trims hesitations that are
//!   not part of those, hedging lead-ins and thanks.

use super::{clean_text, lower, restore_apostrophe};

/// Which framing to remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Profile {
    /// Every type whose value is something other than a yes or a no.
    Value,
    /// `Twilio.YES_NO`, whose answers are acknowledgements (see the module doc).
    YesNo,
}

/// Hesitation sounds: never part of a value, so they go wherever they are (for
/// [`Profile::Value`]).
const HESITATIONS: &[&str] = &[
    "um", "umm", "ummm", "uhm", "uhmm", "uh", "uhh", "uhhh", "er", "err", "erm", "hmm", "hmmm",
    "hm", "mm", "mmm",
];

/// Single words that only open an answer: interjections and discourse markers.
const OPENERS: &[&str] = &[
    "ah",
    "ahh",
    "eh",
    "oh",
    "ooh",
    "well",
    "so",
    "like",
    "just",
    "actually",
    "basically",
    "honestly",
    "anyway",
    "anyways",
    "hi",
    "hello",
    "hey",
    "sorry",
    "oops",
    "and",
];

/// Acknowledgements that open an answer to any question but a yes/no one ("yeah, it's Maria",
/// "okay so the fifteenth").
const ACKNOWLEDGEMENTS: &[&str] = &[
    "yes",
    "yeah",
    "yea",
    "yep",
    "yup",
    "sure",
    "okay",
    "ok",
    "alright",
    "right",
    "mhm",
    "certainly",
];

/// "I think", "I guess": a hedge before the value ("I think the fifteenth") or after it ("the
/// fifteenth I think").
const HEDGES: &[&[&str]] = &[
    &["i", "think"],
    &["i", "guess"],
    &["i", "believe"],
    &["i", "suppose"],
    &["i", "reckon"],
    &["i'd", "say"],
    &["i", "would", "say"],
    &["i'm", "pretty", "sure"],
    &["i'm", "fairly", "sure"],
    &["i", "think", "it's"],
    &["i", "guess", "it's"],
    &["i", "believe", "it's"],
];

/// Announcements before a value, for every type but `YES_NO`. Phrases of the form "my … is"
/// and "her name is" are matched by [`possessive_lead_in`] instead of being listed.
const LEAD_INS: &[&[&str]] = &[
    &["it's"],
    &["its"],
    &["it", "is"],
    &["it", "was"],
    &["it", "will", "be"],
    &["it'll", "be"],
    &["it", "would", "be"],
    &["it'd", "be"],
    &["it", "should", "be"],
    &["that's"],
    &["that", "is"],
    &["that", "would", "be"],
    &["that'd", "be"],
    &["that", "will", "be"],
    &["that'll", "be"],
    &["that", "should", "be"],
    &["this", "is"],
    &["it's", "me"],
    &["that's", "me"],
    &["mine", "is"],
    &["mine's"],
    &["let's", "say"],
    &["let's", "do"],
    &["let's", "go", "with"],
    &["let's", "make", "it"],
    &["say"],
    &["how", "about"],
    &["what", "about"],
    &["make", "it"],
    &["go", "with"],
    &["i'll", "go", "with"],
    &["i'll", "take"],
    &["i'll", "have"],
    &["i'd", "like"],
    &["i", "would", "like"],
    &["i", "want"],
    &["we'd", "like"],
    &["we", "want"],
    &["put", "me", "down", "for"],
    &["call", "me"],
    &["you", "can", "call", "me"],
    &["they", "call", "me"],
    &["people", "call", "me"],
    &["everyone", "calls", "me"],
    &["i", "go", "by"],
    &["i'm", "called"],
    &["i'm"],
    &["i", "am"],
    &["you", "can", "reach", "me", "at"],
    &["you", "can", "reach", "me", "on"],
    &["reach", "me", "at"],
    &["reach", "me", "on"],
    &["call", "me", "at"],
    &["call", "me", "on"],
    &["you", "can", "call", "me", "at"],
    &["you", "can", "call", "me", "on"],
    &["text", "me", "at"],
];

/// Politeness, confirmation and approval after a value, for every type but `YES_NO`.
const TRAIL_OFFS: &[&[&str]] = &[
    &["please"],
    &["pls"],
    &["thanks"],
    &["thank", "you"],
    &["thank", "you", "very", "much"],
    &["thank", "you", "so", "much"],
    &["thanks", "a", "lot"],
    &["thanks", "so", "much"],
    &["cheers"],
    &["if", "that's", "okay"],
    &["if", "that's", "ok"],
    &["if", "that's", "alright"],
    &["if", "that's", "all", "right"],
    &["if", "that's", "fine"],
    &["if", "that", "works"],
    &["if", "that's", "possible"],
    &["if", "possible"],
    &["if", "you", "can"],
    &["if", "you", "could"],
    &["is", "fine"],
    &["is", "good"],
    &["is", "great"],
    &["is", "perfect"],
    &["is", "best"],
    &["would", "be", "great"],
    &["would", "be", "good"],
    &["would", "be", "fine"],
    &["would", "be", "perfect"],
    &["would", "be", "nice"],
    &["would", "be", "best"],
    &["would", "be", "ideal"],
    &["would", "work"],
    &["works"],
    &["works", "for", "me"],
    &["sounds", "good"],
    &["is", "that", "okay"],
    &["is", "that", "ok"],
    &["is", "that", "alright"],
    &["is", "that", "fine"],
    &["it", "is"],
    &["okay"],
    &["ok"],
    &["alright"],
    &["yes"],
    &["yeah"],
    &["sir"],
    &["ma'am"],
    &["maam"],
    &["that's", "it"],
    &["that's", "all"],
    &["that", "is", "all"],
    &["that's", "correct"],
    &["and", "that's", "it"],
    &["but", "i'm", "not", "sure"],
    &["but", "i'm", "not", "a", "hundred", "percent", "sure"],
];

/// Thanks and the caller's manners after a yes or a no ("no thank you").
const YES_NO_TRAIL_OFFS: &[&[&str]] = &[
    &["please"],
    &["thanks"],
    &["thank", "you"],
    &["thank", "you", "very", "much"],
    &["thanks", "a", "lot"],
    &["sir"],
    &["ma'am"],
    &["maam"],
];

/// Nouns that name what is being given, so "the number is", "her name is", "date of birth is"
/// are announcements. "my" and "our" take any noun ("my cell is", "our flight is").
const VALUE_NOUNS: &[&str] = &[
    "name",
    "surname",
    "number",
    "code",
    "pin",
    "password",
    "date",
    "birthday",
    "dob",
    "birth",
    "time",
    "day",
    "email",
    "address",
    "phone",
    "cell",
    "mobile",
    "reference",
    "ref",
    "id",
    "zip",
    "zipcode",
    "postcode",
    "city",
    "town",
    "country",
    "state",
    "language",
    "currency",
    "month",
    "account",
    "booking",
    "confirmation",
    "answer",
    "amount",
    "total",
    "age",
    "extension",
];

/// Nouns that end the name of a code ("ticket *number*", "booking *reference*", "confirmation
/// *code*"), or name one on their own ("reference K 7").
const CODE_HEADS: &[&str] = &["number", "code", "reference", "ref", "id"];

/// Most words before a [`CODE_HEADS`] noun that name the code ("order confirmation number",
/// "frequent flyer member number").
const CODE_NAME_WORDS: usize = 3;

/// Words of a clause after a value noun that says what it is for ("the best number *to reach me
/// at* is").
const REACH_WORDS: &[&str] = &[
    "to", "reach", "call", "text", "contact", "get", "me", "us", "you", "can", "at", "on", "for",
];

/// One word of the answer: as written (kept in the output) and as compared.
struct Token<'a> {
    raw: &'a str,
    bare: String,
}

/// Lower-case, without surrounding punctuation, apostrophe restored ("Um," -> "um", "Its" ->
/// "its", "thats" -> "that's").
fn bare(raw: &str) -> String {
    let lowered = lower(raw);
    let trimmed = lowered
        .trim_matches(|c: char| !(c.is_alphanumeric() || c == '\''))
        .trim_matches('\'');
    restore_apostrophe(trimmed).to_string()
}

/// The answer without the framing around its value (see the module doc); the words that are
/// left keep their spelling and punctuation, separated by single spaces.
pub(super) fn core(text: &str, profile: Profile) -> String {
    core_with(text, profile, &[])
}

/// [`core`], also removing a type's own lead-ins (`extra`, e.g. "I live in" for a city).
pub(super) fn core_with(text: &str, profile: Profile, extra: &[&[&str]]) -> String {
    framed(text, profile, extra, None)
}

/// [`core_with`] for a code: also removes the code's name at the start ("ticket number",
/// "booking reference", see [`code_lead_in`]). `is_value_word` tells a word the code may be
/// made of ("a", "bravo", "seven"), which is never taken for part of a name.
pub(super) fn core_code(text: &str, extra: &[&[&str]], is_value_word: fn(&str) -> bool) -> String {
    framed(text, Profile::Value, extra, Some(is_value_word))
}

/// [`core_with`], with [`code_lead_in`] when `code` is given.
fn framed(
    text: &str,
    profile: Profile,
    extra: &[&[&str]],
    code: Option<fn(&str) -> bool>,
) -> String {
    let cleaned = clean_text(text);
    let mut tokens: Vec<Token<'_>> = cleaned
        .split(' ')
        .filter(|raw| !raw.is_empty())
        .map(|raw| Token {
            raw,
            bare: bare(raw),
        })
        .collect();
    if profile == Profile::Value
        && tokens
            .iter()
            .any(|t| !HESITATIONS.contains(&t.bare.as_str()))
    {
        tokens.retain(|t| !HESITATIONS.contains(&t.bare.as_str()));
    }
    let mut start = 0;
    let mut end = tokens.len();
    loop {
        let mut changed = false;
        if let Some(n) = tokens
            .get(start..end)
            .and_then(|rest| leading(rest, profile, extra, code))
            .filter(|n| start + n < end)
        {
            start += n;
            changed = true;
        }
        if let Some(n) = tokens
            .get(start..end)
            .and_then(|rest| trailing(rest, profile))
            .filter(|n| start + n < end)
        {
            end -= n;
            changed = true;
        }
        if !changed {
            break;
        }
    }
    let kept: Vec<&str> = tokens
        .get(start..end)
        .unwrap_or_default()
        .iter()
        .map(|t| t.raw)
        .collect();
    // "Maria, please" leaves "Maria,": the comma belonged to the politeness.
    kept.join(" ")
        .trim_matches(|c: char| matches!(c, ',' | ';' | ':'))
        .trim()
        .to_string()
}

/// Whether `tokens` starts with `phrase`.
fn starts_with(tokens: &[Token<'_>], phrase: &[&str]) -> bool {
    tokens.len() >= phrase.len() && tokens.iter().zip(phrase).all(|(t, p)| t.bare == *p)
}

/// Whether `tokens` ends with `phrase`.
fn ends_with(tokens: &[Token<'_>], phrase: &[&str]) -> bool {
    tokens.len() >= phrase.len()
        && tokens
            .iter()
            .rev()
            .zip(phrase.iter().rev())
            .all(|(t, p)| t.bare == *p)
}

/// Whether a word is a spoken digit or number, so a leading "oh" before it is a zero.
fn is_digit_word(bare: &str) -> bool {
    matches!(
        bare,
        "zero"
            | "oh"
            | "o"
            | "one"
            | "two"
            | "three"
            | "four"
            | "five"
            | "six"
            | "seven"
            | "eight"
            | "nine"
            | "ten"
            | "eleven"
            | "twelve"
            | "thirteen"
            | "fourteen"
            | "fifteen"
            | "sixteen"
            | "seventeen"
            | "eighteen"
            | "nineteen"
            | "twenty"
            | "thirty"
            | "forty"
            | "fifty"
            | "sixty"
            | "seventy"
            | "eighty"
            | "ninety"
            | "hundred"
            | "double"
            | "triple"
    )
}

/// How many leading tokens are framing, if any: the longest phrase that matches.
fn leading(
    tokens: &[Token<'_>],
    profile: Profile,
    extra: &[&[&str]],
    code: Option<fn(&str) -> bool>,
) -> Option<usize> {
    let first = tokens.first()?;
    let next = tokens.get(1).map(|t| t.bare.as_str());
    let word = first.bare.as_str();
    let single = match profile {
        Profile::Value => {
            (OPENERS.contains(&word) && !(word == "oh" && next.is_some_and(is_digit_word)))
                || ACKNOWLEDGEMENTS.contains(&word)
        }
        // "uh huh", "uh uh" and "mm hmm" are answers, not hesitations.
        Profile::YesNo => {
            (HESITATIONS.contains(&word)
                && !(matches!(word, "uh" | "mm" | "hm" | "hmm")
                    && matches!(next, Some("huh" | "hu" | "uh" | "hmm" | "hm"))))
                || OPENERS.contains(&word)
        }
    };
    let hedge = HEDGES
        .iter()
        .filter(|p| starts_with(tokens, p))
        // "I think so", "I guess not": the hedge is the answer.
        .filter(|p| {
            !matches!(
                tokens.get(p.len()..),
                Some([only]) if matches!(only.bare.as_str(), "so" | "not")
            )
        })
        .map(|p| p.len())
        .max();
    let phrase = match profile {
        Profile::Value => LEAD_INS
            .iter()
            .chain(extra)
            .filter(|p| starts_with(tokens, p))
            .map(|p| p.len())
            .max()
            .max(possessive_lead_in(tokens))
            .max(code.and_then(|is_value_word| code_lead_in(tokens, is_value_word))),
        Profile::YesNo => None,
    };
    let longest = hedge.max(phrase);
    longest.or(single.then_some(1))
}

/// "my name is", "my daughter's name is", "her number is", "the code is", "date of birth is",
/// "name's": a determiner (optional), one to three words naming the value, and "is" (or "'s"
/// on the last word). After "my"/"our" any words will do ("my cell is"); otherwise the last
/// must name a kind of value (see [`VALUE_NOUNS`]), so "the day after tomorrow is fine" stays.
/// The shortest such phrase is taken: what follows "is" is the value.
fn possessive_lead_in(tokens: &[Token<'_>]) -> Option<usize> {
    let first = tokens.first()?.bare.as_str();
    let (skip, any_noun) = match first {
        "my" | "our" => (1, true),
        "the" | "her" | "his" | "their" | "its" => (1, false),
        _ => (0, false),
    };
    for nouns in 1..=3 {
        let words = tokens.get(skip..skip + nouns)?;
        if words
            .iter()
            .any(|w| w.bare.is_empty() || !w.bare.chars().all(|c| c.is_alphabetic() || c == '\''))
        {
            return None;
        }
        let last = words.last()?.bare.as_str();
        let (noun, glued_is) = match last.strip_suffix("'s") {
            Some(stem) => (stem, true),
            None => (last, false),
        };
        let noun_ok = any_noun || VALUE_NOUNS.contains(&noun.trim_end_matches('s'));
        if glued_is && noun_ok {
            return Some(skip + nouns);
        }
        if !noun_ok
            || words
                .iter()
                .any(|w| matches!(w.bare.as_str(), "is" | "was"))
        {
            continue;
        }
        // "the best number to reach me is", "the number you can call me on is".
        let tail = tokens
            .get(skip + nouns..)
            .unwrap_or_default()
            .iter()
            .take(5)
            .take_while(|t| REACH_WORDS.contains(&t.bare.as_str()))
            .count();
        for tail in [0, tail] {
            let is_next = tokens
                .get(skip + nouns + tail)
                .is_some_and(|t| matches!(t.bare.as_str(), "is" | "was"));
            if is_next {
                return Some(skip + nouns + tail + 1);
            }
        }
    }
    None
}

/// "ticket number", "the booking reference", "order confirmation code is", "reference": a
/// determiner (optional), up to [`CODE_NAME_WORDS`] words naming the code, a noun for a code
/// ([`CODE_HEADS`]) and "is" (optional, or "'s" on the noun). A caller names the code before
/// giving it as often without "my … is" as with it, and the name is whatever the business
/// calls it (ticket, order, case, claim, tracking, …), so the naming words are not listed:
/// any word will do that is written in lower case (a spelled "AB" is letters), is longer than
/// a letter and is not something the code could be made of (`is_value_word`: "alpha", "bee",
/// "seven"), so "a number 5" and "bravo code 7" keep their letters.
fn code_lead_in(tokens: &[Token<'_>], is_value_word: fn(&str) -> bool) -> Option<usize> {
    let skip = usize::from(tokens.first().is_some_and(|t| {
        matches!(
            t.bare.as_str(),
            "my" | "our" | "your" | "the" | "his" | "her" | "their"
        )
    }));
    let rest = tokens.get(skip..)?;
    let (names, glued_is) =
        rest.iter()
            .take(CODE_NAME_WORDS + 1)
            .enumerate()
            .find_map(|(at, t)| {
                let (noun, glued_is) = match t.bare.strip_suffix("'s") {
                    Some(stem) => (stem, true),
                    None => (t.bare.as_str(), false),
                };
                CODE_HEADS.contains(&noun).then_some((at, glued_is))
            })?;
    let naming = rest.get(..names)?.iter().all(|t| {
        t.bare.chars().count() > 1
            && t.bare.chars().all(char::is_alphabetic)
            && t.raw.chars().any(char::is_lowercase)
            && !is_value_word(&t.bare)
    });
    if !naming {
        return None;
    }
    let is_next = !glued_is
        && rest
            .get(names + 1)
            .is_some_and(|t| matches!(t.bare.as_str(), "is" | "was"));
    Some(skip + names + 1 + usize::from(is_next))
}

/// How many trailing tokens are framing, if any: the longest phrase that matches.
fn trailing(tokens: &[Token<'_>], profile: Profile) -> Option<usize> {
    let trail_offs = match profile {
        Profile::Value => TRAIL_OFFS,
        Profile::YesNo => YES_NO_TRAIL_OFFS,
    };
    trail_offs
        .iter()
        .chain(HEDGES.iter().filter(|h| !h.ends_with(&["it's"])))
        .filter(|p| ends_with(tokens, p))
        .map(|p| p.len())
        .max()
}

/// Answers that give no value of any type: "I don't know", "no idea", "can you repeat that",
/// and questions back ("why do you need that?", "what for"). Types that accept almost any
/// words (a city, a country) use it to decline rather than save a non-answer as the value.
/// Takes the answer as given: lead-ins are not removed first, since "say that again" and "what
/// about it" would lose the very words that make them non-answers.
pub(super) fn is_non_answer(text: &str) -> bool {
    const PHRASES: &[&[&str]] = &[
        &["i", "don't", "know"],
        &["don't", "know"],
        &["i", "do", "not", "know"],
        &["i", "really", "don't", "know"],
        &["dunno"],
        &["no", "idea"],
        &["i", "have", "no", "idea"],
        &["not", "sure"],
        &["i'm", "not", "sure"],
        &["i", "am", "not", "sure"],
        &["i", "can't", "remember"],
        &["i", "don't", "remember"],
        &["i", "forgot"],
        &["none"],
        &["nothing"],
        &["no"],
        &["nope"],
        &["yes"],
        &["yeah"],
        &["pardon"],
        &["sorry"],
        &["what"],
        &["huh"],
        &["skip"],
        &["pass"],
        &["i'd", "rather", "not", "say"],
        &["rather", "not", "say"],
        &["i'd", "rather", "not"],
        &["prefer", "not", "to", "say"],
        &["i", "prefer", "not", "to", "say"],
        &["say", "that", "again"],
        &["repeat", "that"],
        &["can", "you", "repeat", "that"],
        &["could", "you", "repeat", "that"],
        &["come", "again"],
        &["what", "for"],
    ];
    const QUESTION_WORDS: &[&str] = &[
        "why", "what", "what's", "how", "who", "where", "when", "which",
    ];
    /// Words that follow a question word in a question ("why do", "what is", "how come") but
    /// not in a place or a name ("What Cheer", "Whitehorse").
    const QUESTION_SECONDS: &[&str] = &[
        "do", "does", "did", "is", "are", "was", "were", "can", "could", "would", "will", "should",
        "for", "you", "about", "kind", "sort", "exactly", "the", "if", "come", "not", "so",
    ];
    let trimmed = core(text, Profile::YesNo);
    let mut words: Vec<String> = trimmed
        .split(' ')
        .map(bare)
        .filter(|w| !w.is_empty())
        .collect();
    while words.len() > 1
        && words
            .first()
            .is_some_and(|w| ACKNOWLEDGEMENTS.contains(&w.as_str()))
    {
        words.remove(0);
    }
    let is = |phrase: &[&str]| {
        words.len() == phrase.len() && words.iter().zip(phrase).all(|(w, p)| w == p)
    };
    let filler = |w: &String| HESITATIONS.contains(&w.as_str()) || OPENERS.contains(&w.as_str());
    if words.iter().all(filler) || PHRASES.iter().any(|p| is(p)) {
        return true;
    }
    let asked = matches!(words.as_slice(), [q, second, ..]
        if QUESTION_WORDS.contains(&q.as_str()) && QUESTION_SECONDS.contains(&second.as_str()));
    let yes_no_question = matches!(
        words.first().map(String::as_str),
        Some("can" | "could" | "do" | "does" | "is" | "are" | "will" | "would")
    ) && trimmed.ends_with('?');
    // "can you say that again", "could you repeat the question": no place or name starts so.
    let request = matches!(words.as_slice(), [first, second, ..]
        if matches!(first.as_str(), "can" | "could" | "would" | "will") && second == "you");
    asked || yes_no_question || request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_is_removed_from_both_ends() {
        let cases = [
            ("um, the fifteenth please", "the fifteenth"),
            ("the fifteenth please", "the fifteenth"),
            ("my number is 415 555 0100 thanks", "415 555 0100"),
            ("her name is Maria", "Maria"),
            ("my daughter's name is Maria", "Maria"),
            ("uh yeah my name's Jason thank you", "Jason"),
            ("I think it's the third", "the third"),
            ("the third I think", "the third"),
            ("that would be March 3rd", "March 3rd"),
            ("oh, it's Maria", "Maria"),
            ("oh one two three", "oh one two three"),
            ("the day after tomorrow is fine", "the day after tomorrow"),
            (
                "four one five um five five five",
                "four one five five five five",
            ),
            ("date of birth is June 1st", "June 1st"),
            ("let's say 7 pm if that's okay", "7 pm"),
            ("it's -4", "-4"),
            (
                "the best number to reach me is 415 555 0100",
                "415 555 0100",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(core(input, Profile::Value), want, "{input:?}");
        }
    }

    #[test]
    fn framing_never_removes_the_whole_answer() {
        for input in [
            "thank you",
            "my name is",
            "um",
            "please",
            "Will",
            "I think so",
            "okay",
        ] {
            assert_eq!(core(input, Profile::Value), input, "{input:?}");
        }
    }

    #[test]
    fn a_code_may_be_named_before_it_is_given() {
        // Stands in for a code type's own test: single letters and digit words.
        fn is_value_word(word: &str) -> bool {
            word.chars().count() == 1 || matches!(word, "bravo" | "seven")
        }
        let cases = [
            ("ticket number 7 7 X", "7 7 X"),
            ("Ticket number 7 7 X please", "7 7 X"),
            ("the booking reference is K 7", "K 7"),
            ("order confirmation code 4 4", "4 4"),
            ("reference K 7", "K 7"),
            ("claim number's 12", "12"),
            // Words the code may be made of are not its name.
            ("a number 5", "a number 5"),
            ("bravo code 7", "bravo code 7"),
            ("AB number 5", "AB number 5"),
            // More than three words before the noun is a sentence, not a name.
            (
                "i lost my ticket number sorry",
                "i lost my ticket number sorry",
            ),
            ("ticket number", "ticket number"),
        ];
        for (input, want) in cases {
            assert_eq!(core_code(input, &[], is_value_word), want, "{input:?}");
        }
        // Other types keep the words.
        assert_eq!(core("ticket number 7", Profile::Value), "ticket number 7");
    }

    #[test]
    fn yes_no_keeps_its_answers() {
        let cases = [
            ("uh huh", "uh huh"),
            ("mm hmm", "mm hmm"),
            ("okay", "okay"),
            ("um yes please", "yes"),
            ("I guess yes", "yes"),
            ("I think so", "I think so"),
            ("that's right thanks", "that's right"),
            ("no thank you", "no"),
        ];
        for (input, want) in cases {
            assert_eq!(core(input, Profile::YesNo), want, "{input:?}");
        }
    }

    #[test]
    fn non_answers_are_recognised() {
        for input in [
            "I don't know",
            "why do you need that",
            "what for",
            "Can you repeat that",
        ] {
            assert!(is_non_answer(input), "{input:?}");
        }
        for input in ["Paris", "What Cheer", "New York", "Spanish"] {
            assert!(!is_non_answer(input), "{input:?}");
        }
    }
}
