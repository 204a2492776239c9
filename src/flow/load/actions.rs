//! A task file: its samples and fields, and each action in Autopilot's vocabulary, one
//! validating method per action (and per part of a collect: questions, types, validation).

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::{ACTIONS, AnswerInfo, Cx, Settings, closest, sorted};
use crate::flow::Channel;
use crate::flow::branch::Branch;
use crate::flow::json::Node;
use crate::flow::spoken::Kind;
use crate::flow::{
    Action, Collect, Field, Handoff, Keypad, Listen, Method, Question, Show, Style, Target, Task,
    TaskId, Text, Validate, VoiceDigits, Webhook,
};
use crate::nlu::fields::BuiltinType;

use super::hints::{between_tags, question_hints};

impl Cx {
    pub(super) fn task(
        &mut self,
        file: &Path,
        name: &str,
        root: Node<'_>,
        settings: &Settings,
    ) -> Task {
        let mut task = Task {
            name: name.to_owned(),
            file: file.to_path_buf(),
            samples: Vec::new(),
            fields: Vec::new(),
            actions: Vec::new(),
            language: None,
        };
        if root.as_object().is_none() {
            self.error(
                file,
                root.path(),
                format!("expected an object, found {}", root.kind()),
                r#"write {"samples": ["…"], "actions": [{"say": "…"}]}"#,
            );
            return task;
        }
        self.unknown_keys(file, &root, &["samples", "fields", "actions", "language"]);
        // A bilingual line's "para español, diga español": the call speaks this language from
        // here on.
        task.language = root
            .get("language")
            .and_then(|tag| self.language(file, &tag));
        // Fields name the values a sample's `{tags}` stand for (Autopilot task fields).
        // Every field with a name counts as declared, even one whose type was wrong: that
        // mistake is reported once, at its type, not again at each sample that tags it. When a
        // field's name (or the whole list) could not be read, any tag might be meant for it, so
        // tags go unchecked rather than each be reported on top of that mistake.
        let mut declared: Option<Vec<String>> = Some(Vec::new());
        if let Some(fields) = root.get("fields")
            && fields.value().as_array().is_none()
        {
            self.error(
                file,
                fields.path(),
                format!("expected an array of fields, found {}", fields.kind()),
                r#"write "fields": [{"name": "city", "type": "Twilio.CITY"}]"#,
            );
            declared = None;
        }
        for field in root.get("fields").map(|f| f.items()).unwrap_or_default() {
            self.unknown_keys(file, &field, &["name", "type"]);
            let name = field
                .get("name")
                .and_then(|n| self.string(file, &n))
                .map(str::to_owned);
            match (&mut declared, &name) {
                (Some(names), Some(name)) => names.push(name.clone()),
                _ => declared = None,
            }
            let ty = field
                .get("type")
                .and_then(|t| self.field_type(file, &t, settings));
            match (name, ty) {
                (Some(name), Some(ty)) => task.fields.push((name, ty)),
                (None, _) => self.error(
                    file,
                    field.path_of("name"),
                    "a field needs a `name`",
                    r#"write {"name": "city", "type": "Twilio.CITY"}"#,
                ),
                (Some(_), None) if field.get("type").is_none() => self.error(
                    file,
                    field.path_of("type"),
                    "a field needs a `type`",
                    r#"write {"name": "city", "type": "Twilio.CITY"}"#,
                ),
                _ => {}
            }
        }
        if let Some(samples) = root.get("samples") {
            if samples.value().as_array().is_none() {
                self.error(
                    file,
                    samples.path(),
                    format!("expected an array of strings, found {}", samples.kind()),
                    r#"write "samples": ["sign me up", "register"]"#,
                );
            }
            for sample in samples.items() {
                // Autopilot exports write samples as {"taggedText": …}; plain strings are ours.
                let text = sample
                    .get("taggedText")
                    .map(|t| t.as_str())
                    .unwrap_or(sample.as_str());
                match text {
                    Some(text) if !text.trim().is_empty() => {
                        if let Some(declared) = &declared {
                            self.sample_tags(file, &sample, text, declared);
                        }
                        task.samples.push(text.trim().to_owned())
                    }
                    Some(_) => self.error(
                        file,
                        sample.path(),
                        "empty sample",
                        "remove it or write an utterance",
                    ),
                    None => self.error(
                        file,
                        sample.path(),
                        format!("expected a string, found {}", sample.kind()),
                        r#"write "register me""#,
                    ),
                }
            }
        }
        let Some(actions) = root.get("actions") else {
            self.error(
                file,
                root.path_of("actions"),
                "the task has no `actions`",
                r#"add "actions": [{"say": "…"}]"#,
            );
            return task;
        };
        // Autopilot exports double-wrap: {"actions": {"actions": […]}}.
        let actions = actions.get("actions").unwrap_or(actions);
        if actions.value().as_array().is_none() {
            self.error(
                file,
                actions.path(),
                format!("expected an array of actions, found {}", actions.kind()),
                r#"write "actions": [{"say": "Hello"}, {"listen": true}]"#,
            );
            return task;
        }
        for action in actions.items() {
            if let Some(action) = self.action(file, &action, settings) {
                task.actions.push(action);
            }
        }
        task
    }

