//! The dialogue engine: one pure function from (assistant, state, input, time) to
//! (state, reply, effects).
//!
//! No HTTP, SQL, clock or randomness in here: the caller passes the time in and persists what
//! comes out. That keeps every rule of the conversation — routing, questions, attempts, limits —
//! testable with plain unit tests, and lets voice, SMS and the terminal share one engine.
//!
//! Guarantees the engine keeps, whatever the flows say:
//! - every call ends: silences, failed answers, redirects and turns are all bounded;
//! - an accepted answer is in the returned effects in the turn it was accepted;
//! - a replayed first webhook repeats the last reply instead of starting over.

mod collect;
mod run;
mod session;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::flow::{Action, Assistant, Handoff, Method};
pub use session::{
    AnswerRecord, Channel, CollectRun, Delivery, FieldValue, NEARLY, PendingWebhook, Session,
    Summary, Waiting,
};

/// What the caller did this turn, or what a web service answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The call has just arrived (the number's webhook).
    Start,
    /// A speech transcript, with the recogniser's confidence when it gave one.
    Speech {
        /// The transcript.
        text: String,
        /// 0..=1, as reported by Twilio.
        confidence: Option<f32>,
        /// The transcript's sentence embedding when the matcher has a model and the edge
        /// computed it in time ([`crate::nlu::matcher::Matcher::classify_with`]); None routes
        /// on the strings alone.
        embedding: Option<std::sync::Arc<[f32]>>,
    },
    /// Keys pressed on the keypad.
    Digits(String),
    /// The caller said nothing before the timeout.
    Silence,
    /// The call ended (status callback).
    Hangup,
    /// The answer of the web service the last reply asked for ([`Next::Webhook`]), and how
    /// the call went.
    Webhook(WebhookResult, Trip),
}

/// How a web service call went, measured at the edge that made it: what the call's history
/// shows of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trip {
    /// The address called, as [`crate::flow::loggable_url`] shows it (no query string).
    pub url: String,
    /// The HTTP status it answered with; None when no answer came.
    pub status: Option<u16>,
    /// How long it took.
    pub took: std::time::Duration,
}

/// What a web service answered, already fetched and checked at the edge.
#[derive(Debug, Clone)]
pub enum WebhookResult {
    /// A redirect's Actions JSON, compiled against the assistant.
    Actions {
        /// The compiled actions.
        actions: Arc<Vec<Action>>,
        /// The document as received, kept so a collect inside it can be found again next turn.
        document: Value,
    },
    /// A validation webhook's verdict (`{"valid": true}`).
    Valid(bool),
    /// The call failed (timeout, refused, non-2xx, not Actions JSON); the reason was logged.
    Failed {
        /// What went wrong, for the call's history.
        reason: String,
    },
}

impl PartialEq for WebhookResult {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                WebhookResult::Actions { document: a, .. },
                WebhookResult::Actions { document: b, .. },
            ) => a == b,
            (WebhookResult::Valid(a), WebhookResult::Valid(b)) => a == b,
            (WebhookResult::Failed { reason: a }, WebhookResult::Failed { reason: b }) => a == b,
            _ => false,
        }
    }
}

/// Who is on the line and how they came in: the session's memory (`twilio.voice`) and
/// Autopilot's channel entry parameters.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// The session key (CallSid for voice).
    pub key: String,
    /// The caller's number.
    pub from: Option<String>,
    /// The number called.
    pub to: Option<String>,
    /// The Twilio account, sent on to web services as `AccountSid`.
    pub account_sid: Option<String>,
    /// Start at this task instead of the greeting (Autopilot's `TargetTask`).
    pub target_task: Option<String>,
    /// Merged into memory before the dialogue starts (Autopilot's `Memory` parameter).
    pub memory: Option<Map<String, Value>>,
    /// The channel the conversation is on.
    pub channel: Channel,
    /// The webhook delivery's idempotency token: a retry with the same token gets the same
    /// reply without the dialogue moving on twice. Not used by the engine; the store keeps it.
    pub delivery_token: Option<String>,
}

