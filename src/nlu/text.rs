//! Text normalisation for intent matching.
//!
//! Callers reach the bot through a speech recogniser, and bot authors type their sample
//! utterances by hand, so the same request arrives in many spellings: "What's", "whats" and
//! "what is"; "two", "2" and "Two."; "I'd like", "i would like"; "wanna" and "want to". The
//! matcher only compares tokens and character n-grams, so everything that should count as the
//! same has to be made textually identical first. [`normalize`] does that, and it is applied to
//! samples and to caller utterances alike, which matters more than any single rule being
//! linguistically perfect: a rule that is "wrong" but applied consistently on both sides costs
//! nothing.
//!
//! What [`normalize`] does, in order:
//! - lower-cases (Unicode-aware) and folds common Latin accents ("café" -> "cafe");
//! - drops Autopilot field placeholders such as `{first_name}` from tagged sample text (a
//!   caller never says the braces, and the slot value carries no intent);
//! - turns every character that is not a letter or digit into a space, keeping apostrophes only
//!   inside words, then expands contractions: "what's" -> "what is", "I'd" -> "i would",
//!   "can't" -> "can not", "don't" -> "do not", "we're" -> "we are"; a possessive "'s" is
//!   dropped ("today's" -> "today"). The recogniser often omits the apostrophe, so the common
//!   apostrophe-less spellings ("whats", "dont", "im", "thats") are expanded the same way;
//!   "id" and "ill" are deliberately not, since they are also real words;
//! - unifies casual forms: "wanna" -> "want to", "gonna" -> "going to", "gotta", "gimme", "lemme";
//! - writes spoken numbers as digits: "two" -> "2", "twenty five" -> "25", "first" -> "1st";
//!   splits digits from letters ("4pm" -> "4 pm", but "1st" stays one token);
//! - collapses whitespace.
//!
//! Homophones. "four"/"for" and "two"/"to"/"too" cannot be told apart from the sound, and the
//! recogniser picks by its own language model. We map only the number spellings ("four",
//! "two") to digits and leave "for", "to" and "too" alone: those are prepositions in the vast
//! majority of utterances, and turning every "for" into "4" would corrupt far more requests than
//! it would fix. The damage of the rare misrecognition is small anyway, because the matcher
//! treats numbers and these short function words as weak evidence (see
//! [`Lexicon::is_stop_word`](crate::nlu::lang::lexicon::Lexicon::is_stop_word)).
//! "second" is not turned into "2nd" for the same reason ("wait a second").
//!
//! Filler words ("um", "uh", "please") and stop words are *not* removed here: normalisation is
//! meant to be a faithful, readable rewrite that authors can see in logs. The matcher decides
//! how much each token weighs, using its language's
//! [`Lexicon`](crate::nlu::lang::lexicon::Lexicon).
//!
//! The output contains only lower-case letters, digits and single spaces, and normalising twice
//! gives the same string as normalising once.

use std::borrow::Cow;

/// Sounds and courtesy words that never carry intent; the matcher drops them before matching.
///
/// Sorted, so [`Lexicon::is_filler`](crate::nlu::lang::lexicon::Lexicon::is_filler) can
/// binary-search it.
pub const FILLERS: &[&str] = &[
    "ah", "eh", "er", "erm", "hm", "hmm", "mhm", "mm", "please", "pls", "plz", "uh", "uhh", "uhm",
    "um", "umm",
];

/// Function words and generic request verbs ("I want to", "can you", "would like") that appear
/// in requests for every task; the matcher keeps them but gives them a small weight.
///
/// A fixed list is used in addition to IDF because small assistants (two or three tasks) have
/// too few tasks for IDF to tell "to" from "register". Negations ("no", "not") and question
/// words ("what", "where", "when") are deliberately absent: they often decide the task.
/// Sorted, so [`Lexicon::is_stop_word`](crate::nlu::lang::lexicon::Lexicon::is_stop_word) can
/// binary-search it.
pub const STOP_WORDS: &[&str] = &[
    "a", "about", "also", "am", "an", "and", "any", "are", "at", "be", "been", "being", "by",
    "can", "could", "did", "do", "does", "for", "from", "going", "had", "has", "have", "i", "in",
    "into", "is", "it", "its", "just", "let", "like", "may", "me", "might", "must", "my", "need",
    "of", "on", "or", "our", "really", "shall", "should", "so", "some", "the", "this", "to", "too",
    "us", "very", "want", "wanted", "was", "we", "were", "will", "with", "would", "you", "your",
];

