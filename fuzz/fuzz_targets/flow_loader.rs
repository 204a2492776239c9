//! Arbitrary text as a task file, as `assistant.json`, and as an Autopilot export: loading may
//! refuse it with errors, never panic.
#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use switchboard::flow::{self, SourceFile};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let greeting = SourceFile::from_path(
        PathBuf::from("tasks/greeting.json"),
        r#"{"actions": [{"say": "Hi"}, {"listen": true}]}"#.into(),
    );
    let task = SourceFile::from_path(PathBuf::from("tasks/fuzzed.json"), text.to_owned());
    let settings = SourceFile::from_path(PathBuf::from("assistant.json"), text.to_owned());
    let _ = flow::load(&[greeting.clone(), task]);
    let _ = flow::load(&[settings, greeting]);
    if let Ok(import) = flow::autopilot::convert(Path::new("schema.json"), text) {
        let _ = flow::load(&import.files);
    }
});
