//! A validation web service that fails must not leak what it was sent: the caller's answer to a
//! sensitive question, their number, the query string and any key the flow author put in the
//! URL stay out of the log and out of the call history, whatever way the service fails.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::TestApp;
use serde_json::json;
use switchboard::runner::RunnerOptions;

/// What a test's log captured, shared with the subscriber's writer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

/// How the loopback web service misbehaves.
#[derive(Clone, Copy)]
enum Misbehaviour {
    /// Reads the request, then closes the connection without a word.
    Hangs,
    /// Reads the request and never answers.
    Sleeps,
}

/// A web service on loopback that misbehaves on every connection.
fn misbehaving_service(how: Misbehaviour) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut request = [0u8; 8192];
                let _ = stream.read(&mut request);
                match how {
                    Misbehaviour::Hangs => drop(stream),
                    Misbehaviour::Sleeps => {
                        std::thread::sleep(Duration::from_secs(5));
                        drop(stream);
                    }
                }
            });
        }
    });
    port
}

// Eight digits, so that it cannot turn up by chance in a timestamp's nanoseconds or a hash the
// dump holds (a four-digit PIN once did, in `last_active`).
const ANSWER: &str = "86420975";
const NUMBER: &str = "4155550123";
const SECRET: &str = "s3cr3tK3y";

/// A bot that asks for a PIN, marked sensitive, and checks it with a GET web service whose URL
/// carries an API key; the call ends after the collect.
fn bot(dir: &std::path::Path, port: u16) {
    std::fs::create_dir_all(dir.join("tasks")).expect("mkdir");
    std::fs::write(
        dir.join("assistant.json"),
        r#"{"defaults": {"assistant_initiation": "task://verify"}}"#,
    )
    .expect("write");
    let verify = json!({"actions": [{"collect": {"name": "account", "questions": [
        {"name": "pin", "question": "Your PIN?", "type": "Twilio.NUMBER", "sensitive": true,
         "validate": {"webhook": {"url": format!("http://127.0.0.1:{port}/check?api_key={SECRET}"), "method": "GET"},
                      "on_failure": {"messages": [{"say": "That PIN is wrong."}], "repeat_question": true}}}],
        "on_complete": {"redirect": "task://done"}}}]});
    std::fs::write(dir.join("tasks/verify.json"), verify.to_string()).expect("write");
    std::fs::write(
        dir.join("tasks/done.json"),
        r#"{"actions": [{"say": "Thank you."}]}"#,
    )
    .expect("write");
}

/// Every text value in every table of the database, one per line.
fn whole_database(db: &std::path::Path) -> String {
    let conn = rusqlite::Connection::open(db).expect("db");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names");
    let mut all = String::new();
    for table in tables {
        let mut statement = conn
            .prepare(&format!("SELECT * FROM \"{table}\""))
            .expect("prepare");
        let columns = statement.column_count();
        let mut rows = statement.query([]).expect("query");
        while let Some(row) = rows.next().expect("row") {
            for i in 0..columns {
                let value = match row.get_ref(i).expect("value") {
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        String::from_utf8_lossy(t).into_owned()
                    }
                    other => format!("{other:?}"),
                };
                all.push_str(&format!("{table}: {value}\n"));
            }
        }
    }
    all
}

fn history(db: &std::path::Path) -> String {
    let conn = rusqlite::Connection::open(db).expect("db");
    let mut statement = conn
        .prepare("SELECT kind, detail FROM events ORDER BY rowid")
        .expect("prepare");
    statement
        .query_map([], |r| {
            Ok(format!(
                "{} {}\n",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?
            ))
        })
        .expect("query")
        .collect::<Result<String, _>>()
        .expect("events")
}

