//! Tests for the parent module.

use super::*;
use chrono::TimeZone;

#[test]
fn text_conversation_keys_never_reach_the_log_as_numbers() {
    let key = "sms:+15559990000:+15551230000";
    let logged = loggable_key(key);
    assert!(!logged.contains("555"), "{logged}");
    assert_eq!(logged, loggable_key(key), "stable");
    assert_ne!(logged, loggable_key("sms:+15559990000:+15551230001"));
    assert_eq!(loggable_key("CA123"), "CA123");
}

#[test]
fn purging_forgets_stale_sessions_but_keeps_their_answers_as_incomplete() {
    let mut conn = Connection::open_in_memory().expect("db");
    schema::migrate(&mut conn).expect("schema");
    let now = Utc
        .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("valid");
    let at = |hours: i64| timestamp(now - chrono::Duration::hours(hours));
    for (key, channel, hours) in [
        ("CAold", "voice", 30),
        ("CAnew", "voice", 2),
        ("sms:a:b", "sms", 6),
        ("sms:c:d", "sms", 1),
    ] {
        conn.execute(
                "INSERT INTO sessions (key, channel, state, ended, created_at, updated_at) VALUES (?1, ?2, '{}', 0, ?3, ?3)",
                params![key, channel, at(hours)],
            )
            .expect("session");
        conn.execute(
                "INSERT INTO collected (session_key, seq, channel, task, collect, status, answers, started_at, updated_at)
                 VALUES (?1, 1, ?2, 't', 'c', 'in_progress', '[]', ?3, ?3)",
                params![key, channel, at(hours)],
            )
            .expect("collected");
    }
    purge(&conn, now, chrono::Duration::hours(4)).expect("purges");
    let left: Vec<String> = conn
        .prepare("SELECT key FROM sessions ORDER BY key")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("keys");
    assert_eq!(left, ["CAnew", "sms:c:d"]);
    let statuses: Vec<(String, String)> = conn
        .prepare("SELECT session_key, status FROM collected ORDER BY session_key")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .expect("rows");
    let expected: Vec<(String, String)> = [
        ("CAnew", "in_progress"),
        ("CAold", "incomplete"),
        ("sms:a:b", "incomplete"),
        ("sms:c:d", "in_progress"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(statuses, expected);
}
