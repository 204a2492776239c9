//! Spanish (`es`): how US and Mexican Spanish speakers say numbers, digit strings, dates, times,
//! yes and no, and their names, read from a speech recogniser's transcript or a text message.
//!
//! Recognisers write the same answer with and without accents ("mañana"/"manana", "sí"/"si"), in
//! any case, with stray punctuation and with the fillers of speech ("eh", "este", "pues"). So every
//! parser but [`Parsers::name`] first folds case, accents and the tilde away and splits the answer
//! into words (`words`); a name keeps the caller's spelling, since it is returned as said.
//!
//! Where Spanish leaves a choice, these rules were chosen (the tables in
//! `tests/data/answers/es/` pin them down):
//! - Weekdays. "el martes", "el próximo martes", "el martes que viene" are the first Tuesday
//!   after today (a week from today when today is Tuesday: whoever means today says "hoy");
//!   "este martes" is the first Tuesday on or after today (today when it is Tuesday); "el martes
//!   de la semana que viene" is the Tuesday of next week (weeks start on Monday); "el martes
//!   pasado" is the last Tuesday before today.
//! - Parts of the day. "de la noche": 6–11 are the evening (9 → 21:00), 12 is midnight (0:00)
//!   and 1–5 the small hours, as in "las tres de la noche" (3:00). "de la madrugada": as said, 12
//!   → 0:00. "de la mañana": as said, and "las doce de la mañana" is noon, as callers use it;
//!   "12 a. m." is 0:00 as on an English clock. "de la tarde"/"p. m.": 1–11 plus 12. "del
//!   mediodía"/"del día": 1–5 plus 12 ("la una del mediodía" → 13:00).
//! - "o" as zero: recognisers write it for a zero said inside a digit string ("cinco cinco o
//!   uno" → 5501), but it is also "or". It is read as zero only between digits, in a string
//!   with at least three other digits; otherwise the answer is a choice ("cinco o seis") and
//!   gives None.
//! - "más" as plus. "más" or "signo más" before the first digit of a phone number is the plus
//!   of a country code ("más uno cuatro uno cinco…" → +1415…), as English "plus" is. Anywhere
//!   else it is "more" (or part of "más o menos"), and the answer is not a phone number.
//! - Written numbers. A single "." or "," followed by exactly three digits groups thousands
//!   ("1.500", "1,500" → 1500), as both the Mexican and the Spanish conventions write them; any
//!   other single separator is the decimal point ("3,5", "7.25"). With both marks the last is
//!   the decimal point ("2.500,75", "2,500.75").
//!
//! Nothing here panics: every answer is bounded (`MAX_CHARS`) and all indexing is checked.

use chrono::{Datelike, Months, NaiveDate, Weekday};

use super::lexicon::{Lexicon, Sound, Stemming};
use super::{Decimal, Parsers, Region, SpokenTime, longest, walk};
use crate::nlu::calendar::{
    add_days, next_day_of_month, next_month_day, weekday_after, weekday_before, weekday_of_week,
    weekday_on_or_after,
};

/// Answers longer than this many characters are refused before any work: nobody says a number,
/// a date or a name in a paragraph, and it bounds the work done on hostile input.
const MAX_CHARS: usize = 500;

/// Spanish as US and Mexican callers speak and text it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Spanish;

impl Parsers for Spanish {
    fn number(&self, text: &str) -> Option<String> {
        parse_number(text)
    }

    fn digits(&self, text: &str) -> Option<String> {
        parse_digits(text)
    }

    fn phone(&self, text: &str, region: &Region) -> Option<String> {
        parse_phone(text, region)
    }

    fn date(&self, text: &str, today: NaiveDate) -> Option<NaiveDate> {
        parse_date(text, today)
    }

    fn time(&self, text: &str) -> Option<SpokenTime> {
        parse_time(text)
    }

    fn yes_no(&self, text: &str) -> Option<bool> {
        parse_yes_no(text)
    }

    fn name(&self, text: &str) -> Option<String> {
        parse_name(text)
    }

    fn part_of_day(&self, text: &str) -> Option<bool> {
        // Accents are often missing from transcripts: "manana", "mediodia".
        super::one_of(
            text,
            &["mañana", "manana", "madrugada", "a. m.", "a.m."],
            &["tarde", "noche", "p. m.", "p.m."],
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Words

/// Whether an answer is too long to read (see [`MAX_CHARS`]); stops counting at the limit.
fn too_long(text: &str) -> bool {
    text.chars().nth(MAX_CHARS).is_some()
}

/// One character without its accent or tilde (after lower-casing): recognisers drop them.
fn fold_char(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        _ => c,
    }
}

/// Lower case without accents. Combining accents (text typed in decomposed form) are dropped
/// too, so "si\u{301}" is "si" like "sí".
fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(fold_char)
        .collect()
}

/// The answer as folded words, or None when it is too long to read.
///
/// Punctuation separates words, except `. , : / -` between two digits, which stay inside the
/// number they belong to ("3,5", "15:30", "15/03", "415-555-0100"), and a minus sign before a
/// digit ("-4"). Digits and letters written together are split ("7pm" → "7", "pm"). Words a
/// recogniser split in two are joined again ("dieci seis" → "dieciseis", "medio día").
fn words(text: &str) -> Option<Vec<String>> {
    if too_long(text) {
        return None;
    }
    let chars: Vec<char> = fold(text).chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let prev_digit = i
            .checked_sub(1)
            .and_then(|j| chars.get(j))
            .is_some_and(char::is_ascii_digit);
        let next_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c.is_alphanumeric() {
            let boundary = cur.chars().last().is_some_and(|last| {
                (last.is_ascii_digit() && !c.is_ascii_digit())
                    || (last.is_alphabetic() && c.is_ascii_digit())
            });
            if boundary {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(c);
        } else {
            let inside_number = matches!(c, '.' | ',' | ':' | '/' | '-') && prev_digit;
            let sign = c == '-' && cur.is_empty();
            if next_digit && (inside_number || sign) {
                cur.push(c);
            } else if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Some(join_split_words(out))
}

/// Joins words a recogniser wrote in two: "dieci seis", "veinti dos", "medio día", "media noche".
fn join_split_words(split: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(split.len());
    for w in split {
        if let Some(prev) = out.last_mut() {
            let joined = match (prev.as_str(), w.as_str()) {
                ("dieci" | "veinti", _) => {
                    Some(format!("{prev}{w}")).filter(|j| num_word(j).is_some())
                }
                ("medio", "dia") => Some("mediodia".to_string()),
                ("media", "noche") => Some("medianoche".to_string()),
                _ => None,
            };
            if let Some(joined) = joined {
                *prev = joined;
                continue;
            }
        }
        out.push(w);
    }
    out
}

/// Borrowed views of owned words, for slice patterns.
fn views(words: &[String]) -> Vec<&str> {
    words.iter().map(String::as_str).collect()
}

/// How many words `phrase` (words separated by single spaces) covers at `at`, if it is there.
fn phrase_at<S: AsRef<str>>(words: &[S], at: usize, phrase: &str) -> Option<usize> {
    let mut n = 0;
    for p in phrase.split(' ') {
        if words.get(at + n).map(AsRef::as_ref) != Some(p) {
            return None;
        }
        n += 1;
    }
    Some(n)
}

/// The words without any of `phrases` (the longest said at a place wins) and without the single
/// words in `fillers`.
fn without<'a>(words: &[&'a str], phrases: &[&str], fillers: &[&str]) -> Vec<&'a str> {
    walk(words.len(), phrases, |at, p| phrase_at(words, at, p))
        .filter(|(_, phrase)| phrase.is_none())
        .filter_map(|(at, _)| words.get(at).copied())
        .filter(|w| !fillers.contains(w))
        .collect()
}

/// Whether a word is written with digits (possibly signed, with separators inside).
fn is_written_number(w: &str) -> bool {
    w.trim_start_matches('-')
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit())
}

/// A word of ASCII digits only, as a small number (at most four digits, so it cannot overflow).
fn small_digits(w: &str) -> Option<u32> {
    if w.is_empty() || w.len() > 4 || !w.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    w.parse().ok()
}

// ---------------------------------------------------------------------------------------------
// Numbers said in words

/// What a number word contributes to the number it is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumWord {
    /// "cero": a number on its own only.
    Zero,
    /// 1–9 ("uno", "un", "una", "dos"…).
    Unit(u64),
    /// 10–19 and 21–29, each said as one word ("once", "dieciséis", "veintidós").
    Whole(u64),
    /// 20, 30 … 90, which a unit may follow ("treinta y dos").
    Tens(u64),
    /// 100 … 900 ("cien", "ciento", "doscientos", "quinientas").
    Hundreds(u64),
    /// "mil".
    Thousand,
    /// "millón", "millones".
    Million,
}

