//! Twilio retries a webhook it has not had an answer to, with the same
//! `I-Twilio-Idempotency-Token`. A retry that arrives while the first delivery is still waiting
//! on a slow web service must wait for the first one's reply and get exactly it — not run as a
//! new turn, not call the web service again, and never save an answer the validator refused.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use common::{TestApp, Texts, Twiml, write_flow};
use serde_json::json;
use switchboard::runner::RunnerOptions;

/// How long the web services take to answer: long enough for a retry to arrive meanwhile.
const SLOW: Duration = Duration::from_millis(1200);

/// Web services that answer slowly, counting their calls: a validator that refuses every
/// answer, and a redirect that answers with a say.
struct Services {
    base: String,
    verdicts: Arc<AtomicU32>,
    redirects: Arc<AtomicU32>,
}

async fn services() -> Services {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let verdicts = Arc::new(AtomicU32::new(0));
    let redirects = Arc::new(AtomicU32::new(0));
    let (v, r) = (Arc::clone(&verdicts), Arc::clone(&redirects));
    let app = Router::new()
        .route(
            "/refuse",
            post(move || async move {
                v.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(SLOW).await;
                axum::Json(json!({"valid": false}))
            }),
        )
        .route(
            "/answer",
            post(move || async move {
                let n = r.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(SLOW).await;
                axum::Json(
                    json!({"actions": [{"say": format!("Answer number {n}.")}, {"listen": true}]}),
                )
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    Services {
        base,
        verdicts,
        redirects,
    }
}

async fn app() -> (Services, TestApp, tempfile::TempDir) {
    let services = services().await;
    let flows = tempfile::tempdir().expect("temp dir");
    let dir = flows.path();
    let base = &services.base;
    write_flow(
        dir,
        "assistant",
        &json!({"defaults": {"assistant_initiation": "task://greeting", "fallback": "task://greeting"}}),
    );
    write_flow(
        dir,
        "greeting",
        &json!({"actions": [{"say": "Say member or lookup."}, {"listen": true}]}),
    );
    write_flow(
        dir,
        "member",
        &json!({"samples": ["member", "member check", "check a member"], "actions": [
            {"collect": {"name": "member", "questions": [{"name": "first_name", "question": "Member name?",
                "type": "Twilio.FIRST_NAME",
                "validate": {"webhook": {"url": format!("{base}/refuse"), "method": "POST"},
                             "on_failure": {"messages": [{"say": "That name is not on the list."}], "repeat_question": true}}}],
              "on_complete": {"redirect": "task://greeting"}}}
        ]}),
    );
    write_flow(
        dir,
        "lookup",
        &json!({"samples": ["lookup", "look it up", "look up my order"], "actions": [
            {"say": "One moment."}, {"redirect": {"uri": format!("{base}/answer"), "method": "POST"}}
        ]}),
    );
    let options = RunnerOptions {
        webhook_timeout: Duration::from_secs(5),
        ..RunnerOptions::default()
    };
    let app = TestApp::with_options(dir, options, None);
    (services, app, flows)
}

/// Sends the same delivery twice, the second while the first is still running.
async fn twice(app: &TestApp, path: &str, form: &[(&str, &str)], token: &str) -> [String; 2] {
    let first = app.post_delivery(path, form, token);
    let retry = async {
        tokio::time::sleep(SLOW / 3).await;
        app.post_delivery(path, form, token).await
    };
    let ((s1, first), (s2, retry)) = tokio::join!(first, retry);
    assert_eq!(
        (s1, s2),
        (StatusCode::OK, StatusCode::OK),
        "{first}\n{retry}"
    );
    [first, retry]
}

#[tokio::test]
async fn a_voice_retry_during_a_validation_gets_the_first_reply_and_saves_nothing_refused() {
    let (services, app, _flows) = app().await;
    app.call("CA1").await.expect_prompt("Say member or lookup.");
    app.say("CA1", "member check")
        .await
        .expect_prompt("Member name?");
    let form = [("CallSid", "CA1"), ("SpeechResult", "Bob")];
    let [first, retry] = twice(&app, "/voice/gather", &form, "RT-voice-1").await;
    assert_eq!(first, retry, "the retry gets exactly the first reply");
    let reply = Twiml::parse(&first);
    assert!(
        reply.text().contains("That name is not on the list."),
        "refused, not the apology: {}",
        reply.xml
    );
    assert_eq!(
        services.verdicts.load(Ordering::SeqCst),
        1,
        "the validator is asked once"
    );
    // A later retry of the same delivery is answered from the store, still the same reply.
    let (_, again) = app
        .post_delivery("/voice/gather", &form, "RT-voice-1")
        .await;
    assert_eq!(again, first);
    for row in app.collected() {
        assert_ne!(row.status, "complete", "{row:?}");
        assert!(row.answers.iter().all(|a| a.value != "Bob"), "{row:?}");
    }
}

#[tokio::test]
async fn a_voice_retry_during_a_redirect_gets_the_web_services_answer_once() {
    let (services, app, _flows) = app().await;
    app.call("CA2").await;
    let form = [("CallSid", "CA2"), ("SpeechResult", "look up my order")];
    let [first, retry] = twice(&app, "/voice/gather", &form, "RT-voice-2").await;
    assert_eq!(first, retry);
    Twiml::parse(&first).expect_prompt("Answer number 1.");
    assert_eq!(services.redirects.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_text_retry_during_a_validation_gets_the_first_reply_and_saves_nothing_refused() {
    let (services, app, _flows) = app().await;
    let from = ("From", "+15551230000");
    let to = ("To", "+15559990000");
    app.text_with(&[from, to, ("Body", "member check")])
        .await
        .expect("Member name?");
    let form = [from, to, ("Body", "Bob")];
    let [first, retry] = twice(&app, "/sms", &form, "RT-sms-1").await;
    assert_eq!(first, retry, "the retry gets exactly the first reply");
    Texts::parse(&first).expect("That name is not on the list.");
    assert_eq!(services.verdicts.load(Ordering::SeqCst), 1);
    for row in app.collected() {
        assert_ne!(row.status, "complete", "{row:?}");
        assert!(row.answers.iter().all(|a| a.value != "Bob"), "{row:?}");
    }
}

/// The request that started a turn may go away (Twilio hangs up on a slow webhook); the turn
/// still finishes and commits, and the retry gets its reply.
#[tokio::test]
async fn a_delivery_whose_request_went_away_still_finishes_for_its_retry() {
    let (services, app, _flows) = app().await;
    app.call("CA3").await;
    let form = [("CallSid", "CA3"), ("SpeechResult", "look up my order")];
    let abandoned = tokio::time::timeout(
        SLOW / 3,
        app.post_delivery("/voice/gather", &form, "RT-voice-3"),
    )
    .await;
    assert!(abandoned.is_err(), "the first request was given up on");
    let (status, retry) = app
        .post_delivery("/voice/gather", &form, "RT-voice-3")
        .await;
    assert_eq!(status, StatusCode::OK);
    Twiml::parse(&retry).expect_prompt("Answer number 1.");
    assert_eq!(services.redirects.load(Ordering::SeqCst), 1);
}
