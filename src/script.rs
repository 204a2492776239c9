//! Conversation tests: a plain-text file that writes down a whole conversation — what the
//! caller does, what the bot must say — and what must be saved when it is over.
//!
//! `switchboard test [--flows DIR] [--channel voice|sms] [FILES…]` parses each file with
//! [`parse`] and plays it against the engine with [`run`]; this module knows nothing about the
//! engine, the store or Twilio, so the runner is tested here with plain closures.
//!
//! # The format
//!
//! ```text
//! # A registration by voice.
//! bot: What would you like to do?
//! caller: I'd like to register
//! task: register
//! bot: What is your name?
//! caller: my name is Jason
//! bot: phone number
//! keys: 415 555 0123
//! bot exactly: Thank you, Jason. You're on the list.
//! silence
//! bot: what would you like to do
//! caller: goodbye
//! bot ends
//! hangup
//! saved user_information.user_name: Jason
//! saved user_information.user_phone_number: 4155550123
//! saved user_information: complete
//! ```
//!
//! One line is one step. Leading and trailing whitespace is ignored (there are no indentation
//! rules), blank lines are ignored, and keywords are case-insensitive (`Caller:`, `BOT ENDS`).
//! Spaces around a keyword's colon do not matter (`caller:hi`, `bot : hi`), and a keyword that
//! takes no text may still carry a lone colon (`bot ends:`).
//!
//! What the caller does:
//! - `caller: TEXT` — the caller says (voice) or texts (SMS) TEXT. It must not be empty.
//! - `keys: DIGITS` — keypad digits (typed as digits over SMS): only `0`-`9`, `*` and `#`.
//!   Spaces are dropped, so a phone number may be written `keys: 415 555 0123`.
//! - `silence` — the caller says nothing.
//! - `hangup` (or `hang up`) — the caller hangs up (over SMS the conversation just ends).
//!
//! What the bot must have done, checked against the latest reply (the reply to the last
//! caller step, or the call's first reply for checks before any caller step — the greeting):
//! - `bot: TEXT` — the reply contains TEXT. Case is ignored, runs of whitespace count as one
//!   space, and typographic quotes count as plain ones (`’` as `'`), so a test does not break
//!   on a capital letter, a line break or an apostrophe the terminal shows identically.
//! - `bot exactly: TEXT` — the whole reply is TEXT, after collapsing whitespace. Case and
//!   punctuation count. An empty `bot exactly:` checks that the bot said nothing.
//! - `bot ends` / `bot continues` — the reply ends the call, or waits for the caller.
//! - `task: NAME` — the last caller step was routed to task NAME (case is ignored);
//!   `task: none` — it was routed to no task (the matcher declined, or the input was an
//!   answer to a question rather than a new request).
//!
//! A step written for one channel only starts with `voice` or `sms`: `voice bot: press pound`,
//! `sms bot: reply with your number`, `voice keys: 1`. `switchboard test --channel sms` skips
//! the `voice` steps, and a call skips the `sms` ones.
//!
//! What must be saved, checked once the conversation is over (the lines may stand anywhere):
//! - `saved COLLECT.QUESTION: VALUE` — some saved answer to that question has the normalised
//!   value VALUE (case and whitespace runs ignored).
//! - `saved COLLECT: STATUS` — some saved answer of that collect has status STATUS
//!   (`complete`, `incomplete` or `in_progress`).
//!
//! # Comments
//!
//! A line whose first non-blank character is `#` is a comment. There are no trailing
//! comments: everything after `caller:` is what the caller says, so a caller can say "#1", and
//! a `bot:` line can expect "press # when you are done". A keyword that takes no text
//! (`silence`, `bot ends`, …) followed by `# …` is an error that says to move the comment to
//! its own line, rather than being silently read as something else.
//!
//! # Why it is designed so
//!
//! The file is written by hand by the person who wrote the flow, usually by copying a real
//! call out of the log. Rasa test stories need YAML (indentation, quoting of text that holds a
//! colon or a `#`) and describe intents rather than the words on the line; Dialogflow CX test
//! cases live in the console and cannot be reviewed in a pull request. Here every line starts
//! with its keyword, the rest of the line is taken literally, and the file reads like the
//! call transcript it was copied from.
//!
//! `bot:` checks a substring, loosely, because prompts get reworded and a test that fails on
//! every comma teaches people to stop running it; `bot exactly:` is there for the lines whose
//! wording matters. `saved` checks run at the end because what the bot stored is the outcome
//! the business cares about, whatever path the conversation took to get there.
//!
//! [`run`] keeps going after a failed check, so one run shows every mismatch, but stops at an
//! engine or store error: after one, the state of the conversation is unknown and every later
//! check would only report noise.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::flow::Channel;

