//! The same bot over SMS: whole conversations by text, expiry, keywords, long replies.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::http::StatusCode;
use chrono::{Duration, TimeZone, Utc};
use common::{TestApp, repo_flows};
use switchboard::runner::RunnerOptions;

const ME: &str = "+15551230000";

#[tokio::test]
async fn a_whole_registration_by_text_is_saved_like_a_call() {
    let app = TestApp::new();
    app.text(ME, "hello")
        .await
        .expect("What would you like to do?");
    app.text(ME, "I want to register")
        .await
        .expect("What is your name?");
    app.text(ME, "Jason")
        .await
        .expect("What's your phone number?");
    let thanks = app.text(ME, "415-555-0123").await;
    thanks.expect("Thank you, Jason.");
    assert_eq!(
        thanks.messages.len(),
        1,
        "one turn, one message: {:?}",
        thanks.messages
    );
    let rows = app.collected();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].channel.as_str(), rows[0].status.as_str()),
        ("sms", "complete")
    );
    assert_eq!(rows[0].caller.as_deref(), Some(ME));
    assert_eq!(rows[0].answers[1].value, "+14155550123");
    // Goodbye ends the conversation; the next text starts a new one.
    app.text(ME, "goodbye").await.expect("Goodbye");
    app.text(ME, "hi")
        .await
        .expect("What would you like to do?");
}

#[tokio::test]
async fn a_text_retried_after_a_later_one_was_answered_gets_its_first_reply_and_counts_once() {
    let app = TestApp::new();
    app.text(ME, "register").await.expect("What is your name?");
    let text = |body: &'static str, sid: &'static str| {
        [
            ("From", ME),
            ("To", "+15559990000"),
            ("Body", body),
            ("MessageSid", sid),
        ]
    };
    // Two texts sent close together; the reply to the first is lost, and Twilio retries it
    // after the second has been answered.
    let (_, name) = app
        .post_delivery("/sms", &text("Jason", "SM2"), "d-2")
        .await;
    let (_, number) = app
        .post_delivery("/sms", &text("4155550123", "SM3"), "d-3")
        .await;
    assert!(number.contains("Thank you, Jason."), "{number}");
    let (_, retried) = app
        .post_delivery("/sms", &text("Jason", "SM2"), "d-2")
        .await;
    assert_eq!(retried, name, "the first reply again, not a new turn");
    let rows = app.collected();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].answers.len(), 2, "{rows:?}");
    assert_eq!(rows[0].answers[0].value, "Jason");
}

#[tokio::test]
async fn an_idle_conversation_starts_afresh_and_keeps_what_was_said() {
    // The runner's clock, moved by the test: nothing sleeps.
    static OFFSET_MINUTES: AtomicI64 = AtomicI64::new(0);
    let start = Utc
        .with_ymd_and_hms(2026, 11, 25, 9, 0, 0)
        .single()
        .expect("valid");
    let clock = Arc::new(move || start + Duration::minutes(OFFSET_MINUTES.load(Ordering::SeqCst)));
    let app = TestApp::with_options(
        &repo_flows(),
        RunnerOptions {
            clock,
            ..RunnerOptions::default()
        },
        None,
    );

    app.text(ME, "register").await.expect("What is your name?");
    app.text(ME, "Jason").await.expect("phone number");
    OFFSET_MINUTES.store(3 * 60 + 59, Ordering::SeqCst);
    // Within four hours the question still stands…
    app.text(ME, "banana")
        .await
        .expect("Sorry, I didn't get that number.");
    // …but four hours after the last text it has expired.
    OFFSET_MINUTES.store(3 * 60 + 59 + 4 * 60 + 1, Ordering::SeqCst);
    app.text(ME, "4155550123")
        .await
        .expect("You can say register");
    let rows = app.collected();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "incomplete");
    assert_eq!(rows[0].answers[0].value, "Jason");
    // A new registration in the new conversation is a new row, not an overwrite.
    app.text(ME, "register").await;
    app.text(ME, "Maria").await;
    app.text(ME, "4155550000").await.expect("Thank you, Maria.");
    let rows = app.collected();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].answers[0].value, "Jason");
}

#[tokio::test]
async fn two_people_texting_the_same_number_at_once_stay_apart() {
    let app = Arc::new(TestApp::new());
    let mut people = Vec::new();
    for (i, name) in ["Jason", "Maria", "Priya", "Tomas"].iter().enumerate() {
        let app = app.clone();
        people.push(tokio::spawn(async move {
            let from = format!("+1555000000{i}");
            app.text(&from, "register")
                .await
                .expect("What is your name?");
            app.text(&from, name).await.expect("phone number");
            app.text(&from, &format!("415555000{i}"))
                .await
                .expect(&format!("Thank you, {name}."));
        }));
    }
    for person in people {
        person.await.expect("conversation");
    }
    let mut saved: Vec<(String, String, String)> = app
        .collected()
        .iter()
        .map(|r| {
            (
                r.caller.clone().unwrap_or_default(),
                r.answers[0].value.clone(),
                r.answers[1].value.clone(),
            )
        })
        .collect();
    saved.sort();
    assert_eq!(
        saved,
        [
            ("+15550000000".into(), "Jason".into(), "+14155550000".into()),
            ("+15550000001".into(), "Maria".into(), "+14155550001".into()),
            ("+15550000002".into(), "Priya".into(), "+14155550002".into()),
            ("+15550000003".into(), "Tomas".into(), "+14155550003".into()),
        ]
    );
}

