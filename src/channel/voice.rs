//! Programmable Voice: Twilio's voice webhook parameters in, TwiML `<Gather>`/`<Say>` out.
//!
//! Every prompt is spoken *inside* a `<Gather input="speech dtmf">`, so the caller can answer
//! before the bot finishes talking (barge-in), by voice or keypad. `actionOnEmptyResult` brings
//! silence back to the engine as a turn of its own, which is how re-prompts and the silence
//! limit work; without it Twilio would fall through and hang up.

use askama::Template;

use super::{Entry, xml_safe};
use crate::engine::{Caller, Channel, Gather, Input, Next, Output, Reply};
use crate::flow::{Handoff, Method};
// Keys pressed are capped as every number or digit answer is: no answer is longer.
use crate::nlu::fields::MAX_DIGITS;

/// Where a Gather sends the caller's answer.
pub const GATHER_PATH: &str = "/voice/gather";

/// Where Twilio comes back after a hold for the rest of the turn.
pub const CONTINUE_PATH: &str = "/voice/continue";

/// Longest CallSid accepted; Twilio's are 34 characters.
const MAX_SID_LEN: usize = 64;

/// The voice webhook parameters the engine uses. Twilio sends many more; they are ignored.
#[derive(Debug, Clone, Default)]
pub struct VoiceRequest {
    /// `CallSid`: the session key.
    pub call_sid: String,
    /// `From`: the caller.
    pub from: Option<String>,
    /// `To`: the number called.
    pub to: Option<String>,
    /// `CallStatus`: `in-progress`, `completed`, …
    pub call_status: Option<String>,
    /// `SpeechResult`: the transcript, when the caller spoke.
    pub speech: Option<String>,
    /// `Confidence`: the recogniser's confidence in the transcript.
    pub confidence: Option<f32>,
    /// `Digits`: keys pressed.
    pub digits: Option<String>,
    /// Autopilot's entry parameters (`AccountSid`, `TargetTask`, `Memory`).
    pub entry: Entry,
}

/// A voice request that cannot be used, with the one line to answer it with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoiceRequestError {
    /// No CallSid.
    #[error("missing CallSid: a voice webhook must carry the call's CallSid")]
    MissingCallSid,
    /// A CallSid that is not a Twilio identifier.
    #[error("invalid CallSid: expected letters and digits, at most 64 characters")]
    BadCallSid,
    /// Digits that are not keypad keys.
    #[error("invalid Digits: only 0-9, * and # are keypad keys")]
    BadDigits,
    /// More keys than any keypad answer has.
    #[error("invalid Digits: more than {MAX_DIGITS} keys")]
    TooManyDigits,
    /// A Memory parameter that is not a JSON object.
    #[error("invalid Memory: it must be a JSON object, e.g. {{\"plan\":\"gold\"}}")]
    BadMemory,
    /// A Memory parameter over a size or nesting limit.
    #[error("invalid Memory: {0}")]
    MemoryLimit(crate::flow::memory::MemoryLimit),
}

impl VoiceRequest {
    /// Reads the parameters from a decoded form. When a parameter is repeated, the first wins.
    ///
    /// # Errors
    /// No or a malformed CallSid, or Digits that are not keypad keys.
    pub fn from_form(form: &[(String, String)]) -> Result<VoiceRequest, VoiceRequestError> {
        let get = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let call_sid = get("CallSid")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(VoiceRequestError::MissingCallSid)?;
        if call_sid.len() > MAX_SID_LEN || !call_sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(VoiceRequestError::BadCallSid);
        }
        let digits = get("Digits").map(str::trim).filter(|d| !d.is_empty());
        if let Some(d) = digits {
            if !d
                .chars()
                .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
            {
                return Err(VoiceRequestError::BadDigits);
            }
            if d.len() > MAX_DIGITS {
                return Err(VoiceRequestError::TooManyDigits);
            }
        }
        Ok(VoiceRequest {
            call_sid: call_sid.to_owned(),
            from: get("From").map(str::to_owned),
            to: get("To").map(str::to_owned),
            call_status: get("CallStatus").map(str::to_owned),
            speech: get("SpeechResult")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            confidence: get("Confidence")
                .and_then(|c| c.trim().parse::<f32>().ok())
                .filter(|c| c.is_finite()),
            digits: digits.map(|d| d.trim_end_matches('#').to_owned()),
            entry: Entry::from_form(get).map_err(|limit| {
                limit.map_or(VoiceRequestError::BadMemory, VoiceRequestError::MemoryLimit)
            })?,
        })
    }

    /// Who is calling, for the engine.
    pub fn caller(&self) -> Caller {
        Caller {
            channel: Channel::Voice,
            delivery_token: None,
            key: self.call_sid.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            account_sid: self.entry.account_sid.clone(),
            target_task: self.entry.target_task.clone(),
            memory: self.entry.memory.clone(),
        }
    }

    /// What the caller did. With neither speech nor keys this is `otherwise`: `Start` for the
    /// number's webhook, `Silence` for a Gather's action.
    pub fn input(&self, otherwise: Input) -> Input {
        if let Some(text) = &self.speech {
            return Input::Speech {
                text: text.clone(),
                confidence: self.confidence,
                embedding: None,
            };
        }
        match &self.digits {
            Some(digits) if !digits.is_empty() => Input::Digits(digits.clone()),
            _ => otherwise,
        }
    }

    /// True when the status callback says the call is over.
    pub fn call_ended(&self) -> bool {
        matches!(
            self.call_status.as_deref(),
            Some("completed" | "busy" | "failed" | "no-answer" | "canceled")
        )
    }
}