/// Normalises an utterance (or a sample) for matching; see the module documentation for the
/// rules. Never panics; the result contains only lower-case letters, digits and single spaces.
pub fn normalize(text: &str) -> String {
    let cleaned = clean_chars(text);
    let mut words: Vec<Word> = Vec::new();
    for raw in cleaned.split_whitespace() {
        expand_raw_word(raw, &mut words);
    }
    join_numbers(&words)
}

/// Tokens of a normalised utterance: the words of `text` split on whitespace.
///
/// Intended for the output of [`normalize`] (`tokens(&normalize(s))`); on raw text it only
/// splits on whitespace and does no other clean-up. Returns owned strings so callers can keep
/// them after the normalised text is dropped.
pub fn tokens(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// Longest `{...}` field placeholder we skip; an unmatched or longer brace is treated as plain
/// punctuation, so a stray "{" cannot swallow the rest of an utterance.
const MAX_PLACEHOLDER: usize = 64;

/// Lower-cases, folds accents, removes placeholders, and replaces every character that is not a
/// letter, digit or in-word apostrophe with a space.
fn clean_chars(text: &str) -> String {
    let mut chars: Vec<char> = Vec::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            // The common case, without the Unicode case tables (same result).
            chars.push(fold_char(c.to_ascii_lowercase()));
        } else {
            for lc in c.to_lowercase() {
                chars.push(fold_char(lc));
            }
        }
    }
    let mut out = String::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '{' {
            let end = chars
                .iter()
                .skip(i + 1)
                .take(MAX_PLACEHOLDER)
                .position(|&d| d == '}');
            if let Some(len) = end {
                out.push(' ');
                i += len + 2;
                continue;
            }
        }
        if c == '\'' {
            // Keep an apostrophe only between a letter/digit and a letter ("what's", "o'clock"),
            // so quotes around words ('yes') disappear.
            let prev_ok = i > 0 && chars[i - 1].is_alphanumeric();
            let next_ok = chars.get(i + 1).is_some_and(|n| n.is_alphabetic());
            out.push(if prev_ok && next_ok { '\'' } else { ' ' });
        } else if crate::nlu::lang::is_han(c) {
            // Chinese is written without spaces: each character is a word here, so the
            // matcher's words are characters and its word pairs the two-character words most
            // of the language is made of, with no dictionary to segment by (and no wrong
            // segmentation to recover from when the recogniser picks a homophone).
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else if c.is_alphanumeric() {
            out.push(c);
        } else {
            out.push(' ');
        }
        i += 1;
    }
    out
}

/// Folds the accented Latin letters common in names and loanwords, and unifies the apostrophe
/// look-alikes that keyboards and recognisers produce.
pub(crate) fn fold_char(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'ç' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
        'ý' | 'ÿ' => 'y',
        '\u{2019}' | '\u{2018}' | '\u{02bc}' | '`' | '\u{00b4}' => '\'',
        // Full-width digits and letters, as Chinese keyboards and recognisers write them.
        '\u{ff10}'..='\u{ff19}' | '\u{ff41}'..='\u{ff5a}' => {
            // The full-width block mirrors ASCII at a fixed distance.
            char::from_u32(c as u32 - 0xfee0).unwrap_or(c)
        }
        _ => c,
    }
}

/// One output word, remembering whether it came from a spoken number word so that only
/// "twenty five" (and not a literal "20 5") is merged into "25". The text borrows from the
/// cleaned input or a rewrite table whenever it can: normalisation runs for every sample at
/// load time and every utterance, and a `String` per word was most of its cost.
struct Word<'a> {
    text: Cow<'a, str>,
    spoken_number: bool,
}

