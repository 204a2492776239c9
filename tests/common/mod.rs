//! Test harness: the real router over a real SQLite file in a temp dir, driven in-process.
#![allow(dead_code)] // each test binary uses a different part of the harness

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header::CONTENT_TYPE};
use switchboard::flow::{self, Assistant};
use switchboard::http::{AppState, Auth, router};
use switchboard::runner::{Runner, RunnerOptions};
use switchboard::store::{self, CollectedRow, Db, Store, StoreOptions};
use tempfile::TempDir;
use tower::ServiceExt;

pub mod postgres;
pub mod process;
pub mod proxy;

/// The repository's own flows folder.
pub fn repo_flows() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("flows")
}

/// A folder in a temporary directory holding these files: `(path under it, contents)`.
pub fn folder(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("under the folder")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

/// Writes one flow file into a flows folder: `assistant` is `assistant.json`, any other name a
/// task under `tasks/`.
pub fn write_flow(dir: &Path, name: &str, json: &serde_json::Value) {
    std::fs::create_dir_all(dir.join("tasks")).expect("mkdir");
    let path = if name == "assistant" {
        dir.join("assistant.json")
    } else {
        dir.join("tasks").join(format!("{name}.json"))
    };
    std::fs::write(path, serde_json::to_string_pretty(json).expect("json")).expect("write");
}

/// The frame of a bot for web service tests: an assistant that greets with "Hello." and falls
/// back to "Back at the menu.", following at most `max_redirects` redirects in a turn. The
/// tasks under test are written beside it.
pub fn write_menu_bot(dir: &Path, max_redirects: u32) {
    write_flow(
        dir,
        "assistant",
        &serde_json::json!({
            "defaults": {"assistant_initiation": "task://greeting", "fallback": "task://fallback"},
            "limits": {"max_redirects": max_redirects}
        }),
    );
    write_flow(
        dir,
        "greeting",
        &serde_json::json!({"actions": [{"say": "Hello."}, {"listen": true}]}),
    );
    write_flow(
        dir,
        "fallback",
        &serde_json::json!({"actions": [{"say": "Back at the menu."}, {"listen": true}]}),
    );
}

/// A bot that asks a first name and a sensitive date of birth at once, then says both back:
/// for tests of what is stored, and how.
pub fn identity_bot() -> TempDir {
    let flows = tempfile::tempdir().expect("temp dir");
    let tasks = flows.path().join("tasks");
    std::fs::create_dir_all(&tasks).expect("mkdir");
    std::fs::write(
        flows.path().join("assistant.json"),
        r#"{"defaults": {"assistant_initiation": "task://verify"}}"#,
    )
    .expect("write");
    std::fs::write(
        tasks.join("verify.json"),
        r#"{"samples": ["verify me", "check my identity"],
           "actions": [{"collect": {"name": "identity", "questions": [
            {"name": "first_name", "question": "Your first name?", "type": "Twilio.FIRST_NAME"},
            {"name": "dob", "question": "Your date of birth?", "type": "Twilio.DATE", "sensitive": true}],
          "on_complete": {"redirect": "task://done"}}}]}"#,
    )
    .expect("write");
    std::fs::write(
        tasks.join("done.json"),
        r#"{"actions": [{"say": "Thanks {{identity.first_name}}, born {{identity.dob}}."}]}"#,
    )
    .expect("write");
    flows
}

/// A running app on a temp database.
pub struct TestApp {
    pub dir: TempDir,
    pub db: PathBuf,
    pub assistant: Arc<Assistant>,
    router: Router,
    options: RunnerOptions,
    auth: Option<Auth>,
    store_options: StoreOptions,
}

impl TestApp {
    /// The app on the repository's flows.
    pub fn new() -> TestApp {
        TestApp::with_flows(&repo_flows())
    }

    /// The app on another flows folder.
    pub fn with_flows(flows: &Path) -> TestApp {
        TestApp::build(flows, None)
    }

    /// The app on the repository's flows, requiring Twilio signatures.
    pub fn with_auth(auth: Auth) -> TestApp {
        TestApp::build(&repo_flows(), Some(auth))
    }

    fn build(flows: &Path, auth: Option<Auth>) -> TestApp {
        let token = auth.as_ref().map(|a| a.token.clone());
        let options = RunnerOptions {
            token,
            webhook_timeout: std::time::Duration::from_millis(500),
            ..RunnerOptions::default()
        };
        TestApp::with_options(flows, options, auth)
    }