/// Every number word (folded) and what it adds to a number: the words the parsers read, and the
/// ones the intent matcher takes for a number (see [`LEXICON`]), so the two cannot drift apart.
const NUMBER_WORDS: &[(&str, NumWord)] = {
    use NumWord::{Hundreds, Million, Tens, Thousand, Unit, Whole, Zero};
    &[
        ("cero", Zero),
        ("un", Unit(1)),
        ("uno", Unit(1)),
        ("una", Unit(1)),
        ("dos", Unit(2)),
        ("tres", Unit(3)),
        ("cuatro", Unit(4)),
        ("cinco", Unit(5)),
        ("seis", Unit(6)),
        ("siete", Unit(7)),
        ("ocho", Unit(8)),
        ("nueve", Unit(9)),
        ("diez", Whole(10)),
        ("once", Whole(11)),
        ("doce", Whole(12)),
        ("trece", Whole(13)),
        ("catorce", Whole(14)),
        ("quince", Whole(15)),
        ("dieciseis", Whole(16)),
        ("diecisiete", Whole(17)),
        ("dieciocho", Whole(18)),
        ("diecinueve", Whole(19)),
        ("veinte", Tens(20)),
        ("veintiun", Whole(21)),
        ("veintiuno", Whole(21)),
        ("veintiuna", Whole(21)),
        ("veintidos", Whole(22)),
        ("veintitres", Whole(23)),
        ("veinticuatro", Whole(24)),
        ("veinticinco", Whole(25)),
        ("veintiseis", Whole(26)),
        ("veintisiete", Whole(27)),
        ("veintiocho", Whole(28)),
        ("veintinueve", Whole(29)),
        ("treinta", Tens(30)),
        ("cuarenta", Tens(40)),
        ("cincuenta", Tens(50)),
        ("sesenta", Tens(60)),
        ("setenta", Tens(70)),
        ("ochenta", Tens(80)),
        ("noventa", Tens(90)),
        ("cien", Hundreds(100)),
        ("ciento", Hundreds(100)),
        ("doscientos", Hundreds(200)),
        ("doscientas", Hundreds(200)),
        ("trescientos", Hundreds(300)),
        ("trescientas", Hundreds(300)),
        ("cuatrocientos", Hundreds(400)),
        ("cuatrocientas", Hundreds(400)),
        ("quinientos", Hundreds(500)),
        ("quinientas", Hundreds(500)),
        ("seiscientos", Hundreds(600)),
        ("seiscientas", Hundreds(600)),
        ("setecientos", Hundreds(700)),
        ("setecientas", Hundreds(700)),
        ("ochocientos", Hundreds(800)),
        ("ochocientas", Hundreds(800)),
        ("novecientos", Hundreds(900)),
        ("novecientas", Hundreds(900)),
        ("mil", Thousand),
        ("millon", Million),
        ("millones", Million),
    ]
};

/// The number word `w` (folded), if it is one.
fn num_word(w: &str) -> Option<NumWord> {
    NUMBER_WORDS
        .iter()
        .find(|&&(word, _)| word == w)
        .map(|&(_, n)| n)
}

/// A whole number being read word by word. Each word is accepted only where Spanish puts it, so
/// "dos tres" stops after "dos" (two numbers, or digits said one by one) instead of adding up.
#[derive(Debug, Default)]
struct Cardinal {
    /// The millions already said, times a million.
    millions: u64,
    /// The thousands already said since, times a thousand.
    thousands: u64,
    /// What has been said since the last "mil" or "millón" (0–999).
    units: u64,
    /// The last word taken.
    last: Option<NumWord>,
}

impl Cardinal {
    /// Takes the next word if it can continue the number; false (and no change) if not.
    fn push(&mut self, w: NumWord) -> bool {
        let open_tens = self.units.is_multiple_of(100);
        let after_tens = matches!(self.last, Some(NumWord::Tens(_)));
        let ok = match w {
            NumWord::Zero => false,
            NumWord::Unit(v) if open_tens || after_tens => {
                self.units += v;
                true
            }
            NumWord::Whole(v) | NumWord::Tens(v) if open_tens => {
                self.units += v;
                true
            }
            NumWord::Hundreds(v) if self.units == 0 => {
                self.units = v;
                true
            }
            // "mil" once per million: "dos mil tres mil" is two numbers.
            NumWord::Thousand if self.thousands == 0 => {
                self.thousands = self.units.max(1) * 1_000;
                self.units = 0;
                true
            }
            // "millón" once: "mil millones" is read as one, as the thousands are still open.
            NumWord::Million if self.millions == 0 => {
                match (self.thousands + self.units).max(1).checked_mul(1_000_000) {
                    Some(m) => {
                        self.millions = m;
                        self.thousands = 0;
                        self.units = 0;
                        true
                    }
                    None => false,
                }
            }
            _ => false,
        };
        if ok {
            self.last = Some(w);
        }
        ok
    }

    fn value(&self) -> u64 {
        self.millions + self.thousands + self.units
    }
}

/// The longest whole number said in words at the start of `w`: its value and how many words it
/// took. "y" is taken only between tens and a unit ("cuarenta y dos").
fn cardinal(w: &[&str]) -> Option<(u64, usize)> {
    if w.first().and_then(|t| num_word(t)) == Some(NumWord::Zero) {
        return Some((0, 1));
    }
    let mut acc = Cardinal::default();
    let mut i = 0;
    let mut used = 0;
    while let Some(&t) = w.get(i) {
        if t == "y" {
            let after_tens = matches!(acc.last, Some(NumWord::Tens(_)));
            let unit_next = matches!(
                w.get(i + 1).and_then(|n| num_word(n)),
                Some(NumWord::Unit(_))
            );
            if after_tens && unit_next {
                i += 1;
                continue;
            }
            break;
        }
        let Some(nw) = num_word(t) else { break };
        if !acc.push(nw) {
            break;
        }
        i += 1;
        used = i;
    }
    (used > 0).then(|| (acc.value(), used))
}

/// The whole number said in all of `w` (words, or one word of digits), if that is all it is.
fn whole_number(w: &[&str]) -> Option<u64> {
    if let [one] = w
        && let Some(n) = small_digits(one)
    {
        return Some(u64::from(n));
    }
    match cardinal(w)? {
        (n, used) if used == w.len() => Some(n),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// number

/// Phrases around a quantity that say nothing about it. Listed as phrases where a word of them
/// would otherwise count ("más o menos" is not minus, "un total de" is not one).
const NUMBER_FILLER_PHRASES: &[&str] = &[
    "mas o menos",
    "un total de",
    "a ver",
    "yo creo que",
    "creo que",
    "por favor",
    "yo diria que",
    "yo diria",
    "mas bien",
];

/// Single words around a quantity: lead-ins, hedges and the units callers add.
const NUMBER_FILLERS: &[&str] = &[
    "eh",
    "em",
    "mm",
    "mmm",
    "ah",
    "este",
    "pues",
    "bueno",
    "son",
    "es",
    "serian",
    "seria",
    "unos",
    "unas",
    "como",
    "aproximadamente",
    "alrededor",
    "casi",
    "exactamente",
    "de",
    "el",
    "la",
    "numero",
    "cantidad",
    "total",
    "tengo",
    "anos",
    "somos",
    "personas",
    "pesos",
    "dolares",
    "gracias",
    "ok",
    "okey",
    "digamos",
];

/// A number written with digits: "42", "-4", "3,5", "1.500", "2,500.75" (see the module notes
/// on separators).
fn written_number(w: &str) -> Option<Decimal> {
    let (negative, body) = match w.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, w),
    };
    let is_sep = |c: char| c == '.' || c == ',';
    if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || is_sep(c)) {
        return None;
    }
    let groups: Vec<&str> = body.split(is_sep).collect();
    if groups.iter().any(|g| g.is_empty()) {
        return None;
    }
    let seps: Vec<char> = body.chars().filter(|&c| is_sep(c)).collect();
    let thousands = |groups: &[&str]| -> Option<String> {
        let (first, rest) = groups.split_first()?;
        let ok = first.len() <= 3 && rest.iter().all(|g| g.len() == 3);
        ok.then(|| groups.concat())
    };
    let (whole, fraction) = match seps.as_slice() {
        [] => (body.to_string(), String::new()),
        [_] => match groups.as_slice() {
            [a, b] if b.len() == 3 && a.len() <= 3 && *a != "0" => {
                (format!("{a}{b}"), String::new())
            }
            [a, b] => ((*a).to_string(), (*b).to_string()),
            _ => return None,
        },
        [.., last] if seps.iter().all(|s| s == last) => (thousands(&groups)?, String::new()),
        [.., last] => {
            // Mixed marks: the last is the decimal point, the others group thousands.
            let (int_part, frac) = body.rsplit_once(*last)?;
            if int_part.contains(*last) {
                return None;
            }
            let int_groups: Vec<&str> = int_part.split(is_sep).collect();
            (thousands(&int_groups)?, frac.to_string())
        }
    };
    Some(Decimal {
        negative,
        whole,
        fraction,
    })
}

/// How many zeros a scale word (or "mil millones") after a written number adds: "2 mil".
fn scale_zeros(w: &[&str]) -> Option<usize> {
    match w {
        ["mil"] => Some(3),
        ["millon" | "millones"] => Some(6),
        ["mil", "millones"] => Some(9),
        _ => None,
    }
}

/// `Twilio.NUMBER` in Spanish.
fn parse_number(text: &str) -> Option<String> {
    let owned = words(text)?;
    let all = views(&owned);
    let w = without(&all, NUMBER_FILLER_PHRASES, NUMBER_FILLERS);
    let (negative, body): (bool, &[&str]) = match w.as_slice() {
        ["menos" | "negativo", rest @ ..] => (true, rest),
        [rest @ .., "bajo", "cero"] => (true, rest),
        all => (false, all),
    };
    let mut n = unsigned_number(body)?;
    n.negative ^= negative;
    Some(n.render())
}

