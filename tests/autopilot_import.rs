//! Twilio's published Autopilot templates, converted and loaded: every real export must become a
//! bot that loads, whatever faults Autopilot let it keep.
//!
//! The templates live outside the repository (`../shared/autopilot`); on a checkout without them
//! the test is ignored, and `cargo test` says why (see `build.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use switchboard::flow::{self, Assistant, FlowErrors, autopilot};

/// Task name → number of samples, the shape two loads of the same bot must share.
fn shape(assistant: &Assistant) -> BTreeMap<String, usize> {
    assistant
        .tasks
        .iter()
        .map(|t| (t.name.clone(), t.samples.len()))
        .collect()
}

/// The assistant, or None when the only errors are actions the loader does not support yet
/// (web redirects, handoff, show), which are printed. Any other error fails the test.
fn load_allowing_unsupported(
    what: &str,
    loaded: Result<Assistant, FlowErrors>,
) -> Option<Assistant> {
    match loaded {
        Ok(assistant) => Some(assistant),
        Err(errors) => {
            for error in &errors.0 {
                assert!(
                    error.problem.contains("not supported yet"),
                    "{what} does not load:\n{errors}"
                );
                eprintln!("{what}: still unsupported: {error}");
            }
            None
        }
    }
}

fn exports() -> Option<Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/autopilot/Assistants");
    if !root.is_dir() {
        return None;
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("the Assistants folder is readable")
        .map(|entry| entry.expect("a readable entry").path().join("schema.json"))
        .filter(|path| path.is_file())
        .collect();
    paths.sort();
    Some(paths)
}

#[cfg_attr(
    no_shared_autopilot,
    ignore = "needs ../shared/autopilot beside the checkout (Twilio's published bots)"
)]
#[test]
fn every_real_export_converts_and_loads() {
    let Some(paths) = exports() else {
        eprintln!("skipped: ../shared/autopilot not found");
        return;
    };
    assert!(!paths.is_empty(), "no Assistants/*/schema.json found");
    let mut event_bot_warnings = None;
    for path in &paths {
        let bot = path
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(path).expect("the export is readable");
        let shown = Path::new("Assistants").join(&bot).join("schema.json");
        let import = match autopilot::convert(&shown, &text) {
            Ok(import) => import,
            Err(errors) => panic!("{bot} does not convert:\n{errors}"),
        };
        for warning in &import.warnings {
            assert_eq!(warning.file, shown, "warnings name the export");
            eprintln!("{bot}: warning: {warning}");
        }
        if bot == "EventBot" {
            event_bot_warnings = Some(import.warnings.clone());
        }

        let in_memory = load_allowing_unsupported(&bot, flow::load(&import.files));

        let dir = tempfile::tempdir().expect("a temporary folder");
        let folder = dir.path().join(&bot);
        autopilot::write_folder(&import, &folder).expect("the flows folder is written");
        let from_disk = load_allowing_unsupported(&bot, flow::load_dir(&folder));
        match (in_memory, from_disk) {
            (Some(memory), Some(disk)) => {
                assert_eq!(
                    shape(&memory),
                    shape(&disk),
                    "{bot}: written folder differs"
                );
                assert_eq!(memory.name, disk.name);
            }
            (None, None) => {}
            _ => panic!("{bot}: the written folder and the in-memory files load differently"),
        }
        // Both loads saw the same files: compare the text, which is what was written.
        let written = switchboard::flow::source::read_dir(&folder).expect("readable");
        assert_eq!(
            written.len(),
            import.files.len(),
            "{bot}: every file written"
        );
        for file in &written {
            let name = file.path.strip_prefix(&folder).expect("under the folder");
            let original = import
                .files
                .iter()
                .find(|f| f.role == file.role)
                .unwrap_or_else(|| panic!("{bot}: {} was not in the import", name.display()));
            assert_eq!(
                file.text,
                original.text,
                "{bot}: {} as written",
                name.display()
            );
        }

        // The folder is never overwritten.
        let again = autopilot::write_folder(&import, &folder).expect_err("refuses to overwrite");
        assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
        assert!(again.to_string().contains("assistant.json"), "{again}");
    }

    let Some(warnings) = event_bot_warnings else {
        panic!("no EventBot among the exports");
    };
    assert!(
        warnings
            .iter()
            .any(|w| w.problem.contains("connect_human") && w.place.contains("fallback")),
        "EventBot's missing connect_human task is reported: {warnings:#?}"
    );
}
