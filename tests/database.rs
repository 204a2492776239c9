//! The database on a bad day, through the real router and binary: a lock held by another
//! program, a large history being purged, a file deleted under the running server, and
//! sessions carrying a large Memory.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{TestApp, repo_flows};
use switchboard::runner::RunnerOptions;

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
        .filter(|l| l.contains("ERROR") && l.contains("deleted or replaced"))
        .count();
    assert_eq!(errors, 1, "{log}");
}