    /// The app on flows (a folder or an Autopilot export) with runner options and, optionally,
    /// signature checks.
    pub fn with_options(flows: &Path, options: RunnerOptions, auth: Option<Auth>) -> TestApp {
        TestApp::with_store_options(flows, options, auth, StoreOptions::default())
    }

    /// As [`TestApp::with_options`], with the store's options too (purges, batching, cache).
    pub fn with_store_options(
        flows: &Path,
        options: RunnerOptions,
        auth: Option<Auth>,
        store_options: StoreOptions,
    ) -> TestApp {
        let assistant = flow::load_path(flows).unwrap_or_else(|e| panic!("{e}"));
        TestApp::with_assistant(assistant, options, auth, store_options)
    }

    /// The app on an assistant loaded already (with a sentence-embedding model, say).
    pub fn with_assistant(
        assistant: Assistant,
        options: RunnerOptions,
        auth: Option<Auth>,
        store_options: StoreOptions,
    ) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("switchboard.db");
        let assistant = Arc::new(assistant);
        let router = serve_db(&db, &assistant, &options, auth.clone(), None, store_options);
        TestApp {
            dir,
            db,
            assistant,
            router,
            options,
            auth,
            store_options,
        }
    }

    /// Drops the server and starts a new one on the same database, as a restart would.
    pub fn restart(self) -> TestApp {
        let TestApp {
            dir,
            db,
            assistant,
            router,
            options,
            auth,
            store_options,
        } = self;
        drop(router);
        let router = serve_db(&db, &assistant, &options, auth.clone(), None, store_options);
        TestApp {
            dir,
            db,
            assistant,
            router,
            options,
            auth,
            store_options,
        }
    }

    /// POSTs a form; returns the status and body.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let body = serde_urlencoded::to_string(form).expect("encodes");
        self.post_raw(path, "application/x-www-form-urlencoded", body.into_bytes())
            .await
    }

    /// POSTs a form with an `X-Twilio-Signature` header.
    pub async fn post_signed(
        &self,
        path: &str,
        form: &[(&str, &str)],
        signature: &str,
    ) -> (StatusCode, String) {
        self.post_with_header(path, form, "X-Twilio-Signature", signature)
            .await
    }

    /// POSTs a form with one extra header.
    pub async fn post_with_header(
        &self,
        path: &str,
        form: &[(&str, &str)],
        header: &str,
        value: &str,
    ) -> (StatusCode, String) {
        let body = serde_urlencoded::to_string(form).expect("encodes");
        let request = Request::post(path)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header, value)
            .body(Body::from(body))
            .expect("request");
        self.send(request).await
    }

    /// The app on the repository's flows with the admin API on.
    pub fn with_admin(token: switchboard::http::admin::AdminToken) -> TestApp {
        let app = TestApp::new();
        let router = serve_db(
            &app.db,
            &app.assistant,
            &app.options,
            None,
            Some(token),
            app.store_options,
        );
        TestApp { router, ..app }
    }

    /// GETs a path with `Authorization: Bearer …`.
    pub async fn get_with_bearer(&self, path: &str, token: &str) -> (StatusCode, String) {
        let request = Request::get(path)
            .header("Authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request");
        self.send(request).await
    }

    /// GETs a path.
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        self.send(Request::get(path).body(Body::empty()).expect("request"))
            .await
    }

    /// POSTs a form as one webhook delivery, with Twilio's idempotency token.
    pub async fn post_delivery(
        &self,
        path: &str,
        form: &[(&str, &str)],
        token: &str,
    ) -> (StatusCode, String) {
        self.post_with_header(path, form, "I-Twilio-Idempotency-Token", token)
            .await
    }

    /// POSTs raw bytes with a content type.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, String) {
        let request = Request::post(path)
            .header(CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .expect("request");
        self.send(request).await
    }

    /// Sends a request through the router.
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, String) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let bytes = to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        (status, String::from_utf8(bytes.to_vec()).expect("utf-8"))
    }

    /// A call arrives.
    pub async fn call(&self, sid: &str) -> Twiml {
        self.turn(
            "/voice",
            &[
                ("CallSid", sid),
                ("From", "+15551230000"),
                ("To", "+15559990000"),
                ("CallStatus", "ringing"),
            ],
        )
        .await
    }

    /// The caller says something.
    pub async fn say(&self, sid: &str, text: &str) -> Twiml {
        self.turn(
            "/voice/gather",
            &[
                ("CallSid", sid),
                ("SpeechResult", text),
                ("Confidence", "0.91"),
            ],
        )
        .await
    }

    /// The caller keys digits.
    pub async fn press(&self, sid: &str, digits: &str) -> Twiml {
        self.turn("/voice/gather", &[("CallSid", sid), ("Digits", digits)])
            .await
    }

    /// The caller says nothing.
    pub async fn silence(&self, sid: &str) -> Twiml {
        self.turn("/voice/gather", &[("CallSid", sid)]).await
    }

    /// Twilio's status callback for a finished call.
    pub async fn hang_up(&self, sid: &str) {
        let (status, _) = self
            .post(
                "/voice/status",
                &[("CallSid", sid), ("CallStatus", "completed")],
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }

    async fn turn(&self, path: &str, form: &[(&str, &str)]) -> Twiml {
        let (status, body) = self.post(path, form).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        Twiml::parse(&body)
    }

    /// What has been collected.
    pub fn collected(&self) -> Vec<CollectedRow> {
        store::read_collected(&self.db).expect("readable")
    }

    /// The app on `flows` over the store `db` names (a PostgreSQL schema, say), as `serve
    /// --db` would open it. Two apps on one PostgreSQL database are two servers.
    pub async fn on_db(db: &Db, flows: &Path) -> TestApp {
        TestApp::on_db_with(db, flows, StoreOptions::default()).await
    }

    /// [`TestApp::on_db`] with the store's options.
    pub async fn on_db_with(db: &Db, flows: &Path, store_options: StoreOptions) -> TestApp {
        let assistant = Arc::new(flow::load_path(flows).unwrap_or_else(|e| panic!("{e}")));
        let options = RunnerOptions {
            webhook_timeout: std::time::Duration::from_millis(500),
            ..RunnerOptions::default()
        };
        let store = Store::connect(db, store_options)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let runner = Runner::new(assistant.clone(), store, options.clone()).expect("runner");
        let dir = tempfile::tempdir().expect("temp dir");
        TestApp {
            db: db
                .sqlite_path()
                .map_or_else(|| dir.path().join("unused.db"), Path::to_path_buf),
            dir,
            assistant,
            router: router(AppState::with_admin(runner, None, None)),
            options,
            auth: None,
            store_options,
        }
    }

    /// What has been collected in the store `db` names.
    pub async fn collected_in(db: &Db) -> Vec<CollectedRow> {
        store::collected_in(db).await.expect("readable")
    }
}

