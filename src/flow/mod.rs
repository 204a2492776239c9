//! The Assistant: everything loaded from a flows folder, validated once.
//!
//! A flows folder is an `assistant.json` (name, defaults, style sheet, custom field types,
//! matcher settings, spoken messages) and a `tasks/` folder with one `<task name>.json` per
//! task: its sample utterances and its actions in Autopilot's Actions JSON vocabulary, so a
//! migrating team can paste a task's actions in unchanged.
//!
//! Loading happens in two steps, the way ripgrep turns low-level arguments into high-level ones:
//! [`source`] reads files (the only I/O here), and [`load()`] turns their text into an
//! [`Assistant`] or a list of [`FlowError`]s naming file, place and fix. An `Assistant` is valid
//! by construction: every `task://` reference resolved, every field type known, every collect
//! non-empty. Nothing downstream re-checks, and nothing downstream can fail on flow content.

pub mod autopilot;
pub mod branch;
mod json;
pub mod lint;
pub mod load;
pub mod memory;
pub mod source;
pub mod spoken;
pub mod text;

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::nlu::fields::{BuiltinType, CustomType};
use crate::nlu::matcher::Matcher;

pub use load::{load, load_dir, load_dir_with, load_with};

/// Loads an assistant from a flows folder, or from an Autopilot export file (`schema.json`),
/// converted on the fly; the conversion's warnings come first among the assistant's.
///
/// # Errors
/// The folder or file cannot be read, is not a flows folder or an export, or has mistakes.
pub fn load_path(path: &std::path::Path) -> Result<Assistant, FlowErrors> {
    load_path_with(path, None)
}

/// As [`load_path`], with a sentence-embedding model for the matcher (`--nlu-model`).
///
/// # Errors
/// As [`load_path`], and the model failing on a sample.
pub fn load_path_with(
    path: &std::path::Path,
    model: Option<&std::sync::Arc<crate::nlu::embedding::Model>>,
) -> Result<Assistant, FlowErrors> {
    if path.is_dir() {
        return load_dir_with(path, model);
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        FlowErrors(vec![FlowError {
            file: path.to_path_buf(),
            place: "(file)".into(),
            problem: format!("cannot read it: {e}"),
            fix: "pass --flows with a flows folder or an Autopilot export (schema.json)".into(),
        }])
    })?;
    let import = autopilot::convert(path, &text)?;
    let mut assistant = load_with(&import.files, model)?;
    let mut warnings = import.warnings;
    warnings.append(&mut assistant.warnings);
    assistant.warnings = warnings;
    Ok(assistant)
}
pub use source::SourceFile;
pub use text::{Channel, Saying, Text};

/// Index of a task in [`Assistant::tasks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskId(pub usize);

/// A loaded, validated assistant.
pub struct Assistant {
    /// Human-readable name, from `assistant.json`.
    pub name: String,
    /// Every task, in file-name order; [`TaskId`]s index this.
    pub tasks: Vec<Task>,
    /// Which tasks run on their own: greeting, fallback, after failed answers.
    pub defaults: Defaults,
    /// Voice and default validation behaviour.
    pub style: Style,
    /// What the bot says in situations no task covers (silence, loops, errors).
    pub messages: Messages,
    /// Safety limits that keep a call from going on forever.
    pub limits: Limits,
    /// The time zone callers' dates are in ("tomorrow", "next Friday"); UTC unless set.
    pub time_zone: chrono_tz::Tz,
    /// How text conversations behave: idle expiry and the words people text to get out.
    pub sms: SmsSettings,
    /// What a caller can say during a question, by voice, to get out of it.
    pub voice: VoiceEscapes,
    /// How a call waits for a slow web service (`webhooks` in `assistant.json`).
    pub webhooks: WebhookSettings,
    /// The language callers speak (`language` in `assistant.json`, en-US unless set): how
    /// Twilio's recogniser listens, the default voice, and how spoken values are read.
    pub language: &'static crate::nlu::lang::Language,
    /// The other languages tasks switch calls to (`"language"` in a task file), with what the
    /// engine says and hears in each.
    pub locales: Vec<Locale>,
    /// The intent matcher, indexed over every task's samples.
    pub matcher: Matcher,
    /// Speech hints for a `listen` that allows every task (all samples), precomputed.
    pub all_task_hints: String,
    /// Autopilot's AssistantSid for webhooks: `UA` and 32 hex digits derived from the name, so it
    /// is stable across restarts and machines.
    pub sid: String,
    /// Custom field types, for actions compiled at run time (a webhook's answer).
    pub field_types: HashMap<String, Arc<CustomType>>,
    /// `collect.question` → the kind of value its answers hold, so a placeholder naming it is
    /// said the way that kind is said aloud (a date as "Friday, December 11th").
    pub answer_kinds: HashMap<String, spoken::Kind>,
    /// The flows' version: 12 hex digits of a hash of every file's name and text, so the same
    /// flows give the same id on every machine and any edit a new one. Sessions record it.
    pub version: String,
    /// Things that load but deserve a look: `switchboard check` prints them and `serve` logs them.
    pub warnings: Vec<FlowError>,
    by_name: HashMap<String, TaskId>,
}

