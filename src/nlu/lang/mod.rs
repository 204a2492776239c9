//! Languages a bot can speak: what changes with the language besides the flow's own words.
//!
//! Autopilot only ever understood en-US. Each language here is a module that implements
//! [`Parsers`] — how its speakers say numbers, digit strings, dates, times, yes and no, and their
//! names — and defines its [`lexicon::Lexicon`] (with an out-of-scope list in `out_of_scope/`),
//! a [`speak::Speaker`] in `speak.rs`, its [`Builtins`] here, and one entry in [`LANGUAGES`].
//! The rest of the code reads those through [`Language`] and never matches on a tag; the one
//! comparison left is with Twilio's own default, en-US, whose `<Gather language>` and voice
//! are left out of the TwiML.
//!
//! Parsers take a recogniser's transcript (or a text message) and return the value in the same
//! normalised form as the English built-in types (`Twilio.NUMBER` "42", a date `YYYY-MM-DD`, a
//! time `HH:MM`, "Yes"/"No"), so what is stored and what web services see does not depend on the
//! language the caller spoke.

pub mod es;
pub mod lexicon;
pub mod speak;
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
    /// A phone number in E.164 ("más uno cuatro uno cinco…" → "+1415…"): its digits as
    /// [`Parsers::digits`] reads them. After the language's word for "plus" ("más", 加) or a
    /// written "+" they start with the country code, as after English "plus"; otherwise a
    /// number is read in `region` ([`Region::e164`]).
    fn phone(&self, text: &str, region: &Region) -> Option<String>;
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

/// A number as its digits: sign, whole part and fraction, kept as text so that no size
/// overflows. The language parsers read a number into one and write it as `Twilio.NUMBER`
/// gives it ([`Decimal::render`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Decimal {
    /// Said or written with a minus ("menos", 负, "-").
    pub(crate) negative: bool,
    /// The digits before the point. As written, they may start with zeros ("007").
    pub(crate) whole: String,
    /// The digits after the point, trailing zeros included: "7.20" is not "7.2" until rendered.
    pub(crate) fraction: String,
}

impl Decimal {
    /// A whole number.
    pub(crate) fn integer(n: u64) -> Self {
        Decimal {
            whole: n.to_string(),
            ..Decimal::default()
        }
    }

    /// The number times 10^`zeros` ("1.5" and "millones", 一点五万): fraction digits move into
    /// the whole part and zeros fill the rest. The whole part loses its leading zeros, so that
    /// equal numbers compare equal: a Mandarin answer that says one number twice ("零点五万，五千")
    /// is one number.
    pub(crate) fn shifted(mut self, zeros: usize) -> Self {
        let take = zeros.min(self.fraction.len());
        let moved = self.fraction.get(..take).unwrap_or_default().to_string();
        let rest = self.fraction.get(take..).unwrap_or_default().to_string();
        self.whole.push_str(&moved);
        self.whole.push_str(&"0".repeat(zeros - take));
        self.fraction = rest;
        let significant = self.whole.trim_start_matches('0');
        self.whole = if significant.is_empty() {
            "0".to_string()
        } else {
            significant.to_string()
        };
        self
    }

    /// As `Twilio.NUMBER` gives it: no leading zeros, no trailing zeros after the point, no
    /// point for a whole number and never "-0".
    pub(crate) fn render(&self) -> String {
        let whole = self.whole.trim_start_matches('0');
        let whole = if whole.is_empty() { "0" } else { whole };
        let fraction = self.fraction.trim_end_matches('0');
        let sign = if self.negative && (whole != "0" || !fraction.is_empty()) {
            "-"
        } else {
            ""
        };
        if fraction.is_empty() {
            format!("{sign}{whole}")
        } else {
            format!("{sign}{whole}.{fraction}")
        }
    }
}

/// The entry of `table` said at one place in an answer that covers the most of it, and how much
/// it covers (in words or characters, as `covers` counts; None for an entry not said there).
/// Parsers read phrases this way so that the longer wins ("claro que no" over "claro", 不是 over
/// 不); on a tie, the later entry.
pub(crate) fn longest<T>(table: &[T], covers: impl Fn(&T) -> Option<usize>) -> Option<(usize, &T)> {
    table
        .iter()
        .filter_map(|entry| Some((covers(entry)?, entry)))
        .max_by_key(|&(n, _)| n)
}