/// The quantity in `w` (no sign words), if that is all `w` says.
fn unsigned_number(w: &[&str]) -> Option<Decimal> {
    if let Some((first, rest)) = w.split_first()
        && is_written_number(first)
    {
        let n = written_number(first)?;
        if rest.is_empty() {
            return Some(n);
        }
        if let ["y", "medio" | "media"] = rest {
            // "3 y medio": a half after a whole number only.
            return n.fraction.is_empty().then(|| Decimal {
                fraction: "5".to_string(),
                ..n
            });
        }
        // "1.5 millones": a scale only after a positive number.
        if n.negative {
            return None;
        }
        return scale_zeros(rest).map(|z| n.shifted(z));
    }
    match w {
        ["medio"] => {
            return Some(Decimal {
                whole: "0".to_string(),
                fraction: "5".to_string(),
                ..Decimal::default()
            });
        }
        ["medio", "millon"] => return Some(Decimal::integer(500_000)),
        _ => {}
    }
    let fallback = || {
        // Digits said one by one ("uno nueve ocho cuatro"), as for a PIN or a year; two single
        // digits stay unread (a stutter, or two answers).
        let groups = digit_pieces(w)?;
        if groups.len() < 3 || groups.iter().any(|p| matches!(p, Piece::Oh)) {
            return None;
        }
        let whole: String = groups
            .iter()
            .filter_map(|p| match p {
                Piece::Digits(d) => Some(d.as_str()),
                Piece::Oh => None,
            })
            .collect();
        Some(Decimal {
            whole,
            ..Decimal::default()
        })
    };
    let Some((whole, used)) = cardinal(w) else {
        return fallback();
    };
    let rest = w.get(used..).unwrap_or_default();
    match rest {
        [] => Some(Decimal::integer(whole)),
        ["y", "medio" | "media"] => Some(Decimal {
            fraction: "5".to_string(),
            ..Decimal::integer(whole)
        }),
        ["punto" | "coma" | "con", frac @ ..] => {
            // "dos punto cinco millones": the scale applies to the whole number said.
            let (said, zeros) = match frac {
                [d @ .., "mil", "millon" | "millones"] => (d, 9),
                [d @ .., "millon" | "millones"] => (d, 6),
                [d @ .., "mil"] => (d, 3),
                d => (d, 0),
            };
            let scaled =
                |t: &&str| matches!(num_word(t), Some(NumWord::Thousand | NumWord::Million));
            if said.iter().any(scaled) {
                return None;
            }
            let fraction = digit_string(said, false)?;
            Some(
                Decimal {
                    fraction,
                    ..Decimal::integer(whole)
                }
                .shifted(zeros),
            )
        }
        _ => fallback(),
    }
}

// ---------------------------------------------------------------------------------------------
// digits

/// Phrases before or between the digits of a phone number, account or PIN.
const DIGITS_FILLER_PHRASES: &[&str] = &["a ver", "por favor", "muchas gracias"];

/// Words before or between the digits: lead-ins, names of the number, spoken separators. "y"
/// is here because callers join groups with it ("cuatro uno cinco y cinco cinco"); "cuarenta y
/// cinco" still reads as 45 without it.
const DIGITS_FILLERS: &[&str] = &[
    "mi",
    "su",
    "tu",
    "el",
    "la",
    "es",
    "son",
    "numero",
    "telefono",
    "celular",
    "cel",
    "codigo",
    "postal",
    "clave",
    "pin",
    "nip",
    "cuenta",
    "tarjeta",
    "folio",
    "referencia",
    "lada",
    "area",
    "extension",
    "de",
    "del",
    "eh",
    "em",
    "mm",
    "este",
    "pues",
    "bueno",
    "ok",
    "okey",
    "seria",
    "y",
    "guion",
    "espacio",
    "gracias",
];

/// A part of a digit string as said.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Digits said together: "cinco" → "5", "cuarenta y cinco" → "45", "415" → "415".
    Digits(String),
    /// "o": zero, or "or" (decided by [`digit_string`]).
    Oh,
}

/// The pieces of a digit string, or None if a word is neither digits nor "o".
fn digit_pieces(w: &[&str]) -> Option<Vec<Piece>> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&t) = w.get(i) {
        if t == "o" {
            out.push(Piece::Oh);
            i += 1;
        } else if is_written_number(t) {
            let d: String = t.chars().filter(char::is_ascii_digit).collect();
            out.push(Piece::Digits(d));
            i += 1;
        } else if let ("doble" | "triple", Some(next)) = (t, w.get(i + 1)) {
            // "doble cinco" → "55": only for a single digit.
            let digit =
                small_digits(next).filter(|_| next.len() == 1).or_else(|| {
                    match num_word(next) {
                        Some(NumWord::Zero) => Some(0),
                        Some(NumWord::Unit(u)) => u32::try_from(u).ok(),
                        _ => None,
                    }
                })?;
            let times = if t == "doble" { 2 } else { 3 };
            out.push(Piece::Digits(digit.to_string().repeat(times)));
            i += 2;
        } else {
            let (n, used) = cardinal(w.get(i..)?)?;
            out.push(Piece::Digits(n.to_string()));
            i += used;
        }
    }
    Some(out)
}

