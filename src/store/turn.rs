//! What one turn does whichever database keeps it: the rules for retried deliveries, the engine
//! step, and the rows a step writes. Each backend runs these inside its own transaction and
//! writes the rows with its own SQL, so SQLite and PostgreSQL cannot drift apart on what a turn
//! means — only on how it is stored.

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, SecondsFormat, Utc};

use super::StoreError;
use crate::engine::{
    self, AnswerRecord, Caller, Channel, Delivery, Effect, Input, Next, Outcome, Reply, Session,
};
use crate::versions::Versions;

/// The idempotency token of a delivery that may be a retry of one already answered. Web service
/// answers are not deliveries of Twilio's, so they never are.
pub(super) fn retry_token<'a>(caller: &'a Caller, input: &Input) -> Option<&'a str> {
    caller
        .delivery_token
        .as_deref()
        .filter(|_| !matches!(input, Input::Webhook(..)))
}

/// Whether the conversation's session keeps its last delivery (calls) rather than the
/// `deliveries` table (texts). A call's webhooks come one at a time, each after the last was
/// answered, so only its last delivery can be retried; messages from one person arrive
/// independently, so an older one may be retried after a newer one was answered.
pub(super) fn by_session(caller: &Caller) -> bool {
    caller.channel == Channel::Voice
}

/// The reply a retried delivery of a call gets: the one its first delivery got, if `session`
/// holds it.
pub(super) fn replay(session: Option<&Session>, caller: &Caller, input: &Input) -> Option<Reply> {
    let delivery = session?.delivery.as_ref()?;
    let retried = by_session(caller) && retry_token(caller, input) == Some(delivery.token.as_str());
    retried
        .then(|| {
            delivery
                .reply
                .as_ref()
                .or(session?.last_reply.as_ref())
                .cloned()
        })
        .flatten()
}

/// Whether the step needs no row at all: a status callback for a call never seen (or long
/// purged) makes no session that never had a turn.
pub(super) fn keeps_nothing(had_session: bool, input: &Input) -> bool {
    !had_session && *input == Input::Hangup
}

/// Runs the engine step and records the delivery it answers on the call's session.
///
/// # Errors
/// The engine panicked. It is pure and writes nothing until it returns, so the transaction is
/// untouched: that turn fails, any others in the same transaction go on.
pub(super) fn step(
    flows: &Versions,
    session: Option<Session>,
    input: Input,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    // The conversation goes on with the flows it started on, while they are held.
    let assistant = flows.for_session(session.as_ref().and_then(|s| s.version.as_deref()));
    let mut outcome = catch_unwind(AssertUnwindSafe(|| {
        engine::step(&assistant, session, input, caller, now)
    }))
    .map_err(|_| {
        tracing::error!(session = %super::loggable_key(&caller.key), "engine panicked; turn not saved");
        StoreError::EnginePanic
    })?;
    // A reply without a token (not from Twilio) still replaces the last delivery: a delivery's
    // reply may be kept as `last_reply`, which has just moved on.
    if by_session(caller) && !matches!(outcome.reply.next, Next::Webhook(_)) {
        let said_last = outcome.session.last_reply.as_ref() == Some(&outcome.reply);
        outcome.session.delivery = caller.delivery_token.as_ref().map(|token| Delivery {
            token: token.clone(),
            reply: (!said_last).then(|| outcome.reply.clone()),
        });
    }
    Ok(outcome)
}

/// The token under which a text's reply is kept in `deliveries`, if it is: saved with the step
/// that finishes the reply, in the same transaction, so a crash leaves either both or neither.
pub(super) fn delivery_to_save<'a>(caller: &'a Caller, outcome: &Outcome) -> Option<&'a str> {
    caller
        .delivery_token
        .as_deref()
        .filter(|_| !by_session(caller) && !matches!(outcome.reply.next, Next::Webhook(_)))
}

/// Everything one step writes besides the session's state, ready for either backend's SQL.
pub(super) struct Written {
    /// The session's state as JSON.
    pub state: String,
    /// Collect runs that changed, their sensitive answers already hashed.
    pub collected: Vec<CollectedWrite>,
    /// The step's call history as one row: its kinds (`input,route`) and a JSON array of them.
    pub history: Option<(String, String)>,
    /// The conversation's line in the list of calls, as it stands after the step.
    pub call: CallWrite,
}