impl Assistant {
    /// The language a task switches calls to, by its tag (`"es-US"`); None for one no task
    /// switches to (the assistant's own, or one an edit removed).
    pub fn locale(&self, tag: &str) -> Option<&Locale> {
        self.locales.iter().find(|l| l.language.tag == tag)
    }

    /// Looks a task up by its unique name.
    pub fn task_id(&self, name: &str) -> Option<TaskId> {
        self.by_name.get(name).copied()
    }

    /// The task behind an id. Ids only come from this assistant, so this cannot fail for them;
    /// an id from elsewhere (a stale session) should go through [`Assistant::task_id`] instead.
    pub fn task(&self, id: TaskId) -> &Task {
        &self.tasks[id.0]
    }
}

impl fmt::Debug for Assistant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Assistant")
            .field("name", &self.name)
            .field("tasks", &self.tasks.len())
            .finish_non_exhaustive()
    }
}

/// A unit of conversation: triggered by samples, made of actions.
#[derive(Debug)]
pub struct Task {
    /// Unique name (the file stem), used in `task://name`.
    pub name: String,
    /// The file it was loaded from, as the loader was given it (`flows/tasks/order.json`, or
    /// `schema.json (task order)` for an Autopilot export), so advice about it names that file.
    pub file: PathBuf,
    /// Sample utterances that should trigger it; `{name}` tags mark where a field's value goes.
    pub samples: Vec<String>,
    /// The fields its samples' tags name, with their types.
    pub fields: Vec<(String, Field)>,
    /// What it does, in order.
    pub actions: Vec<Action>,
    /// The language the call speaks from this task on, when the task switches it (a bilingual
    /// line's "para español, diga español").
    pub language: Option<&'static crate::nlu::lang::Language>,
}

/// A language a task switches calls to, and what the engine says and hears in it: its own
/// built-in lines, escape words, failure message and hold message. The flow's `messages`,
/// `voice` and `sms` blocks are written in the assistant's language and stay with it; the
/// flow's own texts (`say`, questions) are said as written, whatever the call speaks.
#[derive(Debug)]
pub struct Locale {
    /// The language.
    pub language: &'static crate::nlu::lang::Language,
    /// Its built-in lines.
    pub messages: Messages,
    /// Its words to get out of a question by voice (the operator task stays the assistant's).
    pub voice: VoiceEscapes,
    /// Its words to get out of a text conversation (the idle time stays the assistant's).
    pub sms: SmsSettings,
    /// Its default words after a wrong answer.
    pub on_failure: Vec<Text>,
    /// Its hold message.
    pub hold: HoldSound,
}

