//! Custom field types declared in a flow (Autopilot `fieldTypes`): a list
//! of canonical values, each with synonyms (`synonymOf`).
//!
//! Matching is by words, after lower-casing and dropping punctuation, in
//! three tiers, best first:
//! 1. the whole answer is a value or synonym ("Large");
//! 2. a value or synonym appears inside the answer ("I'd like the large
//!    one please");
//! 3. a value or synonym matches with small recognition typos ("larg",
//!    "medum"): each word of 4+ letters may differ by one edit (two from 8
//!    letters), keeping its first letter; shorter words must be exact.
//!
//! Within the best tier that matched, a match covered by a longer match is
//! dropped ("extra large" beats "large" in "extra large please"). If two
//! different canonical values remain, the answer is ambiguous and we return
//! None rather than guess. Keypad digits match synonyms that are digits
//! (Autopilot bots used "1" as a synonym of "Female").
//!
//! Normalised phrases are computed once in [`CustomType::new`], when the
//! flow is loaded, not on every answer.

use super::{Answer, keypad_digits};
use crate::nlu::numbers::parse_digit_sequence;

/// Words of a phrase longer than this are ignored, and only this many words
/// of an answer are searched: it bounds the work on absurd input.
const MAX_ANSWER_WORDS: usize = 200;

/// A custom field type declared in a flow: canonical values, each with
/// synonyms (Autopilot fieldTypes: values with synonymOf).
#[derive(Debug, Clone)]
pub struct CustomType {
    /// Canonical values as declared, returned by [`CustomType::parse`].
    canonical: Vec<String>,
    /// Every value and synonym as words, with the index of its canonical
    /// value.
    phrases: Vec<(Vec<String>, usize)>,
    /// Values and synonyms as declared (trimmed, deduplicated), for hints.
    hints: Vec<String>,
}

/// One place an answer mentions a phrase.
#[derive(Debug, Clone, Copy)]
struct Match {
    canonical: usize,
    start: usize,
    end: usize,
    /// Closeness for fuzzy matches (1.0 for exact ones).
    score: f64,
}