/// The real router over the database at `db`: what every constructor and a restart share.
fn serve_db(
    db: &Path,
    assistant: &Arc<Assistant>,
    options: &RunnerOptions,
    auth: Option<Auth>,
    admin: Option<switchboard::http::admin::AdminToken>,
    store_options: StoreOptions,
) -> Router {
    let store = Store::open_with(db, store_options).expect("store opens");
    let runner = Runner::new(assistant.clone(), store, options.clone()).expect("runner");
    router(AppState::with_admin(runner, auth, admin))
}

/// A TwiML reply, parsed as XML (so a malformed document fails the test).
#[derive(Debug, Clone)]
pub struct Twiml {
    pub xml: String,
    /// Every `<Say>` text, in order.
    pub says: Vec<String>,
    /// The `<Gather>`'s attributes, if there is one.
    pub gather: Option<Vec<(String, String)>>,
    /// Whether the reply ends in `<Hangup/>`.
    pub hangup: bool,
}

impl Twiml {
    pub fn parse(xml: &str) -> Twiml {
        let doc =
            roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("invalid XML ({e}):\n{xml}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "Response", "{xml}");
        let says = root
            .descendants()
            .filter(|n| n.has_tag_name("Say"))
            .map(|n| n.text().unwrap_or("").to_owned())
            .collect();
        let gather = root.children().find(|n| n.has_tag_name("Gather")).map(|g| {
            g.attributes()
                .map(|a| (a.name().to_owned(), a.value().to_owned()))
                .collect()
        });
        let hangup = root.children().any(|n| n.has_tag_name("Hangup"));
        Twiml {
            xml: xml.to_owned(),
            says,
            gather,
            hangup,
        }
    }

    /// All spoken text, joined.
    pub fn text(&self) -> String {
        self.says.join(" ")
    }

    /// A Gather attribute.
    pub fn gather_attr(&self, name: &str) -> Option<&str> {
        self.gather
            .as_ref()?
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Asserts the Gather listens in `language` (None: no `language`, Twilio's en-US).
    #[track_caller]
    pub fn expect_language(&self, language: Option<&str>) -> &Self {
        assert_eq!(self.gather_attr("language"), language, "{}", self.xml);
        self
    }

    /// Asserts the reply speaks with `voice` (`Polly.Lupe`).
    #[track_caller]
    pub fn expect_voice(&self, voice: &str) -> &Self {
        assert!(
            self.xml.contains(&format!(r#"voice="{voice}""#)),
            "not in {voice}: {}",
            self.xml
        );
        self
    }

    /// Asserts the reply waits for the caller and says `text` somewhere.
    #[track_caller]
    pub fn expect_prompt(&self, text: &str) -> &Self {
        assert!(self.gather.is_some(), "expected a Gather:\n{}", self.xml);
        assert!(!self.hangup, "expected no hang-up:\n{}", self.xml);
        assert!(
            self.text().contains(text),
            "expected {text:?} in:\n{}",
            self.xml
        );
        self
    }

    /// Asserts the reply ends the call and says `text` somewhere.
    #[track_caller]
    pub fn expect_goodbye(&self, text: &str) -> &Self {
        assert!(
            self.gather.is_none() && self.hangup,
            "expected a hang-up:\n{}",
            self.xml
        );
        assert!(
            self.text().contains(text),
            "expected {text:?} in:\n{}",
            self.xml
        );
        self
    }
}

/// An SMS reply: each `<Message>`'s text and pictures, parsed as XML.
#[derive(Debug, Clone)]
pub struct Texts {
    pub xml: String,
    pub messages: Vec<String>,
    pub media: Vec<String>,
}

impl Texts {
    pub fn parse(xml: &str) -> Texts {
        let doc =
            roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("invalid XML ({e}):\n{xml}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "Response", "{xml}");
        let mut messages = Vec::new();
        let mut media = Vec::new();
        for message in root.children().filter(|n| n.has_tag_name("Message")) {
            let body = match message.children().find(|n| n.has_tag_name("Body")) {
                Some(body) => body.text().unwrap_or("").to_owned(),
                None => message.text().unwrap_or("").to_owned(),
            };
            messages.push(body);
            media.extend(
                message
                    .children()
                    .filter(|n| n.has_tag_name("Media"))
                    .map(|n| n.text().unwrap_or("").to_owned()),
            );
        }
        Texts {
            xml: xml.to_owned(),
            messages,
            media,
        }
    }

    /// All text, joined.
    pub fn text(&self) -> String {
        self.messages.join(" ")
    }

    #[track_caller]
    pub fn expect(&self, text: &str) -> &Self {
        assert!(
            self.text().contains(text),
            "expected {text:?} in:\n{}",
            self.xml
        );
        self
    }
}

impl TestApp {
    /// Someone texts the bot.
    pub async fn text(&self, from: &str, body: &str) -> Texts {
        self.text_with(&[
            ("From", from),
            ("To", "+15559990000"),
            ("Body", body),
            ("MessageSid", "SM1"),
        ])
        .await
    }

    /// A text with any parameters.
    pub async fn text_with(&self, form: &[(&str, &str)]) -> Texts {
        let (status, body) = self.post("/sms", form).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        Texts::parse(&body)
    }
}

/// A web service on loopback that waits `delay`, then answers `status` with `body`; every
/// request's body is kept in `seen`.
pub fn service(
    delay: Duration,
    status: u16,
    body: &'static str,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let url = format!("http://{}/", listener.local_addr().expect("address"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let kept = Arc::clone(&kept);
            std::thread::spawn(move || {
                let mut request = Vec::new();
                let mut buf = [0u8; 8192];
                // Head and body arrive in a read or two; a form body is small.
                stream
                    .set_read_timeout(Some(Duration::from_millis(300)))
                    .expect("timeout");
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request);
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if body.len() >= length {
                            break;
                        }
                    }
                }
                let text = String::from_utf8_lossy(&request).into_owned();
                kept.lock().expect("lock").push(
                    text.split_once("\r\n\r\n")
                        .map(|(_, b)| b.to_owned())
                        .unwrap_or_default(),
                );
                std::thread::sleep(delay);
                let reason = if status == 200 { "OK" } else { "Error" };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    (url, seen)
}