/// What the bot does in reply to one turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// Said or played, in order.
    pub outputs: Vec<Output>,
    /// Then: wait for the caller, or hang up.
    pub next: Next,
    /// The language it is in when a task switched the call from the assistant's (a tag): the
    /// voice speaks it and Twilio listens for it. None: the assistant's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// Something the caller hears.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Output {
    /// Text to speak.
    Say {
        /// The text, placeholders filled.
        text: String,
    },
    /// Audio to play.
    Play {
        /// The audio URL.
        url: String,
        /// How many times.
        times: u32,
    },
    /// Text and pictures for a messaging channel (Autopilot `show`).
    Show {
        /// The text.
        text: String,
        /// Image URLs.
        images: Vec<String>,
    },
}

/// How a reply ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Next {
    /// Listen for speech or keys.
    Gather(Gather),
    /// End the call.
    Hangup,
    /// Pass the call on; the session ends.
    Handoff(Handoff),
    /// The reply is not finished: call this web service and step again with its answer
    /// ([`Input::Webhook`]). The outputs so far belong to the same reply.
    Webhook(WebhookCall),
}

/// A web service call the engine needs made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookCall {
    /// The URL.
    pub url: String,
    /// GET or POST.
    pub method: Method,
    /// Autopilot's request parameters (`Memory` among them).
    pub params: Vec<(String, String)>,
    /// What the answer should be.
    pub expects: Expects,
}

/// What a web service is expected to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expects {
    /// Actions JSON (a redirect).
    Actions,
    /// `{"valid": bool}` (a question's validation webhook).
    Verdict,
}

/// How to listen for the next input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Gather {
    /// Comma-separated speech hints.
    pub hints: String,
    /// Stop after this many keys.
    pub num_digits: Option<u32>,
    /// The key that ends keypad entry.
    pub finish_on_key: Option<String>,
    /// The caller cannot interrupt the prompt (Autopilot `barge: false`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_barge_in: bool,
}

/// Work the engine asks the caller of [`step`] to persist with the new state, in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// A collect's answers, saved or updated (one row per collect run).
    Collected(CollectRecord),
    /// A line of the call's history, for operators (may contain what the caller said; it goes to
    /// the database, never to the log).
    Event {
        /// Short kind: `input`, `route`, `answer`, `invalid`, `end`.
        kind: &'static str,
        /// Details as JSON.
        detail: Value,
    },
}

/// A collect's answers as they stand.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectRecord {
    /// Which run of a collect in the session.
    pub seq: u32,
    /// The task holding the collect.
    pub task: String,
    /// The collect's name.
    pub collect: String,
    /// Whether it is finished.
    pub status: CollectStatus,
    /// Answers so far.
    pub answers: Vec<AnswerRecord>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it completed or was abandoned.
    pub finished_at: Option<DateTime<Utc>>,
}

/// Where a collect stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CollectStatus {
    /// Some questions answered, more to come.
    InProgress,
    /// Every question answered.
    Complete,
    /// The caller hung up or ran out of attempts before the end.
    Incomplete,
}

impl CollectStatus {
    /// The name stored in the database and in Memory.
    pub fn as_str(self) -> &'static str {
        match self {
            CollectStatus::InProgress => "in_progress",
            CollectStatus::Complete => "complete",
            CollectStatus::Incomplete => "incomplete",
        }
    }
}

/// The result of one turn.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The session's new state.
    pub session: Session,
    /// What to say back.
    pub reply: Reply,
    /// What to persist with it.
    pub effects: Vec<Effect>,
    /// Some when the input was routed to a task this step (None inside: the matcher declined).
    pub routed: Option<Option<String>>,
}