    /// Reports each `{tag}` of a sample that names none of the task's `declared` fields: no
    /// value is ever taken from such a tag, so a misspelt one would quietly lose what callers say.
    fn sample_tags(&mut self, file: &Path, sample: &Node<'_>, text: &str, declared: &[String]) {
        let known: Vec<&str> = declared.iter().map(String::as_str).collect();
        for tag in tags(text) {
            // As the field extractor reads tags: trimmed, and `{}` marks nothing.
            let tag = tag.trim();
            if tag.is_empty() || known.contains(&tag) {
                continue;
            }
            let declare =
                format!(r#"declare it under "fields": [{{"name": "{tag}", "type": "…"}}]"#);
            let fix = match closest(tag, &known) {
                Some(near) => format!("did you mean `{{{near}}}`? Or {declare}"),
                None => declare,
            };
            self.error(
                file,
                sample.path(),
                format!("sample tag `{{{tag}}}` names no field of this task"),
                fix,
            );
        }
    }

    pub(super) fn action(
        &mut self,
        file: &Path,
        node: &Node<'_>,
        settings: &Settings,
    ) -> Option<Action> {
        let entries = node.entries();
        let [(verb, body)] = entries.as_slice() else {
            self.error(
                file,
                node.path(),
                "each action must be an object with exactly one key",
                r#"write {"say": "Hello"} — one action per array element"#,
            );
            return None;
        };
        match *verb {
            "say" => self
                .say_text(file, body)
                .filter(|t| !t.is_empty())
                .map(Action::Say),
            "play" => self.play(file, body),
            "remember" => {
                let Some(map) = body.as_object() else {
                    self.error(
                        file,
                        body.path(),
                        format!("expected an object, found {}", body.kind()),
                        r#"write "remember": {"plan": "gold"}"#,
                    );
                    return None;
                };
                // The same bounds as a channel's Memory parameter: a web service's answer over
                // them is an invalid answer, a task file over them a mistake to fix at load.
                if let Err(limit) = crate::flow::memory::check_value(body.value()) {
                    self.error(
                        file,
                        body.path(),
                        format!("remember is {limit}"),
                        "remember a few small values: ids, names, flags",
                    );
                    return None;
                }
                self.remembered.extend(map.keys().cloned());
                Some(Action::Remember(map.clone()))
            }
            "listen" => self.listen(file, body),
            "collect" => self
                .collect(file, body, settings)
                .map(|c| Action::Collect(Arc::new(c))),
            "redirect" => self.target(file, body).map(Action::Redirect),
            "branch" => self.branch(file, body, false).map(Action::Branch),
            "handoff" => self.handoff(file, body),
            "show" => self.show(file, body),
            other => {
                let fix = match closest(other, ACTIONS) {
                    Some(near) => {
                        format!("did you mean `{near}`? Actions are: {}", ACTIONS.join(", "))
                    }
                    None => format!("actions are: {}", ACTIONS.join(", ")),
                };
                self.error(
                    file,
                    node.path_of(other),
                    format!("unknown action `{other}`"),
                    fix,
                );
                None
            }
        }
    }

    pub(super) fn play(&mut self, file: &Path, body: &Node<'_>) -> Option<Action> {
        let (url, times) = match body.as_str() {
            Some(url) => (url, 1),
            None => {
                self.unknown_keys(file, body, &["url", "loop"]);
                let url = body.get("url").and_then(|n| self.string(file, &n));
                let times = body
                    .get("loop")
                    .and_then(|n| self.count(file, &n, 1, 100))
                    .unwrap_or(1);
                let Some(url) = url else {
                    self.error(
                        file,
                        body.path_of("url"),
                        "`play` needs a `url`",
                        r#"write "play": {"url": "https://example.com/hold.mp3", "loop": 1}"#,
                    );
                    return None;
                };
                (url, times)
            }
        };
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            self.error(
                file,
                body.path(),
                format!("`{url}` is not an http(s) URL"),
                "write the full address of the audio file, starting with https://",
            );
            return None;
        }
        Some(Action::Play {
            url: url.to_owned(),
            times,
        })
    }

