//! Turning flow files into a valid [`Assistant`], or into errors that say how to fix them.
//!
//! The loader is pure: it takes [`SourceFile`]s and returns an assistant or every mistake it
//! found. It is deliberately strict about what it cannot honour (an unknown action, a misspelt
//! key, a `task://` to nowhere) and lenient about the spellings Autopilot accepted (`say` as a
//! string or as `{"speech": …}`, double-wrapped `{"actions": {"actions": […]}}`), so a pasted
//! Autopilot task loads as it is and a typo never silently changes what a caller hears.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::json::Node;
use super::source::{self, Role, SourceFile};
use super::{
    Action, Assistant, Collect, Defaults, Field, FlowError, FlowErrors, Handoff, Keypad, Limits,
    Listen, Messages, Method, Question, Show, SmsSettings, Style, Target, Task, TaskId, Text,
    Validate, VoiceDigits, VoiceEscapes, Webhook,
};
use crate::nlu::embedding::Model;
use crate::nlu::fields::{BuiltinType, CustomType};
use crate::nlu::matcher::{Matcher, MatcherConfig};

/// The actions Switchboard runs, for "write one of …" hints.
const ACTIONS: &[&str] = &[
    "say", "play", "listen", "collect", "redirect", "handoff", "remember", "show",
];

/// Most phrases put in one Gather's `hints`; Twilio caps hints, and past a hundred phrases they
/// stop helping recognition anyway.
const MAX_HINTS: usize = 100;

/// Reads and loads a flows folder.
///
/// # Errors
/// The folder cannot be read, or its flows have mistakes; every mistake is listed.
pub fn load_dir(dir: &Path) -> Result<Assistant, FlowErrors> {
    load_dir_with(dir, None)
}

/// As [`load_dir`], with a sentence-embedding model for the matcher.
///
/// # Errors
/// As [`load_dir`], and the model failing on a sample.
pub fn load_dir_with(dir: &Path, model: Option<&Arc<Model>>) -> Result<Assistant, FlowErrors> {
    let files = source::read_dir(dir).map_err(|e| {
        FlowErrors(vec![FlowError {
            file: dir.to_path_buf(),
            place: "(folder)".into(),
            problem: format!("cannot read the flows folder: {e}"),
            fix: "pass --flows with a folder that holds assistant.json and tasks/*.json".into(),
        }])
    })?;
    load_with(&files, model)
}

/// Loads an assistant from flow files: `assistant.json` (optional) and `tasks/<name>.json`.
///
/// # Errors
/// Every mistake found, each naming the file, the place in it and the fix.
pub fn load(files: &[SourceFile]) -> Result<Assistant, FlowErrors> {
    load_with(files, None)
}

