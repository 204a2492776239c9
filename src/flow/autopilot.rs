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
                    self.warn(
                        format!("{}.fields", task.place),
                        format!(
                            "field `{}` of task `{}` has type `{}`, which is not defined; the \
                             field is left out",
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

/// Pretty-printed JSON (two-space indent) with a trailing newline.
fn pretty(value: &impl Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values always serialise"); // ok: a Value has no non-string keys or non-finite floats
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{Assistant, load, load_dir};

    fn convert_json(export: &Value) -> Import {
        match convert(
            Path::new("Assistants/Test/schema.json"),
            &export.to_string(),
        ) {
            Ok(import) => import,
            Err(e) => panic!("the export does not convert: {e}"),
        }
    }

    /// Converts and loads, failing on any load error.
    fn loads(export: &Value) -> (Import, Assistant) {
        let import = convert_json(export);
        match load(&import.files) {
            Ok(assistant) => (import, assistant),
            Err(e) => panic!("the converted export does not load: {e}"),
        }
    }

    /// Converts and loads, allowing only errors for actions the loader does not support yet.
    fn loads_or_unsupported(export: &Value) -> Import {
        let import = convert_json(export);
        if let Err(errors) = load(&import.files) {
            for error in &errors.0 {
                assert!(
                    error.problem.contains("not supported yet"),
                    "the converted export does not load: {errors}"
                );
            }
        }
        import
    }

    fn file<'a>(import: &'a Import, role: &Role) -> &'a SourceFile {
        import
            .files
            .iter()
            .find(|f| f.role == *role)
            .unwrap_or_else(|| panic!("no file for {role:?}"))
    }

    fn task(import: &Import, name: &str) -> Value {
        let text = &file(import, &Role::Task(name.to_owned())).text;
        serde_json::from_str(text).expect("task files are JSON")
    }

    fn settings(import: &Import) -> Value {
        serde_json::from_str(&file(import, &Role::Settings).text).expect("settings are JSON")
    }

    fn task_names(import: &Import) -> Vec<&str> {
        import
            .files
            .iter()
            .filter_map(|f| match &f.role {
                Role::Task(name) => Some(name.as_str()),
                Role::Settings => None,
            })
            .collect()
    }

    /// The one warning at `place`, which must say each of `words`.
    #[track_caller]
    fn warning<'a>(import: &'a Import, place: &str, words: &[&str]) -> &'a FlowError {
        let at: Vec<&FlowError> = import
            .warnings
            .iter()
            .filter(|w| w.place == place)
            .collect();
        let [found] = at.as_slice() else {
            panic!(
                "expected one warning at {place}, got {:#?}",
                import.warnings
            );
        };
        for word in words {
            assert!(found.problem.contains(word), "{word:?} not in {found}");
        }
        assert_eq!(found.file, Path::new("Assistants/Test/schema.json"));
        assert!(!found.fix.is_empty(), "{found} has a fix");
        found
    }

    /// The task a default names, once loaded (`set`: the loaded assistant has that default).
    #[track_caller]
    fn default_task(import: &Import, set: bool, key: &str) -> String {
        assert!(set, "the loaded assistant has no {key}");
        let uri = settings(import)["defaults"][key]
            .as_str()
            .map(str::to_owned);
        let uri = uri.unwrap_or_else(|| panic!("no default {key}"));
        uri.strip_prefix("task://").expect("a task").to_owned()
    }

    fn hello_world() -> Value {
        json!({
            "friendlyName": "Hello",
            "uniqueName": "HelloWorld",
            "logQueries": true,
            "defaults": {"defaults": {
                "assistant_initiation": "task://greeting",
                "fallback": "task://fallback",
                "collect": {"validate_on_failure": "task://fallback"}
            }},
            "styleSheet": {"style_sheet": {
                "voice": {"say_voice": "Polly.Joanna"},
                "collect": {"validate": {
                    "on_failure": {"repeat_question": false, "messages": [{"say": "Once more?"}]},
                    "on_success": {"say": ""},
                    "max_attempts": 2
                }}
            }},
            "fieldTypes": [{
                "uniqueName": "pizza_size",
                "values": [
                    {"language": "en-US", "value": "large", "synonymOf": null},
                    {"language": "en-US", "value": "big", "synonymOf": "large"},
                    {"language": "en-US", "value": "small"},
                    {"language": "en-US", "value": "tiny", "synonymOf": "Small"},
                    {"language": "en-US", "value": "huge", "synonymOf": "large"}
                ]
            }],
            "tasks": [
                {
                    "uniqueName": "order",
                    "actions": {"actions": [
                        {"collect": {
                            "name": "pizza",
                            "questions": [{"name": "size", "question": "Which size?", "type": "pizza_size"}],
                            "on_complete": {"redirect": {"method": "POST", "uri": "task://ordered"}}
                        }}
                    ]},
                    "fields": [{"uniqueName": "size", "fieldType": "pizza_size"}],
                    "samples": [
                        {"language": "en-US", "taggedText": "a {size} pizza please"},
                        {"language": "en-US", "taggedText": "order a pizza"},
                        {"language": "en-US", "taggedText": "  "}
                    ]
                },
                {
                    "uniqueName": "ordered",
                    "actions": {"actions": [{"say": "Your {{pizza.size}} pizza is on its way."}]},
                    "fields": [],
                    "samples": []
                },
                {
                    "uniqueName": "greeting",
                    "actions": {"actions": [
                        {"say": "Hi! Want a pizza?"},
                        {"listen": {"tasks": ["order", "task://goodbye"]}}
                    ]},
                    "fields": [],
                    "samples": [{"language": "en-US", "taggedText": "hello"}]
                },
                {
                    "uniqueName": "goodbye",
                    "actions": {"actions": [{"say": "Bye!"}]},
                    "fields": [],
                    "samples": [{"language": "en-US", "taggedText": "bye"}]
                },
                {
                    "uniqueName": "fallback",
                    "actions": {"actions": [{"say": "Sorry?"}, {"listen": true}]},
                    "fields": [],
                    "samples": []
                }
            ],
            "modelBuild": {"uniqueName": "v1"}
        })
    }

    #[test]
    fn recognises_exports() {
        assert!(is_export(&json!({"tasks": []})));
        assert!(is_export(&json!({"intents": [{"uniqueName": "a"}]})));
        assert!(!is_export(&json!({"name": "x", "defaults": {}})));
        assert!(!is_export(&json!({"tasks": {}})));
        assert!(!is_export(&json!([{"tasks": []}])));
    }

    #[test]
    fn refuses_what_is_not_an_export() {
        let path = Path::new("bot.json");
        let errors = convert(path, "{\"tasks\": [").expect_err("not JSON").0;
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].file, path);
        assert!(
            errors[0].place.starts_with("line 1, column"),
            "{}",
            errors[0]
        );
        assert!(errors[0].problem.contains("invalid JSON"));

        let errors = convert(path, r#"{"name": "x"}"#).expect_err("no tasks").0;
        assert_eq!(errors[0].place, "(top level)");
        assert!(
            errors[0].problem.contains("not an Autopilot export"),
            "{}",
            errors[0]
        );
        assert!(errors[0].fix.contains("tasks"), "{}", errors[0]);

        let errors = convert(path, r#"{"tasks": "none"}"#)
            .expect_err("tasks not a list")
            .0;
        assert!(errors[0].problem.contains("not an array"), "{}", errors[0]);
    }

    #[test]
    fn current_format_converts_and_loads() {
        let (import, assistant) = loads(&hello_world());
        assert!(import.warnings.is_empty(), "{:#?}", import.warnings);

        // Settings first, then tasks by file name, as load_dir reads them.
        assert_eq!(import.files[0].role, Role::Settings);
        assert_eq!(
            import.files[0].path,
            Path::new("Assistants/Test/schema.json (settings)")
        );
        assert_eq!(
            task_names(&import),
            ["fallback", "goodbye", "greeting", "order", "ordered"]
        );
        assert_eq!(
            file(&import, &Role::Task("order".into())).path,
            Path::new("Assistants/Test/schema.json (task order)")
        );

        let settings = settings(&import);
        assert_eq!(settings["name"], "Hello");
        assert_eq!(settings["defaults"]["fallback"], "task://fallback");
        assert_eq!(
            settings["style_sheet"]["voice"]["say_voice"],
            "Polly.Joanna"
        );
        assert_eq!(
            settings["field_types"],
            json!([{"name": "pizza_size", "values": [
                {"value": "large", "synonyms": ["big", "huge"]},
                {"value": "small", "synonyms": ["tiny"]}
            ]}])
        );

        let order = task(&import, "order");
        assert_eq!(
            order["samples"],
            json!(["a {size} pizza please", "order a pizza"])
        );
        assert_eq!(
            order["fields"],
            json!([{"name": "size", "type": "pizza_size"}])
        );
        assert_eq!(
            order["actions"][0]["collect"]["on_complete"]["redirect"],
            json!({"method": "POST", "uri": "task://ordered"})
        );
        assert_eq!(
            task(&import, "greeting")["actions"][1],
            json!({"listen": {"tasks": ["order", "task://goodbye"]}})
        );
        // Key order in the file: samples, fields, actions; two-space indent; trailing newline.
        let text = &file(&import, &Role::Task("order".into())).text;
        assert!(
            text.starts_with("{\n  \"samples\": [\n    \"a {size}"),
            "{text}"
        );
        assert!(text.ends_with("]\n}\n"), "{text}");

        assert_eq!(assistant.name, "Hello");
        assert_eq!(assistant.tasks.len(), 5);
        assert_eq!(
            default_task(
                &import,
                assistant.defaults.assistant_initiation.is_some(),
                "assistant_initiation"
            ),
            "greeting"
        );
        assert_eq!(
            default_task(&import, assistant.defaults.fallback.is_some(), "fallback"),
            "fallback"
        );
        assert_eq!(assistant.style.say_voice.as_deref(), Some("Polly.Joanna"));
        assert_eq!(assistant.style.max_attempts, 2);
        let order = assistant.task(assistant.task_id("order").expect("order"));
        assert_eq!(order.samples.len(), 2);
        assert_eq!(order.fields.len(), 1);
    }

    #[test]
    fn single_wrapping_and_bare_arrays_convert_alike() {
        let mut export = hello_world();
        let defaults = export["defaults"]["defaults"].take();
        export["defaults"] = defaults;
        let style = export["styleSheet"]["style_sheet"].take();
        export["styleSheet"] = style;
        for (i, task) in export["tasks"]
            .as_array_mut()
            .expect("tasks")
            .iter_mut()
            .enumerate()
        {
            let actions = task["actions"]["actions"].take();
            task["actions"] = match i % 3 {
                0 => actions,
                1 => json!({ "actions": actions }),
                // Some tools store the actions document as a JSON string.
                _ => json!(json!({ "actions": actions }).to_string()),
            };
        }
        let (single, _) = loads(&export);
        let (double, _) = loads(&hello_world());
        assert!(single.warnings.is_empty(), "{:#?}", single.warnings);
        let texts = |import: &Import| -> Vec<String> {
            import.files.iter().map(|f| f.text.clone()).collect()
        };
        assert_eq!(texts(&single), texts(&double));
    }

    #[test]
    fn legacy_format_with_fallback_and_initiation_actions() {
        let export = json!({
            "friendlyName": "Old bot",
            "types": [{"uniqueName": "colour", "values": [
                {"value": "red"}, {"value": "crimson", "synonymOf": "red"}
            ]}],
            "intents": [
                {
                    "uniqueName": "paint",
                    "actions": {"actions": [{"say": "Painting."}, {"listen": true}]},
                    "fields": [{"uniqueName": "shade", "fieldType": "colour"}],
                    "samples": [{"language": "en-US", "taggedText": "paint it {shade}"}]
                },
                {
                    // Taken, so the fallbackActions task needs another name.
                    "uniqueName": "fallback",
                    "actions": {"actions": [{"say": "I'm the intent called fallback."}]},
                    "samples": [{"language": "en-US", "taggedText": "who are you"}]
                }
            ],
            "fallbackActions": {"actions": [{"say": "Come again?"}, {"listen": true}]},
            "initiationActions": {"actions": {"actions": [{"say": "Hello!"}, {"listen": true}]}}
        });
        let (import, assistant) = loads(&export);
        assert!(import.warnings.is_empty(), "{:#?}", import.warnings);
        assert_eq!(
            task_names(&import),
            ["fallback", "fallback_2", "initiation", "paint"]
        );
        assert_eq!(
            task(&import, "fallback_2"),
            json!({"samples": [], "actions": [{"say": "Come again?"}, {"listen": true}]})
        );
        assert_eq!(
            task(&import, "initiation")["actions"][0],
            json!({"say": "Hello!"})
        );
        assert_eq!(
            settings(&import)["field_types"][0]["values"],
            json!([{"value": "red", "synonyms": ["crimson"]}])
        );
        assert_eq!(
            default_task(&import, assistant.defaults.fallback.is_some(), "fallback"),
            "fallback_2"
        );
        assert_eq!(
            default_task(
                &import,
                assistant.defaults.assistant_initiation.is_some(),
                "assistant_initiation"
            ),
            "initiation"
        );
    }

    #[test]
    fn legacy_actions_do_not_override_defaults() {
        let export = json!({
            "defaults": {"fallback": "task://help"},
            "intents": [{"uniqueName": "help", "actions": [{"say": "Help!"}, {"listen": true}]}],
            "fallbackActions": [{"say": "Never said."}]
        });
        let (import, assistant) = loads(&export);
        warning(
            &import,
            "defaults.fallback",
            &["fallbackActions", "`fallback`", "nothing runs"],
        );
        assert_eq!(
            default_task(&import, assistant.defaults.fallback.is_some(), "fallback"),
            "help"
        );
        assert!(task_names(&import).contains(&"fallback"));
    }

    #[test]
    fn missing_tasks_are_generated_with_one_warning_each() {
        let export = json!({
            "defaults": {"defaults": {"fallback": "task://fallback", "assistant_initiation": "task://welcome"}},
            "tasks": [
                {"uniqueName": "fallback", "actions": {"actions": [{"say": "Pardon?"}, {"listen": true}]}},
                {"uniqueName": "menu", "actions": {"actions": [
                    {"say": "Sales or support?"},
                    {"listen": {"tasks": ["sales", "task://connect_human"]}}
                ]}, "samples": [{"taggedText": "menu"}]},
                {"uniqueName": "sales", "actions": {"actions": [
                    {"collect": {
                        "name": "lead",
                        "questions": [{
                            "name": "phone",
                            "question": "Your number?",
                            "type": "Twilio.PHONE_NUMBER",
                            "validate": {"max_attempts": {"num_attempts": 2, "redirect": "task://connect_human"}}
                        }],
                        "on_complete": {"redirect": {"uri": "task://connect_human", "method": "POST"}}
                    }}
                ]}, "samples": [{"taggedText": "sales"}]},
                {"uniqueName": "support", "actions": {"actions": [
                    {"redirect": "task://connect_human"},
                ]}, "samples": [{"taggedText": "support"}]},
                {"uniqueName": "talk", "actions": [
                    {"redirect": {"uri": "task://talk to a human"}}
                ], "samples": [{"taggedText": "talk"}]}
            ]
        });
        let (import, assistant) = loads(&export);
        assert_eq!(
            task_names(&import),
            [
                "connect_human",
                "fallback",
                "menu",
                "sales",
                "support",
                "talk",
                "talk_to_a_human",
                "welcome"
            ]
        );
        let stub = json!({"samples": [], "actions": [
            {"say": "Sorry, that isn't available right now."},
            {"redirect": "task://fallback"}
        ]});
        assert_eq!(task(&import, "connect_human"), stub);
        assert_eq!(task(&import, "welcome"), stub);
        assert_eq!(task(&import, "talk_to_a_human"), stub);
        assert_eq!(
            task(&import, "talk")["actions"][0],
            json!({"redirect": {"uri": "task://talk_to_a_human"}})
        );

        let w = warning(
            &import,
            "tasks[1].actions.actions[1].listen.tasks[1]",
            &["connect_human", "goes on to the fallback task `fallback`"],
        );
        for place in [
            "tasks[2].actions.actions[0].collect.on_complete.redirect.uri",
            "tasks[2].actions.actions[0].collect.questions[0].validate.max_attempts.redirect",
            "tasks[3].actions.actions[0].redirect",
        ] {
            assert!(w.problem.contains(place), "{place} not in {w}");
        }
        warning(
            &import,
            "defaults.defaults.assistant_initiation",
            &["`welcome`"],
        );
        warning(
            &import,
            "tasks[4].actions[0].redirect.uri",
            &["`talk to a human`", "`talk_to_a_human`"],
        );
        assert_eq!(import.warnings.len(), 3, "{:#?}", import.warnings);
        assert_eq!(
            default_task(
                &import,
                assistant.defaults.assistant_initiation.is_some(),
                "assistant_initiation"
            ),
            "welcome"
        );
    }

    #[test]
    fn a_missing_fallback_is_generated_and_listens() {
        // EventBot's case: the fallback itself is missing, so its stand-in cannot go to it.
        let export = json!({
            "defaults": {"defaults": {"fallback": "task://connect_human"}},
            "tasks": [{"uniqueName": "hi", "actions": {"actions": [{"say": "Hi"}, {"listen": true}]},
                       "samples": [{"taggedText": "hi"}]}]
        });
        let (import, assistant) = loads(&export);
        warning(
            &import,
            "defaults.defaults.fallback",
            &["connect_human", "then listens"],
        );
        assert_eq!(
            task(&import, "connect_human")["actions"],
            json!([{"say": "Sorry, that isn't available right now."}, {"listen": true}])
        );
        assert_eq!(
            default_task(&import, assistant.defaults.fallback.is_some(), "fallback"),
            "connect_human"
        );
    }

    #[test]
    fn capitalisation_slips_point_at_the_real_task() {
        let export = json!({"tasks": [
            {"uniqueName": "Goodbye", "actions": [{"say": "Bye"}]},
            {"uniqueName": "hi", "actions": [{"say": "Hi"}, {"redirect": "task://goodbye"}]}
        ]});
        let (import, _) = loads(&export);
        warning(
            &import,
            "tasks[1].actions[1].redirect",
            &["`goodbye`", "`Goodbye`"],
        );
        assert_eq!(
            task(&import, "hi")["actions"][1],
            json!({"redirect": "task://Goodbye"})
        );
        assert_eq!(task_names(&import), ["Goodbye", "hi"]);
    }

    #[test]
    fn empty_addresses_go_to_one_unavailable_task() {
        let export = json!({
            "defaults": {"defaults": {"fallback": "task://fallback"}},
            "tasks": [
                // The preferred name is taken.
                {"uniqueName": "autopilot_unavailable", "actions": [{"say": "Mine."}]},
                {"uniqueName": "fallback", "actions": [{"say": "Pardon?"}, {"listen": true}]},
                {"uniqueName": "book", "actions": {"actions": [{"collect": {
                    "name": "trip",
                    "questions": [{"name": "when", "question": "When?", "type": "Twilio.DATE"}],
                    "on_complete": {"redirect": {"method": "POST", "uri": ""}}
                }}]}, "samples": [{"taggedText": "book"}]},
                {"uniqueName": "next", "actions": [{"say": "Next."}, {"redirect": ""}],
                 "samples": [{"taggedText": "next"}]},
                {"uniqueName": "human", "actions": [
                    {"say": "Connecting."},
                    {"handoff": {"channel": "voice", "uri": "", "method": "POST"}}
                ], "samples": [{"taggedText": "human"}]},
                {"uniqueName": "odd", "actions": [{"redirect": "INSERT URL HERE"}],
                 "samples": [{"taggedText": "odd"}]}
            ]
        });
        let (import, _) = loads(&export);
        let to = json!("task://autopilot_unavailable_2");
        assert_eq!(
            task(&import, "book")["actions"][0]["collect"]["on_complete"]["redirect"],
            json!({"method": "POST", "uri": to})
        );
        assert_eq!(task(&import, "next")["actions"][1]["redirect"], to);
        assert_eq!(task(&import, "human")["actions"][1]["redirect"], to);
        assert_eq!(task(&import, "odd")["actions"][0]["redirect"], to);
        assert_eq!(
            task(&import, "autopilot_unavailable_2")["actions"],
            json!([{"say": "Sorry, that isn't available right now."}, {"redirect": "task://fallback"}])
        );
        assert_eq!(
            task(&import, "autopilot_unavailable")["actions"],
            json!([{"say": "Mine."}])
        );
        let unavailable = ["`autopilot_unavailable_2`", "fallback task `fallback`"];
        warning(
            &import,
            "tasks[2].actions.actions[0].collect.on_complete.redirect.uri",
            &[&["address is empty"][..], &unavailable].concat(),
        );
        warning(
            &import,
            "tasks[3].actions[1].redirect",
            &["address is empty"],
        );
        warning(
            &import,
            "tasks[4].actions[1].handoff.uri",
            &["handoff", "empty"],
        );
        warning(
            &import,
            "tasks[5].actions[0].redirect",
            &["`INSERT URL HERE`", "neither"],
        );
        assert_eq!(import.warnings.len(), 4, "{:#?}", import.warnings);
    }

    #[test]
    fn generated_tasks_do_not_loop_through_the_fallback() {
        // Disneyland's case: the fallback hands off to nowhere, which the stand-in replaces.
        let export = json!({
            "defaults": {"defaults": {"fallback": "task://connect_human"}},
            "tasks": [
                {"uniqueName": "connect_human", "actions": {"actions": [
                    {"say": "Hold on."},
                    {"handoff": {"channel": "voice", "uri": "", "method": "POST"}}
                ]}, "samples": [{"taggedText": "a human please"}]},
                {"uniqueName": "hi", "actions": [{"say": "Hi"}, {"listen": true}],
                 "samples": [{"taggedText": "hi"}]}
            ]
        });
        let (import, _) = loads(&export);
        assert_eq!(
            task(&import, "connect_human")["actions"][1],
            json!({"redirect": "task://autopilot_unavailable"})
        );
        assert_eq!(
            task(&import, "autopilot_unavailable")["actions"][1],
            json!({"listen": true})
        );
        warning(
            &import,
            "tasks[0].actions.actions[1].handoff.uri",
            &["then listens"],
        );
    }

    #[test]
    fn placeholder_urls_are_kept_with_a_warning() {
        let export = json!({"tasks": [
            {"uniqueName": "a", "actions": [{"redirect": "https://REPLACE-WITH-YOUR-FUNCTION.twil.io/x"}],
             "samples": [{"taggedText": "a"}]},
            {"uniqueName": "b", "actions": [{"redirect": {"uri": "https://your-domain.com/hook", "method": "GET"}}],
             "samples": [{"taggedText": "b"}]},
            {"uniqueName": "c", "actions": [{"redirect": "https://example.com/actions"}],
             "samples": [{"taggedText": "c"}]},
            {"uniqueName": "d", "actions": [{"redirect": "https://shop.example.org/actions"}],
             "samples": [{"taggedText": "d"}]},
            {"uniqueName": "e", "actions": [{"redirect": "https://bot.acme.io/actions"}],
             "samples": [{"taggedText": "e"}]}
        ]});
        let import = loads_or_unsupported(&export);
        assert_eq!(
            task(&import, "a")["actions"][0]["redirect"],
            "https://REPLACE-WITH-YOUR-FUNCTION.twil.io/x"
        );
        warning(
            &import,
            "tasks[0].actions[0].redirect",
            &["REPLACE-WITH", "placeholder"],
        );
        warning(
            &import,
            "tasks[1].actions[0].redirect.uri",
            &["your-domain.com"],
        );
        warning(&import, "tasks[2].actions[0].redirect", &["example.com"]);
        warning(
            &import,
            "tasks[3].actions[0].redirect",
            &["shop.example.org"],
        );
        assert_eq!(import.warnings.len(), 4, "{:#?}", import.warnings);
    }

    #[test]
    fn what_needs_an_address_and_has_none_is_left_out() {
        let export = json!({"tasks": [{"uniqueName": "map", "actions": [
            {"play": "{INSERT-AUDIO}"},
            {"say": "Here is the map: {INSERT-MAP-URL} and {{map.name}}."},
            {"remember": {"map": {"name": "venue"}}},
            {"show": {"body": "venue", "images": [
                {"label": "a", "url": "{INSERT-MAP-URL-TO-PNG}"},
                {"label": "b", "url": "https://cdn.acme.io/map.png"}
            ]}},
            {"listen": true}
        ], "samples": [{"taggedText": "map"}]}]});
        let import = loads_or_unsupported(&export);
        let actions = &task(&import, "map")["actions"];
        assert_eq!(actions.as_array().map(Vec::len), Some(4), "{actions}");
        assert_eq!(
            actions[2]["show"]["images"],
            json!([{"label": "b", "url": "https://cdn.acme.io/map.png"}])
        );
        warning(
            &import,
            "tasks[0].actions[0].play",
            &["{INSERT-AUDIO}", "left out"],
        );
        warning(
            &import,
            "tasks[0].actions[3].show.images[0].url",
            &["left out"],
        );
        warning(
            &import,
            "tasks[0].actions[1].say",
            &["{INSERT-MAP-URL}", "hear"],
        );
        assert_eq!(import.warnings.len(), 3, "{:#?}", import.warnings);
    }

    #[test]
    fn synonyms_of_nothing_become_values() {
        let export = json!({
            "fieldTypes": [
                {"uniqueName": "drink", "values": [
                    {"language": "en-US", "value": "tea", "synonymOf": null},
                    {"language": "en-US", "value": "cuppa", "synonymOf": "tea"},
                    {"language": "en-US", "value": "joe", "synonymOf": "coffee"},
                    {"language": "en-US", "value": "java", "synonymOf": "joe"}
                ]},
                {"uniqueName": "empty", "values": []},
                {"uniqueName": "drink", "values": [{"value": "water"}]}
            ],
            "tasks": [{"uniqueName": "order", "actions": [{"collect": {
                "name": "o",
                "questions": [
                    {"name": "drink", "question": "What to drink?", "type": "drink"},
                    {"name": "other", "question": "Anything else?", "type": "empty"}
                ],
                "on_complete": {"redirect": "task://order"}
            }}], "fields": [{"uniqueName": "x", "fieldType": "empty"}],
            "samples": [{"taggedText": "order"}]}]
        });
        let (import, _) = loads(&export);
        assert_eq!(
            settings(&import)["field_types"],
            json!([{"name": "drink", "values": [
                {"value": "tea", "synonyms": ["cuppa"]},
                {"value": "joe", "synonyms": ["java"]}
            ]}])
        );
        warning(
            &import,
            "fieldTypes[0].values[2].synonymOf",
            &["`joe`", "`coffee`", "value of its own"],
        );
        warning(&import, "fieldTypes[1].values", &["`empty`", "no values"]);
        warning(
            &import,
            "fieldTypes[2].uniqueName",
            &["`drink`", "already defined"],
        );
        warning(&import, "tasks[0].fields", &["`x`", "`empty`"]);
        warning(
            &import,
            "tasks[0].actions[0].collect.questions[1].type",
            &["`empty`", "any answer"],
        );
        let order = task(&import, "order");
        assert!(order.get("fields").is_none(), "{order}");
        assert!(
            order["actions"][0]["collect"]["questions"][1]
                .get("type")
                .is_none()
        );
        assert_eq!(import.warnings.len(), 5, "{:#?}", import.warnings);
    }

    #[test]
    fn duplicate_and_unusable_task_names_are_repaired() {
        let export = json!({
            "defaults": {"defaults": {"assistant_initiation": "task://say hello"}},
            "tasks": [
                {"uniqueName": "say hello", "actions": [{"say": "Hello"}, {"listen": {"tasks": ["say hello", "order.pizza"]}}],
                 "samples": [{"taggedText": "hello"}]},
                {"uniqueName": "order.pizza", "actions": [{"say": "Pizza!"}, {"redirect": "task://say hello"}],
                 "samples": [{"taggedText": "pizza"}]},
                {"uniqueName": "say_hello", "actions": [{"say": "The original say_hello."}],
                 "samples": [{"taggedText": "hi there"}]},
                {"uniqueName": "Say_Hello", "actions": [{"say": "A duplicate."}],
                 "samples": [{"taggedText": "dup"}]},
                {"uniqueName": "say hello", "actions": [{"say": "Another duplicate."}]}
            ]
        });
        let (import, assistant) = loads(&export);
        assert_eq!(
            task_names(&import),
            ["order_pizza", "say_hello", "say_hello_2"]
        );
        assert_eq!(
            task(&import, "say_hello")["actions"][0]["say"],
            "The original say_hello."
        );
        assert_eq!(
            task(&import, "say_hello_2")["actions"][1],
            json!({"listen": {"tasks": ["say_hello_2", "order_pizza"]}})
        );
        assert_eq!(
            task(&import, "order_pizza")["actions"][1],
            json!({"redirect": "task://say_hello_2"})
        );
        assert_eq!(
            settings(&import)["defaults"]["assistant_initiation"],
            "task://say_hello_2"
        );
        warning(
            &import,
            "tasks[0].uniqueName",
            &["`say hello`", "`say_hello_2`"],
        );
        warning(
            &import,
            "tasks[1].uniqueName",
            &["`order.pizza`", "`order_pizza`"],
        );
        warning(&import, "tasks[3].uniqueName", &["`Say_Hello`", "tasks[2]"]);
        warning(&import, "tasks[4].uniqueName", &["`say hello`", "tasks[0]"]);
        assert_eq!(import.warnings.len(), 4, "{:#?}", import.warnings);
        assert_eq!(
            default_task(
                &import,
                assistant.defaults.assistant_initiation.is_some(),
                "assistant_initiation"
            ),
            "say_hello_2"
        );
    }

    #[test]
    fn tasks_without_actions_end_the_dialogue() {
        let export = json!({"tasks": [
            {"uniqueName": "silent", "actions": {"actions": []}, "samples": [{"taggedText": "shh"}]},
            {"uniqueName": "bare", "samples": [{"taggedText": "bare"}]},
            {"uniqueName": "odd", "actions": 7},
            {"uniqueName": "ok", "actions": [{"say": "fine"}]}
        ]});
        let (import, assistant) = loads(&export);
        for name in ["silent", "bare", "odd"] {
            assert_eq!(task(&import, name)["actions"], json!([]), "{name}");
        }
        warning(
            &import,
            "tasks[0].actions.actions",
            &["`silent`", "no actions"],
        );
        warning(&import, "tasks[1].actions", &["`bare`", "no actions"]);
        warning(&import, "tasks[2].actions", &["`odd`", "a number"]);
        assert_eq!(import.warnings.len(), 3, "{:#?}", import.warnings);
        let silent = assistant.task(assistant.task_id("silent").expect("silent"));
        assert!(silent.actions.is_empty());
    }

    #[test]
    fn writes_a_flows_folder_that_loads_the_same() {
        let import = convert_json(&hello_world());
        let dir = tempfile::tempdir().expect("a temporary folder");
        let folder = dir.path().join("flows");
        write_folder(&import, &folder).expect("written");
        let text = fs::read_to_string(folder.join("tasks/order.json")).expect("order.json");
        assert_eq!(text, file(&import, &Role::Task("order".into())).text);
        assert!(text.starts_with("{\n  \"samples\""), "{text}");
        assert!(
            fs::read_to_string(folder.join("assistant.json"))
                .expect("assistant.json")
                .ends_with("}\n")
        );

        let from_disk = load_dir(&folder).expect("the folder loads");
        let in_memory = load(&import.files).expect("the files load");
        let shape = |a: &Assistant| -> Vec<(String, usize)> {
            a.tasks
                .iter()
                .map(|t| (t.name.clone(), t.samples.len()))
                .collect()
        };
        // Same names in the same order, so the same task ids.
        assert_eq!(shape(&from_disk), shape(&in_memory));
    }

    #[test]
    fn never_overwrites_flow_files() {
        let import = convert_json(&hello_world());
        let dir = tempfile::tempdir().expect("a temporary folder");

        fs::write(dir.path().join("assistant.json"), "{}").expect("written");
        let error = write_folder(&import, dir.path()).expect_err("assistant.json exists");
        assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
        assert!(error.to_string().contains("assistant.json"), "{error}");
        // Refused before anything was written.
        assert!(!dir.path().join("tasks").exists());
        assert_eq!(
            fs::read_to_string(dir.path().join("assistant.json")).expect("kept"),
            "{}"
        );

        let other = tempfile::tempdir().expect("a temporary folder");
        fs::create_dir(other.path().join("tasks")).expect("tasks/");
        fs::write(other.path().join("tasks/greeting.json"), "mine").expect("written");
        let error = write_folder(&import, other.path()).expect_err("a task file exists");
        assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
        assert!(error.to_string().contains("greeting.json"), "{error}");
        assert!(!other.path().join("assistant.json").exists());
    }

    #[test]
    fn refuses_task_names_that_are_not_file_names() {
        let import = Import {
            files: vec![SourceFile {
                path: PathBuf::from("x"),
                role: Role::Task("../escape".into()),
                text: "{}".into(),
            }],
            warnings: Vec::new(),
        };
        let dir = tempfile::tempdir().expect("a temporary folder");
        let error = write_folder(&import, dir.path()).expect_err("not a file name");
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn spots_placeholders() {
        for url in [
            "https://REPLACE-WITH-YOUR-TWILIO-FUNCTION-URL.twil.io/x",
            "https://your-service.com/x",
            "https://example.com/actions",
            "http://user@api.EXAMPLE.com:8080/x",
            "INSERT YOUR TWIML_URL HERE",
            "{INSERT-MAP-URL}",
        ] {
            assert!(is_placeholder_url(url), "{url}");
        }
        for url in [
            "https://handler.twilio.com/twiml/EH123",
            "https://notexample.com/x",
            "https://api.acme.io/insert_row",
        ] {
            assert!(!is_placeholder_url(url), "{url}");
        }
        assert_eq!(
            template_placeholder("at {insert event schedule URL} now"),
            Some("{insert event schedule URL}")
        );
        assert_eq!(template_placeholder("Hi {{user.name}}, {mood}"), None);
        assert_eq!(
            template_placeholder("{{a.b}} {REPLACE-ME}"),
            Some("{REPLACE-ME}")
        );
        assert!(handoff_address("+1 (415) 555-0123"));
        assert!(handoff_address("taskrouter://WW123"));
        assert!(!handoff_address("INSERT YOUR TWIML_URL HERE"));
        assert!(!handoff_address(""));
    }
}
