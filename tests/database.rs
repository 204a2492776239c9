//! The database on a bad day, through the real router and binary: a lock held by another
//! program, a large history being purged, a file deleted under the running server, and
//! sessions carrying a large Memory.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{TestApp, repo_flows};
use switchboard::runner::RunnerOptions;
use switchboard::store::StoreOptions;

/// Another program holds the database's write lock while 100 calls arrive: every caller hears
/// the apology by its deadline, not one busy timeout per batch later — all of them before the
/// lock is let go (with the lock held for at most a bound far beyond the deadline).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_gets_every_caller_the_apology_by_the_deadline() {
    let options = RunnerOptions {
        step_wait: Duration::from_millis(300),
        ..RunnerOptions::default()
    };
    let app = Arc::new(TestApp::with_options(&repo_flows(), options, None));
    app.call("CAwarm").await.expect_prompt("");
    let lock = rusqlite::Connection::open(&app.db).expect("second connection");
    lock.execute_batch("BEGIN EXCLUSIVE")
        .expect("exclusive lock");

    let mut calls = tokio::task::JoinSet::new();
    for i in 0..100 {
        let app = Arc::clone(&app);
        calls.spawn(async move { app.call(&format!("CAlocked{i:03}")).await });
    }
    let mut replies = Vec::new();
    // Far beyond the 300 ms deadline, and short of SQLite's default 5 s busy wait: before the
    // fix no batch had given up by then.
    let bound = tokio::time::Instant::now() + Duration::from_secs(4);
    while let Ok(Some(reply)) = tokio::time::timeout_at(bound, calls.join_next()).await {
        replies.push(reply.expect("call task"));
    }
    let replied_while_locked = replies.len();
    lock.execute_batch("ROLLBACK").expect("releases the lock");
    while let Some(reply) = calls.join_next().await {
        replies.push(reply.expect("call task"));
    }
    assert_eq!(
        replied_while_locked, 100,
        "every call must be answered while the lock is still held"
    );
    let apology = &app.assistant.messages.error_goodbye;
    for reply in &replies {
        reply.expect_goodbye(apology);
    }
    // Nothing a caller was told failed was saved later, and the database works again.
    let conn = rusqlite::Connection::open(&app.db).expect("db");
    let saved: i64 = conn
        .query_row(
            "SELECT count(*) FROM sessions WHERE key LIKE 'CAlocked%'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(saved, 0);
    app.call("CAafter").await.expect_prompt("");
}

/// The database file is deleted under the running server: it notices, says so once in its log,
/// `GET /health` turns unhealthy, and callers hear the apology instead of a confirmation that
/// the next restart would lose.
#[cfg(unix)]
#[test]
fn a_deleted_database_file_fails_loudly() {
    use common::process::Server;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("switchboard.db");
    let server = Server::start(&db);
    let call = |sid: &str| server.post("/voice", &[("CallSid", sid), ("From", "+15551230000")]);
    assert!(call("CAbefore").contains("<Gather"));
    assert!(server.get("/health").starts_with("HTTP/1.1 200"));

    std::fs::remove_file(&db).expect("deletes the database file");
    // The server checks every 200 ms; give it a generous while.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let health = loop {
        let health = server.get("/health");
        if health.starts_with("HTTP/1.1 503") || std::time::Instant::now() > deadline {
            break health;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(health.starts_with("HTTP/1.1 503"), "{health}");
    assert!(
        health.contains("database file was deleted or replaced"),
        "{health}"
    );

    let reply = call("CAafter");
    assert!(reply.contains("something went wrong"), "{reply}");
    assert!(reply.contains("<Hangup"), "{reply}");
    assert!(!reply.contains("<Gather"), "{reply}");
    let log = server.log();
    let errors = log
        .lines()
        .filter(|l| l.contains("ERROR switchboard::store:") && l.contains("deleted or replaced"))
        .count();
    assert_eq!(errors, 1, "{log}");
}

/// Counts rows of `table` matching `filter`, from a connection of the test's own.
fn count(db: &std::path::Path, table: &str, filter: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("db");
    conn.query_row(
        &format!("SELECT count(*) FROM {table} WHERE {filter}"),
        [],
        |r| r.get(0),
    )
    .expect("count")
}

/// A large history past the retention limit is purged in small chunks between turns: a call
/// goes on turn after turn while old history is still being deleted, and in the end exactly what
/// the retention limit says is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_purge_goes_in_chunks_between_turns() {
    let store_options = StoreOptions {
        retention: Some(chrono::Duration::days(30)),
        // From the first turn, not ten minutes after start.
        purge_every: Duration::ZERO,
        ..StoreOptions::default()
    };
    let app =
        TestApp::with_store_options(&repo_flows(), RunnerOptions::default(), None, store_options);
    {
        // A realistic history, written as the server writes it, years old: 300,000 turns of
        // 30,000 calls, their answers, and their ended sessions.
        let mut conn = rusqlite::Connection::open(&app.db).expect("db");
        let tx = conn.transaction().expect("tx");
        tx.execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 299999)
             INSERT INTO events (session_key, session_created_at, turn, at, kind, detail)
             SELECT printf('CAold%05d', i / 10), '2020-01-01T00:00:00.000Z', i % 10,
                    strftime('%Y-%m-%dT%H:%M:%fZ', '2020-01-01', '+' || i || ' seconds'),
                    'input,route', '[{\"input\":{\"speech\":\"something\"}},{\"route\":\"register\"}]'
             FROM n;
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 29999)
             INSERT INTO collected (session_key, seq, channel, task, collect, status, answers, started_at, updated_at, finished_at)
             SELECT printf('CAold%05d', i), 1, 'voice', 'register', 'c',
                    CASE WHEN i = 0 THEN 'in_progress' ELSE 'complete' END, '[]',
                    '2020-01-01T00:00:00.000Z', '2020-01-02T00:00:00.000Z', '2020-01-02T00:00:00.000Z'
             FROM n;
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 29999)
             INSERT INTO sessions (key, channel, state, ended, created_at, updated_at)
             SELECT printf('CAold%05d', i), 'voice', '{}', 1, '2020-01-01T00:00:00.000Z', '2020-01-02T00:00:00.000Z'
             FROM n;",
        )
        .expect("history");
        tx.commit().expect("commit");
    }
    let old_events = "at < '2021-01-01'";
    assert_eq!(count(&app.db, "events", old_events), 300_000);

    // The first turn starts the purge; the call's later turns are served between its chunks.
    app.call("CAnew").await;
    app.say("CAnew", "sign me up").await;
    app.say("CAnew", "Maria").await;
    app.press("CAnew", "4155550123").await;
    let left = count(&app.db, "events", old_events);
    assert!(
        left > 0,
        "the whole history went in one go, before the call's turns were served"
    );

    let bound = std::time::Instant::now() + Duration::from_secs(120);
    while count(&app.db, "events", old_events) > 0 && std::time::Instant::now() < bound {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count(&app.db, "events", old_events), 0);
    // What the retention limit says, as before: old answers and ended sessions gone, an
    // answer still in progress kept whatever its age, and the new call untouched.
    assert_eq!(count(&app.db, "collected", "session_key LIKE 'CAold%'"), 1);
    assert_eq!(count(&app.db, "sessions", "key LIKE 'CAold%'"), 0);
    assert!(count(&app.db, "events", "session_key = 'CAnew'") >= 4);
    let rows = app.collected();
    let new = rows
        .iter()
        .find(|r| r.session == "CAnew")
        .expect("the new call's answers");
    assert_eq!(new.answers.len(), 2, "{new:?}");
}

