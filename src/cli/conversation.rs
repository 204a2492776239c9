//! `switchboard test`: runs conversation tests (see [`crate::script`]) against a flows folder.
//!
//! Each file gets a fresh database and a fresh caller, so tests never see each other's answers,
//! and runs through the same [`Runner`] as a real call. Over SMS the conversation begins as if
//! the bot had texted first, so one file serves both channels.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use crate::engine::{Caller, Channel, Input, Next, Output};
use crate::flow::Assistant;
use crate::runner::{Runner, RunnerOptions, Turned};
use crate::script::{self, BotReply, SavedAnswer, ScriptInput};
use crate::store::{Store, read_collected};

/// The conversation tests kept with a flows folder: `tests/*.txt`, sorted.
///
/// # Errors
/// The folder exists but cannot be read.
pub fn default_files(flows: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = flows.join("tests");
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    Ok(files)
}

/// Runs each file; prints a line per passing file and a diff per failing one, then a summary.
///
/// # Errors
/// The async runtime could not start.
pub fn run(assistant: Assistant, channel: Channel, files: &[PathBuf]) -> Result<ExitCode, String> {
    if files.is_empty() {
        return Err(
            "no conversation tests: name files, or keep them as tests/*.txt in the flows folder"
                .into(),
        );
    }
    let assistant = Arc::new(assistant);
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let (mut passed, mut failed) = (0, 0);
    for file in files {
        match run_file(&assistant, channel, file, &runtime) {
            Ok(report) if report.passed() => {
                passed += 1;
                println!(
                    "ok: {} ({} steps, {})",
                    file.display(),
                    report.steps_run,
                    channel.as_str()
                );
            }
            Ok(report) => {
                failed += 1;
                println!(
                    "FAILED: {} ({})\n{report}",
                    file.display(),
                    channel.as_str()
                );
            }
            Err(error) => {
                failed += 1;
                println!("FAILED: {error}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn run_file(
    assistant: &Arc<Assistant>,
    channel: Channel,
    file: &Path,
    runtime: &tokio::runtime::Runtime,
) -> Result<script::Report, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("{}: cannot read it: {e}", file.display()))?;
    let script = script::parse(file, &text)
        .map_err(|e| e.to_string())?
        .on(channel);
    let temp = tempfile::tempdir().map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let db = temp.path().join("test.db");
    let store = Store::open(&db).map_err(|e| e.to_string())?;
    let runner = Runner::new(assistant.clone(), store, RunnerOptions::default())?;
    let caller = Caller {
        key: match channel {
            Channel::Voice => "CAconversationtest".into(),
            Channel::Sms => "sms:+15559990000:+15550001234".into(),
        },
        from: Some("+15550001234".into()),
        to: Some("+15559990000".into()),
        channel,
        ..Caller::default()
    };
    let turn = |input: Input| -> Result<BotReply, String> {
        let turned = runtime
            .block_on(runner.turn(caller.clone(), input))
            .map_err(|e| e.to_string())?;
        Ok(bot_reply(&turned))
    };
    let report = script::run(
        &script,
        || turn(Input::Start),
        |input| {
            turn(match input {
                // A text arrives as the messaging webhook reads it: digits alone are keys.
                ScriptInput::Say(text) if channel == Channel::Sms => {
                    crate::channel::sms::input_of(text)
                }
                ScriptInput::Say(text) => Input::Speech {
                    text: text.clone(),
                    confidence: None,
                    embedding: None,
                },
                ScriptInput::Keys(keys) => Input::Digits(keys.trim_end_matches('#').to_owned()),
                ScriptInput::Silence => Input::Silence,
                ScriptInput::Hangup => Input::Hangup,
            })
        },
        || saved_answers(&db),
    );
    Ok(report)
}

/// Every answer a SQLite database holds, as a conversation test's `saved` lines check them.
pub fn saved_answers(db: &Path) -> Result<Vec<SavedAnswer>, String> {
    let rows = read_collected(db).map_err(|e| e.to_string())?;
    Ok(rows
        .into_iter()
        .flat_map(|row| {
            let (collect, status) = (row.collect, row.status);
            row.answers.into_iter().map(move |a| SavedAnswer {
                collect: collect.clone(),
                question: a.question,
                value: a.value,
                status: status.clone(),
            })
        })
        .collect())
}

/// What the caller heard or read, as one text, and how the turn ended.
fn bot_reply(turned: &Turned) -> BotReply {
    let text = turned
        .reply
        .outputs
        .iter()
        .filter_map(|o| match o {
            Output::Say { text } | Output::Show { text, .. } => Some(text.as_str()),
            Output::Play { .. } => None,
        })
        .collect::<Vec<_>>()
        .join(" ");
    BotReply {
        text,
        ended: !matches!(turned.reply.next, Next::Gather(_)),
        task: turned.routed.clone().flatten(),
    }
}
