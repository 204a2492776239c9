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
