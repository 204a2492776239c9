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

/// A migrated database in memory, and the time the purge tests call now.
fn empty_database() -> (Connection, DateTime<Utc>) {
    let mut conn = Connection::open_in_memory().expect("db");
    schema::migrate(&mut conn).expect("schema");
    let now = Utc
        .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("valid");
    (conn, now)
}

#[test]
fn purging_forgets_stale_sessions_but_keeps_their_answers_as_incomplete() {
    let (mut conn, now) = empty_database();
    let at = |hours: i64| timestamp(now - chrono::Duration::hours(hours));
    // (key, channel, hours since its last turn, hours since it started): the purge finds
    // sessions by when they started, so a long conversation that started before the cutoff
    // but is still going must stay.
    for (key, channel, hours, started) in [
        ("CAold", "voice", 30, 30),
        ("CAnew", "voice", 2, 2),
        ("CAlong", "voice", 1, 26),
        ("sms:a:b", "sms", 6, 7),
        ("sms:c:d", "sms", 1, 1),
        ("sms:e:f", "sms", 1, 50),
    ] {
        conn.execute(
                "INSERT INTO sessions (key, channel, state, ended, created_at, updated_at) VALUES (?1, ?2, '{}', 0, ?3, ?4)",
                params![key, channel, at(started), at(hours)],
            )
            .expect("session");
        conn.execute(
                "INSERT INTO collected (session_key, seq, channel, task, collect, status, answers, started_at, updated_at)
                 VALUES (?1, 1, ?2, 't', 'c', 'in_progress', '[]', ?3, ?3)",
                params![key, channel, at(hours)],
            )
            .expect("collected");
    }
    purge(&mut conn, now, chrono::Duration::hours(4)).expect("purges");
    let left: Vec<String> = conn
        .prepare("SELECT key FROM sessions ORDER BY key")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("keys");
    assert_eq!(left, ["CAlong", "CAnew", "sms:c:d", "sms:e:f"]);
    let statuses: Vec<(String, String)> = conn
        .prepare("SELECT session_key, status FROM collected ORDER BY session_key")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .expect("rows");
    let expected: Vec<(String, String)> = [
        ("CAlong", "in_progress"),
        ("CAnew", "in_progress"),
        ("CAold", "incomplete"),
        ("sms:a:b", "incomplete"),
        ("sms:c:d", "in_progress"),
        ("sms:e:f", "in_progress"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(statuses, expected);
}

/// The retention sweeps find rows by when their call or collect started, and still delete
/// exactly the rows older than the cutoff: a row of a call that started before the cutoff but
/// went on past it stays, and rows from before the call start was recorded are not forgotten.
#[test]
fn retention_deletes_exactly_the_rows_older_than_the_cutoff() {
    let (mut conn, now) = empty_database();
    let days = |d: i64| timestamp(now - chrono::Duration::days(d));
    // (key, the call's start or None for a row from before schema 4, the row's time)
    for (key, started, at) in [
        ("old", Some(40), 40),
        ("spans_first", Some(31), 31),
        ("spans_later", Some(31), 29),
        ("legacy_old", None, 45),
        ("legacy_new", None, 2),
        ("new", Some(1), 1),
    ] {
        conn.execute(
            "INSERT INTO events (session_key, session_created_at, turn, at, kind, detail) VALUES (?1, ?2, 1, ?3, 'input', '[]')",
            params![key, started.map(days), days(at)],
        )
        .expect("event");
    }
    // (key, started, last answered, status)
    for (key, started, updated, status) in [
        ("old", 40, 40, "complete"),
        ("answered_late", 31, 29, "complete"),
        ("still_open", 40, 40, "in_progress"),
        ("new", 1, 1, "complete"),
    ] {
        conn.execute(
            "INSERT INTO collected (session_key, seq, channel, task, collect, status, answers, started_at, updated_at)
             VALUES (?1, 1, 'voice', 't', 'c', ?2, '[]', ?3, ?4)",
            params![key, status, days(started), days(updated)],
        )
        .expect("collected");
    }
    let mut purge = Purge::retention_only(now - chrono::Duration::days(30));
    let mut cache = Sessions::new(0);
    while !purge.chunk(&mut conn, &mut cache).expect("chunk") {}
    let keys = |sql: &str| -> Vec<String> {
        conn.prepare(sql)
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("keys")
    };
    assert_eq!(
        keys("SELECT session_key FROM events ORDER BY session_key"),
        ["legacy_new", "new", "spans_later"]
    );
    assert_eq!(
        keys("SELECT session_key FROM collected ORDER BY session_key"),
        ["answered_late", "new", "still_open"]
    );
    assert_eq!(purge.purged.events, 3);
    assert_eq!(purge.purged.collected, 1);
}

/// Every statement a purge runs finds its rows through an index (schema version 5), never by
/// reading a whole table: with millions of rows a scan held the writer for half a minute.
#[test]
fn purge_chunks_find_old_rows_through_an_index() {
    let mut conn = Connection::open_in_memory().expect("db");
    schema::migrate(&mut conn).expect("schema");
    for sql in [
        SWEEP_DELIVERIES,
        SWEEP_STALE_SESSIONS,
        MARK_INCOMPLETE,
        SWEEP_COLLECTED,
        SWEEP_EVENTS,
        SWEEP_ENDED_SESSIONS,
    ] {
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .and_then(|mut s| {
                let unbound = vec![rusqlite::types::Null; s.parameter_count()];
                s.query_map(rusqlite::params_from_iter(unbound), |r| {
                    r.get::<_, String>(3)
                })?
                .collect()
            })
            .expect("plan");
        assert!(
            plan.iter().all(|step| !step.starts_with("SCAN")),
            "{sql} scans a table:\n{plan:#?}"
        );
    }
}

/// A measurement, not a check: how long one purge chunk holds the writer on a history of a
/// million events (what a turn may wait behind a purge). Run it with
/// `cargo test --lib purge_chunk_on_a_million_events -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement: builds a million events in a temp file"]
fn purge_chunk_on_a_million_events() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut conn = Connection::open(dir.path().join("big.db")).expect("db");
    configure(&conn).expect("configure");
    schema::migrate(&mut conn).expect("schema");
    let built = Instant::now();
    conn.execute_batch(
        "BEGIN;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999)
         INSERT INTO events (session_key, session_created_at, turn, at, kind, detail)
         SELECT printf('CA%032d', i / 10), strftime('%Y-%m-%dT%H:%M:%fZ', '2020-01-01', '+' || (i / 10 * 10) || ' seconds'),
                i % 10, strftime('%Y-%m-%dT%H:%M:%fZ', '2020-01-01', '+' || i || ' seconds'),
                'input,route', '[{\"input\":{\"speech\":\"I would like to register please\"}},{\"route\":\"register\"}]'
         FROM n;
         COMMIT;",
    )
    .expect("history");
    eprintln!("built 1,000,000 events in {:?}", built.elapsed());
    // Half of them past the cutoff.
    let cutoff = Utc
        .with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
        .single()
        .expect("valid")
        + chrono::Duration::seconds(500_000);
    let mut purge = Purge::retention_only(cutoff);
    let mut cache = Sessions::new(0);
    let mut times = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        purge.chunk(&mut conn, &mut cache).expect("chunk");
        times.push(started.elapsed());
    }
    times.sort();
    eprintln!(
        "{} events per chunk, 20 chunks (one transaction and fsync each): min {:?}, median {:?}, max {:?}",
        PURGE_CHUNK, times[0], times[10], times[19]
    );
    assert!(purge.purged.events > 0);
}