/// Words before "'s" that make it "is" rather than a possessive.
const S_IS: &[&str] = &[
    "he", "here", "how", "it", "she", "that", "there", "what", "when", "where", "who", "why",
];

/// Expands one whitespace-delimited word (which may contain apostrophes) into output words.
fn expand_raw_word<'a>(raw: &'a str, out: &mut Vec<Word<'a>>) {
    let Some((stem, rest)) = raw.split_once('\'') else {
        split_alnum(raw, out);
        return;
    };
    let suffix: String = rest.chars().filter(|&c| c != '\'').collect();
    let (base, tail): (Cow<'a, str>, Option<&'static str>) = match suffix.as_str() {
        "t" if stem.ends_with('n') => match stem {
            "won" => ("will".into(), Some("not")),
            "can" => ("can".into(), Some("not")),
            "shan" => ("shall".into(), Some("not")),
            "ain" => ("is".into(), Some("not")),
            _ => (stem[..stem.len() - 1].into(), Some("not")),
        },
        "s" if stem == "let" => ("let".into(), Some("us")),
        "s" if S_IS.contains(&stem) => (stem.into(), Some("is")),
        "s" => (stem.into(), None),
        "re" => (stem.into(), Some("are")),
        "ve" => (stem.into(), Some("have")),
        "m" => (stem.into(), Some("am")),
        "ll" => (stem.into(), Some("will")),
        "d" => (stem.into(), Some("would")),
        _ => (format!("{stem}{suffix}").into(), None),
    };
    match base {
        Cow::Borrowed(base) => split_alnum(base, out),
        Cow::Owned(base) => {
            // Rebuilt without its apostrophes ("o'clock"): the pieces cannot borrow from it.
            let mut pieces = Vec::new();
            split_alnum(&base, &mut pieces);
            out.extend(pieces.into_iter().map(|w| Word {
                text: Cow::Owned(w.text.into_owned()),
                spoken_number: w.spoken_number,
            }));
        }
    }
    if let Some(t) = tail {
        push_mapped(t, out);
    }
}

/// Splits a word at letter/digit boundaries ("4pm" -> "4", "pm"), keeping ordinals ("21st")
/// whole, and maps each piece.
fn split_alnum<'a>(word: &'a str, out: &mut Vec<Word<'a>>) {
    if is_ordinal(word) {
        out.push(Word {
            text: Cow::Borrowed(word),
            spoken_number: false,
        });
        return;
    }
    let mut start = 0;
    let mut prev_digit: Option<bool> = None;
    for (i, c) in word.char_indices() {
        let digit = c.is_ascii_digit();
        if prev_digit.is_some_and(|p| p != digit) {
            push_mapped(&word[start..i], out);
            start = i;
        }
        prev_digit = Some(digit);
    }
    if start < word.len() {
        push_mapped(&word[start..], out);
    }
}

/// True for "1st", "22nd", "3rd", "14th".
fn is_ordinal(word: &str) -> bool {
    let digits = word.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && matches!(&word[digits..], "st" | "nd" | "rd" | "th")
}

/// Pushes `word` after applying the whole-word rewrites (apostrophe-less contractions, casual
/// forms, number words).
fn push_mapped<'a>(word: &'a str, out: &mut Vec<Word<'a>>) {
    if word.is_empty() {
        return;
    }
    if let Some(replacement) = rewrite(word) {
        for w in replacement.split(' ') {
            out.push(Word {
                text: Cow::Borrowed(w),
                spoken_number: false,
            });
        }
        return;
    }
    if let Some(n) = number_word(word) {
        out.push(Word {
            text: Cow::Borrowed(n),
            spoken_number: true,
        });
        return;
    }
    out.push(Word {
        text: Cow::Borrowed(word),
        spoken_number: false,
    });
}

