//! The list of calls and a call's history, for the console: one row per conversation in
//! `calls` (written by every turn, see [`super::turn::CallWrite`]) and its lines in `events`.
//!
//! The filter becomes SQL here, once, for both databases: they differ only in how a parameter
//! is written (`?1`, `$1`) and what finds a substring (`instr`, `strpos`). Each filter left
//! unset adds nothing to the statement, so the planner sees exactly the conditions in force —
//! `declines > 0` written out is what lets SQLite walk the partial index of declined calls
//! instead of every call.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::StoreError;
use super::read::open_read_only;
use crate::engine::Channel;

/// Which calls an operator asks for: each field set narrows the list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallsFilter {
    /// Started at or after this.
    pub from: Option<DateTime<Utc>>,
    /// Started before this.
    pub until: Option<DateTime<Utc>>,
    /// Calls or texts only.
    pub channel: Option<Channel>,
    /// Reached this task.
    pub task: Option<String>,
    /// Ran this collect (any status unless `collect_status` is set too).
    pub collect: Option<String>,
    /// Had a collect run in this status (`complete`, `incomplete`, `in_progress`).
    pub collect_status: Option<String>,
    /// The matcher declined at least one utterance.
    pub declined: bool,
    /// At least one web service call failed.
    pub webhook_failed: bool,
    /// At most this many, newest first.
    pub limit: u32,
    /// Skipping this many first.
    pub offset: u32,
}

/// One conversation, as the list of calls shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRow {
    /// When its first turn arrived; with the key, what names it.
    pub started_at: DateTime<Utc>,
    /// The session key (CallSid; `sms:` and the pair of numbers for texts).
    pub key: String,
    /// `voice` or `sms`.
    pub channel: String,
    /// The caller's number, when known.
    pub caller: Option<String>,
    /// When its last turn arrived.
    pub last_at: DateTime<Utc>,
    /// Turns taken.
    pub turns: i64,
    /// Tasks reached, in the order first reached.
    pub tasks: Vec<String>,
    /// Collect runs: the collect and its status.
    pub collects: Vec<(String, String)>,
    /// Utterances the matcher declined.
    pub declines: i64,
    /// Web service calls that failed.
    pub webhook_failures: i64,
    /// Why it ended; None while it goes on (or, for a text conversation, until it idles out).
    pub ended_by: Option<String>,
}

/// One row of a call's history: one turn's step, its lines in order (`{kind: detail}` each).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    /// The turn it belongs to.
    pub turn: i64,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// Its lines.
    pub lines: Vec<serde_json::Value>,
}

/// A value bound to a statement, in the type each database takes it as.
pub(super) enum Param {
    Time(DateTime<Utc>),
    Text(String),
    Int(i64),
}

/// How a database spells what differs between the two.
pub(super) struct Dialect {
    /// The `n`th parameter (from 1).
    pub placeholder: fn(usize) -> String,
    /// The function giving the position of a substring (0 when absent): `instr(haystack, needle)`.
    pub find: &'static str,
}

/// The columns every calls query reads, in the order [`CallRow`] is built from.
pub(super) const COLUMNS: &str = "started_at, session_key, channel, caller, last_at, turns, \
     tasks, collects, declines, webhook_failures, ended_by";

/// The statement listing the calls `filter` asks for, newest first, and its parameters.
pub(super) fn list_query(filter: &CallsFilter, dialect: &Dialect) -> (String, Vec<Param>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut params = Vec::new();
    let mut bind = |param: Param| {
        params.push(param);
        (dialect.placeholder)(params.len())
    };
    if let Some(from) = filter.from {
        clauses.push(format!("started_at >= {}", bind(Param::Time(from))));
    }
    if let Some(until) = filter.until {
        clauses.push(format!("started_at < {}", bind(Param::Time(until))));
    }
    if let Some(channel) = filter.channel {
        clauses.push(format!(
            "channel = {}",
            bind(Param::Text(channel.as_str().to_owned()))
        ));
    }
    if let Some(task) = &filter.task {
        clauses.push(format!(
            "{}(tasks, {}) > 0",
            dialect.find,
            bind(Param::Text(format!(" {task} ")))
        ));
    }
    let collect = match (&filter.collect, &filter.collect_status) {
        (Some(collect), Some(status)) => Some(format!(" {collect}:{status} ")),
        (Some(collect), None) => Some(format!(" {collect}:")),
        (None, Some(status)) => Some(format!(":{status} ")),
        (None, None) => None,
    };
    if let Some(needle) = collect {
        clauses.push(format!(
            "{}(collects, {}) > 0",
            dialect.find,
            bind(Param::Text(needle))
        ));
    }
    if filter.declined {
        clauses.push("declines > 0".to_owned());
    }
    if filter.webhook_failed {
        clauses.push("webhook_failures > 0".to_owned());
    }
    let limit = bind(Param::Int(i64::from(filter.limit)));
    let offset = bind(Param::Int(i64::from(filter.offset)));
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (
        format!(
            "SELECT {COLUMNS} FROM calls {filter}
             ORDER BY started_at DESC, session_key DESC LIMIT {limit} OFFSET {offset}"
        ),
        params,
    )
}

/// Splits a `calls.tasks` or `calls.collects` column into its items.
fn items(spaced: &str) -> impl Iterator<Item = &str> {
    spaced.split(' ').filter(|s| !s.is_empty())
}