/// The writer's session map holds no more bytes than its budget, however large the states
/// it is given, and keeps its total right as entries come and go.
#[test]
fn the_session_cache_stays_within_its_byte_budget() {
    let budget = 100_000;
    let mut cache = Sessions::new(budget);
    let session = |i: u32| Session {
        turns: i,
        ..Session::new(&Caller::default(), Utc::now())
    };
    let held = |cache: &Sessions| cache.map.values().map(|(_, w)| w).sum::<usize>();
    for round in 0..50u32 {
        // A batch of calls each carrying a state of 3–40 KB, one heavier than the whole budget.
        let staged: Vec<(String, (Session, usize))> = (0..8)
            .map(|i| {
                let weight = if round == 7 && i == 0 {
                    budget + 1
                } else {
                    3_000 + ((round * 8 + i) as usize * 7_919) % 37_000
                };
                (format!("CA{round}-{i}"), (session(i), weight))
            })
            .collect();
        cache.put_all(staged);
        assert!(cache.bytes() <= budget, "{} > {budget}", cache.bytes());
        assert_eq!(cache.bytes(), held(&cache));
        // A call's next turn takes its state out; a purge removes another.
        let _ = cache.take(&format!("CA{round}-1"));
        cache.remove(&format!("CA{round}-2"));
        assert_eq!(cache.bytes(), held(&cache));
    }
    assert!(cache.bytes() > 0);
    assert!(
        cache.take("CA7-0").is_none(),
        "heavier than the budget: never kept"
    );
}