/// An answer of `len` places (words or characters) read from the start for the entries of
/// `table`: at each place, the [`longest`] entry said there (`covers` counts how much of the
/// answer an entry covers at a place), and reading goes on after it; a place no entry starts
/// at comes with None, and reading goes on at the next. So no two entries overlap, and the
/// words between them are there for the parser that wants them.
pub(crate) fn walk<T>(
    len: usize,
    table: &[T],
    covers: impl Fn(usize, &T) -> Option<usize>,
) -> impl Iterator<Item = (usize, Option<(usize, &T)>)> {
    let mut next = 0;
    std::iter::from_fn(move || {
        let at = next;
        if at >= len {
            return None;
        }
        let hit = longest(table, |entry| covers(at, entry));
        // An entry covering nothing would hold reading at one place for ever.
        next = at.saturating_add(hit.map_or(1, |(n, _)| n.max(1)));
        Some((at, hit))
    })
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

/// Whether an answer writes a plus sign, as texters and recognisers do before a country code
/// ("+52 55…"); full-width too, as Chinese keyboards type it.
pub(crate) fn written_plus(text: &str) -> bool {
    text.contains(['+', '＋'])
}

/// A phone numbering plan: what a number said without its country code means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
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
    calling_code: "1",
    national: &[10],
    trunk: None,
    abroad: &["011"],
};

/// Mexico: ten digits since 2019 (mobile and fixed alike).
const MEXICO: Region = Region {
    calling_code: "52",
    national: &[10],
    trunk: None,
    abroad: &["00"],
};

/// China: eleven-digit mobiles; fixed lines of ten or eleven digits after the trunk 0.
const CHINA: Region = Region {
    calling_code: "86",
    national: &[10, 11],
    trunk: Some("0"),
    abroad: &["00"],
};

/// What the bot says in moments no task covers, and the words callers use to get out of a
/// question, in one language: the defaults a flow's `messages`, `voice` and `sms` blocks
/// override. `{am}` and `{pm}` stand for the two readings of a time.
#[derive(Debug)]
pub struct Builtins {
    /// Said after an answer that is not a value of the question's type.
    pub on_failure: &'static str,
    /// Said to a caller on hold while a web service thinks (`webhooks.hold`).
    pub hold: &'static str,
    /// `messages.not_understood`, and the other messages after it.
    pub not_understood: &'static str,
    /// `messages.no_input_goodbye`.
    pub no_input_goodbye: &'static str,
    /// `messages.too_many_attempts`.
    pub too_many_attempts: &'static str,
    /// `messages.loop_goodbye`.
    pub loop_goodbye: &'static str,
    /// `messages.error_goodbye`.
    pub error_goodbye: &'static str,
    /// `messages.webhook_failed`.
    pub webhook_failed: &'static str,
    /// `messages.sms_help`.
    pub sms_help: &'static str,
    /// `messages.sms_cancelled`.
    pub sms_cancelled: &'static str,
    /// `messages.sms_empty`.
    pub sms_empty: &'static str,
    /// `messages.sms_handoff`.
    pub sms_handoff: &'static str,
    /// `messages.sms_handoff_number`.
    pub sms_handoff_number: &'static str,
    /// `messages.voice_help`.
    pub voice_help: &'static str,
    /// `messages.voice_cancelled`.
    pub voice_cancelled: &'static str,
    /// `messages.voice_no_operator`.
    pub voice_no_operator: &'static str,
    /// `messages.am_or_pm`.
    pub am_or_pm: &'static str,
    /// `messages.anything_else`.
    pub anything_else: &'static str,
    /// `sms.stop_words`, and the other texted words after it.
    pub sms_stop: &'static [&'static str],
    /// `sms.cancel_words`.
    pub sms_cancel: &'static [&'static str],
    /// `sms.restart_words`.
    pub sms_restart: &'static [&'static str],
    /// `sms.help_words`.
    pub sms_help_words: &'static [&'static str],
    /// `voice.help_words`, and the other spoken words after it.
    pub voice_help_words: &'static [&'static str],
    /// `voice.cancel_words`.
    pub voice_cancel: &'static [&'static str],
    /// `voice.restart_words`.
    pub voice_restart: &'static [&'static str],
    /// `voice.operator_words`.
    pub voice_operator: &'static [&'static str],
}

