//! Turning flow files into a valid [`Assistant`], or into errors that say how to fix them.
//!
//! The loader is pure: it takes [`SourceFile`]s and returns an assistant or every mistake it
//! found. It is deliberately strict about what it cannot honour (an unknown action, a misspelt
//! key, a `task://` to nowhere) and lenient about the spellings Autopilot accepted (`say` as a
//! string or as `{"speech": …}`, double-wrapped `{"actions": {"actions": […]}}`), so a pasted
//! Autopilot task loads as it is and a typo never silently changes what a caller hears.
//!
//! One load context, `Cx`, collects errors as it goes; its methods live beside what they read:
//! `settings` for `assistant.json` and custom field types, `actions` for a task and each
//! action, `texts` for spoken texts and their placeholders, `hints` for speech hints.

mod actions;
mod branch;
mod hints;
mod settings;
mod texts;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::json::Node;
use super::source::{self, Role, SourceFile};
use super::{Action, Assistant, FlowError, FlowErrors, Locale, Target, Task, TaskId};
use crate::flow::spoken::{Format, Kind};
use crate::nlu::embedding::Model;
use crate::nlu::matcher::Matcher;

use hints::{finish_listen_hints, sample_hints};
use settings::Settings;

/// The actions Switchboard runs, for "write one of …" hints.
const ACTIONS: &[&str] = &[
    "say", "play", "listen", "collect", "redirect", "branch", "handoff", "remember", "show",
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
    let files = source::read_dir(dir).map_err(|e| FlowErrors(vec![e]))?;
    let mut assistant = load_with(&files, model)?;
    if !files.iter().any(|f| f.role == Role::Settings) {
        // First: it explains much of how the assistant behaves, before any advice on tasks.
        assistant
            .warnings
            .insert(0, no_settings_warning(dir, &assistant));
    }
    Ok(assistant)
}

/// A flows folder without `assistant.json` loads (every setting has a default), but those
/// defaults name no task to greet callers or to catch what nothing matched, and a task called
/// `greeting` or `fallback` does not become one by its name alone: say so, and what to write.
fn no_settings_warning(dir: &Path, assistant: &Assistant) -> FlowError {
    let target = |wanted: &str| {
        assistant
            .task_id(wanted)
            .map_or_else(|| "task://…".to_owned(), |_| format!("task://{wanted}"))
    };
    FlowError::new(
        &dir.join("assistant.json"),
        "(file)",
        format!(
            "there is no assistant.json, so the defaults apply: the assistant is named \"{}\", no \
             task greets a caller (a call starts by listening, in silence) and none runs when \
             nothing matches (the caller hears \"{}\"), whatever the tasks are named",
            assistant.name, assistant.messages.not_understood
        ),
        format!(
            r#"create it with {{"name": "…", "defaults": {{"assistant_initiation": "{}", "fallback": "{}"}}}}"#,
            target("greeting"),
            target("fallback")
        ),
    )
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
                file: path.to_path_buf(),
                samples: Vec::new(),
                fields: Vec::new(),
                actions: Vec::new(),
                language: None,
            },
        };
        compiled.push(task);
    }
    cx.check_placeholders(&compiled);
    cx.check_conditions();
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
    let mut locales: Vec<Locale> = Vec::new();
    for language in compiled.iter().filter_map(|t| t.language) {
        if language != settings.language && !locales.iter().any(|l| l.language == language) {
            locales.push(settings.locale(language));
        }
    }
    let defaults = settings.defaults;
    let sid = assistant_sid(&settings.name);
    let version = version_of(files);
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
        webhooks: settings.webhooks,
        language: settings.language,
        locales,
        matcher,
        all_task_hints,
        sid,
        version,
        field_types: settings.field_types,
        answer_kinds: cx
            .answer_names
            .iter()
            .map(|((collect, question), info)| (format!("{collect}.{question}"), info.kind))
            .collect(),
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

/// The flows' version id: the SHA-1 of each file's role (`assistant.json`, `tasks/<name>.json`)
/// and text, in that order, so where the files were read from (a folder, the binary, an
/// export) does not change it, and 12 hex digits of it.
fn version_of(files: &[SourceFile]) -> String {
    use sha1::{Digest, Sha1};
    let mut named: Vec<(String, &str)> = files
        .iter()
        .map(|f| {
            let name = match &f.role {
                Role::Settings => "assistant.json".to_owned(),
                Role::Task(name) => format!("tasks/{name}.json"),
            };
            (name, f.text.as_str())
        })
        .collect();
    named.sort_unstable();
    let mut hash = Sha1::new();
    for (name, text) in named {
        // Lengths first, so no two different sets of files hash the same bytes.
        hash.update((name.len() as u64).to_le_bytes());
        hash.update(name.as_bytes());
        hash.update((text.len() as u64).to_le_bytes());
        hash.update(text.as_bytes());
    }
    hash.finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `UA` + 32 hex digits of the SHA-1 of the assistant's name: stable, and shaped like a real
/// AssistantSid for web services that check.
fn assistant_sid(name: &str) -> String {
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(name.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("UA{}", &hex[..32])
}

/// What the answers to a question can be, for checks of placeholders and conditions that
/// name it.
#[derive(Debug, Clone, PartialEq)]
struct AnswerInfo {
    /// How its values are said and whether they can be ordered.
    kind: Kind,
    /// The only values it can be saved as (a yes/no question's "Yes" and "No", allowed values,
    /// a custom type's values), when there is such a list.
    values: Option<Vec<String>>,
    /// False for a question that had mistakes of its own: it is known by name, so texts and
    /// conditions naming it are not reported too, but nothing else about it is checked.
    sound: bool,
}

/// Load context: the task table and the errors and warnings found so far.
#[derive(Default)]
struct Cx {
    errors: Vec<FlowError>,
    warnings: Vec<FlowError>,
    tasks: HashMap<String, TaskId>,
    /// Placeholders seen in texts, checked once every collect and remember is known.
    placeholders: Vec<(PathBuf, String, Vec<String>, Option<Format>)>,
    /// `(collect, question)` pairs with what their answers can be, and remembered keys, for
    /// placeholder and condition checks and for saying answers.
    answer_names: HashMap<(String, String), AnswerInfo>,
    /// Branch conditions seen, checked once every collect and remember is known.
    conditions: Vec<branch::PendingCondition>,
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
}

/// A keyword as compared with what people text: lower case (accented capitals too: "AYÚDEME"
/// is "ayúdeme"), letters, digits and single spaces.
pub(crate) fn keyword(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let c = if c.is_alphanumeric() { c } else { ' ' };
            c.to_lowercase()
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