/// As [`load`], with a sentence-embedding model for the matcher (`--nlu-model`).
///
/// # Errors
/// As [`load`], and the model failing on a sample.
pub fn load_with(
    files: &[SourceFile],
    model: Option<&Arc<Model>>,
) -> Result<Assistant, FlowErrors> {
    let mut cx = Cx::default();
    let mut parsed = Vec::new();
    for file in files {
        match serde_json::from_str::<Value>(&file.text) {
            Ok(value) => parsed.push((file, Some(value))),
            Err(e) => {
                // Still registered by name, so references to this task do not report a second,
                // misleading error.
                parsed.push((file, None));
                cx.error(
                    &file.path,
                    format!("line {}, column {}", e.line(), e.column()),
                    format!("invalid JSON: {e}"),
                    "check for a missing comma, quote or bracket just before this point",
                );
            }
        }
    }

    let (settings, tasks): (Vec<_>, Vec<_>) =
        parsed.iter().partition(|(f, _)| f.role == Role::Settings);

    // First pass: names, so that task:// references can be resolved in any order.
    let mut names: Vec<(String, &Path, Option<&Value>)> = Vec::new();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for (file, value) in &tasks {
        let name = match &file.role {
            Role::Task(name) => name.clone(),
            Role::Settings => continue,
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            cx.error(
                &file.path,
                "(file name)",
                format!("task name `{name}` may only use letters, digits, `_` and `-`"),
                "rename the file, e.g. tasks/check_order.json",
            );
            continue;
        }
        if let Some(first) = seen.insert(name.to_lowercase(), file.path.clone()) {
            cx.error(
                &file.path,
                "(file name)",
                format!(
                    "duplicate task name `{name}`; {} has the same name",
                    first.display()
                ),
                "give each task its own file name (names are compared ignoring case)",
            );
            continue;
        }
        names.push((name, &file.path, value.as_ref()));
    }
    cx.tasks = names
        .iter()
        .enumerate()
        .map(|(i, (name, _, _))| (name.clone(), TaskId(i)))
        .collect();

    // Settings before tasks: tasks need the custom field types and style defaults.
    let settings = match settings.first() {
        Some((file, Some(value))) => cx.settings(&file.path, Node::root(value)),
        _ => Settings::default(),
    };

    let mut compiled = Vec::new();
    for (name, path, value) in &names {
        let task = match value {
            Some(value) => cx.task(path, name, Node::root(value), &settings),
            None => Task {
                name: name.clone(),
                samples: Vec::new(),
                fields: Vec::new(),
                actions: Vec::new(),
            },
        };
        compiled.push(task);
    }
    cx.check_placeholders(&compiled);
    let paths: Vec<&Path> = names.iter().map(|(_, path, _)| *path).collect();
    check_redirect_cycles(&mut cx, &compiled, &paths);

    if !cx.errors.is_empty() {
        return Err(FlowErrors(cx.errors));
    }
    if compiled.is_empty() {
        return Err(FlowErrors(vec![FlowError {
            file: files
                .first()
                .map(|f| f.path.clone())
                .unwrap_or_else(|| PathBuf::from("flows")),
            place: "tasks/".into(),
            problem: "the assistant has no tasks".into(),
            fix: "add a task file such as tasks/greeting.json with {\"actions\": [{\"say\": \"Hello!\"}]}".into(),
        }]));
    }

    // Lend the samples to the matcher rather than copy them (20,000 strings at 1,000 tasks).
    let samples: Vec<Vec<String>> = compiled
        .iter_mut()
        .map(|t| std::mem::take(&mut t.samples))
        .collect();
    let matcher = match model {
        None => Matcher::new(&samples, settings.matcher),
        Some(model) => {
            Matcher::with_model(&samples, settings.matcher, Arc::clone(model)).map_err(|e| {
                FlowErrors(vec![FlowError {
                    file: model.dir().to_path_buf(),
                    place: "(model)".into(),
                    problem: format!("embedding the tasks' samples failed: {e}"),
                    fix: "check the model folder, or run without --nlu-model".into(),
                }])
            })?
        }
    };
    for (task, samples) in compiled.iter_mut().zip(samples) {
        task.samples = samples;
    }
    let all_task_hints = sample_hints(compiled.iter().map(|t| t.samples.as_slice()));
    let by_name = cx.tasks.clone();
    let defaults = settings.defaults;
    let sid = assistant_sid(&settings.name);
    let mut assistant = Assistant {
        name: settings.name,
        tasks: compiled,
        defaults,
        style: settings.style,
        messages: settings.messages,
        limits: settings.limits,
        time_zone: settings.time_zone,
        sms: settings.sms,
        voice: settings.voice,
        matcher,
        all_task_hints,
        sid,
        field_types: settings.field_types,
        warnings: cx.warnings,
        by_name,
    };
    finish_listen_hints(&mut assistant);
    Ok(assistant)
}

/// Refuses tasks that redirect to each other in a circle before anything waits for the caller:
/// such a call could never go anywhere. (Loops through a listen or a question are fine — the
/// caller moves them on — and loops through web services are cut off at run time.)
fn check_redirect_cycles(cx: &mut Cx, tasks: &[Task], paths: &[&Path]) {
    // Each task has at most one unconditional redirect: the first redirect reached before
    // anything that waits, asks, hands off or calls out.
    let next: Vec<Option<(usize, usize)>> = tasks
        .iter()
        .map(|task| {
            for (i, action) in task.actions.iter().enumerate() {
                match action {
                    Action::Say(_)
                    | Action::Play { .. }
                    | Action::Remember(_)
                    | Action::Show(_) => {}
                    Action::Redirect(Target::Task(id)) => return Some((id.0, i)),
                    _ => return None,
                }
            }
            None
        })
        .collect();
    let mut reported = vec![false; tasks.len()];
    for start in 0..tasks.len() {
        let mut path = vec![start];
        let mut at = start;
        while let Some((to, _)) = next.get(at).copied().flatten() {
            if let Some(pos) = path.iter().position(|&p| p == to) {
                let cycle = &path[pos..];
                if !cycle.iter().any(|&t| reported[t]) {
                    for &t in cycle {
                        reported[t] = true;
                    }
                    let first = cycle[0];
                    let names: Vec<&str> = cycle
                        .iter()
                        .chain(std::iter::once(&cycle[0]))
                        .map(|&t| tasks[t].name.as_str())
                        .collect();
                    let place = next[first].map_or_else(
                        || "actions".to_owned(),
                        |(_, i)| format!("actions[{i}].redirect"),
                    );
                    cx.error(
                        paths.get(first).copied().unwrap_or(Path::new("tasks")),
                        place,
                        format!(
                            "tasks redirect in a circle before waiting for the caller: {}",
                            names.join(" → ")
                        ),
                        "put a listen or a question in the circle, or end one of the tasks",
                    );
                }
                break;
            }
            if path.len() > tasks.len() {
                break;
            }
            path.push(to);
            at = to;
        }
    }
}