/// A parsed conversation test.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    /// The file the script was read from, for messages.
    pub path: PathBuf,
    /// The conversation, in order.
    pub steps: Vec<Step>,
    /// What must be saved, checked after the last step.
    pub saved: Vec<SavedCheck>,
}

impl Script {
    /// The script as it runs on `channel`: without the steps written for the other one.
    pub fn on(&self, channel: Channel) -> Script {
        Script {
            steps: self
                .steps
                .iter()
                .filter(|step| step.only.is_none_or(|only| only == channel))
                .cloned()
                .collect(),
            ..self.clone()
        }
    }
}

/// One line of a script, with its 1-based line number.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The 1-based line number in the file.
    pub line: usize,
    /// What the line does or checks.
    pub kind: StepKind,
    /// The one channel the step belongs to (`voice bot: press pound`), or None for both.
    pub only: Option<Channel>,
}

/// What one step does or checks. Its `Display` is the step written in the script's format,
/// with the keyword in lower case.
#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    /// Something the caller does.
    Input(ScriptInput),
    /// The latest reply contains this text.
    BotSays(String),
    /// The latest reply is exactly this text.
    BotSaysExactly(String),
    /// The latest reply ends the call (true) or waits for the caller (false).
    BotEnds(bool),
    /// The last utterance was routed to this task (None: declined).
    Task(Option<String>),
}

/// Something the caller does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptInput {
    /// The caller says (voice) or texts (SMS) this.
    Say(String),
    /// The caller presses these keypad keys (only `0`-`9`, `*` and `#`).
    Keys(String),
    /// The caller says nothing.
    Silence,
    /// The caller hangs up.
    Hangup,
}

/// `saved collect.question: value` or `saved collect: status`. Its `Display` is the line in
/// the script's format.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedCheck {
    /// The 1-based line number in the file.
    pub line: usize,
    /// The collect's name.
    pub collect: String,
    /// The question's name; `None` checks the collect's status instead of a value.
    pub question: Option<String>,
    /// The expected value (with a question) or status (without).
    pub expected: String,
}

/// A script that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    /// The file being parsed.
    pub path: PathBuf,
    /// The 1-based line number of the problem.
    pub line: usize,
    /// What is wrong and what to write instead.
    pub message: String,
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

impl std::error::Error for ScriptError {}

/// Every step a line can start with, for "unknown step" messages.
const STEP_FORMS: &str = "write caller:, keys:, silence, hangup, bot:, bot exactly:, bot ends, \
                          bot continues, task:, or saved …";

/// The two shapes of a `saved` line, for its error messages.
const SAVED_FORMS: &str = "write saved collect.question: value, or saved collect: status";

/// Parses a conversation test. `path` is only used in error messages and the result.
pub fn parse(path: &Path, text: &str) -> Result<Script, ScriptError> {
    let mut script = Script {
        path: path.to_path_buf(),
        steps: Vec::new(),
        saved: Vec::new(),
    };
    // Editors on Windows like to start a file with a byte-order mark; it is not part of the
    // first keyword.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match parse_line(trimmed) {
            Ok(Line::Step(kind, only)) => script.steps.push(Step { line, kind, only }),
            Ok(Line::Saved {
                collect,
                question,
                expected,
            }) => script.saved.push(SavedCheck {
                line,
                collect,
                question,
                expected,
            }),
            Err(message) => {
                return Err(ScriptError {
                    path: path.to_path_buf(),
                    line,
                    message,
                });
            }
        }
    }
    if script.steps.is_empty() {
        // There is no line to point at, so point at the top of the file.
        return Err(ScriptError {
            path: path.to_path_buf(),
            line: 1,
            message: "no steps; a test needs at least one caller:, keys:, silence, hangup or \
                      bot: line (saved lines are only checked after the conversation)"
                .to_string(),
        });
    }
    Ok(script)
}

/// One non-comment line, parsed.
enum Line {
    Step(StepKind, Option<Channel>),
    Saved {
        collect: String,
        question: Option<String>,
        expected: String,
    },
}

