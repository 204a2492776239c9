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

mod session;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::flow::{Action, Assistant, Collect, Field, Question, TaskId};
use crate::nlu::fields::{self, Answer, Context};
use crate::nlu::matcher::Decision;
pub use session::{AnswerRecord, Channel, CollectRun, Session, Waiting};

/// What the caller did this turn.
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
    },
    /// Keys pressed on the keypad.
    Digits(String),
    /// The caller said nothing before the timeout.
    Silence,
    /// The call ended (status callback).
    Hangup,
}

/// Who is on the line, for the session's memory (`twilio.voice`).
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// The session key (CallSid for voice).
    pub key: String,
    /// The caller's number.
    pub from: Option<String>,
    /// The number called.
    pub to: Option<String>,
}

/// What the bot does in reply to one turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// Said or played, in order.
    pub outputs: Vec<Output>,
    /// Then: wait for the caller, or hang up.
    pub next: Next,
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
}

/// How a reply ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Next {
    /// Listen for speech or keys.
    Gather(Gather),
    /// End the call.
    Hangup,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    let mut turn = Turn {
        assistant,
        now,
        outputs: Vec::new(),
        effects: Vec::new(),
        redirects: 0,
    };
    let (mut session, next) = match session {
        None => {
            let mut session = Session {
                channel: Channel::Voice,
                started_at: now,
                turns: 0,
                ended: false,
                task: None,
                waiting: Waiting::Nothing,
                last_reply: None,
                collects_started: 0,
                memory: initial_memory(caller),
            };
            if input == Input::Hangup {
                // A status callback for a call we never answered: remember it ended, say nothing.
                session.ended = true;
                let next = Next::Hangup;
                (session, next)
            } else {
                // Whatever arrived first (even an answer, if our database lost the call), the
                // caller is greeted: guessing what they were answering would be worse.
                session.turns = 1;
                turn.input_event(&input);
                let next = turn.greet(&mut session);
                (session, next)
            }
        }
        Some(session) if session.ended => {
            return Outcome {
                session,
                reply: Reply {
                    outputs: Vec::new(),
                    next: Next::Hangup,
                },
                effects: Vec::new(),
            };
        }
        Some(session) if input == Input::Start && session.last_reply.is_some() => {
            // Twilio (or a proxy) replayed the call's first webhook: answer as before, change
            // nothing.
            let reply = session.last_reply.clone().unwrap_or(Reply {
                outputs: Vec::new(),
                next: Next::Hangup,
            });
            return Outcome {
                session,
                reply,
                effects: Vec::new(),
            };
        }
        Some(mut session) => {
            turn.input_event(&input);
            session.turns += 1;
            let next = if input == Input::Hangup {
                turn.hang_up(&mut session);
                Next::Hangup
            } else if session.turns > assistant.limits.max_turns {
                turn.abandon_collect(&mut session);
                turn.say(&assistant.messages.loop_goodbye);
                turn.event("end", json!({"reason": "max_turns"}));
                Next::Hangup
            } else {
                turn.respond(&mut session, input)
            };
            (session, next)
        }
    };
    if next == Next::Hangup {
        session.ended = true;
        session.waiting = Waiting::Nothing;
    }
    let reply = Reply {
        outputs: turn.outputs,
        next,
    };
    session.last_reply = Some(reply.clone());
    Outcome {
        session,
        reply,
        effects: turn.effects,
    }
}

fn initial_memory(caller: &Caller) -> Map<String, Value> {
    let voice = json!({
        "CallSid": caller.key,
        "From": caller.from,
        "To": caller.to,
        "Direction": "inbound",
    });
    let mut memory = Map::new();
    memory.insert("twilio".into(), json!({ "voice": voice }));
    memory
}

/// One turn's work in progress.
struct Turn<'a> {
    assistant: &'a Assistant,
    now: DateTime<Utc>,
    outputs: Vec<Output>,
    effects: Vec<Effect>,
    redirects: u32,
}

