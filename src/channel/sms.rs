//! Programmable Messaging: Twilio's incoming-message parameters in, `<Message>` TwiML out.
//!
//! A text conversation is keyed by the From/To pair. Everything the bot says in one turn goes
//! out as one message — split at sentence boundaries when it is over Twilio's 1,600-character
//! limit (670 characters, ten 67-character segments, for a text that needs UCS-2: Chinese, or
//! Spanish with á), and never more than the 10 messages Twilio accepts in one reply.

use askama::Template;

use super::{Entry, xml_safe};
use crate::engine::{Caller, Channel, Input, Output, Reply};

/// Longest body Twilio sends in one message.
pub const MAX_BODY: usize = 1600;

/// Longest body for a text that needs UCS-2 (Chinese, or Spanish with á, í, ó, ú): ten
/// segments of 67 characters. Twilio would take 1,600 characters, but as 24 segments, each
/// billed and each a chance to arrive out of order; ten is what it recommends.
pub const MAX_UCS2_BODY: usize = 670;

/// The characters of the GSM 03.38 alphabet (its basic set and extension table): a text made
/// of only these travels in 153-character segments, any other character makes it UCS-2.
const GSM7: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€";

/// The longest body for `text`: [`MAX_BODY`], or [`MAX_UCS2_BODY`] when it needs UCS-2.
pub fn max_body(text: &str) -> usize {
    if text.chars().all(|c| GSM7.contains(c)) {
        MAX_BODY
    } else {
        MAX_UCS2_BODY
    }
}

/// Most `<Message>`s Twilio accepts in one reply.
pub const MAX_MESSAGES: usize = 10;

/// Most pictures in one message.
const MAX_MEDIA: usize = 10;

/// The incoming-message parameters the engine uses.
#[derive(Debug, Clone, Default)]
pub struct SmsRequest {
    /// `From`: who texted.
    pub from: String,
    /// `To`: the number they texted.
    pub to: String,
    /// `Body`: the text (may be empty for a picture-only message).
    pub body: String,
    /// `NumMedia`: pictures attached.
    pub num_media: u32,
    /// Autopilot's entry parameters (`AccountSid`, `TargetTask`, `Memory`).
    pub entry: Entry,
}

/// A message request that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsRequestError {
    /// No sender.
    #[error("missing From: an incoming message must say who sent it")]
    MissingFrom,
    /// No recipient.
    #[error("missing To: an incoming message must say which number it was sent to")]
    MissingTo,
    /// No Body parameter at all (an empty one is fine).
    #[error("missing Body: an incoming message must carry a Body parameter, even if empty")]
    MissingBody,
    /// A Memory parameter that is not a JSON object.
    #[error("invalid Memory: it must be a JSON object, e.g. {{\"plan\":\"gold\"}}")]
    BadMemory,
    /// A Memory parameter over a size or nesting limit.
    #[error("invalid Memory: {0}")]
    MemoryLimit(crate::flow::memory::MemoryLimit),
}

impl SmsRequest {
    /// Reads the parameters from a decoded form. When a parameter is repeated, the first wins.
    ///
    /// # Errors
    /// From, To or Body missing, or Memory that is not a JSON object.
    pub fn from_form(form: &[(String, String)]) -> Result<SmsRequest, SmsRequestError> {
        let get = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let present = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let from = present(get("From")).ok_or(SmsRequestError::MissingFrom)?;
        let to = present(get("To")).ok_or(SmsRequestError::MissingTo)?;
        let body = get("Body")
            .ok_or(SmsRequestError::MissingBody)?
            .trim()
            .to_owned();
        let entry = Entry::from_form(get).map_err(|limit| {
            limit.map_or(SmsRequestError::BadMemory, SmsRequestError::MemoryLimit)
        })?;
        Ok(SmsRequest {
            from,
            to,
            body,
            num_media: get("NumMedia")
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(0),
            entry,
        })
    }

    /// The conversation's key: one per sender and number texted.
    pub fn key(&self) -> String {
        format!("sms:{}:{}", self.to, self.from)
    }

    /// Who is texting.
    pub fn caller(&self) -> Caller {
        Caller {
            key: self.key(),
            from: Some(self.from.clone()),
            to: Some(self.to.clone()),
            account_sid: self.entry.account_sid.clone(),
            target_task: self.entry.target_task.clone(),
            memory: self.entry.memory.clone(),
            channel: Channel::Sms,
            delivery_token: None,
        }
    }

    /// What the texter did: words, keypad-style digits typed as a message, or nothing readable
    /// (an empty or picture-only message).
    pub fn input(&self) -> Input {
        input_of(&self.body)
    }
}