/// One step of a task, in Autopilot's vocabulary.
#[derive(Debug)]
pub enum Action {
    /// Speak (voice) or write (SMS) a text.
    Say(Text),
    /// Play an audio file, `times` times (0 = Twilio's "until the call ends" is refused at load).
    Play {
        /// The audio URL.
        url: String,
        /// How many times.
        times: u32,
    },
    /// Keep the key/value pairs in the session's memory.
    Remember(serde_json::Map<String, serde_json::Value>),
    /// Wait for the caller and route what they say to a task.
    Listen(Listen),
    /// Ask a form's questions.
    Collect(Arc<Collect>),
    /// Continue with another task, or with actions fetched from a web service.
    Redirect(Target),
    /// Pass the call on: to a number, a SIP address, TwiML at a URL, or a TaskRouter workflow.
    Handoff(Handoff),
    /// Text and images for messaging channels; a phone call skips it.
    Show(Show),
    /// Go where the first arm whose conditions hold says, else to its default; without a
    /// default, and when no arm holds, go on with the next action.
    Branch(branch::Branch),
}

/// Where a redirect goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A task of this assistant (`task://name`).
    Task(TaskId),
    /// A web service that answers with Actions JSON (Autopilot's webhook redirect).
    Url(Webhook),
}

/// A web service Switchboard calls with Autopilot's request parameters.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Webhook {
    /// The URL, http or https.
    pub url: String,
    /// GET sends the parameters in the query string (without Memory, as Autopilot did); POST as a form.
    pub method: Method,
}

impl Webhook {
    /// The URL as logs and the call history may show it: see [`loggable_url`].
    pub fn loggable_url(&self) -> String {
        loggable_url(&self.url)
    }
}

/// Longest URL a log line or the call history shows; the rest is cut off with `…`.
const MAX_SHOWN_URL: usize = 200;

/// A URL without its query string, fragment or credentials, at most a couple of hundred
/// characters: what logs and the call history may show of a web service's address. The query
/// is where GET calls carry Autopilot's parameters (a caller's number and answers) and where
/// flow authors put API keys, so it never leaves this function.
pub fn loggable_url(url: &str) -> String {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    let shown = match without_query.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            match rest[..authority_end].rfind('@') {
                Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
                None => without_query.to_owned(),
            }
        }
        None => without_query.to_owned(),
    };
    match shown.char_indices().nth(MAX_SHOWN_URL) {
        Some((cut, _)) => format!("{}…", &shown[..cut]),
        None => shown,
    }
}

/// HTTP method of a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Method {
    /// Parameters in the query string.
    Get,
    /// Parameters as a form body.
    Post,
}

/// A `handoff`, resolved by destination.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Handoff {
    /// Connect the caller to a phone number (`<Dial>`).
    Number {
        /// E.164 number.
        number: String,
    },
    /// Connect the caller to a SIP address (`<Dial><Sip>`).
    Sip {
        /// `sip:…` address.
        address: String,
    },
    /// Hand the call to TwiML at a URL (`<Redirect>`).
    Twiml {
        /// The TwiML URL.
        url: String,
        /// GET or POST.
        method: Method,
    },
    /// Put the caller in a TaskRouter queue (`<Enqueue workflowSid>`).
    TaskRouter {
        /// The workflow, `WW…`.
        workflow_sid: String,
        /// Hold music TwiML.
        wait_url: Option<String>,
        /// Where Twilio goes when the caller leaves the queue.
        action: Option<String>,
        /// Task priority.
        priority: Option<u32>,
        /// Task timeout in seconds.
        timeout: Option<u32>,
    },
    /// A destination that cannot work (a template's "INSERT YOUR URL HERE"); loading warns, and
    /// a caller who reaches it hears an apology and goes to the fallback task.
    Unusable {
        /// What the flow said.
        uri: String,
    },
}

/// A `show`: text and images for channels that display them.
#[derive(Debug, Clone, PartialEq)]
pub struct Show {
    /// The text.
    pub body: Text,
    /// Image URLs, in order.
    pub images: Vec<String>,
}

/// A `listen`: which tasks the next utterance may go to.
#[derive(Debug)]
pub struct Listen {
    /// None: any task. Some: only these (Autopilot's `listen.tasks`).
    pub tasks: Option<Vec<TaskId>>,
    /// Speech hints for the Gather, drawn from the allowed tasks' samples.
    pub hints: String,
    /// Keypad menu: keys pressed → task (Autopilot's `listen.voice_digits`).
    pub keypad: Option<Keypad>,
    /// Whether the caller may talk over the prompt (Autopilot `listen.barge`, default true).
    pub barge: bool,
}

