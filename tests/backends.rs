//! The store's guarantees, proven the same way on both backends: every scenario here runs once
//! on a SQLite file and once on a PostgreSQL schema of its own (skipped, with a message, where
//! no PostgreSQL server answers; a failure in CI). Then what only PostgreSQL offers: several
//! servers on one database.

mod common;

use std::path::Path;

use axum::http::StatusCode;
use common::postgres::Schema;
use common::proxy::Proxy;
use common::{TestApp, Texts, Twiml};
use switchboard::store::Db;

/// The sign-in-by-identity bot the store's scenarios run (see [`common::identity_bot`]).
fn flows() -> tempfile::TempDir {
    common::identity_bot()
}

/// Runs each scenario on both backends.
macro_rules! on_both_stores {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $scenario() {
                    let dir = tempfile::tempdir().expect("temp dir");
                    let db = switchboard::store::Db::Sqlite(dir.path().join("switchboard.db"));
                    super::$scenario(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $scenario() {
                    let Some(schema) = super::Schema::new().await else { return };
                    super::$scenario(&switchboard::store::Db::Postgres(schema.url.clone())).await;
                }
            )*
        }
    };
}

on_both_stores!(
    a_call_saves_its_answers_once_and_hashes_the_sensitive_one,
    a_retried_call_delivery_gets_the_first_reply_and_moves_on_once,
    a_retried_text_gets_its_own_reply_after_a_newer_one,
    a_restarted_server_carries_the_call_on,
    health_says_the_store_is_up,
    answers_are_filtered_by_collect_status_and_time_a_page_at_a_time,
    calls_are_listed_filtered_and_told_turn_by_turn,
);