#[tokio::test]
async fn an_empty_or_picture_only_text_gets_a_sensible_reply() {
    let app = TestApp::new();
    app.text(ME, "register").await;
    let picture = app
        .text_with(&[
            ("From", ME),
            ("To", "+15559990000"),
            ("Body", ""),
            ("NumMedia", "1"),
        ])
        .await;
    picture
        .expect("I can only read text")
        .expect("What is your name?");
    // It was not counted as a failed answer: three wrong answers are still allowed after it.
    app.text(ME, "Jason").await.expect("phone number");
}

#[tokio::test]
async fn the_words_people_text_to_get_out_do_what_they_expect() {
    let app = TestApp::new();
    app.text(ME, "register").await;
    app.text(ME, "Help")
        .await
        .expect("automated assistant")
        .expect("What is your name?");
    app.text(ME, "start over")
        .await
        .expect("What would you like to do?");
    app.text(ME, "register").await;
    app.text(ME, "Jason").await;
    app.text(ME, "CANCEL").await.expect("I've stopped");
    let rows = app.collected();
    assert_eq!(
        rows.last().map(|r| r.status.as_str()),
        Some("incomplete"),
        "{rows:?}"
    );
    // STOP is answered by the carrier's opt-out: the bot sends nothing.
    app.text(ME, "register").await;
    let stop = app.text(ME, "stop").await;
    assert!(stop.messages.is_empty(), "{}", stop.xml);
}

#[tokio::test]
async fn help_as_the_very_first_text_gets_the_help_text_and_the_greeting() {
    let app = TestApp::new();
    let help = app.text(ME, "HELP").await;
    help.expect("automated assistant")
        .expect("What would you like to do?");
    assert!(!help.text().contains("didn't catch that"), "{}", help.xml);
    // The conversation goes on from the greeting.
    app.text(ME, "register").await.expect("What is your name?");
}

#[tokio::test]
async fn bad_messages_get_a_4xx_with_one_clear_line() {
    let app = TestApp::new();
    for (form, words) in [
        (vec![("To", "+15559990000"), ("Body", "hi")], "missing From"),
        (vec![("From", ME), ("Body", "hi")], "missing To"),
        (vec![("From", ME), ("To", "+15559990000")], "missing Body"),
    ] {
        let (status, body) = app.post("/sms", &form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body.contains(words) && body.trim_end().lines().count() == 1,
            "{body}"
        );
    }
}

#[tokio::test]
async fn voice_only_actions_degrade_and_show_sends_pictures() {
    let flows = tempfile::tempdir().expect("temp dir");
    let tasks = flows.path().join("tasks");
    std::fs::create_dir_all(&tasks).expect("mkdir");
    let long = "This sentence is about forty characters. ".repeat(50);
    let write = |name: &str, json: &str| {
        std::fs::write(tasks.join(format!("{name}.json")), json).expect("write")
    };
    write(
        "menu",
        r#"{"samples": ["menu"], "actions": [{"play": {"url": "https://x.example/hold.mp3"}}, {"say": "Menu."}, {"show": {"body": "Our map", "images": [{"label": "map", "url": "https://x.example/map.png"}]}}, {"listen": true}]}"#,
    );
    write(
        "agent",
        r#"{"samples": ["talk to a person"], "actions": [{"handoff": {"channel": "voice", "uri": "+14155550000"}}]}"#,
    );
    write(
        "long",
        &format!(
            r#"{{"samples": ["tell me everything"], "actions": [{{"say": "{}"}}, {{"listen": true}}]}}"#,
            long.trim()
        ),
    );
    let app = TestApp::with_flows(flows.path());
    let menu = app
        .text_with(&[
            ("From", ME),
            ("To", "+15559990000"),
            ("Body", "menu"),
            ("TargetTask", "menu"),
        ])
        .await;
    assert_eq!(menu.messages, ["Menu. Our map"]);
    assert_eq!(menu.media, ["https://x.example/map.png"]);
    app.text(ME, "talk to a person")
        .await
        .expect("please call +14155550000");
    let everything = app.text(ME, "tell me everything").await;
    assert_eq!(
        everything.messages.len(),
        2,
        "{:?}",
        everything
            .messages
            .iter()
            .map(String::len)
            .collect::<Vec<_>>()
    );
    assert!(
        everything
            .messages
            .iter()
            .all(|m| m.chars().count() <= 1600 && m.ends_with('.'))
    );
}
