//! The words requests are made of, per language, as the intent matcher needs them.
//!
//! The matcher itself knows no language: it compares tokens, word pairs and character
//! n-grams. What it must be told is which tokens carry little ("the", "de", 的), which are noise
//! ("um", "este", 嗯), which are sentence frames rather than topics ("what", "qué", 什么), how
//! a word's inflected forms meet (stemming), which tokens stand for a class (weekdays, months),
//! which requests no bot handles (for calibrating its decline threshold), and, for Mandarin,
//! which characters a recogniser confuses because they sound alike. A [`Lexicon`] holds that
//! for one language; each language module defines its own and [`super::LANGUAGES`] points to
//! it.

use pinyin::ToPinyin;

/// How a language's words are reduced to a shared stem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stemming {
    /// Snowball (Porter 2) English: "bookings", "booked" → "book".
    English,
    /// Snowball Spanish, on accent-folded words (see [`stem`]): "cancelar", "cancelación",
    /// "cancelo" → "cancel".
    Spanish,
    /// Words are left whole: Chinese characters do not inflect.
    None,
}

/// What a class token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Day,
    Month,
    Number,
}

/// How a language's tokens are grouped by sound, so that a recogniser's homophone still finds
/// the word a sample has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sound {
    /// Not used: spelling repair (edit distance) covers alphabetic languages.
    None,
    /// A Han character's toneless pinyin: 记 and 寄 are both "ji", 在 and 再 "zai".
    Pinyin,
}

/// One language's words for the matcher. Every list is sorted (the functions binary-search).
#[derive(Debug, PartialEq)]
pub struct Lexicon {
    /// Sounds and courtesy words that never carry intent: dropped before matching.
    pub fillers: &'static [&'static str],
    /// Function words and generic request verbs, in requests for every task: kept at a small
    /// weight. Negations and question words are left out on purpose, as they often decide
    /// the task.
    pub stop_words: &'static [&'static str],
    /// Words that weigh in scoring but are no evidence on their own that an utterance is about
    /// a task ("what", "where"; "qué", "dónde"; 什么, 哪): a request sharing only these with a
    /// task is declined.
    pub no_evidence: &'static [&'static str],
    /// Weekday names, which become one class token: "the 4th on Friday" and "on Sunday" ask
    /// the same.
    pub days: &'static [&'static str],
    /// Month names, likewise.
    pub months: &'static [&'static str],
    /// Number words the normaliser leaves as words (it writes English ones as digits), which
    /// become the number class token: "para dos personas" and "para 6" ask the same.
    pub numbers: &'static [&'static str],
    /// How words meet their inflected forms.
    pub stemming: Stemming,
    /// How homophones are found.
    pub sound: Sound,
    /// Requests practically no bot has a task for, one per line (`#` comments), scored at load
    /// to calibrate the decline threshold. In the language: a threshold calibrated on English
    /// nonsense says nothing about how far a Mandarin bot's samples are from Mandarin
    /// nonsense.
    pub out_of_scope: &'static str,
}

impl Lexicon {
    /// True if `token` (normalised) is a filler such as "um" or "please".
    pub fn is_filler(&self, token: &str) -> bool {
        self.fillers.binary_search(&token).is_ok()
    }

    /// True if `token` (normalised) is a stop word such as "the" or "want".
    pub fn is_stop_word(&self, token: &str) -> bool {
        self.stop_words.binary_search(&token).is_ok()
    }

    /// A token that can be evidence that an utterance is about a task.
    pub fn is_content_word(&self, token: &str) -> bool {
        !self.is_stop_word(token) && self.no_evidence.binary_search(&token).is_err()
    }

    /// The class `token` stands for, if any: a weekday, a month or a number word.
    pub fn class_of(&self, token: &str) -> Option<Class> {
        if self.days.binary_search(&token).is_ok() {
            Some(Class::Day)
        } else if self.months.binary_search(&token).is_ok() {
            Some(Class::Month)
        } else if self.numbers.binary_search(&token).is_ok() {
            Some(Class::Number)
        } else {
            None
        }
    }

    /// The stem of a normalised word. Class tokens (`#day`) and words outside the stemmer's
    /// alphabet are returned whole.
    pub fn stem(&self, token: &str) -> String {
        stem(self.stemming, token)
    }

    /// The sound of a token when the language groups homophones: the toneless pinyin of a
    /// single Han character ("寄" → "ji"). None for other tokens.
    pub fn sound(&self, token: &str) -> Option<&'static str> {
        match self.sound {
            Sound::None => None,
            Sound::Pinyin => {
                let mut chars = token.chars();
                let (Some(c), None) = (chars.next(), chars.next()) else {
                    return None;
                };
                c.to_pinyin().map(|p| p.plain())
            }
        }
    }

    /// The calibration requests: the lines of [`Lexicon::out_of_scope`] that are not blank or
    /// comments.
    pub fn out_of_scope(&self) -> impl Iterator<Item = &'static str> {
        self.out_of_scope
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
    }
}

