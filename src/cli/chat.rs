//! `switchboard chat`: a conversation with the bot in the terminal — no server, no Twilio.
//!
//! It runs the same [`Runner`] as the webhooks, over the same SQLite store, so what a chat
//! collects is what a call would have collected. Lines the user types are what the caller says;
//! a few slash commands stand for what a keyboard cannot: the keypad, silence, hanging up.

use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use crate::engine::{Caller, Channel, Input, Next, Output, Reply};
use crate::flow::Assistant;
use crate::runner::{Runner, RunnerOptions, Turned};
use crate::store::{Db, Store, StoreOptions};

const HELP: &str = "Type what the caller says. /digits 123 = keypad, /silence = no answer, /hangup = hang up, /quit = leave.";

/// Runs a chat on stdin/stdout.
///
/// # Errors
/// The database or the async runtime could not start, or the terminal failed.
pub fn run(
    assistant: Assistant,
    channel: Channel,
    db: Option<&Db>,
    explain: bool,
) -> Result<ExitCode, String> {
    // A temporary database unless one is named; it lives until the chat ends.
    let temp = tempfile::tempdir().map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let kept = db.map_or_else(|| Db::Sqlite(temp.path().join("chat.db")), Db::clone);
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let store = runtime
        .block_on(Store::connect(&kept, StoreOptions::default()))
        .map_err(|e| e.to_string())?;
    let runner = Runner::new(Arc::new(assistant), store, RunnerOptions::default())?;
    let caller = Caller {
        key: match channel {
            Channel::Voice => format!("CAchat{}", std::process::id()),
            Channel::Sms => format!(
                "sms:+15559990000:+1555{:07}",
                std::process::id() % 10_000_000
            ),
        },
        from: Some("+15550001234".into()),
        to: Some("+15559990000".into()),
        channel,
        ..Caller::default()
    };
    let mut out = io::stdout().lock();
    let say = |out: &mut io::StdoutLock<'_>, text: &str| {
        writeln!(out, "{text}").map_err(|e| e.to_string())
    };
    say(
        &mut out,
        &format!(
            "Chatting with {} over {}. {HELP}",
            runner.assistant().name,
            channel.as_str()
        ),
    )?;
    // A call starts with the bot speaking; a text conversation with the first text.
    if channel == Channel::Voice {
        let turned = runtime
            .block_on(runner.turn(caller.clone(), Input::Start))
            .map_err(|e| e.to_string())?;
        show(&mut out, &turned, explain, &runner, None, channel)?;
        if ended(&turned.reply) {
            return Ok(ExitCode::SUCCESS);
        }
    }
    let stdin = io::stdin();
    // Typed input echoes itself; piped input (a script) is echoed so the transcript reads right.
    let echo = !stdin.is_terminal();
    let mut lines = stdin.lock().lines();
    // Whether the conversation is over: when the chat stops first (end of input, /quit), it
    // is closed as a call whose caller hung up, so an unfinished collect is kept, marked
    // incomplete, rather than left in progress.
    let mut over = false;
    loop {
        write!(out, "you> ")
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string())?;
        let Some(line) = lines.next() else {
            writeln!(out).map_err(|e| e.to_string())?;
            break;
        };
        let line = line.map_err(|e| format!("reading the terminal: {e}"))?;
        let line = line.trim();
        if echo {
            writeln!(out, "{line}").map_err(|e| e.to_string())?;
        }
        let input = match line
            .split_once(' ')
            .map_or((line, ""), |(a, b)| (a, b.trim()))
        {
            ("/quit" | "/exit", _) => break,
            ("/help", _) => {
                say(&mut out, HELP)?;
                continue;
            }
            ("/digits", digits)
                if !digits.is_empty()
                    && digits
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '*' || c == '#') =>
            {
                Input::Digits(digits.trim_end_matches('#').to_owned())
            }
            ("/digits", _) => {
                say(
                    &mut out,
                    "usage: /digits 0-9 * # (for example /digits 4155550123)",
                )?;
                continue;
            }
            ("/silence", _) => Input::Silence,
            ("/hangup", _) => Input::Hangup,
            (command, _) if command.starts_with('/') => {
                say(&mut out, &format!("unknown command {command}. {HELP}"))?;
                continue;
            }
            _ if line.is_empty() => continue,
            _ => Input::Speech {
                text: line.to_owned(),
                confidence: None,
                embedding: None,
            },
        };
        let text = match &input {
            Input::Speech { text, .. } => Some(text.clone()),
            _ => None,
        };
        let hung_up = input == Input::Hangup;
        let turned = runtime
            .block_on(runner.turn(caller.clone(), input))
            .map_err(|e| e.to_string())?;
        show(
            &mut out,
            &turned,
            explain,
            &runner,
            text.as_deref(),
            channel,
        )?;
        if hung_up || (channel == Channel::Voice && ended(&turned.reply)) {
            over = true;
            break;
        }
    }
    if !over {
        runtime
            .block_on(runner.turn(caller.clone(), Input::Hangup))
            .map_err(|e| e.to_string())?;
    }
    if let Some(db) = db {
        say(
            &mut out,
            &match db {
                Db::Sqlite(path) => format!(
                    "What was collected: switchboard collected --db {}",
                    path.display()
                ),
                // The URL may hold a password, which is not for the screen.
                Db::Postgres(_) => {
                    "What was collected: switchboard collected --db with the same URL".to_owned()
                }
            },
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn ended(reply: &Reply) -> bool {
    !matches!(reply.next, Next::Gather(_))
}

/// Prints what the caller would hear or read, and with `--explain` how the input was routed.
fn show(
    out: &mut io::StdoutLock<'_>,
    turned: &Turned,
    explain: bool,
    runner: &Runner,
    said: Option<&str>,
    channel: Channel,
) -> Result<(), String> {
    let w = |out: &mut io::StdoutLock<'_>, text: String| {
        writeln!(out, "{text}").map_err(|e| e.to_string())
    };
    if explain && let Some(routed) = &turned.routed {
        let detail = said.map(|text| runner.assistant().matcher.classify(text, None));
        let confidence = detail.as_ref().map_or(String::new(), |c| {
            // With a model: the best task's string and semantic scores, which its fused score
            // (and so the confidence) is made of.
            let parts = c
                .parts
                .zip(c.best)
                .map_or(String::new(), |(p, (_, fused))| {
                    format!(
                        " (string {:.2}, semantic {:.2}, fused {fused:.2})",
                        p.string, p.semantic
                    )
                });
            format!(", confidence {:.2}{parts}", c.confidence)
        });
        let next = detail
            .as_ref()
            .and_then(|c| c.next_best)
            .and_then(|(i, score)| {
                runner
                    .assistant()
                    .tasks
                    .get(i)
                    .map(|t| format!(", next best {} ({score:.2})", t.name))
            })
            .unwrap_or_default();
        match routed {
            Some(task) => w(out, format!("  [matched task {task}{confidence}{next}]"))?,
            None => w(
                out,
                format!("  [no task matched{confidence}{next}: fallback]"),
            )?,
        }
    }
    if channel == Channel::Sms {
        // As the phone receives them: the reply joined and split into messages that fit.
        let messages = crate::channel::sms::messages(&turned.reply);
        let count = messages.len();
        for (i, message) in messages.iter().enumerate() {
            if count > 1 {
                w(out, format!("bot> ({}/{count}) {}", i + 1, message.body))?;
            } else {
                w(out, format!("bot> {}", message.body))?;
            }
            for picture in &message.media {
                w(out, format!("bot> [picture {picture}]"))?;
            }
        }
    }
    for output in turned
        .reply
        .outputs
        .iter()
        .filter(|_| channel == Channel::Voice)
    {
        match output {
            Output::Say { text } => w(out, format!("bot> {text}"))?,
            Output::Play { url, times } => w(
                out,
                format!(
                    "bot> [plays {url}{}]",
                    if *times > 1 {
                        format!(" ×{times}")
                    } else {
                        String::new()
                    }
                ),
            )?,
            Output::Show { text, images } => {
                w(out, format!("bot> {text}"))?;
                for image in images {
                    w(out, format!("bot> [picture {image}]"))?;
                }
            }
        }
    }
    match &turned.reply.next {
        Next::Gather(_) => Ok(()),
        Next::Hangup => w(out, "  [the bot ended the conversation]".into()),
        Next::Handoff(handoff) => w(out, format!("  [handed off: {handoff:?}]")),
        Next::Webhook(call) => w(out, format!("  [still waiting on {}]", call.url)),
    }
}