/// Compiles an action list that arrived at run time (a webhook's answer) against a loaded
/// assistant: same rules and messages as a task file, `task://` resolved against its tasks.
/// Placeholders naming values this assistant never collects render as nothing rather than fail.
///
/// # Errors
/// The document is not Actions JSON; the errors name the place, with `source` as the file.
pub fn compile_actions(
    assistant: &Assistant,
    source: &Path,
    document: &Value,
) -> Result<Vec<Action>, FlowErrors> {
    let mut cx = Cx {
        tasks: assistant.by_name.clone(),
        ..Cx::default()
    };
    let settings = Settings {
        style: assistant.style.clone(),
        field_types: assistant.field_types.clone(),
        ..Settings::default()
    };
    let root = Node::root(document);
    // Accept {"actions": [...]}, the double-wrapped export form, or a bare array.
    let list = match root.get("actions") {
        Some(actions) => actions.get("actions").unwrap_or(actions),
        None => root.clone(),
    };
    if list.value().as_array().is_none() {
        cx.error(
            source,
            list.path(),
            format!("expected Actions JSON, found {}", list.kind()),
            r#"answer with {"actions": [{"say": "…"}]}"#,
        );
    }
    let actions: Vec<Action> = list
        .items()
        .iter()
        .filter_map(|a| cx.action(source, a, &settings))
        .collect();
    if cx.errors.is_empty() {
        Ok(actions)
    } else {
        Err(FlowErrors(cx.errors))
    }
}

/// `UA` + 32 hex digits of the SHA-1 of the assistant's name: stable, and shaped like a real
/// AssistantSid for web services that check.
fn assistant_sid(name: &str) -> String {
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(name.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("UA{}", &hex[..32])
}

/// What `assistant.json` holds, with defaults for everything.
struct Settings {
    name: String,
    defaults: Defaults,
    style: Style,
    messages: Messages,
    limits: Limits,
    time_zone: chrono_tz::Tz,
    sms: SmsSettings,
    voice: VoiceEscapes,
    matcher: MatcherConfig,
    field_types: HashMap<String, Arc<CustomType>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            name: "Switchboard assistant".into(),
            defaults: Defaults::default(),
            style: Style {
                say_voice: None,
                on_failure: vec![Text::plain("Sorry, I didn't get that.")],
                repeat_question: true,
                on_success: None,
                max_attempts: 3,
            },
            messages: Messages {
                not_understood: "Sorry, I didn't catch that. Could you say it another way?".into(),
                no_input_goodbye: "I haven't heard anything, so I'll hang up now. Please call again any time. Goodbye.".into(),
                too_many_attempts: "Sorry, I'm having trouble understanding. Please call again later. Goodbye.".into(),
                loop_goodbye: "Sorry, something went wrong on our side. Please call again later. Goodbye.".into(),
                error_goodbye: "Sorry, something went wrong on our side and I couldn't save that. Please call again in a moment. Goodbye.".into(),
                webhook_failed: "Sorry, I couldn't finish that just now.".into(),
                sms_help: "This is an automated assistant. Reply to the question, text START OVER to begin again, or CANCEL to stop.".into(),
                sms_cancelled: "Okay, I've stopped. Text anything to start again.".into(),
                sms_empty: "I can only read text, so please type your answer.".into(),
                sms_handoff: "To talk to someone, please call us.".into(),
                sms_handoff_number: "To talk to someone, please call".into(),
                voice_help: "You can answer the question, say start over to begin again, or cancel to stop.".into(),
                voice_cancelled: "Okay, I've stopped. Goodbye.".into(),
                voice_no_operator: "Sorry, there is nobody I can put you through to right now.".into(),
            },
            limits: Limits {
                max_silences: 3,
                max_redirects: 5,
                max_turns: 100,
            },
            time_zone: chrono_tz::UTC,
            sms: SmsSettings {
                idle: chrono::Duration::hours(4),
                stop_words: words(&["stop", "stopall", "unsubscribe", "end", "quit"]),
                cancel_words: words(&["cancel"]),
                restart_words: words(&["start over", "restart", "reset"]),
                help_words: words(&["help", "info"]),
            },
            voice: VoiceEscapes {
                help_words: words(&["help", "help me", "i need help"]),
                cancel_words: words(&["cancel", "goodbye", "good bye", "bye", "never mind", "quit"]),
                restart_words: words(&["start over", "start again", "restart"]),
                operator_words: words(&[
                    "operator",
                    "agent",
                    "representative",
                    "a person",
                    "a real person",
                    "human",
                    "talk to a person",
                    "speak to a person",
                    "talk to someone",
                    "speak to someone",
                ]),
                operator: None,
            },
            matcher: MatcherConfig::default(),
            field_types: HashMap::new(),
        }
    }
}