    pub(super) fn listen(&mut self, file: &Path, body: &Node<'_>) -> Option<Action> {
        match body.value() {
            Value::Bool(true) => Some(Action::Listen(Listen {
                tasks: None,
                hints: String::new(),
                keypad: None,
                barge: true,
            })),
            // `listen: false` is Autopilot's explicit "end the dialogue here": nothing to run.
            Value::Bool(false) => None,
            Value::Object(_) => {
                self.unknown_keys(file, body, &["tasks", "barge", "voice_digits"]);
                let tasks = body.get("tasks").map(|list| {
                    list.items()
                        .iter()
                        .filter_map(|n| {
                            let name = self.string(file, n)?;
                            let name = name.strip_prefix("task://").unwrap_or(name);
                            self.resolve(file, n, name)
                        })
                        .collect::<Vec<_>>()
                });
                let keypad = body.get("voice_digits").map(|d| self.keypad(file, &d));
                let barge = match body.get("barge") {
                    Some(b) => self.boolean(file, &b).unwrap_or(true),
                    None => true,
                };
                Some(Action::Listen(Listen {
                    tasks,
                    hints: String::new(),
                    keypad,
                    barge,
                }))
            }
            _ => {
                self.error(
                    file,
                    body.path(),
                    format!("expected true or an object, found {}", body.kind()),
                    r#"write "listen": true, or "listen": {"tasks": ["register", "goodbye"]}"#,
                );
                None
            }
        }
    }

    /// A listen's `voice_digits`: `num_digits`, `finish_on_key`, and `redirects` (or `mapping`)
    /// from keys to `task://` targets.
    pub(super) fn keypad(&mut self, file: &Path, node: &Node<'_>) -> Keypad {
        self.unknown_keys(
            file,
            node,
            &["num_digits", "finish_on_key", "redirects", "mapping"],
        );
        let digits = self.voice_digits_settings(file, node);
        let mut redirects = Vec::new();
        for (keys, target) in node
            .get("redirects")
            .or_else(|| node.get("mapping"))
            .map(|m| m.entries())
            .unwrap_or_default()
        {
            if keys.is_empty()
                || !keys
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
            {
                self.error(
                    file,
                    target.path(),
                    format!("`{keys}` is not keypad keys"),
                    r#"write "redirects": {"1": "task://sales"}"#,
                );
                continue;
            }
            let name = target
                .as_str()
                .map(|s| s.strip_prefix("task://").unwrap_or(s));
            match name {
                Some(name) => {
                    if let Some(id) = self.resolve(file, &target, name) {
                        redirects.push((keys.to_owned(), id));
                    }
                }
                None => self.error(
                    file,
                    target.path(),
                    "a keypad redirect must be \"task://name\"",
                    r#"write "1": "task://sales""#,
                ),
            }
        }
        Keypad {
            num_digits: digits.num_digits,
            finish_on_key: digits.finish_on_key,
            redirects,
        }
    }

