//! A webhook body as Twilio (or an attacker) might send it: decode the form, read it as a voice
//! and as an SMS request, run the engine on the built-in flows, render the TwiML. Nothing may
//! panic, and every rendered document must stay well-formed enough to start with the header.
#![no_main]

use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use switchboard::channel::{sms::SmsRequest, voice::VoiceRequest};
use switchboard::engine::{self, Input};
use switchboard::flow::{self, Assistant};

fn assistant() -> &'static Assistant {
    static ASSISTANT: OnceLock<Assistant> = OnceLock::new();
    ASSISTANT
        .get_or_init(|| flow::load(&flow::source::embedded()).expect("the built-in flows load"))
}

fuzz_target!(|body: &[u8]| {
    let Ok(form) = switchboard::http::form::decode(body) else {
        return;
    };
    let now = Utc
        .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("valid time");
    if let Ok(request) = VoiceRequest::from_form(&form) {
        let caller = request.caller();
        let first = engine::step(assistant(), None, Input::Start, &caller, now);
        let next = engine::step(
            assistant(),
            Some(first.session),
            request.input(Input::Silence),
            &caller,
            now,
        );
        let xml = switchboard::channel::voice::render(&next.reply, Some("Polly.Joanna"))
            .expect("renders");
        assert!(xml.starts_with("<?xml"));
    }
    if let Ok(request) = SmsRequest::from_form(&form) {
        let caller = request.caller();
        let outcome = engine::step(assistant(), None, request.input(), &caller, now);
        let xml = switchboard::channel::sms::render(&outcome.reply).expect("renders");
        assert!(xml.starts_with("<?xml"));
    }
});