/// A keypad menu at a listen: "press 1 for sales".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keypad {
    /// Stop after this many keys.
    pub num_digits: Option<u32>,
    /// The key that ends entry.
    pub finish_on_key: Option<String>,
    /// Keys → task.
    pub redirects: Vec<(String, TaskId)>,
}

/// A form: ordered questions whose answers are saved together.
#[derive(Debug)]
pub struct Collect {
    /// The collect's name (Autopilot `collect.name`), saved with the answers.
    pub name: String,
    /// Asked in order.
    pub questions: Vec<Question>,
    /// Where the call goes once every question is answered: one target, or the first arm of a
    /// branch on the answers that holds.
    pub on_complete: branch::Branch,
}

/// One question of a collect.
#[derive(Debug)]
pub struct Question {
    /// Answer key, unique within the collect.
    pub name: String,
    /// What is asked.
    pub prompt: Text,
    /// Said when the caller asks for help during this question ("help", "what do you
    /// mean?"), before the question is asked again; None says the assistant's general help.
    pub help: Option<Text>,
    /// How the answer is parsed.
    pub field: Field,
    /// What happens on good and bad answers.
    pub validate: Validate,
    /// Keypad settings for the Gather.
    pub digits: VoiceDigits,
    /// Speech hints for the Gather, from the field type and allowed values.
    pub hints: String,
    /// A field of the triggering utterance that answers this question without asking
    /// (Autopilot `prefill`).
    pub prefill: Option<String>,
    /// Whether the caller may talk over the question (Autopilot `barge`, default true).
    pub barge: bool,
    /// How a time said without its part of day is read (`Twilio.TIME` questions; `hours` in
    /// the question or in `assistant.json`).
    pub hours: crate::nlu::fields::time::Hours,
    /// The answer is personal data to guard (a date of birth, an account number): kept only
    /// hashed in the database, never in the call history, and scrubbed from the session's
    /// memory when the call ends.
    pub sensitive: bool,
}

/// How an answer is parsed and normalised.
#[derive(Debug, Clone)]
pub enum Field {
    /// No type: the answer as said.
    FreeText,
    /// A Twilio built-in type.
    Builtin(BuiltinType),
    /// A custom type declared in `assistant.json`, by name.
    Custom(String, Arc<CustomType>),
}

impl Field {
    /// The type's name as written in flows (`Twilio.DATE`, a custom name, or `free text`).
    pub fn type_name(&self) -> &str {
        match self {
            Field::FreeText => "free text",
            Field::Builtin(ty) => ty.name(),
            Field::Custom(name, _) => name,
        }
    }
}

/// Validation of one question, with the style sheet's defaults already applied.
#[derive(Debug)]
pub struct Validate {
    /// If set, the answer must be one of these (compared case- and punctuation-insensitively).
    pub allowed_values: Option<Vec<String>>,
    /// Said after the 1st, 2nd… failed attempt; the last one repeats. Empty: the style sheet's
    /// (or, in a call a task switched to another language, that language's built-in words).
    pub on_failure: Vec<Text>,
    /// Whether the question is asked again after a failure message.
    pub repeat_question: bool,
    /// Said after a valid answer (None: nothing).
    pub on_success: Option<Text>,
    /// Failed attempts (silence included) allowed before giving up.
    pub max_attempts: u32,
    /// Where to go after `max_attempts`; None means the assistant's default, then a polite goodbye.
    pub on_max_attempts: Option<Target>,
    /// A web service that must approve each answer (`{"valid": true}`), after the type's own check.
    pub webhook: Option<Webhook>,
}

/// Keypad entry for a question (Autopilot `voice_digits`).
#[derive(Debug, Default)]
pub struct VoiceDigits {
    /// Stop after this many digits.
    pub num_digits: Option<u32>,
    /// The key that ends entry (Twilio's default is `#`).
    pub finish_on_key: Option<String>,
    /// Digit string → answer value (`{"1": "sales"}`).
    pub mapping: HashMap<String, String>,
}

