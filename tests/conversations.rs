//! Every conversation test kept with a flows folder (`tests/*.txt` of the sign-up bot in
//! `flows/` and of each example bot: pizza in English, registro in Spanish, dengji in
//! Mandarin, bilingue switching from English to Spanish) passes over HTTP as it does through
//! `switchboard test`: as a whole call through Twilio's voice webhooks, and as a whole
//! conversation through the messaging webhook (issue 19's "a whole call in each language over
//! the voice webhook and by SMS").
//!
//! Each script is read by [`script::parse`] and checked by [`script::run`], the same parser and
//! checks as `switchboard test`, against the real router on a fresh SQLite file, with every
//! request signed as Twilio signs it. What the bot said is read out of the TwiML (`<Say>` by
//! voice, `<Message>` by text); whether it waits for the caller, out of the TwiML (a
//! `<Gather>`) by voice and out of the stored session by text, which has no such verb; the
//! task a turn was routed to, out of the call history (its `route` lines); what was saved, out
//! of the database file. How each step of a script becomes a webhook:
//!
//! | step       | voice                                         | SMS                          |
//! |------------|-----------------------------------------------|------------------------------|
//! | the start  | `POST /voice` (CallStatus `ringing`)          | an empty message (see below) |
//! | `caller:`  | `POST /voice/gather` with `SpeechResult`      | a message with that `Body`   |
//! | `keys:`    | `POST /voice/gather` with `Digits`            | a message of the digits      |
//! | `silence`  | `POST /voice/gather` with neither             | an empty message             |
//! | `hangup`   | `POST /voice/status` (CallStatus `completed`) | nothing: texts just stop     |
//!
//! `switchboard test --channel sms` starts a text conversation as if the bot had texted first
//! (the engine's start input, the greeting). Over the webhook a conversation starts with what
//! the person texts; the one message that gets the greeting rather than being routed is an
//! empty one, so that is the first message here. A voice reply that puts the caller on hold
//! (`<Redirect>` to `/voice/continue`, a slow web service) is followed, as Twilio would, and
//! what the caller heard before and after the hold is one reply.
//!
//! Where the webhook cannot do what `switchboard test` does, and a script may tell: a text
//! `hangup` sends nothing, so a half-answered collect stays `in_progress` here (the runner
//! closes it as `incomplete`; a real texter's is closed by the next message after the idle
//! time). No script of the example bots does that. (A `caller:` text of only digits, `*` and
//! `#` arrives as keys by SMS, here and in `switchboard test` alike.)

mod common;

use std::cell::Cell;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::{Request, StatusCode};
use common::{TestApp, repo_flows};
use switchboard::channel::voice::{CONTINUE_PATH, GATHER_PATH};
use switchboard::flow::Channel;
use switchboard::http::Auth;
use switchboard::runner::RunnerOptions;
use switchboard::script::{self, BotReply, Report, SavedAnswer, ScriptInput};
use switchboard::signature::{AuthToken, sign};
use tokio::runtime::Handle;

/// The URL Twilio is configured with; signatures cover it.
const PUBLIC: &str = "https://bot.example.com";

/// The account's auth token.
const TOKEN: &str = "conversation-test-token";

/// The caller's number and the bot's, as `switchboard test` uses them.
const CALLER: &str = "+15550001234";
const BOT: &str = "+15559990000";

/// The CallSid of every test call (each script has a database of its own).
const CALL_SID: &str = "CA0123456789abcdef0123456789abcdef";

/// The account the webhooks come from.
const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";

/// Most holds followed in one turn before the test gives up on it: far more than a web
/// service's budget allows at the default hold time.
const MAX_HOLDS: usize = 100;