/// A conversation's row in `calls`: what the console lists and filters calls by, rewritten
/// whole every turn from the session's [`crate::engine::Summary`].
pub(super) struct CallWrite {
    /// Tasks reached, each between spaces (` order_status handoff `), so that a filter finds
    /// one with `instr(tasks, ' name ')`, free of `LIKE`'s wildcards.
    pub tasks: String,
    /// Collect runs as ` collect:status ` in the same way (` signup:complete `).
    pub collects: String,
    pub routed: i64,
    pub declines: i64,
    pub doubtful: i64,
    pub webhook_failures: i64,
    /// Why it ended; None while it goes on.
    pub ended_by: Option<String>,
}

impl CallWrite {
    fn of(summary: &crate::engine::Summary) -> CallWrite {
        let spaced = |items: &mut dyn Iterator<Item = String>| {
            let mut out = String::from(" ");
            for item in items {
                out.push_str(&item);
                out.push(' ');
            }
            out
        };
        CallWrite {
            tasks: spaced(&mut summary.tasks.iter().cloned()),
            collects: spaced(
                &mut summary
                    .collects
                    .iter()
                    .map(|(_, collect, status)| format!("{collect}:{}", status.as_str())),
            ),
            routed: i64::from(summary.routed),
            declines: i64::from(summary.declines),
            doubtful: i64::from(summary.doubtful),
            webhook_failures: i64::from(summary.webhook_failures),
            ended_by: summary.ended_by.clone(),
        }
    }
}

/// One collect run's row.
pub(super) struct CollectedWrite {
    pub seq: i64,
    pub task: String,
    pub collect: String,
    pub status: &'static str,
    /// The answers as a JSON array.
    pub answers: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// What `outcome` writes.
///
/// # Errors
/// The state or an answer could not be made JSON (a bug; the turn fails unsaved).
pub(super) fn written(outcome: &Outcome, key: &AnswerKey) -> serde_json::Result<Written> {
    let state = serde_json::to_string(&outcome.session)?;
    let mut collected = Vec::new();
    let mut history = History::default();
    for effect in &outcome.effects {
        match effect {
            Effect::Collected(record) => {
                // Sensitive answers are stored only as a keyed hash: an operator can check a
                // value they are given, nobody can read one off the database.
                let answers: Vec<AnswerRecord> = record
                    .answers
                    .iter()
                    .map(|a| {
                        if a.sensitive {
                            AnswerRecord {
                                said: String::new(),
                                value: key.hash(&a.value),
                                ..a.clone()
                            }
                        } else {
                            a.clone()
                        }
                    })
                    .collect();
                collected.push(CollectedWrite {
                    seq: i64::from(record.seq),
                    task: record.task.clone(),
                    collect: record.collect.clone(),
                    status: record.status.as_str(),
                    answers: serde_json::to_string(&answers)?,
                    started_at: record.started_at,
                    finished_at: record.finished_at,
                });
            }
            Effect::Event { kind, detail } => history.push(kind, detail),
        }
    }
    Ok(Written {
        state,
        collected,
        history: history.finish(),
        call: CallWrite::of(&outcome.session.summary),
    })
}

/// The per-database key that hashes sensitive answers (HMAC-SHA256), made once, at random, and
/// kept in the database's `settings`: every server on one database hashes alike.
pub(crate) struct AnswerKey(Vec<u8>);

impl AnswerKey {
    /// The key from its hex digits, as stored.
    pub(super) fn from_hex(hex: &str) -> AnswerKey {
        AnswerKey(
            (0..hex.len() / 2)
                .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
                .collect(),
        )
    }

