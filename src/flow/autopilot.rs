//! Autopilot exports in, native flow files out.
//!
//! A team leaving Twilio Autopilot has one thing in hand: the assistant's export (`schema.json`
//! with `tasks`, or the 2018 "Understand" format with `intents`). This module turns it into the
//! files of a flows folder — `assistant.json` and `tasks/<name>.json` — so the team can paste its
//! export and have it run, then keep editing the result as ordinary flow files.
//!
//! Conversion is pure (only [`write_folder`] touches the disk) and never refuses a bot for the
//! faults Autopilot itself tolerated: `task://` references to tasks that do not exist, redirects
//! to empty addresses, template placeholders left in URLs, synonyms of nothing, duplicate or
//! unusable task names, tasks without actions. Each is repaired the way a careful author would
//! (a missing task becomes one that apologises and moves on) and reported as a warning naming
//! the place in the export, so the bot runs at once and the author knows what to fix. Everything
//! else is copied verbatim: what Switchboard cannot run is for the loader to report.

use std::collections::{HashMap, HashSet};
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::source::Role;
use super::{FlowError, FlowErrors, SourceFile};

/// What a task generated in place of a missing one says before moving on.
const APOLOGY: &str = "Sorry, that isn't available right now.";

/// Preferred name of the task that stands in for redirects and handoffs with no usable address.
const UNAVAILABLE: &str = "autopilot_unavailable";

/// An Autopilot export turned into native flow files, with what a person should know about it.
#[derive(Debug, Clone)]
pub struct Import {
    /// `assistant.json` (role [`Role::Settings`]) and one file per task, sorted by file name as
    /// [`super::load_dir`] reads them; texts are pretty-printed JSON ready to be written.
    pub files: Vec<SourceFile>,
    /// Faults found in the export and how they were repaired; `file` is the export, `place` a
    /// JSON path into it.
    pub warnings: Vec<FlowError>,
}

/// True when a JSON document looks like an Autopilot export (has a `tasks` or `intents` array at
/// the top level).
pub fn is_export(value: &Value) -> bool {
    ["tasks", "intents"]
        .iter()
        .any(|key| value.get(key).is_some_and(Value::is_array))
}

/// Converts an export. `path` is the export file (used in paths shown in errors and warnings).
///
/// # Errors
/// The text is not JSON, or not an export (no `tasks` or `intents` array); the error names the
/// file, the place and the fix.
pub fn convert(path: &Path, text: &str) -> Result<Import, FlowErrors> {
    let refuse = |place: String, problem: String, fix: &str| {
        FlowErrors(vec![FlowError {
            file: path.to_path_buf(),
            place,
            problem,
            fix: fix.to_owned(),
        }])
    };
    let root: Value = serde_json::from_str(text).map_err(|e| {
        refuse(
            format!("line {}, column {}", e.line(), e.column()),
            format!("invalid JSON: {e}"),
            "export the assistant again; if the file was edited, check for a missing comma, \
             quote or bracket just before this point",
        )
    })?;
    if !is_export(&root) {
        let why = match &root {
            Value::Object(map) if map.contains_key("tasks") || map.contains_key("intents") => {
                "its `tasks` is not an array"
            }
            Value::Object(_) => "it has no `tasks` array at the top level",
            _ => "it is not a JSON object",
        };
        return Err(refuse(
            "(top level)".to_owned(),
            format!("this is not an Autopilot export: {why}"),
            "pass the assistant's export (schema.json), whose top level has \"tasks\": [...] \
             (\"intents\" in the 2018 format); a flows folder needs no converting",
        ));
    }
    Ok(Converter {
        path,
        warnings: Vec::new(),
    }
    .run(&root))
}

/// Writes an Import as a flows folder: `dir/assistant.json` and `dir/tasks/<name>.json`,
/// pretty-printed JSON with a trailing newline. Creates the folders.
///
/// # Errors
/// An I/O failure, naming the path; `AlreadyExists` (before anything is written) when
/// `assistant.json` or a task file is already there, since flow files are never overwritten;
/// `InvalidInput` for a task name that cannot be a file name.
pub fn write_folder(import: &Import, dir: &Path) -> io::Result<()> {
    let with_path =
        |path: &Path, e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let mut targets = Vec::new();
    for file in &import.files {
        let target = match &file.role {
            Role::Settings => dir.join("assistant.json"),
            Role::Task(name) if valid_name(name) => dir.join("tasks").join(format!("{name}.json")),
            Role::Task(name) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "task name `{name}` cannot be a file name: use only letters, digits, `_` \
                         and `-`"
                    ),
                ));
            }
        };
        if target.exists() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} already exists; flow files are never overwritten, so write into an empty \
                     folder or move the old one away",
                    target.display()
                ),
            ));
        }
        targets.push((target, file));
    }
    let tasks_dir = dir.join("tasks");
    fs::create_dir_all(&tasks_dir).map_err(|e| with_path(&tasks_dir, e))?;
    for (target, file) in targets {
        // create_new: a file that appeared since the check above is still not overwritten.
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .map_err(|e| with_path(&target, e))?;
        let mut text = file.text.clone();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        out.write_all(text.as_bytes())
            .map_err(|e| with_path(&target, e))?;
    }
    Ok(())
}

/// A task on its way out: from the export, from legacy `fallbackActions`/`initiationActions`,
/// or generated in place of a missing one.
struct TaskOut {
    name: String,
    /// JSON path of the task in the export (`tasks[3]`), for warnings.
    place: String,
    /// JSON path of the actions array in the export, for warnings.
    actions_place: String,
    samples: Vec<String>,
    fields: Vec<FieldOut>,
    actions: Vec<Value>,
}

#[derive(Serialize)]
struct FieldOut {
    name: String,
    #[serde(rename = "type")]
    ty: String,
}

#[derive(Serialize)]
struct TaskFile {
    samples: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<FieldOut>,
    actions: Vec<Value>,
}

#[derive(Serialize)]
struct FieldTypeOut {
    name: String,
    values: Vec<FieldValueOut>,
}

#[derive(Serialize)]
struct FieldValueOut {
    value: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    synonyms: Vec<String>,
}

#[derive(Serialize)]
struct SettingsFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    defaults: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    style_sheet: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    field_types: Vec<FieldTypeOut>,
}