/// The digits said in `w`, in order. With `oh_is_zero`, an "o" between digits of a string of at
/// least three other digits is a zero; any other "o" means "or", and there is no answer.
fn digit_string(w: &[&str], oh_is_zero: bool) -> Option<String> {
    let pieces = digit_pieces(w)?;
    let is_digits = |p: &Piece| matches!(p, Piece::Digits(_));
    let first = pieces.iter().position(is_digits)?;
    let last = pieces.iter().rposition(is_digits)?;
    let said: usize = pieces
        .iter()
        .map(|p| match p {
            Piece::Digits(d) => d.len(),
            Piece::Oh => 0,
        })
        .sum();
    let mut out = String::new();
    for (i, p) in pieces.iter().enumerate() {
        match p {
            Piece::Digits(d) => out.push_str(d),
            Piece::Oh if oh_is_zero && first < i && i < last && said >= 3 => out.push('0'),
            Piece::Oh => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

/// A digit string in Spanish (phone numbers, PINs, account numbers).
fn parse_digits(text: &str) -> Option<String> {
    let owned = words(text)?;
    let all = views(&owned);
    let w = without(&all, DIGITS_FILLER_PHRASES, DIGITS_FILLERS);
    digit_string(&w, true)
}

/// How Spanish speakers say the plus before a country code ("más cincuenta y dos…"). Only
/// before the first digit: elsewhere "más" is "more" or part of "más o menos".
const PLUS_PHRASES: &[&str] = &["mas", "signo mas"];

/// A phone number in Spanish, in E.164 (see [`Parsers::phone`]).
fn parse_phone(text: &str, region: &Region) -> Option<String> {
    let owned = words(text)?;
    let all = views(&owned);
    let w = without(&all, DIGITS_FILLER_PHRASES, DIGITS_FILLERS);
    let plus = longest(PLUS_PHRASES, |p| phrase_at(&w, 0, p)).map(|(n, _)| n);
    let digits = digit_string(w.get(plus.unwrap_or(0)..)?, true)?;
    region.e164(&digits, plus.is_some() || super::written_plus(text))
}

// ---------------------------------------------------------------------------------------------
// date

/// The month a (folded) month name or abbreviation stands for.
fn month_number(w: &str) -> Option<u32> {
    Some(match w {
        "enero" | "ene" => 1,
        "febrero" | "feb" => 2,
        "marzo" | "mar" => 3,
        "abril" | "abr" => 4,
        "mayo" | "may" => 5,
        "junio" | "jun" => 6,
        "julio" | "jul" => 7,
        "agosto" | "ago" => 8,
        "septiembre" | "setiembre" | "sep" | "sept" => 9,
        "octubre" | "oct" => 10,
        "noviembre" | "nov" => 11,
        "diciembre" | "dic" => 12,
        _ => return None,
    })
}

/// The weekday a (folded) day name stands for.
fn weekday(w: &str) -> Option<Weekday> {
    Some(match w {
        "lunes" => Weekday::Mon,
        "martes" => Weekday::Tue,
        "miercoles" => Weekday::Wed,
        "jueves" => Weekday::Thu,
        "viernes" => Weekday::Fri,
        "sabado" => Weekday::Sat,
        "domingo" => Weekday::Sun,
        _ => return None,
    })
}

/// A day of the month said in all of `w`: "3", "tres", "treinta y uno", "primero".
fn day_value(w: &[&str]) -> Option<u32> {
    if let ["primero" | "primer"] = w {
        return Some(1);
    }
    let n = whole_number(w)?;
    u32::try_from(n).ok().filter(|d| (1..=31).contains(d))
}

/// The day said in the last one to three words of `w`, longest first ("treinta y uno").
fn day_ending(w: &[&str]) -> Option<u32> {
    (1..=3.min(w.len()))
        .rev()
        .find_map(|n| day_value(w.get(w.len() - n..)?))
}

/// The day said in the first one to three words of `w`, and how many words it took.
fn day_starting(w: &[&str]) -> Option<(u32, usize)> {
    (1..=3.min(w.len()))
        .rev()
        .find_map(|n| Some((day_value(w.get(..n)?)?, n)))
}

/// A year said at the start of `w`: "2027", "27" (written), "dos mil veintisiete".
fn year_starting(w: &[&str]) -> Option<i32> {
    let first = w.first()?;
    if let Some(y) = small_digits(first) {
        return match first.len() {
            4 => i32::try_from(y).ok(),
            2 => i32::try_from(y).ok().map(|y| 2000 + y),
            _ => None,
        };
    }
    let (n, _) = cardinal(w)?;
    i32::try_from(n).ok().filter(|y| (1900..=2200).contains(y))
}

/// A date written with digits, day first: "15/03", "15/03/2027", "15-03-27", or ISO
/// "2027-03-15". Without a year, the next such date on or after `today`.
fn numeric_date(w: &str, today: NaiveDate) -> Option<NaiveDate> {
    let parts: Vec<&str> = w.split(['/', '-', '.']).collect();
    let nums: Vec<u32> = parts
        .iter()
        .map(|p| small_digits(p))
        .collect::<Option<_>>()?;
    let year = |p: &str, n: u32| match p.len() {
        4 => i32::try_from(n).ok(),
        2 => i32::try_from(n).ok().map(|y| 2000 + y),
        _ => None,
    };
    match (parts.as_slice(), nums.as_slice()) {
        // Two parts only with a slash: "3.5" and "3-5" are not dates.
        ([_, _], &[d, m]) if w.contains('/') => next_month_day(today, m, d),
        ([y, _, _], &[yn, m, d]) if y.len() == 4 => NaiveDate::from_ymd_opt(year(y, yn)?, m, d),
        ([_, _, y], &[d, m, yn]) => NaiveDate::from_ymd_opt(year(y, yn)?, m, d),
        _ => None,
    }
}

/// Words that can stand before a day said alone: "el quince", "el día 3", "el lunes 14".
fn introduces_day(w: &str) -> bool {
    matches!(w, "el" | "dia") || weekday(w).is_some()
}

/// Words around a date that say nothing about it (for an answer that is only a day, "quince").
const DATE_FILLERS: &[&str] = &[
    "eh", "em", "este", "pues", "bueno", "para", "el", "dia", "es", "seria", "mejor", "gracias",
    "ok", "okey",
];

/// `Twilio.DATE` in Spanish; see the module notes for the weekday rules.
fn parse_date(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let owned = words(text)?;
    let all = views(&owned);
    // "1ro", "1er", "2do" were split into a number and its ordinal ending: drop the ending.
    let w: Vec<&str> = all
        .iter()
        .enumerate()
        .filter(|&(i, t)| {
            let after_digit = i
                .checked_sub(1)
                .and_then(|j| all.get(j))
                .is_some_and(|p| p.ends_with(|c: char| c.is_ascii_digit()));
            !(after_digit && matches!(*t, "ro" | "er" | "ero" | "o" | "do" | "to" | "vo" | "no"))
        })
        .map(|(_, t)| *t)
        .collect();

    if let Some(d) = w.iter().find_map(|t| numeric_date(t, today)) {
        return Some(d);
    }
    if let Some(mi) = w.iter().position(|t| month_number(t).is_some()) {
        return month_date(&w, mi, today);
    }
    if let Some(d) = relative_day(&w, today) {
        return d;
    }
    if let Some(d) = in_some_time(&w, today) {
        return Some(d);
    }
    for (i, t) in w.iter().enumerate() {
        if introduces_day(t)
            && let Some((day, _)) = day_starting(w.get(i + 1..).unwrap_or_default())
        {
            return next_day_of_month(today, day);
        }
    }
    if let Some(d) = weekday_date(&w, today) {
        return d;
    }
    let rest = without(&w, &[], DATE_FILLERS);
    day_value(&rest).and_then(|day| next_day_of_month(today, day))
}

/// A date with a month name at `mi`: "el 3 de marzo", "treinta y uno de diciembre de 2026",
/// "marzo 3". Without a year, the next such date on or after `today`.
fn month_date(w: &[&str], mi: usize, today: NaiveDate) -> Option<NaiveDate> {
    let month = month_number(w.get(mi)?)?;
    let mut before = w.get(..mi)?;
    if let [rest @ .., "de" | "del"] = before {
        before = rest;
    }
    let mut after = w.get(mi + 1..)?;
    let day = match day_ending(before) {
        Some(d) => d,
        None => {
            let (d, used) = day_starting(after)?;
            after = after.get(used..)?;
            d
        }
    };
    if let ["de" | "del" | "el", rest @ ..] = after {
        after = rest;
    }
    if let Some(year) = year_starting(after) {
        return NaiveDate::from_ymd_opt(year, month, day);
    }
    let has = |s: &str| after.contains(&s);
    if has("ano") && (has("proximo") || has("siguiente") || has("viene") || has("entrante")) {
        return NaiveDate::from_ymd_opt(today.year().checked_add(1)?, month, day);
    }
    next_month_day(today, month, day)
}

/// "hoy", "mañana", "pasado mañana", "ayer", "anteayer", "de hoy en ocho". Some(None) when
/// the answer names two different days ("hoy o mañana"): it is not one date.
fn relative_day(w: &[&str], today: NaiveDate) -> Option<Option<NaiveDate>> {
    // "de hoy en ocho (días)" is a week from today, "de hoy en quince" two weeks.
    for i in 0..w.len() {
        if phrase_at(w, i, "hoy en ocho").is_some() {
            return Some(add_days(today, 7));
        }
        if phrase_at(w, i, "hoy en quince").is_some() {
            return Some(add_days(today, 14));
        }
    }
    let mut found: Option<i64> = None;
    for (i, &t) in w.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|j| w.get(j)).copied();
        let before_prev = i.checked_sub(2).and_then(|j| w.get(j)).copied();
        let offset = match t {
            "hoy" => 0,
            // "la mañana" is the morning ("el lunes por la mañana"), not tomorrow.
            "manana" if prev == Some("la") => continue,
            "manana" if prev == Some("pasado") => 2,
            "manana" => 1,
            "ayer" if prev == Some("de") && before_prev == Some("antes") => -2,
            "ayer" => -1,
            "anteayer" | "antier" => -2,
            _ => continue,
        };
        match found {
            Some(f) if f != offset => return Some(None),
            _ => found = Some(offset),
        }
    }
    found.map(|d| add_days(today, d))
}

/// "en dos semanas", "dentro de tres días", "de aquí a un mes", "hace dos días".
fn in_some_time(w: &[&str], today: NaiveDate) -> Option<NaiveDate> {
    for (u, &t) in w.iter().enumerate() {
        let unit_days = match t {
            "dia" | "dias" => 1,
            "semana" | "semanas" => 7,
            "mes" | "meses" => 0,
            _ => continue,
        };
        for n in (1..=3.min(u)).rev() {
            let Some(amount) = w.get(u - n..u).and_then(whole_number) else {
                continue;
            };
            let trigger = u
                .checked_sub(n + 1)
                .and_then(|j| w.get(j))
                .copied()
                .unwrap_or_default();
            let sign = match trigger {
                "en" | "de" | "a" => 1,
                "hace" => -1,
                _ => continue,
            };
            if amount == 0 || amount > 1000 {
                return None;
            }
            if unit_days == 0 {
                let months = Months::new(u32::try_from(amount).ok()?);
                return if sign > 0 {
                    today.checked_add_months(months)
                } else {
                    today.checked_sub_months(months)
                };
            }
            let days = i64::try_from(amount).ok()? * unit_days * sign;
            return add_days(today, days);
        }
    }
    None
}

/// A weekday ("el lunes", "este viernes", "el martes que viene", "el martes de la semana que
/// viene", "el jueves pasado"); see the module notes. Some(None) when two different weekdays
/// are named ("el martes o el miércoles").
fn weekday_date(w: &[&str], today: NaiveDate) -> Option<Option<NaiveDate>> {
    let named: Vec<(usize, Weekday)> = w
        .iter()
        .enumerate()
        .filter_map(|(i, t)| Some((i, weekday(t)?)))
        .collect();
    let &(i, day) = named.first()?;
    if named.iter().any(|&(_, d)| d != day) {
        return Some(None);
    }
    let prev = i.checked_sub(1).and_then(|j| w.get(j)).copied();
    let after = w.get(i + 1..).unwrap_or_default();
    let after_has = |p: &str| (0..after.len()).any(|k| phrase_at(after, k, p).is_some());
    let date = if [
        "semana que viene",
        "proxima semana",
        "siguiente semana",
        "semana entrante",
        "otra semana",
    ]
    .iter()
    .any(|p| after_has(p))
    {
        weekday_of_week(today, 1, day)
    } else if after_has("esta semana") {
        weekday_of_week(today, 0, day)
    } else if matches!(prev, Some("este" | "esta")) {
        weekday_on_or_after(today, day)
    } else if prev == Some("pasado") || after.first() == Some(&"pasado") {
        weekday_before(today, day)
    } else {
        weekday_after(today, day)
    };
    Some(date)
}

// ---------------------------------------------------------------------------------------------
// time

/// A part of the day a caller names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    /// "a. m.": 12 is midnight.
    Am,
    /// "de la mañana": as said; 12 is noon.
    Morning,
    /// "del mediodía", "del día": 1–5 are afternoon hours.
    Midday,
    /// "de la tarde", "p. m.".
    Afternoon,
    /// "de la noche": 6–11 evening, 12 midnight, 1–5 small hours.
    Night,
    /// "de la madrugada": as said; 12 is midnight.
    SmallHours,
}