/// Parses one trimmed, non-empty, non-comment line; the error is the message for the user.
fn parse_line(line: &str) -> Result<Line, String> {
    let (word, rest) = first_word(line);
    let only = match word.to_lowercase().as_str() {
        "voice" => Some(Channel::Voice),
        "sms" => Some(Channel::Sms),
        _ => None,
    };
    if let Some(channel) = only {
        return match parse_line(rest.trim_start())? {
            Line::Step(kind, None) => Ok(Line::Step(kind, Some(channel))),
            _ => Err(format!(
                "{word} must be followed by one step that runs only on that channel, e.g. \"{} bot: …\"; saved lines and a second channel cannot follow it",
                channel.as_str()
            )),
        };
    }
    let step = match word.to_lowercase().as_str() {
        "caller" => {
            let text = after_colon("caller", rest)?;
            if text.is_empty() {
                return Err(
                    "caller: needs what the caller says, e.g. \"caller: I'd like to \
                            register\"; for a caller who says nothing write silence"
                        .to_string(),
                );
            }
            StepKind::Input(ScriptInput::Say(text.to_string()))
        }
        "keys" => StepKind::Input(ScriptInput::Keys(parse_keys(after_colon("keys", rest)?)?)),
        "silence" => {
            no_text("silence", rest)?;
            StepKind::Input(ScriptInput::Silence)
        }
        "hangup" => {
            no_text("hangup", rest)?;
            StepKind::Input(ScriptInput::Hangup)
        }
        "hang" => {
            let (second, rest) = first_word(rest.trim_start());
            if !second.eq_ignore_ascii_case("up") {
                return Err(unknown_step(line));
            }
            no_text("hang up", rest)?;
            StepKind::Input(ScriptInput::Hangup)
        }
        "bot" => parse_bot(line, rest)?,
        "task" => {
            let name = after_colon("task", rest)?;
            if name.is_empty() {
                return Err(
                    "task: needs a task name, or none when no task should match, \
                            e.g. \"task: register\""
                        .to_string(),
                );
            }
            if name.eq_ignore_ascii_case("none") {
                StepKind::Task(None)
            } else {
                StepKind::Task(Some(name.to_string()))
            }
        }
        "saved" => return parse_saved(rest),
        _ => return Err(unknown_step(line)),
    };
    Ok(Line::Step(step, None))
}

/// Parses what follows `bot`: `:`, `exactly:`, `ends` or `continues`.
fn parse_bot(line: &str, rest: &str) -> Result<StepKind, String> {
    let rest = rest.trim_start();
    if let Some(text) = rest.strip_prefix(':') {
        let text = text.trim();
        if text.is_empty() {
            // An empty `bot:` would match every reply and so test nothing.
            return Err(
                "bot: needs the text the reply should contain; to check that the bot \
                        said nothing write bot exactly: with nothing after it"
                    .to_string(),
            );
        }
        return Ok(StepKind::BotSays(text.to_string()));
    }
    let (second, rest) = first_word(rest);
    match second.to_lowercase().as_str() {
        "exactly" => Ok(StepKind::BotSaysExactly(
            after_colon("bot exactly", rest)?.to_string(),
        )),
        "ends" => no_text("bot ends", rest).map(|()| StepKind::BotEnds(true)),
        "continues" => no_text("bot continues", rest).map(|()| StepKind::BotEnds(false)),
        _ => Err(unknown_step(line)),
    }
}

/// Parses what follows `saved`: `collect.question: value` or `collect: status`.
fn parse_saved(rest: &str) -> Result<Line, String> {
    let Some((target, expected)) = rest.split_once(':') else {
        return Err(format!("saved needs a colon; {SAVED_FORMS}"));
    };
    let target = target.trim();
    let expected = expected.trim();
    // Collect and question names are single identifiers; a space means a forgotten dot or
    // colon, which is better reported than looked up and never found.
    if target.is_empty() || target.contains(char::is_whitespace) {
        return Err(format!(
            "saved needs a collect name, not \"{target}\"; {SAVED_FORMS}"
        ));
    }
    let (collect, question) = match target.split_once('.') {
        Some((collect, question)) => (collect, Some(question)),
        None => (target, None),
    };
    if collect.is_empty() || question.is_some_and(str::is_empty) {
        return Err(format!(
            "saved needs both names around the dot, not \"{target}\"; {SAVED_FORMS}"
        ));
    }
    if expected.is_empty() {
        return Err(match question {
            Some(_) => format!(
                "saved {target}: needs the expected value after the colon, e.g. \
                 \"saved {target}: Jason\""
            ),
            None => format!(
                "saved {target}: needs a status after the colon: complete, incomplete or \
                 in_progress"
            ),
        });
    }
    Ok(Line::Saved {
        collect: collect.to_string(),
        question: question.map(str::to_string),
        expected: expected.to_string(),
    })
}