/// Load context: the task table and the errors and warnings found so far.
#[derive(Default)]
struct Cx {
    errors: Vec<FlowError>,
    warnings: Vec<FlowError>,
    tasks: HashMap<String, TaskId>,
    /// Placeholders seen in texts, checked once every collect and remember is known.
    placeholders: Vec<(PathBuf, String, Vec<String>)>,
    /// `(collect, question)` pairs and remembered keys, for placeholder checks.
    answer_names: HashSet<(String, String)>,
    remembered: HashSet<String>,
}

impl Cx {
    fn warn(
        &mut self,
        file: &Path,
        place: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.warnings
            .push(FlowError::new(file, place, problem, fix));
    }

    fn error(
        &mut self,
        file: &Path,
        place: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.errors.push(FlowError::new(file, place, problem, fix));
    }

    /// Reports keys of an object that are not in `known`, with a did-you-mean.
    fn unknown_keys(&mut self, file: &Path, node: &Node<'_>, known: &[&str]) {
        for (key, child) in node.entries() {
            if !known.contains(&key) {
                let fix = match closest(key, known) {
                    Some(near) => format!(
                        "did you mean `{near}`? Known keys here: {}",
                        known.join(", ")
                    ),
                    None => format!("known keys here: {}", known.join(", ")),
                };
                self.error(file, child.path(), format!("unknown key `{key}`"), fix);
            }
        }
    }