/// Calls carrying a large Memory: the writer's in-memory session map stays within its byte
/// budget whatever they carry, and every call still goes on correctly — a state the map has
/// let go is read back from the database.
#[tokio::test]
async fn large_sessions_stay_within_the_cache_budget_and_calls_go_on() {
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, header::CONTENT_TYPE};
    use switchboard::http::{AppState, router};
    use switchboard::runner::Runner;
    use switchboard::store::Store;
    use tower::ServiceExt;

    const BUDGET: usize = 32 * 1024;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_with(
        &dir.path().join("switchboard.db"),
        StoreOptions {
            cache_bytes: BUDGET,
            ..StoreOptions::default()
        },
    )
    .expect("store");
    let assistant = Arc::new(switchboard::flow::load_path(&repo_flows()).expect("flows"));
    let runner = Runner::new(assistant, store.clone(), RunnerOptions::default()).expect("runner");
    let app = router(AppState::new(runner, None));
    let turn = |path: &'static str, form: Vec<(&'static str, String)>| {
        let app = app.clone();
        let store = store.clone();
        async move {
            let body = serde_urlencoded::to_string(&form).expect("encodes");
            let request = Request::post(path)
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .expect("request");
            let response = app.oneshot(request).await.expect("infallible");
            let bytes = to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body");
            let cached = store.cached_bytes();
            assert!(cached <= BUDGET, "session cache holds {cached} bytes");
            common::Twiml::parse(std::str::from_utf8(&bytes).expect("utf-8"))
        }
    };
    let memory = serde_json::json!({ "notes": "x".repeat(3_000) }).to_string();
    let sids: Vec<String> = (0..40).map(|i| format!("CAbig{i:02}")).collect();
    // Every call starts, then each goes on in turn: far more state than the budget is live.
    for sid in &sids {
        turn(
            "/voice",
            vec![
                ("CallSid", sid.clone()),
                ("From", "+15551230000".into()),
                ("Memory", memory.clone()),
            ],
        )
        .await
        .expect_prompt("");
    }
    let mut most = 0;
    for sid in &sids {
        let say = |text: &str| {
            vec![
                ("CallSid", sid.clone()),
                ("SpeechResult", text.to_owned()),
                ("Confidence", "0.9".into()),
            ]
        };
        turn("/voice/gather", say("sign me up"))
            .await
            .expect_prompt("name");
        most = most.max(store.cached_bytes());
        turn("/voice/gather", say("Maria"))
            .await
            .expect_prompt("phone");
        turn(
            "/voice/gather",
            vec![("CallSid", sid.clone()), ("Digits", "4155550123".into())],
        )
        .await
        .expect_prompt("Thank you, Maria.");
    }
    assert!(most > 0, "the cache is used at all");
    let rows =
        switchboard::store::read_collected(&dir.path().join("switchboard.db")).expect("rows");
    assert_eq!(rows.len(), sids.len());
    for row in &rows {
        assert_eq!(row.answers.len(), 2, "{row:?}");
        assert_eq!(row.answers[1].value, "+14155550123");
    }
}
