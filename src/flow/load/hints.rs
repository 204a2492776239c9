//! Speech hints for Twilio's recogniser: the phrases a Gather should expect, drawn from task
//! samples (at a listen) or from a question's type and allowed values.

use std::collections::HashSet;

use super::MAX_HINTS;
use crate::flow::{Action, Assistant, Field, Validate, VoiceDigits};

/// Gather hints from samples: distinct phrases, at most [`MAX_HINTS`]. A sample's field tags
/// (`{party_size}`) are never said as written, so a sample gives the phrases between them
/// ("book a table for", "people"), not itself.
pub(super) fn sample_hints<'a>(samples: impl Iterator<Item = &'a [String]>) -> String {
    let mut seen = HashSet::new();
    let mut out: Vec<String> = Vec::new();
    for piece in samples.flatten().flat_map(|sample| between_tags(sample)) {
        // Commas separate hints, so they cannot appear inside one.
        let phrase = piece
            .replace(',', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if phrase.is_empty() || phrase.len() > 100 || !seen.insert(phrase.to_lowercase()) {
            continue;
        }
        out.push(phrase);
        if out.len() == MAX_HINTS {
            break;
        }
    }
    out.join(", ")
}

/// The text of a sample outside its `{tags}`, piece by piece. An unclosed `{` is text.
pub(super) fn between_tags(sample: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = sample;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        pieces.push(&rest[..open]);
        rest = &rest[open + close + 1..];
    }
    pieces.push(rest);
    pieces
}

pub(super) fn question_hints(field: &Field, validate: &Validate, digits: &VoiceDigits) -> String {
    let mut phrases: Vec<String> = Vec::new();
    match field {
        Field::FreeText => {}
        Field::Builtin(ty) => phrases.extend(ty.hints().iter().map(|s| (*s).to_owned())),
        Field::Custom(_, custom) => phrases.extend(custom.hints()),
    }
    if let Some(allowed) = &validate.allowed_values {
        phrases.extend(allowed.iter().cloned());
    }
    phrases.extend(digits.mapping.values().cloned());
    sample_hints(std::iter::once(phrases.as_slice()))
}

/// Fills in each listen's hints once every task's samples are known.
pub(super) fn finish_listen_hints(assistant: &mut Assistant) {
    // Computed first and assigned after, so every task's samples can be read without copying
    // them all.
    let tasks = &assistant.tasks;
    let mut hints: Vec<(usize, usize, String)> = Vec::new();
    for (t, task) in tasks.iter().enumerate() {
        for (a, action) in task.actions.iter().enumerate() {
            if let Action::Listen(listen) = action {
                let text = match &listen.tasks {
                    Some(ids) => sample_hints(ids.iter().map(|id| tasks[id.0].samples.as_slice())),
                    None => assistant.all_task_hints.clone(),
                };
                hints.push((t, a, text));
            }
        }
    }
    for (t, a, text) in hints {
        if let Action::Listen(listen) = &mut assistant.tasks[t].actions[a] {
            listen.hints = text;
        }
    }
}
