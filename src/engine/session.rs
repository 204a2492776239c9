//! A session's persisted state: everything the engine needs to carry a conversation across turns.
//!
//! The state refers to tasks by name, never by index, so a session saved before the flows were
//! edited still reads after a restart (the engine copes when a name has gone). It is stored as
//! JSON in one SQLite row; serde derives keep that format in one place.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Caller, CollectStatus, Effect, Output, Reply};

pub use crate::flow::Channel;

/// One conversation's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The channel it runs on.
    pub channel: Channel,
    /// When the first turn arrived.
    pub started_at: DateTime<Utc>,
    /// Turns taken so far (a duplicate of the first webhook does not count).
    pub turns: u32,
    /// True once the call has ended; later webhooks get a hang-up.
    pub ended: bool,
    /// The task running now, for the log and for webhooks.
    pub task: Option<String>,
    /// What the last reply asked the caller for.
    pub waiting: Waiting,
    /// The last reply sent, repeated on silence at a listen and on a replayed first webhook.
    pub last_reply: Option<Reply>,
    /// Collects started in this session; numbers each run so a saved row is keyed by it.
    pub collects_started: u32,
    /// Autopilot-shaped memory: the `twilio` namespace and keys written by `remember`.
    pub memory: Map<String, Value>,
    /// The Twilio account the call came through (`AccountSid` for web services).
    #[serde(default)]
    pub account_sid: Option<String>,
    /// What the caller last said or keyed (`CurrentInput` for web services).
    #[serde(default)]
    pub last_input: Option<String>,
    /// How the last utterance was routed (`CurrentTaskConfidence`, `NextBestTask`).
    #[serde(default)]
    pub last_route: Option<Route>,
    /// Field values found in the utterance that chose the current task (`Field_<name>_Value`),
    /// used by questions' `prefill`.
    #[serde(default)]
    pub fields: Vec<FieldValue>,
    /// When the last turn arrived; a text conversation idle too long starts afresh.
    #[serde(default)]
    pub last_active: Option<DateTime<Utc>>,
    /// A call's last webhook delivery that got its reply, kept by the store so a retry of it
    /// gets the same reply (see `store`); the engine carries it and never reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// What the conversation has done so far, for the operator's list of calls.
    #[serde(default, skip_serializing_if = "Summary::is_empty")]
    pub summary: Summary,
    /// The version of the flows the conversation runs on ([`crate::flow::Assistant::version`]):
    /// the one it started on, while the server still holds it. None for a session saved before
    /// versions were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The task whose web service failed this turn, if one did: a second failure in the same
    /// turn gets the engine's last resort instead of the fallback again, and web services
    /// called meanwhile get it as `CurrentTask`. Cleared by the caller's next turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_task: Option<String>,
    /// The language the call speaks when a task switched it from the assistant's (a tag,
    /// `"es-US"`); None: the assistant's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// What a conversation has done so far: the tasks it reached, its collects, what went wrong and
/// how it ended. Kept with the state so that the store can write the call's line in the
/// console's list of calls every turn from the session alone, without reading the history back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Tasks run, each once, in the order first reached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<String>,
    /// Collect runs: each run's number, collect and where it stands.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collects: Vec<(u32, String, CollectStatus)>,
    /// Utterances the matcher judged (keypad choices aside).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub routed: u32,
    /// Utterances the matcher declined.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub declines: u32,
    /// Utterances the matcher declined or only just matched (within [`NEARLY`] of its
    /// threshold): what the console's Not understood page reviews.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub doubtful: u32,
    /// Web service calls that failed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub webhook_failures: u32,
    /// Why the conversation ended (`hangup`, `task_ended`, `handoff`, `no_input`…), once it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<String>,
}