/// The flows folders with conversation tests, under `flows/`.
const FOLDERS: [&str; 5] = [
    "",
    "examples/pizza",
    "examples/registro",
    "examples/dengji",
    "examples/bilingue",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_up_bots_conversations_pass_over_the_voice_webhooks() {
    play_folder("", Channel::Voice);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_up_bots_conversations_pass_over_the_messaging_webhook() {
    play_folder("", Channel::Sms);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pizza_bots_conversations_pass_over_the_voice_webhooks() {
    play_folder("examples/pizza", Channel::Voice);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pizza_bots_conversations_pass_over_the_messaging_webhook() {
    play_folder("examples/pizza", Channel::Sms);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spanish_bots_conversations_pass_over_the_voice_webhooks() {
    play_folder("examples/registro", Channel::Voice);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spanish_bots_conversations_pass_over_the_messaging_webhook() {
    play_folder("examples/registro", Channel::Sms);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mandarin_bots_conversations_pass_over_the_voice_webhooks() {
    play_folder("examples/dengji", Channel::Voice);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mandarin_bots_conversations_pass_over_the_messaging_webhook() {
    play_folder("examples/dengji", Channel::Sms);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bilingual_bots_conversations_pass_over_the_voice_webhooks() {
    play_folder("examples/bilingue", Channel::Voice);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bilingual_bots_conversations_pass_over_the_messaging_webhook() {
    play_folder("examples/bilingue", Channel::Sms);
}

/// A new flows folder with conversation tests is played here too, not silently left out.
#[test]
fn every_flows_folder_with_conversation_tests_is_played_over_http() {
    let root = repo_flows();
    let mut found = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable folder") {
            let path = entry.expect("entry").path();
            if !path.is_dir() {
                continue;
            }
            if path.file_name().is_some_and(|n| n == "tests") {
                if !scripts_in(&dir).is_empty() {
                    let folder = dir.strip_prefix(&root).expect("under flows/");
                    found.push(folder.to_string_lossy().replace('\\', "/"));
                }
            } else {
                pending.push(path);
            }
        }
    }
    found.sort();
    let mut played: Vec<String> = FOLDERS.iter().map(|f| (*f).to_owned()).collect();
    played.sort();
    assert_eq!(
        found, played,
        "flows folders with tests/*.txt (left) and those played over HTTP here (right): add a \
         pair of tests for the new one"
    );
}

/// The harness itself: a script that expects the wrong things fails over HTTP, one failure
/// per wrong line, on both channels, so the passes above are not vacuous.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_expecting_the_wrong_things_fails_over_http_on_each_wrong_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("wrong.txt");
    std::fs::write(
        &file,
        "bot: What is your email?\n\
         caller: I'd like to register\n\
         task: goodbye\n\
         bot ends\n\
         caller: Priya\n\
         bot: What is your name?\n\
         saved user_information.user_name: Bob\n",
    )
    .expect("write");
    let handle = Handle::current();
    for channel in [Channel::Voice, Channel::Sms] {
        let report = tokio::task::block_in_place(|| play(&handle, &repo_flows(), &file, channel));
        let lines: Vec<usize> = report.failures.iter().map(|f| f.line).collect();
        assert_eq!(lines, [1, 3, 4, 6, 7], "{}:\n{report}", channel.as_str());
        let text = report.to_string();
        for expected in [
            "expected a reply containing: What is your email?",
            "expected routing to task: goodbye\n  it was routed to:         register",
            "expected a reply that ends the call\n  the bot said, and waited: What is your name?",
            "expected a saved value: Bob\n  saved:                  Priya",
        ] {
            assert!(text.contains(expected), "{}:\n{text}", channel.as_str());
        }
    }
}

/// A caller who hangs up mid-question: the status callback closes the call, and what was
/// answered is kept as incomplete. (No example script hangs up; this plays the step.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hang_up_over_the_status_callback_keeps_the_answers_as_incomplete() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("hangup.txt");
    std::fs::write(
        &file,
        "caller: register\n\
         caller: Priya\n\
         bot: phone number\n\
         bot continues\n\
         hangup\n\
         bot exactly:\n\
         bot ends\n\
         saved user_information.user_name: Priya\n\
         saved user_information: incomplete\n",
    )
    .expect("write");
    let handle = Handle::current();
    let report =
        tokio::task::block_in_place(|| play(&handle, &repo_flows(), &file, Channel::Voice));
    assert!(report.passed(), "{report}");
}

/// Plays every script of `flows/<folder>/tests/` on `channel`; fails with the report of each
/// script that does not pass.
fn play_folder(folder: &str, channel: Channel) {
    let flows = repo_flows().join(folder);
    let files = scripts_in(&flows);
    assert!(!files.is_empty(), "no tests/*.txt in {}", flows.display());
    let handle = Handle::current();
    // The checks call back synchronously; each callback waits on the router here.
    let failed: Vec<String> = tokio::task::block_in_place(|| {
        files
            .iter()
            .filter_map(|file| {
                let report = play(&handle, &flows, file, channel);
                let channel = channel.as_str();
                if report.passed() {
                    println!(
                        "ok: {} ({} steps, {channel} over HTTP)",
                        file.display(),
                        report.steps_run
                    );
                    None
                } else {
                    Some(format!(
                        "FAILED: {} ({channel} over HTTP)\n{report}",
                        file.display()
                    ))
                }
            })
            .collect()
    });
    assert!(
        failed.is_empty(),
        "{} of {} conversation tests of {} failed by {} over HTTP:\n\n{}",
        failed.len(),
        files.len(),
        flows.display(),
        channel.as_str(),
        failed.join("\n\n")
    );
}

/// The conversation tests of a flows folder: `tests/*.txt`, sorted, as `switchboard test`
/// finds them.
fn scripts_in(flows: &Path) -> Vec<PathBuf> {
    let dir = flows.join("tests");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
}

/// Plays one script on a fresh server and database, as `switchboard test` gives each file a
/// fresh database and caller.
fn play(handle: &Handle, flows: &Path, file: &Path, channel: Channel) -> Report {
    let text = std::fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("{}: cannot read it: {e}", file.display()));
    let script = script::parse(file, &text)
        .unwrap_or_else(|e| panic!("{e}"))
        .on(channel);
    let auth = Auth {
        token: AuthToken::new(TOKEN),
        public_url: PUBLIC.to_owned(),
    };
    let options = RunnerOptions {
        token: Some(auth.token.clone()),
        ..RunnerOptions::default()
    };
    let app = TestApp::with_options(flows, options, Some(auth));
    let twilio = Twilio {
        app: &app,
        handle,
        channel,
        deliveries: Cell::new(0),
    };
    script::run(
        &script,
        || twilio.start(),
        |input| twilio.turn(input),
        || twilio.saved(),
    )
}

/// Twilio, for one conversation: sends the webhooks a call or a text conversation makes, and
/// reads the replies.
struct Twilio<'a> {
    app: &'a TestApp,
    handle: &'a Handle,
    channel: Channel,
    /// Webhooks sent so far, for each delivery's idempotency token.
    deliveries: Cell<u32>,
}

impl Twilio<'_> {
    /// The conversation's session key in the store.
    fn key(&self) -> String {
        match self.channel {
            Channel::Voice => CALL_SID.to_owned(),
            Channel::Sms => format!("sms:{BOT}:{CALLER}"),
        }
    }

    /// The call comes in, or the conversation by text begins (an empty message: the greeting).
    fn start(&self) -> Result<BotReply, String> {
        match self.channel {
            Channel::Voice => self.voice("/voice", "ringing", &[]),
            Channel::Sms => self.text(""),
        }
    }

    /// One thing the caller does.
    fn turn(&self, input: &ScriptInput) -> Result<BotReply, String> {
        match (self.channel, input) {
            (Channel::Voice, ScriptInput::Say(text)) => self.voice(
                GATHER_PATH,
                "in-progress",
                &[("SpeechResult", text), ("Confidence", "0.9")],
            ),
            (Channel::Voice, ScriptInput::Keys(keys)) => {
                self.voice(GATHER_PATH, "in-progress", &[("Digits", keys)])
            }
            (Channel::Voice, ScriptInput::Silence) => self.voice(GATHER_PATH, "in-progress", &[]),
            (Channel::Voice, ScriptInput::Hangup) => {
                self.voice("/voice/status", "completed", &[("CallDuration", "60")])
            }
            (Channel::Sms, ScriptInput::Say(text) | ScriptInput::Keys(text)) => self.text(text),
            (Channel::Sms, ScriptInput::Silence) => self.text(""),
            // A text conversation has no hang-up webhook: the person stops texting, and the
            // conversation ends when it has been idle too long (what was half-answered is then
            // kept as incomplete, on the next message). Nothing is sent.
            (Channel::Sms, ScriptInput::Hangup) => Ok(BotReply {
                text: String::new(),
                ended: true,
                task: None,
            }),
        }
    }

    /// What the database holds, as `switchboard test` reads it.
    fn saved(&self) -> Result<Vec<SavedAnswer>, String> {
        switchboard::cli::saved_answers(&self.app.db)
    }

    /// One voice webhook, and the holds after it: what the caller heard, whether the call
    /// goes on, and where the turn was routed.
    fn voice(&self, path: &str, status: &str, input: &[(&str, &str)]) -> Result<BotReply, String> {
        let since = self.last_event()?;
        let mut form = vec![
            ("CallSid", CALL_SID),
            ("AccountSid", ACCOUNT_SID),
            ("From", CALLER),
            ("To", BOT),
            ("CallStatus", status),
            ("Direction", "inbound"),
        ];
        form.extend_from_slice(input);
        let mut said = Vec::new();
        let mut reply = VoiceReply::parse(&self.post(path, &form)?)?;
        for _ in 0..MAX_HOLDS {
            said.append(&mut reply.says);
            if !reply.holds() {
                return Ok(BotReply {
                    text: said.join(" "),
                    ended: !reply.gathers,
                    task: self.routed_since(since)?,
                });
            }
            let back = [
                ("CallSid", CALL_SID),
                ("AccountSid", ACCOUNT_SID),
                ("From", CALLER),
                ("To", BOT),
                ("CallStatus", "in-progress"),
                ("Direction", "inbound"),
            ];
            reply = VoiceReply::parse(&self.post(CONTINUE_PATH, &back)?)?;
        }
        Err(format!(
            "still on hold after {MAX_HOLDS} redirects to {CONTINUE_PATH}"
        ))
    }

    /// One text message: what the bot texted back, whether the conversation goes on (the
    /// stored session says: a text reply has no `<Gather>`), and where it was routed.
    fn text(&self, body: &str) -> Result<BotReply, String> {
        let since = self.last_event()?;
        let sid = format!("SM{:032x}", self.deliveries.get());
        let form = [
            ("MessageSid", sid.as_str()),
            ("AccountSid", ACCOUNT_SID),
            ("From", CALLER),
            ("To", BOT),
            ("Body", body),
            ("NumMedia", "0"),
        ];
        let xml = self.post("/sms", &form)?;
        Ok(BotReply {
            text: messages(&xml)?.join(" "),
            ended: self.session_ended()?,
            task: self.routed_since(since)?,
        })
    }

    /// POSTs a form signed as Twilio signs it, with a delivery's idempotency token; the body
    /// of a 200, else an error naming the status.
    fn post(&self, path: &str, form: &[(&str, &str)]) -> Result<String, String> {
        let pairs: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let signature = sign(&AuthToken::new(TOKEN), &format!("{PUBLIC}{path}"), &pairs);
        let delivery = self.deliveries.get() + 1;
        self.deliveries.set(delivery);
        let request = Request::post(path)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("X-Twilio-Signature", signature)
            .header("I-Twilio-Idempotency-Token", format!("delivery-{delivery}"))
            .body(Body::from(
                serde_urlencoded::to_string(form).expect("encodes"),
            ))
            .expect("request");
        let (status, body) = self.handle.block_on(self.app.send(request));
        if status == StatusCode::OK {
            Ok(body)
        } else {
            Err(format!("POST {path} was answered {status}: {body}"))
        }
    }

    fn db(&self) -> Result<rusqlite::Connection, String> {
        rusqlite::Connection::open(&self.app.db)
            .map_err(|e| format!("cannot open the database: {e}"))
    }

    /// The id of the newest line of the call history, 0 before there is one.
    fn last_event(&self) -> Result<i64, String> {
        self.db()?
            .query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))
            .map_err(|e| format!("cannot read the call history: {e}"))
    }

    /// The task the last routing after event `since` chose (None: it declined, or nothing
    /// was routed), as the runner reports a turn's routing.
    fn routed_since(&self, since: i64) -> Result<Option<String>, String> {
        let routed: Option<Option<String>> = self
            .db()?
            .query_row(
                "SELECT json_extract(line.value, '$.route.task')
                 FROM events, json_each(events.detail) AS line
                 WHERE events.session_key = ?1 AND events.id > ?2
                   AND json_type(line.value, '$.route') IS NOT NULL
                 ORDER BY events.id DESC, line.key DESC LIMIT 1",
                rusqlite::params![self.key(), since],
                |r| r.get(0),
            )
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(format!("cannot read the call history: {e}")),
            })?;
        Ok(routed.flatten())
    }

    /// Whether the text conversation has ended, by its stored session.
    fn session_ended(&self) -> Result<bool, String> {
        self.db()?
            .query_row(
                "SELECT ended FROM sessions WHERE key = ?1",
                [self.key()],
                |r| r.get(0),
            )
            .map_err(|e| format!("cannot read the conversation's session: {e}"))
    }
}

