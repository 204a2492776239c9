//! `Twilio.YES_NO`: "Yes" or "No".
//!
//! Callers confirm in many ways ("yeah", "that's right", "uh-huh", "no
//! thanks", "I don't think so"), often inside a longer sentence ("yes, I'd
//! like to book"). The answer is scanned for known phrases, longest match
//! first, so "not really" counts as one "no" rather than a "no"-ish "not"
//! and a "yes"-ish "really". If the answer holds both a yes and a no ("yes
//! no"), or a hedge ("maybe", "I don't know"), there is no answer: better to
//! ask again than to act on a guess.
//!
//! Keypad: 1 = Yes, 2 = No (the usual IVR convention); nothing else.

use super::{Answer, framing, keypad_digits, words};

/// What a phrase says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Polarity {
    Yes,
    No,
    /// A hedge: the caller did not decide.
    Unsure,
}

/// Phrases and what they mean. Multi-word phrases take priority over their
/// parts because matching is longest first.
const PHRASES: &[(&[&str], Polarity)] = &[
    // Yes.
    (&["yes"], Polarity::Yes),
    (&["yeah"], Polarity::Yes),
    (&["yea"], Polarity::Yes),
    (&["yep"], Polarity::Yes),
    (&["yup"], Polarity::Yes),
    (&["ya"], Polarity::Yes),
    (&["yah"], Polarity::Yes),
    (&["yeh"], Polarity::Yes),
    (&["aye"], Polarity::Yes),
    (&["sure"], Polarity::Yes),
    (&["correct"], Polarity::Yes),
    (&["right"], Polarity::Yes),
    (&["that's", "right"], Polarity::Yes),
    (&["that", "is", "right"], Polarity::Yes),
    (&["all", "right"], Polarity::Yes),
    (&["alright"], Polarity::Yes),
    (&["affirmative"], Polarity::Yes),
    (&["ok"], Polarity::Yes),
    (&["okay"], Polarity::Yes),
    (&["okey"], Polarity::Yes),
    (&["absolutely"], Polarity::Yes),
    (&["definitely"], Polarity::Yes),
    (&["certainly"], Polarity::Yes),
    (&["indeed"], Polarity::Yes),
    (&["exactly"], Polarity::Yes),
    (&["of", "course"], Polarity::Yes),
    (&["please", "do"], Polarity::Yes),
    (&["go", "ahead"], Polarity::Yes),
    (&["sounds", "good"], Polarity::Yes),
    (&["fine"], Polarity::Yes),
    (&["you", "bet"], Polarity::Yes),
    (&["uh", "huh"], Polarity::Yes),
    (&["uh", "hu"], Polarity::Yes),
    (&["mm", "hmm"], Polarity::Yes),
    (&["mhm"], Polarity::Yes),
    (&["mmhmm"], Polarity::Yes),
    (&["no", "problem"], Polarity::Yes),
    (&["not", "a", "problem"], Polarity::Yes),
    (&["why", "not"], Polarity::Yes),
    (&["please"], Polarity::Yes),
    (&["please", "don't"], Polarity::No),
    (&["please", "do", "not"], Polarity::No),
    (&["that", "works"], Polarity::Yes),
    (&["that's", "fine"], Polarity::Yes),
    (&["go", "for", "it"], Polarity::Yes),
    (&["do", "it"], Polarity::Yes),
    (&["i'd", "like", "that"], Polarity::Yes),
    (&["i", "think", "so"], Polarity::Yes),
    (&["i", "guess", "so"], Polarity::Yes),
    (&["i", "believe", "so"], Polarity::Yes),
    (&["i", "suppose", "so"], Polarity::Yes),
    (&["i", "think", "not"], Polarity::No),
    (&["i", "guess", "not"], Polarity::No),
    (&["true"], Polarity::Yes),
    // No.
    (&["no"], Polarity::No),
    (&["nope"], Polarity::No),
    (&["nah"], Polarity::No),
    (&["naw"], Polarity::No),
    (&["nay"], Polarity::No),
    (&["negative"], Polarity::No),
    (&["incorrect"], Polarity::No),
    (&["wrong"], Polarity::No),
    (&["never"], Polarity::No),
    (&["not"], Polarity::No),
    (&["don't"], Polarity::No),
    (&["do", "not"], Polarity::No),
    (&["not", "really"], Polarity::No),
    (&["not", "at", "all"], Polarity::No),
    (&["no", "thanks"], Polarity::No),
    (&["no", "thank", "you"], Polarity::No),
    (&["i", "don't", "think", "so"], Polarity::No),
    (&["don't", "think", "so"], Polarity::No),
    (&["that's", "wrong"], Polarity::No),
    (&["that's", "not", "right"], Polarity::No),
    (&["that", "is", "not", "right"], Polarity::No),
    (&["of", "course", "not"], Polarity::No),
    (&["absolutely", "not"], Polarity::No),
    (&["definitely", "not"], Polarity::No),
    (&["certainly", "not"], Polarity::No),
    (&["uh", "uh"], Polarity::No),
    (&["false"], Polarity::No),
    // Hedges.
    (&["maybe"], Polarity::Unsure),
    (&["perhaps"], Polarity::Unsure),
    (&["not", "sure"], Polarity::Unsure),
    (&["unsure"], Polarity::Unsure),
    (&["don't", "know"], Polarity::Unsure),
    (&["dunno"], Polarity::Unsure),
    (&["no", "idea"], Polarity::Unsure),
    (&["not", "yet"], Polarity::Unsure),
    (&["i", "guess"], Polarity::Unsure),
    (&["possibly"], Polarity::Unsure),
];