/// How close above the matcher's threshold a match counts as only just made.
pub const NEARLY: f64 = 0.1;

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Summary {
    fn is_empty(&self) -> bool {
        *self == Summary::default()
    }

    /// Takes in what one step did, from the history lines and collect records it produced;
    /// `threshold` is the matcher's.
    pub(super) fn note(&mut self, effects: &[Effect], threshold: f32) {
        for effect in effects {
            match effect {
                Effect::Event { kind, detail } => match *kind {
                    "task" => {
                        if let Some(task) = detail.get("task").and_then(Value::as_str)
                            && !self.tasks.iter().any(|t| t == task)
                        {
                            self.tasks.push(task.to_owned());
                        }
                    }
                    // A keypad choice has no decision: it cannot be declined.
                    "route" => {
                        if let Some(decision) = detail.get("decision").and_then(Value::as_str) {
                            self.routed += 1;
                            let confidence = detail
                                .get("confidence")
                                .and_then(Value::as_f64)
                                .unwrap_or(0.0);
                            if decision != "Matched" {
                                self.declines += 1;
                                self.doubtful += 1;
                            } else if confidence < f64::from(threshold) + NEARLY {
                                self.doubtful += 1;
                            }
                        }
                    }
                    "webhook_failed" => self.webhook_failures += 1,
                    // An idle text conversation's end is written by the turn that starts the
                    // next one on the same number: it is the earlier conversation's.
                    "end" if detail.get("reason").and_then(Value::as_str) != Some("idle") => {
                        self.ended_by = detail
                            .get("reason")
                            .and_then(Value::as_str)
                            .map(str::to_owned);
                    }
                    _ => {}
                },
                Effect::Collected(record) => {
                    match self
                        .collects
                        .iter_mut()
                        .find(|(seq, ..)| *seq == record.seq)
                    {
                        Some(run) => run.2 = record.status,
                        None => {
                            self.collects
                                .push((record.seq, record.collect.clone(), record.status))
                        }
                    }
                }
            }
        }
    }
}

/// A webhook delivery and the reply it got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// Twilio's `I-Twilio-Idempotency-Token`.
    pub token: String,
    /// The reply sent, when it is not the session's `last_reply` (a call's last words):
    /// mid-call they are the same, and the state is written every turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<Reply>,
}

/// A field value found in an utterance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldValue {
    /// The field's name.
    pub name: String,
    /// The normalised value.
    pub value: String,
    /// The field's type name (`Twilio.DATE`).
    pub field_type: String,
}

/// The matcher's decision on the last utterance routed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// Confidence of the chosen (or best) task.
    pub confidence: f32,
    /// The runner-up task, if any.
    pub next_best: Option<String>,
}

impl Session {
    /// A new session for a caller, with Autopilot's `twilio.voice` memory and any `Memory`
    /// the channel entry carried (its `twilio` key cannot overwrite the platform's).
    pub fn new(caller: &Caller, now: DateTime<Utc>) -> Session {
        let channel = caller.channel;
        let mut memory = Map::new();
        if let Some(extra) = &caller.memory {
            for (key, value) in extra {
                if key != "twilio" {
                    memory.insert(key.clone(), value.clone());
                }
            }
        }
        let platform = match channel {
            Channel::Voice => serde_json::json!({"voice": {
                "CallSid": caller.key,
                "From": caller.from,
                "To": caller.to,
                "Direction": "inbound",
            }}),
            Channel::Sms => serde_json::json!({"sms": {"From": caller.from, "To": caller.to}}),
        };
        memory.insert("twilio".into(), platform);
        Session {
            language: None,
            channel,
            started_at: now,
            turns: 0,
            ended: false,
            task: None,
            waiting: Waiting::Nothing,
            last_reply: None,
            collects_started: 0,
            memory,
            account_sid: caller.account_sid.clone(),
            last_input: None,
            last_route: None,
            fields: Vec::new(),
            last_active: Some(now),
            delivery: None,
            summary: Summary::default(),
            version: None,
            failed_task: None,
        }
    }
}

impl Session {
    /// The caller's number, as the conversation's first webhook gave it.
    pub fn caller(&self) -> Option<&str> {
        self.memory
            .get("twilio")?
            .get(self.channel.as_str())?
            .get("From")?
            .as_str()
    }
}