/// The console's list of calls and a call's history, the same on both databases: one line per
/// call kept by each turn, its filters, and the history in order with what the bot said — a
/// sensitive answer it repeated hidden.
async fn calls_are_listed_filtered_and_told_turn_by_turn(db: &Db) {
    use switchboard::store::{CallsFilter, call_history_in, calls_in_where};
    let flows = flows();
    let app = TestApp::on_db(db, flows.path()).await;
    app.call("CA1").await;
    app.say("CA1", "Jason").await;
    app.say("CA1", "March 3rd 1990")
        .await
        .expect_goodbye("Thanks Jason, born Saturday, March 3rd, 1990.");
    app.call("CA2").await;
    app.say("CA2", "Maria").await;
    let list = |filter: CallsFilter| async move {
        calls_in_where(
            db,
            CallsFilter {
                limit: 50,
                ..filter
            },
        )
        .await
        .expect("readable")
    };
    let all = list(CallsFilter::default()).await;
    let keys: Vec<&str> = all.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys, ["CA2", "CA1"], "newest first");
    let (open, done) = (&all[0], &all[1]);
    assert_eq!(done.tasks, ["verify", "done"]);
    assert_eq!(
        done.collects,
        [("identity".to_owned(), "complete".to_owned())]
    );
    assert_eq!(done.ended_by.as_deref(), Some("task_ended"));
    assert_eq!(done.turns, 3);
    assert_eq!(done.caller.as_deref(), Some("+15551230000"));
    assert_eq!(
        open.collects,
        [("identity".to_owned(), "in_progress".to_owned())]
    );
    assert_eq!(open.ended_by, None);
    let keys = |calls: Vec<switchboard::store::CallRow>| {
        calls.into_iter().map(|c| c.key).collect::<Vec<_>>()
    };
    let complete = CallsFilter {
        collect_status: Some("complete".into()),
        ..CallsFilter::default()
    };
    assert_eq!(keys(list(complete).await), ["CA1"]);
    let reached_done = CallsFilter {
        task: Some("done".into()),
        ..CallsFilter::default()
    };
    assert_eq!(keys(list(reached_done).await), ["CA1"]);
    let in_progress = CallsFilter {
        collect: Some("identity".into()),
        collect_status: Some("in_progress".into()),
        ..CallsFilter::default()
    };
    assert_eq!(keys(list(in_progress).await), ["CA2"]);
    let second_page = CallsFilter {
        offset: 1,
        ..CallsFilter::default()
    };
    assert_eq!(keys(list(second_page).await), ["CA1"]);
    let troubled = CallsFilter {
        declined: true,
        ..CallsFilter::default()
    };
    assert!(list(troubled).await.is_empty());
    let texts = CallsFilter {
        channel: Some(switchboard::engine::Channel::Sms),
        ..CallsFilter::default()
    };
    assert!(list(texts).await.is_empty());
    let later = CallsFilter {
        from: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
        ..CallsFilter::default()
    };
    assert!(list(later).await.is_empty());

    let history = call_history_in(db, done).await.expect("readable");
    assert_eq!(
        history.iter().map(|h| h.turn).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    let text = serde_json::to_string(&history.iter().map(|h| h.lines.clone()).collect::<Vec<_>>())
        .expect("json");
    assert!(
        text.contains(r#"{"reply":{"next":"hangup","said":["Thanks Jason, born [sensitive]."]}}"#),
        "{text}"
    );
    assert!(!text.contains("1990"), "{text}");

    // The overview's counts come from the same rows. (On SQLite the console's own test reads
    // them; a second store on the file would be a second writer.)
    if let Db::Postgres(_) = db {
        let store = switchboard::store::Store::connect(db, Default::default())
            .await
            .expect("connects");
        let activity = store
            .activity(chrono::Utc::now() - chrono::Duration::hours(1))
            .await
            .expect("readable");
        let calls: u64 = activity.days.iter().map(|d| d.1).sum();
        assert_eq!(calls, 2, "{activity:?}");
        assert_eq!(
            (
                activity.routed,
                activity.declines,
                activity.webhook_failures
            ),
            (0, 0, 0),
            "the bot asks straight away: nothing was routed"
        );
        assert_eq!(
            activity.collects,
            [("identity".to_owned(), 1, 0, 1)],
            "{activity:?}"
        );
    }
}

/// The console's Answers filters, the same on both databases: by collect, status and start
/// time, newest first, a page at a time.
async fn answers_are_filtered_by_collect_status_and_time_a_page_at_a_time(db: &Db) {
    use switchboard::store::{AnswersFilter, collected_in_where};
    let flows = flows();
    let app = TestApp::on_db(db, flows.path()).await;
    for sid in ["CA1", "CA2", "CA3"] {
        app.call(sid).await;
        app.say(sid, "Jason").await;
        app.say(sid, "March 3rd 1990").await;
    }
    app.call("CA4").await;
    app.say("CA4", "Maria").await;
    let read = |filter: AnswersFilter| async move {
        collected_in_where(db, filter)
            .await
            .expect("readable")
            .iter()
            .map(|r| r.session.clone())
            .collect::<Vec<_>>()
    };
    let complete = || AnswersFilter {
        status: Some("complete".into()),
        ..AnswersFilter::default()
    };
    assert_eq!(read(complete()).await, ["CA1", "CA2", "CA3"]);
    let newest_two = AnswersFilter {
        newest_first: true,
        limit: Some(2),
        ..complete()
    };
    assert_eq!(read(newest_two.clone()).await, ["CA3", "CA2"]);
    let next_page = AnswersFilter {
        offset: 2,
        ..newest_two
    };
    assert_eq!(read(next_page).await, ["CA1"]);
    let in_progress = AnswersFilter {
        status: Some("in_progress".into()),
        ..AnswersFilter::default()
    };
    assert_eq!(read(in_progress).await, ["CA4"]);
    let other_collect = AnswersFilter {
        collect: Some("nothing-of-that-name".into()),
        ..AnswersFilter::default()
    };
    assert!(read(other_collect).await.is_empty());
    let now = chrono::Utc::now();
    let future = AnswersFilter {
        from: Some(now + chrono::Duration::hours(1)),
        ..AnswersFilter::default()
    };
    assert!(read(future).await.is_empty());
    let past = AnswersFilter {
        from: Some(now - chrono::Duration::hours(1)),
        until: Some(now + chrono::Duration::hours(1)),
        ..AnswersFilter::default()
    };
    assert_eq!(read(past).await.len(), 4);
}

async fn a_call_saves_its_answers_once_and_hashes_the_sensitive_one(db: &Db) {
    let flows = flows();
    let app = TestApp::on_db(db, flows.path()).await;
    app.call("CA1").await.expect_prompt("Your first name?");
    app.say("CA1", "Jason")
        .await
        .expect_prompt("Your date of birth?");
    app.say("CA1", "March 3rd 1990")
        .await
        .expect_goodbye("Thanks Jason, born Saturday, March 3rd, 1990.");
    let rows = TestApp::collected_in(db).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(
        (row.session.as_str(), row.status.as_str()),
        ("CA1", "complete")
    );
    assert_eq!(row.caller.as_deref(), Some("+15551230000"));
    assert_eq!(row.answers[0].value, "Jason");
    let dob = &row.answers[1];
    assert!(
        dob.value.starts_with("sha256:") && dob.value.len() == 7 + 64 && dob.said.is_empty(),
        "{dob:?}"
    );
    assert!(
        row.finished_at.is_some() && row.started_at.ends_with('Z'),
        "{row:?}"
    );
    // The admin API reads the same rows.
    let (status, body) = app.get("/admin/collected").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "off without a token: {body}");
}