/// Lower-cases and splits into words of letters and digits; apostrophes are
/// removed inside words ("I'd" -> "id") and other characters separate.
fn normalise(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace(['\'', '\u{2019}', '\u{2018}'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

/// True when two words are the same up to a small recognition error:
/// both 4+ letters, same first letter, at most 1 edit (2 from 8 letters).
fn close(answer_word: &str, phrase_word: &str) -> Option<f64> {
    if answer_word == phrase_word {
        return Some(1.0);
    }
    let (a_len, p_len) = (answer_word.chars().count(), phrase_word.chars().count());
    if a_len < 4 || p_len < 4 || answer_word.chars().next() != phrase_word.chars().next() {
        return None;
    }
    // Digits are exact: "1234" and "1243" are different codes.
    if answer_word.chars().any(|c| c.is_ascii_digit())
        || phrase_word.chars().any(|c| c.is_ascii_digit())
    {
        return None;
    }
    let allowed = if a_len.min(p_len) >= 8 { 2 } else { 1 };
    let distance = strsim::damerau_levenshtein(answer_word, phrase_word);
    (distance <= allowed).then(|| strsim::normalized_damerau_levenshtein(answer_word, phrase_word))
}

impl CustomType {
    /// Builds a type from `(canonical value, its synonyms)` pairs,
    /// normalising every phrase once. Phrases that normalise to nothing
    /// (empty, punctuation only) are ignored.
    pub fn new(values: Vec<(String, Vec<String>)>) -> CustomType {
        let mut canonical = Vec::new();
        let mut phrases = Vec::new();
        let mut hints: Vec<String> = Vec::new();
        for (value, synonyms) in values {
            let index = canonical.len();
            for phrase in std::iter::once(&value).chain(synonyms.iter()) {
                let words = normalise(phrase);
                if words.is_empty() {
                    continue;
                }
                phrases.push((words, index));
                let trimmed = phrase.trim().to_string();
                if !hints.contains(&trimmed) {
                    hints.push(trimmed);
                }
            }
            canonical.push(value);
        }
        CustomType {
            canonical,
            phrases,
            hints,
        }
    }

    /// Returns the canonical value the answer means, or None when it means
    /// none or is ambiguous (see the module doc for the matching rules).
    pub fn parse(&self, answer: Answer<'_>) -> Option<String> {
        // The values are the flow's own; only an answer too long to be any value is refused.
        if super::too_long(answer) {
            return None;
        }
        let index = match answer {
            Answer::Digits(d) => self.exact_whole(&[keypad_digits(d)])?,
            Answer::Speech(text) => self.speech(text)?,
        };
        self.canonical.get(index).cloned()
    }

    /// The canonical values, as declared: what an answer of this type can be saved as.
    pub fn values(&self) -> &[String] {
        &self.canonical
    }

    /// Phrases for Gather hints: the canonical values and synonyms, as
    /// declared, without duplicates.
    pub fn hints(&self) -> Vec<String> {
        self.hints.clone()
    }

    /// The single canonical value with a phrase equal to all of `words`.
    fn exact_whole(&self, words: &[String]) -> Option<usize> {
        if words.iter().all(String::is_empty) {
            return None;
        }
        let hits: Vec<usize> = self
            .phrases
            .iter()
            .filter(|(p, _)| p.as_slice() == words)
            .map(|(_, c)| *c)
            .collect();
        single(&hits)
    }

    fn speech(&self, text: &str) -> Option<usize> {
        let mut words = normalise(text);
        words.truncate(MAX_ANSWER_WORDS);
        if words.is_empty() {
            return None;
        }
        // Tier 1: the whole answer.
        if let Some(c) = self.exact_whole(&words) {
            return Some(c);
        }
        // A spoken number said alone ("one") matches a digit synonym ("1").
        if let Some(digits) = parse_digit_sequence(text)
            && let Some(c) = self.exact_whole(&[digits])
        {
            return Some(c);
        }
        // Tier 2: exact phrases inside the answer; tier 3: fuzzy ones.
        let exact = self.find_matches(&words, false);
        if !exact.is_empty() {
            return decide(exact, false);
        }
        decide(self.find_matches(&words, true), true)
    }

    /// Every place a phrase occurs in `words`, exactly or (with `fuzzy`)
    /// with small typos.
    fn find_matches(&self, words: &[String], fuzzy: bool) -> Vec<Match> {
        let mut out = Vec::new();
        for (phrase, canonical) in &self.phrases {
            if phrase.len() > words.len() {
                continue;
            }
            for (start, window) in words.windows(phrase.len()).enumerate() {
                let mut score = 0.0;
                let mut ok = true;
                for (a, p) in window.iter().zip(phrase) {
                    let s = if fuzzy {
                        close(a, p)
                    } else {
                        (a == p).then_some(1.0)
                    };
                    match s {
                        Some(s) => score += s,
                        None => {
                            ok = false;
                            break;
                        }
                    }
                }
                if ok {
                    out.push(Match {
                        canonical: *canonical,
                        start,
                        end: start + phrase.len(),
                        score: score / phrase.len() as f64,
                    });
                }
            }
        }
        out
    }
}

/// The one distinct value in `items`, if there is exactly one.
fn single(items: &[usize]) -> Option<usize> {
    let first = *items.first()?;
    items.iter().all(|x| *x == first).then_some(first)
}

/// Picks the canonical value from the matches of one tier: drop matches
/// inside a longer match, then require a single canonical value. For fuzzy
/// matches, a strictly closer value also wins over a less close one.
fn decide(matches: Vec<Match>, fuzzy: bool) -> Option<usize> {
    let kept: Vec<Match> = matches
        .iter()
        .filter(|m| {
            !matches.iter().any(|o| {
                o.start <= m.start && m.end <= o.end && (o.end - o.start) > (m.end - m.start)
            })
        })
        .copied()
        .collect();
    let canonicals: Vec<usize> = kept.iter().map(|m| m.canonical).collect();
    if let Some(c) = single(&canonicals) {
        return Some(c);
    }
    if !fuzzy {
        return None;
    }
    // Best score per canonical; the top one must be strictly better.
    let best = kept.iter().max_by(|a, b| a.score.total_cmp(&b.score))?;
    let runner_up = kept
        .iter()
        .filter(|m| m.canonical != best.canonical)
        .map(|m| m.score)
        .fold(f64::MIN, f64::max);
    (best.score > runner_up).then_some(best.canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes() -> CustomType {
        CustomType::new(vec![
            ("small".into(), vec!["little".into(), "tiny".into()]),
            ("medium".into(), vec!["regular".into()]),
            ("large".into(), vec!["big".into()]),
            ("extra large".into(), vec!["XL".into(), "huge".into()]),
        ])
    }

    fn genders() -> CustomType {
        CustomType::new(vec![
            ("Female".into(), vec!["1".into(), "woman".into()]),
            ("Male".into(), vec!["2".into(), "man".into()]),
        ])
    }

    const SIZE_CASES: &[(&str, Option<&str>)] = &[
        ("large", Some("large")),
        ("Large.", Some("large")),
        ("LARGE", Some("large")),
        ("I'd like the large one please", Some("large")),
        ("big", Some("large")),
        ("a big one", Some("large")),
        ("extra large", Some("extra large")),
        ("extra large please", Some("extra large")),
        ("xl", Some("extra large")),
        ("the regular", Some("medium")),
        ("larg", Some("large")),
        ("medum please", Some("medium")),
        ("meduim", Some("medium")),
        ("smal", Some("small")),
        ("small or large", None),
        ("small or medium", None),
        ("bag", None),
        ("nothing", None),
        ("", None),
        ("...", None),
    ];

    #[test]
    fn custom_sizes_table() {
        let ty = sizes();
        let failures: Vec<String> = SIZE_CASES
            .iter()
            .filter_map(|&(input, want)| {
                let got = ty.parse(Answer::Speech(input));
                (got.as_deref() != want).then(|| format!("  {input:?}: got {got:?}, want {want:?}"))
            })
            .collect();
        assert!(
            failures.is_empty(),
            "failing rows:\n{}",
            failures.join("\n")
        );
    }

    const GENDER_SPEECH: &[(&str, Option<&str>)] = &[
        ("female", Some("Female")),
        ("I am a woman", Some("Female")),
        ("male", Some("Male")),
        ("one", Some("Female")),
        ("1", Some("Female")),
        ("two", Some("Male")),
        ("three", None),
    ];

    const GENDER_DIGITS: &[(&str, Option<&str>)] = &[
        ("1", Some("Female")),
        ("2#", Some("Male")),
        ("3", None),
        ("12", None),
        ("", None),
    ];

    #[test]
    fn custom_digits_table() {
        let ty = genders();
        let mut failures = Vec::new();
        for &(input, want) in GENDER_SPEECH {
            let got = ty.parse(Answer::Speech(input));
            if got.as_deref() != want {
                failures.push(format!("  speech {input:?}: got {got:?}, want {want:?}"));
            }
        }
        for &(input, want) in GENDER_DIGITS {
            let got = ty.parse(Answer::Digits(input));
            if got.as_deref() != want {
                failures.push(format!("  digits {input:?}: got {got:?}, want {want:?}"));
            }
        }
        assert!(
            failures.is_empty(),
            "failing rows:\n{}",
            failures.join("\n")
        );
    }

    #[test]
    fn custom_same_synonym_for_two_values_is_ambiguous() {
        let ty = CustomType::new(vec![
            ("red".into(), vec!["warm".into()]),
            ("orange".into(), vec!["warm".into()]),
        ]);
        assert_eq!(ty.parse(Answer::Speech("warm")), None);
        assert_eq!(ty.parse(Answer::Speech("red")).as_deref(), Some("red"));
    }

    #[test]
    fn custom_hints_list_values_and_synonyms() {
        assert_eq!(
            sizes().hints(),
            vec![
                "small",
                "little",
                "tiny",
                "medium",
                "regular",
                "large",
                "big",
                "extra large",
                "XL",
                "huge"
            ]
        );
    }
}