/// What a text message's body is to the engine: nothing readable (empty), keypad-style digits
/// typed as a message ("1", "415 5550123" is words), or words. `switchboard test` reads a
/// script's texts the same way, so a conversation test sees what production sees.
pub fn input_of(body: &str) -> Input {
    let body = body.trim();
    if body.is_empty() {
        Input::Silence
    } else if body
        .chars()
        .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
    {
        Input::Digits(body.trim_end_matches('#').to_owned())
    } else {
        Input::Speech {
            text: body.to_owned(),
            confidence: None,
            embedding: None,
        }
    }
}

/// One outgoing message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The text.
    pub body: String,
    /// Picture URLs.
    pub media: Vec<String>,
}

/// A reply as TwiML.
#[derive(Template)]
#[template(path = "sms/reply.xml")]
struct ReplyTwiml<'a> {
    messages: &'a [Message],
}

/// The messages a reply sends: its says and shows joined into one text, split to fit.
pub fn messages(reply: &Reply) -> Vec<Message> {
    let mut texts = Vec::new();
    let mut media = Vec::new();
    for output in &reply.outputs {
        match output {
            Output::Say { text } => texts.push(text.trim().to_owned()),
            Output::Show { text, images } => {
                texts.push(text.trim().to_owned());
                media.extend(images.iter().cloned());
            }
            // Audio cannot be texted; the engine does not play on this channel anyway.
            Output::Play { .. } => {}
        }
    }
    let text = texts
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut bodies = split(&xml_safe(&text));
    if bodies.is_empty() && !media.is_empty() {
        bodies.push(String::new());
    }
    let mut messages: Vec<Message> = bodies
        .into_iter()
        .map(|body| Message {
            body,
            media: Vec::new(),
        })
        .collect();
    if let Some(last) = messages.last_mut() {
        media.truncate(MAX_MEDIA);
        last.media = media.iter().map(|m| xml_safe(m)).collect();
    }
    messages
}

/// Splits a text into bodies of at most [`max_body`] characters, at sentence ends where it
/// can, else at a space, else anywhere; at most [`MAX_MESSAGES`], the last ending in "…" if
/// cut. Chinese sentences end at 。！？ with no space after them, and join without one.
pub fn split(text: &str) -> Vec<String> {
    let text = text.trim();
    if text.is_empty() {
        return Vec::new();
    }
    let max = max_body(text);
    let mut bodies: Vec<String> = Vec::new();
    let mut current = String::new();
    for sentence in sentences(text) {
        for piece in fit(sentence, max) {
            let gap = if current.is_empty() || current.ends_with(FULL_STOPS) {
                ""
            } else {
                " "
            };
            let joined = current.chars().count() + gap.len() + piece.chars().count();
            if joined <= max {
                current.push_str(gap);
                current.push_str(piece);
            } else {
                bodies.push(std::mem::take(&mut current));
                current.push_str(piece);
            }
        }
    }
    if !current.is_empty() {
        bodies.push(current);
    }
    if bodies.len() > MAX_MESSAGES {
        bodies.truncate(MAX_MESSAGES);
        if let Some(last) = bodies.last_mut() {
            let keep: String = last.chars().take(max - 1).collect();
            *last = format!("{}…", keep.trim_end());
        }
    }
    bodies
}

/// Full-width sentence ends, as Chinese writes them (no space follows).
const FULL_STOPS: &[char] = &['。', '！', '？'];

/// Sentences: text up to and including `.`, `!` or `?` followed by a space, or 。！？.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    for window in bytes.windows(2) {
        let [(i, c), (_, next)] = window else {
            continue;
        };
        if matches!(c, '.' | '!' | '?') && next.is_whitespace() || FULL_STOPS.contains(c) {
            let end = i + c.len_utf8();
            out.push(text[start..end].trim());
            start = end;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out.into_iter().filter(|s| !s.is_empty()).collect()
}