/// Task names in use, compared ignoring case as the loader does.
#[derive(Default)]
struct Names {
    taken: HashSet<String>,
}

impl Names {
    /// Claims a name; false if it (or a different capitalisation of it) is taken.
    fn take(&mut self, name: &str) -> bool {
        self.taken.insert(name.to_lowercase())
    }

    /// `base`, or `base_2`, `base_3`… whichever is free first; claimed.
    fn unique(&mut self, base: &str) -> String {
        if self.take(base) {
            return base.to_owned();
        }
        let mut n = 2;
        loop {
            let candidate = format!("{base}_{n}");
            if self.take(&candidate) {
                return candidate;
            }
            n += 1;
        }
    }
}

/// Where a value that can name a task sits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A redirect target: `redirect`, `collect.on_complete.redirect`, a question's
    /// `validate.max_attempts.redirect` (the string, or the `uri` of `{"uri": …}`).
    Target,
    /// An entry of `listen.tasks`: a plain task name or `task://name`.
    ListenEntry,
    /// `defaults.assistant_initiation`, `defaults.fallback`, `defaults.collect.validate_on_failure`.
    Default,
    /// A whole `handoff` action whose `uri` is missing, empty or no kind of address.
    Handoff,
}

/// What a reference's text means.
enum Ref<'a> {
    Task(&'a str),
    Web,
    Blank,
    Other,
}

fn reference(text: &str, kind: Kind) -> Ref<'_> {
    let text = text.trim();
    if let Some(name) = text.strip_prefix("task://") {
        let name = name.trim();
        return if name.is_empty() {
            Ref::Blank
        } else {
            Ref::Task(name)
        };
    }
    if text.is_empty() {
        Ref::Blank
    } else if kind == Kind::ListenEntry {
        Ref::Task(text)
    } else if text.starts_with("https://") || text.starts_with("http://") {
        Ref::Web
    } else {
        Ref::Other
    }
}

/// A repair made while rewriting references; `generated` names the task the caller is sent to,
/// whose behaviour is described once it is known.
struct Note {
    place: String,
    problem: String,
    fix: String,
    generated: Option<String>,
}

/// A task referenced but not defined, with every spelling and place that refers to it.
struct Missing {
    spellings: Vec<String>,
    places: Vec<String>,
}

/// Pass 2 of reference resolution: rewrites each value that names a task.
struct Rewriter<'n> {
    /// Task names as written → the name to use (renamed, recapitalised, generated).
    rewrite: HashMap<String, String>,
    names: &'n mut Names,
    /// The task standing in for unusable addresses, once one was needed.
    unavailable: Option<String>,
    notes: Vec<Note>,
}

impl Rewriter<'_> {
    fn unavailable(&mut self) -> String {
        let names = &mut *self.names;
        self.unavailable
            .get_or_insert_with(|| names.unique(UNAVAILABLE))
            .clone()
    }

    fn note(&mut self, place: String, problem: String, fix: &str, generated: Option<String>) {
        self.notes.push(Note {
            place,
            problem,
            fix: fix.to_owned(),
            generated,
        });
    }

    fn slot(&mut self, value: &mut Value, place: String, kind: Kind) {
        let text = value.as_str().unwrap_or_default().to_owned();
        match (kind, reference(&text, kind)) {
            (Kind::Handoff, _) => {
                let to = self.unavailable();
                let uri = value
                    .get("handoff")
                    .and_then(|h| h.get("uri"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let what = if uri.trim().is_empty() {
                    "is empty".to_owned()
                } else {
                    format!(
                        "`{uri}` is no phone number, SIP address, URL or taskrouter:// workflow"
                    )
                };
                *value = json!({ "redirect": format!("task://{to}") });
                self.note(
                    place,
                    format!(
                        "the handoff's `uri` {what}, so it cannot connect the caller to anyone; \
                         Switchboard redirects to task `{to}` instead"
                    ),
                    "set `uri` to the number, SIP address, TwiML URL or TaskRouter workflow \
                     that should take the call",
                    Some(to),
                );
            }
            (Kind::ListenEntry, Ref::Task(name)) => {
                let name = self.rewrite.get(name).map_or(name, String::as_str);
                *value = if text.trim().starts_with("task://") {
                    json!(format!("task://{name}"))
                } else {
                    json!(name)
                };
            }
            (_, Ref::Task(name)) => {
                let name = self.rewrite.get(name).map_or(name, String::as_str);
                *value = json!(format!("task://{name}"));
            }
            (_, Ref::Web) => {}
            (Kind::ListenEntry, _) => {
                *value = Value::Null;
                self.note(
                    place,
                    "an empty entry in `listen.tasks`; it is left out".to_owned(),
                    "name a task in each entry, or remove the empty one",
                    None,
                );
            }
            (Kind::Default, found) => {
                *value = Value::Null;
                let problem = match found {
                    Ref::Blank => {
                        "this default is empty; Switchboard treats it as not set".to_owned()
                    }
                    _ => format!(
                        "`{text}` is neither a task (\"task://name\") nor a web address; \
                         Switchboard treats this default as not set"
                    ),
                };
                self.note(
                    place,
                    problem,
                    "write \"task://<task name>\", or remove the key",
                    None,
                );
            }
            (_, found) => {
                let to = self.unavailable();
                let problem = match found {
                    Ref::Blank => format!(
                        "the redirect's address is empty; Switchboard redirects to task `{to}` \
                         instead"
                    ),
                    _ => format!(
                        "redirect to `{text}`, which is neither a task (\"task://name\") nor a \
                         web address; Switchboard redirects to task `{to}` instead"
                    ),
                };
                *value = json!(format!("task://{to}"));
                self.note(
                    place,
                    problem,
                    "point it at a task (\"task://name\") or at the web service that should \
                     answer (https://…)",
                    Some(to),
                );
            }
        }
    }
}

struct Converter<'p> {
    path: &'p Path,
    warnings: Vec<FlowError>,
}