impl CallRow {
    /// Builds a row from its columns as stored (`tasks` and `collects` spaced).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn from_columns(
        started_at: DateTime<Utc>,
        key: String,
        channel: String,
        caller: Option<String>,
        last_at: DateTime<Utc>,
        turns: i64,
        tasks: &str,
        collects: &str,
        declines: i64,
        webhook_failures: i64,
        ended_by: Option<String>,
    ) -> CallRow {
        CallRow {
            started_at,
            key,
            channel,
            caller,
            last_at,
            turns,
            tasks: items(tasks).map(str::to_owned).collect(),
            collects: items(collects)
                .filter_map(|c| c.rsplit_once(':'))
                .map(|(collect, status)| (collect.to_owned(), status.to_owned()))
                .collect(),
            declines,
            webhook_failures,
            ended_by,
        }
    }
}

const SQLITE: Dialect = Dialect {
    placeholder: |n| format!("?{n}"),
    find: "instr",
};

/// Reads a stored time (SQLite keeps RFC 3339 text).
fn time(index: usize, text: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                index,
                rusqlite::types::Type::Text,
                Box::new(e),
            )
        })
}

fn sqlite_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CallRow> {
    Ok(CallRow::from_columns(
        time(0, &r.get::<_, String>(0)?)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        time(4, &r.get::<_, String>(4)?)?,
        r.get(5)?,
        &r.get::<_, String>(6)?,
        &r.get::<_, String>(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

/// The calls `filter` asks for (SQLite).
///
/// # Errors
/// The file cannot be opened or read.
pub(super) fn list(path: &Path, filter: &CallsFilter) -> Result<Vec<CallRow>, StoreError> {
    let conn = open_read_only(path)?;
    let (sql, params) = list_query(filter, &SQLITE);
    let params: Vec<Box<dyn rusqlite::ToSql>> = params
        .into_iter()
        .map(|p| -> Box<dyn rusqlite::ToSql> {
            match p {
                Param::Time(t) => Box::new(super::turn::timestamp(t)),
                Param::Text(s) => Box::new(s),
                Param::Int(n) => Box::new(n),
            }
        })
        .collect();
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), sqlite_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The calls that started within the millisecond from `at` (SQLite): what a call's address in
/// the console names, with a tag that tells them apart.
///
/// # Errors
/// The file cannot be opened or read.
pub(super) fn started_at(path: &Path, at: DateTime<Utc>) -> Result<Vec<CallRow>, StoreError> {
    let conn = open_read_only(path)?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM calls WHERE started_at >= ?1 AND started_at < ?2"
    ))?;
    let rows = stmt.query_map(
        [
            super::turn::timestamp(at),
            super::turn::timestamp(at + chrono::Duration::milliseconds(1)),
        ],
        sqlite_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A call's history, in order (SQLite).
///
/// # Errors
/// The file cannot be opened or read, or a row is not the JSON a turn writes.
pub(super) fn history(
    path: &Path,
    key: &str,
    started_at: DateTime<Utc>,
) -> Result<Vec<HistoryRow>, StoreError> {
    let conn = open_read_only(path)?;
    // `events_by_call`: the call's start, then its key.
    let mut stmt = conn.prepare(
        "SELECT turn, at, detail FROM events
         WHERE session_created_at = ?1 AND session_key = ?2 ORDER BY id",
    )?;
    let rows = stmt.query_map(
        rusqlite::params![super::turn::timestamp(started_at), key],
        |r| {
            let detail: String = r.get(2)?;
            Ok(HistoryRow {
                turn: r.get(0)?,
                at: time(1, &r.get::<_, String>(1)?)?,
                lines: serde_json::from_str(&detail).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        2,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_filters_set_reach_the_statement_and_each_is_bound_not_spliced() {
        let (sql, params) = list_query(
            &CallsFilter {
                limit: 50,
                ..CallsFilter::default()
            },
            &SQLITE,
        );
        assert!(!sql.contains("WHERE"), "{sql}");
        assert_eq!(params.len(), 2);
        let (sql, params) = list_query(
            &CallsFilter {
                task: Some("x' OR 1=1 --".into()),
                collect_status: Some("complete".into()),
                declined: true,
                limit: 50,
                ..CallsFilter::default()
            },
            &SQLITE,
        );
        assert!(
            sql.contains("instr(tasks, ?1) > 0 AND instr(collects, ?2) > 0 AND declines > 0"),
            "{sql}"
        );
        assert!(!sql.contains("OR 1=1"), "{sql}");
        assert!(matches!(&params[0], Param::Text(t) if t == " x' OR 1=1 -- "));
        assert!(matches!(&params[1], Param::Text(t) if t == ":complete "));
    }

    #[test]
    fn a_row_reads_its_spaced_lists_back() {
        let now = Utc::now();
        let row = CallRow::from_columns(
            now,
            "CA1".into(),
            "voice".into(),
            None,
            now,
            3,
            " sign_up order ",
            " sign_up:complete survey:in_progress ",
            1,
            0,
            None,
        );
        assert_eq!(row.tasks, ["sign_up", "order"]);
        assert_eq!(
            row.collects,
            [
                ("sign_up".to_owned(), "complete".to_owned()),
                ("survey".to_owned(), "in_progress".to_owned())
            ]
        );
    }
}
