//! Read-only queries for operators: what was collected, and how many conversations are open.
//!
//! These open their own connection, so the command line can read a database that a running
//! server is writing (WAL lets readers and the writer work side by side). They open it read-only
//! and never migrate, so a user who may only read the file can still read it.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use super::StoreError;
use crate::engine::AnswerRecord;

/// One collect run as saved.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CollectedRow {
    /// Row id.
    pub id: i64,
    /// The call (CallSid).
    pub session: String,
    /// `voice`.
    pub channel: String,
    /// The caller's number, when known.
    pub caller: Option<String>,
    /// The task holding the collect.
    pub task: String,
    /// The collect's name.
    pub collect: String,
    /// `in_progress`, `complete` or `incomplete`.
    pub status: String,
    /// The answers in question order.
    pub answers: Vec<AnswerRecord>,
    /// When the first question was asked.
    pub started_at: String,
    /// When it was last written.
    pub updated_at: String,
    /// When it completed or was abandoned.
    pub finished_at: Option<String>,
}

/// How the read path opens a database: read-only, and never creating it (a mistyped --db must not
/// leave an empty database behind).
const READ_ONLY: OpenFlags =
    OpenFlags::SQLITE_OPEN_READ_ONLY.union(OpenFlags::SQLITE_OPEN_NO_MUTEX);

/// Opens a database for reading only, and checks it is a Switchboard database this binary can
/// read (its schema version, read rather than migrated).
///
/// A WAL database needs its `-shm` index; a reader that may not create it (a file and folder it
/// may only read, with no server running, so no `-wal`/`-shm` beside it) gets "attempt to write a
/// readonly database". Then, and only when no `-wal` file exists (everything is in the main
/// file), it is opened `immutable`: read as a plain file, with no locking or index. When a
/// server is running its `-wal` and `-shm` exist, and SQLite reads them read-only.
///
/// # Errors
/// The file is missing, unreadable, not a Switchboard database, or newer than this binary.
pub(crate) fn open_read_only(path: &Path) -> Result<Connection, StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open_with_flags(path, READ_ONLY).map_err(open_err)?;
    let (conn, version) = match schema_version(&conn) {
        Ok(version) => (conn, version),
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen)
            ) && !wal_path(path).exists() =>
        {
            drop(conn);
            let conn = Connection::open_with_flags(
                immutable_uri(path),
                READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
            )
            .map_err(open_err)?;
            let version = schema_version(&conn).map_err(open_err)?;
            (conn, version)
        }
        Err(e) => return Err(open_err(e)),
    };
    let current = super::schema::current_version();
    if version == 0 || version > current {
        let why = if version == 0 {
            "it is not a Switchboard database (no schema version): pass --db with the file `switchboard serve` wrote".to_owned()
        } else {
            format!(
                "its schema version {version} is newer than this binary's {current}; upgrade switchboard"
            )
        };
        return Err(open_err(rusqlite::Error::InvalidParameterName(why)));
    }
    Ok(conn)
}

fn schema_version(conn: &Connection) -> rusqlite::Result<usize> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    Ok(usize::try_from(version).unwrap_or(usize::MAX))
}

/// `<db>-wal`, where SQLite keeps commits not yet copied into the database file.
fn wal_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    name.into()
}

/// `file:<path>?immutable=1`, the path percent-encoded as SQLite's URI syntax requires.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for &byte in path.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// Which collect runs an operator asks for: each field set narrows the rows, each left None
/// leaves them open. Every filter is on an indexed column or on rows an index has narrowed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswersFilter {
    /// Started at or after this.
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Started before this.
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    /// The collect's name.
    pub collect: Option<String>,
    /// `complete`, `in_progress` or `incomplete`.
    pub status: Option<String>,
    /// Newest first (a page), rather than oldest first (an export).
    pub newest_first: bool,
    /// At most this many rows (None: all).
    pub limit: Option<u32>,
    /// Skipping this many first.
    pub offset: u32,
}

/// Every collect run in the database, oldest first.
///
/// # Errors
/// The file is missing or not a Switchboard database.
pub fn read_collected(path: &Path) -> Result<Vec<CollectedRow>, StoreError> {
    read_collected_where(path, &AnswersFilter::default())
}