/// Phrases naming a part of the day.
const PERIODS: &[(&str, Period)] = &[
    ("de la manana", Period::Morning),
    ("en la manana", Period::Morning),
    ("por la manana", Period::Morning),
    ("de la madrugada", Period::SmallHours),
    ("en la madrugada", Period::SmallHours),
    ("por la madrugada", Period::SmallHours),
    ("de madrugada", Period::SmallHours),
    ("de la tarde", Period::Afternoon),
    ("en la tarde", Period::Afternoon),
    ("por la tarde", Period::Afternoon),
    ("de la noche", Period::Night),
    ("en la noche", Period::Night),
    ("por la noche", Period::Night),
    ("del mediodia", Period::Midday),
    ("del dia", Period::Midday),
    ("am", Period::Am),
    ("a m", Period::Am),
    ("pm", Period::Afternoon),
    ("p m", Period::Afternoon),
];

/// Phrases around a time that say nothing about it.
const TIME_FILLER_PHRASES: &[&str] = &[
    "mas o menos",
    "a eso de",
    "por ahi de",
    "alrededor de",
    "tal vez",
    "a lo mejor",
    "me queda bien",
    "por favor",
    "creo que",
    "puede ser",
];

/// Words around a time that say nothing about it. Not "para" (it is the Mexican "cuarto para
/// las ocho") nor "y"/"menos" (minutes).
const TIME_FILLERS: &[&str] = &[
    "a",
    "al",
    "las",
    "la",
    "de",
    "eh",
    "em",
    "mm",
    "este",
    "pues",
    "bueno",
    "como",
    "tipo",
    "sobre",
    "hacia",
    "mejor",
    "seria",
    "hoy",
    "manana",
    "gracias",
    "ok",
    "okey",
    "digamos",
    "aproximadamente",
    "minutos",
    "minuto",
    "es",
    "son",
    "yo",
];

/// Words that mark a 24-hour clock: "a las 15 horas", "15 h 30".
const HOUR_MARKS: &[&str] = &["horas", "hrs", "hr", "h", "hs"];

/// The time said, before a part of the day is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Said {
    /// The hour as said (0–24).
    hour: u32,
    /// Minutes to add to the hour: negative for "menos cuarto", "diez para las ocho".
    offset: i64,
    /// Said on a 24-hour clock ("15:30", "15 horas", "07:00").
    h24: bool,
}

/// A clock written with digits: "15:30", "7:45", "7.30": hour, minutes and whether it is
/// written on a 24-hour clock (an hour over 12, hour 0, or a leading zero as in "07:30").
fn clock(w: &str) -> Option<(u32, u32, bool)> {
    let (h, m) = w.split_once([':', '.'])?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (hour, minute) = (small_digits(h)?, small_digits(m)?);
    (hour <= 24 && minute <= 59).then_some((
        hour,
        minute,
        hour > 12 || hour == 0 || h.starts_with('0'),
    ))
}

/// An hour said in all of `w` (0–24), and whether it is on a 24-hour clock.
fn hour_value(w: &[&str]) -> Option<(u32, bool)> {
    let leading_zero = matches!(w, [one] if one.len() == 2 && one.starts_with('0'));
    let hour = u32::try_from(whole_number(w)?).ok().filter(|h| *h <= 24)?;
    Some((hour, leading_zero || hour > 12 || hour == 0))
}

/// Minutes said in all of `w`: "cuarto", "media", "diez", "cuarenta y cinco", "05", "cero cinco".
fn minute_value(w: &[&str]) -> Option<i64> {
    let minutes = match w {
        ["cuarto"] => 15,
        ["media" | "medio"] => 30,
        [one] if one.len() == 2 && one.starts_with('0') => i64::from(small_digits(one)?),
        ["cero", unit] => match num_word(unit)? {
            NumWord::Unit(u) => i64::try_from(u).ok()?,
            _ => return None,
        },
        _ => i64::try_from(whole_number(w)?).ok()?,
    };
    (0..=59).contains(&minutes).then_some(minutes)
}

/// Minutes after an hour: nothing, "en punto", "y cuarto", "y veinte", "con quince", "menos
/// diez", or bare ("siete treinta").
fn minutes_after(w: &[&str]) -> Option<i64> {
    match w {
        [] | ["en", "punto"] | ["punto"] => Some(0),
        ["y" | "con", m @ ..] => minute_value(m),
        ["menos", m @ ..] => minute_value(m).filter(|m| *m > 0).map(|m| -m),
        m => minute_value(m),
    }
}

/// The time said in `w` (fillers and the part of the day already removed).
fn said_time(w: &[&str]) -> Option<Said> {
    let (first, tail) = w.split_first()?;
    if *first == "para" {
        // "para las siete": "for seven".
        return said_time(tail);
    }
    if let Some(p) = w.iter().position(|t| *t == "para") {
        // Mexican "cuarto para las ocho", "diez para las nueve".
        let minutes = minute_value(w.get(..p)?).filter(|m| *m > 0)?;
        let (hour, h24) = hour_value(w.get(p + 1..)?)?;
        return Some(Said {
            hour,
            offset: -minutes,
            h24,
        });
    }
    if let Some((hour, minute, h24)) = clock(first) {
        return (minutes_after(tail)? == 0).then_some(Said {
            hour,
            offset: i64::from(minute),
            h24,
        });
    }
    // The hour is the first one to three words; try the longest first, as "veinte y cinco"
    // may be the hour 20 and five minutes.
    let longest = if is_written_number(first) {
        1
    } else {
        cardinal(w)?.1
    };
    (1..=longest).rev().find_map(|n| {
        let (hour, h24) = hour_value(w.get(..n)?)?;
        let offset = minutes_after(w.get(n..)?)?;
        Some(Said { hour, offset, h24 })
    })
}

/// The 24-hour hour for `hour` said with `period`; None for a contradiction ("15 de la mañana").
fn in_period(hour: u32, period: Period) -> Option<u32> {
    use Period::{Afternoon, Am, Midday, Morning, Night, SmallHours};
    match (period, hour) {
        (Afternoon | Night, 13..=23) => Some(hour),
        (Night | SmallHours | Am, 0) => Some(0),
        (_, 0 | 13..) => None,
        (Am | SmallHours, h) => Some(h % 12),
        (Morning, h) => Some(h),
        (Midday, h @ 1..=5) => Some(h + 12),
        (Midday, h) => Some(h),
        (Afternoon, 12) => Some(12),
        (Afternoon, h) => Some(h + 12),
        (Night, 12) => Some(0),
        (Night, h @ 1..=5) => Some(h),
        (Night, h) => Some(h + 12),
    }
}

/// `Twilio.TIME` in Spanish; see the module notes for the parts of the day.
fn parse_time(text: &str) -> Option<SpokenTime> {
    let owned = words(text)?;
    let all = views(&owned);

    // The part of the day, wherever it is said; two different ones are a contradiction.
    let mut period: Option<Period> = None;
    let mut rest: Vec<&str> = Vec::with_capacity(all.len());
    for (at, hit) in walk(all.len(), PERIODS, |at, (p, _)| phrase_at(&all, at, p)) {
        match hit {
            Some((_, &(_, per))) => {
                if period.is_some_and(|p| p != per) {
                    return None;
                }
                period = Some(per);
            }
            None => rest.extend(all.get(at)),
        }
    }

    let rest = without(&rest, TIME_FILLER_PHRASES, TIME_FILLERS);
    let mut h24_mark = false;
    let mut noon = false;
    let mut midnight = false;
    let core: Vec<&str> = rest
        .into_iter()
        .filter(|t| {
            if HOUR_MARKS.contains(t) {
                h24_mark = true;
            } else if *t == "mediodia" {
                noon = true;
            } else if *t == "medianoche" {
                midnight = true;
            } else {
                return true;
            }
            false
        })
        .collect();

    // "mediodía" or "medianoche" said with an hour is the part of the day ("las doce, mediodía"),
    // and before minutes it is the hour itself ("medianoche y cuarto").
    let marker = match (noon, midnight) {
        (true, true) => return None,
        (true, false) => Some(Period::Midday),
        (false, true) => Some(Period::Night),
        (false, false) => None,
    };
    if let Some(m) = marker {
        if period.is_some_and(|p| p != m) {
            return None;
        }
        period = Some(m);
    }
    if core.is_empty() {
        let hour = match marker? {
            Period::Midday => 12,
            _ => 0,
        };
        return Some(SpokenTime {
            hour,
            minute: 0,
            ambiguous: false,
        });
    }
    let said = said_time(&core).or_else(|| {
        marker?;
        let mut with_hour = vec!["doce"];
        with_hour.extend_from_slice(&core);
        said_time(&with_hour)
    })?;

    let h24 = said.h24 || h24_mark;
    let said_hour = if said.hour == 24 { 0 } else { said.hour };
    let (hour, ambiguous) = match period {
        Some(p) => (in_period(said_hour, p)?, false),
        None => (said_hour, !h24 && (1..=12).contains(&said_hour)),
    };
    let total = (i64::from(hour) * 60 + said.offset).rem_euclid(24 * 60);
    let mut hour = u32::try_from(total / 60).ok()?;
    let minute = u32::try_from(total % 60).ok()?;
    // "la una menos cuarto" with no part of the day is 12:45, morning or afternoon.
    if ambiguous && hour == 0 {
        hour = 12;
    }
    Some(SpokenTime {
        hour,
        minute,
        ambiguous,
    })
}

// ---------------------------------------------------------------------------------------------
// yes_no

