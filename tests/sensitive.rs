//! A question marked sensitive: its answer is usable during the call, stored only hashed, kept
//! out of the call history, and scrubbed from the session when the call ends.

mod common;

use common::TestApp;

#[tokio::test]
async fn a_sensitive_answer_is_hashed_kept_out_of_history_and_scrubbed_at_the_end() {
    let flows = common::identity_bot();
    let app = TestApp::with_flows(flows.path());

    app.call("CA1").await.expect_prompt("Your first name?");
    app.say("CA1", "Jason")
        .await
        .expect_prompt("Your date of birth?");
    // Still usable during the call, where the flow asks for it.
    app.say("CA1", "March 3rd 1990")
        .await
        .expect_goodbye("Thanks Jason, born Saturday, March 3rd, 1990.");

    let rows = app.collected();
    let dob = &rows[0].answers[1];
    assert!(
        dob.value.starts_with("sha256:") && dob.value.len() == 7 + 64,
        "{dob:?}"
    );
    assert!(dob.said.is_empty(), "{dob:?}");
    assert_eq!(
        rows[0].answers[0].value, "Jason",
        "other answers are kept as they are"
    );

    let conn = rusqlite::Connection::open(&app.db).expect("db");
    let leaks: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM events WHERE detail LIKE '%1990%') + (SELECT count(*) FROM sessions WHERE state LIKE '%1990%')",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(
        leaks, 0,
        "the date of birth is in no history line and no ended session"
    );
    // The same value hashes the same way, so an operator can check one they are given.
    let again: String = conn
        .query_row("SELECT answers FROM collected", [], |r| r.get(0))
        .expect("row");
    assert!(again.contains(&dob.value));
}

/// The same in a Spanish bot: the date is said back in Spanish ("sábado 3 de marzo de 1990"),
/// and that saying is kept out of the history as the English one is.
#[tokio::test]
async fn a_sensitive_date_said_in_spanish_is_kept_out_of_history() {
    let flows = tempfile::tempdir().expect("temp dir");
    let tasks = flows.path().join("tasks");
    std::fs::create_dir_all(&tasks).expect("mkdir");
    std::fs::write(
        flows.path().join("assistant.json"),
        r#"{"language": "es-MX", "defaults": {"assistant_initiation": "task://verificar"}}"#,
    )
    .expect("write");
    std::fs::write(
        tasks.join("verificar.json"),
        r#"{"samples": ["verificar mi identidad"],
           "actions": [{"collect": {"name": "identidad", "questions": [
            {"name": "nombre", "question": "¿Su nombre?", "type": "Twilio.FIRST_NAME"},
            {"name": "nacimiento", "question": "¿Su fecha de nacimiento?", "type": "Twilio.DATE", "sensitive": true}],
          "on_complete": {"redirect": "task://listo"}}}]}"#,
    )
    .expect("write");
    std::fs::write(
        tasks.join("listo.json"),
        r#"{"actions": [{"say": "Gracias, {{identidad.nombre}}; nació el {{identidad.nacimiento}}."}]}"#,
    )
    .expect("write");
    let app = TestApp::with_flows(flows.path());

    app.call("CA1").await.expect_prompt("¿Su nombre?");
    app.say("CA1", "Ana")
        .await
        .expect_prompt("¿Su fecha de nacimiento?");
    app.say("CA1", "el tres de marzo de mil novecientos noventa")
        .await
        .expect_goodbye("Gracias, Ana; nació el sábado 3 de marzo de 1990.");

    let conn = rusqlite::Connection::open(&app.db).expect("db");
    // What the bot said is in the history, with the date hidden.
    let hidden: i64 = conn
        .query_row(
            "SELECT count(*) FROM events WHERE detail LIKE '%nació el [sensitive].%'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert!(hidden > 0, "the bot's words are in the history, hidden");
    for leak in ["1990", "marzo", "sábado"] {
        let pattern = format!("%{leak}%");
        let count: i64 = conn
            .query_row(
                "SELECT (SELECT count(*) FROM events WHERE detail LIKE ?1) + (SELECT count(*) FROM sessions WHERE state LIKE ?1)",
                [&pattern],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(
            count, 0,
            "{leak:?} is in no history line and no ended session"
        );
    }
}