/// The assistant's default tasks.
#[derive(Debug, Default)]
pub struct Defaults {
    /// Greets a new caller (Autopilot `assistant_initiation`).
    pub assistant_initiation: Option<Target>,
    /// Runs when nothing matched (Autopilot `fallback`).
    pub fallback: Option<Target>,
    /// Runs after a question's attempts run out (Autopilot `collect.validate_on_failure`).
    pub validate_on_failure: Option<Target>,
}

/// The style sheet, reduced to what the engine uses.
#[derive(Debug, Clone)]
pub struct Style {
    /// `<Say voice="…">`, e.g. `Polly.Joanna`.
    pub say_voice: Option<String>,
    /// Default failure messages for questions without their own.
    pub on_failure: Vec<Text>,
    /// Default for `repeat_question`.
    pub repeat_question: bool,
    /// Default success message.
    pub on_success: Option<Text>,
    /// Default attempts per question.
    pub max_attempts: u32,
}

/// Built-in lines for moments no task covers. Configurable under `messages` in
/// `assistant.json` so a bot in another language or tone can change them.
#[derive(Debug)]
pub struct Messages {
    /// Nothing matched and there is no fallback task.
    pub not_understood: String,
    /// Said before hanging up after too many silences at a listen.
    pub no_input_goodbye: String,
    /// Said before hanging up when a question's attempts ran out and no task is set to take over.
    pub too_many_attempts: String,
    /// Said before hanging up when redirects loop or the call exceeds its turn limit.
    pub loop_goodbye: String,
    /// Said when the server cannot process a turn (storage failure).
    pub error_goodbye: String,
    /// Said when a web service the flow calls fails or answers nonsense; the call then goes to
    /// the fallback task.
    pub webhook_failed: String,
    /// Texted in reply to a help word, before the last question again.
    pub sms_help: String,
    /// Texted when a cancel word ends the conversation.
    pub sms_cancelled: String,
    /// Texted for an empty or picture-only message, before the last question again.
    pub sms_empty: String,
    /// Texted where a call would be handed to a person; `{number}` is replaced when the handoff
    /// is to a phone number.
    pub sms_handoff: String,
    /// Texted where a handoff goes to a number, as "{sms_handoff} {number}".
    pub sms_handoff_number: String,
    /// Said by voice when a caller asks for help during a question, before it is asked again.
    pub voice_help: String,
    /// Said by voice when a caller cancels during a question, before the call ends.
    pub voice_cancelled: String,
    /// Said by voice when a caller asks for a person and the flows name nowhere to send them.
    pub voice_no_operator: String,
    /// Asked when a time answer could be morning or evening ("half past seven") and the
    /// question's hours do not settle it; `{am}` and `{pm}` are the two readings.
    pub am_or_pm: String,
    /// Said after the apology when a web service failed and so did the flows' way out of it
    /// (the fallback is itself a failing web service); then the caller may say anything.
    pub anything_else: String,
}

