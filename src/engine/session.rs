//! A session's persisted state: everything the engine needs to carry a conversation across turns.
//!
//! The state refers to tasks by name, never by index, so a session saved before the flows were
//! edited still reads after a restart (the engine copes when a name has gone). It is stored as
//! JSON in one SQLite row; serde derives keep that format in one place.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Reply;

/// The channel a session runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// A phone call.
    Voice,
}

impl Channel {
    /// The name stored with answers and sent to webhooks (`voice`).
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Voice => "voice",
        }
    }
}

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
}

impl Session {
    /// The caller's number, as the call's first webhook gave it.
    pub fn caller(&self) -> Option<&str> {
        self.memory
            .get("twilio")?
            .get("voice")?
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
    },
    /// An answer to a collect's question.
    Answer(CollectRun),
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
}
