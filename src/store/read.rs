//! Read-only queries for operators: what was collected.
//!
//! These open their own connection, so the command line can read a database that a running
//! server is writing (WAL lets readers and the writer work side by side).

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

/// Every collect run in the database, oldest first.
///
/// # Errors
/// The file is missing or not a Switchboard database.
pub fn read_collected(path: &Path) -> Result<Vec<CollectedRow>, StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    // Read-only and never create: a mistyped --db must not leave an empty database behind.
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(open_err)?;
    let mut stmt = conn.prepare(
        "SELECT id, session_key, channel, caller, task, collect, status, answers, started_at, updated_at, finished_at
         FROM collected ORDER BY id",
    ).map_err(open_err)?;
    let rows = stmt.query_map([], |r| {
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
