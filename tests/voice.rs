//! Whole calls through the real router and a real SQLite file: the sign-up bot in `flows/`.

mod common;

use axum::http::StatusCode;
use common::{TestApp, Twiml};

const GREETING: &str = "What would you like to do?";
const ASK_NAME: &str = "What is your name?";
const ASK_PHONE: &str = "What's your phone number?";

#[tokio::test]
async fn a_whole_registration_call_is_saved_and_the_caller_thanked_by_name() {
    let app = TestApp::new();

    let greeting = app.call("CA100").await;
    greeting.expect_prompt(GREETING);
    assert_eq!(greeting.gather_attr("input"), Some("speech dtmf"));
    assert_eq!(greeting.gather_attr("action"), Some("/voice/gather"));
    assert_eq!(greeting.gather_attr("actionOnEmptyResult"), Some("true"));
    assert_eq!(greeting.gather_attr("speechTimeout"), Some("auto"));
    assert!(
        greeting
            .gather_attr("hints")
            .is_some_and(|h| h.contains("register")),
        "{}",
        greeting.xml
    );
    assert!(
        greeting.xml.contains(r#"<Say voice="Polly.Joanna">"#),
        "the style sheet's voice is used"
    );

    app.say("CA100", "I'd like to register please")
        .await
        .expect_prompt(ASK_NAME);
    let phone = app.say("CA100", "my name is Jason").await;
    phone.expect_prompt(ASK_PHONE);
    assert_eq!(
        phone.gather_attr("finishOnKey"),
        Some("#"),
        "the question's voice_digits reach the Gather"
    );
    app.say("CA100", "four one five, five five five, oh one two three")
        .await
        .expect_prompt("Thank you, Jason.");
    app.say("CA100", "goodbye").await.expect_goodbye("Goodbye");

    let rows = app.collected();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(
        (
            row.session.as_str(),
            row.task.as_str(),
            row.collect.as_str(),
            row.status.as_str()
        ),
        ("CA100", "register", "user_information", "complete")
    );
    assert_eq!(row.caller.as_deref(), Some("+15551230000"));
    let answers: Vec<(&str, &str, &str)> = row
        .answers
        .iter()
        .map(|a| (a.question.as_str(), a.said.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(
        answers,
        [
            ("user_name", "my name is Jason", "Jason"),
            (
                "user_phone_number",
                "four one five, five five five, oh one two three",
                "+14155550123"
            ),
        ]
    );
    assert!(row.finished_at.is_some());
}

#[tokio::test]
async fn the_call_history_has_one_row_per_turn_saying_what_happened_in_order() {
    let app = TestApp::new();
    app.call("CA150").await;
    app.say("CA150", "I'd like to register please").await;
    app.say("CA150", "my name is Jason").await;
    app.press("CA150", "4155550123").await;
    app.say("CA150", "goodbye").await;

    let conn = rusqlite::Connection::open(&app.db).expect("db");
    // The query the README gives for a call's history.
    let rows: Vec<(i64, String, String)> = conn
        .prepare(
            "SELECT turn, kind, detail FROM events
             WHERE session_key = 'CA150'
               AND session_created_at = (SELECT started_at FROM calls WHERE session_key = 'CA150')
             ORDER BY id",
        )
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let turns: Vec<i64> = rows.iter().map(|(turn, _, _)| *turn).collect();
    assert_eq!(turns, [1, 2, 3, 4, 5], "{rows:#?}");
    for (turn, kinds, detail) in &rows {
        // `kind` lists the lines of `detail` in order, each line an object keyed by its kind.
        let lines: Vec<serde_json::Value> = serde_json::from_str(detail).expect("a JSON array");
        let keys: Vec<&str> = lines
            .iter()
            .map(|line| {
                let object = line.as_object().expect("an object per line");
                assert_eq!(object.len(), 1, "turn {turn}: {line}");
                object.keys().next().map_or("", String::as_str)
            })
            .collect();
        assert_eq!(keys.join(","), *kinds, "turn {turn}");
        assert_eq!(
            keys.first(),
            Some(&"input"),
            "turn {turn} starts with its input"
        );
    }
    let detail = |turn: usize| -> serde_json::Value {
        serde_json::from_str(&rows[turn - 1].2).expect("json")
    };
    // Routed, the task started, its collect started, its first question asked, and what the
    // bot said: every turn ends with the reply.
    assert_eq!(rows[1].1, "input,route,task,collect,ask,reply");
    assert_eq!(detail(2)[1]["route"]["task"], "register");
    assert_eq!(detail(2)[2]["task"]["task"], "register");
    assert_eq!(detail(2)[3]["collect"]["collect"], "user_information");
    assert_eq!(detail(2)[3]["collect"]["task"], "register");
    assert_eq!(detail(2)[4]["ask"]["question"], "user_name");
    assert_eq!(detail(2)[5]["reply"]["next"], "listen");
    assert_eq!(detail(3)[0]["input"]["speech"], "my name is Jason");
    assert_eq!(detail(3)[1]["answer"]["value"], "Jason");
    assert_eq!(detail(4)[0]["input"]["digits"], "4155550123");
    for (turn, (_, kinds, _)) in rows.iter().enumerate() {
        assert!(kinds.ends_with(",reply"), "turn {}: {kinds}", turn + 1);
    }
}

#[tokio::test]
async fn keypad_entry_answers_the_phone_question() {
    let app = TestApp::new();
    app.call("CA101").await;
    app.say("CA101", "sign me up").await.expect_prompt(ASK_NAME);
    app.say("CA101", "Maria").await.expect_prompt(ASK_PHONE);
    app.press("CA101", "4155550123")
        .await
        .expect_prompt("Thank you, Maria.");
    let rows = app.collected();
    assert_eq!(rows[0].answers[1].value, "+14155550123");
    assert_eq!(rows[0].answers[1].said, "4155550123");
}

#[tokio::test]
async fn silence_re_prompts_and_too_much_silence_ends_the_call_politely() {
    let app = TestApp::new();
    app.call("CA102").await;
    // At the greeting's listen: the greeting is repeated.
    app.silence("CA102").await.expect_prompt(GREETING);
    app.silence("CA102").await.expect_prompt(GREETING);
    app.silence("CA102")
        .await
        .expect_goodbye("I haven't heard anything");
    // The call is over: anything more gets a hang-up, not a new conversation.
    let after = app.silence("CA102").await;
    assert!(after.hangup && after.gather.is_none(), "{}", after.xml);
}

#[tokio::test]
async fn silence_during_a_question_asks_it_again() {
    let app = TestApp::new();
    app.call("CA103").await;
    app.say("CA103", "register").await;
    let again = app.silence("CA103").await;
    again.expect_prompt(ASK_NAME);
    assert!(
        again.text().starts_with("Sorry, I didn't get that."),
        "{}",
        again.xml
    );
    app.say("CA103", "it's Priya")
        .await
        .expect_prompt(ASK_PHONE);
}

#[tokio::test]
async fn an_invalid_answer_gets_the_failure_message_then_a_valid_one_is_accepted() {
    let app = TestApp::new();
    app.call("CA104").await;
    app.say("CA104", "register").await;
    app.say("CA104", "Jason").await;
    let retry = app.say("CA104", "banana").await;
    retry.expect_prompt("Sorry, I didn't get that number.");
    retry.expect_prompt(ASK_PHONE);
    app.say("CA104", "415-555-0123")
        .await
        .expect_prompt("Thank you, Jason.");
    let rows = app.collected();
    assert_eq!(rows[0].status, "complete");
    assert_eq!(
        rows[0].answers[1].attempts, 2,
        "the failed attempt is counted"
    );
}

#[tokio::test]
async fn running_out_of_attempts_goes_where_max_attempts_says_and_keeps_partial_answers() {
    let app = TestApp::new();
    app.call("CA105").await;
    app.say("CA105", "register").await;
    app.say("CA105", "Jason").await;
    app.say("CA105", "banana")
        .await
        .expect_prompt("Sorry, I didn't get that number.");
    app.say("CA105", "apple")
        .await
        .expect_prompt("Try keying it in");
    let trouble = app.say("CA105", "cherry").await;
    trouble.expect_prompt("I'm having trouble understanding");
    let rows = app.collected();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "incomplete");
    assert_eq!(rows[0].answers.len(), 1);
    assert_eq!(rows[0].answers[0].value, "Jason");
    // The caller can start over from there.
    app.say("CA105", "register").await.expect_prompt(ASK_NAME);
}

#[tokio::test]
async fn nonsense_falls_back_instead_of_guessing() {
    let app = TestApp::new();
    app.call("CA106").await;
    for nonsense in [
        "what's the capital of France",
        "purple monkey dishwasher",
        "asdf qwerty",
    ] {
        let reply = app.say("CA106", nonsense).await;
        reply.expect_prompt("Sorry, I didn't catch that.");
    }
    assert!(app.collected().is_empty());
}

#[tokio::test]
async fn fuzzy_requests_reach_the_right_task() {
    let app = TestApp::new();
    for (i, utterance) in [
        "I want to regster",
        "REGISTER!!!",
        "um uh sign me up please",
        "signup",
    ]
    .iter()
    .enumerate()
    {
        let sid = format!("CA2{i:02}");
        app.call(&sid).await;
        app.say(&sid, utterance).await.expect_prompt(ASK_NAME);
    }
}

#[tokio::test]
async fn hanging_up_halfway_keeps_the_answers_marked_incomplete() {
    let app = TestApp::new();
    app.call("CA107").await;
    app.say("CA107", "register").await;
    app.say("CA107", "Jason").await.expect_prompt(ASK_PHONE);
    // Already saved as the answer was accepted, before any hang-up.
    assert_eq!(app.collected()[0].status, "in_progress");
    app.hang_up("CA107").await;
    let rows = app.collected();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "incomplete");
    assert_eq!(rows[0].answers[0].value, "Jason");
    assert!(rows[0].finished_at.is_some());
}

#[tokio::test]
async fn a_restart_mid_call_carries_on_with_the_same_dialogue() {
    let app = TestApp::new();
    app.call("CA108").await;
    app.say("CA108", "register").await;
    app.say("CA108", "Jason").await.expect_prompt(ASK_PHONE);

    let app = app.restart();
    app.say("CA108", "4155550123")
        .await
        .expect_prompt("Thank you, Jason.");
    let rows = app.collected();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "complete");
}

