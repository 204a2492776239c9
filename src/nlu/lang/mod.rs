//! Languages a bot can speak: what changes with the language besides the flow's own words.
//!
//! Autopilot only ever understood en-US. Each language here is one module that implements
//! [`Parsers`] — how its speakers say numbers, digit strings, dates, times, yes and no, and their
//! names — and one entry in [`LANGUAGES`]; nothing else in the code matches on a language, so
//! adding one is adding a module.
//!
//! Parsers take a recogniser's transcript (or a text message) and return the value in the same
//! normalised form as the English built-in types (`Twilio.NUMBER` "42", a date `YYYY-MM-DD`, a
//! time `HH:MM`, "Yes"/"No"), so what is stored and what web services see does not depend on the
//! language the caller spoke.

pub mod es;
pub mod zh;

use chrono::NaiveDate;

/// A time of day as said, before any rule about mornings and evenings is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpokenTime {
    /// Hour on a 24-hour clock (0–23), as said: "a las siete" is 7.
    pub hour: u32,
    /// Minutes (0–59).
    pub minute: u32,
    /// True when the caller gave no part of the day (no "de la tarde", no 下午) and the hour
    /// is 1–12, so it could be morning or evening: the question's `hours` rule decides.
    pub ambiguous: bool,
}

/// How one language's speakers say values. Every method returns None for an answer that is not
/// a value of that kind; none may panic, whatever the input.
pub trait Parsers: Send + Sync {
    /// A number, normalised like `Twilio.NUMBER`: "cuarenta y dos" → "42", "七点二" → "7.2",
    /// "menos cuatro" → "-4", "三个" → "3".
    fn number(&self, text: &str) -> Option<String>;
    /// A string of digits said one by one or in groups ("cuatro uno cinco, cincuenta y cinco",
    /// "幺三八"): the digits, in order ("41555", "138").
    fn digits(&self, text: &str) -> Option<String>;
    /// A date, relative to `today` ("mañana", "下个星期三") or absolute ("el veinte de enero",
    /// "3月8日"); without a year, the next such date from today.
    fn date(&self, text: &str, today: NaiveDate) -> Option<NaiveDate>;
    /// A time of day ("a las diez y cuarto de la mañana", "晚上九点半").
    fn time(&self, text: &str) -> Option<SpokenTime>;
    /// Yes (true) or no (false), in the ways people say them ("sí señor", "cómo no", "nel";
    /// "是", "行", "不行", "没有").
    fn yes_no(&self, text: &str) -> Option<bool>;
    /// A person's name as said, without lead-ins ("mi nombre es Ana" → "Ana"; "我叫王小明" →
    /// "王小明"): kept whole, as the caller said it.
    fn name(&self, text: &str) -> Option<String>;
    /// The answer to "morning or evening?" (after an ambiguous time): Some(false) for the
    /// morning ("de la mañana", 上午), Some(true) for the afternoon or evening ("de la tarde",
    /// "de la noche", 下午, 晚上); None otherwise, and when both are said.
    fn part_of_day(&self, text: &str) -> Option<bool>;
}

/// Which of two lists of words a short answer says: Some(false) for the first, Some(true)
/// for the second, None for neither or both. Matching is on lower case, by substring, so it
/// suits languages written without spaces as well as with.
pub(crate) fn one_of(text: &str, morning: &[&str], evening: &[&str]) -> Option<bool> {
    let text = text.to_lowercase();
    let says = |list: &[&str]| list.iter().any(|w| text.contains(w));
    match (says(morning), says(evening)) {
        (true, false) => Some(false),
        (false, true) => Some(true),
        _ => None,
    }
}

/// A phone numbering plan: what a number said without its country code means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// ISO 3166 country code ("US").
    pub country: &'static str,
    /// Country calling code ("1").
    pub calling_code: &'static str,
    /// Lengths a national number may have, without any trunk prefix.
    pub national: &'static [usize],
    /// Trunk prefix dialled before a national number at home ("0" in China): dropped.
    pub trunk: Option<&'static str>,
    /// Prefixes for dialling abroad from home ("011" in North America, "00" elsewhere).
    pub abroad: &'static [&'static str],
}

impl Region {
    /// A phone number in E.164 from its digits as said. `has_plus`: the caller said "plus" (or
    /// wrote "+"), so the digits start with a country code. None when the digits cannot be a
    /// number of this plan or a valid international one.
    pub fn e164(&self, digits: &str, has_plus: bool) -> Option<String> {
        let international = |rest: &str| (8..=15).contains(&rest.len()).then(|| format!("+{rest}"));
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if has_plus {
            return international(digits);
        }
        if let Some(rest) = self.abroad.iter().find_map(|p| digits.strip_prefix(p)) {
            return international(rest);
        }
        let national = self
            .trunk
            .and_then(|t| digits.strip_prefix(t))
            .filter(|rest| self.national.contains(&rest.len()))
            .unwrap_or(digits);
        if self.national.contains(&national.len()) {
            return Some(format!("+{}{national}", self.calling_code));
        }
        // Said with the country code but without "plus": "one four one five…", "52 55…".
        digits
            .strip_prefix(self.calling_code)
            .filter(|rest| self.national.contains(&rest.len()))
            .map(|rest| format!("+{}{rest}", self.calling_code))
    }
}

/// North America: ten digits.
const NANP: Region = Region {
    country: "US",
    calling_code: "1",
    national: &[10],
    trunk: None,
    abroad: &["011"],
};