impl Turn<'_> {
    /// The caller's date, in the assistant's time zone: "tomorrow" said at 9pm in New York is
    /// not the UTC tomorrow.
    fn today(&self) -> NaiveDate {
        self.now
            .with_timezone(&self.assistant.time_zone)
            .date_naive()
    }

    fn say(&mut self, text: &str) {
        if !text.trim().is_empty() {
            self.outputs.push(Output::Say {
                text: text.to_owned(),
            });
        }
    }

    fn event(&mut self, kind: &'static str, detail: Value) {
        self.effects.push(Effect::Event { kind, detail });
    }

    fn input_event(&mut self, input: &Input) {
        let detail = match input {
            Input::Start => json!({"start": true}),
            Input::Speech { text, confidence } => json!({"speech": text, "confidence": confidence}),
            Input::Digits(d) => json!({"digits": d}),
            Input::Silence => json!({"silence": true}),
            Input::Hangup => json!({"hangup": true}),
        };
        self.event("input", detail);
    }

    /// A new call: the assistant's initiation task, or a plain listen if it has none.
    fn greet(&mut self, session: &mut Session) -> Next {
        match self.assistant.defaults.assistant_initiation {
            Some(task) => self.run_task(session, task),
            None => self.listen(session, None, self.assistant.all_task_hints.clone()),
        }
    }

    fn respond(&mut self, session: &mut Session, input: Input) -> Next {
        match std::mem::replace(&mut session.waiting, Waiting::Nothing) {
            Waiting::Nothing => self.greet(session),
            Waiting::Intent { allowed, silences } => self.route(session, input, allowed, silences),
            Waiting::Answer(run) => self.answer(session, run, input),
        }
    }

    /// Routes an utterance to a task, or re-prompts on silence.
    fn route(
        &mut self,
        session: &mut Session,
        input: Input,
        allowed: Option<Vec<String>>,
        silences: u32,
    ) -> Next {
        let text = match input {
            Input::Speech { text, .. } => text,
            Input::Digits(digits) => digits,
            Input::Silence | Input::Start => {
                let silences = silences + 1;
                if silences >= self.assistant.limits.max_silences {
                    self.say(&self.assistant.messages.no_input_goodbye);
                    self.event("end", json!({"reason": "no_input"}));
                    return Next::Hangup;
                }
                return self.repeat_last(session, Waiting::Intent { allowed, silences });
            }
            Input::Hangup => return Next::Hangup,
        };
        // Names from an older version of the flows that no longer exist are dropped; if none is
        // left the listen is open to every task, which is better than matching nothing.
        let ids: Option<Vec<usize>> = allowed.as_ref().map(|names| {
            names
                .iter()
                .filter_map(|n| self.assistant.task_id(n))
                .map(|id| id.0)
                .collect()
        });
        let ids = ids.filter(|ids| !ids.is_empty());
        let class = self.assistant.matcher.classify(&text, ids.as_deref());
        let name = |id: Option<(usize, f32)>| {
            id.and_then(|(i, _)| self.assistant.tasks.get(i))
                .map(|t| t.name.clone())
        };
        self.event(
            "route",
            json!({
                "task": class.task.and_then(|i| self.assistant.tasks.get(i)).map(|t| t.name.clone()),
                "confidence": class.confidence,
                "best": name(class.best),
                "next_best": name(class.next_best),
                "decision": format!("{:?}", class.decision),
            }),
        );
        match class.task {
            Some(i) => self.run_task(session, TaskId(i)),
            None => self.fallback(session, allowed, class.decision),
        }
    }

    fn fallback(
        &mut self,
        session: &mut Session,
        allowed: Option<Vec<String>>,
        _why: Decision,
    ) -> Next {
        match self.assistant.defaults.fallback {
            Some(task) => self.run_task(session, task),
            None => {
                self.say(&self.assistant.messages.not_understood);
                let hints = session
                    .last_reply
                    .as_ref()
                    .and_then(gather_of)
                    .map(|g| g.hints.clone())
                    .unwrap_or_default();
                let ids = allowed.map(|names| {
                    names
                        .iter()
                        .filter_map(|n| self.assistant.task_id(n))
                        .collect()
                });
                self.listen(session, ids, hints)
            }
        }
    }

    /// Says the last reply again and waits as before.
    fn repeat_last(&mut self, session: &mut Session, waiting: Waiting) -> Next {
        let Some(last) = session.last_reply.clone() else {
            return self.greet(session);
        };
        self.outputs.extend(last.outputs);
        session.waiting = waiting;
        last.next
    }

    fn listen(&mut self, session: &mut Session, tasks: Option<Vec<TaskId>>, hints: String) -> Next {
        session.waiting = Waiting::Intent {
            allowed: tasks.map(|ids| {
                ids.iter()
                    .map(|id| self.assistant.task(*id).name.clone())
                    .collect()
            }),
            silences: 0,
        };
        Next::Gather(Gather {
            hints,
            ..Gather::default()
        })
    }

    /// Runs a task's actions until one waits for the caller, hands over, or the list ends.
    fn run_task(&mut self, session: &mut Session, mut task_id: TaskId) -> Next {
        let assistant = self.assistant;
        'task: loop {
            let task = assistant.task(task_id);
            session.task = Some(task.name.clone());
            for (index, action) in task.actions.iter().enumerate() {
                match action {
                    Action::Say(text) => {
                        let text = text.render(&session.memory);
                        self.say(&text);
                    }
                    Action::Play { url, times } => self.outputs.push(Output::Play {
                        url: url.clone(),
                        times: *times,
                    }),
                    Action::Remember(values) => {
                        for (key, value) in values {
                            // `twilio` is reserved: a flow cannot overwrite what the platform wrote.
                            if key != "twilio" {
                                session.memory.insert(key.clone(), value.clone());
                            }
                        }
                    }
                    Action::Listen(listen) => {
                        return self.listen(session, listen.tasks.clone(), listen.hints.clone());
                    }
                    Action::Collect(collect) => {
                        session.collects_started += 1;
                        let run = CollectRun {
                            seq: session.collects_started,
                            task: task.name.clone(),
                            action: index,
                            collect: collect.name.clone(),
                            question: 0,
                            attempts: 0,
                            started_at: self.now,
                            answers: Vec::new(),
                        };
                        self.write_collected_memory(session, &run, CollectStatus::InProgress);
                        return self.ask(session, collect, run, true);
                    }
                    Action::Redirect(target) => match self.redirect(*target) {
                        Some(next) => {
                            task_id = next;
                            continue 'task;
                        }
                        None => return Next::Hangup,
                    },
                }
            }
            // Autopilot's rule: an action list without a listen ends the dialogue.
            self.event("end", json!({"reason": "task_ended", "task": task.name}));
            return Next::Hangup;
        }
    }

    /// Counts a redirect; past the limit the call ends politely instead of looping.
    fn redirect(&mut self, target: TaskId) -> Option<TaskId> {
        self.redirects += 1;
        if self.redirects > self.assistant.limits.max_redirects {
            self.say(&self.assistant.messages.loop_goodbye);
            self.event(
                "end",
                json!({"reason": "redirect_loop", "task": self.assistant.task(target).name}),
            );
            return None;
        }
        Some(target)
    }

    /// Asks the current question of a run (with its prompt if `with_prompt`).
    fn ask(
        &mut self,
        session: &mut Session,
        collect: &Collect,
        run: CollectRun,
        with_prompt: bool,
    ) -> Next {
        let Some(question) = collect.questions.get(run.question) else {
            return self.complete(session, collect, run);
        };
        if with_prompt {
            let prompt = question.prompt.render(&session.memory);
            self.say(&prompt);
        }
        let gather = Gather {
            hints: question.hints.clone(),
            num_digits: question.digits.num_digits,
            finish_on_key: question.digits.finish_on_key.clone(),
        };
        session.waiting = Waiting::Answer(run);
        Next::Gather(gather)
    }

    fn answer(&mut self, session: &mut Session, mut run: CollectRun, input: Input) -> Next {
        let assistant = self.assistant;
        let collect = assistant
            .task_id(&run.task)
            .and_then(|id| assistant.task(id).actions.get(run.action))
            .and_then(|a| match a {
                Action::Collect(c) if c.name == run.collect => Some(std::sync::Arc::clone(c)),
                _ => None,
            });
        let Some(collect) = collect else {
            // The flows were edited while this call was in progress and its collect is gone.
            // Keep what was said, then start the caller over rather than ask a stale question.
            self.abandon(session, &run);
            return self.greet(session);
        };
        let Some(question) = collect.questions.get(run.question) else {
            return self.complete(session, &collect, run);
        };
        let (said, parsed) = match &input {
            Input::Speech { text, .. } => (
                text.clone(),
                parse_answer(question, Answer::Speech(text), self.today()),
            ),
            Input::Digits(digits) => (
                digits.clone(),
                parse_answer(question, Answer::Digits(digits), self.today()),
            ),
            Input::Silence | Input::Start => (String::new(), None),
            Input::Hangup => {
                self.abandon(session, &run);
                return Next::Hangup;
            }
        };
        run.attempts += 1;
        let Some(value) = parsed else {
            self.event("invalid", json!({"collect": run.collect, "question": question.name, "said": said, "attempt": run.attempts}));
            return self.retry(session, &collect, question, run, said.is_empty());
        };
        self.event("answer", json!({"collect": run.collect, "question": question.name, "said": said, "value": value}));
        run.answers.push(AnswerRecord {
            question: question.name.clone(),
            said,
            value,
            attempts: run.attempts,
            at: self.now,
        });
        if let Some(on_success) = &question.validate.on_success {
            let text = on_success.render(&session.memory);
            self.say(&text);
        }
        run.question += 1;
        run.attempts = 0;
        if run.question >= collect.questions.len() {
            return self.complete(session, &collect, run);
        }
        self.save(session, &run, CollectStatus::InProgress, None);
        self.ask(session, &collect, run, true)
    }

    /// A failed or silent attempt: say why and ask again, or give up after `max_attempts`.
    fn retry(
        &mut self,
        session: &mut Session,
        collect: &Collect,
        question: &Question,
        run: CollectRun,
        silent: bool,
    ) -> Next {
        let validate = &question.validate;
        if run.attempts >= validate.max_attempts {
            self.abandon(session, &run);
            self.event("end_collect", json!({"reason": "max_attempts", "collect": run.collect, "question": question.name}));
            let target = validate
                .on_max_attempts
                .or(self.assistant.defaults.validate_on_failure);
            return match target.and_then(|t| self.redirect(t)) {
                Some(task) => self.run_task(session, task),
                None if target.is_some() => Next::Hangup,
                None => {
                    self.say(&self.assistant.messages.too_many_attempts);
                    Next::Hangup
                }
            };
        }
        let index = usize::try_from(run.attempts.saturating_sub(1)).unwrap_or(usize::MAX);
        if let Some(message) = validate
            .on_failure
            .get(index)
            .or(validate.on_failure.last())
        {
            let text = message.render(&session.memory);
            self.say(&text);
        }
        // After silence the caller may not have heard the question at all, so it is always
        // repeated; after a wrong answer the flow decides.
        let repeat = validate.repeat_question || silent;
        self.ask(session, collect, run, repeat)
    }

    fn complete(&mut self, session: &mut Session, collect: &Collect, run: CollectRun) -> Next {
        self.save(session, &run, CollectStatus::Complete, Some(self.now));
        match self.redirect(collect.on_complete) {
            Some(task) => self.run_task(session, task),
            None => Next::Hangup,
        }
    }

    /// Keeps a run's partial answers, marked incomplete.
    fn abandon(&mut self, session: &mut Session, run: &CollectRun) {
        if !run.answers.is_empty() {
            self.save(session, run, CollectStatus::Incomplete, Some(self.now));
        } else {
            self.write_collected_memory(session, run, CollectStatus::Incomplete);
        }
    }

    /// Ends a collect in progress when the call ends some other way.
    fn abandon_collect(&mut self, session: &mut Session) {
        if let Waiting::Answer(run) = std::mem::replace(&mut session.waiting, Waiting::Nothing) {
            self.abandon(session, &run);
        }
    }

    fn hang_up(&mut self, session: &mut Session) {
        self.abandon_collect(session);
        self.event("end", json!({"reason": "hangup"}));
    }

    fn save(
        &mut self,
        session: &mut Session,
        run: &CollectRun,
        status: CollectStatus,
        finished_at: Option<DateTime<Utc>>,
    ) {
        self.write_collected_memory(session, run, status);
        self.effects.push(Effect::Collected(CollectRecord {
            seq: run.seq,
            task: run.task.clone(),
            collect: run.collect.clone(),
            status,
            answers: run.answers.clone(),
            started_at: run.started_at,
            finished_at,
        }));
    }

    /// Mirrors a run into `Memory.twilio.collected_data.<collect>`, in Autopilot's shape, so
    /// texts can name answers and webhooks see what they always saw.
    fn write_collected_memory(
        &self,
        session: &mut Session,
        run: &CollectRun,
        status: CollectStatus,
    ) {
        let answers: Map<String, Value> = run
            .answers
            .iter()
            .map(|a| {
                let entry = json!({
                    "answer": a.value,
                    "filled": true,
                    "attempts": a.attempts,
                    "validate_attempts": a.attempts.saturating_sub(1),
                    "confirm_attempts": 0,
                    "confirmed": false,
                });
                (a.question.clone(), entry)
            })
            .collect();
        let mut entry = json!({
            "status": status.as_str(),
            "date_started": run.started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "answers": answers,
        });
        if status != CollectStatus::InProgress {
            entry["date_completed"] =
                json!(self.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
        let twilio = session.memory.entry("twilio").or_insert_with(|| json!({}));
        if !twilio.is_object() {
            *twilio = json!({});
        }
        let collected = twilio
            .as_object_mut()
            .map(|t| t.entry("collected_data").or_insert_with(|| json!({})));
        if let Some(Value::Object(collected)) = collected {
            collected.insert(run.collect.clone(), entry);
        }
    }
}

fn gather_of(reply: &Reply) -> Option<&Gather> {
    match &reply.next {
        Next::Gather(g) => Some(g),
        Next::Hangup => None,
    }
}

/// Parses an answer by the question's field type, then checks its allowed values.
fn parse_answer(question: &Question, answer: Answer<'_>, today: NaiveDate) -> Option<String> {
    if let Answer::Digits(digits) = answer
        && let Some(mapped) = question.digits.mapping.get(digits)
    {
        return Some(mapped.clone());
    }
    let context = Context { today };
    let value = match &question.field {
        Field::FreeText => fields::parse_free_text(answer),
        Field::Builtin(ty) => fields::parse(*ty, answer, &context),
        Field::Custom(_, custom) => custom.parse(answer),
    };
    let Some(allowed) = &question.validate.allowed_values else {
        return value;
    };
    // The parsed value is tried first ("NYC" typed as a city), then the raw words, so an allowed
    // value said inside a sentence ("New York please") is found either way.
    let raw = match answer {
        Answer::Speech(text) | Answer::Digits(text) => text,
    };
    value
        .iter()
        .map(String::as_str)
        .chain(std::iter::once(raw))
        .find_map(|candidate| allowed_value(allowed, candidate))
}

/// The allowed value a text means: equal to it, or contained in it as whole words, ignoring case
/// and punctuation. The longest such value wins ("New York City" over "York").
fn allowed_value(allowed: &[String], text: &str) -> Option<String> {
    let said = format!(" {} ", simplify(text));
    allowed
        .iter()
        .filter(|value| {
            let value = simplify(value);
            !value.is_empty() && said.contains(&format!(" {value} "))
        })
        .max_by_key(|value| value.len())
        .cloned()
}

fn simplify(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().collect::<Vec<_>>()
            } else {
                vec![' ']
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
