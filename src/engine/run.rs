//! One turn's work: routing utterances to tasks, running action lists, redirects and web
//! service calls. Questions and answers live in [`super::collect`].

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use super::Channel;
use super::session::FieldValue;
use super::session::Route;
use super::{
    Caller, CollectRecord, Effect, Expects, Gather, Input, Next, Output, PendingWebhook, Session,
    Waiting, WebhookCall, WebhookResult,
};
use crate::flow::branch::{Branch, Taken};
use crate::flow::load::keyword;
use crate::flow::memory::{MAX_SESSION_MEMORY_BYTES, json_len};
use crate::flow::{
    Action, Assistant, Field, Keypad, Locale, Messages, Saying, SmsSettings, Target, TaskId, Text,
    VoiceEscapes, Webhook,
};
use crate::nlu::extract::{FieldKind, extract};
use crate::nlu::lang::Language;

/// Words people text or say to steer a conversation, and the empty message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Keyword {
    Stop,
    Cancel,
    Restart,
    Help,
    /// Asking for a person (by voice, during a question).
    Operator,
    /// An empty or picture-only message.
    Empty,
}

/// What running an action list led to.
pub(super) enum Flow {
    /// The reply is decided.
    Next(Next),
    /// Continue with this target (the redirect is already counted).
    Redirect(Target),
}

/// One turn in progress: what the caller will hear and what must be persisted.
pub(super) struct Turn<'a> {
    pub(super) assistant: &'a Assistant,
    /// The language a task switched the call to, when not the assistant's.
    locale: Option<&'a Locale>,
    pub(super) caller: &'a Caller,
    pub(super) now: DateTime<Utc>,
    outputs: Vec<Output>,
    effects: Vec<Effect>,
    redirects: u32,
    routed: Option<Option<String>>,
    /// Set when this turn's utterance chose a task and its fields were read: the next task
    /// entered is that one, and only it may use them.
    fresh_fields: bool,
}