async fn a_retried_call_delivery_gets_the_first_reply_and_moves_on_once(db: &Db) {
    let flows = flows();
    let app = TestApp::on_db(db, flows.path()).await;
    app.call("CA2").await;
    let form = [("CallSid", "CA2"), ("SpeechResult", "Jason")];
    let (_, first) = app.post_delivery("/voice/gather", &form, "RT-1").await;
    let (_, retry) = app.post_delivery("/voice/gather", &form, "RT-1").await;
    assert_eq!(first, retry, "the retry gets exactly the first reply");
    Twiml::parse(&first).expect_prompt("Your date of birth?");
    app.say("CA2", "March 3rd 1990")
        .await
        .expect_goodbye("Thanks Jason");
    let rows = TestApp::collected_in(db).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].answers.len(), 2, "each answer once: {rows:?}");
}

async fn a_retried_text_gets_its_own_reply_after_a_newer_one(db: &Db) {
    let flows = flows();
    let app = TestApp::on_db(db, flows.path()).await;
    let text = |body: &'static str| {
        [
            ("From", "+15551230000"),
            ("To", "+15559990000"),
            ("Body", body),
        ]
    };
    app.text_with(&text("verify me"))
        .await
        .expect("Your first name?");
    let (_, first) = app.post_delivery("/sms", &text("Jason"), "SM-a").await;
    Texts::parse(&first).expect("Your date of birth?");
    let (_, newer) = app
        .post_delivery("/sms", &text("March 3rd 1990"), "SM-b")
        .await;
    Texts::parse(&newer).expect("Thanks Jason, born Saturday, March 3rd, 1990.");
    let (_, retried) = app.post_delivery("/sms", &text("Jason"), "SM-a").await;
    assert_eq!(
        retried, first,
        "the older delivery's own reply, not a new turn"
    );
    assert_eq!(TestApp::collected_in(db).await.len(), 1);
}

async fn a_restarted_server_carries_the_call_on(db: &Db) {
    let flows = flows();
    let app = TestApp::on_db(db, flows.path()).await;
    app.call("CA3").await;
    app.say("CA3", "Jason")
        .await
        .expect_prompt("Your date of birth?");
    drop(app);
    let app = TestApp::on_db(db, flows.path()).await;
    app.say("CA3", "March 3rd 1990")
        .await
        .expect_goodbye("Thanks Jason, born Saturday, March 3rd, 1990.");
}

