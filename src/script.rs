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

/// One line of a script, with its 1-based line number.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The 1-based line number in the file.
    pub line: usize,
    /// What the line does or checks.
    pub kind: StepKind,
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
            Ok(Line::Step(kind)) => script.steps.push(Step { line, kind }),
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
    Step(StepKind),
    Saved {
        collect: String,
        question: Option<String>,
        expected: String,
    },
}

/// Parses one trimmed, non-empty, non-comment line; the error is the message for the user.
fn parse_line(line: &str) -> Result<Line, String> {
    let (word, rest) = first_word(line);
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
    Ok(Line::Step(step))
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
mod tests {
    use super::*;

    fn path() -> PathBuf {
        PathBuf::from("tests/register.txt")
    }

    fn step(line: usize, kind: StepKind) -> Step {
        Step { line, kind }
    }

    fn say(text: &str) -> StepKind {
        StepKind::Input(ScriptInput::Say(text.to_string()))
    }

    fn bot(text: &str) -> StepKind {
        StepKind::BotSays(text.to_string())
    }

    fn reply(text: &str) -> BotReply {
        BotReply {
            text: text.to_string(),
            ended: false,
            task: None,
        }
    }

    fn answer(collect: &str, question: &str, value: &str, status: &str) -> SavedAnswer {
        SavedAnswer {
            collect: collect.to_string(),
            question: question.to_string(),
            value: value.to_string(),
            status: status.to_string(),
        }
    }

    fn error_of(text: &str) -> ScriptError {
        parse(&path(), text).expect_err("the script should not parse")
    }

    /// Runs `text` against replies handed out in order, recording the inputs sent.
    fn run_with(
        text: &str,
        first: BotReply,
        replies: Vec<Result<BotReply, String>>,
        answers: Result<Vec<SavedAnswer>, String>,
    ) -> (Report, Vec<ScriptInput>) {
        let script = parse(&path(), text).expect("test script parses");
        let mut sent = Vec::new();
        let mut replies = replies.into_iter();
        let report = run(
            &script,
            || Ok(first),
            |input| {
                sent.push(input.clone());
                replies
                    .next()
                    .unwrap_or_else(|| Err("the fake engine ran out of replies".to_string()))
            },
            || answers,
        );
        (report, sent)
    }

    #[test]
    fn parses_every_kind_of_step() {
        let text = "\u{feff}# A registration by voice.\r\n\
            \r\n\
            bot: What would you like to do?\r\n\
            Caller: I'd like to register\r\n\
            TASK: register\r\n\
            \x20   bot: What is your name?\n\
            caller:my name is Jason\n\
            \t# an indented comment\n\
            bot : phone number\n\
            keys: 415 555 0123#\n\
            Bot Exactly:   Thank you,   Jason.  \n\
            bot exactly:\n\
            silence\n\
            caller: #1\n\
            task: None\n\
            BOT CONTINUES\n\
            bot ends:\n\
            hangup\n\
            Hang Up\n\
            saved user_information.user_name: Jason\n\
            SAVED user_information: complete\n\
            saved booking.time: 10:30 am\n";
        let script = parse(&path(), text).expect("parses");
        assert_eq!(
            script,
            Script {
                path: path(),
                steps: vec![
                    step(3, bot("What would you like to do?")),
                    step(4, say("I'd like to register")),
                    step(5, StepKind::Task(Some("register".to_string()))),
                    step(6, bot("What is your name?")),
                    step(7, say("my name is Jason")),
                    step(9, bot("phone number")),
                    step(
                        10,
                        StepKind::Input(ScriptInput::Keys("4155550123#".to_string()))
                    ),
                    step(
                        11,
                        StepKind::BotSaysExactly("Thank you,   Jason.".to_string())
                    ),
                    step(12, StepKind::BotSaysExactly(String::new())),
                    step(13, StepKind::Input(ScriptInput::Silence)),
                    step(14, say("#1")),
                    step(15, StepKind::Task(None)),
                    step(16, StepKind::BotEnds(false)),
                    step(17, StepKind::BotEnds(true)),
                    step(18, StepKind::Input(ScriptInput::Hangup)),
                    step(19, StepKind::Input(ScriptInput::Hangup)),
                ],
                saved: vec![
                    SavedCheck {
                        line: 20,
                        collect: "user_information".to_string(),
                        question: Some("user_name".to_string()),
                        expected: "Jason".to_string(),
                    },
                    SavedCheck {
                        line: 21,
                        collect: "user_information".to_string(),
                        question: None,
                        expected: "complete".to_string(),
                    },
                    SavedCheck {
                        line: 22,
                        collect: "booking".to_string(),
                        question: Some("time".to_string()),
                        expected: "10:30 am".to_string(),
                    },
                ],
            }
        );
    }

    #[test]
    fn a_hash_after_a_keyword_is_text_not_a_comment() {
        let script = parse(&path(), "caller: press # now # really\nbot: #1 choice").unwrap();
        assert_eq!(
            script.steps,
            vec![
                step(1, say("press # now # really")),
                step(2, bot("#1 choice"))
            ]
        );
    }

    #[test]
    fn steps_display_as_written() {
        let text = "caller: hi\nkeys: 1#\nsilence\nhang up\nbot: x\nbot exactly: y\n\
                    bot exactly:\nbot ends\nbot continues\ntask: t\ntask: none\n\
                    saved a.b: c\nsaved a: complete";
        let script = parse(&path(), text).unwrap();
        let mut lines: Vec<String> = script.steps.iter().map(|s| s.kind.to_string()).collect();
        lines.extend(script.saved.iter().map(ToString::to_string));
        assert_eq!(
            lines.join("\n"),
            text.replace("hang up", "hangup"),
            "rendering a parsed step gives its line back"
        );
    }

    #[test]
    fn unknown_step_names_file_line_and_the_choices() {
        let error = error_of("bot: hello\n\n  calller: hi  \n");
        assert_eq!(
            error.to_string(),
            "tests/register.txt:3: unknown step \"calller: hi\"; write caller:, keys:, silence, \
             hangup, bot:, bot exactly:, bot ends, bot continues, task:, or saved …"
        );
        assert_eq!(error.line, 3);
        for text in [
            "bot says: hi",
            "bot",
            "hang on",
            "botexactly: hi",
            "silently",
        ] {
            assert_eq!(
                error_of(text).message,
                format!("unknown step \"{text}\"; {STEP_FORMS}"),
                "{text}"
            );
        }
    }

    #[test]
    fn empty_caller_is_an_error() {
        let error = error_of("bot: hi\ncaller:   \n");
        assert_eq!(error.line, 2);
        assert_eq!(
            error.message,
            "caller: needs what the caller says, e.g. \"caller: I'd like to register\"; for a \
             caller who says nothing write silence"
        );
    }

    #[test]
    fn keys_must_be_keypad_keys() {
        let error = error_of("# menu\nkeys: 12a4\n");
        assert_eq!(
            error.to_string(),
            "tests/register.txt:2: keys: \"12a4\" has 'a', which is not on a keypad; write \
             digits 0-9, * and # (to say words, write caller:)"
        );
        assert_eq!(
            error_of("keys:").message,
            "keys: needs the keypad keys pressed, e.g. \"keys: 1234#\""
        );
    }

    #[test]
    fn saved_needs_a_colon_and_names() {
        let error = error_of("caller: hi\nsaved user_information.user_name Jason\n");
        assert_eq!(error.line, 2);
        assert_eq!(
            error.message,
            "saved needs a colon; write saved collect.question: value, or saved collect: status"
        );
        assert_eq!(
            error_of("saved user info: complete").message,
            "saved needs a collect name, not \"user info\"; write saved collect.question: \
             value, or saved collect: status"
        );
        assert_eq!(
            error_of("saved user_information.: Jason").message,
            "saved needs both names around the dot, not \"user_information.\"; write saved \
             collect.question: value, or saved collect: status"
        );
        assert_eq!(
            error_of("saved a.b:").message,
            "saved a.b: needs the expected value after the colon, e.g. \"saved a.b: Jason\""
        );
        assert_eq!(
            error_of("saved a:  ").message,
            "saved a: needs a status after the colon: complete, incomplete or in_progress"
        );
    }

    #[test]
    fn a_file_without_steps_is_an_error() {
        let message = "no steps; a test needs at least one caller:, keys:, silence, hangup or \
                       bot: line (saved lines are only checked after the conversation)";
        for text in ["", "# only a comment\n\n", "saved a.b: c\n"] {
            let error = error_of(text);
            assert_eq!(
                (error.line, error.message.as_str()),
                (1, message),
                "{text:?}"
            );
        }
    }

    #[test]
    fn other_mistakes_say_what_to_write() {
        let cases = [
            (
                "caller hi there",
                "caller needs a colon; write \"caller: hi there\"",
            ),
            (
                "bot exactly hi",
                "bot exactly needs a colon; write \"bot exactly: hi\"",
            ),
            ("task", "task needs a colon; write \"task: …\""),
            (
                "bot:",
                "bot: needs the text the reply should contain; to check that the bot said \
                 nothing write bot exactly: with nothing after it",
            ),
            (
                "task:",
                "task: needs a task name, or none when no task should match, e.g. \
                 \"task: register\"",
            ),
            (
                "silence # the caller says nothing",
                "silence takes nothing after it; comments go on their own line, starting \
                 with #",
            ),
            (
                "bot ends # then: hangs up",
                "bot ends takes nothing after it; comments go on their own line, starting \
                 with #",
            ),
            (
                "hangup now",
                "hangup takes nothing after it, but the line goes on with \"now\"",
            ),
        ];
        for (text, message) in cases {
            let error = error_of(text);
            assert_eq!((error.line, error.message.as_str()), (1, message), "{text}");
        }
    }

    const REGISTER: &str = "\
bot: what would you like to do
caller: I'd like to register
task: register
bot: What is your name?
caller: my name is Jason
bot: phone number
bot continues
keys: 4155550123
bot: you're ON the list
bot exactly: Thank you, Jason. You’re on the list.
silence
bot: WHAT WOULD   YOU LIKE
caller: goodbye
task: none
bot ends
hangup
saved user_information.user_name: jason
saved user_information.user_phone_number: 4155550123
saved user_information: COMPLETE
";

    fn register_replies() -> Vec<Result<BotReply, String>> {
        vec![
            Ok(BotReply {
                task: Some("Register".to_string()),
                ..reply("What is your name?")
            }),
            Ok(reply("Thanks. What is your phone\nnumber?")),
            Ok(reply("Thank you,  Jason.\nYou\u{2019}re on the list.")),
            Ok(reply("What would you like to do?")),
            Ok(BotReply {
                ended: true,
                ..reply("Goodbye!")
            }),
            Ok(BotReply::default()),
        ]
    }

    fn register_answers() -> Vec<SavedAnswer> {
        vec![
            answer("user_information", "user_name", "Jason", "complete"),
            answer(
                "user_information",
                "user_phone_number",
                "4155550123",
                "complete",
            ),
        ]
    }

    #[test]
    fn a_passing_script() {
        let (report, sent) = run_with(
            REGISTER,
            reply("Hello! What would you like to do?"),
            register_replies(),
            Ok(register_answers()),
        );
        assert_eq!(
            report,
            Report {
                path: path(),
                failures: vec![],
                steps_run: 19,
            }
        );
        assert!(report.passed());
        assert_eq!(report.to_string(), "19 steps, 0 failed");
        assert_eq!(
            sent,
            vec![
                ScriptInput::Say("I'd like to register".to_string()),
                ScriptInput::Say("my name is Jason".to_string()),
                ScriptInput::Keys("4155550123".to_string()),
                ScriptInput::Silence,
                ScriptInput::Say("goodbye".to_string()),
                ScriptInput::Hangup,
            ]
        );
    }

    #[test]
    fn bot_exactly_is_case_and_quote_sensitive() {
        let (report, _) = run_with(
            "caller: hi\nbot exactly: you're IN",
            BotReply::default(),
            vec![Ok(reply("you\u{2019}re in"))],
            Ok(vec![]),
        );
        assert_eq!(
            report.failures,
            vec![Failure {
                line: 2,
                step: "bot exactly: you're IN".to_string(),
                expected: "the reply: you're IN".to_string(),
                actual: "the bot said: you\u{2019}re in".to_string(),
            }]
        );
    }

    #[test]
    fn a_failing_script_reports_every_mismatch() {
        let text = "\
# greeting
bot: welcome
caller: I'd like to register
task: register
bot: What is your name?
caller: Jason
bot: phone number
bot ends
keys: 12
bot exactly: Thanks.
task: none
bot continues
saved user_information.user_name: Jason
saved user_information.user_phone: 12
saved user_information: complete
saved booking: complete
";
        let (report, sent) = run_with(
            text,
            reply("Hello!"),
            vec![
                Ok(reply(
                    "Sorry, I didn't get that. What would you like to do?",
                )),
                Ok(reply("Sorry, I didn't get that.\nWhat is your name?")),
                Ok(BotReply {
                    ended: true,
                    task: Some("goodbye".to_string()),
                    ..reply("Goodbye!")
                }),
            ],
            Ok(vec![
                answer("user_information", "user_name", "Jay", "in_progress"),
                answer("user_information", "user_name", "J", "in_progress"),
            ]),
        );
        assert_eq!(sent.len(), 3);
        assert!(!report.passed());
        assert_eq!(
            report.to_string(),
            "\
tests/register.txt:2: bot: welcome
  expected a reply containing: welcome
  the bot said:                Hello!
tests/register.txt:4: task: register
  expected routing to task: register
  it was routed to:         no task
tests/register.txt:5: bot: What is your name?
  expected a reply containing: What is your name?
  the bot said:                Sorry, I didn't get that. What would you like to do?
tests/register.txt:7: bot: phone number
  expected a reply containing: phone number
  the bot said:                Sorry, I didn't get that. What is your name?
tests/register.txt:8: bot ends
  expected a reply that ends the call
  the bot said, and waited: Sorry, I didn't get that. What is your name?
tests/register.txt:10: bot exactly: Thanks.
  expected the reply: Thanks.
  the bot said:       Goodbye!
tests/register.txt:11: task: none
  expected routing to: no task
  it was routed to:    goodbye
tests/register.txt:12: bot continues
  expected a reply that waits for the caller
  the bot said, and ended the call: Goodbye!
tests/register.txt:13: saved user_information.user_name: Jason
  expected a saved value: Jason
  saved:                  Jay, J
tests/register.txt:14: saved user_information.user_phone: 12
  expected a saved value: 12
  saved:                  nothing for user_information.user_phone (user_information has user_name)
tests/register.txt:15: saved user_information: complete
  expected a status: complete
  saved with status: in_progress
tests/register.txt:16: saved booking: complete
  expected a status: complete
  saved:             nothing for booking (saved: user_information)
15 steps, 12 failed"
        );
        assert_eq!(report.steps_run, 15);
        assert_eq!(
            report.failures[0],
            Failure {
                line: 2,
                step: "bot: welcome".to_string(),
                expected: "a reply containing: welcome".to_string(),
                actual: "the bot said: Hello!".to_string(),
            }
        );
    }

    #[test]
    fn multi_line_values_stay_in_their_column() {
        let report = Report {
            path: path(),
            failures: vec![Failure {
                line: 3,
                step: "bot: x".to_string(),
                expected: "a reply containing: x".to_string(),
                actual: "the bot said: one\ntwo".to_string(),
            }],
            steps_run: 1,
        };
        assert_eq!(
            report.to_string(),
            "\
tests/register.txt:3: bot: x
  expected a reply containing: x
  the bot said:                one
                               two
1 step, 1 failed"
        );
    }

    #[test]
    fn an_engine_error_stops_the_run_on_its_line() {
        let text = "bot: hi\ncaller: one\ncaller: two\nbot: never checked\n\
                    saved a.b: c\n";
        let script = parse(&path(), text).unwrap();
        let mut sent = Vec::new();
        let mut saved_called = false;
        let report = run(
            &script,
            || Ok(reply("hi there")),
            |input| {
                sent.push(input.clone());
                if sent.len() == 2 {
                    Err("database is locked".to_string())
                } else {
                    Ok(reply("ok"))
                }
            },
            || {
                saved_called = true;
                Ok(vec![])
            },
        );
        assert_eq!(sent.len(), 2);
        assert!(
            !saved_called,
            "saved() is not consulted after an engine error"
        );
        assert_eq!(report.steps_run, 3);
        assert_eq!(
            report.to_string(),
            "\
tests/register.txt:3: caller: two
  expected a reply
  the engine failed: database is locked; the rest of the script was not run
3 steps, 1 failed"
        );
    }

    #[test]
    fn a_start_error_runs_nothing() {
        let script = parse(&path(), "bot: hi\ncaller: one\n").unwrap();
        let mut turns = 0;
        let report = run(
            &script,
            || Err("no flows loaded".to_string()),
            |_| {
                turns += 1;
                Ok(BotReply::default())
            },
            || Ok(vec![]),
        );
        assert_eq!(turns, 0);
        assert_eq!(
            report.to_string(),
            "\
tests/register.txt: (the start of the call)
  expected a first reply
  the engine failed: no flows loaded; the script was not run
0 steps, 1 failed"
        );
    }

    #[test]
    fn a_saved_error_is_reported_on_the_first_saved_line() {
        let (report, _) = run_with(
            "saved a: complete\ncaller: hi\nsaved a.b: c",
            BotReply::default(),
            vec![Ok(reply("ok"))],
            Err("no such table".to_string()),
        );
        assert_eq!(
            report,
            Report {
                path: path(),
                failures: vec![Failure {
                    line: 1,
                    step: "saved a: complete".to_string(),
                    expected: "the saved answers".to_string(),
                    actual: "reading them failed: no such table".to_string(),
                }],
                steps_run: 1,
            }
        );
    }

    #[test]
    fn saved_checks_match_any_answer_loosely() {
        let text = "caller: hi\n\
                    saved Contacts.Name: mary  ann\n\
                    saved contacts.name: bob\n\
                    saved contacts: incomplete\n\
                    saved contacts: complete\n";
        let answers = vec![
            answer("contacts", "name", "Bob", "complete"),
            answer("contacts", "name", "Mary Ann", "incomplete"),
        ];
        let (report, _) = run_with(text, reply(""), vec![Ok(reply(""))], Ok(answers));
        assert_eq!(report.failures, vec![]);
        assert_eq!(report.steps_run, 5);

        let (report, _) = run_with(text, reply(""), vec![Ok(reply(""))], Ok(vec![]));
        assert_eq!(
            report
                .failures
                .iter()
                .map(|f| (f.line, f.expected.as_str(), f.actual.as_str()))
                .collect::<Vec<_>>(),
            vec![
                (2, "a saved value: mary  ann", "saved: nothing at all"),
                (3, "a saved value: bob", "saved: nothing at all"),
                (4, "a status: incomplete", "saved: nothing at all"),
                (5, "a status: complete", "saved: nothing at all"),
            ]
        );
    }

    #[test]
    fn task_none_passes_only_when_nothing_was_routed() {
        let text = "caller: blah\ntask: none\ncaller: register\ntask: none";
        let (report, _) = run_with(
            text,
            BotReply::default(),
            vec![
                Ok(reply("Sorry?")),
                Ok(BotReply {
                    task: Some("register".to_string()),
                    ..reply("Name?")
                }),
            ],
            Ok(vec![]),
        );
        assert_eq!(
            report.failures,
            vec![Failure {
                line: 4,
                step: "task: none".to_string(),
                expected: "routing to: no task".to_string(),
                actual: "it was routed to: register".to_string(),
            }]
        );
        assert_eq!(report.steps_run, 4);
    }

    #[test]
    fn checks_before_any_input_look_at_the_greeting_and_inputs_after_the_end_are_sent() {
        let (report, sent) = run_with(
            "bot: welcome\nbot ends\ncaller: hello?\nbot exactly:",
            BotReply {
                ended: true,
                ..reply("Welcome, goodbye.")
            },
            vec![Ok(BotReply::default())],
            Ok(vec![]),
        );
        assert!(report.passed(), "{report}");
        assert_eq!(sent, vec![ScriptInput::Say("hello?".to_string())]);
    }
}
