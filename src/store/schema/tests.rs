//! Tests for the parent module.

use super::*;

#[test]
fn migrations_apply_and_are_idempotent() {
    let mut conn = Connection::open_in_memory().expect("memory db");
    migrate(&mut conn).expect("first");
    migrate(&mut conn).expect("second");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, MIGRATIONS.len() as i64);
}

#[test]
fn a_newer_database_is_refused() {
    let mut conn = Connection::open_in_memory().expect("memory db");
    conn.pragma_update(None, "user_version", 99).expect("set");
    let err = migrate(&mut conn).expect_err("refused");
    assert!(err.to_string().contains("newer"), "{err}");
}

/// What `EXPLAIN QUERY PLAN` says SQLite will do for `sql`, in one string.
fn plan(conn: &Connection, sql: &str) -> String {
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .expect("plan");
    stmt.query_map([], |r| r.get::<_, String>(3))
        .expect("rows")
        .collect::<Result<Vec<_>, _>>()
        .expect("plan rows")
        .join("; ")
}

#[test]
fn history_written_before_version_4_is_still_found_by_call_through_an_index() {
    let mut conn = Connection::open_in_memory().expect("memory db");
    for sql in &MIGRATIONS[..3] {
        conn.execute_batch(sql).expect("old schema");
    }
    conn.pragma_update(None, "user_version", 3)
        .expect("version 3");
    conn.execute(
        "INSERT INTO events (session_key, turn, at, kind, detail) VALUES ('CA1', 1, '2026-01-01T00:00:00.000Z', 'input', '{}')",
        [],
    )
    .expect("an old row");
    migrate(&mut conn).expect("upgrade");

    let old: Option<String> = conn
        .query_row(
            "SELECT session_created_at FROM events WHERE session_created_at IS NULL AND session_key = 'CA1'",
            [],
            |r| r.get(0),
        )
        .expect("the old row is found");
    assert_eq!(old, None);
    for sql in [
        "SELECT * FROM events WHERE session_created_at IS NULL AND session_key = 'CA1' ORDER BY id",
        "SELECT * FROM events WHERE session_created_at = '2026-01-01T00:00:00.000Z' AND session_key = 'CA1' ORDER BY id",
    ] {
        let plan = plan(&conn, sql);
        assert!(plan.contains("USING INDEX events_by_call"), "{sql}: {plan}");
        assert!(!plan.contains("TEMP B-TREE"), "rows come in order: {plan}");
    }
}

#[test]
fn calls_already_in_the_history_are_listed_after_the_upgrade_to_version_6() {
    let mut conn = Connection::open_in_memory().expect("memory db");
    for sql in &MIGRATIONS[..5] {
        conn.execute_batch(sql).expect("old schema");
    }
    conn.pragma_update(None, "user_version", 5)
        .expect("version 5");
    let start = "2026-12-01T10:00:00.000Z";
    for (turn, at, kind, detail) in [
        (
            1,
            "2026-12-01T10:00:00.000Z",
            "input",
            r#"[{"input":{"start":true}}]"#,
        ),
        (
            2,
            "2026-12-01T10:00:05.000Z",
            "input,route",
            r#"[{"input":{"speech":"zebra"}},{"route":{"task":null,"decision":"BelowThreshold"}}]"#,
        ),
        (
            3,
            "2026-12-01T10:00:09.000Z",
            "input,route,collect",
            r#"[{"input":{"speech":"sign me up"}},{"route":{"task":"register","decision":"Matched"}},{"collect":{"collect":"signup"}}]"#,
        ),
        (
            3,
            "2026-12-01T10:00:12.000Z",
            "input,route",
            r#"[{"input":{"digits":"1"}},{"route":{"task":"register","keypad":"1"}}]"#,
        ),
        (
            4,
            "2026-12-01T10:00:20.000Z",
            "input,end",
            r#"[{"input":{"hangup":true}},{"end":{"reason":"hangup"}}]"#,
        ),
    ] {
        conn.execute(
            "INSERT INTO events (session_key, session_created_at, turn, at, kind, detail) VALUES ('CA1', ?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![start, turn, at, kind, detail],
        )
        .expect("a history row");
    }
    conn.execute(
        "INSERT INTO collected (session_key, seq, channel, caller, task, collect, status, answers, started_at, updated_at)
         VALUES ('CA1', 1, 'voice', '+15551230000', 'register', 'signup', 'incomplete', '[]', '2026-12-01T10:00:09.000Z', '2026-12-01T10:00:20.000Z')",
        [],
    )
    .expect("a collect");
    migrate(&mut conn).expect("upgrade");

    use rusqlite::types::Value::{Integer, Text};
    let row: Vec<rusqlite::types::Value> = conn
        .query_row(
            "SELECT started_at, channel, caller, last_at, turns, routed, tasks, collects, declines,
                    webhook_failures, ended_by
             FROM calls WHERE session_key = 'CA1'",
            [],
            |r| (0..11).map(|i| r.get(i)).collect(),
        )
        .expect("the call is listed");
    let text = |s: &str| Text(s.to_owned());
    assert_eq!(
        row,
        [
            text(start),
            text("voice"),
            text("+15551230000"),
            text("2026-12-01T10:00:20.000Z"),
            Integer(4),
            // Two utterances judged by the matcher; the keypad choice was not.
            Integer(2),
            text(" register "),
            text(" signup:incomplete "),
            Integer(1),
            Integer(0),
            text("hangup"),
        ]
    );
}

#[test]
fn the_list_of_calls_is_read_in_order_and_its_rare_filters_through_their_indexes() {
    let mut conn = Connection::open_in_memory().expect("memory db");
    migrate(&mut conn).expect("schema");
    let newest = "SELECT * FROM calls WHERE started_at >= '2026-12-01' ORDER BY started_at DESC, session_key DESC LIMIT 51";
    let plan_newest = plan(&conn, newest);
    assert!(!plan_newest.contains("TEMP B-TREE"), "{plan_newest}");
    for (filter, index) in [
        ("declines > 0", "calls_declined"),
        ("webhook_failures > 0", "calls_failed"),
    ] {
        let sql = format!(
            "SELECT * FROM calls WHERE {filter} ORDER BY started_at DESC, session_key DESC LIMIT 51"
        );
        let plan = plan(&conn, &sql);
        assert!(plan.contains(index), "{sql}: {plan}");
    }
}
