//! Autopilot-style web services: a test app on loopback plays the user's service (a Twilio
//! Function or Express app that reads `Memory` and answers with Actions JSON), and misbehaves on
//! purpose to show every failure ends in an apology and a way on, never a dead call.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use common::{TestApp, Twiml, write_flow, write_menu_bot};
use serde_json::{Value, json};
use switchboard::http::Auth;
use switchboard::runner::RunnerOptions;
use switchboard::signature::{AuthToken, verify};

type Params = Vec<(String, String)>;

/// The user's web service, on a free loopback port.
#[derive(Clone)]
struct Service {
    base: String,
    /// Every request's form, in arrival order.
    seen: Arc<Mutex<Vec<(String, Params)>>>,
    /// Requests whose X-Twilio-Signature verified, and those unsigned or failing.
    signatures: Arc<Mutex<(u32, u32)>>,
}

fn param<'a>(form: &'a Params, name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

impl Service {
    async fn start() -> Service {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let addr: SocketAddr = listener.local_addr().expect("address");
        let service = Service {
            base: format!("http://{addr}"),
            seen: Arc::default(),
            signatures: Arc::default(),
        };
        let app = Router::new()
            .route("/collected", post(collected))
            .route(
                "/fail500",
                post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
            )
            .route("/garbage", post(|| async { "this is not json" }))
            .route(
                "/not-actions",
                post(|| async { Json(json!({"actions": [{"sing": "la la"}]})) }),
            )
            .route(
                "/slow",
                post(|| async {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    "too late"
                }),
            )
            .route("/loop", post(looping))
            .route("/validate", post(validate))
            .with_state(service.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        service
    }

    fn record(&self, path: &str, headers: &HeaderMap, form: &Params) {
        self.seen
            .lock()
            .expect("lock")
            .push((path.to_owned(), form.clone()));
        let signature = headers
            .get("X-Twilio-Signature")
            .and_then(|v| v.to_str().ok());
        let valid = signature.is_some_and(|signature| {
            verify(
                &AuthToken::new("test-token"),
                &format!("{}{path}", self.base),
                form,
                signature,
            )
        });
        let mut counts = self.signatures.lock().expect("lock");
        if valid {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
    }

    fn requests(&self, path: &str) -> Vec<Params> {
        self.seen
            .lock()
            .expect("lock")
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, f)| f.clone())
            .collect()
    }
}

/// Checks the Memory an Autopilot handler would read, field by field, and thanks the caller.
async fn collected(
    State(service): State<Service>,
    headers: HeaderMap,
    Form(form): Form<Params>,
) -> impl IntoResponse {
    service.record("/collected", &headers, &form);
    let memory: Value = serde_json::from_str(param(&form, "Memory")).unwrap_or(Value::Null);
    let info = &memory["twilio"]["collected_data"]["sign_up"];
    let name = &info["answers"]["first_name"];
    let mut problems = Vec::new();
    let mut expect = |what: &str, ok: bool| {
        if !ok {
            problems.push(what.to_owned());
        }
    };
    expect(
        "twilio.voice.CallSid",
        memory["twilio"]["voice"]["CallSid"] == "CA1",
    );
    expect(
        "twilio.voice.From",
        memory["twilio"]["voice"]["From"] == "+15551230000",
    );
    expect(
        "twilio.voice.To",
        memory["twilio"]["voice"]["To"] == "+15559990000",
    );
    expect(
        "twilio.voice.Direction",
        memory["twilio"]["voice"]["Direction"] == "inbound",
    );
    expect("status", info["status"] == "complete");
    expect(
        "date_started",
        info["date_started"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z')),
    );
    expect(
        "date_completed",
        info["date_completed"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z')),
    );
    expect("answer", name["answer"] == "Jason");
    expect("filled", name["filled"] == true);
    expect("attempts", name["attempts"] == 2);
    expect("validate_attempts", name["validate_attempts"].is_u64());
    expect("confirm_attempts", name["confirm_attempts"] == 0);
    expect("confirmed", name["confirmed"] == false);
    expect("remembered plan", memory["plan"] == "gold");
    expect("entry memory", memory["campaign"] == "spring");
    if !problems.is_empty() {
        return Json(
            json!({"actions": [{"say": format!("Memory is wrong: {}", problems.join(", "))}]}),
        );
    }
    let name = name["answer"].as_str().unwrap_or_default();
    Json(json!({"actions": [{"say": format!("Thank you, {name}!")}, {"listen": true}]}))
}

async fn looping(
    State(service): State<Service>,
    headers: HeaderMap,
    Form(form): Form<Params>,
) -> impl IntoResponse {
    service.record("/loop", &headers, &form);
    Json(
        json!({"actions": [{"say": "Round again."}, {"redirect": format!("{}/loop", service.base)}]}),
    )
}

async fn validate(
    State(service): State<Service>,
    headers: HeaderMap,
    Form(form): Form<Params>,
) -> impl IntoResponse {
    service.record("/validate", &headers, &form);
    Json(json!({"valid": param(&form, "ValidateFieldAnswer") != "Bob"}))
}

/// A server that answers 200 and starts a JSON body, then never finishes it.
fn trickling_server() -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n";
                let _ = stream.write_all(head.as_bytes());
                // Hold the connection open without finishing the body, then give up.
                std::thread::sleep(Duration::from_secs(20));
            });
        }
    });
    port
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    listener.local_addr().expect("address").port()
}

