//! Limits on what a request or a web service can make a session carry: the size and depth of
//! `Memory` (from the channel's parameter and from `remember`), and the length of an answer.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use common::{TestApp, Twiml, write_flow, write_menu_bot};
use serde_json::{Value, json};
use switchboard::flow::memory::{
    MAX_MEMORY_BYTES, MAX_MEMORY_DEPTH, MAX_SESSION_MEMORY_BYTES, depth,
};
use switchboard::runner::RunnerOptions;

type Params = Vec<(String, String)>;

fn param<'a>(form: &'a Params, name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// `{"a":{"a":…"deep"…}}`, `levels` objects deep.
fn nested(levels: usize) -> String {
    format!(
        "{}\"deep\"{}",
        r#"{"a":"#.repeat(levels),
        "}".repeat(levels)
    )
}

/// A web service on loopback: records the Memory it is sent, remembers what it is told to.
#[derive(Clone, Default)]
struct Service {
    base: String,
    /// The `Memory` parameter of every request to `/echo`.
    memories: Arc<Mutex<Vec<String>>>,
    /// How many times `/grow` answered.
    grown: Arc<Mutex<usize>>,
}

impl Service {
    async fn start() -> Service {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let addr: SocketAddr = listener.local_addr().expect("address");
        let service = Service {
            base: format!("http://{addr}"),
            ..Service::default()
        };
        let app = Router::new()
            .route(
                "/echo",
                post(
                    |State(s): State<Service>, Form(form): Form<Params>| async move {
                        s.memories
                            .lock()
                            .expect("lock")
                            .push(param(&form, "Memory").to_owned());
                        Json(json!({"actions": [{"say": "Got it."}, {"listen": true}]}))
                    },
                ),
            )
            .route(
                "/deep",
                post(|| async {
                    let deeper: Value =
                        serde_json::from_str(&nested(MAX_MEMORY_DEPTH + 1)).expect("json");
                    Json(json!({"actions": [{"remember": deeper}, {"say": "Remembered."}]}))
                }),
            )
            .route(
                "/grow",
                post(|State(s): State<Service>| async move {
                    let mut grown = s.grown.lock().expect("lock");
                    *grown += 1;
                    if *grown > 6 {
                        return Json(json!({"actions": [{"say": "Done growing."}]}));
                    }
                    // Each answer is within the per-answer bound; together they are not.
                    let value = "x".repeat(MAX_MEMORY_BYTES - 100);
                    Json(json!({"actions": [
                        {"remember": {format!("k{grown}"): value}},
                        {"redirect": "task://grow"}
                    ]}))
                }),
            )
            .with_state(service.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        service
    }
}

async fn setup() -> (Service, TestApp, tempfile::TempDir) {
    let service = Service::start().await;
    let flows = tempfile::tempdir().expect("temp dir");
    let dir = flows.path();
    let base = &service.base;
    write_menu_bot(dir, 20);
    write_flow(
        dir,
        "ask",
        &json!({"actions": [
            {"collect": {"name": "ask", "questions": [{"name": "first_name", "question": "Your first name?", "type": "Twilio.FIRST_NAME"}],
                         "on_complete": {"redirect": {"uri": format!("{base}/echo"), "method": "POST"}}}}
        ]}),
    );
    write_flow(
        dir,
        "count",
        &json!({"actions": [
            {"collect": {"name": "count", "questions": [
                {"name": "party_size", "question": "How many are you?", "type": "Twilio.NUMBER"},
                {"name": "account", "question": "Your account number?", "type": "Twilio.NUMBER_SEQUENCE"}
            ], "on_complete": {"redirect": "task://fallback"}}}
        ]}),
    );
    write_flow(
        dir,
        "deep",
        &json!({"actions": [{"redirect": {"uri": format!("{base}/deep"), "method": "POST"}}]}),
    );
    write_flow(
        dir,
        "grow",
        &json!({"actions": [{"redirect": {"uri": format!("{base}/grow"), "method": "POST"}}]}),
    );
    let options = RunnerOptions {
        webhook_timeout: Duration::from_millis(2000),
        ..RunnerOptions::default()
    };
    let app = TestApp::with_options(dir, options, None);
    (service, app, flows)
}

async fn enter(app: &TestApp, sid: &str, task: &str, memory: &str) -> (StatusCode, String) {
    app.post(
        "/voice",
        &[
            ("CallSid", sid),
            ("From", "+15551230000"),
            ("To", "+15559990000"),
            ("TargetTask", task),
            ("Memory", memory),
        ],
    )
    .await
}

#[tokio::test]
async fn a_memory_at_the_depth_limit_survives_a_restart_and_one_level_deeper_is_refused() {
    let (service, app, _flows) = setup().await;

    let (status, body) = enter(&app, "CA1", "ask", &nested(MAX_MEMORY_DEPTH)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Twiml::parse(&body).expect_prompt("Your first name?");

    // The call carries on after a restart, from the state read back from the file.
    let app = app.restart();
    app.say("CA1", "my name is Jason")
        .await
        .expect_prompt("Got it.");
    let memories = service.memories.lock().expect("lock").clone();
    assert_eq!(memories.len(), 1);
    let memory: Value = serde_json::from_str(&memories[0]).expect("Memory is JSON");
    assert_eq!(depth(&memory), MAX_MEMORY_DEPTH, "{memory}");

    let (status, body) = enter(&app, "CA2", "ask", &nested(MAX_MEMORY_DEPTH + 1)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body,
        format!("invalid Memory: nested deeper than the {MAX_MEMORY_DEPTH}-level limit\n")
    );
    // Refused before anything was kept: the CallSid starts a fresh call.
    let (status, body) = enter(&app, "CA2", "ask", "{}").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Twiml::parse(&body).expect_prompt("Your first name?");
}

#[tokio::test]
async fn a_memory_over_the_size_limit_is_refused_on_voice_and_sms() {
    let (_service, app, _flows) = setup().await;
    let big = format!(r#"{{"blob":"{}"}}"#, "x".repeat(MAX_MEMORY_BYTES));
    let (status, body) = enter(&app, "CA3", "ask", &big).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body,
        format!("invalid Memory: over the {MAX_MEMORY_BYTES}-byte limit\n")
    );

    let (status, body) = app
        .post(
            "/sms",
            &[
                ("From", "+15551230000"),
                ("To", "+15559990000"),
                ("Body", "hi"),
                ("Memory", &big),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.starts_with("invalid Memory: over the"), "{body}");

    // Just under the limit is fine.
    let fits = format!(r#"{{"blob":"{}"}}"#, "x".repeat(MAX_MEMORY_BYTES - 20));
    let (status, body) = enter(&app, "CA4", "ask", &fits).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_web_service_that_remembers_too_deep_a_value_is_a_failed_web_service() {
    let (_service, app, _flows) = setup().await;
    let (status, body) = enter(&app, "CA5", "deep", "{}").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let reply = Twiml::parse(&body);
    assert!(!reply.text().contains("Remembered."), "{}", reply.text());
    reply.expect_prompt("Back at the menu.");
    assert!(
        reply
            .text()
            .contains("Sorry, I couldn't finish that just now."),
        "{}",
        reply.text()
    );
}

#[tokio::test]
async fn web_services_cannot_grow_a_sessions_memory_past_its_limit() {
    let (service, app, _flows) = setup().await;
    let (status, body) = enter(&app, "CA6", "grow", "{}").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let reply = Twiml::parse(&body);
    assert!(!reply.text().contains("Done growing."), "{}", reply.text());
    reply.expect_prompt("Back at the menu.");
    // Every answer that fitted was remembered; the one that would pass the limit was refused.
    let answers = *service.grown.lock().expect("lock");
    let fitted = MAX_SESSION_MEMORY_BYTES / (MAX_MEMORY_BYTES - 100);
    assert_eq!(answers, fitted + 1);

    let conn = rusqlite::Connection::open(&app.db).expect("opens");
    let state: String = conn
        .query_row("SELECT state FROM sessions WHERE key = 'CA6'", [], |r| {
            r.get(0)
        })
        .expect("session");
    assert!(
        state.len() < MAX_SESSION_MEMORY_BYTES + 4096,
        "{}",
        state.len()
    );
    let detail: String = conn
        .query_row(
            "SELECT group_concat(detail) FROM events WHERE session_key = 'CA6'",
            [],
            |r| r.get(0),
        )
        .expect("events");
    assert!(
        detail.contains(&format!("{MAX_SESSION_MEMORY_BYTES}-byte limit")),
        "{detail}"
    );
}

#[tokio::test]
async fn a_spoken_12000_digit_number_is_asked_again_and_nothing_is_saved() {
    let (_service, app, _flows) = setup().await;
    let (status, body) = enter(&app, "CA7", "count", "{}").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Twiml::parse(&body).expect_prompt("How many are you?");

    let twelve_thousand = "four ".repeat(12_000);
    let reply = app.say("CA7", twelve_thousand.trim_end()).await;
    reply.expect_prompt("How many are you?");
    // 65 digits: short enough to parse, one over the cap.
    let reply = app.say("CA7", &"4".repeat(65)).await;
    reply.expect_prompt("How many are you?");
    let saved: Vec<String> = app
        .collected()
        .iter()
        .flat_map(|row| row.answers.iter().map(|a| a.value.clone()))
        .collect();
    assert!(saved.is_empty(), "{saved:?}");

    app.say("CA7", "four")
        .await
        .expect_prompt("Your account number?");
    // A digit sequence is capped the same way, then 64 digits are a fine account number.
    app.say("CA7", twelve_thousand.trim_end())
        .await
        .expect_prompt("Your account number?");
    let account = "4".repeat(64);
    app.say("CA7", &account)
        .await
        .expect_prompt("Back at the menu.");
    let rows = app.collected();
    let values: Vec<&str> = rows[0].answers.iter().map(|a| a.value.as_str()).collect();
    assert_eq!(values, ["4", account.as_str()]);
}