/// Whole-word rewrites. Recognisers usually drop apostrophes, so "dont" must land where
/// "don't" does; the casual forms are cheap to unify and common in transcripts.
fn rewrite(word: &str) -> Option<&'static str> {
    Some(match word {
        "dont" => "do not",
        "doesnt" => "does not",
        "didnt" => "did not",
        "isnt" => "is not",
        "arent" => "are not",
        "wasnt" => "was not",
        "werent" => "were not",
        "cant" | "cannot" => "can not",
        "wont" => "will not",
        "couldnt" => "could not",
        "wouldnt" => "would not",
        "shouldnt" => "should not",
        "havent" => "have not",
        "hasnt" => "has not",
        "im" => "i am",
        "ive" => "i have",
        "youre" => "you are",
        "youve" => "you have",
        "youll" => "you will",
        "youd" => "you would",
        "theyre" => "they are",
        "thats" => "that is",
        "whats" => "what is",
        "wheres" => "where is",
        "whos" => "who is",
        "hows" => "how is",
        "whens" => "when is",
        "theres" => "there is",
        "heres" => "here is",
        "lets" => "let us",
        "wanna" => "want to",
        "gonna" => "going to",
        "gotta" => "got to",
        "gimme" => "give me",
        "lemme" => "let me",
        "kinda" => "kind of",
        "dunno" => "do not know",
        "ok" => "okay",
        // Same word, two spellings: only the one in the samples would match otherwise.
        "somebody" => "someone",
        "anybody" => "anyone",
        "everybody" => "everyone",
        "nobody" => "no one",
        _ => return None,
    })
}

/// Digits for a spoken number word, or None.
fn number_word(word: &str) -> Option<&'static str> {
    Some(match word {
        "zero" => "0",
        "one" => "1",
        "two" => "2",
        "three" => "3",
        "four" => "4",
        "five" => "5",
        "six" => "6",
        "seven" => "7",
        "eight" => "8",
        "nine" => "9",
        "ten" => "10",
        "eleven" => "11",
        "twelve" => "12",
        "thirteen" => "13",
        "fourteen" => "14",
        "fifteen" => "15",
        "sixteen" => "16",
        "seventeen" => "17",
        "eighteen" => "18",
        "nineteen" => "19",
        "twenty" => "20",
        "thirty" => "30",
        "forty" => "40",
        "fifty" => "50",
        "sixty" => "60",
        "seventy" => "70",
        "eighty" => "80",
        "ninety" => "90",
        "hundred" => "100",
        "thousand" => "1000",
        "first" => "1st",
        "third" => "3rd",
        "fourth" => "4th",
        "fifth" => "5th",
        "sixth" => "6th",
        "seventh" => "7th",
        "eighth" => "8th",
        "ninth" => "9th",
        "tenth" => "10th",
        "eleventh" => "11th",
        "twelfth" => "12th",
        "thirteenth" => "13th",
        "fourteenth" => "14th",
        "fifteenth" => "15th",
        "sixteenth" => "16th",
        "seventeenth" => "17th",
        "eighteenth" => "18th",
        "nineteenth" => "19th",
        "twentieth" => "20th",
        "thirtieth" => "30th",
        _ => return None,
    })
}

/// Joins the words, merging a spoken tens word with a following spoken unit
/// ("twenty" "five" -> "25", "thirty" "first" -> "31st").
fn join_numbers(words: &[Word]) -> String {
    let mut out = String::with_capacity(words.iter().map(|w| w.text.len() + 1).sum());
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        // "20".."90" only: "ten five" is not fifteen.
        let is_tens = w.spoken_number
            && w.text.len() == 2
            && w.text.ends_with('0')
            && !w.text.starts_with('1');
        let unit = words
            .get(i + 1)
            .filter(|n| is_tens && n.spoken_number)
            .and_then(|n| single_digit_unit(&n.text));
        if !out.is_empty() {
            out.push(' ');
        }
        match unit {
            Some((digit, suffix)) => {
                out.push_str(&w.text[..1]);
                out.push(digit);
                out.push_str(suffix);
                i += 1;
            }
            None => out.push_str(&w.text),
        }
        i += 1;
    }
    out
}

/// Splits "5" into ('5', "") and "5th" into ('5', "th"); None for anything that is not a single
/// non-zero digit, optionally with an ordinal suffix.
fn single_digit_unit(text: &str) -> Option<(char, &str)> {
    let mut chars = text.chars();
    let digit = chars.next().filter(|d| ('1'..='9').contains(d))?;
    let suffix = chars.as_str();
    (suffix.is_empty() || is_ordinal(text)).then_some((digit, suffix))
}