/// What a phrase says to a yes-or-no question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stance {
    Yes,
    No,
    /// A hedge ("no sé", "tal vez"): the caller did not decide.
    Unsure,
    /// Words that would otherwise be misread ("nada más" is not "nada").
    Neither,
}

/// Phrases and what they say; the longest match at each place wins, so "claro que no" is one
/// no rather than a yes and a no, and "no sé" one hedge.
const STANCES: &[(&str, Stance)] = &[
    ("si", Stance::Yes),
    ("sip", Stance::Yes),
    ("sii", Stance::Yes),
    ("claro", Stance::Yes),
    ("claro que si", Stance::Yes),
    ("como no", Stance::Yes),
    ("por supuesto", Stance::Yes),
    ("desde luego", Stance::Yes),
    ("correcto", Stance::Yes),
    ("es correcto", Stance::Yes),
    ("exacto", Stance::Yes),
    ("exactamente", Stance::Yes),
    ("esta bien", Stance::Yes),
    ("ta bien", Stance::Yes),
    ("muy bien", Stance::Yes),
    ("andale", Stance::Yes),
    ("orale", Stance::Yes),
    ("va", Stance::Yes),
    ("sale", Stance::Yes),
    ("simon", Stance::Yes),
    ("dale", Stance::Yes),
    ("afirmativo", Stance::Yes),
    ("eso es", Stance::Yes),
    ("asi es", Stance::Yes),
    ("de acuerdo", Stance::Yes),
    ("ok", Stance::Yes),
    ("okey", Stance::Yes),
    ("okay", Stance::Yes),
    ("vale", Stance::Yes),
    ("perfecto", Stance::Yes),
    ("efectivamente", Stance::Yes),
    ("seguro", Stance::Yes),
    ("cierto", Stance::Yes),
    ("es cierto", Stance::Yes),
    ("aja", Stance::Yes),
    ("obvio", Stance::Yes),
    ("con gusto", Stance::Yes),
    ("a huevo", Stance::Yes),
    ("por que no", Stance::Yes),
    ("porque no", Stance::Yes),
    ("no hay problema", Stance::Yes),
    ("yes", Stance::Yes),
    ("no", Stance::No),
    ("nel", Stance::No),
    ("nop", Stance::No),
    ("nope", Stance::No),
    ("nah", Stance::No),
    ("para nada", Stance::No),
    ("negativo", Stance::No),
    ("nada", Stance::No),
    ("claro que no", Stance::No),
    ("no es correcto", Stance::No),
    ("incorrecto", Stance::No),
    ("no es cierto", Stance::No),
    ("no esta bien", Stance::No),
    ("no va", Stance::No),
    ("tampoco", Stance::No),
    ("nunca", Stance::No),
    ("jamas", Stance::No),
    ("de ninguna manera", Stance::No),
    ("no se", Stance::Unsure),
    ("no lo se", Stance::Unsure),
    ("no sabria", Stance::Unsure),
    ("no estoy seguro", Stance::Unsure),
    ("no estoy segura", Stance::Unsure),
    ("no me acuerdo", Stance::Unsure),
    ("no recuerdo", Stance::Unsure),
    ("ni idea", Stance::Unsure),
    ("quien sabe", Stance::Unsure),
    ("tal vez", Stance::Unsure),
    ("quizas", Stance::Unsure),
    ("quiza", Stance::Unsure),
    ("a lo mejor", Stance::Unsure),
    ("puede ser", Stance::Unsure),
    ("puede que", Stance::Unsure),
    ("depende", Stance::Unsure),
    ("mas o menos", Stance::Unsure),
    ("nada mas", Stance::Neither),
    ("de nada", Stance::Neither),
];

/// `Twilio.YES_NO` in Spanish: a yes or a no, and not both, nor a hedge.
fn parse_yes_no(text: &str) -> Option<bool> {
    let owned = words(text)?;
    let w = views(&owned);
    let (mut yes, mut no) = (false, false);
    for (_, hit) in walk(w.len(), STANCES, |at, (p, _)| phrase_at(&w, at, p)) {
        match hit.map(|(_, &(_, stance))| stance) {
            Some(Stance::Unsure) => return None,
            Some(stance) => {
                yes |= stance == Stance::Yes;
                no |= stance == Stance::No;
            }
            None => {}
        }
    }
    match (yes, no) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// name

/// What callers say before their name (folded), longest first where one starts another.
const NAME_LEAD_INS: &[&str] = &[
    "mi nombre completo es",
    "mi nombre es",
    "el nombre es",
    "mi nombre",
    "nombre",
    "yo me llamo",
    "me llamo",
    "me dicen",
    "soy yo",
    "yo soy",
    "soy",
    "le habla",
    "te habla",
    "les habla",
    "aqui habla",
    "habla",
    "de parte de",
    "a nombre de",
    "con",
    "es",
    "hola",
    "buenas tardes",
    "buenas noches",
    "buenos dias",
    "buen dia",
    "buenas",
    "eh",
    "em",
    "mm",
    "este",
    "pues",
    "bueno",
    "ah",
    "ok",
    "okey",
    "claro",
    "si",
    "mire",
    "oiga",
    "el senor",
    "la senora",
    "la senorita",
    "senor",
    "senora",
    "senorita",
];

/// What callers say after their name.
const NAME_TRAIL_OFFS: &[&str] = &[
    "muchas gracias",
    "gracias",
    "por favor",
    "eh",
    "nada mas",
    "para servirle",
    "para servirte",
    "a sus ordenes",
    "a la orden",
    "mucho gusto",
    "un placer",
];

/// Words inside a name that are not capitalised and cannot start or end it ("María de la Luz").
const NAME_PARTICLES: &[&str] = &["de", "del", "la", "las", "los", "y"];

/// Words that show an answer is a sentence, not a name ("no sé", "quiero una pizza").
const NOT_NAME: &[&str] = &[
    "no",
    "se",
    "si",
    "quiero",
    "queria",
    "quisiera",
    "necesito",
    "tengo",
    "puedo",
    "puede",
    "quiere",
    "un",
    "una",
    "uno",
    "unos",
    "unas",
    "el",
    "lo",
    "le",
    "me",
    "te",
    "nos",
    "que",
    "por",
    "para",
    "con",
    "sin",
    "como",
    "cuando",
    "donde",
    "porque",
    "cual",
    "quien",
    "es",
    "son",
    "esta",
    "estoy",
    "estan",
    "fue",
    "ser",
    "hay",
    "mi",
    "tu",
    "su",
    "yo",
    "usted",
    "ustedes",
    "ella",
    "ellos",
    "nosotros",
    "gracias",
    "hola",
    "adios",
    "ok",
    "okey",
    "bueno",
    "nada",
    "nadie",
    "algo",
    "todo",
    "nombre",
    "llamo",
    "llama",
    "numero",
    "telefono",
    "cita",
    "hablar",
    "ayuda",
    "favor",
    "claro",
    "vale",
    "ver",
    "sabe",
    "sabes",
    "saber",
    "dime",
    "digame",
    "hoy",
    "manana",
    "ayer",
    "aqui",
    "ahi",
    "este",
    "esto",
    "eso",
    "ese",
    "esa",
    "pizza",
    "agente",
    "operador",
    "persona",
    "humano",
    "cancelar",
    "pagar",
    "reservar",
    "comprar",
    "a",
    "al",
    "en",
    "ya",
    "quieres",
    "nomas",
    "menos",
    "punto",
    "coma",
    "cuarto",
    "media",
    "medio",
    "hace",
    "dias",
    "tipo",
    "pico",
    "am",
    "pm",
    "mediodia",
    "medianoche",
    "horas",
    "sip",
    "nop",
    "nel",
    "nah",
    "andale",
    "orale",
    "dale",
    "sale",
    "va",
    "pues",
    "okay",
    "lunes",
    "martes",
    "miercoles",
    "jueves",
    "viernes",
    "sabado",
];

/// Capitalises the first letter of a word and of each part after a hyphen ("maría-josé").
fn capitalised(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut start = true;
    for c in word.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = c == '-';
    }
    out
}

/// A caller's name in Spanish: the words after the lead-in, as said; capitalised when the
/// transcript had no capitals at all.
fn parse_name(text: &str) -> Option<String> {
    if too_long(text) {
        return None;
    }
    let said: Vec<&str> = text
        .split(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    ',' | ';' | '!' | '?' | '¿' | '¡' | ':' | '"' | '(' | ')' | '…'
                )
        })
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    let folded: Vec<String> = said.iter().map(|w| fold(w)).collect();

    let (mut start, mut end) = (0, said.len());
    while let Some((n, _)) = longest(NAME_LEAD_INS, |p| phrase_at(folded.get(..end)?, start, p)) {
        start += n;
    }
    while let Some((n, _)) = longest(NAME_TRAIL_OFFS, |p| {
        let len = p.split(' ').count();
        let at = end.checked_sub(len).filter(|at| *at >= start)?;
        phrase_at(folded.get(..end)?, at, p)
    }) {
        end -= n;
    }

    let name = said.get(start..end)?;
    let name_folded = folded.get(start..end)?;
    if name.is_empty() || name.len() > 6 {
        return None;
    }
    let last = name.len() - 1;
    for (i, (w, f)) in name.iter().zip(name_folded).enumerate() {
        let letters = w
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’' | '.'));
        let particle = NAME_PARTICLES.contains(&f.as_str());
        // Number words are never names: "veinte y dos" is an answer to another question.
        let not_name = NOT_NAME.contains(&f.as_str()) || num_word(f).is_some();
        if !letters || not_name || (particle && (i == 0 || i == last)) {
            return None;
        }
    }
    if name.iter().any(|w| w.chars().any(char::is_uppercase)) {
        return Some(name.join(" "));
    }
    let words: Vec<String> = name
        .iter()
        .zip(name_folded)
        .enumerate()
        .map(|(i, (w, f))| {
            if i > 0 && NAME_PARTICLES.contains(&f.as_str()) {
                (*w).to_string()
            } else {
                capitalised(w)
            }
        })
        .collect();
    Some(words.join(" "))
}