/// A voice webhook's TwiML, as far as the checks need it.
struct VoiceReply {
    /// Each `<Say>`'s text, entities decoded, in order.
    says: Vec<String>,
    /// The reply waits for the caller (`<Gather>`).
    gathers: bool,
    /// Where a `<Redirect>` sends Twilio, if the reply has one.
    redirect: Option<String>,
}

impl VoiceReply {
    fn parse(xml: &str) -> Result<VoiceReply, String> {
        let doc = roxmltree::Document::parse(xml)
            .map_err(|e| format!("the reply is not XML ({e}): {xml}"))?;
        let root = doc.root_element();
        if !root.has_tag_name("Response") {
            return Err(format!("the reply is not a TwiML <Response>: {xml}"));
        }
        Ok(VoiceReply {
            says: root
                .descendants()
                .filter(|n| n.has_tag_name("Say"))
                .map(all_text)
                .collect(),
            gathers: root.descendants().any(|n| n.has_tag_name("Gather")),
            redirect: root
                .descendants()
                .find(|n| n.has_tag_name("Redirect"))
                .map(all_text),
        })
    }

    /// The reply puts the caller on hold: Twilio is sent back to us for the rest of the turn.
    /// (A `<Redirect>` elsewhere is a handoff: the call leaves the bot.)
    fn holds(&self) -> bool {
        self.redirect.as_deref().is_some_and(|url| {
            url.trim().strip_prefix(PUBLIC).unwrap_or(url.trim()) == CONTINUE_PATH
        })
    }
}

/// Each `<Message>`'s text (its `<Body>` when it has pictures), entities decoded, in order.
fn messages(xml: &str) -> Result<Vec<String>, String> {
    let doc = roxmltree::Document::parse(xml)
        .map_err(|e| format!("the reply is not XML ({e}): {xml}"))?;
    let root = doc.root_element();
    if !root.has_tag_name("Response") {
        return Err(format!("the reply is not a TwiML <Response>: {xml}"));
    }
    Ok(root
        .children()
        .filter(|n| n.has_tag_name("Message"))
        .map(
            |message| match message.children().find(|n| n.has_tag_name("Body")) {
                Some(body) => all_text(body),
                None => all_text(message),
            },
        )
        .collect())
}

/// The text inside an element, from every text node below it.
fn all_text(node: roxmltree::Node<'_, '_>) -> String {
    node.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect()
}