/// The collect runs `filter` asks for.
///
/// # Errors
/// The file is missing or not a Switchboard database.
pub fn read_collected_where(
    path: &Path,
    filter: &AnswersFilter,
) -> Result<Vec<CollectedRow>, StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let conn = open_read_only(path)?;
    let order = if filter.newest_first { "DESC" } else { "ASC" };
    let mut stmt = conn.prepare(&format!(
        "SELECT id, session_key, channel, caller, task, collect, status, answers, started_at, updated_at, finished_at
         FROM collected
         WHERE (?1 IS NULL OR started_at >= ?1) AND (?2 IS NULL OR started_at < ?2)
           AND (?3 IS NULL OR collect = ?3) AND (?4 IS NULL OR status = ?4)
         ORDER BY id {order} LIMIT ?5 OFFSET ?6",
    )).map_err(open_err)?;
    let params = rusqlite::params![
        filter.from.map(super::turn::timestamp),
        filter.until.map(super::turn::timestamp),
        filter.collect,
        filter.status,
        // SQLite reads a negative limit as none.
        filter.limit.map_or(-1, i64::from),
        i64::from(filter.offset),
    ];
    let rows = stmt.query_map(params, |r| {
        let answers: String = r.get(7)?;
        Ok(CollectedRow {
            id: r.get(0)?,
            session: r.get(1)?,
            channel: r.get(2)?,
            caller: r.get(3)?,
            task: r.get(4)?,
            collect: r.get(5)?,
            status: r.get(6)?,
            answers: serde_json::from_str(&answers).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    7,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?,
            started_at: r.get(8)?,
            updated_at: r.get(9)?,
            finished_at: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Conversations not ended whose last turn came after `since`, in the SQLite file at `path`.
///
/// # Errors
/// The file cannot be opened or read.
pub(super) fn sessions_in_progress(
    path: &Path,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<u64, StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let conn = open_read_only(path)?;
    let count: i64 = conn
        .query_row(
            "SELECT count(*) FROM sessions WHERE ended = 0 AND updated_at >= ?1",
            [super::turn::timestamp(since)],
            |r| r.get(0),
        )
        .map_err(open_err)?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// One utterance the matcher judged, from a call's history: what the caller said, the task it
/// came closest to, how sure the matcher was and what it decided.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteLine {
    /// What the caller said (the recogniser's transcript, or the text).
    pub said: String,
    /// The task it came closest to, if any shared anything with it.
    pub best: Option<String>,
    /// The matcher's confidence in that task.
    pub confidence: f64,
    /// Whether the matcher routed it (false: it declined, and the caller heard "sorry?").
    pub matched: bool,
    /// When.
    pub at: String,
}

impl RouteLine {
    /// Declined, or matched with a confidence below `below`.
    pub(super) fn doubtful(&self, below: f64) -> bool {
        !self.matched || self.confidence < below
    }

    /// The line of a history row (a JSON array of `{kind: detail}` objects), if it holds a
    /// spoken or texted input that the matcher judged. Keypad choices are not the matcher's.
    pub(super) fn from_history(at: String, detail: &str) -> Option<RouteLine> {
        // Typed, not a generic JSON value: only the fields read here are decoded, the rest of
        // each line skipped (a month of calls is tens of thousands of rows).
        #[derive(serde::Deserialize)]
        struct Line {
            input: Option<Input>,
            route: Option<Route>,
        }
        #[derive(serde::Deserialize)]
        struct Input {
            speech: Option<String>,
        }
        #[derive(serde::Deserialize)]
        struct Route {
            best: Option<String>,
            confidence: Option<f64>,
            decision: Option<String>,
        }
        let lines: Vec<Line> = serde_json::from_str(detail).ok()?;
        let said = lines
            .iter()
            .find_map(|l| l.input.as_ref()?.speech.clone())?;
        let route = lines.into_iter().find_map(|l| l.route)?;
        let decision = route.decision?;
        Some(RouteLine {
            said,
            best: route.best,
            confidence: route.confidence.unwrap_or(0.0),
            matched: super::turn::declined_because(&decision).is_none(),
            at,
        })
    }
}

/// The routed turns of calls started since `?1` that had a doubtful utterance: those calls
/// through their partial index, then their routed turns through `events_by_call` (led by the
/// call's start and key). CROSS JOIN keeps that order: left to itself SQLite walks every
/// history row of the window and looks each one's call up.
const DOUBTFUL_ROUTES: &str = "SELECT e.at, e.detail FROM calls c CROSS JOIN events e
        ON e.session_created_at = c.started_at AND e.session_key = c.session_key
    WHERE c.started_at >= ?1 AND c.doubtful > 0 AND e.kind LIKE '%route%'";

/// The utterances the matcher declined, or matched below `below`, in calls started since
/// `since` (SQLite).
///
/// # Errors
/// The file cannot be opened or read.
pub(super) fn route_lines(
    path: &Path,
    since: chrono::DateTime<chrono::Utc>,
    below: f64,
) -> Result<Vec<RouteLine>, StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let conn = open_read_only(path)?;
    let mut stmt = conn.prepare(DOUBTFUL_ROUTES).map_err(open_err)?;
    let rows = stmt.query_map([super::turn::timestamp(since)], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut lines = Vec::new();
    for row in rows {
        let (at, detail) = row?;
        lines.extend(RouteLine::from_history(at, &detail).filter(|l| l.doubtful(below)));
    }
    Ok(lines)
}

/// What the console's overview counts over a window of days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    /// Per day (`YYYY-MM-DD`, UTC) that had any: calls and text conversations started.
    pub days: Vec<(String, u64, u64)>,
    /// Per collect: runs complete, incomplete and still in progress.
    pub collects: Vec<(String, u64, u64, u64)>,
    /// Web service calls that failed.
    pub webhook_failures: u64,
    /// Utterances the matcher judged.
    pub routed: u64,
    /// Utterances the matcher declined.
    pub declines: u64,
}

impl Activity {
    /// Adds a count of `status` runs of `collect`.
    pub(super) fn add_collect(&mut self, collect: String, status: &str, count: u64) {
        let at = match self.collects.iter().position(|c| c.0 == collect) {
            Some(at) => at,
            None => {
                self.collects.push((collect, 0, 0, 0));
                self.collects.len() - 1
            }
        };
        let row = &mut self.collects[at];
        match status {
            "complete" => row.1 += count,
            "incomplete" => row.2 += count,
            _ => row.3 += count,
        }
    }

    /// Adds conversations started on `day`, texts or calls.
    pub(super) fn add_day(&mut self, day: String, texts: bool, count: u64) {
        let at = match self.days.iter().position(|d| d.0 == day) {
            Some(at) => at,
            None => {
                self.days.push((day, 0, 0));
                self.days.len() - 1
            }
        };
        if texts {
            self.days[at].2 += count;
        } else {
            self.days[at].1 += count;
        }
    }
}

/// Conversations per day, collects by status, utterances judged and declined and failed web
/// service calls since `since` (SQLite): the conversations from `calls` (a row each, its
/// primary key led by the start), the collects from `collected`.
///
/// # Errors
/// The file cannot be opened or read.
pub(super) fn activity(
    path: &Path,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<Activity, StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let conn = open_read_only(path)?;
    let since = super::turn::timestamp(since);
    let mut activity = Activity::default();
    let mut days = conn
        .prepare(
            "SELECT substr(started_at, 1, 10), channel = 'sms', count(*)
             FROM calls WHERE started_at >= ?1 GROUP BY 1, 2",
        )
        .map_err(open_err)?;
    for row in days.query_map([&since], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, bool>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })? {
        let (day, texts, count) = row?;
        activity.add_day(day, texts, u64::try_from(count).unwrap_or(0));
    }
    let mut collects = conn
        .prepare(
            "SELECT collect, status, count(*) FROM collected WHERE started_at >= ?1
             GROUP BY collect, status",
        )
        .map_err(open_err)?;
    for row in collects.query_map([&since], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })? {
        let (collect, status, count) = row?;
        activity.add_collect(collect, &status, u64::try_from(count).unwrap_or(0));
    }
    let (failures, routed, declines): (i64, i64, i64) = conn
        .query_row(
            "SELECT coalesce(sum(webhook_failures), 0), coalesce(sum(routed), 0),
                    coalesce(sum(declines), 0)
             FROM calls WHERE started_at >= ?1",
            [&since],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(open_err)?;
    activity.webhook_failures = u64::try_from(failures).unwrap_or(0);
    activity.routed = u64::try_from(routed).unwrap_or(0);
    activity.declines = u64::try_from(declines).unwrap_or(0);
    activity.days.sort();
    activity.collects.sort();
    Ok(activity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_read_path_opens_read_only_and_never_migrates() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("calls.db");
        drop(super::super::Store::open(&path).expect("a server's database"));
        let conn = open_read_only(&path).expect("opens");
        assert!(conn.is_readonly(rusqlite::MAIN_DB).expect("main"));
        let write = conn.execute_batch("PRAGMA user_version = 1");
        assert_eq!(
            write.err().and_then(|e| e.sqlite_error_code()),
            Some(rusqlite::ErrorCode::ReadOnly)
        );
    }

    #[test]
    fn the_review_reads_doubtful_calls_first_then_their_history_by_index() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("calls.db");
        drop(super::super::Store::open(&path).expect("a server's database"));
        let conn = Connection::open(&path).expect("open");
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {DOUBTFUL_ROUTES}"))
            .expect("plan")
            .query_map(["2026-12-01"], |r| r.get(3))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("plan rows");
        assert!(plan[0].contains("calls_doubtful"), "{plan:?}");
        assert!(plan[1].contains("events_by_call"), "{plan:?}");
    }

    #[test]
    fn only_declined_and_barely_matched_utterances_are_read_for_review() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("calls.db");
        drop(super::super::Store::open(&path).expect("a server's database"));
        let conn = Connection::open(&path).expect("open");
        // Only the history of a call counted as having a doubtful utterance is read.
        conn.execute(
            "INSERT INTO calls (started_at, session_key, channel, last_at, turns, routed, tasks,
                collects, declines, doubtful, webhook_failures)
             VALUES ('2026-12-01T10:00:00.000Z', 'CA1', 'voice', '2026-12-01T10:00:01.000Z', 2,
                5, ' a ', ' ', 2, 3, 0)",
            [],
        )
        .expect("the call");
        for (said, route) in [
            (
                "sure thing",
                r#"{"task":"a","confidence":0.9,"decision":"Matched"}"#,
            ),
            (
                "maybe that",
                r#"{"task":"a","confidence":0.45,"decision":"Matched"}"#,
            ),
            (
                "purple",
                r#"{"task":null,"confidence":0.1,"best":"a","decision":"BelowThreshold"}"#,
            ),
            (
                "zzz",
                r#"{"task":null,"confidence":0.0,"decision":"Unrelated"}"#,
            ),
            ("1", r#"{"task":"a","keypad":"1"}"#),
        ] {
            let detail = format!(
                r#"[{{"input":{{"speech":"{said}"}}}},{{"route":{route}}},{{"reply":{{"said":["Matched"]}}}}]"#
            );
            conn.execute(
                "INSERT INTO events (session_key, session_created_at, turn, at, kind, detail)
                 VALUES ('CA1', '2026-12-01T10:00:00.000Z', 2, '2026-12-01T10:00:01.000Z', 'input,route,reply', ?1)",
                [detail],
            )
            .expect("a row");
        }
        let since = chrono::DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
            .expect("time")
            .with_timezone(&chrono::Utc);
        let lines = route_lines(&path, since, 0.5).expect("readable");
        let said: Vec<(&str, bool)> = lines.iter().map(|l| (l.said.as_str(), l.matched)).collect();
        assert_eq!(
            said,
            [("maybe that", true), ("purple", false), ("zzz", false)]
        );
    }

    #[test]
    fn the_read_path_refuses_what_is_not_a_switchboard_database_and_creates_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let empty = dir.path().join("empty.db");
        drop(Connection::open(&empty).expect("a plain SQLite file"));
        let refused = open_read_only(&empty).expect_err("not ours");
        assert!(
            refused.to_string().contains("not a Switchboard database"),
            "{refused}"
        );
        let missing = dir.path().join("missing.db");
        assert!(open_read_only(&missing).is_err());
        assert!(!missing.exists());
    }

    #[test]
    fn an_immutable_uri_escapes_what_sqlite_would_read_as_uri_syntax() {
        assert_eq!(
            immutable_uri(Path::new("/tmp/a b?#%.db")),
            "file:/tmp/a%20b%3F%23%25.db?immutable=1"
        );
    }
}