impl<'a> Turn<'a> {
    pub(super) fn new(
        assistant: &'a Assistant,
        caller: &'a Caller,
        now: DateTime<Utc>,
    ) -> Turn<'a> {
        Turn {
            assistant,
            locale: None,
            caller,
            now,
            outputs: Vec::new(),
            effects: Vec::new(),
            redirects: 0,
            routed: None,
            fresh_fields: false,
        }
    }

    /// Speaks the session's language from now on: the one a task switched the call to, or the
    /// assistant's. A language the flows no longer switch to (an edit while the call was on)
    /// is the assistant's.
    pub(super) fn speak_as(&mut self, session: &Session) {
        self.locale = session
            .language
            .as_deref()
            .and_then(|tag| self.assistant.locale(tag));
    }

    /// Switches the call to `language` for the rest of it (a task's `"language"`).
    fn switch_language(&mut self, session: &mut Session, language: &'static Language) {
        if language == self.language() {
            return;
        }
        session.language = (language != self.assistant.language).then(|| language.tag.to_owned());
        self.speak_as(session);
        self.event("language", json!({"language": language.tag}));
    }

    /// The language the call speaks now.
    pub(super) fn language(&self) -> &'static Language {
        self.locale.map_or(self.assistant.language, |l| l.language)
    }

    /// The language's tag, for the reply, when it is not the assistant's.
    pub(super) fn language_tag(&self) -> Option<String> {
        self.locale.map(|l| l.language.tag.to_owned())
    }

    /// The built-in lines, in the language the call speaks.
    pub(super) fn messages(&self) -> &'a Messages {
        self.locale
            .map_or(&self.assistant.messages, |l| &l.messages)
    }

    /// The default words after a wrong answer, in the language the call speaks.
    pub(super) fn on_failure(&self) -> &'a [Text] {
        self.locale
            .map_or(&self.assistant.style.on_failure, |l| &l.on_failure)
    }

    fn voice_words(&self) -> &'a VoiceEscapes {
        self.locale.map_or(&self.assistant.voice, |l| &l.voice)
    }

    fn sms_words(&self) -> &'a SmsSettings {
        self.locale.map_or(&self.assistant.sms, |l| &l.sms)
    }

    /// The outputs and effects gathered.
    pub(super) fn finish(self) -> (Vec<Output>, Vec<Effect>, Option<Option<String>>) {
        (self.outputs, self.effects, self.routed)
    }

    /// The caller's date, in the assistant's time zone: "tomorrow" said at 9pm in New York is
    /// not the UTC tomorrow.
    pub(super) fn today(&self) -> NaiveDate {
        self.now
            .with_timezone(&self.assistant.time_zone)
            .date_naive()
    }

    /// Renders a flow's text for this session: its channel's words, its answers said as they
    /// are said aloud.
    pub(super) fn render(&self, text: &Text, session: &Session) -> String {
        text.render(
            &session.memory,
            &Saying {
                channel: session.channel,
                today: self.today(),
                kinds: &self.assistant.answer_kinds,
                language: self.language(),
            },
        )
    }

    pub(super) fn say(&mut self, text: &str) {
        if !text.trim().is_empty() {
            self.outputs.push(Output::Say {
                text: text.to_owned(),
            });
        }
    }

    pub(super) fn event(&mut self, kind: &'static str, detail: Value) {
        self.effects.push(Effect::Event { kind, detail });
    }

    /// Records a collect run's answers as they stand. One record per run per turn, as it is at
    /// the end of the turn: the answer that completes a collect is saved once, not once in
    /// progress and again complete.
    pub(super) fn collected(&mut self, record: CollectRecord) {
        let earlier = self
            .effects
            .iter_mut()
            .rev()
            .find_map(|effect| match effect {
                Effect::Collected(r)
                    if (r.seq, r.started_at) == (record.seq, record.started_at) =>
                {
                    Some(r)
                }
                _ => None,
            });
        match earlier {
            Some(earlier) => *earlier = record,
            None => self.effects.push(Effect::Collected(record)),
        }
    }

    pub(super) fn input_event(&mut self, input: &Input) {
        let detail = match input {
            Input::Start => json!({"start": true}),
            Input::Speech {
                text, confidence, ..
            } => json!({"speech": text, "confidence": confidence}),
            Input::Digits(d) => json!({"digits": d}),
            Input::Silence => json!({"silence": true}),
            Input::Hangup => json!({"hangup": true}),
            Input::Webhook(result, trip) => {
                let mut detail = match result {
                    WebhookResult::Actions { .. } => json!({"webhook": "actions"}),
                    WebhookResult::Valid(valid) => json!({"webhook": "verdict", "valid": valid}),
                    WebhookResult::Failed { reason } => {
                        json!({"webhook": "failed", "reason": reason})
                    }
                };
                detail["url"] = json!(trip.url);
                detail["status"] = json!(trip.status);
                detail["ms"] = json!(u64::try_from(trip.took.as_millis()).unwrap_or(u64::MAX));
                detail
            }
        };
        self.event("input", detail);
    }

    /// A new call: `TargetTask` if it names a task, else the assistant's initiation, else a
    /// plain listen.
    pub(super) fn start(&mut self, session: &mut Session) -> Next {
        if let Some(name) = &self.caller.target_task {
            match self
                .assistant
                .task_id(name.strip_prefix("task://").unwrap_or(name))
            {
                Some(task) => return self.run_target(session, Target::Task(task)),
                None => self.event("entry", json!({"unknown_target_task": name})),
            }
        }
        self.greet(session)
    }

    fn greet(&mut self, session: &mut Session) -> Next {
        match self.assistant.defaults.assistant_initiation.clone() {
            Some(target) => self.run_target(session, target),
            None => self.listen(
                session,
                None,
                self.assistant.all_task_hints.clone(),
                None,
                true,
            ),
        }
    }

    pub(super) fn respond(&mut self, session: &mut Session, input: Input) -> Next {
        match std::mem::replace(&mut session.waiting, Waiting::Nothing) {
            Waiting::Webhook {
                pending,
                redirects,
                outputs,
            } => {
                self.outputs = outputs;
                self.redirects = redirects;
                self.webhook_answered(session, pending, input)
            }
            // A conversation's first text (SMS) is routed like any utterance.
            Waiting::Nothing
                if self.caller.channel == Channel::Sms
                    && matches!(input, Input::Speech { .. } | Input::Digits(_)) =>
            {
                self.route(session, input, None, 0, None)
            }
            Waiting::Nothing => self.greet(session),
            Waiting::Intent {
                allowed,
                silences,
                keypad,
            } => self.route(session, input, allowed, silences, keypad),
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
        keypad: Option<Vec<(String, String)>>,
    ) -> Next {
        let (text, embedding) = match input {
            Input::Speech {
                text, embedding, ..
            } => (text, embedding),
            Input::Digits(digits) => {
                // A keypad menu entry goes straight to its task; other keys are matched as text.
                let choice = keypad
                    .as_ref()
                    .and_then(|k| k.iter().find(|(keys, _)| *keys == digits));
                if let Some(task) = choice.and_then(|(_, name)| self.assistant.task_id(name)) {
                    self.event(
                        "route",
                        json!({"task": self.assistant.task(task).name, "keypad": digits}),
                    );
                    session.last_input = Some(digits);
                    self.routed = Some(Some(self.assistant.task(task).name.clone()));
                    session.last_route = Some(Route {
                        confidence: 1.0,
                        next_best: None,
                    });
                    return self.run_target(session, Target::Task(task));
                }
                (digits, None)
            }
            Input::Hangup => return Next::Hangup,
            // No words: silence (counted), or a stray web service answer (not counted).
            other => {
                let silences = if matches!(other, Input::Webhook(..)) {
                    silences
                } else {
                    silences + 1
                };
                if silences >= self.assistant.limits.max_silences {
                    self.say(&self.messages().no_input_goodbye);
                    self.event("end", json!({"reason": "no_input"}));
                    return Next::Hangup;
                }
                return self.repeat_last(
                    session,
                    Waiting::Intent {
                        allowed,
                        silences,
                        keypad,
                    },
                );
            }
        };
        session.last_input = Some(text.clone());
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
        let class =
            self.assistant
                .matcher
                .classify_with(&text, embedding.as_deref(), ids.as_deref());
        let name = |id: Option<(usize, f32)>| {
            id.and_then(|(i, _)| self.assistant.tasks.get(i))
                .map(|t| t.name.clone())
        };
        let chosen = class
            .task
            .and_then(|i| self.assistant.tasks.get(i))
            .map(|t| t.name.clone());
        self.event(
            "route",
            json!({
                "task": chosen,
                "confidence": class.confidence,
                "best": name(class.best),
                "next_best": name(class.next_best),
                "decision": format!("{:?}", class.decision),
                "semantic": class.parts.map(|p| json!({"string": p.string, "semantic": p.semantic})),
            }),
        );
        self.routed = Some(chosen.clone());
        session.last_route = Some(Route {
            confidence: class.confidence,
            next_best: name(class.next_best),
        });
        match class.task {
            Some(i) => {
                session.fields = self.fields_in(TaskId(i), &text);
                self.fresh_fields = true;
                if !session.fields.is_empty() {
                    let found: Vec<&str> = session.fields.iter().map(|f| f.name.as_str()).collect();
                    self.event("fields", json!({"found": found}));
                }
                self.run_target(session, Target::Task(TaskId(i)))
            }
            None => self.fallback(session, allowed),
        }
    }

    fn fallback(&mut self, session: &mut Session, allowed: Option<Vec<String>>) -> Next {
        match self.assistant.defaults.fallback.clone() {
            Some(target) => self.run_target(session, target),
            None => {
                self.say(&self.messages().not_understood);
                let hints = session
                    .last_reply
                    .as_ref()
                    .and_then(|r| match &r.next {
                        Next::Gather(g) => Some(g.hints.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                let ids = allowed.map(|names| {
                    names
                        .iter()
                        .filter_map(|n| self.assistant.task_id(n))
                        .collect()
                });
                self.listen(session, ids, hints, None, true)
            }
        }
    }

    /// Says the last reply again and waits as before.
    pub(super) fn repeat_last(&mut self, session: &mut Session, waiting: Waiting) -> Next {
        let Some(last) = session.last_reply.clone() else {
            return self.greet(session);
        };
        self.outputs.extend(last.outputs);
        session.waiting = waiting;
        last.next
    }

    fn listen(
        &mut self,
        session: &mut Session,
        tasks: Option<Vec<TaskId>>,
        hints: String,
        keypad: Option<&Keypad>,
        barge: bool,
    ) -> Next {
        let name = |id: &TaskId| self.assistant.task(*id).name.clone();
        session.waiting = Waiting::Intent {
            allowed: tasks.map(|ids| ids.iter().map(name).collect()),
            silences: 0,
            keypad: keypad.map(|k| {
                k.redirects
                    .iter()
                    .map(|(keys, id)| (keys.clone(), name(id)))
                    .collect()
            }),
        };
        Next::Gather(Gather {
            hints,
            num_digits: keypad.and_then(|k| k.num_digits),
            finish_on_key: keypad.and_then(|k| k.finish_on_key.clone()),
            no_barge_in: !barge,
        })
    }

    /// Runs a target and whatever it redirects to, until something waits or the call ends.
    pub(super) fn run_target(&mut self, session: &mut Session, mut target: Target) -> Next {
        let assistant = self.assistant;
        loop {
            let flow = match target {
                Target::Task(id) => {
                    let task = assistant.task(id);
                    // The fields of an utterance fill the questions of the task it chose, once:
                    // a task entered any other way (a redirect back to change an answer, a
                    // keypad choice) asks its questions again.
                    if !std::mem::take(&mut self.fresh_fields) {
                        session.fields.clear();
                    }
                    self.event("task", json!({"task": task.name}));
                    if let Some(language) = task.language {
                        self.switch_language(session, language);
                    }
                    self.run_actions(session, &task.name, &task.actions, None)
                }
                Target::Url(webhook) => {
                    return self.call_webhook(
                        session,
                        &webhook,
                        Vec::new(),
                        PendingWebhook::Actions,
                    );
                }
            };
            match flow {
                Flow::Next(next) => return next,
                Flow::Redirect(next) => target = next,
            }
        }
    }

    /// Runs actions in order until one waits for the caller, hands over, redirects, or the list
    /// ends. `document` is the Actions JSON they came from when a web service sent them.
    fn run_actions(
        &mut self,
        session: &mut Session,
        task: &str,
        actions: &[Action],
        document: Option<&Value>,
    ) -> Flow {
        session.task = Some(task.to_owned());
        for (index, action) in actions.iter().enumerate() {
            match action {
                Action::Say(text) => {
                    let text = self.render(text, session);
                    self.say(&text);
                }
                // Audio has no place in a text conversation.
                Action::Play { .. } if session.channel == Channel::Sms => {}
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
                Action::Show(show) if session.channel == Channel::Sms => {
                    let text = self.render(&show.body, session);
                    self.outputs.push(Output::Show {
                        text,
                        images: show.images.clone(),
                    });
                }
                // Text and images are for messaging channels; a phone call has nothing to show.
                Action::Show(_) => {}
                Action::Listen(listen) => {
                    return Flow::Next(self.listen(
                        session,
                        listen.tasks.clone(),
                        listen.hints.clone(),
                        listen.keypad.as_ref(),
                        listen.barge,
                    ));
                }
                Action::Collect(collect) => {
                    let next = self.start_collect(session, task, index, collect, document);
                    return Flow::Next(next);
                }
                Action::Handoff(crate::flow::Handoff::Unusable { uri }) => {
                    let reason = format!(
                        "handoff to `{}` cannot be made",
                        crate::flow::loggable_url(uri)
                    );
                    return Flow::Next(self.webhook_failed(session, &reason));
                }
                Action::Handoff(handoff) if session.channel == Channel::Sms => {
                    // A text cannot be put through to a person: say how to reach one instead.
                    self.abandon_collect(session);
                    let messages = self.messages();
                    let text = match handoff {
                        crate::flow::Handoff::Number { number } => {
                            format!("{} {number}.", messages.sms_handoff_number)
                        }
                        _ => messages.sms_handoff.clone(),
                    };
                    self.say(&text);
                    self.event("end", json!({"reason": "handoff", "task": task}));
                    return Flow::Next(Next::Hangup);
                }
                Action::Handoff(handoff) => {
                    self.abandon_collect(session);
                    self.event("end", json!({"reason": "handoff", "task": task}));
                    return Flow::Next(Next::Handoff(handoff.clone()));
                }
                Action::Branch(branch) => {
                    let Some(target) = self.choose(session, branch) else {
                        continue;
                    };
                    return match self.redirect(target) {
                        Some(target) => Flow::Redirect(target),
                        None => Flow::Next(Next::Hangup),
                    };
                }
                Action::Redirect(target) => {
                    return match self.redirect(target.clone()) {
                        Some(target) => Flow::Redirect(target),
                        None => Flow::Next(Next::Hangup),
                    };
                }
            }
        }
        // Autopilot's rule: an action list without a listen ends the dialogue.
        self.event("end", json!({"reason": "task_ended", "task": task}));
        Flow::Next(Next::Hangup)
    }

    /// Where a branch goes for this session's answers, noted in the call history unless it is
    /// a plain redirect; None when no arm holds and there is no default.
    pub(super) fn choose(&mut self, session: &Session, branch: &Branch) -> Option<Target> {
        let (target, taken) = branch.choose(&session.memory)?;
        let target = target.clone();
        if !branch.arms.is_empty() {
            let to = match &target {
                Target::Task(id) => self.assistant.task(*id).name.clone(),
                Target::Url(webhook) => webhook.loggable_url(),
            };
            let arm = match taken {
                Taken::Arm(index) => json!(index + 1),
                Taken::Otherwise => json!("otherwise"),
            };
            self.event("branch", json!({"arm": arm, "to": to}));
        }
        Some(target)
    }

    /// Counts a redirect; past the limit the call ends politely instead of looping.
    pub(super) fn redirect(&mut self, target: Target) -> Option<Target> {
        self.redirects += 1;
        if self.redirects > self.assistant.limits.max_redirects {
            self.say(&self.messages().loop_goodbye);
            let to = match &target {
                Target::Task(id) => self.assistant.task(*id).name.clone(),
                Target::Url(w) => w.url.clone(),
            };
            self.event("end", json!({"reason": "redirect_loop", "to": to}));
            return None;
        }
        Some(target)
    }

    /// Asks the edge to call a web service; the turn continues when its answer comes back.
    pub(super) fn call_webhook(
        &mut self,
        session: &mut Session,
        webhook: &Webhook,
        extra: Vec<(String, String)>,
        pending: PendingWebhook,
    ) -> Next {
        let expects = match pending {
            PendingWebhook::Actions => Expects::Actions,
            PendingWebhook::Verdict { .. } => Expects::Verdict,
        };
        let mut params = self.autopilot_params(session);
        params.extend(extra);
        // Never the query string: a GET's parameters and a flow's API keys live there.
        self.event(
            "webhook",
            json!({"url": webhook.loggable_url(), "expects": expects}),
        );
        // The outputs so far wait with the session for the answer; the step's reply carries a
        // copy, so a call put on hold hears them before the hold message.
        session.waiting = Waiting::Webhook {
            pending,
            redirects: self.redirects,
            outputs: self.outputs.clone(),
        };
        Next::Webhook(WebhookCall {
            url: webhook.url.clone(),
            method: webhook.method,
            params,
            expects,
        })
    }

    /// The task's field values in an utterance, from its tagged samples.
    fn fields_in(&self, task: TaskId, text: &str) -> Vec<FieldValue> {
        let task = self.assistant.task(task);
        if task.fields.is_empty() {
            return Vec::new();
        }
        let kinds: Vec<(&str, FieldKind<'_>)> = task
            .fields
            .iter()
            .map(|(name, field)| {
                let kind = match field {
                    Field::Builtin(ty) => FieldKind::Builtin(*ty),
                    Field::Custom(_, custom) => FieldKind::Custom(custom),
                    Field::FreeText => FieldKind::FreeText,
                };
                (name.as_str(), kind)
            })
            .collect();
        extract(text, &task.samples, &kinds, self.today(), self.language())
            .into_iter()
            .map(|found| {
                let field_type = task
                    .fields
                    .iter()
                    .find(|(n, _)| *n == found.name)
                    .map(|(_, f)| f.type_name().to_owned())
                    .unwrap_or_default();
                FieldValue {
                    name: found.name,
                    value: found.value,
                    field_type,
                }
            })
            .collect()
    }

    /// Autopilot's request parameters, as its web services read them.
    fn autopilot_params(&self, session: &Session) -> Vec<(String, String)> {
        let memory = Value::Object(session.memory.clone()).to_string();
        let mut params = vec![
            (
                "AccountSid".to_owned(),
                session.account_sid.clone().unwrap_or_default(),
            ),
            ("AssistantSid".to_owned(), self.assistant.sid.clone()),
            ("DialogueSid".to_owned(), dialogue_sid(&self.caller.key)),
            (
                "UserIdentifier".to_owned(),
                session.caller().unwrap_or_default().to_owned(),
            ),
            (
                "CurrentInput".to_owned(),
                session.last_input.clone().unwrap_or_default(),
            ),
            (
                "CurrentTask".to_owned(),
                // After a failure, the task that failed: the fallback's web service must know
                // what the caller was doing, not that the fallback is running.
                session
                    .failed_task
                    .clone()
                    .or_else(|| session.task.clone())
                    .unwrap_or_default(),
            ),
            ("Channel".to_owned(), session.channel.as_str().to_owned()),
            ("Memory".to_owned(), memory),
        ];
        if let Some(route) = &session.last_route {
            params.push((
                "CurrentTaskConfidence".to_owned(),
                format!("{:.4}", route.confidence),
            ));
            params.push((
                "NextBestTask".to_owned(),
                route.next_best.clone().unwrap_or_default(),
            ));
        }
        for field in &session.fields {
            params.push((format!("Field_{}_Value", field.name), field.value.clone()));
            params.push((
                format!("Field_{}_Type", field.name),
                field.field_type.clone(),
            ));
        }
        params
    }

    /// The web service answered (or failed): carry on with the caller's turn.
    fn webhook_answered(
        &mut self,
        session: &mut Session,
        pending: PendingWebhook,
        input: Input,
    ) -> Next {
        let result = match (input, pending) {
            (Input::Webhook(result, _), pending) => (result, pending),
            // Anything else means the answer never came back (the server restarted mid-call,
            // and this is Twilio's retry of the delivery or the caller's next words). An answer
            // awaiting its verdict was never approved, so it is not accepted: this input is
            // taken as the answer instead, parsed and sent for validation afresh — the
            // unfinished attempt not counted twice.
            (input, PendingWebhook::Verdict { mut run, .. }) => {
                self.event("webhook_unanswered", json!({"revalidating": true}));
                run.attempts = run.attempts.saturating_sub(1);
                return self.answer(session, run, input);
            }
            // The caller's new input cannot be matched to what they were doing.
            (_, pending) => (
                WebhookResult::Failed {
                    reason: "the call moved on before the web service answered".into(),
                },
                pending,
            ),
        };
        let (result, pending) = result;
        match (pending, result) {
            (PendingWebhook::Actions, WebhookResult::Actions { actions, .. })
                if remembered_len(session, &actions) > MAX_SESSION_MEMORY_BYTES =>
            {
                // Each answer's `remember` is bounded on its own; this bounds what answers
                // remember between them, turn after turn.
                self.webhook_failed(
                    session,
                    &format!(
                        "the answer's remember would grow Memory past the {MAX_SESSION_MEMORY_BYTES}-byte limit"
                    ),
                )
            }
            (PendingWebhook::Actions, WebhookResult::Actions { actions, document }) => {
                let task = session.task.clone().unwrap_or_default();
                match self.run_actions(session, &task, &actions, Some(&document)) {
                    Flow::Next(next) => next,
                    Flow::Redirect(target) => self.run_target(session, target),
                }
            }
            (PendingWebhook::Verdict { run, said, value }, WebhookResult::Valid(valid)) => {
                self.verdict(session, run, said, value, Some(valid))
            }
            (PendingWebhook::Verdict { run, said, value }, WebhookResult::Failed { reason }) => {
                // Fail open: a validation service being down must not trap callers; the answer
                // already passed its type's own check.
                self.event(
                    "webhook_failed",
                    json!({"reason": reason, "accepted_unvalidated": true}),
                );
                self.verdict(session, run, said, value, None)
            }
            (PendingWebhook::Verdict { run, said, value }, WebhookResult::Actions { .. }) => {
                self.event("webhook_failed", json!({"reason": "expected {\"valid\": …}, got actions", "accepted_unvalidated": true}));
                self.verdict(session, run, said, value, None)
            }
            (PendingWebhook::Actions, WebhookResult::Failed { reason }) => {
                self.webhook_failed(session, &reason)
            }
            (PendingWebhook::Actions, WebhookResult::Valid(_)) => {
                self.webhook_failed(session, "expected Actions JSON, got a verdict")
            }
        }
    }

    /// A redirect's web service failed (or ran out of time): apologise and carry on where the
    /// flows say — `webhooks.give_up`, else the fallback. If that fails as well in the same
    /// turn (a fallback that is itself a failing web service), the engine's own last resort
    /// takes over: the apology, once, and a listen for whatever the caller wants next. Never a
    /// dead call.
    fn webhook_failed(&mut self, session: &mut Session, reason: &str) -> Next {
        let first = session.failed_task.is_none();
        self.event(
            "webhook_failed",
            json!({"reason": reason, "last_resort": !first}),
        );
        if !first {
            return self.last_resort(session);
        }
        self.say(&self.messages().webhook_failed);
        // Web services called from here on are told which task failed, not "fallback".
        session.failed_task = Some(session.task.clone().unwrap_or_default());
        let target = self
            .assistant
            .webhooks
            .give_up
            .clone()
            .or_else(|| self.assistant.defaults.fallback.clone());
        match target {
            Some(target) => match self.redirect(target) {
                Some(target) => self.run_target(session, target),
                None => Next::Hangup,
            },
            None => self.last_resort(session),
        }
    }

    /// The engine's own answer when the flows' way out failed too: a listen for any task.
    fn last_resort(&mut self, session: &mut Session) -> Next {
        if !self
            .outputs
            .iter()
            .any(|o| matches!(o, Output::Say { text } if *text == self.messages().webhook_failed))
        {
            self.say(&self.messages().webhook_failed);
        }
        self.say(&self.messages().anything_else);
        let hints = self.assistant.all_task_hints.clone();
        self.listen(session, None, hints, None, true)
    }

    /// What the caller's input means if it is one of the assistant's keywords: by text, any
    /// time (`sms` words, or an empty message); by voice, only during a question (`voice`
    /// words). Except for STOP, a word the question being asked lists as a value (a custom
    /// type's value or synonym, an allowed value) is an answer, not a keyword.
    pub(super) fn keyword(&self, session: &Session, input: &Input) -> Option<Keyword> {
        let asking = matches!(session.waiting, Waiting::Answer(_));
        if self.caller.channel == Channel::Voice && !asking {
            return None;
        }
        let text = match input {
            Input::Speech { text, .. } => keyword(text),
            Input::Silence if self.caller.channel == Channel::Sms => return Some(Keyword::Empty),
            _ => return None,
        };
        let is = |list: &[String]| list.contains(&text);
        let found = match self.caller.channel {
            Channel::Sms => {
                let sms = self.sms_words();
                if is(&sms.stop_words) {
                    return Some(Keyword::Stop);
                }
                [
                    (&sms.cancel_words, Keyword::Cancel),
                    (&sms.restart_words, Keyword::Restart),
                    (&sms.help_words, Keyword::Help),
                ]
                .into_iter()
                .find_map(|(words, keyword)| is(words).then_some(keyword))?
            }
            Channel::Voice => {
                let voice = self.voice_words();
                [
                    (&voice.help_words, Keyword::Help),
                    (&voice.cancel_words, Keyword::Cancel),
                    (&voice.restart_words, Keyword::Restart),
                    (&voice.operator_words, Keyword::Operator),
                ]
                .into_iter()
                .find_map(|(words, keyword)| is(words).then_some(keyword))?
            }
        };
        (!self.lists_as_an_answer(session, input)).then_some(found)
    }

    /// Ends a conversation for STOP (silently: the carrier's opt-out answers) or CANCEL.
    pub(super) fn end_by_keyword(&mut self, session: &mut Session, keyword: Keyword) -> Next {
        self.abandon_collect(session);
        if keyword == Keyword::Cancel {
            let messages = self.messages();
            self.say(match self.caller.channel {
                Channel::Sms => &messages.sms_cancelled,
                Channel::Voice => &messages.voice_cancelled,
            });
        }
        self.event(
            "end",
            json!({"reason": format!("{keyword:?}").to_lowercase()}),
        );
        Next::Hangup
    }

    /// Does what a keyword asks.
    pub(super) fn keyword_reply(&mut self, session: &mut Session, keyword: Keyword) -> Next {
        match keyword {
            Keyword::Stop | Keyword::Cancel => self.end_by_keyword(session, keyword),
            Keyword::Restart => {
                self.abandon_collect(session);
                self.event("restart", json!({}));
                session.waiting = Waiting::Nothing;
                self.start(session)
            }
            Keyword::Operator => match self.assistant.voice.operator.clone() {
                Some(target) => {
                    self.abandon_collect(session);
                    self.event("operator", json!({}));
                    self.run_target(session, target)
                }
                None => self.say_and_ask_again(session, &self.messages().voice_no_operator),
            },
            Keyword::Help => {
                // The question's own help where it has one: "say the date, like next Friday"
                // helps more than the general help text.
                if let Waiting::Answer(run) = &session.waiting
                    && let Some(collect) = self.collect_of(run)
                    && let Some(help) = collect
                        .questions
                        .get(run.question)
                        .and_then(|q| q.help.as_ref())
                {
                    let text = self.render(help, session);
                    return self.say_and_ask_again(session, &text);
                }
                let messages = self.messages();
                let help = match self.caller.channel {
                    Channel::Sms => &messages.sms_help,
                    Channel::Voice => &messages.voice_help,
                };
                self.say_and_ask_again(session, help)
            }
            Keyword::Empty => self.say_and_ask_again(session, &self.messages().sms_empty),
        }
    }

    /// Says `message`, then what the caller was last asked: the question stands and no attempt
    /// is counted, since what they said was not an answer.
    fn say_and_ask_again(&mut self, session: &mut Session, message: &str) -> Next {
        self.say(message);
        let waiting = session.waiting.clone();
        self.repeat_last(session, waiting)
    }

    pub(super) fn hang_up(&mut self, session: &mut Session) {
        self.abandon_collect(session);
        self.event("end", json!({"reason": "hangup"}));
    }

    /// Redirect counter, for a collect's completion inside the same turn.
    pub(super) fn actions_of(&self, document: &Value) -> Option<Arc<Vec<Action>>> {
        crate::flow::load::compile_actions(
            self.assistant,
            std::path::Path::new("(web service)"),
            document,
        )
        .ok()
        .map(Arc::new)
    }
}

/// Autopilot's DialogueSid: `UK` and 32 hex digits derived from the session key.
/// How many bytes of JSON the session's Memory would be after the list's `remember`s (those at
/// its top level, where an answer's `remember`s are run); 0 when it remembers nothing, so
/// an answer that adds nothing is never refused for what the session already holds.
fn remembered_len(session: &Session, actions: &[Action]) -> usize {
    if !actions.iter().any(|a| matches!(a, Action::Remember(_))) {
        return 0;
    }
    let mut memory = session.memory.clone();
    for action in actions {
        if let Action::Remember(values) = action {
            for (key, value) in values {
                if key != "twilio" {
                    memory.insert(key.clone(), value.clone());
                }
            }
        }
    }
    json_len(&Value::Object(memory))
}

fn dialogue_sid(key: &str) -> String {
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(key.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("UK{}", &hex[..32])
}
