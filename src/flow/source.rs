//! Where flow files come from: a folder on disk, or the copy of `flows/` built into the binary.
//!
//! This is the only part of `flow` that touches the file system. The loader works on
//! [`SourceFile`]s (a path and its text), so it is pure and tests can hand it files directly.

use std::io;
use std::path::{Path, PathBuf};

use super::FlowError;

/// One flow file's path, role and contents.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as shown in errors (for an Autopilot export, the export file and the task).
    pub path: PathBuf,
    /// What the file defines.
    pub role: Role,
    /// The file's text.
    pub text: String,
}

/// What a flow file defines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// `assistant.json`: settings for the whole assistant.
    Settings,
    /// One task, by name.
    Task(String),
}

impl SourceFile {
    /// A file whose role follows from its path: `assistant.json`, else a task named by the
    /// file's stem (`tasks/register.json` is task `register`).
    pub fn from_path(path: PathBuf, text: String) -> SourceFile {
        let role = if path.file_name().is_some_and(|n| n == "assistant.json") {
            Role::Settings
        } else {
            Role::Task(
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            )
        };
        SourceFile { path, role, text }
    }
}

/// Reads `assistant.json` and every `tasks/*.json` under `dir`, sorted by name so the task order
/// (and so every TaskId) is the same on every machine.
///
/// # Errors
/// `dir` is not a flows folder (no such folder, or neither `assistant.json` nor `tasks/`), it
/// has `assistant.json` but no `tasks/`, or a file cannot be read. The error names the path,
/// says which of these it is and how to put it right.
pub fn read_dir(dir: &Path) -> Result<Vec<SourceFile>, FlowError> {
    let unreadable = |path: &Path, place: &str, e: io::Error| {
        FlowError::new(
            path,
            place,
            format!("cannot read it: {e}"),
            "check that it exists and that Switchboard may read it",
        )
    };
    let assistant = dir.join("assistant.json");
    let tasks_dir = dir.join("tasks");
    // Say what is missing before trying to read: "No such file or directory" on tasks/ hides
    // that the folder given is not a flows folder at all.
    if !dir.is_dir() {
        return Err(FlowError::new(
            dir,
            "(folder)",
            if dir.exists() {
                "not a flows folder: it is a file"
            } else {
                "there is no such folder"
            },
            "pass --flows with a folder that holds assistant.json and tasks/*.json, or with an \
             Autopilot export (schema.json)",
        ));
    }
    if !assistant.exists() && !tasks_dir.exists() {
        return Err(FlowError::new(
            dir,
            "(folder)",
            "not a flows folder: it has no assistant.json and no tasks/ folder",
            not_a_flows_folder_fix(dir),
        ));
    }
    let mut files = Vec::new();
    if assistant.exists() {
        let text =
            std::fs::read_to_string(&assistant).map_err(|e| unreadable(&assistant, "(file)", e))?;
        files.push(SourceFile::from_path(assistant, text));
    }
    if !tasks_dir.exists() {
        return Err(FlowError::new(
            &tasks_dir,
            "(folder)",
            "the tasks/ folder is missing: assistant.json is here, but each task is read from \
             tasks/<name>.json beside it",
            format!(
                "create {} with a file per task, e.g. greeting.json holding {}",
                tasks_dir.display(),
                GREETING_TASK
            ),
        ));
    }
    let entries =
        std::fs::read_dir(&tasks_dir).map_err(|e| unreadable(&tasks_dir, "(folder)", e))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| unreadable(&tasks_dir, "(folder)", e))?
            .path();
        if path.extension().is_some_and(|ext| ext == "json") {
            paths.push(path);
        }
    }
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| unreadable(&path, "(file)", e))?;
        files.push(SourceFile::from_path(path, text));
    }
    Ok(files)
}

/// A task that loads, for fixes that ask for one.
const GREETING_TASK: &str = r#"{"actions": [{"say": "Hello!"}, {"listen": true}]}"#;

/// How to fix `--flows` naming a folder that is not a flows folder: the flows folder or export
/// inside it when there is one (`--flows .` in a checkout means `--flows flows`), else how to
/// make one.
fn not_a_flows_folder_fix(dir: &Path) -> String {
    let mut inside: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            (path.is_dir()
                && (path.join("assistant.json").is_file() || path.join("tasks").is_dir()))
                || path.file_name().is_some_and(|name| name == "schema.json")
        })
        .collect();
    inside.sort();
    match inside.first() {
        Some(found) => format!(
            "did you mean --flows {}? Point --flows at the folder that holds assistant.json and \
             tasks/, or at an Autopilot export",
            found.display()
        ),
        None => format!(
            "point --flows at the folder that holds assistant.json and tasks/, or create them \
             here: {} holding {GREETING_TASK} and, optionally, {} (`switchboard import autopilot \
             schema.json --out DIR` makes a flows folder from an Autopilot export)",
            dir.join("tasks").join("greeting.json").display(),
            dir.join("assistant.json").display(),
        ),
    }
}

/// The repository's `flows/` folder as it was when the binary was built, so `switchboard serve`
/// runs anywhere, even without the folder beside it.
pub fn embedded() -> Vec<SourceFile> {
    EMBEDDED
        .iter()
        .map(|(path, text)| {
            SourceFile::from_path(
                PathBuf::from("(built in) flows").join(path),
                (*text).to_owned(),
            )
        })
        .collect()
}

/// Every file of `flows/`; a test checks this list against the folder so the two cannot drift.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("assistant.json", include_str!("../../flows/assistant.json")),
    (
        "tasks/collect_trouble.json",
        include_str!("../../flows/tasks/collect_trouble.json"),
    ),
    (
        "tasks/fallback.json",
        include_str!("../../flows/tasks/fallback.json"),
    ),
    (
        "tasks/goodbye.json",
        include_str!("../../flows/tasks/goodbye.json"),
    ),
    (
        "tasks/greeting.json",
        include_str!("../../flows/tasks/greeting.json"),
    ),
    (
        "tasks/register.json",
        include_str!("../../flows/tasks/register.json"),
    ),
    (
        "tasks/registered.json",
        include_str!("../../flows/tasks/registered.json"),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_flows_match_the_flows_folder() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("flows");
        let on_disk = read_dir(&dir).expect("flows/ is readable");
        let mut disk: Vec<(String, String)> = on_disk
            .into_iter()
            .map(|f| {
                let rel = f
                    .path
                    .strip_prefix(&dir)
                    .expect("under flows/")
                    .to_string_lossy()
                    .replace('\\', "/");
                (rel, f.text)
            })
            .collect();
        disk.sort();
        let mut built: Vec<(String, String)> = EMBEDDED
            .iter()
            .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
            .collect();
        built.sort();
        assert_eq!(
            disk, built,
            "flow::source::EMBEDDED must list every file in flows/"
        );
    }
}