impl Messages {
    /// Each message with its key under `messages` in `assistant.json`: the names and the
    /// fields are paired here once, so reading them cannot put a text in the wrong slot.
    pub(crate) fn named_mut(&mut self) -> [(&'static str, &mut String); 16] {
        [
            ("not_understood", &mut self.not_understood),
            ("no_input_goodbye", &mut self.no_input_goodbye),
            ("too_many_attempts", &mut self.too_many_attempts),
            ("loop_goodbye", &mut self.loop_goodbye),
            ("error_goodbye", &mut self.error_goodbye),
            ("webhook_failed", &mut self.webhook_failed),
            ("sms_help", &mut self.sms_help),
            ("sms_cancelled", &mut self.sms_cancelled),
            ("sms_empty", &mut self.sms_empty),
            ("sms_handoff", &mut self.sms_handoff),
            ("sms_handoff_number", &mut self.sms_handoff_number),
            ("voice_help", &mut self.voice_help),
            ("voice_cancelled", &mut self.voice_cancelled),
            ("voice_no_operator", &mut self.voice_no_operator),
            ("am_or_pm", &mut self.am_or_pm),
            ("anything_else", &mut self.anything_else),
        ]
    }
}

/// Text conversation settings (`sms` in `assistant.json`).
#[derive(Debug, Clone)]
pub struct SmsSettings {
    /// A conversation idle this long starts afresh with the next text (Autopilot: 4 hours).
    pub idle: chrono::Duration,
    /// Words that end the conversation silently (the carrier's opt-out, STOP, answers itself).
    pub stop_words: Vec<String>,
    /// Words that end the conversation with a confirmation.
    pub cancel_words: Vec<String>,
    /// Words that start the conversation over.
    pub restart_words: Vec<String>,
    /// Words that get the help text and the last question again.
    pub help_words: Vec<String>,
}

/// Words a caller can say during a question, by voice, to get out of it rather than have them
/// taken as a wrong answer (texts have their keywords in [`SmsSettings`]). Each list is whole
/// utterances, compared as `flow::load::keyword` normalises them; an empty list turns
/// that escape off. A word that is also a value the question lists (a custom type's value or
/// synonym, an allowed value) stays an answer.
#[derive(Debug, Clone)]
pub struct VoiceEscapes {
    /// The help message, then the question again; no attempt is counted.
    pub help_words: Vec<String>,
    /// The collect ends incomplete and the call ends politely.
    pub cancel_words: Vec<String>,
    /// The collect ends incomplete and the caller is greeted again.
    pub restart_words: Vec<String>,
    /// The collect ends incomplete and the call goes to [`VoiceEscapes::operator`].
    pub operator_words: Vec<String>,
    /// Where asking for a person goes, typically a task with a `handoff`. Without one the caller
    /// hears that nobody can take the call and the question is asked again.
    pub operator: Option<Target>,
}

/// How calls wait for the flows' web services.
///
/// Twilio waits 15 s for an answer to its webhook, and a caller hears silence meanwhile. A call
/// whose web service has not answered after [`WebhookSettings::hold_after`] hears the hold
/// message and Twilio is told to come back (`<Redirect>`) while the request goes on; it may go
/// on for [`WebhookSettings::budget`] in all, across as many holds as that takes. A text
/// conversation has no hold: its reply is sent when ready, within the webhook's own time.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Silence before the hold message; None: no holds (the call waits within Twilio's 15 s).
    pub hold_after: Option<std::time::Duration>,
    /// Longest a web service may take on a call with holds, all holds included.
    pub budget: std::time::Duration,
    /// What a caller on hold hears each time.
    pub hold: HoldSound,
    /// Where a call goes when a web service fails or runs out of time; None: the fallback task.
    pub give_up: Option<Target>,
}

/// What a caller on hold hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldSound {
    /// Words (`<Say>`).
    Say(String),
    /// Audio at a URL (`<Play>`), such as hold music.
    Play(String),
}

/// Limits that guarantee every call ends.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Silent turns in a row at a listen before the call ends politely.
    pub max_silences: u32,
    /// Redirects within one turn (Autopilot's limit is 5).
    pub max_redirects: u32,
    /// Turns in one call.
    pub max_turns: u32,
}

/// A mistake in a flows folder: which file, where in it, what is wrong and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowError {
    /// The file, as given to the loader.
    pub file: PathBuf,
    /// Where in the file: a JSON path (`actions[0].collect.questions[1].type`) or `line 3, column 7`.
    pub place: String,
    /// What is wrong.
    pub problem: String,
    /// What to write instead.
    pub fix: String,
}

impl FlowError {
    /// A mistake (or warning) at `place` in `file`.
    pub fn new(
        file: &std::path::Path,
        place: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> FlowError {
        FlowError {
            file: file.to_path_buf(),
            place: place.into(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}

impl fmt::Display for FlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.file.display(),
            self.place,
            self.problem
        )?;
        if !self.fix.is_empty() {
            write!(f, " (fix: {})", self.fix)?;
        }
        Ok(())
    }
}

/// Every mistake found in a flows folder; loading reports them all at once so an author fixes
/// them in one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowErrors(pub Vec<FlowError>);

impl fmt::Display for FlowErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(
            f,
            "the flows have {n} error{}:",
            if n == 1 { "" } else { "s" }
        )?;
        for error in &self.0 {
            writeln!(f, "  {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FlowErrors {}