/// Whether the matcher takes a number word for a number ("para dos personas" asks what "para 6"
/// does): all of them but "cero" and the forms of one, "un", "uno" and "una", which are articles
/// far more often ("una cita").
const fn names_a_number(n: NumWord) -> bool {
    !matches!(n, NumWord::Zero | NumWord::Unit(1))
}

/// How many of [`NUMBER_WORDS`] the matcher takes for a number.
const MATCHER_NUMBER_COUNT: usize = {
    let mut count = 0;
    let mut i = 0;
    while i < NUMBER_WORDS.len() {
        if names_a_number(NUMBER_WORDS[i].1) {
            count += 1;
        }
        i += 1;
    }
    count
};

/// The number words of [`LEXICON`]: [`NUMBER_WORDS`] that [`names_a_number`], sorted for the
/// lexicon's binary search. Made from the parser's table when compiling, so a word the parser
/// learns ("veintiséis") is a number to the matcher too.
static MATCHER_NUMBERS: [&str; MATCHER_NUMBER_COUNT] = {
    let mut words = [""; MATCHER_NUMBER_COUNT];
    let mut taken = 0;
    let mut i = 0;
    while i < NUMBER_WORDS.len() {
        let (word, value) = NUMBER_WORDS[i];
        if names_a_number(value) {
            words[taken] = word;
            taken += 1;
        }
        i += 1;
    }
    super::lexicon::sorted(words)
};