/// Mexico: ten digits since 2019 (mobile and fixed alike).
const MEXICO: Region = Region {
    country: "MX",
    calling_code: "52",
    national: &[10],
    trunk: None,
    abroad: &["00"],
};

/// China: eleven-digit mobiles; fixed lines of ten or eleven digits after the trunk 0.
const CHINA: Region = Region {
    country: "CN",
    calling_code: "86",
    national: &[10, 11],
    trunk: Some("0"),
    abroad: &["00"],
};

/// A language a bot can be written in (`"language"` in `assistant.json`).
pub struct Language {
    /// The BCP-47 tag as written in `assistant.json` ("es-MX").
    pub tag: &'static str,
    /// Its name, for messages.
    pub name: &'static str,
    /// What Twilio's recogniser calls it (`<Gather language="cmn-Hans-CN">`).
    pub gather: &'static str,
    /// The Polly voice used unless the style sheet names one.
    pub voice: &'static str,
    /// The numbering plan of the country its callers are taken to call from.
    pub region: Region,
    /// How its speakers say values; None for English, whose parsers are the built-in types'.
    pub parsers: Option<&'static dyn Parsers>,
    /// Written in Han characters (Twilio transcribes Mandarin so), not the Latin alphabet:
    /// `check` warns about a sample in the other script.
    pub han: bool,
}

/// Whether a character is a Han (Chinese) character.
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}' | '\u{20000}'..='\u{2ebef}')
}

impl std::fmt::Debug for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag)
    }
}

impl PartialEq for Language {
    fn eq(&self, other: &Language) -> bool {
        self.tag == other.tag
    }
}

/// Every language, English first (the default). Adding one is a module and a line here.
pub static LANGUAGES: [Language; 4] = [
    Language {
        tag: "en-US",
        name: "English (United States)",
        gather: "en-US",
        voice: "Polly.Joanna",
        region: NANP,
        parsers: None,
        han: false,
    },
    Language {
        tag: "es-US",
        name: "Spanish (United States)",
        gather: "es-US",
        voice: "Polly.Lupe",
        region: NANP,
        parsers: Some(&es::Spanish),
        han: false,
    },
    Language {
        tag: "es-MX",
        name: "Spanish (Mexico)",
        gather: "es-MX",
        voice: "Polly.Mia",
        region: MEXICO,
        parsers: Some(&es::Spanish),
        han: false,
    },
    Language {
        tag: "zh-CN",
        name: "Mandarin (Simplified Chinese, China)",
        gather: "cmn-Hans-CN",
        voice: "Polly.Zhiyu",
        region: CHINA,
        parsers: Some(&zh::Mandarin),
        han: true,
    },
];

/// English (United States), the default.
pub fn english() -> &'static Language {
    &LANGUAGES[0]
}

/// The language a tag names, ignoring case and `_` for `-` ("es_mx"); Twilio's name for
/// Mandarin ("cmn-Hans-CN") and "zh-Hans-CN" are taken as zh-CN.
pub fn find(tag: &str) -> Option<&'static Language> {
    let tag = tag.trim().replace('_', "-");
    let tag = match tag.to_ascii_lowercase().as_str() {
        "cmn-hans-cn" | "zh-hans-cn" | "zh-hans" | "zh" | "cmn" => "zh-CN".to_owned(),
        _ => tag,
    };
    LANGUAGES.iter().find(|l| l.tag.eq_ignore_ascii_case(&tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_found_by_their_tags() {
        assert_eq!(find("es-MX").map(|l| l.tag), Some("es-MX"));
        assert_eq!(find("ES_us").map(|l| l.tag), Some("es-US"));
        assert_eq!(find("cmn-Hans-CN").map(|l| l.gather), Some("cmn-Hans-CN"));
        assert_eq!(find("zh-cn").map(|l| l.tag), Some("zh-CN"));
        assert_eq!(find("fr-FR"), None);
        assert_eq!(english().tag, "en-US");
        assert!(english().parsers.is_none());
    }

    #[test]
    fn phone_numbers_take_the_region_of_the_language() {
        let us = NANP;
        assert_eq!(
            us.e164("4155550100", false).as_deref(),
            Some("+14155550100")
        );
        assert_eq!(
            us.e164("14155550100", false).as_deref(),
            Some("+14155550100")
        );
        assert_eq!(
            us.e164("011442071838750", false).as_deref(),
            Some("+442071838750")
        );
        assert_eq!(us.e164("12", false), None);
        let mx = MEXICO;
        assert_eq!(
            mx.e164("5512345678", false).as_deref(),
            Some("+525512345678")
        );
        assert_eq!(
            mx.e164("525512345678", false).as_deref(),
            Some("+525512345678")
        );
        assert_eq!(
            mx.e164("14155550100", true).as_deref(),
            Some("+14155550100")
        );
        let cn = CHINA;
        assert_eq!(
            cn.e164("13800138000", false).as_deref(),
            Some("+8613800138000")
        );
        assert_eq!(
            cn.e164("01012345678", false).as_deref(),
            Some("+861012345678")
        );
        assert_eq!(
            cn.e164("8613800138000", false).as_deref(),
            Some("+8613800138000")
        );
        assert_eq!(cn.e164("12345", false), None);
        assert_eq!(cn.e164("", false), None);
    }
}