async fn health_says_the_store_is_up(db: &Db) {
    let flows = flows();
    let app = TestApp::on_db(db, flows.path()).await;
    let (status, body) = app.get("/health").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Two servers on one PostgreSQL database: many calls whose turns alternate between them, some
/// turns sent to both at once as retried deliveries. Every call ends where it should, each
/// answer saved exactly once.
#[tokio::test]
async fn two_servers_on_one_database_share_every_call() {
    let Some((_schema, db, _flows, servers)) = two_servers().await else {
        return;
    };
    let calls = 24;
    let mut running = Vec::new();
    for i in 0..calls {
        let servers = &servers;
        running.push(async move {
            let sid = format!("CA{i}");
            let (a, b) = (&servers[i % 2], &servers[(i + 1) % 2]);
            a.call(&sid).await.expect_prompt("Your first name?");
            // The same delivery to both servers at once: one turn, one reply for both.
            let form = [("CallSid", sid.as_str()), ("SpeechResult", "Maria")];
            let token = format!("RT-{i}");
            let (one, two) = tokio::join!(
                a.post_delivery("/voice/gather", &form, &token),
                b.post_delivery("/voice/gather", &form, &token)
            );
            assert_eq!(one, two, "both servers answer the retried delivery alike");
            Twiml::parse(&one.1).expect_prompt("Your date of birth?");
            b.say(&sid, "March 3rd 1990")
                .await
                .expect_goodbye("Thanks Maria, born Saturday, March 3rd, 1990.");
        });
    }
    futures_util::future::join_all(running).await;
    let rows = TestApp::collected_in(&db).await;
    assert_eq!(rows.len(), calls, "one row per call");
    for row in &rows {
        assert_eq!(row.status, "complete", "{row:?}");
        assert_eq!(row.answers.len(), 2, "each answer once: {row:?}");
    }
    // Both servers hash alike: the key is the database's, not the process's.
    let hashes: std::collections::HashSet<&str> =
        rows.iter().map(|r| r.answers[1].value.as_str()).collect();
    assert_eq!(hashes.len(), 1, "{hashes:?}");
}

/// Two different webhooks of one call reaching two servers at the same moment: they are taken
/// one after the other, so neither turn is lost (a lost update would leave the call a turn
/// short, its first answer overwritten).
#[tokio::test]
async fn concurrent_turns_of_one_call_on_two_servers_are_serialised() {
    let Some((schema, _db, _flows, servers)) = two_servers().await else {
        return;
    };
    let calls = 16;
    let mut running = Vec::new();
    for i in 0..calls {
        let servers = &servers;
        running.push(async move {
            let sid = format!("CA{i}");
            servers[0].call(&sid).await;
            tokio::join!(servers[0].say(&sid, "Maria"), servers[1].say(&sid, "Maria"));
        });
    }
    futures_util::future::join_all(running).await;
    let client = schema.client().await;
    for row in client
        .query("SELECT key, state FROM sessions ORDER BY key", &[])
        .await
        .expect("sessions")
    {
        let (key, state): (String, String) = (row.get(0), row.get(1));
        let state: serde_json::Value = serde_json::from_str(&state).expect("json");
        assert_eq!(
            state["turns"], 3,
            "{key}: every turn counted once, none lost"
        );
    }
}

/// The database goes away mid-call: the caller hears the apology at once, nothing of that turn
/// is written, `/health` says so, and when the database is back the server carries on by itself.
#[tokio::test]
async fn the_database_going_away_mid_call_is_an_apology_and_the_server_recovers() {
    let Some((schema, proxy, _db, _flows, app)) = behind_a_relay().await else {
        return;
    };
    app.call("CA1").await;
    app.say("CA1", "Jason")
        .await
        .expect_prompt("Your date of birth?");
    let direct = schema.client().await;
    let written = || async {
        let row = direct
            .query_one(
                "SELECT (SELECT state FROM sessions WHERE key = 'CA1'),
                        (SELECT count(*) FROM events),
                        (SELECT answers::text FROM collected WHERE session_key = 'CA1')",
                &[],
            )
            .await
            .expect("read");
        (
            row.get::<_, String>(0),
            row.get::<_, i64>(1),
            row.get::<_, String>(2),
        )
    };
    let before = written().await;

    proxy.cut();
    app.say("CA1", "March 3rd 1990")
        .await
        .expect_goodbye("Sorry, something went wrong on our side");
    assert_eq!(
        written().await,
        before,
        "nothing of the failed turn is written"
    );
    let (status, body) = app.get("/health").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");

    proxy.restore();
    let (status, body) = app.get("/health").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.call("CA2").await.expect_prompt("Your first name?");
    app.say("CA2", "Maria").await;
    app.say("CA2", "March 3rd 1990")
        .await
        .expect_goodbye("Thanks Maria, born Saturday, March 3rd, 1990.");
}

/// Connections the database dropped while they sat in the pool (a restart, a firewall's idle
/// timeout) cost the caller nothing: the turn runs on a new connection.
#[tokio::test]
async fn connections_dropped_between_turns_cost_the_caller_nothing() {
    let Some((_schema, proxy, db, _flows, app)) = behind_a_relay().await else {
        return;
    };
    app.call("CA1").await;
    for (said, next) in [
        ("Jason", "Your date of birth?"),
        ("March 3rd 1990", "Thanks"),
    ] {
        proxy.drop_connections();
        let reply = app.say("CA1", said).await;
        assert!(reply.text().contains(next), "{}", reply.xml);
    }
    let rows = TestApp::collected_in(&db).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].status, "complete");
}