/// Spanish words for the intent matcher (accent-folded, as [`crate::nlu::text::normalize`]
/// writes them). "que", as often a conjunction as "what", is a stop word; the question words
/// that pick out a request ("dónde", "cuánto", "cuándo") weigh but are no evidence alone, like
/// English "where". "no" is neither: it decides tasks. The number words are the parsers' own
/// (`MATCHER_NUMBERS`).
pub static LEXICON: Lexicon = Lexicon {
    fillers: &[
        "ah", "eh", "ehm", "em", "mhm", "mm", "mmm", "porfa", "porfis",
    ],
    stop_words: &[
        "a",
        "al",
        "algo",
        "algun",
        "alguna",
        "algunas",
        "alguno",
        "algunos",
        "ante",
        "asi",
        "bueno",
        "con",
        "de",
        "del",
        "desde",
        "el",
        "ella",
        "ellas",
        "ellos",
        "en",
        "entonces",
        "era",
        "es",
        "esa",
        "esas",
        "ese",
        "esos",
        "esta",
        "estaba",
        "estan",
        "estar",
        "estas",
        "este",
        "estos",
        "estoy",
        "favor",
        "fue",
        "gustaria",
        "ha",
        "haber",
        "habia",
        "hacer",
        "han",
        "has",
        "hay",
        "he",
        "la",
        "las",
        "le",
        "les",
        "llamaba",
        "llamo",
        "lo",
        "los",
        "me",
        "mi",
        "mis",
        "muy",
        "necesitaria",
        "necesito",
        "nos",
        "nuestra",
        "nuestro",
        "o",
        "oiga",
        "oye",
        "para",
        "pero",
        "poder",
        "podria",
        "podrian",
        "por",
        "pudiera",
        "puede",
        "pueden",
        "puedo",
        "pues",
        "que",
        "queria",
        "quiero",
        "quisiera",
        "saber",
        "se",
        "sea",
        "ser",
        "si",
        "sobre",
        "su",
        "sus",
        "tambien",
        "te",
        "tener",
        "tengo",
        "tiene",
        "tienen",
        "tu",
        "tus",
        "un",
        "una",
        "unas",
        "uno",
        "unos",
        "usted",
        "ustedes",
        "ver",
        "vez",
        "y",
        "ya",
        "yo",
    ],
    no_evidence: &[
        "aca", "ahi", "alla", "alli", "aqui", "como", "cosa", "cosas", "cual", "cuales", "cuando",
        "cuanta", "cuantas", "cuanto", "cuantos", "donde", "eso", "esto", "porque", "quien",
        "quienes",
    ],
    days: &[
        "domingo",
        "domingos",
        "jueves",
        "lunes",
        "martes",
        "miercoles",
        "sabado",
        "sabados",
        "viernes",
    ],
    months: &[
        "abril",
        "agosto",
        "diciembre",
        "enero",
        "febrero",
        "julio",
        "junio",
        "marzo",
        "mayo",
        "noviembre",
        "octubre",
        "septiembre",
        "setiembre",
    ],
    numbers: &MATCHER_NUMBERS,
    stemming: Stemming::Spanish,
    sound: Sound::None,
    out_of_scope: include_str!("out_of_scope/es.txt"),
};

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows of a table: (line number, said, expected), skipping comments and blank lines.
    fn rows(table: &str) -> Vec<(usize, &str, &str)> {
        table
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|(i, l)| {
                let (said, expected) = l
                    .split_once('\t')
                    .unwrap_or_else(|| panic!("line {}: no tab in {l:?}", i + 1));
                (i + 1, said, expected.trim())
            })
            .collect()
    }

    /// Runs a table through `parse` (which renders its answer as the table writes it, "-" for
    /// None), prints every miss, and requires 95% right and at least 35 rows.
    fn check(name: &str, table: &str, parse: impl Fn(&str) -> String) {
        let rows = rows(table);
        let mut misses = 0;
        for (line, said, expected) in &rows {
            let got = parse(said);
            if got != *expected {
                misses += 1;
                println!("{name}.tsv:{line}: {said:?} → {got:?}, expected {expected:?}");
            }
        }
        let right = rows.len() - misses;
        println!("{name}: {right}/{} right", rows.len());
        assert!(rows.len() >= 35, "{name}: only {} rows", rows.len());
        assert!(
            right * 100 >= rows.len() * 95,
            "{name}: {right}/{} right, below 95%",
            rows.len()
        );
    }

    fn or_dash(s: Option<String>) -> String {
        s.unwrap_or_else(|| "-".to_string())
    }

    fn time_str(t: Option<SpokenTime>) -> String {
        match t {
            Some(t) if t.ambiguous => format!("{:02}:{:02} ambiguous", t.hour, t.minute),
            Some(t) => format!("{:02}:{:02}", t.hour, t.minute),
            None => "-".to_string(),
        }
    }

    fn date_on(today: NaiveDate) -> impl Fn(&str) -> String {
        move |said| {
            or_dash(
                Spanish
                    .date(said, today)
                    .map(|d| d.format("%Y-%m-%d").to_string()),
            )
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn number_table() {
        let table = include_str!("../../../tests/data/answers/es/number.tsv");
        check("number", table, |s| or_dash(Spanish.number(s)));
    }

    #[test]
    fn digits_table() {
        let table = include_str!("../../../tests/data/answers/es/digits.tsv");
        check("digits", table, |s| or_dash(Spanish.digits(s)));
    }

    /// The numbering plan of a Spanish bot in Mexico.
    fn mexico() -> Region {
        super::super::find("es-MX")
            .expect("es-MX is a language")
            .region
    }

    #[test]
    fn phone_table() {
        let table = include_str!("../../../tests/data/answers/es/phone.tsv");
        let region = mexico();
        check("phone", table, |s| or_dash(Spanish.phone(s, &region)));
    }

    #[test]
    fn a_spoken_plus_starts_the_country_code() {
        let mx = mexico();
        let phone = |s: &str| Spanish.phone(s, &mx);
        assert_eq!(
            phone("más uno cuatro uno cinco cinco cinco cinco uno dos tres cuatro").as_deref(),
            Some("+14155551234")
        );
        assert_eq!(
            phone("mas 52 55 1234 5678").as_deref(),
            Some("+525512345678")
        );
        assert_eq!(
            phone("signo más 1 415 555 1234").as_deref(),
            Some("+14155551234")
        );
        // Without the plus, eleven digits are not a Mexican number.
        assert_eq!(
            phone("uno cuatro uno cinco cinco cinco cinco uno dos tres cuatro"),
            None
        );
        // "más" elsewhere is not a plus, and a plus needs a whole international number.
        assert_eq!(
            phone("cinco cinco más uno dos tres cuatro cinco seis siete ocho"),
            None
        );
        assert_eq!(phone("más o menos cinco"), None);
        assert_eq!(phone("más uno dos tres"), None);
        assert_eq!(phone("más"), None);
        // A digit string is still only digits: "más" is read for phone numbers alone.
        assert_eq!(Spanish.digits("más uno dos tres"), None);
    }

    #[test]
    fn date_table() {
        let table = include_str!("../../../tests/data/answers/es/date.tsv");
        let today = table
            .lines()
            .find_map(|l| l.strip_prefix("# today: "))
            .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
            .expect("date.tsv starts with # today: YYYY-MM-DD");
        check("date", table, date_on(today));
    }

    #[test]
    fn time_table() {
        let table = include_str!("../../../tests/data/answers/es/time.tsv");
        check("time", table, |s| time_str(Spanish.time(s)));
    }

    #[test]
    fn yes_no_table() {
        let table = include_str!("../../../tests/data/answers/es/yes_no.tsv");
        check("yes_no", table, |s| {
            match Spanish.yes_no(s) {
                Some(true) => "Yes",
                Some(false) => "No",
                None => "-",
            }
            .to_string()
        });
    }

    #[test]
    fn name_table() {
        let table = include_str!("../../../tests/data/answers/es/name.tsv");
        check("name", table, |s| or_dash(Spanish.name(s)));
    }

    #[test]
    fn written_numbers_follow_the_separator_rules() {
        let cases = [
            ("42", Some("42")),
            ("3,5", Some("3.5")),
            ("3.5", Some("3.5")),
            ("1,500", Some("1500")),
            ("1.500", Some("1500")),
            ("0,500", Some("0.5")),
            ("1.234.567", Some("1234567")),
            ("2.500,75", Some("2500.75")),
            ("2,500.75", Some("2500.75")),
            ("1,23,4", None),
            ("7.50", Some("7.5")),
            ("-0", Some("0")),
            ("007", Some("7")),
            ("1.5 millones", Some("1500000")),
            ("2 mil", Some("2000")),
        ];
        for (said, expected) in cases {
            assert_eq!(Spanish.number(said).as_deref(), expected, "{said:?}");
        }
    }

    #[test]
    fn big_and_odd_numbers_in_words() {
        let cases = [
            ("mil millones", Some("1000000000")),
            ("dos mil millones", Some("2000000000")),
            (
                "novecientos noventa y nueve mil novecientos noventa y nueve millones",
                Some("999999000000"),
            ),
            ("un millón doscientos mil", Some("1200000")),
            ("cero", Some("0")),
            ("cero punto cinco", Some("0.5")),
            ("dos mil tres mil", None),
            ("millón millón", None),
            ("y", None),
            ("cuarenta y", None),
            ("menos", None),
            ("punto cinco", None),
            ("cinco punto", None),
        ];
        for (said, expected) in cases {
            assert_eq!(Spanish.number(said).as_deref(), expected, "{said:?}");
        }
    }

    #[test]
    fn a_long_string_of_digits_does_not_overflow() {
        let long = "9".repeat(400);
        assert_eq!(Spanish.number(&long).as_deref(), Some(long.as_str()));
        assert_eq!(Spanish.digits(&long).as_deref(), Some(long.as_str()));
    }

    #[test]
    fn oh_is_zero_only_inside_a_longer_digit_string() {
        assert_eq!(Spanish.digits("cinco o seis"), None);
        assert_eq!(Spanish.digits("o cinco cinco cinco"), None);
        assert_eq!(Spanish.digits("cinco cinco cinco o"), None);
        assert_eq!(Spanish.digits("uno o o uno"), None);
        assert_eq!(Spanish.digits("uno uno o o uno").as_deref(), Some("11001"));
        assert_eq!(Spanish.digits("cinco o uno").as_deref(), None);
    }

    #[test]
    fn weekday_rules_on_each_day_of_a_week() {
        // Monday 2026-12-07 to Sunday 2026-12-13, asking for Wednesday.
        for offset in 0..7 {
            let today = day(2026, 12, 7 + offset);
            let bare = Spanish.date("el miércoles", today);
            let this = Spanish.date("este miércoles", today);
            let next_week = Spanish.date("el miércoles de la semana que viene", today);
            let past = Spanish.date("el miércoles pasado", today);
            let ahead = |d: Option<NaiveDate>| d.map(|d| (d - today).num_days());
            assert!(matches!(ahead(bare), Some(1..=7)), "{today}: {bare:?}");
            assert!(matches!(ahead(this), Some(0..=6)), "{today}: {this:?}");
            assert!(matches!(ahead(past), Some(-7..=-1)), "{today}: {past:?}");
            assert_eq!(next_week, Some(day(2026, 12, 16)), "{today}");
            for d in [bare, this, next_week, past].into_iter().flatten() {
                assert_eq!(d.weekday(), Weekday::Wed);
            }
        }
    }

    #[test]
    fn dates_at_the_ends_of_the_calendar_do_not_panic() {
        for today in [NaiveDate::MIN, NaiveDate::MAX, day(2028, 2, 29)] {
            for said in [
                "mañana",
                "ayer",
                "el lunes",
                "el lunes pasado",
                "el 29 de febrero",
                "el treinta y uno",
                "en mil meses",
                "hace tres semanas",
                "15/03",
                "de hoy en ocho",
            ] {
                let _ = Spanish.date(said, today);
            }
        }
        assert_eq!(
            Spanish.date("el 29 de febrero", day(2026, 12, 7)),
            Some(day(2028, 2, 29))
        );
        assert_eq!(Spanish.date("el 30 de febrero", day(2026, 12, 7)), None);
    }

    #[test]
    fn times_at_the_edges() {
        let t = |s: &str| Spanish.time(s);
        assert_eq!(
            t("la una menos cuarto"),
            Some(SpokenTime {
                hour: 12,
                minute: 45,
                ambiguous: true
            })
        );
        assert_eq!(
            t("las doce menos cuarto de la noche"),
            Some(SpokenTime {
                hour: 23,
                minute: 45,
                ambiguous: false
            })
        );
        assert_eq!(
            t("medianoche y cuarto"),
            Some(SpokenTime {
                hour: 0,
                minute: 15,
                ambiguous: false
            })
        );
        assert_eq!(t("las 15 de la mañana"), None);
        assert_eq!(t("a las 25"), None);
        assert_eq!(t("las siete y setenta"), None);
        assert_eq!(t("de la tarde"), None);
        assert_eq!(t("mediodía de la noche"), None);
        assert_eq!(
            t("a las 24:00"),
            Some(SpokenTime {
                hour: 0,
                minute: 0,
                ambiguous: false
            })
        );
    }

    #[test]
    fn names_keep_what_was_said() {
        assert_eq!(
            Spanish.name("maría de la luz").as_deref(),
            Some("María de la Luz")
        );
        assert_eq!(Spanish.name("maría-josé").as_deref(), Some("María-José"));
        assert_eq!(Spanish.name("ANA GARCÍA").as_deref(), Some("ANA GARCÍA"));
        assert_eq!(Spanish.name("soy de México"), None);
        assert_eq!(Spanish.name("me llamo"), None);
        assert_eq!(Spanish.name("Ana 2"), None);
    }

    #[test]
    fn the_matcher_takes_the_parsers_number_words() {
        use super::super::lexicon::Class;
        for word in ["dos", "veintiseis", "seiscientas", "mil", "millones"] {
            assert_eq!(LEXICON.class_of(word), Some(Class::Number), "{word}");
            assert!(num_word(word).is_some(), "{word}");
        }
        // Articles far more often than numbers: words to the matcher, numbers to the parser.
        for word in ["un", "uno", "una", "cero"] {
            assert_eq!(LEXICON.class_of(word), None, "{word}");
            assert!(num_word(word).is_some(), "{word}");
        }
        for &(word, value) in NUMBER_WORDS {
            let number = LEXICON.class_of(word) == Some(Class::Number);
            assert_eq!(number, names_a_number(value), "{word}");
        }
        assert_eq!(LEXICON.numbers.len(), NUMBER_WORDS.len() - 4);
    }

    #[test]
    fn nothing_panics_on_odd_input() {
        let long_words = "cuarenta y dos ".repeat(200);
        let long_ascii = "a".repeat(100_000);
        let many_digits = "1".repeat(600);
        let odd = [
            "",
            " ",
            "\t\n",
            "-",
            "--4",
            "4-",
            "-.",
            "..",
            ",,,",
            "1,,2",
            ":",
            "15:",
            ":30",
            "99:99",
            "1/2/3/4",
            "//",
            "0/0",
            "00/00/0000",
            "31/02/2027",
            "9999999999999999999999/3",
            "🙂",
            "sí 🙂",
            "👍🏽",
            "王小明",
            "我叫王小明",
            "Ана",
            "مرحبا",
            "١٢٣",
            "ﬁ",
            "İ",
            "ß",
            "e\u{301}",
            "man\u{303}ana",
            "\u{0}",
            "\u{feff}hola",
            "y y y y",
            "o o o",
            "doble",
            "triple doble",
            "para",
            "para para para",
            "menos menos",
            "medio dia media noche",
            "dieci",
            "veinti veinti",
            "mil mil mil",
            "millones de millones",
            "a las",
            "de la",
            "el el el",
            "de hoy en",
            "en dias",
            "hace",
            "de",
            "soy",
            "mi nombre es gracias",
            "gracias",
            long_words.as_str(),
            long_ascii.as_str(),
            many_digits.as_str(),
        ];
        let today = day(2026, 12, 7);
        let mx = mexico();
        for s in odd {
            let _ = Spanish.number(s);
            let _ = Spanish.digits(s);
            let _ = Spanish.phone(s, &mx);
            let _ = Spanish.date(s, today);
            let _ = Spanish.time(s);
            let _ = Spanish.yes_no(s);
            let _ = Spanish.name(s);
        }
        assert_eq!(Spanish.number(&long_words), None);
        assert_eq!(Spanish.name(&long_ascii), None);
    }
}