/// A reply as TwiML.
#[derive(Template)]
#[template(path = "voice/reply.xml")]
struct ReplyTwiml<'a> {
    voice: Option<&'a str>,
    /// The recogniser's language for the Gather (`es-MX`, `cmn-Hans-CN`); None: Twilio's
    /// default, en-US.
    language: Option<&'a str>,
    verbs: Vec<Verb>,
    gather: Option<&'a Gather>,
    handoff: Option<HandoffVerb<'a>>,
    action: &'a str,
}

/// A handoff as the TwiML verb that performs it.
enum HandoffVerb<'a> {
    Hangup,
    Dial {
        number: &'a str,
    },
    Sip {
        address: &'a str,
    },
    Redirect {
        url: &'a str,
        method: &'static str,
    },
    Enqueue {
        workflow_sid: &'a str,
        wait_url: Option<&'a str>,
        action: Option<&'a str>,
        priority: Option<u32>,
        timeout: Option<u32>,
    },
}

impl<'a> HandoffVerb<'a> {
    fn of(handoff: &'a Handoff) -> HandoffVerb<'a> {
        match handoff {
            Handoff::Number { number } => HandoffVerb::Dial { number },
            Handoff::Sip { address } => HandoffVerb::Sip { address },
            // The engine never hands off to an unusable destination; ending the call is the only
            // safe reading if one slipped through.
            Handoff::Unusable { .. } => HandoffVerb::Hangup,
            Handoff::Twiml { url, method } => HandoffVerb::Redirect {
                url,
                method: method_name(*method),
            },
            Handoff::TaskRouter {
                workflow_sid,
                wait_url,
                action,
                priority,
                timeout,
            } => HandoffVerb::Enqueue {
                workflow_sid,
                wait_url: wait_url.as_deref(),
                action: action.as_deref(),
                priority: *priority,
                timeout: *timeout,
            },
        }
    }
}

fn method_name(method: Method) -> &'static str {
    match method {
        Method::Get => "GET",
        Method::Post => "POST",
    }
}

/// One spoken or played item, cleaned for XML.
enum Verb {
    Say { text: String },
    Play { url: String, times: u32 },
}

/// The empty document Twilio expects from a status callback.
#[derive(Template)]
#[template(path = "voice/empty.xml")]
struct EmptyTwiml;

/// Renders a reply as a TwiML document. `voice` is the style sheet's `say_voice`.
///
/// # Errors
/// Only if askama fails to render, which the compile-time checked template makes unexpected.
pub fn render(reply: &Reply, voice: Option<&str>) -> Result<String, askama::Error> {
    render_in(reply, voice, None)
}

/// As [`render`], with the language Twilio's recogniser should listen for (`<Gather
/// language>`), for a bot that is not in en-US.
///
/// # Errors
/// As [`render`].
pub fn render_in(
    reply: &Reply,
    voice: Option<&str>,
    language: Option<&str>,
) -> Result<String, askama::Error> {
    let verbs = verbs(&reply.outputs);
    let (gather, handoff) = match &reply.next {
        Next::Gather(gather) => (Some(gather), None),
        Next::Handoff(handoff) => (None, Some(HandoffVerb::of(handoff))),
        // The HTTP layer resolves web service calls before rendering; if one slipped through,
        // ending the call is the only safe reading.
        Next::Hangup | Next::Webhook(_) => (None, None),
    };
    ReplyTwiml {
        voice,
        language,
        verbs,
        gather,
        handoff,
        action: GATHER_PATH,
    }
    .render()
}