    fn settings(&mut self, file: &Path, root: Node<'_>) -> Settings {
        let mut s = Settings::default();
        if root.as_object().is_none() {
            self.error(
                file,
                root.path(),
                format!("expected an object, found {}", root.kind()),
                "see flows/assistant.json in the repository for the shape",
            );
            return s;
        }
        self.unknown_keys(
            file,
            &root,
            &[
                "name",
                "defaults",
                "style_sheet",
                "field_types",
                "nlu",
                "messages",
                "limits",
                "time_zone",
                "sms",
                "voice",
            ],
        );
        if let Some(name) = root.get("name")
            && let Some(text) = self.string(file, &name)
        {
            s.name = text.to_owned();
        }
        if let Some(zone) = root.get("time_zone")
            && let Some(name) = self.string(file, &zone)
        {
            match name.parse::<chrono_tz::Tz>() {
                Ok(tz) => s.time_zone = tz,
                Err(_) => self.error(
                    file,
                    zone.path(),
                    format!("unknown time zone `{name}`"),
                    "write an IANA time zone name such as America/New_York or Europe/London",
                ),
            }
        }
        // Custom field types first: questions refer to them.
        if let Some(types) = root.get("field_types") {
            self.field_types(file, &types, &mut s.field_types);
        }
        if let Some(defaults) = root.get("defaults") {
            // Autopilot exports wrap the object once more: {"defaults": {"defaults": {…}}}.
            let defaults = defaults.get("defaults").unwrap_or(defaults);
            self.unknown_keys(
                file,
                &defaults,
                &["assistant_initiation", "fallback", "collect"],
            );
            s.defaults.assistant_initiation = defaults
                .get("assistant_initiation")
                .and_then(|n| self.target(file, &n));
            s.defaults.fallback = defaults.get("fallback").and_then(|n| self.target(file, &n));
            if let Some(collect) = defaults.get("collect") {
                self.unknown_keys(file, &collect, &["validate_on_failure"]);
                s.defaults.validate_on_failure = collect
                    .get("validate_on_failure")
                    .and_then(|n| self.target(file, &n));
            }
        }
        if let Some(style) = root.get("style_sheet") {
            let style = style.get("style_sheet").unwrap_or(style);
            self.unknown_keys(file, &style, &["voice", "collect", "name"]);
            if let Some(voice) = style.get("voice") {
                self.unknown_keys(file, &voice, &["say_voice"]);
                s.style.say_voice = voice
                    .get("say_voice")
                    .and_then(|n| self.string(file, &n))
                    .map(str::to_owned);
            }
            if let Some(validate) = style.get("collect").and_then(|c| c.get("validate")) {
                self.unknown_keys(
                    file,
                    &validate,
                    &["on_failure", "on_success", "max_attempts"],
                );
                if let Some(on_failure) = validate.get("on_failure") {
                    self.unknown_keys(file, &on_failure, &["messages", "repeat_question"]);
                    if let Some(messages) = on_failure.get("messages") {
                        let texts = self.messages(file, &messages);
                        if !texts.is_empty() {
                            s.style.on_failure = texts;
                        }
                    }
                    if let Some(repeat) = on_failure.get("repeat_question") {
                        s.style.repeat_question = self.boolean(file, &repeat).unwrap_or(true);
                    }
                }
                if let Some(on_success) = validate.get("on_success") {
                    s.style.on_success = self.say_text(file, &on_success).filter(|t| !t.is_empty());
                }
                if let Some(max) = validate.get("max_attempts")
                    && let Some(n) = self.attempts(file, &max)
                {
                    s.style.max_attempts = n;
                }
            }
        }
        if let Some(nlu) = root.get("nlu") {
            if let Some(margin) = nlu.get("margin") {
                // The ratio-margin rule is gone: the runner-up's lead is part of the confidence
                // now. Say so rather than "unknown key", so an older flow is fixed in one step.
                self.error(
                    file,
                    margin.path(),
                    "`nlu.margin` is no longer used",
                    "remove it: the confidence already counts how far ahead the best task is, \
                     and the threshold calibrates itself (set `nlu.threshold` only to override it)",
                );
            }
            self.unknown_keys(file, &nlu, &["threshold", "margin"]);
            if let Some(n) = nlu.get("threshold").and_then(|n| self.fraction(file, &n)) {
                s.matcher.threshold = Some(n);
            }
        }
        if let Some(messages) = root.get("messages") {
            let keys = [
                "not_understood",
                "no_input_goodbye",
                "too_many_attempts",
                "loop_goodbye",
                "error_goodbye",
                "webhook_failed",
                "sms_help",
                "sms_cancelled",
                "sms_empty",
                "sms_handoff",
                "sms_handoff_number",
                "voice_help",
                "voice_cancelled",
                "voice_no_operator",
            ];
            self.unknown_keys(file, &messages, &keys);
            let m = &mut s.messages;
            for (key, slot) in keys.iter().zip([
                &mut m.not_understood,
                &mut m.no_input_goodbye,
                &mut m.too_many_attempts,
                &mut m.loop_goodbye,
                &mut m.error_goodbye,
                &mut m.webhook_failed,
                &mut m.sms_help,
                &mut m.sms_cancelled,
                &mut m.sms_empty,
                &mut m.sms_handoff,
                &mut m.sms_handoff_number,
                &mut m.voice_help,
                &mut m.voice_cancelled,
                &mut m.voice_no_operator,
            ]) {
                if let Some(text) = messages.get(key).and_then(|n| self.string(file, &n)) {
                    *slot = text.to_owned();
                }
            }
        }
        if let Some(sms) = root.get("sms") {
            self.word_lists(
                file,
                &sms,
                &["idle_minutes"],
                [
                    ("stop_words", &mut s.sms.stop_words),
                    ("cancel_words", &mut s.sms.cancel_words),
                    ("restart_words", &mut s.sms.restart_words),
                    ("help_words", &mut s.sms.help_words),
                ],
            );
            if let Some(n) = sms
                .get("idle_minutes")
                .and_then(|n| self.count(file, &n, 1, 60 * 24 * 365))
            {
                s.sms.idle = chrono::Duration::minutes(i64::from(n));
            }
        }
        if let Some(voice) = root.get("voice") {
            self.word_lists(
                file,
                &voice,
                &["operator"],
                [
                    ("help_words", &mut s.voice.help_words),
                    ("cancel_words", &mut s.voice.cancel_words),
                    ("restart_words", &mut s.voice.restart_words),
                    ("operator_words", &mut s.voice.operator_words),
                ],
            );
            s.voice.operator = voice.get("operator").and_then(|n| self.target(file, &n));
        }
        if let Some(limits) = root.get("limits") {
            self.unknown_keys(
                file,
                &limits,
                &["max_silences", "max_redirects", "max_turns"],
            );
            let l = &mut s.limits;
            for (key, slot) in [
                ("max_silences", &mut l.max_silences),
                ("max_redirects", &mut l.max_redirects),
                ("max_turns", &mut l.max_turns),
            ] {
                if let Some(n) = limits.get(key).and_then(|n| self.count(file, &n, 1, 1000)) {
                    *slot = n;
                }
            }
        }
        s
    }