/// Statements sent unprepared (`serve --db-no-prepared-statements`, for PgBouncer before 1.21
/// in transaction mode) keep every guarantee: answers saved once, a retried delivery answered
/// with the first reply, sensitive answers hashed.
#[tokio::test]
async fn unprepared_statements_keep_every_guarantee() {
    let Some(schema) = Schema::new().await else {
        return;
    };
    let db = Db::Postgres(schema.url.clone());
    let flows = flows();
    let options = switchboard::store::StoreOptions {
        prepared_statements: false,
        ..Default::default()
    };
    let app = TestApp::on_db_with(&db, flows.path(), options).await;
    app.call("CA1").await.expect_prompt("Your first name?");
    let form = [("CallSid", "CA1"), ("SpeechResult", "Jason")];
    let (_, first) = app.post_delivery("/voice/gather", &form, "RT-1").await;
    let (_, retry) = app.post_delivery("/voice/gather", &form, "RT-1").await;
    assert_eq!(first, retry);
    app.say("CA1", "March 3rd 1990")
        .await
        .expect_goodbye("Thanks Jason, born Saturday, March 3rd, 1990.");
    let rows = TestApp::collected_in(&db).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].answers.len(), 2, "{rows:?}");
    assert!(rows[0].answers[1].value.starts_with("sha256:"));
}

/// The session's lock is taken before its state is read, on every server: with the lock held
/// from outside, two turns of one call sent to two servers both wait for it (a turn that read
/// first, or took no lock, would not wait, or would write over the other's turn), and once it
/// is let go they run one after the other, the second seeing what the first wrote.
#[tokio::test]
async fn each_turn_takes_the_sessions_lock_before_reading_it() {
    let Some((schema, _db, _flows, servers)) = two_servers().await else {
        return;
    };
    servers[0]
        .call("CA1")
        .await
        .expect_prompt("Your first name?");
    let mut holder = schema.client().await;
    let held = holder.transaction().await.expect("begin");
    held.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ':' || 'CA1', 0))",
        &[],
    )
    .await
    .expect("lock");
    let release = async {
        let give_up = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let waiting: i64 = held
                .query_one(
                    "SELECT count(*) FROM pg_locks w JOIN pg_locks h
                        ON (w.classid, w.objid, w.objsubid) = (h.classid, h.objid, h.objsubid)
                     WHERE h.pid = pg_backend_pid() AND h.locktype = 'advisory'
                       AND w.locktype = 'advisory' AND NOT w.granted",
                    &[],
                )
                .await
                .expect("pg_locks")
                .get(0);
            if waiting == 2 {
                break;
            }
            assert!(
                std::time::Instant::now() < give_up,
                "both turns should wait for the session's lock; {waiting} did"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        held.commit().await.expect("release");
    };
    let ((first, second), ()) = tokio::join!(
        async {
            tokio::join!(
                servers[0].say("CA1", "Maria"),
                servers[1].say("CA1", "Maria")
            )
        },
        release
    );
    // One turn took the name; the other came after it, at the next question.
    let said = [first.text(), second.text()];
    assert!(
        said.iter().any(|t| t.contains("Your date of birth?")),
        "{said:?}"
    );
    let state: String = schema
        .client()
        .await
        .query_one("SELECT state FROM sessions WHERE key = 'CA1'", &[])
        .await
        .expect("session")
        .get(0);
    let state: serde_json::Value = serde_json::from_str(&state).expect("json");
    assert_eq!(state["turns"], 3, "every turn counted once, none lost");
}