/// Checks and compacts the digits of a `keys:` line.
fn parse_keys(text: &str) -> Result<String, String> {
    let keys: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if keys.is_empty() {
        return Err("keys: needs the keypad keys pressed, e.g. \"keys: 1234#\"".to_string());
    }
    if let Some(bad) = keys
        .chars()
        .find(|c| !(c.is_ascii_digit() || *c == '*' || *c == '#'))
    {
        return Err(format!(
            "keys: \"{text}\" has '{bad}', which is not on a keypad; write digits 0-9, * and # \
             (to say words, write caller:)"
        ));
    }
    Ok(keys)
}

/// Splits off the first word, which ends at whitespace or a colon (so `caller:hi` works).
fn first_word(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| c.is_whitespace() || c == ':')
        .unwrap_or(text.len());
    text.split_at(end)
}

/// The trimmed text after a keyword's colon, or a message showing the line with the colon.
fn after_colon<'a>(keyword: &str, rest: &'a str) -> Result<&'a str, String> {
    match rest.trim_start().strip_prefix(':') {
        Some(text) => Ok(text.trim()),
        None => {
            let text = match rest.trim() {
                "" => "…",
                text => text,
            };
            Err(format!(
                "{keyword} needs a colon; write \"{keyword}: {text}\""
            ))
        }
    }
}

/// Checks that a keyword without text has nothing after it (a lone colon is forgiven).
fn no_text(keyword: &str, rest: &str) -> Result<(), String> {
    let rest = rest.trim();
    let rest = rest.strip_prefix(':').map_or(rest, str::trim);
    if rest.is_empty() {
        Ok(())
    } else if rest.starts_with('#') {
        Err(format!(
            "{keyword} takes nothing after it; comments go on their own line, starting with #"
        ))
    } else {
        Err(format!(
            "{keyword} takes nothing after it, but the line goes on with \"{rest}\""
        ))
    }
}

fn unknown_step(line: &str) -> String {
    format!("unknown step \"{line}\"; {STEP_FORMS}")
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepKind::Input(ScriptInput::Say(text)) => write!(f, "caller: {text}"),
            StepKind::Input(ScriptInput::Keys(keys)) => write!(f, "keys: {keys}"),
            StepKind::Input(ScriptInput::Silence) => f.write_str("silence"),
            StepKind::Input(ScriptInput::Hangup) => f.write_str("hangup"),
            StepKind::BotSays(text) => write!(f, "bot: {text}"),
            StepKind::BotSaysExactly(text) if text.is_empty() => f.write_str("bot exactly:"),
            StepKind::BotSaysExactly(text) => write!(f, "bot exactly: {text}"),
            StepKind::BotEnds(true) => f.write_str("bot ends"),
            StepKind::BotEnds(false) => f.write_str("bot continues"),
            StepKind::Task(Some(name)) => write!(f, "task: {name}"),
            StepKind::Task(None) => f.write_str("task: none"),
        }
    }
}

impl fmt::Display for SavedCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.question {
            Some(question) => write!(f, "saved {}.{}: {}", self.collect, question, self.expected),
            None => write!(f, "saved {}: {}", self.collect, self.expected),
        }
    }
}

/// What the bot did in reply to one input (or to the call's start).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BotReply {
    /// Everything said or written, joined with spaces.
    pub text: String,
    /// Whether the reply ends the call (or the SMS conversation).
    pub ended: bool,
    /// The task the input was routed to, if routing happened this turn.
    pub task: Option<String>,
}

/// A saved answer, for `saved` checks.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedAnswer {
    /// The collect's name.
    pub collect: String,
    /// The question's name.
    pub question: String,
    /// The normalised value.
    pub value: String,
    /// The collect's status: complete, incomplete or in_progress.
    pub status: String,
}

/// The outcome of running a script. Its `Display` lists every failure with what was expected
/// and what happened, then a last line `N steps, M failed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The script's file.
    pub path: PathBuf,
    /// Every failed expectation, in the order they were found.
    pub failures: Vec<Failure>,
    /// How many steps and saved checks were run (a run stops early at an engine error).
    pub steps_run: usize,
}