/// The outputs a call can hear, cleaned for XML.
fn verbs(outputs: &[Output]) -> Vec<Verb> {
    outputs
        .iter()
        .filter_map(|output| match output {
            Output::Say { text } => Some(Verb::Say {
                text: xml_safe(text),
            }),
            Output::Play { url, times } => Some(Verb::Play {
                url: xml_safe(url),
                times: *times,
            }),
            // The engine only shows on messaging channels; a call has no screen.
            Output::Show { .. } => None,
        })
        .collect()
}

/// Renders a hold: what the caller is to hear while a web service thinks, then a `<Redirect>`
/// that brings Twilio back to [`CONTINUE_PATH`] for the rest of the turn.
///
/// # Errors
/// As [`render`].
pub fn render_hold(outputs: &[Output], voice: Option<&str>) -> Result<String, askama::Error> {
    ReplyTwiml {
        voice,
        language: None,
        verbs: verbs(outputs),
        gather: None,
        handoff: Some(HandoffVerb::Redirect {
            url: CONTINUE_PATH,
            method: "POST",
        }),
        action: GATHER_PATH,
    }
    .render()
}

/// The empty `<Response/>` document.
///
/// # Errors
/// As [`render`].
pub fn render_empty() -> Result<String, askama::Error> {
    EmptyTwiml.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn speech_wins_over_digits_and_silence_is_the_fallback() {
        let req = VoiceRequest::from_form(&form(&[
            ("CallSid", "CA1"),
            ("SpeechResult", " register "),
            ("Digits", "1"),
        ]))
        .expect("valid");
        assert_eq!(
            req.input(Input::Silence),
            Input::Speech {
                text: "register".into(),
                confidence: None,
                embedding: None,
            }
        );
        let req = VoiceRequest::from_form(&form(&[("CallSid", "CA1"), ("Digits", "4155550123#")]))
            .expect("valid");
        assert_eq!(
            req.input(Input::Silence),
            Input::Digits("4155550123".into())
        );
        let req = VoiceRequest::from_form(&form(&[("CallSid", "CA1"), ("SpeechResult", "")]))
            .expect("valid");
        assert_eq!(req.input(Input::Silence), Input::Silence);
    }

    #[test]
    fn bad_requests_are_named() {
        assert_eq!(
            VoiceRequest::from_form(&form(&[])).unwrap_err(),
            VoiceRequestError::MissingCallSid
        );
        assert_eq!(
            VoiceRequest::from_form(&form(&[("CallSid", "CA<1>")])).unwrap_err(),
            VoiceRequestError::BadCallSid
        );
        assert_eq!(
            VoiceRequest::from_form(&form(&[("CallSid", "CA1"), ("Digits", "12a")])).unwrap_err(),
            VoiceRequestError::BadDigits
        );
    }

    #[test]
    fn caller_text_is_escaped_and_cleaned() {
        let reply = Reply {
            language: None,
            outputs: vec![Output::Say {
                text: "Hi <Jason> & ]]> \u{0}\u{8}friends".into(),
            }],
            next: Next::Gather(Gather {
                hints: "a \"b\", c".into(),
                num_digits: Some(10),
                finish_on_key: Some("#".into()),
                no_barge_in: true,
            }),
        };
        let xml = render(&reply, Some("Polly.Joanna")).expect("renders");
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>"),
            "{xml}"
        );
        assert!(
            xml.contains("Hi &#60;Jason&#62; &#38; ]]&#62; friends"),
            "{xml}"
        );
        assert!(!xml.contains('\u{0}') && !xml.contains('\u{8}'));
        assert!(xml.contains(r#"<Say voice="Polly.Joanna">"#), "{xml}");
        assert!(xml.contains(r#"hints="a &#34;b&#34;, c""#), "{xml}");
        assert!(
            xml.contains(r##"numDigits="10" finishOnKey="#" bargeIn="false">"##),
            "{xml}"
        );
        assert!(xml.contains("</Gather>\n</Response>"), "{xml}");
    }

    #[test]
    fn a_hangup_reply_has_no_gather() {
        let reply = Reply {
            language: None,
            outputs: vec![Output::Say { text: "Bye".into() }],
            next: Next::Hangup,
        };
        let xml = render(&reply, None).expect("renders");
        assert!(
            xml.ends_with("<Say>Bye</Say>\n<Hangup/>\n</Response>"),
            "{xml}"
        );
        assert!(!xml.contains("Gather"));
    }
}
