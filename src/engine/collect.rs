//! Collects: asking questions, parsing and validating answers, re-prompting, giving up, and
//! keeping every accepted answer — in the session's Memory and as an effect to save.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::run::Turn;
use super::{
    AnswerRecord, CollectRecord, CollectRun, CollectStatus, Gather, Input, Next, PendingWebhook,
    Session, Waiting,
};
use crate::flow::spoken::{self, Format, Kind};
use crate::flow::{Action, Collect, Field, Question};
use crate::nlu::fields::time::{self, Reading};
use crate::nlu::fields::{self, Answer, BuiltinType, Context};
use crate::nlu::lang::Language;

impl Turn<'_> {
    /// Starts a collect found at `index` of `task`'s actions (or of a web service's document).
    pub(super) fn start_collect(
        &mut self,
        session: &mut Session,
        task: &str,
        index: usize,
        collect: &Collect,
        document: Option<&Value>,
    ) -> Next {
        session.collects_started += 1;
        let run = CollectRun {
            seq: session.collects_started,
            task: task.to_owned(),
            action: index,
            collect: collect.name.clone(),
            question: 0,
            attempts: 0,
            started_at: self.now,
            answers: Vec::new(),
            document: document.cloned(),
            either: None,
        };
        write_collected_memory(session, &run, CollectStatus::InProgress, self.now);
        self.event(
            "collect",
            json!({"collect": collect.name, "task": task, "seq": run.seq}),
        );
        self.ask(session, collect, run, true)
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
        // Already said in the request that started the task ("a table for four"): take it
        // rather than ask again, if it is a valid answer to this question.
        if let Some(field) = &question.prefill {
            let found = session
                .fields
                .iter()
                .find(|f| &f.name == field)
                .map(|f| f.value.clone());
            if let Some(value) = found.and_then(|v| {
                parse_answer(question, Answer::Speech(&v), self.today(), self.language())
            }) {
                self.event(
                    "prefill",
                    json!({"collect": run.collect, "question": question.name, "field": field}),
                );
                return self.accept(session, collect, run, value.clone(), value);
            }
        }
        self.event(
            "ask",
            json!({"collect": run.collect, "question": question.name, "attempt": run.attempts + 1}),
        );
        if with_prompt {
            let prompt = self.render(&question.prompt, session);
            self.say(&prompt);
        }
        let gather = Gather {
            hints: question.hints.clone(),
            num_digits: question.digits.num_digits,
            finish_on_key: question.digits.finish_on_key.clone(),
            no_barge_in: !question.barge,
        };
        session.waiting = Waiting::Answer(run);
        Next::Gather(gather)
    }

    /// True when the session waits for the answer to a sensitive question.
    pub(super) fn awaiting_sensitive(&self, session: &Session) -> bool {
        match &session.waiting {
            Waiting::Answer(run) => self
                .collect_of(run)
                .and_then(|c| c.questions.get(run.question).map(|q| q.sensitive))
                .unwrap_or(false),
            _ => false,
        }
    }

    /// Finds a run's collect again. None if the flows changed under a live call.
    pub(super) fn collect_of(&self, run: &CollectRun) -> Option<Arc<Collect>> {
        let actions = match &run.document {
            Some(document) => self.actions_of(document)?,
            None => {
                let task = self.assistant.task(self.assistant.task_id(&run.task)?);
                return match task.actions.get(run.action)? {
                    Action::Collect(c) if c.name == run.collect => Some(Arc::clone(c)),
                    _ => None,
                };
            }
        };
        match actions.get(run.action)? {
            Action::Collect(c) if c.name == run.collect => Some(Arc::clone(c)),
            _ => None,
        }
    }

    pub(super) fn answer(
        &mut self,
        session: &mut Session,
        mut run: CollectRun,
        input: Input,
    ) -> Next {
        let Some(collect) = self.collect_of(&run) else {
            // The flows were edited while this call was in progress and its collect is gone.
            // Keep what was said, then start the caller over rather than ask a stale question.
            self.abandon(session, &run);
            return self.start(session);
        };
        let Some(question) = collect.questions.get(run.question) else {
            return self.complete(session, &collect, run);
        };
        if matches!(input, Input::Webhook(..)) {
            // A web service answer for a turn the call has moved past (a hold another
            // continuation replaced, a delivery after a restart) is nothing the caller said:
            // the question again, no attempt counted, as a stray answer is when listening.
            return self.repeat_last(session, Waiting::Answer(run));
        }
        let today = self.today();
        let either = run.either.take();
        let (said, read) = match &input {
            Input::Speech { text, .. } => (
                text.clone(),
                read_answer(
                    question,
                    Answer::Speech(text),
                    today,
                    self.language(),
                    either.as_deref(),
                ),
            ),
            Input::Digits(digits) => (
                digits.clone(),
                read_answer(
                    question,
                    Answer::Digits(digits),
                    today,
                    self.language(),
                    either.as_deref(),
                ),
            ),
            // (A web service answer was sent back to the question above.)
            Input::Silence | Input::Start | Input::Webhook(..) => (String::new(), Read::Invalid),
            Input::Hangup => {
                self.abandon(session, &run);
                return Next::Hangup;
            }
        };
        if !said.is_empty() {
            session.last_input = Some(shown(question, &said));
        }
        run.attempts += 1;
        // "Half past seven" for an evening booking: ask which, rather than guess. It counts as
        // an attempt, so a caller who never says cannot go round for ever.
        if run.attempts < question.validate.max_attempts
            && let Read::Either { am, pm } = &read
        {
            let (am, pm) = (am.clone(), pm.clone());
            self.event(
                "ambiguous",
                json!({"collect": run.collect, "question": question.name, "said": shown(question, &said), "am": am, "pm": pm, "attempt": run.attempts}),
            );
            let today = self.today();
            // Both readings in the bot's own words ("8 de la mañana o 8 de la noche"): a caller
            // asked to choose between "08:00" and "20:00" has to work out which is which.
            let language = self.language();
            let say = |value: &str| spoken::say(value, Format::Spoken, Kind::Time, today, language);
            let text = self
                .messages()
                .am_or_pm
                .replace("{am}", &say(&am))
                .replace("{pm}", &say(&pm));
            self.say(&text);
            run.either = Some(Box::new((am, pm)));
            return self.ask(session, &collect, run, false);
        }
        let parsed = match read {
            Read::Value(value) => Some(value),
            Read::Either { .. } | Read::Invalid => None,
        };
        let Some(value) = parsed else {
            self.event(
                "invalid",
                json!({"collect": run.collect, "question": question.name, "said": shown(question, &said), "attempt": run.attempts}),
            );
            return self.retry(session, &collect, question, run, said.is_empty());
        };
        if let Some(webhook) = &question.validate.webhook {
            let extra = vec![
                ("CollectName".to_owned(), run.collect.clone()),
                ("ValidateFieldName".to_owned(), question.name.clone()),
                ("ValidateFieldAnswer".to_owned(), value.clone()),
            ];
            let webhook = webhook.clone();
            return self.call_webhook(
                session,
                &webhook,
                extra,
                PendingWebhook::Verdict { run, said, value },
            );
        }
        self.accept(session, &collect, run, said, value)
    }

    /// A validation webhook's verdict (None: it failed, and the answer is accepted as parsed).
    pub(super) fn verdict(
        &mut self,
        session: &mut Session,
        run: CollectRun,
        said: String,
        value: String,
        valid: Option<bool>,
    ) -> Next {
        let Some(collect) = self.collect_of(&run) else {
            self.abandon(session, &run);
            return self.start(session);
        };
        if valid == Some(false) {
            let Some(question) = collect.questions.get(run.question) else {
                return self.complete(session, &collect, run);
            };
            self.event(
                "invalid",
                json!({"collect": run.collect, "question": question.name, "said": shown(question, &said), "attempt": run.attempts, "by": "webhook"}),
            );
            return self.retry(session, &collect, question, run, false);
        }
        self.accept(session, &collect, run, said, value)
    }

    fn accept(
        &mut self,
        session: &mut Session,
        collect: &Collect,
        mut run: CollectRun,
        said: String,
        value: String,
    ) -> Next {
        let Some(question) = collect.questions.get(run.question) else {
            return self.complete(session, collect, run);
        };
        self.event(
            "answer",
            json!({"collect": run.collect, "question": question.name, "said": shown(question, &said), "value": shown(question, &value)}),
        );
        run.answers.push(AnswerRecord {
            question: question.name.clone(),
            said,
            value,
            attempts: run.attempts,
            at: self.now,
            sensitive: question.sensitive,
        });
        run.question += 1;
        run.attempts = 0;
        // The answer is in memory before on_success is said, so it can name it.
        self.save(session, &run, CollectStatus::InProgress, None);
        if let Some(on_success) = &question.validate.on_success {
            let text = self.render(on_success, session);
            self.say(&text);
        }
        if run.question >= collect.questions.len() {
            return self.complete(session, collect, run);
        }
        self.ask(session, collect, run, true)
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
                .clone()
                .or_else(|| self.assistant.defaults.validate_on_failure.clone());
            return match target {
                Some(target) => match self.redirect(target) {
                    Some(target) => self.run_target(session, target),
                    None => Next::Hangup,
                },
                None => {
                    self.say(&self.messages().too_many_attempts);
                    Next::Hangup
                }
            };
        }
        let index = usize::try_from(run.attempts.saturating_sub(1)).unwrap_or(usize::MAX);
        let failures = if validate.on_failure.is_empty() {
            self.on_failure()
        } else {
            &validate.on_failure
        };
        if let Some(message) = failures.get(index).or(failures.last()) {
            let text = self.render(message, session);
            self.say(&text);
        }
        // After silence the caller may not have heard the question at all, so it is always
        // repeated; after a wrong answer the flow decides.
        let repeat = validate.repeat_question || silent;
        self.ask(session, collect, run, repeat)
    }

    fn complete(&mut self, session: &mut Session, collect: &Collect, run: CollectRun) -> Next {
        self.save(session, &run, CollectStatus::Complete, Some(self.now));
        // `on_complete` always has a default, so a branch always chooses.
        let Some(target) = self.choose(session, &collect.on_complete) else {
            self.event("end", json!({"reason": "task_ended", "task": run.task}));
            return Next::Hangup;
        };
        match self.redirect(target) {
            Some(target) => self.run_target(session, target),
            None => Next::Hangup,
        }
    }

    /// Keeps a run's partial answers, marked incomplete.
    fn abandon(&mut self, session: &mut Session, run: &CollectRun) {
        if run.answers.is_empty() {
            write_collected_memory(session, run, CollectStatus::Incomplete, self.now);
        } else {
            self.save(session, run, CollectStatus::Incomplete, Some(self.now));
        }
    }

    /// Whether `input` is a value the question being asked lists one by one (a custom type's
    /// value or synonym, or an allowed value): such a word is an answer even when it is also a
    /// keyword ("cancel" as a size).
    pub(super) fn lists_as_an_answer(&self, session: &Session, input: &Input) -> bool {
        let (Waiting::Answer(run), Input::Speech { text, .. }) = (&session.waiting, input) else {
            return false;
        };
        let Some(collect) = self.collect_of(run) else {
            return false;
        };
        collect.questions.get(run.question).is_some_and(|question| {
            (matches!(question.field, Field::Custom(..))
                || question.validate.allowed_values.is_some())
                && parse_answer(
                    question,
                    Answer::Speech(text),
                    self.today(),
                    self.language(),
                )
                .is_some()
        })
    }

    /// Ends a collect in progress when the call ends some other way.
    pub(super) fn abandon_collect(&mut self, session: &mut Session) {
        match std::mem::replace(&mut session.waiting, Waiting::Nothing) {
            Waiting::Answer(run)
            | Waiting::Webhook {
                pending: PendingWebhook::Verdict { run, .. },
                ..
            } => self.abandon(session, &run),
            _ => {}
        }
    }

    fn save(
        &mut self,
        session: &mut Session,
        run: &CollectRun,
        status: CollectStatus,
        finished_at: Option<DateTime<Utc>>,
    ) {
        write_collected_memory(session, run, status, self.now);
        let record = CollectRecord {
            seq: run.seq,
            task: run.task.clone(),
            collect: run.collect.clone(),
            status,
            answers: run.answers.clone(),
            started_at: run.started_at,
            finished_at,
        };
        self.collected(record);
    }
}