impl Report {
    /// Whether every check held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// One failed expectation, with what was expected and what happened.
///
/// `expected` and `actual` are each written `label: value` (e.g. `a reply containing: phone
/// number`, `the bot said: Sorry…`) so the report can line the values up under each other.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The 1-based line of the step; 0 for the call's start, which has no line.
    pub line: usize,
    /// The line as written (keyword in lower case).
    pub step: String,
    /// What was expected, without the word "expected".
    pub expected: String,
    /// What happened.
    pub actual: String,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for failure in &self.failures {
            let path = self.path.display();
            if failure.line == 0 {
                writeln!(f, "{path}: {}", failure.step)?;
            } else {
                writeln!(f, "{path}:{}: {}", failure.line, failure.step)?;
            }
            let expected = format!("expected {}", failure.expected);
            write_aligned(f, &expected, &failure.actual)?;
        }
        let steps = if self.steps_run == 1 { "step" } else { "steps" };
        write!(
            f,
            "{} {steps}, {} failed",
            self.steps_run,
            self.failures.len()
        )
    }
}

/// Writes the expected and actual lines of a failure, indented, with their values in one
/// column so a near miss is easy to spot letter by letter.
fn write_aligned(f: &mut fmt::Formatter<'_>, expected: &str, actual: &str) -> fmt::Result {
    let (first, second) = (expected.split_once(": "), actual.split_once(": "));
    let (Some((label_e, value_e)), Some((label_a, value_a))) = (first, second) else {
        return writeln!(f, "  {expected}\n  {actual}");
    };
    // Widths count characters, not bytes, so a label with an accent still lines up.
    let width = label_e.chars().count().max(label_a.chars().count()) + 1;
    // A multi-line value (an SMS with line breaks) continues in the value column.
    let indent = format!("\n{}", " ".repeat(2 + width + 1));
    for (label, value) in [(label_e, value_e), (label_a, value_a)] {
        let label = format!("{label}:");
        writeln!(f, "  {label:<width$} {}", value.replace('\n', &indent))?;
    }
    Ok(())
}

/// The `step` of a failure at the call's start.
const START_STEP: &str = "(the start of the call)";

/// Runs a script. `start` produces the call's first reply; `turn` sends one input and returns
/// the reply; `saved` returns what was saved when the script ends. Errors returned by the
/// closures (engine/store failures) stop the run and are reported as a failure on that line.
///
/// `saved` is only called when the script has `saved` lines. Inputs after the bot ended the
/// call are still sent: what the engine does with them is part of what is being tested.
pub fn run(
    script: &Script,
    start: impl FnOnce() -> Result<BotReply, String>,
    mut turn: impl FnMut(&ScriptInput) -> Result<BotReply, String>,
    saved: impl FnOnce() -> Result<Vec<SavedAnswer>, String>,
) -> Report {
    let mut report = Report {
        path: script.path.clone(),
        failures: Vec::new(),
        steps_run: 0,
    };
    let mut latest = match start() {
        Ok(reply) => reply,
        Err(error) => {
            report.failures.push(Failure {
                line: 0,
                step: START_STEP.to_string(),
                expected: "a first reply".to_string(),
                actual: format!("the engine failed: {error}; the script was not run"),
            });
            return report;
        }
    };
    for step in &script.steps {
        report.steps_run += 1;
        let failed = |expected: String, actual: String| Failure {
            line: step.line,
            step: step.kind.to_string(),
            expected,
            actual,
        };
        let failure = match &step.kind {
            StepKind::Input(input) => match turn(input) {
                Ok(reply) => {
                    latest = reply;
                    None
                }
                Err(error) => {
                    report.failures.push(failed(
                        "a reply".to_string(),
                        format!("the engine failed: {error}; the rest of the script was not run"),
                    ));
                    return report;
                }
            },
            StepKind::BotSays(text) => (!loose(&latest.text).contains(&loose(text)))
                .then(|| failed(format!("a reply containing: {text}"), said(&latest.text))),
            StepKind::BotSaysExactly(text) => {
                (collapse(&latest.text) != collapse(text)).then(|| {
                    failed(
                        format!("the reply: {}", or_nothing(&collapse(text))),
                        said(&latest.text),
                    )
                })
            }
            StepKind::BotEnds(ends) => (latest.ended != *ends).then(|| {
                let (expected, actual) = if *ends {
                    ("a reply that ends the call", "the bot said, and waited")
                } else {
                    (
                        "a reply that waits for the caller",
                        "the bot said, and ended the call",
                    )
                };
                failed(
                    expected.to_string(),
                    format!("{actual}: {}", or_nothing(&collapse(&latest.text))),
                )
            }),
            StepKind::Task(task) => {
                let same = match (task, &latest.task) {
                    (Some(want), Some(got)) => loose(want) == loose(got),
                    (None, None) => true,
                    _ => false,
                };
                (!same).then(|| {
                    let expected = match task {
                        Some(name) => format!("routing to task: {name}"),
                        None => "routing to: no task".to_string(),
                    };
                    failed(
                        expected,
                        format!("it was routed to: {}", task_name(latest.task.as_deref())),
                    )
                })
            }
        };
        report.failures.extend(failure);
    }
    let Some(first) = script.saved.first() else {
        return report;
    };
    let answers = match saved() {
        Ok(answers) => answers,
        Err(error) => {
            report.failures.push(Failure {
                line: first.line,
                step: first.to_string(),
                expected: "the saved answers".to_string(),
                actual: format!("reading them failed: {error}"),
            });
            return report;
        }
    };
    for check in &script.saved {
        report.steps_run += 1;
        report.failures.extend(check_saved(check, &answers));
    }
    report
}