/// Runs one call through the bot with the web service misbehaving; returns the log and the
/// call history.
async fn call_with(how: Misbehaviour) -> (String, String, String) {
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The test's runtime runs on this thread alone, so every line the turn logs is captured.
    let _guard = tracing::subscriber::set_default(subscriber);

    let flows = tempfile::tempdir().expect("temp dir");
    bot(flows.path(), misbehaving_service(how));
    let options = RunnerOptions {
        webhook_timeout: Duration::from_millis(300),
        ..RunnerOptions::default()
    };
    let app = TestApp::with_options(flows.path(), options, None);
    let (status, body) = app
        .post(
            "/voice",
            &[
                ("CallSid", "CA1"),
                ("From", &format!("+1{NUMBER}")),
                ("To", "+15559990000"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Your PIN?"), "{body}");
    // The service failing does not trap the caller: the answer is taken unvalidated.
    app.press("CA1", ANSWER).await.expect_goodbye("Thank you.");

    let history = history(&app.db);
    assert!(
        history.contains("webhook_failed"),
        "the failure is in the history:\n{history}"
    );
    let database = whole_database(&app.db);
    (log.text(), history, database)
}

/// Nothing the web service was sent, nor the key in its URL, is in `text`.
#[track_caller]
fn assert_clean(what: &str, text: &str) {
    for leak in [
        ANSWER,
        SECRET,
        "api_key",
        "ValidateFieldAnswer",
        "UserIdentifier",
        "CurrentInput",
    ] {
        assert!(!text.contains(leak), "{what} contains {leak:?}:\n{text}");
    }
}

/// What every failed GET validation must leave behind: no answer, secret, parameter name or
/// caller's number in the log, the call history or the database, and a history that records
/// the kind of failure rather than the URL.
#[track_caller]
fn assert_nothing_leaked(log: &str, history: &str, database: &str) {
    assert_clean("the log", log);
    assert!(!log.contains(NUMBER), "the log has the number:\n{log}");
    assert_clean("the call history", history);
    assert!(
        !history.contains(NUMBER),
        "the history has the number:\n{history}"
    );
    assert!(
        !history.contains(r#""reason":"http"#),
        "the history records the kind of failure, not the URL:\n{history}"
    );
    assert_clean("the database", database);
}

#[tokio::test]
async fn a_web_service_that_drops_the_connection_leaks_nothing() {
    let (log, history, database) = call_with(Misbehaviour::Hangs).await;
    assert!(log.contains("web service failed"), "{log}");
    assert!(
        log.contains("http://127.0.0.1:") && log.contains("/check"),
        "the log names the web service: {log}"
    );
    assert!(
        log.contains("closed before an answer"),
        "the log says what went wrong: {log}"
    );
    assert!(
        history.contains("closed before an answer"),
        "the history records the kind of failure:\n{history}"
    );
    assert_nothing_leaked(&log, &history, &database);
}

#[tokio::test]
async fn a_web_service_that_never_answers_leaks_nothing() {
    let (log, history, database) = call_with(Misbehaviour::Sleeps).await;
    assert!(log.contains("web service failed"), "{log}");
    assert!(log.contains("no answer within 300 ms"), "{log}");
    assert!(
        history.contains("no answer within 300 ms"),
        "the history records the kind of failure:\n{history}"
    );
    assert_nothing_leaked(&log, &history, &database);
}

/// A web service that answers every request with `body` (JSON), once per connection.
fn answering_service(body: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 8192];
            let _ = stream.read(&mut request);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

#[tokio::test]
async fn an_invalid_answer_is_reported_by_where_it_is_wrong_not_what_it_says() {
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // The service echoes what the caller said into an action it gets wrong.
    let port = answering_service(r#"{"actions": [{"say": "ok"}, {"read back 86420975": true}]}"#);
    let flows = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(flows.path().join("tasks")).expect("mkdir");
    std::fs::write(
        flows.path().join("assistant.json"),
        r#"{"defaults": {"assistant_initiation": "task://hand_over"}}"#,
    )
    .expect("write");
    let task = json!({"actions": [{"redirect": {"uri": format!("http://127.0.0.1:{port}/next?api_key={SECRET}"), "method": "POST"}}]});
    std::fs::write(flows.path().join("tasks/hand_over.json"), task.to_string()).expect("write");
    let app = TestApp::with_flows(flows.path());
    // No fallback task: the apology and the engine's last resort, a listen — not a hang-up.
    app.call("CA1")
        .await
        .expect_prompt("Sorry, I couldn't finish that just now.")
        .expect_prompt("What else can I help you with?");

    let log = log.text();
    let history = history(&app.db);
    assert!(
        log.contains("the answer is not valid Actions JSON") && log.contains("actions[1]"),
        "the log says where the answer is wrong: {log}"
    );
    assert!(
        history.contains("the answer is not valid Actions JSON"),
        "{history}"
    );
    // The history says which service was called (its address without the query string),
    // how it answered and how long it took, for the console's transcript.
    let call: serde_json::Value = history
        .lines()
        .find_map(|line| {
            let lines: Vec<serde_json::Value> =
                serde_json::from_str(line.split_once(' ')?.1).ok()?;
            lines.into_iter().find_map(|l| {
                l.get("input")
                    .filter(|i| i.get("webhook").is_some())
                    .cloned()
            })
        })
        .unwrap_or_else(|| panic!("no web service line in {history}"));
    assert_eq!(
        call["url"],
        format!("http://127.0.0.1:{port}/next"),
        "{call}"
    );
    assert_eq!(call["status"], 200, "{call}");
    assert!(call["ms"].as_u64().is_some(), "{call}");
    assert_clean("the log", &log);
    assert_clean("the call history", &history);
}