/// What the call history may show of an answer: nothing of a sensitive one.
fn shown(question: &Question, text: &str) -> String {
    if question.sensitive {
        SENSITIVE.to_owned()
    } else {
        text.to_owned()
    }
}

/// What stands in for a sensitive answer wherever it is not needed.
pub(super) const SENSITIVE: &str = "[sensitive]";

/// Replaces every sensitive answer in the session's memory with [`SENSITIVE`]: once the call is
/// over no placeholder or web service needs it, and the session row outlives the call.
pub(super) fn scrub_sensitive(session: &mut Session) {
    let Some(Value::Object(collected)) = session
        .memory
        .get_mut("twilio")
        .and_then(|t| t.get_mut("collected_data"))
    else {
        return;
    };
    for collect in collected.values_mut() {
        if let Some(Value::Object(answers)) = collect.get_mut("answers") {
            for answer in answers.values_mut() {
                if answer.get("sensitive") == Some(&Value::Bool(true)) {
                    answer["answer"] = json!(SENSITIVE);
                }
            }
        }
    }
}

/// The sensitive answers the session's memory holds (the values placeholders would say), so
/// that what the bot says can be kept out of the call history too. Empty once scrubbed.
pub(super) fn sensitive_values(session: &Session) -> Vec<String> {
    let Some(Value::Object(collected)) = session
        .memory
        .get("twilio")
        .and_then(|t| t.get("collected_data"))
    else {
        return Vec::new();
    };
    collected
        .values()
        .filter_map(|c| c.get("answers").and_then(Value::as_object))
        .flat_map(|answers| answers.values())
        .filter(|a| a.get("sensitive") == Some(&Value::Bool(true)))
        .filter_map(|a| match a.get("answer")? {
            Value::String(s) if s != SENSITIVE && !s.is_empty() => Some(s.clone()),
            Value::String(_) | Value::Null => None,
            other => Some(other.to_string()),
        })
        // A placeholder may say it differently ("Friday, December 11th"): each way is hidden.
        .flat_map(|value| crate::flow::spoken::every_saying(&value))
        .collect()
}