/// English.
static ENGLISH: Builtins = Builtins {
    on_failure: "Sorry, I didn't get that.",
    hold: "One moment, please.",
    not_understood: "Sorry, I didn't catch that. Could you say it another way?",
    no_input_goodbye: "I haven't heard anything, so I'll hang up now. Please call again any time. Goodbye.",
    too_many_attempts: "Sorry, I'm having trouble understanding. Please call again later. Goodbye.",
    loop_goodbye: "Sorry, something went wrong on our side. Please call again later. Goodbye.",
    error_goodbye: "Sorry, something went wrong on our side and I couldn't save that. Please call again in a moment. Goodbye.",
    webhook_failed: "Sorry, I couldn't finish that just now.",
    sms_help: "This is an automated assistant. Reply to the question, text START OVER to begin again, or CANCEL to stop.",
    sms_cancelled: "Okay, I've stopped. Text anything to start again.",
    sms_empty: "I can only read text, so please type your answer.",
    sms_handoff: "To talk to someone, please call us.",
    sms_handoff_number: "To talk to someone, please call",
    voice_help: "You can answer the question, say start over to begin again, or cancel to stop.",
    voice_cancelled: "Okay, I've stopped. Goodbye.",
    voice_no_operator: "Sorry, there is nobody I can put you through to right now.",
    am_or_pm: "Is that {am}, or {pm}?",
    anything_else: "What else can I help you with?",
    sms_stop: &["stop", "stopall", "unsubscribe", "end", "quit"],
    sms_cancel: &["cancel"],
    sms_restart: &["start over", "restart", "reset"],
    sms_help_words: &["help", "info"],
    voice_help_words: &["help", "help me", "i need help"],
    voice_cancel: &["cancel", "goodbye", "good bye", "bye", "never mind", "quit"],
    voice_restart: &["start over", "start again", "restart"],
    voice_operator: &[
        "operator",
        "agent",
        "representative",
        "a person",
        "a real person",
        "human",
        "talk to a person",
        "speak to a person",
        "talk to someone",
        "speak to someone",
    ],
};

/// Spanish, addressing the caller as usted, as a business does. Words are given with and
/// without accents: recognisers and texters drop them.
static SPANISH: Builtins = Builtins {
    on_failure: "Perdón, no le entendí.",
    hold: "Un momento, por favor.",
    not_understood: "Perdón, no le entendí. ¿Me lo puede decir de otra forma?",
    no_input_goodbye: "No he escuchado nada, así que voy a colgar. Llámenos cuando guste. Adiós.",
    too_many_attempts: "Perdón, no logro entenderle. Por favor llame más tarde. Adiós.",
    loop_goodbye: "Perdón, algo salió mal de nuestro lado. Por favor llame más tarde. Adiós.",
    error_goodbye: "Perdón, algo salió mal de nuestro lado y no pude guardarlo. Por favor llame de nuevo en un momento. Adiós.",
    webhook_failed: "Perdón, no pude terminar eso en este momento.",
    sms_help: "Este es un asistente automático. Responda a la pregunta, escriba EMPEZAR para comenzar de nuevo o CANCELAR para terminar.",
    sms_cancelled: "De acuerdo, cancelado. Escriba cualquier cosa para empezar de nuevo.",
    sms_empty: "Solo puedo leer texto; por favor escriba su respuesta.",
    sms_handoff: "Para hablar con alguien, por favor llámenos.",
    sms_handoff_number: "Para hablar con alguien, por favor llame al",
    voice_help: "Puede responder la pregunta, decir empezar de nuevo para comenzar otra vez, o cancelar para terminar.",
    voice_cancelled: "De acuerdo, cancelado. Adiós.",
    voice_no_operator: "Perdón, en este momento no hay nadie que pueda atenderle.",
    am_or_pm: "¿A las {am} o a las {pm}?",
    anything_else: "¿En qué más le puedo ayudar?",
    sms_stop: &["stop", "alto", "baja", "parar"],
    sms_cancel: &["cancelar"],
    sms_restart: &["empezar", "empezar de nuevo", "reiniciar"],
    sms_help_words: &["ayuda", "info"],
    voice_help_words: &["ayuda", "ayúdeme", "ayudeme", "necesito ayuda"],
    voice_cancel: &[
        "cancelar",
        "adiós",
        "adios",
        "ya no",
        "olvídelo",
        "olvidelo",
    ],
    voice_restart: &[
        "empezar de nuevo",
        "volver a empezar",
        "otra vez desde el principio",
    ],
    voice_operator: &[
        "operador",
        "operadora",
        "agente",
        "una persona",
        "hablar con una persona",
        "hablar con alguien",
        "un representante",
    ],
};