/// What the engine expects next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Waiting {
    /// Nothing: the call has just started or has ended.
    Nothing,
    /// An utterance to route to a task.
    Intent {
        /// Only these tasks may be chosen (Autopilot `listen.tasks`); None means any.
        allowed: Option<Vec<String>>,
        /// Silent turns in a row so far.
        silences: u32,
        /// A keypad menu: keys → task name (Autopilot `listen.voice_digits`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        keypad: Option<Vec<(String, String)>>,
    },
    /// An answer to a collect's question.
    Answer(CollectRun),
    /// A web service's answer, within the same caller turn.
    Webhook {
        /// What the answer is for.
        pending: PendingWebhook,
        /// Redirects already taken this turn (the limit spans web services too).
        redirects: u32,
        /// What the caller is to hear before whatever the web service adds.
        outputs: Vec<Output>,
    },
}

/// What a web service's answer will be used for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PendingWebhook {
    /// Actions to run (a redirect to a URL).
    Actions,
    /// A verdict on an answer (a question's validation webhook).
    Verdict {
        /// The collect in progress.
        run: CollectRun,
        /// What the caller said.
        said: String,
        /// The parsed value awaiting approval.
        value: String,
    },
}

/// A collect in progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectRun {
    /// Which run of a collect in this session (1, 2, …).
    pub seq: u32,
    /// The task holding the collect.
    pub task: String,
    /// The collect's position among the task's actions.
    pub action: usize,
    /// The collect's name.
    pub collect: String,
    /// The question being asked (index into the collect's questions).
    pub question: usize,
    /// Failed attempts at the current question (silence included).
    pub attempts: u32,
    /// When the first question was asked.
    pub started_at: DateTime<Utc>,
    /// Answers accepted so far, in question order.
    pub answers: Vec<AnswerRecord>,
    /// For a collect that came from a web service's answer, that Actions JSON document (the
    /// collect is `action` within it); None for a collect in a task file.
    #[serde(default)]
    pub document: Option<Value>,
    /// A time answer the caller gave without its part of day, waiting for "morning or
    /// evening?": its two readings, `HH:MM` in the morning and in the afternoon or evening.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub either: Option<Box<(String, String)>>,
}

/// One accepted answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerRecord {
    /// The question's name.
    pub question: String,
    /// What the caller said or keyed, as received.
    pub said: String,
    /// The normalised value (`+14155550123`, `2026-03-03`, `Jason`).
    pub value: String,
    /// Attempts it took, the accepted one included.
    pub attempts: u32,
    /// When it was accepted.
    pub at: DateTime<Utc>,
    /// The question is marked sensitive: the store keeps only a hash of this answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(kind: &'static str, detail: Value) -> Effect {
        Effect::Event { kind, detail }
    }

    #[test]
    fn a_summary_counts_declines_and_failures_and_keeps_each_task_once() {
        let mut summary = Summary::default();
        summary.note(
            &[
                event("route", json!({"task": null, "decision": "BelowThreshold"})),
                event(
                    "route",
                    json!({"task": "order", "confidence": 0.45, "decision": "Matched"}),
                ),
                event(
                    "route",
                    json!({"task": "order", "confidence": 0.9, "decision": "Matched"}),
                ),
                // A keypad choice carries no decision and is never a decline.
                event("route", json!({"task": "order", "keypad": "1"})),
                event("task", json!({"task": "order"})),
                event("webhook_failed", json!({"reason": "answered HTTP 500"})),
            ],
            0.4,
        );
        summary.note(
            &[
                event("task", json!({"task": "order"})),
                event("task", json!({"task": "goodbye"})),
                event("end", json!({"reason": "task_ended"})),
            ],
            0.4,
        );
        assert_eq!(summary.tasks, ["order", "goodbye"]);
        // Three judged: one declined, one matched within 0.1 of the threshold (doubtful too).
        assert_eq!(
            (
                summary.routed,
                summary.declines,
                summary.doubtful,
                summary.webhook_failures
            ),
            (3, 1, 2, 1)
        );
        assert_eq!(summary.ended_by.as_deref(), Some("task_ended"));
    }

    #[test]
    fn an_idle_text_conversations_end_is_not_the_next_ones() {
        // The turn that starts a new text conversation on the same numbers writes the old
        // one's end first.
        let mut summary = Summary::default();
        summary.note(&[event("end", json!({"reason": "idle"}))], 0.4);
        assert_eq!(summary.ended_by, None);
        assert!(summary.is_empty(), "nothing to keep in the state");
    }
}