#[tokio::test]
async fn a_replayed_first_webhook_repeats_the_greeting_without_advancing() {
    let app = TestApp::new();
    let first = app.call("CA109").await;
    app.say("CA109", "register").await;
    // A replay of /voice mid-call answers with the last reply, not the greeting again.
    let replay = app.call("CA109").await;
    replay.expect_prompt(ASK_NAME);
    assert_ne!(first.xml, replay.xml);
    app.say("CA109", "Jason").await.expect_prompt(ASK_PHONE);
}

#[tokio::test]
async fn fifty_concurrent_calls_are_each_saved_exactly_once() {
    let app = std::sync::Arc::new(TestApp::new());
    let mut calls = Vec::new();
    for i in 0..50 {
        let app = app.clone();
        calls.push(tokio::spawn(async move {
            let sid = format!("CA5{i:03}");
            app.call(&sid).await.expect_prompt(GREETING);
            app.say(&sid, "register").await.expect_prompt(ASK_NAME);
            app.say(&sid, "Jason").await.expect_prompt(ASK_PHONE);
            app.press(&sid, &format!("415555{i:04}"))
                .await
                .expect_prompt("Thank you, Jason.");
            app.say(&sid, "goodbye").await.expect_goodbye("Goodbye");
        }));
    }
    for call in calls {
        call.await.expect("call task");
    }
    let rows = app.collected();
    assert_eq!(rows.len(), 50);
    let mut numbers: Vec<String> = rows.iter().map(|r| r.answers[1].value.clone()).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(
        numbers.len(),
        50,
        "each call's own answers, none lost or mixed up"
    );
    assert!(rows.iter().all(|r| r.status == "complete"));
}