/// Mandarin (Simplified Chinese).
static MANDARIN: Builtins = Builtins {
    on_failure: "抱歉，我没听明白。",
    hold: "请稍等。",
    not_understood: "抱歉，我没听明白。您能换个说法吗？",
    no_input_goodbye: "我没有听到您的声音，先挂断了。欢迎随时再打来。再见。",
    too_many_attempts: "抱歉，我没能听懂您的意思。请稍后再打来。再见。",
    loop_goodbye: "抱歉，我们这边出了点问题。请稍后再打来。再见。",
    error_goodbye: "抱歉，我们这边出了点问题，刚才的信息没能保存。请稍后再打来。再见。",
    webhook_failed: "抱歉，这件事暂时没能办完。",
    sms_help: "这是自动助手。请回答问题；回复“重新开始”从头开始，回复“取消”结束。",
    sms_cancelled: "好的，已为您取消。发送任意内容可以重新开始。",
    sms_empty: "我只能读文字，请输入您的回答。",
    sms_handoff: "如需人工服务，请给我们打电话。",
    sms_handoff_number: "如需人工服务，请拨打",
    voice_help: "您可以回答问题，说“重新开始”从头开始，或者说“取消”结束。",
    voice_cancelled: "好的，已为您取消。再见。",
    voice_no_operator: "抱歉，现在没有人工客服可以接听。",
    am_or_pm: "请问是{am}还是{pm}？",
    anything_else: "还有什么可以帮您的吗？",
    sms_stop: &["stop", "退订", "停止"],
    sms_cancel: &["取消"],
    sms_restart: &["重新开始", "重来"],
    sms_help_words: &["帮助", "help"],
    voice_help_words: &["帮助", "帮帮我", "我需要帮助"],
    voice_cancel: &["取消", "再见", "算了"],
    voice_restart: &["重新开始", "重来", "从头开始"],
    voice_operator: &["人工", "人工服务", "转人工", "接线员", "客服"],
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
    /// How the bot says a stored date, weekday or time of day in it ("viernes 11 de diciembre",
    /// "晚上7点半"), when a text names one.
    pub speaker: &'static dyn speak::Speaker,
    /// Written in Han characters (Twilio transcribes Mandarin so), not the Latin alphabet:
    /// `check` warns about a sample in the other script.
    pub han: bool,
    /// Its words as the intent matcher needs them: stop words, stemming, homophones, and the
    /// out-of-scope requests its decline threshold is calibrated against.
    pub lexicon: &'static lexicon::Lexicon,
    /// What the bot says by default in moments no task covers, and the escape words.
    pub builtins: &'static Builtins,
}

/// Whether a character is a Han (Chinese) character.
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}' | '\u{20000}'..='\u{3134f}')
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
        speaker: &speak::English,
        han: false,
        lexicon: &lexicon::ENGLISH,
        builtins: &ENGLISH,
    },
    Language {
        tag: "es-US",
        name: "Spanish (United States)",
        gather: "es-US",
        voice: "Polly.Lupe",
        region: NANP,
        parsers: Some(&es::Spanish),
        speaker: &speak::Spanish,
        han: false,
        lexicon: &es::LEXICON,
        builtins: &SPANISH,
    },
    Language {
        tag: "es-MX",
        name: "Spanish (Mexico)",
        gather: "es-MX",
        voice: "Polly.Mia",
        region: MEXICO,
        parsers: Some(&es::Spanish),
        speaker: &speak::Spanish,
        han: false,
        lexicon: &es::LEXICON,
        builtins: &SPANISH,
    },
    Language {
        tag: "zh-CN",
        name: "Mandarin (Simplified Chinese, China)",
        gather: "cmn-Hans-CN",
        voice: "Polly.Zhiyu",
        region: CHINA,
        parsers: Some(&zh::Mandarin),
        speaker: &speak::Mandarin,
        han: true,
        lexicon: &zh::LEXICON,
        builtins: &MANDARIN,
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