/// Mirrors a run into `Memory.twilio.collected_data.<collect>`, in Autopilot's shape, so texts
/// can name answers and web services see what they always saw.
fn write_collected_memory(
    session: &mut Session,
    run: &CollectRun,
    status: CollectStatus,
    now: DateTime<Utc>,
) {
    let answers: Map<String, Value> = run
        .answers
        .iter()
        .map(|a| {
            let mut entry = json!({
                "answer": a.value,
                "filled": true,
                "attempts": a.attempts,
                "validate_attempts": a.attempts.saturating_sub(1),
                "confirm_attempts": 0,
                "confirmed": false,
            });
            if a.sensitive {
                entry["sensitive"] = json!(true);
            }
            (a.question.clone(), entry)
        })
        .collect();
    // Built by hand rather than with `json!`, which serialises every value it is given: the
    // answers map would be copied entry by entry (a third of this function's time).
    let mut entry = Map::new();
    entry.insert("status".into(), status.as_str().into());
    entry.insert(
        "date_started".into(),
        run.started_at
            .to_rfc3339_opts(SecondsFormat::Secs, true)
            .into(),
    );
    entry.insert("answers".into(), Value::Object(answers));
    if status != CollectStatus::InProgress {
        entry.insert(
            "date_completed".into(),
            now.to_rfc3339_opts(SecondsFormat::Secs, true).into(),
        );
    }
    let twilio = session.memory.entry("twilio").or_insert_with(|| json!({}));
    if !twilio.is_object() {
        *twilio = json!({});
    }
    let collected = twilio
        .as_object_mut()
        .map(|t| t.entry("collected_data").or_insert_with(|| json!({})));
    if let Some(Value::Object(collected)) = collected {
        collected.insert(run.collect.clone(), Value::Object(entry));
    }
}