/// Retention (`switchboard purge`) run while two servers carry calls: it deletes what is over
/// and never a call in progress, whose next turns go on where they were.
#[tokio::test]
async fn a_purge_beside_running_servers_leaves_calls_in_progress_alone() {
    let Some((_schema, db, _flows, servers)) = two_servers().await else {
        return;
    };
    let finished: Vec<String> = (0..6).map(|i| format!("CAdone{i}")).collect();
    let running: Vec<String> = (0..6).map(|i| format!("CAopen{i}")).collect();
    for (i, sid) in finished.iter().enumerate() {
        let server = &servers[i % 2];
        server.call(sid).await;
        server.say(sid, "Maria").await;
        server
            .say(sid, "March 3rd 1990")
            .await
            .expect_goodbye("Thanks Maria");
    }
    for (i, sid) in running.iter().enumerate() {
        servers[i % 2].call(sid).await;
        servers[(i + 1) % 2]
            .say(sid, "Jason")
            .await
            .expect_prompt("Your date of birth?");
    }
    let cutoff = chrono::Utc::now();
    let finish = async {
        for (i, sid) in running.iter().enumerate() {
            servers[i % 2]
                .say(sid, "March 3rd 1990")
                .await
                .expect_goodbye("Thanks Jason, born Saturday, March 3rd, 1990.");
        }
    };
    let (purged, ()) = tokio::join!(switchboard::store::purge_in(&db, cutoff), finish);
    let purged = purged.expect("the purge runs beside the servers");
    assert!(purged.collected >= finished.len(), "{purged:?}");
    let rows = TestApp::collected_in(&db).await;
    assert!(
        rows.iter().all(|r| !finished.contains(&r.session)),
        "finished calls' answers are gone: {rows:?}"
    );
    for row in &rows {
        assert_eq!(
            (row.status.as_str(), row.answers.len()),
            ("complete", 2),
            "{row:?}"
        );
    }
}

/// A server whose database is reached through a relay the test can cut (None, having said why,
/// without a PostgreSQL server).
async fn behind_a_relay() -> Option<(Schema, Proxy, Db, tempfile::TempDir, TestApp)> {
    let schema = Schema::new().await?;
    let proxy = Proxy::to(schema.server_addr().await).await;
    let db = Db::Postgres(schema.url_via(proxy.addr()));
    let flows = flows();
    let app = TestApp::on_db(&db, flows.path()).await;
    Some((schema, proxy, db, flows, app))
}

/// Two servers on one new PostgreSQL schema (None, having said why, without a server).
async fn two_servers() -> Option<(Schema, Db, tempfile::TempDir, [TestApp; 2])> {
    let schema = Schema::new().await?;
    let db = Db::Postgres(schema.url.clone());
    let flows = flows();
    let servers = [
        TestApp::on_db(&db, flows.path()).await,
        TestApp::on_db(&db, flows.path()).await,
    ];
    Some((schema, db, flows, servers))
}

#[tokio::test]
async fn a_database_with_a_newer_schema_is_refused() {
    let Some(schema) = Schema::new().await else {
        return;
    };
    let db = Db::Postgres(schema.url.clone());
    let flows = flows();
    drop(TestApp::on_db(&db, flows.path()).await);
    schema
        .client()
        .await
        .batch_execute("UPDATE switchboard_schema SET version = version + 1")
        .await
        .expect("bump");
    let error = switchboard::store::Store::connect(&db, Default::default())
        .await
        .err()
        .expect("refused");
    let message = error.to_string();
    assert!(message.contains("newer than this binary's"), "{message}");
    assert!(message.contains("upgrade switchboard"), "{message}");
}

#[tokio::test]
async fn an_unreachable_database_is_named_with_the_fix_and_no_password() {
    // Nothing listens on port 1 of the loopback address.
    let db: Db = "postgres://app:s3cret@127.0.0.1:1/calls"
        .parse()
        .expect("a URL");
    let error = switchboard::store::Store::connect(&db, Default::default())
        .await
        .err()
        .expect("refused");
    let message = error.to_string();
    assert!(
        message.contains("cannot use PostgreSQL at postgres://app@127.0.0.1:1/calls"),
        "{message}"
    );
    assert!(
        message.contains("check that PostgreSQL is running"),
        "{message}"
    );
    assert!(!message.contains("s3cret"), "{message}");
}