    fn field_types(
        &mut self,
        file: &Path,
        node: &Node<'_>,
        out: &mut HashMap<String, Arc<CustomType>>,
    ) {
        if node.value().as_array().is_none() {
            self.error(
                file,
                node.path(),
                format!("expected an array of field types, found {}", node.kind()),
                r#"write [{"name": "size", "values": [{"value": "large", "synonyms": ["big"]}]}]"#,
            );
            return;
        }
        for ty in node.items() {
            self.unknown_keys(file, &ty, &["name", "values"]);
            let Some(name) = ty.get("name").and_then(|n| self.string(file, &n)) else {
                self.error(
                    file,
                    ty.path_of("name"),
                    "a field type needs a `name`",
                    r#"add "name": "size""#,
                );
                continue;
            };
            if BuiltinType::from_name(name).is_some() || name.starts_with("Twilio.") {
                self.error(
                    file,
                    ty.path_of("name"),
                    format!("`{name}` is a built-in type name"),
                    "custom types need their own name, without the Twilio. prefix",
                );
                continue;
            }
            let mut values = Vec::new();
            for value in ty.get("values").map(|v| v.items()).unwrap_or_default() {
                if let Some(text) = value.as_str() {
                    values.push((text.to_owned(), Vec::new()));
                    continue;
                }
                self.unknown_keys(file, &value, &["value", "synonyms"]);
                let Some(canonical) = value.get("value").and_then(|n| self.string(file, &n)) else {
                    self.error(
                        file,
                        value.path(),
                        "a field value needs a `value`",
                        r#"write {"value": "large", "synonyms": ["big"]}"#,
                    );
                    continue;
                };
                let synonyms = value
                    .get("synonyms")
                    .map(|s| {
                        s.items()
                            .iter()
                            .filter_map(|n| self.string(file, n).map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                values.push((canonical.to_owned(), synonyms));
            }
            if values.is_empty() {
                self.error(
                    file,
                    ty.path_of("values"),
                    format!("field type `{name}` has no values"),
                    r#"add "values": [{"value": "large", "synonyms": ["big"]}]"#,
                );
                continue;
            }
            if out
                .insert(name.to_owned(), Arc::new(CustomType::new(values)))
                .is_some()
            {
                self.error(
                    file,
                    ty.path_of("name"),
                    format!("duplicate field type `{name}`"),
                    "give each field type its own name",
                );
            }
        }
    }

    fn task(&mut self, file: &Path, name: &str, root: Node<'_>, settings: &Settings) -> Task {
        let mut task = Task {
            name: name.to_owned(),
            samples: Vec::new(),
            fields: Vec::new(),
            actions: Vec::new(),
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
        self.unknown_keys(file, &root, &["samples", "fields", "actions"]);
        // Fields name the values a sample's `{tags}` stand for (Autopilot task fields).
        for field in root.get("fields").map(|f| f.items()).unwrap_or_default() {
            self.unknown_keys(file, &field, &["name", "type"]);
            let name = field
                .get("name")
                .and_then(|n| self.string(file, &n))
                .map(str::to_owned);
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

    fn action(&mut self, file: &Path, node: &Node<'_>, settings: &Settings) -> Option<Action> {
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

    fn play(&mut self, file: &Path, body: &Node<'_>) -> Option<Action> {
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

    fn listen(&mut self, file: &Path, body: &Node<'_>) -> Option<Action> {
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
    fn keypad(&mut self, file: &Path, node: &Node<'_>) -> Keypad {
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

    fn collect(&mut self, file: &Path, body: &Node<'_>, settings: &Settings) -> Option<Collect> {
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
            Some(on_complete) => {
                self.unknown_keys(file, &on_complete, &["redirect"]);
                match on_complete.get("redirect") {
                    Some(target) => self.target(file, &target),
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
                    if let Some(question) = self.question(file, &q, settings) {
                        if !names.insert(question.name.clone()) {
                            self.error(
                                file,
                                q.path_of("name"),
                                format!("duplicate question name `{}`", question.name),
                                "question names must be unique within a collect",
                            );
                        }
                        self.answer_names
                            .insert((name.clone(), question.name.clone()));
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

    fn question(&mut self, file: &Path, q: &Node<'_>, settings: &Settings) -> Option<Question> {
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
        })
    }

    /// A field type by name: built-in (`Twilio.DATE`) or declared in `assistant.json`.
    fn field_type(&mut self, file: &Path, ty: &Node<'_>, settings: &Settings) -> Option<Field> {
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

    fn validate(&mut self, file: &Path, node: Option<Node<'_>>, style: &Style) -> Option<Validate> {
        let mut v = Validate {
            allowed_values: None,
            on_failure: style.on_failure.clone(),
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

    fn voice_digits(&mut self, file: &Path, node: &Node<'_>) -> Option<VoiceDigits> {
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
    fn voice_digits_settings(&mut self, file: &Path, node: &Node<'_>) -> VoiceDigits {
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

    /// Reads each key of `node` that is present into its slot as a word list (an empty list
    /// turns those words off), and reports any key that is neither a list nor one of `others`,
    /// the block's other settings.
    fn word_lists<const N: usize>(
        &mut self,
        file: &Path,
        node: &Node<'_>,
        others: &[&str],
        lists: [(&str, &mut Vec<String>); N],
    ) {
        // Every key the block may hold, named once: the lists and the block's other settings.
        let known: Vec<&str> = others
            .iter()
            .copied()
            .chain(lists.iter().map(|(key, _)| *key))
            .collect();
        self.unknown_keys(file, node, &known);
        for (key, slot) in lists {
            if let Some(words) = node.get(key).and_then(|list| self.word_list(file, &list)) {
                *slot = words;
            }
        }
    }

    /// A list of words or phrases, normalised as [`keyword`] compares them.
    fn word_list(&mut self, file: &Path, node: &Node<'_>) -> Option<Vec<String>> {
        if node.value().as_array().is_none() {
            self.error(
                file,
                node.path(),
                format!("expected a list of words, found {}", node.kind()),
                r#"write ["help", "i need help"], or [] to turn it off"#,
            );
            return None;
        }
        Some(
            node.items()
                .iter()
                .filter_map(|n| self.string(file, n))
                .map(keyword)
                .collect(),
        )
    }

    /// `task://name`, an http(s) URL, or `{"uri": …, "method": …}`.
    fn target(&mut self, file: &Path, node: &Node<'_>) -> Option<Target> {
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

    fn method(&mut self, file: &Path, node: &Node<'_>) -> Option<Method> {
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

    fn handoff(&mut self, file: &Path, body: &Node<'_>) -> Option<Action> {
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

    fn show(&mut self, file: &Path, body: &Node<'_>) -> Option<Action> {
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

    fn resolve(&mut self, file: &Path, node: &Node<'_>, name: &str) -> Option<TaskId> {
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

    /// A spoken text: a string, `{"say": …}` or `{"speech": …}` as Autopilot allowed.
    fn say_text(&mut self, file: &Path, node: &Node<'_>) -> Option<Text> {
        let text = match node.value() {
            Value::String(s) => s.as_str(),
            Value::Object(_) => match node.get("say").or_else(|| node.get("speech")) {
                Some(inner) => return self.say_text(file, &inner),
                None => {
                    self.error(
                        file,
                        node.path(),
                        "expected a text, or an object with `say` or `speech`",
                        r#"write "Hello" or {"say": "Hello"}"#,
                    );
                    return None;
                }
            },
            _ => {
                self.error(
                    file,
                    node.path(),
                    format!("expected a text, found {}", node.kind()),
                    r#"write "Hello""#,
                );
                return None;
            }
        };
        match Text::parse(text) {
            Ok(parsed) => {
                for slot in parsed.slots() {
                    self.placeholders
                        .push((file.to_path_buf(), node.path(), slot.to_vec()));
                }
                Some(parsed)
            }
            Err(problem) => {
                self.error(
                    file,
                    node.path(),
                    problem,
                    "write placeholders as {{collect_name.question_name}}",
                );
                None
            }
        }
    }

    fn messages(&mut self, file: &Path, node: &Node<'_>) -> Vec<Text> {
        node.items()
            .iter()
            .filter_map(|m| self.say_text(file, m))
            .filter(|t| !t.is_empty())
            .collect()
    }

    fn string<'n>(&mut self, file: &Path, node: &Node<'n>) -> Option<&'n str> {
        let s = node.as_str();
        if s.is_none() {
            self.error(
                file,
                node.path(),
                format!("expected a string, found {}", node.kind()),
                "put the value in double quotes",
            );
        }
        s
    }

    fn boolean(&mut self, file: &Path, node: &Node<'_>) -> Option<bool> {
        let b = node.value().as_bool();
        if b.is_none() {
            self.error(
                file,
                node.path(),
                format!("expected true or false, found {}", node.kind()),
                "write true or false, without quotes",
            );
        }
        b
    }

    fn count(&mut self, file: &Path, node: &Node<'_>, min: u64, max: u64) -> Option<u32> {
        // Autopilot templates write some numbers as strings ("num_attempts": "3").
        let n = match node.value() {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        match n {
            Some(n) if (min..=max).contains(&n) => u32::try_from(n).ok(),
            _ => {
                self.error(
                    file,
                    node.path(),
                    format!("expected a whole number from {min} to {max}"),
                    format!("write a number such as {min}"),
                );
                None
            }
        }
    }

    fn fraction(&mut self, file: &Path, node: &Node<'_>) -> Option<f32> {
        match node.value().as_f64() {
            Some(n) if (0.0..=1.0).contains(&n) => Some(n as f32),
            _ => {
                self.error(
                    file,
                    node.path(),
                    "expected a number from 0 to 1",
                    "write e.g. 0.5",
                );
                None
            }
        }
    }

    /// `max_attempts` is an integer in style sheets and `{num_attempts, redirect}` in questions.
    fn attempts(&mut self, file: &Path, node: &Node<'_>) -> Option<u32> {
        match node.get("num_attempts") {
            Some(n) => self.count(file, &n, 1, 100),
            None if node.as_object().is_some() => None,
            None => self.count(file, node, 1, 100),
        }
    }

    /// Every `{{a.b}}` must name a collect's question or a remembered key somewhere.
    fn check_placeholders(&mut self, _tasks: &[Task]) {
        let placeholders = std::mem::take(&mut self.placeholders);
        for (file, place, path) in placeholders {
            let known = match path.as_slice() {
                [collect, question] => {
                    self.answer_names
                        .contains(&(collect.clone(), question.clone()))
                        || self.remembered.contains(collect)
                }
                [first, ..] => self.remembered.contains(first),
                [] => false,
            };
            if !known {
                let mut names: Vec<String> = self
                    .answer_names
                    .iter()
                    .map(|(c, q)| format!("{c}.{q}"))
                    .collect();
                names.extend(self.remembered.iter().cloned());
                names.sort();
                let fix = if names.is_empty() {
                    "placeholders name an answer as {{collect_name.question_name}}; this assistant has none".to_owned()
                } else {
                    format!("use one of: {}", names.join(", "))
                };
                self.error(
                    &file,
                    place,
                    format!(
                        "placeholder `{{{{{}}}}}` names no question or remembered value",
                        path.join(".")
                    ),
                    fix,
                );
            }
        }
    }
}

/// A keyword as compared with what people text: lower case, letters, digits and single spaces.
pub(crate) fn keyword(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| keyword(w)).collect()
}

fn sorted<'a>(names: &[&'a str]) -> Vec<&'a str> {
    let mut names = names.to_vec();
    names.sort_unstable();
    names
}

/// The closest known word to a misspelt one, if it is close enough to be a likely typo. A known
/// word that starts with what was written wins first (`Twilio.PHONE` → `Twilio.PHONE_NUMBER`).
fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    let word = word.to_lowercase();
    let prefixed = known
        .iter()
        .filter(|k| word.len() >= 3 && k.to_lowercase().starts_with(&word))
        .min_by_key(|k| k.len());
    if let Some(k) = prefixed {
        return Some(k);
    }
    known
        .iter()
        .map(|k| {
            (
                strsim::normalized_damerau_levenshtein(&word, &k.to_lowercase()),
                *k,
            )
        })
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// Gather hints from samples: distinct phrases, at most [`MAX_HINTS`]. A sample's field tags
/// (`{party_size}`) are never said as written, so a sample gives the phrases between them
/// ("book a table for", "people"), not itself.
fn sample_hints<'a>(samples: impl Iterator<Item = &'a [String]>) -> String {
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
fn between_tags(sample: &str) -> Vec<&str> {
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

fn question_hints(field: &Field, validate: &Validate, digits: &VoiceDigits) -> String {
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
fn finish_listen_hints(assistant: &mut Assistant) {
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