/// Whether `answer` is read as a time by the question's hours: a `Twilio.TIME` question, not
/// narrowed to allowed values, and not a key its keypad mapping names.
fn reads_a_time(question: &Question, answer: Answer<'_>) -> bool {
    matches!(question.field, Field::Builtin(BuiltinType::Time))
        && question.validate.allowed_values.is_none()
        && !matches!(answer, Answer::Digits(d) if question.digits.mapping.contains_key(d))
}

/// A time answer read by the question's hours: by the language's parser when it has one and
/// the answer was spoken (keypad times are language-free), else as in English.
fn read_time(answer: Answer<'_>, question: &Question, language: &Language) -> Option<Reading> {
    match (language.parsers, answer) {
        (Some(parsers), Answer::Speech(text)) => {
            let said = parsers.time(text)?;
            Some(time::settle(
                said.hour * 60 + said.minute,
                said.ambiguous,
                question.hours,
            ))
        }
        _ => time::read(answer, question.hours),
    }
}

/// The answer to "morning or evening?", in the caller's language.
fn part_of_day(answer: Answer<'_>, language: &Language) -> Option<bool> {
    match (language.parsers, answer) {
        (Some(parsers), Answer::Speech(text)) => parsers.part_of_day(text),
        _ => time::part_of_day(answer),
    }
}