#[tokio::test]
async fn two_webhooks_for_one_call_at_once_lose_no_update() {
    let app = std::sync::Arc::new(TestApp::new());
    app.call("CA110").await;
    // Two silences race. Each turn must see the state the other left: if one update were lost
    // the count would stay at one and the third silence would not end the call.
    let (a, b) = tokio::join!(app.silence("CA110"), app.silence("CA110"));
    a.expect_prompt(GREETING);
    b.expect_prompt(GREETING);
    app.silence("CA110")
        .await
        .expect_goodbye("I haven't heard anything");
}

#[tokio::test]
async fn a_status_callback_for_an_unknown_call_is_answered_quietly() {
    let app = TestApp::new();
    let (status, body) = app
        .post(
            "/voice/status",
            &[("CallSid", "CA999"), ("CallStatus", "completed")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(Twiml::parse(&body).says.is_empty());
    let conn = rusqlite::Connection::open(&app.db).expect("db");
    let sessions: i64 = conn
        .query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))
        .expect("count");
    assert_eq!(sessions, 0, "nothing is kept for a call never seen");
}

#[tokio::test]
async fn bad_requests_get_a_4xx_with_one_clear_line() {
    let app = TestApp::new();
    let cases: Vec<(&str, &str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "/voice",
            "application/x-www-form-urlencoded",
            b"From=%2B1555".to_vec(),
            StatusCode::BAD_REQUEST,
            "missing CallSid",
        ),
        (
            "/voice/gather",
            "application/x-www-form-urlencoded",
            b"CallSid=CA%3Cx%3E".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid CallSid",
        ),
        (
            "/voice/gather",
            "application/x-www-form-urlencoded",
            b"CallSid=CA1&Digits=12ab".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid Digits",
        ),
        (
            "/voice/gather",
            "application/x-www-form-urlencoded",
            format!("CallSid=CA1&Digits={}", "1".repeat(10_000)).into_bytes(),
            StatusCode::BAD_REQUEST,
            "invalid Digits: more than 64 keys",
        ),
        (
            "/voice/gather",
            "application/x-www-form-urlencoded",
            b"CallSid=CA1&SpeechResult=%FF%FE".to_vec(),
            StatusCode::BAD_REQUEST,
            "\"SpeechResult\" is not valid UTF-8",
        ),
        (
            "/voice",
            "application/json",
            br#"{"CallSid":"CA1"}"#.to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/x-www-form-urlencoded",
        ),
        (
            "/voice",
            "application/x-www-form-urlencoded",
            vec![b'a'; 70 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
            "limit",
        ),
    ];
    for (path, content_type, body, expected, words) in cases {
        let (status, text) = app.post_raw(path, content_type, body).await;
        assert_eq!(status, expected, "{path} {content_type}: {text}");
        assert!(text.contains(words), "{text}");
        assert_eq!(text.trim_end().lines().count(), 1, "one line: {text:?}");
    }
}