/// A sentence in pieces of at most `max` characters, cut at spaces where possible.
fn fit(sentence: &str, max: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = sentence;
    while rest.chars().count() > max {
        // The byte index of the max-th character: always a char boundary.
        let limit = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        let cut = rest[..limit].rfind(' ').filter(|&i| i > 0).unwrap_or(limit);
        pieces.push(rest[..cut].trim());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() {
        pieces.push(rest);
    }
    pieces
}

/// Renders a reply as `<Message>` TwiML; no says means an empty `<Response/>` (nothing sent).
///
/// # Errors
/// Only if askama fails to render, which the compile-time checked template makes unexpected.
pub fn render(reply: &Reply) -> Result<String, askama::Error> {
    ReplyTwiml {
        messages: &messages(reply),
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Next;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn bad_requests_are_named_and_empty_bodies_are_fine() {
        assert_eq!(
            SmsRequest::from_form(&form(&[("To", "+1"), ("Body", "hi")])).unwrap_err(),
            SmsRequestError::MissingFrom
        );
        assert_eq!(
            SmsRequest::from_form(&form(&[("From", "+1"), ("Body", "hi")])).unwrap_err(),
            SmsRequestError::MissingTo
        );
        assert_eq!(
            SmsRequest::from_form(&form(&[("From", "+1"), ("To", "+2")])).unwrap_err(),
            SmsRequestError::MissingBody
        );
        let picture = SmsRequest::from_form(&form(&[
            ("From", "+1"),
            ("To", "+2"),
            ("Body", ""),
            ("NumMedia", "1"),
        ]))
        .expect("valid");
        assert_eq!(picture.input(), Input::Silence);
        let digits = SmsRequest::from_form(&form(&[
            ("From", "+1"),
            ("To", "+2"),
            ("Body", " 4155550123 "),
        ]))
        .expect("valid");
        assert_eq!(digits.input(), Input::Digits("4155550123".into()));
    }

    #[test]
    fn the_key_keeps_two_texters_apart() {
        let a = SmsRequest {
            from: "+1555".into(),
            to: "+1999".into(),
            ..SmsRequest::default()
        };
        let b = SmsRequest {
            from: "+1556".into(),
            to: "+1999".into(),
            ..SmsRequest::default()
        };
        assert_ne!(a.key(), b.key());
    }

    #[test]
    fn a_2000_character_reply_splits_at_a_sentence_end() {
        let sentence = format!("{}.", "word ".repeat(100).trim_end()); // 500 characters
        let text = [sentence.as_str(); 4].join(" ");
        assert_eq!(text.chars().count(), 2003);
        let bodies = split(&text);
        assert_eq!(bodies.len(), 2);
        assert!(bodies.iter().all(|b| b.chars().count() <= MAX_BODY));
        assert!(
            bodies[0].ends_with('.') && bodies[1].ends_with('.'),
            "{bodies:?}"
        );
        assert_eq!(bodies[0].chars().count(), 3 * 500 + 2);
        assert_eq!(bodies.join(" "), text, "nothing lost or reordered");
    }

    #[test]
    fn a_sentence_longer_than_a_message_is_cut_at_a_space_and_the_total_is_capped() {
        let long = "a".repeat(10) + &" bb".repeat(700);
        let bodies = split(&long);
        assert!(
            bodies.iter().all(|b| b.chars().count() <= MAX_BODY),
            "{:?}",
            bodies.iter().map(|b| b.len()).collect::<Vec<_>>()
        );
        assert!(bodies.len() == 2 && !bodies[0].ends_with(' '));
        let huge = "x. ".repeat(20_000);
        let bodies = split(&huge);
        assert_eq!(bodies.len(), MAX_MESSAGES);
        assert!(bodies[MAX_MESSAGES - 1].ends_with('…'));
        let emoji = "😀".repeat(4000);
        assert!(split(&emoji).iter().all(|b| b.chars().count() <= MAX_BODY));
    }

    #[test]
    fn a_text_that_needs_ucs2_is_split_at_ten_segments_and_chinese_at_its_full_stops() {
        assert_eq!(
            max_body("Hola, ¿cómo está?"),
            MAX_UCS2_BODY,
            "ó is not in GSM-7"
        );
        assert_eq!(max_body("Hola, ¿qué tal? Señor"), MAX_BODY);
        let sentence = format!("{}。", "请".repeat(199)); // 200 characters
        let text = sentence.repeat(5);
        let bodies = split(&text);
        assert_eq!(
            bodies.len(),
            2,
            "{:?}",
            bodies.iter().map(|b| b.chars().count()).collect::<Vec<_>>()
        );
        assert!(bodies.iter().all(|b| b.chars().count() <= MAX_UCS2_BODY));
        assert!(bodies.iter().all(|b| b.ends_with('。')));
        assert_eq!(bodies.concat(), text, "joined without spaces, nothing lost");
    }

    #[test]
    fn says_and_shows_become_one_message_with_pictures() {
        let reply = Reply {
            language: None,
            outputs: vec![
                Output::Say {
                    text: "Here is the map.".into(),
                },
                Output::Show {
                    text: "Hall B <3 & more".into(),
                    images: vec!["https://x.example/map.png".into()],
                },
            ],
            next: Next::Hangup,
        };
        let xml = render(&reply).expect("renders");
        assert!(xml.contains("<Message><Body>Here is the map. Hall B &#60;3 &#38; more</Body><Media>https://x.example/map.png</Media></Message>"), "{xml}");
        let silent = Reply {
            language: None,
            outputs: vec![],
            next: Next::Hangup,
        };
        assert!(
            render(&silent)
                .expect("renders")
                .contains("<Response>\n</Response>")
                || render(&silent).expect("renders").contains("<Response/>")
        );
    }
}