/// `words` in the order [`Lexicon`]'s binary searches need, for a list made when compiling from
/// a parser's own word table (so that the matcher and the parser know the same words).
pub(crate) const fn sorted<const N: usize>(mut words: [&'static str; N]) -> [&'static str; N] {
    // An insertion sort: a const fn cannot call `sort_unstable`, and the lists are short.
    let mut i = 1;
    while i < N {
        let mut j = i;
        while j > 0 && sorts_before(words[j], words[j - 1]) {
            words.swap(j - 1, j);
            j -= 1;
        }
        i += 1;
    }
    words
}

/// Whether `a` comes before `b` in `str`'s order (byte by byte), which the binary searches use;
/// written out because `Ord` cannot be called in a const fn.
const fn sorts_before(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

/// See [`Lexicon::stem`].
///
/// Spanish: Twilio's recogniser writes accents or drops them, and [`crate::nlu::text::normalize`]
/// folds them away on both sides before the stemmer sees a word; but Snowball's Spanish suffix
/// lists are accented ("cancelación"). So the one family of endings that only exists accented
/// in the singular, "-ción"/"-sión", is given its accent back before stemming ("cancelacion" →
/// "cancelación" → "cancel"); Snowball's own last step takes accents off the stem. Other
/// accented endings are
/// verb forms whose unaccented spelling the stemmer already strips ("-ía" leaves "-i", which
/// a stem of the infinitive does not have; a rare miss the character n-grams make up for).
pub fn stem(stemming: Stemming, token: &str) -> String {
    use std::sync::LazyLock;
    static ENGLISH: LazyLock<rust_stemmers::Stemmer> =
        LazyLock::new(|| rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English));
    static SPANISH: LazyLock<rust_stemmers::Stemmer> =
        LazyLock::new(|| rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::Spanish));
    if token.starts_with('#') || !token.is_ascii() {
        return token.to_owned();
    }
    match stemming {
        Stemming::English => ENGLISH.stem(token).into_owned(),
        Stemming::Spanish => {
            let accented = ["cion", "sion"]
                .iter()
                .find(|end| token.len() > end.len() + 2 && token.ends_with(*end))
                .map(|_| format!("{}ón", &token[..token.len() - 2]));
            SPANISH
                .stem(accented.as_deref().unwrap_or(token))
                .into_owned()
        }
        Stemming::None => token.to_owned(),
    }
}

/// English: the lists of [`crate::nlu::text`], which documents them.
pub static ENGLISH: Lexicon = Lexicon {
    fillers: crate::nlu::text::FILLERS,
    stop_words: crate::nlu::text::STOP_WORDS,
    no_evidence: &[
        "he", "her", "here", "him", "how", "one", "she", "that", "them", "there", "these", "they",
        "thing", "those", "what", "when", "where", "which", "who", "whom", "whose", "why",
    ],
    days: &[
        "friday",
        "fridays",
        "monday",
        "mondays",
        "saturday",
        "saturdays",
        "sunday",
        "sundays",
        "thursday",
        "thursdays",
        "tuesday",
        "tuesdays",
        "wednesday",
        "wednesdays",
        "weekend",
        "weekends",
    ],
    months: &[
        "april",
        "august",
        "december",
        "february",
        "january",
        "july",
        "june",
        "march",
        "november",
        "october",
        "september",
    ],
    numbers: &[],
    stemming: Stemming::English,
    sound: Sound::None,
    out_of_scope: include_str!("../out_of_scope.txt"),
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Every lexicon's lists are sorted and free of duplicates, as the binary searches need.
    #[test]
    fn every_list_is_sorted() {
        for language in &super::super::LANGUAGES {
            let l = language.lexicon;
            for (name, list) in [
                ("fillers", l.fillers),
                ("stop_words", l.stop_words),
                ("no_evidence", l.no_evidence),
                ("days", l.days),
                ("months", l.months),
                ("numbers", l.numbers),
            ] {
                for pair in list.windows(2) {
                    assert!(
                        pair[0] < pair[1],
                        "{}: {name} not sorted at {:?}",
                        language.tag,
                        pair
                    );
                }
            }
            assert!(l.out_of_scope().count() >= 150, "{}", language.tag);
        }
    }

    #[test]
    fn sorted_orders_as_str_does() {
        let words = [
            "veintiseis",
            "dos",
            "",
            "veinte",
            "diez",
            "ciento",
            "cien",
            "ñu",
            "zeta",
        ];
        let mut expected = words;
        expected.sort_unstable();
        assert_eq!(sorted(words), expected);
        assert_eq!(sorted::<0>([]), [""; 0]);
        assert_eq!(sorted(["b", "a"]), ["a", "b"]);
    }

    #[test]
    fn spanish_stems_meet_with_or_without_accents() {
        let s = |w: &str| stem(Stemming::Spanish, w);
        assert_eq!(s("cancelar"), s("cancelacion"));
        assert_eq!(s("cancelaciones"), s("cancelo"));
        assert_eq!(s("reservacion"), s("reservar"));
        assert_eq!(s("citas"), s("cita"));
        assert!(s("informacion").is_ascii());
    }

    #[test]
    fn english_is_unchanged() {
        assert_eq!(stem(Stemming::English, "bookings"), "book");
        assert_eq!(stem(Stemming::English, "#day"), "#day");
    }

    #[test]
    fn pinyin_groups_homophones() {
        let zh = &super::super::zh::LEXICON;
        assert_eq!(zh.sound("寄"), zh.sound("记"));
        assert_eq!(zh.sound("在"), zh.sound("再"));
        assert_ne!(zh.sound("寄"), zh.sound("件"));
        assert_eq!(zh.sound("寄件"), None);
        assert_eq!(ENGLISH.sound("ji"), None);
    }
}