/// A bot whose tasks call the service in every way; calls enter with TargetTask.
fn bot(service: &Service, dir: &Path) {
    let base = &service.base;
    write_menu_bot(dir, 5);
    write_flow(
        dir,
        "sign_up",
        &json!({"actions": [
            {"remember": {"plan": "gold"}},
            {"collect": {"name": "sign_up", "questions": [{"name": "first_name", "question": "Your first name?", "type": "Twilio.FIRST_NAME"}],
                         "on_complete": {"redirect": {"uri": format!("{base}/collected"), "method": "POST"}}}}
        ]}),
    );
    for (task, url) in [
        ("broken", format!("{base}/fail500")),
        ("garbage", format!("{base}/garbage")),
        ("not_actions", format!("{base}/not-actions")),
        ("slow", format!("{base}/slow")),
        ("refused", format!("http://127.0.0.1:{}/x", closed_port())),
        ("looping", format!("{base}/loop")),
        (
            "trickle",
            format!("http://127.0.0.1:{}/t", trickling_server()),
        ),
    ] {
        write_flow(
            dir,
            task,
            &json!({"actions": [{"say": "One moment."}, {"redirect": url}]}),
        );
    }
    write_flow(
        dir,
        "validated",
        &json!({"actions": [
            {"collect": {"name": "member", "questions": [{"name": "first_name", "question": "Member name?", "type": "Twilio.FIRST_NAME",
                "validate": {"webhook": {"url": format!("{base}/validate"), "method": "POST"},
                             "on_failure": {"messages": [{"say": "That name is not on the list."}], "repeat_question": true}}}],
              "on_complete": {"redirect": "task://fallback"}}}
        ]}),
    );
    write_flow(
        dir,
        "agent",
        &json!({"actions": [{"say": "Connecting you."}, {"handoff": {"channel": "voice", "uri": "tel:+1 (415) 555-0000"}}]}),
    );
    write_flow(
        dir,
        "to_twiml",
        &json!({"actions": [{"handoff": {"channel": "voice", "uri": "https://example.com/agent", "method": "GET"}}]}),
    );
    write_flow(
        dir,
        "queue",
        &json!({"actions": [{"handoff": {"channel": "voice", "uri": "taskrouter://WW0123456789abcdef0123456789abcdef",
        "wait_url": "https://example.com/hold", "priority": "5", "timeout": "200"}}]}),
    );
}

async fn setup(auth: bool) -> (Service, TestApp, tempfile::TempDir) {
    let service = Service::start().await;
    let flows = tempfile::tempdir().expect("temp dir");
    bot(&service, flows.path());
    let auth = auth.then(|| Auth {
        token: AuthToken::new("test-token"),
        public_url: "https://bot.example.com".into(),
    });
    let options = RunnerOptions {
        token: auth.as_ref().map(|a| a.token.clone()),
        webhook_timeout: Duration::from_millis(700),
        ..RunnerOptions::default()
    };
    (
        service,
        TestApp::with_options(flows.path(), options, auth),
        flows,
    )
}