    pub(super) fn collect(
        &mut self,
        file: &Path,
        body: &Node<'_>,
        settings: &Settings,
    ) -> Option<Collect> {
        if body.as_object().is_none() {
            self.error(file, body.path(), format!("expected an object, found {}", body.kind()), r#"write "collect": {"name": "…", "questions": […], "on_complete": {"redirect": "task://…"}}"#);
            return None;
        }
        self.unknown_keys(file, body, &["name", "questions", "on_complete"]);
        let name = match body.get("name").and_then(|n| self.string(file, &n)) {
            Some(name) if !name.is_empty() && !name.contains(char::is_whitespace) => {
                name.to_owned()
            }
            Some(name) => {
                self.error(
                    file,
                    body.path_of("name"),
                    format!("collect name `{name}` must be non-empty with no spaces"),
                    "use a name like user_information",
                );
                return None;
            }
            None => {
                self.error(
                    file,
                    body.path_of("name"),
                    "a collect needs a `name`",
                    r#"add "name": "user_information""#,
                );
                return None;
            }
        };
        let on_complete = match body.get("on_complete") {
            Some(on_complete) if on_complete.value().is_array() => {
                self.branch(file, &on_complete, true)
            }
            Some(on_complete) => {
                self.unknown_keys(file, &on_complete, &["redirect"]);
                match on_complete.get("redirect") {
                    Some(target) => self.target(file, &target).map(Branch::to),
                    None => {
                        self.error(
                            file,
                            on_complete.path_of("redirect"),
                            "`on_complete` needs a `redirect`",
                            r#"write "on_complete": {"redirect": "task://registered"}"#,
                        );
                        None
                    }
                }
            }
            None => {
                self.error(file, body.path_of("on_complete"), "a collect needs `on_complete`: where the call goes once every question is answered", r#"add "on_complete": {"redirect": "task://next_task"}"#);
                None
            }
        };
        let mut questions = Vec::new();
        let mut names = HashSet::new();
        match body.get("questions") {
            Some(list) if !list.items().is_empty() => {
                for q in list.items() {
                    let errors_before = self.errors.len();
                    let Some(question) = self.question(file, &q, settings) else {
                        // Its mistakes are reported; anything naming it should not be as well.
                        if let Some(question) =
                            q.get("name").and_then(|n| n.as_str().map(str::to_owned))
                        {
                            self.answer_names.entry((name.clone(), question)).or_insert(
                                AnswerInfo {
                                    kind: Kind::Other,
                                    values: None,
                                    sound: false,
                                },
                            );
                        }
                        continue;
                    };
                    let sound = self.errors.len() == errors_before;
                    {
                        if !names.insert(question.name.clone()) {
                            self.error(
                                file,
                                q.path_of("name"),
                                format!("duplicate question name `{}`", question.name),
                                "question names must be unique within a collect",
                            );
                        }
                        // The same question in two collects of that name may differ in
                        // type; then its value is said as it was stored.
                        let info = AnswerInfo {
                            kind: Kind::of(&question.field),
                            values: answer_values(&question),
                            sound,
                        };
                        self.answer_names
                            .entry((name.clone(), question.name.clone()))
                            .and_modify(|known| {
                                if *known != info {
                                    known.kind = Kind::Other;
                                    known.values = None;
                                }
                            })
                            .or_insert(info);
                        questions.push(question);
                    }
                }
            }
            _ => {
                self.error(file, body.path_of("questions"), "a collect needs at least one question", r#"add "questions": [{"name": "first_name", "question": "What is your name?", "type": "Twilio.FIRST_NAME"}]"#);
                return None;
            }
        }
        Some(Collect {
            name,
            questions,
            on_complete: on_complete?,
        })
    }

    pub(super) fn question(
        &mut self,
        file: &Path,
        q: &Node<'_>,
        settings: &Settings,
    ) -> Option<Question> {
        if q.as_object().is_none() {
            self.error(
                file,
                q.path(),
                format!("expected a question object, found {}", q.kind()),
                r#"write {"name": "first_name", "question": "What is your name?"}"#,
            );
            return None;
        }
        self.unknown_keys(
            file,
            q,
            &[
                "name",
                "question",
                "help",
                "type",
                "validate",
                "voice_digits",
                "prefill",
                "barge",
                "sensitive",
                "hours",
            ],
        );
        let name = match q.get("name").and_then(|n| self.string(file, &n)) {
            Some(name) if !name.is_empty() && !name.contains(char::is_whitespace) => {
                name.to_owned()
            }
            _ => {
                self.error(
                    file,
                    q.path_of("name"),
                    "a question needs a `name` with no spaces",
                    r#"add "name": "first_name""#,
                );
                return None;
            }
        };
        let Some(prompt) = q.get("question").and_then(|n| self.say_text(file, &n)) else {
            self.error(
                file,
                q.path_of("question"),
                "a question needs the `question` to ask",
                r#"add "question": "What is your name?""#,
            );
            return None;
        };
        for channel in [Channel::Voice, Channel::Sms] {
            if prompt.is_empty_on(channel) && !prompt.is_empty() {
                self.error(
                    file,
                    q.path_of("question"),
                    format!("the question says nothing by {}", channel.as_str()),
                    r#"give both channels words: {"voice": "Key it in, then press pound", "sms": "Reply with it"}"#,
                );
            }
        }
        let help = match q.get("help") {
            Some(h) => Some(self.say_text(file, &h)?),
            None => None,
        };
        let field = match q.get("type") {
            None => Field::FreeText,
            Some(ty) => self.field_type(file, &ty, settings)?,
        };
        let validate = self.validate(file, q.get("validate"), &settings.style)?;
        let digits = match q.get("voice_digits") {
            Some(d) => self.voice_digits(file, &d)?,
            None => VoiceDigits::default(),
        };
        let prefill = q
            .get("prefill")
            .and_then(|p| self.string(file, &p))
            .map(str::to_owned);
        let barge = match q.get("barge") {
            Some(b) => self.boolean(file, &b).unwrap_or(true),
            None => true,
        };
        let sensitive = q
            .get("sensitive")
            .and_then(|b| self.boolean(file, &b))
            .unwrap_or(false);
        let hours = match q.get("hours") {
            Some(h) => self.hours(file, &h)?,
            None => settings.hours,
        };
        let hints = question_hints(&field, &validate, &digits);
        Some(Question {
            name,
            prompt,
            help,
            field,
            validate,
            digits,
            hints,
            prefill,
            barge,
            sensitive,
            hours,
        })
    }

    /// A field type by name: built-in (`Twilio.DATE`) or declared in `assistant.json`.
    pub(super) fn field_type(
        &mut self,
        file: &Path,
        ty: &Node<'_>,
        settings: &Settings,
    ) -> Option<Field> {
        let name = self.string(file, ty)?;
        if let Some(builtin) = BuiltinType::from_name(name) {
            return Some(Field::Builtin(builtin));
        }
        if let Some(custom) = settings.field_types.get(name) {
            return Some(Field::Custom(name.to_owned(), Arc::clone(custom)));
        }
        let mut known: Vec<&str> = BuiltinType::ALL.iter().map(|t| t.name()).collect();
        known.extend(settings.field_types.keys().map(String::as_str));
        let fix = match closest(name, &known) {
            Some(near) => format!(
                "did you mean `{near}`? Or declare `{name}` under field_types in assistant.json"
            ),
            None => format!(
                "use a built-in type (e.g. Twilio.FIRST_NAME, Twilio.PHONE_NUMBER) or declare `{name}` under field_types in assistant.json"
            ),
        };
        self.error(file, ty.path(), format!("unknown field type `{name}`"), fix);
        None
    }

    pub(super) fn validate(
        &mut self,
        file: &Path,
        node: Option<Node<'_>>,
        style: &Style,
    ) -> Option<Validate> {
        let mut v = Validate {
            allowed_values: None,
            // Empty: the style's words, in the language the call speaks when it is asked.
            on_failure: Vec::new(),
            repeat_question: style.repeat_question,
            on_success: style.on_success.clone(),
            max_attempts: style.max_attempts,
            on_max_attempts: None,
            webhook: None,
        };
        let Some(node) = node else { return Some(v) };
        // A bare `"validate": true` appears in real bots: it means "the type's own check".
        if node.value().is_boolean() {
            return Some(v);
        }
        self.unknown_keys(
            file,
            &node,
            &[
                "allowed_values",
                "on_failure",
                "on_success",
                "max_attempts",
                "webhook",
            ],
        );
        if let Some(webhook) = node.get("webhook") {
            self.unknown_keys(file, &webhook, &["url", "method"]);
            let method = match webhook.get("method") {
                Some(m) => self.method(file, &m),
                None => Some(Method::Post),
            };
            match (webhook.get("url").and_then(|u| u.as_str()), method) {
                (Some(url), Some(method))
                    if url.starts_with("https://") || url.starts_with("http://") =>
                {
                    v.webhook = Some(Webhook {
                        url: url.to_owned(),
                        method,
                    });
                }
                (_, Some(_)) => self.error(
                    file,
                    webhook.path_of("url"),
                    "a validation webhook needs an http(s) `url`",
                    r#"write "webhook": {"url": "https://example.com/validate", "method": "POST"}"#,
                ),
                (_, None) => {}
            }
        }
        if let Some(allowed) = node.get("allowed_values") {
            self.unknown_keys(file, &allowed, &["list"]);
            let list: Vec<String> = allowed
                .get("list")
                .map(|l| {
                    l.items()
                        .iter()
                        .filter_map(|n| self.string(file, n).map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if list.is_empty() {
                self.error(
                    file,
                    allowed.path(),
                    "`allowed_values` needs a non-empty `list`",
                    r#"write "allowed_values": {"list": ["New York", "San Francisco"]}"#,
                );
            }
            v.allowed_values = Some(list);
        }
        if let Some(on_failure) = node.get("on_failure") {
            self.unknown_keys(file, &on_failure, &["messages", "repeat_question"]);
            if let Some(messages) = on_failure.get("messages") {
                let texts = self.messages(file, &messages);
                if !texts.is_empty() {
                    v.on_failure = texts;
                }
            }
            if let Some(repeat) = on_failure.get("repeat_question") {
                v.repeat_question = self.boolean(file, &repeat).unwrap_or(v.repeat_question);
            }
        }
        if let Some(on_success) = node.get("on_success") {
            v.on_success = self.say_text(file, &on_success).filter(|t| !t.is_empty());
        }
        if let Some(max) = node.get("max_attempts") {
            if let Some(n) = self.attempts(file, &max) {
                v.max_attempts = n;
            }
            if max.as_object().is_some() {
                self.unknown_keys(file, &max, &["num_attempts", "redirect"]);
                v.on_max_attempts = max.get("redirect").and_then(|t| self.target(file, &t));
            }
        }
        Some(v)
    }

    pub(super) fn voice_digits(&mut self, file: &Path, node: &Node<'_>) -> Option<VoiceDigits> {
        self.unknown_keys(file, node, &["num_digits", "finish_on_key", "mapping"]);
        let mut d = self.voice_digits_settings(file, node);
        if let Some(mapping) = node.get("mapping") {
            for (digits, value) in mapping.entries() {
                if digits.is_empty()
                    || !digits
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
                {
                    self.error(
                        file,
                        value.path(),
                        format!("mapping key `{digits}` is not keypad digits"),
                        r#"write "mapping": {"1": "sales", "2": "support"}"#,
                    );
                    continue;
                }
                if let Some(v) = self.string(file, &value) {
                    d.mapping.insert(digits.to_owned(), v.to_owned());
                }
            }
        }
        Some(d)
    }

    /// `num_digits` and `finish_on_key`, shared by questions and listens.
    pub(super) fn voice_digits_settings(&mut self, file: &Path, node: &Node<'_>) -> VoiceDigits {
        let mut d = VoiceDigits {
            num_digits: node
                .get("num_digits")
                .and_then(|n| self.count(file, &n, 1, 64)),
            ..VoiceDigits::default()
        };
        if let Some(key) = node.get("finish_on_key") {
            match key.as_str() {
                Some(k) if k.is_empty() || (k.len() == 1 && "0123456789#*".contains(k)) => {
                    d.finish_on_key = Some(k.to_owned())
                }
                _ => self.error(
                    file,
                    key.path(),
                    "`finish_on_key` must be one of 0-9, # or *, or empty",
                    r##"write "finish_on_key": "#""##,
                ),
            }
        }
        d
    }

    /// `task://name`, an http(s) URL, or `{"uri": …, "method": …}`.
    pub(super) fn target(&mut self, file: &Path, node: &Node<'_>) -> Option<Target> {
        let (uri, method) = match node.value() {
            Value::String(s) => (s.as_str(), Method::Post),
            Value::Object(_) => {
                self.unknown_keys(file, node, &["uri", "method"]);
                let method = match node.get("method") {
                    Some(m) => self.method(file, &m)?,
                    None => Method::Post,
                };
                match node.get("uri").and_then(|n| n.as_str()) {
                    Some(uri) => (uri, method),
                    None => {
                        self.error(
                            file,
                            node.path_of("uri"),
                            "a redirect object needs a `uri`",
                            r#"write {"uri": "task://goodbye"}"#,
                        );
                        return None;
                    }
                }
            }
            _ => {
                self.error(
                    file,
                    node.path(),
                    format!("expected \"task://name\" or a URL, found {}", node.kind()),
                    r#"write "task://goodbye""#,
                );
                return None;
            }
        };
        if let Some(name) = uri.strip_prefix("task://") {
            return self.resolve(file, node, name).map(Target::Task);
        }
        if uri.starts_with("https://") || uri.starts_with("http://") {
            return Some(Target::Url(Webhook {
                url: uri.to_owned(),
                method,
            }));
        }
        self.error(
            file,
            node.path(),
            format!("`{uri}` is neither a task reference nor a web address"),
            "write \"task://<task name>\" or an https:// URL that answers with Actions JSON",
        );
        None
    }

    pub(super) fn method(&mut self, file: &Path, node: &Node<'_>) -> Option<Method> {
        match node.as_str().map(str::to_ascii_uppercase).as_deref() {
            Some("POST") => Some(Method::Post),
            Some("GET") => Some(Method::Get),
            _ => {
                self.error(
                    file,
                    node.path(),
                    "`method` must be \"GET\" or \"POST\"",
                    r#"write "method": "POST""#,
                );
                None
            }
        }
    }

    pub(super) fn handoff(&mut self, file: &Path, body: &Node<'_>) -> Option<Action> {
        if body.as_object().is_none() {
            self.error(
                file,
                body.path(),
                format!("expected an object, found {}", body.kind()),
                r#"write "handoff": {"channel": "voice", "uri": "+14155550123"}"#,
            );
            return None;
        }
        self.unknown_keys(
            file,
            body,
            &[
                "channel",
                "uri",
                "method",
                "voice_status_callback_url",
                "voice_status_callback_method",
                "wait_url",
                "wait_url_method",
                "action",
                "priority",
                "timeout",
            ],
        );
        let Some(uri) = body
            .get("uri")
            .and_then(|n| self.string(file, &n))
            .map(str::trim)
        else {
            self.error(
                file,
                body.path_of("uri"),
                "a handoff needs a `uri`",
                "write a phone number (+14155550123), sip:…, a TwiML URL, or taskrouter://WW…",
            );
            return None;
        };
        let unusable = |cx: &mut Self, why: &str| {
            cx.warn(
                file,
                body.path_of("uri"),
                format!("handoff to `{uri}` cannot work: {why}; callers who reach it hear an apology and go to the fallback task"),
                "write +14155550123, sip:agent@example.com, https://… or taskrouter://WW… with a real workflow SID",
            );
            Some(Action::Handoff(Handoff::Unusable {
                uri: uri.to_owned(),
            }))
        };
        if let Some(sid) = uri.strip_prefix("taskrouter://")
            && !(sid.len() == 34
                && sid.starts_with("WW")
                && sid[2..].chars().all(|c| c.is_ascii_hexdigit()))
        {
            return unusable(
                self,
                "a TaskRouter workflow SID is WW followed by 32 hex digits",
            );
        }
        let handoff = if let Some(sid) = uri.strip_prefix("taskrouter://") {
            let optional = |cx: &mut Self, key: &str| {
                body.get(key)
                    .and_then(|n| cx.string(file, &n))
                    .map(str::to_owned)
            };
            let wait_url = optional(self, "wait_url");
            let action = optional(self, "action");
            let priority = body
                .get("priority")
                .and_then(|n| self.count(file, &n, 0, u64::from(u32::MAX)));
            let timeout = body
                .get("timeout")
                .and_then(|n| self.count(file, &n, 1, 86_400));
            Handoff::TaskRouter {
                workflow_sid: sid.to_owned(),
                wait_url,
                action,
                priority,
                timeout,
            }
        } else if uri.starts_with("https://") || uri.starts_with("http://") {
            let method = match body.get("method") {
                Some(m) => self.method(file, &m)?,
                None => Method::Post,
            };
            Handoff::Twiml {
                url: uri.to_owned(),
                method,
            }
        } else if uri.starts_with("sip:") {
            Handoff::Sip {
                address: uri.to_owned(),
            }
        } else {
            let number = uri.strip_prefix("tel:").unwrap_or(uri);
            let digits: String = number.chars().filter(char::is_ascii_digit).collect();
            let clean = number
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c));
            if !clean || !(7..=15).contains(&digits.len()) {
                return unusable(
                    self,
                    "it is not a phone number, SIP address, URL or taskrouter:// workflow",
                );
            }
            let plus = if number.trim_start().starts_with('+') {
                "+"
            } else {
                ""
            };
            Handoff::Number {
                number: format!("{plus}{digits}"),
            }
        };
        Some(Action::Handoff(handoff))
    }

    pub(super) fn show(&mut self, file: &Path, body: &Node<'_>) -> Option<Action> {
        self.unknown_keys(file, body, &["body", "images"]);
        let text = match body.get("body") {
            Some(b) => self.say_text(file, &b)?,
            None => Text::plain(""),
        };
        let mut images = Vec::new();
        for image in body.get("images").map(|i| i.items()).unwrap_or_default() {
            self.unknown_keys(file, &image, &["label", "url"]);
            match image.get("url").and_then(|u| self.string(file, &u)) {
                Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                    images.push(url.to_owned())
                }
                _ => self.error(
                    file,
                    image.path_of("url"),
                    "an image needs an http(s) `url`",
                    r#"write {"label": "Map", "url": "https://…/map.png"}"#,
                ),
            }
        }
        Some(Action::Show(Show { body: text, images }))
    }

    pub(super) fn resolve(&mut self, file: &Path, node: &Node<'_>, name: &str) -> Option<TaskId> {
        if let Some(id) = self.tasks.get(name) {
            return Some(*id);
        }
        let names: Vec<&str> = self.tasks.keys().map(String::as_str).collect();
        let fix = match closest(name, &names) {
            Some(near) => format!("did you mean `task://{near}`?"),
            None => format!(
                "create tasks/{name}.json, or use one of: {}",
                sorted(&names).join(", ")
            ),
        };
        self.error(file, node.path(), format!("no task named `{name}`"), fix);
        None
    }
}

/// The only values a question's answers can be saved as, when it has such a list.
fn answer_values(question: &Question) -> Option<Vec<String>> {
    if let Some(allowed) = &question.validate.allowed_values {
        return Some(allowed.clone());
    }
    match &question.field {
        Field::Builtin(BuiltinType::YesNo) => Some(vec!["Yes".into(), "No".into()]),
        Field::Custom(_, custom) => Some(custom.values().to_vec()),
        _ => None,
    }
}

/// The insides of a sample's `{tags}`, in order: whatever lies between the pieces
/// [`between_tags`] keeps, so hints, this check and the extractor agree on what a tag is (an
/// unclosed `{` is text).
fn tags(sample: &str) -> Vec<&str> {
    // The pieces are slices of `sample`, so where each starts is its distance from the start.
    let at = |piece: &str| piece.as_ptr() as usize - sample.as_ptr() as usize;
    between_tags(sample)
        .windows(2)
        .filter_map(|pair| {
            let [before, after] = pair else { return None };
            // Between two pieces is exactly `{…}`: one byte of brace each side.
            sample.get(at(before) + before.len() + 1..at(after) - 1)
        })
        .collect()
}