#[tokio::test]
async fn a_repeated_parameter_counts_once_the_first_time() {
    let app = TestApp::new();
    app.call("CA140").await;
    let (status, body) = app
        .post(
            "/voice/gather",
            &[
                ("CallSid", "CA140"),
                ("CallSid", "CA141"),
                ("SpeechResult", "register"),
                ("SpeechResult", "goodbye"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    Twiml::parse(&body).expect_prompt(ASK_NAME);
    app.say("CA140", "Jason").await.expect_prompt(ASK_PHONE);
}

#[tokio::test]
async fn an_answer_for_a_call_never_seen_starts_it_afresh() {
    // A Gather action for an unknown CallSid: the server lost nothing (it never had the call),
    // so the caller is greeted rather than their words taken as an answer to a question.
    let app = TestApp::new();
    app.say("CA150", "Jason").await;
    let rows = app.collected();
    assert!(rows.is_empty(), "no answer saved out of context: {rows:?}");
    let reply = app.press("CA151", "4155550123#").await;
    assert!(reply.gather.is_some() || reply.hangup, "{}", reply.xml);
    assert!(app.collected().is_empty());
}

#[tokio::test]
async fn what_a_caller_says_cannot_break_the_twiml() {
    let app = TestApp::new();
    let long = "x".repeat(10_000);
    let nasty = [
        "]]></Say><Redirect>http://evil.example</Redirect>",
        "<Say>&amp;",
        "\u{0}\u{7}\u{1b}[31m",
        long.as_str(),
    ];
    for (i, text) in nasty.iter().enumerate() {
        let sid = format!("CA3{i:02}");
        app.call(&sid).await;
        // Twiml::parse fails the test on a malformed document; no verb may come from the caller.
        let reply = app.say(&sid, text).await;
        let doc = roxmltree::Document::parse(&reply.xml).expect("well-formed");
        assert!(
            doc.descendants().all(|n| !n.has_tag_name("Redirect")),
            "{}",
            reply.xml
        );
        assert!(reply.gather.is_some() || reply.hangup, "{}", reply.xml);
    }
}

#[tokio::test]
async fn a_retried_delivery_gets_the_same_reply_and_moves_nothing_on() {
    let app = TestApp::new();
    app.call("CA120").await;
    let register = [("CallSid", "CA120"), ("SpeechResult", "register")];
    let (_, first) = app
        .post_delivery("/voice/gather", &register, "token-1")
        .await;
    let (_, retry) = app
        .post_delivery("/voice/gather", &register, "token-1")
        .await;
    assert_eq!(first, retry);
    Twiml::parse(&retry).expect_prompt(ASK_NAME);
    // Had the retry moved the dialogue on, "register" would have been taken as the name.
    let (_, name) = app
        .post_delivery(
            "/voice/gather",
            &[("CallSid", "CA120"), ("SpeechResult", "Jason")],
            "token-2",
        )
        .await;
    Twiml::parse(&name).expect_prompt(ASK_PHONE);
    let phone = [("CallSid", "CA120"), ("Digits", "4155550123")];
    let (_, done) = app.post_delivery("/voice/gather", &phone, "token-3").await;
    let (_, again) = app.post_delivery("/voice/gather", &phone, "token-3").await;
    assert_eq!(done, again);
    Twiml::parse(&again).expect_prompt("Thank you, Jason.");
    let rows = app.collected();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].answers.len(), 2, "each answer saved once: {rows:?}");
    // Without a token, the same words are a new turn (a caller may say the same thing twice).
    let (_, plain) = app
        .post(
            "/voice/gather",
            &[("CallSid", "CA120"), ("SpeechResult", "register")],
        )
        .await;
    Twiml::parse(&plain).expect_prompt(ASK_NAME);
}

#[tokio::test]
async fn a_retried_delivery_is_answered_alike_after_a_restart_and_at_the_end_of_the_call() {
    let app = TestApp::new();
    let (_, greeting) = app
        .post_delivery("/voice", &[("CallSid", "CA121")], "t-1")
        .await;
    let register = [("CallSid", "CA121"), ("SpeechResult", "register")];
    let (_, first) = app.post_delivery("/voice/gather", &register, "t-2").await;
    // The call's state, and the delivery it last answered, come back from the database.
    let app = app.restart();
    let (_, retry) = app.post_delivery("/voice/gather", &register, "t-2").await;
    assert_eq!(first, retry);
    // A retry of an earlier delivery than the last cannot come from Twilio on a call (each
    // webhook waits for the last reply); it is a new turn, as a plain POST would be.
    let (_, replayed) = app
        .post_delivery("/voice", &[("CallSid", "CA121")], "t-1")
        .await;
    assert_ne!(replayed, greeting, "not the greeting again");
    app.post_delivery(
        "/voice/gather",
        &[("CallSid", "CA121"), ("SpeechResult", "Jason")],
        "t-3",
    )
    .await;
    app.post_delivery(
        "/voice/gather",
        &[("CallSid", "CA121"), ("Digits", "4155550123")],
        "t-4",
    )
    .await;
    let bye = [("CallSid", "CA121"), ("SpeechResult", "goodbye")];
    let (_, last) = app.post_delivery("/voice/gather", &bye, "t-5").await;
    Twiml::parse(&last).expect_goodbye("Goodbye");
    // The call has ended, and its last reply is still what a retry hears: not a bare hang-up.
    let (_, again) = app.post_delivery("/voice/gather", &bye, "t-5").await;
    assert_eq!(last, again);
    assert_eq!(app.collected().len(), 1);
    // A call keeps its last delivery in its session: no row per turn in `deliveries`.
    let conn = rusqlite::Connection::open(&app.db).expect("db");
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM deliveries", [], |r| r.get(0))
        .expect("count");
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn a_call_whose_row_was_deleted_and_its_rowid_reused_carries_on_without_touching_the_other() {
    let app = TestApp::new();
    app.call("CA140").await;
    app.say("CA140", "register").await.expect_prompt(ASK_NAME);
    // Another program deletes the call's row (the server still holds the call in memory), and
    // the next call to arrive is given the same rowid.
    let conn = rusqlite::Connection::open(&app.db).expect("db");
    let rowid: i64 = conn
        .query_row("SELECT rowid FROM sessions WHERE key = 'CA140'", [], |r| {
            r.get(0)
        })
        .expect("row");
    conn.execute("DELETE FROM sessions WHERE key = 'CA140'", [])
        .expect("delete");
    app.call("CA141").await.expect_prompt(GREETING);
    let reused: i64 = conn
        .query_row("SELECT rowid FROM sessions WHERE key = 'CA141'", [], |r| {
            r.get(0)
        })
        .expect("row");
    assert_eq!(reused, rowid, "SQLite hands out the freed rowid again");
    // CA140's turn writes CA140's row, not the row now at its old rowid.
    app.say("CA140", "Jason").await.expect_prompt(ASK_PHONE);
    let state = |key: &str| -> String {
        conn.query_row("SELECT state FROM sessions WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .expect("a row")
    };
    assert!(state("CA140").contains("\"turns\":3"), "{}", state("CA140"));
    assert!(state("CA141").contains("\"turns\":1"), "{}", state("CA141"));
    app.say("CA141", "register").await.expect_prompt(ASK_NAME);
    app.press("CA140", "4155550123")
        .await
        .expect_prompt("Thank you, Jason.");
}

#[tokio::test]
async fn a_database_failure_mid_call_is_an_apology_not_an_application_error() {
    let app = TestApp::new();
    app.call("CA130").await;
    app.say("CA130", "register").await.expect_prompt(ASK_NAME);
    // Break the database under the running server.
    let conn = rusqlite::Connection::open(&app.db).expect("db");
    conn.execute_batch("DROP TABLE events;").expect("drop");
    let (status, body) = app
        .post(
            "/voice/gather",
            &[("CallSid", "CA130"), ("SpeechResult", "Jason")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "Twilio gets TwiML, not a 500");
    Twiml::parse(&body).expect_goodbye("couldn't save that");
    // Nothing half-written: the answer the failed turn would have saved is not there.
    let answers: i64 = conn
        .query_row("SELECT count(*) FROM collected", [], |r| r.get(0))
        .expect("count");
    assert_eq!(answers, 0);
    // Repaired, the call carries on from where the database says it was: the failed turn is
    // remembered nowhere, in the server's memory included.
    conn.execute_batch(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, session_key TEXT NOT NULL, turn INTEGER NOT NULL,
                              at TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL,
                              session_created_at TEXT);",
    )
    .expect("repair");
    app.say("CA130", "Maria").await.expect_prompt(ASK_PHONE);
    let rows = app.collected();
    assert_eq!(rows[0].answers[0].value, "Maria", "{rows:?}");
}

#[tokio::test]
async fn a_locked_database_mid_call_is_an_apology_and_nothing_half_written() {
    let app = TestApp::new();
    app.call("CA131").await;
    app.say("CA131", "register").await.expect_prompt(ASK_NAME);
    // Another process holds the write lock for longer than the writer waits (5 s).
    let mut blocker = rusqlite::Connection::open(&app.db).expect("db");
    let lock = blocker
        .transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)
        .expect("lock");
    let (status, body) = app
        .post(
            "/voice/gather",
            &[("CallSid", "CA131"), ("SpeechResult", "Jason")],
        )
        .await;
    lock.rollback().expect("release");
    assert_eq!(status, StatusCode::OK, "Twilio gets TwiML, not a 500");
    Twiml::parse(&body).expect_goodbye("couldn't save that");
    assert!(
        app.collected().is_empty(),
        "the answer of the failed turn was not half-saved"
    );
    // Once the lock is gone the server works again for the next call.
    app.call("CA132").await.expect_prompt(GREETING);
    // And the failed turn left no trace, in the database or in memory: the call is still at
    // the name question, so a later delivery for it answers that question.
    app.say("CA131", "Maria").await.expect_prompt(ASK_PHONE);
    let rows = app.collected();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].answers[0].value, "Maria");
}