/// Words that turn a following "yes" phrase into a "no" ("not okay",
/// "isn't right").
const NEGATORS: &[&str] = &["not", "isn't", "don't", "never"];

/// Parses a `Twilio.YES_NO` answer to "Yes" or "No".
pub(super) fn parse(answer: Answer<'_>) -> Option<String> {
    let polarity = match answer {
        Answer::Digits(d) => match keypad_digits(d).as_str() {
            "1" => Polarity::Yes,
            "2" => Polarity::No,
            _ => return None,
        },
        Answer::Speech(text) => speech_polarity(&framing::core(text, framing::Profile::YesNo))?,
    };
    match polarity {
        Polarity::Yes => Some("Yes".to_string()),
        Polarity::No => Some("No".to_string()),
        Polarity::Unsure => None,
    }
}

/// The longest phrase starting at `words[i..]`, with its length.
fn longest_phrase(words: &[String]) -> Option<(Polarity, usize)> {
    PHRASES
        .iter()
        .filter(|(phrase, _)| {
            phrase.len() <= words.len() && words.iter().zip(phrase.iter()).all(|(w, p)| w == p)
        })
        .max_by_key(|(phrase, _)| phrase.len())
        .map(|(phrase, polarity)| (*polarity, phrase.len()))
}

/// The single polarity the transcript expresses, or None when it expresses
/// none, both, or a hedge.
fn speech_polarity(text: &str) -> Option<Polarity> {
    let words = words(text);
    let mut found_yes = false;
    let mut found_no = false;
    let mut i = 0;
    while let Some(rest) = words.get(i..) {
        if rest.is_empty() {
            break;
        }
        let Some((mut polarity, mut len)) = longest_phrase(rest) else {
            i += 1;
            continue;
        };
        // "not okay": a negator followed by a yes phrase that is not itself
        // part of a longer known phrase means no.
        if rest.first().is_some_and(|w| NEGATORS.contains(&w.as_str()))
            && len == 1
            && let Some((Polarity::Yes, next_len)) = rest.get(1..).and_then(longest_phrase)
        {
            polarity = Polarity::No;
            len = 1 + next_len;
        }
        match polarity {
            Polarity::Yes => found_yes = true,
            Polarity::No => found_no = true,
            Polarity::Unsure => return None,
        }
        i += len;
    }
    match (found_yes, found_no) {
        (true, false) => Some(Polarity::Yes),
        (false, true) => Some(Polarity::No),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::BuiltinType;
    use super::super::tests::{check_digits, check_speech};

    const YES_NO_SPEECH: &[(&str, Option<&str>)] = &[
        ("yes", Some("Yes")),
        ("Yes.", Some("Yes")),
        ("yeah", Some("Yes")),
        ("yep", Some("Yes")),
        ("sure", Some("Yes")),
        ("correct", Some("Yes")),
        ("right", Some("Yes")),
        ("that's right", Some("Yes")),
        ("thats right", Some("Yes")),
        ("affirmative", Some("Yes")),
        ("ok", Some("Yes")),
        ("Okay.", Some("Yes")),
        ("absolutely", Some("Yes")),
        ("of course", Some("Yes")),
        ("please do", Some("Yes")),
        ("uh-huh", Some("Yes")),
        ("yes please I'd like to book", Some("Yes")),
        ("yes yes", Some("Yes")),
        ("no problem", Some("Yes")),
        ("no", Some("No")),
        ("No.", Some("No")),
        ("nope", Some("No")),
        ("nah", Some("No")),
        ("negative", Some("No")),
        ("not really", Some("No")),
        ("no thanks", Some("No")),
        ("no thank you", Some("No")),
        ("incorrect", Some("No")),
        ("that's wrong", Some("No")),
        ("that's not right", Some("No")),
        ("I don't think so", Some("No")),
        ("absolutely not", Some("No")),
        ("of course not", Some("No")),
        ("not okay", Some("No")),
        ("uh-uh", Some("No")),
        ("no I want to cancel", Some("No")),
        ("yes no", None),
        ("yeah nah", None),
        ("maybe", None),
        ("I'm not sure", None),
        ("I don't know", None),
        ("I dont know", None),
        ("no idea", None),
        ("hello", None),
        ("uh", None),
        ("", None),
    ];

    const YES_NO_DIGITS: &[(&str, Option<&str>)] = &[
        ("1", Some("Yes")),
        ("2", Some("No")),
        ("1#", Some("Yes")),
        ("9", None),
        ("12", None),
        ("", None),
        ("*", None),
    ];

    #[test]
    fn yes_no_table() {
        check_speech(BuiltinType::YesNo, YES_NO_SPEECH);
        check_digits(BuiltinType::YesNo, YES_NO_DIGITS);
    }
}