#[test]
fn a_path_is_sqlite_and_a_url_is_postgres() {
    assert_eq!(
        "calls.db".parse::<Db>().expect("path"),
        Db::Sqlite(Path::new("calls.db").to_path_buf())
    );
    assert!(matches!(
        "postgresql://u@h/d".parse::<Db>().expect("url"),
        Db::Postgres(_)
    ));
}

/// The schema's URL with `host` for the server's host, and `params` added.
fn tls_url(schema: &Schema, host: &str, params: &str) -> String {
    let (scheme, rest) = schema.url.split_once("://").expect("a URL");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (user, server) = match authority.rsplit_once('@') {
        Some((user, server)) => (format!("{user}@"), server),
        None => (String::new(), authority),
    };
    let port = server.rsplit_once(':').map_or("5432", |(_, port)| port);
    let sep = if tail.contains('?') { '&' } else { '?' };
    format!("{scheme}://{user}{host}:{port}{tail}{sep}{params}")
}

#[tokio::test]
async fn sslmode_require_refuses_a_server_it_cannot_verify_and_names_tls_and_the_fix() {
    let Some(schema) = Schema::new().await else {
        return;
    };
    let ssl: String = schema
        .client()
        .await
        .query_one("SHOW ssl", &[])
        .await
        .expect("SHOW ssl")
        .get(0);
    // By address: a server without TLS says so; one with TLS has a certificate that is neither
    // for 127.0.0.1 nor signed by a public root (the test server's is Debian's self-signed
    // snakeoil one, for "localhost").
    let url = tls_url(&schema, "127.0.0.1", "sslmode=require");
    let error = switchboard::store::Store::connect(&Db::Postgres(url), Default::default())
        .await
        .err()
        .expect("refused");
    let message = error.to_string();
    assert!(message.contains("cannot use PostgreSQL at"), "{message}");
    assert!(message.contains("TLS"), "{message}");
    if ssl == "on" {
        assert!(
            message.contains("the server's TLS certificate was not accepted"),
            "{message}"
        );
        assert!(message.contains("sslrootcert="), "{message}");
    } else {
        assert!(
            message.contains("the server does not offer TLS"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn with_the_servers_certificate_as_root_the_store_connects_over_checked_tls() {
    let Some(schema) = Schema::new().await else {
        return;
    };
    let client = schema.client().await;
    let show = |name: &'static str| {
        let client = &client;
        async move {
            let row = client
                .query_one(&format!("SHOW {name}"), &[])
                .await
                .expect(name);
            row.get::<_, String>(0)
        }
    };
    if show("ssl").await != "on" {
        eprintln!("skipped: the test server has ssl off, so there is no TLS to check");
        return;
    }
    // Only a server on this machine lets its certificate be read here; it must name
    // "localhost" and be self-signed, as Debian's snakeoil certificate is.
    let cert = show("ssl_cert_file").await;
    if !schema.server_addr().await.ip().is_loopback() || std::fs::metadata(&cert).is_err() {
        eprintln!("skipped: the test server's certificate {cert} cannot be read here");
        return;
    }
    let cert = percent_encoding::utf8_percent_encode(&cert, percent_encoding::NON_ALPHANUMERIC);
    let name = format!("sbtls_{}", std::process::id());

    // verify-full: the chain and the name, reached by the name the certificate gives.
    let url = tls_url(
        &schema,
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={cert}&application_name={name}"),
    );
    let store = switchboard::store::Store::connect(&Db::Postgres(url), Default::default())
        .await
        .expect("a checked TLS connection");
    let encrypted: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)
             WHERE ssl AND application_name = $1",
            &[&name],
        )
        .await
        .expect("pg_stat_ssl")
        .get(0);
    assert!(encrypted >= 1, "the store's connection is not encrypted");
    drop(store);

    // verify-ca: the chain only, so the address will do.
    let url = tls_url(
        &schema,
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={cert}"),
    );
    switchboard::store::Store::connect(&Db::Postgres(url), Default::default())
        .await
        .expect("verify-ca does not check the name");
}
