//! Slow web services without dead air: a call whose web service has not answered after
//! `webhooks.hold_after_ms` hears the hold message and Twilio is sent back (`<Redirect>` to
//! `/voice/continue`) while the request goes on; the continuation picks the answer up, after
//! as many holds as it takes, within `webhooks.budget_ms`. Past the budget the call goes to
//! `webhooks.give_up`; a fallback that itself fails gets the engine's last resort, never a
//! dead call. Through the real router, a real SQLite file, and web services on loopback.
//! (`tests/signatures.rs` checks that `/voice/continue` wants a signature like every webhook.)

mod common;

use std::time::Duration;

use common::{TestApp, Twiml, service, write_flow};
use serde_json::json;
use switchboard::runner::RunnerOptions;

/// A bot whose `status` task says a line and asks `url`; `webhooks` is its settings block.
fn bot(url: &str, webhooks: serde_json::Value, fallback: serde_json::Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("tasks")).expect("mkdir");
    std::fs::write(
        dir.path().join("assistant.json"),
        json!({
            "defaults": {"assistant_initiation": "task://hello", "fallback": fallback},
            "webhooks": webhooks,
        })
        .to_string(),
    )
    .expect("write");
    write_flow(
        dir.path(),
        "hello",
        &json!({"samples": ["hello", "hi there"], "actions": [{"say": "Hi! Ask me where your order is."}, {"listen": true}]}),
    );
    write_flow(
        dir.path(),
        "status",
        &json!({"samples": ["where is my order", "order status", "track my order"],
                "actions": [{"say": "Let me check."}, {"redirect": url}]}),
    );
    write_flow(
        dir.path(),
        "sorry",
        &json!({"actions": [{"say": "Sorry about that. Ask me again any time."}, {"listen": true}]}),
    );
    write_flow(
        dir.path(),
        "operator",
        &json!({"actions": [{"say": "Let me put you through to someone."}, {"handoff": {"channel": "voice", "uri": "+14155550000"}}]}),
    );
    dir
}

fn holding() -> RunnerOptions {
    RunnerOptions {
        holds: true,
        ..RunnerOptions::default()
    }
}

fn redirects_to_continue(reply: &Twiml) -> bool {
    reply
        .xml
        .contains("<Redirect method=\"POST\">/voice/continue</Redirect>")
}

const ANSWER: &str = r#"{"actions": [{"say": "Your order ships tomorrow."}, {"listen": true}]}"#;

#[tokio::test]
async fn a_slow_web_service_puts_the_call_on_hold_until_its_answer_comes() {
    let (url, seen) = service(Duration::from_millis(1500), 200, ANSWER);
    let flows = bot(
        &url,
        json!({"hold_after_ms": 300, "budget_ms": 8000, "hold": "Still looking, one moment."}),
        json!("task://sorry"),
    );
    let app = TestApp::with_options(flows.path(), holding(), None);
    app.call("CA1").await;
    let first = app.say("CA1", "where is my order").await;
    // What was said so far, the hold message, and back for the rest: no Gather, no hang-up (a
    // reply that waited for the web service would carry its answer instead).
    assert_eq!(
        first.says,
        ["Let me check.", "Still looking, one moment."],
        "{}",
        first.xml
    );
    assert!(
        redirects_to_continue(&first) && first.gather.is_none() && !first.hangup,
        "{}",
        first.xml
    );
    let mut holds = 1;
    let last = loop {
        let (_, xml) = app.post("/voice/continue", &[("CallSid", "CA1")]).await;
        let reply = Twiml::parse(&xml);
        if !redirects_to_continue(&reply) {
            break reply;
        }
        assert_eq!(reply.says, ["Still looking, one moment."], "{xml}");
        holds += 1;
        assert!(holds < 20, "never answered");
    };
    assert!(holds >= 3, "1.5 s with a hold every 0.3 s: {holds} holds");
    // The answer, without repeating what the caller heard before the hold.
    assert_eq!(last.says, ["Your order ships tomorrow."], "{}", last.xml);
    last.expect_prompt("Your order ships tomorrow.");
    assert_eq!(
        seen.lock().expect("lock").len(),
        1,
        "the web service was asked once"
    );
    // The caller goes on as after any answer.
    app.say("CA1", "where is my order").await;
}

#[tokio::test]
async fn past_the_budget_the_call_goes_where_the_flows_say_to_give_up() {
    let (url, _) = service(Duration::from_secs(4), 200, ANSWER);
    let flows = bot(
        &url,
        json!({"hold_after_ms": 200, "budget_ms": 1000, "hold": {"play": "https://example.com/hold.mp3"}, "give_up": "task://operator"}),
        json!("task://sorry"),
    );
    let app = TestApp::with_options(flows.path(), holding(), None);
    app.call("CA2").await;
    let first = app.say("CA2", "where is my order").await;
    assert!(
        first
            .xml
            .contains("<Play loop=\"1\">https://example.com/hold.mp3</Play>"),
        "{}",
        first.xml
    );
    let mut holds = 0;
    let last = loop {
        let (_, xml) = app.post("/voice/continue", &[("CallSid", "CA2")]).await;
        let reply = Twiml::parse(&xml);
        if !redirects_to_continue(&reply) {
            break reply;
        }
        holds += 1;
        assert!(holds < 100, "the budget never ran out");
    };
    // The apology, then the give-up task's handoff to a person.
    assert!(
        last.xml
            .contains("Sorry, I couldn&#39;t finish that just now.")
            || last.says.iter().any(|s| s.contains("couldn")),
        "{}",
        last.xml
    );
    assert!(
        last.says
            .iter()
            .any(|s| s == "Let me put you through to someone."),
        "{}",
        last.xml
    );
    assert!(
        last.xml.contains("<Dial>+14155550000</Dial>"),
        "{}",
        last.xml
    );
}