/// Runs one turn of a session.
///
/// `session` is None for a key never seen before. `now` is the time of the turn.
pub fn step(
    assistant: &Assistant,
    session: Option<Session>,
    input: Input,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Outcome {
    let mut turn = run::Turn::new(assistant, caller, now);
    // A text conversation that ended, or has been idle longer than the assistant allows, starts
    // afresh with the next message (Autopilot kept them 4 hours); what was half-collected is
    // kept as incomplete. Collect numbering carries on, so the new conversation's answers never
    // overwrite the old one's.
    let (session, carried) = match session {
        Some(mut old)
            if old.channel == Channel::Sms
                && (old.ended || idle_too_long(assistant, &old, now)) =>
        {
            if !old.ended {
                turn.abandon_collect(&mut old);
                turn.event("end", json!({"reason": "idle"}));
            }
            (None, old.collects_started)
        }
        other => (other, 0),
    };
    let (mut session, next) = match session {
        None => {
            let mut session = Session::new(caller, now);
            session.collects_started = carried;
            session.version = Some(assistant.version.clone());
            if input == Input::Hangup {
                // A status callback for a call we never answered: remember it ended, say nothing.
                (session, Next::Hangup)
            } else {
                // Whatever arrived first (even an answer, if our database lost the call), the
                // caller is greeted: guessing what they were answering would be worse.
                session.turns = 1;
                turn.input_event(&input);
                turn.event("flows", json!({"version": assistant.version}));
                let next = match turn.keyword(&session, &input) {
                    // A first text that is STOP or CANCEL starts nothing; HELP gets the help
                    // text and then the greeting, as it would mid-conversation (matched as
                    // an utterance, it went to the fallback).
                    Some(
                        keyword @ (run::Keyword::Stop | run::Keyword::Cancel | run::Keyword::Help),
                    ) => turn.keyword_reply(&mut session, keyword),
                    // Autopilot's rule: the assistant speaks first only on a phone call; a
                    // conversation by text starts with what was texted.
                    _ if caller.channel == Channel::Sms
                        && caller.target_task.is_none()
                        && matches!(input, Input::Speech { .. } | Input::Digits(_)) =>
                    {
                        turn.respond(&mut session, input.clone())
                    }
                    _ => turn.start(&mut session),
                };
                (session, next)
            }
        }
        Some(session) if session.ended => {
            return Outcome {
                session,
                reply: Reply {
                    outputs: Vec::new(),
                    next: Next::Hangup,
                    language: None,
                },
                effects: Vec::new(),
                routed: None,
            };
        }
        Some(session) if input == Input::Start && session.last_reply.is_some() => {
            // Twilio (or a proxy) replayed the call's first webhook: answer as before, change
            // nothing.
            let reply = session.last_reply.clone().unwrap_or(Reply {
                outputs: Vec::new(),
                next: Next::Hangup,
                language: None,
            });
            return Outcome {
                session,
                reply,
                effects: Vec::new(),
                routed: None,
            };
        }
        Some(mut session) => {
            turn.speak_as(&session);
            let moved = session.version.as_deref() != Some(assistant.version.as_str());
            // An answer to a sensitive question is not written into the call history.
            let guarded = turn.awaiting_sensitive(&session);
            if guarded && matches!(input, Input::Speech { .. } | Input::Digits(_)) {
                turn.input_event(&Input::Speech {
                    text: collect::SENSITIVE.to_owned(),
                    confidence: None,
                    embedding: None,
                });
            } else {
                turn.input_event(&input);
            }
            // The flows it started on are gone (dropped, or from before a restart): it goes on
            // with these, and the history says so.
            if moved {
                turn.event(
                    "flows",
                    json!({"version": assistant.version, "was": session.version}),
                );
                session.version = Some(assistant.version.clone());
            }
            // A web service's answer continues the caller's turn; it is not a turn of its own.
            if !matches!(input, Input::Webhook(..)) {
                session.turns += 1;
                session.failed_task = None;
            }
            let next = if input == Input::Hangup {
                turn.hang_up(&mut session);
                Next::Hangup
            } else if session.turns > assistant.limits.max_turns {
                turn.abandon_collect(&mut session);
                turn.say(&turn.messages().loop_goodbye);
                turn.event("end", json!({"reason": "max_turns"}));
                Next::Hangup
            } else if let Some(keyword) = turn.keyword(&session, &input) {
                turn.keyword_reply(&mut session, keyword)
            } else {
                turn.respond(&mut session, input)
            };
            (session, next)
        }
    };
    if !matches!(next, Next::Webhook(_)) {
        session.last_active = Some(now);
    }
    // Taken before the scrub below: the last words may echo a sensitive answer, which the
    // call history must not show.
    let sensitive = collect::sensitive_values(&session);
    if matches!(next, Next::Hangup | Next::Handoff(_)) {
        session.ended = true;
        session.waiting = Waiting::Nothing;
        collect::scrub_sensitive(&mut session);
    }
    let language = turn.language_tag();
    let (outputs, mut effects, routed) = turn.finish();
    let reply = Reply {
        outputs,
        next,
        language,
    };
    // A reply waiting on a web service is not finished: the step that finishes it says it all.
    // Nothing said before a hang-up is no reply (a status callback after the caller hung up).
    let silent_end = reply.outputs.is_empty() && reply.next == Next::Hangup;
    if !matches!(reply.next, Next::Webhook(_)) && !silent_end {
        effects.push(Effect::Event {
            kind: "reply",
            detail: reply_line(&reply, &sensitive),
        });
    }
    session
        .summary
        .note(&effects, assistant.matcher.threshold());
    // Only a reply that reached the caller can be repeated; one waiting on a web service is not,
    // and an ended conversation repeats nothing (which also keeps what it said back out of the
    // stored session).
    if session.ended {
        session.last_reply = None;
    } else if !matches!(reply.next, Next::Webhook(_)) {
        session.last_reply = Some(reply.clone());
    }
    Outcome {
        session,
        reply,
        effects,
        routed,
    }
}

/// The call history's line for what the bot said and what it did next. Any sensitive answer
/// the words repeat (a placeholder naming it, or a web service's text quoting it) is replaced
/// by `[sensitive]`, as the caller's own words are.
fn reply_line(reply: &Reply, sensitive: &[String]) -> Value {
    let hide = |text: &str| {
        sensitive.iter().fold(text.to_owned(), |text, value| {
            text.replace(value.as_str(), collect::SENSITIVE)
        })
    };
    // Built as values directly: `json!` would serialise a Vec<String> by copying each text.
    let said: Vec<Value> = reply
        .outputs
        .iter()
        .map(|output| {
            Value::String(match output {
                Output::Say { text } => hide(text),
                Output::Play { url, .. } => format!("[audio {}]", crate::flow::loggable_url(url)),
                Output::Show { text, images } if images.is_empty() => hide(text),
                Output::Show { text, images } => {
                    format!("{} [{} images]", hide(text), images.len())
                }
            })
        })
        .collect();
    let next = match &reply.next {
        Next::Gather(_) => "listen",
        Next::Hangup => "hangup",
        Next::Handoff(_) => "handoff",
        Next::Webhook(_) => "webhook",
    };
    let mut line = Map::new();
    line.insert("said".into(), Value::Array(said));
    line.insert("next".into(), next.into());
    Value::Object(line)
}

/// True when a conversation's last turn is older than the assistant's SMS idle time.
fn idle_too_long(assistant: &Assistant, session: &Session, now: DateTime<Utc>) -> bool {
    session
        .last_active
        .is_some_and(|last| now - last > assistant.sms.idle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replies are stored with the session; every shape must read back as it was written.
    #[test]
    fn every_reply_shape_survives_the_database() {
        let nexts = [
            Next::Gather(Gather {
                hints: "a, b".into(),
                num_digits: Some(4),
                finish_on_key: Some("#".into()),
                no_barge_in: true,
            }),
            Next::Hangup,
            Next::Handoff(Handoff::Number {
                number: "+14155550000".into(),
            }),
            Next::Handoff(Handoff::TaskRouter {
                workflow_sid: "WW1".into(),
                wait_url: None,
                action: None,
                priority: Some(5),
                timeout: None,
            }),
            Next::Webhook(WebhookCall {
                url: "https://x.example".into(),
                method: Method::Get,
                params: vec![("a".into(), "b".into())],
                expects: Expects::Verdict,
            }),
        ];
        for next in nexts {
            let reply = Reply {
                language: None,
                outputs: vec![
                    Output::Say { text: "hi".into() },
                    Output::Play {
                        url: "https://x.example/a.mp3".into(),
                        times: 2,
                    },
                ],
                next,
            };
            let json = serde_json::to_string(&reply).expect("serialises");
            let back: Reply = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(back, reply);
        }
    }

    /// Every turn's history ends with what the bot said — except a hang-up, when nothing was
    /// said: the caller hung up, the bot did not.
    #[test]
    fn the_history_says_what_the_bot_said_but_not_after_the_caller_hung_up() {
        use chrono::TimeZone;
        let assistant = crate::flow::load(&crate::flow::source::embedded()).expect("flows");
        let caller = Caller {
            key: "CA1".into(),
            channel: Channel::Voice,
            ..Caller::default()
        };
        let now = Utc
            .with_ymd_and_hms(2026, 11, 25, 13, 0, 0)
            .single()
            .expect("a valid time");
        let lines = |outcome: &Outcome| -> Vec<&'static str> {
            outcome
                .effects
                .iter()
                .filter_map(|e| match e {
                    Effect::Event { kind, .. } => Some(*kind),
                    Effect::Collected(_) => None,
                })
                .collect()
        };
        let first = step(&assistant, None, Input::Start, &caller, now);
        assert_eq!(lines(&first).last(), Some(&"reply"));
        let reply = first
            .effects
            .iter()
            .find_map(|e| match e {
                Effect::Event {
                    kind: "reply",
                    detail,
                } => Some(detail.clone()),
                _ => None,
            })
            .expect("a reply line");
        assert_eq!(reply["next"], "listen");
        assert!(
            reply["said"][0]
                .as_str()
                .is_some_and(|s| s.starts_with("Hello")),
            "{reply}"
        );
        let hung_up = step(&assistant, Some(first.session), Input::Hangup, &caller, now);
        assert_eq!(lines(&hung_up), ["input", "end"]);
        assert_eq!(hung_up.session.summary.ended_by.as_deref(), Some("hangup"));
    }

    /// The answer that completes a collect saves the run once, complete — not once in progress
    /// and again complete in the same turn.
    #[test]
    fn a_turn_saves_each_collect_run_once_as_it_ends_the_turn() {
        use chrono::TimeZone;
        let assistant = crate::flow::load(&crate::flow::source::embedded()).expect("flows");
        let caller = Caller {
            key: "CA1".into(),
            channel: Channel::Voice,
            ..Caller::default()
        };
        let now = Utc
            .with_ymd_and_hms(2026, 11, 25, 13, 0, 0)
            .single()
            .expect("a valid time");
        let speech = |text: &str| Input::Speech {
            text: text.into(),
            confidence: None,
            embedding: None,
        };
        let mut session = None;
        let mut last = None;
        for input in [
            Input::Start,
            speech("I'd like to register"),
            speech("my name is Jason"),
            Input::Digits("4155550123".into()),
        ] {
            let outcome = step(&assistant, session.take(), input, &caller, now);
            session = Some(outcome.session.clone());
            last = Some(outcome);
        }
        let last = last.expect("four turns");
        let records: Vec<&CollectRecord> = last
            .effects
            .iter()
            .filter_map(|e| match e {
                Effect::Collected(record) => Some(record),
                Effect::Event { .. } => None,
            })
            .collect();
        assert_eq!(records.len(), 1, "{records:?}");
        assert_eq!(records[0].status, CollectStatus::Complete);
        assert_eq!(records[0].answers.len(), 2);
    }

    /// A web service answer that reaches a call already waiting for an answer (the call moved
    /// on while the service was slow) asks the question again and costs the caller nothing:
    /// the attempts left stay as they were, and the question is not given up on.
    #[test]
    fn a_late_web_service_answer_is_not_an_attempt_at_the_question() {
        let assistant = crate::flow::load(&crate::flow::source::embedded()).expect("flows");
        let caller = Caller {
            key: "CA1".into(),
            channel: Channel::Voice,
            ..Caller::default()
        };
        let now = Utc::now();
        let started = step(&assistant, None, Input::Start, &caller, now);
        let asked = step(
            &assistant,
            Some(started.session),
            Input::Speech {
                text: "I'd like to register".into(),
                confidence: None,
                embedding: None,
            },
            &caller,
            now,
        );
        let attempts = |session: &Session| match &session.waiting {
            Waiting::Answer(run) => (run.question, run.attempts),
            other => panic!("not waiting for an answer: {other:?}"),
        };
        let before = attempts(&asked.session);
        let mut session = asked.session;
        // More late answers than the question allows attempts.
        for _ in 0..=assistant.style.max_attempts {
            let late = step(
                &assistant,
                Some(session),
                Input::Webhook(
                    WebhookResult::Failed {
                        reason: "timed out".into(),
                    },
                    Trip::default(),
                ),
                &caller,
                now,
            );
            assert_eq!(late.reply.outputs, asked.reply.outputs, "asked again");
            assert_eq!(attempts(&late.session), before);
            session = late.session;
        }
    }

    /// A call that moved on while an answer awaited its validation web service's verdict (the
    /// server restarted mid-turn, and Twilio retried) must not have that answer accepted
    /// unvalidated: the new input is the answer, and it goes to the validator afresh.
    #[test]
    fn an_answer_awaiting_its_verdict_is_never_accepted_unvalidated() {
        use crate::flow::source::SourceFile;
        let file = |path: &str, text: &str| SourceFile::from_path(path.into(), text.into());
        let assistant = crate::flow::load(&[
            file(
                "assistant.json",
                r#"{"defaults": {"assistant_initiation": "task://members"}}"#,
            ),
            file(
                "tasks/members.json",
                r#"{"actions": [{"collect": {"name": "member", "questions": [{"name": "first_name",
                    "question": "Member name?", "type": "Twilio.FIRST_NAME",
                    "validate": {"webhook": {"url": "https://validator.example/check", "method": "POST"}}}],
                    "on_complete": {"redirect": "task://members"}}}]}"#,
            ),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let caller = Caller {
            key: "CA1".into(),
            channel: Channel::Voice,
            ..Caller::default()
        };
        let now = Utc::now();
        let speech = |text: &str| Input::Speech {
            text: text.into(),
            confidence: None,
            embedding: None,
        };
        let started = step(&assistant, None, Input::Start, &caller, now);
        let asked = step(
            &assistant,
            Some(started.session),
            speech("Bob"),
            &caller,
            now,
        );
        assert!(
            matches!(&asked.reply.next, Next::Webhook(call) if call.expects == Expects::Verdict),
            "{:?}",
            asked.reply
        );
        let attempts = |session: &Session| match &session.waiting {
            Waiting::Webhook {
                pending: PendingWebhook::Verdict { run, .. },
                ..
            } => run.attempts,
            other => panic!("not awaiting a verdict: {other:?}"),
        };
        assert_eq!(attempts(&asked.session), 1);
        // Not the web service's answer: the delivery again, after a restart.
        let retried = step(&assistant, Some(asked.session), speech("Bob"), &caller, now);
        let saved_complete = retried
            .effects
            .iter()
            .any(|e| matches!(e, Effect::Collected(r) if r.status == CollectStatus::Complete));
        assert!(!saved_complete, "{:?}", retried.effects);
        assert!(
            matches!(&retried.reply.next, Next::Webhook(call)
                if call.expects == Expects::Verdict
                    && call.params.iter().any(|(k, v)| k == "ValidateFieldAnswer" && v == "Bob")),
            "the answer goes to the validator again: {:?}",
            retried.reply
        );
        assert_eq!(
            attempts(&retried.session),
            1,
            "the unfinished attempt is not counted twice"
        );
        // The validator refuses it: re-asked, nothing accepted.
        let refused = step(
            &assistant,
            Some(retried.session),
            Input::Webhook(WebhookResult::Valid(false), Trip::default()),
            &caller,
            now,
        );
        assert!(matches!(refused.session.waiting, Waiting::Answer(_)));
        assert!(refused.effects.iter().all(
            |e| !matches!(e, Effect::Collected(r) if r.answers.iter().any(|a| a.value == "Bob"))
        ));
    }
}
