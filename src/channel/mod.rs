//! Channels: Twilio's wire format in, TwiML out.
//!
//! A channel turns a webhook's form parameters into the engine's [`Input`](crate::engine::Input)
//! and a [`Reply`](crate::engine::Reply) into a TwiML document rendered by askama from
//! `templates/`. Every text — flow-authored or said by a caller — reaches the XML through the
//! template engine's escaping; nothing here builds XML by hand.

pub mod sms;
pub mod voice;

use serde_json::{Map, Value};

/// Removes characters XML 1.0 cannot carry at all (most C0 controls, U+FFFE/U+FFFF).
///
/// Escaping makes `<`, `&` and quotes safe, but a NUL or a form feed in a transcript would still
/// make the document invalid, so they are dropped before rendering.
pub(crate) fn xml_safe(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

/// Autopilot's `Memory` channel parameter: absent or blank is no memory; otherwise it must be a
/// JSON object (Err otherwise, for the channel to name in its 400).
pub(crate) fn memory_param(value: Option<&str>) -> Result<Option<Map<String, Value>>, ()> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(json) => match serde_json::from_str::<Value>(json) {
            Ok(Value::Object(map)) => Ok(Some(map)),
            _ => Err(()),
        },
    }
}