#[tokio::test]
async fn a_fallback_that_fails_too_gets_the_last_resort_and_hears_which_task_failed() {
    let (broken, _) = service(Duration::ZERO, 500, "{}");
    let (fallback, asked) = service(Duration::ZERO, 500, "{}");
    let flows = bot(&broken, json!({"hold_after_ms": 0}), json!(fallback));
    let app = TestApp::with_options(flows.path(), holding(), None);
    app.call("CA3").await;
    let reply = app.say("CA3", "where is my order").await;
    // Not a hang-up: the apology once, and the caller may ask for anything.
    assert_eq!(
        reply.says,
        [
            "Let me check.",
            "Sorry, I couldn't finish that just now.",
            "What else can I help you with?"
        ],
        "{}",
        reply.xml
    );
    reply.expect_prompt("What else can I help you with?");
    let asked = asked.lock().expect("lock").clone();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        asked[0].contains("CurrentTask=status"),
        "the fallback hears which task failed: {}",
        asked[0]
    );
    // And the caller carries on.
    app.say("CA3", "hello")
        .await
        .expect_prompt("Ask me where your order is.");
}

#[tokio::test]
async fn a_continuation_retried_by_twilio_gets_the_same_reply() {
    let (url, _) = service(Duration::from_millis(600), 200, ANSWER);
    let flows = bot(
        &url,
        json!({"hold_after_ms": 200, "budget_ms": 5000}),
        json!("task://sorry"),
    );
    let app = TestApp::with_options(flows.path(), holding(), None);
    app.call("CA4").await;
    let first = app.say("CA4", "where is my order").await;
    assert!(redirects_to_continue(&first), "{}", first.xml);
    assert!(
        first.says.contains(&"One moment, please.".to_owned()),
        "the default hold: {}",
        first.xml
    );
    tokio::time::sleep(Duration::from_millis(900)).await;
    // Twilio retrying the continuation gets the same reply.
    let form = [("CallSid", "CA4")];
    let (one, two) = tokio::join!(
        app.post_delivery("/voice/continue", &form, "RT-1"),
        app.post_delivery("/voice/continue", &form, "RT-1")
    );
    assert_eq!(one, two);
    Twiml::parse(&one.1).expect_prompt("Your order ships tomorrow.");
    let again = app.post_delivery("/voice/continue", &form, "RT-1").await;
    assert_eq!(again, one, "a late retry too");
}

#[tokio::test]
async fn a_continuation_this_server_lost_takes_the_failure_path() {
    let (url, _) = service(Duration::from_secs(3), 200, ANSWER);
    let flows = bot(
        &url,
        json!({"hold_after_ms": 200, "budget_ms": 10000}),
        json!("task://sorry"),
    );
    let app = TestApp::with_options(flows.path(), holding(), None);
    app.call("CA5").await;
    assert!(redirects_to_continue(
        &app.say("CA5", "where is my order").await
    ));
    // A restart forgets the hold; the session still waits on the web service.
    let app = app.restart();
    let (_, xml) = app.post("/voice/continue", &[("CallSid", "CA5")]).await;
    let reply = Twiml::parse(&xml);
    assert!(
        reply.says.iter().any(|s| s.contains("couldn")),
        "{}",
        reply.xml
    );
    reply.expect_prompt("Sorry about that. Ask me again any time.");
}

#[tokio::test]
async fn by_text_the_reply_waits_for_a_slow_web_service_without_a_hold() {
    let (url, _) = service(Duration::from_millis(800), 200, ANSWER);
    let flows = bot(&url, json!({"hold_after_ms": 200}), json!("task://sorry"));
    let app = TestApp::with_options(flows.path(), holding(), None);
    let (_, xml) = app
        .post(
            "/sms",
            &[
                ("From", "+15550001111"),
                ("To", "+15550002222"),
                ("Body", "where is my order"),
                ("MessageSid", "SM1"),
            ],
        )
        .await;
    assert!(
        xml.contains("Let me check. Your order ships tomorrow."),
        "{xml}"
    );
    assert!(!xml.contains("/voice/continue"), "{xml}");
}

#[tokio::test]
async fn a_call_switched_to_another_language_is_held_in_it() {
    let (url, _seen) = service(Duration::from_millis(900), 200, ANSWER);
    // The built-in hold message: in the language the call speaks.
    let flows = bot(
        &url,
        json!({"hold_after_ms": 300, "budget_ms": 8000}),
        json!("task://sorry"),
    );
    write_flow(
        flows.path(),
        "espanol",
        &json!({"language": "es-US", "samples": ["español", "en español"],
                "actions": [{"say": "Bienvenido."}, {"listen": true}]}),
    );
    let app = TestApp::with_options(flows.path(), holding(), None);
    app.call("CA9").await;
    let spanish = app.say("CA9", "en español").await;
    spanish.expect_language(Some("es-US"));
    let first = app.say("CA9", "where is my order").await;
    assert_eq!(
        first.says,
        ["Let me check.", "Un momento, por favor."],
        "{}",
        first.xml
    );
    first.expect_voice("Polly.Lupe");
    let mut holds = 0;
    let last = loop {
        let (_, xml) = app.post("/voice/continue", &[("CallSid", "CA9")]).await;
        let reply = Twiml::parse(&xml);
        if !redirects_to_continue(&reply) {
            break reply;
        }
        assert_eq!(reply.says, ["Un momento, por favor."], "{xml}");
        holds += 1;
        assert!(holds < 20, "never answered");
    };
    last.expect_language(Some("es-US"));
}