#[cfg(test)]
mod tests {
    #[test]
    fn chinese_is_split_into_characters_and_full_width_forms_folded() {
        assert_eq!(super::normalize("我要订餐！"), "我 要 订 餐");
        assert_eq!(super::normalize("订３个人的位子"), "订 3 个 人 的 位 子");
        assert_eq!(super::normalize("ＡＢＣ123"), super::normalize("ABC123"));
        assert_eq!(super::normalize("book 一个 table"), "book 一 个 table");
    }

    use super::*;

    #[test]
    fn word_lists_are_sorted_for_binary_search() {
        assert!(FILLERS.windows(2).all(|w| w[0] < w[1]));
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn every_stop_word_is_found_and_longer_words_are_not() {
        use crate::nlu::lang::lexicon::ENGLISH;
        assert!(STOP_WORDS.iter().all(|w| ENGLISH.is_stop_word(w)));
        assert!(!ENGLISH.is_stop_word("register") && !ENGLISH.is_stop_word("wanteds"));
    }

    #[test]
    fn normalisation_table() {
        let cases = [
            ("REGISTER!!!", "register"),
            ("What's the time?", "what is the time"),
            ("whats the time", "what is the time"),
            ("I'd like to sign up", "i would like to sign up"),
            ("I can't hear you", "i can not hear you"),
            ("I won’t do that", "i will not do that"),
            ("don't", "do not"),
            ("dont", "do not"),
            ("today's special", "today special"),
            ("let's go", "let us go"),
            ("I wanna book", "i want to book"),
            ("a table for four", "a table for 4"),
            ("a table for 4", "a table for 4"),
            ("twenty five people", "25 people"),
            ("twenty-five", "25"),
            ("the twenty first", "the 21st"),
            ("20 5", "20 5"),
            ("ten five", "10 5"),
            ("at 4pm", "at 4 pm"),
            ("the 1st of may", "the 1st of may"),
            ("  lots   of\tspace\n", "lots of space"),
            ("Café crème", "cafe creme"),
            ("my name is {first_name}", "my name is"),
            ("a { stray brace", "a stray brace"),
            ("'quoted' words", "quoted words"),
            ("sign-up", "sign up"),
            ("", ""),
            ("🙂🙂", ""),
            ("ok", "okay"),
        ];
        let mut failures = Vec::new();
        for (input, expected) in cases {
            let got = normalize(input);
            if got != expected {
                failures.push(format!("{input:?}: expected {expected:?}, got {got:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn normalisation_is_idempotent() {
        for s in [
            "What's up? I'd like 2 tables for twenty-five, at 4pm on the 21st!",
            "Don't   CANCEL {x} my booking",
            "İstanbul ﬁve ½ ²",
            "whats wanna gonna",
        ] {
            let once = normalize(s);
            assert_eq!(normalize(&once), once, "input {s:?}");
        }
    }

    #[test]
    fn output_alphabet_is_letters_digits_and_single_spaces() {
        let s = normalize("\u{0}\u{7}ctrl\r\n chars\u{202e} and {{nested}} 'n' stuff — ok?");
        assert!(!s.starts_with(' ') && !s.ends_with(' ') && !s.contains("  "));
        assert!(s.chars().all(|c| c == ' ' || c.is_alphanumeric()), "{s:?}");
    }

    #[test]
    fn tokens_split_on_whitespace() {
        assert_eq!(tokens("sign me  up"), vec!["sign", "me", "up"]);
        assert!(tokens("   ").is_empty());
    }

    #[test]
    fn filler_and_stop_words() {
        use crate::nlu::lang::lexicon::ENGLISH;
        assert!(ENGLISH.is_filler("um") && ENGLISH.is_filler("please"));
        assert!(!ENGLISH.is_filler("register"));
        assert!(ENGLISH.is_stop_word("the") && ENGLISH.is_stop_word("want"));
        assert!(!ENGLISH.is_stop_word("no"));
    }
}
