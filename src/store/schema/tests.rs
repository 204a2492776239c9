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