/// An answer read by its question's type.
enum Read {
    /// A valid value, normalised.
    Value(String),
    /// A time said without its part of day that the question's hours do not settle.
    Either { am: String, pm: String },
    /// Not a value of the type.
    Invalid,
}

/// Reads an answer: a time by the question's hours (and, when the caller was just asked
/// "morning or evening?", as the choice between `either`'s readings), anything else as
/// [`parse_answer`] does.
fn read_answer(
    question: &Question,
    answer: Answer<'_>,
    today: NaiveDate,
    language: &Language,
    either: Option<&(String, String)>,
) -> Read {
    if reads_a_time(question, answer) {
        if let Some((am, pm)) = either
            && let Some(evening) = part_of_day(answer, language)
        {
            return Read::Value(if evening { pm.clone() } else { am.clone() });
        }
        return match read_time(answer, question, language) {
            Some(Reading::Exact(value)) => Read::Value(value),
            Some(Reading::Either { am, pm }) => Read::Either { am, pm },
            None => Read::Invalid,
        };
    }
    match parse_answer(question, answer, today, language) {
        Some(value) => Read::Value(value),
        None => Read::Invalid,
    }
}

/// Parses an answer by the question's field type, then checks its allowed values. A time the
/// question's hours leave open is no answer here: prefilling it would guess.
fn parse_answer(
    question: &Question,
    answer: Answer<'_>,
    today: NaiveDate,
    language: &Language,
) -> Option<String> {
    if reads_a_time(question, answer) {
        return match read_time(answer, question, language) {
            Some(Reading::Exact(value)) => Some(value),
            Some(Reading::Either { .. }) | None => None,
        };
    }
    if let Answer::Digits(digits) = answer
        && let Some(mapped) = question.digits.mapping.get(digits)
    {
        return Some(mapped.clone());
    }
    let context = Context { today };
    let value = match &question.field {
        Field::FreeText => fields::parse_free_text(answer),
        Field::Builtin(ty) => fields::parse_in(*ty, answer, &context, language),
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