    /// A new key's hex digits, from the system's random source.
    pub(super) fn new_hex() -> String {
        let mut bytes = [0u8; 32];
        let random = std::fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
        if random.is_err() {
            // No /dev/urandom (not Unix): time and process make a key unique to this database,
            // if not secret from someone who can read it anyway.
            use sha2::{Digest, Sha256};
            let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
            bytes.copy_from_slice(&Sha256::digest(seed.as_bytes()));
        }
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// `sha256:` and the keyed hash's hex digits.
    pub(crate) fn hash(&self, value: &str) -> String {
        use hmac::{Hmac, KeyInit, Mac};
        // ok: HMAC accepts keys of any length.
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&self.0).expect("any key length"); // ok: see above
        mac.update(value.as_bytes());
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("sha256:{hex}")
    }
}

/// A time as the SQLite store writes it (and the PostgreSQL one reads back for the same JSON).
pub(super) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// One step's lines of call history, made into one `events` row: `kind` lists what happened in
/// order (`input,route`) and `detail` is a JSON array holding each as `{kind: detail}`.
///
/// Why one row per step rather than per line: a row is an insert and an index entry, and the
/// two or three lines of a turn as separate rows were a fifth of the writer's time. An operator
/// still reads a call turn by turn, and `json_each(detail)` takes a row apart.
#[derive(Default)]
struct History {
    kinds: String,
    detail: String,
}

impl History {
    fn push(&mut self, kind: &str, detail: &serde_json::Value) {
        use std::fmt::Write as _;
        let sep = if self.kinds.is_empty() { '[' } else { ',' };
        if !self.kinds.is_empty() {
            self.kinds.push(',');
        }
        self.kinds.push_str(kind);
        // Kinds are the engine's own identifiers (lowercase words), never text from a caller,
        // so they need no escaping. Writing to a String cannot fail.
        debug_assert!(kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        let _ = write!(self.detail, "{sep}{{\"{kind}\":{detail}}}");
    }

    /// The row's `kind` and `detail`, or None when the step wrote no history.
    fn finish(mut self) -> Option<(String, String)> {
        if self.kinds.is_empty() {
            return None;
        }
        self.detail.push(']');
        Some((self.kinds, self.detail))
    }
}

/// What a committed step showed, for the server's metrics: the matcher's decision and the
/// collects that started or ended. Read from the step's effects, so the engine stays pure.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// The matcher's decision, when what the caller said was matched against the tasks.
    pub route: Option<RouteSeen>,
    /// Collects that moved this step: their name and `started`, `completed` or `incomplete`.
    pub collects: Vec<(String, &'static str)>,
}

/// The matcher's decision on one utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteSeen {
    /// Its confidence in the best task.
    pub confidence: f64,
    /// Why it declined (`below_threshold`, `unrelated`, `empty`), or None when it matched.
    pub declined: Option<&'static str>,
}

/// Why the matcher declined, from the `decision` a history `route` line records (the name of
/// [`crate::nlu::matcher::Decision`]'s variant); None when it matched.
pub(super) fn declined_because(decision: &str) -> Option<&'static str> {
    match decision {
        "Matched" => None,
        "Unrelated" => Some("unrelated"),
        "Empty" => Some("empty"),
        _ => Some("below_threshold"),
    }
}

/// What `outcome` shows (see [`Observed`]).
pub(super) fn observed(outcome: &Outcome) -> Observed {
    let mut observed = Observed::default();
    for effect in &outcome.effects {
        match effect {
            // Keypad choices route too, but without the matcher: they carry no decision.
            Effect::Event {
                kind: "route",
                detail,
            } => {
                if let Some(decision) = detail.get("decision").and_then(|d| d.as_str()) {
                    observed.route = Some(RouteSeen {
                        confidence: detail
                            .get("confidence")
                            .and_then(serde_json::Value::as_f64)
                            .unwrap_or(0.0),
                        declined: declined_because(decision),
                    });
                }
            }
            Effect::Event {
                kind: "collect",
                detail,
            } => {
                if let Some(name) = detail.get("collect").and_then(|c| c.as_str()) {
                    observed.collects.push((name.to_owned(), "started"));
                }
            }
            Effect::Collected(record) => match record.status {
                engine::CollectStatus::Complete => {
                    observed
                        .collects
                        .push((record.collect.clone(), "completed"));
                }
                engine::CollectStatus::Incomplete => {
                    observed
                        .collects
                        .push((record.collect.clone(), "incomplete"));
                }
                engine::CollectStatus::InProgress => {}
            },
            Effect::Event { .. } => {}
        }
    }
    observed
}
