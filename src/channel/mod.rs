//! Channels: Twilio's wire format in, TwiML out.
//!
//! A channel turns a webhook's form parameters into the engine's [`Input`](crate::engine::Input)
//! and a [`Reply`](crate::engine::Reply) into a TwiML document rendered by askama from
//! `templates/`. Every text — flow-authored or said by a caller — reaches the XML through the
//! template engine's escaping; nothing here builds XML by hand.

pub mod sms;
pub mod voice;

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