async fn enter(app: &TestApp, sid: &str, task: &str) -> Twiml {
    let (status, body) = app
        .post(
            "/voice",
            &[
                ("CallSid", sid),
                ("AccountSid", "AC123"),
                ("From", "+15551230000"),
                ("To", "+15559990000"),
                ("TargetTask", task),
                ("Memory", r#"{"campaign":"spring"}"#),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Twiml::parse(&body)
}

#[tokio::test]
async fn the_users_web_service_reads_memory_and_the_caller_hears_its_answer() {
    let (service, app, _flows) = setup(false).await;
    enter(&app, "CA1", "sign_up")
        .await
        .expect_prompt("Your first name?");
    app.say("CA1", "um").await.expect_prompt("Your first name?");
    let reply = app.say("CA1", "my name is Jason").await;
    reply.expect_prompt("Thank you, Jason!");

    let requests = service.requests("/collected");
    assert_eq!(requests.len(), 1);
    let form = &requests[0];
    assert_eq!(param(form, "AccountSid"), "AC123");
    assert!(
        param(form, "AssistantSid").starts_with("UA") && param(form, "AssistantSid").len() == 34,
        "{form:?}"
    );
    assert!(
        param(form, "DialogueSid").starts_with("UK") && param(form, "DialogueSid").len() == 34,
        "{form:?}"
    );
    assert_eq!(param(form, "UserIdentifier"), "+15551230000");
    assert_eq!(param(form, "CurrentInput"), "my name is Jason");
    assert_eq!(param(form, "CurrentTask"), "sign_up");
    assert_eq!(param(form, "Channel"), "voice");
    // Saved in SQLite as well, web service or not.
    assert_eq!(app.collected()[0].answers[0].value, "Jason");
}

#[tokio::test]
async fn calls_to_web_services_are_signed_when_a_token_is_set() {
    let (service, app, _flows) = setup(true).await;
    // Incoming webhooks must be signed too; sign as Twilio would.
    let form = [
        ("CallSid", "CA9"),
        ("From", "+15551230000"),
        ("To", "+15559990000"),
        ("TargetTask", "looping"),
    ];
    let pairs: Params = form
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let signature = switchboard::signature::sign(
        &AuthToken::new("test-token"),
        "https://bot.example.com/voice",
        &pairs,
    );
    let (status, _) = app.post_signed("/voice", &form, &signature).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!service.requests("/loop").is_empty());
    let (good, bad) = *service.signatures.lock().expect("lock");
    assert!(
        good > 0 && bad == 0,
        "signed: {good}, unsigned or wrong: {bad}"
    );
}

#[tokio::test]
async fn every_kind_of_failing_web_service_ends_in_an_apology_and_the_fallback() {
    let (_service, app, _flows) = setup(false).await;
    for (i, task) in [
        "broken",
        "garbage",
        "not_actions",
        "slow",
        "refused",
        "trickle",
    ]
    .iter()
    .enumerate()
    {
        let sid = format!("CA2{i}");
        let started = std::time::Instant::now();
        let reply = enter(&app, &sid, task).await;
        reply.expect_prompt("One moment.");
        reply.expect_prompt("Sorry, I couldn't finish that just now.");
        reply.expect_prompt("Back at the menu.");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{task} took {:?}",
            started.elapsed()
        );
        // The call goes on from the fallback's listen.
        app.say(&sid, "hello")
            .await
            .expect_prompt("Back at the menu.");
    }
}

#[tokio::test]
async fn an_actions_list_that_redirects_forever_is_cut_off() {
    let (service, app, _flows) = setup(false).await;
    let reply = enter(&app, "CA3", "looping").await;
    reply.expect_goodbye("something went wrong on our side");
    assert_eq!(
        service.requests("/loop").len(),
        5,
        "exactly the redirect limit"
    );
}

#[tokio::test]
async fn a_validation_webhook_can_refuse_an_answer() {
    let (service, app, _flows) = setup(false).await;
    enter(&app, "CA4", "validated")
        .await
        .expect_prompt("Member name?");
    let refused = app.say("CA4", "Bob").await;
    refused.expect_prompt("That name is not on the list.");
    refused.expect_prompt("Member name?");
    app.say("CA4", "Alice")
        .await
        .expect_prompt("Back at the menu.");
    let asked: Vec<String> = service
        .requests("/validate")
        .iter()
        .map(|f| param(f, "ValidateFieldAnswer").to_owned())
        .collect();
    assert_eq!(asked, ["Bob", "Alice"]);
    assert_eq!(
        param(&service.requests("/validate")[0], "CollectName"),
        "member"
    );
    assert_eq!(
        param(&service.requests("/validate")[0], "ValidateFieldName"),
        "first_name"
    );
    assert_eq!(app.collected()[0].answers[0].value, "Alice");
}

#[tokio::test]
async fn handoffs_become_dial_and_enqueue() {
    let (_service, app, _flows) = setup(false).await;
    let dial = enter(&app, "CA5", "agent").await;
    assert!(
        dial.xml
            .contains("<Say>Connecting you.</Say>\n<Dial>+14155550000</Dial>\n</Response>"),
        "{}",
        dial.xml
    );
    let queue = enter(&app, "CA6", "queue").await;
    assert!(
        queue.xml.contains(r#"<Enqueue workflowSid="WW0123456789abcdef0123456789abcdef" waitUrl="https://example.com/hold"><Task priority="5" timeout="200">{}</Task></Enqueue>"#),
        "{}",
        queue.xml
    );
    let redirect = enter(&app, "CA10", "to_twiml").await;
    assert!(
        redirect
            .xml
            .contains(r#"<Redirect method="GET">https://example.com/agent</Redirect>"#),
        "{}",
        redirect.xml
    );
    // The session is over: Twilio now owns the call.
    let after = app.silence("CA5").await;
    assert!(after.hangup && after.gather.is_none(), "{}", after.xml);
}

#[tokio::test]
async fn an_unknown_target_task_gets_the_greeting() {
    let (_service, app, _flows) = setup(false).await;
    enter(&app, "CA7", "no_such_task")
        .await
        .expect_prompt("Hello.");
}

#[tokio::test]
async fn a_malformed_memory_parameter_is_refused() {
    let (_service, app, _flows) = setup(false).await;
    let (status, body) = app
        .post("/voice", &[("CallSid", "CA8"), ("Memory", "[1,2")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.starts_with("invalid Memory"), "{body}");
}
