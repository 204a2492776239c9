//! Where flow files come from: a folder on disk, or the copy of `flows/` built into the binary.
//!
//! This is the only part of `flow` that touches the file system. The loader works on
//! [`SourceFile`]s (a path and its text), so it is pure and tests can hand it files directly.

use std::io;
use std::path::{Path, PathBuf};

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
/// The folder or a file cannot be read; the error message names the path.
pub fn read_dir(dir: &Path) -> io::Result<Vec<SourceFile>> {
    let with_path =
        |path: &Path, e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let mut files = Vec::new();
    let assistant = dir.join("assistant.json");
    if assistant.exists() {
        let text = std::fs::read_to_string(&assistant).map_err(|e| with_path(&assistant, e))?;
        files.push(SourceFile::from_path(assistant, text));
    }
    let tasks_dir = dir.join("tasks");
    let entries = std::fs::read_dir(&tasks_dir).map_err(|e| with_path(&tasks_dir, e))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| with_path(&tasks_dir, e))?.path();
        if path.extension().is_some_and(|ext| ext == "json") {
            paths.push(path);
        }
    }
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| with_path(&path, e))?;
        files.push(SourceFile::from_path(path, text));
    }
    Ok(files)
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
