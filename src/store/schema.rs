//! The database schema, as numbered migrations applied at open.
//!
//! The schema version lives in SQLite's `user_version`, so opening an old database upgrades it
//! in place and opening a newer one than this binary knows is refused instead of misread.

use rusqlite::Connection;

/// Each entry moves the schema one version up. Never edit a shipped entry: add a new one.
const MIGRATIONS: &[&str] = &[
    // 1: sessions, collected answers, call history.
    "
    CREATE TABLE sessions (
        key        TEXT PRIMARY KEY,
        channel    TEXT NOT NULL,
        state      TEXT NOT NULL,      -- engine::Session as JSON
        ended      INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE collected (
        id          INTEGER PRIMARY KEY,
        session_key TEXT NOT NULL,
        seq         INTEGER NOT NULL,  -- which collect run of the session
        channel     TEXT NOT NULL,
        caller      TEXT,
        task        TEXT NOT NULL,
        collect     TEXT NOT NULL,
        status      TEXT NOT NULL,     -- in_progress | complete | incomplete
        answers     TEXT NOT NULL,     -- JSON array of {question, said, value, attempts, at}
        started_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        finished_at TEXT,
        UNIQUE (session_key, seq, started_at)  -- a run is its seq and start: a key reused later never overwrites
    );
    CREATE TABLE events (
        id          INTEGER PRIMARY KEY,
        session_key TEXT NOT NULL,
        turn        INTEGER NOT NULL,
        at          TEXT NOT NULL,
        kind        TEXT NOT NULL,
        detail      TEXT NOT NULL
    );
    CREATE INDEX events_by_session ON events (session_key, id);
    ",
    // 2: replies by webhook delivery, so a retried delivery gets the same reply.
    "
    CREATE TABLE deliveries (
        token       TEXT PRIMARY KEY,  -- I-Twilio-Idempotency-Token
        session_key TEXT NOT NULL,
        reply       TEXT NOT NULL,     -- engine::Reply as JSON
        at          TEXT NOT NULL
    );
    CREATE INDEX deliveries_by_time ON deliveries (at);
    ",
    // 3: per-database settings (the key that hashes sensitive answers).
    "
    CREATE TABLE settings (
        name  TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    ",
    // 4: call history indexed by when the call started, then its key. CallSids are random, so
    // an index led by the key put every turn's row on a page of its own (a 4 KiB write-ahead
    // frame per turn, a fifth of the writer's time); calls in progress started at about the same
    // time, so their rows now share the last few pages. A conversation's rows carry its
    // sessions.created_at; rows from before this version have NULL there and are found by
    // `session_created_at IS NULL AND session_key = ?`, through the same index.
    "
    ALTER TABLE events ADD COLUMN session_created_at TEXT;
    DROP INDEX events_by_session;
    CREATE INDEX events_by_call ON events (session_created_at, session_key, id);
    ",
    // 5: what the purges filter on, so they find old rows through an index in small chunks
    // instead of scanning whole tables in one long statement on the writer (9 M events: one
    // turn waited 28.7 s). Each is led by when the conversation or the collect started, which
    // later turns never change, so a turn does not move an entry (indexes on `updated_at`
    // moved one on every turn and answer: a tenth more writer time). Call history needs no
    // index of its own: `events_by_call` is led by the call's start.
    "
    CREATE INDEX collected_by_start ON collected (started_at);
    CREATE INDEX sessions_by_start ON sessions (channel, created_at);
    ",
    // 6: one row per conversation, what the console's list of calls shows and filters on,
    // rewritten by each turn from the session's summary. Sessions are forgotten soon after a
    // call ends; this stays as long as the call's history. Clustered by when the call started
    // (WITHOUT ROWID), as history is: calls in progress share the last pages, and the list,
    // newest first, reads the table in order. The rare filters (a decline, a failed web
    // service) have partial indexes, so a page of them never walks every call; so do calls with
    // a doubtful utterance, which the Not understood page reads the history of. Calls already
    // in the history are filled in from it (their collects from `collected`; their doubtful
    // utterances are their declined ones: the threshold they were judged by is not kept).
    "
    CREATE TABLE calls (
        started_at       TEXT NOT NULL,
        session_key      TEXT NOT NULL,
        channel          TEXT NOT NULL,
        caller           TEXT,
        last_at          TEXT NOT NULL,
        turns            INTEGER NOT NULL,
        routed           INTEGER NOT NULL,  -- utterances the matcher judged
        tasks            TEXT NOT NULL,     -- ' task other_task ': each reached, between spaces
        collects         TEXT NOT NULL,     -- ' signup:complete survey:incomplete '
        declines         INTEGER NOT NULL,
        doubtful         INTEGER NOT NULL,  -- declined, or matched within 0.1 of the threshold
        webhook_failures INTEGER NOT NULL,
        ended_by         TEXT,              -- NULL while it goes on
        PRIMARY KEY (started_at, session_key)
    ) WITHOUT ROWID;
    CREATE INDEX calls_declined ON calls (started_at) WHERE declines > 0;
    CREATE INDEX calls_failed ON calls (started_at) WHERE webhook_failures > 0;
    CREATE INDEX calls_doubtful ON calls (started_at) WHERE doubtful > 0;
    INSERT INTO calls
    SELECT e.session_created_at, e.session_key,
        CASE WHEN e.session_key LIKE 'sms:%' THEN 'sms' ELSE 'voice' END,
        NULL, max(e.at), max(e.turn),
        sum(json_extract(j.value, '$.route.decision') IS NOT NULL),
        ' ' || coalesce(replace(group_concat(DISTINCT json_extract(j.value, '$.route.task')), ',', ' ') || ' ', ''),
        ' ',
        sum(coalesce(json_extract(j.value, '$.route.decision') != 'Matched', 0)),
        sum(coalesce(json_extract(j.value, '$.route.decision') != 'Matched', 0)),
        sum(json_extract(j.value, '$.webhook_failed') IS NOT NULL),
        max(json_extract(j.value, '$.end.reason'))
    FROM events e, json_each(e.detail) j
    WHERE e.session_created_at IS NOT NULL
    GROUP BY e.session_created_at, e.session_key;
    UPDATE calls SET
        collects = coalesce((SELECT ' ' || group_concat(c.collect || ':' || c.status, ' ') || ' '
            FROM collected c WHERE c.session_key = calls.session_key
            AND c.started_at >= calls.started_at AND c.started_at <= calls.last_at), ' '),
        caller = (SELECT c.caller FROM collected c WHERE c.session_key = calls.session_key
            AND c.started_at >= calls.started_at LIMIT 1);
    ",
];

/// The schema version this binary writes (`user_version` once migrated).
pub(crate) fn current_version() -> usize {
    MIGRATIONS.len()
}

/// Brings a database up to the current schema.
///
/// # Errors
/// SQLite fails, or the database was written by a newer Switchboard.
pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > MIGRATIONS.len() {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "the database has schema version {version}, newer than this binary's {}; upgrade switchboard",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(i + 1).unwrap_or(i64::MAX),
        )?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