/// Checks one `saved` line against everything saved; `None` when it holds.
fn check_saved(check: &SavedCheck, answers: &[SavedAnswer]) -> Option<Failure> {
    let of_collect: Vec<&SavedAnswer> = answers
        .iter()
        .filter(|answer| loose(&answer.collect) == loose(&check.collect))
        .collect();
    let want = loose(&check.expected);
    let (expected, actual) = match &check.question {
        Some(question) => {
            let values: Vec<&str> = of_collect
                .iter()
                .filter(|answer| loose(&answer.question) == loose(question))
                .map(|answer| answer.value.as_str())
                .collect();
            if values.iter().any(|value| loose(value) == want) {
                return None;
            }
            let actual = if !values.is_empty() {
                format!("saved: {}", distinct(values).join(", "))
            } else if !of_collect.is_empty() {
                // The question name is likely misspelt: show the ones that exist.
                let questions = distinct(of_collect.iter().map(|a| a.question.as_str()));
                format!(
                    "saved: nothing for {}.{question} ({} has {})",
                    check.collect,
                    check.collect,
                    questions.join(", ")
                )
            } else {
                nothing_for(&check.collect, answers)
            };
            (format!("a saved value: {}", check.expected), actual)
        }
        None => {
            let statuses = distinct(of_collect.iter().map(|answer| answer.status.as_str()));
            if statuses.iter().any(|status| loose(status) == want) {
                return None;
            }
            let actual = if statuses.is_empty() {
                nothing_for(&check.collect, answers)
            } else {
                format!("saved with status: {}", statuses.join(", "))
            };
            (format!("a status: {}", check.expected), actual)
        }
    };
    Some(Failure {
        line: check.line,
        step: check.to_string(),
        expected,
        actual,
    })
}

/// "Nothing saved" for a collect, naming the collects that were saved (a misspelt name).
fn nothing_for(collect: &str, answers: &[SavedAnswer]) -> String {
    let collects = distinct(answers.iter().map(|answer| answer.collect.as_str()));
    if collects.is_empty() {
        "saved: nothing at all".to_string()
    } else {
        format!(
            "saved: nothing for {collect} (saved: {})",
            collects.join(", ")
        )
    }
}

/// The values in first-seen order, without repeats.
fn distinct<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen: Vec<&str> = Vec::new();
    for value in values {
        if !seen.contains(&value) {
            seen.push(value);
        }
    }
    seen
}

fn said(text: &str) -> String {
    format!("the bot said: {}", or_nothing(&collapse(text)))
}

fn or_nothing(text: &str) -> &str {
    if text.is_empty() { "(nothing)" } else { text }
}

fn task_name(task: Option<&str>) -> &str {
    task.unwrap_or("no task")
}

/// Runs of whitespace (line breaks included) as single spaces, trimmed.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The loose comparison form: collapsed, lower case, typographic quotes as plain ones.
fn loose(text: &str) -> String {
    collapse(text)
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201F}' | '\u{2033}' => '"',
            other => other,
        })
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests;