impl Converter<'_> {
    fn warn(
        &mut self,
        place: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.warnings.push(FlowError {
            file: self.path.to_path_buf(),
            place: place.into(),
            problem: problem.into(),
            fix: fix.into(),
        });
    }

    fn run(mut self, root: &Value) -> Import {
        let empty = Map::new();
        let top = root.as_object().unwrap_or(&empty);
        let mut names = Names::default();

        // Tasks (the 2018 format's intents), all named first so references resolve in any order.
        let entries: Vec<(String, &Value)> = ["tasks", "intents"]
            .into_iter()
            .filter_map(|key| {
                top.get(key)
                    .and_then(Value::as_array)
                    .map(|list| (key, list))
            })
            .flat_map(|(key, list)| {
                list.iter()
                    .enumerate()
                    .map(move |(i, v)| (format!("{key}[{i}]"), v))
            })
            .collect();
        let (named, renames) = self.name_tasks(&entries, &mut names);
        let mut tasks: Vec<TaskOut> = named
            .into_iter()
            .map(|(i, name)| {
                let (place, value) = &entries[i];
                self.task(place, value, name)
            })
            .collect();

        let field_types = match ["fieldTypes", "field_types", "types"]
            .into_iter()
            .find(|key| top.get(*key).is_some_and(|v| !v.is_null()))
        {
            Some(key) => self.field_types(key, &top[key]),
            None => Vec::new(),
        };
        let declared: HashSet<&str> = field_types.iter().map(|t| t.name.as_str()).collect();
        self.check_field_types(&mut tasks, &declared);

        let (mut defaults, defaults_place) = self.defaults(top.get("defaults"));
        let style_sheet = ["styleSheet", "style_sheet"]
            .into_iter()
            .find_map(|key| top.get(key).filter(|v| !v.is_null()))
            .map(|style| match style.get("style_sheet") {
                Some(inner) if inner.is_object() => inner.clone(),
                _ => style.clone(),
            });

        // The 2018 format kept the fallback and greeting outside the intents.
        for (keys, preferred, default) in [
            (
                ["fallbackActions", "fallback_actions"],
                "fallback",
                "fallback",
            ),
            (
                ["initiationActions", "initiation_actions"],
                "initiation",
                "assistant_initiation",
            ),
        ] {
            let Some((key, value)) = keys
                .into_iter()
                .find_map(|k| top.get(k).filter(|v| !v.is_null()).map(|v| (k, v)))
            else {
                continue;
            };
            let name = names.unique(preferred);
            let (actions, actions_place) = self.actions(key.to_owned(), &name, Some(value));
            match defaults.get(default).filter(|v| !v.is_null()) {
                Some(other) => self.warn(
                    format!("{defaults_place}.{default}"),
                    format!(
                        "`{key}` became task `{name}`, but `{default}` already names {other}, \
                         so nothing runs `{name}`"
                    ),
                    format!("remove `{key}`, or point `{default}` at \"task://{name}\""),
                ),
                None => {
                    defaults.insert(default.to_owned(), json!(format!("task://{name}")));
                }
            }
            tasks.push(TaskOut {
                name,
                place: key.to_owned(),
                actions_place,
                samples: Vec::new(),
                fields: Vec::new(),
                actions,
            });
        }

        let generated = self.references(
            &mut tasks,
            &mut defaults,
            &defaults_place,
            renames,
            &mut names,
        );
        for task in &mut tasks {
            // Left-out items are blanked first, so warnings name places as in the export.
            self.repair_addresses(task);
            let actions = Value::Array(task.actions.clone());
            self.scan(&task.actions_place, &actions, None);
            compact(task);
        }
        self.scan_defaults(&defaults, &defaults_place);
        tasks.extend(generated);

        let name = ["friendlyName", "friendly_name", "uniqueName", "unique_name"]
            .into_iter()
            .find_map(|key| top.get(key).and_then(Value::as_str))
            .filter(|name| !name.trim().is_empty())
            .map(str::to_owned);
        let settings = SettingsFile {
            name,
            defaults,
            style_sheet,
            field_types,
        };
        let mut files = vec![SourceFile {
            path: PathBuf::from(format!("{} (settings)", self.path.display())),
            role: Role::Settings,
            text: pretty(&settings),
        }];
        tasks.sort_by_cached_key(|t| format!("{}.json", t.name));
        for task in tasks {
            files.push(SourceFile {
                path: PathBuf::from(format!("{} (task {})", self.path.display(), task.name)),
                role: Role::Task(task.name),
                text: pretty(&TaskFile {
                    samples: task.samples,
                    fields: task.fields,
                    actions: task.actions,
                }),
            });
        }
        Import {
            files,
            warnings: self.warnings,
        }
    }

    /// Final names for the export's tasks: `(entry index, name)` for each task kept, and the
    /// renamed ones as `original → new`. Duplicates (ignoring case) are dropped, names the loader
    /// cannot take are made valid without colliding with names that already were.
    fn name_tasks(
        &mut self,
        entries: &[(String, &Value)],
        names: &mut Names,
    ) -> (Vec<(usize, String)>, HashMap<String, String>) {
        let mut first: HashMap<String, String> = HashMap::new();
        let mut kept: Vec<(usize, Option<String>)> = Vec::new();
        for (i, (place, value)) in entries.iter().enumerate() {
            if !value.is_object() {
                self.warn(
                    place.clone(),
                    format!(
                        "expected a task object, found {}; it is left out",
                        kind(value)
                    ),
                    "remove it, or write a task with uniqueName, samples and actions",
                );
                continue;
            }
            let original = string_at(value, &["uniqueName", "unique_name"]);
            let Some(original) = original.filter(|n| !n.is_empty()) else {
                kept.push((i, None));
                continue;
            };
            if let Some(earlier) = first.get(&original.to_lowercase()) {
                self.warn(
                    format!("{place}.uniqueName"),
                    format!(
                        "task name `{original}` is already used by {earlier} (names are compared \
                         ignoring case); Switchboard keeps the first and leaves this one out"
                    ),
                    "rename one of the two tasks, or delete the duplicate",
                );
                continue;
            }
            first.insert(original.to_lowercase(), place.clone());
            if valid_name(original) {
                names.take(original);
                kept.push((i, Some(original.to_owned())));
            } else {
                kept.push((i, None));
            }
        }
        let mut renames = HashMap::new();
        let mut named = Vec::new();
        for (i, name) in kept {
            let name = match name {
                Some(name) => name,
                None => {
                    let (place, value) = &entries[i];
                    match string_at(value, &["uniqueName", "unique_name"]).filter(|n| !n.is_empty())
                    {
                        Some(original) => {
                            let new = names.unique(&sanitize(original));
                            self.warn(
                                format!("{place}.uniqueName"),
                                format!(
                                    "task name `{original}` has characters task names cannot \
                                     use; the task is renamed `{new}` and every reference to it \
                                     follows"
                                ),
                                "use only letters, digits, `_` and `-` in task names",
                            );
                            renames.insert(original.to_owned(), new.clone());
                            new
                        }
                        None => {
                            let base = string_at(value, &["friendlyName", "friendly_name"])
                                .map(sanitize)
                                .unwrap_or_else(|| "task".to_owned());
                            let new = names.unique(&base);
                            self.warn(
                                format!("{place}.uniqueName"),
                                format!(
                                    "the task has no `uniqueName`; Switchboard names it `{new}`"
                                ),
                                "give every task a uniqueName",
                            );
                            new
                        }
                    }
                }
            };
            named.push((i, name));
        }
        (named, renames)
    }

    fn task(&mut self, place: &str, value: &Value, name: String) -> TaskOut {
        let samples = self.samples(place, value.get("samples"));
        let fields = self.fields(place, value.get("fields"));
        let (actions, actions_place) =
            self.actions(format!("{place}.actions"), &name, value.get("actions"));
        TaskOut {
            name,
            place: place.to_owned(),
            actions_place,
            samples,
            fields,
            actions,
        }
    }

    fn samples(&mut self, place: &str, value: Option<&Value>) -> Vec<String> {
        let mut out = Vec::new();
        for (i, sample) in value
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let text = sample
                .as_str()
                .or_else(|| string_at(sample, &["taggedText", "tagged_text", "text"]));
            match text {
                Some(text) if !text.trim().is_empty() => out.push(text.to_owned()),
                Some(_) => {}
                None => self.warn(
                    format!("{place}.samples[{i}]"),
                    "a sample without `taggedText`; it is left out",
                    r#"write samples as {"language": "en-US", "taggedText": "book a table"}"#,
                ),
            }
        }
        out
    }

    fn fields(&mut self, place: &str, value: Option<&Value>) -> Vec<FieldOut> {
        let mut out = Vec::new();
        for (i, field) in value
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let name = string_at(field, &["uniqueName", "unique_name", "name"]);
            let ty = string_at(field, &["fieldType", "field_type", "type"]);
            match (name, ty) {
                (Some(name), Some(ty)) if !name.is_empty() && !ty.is_empty() => {
                    out.push(FieldOut {
                        name: name.to_owned(),
                        ty: ty.to_owned(),
                    })
                }
                _ => self.warn(
                    format!("{place}.fields[{i}]"),
                    "a field needs a `uniqueName` and a `fieldType`; it is left out",
                    r#"write {"uniqueName": "city", "fieldType": "Twilio.CITY"}"#,
                ),
            }
        }
        out
    }

    /// A task's actions, unwrapped from `{"actions": {"actions": […]}}`, `{"actions": […]}` or a
    /// bare array, with the JSON path of the array.
    fn actions(&mut self, base: String, name: &str, value: Option<&Value>) -> (Vec<Value>, String) {
        let no_actions = |found: String| {
            (
                format!(
                    "task `{name}` has {found}; as in Autopilot, a caller who reaches it hears \
                     nothing more and the dialogue ends"
                ),
                r#"add actions, e.g. [{"say": "…"}, {"listen": true}]"#,
            )
        };
        let (actions, place) = match value.filter(|v| !v.is_null()) {
            None => (None, base),
            Some(value) => match unwrap_actions(value, base.clone(), 0) {
                Some(found) => (Some(found.0), found.1),
                None => {
                    let (problem, fix) =
                        no_actions(format!("`actions` that are {}, not a list", kind(value)));
                    self.warn(base.clone(), problem, fix);
                    return (Vec::new(), base);
                }
            },
        };
        match actions {
            Some(actions) if !actions.is_empty() => (actions, place),
            _ => {
                let (problem, fix) = no_actions("no actions".to_owned());
                self.warn(place.clone(), problem, fix);
                (Vec::new(), place)
            }
        }
    }

    /// `fieldTypes` as `field_types`: values grouped with their synonyms.
    fn field_types(&mut self, key: &str, value: &Value) -> Vec<FieldTypeOut> {
        let Some(list) = value.as_array() else {
            self.warn(
                key,
                format!(
                    "expected an array of field types, found {}; it is ignored",
                    kind(value)
                ),
                r#"write "fieldTypes": [{"uniqueName": "size", "values": [...]}]"#,
            );
            return Vec::new();
        };
        let mut out: Vec<FieldTypeOut> = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        for (i, ty) in list.iter().enumerate() {
            let place = format!("{key}[{i}]");
            let Some(name) =
                string_at(ty, &["uniqueName", "unique_name", "name"]).filter(|n| !n.is_empty())
            else {
                self.warn(
                    place,
                    "a field type without a `uniqueName`; it is left out",
                    "give the field type a uniqueName",
                );
                continue;
            };
            if let Some(earlier) = seen.get(name) {
                self.warn(
                    format!("{place}.uniqueName"),
                    format!(
                        "field type `{name}` is already defined at {earlier}; Switchboard keeps the \
                         first and leaves this one out"
                    ),
                    "merge the two field types, or rename one",
                );
                continue;
            }
            seen.insert(name.to_owned(), place.clone());
            let mut values: Vec<FieldValueOut> = Vec::new();
            let mut synonyms: Vec<(usize, &str, &str)> = Vec::new();
            let items = ty.get("values").and_then(Value::as_array);
            for (j, item) in items.into_iter().flatten().enumerate() {
                let (text, of) = match item {
                    Value::String(text) => (Some(text.as_str()), None),
                    _ => (
                        item.get("value").and_then(Value::as_str),
                        string_at(item, &["synonymOf", "synonym_of"])
                            .filter(|s| !s.trim().is_empty()),
                    ),
                };
                let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
                    self.warn(
                        format!("{place}.values[{j}]"),
                        format!(
                            "a value of field type `{name}` without `value` text; it is left out"
                        ),
                        r#"write {"language": "en-US", "value": "large", "synonymOf": null}"#,
                    );
                    continue;
                };
                match of {
                    None => {
                        if !values.iter().any(|v| v.value == text) {
                            values.push(FieldValueOut {
                                value: text.to_owned(),
                                synonyms: Vec::new(),
                            });
                        }
                    }
                    Some(of) => synonyms.push((j, text, of)),
                }
            }
            for (j, text, of) in synonyms {
                let found = values.iter().position(|v| v.value == of).or_else(|| {
                    values
                        .iter()
                        .position(|v| v.value.to_lowercase() == of.to_lowercase())
                });
                match found {
                    Some(k) => {
                        let value = &mut values[k];
                        if value.value != text && !value.synonyms.iter().any(|s| s == text) {
                            value.synonyms.push(text.to_owned());
                        }
                    }
                    None => {
                        self.warn(
                            format!("{place}.values[{j}].synonymOf"),
                            format!(
                                "`{text}` is a synonym of `{of}`, but field type `{name}` has no \
                                 value `{of}`; Switchboard treats `{text}` as a value of its own"
                            ),
                            format!(
                                "add `{of}` as a value of `{name}`, or make `{text}` a synonym of \
                                 one of its values"
                            ),
                        );
                        if !values.iter().any(|v| v.value == text) {
                            values.push(FieldValueOut {
                                value: text.to_owned(),
                                synonyms: Vec::new(),
                            });
                        }
                    }
                }
            }
            if values.is_empty() {
                self.warn(
                    format!("{place}.values"),
                    format!(
                        "field type `{name}` has no values; Switchboard leaves it out, and fields \
                         and questions of this type take any answer"
                    ),
                    format!("add values to `{name}`, or remove it"),
                );
                continue;
            }
            out.push(FieldTypeOut {
                name: name.to_owned(),
                values,
            });
        }
        out
    }

    /// Task fields and collect questions whose custom type is not defined: a field is left out
    /// (it only marks sample tags), a question takes any answer.
    fn check_field_types(&mut self, tasks: &mut [TaskOut], declared: &HashSet<&str>) {
        let known = |ty: &str| {
            declared.contains(ty)
                || ty
                    .get(..7)
                    .is_some_and(|p| p.eq_ignore_ascii_case("twilio."))
        };
        for task in tasks {
            let mut kept = Vec::new();
            for field in std::mem::take(&mut task.fields) {
                if known(&field.ty) {
                    kept.push(field);
                } else {
                    // Its tags go from the samples with it: a tag must name a field, and the
                    // words around it still say what the caller wants.
                    let tag = format!("{{{}}}", field.name);
                    for sample in &mut task.samples {
                        if sample.contains(&tag) {
                            *sample = sample
                                .replace(&tag, " ")
                                .split_whitespace()
                                .collect::<Vec<_>>()
                                .join(" ");
                        }
                    }
                    task.samples.retain(|s| !s.is_empty());
                    self.warn(
                        format!("{}.fields", task.place),
                        format!(
                            "field `{}` of task `{}` has type `{}`, which is not defined; the \
                             field is left out, and its tags taken out of the samples",
                            field.name, task.name, field.ty
                        ),
                        format!(
                            "define `{}` under fieldTypes, or use a Twilio type",
                            field.ty
                        ),
                    );
                }
            }
            task.fields = kept;
            for (i, action) in task.actions.iter_mut().enumerate() {
                let questions = action
                    .get_mut("collect")
                    .and_then(|c| c.get_mut("questions"))
                    .and_then(Value::as_array_mut);
                for (j, question) in questions.into_iter().flatten().enumerate() {
                    let Some(q) = question.as_object_mut() else {
                        continue;
                    };
                    let Some(ty) = q.get("type").and_then(Value::as_str) else {
                        continue;
                    };
                    if known(ty) {
                        continue;
                    }
                    let ty = ty.to_owned();
                    q.remove("type");
                    self.warn(
                        format!("{}[{i}].collect.questions[{j}].type", task.actions_place),
                        format!(
                            "field type `{ty}` is not defined; Switchboard drops the `type`, so \
                             the question takes any answer"
                        ),
                        format!("define `{ty}` under fieldTypes, or use a Twilio type"),
                    );
                }
            }
        }
    }

    /// The defaults object, unwrapped from `{"defaults": {"defaults": {…}}}` if need be, with its
    /// JSON path.
    fn defaults(&mut self, value: Option<&Value>) -> (Map<String, Value>, String) {
        match value {
            None | Some(Value::Null) => (Map::new(), "defaults".to_owned()),
            Some(Value::Object(outer)) => match outer.get("defaults") {
                Some(Value::Object(inner)) => (inner.clone(), "defaults.defaults".to_owned()),
                _ => (outer.clone(), "defaults".to_owned()),
            },
            Some(other) => {
                self.warn(
                    "defaults",
                    format!("expected an object, found {}; it is ignored", kind(other)),
                    r#"write "defaults": {"defaults": {"fallback": "task://fallback"}}"#,
                );
                (Map::new(), "defaults".to_owned())
            }
        }
    }

    /// Resolves every task reference: follows renames and capitalisation slips, generates a task
    /// for each missing one, and sends redirects and handoffs with no usable address to one
    /// "unavailable" task. Returns the generated tasks.
    fn references(
        &mut self,
        tasks: &mut [TaskOut],
        defaults: &mut Map<String, Value>,
        defaults_place: &str,
        renames: HashMap<String, String>,
        names: &mut Names,
    ) -> Vec<TaskOut> {
        // Pass 1: every name referred to, and where.
        let mut found: Vec<(String, String)> = Vec::new();
        visit(
            tasks,
            defaults,
            defaults_place,
            &mut |value, place, kind| {
                if kind != Kind::Handoff
                    && let Ref::Task(name) = reference(value.as_str().unwrap_or_default(), kind)
                {
                    found.push((name.to_owned(), place));
                }
            },
        );

        let exact: HashSet<&str> = tasks.iter().map(|t| t.name.as_str()).collect();
        let mut by_lower: HashMap<String, String> = tasks
            .iter()
            .map(|t| (t.name.to_lowercase(), t.name.clone()))
            .collect();
        for (original, new) in &renames {
            by_lower.insert(original.to_lowercase(), new.clone());
        }
        let mut rewrite: HashMap<String, String> = HashMap::new();
        let mut case_slips: Vec<(String, String, Vec<String>)> = Vec::new();
        let mut missing: Vec<Missing> = Vec::new();
        let mut missing_index: HashMap<String, usize> = HashMap::new();
        for (name, place) in found {
            // Renamed tasks were reported where they are defined.
            if exact.contains(name.as_str()) || renames.contains_key(&name) {
                continue;
            }
            let lower = name.to_lowercase();
            if let Some(real) = by_lower.get(&lower) {
                match case_slips.iter_mut().find(|slip| slip.0 == name) {
                    Some(slip) => slip.2.push(place),
                    None => {
                        rewrite.insert(name.clone(), real.clone());
                        case_slips.push((name, real.clone(), vec![place]));
                    }
                }
                continue;
            }
            match missing_index.get(&lower) {
                Some(&m) => {
                    if !missing[m].spellings.contains(&name) {
                        missing[m].spellings.push(name);
                    }
                    missing[m].places.push(place);
                }
                None => {
                    missing_index.insert(lower, missing.len());
                    missing.push(Missing {
                        spellings: vec![name],
                        places: vec![place],
                    });
                }
            }
        }
        rewrite.extend(renames);
        // Valid names first, so `task://a_b` keeps its name when `task://a b` is missing too.
        let mut stubs: Vec<(String, usize)> = Vec::new();
        for pass_valid in [true, false] {
            for (m, group) in missing.iter().enumerate() {
                if valid_name(&group.spellings[0]) != pass_valid {
                    continue;
                }
                let stub = names.unique(&sanitize(&group.spellings[0]));
                for spelling in &group.spellings {
                    if *spelling != stub {
                        rewrite.insert(spelling.clone(), stub.clone());
                    }
                }
                stubs.push((stub, m));
            }
        }
        stubs.sort_by_key(|(_, m)| *m);

        // Pass 2: rewrite.
        let mut rewriter = Rewriter {
            rewrite,
            names,
            unavailable: None,
            notes: Vec::new(),
        };
        visit(
            tasks,
            defaults,
            defaults_place,
            &mut |value, place, kind| {
                rewriter.slot(value, place, kind);
            },
        );
        let Rewriter {
            unavailable, notes, ..
        } = rewriter;
        drop_nulls(tasks, defaults);

        // What generated tasks do after apologising: the fallback task, unless that leads
        // straight back to a generated task (a redirect loop), in which case they listen.
        let mut generated: HashSet<String> = stubs.iter().map(|(s, _)| s.clone()).collect();
        generated.extend(unavailable.iter().cloned());
        let fallback = defaults
            .get("fallback")
            .and_then(Value::as_str)
            .and_then(|uri| uri.strip_prefix("task://"))
            .filter(|name| !generated.contains(*name) && tasks.iter().any(|t| t.name == *name))
            .filter(|name| !reaches(name, tasks, &generated))
            .map(str::to_owned);
        let (tail, tail_text) = match &fallback {
            Some(name) => (
                json!({ "redirect": format!("task://{name}") }),
                format!("then goes on to the fallback task `{name}`"),
            ),
            None => (
                json!({ "listen": true }),
                "then listens for what the caller wants next".to_owned(),
            ),
        };
        let does = format!("says \"{APOLOGY}\" and {tail_text}");

        for (stub, m) in &stubs {
            let group = &missing[*m];
            let name = &group.spellings[0];
            let places = group.places.join(", ");
            let renamed = if stub == name {
                String::new()
            } else {
                format!(" (named `{stub}`: task names use only letters, digits, `_` and `-`)")
            };
            self.warn(
                group.places[0].clone(),
                format!(
                    "there is no task `{name}`, but {places} refer{s} to it; Switchboard adds a \
                     task `{stub}`{renamed} that {does}",
                    s = if group.places.len() == 1 { "s" } else { "" },
                ),
                format!(
                    "add the task `{name}` to the assistant with what it should do, or point \
                     the reference{s} at an existing task",
                    s = if group.places.len() == 1 { "" } else { "s" },
                ),
            );
        }
        for (written, real, places) in case_slips {
            self.warn(
                places[0].clone(),
                format!(
                    "no task is named `{written}`, but task `{real}` is (capitals differ); \
                     Switchboard points {} at `{real}`",
                    if places.len() == 1 {
                        "this reference".to_owned()
                    } else {
                        format!("these references ({})", places.join(", "))
                    }
                ),
                format!("write \"task://{real}\""),
            );
        }
        for note in notes {
            let problem = match &note.generated {
                Some(_) => format!("{}, which {does}", note.problem),
                None => note.problem,
            };
            self.warn(note.place, problem, note.fix);
        }

        let apology = |name: String| TaskOut {
            name,
            place: String::new(),
            actions_place: String::new(),
            samples: Vec::new(),
            fields: Vec::new(),
            actions: vec![json!({ "say": APOLOGY }), tail.clone()],
        };
        stubs
            .into_iter()
            .map(|(name, _)| name)
            .chain(unavailable)
            .map(apology)
            .collect()
    }

    /// Leaves out what needs a web address but has none (a template's placeholder, typically):
    /// a `play`, a `show` image, a validation webhook. Each would otherwise stop the bot loading.
    /// Actions and images left out become `null` until [`compact`].
    fn repair_addresses(&mut self, task: &mut TaskOut) {
        for (i, action) in task.actions.iter_mut().enumerate() {
            let place = format!("{}[{i}]", task.actions_place);
            if let Some(play) = action.get("play") {
                let url = play
                    .as_str()
                    .or_else(|| play.get("url").and_then(Value::as_str));
                if let Some(url) = url.filter(|u| !web_address(u)) {
                    self.warn(
                        format!("{place}.play"),
                        format!("`{url}` is not an audio file's address; the `play` is left out"),
                        "write the https:// address of the audio file",
                    );
                    *action = Value::Null;
                    continue;
                }
            }
            let images = action
                .get_mut("show")
                .and_then(|s| s.get_mut("images"))
                .and_then(Value::as_array_mut);
            if let Some(images) = images {
                for (j, image) in images.iter_mut().enumerate() {
                    let url = image.get("url").and_then(Value::as_str).unwrap_or_default();
                    if web_address(url) {
                        continue;
                    }
                    self.warn(
                        format!("{place}.show.images[{j}].url"),
                        format!(
                            "`{url}` is not an image's address (a template's placeholder?); the \
                             image is left out"
                        ),
                        "write the https:// address of the image",
                    );
                    *image = Value::Null;
                }
            }
            let questions = action
                .get_mut("collect")
                .and_then(|c| c.get_mut("questions"))
                .and_then(Value::as_array_mut);
            for (j, question) in questions.into_iter().flatten().enumerate() {
                let Some(validate) = question.get_mut("validate").and_then(Value::as_object_mut)
                else {
                    continue;
                };
                let url = match validate.get("webhook") {
                    Some(webhook) => webhook
                        .get("url")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                    None => continue,
                };
                if web_address(url) {
                    continue;
                }
                self.warn(
                    format!("{place}.collect.questions[{j}].validate.webhook.url"),
                    format!(
                        "`{url}` is not a web address, so it cannot check answers; the webhook \
                         is left out and the question's other checks apply"
                    ),
                    "write the https:// address of the validation webhook",
                );
                validate.remove("webhook");
            }
        }
    }

    /// Warns about template placeholders left in addresses and spoken texts.
    fn scan(&mut self, place: &str, value: &Value, key: Option<&str>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    self.scan(&format!("{place}.{k}"), v, Some(k));
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    self.scan(&format!("{place}[{i}]"), v, None);
                }
            }
            Value::String(text) => match key {
                Some("uri" | "url" | "redirect") => self.check_url(place, text),
                Some("say" | "speech" | "question") => {
                    if let Some(placeholder) = template_placeholder(text) {
                        self.warn(
                            place,
                            format!(
                                "the text still has the template's placeholder `{placeholder}`, \
                                 which callers will hear as written"
                            ),
                            "write the real information in its place",
                        );
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }

    fn scan_defaults(&mut self, defaults: &Map<String, Value>, place: &str) {
        for (key, value) in defaults {
            match value {
                Value::String(text) => self.check_url(&format!("{place}.{key}"), text),
                Value::Object(inner) => {
                    for (k, v) in inner {
                        if let Some(text) = v.as_str() {
                            self.check_url(&format!("{place}.{key}.{k}"), text);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn check_url(&mut self, place: &str, url: &str) {
        if !url.starts_with("task://") && is_placeholder_url(url) {
            self.warn(
                place,
                format!(
                    "`{url}` is a template placeholder, not a real address; Switchboard keeps it \
                     as written, so whatever uses it fails (and the call falls back) until it \
                     points at the real service"
                ),
                "replace it with the address of your web service (e.g. your Twilio Function's \
                 https:// URL) or file",
            );
        }
    }
}

/// Calls `f` on every value that can name a task: in the defaults, then in each task's actions.
fn visit(
    tasks: &mut [TaskOut],
    defaults: &mut Map<String, Value>,
    defaults_place: &str,
    f: &mut dyn FnMut(&mut Value, String, Kind),
) {
    for key in ["assistant_initiation", "fallback"] {
        if let Some(value) = defaults.get_mut(key).filter(|v| v.is_string()) {
            f(value, format!("{defaults_place}.{key}"), Kind::Default);
        }
    }
    if let Some(value) = defaults
        .get_mut("collect")
        .and_then(|c| c.get_mut("validate_on_failure"))
        .filter(|v| v.is_string())
    {
        f(
            value,
            format!("{defaults_place}.collect.validate_on_failure"),
            Kind::Default,
        );
    }
    for task in tasks {
        for (i, action) in task.actions.iter_mut().enumerate() {
            let place = format!("{}[{i}]", task.actions_place);
            let unusable_handoff =
                action
                    .get("handoff")
                    .filter(|h| h.is_object())
                    .is_some_and(|h| {
                        !h.get("uri")
                            .and_then(Value::as_str)
                            .is_some_and(handoff_address)
                    });
            if unusable_handoff {
                f(action, format!("{place}.handoff.uri"), Kind::Handoff);
                continue;
            }
            if let Some(target) = action.get_mut("redirect") {
                visit_target(target, format!("{place}.redirect"), f);
            }
            if let Some(collect) = action.get_mut("collect") {
                if let Some(target) = collect
                    .get_mut("on_complete")
                    .and_then(|c| c.get_mut("redirect"))
                {
                    visit_target(target, format!("{place}.collect.on_complete.redirect"), f);
                }
                let questions = collect.get_mut("questions").and_then(Value::as_array_mut);
                for (j, question) in questions.into_iter().flatten().enumerate() {
                    if let Some(target) = question
                        .get_mut("validate")
                        .and_then(|v| v.get_mut("max_attempts"))
                        .and_then(|m| m.get_mut("redirect"))
                    {
                        visit_target(
                            target,
                            format!(
                                "{place}.collect.questions[{j}].validate.max_attempts.redirect"
                            ),
                            f,
                        );
                    }
                }
            }
            let listen = action
                .get_mut("listen")
                .and_then(|l| l.get_mut("tasks"))
                .and_then(Value::as_array_mut);
            for (j, entry) in listen.into_iter().flatten().enumerate() {
                if entry.is_string() {
                    f(
                        entry,
                        format!("{place}.listen.tasks[{j}]"),
                        Kind::ListenEntry,
                    );
                }
            }
        }
    }
}

/// A redirect target: the string itself, or the `uri` of `{"uri": …, "method": …}`.
fn visit_target(value: &mut Value, place: String, f: &mut dyn FnMut(&mut Value, String, Kind)) {
    match value {
        Value::String(_) => f(value, place, Kind::Target),
        Value::Object(map) => {
            if let Some(uri) = map.get_mut("uri").filter(|u| u.is_string()) {
                f(uri, format!("{place}.uri"), Kind::Target);
            }
        }
        _ => {}
    }
}

/// Removes the entries pass 2 blanked out: empty `listen.tasks` entries and empty defaults.
fn drop_nulls(tasks: &mut [TaskOut], defaults: &mut Map<String, Value>) {
    for task in tasks {
        for action in &mut task.actions {
            let Some(listen) = action.get_mut("listen").and_then(Value::as_object_mut) else {
                continue;
            };
            if let Some(Value::Array(list)) = listen.get_mut("tasks") {
                let before = list.len();
                list.retain(|v| !v.is_null());
                if list.is_empty() && before > 0 {
                    // Nothing left to restrict to: listen for any task.
                    listen.remove("tasks");
                }
            }
        }
    }
    defaults.retain(|_, v| !v.is_null());
    if let Some(Value::Object(collect)) = defaults.get_mut("collect") {
        collect.retain(|_, v| !v.is_null());
        if collect.is_empty() {
            defaults.remove("collect");
        }
    }
}

/// Removes the actions and `show` images [`Converter::repair_addresses`] left out.
fn compact(task: &mut TaskOut) {
    task.actions.retain(|action| !action.is_null());
    for action in &mut task.actions {
        let images = action
            .get_mut("show")
            .and_then(|s| s.get_mut("images"))
            .and_then(Value::as_array_mut);
        if let Some(images) = images {
            images.retain(|image| !image.is_null());
        }
    }
}

/// Whether running `start` leads, through redirects alone (no caller input in between), to one
/// of `targets`.
fn reaches(start: &str, tasks: &[TaskOut], targets: &HashSet<String>) -> bool {
    let by_name: HashMap<&str, &TaskOut> = tasks.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut seen = HashSet::new();
    let mut current = start;
    loop {
        if targets.contains(current) {
            return true;
        }
        if !seen.insert(current) {
            return false;
        }
        let Some(task) = by_name.get(current) else {
            return false;
        };
        let mut next = None;
        for action in &task.actions {
            let waits = action.get("collect").is_some()
                || action.get("handoff").is_some()
                || action
                    .get("listen")
                    .is_some_and(|l| *l != Value::Bool(false));
            if waits {
                return false;
            }
            if let Some(target) = action.get("redirect") {
                next = target
                    .as_str()
                    .or_else(|| target.get("uri").and_then(Value::as_str))
                    .and_then(|uri| uri.strip_prefix("task://"));
                break;
            }
        }
        match next {
            Some(name) => current = name,
            None => return false,
        }
    }
}

/// Actions from `{"actions": {"actions": […]}}`, `{"actions": […]}`, a bare array, or any of
/// these as a JSON string; with the JSON path of the array.
fn unwrap_actions(value: &Value, place: String, depth: u8) -> Option<(Vec<Value>, String)> {
    if depth > 4 {
        return None;
    }
    match value {
        Value::Array(list) => Some((list.clone(), place)),
        Value::Object(map) => {
            let inner = map.get("actions")?;
            unwrap_actions(inner, format!("{place}.actions"), depth + 1)
        }
        Value::String(text) => {
            let parsed: Value = serde_json::from_str(text).ok()?;
            unwrap_actions(&parsed, place, depth + 1)
        }
        _ => None,
    }
}

/// The first of `keys` that holds a string.
fn string_at<'v>(value: &'v Value, keys: &[&str]) -> Option<&'v str> {
    keys.iter()
        .find_map(|k| value.get(k).and_then(Value::as_str))
}

/// True for names the loader accepts as task names.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A valid task name made from any text: other characters become `_`.
fn sanitize(name: &str) -> String {
    let name: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.trim_matches('_').is_empty() {
        "task".to_owned()
    } else {
        name
    }
}

/// True for an http(s) address.
fn web_address(url: &str) -> bool {
    let url = url.trim();
    url.starts_with("https://") || url.starts_with("http://")
}

/// True for what a handoff can connect to: a URL, `sip:`, `taskrouter://` or a phone number.
fn handoff_address(uri: &str) -> bool {
    let uri = uri.trim();
    if web_address(uri) || uri.starts_with("sip:") || uri.starts_with("taskrouter://") {
        return true;
    }
    let number = uri.strip_prefix("tel:").unwrap_or(uri);
    let digits = number.chars().filter(char::is_ascii_digit).count();
    number
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        && (7..=15).contains(&digits)
}

/// True for addresses that are still a template's placeholder.
fn is_placeholder_url(url: &str) -> bool {
    let url = url.trim();
    let upper = url.to_ascii_uppercase();
    let marked = upper.contains("REPLACE-WITH")
        || upper.contains("YOUR-")
        || url.contains("REPLACE_WITH")
        || url.contains("YOUR_")
        || url.contains("INSERT")
        || url.contains(['{', '}'])
        || url.contains(char::is_whitespace);
    marked
        || host(url).is_some_and(|h| {
            ["example.com", "example.org", "example.net"]
                .iter()
                .any(|e| h == *e || h.ends_with(&format!(".{e}")))
        })
}

/// The host of an absolute URL, lowercased.
fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = host.split(':').next()?;
    Some(host.to_ascii_lowercase())
}

/// A `{single-brace}` placeholder a template asked the author to fill in, e.g.
/// `{insert event schedule URL}`; Switchboard's own `{{placeholders}}` are not one.
fn template_placeholder(text: &str) -> Option<&str> {
    let mut offset = 0;
    while let Some(start) = text[offset..].find('{').map(|s| s + offset) {
        let after = &text[start + 1..];
        if after.starts_with('{') {
            let end = after.find("}}")?;
            offset = start + 1 + end + 2;
            continue;
        }
        let end = after.find('}')?;
        let inner = after[..end].to_ascii_lowercase();
        if ["insert", "replace", "your-", "your "]
            .iter()
            .any(|w| inner.contains(w))
        {
            return Some(&text[start..start + end + 2]);
        }
        offset = start + 1 + end + 1;
    }
    None
}

use super::json::kind_of as kind;

/// Pretty-printed JSON (two-space indent) with a trailing newline. Only called with this
/// module's derived file shapes (strings, lists, `serde_json::Value`s): serialising those cannot
/// fail, since none has a non-string map key or a non-finite float. Runs in `import`, a command,
/// never on a request path.
fn pretty(value: &impl Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values always serialise"); // ok: see above
    text.push('\n');
    text
}

#[cfg(test)]
mod tests;
