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
