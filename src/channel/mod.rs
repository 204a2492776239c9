//! Channels: Twilio's wire format in, TwiML out.
//!
//! A channel turns a webhook's form parameters into the engine's [`Input`](crate::engine::Input)
//! and a [`Reply`](crate::engine::Reply) into a TwiML document rendered by askama from
//! `templates/`. Every text — flow-authored or said by a caller — reaches the XML through the
//! template engine's escaping; nothing here builds XML by hand.

pub mod sms;
pub mod voice;

use serde_json::{Map, Value};

use crate::flow::memory::{self, MemoryLimit};

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

/// Autopilot's channel entry parameters, the same on every channel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    /// `AccountSid`: the Twilio account.
    pub account_sid: Option<String>,
    /// `TargetTask`: start a new conversation at this task.
    pub target_task: Option<String>,
    /// `Memory`: a JSON object merged into a new conversation's memory.
    pub memory: Option<Map<String, Value>>,
}

impl Entry {
    /// Reads the entry parameters with `get` (a form lookup). Err when `Memory` is present but
    /// not a JSON object (`None`) or breaks a [`memory`] limit, for the channel to name in its 400.
    pub(crate) fn from_form<'a>(
        get: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<Entry, Option<MemoryLimit>> {
        let present = |v: Option<&'a str>| v.map(str::trim).filter(|v| !v.is_empty());
        let memory = match present(get("Memory")) {
            None => None,
            Some(json) => {
                // Checked before parsing: size and nesting bound what the session will carry.
                memory::check_text(json).map_err(Some)?;
                match serde_json::from_str::<Value>(json) {
                    Ok(Value::Object(map)) => Some(map),
                    _ => return Err(None),
                }
            }
        };
        Ok(Entry {
            account_sid: get("AccountSid").map(str::to_owned),
            target_task: present(get("TargetTask")).map(str::to_owned),
            memory,
        })
    }
}
